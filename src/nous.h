/*
 * nous.h — what the server glue files of nous share: array conversion with
 * the common input checks, method parameters (jsonb), the method registry,
 * and the mapping of core statuses to SQLSTATEs.
 */
#ifndef NOUS_H
#define NOUS_H

#include "postgres.h"
#include "compat.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "nous_core.h"
#include "methodspec.h"

/* A float8[] unpacked: values, presence mask (false = NULL element). */
typedef struct NousVec
{
	int			n;
	int			npresent;		/* set by nous_vec_from_datum; informative */
	double	   *x;
	bool	   *present;
} NousVec;

/*
 * Unpack a one-dimensional float8[] argument (any lower bound).  what names
 * the argument in messages ("values", "weights" …).  Rejects a NULL array, a
 * multidimensional one, NaN and +/-Infinity; an empty array unless
 * allow_empty.
 */
extern void nous_vec_from_datum(Datum d, bool isnull, const char *what,
								bool allow_empty, NousVec *v);
extern ArrayType *nous_vec_to_array(const NousVec *v, const double *out);

/*
 * Stored formats: the first byte of every stored or binary value of
 * nous.flows, nous.mixpairs, nous.mixcounts and nous.weights is its format
 * version.  This library reads versions oldest..newest of a type; a newer
 * version (a value written by a newer nous) is feature_not_supported, an
 * unknown older one data_exception, both naming the versions (doc/upgrading.md).
 */
extern void nous_check_format_version(const char *type, int version,
									  int oldest, int newest);

/* Report a core status as an ERROR with a SQLSTATE; context names the call. */
NOUS_NORETURN extern void nous_report_status(nous_status st, const char *context);

/* start-up of the spatial module: its settings (spatial.c) */
extern void nous_spatial_init(void);

/* ---- method parameters, passed to every method as a jsonb object ---- */

/* Check that params (may be NULL) is an object with only these keys. */
extern void nous_params_check(Jsonb *params, const char *method,
							  const char *const *allowed);
/* The string value of key, or NULL when absent (error if not a string). */
extern char *nous_params_word(Jsonb *params, const char *method, const char *key);
/* The numeric value of key; false when absent (error if not a finite number). */
extern bool nous_params_number(Jsonb *params, const char *method,
							   const char *key, double *value);

/* ---- the method registry (registry.c) ---- */

typedef struct NousMethod
{
	char		family[NAMEDATALEN];
	char		spec_text[256];	/* the specification this was resolved from */
	nous_method_spec spec;		/* parsed name and parameters */
	Oid			fn;				/* the registered function */
	bool		builtin;
	int			nargs;			/* arguments of the registered function */
	int			nleading;		/* arguments every method of the family takes */
	bool		takes_params;
	Datum		params;			/* jsonb object built from spec (fn_mcxt) */
	FmgrInfo	flinfo;
	Oid			checked_role;	/* role the checks were made for */
	uint64		checked_generation; /* registry state they were made in */
} NousMethod;

/*
 * Define nous.trusted_method_owners and register the invalidation callbacks
 * of the registry; called once, from _PG_init.
 */
extern void nous_registry_init(void);

/*
 * Resolve a method specification of a family ('zscore', 'rank(ties=min)')
 * into m, looking the name up in nous.method_catalog.  Unknown names raise an
 * error that lists the registered methods of the family.  The function is
 * checked (signature, trusted owner, EXECUTE and schema USAGE for the
 * current role) here, and again by nous_method_call whenever the role or
 * the catalogues changed since.  Memory for the FmgrInfo and params lives
 * in mcxt.
 */
extern void nous_method_resolve(const char *family, const char *spec_text,
								MemoryContext mcxt, NousMethod *m);

/*
 * Call a resolved method with the family's leading arguments (nargs must be
 * the family's count); the jsonb params are appended when the function takes
 * them.  *isnull receives the result's nullness.
 */
extern Datum nous_method_call(NousMethod *m, const Datum *args,
							  const bool *argnulls, int nargs, bool *isnull);
/* Shorthand for families with one leading argument. */
extern Datum nous_method_call1(NousMethod *m, Datum arg1, bool *isnull);

#endif							/* NOUS_H */
