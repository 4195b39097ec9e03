/*
 * index_agg.c — nous.composite_agg(key, values, weights, polarity,
 * normalise, aggregate): the aggregate form of nous.composite(), its state,
 * transition and final functions (sql/30_index.sql).  Combine, serialize and
 * deserialize are in index_agg_parallel.c.
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

/* ------------------------------------------------------------------ */
/* nous.composite_agg(): the aggregate form                             */
/* ------------------------------------------------------------------ */


void
cagg_grow(CompAggState *st, int64 need)
{
	int64		cap;

	if (need <= st->cap)
		return;
	/* keys and rows of k values grow together: one capacity for both */
	cap = nous_grow_cap(st->cap, need, sizeof(double) * Max(st->k, 1), PG_INT64_MAX,
						"rows in a group of nous.composite_agg");
	if (st->keys == NULL)
		st->keys = palloc_extended(sizeof(int64) * cap, MCXT_ALLOC_HUGE);
	else
		st->keys = repalloc_huge(st->keys, sizeof(int64) * cap);
	if (st->k > 0)
	{
		if (st->x == NULL)
			st->x = palloc_extended(sizeof(double) * cap * st->k, MCXT_ALLOC_HUGE);
		else
			st->x = repalloc_huge(st->x, sizeof(double) * cap * st->k);
	}
	st->cap = cap;
}

/* k becomes known: rows stored so far (all with NULL values) get NaN rows. */
void
cagg_set_k(CompAggState *st, int k)
{
	int64		i;

	index_check_components(k);
	st->k = k;
	if (st->cap > 0)
	{
		st->x = palloc_extended(sizeof(double) * st->cap * k, MCXT_ALLOC_HUGE);
		for (i = 0; i < st->n * k; i++)
			st->x[i] = NAN;
	}
}

static void
text_spec_copy(char *dst, Datum d, bool isnull, const char *what, const char *hint)
{
	char	   *s = index_text_arg(d, isnull, what, hint);

	if (strlen(s) > CAGG_SPEC_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method specification is too long"),
				 errdetail("At most %d bytes are allowed.", CAGG_SPEC_MAX)));
	strlcpy(dst, s, CAGG_SPEC_MAX + 1);
}

/* First row of a state: keep and check the constant arguments. */
static void
cagg_first_row(CompAggState *st, FunctionCallInfo fcinfo, int nargs)
{
	Datum		d[4];
	bool		isnull[4];
	int			a,
				kw = -1,
				kp = -1;

	for (a = 0; a < 4; a++)
	{
		isnull[a] = (3 + a >= nargs) || PG_ARGISNULL(3 + a);
		d[a] = isnull[a] ? (Datum) 0 : PG_GETARG_DATUM(3 + a);
		st->orig[a] = isnull[a] ? NULL : PG_DETOAST_DATUM_COPY(d[a]);
	}
	/* the defaults of nous.composite */
	if (nargs <= 5)
		strlcpy(st->norm, "zscore", sizeof(st->norm));
	else
		text_spec_copy(st->norm, d[2], isnull[2], "normalise",
					   "Name a normalisation method, for example 'zscore'; see nous.methods.");
	if (nargs <= 6)
		strlcpy(st->agg, "mean", sizeof(st->agg));
	else
		text_spec_copy(st->agg, d[3], isnull[3], "aggregate",
					   "Name an aggregation method, for example 'mean'; see nous.methods.");
	if (!isnull[0])
	{
		/* the weights themselves are checked once k is set, below */
		kw = index_array_length(d[0], false);
		st->has_w = true;
	}
	if (!isnull[1])
	{
		kp = index_array_length(d[1], false);
		st->has_pol = true;
		/* checked against its own length now, against k below */
		st->pol = index_polarity_from_datum(d[1], false, kp);
	}
	for (a = 0; a < 4; a++)
	{
		st->last[a] = d[a];
		st->lastnull[a] = isnull[a];
	}
	st->last_valid = true;
	st->args_set = true;
	if (kw >= 0 || kp >= 0)
	{
		cagg_set_k(st, kw >= 0 ? kw : kp);
		if (st->has_w)
			st->w = index_weights_from_datum(d[0], false, st->k);
		if (st->has_pol && kp != st->k)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("polarity has %d elements, values %d", kp, st->k),
					 errdetail("Give one polarity per component (1: higher is more fragile, -1: higher is less fragile), or NULL for all 1.")));
	}
}

