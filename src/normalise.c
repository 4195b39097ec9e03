/*
 * normalise.c — SQL glue of the normalisation family: nous.normalise(), the
 * table of its nine built-in methods (method_table.h) and their SQL
 * functions nous.normalise_<name>(values, params) (sql/20_normalise.sql,
 * sql/30_index.sql).  nous.composite() applies the same table through
 * nous_normalise_apply().
 *
 * A method of the family takes (values float8[], params jsonb) or
 * (values float8[]) and returns float8[] of the same length, NULL elements
 * staying NULL.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "nous.h"
#include "normalise.h"
#include "index.h"
#include "method_table.h"
#include "index_glue.h"

#define FAMILY "normalisation"

/* Per-call-site cache: the method, and the built-in's descriptor or NULL. */
typedef struct NormaliseCache
{
	NousMethodCache mc;
	const NousBuiltin *builtin;
} NormaliseCache;

static ArrayType *apply_builtin(const NousBuiltin *b, NousVec *v, Jsonb *params);

PG_FUNCTION_INFO_V1(nous_normalise);

/*
 * nous.normalise(values float8[], method text) → float8[]: apply a registered
 * normalisation method to a whole vector with one call of its function.
 */
Datum
nous_normalise(PG_FUNCTION_ARGS)
{
	NormaliseCache *cache;
	NousMethod *m;
	bool		fresh;
	NousVec		v;
	char	   *spec;

	NOUS_REQUIRE_ARG_HINT(1, "method",
						  "Name a normalisation method, for example 'zscore'; see nous.methods.");
	/* checks the input (NULL array, dimensions, NaN, empty) once, here */
	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "values", false, &v);

	spec = text_to_cstring(PG_GETARG_TEXT_PP(1));
	cache = (NormaliseCache *) nous_method_cached(fcinfo->flinfo, sizeof(NormaliseCache),
												  FAMILY, spec, &fresh);
	m = &cache->mc.method;
	if (fresh)
		cache->builtin = m->builtin ? nous_builtin_find(FAMILY, m->spec.name) : NULL;

	/* a built-in is applied to the vector already unpacked and checked */
	if (cache->builtin != NULL)
		PG_RETURN_ARRAYTYPE_P(apply_builtin(cache->builtin, &v,
											NOUS_METHOD_PARAMS(m)));

	PG_RETURN_ARRAYTYPE_P(index_normalise_call(m, PG_GETARG_DATUM(0), v.n));
}

/* ---- the built-ins: one apply function each, in place on an unpacked
 * vector, called by nous.normalise(), nous.composite() and the SQL wrappers
 * nous.normalise_<name>(values, params); parameters already checked
 * against the table ---- */

typedef void (*norm_apply) (const NousBuiltin *b, Jsonb *params, double *x,
							const bool *present, int n, double *centre);

typedef struct NormBuiltin
{
	NousBuiltin d;
	norm_apply	apply;
} NormBuiltin;

/* post-transform rescaling of winsor and log */
enum
{
	SCALE_NONE, SCALE_ZSCORE, SCALE_MINMAX
};

static void
rescale(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
		int n, double *centre)
{
	int			s = nous_builtin_word(b, params, "scale");

	*centre = 0.0;
	if (s == SCALE_ZSCORE)
		nous_norm_zscore(x, present, n, NOUS_SD_SAMPLE, x);
	else if (s == SCALE_MINMAX)
	{
		nous_norm_minmax(x, present, n, x);
		*centre = 50.0;
	}
}

static void
apply_zscore(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
			 int n, double *centre)
{
	(void) centre;
	nous_norm_zscore(x, present, n, nous_builtin_word(b, params, "sd"), x);
}

static void
apply_minmax(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
			 int n, double *centre)
{
	(void) b, (void) params, (void) centre;
	nous_norm_minmax(x, present, n, x);
}

