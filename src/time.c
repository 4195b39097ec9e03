/*
 * time.c — SQL glue of the time module (sql/84_time.sql): the annualised
 * rate nous.annual_rate() and the aggregate nous.trend() (Theil-Sen slope,
 * Mann-Kendall test).  The mathematics is in src/core/series.c.
 *
 * The state of nous.trend is a plain float8[] of (time, value) pairs, so
 * that it can be stored, sent and combined anywhere (DESIGN, principle 4);
 * during a scan it is a read-write expanded array in the aggregate context,
 * appended in place.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "access/htup_details.h"
#include "utils/array.h"
#include "utils/expandeddatum.h"
#include "utils/builtins.h"

#include "nous.h"
#include "series.h"

PG_FUNCTION_INFO_V1(nous_annual_rate_sql);
PG_FUNCTION_INFO_V1(nous_trend_accum);
PG_FUNCTION_INFO_V1(nous_trend_combine);
PG_FUNCTION_INFO_V1(nous_trend_final);

/* the largest series nous.trend accepts: n (n - 1) / 2 pairwise slopes */
#define NOUS_TREND_MAX_POINTS 10000

/* nous.annual_rate(p0, p1, years): (p1 / p0)^(1 / years) - 1 */
Datum
nous_annual_rate_sql(PG_FUNCTION_ARGS)
{
	double		p0 = PG_GETARG_FLOAT8(0),
				p1 = PG_GETARG_FLOAT8(1),
				n = PG_GETARG_FLOAT8(2);

	if (isnan(p0) || isnan(p1) || isnan(n) || isinf(p0) || isinf(p1) || isinf(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annual rate of non-finite values"),
				 errdetail("The start value, the end value and the number of years must be finite numbers.")));
	if (!(p0 > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annual rate from a start value of %g", p0),
				 errdetail("An annualised rate (p1 / p0)^(1 / years) - 1 needs a positive start value.")));
	if (p1 < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annual rate to a negative end value %g", p1),
				 errdetail("An annualised rate is defined for counts, which are never negative.")));
	if (!(n > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("annual rate over %g years", n),
				 errdetail("The period must last a positive number of years.")));
	PG_RETURN_FLOAT8(nous_annual_rate(p0, p1, n));
}

/*
 * nous.trend transition: append (t, y) to the state.  A row whose time or
 * value is NULL is skipped (a missing year); NaN and infinities are errors.
 */
Datum
nous_trend_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	ExpandedArrayHeader *eah;
	Datum		state;
	double		t,
				y;
	int			idx;

	aggctx = nous_agg_or_current_context(fcinfo);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	t = PG_GETARG_FLOAT8(1);
	y = PG_GETARG_FLOAT8(2);
	if (isnan(t) || isinf(t) || isnan(y) || isinf(y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trend of a non-finite value"),
				 errdetail("Time %g, value %g: times and values must be finite (a missing year is NULL).", t, y)));
	if (PG_ARGISNULL(0))
		state = EOHPGetRWDatum(&construct_empty_expanded_array(FLOAT8OID, aggctx, NULL)->hdr);
	else
	{
		state = PG_GETARG_DATUM(0);
		if (!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(state)))
			state = expand_array(state, aggctx, NULL);
	}
	eah = (ExpandedArrayHeader *) DatumGetEOHP(state);
	if (eah->ndims > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state of nous.trend"),
				 errdetail("The state is a one-dimensional float8[] of (time, value) pairs.")));
	idx = (eah->ndims == 0) ? 1 : eah->lbound[0] + eah->dims[0];
	if (idx / 2 >= NOUS_TREND_MAX_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("series too long for nous.trend"),
				 errdetail("A series holds at most %d points (the Theil-Sen slope compares every pair).",
						   NOUS_TREND_MAX_POINTS)));
	state = array_set_element(state, 1, &idx, Float8GetDatum(t), false, -1, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	idx++;
	state = array_set_element(state, 1, &idx, Float8GetDatum(y), false, -1, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	PG_RETURN_DATUM(state);
}

/* the pairs of a state, checked (a stored state may come from anywhere) */
static double *
state_pairs(ArrayType *a, int *npoints)
{
	int			n;

	if (ARR_NDIM(a) > 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state of nous.trend"),
				 errdetail("The state is a one-dimensional float8[] of (time, value) pairs without NULL.")));
	n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	if (n % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state of nous.trend"),
				 errdetail("The state has %d elements; (time, value) pairs make an even number.", n)));
	*npoints = n / 2;
	return (double *) ARR_DATA_PTR(a);
}

