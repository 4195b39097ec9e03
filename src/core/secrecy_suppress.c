/*
 * secrecy_suppress.c — secondary suppression, plain C (see secrecy.h).
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

/*
 * The suppression engine.  Both kinds of table are a graph: a node per line
 * (an additive equation "what flows in = what flows out"), an element per
 * edge.  Hierarchy: the element i goes from the line of its children (or
 * the free node G for a leaf) to the line of its parent (or G for a root).
 * Table: a cell (r, c) goes from row r to column c, a row total from the
 * line of the row totals to row r, a column total from column c to the line
 * of the column totals, the grand total from the latter to the former.
 *
 * What a reader knows of a hidden element e (the published rules): an
 * interval [lo, hi] (threshold rule: a primary count is in [1, T - 1]; a
 * complement or a dominance cell was publishable, so it is at least T, and
 * never 0 since zeros are never complements; a complement chosen as the
 * smallest positive published element of a line is at most every positive
 * element published in that line).  The hidden values move together only
 * along circulations, so e is determined exactly iff no cycle through e can
 * move in either direction without leaving an interval: in the residual
 * graph (arc u -> v when x_e < hi_e, v -> u when x_e > lo_e), iff there is
 * no directed path from one end of e back to the other that avoids e
 * (Gusfield 1988, "A graph theoretic approach to statistical data
 * security", SIAM J. Comput. 17(3), extended to bounds as in the
 * "protection levels" of Fischetti & Salazar 1999; the classic line rule,
 * Hundepool et al. 2012 §4.4, is the first pass).
 */
#define SEC_INF HUGE_VAL

typedef struct secg
{
	int			nn,
				m;
	const bool *is_line;		/* node carries an equation */
	const int  *from,
			   *to;
	const double *x;
	int		   *status;
	int		   *chosen_at;		/* line where a complement was chosen, -1 */
	int		   *adj_start;		/* CSR over nodes: incident elements */
	int		   *adj;
	int		   *nhid;			/* hidden elements per node */
	double	   *lo,
			   *hi;
	/* scratch */
	int		   *stack,
			   *it,
			   *idx,
			   *low,
			   *comp,
			   *mark,
			   *queue;
	bool	   *onstack,
			   *bridge;
	long		work;
	nous_sec_rules rules;
} secg;

static inline bool
hid(const secg *g, int e)
{
	return g->status[e] != NOUS_SEC_PUBLISHED;
}

static inline void
tick(secg *g)
{
	if (++g->work % 4096 == 0)
		NOUS_CHECK_INTERRUPTS();
}

static inline int
other_end(const secg *g, int e, int n)
{
	return g->from[e] == n ? g->to[e] : g->from[e];
}

/* smallest positive published element incident to line n, -1 if none */
static int
smallest_at(secg *g, int n, int skip)
{
	int			k,
				best = -1;

	for (k = g->adj_start[n]; k < g->adj_start[n + 1]; k++)
	{
		int			e = g->adj[k];

		tick(g);
		if (e == skip || hid(g, e) || !(g->x[e] > 0.0))
			continue;
		if (best < 0 || g->x[e] < g->x[best])
			best = e;
	}
	return best;
}

static void
hide(secg *g, int e, int at, int *queue, int *qn)
{
	int			ends[2] = {g->from[e], g->to[e]},
				j;

	g->status[e] = NOUS_SEC_SECONDARY;
	g->chosen_at[e] = at;
	for (j = 0; j < (ends[0] == ends[1] ? 1 : 2); j++)
	{
		int			n = ends[j];

		if (++g->nhid[n] == 1 && g->is_line[n])
			queue[(*qn)++] = n;
	}
}

/*
 * The line rule: a line with exactly one hidden element gets a second one,
 * its smallest positive published element (first in input order on ties).
 * A worklist: a node is queued when its count goes from 0 to 1, so the
 * work is bounded by the number of elements.
 */
