/*
 * mix_two_groups.c — the segregation indices of two groups (a group and the
 * rest) over areas, from (group, total) pairs: dissimilarity, Gini,
 * entropy H, isolation, interaction, Atkinson, correlation ratio.
 *
 * Definitions: Duncan & Duncan (1955) for D and the Gini index, Theil &
 * Finizza (1971) for the entropy index H, Bell (1954) / Lieberson (1981) for
 * isolation and interaction, Atkinson (1970) as adapted by James & Taeuber
 * (1985), White (1986) for the correlation ratio; Massey & Denton (1988) give
 * them all.  Natural logarithms, 0 ln 0 = 0.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"

/* ---- two groups ---- */

nous_status
nous_mix2_decode(const unsigned char *body, size_t len, const double **gt,
				 size_t *n, double *b, const char **why)
{
	size_t		i;
	double		p;

	if (len < NOUS_MIX2_BODY_HDR)
	{
		*why = "The value is shorter than its header.";
		return NOUS_ERR_SYNTAX;
	}
	if (body[0] != 1)
	{
		*why = "Unknown format version.";
		return NOUS_ERR_SYNTAX;
	}
	if ((len - NOUS_MIX2_BODY_HDR) % (2 * sizeof(double)) != 0)
	{
		*why = "The length is not a whole number of (group, total) pairs.";
		return NOUS_ERR_SYNTAX;
	}
	memcpy(&p, body + 4, sizeof(double));
	if (!isnan(p) && !(p >= 0.0 && p < 1.0))
	{
		*why = "The parameter b must be NaN (unset) or in [0, 1).";
		return NOUS_ERR_SYNTAX;
	}
	/* the pairs start 8-aligned in a varlena (4 + 12 bytes): read them in place */
	*gt = (const double *) (const void *) (body + NOUS_MIX2_BODY_HDR);
	*n = (len - NOUS_MIX2_BODY_HDR) / (2 * sizeof(double));
	*b = p;
	for (i = 0; i < *n; i++)
	{
		double		pr[2];

		memcpy(pr, body + NOUS_MIX2_BODY_HDR + i * sizeof(pr), sizeof(pr));
		if (nous_mix2_check(pr[0], pr[1]) != NOUS_OK)
		{
			*why = "A pair is not finite or not 0 <= group <= total.";
			return NOUS_ERR_SYNTAX;
		}
	}
	return NOUS_OK;
}

nous_status
nous_mix2_check(double g, double t)
{
	if (!isfinite(g) || !isfinite(t))
		return NOUS_ERR_NONFINITE;
	if (g < 0.0 || t < 0.0 || g > t)
		return NOUS_ERR_DOMAIN;
	return NOUS_OK;
}

void
nous_mix2_totals(const double *gt, size_t n, double *G, double *T)
{
	double		g = 0.0, t = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		g += gt[2 * i];
		t += gt[2 * i + 1];
	}
	*G = g;
	*T = t;
}

/*
 * Totals of a two-group table: G (group), T (all), Q = sum (t_i - g_i) (the
 * rest, summed from the pairs rather than as T - G, which cancels when the
 * group is nearly everyone), P = G/T and R = Q/T (= 1 - P without the
 * cancellation).  False when the indices are undefined (T = 0, P = 0 or 1).
 */
typedef struct mix2_tot
{
	double		G, T, Q, P, R;
	double		E;				/* entropy of (P, R): H only */
	double		b;				/* the parameter of Atkinson's index */
	bool		own;			/* exposure to the group itself (isolation) */
} mix2_tot;

static bool
mix2_setup(const double *gt, size_t n, mix2_tot *x)
{
	double		q = 0.0;
	size_t		i;

	nous_mix2_totals(gt, n, &x->G, &x->T);
	for (i = 0; i < n; i++)
		q += gt[2 * i + 1] - gt[2 * i];
	x->Q = q;
	if (!(x->T > 0.0) || !(x->G > 0.0) || !(x->G < x->T) || !(q > 0.0))
		return false;
	x->P = x->G / x->T;
	x->R = q / x->T;
	return true;
}

