/*
 * mix_alloc_income.c — the income side of the allocation rules (sql/41):
 * consumption units, income per consumption unit and the first-quartile
 * threshold (aggregate and array form).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"

#include "nous.h"
#include "mix.h"
#include "mix_state.h"

/* ------------------------------------------------------------------ */
/* allocation mix (loi Égalité et Citoyenneté 2017, CCH L441-1)         */
/* ------------------------------------------------------------------ */

static nous_uc_scale
uc_scale_arg(text *t)
{
	char	   *w = text_to_cstring(t);

	if (strcmp(w, "oecd_modified") == 0 || strcmp(w, "insee") == 0)
		return NOUS_UC_OECD_MODIFIED;
	if (strcmp(w, "oecd") == 0 || strcmp(w, "oxford") == 0)
		return NOUS_UC_OECD_OLD;
	if (strcmp(w, "sqrt") == 0)
		return NOUS_UC_SQRT;
	if (strcmp(w, "per_capita") == 0)
		return NOUS_UC_PER_CAPITA;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown consumption-unit scale \"%s\"", w),
			 errdetail("The scales are oecd_modified (alias insee, the default), oecd (alias oxford), sqrt and per_capita.")));
	pg_unreachable();
}

static double
uc_common(int32 a, int32 c, nous_uc_scale scale)
{
	double		r;
	nous_status st = nous_consumption_units(a, c, scale, &r);

	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("numbers of persons must not be negative, got %d aged 14 or more and %d under 14", a, c)));
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a household has at least one person aged 14 or more"),
				 errdetail("Got 0 persons aged 14 or more and %d under 14.", c),
				 errhint("Count the reference person of the household among the persons aged 14 or more.")));
	if (st != NOUS_OK)
		nous_report_status(st, "consumption_units");
	return r;
}

PG_FUNCTION_INFO_V1(nous_consumption_units_default);
Datum
nous_consumption_units_default(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(uc_common(PG_GETARG_INT32(0), PG_GETARG_INT32(1), NOUS_UC_OECD_MODIFIED));
}

PG_FUNCTION_INFO_V1(nous_consumption_units_scale);
Datum
nous_consumption_units_scale(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(uc_common(PG_GETARG_INT32(0), PG_GETARG_INT32(1),
							   uc_scale_arg(PG_GETARG_TEXT_PP(2))));
}

PG_FUNCTION_INFO_V1(nous_income_per_uc);

/* nous.income_per_uc(resources, persons_14_plus, persons_under_14[, scale]) */
Datum
nous_income_per_uc(PG_FUNCTION_ARGS)
{
	double		r = PG_GETARG_FLOAT8(0);
	nous_uc_scale scale = PG_NARGS() > 3 ? uc_scale_arg(PG_GETARG_TEXT_PP(3)) : NOUS_UC_OECD_MODIFIED;

	if (!isfinite(r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("resources must be a finite number")));
	if (r < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("resources must not be negative, got %g", r),
				 errhint("Record a deficit as 0 resources.")));
	PG_RETURN_FLOAT8(r / uc_common(PG_GETARG_INT32(1), PG_GETARG_INT32(2), scale));
}

/* ---- first-quartile threshold: an internal array of values ---- */

typedef struct QuantState
{
	Size		n;
	Size		cap;
	double	   *x;
	int			kind;			/* nous_quantile_kind, -1 while unset */
} QuantState;

static QuantState *
quant_state(FunctionCallInfo fcinfo, MemoryContext aggctx)
{
	QuantState *s;

	if (!PG_ARGISNULL(0))
		return (QuantState *) PG_GETARG_POINTER(0);
	s = MemoryContextAlloc(aggctx, sizeof(QuantState));
	s->n = 0;
	s->cap = 64;
	s->x = MemoryContextAllocHuge(aggctx, s->cap * sizeof(double));
	s->kind = -1;
	return s;
}

static void
quant_push(QuantState *s, double v)
{
	if (s->n == s->cap)
	{
		if (s->cap >= MaxAllocHugeSize / (2 * sizeof(double)))
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							errmsg("too many values for a quantile")));
		s->cap *= 2;
		s->x = repalloc_huge(s->x, s->cap * sizeof(double));
	}
	s->x[s->n++] = v;
}

static int
quantile_kind_arg(text *t)
{
	char	   *w = text_to_cstring(t);

	if (strcmp(w, "continuous") == 0)
		return NOUS_Q_CONTINUOUS;
	if (strcmp(w, "discrete") == 0)
		return NOUS_Q_DISCRETE;
	if (strcmp(w, "median_unbiased") == 0)
		return NOUS_Q_MEDIAN_UNBIASED;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown quantile definition \"%s\"", w),
			 errdetail("The definitions are continuous (as percentile_cont, the default), discrete (as percentile_disc) and median_unbiased (Hyndman and Fan type 8).")));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(nous_quartile_trans);

