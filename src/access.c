/*
 * access.c — SQL glue of pseudonymisation (sql/90_access.sql):
 * nous.pseudonym (HMAC-SHA256 of an identifier under a secret key) and
 * nous.pseudonym_new_key; and the single-statement check of the output
 * helpers (sql/88_outputs.sql).  The HMAC is PostgreSQL's own (common/hmac.h,
 * OpenSSL when the server is built with it), so nous needs no pgcrypto.
 */
#include "postgres.h"

#include "common/hmac.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"

#include "nous.h"

/* shorter keys make the pseudonyms guessable by brute force (NIST SP 800-107
 * section 5.3.4: an HMAC key at least as long as the security strength; the
 * output length of SHA-256 is 32 bytes) */
#define NOUS_PSEUDONYM_MIN_KEY 32

PG_FUNCTION_INFO_V1(nous_pseudonym);

/* nous.pseudonym(identifier text, key bytea) → text: hex of HMAC-SHA256(key, identifier), RFC 2104 */
Datum
nous_pseudonym(PG_FUNCTION_ARGS)
{
	text	   *id = PG_GETARG_TEXT_PP(0);
	bytea	   *key = PG_GETARG_BYTEA_PP(1);
	size_t		klen = VARSIZE_ANY_EXHDR(key);
	uint8		mac[PG_SHA256_DIGEST_LENGTH];
	char		hex[2 * PG_SHA256_DIGEST_LENGTH + 1];
	pg_hmac_ctx *ctx;
	int			i;

	if (klen < NOUS_PSEUDONYM_MIN_KEY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("pseudonym key must be at least %d bytes, got %zu",
						NOUS_PSEUDONYM_MIN_KEY, klen),
				 errdetail("A short key lets anyone who guesses it recompute the pseudonyms of every identifier."),
				 errhint("Make a key with nous.pseudonym_new_key() and keep it in a table only the producer role can read.")));
	ctx = pg_hmac_create(PG_SHA256);
	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_hmac_init(ctx, (const uint8 *) VARDATA_ANY(key), klen) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id)) < 0 ||
		pg_hmac_final(ctx, mac, sizeof(mac)) < 0)
	{
		const char *why = pg_hmac_error(ctx);

		pg_hmac_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute HMAC-SHA256: %s", why)));
	}
	pg_hmac_free(ctx);
	for (i = 0; i < PG_SHA256_DIGEST_LENGTH; i++)
	{
		static const char digits[] = "0123456789abcdef";

		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 0x0f];
	}
	hex[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(hex));
}

PG_FUNCTION_INFO_V1(nous_pseudonym_new_key);

/* nous.pseudonym_new_key() → bytea: 32 bytes from the server's cryptographic random source */
Datum
nous_pseudonym_new_key(PG_FUNCTION_ARGS)
{
	bytea	   *key = palloc(VARHDRSZ + NOUS_PSEUDONYM_MIN_KEY);

	SET_VARSIZE(key, VARHDRSZ + NOUS_PSEUDONYM_MIN_KEY);
	if (!pg_strong_random(VARDATA(key), NOUS_PSEUDONYM_MIN_KEY))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random key")));
	PG_RETURN_BYTEA_P(key);
}

PG_FUNCTION_INFO_V1(nous_output_single_select);

/*
 * nous._output_single_select(query text) → void: the query of a published
 * view must be one SELECT (or VALUES, TABLE, WITH … SELECT) statement and
 * nothing else, so that the helpers that embed it in CREATE VIEW never run a
 * second statement smuggled after a semicolon (PostgreSQL's own raw parser:
 * what it takes for one statement is one statement).
 */
Datum
nous_output_single_select(PG_FUNCTION_ARGS)
{
	char	   *q = text_to_cstring(PG_GETARG_TEXT_PP(0));
	List	   *stmts = raw_parser(q, RAW_PARSE_DEFAULT);
	RawStmt    *rs;

	if (list_length(stmts) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the query must be exactly one statement, got %d", list_length(stmts)),
				 errdetail("A published view is defined by one SELECT; nothing after it is run."),
				 errhint("Remove the other statements (a trailing semicolon is allowed).")));
	rs = linitial_node(RawStmt, stmts);
	if (!IsA(rs->stmt, SelectStmt))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("the query must be a SELECT statement"),
				 errdetail("A published view is defined by a SELECT, VALUES, TABLE or WITH … SELECT query.")));
	PG_RETURN_VOID();
}
