/*
 * spatial_geoms.c — the state shared by the aggregates over geometries
 * (nous.contiguity, nous.knn, nous.distance_band), the storable type
 * nous.geom_rows: ids and geometries with the neighbourhood kind and
 * parameter, kept as an expanded object while rows come; its transition,
 * combine, input and output functions, and the helpers of aggregate states
 * of the spatial module.
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

struct varlena *
spatial_eo_flat(ExpandedObjectHeader *eoh, struct varlena *(*build) (void *), void *arg)
{
	MemoryContext tmp = AllocSetContextCreate(eoh->eoh_context, "nous flat form",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	struct varlena *f = build(arg),
			   *c;

	MemoryContextSwitchTo(old);
	c = MemoryContextAllocHuge(eoh->eoh_context, VARSIZE(f));
	memcpy(c, f, VARSIZE(f));
	MemoryContextDelete(tmp);
	return c;
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

/* ---- the state nous.geom_rows: expanded object and stored form ---- */

/*
 * Binary form (the send form; every number big-endian): version (1 byte),
 * flags (1: text ids), kind ('q', 'r', 'k', 'd'), a zero byte, float8 param
 * (k or the distance; 0 for contiguity), int32 n, then n rows: the id
 * (int64; text ids: int32 length and the bytes) and the geometry as int32
 * length and EWKB (PostGIS's binary form, read back through its checked
 * input).  The text form is the same bytes in hexadecimal.  The value kept
 * in the server (the varlena: in tables, between parallel workers) has the
 * same layout with the flag GR_FLAG_RAW and each geometry as the body of
 * PostGIS's own datum, copied without conversion; it never leaves the
 * server (output converts it to EWKB) and input never accepts it.
 */
#define GR_VERSION 1
#define GR_FLAG_TEXT 1
#define GR_FLAG_RAW 2
#define GR_HDR 16

typedef struct GeomEO
{
	ExpandedObjectHeader hdr;
	GeomState	s;				/* arrays in the object's context */
	bytea	   *flat;			/* the stored form after the last change, or NULL */
} GeomEO;

static void
gr_corrupt(const char *detail)
{
	nous_state_corrupt("nous.geom_rows value", "%s", detail);
}

static const char *
kind_name(char kind)
{
	switch (kind)
	{
		case 'q':
			return "queen contiguity";
		case 'r':
			return "rook contiguity";
		case 'k':
			return "k nearest neighbours";
		default:
			return "distance band";
	}
}

/* a kind and its parameter for a message: "k nearest neighbours (k = 3)" */
static char *
kind_text(char kind, double param)
{
	if (kind == 'k')
		return psprintf("%s (k = %d)", kind_name(kind), (int) param);
	if (kind == 'd')
	{
		char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

		double_to_shortest_decimal_buf(param, buf);
		return psprintf("%s (distance %s)", kind_name(kind), buf);
	}
	return pstrdup(kind_name(kind));
}

static void
gr_kind_mismatch(char k1, double p1, char k2, double p2)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("neighbourhood kind and parameter must be the same for every row"),
			 errdetail("One part asks for %s, another for %s.", kind_text(k1, p1), kind_text(k2, p2))));
}

static void
gr_ids_mismatch(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("nous.geom_rows: rows with bigint ids and rows with text ids do not mix"),
			 errdetail("The state of nous.contiguity, nous.knn and nous.distance_band holds ids of one type."),
			 errhint("Collect every part with ids of the same type.")));
}

static void
put32(StringInfo b, uint32 v)
{
	v = pg_hton32(v);
	appendBinaryStringInfo(b, (char *) &v, 4);
}

static void
put64(StringInfo b, uint64 v)
{
	v = pg_hton64(v);
	appendBinaryStringInfo(b, (char *) &v, 8);
}

typedef struct GrReader
{
	const unsigned char *p;
	Size		len;
	Size		pos;
} GrReader;

static const unsigned char *
gr_take(GrReader *r, Size n, const char *what)
{
	const unsigned char *q;

	if (r->len - r->pos < n)
		gr_corrupt(psprintf("The value ends inside %s.", what));
	q = r->p + r->pos;
	r->pos += n;
	return q;
}

static uint32
get32(GrReader *r, const char *what)
{
	uint32		v;

	memcpy(&v, gr_take(r, 4, what), 4);
	return pg_ntoh32(v);
}

