/*
 * flow_io.c — the text and binary forms of nous.flows.
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
#include "flow_glue.h"

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
	nous_append_quoted(s, z, len);
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
	bool	   *touched,
			   *with_stay;
	bool		first = true;
	int32		i,
				e,
				o,
				d;
	double		w;
	FlowWalk	walk;

	flows_view(PG_GETARG_DATUM(0), &v);
	touched = palloc0(sizeof(bool) * Max(v.nzones, 1));
	for (e = 0; e < v.nedges; e++)
	{
		touched[nous_fv_orig(&v, e)] = true;
		touched[nous_fv_dest(&v, e)] = true;
	}
	/* stayers written when non-zero or when the zone has no flow */
	with_stay = palloc(sizeof(bool) * Max(v.nzones, 1));
	for (i = 0; i < v.nzones; i++)
		with_stay[i] = nous_fv_stay(&v, i) != 0 || !touched[i];
	initStringInfo(&s);
	appendStringInfoChar(&s, '{');
	flow_walk_start(&walk, &v, with_stay);
	while (flow_walk_next(&walk, &o, &d, &w))
		append_item(&s, &v, o, d, w, &first);
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
		if (!nous_read_quoted(&fp->p, &fp->buf))
			parse_error(fp, "A quoted zone code is not closed");
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
			flow_report_build_status(st);
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
	PG_RETURN_POINTER(flow_builder_to_varlena(b));
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
	nous_bad_binary("nous.flows", detail);
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
