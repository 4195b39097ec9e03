/*
 * mix.c — segregation, mix and diversity indices; consumption units,
 * quantiles and score intervals for the allocation-mix rules.
 *
 * Two-group definitions: Duncan & Duncan (1955) for D and the Gini index,
 * Theil & Finizza (1971) for the entropy index H, Bell (1954) / Lieberson
 * (1981) for isolation and interaction, Atkinson (1970) as adapted by James &
 * Taeuber (1985), White (1986) for the correlation ratio; Massey & Denton
 * (1988) give them all.  Natural logarithms, 0 ln 0 = 0.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"

/* ---- two groups ---- */

nous_status
nous_mix2_decode(const unsigned char *body, size_t len, const double **gt,
				 size_t *n, double *b, const char **why)
{
	size_t		i;
	double		p;

	if (len < NOUS_MIX2_BODY_HDR)
	{
		*why = "The value is shorter than its header.";
		return NOUS_ERR_SYNTAX;
	}
	if (body[0] != 1)
	{
		*why = "Unknown format version.";
		return NOUS_ERR_SYNTAX;
	}
	if ((len - NOUS_MIX2_BODY_HDR) % (2 * sizeof(double)) != 0)
	{
		*why = "The length is not a whole number of (group, total) pairs.";
		return NOUS_ERR_SYNTAX;
	}
	memcpy(&p, body + 4, sizeof(double));
	if (!isnan(p) && !(p >= 0.0 && p < 1.0))
	{
		*why = "The parameter b must be NaN (unset) or in [0, 1).";
		return NOUS_ERR_SYNTAX;
	}
	/* the pairs start 8-aligned in a varlena (4 + 12 bytes): read them in place */
	*gt = (const double *) (const void *) (body + NOUS_MIX2_BODY_HDR);
	*n = (len - NOUS_MIX2_BODY_HDR) / (2 * sizeof(double));
	*b = p;
	for (i = 0; i < *n; i++)
	{
		double		pr[2];

		memcpy(pr, body + NOUS_MIX2_BODY_HDR + i * sizeof(pr), sizeof(pr));
		if (nous_mix2_check(pr[0], pr[1]) != NOUS_OK)
		{
			*why = "A pair is not finite or not 0 <= group <= total.";
			return NOUS_ERR_SYNTAX;
		}
	}
	return NOUS_OK;
}

nous_status
nous_mix2_check(double g, double t)
{
	if (!isfinite(g) || !isfinite(t))
		return NOUS_ERR_NONFINITE;
	if (g < 0.0 || t < 0.0 || g > t)
		return NOUS_ERR_DOMAIN;
	return NOUS_OK;
}

void
nous_mix2_totals(const double *gt, size_t n, double *G, double *T)
{
	double		g = 0.0, t = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		g += gt[2 * i];
		t += gt[2 * i + 1];
	}
	*G = g;
	*T = t;
}

/*
 * Totals of a two-group table: G (group), T (all), Q = sum (t_i - g_i) (the
 * rest, summed from the pairs rather than as T - G, which cancels when the
 * group is nearly everyone), P = G/T and R = Q/T (= 1 - P without the
 * cancellation).  False when the indices are undefined (T = 0, P = 0 or 1).
 */
typedef struct mix2_tot
{
	double		G, T, Q, P, R;
} mix2_tot;

static bool
mix2_setup(const double *gt, size_t n, mix2_tot *x)
{
	double		q = 0.0;
	size_t		i;

	nous_mix2_totals(gt, n, &x->G, &x->T);
	for (i = 0; i < n; i++)
		q += gt[2 * i + 1] - gt[2 * i];
	x->Q = q;
	if (!(x->T > 0.0) || !(x->G > 0.0) || !(x->G < x->T) || !(q > 0.0))
		return false;
	x->P = x->G / x->T;
	x->R = q / x->T;
	return true;
}

/* D = 1/2 sum |g_i/G - (t_i-g_i)/(T-G)| (Duncan & Duncan 1955) */
double
nous_mix2_dissimilarity(const double *gt, size_t n)
{
	mix2_tot	x;
	double		s = 0.0;
	size_t		i;

	if (!mix2_setup(gt, n, &x))
		return NAN;
	for (i = 0; i < n; i++)
	{
		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		s += fabs(gt[2 * i] / x.G - (gt[2 * i + 1] - gt[2 * i]) / x.Q);
	}
	return 0.5 * s;
}

/*
 * The exposure of the group to itself (own: xPx) or to the others (!own:
 * xPy): sum over areas of (g_i/G) times the share of the group (g_i/t_i) or
 * of the others ((t_i-g_i)/t_i) in the area.
 */
static double
mix2_exposure(const double *gt, size_t n, bool own)
{
	mix2_tot	x;
	double		s = 0.0;
	size_t		i;

	if (!mix2_setup(gt, n, &x))
		return NAN;
	for (i = 0; i < n; i++)
	{
		double		g = gt[2 * i],
					t = gt[2 * i + 1];

		if (t > 0.0)
			s += g * ((own ? g : t - g) / t);
	}
	return s / x.G;
}

/* xPx = sum (g_i/G)(g_i/t_i) (Bell 1954; Massey & Denton 1988) */
double
nous_mix2_isolation(const double *gt, size_t n)
{
	return mix2_exposure(gt, n, true);
}

/* xPy = sum (g_i/G)((t_i-g_i)/t_i) (Lieberson 1981; Massey & Denton 1988) */
double
nous_mix2_interaction(const double *gt, size_t n)
{
	return mix2_exposure(gt, n, false);
}

