/*
 * spatial_geoms.c — the state shared by the aggregates over geometries
 * (nous.contiguity, nous.knn, nous.distance_band): ids and detoasted
 * geometries, with the transition, combine, serialize and deserialize
 * functions, and the helpers of aggregate states of the spatial module.
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

void
spatial_state_corrupt(const char *agg, const char *detail)
{
	nous_state_corrupt(psprintf("%s aggregate state", agg), "%s", detail);
}

void
spatial_state_buf(bytea *b, StringInfo buf)
{
	buf->data = VARDATA_ANY(b);
	buf->len = VARSIZE_ANY_EXHDR(b);
	buf->maxlen = buf->len;
	buf->cursor = 0;
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

static GeomState *
geoms_new(MemoryContext ctx, Oid geomtype, char kind)
{
	GeomState  *s = MemoryContextAllocZero(ctx, sizeof(GeomState));

	s->cap = 256;
	s->ids = MemoryContextAllocHuge(ctx, sizeof(int64) * s->cap);
	s->geoms = MemoryContextAllocHuge(ctx, sizeof(Datum) * s->cap);
	s->geomtype = geomtype;
	s->kind = kind;
	return s;
}

static void
geoms_reserve(GeomState *s, int64 more)
{
	if (s->n + more > s->cap)
	{
		s->cap = nous_grow_cap(s->cap, s->n + more, sizeof(Datum) + sizeof(int64), NOUS_GRAPH_MAX,
							   "polygons for nous.contiguity");
		s->ids = repalloc_huge(s->ids, sizeof(int64) * s->cap);
		s->geoms = repalloc_huge(s->geoms, sizeof(Datum) * s->cap);
	}
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

Datum
geoms_trans(FunctionCallInfo fcinfo, char kind, double param, bool text_ids)
{
	MemoryContext aggctx;
	GeomState  *s;

	aggctx = nous_agg_context(fcinfo, "nous_contiguity_transfn", NULL);
	s = PG_ARGISNULL(0) ? NULL : (GeomState *) PG_GETARG_POINTER(0);
	if (s == NULL)
	{
		s = geoms_new(aggctx, get_fn_expr_argtype(fcinfo->flinfo, 2), kind);
		s->param = param;
		if (text_ids)
			s->tids = MemoryContextAllocZero(aggctx, sizeof(nous_strings));
	}
	else if (s->kind != kind || s->param != param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neighbourhood kind and parameter must be the same for every row")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id must not be NULL")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("geometry of area %s is NULL",
						s->tids ? psprintf("\"%s\"", TextDatumGetCString(PG_GETARG_DATUM(1))) :
						psprintf(INT64_FORMAT, PG_GETARG_INT64(1))),
				 errhint("Leave out the areas without a geometry.")));
	geoms_reserve(s, 1);
	if (s->tids != NULL)
		s->ids[s->n] = strs_push_text(aggctx, s->tids, PG_GETARG_DATUM(1));
	else
		s->ids[s->n] = PG_GETARG_INT64(1);
	s->geoms[s->n] = copy_varlena(aggctx, PG_GETARG_DATUM(2));
	s->n++;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_contiguity_transfn);

Datum
nous_contiguity_transfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("contiguity kind must not be NULL")));
	return geoms_trans(fcinfo, parse_kind(PG_GETARG_TEXT_PP(3)), 0, false);
}

PG_FUNCTION_INFO_V1(nous_contiguity_transfn_text);

/* nous.contiguity(id text, geom, kind): an entry point of its own per id type */
Datum
nous_contiguity_transfn_text(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("contiguity kind must not be NULL")));
	return geoms_trans(fcinfo, parse_kind(PG_GETARG_TEXT_PP(3)), 0, true);
}

PG_FUNCTION_INFO_V1(nous_contiguity_transfn_queen);

Datum
nous_contiguity_transfn_queen(PG_FUNCTION_ARGS)
{
	return geoms_trans(fcinfo, 'q', 0, false);
}

