/*
 * Unit tests of src/core/series.c: annualised rates against the Observatoire
 * des territoires' published value (Nantes Métropole 2011-2016), Theil-Sen
 * and Mann-Kendall against hand computations (with and without ties) and
 * against a brute-force recomputation on random series, and the bad inputs.
 */
#include <stdlib.h>

#include "unit.h"
#include "nous_core.h"
#include "series.h"

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

TEST(annual_rate_published)
{
	/* indics_TERR_histodemo.csv, EPCI 244400404, 2011_2016 */
	CHECK_NEAR(nous_annual_rate(594017, 638931, 5), 0.0146844787257123, 1e-13);
	/* Loches Sud Touraine 1990_1999: a change near zero */
	CHECK_NEAR(nous_annual_rate(50319, 50315, 9), -8.83284937136519e-06, 1e-17);
	CHECK_NEAR(nous_annual_rate(100, 100, 7), 0.0, 1e-15);
	CHECK_NEAR(nous_annual_rate(100, 0, 2), -1.0, 1e-15);
	CHECK(isnan(nous_annual_rate(0, 5, 1)));
	CHECK(isnan(nous_annual_rate(-1, 5, 1)));
	CHECK(isnan(nous_annual_rate(1, -5, 1)));
	CHECK(isnan(nous_annual_rate(1, 5, 0)));
	CHECK(isnan(nous_annual_rate(1, 5, NAN)));
}

TEST(trend_hand_linear)
{
	double		t[] = {5, 3, 1, 4, 2};	/* any order */
	double		y[] = {5, 3, 1, 4, 2};
	NousTrend	r;
	double		dup;

	CHECK_INT(nous_trend(t, y, 5, &r, &dup), NOUS_TREND_OK);
	CHECK_INT(r.n, 5);
	CHECK_NEAR(r.slope, 1.0, 1e-15);
	CHECK_NEAR(r.intercept, 0.0, 1e-15);
	CHECK_NEAR(r.s, 10, 0);
	CHECK_NEAR(r.var_s, 50.0 / 3.0, 1e-14);	/* 5*4*15/18 */
	CHECK_NEAR(r.z, 2.2045407685048604, 1e-14);	/* (10 - 1)/sqrt(50/3) */
	CHECK_NEAR(r.p_value, 0.027486336111510353, 1e-14);
	CHECK_NEAR(r.tau, 1.0, 0);
}

TEST(trend_hand_ties)
{
	double		t[] = {2001, 2002, 2003, 2004};
	double		y[] = {1, 2, 2, 3};
	NousTrend	r;
	double		dup;

	CHECK_INT(nous_trend(t, y, 4, &r, &dup), NOUS_TREND_OK);
	/* slopes 1, 1/2, 2/3, 0, 1/2, 1: median (1/2 + 2/3) / 2 */
	CHECK_NEAR(r.slope, 7.0 / 12.0, 1e-15);
	/* median y 2 - slope x median t 2002.5 */
	CHECK_NEAR(r.intercept, 2.0 - 7.0 / 12.0 * 2002.5, 1e-12);
	CHECK_NEAR(r.s, 5, 0);
	/* (4*3*13 - 2*1*9) / 18: one tie of two */
	CHECK_NEAR(r.var_s, 23.0 / 3.0, 1e-14);
	CHECK_NEAR(r.z, 4.0 / sqrt(23.0 / 3.0), 1e-14);
	CHECK_NEAR(r.p_value, 0.1485617748918687, 1e-13);
}

