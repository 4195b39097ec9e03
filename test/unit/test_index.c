/*
 * Unit tests of src/core/index.c and src/core/pca.c.  Every expected value
 * is computed by hand in the comment next to it.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "index.h"
#include "pca.h"

static const bool T4[8] = {1, 1, 1, 1, 1, 1, 1, 1};

TEST(qpv_threshold)
{
	double		t;

	/* 0.6 (0.7 19000 + 0.3 15000) = 0.6 x 17800 = 10680 -> 10700 */
	CHECK_INT(nous_qpv_income_threshold(19000, 15000, 100000, &t), NOUS_OK);
	CHECK_NEAR(t, 10700, 0);
	/* >= 5 M: 0.6 (0.3 19000 + 0.7 22000) = 0.6 x 21100 = 12660 -> 12700 */
	nous_qpv_income_threshold(19000, 22000, 10500000, &t);
	CHECK_NEAR(t, 12700, 0);
	/* an exact multiple of 100 is kept: 0.6 (14000 + 3000) = 10200 */
	nous_qpv_income_threshold(20000, 10000, 4999999, &t);
	CHECK_NEAR(t, 10200, 0);
	/* the 5 million boundary: 0.6 (6000 + 7000) = 7800 */
	nous_qpv_income_threshold(20000, 10000, 5000000, &t);
	CHECK_NEAR(t, 7800, 0);
	/* 0.6 (0.7 19999.5 + 0.3 15000.25) = 0.6 x 18499.725 = 11099.835 -> 11100 */
	nous_qpv_income_threshold(19999.5, 15000.25, 10, &t);
	CHECK_NEAR(t, 11100, 0);
	/* 0.6 (0.7 10001 + 0.3 10001) = 6000.6 -> 6100 */
	nous_qpv_income_threshold(10001, 10001, 1, &t);
	CHECK_NEAR(t, 6100, 0);
	CHECK_INT(nous_qpv_income_threshold(-1, 10, 1, &t), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_qpv_income_threshold(1, 10, -1, &t), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_qpv_income_threshold(NAN, 10, 1, &t), NOUS_ERR_NONFINITE);
}

TEST(goalposts)
{
	double		x[4] = {0, 5, 10, 15},
				out[4];

	nous_norm_goalposts(x, T4, 4, 0, 10, true, out);
	CHECK_NEAR(out[1], 50, 1e-15);
	CHECK_NEAR(out[3], 100, 0);
	nous_norm_goalposts(x, T4, 4, 0, 10, false, out);
	CHECK_NEAR(out[3], 150, 1e-15);
	/* reversed goalposts: lo = 10 is 0, hi = 0 is 100 */
	nous_norm_goalposts(x, T4, 4, 10, 0, true, out);
	CHECK_NEAR(out[0], 100, 0);
	CHECK_NEAR(out[1], 50, 1e-15);
	CHECK_NEAR(out[3], 0, 0);
	CHECK_INT(nous_norm_goalposts(x, T4, 4, 3, 3, true, out), NOUS_ERR_PARAM);
}

TEST(winsor)
{
	/* 1..10 and 100: type 7, p = 0.1: h = 10 x 0.1 = 1 -> 2; h = 9 -> 10 */
	double		x[11] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100},
				out[11];
	bool		p[11] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	/* 0 0 0 0 10: mean 2, population sd sqrt((4 x 4 + 64) / 5) = 4 */
	double		y[5] = {0, 0, 0, 0, 10},
				outy[5];

	nous_norm_winsor_quantile(x, p, 11, 0.1, out);
	CHECK_NEAR(out[0], 2, 0);
	CHECK_NEAR(out[4], 5, 0);
	CHECK_NEAR(out[10], 10, 0);
	nous_norm_winsor_quantile(x, p, 11, 0.0, out);	/* p = 0: unchanged */
	CHECK_NEAR(out[10], 100, 0);
	CHECK_INT(nous_norm_winsor_quantile(x, p, 11, 0.5, out), NOUS_ERR_PARAM);
	nous_norm_winsor_sd(y, p, 5, 1.0, NOUS_SD_POPULATION, outy);	/* [-2, 6] */
	CHECK_NEAR(outy[0], 0, 0);
	CHECK_NEAR(outy[4], 6, 1e-15);
}

