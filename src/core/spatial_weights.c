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

size_t
nous_weights_size_text(int32_t n, int32_t nnz, size_t nchars)
{
	return nous_weights_size(n, nnz) + 4 * ((size_t) n + 1) + nchars;
}

bool
nous_strtab_valid(const nous_strtab *t, size_t nchars, const char **why)
{
	if (t->off[0] != 0 || (size_t) t->off[t->n] != nchars)
	{
		*why = "The string table does not match its length.";
		return false;
	}
	for (int32_t i = 0; i < t->n; i++)
	{
		int32_t		a = t->off[i],
					b = t->off[i + 1];

		if (b <= a || (size_t) b > nchars || t->chars[b - 1] != '\0' ||
			memchr(t->chars + a, '\0', (size_t) (b - a - 1)) != NULL)
		{
			*why = "A string of the table is not a NUL-terminated id.";
			return false;
		}
		if (i > 0 && strcmp(t->chars + t->off[i - 1], t->chars + a) >= 0)
		{
			*why = "The text ids are not sorted strictly increasing.";
			return false;
		}
	}
	return true;
}

typedef struct strtab_key
{
	const nous_strtab *t;
	const char *s;
} strtab_key;

static int
strtab_key_cmp(const void *key, int32_t i)
{
	const strtab_key *k = key;

	return strcmp(k->s, k->t->chars + k->t->off[i]);
}

int32_t
nous_strtab_find(const nous_strtab *t, const char *s)
{
	strtab_key	k = {t, s};

	return nous_search(t->n, &k, strtab_key_cmp);
}

nous_status
nous_weights_view(const void *value, size_t len, bool full, nous_graph *g, const char **why)
{
	return nous_weights_view_ids(value, len, full, g, NULL, why);
}

nous_status
nous_weights_view_ids(const void *value, size_t len, bool full, nous_graph *g,
					  nous_strtab *t, const char **why)
{
	const unsigned char *p = value;
	int32_t		n,
				nnz;
	bool		text;
	size_t		base;

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
	if (p[5] != 0 && p[5] != NOUS_WEIGHTS_TEXT_IDS)
	{
		*why = "The flags are not ones this library reads.";
		return NOUS_ERR_DOMAIN;
	}
	text = p[5] == NOUS_WEIGHTS_TEXT_IDS;
	memcpy(&n, p + 8, 4);
	memcpy(&nnz, p + 12, 4);
	if (n < 0 || nnz < 0 || n > NOUS_GRAPH_MAX || nnz > NOUS_GRAPH_MAX)
	{
		*why = "The length does not match the number of areas and links.";
		return NOUS_ERR_DOMAIN;
	}
	base = nous_weights_size(n, nnz);
	if (text ? len < base + 4 * ((size_t) n + 1) : len != base)
	{
		*why = "The length does not match the number of areas and links.";
		return NOUS_ERR_DOMAIN;
	}
	g->n = n;
	g->nnz = nnz;
	g->ids = (const int64_t *) (p + NOUS_WEIGHTS_HDRSZ);
	g->rowptr = (const int32_t *) (g->ids + n);
	g->col = g->rowptr + n + 1;
	if (t != NULL)
	{
		t->n = text ? n : -1;
		t->off = NULL;
		t->chars = NULL;
	}
	if (text)
	{
		const int32_t *off = (const int32_t *) (p + base);
		size_t		nchars = len - base - 4 * ((size_t) n + 1);
		int32_t		last;

		memcpy(&last, p + base + 4 * (size_t) n, 4);
		if (last < 0 || (size_t) last != nchars)
		{
			*why = "The string table does not match its length.";
			return NOUS_ERR_DOMAIN;
		}
		if (t != NULL)
		{
			t->off = off;
			t->chars = (const char *) (p + base + 4 * ((size_t) n + 1));
		}
		if (full)
		{
			nous_strtab tt = {n, off, (const char *) (p + base + 4 * ((size_t) n + 1))};

			if (!nous_strtab_valid(&tt, nchars, why))
				return NOUS_ERR_DOMAIN;
			for (int32_t i = 0; i < n; i++)
				if (g->ids[i] != i)
				{
					*why = "The ids of weights with text ids are not their ranks.";
					return NOUS_ERR_DOMAIN;
				}
		}
	}
	if (full && !nous_graph_valid(g, why))
		return NOUS_ERR_DOMAIN;
	return NOUS_OK;
}

void
nous_weights_write_text(void *value, const nous_graph *g, const nous_strtab *t)
{
	unsigned char *p = value;
	size_t		base = nous_weights_size(g->n, g->nnz);

	nous_weights_write(value, g);
	p[5] = NOUS_WEIGHTS_TEXT_IDS;
	memcpy(p + base, t->off, 4 * ((size_t) g->n + 1));
	if (t->off[g->n] > 0)
		memcpy(p + base + 4 * ((size_t) g->n + 1), t->chars, (size_t) t->off[g->n]);
}

/* sort entries: a string and its number */
typedef struct rank_ent
{
	const char *s;
	size_t		i;
} rank_ent;

static int
cmp_rank_ent(const void *a, const void *b)
{
	return strcmp(((const rank_ent *) a)->s, ((const rank_ent *) b)->s);
}

