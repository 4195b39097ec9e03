/*
 * spatial_autocorr_twostep.c — the second step of the spatial statistics:
 * plain functions of (weights, nous.area_values, options) —
 * nous.moran(w, values, ...), nous.geary, nous.getis_ord,
 * nous.local_moran, nous.local_g, nous.local_gstar — computing what the
 * one-step aggregates compute, from the values an aggregate collected.
 */
#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "nous.h"
#include "spatial_area_values.h"

/* ---- the second step: statistics of (weights, values, options) ---- */

/*
 * The state the aggregates would have built: the weights, the pairs and
 * the options (argument 2) with alternative (argument 3) when given.
 */
static AcState *
two_step_state(FunctionCallInfo fcinfo)
{
	AcState    *s = palloc0(sizeof(AcState));
	AvView		v;
	StringInfoData o;

	NOUS_REQUIRE_ARG(0, "weights");
	if (PG_ARGISNULL(1))
		return NULL;
	s->w = weights_get(PG_GETARG_DATUM(0));
	av_read(PG_GETARG_DATUM(1), &v);
	if (WEIGHTS_IS_TEXT(s->w) != (v.s != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the weights have %s ids and the values %s ids",
						WEIGHTS_IS_TEXT(s->w) ? "text" : "bigint", v.s != NULL ? "text" : "bigint"),
				 errdetail("Text ids go with nous.text_weights and nous.text_area_values, bigint ids with nous.weights and nous.area_values."),
				 errhint("Build the weights and the values from ids of the same type.")));
	s->n = v.n;
	s->x = (double *) v.x;
	if (v.s != NULL)
	{
		/* text ids: each the index of its area in the weights (its rank) */
		s->ids = palloc_extended(sizeof(int64) * Max(v.n, 1), MCXT_ALLOC_HUGE);
		for (int64 i = 0; i < v.n; i++)
		{
			int32		k = weights_find_text(s->w, v.s[i]);

			if (k < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("area \"%s\" is not in the weights", v.s[i]),
						 errdetail("Every id must be an area of the weights."),
						 errhint("Build the weights from the same areas, or filter the rows.")));
			s->ids[i] = k;
		}
	}
	else
		s->ids = (int64 *) v.ids;
	initStringInfo(&o);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		appendStringInfoString(&o, text_to_cstring(PG_GETARG_TEXT_PP(2)));
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
	{
		char	   *a = text_to_cstring(PG_GETARG_TEXT_PP(3));

		(void) ac_parse_alternative(a); /* its own message for a bad value */
		appendStringInfo(&o, "%salternative=%s", o.len > 0 ? ", " : "", a);
	}
	if (o.len > AC_OPTS_MAXLEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options are too long")));
	strlcpy(s->opts, o.data, sizeof(s->opts));
	return s;
}

NOUS_ENTRY(nous_moran_values, ac_global_result(fcinfo, two_step_state(fcinfo), NOUS_MORAN));

NOUS_ENTRY(nous_geary_values, ac_global_result(fcinfo, two_step_state(fcinfo), NOUS_GEARY));

NOUS_ENTRY(nous_getis_ord_values, ac_global_result(fcinfo, two_step_state(fcinfo), NOUS_GETIS_ORD));

NOUS_ENTRY(nous_local_moran_values, ac_local_moran_result(fcinfo, two_step_state(fcinfo)));

NOUS_ENTRY(nous_local_g_values, ac_local_g_result(fcinfo, two_step_state(fcinfo), false));

NOUS_ENTRY(nous_local_gstar_values, ac_local_g_result(fcinfo, two_step_state(fcinfo), true));

