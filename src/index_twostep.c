/*
 * index_twostep.c — the composite index in two steps (issue 14):
 *
 *   nous.composite_params(values, polarity, normalise)   aggregate, float8[] state
 *   nous.composite_params_merge(a, b)                      its combine function
 *   nous.composite_score(values, params, weights, aggregate)  plain function
 *
 * Step 1 is a combinable, parallel-safe aggregate whose state is an ordinary
 * float8[] (storable: text and binary I/O of float8[], so PostgreSQL's
 * parallel query and Citus's partial aggregation split it): per component
 * the count, sum and sum of squared deviations of its present values
 * (PostgreSQL's float8_accum / float8_combine formulas), minimum and
 * maximum, with the normalisation and the polarity it was built for.
 * Step 2 scores each row alone from those parameters, with the arithmetic
 * of nous.composite() OVER (...) (src/core/index.c: nous_ts_*).
 *
 * Layout of the state (format 1, TS_MAGIC = 14001):
 *   [0] 14001  [1] k  [2] method (nous_ts_method)  [3] sd  [4] scale
 *   [5] p1  [6] p2  [7] flags (1 has_p1, 2 has_p2, 4 clip)
 *   then per component j (6 values): polarity, n, sum, M2, min, max
 *   (min = Infinity, max = -Infinity while n = 0).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "nous.h"
#include "normalise.h"
#include "index.h"
#include "method_table.h"
#include "index_glue.h"

#define TS_MAGIC 14001.0
#define TS_HDR 8
#define TS_STRIDE 6
#define TS_LEN(k) (TS_HDR + TS_STRIDE * (k))

#define TS_HINT_METHOD "Use nous.composite(...) OVER (...) or nous.composite_agg for the methods that need every value."

/* ------------------------------------------------------------------ */
/* the normalisation of the two-step path                              */
/* ------------------------------------------------------------------ */

/* Parse and check a normalisation specification into s. */
static void
ts_parse_spec(const char *text, MemoryContext mcxt, nous_ts_spec *s)
{
	NousMethod	m;
	const NousBuiltin *b;
	Jsonb	   *params;
	const char *name;

	nous_method_resolve(NORM_FAMILY, text, mcxt, &m);
	b = m.builtin ? nous_builtin_find(NORM_FAMILY, m.spec.name) : NULL;
	if (b == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("normalisation method \"%s\" cannot be computed in two steps", m.spec.name),
				 errdetail("The two-step path knows the built-ins zscore, minmax, goalposts, ratio, log and none; "
						   "a registered method needs every value of the component."),
				 errhint(TS_HINT_METHOD)));
	params = NOUS_METHOD_PARAMS(&m);
	nous_builtin_check(b, params);
	memset(s, 0, sizeof(*s));
	name = b->name;
	if (strcmp(name, "zscore") == 0)
	{
		s->method = NOUS_TS_ZSCORE;
		s->sd = nous_builtin_word(b, params, "sd");
	}
	else if (strcmp(name, "minmax") == 0)
		s->method = NOUS_TS_MINMAX;
	else if (strcmp(name, "goalposts") == 0)
	{
		s->method = NOUS_TS_GOALPOSTS;
		s->p1 = nous_builtin_number(b, params, "lo", &s->has_p1);
		s->p2 = nous_builtin_number(b, params, "hi", &s->has_p2);
		s->clip = nous_builtin_bool(b, params, "clip");
		if (s->has_p1 && s->has_p2 && s->p1 == s->p2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameters lo and hi of method \"goalposts\" must differ"),
					 errdetail("Both are %g.", s->p1)));
	}
	else if (strcmp(name, "ratio") == 0)
	{
		s->method = NOUS_TS_RATIO;
		s->p1 = nous_builtin_number(b, params, "ref", &s->has_p1);
	}
	else if (strcmp(name, "log") == 0)
	{
		s->method = NOUS_TS_LOG;
		s->p1 = nous_builtin_number(b, params, "offset", NULL);
		s->has_p1 = true;
		s->scale = nous_builtin_word(b, params, "scale");
	}
	else if (strcmp(name, "none") == 0)
		s->method = NOUS_TS_NONE;
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("normalisation method \"%s\" cannot be computed in two steps", name),
				 errdetail("Method \"%s\" needs every value of the component (ranks, quantiles or a second pass), "
						   "not only its count, mean, deviation, minimum and maximum.", name),
				 errhint(TS_HINT_METHOD)));
}

