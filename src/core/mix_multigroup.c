/*
 * mix_multigroup.c — the indices of many groups over units (and super-units)
 * of a nous_mixtable: Shannon entropy, mutual information M and its
 * decomposition (Mora & Ruiz-Castillo 2011), Simpson, multigroup
 * dissimilarity, relative diversity, and the per super-unit and per unit
 * terms.  Natural logarithms, 0 ln 0 = 0.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"

/* E = -sum p_g ln p_g (Shannon 1948) */
double
nous_mix_entropy(const nous_mixtable *t)
{
	double		e = 0.0;
	size_t		g;

	if (!(t->N > 0.0))
		return NAN;
	for (g = 0; g < t->ngroup; g++)
		if (t->group_n[g] > 0.0)
		{
			double		p = t->group_n[g] / t->N;

			e -= p * log(p);
		}
	return e;
}

/* E / ln K, K the groups named by the table (see mix.h) */
double
nous_mix_entropy_normalised(const nous_mixtable *t)
{
	double		e = nous_mix_entropy(t);

	if (isnan(e) || t->ngroup < 2)
		return NAN;
	return e / log((double) t->ngroup);
}

/* M = sum p_ug ln(p_ug / (p_u p_g)) (Theil & Finizza 1971; Mora & Ruiz-Castillo 2011) */
double
nous_mix_mutual_information(const nous_mixtable *t)
{
	double		m = 0.0;
	size_t		i;

	if (!(t->N > 0.0))
		return NAN;
	for (i = 0; i < t->ncell; i++)
	{
		double		n = t->cell_n[i];

		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		if (n > 0.0)
		{
			double		r = t->N / t->group_n[t->cell_group[i]];

			/* a subnormal group total overflows the ratio: take logs apart */
			m += n * (log(n / t->unit_n[t->cell_unit[i]]) +
					  (isfinite(r) ? log(r) : log(t->N) - log(t->group_n[t->cell_group[i]])));
		}
	}
	m /= t->N;
	return m < 0.0 ? 0.0 : m;	/* rounding can give -1e-17 */
}

/*
 * The scratch of a pass over the cells of each super-unit in turn: *acc the
 * count of each group (zeroed), *touched the groups met (ngroup each).  False
 * when out of memory (nothing left allocated).
 */
static bool
group_scratch(const nous_mixtable *t, double **acc, uint32_t **touched)
{
	*acc = nous_alloc(sizeof(double) * (t->ngroup ? t->ngroup : 1));
	*touched = nous_alloc(sizeof(uint32_t) * (t->ngroup ? t->ngroup : 1));
	if (*acc == NULL || *touched == NULL)
	{
		nous_free(*acc);
		nous_free(*touched);
		return false;
	}
	memset(*acc, 0, sizeof(double) * t->ngroup);
	return true;
}

/* add group g to touched[0..*ntouched) unless it is there */
static void
touch_group(uint32_t *touched, size_t *ntouched, uint32_t g)
{
	size_t		k;

	for (k = 0; k < *ntouched; k++)
		if (touched[k] == g)
			return;
	touched[(*ntouched)++] = g;
}

/* M = M_between(super x group) + sum_s p_s M_s (Mora & Ruiz-Castillo 2011) */
nous_status
nous_mix_decompose(const nous_mixtable *t, nous_mix_decomp *d)
{
	double	   *acc;
	uint32_t   *touched;
	size_t		ntouched = 0, i;
	double		mb = 0.0;

	d->m = nous_mix_mutual_information(t);
	d->entropy = nous_mix_entropy(t);
	if (!(t->N > 0.0))
	{
		d->h = d->m_between = d->m_within = d->h_between = d->h_within = NAN;
		return NOUS_OK;
	}
	if (!group_scratch(t, &acc, &touched))
		return NOUS_ERR_NOMEM;
	/* cells are sorted by super: sum each super's group counts */
	for (i = 0; i <= t->ncell; i++)
	{
		if (i == t->ncell || (i > 0 && t->cell_super[i] != t->cell_super[i - 1]))
		{
			uint32_t	s = t->cell_super[i - 1];
			size_t		k;

			for (k = 0; k < ntouched; k++)
			{
				uint32_t	g = touched[k];

				if (acc[g] > 0.0)
					mb += acc[g] * (log(acc[g] / t->super_n[s]) + log(t->N / t->group_n[g]));
				acc[g] = 0.0;
			}
			ntouched = 0;
			if (i == t->ncell)
				break;
		}
		/* a group may be touched twice when its first cells weigh 0 */
		if (acc[t->cell_group[i]] == 0.0)
			touch_group(touched, &ntouched, t->cell_group[i]);
		acc[t->cell_group[i]] += t->cell_n[i];
	}
	nous_free(acc);
	nous_free(touched);
	mb /= t->N;
	if (mb < 0.0)
		mb = 0.0;
	d->m_between = mb;
	d->m_within = d->m - mb;
	if (d->entropy > 0.0)
	{
		d->h = d->m / d->entropy;
		d->h_between = d->m_between / d->entropy;
		d->h_within = d->m_within / d->entropy;
	}
	else
		d->h = d->h_between = d->h_within = NAN;
	return NOUS_OK;
}

/* I = sum p_g (1 - p_g), Simpson's interaction */
static double
simpson_interaction(const nous_mixtable *t)
{
	double		s = 0.0;
	size_t		g;

	for (g = 0; g < t->ngroup; g++)
	{
		double		p = t->group_n[g] / t->N;

		s += p * (1.0 - p);
	}
	return s;
}

