/*
 * spatial_knn.c — the final function of nous.knn and nous.distance_band:
 * points read through PostGIS, neighbours found in the core.
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

static Datum points_final(FunctionCallInfo fcinfo, bool text_ids);

/* Final function of nous.knn and nous.distance_band. */
NOUS_ENTRY(nous_points_finalfn, points_final(fcinfo, false));

/* the same with text ids (nous.text_weights) */
NOUS_ENTRY(nous_points_text_finalfn, points_final(fcinfo, true));

static Datum
points_final(FunctionCallInfo fcinfo, bool text_ids)
{
	GeomState  *s = geoms_final_state(fcinfo, text_ids);
	int32		n;
	ArrayType  *garr;
	double	   *x,
			   *y;
	const char *ps;
	StringInfoData q;
	Oid			argtypes[1];
	Datum		args[1];
	int			ret;
	int32		srid = 0;
	int64	   *from,
			   *to;
	size_t		m = 0;
	const char *what;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	what = s->kind == 'k' ? "k nearest neighbours" : "distance band";
	n = (int32) s->n;
	garr = geoms_prepare(s, true);
	if (s->kind == 'k' && s->param > n - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k = %d is larger than the number of other points, %d", (int) s->param, n - 1),
				 errhint("Choose k below the number of points.")));
	x = palloc(sizeof(double) * n);
	y = palloc(sizeof(double) * n);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "nous: SPI_connect failed");
	ps = spatial_postgis_schema();
	argtypes[0] = get_array_type(s->geomtype);
	args[0] = PointerGetDatum(garr);
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT %1$s.GeometryType(g), %1$s.ST_IsEmpty(g), %1$s.ST_SRID(g), "
					 "CASE WHEN %1$s.GeometryType(g) OPERATOR(pg_catalog.=) 'POINT' AND NOT %1$s.ST_IsEmpty(g) THEN %1$s.ST_X(g) END, "
					 "CASE WHEN %1$s.GeometryType(g) OPERATOR(pg_catalog.=) 'POINT' AND NOT %1$s.ST_IsEmpty(g) THEN %1$s.ST_Y(g) END "
					 "FROM pg_catalog.unnest($1) WITH ORDINALITY AS t(g, i) ORDER BY i", ps);
	ret = SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != (uint64) n)
		elog(ERROR, "nous: points query failed: %s", SPI_result_code_string(ret));
	for (int32 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *gtype = SPI_getvalue(tup, td, 1);
		int32		sr;

		if (strcmp(gtype, "POINT") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area %s is a %s", spatial_id_name(s->names, s->ids[i]), gtype),
					 errdetail("The %s of areas is computed on points.", what),
					 errhint("Use a representative point: ST_PointOnSurface(geom) or ST_Centroid(geom).")));
		if (DatumGetBool(SPI_getbinval(tup, td, 2, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area %s is empty", spatial_id_name(s->names, s->ids[i]))));
		sr = DatumGetInt32(SPI_getbinval(tup, td, 3, &isnull));
		spatial_check_srid(&srid, sr, i, NULL);
		x[i] = DatumGetFloat8(SPI_getbinval(tup, td, 4, &isnull));
		y[i] = DatumGetFloat8(SPI_getbinval(tup, td, 5, &isnull));
		if (!isfinite(x[i]) || !isfinite(y[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("point of area %s has coordinates that are not finite", spatial_id_name(s->names, s->ids[i]))));
	}
	if (spatial_srid_geographic(ps, srid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("points are in geographic coordinates (SRID %d)", srid),
				 errdetail("Distances in degrees are not distances on the ground."),
				 errhint("Transform the points to a metric coordinate system, e.g. ST_Transform(geom, 2154).")));
	SPI_finish();

	if (s->kind == 'k')
	{
		int32		k = (int32) s->param;
		int32	   *nbr = palloc(sizeof(int32) * (Size) n * k);
		nous_status st = nous_knn(x, y, s->ids, n, k, nbr);

		if (st != NOUS_OK)
			nous_report_status(st, what);
		from = palloc(sizeof(int64) * (Size) n * k);
		to = palloc(sizeof(int64) * (Size) n * k);
		for (int32 i = 0; i < n; i++)
			for (int32 r = 0; r < k; r++)
			{
				from[m] = s->ids[i];
				to[m++] = s->ids[nbr[(Size) i * k + r]];
			}
	}
	else
	{
		int32	   *pi,
				   *pj;
		size_t		np;
		nous_status st = nous_band_pairs_max(x, y, n, s->param, (size_t) spatial_max_pairs,
											 &pi, &pj, &np);

		if (st == NOUS_ERR_LIMIT)
			spatial_too_many_pairs("nous.distance_band", "pairs within the distance", n);
		if (st != NOUS_OK)
			nous_report_status(st, what);
		from = palloc(sizeof(int64) * Max(2 * np, 1));
		to = palloc(sizeof(int64) * Max(2 * np, 1));
		for (size_t k = 0; k < np; k++)
		{
			from[m] = s->ids[pi[k]];
			to[m++] = s->ids[pj[k]];
			from[m] = s->ids[pj[k]];
			to[m++] = s->ids[pi[k]];
		}
		nous_free(pi);
		nous_free(pj);
	}
	PG_RETURN_POINTER(geoms_weights(s, weights_from_links(from, to, m, s->ids, n)));
}
