/*
 * index_agg_state.c — nous.composite_agg_state, the storable state of
 * nous.composite_agg (issue 14): an expanded object around CompAggState
 * (index_agg.h) while an aggregate runs, a flat varlena when it is stored,
 * sent between parallel workers or between Citus nodes.  Its transition,
 * combine (nous.composite_agg_merge) and final functions, its text and
 * binary forms.
 *
 * Flat image (format 1), native byte order, no alignment (read by memcpy);
 * also the serialized form of the 0.1.0 internal state (its serialize and
 * deserialize functions, index_agg_parallel.c, read and write it here):
 *   varlena header, uint8 version, int32 k (-1: unknown, every values
 *   array NULL so far), int64 n, uint8 flags (1 weights, 2 polarity),
 *   int32 length + bytes of the normalisation, then of the aggregation,
 *   k float8 weights (flag 1), k int32 polarities (flag 2),
 *   n int64 keys, n x k float8 values row-major (NaN = NULL element).
 *
 * Text form: 1;k;"normalise";"aggregate";weights;polarity;rows with
 * weights and polarity {a,b,...} or NULL and rows {(key,v,...),...} (a
 * NULL element is NULL), numbers as the shortest decimals that read back
 * to the same doubles: the text form round-trips exactly.
 * Binary form: the same fields in network byte order.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"

#include "nous.h"
#include "index.h"
#include "index_glue.h"
#include "index_agg.h"
#include "mix_state.h"

#define CAGG_TYPE "nous.composite_agg_state"
#define CAGG_AGG "nous.composite_agg(key, indicators, ...)"

typedef struct CompAggEO
{
	ExpandedObjectHeader hdr;
	CompAggState st;
} CompAggEO;

/* ------------------------------------------------------------------ */
/* flat image                                                          */
/* ------------------------------------------------------------------ */

static Size
cagg_flat_bytes(const CompAggState *st)
{
	size_t		kk = st->k > 0 ? st->k : 0;
	size_t		total;

	total = VARHDRSZ + 1 + 1 + 4 + 8 + 4 + strlen(st->norm) + 4 + strlen(st->agg) +
		(st->has_w ? sizeof(double) * kk : 0) + (st->has_pol ? sizeof(int32) * kk : 0) +
		sizeof(int64) * (size_t) st->n + sizeof(double) * (size_t) st->n * kk;
	if (total > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("state of nous.composite_agg is too large to store or send"),
				 errdetail("It would take %zu bytes; at most %zu are allowed.", total, (size_t) MaxAllocSize),
				 errhint("Group by a finer territory, or disable parallel query for this statement.")));
	return total;
}

static void
cagg_flat_write(const CompAggState *st, char *out, Size total)
{
	char	   *p = out + VARHDRSZ;
	size_t		kk = st->k > 0 ? st->k : 0;
	int32		len;

	SET_VARSIZE(out, total);
	*p++ = CAGG_VERSION;
	memcpy(p, &st->k, 4);
	p += 4;
	memcpy(p, &st->n, 8);
	p += 8;
	*p++ = (st->has_w ? 1 : 0) | (st->has_pol ? 2 : 0);
	len = strlen(st->norm);
	memcpy(p, &len, 4);
	p += 4;
	memcpy(p, st->norm, len);
	p += len;
	len = strlen(st->agg);
	memcpy(p, &len, 4);
	p += 4;
	memcpy(p, st->agg, len);
	p += len;
	if (st->has_w && kk > 0)
	{
		memcpy(p, st->w, sizeof(double) * kk);
		p += sizeof(double) * kk;
	}
	if (st->has_pol && kk > 0)
	{
		/*
		 * One int32 at a time, no scratch array: this runs from the expanded
		 * object's flatten method, whose caller's context may not support
		 * pfree (PostgreSQL 17's tuplesort flattens into a bump context).
		 */
		for (size_t j = 0; j < kk; j++)
		{
			int32		v = st->pol[j];

			memcpy(p, &v, sizeof(int32));
			p += sizeof(int32);
		}
	}
	if (st->n > 0)
	{
		memcpy(p, st->keys, sizeof(int64) * st->n);
		p += sizeof(int64) * st->n;
		if (kk > 0)
			memcpy(p, st->x, sizeof(double) * (size_t) st->n * kk);
	}
}

