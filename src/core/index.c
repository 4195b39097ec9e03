/*
 * index.c — normalisations, coverage and aggregations of composite indices,
 * gap to a reference, QPV income threshold (see index.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

/* Present values of x, sorted; *m receives their count (NULL when 0). */
static nous_status
sorted_present(const double *x, const bool *present, int n, double **s, int *m)
{
	int			i,
				c = 0;

	*s = NULL;
	for (i = 0; i < n; i++)
		if (present[i])
			c++;
	*m = c;
	if (c == 0)
		return NOUS_OK;
	*s = nous_alloc(sizeof(double) * (size_t) c);
	if (*s == NULL)
		return NOUS_ERR_NOMEM;
	c = 0;
	for (i = 0; i < n; i++)
		if (present[i])
			(*s)[c++] = x[i];
	qsort(*s, (size_t) c, sizeof(double), nous_cmp_double);
	return NOUS_OK;
}

/* Hyndman & Fan (1996), definition 7: x[(m-1)p] interpolated. */
double
nous_quantile7(const double *sorted, int m, double p)
{
	double		h,
				f;
	int			lo;

	if (m <= 0)
		return NAN;
	h = (m - 1) * p;
	lo = (int) floor(h);
	if (lo >= m - 1)
		return sorted[m - 1];
	if (lo < 0)
		return sorted[0];
	f = h - lo;
	return sorted[lo] + f * (sorted[lo + 1] - sorted[lo]);
}

/* OECD/JRC Handbook (2008) §5.2, distance to a target / goalposts. */
nous_status
nous_norm_goalposts(const double *x, const bool *present, int n, double lo,
					double hi, bool clip, double *out)
{
	int			i;

	if (!(hi != lo) || !isfinite(lo) || !isfinite(hi))
		return NOUS_ERR_PARAM;
	for (i = 0; i < n; i++)
		if (present[i])
		{
			double		v = 100.0 * ((x[i] - lo) / (hi - lo));

			if (clip)
				v = v < 0.0 ? 0.0 : (v > 100.0 ? 100.0 : v);
			out[i] = v + 0.0;	/* no negative zero */
		}
	return NOUS_OK;
}

/*
 * Goalposts with defaults: a missing lo (hi) is the minimum (maximum) of the
 * present values.  No value present: nothing to do.  lo = hi from the
 * defaults (all values equal): every value is 50, the middle of the scale,
 * as minmax.  lo = hi given by the caller: NOUS_ERR_PARAM with a message.
 */
nous_status
nous_norm_goalposts_auto(const double *x, const bool *present, int n,
						 bool has_lo, double lo, bool has_hi, double hi,
						 bool clip, double *out, char *msg, size_t msglen)
{
	int			i;

	if (!has_lo || !has_hi)
	{
		double		mn = INFINITY,
					mx = -INFINITY;

		for (i = 0; i < n; i++)
			if (present[i])
			{
				mn = x[i] < mn ? x[i] : mn;
				mx = x[i] > mx ? x[i] : mx;
			}
		if (!has_lo)
			lo = mn;
		if (!has_hi)
			hi = mx;
	}
	if (!isfinite(lo) || !isfinite(hi))
		return NOUS_OK;			/* no value present */
	if (lo == hi)
	{
		if (has_lo && has_hi)
		{
			snprintf(msg, msglen, "Both are %g.", lo);
			return NOUS_ERR_PARAM;
		}
		for (i = 0; i < n; i++)
			if (present[i])
				out[i] = 50.0;
		return NOUS_OK;
	}
	return nous_norm_goalposts(x, present, n, lo, hi, clip, out);
}

static void
clip_into(const double *x, const bool *present, int n, double lo, double hi,
		  double *out)
{
	int			i;

	for (i = 0; i < n; i++)
		if (present[i])
			out[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);
}

