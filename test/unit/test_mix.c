/*
 * test_mix.c — unit tests of src/core/mix_*.c against hand computations.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"
#include "mix.h"

/* (10,20) (0,20) (30,40) (0,0): G = 40, T = 80, P = 1/2 */
static const double A[] = {10, 20, 0, 20, 30, 40, 0, 0};

TEST(two_group_hand_case)
{
	double		r;

	CHECK_NEAR(nous_mix2_dissimilarity(A, 4), 0.5, 1e-15);
	CHECK_NEAR(nous_mix2_isolation(A, 4), 0.6875, 1e-15);
	CHECK_NEAR(nous_mix2_interaction(A, 4), 0.3125, 1e-15);
	CHECK_NEAR(nous_mix2_correlation_ratio(A, 4), 0.375, 1e-15);
	CHECK_INT(nous_mix2_gini(A, 4, &r), NOUS_OK);
	CHECK_NEAR(r, 0.625, 1e-15);
	/* H = (20 ln2 + 40 (ln2 - e(3/4))) / (80 ln2) */
	CHECK_NEAR(nous_mix2_entropy_h(A, 4),
			   (20 * log(2.0) + 40 * (log(2.0) + 0.75 * log(0.75) + 0.25 * log(0.25))) / (80 * log(2.0)),
			   1e-14);
	CHECK_INT(nous_mix2_atkinson(A, 4, 0.5, &r), NOUS_OK);
	CHECK_NEAR(r, 1 - pow((10 + 40 * sqrt(3.0 / 16)) / 40, 2), 1e-14);
	CHECK_INT(nous_mix2_atkinson(A, 4, 1.0, &r), NOUS_ERR_PARAM);
	{
		/* a negative zero group sorts with the zeros */
		double		B[] = {10, 20, -0.0, 20, 30, 40, 0, 0};

		CHECK_INT(nous_mix2_gini(B, 4, &r), NOUS_OK);
		CHECK_NEAR(r, 0.625, 1e-15);
	}
	CHECK_INT(nous_mix2_atkinson(A, 4, NAN, &r), NOUS_ERR_PARAM);
}

/* the O(n log n) Gini equals the double sum */
TEST(gini_matches_double_sum)
{
	enum {N = 200};
	double		gt[2 * N], G = 0, T = 0, S = 0, P, r;
	int			i, j;
	unsigned	s = 12345;

	for (i = 0; i < N; i++)
	{
		s = s * 1103515245u + 12345u;
		gt[2 * i + 1] = (double) (s % 1000);
		s = s * 1103515245u + 12345u;
		gt[2 * i] = gt[2 * i + 1] > 0 ? (double) (s % (unsigned) (gt[2 * i + 1] + 1)) : 0;
		G += gt[2 * i];
		T += gt[2 * i + 1];
	}
	P = G / T;
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			if (gt[2 * i + 1] > 0 && gt[2 * j + 1] > 0)
				S += gt[2 * i + 1] * gt[2 * j + 1] *
					fabs(gt[2 * i] / gt[2 * i + 1] - gt[2 * j] / gt[2 * j + 1]);
	CHECK_INT(nous_mix2_gini(gt, N, &r), NOUS_OK);
	CHECK_NEAR(r, S / (2 * T * T * P * (1 - P)), 1e-12);
}

TEST(two_group_undefined_and_checks)
{
	static const double none[] = {0, 5, 0, 3};
	static const double all[] = {5, 5, 3, 3};
	static const double empty[] = {0, 0};
	double		r;

	CHECK_NAN(nous_mix2_dissimilarity(none, 2));
	CHECK_NAN(nous_mix2_isolation(all, 2));
	CHECK_NAN(nous_mix2_entropy_h(empty, 1));
	CHECK_NAN(nous_mix2_dissimilarity(NULL, 0));
	CHECK_INT(nous_mix2_gini(empty, 1, &r), NOUS_OK);
	CHECK_NAN(r);
	CHECK_INT(nous_mix2_check(1, 2), NOUS_OK);
	CHECK_INT(nous_mix2_check(0, 0), NOUS_OK);
	CHECK_INT(nous_mix2_check(-1, 2), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_mix2_check(3, 2), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_mix2_check(NAN, 2), NOUS_ERR_NONFINITE);
	CHECK_INT(nous_mix2_check(1, INFINITY), NOUS_ERR_NONFINITE);
}

