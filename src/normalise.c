/*
 * normalise.c — SQL glue of the normalisation family: nous.normalise() and
 * the built-in methods registered under it (sql/20_normalise.sql).
 *
 * A method of the family takes (values float8[], params jsonb) or
 * (values float8[]) and returns float8[] of the same length, NULL elements
 * staying NULL.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "nous.h"
#include "normalise.h"

#define FAMILY "normalisation"

/* Per-call-site cache: the last method specification resolved. */
typedef struct NormaliseCache
{
	bool		valid;
	NousMethod	method;
	int			builtin_index;	/* index in builtins[], or -1 */
} NormaliseCache;

static int	builtin_index(const char *name);
static ArrayType *apply_builtin(int b, const NousVec *v, Jsonb *params);

PG_FUNCTION_INFO_V1(nous_normalise);

/*
 * nous.normalise(values float8[], method text) → float8[]: apply a registered
 * normalisation method to a whole vector with one call of its function.
 */
Datum
nous_normalise(PG_FUNCTION_ARGS)
{
	NormaliseCache *cache = fcinfo->flinfo->fn_extra;
	NousVec		v;
	char	   *spec;
	Datum		result;
	bool		isnull;
	ArrayType  *out;
	int			nout;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("method must not be NULL"),
				 errhint("Name a normalisation method, for example 'zscore'; see nous.methods.")));
	/* checks the input (NULL array, dimensions, NaN, empty) once, here */
	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "values", false, &v);

	spec = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(NormaliseCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	if (!cache->valid || strcmp(cache->method.spec_text, spec) != 0)
	{
		cache->valid = false;
		nous_method_resolve(FAMILY, spec, fcinfo->flinfo->fn_mcxt, &cache->method);
		cache->builtin_index = cache->method.builtin ?
			builtin_index(cache->method.spec.name) : -1;
		cache->valid = true;
	}

	/* a built-in is applied to the vector already unpacked and checked */
	if (cache->builtin_index >= 0)
		PG_RETURN_ARRAYTYPE_P(apply_builtin(cache->builtin_index, &v,
											cache->method.takes_params ?
											DatumGetJsonbP(cache->method.params) : NULL));

	result = nous_method_call1(&cache->method, PG_GETARG_DATUM(0), &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("normalisation method \"%s\" returned NULL", cache->method.spec.name),
				 errdetail("A method must return an array as long as its input.")));
	out = DatumGetArrayTypeP(result);
	nout = ArrayGetNItems(ARR_NDIM(out), ARR_DIMS(out));
	if (ARR_NDIM(out) > 1 || nout != v.n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("normalisation method \"%s\" returned %d values for %d",
						cache->method.spec.name, nout, v.n),
				 errdetail("A method must return a one-dimensional array as long as its input.")));
	PG_RETURN_ARRAYTYPE_P(out);
}

/* ---- the built-ins: one apply function each, called directly by
 * nous.normalise() for a built-in method (the vector is unpacked once) and
 * through their SQL wrappers nous.normalise_<name>(values, params) ---- */

typedef void (*apply_fn) (const NousVec *v, Jsonb *params, double *out);

static nous_ties
ties_param(Jsonb *params, const char *method)
{
	char	   *w = nous_params_word(params, method, "ties");
	nous_ties	t = NOUS_TIES_AVERAGE;

	if (w != NULL && !nous_parse_ties(w, &t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value \"%s\" for parameter \"ties\" of method \"%s\"", w, method),
				 errdetail("Use average, min, max, dense or first.")));
	return t;
}

/* z-score; params: sd = sample (default, n - 1) | population (n). */
static void
apply_zscore(const NousVec *v, Jsonb *params, double *out)
{
	char	   *w = nous_params_word(params, "zscore", "sd");
	nous_sd_kind kind = NOUS_SD_SAMPLE;

	if (w != NULL && !nous_parse_sd(w, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value \"%s\" for parameter \"sd\" of method \"zscore\"", w),
				 errdetail("Use sample (divide by n - 1) or population (divide by n).")));
	nous_norm_zscore(v->x, v->present, v->n, kind, out);
}

/* min-max to 0-100; no parameters. */
static void
apply_minmax(const NousVec *v, Jsonb *params, double *out)
{
	(void) params;
	nous_norm_minmax(v->x, v->present, v->n, out);
}