/* OECD/JRC Handbook (2008) §3 (outliers), winsorisation at percentiles. */
nous_status
nous_norm_winsor_quantile(const double *x, const bool *present, int n,
						  double p, double *out)
{
	double	   *s;
	int			m;
	nous_status st;

	if (!(p >= 0.0 && p < 0.5))
		return NOUS_ERR_PARAM;
	st = sorted_present(x, present, n, &s, &m);
	if (st != NOUS_OK || m == 0)
		return st;
	clip_into(x, present, n, nous_quantile7(s, m, p), nous_quantile7(s, m, 1.0 - p), out);
	nous_free(s);
	return NOUS_OK;
}

/* OECD/JRC Handbook (2008) §3 (outliers), winsorisation at mean +/- k sd. */
nous_status
nous_norm_winsor_sd(const double *x, const bool *present, int n, double k,
					nous_sd_kind kind, double *out)
{
	double		mean,
				sd;
	int			m;

	if (!(k > 0.0) || !isfinite(k))
		return NOUS_ERR_PARAM;
	nous_mean_sd(x, present, n, kind, &mean, &sd, &m);
	if (m == 0)
		return NOUS_OK;
	if (isnan(sd))
		sd = 0.0;
	clip_into(x, present, n, mean - k * sd, mean + k * sd, out);
	return NOUS_OK;
}

/* OECD/JRC Handbook (2008) §5.2, log transformation of skewed indicators. */
nous_status
nous_norm_log(const double *x, const bool *present, int n, double offset,
			  double *out)
{
	int			i;

	for (i = 0; i < n; i++)
		if (present[i] && !(x[i] + offset > 0.0))
			return NOUS_ERR_DOMAIN;
	for (i = 0; i < n; i++)
		if (present[i])
			out[i] = log(x[i] + offset);
	return NOUS_OK;
}

void
nous_reflect(double *v, const bool *present, int n, double centre)
{
	int			i;

	for (i = 0; i < n; i++)
		if (present[i])
			v[i] = 2.0 * centre - v[i];
}

nous_status
nous_check_weights(const double *w, int k)
{
	double		sum = 0.0;
	int			j;

	for (j = 0; j < k; j++)
	{
		if (!isfinite(w[j]) || w[j] < 0.0)
			return NOUS_ERR_PARAM;
		sum += w[j];
	}
	return sum > 0.0 ? NOUS_OK : NOUS_ERR_PARAM;
}

void
nous_coverage(const bool *present, int n, int k, const double *w,
			  double *coverage)
{
	double		total = 0.0;
	int			i,
				j;

	for (j = 0; j < k; j++)
		total += w[j];
	for (i = 0; i < n; i++)
		coverage[i] = 0.0;
	for (j = 0; j < k; j++)
	{
		const bool *pcol = present + (size_t) j * n;

		for (i = 0; i < n; i++)
			if (pcol[i])
				coverage[i] += w[j];
	}
	for (i = 0; i < n; i++)
		coverage[i] = total > 0.0 ? coverage[i] / total : 0.0;
}

#define AT(j, i) ((size_t) (j) * (size_t) n + (size_t) (i))

/* OECD/JRC Handbook (2008) §6.1, weighted arithmetic mean. */
nous_status
nous_agg_mean(const double *x, const bool *present, int n, int k,
			  const double *w, double *out, bool *outp)
{
	double	   *sw;
	int			i,
				j;

	/* column by column: contiguous reads, one accumulator per row */
	sw = nous_alloc(sizeof(double) * (size_t) (n > 0 ? n : 1));
	if (sw == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < n; i++)
	{
		out[i] = 0.0;
		sw[i] = 0.0;
	}
	for (j = 0; j < k; j++)
	{
		const double *col = x + AT(j, 0);
		const bool *pcol = present + AT(j, 0);
		double		wj = w[j];

		NOUS_CHECK_INTERRUPTS();
		for (i = 0; i < n; i++)
			if (pcol[i])
			{
				out[i] += wj * col[i];
				sw[i] += wj;
			}
	}
	for (i = 0; i < n; i++)
	{
		outp[i] = sw[i] > 0.0;
		out[i] = outp[i] ? out[i] / sw[i] : 0.0;
	}
	nous_free(sw);
	return NOUS_OK;
}