static const char *const cagg_argname[4] = {"weights", "polarity", "normalise", "aggregate"};

/* Later rows: the constant arguments must equal the first row's. */
static void
cagg_same_args(CompAggState *st, FunctionCallInfo fcinfo, int nargs)
{
	int			a;

	for (a = 0; a < 4; a++)
	{
		bool		isnull = (3 + a >= nargs) || PG_ARGISNULL(3 + a);
		Datum		d = isnull ? (Datum) 0 : PG_GETARG_DATUM(3 + a);
		bool		same;

		if (isnull == st->lastnull[a] && (isnull || d == st->last[a]))
			continue;
		if (isnull || st->orig[a] == NULL)
			same = isnull && st->orig[a] == NULL;
		else
		{
			struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
			struct varlena *o = st->orig[a];

			same = VARSIZE_ANY_EXHDR(v) == VARSIZE_ANY_EXHDR(o) &&
				memcmp(VARDATA_ANY(v), VARDATA_ANY(o), VARSIZE_ANY_EXHDR(o)) == 0;
		}
		if (!same)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be the same in every row of a group", cagg_argname[a]),
					 errdetail("Row %lld of the group gives another value of %s than the first row.",
							   (long long) st->n + 1, cagg_argname[a]),
					 errhint("Use constants, or group by the columns they depend on.")));
		st->last[a] = d;
		st->lastnull[a] = isnull;
	}
}

/* Append row values (NULL = all NaN) to the state. */
static void
cagg_append_values(CompAggState *st, Datum d, bool isnull)
{
	double	   *row;
	ArrayType  *a;
	int			nitems,
				j;
	bits8	   *bitmap;
	const double *data;

	if (isnull)
	{
		if (st->k > 0)
		{
			row = st->x + (size_t) st->n * st->k;
			for (j = 0; j < st->k; j++)
				row[j] = NAN;
		}
		return;
	}
	a = DatumGetArrayTypeP(d);
	nitems = index_values_length(a, "group", st->n);
	if (st->k < 0)
	{
		cagg_set_k(st, nitems);
		if (st->x == NULL)
		{
			st->cap = 0;
			cagg_grow(st, st->n + 1);
		}
	}
	if (nitems != st->k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values has %d elements in row %lld of the group, expected %d",
						nitems, (long long) st->n + 1, st->k),
				 errdetail("Every row must give the same components, in the same order; "
						   "the weights, the polarity or the first row give %d.", st->k)));
	row = st->x + (size_t) st->n * st->k;
	bitmap = ARR_NULLBITMAP(a);
	data = (const double *) ARR_DATA_PTR(a);
	for (j = 0; j < st->k; j++)
	{
		double		v;

		if (bitmap != NULL && !(bitmap[j / 8] & (1 << (j % 8))))
		{
			row[j] = NAN;
			continue;
		}
		v = *data++;
		if (!isfinite(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("values must be finite"),
					 errdetail("Element %d of row %lld of the group is %s.", j + 1,
							   (long long) st->n + 1,
							   isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"),
					 errhint("Replace NaN and infinite values by NULL: NULL elements are ignored.")));
		row[j] = v;
	}
	if ((Pointer) a != DatumGetPointer(d))
		pfree(a);
}

PG_FUNCTION_INFO_V1(nous_composite_agg_trans);

/*
 * composite_agg transition: (state, key, values[, weights[, polarity[,
 * normalise[, aggregate]]]]) → state.
 */
Datum
nous_composite_agg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	CompAggState *st;
	int			nargs = PG_NARGS();

	aggcxt = nous_agg_context(fcinfo, "nous_composite_agg_trans",
							  "nous.composite_agg(key, values, ...)");
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("key must not be NULL"),
				 errdetail("Row %lld of the group has a NULL key.",
						   PG_ARGISNULL(0) ? 1LL :
						   (long long) ((CompAggState *) PG_GETARG_POINTER(0))->n + 1),
				 errhint("Every row needs a key (for example the square identifier) to find its score.")));
	old = MemoryContextSwitchTo(aggcxt);
	if (PG_ARGISNULL(0))
	{
		st = palloc0(sizeof(CompAggState));
		st->k = -1;
	}
	else
		st = (CompAggState *) PG_GETARG_POINTER(0);
	cagg_add_row(st, fcinfo, nargs, true);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/*
 * Append the row of a transition call (key and values: arguments 1 and 2;
 * the constant arguments from 3) to st, in the current memory context.
 * same_datums: a constant argument passed as the same datum as the previous
 * row's is the same value (nodeAgg's Consts); without it every row's are
 * compared byte by byte (Citus's worker_partial_agg passes fresh datums).
 */
