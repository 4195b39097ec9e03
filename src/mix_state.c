/*
 * mix_state.c — the storage shared by the two state types of the mix module
 * (nous.mixpairs and nous.mixcounts, see mix_state.h): an expanded object
 * holding the flat image in a growable buffer, read and read-write access to
 * a state datum, and the helpers of their text and binary forms.
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

static Size
nbuf_get_flat_size(ExpandedObjectHeader *eohptr)
{
	NousBufEO  *eo = (NousBufEO *) eohptr;

	if (eo->cells != NULL)
		mix_cells_image(eo);
	return eo->len;
}

static void
nbuf_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	NousBufEO  *eo = (NousBufEO *) eohptr;

	if (eo->cells != NULL)
		mix_cells_image(eo);
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
	NousBufEO  *eo = (NousBufEO *) nous_eo_new(parent, "nous mix state", sizeof(NousBufEO),
											   &nbuf_methods);

	eo->kind = kind;
	eo->cap = Max(len, 256);
	eo->data = MemoryContextAllocHuge(eo->hdr.eoh_context, eo->cap);
	memcpy(eo->data, image, len);
	eo->len = len;
	return eo;
}

/* room for extra more bytes; a stored state is at most 1 GB */
void
mix_buf_reserve(NousBufEO *eo, Size extra)
{
	nous_reserve(eo->data, eo->cap, (int64) eo->len + (int64) extra, (int64) MaxAllocSize,
				 "bytes in a mix state");
}

/* append n bytes at p to the image */
void
mix_buf_append(NousBufEO *eo, const void *p, Size n)
{
	mix_buf_reserve(eo, n);
	memcpy(eo->data + eo->len, p, n);
	eo->len += n;
}

/* append one cell record of nous.mixcounts to the value s */
void
mix_append_record(StringInfo s, double n, const char *ks, uint32 ls,
				  const char *ku, uint32 lu, const char *kg, uint32 lg)
{
	Size		need = NOUS_MIXREC_HDR + (Size) ls + lu + lg;

	enlargeStringInfo(s, need);
	nous_mixrec_write((unsigned char *) s->data + s->len, n, ks, ls, ku, lu, kg, lg);
	s->len += need;
}

/* read access to a state datum (flat, toasted or expanded): image and length */
const char *
mix_state_image(Datum d, int kind, Size *len)
{
	NousBufEO  *eo = (NousBufEO *) nous_eo_of(d, &nbuf_methods);
	const char *type = kind == BUF_PAIRS ? "nous.mixpairs" : "nous.mixcounts";
	struct varlena *v;

	if (eo != NULL)
	{
		if (eo->kind != kind)
			nous_state_corrupt(type, "A %s value was expected, the state of another type was given.", type);
		if (eo->cells != NULL)
			mix_cells_image(eo);
		*len = eo->len;
		return eo->data;
	}
	v = PG_DETOAST_DATUM(d);
	*len = VARSIZE(v);
	if (*len > VARHDRSZ)
		nous_check_format_version(type, ((const unsigned char *) v)[VARHDRSZ], 1, MIX_VERSION);
	if (*len < (kind == BUF_PAIRS ? PAIRS_HDR : COUNTS_HDR))
		nous_state_corrupt(type, "The value is shorter than its header.");
	if (kind == BUF_PAIRS)
	{
		const double *gt;
		size_t		n;
		double		b;
		const char *why;

		if (nous_mix2_decode((const unsigned char *) v + VARHDRSZ, *len - VARHDRSZ,
							 &gt, &n, &b, &why) != NOUS_OK)
			nous_state_corrupt(type, "%s", why);
	}
	return (const char *) v;
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
NousBufEO *
mix_state_rw(FunctionCallInfo fcinfo, int argno, int kind, const char *fn)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, fn, NULL);
	NousBufEO  *eo;
	Datum		d;
	const char *img;
	Size		len;

	if (PG_ARGISNULL(argno))
	{
		char		buf[PAIRS_HDR];

		empty_image(kind, buf, &len);
		return nbuf_new(aggctx, kind, buf, len);
	}
	eo = (NousBufEO *) nous_eo_mine(fcinfo, argno, &nbuf_methods, aggctx);
	if (eo != NULL && eo->kind == kind)
		return eo;
	d = PG_GETARG_DATUM(argno);
	img = mix_state_image(d, kind, &len);
	return nbuf_new(aggctx, kind, img, len);
}

/* the error of a nous.mixcounts value whose cell records do not decode */
void
mix_counts_corrupt(void)
{
	nous_state_corrupt("nous.mixcounts value", "The cell records are corrupt.");
}

/* shortest exact text of a double */
void
mix_append_double(StringInfo s, double x)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(x, buf);
	appendStringInfoString(s, buf);
}

void
mix_bad_text(const char *type, const char *str, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%.60s\"", type, str),
			 errdetail("%s", why)));
}

/* past the white space at *p */
static void
skip_space(const char **p)
{
	while (isspace((unsigned char) **p))
		(*p)++;
}

double
mix_parse_double(const char **p, const char *type, const char *str)
{
	char	   *end;
	double		x;

	skip_space(p);
	errno = 0;
	x = strtod(*p, &end);
	/* like float8in: subnormal values are read, underflow to 0 is not */
	if (end == *p || (errno == ERANGE && x == 0.0) || !isfinite(x))
		mix_bad_text(type, str, "A finite number was expected.");
	*p = end;
	skip_space(p);
	return x;
}

void
mix_expect_char(const char **p, char c, const char *type, const char *str)
{
	skip_space(p);
	if (**p != c)
	{
		char		why[64];

		snprintf(why, sizeof(why), "Expected \"%c\".", c);
		mix_bad_text(type, str, why);
	}
	(*p)++;
	skip_space(p);
}

void
mix_parse_list(const char **p, const char *type, const char *str,
			   mix_list_item item, void *arg)
{
	mix_expect_char(p, '[', type, str);
	if (**p != ']')
		for (;;)
		{
			item(p, str, arg);
			if (**p != ',')
				break;
			(*p)++;
		}
	mix_expect_char(p, ']', type, str);
	if (**p != '\0')
		mix_bad_text(type, str, "Junk after the closing bracket.");
}

void
mix_parse_quoted(const char **p, StringInfo out, const char *str)
{
	mix_expect_char(p, '"', "nous.mixcounts", str);
	if (!nous_read_quoted(p, out))
		mix_bad_text("nous.mixcounts", str, "Unterminated string.");
	skip_space(p);
}