TEST(trend_decreasing_and_flat)
{
	double		t[] = {1, 2, 3};
	double		y[] = {3, 2, 1};
	double		t2[] = {1, 2, 3};
	double		y2[] = {7, 7, 7};
	double		t3[] = {1, 2};
	double		y3[] = {7, 7};
	NousTrend	r;
	double		dup;

	CHECK_INT(nous_trend(t, y, 3, &r, &dup), NOUS_TREND_OK);
	CHECK_NEAR(r.slope, -1.0, 1e-15);
	CHECK_NEAR(r.s, -3, 0);
	CHECK_NEAR(r.z, -2.0 / sqrt(3 * 2 * 11 / 18.0), 1e-14);
	/* all values equal: variance 0, no trend, p = 1 */
	CHECK_INT(nous_trend(t2, y2, 3, &r, &dup), NOUS_TREND_OK);
	CHECK_NEAR(r.slope, 0.0, 0);
	CHECK_NEAR(r.var_s, 0.0, 1e-15);
	CHECK_NEAR(r.z, 0.0, 0);
	CHECK_NEAR(r.p_value, 1.0, 0);
	CHECK_INT(nous_trend(t3, y3, 2, &r, &dup), NOUS_TREND_OK);
	CHECK_NEAR(r.p_value, 1.0, 0);
}

TEST(trend_bad)
{
	double		t[] = {2010, 2011, 2010};
	double		y[] = {1, 2, 3};
	NousTrend	r;
	double		dup = 0;

	CHECK_INT(nous_trend(t, y, 1, &r, &dup), NOUS_TREND_TOO_SHORT);
	CHECK_INT(nous_trend(t, y, 0, &r, &dup), NOUS_TREND_TOO_SHORT);
	CHECK_INT(nous_trend(t, y, 3, &r, &dup), NOUS_TREND_DUPLICATE);
	CHECK_NEAR(dup, 2010, 0);
}

/* brute force: slopes by a separate sort, S from ranks, var from equal pairs */
TEST(trend_random_brute)
{
	int			rep;

	for (rep = 0; rep < 200; rep++)
	{
		int			n = 2 + (int) (urand() * 30),
					i,
					j,
					k = 0,
					eqpairs3 = 0;
		double		t[40],
					y[40],
					t0[40],
					y0[40],
					sl[800],
					s = 0,
					ties = 0,
					dup,
					med;
		NousTrend	r;

		for (i = 0; i < n; i++)
		{
			t0[i] = 1990 + 2 * i + (urand() < 0.5);	/* distinct, unsorted below */
			y0[i] = (double) (int) (urand() * 6) + 0.1 * i * (rep % 3);
		}
		/* shuffle */
		for (i = n - 1; i > 0; i--)
		{
			int			m = (int) (urand() * (i + 1));
			double		a = t0[i],
						b = y0[i];

			t0[i] = t0[m];
			y0[i] = y0[m];
			t0[m] = a;
			y0[m] = b;
		}
		memcpy(t, t0, sizeof(t));
		memcpy(y, y0, sizeof(y));
		CHECK_INT(nous_trend(t, y, n, &r, &dup), NOUS_TREND_OK);
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (t0[i] < t0[j])
				{
					sl[k++] = (y0[j] - y0[i]) / (t0[j] - t0[i]);
					s += (y0[j] > y0[i]) - (y0[j] < y0[i]);
				}
		qsort(sl, (size_t) k, sizeof(double), cmpd);
		med = k % 2 ? sl[k / 2] : (sl[k / 2 - 1] + sl[k / 2]) / 2;
		CHECK_NEAR(r.slope, med, 1e-12);
		CHECK_NEAR(r.s, s, 0);
		/* sum over tie groups of g(g-1)(2g+5) from each value's group size */
		for (i = 0; i < n; i++)
		{
			int			g = 0;

			for (j = 0; j < n; j++)
				g += y0[j] == y0[i];
			ties += (double) (g - 1) * (2 * g + 5);	/* once per member: g times (g-1)(2g+5) */
			eqpairs3 += g - 1;
		}
		(void) eqpairs3;
		CHECK_NEAR(r.var_s, ((double) n * (n - 1) * (2 * n + 5) - ties) / 18.0, 1e-9);
	}
}

int
main(void)
{
	RUN(annual_rate_published);
	RUN(trend_hand_linear);
	RUN(trend_hand_ties);
	RUN(trend_decreasing_and_flat);
	RUN(trend_bad);
	RUN(trend_random_brute);
	UNIT_END();
}
