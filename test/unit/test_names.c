/*
 * test_names.c — key rules, Levenshtein and key similarity against hand
 * computations.  Inputs are already transliterated (lower-case ASCII), as
 * the ICU glue hands them to the core.
 */
#include <stdlib.h>

#include "unit.h"
#include "names.h"

static void
check_key(const char *in, const char *want)
{
	char	   *k = NULL;
	size_t		n = 0;

	CHECK_INT(nous_name_key_ascii(in, strlen(in), &k, &n), NOUS_OK);
	CHECK_STR(k, want);
	CHECK_INT(n, strlen(want));
	nous_free(k);
}

static double
sim(const char *a, const char *b)
{
	double		s = -1;

	CHECK_INT(nous_key_similarity(a, strlen(a), b, strlen(b), &s), NOUS_OK);
	return s;
}

static size_t
lev(const char *a, const char *b)
{
	size_t		d = 999;

	CHECK_INT(nous_levenshtein(a, strlen(a), b, strlen(b), &d), NOUS_OK);
	return d;
}

TEST(key_separators)
{
	check_key("reze - chateau-mahaudieres", "reze chateau mahaudieres");
	check_key("reze chateau mahaudieres", "reze chateau mahaudieres");
	check_key("  a  , b;;c.  ", "a b c");
	check_key("villeneuve-d'ascq", "villeneuve d ascq");
	check_key("", "");
	check_key(" - ' ", "");
	check_key("paris 15e", "paris 15e");
}

TEST(key_saint)
{
	check_key("st-nazaire", "saint nazaire");
	check_key("st. nazaire", "saint nazaire");
	check_key("ste-luce-sur-loire", "sainte luce sur loire");
	check_key("saint-nazaire", "saint nazaire");
	/* only whole words: "stenay", "est" are left alone */
	check_key("stenay est", "stenay est");
}

TEST(key_articles)
{
	check_key("le pouliguen", "pouliguen");
	check_key("la baule-escoublac", "baule escoublac");
	check_key("les sorinieres", "sorinieres");
	check_key("l'hay-les-roses", "hay les roses");
	/* an article alone, or not leading, stays */
	check_key("les", "les");
	check_key("pont-la-riviere le bas", "pont la riviere le bas");
}

TEST(levenshtein)
{
	CHECK_INT(lev("kitten", "sitting"), 3);	/* the textbook example */
	CHECK_INT(lev("", "abc"), 3);
	CHECK_INT(lev("abc", ""), 3);
	CHECK_INT(lev("abc", "abc"), 0);
	CHECK_INT(lev("flaw", "lawn"), 2);
}

TEST(similarity)
{
	CHECK_NEAR(sim("", ""), 1.0, 1e-15);
	CHECK_NEAR(sim("abc", ""), 0.0, 1e-15);
	CHECK_NEAR(sim("nantes", "nantes"), 1.0, 1e-15);
	/* "saint nazaire" (13) vs "saint nazare" (12): one deletion, 1 - 1/13 */
	CHECK_NEAR(sim("saint nazaire", "saint nazare"), 12.0 / 13.0, 1e-15);
	/* word order: "chateau reze" vs "reze chateau" sort to the same string */
	CHECK_NEAR(sim("chateau reze", "reze chateau"), 1.0, 1e-15);
	/* "abc" vs "cba": lev 2 of 3, one word each: 1/3 */
	CHECK_NEAR(sim("abc", "cba"), 1.0 / 3.0, 1e-15);
	/* symmetric */
	CHECK_NEAR(sim("blain", "bouvron"), sim("bouvron", "blain"), 1e-15);
	/* "blain" vs "bouvron": lev 5 (b and n kept, 3 substitutions, 2 insertions), 1 - 5/7 */
	CHECK_INT(lev("blain", "bouvron"), 5);
	CHECK_NEAR(sim("blain", "bouvron"), 2.0 / 7.0, 1e-15);
}

int
main(void)
{
	RUN(key_separators);
	RUN(key_saint);
	RUN(key_articles);
	RUN(levenshtein);
	RUN(similarity);
	UNIT_END();
}