static void
line_rule(secg *g)
{
	int			qn = 0,
				n;

	for (n = 0; n < g->nn; n++)
		if (g->is_line[n] && g->nhid[n] == 1)
			g->queue[qn++] = n;
	while (qn > 0)
	{
		int			best;

		n = g->queue[--qn];
		if (g->nhid[n] != 1)
			continue;
		best = smallest_at(g, n, -1);
		if (best >= 0)
			hide(g, best, n, g->queue, &qn);
	}
}

/* what a reader knows of each hidden element (see above) */
static void
reader_bounds(secg *g)
{
	const nous_sec_rules *r = &g->rules;
	double		pos = r->integral ? 1.0 : 0.0,
				T = r->threshold;
	int			e;

	for (e = 0; e < g->m; e++)
	{
		double		lo = 0.0,
					hi = SEC_INF;

		if (!hid(g, e))
			continue;
		switch (g->status[e])
		{
			case NOUS_SEC_PRIMARY:
				lo = r->zeros_hidden ? 0.0 : pos;
				if (T > 0.0)
					hi = r->integral ? T - 1.0 : T;
				break;
			default:			/* dominance, secondary: publishable, not 0 */
				lo = T > 0.0 ? T : pos;
				if (g->status[e] == NOUS_SEC_SECONDARY && g->chosen_at[e] >= 0)
				{
					int			c = smallest_at(g, g->chosen_at[e], e);

					if (c >= 0)
						hi = g->x[c];
				}
				break;
		}
		g->lo[e] = fmin(lo, g->x[e]);
		g->hi[e] = fmax(hi, g->x[e]);
	}
}

static inline bool
arc_fwd(const secg *g, int e)
{
	return hid(g, e) && g->x[e] < g->hi[e];
}

static inline bool
arc_bwd(const secg *g, int e)
{
	return hid(g, e) && g->x[e] > g->lo[e];
}

/* does the residual arc of element e leave node n (and so enter other_end)? */
static inline bool
arc_out(const secg *g, int e, int n)
{
	if (g->from[e] == n && arc_fwd(g, e))
		return true;
	if (g->to[e] == n && arc_bwd(g, e))
		return true;
	return false;
}

/* strongly connected components of the residual graph (Tarjan, iterative) */
static void
residual_scc(secg *g)
{
	int			n,
				counter = 0,
				ncomp = 0;

	for (n = 0; n < g->nn; n++)
	{
		g->idx[n] = -1;
		g->onstack[n] = false;
	}
	for (n = 0; n < g->nn; n++)
	{
		int			sp = 0,
					cs = 0;	/* call stack depth in it[]/queue[], scc stack in stack[] */

		if (g->idx[n] >= 0)
			continue;
		g->queue[cs] = n;
		g->it[cs++] = g->adj_start[n];
		g->idx[n] = g->low[n] = counter++;
		g->stack[sp++] = n;
		g->onstack[n] = true;
		while (cs > 0)
		{
			int			u = g->queue[cs - 1];

			tick(g);
			if (g->it[cs - 1] < g->adj_start[u + 1])
			{
				int			e = g->adj[g->it[cs - 1]++],
							w;

				if (!arc_out(g, e, u))
					continue;
				w = other_end(g, e, u);
				if (g->idx[w] < 0)
				{
					g->idx[w] = g->low[w] = counter++;
					g->stack[sp++] = w;
					g->onstack[w] = true;
					g->queue[cs] = w;
					g->it[cs++] = g->adj_start[w];
				}
				else if (g->onstack[w] && g->idx[w] < g->low[u])
					g->low[u] = g->idx[w];
			}
			else
			{
				if (g->low[u] == g->idx[u])
				{
					int			w;

					do
					{
						w = g->stack[--sp];
						g->onstack[w] = false;
						g->comp[w] = ncomp;
					} while (w != u);
					ncomp++;
				}
				cs--;
				if (cs > 0)
				{
					int			p = g->queue[cs - 1];

					if (g->low[u] < g->low[p])
						g->low[p] = g->low[u];
				}
			}
		}
	}
}

