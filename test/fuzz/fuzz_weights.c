/*
 * libFuzzer target for the decoders of nous.weights in src/core/spatial_weights.c:
 * the first byte picks the text form (nous_weights_parse), the text form
 * with text ids (nous_weights_parse_text, bit 2) or the stored form
 * (nous_weights_view_ids, full checks; bigint or text ids); any byte string
 * is accepted or refused with a reason, never read out of bounds.  A parsed
 * text builds a graph whose stored form views back with every check
 * passing; a stored value that passes the full check is walked link by
 * link, and each of its text ids is found at its own index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spatial.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
from_text(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	nous_weights_links l;
	const char *why = NULL;
	int64_t    *ids,
				bad;
	int32_t    *rowptr,
			   *col,
				n,
				nnz;

	memcpy(s, data, size);
	s[size] = '\0';
	if (nous_weights_parse(s, &l, &why) != NOUS_OK)
	{
		if (why == NULL || why[0] == '\0')
			abort();			/* a refusal says why */
		free(s);
		return;
	}
	if (nous_graph_build(l.from, l.to, l.m, l.nodes, l.nn, &ids, &n, &rowptr, &col, &nnz, &bad) == NOUS_OK)
	{
		nous_graph	g = {n, nnz, ids, rowptr, col},
					v;
		size_t		len = nous_weights_size(n, nnz);
		unsigned char *buf = malloc(len);

		nous_weights_write(buf, &g);
		if (nous_weights_view(buf, len, true, &v, &why) != NOUS_OK || v.n != n || v.nnz != nnz)
			abort();			/* what the library writes, it reads */
		free(buf);
		free(ids);
		free(rowptr);
		free(col);
	}
	nous_weights_links_free(&l);
	free(s);
}

/* the text form with text ids: ranked, built, written with its table, viewed back */
static void
from_text_ids(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	nous_weights_links l;
	nous_strings strs;
	const char *why = NULL;
	int64_t    *ids,
			   *rank,
				bad;
	int32_t    *rowptr,
			   *col,
				n,
				nnz;
	size_t		nu = 0,
			   *first = NULL;

	memcpy(s, data, size);
	s[size] = '\0';
	if (nous_weights_parse_text(s, &l, &strs, &why) != NOUS_OK)
	{
		if (why == NULL || why[0] == '\0')
			abort();
		free(s);
		return;
	}
	rank = malloc(sizeof(int64_t) * (strs.n + 1));
	if (nous_strings_rank(&strs, rank, &nu, &first) != NOUS_OK)
		abort();
	for (size_t k = 0; k < l.m; k++)
	{
		l.from[k] = rank[l.from[k]];
		l.to[k] = rank[l.to[k]];
	}
	for (size_t k = 0; k < l.nn; k++)
		l.nodes[k] = rank[l.nodes[k]];
	if (nous_graph_build(l.from, l.to, l.m, l.nodes, l.nn, &ids, &n, &rowptr, &col, &nnz, &bad) == NOUS_OK)
	{
		nous_graph	g = {n, nnz, ids, rowptr, col},
					v;
		int32_t    *off = malloc(sizeof(int32_t) * ((size_t) n + 1));
		size_t		nchars = 0,
					len;
		char	   *chars;
		unsigned char *buf;
		nous_strtab t,
					tv;

		if ((size_t) n != nu)
			abort();			/* every string is an area */
		for (int32_t r = 0; r < n; r++)
			nchars += strlen(strs.chars + strs.off[first[r]]) + 1;
		chars = malloc(nchars + 1);
		off[0] = 0;
		for (int32_t r = 0; r < n; r++)
		{
			size_t		len1 = strlen(strs.chars + strs.off[first[r]]) + 1;

			memcpy(chars + off[r], strs.chars + strs.off[first[r]], len1);
			off[r + 1] = off[r] + (int32_t) len1;
		}
		t.n = n;
		t.off = off;
		t.chars = chars;
		len = nous_weights_size_text(n, nnz, nchars);
		buf = malloc(len);
		nous_weights_write_text(buf, &g, &t);
		if (nous_weights_view_ids(buf, len, true, &v, &tv, &why) != NOUS_OK || v.n != n || tv.n != n)
			abort();			/* what the library writes, it reads */
		free(buf);
		free(chars);
		free(off);
		free(ids);
		free(rowptr);
		free(col);
	}
	free(first);
	free(rank);
	nous_weights_links_free(&l);
	nous_strings_free(&strs);
	free(s);
}

static void
from_stored(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size == 0 ? 1 : size);	/* aligned, exactly size bytes */
	nous_graph	g;
	nous_strtab t;
	const char *why = NULL;
	uint64_t	sum = 0;		/* wraps: only the reads matter */

	memcpy(buf, data, size);
	if (nous_weights_view_ids(buf, size, true, &g, &t, &why) == NOUS_OK)
	{
		for (int32_t i = 0; i < t.n; i++)
			if (nous_strtab_find(&t, t.chars + t.off[i]) != i)
				abort();
		for (int32_t i = 0; i < g.n; i++)
			for (int32_t k = g.rowptr[i]; k < g.rowptr[i + 1]; k++)
				sum += (uint64_t) g.ids[g.col[k]];
		if (g.n > 0 && nous_graph_find(&g, g.ids[g.n - 1]) != g.n - 1)
			abort();
	}
	else if (why == NULL || why[0] == '\0')
		abort();
	(void) sum;
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		from_stored(data + 1, size - 1);
	else if (data[0] & 2)
		from_text_ids(data + 1, size - 1);
	else
		from_text(data + 1, size - 1);
	return 0;
}