static uint64
get64(GrReader *r, const char *what)
{
	uint64		v;

	memcpy(&v, gr_take(r, 8, what), 8);
	return pg_ntoh64(v);
}

/* the value of s (raw: the server's form, else the binary form) as a varlena in CurrentMemoryContext */
static bytea *
gr_encode(GeomState *s, bool raw)
{
	StringInfoData b;
	FmgrInfo	send;
	Oid			fn;
	bool		isvarlena;
	union
	{
		double		d;
		uint64		u;
	}			pv;

	initStringInfo(&b);
	appendStringInfoSpaces(&b, VARHDRSZ);
	appendStringInfoChar(&b, GR_VERSION);
	appendStringInfoChar(&b, (s->tids != NULL ? GR_FLAG_TEXT : 0) | (raw ? GR_FLAG_RAW : 0));
	appendStringInfoChar(&b, s->kind);
	appendStringInfoChar(&b, 0);
	pv.d = s->param;
	put64(&b, pv.u);
	put32(&b, (uint32) s->n);
	if (s->n > 0 && !raw)
	{
		getTypeBinaryOutputInfo(s->geomtype, &fn, &isvarlena);
		fmgr_info(fn, &send);
	}
	for (int64 i = 0; i < s->n; i++)
	{
		bytea	   *wkb;

		if (s->tids != NULL)
		{
			int64		k = s->ids[i];
			uint32		len = (uint32) (s->tids->off[k + 1] - s->tids->off[k] - 1);

			put32(&b, len);
			appendBinaryStringInfo(&b, s->tids->chars + s->tids->off[k], len);
		}
		else
			put64(&b, (uint64) s->ids[i]);
		if (raw)
		{
			struct varlena *v = (struct varlena *) DatumGetPointer(s->geoms[i]);

			put32(&b, (uint32) (VARSIZE(v) - VARHDRSZ));
			appendBinaryStringInfo(&b, VARDATA(v), VARSIZE(v) - VARHDRSZ);
			continue;
		}
		wkb = SendFunctionCall(&send, s->geoms[i]);
		put32(&b, (uint32) VARSIZE(wkb) - VARHDRSZ);
		appendBinaryStringInfo(&b, VARDATA(wkb), VARSIZE(wkb) - VARHDRSZ);
		pfree(wkb);
	}
	SET_VARSIZE(b.data, b.len);
	return (bytea *) b.data;
}

/* a geometry read by PostGIS's binary input; its errors become ours (22000, the row named) */
static Datum
gr_receive(FmgrInfo *recv, StringInfo g, Oid ioparam, uint32 row)
{
	MemoryContext here = CurrentMemoryContext;
	volatile Datum d = (Datum) 0;

	PG_TRY();
	{
		d = ReceiveFunctionCall(recv, g, ioparam, -1);
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(here);
		e = CopyErrorData();
		FlushErrorState();
		gr_corrupt(psprintf("PostGIS does not read the geometry of row %u: %s", row + 1, e->message));
	}
	PG_END_TRY();
	return d;
}

/*
 * The rows of a value (body of len bytes) in s, memory in ctx; every count
 * and length checked, and the geometries of the binary form by PostGIS's
 * input.  The server's form (raw) only when raw_ok.
 */
