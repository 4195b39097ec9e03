/*
 * mix.c — SQL glue of the mix module (sql/40_mix.sql): the storable states
 * nous.mixpairs (one (group, total) pair per area) and nous.mixcounts
 * ((super, unit, group) → count cells), the segregation aggregates built on
 * them, and the allocation-mix functions and aggregates.
 *
 * Both state types are kept during an aggregate scan as PostgreSQL expanded
 * objects (a growable buffer holding the flat image), so that appending a
 * row is amortised O(1); they are flattened only when stored, sent to a
 * parallel leader or printed.
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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "common/shortest_dec.h"

#include "nous.h"
#include "mix.h"

#define MIX_VERSION 1

/* ------------------------------------------------------------------ */
/* expanded growable buffer                                            */
/* ------------------------------------------------------------------ */

typedef enum BufKind
{
	BUF_PAIRS = 0x5041,
	BUF_COUNTS = 0x434e
} BufKind;

/* nous.mixpairs: varlena header, version, 3 pad bytes, param, then pairs */
#define PAIRS_HDR 16
/* nous.mixcounts: varlena header, version, 3 pad bytes, then records */
#define COUNTS_HDR 8

typedef struct NousBufEO
{
	ExpandedObjectHeader hdr;
	int			kind;
	char	   *data;			/* the flat image, varlena header included */
	Size		len;
	Size		cap;
} NousBufEO;

static Size
nbuf_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return ((NousBufEO *) eohptr)->len;
}

static void
nbuf_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	NousBufEO  *eo = (NousBufEO *) eohptr;

	if (allocated_size != eo->len)
		elog(ERROR, "mix state flattened into %zu bytes instead of %zu", allocated_size, eo->len);
	memcpy(result, eo->data, eo->len);
	SET_VARSIZE(result, eo->len);
}

static const ExpandedObjectMethods nbuf_methods = {
	nbuf_get_flat_size,
	nbuf_flatten_into
};

/* a new expanded buffer in a child context of parent, holding image[0..len) */
static NousBufEO *
nbuf_new(MemoryContext parent, int kind, const char *image, Size len)
{
	MemoryContext objcxt = AllocSetContextCreate(parent, "nous mix state",
												 ALLOCSET_SMALL_SIZES);
	NousBufEO  *eo = MemoryContextAlloc(objcxt, sizeof(NousBufEO));

	EOH_init_header(&eo->hdr, &nbuf_methods, objcxt);
	eo->kind = kind;
	eo->cap = Max(len, 256);
	eo->data = MemoryContextAllocHuge(objcxt, eo->cap);
	memcpy(eo->data, image, len);
	eo->len = len;
	return eo;
}

static void
nbuf_reserve(NousBufEO *eo, Size extra)
{
	if (extra > MaxAllocSize - eo->len)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("mix state too large"),
				 errdetail("A stored mix state is limited to 1 GB."),
				 errhint("Aggregate per territory (GROUP BY) or merge fewer states.")));
	if (eo->len + extra > eo->cap)
	{
		Size		cap = eo->cap * 2;

		if (cap < eo->len + extra)
			cap = eo->len + extra;
		if (cap > MaxAllocSize)
			cap = MaxAllocSize;
		eo->data = repalloc_huge(eo->data, cap);
		eo->cap = cap;
	}
}

/* read access to a state datum (flat, toasted or expanded): image and length */
static const char *
state_image(Datum d, int kind, Size *len)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		NousBufEO  *eo = (NousBufEO *) DatumGetEOHP(d);

		if (eo->hdr.eoh_methods != &nbuf_methods || eo->kind != kind)
			elog(ERROR, "unexpected expanded object for a mix state");
		*len = eo->len;
		return eo->data;
	}
	else
	{
		struct varlena *v = PG_DETOAST_DATUM(d);
		Size		hdr = kind == BUF_PAIRS ? PAIRS_HDR : COUNTS_HDR;

		*len = VARSIZE(v);
		if (*len < hdr || ((const unsigned char *) v)[VARHDRSZ] != MIX_VERSION)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid mix state"),
					 errdetail("The state has a wrong length or version.")));
		if (kind == BUF_PAIRS && (*len - PAIRS_HDR) % (2 * sizeof(double)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid mix state"),
					 errdetail("The length of a pairs state is not a whole number of pairs.")));
		return (const char *) v;
	}
}

