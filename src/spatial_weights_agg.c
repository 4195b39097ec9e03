/*
 * spatial_weights_agg.c — the aggregate nous.weights(from_id, to_id): links
 * collected in an internal state (combine, serialize, deserialize), built
 * into a nous.weights value by the final function.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "nous.h"
#include "spatial_glue.h"

/* ---- nous.weights(from_id, to_id) aggregate ---- */

#define LINKS_STATE_VERSION 1
#define LINKS_STATE_VERSION_TEXT 2	/* text ids: the strings follow */

typedef struct LinksState
{
	int64	   *from;
	int64	   *to;
	int64		m;
	int64		mcap;
	int64	   *nodes;
	int64		nn;
	int64		ncap;
	nous_strings *strs;			/* text ids: from, to, nodes number these strings; NULL for bigint */
} LinksState;

static LinksState *
links_new(MemoryContext ctx)
{
	LinksState *s = MemoryContextAllocZero(ctx, sizeof(LinksState));

	s->mcap = s->ncap = 256;
	s->from = MemoryContextAllocHuge(ctx, sizeof(int64) * s->mcap);
	s->to = MemoryContextAllocHuge(ctx, sizeof(int64) * s->mcap);
	s->nodes = MemoryContextAllocHuge(ctx, sizeof(int64) * s->ncap);
	return s;
}

static void
links_reserve(LinksState *s, int64 more_links, int64 more_nodes)
{
	if (s->m + more_links > s->mcap)
	{
		s->mcap = nous_grow_cap(s->mcap, s->m + more_links, sizeof(int64), NOUS_GRAPH_MAX,
								"links for nous.weights");
		s->from = repalloc_huge(s->from, sizeof(int64) * s->mcap);
		s->to = repalloc_huge(s->to, sizeof(int64) * s->mcap);
	}
	nous_reserve(s->nodes, s->ncap, s->nn + more_nodes, NOUS_GRAPH_MAX, "areas for nous.weights");
}

static Datum weights_trans(FunctionCallInfo fcinfo, bool text_ids);

PG_FUNCTION_INFO_V1(nous_weights_transfn);

/* A link from_id -> to_id; to_id NULL declares an area (maybe an island). */
Datum
nous_weights_transfn(PG_FUNCTION_ARGS)
{
	return weights_trans(fcinfo, false);
}

PG_FUNCTION_INFO_V1(nous_text_weights_transfn);

/* The same with text ids (an entry point of its own, as for nous.area_values). */
Datum
nous_text_weights_transfn(PG_FUNCTION_ARGS)
{
	return weights_trans(fcinfo, true);
}

static Datum
weights_trans(FunctionCallInfo fcinfo, bool text_ids)
{
	MemoryContext aggctx;
	LinksState *s;

	aggctx = nous_agg_context(fcinfo, "nous_weights_transfn", NULL);
	s = PG_ARGISNULL(0) ? links_new(aggctx) : (LinksState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(0) && text_ids)
		s->strs = MemoryContextAllocZero(aggctx, sizeof(nous_strings));
	if (s->strs != NULL && !PG_ARGISNULL(1))
	{
		/* text ids: the strings kept, their numbers in the arrays */
		if (PG_ARGISNULL(2))
		{
			links_reserve(s, 0, 1);
			s->nodes[s->nn++] = strs_push_text(aggctx, s->strs, PG_GETARG_DATUM(1));
		}
		else
		{
			text	   *a = PG_GETARG_TEXT_PP(1),
					   *b = PG_GETARG_TEXT_PP(2);

			if (VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
				memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("area \"%s\" is its own neighbour", text_to_cstring(a)),
						 errdetail("Spatial weights have no self-links (w_ii = 0)."),
						 errhint("Remove the rows where from_id = to_id.")));
			links_reserve(s, 1, 0);
			s->from[s->m] = strs_push_text(aggctx, s->strs, PointerGetDatum(a));
			s->to[s->m++] = strs_push_text(aggctx, s->strs, PointerGetDatum(b));
		}
		PG_RETURN_POINTER(s);
	}
	if (PG_ARGISNULL(1))
	{
		if (!PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("from_id must not be NULL"),
					 errdetail("A link needs the id of the area it starts from.")));
		PG_RETURN_POINTER(s);
	}
	if (PG_ARGISNULL(2))
	{
		links_reserve(s, 0, 1);
		s->nodes[s->nn++] = PG_GETARG_INT64(1);
	}
	else
	{
		if (PG_GETARG_INT64(1) == PG_GETARG_INT64(2))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("area " INT64_FORMAT " is its own neighbour", PG_GETARG_INT64(1)),
					 errdetail("Spatial weights have no self-links (w_ii = 0)."),
					 errhint("Remove the rows where from_id = to_id.")));
		links_reserve(s, 1, 0);
		s->from[s->m] = PG_GETARG_INT64(1);
		s->to[s->m++] = PG_GETARG_INT64(2);
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_weights_combine);

