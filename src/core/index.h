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

/* ---- the composite in two steps (issue 14) ----
 *
 * Step 1, a combinable aggregate, keeps per component the moments of its
 * present values: count, sum, sum of squared deviations M2 (Youngs & Cramer
 * 1971, as PostgreSQL's float8_accum; the merge of two partial states is
 * float8_combine's, Chan, Golub & LeVeque 1979), minimum and maximum.
 * Step 2 normalises and aggregates each row alone with those parameters.
 * Only the methods whose parameters these moments determine qualify:
 * zscore, minmax, goalposts, ratio, log (scale none, zscore or minmax) and
 * none; the aggregations that read one row: mean, geometric, power, mpi.
 */
typedef struct nous_ts_moments
{
	double		n;				/* present values */
	double		sum;
	double		m2;				/* sum of squared deviations from the mean */
	double		min;
	double		max;
} nous_ts_moments;

extern void nous_tsm_init(nous_ts_moments *m);
/*
 * Add x (finite): Youngs & Cramer (1971), as PostgreSQL's float8_accum
 * (utils/adt/float.c): tmp = x n - sum, M2 += tmp^2 / (n (n - 1)).  Inline:
 * the aggregate calls it for every value.
 */
static inline void
nous_tsm_add(nous_ts_moments *m, double x)
{
	double		n0 = m->n;

	m->n = n0 + 1.0;
	m->sum += x;
	if (n0 > 0.0)
	{
		double		tmp = x * m->n - m->sum;

		m->m2 += tmp * tmp / (m->n * n0);
	}
	else
		m->m2 = 0.0;
	if (x < m->min)
		m->min = x;
	if (x > m->max)
		m->max = x;
}
/* a += b: M2 = M2a + M2b + na nb (sum_a/na - sum_b/nb)^2 / (na + nb). */
extern void nous_tsm_merge(nous_ts_moments *a, const nous_ts_moments *b);

typedef enum nous_ts_method
{
	NOUS_TS_ZSCORE = 1,
	NOUS_TS_MINMAX,
	NOUS_TS_GOALPOSTS,
	NOUS_TS_RATIO,
	NOUS_TS_LOG,
	NOUS_TS_NONE
} nous_ts_method;

/* scale of log, same order as the method's words none|zscore|minmax */
enum
{
	NOUS_TS_SCALE_NONE = 0, NOUS_TS_SCALE_ZSCORE, NOUS_TS_SCALE_MINMAX
};

/* A normalisation of the two-step path and its parameters. */
typedef struct nous_ts_spec
{
	int			method;			/* nous_ts_method */
	int			sd;				/* zscore: nous_sd_kind */
	int			scale;			/* log: NOUS_TS_SCALE_* */
	double		p1,
				p2;				/* goalposts lo, hi; ratio ref; log offset */
	bool		has_p1,
				has_p2,
				clip;			/* goalposts */
} nous_ts_spec;

/*
 * The normalisation of one component, ready to apply to one value:
 * t = log(x + offset) when log, else x; v = constant ? value
 * : mul ((t - sub) / div) + add, clipped to [0, 100] when clip, then
 * reflected (2 centre - v) when reflect.  The same operations in the same
 * order as the one-pass functions of normalise.c and index.c.
 */
typedef struct nous_ts_comp
{
	bool		empty;			/* no value of the component in the parameters */
	bool		log;
	double		offset;
	bool		constant;
	double		value;
	double		sub,
				div,
				mul,
				add;
	bool		clip;
	bool		reflect;
	double		centre;
} nous_ts_comp;

/*
 * The value the moments accumulate for x: log(x + offset) for log, else x;
 * NOUS_ERR_DOMAIN when x + offset <= 0.
 */
extern nous_status nous_ts_transform(const nous_ts_spec *s, double x, double *t);

/*
 * Prepare component c from the spec, its moments and its polarity (1 or
 * -1): NOUS_ERR_DOMAIN for a zero or non-finite ratio reference.
 */
extern nous_status nous_ts_prepare(const nous_ts_spec *s, const nous_ts_moments *m,
								   int polarity, nous_ts_comp *c);

/*
 * Normalise the k values of one row into v (absent values untouched):
 * NOUS_ERR_DOMAIN (log of a value <= -offset) or NOUS_ERR_EMPTY (a value of
 * a component the parameters never saw), *bad the 0-based component.
 */
extern nous_status nous_ts_normalise_row(const nous_ts_comp *c, const double *x,
										 const bool *present, int k, double *v,
										 int *bad);

/* Coverage of one row: the arithmetic of nous_coverage (total = sum of w). */
extern double nous_ts_coverage_row(const bool *present, int k, const double *w,
								   double total);

/* Weighted mean of one row, the arithmetic of nous_agg_mean. */
extern void nous_ts_mean_row(const double *v, const bool *present, int k,
							 const double *w, double *score, bool *has);

#endif							/* NOUS_INDEX_H */