/*
 * What is wrong with a state read from outside (NULL: nothing): every
 * reader (flat image, text, binary) checks the same things.
 */
static const char *
cagg_check(const CompAggState *st)
{
	int64		i;
	size_t		kk = st->k > 0 ? st->k : 0;

	if (st->k < -1 || st->k == 0 || st->k > INDEX_MAX_K)
		return "The number of components is out of range (1 to 10000, or -1 while unknown).";
	if (st->n < 0)
		return "The number of rows is negative.";
	if ((st->has_w || st->has_pol) && st->k < 0)
		return "Weights or polarity are given without a number of components.";
	if (st->has_w)
	{
		for (i = 0; i < (int64) kk; i++)
			if (!isfinite(st->w[i]))
				return "A weight is not finite.";
		if (nous_check_weights(st->w, (int) kk) != NOUS_OK)
			return "The weights are negative or sum to 0.";
	}
	if (st->has_pol)
		for (i = 0; i < (int64) kk; i++)
			if (st->pol[i] != 1 && st->pol[i] != -1)
				return "A polarity is neither 1 nor -1.";
	for (i = 0; i < st->n * (int64) kk; i++)
		if (isinf(st->x[i]))
			return "A value is infinite.";
	return NULL;
}

static void
cagg_flat_corrupt(const char *detail)
{
	nous_state_corrupt(CAGG_TYPE " value", "%s", detail);
}

static const char *
flat_take(const char **p, const char *end, size_t len)
{
	const char *r = *p;

	if ((size_t) (end - *p) < len)
		cagg_flat_corrupt("The value is shorter than its header says.");
	*p += len;
	return r;
}

/* Read a flat image into st (arrays allocated in the current context). */
void
cagg_flat_read(struct varlena *v, CompAggState *st)
{
	const char *p = VARDATA_ANY(v);
	const char *end = p + VARSIZE_ANY_EXHDR(v);
	int32		len;
	uint8		flags;
	size_t		kk;
	const char *why;

	memset(st, 0, sizeof(*st));
	if (*(const uint8 *) flat_take(&p, end, 1) != CAGG_VERSION)
		cagg_flat_corrupt("The format version is not 1.");
	memcpy(&st->k, flat_take(&p, end, 4), 4);
	memcpy(&st->n, flat_take(&p, end, 8), 8);
	flags = *(const uint8 *) flat_take(&p, end, 1);
	if ((flags & ~3) != 0)
		cagg_flat_corrupt("Unknown flags.");
	st->has_w = (flags & 1) != 0;
	st->has_pol = (flags & 2) != 0;
	if (st->k < -1 || st->k == 0 || st->k > INDEX_MAX_K || st->n < 0)
		cagg_flat_corrupt("The number of components or of rows is out of range.");
	if ((st->has_w || st->has_pol) && st->k < 0)
		cagg_flat_corrupt("Weights or polarity are given without a number of components.");
	kk = st->k > 0 ? st->k : 0;
	memcpy(&len, flat_take(&p, end, 4), 4);
	if (len < 0 || len > CAGG_SPEC_MAX)
		cagg_flat_corrupt("A method specification has an invalid length.");
	memcpy(st->norm, flat_take(&p, end, len), len);
	st->norm[len] = '\0';
	memcpy(&len, flat_take(&p, end, 4), 4);
	if (len < 0 || len > CAGG_SPEC_MAX)
		cagg_flat_corrupt("A method specification has an invalid length.");
	memcpy(st->agg, flat_take(&p, end, len), len);
	st->agg[len] = '\0';
	if (st->has_w)
	{
		st->w = palloc(sizeof(double) * Max(kk, 1));
		memcpy(st->w, flat_take(&p, end, sizeof(double) * kk), sizeof(double) * kk);
	}
	if (st->has_pol)
	{
		const char *q = flat_take(&p, end, sizeof(int32) * kk);
		size_t		j;

		st->pol = palloc(sizeof(int) * Max(kk, 1));
		for (j = 0; j < kk; j++)
		{
			int32		v32;

			memcpy(&v32, q + 4 * j, 4);
			st->pol[j] = v32;
		}
	}
	if ((size_t) st->n > (size_t) (end - p) / (sizeof(int64) + sizeof(double) * kk) ||
		(size_t) (end - p) != (sizeof(int64) + sizeof(double) * kk) * (size_t) st->n)
		cagg_flat_corrupt("The length of the value does not match its number of rows.");
	st->cap = Max(st->n, 1);
	st->keys = palloc_extended(sizeof(int64) * st->cap, MCXT_ALLOC_HUGE);
	memcpy(st->keys, flat_take(&p, end, sizeof(int64) * st->n), sizeof(int64) * st->n);
	if (kk > 0)
	{
		st->x = palloc_extended(sizeof(double) * st->cap * kk, MCXT_ALLOC_HUGE);
		memcpy(st->x, flat_take(&p, end, sizeof(double) * kk * st->n), sizeof(double) * kk * st->n);
	}
	st->args_set = true;
	why = cagg_check(st);
	if (why != NULL)
		cagg_flat_corrupt(why);
}

