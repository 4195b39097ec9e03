/*
 * km.c — Kaplan-Meier (Kaplan & Meier 1958), Greenwood (1926) variance, the
 * log band and the median rule of R survival (print.survfit / quantile).
 */
#include <math.h>

#include "km.h"
#include "survey.h"

nous_status
nous_km_build(int m, const double *time, const double *events,
			  const double *censored, double level, nous_km_point *out)
{
	double		at_risk = 0,
				s = 1,
				g = 0,
				z;
	int			i;

	if (!(level > 0 && level < 1))
		return NOUS_ERR_PARAM;
	z = nous_svy_qt(0.5 + level / 2, INFINITY);
	for (i = 0; i < m; i++)
		at_risk += events[i] + censored[i];
	for (i = 0; i < m; i++)
	{
		double		n = at_risk,
					d = events[i];

		if (d > 0)
		{
			s *= 1 - d / n;
			if (n > d)
				g += d / (n * (n - d));
			else
				g = NAN;
		}
		out[i].time = time[i];
		out[i].n_risk = n;
		out[i].n_event = d;
		out[i].n_censor = censored[i];
		out[i].surv = s;
		out[i].se_cumhaz = s > 0 ? sqrt(g) : NAN;
		if (s > 0 && !isnan(g))
		{
			double		e = exp(z * sqrt(g));

			out[i].lower = s / e;
			out[i].upper = fmin(1.0, s * e);
		}
		else
		{
			out[i].lower = NAN;
			out[i].upper = NAN;
		}
		at_risk -= events[i] + censored[i];
	}
	return NOUS_OK;
}

static double
val(const nous_km_point *p, int which)
{
	return which == 0 ? p->surv : which == 1 ? p->lower : p->upper;
}

double
nous_km_quant(int m, const nous_km_point *c, double s, int which)
{
	const double toler = 1.5e-8;
	int			i,
				j;

	for (i = 0; i < m; i++)
	{
		double		v = val(&c[i], which);

		if (isnan(v) || v > s + toler)
			continue;
		if (fabs(v - s) < toler)
		{
			/* flat at s: the midpoint with the next step down */
			for (j = i + 1; j < m; j++)
			{
				double		w = val(&c[j], which);

				if (!isnan(w) && w < v - toler)
					return (c[i].time + c[j].time) / 2;
			}
			return c[i].time;
		}
		return c[i].time;
	}
	return NAN;
}

double
nous_km_surv_at(int m, const nous_km_point *c, double t)
{
	double		s = 1;
	int			i;

	for (i = 0; i < m && c[i].time <= t; i++)
		s = c[i].surv;
	return s;
}

double
nous_km_area(int m, const nous_km_point *c, double tau)
{
	double		area = 0,
				prev = 0,
				s = 1;
	int			i;

	for (i = 0; i < m && c[i].time <= tau; i++)
	{
		area += s * (c[i].time - prev);
		prev = c[i].time;
		s = c[i].surv;
	}
	if (tau > prev)
		area += s * (tau - prev);
	return area;
}
