/*
 * spatial_rook.c — rook contiguity from the rings of polygons, decided
 * exactly where possible (see spatial.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spatial.h"
#include "spatial_internal.h"

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
	if (nous_sort(l->a, l->n, sizeof(int64_t), nous_cmp_i64) != NOUS_OK)
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

