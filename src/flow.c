/*
 * flow.c — SQL glue of the flow module: the type nous.flows (text and binary
 * I/O), the aggregates nous.flow_matrix (an expanded object during the scan)
 * and the functions that unpack a matrix and compute its indicators.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "nous.h"
#include "flow.h"

/* ------------------------------------------------------------------ views */

/* Validate a flat value and point v at it; the value must stay alive. */
static void
flows_view_of(struct varlena *p, nous_flow_view *v)
{
	const char *why;

	if (VARSIZE(p) > VARHDRSZ)
		nous_check_format_version("nous.flows", ((const unsigned char *) VARDATA(p))[0],
								  1, NOUS_FLOW_VERSION);
	if (nous_flow_decode(VARDATA(p), VARSIZE(p) - VARHDRSZ, v, &why) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid nous.flows value"),
				 errdetail("%s", why)));
}

/* Detoast (flatten an expanded value) and validate. */
static void
flows_view(Datum d, nous_flow_view *v)
{
	flows_view_of(PG_DETOAST_DATUM(d), v);
}

static text *
zone_text(const nous_flow_view *v, int32 i)
{
	size_t		len;
	const char *z = nous_fv_zone(v, i, &len);

	return cstring_to_text_with_len(z, (int) len);
}

static void
report_build_status(nous_status st)
{
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("flow matrix too large"),
				 errdetail("A matrix holds at most %d zones and %d flows, and 2 GB of zone codes.",
						   NOUS_FLOW_MAX_ITEMS, NOUS_FLOW_MAX_ITEMS)));
	if (st != NOUS_OK)
		nous_report_status(st, "flow matrix");
}

/* A builder's flat form as a new varlena in CurrentMemoryContext. */
static struct varlena *
builder_to_varlena(nous_flow_builder *b)
{
	size_t		len = nous_fb_flat_size(b);
	struct varlena *r;

	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("flow matrix too large to store"),
				 errdetail("Its flat form would take %zu bytes; a value holds at most 1 GB.", len)));
	r = palloc(len + VARHDRSZ);
	SET_VARSIZE(r, len + VARHDRSZ);
	report_build_status(nous_fb_flatten(b, VARDATA(r), len));
	return r;
}

/* ---------------------------------------------------- expanded aggregate state */

typedef struct FlowsExpanded
{
	ExpandedObjectHeader hdr;
	nous_flow_builder *b;
	char	   *flat;			/* cached flat body, NULL when stale */
	size_t		flatlen;
} FlowsExpanded;

static Size
flows_get_flat_size(ExpandedObjectHeader *eohptr)
{
	FlowsExpanded *fe = (FlowsExpanded *) eohptr;

	if (fe->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fe->hdr.eoh_context);
		size_t		len = nous_fb_flat_size(fe->b);

		if (len > MaxAllocSize - VARHDRSZ)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("flow matrix too large to store"),
					 errdetail("Its flat form would take %zu bytes; a value holds at most 1 GB.", len)));
		fe->flat = palloc(len);
		report_build_status(nous_fb_flatten(fe->b, fe->flat, len));
		fe->flatlen = len;
		MemoryContextSwitchTo(old);
	}
	return fe->flatlen + VARHDRSZ;
}

static void
flows_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	FlowsExpanded *fe = (FlowsExpanded *) eohptr;

	Assert(fe->flat != NULL && allocated_size == fe->flatlen + VARHDRSZ);
	SET_VARSIZE(result, allocated_size);
	memcpy(VARDATA(result), fe->flat, fe->flatlen);
}

static const ExpandedObjectMethods flows_methods = {
	flows_get_flat_size,
	flows_flatten_into
};

static FlowsExpanded *
flows_expanded_new(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "nous.flows",
											  ALLOCSET_SMALL_SIZES);
	FlowsExpanded *fe = MemoryContextAllocZero(cxt, sizeof(FlowsExpanded));
	MemoryContext old;

	EOH_init_header(&fe->hdr, &flows_methods, cxt);
	old = MemoryContextSwitchTo(cxt);
	fe->b = nous_fb_create();
	MemoryContextSwitchTo(old);
	if (fe->b == NULL)
		nous_report_status(NOUS_ERR_NOMEM, "flow matrix");
	return fe;
}

/* The state of a transition: ours to modify in place, or a new one. */
static FlowsExpanded *
flows_state(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;
	FlowsExpanded *fe;
	Datum		d;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called outside an aggregate", fname)));
	if (!PG_ARGISNULL(0))
	{
		d = PG_GETARG_DATUM(0);
		if (DatumIsReadWriteExpandedObject(d, false, -1) &&
			DatumGetEOHP(d)->eoh_methods == &flows_methods)
		{
			fe = (FlowsExpanded *) DatumGetEOHP(d);
			if (fe->flat != NULL)
			{
				pfree(fe->flat);
				fe->flat = NULL;
			}
			return fe;
		}
	}
	fe = flows_expanded_new(aggcxt);
	if (!PG_ARGISNULL(0))
	{
		nous_flow_view v;
		MemoryContext old;
		nous_status st;

		flows_view(PG_GETARG_DATUM(0), &v);
		old = MemoryContextSwitchTo(fe->hdr.eoh_context);
		st = nous_fb_add_view(fe->b, &v);
		MemoryContextSwitchTo(old);
		report_build_status(st);
	}
	return fe;
}

static void
check_zone(text *z, const char *what)
{
	if (VARSIZE_ANY_EXHDR(z) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s zone must not be empty", what),
				 errdetail("A zone code is a non-empty text, such as a commune code '44109'.")));
}

PG_FUNCTION_INFO_V1(nous_flow_matrix_sfunc);

/*
 * Transition of nous.flow_matrix(origin, destination, weight): add one move.
 * NULL zones and negative, NaN or infinite weights are errors; a NULL weight
 * skips the row, as sum() does.
 */
Datum
nous_flow_matrix_sfunc(PG_FUNCTION_ARGS)
{
	FlowsExpanded *fe;
	text	   *o,
			   *d;
	double		w;
	MemoryContext old;
	nous_status st;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s zone of a move must not be NULL", PG_ARGISNULL(1) ? "origin" : "destination"),
				 errdetail("Every move needs an origin and a destination zone."),
				 errhint("Filter the rows with unknown zones out, or give them a code such as 'unknown'.")));
	if (PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	w = PG_GETARG_FLOAT8(3);
	o = PG_GETARG_TEXT_PP(1);
	d = PG_GETARG_TEXT_PP(2);
	if (isnan(w) || isinf(w) || w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid weight %s for the move from \"%s\" to \"%s\"",
						isnan(w) ? "NaN" : (isinf(w) ? (w > 0 ? "Infinity" : "-Infinity") :
											psprintf("%g", w)),
						text_to_cstring(o), text_to_cstring(d)),
				 errdetail("A weight is a finite number of persons or households, zero or more.")));
	check_zone(o, "origin");
	check_zone(d, "destination");
	fe = flows_state(fcinfo, "nous.flow_matrix");
	old = MemoryContextSwitchTo(fe->hdr.eoh_context);
	st = nous_fb_add(fe->b, VARDATA_ANY(o), VARSIZE_ANY_EXHDR(o),
					 VARDATA_ANY(d), VARSIZE_ANY_EXHDR(d), w + 0.0);	/* -0 is 0 */
	MemoryContextSwitchTo(old);
	report_build_status(st);
	PG_RETURN_DATUM(EOHPGetRWDatum(&fe->hdr));
}

