/*
 * Unit tests of src/core/survey.c and src/core/km.c: moments (Welford and
 * Chan's merge against two-pass sums), the stratified variance and the
 * lonely-PSU rules on hand cases, t and beta quantiles against R values,
 * the svyciprop intervals, calibration (exact post-stratification, a
 * redundant column, infeasible bounds) and Kaplan-Meier on hand cases.
 */
#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "survey.h"
#include "km.h"

static nous_svy_mom
mom_of(const double (*v)[3], int n)
{
	nous_svy_mom m;
	int			i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < n; i++)
		nous_svy_mom_add(&m, v[i]);
	return m;
}

TEST(test_moments)
{
	double		v[6][3] = {{1, 2, 3}, {4, -1, 2}, {0.5, 7, 1}, {10, 3, 3}, {-2, 0, 5}, {3, 3, 3}};
	nous_svy_mom all = mom_of(v, 6),
				a = mom_of(v, 2),
				b = mom_of(v + 2, 4);
	double		m0 = 0,
				c01 = 0;
	int			i;

	for (i = 0; i < 6; i++)
		m0 += v[i][0] / 6;
	for (i = 0; i < 6; i++)
		c01 += (v[i][0] - m0) * (v[i][1] - all.mean[1]);
	CHECK_NEAR(all.mean[0], m0, 1e-15);
	CHECK_NEAR(all.com[1], c01, 1e-13);
	nous_svy_mom_merge(&a, &b);
	CHECK_NEAR(a.n, 6, 0);
	for (i = 0; i < 6; i++)
		CHECK_NEAR(a.com[i], all.com[i], 1e-13);
	for (i = 0; i < 3; i++)
		CHECK_NEAR(a.sum[i], all.sum[i], 1e-15);
}

/* strata A: z = 2, 6; B: 2, 4, 6 (totals): V = 16 + 12 = 28 */
TEST(test_variance_hand)
{
	double		va[2][3] = {{2, 0, 2}, {6, 0, 2}};
	double		vb[3][3] = {{2, 0, 1}, {4, 0, 1}, {6, 0, 1}};
	double		vc[1][3] = {{5, 0, 1}};
	nous_svy_stratum s[3];
	double		q[3] = {1, 0, 0},
				cov;
	int			bad;

	memset(s, 0, sizeof(s));
	s[0].mom = mom_of(va, 2);
	s[1].mom = mom_of(vb, 3);
	s[2].mom = mom_of(vc, 1);
	CHECK_INT(nous_svy_cov(s, 2, q, q, NOUS_LONELY_FAIL, &cov, &bad), NOUS_OK);
	CHECK_NEAR(cov, 28, 1e-14);
	s[0].fpc = 4;
	s[1].fpc = 6;
	CHECK_INT(nous_svy_cov(s, 2, q, q, NOUS_LONELY_FAIL, &cov, &bad), NOUS_OK);
	CHECK_NEAR(cov, 14, 1e-14);
	s[0].fpc = 1;				/* a census of A */
	CHECK_INT(nous_svy_cov(s, 2, q, q, NOUS_LONELY_FAIL, &cov, &bad), NOUS_OK);
	CHECK_NEAR(cov, 6, 1e-14);
	s[0].fpc = 1.5;				/* fewer than sampled */
	CHECK_INT(nous_svy_cov(s, 2, q, q, NOUS_LONELY_FAIL, &cov, &bad), NOUS_ERR_PARAM);
	CHECK_INT(bad, 0);
	s[0].fpc = 0;
	s[1].fpc = 0;
	CHECK_INT(nous_svy_cov(s, 3, q, q, NOUS_LONELY_FAIL, &cov, &bad), NOUS_ERR_DOMAIN);
	CHECK_INT(bad, 2);
	CHECK_INT(nous_svy_cov(s, 3, q, q, NOUS_LONELY_CERTAINTY, &cov, &bad), NOUS_OK);
	CHECK_NEAR(cov, 28, 1e-14);
	CHECK_INT(nous_svy_cov(s, 3, q, q, NOUS_LONELY_ADJUST, &cov, &bad), NOUS_OK);
	CHECK_NEAR(cov, 28 + 25.0 / 36, 1e-14);
	CHECK_INT(nous_svy_cov(s, 3, q, q, NOUS_LONELY_AVERAGE, &cov, &bad), NOUS_OK);
	CHECK_NEAR(cov, 42, 1e-14);
	CHECK_INT(nous_svy_lonely_parse("adjust"), NOUS_LONELY_ADJUST);
	CHECK_INT(nous_svy_lonely_parse("nearest"), -1);
}