/*
 * The group is nearly everyone: 1 - P = 5e-13.  Computed as 1 - G/T it kept
 * 4 significant digits (the correlation ratio came out negative, as did
 * Atkinson's index, on a case the fuzzer found); from the pairs' own
 * differences t_i - g_i it keeps them all.  Hand values:
 * (g, t) = (1e12 - 1, 1e12), (1e12, 1e12): G = 2e12 - 1, T = 2e12, T - G = 1;
 * D = Gini = A(0.5) = 1e12 / (2e12 - 1); eta^2 = 1 / (2e12 - 1);
 * H = 1 - E_1 / (2 E), binary entropies taken with log1p.
 */
TEST(two_group_near_everyone)
{
	static const double A[] = {1e12 - 1, 1e12, 1e12, 1e12};
	const double half = 1e12 / (2e12 - 1);
	double		r,
				E,
				E1;

	CHECK_NEAR(nous_mix2_dissimilarity(A, 2) / half, 1, 1e-12);
	CHECK_NEAR(nous_mix2_correlation_ratio(A, 2) * (2e12 - 1), 1, 1e-9);
	CHECK_INT(nous_mix2_gini(A, 2, &r), NOUS_OK);
	CHECK_NEAR(r / half, 1, 1e-12);
	CHECK_INT(nous_mix2_atkinson(A, 2, 0.5, &r), NOUS_OK);
	CHECK_NEAR(r / half, 1, 1e-9);
	E = -(1 - 0.5e-12) * log1p(-0.5e-12) - 0.5e-12 * log(0.5e-12);
	E1 = -(1 - 1e-12) * log1p(-1e-12) - 1e-12 * log(1e-12);
	CHECK_NEAR(nous_mix2_entropy_h(A, 2) / (1 - E1 / (2 * E)), 1, 1e-9);
}

/* records buffer helper */
static size_t
put(unsigned char *buf, size_t off, const char *s, const char *u, const char *g, double n)
{
	nous_mixrec_write(buf + off, n, s, (uint32_t) strlen(s), u, (uint32_t) strlen(u), g, (uint32_t) strlen(g));
	return off + NOUS_MIXREC_HDR + strlen(s) + strlen(u) + strlen(g);
}

