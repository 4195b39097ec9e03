/*
 * secrecy.h — statistical secrecy: primary suppression (threshold and
 * dominance rules), secondary suppression in one-dimensional hierarchies and
 * two-dimensional tables with margins, rounding to a base.
 */
#ifndef NOUS_SECRECY_H
#define NOUS_SECRECY_H

#include "nous_core.h"

/* statuses of a cell */
#define NOUS_SEC_PUBLISHED 0
#define NOUS_SEC_PRIMARY   1
#define NOUS_SEC_SECONDARY 2
#define NOUS_SEC_DOMINANCE 3		/* hidden by the dominance rule; any non-zero status is hidden */

/* what went wrong, with the index of the offending element */
typedef enum nous_sec_error
{
	NOUS_SEC_OK = 0,
	NOUS_SEC_DUPLICATE,			/* an id (or a row/column pair) appears twice */
	NOUS_SEC_UNKNOWN_PARENT,	/* a parent that is not among the ids */
	NOUS_SEC_CYCLE,				/* a node is its own ancestor */
	NOUS_SEC_NOT_ADDITIVE,		/* a parent differs from the sum of its children */
	NOUS_SEC_NEGATIVE			/* a negative or non-finite count */
} nous_sec_error;

typedef struct nous_sec_diag
{
	nous_sec_error kind;
	int			index;			/* offending element (0-based), -1 if none */
	double		sum;			/* NOT_ADDITIVE: the sum of the children */
} nous_sec_diag;

/* Threshold rule (INSEE, tax-based household data: fewer than 11 households). */
extern bool nous_sec_primary(long long count, int threshold, bool hide_zero);

/*
 * Dominance rule (n, k) (Hundepool et al., Statistical Disclosure Control,
 * Wiley 2012, §4.2.2): the cell is sensitive when its top n contributions
 * exceed k times its total.  Contributions must be finite and >= 0.
 */
extern nous_status nous_sec_dominance(const double *x, int len, int top,
									  double share, bool *hidden);

/*
 * Secondary suppression in a one-dimensional additive hierarchy: parent[i]
 * is the index of the parent of i, -1 for a root.  status[] comes in with
 * NOUS_SEC_PRIMARY or NOUS_SEC_PUBLISHED and leaves with the complement
 * marked NOUS_SEC_SECONDARY.  Checks cycles and additivity (relative
 * tolerance tol).
 */
extern nous_status nous_sec_suppress_1d(int n, const int *parent,
										const double *count, int *status,
										double tol, nous_sec_diag *diag);

/* Map ids and parents (NULL = root) to indices; diag reports duplicates and
 * unknown parents. */
extern nous_status nous_sec_parent_index(int n, const char *const *ids,
										 const char *const *parents,
										 int *parent, nous_sec_diag *diag);

/*
 * Secondary suppression in a two-dimensional table with margins: cells are
 * given as an (nr + 1) x (nc + 1) row-major extended table whose last column
 * holds the row totals and last row the column totals (the corner: the grand
 * total).  present[] false marks a structural empty cell (known zero).
 * Every line of the extended table with a suppressed element gets at least
 * two (smallest published element first, to a fixed point).
 */
extern nous_status nous_sec_suppress_2d(int nr, int nc, const double *ext,
										const bool *present, int *status);

/* Conventional rounding to the nearest multiple of base, halves away from 0. */
extern double nous_sec_round_to_base(double x, int base);

#endif							/* NOUS_SECRECY_H */
