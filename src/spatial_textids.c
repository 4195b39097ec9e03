/*
 * spatial_textids.c — areas keyed by text ids (INSEE codes such as 2A004,
 * IRIS 441090102, square ids CRS3035RES200mN...): the strings collected by
 * the aggregates, the weights with text ids built from them (the areas
 * numbered by the rank of their id in byte order, then the string table of
 * spatial.h appended), and the helpers that name an area in results and
 * messages.  Every computation runs on the ranks, so the statistics of
 * text ids are those of bigint ids numbered in the same order.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "nous.h"
#include "spatial_glue.h"

int64
strs_push(MemoryContext ctx, nous_strings *b, const char *s, Size len)
{
	if (b->n + 2 > b->ocap)
	{
		Size		ncap = b->ocap < 16 ? 16 : 2 * b->ocap;

		if (ncap > (Size) NOUS_GRAPH_MAX * 2 + 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many text ids"),
					 errdetail("At most %d areas and %d links are supported.", NOUS_GRAPH_MAX, NOUS_GRAPH_MAX)));
		if (b->off == NULL)
		{
			b->off = MemoryContextAllocHuge(ctx, sizeof(size_t) * ncap);
			b->off[0] = 0;
		}
		else
			b->off = repalloc_huge(b->off, sizeof(size_t) * ncap);
		b->ocap = ncap;
	}
	if (b->off[b->n] + len + 1 > b->cap)
	{
		Size		ncap = b->cap < 256 ? 256 : b->cap;

		while (ncap < b->off[b->n] + len + 1)
			ncap *= 2;
		if (ncap > (Size) PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("text ids too long"),
					 errdetail("The text ids of one value take at most 2 GB.")));
		if (b->chars == NULL)
			b->chars = MemoryContextAllocHuge(ctx, ncap);
		else
			b->chars = repalloc_huge(b->chars, ncap);
		b->cap = ncap;
	}
	memcpy(b->chars + b->off[b->n], s, len);
	b->chars[b->off[b->n] + len] = '\0';
	b->off[b->n + 1] = b->off[b->n] + len + 1;
	return (int64) b->n++;
}

int64
strs_push_text(MemoryContext ctx, nous_strings *b, Datum t)
{
	text	   *v = DatumGetTextPP(t);

	return strs_push(ctx, b, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));
}

NousWeights *
weights_attach_names(NousWeights *g, const char *const *names)
{
	Size		nchars = 0,
				sz;
	NousWeights *w;
	int32	   *off;

	for (int32 r = 0; r < g->n; r++)
	{
		if (WEIGHTS_IDS(g)[r] != r)
			elog(ERROR, "text weights: the areas are not numbered by their ranks");
		if (r > 0 && strcmp(names[r - 1], names[r]) >= 0)
			elog(ERROR, "text weights: the ids are not sorted");
		nchars += strlen(names[r]) + 1;
	}
	if (nchars > (Size) PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("text ids too long"),
				 errdetail("The text ids of one value take at most 2 GB.")));
	sz = nous_weights_size_text(g->n, g->nnz, nchars);
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("weights too large: %d areas and %d links", g->n, g->nnz)));
	w = palloc0(sz);
	memcpy(w, g, VARSIZE(g));
	SET_VARSIZE(w, sz);
	w->flags = NOUS_WEIGHTS_TEXT_IDS;
	off = WEIGHTS_STROFF(w);
	off[0] = 0;
	for (int32 r = 0; r < g->n; r++)
	{
		size_t		len = strlen(names[r]) + 1;

		memcpy(WEIGHTS_CHARS(w) + off[r], names[r], len);
		off[r + 1] = off[r] + (int32) len;
	}
	return w;
}

const char **
strs_ranks(const nous_strings *strs, int64 *rank, size_t *nu)
{
	size_t	   *first = NULL;
	const char **names;

	if (nous_strings_rank(strs, (int64_t *) rank, nu, &first) != NOUS_OK)
		nous_report_status(NOUS_ERR_NOMEM, "nous.text_weights");
	names = palloc_extended(sizeof(char *) * Max(*nu, 1), MCXT_ALLOC_HUGE);
	for (size_t r = 0; r < *nu; r++)
		names[r] = strs->chars + strs->off[first[r]];
	nous_free(first);
	return names;
}

char *
spatial_id_name(const char *const *names, int64 id)
{
	if (names != NULL)
		return psprintf("\"%s\"", names[id]);
	return psprintf(INT64_FORMAT, id);
}

NousWeights *
weights_from_text_links(const int64 *from, const int64 *to, size_t m,
						const int64 *nodes, size_t nn, const nous_strings *strs)
{
	int64	   *rank = palloc_extended(sizeof(int64) * Max(strs->n, 1), MCXT_ALLOC_HUGE);
	int64	   *rf = palloc_extended(sizeof(int64) * Max(m, 1), MCXT_ALLOC_HUGE);
	int64	   *rt = palloc_extended(sizeof(int64) * Max(m, 1), MCXT_ALLOC_HUGE);
	int64	   *rn = palloc_extended(sizeof(int64) * Max(nn, 1), MCXT_ALLOC_HUGE);
	size_t		nu = 0;
	const char **names = strs_ranks(strs, rank, &nu);
	NousWeights *g,
			   *w;

	for (size_t k = 0; k < m; k++)
	{
		rf[k] = rank[from[k]];
		rt[k] = rank[to[k]];
		if (rf[k] == rt[k])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("area \"%s\" is its own neighbour", strs->chars + strs->off[from[k]]),
					 errdetail("Spatial weights have no self-links (w_ii = 0)."),
					 errhint("Remove the rows where from_id = to_id.")));
	}
	for (size_t k = 0; k < nn; k++)
		rn[k] = rank[nodes[k]];
	g = weights_from_links(rf, rt, m, rn, nn);
	if ((size_t) g->n != nu)
		elog(ERROR, "text weights: %d areas for %zu distinct ids", g->n, nu);
	w = weights_attach_names(g, names);
	pfree(g);
	pfree(names);
	pfree(rank);
	pfree(rf);
	pfree(rt);
	pfree(rn);
	return w;
}

Datum
weights_id_datum(NousWeights *w, int32 i)
{
	if (WEIGHTS_IS_TEXT(w))
		return CStringGetTextDatum(WEIGHTS_STR(w, i));
	return Int64GetDatum(WEIGHTS_IDS(w)[i]);
}

char *
weights_id_name(NousWeights *w, int32 i)
{
	if (WEIGHTS_IS_TEXT(w))
		return psprintf("\"%s\"", WEIGHTS_STR(w, i));
	return psprintf(INT64_FORMAT, WEIGHTS_IDS(w)[i]);
}

int32
weights_find_text(NousWeights *w, const char *s)
{
	nous_strtab t = {w->n, WEIGHTS_STROFF(w), WEIGHTS_CHARS(w)};

	return nous_strtab_find(&t, s);
}

void
weights_check_id_type(NousWeights *w, Oid idtype, const char *what)
{
	bool		text = idtype == TEXTOID;

	if (text != WEIGHTS_IS_TEXT(w))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: the weights have %s ids, not %s ids", what,
						WEIGHTS_IS_TEXT(w) ? "text" : "bigint", text ? "text" : "bigint"),
				 errdetail("Areas keyed by text ids use nous.text_weights and nous.text_area_values; bigint ids use nous.weights and nous.area_values; the two do not mix."),
				 errhint("Build the weights and the values from ids of the same type.")));
}