PG_FUNCTION_INFO_V1(nous_flow_matrix_merge);

/*
 * Combine function of both aggregates and transition of the merge aggregate
 * nous.flow_matrix(nous.flows): add a whole matrix; NULL matrices are skipped.
 */
Datum
nous_flow_matrix_merge(PG_FUNCTION_ARGS)
{
	FlowsExpanded *fe;
	nous_flow_view v;
	MemoryContext old;
	nous_status st;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	fe = flows_state(fcinfo, "nous.flow_matrix");
	flows_view(PG_GETARG_DATUM(1), &v);
	old = MemoryContextSwitchTo(fe->hdr.eoh_context);
	st = nous_fb_add_view(fe->b, &v);
	MemoryContextSwitchTo(old);
	report_build_status(st);
	PG_RETURN_DATUM(EOHPGetRWDatum(&fe->hdr));
}

/* ------------------------------------------------------------ text I/O */

static bool
bare_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' || c >= 0x80;
}

static void
append_zone(StringInfo s, const char *z, size_t len)
{
	size_t		i;
	bool		bare = true;

	for (i = 0; i < len; i++)
		if (!bare_char((unsigned char) z[i]))
			bare = false;
	if (bare)
	{
		appendBinaryStringInfo(s, z, (int) len);
		return;
	}
	appendStringInfoChar(s, '"');
	for (i = 0; i < len; i++)
	{
		if (z[i] == '"' || z[i] == '\\')
			appendStringInfoChar(s, '\\');
		appendStringInfoChar(s, z[i]);
	}
	appendStringInfoChar(s, '"');
}

static void
append_item(StringInfo s, const nous_flow_view *v, int32 o, int32 d, double w, bool *first)
{
	size_t		len;
	const char *z;
	char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (!*first)
		appendStringInfoChar(s, ',');
	*first = false;
	z = nous_fv_zone(v, o, &len);
	append_zone(s, z, len);
	appendStringInfoChar(s, '>');
	z = nous_fv_zone(v, d, &len);
	append_zone(s, z, len);
	appendStringInfoChar(s, ':');
	double_to_shortest_decimal_buf(w, num);
	appendStringInfoString(s, num);
}

PG_FUNCTION_INFO_V1(nous_flows_out);

/*
 * Text form: {o>d:w,...} sorted by origin then destination, stayers as z>z:s
 * (written when non-zero or when the zone has no flow, so every zone
 * survives the round trip); numbers in the shortest exact form.
 */
Datum
nous_flows_out(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	StringInfoData s;
	bool	   *touched;
	bool		first = true;
	int32		i,
				e;

	flows_view(PG_GETARG_DATUM(0), &v);
	touched = palloc0(sizeof(bool) * Max(v.nzones, 1));
	for (e = 0; e < v.nedges; e++)
	{
		touched[nous_fv_orig(&v, e)] = true;
		touched[nous_fv_dest(&v, e)] = true;
	}
	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	e = 0;
	for (i = 0; i < v.nzones; i++)
	{
		double		st = nous_fv_stay(&v, i);
		bool		stay_done = !(st != 0 || !touched[i]);

		CHECK_FOR_INTERRUPTS();
		for (; e < v.nedges && nous_fv_orig(&v, e) == i; e++)
		{
			if (!stay_done && nous_fv_dest(&v, e) > i)
			{
				append_item(&s, &v, i, i, st, &first);
				stay_done = true;
			}
			append_item(&s, &v, i, nous_fv_dest(&v, e), nous_fv_w(&v, e), &first);
		}
		if (!stay_done)
			append_item(&s, &v, i, i, st, &first);
	}
	appendStringInfoChar(&s, '}');
	PG_RETURN_CSTRING(s.data);
}

typedef struct FlowParser
{
	const char *input;			/* whole literal, for messages */
	const char *p;
	StringInfoData buf;
} FlowParser;

NOUS_NORETURN static void
parse_error(FlowParser *fp, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type nous.flows: \"%s\"", fp->input),
			 errdetail("%s at character %d.", what, (int) (fp->p - fp->input) + 1),
			 errhint("Write {origin>destination:weight,...}, stayers as {zone>zone:weight}; quote codes with other characters than letters, digits, _ . - as \"...\".")));
}

static void
skip_ws(FlowParser *fp)
{
	while (*fp->p == ' ' || *fp->p == '\t' || *fp->p == '\n' || *fp->p == '\r')
		fp->p++;
}

/* A zone code into fp->buf. */
static void
parse_zone(FlowParser *fp)
{
	resetStringInfo(&fp->buf);
	skip_ws(fp);
	if (*fp->p == '"')
	{
		fp->p++;
		for (;;)
		{
			if (*fp->p == '\0')
				parse_error(fp, "A quoted zone code is not closed");
			if (*fp->p == '"')
				break;
			if (*fp->p == '\\')
			{
				fp->p++;
				if (*fp->p == '\0')
					parse_error(fp, "A quoted zone code is not closed");
			}
			appendStringInfoChar(&fp->buf, *fp->p++);
		}
		fp->p++;
	}
	else
	{
		while (*fp->p != '\0' && strchr("{}>:,\"\\ \t\r\n", *fp->p) == NULL &&
			   (unsigned char) *fp->p >= 0x20)
			appendStringInfoChar(&fp->buf, *fp->p++);
	}
	if (fp->buf.len == 0)
		parse_error(fp, "A zone code is missing or empty");
}

static void
expect(FlowParser *fp, char c, const char *what)
{
	skip_ws(fp);
	if (*fp->p != c)
		parse_error(fp, what);
	fp->p++;
}

PG_FUNCTION_INFO_V1(nous_flows_in);