TEST(log_and_reflect)
{
	double		x[3] = {1, 2.718281828459045, 0},
				out[3];
	bool		p[3] = {1, 1, 0};

	CHECK_INT(nous_norm_log(x, p, 3, 0, out), NOUS_OK);
	CHECK_NEAR(out[0], 0, 1e-15);
	CHECK_NEAR(out[1], 1, 1e-15);
	p[2] = true;				/* ln 0 */
	CHECK_INT(nous_norm_log(x, p, 3, 0, out), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_norm_log(x, p, 3, 1, out), NOUS_OK);	/* ln(0 + 1) = 0 */
	CHECK_NEAR(out[2], 0, 1e-15);
	out[0] = 20;
	out[1] = 70;
	nous_reflect(out, p, 2, 50);	/* 100 - v */
	CHECK_NEAR(out[0], 80, 0);
	CHECK_NEAR(out[1], 30, 0);
}

TEST(weights_and_coverage)
{
	double		w[3] = {2, 1, 1},
				bad[2] = {1, -1},
				zero[2] = {0, 0},
				cov[2];
	/* column-major 2 x 3: row 0 complete, row 1 misses component 0 */
	bool		p[6] = {1, 0, 1, 1, 1, 1};

	CHECK_INT(nous_check_weights(w, 3), NOUS_OK);
	CHECK_INT(nous_check_weights(bad, 2), NOUS_ERR_PARAM);
	CHECK_INT(nous_check_weights(zero, 2), NOUS_ERR_PARAM);
	nous_coverage(p, 2, 3, w, cov);
	CHECK_NEAR(cov[0], 1, 0);
	CHECK_NEAR(cov[1], 0.5, 0);	/* (1 + 1) / 4 */
}

TEST(mean_geometric_power)
{
	/* rows (1, 3) and (2, NULL); weights 1, 3 */
	double		x[4] = {1, 2, 3, 0},
				w[2] = {1, 3},
				out[2];
	bool		p[4] = {1, 1, 1, 0},
				op[2];
	/* rows (1, 4) and (0, 3) */
	double		g[4] = {1, 0, 4, 3},
				eq[2] = {1, 1};
	double		h[4] = {1, 1, 3, 7};

	nous_agg_mean(x, p, 2, 2, w, out, op);
	CHECK_NEAR(out[0], 2.5, 1e-15);	/* (1 + 9) / 4 */
	CHECK_NEAR(out[1], 2, 1e-15);	/* renormalised: 2 */
	CHECK(op[0] && op[1]);
	CHECK_INT(nous_agg_geometric(g, T4, 2, 2, eq, 0, out, op), NOUS_ERR_DOMAIN);
	nous_agg_geometric(g, T4, 2, 2, eq, 1, out, op);
	CHECK_NEAR(out[0], sqrt(2 * 5) - 1, 1e-14);
	CHECK_NEAR(out[1], 1, 1e-14);	/* sqrt(1 x 4) - 1 */
	/* power mean: rows (1, 3) and (1, 7) */
	nous_agg_power(h, T4, 2, 2, eq, 2, out, op);
	CHECK_NEAR(out[1], 5, 1e-14);	/* sqrt((1 + 49) / 2) */
	nous_agg_power(h, T4, 2, 2, eq, -1, out, op);
	CHECK_NEAR(out[0], 1.5, 1e-14);	/* 2 / (1 + 1/3) */
	nous_agg_power(h, T4, 2, 2, eq, 0, out, op);
	CHECK_NEAR(out[0], sqrt(3), 1e-14);
	nous_agg_power(h, T4, 2, 2, eq, 1, out, op);
	CHECK_NEAR(out[1], 4, 1e-14);
	/* a large |p| tends to the max (min) instead of overflowing to Infinity:
	 * 3 (1/2 + (1/3)^p / 2)^(1/p) = 3 * 2^(-1/p) */
	nous_agg_power(h, T4, 2, 2, eq, 1e6, out, op);
	CHECK_NEAR(out[0], 3 * pow(2, -1e-6), 1e-12);
	CHECK_NEAR(out[1], 7 * pow(2, -1e-6), 1e-12);
	nous_agg_power(h, T4, 2, 2, eq, 1e20, out, op);
	CHECK_NEAR(out[0], 3, 1e-12);
	nous_agg_power(h, T4, 2, 2, eq, -1e6, out, op);
	CHECK_NEAR(out[0], pow(2, 1e-6), 1e-12);	/* 1 (1/2 + 3^-p / 2)^(1/-p) */
	{
		/* values on a 0-100 scale with p = 200: 100^200 overflows a double */
		static const double big[2] = {100, 50};
		static const bool pr[2] = {true, true};
		static const double w1[2] = {1, 1};

		nous_agg_power(big, pr, 1, 2, w1, 200, out, op);
		CHECK(isfinite(out[0]));
		CHECK_NEAR(out[0], 100 * pow(0.5 + pow(0.5, 200) / 2, 1.0 / 200), 1e-12);
	}
}