TEST(multigroup_hand_case)
{
	unsigned char buf[1024];
	size_t		len = 0, c;
	nous_mixtable t;
	nous_mix_decomp d;
	double		m;

	/* u1: a 4 | u2: a 2 b 2 | u3: b 2 c 6 (X = u1, u2; Y = u3), a split and a zero row */
	len = put(buf, len, "X", "u1", "a", 3);
	len = put(buf, len, "Y", "u3", "c", 6);
	len = put(buf, len, "X", "u2", "a", 2);
	len = put(buf, len, "X", "u1", "a", 1);
	len = put(buf, len, "X", "u2", "b", 2);
	len = put(buf, len, "Y", "u3", "b", 2);
	len = put(buf, len, "X", "u1", "c", 0);
	CHECK_INT(nous_mixrec_count(buf, len, &c), NOUS_OK);
	CHECK_INT(c, 7);
	CHECK_INT(nous_mixtable_build(buf, len, &t), NOUS_OK);
	CHECK_INT(t.ncell, 6);
	CHECK_INT(t.nunit, 3);
	CHECK_INT(t.ngroup, 3);
	CHECK_INT(t.nsuper, 2);
	CHECK_NEAR(t.N, 16, 0);
	m = 4.0 / 16 * log(64.0 / 24) + 2.0 / 16 * log(32.0 / 24) + 2.0 / 16 * log(2.0) + 6.0 / 16 * log(2.0);
	CHECK_NEAR(nous_mix_mutual_information(&t), m, 1e-15);
	CHECK_NEAR(nous_mix_entropy(&t), -(2 * 6.0 / 16 * log(6.0 / 16) + 4.0 / 16 * log(4.0 / 16)), 1e-15);
	/* groups a 6, b 4, c 6 of 16: E / ln 3 */
	CHECK_NEAR(nous_mix_entropy_normalised(&t),
			   -(2 * 6.0 / 16 * log(6.0 / 16) + 4.0 / 16 * log(4.0 / 16)) / log(3.0), 1e-15);
	CHECK_NEAR(nous_mix_multi_dissimilarity(&t), 2.0 / 3, 1e-15);
	CHECK_NEAR(nous_mix_relative_diversity(&t), 11.0 / 21, 1e-15);
	CHECK_NEAR(nous_mix_simpson_concentration(&t), 88.0 / 256, 1e-15);
	CHECK_INT(nous_mix_decompose(&t, &d), NOUS_OK);
	CHECK_NEAR(d.m_between, 0.75 * log(2.0), 1e-15);
	CHECK_NEAR(d.m_within, 0.5 * (4.0 / 8 * log(32.0 / 24) + 2.0 / 8 * log(16.0 / 24) + 2.0 / 8 * log(2.0)), 1e-14);
	CHECK_NEAR(d.h_between + d.h_within, d.h, 1e-15);
	{
		double		p[2], ms[2], es[2];

		CHECK_INT(nous_mix_by_super(&t, p, ms, es), NOUS_OK);
		CHECK_NEAR(p[0], 0.5, 1e-15);
		CHECK_NEAR(ms[0], 4.0 / 8 * log(32.0 / 24) + 2.0 / 8 * log(16.0 / 24) + 2.0 / 8 * log(2.0), 1e-15);
		CHECK_NEAR(ms[1], 0.0, 1e-15);	/* one unit */
		CHECK_NEAR(es[1], -(0.25 * log(0.25) + 0.75 * log(0.75)), 1e-15);
		CHECK_NEAR(p[0] * ms[0] + p[1] * ms[1], d.m_within, 1e-15);
	}
	{
		double		L[3], E[3], I[3];

		nous_mix_unit_scores(&t, L, E, I);
		CHECK_NEAR(L[0], log(16.0 / 6), 1e-15);
		CHECK_NEAR(E[1], log(2.0), 1e-15);
		CHECK_NEAR(I[1], 0.5, 1e-15);
		CHECK_NEAR(t.unit_n[0] / t.N * L[0] + t.unit_n[1] / t.N * L[1] + t.unit_n[2] / t.N * L[2], m, 1e-15);
	}
	nous_mixtable_free(&t);
}

/* nous_mixrec_read gives back what nous_mixrec_write wrote, record by record */
TEST(records_round_trip)
{
	unsigned char buf[256];
	size_t		len = 0, off = 0, c;
	double		n;
	uint32_t	l[3];
	const char *k;

	len = put(buf, len, "", "unit", "g", 2.5);
	len = put(buf, len, "super", "", "grp", 0);
	CHECK_INT(nous_mixrec_count(buf, len, &c), NOUS_OK);
	CHECK_INT(c, 2);
	off += nous_mixrec_read(buf + off, &n, l, &k);
	CHECK_NEAR(n, 2.5, 0);
	CHECK_INT(l[0], 0);
	CHECK_INT(l[1], 4);
	CHECK_INT(l[2], 1);
	CHECK_INT(memcmp(k, "unitg", 5), 0);
	CHECK_INT(off, NOUS_MIXREC_HDR + 5);
	off += nous_mixrec_read(buf + off, &n, l, &k);
	CHECK_NEAR(n, 0, 0);
	CHECK_INT(l[0], 5);
	CHECK_INT(l[1], 0);
	CHECK_INT(l[2], 3);
	CHECK_INT(memcmp(k, "supergrp", 8), 0);
	CHECK_INT(off, len);
}