/* Parse the text form; pairs may come in any order but only once. */
Datum
nous_flows_in(PG_FUNCTION_ARGS)
{
	FlowParser	fp;
	nous_flow_builder *b = nous_fb_create();
	nous_flow_builder *stayers = nous_fb_create();
	char	   *origin = NULL;
	int			olen = 0;
	int64		nitems_off = 0,
				nitems_stay = 0;

	if (b == NULL || stayers == NULL)
		nous_report_status(NOUS_ERR_NOMEM, "flow matrix");
	fp.input = PG_GETARG_CSTRING(0);
	fp.p = fp.input;
	initStringInfo(&fp.buf);
	expect(&fp, '{', "Expected \"{\"");
	skip_ws(&fp);
	if (*fp.p == '}')
		fp.p++;
	else
	{
		for (;;)
		{
			double		w;
			char	   *end;
			const char *num;
			nous_status st = NOUS_OK;

			CHECK_FOR_INTERRUPTS();
			parse_zone(&fp);
			origin = pnstrdup(fp.buf.data, fp.buf.len);
			olen = fp.buf.len;
			expect(&fp, '>', "Expected \">\" after the origin zone");
			parse_zone(&fp);
			expect(&fp, ':', "Expected \":\" after the destination zone");
			skip_ws(&fp);
			num = fp.p;
			if (!((*num >= '0' && *num <= '9') || *num == '.' || *num == '-' || *num == '+'))
				parse_error(&fp, "Expected a weight");
			errno = 0;
			w = strtod(num, &end);
			if (end == num || strspn(num, "0123456789.eE+-") < (size_t) (end - num))
				parse_error(&fp, "Expected a weight (a decimal number)");
			/* like float8in: subnormal values are read, not rejected */
			if (!isfinite(w) || (errno == ERANGE && w == 0.0))
				parse_error(&fp, "A weight is out of range");
			if (w < 0)
				parse_error(&fp, "A weight is negative");
			w += 0.0;			/* -0 is 0 */
			fp.p = end;
			if (olen == fp.buf.len && memcmp(origin, fp.buf.data, olen) == 0)
			{
				nitems_stay++;
				st = nous_fb_add_zone(stayers, origin, olen);
			}
			else
				nitems_off++;
			if (st == NOUS_OK)
				st = nous_fb_add(b, origin, olen, fp.buf.data, fp.buf.len, w);
			report_build_status(st);
			pfree(origin);
			skip_ws(&fp);
			if (*fp.p == ',')
			{
				fp.p++;
				continue;
			}
			expect(&fp, '}', "Expected \",\" or \"}\"");
			break;
		}
	}
	skip_ws(&fp);
	if (*fp.p != '\0')
		parse_error(&fp, "Unexpected text after \"}\"");
	if (nous_fb_nedges(b) != nitems_off || nous_fb_nzones(stayers) != nitems_stay)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type nous.flows: \"%s\"", fp.input),
				 errdetail("A pair of zones is given more than once.")));
	PG_RETURN_POINTER(builder_to_varlena(b));
}

/* ------------------------------------------------------------ binary I/O */

PG_FUNCTION_INFO_V1(nous_flows_send);

/*
 * Binary form (network byte order): u8 version 1, i32 nzones, i32 nedges,
 * f64 stayers[nzones], per flow (i32 origin, i32 destination, f64 weight),
 * per zone (i32 length, bytes).
 */
Datum
nous_flows_send(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	StringInfoData buf;
	int32		i;

	flows_view(PG_GETARG_DATUM(0), &v);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, NOUS_FLOW_VERSION);
	pq_sendint32(&buf, v.nzones);
	pq_sendint32(&buf, v.nedges);
	for (i = 0; i < v.nzones; i++)
		pq_sendfloat8(&buf, nous_fv_stay(&v, i));
	for (i = 0; i < v.nedges; i++)
	{
		pq_sendint32(&buf, nous_fv_orig(&v, i));
		pq_sendint32(&buf, nous_fv_dest(&v, i));
		pq_sendfloat8(&buf, nous_fv_w(&v, i));
	}
	for (i = 0; i < v.nzones; i++)
	{
		size_t		len;
		const char *z = nous_fv_zone(&v, i, &len);

		pq_sendint32(&buf, (int32) len);
		pq_sendbytes(&buf, z, (int) len);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

NOUS_NORETURN static void
recv_error(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid binary nous.flows value"),
			 errdetail("%s", detail)));
}

PG_FUNCTION_INFO_V1(nous_flows_recv);

/* Read the binary form; every count and byte is checked before use. */
Datum
nous_flows_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version;
	int32		nz,
				ne,
				i;
	size_t		left,
				fixed,
				bloblen,
				pos;
	struct varlena *r;
	unsigned char *body,
			   *zend,
			   *codes;
	nous_flow_view v;

	if (buf->len - buf->cursor < 9)
		recv_error("The value is shorter than its 9-byte header.");
	version = pq_getmsgbyte(buf);
	nous_check_format_version("nous.flows", version, 1, NOUS_FLOW_VERSION);
	nz = (int32) pq_getmsgint(buf, 4);
	ne = (int32) pq_getmsgint(buf, 4);
	if (nz < 0 || ne < 0 || nz > NOUS_FLOW_MAX_ITEMS || ne > NOUS_FLOW_MAX_ITEMS)
		recv_error("The zone or flow count is negative or too large.");
	left = (size_t) (buf->len - buf->cursor);
	fixed = (size_t) nz * 12 + (size_t) ne * 16;
	if (left < fixed)
		recv_error("The value is shorter than its zone and flow counts require.");
	bloblen = left - fixed;
	if (NOUS_FLOW_HEADER + fixed + bloblen > MaxAllocSize - VARHDRSZ)
		recv_error("The value is too large.");
	r = palloc0(VARHDRSZ + NOUS_FLOW_HEADER + fixed + bloblen);
	body = (unsigned char *) VARDATA(r);
	body[0] = NOUS_FLOW_VERSION;
	memcpy(body + 4, &nz, 4);
	memcpy(body + 8, &ne, 4);
	{
		unsigned char *stay = body + NOUS_FLOW_HEADER;
		unsigned char *w = stay + (size_t) nz * 8;
		unsigned char *orig = w + (size_t) ne * 8;
		unsigned char *dest = orig + (size_t) ne * 4;

		zend = dest + (size_t) ne * 4;
		codes = zend + (size_t) nz * 4;
		for (i = 0; i < nz; i++)
		{
			double		x = pq_getmsgfloat8(buf);

			memcpy(stay + (size_t) i * 8, &x, 8);
		}
		for (i = 0; i < ne; i++)
		{
			int32		o = (int32) pq_getmsgint(buf, 4),
						d = (int32) pq_getmsgint(buf, 4);
			double		x = pq_getmsgfloat8(buf);

			memcpy(orig + (size_t) i * 4, &o, 4);
			memcpy(dest + (size_t) i * 4, &d, 4);
			memcpy(w + (size_t) i * 8, &x, 8);
		}
	}
	pos = 0;
	for (i = 0; i < nz; i++)
	{
		int32		len;

		if (buf->len - buf->cursor < 4)
			recv_error("The value ends inside its list of zone codes.");
		len = (int32) pq_getmsgint(buf, 4);
		if (len <= 0 || (size_t) len > (size_t) (buf->len - buf->cursor))
			recv_error("A zone code is empty or longer than the rest of the value.");
		memcpy(codes + pos, pq_getmsgbytes(buf, len), len);
		pos += (size_t) len;
		if (pos > (size_t) 0x7fffffff)
			recv_error("The zone codes are too long.");
		memcpy(zend + (size_t) i * 4, &(int32) {(int32) pos}, 4);
	}
	if (buf->cursor != buf->len)
		recv_error("The value has trailing bytes after its zone codes.");
	/* the blob is pos bytes: the rest of the buffer was the 4-byte lengths */
	SET_VARSIZE(r, VARHDRSZ + NOUS_FLOW_HEADER + fixed + pos);
	flows_view_of(r, &v);
	for (i = 0; i < nz; i++)
	{
		size_t		len;
		const char *z = nous_fv_zone(&v, i, &len);

		if (!pg_verifymbstr(z, (int) len, true))
			recv_error("A zone code is not valid in the database encoding.");
	}
	PG_RETURN_POINTER(r);
}

