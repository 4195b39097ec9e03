/*
 * flow_builder.c — the builder of sparse origin-destination matrices (hash
 * tables of zone codes and of zone pairs) and its flattening into the
 * format of nous.flows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* ---------------------------------------------------------------- helpers */

static void *
grow(void *old, size_t oldbytes, size_t newbytes)
{
	void	   *p = nous_alloc(newbytes);

	if (p == NULL)
		return NULL;
	if (old != NULL)
	{
		memcpy(p, old, oldbytes);
		nous_free(old);
	}
	return p;
}

static uint32_t
hash_bytes(const char *s, size_t len)
{
	/* FNV-1a 64 bits, folded */
	uint64_t	h = 1469598103934665603ULL;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return (uint32_t) (h ^ (h >> 32));
}

static uint32_t
hash_pair(int32_t o, int32_t d)
{
	/* splitmix64 finaliser */
	uint64_t	x = ((uint64_t) (uint32_t) o << 32) | (uint32_t) d;

	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	x ^= x >> 31;
	return (uint32_t) x;
}

/* ---------------------------------------------------------------- builder */

typedef struct pslot
{
	int32_t		o;
	int32_t		d;
	double		w;
} pslot;

/* A zone of the builder: one cache line holds what a lookup compares. */
typedef struct zentry
{
	uint32_t	hash;
	uint32_t	len;
	union
	{
		char		inl[8];		/* the code itself when at most 8 bytes */
		size_t		off;		/* else its offset in the arena */
	}			c;
	double		stay;
} zentry;

struct nous_flow_builder
{
	/* zones, by id in order of arrival */
	int32_t		nz;
	int32_t		zcap;
	zentry	   *zent;
	char	   *arena;			/* codes longer than 8 bytes */
	size_t		alen;
	size_t		acap;
	size_t		codebytes;		/* total length of the codes */
	uint64_t   *zslot;			/* open addressing: hash << 32 | (id + 1), 0 = empty */
	uint32_t	zmask;
	/* pairs off the diagonal: open addressing, key and sum in the slot */
	int32_t		ne;
	pslot	   *pslot;			/* o = -1: empty */
	uint32_t	pmask;
};

static uint64_t *
new_zslots(uint32_t size)
{
	uint64_t   *s = nous_alloc(sizeof(uint64_t) * size);

	if (s != NULL)
		memset(s, 0, sizeof(uint64_t) * size);
	return s;
}

static inline const char *
zcode(const nous_flow_builder *b, const zentry *e)
{
	return e->len <= 8 ? e->c.inl : b->arena + e->c.off;
}

static pslot *
new_pslots(uint32_t size)
{
	pslot	   *s = nous_alloc(sizeof(pslot) * size);
	uint32_t	i;

	if (s != NULL)
		for (i = 0; i < size; i++)
			s[i].o = -1;
	return s;
}

nous_flow_builder *
nous_fb_create(void)
{
	nous_flow_builder *b = nous_alloc(sizeof(nous_flow_builder));

	if (b == NULL)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->zmask = 31;
	b->pmask = 31;
	b->zslot = new_zslots(b->zmask + 1);
	b->pslot = new_pslots(b->pmask + 1);
	if (b->zslot == NULL || b->pslot == NULL)
	{
		nous_fb_destroy(b);
		return NULL;
	}
	return b;
}

void
nous_fb_destroy(nous_flow_builder *b)
{
	if (b == NULL)
		return;
	nous_free(b->zent);
	nous_free(b->arena);
	nous_free(b->zslot);
	nous_free(b->pslot);
	nous_free(b);
}

int32_t
nous_fb_nzones(const nous_flow_builder *b)
{
	return b->nz;
}

int32_t
nous_fb_nedges(const nous_flow_builder *b)
{
	return b->ne;
}

static nous_status
zone_rehash(nous_flow_builder *b)
{
	uint32_t	size = (b->zmask + 1) * 2;
	uint64_t   *s = new_zslots(size);
	int32_t		i;

	if (s == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < b->nz; i++)
	{
		uint32_t	hv = b->zent[i].hash;
		uint32_t	h = hv & (size - 1);

		while (s[h] != 0)
			h = (h + 1) & (size - 1);
		s[h] = ((uint64_t) hv << 32) | (uint64_t) (i + 1);
	}
	nous_free(b->zslot);
	b->zslot = s;
	b->zmask = size - 1;
	return NOUS_OK;
}