TEST(mpi)
{
	/* rows (1, -1) and (0, 0): z = 110, 90: M = 100, population var 100 */
	double		x[4] = {1, 0, -1, 0},
				eq[2] = {1, 1},
				out[2];
	bool		op[2];

	nous_agg_mpi(x, T4, 2, 2, eq, 1, NOUS_SD_POPULATION, true, out, op);
	CHECK_NEAR(out[0], 101, 1e-13);	/* 100 + 100 / 100 */
	CHECK_NEAR(out[1], 100, 1e-13);
	nous_agg_mpi(x, T4, 2, 2, eq, -1, NOUS_SD_POPULATION, true, out, op);
	CHECK_NEAR(out[0], 99, 1e-13);
	nous_agg_mpi(x, T4, 2, 2, eq, 1, NOUS_SD_SAMPLE, true, out, op);
	CHECK_NEAR(out[0], 102, 1e-13);	/* var 200 */
	CHECK_INT(nous_agg_mpi(x, T4, 2, 2, eq, 1, NOUS_SD_POPULATION, false, out, op), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_agg_mpi(x, T4, 2, 2, eq, 2, NOUS_SD_POPULATION, true, out, op), NOUS_ERR_PARAM);
}

TEST(rankmean_worstq)
{
	/* 3 rows: column 0 (10, 20, 30), column 1 (5, 5, 1); weights 2, 1 */
	double		x[6] = {10, 20, 30, 5, 5, 1},
				w[2] = {2, 1},
				out[4];
	bool		op[4];
	/* 4 rows: column 0 (1, 2, 3, 4), column 1 (4, 4, 1, 1) */
	double		q[8] = {1, 2, 3, 4, 4, 4, 1, 1},
				eq[2] = {1, 1};

	/* ranks (1, 2, 3) and (2.5, 2.5, 1) */
	nous_agg_rankmean(x, T4, 3, 2, w, NOUS_TIES_AVERAGE, out, op);
	CHECK_NEAR(out[0], 4.5 / 3, 1e-15);
	CHECK_NEAR(out[1], 6.5 / 3, 1e-15);
	CHECK_NEAR(out[2], 7.0 / 3, 1e-15);
	nous_agg_rankmean(x, T4, 3, 2, w, NOUS_TIES_MIN, out, op);	/* (2, 2, 1) */
	CHECK_NEAR(out[0], 4.0 / 3, 1e-15);
	/* q75, type 7: column 0 3.25 (only 4), column 1 4 (rows 0, 1) */
	nous_agg_worstq(q, T4, 4, 2, eq, 0.75, false, out, op);
	CHECK_NEAR(out[0], 1, 0);
	CHECK_NEAR(out[1], 1, 0);
	CHECK_NEAR(out[2], 0, 0);
	CHECK_NEAR(out[3], 1, 0);
	nous_agg_worstq(q, T4, 4, 2, eq, 0.75, true, out, op);	/* > 4: none */
	CHECK_NEAR(out[0], 0, 0);
	CHECK_NEAR(out[3], 1, 0);
}

TEST(reference_gap)
{
	/* 1/10 and 3/10: reference 4/20 = 0.2 -> 50 and 150; 0 / 0 no value */
	double		num[3] = {1, 3, 0},
				den[3] = {10, 10, 0},
				out[3];
	bool		p[3] = {1, 1, 1},
				op[3];
	double		neg[3] = {1, -3, 0};

	CHECK_INT(nous_reference_gap(num, den, p, 3, out, op), NOUS_OK);
	CHECK_NEAR(out[0], 50, 1e-13);
	CHECK_NEAR(out[1], 150, 1e-13);
	CHECK(!op[2]);
	CHECK_INT(nous_reference_gap(neg, den, p, 3, out, op), NOUS_ERR_PARAM);
	CHECK_INT(nous_reference_gap(den + 2, den + 2, p, 1, out, op), NOUS_ERR_DOMAIN);
}

