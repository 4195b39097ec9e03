/*
 * spatial_contiguity.c — the final function of nous.contiguity: candidate
 * pairs from a bounding-box sweep, rook decided on the rings in C when it
 * can be, the PostGIS predicate on the rest.
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

static Datum contiguity_final(PG_FUNCTION_ARGS);
static Datum contiguity_text_final(PG_FUNCTION_ARGS);
static Datum contiguity_final_ids(FunctionCallInfo fcinfo, bool text_ids);

NOUS_ENTRY(nous_contiguity_finalfn, spatial_call_keeping_cancel(contiguity_final, fcinfo));

/* the same with text ids (nous.text_weights) */
NOUS_ENTRY(nous_contiguity_text_finalfn, spatial_call_keeping_cancel(contiguity_text_final, fcinfo));

static Datum
contiguity_final(PG_FUNCTION_ARGS)
{
	return contiguity_final_ids(fcinfo, false);
}

static Datum
contiguity_text_final(PG_FUNCTION_ARGS)
{
	return contiguity_final_ids(fcinfo, true);
}

/*
 * Candidate pairs from a bounding-box sweep in C, then the PostGIS predicate
 * on those pairs only: ST_Intersects (queen: a shared point) or ST_Relate
 * with boundary/boundary of dimension 1 (rook: a shared segment).  Rook is
 * first decided in C on the rings (nous_rook_pairs: shared edges hashed,
 * vertices inside collinear edges found on a grid, exact arithmetic); only
 * the pairs it cannot settle exactly go to PostGIS, with the same answer.
 */
