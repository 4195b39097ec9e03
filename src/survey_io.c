/*
 * survey_io.c — text and binary input and output of nous.svystate and
 * nous.kmstate.  Text: the kind, then one "(k1,k2:v1,...,vw)" per record in
 * key order, e.g. c(1,5:2.5,3,1,1,0); binary: version, kind, count, then the
 * records.  Every input is checked as a stored state is (svy_check_records).
 */
#include "postgres.h"

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"

#include "survey_glue.h"

/* x in its shortest exact decimal form */
static void
append_double(StringInfo s, double x)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(x, buf);
	appendStringInfoString(s, buf);
}

/* text: "<kind>" then one "(k1,k2:v1,...,vw)" per record, e.g. c(1,5:2.5,3,1,1,0) */
static char *
view_text(const SvyView *v)
{
	StringInfoData s;
	int			i,
				j;

	initStringInfo(&s);
	appendStringInfoChar(&s, (char) v->kind);
	for (i = 0; i < v->n; i++)
	{
		appendStringInfo(&s, "(" INT64_FORMAT "," INT64_FORMAT ":", v->keys[2 * i], v->keys[2 * i + 1]);
		for (j = 0; j < v->width; j++)
		{
			if (j > 0)
				appendStringInfoChar(&s, ',');
			append_double(&s, v->vals[(Size) i * v->width + j]);
		}
		appendStringInfoChar(&s, ')');
	}
	return s.data;
}

/* the text output of a state */
static Datum
state_out(Datum d, bool km)
{
	SvyView		v;

	svy_state_view(d, km, &v);
	return CStringGetDatum(view_text(&v));
}

/* a flat state of checked, sorted records */
static Datum
flat_from_records(int kind, int n, const int64 *keys, const double *vals)
{
	Size		size = svy_flat_size(svy_kind_width(kind), n);
	char	   *buf = palloc(size);

	svy_write_flat(buf, size, kind, n, keys, vals);
	return PointerGetDatum(buf);
}

/*
 * A text input that does not parse: w is the width of its kind (-1: no
 * kind), record the number of the record that does not read.
 */
NOUS_NORETURN static void
bad_syntax(const char *str, bool km, int w, int record)
{
	const char *what = km ? "Kaplan-Meier" : "survey";

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for a %s state: \"%s\"", what, str),
			 w < 0 ? errdetail("A %s state begins with its kind: %s.", what,
							   km ? "k" : "e (empty), u (no clusters), c (clusters) or 2 (two stages)")
			 : w == 0 ? errdetail("An empty survey state is the letter e alone.")
			 : errdetail("Record %d is not of the form (key,key:v1,...,v%d), or text follows the last record.",
						 record, w)));
	pg_unreachable();
}

/* the text input of a state (km: a kmstate) */
static Datum
parse_text(const char *str, bool km)
{
	const char *p = str;
	int			kind = *p,
				w,
				n = 0,
				cap = 16;
	int64	   *keys;
	double	   *vals;

	if (!svy_kind_valid(kind, km))
		bad_syntax(str, km, -1, 0);
	w = svy_kind_width(kind);
	keys = palloc(sizeof(int64) * 2 * cap);
	vals = palloc(sizeof(double) * Max(w, 1) * cap);
	p++;
	while (*p == '(')
	{
		char	   *end;
		int			j;

		if (kind == K_EMPTY)
			break;
		if (n == cap)
		{
			cap = (int) nous_grow_cap(cap, (int64) n + 1, svy_flat_size(w, 1) - SVY_HDR,
									  0x3fffffff / Max(w, 2), "records in a survey state");
			keys = repalloc_huge(keys, sizeof(int64) * 2 * (Size) cap);
			vals = repalloc_huge(vals, sizeof(double) * w * (Size) cap);
		}
		p++;
		errno = 0;
		keys[2 * n] = strtoll(p, &end, 10);
		if (end == p || *end != ',' || errno)
			goto bad;
		p = end + 1;
		keys[2 * n + 1] = strtoll(p, &end, 10);
		if (end == p || *end != ':' || errno)
			goto bad;
		p = end + 1;
		for (j = 0; j < w; j++)
		{
			vals[(Size) n * w + j] = strtod(p, &end);
			if (end == p || *end != (j == w - 1 ? ')' : ','))
				goto bad;
			p = end + 1;
		}
		n++;
	}
	if (*p != '\0')
		goto bad;
	svy_check_records(kind, n, keys, vals);
	return flat_from_records(kind, n, keys, vals);
bad:
	bad_syntax(str, km, w, n + 1);
}

/* the binary input of a state */
static Datum
recv_state(StringInfo buf, bool km)
{
	int			version = pq_getmsgbyte(buf);
	int			kind = pq_getmsgbyte(buf);
	int			n = pq_getmsgint(buf, 4);
	int			w,
				i,
				j;
	int64	   *keys;
	double	   *vals;

	if (version != SVY_VERSION)
		svy_corrupt(km, "The state has an unknown version.");
	if (!svy_kind_valid(kind, km) || n < 0 || (kind == K_EMPTY && n != 0))
		svy_corrupt(km, "The state has an unknown kind or a wrong record count.");
	w = svy_kind_width(kind);
	if ((Size) n > (Size) (buf->len - buf->cursor) / (2 * sizeof(int64) + sizeof(double) * w))
		svy_corrupt(km, "The state is shorter than its record count says.");
	keys = palloc(sizeof(int64) * 2 * Max(n, 1));
	vals = palloc(sizeof(double) * Max(w, 1) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		keys[2 * i] = pq_getmsgint64(buf);
		keys[2 * i + 1] = pq_getmsgint64(buf);
		for (j = 0; j < w; j++)
			vals[(Size) i * w + j] = pq_getmsgfloat8(buf);
	}
	svy_check_records(kind, n, keys, vals);
	return flat_from_records(kind, n, keys, vals);
}

/* the binary output of a state */
static bytea *
send_state(Datum d, bool km)
{
	SvyView		v;
	StringInfoData buf;
	int			i,
				j;

	svy_state_view(d, km, &v);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, SVY_VERSION);
	pq_sendbyte(&buf, v.kind);
	pq_sendint32(&buf, v.n);
	for (i = 0; i < v.n; i++)
	{
		pq_sendint64(&buf, v.keys[2 * i]);
		pq_sendint64(&buf, v.keys[2 * i + 1]);
		for (j = 0; j < v.width; j++)
			pq_sendfloat8(&buf, v.vals[(Size) i * v.width + j]);
	}
	return pq_endtypsend(&buf);
}

/* the input and output functions of the two types (km: nous.kmstate) */
NOUS_ENTRY(nous_svystate_in, parse_text(PG_GETARG_CSTRING(0), false));
NOUS_ENTRY(nous_svystate_out, state_out(PG_GETARG_DATUM(0), false));
NOUS_ENTRY(nous_svystate_recv, recv_state((StringInfo) PG_GETARG_POINTER(0), false));
NOUS_ENTRY(nous_svystate_send, PointerGetDatum(send_state(PG_GETARG_DATUM(0), false)));

NOUS_ENTRY(nous_kmstate_in, parse_text(PG_GETARG_CSTRING(0), true));
NOUS_ENTRY(nous_kmstate_out, state_out(PG_GETARG_DATUM(0), true));
NOUS_ENTRY(nous_kmstate_recv, recv_state((StringInfo) PG_GETARG_POINTER(0), true));
NOUS_ENTRY(nous_kmstate_send, PointerGetDatum(send_state(PG_GETARG_DATUM(0), true)));
