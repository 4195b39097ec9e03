/*
 * spatial_geoms.c — the state shared by the aggregates over geometries
 * (nous.contiguity, nous.knn, nous.distance_band), the storable type
 * nous.geom_rows: ids and geometries with the neighbourhood kind and
 * parameter, kept as an expanded object while rows come; its transition,
 * combine and final steps, and the helpers of aggregate states of the
 * spatial module.  Its stored form and input/output: spatial_geoms_format.c.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "nous.h"
#include "spatial_geoms.h"

void
spatial_state_buf(bytea *b, StringInfo buf)
{
	buf->data = VARDATA_ANY(b);
	buf->len = VARSIZE_ANY_EXHDR(b);
	buf->maxlen = buf->len;
	buf->cursor = 0;
}

struct varlena *
spatial_cached_flat(SpatialCachedEO *eo)
{
	if (eo->flat == NULL)
	{
		MemoryContext tmp = AllocSetContextCreate(eo->hdr.eoh_context, "nous flat form",
												  ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(tmp);
		struct varlena *f = eo->build(eo);

		MemoryContextSwitchTo(old);
		eo->flat = MemoryContextAllocHuge(eo->hdr.eoh_context, VARSIZE(f));
		memcpy(eo->flat, f, VARSIZE(f));
		MemoryContextDelete(tmp);
	}
	return eo->flat;
}

Size
spatial_cached_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(spatial_cached_flat((SpatialCachedEO *) eohptr));
}

void
spatial_cached_flatten(ExpandedObjectHeader *eohptr, void *result, Size size)
{
	struct varlena *f = spatial_cached_flat((SpatialCachedEO *) eohptr);

	Assert(size == VARSIZE(f));
	memcpy(result, f, size);
}

/* ---- nous.contiguity(id, geom, kind) aggregate ---- */

static char
parse_kind(text *t)
{
	char	   *k = text_to_cstring(t);

	if (pg_strcasecmp(k, "queen") == 0)
		return 'q';
	if (pg_strcasecmp(k, "rook") == 0)
		return 'r';
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown contiguity kind \"%s\"", k),
			 errdetail("Use queen (at least one shared boundary point) or rook (a shared boundary segment of positive length).")));
	return 0;
}

/* ---- the state nous.geom_rows: the expanded object (its stored form: spatial_geoms_format.c) ---- */
typedef struct GeomEO
{
	SpatialCachedEO c;			/* the header; flat: the stored form */
	GeomState	s;				/* arrays in the object's context */
} GeomEO;

static struct varlena *
geo_encode(SpatialCachedEO *c)
{
	return (struct varlena *) gr_encode(&((GeomEO *) c)->s, true);
}

static const ExpandedObjectMethods geo_methods = {spatial_cached_flat_size, spatial_cached_flatten};

static GeomEO *
geo_new(MemoryContext parent, Oid geomtype, char kind, double param, bool text)
{
	GeomEO	   *eo = (GeomEO *) nous_eo_new(parent, "nous geom rows", sizeof(GeomEO), &geo_methods);
	MemoryContext ctx = eo->c.hdr.eoh_context;

	eo->c.build = geo_encode;
	eo->s.cap = 256;
	eo->s.ids = MemoryContextAllocHuge(ctx, sizeof(int64) * eo->s.cap);
	eo->s.geoms = MemoryContextAllocHuge(ctx, sizeof(Datum) * eo->s.cap);
	eo->s.geomtype = OidIsValid(geomtype) ? geomtype : spatial_geometry_type();
	eo->s.kind = kind;
	eo->s.param = param;
	if (text)
		eo->s.tids = MemoryContextAllocZero(ctx, sizeof(nous_strings));
	return eo;
}

static void
geoms_reserve(GeomState *s, int64 more)
{
	nous_reserve2(s->ids, s->geoms, s->cap, s->n + more, NOUS_GRAPH_MAX,
				  "rows for nous.contiguity, nous.knn or nous.distance_band");
}

/*
 * A copy of a geometry in ctx, always with a 4-byte header (SPI arrays want
 * plain varlenas): one allocation of the right size for either header.
 */
static Datum
copy_varlena(MemoryContext ctx, Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	Size		body = VARSIZE_ANY_EXHDR(v);
	struct varlena *c = MemoryContextAlloc(ctx, body + VARHDRSZ);

	SET_VARSIZE(c, body + VARHDRSZ);
	memcpy(VARDATA(c), VARDATA_ANY(v), body);
	return PointerGetDatum(c);
}

/*
 * The rows of state d (an object of ours or a stored value): the object's own
 * GeomState, or one decoded in ctx.
 */
GeomState *
gr_read(Datum d, MemoryContext ctx)
{
	GeomEO	   *eo = (GeomEO *) nous_eo_of(d, &geo_methods);
	bytea	   *f;
	GeomState  *s;

	if (eo != NULL)
		return &eo->s;
	f = (bytea *) PG_DETOAST_DATUM(d);
	s = MemoryContextAllocZero(ctx, sizeof(GeomState));
	gr_decode(VARDATA(f), VARSIZE(f) - VARHDRSZ, s, ctx, true);
	return s;
}