/* nous.trend combine: the pairs of both states, in a new array */
Datum
nous_trend_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx,
				old;
	ArrayType  *a,
			   *b,
			   *r;
	double	   *pa,
			   *pb;
	int			na,
				nb;

	aggctx = nous_agg_or_current_context(fcinfo);
	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	old = MemoryContextSwitchTo(aggctx);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		a = PG_ARGISNULL(0) ? PG_GETARG_ARRAYTYPE_P_COPY(1) : PG_GETARG_ARRAYTYPE_P_COPY(0);
		(void) state_pairs(a, &na);
		MemoryContextSwitchTo(old);
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	b = PG_GETARG_ARRAYTYPE_P(1);
	pa = state_pairs(a, &na);
	pb = state_pairs(b, &nb);
	if (na + nb > NOUS_TREND_MAX_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("series too long for nous.trend"),
				 errdetail("A series holds at most %d points (the Theil-Sen slope compares every pair).",
						   NOUS_TREND_MAX_POINTS)));
	{
		Datum	   *d = palloc(sizeof(Datum) * (size_t) (2 * (na + nb) + 1));
		int			i;

		for (i = 0; i < 2 * na; i++)
			d[i] = Float8GetDatum(pa[i]);
		for (i = 0; i < 2 * nb; i++)
			d[2 * na + i] = Float8GetDatum(pb[i]);
		r = construct_array(d, 2 * (na + nb), FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
		pfree(d);
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_ARRAYTYPE_P(r);
}

/* nous.trend final: the composite nous.trend_result */
Datum
nous_trend_final(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	double	   *p,
			   *t,
			   *y,
				dup = 0;
	int			n,
				i,
				rc;
	NousTrend	r;
	TupleDesc	desc;
	Datum		values[8];
	bool		nulls[8] = {false};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	a = PG_GETARG_ARRAYTYPE_P(0);
	p = state_pairs(a, &n);
	if (n == 0)
		PG_RETURN_NULL();
	if (n > NOUS_TREND_MAX_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("series too long for nous.trend"),
				 errdetail("A series holds at most %d points (the Theil-Sen slope compares every pair); this state has %d.",
						   NOUS_TREND_MAX_POINTS, n)));
	t = palloc(sizeof(double) * (size_t) n);
	y = palloc(sizeof(double) * (size_t) n);
	for (i = 0; i < n; i++)
	{
		t[i] = p[2 * i];
		y[i] = p[2 * i + 1];
		if (isnan(t[i]) || isinf(t[i]) || isnan(y[i]) || isinf(y[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid state of nous.trend"),
					 errdetail("The state holds a non-finite time or value.")));
	}
	rc = nous_trend(t, y, n, &r, &dup);
	if (rc == NOUS_TREND_TOO_SHORT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("trend of a series with one point"),
				 errdetail("A trend needs at least two years with a value; this series has %d.", n),
				 errhint("Filter the areas with count(value) >= 2, or more for a meaningful test.")));
	if (rc == NOUS_TREND_DUPLICATE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("duplicate time %g in a series", dup),
				 errdetail("A series has one value per time; time %g appears twice.", dup),
				 errhint("Group by the area as well, or aggregate the duplicates first.")));
	if (rc != NOUS_TREND_OK)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory in nous.trend")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "nous.trend: the result type is not a row type");
	desc = BlessTupleDesc(desc);
	values[0] = Int32GetDatum(r.n);
	values[1] = Float8GetDatum(r.slope);
	values[2] = Float8GetDatum(r.intercept);
	values[3] = Int64GetDatum((int64) r.s);
	values[4] = Float8GetDatum(r.var_s);
	values[5] = Float8GetDatum(r.z);
	values[6] = Float8GetDatum(r.p_value);
	values[7] = Float8GetDatum(r.tau);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
