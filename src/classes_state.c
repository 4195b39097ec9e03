/*
 * classes_state.c — the storable state of nous.breaks (0.2.0): the type
 * nous.breaks_state, its text and binary forms, and the transition, combine
 * and final functions of the aggregate over it, so that parallel query and
 * Citus split nous.breaks (issue 14).
 *
 * A state holds the number of classes k, the method specification and the
 * values as sorted runs (value, multiplicity) (value_runs.h): duplicates are
 * stored once, two states merge in one pass, and the final function reads
 * everything from the state.  Flat form (a varlena, double-aligned):
 *   int32 varlena header, int32 version (1), int32 k, int32 method length,
 *   int64 number of runs, the runs (2 float8 each), the method bytes.
 * Text form: version;k;{value,multiplicity,…};method — the values with the
 * shortest decimals that read back to the same doubles (whatever
 * extra_float_digits), the method last, as written, so that it may hold any
 * character.  The 0.1.0 internal state (classes.c) serves the aggregates of
 * a 0.1.0 install until ALTER EXTENSION nous UPDATE.
 */
#include "postgres.h"

#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/fmgroids.h"
#include "utils/memutils.h"

#include "nous.h"
#include "compat.h"
#include "classes.h"
#include "classes_glue.h"
#include "value_runs.h"

#define BSTATE_VERSION 1
#define BSTATE_HDR 24			/* varlena header, version, k, method length, runs */
#define TYPE_NAME "nous.breaks_state"

typedef struct BreaksEO
{
	ExpandedObjectHeader hdr;
	int32		k;
	char		method[METHOD_MAXLEN + 1];
	NousRuns	r;
} BreaksEO;

/* a state's parts, read from an expanded or a flat state */
typedef struct BreaksParts
{
	int32		k;
	const char *method;			/* not NUL-terminated: mlen bytes */
	int32		mlen;
	const double *runs;
	Size		nruns;
} BreaksParts;

static Size
bstate_bytes(Size nruns, Size mlen)
{
	if (nruns > (MaxAllocSize - BSTATE_HDR - METHOD_MAXLEN) / (2 * sizeof(double)))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("nous.breaks state too large"),
				 errdetail("A stored state holds at most %zu distinct values.",
						   (MaxAllocSize - BSTATE_HDR - METHOD_MAXLEN) / (2 * sizeof(double))),
				 errhint("Classify per territory (GROUP BY), or round the values: only distinct values are stored.")));
	return BSTATE_HDR + sizeof(double) * 2 * nruns + mlen;
}

static void
bstate_write(char *dst, Size bytes, const BreaksParts *p)
{
	int32		v = BSTATE_VERSION;
	int64		n = (int64) p->nruns;

	SET_VARSIZE(dst, bytes);
	memcpy(dst + 4, &v, 4);
	memcpy(dst + 8, &p->k, 4);
	memcpy(dst + 12, &p->mlen, 4);
	memcpy(dst + 16, &n, 8);
	if (p->nruns > 0)
		memcpy(dst + BSTATE_HDR, p->runs, sizeof(double) * 2 * p->nruns);
	memcpy(dst + BSTATE_HDR + sizeof(double) * 2 * p->nruns, p->method, p->mlen);
}

static void
eo_parts(BreaksEO *eo, BreaksParts *p)
{
	nous_runs_compact(&eo->r);
	p->k = eo->k;
	p->method = eo->method;
	p->mlen = (int32) strlen(eo->method);
	p->runs = eo->r.runs;
	p->nruns = eo->r.nruns;
}

static Size
breaks_get_flat_size(ExpandedObjectHeader *eohptr)
{
	BreaksParts p;

	eo_parts((BreaksEO *) eohptr, &p);
	return bstate_bytes(p.nruns, p.mlen);
}

