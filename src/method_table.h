/*
 * method_table.h — the built-in methods of nous, one descriptor table per
 * method family (normalisation: src/normalise.c, aggregation:
 * src/index_methods.c, classification: src/classes_methods.c).
 *
 * A descriptor says everything a caller needs to know about a built-in:
 * its name, the parameters it accepts with their kind, range and default,
 * the core function that computes it (through a typed apply function of the
 * family) and, for the normalisations, the centre of its scale about which
 * polarity -1 reflects.  The SQL entry points (nous.normalise_<name>, …),
 * the engines' C fast paths (nous.normalise, nous.composite, nous.breaks),
 * the registry (which only takes a built-in fast path for a name of the
 * table) and the documentation check (nous.builtin_methods(), compared with
 * nous.methods by test/sql/normalise.sql) all read the same tables:
 * "what does zscore accept" has one answer.
 *
 * Names in the glue of the index, normalise and classes files: the C
 * function of an SQL function nous.<name> is nous_<name>, or nous_<name>_sql
 * when a core function (src/core/) already has that name (the core keeps
 * nous_<name> for the mathematics); one written-out function per SQL
 * function (no macro-generated names); helpers shared between the files of
 * a module carry its prefix (index_*, classes_*, cagg_*).  The 0.1.0 names
 * pg_nous_* stay exported as aliases (sql/released/nous--0.1.0.sql).
 */
#ifndef NOUS_METHOD_TABLE_H
#define NOUS_METHOD_TABLE_H

#include "postgres.h"

#include "utils/jsonb.h"

#define NOUS_BUILTIN_MAX_PARAMS 4

typedef enum NousParamKind
{
	NOUS_PARAM_NONE = 0,		/* end of the list */
	NOUS_PARAM_NUMBER,			/* a finite number within [lo, hi] */
	NOUS_PARAM_INTEGER,			/* a whole number within [lo, hi] */
	NOUS_PARAM_WORD,			/* one of words (separated by '|') */
	NOUS_PARAM_BOOL				/* true/false (jsonb or the words true/false/yes/no) */
} NousParamKind;

typedef struct NousParamDesc
{
	const char *name;
	NousParamKind kind;
	double		dflt;			/* default; for a word, the index of the default word */
	double		lo,
				hi;				/* range of a number (inclusive unless *_open) */
	bool		lo_open,
				hi_open;
	const char *words;			/* WORD: "sample|population"; index = the core enum */
	const char *rule;			/* what a bad value breaks: "must be in [0, 0.5)" */
	const char *detail;			/* errdetail of a bad value (NULL: "It is <value>.") */
	const char *dflt_text;		/* the default in words when not a constant */
} NousParamDesc;

/* The part every family's descriptor shares (first member of each). */
typedef struct NousBuiltin
{
	const char *name;
	NousParamDesc params[NOUS_BUILTIN_MAX_PARAMS + 1];	/* ends with kind NONE */
	double		centre;			/* normalisations: centre of the scale (NAN: computed) */
	const char *core;			/* the core function, for the reader and the docs */
} NousBuiltin;

/* Initializers of parameter descriptors, one place for the shared ones. */
#define NOUS_P_END {NULL, NOUS_PARAM_NONE, 0, 0, 0, false, false, NULL, NULL, NULL, NULL}
#define NOUS_P_RANGE(name, kind, dflt, lo, hi, lo_open, hi_open, rule, detail) \
	{(name), (kind), (dflt), (lo), (hi), (lo_open), (hi_open), NULL, (rule), (detail), NULL}
#define NOUS_P_ANY(name, dflt, dflt_text) \
	{(name), NOUS_PARAM_NUMBER, (dflt), -INFINITY, INFINITY, false, false, NULL, NULL, NULL, (dflt_text)}
#define NOUS_P_BOOL(name, dflt) \
	{(name), NOUS_PARAM_BOOL, (dflt), 0, 0, false, false, NULL, NULL, NULL, NULL}
#define NOUS_P_WORD(name, words, dflt, detail) \
	{(name), NOUS_PARAM_WORD, (dflt), 0, 0, false, false, (words), NULL, (detail), NULL}
/* sd: the word's index is nous_sd_kind; ties: nous_ties (core/normalise.h) */
#define NOUS_P_SD(dflt) NOUS_P_WORD("sd", "population|sample", (dflt), \
	"Use sample (divide by n - 1) or population (divide by n).")
#define NOUS_P_TIES NOUS_P_WORD("ties", "average|min|max|dense|first", NOUS_TIES_AVERAGE, NULL)

/* A family's table: entries of elem_size bytes, each starting with a NousBuiltin. */
typedef struct NousBuiltinTable
{
	const char *family;
	const void *entries;
	int			count;
	size_t		elem_size;
} NousBuiltinTable;

extern const NousBuiltinTable nous_normalisation_table;
extern const NousBuiltinTable nous_aggregation_table;
extern const NousBuiltinTable nous_classification_table;

/* The descriptor of a built-in of family, or NULL (also for an unknown family). */
extern const NousBuiltin *nous_builtin_find(const char *family, const char *name);

/*
 * Check params (NULL or a jsonb object) against the descriptor: only known
 * keys, each of its kind and within its range.  Errors are 22023 with a
 * detail giving the value or the accepted words.
 */
extern void nous_builtin_check(const NousBuiltin *b, Jsonb *params);

/* Values of checked parameters, the descriptor's default when absent. */
extern double nous_builtin_number(const NousBuiltin *b, Jsonb *params,
								  const char *key, bool *given);
extern int	nous_builtin_word(const NousBuiltin *b, Jsonb *params, const char *key);
extern bool nous_builtin_bool(const NousBuiltin *b, Jsonb *params, const char *key);

/* The engines' fast paths (params checked against the descriptor here). */
extern void nous_normalise_apply(const NousBuiltin *b, Jsonb *params, double *x,
								 const bool *present, int n, double *centre);
extern void nous_aggregate_apply(const NousBuiltin *b, Jsonb *params,
								 const double *x, const bool *present, int n,
								 int k, const double *w, double *out, bool *outp);

/* The jsonb params of a resolved method, or NULL when it takes none. */
#define NOUS_METHOD_PARAMS(m) ((m)->takes_params ? DatumGetJsonbP((m)->params) : NULL)

#endif							/* NOUS_METHOD_TABLE_H */
