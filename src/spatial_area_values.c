/*
 * spatial_area_values.c — the storable state nous.area_values (the (id,
 * value) pairs of the areas, sorted by id) with its aggregate
 * nous.area_values(id, value), and the statistics computed from it in a
 * second step by plain functions: nous.moran(w, values, ...), nous.geary,
 * nous.getis_ord, nous.local_moran, nous.local_g, nous.local_gstar.  The
 * aggregate is combinable with a real state type, so Citus and parallel
 * query split it; the weights never enter an aggregate.  Also the union of
 * weights values, nous.weights_union (combinable, state nous.weights).
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "nous.h"
#include "spatial_glue.h"

/*
 * The flat form: a 4-byte length word, a version byte, 3 bytes of zeros,
 * int32 n, 4 bytes of zeros (AV_HDRSZ), then int64 ids[n] sorted
 * (repetitions kept: a repeated area is an error where the values are used)
 * and float8 x[n] (NaN for a NULL value).
 */
#define AV_VERSION 1
#define AV_HDRSZ 16
#define AV_IDS(p) ((int64 *) ((char *) (p) + AV_HDRSZ))
#define AV_X(p, n) ((double *) ((char *) (p) + AV_HDRSZ + sizeof(int64) * (Size) (n)))

typedef struct AvEO
{
	ExpandedObjectHeader hdr;
	int64	   *ids;
	double	   *x;
	int64		n;
	int64		cap;
	bool		sorted;
} AvEO;

static Size
av_size(int64 n)
{
	return AV_HDRSZ + (sizeof(int64) + sizeof(double)) * (Size) n;
}

static Size
av_flat_size(ExpandedObjectHeader *eohptr)
{
	return av_size(((AvEO *) eohptr)->n);
}