static void
breaks_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	BreaksParts p;

	eo_parts((BreaksEO *) eohptr, &p);
	Assert(allocated_size == bstate_bytes(p.nruns, p.mlen));
	bstate_write(result, allocated_size, &p);
}

static const ExpandedObjectMethods breaks_methods = {
	breaks_get_flat_size,
	breaks_flatten_into
};

NOUS_NORETURN static void bstate_corrupt(const char *detail);

static void
bstate_corrupt(const char *detail)
{
	nous_state_corrupt(TYPE_NAME " value", "%s", detail);
}

/* k and method, checked as the arguments of a row are (NULL when valid) */
static const char *
parts_args_check(int32 k, const char *method, Size mlen)
{
	if (k < 1 || k > NOUS_BREAKS_KMAX)
		return "The number of classes is out of range.";
	if (mlen == 0 || mlen > METHOD_MAXLEN || memchr(method, '\0', mlen) != NULL)
		return "The method specification is empty, too long or holds a zero byte.";
	return NULL;
}

/* the parts of a flat state, checked (pointing into the state) */
static void
flat_parts(const char *d, Size len, BreaksParts *p)
{
	int32		v;
	int64		n;
	const char *why;

	if (len < BSTATE_HDR)
		bstate_corrupt("The state is too short.");
	memcpy(&v, d + 4, 4);
	memcpy(&p->k, d + 8, 4);
	memcpy(&p->mlen, d + 12, 4);
	memcpy(&n, d + 16, 8);
	if (v != BSTATE_VERSION)
		bstate_corrupt("Unknown state version (this nous reads version 1).");
	if (n < 0 || p->mlen < 0 || p->mlen > METHOD_MAXLEN ||
		(Size) n > (len - BSTATE_HDR) / (2 * sizeof(double)) ||
		len != BSTATE_HDR + sizeof(double) * 2 * (Size) n + (Size) p->mlen)
		bstate_corrupt("The sizes in the header do not match the length of the state.");
	p->nruns = (Size) n;
	p->runs = (const double *) (d + BSTATE_HDR);
	p->method = d + BSTATE_HDR + sizeof(double) * 2 * p->nruns;
	why = parts_args_check(p->k, p->method, p->mlen);
	if (why == NULL)
		why = nous_runs_check(p->runs, p->nruns, -INFINITY);
	if (why != NULL)
		bstate_corrupt(why);
}

/* the parts of any state datum (ours expanded, or flat) */
static void
datum_parts(Datum d, BreaksParts *p)
{
	BreaksEO   *eo = (BreaksEO *) nous_eo_of(d, &breaks_methods);
	struct varlena *v;

	if (eo != NULL)
	{
		eo_parts(eo, p);
		return;
	}
	v = PG_DETOAST_DATUM(d);
	flat_parts((const char *) v, VARSIZE(v), p);
}

static BreaksEO *
breaks_new(MemoryContext parent, int32 k, const char *method, Size mlen)
{
	BreaksEO   *eo = (BreaksEO *) nous_eo_new(parent, "nous breaks state",
											  sizeof(BreaksEO), &breaks_methods);

	eo->k = k;
	memcpy(eo->method, method, mlen);
	eo->method[mlen] = '\0';
	nous_runs_init(&eo->r, eo->hdr.eoh_context);
	return eo;
}

/*
 * The read-write state of a transition or combine function: ours when the
 * aggregate owns it, else a new one in the aggregate context holding a copy
 * of argument 0 (NULL when argument 0 is NULL: the caller makes one).
 */
static BreaksEO *
breaks_rw(FunctionCallInfo fcinfo, const char *fn, MemoryContext *aggctx)
{
	BreaksEO   *eo;
	BreaksParts p;

	*aggctx = nous_agg_context(fcinfo, fn, "nous.breaks(value, k, method)");
	eo = (BreaksEO *) nous_eo_mine(fcinfo, 0, &breaks_methods, *aggctx);
	if (eo != NULL || PG_ARGISNULL(0))
		return eo;
	datum_parts(PG_GETARG_DATUM(0), &p);
	eo = breaks_new(*aggctx, p.k, p.method, p.mlen);
	nous_runs_merge(&eo->r, p.runs, p.nruns);
	return eo;
}

