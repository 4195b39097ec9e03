/*
 * mix_alloc.c — the arithmetic of the allocation-mix rules: consumption
 * units, quantiles (of values and of sorted runs), the normal quantile, Wilson
 * score intervals and the gap to a target share.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"

/* ---- allocation mix ---- */

/* INSEE / OECD-modified scale: 1 + 0.5 (a - 1) + 0.3 c (INSEE, définition "unité de consommation") */
nous_status
nous_consumption_units(long adults, long children, nous_uc_scale scale, double *out)
{
	if (adults < 0 || children < 0)
		return NOUS_ERR_DOMAIN;
	if (adults == 0)
		return NOUS_ERR_PARAM;
	switch (scale)
	{
		case NOUS_UC_OECD_MODIFIED:
			*out = 1.0 + 0.5 * (double) (adults - 1) + 0.3 * (double) children;
			break;
		case NOUS_UC_OECD_OLD:
			*out = 1.0 + 0.7 * (double) (adults - 1) + 0.5 * (double) children;
			break;
		case NOUS_UC_SQRT:
			*out = sqrt((double) adults + (double) children);
			break;
		case NOUS_UC_PER_CAPITA:
			*out = (double) adults + (double) children;
			break;
		default:
			return NOUS_ERR_PARAM;
	}
	return NOUS_OK;
}