/* sort the pairs by id (stable: repeated ids keep their order) */
static int
cmp_pair(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

static void
av_sort(AvEO *eo)
{
	int64	   *pairs;

	if (eo->sorted || eo->n < 2)
	{
		eo->sorted = true;
		return;
	}
	pairs = palloc_extended(sizeof(int64) * 2 * (Size) eo->n, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < eo->n; i++)
	{
		pairs[2 * i] = eo->ids[i];
		memcpy(&pairs[2 * i + 1], &eo->x[i], sizeof(double));
	}
	if (nous_sort(pairs, (size_t) eo->n, 2 * sizeof(int64), cmp_pair) != NOUS_OK)
		nous_report_status(NOUS_ERR_NOMEM, "nous.area_values");
	for (int64 i = 0; i < eo->n; i++)
	{
		eo->ids[i] = pairs[2 * i];
		memcpy(&eo->x[i], &pairs[2 * i + 1], sizeof(double));
	}
	pfree(pairs);
	eo->sorted = true;
}

static void
av_flatten(ExpandedObjectHeader *eohptr, void *result, Size size)
{
	AvEO	   *eo = (AvEO *) eohptr;
	char	   *p = result;
	int32		n = (int32) eo->n;

	Assert(size == av_size(eo->n));
	av_sort(eo);
	memset(p, 0, AV_HDRSZ);
	SET_VARSIZE(p, size);
	p[4] = AV_VERSION;
	memcpy(p + 8, &n, sizeof(int32));
	memcpy(AV_IDS(p), eo->ids, sizeof(int64) * (Size) n);
	memcpy(AV_X(p, n), eo->x, sizeof(double) * (Size) n);
}

static const ExpandedObjectMethods av_methods = {av_flat_size, av_flatten};

static AvEO *
av_new(MemoryContext parent, int64 cap)
{
	AvEO	   *eo = (AvEO *) nous_eo_new(parent, "nous area values", sizeof(AvEO), &av_methods);

	eo->cap = Max(cap, 16);
	eo->ids = MemoryContextAllocHuge(eo->hdr.eoh_context, sizeof(int64) * eo->cap);
	eo->x = MemoryContextAllocHuge(eo->hdr.eoh_context, sizeof(double) * eo->cap);
	eo->sorted = true;
	return eo;
}

static void
av_reserve(AvEO *eo, int64 need)
{
	if (need > eo->cap)
	{
		eo->cap = nous_grow_cap(eo->cap, need, sizeof(int64) + sizeof(double), NOUS_GRAPH_MAX,
								"areas in nous.area_values");
		eo->ids = repalloc_huge(eo->ids, sizeof(int64) * eo->cap);
		eo->x = repalloc_huge(eo->x, sizeof(double) * eo->cap);
	}
}

/* A flat value checked: its header, length, sorted ids, no infinite value. */
static void
av_check(const char *p, Size len, int32 *n_out)
{
	int32		n;

	if (len < AV_HDRSZ)
		nous_state_corrupt("nous.area_values value", "The value is truncated.");
	nous_check_format_version("nous.area_values", (unsigned char) p[4], 1, AV_VERSION);
	memcpy(&n, p + 8, sizeof(int32));
	if (n < 0 || n > NOUS_GRAPH_MAX || len != av_size(n))
		nous_state_corrupt("nous.area_values value", "The length does not match the number of areas.");
	for (int32 i = 1; i < n; i++)
		if (AV_IDS(p)[i] < AV_IDS(p)[i - 1])
			nous_state_corrupt("nous.area_values value", "The ids are not sorted.");
	for (int32 i = 0; i < n; i++)
		if (isinf(AV_X(p, n)[i]))
			nous_state_corrupt("nous.area_values value", "A value is infinite.");
	*n_out = n;
}

/* The pairs of d (an object of ours, or a flat value), read-only. */
static void
av_read(Datum d, int64 *n, const int64 **ids, const double **x)
{
	AvEO	   *eo = (AvEO *) nous_eo_of(d, &av_methods);

	if (eo != NULL)
	{
		av_sort(eo);
		*n = eo->n;
		*ids = eo->ids;
		*x = eo->x;
	}
	else
	{
		struct varlena *v = PG_DETOAST_DATUM(d);
		int32		n32;

		av_check((char *) v, VARSIZE(v), &n32);
		*n = n32;
		*ids = AV_IDS(v);
		*x = AV_X(v, n32);
	}
}

/* A state of ours to change: argument argno itself, or a new copy of it. */
static AvEO *
av_state(FunctionCallInfo fcinfo, int argno, MemoryContext aggctx, int64 more)
{
	AvEO	   *eo = (AvEO *) nous_eo_mine(fcinfo, argno, &av_methods, aggctx);

	if (eo == NULL)
	{
		int64		n = 0;
		const int64 *ids = NULL;
		const double *x = NULL;

		if (!PG_ARGISNULL(argno))
			av_read(PG_GETARG_DATUM(argno), &n, &ids, &x);
		eo = av_new(aggctx, n + more);
		if (n > 0)
		{
			memcpy(eo->ids, ids, sizeof(int64) * n);
			memcpy(eo->x, x, sizeof(double) * n);
		}
		eo->n = n;
	}
	av_reserve(eo, eo->n + more);
	return eo;
}

static double
value_arg(FunctionCallInfo fcinfo, int argno, int64 id)
{
	double		v;

	if (PG_ARGISNULL(argno))
		return NAN;
	v = PG_GETARG_FLOAT8(argno);
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of area " INT64_FORMAT " is not finite", id),
				 errhint("Replace NaN and infinite values by NULL.")));
	return v;
}

PG_FUNCTION_INFO_V1(nous_area_values_transfn);

/* nous.area_values(id, value): one pair more; a NULL value is kept as missing. */
Datum
nous_area_values_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_area_values_transfn", "nous.area_values(id, value)");
	AvEO	   *eo;
	int64		id;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id must not be NULL")));
	id = PG_GETARG_INT64(1);
	eo = av_state(fcinfo, 0, aggctx, 1);
	if (eo->n > 0 && id < eo->ids[eo->n - 1])
		eo->sorted = false;
	eo->ids[eo->n] = id;
	eo->x[eo->n++] = value_arg(fcinfo, 2, id);
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_area_values_combine);

/* Merge two states: the union of their pairs (combine function and SQL). */
Datum
nous_area_values_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	AvEO	   *eo;
	int64		n;
	const int64 *ids;
	const double *x;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (!AggCheckCallContext(fcinfo, &aggctx))
		aggctx = CurrentMemoryContext;	/* called from SQL: a new value */
	av_read(PG_GETARG_DATUM(1), &n, &ids, &x);
	eo = av_state(fcinfo, 0, aggctx, n);
	if (n > 0)
	{
		if (eo->n > 0 && ids[0] < eo->ids[eo->n - 1])
			eo->sorted = false;
		memcpy(eo->ids + eo->n, ids, sizeof(int64) * n);
		memcpy(eo->x + eo->n, x, sizeof(double) * n);
		eo->n += n;
	}
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_area_values_in);