/*
 * Exact natural breaks are the heavy method: the values the state holds stay
 * within work_mem (duplicates merged first), as the 0.1.0 state's did.
 */
static void
fisher_held_check(BreaksEO *eo)
{
	double		limit = (double) work_mem * 1024.0;

	if ((double) (eo->r.nraw + eo->r.nruns) * sizeof(double) <= limit)
		return;
	nous_runs_compact(&eo->r);
	if ((double) eo->r.nruns * sizeof(double) <= limit)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("nous.breaks with method fisher holds more values than work_mem allows"),
			 errdetail("%lld values take %.0f kB; work_mem is %d kB.",
					   (long long) eo->r.nruns, ceil(eo->r.nruns * sizeof(double) / 1024.0), work_mem),
			 errhint("Raise work_mem for this query, e.g. SET work_mem = '%ldMB' (room for the values and the working memory of as many distinct values).",
					 (long) ceil(2.0 * Max(eo->r.nruns * sizeof(double),
										   nous_fisher_bytes((size_t) eo->r.nruns, eo->k)) / (1024.0 * 1024.0)))));
}

/* (state, value, k[, method]): method NULL for nous.breaks(value, k): fisher */
static Datum
state_trans(FunctionCallInfo fcinfo, const char *fn, text *method)
{
	MemoryContext aggctx;
	BreaksEO   *eo = breaks_rw(fcinfo, fn, &aggctx);
	int32		k;
	double		v;

	NOUS_REQUIRE_ARG(2, "number of classes");
	k = PG_GETARG_INT32(2);
	if (eo == NULL)
	{
		const char *m = method ? VARDATA_ANY(method) : "fisher";
		Size		mlen = method ? VARSIZE_ANY_EXHDR(method) : strlen("fisher");

		classes_check_k(k);
		if (mlen > METHOD_MAXLEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("classification method specification is too long"),
					 errdetail("It has %d bytes; at most %d are allowed.", (int) mlen, METHOD_MAXLEN)));
		if (mlen == 0 || memchr(m, '\0', mlen) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("classification method specification must not be empty"),
					 errhint("Name a method, for example 'fisher'; see nous.methods.")));
		eo = breaks_new(aggctx, k, m, mlen);
	}
	else if (k != eo->k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes must be the same for every row"),
				 errdetail("It was %d, then %d.", eo->k, k)));
	if (!PG_ARGISNULL(1))
	{
		v = PG_GETARG_FLOAT8(1);
		classes_check_finite(v, "value");
		nous_runs_add(&eo->r, v, "values for nous.breaks");
		if (strcmp(eo->method, "fisher") == 0)
			fisher_held_check(eo);
	}
	PG_RETURN_DATUM(EOHPGetRWDatum(&eo->hdr));
}

/* nous.breaks(value, k, method): (state, value, k, method) */
NOUS_ENTRY(nous_breaks_state_trans, state_trans(fcinfo, "nous.breaks_trans", classes_method_arg(fcinfo, 3)));

/* nous.breaks(value, k): (state, value, k), method fisher */
NOUS_ENTRY(nous_breaks_state_trans_fisher, state_trans(fcinfo, "nous.breaks_trans", NULL));

PG_FUNCTION_INFO_V1(nous_breaks_state_combine);

