/*
 * nous_core.c — allocation and interrupt hooks, status texts.
 */
#include <stdlib.h>

#include "nous_core.h"

void	   *(*nous_alloc_hook) (size_t size) = malloc;
void		(*nous_free_hook) (void *ptr) = free;
void		(*nous_interrupt_hook) (void) = NULL;

const char *
nous_status_text(nous_status st)
{
	switch (st)
	{
		case NOUS_OK:
			return "ok";
		case NOUS_ERR_EMPTY:
			return "empty input";
		case NOUS_ERR_NONFINITE:
			return "non-finite value";
		case NOUS_ERR_LENGTH:
			return "mismatched lengths";
		case NOUS_ERR_PARAM:
			return "invalid parameter";
		case NOUS_ERR_SYNTAX:
			return "syntax error";
		case NOUS_ERR_DOMAIN:
			return "value outside the domain of the method";
		case NOUS_ERR_NOMEM:
			return "out of memory";
	}
	return "unknown status";
}
