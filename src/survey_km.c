/*
 * survey_km.c — Kaplan-Meier glue of the field module (sql/76_field.sql):
 * the transition of nous.km_agg (delays, closed or still open, into a
 * nous.kmstate of event and censoring counts per time) and what a state
 * gives: the curve with its intervals, quantiles, the share closed within a
 * delay, the restricted mean.  The estimator is in src/core/km.c.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "survey_glue.h"
#include "km.h"

/* nous_km_trans(state, delay, closed) */
PG_FUNCTION_INFO_V1(nous_km_trans);
Datum
nous_km_trans(PG_FUNCTION_ARGS)
{
	SvyEO	   *eo = svy_state_rw(fcinfo, 0, K_KM, "nous.km_agg");
	double		t;
	bool		isnew;
	double	   *r;
	int64		bits;

	if (PG_ARGISNULL(1))
		NOUS_RETURN_EO(eo);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the closed flag of a delay is NULL"),
				 errdetail("Each delay is either closed (true: an event) or still open (false: censored).")));
	t = PG_GETARG_FLOAT8(1);
	if (!isfinite(t) || t < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid delay %g", t),
				 errdetail("A delay must be finite and not negative: a case cannot close before it opens.")));
	if (t == 0)
		t = 0;					/* -0 */
	memcpy(&bits, &t, sizeof(bits));
	r = svy_eo_lookup(eo, bits, 0, &isnew);
	r[PG_GETARG_BOOL(2) ? 0 : 1] += 1;
	NOUS_RETURN_EO(eo);
}

/* the curve of a state, in the current context */
static nous_km_point *
km_curve_of(Datum d, double level, int *m)
{
	SvyView		v;
	double	   *time,
			   *ev,
			   *ce;
	nous_km_point *c;
	int			i;

	svy_check_level(level);
	svy_state_view(d, true, &v);
	time = palloc(sizeof(double) * Max(v.n, 1));
	ev = palloc(sizeof(double) * Max(v.n, 1));
	ce = palloc(sizeof(double) * Max(v.n, 1));
	for (i = 0; i < v.n; i++)
	{
		memcpy(&time[i], &v.keys[2 * i], sizeof(double));
		ev[i] = v.vals[2 * i];
		ce[i] = v.vals[2 * i + 1];
	}
	c = palloc(sizeof(nous_km_point) * Max(v.n, 1));
	nous_km_build(v.n, time, ev, ce, level, c);
	*m = v.n;
	return c;
}

/* a float8 datum, NULL for NaN */
static Datum
nan_null(double x, bool *isnull)
{
	*isnull = isnan(x);
	return Float8GetDatum(isnan(x) ? 0 : x);
}

PG_FUNCTION_INFO_V1(nous_km_curve);
Datum
nous_km_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			m,
				i;
	nous_km_point *c = km_curve_of(PG_GETARG_DATUM(0), PG_GETARG_FLOAT8(1), &m);

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < m; i++)
	{
		Datum		values[8];
		bool		nulls[8] = {false};

		values[0] = Float8GetDatum(c[i].time);
		values[1] = Int64GetDatum((int64) c[i].n_risk);
		values[2] = Int64GetDatum((int64) c[i].n_event);
		values[3] = Int64GetDatum((int64) c[i].n_censor);
		values[4] = Float8GetDatum(c[i].surv);
		values[5] = nan_null(c[i].surv * c[i].se_cumhaz, &nulls[5]);
		values[6] = nan_null(c[i].lower, &nulls[6]);
		values[7] = nan_null(c[i].upper, &nulls[7]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* nous.km_quantile(s, p, level): the time by which a share p is closed */
PG_FUNCTION_INFO_V1(nous_km_quantile);
Datum
nous_km_quantile(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(1);
	int			m;
	nous_km_point *c;
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false};
	double		ev = 0;
	int			i;

	if (!(p > 0 && p < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quantile %g is not between 0 and 1", p),
				 errdetail("p is the share of cases closed by the time returned, strictly between 0 and 1."),
				 errhint("Pass p => 0.5 for the median delay.")));
	c = km_curve_of(PG_GETARG_DATUM(0), PG_GETARG_FLOAT8(2), &m);
	td = nous_row_desc(fcinfo);
	for (i = 0; i < m; i++)
		ev += c[i].n_event;
	values[0] = Int64GetDatum(m > 0 ? (int64) c[0].n_risk : 0);
	values[1] = Int64GetDatum((int64) ev);
	values[2] = nan_null(nous_km_quant(m, c, 1 - p, 0), &nulls[2]);
	values[3] = nan_null(nous_km_quant(m, c, 1 - p, 1), &nulls[3]);
	values[4] = nan_null(nous_km_quant(m, c, 1 - p, 2), &nulls[4]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* nous.km_share_closed(s, within): 1 - S(within) */
PG_FUNCTION_INFO_V1(nous_km_share_closed);
Datum
nous_km_share_closed(PG_FUNCTION_ARGS)
{
	int			m;
	nous_km_point *c = km_curve_of(PG_GETARG_DATUM(0), 0.95, &m);

	if (m == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(1 - nous_km_surv_at(m, c, PG_GETARG_FLOAT8(1)));
}

/* nous.km_rmean(s, tau): restricted mean delay */
PG_FUNCTION_INFO_V1(nous_km_rmean);
Datum
nous_km_rmean(PG_FUNCTION_ARGS)
{
	int			m;
	nous_km_point *c = km_curve_of(PG_GETARG_DATUM(0), 0.95, &m);
	double		tau = PG_GETARG_FLOAT8(1);

	if (!(tau >= 0) || !isfinite(tau))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid horizon %g", tau),
				 errdetail("The horizon of a restricted mean must be finite and not negative.")));
	if (m == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(nous_km_area(m, c, tau));
}
