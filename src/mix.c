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
	/* mixcounts only: merge duplicate cells when len reaches this (0: not set) */
	Size		compact_at;
	/* mixcounts only: the cells summed in a hash table (NULL: records mode) */
	struct CellHash *cells;
} NousBufEO;

static void cells_image(NousBufEO *eo);

static Size
nbuf_get_flat_size(ExpandedObjectHeader *eohptr)
{
	NousBufEO  *eo = (NousBufEO *) eohptr;

	if (eo->cells != NULL)
		cells_image(eo);
	return eo->len;
}

static void
nbuf_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	NousBufEO  *eo = (NousBufEO *) eohptr;

	if (eo->cells != NULL)
		cells_image(eo);
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
	eo->compact_at = 0;
	eo->cells = NULL;
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
		if (eo->cells != NULL)
			cells_image(eo);
		*len = eo->len;
		return eo->data;
	}
	else
	{
		struct varlena *v = PG_DETOAST_DATUM(d);
		Size		hdr = kind == BUF_PAIRS ? PAIRS_HDR : COUNTS_HDR;

		*len = VARSIZE(v);
		if (*len > VARHDRSZ)
			nous_check_format_version(kind == BUF_PAIRS ? "nous.mixpairs" : "nous.mixcounts",
									  ((const unsigned char *) v)[VARHDRSZ], 1, MIX_VERSION);
		if (*len < hdr)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("invalid mix state"),
					 errdetail("The state is shorter than its header.")));
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
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s can only be called as part of an aggregate", fn)));
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
	/* like float8in: subnormal values are read, underflow to 0 is not */
	if (end == *p || (errno == ERANGE && x == 0.0) || !isfinite(x))
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
	if (*p == 'b')
	{
		p++;
		expect_char(&p, '=', "nous.mixpairs", str);
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
	nous_check_format_version("nous.mixpairs", version, 1, MIX_VERSION);
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

static void table_from_image(const char *img, Size len, nous_mixtable *t);
static void write_cells(const nous_mixtable *t, StringInfo s);

#define COMPACT_FIRST (1024 * 1024)

/*
 * Merge the duplicate cells of the state in place (sorted, summed).  Called
 * when the buffer doubles past 1 MB, so that raw rows (one per person) keep a
 * state as small as its distinct cells; when merging gains little (inputs
 * already one row a cell) the next merge waits for a 4x growth.  Amortised
 * O(1) per row either way.
 */
static void
counts_compact(NousBufEO *eo)
{
	nous_mixtable t;
	StringInfoData out;
	Size		before = eo->len;
	MemoryContext old;

	table_from_image(eo->data, eo->len, &t);
	old = MemoryContextSwitchTo(eo->hdr.eoh_context);
	initStringInfo(&out);
	MemoryContextSwitchTo(old);
	appendBinaryStringInfo(&out, "\0\0\0\0\1\0\0\0", COUNTS_HDR);
	write_cells(&t, &out);
	nous_mixtable_free(&t);
	pfree(eo->data);
	eo->data = out.data;
	eo->len = out.len;
	eo->cap = out.maxlen;
	eo->compact_at = Max((Size) COMPACT_FIRST, eo->len * (eo->len * 4 > before * 3 ? 4 : 2));
}

static void
check_count(double n, const char *u, uint32 lu, const char *g, uint32 lg)
{
	if (!isfinite(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count must be a finite number, got %g", n)));
	if (n < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("count must not be negative, got %g", n),
				 errdetail("Unit \"%.*s\", group \"%.*s\".", (int) Min(lu, 60), u, (int) Min(lg, 60), g)));
}

static void
counts_append(NousBufEO *eo, const char *s, uint32 ls, const char *u, uint32 lu,
			  const char *g, uint32 lg, double n)
{
	Size		need = NOUS_MIXREC_HDR + (Size) ls + lu + lg;

	check_count(n, u, lu, g, lg);
	nbuf_reserve(eo, need);
	nous_mixrec_write((unsigned char *) eo->data + eo->len, n, s, ls, u, lu, g, lg);
	eo->len += need;
	if (eo->compact_at == 0)
		eo->compact_at = Max((Size) COMPACT_FIRST, eo->len * 2);
	else if (eo->len >= eo->compact_at)
		counts_compact(eo);
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

/*
 * The hash mode of a mixcounts state, used by the aggregates that end in an
 * index (nous.mutual_information, …): each row adds its count to its cell in
 * a hash table instead of appending a record, so the state never holds more
 * than its distinct cells and is never re-sorted while it grows.  A cell's
 * count is the sum of its rows in input order, exactly the sum the records
 * mode reaches when it merges (nous_mixtable_build adds the records of a cell
 * in order), so every index is the same to the last bit.  The flat image (one
 * record per cell, in order of first appearance) is written only when the
 * state is read, stored or sent.
 */
#define HCELL_INLINE 16

typedef struct HCell
{
	double		n;
	uint32		hash;
	uint32		ls, lu, lg;
	Size		off;			/* key bytes super|unit|grp in keys[], when longer than inl */
	char		inl[HCELL_INLINE];	/* the key bytes, when they fit */
} HCell;

#define HCELL_KEY(h, c) \
	((Size) (c)->ls + (c)->lu + (c)->lg <= HCELL_INLINE ? (c)->inl : (h)->keys + (c)->off)

typedef struct CellHash
{
	HCell	   *cell;
	Size		ncell, cellcap;
	uint64	   *slot;			/* hash << 32 | cell index + 1; 0 is empty */
	Size		cap;			/* a power of 2, at least twice ncell */
	char	   *keys;
	Size		keylen, keycap;
	Size		flatlen;		/* bytes of the flat image */
	bool		image_valid;	/* eo->data holds the image of the cells */
} CellHash;

#define HASH_M UINT64CONST(0x9E3779B97F4A7C15)

static inline uint64
hash_piece(uint64 h, const char *p, uint32 l)
{
	while (l >= 8)
	{
		uint64		w;

		memcpy(&w, p, 8);
		h = (h ^ w) * HASH_M;
		h ^= h >> 29;
		p += 8;
		l -= 8;
	}
	if (l > 0)
	{
		uint64		w = 0;
		uint32		i;

		/* in a register: bytes stored to memory and read back as a word stall */
		for (i = 0; i < l; i++)
			w |= (uint64) (unsigned char) p[i] << (8 * i);
		h = (h ^ w) * HASH_M;
		h ^= h >> 29;
	}
	return h;
}

/* equality of short byte strings, inline (a call to memcmp per key costs more) */
static inline bool
bytes_eq(const char *a, const char *b, uint32 l)
{
	while (l >= 8)
	{
		uint64		x, y;

		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
		a += 8;
		b += 8;
		l -= 8;
	}
	while (l-- > 0)
		if (*a++ != *b++)
			return false;
	return true;
}

static inline uint32
cell_hash(const char *s, uint32 ls, const char *u, uint32 lu, const char *g, uint32 lg)
{
	uint64		h = UINT64CONST(0x243F6A8885A308D3) ^ ((uint64) ls << 40 ^ (uint64) lu << 20 ^ lg);

	if (ls > 0)
		h = hash_piece(h, s, ls);
	h = hash_piece(h * HASH_M, u, lu);
	h = hash_piece(h * HASH_M, g, lg);
	/* murmur3 finaliser */
	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return (uint32) h;
}

static void
state_too_large(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("mix state too large"),
			 errdetail("A stored mix state is limited to 1 GB."),
			 errhint("Aggregate per territory (GROUP BY) or merge fewer states.")));
}

static void
cells_grow_slots(CellHash *h, MemoryContext cxt)
{
	Size		cap = h->cap * 2, i;
	uint64	   *slot;

	if (cap > MaxAllocHugeSize / sizeof(uint64))
		state_too_large();
	slot = MemoryContextAllocHuge(cxt, cap * sizeof(uint64));
	memset(slot, 0, cap * sizeof(uint64));
	for (i = 0; i < h->ncell; i++)
	{
		Size		k = h->cell[i].hash & (cap - 1);

		while (slot[k] != 0)
			k = (k + 1) & (cap - 1);
		slot[k] = (uint64) h->cell[i].hash << 32 | (uint64) (i + 1);
	}
	pfree(h->slot);
	h->slot = slot;
	h->cap = cap;
}

/* add n to the cell (s, u, g) of a hash-mode state (n already checked) */
static inline void
cells_add(NousBufEO *eo, const char *s, uint32 ls, const char *u, uint32 lu,
		  const char *g, uint32 lg, double n)
{
	CellHash   *h = eo->cells;
	uint32		hv = cell_hash(s, ls, u, lu, g, lg);
	Size		k = hv & (h->cap - 1);
	Size		klen;
	HCell	   *c;

	h->image_valid = false;
	for (;;)
	{
		uint64		sv = h->slot[k];
		const char *kp;

		if (sv == 0)
			break;
		/* the hash in the slot: other cells are skipped without reading them */
		if ((uint32) (sv >> 32) != hv)
		{
			k = (k + 1) & (h->cap - 1);
			continue;
		}
		c = &h->cell[(uint32) sv - 1];
		kp = HCELL_KEY(h, c);
		if (c->ls == ls && c->lu == lu && c->lg == lg &&
			bytes_eq(kp, s, ls) && bytes_eq(kp + ls, u, lu) &&
			bytes_eq(kp + ls + lu, g, lg))
		{
			c->n += n;
			return;
		}
		k = (k + 1) & (h->cap - 1);
	}
	/* a new cell */
	klen = (Size) ls + lu + lg;
	if (klen + NOUS_MIXREC_HDR > MaxAllocSize - h->flatlen || h->ncell >= PG_UINT32_MAX - 1)
		state_too_large();
	if (h->ncell == h->cellcap)
	{
		h->cellcap *= 2;
		h->cell = repalloc_huge(h->cell, h->cellcap * sizeof(HCell));
	}
	c = &h->cell[h->ncell];
	c->ls = ls;
	c->lu = lu;
	c->lg = lg;
	c->hash = hv;
	c->n = n;
	c->off = 0;
	if (klen > HCELL_INLINE)
	{
		if (h->keylen + klen > h->keycap)
		{
			while (h->keylen + klen > h->keycap)
				h->keycap *= 2;
			h->keys = repalloc_huge(h->keys, h->keycap);
		}
		c->off = h->keylen;
		h->keylen += klen;
	}
	{
		char	   *kd = (char *) HCELL_KEY(h, c);

		if (ls)
			memcpy(kd, s, ls);
		if (lu)
			memcpy(kd + ls, u, lu);
		if (lg)
			memcpy(kd + ls + lu, g, lg);
	}
	h->flatlen += NOUS_MIXREC_HDR + klen;
	h->ncell++;
	h->slot[k] = (uint64) hv << 32 | (uint64) h->ncell;
	if (2 * h->ncell > h->cap)
		cells_grow_slots(h, eo->hdr.eoh_context);
}

/* add the records of a flat image (validated) to a hash-mode state, in order */
static void
cells_add_image(NousBufEO *eo, const char *img, Size len)
{
	const unsigned char *r = (const unsigned char *) img + COUNTS_HDR;
	size_t		c, i;
	Size		off = 0;

	if (nous_mixrec_count(r, len - COUNTS_HDR, &c) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid mix state"),
				 errdetail("The cell records of a mixcounts state are corrupt.")));
	for (i = 0; i < c; i++)
	{
		double		n;
		uint32		l[3];
		const char *str = (const char *) r + off + NOUS_MIXREC_HDR;

		if ((i + 1) % 65536 == 0)
			CHECK_FOR_INTERRUPTS();
		memcpy(&n, r + off, 8);
		memcpy(l, r + off + 8, 12);
		cells_add(eo, str, l[0], str + l[0], l[1], str + l[0] + l[1], l[2], n);
		off += NOUS_MIXREC_HDR + (Size) l[0] + l[1] + l[2];
	}
}