static void
ts_spec_to_header(const nous_ts_spec *s, int k, double *h)
{
	h[0] = TS_MAGIC;
	h[1] = k;
	h[2] = s->method;
	h[3] = s->sd;
	h[4] = s->scale;
	h[5] = s->has_p1 ? s->p1 : 0.0;
	h[6] = s->has_p2 ? s->p2 : 0.0;
	h[7] = (s->has_p1 ? 1 : 0) + (s->has_p2 ? 2 : 0) + (s->clip ? 4 : 0);
}

static void
ts_header_to_spec(const double *h, nous_ts_spec *s)
{
	int			flags = (int) h[7];

	memset(s, 0, sizeof(*s));
	s->method = (int) h[2];
	s->sd = (int) h[3];
	s->scale = (int) h[4];
	s->p1 = h[5];
	s->p2 = h[6];
	s->has_p1 = (flags & 1) != 0;
	s->has_p2 = (flags & 2) != 0;
	s->clip = (flags & 4) != 0;
}

static bool
is_whole(double v, double lo, double hi)
{
	return v >= lo && v <= hi && v == floor(v);
}

#define BAD_PARAMS(...) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE), \
			 errmsg("%s is not a value of nous.composite_params", what), \
			 errdetail(__VA_ARGS__), \
			 errhint("Build the parameters with the aggregate nous.composite_params(values, polarity, normalise).")))

/*
 * Check a params array (the aggregate's result) and return its data and k.
 * Everything composite_score and the merge read is checked here.
 */
static const double *
ts_check_params(ArrayType *a, const char *what, int *kp)
{
	const double *d;
	int			n,
				k,
				j;

	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "%s: expected a float8 array", what);
	n = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || n < TS_HDR)
		BAD_PARAMS("It must be a one-dimensional array without NULL of at least %d elements.", TS_HDR);
	d = (const double *) ARR_DATA_PTR(a);
	if (d[0] != TS_MAGIC)
		BAD_PARAMS("Its first element is %g, not %g (format 1).", d[0], TS_MAGIC);
	if (!is_whole(d[1], 1, INDEX_MAX_K))
		BAD_PARAMS("Its number of components is %g.", d[1]);
	k = (int) d[1];
	if (n != TS_LEN(k))
		BAD_PARAMS("It has %d elements; %d components need %d.", n, k, TS_LEN(k));
	if (!is_whole(d[2], NOUS_TS_ZSCORE, NOUS_TS_NONE) || !is_whole(d[3], 0, 1) ||
		!is_whole(d[4], 0, 2) || !is_whole(d[7], 0, 7) ||
		!isfinite(d[5]) || !isfinite(d[6]))
		BAD_PARAMS("Its header (method %g, sd %g, scale %g, flags %g) is not valid.",
				   d[2], d[3], d[4], d[7]);
	for (j = 0; j < k; j++)
	{
		const double *c = d + TS_HDR + TS_STRIDE * j;

		if ((c[0] != 1.0 && c[0] != -1.0) || !(c[1] >= 0.0 && c[1] == floor(c[1])) ||
			!isfinite(c[1]) || !isfinite(c[2]) || !(c[3] >= 0.0) || !isfinite(c[3]) ||
			(c[1] > 0.0 && !(isfinite(c[4]) && isfinite(c[5]) && c[4] <= c[5])))
			BAD_PARAMS("Component %d (polarity %g, n %g, sum %g, M2 %g, min %g, max %g) is not valid.",
					   j + 1, c[0], c[1], c[2], c[3], c[4], c[5]);
	}
	*kp = k;
	return d;
}

