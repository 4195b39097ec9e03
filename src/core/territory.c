/*
 * territory.c — checks of French territory codes (see territory.h).
 *
 * Sources: INSEE Code officiel géographique (communes, départements,
 * régions), INSEE IRIS documentation (IRIS = commune code + 4 digits),
 * INSEE SIRENE (SIREN = 9 digits with a Luhn key), ANCT lists of QPV
 * (2015: QP + département on 3 characters + 3 digits; 2024: QN +
 * département on 3 characters + 2 digits + a letter), INSEE Filosofi grid
 * (CRS3035RES200mN{y}E{x}, lower-left corner in EPSG:3035 metres).
 */
#include "territory.h"

#include <stdio.h>
#include <string.h>

static const struct
{
	const char *name;
	int			rank;
}			levels[] =
{
	{"square200", 10},
	{"ilot", 20},
	{"iris", 30},
	{"qpv", 40},
	{"commune", 50},
	{"epci", 60},
	{"departement", 70},
	{"region", 80},
	{"france", 90},
};

int
nous_territory_level_rank(const char *level)
{
	size_t		i;

	for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcmp(level, levels[i].name) == 0)
			return levels[i].rank;
	return -1;
}

static bool
fail(char *why, size_t whylen, const char *msg)
{
	if (why != NULL && whylen > 0)
		snprintf(why, whylen, "%s", msg);
	return false;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
all_digits(const char *s, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

/* Luhn (ISO/IEC 7812-1): double every second digit from the right, sum digits, multiple of 10 */
bool
nous_luhn_valid(const char *digits, size_t len)
{
	int			sum = 0;
	size_t		i;

	if (len == 0 || !all_digits(digits, len))
		return false;
	for (i = 0; i < len; i++)
	{
		int			d = digits[len - 1 - i] - '0';

		if (i % 2 == 1)
		{
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

/* département on 2 characters of the COG: 01-95 except 20, 2A, 2B; 97 starts an overseas code */
static bool
dep2_ok(const char *s)
{
	if (s[0] == '2' && (s[1] == 'A' || s[1] == 'B'))
		return true;
	if (!is_digit(s[0]) || !is_digit(s[1]))
		return false;
	if (s[0] == '0' && s[1] == '0')
		return false;
	if (s[0] == '2' && s[1] == '0')
		return false;
	if (s[0] == '9' && (s[1] == '6' || s[1] == '8' || s[1] == '9'))
		return false;
	return true;
}

/* département code (COG): 2 characters, or 971-976 for overseas départements */
static bool
dep_check(const char *c, size_t n, char *why, size_t whylen)
{
	if (n == 2)
	{
		if (c[0] == '9' && c[1] == '7')
			return fail(why, whylen, "an overseas département has 3 digits (971 to 976)");
		if (!dep2_ok(c))
			return fail(why, whylen, "a département code is 01 to 95 (not 20), 2A, 2B or 971 to 976");
		return true;
	}
	if (n == 3)
	{
		if (c[0] == '9' && c[1] == '7' && c[2] >= '1' && c[2] <= '6')
			return true;
		return fail(why, whylen, "a 3-character département code is 971 to 976");
	}
	return fail(why, whylen, "a département code has 2 or 3 characters");
}

/* commune code (COG): 5 characters, département on 2 (or 97x) then digits */
static bool
commune_check(const char *c, size_t n, char *why, size_t whylen)
{
	if (n != 5)
		return fail(why, whylen, "a commune code has 5 characters");
	if (!dep2_ok(c))
		return fail(why, whylen, "a commune code starts with a département: 01 to 95 (not 20), 2A, 2B or 97");
	if (!all_digits(c + 2, 3))
		return fail(why, whylen, "a commune code ends with 3 digits");
	if (c[0] == '9' && c[1] == '7' && !(c[2] >= '1' && c[2] <= '6'))
		return fail(why, whylen, "an overseas commune code starts with 971 to 976");
	if (all_digits(c + 2, 3) && c[2] == '0' && c[3] == '0' && c[4] == '0')
		return fail(why, whylen, "a commune number is 001 to 999, not 000");
	return true;
}

/* QPV department part on 3 characters: 0dd, 02A, 02B or 97d */
static bool
qpv_dep_ok(const char *s)
{
	if (s[0] == '0')
		return dep2_ok(s + 1) && !(s[1] == '9' && s[2] == '7');
	if (s[0] == '9' && s[1] == '7')
		return s[2] >= '1' && s[2] <= '6';
	return false;
}

static bool
qpv_check(const char *c, size_t n, char *why, size_t whylen)
{
	if (n != 8)
		return fail(why, whylen, "a QPV code has 8 characters (QP + 6 for the 2015 list, QN + 6 for 2024)");
	if (c[0] != 'Q' || (c[1] != 'P' && c[1] != 'N'))
		return fail(why, whylen, "a QPV code starts with QP (2015 list) or QN (2024 list)");
	if (!qpv_dep_ok(c + 2))
		return fail(why, whylen, "characters 3 to 5 of a QPV code are a département on 3 characters (044, 02A, 974 ...)");
	if (c[1] == 'P')
	{
		if (!all_digits(c + 5, 3))
			return fail(why, whylen, "a 2015 QPV code ends with 3 digits");
		return true;
	}
	if (!all_digits(c + 5, 2))
		return fail(why, whylen, "a 2024 QPV code has 2 digits after the département");
	if (!(c[7] >= 'A' && c[7] <= 'Z'))
		return fail(why, whylen, "a 2024 QPV code ends with a capital letter");
	return true;
}

/* non-negative decimal integer of 1 to 9 digits at s[0..n) */
static bool
parse_uint(const char *s, size_t n, long *v)
{
	long		x = 0;
	size_t		i;

	if (n == 0 || n > 9 || !all_digits(s, n))
		return false;
	for (i = 0; i < n; i++)
		x = x * 10 + (s[i] - '0');
	*v = x;
	return true;
}

/* INSEE grid identifier of a 200 m square: CRS3035RES200mN{northing}E{easting} */
static bool
square_check(const char *c, size_t n, char *why, size_t whylen)
{
	static const char prefix[] = "CRS3035RES200mN";
	size_t		pl = sizeof prefix - 1;
	size_t		e;
	long		y,
				x;

	if (n < pl || memcmp(c, prefix, pl) != 0)
		return fail(why, whylen, "a 200 m square code starts with CRS3035RES200mN");
	for (e = pl; e < n && c[e] != 'E'; e++)
		;
	if (e == n)
		return fail(why, whylen, "a 200 m square code has the form CRS3035RES200mN{y}E{x}");
	if (!parse_uint(c + pl, e - pl, &y) || !parse_uint(c + e + 1, n - e - 1, &x))
		return fail(why, whylen, "the northing and easting of a 200 m square are integers of 1 to 9 digits");
	if ((c[pl] == '0' && e - pl > 1) || (c[e + 1] == '0' && n - e - 1 > 1))
		return fail(why, whylen, "the northing and easting of a 200 m square have no leading zero");
	if (y % 200 != 0 || x % 200 != 0)
		return fail(why, whylen, "the northing and easting of a 200 m square are multiples of 200");
	return true;
}

bool
nous_territory_code_check(const char *level, const char *c, size_t n,
						  char *why, size_t whylen)
{
	size_t		i;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (nous_territory_level_rank(level) < 0)
		return fail(why, whylen, "unknown level");
	if (n == 0)
		return fail(why, whylen, "the code is empty");
	for (i = 0; i < n; i++)
		if (c[i] == '\0' || (unsigned char) c[i] <= ' ' || (unsigned char) c[i] >= 0x7f)
			return fail(why, whylen, "a code is made of printable ASCII characters without spaces");

	if (strcmp(level, "commune") == 0)
		return commune_check(c, n, why, whylen);
	if (strcmp(level, "iris") == 0)
	{
		if (n != 9)
			return fail(why, whylen, "an IRIS code has 9 characters: the commune code then 4 digits");
		if (!commune_check(c, 5, why, whylen))
			return false;
		if (!all_digits(c + 5, 4))
			return fail(why, whylen, "an IRIS code ends with 4 digits");
		return true;
	}
	if (strcmp(level, "ilot") == 0)
	{
		/* îlot regroupé pour l'information statistique: commune code then 1 to 10 [0-9A-Z] */
		if (n < 6 || n > 15)
			return fail(why, whylen, "an îlot code is the commune code then 1 to 10 characters");
		if (!commune_check(c, 5, why, whylen))
			return false;
		for (i = 5; i < n; i++)
			if (!is_digit(c[i]) && !(c[i] >= 'A' && c[i] <= 'Z'))
				return fail(why, whylen, "after the commune code, an îlot code has digits and capital letters only");
		return true;
	}
	if (strcmp(level, "epci") == 0)
	{
		if (n != 9 || !all_digits(c, 9))
			return fail(why, whylen, "an EPCI code is a SIREN number of 9 digits");
		if (!nous_luhn_valid(c, 9))
			return fail(why, whylen, "the SIREN number fails its Luhn check digit");
		return true;
	}
	if (strcmp(level, "qpv") == 0)
		return qpv_check(c, n, why, whylen);
	if (strcmp(level, "departement") == 0)
		return dep_check(c, n, why, whylen);
	if (strcmp(level, "region") == 0)
	{
		if (n != 2 || !all_digits(c, 2) || (c[0] == '0' && c[1] == '0'))
			return fail(why, whylen, "a région code has 2 digits (01 to 99)");
		return true;
	}
	if (strcmp(level, "france") == 0)
	{
		if (!(n == 2 && c[0] == 'F' && c[1] == 'R'))
			return fail(why, whylen, "the code of France is FR");
		return true;
	}
	return square_check(c, n, why, whylen);
}
