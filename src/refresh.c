/*
 * refresh.c — glue for the nightly refresh of registered materialized views
 * (sql/86_refresh.sql): the one fact PL/pgSQL cannot see, whether the
 * current statement runs in a transaction block (explicit BEGIN, or several
 * statements sent in one query string), where a procedure cannot COMMIT.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(nous_refresh_in_transaction_block);

/* true inside BEGIN ... or an implicit multi-statement block (xact.c) */
Datum
nous_refresh_in_transaction_block(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(IsTransactionBlock());
}