/*
 * The contents of a varlena datum equal to a cached copy (NULL: never); a
 * compressed or external datum never matches (it is decoded again).
 */
static bool
same_bytes(struct varlena *cached, Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	Size		len;

	if (cached == NULL || VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		return false;
	len = VARSIZE_ANY_EXHDR(v);
	return len == VARSIZE(cached) - VARHDRSZ &&
		memcmp(VARDATA_ANY(v), VARDATA(cached), len) == 0;
}

/* A copy of the contents of d for same_bytes (NULL when compressed or external). */
static struct varlena *
copy_bytes(MemoryContext mcxt, struct varlena *old, Datum d)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	struct varlena *c;
	Size		len;

	if (old != NULL)
		pfree(old);
	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		return NULL;
	len = VARSIZE_ANY_EXHDR(v);
	c = MemoryContextAlloc(mcxt, len + VARHDRSZ);
	SET_VARSIZE(c, len + VARHDRSZ);
	memcpy(VARDATA(c), VARDATA_ANY(v), len);
	return c;
}

/* ------------------------------------------------------------------ */
/* step 1: the aggregate                                               */
/* ------------------------------------------------------------------ */

/*
 * What the transition function keeps between rows of a call site: the
 * parsed normalisation of the last specification seen, and the last
 * polarity, each with the bytes it came from.  The state never depends on
 * it: a changed argument is parsed again and compared with the state.
 */
typedef struct TsTransCache
{
	bool		norm_default;	/* spec parsed from the default 'zscore' */
	struct varlena *norm_bytes;
	nous_ts_spec spec;
	struct varlena *pol_bytes;
	int			pol_k;
	int		   *pol;
	MemoryContext cxt;			/* where the cache's own memory lives */
} TsTransCache;

/*
 * The cache of a caller that keeps no fn_extra between rows.  Citus's
 * worker_partial_agg calls the transition function through a fresh FmgrInfo
 * on every row, so fn_extra is NULL on every row but the first: the spec and
 * polarity would be parsed again for each row (200 times slower than on one
 * node).  Such calls share this one cache, kept in a context of its own; its
 * entries are keyed on the arguments' contents, so sharing is always correct.
 */
static TsTransCache *ts_shared_cache = NULL;

static void
report_nonfinite(int j, double v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("values must be finite"),
			 errdetail("Element %d is %s.", j + 1,
					   isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"),
			 errhint("Replace NaN and infinite values by NULL: NULL elements are ignored.")));
}

PG_FUNCTION_INFO_V1(nous_composite_params_trans);

/*
 * nous.composite_params_trans(state float8[], values float8[]
 * [, polarity int[] [, normalise text]]): add one row's present values to
 * the moments of each component (in place in the aggregate's memory).
 */