/* the rows of b appended to eo (kind, parameter and id type checked) */
static void
geo_append(GeomEO *eo, const GeomState *b)
{
	GeomState  *a = &eo->s;
	MemoryContext ctx = eo->c.hdr.eoh_context;

	if ((a->tids == NULL) != (b->tids == NULL))
		gr_ids_mismatch();
	if (a->kind != b->kind || a->param != b->param)
		gr_kind_mismatch(a->kind, a->param, b->kind, b->param);
	eo->c.flat = NULL;
	geoms_reserve(a, b->n);
	for (int64 i = 0; i < b->n; i++)
	{
		if (b->tids != NULL)
			a->ids[a->n] = strs_push(ctx, a->tids, b->tids->chars + b->tids->off[b->ids[i]],
									 b->tids->off[b->ids[i] + 1] - b->tids->off[b->ids[i]] - 1);
		else
			a->ids[a->n] = b->ids[i];
		a->geoms[a->n] = copy_varlena(ctx, b->geoms[i]);
		a->n++;
	}
}

/* the state of argument argno to change: itself, or a new object with its rows */
static GeomEO *
geo_state(FunctionCallInfo fcinfo, int argno, MemoryContext aggctx, Oid geomtype,
		  char kind, double param, bool text)
{
	GeomEO	   *eo = (GeomEO *) nous_eo_mine(fcinfo, argno, &geo_methods, aggctx);

	if (eo == NULL)
	{
		GeomState  *old = PG_ARGISNULL(argno) ? NULL : gr_read(PG_GETARG_DATUM(argno), CurrentMemoryContext);

		eo = geo_new(aggctx, geomtype, old ? old->kind : kind, old ? old->param : param,
					 old ? old->tids != NULL : text);
		if (old != NULL)
			geo_append(eo, old);
	}
	if ((eo->s.tids != NULL) != text)
		gr_ids_mismatch();
	if (eo->s.kind != kind || eo->s.param != param)
		gr_kind_mismatch(eo->s.kind, eo->s.param, kind, param);
	eo->c.flat = NULL;
	return eo;
}

Datum
geoms_trans(FunctionCallInfo fcinfo, char kind, double param, bool text_ids)
{
	MemoryContext aggctx;
	GeomEO	   *eo;
	GeomState  *s;

	aggctx = nous_agg_context(fcinfo, "nous_contiguity_transfn", NULL);
	eo = geo_state(fcinfo, 0, aggctx, get_fn_expr_argtype(fcinfo->flinfo, 2), kind, param, text_ids);
	s = &eo->s;
	NOUS_REQUIRE_ARG(1, "id");
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("geometry of area %s is NULL",
						s->tids ? psprintf("\"%s\"", TextDatumGetCString(PG_GETARG_DATUM(1))) :
						psprintf(INT64_FORMAT, PG_GETARG_INT64(1))),
				 errhint("Leave out the areas without a geometry.")));
	geoms_reserve(s, 1);
	if (s->tids != NULL)
		s->ids[s->n] = strs_push_text(eo->c.hdr.eoh_context, s->tids, PG_GETARG_DATUM(1));
	else
		s->ids[s->n] = PG_GETARG_INT64(1);
	s->geoms[s->n] = copy_varlena(eo->c.hdr.eoh_context, PG_GETARG_DATUM(2));
	s->n++;
	NOUS_RETURN_EO(&eo->c);
}

PG_FUNCTION_INFO_V1(nous_contiguity_combine);

/* The rows of both states (either may be NULL): the combine function of the builders. */
Datum
nous_contiguity_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_contiguity_combine", NULL);
	GeomState  *b;
	GeomEO	   *eo;

	NOUS_RETURN_STATE_IF_NULL(1);
	b = gr_read(PG_GETARG_DATUM(1), CurrentMemoryContext);
	eo = geo_state(fcinfo, 0, aggctx, b->geomtype, b->kind, b->param, b->tids != NULL);
	geo_append(eo, b);
	NOUS_RETURN_EO(&eo->c);
}

/*
 * The 0.1.0 state was internal, with serialize and deserialize functions;
 * the 0.1.0 script names their symbols, which stay as errors.
 */
static void
geoms_removed(const char *fn)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s was removed in nous 0.2.0", fn),
			 errdetail("The state of nous.contiguity, nous.knn and nous.distance_band is a nous.geom_rows value since 0.2.0."),
			 errhint("Run ALTER EXTENSION nous UPDATE.")));
}

PG_FUNCTION_INFO_V1(nous_contiguity_serialize);

