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
#include "method_table.h"

#define NORM_FAMILY "normalisation"
#define AGG_FAMILY "aggregation"
#define DEFAULT_MIN_COVERAGE 0.5

/* ------------------------------------------------------------------ */
/* the aggregation family's built-ins: one descriptor each             */
/* ------------------------------------------------------------------ */

typedef nous_status (*agg_apply) (const NousBuiltin *b, Jsonb *params,
								  const double *x, const bool *present, int n,
								  int k, const double *w, double *out, bool *outp);

typedef struct AggBuiltin
{
	NousBuiltin d;
	agg_apply	apply;
} AggBuiltin;

static void
report_domain(const char *method, const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("values outside the domain of method \"%s\"", method),
			 errdetail("%s", detail),
			 hint ? errhint("%s", hint) : 0));
}

static nous_status
apply_mean(const NousBuiltin *b, Jsonb *params, const double *x, const bool *present,
		   int n, int k, const double *w, double *out, bool *outp)
{
	(void) b, (void) params;
	return nous_agg_mean(x, present, n, k, w, out, outp);
}

static nous_status
apply_geometric(const NousBuiltin *b, Jsonb *params, const double *x, const bool *present,
				int n, int k, const double *w, double *out, bool *outp)
{
	nous_status st = nous_agg_geometric(x, present, n, k, w,
										nous_builtin_number(b, params, "shift", NULL),
										out, outp);

	if (st == NOUS_ERR_DOMAIN)
		report_domain(b->name, "The geometric mean needs every value plus the shift to be positive.",
					  "Normalise to a positive scale ('minmax', 'ratio', 'goalposts') "
					  "or give a shift: 'geometric(shift=1)'.");
	return st;
}

static nous_status
apply_power(const NousBuiltin *b, Jsonb *params, const double *x, const bool *present,
			int n, int k, const double *w, double *out, bool *outp)
{
	nous_status st = nous_agg_power(x, present, n, k, w,
									nous_builtin_number(b, params, "p", NULL), out, outp);

	if (st == NOUS_ERR_DOMAIN)
		report_domain(b->name, "The power mean needs values >= 0 (> 0 when p <= 0).",
					  "Normalise to a positive scale: 'minmax', 'ratio' or 'goalposts'.");
	return st;
}

static nous_status
apply_mpi(const NousBuiltin *b, Jsonb *params, const double *x, const bool *present,
		  int n, int k, const double *w, double *out, bool *outp)
{
	double		sign = nous_builtin_number(b, params, "sign", NULL);
	nous_status st;

	if (sign != 1.0 && sign != -1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"sign\" of method \"mpi\" must be 1 or -1"),
				 errdetail("It is %g. 1 penalises unbalance upwards (higher means more fragile); -1 downwards.", sign)));
	st = nous_agg_mpi(x, present, n, k, w, (int) sign, nous_builtin_word(b, params, "sd"),
					  nous_builtin_bool(b, params, "rescale"), out, outp);
	if (st == NOUS_ERR_DOMAIN)
		report_domain(b->name, "The mean of some row's rescaled values is zero or negative.",
					  "Use z-scores with rescale=true (100 + 10 z), or positive values.");
	return st;
}

static nous_status
apply_rankmean(const NousBuiltin *b, Jsonb *params, const double *x, const bool *present,
			   int n, int k, const double *w, double *out, bool *outp)
{
	return nous_agg_rankmean(x, present, n, k, w, nous_builtin_word(b, params, "ties"),
							 out, outp);
}

static nous_status
apply_worstq(const NousBuiltin *b, Jsonb *params, const double *x, const bool *present,
			 int n, int k, const double *w, double *out, bool *outp)
{
	return nous_agg_worstq(x, present, n, k, w, nous_builtin_number(b, params, "q", NULL),
						   nous_builtin_bool(b, params, "strict"), out, outp);
}

