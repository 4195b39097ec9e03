/*
 * survey_calibrate.c — calibration of design weights on population margins
 * (linear/GREG, raking, logit with bounds: the Calmar methods of Deville &
 * Sarndal 1992) and the GREG residuals that the variance after calibration
 * is computed from.  The solver is in src/core/survey.c.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "survey_glue.h"

/* a float8[] without NULL, NaN or Infinity, as doubles; dims in *ndim/dims */
static double *
doubles_of(ArrayType *a, const char *what, int *ndim, int *dims, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	double	   *x;
	int			i;

	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "%s must be float8[]", what);
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, n);
	*ndim = ARR_NDIM(a);
	for (i = 0; i < *ndim && i < 2; i++)
		dims[i] = ARR_DIMS(a)[i];
	x = palloc(sizeof(double) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s contains a NULL", what),
					 errdetail("Element %d of %s is NULL.", i + 1, what)));
		x[i] = DatumGetFloat8(elems[i]);
		if (!isfinite(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s contains a value that is not finite", what),
					 errdetail("Element %d of %s is %g.", i + 1, what, x[i])));
	}
	return x;
}

/* a float8[] of n values */
static ArrayType *
float8_array(const double *x, int n)
{
	Datum	   *el = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		el[i] = Float8GetDatum(x[i]);
	return construct_array(el, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* the design weights d (positive) and the matrix X (n x p) */
static void
cal_inputs(FunctionCallInfo fcinfo, double **d, int *n, double **X, int *p)
{
	int			nd,
				dims[2],
				nx,
				i;

	*d = doubles_of(PG_GETARG_ARRAYTYPE_P(0), "weights", &nd, dims, n);
	if (*n == 0 || nd != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must be a non-empty one-dimensional array"),
				 errdetail("weights has %d element(s) in %d dimension(s).", *n, nd),
				 errhint("Pass one design weight per sampled unit.")));
	for (i = 0; i < *n; i++)
		if ((*d)[i] <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid weight %g", (*d)[i]),
					 errdetail("Design weights must be positive; element %d is not.", i + 1)));
	*X = doubles_of(PG_GETARG_ARRAYTYPE_P(1), "x", &nd, dims, &nx);
	if (nd != 2 || dims[0] != *n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a two-dimensional array with one row per weight"),
				 errdetail("x has %d dimension(s)%s; there are %d weights.", nd,
						   nd == 2 ? psprintf(" and %d rows", dims[0]) : "", *n)));
	*p = dims[1];
}

PG_FUNCTION_INFO_V1(nous_svy_calibrate);
Datum
nous_svy_calibrate(PG_FUNCTION_ARGS)
{
	double	   *d,
			   *X,
			   *T,
			   *w,
				lo = 0,
				up = 0,
				tol,
				maxerr;
	int			n,
				p,
				nt,
				nd,
				dims[2],
				maxit,
				iters,
				fun;
	char	   *method;
	nous_status st;
	TupleDesc	td;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
		PG_ARGISNULL(6) || PG_ARGISNULL(7))
		PG_RETURN_NULL();
	cal_inputs(fcinfo, &d, &n, &X, &p);
	T = doubles_of(PG_GETARG_ARRAYTYPE_P(2), "totals", &nd, dims, &nt);
	if (nt != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("totals has %d elements but x has %d columns", nt, p),
				 errdetail("Give one population total per column of x.")));
	method = text_to_cstring(PG_GETARG_TEXT_PP(3));
	fun = nous_svy_calfun_parse(method);
	if (fun < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown calibration method \"%s\"", method),
				 errdetail("The methods are linear, raking and logit.")));
	if (fun == NOUS_CAL_LOGIT)
	{
		if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("logit calibration needs bounds"),
					 errdetail("The logit method keeps each ratio w/d of calibrated to design weight within [lower, upper]; %s is NULL.",
							   PG_ARGISNULL(4) ? "lower" : "upper"),
					 errhint("Pass lower => L and upper => U with 0 <= L < 1 < U.")));
		lo = PG_GETARG_FLOAT8(4);
		up = PG_GETARG_FLOAT8(5);
		if (!(lo >= 0 && lo < 1 && up > 1 && isfinite(up)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid logit bounds [%g, %g]", lo, up),
					 errdetail("The bounds of the weight ratio w/d must satisfy 0 <= L < 1 < U.")));
	}
	else if (!PG_ARGISNULL(4) || !PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bounds are only used by the logit method"),
				 errdetail("Method %s takes no lower or upper bound.", method)));
	maxit = PG_GETARG_INT32(6);
	tol = PG_GETARG_FLOAT8(7);
	if (maxit < 1 || maxit > 10000 || !(tol > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid max_iter %d or tolerance %g", maxit, tol),
				 errdetail("max_iter must be in [1, 10000] and tolerance positive.")));
	w = palloc(sizeof(double) * n);
	st = nous_svy_cal_solve(n, p, d, X, T, fun, lo, up, maxit, tol, w, &iters, &maxerr);
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("calibration did not converge: the margins cannot be met"),
				 errdetail("After %d Newton steps of the %s method the largest relative gap to a margin is %g.",
						   iters, method, maxerr),
				 errhint("Check that the margins agree (the same population total in each variable)%s.",
						 fun == NOUS_CAL_LOGIT ? ", or widen the bounds" : "")));
	if (st != NOUS_OK)
		nous_report_status(st, "nous.svy_calibrate");
	td = nous_row_desc(fcinfo);
	values[0] = PointerGetDatum(float8_array(w, n));
	values[1] = Int32GetDatum(iters);
	values[2] = Float8GetDatum(maxerr);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

PG_FUNCTION_INFO_V1(nous_svy_greg_residuals);
Datum
nous_svy_greg_residuals(PG_FUNCTION_ARGS)
{
	double	   *d,
			   *X,
			   *y,
			   *e;
	int			n,
				p,
				ny,
				nd,
				dims[2];

	cal_inputs(fcinfo, &d, &n, &X, &p);
	y = doubles_of(PG_GETARG_ARRAYTYPE_P(2), "y", &nd, dims, &ny);
	if (ny != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("y has %d elements but there are %d weights", ny, n),
				 errhint("Give one value of y per weight, in the order of the weights.")));
	e = palloc(sizeof(double) * n);
	nous_svy_greg_resid(n, p, d, X, y, e);
	PG_RETURN_ARRAYTYPE_P(float8_array(e, n));
}
