/*
 * names.h — pure string logic of place-name matching (no ICU, no server).
 *
 * The SQL glue (src/names.c) first transliterates a name with ICU to
 * lower-case ASCII ("Any-Latin; NFD; [:Nonspacing Mark:] Remove; NFC;
 * Latin-ASCII; Lower"); the functions here turn that string into a key and
 * compare keys.  Bytes >= 0x80 (characters ICU could not make ASCII) are
 * kept as parts of words.
 */
#ifndef NOUS_NAMES_H
#define NOUS_NAMES_H

#include <stddef.h>

#include "nous_core.h"

/*
 * Key of an already transliterated, lower-case name: words are the maximal
 * runs of [a-z0-9] and bytes >= 0x80, everything else separates them; "st"
 * becomes "saint" and "ste" "sainte"; a leading article (le, la, les, l) is
 * dropped when another word follows; words are joined by one space.
 * *out is nous_alloc'ed, NUL-terminated; *outlen its length.
 */
extern nous_status nous_name_key_ascii(const char *in, size_t len,
									   char **out, size_t *outlen);

/* Levenshtein distance between two byte strings (Levenshtein 1966, two-row DP). */
extern nous_status nous_levenshtein(const char *a, size_t la,
									const char *b, size_t lb, size_t *dist);

/*
 * Similarity of two keys in [0, 1]: the larger of 1 - d(a, b) / max(|a|, |b|)
 * on the keys and on the keys with their words sorted (the "token sort
 * ratio" of SeatGeek's fuzzywuzzy), d the Levenshtein distance; two empty
 * keys give 1.
 */
extern nous_status nous_key_similarity(const char *a, size_t la,
											const char *b, size_t lb,
											double *sim);

#endif
