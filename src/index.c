/*
 * index.c — SQL glue of the index module: nous.composite() (window
 * function), the aggregation method family and its built-ins, the extra
 * normalisation methods, nous.pca_first(), nous.reference_gap() and
 * nous.qpv_income_threshold() (sql/30_index.sql).
 *
 * An aggregation method takes (matrix float8[], weights float8[]) or
 * (matrix float8[], weights float8[], params jsonb): matrix is a
 * two-dimensional n x k array (row i = area i, column j = normalised
 * component j, NULL = missing), weights has k elements as given by the
 * caller (non-negative, positive sum); the method returns float8[] of n
 * scores (NULL = no score).  Built-in methods are called directly in C by
 * nous.composite(); user methods once per partition through the registry.
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

#define NORM_FAMILY "normalisation"
#define AGG_FAMILY "aggregation"
#define DEFAULT_MIN_COVERAGE 0.5

/* ------------------------------------------------------------------ */
/* parameters                                                           */
/* ------------------------------------------------------------------ */

static Jsonb *
params_of(NousMethod *m)
{
	return m->takes_params ? DatumGetJsonbP(m->params) : NULL;
}

/* A boolean parameter: jsonb true/false or the words true/false/yes/no. */
static bool
params_bool(Jsonb *params, const char *method, const char *key, bool dflt)
{
	JsonbValue *v;

	if (params == NULL)
		return dflt;
	v = getKeyJsonValueFromContainer(&params->root, key, strlen(key), NULL);
	if (v == NULL)
		return dflt;
	if (v->type == jbvBool)
		return v->val.boolean;
	if (v->type == jbvString)
	{
		char	   *w = pnstrdup(v->val.string.val, v->val.string.len);

		if (strcmp(w, "true") == 0 || strcmp(w, "yes") == 0)
			return true;
		if (strcmp(w, "false") == 0 || strcmp(w, "no") == 0)
			return false;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("parameter \"%s\" of method \"%s\" must be true or false", key, method)));
	return dflt;				/* not reached */
}

static nous_sd_kind
params_sd(Jsonb *params, const char *method, nous_sd_kind dflt)
{
	char	   *w = nous_params_word(params, method, "sd");
	nous_sd_kind kind = dflt;

	if (w != NULL && !nous_parse_sd(w, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value \"%s\" for parameter \"sd\" of method \"%s\"", w, method),
				 errdetail("Use sample (divide by n - 1) or population (divide by n).")));
	return kind;
}

static nous_ties
params_ties(Jsonb *params, const char *method)
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

static void
report_domain(const char *method, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("values outside the domain of method \"%s\"", method),
			 errdetail("%s", detail),
			 hint ? errhint("%s", hint) : 0));
}

/* ------------------------------------------------------------------ */
/* normalisations computed in C                                         */
/* ------------------------------------------------------------------ */

typedef enum
{
	SCALE_NONE,
	SCALE_ZSCORE,
	SCALE_MINMAX
} post_scale;

static post_scale
params_scale(Jsonb *params, const char *method)
{
	char	   *w = nous_params_word(params, method, "scale");

	if (w == NULL || strcmp(w, "none") == 0)
		return SCALE_NONE;
	if (strcmp(w, "zscore") == 0)
		return SCALE_ZSCORE;
	if (strcmp(w, "minmax") == 0)
		return SCALE_MINMAX;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value \"%s\" for parameter \"scale\" of method \"%s\"", w, method),
			 errdetail("Use none (default), zscore (sample sd) or minmax (0-100).")));
	return SCALE_NONE;
}

/* Rescale in place after a transform; returns the centre of the scale. */
static double
apply_scale(post_scale s, double *v, const bool *present, int n)
{
	if (s == SCALE_ZSCORE)
		nous_norm_zscore(v, present, n, NOUS_SD_SAMPLE, v);
	else if (s == SCALE_MINMAX)
	{
		nous_norm_minmax(v, present, n, v);
		return 50.0;
	}
	return 0.0;
}

/*
 * Normalise x (n values, presence mask) in place with a built-in method
 * computed in C.  *centre receives the centre of the method's scale, about
 * which polarity -1 reflects.  Returns false when name is not a built-in
 * known here.
 */
