/*
 * Unit tests of src/core/classes.c: Fisher's natural breaks against a
 * brute-force O(k n^2) dynamic programme on random data with ties, quantile
 * types against hand computations, and the degenerate inputs.
 */
#include <stdlib.h>

#include "unit.h"
#include "classes.h"

/* deterministic generator (xorshift64) */
static unsigned long long rng = 88172645463325252ULL;
static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double) (rng >> 11) / 9007199254740992.0;
}

static int
cmpd(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* SDCM of classes given by their upper bounds */
static double
sdcm_of(const double *x, int n, const double *b, int nb)
{
	double		total = 0.0;
	int			c,
				i = 0;

	for (c = 0; c < nb; c++)
	{
		double		s = 0;
		int			cnt = 0;

		while (i < n && x[i] <= b[c])
		{
			s += x[i];
			cnt++;
			i++;
		}
		if (cnt > 0)
		{
			double		mean = s / cnt;
			int			j;

			for (j = i - cnt; j < i; j++)
				total += (x[j] - mean) * (x[j] - mean);
		}
	}
	return total;
}

/* plain O(k n^2) dynamic programme over the sorted values (no duplicate merging) */
static double
brute_sdcm(const double *x, int n, int k)
{
	double	   *D = malloc(sizeof(double) * (size_t) n * (size_t) k);
	double		r;
	int			c,
				j,
				i;

	for (j = 0; j < n; j++)
	{
		double		s = 0,
					ss = 0;

		for (i = 0; i <= j; i++)
		{
			s += x[i];
			ss += x[i] * x[i];
		}
		D[j] = ss - s * s / (j + 1);
	}
	for (c = 1; c < k; c++)
		for (j = 0; j < n; j++)
		{
			double		best = INFINITY,
						s = 0,
						ss = 0;

			for (i = j; i >= 1; i--)
			{
				double		v;

				s += x[i];
				ss += x[i] * x[i];
				v = D[(c - 1) * n + i - 1] + (ss - s * s / (j - i + 1));
				if (v < best)
					best = v;
			}
			D[c * n + j] = (j < c) ? 0.0 : best;
		}
	r = D[(k - 1) * n + n - 1];
	free(D);
	return r;
}

TEST(fisher_matches_brute_force)
{
	int			trial;

	for (trial = 0; trial < 60; trial++)
	{
		int			n = 5 + (int) (urand() * 120);
		int			k = 1 + (int) (urand() * 8);
		double	   *x = malloc(sizeof(double) * n);
		double		out[NOUS_BREAKS_MAX(8)];
		int			nout,
					i;
		double		sdcm;

		for (i = 0; i < n; i++)
			x[i] = (trial % 3 == 0) ? floor(urand() * 10) : urand() * urand() * 100;
		qsort(x, n, sizeof(double), cmpd);
		CHECK_INT(nous_breaks_fisher(x, n, k, out, &nout, &sdcm), NOUS_OK);
		CHECK_NEAR(out[nout - 1], x[n - 1], 0);
		{
			int			not_increasing = 0;

			for (i = 1; i < nout; i++)
				if (!(out[i] > out[i - 1]))
					not_increasing++;
			CHECK_INT(not_increasing, 0);
		}
		CHECK_NEAR(sdcm_of(x, n, out, nout), sdcm, 1e-9);
		/* fewer distinct values than classes: SDCM 0 with each value a class */
		CHECK_NEAR(sdcm, brute_sdcm(x, n, k), 1e-9);
		free(x);
	}
}

TEST(fisher_small_by_hand)
{
	/* 1 2 3 10 11 12 30: k = 3 gives {1,2,3} {10,11,12} {30}, SDCM 2 + 2 + 0 */
	double		x[] = {1, 2, 3, 10, 11, 12, 30};
	double		out[NOUS_BREAKS_MAX(3)],
				sdcm;
	int			nout;

	CHECK_INT(nous_breaks_fisher(x, 7, 3, out, &nout, &sdcm), NOUS_OK);
	CHECK_INT(nout, 3);
	CHECK_NEAR(out[0], 3, 0);
	CHECK_NEAR(out[1], 12, 0);
	CHECK_NEAR(out[2], 30, 0);
	CHECK_NEAR(sdcm, 4, 1e-12);
	/* k = 1: one class, the maximum */
	CHECK_INT(nous_breaks_fisher(x, 7, 1, out, &nout, NULL), NOUS_OK);
	CHECK_INT(nout, 1);
	CHECK_NEAR(out[0], 30, 0);
	/* all equal: one class */
	{
		double		y[] = {4, 4, 4};

		CHECK_INT(nous_breaks_fisher(y, 3, 5, out, &nout, &sdcm), NOUS_OK);
		CHECK_INT(nout, 1);
		CHECK_NEAR(out[0], 4, 0);
		CHECK_NEAR(sdcm, 0, 0);
	}
	CHECK_INT(nous_breaks_fisher(x, 0, 3, out, &nout, NULL), NOUS_ERR_EMPTY);
	CHECK_INT(nous_breaks_fisher(x, 7, 0, out, &nout, NULL), NOUS_ERR_PARAM);
}

TEST(sort_values)
{
	double		x[2000];
	int			i;

	for (i = 0; i < 2000; i++)
		x[i] = (urand() - 0.5) * 1e6 * (i % 7 == 0 ? 1e-300 : 1);
	x[3] = -0.0;
	x[4] = 0.0;
	CHECK_INT(nous_sort_values(x, 2000), NOUS_OK);
	{
		int			unsorted = 0;	/* one check for the whole order */

		for (i = 1; i < 2000; i++)
			if (x[i] < x[i - 1])
				unsorted++;
		CHECK_INT(unsorted, 0);
	}
}

TEST(quantiles_by_hand)
{
	/* x = 1..10: type 7 at 0.25 = 1 + 9 * 0.25 = 3.25; type 6 = 0.25 * 11 = 2.75;
	 * type 1 at 0.25: np = 2.5 -> x_3 = 3; type 2 at 0.2: np = 2 -> (2 + 3) / 2 */
	double		x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

	CHECK_NEAR(nous_hf_quantile(x, 10, 0.25, 7), 3.25, 1e-15);
	CHECK_NEAR(nous_hf_quantile(x, 10, 0.25, 6), 2.75, 1e-15);
	CHECK_NEAR(nous_hf_quantile(x, 10, 0.25, 1), 3, 1e-15);
	CHECK_NEAR(nous_hf_quantile(x, 10, 0.2, 2), 2.5, 1e-15);
	CHECK_NEAR(nous_hf_quantile(x, 10, 0.2, 1), 2, 1e-15);
	/* type 3 at 0.25: np - 0.5 = 2, j = 2 even, h = 0 -> x_2 */
	CHECK_NEAR(nous_hf_quantile(x, 10, 0.25, 3), 2, 1e-15);
	/* type 5 at 0.25: 0.5 + 2.5 = 3 -> x_3 */
	CHECK_NEAR(nous_hf_quantile(x, 10, 0.25, 5), 3, 1e-15);
	CHECK_NEAR(nous_hf_quantile(x, 10, 1.0, 9), 10, 1e-15);
	CHECK_NEAR(nous_hf_quantile(x, 10, 0.0, 4), 1, 1e-15);
}

TEST(other_methods)
{
	double		x[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 100};
	double		out[NOUS_BREAKS_MAX(10)];
	int			nout;

	/* equal: (100 - 0) / 4 steps: 25 50 75 100 */
	CHECK_INT(nous_breaks_equal(x, 10, 4, out, &nout), NOUS_OK);
	CHECK_INT(nout, 4);
	CHECK_NEAR(out[0], 25, 1e-15);
	CHECK_NEAR(out[3], 100, 0);
	/* head/tails: mean 13.6, head {100} of 1 value: stop -> 13.6, 100 */
	CHECK_INT(nous_breaks_headtails(x, 10, 10, 0.4, out, &nout), NOUS_OK);
	CHECK_INT(nout, 2);
	CHECK_NEAR(out[0], 13.6, 1e-14);
	/* pretty over [0, 100] in 4: step 25 */
	CHECK_INT(nous_breaks_pretty(x, 10, 4, out, &nout), NOUS_OK);
	CHECK_INT(nout, 4);
	CHECK_NEAR(out[0], 25, 1e-15);
	/* box: Q1 2.25 Q2 4.5 Q3 6.75, fences -4.5 (dropped: < min) and 13.5 */
	CHECK_INT(nous_breaks_box(x, 10, 1.5, out, &nout), NOUS_OK);
	CHECK_INT(nout, 5);
	CHECK_NEAR(out[0], 2.25, 1e-15);
	CHECK_NEAR(out[3], 13.5, 1e-15);
	/* sd, k = 2: the mean is the only interior bound */
	CHECK_INT(nous_breaks_sd(x, 10, 2, 1.0, out, &nout), NOUS_OK);
	CHECK_INT(nout, 2);
	CHECK_NEAR(out[0], 13.6, 1e-14);
}

TEST(class_of_and_gvf)
{
	double		b[] = {1, 5, 9};
	nous_moments m[2] = {{0, 0, 0}, {0, 0, 0}};

	CHECK_INT(nous_class_of(-3, b, 3), 1);
	CHECK_INT(nous_class_of(1, b, 3), 1);
	CHECK_INT(nous_class_of(1.5, b, 3), 2);
	CHECK_INT(nous_class_of(5, b, 3), 2);
	CHECK_INT(nous_class_of(9, b, 3), 3);
	CHECK_INT(nous_class_of(99, b, 3), 3);
	/* {1, 3} and {10, 12}: SDCM 4, grand mean 6.5, SDAM 2 + 2 + 2 * 2 * 4.5^2 = 85 */
	nous_moments_add(&m[0], 1);
	nous_moments_add(&m[0], 3);
	nous_moments_add(&m[1], 10);
	nous_moments_add(&m[1], 12);
	CHECK_NEAR(nous_gvf(m, 2), 1 - 4.0 / 85.0, 1e-15);
	{
		double		sdam,
					sdcm;

		nous_gvf_parts(m, 2, &sdam, &sdcm);
		CHECK_NEAR(sdam, 85, 1e-13);
		CHECK_NEAR(sdcm, 4, 1e-15);
	}
}

/* left-closed [a, b) classes: a value on an interior bound goes up a class */
TEST(class_of_left_closed)
{
	double		b[] = {1, 5, 9};

	/* right-closed, as nous_class_of */
	CHECK_INT(nous_class_of_closed(5, b, 3, false), 2);
	CHECK_INT(nous_class_of_closed(1, b, 3, false), 1);
	/* left-closed: [min, 1) [1, 5) [5, 9] */
	CHECK_INT(nous_class_of_closed(-3, b, 3, true), 1);
	CHECK_INT(nous_class_of_closed(0.999, b, 3, true), 1);
	CHECK_INT(nous_class_of_closed(1, b, 3, true), 2);
	CHECK_INT(nous_class_of_closed(4.999, b, 3, true), 2);
	CHECK_INT(nous_class_of_closed(5, b, 3, true), 3);
	/* the maximum stays in the last class (closed on both sides), so above it */
	CHECK_INT(nous_class_of_closed(9, b, 3, true), 3);
	CHECK_INT(nous_class_of_closed(99, b, 3, true), 3);
	/* one class: everything in it */
	CHECK_INT(nous_class_of_closed(7, b + 2, 1, true), 1);
	CHECK_INT(nous_class_of_closed(-7, b + 2, 1, true), 1);
}

int
main(void)
{
	RUN(fisher_matches_brute_force);
	RUN(fisher_small_by_hand);
	RUN(sort_values);
	RUN(quantiles_by_hand);
	RUN(other_methods);
	RUN(class_of_and_gvf);
	RUN(class_of_left_closed);
	UNIT_END();
}