/*
 * The sum over the areas with people (t_i > 0), in their order, of term(g_i,
 * t_i, x): the loop of every two-group index but Gini.  x holds the totals
 * (mix2_setup) and the constants of the index (E, b).
 */
typedef double (*mix2_term) (double g, double t, const mix2_tot *x);

static double
mix2_sum(const double *gt, size_t n, const mix2_tot *x, mix2_term term)
{
	double		s = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		if (gt[2 * i + 1] > 0.0)
			s += term(gt[2 * i], gt[2 * i + 1], x);
	}
	return s;
}

static double
dissimilarity_term(double g, double t, const mix2_tot *x)
{
	return fabs(g / x->G - (t - g) / x->Q);
}

/*
 * D = 1/2 sum |g_i/G - (t_i-g_i)/(T-G)| (Duncan & Duncan 1955); an area
 * without people adds nothing (0 <= g_i <= t_i)
 */
double
nous_mix2_dissimilarity(const double *gt, size_t n)
{
	mix2_tot	x;

	if (!mix2_setup(gt, n, &x))
		return NAN;
	return 0.5 * mix2_sum(gt, n, &x, dissimilarity_term);
}

/* g_i times the share of the group (own) or of the others in the area */
static double
exposure_term(double g, double t, const mix2_tot *x)
{
	return g * ((x->own ? g : t - g) / t);
}

/* the exposure of the group to itself (own: xPx) or to the others (xPy) */
static double
mix2_exposure(const double *gt, size_t n, bool own)
{
	mix2_tot	x;

	if (!mix2_setup(gt, n, &x))
		return NAN;
	x.own = own;
	return mix2_sum(gt, n, &x, exposure_term) / x.G;
}

/* xPx = sum (g_i/G)(g_i/t_i) (Bell 1954; Massey & Denton 1988) */
double
nous_mix2_isolation(const double *gt, size_t n)
{
	return mix2_exposure(gt, n, true);
}

/* xPy = sum (g_i/G)((t_i-g_i)/t_i) (Lieberson 1981; Massey & Denton 1988) */
double
nous_mix2_interaction(const double *gt, size_t n)
{
	return mix2_exposure(gt, n, false);
}

static double
correlation_ratio_term(double g, double t, const mix2_tot *x)
{
	double		d = x->P > 0.5 ? x->R - (t - g) / t : g / t - x->P;

	return t * d * d;
}

/*
 * eta^2 = (xPx - P)/(1 - P) (White 1986; Massey & Denton 1988), computed as
 * the share of the variance of the group indicator that lies between areas,
 * sum t_i (p_i - P)^2 / (T P (1 - P)): a sum of squares, so never negative,
 * and each p_i - P taken on the side of the smaller share (as (1 - P) - (1 -
 * p_i) when P > 1/2), where neither term has lost its digits.
 */
double
nous_mix2_correlation_ratio(const double *gt, size_t n)
{
	mix2_tot	x;

	if (!mix2_setup(gt, n, &x))
		return NAN;
	return mix2_sum(gt, n, &x, correlation_ratio_term) / (x.T * x.P * x.R);
}

/*
 * binary entropy of (p, q = 1 - p given apart), natural log, 0 ln 0 = 0; the
 * log of the larger share is taken as log1p(-smaller), which keeps its
 * digits when the larger is near 1
 */
static double
entropy2(double p, double q)
{
	double		e = 0.0;

	if (p > 0.0)
		e -= p * (p > 0.5 ? log1p(-q) : log(p));
	if (q > 0.0)
		e -= q * (q > 0.5 ? log1p(-p) : log(q));
	return e;
}

static double
entropy_h_term(double g, double t, const mix2_tot *x)
{
	return t * (x->E - entropy2(g / t, (t - g) / t));
}

/* H = sum t_i (E - E_i) / (E T) (Theil & Finizza 1971) */
double
nous_mix2_entropy_h(const double *gt, size_t n)
{
	mix2_tot	x;

	if (!mix2_setup(gt, n, &x))
		return NAN;
	x.E = entropy2(x.P, x.R);
	return mix2_sum(gt, n, &x, entropy_h_term) / (x.E * x.T);
}

/* (1 - p_i) as (t_i - g_i)/t_i */
static double
atkinson_term(double g, double t, const mix2_tot *x)
{
	return pow((t - g) / t, 1.0 - x->b) * pow(g / t, x->b) * t;
}

