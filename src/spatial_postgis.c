/*
 * spatial_postgis.c — what the spatial module asks of PostGIS: the setting
 * nous.max_neighbour_pairs, the schema of PostGIS, the bounding boxes and
 * checks of polygons through SPI, and a cancel reported as a cancel when
 * GEOS turns it into an error of its own.
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
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "nous.h"
#include "spatial_glue.h"

/*
 * nous.max_neighbour_pairs: the most pairs of areas or points that
 * nous.contiguity, nous.distance_band and nous.areal_interpolation collect
 * (checked while collecting: memory never grows past it).  The hard maximum
 * keeps every array of links under PostgreSQL's 1 GB allocation limit.
 */
#define MAX_PAIRS_HARD 50000000
int	spatial_max_pairs = MAX_PAIRS_HARD;

void
nous_spatial_init(void)
{
	DefineCustomIntVariable("nous.max_neighbour_pairs",
							"Most pairs of neighbours (or candidate pairs) a spatial weights function collects.",
							"nous.contiguity, nous.distance_band and nous.areal_interpolation stop with an error "
							"past it; each pair takes about 100 bytes while the weights are built.",
							&spatial_max_pairs, MAX_PAIRS_HARD, 1, MAX_PAIRS_HARD,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

/* The error of a function that found more pairs than the setting allows. */
void
spatial_too_many_pairs(const char *what, const char *pairs, int32 n)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s: more than %d %s", what, spatial_max_pairs, pairs),
			 errdetail("The %d inputs give more pairs than nous.max_neighbour_pairs (%d) allows; "
					   "each pair takes about 100 bytes of memory while the weights are built.",
					   n, spatial_max_pairs),
			 errhint("%s", strcmp(what, "nous.distance_band") == 0
					 ? "Choose a smaller distance, or nous.knn for a fixed number of neighbours."
					 : "Check that the geometries are in a projected coordinate system and do not overlap; "
					 "a superuser may change nous.max_neighbour_pairs (at most 50000000).")));
}

/* Schema of the PostGIS extension, quoted. */
const char *
spatial_postgis_schema(void)
{
	int			ret = SPI_execute("SELECT pg_catalog.quote_ident(n.nspname) "
								  "FROM pg_catalog.pg_extension e "
								  "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace "
								  "WHERE e.extname OPERATOR(pg_catalog.=) 'postgis'", true, 1);

	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension postgis is not installed")));
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

/*
 * Inside SPI: whether SRID srid is a geographic (longitude/latitude)
 * coordinate system in the spatial_ref_sys of PostGIS (schema ps); false
 * for an SRID it does not know.
 */
bool
spatial_srid_geographic(const char *ps, int32 srid)
{
	char	   *q = psprintf("SELECT pg_catalog.strpos(proj4text, '+proj=longlat') OPERATOR(pg_catalog.>) 0 "
							 "FROM %s.spatial_ref_sys WHERE srid OPERATOR(pg_catalog.=) %d", ps, srid);
	int			ret = SPI_execute(q, true, 1);
	bool		isnull;
	bool		geographic;

	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		return false;
	geographic = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return !isnull && geographic;
}

/*
 * Inside SPI: the two oids of the one row of query (two PostGIS functions as
 * regprocedure casts); elog "nous: PostGIS <what> not found" without it.
 */
void
spatial_postgis_fn_pair(const char *query, const char *what, Oid *fn1, Oid *fn2)
{
	int			ret = SPI_execute(query, true, 1);
	bool		isnull;

	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "nous: PostGIS %s not found", what);
	*fn1 = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	*fn2 = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
}

void
spatial_check_srid(int32 *srid, int32 sr, int32 i, const char *detail)
{
	if (i == 0)
		*srid = sr;
	else if (sr != *srid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("geometries have mixed SRIDs: %d and %d", *srid, sr),
				 detail ? errdetail("%s", detail) : 0,
				 errhint("Transform every geometry to the same coordinate system with ST_Transform.")));
}

Oid
spatial_geometry_type(void)
{
	Oid			nsp = InvalidOid,
				t = InvalidOid;

	if (nous_extension_row("postgis", NULL, &nsp))
		t = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("geometry"),
							ObjectIdGetDatum(nsp));
	if (!OidIsValid(t))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension postgis is not installed"),
				 errdetail("The weights builders over geometries read their rows with PostGIS.")));
	return t;
}