/* bridges of the undirected graph of the elements that can move both ways
 * (Tarjan's low-link, iterative); bridge[e] set for those elements */
static void
two_way_bridges(secg *g)
{
	int			n,
				counter = 0;

	for (n = 0; n < g->nn; n++)
		g->idx[n] = -1;
	for (n = 0; n < g->m; n++)
		g->bridge[n] = false;
	for (n = 0; n < g->nn; n++)
	{
		int			cs = 0;

		if (g->idx[n] >= 0)
			continue;
		g->queue[cs] = n;
		g->stack[cs] = -1;		/* element used to enter the node */
		g->it[cs++] = g->adj_start[n];
		g->idx[n] = g->low[n] = counter++;
		while (cs > 0)
		{
			int			u = g->queue[cs - 1];

			tick(g);
			if (g->it[cs - 1] < g->adj_start[u + 1])
			{
				int			e = g->adj[g->it[cs - 1]++],
							w;

				if (e == g->stack[cs - 1] || !arc_fwd(g, e) || !arc_bwd(g, e))
					continue;
				w = other_end(g, e, u);
				if (w == u)
					continue;
				if (g->idx[w] < 0)
				{
					g->idx[w] = g->low[w] = counter++;
					g->queue[cs] = w;
					g->stack[cs] = e;
					g->it[cs++] = g->adj_start[w];
				}
				else if (g->idx[w] < g->low[u])
					g->low[u] = g->idx[w];
			}
			else
			{
				int			e = g->stack[cs - 1];

				cs--;
				if (cs > 0)
				{
					int			p = g->queue[cs - 1];

					if (g->low[u] < g->low[p])
						g->low[p] = g->low[u];
					if (g->low[u] > g->idx[p])
						g->bridge[e] = true;
				}
			}
		}
	}
}

/* is there a residual path from s to t that avoids element skip? */
static bool
residual_path(secg *g, int s, int t, int skip, int tag)
{
	int			head = 0,
				tail = 0;

	g->mark[s] = tag;
	g->queue[tail++] = s;
	while (head < tail)
	{
		int			u = g->queue[head++],
					k;

		if (u == t)
			return true;
		for (k = g->adj_start[u]; k < g->adj_start[u + 1]; k++)
		{
			int			e = g->adj[k],
						w;

			tick(g);
			if (e == skip || !arc_out(g, e, u))
				continue;
			w = other_end(g, e, u);
			if (g->mark[w] != tag)
			{
				g->mark[w] = tag;
				g->queue[tail++] = w;
			}
		}
	}
	return false;
}

/* determined[e] for every hidden element; returns how many */
static int
audit(secg *g, bool *determined)
{
	int			e,
				nd = 0,
				tag = 0;

	reader_bounds(g);
	residual_scc(g);
	two_way_bridges(g);
	for (e = 0; e < g->nn; e++)
		g->mark[e] = 0;
	for (e = 0; e < g->m; e++)
	{
		int			u = g->from[e],
					v = g->to[e];
		bool		f,
					b,
					free_;

		determined[e] = false;
		if (!hid(g, e))
			continue;
		f = arc_fwd(g, e);
		b = arc_bwd(g, e);
		if (u == v)
			free_ = !g->is_line[u] && (f || b);
		else if (f && b && !g->bridge[e])
			free_ = true;
		else if (f && b)
			free_ = residual_path(g, v, u, e, ++tag) || residual_path(g, u, v, e, ++tag);
		else if (f || b)
			free_ = g->comp[u] == g->comp[v];
		else
			free_ = false;
		if (!free_)
		{
			determined[e] = true;
			nd++;
		}
	}
	return nd;
}