/* switch a state to hash mode: its records become summed cells */
static void
cells_start(NousBufEO *eo)
{
	MemoryContext cxt = eo->hdr.eoh_context;
	CellHash   *h = MemoryContextAllocZero(cxt, sizeof(CellHash));
	char	   *img = eo->data;
	Size		len = eo->len;

	/* small at first: a GROUP BY may hold one state per group */
	h->cellcap = 8;
	h->cell = MemoryContextAllocHuge(cxt, h->cellcap * sizeof(HCell));
	h->cap = 16;
	h->slot = MemoryContextAllocZero(cxt, h->cap * sizeof(uint64));
	h->keycap = 256;
	h->keys = MemoryContextAllocHuge(cxt, h->keycap);
	h->flatlen = COUNTS_HDR;
	eo->cells = h;
	if (len > COUNTS_HDR)
		cells_add_image(eo, img, len);
}

/* write the flat image of a hash-mode state into eo->data (one record a cell) */
static void
cells_image(NousBufEO *eo)
{
	CellHash   *h = eo->cells;
	Size		i, off = COUNTS_HDR;

	if (h->image_valid)
		return;
	if (h->flatlen > eo->cap)
	{
		pfree(eo->data);
		eo->data = MemoryContextAllocHuge(eo->hdr.eoh_context, h->flatlen);
		eo->cap = h->flatlen;
	}
	memcpy(eo->data, "\0\0\0\0\1\0\0\0", COUNTS_HDR);
	for (i = 0; i < h->ncell; i++)
	{
		const HCell *c = &h->cell[i];
		const char *kp = HCELL_KEY(h, c);

		nous_mixrec_write((unsigned char *) eo->data + off, c->n,
						  kp, c->ls, kp + c->ls, c->lu, kp + c->ls + c->lu, c->lg);
		off += NOUS_MIXREC_HDR + (Size) c->ls + c->lu + c->lg;
	}
	Assert(off == h->flatlen);
	eo->len = off;
	h->image_valid = true;
}

