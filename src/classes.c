/*
 * classes.c — SQL glue of the classification family: the aggregate
 * nous.breaks(value, k, method) (its state, transition, combine, serialize,
 * deserialize and final functions) and what the family's files share
 * (classes_glue.h).  The built-in break methods are in classes_methods.c,
 * nous.class_of() and nous.gvf() in classes_gvf.c (sql/60_classes.sql).
 *
 * A method of the family takes (values float8[], k int4 [, params jsonb]) and
 * returns the upper bounds of the classes, strictly increasing, the last one
 * the maximum of the values.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "nous.h"
#include "classes.h"
#include "classes_glue.h"
#include "method_table.h"

#define FAMILY "classification"
#define BREAKS_STATE_VERSION 1

/* Aggregate state of nous.breaks: the collected values and the arguments. */
typedef struct BreaksState
{
	int64		n;
	int64		cap;
	double	   *x;
	int32		k;
	char		method[METHOD_MAXLEN + 1];
	bool		method_set;
	NousMethod	resolved;		/* valid when resolved_ok (final function) */
	bool		resolved_ok;
} BreaksState;

void
classes_check_k(int32 k)
{
	if (k < 1 || k > NOUS_BREAKS_KMAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes must be between 1 and %d", NOUS_BREAKS_KMAX),
				 errdetail("k is %d.", k)));
}

text *
classes_method_arg(FunctionCallInfo fcinfo, int argno)
{
	NOUS_REQUIRE_ARG_HINT(argno, "classification method",
						  "Name a method, for example 'fisher'; see nous.methods.");
	return PG_GETARG_TEXT_PP(argno);
}

void
classes_check_finite(double v, const char *what)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be finite", what),
				 errdetail("The value is %s.", isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"),
				 errhint("Replace NaN and infinite values by NULL: NULL values are ignored.")));
}

static BreaksState *
state_new(MemoryContext ctx)
{
	BreaksState *s = MemoryContextAllocZero(ctx, sizeof(BreaksState));

	s->cap = 1024;
	s->x = MemoryContextAllocHuge(ctx, sizeof(double) * s->cap);
	return s;
}

/* Megabytes to suggest for work_mem when bytes are needed: twice, rounded up. */
static long
suggest_mb(double bytes)
{
	return (long) ceil(2.0 * bytes / (1024.0 * 1024.0));
}

/*
 * Exact natural breaks are the heavy method: the aggregate's values and the
 * working memory of the dynamic programme each stay within work_mem.
 */
static bool
is_fisher(const BreaksState *s)
{
	return strcmp(s->method, "fisher") == 0;
}

static void
fisher_values_check(int64 n, int k)
{
	double		bytes = (double) n * sizeof(double);

	if (bytes > (double) work_mem * 1024.0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("nous.breaks with method fisher holds more values than work_mem allows"),
				 errdetail("%lld values take %.0f kB; work_mem is %d kB.",
						   (long long) n, ceil(bytes / 1024.0), work_mem),
				 errhint("Raise work_mem for this query, e.g. SET work_mem = '%ldMB' (room for the values and the working memory of as many distinct values).",
						 suggest_mb(Max(bytes, nous_fisher_bytes((size_t) n, k))))));
}

void
classes_fisher_work_check(size_t m, int k)
{
	double		bytes = nous_fisher_bytes(m, k);

	if (bytes > (double) work_mem * 1024.0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("natural breaks of %zu distinct values in %d classes need more memory than work_mem allows", m, k),
				 errdetail("The method needs about %.0f kB of working memory; work_mem is %d kB.",
						   ceil(bytes / 1024.0), work_mem),
				 errhint("Raise work_mem for this query, e.g. SET work_mem = '%ldMB'; or round the values: only distinct values count.",
						 suggest_mb(bytes))));
}

static void
state_reserve(BreaksState *s, int64 more)
{
	int64		need = s->n + more;
	int64		limit = PG_INT64_MAX;

	if (need <= s->cap)
		return;
	if (is_fisher(s))
	{
		fisher_values_check(need, s->k);
		/* a fisher state never allocates more than work_mem */
		limit = Max(need, (int64) ((double) work_mem * 1024.0 / sizeof(double)));
	}
	nous_reserve(s->x, s->cap, need, limit, "values for nous.breaks");
}

static void
state_set_args(BreaksState *s, int32 k, text *method)
{
	char	   *m = text_to_cstring(method);

	classes_check_k(k);
	if (strlen(m) > METHOD_MAXLEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("classification method specification is too long"),
				 errdetail("It has %d bytes; at most %d are allowed.", (int) strlen(m), METHOD_MAXLEN)));
	s->k = k;
	strlcpy(s->method, m, sizeof(s->method));
	s->method_set = true;
	pfree(m);
}

/*
 * The transition of nous.breaks: collect the non-NULL values; method is the
 * argument's text (NULL for nous.breaks(value, k): fisher).
 */
