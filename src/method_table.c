/*
 * method_table.c — reading the descriptor tables of the built-in methods
 * (method_table.h): lookup, parameter checks and values, and the SQL view of
 * the tables, nous.builtin_methods() (sql/20_normalise.sql).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "nous.h"
#include "method_table.h"

static const NousBuiltinTable *const tables[] = {
	&nous_normalisation_table,
	&nous_aggregation_table,
	&nous_classification_table,
};

static const NousBuiltin *
table_entry(const NousBuiltinTable *t, int i)
{
	return (const NousBuiltin *) ((const char *) t->entries + (size_t) i * t->elem_size);
}

const NousBuiltin *
nous_builtin_find(const char *family, const char *name)
{
	for (int t = 0; t < (int) lengthof(tables); t++)
	{
		if (strcmp(tables[t]->family, family) != 0)
			continue;
		for (int i = 0; i < tables[t]->count; i++)
			if (strcmp(table_entry(tables[t], i)->name, name) == 0)
				return table_entry(tables[t], i);
	}
	return NULL;
}

static const NousParamDesc *
param_desc(const NousBuiltin *b, const char *key)
{
	for (const NousParamDesc *p = b->params; p->kind != NOUS_PARAM_NONE; p++)
		if (strcmp(p->name, key) == 0)
			return p;
	elog(ERROR, "nous: method \"%s\" has no parameter \"%s\"", b->name, key);
	return NULL;				/* not reached */
}

/* Index of word w in the '|'-separated list, or -1. */
static int
word_index(const char *words, const char *w)
{
	const char *s = words;
	size_t		len = strlen(w);

	for (int i = 0; *s != '\0'; i++)
	{
		const char *bar = strchr(s, '|');
		size_t		l = bar ? (size_t) (bar - s) : strlen(s);

		if (l == len && strncmp(s, w, l) == 0)
			return i;
		if (bar == NULL)
			break;
		s = bar + 1;
	}
	return -1;
}

/* "a, b or c" from "a|b|c" */
static char *
words_text(const char *words)
{
	StringInfoData buf;
	const char *last = strrchr(words, '|');

	initStringInfo(&buf);
	for (const char *s = words; *s; s++)
	{
		if (*s != '|')
			appendStringInfoChar(&buf, *s);
		else
			appendStringInfoString(&buf, s == last ? " or " : ", ");
	}
	return buf.data;
}

static JsonbValue *
param_value(Jsonb *params, const char *key)
{
	if (params == NULL)
		return NULL;
	return getKeyJsonValueFromContainer(&params->root, key, strlen(key), NULL);
}

/* -1 when absent, else 0/1; an error when not a boolean. */
static int
bool_value(Jsonb *params, const char *method, const char *key)
{
	JsonbValue *v = param_value(params, key);

	if (v == NULL)
		return -1;
	if (v->type == jbvBool)
		return v->val.boolean ? 1 : 0;
	if (v->type == jbvString)
	{
		char	   *w = pnstrdup(v->val.string.val, v->val.string.len);

		if (strcmp(w, "true") == 0 || strcmp(w, "yes") == 0)
			return 1;
		if (strcmp(w, "false") == 0 || strcmp(w, "no") == 0)
			return 0;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("parameter \"%s\" of method \"%s\" must be true or false", key, method),
			 errdetail("Write %s=true or %s=false (yes and no are accepted).", key, key)));
	return -1;					/* not reached */
}

static bool
in_range(const NousParamDesc *p, double v)
{
	if (p->kind == NOUS_PARAM_INTEGER && v != floor(v))
		return false;
	if (p->lo_open ? !(v > p->lo) : !(v >= p->lo))
		return false;
	if (p->hi_open ? !(v < p->hi) : !(v <= p->hi))
		return false;
	return true;
}

static void
check_one(const NousBuiltin *b, const NousParamDesc *p, Jsonb *params)
{
	double		v;
	char	   *w;

	switch (p->kind)
	{
		case NOUS_PARAM_NUMBER:
		case NOUS_PARAM_INTEGER:
			if (nous_params_number(params, b->name, p->name, &v) && !in_range(p, v))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("parameter \"%s\" of method \"%s\" %s", p->name, b->name, p->rule),
						 p->detail ? errdetail("It is %g. %s", v, p->detail) :
						 errdetail("It is %g.", v)));
			break;
		case NOUS_PARAM_WORD:
			w = nous_params_word(params, b->name, p->name);
			if (w != NULL && word_index(p->words, w) < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value \"%s\" for parameter \"%s\" of method \"%s\"",
								w, p->name, b->name),
						 p->detail ? errdetail("%s", p->detail) :
						 errdetail("Use %s.", words_text(p->words))));
			break;
		case NOUS_PARAM_BOOL:
			(void) bool_value(params, b->name, p->name);
			break;
		case NOUS_PARAM_NONE:
			break;
	}
}