static nous_status
apply_pca(const NousBuiltin *b, Jsonb *params, const double *x, const bool *present,
		  int n, int k, const double *w, double *out, bool *outp)
{
	char		msg[160];
	nous_status st;

	(void) w;
	st = nous_pca_scores(x, present, n, k, nous_builtin_word(b, params, "sd"),
						 out, outp, msg, sizeof(msg));
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("method \"pca\" could not compute the first principal component"),
				 errdetail("%s", msg)));
	return st;
}

#define P_SD(dflt) {"sd", NOUS_PARAM_WORD, (dflt), 0, 0, false, false, "population|sample", NULL, \
	"Use sample (divide by n - 1) or population (divide by n)."}
#define P_TIES {"ties", NOUS_PARAM_WORD, NOUS_TIES_AVERAGE, 0, 0, false, false, \
	"average|min|max|dense|first", NULL, NULL}
#define P_ANY(name, dflt) {(name), NOUS_PARAM_NUMBER, (dflt), -INFINITY, INFINITY, false, false, NULL, NULL, NULL}
#define P_BOOL(name, dflt) {(name), NOUS_PARAM_BOOL, (dflt), 0, 0, false, false, NULL, NULL, NULL}

static const AggBuiltin aggregations[] = {
	{{"mean", {{0}}, NAN, "nous_agg_mean"}, apply_mean},
	{{"geometric", {P_ANY("shift", 0.0)}, NAN, "nous_agg_geometric"}, apply_geometric},
	{{"power", {P_ANY("p", 1.0)}, NAN, "nous_agg_power"}, apply_power},
	{{"mpi", {{"sign", NOUS_PARAM_INTEGER, 1.0, -1.0, 1.0, false, false, NULL, "must be 1 or -1",
			   "1 penalises unbalance upwards (higher means more fragile); -1 downwards."},
			  P_SD(NOUS_SD_POPULATION), P_BOOL("rescale", 1)}, NAN, "nous_agg_mpi"}, apply_mpi},
	{{"rankmean", {P_TIES}, NAN, "nous_agg_rankmean"}, apply_rankmean},
	{{"worstq", {{"q", NOUS_PARAM_NUMBER, 0.75, 0.0, 1.0, false, false, NULL, "must be in [0, 1]", NULL},
				 P_BOOL("strict", 0)}, NAN, "nous_agg_worstq"}, apply_worstq},
	{{"pca", {P_SD(NOUS_SD_SAMPLE)}, NAN, "nous_pca_scores"}, apply_pca},
};

const NousBuiltinTable nous_aggregation_table = {
	AGG_FAMILY, aggregations, lengthof(aggregations), sizeof(AggBuiltin)
};

/* Aggregate the n x k column-major matrix x into out/outp with built-in b. */
void
nous_aggregate_apply(const NousBuiltin *b, Jsonb *params, const double *x,
					 const bool *present, int n, int k, const double *w,
					 double *out, bool *outp)
{
	nous_status st;

	nous_builtin_check(b, params);
	st = ((const AggBuiltin *) b)->apply(b, params, x, present, n, k, w, out, outp);
	if (st != NOUS_OK)
		nous_report_status(st, b->name);
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
		const NousBuiltin *b = m->builtin ? nous_builtin_find(NORM_FAMILY, m->spec.name) : NULL;

		if (b != NULL)
			nous_normalise_apply(b, NOUS_METHOD_PARAMS(m), col, pcol, n, &centre);
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
	const NousBuiltin *b = m->builtin ? nous_builtin_find(AGG_FAMILY, m->spec.name) : NULL;

	if (b != NULL)
	{
		nous_aggregate_apply(b, NOUS_METHOD_PARAMS(m), x, present, n, k, w, out, outp);
		return;
	}
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

/*
 * The SQL function of a built-in: nous.aggregate_<name>(matrix float8[],
 * weights float8[], params jsonb).
 */
static Datum
aggregate_builtin_sql(FunctionCallInfo fcinfo, const char *name)
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
	const NousBuiltin *b = nous_builtin_find(AGG_FAMILY, name);

	if (b == NULL)
		elog(ERROR, "nous: unknown built-in aggregation \"%s\"", name);
	matrix_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), &n, &k, &x, &present);
	w = weights_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), k);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		params = PG_GETARG_JSONB_P(2);
	out = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	outp = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
	nous_aggregate_apply(b, params, x, present, n, k, w, out, outp);
	v.n = n;
	v.present = outp;
	PG_RETURN_ARRAYTYPE_P(nous_vec_to_array(&v, out));
}

