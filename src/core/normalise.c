/*
 * normalise.c — z-score, min-max, rank, percentile rank and ratio.
 *
 * Definitions: OECD/JRC Handbook on Constructing Composite Indicators (2008),
 * section 5 (standardisation, min-max, ranking, distance to a reference).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "normalise.h"

/* Mean and standard deviation, two passes (no cancellation). */
nous_status
nous_mean_sd(const double *x, const bool *present, int n, nous_sd_kind kind,
			 double *mean, double *sd, int *count)
{
	double		sum = 0.0;
	double		ss = 0.0;
	int			m = 0;
	int			i,
				first = -1;
	bool		constant = true;

	for (i = 0; i < n; i++)
		if (present[i])
		{
			sum += x[i];
			m++;
			if (first < 0)
				first = i;
		}
	*count = m;
	if (m == 0)
	{
		*mean = NAN;
		*sd = NAN;
		return NOUS_OK;
	}
	*mean = sum / m;
	for (i = 0; i < n; i++)
		if (present[i])
		{
			double		d = x[i] - *mean;

			ss += d * d;
			if (x[i] != x[first])
				constant = false;
		}
	/*
	 * Equal values have no spread, even when their rounded mean differs from
	 * them (the sum of m copies of log 6 divided by m is not log 6): without
	 * this, z-scores of a constant column were rounding noise divided by
	 * rounding noise.
	 */
	if (constant)
		ss = 0.0;
	if (kind == NOUS_SD_SAMPLE)
		*sd = m > 1 ? sqrt(ss / (m - 1)) : NAN;
	else
		*sd = sqrt(ss / m);
	return NOUS_OK;
}

/* OECD/JRC Handbook (2008) §5.2, standardisation (z-scores). */
nous_status
nous_norm_zscore(const double *x, const bool *present, int n,
				 nous_sd_kind kind, double *out)
{
	double		mean,
				sd;
	int			m,
				i;

	nous_mean_sd(x, present, n, kind, &mean, &sd, &m);
	for (i = 0; i < n; i++)
		if (present[i])
			out[i] = (isnan(sd) || sd == 0.0) ? 0.0 : (x[i] - mean) / sd;
	return NOUS_OK;
}

/* OECD/JRC Handbook (2008) §5.2, min-max rescaled to 0-100. */
nous_status
nous_norm_minmax(const double *x, const bool *present, int n, double *out)
{
	double		lo = INFINITY,
				hi = -INFINITY;
	int			i;

	for (i = 0; i < n; i++)
		if (present[i])
		{
			if (x[i] < lo)
				lo = x[i];
			if (x[i] > hi)
				hi = x[i];
		}
	for (i = 0; i < n; i++)
		if (present[i])
			out[i] = (hi > lo) ? 100.0 * ((x[i] - lo) / (hi - lo)) : 50.0;
	return NOUS_OK;
}

/* Sort positions by value; equal values keep their order of appearance. */
typedef struct
{
	double		v;
	int			pos;
} ranked;

static int
ranked_cmp(const void *a, const void *b)
{
	const ranked *ra = a;
	const ranked *rb = b;

	if (ra->v < rb->v)
		return -1;
	if (ra->v > rb->v)
		return 1;
	return (ra->pos > rb->pos) - (ra->pos < rb->pos);
}

/*
 * Ranks with the given tie rule; *distinct receives the number of distinct
 * present values.  Hyndman & Fan do not cover ranks; the tie rules are R's
 * rank(ties.method=) and SQL's rank()/dense_rank().
 */