static Datum
breaks_trans(FunctionCallInfo fcinfo, const char *fn, text *method)
{
	MemoryContext aggctx;
	BreaksState *s;
	double		v;

	aggctx = nous_agg_context(fcinfo, fn, "nous.breaks(value, k, method)");
	s = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	NOUS_REQUIRE_ARG(2, "number of classes");
	if (s == NULL)
	{
		s = state_new(aggctx);
		state_set_args(s, PG_GETARG_INT32(2), method ? method : cstring_to_text("fisher"));
	}
	else if (PG_GETARG_INT32(2) != s->k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes must be the same for every row"),
				 errdetail("It was %d, then %d.", s->k, PG_GETARG_INT32(2))));
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	v = PG_GETARG_FLOAT8(1);
	classes_check_finite(v, "value");
	state_reserve(s, 1);
	s->x[s->n++] = v;
	PG_RETURN_POINTER(s);
}

/* nous.breaks(value, k, method) transition. */
NOUS_ENTRY(nous_breaks_transfn, breaks_trans(fcinfo, "nous_breaks_transfn", classes_method_arg(fcinfo, 3)));

/* nous.breaks(value, k) transition: method fisher. */
NOUS_ENTRY(nous_breaks_transfn_fisher, breaks_trans(fcinfo, "nous_breaks_transfn_fisher", NULL));

PG_FUNCTION_INFO_V1(nous_breaks_combine);

/* Combine two partial states: concatenate the values. */
Datum
nous_breaks_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	BreaksState *a,
			   *b;

	aggctx = nous_agg_context(fcinfo, "nous_breaks_combine", "nous.breaks(value, k, method)");
	NOUS_RETURN_STATE_IF_NULL(1);
	a = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	b = (BreaksState *) PG_GETARG_POINTER(1);
	if (a == NULL)
	{
		a = state_new(aggctx);
		a->k = b->k;
		memcpy(a->method, b->method, sizeof(a->method));
		a->method_set = b->method_set;
	}
	else if (a->k != b->k || strcmp(a->method, b->method) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes and method must be the same for every row"),
				 errdetail("Two partial states were built with k = %d, method \"%s\" and k = %d, method \"%s\".",
						   a->k, a->method, b->k, b->method),
				 errhint("Use constants, or group by the columns they depend on.")));
	state_reserve(a, b->n);
	memcpy(a->x + a->n, b->x, sizeof(double) * b->n);
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_breaks_serialize);

/* Serialise: version byte, k, method length + bytes, count, values. */
Datum
nous_breaks_serialize(PG_FUNCTION_ARGS)
{
	BreaksState *s = (BreaksState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			mlen = (int) strlen(s->method);

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, BREAKS_STATE_VERSION);
	pq_sendint32(&buf, s->k);
	pq_sendint16(&buf, (int16) mlen);
	pq_sendbytes(&buf, s->method, mlen);
	pq_sendint64(&buf, s->n);
	if (s->n > (int64) ((MaxAllocSize - 1024) / sizeof(double)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values to pass between parallel workers: %lld", (long long) s->n),
				 errhint("Disable parallel query for this aggregate: SET max_parallel_workers_per_gather = 0.")));
	/* native byte order: the state only travels between processes of one server */
	pq_sendbytes(&buf, (const char *) s->x, (int) (s->n * sizeof(double)));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
corrupt(const char *detail)
{
	nous_state_corrupt("nous.breaks aggregate state", "%s", detail);
}

PG_FUNCTION_INFO_V1(nous_breaks_deserialize);

/* Deserialise, checking version, sizes and values. */
Datum
nous_breaks_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggctx;
	StringInfoData buf;
	BreaksState *s;
	int			mlen;
	int64		n;

	aggctx = nous_agg_context(fcinfo, "nous_breaks_deserialize", "nous.breaks(value, k, method)");
	buf.data = VARDATA_ANY(b);
	buf.len = VARSIZE_ANY_EXHDR(b);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (buf.len < 1 + 4 + 2 + 8)
		corrupt("The state is too short.");
	if (pq_getmsgbyte(&buf) != BREAKS_STATE_VERSION)
		corrupt("Unknown state version.");
	s = state_new(aggctx);
	s->k = pq_getmsgint(&buf, 4);
	if (s->k < 1 || s->k > NOUS_BREAKS_KMAX)
		corrupt("The number of classes is out of range.");
	mlen = (int16) pq_getmsgint(&buf, 2);
	if (mlen < 0 || mlen > METHOD_MAXLEN || buf.len - buf.cursor < mlen + 8)
		corrupt("The method specification has an invalid length.");
	memcpy(s->method, pq_getmsgbytes(&buf, mlen), mlen);
	s->method[mlen] = '\0';
	if (strlen(s->method) != (size_t) mlen)
		corrupt("The method specification contains a zero byte.");
	s->method_set = true;
	n = pq_getmsgint64(&buf);
	if (n < 0 || n != (int64) (buf.len - buf.cursor) / 8 || (buf.len - buf.cursor) % 8 != 0)
		corrupt("The number of values does not match the length of the state.");
	state_reserve(s, n);
	memcpy(s->x, pq_getmsgbytes(&buf, (int) (n * sizeof(double))), n * sizeof(double));
	for (int64 i = 0; i < n; i++)
	{
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		if (!isfinite(s->x[i]))
			corrupt("The state holds a value that is not finite.");
	}
	s->n = n;
	PG_RETURN_POINTER(s);
}