/* ------------------------------------------------------------ unpacking */

PG_FUNCTION_INFO_V1(nous_flow_edges);

/* flow_edges(m): one row per flow sorted by origin and destination; stayers (when > 0) as origin = destination. */
Datum
nous_flow_edges(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v;
	int32		i,
				e = 0;
	Datum		vals[3];
	bool		nulls[3] = {false, false, false};
	Datum	   *codes;

	flows_view(PG_GETARG_DATUM(0), &v);
	InitMaterializedSRF(fcinfo, 0);
	codes = palloc(sizeof(Datum) * Max(v.nzones, 1));
	for (i = 0; i < v.nzones; i++)
		codes[i] = PointerGetDatum(zone_text(&v, i));
	for (i = 0; i < v.nzones; i++)
	{
		double		st = nous_fv_stay(&v, i);
		bool		stay_done = !(st > 0);

		CHECK_FOR_INTERRUPTS();
		for (;; e++)
		{
			bool		edge = e < v.nedges && nous_fv_orig(&v, e) == i;

			if (!stay_done && (!edge || nous_fv_dest(&v, e) > i))
			{
				vals[0] = codes[i];
				vals[1] = codes[i];
				vals[2] = Float8GetDatum(st);
				tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
				stay_done = true;
			}
			if (!edge)
				break;
			vals[0] = codes[i];
			vals[1] = codes[nous_fv_dest(&v, e)];
			vals[2] = Float8GetDatum(nous_fv_w(&v, e));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		}
	}
	return (Datum) 0;
}

static Datum
rate_datum(double x, bool *isnull)
{
	*isnull = isnan(x);
	return Float8GetDatum(*isnull ? 0.0 : x);
}

PG_FUNCTION_INFO_V1(nous_flow_zones);

/* flow_zones(m): the Observatoire des territoires indicators of every zone. */
Datum
nous_flow_zones(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v;
	double	   *in,
			   *out;
	int32		i;

	flows_view(PG_GETARG_DATUM(0), &v);
	InitMaterializedSRF(fcinfo, 0);
	in = palloc(sizeof(double) * Max(v.nzones, 1));
	out = palloc(sizeof(double) * Max(v.nzones, 1));
	nous_flow_in_out(&v, in, out);
	for (i = 0; i < v.nzones; i++)
	{
		Datum		vals[11];
		bool		nulls[11] = {false};
		nous_flow_rates r;
		double		iso = nous_fv_stay(&v, i);

		CHECK_FOR_INTERRUPTS();
		nous_flow_zone_rates(iso, in[i], out[i], &r);
		vals[0] = PointerGetDatum(zone_text(&v, i));
		vals[1] = Float8GetDatum(iso);
		vals[2] = Float8GetDatum(in[i]);
		vals[3] = Float8GetDatum(out[i]);
		vals[4] = Float8GetDatum(r.present_before);
		vals[5] = Float8GetDatum(r.present_after);
		vals[6] = Float8GetDatum(r.net);
		vals[7] = rate_datum(r.net_rate, &nulls[7]);
		vals[8] = rate_datum(r.turnover_rate, &nulls[8]);
		vals[9] = rate_datum(r.inflow_share, &nulls[9]);
		vals[10] = rate_datum(r.outflow_share, &nulls[10]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_flow_summary);

/* flow_summary(m): zones, flows, stayers, movers, effectiveness, Gini. */
Datum
nous_flow_summary(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	nous_flow_overall s;
	TupleDesc	td;
	Datum		vals[6];
	bool		nulls[6] = {false};

	flows_view(PG_GETARG_DATUM(0), &v);
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (nous_flow_summarise(&v, &s) != NOUS_OK)
		nous_report_status(NOUS_ERR_NOMEM, "flow_summary");
	vals[0] = Int32GetDatum(v.nzones);
	vals[1] = Int32GetDatum(v.nedges);
	vals[2] = Float8GetDatum(s.stayers);
	vals[3] = Float8GetDatum(s.movers);
	vals[4] = rate_datum(s.effectiveness, &nulls[4]);
	vals[5] = rate_datum(s.gini, &nulls[5]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(td), vals, nulls)));
}

/* Start index of each origin's flows: start[i] .. start[i + 1]. */
static int32 *
origin_starts(const nous_flow_view *v)
{
	int32	   *start = palloc0(sizeof(int32) * ((size_t) v->nzones + 1));
	int32		e;

	for (e = 0; e < v->nedges; e++)
		start[nous_fv_orig(v, e) + 1]++;
	for (e = 0; e < v->nzones; e++)
		start[e + 1] += start[e];
	return start;
}