TEST(pca)
{
	/* y = 2x: correlation 1, eigenvalues 2 and 0, loadings (1, 1)/sqrt 2 */
	double		x[6] = {1, 2, 3, 2, 4, 6},
				s[3];
	/* y = 4 - x: correlation -1, loadings sum to 0: first element positive */
	double		r[6] = {1, 2, 3, 3, 2, 1};
	bool		sp[3];
	nous_pca	pca;

	CHECK_INT(nous_pca_first(x, T4, 3, 2, NOUS_SD_SAMPLE, &pca, s, sp), NOUS_OK);
	CHECK_NEAR(pca.eigenvalue, 2, 1e-12);
	CHECK_NEAR(pca.explained, 1, 1e-12);
	CHECK_NEAR(pca.loadings[0], sqrt(0.5), 1e-12);
	CHECK_NEAR(pca.loadings[1], sqrt(0.5), 1e-12);
	/* z = -1, 0, 1 (sample sd 1 and 2): score = sqrt 2 z */
	CHECK_NEAR(s[0], -sqrt(2), 1e-12);
	CHECK_NEAR(s[2], sqrt(2), 1e-12);
	nous_pca_free(&pca);
	CHECK_INT(nous_pca_first(r, T4, 3, 2, NOUS_SD_SAMPLE, &pca, NULL, NULL), NOUS_OK);
	CHECK_NEAR(pca.loadings[0], sqrt(0.5), 1e-12);
	CHECK_NEAR(pca.loadings[1], -sqrt(0.5), 1e-12);
	nous_pca_free(&pca);
	CHECK_INT(nous_pca_first(x, T4, 1, 2, NOUS_SD_SAMPLE, &pca, NULL, NULL), NOUS_ERR_EMPTY);
	{
		double		c[4] = {5, 5, 7, 7};

		CHECK_INT(nous_pca_first(c, T4, 2, 2, NOUS_SD_SAMPLE, &pca, NULL, NULL), NOUS_ERR_DOMAIN);
	}
}


/* a small deterministic generator (no rand(): same draws everywhere) */

/* defaults of goalposts: lo, hi from the values; all equal: 50; given lo = hi: error */
TEST(goalposts_auto)
{
	double		x[4] = {2, 4, 6, 10},
				out[4];
	bool		p[4] = {1, 1, 0, 1};
	char		msg[64] = "";

	/* lo = min 2, hi = max 10 over the present values (6 is absent) */
	CHECK_INT(nous_norm_goalposts_auto(x, p, 4, false, 0, false, 0, true, out, msg, sizeof(msg)), NOUS_OK);
	CHECK_NEAR(out[0], 0, 1e-12);
	CHECK_NEAR(out[1], 25, 1e-12);
	CHECK_NEAR(out[3], 100, 1e-12);
	/* only hi given: lo = 2; 100 (4 - 2) / (12 - 2) = 20 */
	CHECK_INT(nous_norm_goalposts_auto(x, p, 4, false, 0, true, 12, true, out, msg, sizeof(msg)), NOUS_OK);
	CHECK_NEAR(out[1], 20, 1e-12);
	/* all present values equal under the defaults: 50 */
	{
		double		e[3] = {7, 7, 7};

		CHECK_INT(nous_norm_goalposts_auto(e, T4, 3, false, 0, false, 0, true, out, msg, sizeof(msg)), NOUS_OK);
		CHECK_NEAR(out[0], 50, 0);
		CHECK_NEAR(out[2], 50, 0);
		/* lo given equal to the maximum: the default hi equals it, still 50 */
		CHECK_INT(nous_norm_goalposts_auto(e, T4, 3, true, 7, false, 0, true, out, msg, sizeof(msg)), NOUS_OK);
		CHECK_NEAR(out[1], 50, 0);
	}
	/* no value present: untouched, no error */
	{
		bool		none[4] = {0, 0, 0, 0};

		out[0] = -1;
		CHECK_INT(nous_norm_goalposts_auto(x, none, 4, false, 0, false, 0, true, out, msg, sizeof(msg)), NOUS_OK);
		CHECK_NEAR(out[0], -1, 0);
	}
	/* lo = hi both given: a parameter error that says why */
	CHECK_INT(nous_norm_goalposts_auto(x, p, 4, true, 3, true, 3, true, out, msg, sizeof(msg)), NOUS_ERR_PARAM);
	CHECK_STR(msg, "Both are 3.");
}

