/*
 * survey_estimates.c — what a nous.svystate estimates: totals, means, ratios
 * and their standard errors (Taylor linearisation), the covariance of two
 * means, estimates after calibration, the counts of a design, and the
 * confidence intervals of a proportion (the methods of R survey's svyciprop).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "survey_glue.h"

/* which estimator: its value and its linearisation vector q */
typedef enum
{
	EST_TOTAL,
	EST_MEAN,
	EST_RATIO,
	EST_MEAN_X
} EstKind;

/* the estimate of kind k and its q; false when undefined (no weight) */
static bool
estimator(const SvyDesign *g, EstKind k, double *est, double q[3])
{
	double		A = g->sum[0],
				B = g->sum[1],
				C = g->sum[2];

	q[0] = q[1] = q[2] = 0;
	switch (k)
	{
		case EST_TOTAL:
			*est = A;
			q[0] = 1;
			return true;
		case EST_MEAN:
			if (C <= 0)
				return false;
			*est = A / C;
			q[0] = 1 / C;
			q[2] = -*est / C;
			return true;
		case EST_MEAN_X:
			if (C <= 0)
				return false;
			*est = B / C;
			q[1] = 1 / C;
			q[2] = -*est / C;
			return true;
		case EST_RATIO:
			if (B == 0)
				return false;
			*est = A / B;
			q[0] = 1 / B;
			q[1] = -*est / B;
			return true;
	}
	return false;
}

/* the row (estimate, se, cv, df, n) */
static Datum
estimate_row(FunctionCallInfo fcinfo, double est, double se, int df, double n)
{
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	td = nous_row_desc(fcinfo);
	values[0] = Float8GetDatum(est);
	values[1] = Float8GetDatum(se);
	if (est != 0 && isfinite(se))
		values[2] = Float8GetDatum(se / fabs(est));
	else
		nulls[2] = true;
	values[3] = Int32GetDatum(df);
	values[4] = Int64GetDatum((int64) n);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/*
 * An estimate and its standard error from the state s (argument 0).  After
 * calibration (calibrated): the estimate from s (calibrated weights), the
 * variance from r (argument 1), the state of the calibration residuals
 * y - x'beta with the same weights and design (Deville & Sarndal 1992;
 * R survey's svyrecvar).  lonely_psu is the argument after the states.
 */
static Datum
estimate(FunctionCallInfo fcinfo, EstKind k, bool calibrated)
{
	SvyDesign	g,
				gr;
	double		est,
				q[3],
				var;

	svy_design_of(PG_GETARG_DATUM(0), &g);
	if (calibrated)
		svy_design_of(PG_GETARG_DATUM(1), &gr);
	if (g.nstrata == 0 || !estimator(&g, k, &est, q))
		PG_RETURN_NULL();
	if (calibrated)
	{
		double		qr[3] = {k == EST_MEAN ? 1 / g.sum[2] : 1, 0, 0};

		var = svy_design_cov(&gr, qr, qr, svy_lonely_arg(fcinfo, 2));
	}
	else
		var = svy_design_cov(&g, q, q, svy_lonely_arg(fcinfo, 1));
	return estimate_row(fcinfo, est, sqrt(fmax(var, 0)), g.df, g.rows);
}

NOUS_ENTRY(nous_svy_total, estimate(fcinfo, EST_TOTAL, false));

NOUS_ENTRY(nous_svy_mean, estimate(fcinfo, EST_MEAN, false));

NOUS_ENTRY(nous_svy_ratio, estimate(fcinfo, EST_RATIO, false));

/* covariance of the means of y and x */
PG_FUNCTION_INFO_V1(nous_svy_mean_cov);
Datum
nous_svy_mean_cov(PG_FUNCTION_ARGS)
{
	SvyDesign	g;
	double		e1,
				e2,
				q[3],
				r[3];

	svy_design_of(PG_GETARG_DATUM(0), &g);
	if (g.nstrata == 0 || !estimator(&g, EST_MEAN, &e1, q) || !estimator(&g, EST_MEAN_X, &e2, r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(svy_design_cov(&g, q, r, svy_lonely_arg(fcinfo, 1)));
}

NOUS_ENTRY(nous_svy_calibrated_total, estimate(fcinfo, EST_TOTAL, true));

NOUS_ENTRY(nous_svy_calibrated_mean, estimate(fcinfo, EST_MEAN, true));

/* nous.svy_info(s): rows, units, strata, df, sum of weights */
PG_FUNCTION_INFO_V1(nous_svy_info);
Datum
nous_svy_info(PG_FUNCTION_ARGS)
{
	SvyDesign	g;
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	svy_design_of(PG_GETARG_DATUM(0), &g);
	td = nous_row_desc(fcinfo);
	values[0] = Int64GetDatum((int64) g.rows);
	values[1] = Int64GetDatum((int64) g.units);
	values[2] = Int32GetDatum(g.nstrata);
	values[3] = Int32GetDatum(g.df);
	values[4] = Float8GetDatum(g.sum[2]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* nous.svy_ciprop(s, method, level, lonely_psu) */
PG_FUNCTION_INFO_V1(nous_svy_ciprop);
Datum
nous_svy_ciprop(PG_FUNCTION_ARGS)
{
	SvyDesign	g;
	double		p,
				q[3],
				se,
				level = PG_GETARG_FLOAT8(2),
				lo,
				hi;
	char	   *m = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int			method = nous_svy_ci_parse(m);
	nous_status st;
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (method < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown interval method \"%s\"", m),
				 errdetail("The methods are mean (Wald), logit, xlogit, asin, wilson and beta (the methods of R survey's svyciprop).")));
	svy_check_level(level);
	svy_design_of(PG_GETARG_DATUM(0), &g);
	if (g.nstrata == 0 || !estimator(&g, EST_MEAN, &p, q))
		PG_RETURN_NULL();
	if (p < -1e-12 || p > 1 + 1e-12)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the estimate %g is not a proportion", p),
				 errdetail("A proportion interval needs y in [0, 1] (an indicator).")));
	p = fmin(1, fmax(0, p));
	se = sqrt(fmax(svy_design_cov(&g, q, q, svy_lonely_arg(fcinfo, 3)), 0));
	if (g.df < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the design has no degree of freedom"),
				 errdetail("It has as many sampling units as strata.")));
	st = nous_svy_ci_compute(method, p, se, g.df, g.rows, level, &lo, &hi);
	td = nous_row_desc(fcinfo);
	values[0] = Float8GetDatum(p);
	values[1] = Float8GetDatum(lo);
	values[2] = Float8GetDatum(hi);
	values[3] = Float8GetDatum(se);
	values[4] = Int32GetDatum(g.df);
	if (st != NOUS_OK)
	{
		/* p = 0 or 1 (or se = 0): no interval on the logit/asin/Wilson/beta scale */
		nulls[1] = nulls[2] = true;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}