/* OECD/JRC Handbook (2008) §6.1, weighted geometric mean (with a shift). */
nous_status
nous_agg_geometric(const double *x, const bool *present, int n, int k,
				   const double *w, double shift, double *out, bool *outp)
{
	size_t		c;
	int			i,
				j;

	for (c = 0; c < (size_t) n * (size_t) k; c++)
		if (present[c] && !(x[c] + shift > 0.0))
			return NOUS_ERR_DOMAIN;
	for (i = 0; i < n; i++)
	{
		double		s = 0.0,
					sw = 0.0;

		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		for (j = 0; j < k; j++)
			if (present[AT(j, i)] && w[j] > 0.0)
			{
				s += w[j] * log(x[AT(j, i)] + shift);
				sw += w[j];
			}
		outp[i] = sw > 0.0;
		out[i] = sw > 0.0 ? exp(s / sw) - shift : 0.0;
	}
	return NOUS_OK;
}

/* Hardy, Littlewood & Pólya (1934) ch. II, weighted power mean M_p. */
nous_status
nous_agg_power(const double *x, const bool *present, int n, int k,
			   const double *w, double p, double *out, bool *outp)
{
	size_t		c;
	int			i,
				j;

	if (!isfinite(p))
		return NOUS_ERR_PARAM;
	if (p == 0.0)
		return nous_agg_geometric(x, present, n, k, w, 0.0, out, outp);
	for (c = 0; c < (size_t) n * (size_t) k; c++)
		if (present[c] && (x[c] < 0.0 || (p < 0.0 && x[c] == 0.0)))
			return NOUS_ERR_DOMAIN;
	for (i = 0; i < n; i++)
	{
		double		s = 0.0,
					sw = 0.0,
					m = 0.0;
		bool		any = false;

		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		/*
		 * M_p(x) = m M_p(x / m) with m the largest value (p > 0) or the
		 * smallest (p < 0): every (x / m)^p is then in [0, 1], so a large |p|
		 * cannot overflow (it used to give Infinity) and M_p tends to the
		 * max (min) as it should.
		 */
		for (j = 0; j < k; j++)
			if (present[AT(j, i)] && w[j] > 0.0)
			{
				double		v = x[AT(j, i)];

				if (!any || (p > 0.0 ? v > m : v < m))
					m = v;
				any = true;
			}
		if (any && m > 0.0)
			for (j = 0; j < k; j++)
				if (present[AT(j, i)] && w[j] > 0.0)
				{
					s += w[j] * pow(x[AT(j, i)] / m, p);
					sw += w[j];
				}
		outp[i] = any;
		out[i] = sw > 0.0 ? m * pow(s / sw, 1.0 / p) : 0.0;
	}
	return NOUS_OK;
}

/* Mazziotta & Pareto (2016), Soc. Indic. Res. 127:983-1003, MPI +/-. */
nous_status
nous_agg_mpi(const double *x, const bool *present, int n, int k,
			 const double *w, int sign, nous_sd_kind kind, bool rescale,
			 double *out, bool *outp)
{
	int			i,
				j;

	if (sign != 1 && sign != -1)
		return NOUS_ERR_PARAM;
	for (i = 0; i < n; i++)
	{
		double		s = 0.0,
					sw = 0.0,
					ss = 0.0,
					mean,
					var;
		int			m = 0;

		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		for (j = 0; j < k; j++)
			if (present[AT(j, i)] && w[j] > 0.0)
			{
				double		z = rescale ? 100.0 + 10.0 * x[AT(j, i)] : x[AT(j, i)];

				s += w[j] * z;
				sw += w[j];
				m++;
			}
		outp[i] = sw > 0.0;
		out[i] = 0.0;
		if (!(sw > 0.0))
			continue;
		mean = s / sw;
		if (!(mean > 0.0))
			return NOUS_ERR_DOMAIN;
		for (j = 0; j < k; j++)
			if (present[AT(j, i)] && w[j] > 0.0)
			{
				double		z = rescale ? 100.0 + 10.0 * x[AT(j, i)] : x[AT(j, i)];

				ss += w[j] * (z - mean) * (z - mean);
			}
		var = ss / sw;
		if (kind == NOUS_SD_SAMPLE)
			var = m > 1 ? var * m / (m - 1) : 0.0;
		out[i] = mean + sign * var / mean;
	}
	return NOUS_OK;
}

