/*
 * series.h — indicators over time (no server headers): annualised rates of
 * change (Observatoire des territoires) and robust trends (Theil-Sen slope,
 * Mann-Kendall test with the tie correction).
 */
#ifndef NOUS_SERIES_H
#define NOUS_SERIES_H

#include <stddef.h>

/* (p1 / p0)^(1 / years) - 1; NaN when p0 <= 0, p1 < 0 or years <= 0 */
double		nous_annual_rate(double p0, double p1, double years);

typedef struct NousTrend
{
	int			n;				/* points used */
	double		slope;			/* Theil-Sen: median of pairwise slopes */
	double		intercept;		/* median(y) - slope * median(t) (Conover) */
	double		s;				/* Mann-Kendall S */
	double		var_s;			/* variance of S, ties corrected */
	double		z;				/* continuity-corrected normal score */
	double		p_value;		/* two-sided p-value */
	double		tau;			/* Kendall's tau-a: S / (n (n - 1) / 2) */
} NousTrend;

/* return codes of nous_trend */
#define NOUS_TREND_OK			0
#define NOUS_TREND_TOO_SHORT	1	/* fewer than 2 points */
#define NOUS_TREND_DUPLICATE	2	/* two points at one time (t[*dup] twice) */
#define NOUS_TREND_NOMEM		3

/*
 * Theil-Sen and Mann-Kendall of the points (t[i], y[i]), i < n, in any order
 * (sorted in place by t); needs n (n - 1) / 2 doubles of work memory.
 * On NOUS_TREND_DUPLICATE, *dup is the repeated time.
 */
int			nous_trend(double *t, double *y, int n, NousTrend *out, double *dup);

/* two-sided p-value of a standard normal score: erfc(|z| / sqrt 2) */
double		nous_normal_p2(double z);

#endif
