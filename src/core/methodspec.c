/*
 * methodspec.c — the parser of method specifications (see methodspec.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "methodspec.h"

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_value_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '+' || c == '-';
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Read a name into buf (lower-cased); NULL if none starts at p or too long. */
static const char *
read_name(const char *p, char *buf, size_t len)
{
	size_t		k = 0;

	if (!is_alpha(*p))
		return NULL;
	while (is_alpha(*p) || is_digit(*p) || *p == '_')
	{
		if (k + 1 >= len)
			return NULL;
		buf[k++] = (*p >= 'A' && *p <= 'Z') ? (char) (*p - 'A' + 'a') : *p;
		p++;
	}
	buf[k] = '\0';
	return p;
}

static nous_status
fail(char *err, size_t errlen, const char *text, const char *at, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s at character %d of \"%.80s\".",
				 what, (int) (at - text) + 1, text);
	return NOUS_ERR_SYNTAX;
}

nous_status
nous_parse_method_spec(const char *text, nous_method_spec *spec,
					   char *err, size_t errlen)
{
	const char *p;

	memset(spec, 0, sizeof(*spec));
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	p = skip_ws(text);
	p = read_name(p, spec->name, sizeof(spec->name));
	if (p == NULL)
		return fail(err, errlen, text, skip_ws(text),
					"A method name (a letter, then letters, digits or underscores, at most 63) is expected");
	p = skip_ws(p);
	if (*p == '(')
	{
		p = skip_ws(p + 1);
		if (*p != ')')
		{
			for (;;)
			{
				nous_spec_param *par;
				const char *v;
				size_t		k = 0;
				char	   *end;
				int			j;

				if (spec->nparams >= NOUS_SPEC_MAXPARAMS)
					return fail(err, errlen, text, p, "Too many parameters (at most 16)");
				par = &spec->params[spec->nparams];
				v = read_name(p, par->key, sizeof(par->key));
				if (v == NULL)
					return fail(err, errlen, text, p, "A parameter name is expected");
				for (j = 0; j < spec->nparams; j++)
					if (strcmp(spec->params[j].key, par->key) == 0)
						return fail(err, errlen, text, p, "A parameter is given twice");
				p = skip_ws(v);
				if (*p != '=')
					return fail(err, errlen, text, p, "\"=\" is expected after a parameter name");
				p = skip_ws(p + 1);
				while (is_value_char(*p))
				{
					if (k + 1 >= sizeof(par->value))
						return fail(err, errlen, text, p, "A parameter value is too long (at most 63 characters)");
					par->value[k++] = *p++;
				}
				par->value[k] = '\0';
				if (k == 0)
					return fail(err, errlen, text, p, "A parameter value is expected");
				par->number = strtod(par->value, &end);
				par->is_number = (*end == '\0' && isfinite(par->number));
				spec->nparams++;
				p = skip_ws(p);
				if (*p == ',')
				{
					p = skip_ws(p + 1);
					continue;
				}
				if (*p == ')')
					break;
				return fail(err, errlen, text, p, "\",\" or \")\" is expected");
			}
		}
		p = skip_ws(p + 1);
	}
	if (*p != '\0')
		return fail(err, errlen, text, p, "Unexpected text after the method");
	return NOUS_OK;
}

const nous_spec_param *
nous_spec_find(const nous_method_spec *spec, const char *key)
{
	int			i;

	for (i = 0; i < spec->nparams; i++)
		if (strcmp(spec->params[i].key, key) == 0)
			return &spec->params[i];
	return NULL;
}