/* t quantiles: qt(0.975, 1) = 12.7062047361747; for 14 and 197 the values implied by the
 * svyciprop "mean" intervals of ../shared/oracles/survey_api (half-width / se) */
/*
 * Two stages (the hand case of test/sql/survey.sql): district 1 has SSU
 * totals 2, 8 (2 of 4), district 2 has 2, 6, 4 (3 of 6), n1/N1 = 1/2:
 * second stage (1/2)(1/2)(2)(18) + (1/2)(1/2)(3/2)(8) = 9 + 3 = 12.
 */
TEST(test_stage2)
{
	double		d1[2][3] = {{2, 0, 2}, {8, 0, 4}};
	double		d2[3][3] = {{2, 0, 1}, {6, 0, 1}, {4, 0, 1}};
	double		lone[1][3] = {{5, 0, 1}};
	nous_svy_mom m1 = mom_of(d1, 2),
				m2 = mom_of(d2, 3),
				m3 = mom_of(lone, 1);
	double		M[6] = {0, 0, 0, 0, 0, 0},
				q[3] = {1, 0, 0};

	CHECK_INT(nous_svy_stage2_add(M, &m1, 4, nous_svy_sampled_fraction(2, 4)), NOUS_OK);
	CHECK_INT(nous_svy_stage2_add(M, &m2, 0.5, 0.5), NOUS_OK);
	CHECK_NEAR(nous_svy_qform(M, q, q), 12, 1e-12);
	/* a single SSU out of 3: lonely, nothing added; the whole PSU (fpc2 1): nothing */
	CHECK_INT(nous_svy_stage2_add(M, &m3, 3, 0.5), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_svy_stage2_add(M, &m3, 1, 0.5), NOUS_OK);
	/* fpc2 smaller than the sample; no first-stage fpc: no second stage (R) */
	CHECK_INT(nous_svy_stage2_add(M, &m2, 2, 0.5), NOUS_ERR_PARAM);
	CHECK_INT(nous_svy_stage2_add(M, &m2, 6, nous_svy_sampled_fraction(2, 0)), NOUS_OK);
	/* fpc2 absent: with replacement at stage 2 (f2 = 1) */
	CHECK_INT(nous_svy_stage2_add(M, &m1, 0, 1), NOUS_OK);
	CHECK_NEAR(nous_svy_qform(M, q, q), 12 + 36, 1e-12);
	CHECK_NEAR(nous_svy_sampled_fraction(3, 0.25), 0.25, 0);
}

TEST(test_quantiles)
{
	CHECK_NEAR(nous_svy_qt(0.975, 1), 12.706204736174698, 1e-12);
	CHECK_NEAR(nous_svy_qt(0.975, 14), 2.14478668791781, 1e-12);
	CHECK_NEAR(nous_svy_qt(0.975, 197), 1.97207903377850, 1e-12);
	CHECK_NEAR(nous_svy_qt(0.975, INFINITY), 1.959963984540054, 1e-14);
	CHECK_NEAR(nous_svy_qt(0.025, 14), -2.14478668791781, 1e-12);
	CHECK_NEAR(nous_svy_pt(0, 5), 0.5, 1e-15);
	CHECK_NEAR(nous_svy_pbeta(0.3, 2, 3), 0.3483, 1e-12);	/* 1 - (1-x)^3 (1 + 3x) */
}

