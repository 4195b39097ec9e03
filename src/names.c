/*
 * names.c — SQL glue of place-name matching: nous.name_key(),
 * nous.name_similarity(), nous.name_key_similarity() (sql/70_names.sql).
 *
 * ICU does the Unicode part: the text is converted from UTF-8 to UTF-16,
 * transliterated to lower-case ASCII by one transliterator opened lazily
 * once per backend, and converted back; the word rules and the similarity
 * are plain C in src/core/names.c.
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <unicode/uversion.h>

#include "nous.h"
#include "names.h"

/* The transliteration: any script to Latin, strip accents, ASCII, lower case. */
#define NAMES_TRANSLITERATION \
	"Any-Latin; NFD; [:Nonspacing Mark:] Remove; NFC; Latin-ASCII; Lower"

/* one per backend, opened on first use, never closed (lives as long as the session) */
static UTransliterator *names_trans = NULL;

PG_FUNCTION_INFO_V1(nous_name_key);
PG_FUNCTION_INFO_V1(nous_name_similarity);
PG_FUNCTION_INFO_V1(nous_name_key_similarity);

static void
check_database_encoding(void)
{
	if (GetDatabaseEncoding() != PG_UTF8)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("place-name functions need a UTF8 database"),
				 errdetail("The database encoding is %s; names are handed to ICU as UTF-8.",
						   GetDatabaseEncodingName()),
				 errhint("Create the database with ENCODING 'UTF8'.")));
}

static void
icu_error(UErrorCode status, const char *step)
{
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
			 errmsg("ICU failed while %s: %s", step, u_errorName(status))));
}

static UTransliterator *
get_transliterator(void)
{
	if (names_trans == NULL)
	{
		UErrorCode	status = U_ZERO_ERROR;
		UParseError perr;
		UChar		id[128];
		int32_t		idlen;

		u_strFromUTF8(id, lengthof(id), &idlen, NAMES_TRANSLITERATION, -1, &status);
		if (U_FAILURE(status))
			icu_error(status, "preparing the transliterator identifier");
		names_trans = utrans_openU(id, idlen, UTRANS_FORWARD, NULL, 0, &perr, &status);
		if (U_FAILURE(status) || names_trans == NULL)
		{
			names_trans = NULL;
			icu_error(status, "opening the transliterator \"" NAMES_TRANSLITERATION "\"");
		}
	}
	return names_trans;
}

/* Lower-case ASCII transliteration of a UTF-8 string, palloc'ed; *outlen its length. */
static char *
transliterate(const char *s, int len, int32_t *outlen)
{
	UTransliterator *t;
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		ulen = 0;
	UChar	   *src;
	UChar	   *buf = NULL;
	int32_t		cap;
	int32_t		textlen = 0;
	char	   *out;

	check_database_encoding();
	t = get_transliterator();

	/* pre-flight: the UTF-16 length */
	u_strFromUTF8(NULL, 0, &ulen, s, len, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
		icu_error(status, "measuring a name in UTF-16");
	status = U_ZERO_ERROR;
	src = palloc((ulen + 1) * sizeof(UChar));
	u_strFromUTF8(src, ulen + 1, NULL, s, len, &status);
	if (U_FAILURE(status))
		icu_error(status, "converting a name from UTF-8");

	/* the transliteration works in place and may grow (ß -> ss, Œ -> OE …) */
	cap = ulen * 4 + 16;
	for (;;)
	{
		int32_t		limit = ulen;

		if (cap > (int32_t) (MaxAllocSize / sizeof(UChar) / 2))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("name too long to transliterate"),
					 errdetail("The name is %d bytes long; its transliteration would need more than %zu bytes.",
							   len, (Size) MaxAllocSize / 2)));
		buf = palloc(cap * sizeof(UChar));
		memcpy(buf, src, ulen * sizeof(UChar));
		textlen = ulen;
		status = U_ZERO_ERROR;
		utrans_transUChars(t, buf, &textlen, cap, 0, &limit, &status);
		if (status == U_BUFFER_OVERFLOW_ERROR)
		{
			pfree(buf);
			cap *= 2;
			continue;
		}
		if (U_FAILURE(status))
			icu_error(status, "transliterating a name");
		break;
	}

	/* pre-flight back to UTF-8 */
	status = U_ZERO_ERROR;
	u_strToUTF8(NULL, 0, outlen, buf, textlen, &status);
	if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
		icu_error(status, "measuring a name in UTF-8");
	status = U_ZERO_ERROR;
	out = palloc(*outlen + 1);
	u_strToUTF8(out, *outlen + 1, NULL, buf, textlen, &status);
	if (U_FAILURE(status))
		icu_error(status, "converting a name to UTF-8");
	pfree(src);
	pfree(buf);
	return out;
}

/* The key of a name as a palloc'ed C string. */
static char *
name_key_cstring(text *name, size_t *keylen)
{
	int32_t		tlen;
	char	   *tr = transliterate(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name), &tlen);
	char	   *key;
	nous_status st = nous_name_key_ascii(tr, (size_t) tlen, &key, keylen);

	if (st != NOUS_OK)
		nous_report_status(st, "name_key");
	pfree(tr);
	return key;
}

/* nous.name_key(name text) → text */
Datum
nous_name_key(PG_FUNCTION_ARGS)
{
	size_t		n;
	char	   *key = name_key_cstring(PG_GETARG_TEXT_PP(0), &n);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(key, (int) n));
}

static double
key_similarity(const char *a, size_t la, const char *b, size_t lb)
{
	double		sim;
	nous_status st = nous_key_similarity(a, la, b, lb, &sim);

	if (st != NOUS_OK)
		nous_report_status(st, "name_similarity");
	return sim;
}

/* nous.name_similarity(a text, b text) → float8 */
Datum
nous_name_similarity(PG_FUNCTION_ARGS)
{
	size_t		la,
				lb;
	char	   *a = name_key_cstring(PG_GETARG_TEXT_PP(0), &la);
	char	   *b = name_key_cstring(PG_GETARG_TEXT_PP(1), &lb);

	PG_RETURN_FLOAT8(key_similarity(a, la, b, lb));
}

/* nous.name_key_similarity(a_key text, b_key text) → float8: on keys already computed */
Datum
nous_name_key_similarity(PG_FUNCTION_ARGS)
{
	text	   *a = PG_GETARG_TEXT_PP(0);
	text	   *b = PG_GETARG_TEXT_PP(1);

	PG_RETURN_FLOAT8(key_similarity(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
									VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)));
}
