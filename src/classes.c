/*
 * classes.c — SQL glue of the classification family: the aggregate
 * nous.breaks(value, k, method), the built-in break methods registered under
 * the family (sql/60_classes.sql), nous.class_of() and the aggregate
 * nous.gvf().
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
#include "method_table.h"

#define FAMILY "classification"
#define BREAKS_STATE_VERSION 1
#define METHOD_MAXLEN 255

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

static void
check_k(int32 k)
{
	if (k < 1 || k > NOUS_BREAKS_KMAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes must be between 1 and %d", NOUS_BREAKS_KMAX),
				 errdetail("k is %d.", k)));
}

static void
check_finite(double v, const char *what)
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

static void
fisher_work_check(size_t m, int k)
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
	if (s->n + more > s->cap)
	{
		int64		cap = s->cap;

		if (is_fisher(s))
			fisher_values_check(s->n + more, s->k);
		while (cap < s->n + more)
			cap *= 2;
		/* a fisher state never allocates more than work_mem */
		if (is_fisher(s) && (double) cap * sizeof(double) > (double) work_mem * 1024.0)
			cap = Max(s->n + more, (int64) ((double) work_mem * 1024.0 / sizeof(double)));
		if ((Size) cap > MaxAllocHugeSize / sizeof(double))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many values for nous.breaks")));
		s->x = repalloc_huge(s->x, sizeof(double) * cap);
		s->cap = cap;
	}
}

static void
state_set_args(BreaksState *s, int32 k, text *method)
{
	char	   *m = text_to_cstring(method);

	check_k(k);
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

PG_FUNCTION_INFO_V1(nous_breaks_transfn);

/* nous.breaks transition: collect the non-NULL values. */
Datum
nous_breaks_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	BreaksState *s;
	double		v;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_breaks_transfn called in non-aggregate context");
	s = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("number of classes must not be NULL")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("classification method must not be NULL"),
				 errhint("Name a method, for example 'fisher'; see nous.methods.")));
	if (s == NULL)
	{
		s = state_new(aggctx);
		state_set_args(s, PG_GETARG_INT32(2), PG_GETARG_TEXT_PP(3));
	}
	else if (PG_GETARG_INT32(2) != s->k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes must be the same for every row"),
				 errdetail("It was %d, then %d.", s->k, PG_GETARG_INT32(2))));
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	v = PG_GETARG_FLOAT8(1);
	check_finite(v, "value");
	state_reserve(s, 1);
	s->x[s->n++] = v;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_breaks_transfn_fisher);

/* nous.breaks(value, k) transition: method fisher. */
Datum
nous_breaks_transfn_fisher(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	BreaksState *s;
	double		v;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_breaks_transfn_fisher called in non-aggregate context");
	s = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("number of classes must not be NULL")));
	if (s == NULL)
	{
		s = state_new(aggctx);
		state_set_args(s, PG_GETARG_INT32(2), cstring_to_text("fisher"));
	}
	else if (PG_GETARG_INT32(2) != s->k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes must be the same for every row"),
				 errdetail("It was %d, then %d.", s->k, PG_GETARG_INT32(2))));
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	v = PG_GETARG_FLOAT8(1);
	check_finite(v, "value");
	state_reserve(s, 1);
	s->x[s->n++] = v;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_breaks_combine);

/* Combine two partial states: concatenate the values. */
Datum
nous_breaks_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	BreaksState *a = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	BreaksState *b = PG_ARGISNULL(1) ? NULL : (BreaksState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_breaks_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
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
				 errmsg("number of classes and method must be the same for every row")));
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
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid nous.breaks aggregate state"),
			 errdetail("%s", detail)));
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

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_breaks_deserialize called in non-aggregate context");
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
static ArrayType *
doubles_to_array(const double *x, int64 n)
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

static void method_status(nous_status st, const char *method);
static void fisher_size_check(size_t n, int k, const char *what);

PG_FUNCTION_INFO_V1(nous_breaks_finalfn);

/* nous.breaks final: sort once, call the method with the sorted values. */
Datum
nous_breaks_finalfn(PG_FUNCTION_ARGS)
{
	BreaksState *s = PG_ARGISNULL(0) ? NULL : (BreaksState *) PG_GETARG_POINTER(0);
	ArrayType  *values;
	Datum		args[2];
	bool		nulls[2] = {false, false};
	Datum		result;
	bool		isnull;
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
	/* the built-in fisher straight on the sorted state: no copy of the values */
	if (s->resolved.builtin && s->resolved.spec.nparams == 0 &&
		strcmp(s->resolved.spec.name, "fisher") == 0)
	{
		size_t		m = nous_distinct_sorted(s->x, (size_t) s->n);
		double	   *out;
		int			nout;

		fisher_size_check(m, s->k, "distinct values");
		fisher_work_check(m, s->k);
		out = palloc(sizeof(double) * NOUS_BREAKS_MAX(s->k));
		method_status(nous_breaks_fisher(s->x, (size_t) s->n, s->k, out, &nout, NULL), "fisher");
		PG_RETURN_ARRAYTYPE_P(doubles_to_array(out, nout));
	}
	values = doubles_to_array(s->x, s->n);
	args[0] = PointerGetDatum(values);
	args[1] = Int32GetDatum(s->k);
	result = nous_method_call(&s->resolved, args, nulls, 2, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("classification method \"%s\" returned NULL", s->resolved.spec.name)));
	PG_RETURN_ARRAYTYPE_P(check_breaks_result(result, s->resolved.spec.name, s->x[s->n - 1]));
}