PG_FUNCTION_INFO_V1(nous_aggregate_mean);
PG_FUNCTION_INFO_V1(nous_aggregate_geometric);
PG_FUNCTION_INFO_V1(nous_aggregate_power);
PG_FUNCTION_INFO_V1(nous_aggregate_mpi);
PG_FUNCTION_INFO_V1(nous_aggregate_rankmean);
PG_FUNCTION_INFO_V1(nous_aggregate_worstq);
PG_FUNCTION_INFO_V1(nous_aggregate_pca);

/* nous.aggregate_mean(matrix, weights, params) */
Datum
nous_aggregate_mean(PG_FUNCTION_ARGS)
{
	return aggregate_builtin_sql(fcinfo, "mean");
}

/* nous.aggregate_geometric(matrix, weights, params) */
Datum
nous_aggregate_geometric(PG_FUNCTION_ARGS)
{
	return aggregate_builtin_sql(fcinfo, "geometric");
}

/* nous.aggregate_power(matrix, weights, params) */
Datum
nous_aggregate_power(PG_FUNCTION_ARGS)
{
	return aggregate_builtin_sql(fcinfo, "power");
}

/* nous.aggregate_mpi(matrix, weights, params) */
Datum
nous_aggregate_mpi(PG_FUNCTION_ARGS)
{
	return aggregate_builtin_sql(fcinfo, "mpi");
}

/* nous.aggregate_rankmean(matrix, weights, params) */
Datum
nous_aggregate_rankmean(PG_FUNCTION_ARGS)
{
	return aggregate_builtin_sql(fcinfo, "rankmean");
}

/* nous.aggregate_worstq(matrix, weights, params) */
Datum
nous_aggregate_worstq(PG_FUNCTION_ARGS)
{
	return aggregate_builtin_sql(fcinfo, "worstq");
}

/* nous.aggregate_pca(matrix, weights, params) */
Datum
nous_aggregate_pca(PG_FUNCTION_ARGS)
{
	return aggregate_builtin_sql(fcinfo, "pca");
}

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

/*
 * The scores of one partition or group from its column-major n x k matrix:
 * coverage (before normalisation: a method may turn values into NULL),
 * normalisation and polarity per column, aggregation, then the coverage
 * rule.  x and present are overwritten; cov receives each row's coverage.
 */
