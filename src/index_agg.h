/*
 * index_agg.h — the state of nous.composite_agg(), shared by its transition
 * and final functions (index_agg.c) and its partial aggregation
 * (index_agg_parallel.c).
 */
#ifndef NOUS_INDEX_AGG_H
#define NOUS_INDEX_AGG_H

#include "postgres.h"

#include "fmgr.h"

/*
 * The state keeps one row per input row: its key and its k values packed
 * row-major as doubles, NaN standing for a NULL element (NaN is refused on
 * input, so it cannot be confused with a value).  The arguments that must be
 * the same in every row (weights, polarity, methods) are kept once, checked
 * on each row (pointer comparison first: constants come as the same datum).
 */
#define CAGG_VERSION 1
#define CAGG_SPEC_MAX 255

typedef struct CompAggState
{
	int			k;				/* components; -1 while unknown */
	bool		args_set;		/* the constant arguments are known */
	int64		n;				/* rows */
	int64		cap;			/* allocated rows */
	int64	   *keys;
	double	   *x;				/* cap x k, row-major, NaN = NULL */
	bool		has_w;
	bool		has_pol;
	double	   *w;				/* k weights as given (has_w) */
	int		   *pol;			/* k polarities (has_pol) */
	char		norm[CAGG_SPEC_MAX + 1];
	char		agg[CAGG_SPEC_MAX + 1];
	/* last datums seen for the constant arguments (transition only) */
	Datum		last[4];
	bool		lastnull[4];
	bool		last_valid;
	struct varlena *orig[4];	/* detoasted copies of the first row's */
} CompAggState;

/* Room for need rows (keys and, once k is known, values). */
extern void cagg_grow(CompAggState *st, int64 need);
/* k becomes known: rows stored so far (all with NULL values) get NaN rows. */
extern void cagg_set_k(CompAggState *st, int k);

/* index_agg.c: append a transition call's row; rebuild the argument copies */
extern void cagg_add_row(CompAggState *st, FunctionCallInfo fcinfo, int nargs, bool same_datums);
extern void cagg_restore_args(CompAggState *st, int nargs);
/* index_agg.c: the result of the aggregate from a state (NULL: no row) */
extern Datum cagg_final(FunctionCallInfo fcinfo, const CompAggState *st);
/* index_agg_parallel.c: same constant arguments, or an ERROR; union of rows */
extern void cagg_check_compatible(const CompAggState *a, const CompAggState *b);
extern void cagg_concat(CompAggState *dst, const CompAggState *src);

/* index_agg_state.c: the flat image of a state (also the 0.1.0 serialized form) */
extern struct varlena *cagg_flatten_state(const CompAggState *st);
extern void cagg_flat_read(struct varlena *v, CompAggState *st);

#endif							/* NOUS_INDEX_AGG_H */