/* ---- the built-in methods ---- */

/*
 * The non-NULL values of a float8[] argument, finite, sorted (a copy).
 * Rejects a NULL or multidimensional array and NaN/Infinity.
 */
static double *
sorted_values_arg(FunctionCallInfo fcinfo, size_t *n)
{
	ArrayType  *a;
	double	   *x;
	size_t		m = 0;
	int			len;
	bits8	   *bitmap;
	double	   *data;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("values must not be NULL")));
	a = PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values must be a one-dimensional array")));
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "values: expected a float8 array");
	len = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	bitmap = ARR_NULLBITMAP(a);
	data = (double *) ARR_DATA_PTR(a);
	x = palloc_extended(sizeof(double) * Max(len, 1), MCXT_ALLOC_HUGE);
	for (int i = 0; i < len; i++)
	{
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		if (bitmap && !(bitmap[i / 8] & (1 << (i % 8))))
			continue;
		x[m] = *data++;
		check_finite(x[m], "value");
		m++;
	}
	if (m == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values must hold at least one non-NULL value")));
	if (nous_sort_values(x, m) != NOUS_OK)
		nous_report_status(NOUS_ERR_NOMEM, "breaks");
	*n = m;
	return x;
}

/* Arguments every built-in shares: values, k, params. */
static Jsonb *
method_args(FunctionCallInfo fcinfo, const NousBuiltin *b, double **x, size_t *n,
			int32 *k)
{
	Jsonb	   *params = NULL;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("number of classes must not be NULL")));
	*k = PG_GETARG_INT32(1);
	check_k(*k);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		params = PG_GETARG_JSONB_P(2);
	nous_builtin_check(b, params);
	*x = sorted_values_arg(fcinfo, n);
	return params;
}

static Datum
breaks_result(const double *out, int nout)
{
	return PointerGetDatum(doubles_to_array(out, nout));
}

static void
method_status(nous_status st, const char *method)
{
	if (st == NOUS_OK)
		return;
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the range of the values is too large for method \"%s\"", method)));
	nous_report_status(st, method);
}

/*
 * The family's built-ins: one descriptor each.  An apply function gets the
 * sorted finite values, k and the checked parameters, and writes the upper
 * bounds.
 */
typedef nous_status (*breaks_apply) (const NousBuiltin *b, Jsonb *params,
									 const double *x, size_t n, int k,
									 double *out, int *nout);

typedef struct BreaksBuiltin
{
	NousBuiltin d;
	breaks_apply apply;
} BreaksBuiltin;

/* the dynamic programme keeps one argmin per value and class */
static void
fisher_size_check(size_t n, int k, const char *what)
{
	if ((double) (k - 1) * (double) n > 268435456.0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many classes for natural breaks of %zu values", n),
				 errdetail("k - 1 times the number of %s must not exceed 268435456 (1 GB of working memory).", what),
				 errhint("Use fewer classes: maps rarely need more than 10.")));
}

static nous_status
apply_fisher(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
			 int k, double *out, int *nout)
{
	(void) b, (void) params;
	fisher_size_check(n, k, "values");
	fisher_work_check(nous_distinct_sorted(x, n), k);
	return nous_breaks_fisher(x, n, k, out, nout, NULL);
}

static nous_status
apply_quantile(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
			   int k, double *out, int *nout)
{
	return nous_breaks_quantile(x, n, k, (int) nous_builtin_number(b, params, "type", NULL),
								out, nout);
}

static nous_status
apply_equal(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
			int k, double *out, int *nout)
{
	(void) b, (void) params;
	return nous_breaks_equal(x, n, k, out, nout);
}

static nous_status
apply_sd(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
		 int k, double *out, int *nout)
{
	return nous_breaks_sd(x, n, k, nous_builtin_number(b, params, "width", NULL), out, nout);
}

static nous_status
apply_headtails(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
				int k, double *out, int *nout)
{
	return nous_breaks_headtails(x, n, k, nous_builtin_number(b, params, "thr", NULL),
								 out, nout);
}