nous_status
nous_strings_rank(const nous_strings *b, int64_t *rank, size_t *nu, size_t **first)
{
	rank_ent   *e = nous_alloc(sizeof(rank_ent) * (b->n > 0 ? b->n : 1));
	size_t	   *f = nous_alloc(sizeof(size_t) * (b->n > 0 ? b->n : 1));
	size_t		u = 0;

	if (e == NULL || f == NULL)
	{
		nous_free(e);
		nous_free(f);
		return NOUS_ERR_NOMEM;
	}
	for (size_t i = 0; i < b->n; i++)
	{
		e[i].s = b->chars + b->off[i];
		e[i].i = i;
	}
	if (nous_sort(e, b->n, sizeof(rank_ent), cmp_rank_ent) != NOUS_OK)
	{
		nous_free(e);
		nous_free(f);
		return NOUS_ERR_NOMEM;
	}
	for (size_t k = 0; k < b->n; k++)
	{
		if (k == 0 || strcmp(e[k - 1].s, e[k].s) != 0)
			f[u++] = e[k].i;
		rank[e[k].i] = (int64_t) (u - 1);
	}
	nous_free(e);
	*nu = u;
	*first = f;
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

/* append the string of len bytes at s to b (a NUL after it); false when out of memory */
static bool
strs_add(nous_strings *b, const char *s, size_t len)
{
	if (b->n + 2 > b->ocap)
	{
		size_t		ncap = b->ocap < 16 ? 16 : 2 * b->ocap;
		size_t	   *o = nous_alloc(sizeof(size_t) * ncap);

		if (o == NULL)
			return false;
		if (b->off != NULL)
			memcpy(o, b->off, sizeof(size_t) * (b->n + 1));
		else
			o[0] = 0;
		nous_free(b->off);
		b->off = o;
		b->ocap = ncap;
	}
	if (b->off[b->n] + len + 1 > b->cap)
	{
		size_t		ncap = b->cap < 64 ? 64 : b->cap;
		char	   *c;

		while (ncap < b->off[b->n] + len + 1)
			ncap *= 2;
		c = nous_alloc(ncap);
		if (c == NULL)
			return false;
		if (b->chars != NULL)
			memcpy(c, b->chars, b->off[b->n]);
		nous_free(b->chars);
		b->chars = c;
		b->cap = ncap;
	}
	memcpy(b->chars + b->off[b->n], s, len);
	b->chars[b->off[b->n] + len] = '\0';
	b->off[b->n + 1] = b->off[b->n] + len + 1;
	b->n++;
	return true;
}

void
nous_strings_free(nous_strings *b)
{
	nous_free(b->chars);
	nous_free(b->off);
	memset(b, 0, sizeof(*b));
}

/*
 * a quoted id "..." at *pp (\" and \\ escape a quote and a backslash; no
 * NUL, no control character): appended to b, *id receives its number.
 * 0 when there is none, -1 when out of memory.
 */
static int
read_str(const char **pp, nous_strings *b, int64_t *id)
{
	const char *p = *pp,
			   *q;
	char	   *tmp;
	size_t		len = 0;
	bool		ok;

	if (*p++ != '"')
		return 0;
	/* first the length up to the closing quote (the id alone: linear in the text) */
	for (q = p; *q != '"'; q++, len++)
	{
		unsigned char c = (unsigned char) *q;

		if (c == '\0' || c < 0x20)
			return 0;
		if (c == '\\')
		{
			q++;
			if (*q != '"' && *q != '\\')
				return 0;
		}
	}
	tmp = nous_alloc(len + 1);
	if (tmp == NULL)
		return -1;
	for (len = 0; p < q; p++)
	{
		if (*p == '\\')
			p++;
		tmp[len++] = *p;
	}
	p++;
	ok = strs_add(b, tmp, len);
	nous_free(tmp);
	if (!ok)
		return -1;
	*id = (int64_t) (b->n - 1);
	*pp = p;
	return 1;
}

/* an id of the text form: a bigint, or a quoted string when strs is given */
static int
read_key(const char **pp, nous_strings *strs, int64_t *id)
{
	if (strs != NULL)
		return read_str(pp, strs, id);
	return read_id(pp, id) ? 1 : 0;
}

static nous_status parse_impl(const char *s, nous_weights_links *l, nous_strings *strs,
							  const char **why);

nous_status
nous_weights_parse(const char *s, nous_weights_links *l, const char **why)
{
	return parse_impl(s, l, NULL, why);
}

nous_status
nous_weights_parse_text(const char *s, nous_weights_links *l, nous_strings *strs,
						const char **why)
{
	nous_status st;

	memset(strs, 0, sizeof(*strs));
	st = parse_impl(s, l, strs, why);
	if (st != NOUS_OK)
		nous_strings_free(strs);
	return st;
}

static nous_status
parse_impl(const char *s, nous_weights_links *l, nous_strings *strs, const char **why)
{
	int			r;

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
			if ((r = read_key(&p, strs, &id)) < 0)
				goto nomem;
			if (r == 0)
				BAD(strs ? "Expected an area id (a quoted string)." : "Expected an area id (a bigint).");
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
					if ((r = read_key(&p, strs, &nb)) < 0)
						goto nomem;
					if (r == 0)
						BAD(strs ? "Expected a neighbour id (a quoted string)." : "Expected a neighbour id (a bigint).");
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