/* the hash-mode read-write state of a transition function */
static NousBufEO *
cells_state(FunctionCallInfo fcinfo, const char *fn)
{
	NousBufEO  *eo = state_rw(fcinfo, 0, BUF_COUNTS, fn);

	if (eo->cells == NULL)
		cells_start(eo);
	return eo;
}

PG_FUNCTION_INFO_V1(nous_mixcounts_sum_trans);

/* transition (state, unit, grp, n) in hash mode; a NULL n skips the row */
Datum
nous_mixcounts_sum_trans(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo = cells_state(fcinfo, "nous_mixcounts_sum_trans");
	const char *u, *g;
	uint32		lu, lg;

	if (!PG_ARGISNULL(3))
	{
		double		n = PG_GETARG_FLOAT8(3);

		key_arg(fcinfo, 1, "unit", &u, &lu);
		key_arg(fcinfo, 2, "grp", &g, &lg);
		check_count(n, u, lu, g, lg);
		cells_add(eo, "", 0, u, lu, g, lg, n);
	}
	RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_sum_trans_int);

/*
 * transition (state, unit, grp bigint, n) in hash mode: the group is keyed by
 * its decimal text, exactly as grp::text would be, without a text per row
 */
Datum
nous_mixcounts_sum_trans_int(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo = cells_state(fcinfo, "nous_mixcounts_sum_trans_int");
	const char *u;
	uint32		lu, lg;
	char		g[MAXINT8LEN + 1];

	if (!PG_ARGISNULL(3))
	{
		double		n = PG_GETARG_FLOAT8(3);

		key_arg(fcinfo, 1, "unit", &u, &lu);
		if (PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("grp must not be NULL"),
					 errhint("Filter the rows with a NULL grp out, or COALESCE it to a named category.")));
		lg = (uint32) pg_lltoa(PG_GETARG_INT64(2), g);
		check_count(n, u, lu, g, lg);
		cells_add(eo, "", 0, u, lu, g, lg, n);
	}
	RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_sum_trans_super);

/* transition (state, super, unit, grp, n) in hash mode */
Datum
nous_mixcounts_sum_trans_super(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo = cells_state(fcinfo, "nous_mixcounts_sum_trans_super");
	const char *s, *u, *g;
	uint32		ls, lu, lg;

	if (!PG_ARGISNULL(4))
	{
		double		n = PG_GETARG_FLOAT8(4);

		key_arg(fcinfo, 1, "super", &s, &ls);
		key_arg(fcinfo, 2, "unit", &u, &lu);
		key_arg(fcinfo, 3, "grp", &g, &lg);
		check_count(n, u, lu, g, lg);
		cells_add(eo, s, ls, u, lu, g, lg, n);
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
	if (eo->cells != NULL)
	{
		cells_add_image(eo, img, len);
		RETURN_EO(eo);
	}
	nbuf_reserve(eo, len - COUNTS_HDR);
	memcpy(eo->data + eo->len, img + COUNTS_HDR, len - COUNTS_HDR);
	eo->len += len - COUNTS_HDR;
	if (eo->compact_at == 0)
		eo->compact_at = Max((Size) COMPACT_FIRST, eo->len * 2);
	else if (eo->len >= eo->compact_at)
		counts_compact(eo);
	RETURN_EO(eo);
}

/* the merged table of a mixcounts argument (palloc'd in the current context) */
static void
table_arg(FunctionCallInfo fcinfo, int argno, nous_mixtable *t)
{
	Size		len;
	const char *img = state_image(PG_GETARG_DATUM(argno), BUF_COUNTS, &len);

	table_from_image(img, len, t);
}

/* the merged table of a state image (palloc'd in the current context) */
static void
table_from_image(const char *img, Size len, nous_mixtable *t)
{
	nous_status st = nous_mixtable_build((const unsigned char *) img + COUNTS_HDR,
										 len - COUNTS_HDR, t);

	if (st == NOUS_ERR_SYNTAX)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid mix state"),
				 errdetail("The cell records of a mixcounts state are corrupt.")));
	if (st == NOUS_ERR_NONFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("counts of a mixcounts state add up beyond the range of double precision"),
				 errdetail("A cell or a total would be infinite.")));
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

/* One index of a stored table: unpack, compute, free; NaN (undefined) → NULL. */
static Datum
mixcounts_index(FunctionCallInfo fcinfo, double (*index) (const nous_mixtable *t))
{
	nous_mixtable t;
	double		r;

	table_arg(fcinfo, 0, &t);
	r = index(&t);
	nous_mixtable_free(&t);
	RETURN_INDEX(r);
}

/* Simpson interaction = 1 - Simpson concentration */
static double
simpson_interaction(const nous_mixtable *t)
{
	double		r = nous_mix_simpson_concentration(t);

	return isnan(r) ? r : 1.0 - r;
}

PG_FUNCTION_INFO_V1(nous_mixcounts_shannon);
PG_FUNCTION_INFO_V1(nous_mixcounts_multi_dissimilarity);
PG_FUNCTION_INFO_V1(nous_mixcounts_relative_diversity);
PG_FUNCTION_INFO_V1(nous_mixcounts_simpson_concentration);
PG_FUNCTION_INFO_V1(nous_mixcounts_simpson_interaction);

/* Shannon diversity of the group totals (natural log) */
Datum
nous_mixcounts_shannon(PG_FUNCTION_ARGS)
{
	return mixcounts_index(fcinfo, nous_mix_entropy);
}

/* multigroup dissimilarity */
Datum
nous_mixcounts_multi_dissimilarity(PG_FUNCTION_ARGS)
{
	return mixcounts_index(fcinfo, nous_mix_multi_dissimilarity);
}

/* relative diversity */
Datum
nous_mixcounts_relative_diversity(PG_FUNCTION_ARGS)
{
	return mixcounts_index(fcinfo, nous_mix_relative_diversity);
}

/* Simpson concentration */
Datum
nous_mixcounts_simpson_concentration(PG_FUNCTION_ARGS)
{
	return mixcounts_index(fcinfo, nous_mix_simpson_concentration);
}

/* Simpson interaction */
Datum
nous_mixcounts_simpson_interaction(PG_FUNCTION_ARGS)
{
	return mixcounts_index(fcinfo, simpson_interaction);
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
			values[6] = Float8GetDatum(n > 0.0 ? n / t.N * (log(n / nu) + log(t.N / ng)) : 0.0);
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
			nous_sendcountedtext(&buf, str, l[k]);
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
	nous_check_format_version("nous.mixcounts", pq_getmsgbyte(msg), 1, MIX_VERSION);
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

/* ------------------------------------------------------------------ */
/* allocation mix (loi Égalité et Citoyenneté 2017, CCH L441-1)         */
/* ------------------------------------------------------------------ */

static nous_uc_scale
uc_scale_arg(text *t)
{
	char	   *w = text_to_cstring(t);

	if (strcmp(w, "oecd_modified") == 0 || strcmp(w, "insee") == 0)
		return NOUS_UC_OECD_MODIFIED;
	if (strcmp(w, "oecd") == 0 || strcmp(w, "oxford") == 0)
		return NOUS_UC_OECD_OLD;
	if (strcmp(w, "sqrt") == 0)
		return NOUS_UC_SQRT;
	if (strcmp(w, "per_capita") == 0)
		return NOUS_UC_PER_CAPITA;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown consumption-unit scale \"%s\"", w),
			 errdetail("The scales are oecd_modified (alias insee, the default), oecd (alias oxford), sqrt and per_capita.")));
	pg_unreachable();
}

