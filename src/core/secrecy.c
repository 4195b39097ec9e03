/*
 * secrecy.c — statistical secrecy rules, plain C (see secrecy.h).
 *
 * Secondary suppression works on "lines": sets of elements tied by one
 * additive equation (a parent and its children; a row of a table and its
 * total; a column and its total).  A line with exactly one suppressed
 * element lets a reader recover it by one subtraction, so the smallest
 * published element of the line is suppressed too (hide least information),
 * and the rule is applied to every line again until nothing changes.
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

/*
 * Apply the line rule to the elements elem[0..m-1]: when exactly one is
 * suppressed, suppress the smallest published one (first in list order on
 * ties).  Returns true when a status changed.
 */
static bool
line_rule(const int *elem, int m, const double *count, int *status)
{
	int			k,
				nsup = 0,
				best = -1;

	for (k = 0; k < m; k++)
	{
		int			e = elem[k];

		if (status[e] != NOUS_SEC_PUBLISHED)
			nsup++;
		else if (best < 0 || count[e] < count[best])
			best = e;
	}
	if (nsup != 1 || best < 0)
		return false;
	status[best] = NOUS_SEC_SECONDARY;
	return true;
}

typedef struct id_ref
{
	const char *id;
	int			i;
} id_ref;

static int
id_cmp(const void *a, const void *b)
{
	const id_ref *x = a,
			   *y = b;
	int			c = strcmp(x->id, y->id);

	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

nous_status
nous_sec_parent_index(int n, const char *const *ids, const char *const *parents,
					  int *parent, nous_sec_diag *diag)
{
	id_ref	   *r = nous_alloc(sizeof(id_ref) * (size_t) n);
	int			i;

	diag->kind = NOUS_SEC_OK;
	diag->index = -1;
	if (r == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < n; i++)
	{
		r[i].id = ids[i];
		r[i].i = i;
	}
	qsort(r, (size_t) n, sizeof(id_ref), id_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(r[i - 1].id, r[i].id) == 0)
		{
			diag->kind = NOUS_SEC_DUPLICATE;
			diag->index = r[i].i;
			nous_free(r);
			return NOUS_ERR_DOMAIN;
		}
	for (i = 0; i < n; i++)
	{
		id_ref		key,
				   *hit;
		int			lo = 0,
					hi = n - 1;

		parent[i] = -1;
		if (parents[i] == NULL)
			continue;
		key.id = parents[i];
		hit = NULL;
		while (lo <= hi)
		{
			int			mid = lo + (hi - lo) / 2;
			int			c = strcmp(key.id, r[mid].id);

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
		parent[i] = hit->i;
	}
	nous_free(r);
	return NOUS_OK;
}

/* Secondary suppression in a hierarchy (line rule on each parent and its
 * children; cf. Hundepool et al. 2012, §4.4, hierarchical tables). */
nous_status
nous_sec_suppress_1d(int n, const int *parent, const double *count,
					 int *status, double tol, nous_sec_diag *diag)
{
	int		   *state,
			   *first,
			   *elem;
	int			i,
				p;
	double	   *sum;
	bool		changed;
	long		iter = 0;

	diag->kind = NOUS_SEC_OK;
	diag->index = -1;
	for (i = 0; i < n; i++)
		if (!isfinite(count[i]) || count[i] < 0.0)
		{
			diag->kind = NOUS_SEC_NEGATIVE;
			diag->index = i;
			return NOUS_ERR_DOMAIN;
		}
	state = nous_alloc(sizeof(int) * (size_t) n);
	first = nous_alloc(sizeof(int) * (size_t) (n + 1));
	elem = nous_alloc(sizeof(int) * (size_t) (n + 1) * 2);
	sum = nous_alloc(sizeof(double) * (size_t) n);
	if (!state || !first || !elem || !sum)
	{
		nous_free(state);
		nous_free(first);
		nous_free(elem);
		nous_free(sum);
		return NOUS_ERR_NOMEM;
	}
	/* cycles: walk up from each node; state 0 new, i + 2 on this walk, 1 done */
	memset(state, 0, sizeof(int) * (size_t) n);
	for (i = 0; i < n; i++)
	{
		int			j = i;

		while (j >= 0 && state[j] == 0)
		{
			state[j] = i + 2;
			j = parent[j];
		}
		if (j >= 0 && state[j] == i + 2)
		{
			diag->kind = NOUS_SEC_CYCLE;
			diag->index = j;
			break;
		}
		for (j = i; j >= 0 && state[j] == i + 2; j = parent[j])
			state[j] = 1;
	}
	if (diag->kind != NOUS_SEC_OK)
		goto fail;

	/* children in CSR form: first[p] .. first[p + 1] - 1 in elem[n + 1 ..] */
	memset(first, 0, sizeof(int) * (size_t) (n + 1));
	for (i = 0; i < n; i++)
	{
		sum[i] = 0.0;
		if (parent[i] >= 0)
			first[parent[i] + 1]++;
	}
	for (p = 0; p < n; p++)
		first[p + 1] += first[p];
	{
		int		   *fill = state;	/* reuse as a cursor */
		int		   *kids = elem + n + 1;

		for (p = 0; p < n; p++)
			fill[p] = first[p];
		for (i = 0; i < n; i++)
			if (parent[i] >= 0)
			{
				kids[fill[parent[i]]++] = i;
				sum[parent[i]] += count[i];
			}
	}
	/* additivity of every parent */
	for (p = 0; p < n; p++)
		if (first[p + 1] > first[p] &&
			fabs(sum[p] - count[p]) > tol * fmax(1.0, fabs(count[p])))
		{
			diag->kind = NOUS_SEC_NOT_ADDITIVE;
			diag->index = p;
			diag->sum = sum[p];
			goto fail;
		}

	/* the line rule to a fixed point; children first in each line, parent last */
	do
	{
		changed = false;
		for (p = 0; p < n; p++)
		{
			int			m = first[p + 1] - first[p];

			if (m == 0)
				continue;
			if (++iter % NOUS_INTERRUPT_EVERY == 0)
				NOUS_CHECK_INTERRUPTS();
			memcpy(elem, elem + n + 1 + first[p], sizeof(int) * (size_t) m);
			elem[m] = p;
			if (line_rule(elem, m + 1, count, status))
				changed = true;
		}
	} while (changed);

	nous_free(state);
	nous_free(first);
	nous_free(elem);
	nous_free(sum);
	return NOUS_OK;

fail:
	nous_free(state);
	nous_free(first);
	nous_free(elem);
	nous_free(sum);
	return NOUS_ERR_DOMAIN;
}

/*
 * Two-dimensional table with margins.  Treat the extended table as a
 * bipartite graph: row vertices 0..nr (nr = the column-total row), column
 * vertices 0..nc (nc = the row-total column), one edge per suppressed
 * present element.  Each line equation is a conservation law at a vertex,
 * so the hidden values can move only along cycles: a hidden element is
 * determined exactly by the published ones iff its edge is a bridge
 * (Gusfield 1988, "A graph theoretic approach to statistical data
 * security", SIAM J. Comput. 17(3)).
 */
typedef struct sec2d
{
	int			R,
				C;
	const bool *present;
	const double *ext;
	int		   *status;
	int		   *queue;
	int		   *mark;
} sec2d;

static inline bool
hidden2(const sec2d *g, int k)
{
	return g->present[k] && g->status[k] != NOUS_SEC_PUBLISHED;
}

/* BFS over hidden edges from vertex v (rows 0..R-1, columns R..R+C-1),
 * skipping the element skip; marks reached vertices with tag. */
static void
bfs2(sec2d *g, int v, int skip, int tag)
{
	int			head = 0,
				tail = 0;

	g->mark[v] = tag;
	g->queue[tail++] = v;
	while (head < tail)
	{
		int			u = g->queue[head++],
					w;

		if (u < g->R)
		{
			for (w = 0; w < g->C; w++)
				if (u * g->C + w != skip && hidden2(g, u * g->C + w) &&
					g->mark[g->R + w] != tag)
				{
					g->mark[g->R + w] = tag;
					g->queue[tail++] = g->R + w;
				}
		}
		else
		{
			int			c = u - g->R;

			for (w = 0; w < g->R; w++)
				if (w * g->C + c != skip && hidden2(g, w * g->C + c) &&
					g->mark[w] != tag)
				{
					g->mark[w] = tag;
					g->queue[tail++] = w;
				}
		}
	}
}

/*
 * Find one hidden element that is a bridge and hide one more published
 * element that closes a cycle through it: the smallest element joining the
 * two sides; failing that (structural empties), the smallest published
 * element of its row or column.  Returns true when a status changed.
 */
static bool
fix_one_bridge(sec2d *g)
{
	int			k,
				n = g->R * g->C;
	long		iter = 0;

	for (k = 0; k < n; k++)
	{
		int			r = k / g->C,
					c = k % g->C,
					i,
					best = -1;

		if (!hidden2(g, k))
			continue;
		if (++iter % 1024 == 0)
			NOUS_CHECK_INTERRUPTS();
		for (i = 0; i < g->R + g->C; i++)
			g->mark[i] = 0;
		bfs2(g, r, k, 1);
		if (g->mark[g->R + c] == 1)
			continue;			/* on a cycle: not determined */
		bfs2(g, g->R + c, k, 2);
		/* a published element between the two sides of the bridge */
		for (i = 0; i < n; i++)
		{
			int			a = g->mark[i / g->C],
						b = g->mark[g->R + i % g->C];

			if (!g->present[i] || g->status[i] != NOUS_SEC_PUBLISHED)
				continue;
			if (a == 0 || b == 0 || a == b)
				continue;
			if (best < 0 || g->ext[i] < g->ext[best])
				best = i;
		}
		if (best < 0)
		{
			for (i = 0; i < g->C; i++)
				if (g->present[r * g->C + i] && g->status[r * g->C + i] == NOUS_SEC_PUBLISHED &&
					(best < 0 || g->ext[r * g->C + i] < g->ext[best]))
					best = r * g->C + i;
			for (i = 0; i < g->R; i++)
				if (g->present[i * g->C + c] && g->status[i * g->C + c] == NOUS_SEC_PUBLISHED &&
					(best < 0 || g->ext[i * g->C + c] < g->ext[best]))
					best = i * g->C + c;
		}
		if (best >= 0)
		{
			g->status[best] = NOUS_SEC_SECONDARY;
			return true;
		}
	}
	return false;
}

/* The line rule on every row and column of the extended table (Hundepool
 * et al. 2012, §4.4: a suppressed cell needs a partner in each of its
 * lines), then the bridge audit above, alternately to a fixed point. */
nous_status
nous_sec_suppress_2d(int nr, int nc, const double *ext, const bool *present,
					 int *status)
{
	int			R = nr + 1,
				C = nc + 1;
	int		   *elem = nous_alloc(sizeof(int) * (size_t) (R > C ? R : C));
	int		   *queue = nous_alloc(sizeof(int) * (size_t) (R + C));
	int		   *mark = nous_alloc(sizeof(int) * (size_t) (R + C));
	int			r,
				c,
				m;
	bool		changed;
	long		iter = 0;
	sec2d		g;

	if (elem == NULL || queue == NULL || mark == NULL)
	{
		nous_free(elem);
		nous_free(queue);
		nous_free(mark);
		return NOUS_ERR_NOMEM;
	}
	for (r = 0; r < R * C; r++)
		if (present[r] && (!isfinite(ext[r]) || ext[r] < 0.0))
		{
			nous_free(elem);
			nous_free(queue);
			nous_free(mark);
			return NOUS_ERR_DOMAIN;
		}
	g.R = R;
	g.C = C;
	g.present = present;
	g.ext = ext;
	g.status = status;
	g.queue = queue;
	g.mark = mark;
	do
	{
		do
		{
			changed = false;
			for (r = 0; r < R; r++)
			{
				for (m = 0, c = 0; c < C; c++)
					if (present[r * C + c])
						elem[m++] = r * C + c;
				if (line_rule(elem, m, ext, status))
					changed = true;
			}
			for (c = 0; c < C; c++)
			{
				if (++iter % NOUS_INTERRUPT_EVERY == 0)
					NOUS_CHECK_INTERRUPTS();
				for (m = 0, r = 0; r < R; r++)
					if (present[r * C + c])
						elem[m++] = r * C + c;
				if (line_rule(elem, m, ext, status))
					changed = true;
			}
		} while (changed);
	} while (fix_one_bridge(&g));
	nous_free(elem);
	nous_free(queue);
	nous_free(mark);
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