/* the aggregate context, or an error when called outside an aggregate */
static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext aggctx;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "%s called in non-aggregate context", fn);
	return aggctx;
}

static void
empty_image(int kind, char *buf, Size *len)
{
	memset(buf, 0, PAIRS_HDR);
	buf[VARHDRSZ] = MIX_VERSION;
	if (kind == BUF_PAIRS)
	{
		double		nan = get_float8_nan();

		memcpy(buf + 8, &nan, sizeof(double));
		*len = PAIRS_HDR;
	}
	else
		*len = COUNTS_HDR;
}

/*
 * The read-write state of a transition or combine function (argument argno):
 * the expanded object itself when we own it, else a new one copied from the
 * datum (or empty when NULL) in the aggregate context.
 */
static NousBufEO *
state_rw(FunctionCallInfo fcinfo, int argno, int kind, const char *fn)
{
	MemoryContext aggctx = agg_context(fcinfo, fn);
	Datum		d;
	const char *img;
	Size		len;

	if (PG_ARGISNULL(argno))
	{
		char		buf[PAIRS_HDR];

		empty_image(kind, buf, &len);
		return nbuf_new(aggctx, kind, buf, len);
	}
	d = PG_GETARG_DATUM(argno);
	if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)))
	{
		NousBufEO  *eo = (NousBufEO *) DatumGetEOHP(d);

		if (eo->hdr.eoh_methods == &nbuf_methods && eo->kind == kind &&
			MemoryContextGetParent(eo->hdr.eoh_context) == aggctx)
			return eo;
	}
	img = state_image(d, kind, &len);
	return nbuf_new(aggctx, kind, img, len);
}

#define RETURN_EO(eo) PG_RETURN_DATUM(EOHPGetRWDatum(&(eo)->hdr))

/* a float8 result: NULL for NaN (an undefined index) */
#define RETURN_INDEX(x) \
	do { double r_ = (x); if (isnan(r_)) PG_RETURN_NULL(); PG_RETURN_FLOAT8(r_); } while (0)

/* shortest exact text of a double */
static void
append_double(StringInfo s, double x)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(x, buf);
	appendStringInfoString(s, buf);
}

/* ------------------------------------------------------------------ */
/* nous.mixpairs                                                       */
/* ------------------------------------------------------------------ */

static double
pairs_param(const char *img)
{
	double		p;

	memcpy(&p, img + 8, sizeof(double));
	return p;
}

static void
check_pair(double g, double t)
{
	nous_status st = nous_mix2_check(g, t);

	if (st == NOUS_ERR_NONFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("group and total must be finite numbers"),
				 errdetail("Got group %g and total %g.", g, t)));
	if (st != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("invalid area counts: group %g, total %g", g, t),
				 errdetail("Counts must be non-negative and the total of an area includes its group, so 0 <= group <= total."),
				 errhint("Pass the whole population of the area as total, not the rest of it.")));
}

static void
pairs_append(NousBufEO *eo, double g, double t)
{
	double		pr[2];

	check_pair(g, t);
	nbuf_reserve(eo, sizeof(pr));
	pr[0] = g;
	pr[1] = t;
	memcpy(eo->data + eo->len, pr, sizeof(pr));
	eo->len += sizeof(pr);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_trans);

/* transition (state, group, total): append one area; NULL rows are skipped */
Datum
nous_mixpairs_trans(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo = state_rw(fcinfo, 0, BUF_PAIRS, "nous_mixpairs_trans");

	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		pairs_append(eo, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
	RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_trans_param);

/* transition (state, group, total, b): as above, b kept in the state */
Datum
nous_mixpairs_trans_param(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo = state_rw(fcinfo, 0, BUF_PAIRS, "nous_mixpairs_trans_param");
	double		b, old;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("parameter b must not be NULL")));
	b = PG_GETARG_FLOAT8(3);
	if (!isfinite(b) || b < 0.0 || b >= 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Atkinson parameter b must be in [0, 1), got %g", b)));
	old = pairs_param(eo->data);
	if (isnan(old))
		memcpy(eo->data + 8, &b, sizeof(double));
	else if (old != b)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Atkinson parameter b changes between rows (%g, then %g)", old, b),
				 errdetail("b must be the same for every row of a group.")));
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		pairs_append(eo, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
	RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_combine);

