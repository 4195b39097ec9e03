/*
 * flow_indicators.c — what is read from a matrix of nous.flows: zone
 * indicators, the summary of the whole matrix, the selection of the flows
 * that matter (dominant flows, thresholds, top, shares) and the renewal
 * rates.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* ------------------------------------------------------------- indicators */

/* ENTR = sum of column j and SORT = sum of row i off the diagonal (Observatoire des territoires, fiche mobilités résidentielles) */
void
nous_flow_in_out(const nous_flow_view *v, double *in, double *out)
{
	int32_t		e;

	memset(in, 0, sizeof(double) * (size_t) v->nzones);
	memset(out, 0, sizeof(double) * (size_t) v->nzones);
	for (e = 0; e < v->nedges; e++)
	{
		double		w = nous_fv_w(v, e);

		if ((e & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		out[nous_fv_orig(v, e)] += w;
		in[nous_fv_dest(v, e)] += w;
	}
}

/*
 * The inflow and outflow of every zone (nous_flow_in_out) in new arrays that
 * the caller frees; false, nothing left allocated, when out of memory.
 */
static bool
zone_flows(const nous_flow_view *v, double **in, double **out)
{
	size_t		nz = (size_t) v->nzones;

	*in = nous_alloc(sizeof(double) * (nz ? nz : 1));
	*out = nous_alloc(sizeof(double) * (nz ? nz : 1));
	if (*in == NULL || *out == NULL)
	{
		nous_free(*in);
		nous_free(*out);
		return false;
	}
	nous_flow_in_out(v, *in, *out);
	return true;
}

/* AUTO, PRES, SM, TM, TR, PE, PS as defined by the Observatoire des territoires (ANCT), indicators of residential mobility */
void
nous_flow_zone_rates(double iso, double entr, double sort, nous_flow_rates *r)
{
	double		mid;

	r->present_before = iso + sort;
	r->present_after = iso + entr;
	r->net = entr - sort;
	mid = (r->present_before + r->present_after) / 2.0;
	r->net_rate = mid > 0 ? r->net / mid : NAN;
	r->turnover_rate = mid > 0 ? (entr + sort) / mid : NAN;
	r->inflow_share = r->present_after > 0 ? entr / r->present_after : NAN;
	r->outflow_share = r->present_before > 0 ? sort / r->present_before : NAN;
}

/* Gini over n cells, zeros implicit: sum_k (2k - n - 1) x_(k) / (n sum x) (Bell et al. 2002, migration Gini index) */
double
nous_gini_sparse(double *x, int64_t m, double n)
{
	double		sum = 0,
				acc = 0,
				zeros = n - (double) m;
	int64_t		k;

	if (n < 1 || m < 0 || zeros < 0)
		return NAN;
	if (nous_sort(x, (size_t) m, sizeof(double), nous_cmp_double) != NOUS_OK)
		return NAN;
	for (k = 0; k < m; k++)
	{
		double		r = zeros + (double) k + 1.0;

		if ((k & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();

		sum += x[k];
		acc += (2.0 * r - n - 1.0) * x[k];
	}
	if (!(sum > 0))
		return NAN;
	return acc / (n * sum);
}

/* Migration effectiveness sum|in - out| / sum(in + out) (Bell et al. 2002; migest index_impact) and Gini of flows */
nous_status
nous_flow_summarise(const nous_flow_view *v, nous_flow_overall *s)
{
	size_t		nz = (size_t) v->nzones;
	double	   *in,
			   *out;
	double	   *x = nous_alloc(sizeof(double) * (size_t) (v->nedges ? v->nedges : 1));
	double		absnet = 0,
				gross = 0;
	int32_t		i;

	if (x == NULL || !zone_flows(v, &in, &out))
	{
		nous_free(x);
		return NOUS_ERR_NOMEM;
	}
	s->stayers = 0;
	s->movers = 0;
	for (i = 0; i < v->nzones; i++)
	{
		s->stayers += nous_fv_stay(v, i);
		s->movers += out[i];
		absnet += fabs(in[i] - out[i]);
		gross += in[i] + out[i];
	}
	s->effectiveness = gross > 0 ? absnet / gross : NAN;
	for (i = 0; i < v->nedges; i++)
		x[i] = nous_fv_w(v, i);
	s->gini = nous_gini_sparse(x, v->nedges, (double) nz * ((double) nz - 1.0));
	nous_free(in);
	nous_free(out);
	nous_free(x);
	return NOUS_OK;
}

/* ------------------------------------------------------------- selection */

/* Nystuen & Dacey (1961), "A graph theory interpretation of nodal regions": largest flow to a larger zone (size = total inflow) */
nous_status
nous_flow_dominant(const nous_flow_view *v, int32_t *largest, bool *dominant,
				   nous_flow_role *role)
{
	size_t		nz = (size_t) v->nzones;
	double	   *in,
			   *out;
	bool	   *receives = nous_alloc(sizeof(bool) * (nz ? nz : 1));
	int32_t		e,
				i;

	if (receives == NULL || !zone_flows(v, &in, &out))
	{
		nous_free(receives);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < v->nzones; i++)
	{
		largest[i] = -1;
		receives[i] = false;
	}
	for (e = 0; e < v->nedges; e++)
	{
		int32_t		o = nous_fv_orig(v, e);
		double		w = nous_fv_w(v, e);

		if (w > 0 && (largest[o] < 0 || w > nous_fv_w(v, largest[o])))
			largest[o] = e;
	}
	for (i = 0; i < v->nzones; i++)
	{
		dominant[i] = largest[i] >= 0 && in[nous_fv_dest(v, largest[i])] > in[i];
		if (dominant[i])
			receives[nous_fv_dest(v, largest[i])] = true;
	}
	for (i = 0; i < v->nzones; i++)
		role[i] = !dominant[i] ? NOUS_ROLE_DOMINANT :
			(receives[i] ? NOUS_ROLE_INTERMEDIATE : NOUS_ROLE_DOMINATED);
	nous_free(in);
	nous_free(out);
	nous_free(receives);
	return NOUS_OK;
}

typedef struct ew
{
	double		w;
	int32_t		e;
} ew;

/* decreasing weight, then increasing position (origin, destination) */
static int
ew_cmp(const void *a, const void *b)
{
	const ew   *x = a,
			   *y = b;

	if (x->w != y->w)
		return x->w < y->w ? 1 : -1;
	return (x->e > y->e) - (x->e < y->e);
}

/* Threshold, top k per origin, share of origin outflow, cumulative share of volume (flow-mapping practice, e.g. Tobler 1987), dominant flows */
nous_status
nous_flow_select(const nous_flow_view *v, nous_flow_selector sel, double value,
				 bool strict, bool *keep)
{
	int32_t		e,
				i;
	size_t		nz = (size_t) v->nzones,
				ne = (size_t) v->nedges;
	nous_status st = NOUS_OK;

	if (!isfinite(value))
		return NOUS_ERR_PARAM;
	for (e = 0; e < v->nedges; e++)
		keep[e] = false;
	switch (sel)
	{
		case NOUS_SEL_THRESHOLD:
			for (e = 0; e < v->nedges; e++)
			{
				double		w = nous_fv_w(v, e);

				keep[e] = strict ? w > value : w >= value;
			}
			break;
		case NOUS_SEL_SHARE:
			{
				double	   *in,
						   *out;

				if (value < 0 || value > 1)
					st = NOUS_ERR_PARAM;
				else if (!zone_flows(v, &in, &out))
					st = NOUS_ERR_NOMEM;
				else
				{
					for (e = 0; e < v->nedges; e++)
					{
						double		o = out[nous_fv_orig(v, e)];
						double		s = o > 0 ? nous_fv_w(v, e) / o : 0;

						keep[e] = o > 0 && (strict ? s > value : s >= value);
					}
					nous_free(in);
					nous_free(out);
				}
				break;
			}
		case NOUS_SEL_TOP:
		case NOUS_SEL_CUMULATIVE:
			{
				ew		   *x = nous_alloc(sizeof(ew) * (ne ? ne : 1));
				int32_t		start = 0;

				if ((sel == NOUS_SEL_TOP && (value < 0 || value != floor(value))) ||
					(sel == NOUS_SEL_CUMULATIVE && (value < 0 || value > 1)))
				{
					nous_free(x);
					return NOUS_ERR_PARAM;
				}
				if (x == NULL)
					return NOUS_ERR_NOMEM;
				for (e = 0; e < v->nedges; e++)
				{
					x[e].w = nous_fv_w(v, e);
					x[e].e = e;
				}
				if (sel == NOUS_SEL_TOP)
				{
					/* each origin's flows are contiguous */
					while (start < v->nedges)
					{
						int32_t		end = start,
									o = nous_fv_orig(v, start);

						while (end < v->nedges && nous_fv_orig(v, end) == o)
							end++;
						if (nous_sort(x + start, (size_t) (end - start), sizeof(ew), ew_cmp) != NOUS_OK)
						{
							nous_free(x);
							return NOUS_ERR_NOMEM;
						}
						for (i = start; i < end && (double) (i - start) < value; i++)
							keep[x[i].e] = true;
						start = end;
					}
				}
				else
				{
					double		total = 0,
								acc = 0;

					if (nous_sort(x, ne, sizeof(ew), ew_cmp) != NOUS_OK)
					{
						nous_free(x);
						return NOUS_ERR_NOMEM;
					}
					for (e = 0; e < v->nedges; e++)
						total += x[e].w;
					/* keep until the kept volume reaches value * total */
					for (e = 0; e < v->nedges && total > 0 && acc < value * total; e++)
					{
						keep[x[e].e] = true;
						acc += x[e].w;
					}
				}
				nous_free(x);
				break;
			}
		case NOUS_SEL_DOMINANT:
			{
				int32_t    *largest = nous_alloc(sizeof(int32_t) * (nz ? nz : 1));
				bool	   *dom = nous_alloc(sizeof(bool) * (nz ? nz : 1));
				nous_flow_role *role = nous_alloc(sizeof(nous_flow_role) * (nz ? nz : 1));

				if (largest == NULL || dom == NULL || role == NULL)
					st = NOUS_ERR_NOMEM;
				else if ((st = nous_flow_dominant(v, largest, dom, role)) == NOUS_OK)
					for (i = 0; i < v->nzones; i++)
						if (dom[i])
							keep[largest[i]] = true;
				nous_free(largest);
				nous_free(dom);
				nous_free(role);
				break;
			}
	}
	return st;
}

/* ---------------------------------------------------------------- renewal */

/*
 * Indices of categorisation and renewal by migration (J. Gombin, Observatoire
 * des territoires, migR vignette "methodo_migr"): ICI = p_entr - p_auto,
 * ICE = p_auto - p_sort, ICM = SM_c / PRES_c - SM_other / PRES_other,
 * IRI = sqrt(sum (p_auto - p_entr)^2), IRE = sqrt(sum (p_auto - p_sort)^2),
 * IRM = sqrt(sum (|SM_i| / PRES_i)^2).
 */
void
nous_flow_renewal(int n, const double *iso, const double *entr, const double *sort,
				  double *ici, double *ice, double *icm, nous_flow_renewal_global *g)
{
	double		te = 0,
				ts = 0,
				ta = 0,
				tp = 0,
				tsm = 0,
				si = 0,
				se = 0,
				sm2 = 0;
	bool		irm_ok = true;
	int			i;

	for (i = 0; i < n; i++)
	{
		te += entr[i];
		ts += sort[i];
		ta += iso[i] + sort[i];
		tp += iso[i] + entr[i];
		tsm += entr[i] - sort[i];
	}
	for (i = 0; i < n; i++)
	{
		double		pa = ta > 0 ? (iso[i] + sort[i]) / ta : NAN;
		double		pe = te > 0 ? entr[i] / te : NAN;
		double		ps = ts > 0 ? sort[i] / ts : NAN;
		double		pres = iso[i] + entr[i];
		double		sm = entr[i] - sort[i];
		double		other = tp - pres;

		ici[i] = pe - pa;
		ice[i] = pa - ps;
		icm[i] = pres > 0 && other > 0 ? sm / pres - (tsm - sm) / other : NAN;
		si += (pa - pe) * (pa - pe);
		se += (pa - ps) * (pa - ps);
		if (pres > 0)
			sm2 += (sm / pres) * (sm / pres);
		else
			irm_ok = false;
	}
	g->iri = n > 0 ? sqrt(si) : NAN;
	g->ire = n > 0 ? sqrt(se) : NAN;
	g->irm = n > 0 && irm_ok ? sqrt(sm2) : NAN;
}