/* a flat varlena of st, palloc'd */
struct varlena *
cagg_flatten_state(const CompAggState *st)
{
	Size		total = cagg_flat_bytes(st);
	char	   *out = palloc_extended(total, MCXT_ALLOC_HUGE);

	cagg_flat_write(st, out, total);
	return (struct varlena *) out;
}

/* ------------------------------------------------------------------ */
/* the expanded object                                                 */
/* ------------------------------------------------------------------ */

static Size
cagg_eo_flat_size(ExpandedObjectHeader *eohptr)
{
	return cagg_flat_bytes(&((CompAggEO *) eohptr)->st);
}

static void
cagg_eo_flatten(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	cagg_flat_write(&((CompAggEO *) eohptr)->st, result, allocated_size);
}

static const ExpandedObjectMethods cagg_eo_methods = {cagg_eo_flat_size, cagg_eo_flatten};

static CompAggEO *
cagg_eo_new(MemoryContext aggcxt)
{
	CompAggEO  *eo = (CompAggEO *) nous_eo_new(aggcxt, "nous composite_agg state",
											   sizeof(CompAggEO), &cagg_eo_methods);

	eo->st.k = -1;
	return eo;
}

/*
 * The state behind a datum, read-only: the object's own, or a flat value
 * read into *tmp.
 */
static const CompAggState *
cagg_state_of(Datum d, CompAggState *tmp)
{
	CompAggEO  *eo = (CompAggEO *) nous_eo_of(d, &cagg_eo_methods);
	struct varlena *v;

	if (eo != NULL)
		return &eo->st;
	v = PG_DETOAST_DATUM(d);
	cagg_flat_read(v, tmp);
	return tmp;
}

/* A deep copy of src into dst (the current context). */
static void
cagg_copy_into(CompAggState *dst, const CompAggState *src)
{
	size_t		kk = src->k > 0 ? src->k : 0;

	memset(dst, 0, sizeof(*dst));
	dst->k = src->k;
	dst->args_set = src->args_set;
	dst->n = src->n;
	dst->cap = Max(src->n, 1);
	dst->has_w = src->has_w;
	dst->has_pol = src->has_pol;
	memcpy(dst->norm, src->norm, sizeof(dst->norm));
	memcpy(dst->agg, src->agg, sizeof(dst->agg));
	if (src->has_w)
	{
		dst->w = palloc(sizeof(double) * Max(kk, 1));
		memcpy(dst->w, src->w, sizeof(double) * kk);
	}
	if (src->has_pol)
	{
		dst->pol = palloc(sizeof(int) * Max(kk, 1));
		memcpy(dst->pol, src->pol, sizeof(int) * kk);
	}
	dst->keys = palloc_extended(sizeof(int64) * dst->cap, MCXT_ALLOC_HUGE);
	memcpy(dst->keys, src->keys, sizeof(int64) * src->n);
	if (kk > 0)
	{
		dst->x = palloc_extended(sizeof(double) * dst->cap * kk, MCXT_ALLOC_HUGE);
		memcpy(dst->x, src->x, sizeof(double) * (size_t) src->n * kk);
	}
}

