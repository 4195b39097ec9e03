/*
 * index_glue.h — what the glue files of the index module share (index_*.c):
 * the families, the resolved methods of a call site, and the reading and
 * computing of a composite over a matrix (index_matrix.c).
 */
#ifndef NOUS_INDEX_GLUE_H
#define NOUS_INDEX_GLUE_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"
#include "windowapi.h"

#include "nous.h"

#define NORM_FAMILY "normalisation"
#define AGG_FAMILY "aggregation"
#define DEFAULT_MIN_COVERAGE 0.5

/* The methods of a call site (fn_extra), with min_coverage split out. */
typedef struct ResolvedMethods
{
	char		norm_text[256];
	char		agg_text[256];
	NousMethod	norm;
	NousMethod	agg;
	double		min_coverage;
} ResolvedMethods;

/* One value per row of a window partition, computed once (fn_extra). */
typedef struct CompositePartition
{
	bool		done;
	int64		n;
	double	   *score;
	bool	   *present;
} CompositePartition;

/* A two-dimensional float8[] n x k unpacked into a column-major matrix. */
extern void index_matrix_from_datum(Datum d, bool isnull, int *n, int *k,
									double **x, bool **present);
/* The column-major matrix back into a two-dimensional float8[]. */
extern ArrayType *index_matrix_to_array(const double *x, const bool *present,
										int n, int k);
/* k checked weights (NULL: equal weights). */
extern double *index_weights_from_datum(Datum d, bool isnull, int k);
/* k polarities, each 1 or -1 (NULL: all 1). */
extern int *index_polarity_from_datum(Datum d, bool isnull, int k);
/* Resolve (or reuse, from flinfo->fn_extra) the methods of a call site. */
extern ResolvedMethods *index_resolve_methods(FmgrInfo *flinfo, const char *norm_text,
											  const char *agg_text);
/* Normalise every column in place, then reflect where polarity is -1. */
extern void index_normalise_matrix(NousMethod *m, double *x, bool *present,
								   int n, int k, const int *pol);
/*
 * Call a registered normalisation method on values (a float8[] of n): its
 * result, checked: ERROR when it is NULL (22004) or not a one-dimensional
 * float8[] of n elements (2202E).  nous.normalise and the index engines share
 * this call.
 */
extern ArrayType *index_normalise_call(NousMethod *m, Datum values, int n);
/* Aggregate into n scores, through a built-in's descriptor or the registry. */
extern void index_aggregate_matrix(NousMethod *m, const double *x,
								   const bool *present, int n, int k,
								   const double *w, double *out, bool *outp);
/*
 * Split min_coverage (default DEFAULT_MIN_COVERAGE) out of an aggregation
 * specification; rest receives what the method itself takes.
 */
extern void index_split_coverage(const char *spec_text, char *rest, size_t restlen,
								 double *min_cov);
/* A text argument that must not be NULL. */
extern char *index_text_arg(Datum d, bool isnull, const char *what, const char *hint);
/* Elements of a one-dimensional float8 values array (ERROR naming the row otherwise). */
extern int	index_values_length(ArrayType *a, const char *where, int64 row);
/* The most components (indicators) an index combines. */
#define INDEX_MAX_K 10000
/*
 * k components: ERROR when there are none (22023) or more than INDEX_MAX_K
 * (54000).  Called on every row: the test inline, the error out of line.
 */
NOUS_NORETURN extern void index_bad_components(int k);
static inline void
index_check_components(int k)
{
	if (unlikely(k == 0 || k > INDEX_MAX_K))
		index_bad_components(k);
}
/* Length of a one-dimensional array argument, -1 when NULL. */
extern int	index_array_length(Datum d, bool isnull);
/* The scores of one partition or group (coverage, normalise, aggregate). */
extern void index_composite_scores(ResolvedMethods *rm, double *x, bool *present,
								   int n, int k, const double *w, const int *pol,
								   double *score, bool *scorep, double *cov);

/* Fills the scores of a whole partition (part->n, score, present). */
typedef void (*IndexPartitionCompute) (FunctionCallInfo fcinfo, WindowObject winobj,
									   CompositePartition *part);

/*
 * The body of a window function scoring whole partitions: on the first row
 * of a partition, compute (once) into partition memory; the current row's
 * value (no mark moved).
 */
extern Datum index_window_score(FunctionCallInfo fcinfo, IndexPartitionCompute compute);

#endif							/* NOUS_INDEX_GLUE_H */