Datum
nous_weights_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	LinksState *a = PG_ARGISNULL(0) ? NULL : (LinksState *) PG_GETARG_POINTER(0);
	LinksState *b = PG_ARGISNULL(1) ? NULL : (LinksState *) PG_GETARG_POINTER(1);

	aggctx = nous_agg_context(fcinfo, "nous_weights_combine", NULL);
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = links_new(aggctx);
		if (b->strs != NULL)
			a->strs = MemoryContextAllocZero(aggctx, sizeof(nous_strings));
	}
	if ((a->strs == NULL) != (b->strs == NULL))
		elog(ERROR, "nous.weights: combining states of bigint and text ids");
	links_reserve(a, b->m, b->nn);
	if (b->strs != NULL)
	{
		/* b's strings after a's: its numbers shifted */
		int64		shift = (int64) a->strs->n;

		for (size_t i = 0; i < b->strs->n; i++)
			(void) strs_push(aggctx, a->strs, b->strs->chars + b->strs->off[i],
							 b->strs->off[i + 1] - b->strs->off[i] - 1);
		for (int64 i = 0; i < b->m; i++)
		{
			a->from[a->m + i] = b->from[i] + shift;
			a->to[a->m + i] = b->to[i] + shift;
		}
		for (int64 i = 0; i < b->nn; i++)
			a->nodes[a->nn + i] = b->nodes[i] + shift;
		a->m += b->m;
		a->nn += b->nn;
		PG_RETURN_POINTER(a);
	}
	memcpy(a->from + a->m, b->from, sizeof(int64) * b->m);
	memcpy(a->to + a->m, b->to, sizeof(int64) * b->m);
	a->m += b->m;
	memcpy(a->nodes + a->nn, b->nodes, sizeof(int64) * b->nn);
	a->nn += b->nn;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_weights_serialize);

Datum
nous_weights_serialize(PG_FUNCTION_ARGS)
{
	LinksState *s = (LinksState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->strs != NULL ? LINKS_STATE_VERSION_TEXT : LINKS_STATE_VERSION);
	pq_sendint64(&buf, s->m);
	pq_sendint64(&buf, s->nn);
	for (int64 i = 0; i < s->m; i++)
	{
		pq_sendint64(&buf, s->from[i]);
		pq_sendint64(&buf, s->to[i]);
	}
	for (int64 i = 0; i < s->nn; i++)
		pq_sendint64(&buf, s->nodes[i]);
	if (s->strs != NULL)
	{
		/* the number of strings, then each with its NUL */
		pq_sendint64(&buf, (int64) s->strs->n);
		if (s->strs->n > 0)
			pq_sendbytes(&buf, s->strs->chars, (int) s->strs->off[s->strs->n]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}


PG_FUNCTION_INFO_V1(nous_weights_deserialize);

Datum
nous_weights_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	StringInfoData buf;
	LinksState *s;
	int64		m,
				nn;
	int			version;

	aggctx = nous_agg_context(fcinfo, "nous_weights_deserialize", NULL);
	spatial_state_buf(PG_GETARG_BYTEA_PP(0), &buf);
	if (buf.len < 17)
		spatial_state_corrupt("nous.weights", "The state is too short.");
	version = pq_getmsgbyte(&buf);
	if (version != LINKS_STATE_VERSION && version != LINKS_STATE_VERSION_TEXT)
		spatial_state_corrupt("nous.weights", "Unknown state version.");
	m = pq_getmsgint64(&buf);
	nn = pq_getmsgint64(&buf);
	if (m < 0 || nn < 0 || m > NOUS_GRAPH_MAX || nn > NOUS_GRAPH_MAX ||
		(version == LINKS_STATE_VERSION ? (int64) (buf.len - buf.cursor) != 16 * m + 8 * nn :
		 (int64) (buf.len - buf.cursor) < 16 * m + 8 * nn + 8))
		spatial_state_corrupt("nous.weights", "The counts do not match the length of the state.");
	s = links_new(aggctx);
	links_reserve(s, m, nn);
	for (int64 i = 0; i < m; i++)
	{
		s->from[i] = pq_getmsgint64(&buf);
		s->to[i] = pq_getmsgint64(&buf);
		if (s->from[i] == s->to[i])
			spatial_state_corrupt("nous.weights", "The state holds a self-link.");
	}
	for (int64 i = 0; i < nn; i++)
		s->nodes[i] = pq_getmsgint64(&buf);
	s->m = m;
	s->nn = nn;
	if (version == LINKS_STATE_VERSION_TEXT)
	{
		int64		ns = pq_getmsgint64(&buf);
		const char *p = buf.data + buf.cursor,
				   *end = buf.data + buf.len;

		if (ns < 0 || ns > 2 * (int64) NOUS_GRAPH_MAX + 2)
			spatial_state_corrupt("nous.weights", "The number of text ids is out of range.");
		s->strs = MemoryContextAllocZero(aggctx, sizeof(nous_strings));
		for (int64 i = 0; i < ns; i++)
		{
			const char *z = memchr(p, '\0', end - p);

			if (z == NULL)
				spatial_state_corrupt("nous.weights", "A text id is truncated.");
			(void) strs_push(aggctx, s->strs, p, z - p);
			p = z + 1;
		}
		if (p != end)
			spatial_state_corrupt("nous.weights", "Unexpected bytes at the end of the state.");
		for (int64 i = 0; i < m; i++)
			if (s->from[i] < 0 || s->from[i] >= ns || s->to[i] < 0 || s->to[i] >= ns)
				spatial_state_corrupt("nous.weights", "A link names a text id out of range.");
		for (int64 i = 0; i < nn; i++)
			if (s->nodes[i] < 0 || s->nodes[i] >= ns)
				spatial_state_corrupt("nous.weights", "An area names a text id out of range.");
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_weights_finalfn);

Datum
nous_weights_finalfn(PG_FUNCTION_ARGS)
{
	LinksState *s = PG_ARGISNULL(0) ? NULL : (LinksState *) PG_GETARG_POINTER(0);

	if (s == NULL || (s->m == 0 && s->nn == 0))
		PG_RETURN_NULL();
	if (s->strs != NULL)
		PG_RETURN_POINTER(weights_from_text_links(s->from, s->to, s->m, s->nodes, s->nn, s->strs));
	PG_RETURN_POINTER(weights_from_links(s->from, s->to, s->m, s->nodes, s->nn));
}