static bool
norm_builtin(const char *name, Jsonb *params, double *x, const bool *present,
			 int n, double *centre)
{
	nous_status st = NOUS_OK;

	*centre = 0.0;
	if (strcmp(name, "zscore") == 0)
	{
		static const char *const allowed[] = {"sd", NULL};

		nous_params_check(params, name, allowed);
		nous_norm_zscore(x, present, n, params_sd(params, name, NOUS_SD_SAMPLE), x);
	}
	else if (strcmp(name, "minmax") == 0)
	{
		static const char *const allowed[] = {NULL};

		nous_params_check(params, name, allowed);
		nous_norm_minmax(x, present, n, x);
		*centre = 50.0;
	}
	else if (strcmp(name, "rank") == 0 || strcmp(name, "percentile") == 0)
	{
		static const char *const allowed[] = {"ties", NULL};
		nous_ties	ties;
		int			i,
					m = 0;

		nous_params_check(params, name, allowed);
		ties = params_ties(params, name);
		if (name[0] == 'r')
		{
			st = nous_norm_rank(x, present, n, ties, x);
			for (i = 0; i < n; i++)
				m += present[i];
			*centre = (m + 1) / 2.0;
		}
		else
		{
			st = nous_norm_percentile(x, present, n, ties, x);
			*centre = 50.0;
		}
	}
	else if (strcmp(name, "ratio") == 0)
	{
		static const char *const allowed[] = {"ref", NULL};
		double		ref = 0.0;
		bool		has_ref;

		nous_params_check(params, name, allowed);
		has_ref = nous_params_number(params, name, "ref", &ref);
		if (nous_norm_ratio(x, present, n, has_ref, ref, x) != NOUS_OK)
			ereport(ERROR,
					(errcode(ERRCODE_DIVISION_BY_ZERO),
					 errmsg("ratio normalisation needs a non-zero reference"),
					 errdetail(has_ref ? "The parameter ref is 0." :
							   "The mean of the values, used as the reference, is 0."),
					 errhint("Give a reference value: 'ratio(ref=12.5)'.")));
		*centre = 100.0;
	}
	else if (strcmp(name, "goalposts") == 0)
	{
		static const char *const allowed[] = {"lo", "hi", "clip", NULL};
		double		lo = 0.0,
					hi = 0.0;
		bool		has_lo = nous_params_number(params, name, "lo", &lo);
		bool		has_hi = nous_params_number(params, name, "hi", &hi);
		bool		clip;
		int			i;

		nous_params_check(params, name, allowed);
		clip = params_bool(params, name, "clip", true);
		if (!has_lo || !has_hi)
		{
			double		mn = INFINITY,
						mx = -INFINITY;

			for (i = 0; i < n; i++)
				if (present[i])
				{
					mn = Min(mn, x[i]);
					mx = Max(mx, x[i]);
				}
			if (!has_lo)
				lo = mn;
			if (!has_hi)
				hi = mx;
		}
		*centre = 50.0;
		if (!isfinite(lo) || !isfinite(hi))
			return true;		/* no value present */
		if (lo == hi)
		{
			if (!has_lo || !has_hi)
			{
				/* all values equal: the middle of the scale, as minmax */
				for (i = 0; i < n; i++)
					if (present[i])
						x[i] = 50.0;
				return true;
			}
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameters lo and hi of method \"goalposts\" must differ"),
					 errdetail("Both are %g.", lo)));
		}
		nous_norm_goalposts(x, present, n, lo, hi, clip, x);
	}
	else if (strcmp(name, "winsor") == 0)
	{
		static const char *const allowed[] = {"p", "k", "sd", "scale", NULL};
		double		p = 0.05,
					k = 0.0;
		bool		has_p,
					has_k;
		post_scale	scale;

		nous_params_check(params, name, allowed);
		has_p = nous_params_number(params, name, "p", &p);
		has_k = nous_params_number(params, name, "k", &k);
		scale = params_scale(params, name);
		if (has_p && has_k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("method \"winsor\" takes p or k, not both"),
					 errdetail("p clips at the quantiles p and 1 - p; k clips at the mean plus or minus k standard deviations.")));
		if (has_k)
		{
			if (!(k > 0.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"k\" of method \"winsor\" must be positive")));
			nous_norm_winsor_sd(x, present, n, k, params_sd(params, name, NOUS_SD_SAMPLE), x);
		}
		else
		{
			if (!(p >= 0.0 && p < 0.5))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"p\" of method \"winsor\" must be in [0, 0.5)"),
						 errdetail("It is %g.", p)));
			st = nous_norm_winsor_quantile(x, present, n, p, x);
		}
		if (st == NOUS_OK)
			*centre = apply_scale(scale, x, present, n);
	}
	else if (strcmp(name, "log") == 0)
	{
		static const char *const allowed[] = {"offset", "scale", NULL};
		double		offset = 0.0;
		post_scale	scale;

		nous_params_check(params, name, allowed);
		nous_params_number(params, name, "offset", &offset);
		scale = params_scale(params, name);
		if (nous_norm_log(x, present, n, offset, x) != NOUS_OK)
			report_domain("log", "Some value plus the offset is zero or negative.",
						  "Give an offset: 'log(offset=1)'.");
		*centre = apply_scale(scale, x, present, n);
	}
	else if (strcmp(name, "none") == 0)
	{
		static const char *const allowed[] = {NULL};

		nous_params_check(params, name, allowed);
	}
	else
		return false;
	if (st != NOUS_OK)
		nous_report_status(st, name);
	return true;
}

/* The SQL functions of the new built-in normalisations share one body. */
static Datum
normalise_sql(FunctionCallInfo fcinfo, const char *name)
{
	NousVec		v;
	Jsonb	   *params = NULL;
	double		centre;

	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "values", false, &v);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		params = PG_GETARG_JSONB_P(1);
	if (params != NULL && !JB_ROOT_IS_OBJECT(params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameters of method \"%s\" must be a jsonb object", name)));
	if (!norm_builtin(name, params, v.x, v.present, v.n, &centre))
		elog(ERROR, "nous: unknown built-in normalisation \"%s\"", name);
	PG_RETURN_ARRAYTYPE_P(nous_vec_to_array(&v, v.x));
}

PG_FUNCTION_INFO_V1(nous_normalise_goalposts);
/* goalposts: 100 (x - lo) / (hi - lo), clipped to 0-100. */
Datum
nous_normalise_goalposts(PG_FUNCTION_ARGS)
{
	return normalise_sql(fcinfo, "goalposts");
}

PG_FUNCTION_INFO_V1(nous_normalise_winsor);
/* winsor: clip at quantiles p, 1 - p or at mean +/- k sd. */
Datum
nous_normalise_winsor(PG_FUNCTION_ARGS)
{
	return normalise_sql(fcinfo, "winsor");
}

PG_FUNCTION_INFO_V1(nous_normalise_log);
/* log: ln(x + offset), optionally rescaled. */
Datum
nous_normalise_log(PG_FUNCTION_ARGS)
{
	return normalise_sql(fcinfo, "log");
}

