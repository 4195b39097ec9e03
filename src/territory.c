/*
 * territory.c — SQL glue of the territory code checks: nous.code_valid(),
 * nous.code_problem(), nous.check_code() (sql/82_territory.sql).  The rules
 * are in src/core/territory.c.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "nous.h"
#include "territory.h"

PG_FUNCTION_INFO_V1(nous_code_valid);
PG_FUNCTION_INFO_V1(nous_code_problem);
PG_FUNCTION_INFO_V1(nous_check_code);

/* checks the level (an unknown level is an error, not an invalid code) */
static char *
level_arg(text *t)
{
	char	   *level = text_to_cstring(t);

	if (nous_territory_level_rank(level) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown territory level \"%s\"", level),
				 errhint("Levels are square200, ilot, iris, qpv, commune, epci, departement, region and france.")));
	return level;
}

static bool
check(FunctionCallInfo fcinfo, char *why, size_t whylen)
{
	char	   *level = level_arg(PG_GETARG_TEXT_PP(0));
	text	   *code = PG_GETARG_TEXT_PP(1);

	return nous_territory_code_check(level, VARDATA_ANY(code), VARSIZE_ANY_EXHDR(code),
									 why, whylen);
}

Datum
nous_code_valid(PG_FUNCTION_ARGS)
{
	char		why[256];

	PG_RETURN_BOOL(check(fcinfo, why, sizeof why));
}

Datum
nous_code_problem(PG_FUNCTION_ARGS)
{
	char		why[256];

	if (check(fcinfo, why, sizeof why))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(why));
}

Datum
nous_check_code(PG_FUNCTION_ARGS)
{
	char		why[256];

	if (!check(fcinfo, why, sizeof why))
	{
		char	   *level = text_to_cstring(PG_GETARG_TEXT_PP(0));
		char	   *code = text_to_cstring(PG_GETARG_TEXT_PP(1));

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s code \"%s\"", level, code),
				 errdetail("%c%s.", why[0] >= 'a' && why[0] <= 'z' ? why[0] - 'a' + 'A' : why[0], why + 1)));
	}
	PG_RETURN_TEXT_P(PG_GETARG_TEXT_PP(1));
}
