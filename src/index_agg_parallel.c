/*
 * index_agg_parallel.c — partial aggregation of nous.composite_agg():
 * combine, serialize and deserialize of its state (index_agg.h).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "windowapi.h"

#include "nous.h"
#include "normalise.h"
#include "index.h"
#include "pca.h"
#include "method_table.h"
#include "index_glue.h"
#include "index_agg.h"


/* Error unless two states have the same constant arguments. */
void
cagg_check_compatible(const CompAggState *a, const CompAggState *b)
{
	const char *what = NULL;

	if (a->has_w != b->has_w ||
		(a->has_w && (a->k != b->k || memcmp(a->w, b->w, sizeof(double) * a->k) != 0)))
		what = "weights";
	else if (a->has_pol != b->has_pol ||
			 (a->has_pol && (a->k != b->k || memcmp(a->pol, b->pol, sizeof(int) * a->k) != 0)))
		what = "polarity";
	else if (strcmp(a->norm, b->norm) != 0)
		what = "normalise";
	else if (strcmp(a->agg, b->agg) != 0)
		what = "aggregate";
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be the same in every row of a group", what),
				 errdetail("Two partial states of the group were built with different %s.", what),
				 errhint("Use constants, or group by the columns they depend on.")));
	if (a->k >= 0 && b->k >= 0 && a->k != b->k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values has %d elements in some rows of the group, expected %d", b->k, a->k),
				 errdetail("Every row must give the same components, in the same order.")));
}

/* Append the rows of src to dst (dst in the current context). */
void
cagg_concat(CompAggState *dst, const CompAggState *src)
{
	int64		i;

	if (src->n == 0)
		return;
	if (dst->k < 0 && src->k >= 0)
	{
		cagg_set_k(dst, src->k);
		if (dst->x == NULL && dst->cap > 0)
		{
			dst->x = palloc_extended(sizeof(double) * dst->cap * dst->k, MCXT_ALLOC_HUGE);
			for (i = 0; i < dst->n * dst->k; i++)
				dst->x[i] = NAN;
		}
	}
	cagg_grow(dst, dst->n + src->n);
	memcpy(dst->keys + dst->n, src->keys, sizeof(int64) * src->n);
	if (dst->k > 0)
	{
		if (src->k > 0)
			memcpy(dst->x + (size_t) dst->n * dst->k, src->x,
				   sizeof(double) * (size_t) src->n * dst->k);
		else
			for (i = 0; i < src->n * dst->k; i++)
				dst->x[(size_t) dst->n * dst->k + i] = NAN;
	}
	dst->n += src->n;
}

static CompAggState *
cagg_copy_empty(const CompAggState *src)
{
	CompAggState *st = palloc0(sizeof(CompAggState));

	st->k = src->k;
	st->args_set = src->args_set;
	st->has_w = src->has_w;
	st->has_pol = src->has_pol;
	if (src->has_w)
	{
		st->w = palloc(sizeof(double) * Max(src->k, 1));
		memcpy(st->w, src->w, sizeof(double) * Max(src->k, 0));
	}
	if (src->has_pol)
	{
		st->pol = palloc(sizeof(int) * Max(src->k, 1));
		memcpy(st->pol, src->pol, sizeof(int) * Max(src->k, 0));
	}
	memcpy(st->norm, src->norm, sizeof(st->norm));
	memcpy(st->agg, src->agg, sizeof(st->agg));
	return st;
}

PG_FUNCTION_INFO_V1(nous_composite_agg_combine);

/* composite_agg combine: concatenate the rows of two partial states. */
Datum
nous_composite_agg_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	CompAggState *a,
			   *b;

	aggcxt = nous_agg_context(fcinfo, "nous_composite_agg_combine",
							  "nous.composite_agg(key, values, ...)");
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	b = (CompAggState *) PG_GETARG_POINTER(1);
	old = MemoryContextSwitchTo(aggcxt);
	if (PG_ARGISNULL(0))
	{
		/* a deserialized state already lives in the aggregate context */
		if (GetMemoryChunkContext(b) == aggcxt)
		{
			MemoryContextSwitchTo(old);
			PG_RETURN_POINTER(b);
		}
		a = cagg_copy_empty(b);
		cagg_concat(a, b);
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(a);
	}
	a = (CompAggState *) PG_GETARG_POINTER(0);
	cagg_check_compatible(a, b);
	a->last_valid = false;
	cagg_concat(a, b);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

/*
 * Serialized state: version byte, k (int32, -1 = unknown), n (int64),
 * flags (1 = weights, 2 = polarity), the two method specifications
 * (int32 length + bytes), k weights, k polarities, n keys, n x k values.
 */
PG_FUNCTION_INFO_V1(nous_composite_agg_serialize);

Datum
nous_composite_agg_serialize(PG_FUNCTION_ARGS)
{
	CompAggState *st;
	int32		len;
	size_t		kk,
				total;
	bytea	   *out;
	char	   *p;

	(void) nous_agg_context(fcinfo, "nous_composite_agg_serialize",
							"nous.composite_agg(key, values, ...)");
	st = (CompAggState *) PG_GETARG_POINTER(0);
	kk = st->k > 0 ? st->k : 0;
	total = VARHDRSZ + 1 + 4 + 8 + 1 + 4 + strlen(st->norm) + 4 + strlen(st->agg) +
		(st->has_w ? sizeof(double) * kk : 0) + (st->has_pol ? sizeof(int32) * kk : 0) +
		sizeof(int64) * st->n + sizeof(double) * (size_t) st->n * kk;
	if (total > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partial state of nous.composite_agg is too large to send between processes"),
				 errdetail("It would take %zu bytes; at most %zu are allowed.", total, (size_t) MaxAllocSize),
				 errhint("Group by a finer territory, or disable parallel query for this statement.")));
	out = palloc(total);
	SET_VARSIZE(out, total);
	p = VARDATA(out);
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
		memcpy(p, st->pol, sizeof(int32) * kk);
		p += sizeof(int32) * kk;
	}
	memcpy(p, st->keys, sizeof(int64) * st->n);
	p += sizeof(int64) * st->n;
	if (kk > 0)
		memcpy(p, st->x, sizeof(double) * (size_t) st->n * kk);
	PG_RETURN_BYTEA_P(out);
}