/* (state, income_uc[, quantile text]) */
Datum
nous_quartile_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = mix_agg_context(fcinfo, "nous_quartile_trans");
	QuantState *s = quant_state(fcinfo, aggctx);
	double		v;

	if (PG_NARGS() > 2)
	{
		int			k;

		if (PG_ARGISNULL(2))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("quantile definition must not be NULL")));
		k = quantile_kind_arg(PG_GETARG_TEXT_PP(2));
		if (s->kind >= 0 && s->kind != k)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("quantile definition changes between rows")));
		s->kind = k;
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	v = PG_GETARG_FLOAT8(1);
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("income per consumption unit must be a finite number")));
	if (v < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("income per consumption unit must not be negative, got %g", v),
				 errhint("Record a deficit as 0 resources.")));
	quant_push(s, v);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_quartile_combine);
Datum
nous_quartile_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = mix_agg_context(fcinfo, "nous_quartile_combine");
	QuantState *a, *b;
	Size		i;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(PG_ARGISNULL(0) ? NULL : PG_GETARG_POINTER(0));
	a = quant_state(fcinfo, aggctx);
	b = (QuantState *) PG_GETARG_POINTER(1);
	if (a->kind >= 0 && b->kind >= 0 && a->kind != b->kind)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("quantile definition changes between rows")));
	if (b->kind >= 0)
		a->kind = b->kind;
	for (i = 0; i < b->n; i++)
		quant_push(a, b->x[i]);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_quartile_serialize);
Datum
nous_quartile_serialize(PG_FUNCTION_ARGS)
{
	QuantState *s = (QuantState *) PG_GETARG_POINTER(0);
	Size		len = VARHDRSZ + 8 + s->n * sizeof(double);
	bytea	   *out;
	int32		k = s->kind;

	if (len > MaxAllocSize)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("too many values to send to a parallel leader")));
	out = palloc(len);
	SET_VARSIZE(out, len);
	VARDATA(out)[0] = MIX_VERSION;
	memcpy(VARDATA(out) + 4, &k, 4);
	memcpy(VARDATA(out) + 8, s->x, s->n * sizeof(double));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(nous_quartile_deserialize);
Datum
nous_quartile_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(b);
	const char *p = VARDATA_ANY(b);
	QuantState *s;
	int32		k;
	Size		i;

	if (len < 8 || (len - 8) % sizeof(double) != 0 || p[0] != MIX_VERSION)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("invalid serialized quantile state")));
	memcpy(&k, p + 4, 4);
	if (k < -1 || k > NOUS_Q_MEDIAN_UNBIASED)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("invalid serialized quantile state")));
	s = palloc(sizeof(QuantState));
	s->n = (len - 8) / sizeof(double);
	s->cap = Max(s->n, 1);
	s->x = palloc_extended(s->cap * sizeof(double), MCXT_ALLOC_HUGE);
	s->kind = k;
	memcpy(s->x, p + 8, s->n * sizeof(double));
	for (i = 0; i < s->n; i++)
		if (!isfinite(s->x[i]) || s->x[i] < 0.0)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
							errmsg("invalid serialized quantile state")));
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_quartile_final);

/* the 25th percentile; NULL when no value (an EPCI with no pending demand) */
Datum
nous_quartile_final(PG_FUNCTION_ARGS)
{
	QuantState *s;
	double		r;
	nous_status st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (QuantState *) PG_GETARG_POINTER(0);
	if (s->n == 0)
		PG_RETURN_NULL();
	/* selection reorders the values: harmless, the order carries no meaning */
	st = nous_quantile(s->x, s->n, 0.25, s->kind < 0 ? NOUS_Q_CONTINUOUS : s->kind, &r);
	if (st != NOUS_OK)
		nous_report_status(st, "first_quartile");
	PG_RETURN_FLOAT8(r);
}

PG_FUNCTION_INFO_V1(nous_first_quartile_array);

/* nous.first_quartile(values float8[], quantile text DEFAULT 'continuous') */
Datum
nous_first_quartile_array(PG_FUNCTION_ARGS)
{
	NousVec		v;
	double	   *x, r;
	int			i, m = 0, kind;
	nous_status st;

	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "values", true, &v);
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("quantile definition must not be NULL")));
	kind = quantile_kind_arg(PG_GETARG_TEXT_PP(1));
	x = palloc(sizeof(double) * Max(v.n, 1));
	for (i = 0; i < v.n; i++)
		if (v.present[i])
		{
			if (v.x[i] < 0.0)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("income per consumption unit must not be negative, got %g", v.x[i]),
						 errhint("Record a deficit as 0 resources.")));
			x[m++] = v.x[i];
		}
	if (m == 0)
		PG_RETURN_NULL();
	st = nous_quantile(x, m, 0.25, kind, &r);
	if (st != NOUS_OK)
		nous_report_status(st, "first_quartile");
	PG_RETURN_FLOAT8(r);
}
