/*
 * mix_bootstrap.c — random numbers (xoshiro256**, binomial and multinomial
 * draws) and the bootstrap of the two-group and multigroup indices.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"

/* ---- random numbers: xoshiro256** (Blackman & Vigna 2018), seeded by splitmix64 ---- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void
nous_rng_seed(nous_rng *r, uint64_t seed)
{
	int			i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
nous_rng_next(nous_rng *r)
{
	uint64_t   *s = r->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
nous_rng_uniform(nous_rng *r)
{
	return (double) (nous_rng_next(r) >> 11) * 0x1.0p-53;
}

/* ---- bootstrap ---- */

/*
 * Binomial(n, p): inversion (sequential search from 0) when n min(p, 1-p) < 10,
 * else rejection from a Lorentzian envelope (Press et al., Numerical Recipes,
 * 2nd ed., 7.3, bnldev) — both exact.
 */
double
nous_rng_binomial(nous_rng *r, double n, double p)
{
	double		q, pp, mean, k;

	if (!(n >= 1.0) || !(p > 0.0))
		return 0.0;
	if (p >= 1.0)
		return n;
	pp = p <= 0.5 ? p : 1.0 - p;
	q = 1.0 - pp;
	mean = n * pp;
	if (mean < 10.0)
	{
		double		f = exp(n * log1p(-pp)), u = nous_rng_uniform(r), s = pp / q;

		k = 0.0;
		while (u > f && k < n)
		{
			u -= f;
			f *= (n - k) / (k + 1.0) * s;
			k += 1.0;
			if (f <= 0.0)
				break;
		}
	}
	else
	{
		double		g = lgamma(n + 1.0), plog = log(pp), qlog = log(q);
		double		sq = sqrt(2.0 * mean * q), y, em, t;

		do
		{
			do
			{
				y = tan(3.14159265358979323846 * nous_rng_uniform(r));
				em = sq * y + mean;
			} while (em < 0.0 || em >= n + 1.0);
			em = floor(em);
			t = 1.2 * sq * (1.0 + y * y) *
				exp(g - lgamma(em + 1.0) - lgamma(n - em + 1.0) + em * plog + (n - em) * qlog);
		} while (nous_rng_uniform(r) > t);
		k = em;
	}
	return p <= 0.5 ? k : n - k;
}

/* multinomial(N; w / sum w) by conditional binomials, written into out[k] */
static void
multinomial(nous_rng *r, double N, const double *w, double wsum, size_t k, double *out)
{
	double		left = N, wleft = wsum;
	size_t		i;

	for (i = 0; i < k; i++)
	{
		double		x = 0.0;

		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		if (left > 0.0 && w[i] > 0.0)
			x = (w[i] >= wleft) ? left : nous_rng_binomial(r, left, w[i] / wleft);
		out[i] = x;
		left -= x;
		wleft -= w[i];
	}
}

nous_status
nous_mix2_index_value(const double *gt, size_t n, nous_mix2_index which, double *out)
{
	switch (which)
	{
		case NOUS_MIX2_D:
			*out = nous_mix2_dissimilarity(gt, n);
			return NOUS_OK;
		case NOUS_MIX2_GINI:
			return nous_mix2_gini(gt, n, out);
		case NOUS_MIX2_H:
			*out = nous_mix2_entropy_h(gt, n);
			return NOUS_OK;
		case NOUS_MIX2_ISOLATION:
			*out = nous_mix2_isolation(gt, n);
			return NOUS_OK;
		case NOUS_MIX2_INTERACTION:
			*out = nous_mix2_interaction(gt, n);
			return NOUS_OK;
		case NOUS_MIX2_CORRELATION:
			*out = nous_mix2_correlation_ratio(gt, n);
			return NOUS_OK;
	}
	return NOUS_ERR_PARAM;
}

/* resampling the table (Efron 1979), as R package segregation's bootstrap (Elbers 2021) */
nous_status
nous_mix2_bootstrap(const double *gt, size_t n, nous_mix2_index which,
					int reps, uint64_t seed, double *out)
{
	double	   *w, *draw, *bgt, T = 0.0;
	size_t		i;
	int			b;
	nous_rng	r;
	nous_status st = NOUS_OK;

	if (reps < 1)
		return NOUS_ERR_PARAM;
	w = nous_alloc(sizeof(double) * 2 * (n ? n : 1));
	draw = nous_alloc(sizeof(double) * 2 * (n ? n : 1));
	bgt = nous_alloc(sizeof(double) * 2 * (n ? n : 1));
	if (w == NULL || draw == NULL || bgt == NULL)
	{
		st = NOUS_ERR_NOMEM;
		goto done;
	}
	for (i = 0; i < n; i++)
	{
		w[2 * i] = gt[2 * i];
		w[2 * i + 1] = gt[2 * i + 1] - gt[2 * i];
		T += gt[2 * i + 1];
	}
	nous_rng_seed(&r, seed);
	for (b = 0; b < reps; b++)
	{
		if (b % 16 == 15)
			NOUS_CHECK_INTERRUPTS();
		multinomial(&r, floor(T + 0.5), w, T, 2 * n, draw);
		for (i = 0; i < n; i++)
		{
			bgt[2 * i] = draw[2 * i];
			bgt[2 * i + 1] = draw[2 * i] + draw[2 * i + 1];
		}
		st = nous_mix2_index_value(bgt, n, which, &out[b]);
		if (st != NOUS_OK)
			break;
	}
done:
	nous_free(w);
	nous_free(draw);
	nous_free(bgt);
	return st;
}

nous_status
nous_mix_bootstrap(const nous_mixtable *t, bool h, int reps, uint64_t seed, double *out)
{
	double	   *draw, *un, *gn;
	size_t		i;
	int			b;
	nous_rng	r;

	if (reps < 1)
		return NOUS_ERR_PARAM;
	draw = nous_alloc(sizeof(double) * (t->ncell ? t->ncell : 1));
	un = nous_alloc(sizeof(double) * (t->nunit ? t->nunit : 1));
	gn = nous_alloc(sizeof(double) * (t->ngroup ? t->ngroup : 1));
	if (draw == NULL || un == NULL || gn == NULL)
	{
		nous_free(draw);
		nous_free(un);
		nous_free(gn);
		return NOUS_ERR_NOMEM;
	}
	nous_rng_seed(&r, seed);
	for (b = 0; b < reps; b++)
	{
		nous_mixtable bt = *t;
		double		N = floor(t->N + 0.5);

		if (b % 16 == 15)
			NOUS_CHECK_INTERRUPTS();
		multinomial(&r, N, t->cell_n, t->N, t->ncell, draw);
		memset(un, 0, sizeof(double) * t->nunit);
		memset(gn, 0, sizeof(double) * t->ngroup);
		for (i = 0; i < t->ncell; i++)
		{
			un[t->cell_unit[i]] += draw[i];
			gn[t->cell_group[i]] += draw[i];
		}
		bt.cell_n = draw;
		bt.unit_n = un;
		bt.group_n = gn;
		bt.N = N;
		out[b] = nous_mix_mutual_information(&bt);
		if (h)
		{
			double		e = nous_mix_entropy(&bt);

			out[b] = e > 0.0 ? out[b] / e : NAN;
		}
	}
	nous_free(draw);
	nous_free(un);
	nous_free(gn);
	return NOUS_OK;
}
