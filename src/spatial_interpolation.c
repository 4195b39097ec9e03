/*
 * spatial_interpolation.c — nous.areal_interpolation: areal weighting of
 * source values onto target polygons (Goodchild & Lam 1980), intersections
 * and areas from PostGIS.
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

/* ---- areal interpolation ---- */

/*
 * nous.areal_interpolation(source_ids, source_geoms, source_values,
 * target_ids, target_geoms, kind) → SETOF (target_id, estimate,
 * covered_area, sources): areal weighting (Goodchild & Lam 1980).
 * extensive: Σ_s v_s |s ∩ t| / |s|; intensive: Σ_s v_s |s ∩ t| / Σ_s |s ∩ t|.
 */
static Datum areal_interpolation(PG_FUNCTION_ARGS);

NOUS_ENTRY(nous_areal_interpolation, spatial_call_keeping_cancel(areal_interpolation, fcinfo));

static Datum
areal_interpolation(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			garrtype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	Oid			geomtype = get_element_type(garrtype);
	Datum	   *sid_d,
			   *sg,
			   *sv_d,
			   *tid_d,
			   *tg;
	bool	   *sid_n,
			   *sg_n,
			   *sv_n,
			   *tid_n,
			   *tg_n;
	int			ns,
				nt,
				nv,
				ntg,
				nsg;
	bool		intensive;
	int64	   *ids;
	double	   *x0,
			   *y0,
			   *x1,
			   *y1,
			   *sarea,
			   *sval,
			   *pov,
			   *est,
			   *cov;
	int32	   *cnt;
	int32		srid_s,
				srid_t;
	const char *ps;
	Oid			fn_inter,
				fn_area;
	int32	   *pi,
			   *pj;
	size_t		np,
				npair = 0;
	int32	   *psrc,
			   *ptgt;
	const char *why = NULL;
	nous_status st;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (!OidIsValid(geomtype))
		elog(ERROR, "areal_interpolation: geometry array expected");
	NOUS_REQUIRE_ARG(5, "kind");
	{
		char	   *k = text_to_cstring(PG_GETARG_TEXT_PP(5));

		if (strcmp(k, "extensive") == 0)
			intensive = false;
		else if (strcmp(k, "intensive") == 0)
			intensive = true;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown kind \"%s\"", k),
					 errdetail("Use extensive (counts: the estimate is a share of each source's value) or intensive (rates: an area-weighted mean).")));
	}
	ns = nous_array_arg(fcinfo, 0, "source ids", INT8OID, false, &sid_d, &sid_n);
	nsg = nous_array_arg(fcinfo, 1, "source geometries", geomtype, false, &sg, &sg_n);
	nv = nous_array_arg(fcinfo, 2, "source values", FLOAT8OID, true, &sv_d, &sv_n);
	nt = nous_array_arg(fcinfo, 3, "target ids", INT8OID, false, &tid_d, &tid_n);
	ntg = nous_array_arg(fcinfo, 4, "target geometries", geomtype, false, &tg, &tg_n);
	if (nsg != ns || nv != ns)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("source arrays have different lengths: %d ids, %d geometries, %d values", ns, nsg, nv)));
	if (ntg != nt)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("target arrays have different lengths: %d ids, %d geometries", nt, ntg)));
	if (ns == 0 || nt == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sources and targets must not be empty")));
	for (int i = 0; i < ns; i++)
		if (!sv_n[i] && !isfinite(DatumGetFloat8(sv_d[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of source " INT64_FORMAT " is not finite", DatumGetInt64(sid_d[i])),
					 errhint("Replace NaN and infinite values by NULL: NULL values are left out.")));
	/* boxes of sources then targets, in one array */
	ids = palloc(sizeof(int64) * (ns + nt));
	x0 = palloc(sizeof(double) * (ns + nt));
	y0 = palloc(sizeof(double) * (ns + nt));
	x1 = palloc(sizeof(double) * (ns + nt));
	y1 = palloc(sizeof(double) * (ns + nt));
	for (int i = 0; i < ns; i++)
		ids[i] = DatumGetInt64(sid_d[i]);
	for (int i = 0; i < nt; i++)
		ids[ns + i] = DatumGetInt64(tid_d[i]);
	get_typlenbyvalalign(geomtype, &typlen, &typbyval, &typalign);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "nous: SPI_connect failed");
	ps = spatial_postgis_schema();
	spatial_polygon_boxes(ps, geomtype, PG_GETARG_ARRAYTYPE_P(1), NULL, ids, ns, x0, y0, x1, y1, &srid_s,
				  "Areal interpolation works on polygons and multipolygons.", NULL);
	spatial_polygon_boxes(ps, geomtype, PG_GETARG_ARRAYTYPE_P(4), NULL, ids + ns, nt, x0 + ns, y0 + ns, x1 + ns, y1 + ns,
				  &srid_t, "Areal interpolation works on polygons and multipolygons.", NULL);
	if (srid_s != srid_t)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sources and targets have different SRIDs: %d and %d", srid_s, srid_t),
				 errhint("Transform both to the same metric coordinate system, e.g. ST_Transform(geom, 2154).")));
	if (spatial_srid_geographic(ps, srid_s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("geometries are in geographic coordinates (SRID %d)", srid_s),
				 errdetail("Areas in square degrees are not proportional to areas on the ground."),
				 errhint("Transform sources and targets to a metric coordinate system, e.g. ST_Transform(geom, 2154).")));
	spatial_postgis_fn_pair(psprintf("SELECT '%1$s.st_intersection(%1$s.geometry, %1$s.geometry, pg_catalog.float8)'::pg_catalog.regprocedure::pg_catalog.oid, "
									 "'%1$s.st_area(%1$s.geometry)'::pg_catalog.regprocedure::pg_catalog.oid", ps),
							"functions", &fn_inter, &fn_area);
	SPI_finish();

	st = nous_bbox_pairs_max(x0, y0, x1, y1, ns + nt, NULL, NULL, (size_t) spatial_max_pairs,
							 &pi, &pj, &np);
	if (st == NOUS_ERR_LIMIT)
		spatial_too_many_pairs("nous.areal_interpolation", "candidate pairs of polygons", ns + nt);
	if (st != NOUS_OK)
		nous_report_status(st, "areal_interpolation");
	/* PostGIS measures the areas and the overlaps; the core sums them */
	sarea = palloc0(sizeof(double) * ns);
	sval = palloc(sizeof(double) * ns);
	psrc = palloc(sizeof(int32) * Max(np, 1));
	ptgt = palloc(sizeof(int32) * Max(np, 1));
	pov = palloc(sizeof(double) * Max(np, 1));
	for (int i = 0; i < ns; i++)
		sval[i] = sv_n[i] ? NAN : DatumGetFloat8(sv_d[i]);
	{
		FmgrInfo	fi,
					fa;
		MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "nous interpolation",
												  ALLOCSET_DEFAULT_SIZES);
		MemoryContext old;

		fmgr_info(fn_inter, &fi);
		fmgr_info(fn_area, &fa);
		old = MemoryContextSwitchTo(tmp);
		for (int i = 0; i < ns; i++)
			sarea[i] = DatumGetFloat8(FunctionCall1Coll(&fa, InvalidOid, sg[i]));
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);
		for (size_t k = 0; k < np; k++)
		{
			int32		a = pi[k],
						b = pj[k];

			if ((a < ns) == (b < ns))
				continue;		/* two sources or two targets */
			CHECK_FOR_INTERRUPTS();
			b -= ns;			/* a is the source (a < b), b the target */
			if (sv_n[a])
				continue;		/* no value: no need of the overlap */
			old = MemoryContextSwitchTo(tmp);
			pov[npair] = DatumGetFloat8(FunctionCall1Coll(&fa, InvalidOid,
														  FunctionCall3Coll(&fi, InvalidOid, sg[a], tg[b], Float8GetDatum(-1.0))));
			MemoryContextSwitchTo(old);
			psrc[npair] = a;
			ptgt[npair++] = b;
			if ((k & 255) == 255)
				MemoryContextReset(tmp);
		}
		MemoryContextDelete(tmp);
	}
	nous_free(pi);
	nous_free(pj);
	est = palloc(sizeof(double) * nt);
	cov = palloc(sizeof(double) * nt);
	cnt = palloc(sizeof(int32) * nt);
	st = nous_areal_weighting(ns, nt, sarea, sval, npair, psrc, ptgt, pov, intensive,
							  est, cov, cnt, &why);
	if (st != NOUS_OK)
		ereport(ERROR,
				(errcode(st == NOUS_ERR_NOMEM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_DATA_EXCEPTION),
				 errmsg("areal interpolation failed: %s", nous_status_text(st)),
				 errdetail("%s", why)));

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < nt; i++)
	{
		Datum		vals[4];
		bool		nulls[4] = {false, false, false, false};

		vals[0] = tid_d[i];
		if (isnan(est[i]))
			nulls[1] = true;
		else
			vals[1] = Float8GetDatum(est[i]);
		vals[2] = Float8GetDatum(cov[i]);
		vals[3] = Int32GetDatum(cnt[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

