/*
 * mix_alloc_quartile.c — the first-quartile threshold of the allocation rules
 * (CCH L441-1): the aggregate nous.first_quartile, whose state is a storable
 * float8[] of sorted values with their multiplicities (so that Citus and
 * parallel query split it), the internal state of the 0.1.0 aggregate, and
 * the array form nous.first_quartile(float8[]).
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
#include "utils/fmgroids.h"
#include "utils/memutils.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"

#include "nous.h"
#include "mix.h"
#include "mix_state.h"
#include "value_runs.h"

/*
 * ---- first-quartile threshold ----
 *
 * Since 0.2.0 the state of nous.first_quartile is a float8[] that Citus and
 * parallel query can store, send and combine (mix_alloc_quartile.c); the
 * internal state below serves the aggregates of a 0.1.0 install until
 * ALTER EXTENSION nous UPDATE (the 0.1.0 script names these symbols).
 */

typedef struct QuantState
{
	int64		n;
	int64		cap;
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
	nous_reserve(s->x, s->cap, s->n + 1, PG_INT64_MAX, "values for a quantile");
	s->x[s->n++] = v;
}

static int
quantile_kind_arg(text *t)
{
	static const nous_word kinds[] = {
		{"continuous", NOUS_Q_CONTINUOUS},
		{"discrete", NOUS_Q_DISCRETE},
		{"median_unbiased", NOUS_Q_MEDIAN_UNBIASED},
		{NULL, 0}
	};
	char	   *w = text_to_cstring(t);
	int			kind;

	if (nous_word_find(kinds, w, &kind))
		return kind;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown quantile definition \"%s\"", w),
			 errdetail("The definitions are continuous (as percentile_cont, the default), discrete (as percentile_disc) and median_unbiased (Hyndman and Fan type 8).")));
	pg_unreachable();
}

/*
 * The quantile definition of a group (-1 while unset) joined with other, of
 * a row or of another part of the group: an ERROR when both are set and
 * differ.
 */
static int
quartile_kind_merge(int kind, int other)
{
	if (kind >= 0 && other >= 0 && kind != other)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("quantile definition changes between rows")));
	return other >= 0 ? other : kind;
}

/* the quantile definition argument at argno, not NULL */
static int
quantile_kind_notnull(FunctionCallInfo fcinfo, int argno)
{
	NOUS_REQUIRE_ARG(argno, "quantile definition");
	return quantile_kind_arg(PG_GETARG_TEXT_PP(argno));
}

/*
 * The quantile definition of a row (argument 2 when the aggregate has it):
 * the definition of the group so far (-1 while unset) must not change.
 */
static int
quartile_kind_row(FunctionCallInfo fcinfo, int kind)
{
	if (PG_NARGS() <= 2)
		return kind;
	return quartile_kind_merge(kind, quantile_kind_notnull(fcinfo, 2));
}

/* an income per consumption unit, finite already, must not be negative */
static void
income_not_negative(double v)
{
	if (v < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("income per consumption unit must not be negative, got %g", v),
				 errhint("Record a deficit as 0 resources.")));
}

/* the first quartile of x[0..n) by definition kind (-1: continuous); reorders x */
static double
first_quartile_of(double *x, Size n, int kind)
{
	double		r;
	nous_status st = nous_quantile(x, n, 0.25, kind < 0 ? NOUS_Q_CONTINUOUS : kind, &r);

	if (st != NOUS_OK)
		nous_report_status(st, "first_quartile");
	return r;
}

/* the income of a row (argument 1), checked; false when NULL */
static bool
quartile_value_row(FunctionCallInfo fcinfo, double *v)
{
	if (PG_ARGISNULL(1))
		return false;
	*v = PG_GETARG_FLOAT8(1);
	if (!isfinite(*v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("income per consumption unit must be a finite number")));
	income_not_negative(*v);
	return true;
}

PG_FUNCTION_INFO_V1(nous_quartile_trans);

