/*
 * spatial.c — spatial weights as a graph: construction, checks, lookup,
 * connected components, and candidate pairs from bounding boxes (see spatial.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spatial.h"
#include "spatial_internal.h"

/* ---- graph construction ---- */

typedef struct edge
{
	int64_t		a;
	int64_t		b;
} edge;

int
nous_cmp_i64(const void *p, const void *q)
{
	int64_t		a = *(const int64_t *) p,
				b = *(const int64_t *) q;

	return (a > b) - (a < b);
}

static int
cmp_edge(const void *p, const void *q)
{
	const edge *a = p,
			   *b = q;

	if (a->a != b->a)
		return (a->a > b->a) - (a->a < b->a);
	return (a->b > b->b) - (a->b < b->b);
}

static int32_t
find_id(const int64_t *ids, int32_t n, int64_t id)
{
	int32_t		lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int32_t
nous_graph_find(const nous_graph *g, int64_t id)
{
	return find_id(g->ids, g->n, id);
}

/* Compressed sparse row storage (Eisenstat et al. 1977, Yale sparse matrix). */
nous_status
nous_graph_build(const int64_t *from, const int64_t *to, size_t m,
				 const int64_t *nodes, size_t nn,
				 int64_t **ids_out, int32_t *n_out, int32_t **rowptr_out,
				 int32_t **col_out, int32_t *nnz_out, int64_t *bad_id)
{
	int64_t    *all;
	edge	   *e;
	size_t		na = 0,
				i,
				ne = 0;
	int32_t		n = 0,
				nnz = 0;
	int32_t    *rowptr = NULL,
			   *col = NULL;
	nous_status st = NOUS_ERR_NOMEM;

	*ids_out = NULL;
	*rowptr_out = NULL;
	*col_out = NULL;
	if (m > NOUS_GRAPH_MAX || nn > NOUS_GRAPH_MAX)
		return NOUS_ERR_PARAM;
	for (i = 0; i < m; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (from[i] == to[i])
		{
			*bad_id = from[i];
			return NOUS_ERR_DOMAIN;
		}
	}
	all = nous_alloc(sizeof(int64_t) * (2 * m + nn));
	e = nous_alloc(sizeof(edge) * m);
	if (all == NULL || e == NULL)
		goto fail;
	for (i = 0; i < m; i++)
	{
		all[na++] = from[i];
		all[na++] = to[i];
		e[i].a = from[i];
		e[i].b = to[i];
	}
	for (i = 0; i < nn; i++)
		all[na++] = nodes[i];
	if (nous_sort(all, na, sizeof(int64_t), nous_cmp_i64) != NOUS_OK ||
		nous_sort(e, m, sizeof(edge), cmp_edge) != NOUS_OK)
		goto fail;
	for (i = 0; i < na; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (n == 0 || all[i] != all[n - 1])
			all[n++] = all[i];
	}
	if (n > NOUS_GRAPH_MAX)
	{
		st = NOUS_ERR_PARAM;
		goto fail;
	}
	for (i = 0; i < m; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (ne == 0 || e[i].a != e[ne - 1].a || e[i].b != e[ne - 1].b)
			e[ne++] = e[i];
	}
	rowptr = nous_alloc(sizeof(int32_t) * ((size_t) n + 1));
	col = nous_alloc(sizeof(int32_t) * (ne > 0 ? ne : 1));
	if (rowptr == NULL || col == NULL)
		goto fail;
	memset(rowptr, 0, sizeof(int32_t) * ((size_t) n + 1));
	/* edges are sorted by (from, to) and ids are sorted: one merge pass */
	for (i = 0; i < ne; i++)
	{
		int32_t		a = find_id(all, n, e[i].a);

		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();

		rowptr[a + 1]++;
		col[nnz++] = find_id(all, n, e[i].b);
	}
	for (i = 0; i < (size_t) n; i++)
		rowptr[i + 1] += rowptr[i];
	nous_free(e);
	*ids_out = all;
	*n_out = n;
	*rowptr_out = rowptr;
	*col_out = col;
	*nnz_out = nnz;
	return NOUS_OK;
fail:
	nous_free(all);
	nous_free(e);
	nous_free(rowptr);
	nous_free(col);
	return st;
}

bool
nous_graph_valid(const nous_graph *g, const char **err)
{
	int32_t		i;

	if (g->n < 0 || g->nnz < 0 || g->n > NOUS_GRAPH_MAX || g->nnz > NOUS_GRAPH_MAX)
	{
		*err = "The number of areas or links is out of range.";
		return false;
	}
	for (i = 1; i < g->n; i++)
		if (!(g->ids[i] > g->ids[i - 1]))
		{
			*err = "The ids are not strictly increasing.";
			return false;
		}
	if (g->rowptr[0] != 0 || g->rowptr[g->n] != g->nnz)
	{
		*err = "The row pointers do not span the links.";
		return false;
	}
	/* every row pointer first: a row is read only once its span is known
	 * to lie inside the links (the fuzzer found the read past the end) */
	for (i = 0; i < g->n; i++)
		if (g->rowptr[i + 1] < g->rowptr[i])
		{
			*err = "The row pointers decrease.";
			return false;
		}
	for (i = 0; i < g->n; i++)
	{
		int32_t		k;

		for (k = g->rowptr[i]; k < g->rowptr[i + 1]; k++)
		{
			if (g->col[k] < 0 || g->col[k] >= g->n || g->col[k] == i ||
				(k > g->rowptr[i] && g->col[k] <= g->col[k - 1]))
			{
				*err = "A neighbour index is out of range, repeated, unsorted or a self-link.";
				return false;
			}
		}
	}
	return true;
}

/* ---- candidate pairs by bounding boxes ---- */

static const double *sort_key;

static int
cmp_by_key(const void *p, const void *q)
{
	double		a = sort_key[*(const int32_t *) p],
				b = sort_key[*(const int32_t *) q];

	return (a > b) - (a < b);
}

nous_status
nous_bbox_pairs(const double *xmin, const double *ymin, const double *xmax,
				const double *ymax, int32_t n, int32_t **pi, int32_t **pj, size_t *np)
{
	return nous_bbox_pairs_max(xmin, ymin, xmax, ymax, n, NULL, NULL, SIZE_MAX, pi, pj, np);
}

/* Plane sweep over xmin with an active list (Preparata & Shamos 1985). */
nous_status
nous_bbox_pairs_max(const double *xmin, const double *ymin, const double *xmax,
					const double *ymax, int32_t n,
					bool (*keep) (void *arg, int32_t i, int32_t j), void *arg,
					size_t max, int32_t **pi, int32_t **pj, size_t *np)
{
	int32_t    *order,
			   *active;
	int32_t		na = 0,
				k;
	size_t		cap = 1024,
				cnt = 0;
	int32_t    *a,
			   *b;
	long		work = 0;

	*pi = *pj = NULL;
	*np = 0;
	order = nous_alloc(sizeof(int32_t) * (size_t) (n > 0 ? n : 1));
	active = nous_alloc(sizeof(int32_t) * (size_t) (n > 0 ? n : 1));
	a = nous_alloc(sizeof(int32_t) * cap);
	b = nous_alloc(sizeof(int32_t) * cap);
	if (order == NULL || active == NULL || a == NULL || b == NULL)
		goto nomem;
	for (k = 0; k < n; k++)
		order[k] = k;
	sort_key = xmin;
	if (nous_sort(order, (size_t) n, sizeof(int32_t), cmp_by_key) != NOUS_OK)
		goto nomem;
	for (k = 0; k < n; k++)
	{
		int32_t		c = order[k],
					t;

		for (t = 0; t < na;)
		{
			int32_t		o = active[t];

			if ((++work & (NOUS_INTERRUPT_EVERY - 1)) == 0)
				NOUS_CHECK_INTERRUPTS();
			if (xmax[o] < xmin[c])
			{
				active[t] = active[--na];	/* it ends before every later box */
				continue;
			}
			if (ymin[o] <= ymax[c] && ymin[c] <= ymax[o] &&
				(keep == NULL || keep(arg, o < c ? o : c, o < c ? c : o)))
			{
				/* never more than max pairs, never memory for more */
				if (cnt >= max)
				{
					nous_free(order);
					nous_free(active);
					nous_free(a);
					nous_free(b);
					*np = cnt;
					return NOUS_ERR_LIMIT;
				}
				if (cnt == cap)
				{
					size_t		cap2 = cap * 2;
					int32_t    *a2,
							   *b2;

					if (cap2 > max)
						cap2 = max;
					a2 = nous_alloc(sizeof(int32_t) * cap2);
					b2 = nous_alloc(sizeof(int32_t) * cap2);

					if (a2 == NULL || b2 == NULL)
					{
						nous_free(a2);
						nous_free(b2);
						goto nomem;
					}
					memcpy(a2, a, sizeof(int32_t) * cap);
					memcpy(b2, b, sizeof(int32_t) * cap);
					nous_free(a);
					nous_free(b);
					a = a2;
					b = b2;
					cap = cap2;
				}
				a[cnt] = o < c ? o : c;
				b[cnt] = o < c ? c : o;
				cnt++;
			}
			t++;
		}
		active[na++] = c;
	}
	nous_free(order);
	nous_free(active);
	*pi = a;
	*pj = b;
	*np = cnt;
	return NOUS_OK;
nomem:
	nous_free(order);
	nous_free(active);
	nous_free(a);
	nous_free(b);
	return NOUS_ERR_NOMEM;
}



static int32_t
uf_find(int32_t *parent, int32_t i)
{
	while (parent[i] != i)
	{
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

/* Tarjan (1975), "Efficiency of a good but not linear set union algorithm". */
nous_status
nous_graph_components(const nous_graph *g, int32_t *comp)
{
	int32_t		i,
				k;

	for (i = 0; i < g->n; i++)
		comp[i] = i;
	for (i = 0; i < g->n; i++)
	{
		if ((i & 4095) == 0)
			NOUS_CHECK_INTERRUPTS();
		for (k = g->rowptr[i]; k < g->rowptr[i + 1]; k++)
		{
			int32_t		a = uf_find(comp, i),
						b = uf_find(comp, g->col[k]);

			/* the smaller index is the root: roots are component minima */
			if (a < b)
				comp[b] = a;
			else if (b < a)
				comp[a] = b;
		}
	}
	for (i = 0; i < g->n; i++)
		comp[i] = uf_find(comp, i);
	return NOUS_OK;
}

/* Getis & Ord (1992) "The analysis of spatial association by use of distance
 * statistics", Geogr. Anal. 24:189-206; Ord & Getis (1995) Geogr. Anal.
 * 27:286-306 (z-scores of Gi and Gi*, as spdep localG). */
