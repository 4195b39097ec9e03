/*
 * spatial_area_values_io.c — the text and binary forms of nous.area_values
 * ({id:value,id:null,...}) and nous.text_area_values ({"id":value,...}):
 * input, output, send and receive, each value in the shortest decimal form
 * that reads back exactly.
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "nous.h"
#include "spatial_area_values.h"

/*
 * The text forms: {id:value,id:null,...} (bigint ids) or {"id":value,...}
 * (text ids, \\" and \\\\ escaping a quote and a backslash); values read
 * exactly (strtod is correctly rounded: the out form reads back exactly).
 */
static AvEO *
av_parse(const char *s, bool text)
{
	const char *p = s;
	AvEO	   *eo = av_new(CurrentMemoryContext, 16, text);
	StringInfoData id;

	initStringInfo(&id);
#define SKIP() while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++
#define BAD(msg) ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
		errmsg("invalid input syntax for type %s: \"%s\"", \
			   text ? "nous.text_area_values" : "nous.area_values", s), errdetail(msg)))
	SKIP();
	if (*p++ != '{')
		BAD("A value starts with \"{\".");
	SKIP();
	if (*p == '}')
		p++;
	else
		for (;;)
		{
			char	   *end;
			int64		num = 0;
			double		v;

			SKIP();
			if (text)
			{
				if (*p++ != '"')
					BAD("Expected an area id (a quoted string).");
				resetStringInfo(&id);
				while (*p != '"')
				{
					if (*p == '\0' || (unsigned char) *p < 0x20)
						BAD("Expected an area id (a quoted string).");
					if (*p == '\\')
					{
						p++;
						if (*p != '"' && *p != '\\')
							BAD("Only \\\" and \\\\ are escapes in an id.");
					}
					appendStringInfoChar(&id, *p++);
				}
				p++;
			}
			else
			{
				errno = 0;
				num = strtoll(p, &end, 10);
				if (end == p || errno != 0)
					BAD("Expected an area id (a bigint).");
				p = end;
			}
			SKIP();
			if (*p++ != ':')
				BAD("Expected \":\" after an area id.");
			SKIP();
			if (pg_strncasecmp(p, "null", 4) == 0)
			{
				v = NAN;
				p += 4;
			}
			else
			{
				errno = 0;
				v = strtod(p, &end);
				if (end == p || !isfinite(v))
					BAD("A value is a finite number or null.");
				p = end;
			}
			av_reserve(eo, eo->n + 1);
			if (text)
				av_push_text(eo, id.data, id.len, v);
			else
			{
				if (eo->n > 0 && num < eo->ids[eo->n - 1])
					eo->sorted = false;
				eo->ids[eo->n] = num;
				eo->x[eo->n++] = v;
			}
			SKIP();
			if (*p == ',')
			{
				p++;
				continue;
			}
			if (*p++ != '}')
				BAD("Expected \",\" or \"}\" after a value.");
			break;
		}
	SKIP();
	if (*p != '\0')
		BAD("Unexpected characters after \"}\".");
#undef SKIP
#undef BAD
	pfree(id.data);
	return eo;
}

PG_FUNCTION_INFO_V1(nous_area_values_in);

/* Text form {id:value,id:null,...}. */
Datum
nous_area_values_in(PG_FUNCTION_ARGS)
{
	AvEO	   *eo = av_parse(PG_GETARG_CSTRING(0), false);

	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_text_area_values_in);

/* Text form with text ids {"id":value,"id":null,...}. */
Datum
nous_text_area_values_in(PG_FUNCTION_ARGS)
{
	AvEO	   *eo = av_parse(PG_GETARG_CSTRING(0), true);

	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_area_values_out);

