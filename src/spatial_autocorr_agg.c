/*
 * spatial_autocorr_agg.c — the storable state of the one-step spatial
 * statistics nous.moran(w, id, value [, options]), nous.geary,
 * nous.getis_ord, nous.local_moran, nous.local_g and nous.local_gstar: the
 * type nous.autocorrelation_state (the weights once, the options, the
 * (id, value) pairs), its transition, combine and final functions and its
 * text and binary forms.  A real state type: parallel query and Citus
 * combine partial states (Citus runs the aggregates as partial aggregates
 * on the workers), and the final functions compute from the state alone
 * exactly what the two-step functions compute (spatial_autocorr.c).
 *
 * The weights are taken on the first row of a group.  On the next rows the
 * argument is recognised as the same value in O(1): the same datum pointer
 * with the same size and the same sampled bytes (a scalar subquery, a
 * parameter or a constant gives the same pointer on every row), or the
 * same on-disk toast pointer as one of the last 8 found equal (a toasted
 * column read row after row: a toast value id names one value of its toast
 * table).  Values of up to 8 kB are compared in full on every row (as
 * cheap as sampling).  Anything else is compared
 * in full once (the executor made that datum for this row, at a cost
 * proportional to its size already) and then remembered; a different value
 * is an error, never ignored.  Nothing is cached in fn_extra: Citus calls
 * the transition through a new FmgrInfo on every row.
 */
#include "postgres.h"

#include <math.h>

#include "access/detoast.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#include "nous.h"
#include "spatial_glue.h"

/*
 * The flat (stored) form: a 4-byte length word, the version byte, a zero
 * byte, uint16 olen, int32 wlen, int32 n (ACS_HDRSZ = 16); the options
 * (olen bytes, no NUL) at 16; the weights (wlen bytes, 0 without rows) at
 * ACS_WOFF; int64 ids[n] at ACS_IDSOFF, then float8 x[n] (NaN: no value).
 */
#define ACS_VERSION 1
#define ACS_HDRSZ 16
#define ACS_WOFF(olen) MAXALIGN(ACS_HDRSZ + (Size) (olen))
#define ACS_IDSOFF(olen, wlen) MAXALIGN(ACS_WOFF(olen) + (Size) (wlen))
#define ACS_WHAT "nous.autocorrelation_state value"

/* the number of bytes of a weights argument compared when its pointer is the one seen */
#define ACS_SAMPLES 8
/* values up to this size are always compared in full (the samples serve larger ones) */
#define ACS_FULL_COMPARE 8192

/* the number of on-disk toast pointers remembered (copies of one value in a few rows) */
#define ACS_TOASTS 8

typedef struct AcsEO
{
	ExpandedObjectHeader hdr;
	NousWeights *w;				/* copy in the object's context; NULL without rows */
	int64	   *ids;
	double	   *x;
	int64		n;
	int64		cap;
	char		opts[AC_OPTS_MAXLEN + 1];
	/* the last weights argument found equal to w: the raw datum ... */
	Pointer		seen;
	Size		seen_size;
	uint64		seen_sample[ACS_SAMPLES];
	/* ... and the last on-disk toast pointers found equal (a ring) */
	int			ntoast;
	varatt_external toast[ACS_TOASTS];
} AcsEO;

static Size
acs_flat_size(ExpandedObjectHeader *eohptr)
{
	AcsEO	   *eo = (AcsEO *) eohptr;
	Size		wlen = eo->w ? VARSIZE(eo->w) : 0;

	return ACS_IDSOFF(strlen(eo->opts), wlen) + (sizeof(int64) + sizeof(double)) * (Size) eo->n;
}

static void
acs_flatten(ExpandedObjectHeader *eohptr, void *result, Size size)
{
	AcsEO	   *eo = (AcsEO *) eohptr;
	char	   *p = result;
	uint16		olen = (uint16) strlen(eo->opts);
	int32		wlen = eo->w ? (int32) VARSIZE(eo->w) : 0;
	int32		n = (int32) eo->n;
	Size		idsoff = ACS_IDSOFF(olen, wlen);

	memset(p, 0, idsoff);
	SET_VARSIZE(p, size);
	p[4] = ACS_VERSION;
	memcpy(p + 6, &olen, sizeof(uint16));
	memcpy(p + 8, &wlen, sizeof(int32));
	memcpy(p + 12, &n, sizeof(int32));
	memcpy(p + ACS_HDRSZ, eo->opts, olen);
	if (wlen > 0)
		memcpy(p + ACS_WOFF(olen), eo->w, wlen);
	memcpy(p + idsoff, eo->ids, sizeof(int64) * (Size) n);
	memcpy(p + idsoff + sizeof(int64) * (Size) n, eo->x, sizeof(double) * (Size) n);
}