static Datum
contiguity_final_ids(FunctionCallInfo fcinfo, bool text_ids)
{
	GeomState  *s = geoms_final_state(fcinfo, text_ids);
	ArrayType  *garr;
	double	   *x0,
			   *y0,
			   *x1,
			   *y1;
	int32	   *pi,
			   *pj;
	size_t		np;
	const char *ps;
	int64	   *from,
			   *to;
	size_t		m = 0;
	int32		srid = 0;
	NousWeights *w;
	nous_status st;
	int32		n;
	Oid			fn_intersects,
				fn_relate;
	MemoryContext outer = CurrentMemoryContext;
	RingBuf		rb;
	int64	   *sure = NULL,
			   *maybe = NULL;
	size_t		nsure = 0,
				nmaybe = 0;
	bool		fast = false;
	int			guc_nest;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	n = (int32) s->n;
	garr = geoms_prepare(s, false);
	x0 = palloc(sizeof(double) * n);
	y0 = palloc(sizeof(double) * n);
	x1 = palloc(sizeof(double) * n);
	y1 = palloc(sizeof(double) * n);

	/* one pass over the polygons each: compiling these queries costs more than it saves */
	guc_nest = NewGUCNestLevel();
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "nous: SPI_connect failed");
	ps = spatial_postgis_schema();
	rb.cxt = outer;
	spatial_polygon_boxes(ps, s->geomtype, garr, s->names, s->ids, n, x0, y0, x1, y1, &srid,
				  "Contiguity is defined for polygons and multipolygons.",
				  s->kind == 'r' ? &rb : NULL);

	/* the predicate functions, called directly (no SPI per pair) */
	spatial_postgis_fn_pair(psprintf("SELECT '%1$s.st_intersects(%1$s.geometry, %1$s.geometry)'::pg_catalog.regprocedure::pg_catalog.oid, "
									 "'%1$s.st_relate(%1$s.geometry, %1$s.geometry, pg_catalog.text)'::pg_catalog.regprocedure::pg_catalog.oid", ps),
							"predicates", &fn_intersects, &fn_relate);
	SPI_finish();
	AtEOXact_GUC(true, guc_nest);

	/*
	 * Rook: the pairs whose boundaries provably share a segment, and those
	 * exact double arithmetic cannot settle, which PostGIS decides below
	 * (all candidate pairs when the coordinates defeat the grid).
	 */
	if (s->kind == 'r')
	{
		nous_rings	rings;

		rings.npoly = n;
		rings.nring = rb.nring;
		rings.ring_start = rb.start;
		rings.ring_poly = rb.poly;
		rings.x = rb.x;
		rings.y = rb.y;
		st = nous_rook_pairs(&rings, &sure, &nsure, &maybe, &nmaybe);
		if (st == NOUS_OK)
		{
			fast = true;
			elog(DEBUG1, "nous.contiguity: %zu rook pairs proven, %zu left to PostGIS", nsure, nmaybe);
		}
		else if (st != NOUS_ERR_DOMAIN)
			nous_report_status(st, "contiguity");
		pfree(rb.x);
		pfree(rb.y);
		pfree(rb.start);
		pfree(rb.poly);
	}
	if (fast)
	{
		np = nmaybe;
		pi = pj = NULL;
	}
	else
	{
		st = nous_bbox_pairs_max(x0, y0, x1, y1, n, NULL, NULL, (size_t) spatial_max_pairs,
								 &pi, &pj, &np);
		if (st == NOUS_ERR_LIMIT)
			spatial_too_many_pairs("nous.contiguity", "candidate pairs of polygons", n);
		if (st != NOUS_OK)
			nous_report_status(st, "contiguity");
	}
	if (np + nsure > (size_t) spatial_max_pairs)
		spatial_too_many_pairs("nous.contiguity", "candidate pairs of polygons", n);
	/* pairs sorted by their first polygon: PostGIS caches it prepared */
	{
		int64	   *key = fast ? maybe : palloc(sizeof(int64) * Max(np, 1));
		FmgrInfo	fi,
					fr;
		MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "nous contiguity",
												  ALLOCSET_DEFAULT_SIZES);
		Datum		pattern = CStringGetTextDatum("****1****");

		if (!fast)
		{
			for (size_t k = 0; k < np; k++)
				key[k] = ((int64) pi[k] << 32) | (int64) pj[k];
			qsort(key, np, sizeof(int64), spatial_cmp_id);
		}
		fmgr_info(fn_intersects, &fi);
		fmgr_info(fn_relate, &fr);
		from = palloc(sizeof(int64) * Max(2 * (np + nsure), 1));
		to = palloc(sizeof(int64) * Max(2 * (np + nsure), 1));
		for (size_t k = 0; k < nsure; k++)
		{
			int32		a = (int32) (sure[k] >> 32);
			int32		b = (int32) (sure[k] & 0xFFFFFFFF);

			from[m] = s->ids[a];
			to[m++] = s->ids[b];
			from[m] = s->ids[b];
			to[m++] = s->ids[a];
		}
		for (size_t k = 0; k < np; k++)
		{
			int32		a = (int32) (key[k] >> 32);
			int32		b = (int32) (key[k] & 0xFFFFFFFF);
			bool		hit;
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			old = MemoryContextSwitchTo(tmp);
			hit = DatumGetBool(FunctionCall2Coll(&fi, InvalidOid, s->geoms[a], s->geoms[b]));
			if (hit && s->kind == 'r')
				hit = DatumGetBool(FunctionCall3Coll(&fr, InvalidOid, s->geoms[a], s->geoms[b], pattern));
			MemoryContextSwitchTo(old);
			if ((k & 255) == 255)
				MemoryContextReset(tmp);
			if (hit)
			{
				from[m] = s->ids[a];
				to[m++] = s->ids[b];
				from[m] = s->ids[b];
				to[m++] = s->ids[a];
			}
		}
		MemoryContextDelete(tmp);
	}
	nous_free(pi);
	nous_free(pj);
	nous_free(sure);
	nous_free(maybe);
	w = weights_from_links(from, to, m, s->ids, n);
	PG_RETURN_POINTER(geoms_weights(s, w));
}