/*
 * eta^2 = (xPx - P)/(1 - P) (White 1986; Massey & Denton 1988), computed as
 * the share of the variance of the group indicator that lies between areas,
 * sum t_i (p_i - P)^2 / (T P (1 - P)): a sum of squares, so never negative,
 * and each p_i - P taken on the side of the smaller share (as (1 - P) - (1 -
 * p_i) when P > 1/2), where neither term has lost its digits.
 */
double
nous_mix2_correlation_ratio(const double *gt, size_t n)
{
	mix2_tot	x;
	double		s = 0.0;
	size_t		i;

	if (!mix2_setup(gt, n, &x))
		return NAN;
	for (i = 0; i < n; i++)
	{
		double		t = gt[2 * i + 1],
					d;

		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		if (!(t > 0.0))
			continue;
		d = x.P > 0.5 ? x.R - (t - gt[2 * i]) / t : gt[2 * i] / t - x.P;
		s += t * d * d;
	}
	return s / (x.T * x.P * x.R);
}

/*
 * binary entropy of (p, q = 1 - p given apart), natural log, 0 ln 0 = 0; the
 * log of the larger share is taken as log1p(-smaller), which keeps its
 * digits when the larger is near 1
 */
static double
entropy2(double p, double q)
{
	double		e = 0.0;

	if (p > 0.0)
		e -= p * (p > 0.5 ? log1p(-q) : log(p));
	if (q > 0.0)
		e -= q * (q > 0.5 ? log1p(-p) : log(q));
	return e;
}

/* H = sum t_i (E - E_i) / (E T) (Theil & Finizza 1971) */
double
nous_mix2_entropy_h(const double *gt, size_t n)
{
	mix2_tot	x;
	double		E, s = 0.0;
	size_t		i;

	if (!mix2_setup(gt, n, &x))
		return NAN;
	E = entropy2(x.P, x.R);
	for (i = 0; i < n; i++)
	{
		double		t = gt[2 * i + 1];

		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		if (t > 0.0)
			s += t * (E - entropy2(gt[2 * i] / t, (t - gt[2 * i]) / t));
	}
	return s / (E * x.T);
}

/* A(b) = 1 - P/(1-P) |sum (1-p_i)^(1-b) p_i^b t_i / (P T)|^(1/(1-b)) (Atkinson 1970; James & Taeuber 1985) */
nous_status
nous_mix2_atkinson(const double *gt, size_t n, double b, double *out)
{
	mix2_tot	x;
	double		s = 0.0;
	size_t		i;

	if (!isfinite(b) || b < 0.0 || b >= 1.0)
		return NOUS_ERR_PARAM;
	if (!mix2_setup(gt, n, &x))
	{
		*out = NAN;
		return NOUS_OK;
	}
	for (i = 0; i < n; i++)
	{
		double		t = gt[2 * i + 1];

		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		if (!(t > 0.0))
			continue;
		/* (1 - p_i) as (t_i - g_i)/t_i, P T as G, P/(1 - P) as G/Q */
		s += pow((t - gt[2 * i]) / t, 1.0 - b) * pow(gt[2 * i] / t, b) * t;
	}
	*out = 1.0 - x.G / x.Q * pow(fabs(s / x.G), 1.0 / (1.0 - b));
	return NOUS_OK;
}

typedef struct pt_pair
{
	double		p;
	double		t;
} pt_pair;

static uint64_t
key_of(double p)
{
	uint64_t	k;

	/* p >= +0: the IEEE bits of non-negative doubles sort as unsigned integers */
	memcpy(&k, &p, sizeof(k));
	return k;
}

/*
 * LSD radix sort of the pairs by p, 16 bits a pass; a pass whose digit is
 * the same for every key is skipped.  tmp has room for n pairs.
 */
static void
radix_sort_pt(pt_pair *a, pt_pair *tmp, size_t n, size_t *count)
{
	int			pass;
	pt_pair    *src = a, *dst = tmp;
	size_t		i;

	for (pass = 0; pass < 4; pass++)
	{
		int			shift = 16 * pass;
		size_t		sum = 0;
		bool		trivial = false;

		NOUS_CHECK_INTERRUPTS();
		memset(count, 0, sizeof(size_t) * 65536);
		for (i = 0; i < n; i++)
			count[(key_of(src[i].p) >> shift) & 0xffff]++;
		for (i = 0; i < 65536; i++)
		{
			size_t		c = count[i];

			if (c == n)
				trivial = true;
			count[i] = sum;
			sum += c;
		}
		if (trivial)
			continue;
		for (i = 0; i < n; i++)
			dst[count[(key_of(src[i].p) >> shift) & 0xffff]++] = src[i];
		{
			pt_pair    *x = src;

			src = dst;
			dst = x;
		}
	}
	if (src != a)
		memcpy(a, src, sizeof(pt_pair) * n);
}

/*
 * Gini = sum_i sum_j t_i t_j |p_i - p_j| / (2 T^2 P (1-P)) (Duncan & Duncan
 * 1955); with the areas sorted by p the double sum is
 * 2 sum_j t_j (p_j W_j - Q_j), W_j = sum_{i<j} t_i, Q_j = sum_{i<j} t_i p_i.
 */