static const ExpandedObjectMethods acs_methods = {acs_flat_size, acs_flatten};

static AcsEO *
acs_new(MemoryContext parent, int64 cap)
{
	AcsEO	   *eo = (AcsEO *) nous_eo_new(parent, "nous autocorrelation state", sizeof(AcsEO), &acs_methods);

	eo->cap = Max(cap, 64);
	eo->ids = MemoryContextAllocHuge(eo->hdr.eoh_context, sizeof(int64) * eo->cap);
	eo->x = MemoryContextAllocHuge(eo->hdr.eoh_context, sizeof(double) * eo->cap);
	return eo;
}

static void
acs_reserve(AcsEO *eo, int64 need)
{
	nous_reserve2(eo->ids, eo->x, eo->cap, need, NOUS_GRAPH_MAX, "areas");
}

/* the state read-only: what the final functions need (AcState of spatial_glue.h) */
static void
acs_view(Datum d, AcState *s)
{
	AcsEO	   *eo = (AcsEO *) nous_eo_of(d, &acs_methods);
	char	   *p;
	uint16		olen;
	int32		wlen,
				n;
	Size		idsoff;

	memset(s, 0, sizeof(*s));
	if (eo != NULL)
	{
		s->w = eo->w;
		s->ids = eo->ids;
		s->x = eo->x;
		s->n = eo->n;
		memcpy(s->opts, eo->opts, sizeof(s->opts));
		return;
	}
	/* a flat value: checked when it was read (input, receive) or written by us */
	p = (char *) PG_DETOAST_DATUM(d);
	if (VARSIZE(p) < ACS_HDRSZ)
		nous_state_corrupt(ACS_WHAT, "The value is truncated.");
	nous_check_format_version("nous.autocorrelation_state", (unsigned char) p[4], 1, ACS_VERSION);
	memcpy(&olen, p + 6, sizeof(uint16));
	memcpy(&wlen, p + 8, sizeof(int32));
	memcpy(&n, p + 12, sizeof(int32));
	if (olen > AC_OPTS_MAXLEN || wlen < 0 || n < 0 || n > NOUS_GRAPH_MAX ||
		VARSIZE(p) != ACS_IDSOFF(olen, wlen) + (sizeof(int64) + sizeof(double)) * (Size) n)
		nous_state_corrupt(ACS_WHAT, "The length does not match the options, the weights and the number of areas.");
	idsoff = ACS_IDSOFF(olen, wlen);
	memcpy(s->opts, p + ACS_HDRSZ, olen);
	s->opts[olen] = '\0';
	s->w = wlen > 0 ? (NousWeights *) (p + ACS_WOFF(olen)) : NULL;
	s->ids = (int64 *) (p + idsoff);
	s->x = (double *) (p + idsoff + sizeof(int64) * (Size) n);
	s->n = n;
}

/* a fingerprint of the bytes of a raw argument: ACS_SAMPLES words spread over it */
static void
acs_sample(const char *p, Size size, uint64 *out)
{
	memset(out, 0, sizeof(uint64) * ACS_SAMPLES);
	for (int k = 0; k < ACS_SAMPLES; k++)
	{
		Size		at = size < sizeof(uint64) ? 0 : (size - sizeof(uint64)) / (ACS_SAMPLES - 1) * k;

		memcpy(&out[k], p + at, Min(size, sizeof(uint64)));
	}
}

/* remember raw argument d (whose value equals eo->w) as seen */
static void
acs_remember(AcsEO *eo, Datum d)
{
	Pointer		p = DatumGetPointer(d);

	eo->seen = p;
	eo->seen_size = VARSIZE_ANY(p);
	acs_sample(p, eo->seen_size, eo->seen_sample);
	if (VARATT_IS_EXTERNAL_ONDISK(p))
		VARATT_EXTERNAL_GET_POINTER(eo->toast[eo->ntoast++ % ACS_TOASTS], p);
}