/* A(b) = 1 - P/(1-P) |sum (1-p_i)^(1-b) p_i^b t_i / (P T)|^(1/(1-b)) (Atkinson 1970; James & Taeuber 1985) */
nous_status
nous_mix2_atkinson(const double *gt, size_t n, double b, double *out)
{
	mix2_tot	x;
	double		s;

	if (!isfinite(b) || b < 0.0 || b >= 1.0)
		return NOUS_ERR_PARAM;
	if (!mix2_setup(gt, n, &x))
	{
		*out = NAN;
		return NOUS_OK;
	}
	x.b = b;
	s = mix2_sum(gt, n, &x, atkinson_term);
	/* P T as G, P/(1 - P) as G/Q */
	*out = 1.0 - x.G / x.Q * pow(fabs(s / x.G), 1.0 / (1.0 - b));
	return NOUS_OK;
}

typedef struct pt_pair
{
	double		p;
	double		t;
} pt_pair;

static uint64_t
key_of(double p)
{
	uint64_t	k;

	/* p >= +0: the IEEE bits of non-negative doubles sort as unsigned integers */
	memcpy(&k, &p, sizeof(k));
	return k;
}

/*
 * LSD radix sort of the pairs by p, 16 bits a pass; a pass whose digit is
 * the same for every key is skipped.  tmp has room for n pairs.
 */
static void
radix_sort_pt(pt_pair *a, pt_pair *tmp, size_t n, size_t *count)
{
	int			pass;
	pt_pair    *src = a, *dst = tmp;
	size_t		i;

	for (pass = 0; pass < 4; pass++)
	{
		int			shift = 16 * pass;

		NOUS_CHECK_INTERRUPTS();
		memset(count, 0, sizeof(size_t) * 65536);
		for (i = 0; i < n; i++)
			count[(key_of(src[i].p) >> shift) & 0xffff]++;
		if (nous_radix_offsets(count, 65536, n))
			continue;
		for (i = 0; i < n; i++)
			dst[count[(key_of(src[i].p) >> shift) & 0xffff]++] = src[i];
		{
			pt_pair    *x = src;

			src = dst;
			dst = x;
		}
	}
	if (src != a)
		memcpy(a, src, sizeof(pt_pair) * n);
}

/*
 * Gini = sum_i sum_j t_i t_j |p_i - p_j| / (2 T^2 P (1-P)) (Duncan & Duncan
 * 1955); with the areas sorted by p the double sum is
 * 2 sum_j t_j (p_j W_j - Q_j), W_j = sum_{i<j} t_i, Q_j = sum_{i<j} t_i p_i.
 */
nous_status
nous_mix2_gini(const double *gt, size_t n, double *out)
{
	mix2_tot	x;
	double		W = 0.0, Q = 0.0, S = 0.0;
	pt_pair    *a, *tmp;
	size_t		i, m = 0, *count;

	if (!mix2_setup(gt, n, &x))
	{
		*out = NAN;
		return NOUS_OK;
	}
	a = nous_alloc(sizeof(pt_pair) * n);
	tmp = nous_alloc(sizeof(pt_pair) * n);
	count = nous_alloc(sizeof(size_t) * 65536);
	if (a == NULL || tmp == NULL || count == NULL)
	{
		nous_free(a);
		nous_free(tmp);
		nous_free(count);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < n; i++)
		if (gt[2 * i + 1] > 0.0)
		{
			a[m].p = gt[2 * i] / gt[2 * i + 1];
			if (a[m].p == 0.0)
				a[m].p = 0.0;	/* -0 would sort after every positive key */
			a[m].t = gt[2 * i + 1];
			m++;
		}
	radix_sort_pt(a, tmp, m, count);
	nous_free(tmp);
	nous_free(count);
	for (i = 0; i < m; i++)
	{
		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		S += a[i].t * (a[i].p * W - Q);
		W += a[i].t;
		Q += a[i].t * a[i].p;
	}
	nous_free(a);
	*out = S / (x.G * x.Q);	/* 2 S / (2 T^2 P (1 - P)) */
	return NOUS_OK;
}
