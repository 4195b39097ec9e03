/*
 * mix_table.c — the cell records of nous.mixcounts (super-unit, unit, group,
 * count) and the multigroup table built from them: keys interned and ranked
 * in byte order, cells sorted and merged.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"

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
	nous_mixrec_write_keys((char *) dst + NOUS_MIXREC_HDR, s, ls, u, lu, g, lg);
}

void
nous_mixrec_write_keys(char *dst, const char *s, uint32_t ls,
					   const char *u, uint32_t lu,
					   const char *g, uint32_t lg)
{
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
		NOUS_CHECK_INTERRUPTS();
		memset(count, 0, sizeof(size_t) * nb);
		for (i = 0; i < n; i++)
			count[(src[i].key >> shift) & mask]++;
		if (nous_radix_offsets(count, nb, n))
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
		uint32_t	l[3];

		off += nous_mixrec_read(buf + off, &r[i].n, l, &r[i].s);
		r[i].ls = l[0];
		r[i].lu = l[1];
		r[i].lg = l[2];
		r[i].u = r[i].s + r[i].ls;
		r[i].g = r[i].u + r[i].lu;
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