/* combine two pairs states: concatenation (the parameter must agree) */
Datum
nous_mixpairs_combine(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo;
	const char *img;
	Size		len;
	double		p1, p2;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	eo = state_rw(fcinfo, 0, BUF_PAIRS, "nous_mixpairs_combine");
	if (PG_ARGISNULL(1))
		RETURN_EO(eo);
	img = state_image(PG_GETARG_DATUM(1), BUF_PAIRS, &len);
	p1 = pairs_param(eo->data);
	p2 = pairs_param(img);
	if (isnan(p1))
		memcpy(eo->data + 8, &p2, sizeof(double));
	else if (!isnan(p2) && p1 != p2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge mix states with different parameters (%g and %g)", p1, p2)));
	nbuf_reserve(eo, len - PAIRS_HDR);
	memcpy(eo->data + eo->len, img + PAIRS_HDR, len - PAIRS_HDR);
	eo->len += len - PAIRS_HDR;
	RETURN_EO(eo);
}

/* pairs and their count from a state argument */
static const double *
pairs_arg(FunctionCallInfo fcinfo, int argno, size_t *n, double *param)
{
	Size		len;
	const char *img = state_image(PG_GETARG_DATUM(argno), BUF_PAIRS, &len);

	*n = (len - PAIRS_HDR) / (2 * sizeof(double));
	if (param)
		*param = pairs_param(img);
	return (const double *) (img + PAIRS_HDR);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_dissimilarity);
Datum
nous_mixpairs_dissimilarity(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);

	RETURN_INDEX(nous_mix2_dissimilarity(gt, n));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_gini);
Datum
nous_mixpairs_gini(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);
	double		r;
	nous_status st = nous_mix2_gini(gt, n, &r);

	if (st != NOUS_OK)
		nous_report_status(st, "gini_segregation");
	RETURN_INDEX(r);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_entropy_h);
Datum
nous_mixpairs_entropy_h(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);

	RETURN_INDEX(nous_mix2_entropy_h(gt, n));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_isolation);
Datum
nous_mixpairs_isolation(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);

	RETURN_INDEX(nous_mix2_isolation(gt, n));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_interaction);
Datum
nous_mixpairs_interaction(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);

	RETURN_INDEX(nous_mix2_interaction(gt, n));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_correlation_ratio);
Datum
nous_mixpairs_correlation_ratio(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);

	RETURN_INDEX(nous_mix2_correlation_ratio(gt, n));
}

static Datum
atkinson_common(FunctionCallInfo fcinfo, const double *gt, size_t n, double b)
{
	double		r;
	nous_status st = nous_mix2_atkinson(gt, n, b, &r);

	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Atkinson parameter b must be in [0, 1), got %g", b)));
	if (st != NOUS_OK)
		nous_report_status(st, "atkinson");
	RETURN_INDEX(r);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_atkinson_final);

/* final function of nous.atkinson(group, total, b): b is in the state */
Datum
nous_mixpairs_atkinson_final(PG_FUNCTION_ARGS)
{
	size_t		n;
	double		b;
	const double *gt = pairs_arg(fcinfo, 0, &n, &b);

	if (isnan(b))
		PG_RETURN_NULL();		/* no row had b: no row at all */
	return atkinson_common(fcinfo, gt, n, b);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_atkinson);

/* nous.atkinson(nous.mixpairs, b) */
Datum
nous_mixpairs_atkinson(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);

	return atkinson_common(fcinfo, gt, n, PG_GETARG_FLOAT8(1));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_areas);

/* number of areas held by a pairs state */
Datum
nous_mixpairs_areas(PG_FUNCTION_ARGS)
{
	size_t		n;

	(void) pairs_arg(fcinfo, 0, &n, NULL);
	PG_RETURN_INT64((int64) n);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_out);