/* is raw argument d, in O(1), the value last seen? */
static bool
acs_seen(AcsEO *eo, Datum d)
{
	Pointer		p = DatumGetPointer(d);

	if (VARATT_IS_EXTERNAL_ONDISK(p))
	{
		varatt_external t;

		VARATT_EXTERNAL_GET_POINTER(t, p);
		for (int k = 0; k < Min(eo->ntoast, ACS_TOASTS); k++)
			if (memcmp(&t, &eo->toast[k], sizeof(t)) == 0)
				return true;
		return false;
	}
	if (p != eo->seen || VARSIZE_ANY(p) != eo->seen_size)
		return false;
	/* small values are compared in full: as cheap, and no sampling to trust */
	if (eo->seen_size <= ACS_FULL_COMPARE)
		return false;
	{
		uint64		sample[ACS_SAMPLES];

		acs_sample(p, eo->seen_size, sample);
		return memcmp(sample, eo->seen_sample, sizeof(sample)) == 0;
	}
}

static void
acs_weights_differ(const NousWeights *a, const NousWeights *b, const char *where)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("weights must be the same for every row"),
			 errdetail("%s weights of %d areas and %d links, then weights of %d areas and %d links%s.",
					   where, a->n, a->nnz, b->n, b->nnz,
					   a->n == b->n && a->nnz == b->nnz ? " that differ" : ""),
			 errhint("Pass the weights as a scalar subquery: (SELECT w FROM my_weights).")));
}

/* the weights of a row: taken on the first row, then recognised (or refused) */
static void
acs_take_weights(AcsEO *eo, Datum d)
{
	NousWeights *w;

	if (eo->w != NULL && acs_seen(eo, d))
		return;
	w = weights_get(d);
	if (eo->w == NULL)
	{
		eo->w = MemoryContextAllocHuge(eo->hdr.eoh_context, VARSIZE(w));
		memcpy(eo->w, w, VARSIZE(w));
	}
	else if (VARSIZE(w) != VARSIZE(eo->w) || memcmp(w, eo->w, VARSIZE(w)) != 0)
		acs_weights_differ(eo->w, w, "A group has");
	acs_remember(eo, d);
	if ((Pointer) w != DatumGetPointer(d))
		pfree(w);
}

/* the pairs, weights and options of state s appended to eo (the combine's rules) */
static void
acs_add(AcsEO *eo, const AcState *s)
{
	if (s->n == 0 && s->w == NULL)
		return;
	if (eo->w == NULL && eo->n == 0)
	{
		if (s->w != NULL)
		{
			eo->w = MemoryContextAllocHuge(eo->hdr.eoh_context, VARSIZE(s->w));
			memcpy(eo->w, s->w, VARSIZE(s->w));
		}
		memcpy(eo->opts, s->opts, sizeof(eo->opts));
	}
	else
	{
		if (s->w != NULL && eo->w != NULL &&
			(VARSIZE(s->w) != VARSIZE(eo->w) || memcmp(s->w, eo->w, VARSIZE(s->w)) != 0))
			acs_weights_differ(eo->w, s->w, "Two partial states have");
		if (strcmp(eo->opts, s->opts) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options must be the same for every row"),
					 errdetail("Two partial states have the options '%s' and '%s'.", eo->opts, s->opts)));
	}
	acs_reserve(eo, eo->n + s->n);
	memcpy(eo->ids + eo->n, s->ids, sizeof(int64) * (Size) s->n);
	memcpy(eo->x + eo->n, s->x, sizeof(double) * (Size) s->n);
	eo->n += s->n;
}

/* argument argno as a state of ours to change (itself, or a new copy) */
static AcsEO *
acs_state(FunctionCallInfo fcinfo, int argno, MemoryContext aggctx)
{
	AcsEO	   *eo = (AcsEO *) nous_eo_mine(fcinfo, argno, &acs_methods, aggctx);

	if (eo == NULL)
	{
		AcState		s;

		eo = acs_new(aggctx, 64);
		if (!PG_ARGISNULL(argno))
		{
			acs_view(PG_GETARG_DATUM(argno), &s);
			acs_add(eo, &s);
		}
	}
	return eo;
}