/*
 * Inside SPI: the bounding box of each polygon of garr, checking that each is
 * a non-empty valid (multi)polygon and that they share one SRID (*srid); with
 * rb, also the rings of every polygon (from WKB), in the same pass.
 */
void
spatial_polygon_boxes(const char *ps, Oid geomtype, ArrayType *garr, const char *const *names,
			  const int64 *ids, int32 n,
			  double *x0, double *y0, double *x1, double *y1, int32 *srid_out,
			  const char *why_polygons, RingBuf *rb)
{
	Oid			argtypes[1];
	Datum		args[1];
	StringInfoData q;
	int			ret;
	int32		srid = 0;

	argtypes[0] = get_array_type(geomtype);
	args[0] = PointerGetDatum(garr);
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT %1$s.ST_XMin(b), %1$s.ST_YMin(b), %1$s.ST_XMax(b), %1$s.ST_YMax(b), "
					 "%1$s.ST_SRID(g), %1$s.ST_IsEmpty(g), %1$s.GeometryType(g), %1$s.ST_IsValid(g) ", ps);
	if (rb != NULL)
		appendStringInfo(&q, ", %s.ST_AsBinary(g) ", ps);
	appendStringInfo(&q,
					 "FROM pg_catalog.unnest($1) WITH ORDINALITY AS t(g, i), "
					 "LATERAL (SELECT %1$s.box3d(g) AS b) bb ORDER BY i", ps);
	ret = SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != (uint64) n)
		elog(ERROR, "nous: bounding boxes query failed: %s", SPI_result_code_string(ret));
	if (rb != NULL)
		spatial_rings_init(rb);
	for (int32 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *gtype;
		int32		sr;

		sr = DatumGetInt32(SPI_getbinval(tup, td, 5, &isnull));
		if (DatumGetBool(SPI_getbinval(tup, td, 6, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area %s is empty", spatial_id_name(names, ids[i])),
					 errhint("Leave out the areas without a geometry.")));
		gtype = SPI_getvalue(tup, td, 7);
		if (strcmp(gtype, "POLYGON") != 0 && strcmp(gtype, "MULTIPOLYGON") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area %s is a %s", spatial_id_name(names, ids[i]), gtype),
					 errdetail("%s", why_polygons)));
		spatial_check_srid(&srid, sr, i, psprintf("Area %s has SRID %d.", spatial_id_name(names, ids[i]), sr));
		if (!DatumGetBool(SPI_getbinval(tup, td, 8, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area %s is not valid", spatial_id_name(names, ids[i])),
					 errhint("Repair it with ST_MakeValid; ST_IsValidReason says what is wrong.")));
		x0[i] = DatumGetFloat8(SPI_getbinval(tup, td, 1, &isnull));
		y0[i] = DatumGetFloat8(SPI_getbinval(tup, td, 2, &isnull));
		x1[i] = DatumGetFloat8(SPI_getbinval(tup, td, 3, &isnull));
		y1[i] = DatumGetFloat8(SPI_getbinval(tup, td, 4, &isnull));
		if (rb != NULL)
		{
			Datum		wkb = SPI_getbinval(tup, td, 9, &isnull);

			if (isnull)
				elog(ERROR, "nous: no WKB for a polygon");
			spatial_rings_add_wkb(rb, wkb, i);
		}
	}
	SPI_freetuptable(SPI_tuptable);
	*srid_out = srid;
}

/*
 * PostGIS passes a cancel on to GEOS, which then fails with an error of its
 * own ("GEOS isvalid() threw an error!", SQLSTATE XX000): when a cancel or a
 * statement timeout is pending, report that instead, with its SQLSTATE 57014.
 */
Datum
spatial_call_keeping_cancel(PGFunction impl, FunctionCallInfo fcinfo)
{
	MemoryContext outer = CurrentMemoryContext;
	Datum		result = (Datum) 0;

	PG_TRY();
	{
		result = impl(fcinfo);
	}
	PG_CATCH();
	{
		if (QueryCancelPending)
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(outer);
			edata = CopyErrorData();
			FlushErrorState();
			CHECK_FOR_INTERRUPTS();
			ReThrowError(edata);	/* interrupts held off: the original error */
		}
		PG_RE_THROW();
	}
	PG_END_TRY();
	return result;
}
