/*
 * refresh.c — glue for the nightly refresh of registered materialized views
 * (sql/86_refresh.sql): the one fact PL/pgSQL cannot see, whether the
 * current statement runs in a transaction block (explicit BEGIN, or several
 * statements sent in one query string), where a procedure cannot COMMIT.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(nous_refresh_in_transaction_block);

/* true inside BEGIN ... or an implicit multi-statement block (xact.c) */
Datum
nous_refresh_in_transaction_block(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(IsTransactionBlock());
}

PG_FUNCTION_INFO_V1(nous_raise_error);

/*
 * nous.raise_error(sqlstate, message, detail, hint): an ERROR with exactly
 * these fields and no CONTEXT lines.  A PL/pgSQL routine that re-raises a
 * caught error through it shows the user the error, not the chain of the
 * internal functions it went through (every PL/pgSQL frame adds a CONTEXT
 * line, even to RAISE).  The error context stack is cleared only for this
 * report: PG_TRY/PG_CATCH and the main loop restore it.
 */
Datum
nous_raise_error(PG_FUNCTION_ARGS)
{
	char	   *state = PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *msg = PG_ARGISNULL(1) ? "unknown error" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *detail = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *hint = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	int			code = ERRCODE_RAISE_EXCEPTION;

	if (state != NULL && strlen(state) == 5 &&
		strspn(state, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 5 &&
		strncmp(state, "00", 2) != 0)
		code = MAKE_SQLSTATE(state[0], state[1], state[2], state[3], state[4]);
	if (detail != NULL && detail[0] == '\0')
		detail = NULL;
	if (hint != NULL && hint[0] == '\0')
		hint = NULL;
	error_context_stack = NULL;
	ereport(ERROR,
			(errcode(code),
			 errmsg_internal("%s", msg),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0));
	PG_RETURN_VOID();
}