/* The weight of the flow o -> d, or -1 when absent. */
static double
find_flow(const nous_flow_view *v, const int32 *start, int32 o, int32 d)
{
	int32		lo = start[o],
				hi = start[o + 1] - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int32		md = nous_fv_dest(v, mid);

		if (md == d)
			return nous_fv_w(v, mid);
		if (md < d)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

PG_FUNCTION_INFO_V1(nous_flow_pairs);

/* flow_pairs(m): two-way flows merged, one row per unordered pair (zone_a < zone_b). */
Datum
nous_flow_pairs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v;
	int32	   *start;
	int32		e;

	flows_view(PG_GETARG_DATUM(0), &v);
	InitMaterializedSRF(fcinfo, 0);
	start = origin_starts(&v);
	for (e = 0; e < v.nedges; e++)
	{
		int32		o = nous_fv_orig(&v, e),
					d = nous_fv_dest(&v, e);
		double		ab,
					ba;
		Datum		vals[6];
		bool		nulls[6] = {false};

		if ((e & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (o < d)
		{
			ab = nous_fv_w(&v, e);
			ba = find_flow(&v, start, d, o);
			if (ba < 0)
				ba = 0;
		}
		else if (find_flow(&v, start, d, o) < 0)
		{
			/* only b -> a exists: the pair is written here */
			int32		t = o;

			o = d;
			d = t;
			ab = 0;
			ba = nous_fv_w(&v, e);
		}
		else
			continue;			/* written with a -> b */
		vals[0] = PointerGetDatum(zone_text(&v, o));
		vals[1] = PointerGetDatum(zone_text(&v, d));
		vals[2] = Float8GetDatum(ab);
		vals[3] = Float8GetDatum(ba);
		vals[4] = Float8GetDatum(ab + ba);
		vals[5] = Float8GetDatum(ab - ba);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------ selection */

/* A copy of v with only the flows where keep[e]: same zones and stayers. */
static struct varlena *
filtered_copy(const nous_flow_view *v, const bool *keep)
{
	int32		k = 0,
				e,
				j = 0;
	size_t		nz = (size_t) v->nzones,
				blob,
				len;
	struct varlena *r;
	unsigned char *p,
			   *w,
			   *orig,
			   *dest,
			   *zend;

	for (e = 0; e < v->nedges; e++)
		k += keep[e] ? 1 : 0;
	/* the blob ends with the last zone's code */
	{
		size_t		zl;

		blob = 0;
		if (nz > 0)
		{
			const char *last = nous_fv_zone(v, (int32) nz - 1, &zl);

			blob = (size_t) ((const unsigned char *) last - v->codes) + zl;
		}
	}
	len = NOUS_FLOW_HEADER + nz * 12 + (size_t) k * 16 + blob;
	r = palloc(VARHDRSZ + len);
	SET_VARSIZE(r, VARHDRSZ + len);
	p = (unsigned char *) VARDATA(r);
	memset(p, 0, NOUS_FLOW_HEADER);
	p[0] = NOUS_FLOW_VERSION;
	memcpy(p + 4, &v->nzones, 4);
	memcpy(p + 8, &k, 4);
	memcpy(p + NOUS_FLOW_HEADER, v->stay, nz * 8);
	w = p + NOUS_FLOW_HEADER + nz * 8;
	orig = w + (size_t) k * 8;
	dest = orig + (size_t) k * 4;
	zend = dest + (size_t) k * 4;
	for (e = 0; e < v->nedges; e++)
	{
		if (!keep[e])
			continue;
		memcpy(w + (size_t) j * 8, v->w + (size_t) e * 8, 8);
		memcpy(orig + (size_t) j * 4, v->orig + (size_t) e * 4, 4);
		memcpy(dest + (size_t) j * 4, v->dest + (size_t) e * 4, 4);
		j++;
	}
	memcpy(zend, v->zend, nz * 4);
	memcpy(zend + nz * 4, v->codes, blob);
	return r;
}

#define SELECTION_FAMILY "flow_selection"

/* Per-call-site cache of nous.flow_select: the last method resolved. */
typedef struct SelectCache
{
	bool		valid;
	NousMethod	method;
	Datum		spec_params;	/* the specification's own parameters */
} SelectCache;

PG_FUNCTION_INFO_V1(nous_flow_select_sql);

/*
 * flow_select(m, method, value, comparison): the matrix with only the flows
 * that matter (zones and stayers kept), by a method of the family
 * flow_selection; value and comparison are passed to the method in its
 * parameters, with those of the specification ('top', 'my_method(x=1)').
 */
Datum
nous_flow_select_sql(PG_FUNCTION_ARGS)
{
	SelectCache *cache = fcinfo->flinfo->fn_extra;
	char	   *spec;
	char	   *cmp;
	Datum		extra,
				params,
				result;
	bool		isnull;
	StringInfoData buf;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", PG_ARGISNULL(1) ? "method" : "comparison"),
				 errhint("Name a flow selection method, for example 'top'; see nous.methods.")));
	cmp = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strcmp(cmp, ">=") != 0 && strcmp(cmp, ">") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid comparison \"%s\"", cmp),
				 errhint("Use '>=' (the default) or '>'.")));
	if (!PG_ARGISNULL(2) && !isfinite(PG_GETARG_FLOAT8(2)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("flow selection value must be a finite number")));
	spec = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(SelectCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (!cache->valid || strcmp(cache->method.spec_text, spec) != 0)
	{
		cache->valid = false;
		nous_method_resolve(SELECTION_FAMILY, spec, fcinfo->flinfo->fn_mcxt, &cache->method);
		cache->spec_params = cache->method.params;
		cache->valid = true;
	}
	if (cache->method.takes_params)
	{
		/* the specification's parameters, then value and comparison */
		initStringInfo(&buf);
		appendStringInfo(&buf, "{\"comparison\": \"%s\"", cmp);
		if (!PG_ARGISNULL(2))
		{
			char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

			double_to_shortest_decimal_buf(PG_GETARG_FLOAT8(2), num);
			appendStringInfo(&buf, ", \"value\": %s", num);
		}
		appendStringInfoChar(&buf, '}');
		extra = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
		params = DirectFunctionCall2(jsonb_concat, cache->spec_params, extra);
		cache->method.params = params;
	}
	result = nous_method_call1(&cache->method, PG_GETARG_DATUM(0), &isnull);
	cache->method.params = cache->spec_params;
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("flow selection method \"%s\" returned NULL", cache->method.spec.name),
				 errdetail("A method must return a matrix.")));
	PG_RETURN_DATUM(result);
}

/* Run a built-in selection with the parameters value and comparison. */
static Datum
builtin_select(FunctionCallInfo fcinfo, const char *method, nous_flow_selector sel,
			   bool needs_value, const char *value_means)
{
	static const char *const allowed[] = {"value", "comparison", NULL};
	Jsonb	   *params = NULL;
	nous_flow_view v;
	double		value = 0;
	bool		has_value;
	char	   *cmp;
	bool		strict = false;
	bool	   *keep;
	nous_status st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		params = PG_GETARG_JSONB_P(1);
	nous_params_check(params, method, allowed);
	has_value = nous_params_number(params, method, "value", &value);
	cmp = nous_params_word(params, method, "comparison");
	if (cmp != NULL && strcmp(cmp, ">") == 0)
		strict = true;
	else if (cmp != NULL && strcmp(cmp, ">=") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid comparison \"%s\" for flow selection \"%s\"", cmp, method),
				 errhint("Use '>=' (the default) or '>'.")));
	if (needs_value && !has_value)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("flow selection \"%s\" needs a value", method),
				 errhint("Give %s: nous.flow_select(m, '%s', value).", value_means, method)));
	flows_view(PG_GETARG_DATUM(0), &v);
	keep = palloc(sizeof(bool) * Max(v.nedges, 1));
	st = nous_flow_select(&v, sel, value, strict, keep);
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value %g for flow selection \"%s\"", value, method),
				 errdetail("The value is %s.", value_means)));
	if (st != NOUS_OK)
		nous_report_status(st, method);
	PG_RETURN_POINTER(filtered_copy(&v, keep));
}

