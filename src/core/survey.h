/*
 * survey.h — design-based survey estimation (Taylor linearisation), the
 * interval methods of R survey's svyciprop, and calibration on margins
 * (linear/GREG, raking, logit with bounds: the Calmar methods).
 *
 * Every unit (a PSU, or a row when there are no clusters) carries three
 * weighted sums v = (a, b, c) = (sum w y, sum w x, sum w).  A stratum keeps
 * the number of its units, their plain sums, their means and their
 * co-moment matrix (Welford; merged with Chan et al.'s formula).  An
 * estimator is linearised as z = q'v; its variance is
 *   V = sum_h (1 - f_h) n_h/(n_h - 1) q' M_h q
 * (R survey's svyrecvar, one stage, with-replacement formula with fpc).
 */
#ifndef NOUS_SURVEY_H
#define NOUS_SURVEY_H

#include <stdint.h>
#include "nous_core.h"

/* the moments of the units of one stratum */
typedef struct nous_svy_mom
{
	double		n;				/* units (PSUs, or rows without clusters) */
	double		mean[3];
	double		com[6];			/* co-moments aa ab ac bb bc cc */
	double		sum[3];			/* plain sums (the estimates) */
} nous_svy_mom;

/* one stratum as the variance needs it */
typedef struct nous_svy_stratum
{
	int64_t		key;
	double		fpc;			/* population units, or a fraction in (0,1]; 0 = none */
	nous_svy_mom mom;
} nous_svy_stratum;

typedef enum nous_svy_lonely
{
	NOUS_LONELY_FAIL = 0,		/* a stratum with one unit is an error */
	NOUS_LONELY_CERTAINTY,		/* it contributes nothing (certainty PSU) */
	NOUS_LONELY_REMOVE,			/* it contributes nothing */
	NOUS_LONELY_ADJUST,			/* centred at the grand mean of all units */
	NOUS_LONELY_AVERAGE			/* the others' variance scaled by H / H_ok */
} nous_svy_lonely;

/* parse 'fail' | 'certainty' | 'remove' | 'adjust' | 'average'; -1 if unknown */
extern int	nous_svy_lonely_parse(const char *s);

extern void nous_svy_mom_add(nous_svy_mom *m, const double v[3]);
extern void nous_svy_mom_merge(nous_svy_mom *m, const nous_svy_mom *o);

/*
 * cov = sum_h scale_h q' M_h r over the strata.  Returns NOUS_ERR_DOMAIN
 * with *bad = the index of the stratum when a stratum has a single unit and
 * the rule is FAIL, or when its fpc is smaller than its number of units.
 */
extern nous_status nous_svy_cov(const nous_svy_stratum *s, int nstrata,
								const double q[3], const double r[3],
								nous_svy_lonely lonely, double *cov, int *bad);

/* the sampling fraction complement 1 - n/N of a stratum (1 without fpc) */
extern double nous_svy_fpc_factor(double n, double fpc);

/* the sampling fraction n/N of a stratum (0 without fpc: with replacement) */
extern double nous_svy_sampled_fraction(double n, double fpc);

/* q' C r for a co-moment matrix stored as aa ab ac bb bc cc */
extern double nous_svy_qform(const double c[6], const double q[3], const double r[3]);

/*
 * Second stage of a two-stage design (R survey's multistage, its default when
 * the first stage has an fpc).  Within one PSU the SSU totals have the moments
 * ssu (n_2 SSUs); the PSU adds to the matrix m2
 *     first_fraction (1 - n_2/N_2) n_2/(n_2 - 1) C
 * with first_fraction = n_1h/N_1h of its stratum and N_2 from fpc2 (a count
 * > 1, a fraction in (0,1], or 0 = with replacement).  A PSU whose SSUs are
 * its whole population (f_2 = 0) adds nothing.  A PSU with a single SSU that
 * is not its whole population adds nothing and returns NOUS_ERR_DOMAIN (the
 * caller applies its lonely rule); fpc2 smaller than n_2: NOUS_ERR_PARAM.
 */
extern nous_status nous_svy_stage2_add(double m2[6], const nous_svy_mom *ssu,
									   double fpc2, double first_fraction);

/* ---- distributions (for the intervals) ---- */
extern double nous_svy_pt(double t, double df);		/* P(T <= t) */
extern double nous_svy_qt(double p, double df);		/* inverse; df = Inf: normal */
extern double nous_svy_pbeta(double x, double a, double b);
extern double nous_svy_qbeta(double p, double a, double b);

/* ---- proportion intervals (svyciprop) ---- */
typedef enum nous_svy_ci
{
	NOUS_CI_MEAN = 0,			/* Wald on p */
	NOUS_CI_LOGIT,				/* Wald on logit p */
	NOUS_CI_ASIN,				/* Wald on asin sqrt p */
	NOUS_CI_WILSON,				/* Wilson with the effective sample size */
	NOUS_CI_BETA				/* Korn-Graubard */
} nous_svy_ci;

extern int	nous_svy_ci_parse(const char *s);
/* n_rows: unweighted rows (beta only); df: design degrees of freedom */
extern nous_status nous_svy_ci_compute(nous_svy_ci method, double p, double se,
								   double df, double n_rows, double level,
								   double *lower, double *upper);

/* ---- calibration (Deville & Sarndal 1992; Calmar) ---- */
typedef enum nous_svy_calfun
{
	NOUS_CAL_LINEAR = 0,
	NOUS_CAL_RAKING,
	NOUS_CAL_LOGIT
} nous_svy_calfun;

extern int	nous_svy_calfun_parse(const char *s);

/*
 * Weights w_k = d_k F(x_k' lambda) with sum_k w_k x_k = T (X row-major n x p),
 * by Newton steps with a generalised inverse (redundant columns allowed).
 * Converged when max_j |X'w - T|_j / max(1, |T_j|) <= tol.  Returns
 * NOUS_ERR_DOMAIN when not converged in maxit steps (w holds the last
 * iterate), NOUS_ERR_PARAM for bad bounds.
 */
extern nous_status nous_svy_cal_solve(int n, int p, const double *d,
									  const double *X, const double *T,
									  nous_svy_calfun fun, double lo, double up,
									  int maxit, double tol, double *w,
									  int *iterations, double *maxerr);

/* residuals y - x'beta of the regression of y on X with weights d */
extern nous_status nous_svy_greg_resid(int n, int p, const double *d,
										   const double *X, const double *y,
										   double *e);

#endif							/* NOUS_SURVEY_H */
