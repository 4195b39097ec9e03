/*
 * mix_counts_hash.c — the hash mode of a nous.mixcounts state: the cells of
 * the aggregates that end in an index, summed in a hash table while rows
 * arrive (the transitions nous_mixcounts_sum_trans*) and written as records
 * only when the state is read.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"

#include "nous.h"
#include "mix.h"
#include "mix_state.h"

#define HCELL_INLINE 16

typedef struct HCell
{
	double		n;
	uint32		hash;
	uint32		ls, lu, lg;
	Size		off;			/* key bytes super|unit|grp in keys[], when longer than inl */
	char		inl[HCELL_INLINE];	/* the key bytes, when they fit */
} HCell;

#define HCELL_KEY(h, c) \
	((Size) (c)->ls + (c)->lu + (c)->lg <= HCELL_INLINE ? (c)->inl : (h)->keys + (c)->off)

typedef struct CellHash
{
	HCell	   *cell;
	Size		ncell, cellcap;
	uint64	   *slot;			/* hash << 32 | cell index + 1; 0 is empty */
	Size		cap;			/* a power of 2, at least twice ncell */
	char	   *keys;
	Size		keylen, keycap;
	Size		flatlen;		/* bytes of the flat image */
	bool		image_valid;	/* eo->data holds the image of the cells */
} CellHash;

#define HASH_M UINT64CONST(0x9E3779B97F4A7C15)

static inline uint64
hash_piece(uint64 h, const char *p, uint32 l)
{
	while (l >= 8)
	{
		uint64		w;

		memcpy(&w, p, 8);
		h = (h ^ w) * HASH_M;
		h ^= h >> 29;
		p += 8;
		l -= 8;
	}
	if (l > 0)
	{
		uint64		w = 0;
		uint32		i;

		/* in a register: bytes stored to memory and read back as a word stall */
		for (i = 0; i < l; i++)
			w |= (uint64) (unsigned char) p[i] << (8 * i);
		h = (h ^ w) * HASH_M;
		h ^= h >> 29;
	}
	return h;
}

/* equality of short byte strings, inline (a call to memcmp per key costs more) */
static inline bool
bytes_eq(const char *a, const char *b, uint32 l)
{
	while (l >= 8)
	{
		uint64		x, y;

		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
		a += 8;
		b += 8;
		l -= 8;
	}
	while (l-- > 0)
		if (*a++ != *b++)
			return false;
	return true;
}

static inline uint32
cell_hash(const char *s, uint32 ls, const char *u, uint32 lu, const char *g, uint32 lg)
{
	uint64		h = UINT64CONST(0x243F6A8885A308D3) ^ ((uint64) ls << 40 ^ (uint64) lu << 20 ^ lg);

	if (ls > 0)
		h = hash_piece(h, s, ls);
	h = hash_piece(h * HASH_M, u, lu);
	h = hash_piece(h * HASH_M, g, lg);
	/* murmur3 finaliser */
	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return (uint32) h;
}

static void
state_too_large(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("mix state too large"),
			 errdetail("A stored mix state is limited to 1 GB."),
			 errhint("Aggregate per territory (GROUP BY) or merge fewer states.")));
}

static void
cells_grow_slots(CellHash *h, MemoryContext cxt)
{
	Size		cap = h->cap * 2, i;
	uint64	   *slot;

	if (cap > MaxAllocHugeSize / sizeof(uint64))
		state_too_large();
	slot = MemoryContextAllocHuge(cxt, cap * sizeof(uint64));
	memset(slot, 0, cap * sizeof(uint64));
	for (i = 0; i < h->ncell; i++)
	{
		Size		k = h->cell[i].hash & (cap - 1);

		while (slot[k] != 0)
			k = (k + 1) & (cap - 1);
		slot[k] = (uint64) h->cell[i].hash << 32 | (uint64) (i + 1);
	}
	pfree(h->slot);
	h->slot = slot;
	h->cap = cap;
}

/* add n to the cell (s, u, g) of a hash-mode state (n already checked) */
static inline void
cells_add(NousBufEO *eo, const char *s, uint32 ls, const char *u, uint32 lu,
		  const char *g, uint32 lg, double n)
{
	CellHash   *h = eo->cells;
	uint32		hv = cell_hash(s, ls, u, lu, g, lg);
	Size		k = hv & (h->cap - 1);
	Size		klen;
	HCell	   *c;

	h->image_valid = false;
	for (;;)
	{
		uint64		sv = h->slot[k];
		const char *kp;

		if (sv == 0)
			break;
		/* the hash in the slot: other cells are skipped without reading them */
		if ((uint32) (sv >> 32) != hv)
		{
			k = (k + 1) & (h->cap - 1);
			continue;
		}
		c = &h->cell[(uint32) sv - 1];
		kp = HCELL_KEY(h, c);
		if (c->ls == ls && c->lu == lu && c->lg == lg &&
			bytes_eq(kp, s, ls) && bytes_eq(kp + ls, u, lu) &&
			bytes_eq(kp + ls + lu, g, lg))
		{
			c->n += n;
			return;
		}
		k = (k + 1) & (h->cap - 1);
	}
	/* a new cell */
	klen = (Size) ls + lu + lg;
	if (klen + NOUS_MIXREC_HDR > MaxAllocSize - h->flatlen || h->ncell >= PG_UINT32_MAX - 1)
		state_too_large();
	nous_reserve(h->cell, h->cellcap, h->ncell + 1, PG_UINT32_MAX - 1, "cells in a mix state");
	c = &h->cell[h->ncell];
	c->ls = ls;
	c->lu = lu;
	c->lg = lg;
	c->hash = hv;
	c->n = n;
	c->off = 0;
	if (klen > HCELL_INLINE)
	{
		nous_reserve(h->keys, h->keycap, h->keylen + klen, MaxAllocSize, "bytes of cell keys in a mix state");
		c->off = h->keylen;
		h->keylen += klen;
	}
	nous_mixrec_write_keys((char *) HCELL_KEY(h, c), s, ls, u, lu, g, lg);
	h->flatlen += NOUS_MIXREC_HDR + klen;
	h->ncell++;
	h->slot[k] = (uint64) hv << 32 | (uint64) h->ncell;
	if (2 * h->ncell > h->cap)
		cells_grow_slots(h, eo->hdr.eoh_context);
}

