/*
 * Unit tests of src/core/normalise.c.  Expected values are computed by hand
 * in the comments (x = 2 4 4 4 5 5 7 9: mean 5, sum of squares 32).
 */
#include <stdlib.h>

#include "unit.h"
#include "normalise.h"

static const double X[8] = {2, 4, 4, 4, 5, 5, 7, 9};
static const bool ALL[8] = {1, 1, 1, 1, 1, 1, 1, 1};

TEST(zscore_population_and_sample)
{
	double		out[8];

	nous_norm_zscore(X, ALL, 8, NOUS_SD_POPULATION, out);	/* sd = sqrt(32/8) = 2 */
	CHECK_NEAR(out[0], -1.5, 1e-15);
	CHECK_NEAR(out[7], 2.0, 1e-15);
	CHECK_NEAR(out[4], 0.0, 1e-15);
	nous_norm_zscore(X, ALL, 8, NOUS_SD_SAMPLE, out);	/* sd = sqrt(32/7) */
	CHECK_NEAR(out[0], -3.0 / sqrt(32.0 / 7.0), 1e-15);
	CHECK_NEAR(out[7], 4.0 / sqrt(32.0 / 7.0), 1e-15);
}

TEST(zscore_nulls_ignored)
{
	/* 1 NULL 3: mean 2, population sd 1; the NULL slot is left untouched */
	double		x[3] = {1, 123456, 3};
	bool		p[3] = {1, 0, 1};
	double		out[3] = {-7, -7, -7};

	nous_norm_zscore(x, p, 3, NOUS_SD_POPULATION, out);
	CHECK_NEAR(out[0], -1.0, 1e-15);
	CHECK_NEAR(out[1], -7.0, 0);
	CHECK_NEAR(out[2], 1.0, 1e-15);
}

TEST(zscore_degenerate)
{
	double		x[3] = {4, 4, 4};
	bool		p[3] = {1, 1, 1};
	double		one[1] = {3};
	bool		p1[1] = {1};
	double		out[3];

	nous_norm_zscore(x, p, 3, NOUS_SD_SAMPLE, out);	/* sd = 0: all 0 */
	CHECK_NEAR(out[0], 0.0, 0);
	CHECK_NEAR(out[2], 0.0, 0);
	nous_norm_zscore(one, p1, 1, NOUS_SD_SAMPLE, out);	/* sd undefined: 0 */
	CHECK_NEAR(out[0], 0.0, 0);
}

TEST(minmax)
{
	double		out[8];
	double		x[2] = {3, 3};
	bool		p[2] = {1, 1};

	nous_norm_minmax(X, ALL, 8, out);
	CHECK_NEAR(out[0], 0.0, 0);
	CHECK_NEAR(out[1], 100.0 * 2.0 / 7.0, 1e-14);
	CHECK_NEAR(out[7], 100.0, 0);
	nous_norm_minmax(x, p, 2, out);
	CHECK_NEAR(out[0], 50.0, 0);
}

TEST(rank_ties)
{
	double		out[8];

	nous_norm_rank(X, ALL, 8, NOUS_TIES_AVERAGE, out);
	CHECK_NEAR(out[0], 1, 0);
	CHECK_NEAR(out[1], 3, 0);		/* positions 2,3,4 */
	CHECK_NEAR(out[4], 5.5, 0);		/* positions 5,6 */
	CHECK_NEAR(out[7], 8, 0);
	nous_norm_rank(X, ALL, 8, NOUS_TIES_MIN, out);
	CHECK_NEAR(out[3], 2, 0);
	CHECK_NEAR(out[5], 5, 0);
	nous_norm_rank(X, ALL, 8, NOUS_TIES_MAX, out);
	CHECK_NEAR(out[1], 4, 0);
	CHECK_NEAR(out[4], 6, 0);
	nous_norm_rank(X, ALL, 8, NOUS_TIES_DENSE, out);
	CHECK_NEAR(out[2], 2, 0);
	CHECK_NEAR(out[5], 3, 0);
	CHECK_NEAR(out[7], 5, 0);
	nous_norm_rank(X, ALL, 8, NOUS_TIES_FIRST, out);
	CHECK_NEAR(out[1], 2, 0);
	CHECK_NEAR(out[2], 3, 0);
	CHECK_NEAR(out[3], 4, 0);
}

TEST(rank_unsorted_input)
{
	/* 30 10 20 NULL 10 → ranks (average) 4 1.5 3 - 1.5 */
	double		x[5] = {30, 10, 20, 0, 10};
	bool		p[5] = {1, 1, 1, 0, 1};
	double		out[5] = {0, 0, 0, -1, 0};

	nous_norm_rank(x, p, 5, NOUS_TIES_AVERAGE, out);
	CHECK_NEAR(out[0], 4, 0);
	CHECK_NEAR(out[1], 1.5, 0);
	CHECK_NEAR(out[2], 3, 0);
	CHECK_NEAR(out[3], -1, 0);
	CHECK_NEAR(out[4], 1.5, 0);
}