TEST(multigroup_corrupt_and_empty)
{
	unsigned char buf[256];
	size_t		len = put(buf, 0, "", "u", "g", 1), c;
	nous_mixtable t;
	double		neg = -1;

	CHECK_INT(nous_mixrec_count(buf, len - 1, &c), NOUS_ERR_SYNTAX);
	CHECK_INT(nous_mixrec_count(buf, 5, &c), NOUS_ERR_SYNTAX);
	memcpy(buf, &neg, 8);
	CHECK_INT(nous_mixrec_count(buf, len, &c), NOUS_ERR_SYNTAX);
	/* a string length pointing past the end */
	len = put(buf, 0, "", "u", "g", 1);
	buf[12] = 0xff;
	CHECK_INT(nous_mixtable_build(buf, len, &t), NOUS_ERR_SYNTAX);
	/* counts adding up beyond DBL_MAX: an error, not an infinite cell or total */
	len = put(buf, 0, "", "u", "g", 1e308);
	len = put(buf, len, "", "v", "g", 1e308);
	CHECK_INT(nous_mixtable_build(buf, len, &t), NOUS_ERR_NONFINITE);
	len = put(buf, 0, "", "u", "g", 1e308);
	len = put(buf, len, "", "u", "g", 1e308);
	CHECK_INT(nous_mixtable_build(buf, len, &t), NOUS_ERR_NONFINITE);
	CHECK_INT(nous_mixtable_build(buf, 0, &t), NOUS_OK);
	CHECK_NAN(nous_mix_mutual_information(&t));
	CHECK_NAN(nous_mix_entropy(&t));
	CHECK_NAN(nous_mix_entropy_normalised(&t));
	nous_mixtable_free(&t);
	/* one group: no diversity to normalise; a named group of zero counts counts in K */
	len = put(buf, 0, "", "u", "g", 5);
	CHECK_INT(nous_mixtable_build(buf, len, &t), NOUS_OK);
	CHECK_NAN(nous_mix_entropy_normalised(&t));
	nous_mixtable_free(&t);
	len = put(buf, 0, "", "u", "g", 5);
	len = put(buf, len, "", "u", "h", 0);
	CHECK_INT(nous_mixtable_build(buf, len, &t), NOUS_OK);
	CHECK_NEAR(nous_mix_entropy_normalised(&t), 0.0, 0);
	nous_mixtable_free(&t);
	len = put(buf, 0, "", "u", "g", 5);
	len = put(buf, len, "", "v", "h", 5);
	CHECK_INT(nous_mixtable_build(buf, len, &t), NOUS_OK);
	CHECK_NEAR(nous_mix_entropy_normalised(&t), 1.0, 1e-15);
	nous_mixtable_free(&t);
}

TEST(consumption_units)
{
	double		r;

	CHECK_INT(nous_consumption_units(2, 2, NOUS_UC_OECD_MODIFIED, &r), NOUS_OK);
	CHECK_NEAR(r, 2.1, 1e-15);
	CHECK_INT(nous_consumption_units(1, 0, NOUS_UC_OECD_MODIFIED, &r), NOUS_OK);
	CHECK_NEAR(r, 1.0, 0);
	CHECK_INT(nous_consumption_units(2, 2, NOUS_UC_OECD_OLD, &r), NOUS_OK);
	CHECK_NEAR(r, 2.7, 1e-15);
	CHECK_INT(nous_consumption_units(3, 1, NOUS_UC_SQRT, &r), NOUS_OK);
	CHECK_NEAR(r, 2.0, 0);
	CHECK_INT(nous_consumption_units(0, 2, NOUS_UC_OECD_MODIFIED, &r), NOUS_ERR_PARAM);
	CHECK_INT(nous_consumption_units(-1, 2, NOUS_UC_OECD_MODIFIED, &r), NOUS_ERR_DOMAIN);
}

