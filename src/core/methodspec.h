/*
 * methodspec.h — parse a method specification such as 'zscore' or
 * 'rank(ties = min)' or 'ratio(ref=12.5)'.
 *
 * Grammar (spaces allowed between tokens):
 *   spec   := name [ '(' [ param { ',' param } ] ')' ]
 *   name   := letter { letter | digit | '_' }      (ASCII, folded to lower case)
 *   param  := name '=' value
 *   value  := { letter | digit | '_' | '.' | '+' | '-' }+
 * A value that strtod() reads whole and finite is a number, otherwise a word.
 */
#ifndef NOUS_METHODSPEC_H
#define NOUS_METHODSPEC_H

#include "nous_core.h"

#define NOUS_SPEC_NAMELEN 64
#define NOUS_SPEC_VALUELEN 64
#define NOUS_SPEC_MAXPARAMS 16

typedef struct nous_spec_param
{
	char		key[NOUS_SPEC_NAMELEN];
	char		value[NOUS_SPEC_VALUELEN];
	bool		is_number;
	double		number;
} nous_spec_param;

typedef struct nous_method_spec
{
	char		name[NOUS_SPEC_NAMELEN];
	int			nparams;
	nous_spec_param params[NOUS_SPEC_MAXPARAMS];
} nous_method_spec;

/*
 * Parse text into spec.  On NOUS_ERR_SYNTAX, err receives a sentence that
 * says what is wrong and where (at most errlen bytes, NUL-terminated).
 */
extern nous_status nous_parse_method_spec(const char *text,
										  nous_method_spec *spec,
										  char *err, size_t errlen);

/* The parameter named key, or NULL. */
extern const nous_spec_param *nous_spec_find(const nous_method_spec *spec,
											 const char *key);

#endif							/* NOUS_METHODSPEC_H */
