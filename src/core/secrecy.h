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
	int			unprotected;	/* hidden values still determined (no positive
								 * published element left to hide) */
} nous_sec_diag;

/*
 * What the published rules tell a reader about hidden values: threshold > 0
 * when the values are the counts the threshold rule was applied to (a
 * primary value is then in [1, threshold - 1], a complement or a dominance
 * cell at least threshold); integral when the values are whole numbers;
 * zeros_hidden when zeros are primary (hide_zero).
 */
typedef struct nous_sec_rules
{
	double		threshold;
	bool		integral;
	bool		zeros_hidden;
} nous_sec_rules;

/* Rules for values x with statuses: integral and zeros_hidden read from the
 * data, threshold as given (<= 0: unknown). */
extern void nous_sec_rules_infer(nous_sec_rules *rules, int m, const double *x,
								 const int *status, double threshold);

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
 * Secondary suppression.  Guarantee: no hidden value can be determined
 * exactly from the published figures, the totals and the published rules
 * (the intervals of nous_sec_rules, zeros never complements, a complement
 * chosen in a line at most the positive figures published in it).  First
 * the line rule (a line with one hidden element gets its smallest positive
 * published element), then an exact audit of every hidden value (a cycle of
 * hidden values that can move within their intervals, see secrecy.c), with
 * one more complement for a determined value, to a fixed point.  Time and
 * memory linear in the number of elements per audit pass.
 *
 * Hierarchy: parent[i] is the index of the parent of i, -1 for a root;
 * status[] comes in with NOUS_SEC_PRIMARY / NOUS_SEC_DOMINANCE /
 * NOUS_SEC_PUBLISHED and leaves with complements NOUS_SEC_SECONDARY.
 * Checks cycles and additivity (relative tolerance tol).  diag->unprotected
 * counts hidden values left determined (no positive element to hide).
 */
extern nous_status nous_sec_suppress_1d(int n, const int *parent,
										const double *count, int *status,
										double tol, const nous_sec_rules *rules,
										nous_sec_diag *diag);

/* Map ids and parents (NULL = root) to indices; diag reports duplicates and
 * unknown parents. */
extern nous_status nous_sec_parent_index(int n, const char *const *ids,
										 const char *const *parents,
										 int *parent, nous_sec_diag *diag);

/*
 * Two-dimensional sparse table with margins: ncell cells (ri[i], ci[i]),
 * then nr row totals, nc column totals and the grand total; x[] and
 * status[] have ncell + nr + nc + 1 elements in that order (a cell absent
 * from the list is a structural zero, known to the reader).
 */
extern nous_status nous_sec_suppress_2d(int nr, int nc, int ncell,
										const int *ri, const int *ci,
										const double *x, int *status,
										const nous_sec_rules *rules,
										int *unprotected);

/* Conventional rounding to the nearest multiple of base, halves away from 0. */
extern double nous_sec_round_to_base(double x, int base);

#endif							/* NOUS_SECRECY_H */
