/*
 * secrecy_rules.c — the primary rules of statistical secrecy (threshold,
 * dominance), the parent index of a hierarchy and rounding to a base, plain
 * C (see secrecy.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "secrecy.h"

/* Threshold rule: INSEE publishes no figure on fewer than 11 households for
 * tax-based data (Filosofi, secret fiscal, art. L103 LPF); 0 is published
 * unless hide_zero. */
bool
nous_sec_primary(long long count, int threshold, bool hide_zero)
{
	if (count == 0)
		return hide_zero;
	return count < threshold;
}

/* Dominance rule (n, k): Hundepool et al. 2012, Statistical Disclosure
 * Control, §4.2.2 — sensitive when the n largest contributions exceed k
 * times the cell total. */
nous_status
nous_sec_dominance(const double *x, int len, int top, double share, bool *hidden)
{
	double		total = 0.0,
				topsum = 0.0,
				prev = INFINITY;
	int			i,
				t,
				prev_i = -1;

	if (top < 1 || !(share > 0.0 && share <= 1.0))
		return NOUS_ERR_PARAM;
	for (i = 0; i < len; i++)
	{
		if (!isfinite(x[i]))
			return NOUS_ERR_NONFINITE;
		if (x[i] < 0.0)
			return NOUS_ERR_DOMAIN;
		total += x[i];
	}
	/* the top contributions, one selection pass each (top is 1 or 2 in use) */
	for (t = 0; t < top && t < len; t++)
	{
		int			best = -1;

		for (i = 0; i < len; i++)
		{
			/* next largest after (prev, prev_i) in the order (value desc, index asc) */
			if (x[i] > prev || (x[i] == prev && i <= prev_i))
				continue;
			if (best < 0 || x[i] > x[best])
				best = i;
		}
		if (best < 0)
			break;
		topsum += x[best];
		prev = x[best];
		prev_i = best;
	}
	*hidden = total > 0.0 && topsum > share * total;
	return NOUS_OK;
}

nous_status
nous_sec_parent_index(int n, const char *const *ids, const char *const *parents,
					  int *parent, nous_sec_diag *diag)
{
	nous_strref *r = nous_alloc(sizeof(nous_strref) * (size_t) n);
	int			i;

	diag->kind = NOUS_SEC_OK;
	diag->index = -1;
	if (r == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < n; i++)
	{
		r[i].s = ids[i];
		r[i].i = (size_t) i;
	}
	qsort(r, (size_t) n, sizeof(nous_strref), nous_strref_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(r[i - 1].s, r[i].s) == 0)
		{
			diag->kind = NOUS_SEC_DUPLICATE;
			diag->index = (int) r[i].i;
			nous_free(r);
			return NOUS_ERR_DOMAIN;
		}
	for (i = 0; i < n; i++)
	{
		nous_strref key,
				   *hit;
		int			lo = 0,
					hi = n - 1;

		parent[i] = -1;
		if (parents[i] == NULL)
			continue;
		key.s = parents[i];
		hit = NULL;
		while (lo <= hi)
		{
			int			mid = lo + (hi - lo) / 2;
			int			c = strcmp(key.s, r[mid].s);

			if (c == 0)
			{
				hit = &r[mid];
				break;
			}
			if (c < 0)
				hi = mid - 1;
			else
				lo = mid + 1;
		}
		if (hit == NULL)
		{
			diag->kind = NOUS_SEC_UNKNOWN_PARENT;
			diag->index = i;
			nous_free(r);
			return NOUS_ERR_DOMAIN;
		}
		parent[i] = (int) hit->i;
	}
	nous_free(r);
	return NOUS_OK;
}

/* Rounding to a base (INSEE / Eurostat practice for small counts): the
 * nearest multiple of base, halves away from zero. */
double
nous_sec_round_to_base(double x, int base)
{
	double		b = (double) base;

	if (x >= 0.0)
		return floor(x / b + 0.5) * b;
	return -floor(-x / b + 0.5) * b;
}