Datum
nous_contiguity_serialize(PG_FUNCTION_ARGS)
{
	geoms_removed("nous.contiguity_serialize");
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(nous_contiguity_deserialize);

Datum
nous_contiguity_deserialize(PG_FUNCTION_ARGS)
{
	geoms_removed("nous.contiguity_deserialize");
	PG_RETURN_NULL();
}

/*
 * The rows of the final functions: a private copy (the ids become ranks for
 * text ids) of the state, NULL when there is none; an error when the ids are
 * not of the type the final function returns.
 */
GeomState *
geoms_final_state(FunctionCallInfo fcinfo, bool text_ids)
{
	GeomState  *s,
			   *c;

	if (PG_ARGISNULL(0))
		return NULL;
	s = gr_read(PG_GETARG_DATUM(0), CurrentMemoryContext);
	if ((s->tids != NULL) != text_ids)
		gr_ids_mismatch();
	c = palloc(sizeof(GeomState));
	*c = *s;
	c->ids = palloc_extended(sizeof(int64) * Max(s->n, 1), MCXT_ALLOC_HUGE);
	memcpy(c->ids, s->ids, sizeof(int64) * s->n);
	c->names = NULL;
	return c->n == 0 ? NULL : c;
}

PG_FUNCTION_INFO_V1(nous_contiguity_transfn);

Datum
nous_contiguity_transfn(PG_FUNCTION_ARGS)
{
	NOUS_REQUIRE_ARG(3, "contiguity kind");
	return geoms_trans(fcinfo, parse_kind(PG_GETARG_TEXT_PP(3)), 0, false);
}

PG_FUNCTION_INFO_V1(nous_contiguity_transfn_text);

/* nous.contiguity(id text, geom, kind): an entry point of its own per id type */
Datum
nous_contiguity_transfn_text(PG_FUNCTION_ARGS)
{
	NOUS_REQUIRE_ARG(3, "contiguity kind");
	return geoms_trans(fcinfo, parse_kind(PG_GETARG_TEXT_PP(3)), 0, true);
}

NOUS_ENTRY(nous_contiguity_transfn_queen, geoms_trans(fcinfo, 'q', 0, false));

NOUS_ENTRY(nous_contiguity_transfn_queen_text, geoms_trans(fcinfo, 'q', 0, true));


void
geoms_ranks(GeomState *s)
{
	size_t		nu = 0;

	s->names = NULL;
	if (s->tids == NULL)
		return;
	s->names = strs_ranks(s->tids, s->ids, &nu);
}

ArrayType *
geoms_prepare(GeomState *s, bool points)
{
	int32		n = (int32) s->n;
	int64	   *sorted = palloc_extended(sizeof(int64) * Max(n, 1), MCXT_ALLOC_HUGE);
	int16		typlen;
	bool		typbyval;
	char		typalign;

	geoms_ranks(s);
	memcpy(sorted, s->ids, sizeof(int64) * n);
	qsort(sorted, n, sizeof(int64), spatial_cmp_id);
	for (int32 i = 1; i < n; i++)
		if (sorted[i] == sorted[i - 1])
		{
			if (points)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("point id %s appears more than once", spatial_id_name(s->names, sorted[i]))));
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("area id %s appears more than once", spatial_id_name(s->names, sorted[i])),
					 errdetail("Each area is one row: one id and one (multi)polygon."),
					 errhint("Merge the parts of an area with ST_Union and GROUP BY id.")));
		}
	pfree(sorted);
	get_typlenbyvalalign(s->geomtype, &typlen, &typbyval, &typalign);
	return construct_array(s->geoms, n, s->geomtype, typlen, typbyval, typalign);
}

NousWeights *
geoms_weights(GeomState *s, NousWeights *w)
{
	if (s->tids == NULL)
		return w;
	return weights_attach_names(w, s->names);
}

/* ---- neighbourhoods of points: k nearest and distance band ---- */

static Datum
knn_trans(FunctionCallInfo fcinfo, bool text_ids)
{
	int32		k;

	NOUS_REQUIRE_ARG(3, "number of neighbours");
	k = PG_GETARG_INT32(3);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of neighbours must be at least 1"),
				 errdetail("k is %d.", k)));
	return geoms_trans(fcinfo, 'k', (double) k, text_ids);
}

NOUS_ENTRY(nous_knn_transfn, knn_trans(fcinfo, false));

NOUS_ENTRY(nous_knn_transfn_text, knn_trans(fcinfo, true));

static Datum
band_trans(FunctionCallInfo fcinfo, bool text_ids)
{
	double		d;

	NOUS_REQUIRE_ARG(3, "distance");
	d = PG_GETARG_FLOAT8(3);
	if (!(d > 0) || !isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("distance must be positive and finite"),
				 errdetail("The distance is %g.", d)));
	return geoms_trans(fcinfo, 'd', d, text_ids);
}

NOUS_ENTRY(nous_band_transfn, band_trans(fcinfo, false));

NOUS_ENTRY(nous_band_transfn_text, band_trans(fcinfo, true));

