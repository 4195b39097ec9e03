/*
 * index.h — the mathematics of composite (fragility) indices: the extra
 * normalisations (goalposts, winsorisation, log), polarity, coverage, the
 * built-in aggregation methods, the gap to a reference and the QPV income
 * threshold.
 *
 * Matrices are column-major: x[j * n + i] is component j of row i, with a
 * presence mask of the same layout (false = NULL).  Present values must be
 * finite (the glue rejects NaN and Infinity).  Weights are k finite,
 * non-negative numbers with a positive sum (nous_check_weights).
 */
#ifndef NOUS_INDEX_H
#define NOUS_INDEX_H

#include "nous_core.h"
#include "normalise.h"

/* ---- normalisations (same contract as normalise.h) ---- */

/* Quantile of type 7 (Hyndman & Fan 1996; R's default) of m sorted values. */
extern double nous_quantile7(const double *sorted, int m, double p);

/*
 * Goalposts: 100 (x - lo) / (hi - lo), clipped to [0, 100] when clip.
 * hi < lo is allowed (a reversed scale); hi = lo is a parameter error.
 */
extern nous_status nous_norm_goalposts(const double *x, const bool *present,
									   int n, double lo, double hi, bool clip,
									   double *out);

/*
 * Goalposts with defaults (lo, hi: the minimum and maximum of the present
 * values when not given); all values equal under the defaults give 50; a
 * given lo = hi is NOUS_ERR_PARAM, explained in msg.
 */
extern nous_status nous_norm_goalposts_auto(const double *x, const bool *present,
											 int n, bool has_lo, double lo,
											 bool has_hi, double hi, bool clip,
											 double *out, char *msg, size_t msglen);

/* Winsorisation at the type-7 quantiles p and 1 - p (0 <= p < 0.5). */
extern nous_status nous_norm_winsor_quantile(const double *x, const bool *present,
											 int n, double p, double *out);

/* Winsorisation at mean +/- k sd (k > 0). */
extern nous_status nous_norm_winsor_sd(const double *x, const bool *present,
									   int n, double k, nous_sd_kind kind,
									   double *out);

/* Natural log of x + offset; a domain error when some x + offset <= 0. */
extern nous_status nous_norm_log(const double *x, const bool *present, int n,
								 double offset, double *out);

/*
 * Polarity: reflect the present values about centre (out = 2 centre - v).
 * centre 0 negates a z-score; 50 turns a 0-100 scale upside down.
 */
extern void nous_reflect(double *v, const bool *present, int n, double centre);

/* ---- weights and coverage ---- */

/* NOUS_ERR_PARAM if a weight is negative or not finite, or all are 0. */
extern nous_status nous_check_weights(const double *w, int k);

/*
 * Coverage of each row: the share of the total weight carried by its
 * present components, in [0, 1].
 */
extern void nous_coverage(const bool *present, int n, int k, const double *w,
						  double *coverage);

/* ---- aggregations: n x k column-major matrix -> n scores ---- */

/*
 * Every aggregation renormalises the weights over the components present in
 * each row; a row with no present component of positive weight gets no score
 * (outp[i] = false).
 */

/* Weighted arithmetic mean (OECD/JRC Handbook 2008, §6.1, linear aggregation). */
extern nous_status nous_agg_mean(const double *x, const bool *present, int n,
								 int k, const double *w, double *out, bool *outp);

/*
 * Weighted geometric mean exp(sum w ln(v + shift) / sum w) - shift (OECD/JRC
 * Handbook 2008, §6.1, geometric aggregation); a domain error when some
 * v + shift <= 0.
 */
extern nous_status nous_agg_geometric(const double *x, const bool *present,
									  int n, int k, const double *w,
									  double shift, double *out, bool *outp);

/*
 * Weighted power mean (sum w v^p / sum w)^(1/p), p = 0 the geometric mean
 * (Hardy, Littlewood & Pólya, Inequalities, 1934, ch. II); values must be
 * >= 0 (> 0 when p <= 0), a domain error otherwise.
 */
extern nous_status nous_agg_power(const double *x, const bool *present, int n,
								  int k, const double *w, double p,
								  double *out, bool *outp);

/*
 * Mazziotta-Pareto index (Mazziotta & Pareto 2016, Soc. Indic. Res. 127):
 * z = 100 + 10 v when rescale (v a z-score), M and S the weighted mean and
 * standard deviation of the row's z (S over m or, sample, m - 1 present
 * components), MPI = M + sign S^2 / M (= M + sign S cv).  sign +1 penalises
 * unbalance upwards (indices where higher is worse), -1 downwards.  M <= 0
 * is a domain error.
 */
extern nous_status nous_agg_mpi(const double *x, const bool *present, int n,
								int k, const double *w, int sign,
								nous_sd_kind kind, bool rescale,
								double *out, bool *outp);

/*
 * Weighted mean of the ranks of each component over the n rows (décret
 * 2014-1575, annexe 2): rank 1 = lowest value, ties by the tie rule.
 */
extern nous_status nous_agg_rankmean(const double *x, const bool *present,
									 int n, int k, const double *w,
									 nous_ties ties, double *out, bool *outp);

/*
 * Number of components in the worst part of their distribution: v >= the
 * type-7 quantile q of the component (v > it when strict), weighted by w
 * rescaled to mean 1 over the row's present components (a plain count with
 * equal weights).
 */
extern nous_status nous_agg_worstq(const double *x, const bool *present,
								   int n, int k, const double *w, double q,
								   bool strict, double *out, bool *outp);

/* ---- gap to a reference, change, QPV threshold ---- */

/*
 * Gap to the reference from counts, base 100 (INSEE, indices of
 * specificity): 100 (num_i / den_i) / (sum num / sum den) over the rows where
 * both are present.  A row with den_i = 0 gets no value; a zero reference
 * sum is a domain error, negative counts a parameter error.
 */
extern nous_status nous_reference_gap(const double *num, const double *den,
									  const bool *present, int n,
									  double *out, bool *outp);

/*
 * QPV low-income threshold, décret 2014-767 art. 4: 0.6 (0.7 national +
 * 0.3 unit) under 5 million inhabitants, 0.6 (0.3 national + 0.7 unit) at 5
 * million and more, rounded up to the next 100 euros.
 */
extern nous_status nous_qpv_income_threshold(double national, double unit,
											 long long population, double *out);

#endif							/* NOUS_INDEX_H */
