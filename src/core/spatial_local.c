/*
 * spatial_local.c — local statistics: local Moran (LISA) and local Getis-Ord
 * Gi / Gi*, with conditional permutations and Benjamini-Hochberg adjustment
 * (see spatial.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spatial.h"
#include "spatial_internal.h"

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

/*
 * The pool of the conditional permutations: the areas 0..n-1 in pool[],
 * where[] its inverse, the random state and a count of draws between two
 * interrupt checks.
 */
typedef struct perm_pool
{
	int32_t    *pool;
	int32_t    *where;
	int32_t		n;
	uint64_t	seed;
	unsigned long work;
} perm_pool;

/* Put area i at the end of the pool (found through where[]): draws come from the first n - 1. */
static void
pool_set_aside(perm_pool *pp, int32_t i)
{
	int32_t		k = pp->where[i];

	pp->pool[k] = pp->pool[pp->n - 1];
	pp->where[pp->pool[k]] = k;
	pp->pool[pp->n - 1] = i;
	pp->where[i] = pp->n - 1;
}

/*
 * s0 plus the values v of deg areas drawn without replacement among the
 * n - 1 first of the pool (a partial Fisher-Yates shuffle); a check for
 * interrupts every million draws or so (a few milliseconds).
 */
static double
pool_draw_sum(perm_pool *pp, int32_t deg, const double *v, double s0)
{
	double		s = s0;
	int32_t		t;

	for (t = 0; t < deg; t++)
	{
		uint32_t	j = (uint32_t) t + rand_below(&pp->seed, (uint32_t) (pp->n - 1 - t));
		int32_t		tmp = pp->pool[t];

		pp->pool[t] = pp->pool[j];
		pp->pool[j] = tmp;
		pp->where[tmp] = (int32_t) j;
		pp->where[pp->pool[t]] = t;
		s += v[pp->pool[t]];
	}
	pp->work += (unsigned long) deg + 1;
	if (pp->work >= 16 * NOUS_INTERRUPT_EVERY)
	{
		pp->work = 0;
		NOUS_CHECK_INTERRUPTS();
	}
	return s;
}

/*
 * The pseudo p of the local statistic of area i by conditional permutation:
 * o->permutations draws of deg values of v among the other areas, each sum
 * (from s0) times scale set against the observed statistic obs.
 */
static double
pool_perm_p(perm_pool *pp, int32_t i, int32_t deg, const double *v, double s0,
			double scale, double obs, const nous_autocorr_opts *o)
{
	long		larger = 0,
				smaller = 0;

	pool_set_aside(pp, i);
	for (int p = 0; p < o->permutations; p++)
	{
		double		sim = scale * pool_draw_sum(pp, deg, v, s0);

		if (sim >= obs)
			larger++;
		if (sim <= obs)
			smaller++;
	}
	return nous_perm_p(larger, smaller, o->permutations, o->alternative);
}

/* The work arrays of a local statistic over n areas (z too when want_z); false when out of memory. */
typedef struct local_work
{
	double	   *z;
	double	   *pv;				/* the p-values to adjust, of the areas idx */
	int32_t    *idx;
	int32_t		cnt;
	perm_pool	pp;
} local_work;

static void
local_work_free(local_work *lw)
{
	nous_free(lw->z);
	nous_free(lw->pp.pool);
	nous_free(lw->pp.where);
	nous_free(lw->pv);
	nous_free(lw->idx);
}

static bool
local_work_alloc(local_work *lw, int32_t n, bool want_z, uint64_t seed)
{
	int32_t		i;

	memset(lw, 0, sizeof(*lw));
	lw->z = want_z ? nous_alloc(sizeof(double) * (size_t) n) : NULL;
	lw->pp.pool = nous_alloc(sizeof(int32_t) * (size_t) n);
	lw->pp.where = nous_alloc(sizeof(int32_t) * (size_t) n);
	lw->pv = nous_alloc(sizeof(double) * (size_t) n);
	lw->idx = nous_alloc(sizeof(int32_t) * (size_t) n);
	lw->pp.n = n;
	lw->pp.seed = seed;
	if ((want_z && !lw->z) || !lw->pp.pool || !lw->pp.where || !lw->pv || !lw->idx)
	{
		local_work_free(lw);
		return false;
	}
	for (i = 0; i < n; i++)
	{
		lw->pp.pool[i] = i;
		lw->pp.where[i] = i;
	}
	return true;
}

