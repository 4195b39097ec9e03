/*
 * mix_dispatch.c — the index families of the mix module: nous.segregation
 * and nous.multigroup_segregation call a registered method (DESIGN
 * principle 3).
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

/* ------------------------------------------------------------------ */
/* index families: methods are plugins (DESIGN principle 3)             */
/* ------------------------------------------------------------------ */

static Datum
index_dispatch(FunctionCallInfo fcinfo, const char *family)
{
	char	   *spec = text_to_cstring(PG_GETARG_TEXT_PP(1));
	NousMethodCache *cache = nous_method_cached(fcinfo->flinfo, sizeof(NousMethodCache),
												family, spec, NULL);
	Datum		arg = PG_GETARG_DATUM(0);
	Datum		result;
	bool		isnull;

	result = nous_method_call1(&cache->method, arg, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/* nous.segregation(nous.mixpairs, method text): a registered two-group index */
NOUS_ENTRY(nous_segregation, index_dispatch(fcinfo, "segregation"));

/* nous.segregation(nous.mixcounts, method text): a registered multigroup index */
NOUS_ENTRY(nous_multigroup_segregation, index_dispatch(fcinfo, "multigroup_segregation"));