void
cagg_add_row(CompAggState *st, FunctionCallInfo fcinfo, int nargs, bool same_datums)
{
	int			a;

	if (!st->args_set)
		cagg_first_row(st, fcinfo, nargs);
	else
	{
		if (!same_datums)
			for (a = 0; a < 4; a++)
			{
				st->last[a] = (Datum) 0;
				st->lastnull[a] = false;
			}
		cagg_same_args(st, fcinfo, nargs);
	}
	if (st->n >= st->cap)
		cagg_grow(st, st->n + 1);
	cagg_append_values(st, PG_GETARG_DATUM(2), PG_ARGISNULL(2));
	st->keys[st->n] = PG_GETARG_INT64(1);
	st->n++;
}

/*
 * A state read from its stored form has no copies of the constant
 * arguments: rebuild them (as the call with nargs arguments gives them) so
 * that the next rows are compared with them.
 */
void
cagg_restore_args(CompAggState *st, int nargs)
{
	int			j;

	if (st->has_w)
	{
		Datum	   *d = palloc(sizeof(Datum) * st->k);

		for (j = 0; j < st->k; j++)
			d[j] = Float8GetDatum(st->w[j]);
		st->orig[0] = (struct varlena *) construct_array(d, st->k, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	}
	if (st->has_pol)
	{
		Datum	   *d = palloc(sizeof(Datum) * st->k);

		for (j = 0; j < st->k; j++)
			d[j] = Int32GetDatum(st->pol[j]);
		st->orig[1] = (struct varlena *) construct_array(d, st->k, INT4OID, 4, true, TYPALIGN_INT);
	}
	st->orig[2] = nargs > 5 ? (struct varlena *) cstring_to_text(st->norm) : NULL;
	st->orig[3] = nargs > 6 ? (struct varlena *) cstring_to_text(st->agg) : NULL;
	for (j = 0; j < 4; j++)
	{
		st->last[j] = (Datum) 0;
		st->lastnull[j] = false;
	}
}

typedef struct KeyIdx
{
	int64		key;
	int64		idx;
} KeyIdx;

/*
 * Sort (key, idx) pairs by key: LSD radix sort on 16-bit digits of the key
 * with its sign bit flipped, skipping the digits every key shares (stable,
 * O(n), no comparisons).
 */
static void
keyidx_sort(KeyIdx *a, int n)
{
	KeyIdx	   *b = palloc_extended(sizeof(KeyIdx) * Max(n, 1), MCXT_ALLOC_HUGE);
	KeyIdx	   *src = a,
			   *dst = b;
	uint32	   *count = palloc(sizeof(uint32) * 65536);
	int			pass,
				i;

	for (pass = 0; pass < 4; pass++)
	{
		int			shift = pass * 16;
		uint32		sum = 0;
		uint32		first;

		memset(count, 0, sizeof(uint32) * 65536);
		for (i = 0; i < n; i++)
			count[(((uint64) src[i].key ^ UINT64CONST(0x8000000000000000)) >> shift) & 0xFFFF]++;
		first = (((uint64) src[0].key ^ UINT64CONST(0x8000000000000000)) >> shift) & 0xFFFF;
		if (count[first] == (uint32) n)
			continue;			/* every key has this digit */
		for (i = 0; i < 65536; i++)
		{
			uint32		c = count[i];

			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(((uint64) src[i].key ^ UINT64CONST(0x8000000000000000)) >> shift) & 0xFFFF]++] = src[i];
		{
			KeyIdx	   *t = src;

			src = dst;
			dst = t;
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (src != a)
		memcpy(a, src, sizeof(KeyIdx) * n);
	pfree(b);
	pfree(count);
}

/* A one-dimensional bigint[] built in place (no NULL). */
static ArrayType *
int8_array(const KeyIdx *k, int n)
{
	ArrayType  *r;
	Size		nbytes = ARR_OVERHEAD_NONULLS(1) + sizeof(int64) * (Size) n;
	int64	   *data;
	int			i;

	if (n == 0)
		return construct_empty_array(INT8OID);
	if (nbytes > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("result array of %d elements is too large", n)));
	r = (ArrayType *) palloc0(nbytes);
	SET_VARSIZE(r, nbytes);
	r->ndim = 1;
	r->dataoffset = 0;
	r->elemtype = INT8OID;
	ARR_DIMS(r)[0] = n;
	ARR_LBOUND(r)[0] = 1;
	data = (int64 *) ARR_DATA_PTR(r);
	for (i = 0; i < n; i++)
		data[i] = k[i].key;
	return r;
}

/*
 * composite_agg final: sort the rows by key, then compute what
 * nous.composite computes over the same rows; returns nous.index_composite_scores
 * (keys, scores, coverage), empty arrays for an empty input.
 */
NOUS_ENTRY(nous_composite_agg_final, cagg_final(fcinfo, PG_ARGISNULL(0) ? NULL : (CompAggState *) PG_GETARG_POINTER(0)));

/* The result of nous.composite_agg from a state (NULL: no row). */
Datum
cagg_final(FunctionCallInfo fcinfo, const CompAggState *st)
{
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	int			n,
				k,
				i,
				j;
	KeyIdx	   *order;
	bool		sorted = true;
	double	   *x,
			   *score,
			   *cov,
			   *w;
	bool	   *present,
			   *scorep;
	int		   *pol;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "nous: composite_agg must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	if (st == NULL || st->n == 0)
	{
		values[0] = PointerGetDatum(construct_empty_array(INT8OID));
		values[1] = PointerGetDatum(construct_empty_array(FLOAT8OID));
		values[2] = PointerGetDatum(construct_empty_array(FLOAT8OID));
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
	}
	if (st->n > INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("group of %lld rows is too large for nous.composite_agg", (long long) st->n),
				 errdetail("At most %d rows are allowed in one group.", INT_MAX)));
	n = (int) st->n;
	k = st->k;

	/* sort by key, so that the result does not depend on the input order */
	order = palloc_extended(sizeof(KeyIdx) * n, MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
	{
		order[i].key = st->keys[i];
		order[i].idx = i;
		if (i > 0 && st->keys[i] <= st->keys[i - 1])
			sorted = false;
	}
	if (!sorted)
	{
		keyidx_sort(order, n);
		for (i = 1; i < n; i++)
			if (order[i].key == order[i - 1].key)
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("key %lld appears more than once in a group", (long long) order[i].key),
						 errdetail("Each row of a group needs its own key to find its score.")));
	}
	CHECK_FOR_INTERRUPTS();

	score = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE);
	scorep = palloc_extended(sizeof(bool) * n, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	cov = palloc_extended(sizeof(double) * n, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	if (k > 0)
	{
		ResolvedMethods *rm;

		/* weights given are checked by the first row (or the deserializer) */
		w = st->has_w ? st->w : index_weights_from_datum((Datum) 0, true, k);
		pol = palloc(sizeof(int) * k);
		for (j = 0; j < k; j++)
			pol[j] = st->has_pol ? st->pol[j] : 1;
		rm = index_resolve_methods(fcinfo->flinfo, st->norm, st->agg);
		x = palloc_extended(sizeof(double) * (size_t) n * k, MCXT_ALLOC_HUGE);
		present = palloc_extended(sizeof(bool) * (size_t) n * k, MCXT_ALLOC_HUGE);
		for (i = 0; i < n; i++)
		{
			const double *row = st->x + (size_t) order[i].idx * k;

#ifdef __GNUC__
			/* rows are read in key order, i.e. at random: fetch ahead */
			if (i + 16 < n)
				__builtin_prefetch(st->x + (size_t) order[i + 16].idx * k);
#endif

			for (j = 0; j < k; j++)
			{
				size_t		c = (size_t) j * n + i;

				present[c] = !isnan(row[j]);
				x[c] = present[c] ? row[j] : 0.0;
			}
		}
		index_composite_scores(rm, x, present, n, k, w, pol, score, scorep, cov);
		pfree(x);
		pfree(present);
	}
	else
	{
		/* every values array is NULL and nothing gives k: still check methods */
		(void) index_resolve_methods(fcinfo->flinfo, st->norm, st->agg);
	}

	values[0] = PointerGetDatum(int8_array(order, n));
	{
		NousVec		v;

		v.n = n;
		v.present = scorep;
		values[1] = PointerGetDatum(nous_vec_to_array(&v, score));
		/* every row has a coverage */
		memset(scorep, true, sizeof(bool) * n);
		values[2] = PointerGetDatum(nous_vec_to_array(&v, cov));
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
