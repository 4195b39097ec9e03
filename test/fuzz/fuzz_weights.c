/*
 * libFuzzer target for the decoders of nous.weights in src/core/spatial_weights.c:
 * the first byte picks the text form (nous_weights_parse) or the stored
 * form (nous_weights_view, full checks); any byte string is accepted or
 * refused with a reason, never read out of bounds.  A parsed text builds a
 * graph whose stored form views back with every check passing; a stored
 * value that passes the full check is walked link by link.
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

static void
from_stored(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size == 0 ? 1 : size);	/* aligned, exactly size bytes */
	nous_graph	g;
	const char *why = NULL;
	int64_t		sum = 0;

	memcpy(buf, data, size);
	if (nous_weights_view(buf, size, true, &g, &why) == NOUS_OK)
	{
		for (int32_t i = 0; i < g.n; i++)
			for (int32_t k = g.rowptr[i]; k < g.rowptr[i + 1]; k++)
				sum += g.ids[g.col[k]];
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
	else
		from_text(data + 1, size - 1);
	return 0;
}