static double
uc_common(int32 a, int32 c, nous_uc_scale scale)
{
	double		r;
	nous_status st = nous_consumption_units(a, c, scale, &r);

	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("numbers of persons must not be negative, got %d aged 14 or more and %d under 14", a, c)));
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a household has at least one person aged 14 or more"),
				 errdetail("Got 0 persons aged 14 or more and %d under 14.", c),
				 errhint("Count the reference person of the household among the persons aged 14 or more.")));
	if (st != NOUS_OK)
		nous_report_status(st, "consumption_units");
	return r;
}

PG_FUNCTION_INFO_V1(nous_consumption_units_default);
Datum
nous_consumption_units_default(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(uc_common(PG_GETARG_INT32(0), PG_GETARG_INT32(1), NOUS_UC_OECD_MODIFIED));
}

PG_FUNCTION_INFO_V1(nous_consumption_units_scale);
Datum
nous_consumption_units_scale(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(uc_common(PG_GETARG_INT32(0), PG_GETARG_INT32(1),
							   uc_scale_arg(PG_GETARG_TEXT_PP(2))));
}

PG_FUNCTION_INFO_V1(nous_income_per_uc);

/* nous.income_per_uc(resources, persons_14_plus, persons_under_14[, scale]) */
Datum
nous_income_per_uc(PG_FUNCTION_ARGS)
{
	double		r = PG_GETARG_FLOAT8(0);
	nous_uc_scale scale = PG_NARGS() > 3 ? uc_scale_arg(PG_GETARG_TEXT_PP(3)) : NOUS_UC_OECD_MODIFIED;

	if (!isfinite(r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("resources must be a finite number")));
	if (r < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("resources must not be negative, got %g", r),
				 errhint("Record a deficit as 0 resources.")));
	PG_RETURN_FLOAT8(r / uc_common(PG_GETARG_INT32(1), PG_GETARG_INT32(2), scale));
}

/* ---- first-quartile threshold: an internal array of values ---- */

typedef struct QuantState
{
	Size		n;
	Size		cap;
	double	   *x;
	int			kind;			/* nous_quantile_kind, -1 while unset */
} QuantState;

static QuantState *
quant_state(FunctionCallInfo fcinfo, MemoryContext aggctx)
{
	QuantState *s;

	if (!PG_ARGISNULL(0))
		return (QuantState *) PG_GETARG_POINTER(0);
	s = MemoryContextAlloc(aggctx, sizeof(QuantState));
	s->n = 0;
	s->cap = 64;
	s->x = MemoryContextAllocHuge(aggctx, s->cap * sizeof(double));
	s->kind = -1;
	return s;
}

static void
quant_push(QuantState *s, double v)
{
	if (s->n == s->cap)
	{
		if (s->cap >= MaxAllocHugeSize / (2 * sizeof(double)))
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
							errmsg("too many values for a quantile")));
		s->cap *= 2;
		s->x = repalloc_huge(s->x, s->cap * sizeof(double));
	}
	s->x[s->n++] = v;
}

static int
quantile_kind_arg(text *t)
{
	char	   *w = text_to_cstring(t);

	if (strcmp(w, "continuous") == 0)
		return NOUS_Q_CONTINUOUS;
	if (strcmp(w, "discrete") == 0)
		return NOUS_Q_DISCRETE;
	if (strcmp(w, "median_unbiased") == 0)
		return NOUS_Q_MEDIAN_UNBIASED;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown quantile definition \"%s\"", w),
			 errdetail("The definitions are continuous (as percentile_cont, the default), discrete (as percentile_disc) and median_unbiased (Hyndman and Fan type 8).")));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(nous_quartile_trans);

/* (state, income_uc[, quantile text]) */
Datum
nous_quartile_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context(fcinfo, "nous_quartile_trans");
	QuantState *s = quant_state(fcinfo, aggctx);
	double		v;

	if (PG_NARGS() > 2)
	{
		int			k;

		if (PG_ARGISNULL(2))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("quantile definition must not be NULL")));
		k = quantile_kind_arg(PG_GETARG_TEXT_PP(2));
		if (s->kind >= 0 && s->kind != k)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("quantile definition changes between rows")));
		s->kind = k;
	}
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	v = PG_GETARG_FLOAT8(1);
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("income per consumption unit must be a finite number")));
	if (v < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("income per consumption unit must not be negative, got %g", v),
				 errhint("Record a deficit as 0 resources.")));
	quant_push(s, v);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_quartile_combine);
Datum
nous_quartile_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx = agg_context(fcinfo, "nous_quartile_combine");
	QuantState *a, *b;
	Size		i;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(PG_ARGISNULL(0) ? NULL : PG_GETARG_POINTER(0));
	a = quant_state(fcinfo, aggctx);
	b = (QuantState *) PG_GETARG_POINTER(1);
	if (a->kind >= 0 && b->kind >= 0 && a->kind != b->kind)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("quantile definition changes between rows")));
	if (b->kind >= 0)
		a->kind = b->kind;
	for (i = 0; i < b->n; i++)
		quant_push(a, b->x[i]);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_quartile_serialize);
Datum
nous_quartile_serialize(PG_FUNCTION_ARGS)
{
	QuantState *s = (QuantState *) PG_GETARG_POINTER(0);
	Size		len = VARHDRSZ + 8 + s->n * sizeof(double);
	bytea	   *out;
	int32		k = s->kind;

	if (len > MaxAllocSize)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("too many values to send to a parallel leader")));
	out = palloc(len);
	SET_VARSIZE(out, len);
	VARDATA(out)[0] = MIX_VERSION;
	memcpy(VARDATA(out) + 4, &k, 4);
	memcpy(VARDATA(out) + 8, s->x, s->n * sizeof(double));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(nous_quartile_deserialize);
Datum
nous_quartile_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	Size		len = VARSIZE_ANY_EXHDR(b);
	const char *p = VARDATA_ANY(b);
	QuantState *s;
	int32		k;
	Size		i;

	if (len < 8 || (len - 8) % sizeof(double) != 0 || p[0] != MIX_VERSION)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("invalid serialized quantile state")));
	memcpy(&k, p + 4, 4);
	if (k < -1 || k > NOUS_Q_MEDIAN_UNBIASED)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("invalid serialized quantile state")));
	s = palloc(sizeof(QuantState));
	s->n = (len - 8) / sizeof(double);
	s->cap = Max(s->n, 1);
	s->x = palloc_extended(s->cap * sizeof(double), MCXT_ALLOC_HUGE);
	s->kind = k;
	memcpy(s->x, p + 8, s->n * sizeof(double));
	for (i = 0; i < s->n; i++)
		if (!isfinite(s->x[i]) || s->x[i] < 0.0)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
							errmsg("invalid serialized quantile state")));
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_quartile_final);