PG_FUNCTION_INFO_V1(nous_flow_select_threshold);
/* threshold: weight >= value (or > value with comparison '>'). */
Datum
nous_flow_select_threshold(PG_FUNCTION_ARGS)
{
	return builtin_select(fcinfo, "threshold", NOUS_SEL_THRESHOLD, true, "a finite weight");
}

PG_FUNCTION_INFO_V1(nous_flow_select_top);
/* top: the value largest flows of each origin. */
Datum
nous_flow_select_top(PG_FUNCTION_ARGS)
{
	return builtin_select(fcinfo, "top", NOUS_SEL_TOP, true, "a whole number of flows per origin, zero or more");
}

PG_FUNCTION_INFO_V1(nous_flow_select_share);
/* share: weight / origin outflow >= value (or >). */
Datum
nous_flow_select_share(PG_FUNCTION_ARGS)
{
	return builtin_select(fcinfo, "share", NOUS_SEL_SHARE, true, "a share of the origin's outflow between 0 and 1");
}

PG_FUNCTION_INFO_V1(nous_flow_select_cumulative);
/* cumulative: the largest flows until value of the volume. */
Datum
nous_flow_select_cumulative(PG_FUNCTION_ARGS)
{
	return builtin_select(fcinfo, "cumulative", NOUS_SEL_CUMULATIVE, true, "a share of the total volume between 0 and 1");
}

PG_FUNCTION_INFO_V1(nous_flow_select_dominant);
/* dominant: the Nystuen-Dacey dominant flows. */
Datum
nous_flow_select_dominant(PG_FUNCTION_ARGS)
{
	return builtin_select(fcinfo, "dominant", NOUS_SEL_DOMINANT, false, "not used");
}

PG_FUNCTION_INFO_V1(nous_flow_dominant_sql);

/* flow_dominant(m): Nystuen-Dacey largest flow of each zone and its role. */
Datum
nous_flow_dominant_sql(PG_FUNCTION_ARGS)
{
	static const char *const roles[] = {"dominant", "intermediate", "dominated"};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v;
	int32	   *largest;
	bool	   *dom;
	nous_flow_role *role;
	double	   *in,
			   *out;
	int32		i;

	flows_view(PG_GETARG_DATUM(0), &v);
	InitMaterializedSRF(fcinfo, 0);
	largest = palloc(sizeof(int32) * Max(v.nzones, 1));
	dom = palloc(sizeof(bool) * Max(v.nzones, 1));
	role = palloc(sizeof(nous_flow_role) * Max(v.nzones, 1));
	in = palloc(sizeof(double) * Max(v.nzones, 1));
	out = palloc(sizeof(double) * Max(v.nzones, 1));
	if (nous_flow_dominant(&v, largest, dom, role) != NOUS_OK)
		nous_report_status(NOUS_ERR_NOMEM, "flow_dominant");
	nous_flow_in_out(&v, in, out);
	for (i = 0; i < v.nzones; i++)
	{
		Datum		vals[6];
		bool		nulls[6] = {false};

		vals[0] = PointerGetDatum(zone_text(&v, i));
		vals[1] = Float8GetDatum(in[i]);
		if (largest[i] >= 0)
		{
			vals[2] = PointerGetDatum(zone_text(&v, nous_fv_dest(&v, largest[i])));
			vals[3] = Float8GetDatum(nous_fv_w(&v, largest[i]));
		}
		else
			nulls[2] = nulls[3] = true;
		vals[4] = BoolGetDatum(dom[i]);
		vals[5] = PointerGetDatum(cstring_to_text(roles[role[i]]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------ categories */

/*
 * Map every zone of v to a category: cat[zone] = index into catcode/catlen.
 * Zones of the mapping absent from v are ignored; a zone of v without
 * category, a zone mapped twice, a NULL or empty code is an error.
 */
static void
map_categories(const nous_flow_view *v, ArrayType *zones, ArrayType *categories,
			   int32 **cat_out, const char ***catcode_out, size_t **catlen_out)
{
	Datum	   *zd,
			   *cd;
	bool	   *zn,
			   *cn;
	int			nzm,
				ncm,
				i;
	int32	   *cat;
	const char **catcode;
	size_t	   *catlen;
	StringInfoData missing;
	int			nmissing = 0;

	deconstruct_array(zones, TEXTOID, -1, false, TYPALIGN_INT, &zd, &zn, &nzm);
	deconstruct_array(categories, TEXTOID, -1, false, TYPALIGN_INT, &cd, &cn, &ncm);
	if (nzm != ncm)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%d zones but %d categories", nzm, ncm),
				 errdetail("The zone and category arrays pair element by element.")));
	cat = palloc(sizeof(int32) * Max(v->nzones, 1));
	for (i = 0; i < v->nzones; i++)
		cat[i] = -1;
	catcode = palloc(sizeof(char *) * Max(nzm, 1));
	catlen = palloc(sizeof(size_t) * Max(nzm, 1));
	for (i = 0; i < nzm; i++)
	{
		text	   *z;
		int32		k;

		if (zn[i] || cn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("NULL %s at position %d of the mapping", zn[i] ? "zone" : "category", i + 1),
					 errhint("Give zones outside every category a category of their own, such as 'outside'.")));
		z = DatumGetTextPP(zd[i]);
		catcode[i] = VARDATA_ANY(DatumGetTextPP(cd[i]));
		catlen[i] = VARSIZE_ANY_EXHDR(DatumGetTextPP(cd[i]));
		if (catlen[i] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty category at position %d of the mapping", i + 1)));
		k = nous_fv_find(v, VARDATA_ANY(z), VARSIZE_ANY_EXHDR(z));
		if (k < 0)
			continue;			/* zones absent from the matrix are ignored */
		if (cat[k] >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("zone \"%s\" is mapped more than once", text_to_cstring(z)),
					 errdetail("It appears at positions %d and %d of the mapping.", cat[k] + 1, i + 1)));
		cat[k] = i;
	}
	initStringInfo(&missing);
	for (i = 0; i < v->nzones; i++)
		if (cat[i] < 0)
		{
			if (nmissing < 10)
			{
				size_t		len;
				const char *z = nous_fv_zone(v, i, &len);

				appendStringInfo(&missing, "%s\"%.*s\"", nmissing ? ", " : "", (int) len, z);
			}
			nmissing++;
		}
	if (nmissing > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d zone%s of the matrix %s no category", nmissing,
						nmissing > 1 ? "s" : "", nmissing > 1 ? "have" : "has"),
				 errdetail("Unmapped: %s%s.", missing.data, nmissing > 10 ? ", …" : ""),
				 errhint("Map every zone of the matrix, for example to 'outside'.")));
	*cat_out = cat;
	*catcode_out = catcode;
	*catlen_out = catlen;
}