/* text form: [(g,t),(g,t)] or b=0.5:[(g,t)] */
Datum
nous_mixpairs_out(PG_FUNCTION_ARGS)
{
	size_t		n, i;
	double		b;
	const double *gt = pairs_arg(fcinfo, 0, &n, &b);
	StringInfoData s;

	initStringInfo(&s);
	if (!isnan(b))
	{
		appendStringInfoString(&s, "b=");
		append_double(&s, b);
		appendStringInfoChar(&s, ':');
	}
	appendStringInfoChar(&s, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&s, ',');
		appendStringInfoChar(&s, '(');
		append_double(&s, gt[2 * i]);
		appendStringInfoChar(&s, ',');
		append_double(&s, gt[2 * i + 1]);
		appendStringInfoChar(&s, ')');
	}
	appendStringInfoChar(&s, ']');
	PG_RETURN_CSTRING(s.data);
}

static void
bad_text(const char *type, const char *str, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%.60s\"", type, str),
			 errdetail("%s", why)));
}

static double
parse_double(const char **p, const char *type, const char *str)
{
	char	   *end;
	double		x;

	while (isspace((unsigned char) **p))
		(*p)++;
	errno = 0;
	x = strtod(*p, &end);
	if (end == *p || errno == ERANGE || !isfinite(x))
		bad_text(type, str, "A finite number was expected.");
	*p = end;
	while (isspace((unsigned char) **p))
		(*p)++;
	return x;
}

static void
expect_char(const char **p, char c, const char *type, const char *str)
{
	while (isspace((unsigned char) **p))
		(*p)++;
	if (**p != c)
	{
		char		why[64];

		snprintf(why, sizeof(why), "Expected \"%c\".", c);
		bad_text(type, str, why);
	}
	(*p)++;
	while (isspace((unsigned char) **p))
		(*p)++;
}

PG_FUNCTION_INFO_V1(nous_mixpairs_in);
Datum
nous_mixpairs_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	StringInfoData s;
	double		b = get_float8_nan();

	initStringInfo(&s);
	appendBinaryStringInfo(&s, "\0\0\0\0\1\0\0\0", 8);
	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, "b=", 2) == 0)
	{
		p += 2;
		b = parse_double(&p, "nous.mixpairs", str);
		if (b < 0.0 || b >= 1.0)
			bad_text("nous.mixpairs", str, "The parameter b must be in [0, 1).");
		expect_char(&p, ':', "nous.mixpairs", str);
	}
	appendBinaryStringInfo(&s, (const char *) &b, sizeof(double));
	expect_char(&p, '[', "nous.mixpairs", str);
	if (*p != ']')
		for (;;)
		{
			double		pr[2];

			expect_char(&p, '(', "nous.mixpairs", str);
			pr[0] = parse_double(&p, "nous.mixpairs", str);
			expect_char(&p, ',', "nous.mixpairs", str);
			pr[1] = parse_double(&p, "nous.mixpairs", str);
			expect_char(&p, ')', "nous.mixpairs", str);
			check_pair(pr[0], pr[1]);
			appendBinaryStringInfo(&s, (const char *) pr, sizeof(pr));
			if (*p != ',')
				break;
			p++;
		}
	expect_char(&p, ']', "nous.mixpairs", str);
	if (*p != '\0')
		bad_text("nous.mixpairs", str, "Junk after the closing bracket.");
	SET_VARSIZE(s.data, s.len);
	PG_RETURN_POINTER(s.data);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_send);
Datum
nous_mixpairs_send(PG_FUNCTION_ARGS)
{
	size_t		n, i;
	double		b;
	const double *gt = pairs_arg(fcinfo, 0, &n, &b);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, MIX_VERSION);
	pq_sendfloat8(&buf, b);
	pq_sendint64(&buf, (int64) n);
	for (i = 0; i < 2 * n; i++)
		pq_sendfloat8(&buf, gt[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
bad_binary(const char *type, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid binary data for type %s", type),
			 errdetail("%s", why)));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_recv);
