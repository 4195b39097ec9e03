/*
 * flow.c — sparse origin-destination matrices: builder, flat format,
 * validating decoder and indicators (see flow.h for the format).
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

/* byte order, a prefix first */
static int
code_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int			c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
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

/* ------------------------------------------------------------ flat format */

const char *
nous_fv_zone(const nous_flow_view *v, int32_t i, size_t *len)
{
	int32_t		start = i == 0 ? 0 : nous_rd_i32(v->zend, (size_t) i - 1);

	*len = (size_t) (nous_rd_i32(v->zend, (size_t) i) - start);
	return (const char *) v->codes + start;
}

int32_t
nous_fv_find(const nous_flow_view *v, const char *code, size_t len)
{
	int32_t		lo = 0,
				hi = v->nzones - 1;

	while (lo <= hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;
		size_t		mlen;
		const char *m = nous_fv_zone(v, mid, &mlen);
		int			c = code_cmp(m, mlen, code, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Check the bytes of a flat body; never reads outside [body, body + len). */
nous_status
nous_flow_decode(const void *body, size_t len, nous_flow_view *v, const char **why)
{
	const unsigned char *p = body;
	int32_t		nz,
				ne,
				i,
				e;
	size_t		fixed,
				blob,
				prev_end;
	uint16_t	reserved;

#define BAD(msg) do { *why = (msg); return NOUS_ERR_DOMAIN; } while (0)
	if (len < NOUS_FLOW_HEADER)
		BAD("The value is shorter than its 12-byte header.");
	if (p[0] != NOUS_FLOW_VERSION)
		BAD("The format version byte is not 1.");
	memcpy(&reserved, p + 2, 2);
	if (p[1] != 0 || reserved != 0)
		BAD("The flag and reserved bytes of the header are not zero.");
	memcpy(&nz, p + 4, 4);
	memcpy(&ne, p + 8, 4);
	if (nz < 0 || ne < 0 || nz > NOUS_FLOW_MAX_ITEMS || ne > NOUS_FLOW_MAX_ITEMS)
		BAD("The zone or flow count is negative or too large.");
	if (nz == 0 && ne > 0)
		BAD("The value has flows but no zone.");
	fixed = NOUS_FLOW_HEADER + (size_t) nz * 12 + (size_t) ne * 16;
	if (len < fixed)
		BAD("The value is shorter than its zone and flow counts require.");
	blob = len - fixed;
	v->nzones = nz;
	v->nedges = ne;
	v->stay = p + NOUS_FLOW_HEADER;
	v->w = v->stay + (size_t) nz * 8;
	v->orig = v->w + (size_t) ne * 8;
	v->dest = v->orig + (size_t) ne * 4;
	v->zend = v->dest + (size_t) ne * 4;
	v->codes = v->zend + (size_t) nz * 4;

	/* zone codes: non-empty, inside the blob, no NUL, strictly increasing */
	prev_end = 0;
	for (i = 0; i < nz; i++)
	{
		int32_t		end = nous_rd_i32(v->zend, (size_t) i);

		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (end < 0 || (size_t) end <= prev_end || (size_t) end > blob)
			BAD("A zone code is empty or its end lies outside the value.");
		if (memchr(v->codes + prev_end, 0, (size_t) end - prev_end) != NULL)
			BAD("A zone code contains a NUL byte.");
		if (i > 0)
		{
			size_t		plen;
			const char *prev = nous_fv_zone(v, i - 1, &plen);

			if (code_cmp(prev, plen, (const char *) v->codes + prev_end,
						 (size_t) end - prev_end) >= 0)
				BAD("The zone codes are not sorted or not unique.");
		}
		prev_end = (size_t) end;
	}
	if (prev_end != blob)
		BAD("The value has trailing bytes after its zone codes.");
	for (i = 0; i < nz; i++)
	{
		double		s = nous_rd_f64(v->stay, (size_t) i);

		if (!isfinite(s) || s < 0)
			BAD("A number of stayers is negative, NaN or infinite.");
	}
	for (e = 0; e < ne; e++)
	{
		int32_t		o = nous_rd_i32(v->orig, (size_t) e),
					d = nous_rd_i32(v->dest, (size_t) e);
		double		w = nous_rd_f64(v->w, (size_t) e);

		if ((e & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (!isfinite(w) || w < 0)
			BAD("A flow weight is negative, NaN or infinite.");
		if (o < 0 || o >= nz || d < 0 || d >= nz)
			BAD("A flow refers to a zone index outside the zone list.");
		if (o == d)
			BAD("A flow off the diagonal has the same origin and destination.");
		if (e > 0)
		{
			int32_t		po = nous_rd_i32(v->orig, (size_t) e - 1),
						pd = nous_rd_i32(v->dest, (size_t) e - 1);

			if (po > o || (po == o && pd >= d))
				BAD("The flows are not sorted by origin and destination or not unique.");
		}
	}
#undef BAD
	*why = NULL;
	return NOUS_OK;
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

	return code_cmp(x->s, x->len, y->s, y->len);
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

/* ------------------------------------------------------------- indicators */

/* ENTR = sum of column j and SORT = sum of row i off the diagonal (Observatoire des territoires, fiche mobilités résidentielles) */
void
nous_flow_in_out(const nous_flow_view *v, double *in, double *out)
{
	int32_t		e;

	memset(in, 0, sizeof(double) * (size_t) v->nzones);
	memset(out, 0, sizeof(double) * (size_t) v->nzones);
	for (e = 0; e < v->nedges; e++)
	{
		double		w = nous_fv_w(v, e);

		if ((e & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		out[nous_fv_orig(v, e)] += w;
		in[nous_fv_dest(v, e)] += w;
	}
}

/* AUTO, PRES, SM, TM, TR, PE, PS as defined by the Observatoire des territoires (ANCT), indicators of residential mobility */
void
nous_flow_zone_rates(double iso, double entr, double sort, nous_flow_rates *r)
{
	double		mid;

	r->present_before = iso + sort;
	r->present_after = iso + entr;
	r->net = entr - sort;
	mid = (r->present_before + r->present_after) / 2.0;
	r->net_rate = mid > 0 ? r->net / mid : NAN;
	r->turnover_rate = mid > 0 ? (entr + sort) / mid : NAN;
	r->inflow_share = r->present_after > 0 ? entr / r->present_after : NAN;
	r->outflow_share = r->present_before > 0 ? sort / r->present_before : NAN;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Gini over n cells, zeros implicit: sum_k (2k - n - 1) x_(k) / (n sum x) (Bell et al. 2002, migration Gini index) */
double
nous_gini_sparse(double *x, int64_t m, double n)
{
	double		sum = 0,
				acc = 0,
				zeros = n - (double) m;
	int64_t		k;

	if (n < 1 || m < 0 || zeros < 0)
		return NAN;
	if (nous_sort(x, (size_t) m, sizeof(double), dbl_cmp) != NOUS_OK)
		return NAN;
	for (k = 0; k < m; k++)
	{
		double		r = zeros + (double) k + 1.0;

		if ((k & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();

		sum += x[k];
		acc += (2.0 * r - n - 1.0) * x[k];
	}
	if (!(sum > 0))
		return NAN;
	return acc / (n * sum);
}

/* Migration effectiveness sum|in - out| / sum(in + out) (Bell et al. 2002; migest index_impact) and Gini of flows */
nous_status
nous_flow_summarise(const nous_flow_view *v, nous_flow_overall *s)
{
	size_t		nz = (size_t) v->nzones;
	double	   *in = nous_alloc(sizeof(double) * (nz ? nz : 1));
	double	   *out = nous_alloc(sizeof(double) * (nz ? nz : 1));
	double	   *x = nous_alloc(sizeof(double) * (size_t) (v->nedges ? v->nedges : 1));
	double		absnet = 0,
				gross = 0;
	int32_t		i;

	if (in == NULL || out == NULL || x == NULL)
	{
		nous_free(in);
		nous_free(out);
		nous_free(x);
		return NOUS_ERR_NOMEM;
	}
	nous_flow_in_out(v, in, out);
	s->stayers = 0;
	s->movers = 0;
	for (i = 0; i < v->nzones; i++)
	{
		s->stayers += nous_fv_stay(v, i);
		s->movers += out[i];
		absnet += fabs(in[i] - out[i]);
		gross += in[i] + out[i];
	}
	s->effectiveness = gross > 0 ? absnet / gross : NAN;
	for (i = 0; i < v->nedges; i++)
		x[i] = nous_fv_w(v, i);
	s->gini = nous_gini_sparse(x, v->nedges, (double) nz * ((double) nz - 1.0));
	nous_free(in);
	nous_free(out);
	nous_free(x);
	return NOUS_OK;
}

/* ------------------------------------------------------------- selection */

/* Nystuen & Dacey (1961), "A graph theory interpretation of nodal regions": largest flow to a larger zone (size = total inflow) */
nous_status
nous_flow_dominant(const nous_flow_view *v, int32_t *largest, bool *dominant,
				   nous_flow_role *role)
{
	size_t		nz = (size_t) v->nzones;
	double	   *in = nous_alloc(sizeof(double) * (nz ? nz : 1));
	double	   *out = nous_alloc(sizeof(double) * (nz ? nz : 1));
	bool	   *receives = nous_alloc(sizeof(bool) * (nz ? nz : 1));
	int32_t		e,
				i;

	if (in == NULL || out == NULL || receives == NULL)
	{
		nous_free(in);
		nous_free(out);
		nous_free(receives);
		return NOUS_ERR_NOMEM;
	}
	nous_flow_in_out(v, in, out);
	for (i = 0; i < v->nzones; i++)
	{
		largest[i] = -1;
		receives[i] = false;
	}
	for (e = 0; e < v->nedges; e++)
	{
		int32_t		o = nous_fv_orig(v, e);
		double		w = nous_fv_w(v, e);

		if (w > 0 && (largest[o] < 0 || w > nous_fv_w(v, largest[o])))
			largest[o] = e;
	}
	for (i = 0; i < v->nzones; i++)
	{
		dominant[i] = largest[i] >= 0 && in[nous_fv_dest(v, largest[i])] > in[i];
		if (dominant[i])
			receives[nous_fv_dest(v, largest[i])] = true;
	}
	for (i = 0; i < v->nzones; i++)
		role[i] = !dominant[i] ? NOUS_ROLE_DOMINANT :
			(receives[i] ? NOUS_ROLE_INTERMEDIATE : NOUS_ROLE_DOMINATED);
	nous_free(in);
	nous_free(out);
	nous_free(receives);
	return NOUS_OK;
}

typedef struct ew
{
	double		w;
	int32_t		e;
} ew;

/* decreasing weight, then increasing position (origin, destination) */
static int
ew_cmp(const void *a, const void *b)
{
	const ew   *x = a,
			   *y = b;

	if (x->w != y->w)
		return x->w < y->w ? 1 : -1;
	return (x->e > y->e) - (x->e < y->e);
}

/* Threshold, top k per origin, share of origin outflow, cumulative share of volume (flow-mapping practice, e.g. Tobler 1987), dominant flows */
nous_status
nous_flow_select(const nous_flow_view *v, nous_flow_selector sel, double value,
				 bool strict, bool *keep)
{
	int32_t		e,
				i;
	size_t		nz = (size_t) v->nzones,
				ne = (size_t) v->nedges;
	nous_status st = NOUS_OK;

	if (!isfinite(value))
		return NOUS_ERR_PARAM;
	for (e = 0; e < v->nedges; e++)
		keep[e] = false;
	switch (sel)
	{
		case NOUS_SEL_THRESHOLD:
			for (e = 0; e < v->nedges; e++)
			{
				double		w = nous_fv_w(v, e);

				keep[e] = strict ? w > value : w >= value;
			}
			break;
		case NOUS_SEL_SHARE:
			{
				double	   *in = nous_alloc(sizeof(double) * (nz ? nz : 1));
				double	   *out = nous_alloc(sizeof(double) * (nz ? nz : 1));

				if (value < 0 || value > 1)
					st = NOUS_ERR_PARAM;
				else if (in == NULL || out == NULL)
					st = NOUS_ERR_NOMEM;
				else
				{
					nous_flow_in_out(v, in, out);
					for (e = 0; e < v->nedges; e++)
					{
						double		o = out[nous_fv_orig(v, e)];
						double		s = o > 0 ? nous_fv_w(v, e) / o : 0;

						keep[e] = o > 0 && (strict ? s > value : s >= value);
					}
				}
				nous_free(in);
				nous_free(out);
				break;
			}
		case NOUS_SEL_TOP:
		case NOUS_SEL_CUMULATIVE:
			{
				ew		   *x = nous_alloc(sizeof(ew) * (ne ? ne : 1));
				int32_t		start = 0;

				if ((sel == NOUS_SEL_TOP && (value < 0 || value != floor(value))) ||
					(sel == NOUS_SEL_CUMULATIVE && (value < 0 || value > 1)))
				{
					nous_free(x);
					return NOUS_ERR_PARAM;
				}
				if (x == NULL)
					return NOUS_ERR_NOMEM;
				for (e = 0; e < v->nedges; e++)
				{
					x[e].w = nous_fv_w(v, e);
					x[e].e = e;
				}
				if (sel == NOUS_SEL_TOP)
				{
					/* each origin's flows are contiguous */
					while (start < v->nedges)
					{
						int32_t		end = start,
									o = nous_fv_orig(v, start);

						while (end < v->nedges && nous_fv_orig(v, end) == o)
							end++;
						if (nous_sort(x + start, (size_t) (end - start), sizeof(ew), ew_cmp) != NOUS_OK)
						{
							nous_free(x);
							return NOUS_ERR_NOMEM;
						}
						for (i = start; i < end && (double) (i - start) < value; i++)
							keep[x[i].e] = true;
						start = end;
					}
				}
				else
				{
					double		total = 0,
								acc = 0;

					if (nous_sort(x, ne, sizeof(ew), ew_cmp) != NOUS_OK)
					{
						nous_free(x);
						return NOUS_ERR_NOMEM;
					}
					for (e = 0; e < v->nedges; e++)
						total += x[e].w;
					/* keep until the kept volume reaches value * total */
					for (e = 0; e < v->nedges && total > 0 && acc < value * total; e++)
					{
						keep[x[e].e] = true;
						acc += x[e].w;
					}
				}
				nous_free(x);
				break;
			}
		case NOUS_SEL_DOMINANT:
			{
				int32_t    *largest = nous_alloc(sizeof(int32_t) * (nz ? nz : 1));
				bool	   *dom = nous_alloc(sizeof(bool) * (nz ? nz : 1));
				nous_flow_role *role = nous_alloc(sizeof(nous_flow_role) * (nz ? nz : 1));

				if (largest == NULL || dom == NULL || role == NULL)
					st = NOUS_ERR_NOMEM;
				else if ((st = nous_flow_dominant(v, largest, dom, role)) == NOUS_OK)
					for (i = 0; i < v->nzones; i++)
						if (dom[i])
							keep[largest[i]] = true;
				nous_free(largest);
				nous_free(dom);
				nous_free(role);
				break;
			}
	}
	return st;
}

/* ---------------------------------------------------------------- renewal */

/*
 * Indices of categorisation and renewal by migration (J. Gombin, Observatoire
 * des territoires, migR vignette "methodo_migr"): ICI = p_entr - p_auto,
 * ICE = p_auto - p_sort, ICM = SM_c / PRES_c - SM_other / PRES_other,
 * IRI = sqrt(sum (p_auto - p_entr)^2), IRE = sqrt(sum (p_auto - p_sort)^2),
 * IRM = sqrt(sum (|SM_i| / PRES_i)^2).
 */
void
nous_flow_renewal(int n, const double *iso, const double *entr, const double *sort,
				  double *ici, double *ice, double *icm, nous_flow_renewal_global *g)
{
	double		te = 0,
				ts = 0,
				ta = 0,
				tp = 0,
				tsm = 0,
				si = 0,
				se = 0,
				sm2 = 0;
	bool		irm_ok = true;
	int			i;

	for (i = 0; i < n; i++)
	{
		te += entr[i];
		ts += sort[i];
		ta += iso[i] + sort[i];
		tp += iso[i] + entr[i];
		tsm += entr[i] - sort[i];
	}
	for (i = 0; i < n; i++)
	{
		double		pa = ta > 0 ? (iso[i] + sort[i]) / ta : NAN;
		double		pe = te > 0 ? entr[i] / te : NAN;
		double		ps = ts > 0 ? sort[i] / ts : NAN;
		double		pres = iso[i] + entr[i];
		double		sm = entr[i] - sort[i];
		double		other = tp - pres;

		ici[i] = pe - pa;
		ice[i] = pa - ps;
		icm[i] = pres > 0 && other > 0 ? sm / pres - (tsm - sm) / other : NAN;
		si += (pa - pe) * (pa - pe);
		se += (pa - ps) * (pa - ps);
		if (pres > 0)
			sm2 += (sm / pres) * (sm / pres);
		else
			irm_ok = false;
	}
	g->iri = n > 0 ? sqrt(si) : NAN;
	g->ire = n > 0 ? sqrt(se) : NAN;
	g->irm = n > 0 && irm_ok ? sqrt(sm2) : NAN;
}
