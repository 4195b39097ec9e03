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

/*
 * The key of area i of w in the union: its id; with text ids, base + i, the
 * number of its string once the strings of the values before it (base of
 * them) are pushed.
 */
static inline int64
union_key(NousWeights *w, int32 i, bool text, int64 base)
{
	return text ? base + i : WEIGHTS_IDS(w)[i];
}

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
	bool		text;
	nous_strings strs = {0};	/* text ids: the strings of a then of b */
	int64		base = 0;

	NOUS_RETURN_STATE_IF_NULL(1);
	if (PG_ARGISNULL(0))
		PG_RETURN_DATUM(PG_GETARG_DATUM(1));
	a = weights_get(PG_GETARG_DATUM(0));
	b = weights_get(PG_GETARG_DATUM(1));
	text = WEIGHTS_IS_TEXT(a);
	if (text != WEIGHTS_IS_TEXT(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("nous.weights_union: weights with bigint ids and weights with text ids do not mix"),
				 errdetail("nous.weights holds bigint ids, nous.text_weights text ids.")));
	from = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
	to = palloc_extended(sizeof(int64) * Max((Size) a->nnz + b->nnz, 1), MCXT_ALLOC_HUGE);
	nodes = palloc_extended(sizeof(int64) * Max((Size) a->n + b->n, 1), MCXT_ALLOC_HUGE);
	for (int pass = 0; pass < 2; pass++)
	{
		NousWeights *w = pass == 0 ? a : b;

		for (int32 i = 0; i < w->n; i++)
		{
			if (text)
				(void) strs_push(CurrentMemoryContext, &strs, WEIGHTS_STR(w, i), strlen(WEIGHTS_STR(w, i)));
			nodes[nn++] = union_key(w, i, text, base);
			for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
			{
				from[m] = union_key(w, i, text, base);
				to[m++] = union_key(w, WEIGHTS_COL(w)[k], text, base);
			}
		}
		base += w->n;
	}
	if (text)
		PG_RETURN_POINTER(weights_from_text_links(from, to, m, nodes, nn, &strs));
	PG_RETURN_POINTER(weights_from_links(from, to, m, nodes, nn));
}
