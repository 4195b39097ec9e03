/*
 * index_methods.c — the aggregation method family: the descriptor table of its
 * built-ins (method_table.h), their SQL functions nous.aggregate_<name>(),
 * and nous.aggregate(matrix, weights, method) (sql/30_index.sql).
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
#include "index_glue.h"

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


static const AggBuiltin aggregations[] = {
	{{"mean", {NOUS_P_END}, NAN, "nous_agg_mean"}, apply_mean},
	{{"geometric", {NOUS_P_ANY("shift", 0.0, NULL)}, NAN, "nous_agg_geometric"}, apply_geometric},
	{{"power", {NOUS_P_ANY("p", 1.0, NULL)}, NAN, "nous_agg_power"}, apply_power},
	{{"mpi", {NOUS_P_RANGE("sign", NOUS_PARAM_INTEGER, 1.0, -1.0, 1.0, false, false, "must be 1 or -1",
						  "1 penalises unbalance upwards (higher means more fragile); -1 downwards."),
			  NOUS_P_SD(NOUS_SD_POPULATION), NOUS_P_BOOL("rescale", 1)}, NAN, "nous_agg_mpi"}, apply_mpi},
	{{"rankmean", {NOUS_P_TIES}, NAN, "nous_agg_rankmean"}, apply_rankmean},
	{{"worstq", {NOUS_P_RANGE("q", NOUS_PARAM_NUMBER, 0.75, 0.0, 1.0, false, false, "must be in [0, 1]", NULL),
				 NOUS_P_BOOL("strict", 0)}, NAN, "nous_agg_worstq"}, apply_worstq},
	{{"pca", {NOUS_P_SD(NOUS_SD_SAMPLE)}, NAN, "nous_pca_scores"}, apply_pca},
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
	NousMethod *m;
	char	   *spec;
	NousVec		v;

	spec = index_text_arg(PG_GETARG_DATUM(2), PG_ARGISNULL(2), "method",
					"Name an aggregation method, for example 'mean'; see nous.methods.");
	index_matrix_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), &n, &k, &x, &present);
	w = index_weights_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), k);
	m = &nous_method_cached(fcinfo->flinfo, sizeof(NousMethodCache), AGG_FAMILY,
							spec, NULL)->method;
	out = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	outp = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
	index_aggregate_matrix(m, x, present, n, k, w, out, outp);
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
	index_matrix_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), &n, &k, &x, &present);
	w = index_weights_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), k);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		params = PG_GETARG_JSONB_P(2);
	out = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	outp = palloc_extended(sizeof(bool) * Max(n, 1), MCXT_ALLOC_HUGE);
	nous_aggregate_apply(b, params, x, present, n, k, w, out, outp);
	v.n = n;
	v.present = outp;
	PG_RETURN_ARRAYTYPE_P(nous_vec_to_array(&v, out));
}

/* nous.aggregate_mean(matrix, weights, params) */
NOUS_ENTRY(nous_aggregate_mean, aggregate_builtin_sql(fcinfo, "mean"));

/* nous.aggregate_geometric(matrix, weights, params) */
NOUS_ENTRY(nous_aggregate_geometric, aggregate_builtin_sql(fcinfo, "geometric"));

/* nous.aggregate_power(matrix, weights, params) */
NOUS_ENTRY(nous_aggregate_power, aggregate_builtin_sql(fcinfo, "power"));

/* nous.aggregate_mpi(matrix, weights, params) */
NOUS_ENTRY(nous_aggregate_mpi, aggregate_builtin_sql(fcinfo, "mpi"));

/* nous.aggregate_rankmean(matrix, weights, params) */
NOUS_ENTRY(nous_aggregate_rankmean, aggregate_builtin_sql(fcinfo, "rankmean"));

/* nous.aggregate_worstq(matrix, weights, params) */
NOUS_ENTRY(nous_aggregate_worstq, aggregate_builtin_sql(fcinfo, "worstq"));

/* nous.aggregate_pca(matrix, weights, params) */
NOUS_ENTRY(nous_aggregate_pca, aggregate_builtin_sql(fcinfo, "pca"));