Datum
nous_mixpairs_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			version;
	double		b;
	int64		n, i;
	char	   *out;
	double	   *gt;
	Size		len;

	if (msg->len - msg->cursor < 17)
		bad_binary("nous.mixpairs", "The message is too short.");
	version = pq_getmsgbyte(msg);
	if (version != MIX_VERSION)
		bad_binary("nous.mixpairs", "Unknown version byte.");
	b = pq_getmsgfloat8(msg);
	if (!isnan(b) && !(b >= 0.0 && b < 1.0))
		bad_binary("nous.mixpairs", "The parameter b must be NaN or in [0, 1).");
	n = pq_getmsgint64(msg);
	if (n < 0 || n > (int64) ((MaxAllocSize - PAIRS_HDR) / 16) ||
		(int64) (msg->len - msg->cursor) != 16 * n)
		bad_binary("nous.mixpairs", "The pair count does not match the message length.");
	len = PAIRS_HDR + 16 * (Size) n;
	out = palloc0(len);
	SET_VARSIZE(out, len);
	out[VARHDRSZ] = MIX_VERSION;
	memcpy(out + 8, &b, sizeof(double));
	gt = (double *) (out + PAIRS_HDR);
	for (i = 0; i < 2 * n; i++)
		gt[i] = pq_getmsgfloat8(msg);
	for (i = 0; i < n; i++)
		if (nous_mix2_check(gt[2 * i], gt[2 * i + 1]) != NOUS_OK)
			bad_binary("nous.mixpairs", "A pair is not finite or has 0 <= group <= total false.");
	PG_RETURN_POINTER(out);
}

/* ------------------------------------------------------------------ */
/* nous.mixcounts                                                      */
/* ------------------------------------------------------------------ */

static void
counts_append(NousBufEO *eo, const char *s, uint32 ls, const char *u, uint32 lu,
			  const char *g, uint32 lg, double n)
{
	Size		need = NOUS_MIXREC_HDR + (Size) ls + lu + lg;

	if (!isfinite(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count must be a finite number, got %g", n)));
	if (n < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("count must not be negative, got %g", n),
				 errdetail("Unit \"%.*s\", group \"%.*s\".", (int) Min(lu, 60), u, (int) Min(lg, 60), g)));
	nbuf_reserve(eo, need);
	nous_mixrec_write((unsigned char *) eo->data + eo->len, n, s, ls, u, lu, g, lg);
	eo->len += need;
}

static void
key_arg(FunctionCallInfo fcinfo, int argno, const char *what, const char **p, uint32 *l)
{
	text	   *t;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what),
				 errhint("Filter the rows with a NULL %s out, or COALESCE it to a named category.", what)));
	t = PG_GETARG_TEXT_PP(argno);
	*p = VARDATA_ANY(t);
	*l = VARSIZE_ANY_EXHDR(t);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_trans);

/* transition (state, unit, grp, n); a NULL n skips the row */
Datum
nous_mixcounts_trans(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo = state_rw(fcinfo, 0, BUF_COUNTS, "nous_mixcounts_trans");
	const char *u, *g;
	uint32		lu, lg;

	if (!PG_ARGISNULL(3))
	{
		key_arg(fcinfo, 1, "unit", &u, &lu);
		key_arg(fcinfo, 2, "grp", &g, &lg);
		counts_append(eo, "", 0, u, lu, g, lg, PG_GETARG_FLOAT8(3));
	}
	RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_trans_super);

/* transition (state, super, unit, grp, n) */
Datum
nous_mixcounts_trans_super(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo = state_rw(fcinfo, 0, BUF_COUNTS, "nous_mixcounts_trans_super");
	const char *s, *u, *g;
	uint32		ls, lu, lg;

	if (!PG_ARGISNULL(4))
	{
		key_arg(fcinfo, 1, "super", &s, &ls);
		key_arg(fcinfo, 2, "unit", &u, &lu);
		key_arg(fcinfo, 3, "grp", &g, &lg);
		counts_append(eo, s, ls, u, lu, g, lg, PG_GETARG_FLOAT8(4));
	}
	RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_combine);
Datum
nous_mixcounts_combine(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo;
	const char *img;
	Size		len;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	eo = state_rw(fcinfo, 0, BUF_COUNTS, "nous_mixcounts_combine");
	if (PG_ARGISNULL(1))
		RETURN_EO(eo);
	img = state_image(PG_GETARG_DATUM(1), BUF_COUNTS, &len);
	nbuf_reserve(eo, len - COUNTS_HDR);
	memcpy(eo->data + eo->len, img + COUNTS_HDR, len - COUNTS_HDR);
	eo->len += len - COUNTS_HDR;
	RETURN_EO(eo);
}