/* A float8[] of n doubles without NULLs, built in one copy. */
ArrayType *
classes_doubles_to_array(const double *x, int64 n)
{
	Size		bytes;
	ArrayType  *a;

	if (n == 0)
		return construct_empty_array(FLOAT8OID);
	if ((Size) n > (MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values: %lld", (long long) n),
				 errdetail("A float8[] holds at most %d values.",
						   (int) ((MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / sizeof(double)))));
	bytes = ARR_OVERHEAD_NONULLS(1) + sizeof(double) * n;
	a = palloc(bytes);
	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) n;
	ARR_LBOUND(a)[0] = 1;
	memcpy(ARR_DATA_PTR(a), x, sizeof(double) * n);
	return a;
}

/* Check the result of a method: 1-D, no NULLs, finite, strictly increasing. */
static ArrayType *
check_breaks_result(Datum d, const char *method, double max)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	int			n;
	double	   *b;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("classification method \"%s\" returned an invalid array", method),
				 errdetail("A method must return a non-empty one-dimensional float8[] without NULLs.")));
	n = ARR_DIMS(a)[0];
	b = (double *) ARR_DATA_PTR(a);
	for (int i = 0; i < n; i++)
		if (!isfinite(b[i]) || (i > 0 && !(b[i] > b[i - 1])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("classification method \"%s\" returned bounds that are not strictly increasing", method),
					 errdetail("Bound %d is %g.", i + 1, b[i])));
	if (n == 0 || b[n - 1] != max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("classification method \"%s\" did not end with the maximum", method),
				 errdetail("The last bound must be the largest value, %g.", max)));
	return a;
}


void
classes_method_status(nous_status st, const char *method)
{
	if (st == NOUS_OK)
		return;
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the range of the values is too large for method \"%s\"", method),
				 errdetail("The difference between the largest and the smallest value overflows a float8."),
				 errhint("Rescale the values (for example to thousands) before classifying them.")));
	nous_report_status(st, method);
}

/* the dynamic programme keeps one argmin per value and class */
void
classes_fisher_size_check(size_t n, int k, const char *what)
{
	if ((double) (k - 1) * (double) n > 268435456.0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many classes for natural breaks of %zu values", n),
				 errdetail("k - 1 times the number of %s must not exceed 268435456 (1 GB of working memory).", what),
				 errhint("Use fewer classes: maps rarely need more than 10.")));
}


/*
 * The breaks of n sorted values in k classes by the resolved method m: the
 * built-in fisher straight on the values (no copy), any other method called
 * with the values as a float8[], its result checked.
 */
ArrayType *
classes_breaks_sorted(NousMethod *m, double *x, int64 n, int32 k)
{
	ArrayType  *values;
	Datum		args[2];
	Datum		result;

	if (m->builtin && m->spec.nparams == 0 && strcmp(m->spec.name, "fisher") == 0)
	{
		size_t		distinct = nous_distinct_sorted(x, (size_t) n);
		double	   *out;
		int			nout;

		classes_fisher_size_check(distinct, k, "distinct values");
		classes_fisher_work_check(distinct, k);
		out = palloc(sizeof(double) * NOUS_BREAKS_MAX(k));
		classes_method_status(nous_breaks_fisher(x, (size_t) n, k, out, &nout, NULL), "fisher");
		return classes_doubles_to_array(out, nout);
	}
	values = classes_doubles_to_array(x, n);
	args[0] = PointerGetDatum(values);
	args[1] = Int32GetDatum(k);
	result = nous_method_call_notnull(m, args, 2, "classification",
									  "A method must return the upper bounds of the classes, the last one the maximum of the values.");
	return check_breaks_result(result, m->spec.name, x[n - 1]);
}

PG_FUNCTION_INFO_V1(nous_breaks_finalfn);

/* nous.breaks final (0.1.0 state): sort once, call the method with the sorted values. */
Datum
nous_breaks_finalfn(PG_FUNCTION_ARGS)
{
	BreaksState *s = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	nous_status st;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	/* sorting keeps the multiset: the state stays valid for a window frame */
	st = nous_sort_values(s->x, (size_t) s->n);
	if (st != NOUS_OK)
		nous_report_status(st, "breaks");
	if (!s->resolved_ok || strcmp(s->resolved.spec_text, s->method) != 0)
	{
		s->resolved_ok = false;
		nous_method_resolve(FAMILY, s->method, fcinfo->flinfo->fn_mcxt, &s->resolved);
		s->resolved_ok = true;
	}
	PG_RETURN_ARRAYTYPE_P(classes_breaks_sorted(&s->resolved, s->x, s->n, s->k));
}