/* Décret 2014-1575, annexe 2: weighted mean of the ranks of the criteria. */
nous_status
nous_agg_rankmean(const double *x, const bool *present, int n, int k,
				  const double *w, nous_ties ties, double *out, bool *outp)
{
	double	   *r;
	nous_status st;
	int			j;

	r = nous_alloc(sizeof(double) * (size_t) n * (size_t) k);
	if (r == NULL)
		return NOUS_ERR_NOMEM;
	for (j = 0; j < k; j++)
	{
		st = nous_norm_rank(x + AT(j, 0), present + AT(j, 0), n, ties, r + AT(j, 0));
		if (st != NOUS_OK)
		{
			nous_free(r);
			return st;
		}
	}
	st = nous_agg_mean(r, present, n, k, w, out, outp);
	nous_free(r);
	return st;
}

/* Count of criteria in the worst quartile (regional services' grid method). */
nous_status
nous_agg_worstq(const double *x, const bool *present, int n, int k,
				const double *w, double q, bool strict, double *out, bool *outp)
{
	double	   *thr;
	int			i,
				j;

	if (!(q >= 0.0 && q <= 1.0))
		return NOUS_ERR_PARAM;
	thr = nous_alloc(sizeof(double) * (size_t) k);
	if (thr == NULL)
		return NOUS_ERR_NOMEM;
	for (j = 0; j < k; j++)
	{
		double	   *s;
		int			m;
		nous_status st = sorted_present(x + AT(j, 0), present + AT(j, 0), n, &s, &m);

		if (st != NOUS_OK)
		{
			nous_free(thr);
			return st;
		}
		thr[j] = nous_quantile7(s, m, q);
		nous_free(s);
	}
	for (i = 0; i < n; i++)
	{
		double		c = 0.0,
					sw = 0.0;
		int			m = 0;

		for (j = 0; j < k; j++)
			if (present[AT(j, i)] && w[j] > 0.0)
			{
				double		v = x[AT(j, i)];

				sw += w[j];
				m++;
				if (strict ? v > thr[j] : v >= thr[j])
					c += w[j];
			}
		outp[i] = sw > 0.0;
		/* weights rescaled to mean 1 over the m present components */
		out[i] = sw > 0.0 ? c * m / sw : 0.0;
	}
	nous_free(thr);
	return NOUS_OK;
}

/* Index of specificity from counts: (num_i/den_i) / (sum num / sum den), base 100. */
nous_status
nous_reference_gap(const double *num, const double *den, const bool *present,
				   int n, double *out, bool *outp)
{
	double		sn = 0.0,
				sd = 0.0,
				ref;
	int			i,
				m = 0;

	for (i = 0; i < n; i++)
		if (present[i])
		{
			if (num[i] < 0.0 || den[i] < 0.0)
				return NOUS_ERR_PARAM;
			sn += num[i];
			sd += den[i];
			m++;
		}
	for (i = 0; i < n; i++)
		outp[i] = false;
	if (m == 0)
		return NOUS_OK;
	if (!(sd > 0.0) || !(sn > 0.0))
		return NOUS_ERR_DOMAIN;
	ref = sn / sd;
	for (i = 0; i < n; i++)
		if (present[i] && den[i] > 0.0)
		{
			out[i] = 100.0 * (num[i] / den[i]) / ref;
			outp[i] = true;
		}
	return NOUS_OK;
}