/* the merged table of a mixcounts argument (palloc'd in the current context) */
static void
table_arg(FunctionCallInfo fcinfo, int argno, nous_mixtable *t)
{
	Size		len;
	const char *img = state_image(PG_GETARG_DATUM(argno), BUF_COUNTS, &len);
	nous_status st = nous_mixtable_build((const unsigned char *) img + COUNTS_HDR,
										 len - COUNTS_HDR, t);

	if (st == NOUS_ERR_SYNTAX)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid mix state"),
				 errdetail("The cell records of a mixcounts state are corrupt.")));
	if (st != NOUS_OK)
		nous_report_status(st, "mixcounts");
}

PG_FUNCTION_INFO_V1(nous_mixcounts_mutual_information);
Datum
nous_mixcounts_mutual_information(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	double		r;

	table_arg(fcinfo, 0, &t);
	r = nous_mix_mutual_information(&t);
	nous_mixtable_free(&t);
	RETURN_INDEX(r);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_entropy_index);
Datum
nous_mixcounts_entropy_index(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	double		m, e;

	table_arg(fcinfo, 0, &t);
	m = nous_mix_mutual_information(&t);
	e = nous_mix_entropy(&t);
	nous_mixtable_free(&t);
	if (isnan(m) || !(e > 0.0))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(m / e);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_shannon);

/* Shannon diversity of the group totals (natural log) */
Datum
nous_mixcounts_shannon(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	double		e;

	table_arg(fcinfo, 0, &t);
	e = nous_mix_entropy(&t);
	nous_mixtable_free(&t);
	RETURN_INDEX(e);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_multi_dissimilarity);
Datum
nous_mixcounts_multi_dissimilarity(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	double		r;

	table_arg(fcinfo, 0, &t);
	r = nous_mix_multi_dissimilarity(&t);
	nous_mixtable_free(&t);
	RETURN_INDEX(r);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_relative_diversity);
Datum
nous_mixcounts_relative_diversity(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	double		r;

	table_arg(fcinfo, 0, &t);
	r = nous_mix_relative_diversity(&t);
	nous_mixtable_free(&t);
	RETURN_INDEX(r);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_simpson_concentration);
Datum
nous_mixcounts_simpson_concentration(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	double		r;

	table_arg(fcinfo, 0, &t);
	r = nous_mix_simpson_concentration(&t);
	nous_mixtable_free(&t);
	RETURN_INDEX(r);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_simpson_interaction);
Datum
nous_mixcounts_simpson_interaction(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	double		r;

	table_arg(fcinfo, 0, &t);
	r = nous_mix_simpson_concentration(&t);
	nous_mixtable_free(&t);
	RETURN_INDEX(isnan(r) ? r : 1.0 - r);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_decomposition);