static void
cagg_corrupt(const char *detail)
{
	nous_state_corrupt("serialized state of nous.composite_agg", "%s", detail);
}

/* Read len bytes at *p within [.., end) or report a corrupt state. */
static const char *
cagg_take(const char **p, const char *end, size_t len)
{
	const char *r = *p;

	if ((size_t) (end - *p) < len)
		cagg_corrupt("The state is shorter than its header says.");
	*p += len;
	return r;
}

PG_FUNCTION_INFO_V1(nous_composite_agg_deserialize);

Datum
nous_composite_agg_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	bytea	   *in;
	const char *p,
			   *end;
	CompAggState *st;
	int32		len;
	int64		i;
	size_t		kk;
	uint8		flags;

	aggcxt = nous_agg_context(fcinfo, "nous_composite_agg_deserialize",
							  "nous.composite_agg(key, values, ...)");
	in = PG_GETARG_BYTEA_PP(0);
	p = VARDATA_ANY(in);
	end = p + VARSIZE_ANY_EXHDR(in);
	old = MemoryContextSwitchTo(aggcxt);
	st = palloc0(sizeof(CompAggState));
	if (*(const uint8 *) cagg_take(&p, end, 1) != CAGG_VERSION)
		cagg_corrupt("The version byte is not 1.");
	memcpy(&st->k, cagg_take(&p, end, 4), 4);
	memcpy(&st->n, cagg_take(&p, end, 8), 8);
	flags = *(const uint8 *) cagg_take(&p, end, 1);
	if (st->k < -1 || st->k == 0 || st->k > CAGG_MAX_K || st->n < 0 || (flags & ~3) != 0)
		cagg_corrupt("The number of components, of rows or the flags are out of range.");
	st->has_w = (flags & 1) != 0;
	st->has_pol = (flags & 2) != 0;
	if ((st->has_w || st->has_pol) && st->k < 0)
		cagg_corrupt("Weights or polarity are given without a number of components.");
	kk = st->k > 0 ? st->k : 0;
	memcpy(&len, cagg_take(&p, end, 4), 4);
	if (len < 0 || len > CAGG_SPEC_MAX)
		cagg_corrupt("A method specification has an invalid length.");
	memcpy(st->norm, cagg_take(&p, end, len), len);
	st->norm[len] = '\0';
	memcpy(&len, cagg_take(&p, end, 4), 4);
	if (len < 0 || len > CAGG_SPEC_MAX)
		cagg_corrupt("A method specification has an invalid length.");
	memcpy(st->agg, cagg_take(&p, end, len), len);
	st->agg[len] = '\0';
	if (strlen(st->norm) == 0 || strlen(st->agg) == 0)
		cagg_corrupt("A method specification is empty or contains a zero byte.");
	if (st->has_w)
	{
		st->w = palloc(sizeof(double) * Max(kk, 1));
		memcpy(st->w, cagg_take(&p, end, sizeof(double) * kk), sizeof(double) * kk);
		for (i = 0; i < (int64) kk; i++)
			if (!isfinite(st->w[i]))
				cagg_corrupt("A weight is not finite.");
		if (nous_check_weights(st->w, (int) kk) != NOUS_OK)
			cagg_corrupt("The weights are negative or sum to 0.");
	}
	if (st->has_pol)
	{
		st->pol = palloc(sizeof(int) * Max(kk, 1));
		memcpy(st->pol, cagg_take(&p, end, sizeof(int32) * kk), sizeof(int32) * kk);
		for (i = 0; i < (int64) kk; i++)
			if (st->pol[i] != 1 && st->pol[i] != -1)
				cagg_corrupt("A polarity is neither 1 nor -1.");
	}
	if ((size_t) st->n > (size_t) (end - p) / (sizeof(int64) + sizeof(double) * kk))
		cagg_corrupt("The state is shorter than its number of rows says.");
	if ((size_t) (end - p) != (sizeof(int64) + sizeof(double) * kk) * (size_t) st->n)
		cagg_corrupt("The state is longer than its number of rows says.");
	st->cap = Max(st->n, 1);
	st->keys = palloc_extended(sizeof(int64) * st->cap, MCXT_ALLOC_HUGE);
	memcpy(st->keys, cagg_take(&p, end, sizeof(int64) * st->n), sizeof(int64) * st->n);
	if (kk > 0)
	{
		st->x = palloc_extended(sizeof(double) * st->cap * kk, MCXT_ALLOC_HUGE);
		memcpy(st->x, cagg_take(&p, end, sizeof(double) * kk * st->n), sizeof(double) * kk * st->n);
		for (i = 0; i < st->n * (int64) kk; i++)
			if (isinf(st->x[i]))
				cagg_corrupt("A value is infinite.");
	}
	st->args_set = true;
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}