PG_FUNCTION_INFO_V1(nous_normalise_none);
/* none: the values unchanged. */
Datum
nous_normalise_none(PG_FUNCTION_ARGS)
{
	return normalise_sql(fcinfo, "none");
}

/* ------------------------------------------------------------------ */
/* aggregations computed in C                                           */
/* ------------------------------------------------------------------ */

/*
 * Aggregate the n x k column-major matrix x into out/outp with a built-in
 * method.  Returns false when name is not a built-in known here.
 */
static bool
agg_builtin(const char *name, Jsonb *params, const double *x,
			const bool *present, int n, int k, const double *w,
			double *out, bool *outp)
{
	nous_status st;

	if (strcmp(name, "mean") == 0)
	{
		static const char *const allowed[] = {NULL};

		nous_params_check(params, name, allowed);
		st = nous_agg_mean(x, present, n, k, w, out, outp);
	}
	else if (strcmp(name, "geometric") == 0)
	{
		static const char *const allowed[] = {"shift", NULL};
		double		shift = 0.0;

		nous_params_check(params, name, allowed);
		nous_params_number(params, name, "shift", &shift);
		st = nous_agg_geometric(x, present, n, k, w, shift, out, outp);
		if (st == NOUS_ERR_DOMAIN)
			report_domain(name, "The geometric mean needs every value plus the shift to be positive.",
						  "Normalise to a positive scale ('minmax', 'ratio', 'goalposts') "
						  "or give a shift: 'geometric(shift=1)'.");
	}
	else if (strcmp(name, "power") == 0)
	{
		static const char *const allowed[] = {"p", NULL};
		double		p = 1.0;

		nous_params_check(params, name, allowed);
		nous_params_number(params, name, "p", &p);
		st = nous_agg_power(x, present, n, k, w, p, out, outp);
		if (st == NOUS_ERR_DOMAIN)
			report_domain(name, "The power mean needs values >= 0 (> 0 when p <= 0).",
						  "Normalise to a positive scale: 'minmax', 'ratio' or 'goalposts'.");
	}
	else if (strcmp(name, "mpi") == 0)
	{
		static const char *const allowed[] = {"sign", "sd", "rescale", NULL};
		double		sign = 1.0;

		nous_params_check(params, name, allowed);
		nous_params_number(params, name, "sign", &sign);
		if (sign != 1.0 && sign != -1.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"sign\" of method \"mpi\" must be 1 or -1"),
					 errdetail("1 penalises unbalance upwards (higher means more fragile); -1 downwards.")));
		st = nous_agg_mpi(x, present, n, k, w, (int) sign,
						  params_sd(params, name, NOUS_SD_POPULATION),
						  params_bool(params, name, "rescale", true), out, outp);
		if (st == NOUS_ERR_DOMAIN)
			report_domain(name, "The mean of some row's rescaled values is zero or negative.",
						  "Use z-scores with rescale=true (100 + 10 z), or positive values.");
	}
	else if (strcmp(name, "rankmean") == 0)
	{
		static const char *const allowed[] = {"ties", NULL};

		nous_params_check(params, name, allowed);
		st = nous_agg_rankmean(x, present, n, k, w, params_ties(params, name), out, outp);
	}
	else if (strcmp(name, "worstq") == 0)
	{
		static const char *const allowed[] = {"q", "strict", NULL};
		double		q = 0.75;

		nous_params_check(params, name, allowed);
		nous_params_number(params, name, "q", &q);
		if (!(q >= 0.0 && q <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"q\" of method \"worstq\" must be in [0, 1]"),
					 errdetail("It is %g.", q)));
		st = nous_agg_worstq(x, present, n, k, w, q,
							 params_bool(params, name, "strict", false), out, outp);
	}
	else if (strcmp(name, "pca") == 0)
	{
		static const char *const allowed[] = {"sd", NULL};
		nous_pca	pca;

		nous_params_check(params, name, allowed);
		st = nous_pca_first(x, present, n, k, params_sd(params, name, NOUS_SD_SAMPLE),
							&pca, out, outp);
		if (st == NOUS_ERR_EMPTY)
		{
			/* fewer than 2 complete rows: no score */
			int			i;

			for (i = 0; i < n; i++)
				outp[i] = false;
			st = NOUS_OK;
		}
		else if (st == NOUS_ERR_DOMAIN)
		{
			/* every component constant: every complete row scores 0 */
			int			i,
						j;

			for (i = 0; i < n; i++)
			{
				outp[i] = true;
				out[i] = 0.0;
				for (j = 0; j < k; j++)
					if (!present[(size_t) j * n + i])
						outp[i] = false;
			}
			st = NOUS_OK;
		}
		else if (st == NOUS_OK)
			nous_pca_free(&pca);
	}
	else
		return false;
	if (st != NOUS_OK)
		nous_report_status(st, name);
	return true;
}

/* ------------------------------------------------------------------ */
/* matrices, weights, polarity                                          */
/* ------------------------------------------------------------------ */