static void
apply_rank(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
		   int n, double *centre)
{
	int			m = 0;
	nous_status st = nous_norm_rank(x, present, n, nous_builtin_word(b, params, "ties"), x);

	if (st != NOUS_OK)
		nous_report_status(st, b->name);
	for (int i = 0; i < n; i++)
		m += present[i];
	*centre = (m + 1) / 2.0;	/* the middle rank */
}

static void
apply_percentile(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
				 int n, double *centre)
{
	nous_status st = nous_norm_percentile(x, present, n,
										  nous_builtin_word(b, params, "ties"), x);

	(void) centre;
	if (st != NOUS_OK)
		nous_report_status(st, b->name);
}

static void
apply_ratio(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
			int n, double *centre)
{
	bool		has_ref;
	double		ref = nous_builtin_number(b, params, "ref", &has_ref);

	(void) centre;
	if (nous_norm_ratio(x, present, n, has_ref, ref, x) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("ratio normalisation needs a non-zero reference"),
				 errdetail(has_ref ? "The parameter ref is 0." :
						   "The mean of the values, used as the reference, is 0."),
				 errhint("Give a reference value: 'ratio(ref=12.5)'.")));
}

static void
apply_goalposts(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
				int n, double *centre)
{
	bool		has_lo,
				has_hi;
	double		lo = nous_builtin_number(b, params, "lo", &has_lo);
	double		hi = nous_builtin_number(b, params, "hi", &has_hi);
	char		msg[128];

	(void) centre;
	if (nous_norm_goalposts_auto(x, present, n, has_lo, lo, has_hi, hi,
								 nous_builtin_bool(b, params, "clip"), x,
								 msg, sizeof(msg)) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameters lo and hi of method \"goalposts\" must differ"),
				 errdetail("%s", msg)));
}

static void
apply_winsor(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
			 int n, double *centre)
{
	bool		has_p,
				has_k;
	double		p = nous_builtin_number(b, params, "p", &has_p);
	double		k = nous_builtin_number(b, params, "k", &has_k);
	nous_status st = NOUS_OK;

	if (has_p && has_k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"winsor\" takes p or k, not both"),
				 errdetail("p clips at the quantiles p and 1 - p; k clips at the mean plus or minus k standard deviations.")));
	if (has_k)
		nous_norm_winsor_sd(x, present, n, k, nous_builtin_word(b, params, "sd"), x);
	else
		st = nous_norm_winsor_quantile(x, present, n, p, x);
	if (st != NOUS_OK)
		nous_report_status(st, b->name);
	rescale(b, params, x, present, n, centre);
}

static void
apply_log(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
		  int n, double *centre)
{
	double		offset = nous_builtin_number(b, params, "offset", NULL);

	if (nous_norm_log(x, present, n, offset, x) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("values outside the domain of method \"%s\"", b->name),
				 errdetail("Some value plus the offset (%g) is zero or negative.", offset),
				 errhint("Give an offset: 'log(offset=1)'.")));
	rescale(b, params, x, present, n, centre);
}

static void
apply_none(const NousBuiltin *b, Jsonb *params, double *x, const bool *present,
		   int n, double *centre)
{
	(void) b, (void) params, (void) x, (void) present, (void) n, (void) centre;
}

#define P_SCALE NOUS_P_WORD("scale", "none|zscore|minmax", SCALE_NONE, \
	"Use none (default), zscore (sample sd) or minmax (0-100).")