static void
gr_decode(const char *body, Size len, GeomState *s, MemoryContext ctx, bool raw_ok)
{
	GrReader	r = {(const unsigned char *) body, len, 0};
	const unsigned char *h;
	int			flags;
	uint32		n;
	FmgrInfo	recv;
	Oid			fn,
				ioparam;
	union
	{
		double		d;
		uint64		u;
	}			pv;
	MemoryContext old;

	h = gr_take(&r, 4, "the header");
	nous_check_format_version("nous.geom_rows", h[0], 1, GR_VERSION);
	flags = h[1];
	if (flags & ~(GR_FLAG_TEXT | (raw_ok ? GR_FLAG_RAW : 0)))
		gr_corrupt("Unknown flags in the header.");
	if (h[2] != 'q' && h[2] != 'r' && h[2] != 'k' && h[2] != 'd')
		gr_corrupt("Unknown neighbourhood kind (queen, rook, knn or distance band).");
	if (h[3] != 0)
		gr_corrupt("The reserved byte of the header is not zero.");
	pv.u = get64(&r, "the header");
	if (h[2] == 'k' ? !(pv.d >= 1 && pv.d <= PG_INT32_MAX && pv.d == floor(pv.d)) :
		h[2] == 'd' ? !(pv.d > 0 && isfinite(pv.d)) : pv.d != 0)
		gr_corrupt("The neighbourhood parameter is out of range for its kind.");
	n = get32(&r, "the header");
	if (n > NOUS_GRAPH_MAX || n > (len - r.pos) / 12)
		gr_corrupt("The number of rows does not match the length of the value.");
	memset(s, 0, sizeof(GeomState));
	s->kind = (char) h[2];
	s->param = pv.d;
	s->geomtype = spatial_geometry_type();
	s->cap = Max(n, 16);
	s->ids = MemoryContextAllocHuge(ctx, sizeof(int64) * s->cap);
	s->geoms = MemoryContextAllocHuge(ctx, sizeof(Datum) * s->cap);
	if (flags & GR_FLAG_TEXT)
		s->tids = MemoryContextAllocZero(ctx, sizeof(nous_strings));
	if (!(flags & GR_FLAG_RAW))
	{
		getTypeBinaryInputInfo(s->geomtype, &fn, &ioparam);
		fmgr_info(fn, &recv);
	}
	for (uint32 i = 0; i < n; i++)
	{
		uint32		glen;
		StringInfoData g;
		Datum		d;

		if (s->tids != NULL)
		{
			uint32		idlen = get32(&r, "a text id");
			const unsigned char *id = gr_take(&r, idlen, "a text id");

			if (memchr(id, '\0', idlen) != NULL)
				gr_corrupt("A text id holds a NUL byte.");
			s->ids[i] = strs_push(ctx, s->tids, (const char *) id, idlen);
		}
		else
			s->ids[i] = (int64) get64(&r, "an id");
		glen = get32(&r, "a geometry");
		if (flags & GR_FLAG_RAW)
		{
			struct varlena *v;

			if (glen < 8)
				gr_corrupt("A geometry is shorter than PostGIS's header.");
			v = MemoryContextAllocHuge(ctx, glen + VARHDRSZ);
			SET_VARSIZE(v, glen + VARHDRSZ);
			memcpy(VARDATA(v), gr_take(&r, glen, "a geometry"), glen);
			s->geoms[i] = PointerGetDatum(v);
			continue;
		}
		if (glen < 9)
			gr_corrupt("A geometry is shorter than its WKB header.");
		g.data = (char *) gr_take(&r, glen, "a geometry");
		g.len = g.maxlen = (int) glen;
		g.cursor = 0;
		d = gr_receive(&recv, &g, ioparam, i);
		old = MemoryContextSwitchTo(ctx);
		s->geoms[i] = PointerGetDatum(PG_DETOAST_DATUM_COPY(d));
		MemoryContextSwitchTo(old);
	}
	if (r.pos != len)
		gr_corrupt("Unexpected bytes at the end of the value.");
	s->n = n;
}

static struct varlena *
geo_encode_cb(void *arg)
{
	return (struct varlena *) gr_encode((GeomState *) arg, true);
}

static bytea *
geo_flat(GeomEO *eo)
{
	if (eo->flat == NULL)
		eo->flat = (bytea *) spatial_eo_flat(&eo->hdr, geo_encode_cb, &eo->s);
	return eo->flat;
}

static Size
geo_flat_size(ExpandedObjectHeader *eohptr)
{
	return VARSIZE(geo_flat((GeomEO *) eohptr));
}

static void
geo_flatten(ExpandedObjectHeader *eohptr, void *result, Size size)
{
	bytea	   *f = geo_flat((GeomEO *) eohptr);

	Assert(size == VARSIZE(f));
	memcpy(result, f, size);
}

static const ExpandedObjectMethods geo_methods = {geo_flat_size, geo_flatten};