PG_FUNCTION_INFO_V1(nous_contiguity_transfn_queen_text);

Datum
nous_contiguity_transfn_queen_text(PG_FUNCTION_ARGS)
{
	return geoms_trans(fcinfo, 'q', 0, true);
}

PG_FUNCTION_INFO_V1(nous_contiguity_combine);

Datum
nous_contiguity_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	GeomState  *a = PG_ARGISNULL(0) ? NULL : (GeomState *) PG_GETARG_POINTER(0);
	GeomState  *b = PG_ARGISNULL(1) ? NULL : (GeomState *) PG_GETARG_POINTER(1);

	aggctx = nous_agg_context(fcinfo, "nous_contiguity_combine", NULL);
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = geoms_new(aggctx, b->geomtype, b->kind);
		a->param = b->param;
		if (b->tids != NULL)
			a->tids = MemoryContextAllocZero(aggctx, sizeof(nous_strings));
	}
	if ((a->tids == NULL) != (b->tids == NULL))
		elog(ERROR, "nous.contiguity: combining states of bigint and text ids");
	else if (a->kind != b->kind || a->param != b->param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neighbourhood kind and parameter must be the same for every row")));
	geoms_reserve(a, b->n);
	for (int64 i = 0; i < b->n; i++)
	{
		if (b->tids != NULL)
			a->ids[a->n] = strs_push(aggctx, a->tids, b->tids->chars + b->tids->off[i],
									 b->tids->off[i + 1] - b->tids->off[i] - 1);
		else
			a->ids[a->n] = b->ids[i];
		a->geoms[a->n] = copy_varlena(aggctx, b->geoms[i]);
		a->n++;
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_contiguity_serialize);

Datum
nous_contiguity_serialize(PG_FUNCTION_ARGS)
{
	GeomState  *s = (GeomState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->tids != NULL ? GEOM_STATE_VERSION_TEXT : GEOM_STATE_VERSION);
	pq_sendbyte(&buf, s->kind);
	pq_sendfloat8(&buf, s->param);
	pq_sendint32(&buf, s->geomtype);
	pq_sendint64(&buf, s->n);
	for (int64 i = 0; i < s->n; i++)
	{
		Size		sz = VARSIZE(DatumGetPointer(s->geoms[i]));

		if (s->tids != NULL)
		{
			/* the id's length in place of the id, then its bytes */
			int32		len = (int32) (s->tids->off[i + 1] - s->tids->off[i] - 1);

			pq_sendint64(&buf, len);
			pq_sendbytes(&buf, s->tids->chars + s->tids->off[i], len);
		}
		else
			pq_sendint64(&buf, s->ids[i]);
		pq_sendint32(&buf, (int32) sz);
		pq_sendbytes(&buf, DatumGetPointer(s->geoms[i]), sz);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_contiguity_deserialize);

Datum
nous_contiguity_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	StringInfoData buf;
	GeomState  *s;
	int64		n;
	char		kind;
	Oid			geomtype;
	double		param;
	int			version;

	aggctx = nous_agg_context(fcinfo, "nous_contiguity_deserialize", NULL);
	spatial_state_buf(PG_GETARG_BYTEA_PP(0), &buf);
	if (buf.len < 14)
		spatial_state_corrupt("nous.contiguity", "The state is too short.");
	version = pq_getmsgbyte(&buf);
	if (version != GEOM_STATE_VERSION && version != GEOM_STATE_VERSION_TEXT)
		spatial_state_corrupt("nous.contiguity", "Unknown state version.");
	kind = pq_getmsgbyte(&buf);
	if (kind != 'q' && kind != 'r' && kind != 'k' && kind != 'd')
		spatial_state_corrupt("nous.contiguity", "Unknown contiguity kind.");
	if (buf.len - buf.cursor < 8 + 12)
		spatial_state_corrupt("nous.contiguity", "The state is too short.");
	param = pq_getmsgfloat8(&buf);
	if (!isfinite(param) || param < 0)
		spatial_state_corrupt("nous.contiguity", "Invalid neighbourhood parameter.");
	geomtype = pq_getmsgint(&buf, 4);
	n = pq_getmsgint64(&buf);
	if (n < 0 || n > NOUS_GRAPH_MAX || n > (buf.len - buf.cursor) / 12)
		spatial_state_corrupt("nous.contiguity", "The number of polygons does not match the length of the state.");
	s = geoms_new(aggctx, geomtype, kind);
	s->param = param;
	if (version == GEOM_STATE_VERSION_TEXT)
		s->tids = MemoryContextAllocZero(aggctx, sizeof(nous_strings));
	geoms_reserve(s, n);
	for (int64 i = 0; i < n; i++)
	{
		int32		sz;
		struct varlena *v;

		if (buf.len - buf.cursor < 12)
			spatial_state_corrupt("nous.contiguity", "The state is truncated.");
		s->ids[i] = pq_getmsgint64(&buf);
		if (s->tids != NULL)
		{
			int64		len = s->ids[i];

			if (len < 0 || len > buf.len - buf.cursor - 4)
				spatial_state_corrupt("nous.contiguity", "A text id has an invalid length.");
			if (memchr(buf.data + buf.cursor, '\0', len) != NULL)
				spatial_state_corrupt("nous.contiguity", "A text id holds a NUL byte.");
			s->ids[i] = strs_push(aggctx, s->tids, pq_getmsgbytes(&buf, (int) len), (Size) len);
		}
		sz = pq_getmsgint(&buf, 4);
		if (sz < (int32) VARHDRSZ + 8 || sz > buf.len - buf.cursor)
			spatial_state_corrupt("nous.contiguity", "A geometry has an invalid length.");
		v = MemoryContextAlloc(aggctx, sz);
		memcpy(v, pq_getmsgbytes(&buf, sz), sz);
		if (VARATT_IS_SHORT(v) || VARATT_IS_EXTENDED(v) || VARSIZE(v) != (Size) sz)
			spatial_state_corrupt("nous.contiguity", "A geometry has an inconsistent header.");
		s->geoms[i] = PointerGetDatum(v);
	}
	if (buf.cursor != buf.len)
		spatial_state_corrupt("nous.contiguity", "Unexpected bytes at the end of the state.");
	s->n = n;
	PG_RETURN_POINTER(s);
}


void
geoms_ranks(GeomState *s)
{
	size_t		nu = 0;

	s->names = NULL;
	if (s->tids == NULL)
		return;
	s->names = strs_ranks(s->tids, s->ids, &nu);
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

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("number of neighbours must not be NULL")));
	k = PG_GETARG_INT32(3);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of neighbours must be at least 1"),
				 errdetail("k is %d.", k)));
	return geoms_trans(fcinfo, 'k', (double) k, text_ids);
}

PG_FUNCTION_INFO_V1(nous_knn_transfn);

Datum
nous_knn_transfn(PG_FUNCTION_ARGS)
{
	return knn_trans(fcinfo, false);
}

PG_FUNCTION_INFO_V1(nous_knn_transfn_text);

Datum
nous_knn_transfn_text(PG_FUNCTION_ARGS)
{
	return knn_trans(fcinfo, true);
}

static Datum
band_trans(FunctionCallInfo fcinfo, bool text_ids)
{
	double		d;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("distance must not be NULL")));
	d = PG_GETARG_FLOAT8(3);
	if (!(d > 0) || !isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("distance must be positive and finite"),
				 errdetail("The distance is %g.", d)));
	return geoms_trans(fcinfo, 'd', d, text_ids);
}

PG_FUNCTION_INFO_V1(nous_band_transfn);

Datum
nous_band_transfn(PG_FUNCTION_ARGS)
{
	return band_trans(fcinfo, false);
}

PG_FUNCTION_INFO_V1(nous_band_transfn_text);

Datum
nous_band_transfn_text(PG_FUNCTION_ARGS)
{
	return band_trans(fcinfo, true);
}