/* Unpack a two-dimensional float8[] n x k into a column-major matrix. */
static void
matrix_from_datum(Datum d, bool isnull, int *n, int *k, double **x, bool **present)
{
	ArrayType  *a;
	Datum	   *elems;
	bool	   *nulls;
	int			ne,
				i,
				j;

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("matrix must not be NULL")));
	a = DatumGetArrayTypeP(d);
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "matrix: expected a float8 array");
	if (ARR_NDIM(a) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("matrix must be a two-dimensional array"),
				 errdetail("The array has %d dimensions; row i, column j holds component j of area i.",
						   ARR_NDIM(a)),
				 errhint("Build it with array_agg(ARRAY[x1, x2, ...] ORDER BY key).")));
	*n = ARR_DIMS(a)[0];
	*k = ARR_DIMS(a)[1];
	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, &nulls, &ne);
	*x = palloc_extended(sizeof(double) * Max(ne, 1), MCXT_ALLOC_HUGE);
	*present = palloc_extended(sizeof(bool) * Max(ne, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < *n; i++)
		for (j = 0; j < *k; j++)
		{
			size_t		src = (size_t) i * *k + j;
			size_t		dst = (size_t) j * *n + i;

			(*present)[dst] = !nulls[src];
			(*x)[dst] = nulls[src] ? 0.0 : DatumGetFloat8(elems[src]);
			if (!nulls[src] && !isfinite((*x)[dst]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("matrix must be finite"),
						 errdetail("Row %d, column %d is %s.", i + 1, j + 1,
								   isnan((*x)[dst]) ? "NaN" : (*x)[dst] > 0 ? "Infinity" : "-Infinity"),
						 errhint("Replace NaN and infinite values by NULL: NULL elements are ignored.")));
		}
}

/* A column-major matrix as a two-dimensional float8[] n x k. */
static ArrayType *
matrix_to_array(const double *x, const bool *present, int n, int k)
{
	size_t		ne = (size_t) n * k;
	Datum	   *elems = palloc_extended(sizeof(Datum) * Max(ne, 1), MCXT_ALLOC_HUGE);
	bool	   *nulls = palloc_extended(sizeof(bool) * Max(ne, 1), MCXT_ALLOC_HUGE);
	int			dims[2] = {n, k};
	int			lbs[2] = {1, 1};
	int			i,
				j;

	for (i = 0; i < n; i++)
		for (j = 0; j < k; j++)
		{
			size_t		src = (size_t) j * n + i;

			nulls[(size_t) i * k + j] = !present[src];
			elems[(size_t) i * k + j] = Float8GetDatum(present[src] ? x[src] : 0.0);
		}
	return construct_md_array(elems, nulls, 2, dims, lbs, FLOAT8OID,
							  sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* Weights: NULL = all 1; otherwise k finite, non-negative, positive sum. */
static double *
weights_from_datum(Datum d, bool isnull, int k)
{
	double	   *w = palloc(sizeof(double) * Max(k, 1));
	NousVec		v;
	int			j;

	if (isnull)
	{
		for (j = 0; j < k; j++)
			w[j] = 1.0;
		return w;
	}
	nous_vec_from_datum(d, false, "weights", false, &v);
	if (v.n != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("weights has %d elements, values %d", v.n, k),
				 errdetail("Give one weight per component, or NULL for equal weights.")));
	for (j = 0; j < k; j++)
	{
		if (!v.present[j])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("weights must not contain NULL"),
					 errdetail("Element %d is NULL.", j + 1)));
		if (v.x[j] < 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weights must not be negative"),
					 errdetail("Element %d is %g.", j + 1, v.x[j]),
					 errhint("Use polarity -1 for a component where higher means less fragile.")));
		w[j] = v.x[j];
	}
	if (nous_check_weights(w, k) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must not all be zero"),
				 errdetail("The sum of the weights is 0.")));
	return w;
}

/* Polarity: NULL = all +1; otherwise k elements, each 1 or -1. */
static int *
polarity_from_datum(Datum d, bool isnull, int k)
{
	int		   *pol = palloc(sizeof(int) * Max(k, 1));
	ArrayType  *a;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				j;

	for (j = 0; j < k; j++)
		pol[j] = 1;
	if (isnull)
		return pol;
	a = DatumGetArrayTypeP(d);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("polarity must be a one-dimensional array")));
	deconstruct_array(a, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elems, &nulls, &n);
	if (n != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("polarity has %d elements, values %d", n, k),
				 errdetail("Give one polarity per component (1: higher is more fragile, -1: higher is less fragile), or NULL for all 1.")));
	for (j = 0; j < k; j++)
	{
		int32		p = nulls[j] ? 0 : DatumGetInt32(elems[j]);

		if (p != 1 && p != -1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("polarity must contain only 1 and -1"),
					 errdetail(nulls[j] ? "Element %d is NULL." : "Element %d is %d.", j + 1, p)));
		pol[j] = p;
	}
	return pol;
}

/* ------------------------------------------------------------------ */
/* method resolution with the coverage parameter                        */
/* ------------------------------------------------------------------ */

typedef struct ResolvedMethods
{
	char		norm_text[256];
	char		agg_text[256];
	NousMethod	norm;
	NousMethod	agg;
	double		min_coverage;
} ResolvedMethods;

/*
 * Split min_coverage out of an aggregation specification: the rest is what
 * the method receives.
 */
static void
split_coverage(const char *spec_text, char *rest, size_t restlen, double *min_cov)
{
	nous_method_spec spec;
	char		err[256];
	StringInfoData buf;
	int			i,
				np = 0;

	*min_cov = DEFAULT_MIN_COVERAGE;
	if (nous_parse_method_spec(spec_text, &spec, err, sizeof(err)) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid %s method specification \"%s\"", AGG_FAMILY, spec_text),
				 errdetail("%s", err),
				 errhint("Write a method name, optionally followed by parameters: "
						 "'mean(min_coverage=0.75)'.")));
	initStringInfo(&buf);
	appendStringInfoString(&buf, spec.name);
	for (i = 0; i < spec.nparams; i++)
	{
		nous_spec_param *p = &spec.params[i];

		if (strcmp(p->key, "min_coverage") == 0)
		{
			if (!p->is_number || !(p->number >= 0.0 && p->number <= 1.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("min_coverage must be a number in [0, 1]"),
						 errdetail("It is \"%s\" in \"%s\".", p->value, spec_text)));
			*min_cov = p->number;
			continue;
		}
		appendStringInfo(&buf, "%s%s=%s", np == 0 ? "(" : ", ", p->key, p->value);
		np++;
	}
	if (np > 0)
		appendStringInfoChar(&buf, ')');
	strlcpy(rest, buf.data, restlen);
}

