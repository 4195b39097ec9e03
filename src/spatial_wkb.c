/*
 * spatial_wkb.c — the rings of polygons read from WKB (ISO or extended), for
 * the exact rook test of nous.contiguity.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "nous.h"
#include "spatial_glue.h"

/* ---- rings of polygons from WKB, for the exact rook test ---- */

typedef struct WkbReader
{
	const unsigned char *p;
	Size		len,
				off;
	bool		swap;
} WkbReader;

static void
wkb_bad(void)
{
	elog(ERROR, "nous: unexpected WKB from PostGIS");
}

static uint32
wkb_u32(WkbReader *r)
{
	uint32		v;

	if (r->len - r->off < 4)
		wkb_bad();
	memcpy(&v, r->p + r->off, 4);
	r->off += 4;
	return r->swap ? pg_bswap32(v) : v;
}

static double
wkb_f64(WkbReader *r)
{
	uint64		v;
	double		d;

	if (r->len - r->off < 8)
		wkb_bad();
	memcpy(&v, r->p + r->off, 8);
	r->off += 8;
	if (r->swap)
		v = pg_bswap64(v);
	memcpy(&d, &v, 8);
	return d;
}

/* one (multi)polygon geometry of WKB (ISO or extended): its rings into rb */
static void
wkb_geometry(WkbReader *r, RingBuf *rb, int32 poly, int depth)
{
	uint32		type,
				base,
				ndims = 2,
				n,
				i;
	uint8		order;

	if (r->len - r->off < 1)
		wkb_bad();
	order = r->p[r->off++];
	if (order > 1)
		wkb_bad();
#ifdef WORDS_BIGENDIAN
	r->swap = (order == 1);
#else
	r->swap = (order == 0);
#endif
	type = wkb_u32(r);
	if (type & 0x80000000u)
		ndims++;				/* EWKB Z */
	if (type & 0x40000000u)
		ndims++;				/* EWKB M */
	if (type & 0x20000000u)
		(void) wkb_u32(r);		/* EWKB SRID */
	type &= 0x0fffffffu;
	base = type % 1000;
	ndims += (type / 1000 == 3) ? 2 : (type / 1000 >= 1 ? 1 : 0);
	n = wkb_u32(r);
	if (base == 6 && depth == 0)
	{
		for (i = 0; i < n; i++)
			wkb_geometry(r, rb, poly, 1);
		return;
	}
	if (base != 3)
		wkb_bad();
	for (i = 0; i < n; i++)
	{
		uint32		np = wkb_u32(r),
					k;

		if ((Size) np > (r->len - r->off) / (8 * ndims))
			wkb_bad();
		if (rb->nring + 1 >= rb->ringcap)
		{
			rb->ringcap *= 2;
			rb->start = repalloc_huge(rb->start, sizeof(Size) * rb->ringcap);
			rb->poly = repalloc_huge(rb->poly, sizeof(int32) * rb->ringcap);
		}
		if (rb->npts + np > rb->ptcap)
		{
			while (rb->npts + np > rb->ptcap)
				rb->ptcap *= 2;
			rb->x = repalloc_huge(rb->x, sizeof(double) * rb->ptcap);
			rb->y = repalloc_huge(rb->y, sizeof(double) * rb->ptcap);
		}
		rb->start[rb->nring] = rb->npts;
		rb->poly[rb->nring] = poly;
		for (k = 0; k < np; k++)
		{
			rb->x[rb->npts] = wkb_f64(r);
			rb->y[rb->npts] = wkb_f64(r);
			r->off += 8 * (ndims - 2);
			rb->npts++;
		}
		rb->nring++;
		rb->start[rb->nring] = rb->npts;
	}
}

/* an empty ring buffer in rb->cxt */
void
spatial_rings_init(RingBuf *rb)
{
	rb->ptcap = 4096;
	rb->ringcap = 1024;
	rb->x = MemoryContextAllocHuge(rb->cxt, sizeof(double) * rb->ptcap);
	rb->y = MemoryContextAllocHuge(rb->cxt, sizeof(double) * rb->ptcap);
	rb->start = MemoryContextAllocHuge(rb->cxt, sizeof(Size) * rb->ringcap);
	rb->poly = MemoryContextAllocHuge(rb->cxt, sizeof(int32) * rb->ringcap);
	rb->npts = rb->nring = 0;
	rb->start[0] = 0;
}

/* the rings of one (multi)polygon given as WKB (bytea), for polygon poly */
void
spatial_rings_add_wkb(RingBuf *rb, Datum wkb, int32 poly)
{
	bytea	   *b = DatumGetByteaPP(wkb);
	WkbReader	r;

	r.p = (const unsigned char *) VARDATA_ANY(b);
	r.len = VARSIZE_ANY_EXHDR(b);
	r.off = 0;
	r.swap = false;
	wkb_geometry(&r, rb, poly, 0);
	if (r.off != r.len)
		wkb_bad();
}
