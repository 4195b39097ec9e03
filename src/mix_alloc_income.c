/*
 * mix_alloc_income.c — the income side of the allocation rules (sql/41):
 * consumption units and income per consumption unit.  The first-quartile
 * threshold is in mix_alloc_quartile.c.
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
/* allocation mix (loi Égalité et Citoyenneté 2017, CCH L441-1)         */
/* ------------------------------------------------------------------ */

static nous_uc_scale
uc_scale_arg(text *t)
{
	static const nous_word scales[] = {
		{"oecd_modified", NOUS_UC_OECD_MODIFIED},
		{"insee", NOUS_UC_OECD_MODIFIED},
		{"oecd", NOUS_UC_OECD_OLD},
		{"oxford", NOUS_UC_OECD_OLD},
		{"sqrt", NOUS_UC_SQRT},
		{"per_capita", NOUS_UC_PER_CAPITA},
		{NULL, 0}
	};
	char	   *w = text_to_cstring(t);
	int			scale;

	if (nous_word_find(scales, w, &scale))
		return (nous_uc_scale) scale;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown consumption-unit scale \"%s\"", w),
			 errdetail("The scales are oecd_modified (alias insee, the default), oecd (alias oxford), sqrt and per_capita.")));
	pg_unreachable();
}

static double
uc_common(int32 a, int32 c, nous_uc_scale scale)
{
	double		r;
	nous_status st = nous_consumption_units(a, c, scale, &r);

	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("numbers of persons must not be negative, got %d aged 14 or more and %d under 14", a, c)));
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a household has at least one person aged 14 or more"),
				 errdetail("Got 0 persons aged 14 or more and %d under 14.", c),
				 errhint("Count the reference person of the household among the persons aged 14 or more.")));
	if (st != NOUS_OK)
		nous_report_status(st, "consumption_units");
	return r;
}

PG_FUNCTION_INFO_V1(nous_consumption_units_default);
Datum
nous_consumption_units_default(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(uc_common(PG_GETARG_INT32(0), PG_GETARG_INT32(1), NOUS_UC_OECD_MODIFIED));
}

PG_FUNCTION_INFO_V1(nous_consumption_units_scale);
Datum
nous_consumption_units_scale(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(uc_common(PG_GETARG_INT32(0), PG_GETARG_INT32(1),
							   uc_scale_arg(PG_GETARG_TEXT_PP(2))));
}

PG_FUNCTION_INFO_V1(nous_income_per_uc);

/* nous.income_per_uc(resources, persons_14_plus, persons_under_14[, scale]) */
Datum
nous_income_per_uc(PG_FUNCTION_ARGS)
{
	double		r = PG_GETARG_FLOAT8(0);
	nous_uc_scale scale = PG_NARGS() > 3 ? uc_scale_arg(PG_GETARG_TEXT_PP(3)) : NOUS_UC_OECD_MODIFIED;

	if (!isfinite(r))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("resources must be a finite number")));
	if (r < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("resources must not be negative, got %g", r),
				 errhint("Record a deficit as 0 resources.")));
	PG_RETURN_FLOAT8(r / uc_common(PG_GETARG_INT32(1), PG_GETARG_INT32(2), scale));
}