/* Hoare quickselect: x[k] becomes the k-th smallest, smaller ones before it, larger after */
static void
select_kth(double *x, size_t n, size_t kk)
{
	long		lo = 0, hi = (long) n - 1, k = (long) kk;
	unsigned	iter = 0;

	while (hi > lo)
	{
		double		pivot, s;
		long		i = lo, j = hi;
		long		mid = lo + (hi - lo) / 2;

		if (++iter % 64 == 0)
			NOUS_CHECK_INTERRUPTS();
		/* median of three */
		if (x[mid] < x[lo])
		{
			s = x[mid]; x[mid] = x[lo]; x[lo] = s;
		}
		if (x[hi] < x[lo])
		{
			s = x[hi]; x[hi] = x[lo]; x[lo] = s;
		}
		if (x[hi] < x[mid])
		{
			s = x[hi]; x[hi] = x[mid]; x[mid] = s;
		}
		pivot = x[mid];
		while (i <= j)
		{
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j)
			{
				s = x[i]; x[i] = x[j]; x[j] = s;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* smallest of x[from..n) */
static double
min_from(const double *x, size_t from, size_t n)
{
	double		m = x[from];
	size_t		i;

	for (i = from + 1; i < n; i++)
		if (x[i] < m)
			m = x[i];
	return m;
}

/* Hyndman & Fan (1996) types 7 (continuous), 1 (discrete), 8 (median-unbiased) */
nous_status
nous_quantile(double *x, size_t n, double prob, nous_quantile_kind kind, double *out)
{
	double		h;
	size_t		k;

	if (!(prob >= 0.0 && prob <= 1.0))
		return NOUS_ERR_PARAM;
	if (n == 0)
	{
		*out = NAN;
		return NOUS_OK;
	}
	switch (kind)
	{
		case NOUS_Q_CONTINUOUS:
			h = (double) (n - 1) * prob;
			break;
		case NOUS_Q_DISCRETE:
			/* percentile_disc: first value whose cumulative share >= prob */
			k = (size_t) ceil(prob * (double) n);
			k = k > 0 ? k - 1 : 0;
			select_kth(x, n, k);
			*out = x[k];
			return NOUS_OK;
		case NOUS_Q_MEDIAN_UNBIASED:
			h = ((double) n + 1.0 / 3.0) * prob + 1.0 / 3.0 - 1.0;
			if (h < 0.0)
				h = 0.0;
			if (h > (double) (n - 1))
				h = (double) (n - 1);
			break;
		default:
			return NOUS_ERR_PARAM;
	}
	k = (size_t) floor(h);
	select_kth(x, n, k);
	if (k + 1 < n && h > (double) k)
		*out = x[k] + (h - (double) k) * (min_from(x, k + 1, n) - x[k]);
	else
		*out = x[k];
	return NOUS_OK;
}

/*
 * The values of order k and k + 1 (0-based; k + 1 clamped to the last) of
 * sorted runs (value, multiplicity)
 */
static void
runs_pair_at(const double *runs, size_t nruns, double k, double *xk, double *xk1)
{
	double		cum = 0.0;
	size_t		i = 0;

	while (i + 1 < nruns && cum + runs[2 * i + 1] <= k)
		cum += runs[2 * i + 1], i++;
	*xk = runs[2 * i];
	/* order k + 1 is in the same run unless k is the run's last */
	if (cum + runs[2 * i + 1] > k + 1.0 || i + 1 >= nruns)
		*xk1 = runs[2 * i];
	else
		*xk1 = runs[2 * (i + 1)];
}

nous_status
nous_quantile_runs(const double *runs, size_t nruns, double prob, nous_quantile_kind kind,
				   double *out)
{
	double		n = 0.0,
				h,
				k,
				xk,
				xk1;
	size_t		i;

	if (!(prob >= 0.0 && prob <= 1.0))
		return NOUS_ERR_PARAM;
	for (i = 0; i < nruns; i++)
		n += runs[2 * i + 1];
	if (n == 0.0)
	{
		*out = NAN;
		return NOUS_OK;
	}
	/* the same positions as nous_quantile, n being exact in a double */
	switch (kind)
	{
		case NOUS_Q_CONTINUOUS:
			h = (n - 1.0) * prob;
			break;
		case NOUS_Q_DISCRETE:
			k = ceil(prob * n);
			k = k > 0.0 ? k - 1.0 : 0.0;
			runs_pair_at(runs, nruns, k, out, &xk1);
			return NOUS_OK;
		case NOUS_Q_MEDIAN_UNBIASED:
			h = (n + 1.0 / 3.0) * prob + 1.0 / 3.0 - 1.0;
			if (h < 0.0)
				h = 0.0;
			if (h > n - 1.0)
				h = n - 1.0;
			break;
		default:
			return NOUS_ERR_PARAM;
	}
	k = floor(h);
	runs_pair_at(runs, nruns, k, &xk, &xk1);
	if (k + 1.0 < n && h > k)
		*out = xk + (h - k) * (xk1 - xk);
	else
		*out = xk;
	return NOUS_OK;
}

/* Acklam (2003) rational approximation, refined by one Halley step */
double
nous_normal_quantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
	2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
	2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	double		q, r, x, e, u;

	if (!(p > 0.0 && p < 1.0))
		return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
	if (p < 0.02425)
	{
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	else if (p <= 1 - 0.02425)
	{
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
			(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	}
	else
	{
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	e = 0.5 * erfc(-x / sqrt(2.0)) - p;
	u = e * 2.5066282746310002 * exp(x * x / 2);	/* sqrt(2 pi) */
	return x - u / (1 + x * u / 2);
}

/* (k + z^2/2 ± z sqrt(k(n-k)/n + z^2/4)) / (n + z^2) (Wilson 1927) */
void
nous_wilson(double k, double n, double z, double *lo, double *hi)
{
	double		z2 = z * z, c, h;

	if (!(n > 0.0))
	{
		*lo = *hi = NAN;
		return;
	}
	c = (k + z2 / 2.0) / (n + z2);
	h = z * sqrt(k * (n - k) / n + z2 / 4.0) / (n + z2);
	*lo = fmax(0.0, c - h);
	*hi = fmin(1.0, c + h);
}

/* missing allocations: ceil(target n - k), 0 when met (CCH L441-1 targets) */
double
nous_mix_gap(double k, double n, double target)
{
	double		need = target * n - k;

	/* 1e-9 absorbs the rounding of target * n (0.25 * 4 must be exactly 1) */
	if (need <= 1e-9)
		return 0.0;
	return ceil(need - 1e-9);
}
