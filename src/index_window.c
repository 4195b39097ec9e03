/*
 * index_window.c — nous.composite(values, weights, polarity, normalise,
 * aggregate) OVER (...): the window function that scores every row of its
 * partition (sql/30_index.sql).
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
/* nous.composite(): the window function                                */
/* ------------------------------------------------------------------ */


/* Copy row i's values array into column-major x/present (k known). */
static void
read_values_row(Datum d, int64 i, int64 n, int k, double *x, bool *present)
{
	ArrayType  *a = DatumGetArrayTypeP(d);
	int			nitems = index_values_length(a, "partition", i);
	bits8	   *bitmap = ARR_NULLBITMAP(a);
	const double *data = (const double *) ARR_DATA_PTR(a);
	int			j;

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
	norm_text = index_text_arg(args[3], nulls[3], "normalise",
						 "Name a normalisation method, for example 'zscore'; see nous.methods.");
	agg_text = index_text_arg(args[4], nulls[4], "aggregate",
						"Name an aggregation method, for example 'mean'; see nous.methods.");
	rm = index_resolve_methods(fcinfo->flinfo, norm_text, agg_text);
	k = index_array_length(args[1], nulls[1]);
	if (k < 0)
		k = index_array_length(args[2], nulls[2]);

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
			k = index_array_length(d, false);
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
		return;
	}
	if (x == NULL)
	{
		x = palloc_extended(sizeof(double) * (size_t) n * k, MCXT_ALLOC_HUGE);
		present = palloc_extended(sizeof(bool) * (size_t) n * k, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	}
	w = index_weights_from_datum(args[1], nulls[1], k);
	pol = index_polarity_from_datum(args[2], nulls[2], k);

	cov = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	/* the scores go straight into the partition's memory */
	index_composite_scores(rm, x, present, (int) n, k, w, pol, part->score, part->present, cov);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
}

/*
 * nous.composite(values, weights, polarity, normalise, aggregate) OVER (...):
 * on the first row of a partition, read the whole partition once, normalise
 * each component over it, aggregate each row, keep the scores in partition
 * memory; return the current row's score.
 */
NOUS_ENTRY(nous_composite, index_window_score(fcinfo, composite_compute));