static ResolvedMethods *
resolve_methods(FmgrInfo *flinfo, const char *norm_text, const char *agg_text)
{
	ResolvedMethods *r = flinfo->fn_extra;

	if (r != NULL && strcmp(r->norm_text, norm_text) == 0 &&
		strcmp(r->agg_text, agg_text) == 0)
		return r;
	if (r == NULL)
	{
		r = MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(ResolvedMethods));
		flinfo->fn_extra = r;
	}
	r->norm_text[0] = r->agg_text[0] = '\0';
	if (strlen(norm_text) >= sizeof(r->norm_text) || strlen(agg_text) >= sizeof(r->agg_text))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method specification is too long"),
				 errdetail("At most %d bytes are allowed.", (int) sizeof(r->norm_text) - 1)));
	{
		char		rest[256];

		split_coverage(agg_text, rest, sizeof(rest), &r->min_coverage);
		nous_method_resolve(NORM_FAMILY, norm_text, flinfo->fn_mcxt, &r->norm);
		nous_method_resolve(AGG_FAMILY, rest, flinfo->fn_mcxt, &r->agg);
	}
	strlcpy(r->norm_text, norm_text, sizeof(r->norm_text));
	strlcpy(r->agg_text, agg_text, sizeof(r->agg_text));
	return r;
}

/* Normalise one column in place, through C or the registered function. */
static void
normalise_column(NousMethod *m, double *x, bool *present, int n)
{
	Datum	   *elems;
	bool	   *nulls;
	ArrayType  *in,
			   *outa;
	Datum		result;
	bool		isnull;
	int			dims[1] = {n},
				lbs[1] = {1},
				nout,
				i;

	elems = palloc_extended(sizeof(Datum) * Max(n, 1), MCXT_ALLOC_HUGE);
	nulls = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
	for (i = 0; i < n; i++)
	{
		elems[i] = Float8GetDatum(x[i]);
		nulls[i] = !present[i];
	}
	in = construct_md_array(elems, nulls, 1, dims, lbs, FLOAT8OID, sizeof(float8),
							FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	result = nous_method_call1(m, PointerGetDatum(in), &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("normalisation method \"%s\" returned NULL", m->spec.name),
				 errdetail("A method must return an array as long as its input.")));
	outa = DatumGetArrayTypeP(result);
	nout = ArrayGetNItems(ARR_NDIM(outa), ARR_DIMS(outa));
	if (ARR_NDIM(outa) > 1 || nout != n || ARR_ELEMTYPE(outa) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("normalisation method \"%s\" returned %d values for %d",
						m->spec.name, nout, n),
				 errdetail("A method must return a one-dimensional array as long as its input.")));
	deconstruct_array(outa, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, &nulls, &nout);
	for (i = 0; i < n; i++)
	{
		/* a method may turn a value into NULL, never the reverse */
		present[i] = present[i] && !nulls[i];
		if (present[i])
		{
			x[i] = DatumGetFloat8(elems[i]);
			if (!isfinite(x[i]))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("normalisation method \"%s\" returned a non-finite value",
								m->spec.name)));
		}
	}
}

/* Normalise the polarity-oriented columns: normalise, then reflect. */
static void
normalise_matrix(NousMethod *m, double *x, bool *present, int n, int k,
				 const int *pol)
{
	int			j;

	for (j = 0; j < k; j++)
	{
		double	   *col = x + (size_t) j * n;
		bool	   *pcol = present + (size_t) j * n;
		double		centre = 0.0;

		if (m->builtin && norm_builtin(m->spec.name, params_of(m), col, pcol, n, &centre))
			;
		else
			normalise_column(m, col, pcol, n);
		if (pol[j] < 0)
			nous_reflect(col, pcol, n, centre);
	}
}

/* Aggregate through C or the registered function. */
static void
aggregate_matrix(NousMethod *m, const double *x, const bool *present, int n,
				 int k, const double *w, double *out, bool *outp)
{
	Datum		args[2];
	bool		argnulls[2] = {false, false};
	Datum		result;
	bool		isnull;
	ArrayType  *outa;
	Datum	   *elems;
	bool	   *nulls;
	int			nout,
				i,
				dims[1] = {k},
				lbs[1] = {1};
	Datum	   *welems;

	if (m->builtin && agg_builtin(m->spec.name, params_of(m), x, present, n, k, w, out, outp))
		return;
	welems = palloc(sizeof(Datum) * Max(k, 1));
	for (i = 0; i < k; i++)
		welems[i] = Float8GetDatum(w[i]);
	args[0] = PointerGetDatum(matrix_to_array(x, present, n, k));
	args[1] = PointerGetDatum(construct_md_array(welems, NULL, 1, dims, lbs, FLOAT8OID,
												 sizeof(float8), FLOAT8PASSBYVAL,
												 TYPALIGN_DOUBLE));
	result = nous_method_call(m, args, argnulls, 2, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("aggregation method \"%s\" returned NULL", m->spec.name),
				 errdetail("A method must return an array of one score per row of the matrix.")));
	outa = DatumGetArrayTypeP(result);
	nout = ArrayGetNItems(ARR_NDIM(outa), ARR_DIMS(outa));
	if (ARR_NDIM(outa) > 1 || nout != n || ARR_ELEMTYPE(outa) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("aggregation method \"%s\" returned %d scores for %d rows",
						m->spec.name, nout, n),
				 errdetail("A method must return a one-dimensional array of one score per row of the matrix.")));
	deconstruct_array(outa, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, &nulls, &nout);
	for (i = 0; i < n; i++)
	{
		outp[i] = !nulls[i];
		out[i] = nulls[i] ? 0.0 : DatumGetFloat8(elems[i]);
		if (outp[i] && !isfinite(out[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("aggregation method \"%s\" returned a non-finite score",
							m->spec.name)));
	}
}

