/*
 * normalise.h — the built-in normalisation methods of nous.
 *
 * Every function takes n values with a presence mask (present[i] false for a
 * NULL element: it is ignored by the statistics and its output is left
 * untouched) and writes n outputs.  Present values must be finite: the glue
 * rejects NaN and Infinity before calling.  When no value is present the
 * outputs are all absent and the call succeeds.
 */
#ifndef NOUS_NORMALISE_H
#define NOUS_NORMALISE_H

#include "nous_core.h"

/* Which standard deviation a z-score divides by. */
typedef enum nous_sd_kind
{
	NOUS_SD_POPULATION = 0,		/* divide the sum of squares by n */
	NOUS_SD_SAMPLE				/* divide by n - 1 */
} nous_sd_kind;

/* How tied values share ranks. */
typedef enum nous_ties
{
	NOUS_TIES_AVERAGE = 0,		/* mean of the positions they occupy (R's default) */
	NOUS_TIES_MIN,				/* lowest position, as SQL rank() */
	NOUS_TIES_MAX,				/* highest position */
	NOUS_TIES_DENSE,			/* 1, 2, 3 over distinct values, as SQL dense_rank() */
	NOUS_TIES_FIRST				/* order of appearance, as R's ties.method = "first" */
} nous_ties;

/* Mean and standard deviation of the present values (two-pass). */
extern nous_status nous_mean_sd(const double *x, const bool *present, int n,
								nous_sd_kind kind, double *mean, double *sd,
								int *count);

/* z = (x - mean) / sd; every z is 0 when sd is 0 or undefined. */
extern nous_status nous_norm_zscore(const double *x, const bool *present, int n,
									nous_sd_kind kind, double *out);

/* 100 (x - min) / (max - min); every value is 50 when max = min. */
extern nous_status nous_norm_minmax(const double *x, const bool *present, int n,
									double *out);

/* Ranks 1..m of the m present values in increasing order. */
extern nous_status nous_norm_rank(const double *x, const bool *present, int n,
								  nous_ties ties, double *out);

/*
 * Percentile rank 100 (r - 1) / (m - 1) in [0, 100] from the ranks above
 * (ties=dense: 100 (r - 1) / (d - 1) with d distinct values).  When all
 * present values are tied (including m = 1) the result is 50 for
 * ties=average, 0 for min, dense and first, 100 for max.
 */
extern nous_status nous_norm_percentile(const double *x, const bool *present,
										int n, nous_ties ties, double *out);

/*
 * 100 x / ref.  When has_ref is false, ref is the mean of the present values.
 * A zero reference is a domain error.
 */
extern nous_status nous_norm_ratio(const double *x, const bool *present, int n,
								   bool has_ref, double ref, double *out);

/* Parse a ties or sd keyword; false when the word is not one of them. */
extern bool nous_parse_ties(const char *word, nous_ties *ties);
extern bool nous_parse_sd(const char *word, nous_sd_kind *kind);

#endif							/* NOUS_NORMALISE_H */
