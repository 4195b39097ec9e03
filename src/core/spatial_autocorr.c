/*
 * spatial_autocorr.c — the weighted sub-graph of the areas with a value and
 * the global statistics: Moran's I, Geary's C, Getis-Ord G (see spatial.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spatial.h"
#include "spatial_internal.h"

/* ---- weighted sub-graph of the areas with a value ---- */

void
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
/* The mean of the values of the areas of m (summed in area order). */
double
wmat_mean(const wmat *m)
{
	double		sum = 0.0;
	int32_t		i;

	for (i = 0; i < m->n; i++)
		sum += m->x[i];
	return sum / (double) m->n;
}

nous_status
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


double
nous_p_two_sided(double z)
{
	if (isnan(z))
		return NAN;
	return erfc(fabs(z) / sqrt(2.0));
}

double
nous_p_normal(double z, nous_alternative alt)
{
	if (isnan(z))
		return NAN;
	if (alt == NOUS_ALT_GREATER)
		return 0.5 * erfc(z / sqrt(2.0));
	if (alt == NOUS_ALT_LESS)
		return 0.5 * erfc(-z / sqrt(2.0));
	return erfc(fabs(z) / sqrt(2.0));
}

double
nous_perm_p(long ge, long le, int perms, nous_alternative alt)
{
	if (alt == NOUS_ALT_GREATER)
		return (double) (ge + 1) / (double) (perms + 1);
	if (alt == NOUS_ALT_LESS)
		return (double) (le + 1) / (double) (perms + 1);
	return nous_pseudo_p(ge, perms);
}

/* Folded pseudo p-value (esda convention; Hope 1968). */
double
nous_pseudo_p(long larger, int perms)
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

	/* Geary's C is small under positive autocorrelation: spdep's
	 * "greater" is then the lower tail of C */
	nous_alternative alt = kind != NOUS_GEARY ? o->alternative :
		o->alternative == NOUS_ALT_GREATER ? NOUS_ALT_LESS :
		o->alternative == NOUS_ALT_LESS ? NOUS_ALT_GREATER : NOUS_ALT_TWO_SIDED;

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
	mean = wmat_mean(&m);
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
	r->p_normal = nous_p_normal(r->z_normal, alt);
	r->p_random = nous_p_normal(r->z_random, alt);
	r->p_perm = NAN;
	if (o->permutations > 0 && m2 > 0.0)
	{
		uint64_t	seed = o->seed;
		long		larger = 0,
					smaller = 0;
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
			if (stat_p <= (kind == NOUS_GETIS_ORD ? num : r->stat))
				smaller++;
		}
		r->p_perm = nous_perm_p(larger, smaller, o->permutations, alt);
	}
	nous_free(z);
	wmat_free(&m);
	return NOUS_OK;
}