Datum
nous_composite_params_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TsTransCache *cache = fcinfo->flinfo->fn_extra;
	ArrayType  *values,
			   *state;
	double	   *d;
	const double *x;
	bits8	   *bitmap;
	int			k,
				j;
	const char *norm = "zscore";
	Datum		normd = (Datum) 0;
	bool		has_norm = false,
				has_pol = false,
				is_log;

	aggcxt = nous_agg_context(fcinfo, "nous.composite_params_trans",
							  "nous.composite_params(indicators, ...)");
	NOUS_RETURN_STATE_IF_NULL(1);
	if (cache == NULL && !PG_ARGISNULL(0))
	{
		/* a state but no cache: a caller that drops fn_extra between rows */
		if (ts_shared_cache == NULL)
		{
			MemoryContext cxt = AllocSetContextCreate(TopMemoryContext, "nous composite_params cache",
													  ALLOCSET_SMALL_SIZES);

			ts_shared_cache = MemoryContextAllocZero(TopMemoryContext, sizeof(TsTransCache));
			ts_shared_cache->cxt = cxt;
		}
		cache = ts_shared_cache;
	}
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TsTransCache));
		cache->cxt = fcinfo->flinfo->fn_mcxt;
		fcinfo->flinfo->fn_extra = cache;
	}
	if (PG_NARGS() > 3)
	{
		NOUS_REQUIRE_ARG_HINT(3, "normalise",
							  "Name a normalisation method, for example 'zscore'; see nous.methods.");
		normd = PG_GETARG_DATUM(3);
		has_norm = true;
	}
	has_pol = PG_NARGS() > 2 && !PG_ARGISNULL(2);

	/* the normalisation: parsed again only when its text changes */
	if (has_norm ? !same_bytes(cache->norm_bytes, normd) : !cache->norm_default)
	{
		if (cache == ts_shared_cache)
		{
			/* the shared cache starts afresh: nothing of an earlier spec is kept */
			MemoryContextReset(cache->cxt);
			cache->norm_bytes = NULL;
			cache->pol_bytes = NULL;
			cache->pol = NULL;
			cache->pol_k = 0;
		}
		cache->norm_default = false;
		if (cache->norm_bytes != NULL)
			pfree(cache->norm_bytes);
		cache->norm_bytes = NULL;
		if (has_norm)
			norm = TextDatumGetCString(normd);
		ts_parse_spec(norm, cache->cxt, &cache->spec);
		if (has_norm)
			cache->norm_bytes = copy_bytes(cache->cxt, NULL, normd);
		else
			cache->norm_default = true;
	}

	values = PG_GETARG_ARRAYTYPE_P(1);
	k = index_values_length(values, NULL, 0);
	index_check_components(k);

	/* the polarity: decoded again only when its bytes change */
	if (has_pol)
	{
		if (!same_bytes(cache->pol_bytes, PG_GETARG_DATUM(2)) || cache->pol_k != k)
		{
			int		   *pol = index_polarity_from_datum(PG_GETARG_DATUM(2), false, k);

			if (cache->pol != NULL)
				pfree(cache->pol);
			cache->pol = MemoryContextAlloc(cache->cxt, sizeof(int) * k);
			memcpy(cache->pol, pol, sizeof(int) * k);
			cache->pol_k = k;
			cache->pol_bytes = copy_bytes(cache->cxt, cache->pol_bytes,
										  PG_GETARG_DATUM(2));
		}
	}

	if (PG_ARGISNULL(0))
	{
		MemoryContext old = MemoryContextSwitchTo(aggcxt);
		Datum	   *elems = palloc(sizeof(Datum) * TS_LEN(k));
		double		h[TS_HDR];

		ts_spec_to_header(&cache->spec, k, h);
		for (j = 0; j < TS_HDR; j++)
			elems[j] = Float8GetDatum(h[j]);
		for (j = 0; j < k; j++)
		{
			Datum	   *c = elems + TS_HDR + TS_STRIDE * j;

			c[0] = Float8GetDatum(has_pol ? (double) cache->pol[j] : 1.0);
			c[1] = Float8GetDatum(0.0);
			c[2] = Float8GetDatum(0.0);
			c[3] = Float8GetDatum(0.0);
			c[4] = Float8GetDatum(INFINITY);
			c[5] = Float8GetDatum(-INFINITY);
		}
		state = construct_array(elems, TS_LEN(k), FLOAT8OID, sizeof(float8),
								FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
		pfree(elems);
		MemoryContextSwitchTo(old);
	}
	else
	{
		double		h[TS_HDR];

		state = PG_GETARG_ARRAYTYPE_P(0);
		d = (double *) ARR_DATA_PTR(state);
		if ((int) d[1] != k)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("values has %d elements, the first row of the group %d", k, (int) d[1]),
					 errdetail("Every row must give the same components, in the same order.")));
		ts_spec_to_header(&cache->spec, k, h);
		if (memcmp(h, d, sizeof(h)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("normalise must be the same in every row of a group")));
		for (j = 0; j < k; j++)
			if (d[TS_HDR + TS_STRIDE * j] != (has_pol ? (double) cache->pol[j] : 1.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("polarity must be the same in every row of a group"),
						 errdetail("Component %d changes.", j + 1)));
	}

	/* accumulate the present values, in place */
	is_log = cache->spec.method == NOUS_TS_LOG;
	d = (double *) ARR_DATA_PTR(state);
	x = (const double *) ARR_DATA_PTR(values);
	bitmap = ARR_NULLBITMAP(values);
	for (j = 0; j < k; j++)
	{
		double		v,
					t;

		if (bitmap != NULL && !(bitmap[j / 8] & (1 << (j % 8))))
			continue;
		v = *x++;
		if (!isfinite(v))
			report_nonfinite(j, v);
		t = v;
		if (is_log && nous_ts_transform(&cache->spec, v, &t) != NOUS_OK)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("values outside the domain of method \"log\""),
					 errdetail("Element %d plus the offset (%g) is zero or negative.", j + 1,
							   cache->spec.p1),
					 errhint("Give an offset: 'log(offset=1)'.")));
		nous_tsm_add((nous_ts_moments *) (d + TS_HDR + TS_STRIDE * j + 1), t);
	}
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(nous_composite_params_merge);