static nous_status
apply_pretty(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
			 int k, double *out, int *nout)
{
	(void) b, (void) params;
	return nous_breaks_pretty(x, n, k, out, nout);
}

/* box-plot breaks: k is ignored (always 6 classes) */
static nous_status
apply_box(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
		  int k, double *out, int *nout)
{
	(void) k;
	return nous_breaks_box(x, n, nous_builtin_number(b, params, "hinge", NULL), out, nout);
}

static const BreaksBuiltin classifications[] = {
	{{"fisher", {{0}}, NAN, "nous_breaks_fisher"}, apply_fisher},
	{{"quantile", {{"type", NOUS_PARAM_INTEGER, 7, 1, 9, false, false, NULL,
					"must be an integer from 1 to 9",
					"The quantile type is an integer from 1 to 9 (Hyndman and Fan 1996); R's default is 7."}},
	NAN, "nous_breaks_quantile"}, apply_quantile},
	{{"equal", {{0}}, NAN, "nous_breaks_equal"}, apply_equal},
	{{"sd", {{"width", NOUS_PARAM_NUMBER, 1.0, 0.0, INFINITY, true, false, NULL, "must be positive", NULL}},
	NAN, "nous_breaks_sd"}, apply_sd},
	{{"headtails", {{"thr", NOUS_PARAM_NUMBER, 0.4, 0.0, 1.0, true, false, NULL, "must be in (0, 1]", NULL}},
	NAN, "nous_breaks_headtails"}, apply_headtails},
	{{"pretty", {{0}}, NAN, "nous_breaks_pretty"}, apply_pretty},
	{{"box", {{"hinge", NOUS_PARAM_NUMBER, 1.5, 0.0, INFINITY, false, false, NULL, "must not be negative", NULL}},
	NAN, "nous_breaks_box"}, apply_box},
};

const NousBuiltinTable nous_classification_table = {
	FAMILY, classifications, lengthof(classifications), sizeof(BreaksBuiltin)
};

/*
 * The SQL function of a built-in: nous.breaks_<name>(values float8[], k int4,
 * params jsonb) → float8[] of upper bounds.
 */
static Datum
breaks_builtin_sql(FunctionCallInfo fcinfo, const char *name)
{
	const NousBuiltin *b = nous_builtin_find(FAMILY, name);
	Jsonb	   *params;
	double	   *x;
	size_t		n;
	int32		k;
	double	   *out;
	int			nout;

	if (b == NULL)
		elog(ERROR, "nous: unknown built-in classification \"%s\"", name);
	params = method_args(fcinfo, b, &x, &n, &k);
	out = palloc(sizeof(double) * NOUS_BREAKS_MAX(Max(k, 6)));
	method_status(((const BreaksBuiltin *) b)->apply(b, params, x, n, k, out, &nout), b->name);
	PG_RETURN_DATUM(breaks_result(out, nout));
}

PG_FUNCTION_INFO_V1(pg_nous_breaks_fisher);
PG_FUNCTION_INFO_V1(pg_nous_breaks_quantile);
PG_FUNCTION_INFO_V1(pg_nous_breaks_equal);
PG_FUNCTION_INFO_V1(pg_nous_breaks_sd);
PG_FUNCTION_INFO_V1(pg_nous_breaks_headtails);
PG_FUNCTION_INFO_V1(pg_nous_breaks_pretty);
PG_FUNCTION_INFO_V1(pg_nous_breaks_box);

/* nous.breaks_fisher(values, k, params): Fisher's exact natural breaks */
Datum
pg_nous_breaks_fisher(PG_FUNCTION_ARGS)
{
	return breaks_builtin_sql(fcinfo, "fisher");
}

/* nous.breaks_quantile(values, k, params): quantiles of type 1..9 */
Datum
pg_nous_breaks_quantile(PG_FUNCTION_ARGS)
{
	return breaks_builtin_sql(fcinfo, "quantile");
}

/* nous.breaks_equal(values, k, params): equal intervals */
Datum
pg_nous_breaks_equal(PG_FUNCTION_ARGS)
{
	return breaks_builtin_sql(fcinfo, "equal");
}

/* nous.breaks_sd(values, k, params): standard-deviation classes */
Datum
pg_nous_breaks_sd(PG_FUNCTION_ARGS)
{
	return breaks_builtin_sql(fcinfo, "sd");
}

/* nous.breaks_headtails(values, k, params): head/tail breaks */
Datum
pg_nous_breaks_headtails(PG_FUNCTION_ARGS)
{
	return breaks_builtin_sql(fcinfo, "headtails");
}

/* nous.breaks_pretty(values, k, params): pretty breaks */
Datum
pg_nous_breaks_pretty(PG_FUNCTION_ARGS)
{
	return breaks_builtin_sql(fcinfo, "pretty");
}