static Datum
acs_trans(FunctionCallInfo fcinfo, bool has_opts)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, "nous_ac_state_transfn", "nous.moran(w, id, value)");
	AcsEO	   *eo = acs_state(fcinfo, 0, aggctx);
	bool		first = eo->w == NULL;
	double		v;

	NOUS_REQUIRE_ARG(1, "weights");
	acs_take_weights(eo, PG_GETARG_DATUM(1));
	if (first && has_opts && !PG_ARGISNULL(4))
	{
		text	   *o = PG_GETARG_TEXT_PP(4);

		if (VARSIZE_ANY_EXHDR(o) > AC_OPTS_MAXLEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options are too long")));
		text_to_cstring_buffer(o, eo->opts, sizeof(eo->opts));
	}
	v = ac_row_value(fcinfo);
	acs_reserve(eo, eo->n + 1);
	eo->ids[eo->n] = PG_GETARG_INT64(2);
	eo->x[eo->n++] = v;
	NOUS_RETURN_EO(eo);
}

/* Transition of the one-step statistics (state, w, id, value). */
NOUS_ENTRY(nous_ac_state_transfn, acs_trans(fcinfo, false));

/* Transition with options (state, w, id, value, options): the options of the first row. */
NOUS_ENTRY(nous_ac_state_transfn_opts, acs_trans(fcinfo, true));

PG_FUNCTION_INFO_V1(nous_ac_state_combine);

/* Combine: the pairs of both; the same weights and options (either side may be empty). */
Datum
nous_ac_state_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	AcsEO	   *eo;
	AcState		s;

	NOUS_RETURN_STATE_IF_NULL(1);
	aggctx = nous_agg_or_current_context(fcinfo);	/* from SQL: a new value */
	eo = acs_state(fcinfo, 0, aggctx);
	acs_view(PG_GETARG_DATUM(1), &s);
	acs_add(eo, &s);
	NOUS_RETURN_EO(eo);
}

/* ---- final functions: the statistics of the state (spatial_autocorr.c) ---- */

static AcState *
acs_final_state(FunctionCallInfo fcinfo)
{
	AcState    *s;

	if (PG_ARGISNULL(0))
		return NULL;
	s = palloc(sizeof(AcState));
	acs_view(PG_GETARG_DATUM(0), s);
	return s;
}

NOUS_ENTRY(nous_moran_state_finalfn, ac_global_result(fcinfo, acs_final_state(fcinfo), NOUS_MORAN));

NOUS_ENTRY(nous_geary_state_finalfn, ac_global_result(fcinfo, acs_final_state(fcinfo), NOUS_GEARY));

NOUS_ENTRY(nous_getis_ord_state_finalfn, ac_global_result(fcinfo, acs_final_state(fcinfo), NOUS_GETIS_ORD));

NOUS_ENTRY(nous_local_moran_state_finalfn, ac_local_moran_result(fcinfo, acs_final_state(fcinfo)));

NOUS_ENTRY(nous_local_g_state_finalfn, ac_local_g_result(fcinfo, acs_final_state(fcinfo), false));

NOUS_ENTRY(nous_local_gstar_state_finalfn, ac_local_g_result(fcinfo, acs_final_state(fcinfo), true));

/* ---- the binary form, and the text form (its bytes in hexadecimal) ---- */

/*
 * The binary form: version byte, int16 olen, the options, int32 wlen, the
 * weights (their stored bytes), int64 n, then n times (int64 id, float8 x).
 */
static bytea *
acs_encode(Datum d)
{
	AcState		s;
	StringInfoData buf;
	int			olen;
	int32		wlen;

	acs_view(d, &s);
	olen = (int) strlen(s.opts);
	wlen = s.w ? (int32) VARSIZE(s.w) : 0;
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, ACS_VERSION);
	pq_sendint16(&buf, (int16) olen);
	pq_sendbytes(&buf, s.opts, olen);
	pq_sendint32(&buf, wlen);
	if (wlen > 0)
		pq_sendbytes(&buf, (char *) s.w, wlen);
	pq_sendint64(&buf, s.n);
	for (int64 i = 0; i < s.n; i++)
	{
		pq_sendint64(&buf, s.ids[i]);
		pq_sendfloat8(&buf, s.x[i]);
	}
	return pq_endtypsend(&buf);
}