/* the 25th percentile; NULL when no value (an EPCI with no pending demand) */
Datum
nous_quartile_final(PG_FUNCTION_ARGS)
{
	QuantState *s;
	double		r;
	nous_status st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (QuantState *) PG_GETARG_POINTER(0);
	if (s->n == 0)
		PG_RETURN_NULL();
	/* selection reorders the values: harmless, the order carries no meaning */
	st = nous_quantile(s->x, s->n, 0.25, s->kind < 0 ? NOUS_Q_CONTINUOUS : s->kind, &r);
	if (st != NOUS_OK)
		nous_report_status(st, "first_quartile");
	PG_RETURN_FLOAT8(r);
}

/* ---- compliance with a share target ---- */

typedef struct RuleCount
{
	int64		scope;
	int64		counted;
} RuleCount;

typedef struct RuleState
{
	uint8		version;
	uint8		inclusive;		/* allocation_mix: income <= threshold counts as Q1 */
	uint8		has_params;
	uint8		pad;
	int32		min_scope;
	double		target;			/* mix_compliance: the target; NaN while unset */
	double		confidence;
	RuleCount	r[2];			/* mix_compliance: r[0]; allocation_mix: outside, inside */
} RuleState;

#define DEFAULT_MIN_SCOPE 20
#define DEFAULT_CONFIDENCE 0.95

static RuleState *
rule_state(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext aggctx = agg_context(fcinfo, fn);
	RuleState  *s;

	if (!PG_ARGISNULL(0))
		return (RuleState *) PG_GETARG_POINTER(0);
	s = MemoryContextAllocZero(aggctx, sizeof(RuleState));
	s->version = MIX_VERSION;
	s->min_scope = DEFAULT_MIN_SCOPE;
	s->confidence = DEFAULT_CONFIDENCE;
	s->target = get_float8_nan();
	return s;
}

/* min_scope and confidence arguments at argno, argno+1 (constant per group) */
static void
rule_params(FunctionCallInfo fcinfo, RuleState *s, int argno)
{
	int32		m;
	double		c;

	if (PG_ARGISNULL(argno) || PG_ARGISNULL(argno + 1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("min_scope and confidence must not be NULL")));
	m = PG_GETARG_INT32(argno);
	c = PG_GETARG_FLOAT8(argno + 1);
	if (m < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("min_scope must not be negative, got %d", m)));
	if (!(c > 0.0 && c < 1.0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("confidence must be between 0 and 1 exclusive, got %g", c),
						errhint("Use 0.95 for a 95 %% interval.")));
	if (s->has_params && (s->min_scope != m || s->confidence != c))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("min_scope and confidence must be the same on every row")));
	s->min_scope = m;
	s->confidence = c;
	s->has_params = 1;
}

PG_FUNCTION_INFO_V1(nous_compliance_trans);

/* (state, counts bool, target float8[, min_scope int, confidence float8]) */
Datum
nous_compliance_trans(PG_FUNCTION_ARGS)
{
	RuleState  *s = rule_state(fcinfo, "nous_compliance_trans");
	double		target;

	if (PG_NARGS() == 2)
		target = 0.25;			/* priority households: CCH L441-1, 25 % by default */
	else if (PG_ARGISNULL(2))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("target must not be NULL")));
	else
		target = PG_GETARG_FLOAT8(2);
	if (!(target >= 0.0 && target <= 1.0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("target must be a share between 0 and 1, got %g", target),
						errhint("Write 25 %% as 0.25.")));
	if (!isnan(s->target) && s->target != target)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("target changes between rows (%g, then %g)", s->target, target),
						errdetail("A group has one target.")));
	s->target = target;
	if (PG_NARGS() > 3)
		rule_params(fcinfo, s, 3);
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("whether an allocation counts towards the target must not be NULL"),
						errdetail("An allocation in scope whose status is unknown would make the share wrong."),
						errhint("Filter it out of the scope with FILTER (WHERE …) or decide it with COALESCE.")));
	s->r[0].scope++;
	if (PG_GETARG_BOOL(1))
		s->r[0].counted++;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_allocation_mix_trans);

/*
 * (state, in_qpv, income_uc, renewal, threshold[, inclusive, min_scope,
 * confidence]): outside QPV an allocation counts when the household is in
 * the first quartile or rehoused by urban renewal (target 25 %); inside QPV
 * when it is not in the first quartile (target 50 %) (CCH L441-1).
 */
