/* unit tests of src/core/territory.c: codes checked by hand against the INSEE/ANCT conventions */
#include <string.h>

#include "unit.h"
#include "territory.h"

static int
ok(const char *level, const char *code)
{
	char		why[256];
	bool		r = nous_territory_code_check(level, code, strlen(code), why, sizeof why);

	/* a rejection always says why, an acceptance says nothing */
	if (r ? why[0] != '\0' : why[0] == '\0')
		return -1;
	return r ? 1 : 0;
}

TEST(test_levels)
{
	CHECK_INT(nous_territory_level_rank("square200"), 10);
	CHECK_INT(nous_territory_level_rank("iris"), 30);
	CHECK_INT(nous_territory_level_rank("qpv"), 40);
	CHECK_INT(nous_territory_level_rank("commune"), 50);
	CHECK_INT(nous_territory_level_rank("france"), 90);
	CHECK_INT(nous_territory_level_rank("Commune"), -1);
	CHECK_INT(ok("canton", "44109"), 0);
}

TEST(test_luhn)
{
	/* 244400404 Nantes Métropole: digits from the right 4 0 4 0 0 4 4 4 2, every second doubled:
	 * 4 + 0 + 4 + 0 + 0 + 8 + 4 + 8 + 2 = 30, a multiple of 10 */
	CHECK(nous_luhn_valid("244400404", 9));
	CHECK(!nous_luhn_valid("244400405", 9));
	/* 200000172 CC Faucigny-Glières: reversed 2 7 1 0 0 0 0 0 2 -> 2 + 14-9=5 + 1 + 0 + 0 + 0 + 0 + 0 + 2 = 10 */
	CHECK(nous_luhn_valid("200000172", 9));
	CHECK(!nous_luhn_valid("", 0));
	CHECK(!nous_luhn_valid("12a", 3));
	CHECK(nous_luhn_valid("0", 1));
}

TEST(test_commune)
{
	CHECK_INT(ok("commune", "44109"), 1);
	CHECK_INT(ok("commune", "01053"), 1);
	CHECK_INT(ok("commune", "2A004"), 1);
	CHECK_INT(ok("commune", "2B033"), 1);
	CHECK_INT(ok("commune", "97411"), 1);
	CHECK_INT(ok("commune", "97711"), 0);	/* 977 is not a département */
	CHECK_INT(ok("commune", "20004"), 0);	/* 20 no longer exists */
	CHECK_INT(ok("commune", "4410"), 0);
	CHECK_INT(ok("commune", "441090"), 0);
	CHECK_INT(ok("commune", "00109"), 0);
	CHECK_INT(ok("commune", "44000"), 0);
	CHECK_INT(ok("commune", "2C004"), 0);
	CHECK_INT(ok("commune", "44 09"), 0);
	CHECK_INT(ok("commune", ""), 0);
	CHECK_INT(ok("commune", "96001"), 0);
}

TEST(test_iris_ilot)
{
	CHECK_INT(ok("iris", "441090101"), 1);
	CHECK_INT(ok("iris", "2A0040000"), 1);
	CHECK_INT(ok("iris", "44109010"), 0);
	CHECK_INT(ok("iris", "44109010A"), 0);
	CHECK_INT(ok("iris", "201090101"), 0);
	CHECK_INT(ok("ilot", "44109AB12"), 1);
	CHECK_INT(ok("ilot", "44109"), 0);
	CHECK_INT(ok("ilot", "44109ab"), 0);
}

TEST(test_epci_dep_region)
{
	CHECK_INT(ok("epci", "244400404"), 1);
	CHECK_INT(ok("epci", "244400405"), 0);
	CHECK_INT(ok("epci", "24440040"), 0);
	CHECK_INT(ok("epci", "ZZZZZZZZZ"), 0);
	CHECK_INT(ok("departement", "44"), 1);
	CHECK_INT(ok("departement", "2A"), 1);
	CHECK_INT(ok("departement", "976"), 1);
	CHECK_INT(ok("departement", "977"), 0);
	CHECK_INT(ok("departement", "97"), 0);
	CHECK_INT(ok("departement", "20"), 0);
	CHECK_INT(ok("departement", "00"), 0);
	CHECK_INT(ok("departement", "4"), 0);
	CHECK_INT(ok("region", "52"), 1);
	CHECK_INT(ok("region", "5"), 0);
	CHECK_INT(ok("france", "FR"), 1);
	CHECK_INT(ok("france", "FX"), 0);
}

TEST(test_qpv)
{
	CHECK_INT(ok("qpv", "QP066007"), 1);
	CHECK_INT(ok("qpv", "QP02A001"), 1);
	CHECK_INT(ok("qpv", "QP974001"), 1);
	CHECK_INT(ok("qpv", "QN04405M"), 1);
	CHECK_INT(ok("qpv", "QN02A01M"), 1);
	CHECK_INT(ok("qpv", "QN04405m"), 0);
	CHECK_INT(ok("qpv", "QN044051"), 0);
	CHECK_INT(ok("qpv", "QP06600A"), 0);
	CHECK_INT(ok("qpv", "QX066007"), 0);
	CHECK_INT(ok("qpv", "QP66007"), 0);
	CHECK_INT(ok("qpv", "QP020001"), 0);
	CHECK_INT(ok("qpv", "QP977001"), 0);
}

TEST(test_square)
{
	CHECK_INT(ok("square200", "CRS3035RES200mN2745000E3448400"), 1);
	CHECK_INT(ok("square200", "CRS3035RES200mN0E0"), 1);
	CHECK_INT(ok("square200", "CRS3035RES200mN2745100E3448400"), 0);
	CHECK_INT(ok("square200", "CRS3035RES200mN2745000E3448401"), 0);
	CHECK_INT(ok("square200", "CRS3035RES1000mN2745000E3448000"), 0);
	CHECK_INT(ok("square200", "CRS3035RES200mN2745000"), 0);
	CHECK_INT(ok("square200", "CRS3035RES200mNE3448400"), 0);
	CHECK_INT(ok("square200", "CRS3035RES200mN2745000E"), 0);
	CHECK_INT(ok("square200", "CRS3035RES200mN02745000E3448400"), 0);
	CHECK_INT(ok("square200", "CRS3035RES200mN-200E3448400"), 0);
	CHECK_INT(ok("square200", "CRS3035RES200mN1234567890E0"), 0);
}

TEST(test_bytes)
{
	char		why[8];

	/* an embedded NUL, a short reason buffer, a NULL buffer */
	CHECK(!nous_territory_code_check("commune", "44\0" "09", 5, why, sizeof why));
	CHECK_INT(strlen(why), 7);
	CHECK(!nous_territory_code_check("commune", "4410", 4, NULL, 0));
	CHECK(nous_territory_code_check("commune", "44109", 5, NULL, 0));
}

int
main(void)
{
	RUN(test_levels);
	RUN(test_luhn);
	RUN(test_commune);
	RUN(test_iris_ilot);
	RUN(test_epci_dep_region);
	RUN(test_qpv);
	RUN(test_square);
	RUN(test_bytes);
	UNIT_END();
}