static char *
text_arg(Datum d, bool isnull, const char *what, const char *hint)
{
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what),
				 errhint("%s", hint)));
	return TextDatumGetCString(d);
}

/* ------------------------------------------------------------------ */
/* nous.aggregate(matrix, weights, method)                              */
/* ------------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(nous_aggregate);

/*
 * nous.aggregate(matrix float8[], weights float8[], method text) → float8[]:
 * one score per row of the matrix (no coverage rule: a row with any present
 * component of positive weight gets a score).
 */
Datum
nous_aggregate(PG_FUNCTION_ARGS)
{
	int			n,
				k;
	double	   *x,
			   *w,
			   *out;
	bool	   *present,
			   *outp;
	NousMethod *m = fcinfo->flinfo->fn_extra;
	char	   *spec;
	NousVec		v;

	spec = text_arg(PG_GETARG_DATUM(2), PG_ARGISNULL(2), "method",
					"Name an aggregation method, for example 'mean'; see nous.methods.");
	matrix_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), &n, &k, &x, &present);
	w = weights_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), k);
	if (m == NULL || strcmp(m->spec_text, spec) != 0)
	{
		if (m == NULL)
			m = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(NousMethod));
		fcinfo->flinfo->fn_extra = NULL;
		nous_method_resolve(AGG_FAMILY, spec, fcinfo->flinfo->fn_mcxt, m);
		fcinfo->flinfo->fn_extra = m;
	}
	out = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	outp = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
	aggregate_matrix(m, x, present, n, k, w, out, outp);
	v.n = n;
	v.present = outp;
	PG_RETURN_ARRAYTYPE_P(nous_vec_to_array(&v, out));
}

/* The SQL functions of the built-in aggregations share one body. */
static Datum
aggregate_sql(FunctionCallInfo fcinfo, const char *name)
{
	int			n,
				k;
	double	   *x,
			   *w,
			   *out;
	bool	   *present,
			   *outp;
	Jsonb	   *params = NULL;
	NousVec		v;

	matrix_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), &n, &k, &x, &present);
	w = weights_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), k);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		params = PG_GETARG_JSONB_P(2);
	if (params != NULL && !JB_ROOT_IS_OBJECT(params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameters of method \"%s\" must be a jsonb object", name)));
	out = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	outp = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
	if (!agg_builtin(name, params, x, present, n, k, w, out, outp))
		elog(ERROR, "nous: unknown built-in aggregation \"%s\"", name);
	v.n = n;
	v.present = outp;
	PG_RETURN_ARRAYTYPE_P(nous_vec_to_array(&v, out));
}

#define AGG_SQL(cname, mname) \
PG_FUNCTION_INFO_V1(cname); \
Datum cname(PG_FUNCTION_ARGS) { return aggregate_sql(fcinfo, mname); }

AGG_SQL(nous_aggregate_mean, "mean")
AGG_SQL(nous_aggregate_geometric, "geometric")
AGG_SQL(nous_aggregate_power, "power")
AGG_SQL(nous_aggregate_mpi, "mpi")
AGG_SQL(nous_aggregate_rankmean, "rankmean")
AGG_SQL(nous_aggregate_worstq, "worstq")
AGG_SQL(nous_aggregate_pca, "pca")

/* ------------------------------------------------------------------ */
/* nous.composite(): the window function                                */
/* ------------------------------------------------------------------ */

typedef struct CompositePartition
{
	bool		done;
	int64		n;
	double	   *score;
	bool	   *present;
} CompositePartition;

/* Copy row i's values array into column-major x/present (k known). */
static void
read_values_row(Datum d, int64 i, int64 n, int k, double *x, bool *present)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	int			nitems = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
	bits8	   *bitmap = ARR_NULLBITMAP(a);
	const double *data = (const double *) ARR_DATA_PTR(a);
	int			j;

	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "values: expected a float8 array");
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values must be a one-dimensional array"),
				 errdetail("Row %lld of the partition has %d dimensions.",
						   (long long) i + 1, ARR_NDIM(a))));
	if (nitems != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values has %d elements in row %lld of the partition, expected %d",
						nitems, (long long) i + 1, k),
				 errdetail("Every row must give the same components, in the same order; "
						   "the weights, the polarity or the first row give %d.", k)));
	for (j = 0; j < k; j++)
	{
		size_t		c = (size_t) j * n + i;

		if (bitmap != NULL && !(bitmap[j / 8] & (1 << (j % 8))))
		{
			present[c] = false;
			x[c] = 0.0;
			continue;
		}
		x[c] = *data++;
		present[c] = true;
		if (!isfinite(x[c]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("values must be finite"),
					 errdetail("Element %d of row %lld of the partition is %s.", j + 1,
							   (long long) i + 1,
							   isnan(x[c]) ? "NaN" : x[c] > 0 ? "Infinity" : "-Infinity"),
					 errhint("Replace NaN and infinite values by NULL: NULL elements are ignored.")));
	}
	if ((Pointer) a != DatumGetPointer(d))
		pfree(a);
}

/* Length of a one-dimensional array argument, -1 when NULL. */
static int
array_arg_length(Datum d, bool isnull)
{
	ArrayType  *a;

	if (isnull)
		return -1;
	a = DatumGetArrayTypeP(d);
	return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
}