/* sum p_g^2 (Simpson 1949) */
double
nous_mix_simpson_concentration(const nous_mixtable *t)
{
	if (!(t->N > 0.0))
		return NAN;
	return 1.0 - simpson_interaction(t);
}

/*
 * sum_u sum_g t_u |p_gu - p_g|^power, power 1 or 2, over the cells present;
 * a group absent from unit u contributes t_u p_g^power, added per unit as
 * t_u (sum over all g of p_g^power - sum over the groups present), the full
 * sum being 1 for power 1.  NAN when out of memory.
 */
static double
unit_deviation_sum(const nous_mixtable *t, int power)
{
	double		s = 0.0,
				all = 1.0;
	size_t		i;
	double	   *seen = nous_alloc(sizeof(double) * (t->nunit ? t->nunit : 1));

	if (seen == NULL)
		return NAN;
	memset(seen, 0, sizeof(double) * t->nunit);
	for (i = 0; i < t->ncell; i++)
	{
		double		tu = t->unit_n[t->cell_unit[i]];
		double		pg = t->group_n[t->cell_group[i]] / t->N;

		if (tu > 0.0)
		{
			double		d = fabs(t->cell_n[i] / tu - pg);

			s += tu * (power == 1 ? d : d * d);
			seen[t->cell_unit[i]] += power == 1 ? pg : pg * pg;
		}
	}
	if (power == 2)
	{
		all = 0.0;
		for (i = 0; i < t->ngroup; i++)
		{
			double		pg = t->group_n[i] / t->N;

			all += pg * pg;
		}
	}
	for (i = 0; i < t->nunit; i++)
		if (t->unit_n[i] > 0.0)
			s += t->unit_n[i] * fmax(0.0, all - seen[i]);
	nous_free(seen);
	return s;
}

/*
 * sum_g sum_u t_u |p_gu - p_g|^power / (scale T I): the indices of Reardon &
 * Firebaugh (2002) that weigh the deviations of the units by the Simpson
 * interaction I; NaN for an empty table or I = 0
 */
static double
deviation_index(const nous_mixtable *t, int power, double scale)
{
	double		I;

	if (!(t->N > 0.0))
		return NAN;
	I = simpson_interaction(t);
	if (!(I > 0.0))
		return NAN;
	return unit_deviation_sum(t, power) / (scale * t->N * I);
}

/* D = sum_g sum_u t_u |p_gu - p_g| / (2 T I) (Reardon & Firebaugh 2002) */
double
nous_mix_multi_dissimilarity(const nous_mixtable *t)
{
	return deviation_index(t, 1, 2.0);
}

/* RD = sum_g sum_u t_u (p_gu - p_g)^2 / (T I) (Carlson 1992; Reardon & Firebaugh 2002) */
double
nous_mix_relative_diversity(const nous_mixtable *t)
{
	return deviation_index(t, 2, 1.0);
}

/* M_s and E_s of each super-unit (Mora & Ruiz-Castillo 2011, within terms) */
nous_status
nous_mix_by_super(const nous_mixtable *t, double *p, double *m, double *e)
{
	double	   *acc;
	uint32_t   *touched;
	size_t		start = 0, i, k;

	if (!group_scratch(t, &acc, &touched))
		return NOUS_ERR_NOMEM;
	while (start < t->ncell)
	{
		uint32_t	s = t->cell_super[start];
		size_t		end = start, ntouched = 0;
		double		Ns = t->super_n[s], ms = 0.0, es = 0.0;

		while (end < t->ncell && t->cell_super[end] == s)
		{
			uint32_t	g = t->cell_group[end];

			touch_group(touched, &ntouched, g);
			acc[g] += t->cell_n[end];
			end++;
		}
		if ((end - start) > (size_t) NOUS_INTERRUPT_EVERY || s % 1024 == 1023)
			NOUS_CHECK_INTERRUPTS();
		for (i = start; i < end; i++)
		{
			double		n = t->cell_n[i];

			if (n > 0.0)
				ms += n * (log(n / t->unit_n[t->cell_unit[i]]) + log(Ns / acc[t->cell_group[i]]));
		}
		for (k = 0; k < ntouched; k++)
		{
			double		q = acc[touched[k]] / Ns;

			if (q > 0.0)
				es -= q * log(q);
			acc[touched[k]] = 0.0;
		}
		p[s] = t->N > 0.0 ? Ns / t->N : NAN;
		m[s] = Ns > 0.0 ? fmax(0.0, ms / Ns) : NAN;
		e[s] = Ns > 0.0 ? es : NAN;
		start = end;
	}
	nous_free(acc);
	nous_free(touched);
	return NOUS_OK;
}

/* local M (Theil 1971; Frankel & Volij 2011), Shannon (1948) and Simpson (1949) per unit */
void
nous_mix_unit_scores(const nous_mixtable *t, double *L, double *E, double *I)
{
	size_t		i, u;

	for (u = 0; u < t->nunit; u++)
	{
		L[u] = E[u] = 0.0;
		I[u] = 1.0;
	}
	for (i = 0; i < t->ncell; i++)
	{
		uint32_t	cu = t->cell_unit[i];
		double		nu = t->unit_n[cu], q;

		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		if (!(nu > 0.0) || !(t->cell_n[i] > 0.0))
			continue;
		q = t->cell_n[i] / nu;
		L[cu] += q * (log(q) + log(t->N / t->group_n[t->cell_group[i]]));
		E[cu] -= q * log(q);
		I[cu] -= q * q;
	}
	for (u = 0; u < t->nunit; u++)
		if (!(t->unit_n[u] > 0.0))
			L[u] = E[u] = I[u] = NAN;
		else if (I[u] < 0.0)
			I[u] = 0.0;
}
