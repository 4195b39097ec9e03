/*
 * spatial_weights.c — the stored form of nous.weights read and checked
 * without the server (its layout, a view of a value as a graph), the text
 * form parsed into links, and the areal-weighting sums of
 * nous.areal_interpolation (see spatial.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spatial.h"

/* ---- the stored value ---- */

size_t
nous_weights_size(int32_t n, int32_t nnz)
{
	return NOUS_WEIGHTS_HDRSZ + 8 * (size_t) n + 4 * ((size_t) n + 1) + 4 * (size_t) nnz;
}

nous_status
nous_weights_view(const void *value, size_t len, bool full, nous_graph *g, const char **why)
{
	const unsigned char *p = value;
	int32_t		n,
				nnz;

	if (len < NOUS_WEIGHTS_HDRSZ)
	{
		*why = "The value is truncated.";
		return NOUS_ERR_DOMAIN;
	}
	if (p[4] != NOUS_WEIGHTS_VERSION)
	{
		*why = "The format version is not one this library reads.";
		return NOUS_ERR_DOMAIN;
	}
	memcpy(&n, p + 8, 4);
	memcpy(&nnz, p + 12, 4);
	if (n < 0 || nnz < 0 || n > NOUS_GRAPH_MAX || nnz > NOUS_GRAPH_MAX ||
		len != nous_weights_size(n, nnz))
	{
		*why = "The length does not match the number of areas and links.";
		return NOUS_ERR_DOMAIN;
	}
	g->n = n;
	g->nnz = nnz;
	g->ids = (const int64_t *) (p + NOUS_WEIGHTS_HDRSZ);
	g->rowptr = (const int32_t *) (g->ids + n);
	g->col = g->rowptr + n + 1;
	if (full && !nous_graph_valid(g, why))
		return NOUS_ERR_DOMAIN;
	return NOUS_OK;
}

void
nous_weights_write(void *value, const nous_graph *g)
{
	unsigned char *p = value;

	memset(p + 4, 0, NOUS_WEIGHTS_HDRSZ - 4);	/* the caller sets the length word */
	p[4] = NOUS_WEIGHTS_VERSION;
	memcpy(p + 8, &g->n, 4);
	memcpy(p + 12, &g->nnz, 4);
	memcpy(p + NOUS_WEIGHTS_HDRSZ, g->ids, 8 * (size_t) g->n);
	memcpy(p + NOUS_WEIGHTS_HDRSZ + 8 * (size_t) g->n, g->rowptr, 4 * ((size_t) g->n + 1));
	if (g->nnz > 0)
		memcpy(p + NOUS_WEIGHTS_HDRSZ + 8 * (size_t) g->n + 4 * ((size_t) g->n + 1), g->col,
			   4 * (size_t) g->nnz);
}

/* ---- the text form {id:[id,...],...} ---- */

/* grow *arr of *cap int64 to hold need; false when out of memory */
static bool
grow_i64(int64_t **arr, size_t *cap, size_t need)
{
	size_t		ncap = *cap;
	int64_t    *a;

	if (need <= *cap)
		return true;
	while (ncap < need)
		ncap *= 2;
	a = nous_alloc(sizeof(int64_t) * ncap);
	if (a == NULL)
		return false;
	memcpy(a, *arr, sizeof(int64_t) * *cap);
	nous_free(*arr);
	*arr = a;
	*cap = ncap;
	return true;
}

static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* a decimal int64 at *pp (strtoll's syntax); false when there is none */
static bool
read_id(const char **pp, int64_t *id)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(*pp, &end, 10);
	if (end == *pp || errno != 0)
		return false;
	*id = (int64_t) v;
	*pp = end;
	return true;
}