/* (state, state): the union of the values; k and method must agree */
Datum
nous_breaks_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	BreaksEO   *eo;
	BreaksParts b;

	NOUS_RETURN_STATE_IF_NULL(1);
	eo = breaks_rw(fcinfo, "nous.breaks_merge", &aggctx);
	datum_parts(PG_GETARG_DATUM(1), &b);
	if (eo == NULL)
		eo = breaks_new(aggctx, b.k, b.method, b.mlen);
	else if (eo->k != b.k || strlen(eo->method) != (Size) b.mlen ||
			 memcmp(eo->method, b.method, b.mlen) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of classes and method must be the same for every row"),
				 errdetail("Two partial states were built with k = %d, method \"%s\" and k = %d, method \"%.*s\".",
						   eo->k, eo->method, b.k, (int) b.mlen, b.method),
				 errhint("Use constants, or group by the columns they depend on.")));
	nous_runs_compact(&eo->r);
	nous_runs_merge(&eo->r, b.runs, b.nruns);
	PG_RETURN_DATUM(EOHPGetRWDatum(&eo->hdr));
}

PG_FUNCTION_INFO_V1(nous_breaks_state_final);

/* the breaks of a state: its values expanded in order, its method called */
Datum
nous_breaks_state_final(PG_FUNCTION_ARGS)
{
	BreaksParts p;
	char		method[METHOD_MAXLEN + 1];
	double		total;
	double	   *x;
	Size		i,
				n = 0;
	NousMethodCache *cache;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	datum_parts(PG_GETARG_DATUM(0), &p);
	total = nous_runs_total(p.runs, p.nruns);
	if (total == 0.0)
		PG_RETURN_NULL();
	memcpy(method, p.method, p.mlen);
	method[p.mlen] = '\0';
	if ((Size) total > (MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for nous.breaks: %.0f", total),
				 errdetail("A classification method takes at most %d values.",
						   (int) ((MaxAllocSize - ARR_OVERHEAD_NONULLS(1)) / sizeof(double))),
				 errhint("Classify per territory (GROUP BY), or a sample of the values.")));
	x = palloc(sizeof(double) * (Size) total);
	for (i = 0; i < p.nruns; i++)
	{
		Size		m = (Size) p.runs[2 * i + 1],
					j;

		for (j = 0; j < m; j++)
			x[n++] = p.runs[2 * i];
	}
	cache = nous_method_cached(fcinfo->flinfo, sizeof(NousMethodCache), "classification",
							   method, NULL);
	PG_RETURN_ARRAYTYPE_P(classes_breaks_sorted(&cache->method, x, (int64) n, p.k));
}

/* ---- text and binary forms ---- */

PG_FUNCTION_INFO_V1(nous_breaks_state_in);

/* version;k;{value,multiplicity,…};method, checked */
Datum
nous_breaks_state_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	char	   *p = str,
			   *end,
			   *close,
			   *arr;
	long		version,
				k;
	ArrayType  *a;
	BreaksParts parts;
	Size		bytes;
	char	   *out;

	errno = 0;
	version = strtol(p, &end, 10);
	if (end == p || *end != ';' || errno != 0)
		goto bad;
	p = end + 1;
	errno = 0;
	k = strtol(p, &end, 10);
	if (end == p || *end != ';' || errno != 0 || k < INT_MIN || k > INT_MAX)
		goto bad;
	p = end + 1;
	if (*p != '{' || (close = strchr(p, '}')) == NULL || close[1] != ';')
		goto bad;
	if (version != BSTATE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%.60s\"", TYPE_NAME, str),
				 errdetail("Unknown state version %ld (this nous reads version 1).", version)));
	arr = pnstrdup(p, close - p + 1);
	/* array_in keeps a cache in flinfo: call it through a FmgrInfo */
	a = DatumGetArrayTypeP(OidInputFunctionCall(F_ARRAY_IN, arr, FLOAT8OID, -1));
	if (ARR_NDIM(a) > 1 || ARR_HASNULL(a) || (ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a)) % 2) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%.60s\"", TYPE_NAME, str),
				 errdetail("The runs must be a list of (value, multiplicity) pairs without NULL.")));
	parts.k = (int32) k;
	parts.method = close + 2;
	parts.mlen = (int32) strlen(parts.method);
	parts.runs = ARR_NDIM(a) == 0 ? NULL : (const double *) ARR_DATA_PTR(a);
	parts.nruns = ARR_NDIM(a) == 0 ? 0 : ArrayGetNItems(1, ARR_DIMS(a)) / 2;
	if (parts.mlen > METHOD_MAXLEN)
		goto bad;
	bytes = bstate_bytes(parts.nruns, parts.mlen);
	out = palloc(bytes);
	bstate_write(out, bytes, &parts);
	/* the same checks as a stored state's */
	flat_parts(out, bytes, &parts);
	PG_RETURN_POINTER(out);
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%.60s\"", TYPE_NAME, str),
			 errdetail("Expected version;k;{value,multiplicity,…};method, e.g. 1;5;{0.5,2,1.25,1};fisher.")));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(nous_breaks_state_out);