/* pca as an aggregation: the degenerate cases give scores, not errors */
TEST(pca_scores_degenerate)
{
	double		out[3];
	bool		outp[3];
	char		msg[160] = "";

	/* one complete row (row 1 misses component 2): no score at all */
	{
		double		x[4] = {1, 2, 3, 0};
		bool		p[4] = {1, 1, 1, 0};

		CHECK_INT(nous_pca_scores(x, p, 2, 2, NOUS_SD_SAMPLE, out, outp, msg, sizeof(msg)), NOUS_OK);
		CHECK(!outp[0] && !outp[1]);
	}
	/* every column constant: complete rows score 0, the incomplete one none */
	{
		double		c[6] = {5, 5, 5, 2, 2, 2};
		bool		p[6] = {1, 1, 1, 1, 1, 0};

		CHECK_INT(nous_pca_scores(c, p, 3, 2, NOUS_SD_SAMPLE, out, outp, msg, sizeof(msg)), NOUS_OK);
		CHECK(outp[0] && outp[1] && !outp[2]);
		CHECK_NEAR(out[0], 0, 0);
		CHECK_NEAR(out[1], 0, 0);
	}
	/* the regular case: x = (1, 2, 3), y = (1, 2, 3): z = (-1, 0, 1), loadings
	 * (1/sqrt 2, 1/sqrt 2), scores sqrt(2) z */
	{
		double		x[6] = {1, 2, 3, 1, 2, 3};

		CHECK_INT(nous_pca_scores(x, T4, 3, 2, NOUS_SD_SAMPLE, out, outp, msg, sizeof(msg)), NOUS_OK);
		CHECK(outp[0] && outp[1] && outp[2]);
		CHECK_NEAR(out[0], -sqrt(2.0), 1e-12);
		CHECK_NEAR(out[1], 0, 1e-12);
		CHECK_NEAR(out[2], sqrt(2.0), 1e-12);
	}
}

static unsigned long long lcg_state = 42;

static double
draw(void)
{
	lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double) (lcg_state >> 11) / 9007199254740992.0;
}

/*
 * Invariants on random matrices with missing values: the means of a row lie
 * between its smallest and largest present value and are ordered harmonic
 * <= geometric <= arithmetic <= quadratic (power-mean inequality); MPI-
 * <= M <= MPI+; worstq counts between 0 and k; rank means between 1 and n.
 */