/* The id of a zone code, registering it when new; -1 on failure. */
static int32_t
zone_id(nous_flow_builder *b, const char *z, size_t len, nous_status *st)
{
	uint32_t	hv = hash_bytes(z, len);
	uint32_t	h = hv & b->zmask;
	uint64_t	slot;
	int32_t		id;
	zentry	   *e;

	while ((slot = b->zslot[h]) != 0)
	{
		if ((uint32_t) (slot >> 32) == hv)
		{
			id = (int32_t) (slot & 0xffffffffu) - 1;
			e = &b->zent[id];
			if (e->len == len && memcmp(zcode(b, e), z, len) == 0)
				return id;
		}
		h = (h + 1) & b->zmask;
	}
	if (b->nz >= NOUS_FLOW_MAX_ITEMS || len > 0x3fffffff ||
		b->codebytes + len > (size_t) 0x7fffffff)
	{
		*st = NOUS_ERR_PARAM;
		return -1;
	}
	if (b->nz == b->zcap)
	{
		int32_t		cap = b->zcap == 0 ? 16 : b->zcap * 2;

		if ((b->zent = grow(b->zent, sizeof(zentry) * b->zcap, sizeof(zentry) * cap)) == NULL)
		{
			*st = NOUS_ERR_NOMEM;
			return -1;
		}
		b->zcap = cap;
	}
	id = b->nz++;
	e = &b->zent[id];
	memset(e, 0, sizeof(*e));
	if (len <= 8)
		memcpy(e->c.inl, z, len);
	else
	{
		if (b->alen + len > b->acap)
		{
			size_t		cap = b->acap == 0 ? 128 : b->acap * 2;

			while (cap < b->alen + len)
				cap *= 2;
			if ((b->arena = grow(b->arena, b->alen, cap)) == NULL)
			{
				b->nz--;
				*st = NOUS_ERR_NOMEM;
				return -1;
			}
			b->acap = cap;
		}
		memcpy(b->arena + b->alen, z, len);
		e->c.off = b->alen;
		b->alen += len;
	}
	e->len = (uint32_t) len;
	e->hash = hv;
	e->stay = 0.0;
	b->codebytes += len;
	b->zslot[h] = ((uint64_t) hv << 32) | (uint64_t) (id + 1);
	if ((uint32_t) b->nz * 2 > b->zmask)
	{
		if ((*st = zone_rehash(b)) != NOUS_OK)
			return -1;
	}
	return id;
}

static nous_status
pair_rehash(nous_flow_builder *b)
{
	uint32_t	size = (b->pmask + 1) * 2;
	pslot	   *s = new_pslots(size);
	uint32_t	i;

	if (s == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i <= b->pmask; i++)
	{
		uint32_t	h;

		if (b->pslot[i].o < 0)
			continue;
		h = hash_pair(b->pslot[i].o, b->pslot[i].d) & (size - 1);
		while (s[h].o >= 0)
			h = (h + 1) & (size - 1);
		s[h] = b->pslot[i];
	}
	nous_free(b->pslot);
	b->pslot = s;
	b->pmask = size - 1;
	return NOUS_OK;
}

/*
 * A cell that received one weight keeps it as it came; a cell that summed
 * several is marked by its sign bit (weights are >= 0), so that flattening
 * cleans the binary noise of sums only (nous_flow_clean), never an input.
 */
static inline double
summed(double cell, double w)
{
	if (cell == 0.0 && !signbit(cell))
		return w;				/* the first weight (or nothing but zeros yet) */
	return -(fabs(cell) + w);
}

/* the weight of a cell of the builder, a sum cleaned */
static inline double
cell_value(double cell)
{
	return signbit(cell) ? nous_flow_clean(fabs(cell)) : cell;
}

