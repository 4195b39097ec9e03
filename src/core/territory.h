/*
 * territory.h — pure checks of French territory codes (no server).
 *
 * Levels, from the finest: square200, ilot, iris, qpv, commune, epci,
 * departement, region, france.  A check returns true when the code is
 * well formed for the level; otherwise it writes a one-sentence reason
 * (no final period) into why[whylen] and returns false.
 */
#ifndef NOUS_TERRITORY_H
#define NOUS_TERRITORY_H

#include <stdbool.h>
#include <stddef.h>

#include "nous_core.h"

/* rank of a level (10 = square200 … 90 = france), or -1 for an unknown level */
extern int	nous_territory_level_rank(const char *level);

/* is code[0..len) a well-formed code of this level?  why gets the reason if not */
extern bool nous_territory_code_check(const char *level, const char *code, size_t len,
									  char *why, size_t whylen);

/* Luhn checksum of a digit string (ISO/IEC 7812-1, used by INSEE for SIREN) */
extern bool nous_luhn_valid(const char *digits, size_t len);

#endif