/* undirected reach over hidden elements other than skip, from s: mark tag */
static void
hidden_reach(secg *g, int s, int skip, int tag)
{
	int			head = 0,
				tail = 0;

	if (g->mark[s] != 0)
		return;
	g->mark[s] = tag;
	g->queue[tail++] = s;
	while (head < tail)
	{
		int			u = g->queue[head++],
					k;

		for (k = g->adj_start[u]; k < g->adj_start[u + 1]; k++)
		{
			int			e = g->adj[k],
						w;

			tick(g);
			if (e == skip || !hid(g, e))
				continue;
			w = other_end(g, e, u);
			if (g->mark[w] == 0)
			{
				g->mark[w] = tag;
				g->queue[tail++] = w;
			}
		}
	}
}

/*
 * A complement for the determined element e: the smallest positive
 * published element joining the two sides that e alone joins among the
 * hidden ones (a new cycle through e); failing that, the smallest positive
 * published element of one of its lines.  -1 if none.
 */
static int
complement_for(secg *g, int e)
{
	int			u = g->from[e],
				v = g->to[e],
				k,
				best = -1;

	for (k = 0; k < g->nn; k++)
		g->mark[k] = 0;
	hidden_reach(g, u, e, 1);
	if (g->mark[v] == 0)
	{
		hidden_reach(g, v, e, 2);
		for (k = 0; k < g->m; k++)
		{
			int			a = g->mark[g->from[k]],
						b = g->mark[g->to[k]];

			tick(g);
			if (hid(g, k) || !(g->x[k] > 0.0) || a == 0 || b == 0 || a == b)
				continue;
			if (best < 0 || g->x[k] < g->x[best])
				best = k;
		}
	}
	if (best >= 0)
		return best;
	if (g->is_line[u])
		best = smallest_at(g, u, -1);
	if (g->is_line[v])
	{
		int			c = smallest_at(g, v, -1);

		if (c >= 0 && (best < 0 || g->x[c] < g->x[best]))
			best = c;
	}
	return best;
}

static nous_status
protect(int nn, const bool *is_line, int m, const int *from, const int *to,
		const double *x, int *status, const nous_sec_rules *rules,
		int *unprotected)
{
	secg		g;
	bool	   *determined;
	int			i,
				nd;
	bool		ok;

	*unprotected = 0;
	memset(&g, 0, sizeof(g));
	g.nn = nn;
	g.m = m;
	g.is_line = is_line;
	g.from = from;
	g.to = to;
	g.x = x;
	g.status = status;
	g.rules = *rules;
	g.chosen_at = nous_alloc(sizeof(int) * (size_t) m);
	g.adj_start = nous_alloc(sizeof(int) * ((size_t) nn + 1));
	g.adj = nous_alloc(sizeof(int) * (size_t) m * 2);
	g.nhid = nous_alloc(sizeof(int) * (size_t) nn);
	g.lo = nous_alloc(sizeof(double) * (size_t) m);
	g.hi = nous_alloc(sizeof(double) * (size_t) m);
	g.stack = nous_alloc(sizeof(int) * ((size_t) nn + 1));
	g.it = nous_alloc(sizeof(int) * ((size_t) nn + 1));
	g.idx = nous_alloc(sizeof(int) * (size_t) nn);
	g.low = nous_alloc(sizeof(int) * (size_t) nn);
	g.comp = nous_alloc(sizeof(int) * (size_t) nn);
	g.mark = nous_alloc(sizeof(int) * (size_t) nn);
	g.queue = nous_alloc(sizeof(int) * ((size_t) nn + (size_t) m + 1));
	g.onstack = nous_alloc(sizeof(bool) * (size_t) nn);
	g.bridge = nous_alloc(sizeof(bool) * (size_t) m);
	determined = nous_alloc(sizeof(bool) * (size_t) m);
	ok = g.chosen_at && g.adj_start && g.adj && g.nhid && g.lo && g.hi &&
		g.stack && g.it && g.idx && g.low && g.comp && g.mark && g.queue &&
		g.onstack && g.bridge && determined;
	if (ok)
	{
		/* incidence lists (a self-loop is listed once) */
		memset(g.adj_start, 0, sizeof(int) * ((size_t) nn + 1));
		memset(g.nhid, 0, sizeof(int) * (size_t) nn);
		for (i = 0; i < m; i++)
		{
			g.chosen_at[i] = -1;
			g.adj_start[from[i] + 1]++;
			if (to[i] != from[i])
				g.adj_start[to[i] + 1]++;
			if (hid(&g, i))
			{
				g.nhid[from[i]]++;
				if (to[i] != from[i])
					g.nhid[to[i]]++;
			}
		}
		for (i = 0; i < nn; i++)
			g.adj_start[i + 1] += g.adj_start[i];
		for (i = 0; i < nn; i++)
			g.it[i] = g.adj_start[i];
		for (i = 0; i < m; i++)
		{
			g.adj[g.it[from[i]]++] = i;
			if (to[i] != from[i])
				g.adj[g.it[to[i]]++] = i;
		}

		line_rule(&g);
		while ((nd = audit(&g, determined)) > 0)
		{
			int			added = 0,
						e;

			/* one complement per determined element whose lines no other
			 * complement of this pass touched; then audit again */
			for (e = 0; e < nn; e++)
				g.low[e] = 0;
			for (e = 0; e < m; e++)
			{
				int			c;

				if (!determined[e] || g.low[from[e]] || g.low[to[e]])
					continue;
				c = complement_for(&g, e);
				if (c < 0)
					continue;
				{
					int			qn = 0;

					/* no line's "smallest" bound for these: chosen_at -1 */
					hide(&g, c, -1, g.queue, &qn);
					g.chosen_at[c] = -1;
				}
				added++;
				g.low[from[e]] = g.low[to[e]] = 1;
				g.low[from[c]] = g.low[to[c]] = 1;
			}
			if (added == 0)
			{
				*unprotected = nd;
				break;
			}
			line_rule(&g);
		}
	}
	nous_free(g.chosen_at);
	nous_free(g.adj_start);
	nous_free(g.adj);
	nous_free(g.nhid);
	nous_free(g.lo);
	nous_free(g.hi);
	nous_free(g.stack);
	nous_free(g.it);
	nous_free(g.idx);
	nous_free(g.low);
	nous_free(g.comp);
	nous_free(g.mark);
	nous_free(g.queue);
	nous_free(g.onstack);
	nous_free(g.bridge);
	nous_free(determined);
	return ok ? NOUS_OK : NOUS_ERR_NOMEM;
}