TEST(percentile)
{
	double		out[8];
	double		x[3] = {5, 5, 5};
	bool		p[3] = {1, 1, 1};

	nous_norm_percentile(X, ALL, 8, NOUS_TIES_AVERAGE, out);
	CHECK_NEAR(out[0], 0, 0);
	CHECK_NEAR(out[1], 100.0 * 2.0 / 7.0, 1e-14);	/* rank 3 of 8 */
	CHECK_NEAR(out[7], 100, 0);
	nous_norm_percentile(X, ALL, 8, NOUS_TIES_MIN, out);	/* as SQL percent_rank */
	CHECK_NEAR(out[1], 100.0 / 7.0, 1e-14);
	nous_norm_percentile(X, ALL, 8, NOUS_TIES_DENSE, out);
	CHECK_NEAR(out[1], 25, 1e-14);	/* dense rank 2 of 5 distinct */
	nous_norm_percentile(x, p, 3, NOUS_TIES_AVERAGE, out);
	CHECK_NEAR(out[0], 50, 0);
	nous_norm_percentile(x, p, 3, NOUS_TIES_MIN, out);
	CHECK_NEAR(out[2], 0, 0);
	nous_norm_percentile(x, p, 3, NOUS_TIES_MAX, out);
	CHECK_NEAR(out[2], 100, 0);
	nous_norm_percentile(x, p, 3, NOUS_TIES_FIRST, out);	/* 0, 50, 100 */
	CHECK_NEAR(out[0], 0, 0);
	CHECK_NEAR(out[1], 50, 0);
	CHECK_NEAR(out[2], 100, 0);
	nous_norm_percentile(x, p, 1, NOUS_TIES_FIRST, out);	/* one value */
	CHECK_NEAR(out[0], 0, 0);
}

TEST(ratio)
{
	double		out[8];
	double		z[2] = {-1, 1};
	bool		p[2] = {1, 1};

	CHECK_INT(nous_norm_ratio(X, ALL, 8, false, 0, out), NOUS_OK);	/* ref = mean 5 */
	CHECK_NEAR(out[0], 40, 1e-14);
	CHECK_NEAR(out[7], 180, 1e-14);
	CHECK_INT(nous_norm_ratio(X, ALL, 8, true, 4, out), NOUS_OK);
	CHECK_NEAR(out[0], 50, 1e-14);
	CHECK_INT(nous_norm_ratio(X, ALL, 8, true, 0, out), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_norm_ratio(z, p, 2, false, 0, out), NOUS_ERR_DOMAIN);	/* mean 0 */
}

TEST(all_absent)
{
	double		x[2] = {1, 2};
	bool		p[2] = {0, 0};
	double		out[2] = {-9, -9};

	CHECK_INT(nous_norm_zscore(x, p, 2, NOUS_SD_SAMPLE, out), NOUS_OK);
	CHECK_INT(nous_norm_rank(x, p, 2, NOUS_TIES_AVERAGE, out), NOUS_OK);
	CHECK_INT(nous_norm_percentile(x, p, 2, NOUS_TIES_AVERAGE, out), NOUS_OK);
	CHECK_INT(nous_norm_ratio(x, p, 2, false, 0, out), NOUS_OK);
	CHECK_NEAR(out[0], -9, 0);
	CHECK_NEAR(out[1], -9, 0);
}

TEST(keywords)
{
	nous_ties	t;
	nous_sd_kind k;

	CHECK(nous_parse_ties("dense", &t) && t == NOUS_TIES_DENSE);
	CHECK(!nous_parse_ties("Dense", &t));
	CHECK(nous_parse_sd("population", &k) && k == NOUS_SD_POPULATION);
	CHECK(!nous_parse_sd("n-1", &k));
}

TEST(rank_large_random)
{
	/* ties=first: a permutation of 1..n; equal values ranked by appearance */
	enum {N = 20000};
	double	   *x = malloc(sizeof(double) * N);
	bool	   *p = malloc(sizeof(bool) * N);
	double	   *r = malloc(sizeof(double) * N);
	int		   *seen = calloc(N + 1, sizeof(int));
	unsigned	s = 12345u;
	int			i,
				bad = 0;

	for (i = 0; i < N; i++)
	{
		s = s * 1103515245u + 12345u;
		x[i] = (double) ((s >> 16) % 1000);
		p[i] = true;
	}
	nous_norm_rank(x, p, N, NOUS_TIES_FIRST, r);
	for (i = 0; i < N; i++)
	{
		int			k = (int) r[i];

		if (k < 1 || k > N || seen[k]++)
			bad++;
		if (i > 0 && ((x[i] >= x[i - 1]) != (r[i] > r[i - 1])))
			bad++;
	}
	CHECK_INT(bad, 0);
	free(x);
	free(p);
	free(r);
	free(seen);
}

TEST(zscore_constant_inexact_mean)
{
	/* 7 copies of log 6: their rounded mean is not log 6, yet sd = 0 and z = 0 */
	double		x[7],
				out[7];
	bool		p[7];
	int			i;

	for (i = 0; i < 7; i++)
	{
		x[i] = log(6.0);
		p[i] = true;
	}
	nous_norm_zscore(x, p, 7, NOUS_SD_SAMPLE, out);
	for (i = 0; i < 7; i++)
		CHECK_NEAR(out[i], 0, 0);
}

int
main(void)
{
	RUN(zscore_constant_inexact_mean);
	RUN(zscore_population_and_sample);
	RUN(zscore_nulls_ignored);
	RUN(zscore_degenerate);
	RUN(minmax);
	RUN(rank_ties);
	RUN(rank_unsorted_input);
	RUN(percentile);
	RUN(ratio);
	RUN(all_absent);
	RUN(keywords);
	RUN(rank_large_random);
	UNIT_END();
}
