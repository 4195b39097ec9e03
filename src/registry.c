/*
 * registry.c — resolve a method name of a family to its registered function
 * (nous.method_catalog) and call it a vector at a time.
 *
 * Registration itself (nous.register_method) is SQL: sql/10_registry.sql.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "nous.h"

/* The registered names of a family, comma-separated, for error details. */
static char *
family_names(const char *family)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	char	   *result = NULL;
	int			ret;

	args[0] = CStringGetTextDatum(family);
	ret = SPI_execute_with_args(
		"SELECT pg_catalog.string_agg(name, ', ' ORDER BY name) "
		"FROM nous.method_catalog WHERE family OPERATOR(pg_catalog.=) $1",
		1, argtypes, args, NULL, true, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
		result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return result ? result : "(none)";
}

/* Build the jsonb object of a parsed specification's parameters. */
static Datum
spec_params_jsonb(const nous_method_spec *spec)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < spec->nparams; i++)
	{
		const nous_spec_param *p = &spec->params[i];

		if (i > 0)
			appendStringInfoString(&buf, ", ");
		/* keys and values are restricted to [A-Za-z0-9_.+-]: no escaping */
		if (p->is_number)
			appendStringInfo(&buf, "\"%s\": %.17g", p->key, p->number);
		else
			appendStringInfo(&buf, "\"%s\": \"%s\"", p->key, p->value);
	}
	appendStringInfoChar(&buf, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

void
nous_method_resolve(const char *family, const char *spec_text,
					MemoryContext mcxt, NousMethod *m)
{
	char		err[256];
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	int			ret;
	bool		isnull;
	Oid			fn = InvalidOid;
	bool		builtin = false;
	int			pronargs = -1;
	int			nleading;
	MemoryContext old;

	memset(m, 0, sizeof(*m));
	strlcpy(m->family, family, sizeof(m->family));
	strlcpy(m->spec_text, spec_text, sizeof(m->spec_text));
	if (strlen(spec_text) >= sizeof(m->spec_text))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s method specification is too long", family),
				 errdetail("It has %d bytes; at most %d are allowed.",
						   (int) strlen(spec_text), (int) sizeof(m->spec_text) - 1)));
	if (nous_parse_method_spec(spec_text, &m->spec, err, sizeof(err)) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid %s method specification \"%s\"", family, spec_text),
				 errdetail("%s", err),
				 errhint("Write a method name, optionally followed by parameters: "
						 "'rank(ties=min)'.")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "nous: SPI_connect failed");
	args[0] = CStringGetTextDatum(family);
	args[1] = CStringGetTextDatum(m->spec.name);
	ret = SPI_execute_with_args(
		"SELECT c.function::pg_catalog.oid, c.builtin, p.pronargs::pg_catalog.int4, "
		"       pg_catalog.cardinality(f.arg_types) "
		"FROM nous.method_catalog c "
		"JOIN nous.method_families f ON f.family OPERATOR(pg_catalog.=) c.family "
		"LEFT JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) c.function::pg_catalog.oid "
		"WHERE c.family OPERATOR(pg_catalog.=) $1 AND c.name OPERATOR(pg_catalog.=) $2",
		2, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "nous: registry lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		char	   *names = family_names(family);

		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("unknown %s method \"%s\"", family, m->spec.name),
				 errdetail("The registered %s methods are: %s.", family, names),
				 errhint("See the view nous.methods; add a method with nous.register_method().")));
	}
	fn = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	builtin = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	nleading = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
	pronargs = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("%s method \"%s\" refers to a function that no longer exists",
						family, m->spec.name),
				 errdetail("The function registered under this name was dropped."),
				 errhint("Remove the entry with nous.unregister_method('%s', '%s') "
						 "and register the method again.", family, m->spec.name)));
	SPI_finish();

	m->fn = fn;
	m->builtin = builtin;
	m->nargs = pronargs;
	m->nleading = nleading;
	/* registration allows the family's arguments, or those plus jsonb */
	m->takes_params = (pronargs > nleading);
	if (!m->takes_params && m->spec.nparams > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s method \"%s\" takes no parameters", family, m->spec.name),
				 errdetail("The specification \"%s\" gives %d.", spec_text, m->spec.nparams)));
	old = MemoryContextSwitchTo(mcxt);
	if (m->takes_params)
		m->params = spec_params_jsonb(&m->spec);
	fmgr_info_cxt(fn, &m->flinfo, mcxt);
	MemoryContextSwitchTo(old);
}

Datum
nous_method_call(NousMethod *m, const Datum *args, const bool *argnulls,
				 int nargs, bool *isnull)
{
	LOCAL_FCINFO(fcinfo, FUNC_MAX_ARGS);
	Datum		result;
	int			i;

	if (nargs != m->nleading)
		elog(ERROR, "nous: method \"%s\" called with %d arguments, family has %d",
			 m->spec.name, nargs, m->nleading);
	InitFunctionCallInfoData(*fcinfo, &m->flinfo, nargs + (m->takes_params ? 1 : 0),
							 InvalidOid, NULL, NULL);
	for (i = 0; i < nargs; i++)
	{
		fcinfo->args[i].value = args[i];
		fcinfo->args[i].isnull = argnulls != NULL && argnulls[i];
	}
	if (m->takes_params)
	{
		fcinfo->args[nargs].value = m->params;
		fcinfo->args[nargs].isnull = false;
	}
	/* a strict method called with a NULL argument returns NULL */
	if (m->flinfo.fn_strict)
		for (i = 0; i < nargs; i++)
			if (fcinfo->args[i].isnull)
			{
				*isnull = true;
				return (Datum) 0;
			}
	result = FunctionCallInvoke(fcinfo);
	*isnull = fcinfo->isnull;
	return result;
}

Datum
nous_method_call1(NousMethod *m, Datum arg1, bool *isnull)
{
	bool		argnull = false;

	return nous_method_call(m, &arg1, &argnull, 1, isnull);
}
