/*
 * classes_methods.c — the built-in break methods of the classification
 * family: their descriptor table (method_table.h) and their SQL functions
 * nous.breaks_<name>(values float8[], k int4, params jsonb)
 * (sql/60_classes.sql).
 *
 * A method of the family takes (values float8[], k int4 [, params jsonb]) and
 * returns the upper bounds of the classes, strictly increasing, the last one
 * the maximum of the values.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "nous.h"
#include "classes.h"
#include "classes_glue.h"
#include "method_table.h"


#define FAMILY "classification"


/*
 * The non-NULL values of a float8[] argument, finite, sorted (a copy).
 * Rejects a NULL or multidimensional array and NaN/Infinity.
 */
static double *
sorted_values_arg(FunctionCallInfo fcinfo, size_t *n)
{
	ArrayType  *a;
	double	   *x;
	size_t		m = 0;
	int			len;
	bits8	   *bitmap;
	double	   *data;

	NOUS_REQUIRE_ARG(0, "values");
	a = PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("values must be a one-dimensional array"),
				 errdetail("The array has %d dimensions.", ARR_NDIM(a))));
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "values: expected a float8 array");
	len = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
	bitmap = ARR_NULLBITMAP(a);
	data = (double *) ARR_DATA_PTR(a);
	x = palloc_extended(sizeof(double) * Max(len, 1), MCXT_ALLOC_HUGE);
	for (int i = 0; i < len; i++)
	{
		if ((i & 65535) == 0)
			CHECK_FOR_INTERRUPTS();
		if (bitmap && !(bitmap[i / 8] & (1 << (i % 8))))
			continue;
		x[m] = *data++;
		classes_check_finite(x[m], "value");
		m++;
	}
	if (m == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values must hold at least one non-NULL value"),
				 len == 0 ? errdetail("The array is empty.") :
				 len == 1 ? errdetail("Its only element is NULL.") :
				 errdetail("All %d elements are NULL.", len)));
	if (nous_sort_values(x, m) != NOUS_OK)
		nous_report_status(NOUS_ERR_NOMEM, "breaks");
	*n = m;
	return x;
}

/* Arguments every built-in shares: values, k, params. */
static Jsonb *
method_args(FunctionCallInfo fcinfo, const NousBuiltin *b, double **x, size_t *n,
			int32 *k)
{
	Jsonb	   *params = NULL;

	NOUS_REQUIRE_ARG(1, "number of classes");
	*k = PG_GETARG_INT32(1);
	classes_check_k(*k);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		params = PG_GETARG_JSONB_P(2);
	nous_builtin_check(b, params);
	*x = sorted_values_arg(fcinfo, n);
	return params;
}

static Datum
breaks_result(const double *out, int nout)
{
	return PointerGetDatum(classes_doubles_to_array(out, nout));
}

/*
 * The family's built-ins: one descriptor each.  An apply function gets the
 * sorted finite values, k and the checked parameters, and writes the upper
 * bounds.
 */
typedef nous_status (*breaks_apply) (const NousBuiltin *b, Jsonb *params,
									 const double *x, size_t n, int k,
									 double *out, int *nout);

typedef struct BreaksBuiltin
{
	NousBuiltin d;
	breaks_apply apply;
} BreaksBuiltin;

/* the dynamic programme keeps one argmin per value and class */
static nous_status
apply_fisher(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
			 int k, double *out, int *nout)
{
	(void) b, (void) params;
	classes_fisher_size_check(n, k, "values");
	classes_fisher_work_check(nous_distinct_sorted(x, n), k);
	return nous_breaks_fisher(x, n, k, out, nout, NULL);
}

static nous_status
apply_quantile(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
			   int k, double *out, int *nout)
{
	return nous_breaks_quantile(x, n, k, (int) nous_builtin_number(b, params, "type", NULL),
								out, nout);
}

static nous_status
apply_equal(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
			int k, double *out, int *nout)
{
	(void) b, (void) params;
	return nous_breaks_equal(x, n, k, out, nout);
}

static nous_status
apply_sd(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
		 int k, double *out, int *nout)
{
	return nous_breaks_sd(x, n, k, nous_builtin_number(b, params, "width", NULL), out, nout);
}

static nous_status
apply_headtails(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
				int k, double *out, int *nout)
{
	return nous_breaks_headtails(x, n, k, nous_builtin_number(b, params, "thr", NULL),
								 out, nout);
}

static nous_status
apply_pretty(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
			 int k, double *out, int *nout)
{
	(void) b, (void) params;
	return nous_breaks_pretty(x, n, k, out, nout);
}

/* box-plot breaks: k is ignored (always 6 classes) */
static nous_status
apply_box(const NousBuiltin *b, Jsonb *params, const double *x, size_t n,
		  int k, double *out, int *nout)
{
	(void) k;
	return nous_breaks_box(x, n, nous_builtin_number(b, params, "hinge", NULL), out, nout);
}