/* (m, h, entropy, m_between, m_within, h_between, h_within) */
Datum
nous_mixcounts_decomposition(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	nous_mix_decomp d;
	nous_status st;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8];
	double		v[8];
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	table_arg(fcinfo, 0, &t);
	st = nous_mix_decompose(&t, &d);
	v[0] = d.m;
	v[1] = d.h;
	v[2] = d.entropy;
	v[3] = d.m_between;
	v[4] = d.m_within;
	v[5] = d.h_between;
	v[6] = d.h_within;
	v[7] = (double) t.nsuper;
	nous_mixtable_free(&t);
	if (st != NOUS_OK)
		nous_report_status(st, "mutual_information_decomposition");
	for (i = 0; i < 7; i++)
	{
		nulls[i] = isnan(v[i]);
		values[i] = Float8GetDatum(v[i]);
	}
	nulls[7] = false;
	values[7] = Int64GetDatum((int64) v[7]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

PG_FUNCTION_INFO_V1(nous_mixcounts_local);

/*
 * nous.mix_local(nous.mixcounts): one row per cell: super, unit, grp, n,
 * share of the group in the unit, location quotient, contribution to M.
 */
Datum
nous_mixcounts_local(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_mixtable t;
	size_t		i;

	InitMaterializedSRF(fcinfo, 0);
	table_arg(fcinfo, 0, &t);
	for (i = 0; i < t.ncell; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		uint32		s = t.cell_super[i], u = t.cell_unit[i], g = t.cell_group[i];
		double		n = t.cell_n[i], nu = t.unit_n[u], ng = t.group_n[g];

		values[0] = PointerGetDatum(cstring_to_text_with_len(t.super_name[s], t.super_len[s]));
		values[1] = PointerGetDatum(cstring_to_text_with_len(t.unit_name[u], t.unit_len[u]));
		values[2] = PointerGetDatum(cstring_to_text_with_len(t.group_name[g], t.group_len[g]));
		values[3] = Float8GetDatum(n);
		if (nu > 0.0)
		{
			values[4] = Float8GetDatum(n / nu);
			/* LQ = (n_ug / n_u) / (n_g / N) (Isard 1960) */
			values[5] = Float8GetDatum((n / nu) / (ng / t.N));
			/* p_ug ln(p_ug / (p_u p_g)): sums to M over all cells (Theil 1971) */
			values[6] = Float8GetDatum(n > 0.0 ? n / t.N * log(n * t.N / (nu * ng)) : 0.0);
		}
		else
			nulls[4] = nulls[5] = nulls[6] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	nous_mixtable_free(&t);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_mixcounts_cells);

/* number of records (before merging) of a mixcounts state */
Datum
nous_mixcounts_cells(PG_FUNCTION_ARGS)
{
	Size		len;
	size_t		c;
	const char *img = state_image(PG_GETARG_DATUM(0), BUF_COUNTS, &len);

	if (nous_mixrec_count((const unsigned char *) img + COUNTS_HDR, len - COUNTS_HDR, &c) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid mix state"),
				 errdetail("The cell records of a mixcounts state are corrupt.")));
	PG_RETURN_INT64((int64) c);
}

static void
append_quoted(StringInfo s, const char *p, uint32 l)
{
	uint32		i;

	appendStringInfoChar(s, '"');
	for (i = 0; i < l; i++)
	{
		if (p[i] == '"' || p[i] == '\\')
			appendStringInfoChar(s, '\\');
		appendStringInfoChar(s, p[i]);
	}
	appendStringInfoChar(s, '"');
}

PG_FUNCTION_INFO_V1(nous_mixcounts_out);

/* text form: the merged cells [["super","unit","grp",n],…] in sorted order */
Datum
nous_mixcounts_out(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	StringInfoData s;
	size_t		i;

	table_arg(fcinfo, 0, &t);
	initStringInfo(&s);
	appendStringInfoChar(&s, '[');
	for (i = 0; i < t.ncell; i++)
	{
		uint32		sp = t.cell_super[i], u = t.cell_unit[i], g = t.cell_group[i];

		if (i > 0)
			appendStringInfoChar(&s, ',');
		appendStringInfoChar(&s, '[');
		append_quoted(&s, t.super_name[sp], t.super_len[sp]);
		appendStringInfoChar(&s, ',');
		append_quoted(&s, t.unit_name[u], t.unit_len[u]);
		appendStringInfoChar(&s, ',');
		append_quoted(&s, t.group_name[g], t.group_len[g]);
		appendStringInfoChar(&s, ',');
		append_double(&s, t.cell_n[i]);
		appendStringInfoChar(&s, ']');
	}
	appendStringInfoChar(&s, ']');
	nous_mixtable_free(&t);
	PG_RETURN_CSTRING(s.data);
}

static void
parse_quoted(const char **p, StringInfo out, const char *str)
{
	expect_char(p, '"', "nous.mixcounts", str);
	resetStringInfo(out);
	while (**p != '"')
	{
		if (**p == '\0')
			bad_text("nous.mixcounts", str, "Unterminated string.");
		if (**p == '\\')
		{
			(*p)++;
			if (**p == '\0')
				bad_text("nous.mixcounts", str, "Unterminated string.");
		}
		appendStringInfoChar(out, **p);
		(*p)++;
	}
	(*p)++;
	while (isspace((unsigned char) **p))
		(*p)++;
}

PG_FUNCTION_INFO_V1(nous_mixcounts_in);
Datum
nous_mixcounts_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	StringInfoData s, ks, ku, kg;

	initStringInfo(&s);
	initStringInfo(&ks);
	initStringInfo(&ku);
	initStringInfo(&kg);
	appendBinaryStringInfo(&s, "\0\0\0\0\1\0\0\0", COUNTS_HDR);
	expect_char(&p, '[', "nous.mixcounts", str);
	if (*p != ']')
		for (;;)
		{
			double		n;
			Size		need;

			expect_char(&p, '[', "nous.mixcounts", str);
			parse_quoted(&p, &ks, str);
			expect_char(&p, ',', "nous.mixcounts", str);
			parse_quoted(&p, &ku, str);
			expect_char(&p, ',', "nous.mixcounts", str);
			parse_quoted(&p, &kg, str);
			expect_char(&p, ',', "nous.mixcounts", str);
			n = parse_double(&p, "nous.mixcounts", str);
			if (n < 0.0)
				bad_text("nous.mixcounts", str, "Counts must not be negative.");
			expect_char(&p, ']', "nous.mixcounts", str);
			need = NOUS_MIXREC_HDR + ks.len + ku.len + kg.len;
			if ((Size) s.len + need >= MaxAllocSize)
				bad_text("nous.mixcounts", str, "The state is larger than 1 GB.");
			enlargeStringInfo(&s, need);
			nous_mixrec_write((unsigned char *) s.data + s.len, n, ks.data, ks.len,
							  ku.data, ku.len, kg.data, kg.len);
			s.len += need;
			if (*p != ',')
				break;
			p++;
		}
	expect_char(&p, ']', "nous.mixcounts", str);
	if (*p != '\0')
		bad_text("nous.mixcounts", str, "Junk after the closing bracket.");
	SET_VARSIZE(s.data, s.len);
	PG_RETURN_POINTER(s.data);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_send);
