/*
 * nous.h — what the server glue files of nous share: array conversion with
 * the common input checks, method parameters (jsonb), the method registry,
 * and the mapping of core statuses to SQLSTATEs.
 */
#ifndef NOUS_H
#define NOUS_H

#include "postgres.h"
#include "compat.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/expandeddatum.h"
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
 * Unpack argument argno, a one-dimensional array of elemtype (any lower
 * bound; text[], bool[], int8[] …), with the checks of nous_vec_from_datum
 * and their messages: the argument NULL ("what must not be NULL", 22004), more
 * than one dimension (2202E) and, unless nulls_ok, a NULL element ("what must
 * not contain NULL", 22004, the element in detail).  Returns the number of
 * elements; *elems and *nulls are palloc'd (nulls may be NULL when !nulls_ok).
 */
extern int	nous_array_arg(FunctionCallInfo fcinfo, int argno, const char *what,
						   Oid elemtype, bool nulls_ok, Datum **elems, bool **nulls);

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

/* ================================================================
 * The aggregate-state kit: what every transition, combine, serialise and
 * deserialise function and every cached-method call site shares.
 *
 * How to use it (a storable state kept as an expanded object):
 *
 *	static const ExpandedObjectMethods my_methods = {my_flat_size, my_flatten};
 *
 *	Datum
 *	my_trans(PG_FUNCTION_ARGS)
 *	{
 *		MemoryContext aggctx = nous_agg_context(fcinfo, "nous_my_trans", "nous.my_agg(x)");
 *		MyEO	   *eo = (MyEO *) nous_eo_mine(fcinfo, 0, &my_methods, aggctx);
 *
 *		if (eo == NULL)		-- NULL, flat, toasted or someone else's: a new one
 *		{
 *			eo = (MyEO *) nous_eo_new(aggctx, "nous my state", sizeof(MyEO), &my_methods);
 *			... fill eo from PG_GETARG_DATUM(0) unless PG_ARGISNULL(0) ...
 *		}
 *		nous_reserve(eo->x, eo->cap, eo->n + 1, NOUS_MY_MAX, "values");
 *		eo->x[eo->n++] = ...;
 *		NOUS_RETURN_EO(eo);
 *	}
 *
 * Read-only access (final functions, the second argument of combine):
 * nous_eo_of(d, &my_methods) gives the object, or NULL for a flat value to
 * detoast.  A decoder that finds a bad value calls nous_state_corrupt.
 * Internal states (no expanded object) use nous_agg_context and nous_reserve
 * alone.  Functions resolving a method per call site use nous_method_cached.
 * ================================================================
 */

/*
 * The aggregate memory context; an ERROR (0A000, "fn called in non-aggregate
 * context") when fcinfo is not an aggregate's call (someone called the
 * support function from SQL).  aggregate, when not NULL, names the aggregate
 * to use instead in a hint ("nous.gvf(value, breaks)").
 */
extern MemoryContext nous_agg_context(FunctionCallInfo fcinfo, const char *fn,
									  const char *aggregate);

/*
 * NOUS_ENTRY(name, call);  defines the SQL-callable function name (version-1
 * calling convention) whose whole body is "return call;", call being an
 * expression of fcinfo.  For the entry points that only pick a variant of a
 * shared implementation (a method of a family, bigint or text ids, a
 * statistic of one state): one line each instead of six.  The name is spelt
 * whole, so that grep finds the definition.
 */
#define NOUS_ENTRY(name, call) \
	PG_FUNCTION_INFO_V1(name); \
	Datum name(PG_FUNCTION_ARGS) { return (call); } \
	extern int no_such_variable

/*
 * When argument argno is NULL, the state (argument 0) stays as it is: return
 * it, or NULL when there is none yet.  The first statement of a combine
 * (argno 1: the right side is empty) and of a transition that skips a row
 * whose value is NULL.
 */
#define NOUS_RETURN_STATE_IF_NULL(argno) \
	do { \
		if (PG_ARGISNULL(argno)) \
		{ \
			if (PG_ARGISNULL(0)) \
				PG_RETURN_NULL(); \
			PG_RETURN_DATUM(PG_GETARG_DATUM(0)); \
		} \
	} while (0)

/*
 * A stored or serialised state that does not decode: ERROR data_exception
 * (22000), message "invalid <what>" ("invalid nous.weights value", "invalid
 * nous.breaks aggregate state"), the printf-style detail saying what is wrong.
 */
NOUS_NORETURN extern void nous_state_corrupt(const char *what, const char *detail,...) pg_attribute_printf(2, 3);

/*
 * A binary message (the receive function of a type) that does not decode:
 * ERROR invalid_binary_representation (22P03), "invalid binary <type> value",
 * the detail saying what is wrong.  The receive functions of nous report
 * their messages so; what a message shares with a stored value is checked by
 * the type's own decoder (nous_state_corrupt).
 */
NOUS_NORETURN extern void nous_bad_binary(const char *type, const char *detail);

/*
 * Growable arrays.  nous_grow_cap returns the capacity for need elements of
 * elsize bytes: cap doubled (from at least 16) until it holds need, never
 * above limit elements nor MaxAllocHugeSize bytes; need above either is an
 * ERROR program_limit_exceeded, "too many <what>" with the limit in detail.
 * nous_reserve(ptr, cap, need, limit, what) makes room in one array ptr of
 * cap elements (ptr allocated already, e.g. palloc of an initial capacity);
 * parallel arrays call nous_grow_cap once and repalloc_huge each array.
 */
extern int64 nous_grow_cap(int64 cap, int64 need, Size elsize, int64 limit,
						   const char *what);

#define nous_reserve(ptr, cap, need, limit, what) \
	do { \
		if ((int64) (need) > (int64) (cap)) \
		{ \
			int64		nous_newcap_ = nous_grow_cap((cap), (need), sizeof(*(ptr)), (limit), (what)); \
			(ptr) = repalloc_huge((ptr), sizeof(*(ptr)) * (Size) nous_newcap_); \
			(cap) = nous_newcap_; \
		} \
	} while (0)

/*
 * Expanded-object states.  nous_eo_new allocates a zeroed object of size
 * bytes (its struct begins with the ExpandedObjectHeader) in a new memory
 * context (small sizes; name must be a string constant) that is a direct
 * child of parent (pass the aggregate context), and initialises its header
 * with methods.
 *
 * nous_eo_mine: the object behind argument argno when this call may change it
 * in place, else NULL (argument NULL, a flat or toasted value, another type's
 * object, a read-only pointer, or an object outside the aggregate context).
 * "Mine" is the executor's own rule: nodeAgg (ExecAggTransReparent in 15,
 * ExecAggCopyTransValue in 16+), nodeWindowAgg and Citus's
 * worker_partial_agg / coord_combine_agg (HandleTransition) keep a returned
 * state without copying it exactly when it is a read-write pointer to an
 * expanded object whose context's parent is the aggregate context; anything
 * else they copy (flatten).  So: read-write, of our methods, and in a child
 * of aggctx.  DatumIsReadWriteExpandedObject alone (flow.c's test) says the
 * caller gives the value up, not that it is this aggregate's state: an
 * object the executor did not put there (another argument, a value in a
 * context that dies sooner), changed in place and returned as the same
 * pointer, would skip the copy that makes it last.  In nodeAgg's own calls
 * the two tests agree; the stricter one (mix_state.c's, survey_state.c's) holds for every
 * caller.  Create states with nous_eo_new(aggctx, ...): an object in a
 * grandchild of aggctx fails the test and is flattened on every row.
 *
 * nous_eo_of: the object behind d (read-write or read-only) when it is one of
 * methods, else NULL: read a flat value (detoast it; detoasting also
 * flattens an object of any other kind).
 */
extern ExpandedObjectHeader *nous_eo_new(MemoryContext parent, const char *name,
										 Size size,
										 const ExpandedObjectMethods *methods);
extern ExpandedObjectHeader *nous_eo_mine(FunctionCallInfo fcinfo, int argno,
										  const ExpandedObjectMethods *methods,
										  MemoryContext aggctx);
extern ExpandedObjectHeader *nous_eo_of(Datum d,
										const ExpandedObjectMethods *methods);

/* return an expanded state (any struct beginning with its header "hdr") */
#define NOUS_RETURN_EO(eo) PG_RETURN_DATUM(EOHPGetRWDatum(&(eo)->hdr))

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

/*
 * nous_method_call with arguments that are never NULL, for families whose
 * methods must return a value: a NULL result is an ERROR 22004 "<noun> method
 * "<name>" returned NULL" with must_return (what a method of the family must
 * return) as its detail.
 */
extern Datum nous_method_call_notnull(NousMethod *m, const Datum *args, int nargs,
									  const char *noun, const char *must_return);

/*
 * A method resolved once per call site and kept in flinfo->fn_extra, again
 * when the specification text changes (or after an ERROR in resolving).
 * Callers with data of their own derived from the method embed
 * NousMethodCache as the first member of their struct, pass its size, and
 * recompute their data when *fresh is set; others pass
 * sizeof(NousMethodCache) and fresh NULL.
 */
typedef struct NousMethodCache
{
	bool		valid;			/* method resolved from method.spec_text */
	NousMethod	method;
} NousMethodCache;

extern NousMethodCache *nous_method_cached(FmgrInfo *flinfo, Size size,
										   const char *family,
										   const char *spec_text, bool *fresh);

/* ---- rows and quoted strings ---- */

/*
 * The row type of a function that returns a composite, blessed for
 * heap_form_tuple; an elog ("return type must be a row type") when it does
 * not, which its SQL declaration rules out.  NOUS_RETURN_ROW returns the row
 * of values and nulls of that type (needs access/htup_details.h, funcapi.h).
 */
extern TupleDesc nous_row_desc(FunctionCallInfo fcinfo);
#define NOUS_RETURN_ROW(td, values, nulls) \
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple((td), (values), (nulls))))