/* Décret n° 2014-767 du 3 juillet 2014, article 4. */
nous_status
nous_qpv_income_threshold(double national, double unit, long long population,
						  double *out)
{
	double		t,
				q,
				r;

	if (!isfinite(national) || !isfinite(unit))
		return NOUS_ERR_NONFINITE;
	if (national < 0.0 || unit < 0.0 || population < 0)
		return NOUS_ERR_DOMAIN;
	/* 0.6 (a nat + b unit) = 6 (10a nat + 10b unit) / 100, exact for integer medians */
	if (population < 5000000LL)
		t = 6.0 * (7.0 * national + 3.0 * unit);
	else
		t = 6.0 * (3.0 * national + 7.0 * unit);
	/* in hundreds of euros: t / 100 euros = t / 10000 hundreds */
	q = t / 10000.0;
	r = nearbyint(q);
	if (fabs(q - r) <= 1e-9 * (fabs(q) > 1.0 ? fabs(q) : 1.0))
		q = r;					/* a multiple of 100 up to rounding noise */
	*out = ceil(q) * 100.0;
	return NOUS_OK;
}

/* ---- the composite in two steps (issue 14) ---- */

void
nous_tsm_init(nous_ts_moments *m)
{
	m->n = 0.0;
	m->sum = 0.0;
	m->m2 = 0.0;
	m->min = INFINITY;
	m->max = -INFINITY;
}

/* Chan, Golub & LeVeque (1979), as PostgreSQL's float8_combine. */
void
nous_tsm_merge(nous_ts_moments *a, const nous_ts_moments *b)
{
	if (b->n == 0.0)
		return;
	if (a->n == 0.0)
	{
		*a = *b;
		return;
	}
	{
		double		n = a->n + b->n;
		double		tmp = a->sum / a->n - b->sum / b->n;

		a->m2 = a->m2 + b->m2 + a->n * b->n * tmp * tmp / n;
		a->sum += b->sum;
		a->n = n;
	}
	if (b->min < a->min)
		a->min = b->min;
	if (b->max > a->max)
		a->max = b->max;
}

nous_status
nous_ts_transform(const nous_ts_spec *s, double x, double *t)
{
	if (s->method != NOUS_TS_LOG)
	{
		*t = x;
		return NOUS_OK;
	}
	if (!(x + s->p1 > 0.0))
		return NOUS_ERR_DOMAIN;
	*t = log(x + s->p1);
	return NOUS_OK;
}

/* z-score of the moments (nous_norm_zscore): 0 when sd is 0 or undefined. */
static void
prepare_zscore(const nous_ts_moments *m, nous_sd_kind kind, nous_ts_comp *c)
{
	double		sd;

	if (kind == NOUS_SD_SAMPLE)
		sd = m->n > 1.0 ? sqrt(m->m2 / (m->n - 1.0)) : NAN;
	else
		sd = sqrt(m->m2 / m->n);
	if (m->min == m->max)
		sd = 0.0;				/* equal values: no spread (nous_mean_sd) */
	if (isnan(sd) || sd == 0.0)
	{
		c->constant = true;
		c->value = 0.0;
		return;
	}
	c->sub = m->sum / m->n;
	c->div = sd;
}

/* min-max 0-100 of the moments (nous_norm_minmax): 50 when max = min. */
static void
prepare_minmax(double lo, double hi, nous_ts_comp *c)
{
	if (!(hi > lo))
	{
		c->constant = true;
		c->value = 50.0;
		return;
	}
	c->sub = lo;
	c->div = hi - lo;
	c->mul = 100.0;
}

