/*
 * index_matrix.c — what nous.composite() and nous.composite_agg() share:
 * matrices, weights and polarity read from SQL arrays, the methods resolved
 * with the min_coverage rule, normalisation and aggregation of a matrix
 * (built-ins through their descriptor, user methods through the registry),
 * and the scores of one partition or group.
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

/* ------------------------------------------------------------------ */
/* matrices, weights, polarity                                          */
/* ------------------------------------------------------------------ */

/* Unpack a two-dimensional float8[] n x k into a column-major matrix. */
void
index_matrix_from_datum(Datum d, bool isnull, int *n, int *k, double **x, bool **present)
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
ArrayType *
index_matrix_to_array(const double *x, const bool *present, int n, int k)
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
double *
index_weights_from_datum(Datum d, bool isnull, int k)
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
int *
index_polarity_from_datum(Datum d, bool isnull, int k)
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
				 errmsg("polarity must be a one-dimensional array"),
				 errdetail("The array has %d dimensions.", ARR_NDIM(a))));
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


/*
 * Split min_coverage out of an aggregation specification: the rest is what
 * the method receives.
 */
void
index_split_coverage(const char *spec_text, char *rest, size_t restlen, double *min_cov)
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

ResolvedMethods *
index_resolve_methods(FmgrInfo *flinfo, const char *norm_text, const char *agg_text)
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

		index_split_coverage(agg_text, rest, sizeof(rest), &r->min_coverage);
		nous_method_resolve(NORM_FAMILY, norm_text, flinfo->fn_mcxt, &r->norm);
		nous_method_resolve(AGG_FAMILY, rest, flinfo->fn_mcxt, &r->agg);
	}
	strlcpy(r->norm_text, norm_text, sizeof(r->norm_text));
	strlcpy(r->agg_text, agg_text, sizeof(r->agg_text));
	return r;
}

ArrayType *
index_normalise_call(NousMethod *m, Datum values, int n)
{
	Datum		result = nous_method_call_notnull(m, &values, 1, "normalisation",
												  "A method must return an array as long as its input.");
	ArrayType  *out;
	int			nout;

	out = DatumGetArrayTypeP(result);
	nout = ArrayGetNItems(ARR_NDIM(out), ARR_DIMS(out));
	if (ARR_NDIM(out) > 1 || nout != n || ARR_ELEMTYPE(out) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("normalisation method \"%s\" returned %d values for %d",
						m->spec.name, nout, n),
				 errdetail("A method must return a one-dimensional array as long as its input.")));
	return out;
}

/* Normalise one column in place, through C or the registered function. */
static void
normalise_column(NousMethod *m, double *x, bool *present, int n)
{
	Datum	   *elems;
	bool	   *nulls;
	ArrayType  *in,
			   *outa;
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
	outa = index_normalise_call(m, PointerGetDatum(in), n);
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
								m->spec.name),
						 errdetail("Element %d is %s.", i + 1,
								   isnan(x[i]) ? "NaN" : x[i] > 0 ? "Infinity" : "-Infinity"),
						 errhint("A method must return finite values, or NULL where it has none.")));
		}
	}
}

/* Normalise the polarity-oriented columns: normalise, then reflect. */
void
index_normalise_matrix(NousMethod *m, double *x, bool *present, int n, int k,
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
void
index_aggregate_matrix(NousMethod *m, const double *x, const bool *present, int n,
				 int k, const double *w, double *out, bool *outp)
{
	Datum		args[2];
	Datum		result;
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
	args[0] = PointerGetDatum(index_matrix_to_array(x, present, n, k));
	args[1] = PointerGetDatum(construct_md_array(welems, NULL, 1, dims, lbs, FLOAT8OID,
												 sizeof(float8), FLOAT8PASSBYVAL,
												 TYPALIGN_DOUBLE));
	result = nous_method_call_notnull(m, args, 2, "aggregation",
									  "A method must return an array of one score per row of the matrix.");
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
							m->spec.name),
					 errdetail("The score of row %d is %s.", i + 1,
							   isnan(out[i]) ? "NaN" : out[i] > 0 ? "Infinity" : "-Infinity"),
					 errhint("A method must return finite scores, or NULL where it has none.")));
	}
}

char *
index_text_arg(Datum d, bool isnull, const char *what, const char *hint)
{
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what),
				 errhint("%s", hint)));
	return TextDatumGetCString(d);
}

/*
 * Number of elements of a values array (float8, one dimension), or an
 * ERROR naming the row: where is "partition" or "group" (row is then its
 * 0-based number), NULL for a single row.
 */
int
index_values_length(ArrayType *a, const char *where, int64 row)
{
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "values: expected a float8 array");
	if (ARR_NDIM(a) > 1)
	{
		if (where == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("values must be a one-dimensional array"),
					 errdetail("The array has %d dimensions.", ARR_NDIM(a))));
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values must be a one-dimensional array"),
				 errdetail("Row %lld of the %s has %d dimensions.",
						   (long long) row + 1, where, ARR_NDIM(a))));
	}
	return ArrayGetNItems(ARR_NDIM(a), ARR_DIMS(a));
}

void
index_bad_components(int k)
{
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values must not be empty"),
				 errdetail("Give at least one component.")));
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("values has %d elements, at most %d are allowed", k, INDEX_MAX_K)));
	pg_unreachable();
}

/* Length of a one-dimensional array argument, -1 when NULL. */
int
index_array_length(Datum d, bool isnull)
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
void
index_composite_scores(ResolvedMethods *rm, double *x, bool *present, int n, int k,
				 const double *w, const int *pol, double *score, bool *scorep,
				 double *cov)
{
	int			i;

	nous_coverage(present, n, k, w, cov);
	index_normalise_matrix(&rm->norm, x, present, n, k, pol);
	index_aggregate_matrix(&rm->agg, x, present, n, k, w, score, scorep);
	for (i = 0; i < n; i++)
		scorep[i] = scorep[i] && cov[i] > 0.0 &&
			cov[i] >= rm->min_coverage - 1e-12;
}

/*
 * The current row's value of a partition, computed on its first row; NULL
 * when it has none.  No WinSetMarkPosition: the function reads no row again, and moving the
 * mark on every row would switch the tuplestore's read pointer away from the
 * executor's each time — once the partition spills to disk, a block read per
 * row (issue 14).  The partition stays in the tuplestore until its end, as
 * it already had to for the first call to read it whole.
 */
Datum
index_window_score(FunctionCallInfo fcinfo, IndexPartitionCompute compute)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	CompositePartition *part;
	int64		cur;

	part = WinGetPartitionLocalMemory(winobj, sizeof(CompositePartition));
	if (!part->done)
	{
		compute(fcinfo, winobj, part);
		part->done = true;
	}
	cur = WinGetCurrentPosition(winobj);
	if (cur >= part->n || !part->present[cur])
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(part->score[cur]);
}