void
nous_sec_rules_infer(nous_sec_rules *rules, int m, const double *x,
					 const int *status, double threshold)
{
	int			e;

	rules->threshold = threshold > 0.0 ? threshold : 0.0;
	rules->integral = true;
	rules->zeros_hidden = false;
	for (e = 0; e < m; e++)
	{
		if (x[e] != floor(x[e]))
			rules->integral = false;
		if (status[e] == NOUS_SEC_PRIMARY && x[e] == 0.0)
			rules->zeros_hidden = true;
	}
}

/* Secondary suppression in a hierarchy (see the engine above). */
nous_status
nous_sec_suppress_1d(int n, const int *parent, const double *count,
					 int *status, double tol, const nous_sec_rules *rules,
					 nous_sec_diag *diag)
{
	int		   *state,
			   *line,
			   *from,
			   *to;
	bool	   *is_line;
	int			i,
				p,
				nn;
	double	   *sum;
	nous_status st = NOUS_ERR_NOMEM;

	diag->kind = NOUS_SEC_OK;
	diag->index = -1;
	diag->unprotected = 0;
	for (i = 0; i < n; i++)
		if (!isfinite(count[i]) || count[i] < 0.0)
		{
			diag->kind = NOUS_SEC_NEGATIVE;
			diag->index = i;
			return NOUS_ERR_DOMAIN;
		}
	state = nous_alloc(sizeof(int) * (size_t) n);
	line = nous_alloc(sizeof(int) * (size_t) n);
	from = nous_alloc(sizeof(int) * (size_t) n);
	to = nous_alloc(sizeof(int) * (size_t) n);
	is_line = nous_alloc(sizeof(bool) * ((size_t) n + 1));
	sum = nous_alloc(sizeof(double) * (size_t) n);
	if (!state || !line || !from || !to || !is_line || !sum)
		goto done;
	st = NOUS_ERR_DOMAIN;
	/* cycles: walk up from each node; state 0 new, i + 2 on this walk, 1 done */
	memset(state, 0, sizeof(int) * (size_t) n);
	for (i = 0; i < n; i++)
	{
		int			j = i;

		if (i % 4096 == 0)
			NOUS_CHECK_INTERRUPTS();
		while (j >= 0 && state[j] == 0)
		{
			state[j] = i + 2;
			j = parent[j];
		}
		if (j >= 0 && state[j] == i + 2)
		{
			diag->kind = NOUS_SEC_CYCLE;
			diag->index = j;
			goto done;
		}
		for (j = i; j >= 0 && state[j] == i + 2; j = parent[j])
			state[j] = 1;
	}
	/* additivity of every parent */
	for (i = 0; i < n; i++)
	{
		sum[i] = 0.0;
		line[i] = -1;
	}
	for (i = 0; i < n; i++)
		if (parent[i] >= 0)
		{
			sum[parent[i]] += count[i];
			line[parent[i]] = 0;
		}
	for (p = 0; p < n; p++)
		if (line[p] == 0 &&
			fabs(sum[p] - count[p]) > tol * fmax(1.0, fabs(count[p])))
		{
			diag->kind = NOUS_SEC_NOT_ADDITIVE;
			diag->index = p;
			diag->sum = sum[p];
			goto done;
		}
	/* nodes: the free node G = 0, then one per parent */
	nn = 1;
	is_line[0] = false;
	for (p = 0; p < n; p++)
		if (line[p] == 0)
		{
			is_line[nn] = true;
			line[p] = nn++;
		}
	for (i = 0; i < n; i++)
	{
		from[i] = line[i] >= 0 ? line[i] : 0;
		to[i] = parent[i] >= 0 ? line[parent[i]] : 0;
	}
	st = protect(nn, is_line, n, from, to, count, status, rules, &diag->unprotected);
done:
	nous_free(state);
	nous_free(line);
	nous_free(from);
	nous_free(to);
	nous_free(is_line);
	nous_free(sum);
	return st;
}