void
nous_builtin_check(const NousBuiltin *b, Jsonb *params)
{
	const char *allowed[NOUS_BUILTIN_MAX_PARAMS + 1];
	int			n = 0;

	for (const NousParamDesc *p = b->params; p->kind != NOUS_PARAM_NONE; p++)
		allowed[n++] = p->name;
	allowed[n] = NULL;
	nous_params_check(params, b->name, allowed);
	for (const NousParamDesc *p = b->params; p->kind != NOUS_PARAM_NONE; p++)
		check_one(b, p, params);
}

double
nous_builtin_number(const NousBuiltin *b, Jsonb *params, const char *key, bool *given)
{
	const NousParamDesc *p = param_desc(b, key);
	double		v = p->dflt;
	bool		g = nous_params_number(params, b->name, key, &v);

	if (given)
		*given = g;
	return g ? v : p->dflt;
}

int
nous_builtin_word(const NousBuiltin *b, Jsonb *params, const char *key)
{
	const NousParamDesc *p = param_desc(b, key);
	char	   *w = nous_params_word(params, b->name, key);

	return w == NULL ? (int) p->dflt : word_index(p->words, w);
}

bool
nous_builtin_bool(const NousBuiltin *b, Jsonb *params, const char *key)
{
	const NousParamDesc *p = param_desc(b, key);
	int			v = bool_value(params, b->name, key);

	return v < 0 ? p->dflt != 0.0 : v == 1;
}

/* ---- nous.builtin_methods(): the tables as rows ---- */

/* "p in [0, 0.5), default 0.05", "sd in population|sample, default sample" */
static char *
param_text(const NousParamDesc *p)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, p->name);
	switch (p->kind)
	{
		case NOUS_PARAM_WORD:
			appendStringInfo(&buf, " in %s, default ", p->words);
			for (int i = 0, w = 0; p->words[i] != '\0'; i++)
			{
				if (p->words[i] == '|')
					w++;
				else if (w == (int) p->dflt)
					appendStringInfoChar(&buf, p->words[i]);
			}
			break;
		case NOUS_PARAM_BOOL:
			appendStringInfo(&buf, " in true|false, default %s", p->dflt != 0.0 ? "true" : "false");
			break;
		default:
			if (isinf(p->lo) && isinf(p->hi))
				appendStringInfoString(&buf, " any number");
			else
				appendStringInfo(&buf, " in %s%g, %g%s%s", p->lo_open ? "(" : "[",
								 p->lo, p->hi, p->hi_open ? ")" : "]",
								 p->kind == NOUS_PARAM_INTEGER ? " (integer)" : "");
			if (p->dflt_text)
				appendStringInfo(&buf, ", default %s", p->dflt_text);
			else
				appendStringInfo(&buf, ", default %g", p->dflt);
			break;
	}
	return buf.data;
}

PG_FUNCTION_INFO_V1(nous_builtin_methods);

/*
 * nous.builtin_methods() → (family, name, parameters text[], centre float8,
 * core text): every built-in method as its descriptor table gives it.
 */
Datum
nous_builtin_methods(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int t = 0; t < (int) lengthof(tables); t++)
		for (int i = 0; i < tables[t]->count; i++)
		{
			const NousBuiltin *b = table_entry(tables[t], i);
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};
			Datum		pars[NOUS_BUILTIN_MAX_PARAMS];
			int			np = 0;

			for (const NousParamDesc *p = b->params; p->kind != NOUS_PARAM_NONE; p++)
				pars[np++] = CStringGetTextDatum(param_text(p));
			values[0] = CStringGetTextDatum(tables[t]->family);
			values[1] = CStringGetTextDatum(b->name);
			values[2] = PointerGetDatum(construct_array(pars, np, TEXTOID, -1, false, TYPALIGN_INT));
			values[3] = Float8GetDatum(b->centre);
			nulls[3] = isnan(b->centre) || strcmp(tables[t]->family, "normalisation") != 0;
			values[4] = CStringGetTextDatum(b->core);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	return (Datum) 0;
}