/* (state internal, income_uc[, quantile text]): the 0.1.0 aggregate */
Datum
nous_quartile_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_quartile_trans", NULL);
	QuantState *s = quant_state(fcinfo, aggctx);
	double		v;

	s->kind = quartile_kind_row(fcinfo, s->kind);
	if (quartile_value_row(fcinfo, &v))
		quant_push(s, v);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_quartile_combine);
Datum
nous_quartile_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_quartile_combine", NULL);
	QuantState *a, *b;
	Size		i;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(PG_ARGISNULL(0) ? NULL : PG_GETARG_POINTER(0));
	a = quant_state(fcinfo, aggctx);
	b = (QuantState *) PG_GETARG_POINTER(1);
	a->kind = quartile_kind_merge(a->kind, b->kind);
	for (i = 0; i < (Size) b->n; i++)
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
	int64		i;

	if (len < 8 || (len - 8) % sizeof(double) != 0 || p[0] != MIX_VERSION)
		nous_state_corrupt("serialized quantile state", "Expected a version-1 header and whole float8 values, got %zu bytes.", len);
	memcpy(&k, p + 4, 4);
	if (k < -1 || k > NOUS_Q_MEDIAN_UNBIASED)
		nous_state_corrupt("serialized quantile state", "Unknown quantile definition %d.", (int) k);
	s = palloc(sizeof(QuantState));
	s->n = (len - 8) / sizeof(double);
	s->cap = Max(s->n, 1);
	s->x = palloc_extended(s->cap * sizeof(double), MCXT_ALLOC_HUGE);
	s->kind = k;
	memcpy(s->x, p + 8, s->n * sizeof(double));
	for (i = 0; i < s->n; i++)
		if (!isfinite(s->x[i]) || s->x[i] < 0.0)
			nous_state_corrupt("serialized quantile state", "Value %zu is negative or not finite.", (size_t) i + 1);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_quartile_final);

/* the 25th percentile; NULL when no value (an EPCI with no pending demand) */
Datum
nous_quartile_final(PG_FUNCTION_ARGS)
{
	QuantState *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (QuantState *) PG_GETARG_POINTER(0);
	if (s->n == 0)
		PG_RETURN_NULL();
	/* selection reorders the values: harmless, the order carries no meaning */
	PG_RETURN_FLOAT8(first_quartile_of(s->x, s->n, s->kind));
}

PG_FUNCTION_INFO_V1(nous_first_quartile_array);

/* nous.first_quartile(values float8[], quantile text DEFAULT 'continuous') */
Datum
nous_first_quartile_array(PG_FUNCTION_ARGS)
{
	NousVec		v;
	double	   *x;
	int			i, m = 0, kind;

	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "values", true, &v);
	kind = quantile_kind_notnull(fcinfo, 1);
	x = palloc(sizeof(double) * Max(v.n, 1));
	for (i = 0; i < v.n; i++)
		if (v.present[i])
		{
			income_not_negative(v.x[i]);
			x[m++] = v.x[i];
		}
	if (m == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(first_quartile_of(x, m, kind));
}

/*
 * ---- the storable state of nous.first_quartile (0.2.0): nous.quantile_state ----
 *
 * Flat form, laid out as a one-dimensional float8[] without NULLs (but a
 * type of its own, so that no array function ever sees the expanded form):
 *   {version, kind, v1, m1, v2, m2, …}
 * version 1; kind the quantile definition (nous_quantile_kind, -1 while
 * unset: continuous); then the distinct values in increasing order, each with
 * its multiplicity (a whole number >= 1).  Its text form is that of the
 * float8[] with the shortest decimals that read back to the same doubles
 * (whatever extra_float_digits): a state printed by a Citus worker reads
 * back exactly.
 *
 * During a scan the state is an expanded object: incoming values are
 * appended to a raw buffer and merged into the sorted runs when the buffer
 * outgrows them, so that a row costs amortised O(log n) and duplicates are
 * stored once.  The final function reads the runs only.
 */