/* Text form {id:value,id:null,...}; values read exactly (float8in). */
Datum
nous_area_values_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	char	   *p = s;
	AvEO	   *eo = av_new(CurrentMemoryContext, 16);

#define SKIP() while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++
#define BAD(msg) ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
		errmsg("invalid input syntax for type nous.area_values: \"%s\"", s), errdetail(msg)))
	SKIP();
	if (*p++ != '{')
		BAD("A value starts with \"{\".");
	SKIP();
	if (*p == '}')
		p++;
	else
		for (;;)
		{
			char	   *end;
			int64		id;
			double		v;

			SKIP();
			errno = 0;
			id = strtoll(p, &end, 10);
			if (end == p || errno != 0)
				BAD("Expected an area id (a bigint).");
			p = end;
			SKIP();
			if (*p++ != ':')
				BAD("Expected \":\" after an area id.");
			SKIP();
			if (pg_strncasecmp(p, "null", 4) == 0)
			{
				v = NAN;
				p += 4;
			}
			else
			{
				errno = 0;
				v = strtod(p, &end);	/* correctly rounded: the out form reads back exactly */
				if (end == p || !isfinite(v))
					BAD("A value is a finite number or null.");
				p = end;
			}
			av_reserve(eo, eo->n + 1);
			if (eo->n > 0 && id < eo->ids[eo->n - 1])
				eo->sorted = false;
			eo->ids[eo->n] = id;
			eo->x[eo->n++] = v;
			SKIP();
			if (*p == ',')
			{
				p++;
				continue;
			}
			if (*p++ != '}')
				BAD("Expected \",\" or \"}\" after a value.");
			break;
		}
	SKIP();
	if (*p != '\0')
		BAD("Unexpected characters after \"}\".");
#undef SKIP
#undef BAD
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_area_values_out);

/* {id:value,...} in id order; values in the shortest form that reads back exactly. */
Datum
nous_area_values_out(PG_FUNCTION_ARGS)
{
	int64		n;
	const int64 *ids;
	const double *x;
	StringInfoData buf;

	av_read(PG_GETARG_DATUM(0), &n, &ids, &x);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int64 i = 0; i < n; i++)
	{
		appendStringInfo(&buf, "%s" INT64_FORMAT ":", i > 0 ? "," : "", ids[i]);
		if (isnan(x[i]))
			appendStringInfoString(&buf, "null");
		else
		{
			char		num[32];

			double_to_shortest_decimal_buf(x[i], num);
			appendStringInfoString(&buf, num);
		}
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(nous_area_values_send);

Datum
nous_area_values_send(PG_FUNCTION_ARGS)
{
	int64		n;
	const int64 *ids;
	const double *x;
	StringInfoData buf;

	av_read(PG_GETARG_DATUM(0), &n, &ids, &x);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, AV_VERSION);
	pq_sendint32(&buf, (int32) n);
	for (int64 i = 0; i < n; i++)
	{
		pq_sendint64(&buf, ids[i]);
		pq_sendfloat8(&buf, x[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_area_values_recv);

Datum
nous_area_values_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		n;
	Size		size;
	char	   *p;

	if (buf->len - buf->cursor < 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary nous.area_values value"),
				 errdetail("The binary value is too short.")));
	nous_check_format_version("nous.area_values", pq_getmsgbyte(buf), 1, AV_VERSION);
	n = pq_getmsgint(buf, 4);
	if (n < 0 || n > NOUS_GRAPH_MAX || (int64) (buf->len - buf->cursor) != 16 * (int64) n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary nous.area_values value"),
				 errdetail("The length does not match the number of areas.")));
	size = av_size(n);
	p = palloc0(size);
	SET_VARSIZE(p, size);
	p[4] = AV_VERSION;
	memcpy(p + 8, &n, sizeof(int32));
	for (int32 i = 0; i < n; i++)
	{
		AV_IDS(p)[i] = pq_getmsgint64(buf);
		AV_X(p, n)[i] = pq_getmsgfloat8(buf);
	}
	av_check(p, size, &n);
	PG_RETURN_POINTER(p);
}

PG_FUNCTION_INFO_V1(nous_area_values_count);