static const BreaksBuiltin classifications[] = {
	{{"fisher", {NOUS_P_END}, NAN, "nous_breaks_fisher"}, apply_fisher},
	{{"quantile", {NOUS_P_RANGE("type", NOUS_PARAM_INTEGER, 7, 1, 9, false, false,
							   "must be an integer from 1 to 9",
							   "The quantile type is an integer from 1 to 9 (Hyndman and Fan 1996); R's default is 7.")},
	NAN, "nous_breaks_quantile"}, apply_quantile},
	{{"equal", {NOUS_P_END}, NAN, "nous_breaks_equal"}, apply_equal},
	{{"sd", {NOUS_P_RANGE("width", NOUS_PARAM_NUMBER, 1.0, 0.0, INFINITY, true, false, "must be positive", NULL)},
	NAN, "nous_breaks_sd"}, apply_sd},
	{{"headtails", {NOUS_P_RANGE("thr", NOUS_PARAM_NUMBER, 0.4, 0.0, 1.0, true, false, "must be in (0, 1]", NULL)},
	NAN, "nous_breaks_headtails"}, apply_headtails},
	{{"pretty", {NOUS_P_END}, NAN, "nous_breaks_pretty"}, apply_pretty},
	{{"box", {NOUS_P_RANGE("hinge", NOUS_PARAM_NUMBER, 1.5, 0.0, INFINITY, false, false, "must not be negative", NULL)},
	NAN, "nous_breaks_box"}, apply_box},
};

const NousBuiltinTable nous_classification_table = {
	FAMILY, classifications, lengthof(classifications), sizeof(BreaksBuiltin)
};

/*
 * The SQL function of a built-in: nous.breaks_<name>(values float8[], k int4,
 * params jsonb) → float8[] of upper bounds.
 */
static Datum
breaks_builtin_sql(FunctionCallInfo fcinfo, const char *name)
{
	const NousBuiltin *b = nous_builtin_find(FAMILY, name);
	Jsonb	   *params;
	double	   *x;
	size_t		n;
	int32		k;
	double	   *out;
	int			nout;

	if (b == NULL)
		elog(ERROR, "nous: unknown built-in classification \"%s\"", name);
	params = method_args(fcinfo, b, &x, &n, &k);
	out = palloc(sizeof(double) * NOUS_BREAKS_MAX(Max(k, 6)));
	classes_method_status(((const BreaksBuiltin *) b)->apply(b, params, x, n, k, out, &nout), b->name);
	PG_RETURN_DATUM(breaks_result(out, nout));
}

/* nous.breaks_fisher(values, k, params): Fisher's exact natural breaks */
NOUS_ENTRY(nous_breaks_fisher_sql, breaks_builtin_sql(fcinfo, "fisher"));

/* nous.breaks_quantile(values, k, params): quantiles of type 1..9 */
NOUS_ENTRY(nous_breaks_quantile_sql, breaks_builtin_sql(fcinfo, "quantile"));

/* nous.breaks_equal(values, k, params): equal intervals */
NOUS_ENTRY(nous_breaks_equal_sql, breaks_builtin_sql(fcinfo, "equal"));

/* nous.breaks_sd(values, k, params): standard-deviation classes */
NOUS_ENTRY(nous_breaks_sd_sql, breaks_builtin_sql(fcinfo, "sd"));

/* nous.breaks_headtails(values, k, params): head/tail breaks */
NOUS_ENTRY(nous_breaks_headtails_sql, breaks_builtin_sql(fcinfo, "headtails"));

/* nous.breaks_pretty(values, k, params): pretty breaks */
NOUS_ENTRY(nous_breaks_pretty_sql, breaks_builtin_sql(fcinfo, "pretty"));

/* nous.breaks_box(values, k, params): box-plot breaks, k ignored */
NOUS_ENTRY(nous_breaks_box_sql, breaks_builtin_sql(fcinfo, "box"));

/*
 * The C names of nous 0.1.0, which sql/released/nous--0.1.0.sql names: a
 * database still at 0.1.0 calls these until ALTER EXTENSION nous UPDATE.
 */

NOUS_ENTRY(pg_nous_breaks_fisher, nous_breaks_fisher_sql(fcinfo));

NOUS_ENTRY(pg_nous_breaks_quantile, nous_breaks_quantile_sql(fcinfo));

NOUS_ENTRY(pg_nous_breaks_equal, nous_breaks_equal_sql(fcinfo));

NOUS_ENTRY(pg_nous_breaks_sd, nous_breaks_sd_sql(fcinfo));

NOUS_ENTRY(pg_nous_breaks_headtails, nous_breaks_headtails_sql(fcinfo));

NOUS_ENTRY(pg_nous_breaks_pretty, nous_breaks_pretty_sql(fcinfo));

NOUS_ENTRY(pg_nous_breaks_box, nous_breaks_box_sql(fcinfo));