/* ------------------------------------------------------------------ */
/* transition, merge, final                                            */
/* ------------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(nous_composite_agg_state_trans);

/*
 * nous.composite_agg_trans(state, key, values[, weights[, polarity[,
 * normalise[, aggregate]]]]): appends the row.  Nothing is kept between
 * rows outside the state (Citus calls it with a fresh FmgrInfo per row);
 * the constant arguments are compared with the state's copies byte by byte.
 */
Datum
nous_composite_agg_state_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	CompAggEO  *eo;
	int			nargs = PG_NARGS();

	aggcxt = nous_agg_context(fcinfo, "nous_composite_agg_state_trans", CAGG_AGG);
	eo = (CompAggEO *) nous_eo_mine(fcinfo, 0, &cagg_eo_methods, aggcxt);
	if (eo == NULL)
	{
		eo = cagg_eo_new(aggcxt);
		if (!PG_ARGISNULL(0))
		{
			CompAggState tmp;
			const CompAggState *src = cagg_state_of(PG_GETARG_DATUM(0), &tmp);

			old = MemoryContextSwitchTo(eo->hdr.eoh_context);
			cagg_copy_into(&eo->st, src);
			cagg_restore_args(&eo->st, nargs);
			MemoryContextSwitchTo(old);
		}
	}
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("key must not be NULL"),
				 errdetail("Row %lld of the group has a NULL key.", (long long) eo->st.n + 1),
				 errhint("Every row needs a key (for example the square identifier) to find its score.")));
	old = MemoryContextSwitchTo(eo->hdr.eoh_context);
	cagg_add_row(&eo->st, fcinfo, nargs, false);
	MemoryContextSwitchTo(old);
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_composite_agg_merge);

/*
 * nous.composite_agg_merge(a, b): the union of the rows of two states built
 * with the same weights, polarity and methods; either may be NULL.
 */
Datum
nous_composite_agg_merge(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt = NULL,
				old,
				cxt;
	CompAggEO  *eo = NULL;
	CompAggState tmp;
	const CompAggState *b;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (AggCheckCallContext(fcinfo, &aggcxt))
		eo = (CompAggEO *) nous_eo_mine(fcinfo, 0, &cagg_eo_methods, aggcxt);
	else
		aggcxt = CurrentMemoryContext;	/* called as a plain function */
	if (eo == NULL)
	{
		eo = cagg_eo_new(aggcxt);
		cxt = eo->hdr.eoh_context;
		if (!PG_ARGISNULL(0))
		{
			const CompAggState *a = cagg_state_of(PG_GETARG_DATUM(0), &tmp);

			old = MemoryContextSwitchTo(cxt);
			cagg_copy_into(&eo->st, a);
			MemoryContextSwitchTo(old);
		}
	}
	cxt = eo->hdr.eoh_context;
	if (!PG_ARGISNULL(1))
	{
		b = cagg_state_of(PG_GETARG_DATUM(1), &tmp);
		old = MemoryContextSwitchTo(cxt);
		if (!eo->st.args_set)
			cagg_copy_into(&eo->st, b);
		else if (b->args_set)
		{
			cagg_check_compatible(&eo->st, b);
			cagg_concat(&eo->st, b);
		}
		MemoryContextSwitchTo(old);
	}
	NOUS_RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_composite_agg_state_final);

/* nous.composite_agg_final(state): the scores, read from the state alone. */
Datum
nous_composite_agg_state_final(PG_FUNCTION_ARGS)
{
	CompAggState tmp;

	if (PG_ARGISNULL(0))
		return cagg_final(fcinfo, NULL);
	return cagg_final(fcinfo, cagg_state_of(PG_GETARG_DATUM(0), &tmp));
}

/* ------------------------------------------------------------------ */
/* text form                                                           */
/* ------------------------------------------------------------------ */

