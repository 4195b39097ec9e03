/*
 * series.c — indicators over time: annualised rates and robust trends.
 *
 * Annualised rate: Observatoire des territoires (ANCT), indicateurs de
 * démographie, TX_EVOL_DEMO_AN = (P1 / P0)^(1 / n) - 1.
 * Theil-Sen slope: Theil 1950, Sen 1968 (median of the pairwise slopes);
 * intercept median(y) - slope median(t) (Conover 1980).
 * Mann-Kendall: Mann 1945, Kendall 1975; variance with ties
 * [n(n-1)(2n+5) - sum t(t-1)(2t+5)] / 18, Z with continuity correction.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nous_core.h"
#include "series.h"

double
nous_annual_rate(double p0, double p1, double years)
{
	if (!(p0 > 0) || !(p1 >= 0) || !(years > 0) || isinf(p0) || isinf(p1) || isinf(years))
		return NAN;
	return pow(p1 / p0, 1.0 / years) - 1.0;
}

double
nous_normal_p2(double z)
{
	return erfc(fabs(z) / sqrt(2.0));
}

typedef struct
{
	double		t,
				y;
} Point;

static int
cmp_point(const void *a, const void *b)
{
	const Point *p = a,
			   *q = b;

	return (p->t > q->t) - (p->t < q->t);
}

/* median of v[0..n-1] (sorts v) */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(double), nous_cmp_double);
	return (n % 2) ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int
nous_trend(double *t, double *y, int n, NousTrend *out, double *dup)
{
	Point	   *p;
	double	   *w;
	size_t		npairs,
				k = 0;
	int			i,
				j;
	double		s = 0.0,
				ties = 0.0,
				var;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n < 2)
		return NOUS_TREND_TOO_SHORT;
	p = nous_alloc(sizeof(Point) * (size_t) n);
	npairs = (size_t) n * (size_t) (n - 1) / 2;
	w = nous_alloc(sizeof(double) * (npairs > (size_t) n ? npairs : (size_t) n));
	if (p == NULL || w == NULL)
	{
		nous_free(p);
		nous_free(w);
		return NOUS_TREND_NOMEM;
	}
	for (i = 0; i < n; i++)
	{
		p[i].t = t[i];
		p[i].y = y[i];
	}
	qsort(p, (size_t) n, sizeof(Point), cmp_point);
	for (i = 1; i < n; i++)
		if (p[i].t == p[i - 1].t)
		{
			*dup = p[i].t;
			nous_free(p);
			nous_free(w);
			return NOUS_TREND_DUPLICATE;
		}
	for (i = 0; i < n; i++)
	{
		t[i] = p[i].t;
		y[i] = p[i].y;
	}
	/* pairwise slopes and the Mann-Kendall sum */
	for (i = 0; i < n - 1; i++)
	{
		if ((i & 255) == 255)
			NOUS_CHECK_INTERRUPTS();
		for (j = i + 1; j < n; j++)
		{
			double		d = y[j] - y[i];

			w[k++] = d / (t[j] - t[i]);
			s += (d > 0) - (d < 0);
		}
	}
	out->slope = median(w, npairs);
	/* ties among the values: groups of equal y */
	memcpy(w, y, sizeof(double) * (size_t) n);
	qsort(w, (size_t) n, sizeof(double), nous_cmp_double);
	for (i = 0; i < n;)
	{
		double		g;

		j = i + 1;
		while (j < n && w[j] == w[i])
			j++;
		g = (double) (j - i);
		if (g > 1)
			ties += g * (g - 1) * (2 * g + 5);
		i = j;
	}
	out->intercept = (n % 2 ? w[n / 2] : 0.5 * (w[n / 2 - 1] + w[n / 2]));
	/* t is sorted: its median directly */
	out->intercept -= out->slope * (n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]));
	var = ((double) n * (n - 1) * (2.0 * n + 5) - ties) / 18.0;
	out->s = s;
	out->var_s = var;
	out->tau = s / (double) npairs;
	if (var > 0 && s != 0)
		out->z = (s > 0 ? s - 1 : s + 1) / sqrt(var);
	else
		out->z = 0.0;
	out->p_value = nous_normal_p2(out->z);
	nous_free(p);
	nous_free(w);
	return NOUS_TREND_OK;
}