static nous_status
rank_into(const double *x, const bool *present, int n, nous_ties ties,
		  double *out, int *count, int *distinct)
{
	ranked	   *r;
	int			m = 0,
				i,
				d = 0;

	for (i = 0; i < n; i++)
		if (present[i])
			m++;
	*count = m;
	*distinct = 0;
	if (m == 0)
		return NOUS_OK;
	r = nous_alloc(sizeof(ranked) * (size_t) m);
	if (r == NULL)
		return NOUS_ERR_NOMEM;
	m = 0;
	for (i = 0; i < n; i++)
		if (present[i])
		{
			r[m].v = x[i];
			r[m].pos = i;
			m++;
		}
	qsort(r, (size_t) m, sizeof(ranked), ranked_cmp);

	i = 0;
	while (i < m)
	{
		int			j = i;
		int			t;

		while (j + 1 < m && r[j + 1].v == r[i].v)
			j++;
		d++;
		/* positions i..j (0-based) hold one tied group */
		for (t = i; t <= j; t++)
		{
			double		rank;

			switch (ties)
			{
				case NOUS_TIES_MIN:
					rank = i + 1;
					break;
				case NOUS_TIES_MAX:
					rank = j + 1;
					break;
				case NOUS_TIES_DENSE:
					rank = d;
					break;
				case NOUS_TIES_FIRST:
					rank = t + 1;
					break;
				case NOUS_TIES_AVERAGE:
				default:
					rank = (i + j) / 2.0 + 1.0;
					break;
			}
			out[r[t].pos] = rank;
		}
		i = j + 1;
	}
	*distinct = d;
	nous_free(r);
	return NOUS_OK;
}

nous_status
nous_norm_rank(const double *x, const bool *present, int n, nous_ties ties,
			   double *out)
{
	int			m,
				d;

	return rank_into(x, present, n, ties, out, &m, &d);
}

nous_status
nous_norm_percentile(const double *x, const bool *present, int n,
					 nous_ties ties, double *out)
{
	int			m,
				d,
				i;
	nous_status st;
	double		denom;

	st = rank_into(x, present, n, ties, out, &m, &d);
	if (st != NOUS_OK || m == 0)
		return st;
	denom = (ties == NOUS_TIES_DENSE) ? d - 1 : m - 1;
	for (i = 0; i < n; i++)
	{
		if (!present[i])
			continue;
		if (d == 1 && !(ties == NOUS_TIES_FIRST && m > 1))
			/* every value tied, or a single value: the rule's shared place */
			out[i] = ties == NOUS_TIES_AVERAGE ? 50.0 :
				ties == NOUS_TIES_MAX ? 100.0 : 0.0;
		else
			out[i] = 100.0 * (out[i] - 1.0) / denom;
	}
	return NOUS_OK;
}

/* OECD/JRC Handbook (2008) §5.2, distance to a reference (ratio, base 100). */
nous_status
nous_norm_ratio(const double *x, const bool *present, int n, bool has_ref,
				double ref, double *out)
{
	int			i;

	if (!has_ref)
	{
		double		sd;
		int			m;

		nous_mean_sd(x, present, n, NOUS_SD_POPULATION, &ref, &sd, &m);
		if (m == 0)
			return NOUS_OK;
	}
	if (ref == 0.0 || !isfinite(ref))
		return NOUS_ERR_DOMAIN;
	for (i = 0; i < n; i++)
		if (present[i])
			out[i] = 100.0 * (x[i] / ref);
	return NOUS_OK;
}

bool
nous_parse_ties(const char *word, nous_ties *ties)
{
	static const struct
	{
		const char *name;
		nous_ties	t;
	}			names[] = {
		{"average", NOUS_TIES_AVERAGE},
		{"min", NOUS_TIES_MIN},
		{"max", NOUS_TIES_MAX},
		{"dense", NOUS_TIES_DENSE},
		{"first", NOUS_TIES_FIRST},
	};
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(word, names[i].name) == 0)
		{
			*ties = names[i].t;
			return true;
		}
	return false;
}

bool
nous_parse_sd(const char *word, nous_sd_kind *kind)
{
	if (strcmp(word, "population") == 0)
		*kind = NOUS_SD_POPULATION;
	else if (strcmp(word, "sample") == 0)
		*kind = NOUS_SD_SAMPLE;
	else
		return false;
	return true;
}