/* Secondary suppression in a sparse two-dimensional table with margins. */
nous_status
nous_sec_suppress_2d(int nr, int nc, int ncell, const int *ri, const int *ci,
					 const double *x, int *status, const nous_sec_rules *rules,
					 int *unprotected)
{
	int			m = ncell + nr + nc + 1,
				nn = nr + nc + 2,
				RS = nr,		/* line of the column totals */
				CS = nr + nc + 1,	/* line of the row totals */
				i;
	int		   *from = nous_alloc(sizeof(int) * (size_t) m),
			   *to = nous_alloc(sizeof(int) * (size_t) m);
	bool	   *is_line = nous_alloc(sizeof(bool) * (size_t) nn);
	nous_status st = NOUS_ERR_NOMEM;

	*unprotected = 0;
	if (from && to && is_line)
	{
		st = NOUS_OK;
		for (i = 0; i < m; i++)
			if (!isfinite(x[i]) || x[i] < 0.0)
				st = NOUS_ERR_DOMAIN;
		for (i = 0; i < nn; i++)
			is_line[i] = true;
		for (i = 0; i < ncell; i++)
		{
			from[i] = ri[i];
			to[i] = nr + 1 + ci[i];
		}
		for (i = 0; i < nr; i++)
		{
			from[ncell + i] = CS;
			to[ncell + i] = i;
		}
		for (i = 0; i < nc; i++)
		{
			from[ncell + nr + i] = nr + 1 + i;
			to[ncell + nr + i] = RS;
		}
		from[m - 1] = RS;
		to[m - 1] = CS;
		if (st == NOUS_OK)
			st = protect(nn, is_line, m, from, to, x, status, rules, unprotected);
	}
	nous_free(from);
	nous_free(to);
	nous_free(is_line);
	return st;
}
