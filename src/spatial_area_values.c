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

#include "catalog/pg_type.h"
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
/*
 * Text ids (nous.text_area_values, format version 1 with the flags byte 1): float8 x[n], then int32 off[n + 1]
 * and the ids, each followed by a NUL, sorted in byte order (strcmp;
 * repetitions kept): id i is chars[off[i] ..].
 */
#define AVT_X(p) ((double *) ((char *) (p) + AV_HDRSZ))
#define AVT_OFF(p, n) ((int32 *) ((char *) (p) + AV_HDRSZ + sizeof(double) * (Size) (n)))
#define AVT_CHARS(p, n) ((char *) (AVT_OFF(p, n) + (n) + 1))

typedef struct AvEO
{
	ExpandedObjectHeader hdr;
	int64	   *ids;			/* text ids: the number of the pair's string in strs */
	double	   *x;
	int64		n;
	int64		cap;
	bool		sorted;
	nous_strings *strs;			/* text ids, one string per pair; NULL for bigint ids */
} AvEO;

/* the pairs of a value, read-only: ids (bigint) or s (text) */
typedef struct AvView
{
	int64		n;
	const int64 *ids;
	const double *x;
	const char **s;				/* NULL for bigint ids */
} AvView;

static Size
av_size(int64 n)
{
	return AV_HDRSZ + (sizeof(int64) + sizeof(double)) * (Size) n;
}

static Size
avt_size(int64 n, Size nchars)
{
	return AV_HDRSZ + sizeof(double) * (Size) n + sizeof(int32) * ((Size) n + 1) + nchars;
}

static Size
av_flat_size(ExpandedObjectHeader *eohptr)
{
	AvEO	   *eo = (AvEO *) eohptr;

	if (eo->strs != NULL)
		return avt_size(eo->n, eo->n > 0 ? eo->strs->off[eo->strs->n] : 0);
	return av_size(eo->n);
}

/* sort the pairs by id (stable: repeated ids keep their order) */
static int
cmp_pair(const void *a, const void *b)
{
	int64		x = *(const int64 *) a,
				y = *(const int64 *) b;

	return (x > y) - (x < y);
}

typedef struct TextPair
{
	const char *s;
	int64		num;
	double		x;
} TextPair;