static void
composite_compute(FunctionCallInfo fcinfo, WindowObject winobj,
				  CompositePartition *part)
{
	MemoryContext partcxt = GetMemoryChunkContext(part);
	MemoryContext work,
				rowcxt,
				old;
	Datum		args[5];
	bool		nulls[5];
	bool		isout;
	int64		n = WinGetPartitionRowCount(winobj);
	int64		i;
	int			k = -1,
				argno;
	double	   *x = NULL,
			   *w,
			   *cov;
	bool	   *present = NULL;
	int		   *pol;
	char	   *norm_text,
			   *agg_text;
	ResolvedMethods *rm;

	if (n > INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("partition of %lld rows is too large for nous.composite", (long long) n),
				 errdetail("At most %d rows are allowed in one partition.", INT_MAX)));
	part->n = n;
	part->score = MemoryContextAllocExtended(partcxt, sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	part->present = MemoryContextAllocExtended(partcxt, sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	work = AllocSetContextCreate(CurrentMemoryContext, "nous.composite", ALLOCSET_DEFAULT_SIZES);
	rowcxt = AllocSetContextCreate(work, "nous.composite row", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(work);

	/* weights, polarity and methods: from the first row of the partition */
	for (argno = 1; argno < 5; argno++)
	{
		args[argno] = WinGetFuncArgInPartition(winobj, argno, 0, WINDOW_SEEK_HEAD,
											   false, &nulls[argno], &isout);
		/*
		 * The datum points into the window's tuple slot, which the next fetch
		 * refills: keep a copy (all four arguments are varlena).
		 */
		if (!nulls[argno])
			args[argno] = PointerGetDatum(PG_DETOAST_DATUM_COPY(args[argno]));
	}
	norm_text = text_arg(args[3], nulls[3], "normalise",
						 "Name a normalisation method, for example 'zscore'; see nous.methods.");
	agg_text = text_arg(args[4], nulls[4], "aggregate",
						"Name an aggregation method, for example 'mean'; see nous.methods.");
	rm = resolve_methods(fcinfo->flinfo, norm_text, agg_text);
	k = array_arg_length(args[1], nulls[1]);
	if (k < 0)
		k = array_arg_length(args[2], nulls[2]);

	for (i = 0; i < n; i++)
	{
		Datum		d;
		bool		isnull;

		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(rowcxt);
		d = WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &isnull, &isout);
		MemoryContextSwitchTo(work);
		if (!isnull && k < 0)
			k = array_arg_length(d, false);
		if (k == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("values must not be empty"),
					 errdetail("Give at least one component.")));
		if (x == NULL && k > 0)
		{
			x = palloc_extended(sizeof(double) * (size_t) n * k, MCXT_ALLOC_HUGE);
			present = palloc_extended(sizeof(bool) * (size_t) n * k, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
		}
		if (!isnull)
			read_values_row(d, i, n, k, x, present);
		/* the evaluated arrays accumulate in rowcxt: free them in batches */
		if ((i & 1023) == 1023)
			MemoryContextReset(rowcxt);
	}
	if (k < 0)
	{
		/* every values array is NULL and nothing gives k: no score */
		MemoryContextSwitchTo(old);
		MemoryContextDelete(work);
		part->done = true;
		return;
	}
	if (x == NULL)
	{
		x = palloc_extended(sizeof(double) * (size_t) n * k, MCXT_ALLOC_HUGE);
		present = palloc_extended(sizeof(bool) * (size_t) n * k, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	}
	w = weights_from_datum(args[1], nulls[1], k);
	pol = polarity_from_datum(args[2], nulls[2], k);

	/* coverage before normalisation: a method may turn values into NULL */
	cov = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	nous_coverage(present, (int) n, k, w, cov);
	normalise_matrix(&rm->norm, x, present, (int) n, k, pol);
	/* the scores go straight into the partition's memory */
	aggregate_matrix(&rm->agg, x, present, (int) n, k, w, part->score, part->present);
	for (i = 0; i < n; i++)
		part->present[i] = part->present[i] && cov[i] > 0.0 &&
			cov[i] >= rm->min_coverage - 1e-12;
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	part->done = true;
}

PG_FUNCTION_INFO_V1(nous_composite);

/*
 * nous.composite(values, weights, polarity, normalise, aggregate) OVER (...):
 * on the first row of a partition, read the whole partition once, normalise
 * each component over it, aggregate each row, keep the scores in partition
 * memory; return the current row's score.
 */
Datum
nous_composite(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	CompositePartition *part;
	int64		cur;

	part = WinGetPartitionLocalMemory(winobj, sizeof(CompositePartition));
	if (!part->done)
		composite_compute(fcinfo, winobj, part);
	cur = WinGetCurrentPosition(winobj);
	WinSetMarkPosition(winobj, cur);
	if (cur >= part->n || !part->present[cur])
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(part->score[cur]);
}

/* ------------------------------------------------------------------ */
/* nous.reference_gap(num, den) OVER (...)                              */
/* ------------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(nous_reference_gap_sql);

/*
 * 100 (num / den) / (sum num / sum den) over the partition (the reference
 * territory), from counts; rows with a NULL count are left out of the sums.
 */
Datum
nous_reference_gap_sql(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	CompositePartition *part;
	int64		cur;

	part = WinGetPartitionLocalMemory(winobj, sizeof(CompositePartition));
	if (!part->done)
	{
		MemoryContext partcxt = GetMemoryChunkContext(part);
		int64		n = WinGetPartitionRowCount(winobj),
					i;
		double	   *num,
				   *den;
		bool	   *present;
		nous_status st;

		if (n > INT_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("partition of %lld rows is too large for nous.reference_gap", (long long) n)));
		part->n = n;
		part->score = MemoryContextAllocExtended(partcxt, sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
		part->present = MemoryContextAllocExtended(partcxt, sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
		num = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
		den = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
		present = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
		for (i = 0; i < n; i++)
		{
			bool		n1,
						n2,
						isout;

			if ((i & 4095) == 0)
				CHECK_FOR_INTERRUPTS();
			num[i] = DatumGetFloat8(WinGetFuncArgInPartition(winobj, 0, i, WINDOW_SEEK_HEAD, false, &n1, &isout));
			den[i] = DatumGetFloat8(WinGetFuncArgInPartition(winobj, 1, i, WINDOW_SEEK_HEAD, false, &n2, &isout));
			present[i] = !n1 && !n2;
			if (present[i] && (!isfinite(num[i]) || !isfinite(den[i])))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("counts must be finite"),
						 errdetail("Row %lld of the partition has a NaN or infinite count.", (long long) i + 1)));
		}
		st = nous_reference_gap(num, den, present, (int) n, part->score, part->present);
		if (st == NOUS_ERR_PARAM)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("counts must not be negative"),
					 errdetail("The numerator and the denominator are counts (people, households, dwellings).")));
		if (st == NOUS_ERR_DOMAIN)
			ereport(ERROR,
					(errcode(ERRCODE_DIVISION_BY_ZERO),
					 errmsg("the reference rate of the partition is zero or undefined"),
					 errdetail("The sum of the numerators or of the denominators over the partition is 0.")));
		pfree(num);
		pfree(den);
		pfree(present);
		part->done = true;
	}
	cur = WinGetCurrentPosition(winobj);
	WinSetMarkPosition(winobj, cur);
	if (cur >= part->n || !part->present[cur])
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(part->score[cur]);
}

