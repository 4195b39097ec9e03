/*
 * index_pca.c — nous.pca_first(matrix, polarity, sd): the first principal
 * component of standardised indicators, FDep-style (sql/30_index.sql).
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
	index_matrix_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), &n, &k, &x, &present);
	pol = index_polarity_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), k);
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
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("principal components could not be computed"),
				 errdetail("The eigen solver (LAPACK dsyev) did not converge on the %d x %d correlation matrix.", k, k)));
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