nous_status
nous_mix2_gini(const double *gt, size_t n, double *out)
{
	mix2_tot	x;
	double		W = 0.0, Q = 0.0, S = 0.0;
	pt_pair    *a, *tmp;
	size_t		i, m = 0, *count;

	if (!mix2_setup(gt, n, &x))
	{
		*out = NAN;
		return NOUS_OK;
	}
	a = nous_alloc(sizeof(pt_pair) * n);
	tmp = nous_alloc(sizeof(pt_pair) * n);
	count = nous_alloc(sizeof(size_t) * 65536);
	if (a == NULL || tmp == NULL || count == NULL)
	{
		nous_free(a);
		nous_free(tmp);
		nous_free(count);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < n; i++)
		if (gt[2 * i + 1] > 0.0)
		{
			a[m].p = gt[2 * i] / gt[2 * i + 1];
			if (a[m].p == 0.0)
				a[m].p = 0.0;	/* -0 would sort after every positive key */
			a[m].t = gt[2 * i + 1];
			m++;
		}
	radix_sort_pt(a, tmp, m, count);
	nous_free(tmp);
	nous_free(count);
	for (i = 0; i < m; i++)
	{
		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		S += a[i].t * (a[i].p * W - Q);
		W += a[i].t;
		Q += a[i].t * a[i].p;
	}
	nous_free(a);
	*out = S / (x.G * x.Q);	/* 2 S / (2 T^2 P (1 - P)) */
	return NOUS_OK;
}

/* ---- cell records ---- */


void
nous_mixrec_write(unsigned char *dst, double n,
				  const char *s, uint32_t ls,
				  const char *u, uint32_t lu,
				  const char *g, uint32_t lg)
{
	memcpy(dst, &n, 8);
	memcpy(dst + 8, &ls, 4);
	memcpy(dst + 12, &lu, 4);
	memcpy(dst + 16, &lg, 4);
	dst += NOUS_MIXREC_HDR;
	if (ls)
		memcpy(dst, s, ls);
	if (lu)
		memcpy(dst + ls, u, lu);
	if (lg)
		memcpy(dst + ls + lu, g, lg);
}

nous_status
nous_mixrec_count(const unsigned char *buf, size_t len, size_t *count)
{
	size_t		off = 0, c = 0;

	while (off < len)
	{
		double		n;
		uint64_t	body;

		if (len - off < NOUS_MIXREC_HDR)
			return NOUS_ERR_SYNTAX;
		memcpy(&n, buf + off, 8);
		if (!isfinite(n) || n < 0.0)
			return NOUS_ERR_SYNTAX;
		body = (uint64_t) nous_rd_u32(buf + off, 2) + nous_rd_u32(buf + off, 3) + nous_rd_u32(buf + off, 4);
		if (body > len - off - NOUS_MIXREC_HDR)
			return NOUS_ERR_SYNTAX;
		off += NOUS_MIXREC_HDR + (size_t) body;
		c++;
	}
	*count = c;
	return NOUS_OK;
}

/* ---- multigroup table ---- */

typedef struct rec_ref
{
	const char *s, *u, *g;
	uint32_t	ls, lu, lg;
	double		n;
	uint32_t	sid, uid, gid;	/* interned ids, in order of first appearance */
} rec_ref;