static nous_status
add_ids(nous_flow_builder *b, int32_t o, int32_t d, double w)
{
	uint32_t	h;
	pslot	   *p;

	if (o == d)
	{
		b->zent[o].stay = summed(b->zent[o].stay, w);
		return NOUS_OK;
	}
	h = hash_pair(o, d) & b->pmask;
	for (;;)
	{
		p = &b->pslot[h];
		if (p->o < 0)
			break;
		if (p->o == o && p->d == d)
		{
			p->w = summed(p->w, w);
			return NOUS_OK;
		}
		h = (h + 1) & b->pmask;
	}
	if (b->ne >= NOUS_FLOW_MAX_ITEMS)
		return NOUS_ERR_PARAM;
	p->o = o;
	p->d = d;
	p->w = w;
	b->ne++;
	/* load factor at most 3/4 */
	if ((uint64_t) b->ne * 4 > (uint64_t) (b->pmask + 1) * 3)
		return pair_rehash(b);
	return NOUS_OK;
}

nous_status
nous_fb_add(nous_flow_builder *b, const char *o, size_t olen,
			const char *d, size_t dlen, double w)
{
	nous_status st = NOUS_OK;
	int32_t		oi = zone_id(b, o, olen, &st),
				di;

	if (oi < 0)
		return st;
	di = zone_id(b, d, dlen, &st);
	if (di < 0)
		return st;
	return add_ids(b, oi, di, w);
}

nous_status
nous_fb_add_zone(nous_flow_builder *b, const char *z, size_t len)
{
	nous_status st = NOUS_OK;

	return zone_id(b, z, len, &st) < 0 ? st : NOUS_OK;
}

