/*
 * flow_renewal.c — nous.flow_renewal: renewal indicators of groups of zones.
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

/* ------------------------------------------------------------ renewal */

PG_FUNCTION_INFO_V1(nous_flow_renewal_sql);

/*
 * flow_renewal(groups, stayers, inflow, outflow): for the groups of one
 * territory, ICI, ICE, ICM per group and IRI, IRE, IRM (repeated).
 */
Datum
nous_flow_renewal_sql(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *gd;
	bool	   *gn;
	int			ng,
				i;
	NousVec		iso,
				entr,
				sort;
	double	   *ici,
			   *ice,
			   *icm;
	nous_flow_renewal_global g;
	static const char *const what[] = {"stayers", "inflow", "outflow"};
	NousVec    *vs[3];

	NOUS_REQUIRE_ARG(0, "groups");
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, -1, false, TYPALIGN_INT, &gd, &gn, &ng);
	nous_vec_from_datum(PG_GETARG_DATUM(1), PG_ARGISNULL(1), "stayers", false, &iso);
	nous_vec_from_datum(PG_GETARG_DATUM(2), PG_ARGISNULL(2), "inflow", false, &entr);
	nous_vec_from_datum(PG_GETARG_DATUM(3), PG_ARGISNULL(3), "outflow", false, &sort);
	vs[0] = &iso;
	vs[1] = &entr;
	vs[2] = &sort;
	for (i = 0; i < 3; i++)
	{
		int			k;

		if (vs[i]->n != ng)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%d groups but %d %s values", ng, vs[i]->n, what[i]),
					 errdetail("The arrays pair element by element, one element per group.")));
		for (k = 0; k < ng; k++)
		{
			if (!vs[i]->present[k])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("NULL %s value for group %d", what[i], k + 1),
						 errhint("Use 0 for a group with no person.")));
			if (vs[i]->x[k] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("negative %s value %g for group %d", what[i], vs[i]->x[k], k + 1)));
		}
	}
	for (i = 0; i < ng; i++)
		if (gn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("NULL group at position %d", i + 1)));
	InitMaterializedSRF(fcinfo, 0);
	ici = palloc(sizeof(double) * Max(ng, 1));
	ice = palloc(sizeof(double) * Max(ng, 1));
	icm = palloc(sizeof(double) * Max(ng, 1));
	nous_flow_renewal(ng, iso.x, entr.x, sort.x, ici, ice, icm, &g);
	for (i = 0; i < ng; i++)
	{
		Datum		vals[7];
		bool		nulls[7] = {false};

		vals[0] = gd[i];
		vals[1] = flow_rate_datum(ici[i], &nulls[1]);
		vals[2] = flow_rate_datum(ice[i], &nulls[2]);
		vals[3] = flow_rate_datum(icm[i], &nulls[3]);
		vals[4] = flow_rate_datum(g.iri, &nulls[4]);
		vals[5] = flow_rate_datum(g.ire, &nulls[5]);
		vals[6] = flow_rate_datum(g.irm, &nulls[6]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}
