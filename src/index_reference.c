/*
 * index_reference.c — references of the index module: nous.reference_gap()
 * OVER (...) (gap to the reference, base 100) and nous.qpv_income_threshold()
 * (décret 2014-767) (sql/30_index.sql).
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
/* nous.reference_gap(num, den) OVER (...)                              */
/* ------------------------------------------------------------------ */

/*
 * 100 (num / den) / (sum num / sum den) over the partition (the reference
 * territory), from counts; rows with a NULL count are left out of the sums.
 */
static void
reference_gap_compute(FunctionCallInfo fcinfo, WindowObject winobj,
					  CompositePartition *part)
{
	MemoryContext partcxt = GetMemoryChunkContext(part);
	int64		n = WinGetPartitionRowCount(winobj),
				i;
	double	   *num,
			   *den;
	bool	   *present;
	nous_status st;

	(void) fcinfo;				/* the arguments are read through winobj */
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
}

NOUS_ENTRY(nous_reference_gap_sql, index_window_score(fcinfo, reference_gap_compute));

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