/* nous.area_count(values): the pairs it holds. */
Datum
nous_area_values_count(PG_FUNCTION_ARGS)
{
	int64		n;
	const int64 *ids;
	const double *x;

	av_read(PG_GETARG_DATUM(0), &n, &ids, &x);
	PG_RETURN_INT64(n);
}

/* ---- the second step: statistics of (weights, values, options) ---- */

/*
 * The state the aggregates would have built: the weights, the pairs and
 * the options (argument 2) with alternative (argument 3) when given.
 */
static AcState *
two_step_state(FunctionCallInfo fcinfo)
{
	AcState    *s = palloc0(sizeof(AcState));
	int64		n;
	const int64 *ids;
	const double *x;
	StringInfoData o;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("weights must not be NULL")));
	if (PG_ARGISNULL(1))
		return NULL;
	s->w = weights_get(PG_GETARG_DATUM(0));
	av_read(PG_GETARG_DATUM(1), &n, &ids, &x);
	s->n = n;
	s->ids = (int64 *) ids;
	s->x = (double *) x;
	initStringInfo(&o);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		appendStringInfoString(&o, text_to_cstring(PG_GETARG_TEXT_PP(2)));
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		char	   *a = text_to_cstring(PG_GETARG_TEXT_PP(3));

		(void) ac_parse_alternative(a); /* its own message for a bad value */
		appendStringInfo(&o, "%salternative=%s", o.len > 0 ? ", " : "", a);
	}
	if (o.len > AC_OPTS_MAXLEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options are too long")));
	strlcpy(s->opts, o.data, sizeof(s->opts));
	return s;
}

PG_FUNCTION_INFO_V1(nous_moran_values);
Datum
nous_moran_values(PG_FUNCTION_ARGS)
{
	return ac_global_result(fcinfo, two_step_state(fcinfo), NOUS_MORAN);
}

PG_FUNCTION_INFO_V1(nous_geary_values);
Datum
nous_geary_values(PG_FUNCTION_ARGS)
{
	return ac_global_result(fcinfo, two_step_state(fcinfo), NOUS_GEARY);
}

PG_FUNCTION_INFO_V1(nous_getis_ord_values);
Datum
nous_getis_ord_values(PG_FUNCTION_ARGS)
{
	return ac_global_result(fcinfo, two_step_state(fcinfo), NOUS_GETIS_ORD);
}

PG_FUNCTION_INFO_V1(nous_local_moran_values);
Datum
nous_local_moran_values(PG_FUNCTION_ARGS)
{
	return ac_local_moran_result(fcinfo, two_step_state(fcinfo));
}

PG_FUNCTION_INFO_V1(nous_local_g_values);
Datum
nous_local_g_values(PG_FUNCTION_ARGS)
{
	return ac_local_g_result(fcinfo, two_step_state(fcinfo), false);
}

PG_FUNCTION_INFO_V1(nous_local_gstar_values);
Datum
nous_local_gstar_values(PG_FUNCTION_ARGS)
{
	return ac_local_g_result(fcinfo, two_step_state(fcinfo), true);
}

/* ---- weights as a combinable state: the union ---- */

PG_FUNCTION_INFO_V1(nous_weights_union2);

/*
 * nous.weights_union(a, b): the areas and links of both (transition and
 * combine function of the aggregate nous.weights_union(w)).
 */
Datum
nous_weights_union2(PG_FUNCTION_ARGS)
{
	NousWeights *a,
			   *b;
	int64	   *from,
			   *to,
			   *nodes;
	size_t		m = 0,
				nn = 0;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	a = weights_get(PG_GETARG_DATUM(0));
	b = weights_get(PG_GETARG_DATUM(1));
	from = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
	to = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
	nodes = palloc_extended(sizeof(int64) * Max((Size) a->n + b->n, 1), MCXT_ALLOC_HUGE);
	for (int pass = 0; pass < 2; pass++)
	{
		NousWeights *w = pass == 0 ? a : b;

		for (int32 i = 0; i < w->n; i++)
		{
			nodes[nn++] = WEIGHTS_IDS(w)[i];
			for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
			{
				from[m] = WEIGHTS_IDS(w)[i];
				to[m++] = WEIGHTS_IDS(w)[WEIGHTS_COL(w)[k]];
			}
		}
	}
	PG_RETURN_POINTER(weights_from_links(from, to, m, nodes, nn));
}
