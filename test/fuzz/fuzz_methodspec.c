/*
 * libFuzzer target for src/core/methodspec.c: any byte string either parses
 * or is rejected with a message; a parsed specification, written back in
 * canonical form, parses again to the same specification.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methodspec.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	char		err[256];
	char		canon[4096];
	nous_method_spec a,
				b;
	int			i;
	size_t		len;

	memcpy(text, data, size);
	text[size] = '\0';
	if (nous_parse_method_spec(text, &a, err, sizeof err) != NOUS_OK)
	{
		if (err[0] == '\0')
			abort();			/* a rejection always says why */
		free(text);
		return 0;
	}
	if (a.name[0] < 'a' || a.name[0] > 'z' || a.nparams < 0 || a.nparams > NOUS_SPEC_MAXPARAMS)
		abort();
	len = (size_t) snprintf(canon, sizeof canon, "%s(", a.name);
	for (i = 0; i < a.nparams; i++)
		len += (size_t) snprintf(canon + len, sizeof canon - len, "%s%s=%s",
								 i ? "," : "", a.params[i].key, a.params[i].value);
	snprintf(canon + len, sizeof canon - len, ")");
	if (nous_parse_method_spec(canon, &b, err, sizeof err) != NOUS_OK)
		abort();
	if (strcmp(a.name, b.name) != 0 || a.nparams != b.nparams)
		abort();
	for (i = 0; i < a.nparams; i++)
		if (strcmp(a.params[i].key, b.params[i].key) != 0 ||
			strcmp(a.params[i].value, b.params[i].value) != 0 ||
			a.params[i].is_number != b.params[i].is_number)
			abort();
	free(text);
	return 0;
}