PG_FUNCTION_INFO_V1(nous_flow_categories);

/*
 * flow_categories(m, zones, categories): the matrix between categories; a
 * move between two zones of one category adds to its diagonal (stayers).
 * Every zone of m must be mapped exactly once.
 */
Datum
nous_flow_categories(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	int32	   *cat;
	const char **catcode;
	size_t	   *catlen;
	nous_flow_builder *b;

	flows_view(PG_GETARG_DATUM(0), &v);
	map_categories(&v, PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2), &cat, &catcode, &catlen);
	b = nous_fb_create();
	if (b == NULL)
		nous_report_status(NOUS_ERR_NOMEM, "flow_categories");
	report_build_status(nous_fb_add_view_mapped(b, &v, cat, catcode, catlen));
	PG_RETURN_POINTER(builder_to_varlena(b));
}

PG_FUNCTION_INFO_V1(nous_flow_between);

/*
 * flow_between(m, zones, categories): persons who stayed in a zone of a
 * category, moved between two zones of one category, or moved from one
 * category to another.
 */
Datum
nous_flow_between(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v,
				sv,
				mv;
	int32	   *cat;
	const char **catcode;
	size_t	   *catlen;
	nous_flow_builder *sb,
			   *mb;
	struct varlena *sflat,
			   *mflat;
	int32	   *start;
	int32		i,
				e;

	flows_view(PG_GETARG_DATUM(0), &v);
	map_categories(&v, PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2), &cat, &catcode, &catlen);
	InitMaterializedSRF(fcinfo, 0);
	sb = nous_fb_create();
	mb = nous_fb_create();
	if (sb == NULL || mb == NULL)
		nous_report_status(NOUS_ERR_NOMEM, "flow_between");
	for (i = 0; i < v.nzones; i++)
	{
		int32		c = cat[i];

		report_build_status(nous_fb_add(sb, catcode[c], catlen[c], catcode[c], catlen[c],
										nous_fv_stay(&v, i)));
	}
	for (e = 0; e < v.nedges; e++)
	{
		int32		a = cat[nous_fv_orig(&v, e)],
					b = cat[nous_fv_dest(&v, e)];

		if ((e & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		report_build_status(nous_fb_add(mb, catcode[a], catlen[a], catcode[b], catlen[b],
										nous_fv_w(&v, e)));
	}
	sflat = builder_to_varlena(sb);
	mflat = builder_to_varlena(mb);
	flows_view_of(sflat, &sv);
	flows_view_of(mflat, &mv);
	start = origin_starts(&mv);
	for (i = 0; i < sv.nzones; i++)
	{
		size_t		len;
		const char *code = nous_fv_zone(&sv, i, &len);
		int32		k = nous_fv_find(&mv, code, len);
		Datum		vals[4];
		bool		nulls[4] = {false, false, false, false};
		text	   *ct = cstring_to_text_with_len(code, (int) len);

		vals[0] = PointerGetDatum(ct);
		vals[1] = PointerGetDatum(ct);
		vals[2] = PointerGetDatum(cstring_to_text("stayed"));
		vals[3] = Float8GetDatum(nous_fv_stay(&sv, i));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		if (k < 0)
			continue;
		vals[2] = PointerGetDatum(cstring_to_text("moved inside"));
		vals[3] = Float8GetDatum(nous_fv_stay(&mv, k));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		vals[2] = PointerGetDatum(cstring_to_text("moved between"));
		for (e = start[k]; e < start[k + 1]; e++)
		{
			vals[1] = PointerGetDatum(zone_text(&mv, nous_fv_dest(&mv, e)));
			vals[3] = Float8GetDatum(nous_fv_w(&mv, e));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		}
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------ flow lines */

/* at most this many segments in an arc of nous.flow_arc */
#define NOUS_FLOW_ARC_MAX_SEGMENTS 10000

PG_FUNCTION_INFO_V1(nous_flow_arc_check);

/*
 * flow_arc_check(a_type, b_type, a_empty, b_empty, a_srid, b_srid,
 * curvature, segments): helper of nous.flow_arc, which passes what PostGIS
 * says of its two geometries; true, or an error naming the bad argument
 * (PostGIS would otherwise fail with an internal error, or an arc of
 * billions of points exhaust memory).
 */
Datum
nous_flow_arc_check(PG_FUNCTION_ARGS)
{
	const char *names[2] = {"a", "b"};

	for (int i = 0; i < 2; i++)
	{
		char	   *gtype = text_to_cstring(PG_GETARG_TEXT_PP(i));

		if (strcmp(gtype, "POINT") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a point, not a %s", names[i], gtype),
					 errhint("Use a representative point: ST_PointOnSurface(geom) or ST_Centroid(geom).")));
		if (PG_GETARG_BOOL(2 + i))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not be an empty point", names[i])));
	}
	if (PG_GETARG_INT32(4) != PG_GETARG_INT32(5))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a and b have different SRIDs (%d and %d)",
						PG_GETARG_INT32(4), PG_GETARG_INT32(5))));
	if (!isfinite(PG_GETARG_FLOAT8(6)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("curvature must be a finite number")));
	if (PG_GETARG_INT32(7) > NOUS_FLOW_ARC_MAX_SEGMENTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("segments must be at most %d, got %d",
						NOUS_FLOW_ARC_MAX_SEGMENTS, PG_GETARG_INT32(7))));
	PG_RETURN_BOOL(true);
}


PG_FUNCTION_INFO_V1(nous_flow_lines_check);

/*
 * flow_lines_check(m, zones_with_geometry, on_missing, anchor): true when
 * every zone of m that has a flow off the diagonal has a geometry; otherwise
 * an error naming the zones (on_missing = 'error') or a notice ('notice').
 */