/* nous.breaks_box(values, k, params): box-plot breaks, k ignored */
Datum
pg_nous_breaks_box(PG_FUNCTION_ARGS)
{
	return breaks_builtin_sql(fcinfo, "box");
}

/* ---- class_of and gvf ---- */

/* Unpack and check a breaks argument: non-empty, no NULL, finite, increasing. */
static double *
breaks_arg(ArrayType *a, int *nb)
{
	double	   *b;
	int			n;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_DIMS(a)[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("breaks must be a non-empty one-dimensional array without NULLs")));
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "breaks: expected a float8 array");
	n = ARR_DIMS(a)[0];
	b = (double *) ARR_DATA_PTR(a);
	for (int i = 0; i < n; i++)
	{
		if (isnan(b[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("breaks must not contain NaN")));
		if (i > 0 && !(b[i] > b[i - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("breaks must be strictly increasing"),
					 errdetail("Bound %d (%g) is not greater than bound %d (%g).", i + 1, b[i], i, b[i - 1])));
	}
	*nb = n;
	return b;
}

PG_FUNCTION_INFO_V1(pg_nous_class_of);

/* nous.class_of(value, breaks) → the 1-based class, value <= bound inclusive. */
Datum
pg_nous_class_of(PG_FUNCTION_ARGS)
{
	double		v = PG_GETARG_FLOAT8(0);
	int			nb;
	double	   *b = breaks_arg(PG_GETARG_ARRAYTYPE_P(1), &nb);

	if (isnan(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value must not be NaN")));
	PG_RETURN_INT32(nous_class_of(v, b, nb));
}

/*
 * nous.gvf state: a float8[] {nclasses, n_1, mean_1, m2_1, …}, a storable
 * type, modified in place during the scan.
 */
static ArrayType *
gvf_state_new(int nb)
{
	double	   *z = palloc0(sizeof(double) * (1 + 3 * nb));

	z[0] = nb;
	return doubles_to_array(z, 1 + 3 * nb);
}

static double *
gvf_state_data(ArrayType *a, int *nb)
{
	int			n;
	double	   *d;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid nous.gvf aggregate state")));
	n = ARR_DIMS(a)[0];
	d = (double *) ARR_DATA_PTR(a);
	if (n < 4 || d[0] != floor(d[0]) || d[0] < 1 || 1 + 3 * d[0] != n)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid nous.gvf aggregate state"),
				 errdetail("The state has %d elements.", n)));
	*nb = (int) d[0];
	return d;
}

PG_FUNCTION_INFO_V1(nous_gvf_transfn);

Datum
nous_gvf_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx,
				old;
	ArrayType  *state;
	double	   *d;
	int			nb,
				nbs;
	double	   *b;
	double		v;
	int			c;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "nous.gvf_transfn"),
				 errhint("Use the aggregate nous.gvf(value, breaks).")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("breaks must not be NULL")));
	b = breaks_arg(PG_GETARG_ARRAYTYPE_P(2), &nb);
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggctx);
		state = gvf_state_new(nb);
		MemoryContextSwitchTo(old);
	}
	else
		state = PG_GETARG_ARRAYTYPE_P(0);
	d = gvf_state_data(state, &nbs);
	if (nbs != nb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("breaks must be the same for every row")));
	if (PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(state);
	v = PG_GETARG_FLOAT8(1);
	check_finite(v, "value");
	c = nous_class_of(v, b, nb) - 1;
	nous_moments_add((nous_moments *) (d + 1 + 3 * c), v);
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(nous_gvf_combine);

Datum
nous_gvf_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx,
				old;
	ArrayType  *a,
			   *b;
	double	   *da,
			   *db;
	int			na,
				nb;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", "nous.gvf_combine"),
				 errhint("Use the aggregate nous.gvf(value, breaks).")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_ARRAYTYPE_P(1);
	db = gvf_state_data(b, &nb);
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggctx);
		a = (ArrayType *) PG_DETOAST_DATUM_COPY(PointerGetDatum(b));
		MemoryContextSwitchTo(old);
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	da = gvf_state_data(a, &na);
	if (na != nb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("breaks must be the same for every row")));
	for (int c = 0; c < na; c++)
		nous_moments_merge((nous_moments *) (da + 1 + 3 * c), (const nous_moments *) (db + 1 + 3 * c));
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(nous_gvf_finalfn);

Datum
nous_gvf_finalfn(PG_FUNCTION_ARGS)
{
	double	   *d;
	int			nb;
	double		g;
	double		total = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	d = gvf_state_data(PG_GETARG_ARRAYTYPE_P(0), &nb);
	for (int c = 0; c < nb; c++)
		total += d[1 + 3 * c];
	if (total == 0)
		PG_RETURN_NULL();
	g = nous_gvf((const nous_moments *) (d + 1), nb);
	if (isnan(g))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(g);
}