/* a state from its binary form (read from buf), every part checked */
static AcsEO *
acs_decode(StringInfo buf, const char *what)
{
	AcsEO	   *eo;
	int			olen;
	int32		wlen;
	int64		n;

#define BAD(detail) ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION), \
		errmsg("invalid %s nous.autocorrelation_state value", what), errdetail(detail)))
	if (buf->len - buf->cursor < 1 + 2 + 4 + 8)
		BAD("The value is too short.");
	nous_check_format_version("nous.autocorrelation_state", pq_getmsgbyte(buf), 1, ACS_VERSION);
	olen = (int16) pq_getmsgint(buf, 2);
	if (olen < 0 || olen > AC_OPTS_MAXLEN || olen > buf->len - buf->cursor - 12)
		BAD("The options have an invalid length.");
	eo = acs_new(CurrentMemoryContext, 64);
	memcpy(eo->opts, pq_getmsgbytes(buf, olen), olen);
	eo->opts[olen] = '\0';
	if (strlen(eo->opts) != (size_t) olen)
		BAD("The options contain a zero byte.");
	wlen = pq_getmsgint(buf, 4);
	if (wlen < 0 || wlen > buf->len - buf->cursor - 8 || (wlen > 0 && (Size) wlen < WEIGHTS_HDRSZ))
		BAD("The weights have an invalid length.");
	if (wlen > 0)
	{
		NousWeights *w = MemoryContextAllocHuge(eo->hdr.eoh_context, wlen);

		memcpy(w, pq_getmsgbytes(buf, wlen), wlen);
		if (VARATT_IS_SHORT(w) || VARATT_IS_EXTENDED(w) || VARSIZE(w) != (Size) wlen)
			BAD("The weights do not match their length.");
		weights_check_full(w, ERRCODE_INVALID_BINARY_REPRESENTATION);
		eo->w = w;
	}
	n = pq_getmsgint64(buf);
	if (n < 0 || n > NOUS_GRAPH_MAX || (int64) (buf->len - buf->cursor) != 16 * n)
		BAD("The number of areas does not match the length of the value.");
	if (n > 0 && wlen == 0)
		BAD("The value has areas but no weights.");
	acs_reserve(eo, n);
	for (int64 i = 0; i < n; i++)
	{
		eo->ids[i] = pq_getmsgint64(buf);
		eo->x[i] = pq_getmsgfloat8(buf);
		if (isinf(eo->x[i]))
			BAD("A value is infinite.");
	}
	eo->n = n;
#undef BAD
	return eo;
}

PG_FUNCTION_INFO_V1(nous_ac_state_send);
Datum
nous_ac_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(acs_encode(PG_GETARG_DATUM(0)));
}

PG_FUNCTION_INFO_V1(nous_ac_state_recv);
Datum
nous_ac_state_recv(PG_FUNCTION_ARGS)
{
	AcsEO	   *eo = acs_decode((StringInfo) PG_GETARG_POINTER(0), "binary");

	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_ac_state_out);

/* \x and the binary form in hexadecimal: exact, as bytea's text form. */
Datum
nous_ac_state_out(PG_FUNCTION_ARGS)
{
	bytea	   *b = acs_encode(PG_GETARG_DATUM(0));
	Size		len = VARSIZE(b) - VARHDRSZ;
	char	   *out = palloc_extended(2 * len + 3, MCXT_ALLOC_HUGE);

	out[0] = '\\';
	out[1] = 'x';
	hex_encode(VARDATA(b), len, out + 2);
	out[2 + 2 * len] = '\0';
	PG_RETURN_CSTRING(out);
}

static int
acs_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

PG_FUNCTION_INFO_V1(nous_ac_state_in);
Datum
nous_ac_state_in(PG_FUNCTION_ARGS)
{
	const char *s = PG_GETARG_CSTRING(0);
	Size		len = strlen(s);
	StringInfoData buf;

	if (len < 2 || s[0] != '\\' || s[1] != 'x' || len % 2 != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type nous.autocorrelation_state"),
				 errdetail("A value is \\x followed by an even number of hexadecimal digits.")));
	initStringInfo(&buf);
	enlargeStringInfo(&buf, (int) ((len - 2) / 2));
	for (Size i = 2; i < len; i += 2)
	{
		int			hi = acs_hexval(s[i]),
					lo = acs_hexval(s[i + 1]);

		if (hi < 0 || lo < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type nous.autocorrelation_state"),
					 errdetail("\"%c%c\" at offset %zu is not a hexadecimal byte.", s[i], s[i + 1], i)));
		buf.data[buf.len++] = (char) (hi << 4 | lo);
	}
	buf.data[buf.len] = '\0';
	{
		AcsEO	   *eo = acs_decode(&buf, "text");

		NOUS_RETURN_EO(eo);
	}
}