Datum
nous_allocation_mix_trans(PG_FUNCTION_ARGS)
{
	RuleState  *s = rule_state(fcinfo, "nous_allocation_mix_trans");
	bool		in_qpv, renewal, q1 = false, have_income;
	double		income = 0.0, threshold;

	if (PG_NARGS() > 5)
	{
		bool		inclusive;

		if (PG_ARGISNULL(5))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("inclusive must not be NULL")));
		inclusive = PG_GETARG_BOOL(5);
		if (s->has_params && s->inclusive != inclusive)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("inclusive must be the same on every row")));
		rule_params(fcinfo, s, 6);
		s->inclusive = inclusive;
	}
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("allocation has no QPV flag"),
						errdetail("Each rule applies either inside or outside the quartiers prioritaires; an allocation without the flag cannot be placed."),
						errhint("Locate the dwelling (for example with its IRIS or address) before computing the rules.")));
	if (PG_ARGISNULL(3))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("renewal flag must not be NULL"),
						errhint("Pass false when the data do not record urban-renewal rehousings.")));
	in_qpv = PG_GETARG_BOOL(1);
	renewal = PG_GETARG_BOOL(3);
	have_income = !PG_ARGISNULL(2);
	if (have_income)
	{
		income = PG_GETARG_FLOAT8(2);
		if (!isfinite(income) || income < 0.0)
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("income per consumption unit must be a finite non-negative number, got %g", income)));
	}
	/* a renewal rehousing outside QPV counts whatever its income */
	if (!(!in_qpv && renewal))
	{
		if (!have_income)
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("income per consumption unit must not be NULL"),
							errdetail("Without the income the allocation cannot be placed in or out of the first quartile."),
							errhint("Leave such allocations out explicitly with a WHERE clause and report how many.")));
		if (PG_ARGISNULL(4))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("first-quartile threshold must not be NULL"),
							errdetail("An EPCI with no pending application has no threshold."),
							errhint("Compute the threshold with nous.first_quartile() over the applications pending on 31 December of the previous year.")));
		threshold = PG_GETARG_FLOAT8(4);
		if (!isfinite(threshold) || threshold < 0.0)
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("first-quartile threshold must be a finite non-negative number, got %g", threshold)));
		q1 = s->inclusive ? income <= threshold : income < threshold;
	}
	if (in_qpv)
	{
		s->r[1].scope++;
		if (!q1)
			s->r[1].counted++;
	}
	else
	{
		s->r[0].scope++;
		if (q1 || renewal)
			s->r[0].counted++;
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_rule_combine);
Datum
nous_rule_combine(PG_FUNCTION_ARGS)
{
	RuleState  *a, *b;
	int			i;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(PG_ARGISNULL(0) ? NULL : PG_GETARG_POINTER(0));
	a = rule_state(fcinfo, "nous_rule_combine");
	b = (RuleState *) PG_GETARG_POINTER(1);
	if (!isnan(a->target) && !isnan(b->target) && a->target != b->target)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("target changes between rows (%g, then %g)", a->target, b->target)));
	if (isnan(a->target))
		a->target = b->target;
	if (b->has_params)
	{
		if (a->has_params && (a->min_scope != b->min_scope || a->confidence != b->confidence ||
							  a->inclusive != b->inclusive))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("parameters must be the same on every row")));
		a->min_scope = b->min_scope;
		a->confidence = b->confidence;
		a->inclusive = b->inclusive;
		a->has_params = 1;
	}
	for (i = 0; i < 2; i++)
	{
		a->r[i].scope += b->r[i].scope;
		a->r[i].counted += b->r[i].counted;
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_rule_serialize);
Datum
nous_rule_serialize(PG_FUNCTION_ARGS)
{
	RuleState  *s = (RuleState *) PG_GETARG_POINTER(0);
	bytea	   *out = palloc(VARHDRSZ + sizeof(RuleState));

	SET_VARSIZE(out, VARHDRSZ + sizeof(RuleState));
	memcpy(VARDATA(out), s, sizeof(RuleState));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(nous_rule_deserialize);
Datum
nous_rule_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	RuleState  *s;
	int			i;

	if (VARSIZE_ANY_EXHDR(b) != sizeof(RuleState))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("invalid serialized compliance state"),
						errdetail("Expected %zu bytes, got %zu.", sizeof(RuleState), (Size) VARSIZE_ANY_EXHDR(b))));
	s = palloc(sizeof(RuleState));
	memcpy(s, VARDATA_ANY(b), sizeof(RuleState));
	if (s->version != MIX_VERSION || s->inclusive > 1 || s->has_params > 1 ||
		s->min_scope < 0 || !(s->confidence > 0.0 && s->confidence < 1.0) ||
		(!isnan(s->target) && !(s->target >= 0.0 && s->target <= 1.0)))
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
						errmsg("invalid serialized compliance state")));
	for (i = 0; i < 2; i++)
		if (s->r[i].scope < 0 || s->r[i].counted < 0 || s->r[i].counted > s->r[i].scope)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
							errmsg("invalid serialized compliance state")));
	PG_RETURN_POINTER(s);
}

/* fill 9 columns from one rule: scope, counted, share, target, gap, lo, hi, too_small, meets */
static void
rule_columns(const RuleState *s, const RuleCount *r, double target, Datum *v, bool *nulls)
{
	double		z = nous_normal_quantile(0.5 + s->confidence / 2.0);
	double		lo, hi;

	v[0] = Int64GetDatum(r->scope);
	v[1] = Int64GetDatum(r->counted);
	nulls[0] = nulls[1] = nulls[3] = nulls[7] = false;
	v[3] = Float8GetDatum(target);
	v[7] = BoolGetDatum(r->scope < s->min_scope);
	if (r->scope == 0)
	{
		nulls[2] = nulls[4] = nulls[5] = nulls[6] = nulls[8] = true;
		v[2] = v[4] = v[5] = v[6] = v[8] = (Datum) 0;
		return;
	}
	nulls[2] = nulls[4] = nulls[5] = nulls[6] = nulls[8] = false;
	v[2] = Float8GetDatum((double) r->counted / (double) r->scope);
	v[4] = Int64GetDatum((int64) nous_mix_gap((double) r->counted, (double) r->scope, target));
	nous_wilson((double) r->counted, (double) r->scope, z, &lo, &hi);
	v[5] = Float8GetDatum(lo);
	v[6] = Float8GetDatum(hi);
	v[8] = BoolGetDatum(nous_mix_gap((double) r->counted, (double) r->scope, target) == 0.0);
}

PG_FUNCTION_INFO_V1(nous_compliance_final);
Datum
nous_compliance_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	RuleState  *s;
	Datum		v[9];
	bool		nulls[9];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (RuleState *) PG_GETARG_POINTER(0);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	rule_columns(s, &s->r[0], s->target, v, nulls);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), v, nulls)));
}

PG_FUNCTION_INFO_V1(nous_allocation_mix_final);
Datum
nous_allocation_mix_final(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	RuleState  *s;
	Datum		v[18];
	bool		nulls[18];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (RuleState *) PG_GETARG_POINTER(0);
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	/* targets of CCH L441-1: 25 % outside QPV, 50 % inside */
	rule_columns(s, &s->r[0], 0.25, v, nulls);
	rule_columns(s, &s->r[1], 0.50, v + 9, nulls + 9);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), v, nulls)));
}

PG_FUNCTION_INFO_V1(nous_wilson_interval);

/* nous.wilson_interval(counted, total, confidence) → (low, high) */
Datum
nous_wilson_interval(PG_FUNCTION_ARGS)
{
	int64		k = PG_GETARG_INT64(0), n = PG_GETARG_INT64(1);
	double		c = PG_GETARG_FLOAT8(2), lo, hi;
	TupleDesc	tupdesc;
	Datum		v[2];
	bool		nulls[2] = {false, false};

	if (k < 0 || n < 0 || k > n)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("counted must be between 0 and total, got %lld of %lld",
							   (long long) k, (long long) n)));
	if (!(c > 0.0 && c < 1.0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("confidence must be between 0 and 1 exclusive, got %g", c)));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	nous_wilson((double) k, (double) n, nous_normal_quantile(0.5 + c / 2.0), &lo, &hi);
	if (n == 0)
		nulls[0] = nulls[1] = true;
	v[0] = Float8GetDatum(lo);
	v[1] = Float8GetDatum(hi);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), v, nulls)));
}

static void
check_counts(int64 a, int64 b, const char *na, const char *nb)
{
	if (a < 0 || b < 0)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("counts must not be negative, got %s %lld and %s %lld",
							   na, (long long) a, nb, (long long) b)));
}

PG_FUNCTION_INFO_V1(nous_pressure);

/* pending / allocations (demand pressure, as in the SNE reports) */
Datum
nous_pressure(PG_FUNCTION_ARGS)
{
	int64		p = PG_GETARG_INT64(0), a = PG_GETARG_INT64(1);

	check_counts(p, a, "pending", "allocations");
	if (a == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) p / (double) a);
}

PG_FUNCTION_INFO_V1(nous_satisfaction_rate);

/* allocations / (allocations + pending) */
Datum
nous_satisfaction_rate(PG_FUNCTION_ARGS)
{
	int64		a = PG_GETARG_INT64(0), p = PG_GETARG_INT64(1);

	check_counts(a, p, "allocations", "pending");
	if (a + p == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) a / ((double) a + (double) p));
}

