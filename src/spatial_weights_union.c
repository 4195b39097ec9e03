/*
 * spatial_weights_union.c — nous.weights_union(a, b): the areas and links
 * of two weights values (bigint or text ids), the transition and combine
 * function of the aggregate nous.weights_union(w), whose state is
 * nous.weights itself.
 */
#include "postgres.h"

#include "fmgr.h"

#include "nous.h"
#include "spatial_glue.h"

/* ---- weights as a combinable state: the union ---- */

PG_FUNCTION_INFO_V1(nous_weights_union2);

/*
 * nous.weights_union(a, b): the areas and links of both (transition and
 * combine function of the aggregate nous.weights_union(w)).
 */
Datum
nous_weights_union2(PG_FUNCTION_ARGS)
{
	NousWeights *a,
			   *b;
	int64	   *from,
			   *to,
			   *nodes;
	size_t		m = 0,
				nn = 0;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	a = weights_get(PG_GETARG_DATUM(0));
	b = weights_get(PG_GETARG_DATUM(1));
	if (WEIGHTS_IS_TEXT(a) != WEIGHTS_IS_TEXT(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("nous.weights_union: weights with bigint ids and weights with text ids do not mix"),
				 errdetail("nous.weights holds bigint ids, nous.text_weights text ids.")));
	if (WEIGHTS_IS_TEXT(a))
	{
		/* the strings of a then of b: the links name them by number */
		nous_strings strs = {0};
		int64		base = 0;

		from = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
		to = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
		nodes = palloc_extended(sizeof(int64) * Max((Size) a->n + b->n, 1), MCXT_ALLOC_HUGE);
		for (int pass = 0; pass < 2; pass++)
		{
			NousWeights *w = pass == 0 ? a : b;

			for (int32 i = 0; i < w->n; i++)
			{
				(void) strs_push(CurrentMemoryContext, &strs, WEIGHTS_STR(w, i), strlen(WEIGHTS_STR(w, i)));
				nodes[nn++] = base + i;
				for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
				{
					from[m] = base + i;
					to[m++] = base + WEIGHTS_COL(w)[k];
				}
			}
			base += w->n;
		}
		PG_RETURN_POINTER(weights_from_text_links(from, to, m, nodes, nn, &strs));
	}
	from = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
	to = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
	nodes = palloc_extended(sizeof(int64) * Max((Size) a->n + b->n, 1), MCXT_ALLOC_HUGE);
	for (int pass = 0; pass < 2; pass++)
	{
		NousWeights *w = pass == 0 ? a : b;

		for (int32 i = 0; i < w->n; i++)
		{
			nodes[nn++] = WEIGHTS_IDS(w)[i];
			for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
			{
				from[m] = WEIGHTS_IDS(w)[i];
				to[m++] = WEIGHTS_IDS(w)[WEIGHTS_COL(w)[k]];
			}
		}
	}
	PG_RETURN_POINTER(weights_from_links(from, to, m, nodes, nn));
}