static int
cmp_bytes(const char *a, uint32_t la, const char *b, uint32_t lb)
{
	uint32_t	l = la < lb ? la : lb;
	int			c = l ? memcmp(a, b, l) : 0;

	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

/* FNV-1a over bytes, continued from h */
static uint64_t
fnv(uint64_t h, const char *p, uint32_t l)
{
	uint32_t	i;

	for (i = 0; i < l; i++)
	{
		h ^= (unsigned char) p[i];
		h *= UINT64_C(1099511628211);
	}
	return h;
}

#define FNV_SEED UINT64_C(14695981039346656037)

enum intern_kind
{
	KEY_SUPER, KEY_UNIT, KEY_GROUP
};

static uint64_t
key_hash(const rec_ref *r, enum intern_kind k)
{
	switch (k)
	{
		case KEY_SUPER:
			return fnv(FNV_SEED, r->s, r->ls);
		case KEY_UNIT:
			/* the length separates (s, u) pairs that concatenate alike */
			return fnv(fnv(fnv(FNV_SEED, r->s, r->ls), (const char *) &r->ls, 4), r->u, r->lu);
		default:
			return fnv(FNV_SEED, r->g, r->lg);
	}
}

static bool
key_equal(const rec_ref *a, const rec_ref *b, enum intern_kind k)
{
	switch (k)
	{
		case KEY_SUPER:
			return cmp_bytes(a->s, a->ls, b->s, b->ls) == 0;
		case KEY_UNIT:
			return cmp_bytes(a->s, a->ls, b->s, b->ls) == 0 &&
				cmp_bytes(a->u, a->lu, b->u, b->lu) == 0;
		default:
			return cmp_bytes(a->g, a->lg, b->g, b->lg) == 0;
	}
}

/*
 * Give every record the id of its key (super, (super, unit) or group) with an
 * open-addressing hash table; rep[id] is the index of the key's first record.
 * Returns the number of distinct keys, or -1 when out of memory.
 */
static long
intern_keys(rec_ref *r, size_t n, enum intern_kind k, uint32_t **rep_out)
{
	size_t		cap = 16, i, distinct = 0;
	uint32_t   *slot, *rep;

	while (cap < 2 * n)
		cap *= 2;
	slot = nous_alloc(sizeof(uint32_t) * cap);
	rep = nous_alloc(sizeof(uint32_t) * (n ? n : 1));
	if (slot == NULL || rep == NULL)
	{
		nous_free(slot);
		nous_free(rep);
		return -1;
	}
	memset(slot, 0xff, sizeof(uint32_t) * cap);
	for (i = 0; i < n; i++)
	{
		size_t		h = (size_t) key_hash(&r[i], k) & (cap - 1);
		uint32_t	id;

		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		for (;;)
		{
			if (slot[h] == UINT32_MAX)
			{
				id = (uint32_t) distinct++;
				rep[id] = (uint32_t) i;
				slot[h] = id;
				break;
			}
			if (key_equal(&r[rep[slot[h]]], &r[i], k))
			{
				id = slot[h];
				break;
			}
			h = (h + 1) & (cap - 1);
		}
		if (k == KEY_SUPER)
			r[i].sid = id;
		else if (k == KEY_UNIT)
			r[i].uid = id;
		else
			r[i].gid = id;
	}
	nous_free(slot);
	*rep_out = rep;
	return (long) distinct;
}

/* sorting the distinct keys: qsort with a context through a file-level pointer */
static const rec_ref *sort_recs;
static enum intern_kind sort_kind;

static int
cmp_rep(const void *x, const void *y)
{
	const rec_ref *a = &sort_recs[*(const uint32_t *) x], *b = &sort_recs[*(const uint32_t *) y];
	int			c;

	if (sort_kind == KEY_GROUP)
		return cmp_bytes(a->g, a->lg, b->g, b->lg);
	c = cmp_bytes(a->s, a->ls, b->s, b->ls);
	if (c == 0 && sort_kind == KEY_UNIT)
		c = cmp_bytes(a->u, a->lu, b->u, b->lu);
	return c;
}

/*
 * rank[id] = position of key id in byte order; rep is sorted in place, so
 * that rep[rank] is the index of a record holding the key of that rank.
 */
static void
rank_keys(const rec_ref *r, uint32_t *rep, size_t nkeys, enum intern_kind k, uint32_t *rank)
{
	size_t		i;

	sort_recs = r;
	sort_kind = k;
	qsort(rep, nkeys, sizeof(uint32_t), cmp_rep);
	for (i = 0; i < nkeys; i++)
	{
		const rec_ref *x = &r[rep[i]];
		uint32_t	id = k == KEY_SUPER ? x->sid : k == KEY_UNIT ? x->uid : x->gid;

		rank[id] = (uint32_t) i;
	}
}

typedef struct cell_key
{
	uint64_t	key;			/* unit rank << 32 | group rank */
	double		n;
} cell_key;

/*
 * LSD radix sort of the cells by key (stable), trivial passes skipped: 16
 * bits a pass, or 8 bits for small tables, whose sort would otherwise be
 * dominated by clearing 65,536 counters per pass (Knuth 1998, 5.2.5).
 */
static nous_status
radix_sort_cells(cell_key *a, size_t n)
{
	int			bits = n < 65536 ? 8 : 16;
	size_t		nb = (size_t) 1 << bits,
				mask = nb - 1;
	cell_key   *tmp = nous_alloc(sizeof(cell_key) * (n ? n : 1)), *src = a, *dst;
	size_t	   *count = nous_alloc(sizeof(size_t) * nb);
	size_t		i;
	int			shift;

	if (tmp == NULL || count == NULL)
	{
		nous_free(tmp);
		nous_free(count);
		return NOUS_ERR_NOMEM;
	}
	dst = tmp;
	for (shift = 0; shift < 64; shift += bits)
	{
		size_t		sum = 0;
		bool		trivial = false;

		NOUS_CHECK_INTERRUPTS();
		memset(count, 0, sizeof(size_t) * nb);
		for (i = 0; i < n; i++)
			count[(src[i].key >> shift) & mask]++;
		for (i = 0; i < nb; i++)
		{
			size_t		c = count[i];

			if (c == n)
				trivial = true;
			count[i] = sum;
			sum += c;
		}
		if (trivial)
			continue;
		for (i = 0; i < n; i++)
			dst[count[(src[i].key >> shift) & mask]++] = src[i];
		{
			cell_key   *x = src;

			src = dst;
			dst = x;
		}
	}
	if (src != a)
		memcpy(a, src, sizeof(cell_key) * n);
	nous_free(tmp);
	nous_free(count);
	return NOUS_OK;
}

void
nous_mixtable_free(nous_mixtable *t)
{
	nous_free(t->cell_super);
	nous_free(t->cell_unit);
	nous_free(t->cell_group);
	nous_free(t->cell_n);
	nous_free(t->super_n);
	nous_free(t->unit_n);
	nous_free(t->group_n);
	nous_free(t->unit_super);
	nous_free((void *) t->super_name);
	nous_free(t->super_len);
	nous_free((void *) t->unit_name);
	nous_free(t->unit_len);
	nous_free((void *) t->group_name);
	nous_free(t->group_len);
	memset(t, 0, sizeof(*t));
}

/*
 * Merged table: keys interned by hashing (O(n)), distinct keys sorted in byte
 * order, cells sorted by (unit rank, group rank) — units sorted by (super,
 * unit), so the cells of a super-unit are contiguous.
 */
nous_status
nous_mixtable_build(const unsigned char *buf, size_t len, nous_mixtable *t)
{
	size_t		nrec, i, off = 0, c = 0;
	rec_ref    *r = NULL;
	uint32_t   *rep_s = NULL, *rep_u = NULL, *rep_g = NULL;
	uint32_t   *rank_s = NULL, *rank_u = NULL, *rank_g = NULL;
	cell_key   *ck = NULL;
	long		ns, nu, ng;
	nous_status st;

	memset(t, 0, sizeof(*t));
	st = nous_mixrec_count(buf, len, &nrec);
	if (st != NOUS_OK)
		return st;
	if (nrec > UINT32_MAX - 1)
		return NOUS_ERR_DOMAIN;
	r = nous_alloc(sizeof(rec_ref) * (nrec ? nrec : 1));
	if (r == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < nrec; i++)
	{
		memcpy(&r[i].n, buf + off, 8);
		r[i].ls = nous_rd_u32(buf + off, 2);
		r[i].lu = nous_rd_u32(buf + off, 3);
		r[i].lg = nous_rd_u32(buf + off, 4);
		r[i].s = (const char *) buf + off + NOUS_MIXREC_HDR;
		r[i].u = r[i].s + r[i].ls;
		r[i].g = r[i].u + r[i].lu;
		off += NOUS_MIXREC_HDR + r[i].ls + r[i].lu + r[i].lg;
	}
	ns = intern_keys(r, nrec, KEY_SUPER, &rep_s);
	nu = ns < 0 ? -1 : intern_keys(r, nrec, KEY_UNIT, &rep_u);
	ng = nu < 0 ? -1 : intern_keys(r, nrec, KEY_GROUP, &rep_g);
	if (ng < 0)
		goto nomem;
	rank_s = nous_alloc(sizeof(uint32_t) * (ns ? ns : 1));
	rank_u = nous_alloc(sizeof(uint32_t) * (nu ? nu : 1));
	rank_g = nous_alloc(sizeof(uint32_t) * (ng ? ng : 1));
	ck = nous_alloc(sizeof(cell_key) * (nrec ? nrec : 1));
	if (rank_s == NULL || rank_u == NULL || rank_g == NULL || ck == NULL)
		goto nomem;
	NOUS_CHECK_INTERRUPTS();
	rank_keys(r, rep_s, (size_t) ns, KEY_SUPER, rank_s);
	rank_keys(r, rep_u, (size_t) nu, KEY_UNIT, rank_u);
	rank_keys(r, rep_g, (size_t) ng, KEY_GROUP, rank_g);
	NOUS_CHECK_INTERRUPTS();
	for (i = 0; i < nrec; i++)
	{
		ck[i].key = ((uint64_t) rank_u[r[i].uid] << 32) | rank_g[r[i].gid];
		ck[i].n = r[i].n;
	}
	if (radix_sort_cells(ck, nrec) != NOUS_OK)
		goto nomem;
	for (i = 0; i < nrec; i++)
	{
		if (c > 0 && ck[c - 1].key == ck[i].key)
			ck[c - 1].n += ck[i].n;
		else
			ck[c++] = ck[i];
	}
	t->ncell = c;
	t->nsuper = (size_t) ns;
	t->nunit = (size_t) nu;
	t->ngroup = (size_t) ng;
#define ALLOC(field, type, count) \
	do { t->field = nous_alloc(sizeof(type) * ((count) ? (count) : 1)); \
		 if (t->field == NULL) goto nomem; \
		 memset(t->field, 0, sizeof(type) * ((count) ? (count) : 1)); } while (0)
	ALLOC(cell_super, uint32_t, c);
	ALLOC(cell_unit, uint32_t, c);
	ALLOC(cell_group, uint32_t, c);
	ALLOC(cell_n, double, c);
	ALLOC(super_n, double, t->nsuper);
	ALLOC(unit_n, double, t->nunit);
	ALLOC(group_n, double, t->ngroup);
	ALLOC(unit_super, uint32_t, t->nunit);
	ALLOC(super_name, const char *, t->nsuper);
	ALLOC(super_len, uint32_t, t->nsuper);
	ALLOC(unit_name, const char *, t->nunit);
	ALLOC(unit_len, uint32_t, t->nunit);
	ALLOC(group_name, const char *, t->ngroup);
	ALLOC(group_len, uint32_t, t->ngroup);
#undef ALLOC
	/* names and the super of each unit, by rank (rep_* are sorted by rank now) */
	for (i = 0; i < t->nsuper; i++)
	{
		t->super_name[i] = r[rep_s[i]].s;
		t->super_len[i] = r[rep_s[i]].ls;
	}
	for (i = 0; i < t->nunit; i++)
	{
		t->unit_name[i] = r[rep_u[i]].u;
		t->unit_len[i] = r[rep_u[i]].lu;
		t->unit_super[i] = rank_s[r[rep_u[i]].sid];
	}
	for (i = 0; i < t->ngroup; i++)
	{
		t->group_name[i] = r[rep_g[i]].g;
		t->group_len[i] = r[rep_g[i]].lg;
	}
	for (i = 0; i < c; i++)
	{
		uint32_t	u = (uint32_t) (ck[i].key >> 32), g = (uint32_t) (ck[i].key & 0xffffffffu);
		uint32_t	sp = t->unit_super[u];

		t->cell_unit[i] = u;
		t->cell_group[i] = g;
		t->cell_super[i] = sp;
		t->cell_n[i] = ck[i].n;
		t->super_n[sp] += ck[i].n;
		t->unit_n[u] += ck[i].n;
		t->group_n[g] += ck[i].n;
		t->N += ck[i].n;
	}
	/* counts are finite and >= 0: if the grand total is finite, so is every sum */
	if (!isfinite(t->N))
	{
		nous_mixtable_free(t);
		st = NOUS_ERR_NONFINITE;
		goto done;
	}
	st = NOUS_OK;
	goto done;
nomem:
	nous_mixtable_free(t);
	st = NOUS_ERR_NOMEM;
done:
	nous_free(r);
	nous_free(rep_s);
	nous_free(rep_u);
	nous_free(rep_g);
	nous_free(rank_s);
	nous_free(rank_u);
	nous_free(rank_g);
	nous_free(ck);
	return st;
}

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
	acc = nous_alloc(sizeof(double) * (t->ngroup ? t->ngroup : 1));
	touched = nous_alloc(sizeof(uint32_t) * (t->ngroup ? t->ngroup : 1));
	if (acc == NULL || touched == NULL)
	{
		nous_free(acc);
		nous_free(touched);
		return NOUS_ERR_NOMEM;
	}
	memset(acc, 0, sizeof(double) * t->ngroup);
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
		if (acc[t->cell_group[i]] == 0.0)
		{
			/* a group may be touched twice when its first cells weigh 0 */
			size_t		k;
			bool		seen = false;

			for (k = 0; k < ntouched && !seen; k++)
				seen = touched[k] == t->cell_group[i];
			if (!seen)
				touched[ntouched++] = t->cell_group[i];
		}
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

/* D = sum_g sum_u t_u |p_gu - p_g| / (2 T I) (Reardon & Firebaugh 2002) */
double
nous_mix_multi_dissimilarity(const nous_mixtable *t)
{
	double		I;

	if (!(t->N > 0.0))
		return NAN;
	I = simpson_interaction(t);
	if (!(I > 0.0))
		return NAN;
	return unit_deviation_sum(t, 1) / (2.0 * t->N * I);
}

/* RD = sum_g sum_u t_u (p_gu - p_g)^2 / (T I) (Carlson 1992; Reardon & Firebaugh 2002) */
double
nous_mix_relative_diversity(const nous_mixtable *t)
{
	double		I;

	if (!(t->N > 0.0))
		return NAN;
	I = simpson_interaction(t);
	if (!(I > 0.0))
		return NAN;
	return unit_deviation_sum(t, 2) / (t->N * I);
}

/* ---- allocation mix ---- */

/* INSEE / OECD-modified scale: 1 + 0.5 (a - 1) + 0.3 c (INSEE, définition "unité de consommation") */
nous_status
nous_consumption_units(long adults, long children, nous_uc_scale scale, double *out)
{
	if (adults < 0 || children < 0)
		return NOUS_ERR_DOMAIN;
	if (adults == 0)
		return NOUS_ERR_PARAM;
	switch (scale)
	{
		case NOUS_UC_OECD_MODIFIED:
			*out = 1.0 + 0.5 * (double) (adults - 1) + 0.3 * (double) children;
			break;
		case NOUS_UC_OECD_OLD:
			*out = 1.0 + 0.7 * (double) (adults - 1) + 0.5 * (double) children;
			break;
		case NOUS_UC_SQRT:
			*out = sqrt((double) adults + (double) children);
			break;
		case NOUS_UC_PER_CAPITA:
			*out = (double) adults + (double) children;
			break;
		default:
			return NOUS_ERR_PARAM;
	}
	return NOUS_OK;
}

/* Hoare quickselect: x[k] becomes the k-th smallest, smaller ones before it, larger after */
static void
select_kth(double *x, size_t n, size_t kk)
{
	long		lo = 0, hi = (long) n - 1, k = (long) kk;
	unsigned	iter = 0;

	while (hi > lo)
	{
		double		pivot, s;
		long		i = lo, j = hi;
		long		mid = lo + (hi - lo) / 2;

		if (++iter % 64 == 0)
			NOUS_CHECK_INTERRUPTS();
		/* median of three */
		if (x[mid] < x[lo])
		{
			s = x[mid]; x[mid] = x[lo]; x[lo] = s;
		}
		if (x[hi] < x[lo])
		{
			s = x[hi]; x[hi] = x[lo]; x[lo] = s;
		}
		if (x[hi] < x[mid])
		{
			s = x[hi]; x[hi] = x[mid]; x[mid] = s;
		}
		pivot = x[mid];
		while (i <= j)
		{
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j)
			{
				s = x[i]; x[i] = x[j]; x[j] = s;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return;
	}
}

/* smallest of x[from..n) */
static double
min_from(const double *x, size_t from, size_t n)
{
	double		m = x[from];
	size_t		i;

	for (i = from + 1; i < n; i++)
		if (x[i] < m)
			m = x[i];
	return m;
}

/* Hyndman & Fan (1996) types 7 (continuous), 1 (discrete), 8 (median-unbiased) */
nous_status
nous_quantile(double *x, size_t n, double prob, nous_quantile_kind kind, double *out)
{
	double		h;
	size_t		k;

	if (!(prob >= 0.0 && prob <= 1.0))
		return NOUS_ERR_PARAM;
	if (n == 0)
	{
		*out = NAN;
		return NOUS_OK;
	}
	switch (kind)
	{
		case NOUS_Q_CONTINUOUS:
			h = (double) (n - 1) * prob;
			break;
		case NOUS_Q_DISCRETE:
			/* percentile_disc: first value whose cumulative share >= prob */
			k = (size_t) ceil(prob * (double) n);
			k = k > 0 ? k - 1 : 0;
			select_kth(x, n, k);
			*out = x[k];
			return NOUS_OK;
		case NOUS_Q_MEDIAN_UNBIASED:
			h = ((double) n + 1.0 / 3.0) * prob + 1.0 / 3.0 - 1.0;
			if (h < 0.0)
				h = 0.0;
			if (h > (double) (n - 1))
				h = (double) (n - 1);
			break;
		default:
			return NOUS_ERR_PARAM;
	}
	k = (size_t) floor(h);
	select_kth(x, n, k);
	if (k + 1 < n && h > (double) k)
		*out = x[k] + (h - (double) k) * (min_from(x, k + 1, n) - x[k]);
	else
		*out = x[k];
	return NOUS_OK;
}

/*
 * The values of order k and k + 1 (0-based; k + 1 clamped to the last) of
 * sorted runs (value, multiplicity)
 */
static void
runs_pair_at(const double *runs, size_t nruns, double k, double *xk, double *xk1)
{
	double		cum = 0.0;
	size_t		i = 0;

	while (i + 1 < nruns && cum + runs[2 * i + 1] <= k)
		cum += runs[2 * i + 1], i++;
	*xk = runs[2 * i];
	/* order k + 1 is in the same run unless k is the run's last */
	if (cum + runs[2 * i + 1] > k + 1.0 || i + 1 >= nruns)
		*xk1 = runs[2 * i];
	else
		*xk1 = runs[2 * (i + 1)];
}

nous_status
nous_quantile_runs(const double *runs, size_t nruns, double prob, nous_quantile_kind kind,
				   double *out)
{
	double		n = 0.0,
				h,
				k,
				xk,
				xk1;
	size_t		i;

	if (!(prob >= 0.0 && prob <= 1.0))
		return NOUS_ERR_PARAM;
	for (i = 0; i < nruns; i++)
		n += runs[2 * i + 1];
	if (n == 0.0)
	{
		*out = NAN;
		return NOUS_OK;
	}
	/* the same positions as nous_quantile, n being exact in a double */
	switch (kind)
	{
		case NOUS_Q_CONTINUOUS:
			h = (n - 1.0) * prob;
			break;
		case NOUS_Q_DISCRETE:
			k = ceil(prob * n);
			k = k > 0.0 ? k - 1.0 : 0.0;
			runs_pair_at(runs, nruns, k, out, &xk1);
			return NOUS_OK;
		case NOUS_Q_MEDIAN_UNBIASED:
			h = (n + 1.0 / 3.0) * prob + 1.0 / 3.0 - 1.0;
			if (h < 0.0)
				h = 0.0;
			if (h > n - 1.0)
				h = n - 1.0;
			break;
		default:
			return NOUS_ERR_PARAM;
	}
	k = floor(h);
	runs_pair_at(runs, nruns, k, &xk, &xk1);
	if (k + 1.0 < n && h > k)
		*out = xk + (h - k) * (xk1 - xk);
	else
		*out = xk;
	return NOUS_OK;
}

/* Acklam (2003) rational approximation, refined by one Halley step */
double
nous_normal_quantile(double p)
{
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
		-2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
	2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
		-1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
		-2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
	2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
	2.445134137142996e+00, 3.754408661907416e+00};
	double		q, r, x, e, u;

	if (!(p > 0.0 && p < 1.0))
		return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
	if (p < 0.02425)
	{
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	else if (p <= 1 - 0.02425)
	{
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
			(((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	}
	else
	{
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
			((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	e = 0.5 * erfc(-x / sqrt(2.0)) - p;
	u = e * 2.5066282746310002 * exp(x * x / 2);	/* sqrt(2 pi) */
	return x - u / (1 + x * u / 2);
}

/* (k + z^2/2 ± z sqrt(k(n-k)/n + z^2/4)) / (n + z^2) (Wilson 1927) */
void
nous_wilson(double k, double n, double z, double *lo, double *hi)
{
	double		z2 = z * z, c, h;

	if (!(n > 0.0))
	{
		*lo = *hi = NAN;
		return;
	}
	c = (k + z2 / 2.0) / (n + z2);
	h = z * sqrt(k * (n - k) / n + z2 / 4.0) / (n + z2);
	*lo = fmax(0.0, c - h);
	*hi = fmin(1.0, c + h);
}

/* missing allocations: ceil(target n - k), 0 when met (CCH L441-1 targets) */
double
nous_mix_gap(double k, double n, double target)
{
	double		need = target * n - k;

	/* 1e-9 absorbs the rounding of target * n (0.25 * 4 must be exactly 1) */
	if (need <= 1e-9)
		return 0.0;
	return ceil(need - 1e-9);
}

/* ---- random numbers: xoshiro256** (Blackman & Vigna 2018), seeded by splitmix64 ---- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

void
nous_rng_seed(nous_rng *r, uint64_t seed)
{
	int			i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
nous_rng_next(nous_rng *r)
{
	uint64_t   *s = r->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
nous_rng_uniform(nous_rng *r)
{
	return (double) (nous_rng_next(r) >> 11) * 0x1.0p-53;
}

/* ---- bootstrap ---- */

/*
 * Binomial(n, p): inversion (sequential search from 0) when n min(p, 1-p) < 10,
 * else rejection from a Lorentzian envelope (Press et al., Numerical Recipes,
 * 2nd ed., 7.3, bnldev) — both exact.
 */
double
nous_rng_binomial(nous_rng *r, double n, double p)
{
	double		q, pp, mean, k;

	if (!(n >= 1.0) || !(p > 0.0))
		return 0.0;
	if (p >= 1.0)
		return n;
	pp = p <= 0.5 ? p : 1.0 - p;
	q = 1.0 - pp;
	mean = n * pp;
	if (mean < 10.0)
	{
		double		f = exp(n * log1p(-pp)), u = nous_rng_uniform(r), s = pp / q;

		k = 0.0;
		while (u > f && k < n)
		{
			u -= f;
			f *= (n - k) / (k + 1.0) * s;
			k += 1.0;
			if (f <= 0.0)
				break;
		}
	}
	else
	{
		double		g = lgamma(n + 1.0), plog = log(pp), qlog = log(q);
		double		sq = sqrt(2.0 * mean * q), y, em, t;

		do
		{
			do
			{
				y = tan(3.14159265358979323846 * nous_rng_uniform(r));
				em = sq * y + mean;
			} while (em < 0.0 || em >= n + 1.0);
			em = floor(em);
			t = 1.2 * sq * (1.0 + y * y) *
				exp(g - lgamma(em + 1.0) - lgamma(n - em + 1.0) + em * plog + (n - em) * qlog);
		} while (nous_rng_uniform(r) > t);
		k = em;
	}
	return p <= 0.5 ? k : n - k;
}

/* multinomial(N; w / sum w) by conditional binomials, written into out[k] */
static void
multinomial(nous_rng *r, double N, const double *w, double wsum, size_t k, double *out)
{
	double		left = N, wleft = wsum;
	size_t		i;

	for (i = 0; i < k; i++)
	{
		double		x = 0.0;

		if ((i + 1) % NOUS_INTERRUPT_EVERY == 0)
			NOUS_CHECK_INTERRUPTS();
		if (left > 0.0 && w[i] > 0.0)
			x = (w[i] >= wleft) ? left : nous_rng_binomial(r, left, w[i] / wleft);
		out[i] = x;
		left -= x;
		wleft -= w[i];
	}
}

nous_status
nous_mix2_index_value(const double *gt, size_t n, nous_mix2_index which, double *out)
{
	switch (which)
	{
		case NOUS_MIX2_D:
			*out = nous_mix2_dissimilarity(gt, n);
			return NOUS_OK;
		case NOUS_MIX2_GINI:
			return nous_mix2_gini(gt, n, out);
		case NOUS_MIX2_H:
			*out = nous_mix2_entropy_h(gt, n);
			return NOUS_OK;
		case NOUS_MIX2_ISOLATION:
			*out = nous_mix2_isolation(gt, n);
			return NOUS_OK;
		case NOUS_MIX2_INTERACTION:
			*out = nous_mix2_interaction(gt, n);
			return NOUS_OK;
		case NOUS_MIX2_CORRELATION:
			*out = nous_mix2_correlation_ratio(gt, n);
			return NOUS_OK;
	}
	return NOUS_ERR_PARAM;
}

/* resampling the table (Efron 1979), as R package segregation's bootstrap (Elbers 2021) */
nous_status
nous_mix2_bootstrap(const double *gt, size_t n, nous_mix2_index which,
					int reps, uint64_t seed, double *out)
{
	double	   *w, *draw, *bgt, T = 0.0;
	size_t		i;
	int			b;
	nous_rng	r;
	nous_status st = NOUS_OK;

	if (reps < 1)
		return NOUS_ERR_PARAM;
	w = nous_alloc(sizeof(double) * 2 * (n ? n : 1));
	draw = nous_alloc(sizeof(double) * 2 * (n ? n : 1));
	bgt = nous_alloc(sizeof(double) * 2 * (n ? n : 1));
	if (w == NULL || draw == NULL || bgt == NULL)
	{
		st = NOUS_ERR_NOMEM;
		goto done;
	}
	for (i = 0; i < n; i++)
	{
		w[2 * i] = gt[2 * i];
		w[2 * i + 1] = gt[2 * i + 1] - gt[2 * i];
		T += gt[2 * i + 1];
	}
	nous_rng_seed(&r, seed);
	for (b = 0; b < reps; b++)
	{
		if (b % 16 == 15)
			NOUS_CHECK_INTERRUPTS();
		multinomial(&r, floor(T + 0.5), w, T, 2 * n, draw);
		for (i = 0; i < n; i++)
		{
			bgt[2 * i] = draw[2 * i];
			bgt[2 * i + 1] = draw[2 * i] + draw[2 * i + 1];
		}
		st = nous_mix2_index_value(bgt, n, which, &out[b]);
		if (st != NOUS_OK)
			break;
	}
done:
	nous_free(w);
	nous_free(draw);
	nous_free(bgt);
	return st;
}

nous_status
nous_mix_bootstrap(const nous_mixtable *t, bool h, int reps, uint64_t seed, double *out)
{
	double	   *draw, *un, *gn;
	size_t		i;
	int			b;
	nous_rng	r;

	if (reps < 1)
		return NOUS_ERR_PARAM;
	draw = nous_alloc(sizeof(double) * (t->ncell ? t->ncell : 1));
	un = nous_alloc(sizeof(double) * (t->nunit ? t->nunit : 1));
	gn = nous_alloc(sizeof(double) * (t->ngroup ? t->ngroup : 1));
	if (draw == NULL || un == NULL || gn == NULL)
	{
		nous_free(draw);
		nous_free(un);
		nous_free(gn);
		return NOUS_ERR_NOMEM;
	}
	nous_rng_seed(&r, seed);
	for (b = 0; b < reps; b++)
	{
		nous_mixtable bt = *t;
		double		N = floor(t->N + 0.5);

		if (b % 16 == 15)
			NOUS_CHECK_INTERRUPTS();
		multinomial(&r, N, t->cell_n, t->N, t->ncell, draw);
		memset(un, 0, sizeof(double) * t->nunit);
		memset(gn, 0, sizeof(double) * t->ngroup);
		for (i = 0; i < t->ncell; i++)
		{
			un[t->cell_unit[i]] += draw[i];
			gn[t->cell_group[i]] += draw[i];
		}
		bt.cell_n = draw;
		bt.unit_n = un;
		bt.group_n = gn;
		bt.N = N;
		out[b] = nous_mix_mutual_information(&bt);
		if (h)
		{
			double		e = nous_mix_entropy(&bt);

			out[b] = e > 0.0 ? out[b] / e : NAN;
		}
	}
	nous_free(draw);
	nous_free(un);
	nous_free(gn);
	return NOUS_OK;
}

/* M_s and E_s of each super-unit (Mora & Ruiz-Castillo 2011, within terms) */
nous_status
nous_mix_by_super(const nous_mixtable *t, double *p, double *m, double *e)
{
	double	   *acc;
	uint32_t   *touched;
	size_t		start = 0, i, k;

	acc = nous_alloc(sizeof(double) * (t->ngroup ? t->ngroup : 1));
	touched = nous_alloc(sizeof(uint32_t) * (t->ngroup ? t->ngroup : 1));
	if (acc == NULL || touched == NULL)
	{
		nous_free(acc);
		nous_free(touched);
		return NOUS_ERR_NOMEM;
	}
	memset(acc, 0, sizeof(double) * t->ngroup);
	while (start < t->ncell)
	{
		uint32_t	s = t->cell_super[start];
		size_t		end = start, ntouched = 0;
		double		Ns = t->super_n[s], ms = 0.0, es = 0.0;

		while (end < t->ncell && t->cell_super[end] == s)
		{
			uint32_t	g = t->cell_group[end];
			bool		seen = false;

			for (k = 0; k < ntouched && !seen; k++)
				seen = touched[k] == g;
			if (!seen)
				touched[ntouched++] = g;
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