/*
 * Quoted strings of the text forms of nous.flows and nous.mixcounts: "..."
 * with a backslash before every " and \.  nous_append_quoted writes p[0..len)
 * so; nous_read_quoted reads one from just after its opening quote into out
 * (reset first) and leaves *p after the closing quote, or returns false with
 * *p on the terminating NUL when the string is not closed.
 */
extern void nous_append_quoted(StringInfo s, const char *p, size_t len);
extern bool nous_read_quoted(const char **p, StringInfo out);

/* ---- contexts, parallel arrays and arguments ---- */

/*
 * The memory context of a support function that SQL may call too (a
 * combine): the aggregate's, or outside an aggregate the current one (the
 * result is then a new value).
 */
static inline MemoryContext
nous_agg_or_current_context(FunctionCallInfo fcinfo)
{
	MemoryContext aggctx;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		aggctx = CurrentMemoryContext;
	return aggctx;
}

/*
 * nous_reserve for two parallel arrays p1 and p2 of cap elements each (ids
 * and values): room for need elements in both, one nous_grow_cap for the
 * pair (elsize the sum of their element sizes).
 */
#define nous_reserve2(p1, p2, cap, need, limit, what) \
	do { \
		if ((int64) (need) > (int64) (cap)) \
		{ \
			int64		nous_newcap_ = nous_grow_cap((cap), (need), sizeof(*(p1)) + sizeof(*(p2)), (limit), (what)); \
			(p1) = repalloc_huge((p1), sizeof(*(p1)) * (Size) nous_newcap_); \
			(p2) = repalloc_huge((p2), sizeof(*(p2)) * (Size) nous_newcap_); \
			(cap) = nous_newcap_; \
		} \
	} while (0)

/*
 * NOUS_REQUIRE_ARG(argno, what): when argument argno is NULL, an ERROR
 * null_value_not_allowed (22004), "<what> must not be NULL".
 * NOUS_REQUIRE_ARG_HINT adds a hint (a literal: what the caller can do).
 * The test stays inline; nous_arg_is_null raises the error.
 */
NOUS_NORETURN extern void nous_arg_is_null(const char *what, const char *hint);

#define NOUS_REQUIRE_ARG_HINT(argno, what, hint) \
	do { \
		if (PG_ARGISNULL(argno)) \
			nous_arg_is_null(what, hint); \
	} while (0)

#define NOUS_REQUIRE_ARG(argno, what) NOUS_REQUIRE_ARG_HINT(argno, what, NULL)

/* ---- the catalogue ---- */

/*
 * The row of pg_extension named name: true and *owner, *schema set (either
 * may be NULL), or false when that extension is not installed.
 * (get_extension_schema is not exported before PostgreSQL 16.)
 */
extern bool nous_extension_row(const char *name, Oid *owner, Oid *schema);

#endif							/* NOUS_H */