nous_status
nous_weights_parse(const char *s, nous_weights_links *l, const char **why)
{
	const char *p = s;
	size_t		mcap = 64,
				fcap = 64,
				ncap = 64;
	nous_status st = NOUS_ERR_SYNTAX;

	memset(l, 0, sizeof(*l));
	l->from = nous_alloc(sizeof(int64_t) * mcap);
	l->to = nous_alloc(sizeof(int64_t) * fcap);
	l->nodes = nous_alloc(sizeof(int64_t) * ncap);
	if (l->from == NULL || l->to == NULL || l->nodes == NULL)
	{
		st = NOUS_ERR_NOMEM;
		*why = "Out of memory.";
		goto fail;
	}
#define BAD(msg) do { *why = (msg); goto fail; } while (0)
	p = skip_space(p);
	if (*p++ != '{')
		BAD("A weights value starts with \"{\".");
	p = skip_space(p);
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			int64_t		id;

			p = skip_space(p);
			if (!read_id(&p, &id))
				BAD("Expected an area id (a bigint).");
			if (l->nn >= NOUS_GRAPH_MAX)
				BAD("Too many areas.");
			if (!grow_i64(&l->nodes, &ncap, l->nn + 1))
				goto nomem;
			l->nodes[l->nn++] = id;
			p = skip_space(p);
			if (*p++ != ':')
				BAD("Expected \":\" after an area id.");
			p = skip_space(p);
			if (*p++ != '[')
				BAD("Expected \"[\" before the neighbours of an area.");
			p = skip_space(p);
			if (*p == ']')
				p++;
			else
				for (;;)
				{
					int64_t		nb;

					p = skip_space(p);
					if (!read_id(&p, &nb))
						BAD("Expected a neighbour id (a bigint).");
					if (l->m >= NOUS_GRAPH_MAX)
						BAD("Too many links.");
					if (!grow_i64(&l->from, &mcap, l->m + 1) || !grow_i64(&l->to, &fcap, l->m + 1))
						goto nomem;
					l->from[l->m] = id;
					l->to[l->m++] = nb;
					p = skip_space(p);
					if (*p == ',')
					{
						p++;
						continue;
					}
					if (*p++ != ']')
						BAD("Expected \",\" or \"]\" in a list of neighbours.");
					break;
				}
			p = skip_space(p);
			if (*p == ',')
			{
				p++;
				continue;
			}
			if (*p++ != '}')
				BAD("Expected \",\" or \"}\" after a list of neighbours.");
			break;
		}
	}
	p = skip_space(p);
	if (*p != '\0')
		BAD("Unexpected characters after \"}\".");
#undef BAD
	return NOUS_OK;
nomem:
	st = NOUS_ERR_NOMEM;
	*why = "Out of memory.";
fail:
	nous_weights_links_free(l);
	return st;
}

void
nous_weights_links_free(nous_weights_links *l)
{
	nous_free(l->from);
	nous_free(l->to);
	nous_free(l->nodes);
	memset(l, 0, sizeof(*l));
}

/* ---- areal weighting ---- */

nous_status
nous_areal_weighting(int32_t ns, int32_t nt, const double *sarea, const double *sval,
					 size_t np, const int32_t *src, const int32_t *tgt, const double *overlap,
					 bool intensive, double *estimate, double *covered, int32_t *count,
					 const char **why)
{
	double	   *num,
			   *den;
	int32_t		i;

	if (ns < 0 || nt < 0)
	{
		*why = "The numbers of sources and targets must not be negative.";
		return NOUS_ERR_PARAM;
	}
	for (i = 0; i < ns; i++)
		if (!(sarea[i] >= 0) || isinf(sarea[i]) || isinf(sval[i]))
		{
			*why = "The area of every source is a finite number at least 0, and every value finite or NaN (missing).";
			return NOUS_ERR_DOMAIN;
		}
	for (size_t k = 0; k < np; k++)
		if (src[k] < 0 || src[k] >= ns || tgt[k] < 0 || tgt[k] >= nt || isnan(overlap[k]) ||
			isinf(overlap[k]))
		{
			*why = "A pair names a source or a target out of range, or has an overlap that is not finite.";
			return NOUS_ERR_DOMAIN;
		}
	num = nous_alloc(sizeof(double) * (size_t) (nt > 0 ? nt : 1));
	den = nous_alloc(sizeof(double) * (size_t) (nt > 0 ? nt : 1));
	if (num == NULL || den == NULL)
	{
		nous_free(num);
		nous_free(den);
		*why = "Out of memory.";
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < nt; i++)
	{
		num[i] = den[i] = covered[i] = 0.0;
		count[i] = 0;
	}
	for (size_t k = 0; k < np; k++)
	{
		int32_t		a = src[k],
					b = tgt[k];
		double		ov = overlap[k];

		if ((k & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (!(ov > 0) || isnan(sval[a]))
			continue;
		count[b]++;
		covered[b] += ov;
		if (intensive)
		{
			num[b] += sval[a] * ov;
			den[b] += ov;
		}
		else if (sarea[a] > 0)
			num[b] += sval[a] * ov / sarea[a];
	}
	for (i = 0; i < nt; i++)
		estimate[i] = (count[i] == 0 || (intensive && !(den[i] > 0))) ? NAN :
			intensive ? num[i] / den[i] : num[i];
	nous_free(num);
	nous_free(den);
	return NOUS_OK;
}