/* add the records of a flat image (validated) to a hash-mode state, in order */
void
mix_cells_add_image(NousBufEO *eo, const char *img, Size len)
{
	const unsigned char *r = (const unsigned char *) img + COUNTS_HDR;
	size_t		c, i;
	Size		off = 0;

	if (nous_mixrec_count(r, len - COUNTS_HDR, &c) != NOUS_OK)
		mix_counts_corrupt();
	for (i = 0; i < c; i++)
	{
		double		n;
		uint32		l[3];
		const char *str;
		Size		size;

		if ((i + 1) % 65536 == 0)
			CHECK_FOR_INTERRUPTS();
		size = nous_mixrec_read(r + off, &n, l, &str);
		cells_add(eo, str, l[0], str + l[0], l[1], str + l[0] + l[1], l[2], n);
		off += size;
	}
}

/* switch a state to hash mode: its records become summed cells */
static void
cells_start(NousBufEO *eo)
{
	MemoryContext cxt = eo->hdr.eoh_context;
	CellHash   *h = MemoryContextAllocZero(cxt, sizeof(CellHash));
	char	   *img = eo->data;
	Size		len = eo->len;

	/* small at first: a GROUP BY may hold one state per group */
	h->cellcap = 8;
	h->cell = MemoryContextAllocHuge(cxt, h->cellcap * sizeof(HCell));
	h->cap = 16;
	h->slot = MemoryContextAllocZero(cxt, h->cap * sizeof(uint64));
	h->keycap = 256;
	h->keys = MemoryContextAllocHuge(cxt, h->keycap);
	h->flatlen = COUNTS_HDR;
	eo->cells = h;
	if (len > COUNTS_HDR)
		mix_cells_add_image(eo, img, len);
}

/* write the flat image of a hash-mode state into eo->data (one record a cell) */
void
mix_cells_image(NousBufEO *eo)
{
	CellHash   *h = eo->cells;
	Size		i, off = COUNTS_HDR;

	if (h->image_valid)
		return;
	if (h->flatlen > eo->cap)
	{
		pfree(eo->data);
		eo->data = MemoryContextAllocHuge(eo->hdr.eoh_context, h->flatlen);
		eo->cap = h->flatlen;
	}
	memcpy(eo->data, MIX_IMAGE_START, COUNTS_HDR);
	for (i = 0; i < h->ncell; i++)
	{
		const HCell *c = &h->cell[i];
		const char *kp = HCELL_KEY(h, c);

		nous_mixrec_write((unsigned char *) eo->data + off, c->n,
						  kp, c->ls, kp + c->ls, c->lu, kp + c->ls + c->lu, c->lg);
		off += NOUS_MIXREC_HDR + (Size) c->ls + c->lu + c->lg;
	}
	Assert(off == h->flatlen);
	eo->len = off;
	h->image_valid = true;
}

/* the hash-mode read-write state of a transition function */
static NousBufEO *
cells_state(FunctionCallInfo fcinfo, const char *fn)
{
	NousBufEO  *eo = mix_state_rw(fcinfo, 0, BUF_COUNTS, fn);

	if (eo->cells == NULL)
		cells_start(eo);
	return eo;
}

/*
 * A hash-mode transition (state, [super,] unit, grp, n), grp text or bigint
 * (keyed by its decimal text, exactly as grp::text would be, without a text
 * per row); a NULL n skips the row.
 */
static inline Datum
sum_trans(FunctionCallInfo fcinfo, const char *fn, bool has_super, bool int_grp)
{
	NousBufEO  *eo = cells_state(fcinfo, fn);
	int			nargno = has_super ? 4 : 3;

	if (!PG_ARGISNULL(nargno))
	{
		double		n = PG_GETARG_FLOAT8(nargno);
		MixRowKeys	k;

		mix_row_keys(fcinfo, has_super, int_grp, &k);
		mix_check_count(n, k.u, k.lu, k.g, k.lg);
		cells_add(eo, k.s, k.ls, k.u, k.lu, k.g, k.lg, n);
	}
	RETURN_EO(eo);
}

/* transition (state, unit, grp, n) in hash mode */
NOUS_ENTRY(nous_mixcounts_sum_trans, sum_trans(fcinfo, "nous_mixcounts_sum_trans", false, false));

/* transition (state, unit, grp bigint, n) in hash mode */
NOUS_ENTRY(nous_mixcounts_sum_trans_int, sum_trans(fcinfo, "nous_mixcounts_sum_trans_int", false, true));

/* transition (state, super, unit, grp, n) in hash mode */
NOUS_ENTRY(nous_mixcounts_sum_trans_super, sum_trans(fcinfo, "nous_mixcounts_sum_trans_super", true, false));
