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
 * Serialize and deserialize of the 0.1.0 internal state (the 0.1.0 script
 * names them; 0.2.0's aggregate has the storable nous.composite_agg_state):
 * the serialized form is that type's flat image (index_agg_state.c).
 */
PG_FUNCTION_INFO_V1(nous_composite_agg_serialize);

Datum
nous_composite_agg_serialize(PG_FUNCTION_ARGS)
{
	(void) nous_agg_context(fcinfo, "nous_composite_agg_serialize",
							"nous.composite_agg(key, values, ...)");
	PG_RETURN_BYTEA_P(cagg_flatten_state((CompAggState *) PG_GETARG_POINTER(0)));
}

PG_FUNCTION_INFO_V1(nous_composite_agg_deserialize);

Datum
nous_composite_agg_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	CompAggState *st;

	aggcxt = nous_agg_context(fcinfo, "nous_composite_agg_deserialize",
							  "nous.composite_agg(key, values, ...)");
	old = MemoryContextSwitchTo(aggcxt);
	st = palloc0(sizeof(CompAggState));
	cagg_flat_read((struct varlena *) PG_GETARG_BYTEA_PP(0), st);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}