/* ranks 1..m; params: ties = average (default) | min | max | dense | first. */
static void
apply_rank(const NousVec *v, Jsonb *params, double *out)
{
	nous_status st = nous_norm_rank(v->x, v->present, v->n,
									ties_param(params, "rank"), out);

	if (st != NOUS_OK)
		nous_report_status(st, "rank");
}

/* percentile rank 0-100; params: ties as for rank. */
static void
apply_percentile(const NousVec *v, Jsonb *params, double *out)
{
	nous_status st = nous_norm_percentile(v->x, v->present, v->n,
										  ties_param(params, "percentile"), out);

	if (st != NOUS_OK)
		nous_report_status(st, "percentile");
}

/* 100 x / ref; params: ref (default: the mean of the values). */
static void
apply_ratio(const NousVec *v, Jsonb *params, double *out)
{
	double		ref = 0.0;
	bool		has_ref = nous_params_number(params, "ratio", "ref", &ref);

	if (nous_norm_ratio(v->x, v->present, v->n, has_ref, ref, out) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("ratio normalisation needs a non-zero reference"),
				 errdetail(has_ref ? "The parameter ref is 0." :
						   "The mean of the values, used as the reference, is 0."),
				 errhint("Give a reference value: 'ratio(ref=12.5)'.")));
}

static const char *const no_params[] = {NULL};
static const char *const sd_params[] = {"sd", NULL};
static const char *const ties_params[] = {"ties", NULL};
static const char *const ref_params[] = {"ref", NULL};

static const struct
{
	const char *name;
	apply_fn	apply;
	const char *const *allowed;
}			builtins[] = {
	{"zscore", apply_zscore, sd_params},
	{"minmax", apply_minmax, no_params},
	{"rank", apply_rank, ties_params},
	{"percentile", apply_percentile, ties_params},
	{"ratio", apply_ratio, ref_params},
};

static int
builtin_index(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return i;
	return -1;
}

/* Apply built-in number b to an unpacked vector. */
static ArrayType *
apply_builtin(int b, const NousVec *v, Jsonb *params)
{
	double	   *out = palloc(sizeof(double) * Max(v->n, 1));

	nous_params_check(params, builtins[b].name, builtins[b].allowed);
	builtins[b].apply(v, params, out);
	return nous_vec_to_array(v, out);
}

/* The SQL wrapper of built-in `name`: (values float8[], params jsonb). */
static Datum
builtin_wrapper(FunctionCallInfo fcinfo, const char *name)
{
	NousVec		v;
	Jsonb	   *params = NULL;

	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "values", false, &v);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		params = PG_GETARG_JSONB_P(1);
	PG_RETURN_ARRAYTYPE_P(apply_builtin(builtin_index(name), &v, params));
}

PG_FUNCTION_INFO_V1(nous_normalise_zscore);
PG_FUNCTION_INFO_V1(nous_normalise_minmax);
PG_FUNCTION_INFO_V1(nous_normalise_rank);
PG_FUNCTION_INFO_V1(nous_normalise_percentile);
PG_FUNCTION_INFO_V1(nous_normalise_ratio);

/* nous.normalise_zscore(values float8[], params jsonb) */
Datum
nous_normalise_zscore(PG_FUNCTION_ARGS)
{
	return builtin_wrapper(fcinfo, "zscore");
}

/* nous.normalise_minmax(values float8[], params jsonb) */
Datum
nous_normalise_minmax(PG_FUNCTION_ARGS)
{
	return builtin_wrapper(fcinfo, "minmax");
}

/* nous.normalise_rank(values float8[], params jsonb) */
Datum
nous_normalise_rank(PG_FUNCTION_ARGS)
{
	return builtin_wrapper(fcinfo, "rank");
}

/* nous.normalise_percentile(values float8[], params jsonb) */
Datum
nous_normalise_percentile(PG_FUNCTION_ARGS)
{
	return builtin_wrapper(fcinfo, "percentile");
}

/* nous.normalise_ratio(values float8[], params jsonb) */
Datum
nous_normalise_ratio(PG_FUNCTION_ARGS)
{
	return builtin_wrapper(fcinfo, "ratio");
}