/* The p-value p of area orig (permutation or normal) kept for the adjustment unless NaN; interrupts every 1024 areas. */
static void
local_work_collect(local_work *lw, int32_t i, double p, int32_t orig)
{
	if ((i & 1023) == 0)
		NOUS_CHECK_INTERRUPTS();
	lw->pv[lw->cnt] = p;
	lw->idx[lw->cnt] = orig;
	if (!isnan(p))
		lw->cnt++;
}

/*
 * The styled weights m of a local statistic and its work arrays lw: an
 * error status (m freed) for islands unless allowed, fewer than 3 areas,
 * or no memory.
 */
static nous_status
local_begin(const nous_graph *g, const double *x, nous_wstyle style, bool islands_ok,
			bool want_z, uint64_t seed, wmat *m, local_work *lw, int32_t *islands)
{
	nous_status st = wmat_build(g, x, style, m);

	if (st != NOUS_OK)
		return st;
	*islands = m->islands;
	if (m->islands > 0 && !islands_ok)
		st = NOUS_ERR_DOMAIN;
	else if (m->n < 3)
		st = NOUS_ERR_EMPTY;
	else if (!local_work_alloc(lw, m->n, want_z, seed))
		st = NOUS_ERR_NOMEM;
	if (st != NOUS_OK)
		wmat_free(m);
	return st;
}

/*
 * The end of a local statistic: the false discovery rates of the p-values
 * collected in lw written to p_fdr (stride bytes apart, one per area), m and
 * lw freed.
 */
static nous_status
local_end(wmat *m, local_work *lw, double *p_fdr, size_t stride)
{
	nous_status st = bh_adjust(lw->pv, lw->idx, lw->cnt, p_fdr, stride);

	local_work_free(lw);
	wmat_free(m);
	return st;
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
	double	   *z;
	local_work	lw;
	int32_t		i;

	st = local_begin(g, x, o->style, o->keep_islands, true, o->seed, &m, &lw, islands);
	if (st != NOUS_OK)
		return st;
	n = m.n;
	z = lw.z;
	mean = wmat_mean(&m);
	for (i = 0; i < m.n; i++)
	{
		z[i] = m.x[i] - mean;
		m2 += z[i] * z[i];
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
		r->p_normal = nous_p_normal(r->z, o->alternative);
		/* an island has no neighbourhood, hence no quadrant */
		r->quadrant = deg == 0 ? 0 : z[i] >= 0 ? (lag >= 0 ? 1 : 4) : (lag >= 0 ? 2 : 3);
		if (o->permutations > 0 && deg > 0 && deg < m.n && z[i] == 0.0)
			r->p_perm = 1.0;	/* Ii is 0 under every permutation: no evidence */
		else if (o->permutations > 0 && deg > 0 && deg < m.n)
			r->p_perm = pool_perm_p(&lw.pp, i, deg, z, 0.0, z[i] / m2 * m.rw[i], r->ii, o);
		local_work_collect(&lw, i, (o->permutations > 0) ? r->p_perm : r->p_normal, m.orig[i]);
	}
	return local_end(&m, &lw, &out[0].p_fdr, sizeof(nous_local_result));
}

nous_status
nous_local_g(const nous_graph *g, const double *x, bool star, const nous_autocorr_opts *o,
			 nous_local_g_result *out, int32_t *islands)
{
	wmat		m;
	nous_status st;
	double		n,
				sx = 0.0,
				sxx = 0.0;
	local_work	lw;
	int32_t		i;

	st = local_begin(g, x, NOUS_STYLE_B, o->keep_islands || star, false, o->seed, &m, &lw, islands);
	if (st != NOUS_OK)
		return st;
	n = m.n;
	for (i = 0; i < m.n; i++)
	{
		sx += m.x[i];
		sxx += m.x[i] * m.x[i];
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
		r->p_normal = nous_p_normal(r->z, o->alternative);
		if (o->permutations > 0 && deg > 0 && deg < m.n)
			r->p_perm = pool_perm_p(&lw.pp, i, deg, m.x, star ? m.x[i] : 0.0, 1.0, lag / w, o);
		local_work_collect(&lw, i, (o->permutations > 0) ? r->p_perm : r->p_normal, m.orig[i]);
	}
	return local_end(&m, &lw, &out[0].p_fdr, sizeof(nous_local_g_result));
}

