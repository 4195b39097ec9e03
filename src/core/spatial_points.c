/*
 * spatial_points.c — neighbourhoods of points: pairs within a distance band
 * and k nearest neighbours on a uniform grid (see spatial.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spatial.h"
#include "spatial_internal.h"

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