/* ------------------------------------------------------------------ */
/* bootstrap confidence intervals                                      */
/* ------------------------------------------------------------------ */

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}

static void
boot_args(FunctionCallInfo fcinfo, int *reps, uint64 *seed, double *level)
{
	*reps = PG_GETARG_INT32(2);
	*seed = (uint64) PG_GETARG_INT64(3);
	*level = PG_GETARG_FLOAT8(4);
	if (*reps < 2 || *reps > 100000)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("reps must be between 2 and 100000, got %d", *reps)));
	if (!(*level > 0.0 && *level < 1.0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("level must be between 0 and 1 exclusive, got %g", *level)));
}

/* (estimate, boot_mean, bias, se, low, high, reps): percentile interval */
static Datum
boot_result(FunctionCallInfo fcinfo, double estimate, double *b, int reps, double level)
{
	TupleDesc	tupdesc;
	Datum		v[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};
	double		sum = 0.0, ss = 0.0, mean, lo, hi;
	int			i, m = 0;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	/* undefined replicates (NaN: nobody in the group…) are left out */
	for (i = 0; i < reps; i++)
		if (!isnan(b[i]))
			b[m++] = b[i];
	for (i = 0; i < m; i++)
		sum += b[i];
	mean = m > 0 ? sum / m : get_float8_nan();
	for (i = 0; i < m; i++)
		ss += (b[i] - mean) * (b[i] - mean);
	qsort(b, m, sizeof(double), cmp_double);
	if (m > 0)
	{
		nous_quantile(b, m, (1.0 - level) / 2.0, NOUS_Q_CONTINUOUS, &lo);
		qsort(b, m, sizeof(double), cmp_double);
		nous_quantile(b, m, (1.0 + level) / 2.0, NOUS_Q_CONTINUOUS, &hi);
	}
	else
		lo = hi = get_float8_nan();
	v[0] = Float8GetDatum(estimate);
	v[1] = Float8GetDatum(mean);
	v[2] = Float8GetDatum(mean - estimate);
	v[3] = Float8GetDatum(m > 1 ? sqrt(ss / (m - 1)) : get_float8_nan());
	v[4] = Float8GetDatum(lo);
	v[5] = Float8GetDatum(hi);
	v[6] = Int32GetDatum(m);
	for (i = 0; i < 6; i++)
		nulls[i] = isnan(DatumGetFloat8(v[i]));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), v, nulls)));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_bootstrap);

/* nous.bootstrap_ci(nous.mixpairs, index, reps, seed, level) */
Datum
nous_mixpairs_bootstrap(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);
	char	   *idx = text_to_cstring(PG_GETARG_TEXT_PP(1));
	nous_mix2_index which;
	int			reps;
	uint64		seed;
	double		level, est, *b;
	nous_status st;

	if (strcmp(idx, "dissimilarity") == 0 || strcmp(idx, "D") == 0)
		which = NOUS_MIX2_D;
	else if (strcmp(idx, "gini_segregation") == 0)
		which = NOUS_MIX2_GINI;
	else if (strcmp(idx, "entropy_h") == 0 || strcmp(idx, "H") == 0)
		which = NOUS_MIX2_H;
	else if (strcmp(idx, "isolation") == 0)
		which = NOUS_MIX2_ISOLATION;
	else if (strcmp(idx, "interaction") == 0)
		which = NOUS_MIX2_INTERACTION;
	else if (strcmp(idx, "correlation_ratio") == 0)
		which = NOUS_MIX2_CORRELATION;
	else
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("unknown two-group index \"%s\"", idx),
						errdetail("The indices are dissimilarity (D), gini_segregation, entropy_h (H), isolation, interaction and correlation_ratio.")));
	boot_args(fcinfo, &reps, &seed, &level);
	st = nous_mix2_index_value(gt, n, which, &est);
	if (st != NOUS_OK)
		nous_report_status(st, "bootstrap_ci");
	if (isnan(est))
		PG_RETURN_NULL();
	b = palloc(sizeof(double) * reps);
	st = nous_mix2_bootstrap(gt, n, which, reps, seed, b);
	if (st != NOUS_OK)
		nous_report_status(st, "bootstrap_ci");
	return boot_result(fcinfo, est, b, reps, level);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_bootstrap);

/* nous.bootstrap_ci(nous.mixcounts, index, reps, seed, level) */
Datum
nous_mixcounts_bootstrap(PG_FUNCTION_ARGS)
{
	char	   *idx = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		h;
	int			reps;
	uint64		seed;
	double		level, est, *b;
	nous_mixtable t;
	nous_status st;

	if (strcmp(idx, "mutual_information") == 0 || strcmp(idx, "M") == 0)
		h = false;
	else if (strcmp(idx, "entropy_index") == 0 || strcmp(idx, "H") == 0)
		h = true;
	else
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("unknown multigroup index \"%s\"", idx),
						errdetail("The indices are mutual_information (M) and entropy_index (H).")));
	boot_args(fcinfo, &reps, &seed, &level);
	table_arg(fcinfo, 0, &t);
	est = nous_mix_mutual_information(&t);
	if (h && !isnan(est))
	{
		double		e = nous_mix_entropy(&t);

		est = e > 0.0 ? est / e : get_float8_nan();
	}
	if (isnan(est))
	{
		nous_mixtable_free(&t);
		PG_RETURN_NULL();
	}
	b = palloc(sizeof(double) * reps);
	st = nous_mix_bootstrap(&t, h, reps, seed, b);
	nous_mixtable_free(&t);
	if (st != NOUS_OK)
		nous_report_status(st, "bootstrap_ci");
	return boot_result(fcinfo, est, b, reps, level);
}

/* ------------------------------------------------------------------ */
/* index families: methods are plugins (DESIGN principle 3)             */
/* ------------------------------------------------------------------ */

typedef struct IndexCache
{
	bool		valid;
	NousMethod	method;
} IndexCache;