nous_status
nous_ts_prepare(const nous_ts_spec *s, const nous_ts_moments *m, int polarity,
				nous_ts_comp *c)
{
	memset(c, 0, sizeof(*c));
	c->sub = 0.0;
	c->div = 1.0;
	c->mul = 1.0;
	c->add = 0.0;
	c->reflect = polarity < 0;
	c->empty = !(m->n > 0.0);
	switch (s->method)
	{
		case NOUS_TS_ZSCORE:
			if (!c->empty)
				prepare_zscore(m, (nous_sd_kind) s->sd, c);
			break;
		case NOUS_TS_MINMAX:
			c->centre = 50.0;
			prepare_minmax(m->min, m->max, c);
			break;
		case NOUS_TS_GOALPOSTS:
			{
				double		lo = s->has_p1 ? s->p1 : m->min;
				double		hi = s->has_p2 ? s->p2 : m->max;

				/* nous_norm_goalposts_auto */
				c->centre = 50.0;
				if (!isfinite(lo) || !isfinite(hi))
					break;		/* no value: empty */
				if (lo == hi)
				{
					if (s->has_p1 && s->has_p2)
						return NOUS_ERR_PARAM;
					c->constant = true;
					c->value = 50.0;
					break;
				}
				c->sub = lo;
				c->div = hi - lo;
				c->mul = 100.0;
				c->clip = s->clip;
				break;
			}
		case NOUS_TS_RATIO:
			{
				double		ref = s->has_p1 ? s->p1 : m->sum / m->n;

				c->centre = 100.0;
				if (!s->has_p1 && c->empty)
					break;
				if (ref == 0.0 || !isfinite(ref))
					return NOUS_ERR_DOMAIN;
				c->div = ref;
				c->mul = 100.0;
				break;
			}
		case NOUS_TS_LOG:
			c->log = true;
			c->offset = s->p1;
			if (s->scale == NOUS_TS_SCALE_ZSCORE && !c->empty)
				prepare_zscore(m, NOUS_SD_SAMPLE, c);
			else if (s->scale == NOUS_TS_SCALE_MINMAX)
			{
				c->centre = 50.0;
				prepare_minmax(m->min, m->max, c);
			}
			break;
		case NOUS_TS_NONE:
			break;
		default:
			return NOUS_ERR_PARAM;
	}
	return NOUS_OK;
}

nous_status
nous_ts_normalise_row(const nous_ts_comp *c, const double *x, const bool *present,
					  int k, double *v, int *bad)
{
	int			j;

	for (j = 0; j < k; j++)
	{
		const nous_ts_comp *cj = &c[j];
		double		t,
					r;

		if (!present[j])
			continue;
		if (cj->empty)
		{
			*bad = j;
			return NOUS_ERR_EMPTY;
		}
		t = x[j];
		if (cj->log)
		{
			if (!(t + cj->offset > 0.0))
			{
				*bad = j;
				return NOUS_ERR_DOMAIN;
			}
			t = log(t + cj->offset);
		}
		if (cj->constant)
			r = cj->value;
		else
			r = cj->mul * ((t - cj->sub) / cj->div) + cj->add;
		if (cj->clip)
			r = r < 0.0 ? 0.0 : (r > 100.0 ? 100.0 : r);
		if (cj->reflect)
			r = 2.0 * cj->centre - r;
		v[j] = r;
	}
	return NOUS_OK;
}

double
nous_ts_coverage_row(const bool *present, int k, const double *w, double total)
{
	double		c = 0.0;
	int			j;

	for (j = 0; j < k; j++)
		if (present[j])
			c += w[j];
	return total > 0.0 ? c / total : 0.0;
}

void
nous_ts_mean_row(const double *v, const bool *present, int k, const double *w,
				 double *score, bool *has)
{
	double		s = 0.0,
				sw = 0.0;
	int			j;

	for (j = 0; j < k; j++)
		if (present[j])
		{
			s += w[j] * v[j];
			sw += w[j];
		}
	*has = sw > 0.0;
	*score = *has ? s / sw : 0.0;
}