/* Merge a matrix, zone i renamed to code (names[i], lens[i]) when names given. */
static nous_status
add_view_common(nous_flow_builder *b, const nous_flow_view *v, const int32_t *cat,
				const char *const *catcode, const size_t *catlen)
{
	nous_status st = NOUS_OK;
	int32_t    *id = nous_alloc(sizeof(int32_t) * (size_t) (v->nzones > 0 ? v->nzones : 1));
	int32_t		i,
				e;

	if (id == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 0; i < v->nzones; i++)
	{
		size_t		len;
		const char *z;

		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (cat != NULL)
		{
			z = catcode[cat[i]];
			len = catlen[cat[i]];
		}
		else
			z = nous_fv_zone(v, i, &len);
		if ((id[i] = zone_id(b, z, len, &st)) < 0)
			goto done;
		if ((st = add_ids(b, id[i], id[i], nous_fv_stay(v, i))) != NOUS_OK)
			goto done;
	}
	for (e = 0; e < v->nedges; e++)
	{
		if ((e & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		st = add_ids(b, id[nous_fv_orig(v, e)], id[nous_fv_dest(v, e)], nous_fv_w(v, e));
		if (st != NOUS_OK)
			goto done;
	}
done:
	nous_free(id);
	return st;
}

nous_status
nous_fb_add_view(nous_flow_builder *b, const nous_flow_view *v)
{
	return add_view_common(b, v, NULL, NULL, NULL);
}

nous_status
nous_fb_add_view_mapped(nous_flow_builder *b, const nous_flow_view *v,
						const int32_t *cat, const char *const *catcode,
						const size_t *catlen)
{
	return add_view_common(b, v, cat, catcode, catlen);
}

size_t
nous_fb_flat_size(const nous_flow_builder *b)
{
	return NOUS_FLOW_HEADER + (size_t) b->nz * 12 + (size_t) b->ne * 16 + b->codebytes;
}

typedef struct zkey
{
	const char *s;
	uint32_t	len;
	int32_t		id;
} zkey;

static int
zkey_cmp(const void *a, const void *b)
{
	const zkey *x = a,
			   *y = b;

	return nous_flow_code_cmp(x->s, x->len, y->s, y->len);
}

typedef struct dw
{
	int32_t		d;
	double		w;
} dw;

static int
dw_cmp(const void *a, const void *b)
{
	const dw   *x = a,
			   *y = b;

	return (x->d > y->d) - (x->d < y->d);
}

double
nous_flow_clean(double x)
{
	char		buf[32];

	if (!isfinite(x) || x == floor(x) || fabs(x) >= 1e15)
		return x;
	snprintf(buf, sizeof(buf), "%.15g", x);
	return strtod(buf, NULL);
}

nous_status
nous_fb_flatten(const nous_flow_builder *b, void *body, size_t len)
{
	unsigned char *p = body;
	size_t		nz = (size_t) b->nz,
				ne = (size_t) b->ne;
	unsigned char *stay = p + NOUS_FLOW_HEADER;
	unsigned char *w = stay + nz * 8;
	unsigned char *orig = w + ne * 8;
	unsigned char *dest = orig + ne * 4;
	unsigned char *zend = dest + ne * 4;
	unsigned char *codes = zend + nz * 4;
	zkey	   *keys = NULL;
	int32_t    *rank = NULL;
	size_t	   *start = NULL;
	dw		   *bucket = NULL;
	nous_status st = NOUS_ERR_NOMEM;
	size_t		i,
				e,
				pos;
	int32_t		i32;
	uint16_t	zero16 = 0;

	if (len != nous_fb_flat_size(b))
		return NOUS_ERR_LENGTH;
	p[0] = NOUS_FLOW_VERSION;
	p[1] = 0;
	memcpy(p + 2, &zero16, 2);
	i32 = b->nz;
	memcpy(p + 4, &i32, 4);
	i32 = b->ne;
	memcpy(p + 8, &i32, 4);

	keys = nous_alloc(sizeof(zkey) * (nz ? nz : 1));
	rank = nous_alloc(sizeof(int32_t) * (nz ? nz : 1));
	start = nous_alloc(sizeof(size_t) * (nz + 1));
	bucket = nous_alloc(sizeof(dw) * (ne ? ne : 1));
	if (keys == NULL || rank == NULL || start == NULL || bucket == NULL)
		goto done;

	/* zones in byte order of their codes */
	for (i = 0; i < nz; i++)
	{
		keys[i].s = zcode(b, &b->zent[i]);
		keys[i].len = b->zent[i].len;
		keys[i].id = (int32_t) i;
	}
	if (nous_sort(keys, nz, sizeof(zkey), zkey_cmp) != NOUS_OK)
		goto done;
	pos = 0;
	for (i = 0; i < nz; i++)
	{
		double		s = cell_value(b->zent[keys[i].id].stay);

		rank[keys[i].id] = (int32_t) i;
		memcpy(stay + i * 8, &s, 8);
		memcpy(codes + pos, keys[i].s, keys[i].len);
		pos += keys[i].len;
		i32 = (int32_t) pos;
		memcpy(zend + i * 4, &i32, 4);
	}

	/* pairs: counting sort on the origin's rank, then each origin by destination */
	memset(start, 0, sizeof(size_t) * (nz + 1));
	for (e = 0; e <= b->pmask; e++)
		if (b->pslot[e].o >= 0)
			start[rank[b->pslot[e].o] + 1]++;
	for (i = 0; i < nz; i++)
		start[i + 1] += start[i];
	/* place each pair at its origin's cursor */
	for (e = 0; e <= b->pmask; e++)
	{
		const pslot *ps = &b->pslot[e];
		size_t		o,
					at;

		if ((e & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (ps->o < 0)
			continue;
		o = (size_t) rank[ps->o];
		at = start[o]++;
		bucket[at].d = rank[ps->d];
		bucket[at].w = cell_value(ps->w);
	}
	/* start[o] is now the end of origin o; its start is start[o - 1] (0 for o = 0) */
	for (i = 0; i < nz; i++)
	{
		size_t		s = i == 0 ? 0 : start[i - 1],
					t = start[i];

		if ((i & 1023) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (t - s > 1)
		{
			if (nous_sort(bucket + s, t - s, sizeof(dw), dw_cmp) != NOUS_OK)
				goto done;
		}
		for (e = s; e < t; e++)
		{
			i32 = (int32_t) i;
			memcpy(orig + e * 4, &i32, 4);
			memcpy(dest + e * 4, &bucket[e].d, 4);
			memcpy(w + e * 8, &bucket[e].w, 8);
		}
	}
	st = NOUS_OK;
done:
	nous_free(keys);
	nous_free(rank);
	nous_free(start);
	nous_free(bucket);
	return st;
}