static GeomEO *
geo_new(MemoryContext parent, Oid geomtype, char kind, double param, bool text)
{
	GeomEO	   *eo = (GeomEO *) nous_eo_new(parent, "nous geom rows", sizeof(GeomEO), &geo_methods);
	MemoryContext ctx = eo->hdr.eoh_context;

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
	if (s->n + more > s->cap)
	{
		s->cap = nous_grow_cap(s->cap, s->n + more, sizeof(Datum) + sizeof(int64), NOUS_GRAPH_MAX,
							   "rows for nous.contiguity, nous.knn or nous.distance_band");
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

/*
 * The rows of state d (an object of ours or a stored value): the object's own
 * GeomState, or one decoded in ctx.
 */
static GeomState *
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
	MemoryContext ctx = eo->hdr.eoh_context;

	if ((a->tids == NULL) != (b->tids == NULL))
		gr_ids_mismatch();
	if (a->kind != b->kind || a->param != b->param)
		gr_kind_mismatch(a->kind, a->param, b->kind, b->param);
	eo->flat = NULL;
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
	eo->flat = NULL;
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
		s->ids[s->n] = strs_push_text(eo->hdr.eoh_context, s->tids, PG_GETARG_DATUM(1));
	else
		s->ids[s->n] = PG_GETARG_INT64(1);
	s->geoms[s->n] = copy_varlena(eo->hdr.eoh_context, PG_GETARG_DATUM(2));
	s->n++;
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_contiguity_combine);

/* The rows of both states (either may be NULL): the combine function of the builders. */
Datum
nous_contiguity_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_contiguity_combine", NULL);
	GeomState  *b;
	GeomEO	   *eo;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = gr_read(PG_GETARG_DATUM(1), CurrentMemoryContext);
	eo = geo_state(fcinfo, 0, aggctx, b->geomtype, b->kind, b->param, b->tids != NULL);
	geo_append(eo, b);
	NOUS_RETURN_EO(eo);
}

/* ---- input and output of nous.geom_rows ---- */

/*
 * The binary form of len bytes at body (io) read and checked, as the value
 * kept in the server; or (!io) the binary form of the value d.
 */
static bytea *
gr_convert(const char *body, Size len, Datum d, bool io)
{
	GeomState	s,
			   *sp = &s;
	bytea	   *f,
			   *c;
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "nous geom rows convert",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);

	if (io)
		gr_decode(body, len, &s, tmp, false);
	else
		sp = gr_read(d, tmp);
	f = gr_encode(sp, io);
	MemoryContextSwitchTo(old);
	c = palloc_extended(VARSIZE(f), MCXT_ALLOC_HUGE);
	memcpy(c, f, VARSIZE(f));
	MemoryContextDelete(tmp);
	return c;
}

PG_FUNCTION_INFO_V1(nous_geom_rows_in);

/* Text input: the stored form in hexadecimal, checked. */
Datum
nous_geom_rows_in(PG_FUNCTION_ARGS)
{
	const char *t = PG_GETARG_CSTRING(0);
	Size		tl = strlen(t);
	char	   *body;

	if (tl % 2 != 0 || tl < 2 * GR_HDR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type nous.geom_rows"),
				 errdetail("The text form is an even number of hexadecimal digits, at least %d.", 2 * GR_HDR)));
	body = palloc_extended(tl / 2, MCXT_ALLOC_HUGE);
	for (Size i = 0; i < tl; i++)
		if (!isxdigit((unsigned char) t[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type nous.geom_rows"),
					 errdetail("Character %zu is not a hexadecimal digit.", i + 1)));
	(void) hex_decode(t, tl, body);
	PG_RETURN_BYTEA_P(gr_convert(body, tl / 2, (Datum) 0, true));
}

PG_FUNCTION_INFO_V1(nous_geom_rows_out);

Datum
nous_geom_rows_out(PG_FUNCTION_ARGS)
{
	bytea	   *f = gr_convert(NULL, 0, PG_GETARG_DATUM(0), false);
	Size		len = VARSIZE(f) - VARHDRSZ;
	char	   *t = palloc_extended(2 * len + 1, MCXT_ALLOC_HUGE);

	t[hex_encode(VARDATA(f), len, t)] = '\0';
	PG_RETURN_CSTRING(t);
}

PG_FUNCTION_INFO_V1(nous_geom_rows_recv);

Datum
nous_geom_rows_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	bytea	   *f = gr_convert(buf->data + buf->cursor, buf->len - buf->cursor, (Datum) 0, true);

	buf->cursor = buf->len;
	PG_RETURN_BYTEA_P(f);
}

PG_FUNCTION_INFO_V1(nous_geom_rows_send);

Datum
nous_geom_rows_send(PG_FUNCTION_ARGS)
{
	bytea	   *f = gr_convert(NULL, 0, PG_GETARG_DATUM(0), false);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA(f), VARSIZE(f) - VARHDRSZ);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
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