Datum
nous_breaks_state_out(PG_FUNCTION_ARGS)
{
	BreaksParts p;
	StringInfoData s;
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];
	Size		i;

	datum_parts(PG_GETARG_DATUM(0), &p);
	initStringInfo(&s);
	appendStringInfo(&s, "%d;%d;{", BSTATE_VERSION, p.k);
	for (i = 0; i < 2 * p.nruns; i++)
	{
		if (i > 0)
			appendStringInfoChar(&s, ',');
		double_to_shortest_decimal_buf(p.runs[i], buf);
		appendStringInfoString(&s, buf);
	}
	appendStringInfoString(&s, "};");
	appendBinaryStringInfo(&s, p.method, p.mlen);
	PG_RETURN_CSTRING(s.data);
}

PG_FUNCTION_INFO_V1(nous_breaks_state_send);

/* int4 version, int4 k, int4 method length, method bytes, int4 runs, float8 pairs */
Datum
nous_breaks_state_send(PG_FUNCTION_ARGS)
{
	BreaksParts p;
	StringInfoData buf;
	Size		i;

	datum_parts(PG_GETARG_DATUM(0), &p);
	if (p.nruns > (Size) PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("nous.breaks state too large to send")));
	pq_begintypsend(&buf);
	pq_sendint32(&buf, BSTATE_VERSION);
	pq_sendint32(&buf, p.k);
	pq_sendint32(&buf, p.mlen);
	pq_sendbytes(&buf, p.method, p.mlen);
	pq_sendint32(&buf, (int32) p.nruns);
	for (i = 0; i < 2 * p.nruns; i++)
		pq_sendfloat8(&buf, p.runs[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_breaks_state_recv);

Datum
nous_breaks_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	BreaksParts p;
	double	   *runs;
	int32		version,
				n,
				i;
	Size		bytes;
	char	   *out;

	version = pq_getmsgint(msg, 4);
	p.k = pq_getmsgint(msg, 4);
	p.mlen = pq_getmsgint(msg, 4);
	if (version != BSTATE_VERSION || p.mlen < 0 || p.mlen > METHOD_MAXLEN ||
		p.mlen > msg->len - msg->cursor)
		nous_bad_binary(TYPE_NAME, "Unknown version or invalid method length.");
	p.method = pq_getmsgbytes(msg, p.mlen);
	n = pq_getmsgint(msg, 4);
	if (n < 0 || (Size) (msg->len - msg->cursor) != (Size) n * 2 * sizeof(double))
		nous_bad_binary(TYPE_NAME, "The number of pairs does not match the length of the message.");
	runs = palloc(sizeof(double) * 2 * Max(n, 1));
	for (i = 0; i < 2 * n; i++)
		runs[i] = pq_getmsgfloat8(msg);
	p.runs = runs;
	p.nruns = n;
	bytes = bstate_bytes(p.nruns, p.mlen);
	out = palloc(bytes);
	bstate_write(out, bytes, &p);
	flat_parts(out, bytes, &p);
	pfree(runs);
	PG_RETURN_POINTER(out);
}