static int
cmp_d(const void *a, const void *b)
{
	double		x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

/* quantiles of runs (value, multiplicity) = quantiles of the expanded values, exactly */
TEST(quantile_runs)
{
	static const nous_quantile_kind kinds[] = {NOUS_Q_CONTINUOUS, NOUS_Q_DISCRETE,
	NOUS_Q_MEDIAN_UNBIASED};
	static const double probs[] = {0.0, 0.1, 0.25, 0.5, 0.75, 0.999, 1.0};
	static const double runs6[] = {1000, 1, 2000, 1, 3000, 1, 4000, 1, 5000, 1, 6000, 1};
	double		x[600], runs[1200], r, q;
	unsigned	s = 11;
	int			n, i, j, kk, pp;

	CHECK_INT(nous_quantile_runs(runs6, 6, 0.25, NOUS_Q_CONTINUOUS, &r), NOUS_OK);
	CHECK_NEAR(r, 2250, 0);
	CHECK_INT(nous_quantile_runs(runs6, 0, 0.25, NOUS_Q_CONTINUOUS, &r), NOUS_OK);
	CHECK_NAN(r);
	CHECK_INT(nous_quantile_runs(runs6, 6, -0.1, NOUS_Q_CONTINUOUS, &r), NOUS_ERR_PARAM);
	for (n = 1; n <= 600; n += 37)
	{
		size_t		m = 0;

		/* few distinct values (many ties) for half of the sizes */
		for (i = 0; i < n; i++)
		{
			s = s * 1103515245u + 12345u;
			x[i] = (double) ((s >> 16) % (n % 2 ? 7 : 100000));
		}
		qsort(x, (size_t) n, sizeof(double), cmp_d);
		for (i = 0; i < n; i = j)
		{
			for (j = i; j < n && x[j] == x[i]; j++)
				;
			runs[2 * m] = x[i];
			runs[2 * m + 1] = j - i;
			m++;
		}
		for (kk = 0; kk < 3; kk++)
			for (pp = 0; pp < 7; pp++)
			{
				double		y[600];

				memcpy(y, x, sizeof(double) * n);
				CHECK_INT(nous_quantile(y, (size_t) n, probs[pp], kinds[kk], &q), NOUS_OK);
				CHECK_INT(nous_quantile_runs(runs, m, probs[pp], kinds[kk], &r), NOUS_OK);
				CHECK_NEAR(r, q, 0);
			}
	}
}

TEST(quantiles)
{
	double		x[] = {6000, 1000, 3000, 5000, 2000, 4000}, r;
	double		y[1001], z[1001];
	int			i, k;
	unsigned	s = 7;

	CHECK_INT(nous_quantile(x, 6, 0.25, NOUS_Q_CONTINUOUS, &r), NOUS_OK);
	CHECK_NEAR(r, 2250, 0);
	CHECK_INT(nous_quantile(x, 6, 0.25, NOUS_Q_DISCRETE, &r), NOUS_OK);
	CHECK_NEAR(r, 2000, 0);
	CHECK_INT(nous_quantile(x, 6, 0.25, NOUS_Q_MEDIAN_UNBIASED, &r), NOUS_OK);
	CHECK_NEAR(r, 1000 + 11.0 / 12 * 1000, 1e-12);
	CHECK_INT(nous_quantile(x, 6, 0.0, NOUS_Q_CONTINUOUS, &r), NOUS_OK);
	CHECK_NEAR(r, 1000, 0);
	CHECK_INT(nous_quantile(x, 6, 1.0, NOUS_Q_CONTINUOUS, &r), NOUS_OK);
	CHECK_NEAR(r, 6000, 0);
	CHECK_INT(nous_quantile(x, 0, 0.25, NOUS_Q_CONTINUOUS, &r), NOUS_OK);
	CHECK_NAN(r);
	CHECK_INT(nous_quantile(x, 6, 1.5, NOUS_Q_CONTINUOUS, &r), NOUS_ERR_PARAM);
	/* quickselect against a sort, with many ties, for several sizes */
	for (k = 1; k <= 1001; k += 125)
	{
		for (i = 0; i < k; i++)
		{
			s = s * 1103515245u + 12345u;
			y[i] = z[i] = (double) ((s >> 16) % 50);
		}
		qsort(z, (size_t) k, sizeof(double), cmp_d);
		CHECK_INT(nous_quantile(y, (size_t) k, 0.25, NOUS_Q_CONTINUOUS, &r), NOUS_OK);
		{
			double		h = (k - 1) * 0.25;
			int			lo = (int) floor(h);
			double		want = lo + 1 < k ? z[lo] + (h - lo) * (z[lo + 1] - z[lo]) : z[lo];

			CHECK_NEAR(r, want, 1e-12);
		}
	}
}

TEST(wilson_gap_normal)
{
	double		lo, hi;

	CHECK_NEAR(nous_normal_quantile(0.975), 1.959963984540054, 1e-13);
	CHECK_NEAR(nous_normal_quantile(0.5), 0.0, 1e-15);
	CHECK_NEAR(nous_normal_quantile(0.001), -3.090232306167813, 1e-12);
	nous_wilson(3, 10, 1.959963984540054, &lo, &hi);
	CHECK_NEAR(lo, 0.10779126740630107, 1e-12);
	CHECK_NEAR(hi, 0.6032218525388546, 1e-12);
	nous_wilson(0, 0, 1.96, &lo, &hi);
	CHECK_NAN(lo);
	CHECK_NEAR(nous_mix_gap(1, 4, 0.25), 0, 0);
	CHECK_NEAR(nous_mix_gap(1, 4, 0.5), 1, 0);
	CHECK_NEAR(nous_mix_gap(1, 6, 0.25), 1, 0);
	CHECK_NEAR(nous_mix_gap(0, 100, 0.25), 25, 0);
	CHECK_NEAR(nous_mix_gap(7, 30, 0.25), 1, 0);
}

TEST(rng_is_deterministic)
{
	nous_rng	a, b;
	int			i, same = 1;
	double		u, mn = 1, mx = 0;

	nous_rng_seed(&a, 42);
	nous_rng_seed(&b, 42);
	for (i = 0; i < 1000; i++)
	{
		u = nous_rng_uniform(&a);
		same &= u == nous_rng_uniform(&b);
		mn = fmin(mn, u);
		mx = fmax(mx, u);
	}
	CHECK(same);
	CHECK(mn >= 0 && mx < 1 && mx - mn > 0.9);
}


/* binomial draws: mean n p and variance n p (1-p) on both branches */
TEST(binomial_moments)
{
	static const double cases[][2] = {{10, 0.3}, {50, 0.05}, {1000, 0.4}, {1e6, 0.7}, {30, 0.999}};
	nous_rng	r;
	int			c, i, reps = 20000;

	nous_rng_seed(&r, 2024);
	for (c = 0; c < 5; c++)
	{
		double		n = cases[c][0], p = cases[c][1], s = 0, ss = 0, mean, var, x;
		int			bad = 0;

		for (i = 0; i < reps; i++)
		{
			x = nous_rng_binomial(&r, n, p);
			bad += x < 0 || x > n || x != floor(x);
			s += x;
			ss += x * x;
		}
		mean = s / reps;
		var = ss / reps - mean * mean;
		CHECK_INT(bad, 0);
		/* 5 standard errors of the mean; 10 % on the variance */
		CHECK(fabs(mean - n * p) < 5 * sqrt(n * p * (1 - p) / reps));
		CHECK(fabs(var / (n * p * (1 - p)) - 1) < 0.1);
	}
	CHECK_NEAR(nous_rng_binomial(&r, 0, 0.5), 0, 0);
	CHECK_NEAR(nous_rng_binomial(&r, 7, 0), 0, 0);
	CHECK_NEAR(nous_rng_binomial(&r, 7, 1), 7, 0);
}

/* bootstrap: same seed, same replicates; replicates keep the table total */
TEST(bootstrap_deterministic)
{
	double		a[50], b[50], c[50];
	int			i, same = 1, differ = 0;

	CHECK_INT(nous_mix2_bootstrap(A, 4, NOUS_MIX2_D, 50, 99, a), NOUS_OK);
	CHECK_INT(nous_mix2_bootstrap(A, 4, NOUS_MIX2_D, 50, 99, b), NOUS_OK);
	CHECK_INT(nous_mix2_bootstrap(A, 4, NOUS_MIX2_D, 50, 100, c), NOUS_OK);
	for (i = 0; i < 50; i++)
	{
		same &= a[i] == b[i];
		differ |= a[i] != c[i];
	}
	CHECK(same);
	CHECK(differ);
	CHECK_INT(nous_mix2_bootstrap(A, 4, NOUS_MIX2_D, 0, 99, a), NOUS_ERR_PARAM);
}

/* the hashed build against a direct computation on random cells; a unit
 * name repeated in two super-units is two units */
TEST(multigroup_random_build)
{
	enum {NR = 3000, NS = 3, NU = 40, NG = 5};
	static unsigned char buf[NR * (NOUS_MIXREC_HDR + 12)];
	double		cell[NS][NU][NG], un[NS][NU], gn[NG], N = 0, m = 0;
	size_t		len = 0;
	unsigned	x = 99;
	int			i, a, b, c;
	nous_mixtable t;
	char		sname[4], uname[8], gname[4];

	memset(cell, 0, sizeof(cell));
	memset(un, 0, sizeof(un));
	memset(gn, 0, sizeof(gn));
	for (i = 0; i < NR; i++)
	{
		double		n;

		x = x * 1103515245u + 12345u;
		a = (int) ((x >> 8) % NS);
		b = (int) ((x >> 12) % NU);
		c = (int) ((x >> 20) % NG);
		n = (double) ((x >> 4) % 7);
		snprintf(sname, sizeof(sname), "s%d", a);
		snprintf(uname, sizeof(uname), "u%d", b);
		snprintf(gname, sizeof(gname), "g%d", c);
		len = put(buf, len, sname, uname, gname, n);
		cell[a][b][c] += n;
		un[a][b] += n;
		gn[c] += n;
		N += n;
	}
	for (a = 0; a < NS; a++)
		for (b = 0; b < NU; b++)
			for (c = 0; c < NG; c++)
				if (cell[a][b][c] > 0)
					m += cell[a][b][c] / N * log(cell[a][b][c] * N / (un[a][b] * gn[c]));
	CHECK_INT(nous_mixtable_build(buf, len, &t), NOUS_OK);
	CHECK_INT(t.nsuper, NS);
	CHECK_INT(t.nunit, NS * NU);
	CHECK_INT(t.ngroup, NG);
	CHECK_NEAR(t.N, N, 0);
	CHECK_NEAR(nous_mix_mutual_information(&t), m, 1e-12);
	/* cells sorted by (super, unit, group) names, supers contiguous */
	{
		size_t		k;
		int			sorted = 1;

		for (k = 1; k < t.ncell; k++)
			sorted &= t.cell_super[k] >= t.cell_super[k - 1] &&
				(t.cell_unit[k] > t.cell_unit[k - 1] ||
				 (t.cell_unit[k] == t.cell_unit[k - 1] && t.cell_group[k] > t.cell_group[k - 1]));
		CHECK(sorted);
		CHECK(memcmp(t.unit_name[0], "u0", 2) == 0 && memcmp(t.super_name[0], "s0", 2) == 0);
	}
	nous_mixtable_free(&t);
}

int
main(void)
{
	RUN(two_group_hand_case);
	RUN(gini_matches_double_sum);
	RUN(two_group_undefined_and_checks);
	RUN(two_group_near_everyone);
	RUN(multigroup_hand_case);
	RUN(records_round_trip);
	RUN(multigroup_corrupt_and_empty);
	RUN(multigroup_random_build);
	RUN(consumption_units);
	RUN(quantiles);
	RUN(quantile_runs);
	RUN(wilson_gap_normal);
	RUN(rng_is_deterministic);
	RUN(binomial_moments);
	RUN(bootstrap_deterministic);
	UNIT_END();
}
