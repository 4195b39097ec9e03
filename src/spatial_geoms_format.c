/*
 * spatial_geoms_format.c — the stored form of nous.geom_rows, the state of
 * nous.contiguity, nous.knn and nous.distance_band: its binary layout
 * (spatial_geoms.h), written and read with every count and length checked
 * and the geometries read back by PostGIS's own input; the text, binary
 * input and output functions of the type.
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "nous.h"
#include "spatial_geoms.h"

void
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

void
gr_kind_mismatch(char k1, double p1, char k2, double p2)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("neighbourhood kind and parameter must be the same for every row"),
			 errdetail("One part asks for %s, another for %s.", kind_text(k1, p1), kind_text(k2, p2))));
}

void
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
bytea *
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
void
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
