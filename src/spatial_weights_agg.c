/*
 * spatial_weights_agg.c — the aggregate nous.weights(from_id, to_id): its
 * state is a nous.weights value (nous.text_weights for text ids), kept while
 * rows come as an expanded object holding the links, built into the sparse
 * graph when it is stored or shipped (parallel workers, Citus workers) and
 * by the final function.  The combine is the union of areas and links.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "nous.h"
#include "spatial_glue.h"

/* the links and areas collected; ids, or numbers of the strings of strs */
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

typedef struct WeightsEO
{
	SpatialCachedEO c;			/* the header; flat: the weights built */
	LinksState	l;				/* arrays in the object's context */
} WeightsEO;

static NousWeights *
links_build(LinksState *l)
{
	if (l->strs != NULL)
		return weights_from_text_links(l->from, l->to, l->m, l->nodes, l->nn, l->strs);
	return weights_from_links(l->from, l->to, l->m, l->nodes, l->nn);
}

/* the flat form, built once after the last change, kept in the object */
static struct varlena *
weo_build(SpatialCachedEO *c)
{
	return (struct varlena *) links_build(&((WeightsEO *) c)->l);
}

static const ExpandedObjectMethods weo_methods = {spatial_cached_flat_size, spatial_cached_flatten};

static WeightsEO *
weo_new(MemoryContext parent, bool text)
{
	WeightsEO  *eo = (WeightsEO *) nous_eo_new(parent, "nous weights links", sizeof(WeightsEO), &weo_methods);
	MemoryContext ctx = eo->c.hdr.eoh_context;

	eo->c.build = weo_build;
	eo->l.mcap = eo->l.ncap = 256;
	eo->l.from = MemoryContextAllocHuge(ctx, sizeof(int64) * eo->l.mcap);
	eo->l.to = MemoryContextAllocHuge(ctx, sizeof(int64) * eo->l.mcap);
	eo->l.nodes = MemoryContextAllocHuge(ctx, sizeof(int64) * eo->l.ncap);
	if (text)
		eo->l.strs = MemoryContextAllocZero(ctx, sizeof(nous_strings));
	return eo;
}

static void
links_reserve(LinksState *s, int64 more_links, int64 more_nodes)
{
	nous_reserve2(s->from, s->to, s->mcap, s->m + more_links, NOUS_GRAPH_MAX, "links for nous.weights");
	nous_reserve(s->nodes, s->ncap, s->nn + more_nodes, NOUS_GRAPH_MAX, "areas for nous.weights");
}

static void
weights_mismatch(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("nous.weights: weights with bigint ids and weights with text ids do not mix"),
			 errdetail("nous.weights holds bigint ids, nous.text_weights text ids.")));
}

/* whether the state d (ours or a flat value) has text ids */
static bool
weights_datum_is_text(Datum d)
{
	WeightsEO  *src = (WeightsEO *) nous_eo_of(d, &weo_methods);

	if (src != NULL)
		return src->l.strs != NULL;
	return WEIGHTS_IS_TEXT(weights_get(d));
}

/* the links and areas of d (ours or a flat value) added to eo: the union */
static void
weo_add(WeightsEO *eo, Datum d)
{
	MemoryContext ctx = eo->c.hdr.eoh_context;
	LinksState *a = &eo->l;
	WeightsEO  *src = (WeightsEO *) nous_eo_of(d, &weo_methods);
	NousWeights *w;
	int64		base;

	eo->c.flat = NULL;
	if (src != NULL)
	{
		LinksState *b = &src->l;

		if ((a->strs == NULL) != (b->strs == NULL))
			weights_mismatch();
		links_reserve(a, b->m, b->nn);
		/* text ids: b's strings after a's, its numbers shifted */
		base = a->strs != NULL ? (int64) a->strs->n : 0;
		if (b->strs != NULL)
			for (size_t i = 0; i < b->strs->n; i++)
				(void) strs_push(ctx, a->strs, b->strs->chars + b->strs->off[i],
								 b->strs->off[i + 1] - b->strs->off[i] - 1);
		for (int64 i = 0; i < b->m; i++)
		{
			a->from[a->m + i] = b->from[i] + base;
			a->to[a->m + i] = b->to[i] + base;
		}
		for (int64 i = 0; i < b->nn; i++)
			a->nodes[a->nn + i] = b->nodes[i] + base;
		a->m += b->m;
		a->nn += b->nn;
		return;
	}
	w = weights_get(d);
	if ((a->strs == NULL) == WEIGHTS_IS_TEXT(w))
		weights_mismatch();
	links_reserve(a, w->nnz, w->n);
	base = 0;
	if (a->strs != NULL)
	{
		base = (int64) a->strs->n;
		for (int32 i = 0; i < w->n; i++)
			(void) strs_push(ctx, a->strs, WEIGHTS_STR(w, i), strlen(WEIGHTS_STR(w, i)));
	}
	for (int32 i = 0; i < w->n; i++)
	{
		int64		id = a->strs != NULL ? base + i : WEIGHTS_IDS(w)[i];

		a->nodes[a->nn++] = id;
		for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
		{
			int32		j = WEIGHTS_COL(w)[k];

			a->from[a->m] = id;
			a->to[a->m++] = a->strs != NULL ? base + j : WEIGHTS_IDS(w)[j];
		}
	}
}