/* {id:value,...} in id order; values in the shortest form that reads back exactly. */
Datum
nous_area_values_out(PG_FUNCTION_ARGS)
{
	AvView		v;
	StringInfoData buf;

	av_read(PG_GETARG_DATUM(0), &v);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int64 i = 0; i < v.n; i++)
	{
		if (v.s != NULL)
		{
			if (i > 0)
				appendStringInfoChar(&buf, ',');
			appendStringInfoChar(&buf, '"');
			for (const char *c = v.s[i]; *c; c++)
			{
				if (*c == '"' || *c == '\\')
					appendStringInfoChar(&buf, '\\');
				appendStringInfoChar(&buf, *c);
			}
			appendStringInfoString(&buf, "\":");
		}
		else
			appendStringInfo(&buf, "%s" INT64_FORMAT ":", i > 0 ? "," : "", v.ids[i]);
		if (isnan(v.x[i]))
			appendStringInfoString(&buf, "null");
		else
		{
			char		num[32];

			double_to_shortest_decimal_buf(v.x[i], num);
			appendStringInfoString(&buf, num);
		}
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(nous_area_values_send);

Datum
nous_area_values_send(PG_FUNCTION_ARGS)
{
	AvView		v;
	StringInfoData buf;

	av_read(PG_GETARG_DATUM(0), &v);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, AV_VERSION);
	pq_sendint32(&buf, (int32) v.n);
	for (int64 i = 0; i < v.n; i++)
	{
		if (v.s != NULL)
		{
			/* text ids: the length, the bytes (no NUL), the value */
			int32		len = (int32) strlen(v.s[i]);

			pq_sendint32(&buf, len);
			pq_sendbytes(&buf, v.s[i], len);
		}
		else
			pq_sendint64(&buf, v.ids[i]);
		pq_sendfloat8(&buf, v.x[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * The header of a binary value (version byte, int32 n): n, the rest of buf
 * checked to hold n pairs (text ids: at least 12 bytes each; bigint ids: 16
 * bytes each, exactly).
 */
static int32
av_recv_header(StringInfo buf, bool text)
{
	const char *type = text ? "nous.text_area_values" : "nous.area_values";
	int32		n;
	int64		rest;

	if (buf->len - buf->cursor < 5)
		nous_bad_binary(type, "The binary value is too short.");
	nous_check_format_version(type, pq_getmsgbyte(buf), 1, AV_VERSION);
	n = pq_getmsgint(buf, 4);
	rest = buf->len - buf->cursor;
	if (n < 0 || n > NOUS_GRAPH_MAX || (text ? rest < 12 * (int64) n : rest != 16 * (int64) n))
		nous_bad_binary(type, "The length does not match the number of areas.");
	return n;
}

PG_FUNCTION_INFO_V1(nous_text_area_values_recv);

/* Binary input with text ids: version 1, n, then (int32 length, bytes, float8) per pair. */
Datum
nous_text_area_values_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		n = av_recv_header(buf, true);
	AvEO	   *eo = av_new(CurrentMemoryContext, n, true);

	for (int32 i = 0; i < n; i++)
	{
		int32		len = pq_getmsgint(buf, 4);
		const char *p;
		double		x;

		if (len < 0 || len > buf->len - buf->cursor - 8)
			nous_bad_binary("nous.text_area_values", "A text id has an invalid length.");
		p = pq_getmsgbytes(buf, len);
		if (memchr(p, '\0', len) != NULL)
			nous_bad_binary("nous.text_area_values", "A text id holds a NUL byte.");
		x = pq_getmsgfloat8(buf);
		if (isinf(x))
			nous_bad_binary("nous.text_area_values", "A value is infinite.");
		av_push_text(eo, p, len, x);
	}
	pq_getmsgend(buf);
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_area_values_recv);

Datum
nous_area_values_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		n = av_recv_header(buf, false);
	Size		size = av_size(n);
	char	   *p = palloc0(size);

	SET_VARSIZE(p, size);
	p[4] = AV_VERSION;
	memcpy(p + 8, &n, sizeof(int32));
	for (int32 i = 0; i < n; i++)
	{
		AV_IDS(p)[i] = pq_getmsgint64(buf);
		AV_X(p, n)[i] = pq_getmsgfloat8(buf);
	}
	av_check(p, size, &n);
	PG_RETURN_POINTER(p);
}

