/*
 * km.h — the Kaplan-Meier product-limit estimator with Greenwood variance,
 * log-transformed pointwise bands and the quantile rule of R survival
 * (survfit defaults: conf.type = "log").
 */
#ifndef NOUS_KM_H
#define NOUS_KM_H

#include "nous_core.h"

typedef struct nous_km_point
{
	double		time;
	double		n_risk;
	double		n_event;
	double		n_censor;
	double		surv;
	double		se_cumhaz;		/* Greenwood SE of -log S; NaN once S = 0 */
	double		lower;			/* S exp(-z se), NaN once S = 0 */
	double		upper;			/* min(1, S exp(z se)) */
} nous_km_point;

/*
 * The curve at the m distinct times (ascending) with their event and
 * censoring counts.  level: the confidence level of the bands.
 */
extern nous_status nous_km_build(int m, const double *time, const double *events,
								 const double *censored, double level,
								 nous_km_point *out);

/*
 * The first time the curve (which = 0), its lower band (1) or its upper band
 * (2) falls to s or below; the midpoint with the next step when the curve
 * equals s on a step (within 1.5e-8); NaN when never reached.
 */
extern double nous_km_quant(int m, const nous_km_point *c, double s, int which);

/* S(t): the curve at the last time <= t (1 before the first) */
extern double nous_km_surv_at(int m, const nous_km_point *c, double t);

/* the area under the step curve from 0 to tau */
extern double nous_km_area(int m, const nous_km_point *c, double tau);

#endif							/* NOUS_KM_H */