#define QSTATE_VERSION 1
#define QSTATE_HDR 2			/* version, kind */

typedef struct QuartileEO
{
	ExpandedObjectHeader hdr;
	int			kind;			/* -1 while unset */
	NousRuns	r;				/* the values (value_runs.h) */
} QuartileEO;

NOUS_NORETURN static void quartile_corrupt(const char *detail);

static Size
quartile_flat_bytes(Size nruns)
{
	if (nruns > (MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / (2 * sizeof(double)) - QSTATE_HDR)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("first_quartile state too large"),
				 errdetail("A stored state holds at most %zu distinct values.",
						   (MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / (2 * sizeof(double)) - QSTATE_HDR),
				 errhint("Compute the threshold per territory (GROUP BY).")));
	return ARR_OVERHEAD_NONULLS(1) + sizeof(double) * (QSTATE_HDR + 2 * nruns);
}

static Size
quartile_get_flat_size(ExpandedObjectHeader *eohptr)
{
	QuartileEO *eo = (QuartileEO *) eohptr;

	nous_runs_compact(&eo->r);
	return quartile_flat_bytes(eo->r.nruns);
}

/* write the flat state (bytes long) holding kind and runs[0..nruns) at dst */
static void
quartile_write(void *dst, Size bytes, int kind, const double *runs, Size nruns)
{
	ArrayType  *a = (ArrayType *) dst;
	double	   *d;

	memset(a, 0, ARR_OVERHEAD_NONULLS(1));
	SET_VARSIZE(a, bytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = FLOAT8OID;
	ARR_DIMS(a)[0] = (int) (QSTATE_HDR + 2 * nruns);
	ARR_LBOUND(a)[0] = 1;
	d = (double *) ARR_DATA_PTR(a);
	d[0] = QSTATE_VERSION;
	d[1] = kind;
	memcpy(d + QSTATE_HDR, runs, sizeof(double) * 2 * nruns);
}

static void
quartile_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	QuartileEO *eo = (QuartileEO *) eohptr;

	nous_runs_compact(&eo->r);
	Assert(allocated_size == quartile_flat_bytes(eo->r.nruns));
	quartile_write(result, allocated_size, eo->kind, eo->r.runs, eo->r.nruns);
}

static const ExpandedObjectMethods quartile_methods = {
	quartile_get_flat_size,
	quartile_flatten_into
};

static void
quartile_corrupt(const char *detail)
{
	nous_state_corrupt("nous.quantile_state value", "%s", detail);
}

/* a flat state, checked: its kind and its runs (pointing into a) */
static const double *
quartile_read_flat(ArrayType *a, int *kind, Size *nruns)
{
	const double *d;
	const char *why;
	Size		n;

	if (ARR_NDIM(a) != 1 || ARR_ELEMTYPE(a) != FLOAT8OID || ARR_HASNULL(a))
		quartile_corrupt("The state must be a one-dimensional array of numbers without NULL.");
	n = ARR_DIMS(a)[0];
	if (n < QSTATE_HDR || (n - QSTATE_HDR) % 2 != 0)
		quartile_corrupt("The state must hold a version, a kind and (value, multiplicity) pairs.");
	d = (const double *) ARR_DATA_PTR(a);
	if (d[0] != QSTATE_VERSION)
		quartile_corrupt("Unknown state version (this nous reads version 1).");
	if (!(d[1] == -1.0 || d[1] == NOUS_Q_CONTINUOUS || d[1] == NOUS_Q_DISCRETE ||
		  d[1] == NOUS_Q_MEDIAN_UNBIASED))
		quartile_corrupt("The kind must be -1 (unset), 0 (continuous), 1 (discrete) or 2 (median_unbiased).");
	*nruns = (n - QSTATE_HDR) / 2;
	d += QSTATE_HDR;
	why = nous_runs_check(d, *nruns, 0.0);
	if (why != NULL)
		quartile_corrupt(why);
	*kind = (int) d[-1];
	return d;
}