Datum
nous_flow_lines_check(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	Datum	   *zd;
	bool	   *zn;
	int			nzm,
				i,
				nmissing = 0;
	bool	   *has,
			   *used;
	char	   *on_missing,
			   *anchor;
	StringInfoData missing;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(true);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("zones, geometries, on_missing and anchor must not be NULL")));
	on_missing = text_to_cstring(PG_GETARG_TEXT_PP(2));
	anchor = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strcmp(on_missing, "error") != 0 && strcmp(on_missing, "notice") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid on_missing \"%s\"", on_missing),
				 errhint("Use 'error' (the default) or 'notice' (skip the flows of zones without geometry and list them).")));
	if (strcmp(anchor, "point_on_surface") != 0 && strcmp(anchor, "centroid") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid anchor \"%s\"", anchor),
				 errhint("Use 'point_on_surface' (the default) or 'centroid'.")));
	flows_view(PG_GETARG_DATUM(0), &v);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &zd, &zn, &nzm);
	has = palloc0(sizeof(bool) * Max(v.nzones, 1));
	used = palloc0(sizeof(bool) * Max(v.nzones, 1));
	for (i = 0; i < nzm; i++)
	{
		int32		k;

		if (zn[i])
			continue;
		k = nous_fv_find(&v, VARDATA_ANY(DatumGetTextPP(zd[i])),
						 VARSIZE_ANY_EXHDR(DatumGetTextPP(zd[i])));
		if (k >= 0)
			has[k] = true;
	}
	for (i = 0; i < v.nedges; i++)
	{
		used[nous_fv_orig(&v, i)] = true;
		used[nous_fv_dest(&v, i)] = true;
	}
	initStringInfo(&missing);
	for (i = 0; i < v.nzones; i++)
		if (used[i] && !has[i])
		{
			if (nmissing < 10)
			{
				size_t		len;
				const char *z = nous_fv_zone(&v, i, &len);

				appendStringInfo(&missing, "%s\"%.*s\"", nmissing ? ", " : "", (int) len, z);
			}
			nmissing++;
		}
	if (nmissing > 0)
		ereport(strcmp(on_missing, "error") == 0 ? ERROR : NOTICE,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d zone%s with flows %s no geometry", nmissing,
						nmissing > 1 ? "s" : "", nmissing > 1 ? "have" : "has"),
				 errdetail("Without geometry: %s%s.", missing.data, nmissing > 10 ? ", …" : ""),
				 errhint("Give every zone a non-empty geometry, or pass on_missing => 'notice' to skip their flows.")));
	PG_RETURN_BOOL(true);
}

/* ------------------------------------------------------------ renewal */

PG_FUNCTION_INFO_V1(nous_flow_renewal_sql);

/*
 * flow_renewal(groups, stayers, inflow, outflow): for the groups of one
 * territory, ICI, ICE, ICM per group and IRI, IRE, IRM (repeated).
 */
Datum
nous_flow_renewal_sql(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *gd;
	bool	   *gn;
	int			ng,
				i;
	NousVec		iso,
				entr,
				sort;
	double	   *ici,
			   *ice,
			   *icm;
	nous_flow_renewal_global g;
	static const char *const what[] = {"stayers", "inflow", "outflow"};
	NousVec    *vs[3];

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("groups must not be NULL")));
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT, &gd, &gn, &ng);
	nous_vec_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), "stayers", false, &iso);
	nous_vec_from_datum(PG_GETARG_DATUM(2), PG_ARGISNULL(2), "inflow", false, &entr);
	nous_vec_from_datum(PG_GETARG_DATUM(3), PG_ARGISNULL(3), "outflow", false, &sort);
	vs[0] = &iso;
	vs[1] = &entr;
	vs[2] = &sort;
	for (i = 0; i < 3; i++)
	{
		int			k;

		if (vs[i]->n != ng)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%d groups but %d %s values", ng, vs[i]->n, what[i]),
					 errdetail("The arrays pair element by element, one element per group.")));
		for (k = 0; k < ng; k++)
		{
			if (!vs[i]->present[k])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("NULL %s value for group %d", what[i], k + 1),
						 errhint("Use 0 for a group with no person.")));
			if (vs[i]->x[k] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("negative %s value %g for group %d", what[i], vs[i]->x[k], k + 1)));
		}
	}
	for (i = 0; i < ng; i++)
		if (gn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("NULL group at position %d", i + 1)));
	InitMaterializedSRF(fcinfo, 0);
	ici = palloc(sizeof(double) * Max(ng, 1));
	ice = palloc(sizeof(double) * Max(ng, 1));
	icm = palloc(sizeof(double) * Max(ng, 1));
	nous_flow_renewal(ng, iso.x, entr.x, sort.x, ici, ice, icm, &g);
	for (i = 0; i < ng; i++)
	{
		Datum		vals[7];
		bool		nulls[7] = {false};

		vals[0] = gd[i];
		vals[1] = rate_datum(ici[i], &nulls[1]);
		vals[2] = rate_datum(ice[i], &nulls[2]);
		vals[3] = rate_datum(icm[i], &nulls[3]);
		vals[4] = rate_datum(g.iri, &nulls[4]);
		vals[5] = rate_datum(g.ire, &nulls[5]);
		vals[6] = rate_datum(g.irm, &nulls[6]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------ dense form */

PG_FUNCTION_INFO_V1(nous_flow_dense);

/*
 * flow_dense(m, max_zones): zone labels and the n x n matrix (rows =
 * origins, stayers on the diagonal) for small matrices.
 */
Datum
nous_flow_dense(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	int32		maxz = PG_GETARG_INT32(1);
	TupleDesc	td;
	Datum		vals[2];
	bool		nulls[2] = {false, false};
	Datum	   *codes,
			   *cells;
	int			dims[2],
				lbs[2] = {1, 1};
	int32		i,
				e;
	size_t		n;

	flows_view(PG_GETARG_DATUM(0), &v);
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (maxz < 0 || maxz > 4000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_zones must be between 0 and 4000, not %d", maxz)));
	if (v.nzones > maxz)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("matrix of %d zones is larger than max_zones = %d", v.nzones, maxz),
				 errhint("Raise max_zones (at most 4000), aggregate the zones with nous.flow_categories, or use nous.flow_edges.")));
	n = (size_t) v.nzones;
	codes = palloc(sizeof(Datum) * Max(n, 1));
	cells = palloc(sizeof(Datum) * Max(n * n, 1));
	for (i = 0; i < v.nzones; i++)
		codes[i] = PointerGetDatum(zone_text(&v, i));
	for (i = 0; (size_t) i < n * n; i++)
		cells[i] = Float8GetDatum(0.0);
	for (i = 0; i < v.nzones; i++)
		cells[(size_t) i * n + i] = Float8GetDatum(nous_fv_stay(&v, i));
	for (e = 0; e < v.nedges; e++)
		cells[(size_t) nous_fv_orig(&v, e) * n + nous_fv_dest(&v, e)] = Float8GetDatum(nous_fv_w(&v, e));
	vals[0] = PointerGetDatum(construct_array(codes, v.nzones, TEXTOID, -1, false, TYPALIGN_INT));
	if (n == 0)
		vals[1] = PointerGetDatum(construct_empty_array(FLOAT8OID));
	else
	{
		dims[0] = dims[1] = v.nzones;
		vals[1] = PointerGetDatum(construct_md_array(cells, NULL, 2, dims, lbs, FLOAT8OID,
													 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(td), vals, nulls)));
}