static const NormBuiltin normalisations[] = {
	{{"zscore", {NOUS_P_SD(NOUS_SD_SAMPLE)}, 0.0, "nous_norm_zscore"}, apply_zscore},
	{{"minmax", {NOUS_P_END}, 50.0, "nous_norm_minmax"}, apply_minmax},
	{{"rank", {NOUS_P_TIES}, NAN, "nous_norm_rank"}, apply_rank},
	{{"percentile", {NOUS_P_TIES}, 50.0, "nous_norm_percentile"}, apply_percentile},
	{{"ratio", {NOUS_P_ANY("ref", 0.0, "the mean of the values")}, 100.0, "nous_norm_ratio"}, apply_ratio},
	{{"goalposts", {NOUS_P_ANY("lo", 0.0, "the minimum"),
				   NOUS_P_ANY("hi", 0.0, "the maximum"),
				   NOUS_P_BOOL("clip", 1)}, 50.0,
	"nous_norm_goalposts_auto"}, apply_goalposts},
	{{"winsor", {NOUS_P_RANGE("p", NOUS_PARAM_NUMBER, 0.05, 0.0, 0.5, false, true, "must be in [0, 0.5)", NULL),
				 {"k", NOUS_PARAM_NUMBER, 0.0, 0.0, INFINITY, true, false, NULL, "must be positive", NULL,
				  "none (clip at quantiles)"},
				 NOUS_P_SD(NOUS_SD_SAMPLE), P_SCALE}, 0.0,
	"nous_norm_winsor_quantile, nous_norm_winsor_sd"}, apply_winsor},
	{{"log", {NOUS_P_ANY("offset", 0.0, NULL), P_SCALE}, 0.0, "nous_norm_log"}, apply_log},
	{{"none", {NOUS_P_END}, 0.0, "(identity)"}, apply_none},
};

const NousBuiltinTable nous_normalisation_table = {
	FAMILY, normalisations, lengthof(normalisations), sizeof(NormBuiltin)
};

/*
 * Normalise x (n values, presence mask) in place with built-in b; *centre
 * receives the centre of the method's scale, about which polarity -1
 * reflects.
 */
void
nous_normalise_apply(const NousBuiltin *b, Jsonb *params, double *x,
					 const bool *present, int n, double *centre)
{
	nous_builtin_check(b, params);
	*centre = isnan(b->centre) ? 0.0 : b->centre;
	((const NormBuiltin *) b)->apply(b, params, x, present, n, centre);
}

/* Apply built-in b to an unpacked vector (changed in place). */
static ArrayType *
apply_builtin(const NousBuiltin *b, NousVec *v, Jsonb *params)
{
	double		centre;

	nous_normalise_apply(b, params, v->x, v->present, v->n, &centre);
	return nous_vec_to_array(v, v->x);
}

/*
 * The SQL function of a built-in: nous.normalise_<name>(values float8[],
 * params jsonb); the name is the SQL function's own, less its prefix.
 */
static Datum
builtin_wrapper(FunctionCallInfo fcinfo, const char *name)
{
	NousVec		v;
	Jsonb	   *params = NULL;
	const NousBuiltin *b = nous_builtin_find(FAMILY, name);

	if (b == NULL)
		elog(ERROR, "nous: unknown built-in normalisation \"%s\"", name);
	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "values", false, &v);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		params = PG_GETARG_JSONB_P(1);
	PG_RETURN_ARRAYTYPE_P(apply_builtin(b, &v, params));
}

/* nous.normalise_zscore(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_zscore, builtin_wrapper(fcinfo, "zscore"));

/* nous.normalise_minmax(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_minmax, builtin_wrapper(fcinfo, "minmax"));

/* nous.normalise_rank(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_rank, builtin_wrapper(fcinfo, "rank"));

/* nous.normalise_percentile(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_percentile, builtin_wrapper(fcinfo, "percentile"));

/* nous.normalise_ratio(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_ratio, builtin_wrapper(fcinfo, "ratio"));

/* nous.normalise_goalposts(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_goalposts, builtin_wrapper(fcinfo, "goalposts"));

/* nous.normalise_winsor(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_winsor, builtin_wrapper(fcinfo, "winsor"));

/* nous.normalise_log(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_log, builtin_wrapper(fcinfo, "log"));

/* nous.normalise_none(values float8[], params jsonb) */
NOUS_ENTRY(nous_normalise_none, builtin_wrapper(fcinfo, "none"));
