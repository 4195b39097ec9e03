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

typedef struct LinksState
{
	int64	   *from;
	int64	   *to;
	int64		m;
	int64		mcap;
	int64	   *nodes;
	int64		nn;
	int64		ncap;
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

PG_FUNCTION_INFO_V1(nous_weights_transfn);

/* A link from_id -> to_id; to_id NULL declares an area (maybe an island). */
Datum
nous_weights_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	LinksState *s;

	aggctx = nous_agg_context(fcinfo, "nous_weights_transfn", NULL);
	s = PG_ARGISNULL(0) ? links_new(aggctx) : (LinksState *) PG_GETARG_POINTER(0);
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
		a = links_new(aggctx);
	links_reserve(a, b->m, b->nn);
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
	pq_sendbyte(&buf, LINKS_STATE_VERSION);
	pq_sendint64(&buf, s->m);
	pq_sendint64(&buf, s->nn);
	for (int64 i = 0; i < s->m; i++)
	{
		pq_sendint64(&buf, s->from[i]);
		pq_sendint64(&buf, s->to[i]);
	}
	for (int64 i = 0; i < s->nn; i++)
		pq_sendint64(&buf, s->nodes[i]);
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

	aggctx = nous_agg_context(fcinfo, "nous_weights_deserialize", NULL);
	spatial_state_buf(PG_GETARG_BYTEA_PP(0), &buf);
	if (buf.len < 17)
		spatial_state_corrupt("nous.weights", "The state is too short.");
	if (pq_getmsgbyte(&buf) != LINKS_STATE_VERSION)
		spatial_state_corrupt("nous.weights", "Unknown state version.");
	m = pq_getmsgint64(&buf);
	nn = pq_getmsgint64(&buf);
	if (m < 0 || nn < 0 || m > NOUS_GRAPH_MAX || nn > NOUS_GRAPH_MAX ||
		(int64) (buf.len - buf.cursor) != 16 * m + 8 * nn)
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
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_weights_finalfn);

Datum
nous_weights_finalfn(PG_FUNCTION_ARGS)
{
	LinksState *s = PG_ARGISNULL(0) ? NULL : (LinksState *) PG_GETARG_POINTER(0);

	if (s == NULL || (s->m == 0 && s->nn == 0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(weights_from_links(s->from, s->to, s->m, s->nodes, s->nn));
}