/* ------------------------------------------------------------------ */
/* nous.pca_first(matrix, polarity, sd)                                 */
/* ------------------------------------------------------------------ */

static ArrayType *
doubles_to_array(const double *v, const bool *p, int n)
{
	NousVec		vec;
	bool	   *all = NULL;
	int			i;

	if (p == NULL)
	{
		all = palloc(sizeof(bool) * Max(n, 1));
		for (i = 0; i < n; i++)
			all[i] = true;
	}
	vec.n = n;
	vec.present = p ? (bool *) p : all;
	return nous_vec_to_array(&vec, v);
}

PG_FUNCTION_INFO_V1(nous_pca_first_sql);

/*
 * nous.pca_first(matrix float8[], polarity int[], sd text) → nous.pca_result:
 * first principal component of the standardised columns (complete rows).
 */
Datum
nous_pca_first_sql(PG_FUNCTION_ARGS)
{
	int			n,
				k,
				j,
				i;
	double	   *x,
			   *scores;
	bool	   *present,
			   *scorep;
	int		   *pol;
	nous_sd_kind kind = NOUS_SD_SAMPLE;
	nous_pca	pca;
	nous_status st;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "nous: pca_first must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	matrix_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), &n, &k, &x, &present);
	pol = polarity_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), k);
	if (!PG_ARGISNULL(2))
	{
		char	   *w = TextDatumGetCString(PG_GETARG_DATUM(2));

		if (!nous_parse_sd(w, &kind))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value \"%s\" for sd", w),
					 errdetail("Use sample (divide by n - 1) or population (divide by n).")));
	}
	for (j = 0; j < k; j++)
		if (pol[j] < 0)
			for (i = 0; i < n; i++)
				x[(size_t) j * n + i] = -x[(size_t) j * n + i];
	scores = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	scorep = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
	st = nous_pca_first(x, present, n, k, kind, &pca, scores, scorep);
	if (st == NOUS_ERR_EMPTY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("principal components need at least 2 complete rows"),
				 errdetail("The matrix has %d complete rows (rows without NULL).", pca.nused)));
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("every column of the matrix is constant"),
				 errdetail("Principal components need at least one indicator that varies.")));
	if (st != NOUS_OK)
		nous_report_status(st, "pca_first");
	/* report the loadings, means and sds in the caller's orientation of means */
	for (j = 0; j < k; j++)
		if (pol[j] < 0)
			pca.mean[j] = -pca.mean[j];
	values[0] = PointerGetDatum(doubles_to_array(pca.loadings, NULL, k));
	values[1] = Float8GetDatum(pca.eigenvalue);
	values[2] = Float8GetDatum(pca.explained);
	values[3] = Int32GetDatum(pca.nused);
	values[4] = PointerGetDatum(doubles_to_array(pca.mean, NULL, k));
	values[5] = PointerGetDatum(doubles_to_array(pca.sd, NULL, k));
	values[6] = PointerGetDatum(doubles_to_array(scores, scorep, n));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ------------------------------------------------------------------ */
/* nous.qpv_income_threshold                                            */
/* ------------------------------------------------------------------ */

PG_FUNCTION_INFO_V1(nous_qpv_income_threshold_sql);

/* Décret 2014-767 art. 4: the low-income threshold of a QPV's urban unit. */
Datum
nous_qpv_income_threshold_sql(PG_FUNCTION_ARGS)
{
	double		nat = PG_GETARG_FLOAT8(0);
	double		unit = PG_GETARG_FLOAT8(1);
	int64		pop = PG_GETARG_INT64(2);
	double		out;
	nous_status st = nous_qpv_income_threshold(nat, unit, (long long) pop, &out);

	if (st == NOUS_ERR_NONFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("medians must be finite"),
				 errdetail("national_median is %g and unit_median %g.", nat, unit)));
	if (st != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("medians and population must not be negative"),
				 errdetail("national_median is %g, unit_median %g, unit_population %lld.",
						   nat, unit, (long long) pop)));
	PG_RETURN_FLOAT8(out);
}