TEST(test_ciprop)
{
	double		lo,
				hi;

	CHECK_INT(nous_svy_ci_compute(NOUS_CI_MEAN, 0.5, 0.1, INFINITY, 100, 0.95, &lo, &hi), NOUS_OK);
	CHECK_NEAR(lo, 0.5 - 0.1959963984540054, 1e-14);
	CHECK_INT(nous_svy_ci_compute(NOUS_CI_LOGIT, 0.5, 0.1, INFINITY, 100, 0.95, &lo, &hi), NOUS_OK);
	CHECK_NEAR(lo + hi, 1, 1e-14);	/* symmetric at p = 1/2 */
	CHECK_NEAR(hi, 1 / (1 + exp(-0.7839855938160216)), 1e-13);
	/* Wilson with n_eff = 25 at p = 1/2, z: the classical Wilson interval */
	CHECK_INT(nous_svy_ci_compute(NOUS_CI_WILSON, 0.5, 0.1, INFINITY, 100, 0.95, &lo, &hi), NOUS_OK);
	CHECK_NEAR(hi, (0.5 + 3.841458820694124 / 50 + 1.959963984540054 / 50 * sqrt(25 + 3.841458820694124)) / (1 + 3.841458820694124 / 25), 1e-13);
	CHECK_INT(nous_svy_ci_compute(NOUS_CI_LOGIT, 0, 0.1, 10, 100, 0.95, &lo, &hi), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_svy_ci_compute(NOUS_CI_MEAN, 0.5, 0.1, 10, 100, 1.5, &lo, &hi), NOUS_ERR_DOMAIN);
	CHECK_INT(nous_svy_ci_parse("xlogit"), NOUS_CI_LOGIT);
	CHECK_INT(nous_svy_ci_parse("exact"), -1);
}

TEST(test_calibration)
{
	/* cells a, a, b and a redundant constant column; totals a = 4, b = 3 */
	double		d[3] = {1, 1, 2};
	double		X[9] = {1, 0, 1, 1, 0, 1, 0, 1, 1};
	double		T[3] = {4, 3, 7};
	double		w[3],
				err,
				e[3],
				y[3] = {1, 3, 5};
	int			it,
				f;

	for (f = NOUS_CAL_LINEAR; f <= NOUS_CAL_LOGIT; f++)
	{
		CHECK_INT(nous_svy_cal_solve(3, 3, d, X, T, f, 0.5, 3, 50, 1e-12, w, &it, &err), NOUS_OK);
		CHECK_NEAR(w[0], 2, 1e-10);
		CHECK_NEAR(w[1], 2, 1e-10);
		CHECK_NEAR(w[2], 3, 1e-10);
	}
	/* bounds too narrow: w/d = 2 for cell a is beyond U = 1.5 */
	CHECK_INT(nous_svy_cal_solve(3, 3, d, X, T, NOUS_CAL_LOGIT, 0.5, 1.5, 50, 1e-12, w, &it, &err), NOUS_ERR_DOMAIN);
	CHECK(err > 1e-3);
	CHECK_INT(nous_svy_cal_solve(3, 3, d, X, T, NOUS_CAL_LOGIT, 1.2, 3, 50, 1e-12, w, &it, &err), NOUS_ERR_PARAM);
	CHECK_INT(nous_svy_greg_resid(3, 3, d, X, y, e), NOUS_OK);
	CHECK_NEAR(e[0], -1, 1e-12);
	CHECK_NEAR(e[1], 1, 1e-12);
	CHECK_NEAR(e[2], 0, 1e-12);
}

TEST(test_km)
{
	double		t[4] = {1, 2, 3, 4},
				ev[4] = {1, 2, 0, 1},
				ce[4] = {0, 0, 1, 0};
	nous_km_point c[4];

	CHECK_INT(nous_km_build(4, t, ev, ce, 0.95, c), NOUS_OK);
	CHECK_NEAR(c[0].surv, 0.8, 1e-15);
	CHECK_NEAR(c[1].surv, 0.4, 1e-15);
	CHECK_NEAR(c[2].surv, 0.4, 1e-15);
	CHECK_NEAR(c[3].surv, 0, 0);
	CHECK_NEAR(c[1].se_cumhaz, sqrt(0.3), 1e-15);
	CHECK_NAN(c[3].se_cumhaz);
	CHECK_NEAR(c[2].n_risk, 2, 0);
	CHECK_NEAR(nous_km_quant(4, c, 0.5, 0), 2, 0);
	CHECK_NAN(nous_km_quant(4, c, 0.5, 2));	/* the upper band stays at 1 */
	CHECK_NEAR(nous_km_surv_at(4, c, 0.5), 1, 0);
	CHECK_NEAR(nous_km_surv_at(4, c, 3.5), 0.4, 1e-15);
	CHECK_NEAR(nous_km_area(4, c, 4), 2.6, 1e-15);
	CHECK_INT(nous_km_build(4, t, ev, ce, 1.5, c), NOUS_ERR_PARAM);
}

int
main(void)
{
	RUN(test_moments);
	RUN(test_variance_hand);
	RUN(test_stage2);
	RUN(test_quantiles);
	RUN(test_ciprop);
	RUN(test_calibration);
	RUN(test_km);
	UNIT_END();
}