/*
 * nous.composite_params_merge(a float8[], b float8[]) → float8[]: the
 * parameters of the union of two sets of rows (the aggregate's combine
 * function; also for rolling up stored parameters).
 */
Datum
nous_composite_params_merge(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *b = PG_GETARG_ARRAYTYPE_P(1);
	const double *da,
			   *db;
	double	   *out;
	int			ka,
				kb,
				j;

	da = ts_check_params(a, "the first argument", &ka);
	db = ts_check_params(b, "the second argument", &kb);
	if (ka != kb)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("cannot merge parameters of %d and %d components", ka, kb)));
	if (memcmp(da, db, sizeof(double) * TS_HDR) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge parameters built with different normalisations")));
	for (j = 0; j < ka; j++)
		if (da[TS_HDR + TS_STRIDE * j] != db[TS_HDR + TS_STRIDE * j])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot merge parameters built with different polarities"),
					 errdetail("Component %d differs.", j + 1)));
	/* in an aggregate the first state is ours to change, as float8_combine does */
	if (!AggCheckCallContext(fcinfo, NULL))
		a = DatumGetArrayTypePCopy(PG_GETARG_DATUM(0));
	out = (double *) ARR_DATA_PTR(a);
	for (j = 0; j < ka; j++)
		nous_tsm_merge((nous_ts_moments *) (out + TS_HDR + TS_STRIDE * j + 1),
						   (const nous_ts_moments *) (db + TS_HDR + TS_STRIDE * j + 1));
	PG_RETURN_ARRAYTYPE_P(a);
}

/* ------------------------------------------------------------------ */
/* step 2: the score of one row                                        */
/* ------------------------------------------------------------------ */

typedef enum
{
	TS_AGG_MEAN, TS_AGG_BUILTIN
} TsAggKind;

/*
 * What composite_score keeps between rows of a call site, each part with
 * the bytes it was derived from (compared on every row: a different
 * argument is decoded again, so the result depends on the arguments only).
 */
typedef struct TsScoreCache
{
	/* params */
	struct varlena *params_bytes;
	int			k;
	nous_ts_comp *comp;
	/* weights */
	bool		w_valid;
	bool		w_null;
	struct varlena *w_bytes;
	double	   *w;
	double		w_total;
	/* aggregation */
	struct varlena *agg_bytes;
	TsAggKind	agg_kind;
	NousMethod	agg;
	const NousBuiltin *agg_builtin;
	double		min_coverage;
	/* per-row scratch */
	double	   *x;
	double	   *v;
	bool	   *present;
} TsScoreCache;