Datum
nous_mixcounts_send(PG_FUNCTION_ARGS)
{
	Size		len;
	const char *img = state_image(PG_GETARG_DATUM(0), BUF_COUNTS, &len);
	const unsigned char *r = (const unsigned char *) img + COUNTS_HDR;
	size_t		c, i;
	Size		off = 0;
	StringInfoData buf;

	if (nous_mixrec_count(r, len - COUNTS_HDR, &c) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid mix state")));
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, MIX_VERSION);
	pq_sendint64(&buf, (int64) c);
	for (i = 0; i < c; i++)
	{
		double		n;
		uint32		l[3];
		int			k;
		const char *str;

		memcpy(&n, r + off, 8);
		memcpy(l, r + off + 8, 12);
		pq_sendfloat8(&buf, n);
		str = (const char *) r + off + NOUS_MIXREC_HDR;
		for (k = 0; k < 3; k++)
		{
			pq_sendcountedtext(&buf, str, l[k], false);
			str += l[k];
		}
		off += NOUS_MIXREC_HDR + l[0] + l[1] + l[2];
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
		bad_binary("nous.mixcounts", "The message is too short.");
	if (pq_getmsgbyte(msg) != MIX_VERSION)
		bad_binary("nous.mixcounts", "Unknown version byte.");
	c = pq_getmsgint64(msg);
	/* every record takes at least 20 bytes in the message */
	if (c < 0 || c > (int64) (msg->len - msg->cursor) / 20)
		bad_binary("nous.mixcounts", "The cell count does not match the message length.");
	initStringInfo(&s);
	appendBinaryStringInfo(&s, "\0\0\0\0\1\0\0\0", COUNTS_HDR);
	for (i = 0; i < c; i++)
	{
		double		n;
		char	   *k[3];
		int			l[3], j;
		Size		need;

		if (msg->len - msg->cursor < 20)
			bad_binary("nous.mixcounts", "The message is truncated.");
		n = pq_getmsgfloat8(msg);
		if (!isfinite(n) || n < 0.0)
			bad_binary("nous.mixcounts", "A count is negative or not finite.");
		for (j = 0; j < 3; j++)
		{
			int			nb = pq_getmsgint(msg, 4);

			if (nb < 0 || nb > msg->len - msg->cursor)
				bad_binary("nous.mixcounts", "A string length is out of range.");
			k[j] = pq_getmsgtext(msg, nb, &l[j]);
		}
		need = NOUS_MIXREC_HDR + (Size) l[0] + l[1] + l[2];
		if ((Size) s.len + need >= MaxAllocSize)
			bad_binary("nous.mixcounts", "The state is larger than 1 GB.");
		enlargeStringInfo(&s, need);
		nous_mixrec_write((unsigned char *) s.data + s.len, n, k[0], l[0], k[1], l[1], k[2], l[2]);
		s.len += need;
	}
	if (msg->cursor != msg->len)
		bad_binary("nous.mixcounts", "Junk after the last cell.");
	SET_VARSIZE(s.data, s.len);
	PG_RETURN_POINTER(s.data);
}
