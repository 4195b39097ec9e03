/*
 * spatial_area_values.c — the storable state nous.area_values (the (id,
 * value) pairs of the areas, sorted by id; nous.text_area_values with text
 * ids) as an expanded object, with its aggregate nous.area_values(id,
 * value), its merge and nous.area_count.  The aggregate is combinable with
 * a real state type, so Citus and parallel query split it; the weights
 * never enter it.  Text and binary forms: spatial_area_values_io.c; the
 * statistics of a second step: spatial_autocorr_twostep.c.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "nous.h"
#include "spatial_area_values.h"

Size
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
	{
		/*
		 * The sort's scratch memory in the state's own context: the caller's
		 * may not support pfree (PostgreSQL 17's tuplesort flattens into a
		 * bump context).
		 */
		MemoryContext old = MemoryContextSwitchTo(eo->hdr.eoh_context);

		av_sort(eo);
		MemoryContextSwitchTo(old);
	}
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

AvEO *
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

void
av_reserve(AvEO *eo, int64 need)
{
	nous_reserve2(eo->ids, eo->x, eo->cap, need, NOUS_GRAPH_MAX, "areas in nous.area_values");
}

/* one more pair with a text id (room reserved) */
void
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
void
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
void
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

static Datum area_values_trans(FunctionCallInfo fcinfo, bool text_ids);

/* nous.area_values(id bigint, value): one pair more; a NULL value is kept as missing. */
NOUS_ENTRY(nous_area_values_transfn, area_values_trans(fcinfo, false));

/*
 * nous.area_values(id text, value).  An entry point of its own: the type of
 * the id is not read from the call's expression, which Citus's worker
 * aggregates do not carry.
 */
NOUS_ENTRY(nous_text_area_values_transfn, area_values_trans(fcinfo, true));

static Datum
area_values_trans(FunctionCallInfo fcinfo, bool text_ids)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_area_values_transfn", "nous.area_values(id, value)");
	AvEO	   *eo;
	int64		id;

	NOUS_REQUIRE_ARG(1, "id");
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
	eo->x[eo->n++] = spatial_value_arg(fcinfo, 2, id);
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

	NOUS_RETURN_STATE_IF_NULL(1);
	aggctx = nous_agg_or_current_context(fcinfo);	/* from SQL: a new value */
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

PG_FUNCTION_INFO_V1(nous_area_values_count);

/* nous.area_count(values): the pairs it holds. */
Datum
nous_area_values_count(PG_FUNCTION_ARGS)
{
	AvView		v;

	av_read(PG_GETARG_DATUM(0), &v);
	PG_RETURN_INT64(v.n);
}