static void
ts_cache_params(TsScoreCache *c, MemoryContext mcxt, Datum pd)
{
	ArrayType  *a = DatumGetArrayTypeP(pd);
	const double *d;
	nous_ts_spec spec;
	int			k,
				j;

	d = ts_check_params(a, "params", &k);
	ts_header_to_spec(d, &spec);
	if (c->comp != NULL && c->k != k)
	{
		pfree(c->comp);
		pfree(c->x);
		pfree(c->v);
		pfree(c->present);
		c->comp = NULL;
	}
	if (c->params_bytes != NULL)
		pfree(c->params_bytes);
	c->params_bytes = NULL;
	if (c->comp == NULL)
	{
		c->comp = MemoryContextAlloc(mcxt, sizeof(nous_ts_comp) * k);
		c->x = MemoryContextAlloc(mcxt, sizeof(double) * k);
		c->v = MemoryContextAlloc(mcxt, sizeof(double) * k);
		c->present = MemoryContextAlloc(mcxt, sizeof(bool) * k);
	}
	if (c->k != k)
		c->w_valid = false;		/* weights are checked against k again */
	c->k = k;					/* the size of the arrays, even if an error follows */
	for (j = 0; j < k; j++)
	{
		const double *cj = d + TS_HDR + TS_STRIDE * j;
		nous_status st = nous_ts_prepare(&spec, (const nous_ts_moments *) (cj + 1),
										 (int) cj[0], &c->comp[j]);

		if (st == NOUS_ERR_DOMAIN)
			ereport(ERROR,
					(errcode(ERRCODE_DIVISION_BY_ZERO),
					 errmsg("ratio normalisation needs a non-zero reference"),
					 errdetail(spec.has_p1 ? "The parameter ref is 0." :
							   "The mean of component %d, used as the reference, is 0.", j + 1),
					 errhint("Give a reference value: 'ratio(ref=12.5)'.")));
		if (st != NOUS_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("params is not a value of nous.composite_params"),
					 errdetail("Component %d cannot be prepared (status %d).", j + 1, (int) st)));
	}
	c->params_bytes = copy_bytes(mcxt, NULL, pd);
	if ((Pointer) a != DatumGetPointer(pd))
		pfree(a);
}

static void
ts_cache_weights(TsScoreCache *c, MemoryContext mcxt, Datum wd, bool isnull)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	int			j;

	c->w_valid = false;
	if (c->w != NULL)
		pfree(c->w);
	c->w = NULL;
	if (c->w_bytes != NULL)
		pfree(c->w_bytes);
	c->w_bytes = NULL;
	c->w = index_weights_from_datum(wd, isnull, c->k);
	c->w_total = 0.0;
	for (j = 0; j < c->k; j++)
		c->w_total += c->w[j];
	MemoryContextSwitchTo(old);
	c->w_null = isnull;
	if (!isnull)
		c->w_bytes = copy_bytes(mcxt, NULL, wd);
	c->w_valid = true;
}

static void
ts_cache_aggregate(TsScoreCache *c, MemoryContext mcxt, Datum ad)
{
	char	   *spec = TextDatumGetCString(ad);
	char		rest[256];
	const NousBuiltin *b;

	if (c->agg_bytes != NULL)
		pfree(c->agg_bytes);
	c->agg_bytes = NULL;
	if (strlen(spec) >= sizeof(rest))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method specification is too long"),
				 errdetail("At most %d bytes are allowed.", (int) sizeof(rest) - 1)));
	index_split_coverage(spec, rest, sizeof(rest), &c->min_coverage);
	nous_method_resolve(AGG_FAMILY, rest, mcxt, &c->agg);
	b = c->agg.builtin ? nous_builtin_find(AGG_FAMILY, c->agg.spec.name) : NULL;
	if (b == NULL || !(strcmp(b->name, "mean") == 0 || strcmp(b->name, "geometric") == 0 ||
					   strcmp(b->name, "power") == 0 || strcmp(b->name, "mpi") == 0))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("aggregation method \"%s\" cannot be computed in two steps", c->agg.spec.name),
				 errdetail("The two-step path scores each row alone: it knows the built-ins mean, geometric, power and mpi; "
						   "ranks, quantiles, principal components and registered methods need every row."),
				 errhint(TS_HINT_METHOD)));
	nous_builtin_check(b, NOUS_METHOD_PARAMS(&c->agg));
	c->agg_builtin = b;
	c->agg_kind = strcmp(b->name, "mean") == 0 ? TS_AGG_MEAN : TS_AGG_BUILTIN;
	c->agg_bytes = copy_bytes(mcxt, NULL, ad);
}