static Datum
index_dispatch(FunctionCallInfo fcinfo, const char *family)
{
	IndexCache *cache = fcinfo->flinfo->fn_extra;
	char	   *spec = text_to_cstring(PG_GETARG_TEXT_PP(1));
	Datum		arg = PG_GETARG_DATUM(0);
	Datum		result;
	bool		isnull;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(IndexCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (!cache->valid || strcmp(cache->method.spec_text, spec) != 0)
	{
		cache->valid = false;
		nous_method_resolve(family, spec, fcinfo->flinfo->fn_mcxt, &cache->method);
		cache->valid = true;
	}
	result = nous_method_call1(&cache->method, arg, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(nous_segregation);

/* nous.segregation(nous.mixpairs, method text): a registered two-group index */
Datum
nous_segregation(PG_FUNCTION_ARGS)
{
	return index_dispatch(fcinfo, "segregation");
}

PG_FUNCTION_INFO_V1(nous_multigroup_segregation);

/* nous.segregation(nous.mixcounts, method text): a registered multigroup index */
Datum
nous_multigroup_segregation(PG_FUNCTION_ARGS)
{
	return index_dispatch(fcinfo, "multigroup_segregation");
}

PG_FUNCTION_INFO_V1(nous_mixpairs_atkinson_params);

/* Atkinson as a registered method: params b (default 0.5) */
Datum
nous_mixpairs_atkinson_params(PG_FUNCTION_ARGS)
{
	static const char *const allowed[] = {"b", NULL};
	Jsonb	   *params = PG_NARGS() > 1 && !PG_ARGISNULL(1) ? PG_GETARG_JSONB_P(1) : NULL;
	double		b = 0.5;
	size_t		n;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);

	nous_params_check(params, "atkinson", allowed);
	nous_params_number(params, "atkinson", "b", &b);
	return atkinson_common(fcinfo, gt, n, b);
}

/* the pairs' groups (which = 0) or totals (1) as a float8[] (for plugins) */
static Datum
pairs_column(FunctionCallInfo fcinfo, int which)
{
	size_t		n, i;
	const double *gt = pairs_arg(fcinfo, 0, &n, NULL);
	Datum	   *d;

	if (n > MaxAllocSize / sizeof(Datum))
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("too many areas for an array")));
	d = palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(gt[2 * i + which]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, (int) n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_groups);
Datum
nous_mixpairs_groups(PG_FUNCTION_ARGS)
{
	return pairs_column(fcinfo, 0);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_totals);
Datum
nous_mixpairs_totals(PG_FUNCTION_ARGS)
{
	return pairs_column(fcinfo, 1);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_by_super);

/*
 * nous.mutual_information_by_super(nous.mixcounts): one row per super-unit:
 * super, n, share p_s, M_s, E_s, H_s = M_s / E_s, its part p_s M_s of M_within.
 */
Datum
nous_mixcounts_by_super(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_mixtable t;
	double	   *p, *m, *e;
	size_t		s;
	nous_status st;

	InitMaterializedSRF(fcinfo, 0);
	table_arg(fcinfo, 0, &t);
	p = palloc(sizeof(double) * Max(t.nsuper, 1));
	m = palloc(sizeof(double) * Max(t.nsuper, 1));
	e = palloc(sizeof(double) * Max(t.nsuper, 1));
	st = nous_mix_by_super(&t, p, m, e);
	if (st != NOUS_OK)
		nous_report_status(st, "mutual_information_by_super");
	for (s = 0; s < t.nsuper; s++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		int			k;

		values[0] = PointerGetDatum(cstring_to_text_with_len(t.super_name[s], t.super_len[s]));
		values[1] = Float8GetDatum(t.super_n[s]);
		values[2] = Float8GetDatum(p[s]);
		values[3] = Float8GetDatum(m[s]);
		values[4] = Float8GetDatum(e[s]);
		values[5] = Float8GetDatum(e[s] > 0.0 ? m[s] / e[s] : get_float8_nan());
		values[6] = Float8GetDatum(p[s] * m[s]);
		for (k = 1; k < 7; k++)
			nulls[k] = isnan(DatumGetFloat8(values[k]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	nous_mixtable_free(&t);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_mixcounts_units);

/*
 * nous.mix_units(nous.mixcounts): one row per unit: super, unit, n, local
 * segregation L_u, its contribution p_u L_u to M, Shannon diversity and
 * Simpson interaction of the unit.
 */
Datum
nous_mixcounts_units(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_mixtable t;
	double	   *L, *E, *I;
	size_t		u;

	InitMaterializedSRF(fcinfo, 0);
	table_arg(fcinfo, 0, &t);
	L = palloc(sizeof(double) * Max(t.nunit, 1));
	E = palloc(sizeof(double) * Max(t.nunit, 1));
	I = palloc(sizeof(double) * Max(t.nunit, 1));
	nous_mix_unit_scores(&t, L, E, I);
	for (u = 0; u < t.nunit; u++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		uint32		s = t.unit_super[u];
		int			k;

		values[0] = PointerGetDatum(cstring_to_text_with_len(t.super_name[s], t.super_len[s]));
		values[1] = PointerGetDatum(cstring_to_text_with_len(t.unit_name[u], t.unit_len[u]));
		values[2] = Float8GetDatum(t.unit_n[u]);
		values[3] = Float8GetDatum(L[u]);
		values[4] = Float8GetDatum(isnan(L[u]) ? L[u] : t.unit_n[u] / t.N * L[u]);
		values[5] = Float8GetDatum(E[u]);
		values[6] = Float8GetDatum(I[u]);
		for (k = 3; k < 7; k++)
			nulls[k] = isnan(DatumGetFloat8(values[k]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	nous_mixtable_free(&t);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_first_quartile_array);

/* nous.first_quartile(values float8[], quantile text DEFAULT 'continuous') */
Datum
nous_first_quartile_array(PG_FUNCTION_ARGS)
{
	NousVec		v;
	double	   *x, r;
	int			i, m = 0, kind;
	nous_status st;

	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "values", true, &v);
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("quantile definition must not be NULL")));
	kind = quantile_kind_arg(PG_GETARG_TEXT_PP(1));
	x = palloc(sizeof(double) * Max(v.n, 1));
	for (i = 0; i < v.n; i++)
		if (v.present[i])
		{
			if (v.x[i] < 0.0)
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("income per consumption unit must not be negative, got %g", v.x[i]),
						 errhint("Record a deficit as 0 resources.")));
			x[m++] = v.x[i];
		}
	if (m == 0)
		PG_RETURN_NULL();
	st = nous_quantile(x, m, 0.25, kind, &r);
	if (st != NOUS_OK)
		nous_report_status(st, "first_quartile");
	PG_RETURN_FLOAT8(r);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_compact);

/* append the cells of t as records */
static void
write_cells(const nous_mixtable *t, StringInfo s)
{
	size_t		i;

	for (i = 0; i < t->ncell; i++)
	{
		uint32		sp = t->cell_super[i], u = t->cell_unit[i], g = t->cell_group[i];
		Size		need = NOUS_MIXREC_HDR + (Size) t->super_len[sp] + t->unit_len[u] + t->group_len[g];

		enlargeStringInfo(s, need);
		nous_mixrec_write((unsigned char *) s->data + s->len, t->cell_n[i],
						  t->super_name[sp], t->super_len[sp], t->unit_name[u], t->unit_len[u],
						  t->group_name[g], t->group_len[g]);
		s->len += need;
	}
}

/* nous.compact(nous.mixcounts): the merged cells, sorted, duplicates summed */
Datum
nous_mixcounts_compact(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	StringInfoData s;

	table_arg(fcinfo, 0, &t);
	initStringInfo(&s);
	appendBinaryStringInfo(&s, "\0\0\0\0\1\0\0\0", COUNTS_HDR);
	write_cells(&t, &s);
	nous_mixtable_free(&t);
	SET_VARSIZE(s.data, s.len);
	PG_RETURN_POINTER(s.data);
}