static int
cmp_text_pair(const void *a, const void *b)
{
	return strcmp(((const TextPair *) a)->s, ((const TextPair *) b)->s);
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
	if (eo->strs != NULL)
	{
		TextPair   *tp = palloc_extended(sizeof(TextPair) * (Size) eo->n, MCXT_ALLOC_HUGE);

		for (int64 i = 0; i < eo->n; i++)
		{
			tp[i].s = eo->strs->chars + eo->strs->off[eo->ids[i]];
			tp[i].num = eo->ids[i];
			tp[i].x = eo->x[i];
		}
		if (nous_sort(tp, (size_t) eo->n, sizeof(TextPair), cmp_text_pair) != NOUS_OK)
			nous_report_status(NOUS_ERR_NOMEM, "nous.text_area_values");
		for (int64 i = 0; i < eo->n; i++)
		{
			eo->ids[i] = tp[i].num;
			eo->x[i] = tp[i].x;
		}
		pfree(tp);
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

	Assert(size == av_flat_size(eohptr));
	av_sort(eo);
	memset(p, 0, AV_HDRSZ);
	SET_VARSIZE(p, size);
	memcpy(p + 8, &n, sizeof(int32));
	if (eo->strs != NULL)
	{
		int32	   *off = AVT_OFF(p, n);

		p[4] = AV_VERSION;
		p[5] = 1;
		memcpy(AVT_X(p), eo->x, sizeof(double) * (Size) n);
		off[0] = 0;
		for (int32 i = 0; i < n; i++)
		{
			Size		len = eo->strs->off[eo->ids[i] + 1] - eo->strs->off[eo->ids[i]];

			memcpy(AVT_CHARS(p, n) + off[i], eo->strs->chars + eo->strs->off[eo->ids[i]], len);
			off[i + 1] = off[i] + (int32) len;
		}
		return;
	}
	p[4] = AV_VERSION;
	memcpy(AV_IDS(p), eo->ids, sizeof(int64) * (Size) n);
	memcpy(AV_X(p, n), eo->x, sizeof(double) * (Size) n);
}

static const ExpandedObjectMethods av_methods = {av_flat_size, av_flatten};

static AvEO *
av_new(MemoryContext parent, int64 cap, bool text)
{
	AvEO	   *eo = (AvEO *) nous_eo_new(parent, "nous area values", sizeof(AvEO), &av_methods);

	eo->cap = Max(cap, 16);
	eo->ids = MemoryContextAllocHuge(eo->hdr.eoh_context, sizeof(int64) * eo->cap);
	eo->x = MemoryContextAllocHuge(eo->hdr.eoh_context, sizeof(double) * eo->cap);
	eo->sorted = true;
	if (text)
		eo->strs = MemoryContextAllocZero(eo->hdr.eoh_context, sizeof(nous_strings));
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

/* one more pair with a text id (room reserved) */
static void
av_push_text(AvEO *eo, const char *s, Size len, double x)
{
	int64		num = strs_push(eo->hdr.eoh_context, eo->strs, s, len);

	if (eo->n > 0 && strcmp(eo->strs->chars + eo->strs->off[eo->ids[eo->n - 1]],
							eo->strs->chars + eo->strs->off[num]) > 0)
		eo->sorted = false;
	eo->ids[eo->n] = num;
	eo->x[eo->n++] = x;
}

/* A flat value checked: its header, length, sorted ids, no infinite value. */
static void
av_check(const char *p, Size len, int32 *n_out)
{
	int32		n;
	int			version;

	if (len < AV_HDRSZ)
		nous_state_corrupt("nous.area_values value", "The value is truncated.");
	version = (unsigned char) p[4];
	nous_check_format_version(p[5] == 1 ? "nous.text_area_values" : "nous.area_values", version, 1, AV_VERSION);
	memcpy(&n, p + 8, sizeof(int32));
	if (p[5] == 1)
	{
		const int32 *off;
		const char *chars;

		if ( n < 0 || n > NOUS_GRAPH_MAX || len < avt_size(n, 0))
			nous_state_corrupt("nous.area_values value", "The length does not match the number of areas.");
		off = AVT_OFF(p, n);
		chars = AVT_CHARS(p, n);
		if (off[0] != 0 || off[n] < 0 || (Size) off[n] != len - avt_size(n, 0))
			nous_state_corrupt("nous.area_values value", "The string table does not match its length.");
		for (int32 i = 0; i < n; i++)
		{
			if (off[i + 1] <= off[i] || off[i + 1] > off[n] || chars[off[i + 1] - 1] != '\0' ||
				memchr(chars + off[i], '\0', off[i + 1] - off[i] - 1) != NULL)
				nous_state_corrupt("nous.area_values value", "A text id is not NUL-terminated.");
			if (i > 0 && strcmp(chars + off[i - 1], chars + off[i]) > 0)
				nous_state_corrupt("nous.area_values value", "The ids are not sorted.");
			if (isinf(AVT_X(p)[i]))
				nous_state_corrupt("nous.area_values value", "A value is infinite.");
		}
		*n_out = n;
		return;
	}
	if (p[5] != 0 || n < 0 || n > NOUS_GRAPH_MAX || len != av_size(n))
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
av_read(Datum d, AvView *v)
{
	AvEO	   *eo = (AvEO *) nous_eo_of(d, &av_methods);

	v->s = NULL;
	if (eo != NULL)
	{
		av_sort(eo);
		v->n = eo->n;
		v->ids = eo->ids;
		v->x = eo->x;
		if (eo->strs != NULL)
		{
			v->s = palloc_extended(sizeof(char *) * Max(eo->n, 1), MCXT_ALLOC_HUGE);
			for (int64 i = 0; i < eo->n; i++)
				v->s[i] = eo->strs->chars + eo->strs->off[eo->ids[i]];
		}
	}
	else
	{
		struct varlena *p = PG_DETOAST_DATUM(d);
		int32		n32;

		av_check((char *) p, VARSIZE(p), &n32);
		v->n = n32;
		if (((char *) p)[5] == 1)
		{
			v->ids = NULL;
			v->x = AVT_X(p);
			v->s = palloc_extended(sizeof(char *) * Max(n32, 1), MCXT_ALLOC_HUGE);
			for (int32 i = 0; i < n32; i++)
				v->s[i] = AVT_CHARS(p, n32) + AVT_OFF(p, n32)[i];
		}
		else
		{
			v->ids = AV_IDS(p);
			v->x = AV_X(p, n32);
		}
	}
}

/* the error of states of different id types meeting */
static void
av_mismatch(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s: values with bigint ids and values with text ids do not mix", what),
			 errdetail("nous.area_values holds bigint ids, nous.text_area_values text ids."),
			 errhint("Collect the values of every part with ids of the same type.")));
}

/*
 * A state of ours to change: argument argno itself, or a new copy of it;
 * text says whether a new empty state has text ids.
 */
static AvEO *
av_state(FunctionCallInfo fcinfo, int argno, MemoryContext aggctx, int64 more, bool text)
{
	AvEO	   *eo = (AvEO *) nous_eo_mine(fcinfo, argno, &av_methods, aggctx);

	if (eo == NULL)
	{
		AvView		v = {0, NULL, NULL, NULL};
		bool		have = text;

		if (!PG_ARGISNULL(argno))
		{
			av_read(PG_GETARG_DATUM(argno), &v);
			have = v.s != NULL;
		}
		eo = av_new(aggctx, v.n + more, have);
		if (have)
			for (int64 i = 0; i < v.n; i++)
				av_push_text(eo, v.s[i], strlen(v.s[i]), v.x[i]);
		else if (v.n > 0)
		{
			memcpy(eo->ids, v.ids, sizeof(int64) * v.n);
			memcpy(eo->x, v.x, sizeof(double) * v.n);
			eo->n = v.n;
		}
	}
	if ((eo->strs != NULL) != text && (eo->n > 0 || !PG_ARGISNULL(argno)))
		av_mismatch("nous.area_values");
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

static Datum area_values_trans(FunctionCallInfo fcinfo, bool text_ids);

PG_FUNCTION_INFO_V1(nous_area_values_transfn);

/* nous.area_values(id bigint, value): one pair more; a NULL value is kept as missing. */
Datum
nous_area_values_transfn(PG_FUNCTION_ARGS)
{
	return area_values_trans(fcinfo, false);
}

PG_FUNCTION_INFO_V1(nous_text_area_values_transfn);

/*
 * nous.area_values(id text, value).  An entry point of its own: the type of
 * the id is not read from the call's expression, which Citus's worker
 * aggregates do not carry.
 */
Datum
nous_text_area_values_transfn(PG_FUNCTION_ARGS)
{
	return area_values_trans(fcinfo, true);
}

static Datum
area_values_trans(FunctionCallInfo fcinfo, bool text_ids)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_area_values_transfn", "nous.area_values(id, value)");
	AvEO	   *eo;
	int64		id;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id must not be NULL")));
	if (text_ids)
	{
		text	   *t = PG_GETARG_TEXT_PP(1);
		double		x = NAN;

		eo = av_state(fcinfo, 0, aggctx, 1, true);
		if (!PG_ARGISNULL(2))
		{
			x = PG_GETARG_FLOAT8(2);
			if (!isfinite(x))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("value of area \"%s\" is not finite", text_to_cstring(t)),
						 errhint("Replace NaN and infinite values by NULL.")));
		}
		av_push_text(eo, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), x);
		NOUS_RETURN_EO(eo);
	}
	id = PG_GETARG_INT64(1);
	eo = av_state(fcinfo, 0, aggctx, 1, false);
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
	AvView		v;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (!AggCheckCallContext(fcinfo, &aggctx))
		aggctx = CurrentMemoryContext;	/* called from SQL: a new value */
	av_read(PG_GETARG_DATUM(1), &v);
	eo = av_state(fcinfo, 0, aggctx, v.n, v.s != NULL);
	if (v.s != NULL)
		for (int64 i = 0; i < v.n; i++)
			av_push_text(eo, v.s[i], strlen(v.s[i]), v.x[i]);
	else if (v.n > 0)
	{
		if (eo->n > 0 && v.ids[0] < eo->ids[eo->n - 1])
			eo->sorted = false;
		memcpy(eo->ids + eo->n, v.ids, sizeof(int64) * v.n);
		memcpy(eo->x + eo->n, v.x, sizeof(double) * v.n);
		eo->n += v.n;
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
	AvEO	   *eo = av_new(CurrentMemoryContext, 16, false);

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

PG_FUNCTION_INFO_V1(nous_text_area_values_in);

/* Text form with text ids {"id":value,"id":null,...}; \\" and \\\\ escape a quote and a backslash. */
Datum
nous_text_area_values_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	char	   *p = s;
	AvEO	   *eo = av_new(CurrentMemoryContext, 16, true);
	StringInfoData id;

	initStringInfo(&id);
#define SKIP() while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++
#define BAD(msg) ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
		errmsg("invalid input syntax for type nous.text_area_values: \"%s\"", s), errdetail(msg)))
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
			double		v;

			SKIP();
			if (*p++ != '"')
				BAD("Expected an area id (a quoted string).");
			resetStringInfo(&id);
			while (*p != '"')
			{
				if (*p == '\0' || (unsigned char) *p < 0x20)
					BAD("Expected an area id (a quoted string).");
				if (*p == '\\')
				{
					p++;
					if (*p != '"' && *p != '\\')
						BAD("Only \\\" and \\\\ are escapes in an id.");
				}
				appendStringInfoChar(&id, *p++);
			}
			p++;
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
				v = strtod(p, &end);
				if (end == p || !isfinite(v))
					BAD("A value is a finite number or null.");
				p = end;
			}
			av_reserve(eo, eo->n + 1);
			av_push_text(eo, id.data, id.len, v);
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
	AvView		v;
	StringInfoData buf;

	av_read(PG_GETARG_DATUM(0), &v);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int64 i = 0; i < v.n; i++)
	{
		if (v.s != NULL)
		{
			if (i > 0)
				appendStringInfoChar(&buf, ',');
			appendStringInfoChar(&buf, '"');
			for (const char *c = v.s[i]; *c; c++)
			{
				if (*c == '"' || *c == '\\')
					appendStringInfoChar(&buf, '\\');
				appendStringInfoChar(&buf, *c);
			}
			appendStringInfoString(&buf, "\":");
		}
		else
			appendStringInfo(&buf, "%s" INT64_FORMAT ":", i > 0 ? "," : "", v.ids[i]);
		if (isnan(v.x[i]))
			appendStringInfoString(&buf, "null");
		else
		{
			char		num[32];

			double_to_shortest_decimal_buf(v.x[i], num);
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
	AvView		v;
	StringInfoData buf;

	av_read(PG_GETARG_DATUM(0), &v);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, AV_VERSION);
	pq_sendint32(&buf, (int32) v.n);
	for (int64 i = 0; i < v.n; i++)
	{
		if (v.s != NULL)
		{
			/* text ids: the length, the bytes (no NUL), the value */
			int32		len = (int32) strlen(v.s[i]);

			pq_sendint32(&buf, len);
			pq_sendbytes(&buf, v.s[i], len);
		}
		else
			pq_sendint64(&buf, v.ids[i]);
		pq_sendfloat8(&buf, v.x[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_text_area_values_recv);

/* Binary input with text ids: version 1, n, then (int32 length, bytes, float8) per pair. */
Datum
nous_text_area_values_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		n;
	AvEO	   *eo;

	if (buf->len - buf->cursor < 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary nous.text_area_values value"),
				 errdetail("The binary value is too short.")));
	nous_check_format_version("nous.text_area_values", pq_getmsgbyte(buf), 1, AV_VERSION);
	n = pq_getmsgint(buf, 4);
	if (n < 0 || n > NOUS_GRAPH_MAX || (int64) (buf->len - buf->cursor) < 12 * (int64) n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary nous.text_area_values value"),
				 errdetail("The length does not match the number of areas.")));
	eo = av_new(CurrentMemoryContext, n, true);
	for (int32 i = 0; i < n; i++)
	{
		int32		len = pq_getmsgint(buf, 4);
		const char *p;
		double		x;

		if (len < 0 || len > buf->len - buf->cursor - 8)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid binary nous.text_area_values value"),
					 errdetail("A text id has an invalid length.")));
		p = pq_getmsgbytes(buf, len);
		if (memchr(p, '\0', len) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid binary nous.text_area_values value"),
					 errdetail("A text id holds a NUL byte.")));
		x = pq_getmsgfloat8(buf);
		if (isinf(x))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid binary nous.text_area_values value"),
					 errdetail("A value is infinite.")));
		av_push_text(eo, p, len, x);
	}
	pq_getmsgend(buf);
	NOUS_RETURN_EO(eo);
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
	AvView		v;

	av_read(PG_GETARG_DATUM(0), &v);
	PG_RETURN_INT64(v.n);
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
	AvView		v;
	StringInfoData o;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("weights must not be NULL")));
	if (PG_ARGISNULL(1))
		return NULL;
	s->w = weights_get(PG_GETARG_DATUM(0));
	av_read(PG_GETARG_DATUM(1), &v);
	if (WEIGHTS_IS_TEXT(s->w) != (v.s != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the weights have %s ids and the values %s ids",
						WEIGHTS_IS_TEXT(s->w) ? "text" : "bigint", v.s != NULL ? "text" : "bigint"),
				 errdetail("Text ids go with nous.text_weights and nous.text_area_values, bigint ids with nous.weights and nous.area_values."),
				 errhint("Build the weights and the values from ids of the same type.")));
	s->n = v.n;
	s->x = (double *) v.x;
	if (v.s != NULL)
	{
		/* text ids: each the index of its area in the weights (its rank) */
		s->ids = palloc_extended(sizeof(int64) * Max(v.n, 1), MCXT_ALLOC_HUGE);
		for (int64 i = 0; i < v.n; i++)
		{
			int32		k = weights_find_text(s->w, v.s[i]);

			if (k < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("area \"%s\" is not in the weights", v.s[i]),
						 errdetail("Every id must be an area of the weights."),
						 errhint("Build the weights from the same areas, or filter the rows.")));
			s->ids[i] = k;
		}
	}
	else
		s->ids = (int64 *) v.ids;
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
	if (WEIGHTS_IS_TEXT(a) != WEIGHTS_IS_TEXT(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("nous.weights_union: weights with bigint ids and weights with text ids do not mix"),
				 errdetail("nous.weights holds bigint ids, nous.text_weights text ids.")));
	if (WEIGHTS_IS_TEXT(a))
	{
		/* the strings of a then of b: the links name them by number */
		nous_strings strs = {0};
		int64		base = 0;

		from = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
		to = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
		nodes = palloc_extended(sizeof(int64) * Max((Size) a->n + b->n, 1), MCXT_ALLOC_HUGE);
		for (int pass = 0; pass < 2; pass++)
		{
			NousWeights *w = pass == 0 ? a : b;

			for (int32 i = 0; i < w->n; i++)
			{
				(void) strs_push(CurrentMemoryContext, &strs, WEIGHTS_STR(w, i), strlen(WEIGHTS_STR(w, i)));
				nodes[nn++] = base + i;
				for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
				{
					from[m] = base + i;
					to[m++] = base + WEIGHTS_COL(w)[k];
				}
			}
			base += w->n;
		}
		PG_RETURN_POINTER(weights_from_text_links(from, to, m, nodes, nn, &strs));
	}
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