static void
composite_scores(ResolvedMethods *rm, double *x, bool *present, int n, int k,
				 const double *w, const int *pol, double *score, bool *scorep,
				 double *cov)
{
	int			i;

	nous_coverage(present, n, k, w, cov);
	normalise_matrix(&rm->norm, x, present, n, k, pol);
	aggregate_matrix(&rm->agg, x, present, n, k, w, score, scorep);
	for (i = 0; i < n; i++)
		scorep[i] = scorep[i] && cov[i] > 0.0 &&
			cov[i] >= rm->min_coverage - 1e-12;
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

	cov = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	/* the scores go straight into the partition's memory */
	composite_scores(rm, x, present, (int) n, k, w, pol, part->score, part->present, cov);
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
/* nous.composite_agg(): the aggregate form                             */
/* ------------------------------------------------------------------ */

/*
 * The state keeps one row per input row: its key and its k values packed
 * row-major as doubles, NaN standing for a NULL element (NaN is refused on
 * input, so it cannot be confused with a value).  The arguments that must be
 * the same in every row (weights, polarity, methods) are kept once, checked
 * on each row (pointer comparison first: constants come as the same datum).
 */
#define CAGG_VERSION 1
#define CAGG_MAX_K 10000
#define CAGG_SPEC_MAX 255

typedef struct CompAggState
{
	int			k;				/* components; -1 while unknown */
	bool		args_set;		/* the constant arguments are known */
	int64		n;				/* rows */
	int64		cap;			/* allocated rows */
	int64	   *keys;
	double	   *x;				/* cap x k, row-major, NaN = NULL */
	bool		has_w;
	bool		has_pol;
	double	   *w;				/* k weights as given (has_w) */
	int		   *pol;			/* k polarities (has_pol) */
	char		norm[CAGG_SPEC_MAX + 1];
	char		agg[CAGG_SPEC_MAX + 1];
	/* last datums seen for the constant arguments (transition only) */
	Datum		last[4];
	bool		lastnull[4];
	bool		last_valid;
	struct varlena *orig[4];	/* detoasted copies of the first row's */
} CompAggState;

static void
cagg_grow(CompAggState *st, int64 need)
{
	int64		cap = st->cap;

	if (need <= cap)
		return;
	if ((Size) need > MaxAllocHugeSize / sizeof(double) / Max(st->k, 1))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("group of %lld rows is too large for nous.composite_agg", (long long) need)));
	cap = Max(cap * 2, Max(need, 1024));
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
static void
cagg_set_k(CompAggState *st, int k)
{
	int64		i;

	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values must not be empty"),
				 errdetail("Give at least one component.")));
	if (k > CAGG_MAX_K)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("values has %d elements, more than the %d nous.composite_agg accepts",
						k, CAGG_MAX_K)));
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
	char	   *s = text_arg(d, isnull, what, hint);

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
		kw = array_arg_length(d[0], false);
		st->has_w = true;
	}
	if (!isnull[1])
	{
		kp = array_arg_length(d[1], false);
		st->has_pol = true;
		/* checked against its own length now, against k below */
		st->pol = polarity_from_datum(d[1], false, kp);
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
			st->w = weights_from_datum(d[0], false, st->k);
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
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "values: expected a float8 array");
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values must be a one-dimensional array"),
				 errdetail("Row %lld of the group has %d dimensions.",
						   (long long) st->n + 1, ARR_NDIM(a))));
	nitems = ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
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

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "nous_composite_agg_trans called in non-aggregate context");
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
		cagg_first_row(st, fcinfo, nargs);
	}
	else
	{
		st = (CompAggState *) PG_GETARG_POINTER(0);
		cagg_same_args(st, fcinfo, nargs);
	}
	if (st->n >= st->cap)
		cagg_grow(st, st->n + 1);
	cagg_append_values(st, PG_GETARG_DATUM(2), PG_ARGISNULL(2));
	st->keys[st->n] = PG_GETARG_INT64(1);
	st->n++;
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* Error unless two states have the same constant arguments. */
static void
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
static void
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

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "nous_composite_agg_combine called in non-aggregate context");
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

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "nous_composite_agg_serialize called in non-aggregate context");
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
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid serialized state of nous.composite_agg"),
			 errdetail("%s", detail)));
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

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "nous_composite_agg_deserialize called in non-aggregate context");
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

PG_FUNCTION_INFO_V1(nous_composite_agg_final);

/*
 * composite_agg final: sort the rows by key, then compute what
 * nous.composite computes over the same rows; returns nous.composite_scores
 * (keys, scores, coverage), empty arrays for an empty input.
 */
Datum
nous_composite_agg_final(PG_FUNCTION_ARGS)
{
	CompAggState *st = PG_ARGISNULL(0) ? NULL : (CompAggState *) PG_GETARG_POINTER(0);
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
		w = st->has_w ? st->w : weights_from_datum((Datum) 0, true, k);
		pol = palloc(sizeof(int) * k);
		for (j = 0; j < k; j++)
			pol[j] = st->has_pol ? st->pol[j] : 1;
		rm = resolve_methods(fcinfo->flinfo, st->norm, st->agg);
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
		composite_scores(rm, x, present, n, k, w, pol, score, scorep, cov);
		pfree(x);
		pfree(present);
	}
	else
	{
		/* every values array is NULL and nothing gives k: still check methods */
		(void) resolve_methods(fcinfo->flinfo, st->norm, st->agg);
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