TEST(random_invariants)
{
	enum
	{
		N = 200, K = 5
	};
	static double x[N * K],
				h[N],
				g[N],
				a[N],
				q[N],
				mp[N],
				mm[N],
				m0[N],
				wq[N],
				rm[N];
	static bool p[N * K],
				o[N];
	double		w[K] = {2, 1, 1, 0.5, 3},
				zero[K] = {0, 0, 0, 0, 0};
	int			rep,
				i,
				j,
				bad = 0;

	for (rep = 0; rep < 20; rep++)
	{
		for (i = 0; i < N * K; i++)
		{
			x[i] = 0.5 + 100.0 * draw();
			p[i] = draw() >= 0.1;
		}
		nous_agg_power(x, p, N, K, w, -1, h, o);
		nous_agg_geometric(x, p, N, K, w, 0, g, o);
		nous_agg_mean(x, p, N, K, w, a, o);
		nous_agg_power(x, p, N, K, w, 2, q, o);
		nous_agg_worstq(x, p, N, K, w, 0.75, false, wq, o);
		nous_agg_rankmean(x, p, N, K, w, NOUS_TIES_AVERAGE, rm, o);
		for (i = 0; i < N * K; i++)
			x[i] = (x[i] - 50.0) / 30.0;	/* z-like values for the MPI */
		nous_agg_mpi(x, p, N, K, w, 1, NOUS_SD_POPULATION, true, mp, o);
		nous_agg_mpi(x, p, N, K, w, -1, NOUS_SD_POPULATION, true, mm, o);
		nous_agg_mean(x, p, N, K, w, m0, o);
		for (i = 0; i < N; i++)
		{
			double		lo = 1e300,
						hi = -1e300;
			int			m = 0;

			for (j = 0; j < K; j++)
				if (p[j * N + i])
				{
					double		v = x[j * N + i] * 30.0 + 50.0;

					lo = v < lo ? v : lo;
					hi = v > hi ? v : hi;
					m++;
				}
			if (m == 0)
			{
				bad += o[i];	/* no component: no score */
				continue;
			}
			bad += !(h[i] <= g[i] + 1e-9 && g[i] <= a[i] + 1e-9 && a[i] <= q[i] + 1e-9);
			bad += !(h[i] >= lo - 1e-9 && q[i] <= hi + 1e-9);
			bad += !(mm[i] <= 100 + 10 * m0[i] + 1e-9 && 100 + 10 * m0[i] <= mp[i] + 1e-9);
			bad += !(wq[i] >= 0 && wq[i] <= K + 1e-9);
			bad += !(rm[i] >= 1 && rm[i] <= N);
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(nous_check_weights(zero, K), NOUS_ERR_PARAM);
}

TEST(twostep_moments)
{
	/* 1 2 3 4: n 4, sum 10, mean 2.5, M2 = 2.25 + 0.25 + 0.25 + 2.25 = 5 */
	nous_ts_moments a, b, c;
	double		x[4] = {1, 2, 3, 4};
	int			i;

	nous_tsm_init(&a);
	for (i = 0; i < 4; i++)
		nous_tsm_add(&a, x[i]);
	CHECK_NEAR(a.n, 4, 0);
	CHECK_NEAR(a.sum, 10, 0);
	CHECK_NEAR(a.m2, 5, 1e-15);
	CHECK_NEAR(a.min, 1, 0);
	CHECK_NEAR(a.max, 4, 0);
	/* {1, 2} (M2 0.5) merged with {3, 4} (M2 0.5): 0.5 + 0.5 + 2 x 2 x (1.5 - 3.5)^2 / 4 = 5 */
	nous_tsm_init(&b);
	nous_tsm_init(&c);
	nous_tsm_add(&b, 1);
	nous_tsm_add(&b, 2);
	nous_tsm_add(&c, 3);
	nous_tsm_add(&c, 4);
	CHECK_NEAR(b.m2, 0.5, 1e-15);
	nous_tsm_merge(&b, &c);
	CHECK_NEAR(b.n, 4, 0);
	CHECK_NEAR(b.sum, 10, 0);
	CHECK_NEAR(b.m2, 5, 1e-15);
	CHECK_NEAR(b.min, 1, 0);
	CHECK_NEAR(b.max, 4, 0);
	/* merging an empty state changes nothing, into an empty one copies */
	nous_tsm_init(&c);
	nous_tsm_merge(&b, &c);
	CHECK_NEAR(b.m2, 5, 1e-15);
	nous_tsm_merge(&c, &b);
	CHECK_NEAR(c.sum, 10, 0);
	CHECK_NEAR(c.max, 4, 0);
}

TEST(twostep_score)
{
	/* a = 1 2 3 (mean 2, sample sd 1), b = 10 20 (mean 15, sd sqrt 50) */
	nous_ts_moments ma, mb;
	nous_ts_spec s = {NOUS_TS_ZSCORE, NOUS_SD_SAMPLE, 0, 0, 0, false, false, false};
	nous_ts_comp c[2];
	double		x[2] = {1, 10},
				v[2],
				w[2] = {1, 1},
				score;
	bool		pr[2] = {true, true},
				has;
	int			bad = -1;

	nous_tsm_init(&ma);
	nous_tsm_init(&mb);
	nous_tsm_add(&ma, 1);
	nous_tsm_add(&ma, 2);
	nous_tsm_add(&ma, 3);
	nous_tsm_add(&mb, 10);
	nous_tsm_add(&mb, 20);
	CHECK_INT(nous_ts_prepare(&s, &ma, 1, &c[0]), NOUS_OK);
	CHECK_INT(nous_ts_prepare(&s, &mb, 1, &c[1]), NOUS_OK);
	CHECK_INT(nous_ts_normalise_row(c, x, pr, 2, v, &bad), NOUS_OK);
	CHECK_NEAR(v[0], -1, 1e-15);
	CHECK_NEAR(v[1], -sqrt(0.5), 1e-15);
	/* row 1: (-1 - 0.70711) / 2 */
	nous_ts_mean_row(v, pr, 2, w, &score, &has);
	CHECK(has);
	CHECK_NEAR(score, (-1 - sqrt(0.5)) / 2, 1e-15);
	/* polarity -1 on b: reflected about 0 */
	nous_ts_prepare(&s, &mb, -1, &c[1]);
	nous_ts_normalise_row(c, x, pr, 2, v, &bad);
	CHECK_NEAR(v[1], sqrt(0.5), 1e-15);
	/* coverage with b absent and weights 3, 1: 3/4 */
	pr[1] = false;
	w[0] = 3;
	CHECK_NEAR(nous_ts_coverage_row(pr, 2, w, 4), 0.75, 0);
	/* minmax of a: 1 -> 0, 2 -> 50; reversed: 100 - v */
	s.method = NOUS_TS_MINMAX;
	nous_ts_prepare(&s, &ma, 1, &c[0]);
	x[0] = 2;
	nous_ts_normalise_row(c, x, pr, 1, v, &bad);
	CHECK_NEAR(v[0], 50, 0);
	nous_ts_prepare(&s, &ma, -1, &c[0]);
	x[0] = 3;
	nous_ts_normalise_row(c, x, pr, 1, v, &bad);
	CHECK_NEAR(v[0], 0, 0);
	/* goalposts lo 0 hi 2, clipped: 3 -> 150 -> 100 */
	s.method = NOUS_TS_GOALPOSTS;
	s.has_p1 = s.has_p2 = s.clip = true;
	s.p1 = 0;
	s.p2 = 2;
	nous_ts_prepare(&s, &ma, 1, &c[0]);
	nous_ts_normalise_row(c, x, pr, 1, v, &bad);
	CHECK_NEAR(v[0], 100, 0);
	/* lo = hi given: a parameter error */
	s.p2 = 0;
	CHECK_INT(nous_ts_prepare(&s, &ma, 1, &c[0]), NOUS_ERR_PARAM);
	/* ratio to the mean 2: 3 -> 150; a zero reference is a domain error */
	memset(&s, 0, sizeof(s));
	s.method = NOUS_TS_RATIO;
	nous_ts_prepare(&s, &ma, 1, &c[0]);
	nous_ts_normalise_row(c, x, pr, 1, v, &bad);
	CHECK_NEAR(v[0], 150, 1e-15);
	s.has_p1 = true;
	CHECK_INT(nous_ts_prepare(&s, &ma, 1, &c[0]), NOUS_ERR_DOMAIN);
	/* log(offset=1): 3 -> log 4; -1 is outside the domain */
	memset(&s, 0, sizeof(s));
	s.method = NOUS_TS_LOG;
	s.p1 = 1;
	s.has_p1 = true;
	nous_ts_prepare(&s, &ma, 1, &c[0]);
	nous_ts_normalise_row(c, x, pr, 1, v, &bad);
	CHECK_NEAR(v[0], log(4.0), 1e-15);
	x[0] = -1;
	CHECK_INT(nous_ts_normalise_row(c, x, pr, 1, v, &bad), NOUS_ERR_DOMAIN);
	CHECK_INT(bad, 0);
	CHECK_INT(nous_ts_transform(&s, -1, &v[0]), NOUS_ERR_DOMAIN);
	/* a constant component (equal values, inexact mean): z = 0 */
	s.method = NOUS_TS_ZSCORE;
	s.sd = NOUS_SD_SAMPLE;
	nous_tsm_init(&ma);
	for (bad = 0; bad < 7; bad++)
		nous_tsm_add(&ma, log(6.0));
	nous_ts_prepare(&s, &ma, 1, &c[0]);
	x[0] = log(6.0);
	nous_ts_normalise_row(c, x, pr, 1, v, &bad);
	CHECK_NEAR(v[0], 0, 0);
	/* a value of a component without any in the parameters */
	nous_tsm_init(&mb);
	nous_ts_prepare(&s, &mb, 1, &c[0]);
	CHECK_INT(nous_ts_normalise_row(c, x, pr, 1, v, &bad), NOUS_ERR_EMPTY);
}

int
main(void)
{
	RUN(qpv_threshold);
	RUN(goalposts);
	RUN(winsor);
	RUN(log_and_reflect);
	RUN(weights_and_coverage);
	RUN(mean_geometric_power);
	RUN(mpi);
	RUN(rankmean_worstq);
	RUN(reference_gap);
	RUN(pca);
	RUN(goalposts_auto);
	RUN(pca_scores_degenerate);
	RUN(random_invariants);
	RUN(twostep_moments);
	RUN(twostep_score);
	UNIT_END();
}
