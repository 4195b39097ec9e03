/*
 * spatial.c — spatial weights and spatial autocorrelation (see spatial.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spatial.h"

/* ---- graph construction ---- */

typedef struct edge
{
	int64_t		a;
	int64_t		b;
} edge;

static int
cmp_i64(const void *p, const void *q)
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
	int32_t    *rowptr,
			   *col;

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
	{
		nous_free(all);
		nous_free(e);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < m; i++)
	{
		all[na++] = from[i];
		all[na++] = to[i];
		e[i].a = from[i];
		e[i].b = to[i];
	}
	for (i = 0; i < nn; i++)
		all[na++] = nodes[i];
	if (nous_sort(all, na, sizeof(int64_t), cmp_i64) != NOUS_OK ||
		nous_sort(e, m, sizeof(edge), cmp_edge) != NOUS_OK)
	{
		nous_free(all);
		nous_free(e);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < na; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (n == 0 || all[i] != all[n - 1])
			all[n++] = all[i];
	}
	if (n > NOUS_GRAPH_MAX)
	{
		nous_free(all);
		nous_free(e);
		return NOUS_ERR_PARAM;
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
	{
		nous_free(all);
		nous_free(e);
		nous_free(rowptr);
		nous_free(col);
		return NOUS_ERR_NOMEM;
	}
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
	for (i = 0; i < g->n; i++)
	{
		int32_t		k;

		if (g->rowptr[i + 1] < g->rowptr[i])
		{
			*err = "The row pointers decrease.";
			return false;
		}
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

/* ---- weighted sub-graph of the areas with a value ---- */

typedef struct wmat
{
	int32_t		n;
	int64_t		nnz;
	int32_t    *rowptr;
	int32_t    *col;
	double	   *w;				/* weight of each link after the style */
	double	   *rw;				/* the (common) weight of each row's links */
	int32_t    *orig;			/* compact index -> graph node */
	double	   *x;
	int32_t		islands;
	double		s0,
				s1,
				s2;
} wmat;

static void
wmat_free(wmat *m)
{
	nous_free(m->rowptr);
	nous_free(m->col);
	nous_free(m->w);
	nous_free(m->rw);
	nous_free(m->orig);
	nous_free(m->x);
}

/* Style weights as spdep nb2listw (B, W, C) and the constants S0, S1, S2
 * of Cliff & Ord (1981). */
static nous_status
wmat_build(const nous_graph *g, const double *x, nous_wstyle style, wmat *m)
{
	int32_t    *newidx;
	int32_t		i,
				n = 0;
	int64_t		nnz = 0;
	double	   *colsum;

	memset(m, 0, sizeof(*m));
	newidx = nous_alloc(sizeof(int32_t) * (size_t) (g->n > 0 ? g->n : 1));
	if (newidx == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < g->n; i++)
		newidx[i] = isnan(x[i]) ? -1 : n++;
	m->n = n;
	m->rowptr = nous_alloc(sizeof(int32_t) * ((size_t) n + 1));
	m->col = nous_alloc(sizeof(int32_t) * (size_t) (g->nnz > 0 ? g->nnz : 1));
	m->w = nous_alloc(sizeof(double) * (size_t) (g->nnz > 0 ? g->nnz : 1));
	m->rw = nous_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
	m->orig = nous_alloc(sizeof(int32_t) * (size_t) (n > 0 ? n : 1));
	m->x = nous_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
	colsum = nous_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
	if (!m->rowptr || !m->col || !m->w || !m->rw || !m->orig || !m->x || !colsum)
	{
		nous_free(newidx);
		nous_free(colsum);
		wmat_free(m);
		return NOUS_ERR_NOMEM;
	}
	m->rowptr[0] = 0;
	for (i = 0; i < g->n; i++)
	{
		int32_t		k,
					c = newidx[i];

		if (c < 0)
			continue;
		m->orig[c] = i;
		m->x[c] = x[i];
		for (k = g->rowptr[i]; k < g->rowptr[i + 1]; k++)
			if (newidx[g->col[k]] >= 0)
				m->col[nnz++] = newidx[g->col[k]];
		m->rowptr[c + 1] = (int32_t) nnz;
	}
	m->nnz = nnz;
	nous_free(newidx);
	for (i = 0; i < n; i++)
	{
		int32_t		deg = m->rowptr[i + 1] - m->rowptr[i];
		int32_t		k;
		double		w;

		if (deg == 0)
			m->islands++;
		switch (style)
		{
			case NOUS_STYLE_W:
				w = deg > 0 ? 1.0 / deg : 0.0;
				break;
			case NOUS_STYLE_C:
				w = nnz > 0 ? (double) n / (double) nnz : 0.0;
				break;
			default:
				w = 1.0;
				break;
		}
		m->rw[i] = w;
		for (k = m->rowptr[i]; k < m->rowptr[i + 1]; k++)
			m->w[k] = w;
	}
	/* S0, S1, S2 */
	memset(colsum, 0, sizeof(double) * (size_t) (n > 0 ? n : 1));
	for (i = 0; i < n; i++)
	{
		int32_t		k;
		double		rs = 0.0;

		for (k = m->rowptr[i]; k < m->rowptr[i + 1]; k++)
		{
			int32_t		j = m->col[k];
			int32_t		lo = m->rowptr[j],
						hi = m->rowptr[j + 1] - 1;
			double		wji = 0.0;
			bool		found = false;

			while (lo <= hi)
			{
				int32_t		mid = lo + (hi - lo) / 2;

				if (m->col[mid] == i)
				{
					found = true;
					wji = m->w[mid];
					break;
				}
				if (m->col[mid] < i)
					lo = mid + 1;
				else
					hi = mid - 1;
			}
			rs += m->w[k];
			colsum[j] += m->w[k];
			if (found)
				m->s1 += 0.5 * (m->w[k] + wji) * (m->w[k] + wji);
			else
				m->s1 += m->w[k] * m->w[k];
		}
		m->s0 += rs;
	}
	for (i = 0; i < n; i++)
	{
		int32_t		deg = m->rowptr[i + 1] - m->rowptr[i];
		double		rs = deg * m->rw[i];

		m->s2 += (rs + colsum[i]) * (rs + colsum[i]);
	}
	nous_free(colsum);
	return NOUS_OK;
}

/* ---- random numbers ---- */

/* SplitMix64 (Steele, Lea & Flood 2014). */
static inline uint64_t
splitmix(uint64_t *s)
{
	uint64_t	z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform integer in [0, m) (Lemire 2019 multiply-shift). */
static inline uint32_t
rand_below(uint64_t *s, uint32_t m)
{
	return (uint32_t) (((splitmix(s) >> 32) * (uint64_t) m) >> 32);
}

double
nous_p_two_sided(double z)
{
	if (isnan(z))
		return NAN;
	return erfc(fabs(z) / sqrt(2.0));
}

/* Folded pseudo p-value (esda convention; Hope 1968). */
static double
pseudo_p(long larger, int perms)
{
	if (perms - larger < larger)
		larger = perms - larger;
	return (double) (larger + 1) / (double) (perms + 1);
}

/* The statistic's cross-product numerator for values v (compact order). */
static double
cross(const wmat *m, const double *v, nous_global_kind kind)
{
	double		num = 0.0;
	int32_t		i,
				k;

	for (i = 0; i < m->n; i++)
	{
		double		s = 0.0;

		for (k = m->rowptr[i]; k < m->rowptr[i + 1]; k++)
		{
			double		vj = v[m->col[k]];

			if (kind == NOUS_GEARY)
				s += m->w[k] * (v[i] - vj) * (v[i] - vj);
			else
				s += m->w[k] * vj;
		}
		num += (kind == NOUS_GEARY) ? s : v[i] * s;
	}
	return num;
}

/*
 * Moran (1950) I, Geary (1954) C, Getis & Ord (1992) G with the moments of
 * Cliff & Ord (1981) under normality and randomisation (spdep moran.test,
 * geary.test, globalG.test).
 */
nous_status
nous_global_autocorr(const nous_graph *g, const double *x, nous_global_kind kind,
					 const nous_autocorr_opts *o, nous_global_result *r)
{
	wmat		m;
	nous_status st;
	double		n,
				s0,
				s1,
				s2,
				mean = 0.0,
				m2 = 0.0,
				m4 = 0.0,
				b2,
				num;
	double	   *z;
	int32_t		i;

	memset(r, 0, sizeof(*r));
	st = wmat_build(g, x, o->style, &m);
	if (st != NOUS_OK)
		return st;
	r->n = m.n;
	r->links = m.nnz;
	r->islands = m.islands;
	r->s0 = m.s0;
	r->s1 = m.s1;
	r->s2 = m.s2;
	if (m.islands > 0 && !o->keep_islands)
	{
		wmat_free(&m);
		return NOUS_ERR_DOMAIN;
	}
	if (m.n < 4 || m.nnz == 0)
	{
		wmat_free(&m);
		return NOUS_ERR_EMPTY;
	}
	n = m.n;
	s0 = m.s0;
	s1 = m.s1;
	s2 = m.s2;
	z = nous_alloc(sizeof(double) * (size_t) m.n);
	if (z == NULL)
	{
		wmat_free(&m);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < m.n; i++)
		mean += m.x[i];
	mean /= n;
	for (i = 0; i < m.n; i++)
	{
		z[i] = (kind == NOUS_GETIS_ORD) ? m.x[i] : m.x[i] - mean;
		m2 += (m.x[i] - mean) * (m.x[i] - mean);
		m4 += pow(m.x[i] - mean, 4);
	}
	b2 = n * m4 / (m2 * m2);
	num = cross(&m, z, kind);
	if (kind == NOUS_MORAN)
	{
		double		e = -1.0 / (n - 1.0);

		r->stat = (n / s0) * num / m2;
		r->expected = e;
		r->var_normal = (n * n * s1 - n * s2 + 3.0 * s0 * s0) / ((n * n - 1.0) * s0 * s0) - e * e;
		r->var_random = (n * ((n * n - 3.0 * n + 3.0) * s1 - n * s2 + 3.0 * s0 * s0)
						 - b2 * ((n * n - n) * s1 - 2.0 * n * s2 + 6.0 * s0 * s0))
			/ ((n - 1.0) * (n - 2.0) * (n - 3.0) * s0 * s0) - e * e;
	}
	else if (kind == NOUS_GEARY)
	{
		r->stat = (n - 1.0) * num / (2.0 * s0 * m2);
		r->expected = 1.0;
		r->var_normal = ((2.0 * s1 + s2) * (n - 1.0) - 4.0 * s0 * s0) / (2.0 * (n + 1.0) * s0 * s0);
		r->var_random = ((n - 1.0) * s1 * (n * n - 3.0 * n + 3.0 - (n - 1.0) * b2)
						 - 0.25 * (n - 1.0) * s2 * (n * n + 3.0 * n - 6.0 - (n * n - n + 2.0) * b2)
						 + s0 * s0 * (n * n - 3.0 - (n - 1.0) * (n - 1.0) * b2))
			/ (n * (n - 2.0) * (n - 3.0) * s0 * s0);
	}
	else
	{
		double		p1 = 0.0,
					p2 = 0.0,
					p3 = 0.0,
					p4 = 0.0,
					eg,
					eg2,
					b0c,
					b1c,
					b2c,
					b3c,
					b4c;

		for (i = 0; i < m.n; i++)
		{
			double		v = m.x[i];

			p1 += v;
			p2 += v * v;
			p3 += v * v * v;
			p4 += v * v * v * v;
		}
		r->stat = num / (p1 * p1 - p2);
		eg = s0 / (n * (n - 1.0));
		r->expected = eg;
		b0c = (n * n - 3.0 * n + 3.0) * s1 - n * s2 + 3.0 * s0 * s0;
		b1c = -((n * n - n) * s1 - 2.0 * n * s2 + 6.0 * s0 * s0);
		b2c = -(2.0 * n * s1 - (n + 3.0) * s2 + 6.0 * s0 * s0);
		b3c = 4.0 * (n - 1.0) * s1 - 2.0 * (n + 1.0) * s2 + 8.0 * s0 * s0;
		b4c = s1 - s2 + s0 * s0;
		eg2 = (b0c * p2 * p2 + b1c * p4 + b2c * p1 * p1 * p2 + b3c * p1 * p3 + b4c * p1 * p1 * p1 * p1)
			/ ((p1 * p1 - p2) * (p1 * p1 - p2) * n * (n - 1.0) * (n - 2.0) * (n - 3.0));
		r->var_normal = NAN;
		r->var_random = eg2 - eg * eg;
	}
	r->z_normal = (r->stat - r->expected) / sqrt(r->var_normal);
	r->z_random = (r->stat - r->expected) / sqrt(r->var_random);
	r->p_normal = nous_p_two_sided(r->z_normal);
	r->p_random = nous_p_two_sided(r->z_random);
	r->p_perm = NAN;
	if (o->permutations > 0 && m2 > 0.0)
	{
		uint64_t	seed = o->seed;
		long		larger = 0;
		int			p;

		for (p = 0; p < o->permutations; p++)
		{
			double		num_p;
			double		stat_p;

			NOUS_CHECK_INTERRUPTS();
			for (i = m.n - 1; i > 0; i--)
			{
				uint32_t	j = rand_below(&seed, (uint32_t) i + 1);
				double		t = z[i];

				z[i] = z[j];
				z[j] = t;
			}
			num_p = cross(&m, z, kind);
			/* G compares numerators: its denominator does not change */
			stat_p = (kind == NOUS_MORAN) ? (n / s0) * num_p / m2 :
				(kind == NOUS_GEARY) ? (n - 1.0) * num_p / (2.0 * s0 * m2) : num_p;
			if (stat_p >= (kind == NOUS_GETIS_ORD ? num : r->stat))
				larger++;
		}
		r->p_perm = pseudo_p(larger, o->permutations);
	}
	nous_free(z);
	wmat_free(&m);
	return NOUS_OK;
}

static int
cmp_pidx(const void *p, const void *q)
{
	double		a = ((const double *) p)[0],
				b = ((const double *) q)[0];

	return (a > b) - (a < b);
}

/* Benjamini & Hochberg (1995) step-up adjusted p-values, in place into q. */
static nous_status
bh_adjust(const double *p, const int32_t *idx, int32_t m, double *q_out, size_t stride)
{
	double	   *pair = nous_alloc(sizeof(double) * 2 * (size_t) (m > 0 ? m : 1));
	int32_t		i;
	double		run = 1.0;

	if (pair == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < m; i++)
	{
		pair[2 * i] = p[i];
		pair[2 * i + 1] = (double) idx[i];
	}
	if (nous_sort(pair, (size_t) m, 2 * sizeof(double), cmp_pidx) != NOUS_OK)
	{
		nous_free(pair);
		return NOUS_ERR_NOMEM;
	}
	for (i = m - 1; i >= 0; i--)
	{
		double		adj = pair[2 * i] * (double) m / (double) (i + 1);

		if (adj < run)
			run = adj;
		*(double *) ((char *) q_out + stride * (size_t) pair[2 * i + 1]) = run;
	}
	nous_free(pair);
	return NOUS_OK;
}

/* Anselin (1995) "Local indicators of spatial association - LISA", Geogr.
 * Anal. 27:93-115; conditional randomisation moments as spdep localmoran. */
nous_status
nous_local_moran(const nous_graph *g, const double *x, const nous_autocorr_opts *o,
				 nous_local_result *out, int32_t *islands)
{
	wmat		m;
	nous_status st;
	double		n,
				mean = 0.0,
				m2 = 0.0;
	double	   *z,
			   *pv;
	int32_t    *pool,
			   *where,
			   *idx;
	int32_t		i,
				cnt = 0;
	uint64_t	seed = o->seed;
	unsigned long work = 0;

	st = wmat_build(g, x, o->style, &m);
	if (st != NOUS_OK)
		return st;
	*islands = m.islands;
	if (m.islands > 0 && !o->keep_islands)
	{
		wmat_free(&m);
		return NOUS_ERR_DOMAIN;
	}
	if (m.n < 3)
	{
		wmat_free(&m);
		return NOUS_ERR_EMPTY;
	}
	n = m.n;
	z = nous_alloc(sizeof(double) * (size_t) m.n);
	pool = nous_alloc(sizeof(int32_t) * (size_t) m.n);
	where = nous_alloc(sizeof(int32_t) * (size_t) m.n);
	pv = nous_alloc(sizeof(double) * (size_t) m.n);
	idx = nous_alloc(sizeof(int32_t) * (size_t) m.n);
	if (!z || !pool || !where || !pv || !idx)
	{
		nous_free(z);
		nous_free(pool);
		nous_free(where);
		nous_free(pv);
		nous_free(idx);
		wmat_free(&m);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < m.n; i++)
		mean += m.x[i];
	mean /= n;
	for (i = 0; i < m.n; i++)
	{
		z[i] = m.x[i] - mean;
		m2 += z[i] * z[i];
		pool[i] = i;
		where[i] = i;
	}
	m2 /= n;
	for (i = 0; i < g->n; i++)
	{
		memset(&out[i], 0, sizeof(out[i]));
		out[i].ii = out[i].expected = out[i].variance = NAN;
		out[i].z = out[i].p_normal = out[i].p_perm = out[i].p_fdr = out[i].lag = NAN;
	}
	for (i = 0; i < m.n; i++)
	{
		nous_local_result *r = &out[m.orig[i]];
		int32_t		deg = m.rowptr[i + 1] - m.rowptr[i];
		int32_t		k;
		double		lag = 0.0,
					wi = 0.0,
					w2 = 0.0,
					N = n - 1.0,
					mu,
					s2;

		for (k = m.rowptr[i]; k < m.rowptr[i + 1]; k++)
		{
			lag += m.w[k] * z[m.col[k]];
			wi += m.w[k];
			w2 += m.w[k] * m.w[k];
		}
		r->lag = lag;
		r->ii = deg == 0 ? 0.0 : z[i] / m2 * lag;	/* no -0 for an island */
		mu = -z[i] / N;
		s2 = (n * m2 - z[i] * z[i]) / N - mu * mu;
		r->expected = z[i] / m2 * wi * mu;
		r->variance = (z[i] / m2) * (z[i] / m2) * s2 * N / (N - 1.0) * (w2 - wi * wi / N);
		r->z = (r->ii - r->expected) / sqrt(r->variance);
		if (deg == 0)
			r->z = NAN;
		r->p_normal = nous_p_two_sided(r->z);
		/* an island has no neighbourhood, hence no quadrant */
		r->quadrant = deg == 0 ? 0 : z[i] >= 0 ? (lag >= 0 ? 1 : 4) : (lag >= 0 ? 2 : 3);
		if (o->permutations > 0 && deg > 0 && deg < m.n && z[i] == 0.0)
			r->p_perm = 1.0;	/* Ii is 0 under every permutation: no evidence */
		else if (o->permutations > 0 && deg > 0 && deg < m.n)
		{
			long		larger = 0;
			int			p;
			double		rw = m.rw[i];

			/* put i at the end of the pool (found through where[], the
			 * inverse of pool): draw from the first n - 1 */
			k = where[i];
			pool[k] = pool[m.n - 1];
			where[pool[k]] = k;
			pool[m.n - 1] = i;
			where[i] = m.n - 1;
			for (p = 0; p < o->permutations; p++)
			{
				double		s = 0.0,
							isim;
				int32_t		t;

				for (t = 0; t < deg; t++)
				{
					uint32_t	j = (uint32_t) t + rand_below(&seed, (uint32_t) (m.n - 1 - t));
					int32_t		tmp = pool[t];

					pool[t] = pool[j];
					pool[j] = tmp;
					where[tmp] = (int32_t) j;
					where[pool[t]] = t;
					s += z[pool[t]];
				}
				/* a check every million draws or so: a few milliseconds */
				work += (unsigned long) deg + 1;
				if (work >= 16 * NOUS_INTERRUPT_EVERY)
				{
					work = 0;
					NOUS_CHECK_INTERRUPTS();
				}
				isim = z[i] / m2 * rw * s;
				if (isim >= r->ii)
					larger++;
			}
			r->p_perm = pseudo_p(larger, o->permutations);
		}
		if ((i & 1023) == 0)
			NOUS_CHECK_INTERRUPTS();
		pv[cnt] = (o->permutations > 0) ? r->p_perm : r->p_normal;
		idx[cnt] = m.orig[i];
		if (!isnan(pv[cnt]))
			cnt++;
	}
	st = bh_adjust(pv, idx, cnt, &out[0].p_fdr, sizeof(nous_local_result));
	nous_free(z);
	nous_free(pool);
	nous_free(where);
	nous_free(pv);
	nous_free(idx);
	wmat_free(&m);
	return st;
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
nous_status
nous_local_g(const nous_graph *g, const double *x, bool star, const nous_autocorr_opts *o,
			 nous_local_g_result *out, int32_t *islands)
{
	wmat		m;
	nous_status st;
	double		n,
				sx = 0.0,
				sxx = 0.0;
	double	   *pv;
	int32_t    *pool,
			   *where,
			   *idx;
	int32_t		i,
				cnt = 0;
	uint64_t	seed = o->seed;
	unsigned long work = 0;

	st = wmat_build(g, x, NOUS_STYLE_B, &m);
	if (st != NOUS_OK)
		return st;
	*islands = m.islands;
	if (m.islands > 0 && !o->keep_islands && !star)
	{
		wmat_free(&m);
		return NOUS_ERR_DOMAIN;
	}
	if (m.n < 3)
	{
		wmat_free(&m);
		return NOUS_ERR_EMPTY;
	}
	n = m.n;
	pool = nous_alloc(sizeof(int32_t) * (size_t) m.n);
	where = nous_alloc(sizeof(int32_t) * (size_t) m.n);
	pv = nous_alloc(sizeof(double) * (size_t) m.n);
	idx = nous_alloc(sizeof(int32_t) * (size_t) m.n);
	if (!pool || !where || !pv || !idx)
	{
		nous_free(pool);
		nous_free(where);
		nous_free(pv);
		nous_free(idx);
		wmat_free(&m);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < m.n; i++)
	{
		sx += m.x[i];
		sxx += m.x[i] * m.x[i];
		pool[i] = i;
		where[i] = i;
	}
	for (i = 0; i < g->n; i++)
	{
		out[i].g = out[i].expected = out[i].variance = out[i].z = NAN;
		out[i].p_normal = out[i].p_perm = out[i].p_fdr = NAN;
	}
	for (i = 0; i < m.n; i++)
	{
		nous_local_g_result *r = &out[m.orig[i]];
		int32_t		deg = m.rowptr[i + 1] - m.rowptr[i];
		int32_t		k;
		int32_t		nb = deg + (star ? 1 : 0);	/* links of the row, self included for Gi* */
		double		w;			/* the common weight of the row after the style */
		double		wi,
					s1i,
					lag = 0.0,
					nn,
					mean,
					var,
					tot,
					sd;

		if (nb == 0)
		{
			r->g = 0.0;
			continue;
		}
		switch (o->style)
		{
			case NOUS_STYLE_W:
				w = 1.0 / nb;
				break;
			case NOUS_STYLE_C:
				w = n / (double) (m.nnz + (star ? m.n : 0));
				break;
			default:
				w = 1.0;
				break;
		}
		for (k = m.rowptr[i]; k < m.rowptr[i + 1]; k++)
			lag += m.x[m.col[k]];
		if (star)
			lag += m.x[i];
		lag *= w;
		wi = w * nb;
		s1i = w * w * nb;
		if (star)
		{
			nn = n;
			tot = sx;
			mean = sx / n;
			var = sxx / n - mean * mean;
		}
		else
		{
			nn = n - 1.0;
			tot = sx - m.x[i];
			mean = tot / nn;
			var = (sxx - m.x[i] * m.x[i]) / nn - mean * mean;
		}
		sd = var > 0 ? sqrt(var) : 0.0;
		r->g = tot > 0 ? lag / tot : NAN;
		r->expected = wi / nn;
		r->z = (lag - wi * mean) / (sd * sqrt((nn * s1i - wi * wi) / (nn - 1.0)));
		r->variance = (tot > 0) ? (var * (nn * s1i - wi * wi) / (nn - 1.0)) / (tot * tot) : NAN;
		if (!isfinite(r->z))
			r->z = NAN;
		r->p_normal = nous_p_two_sided(r->z);
		if (o->permutations > 0 && deg > 0 && deg < m.n)
		{
			long		larger = 0;
			int			p;
			double		obs = lag / w;

			k = where[i];
			pool[k] = pool[m.n - 1];
			where[pool[k]] = k;
			pool[m.n - 1] = i;
			where[i] = m.n - 1;
			for (p = 0; p < o->permutations; p++)
			{
				double		s = star ? m.x[i] : 0.0;
				int32_t		t;

				for (t = 0; t < deg; t++)
				{
					uint32_t	j = (uint32_t) t + rand_below(&seed, (uint32_t) (m.n - 1 - t));
					int32_t		tmp = pool[t];

					pool[t] = pool[j];
					pool[j] = tmp;
					where[tmp] = (int32_t) j;
					where[pool[t]] = t;
					s += m.x[pool[t]];
				}
				work += (unsigned long) deg + 1;
				if (work >= 16 * NOUS_INTERRUPT_EVERY)
				{
					work = 0;
					NOUS_CHECK_INTERRUPTS();
				}
				if (s >= obs)
					larger++;
			}
			r->p_perm = pseudo_p(larger, o->permutations);
		}
		if ((i & 1023) == 0)
			NOUS_CHECK_INTERRUPTS();
		pv[cnt] = (o->permutations > 0) ? r->p_perm : r->p_normal;
		idx[cnt] = m.orig[i];
		if (!isnan(pv[cnt]))
			cnt++;
	}
	st = bh_adjust(pv, idx, cnt, &out[0].p_fdr, sizeof(nous_local_g_result));
	nous_free(pool);
	nous_free(where);
	nous_free(pv);
	nous_free(idx);
	wmat_free(&m);
	return st;
}

/* ---- point neighbourhoods ---- */

typedef struct band_filter
{
	const double *x;
	const double *y;
	double		d2;
} band_filter;

static bool
within_band(void *arg, int32_t i, int32_t j)
{
	const band_filter *f = arg;
	double		dx = f->x[i] - f->x[j],
				dy = f->y[i] - f->y[j];

	return dx * dx + dy * dy <= f->d2;
}

nous_status
nous_band_pairs(const double *x, const double *y, int32_t n, double d,
				int32_t **pi, int32_t **pj, size_t *np)
{
	return nous_band_pairs_max(x, y, n, d, SIZE_MAX, pi, pj, np);
}

/* the pairs are filtered by distance while the sweep finds them: max bounds
 * the pairs within the band, not the candidates of the boxes */
nous_status
nous_band_pairs_max(const double *x, const double *y, int32_t n, double d, size_t max,
					int32_t **pi, int32_t **pj, size_t *np)
{
	band_filter f;
	double	   *x0 = nous_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
	double	   *y0 = nous_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
	double	   *x1 = nous_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
	double	   *y1 = nous_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
	nous_status st;
	int32_t		i;

	if (!x0 || !y0 || !x1 || !y1)
	{
		nous_free(x0);
		nous_free(y0);
		nous_free(x1);
		nous_free(y1);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < n; i++)
	{
		x0[i] = x[i] - d / 2;
		x1[i] = x[i] + d / 2;
		y0[i] = y[i] - d / 2;
		y1[i] = y[i] + d / 2;
	}
	f.x = x;
	f.y = y;
	f.d2 = d * d;
	st = nous_bbox_pairs_max(x0, y0, x1, y1, n, within_band, &f, max, pi, pj, np);
	nous_free(x0);
	nous_free(y0);
	nous_free(x1);
	nous_free(y1);
	return st;
}

typedef struct knn_cand
{
	double		d2;
	int64_t		id;
	int32_t		idx;
} knn_cand;

static inline bool
cand_less(const knn_cand *a, const knn_cand *b)
{
	return a->d2 < b->d2 || (a->d2 == b->d2 && a->id < b->id);
}

/* Bentley, Weide & Yao (1980), "Optimal expected-time algorithms for closest
 * point problems", ACM TOMS 6:563-580 (cell technique). */
nous_status
nous_knn(const double *x, const double *y, const int64_t *ids, int32_t n, int32_t k,
		 int32_t *nbr)
{
	double		xmin = INFINITY,
				ymin = INFINITY,
				xmax = -INFINITY,
				ymax = -INFINITY,
				cs;
	int32_t		gx,
				gy,
				i;
	int32_t    *start,
			   *order;
	knn_cand   *best;

	if (k < 1 || k > n - 1)
		return NOUS_ERR_PARAM;
	for (i = 0; i < n; i++)
	{
		xmin = x[i] < xmin ? x[i] : xmin;
		ymin = y[i] < ymin ? y[i] : ymin;
		xmax = x[i] > xmax ? x[i] : xmax;
		ymax = y[i] > ymax ? y[i] : ymax;
	}
	/* about k points a cell; at most ~n cells in each direction */
	cs = sqrt(((xmax - xmin) * (ymax - ymin) + 1e-300) * (double) k / (double) n);
	if (!(cs > 0) || !isfinite(cs))
		cs = (xmax - xmin) + (ymax - ymin) + 1.0;
	gx = (int32_t) fmin((xmax - xmin) / cs, 4096.0) + 1;
	gy = (int32_t) fmin((ymax - ymin) / cs, 4096.0) + 1;
	cs = fmax((xmax - xmin) / (gx - 0.5), (ymax - ymin) / (gy - 0.5));
	if (!(cs > 0))
		cs = 1.0;
	start = nous_alloc(sizeof(int32_t) * ((size_t) gx * gy + 1));
	order = nous_alloc(sizeof(int32_t) * (size_t) n);
	best = nous_alloc(sizeof(knn_cand) * (size_t) (k + 1));
	if (!start || !order || !best)
	{
		nous_free(start);
		nous_free(order);
		nous_free(best);
		return NOUS_ERR_NOMEM;
	}
#define CELL_X(v) ((int32_t) fmin(floor(((v) - xmin) / cs), (double) (gx - 1)))
#define CELL_Y(v) ((int32_t) fmin(floor(((v) - ymin) / cs), (double) (gy - 1)))
	memset(start, 0, sizeof(int32_t) * ((size_t) gx * gy + 1));
	for (i = 0; i < n; i++)
		start[CELL_Y(y[i]) * gx + CELL_X(x[i]) + 1]++;
	for (i = 0; i < gx * gy; i++)
		start[i + 1] += start[i];
	{
		int32_t    *fill = nous_alloc(sizeof(int32_t) * ((size_t) gx * gy));

		if (fill == NULL)
		{
			nous_free(start);
			nous_free(order);
			nous_free(best);
			return NOUS_ERR_NOMEM;
		}
		memcpy(fill, start, sizeof(int32_t) * ((size_t) gx * gy));
		for (i = 0; i < n; i++)
			order[fill[CELL_Y(y[i]) * gx + CELL_X(x[i])]++] = i;
		nous_free(fill);
	}
	for (i = 0; i < n; i++)
	{
		int32_t		cx = CELL_X(x[i]),
					cy = CELL_Y(y[i]);
		int32_t		nb = 0,
					r;

		if ((i & 1023) == 0)
			NOUS_CHECK_INTERRUPTS();
		for (r = 0;; r++)
		{
			int32_t		ax,
						ay;

			/* ring r: cells at Chebyshev distance r from (cx, cy) */
			for (ay = cy - r; ay <= cy + r; ay++)
			{
				if (ay < 0 || ay >= gy)
					continue;
				for (ax = cx - r; ax <= cx + r; ax++)
				{
					int32_t		c,
								p;

					if (ax < 0 || ax >= gx)
						continue;
					if (ay != cy - r && ay != cy + r && ax != cx - r && ax != cx + r)
						continue;
					c = ay * gx + ax;
					for (p = start[c]; p < start[c + 1]; p++)
					{
						int32_t		j = order[p];
						knn_cand	cand;
						int32_t		t;

						if (j == i)
							continue;
						cand.d2 = (x[i] - x[j]) * (x[i] - x[j]) + (y[i] - y[j]) * (y[i] - y[j]);
						cand.id = ids[j];
						cand.idx = j;
						if (nb == k && !cand_less(&cand, &best[k - 1]))
							continue;
						/* insertion into the sorted list of the k best */
						t = nb < k ? nb++ : k - 1;
						while (t > 0 && cand_less(&cand, &best[t - 1]))
						{
							best[t] = best[t - 1];
							t--;
						}
						best[t] = cand;
					}
				}
			}
			/* every point beyond ring r is at least r cs away: strictly farther
			 * than the k-th, so no tie can be missed */
			if (nb == k && best[k - 1].d2 < ((double) r * cs) * ((double) r * cs))
				break;
			if (r > gx && r > gy)
				break;
		}
		for (r = 0; r < k; r++)
			nbr[(size_t) i * k + r] = best[r].idx;
	}
#undef CELL_X
#undef CELL_Y
	nous_free(start);
	nous_free(order);
	nous_free(best);
	return NOUS_OK;
}

/* ---- rook contiguity from rings, decided exactly where possible ---- */

#define ROOK_EPS 1.1102230246251565e-16	/* 2^-53, half an ulp of 1 */
#define ROOK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ROOK_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Error of the floating difference x = a - b: 0 when x is exact (Knuth's two-diff) */
static double
two_diff_err(double a, double b, double x)
{
	double		bv = a - x;
	double		av = x + bv;

	return (a - av) + (bv - b);
}

/*
 * Orientation of r against the line p -> q: +1 left, -1 right, 0 on it, 2
 * when doubles cannot settle it exactly.  The filter is Shewchuk's (1997)
 * orient2d error bound; below it the sign is exact when every difference
 * and product was exact (checked with two-diff and fma), else unknown.
 */
static int
orient_sign(double px, double py, double qx, double qy, double rx, double ry)
{
	double		a = qx - px,
				b = ry - py,
				c = qy - py,
				d = rx - px;
	double		l = a * b,
				rr = c * d,
				det = l - rr;
	double		bound = (3.0 + 16.0 * ROOK_EPS) * ROOK_EPS * (fabs(l) + fabs(rr));

	if (det > bound)
		return 1;
	if (-det > bound)
		return -1;
	if (two_diff_err(qx, px, a) != 0.0 || two_diff_err(ry, py, b) != 0.0 ||
		two_diff_err(qy, py, c) != 0.0 || two_diff_err(rx, px, d) != 0.0)
		return 2;
	/* fma gives the exact error of a product unless it underflows */
	if ((l != 0.0 && fabs(l) < 1e-290) || (rr != 0.0 && fabs(rr) < 1e-290) ||
		!isfinite(l) || !isfinite(rr) ||
		fma(a, b, -l) != 0.0 || fma(c, d, -rr) != 0.0)
		return 2;
	return (l > rr) - (l < rr);
}

typedef struct pair_list
{
	int64_t    *a;
	size_t		n,
				cap;
} pair_list;

static bool
pair_push(pair_list *l, int32_t i, int32_t j)
{
	if (i > j)
	{
		int32_t		t = i;

		i = j;
		j = t;
	}
	/* a ring along one neighbour pushes the same pair vertex after vertex */
	if (l->n > 0 && l->a[l->n - 1] == (((int64_t) i << 32) | (int64_t) j))
		return true;
	if (l->n == l->cap)
	{
		size_t		cap = l->cap ? 2 * l->cap : 1024;
		int64_t    *a = nous_alloc(sizeof(int64_t) * cap);

		if (a == NULL)
			return false;
		if (l->n)
			memcpy(a, l->a, sizeof(int64_t) * l->n);
		nous_free(l->a);
		l->a = a;
		l->cap = cap;
	}
	l->a[l->n++] = ((int64_t) i << 32) | (int64_t) j;
	return true;
}

/* sort and drop duplicates */
static nous_status
pair_unique(pair_list *l)
{
	size_t		i,
				m = 0;

	if (l->n == 0)
		return NOUS_OK;
	if (nous_sort(l->a, l->n, sizeof(int64_t), cmp_i64) != NOUS_OK)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < l->n; i++)
		if (m == 0 || l->a[m - 1] != l->a[i])
			l->a[m++] = l->a[i];
	l->n = m;
	return NOUS_OK;
}

nous_status
nous_rook_pairs(const nous_rings *r, int64_t **sure_out, size_t *nsure,
				int64_t **maybe_out, size_t *nmaybe)
{
	size_t		total = r->nring > 0 ? r->ring_start[r->nring] : 0;
	double	   *x = NULL,
			   *y = NULL;
	int32_t    *poly = NULL;
	uint32_t   *next = NULL,
			   *prev = NULL,
			   *cell_edges = NULL;
	size_t	   *cell_start = NULL;
	pair_list	sure = {NULL, 0, 0},
				maybe = {NULL, 0, 0};
	size_t		ne = 0,
				ri,
				k,
				work = 0;
	double		minx = HUGE_VAL,
				miny = HUGE_VAL,
				maxx = -HUGE_VAL,
				maxy = -HUGE_VAL,
				len = 0.0,
				cs;
	size_t		nx = 1,
				ny = 1,
				nentries = 0;
	nous_status st = NOUS_ERR_NOMEM;

	*sure_out = *maybe_out = NULL;
	*nsure = *nmaybe = 0;
	if (total >= UINT32_MAX / 2)
		return NOUS_ERR_PARAM;
	x = nous_alloc(sizeof(double) * (total + 1));
	y = nous_alloc(sizeof(double) * (total + 1));
	poly = nous_alloc(sizeof(int32_t) * (total + 1));
	next = nous_alloc(sizeof(uint32_t) * (total + 1));
	prev = nous_alloc(sizeof(uint32_t) * (total + 1));
	if (x == NULL || y == NULL || poly == NULL || next == NULL || prev == NULL)
		goto done;

	/* 1. rings without repeated consecutive points nor closing copy: every
	 * kept point i starts the edge (i, next[i]) */
	for (ri = 0; ri < r->nring; ri++)
	{
		size_t		first = ne,
					m;

		for (k = r->ring_start[ri]; k < r->ring_start[ri + 1]; k++)
		{
			double		px = r->x[k] + 0.0,
						py = r->y[k] + 0.0;

			if (ne > first && x[ne - 1] == px && y[ne - 1] == py)
				continue;
			x[ne] = px;
			y[ne] = py;
			poly[ne] = r->ring_poly[ri];
			ne++;
		}
		while (ne - first >= 2 && x[ne - 1] == x[first] && y[ne - 1] == y[first])
			ne--;
		m = ne - first;
		if (m < 2)
		{
			ne = first;			/* a ring of one point has no edge */
			continue;
		}
		for (k = first; k < ne; k++)
		{
			next[k] = (uint32_t) (k + 1 < ne ? k + 1 : first);
			prev[k] = (uint32_t) (k > first ? k - 1 : ne - 1);
			if (x[k] < minx)
				minx = x[k];
			if (x[k] > maxx)
				maxx = x[k];
			if (y[k] < miny)
				miny = y[k];
			if (y[k] > maxy)
				maxy = y[k];
		}
	}
	if (ne == 0)
	{
		st = NOUS_OK;
		goto done;
	}

	if (!isfinite(maxx - minx) || !isfinite(maxy - miny))
	{
		st = NOUS_ERR_DOMAIN;	/* coordinates too far apart for a grid */
		goto done;
	}

	/* 2. a uniform grid of the edges, cells about one mean edge long */
	for (k = 0; k < ne; k++)
		len += fabs(x[next[k]] - x[k]) + fabs(y[next[k]] - y[k]);
	cs = len / (double) ne;
	if (!(cs > 0.0) || !isfinite(cs))
		cs = 1.0;
	for (;;)
	{
		double		fx = (maxx - minx) / cs + 1.0,
					fy = (maxy - miny) / cs + 1.0;

		if (!isfinite(cs))
		{
			st = NOUS_ERR_DOMAIN;
			goto done;
		}
		if (fx * fy <= 2.0 * (double) ne + 1024.0)
		{
			nx = (size_t) fx;
			ny = (size_t) fy;
			/* entries: each edge in every cell its box covers */
			nentries = 0;
			for (k = 0; k < ne; k++)
			{
				double		ex0 = ROOK_MIN(x[k], x[next[k]]), ex1 = ROOK_MAX(x[k], x[next[k]]);
				double		ey0 = ROOK_MIN(y[k], y[next[k]]), ey1 = ROOK_MAX(y[k], y[next[k]]);
				size_t		cx0 = (size_t) ((ex0 - minx) / cs), cx1 = (size_t) ((ex1 - minx) / cs);
				size_t		cy0 = (size_t) ((ey0 - miny) / cs), cy1 = (size_t) ((ey1 - miny) / cs);

				if (cx1 >= nx)
					cx1 = nx - 1;
				if (cy1 >= ny)
					cy1 = ny - 1;
				if (cx0 > cx1)
					cx0 = cx1;
				if (cy0 > cy1)
					cy0 = cy1;
				nentries += (cx1 - cx0 + 1) * (cy1 - cy0 + 1);
				if (nentries > 16 * ne + 1048576)
					break;
			}
			if (nentries <= 16 * ne + 1048576)
				break;
		}
		cs *= 2.0;
	}
	if (nentries >= UINT32_MAX)
	{
		st = NOUS_ERR_PARAM;
		goto done;
	}
	cell_start = nous_alloc(sizeof(size_t) * (nx * ny + 1));
	cell_edges = nous_alloc(sizeof(uint32_t) * (nentries + 1));
	if (cell_start == NULL || cell_edges == NULL)
		goto done;
	memset(cell_start, 0, sizeof(size_t) * (nx * ny + 1));
#define CELL_RANGE(k_) \
	double		ex0 = ROOK_MIN(x[k_], x[next[k_]]), ex1 = ROOK_MAX(x[k_], x[next[k_]]); \
	double		ey0 = ROOK_MIN(y[k_], y[next[k_]]), ey1 = ROOK_MAX(y[k_], y[next[k_]]); \
	size_t		cx0 = (size_t) ((ex0 - minx) / cs), cx1 = (size_t) ((ex1 - minx) / cs); \
	size_t		cy0 = (size_t) ((ey0 - miny) / cs), cy1 = (size_t) ((ey1 - miny) / cs); \
	size_t		gx, gy; \
	if (cx1 >= nx) cx1 = nx - 1; \
	if (cy1 >= ny) cy1 = ny - 1; \
	if (cx0 > cx1) cx0 = cx1; \
	if (cy0 > cy1) cy0 = cy1
	for (k = 0; k < ne; k++)
	{
		CELL_RANGE(k);
		for (gy = cy0; gy <= cy1; gy++)
			for (gx = cx0; gx <= cx1; gx++)
				cell_start[gy * nx + gx + 1]++;
	}
	for (k = 0; k < nx * ny; k++)
		cell_start[k + 1] += cell_start[k];
	{
		size_t	   *fill = nous_alloc(sizeof(size_t) * (nx * ny + 1));

		if (fill == NULL)
			goto done;
		memcpy(fill, cell_start, sizeof(size_t) * (nx * ny + 1));
		for (k = 0; k < ne; k++)
		{
			CELL_RANGE(k);
			for (gy = cy0; gy <= cy1; gy++)
				for (gx = cx0; gx <= cx1; gx++)
					cell_edges[fill[gy * nx + gx]++] = (uint32_t) k;
		}
		nous_free(fill);
	}
#undef CELL_RANGE

	/* 3. each vertex against the edges of other polygons in its cell: an
	 * incident edge equal to one of them, or the vertex strictly inside one
	 * of them with an incident edge on the same line, is a shared segment */
	for (k = 0; k < ne; k++)
	{
		double		vx = x[k],
					vy = y[k];
		size_t		gx = (size_t) ((vx - minx) / cs),
					gy = (size_t) ((vy - miny) / cs),
					c,
					e;

		if ((++work & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (gx >= nx)
			gx = nx - 1;
		if (gy >= ny)
			gy = ny - 1;
		c = gy * nx + gx;
		for (e = cell_start[c]; e < cell_start[c + 1]; e++)
		{
			uint32_t	p = cell_edges[e],
						q = next[p];
			int			o,
						side;

			if (poly[p] == poly[k])
				continue;
			if ((vx < x[p] && vx < x[q]) || (vx > x[p] && vx > x[q]) ||
				(vy < y[p] && vy < y[q]) || (vy > y[p] && vy > y[q]))
				continue;
			if ((vx == x[p] && vy == y[p]) || (vx == x[q] && vy == y[q]))
			{
				/* a shared vertex: the same segment when an incident edge
				 * of v ends at the other end of (p, q) */
				uint32_t	o = (vx == x[p] && vy == y[p]) ? q : p;

				if ((x[next[k]] == x[o] && y[next[k]] == y[o]) ||
					(x[prev[k]] == x[o] && y[prev[k]] == y[o]))
				{
					if (!pair_push(&sure, poly[p], poly[k]))
						goto done;
				}
				continue;
			}
			o = orient_sign(x[p], y[p], x[q], y[q], vx, vy);
			if (o == 2)
			{
				if (!pair_push(&maybe, poly[p], poly[k]))
					goto done;
				continue;
			}
			if (o != 0)
				continue;
			/* v is strictly inside edge (p, q) */
			for (side = 0; side < 2; side++)
			{
				uint32_t	w = side == 0 ? prev[k] : next[k];
				int			o2 = orient_sign(x[p], y[p], x[q], y[q], x[w], y[w]);

				if (o2 == 0 || o2 == 2)
				{
					if (!pair_push(o2 == 0 ? &sure : &maybe, poly[p], poly[k]))
						goto done;
					if (o2 == 0)
						break;
				}
			}
		}
	}

	/* 4. sorted, unique, and the undecided pairs without the proven ones */
	if (pair_unique(&sure) != NOUS_OK || pair_unique(&maybe) != NOUS_OK)
		goto done;
	{
		size_t		i = 0,
					j = 0,
					m = 0;

		for (i = 0; i < maybe.n; i++)
		{
			while (j < sure.n && sure.a[j] < maybe.a[i])
				j++;
			if (j < sure.n && sure.a[j] == maybe.a[i])
				continue;
			maybe.a[m++] = maybe.a[i];
		}
		maybe.n = m;
	}
	st = NOUS_OK;
done:
	nous_free(x);
	nous_free(y);
	nous_free(poly);
	nous_free(next);
	nous_free(prev);
	nous_free(cell_start);
	nous_free(cell_edges);
	if (st != NOUS_OK)
	{
		nous_free(sure.a);
		nous_free(maybe.a);
		return st;
	}
	*sure_out = sure.a;
	*nsure = sure.n;
	*maybe_out = maybe.a;
	*nmaybe = maybe.n;
	return NOUS_OK;
}