static void
append_value(StringInfo s, double v)
{
	if (isnan(v))
		appendStringInfoString(s, "NULL");
	else
		mix_append_double(s, v);
}

PG_FUNCTION_INFO_V1(nous_composite_agg_state_out);

Datum
nous_composite_agg_state_out(PG_FUNCTION_ARGS)
{
	CompAggState tmp;
	const CompAggState *st = cagg_state_of(PG_GETARG_DATUM(0), &tmp);
	StringInfoData s;
	int64		i;
	int			j;

	initStringInfo(&s);
	appendStringInfo(&s, "%d;%d;", CAGG_VERSION, st->k);
	mix_append_quoted(&s, st->norm, strlen(st->norm));
	appendStringInfoChar(&s, ';');
	mix_append_quoted(&s, st->agg, strlen(st->agg));
	appendStringInfoChar(&s, ';');
	if (st->has_w)
	{
		appendStringInfoChar(&s, '{');
		for (j = 0; j < st->k; j++)
		{
			if (j > 0)
				appendStringInfoChar(&s, ',');
			mix_append_double(&s, st->w[j]);
		}
		appendStringInfoChar(&s, '}');
	}
	else
		appendStringInfoString(&s, "NULL");
	appendStringInfoChar(&s, ';');
	if (st->has_pol)
	{
		appendStringInfoChar(&s, '{');
		for (j = 0; j < st->k; j++)
			appendStringInfo(&s, j > 0 ? ",%d" : "%d", st->pol[j]);
		appendStringInfoChar(&s, '}');
	}
	else
		appendStringInfoString(&s, "NULL");
	appendStringInfoString(&s, ";{");
	for (i = 0; i < st->n; i++)
	{
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		appendStringInfo(&s, i > 0 ? ",(" INT64_FORMAT : "(" INT64_FORMAT, st->keys[i]);
		for (j = 0; j < st->k; j++)
		{
			appendStringInfoChar(&s, ',');
			append_value(&s, st->x[(size_t) i * st->k + j]);
		}
		appendStringInfoChar(&s, ')');
	}
	appendStringInfoChar(&s, '}');
	PG_RETURN_CSTRING(s.data);
}

static bool
take_null(const char **p)
{
	while (isspace((unsigned char) **p))
		(*p)++;
	if (pg_strncasecmp(*p, "NULL", 4) == 0)
	{
		*p += 4;
		while (isspace((unsigned char) **p))
			(*p)++;
		return true;
	}
	return false;
}

static int64
parse_int(const char **p, const char *str, int64 lo, int64 hi, const char *what)
{
	char	   *end;
	long long	v;

	while (isspace((unsigned char) **p))
		(*p)++;
	errno = 0;
	v = strtoll(*p, &end, 10);
	if (end == *p || errno == ERANGE || v < lo || v > hi)
	{
		char		why[128];

		snprintf(why, sizeof(why), "%s: an integer from " INT64_FORMAT " to " INT64_FORMAT " was expected.",
				 what, lo, hi);
		mix_bad_text(CAGG_TYPE, str, why);
	}
	*p = end;
	while (isspace((unsigned char) **p))
		(*p)++;
	return v;
}

static void
parse_spec(const char **p, char *dst, const char *str)
{
	StringInfoData b;

	initStringInfo(&b);
	mix_parse_quoted(p, &b, str);
	if (b.len > CAGG_SPEC_MAX || (int) strlen(b.data) != b.len)
		mix_bad_text(CAGG_TYPE, str, "A method specification has at most 255 bytes.");
	memcpy(dst, b.data, b.len + 1);
	pfree(b.data);
}

PG_FUNCTION_INFO_V1(nous_composite_agg_state_in);