static QuartileEO *
quartile_new(MemoryContext parent)
{
	QuartileEO *eo = (QuartileEO *) nous_eo_new(parent, "nous first_quartile state",
												sizeof(QuartileEO), &quartile_methods);

	eo->kind = -1;
	nous_runs_init(&eo->r, eo->hdr.eoh_context);
	return eo;
}

/*
 * The runs and kind of any state datum (ours expanded, or a flat float8[]);
 * an expanded state of ours is compacted first.
 */
static const double *
quartile_read(Datum d, int *kind, Size *nruns)
{
	QuartileEO *eo = (QuartileEO *) nous_eo_of(d, &quartile_methods);

	if (eo != NULL)
	{
		nous_runs_compact(&eo->r);
		*kind = eo->kind;
		*nruns = eo->r.nruns;
		return eo->r.runs;
	}
	return quartile_read_flat((ArrayType *) PG_DETOAST_DATUM(d), kind, nruns);
}

/*
 * The read-write state of a transition or combine function: our expanded
 * object when the aggregate owns it, else a new one in the aggregate context
 * holding a copy of the datum (empty when NULL).
 */
static QuartileEO *
quartile_rw(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, fn, NULL);
	QuartileEO *eo;
	const double *runs;
	Size		n;
	int			kind;

	eo = (QuartileEO *) nous_eo_mine(fcinfo, 0, &quartile_methods, aggctx);
	if (eo != NULL)
		return eo;
	eo = quartile_new(aggctx);
	if (!PG_ARGISNULL(0))
	{
		runs = quartile_read(PG_GETARG_DATUM(0), &kind, &n);
		eo->kind = kind;
		nous_runs_merge(&eo->r, runs, n);
	}
	return eo;
}

PG_FUNCTION_INFO_V1(nous_quartile_values_trans);

/* (state float8[], income_uc[, quantile text]) */
Datum
nous_quartile_values_trans(PG_FUNCTION_ARGS)
{
	QuartileEO *eo = quartile_rw(fcinfo, "nous.first_quartile_trans");
	double		v;

	eo->kind = quartile_kind_row(fcinfo, eo->kind);
	if (quartile_value_row(fcinfo, &v))
		nous_runs_add(&eo->r, v, "values for a quantile");
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_quartile_values_combine);

/* (state, state): the union of the values, multiplicities summed */
Datum
nous_quartile_values_combine(PG_FUNCTION_ARGS)
{
	QuartileEO *eo;
	const double *runs;
	Size		n;
	int			kind;

	NOUS_RETURN_STATE_IF_NULL(1);
	eo = quartile_rw(fcinfo, "nous.first_quartile_combine");
	runs = quartile_read(PG_GETARG_DATUM(1), &kind, &n);
	eo->kind = quartile_kind_merge(eo->kind, kind);
	nous_runs_compact(&eo->r);
	nous_runs_merge(&eo->r, runs, n);
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_quartile_values_final);

/*
 * the 25th percentile of the state; NULL when it holds no value.  A state of
 * ours whose values are all still unsorted (a group of fewer than
 * 65,536 values, the common case) is read by selection, O(n), as the
 * 0.1.0 aggregate did; otherwise the sorted runs are read in one pass.
 */
Datum
nous_quartile_values_final(PG_FUNCTION_ARGS)
{
	QuartileEO *eo;
	const double *runs;
	Size		nruns;
	int			kind;
	double		r;
	nous_status st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	eo = (QuartileEO *) nous_eo_of(PG_GETARG_DATUM(0), &quartile_methods);
	if (eo != NULL && eo->r.nruns == 0)
	{
		if (eo->r.nraw == 0)
			PG_RETURN_NULL();
		/* selection reorders the raw values: harmless, their order carries no meaning */
		PG_RETURN_FLOAT8(first_quartile_of(eo->r.raw, eo->r.nraw, eo->kind));
	}
	runs = quartile_read(PG_GETARG_DATUM(0), &kind, &nruns);
	if (nruns == 0)
		PG_RETURN_NULL();
	st = nous_quantile_runs(runs, nruns, 0.25, kind < 0 ? NOUS_Q_CONTINUOUS : kind, &r);
	if (st != NOUS_OK)
		nous_report_status(st, "first_quartile");
	PG_RETURN_FLOAT8(r);
}

