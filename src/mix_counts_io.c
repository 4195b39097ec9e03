/*
 * mix_counts_io.c — the text and binary forms of nous.mixcounts.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"

#include "nous.h"
#include "mix.h"
#include "mix_state.h"

PG_FUNCTION_INFO_V1(nous_mixcounts_out);

/* text form: the merged cells [["super","unit","grp",n],…] in sorted order */
Datum
nous_mixcounts_out(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	StringInfoData s;
	size_t		i;

	mix_table_arg(fcinfo, 0, &t);
	initStringInfo(&s);
	appendStringInfoChar(&s, '[');
	for (i = 0; i < t.ncell; i++)
	{
		uint32		sp = t.cell_super[i], u = t.cell_unit[i], g = t.cell_group[i];

		if (i > 0)
			appendStringInfoChar(&s, ',');
		appendStringInfoChar(&s, '[');
		nous_append_quoted(&s, t.super_name[sp], t.super_len[sp]);
		appendStringInfoChar(&s, ',');
		nous_append_quoted(&s, t.unit_name[u], t.unit_len[u]);
		appendStringInfoChar(&s, ',');
		nous_append_quoted(&s, t.group_name[g], t.group_len[g]);
		appendStringInfoChar(&s, ',');
		mix_append_double(&s, t.cell_n[i]);
		appendStringInfoChar(&s, ']');
	}
	appendStringInfoChar(&s, ']');
	nous_mixtable_free(&t);
	PG_RETURN_CSTRING(s.data);
}

/* the value being read and the buffers of its keys */
typedef struct CountsIn
{
	StringInfoData s,
				ks,
				ku,
				kg;
} CountsIn;

/* one "[super, unit, group, n]" of the text form, appended to the value */
static void
counts_in_item(const char **p, const char *str, void *arg)
{
	CountsIn   *c = (CountsIn *) arg;
	double		n;
	Size		need;

	mix_expect_char(p, '[', "nous.mixcounts", str);
	mix_parse_quoted(p, &c->ks, str);
	mix_expect_char(p, ',', "nous.mixcounts", str);
	mix_parse_quoted(p, &c->ku, str);
	mix_expect_char(p, ',', "nous.mixcounts", str);
	mix_parse_quoted(p, &c->kg, str);
	mix_expect_char(p, ',', "nous.mixcounts", str);
	n = mix_parse_double(p, "nous.mixcounts", str);
	if (n < 0.0)
		mix_bad_text("nous.mixcounts", str, "Counts must not be negative.");
	mix_expect_char(p, ']', "nous.mixcounts", str);
	need = NOUS_MIXREC_HDR + c->ks.len + c->ku.len + c->kg.len;
	if ((Size) c->s.len + need >= MaxAllocSize)
		mix_bad_text("nous.mixcounts", str, "The state is larger than 1 GB.");
	mix_append_record(&c->s, n, c->ks.data, c->ks.len, c->ku.data, c->ku.len,
					  c->kg.data, c->kg.len);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_in);
Datum
nous_mixcounts_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	CountsIn	c;

	initStringInfo(&c.s);
	initStringInfo(&c.ks);
	initStringInfo(&c.ku);
	initStringInfo(&c.kg);
	appendBinaryStringInfo(&c.s, MIX_IMAGE_START, COUNTS_HDR);
	mix_parse_list(&p, "nous.mixcounts", str, counts_in_item, &c);
	SET_VARSIZE(c.s.data, c.s.len);
	PG_RETURN_POINTER(c.s.data);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_send);
Datum
nous_mixcounts_send(PG_FUNCTION_ARGS)
{
	Size		len;
	const char *img = mix_state_image(PG_GETARG_DATUM(0), BUF_COUNTS, &len);
	const unsigned char *r = (const unsigned char *) img + COUNTS_HDR;
	size_t		c, i;
	Size		off = 0;
	StringInfoData buf;

	if (nous_mixrec_count(r, len - COUNTS_HDR, &c) != NOUS_OK)
		mix_counts_corrupt();
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, MIX_VERSION);
	pq_sendint64(&buf, (int64) c);
	for (i = 0; i < c; i++)
	{
		double		n;
		uint32		l[3];
		int			k;
		const char *str;

		off += nous_mixrec_read(r + off, &n, l, &str);
		pq_sendfloat8(&buf, n);
		for (k = 0; k < 3; k++)
		{
			nous_sendcountedtext(&buf, str, l[k]);
			str += l[k];
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_mixcounts_recv);
Datum
nous_mixcounts_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	StringInfoData s;
	int64		c, i;

	if (msg->len - msg->cursor < 9)
		nous_bad_binary("nous.mixcounts", "The message is too short.");
	nous_check_format_version("nous.mixcounts", pq_getmsgbyte(msg), 1, MIX_VERSION);
	c = pq_getmsgint64(msg);
	/* every record takes at least 20 bytes in the message */
	if (c < 0 || c > (int64) (msg->len - msg->cursor) / 20)
		nous_bad_binary("nous.mixcounts", "The cell count does not match the message length.");
	initStringInfo(&s);
	appendBinaryStringInfo(&s, MIX_IMAGE_START, COUNTS_HDR);
	for (i = 0; i < c; i++)
	{
		double		n;
		char	   *k[3];
		int			l[3], j;
		Size		need;

		if (msg->len - msg->cursor < 20)
			nous_bad_binary("nous.mixcounts", "The message is truncated.");
		n = pq_getmsgfloat8(msg);
		if (!isfinite(n) || n < 0.0)
			nous_bad_binary("nous.mixcounts", "A count is negative or not finite.");
		for (j = 0; j < 3; j++)
		{
			int			nb = pq_getmsgint(msg, 4);

			if (nb < 0 || nb > msg->len - msg->cursor)
				nous_bad_binary("nous.mixcounts", "A string length is out of range.");
			k[j] = pq_getmsgtext(msg, nb, &l[j]);
		}
		need = NOUS_MIXREC_HDR + (Size) l[0] + l[1] + l[2];
		if ((Size) s.len + need >= MaxAllocSize)
			nous_bad_binary("nous.mixcounts", "The state is larger than 1 GB.");
		mix_append_record(&s, n, k[0], l[0], k[1], l[1], k[2], l[2]);
	}
	if (msg->cursor != msg->len)
		nous_bad_binary("nous.mixcounts", "Junk after the last cell.");
	SET_VARSIZE(s.data, s.len);
	PG_RETURN_POINTER(s.data);
}
