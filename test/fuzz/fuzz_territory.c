/*
 * libFuzzer target for src/core/territory.c: the first byte picks a level,
 * the rest is the code; any byte string is accepted or rejected with a
 * reason, never read out of bounds, and an accepted code is ASCII of the
 * length the level allows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "territory.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const lv[] = {"square200", "ilot", "iris", "qpv", "commune",
"epci", "departement", "region", "france", "nope"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *level;
	char	   *code;
	char		why[64];
	size_t		n,
				i;
	bool		r;

	if (size == 0)
		return 0;
	level = lv[data[0] % 10];
	n = size - 1;
	code = malloc(n == 0 ? 1 : n);		/* exactly n bytes: ASan sees any overread */
	memcpy(code, data + 1, n);
	r = nous_territory_code_check(level, code, n, why, sizeof why);
	if (r == (why[0] != '\0'))
		abort();				/* a rejection says why, an acceptance does not */
	if (r)
	{
		for (i = 0; i < n; i++)
			if (code[i] <= ' ' || (unsigned char) code[i] >= 0x7f)
				abort();
		if (strcmp(level, "commune") == 0 && n != 5)
			abort();
		if (strcmp(level, "iris") == 0 && n != 9)
			abort();
		if (strcmp(level, "epci") == 0 && !nous_luhn_valid(code, n))
			abort();
	}
	free(code);
	return 0;
}