Datum
nous_composite_agg_state_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	CompAggState st;
	const char *why;
	int			j;

	memset(&st, 0, sizeof(st));
	if (parse_int(&p, str, 1, 1, "format version") != CAGG_VERSION)
		mix_bad_text(CAGG_TYPE, str, "Unknown format version.");
	mix_expect_char(&p, ';', CAGG_TYPE, str);
	st.k = (int) parse_int(&p, str, -1, INDEX_MAX_K, "number of components");
	if (st.k == 0)
		mix_bad_text(CAGG_TYPE, str, "The number of components is 1 to 10000, or -1 while unknown.");
	mix_expect_char(&p, ';', CAGG_TYPE, str);
	parse_spec(&p, st.norm, str);
	mix_expect_char(&p, ';', CAGG_TYPE, str);
	parse_spec(&p, st.agg, str);
	mix_expect_char(&p, ';', CAGG_TYPE, str);
	if (!take_null(&p))
	{
		if (st.k < 0)
			mix_bad_text(CAGG_TYPE, str, "Weights are given without a number of components.");
		st.has_w = true;
		st.w = palloc(sizeof(double) * st.k);
		mix_expect_char(&p, '{', CAGG_TYPE, str);
		for (j = 0; j < st.k; j++)
		{
			if (j > 0)
				mix_expect_char(&p, ',', CAGG_TYPE, str);
			st.w[j] = mix_parse_double(&p, CAGG_TYPE, str);
		}
		mix_expect_char(&p, '}', CAGG_TYPE, str);
	}
	mix_expect_char(&p, ';', CAGG_TYPE, str);
	if (!take_null(&p))
	{
		if (st.k < 0)
			mix_bad_text(CAGG_TYPE, str, "A polarity is given without a number of components.");
		st.has_pol = true;
		st.pol = palloc(sizeof(int) * st.k);
		mix_expect_char(&p, '{', CAGG_TYPE, str);
		for (j = 0; j < st.k; j++)
		{
			if (j > 0)
				mix_expect_char(&p, ',', CAGG_TYPE, str);
			st.pol[j] = (int) parse_int(&p, str, -1, 1, "polarity");
		}
		mix_expect_char(&p, '}', CAGG_TYPE, str);
	}
	mix_expect_char(&p, ';', CAGG_TYPE, str);
	mix_expect_char(&p, '{', CAGG_TYPE, str);
	st.cap = 0;
	if (*p != '}')
		for (;;)
		{
			int			kk = st.k > 0 ? st.k : 0;

			if ((st.n & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			cagg_grow(&st, st.n + 1);
			mix_expect_char(&p, '(', CAGG_TYPE, str);
			st.keys[st.n] = parse_int(&p, str, PG_INT64_MIN, PG_INT64_MAX, "key");
			for (j = 0; j < kk; j++)
			{
				mix_expect_char(&p, ',', CAGG_TYPE, str);
				st.x[(size_t) st.n * kk + j] = take_null(&p) ? NAN : mix_parse_double(&p, CAGG_TYPE, str);
			}
			mix_expect_char(&p, ')', CAGG_TYPE, str);
			st.n++;
			if (*p != ',')
				break;
			p++;
		}
	mix_expect_char(&p, '}', CAGG_TYPE, str);
	if (*p != '\0')
		mix_bad_text(CAGG_TYPE, str, "Junk after the rows.");
	st.args_set = true;
	why = cagg_check(&st);
	if (why != NULL)
		mix_bad_text(CAGG_TYPE, str, why);
	PG_RETURN_POINTER(cagg_flatten_state(&st));
}

/* ------------------------------------------------------------------ */
/* binary form                                                         */
/* ------------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(nous_composite_agg_state_send);

Datum
nous_composite_agg_state_send(PG_FUNCTION_ARGS)
{
	CompAggState tmp;
	const CompAggState *st = cagg_state_of(PG_GETARG_DATUM(0), &tmp);
	StringInfoData buf;
	size_t		kk = st->k > 0 ? st->k : 0,
				i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, CAGG_VERSION);
	pq_sendbyte(&buf, (st->has_w ? 1 : 0) | (st->has_pol ? 2 : 0));
	pq_sendint32(&buf, st->k);
	pq_sendint64(&buf, st->n);
	pq_sendint32(&buf, strlen(st->norm));
	pq_sendbytes(&buf, st->norm, strlen(st->norm));
	pq_sendint32(&buf, strlen(st->agg));
	pq_sendbytes(&buf, st->agg, strlen(st->agg));
	if (st->has_w)
		for (i = 0; i < kk; i++)
			pq_sendfloat8(&buf, st->w[i]);
	if (st->has_pol)
		for (i = 0; i < kk; i++)
			pq_sendint32(&buf, st->pol[i]);
	for (i = 0; i < (size_t) st->n; i++)
		pq_sendint64(&buf, st->keys[i]);
	for (i = 0; i < (size_t) st->n * kk; i++)
		pq_sendfloat8(&buf, st->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
recv_spec(StringInfo msg, char *dst)
{
	int32		len;

	if (msg->len - msg->cursor < 4)
		nous_bad_binary(CAGG_TYPE, "The message is too short.");
	len = pq_getmsgint(msg, 4);
	if (len < 0 || len > CAGG_SPEC_MAX || len > msg->len - msg->cursor)
		nous_bad_binary(CAGG_TYPE, "A method specification has an invalid length.");
	pq_copymsgbytes(msg, dst, len);
	dst[len] = '\0';
	if ((int32) strlen(dst) != len)
		nous_bad_binary(CAGG_TYPE, "A method specification contains a zero byte.");
}

PG_FUNCTION_INFO_V1(nous_composite_agg_state_recv);

Datum
nous_composite_agg_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	CompAggState st;
	uint8		flags;
	size_t		kk,
				i;
	const char *why;

	memset(&st, 0, sizeof(st));
	if (msg->len - msg->cursor < 14)
		nous_bad_binary(CAGG_TYPE, "The message is too short.");
	nous_check_format_version(CAGG_TYPE, pq_getmsgbyte(msg), 1, CAGG_VERSION);
	flags = pq_getmsgbyte(msg);
	if ((flags & ~3) != 0)
		nous_bad_binary(CAGG_TYPE, "Unknown flags.");
	st.has_w = (flags & 1) != 0;
	st.has_pol = (flags & 2) != 0;
	st.k = pq_getmsgint(msg, 4);
	st.n = pq_getmsgint64(msg);
	if (st.k < -1 || st.k == 0 || st.k > INDEX_MAX_K || st.n < 0)
		nous_bad_binary(CAGG_TYPE, "The number of components or of rows is out of range.");
	if ((st.has_w || st.has_pol) && st.k < 0)
		nous_bad_binary(CAGG_TYPE, "Weights or polarity are given without a number of components.");
	kk = st.k > 0 ? st.k : 0;
	recv_spec(msg, st.norm);
	recv_spec(msg, st.agg);
	if ((size_t) st.n > (size_t) MaxAllocHugeSize / (8 + 8 * kk) ||
		(size_t) (msg->len - msg->cursor) != (st.has_w ? 8 * kk : 0) + (st.has_pol ? 4 * kk : 0) +
		(size_t) st.n * (8 + 8 * kk))
		nous_bad_binary(CAGG_TYPE, "The length of the message does not match its number of rows.");
	if (st.has_w)
	{
		st.w = palloc(sizeof(double) * kk);
		for (i = 0; i < kk; i++)
			st.w[i] = pq_getmsgfloat8(msg);
	}
	if (st.has_pol)
	{
		st.pol = palloc(sizeof(int) * kk);
		for (i = 0; i < kk; i++)
			st.pol[i] = pq_getmsgint(msg, 4);
	}
	st.cap = Max(st.n, 1);
	st.keys = palloc_extended(sizeof(int64) * st.cap, MCXT_ALLOC_HUGE);
	for (i = 0; i < (size_t) st.n; i++)
		st.keys[i] = pq_getmsgint64(msg);
	if (kk > 0)
	{
		st.x = palloc_extended(sizeof(double) * st.cap * kk, MCXT_ALLOC_HUGE);
		for (i = 0; i < (size_t) st.n * kk; i++)
			st.x[i] = pq_getmsgfloat8(msg);
	}
	st.args_set = true;
	why = cagg_check(&st);
	if (why != NULL)
		nous_bad_binary(CAGG_TYPE, why);
	PG_RETURN_POINTER(cagg_flatten_state(&st));
}
