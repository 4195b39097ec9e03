/*
 * flow_lines.c — the checks behind the flow lines of maps (arcs and lines).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "nous.h"
#include "flow.h"
#include "flow_glue.h"

/* ------------------------------------------------------------ flow lines */

/* at most this many segments in an arc of nous.flow_arc */
#define NOUS_FLOW_ARC_MAX_SEGMENTS 10000

PG_FUNCTION_INFO_V1(nous_flow_arc_check);

/*
 * flow_arc_check(a_type, b_type, a_empty, b_empty, a_srid, b_srid,
 * curvature, segments): helper of nous.flow_arc, which passes what PostGIS
 * says of its two geometries; true, or an error naming the bad argument
 * (PostGIS would otherwise fail with an internal error, or an arc of
 * billions of points exhaust memory).
 */
Datum
nous_flow_arc_check(PG_FUNCTION_ARGS)
{
	const char *names[2] = {"a", "b"};

	for (int i = 0; i < 2; i++)
	{
		char	   *gtype = text_to_cstring(PG_GETARG_TEXT_PP(i));

		if (strcmp(gtype, "POINT") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must be a point, not a %s", names[i], gtype),
					 errhint("Use a representative point: ST_PointOnSurface(geom) or ST_Centroid(geom).")));
		if (PG_GETARG_BOOL(2 + i))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not be an empty point", names[i])));
	}
	if (PG_GETARG_INT32(4) != PG_GETARG_INT32(5))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a and b have different SRIDs (%d and %d)",
						PG_GETARG_INT32(4), PG_GETARG_INT32(5))));
	if (!isfinite(PG_GETARG_FLOAT8(6)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("curvature must be a finite number")));
	if (PG_GETARG_INT32(7) > NOUS_FLOW_ARC_MAX_SEGMENTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("segments must be at most %d, got %d",
						NOUS_FLOW_ARC_MAX_SEGMENTS, PG_GETARG_INT32(7))));
	PG_RETURN_BOOL(true);
}

PG_FUNCTION_INFO_V1(nous_flow_lines_check);

/*
 * flow_lines_check(m, zones_with_geometry, on_missing, anchor): true when
 * every zone of m that has a flow off the diagonal has a geometry; otherwise
 * an error naming the zones (on_missing = 'error') or a notice ('notice').
 */
Datum
nous_flow_lines_check(PG_FUNCTION_ARGS)
{
	/* on_missing: the level of the report of zones without geometry */
	static const nous_word on_missing_levels[] = {
		{"error", ERROR},
		{"notice", NOTICE},
		{NULL, 0}
	};
	static const nous_word anchors[] = {
		{"point_on_surface", 0},
		{"centroid", 1},
		{NULL, 0}
	};
	nous_flow_view v;
	Datum	   *zd;
	bool	   *zn;
	int			nzm,
				i,
				nmissing = 0;
	bool	   *has,
			   *used;
	char	   *on_missing,
			   *anchor;
	int			level,
				anchor_kind;
	StringInfoData missing;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(true);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("zones, geometries, on_missing and anchor must not be NULL")));
	on_missing = text_to_cstring(PG_GETARG_TEXT_PP(2));
	anchor = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (!nous_word_find(on_missing_levels, on_missing, &level))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid on_missing \"%s\"", on_missing),
				 errhint("Use 'error' (the default) or 'notice' (skip the flows of zones without geometry and list them).")));
	if (!nous_word_find(anchors, anchor, &anchor_kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid anchor \"%s\"", anchor),
				 errhint("Use 'point_on_surface' (the default) or 'centroid'.")));
	flows_view(PG_GETARG_DATUM(0), &v);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT, &zd, &zn, &nzm);
	has = palloc0(sizeof(bool) * Max(v.nzones, 1));
	used = palloc0(sizeof(bool) * Max(v.nzones, 1));
	for (i = 0; i < nzm; i++)
	{
		int32		k;

		if (zn[i])
			continue;
		k = nous_fv_find(&v, VARDATA_ANY(DatumGetTextPP(zd[i])),
						 VARSIZE_ANY_EXHDR(DatumGetTextPP(zd[i])));
		if (k >= 0)
			has[k] = true;
	}
	for (i = 0; i < v.nedges; i++)
	{
		used[nous_fv_orig(&v, i)] = true;
		used[nous_fv_dest(&v, i)] = true;
	}
	initStringInfo(&missing);
	for (i = 0; i < v.nzones; i++)
		if (used[i] && !has[i])
			flow_list_zone(&missing, &v, i, &nmissing);
	if (nmissing > 0)
		ereport(level,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d zone%s with flows %s no geometry", nmissing,
						nmissing > 1 ? "s" : "", nmissing > 1 ? "have" : "has"),
				 errdetail("Without geometry: %s%s.", missing.data, nmissing > 10 ? ", …" : ""),
				 errhint("Give every zone a non-empty geometry, or pass on_missing => 'notice' to skip their flows.")));
	PG_RETURN_BOOL(true);
}