/* a flat state holding kind and runs[0..nruns) */
static ArrayType *
quartile_flat(int kind, const double *runs, Size nruns)
{
	Size		bytes = quartile_flat_bytes(nruns);
	ArrayType  *a = palloc(bytes);

	quartile_write(a, bytes, kind, runs, nruns);
	return a;
}

PG_FUNCTION_INFO_V1(nous_quantile_state_in);

/* text input: a float8[] literal {version, kind, value, multiplicity, …}, checked */
Datum
nous_quantile_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	ArrayType  *a;
	const double *runs;
	Size		n;
	int			kind;

	/* array_in keeps a cache in flinfo: call it through a FmgrInfo */
	a = DatumGetArrayTypeP(OidInputFunctionCall(F_ARRAY_IN, str, FLOAT8OID, -1));
	runs = quartile_read_flat(a, &kind, &n);
	PG_RETURN_POINTER(quartile_flat(kind, runs, n));
}

PG_FUNCTION_INFO_V1(nous_quantile_state_out);

/* text output: {version,kind,value,multiplicity,…}, shortest exact decimals */
Datum
nous_quantile_state_out(PG_FUNCTION_ARGS)
{
	const double *runs;
	Size		n, i;
	int			kind;
	StringInfoData s;

	runs = quartile_read(PG_GETARG_DATUM(0), &kind, &n);
	initStringInfo(&s);
	appendStringInfo(&s, "{%d,%d", QSTATE_VERSION, kind);
	for (i = 0; i < 2 * n; i++)
	{
		appendStringInfoChar(&s, ',');
		mix_append_double(&s, runs[i]);
	}
	appendStringInfoChar(&s, '}');
	PG_RETURN_CSTRING(s.data);
}

PG_FUNCTION_INFO_V1(nous_quantile_state_send);

/* binary output: int4 version, int4 kind, int4 runs, then float8 pairs */
Datum
nous_quantile_state_send(PG_FUNCTION_ARGS)
{
	const double *runs;
	Size		n, i;
	int			kind;
	StringInfoData buf;

	runs = quartile_read(PG_GETARG_DATUM(0), &kind, &n);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, QSTATE_VERSION);
	pq_sendint32(&buf, kind);
	pq_sendint32(&buf, (int32) n);
	for (i = 0; i < 2 * n; i++)
		pq_sendfloat8(&buf, runs[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_quantile_state_recv);

/* binary input, checked as the text input is */
Datum
nous_quantile_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int32		version, kind, n;
	double	   *runs;
	ArrayType  *a;
	const double *checked;
	Size		nruns;
	int			k;
	int32		i;

	version = pq_getmsgint(msg, 4);
	kind = pq_getmsgint(msg, 4);
	n = pq_getmsgint(msg, 4);
	if (version != QSTATE_VERSION)
		nous_bad_binary("nous.quantile_state", "Unknown state version (this nous reads version 1).");
	if (n < 0 || (Size) (msg->len - msg->cursor) != (Size) n * 2 * sizeof(double))
		nous_bad_binary("nous.quantile_state", "The number of pairs does not match the length of the message.");
	runs = palloc(sizeof(double) * 2 * Max(n, 1));
	for (i = 0; i < 2 * n; i++)
		runs[i] = pq_getmsgfloat8(msg);
	a = quartile_flat(kind, runs, n);
	checked = quartile_read_flat(a, &k, &nruns);
	(void) checked;
	pfree(runs);
	PG_RETURN_POINTER(a);
}