PG_FUNCTION_INFO_V1(nous_composite_score);

/*
 * nous.composite_score(values float8[], params float8[], weights float8[],
 * aggregate text) → float8: the score nous.composite(values, weights,
 * polarity, normalise, aggregate) OVER (...) gives the row, from the
 * parameters nous.composite_params computed over the same partition.
 */
Datum
nous_composite_score(PG_FUNCTION_ARGS)
{
	MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
	TsScoreCache *c = fcinfo->flinfo->fn_extra;
	ArrayType  *values;
	const double *data;
	bits8	   *bitmap;
	int			k,
				j,
				bad = 0,
				nitems;
	double		score,
				cov;
	bool		has;
	nous_status st;

	NOUS_REQUIRE_ARG_HINT(3, "aggregate",
						  "Name an aggregation method, for example 'mean'; see nous.methods.");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (c == NULL)
	{
		c = MemoryContextAllocZero(mcxt, sizeof(TsScoreCache));
		fcinfo->flinfo->fn_extra = c;
	}
	if (!same_bytes(c->params_bytes, PG_GETARG_DATUM(1)))
		ts_cache_params(c, mcxt, PG_GETARG_DATUM(1));
	if (!c->w_valid ||
		(PG_ARGISNULL(2) ? !c->w_null : (c->w_null || !same_bytes(c->w_bytes, PG_GETARG_DATUM(2)))))
		ts_cache_weights(c, mcxt, PG_GETARG_DATUM(2), PG_ARGISNULL(2));
	if (!same_bytes(c->agg_bytes, PG_GETARG_DATUM(3)))
		ts_cache_aggregate(c, mcxt, PG_GETARG_DATUM(3));
	k = c->k;

	/* the values, read in place */
	values = PG_GETARG_ARRAYTYPE_P(0);
	nitems = index_values_length(values, NULL, 0);
	if (nitems != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values has %d elements, params %d components", nitems, k),
				 errdetail("Score a row with parameters computed over the same components, in the same order.")));
	data = (const double *) ARR_DATA_PTR(values);
	bitmap = ARR_NULLBITMAP(values);
	for (j = 0; j < k; j++)
	{
		if (bitmap != NULL && !(bitmap[j / 8] & (1 << (j % 8))))
		{
			c->present[j] = false;
			c->x[j] = 0.0;
			continue;
		}
		c->present[j] = true;
		c->x[j] = *data++;
		if (!isfinite(c->x[j]))
			report_nonfinite(j, c->x[j]);
	}

	st = nous_ts_normalise_row(c->comp, c->x, c->present, k, c->v, &bad);
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("values outside the domain of method \"log\""),
				 errdetail("Element %d plus the offset (%g) is zero or negative.", bad + 1,
						   c->comp[bad].offset),
				 errhint("Give an offset: 'log(offset=1)'.")));
	if (st != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("component %d has a value but the parameters have none", bad + 1),
				 errdetail("The parameters were computed over rows where component %d is always NULL.", bad + 1),
				 errhint("Score the rows the parameters were computed over.")));

	cov = nous_ts_coverage_row(c->present, k, c->w, c->w_total);
	if (c->agg_kind == TS_AGG_MEAN)
		nous_ts_mean_row(c->v, c->present, k, c->w, &score, &has);
	else
		nous_aggregate_apply(c->agg_builtin, NOUS_METHOD_PARAMS(&c->agg),
							 c->v, c->present, 1, k, c->w, &score, &has);
	if ((Pointer) values != DatumGetPointer(PG_GETARG_DATUM(0)))
		pfree(values);
	if (!(has && cov > 0.0 && cov >= c->min_coverage - 1e-12))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(score);
}