/* the state of argument argno to change: itself, or a new object with its links */
static WeightsEO *
weo_state(FunctionCallInfo fcinfo, int argno, MemoryContext aggctx, bool text)
{
	WeightsEO  *eo = (WeightsEO *) nous_eo_mine(fcinfo, argno, &weo_methods, aggctx);

	if (eo == NULL)
	{
		eo = weo_new(aggctx, text);
		if (!PG_ARGISNULL(argno))
			weo_add(eo, PG_GETARG_DATUM(argno));
	}
	else if ((eo->l.strs != NULL) != text)
		weights_mismatch();
	eo->c.flat = NULL;
	return eo;
}

static Datum weights_trans(FunctionCallInfo fcinfo, bool text_ids);

/* A link from_id -> to_id; to_id NULL declares an area (maybe an island). */
NOUS_ENTRY(nous_weights_transfn, weights_trans(fcinfo, false));

/* The same with text ids (an entry point of its own, as for nous.area_values). */
NOUS_ENTRY(nous_text_weights_transfn, weights_trans(fcinfo, true));

static Datum
weights_trans(FunctionCallInfo fcinfo, bool text_ids)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_weights_transfn", "nous.weights(from_id, to_id)");
	WeightsEO  *eo;
	LinksState *s;

	if (PG_ARGISNULL(1))
	{
		if (!PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("from_id must not be NULL"),
					 errdetail("A link needs the id of the area it starts from.")));
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	eo = weo_state(fcinfo, 0, aggctx, text_ids);
	s = &eo->l;
	if (text_ids)
	{
		/* text ids: the strings kept, their numbers in the arrays */
		MemoryContext ctx = eo->c.hdr.eoh_context;

		if (PG_ARGISNULL(2))
		{
			links_reserve(s, 0, 1);
			s->nodes[s->nn++] = strs_push_text(ctx, s->strs, PG_GETARG_DATUM(1));
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
			s->from[s->m] = strs_push_text(ctx, s->strs, PointerGetDatum(a));
			s->to[s->m++] = strs_push_text(ctx, s->strs, PointerGetDatum(b));
		}
		NOUS_RETURN_EO(&eo->c);
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
	NOUS_RETURN_EO(&eo->c);
}

PG_FUNCTION_INFO_V1(nous_weights_combine);

/* The union of two states (either may be NULL): the combine function. */
Datum
nous_weights_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_weights_combine", "nous.weights(from_id, to_id)");
	WeightsEO  *eo;

	NOUS_RETURN_STATE_IF_NULL(1);
	eo = weo_state(fcinfo, 0, aggctx,
				   weights_datum_is_text(PG_ARGISNULL(0) ? PG_GETARG_DATUM(1) : PG_GETARG_DATUM(0)));
	weo_add(eo, PG_GETARG_DATUM(1));
	NOUS_RETURN_EO(&eo->c);
}

/*
 * The internal state of 0.1.0 had serialize and deserialize functions; the
 * 0.1.0 script names their symbols, which stay as errors (no state of 0.2.0
 * is internal).
 */
static void
weights_removed(const char *fn)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s was removed in nous 0.2.0", fn),
			 errdetail("The state of nous.weights(from_id, to_id) is a nous.weights value since 0.2.0."),
			 errhint("Run ALTER EXTENSION nous UPDATE.")));
}

PG_FUNCTION_INFO_V1(nous_weights_serialize);

Datum
nous_weights_serialize(PG_FUNCTION_ARGS)
{
	weights_removed("nous.weights_serialize");
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(nous_weights_deserialize);

Datum
nous_weights_deserialize(PG_FUNCTION_ARGS)
{
	weights_removed("nous.weights_deserialize");
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(nous_weights_finalfn);

/* The weights of the state: built from the links, or the stored value itself. */
Datum
nous_weights_finalfn(PG_FUNCTION_ARGS)
{
	WeightsEO  *eo;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	eo = (WeightsEO *) nous_eo_of(PG_GETARG_DATUM(0), &weo_methods);
	if (eo != NULL)
	{
		if (eo->l.m == 0 && eo->l.nn == 0)
			PG_RETURN_NULL();
		if (eo->c.flat != NULL)
		{
			NousWeights *w = palloc_extended(VARSIZE(eo->c.flat), MCXT_ALLOC_HUGE);

			memcpy(w, eo->c.flat, VARSIZE(eo->c.flat));
			PG_RETURN_POINTER(w);
		}
		PG_RETURN_POINTER(links_build(&eo->l));
	}
	{
		NousWeights *w = weights_get(PG_GETARG_DATUM(0));
		NousWeights *c = palloc_extended(VARSIZE(w), MCXT_ALLOC_HUGE);

		memcpy(c, w, VARSIZE(w));
		PG_RETURN_POINTER(c);
	}
}
