/*
 * value_runs.c — sorted runs (value, multiplicity) of a multiset of doubles,
 * shared by the storable states of nous.first_quartile
 * (mix_alloc_quartile.c) and nous.breaks (classes_state.c); see
 * value_runs.h.
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "nous.h"
#include "classes.h"
#include "value_runs.h"

/*
 * New values are merged into the runs when the buffer holds this many and at
 * least as many as the runs: large enough that the radix sort of the core
 * (65,536 buckets a pass) pays, so that a column of distinct values costs a
 * few sorts and merges rather than many small ones.
 */
#define RUNS_RAW_MIN 65536

void
nous_runs_init(NousRuns *r, MemoryContext cxt)
{
	r->cxt = cxt;
	r->nraw = 0;
	r->capraw = 64;
	r->raw = MemoryContextAllocHuge(cxt, sizeof(double) * r->capraw);
	r->runs = NULL;
	r->nruns = 0;
}

void
nous_runs_add(NousRuns *r, double v, const char *what)
{
	nous_reserve(r->raw, r->capraw, r->nraw + 1, PG_INT64_MAX, what);
	r->raw[r->nraw++] = v;
	if (r->nraw >= Max(RUNS_RAW_MIN, r->nruns))
		nous_runs_compact(r);
}

void
nous_runs_merge(NousRuns *r, const double *b, Size nb)
{
	Size		na = r->nruns,
				i = 0,
				j = 0,
				k = 0;
	int64		cap;
	double	   *out;

	if (nb == 0)
		return;
	cap = nous_grow_cap(0, 2 * (int64) (na + nb), sizeof(double), PG_INT64_MAX, "distinct values");
	out = MemoryContextAllocHuge(r->cxt, cap * sizeof(double));
	while (i < na || j < nb)
	{
		double		v,
					m;

		if (j >= nb || (i < na && r->runs[2 * i] < b[2 * j]))
		{
			v = r->runs[2 * i];
			m = r->runs[2 * i + 1];
			i++;
		}
		else if (i >= na || b[2 * j] < r->runs[2 * i])
		{
			v = b[2 * j];
			m = b[2 * j + 1];
			j++;
		}
		else
		{
			v = b[2 * j];
			m = r->runs[2 * i + 1] + b[2 * j + 1];
			i++;
			j++;
		}
		out[2 * k] = v;
		out[2 * k + 1] = m;
		k++;
	}
	if (r->runs != NULL)
		pfree(r->runs);
	r->runs = out;
	r->nruns = k;
}

void
nous_runs_compact(NousRuns *r)
{
	double	   *s;
	Size		i,
				n = 0;

	if (r->nraw == 0)
		return;
	if (r->nraw >= RUNS_RAW_MIN)
	{
		/* radix sort: O(n) once the buffer is large */
		if (nous_sort_values(r->raw, (size_t) r->nraw) != NOUS_OK)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory sorting %lld values", (long long) r->nraw)));
	}
	else
		qsort(r->raw, r->nraw, sizeof(double), nous_cmp_double);
	/*
	 * The scratch runs live in the state's own context: compaction also runs
	 * from get_flat_size, whose caller's context may not support pfree
	 * (PostgreSQL 17's tuplesort copies tuples into a bump context).
	 */
	s = MemoryContextAllocHuge(r->cxt, sizeof(double) * 2 * r->nraw);
	for (i = 0; i < (Size) r->nraw; i++)
	{
		/* -0 and 0 are one value: keep 0 */
		double		v = r->raw[i] == 0.0 ? 0.0 : r->raw[i];

		if (n > 0 && s[2 * (n - 1)] == v)
			s[2 * (n - 1) + 1] += 1.0;
		else
		{
			s[2 * n] = v;
			s[2 * n + 1] = 1.0;
			n++;
		}
	}
	r->nraw = 0;
	nous_runs_merge(r, s, n);
	pfree(s);
}

double
nous_runs_total(const double *runs, Size nruns)
{
	double		total = 0.0;
	Size		i;

	for (i = 0; i < nruns; i++)
		total += runs[2 * i + 1];
	return total;
}

const char *
nous_runs_check(const double *runs, Size nruns, double min_value)
{
	double		total = 0.0;
	Size		i;

	for (i = 0; i < nruns; i++)
	{
		double		v = runs[2 * i],
					m = runs[2 * i + 1];

		if (!isfinite(v) || v < min_value)
			return min_value == 0.0 ? "A value is negative or not finite." : "A value is not finite.";
		if (i > 0 && !(v > runs[2 * (i - 1)]))
			return "The values are not in increasing order.";
		if (!(m >= 1.0 && m <= NOUS_RUNS_MAX_COUNT) || m != floor(m))
			return "A multiplicity is not a whole number between 1 and 2^53.";
		total += m;
		if (total > NOUS_RUNS_MAX_COUNT)
			return "The multiplicities add up to more than 2^53.";
	}
	return NULL;
}
