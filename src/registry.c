/*
 * registry.c — resolve a method name of a family to its registered function
 * (nous.method_catalog), check that the function may be called, and call it
 * a vector at a time.
 *
 * The catalogue is only a map from names to functions: nothing it says is
 * trusted.  Before a registered function is called, and again whenever a
 * function, schema or role changes (syscache invalidation) or the calling
 * role changes, the engine checks:
 *
 *   1. the signature, against the family's definition compiled in here (not
 *      against nous.method_families): argument and result types exactly,
 *      a plain function (prokind 'f', not set-returning), IMMUTABLE or
 *      STABLE, PARALLEL SAFE, not SECURITY DEFINER;
 *   2. trust: the function's owner is a superuser, the owner of the
 *      extension, a role listed in nous.trusted_method_owners (PGC_SUSET),
 *      or the calling role itself — otherwise the owner could replace the
 *      body (CREATE OR REPLACE keeps the OID) and run code with the rights of
 *      whoever calls the engine;
 *   3. EXECUTE on the function and USAGE on its schema for the calling role.
 *
 * Checks 2 and 3, and the setting nous.trusted_method_owners, are in
 * registry_trust.c.  Results of 1-3 are cached per backend, keyed by
 * (function, role, family), and dropped on any change to pg_proc,
 * pg_namespace, pg_authid, pg_auth_members or to nous.trusted_method_owners.  Registration
 * (nous.register_method, or a direct write to the table) runs check 1 in a
 * trigger: sql/10_registry.sql.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "nous.h"
#include "method_table.h"
#include "registry_glue.h"

/* ---- the families, as the engines call them ---- */

/* one argument or result type: a built-in type, or a type of schema nous */
typedef struct FamilyType
{
	Oid			oid;			/* built-in type, or InvalidOid */
	const char *nous_type;		/* name of a type in schema nous */
} FamilyType;

typedef struct FamilyDef
{
	const char *family;
	int			nargs;
	FamilyType	args[2];
	FamilyType	result;
	bool		params;			/* a trailing jsonb argument is allowed */
} FamilyDef;

#define BUILTIN_TYPE(o) {(o), NULL}
#define NOUS_TYPE(n) {InvalidOid, (n)}

/*
 * What the engines pass and expect: the C callers build exactly these
 * Datums, so these (not the rows of nous.method_families, which only
 * document them) decide what a method must look like.
 */
static const FamilyDef families[] = {
	{"normalisation", 1, {BUILTIN_TYPE(FLOAT8ARRAYOID)}, BUILTIN_TYPE(FLOAT8ARRAYOID), true},
	{"aggregation", 2, {BUILTIN_TYPE(FLOAT8ARRAYOID), BUILTIN_TYPE(FLOAT8ARRAYOID)},
	BUILTIN_TYPE(FLOAT8ARRAYOID), true},
	{"segregation", 1, {NOUS_TYPE("mixpairs")}, BUILTIN_TYPE(FLOAT8OID), true},
	{"multigroup_segregation", 1, {NOUS_TYPE("mixcounts")}, BUILTIN_TYPE(FLOAT8OID), true},
	{"flow_selection", 1, {NOUS_TYPE("flows")}, NOUS_TYPE("flows"), true},
	{"classification", 2, {BUILTIN_TYPE(FLOAT8ARRAYOID), BUILTIN_TYPE(INT4OID)},
	BUILTIN_TYPE(FLOAT8ARRAYOID), true},
};

static int
family_index(const char *family)
{
	int			i;

	for (i = 0; i < (int) lengthof(families); i++)
		if (strcmp(families[i].family, family) == 0)
			return i;
	return -1;
}

static const FamilyDef *
family_def(const char *family)
{
	int			i = family_index(family);

	if (i < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown method family \"%s\"", family),
				 errdetail("The families are those of the table nous.method_families, "
						   "as the engines of this version of nous call them.")));
	return &families[i];
}

static Oid
family_type_oid(const FamilyType *t)
{
	Oid			nsp;
	Oid			typ;

	if (OidIsValid(t->oid))
		return t->oid;
	nsp = get_namespace_oid("nous", false);
	typ = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
						  CStringGetDatum(t->nous_type), ObjectIdGetDatum(nsp));
	if (!OidIsValid(typ))
		elog(ERROR, "nous: type nous.%s does not exist", t->nous_type);
	return typ;
}

/* "(double precision[]) or (double precision[], jsonb)" */
static char *
family_signature_text(const FamilyDef *fam)
{
	StringInfoData buf;
	int			i;
	int			variant;

	initStringInfo(&buf);
	for (variant = 0; variant < (fam->params ? 2 : 1); variant++)
	{
		if (variant > 0)
			appendStringInfoString(&buf, " or ");
		appendStringInfoChar(&buf, '(');
		for (i = 0; i < fam->nargs; i++)
			appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
							 format_type_be(family_type_oid(&fam->args[i])));
		if (variant > 0)
			appendStringInfoString(&buf, ", jsonb");
		appendStringInfoChar(&buf, ')');
	}
	return buf.data;
}

/* ---- invalidation: one generation counter for every cached verdict ---- */

static uint64 registry_generation = 1;

/* Every cached verdict is to be checked again (a role, a function, a schema or the trusted owners changed). */
void
registry_invalidate(void)
{
	registry_generation++;
}

static void
registry_syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	registry_invalidate();
}

/* ---- check 1: the signature ---- */

/*
 * Check that fn has the signature of a method of fam; raise an error that
 * says what is wrong otherwise.  name is the method's registered name when
 * called at resolution (NULL at registration): the error then says how to
 * remove the registration.  Returns the function's pg_proc row, copied.
 */
static Form_pg_proc
check_signature(const FamilyDef *fam, Oid fn, const char *name, bool *takes_params)
{
	HeapTuple	tup;
	Form_pg_proc p;
	Form_pg_proc copy;
	char	   *fname;
	int			i;
	bool		ok;
	char		hint[512];

	hint[0] = '\0';
	if (name != NULL)
		snprintf(hint, sizeof(hint),
				 "The registration of %s method \"%s\" is refused at every call; "
				 "remove it with nous.unregister_method('%s', '%s') and register a function "
				 "that has the signature.", fam->family, name, fam->family, name);

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	if (!HeapTupleIsValid(tup))
	{
		if (name != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("%s method \"%s\" refers to a function that no longer exists",
							fam->family, name),
					 errdetail("The function registered under this name was dropped."),
					 errhint("Remove the entry with nous.unregister_method('%s', '%s') "
							 "and register the method again.", fam->family, name)));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function %u does not exist", fn)));
	}
	p = (Form_pg_proc) GETSTRUCT(tup);
	fname = format_procedure(fn);

	if (p->prokind != PROKIND_FUNCTION || p->proretset)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("%s cannot be a %s method", fname, fam->family),
				 errdetail("A method must be a plain function returning one value (not an aggregate, "
						   "a window function, a procedure or a set-returning function)."),
				 hint[0] ? errhint("%s", hint) : 0));

	ok = (p->pronargs == fam->nargs || (fam->params && p->pronargs == fam->nargs + 1));
	for (i = 0; ok && i < fam->nargs; i++)
		ok = p->proargtypes.values[i] == family_type_oid(&fam->args[i]);
	if (ok && p->pronargs == fam->nargs + 1)
		ok = p->proargtypes.values[fam->nargs] == JSONBOID;
	if (ok)
		ok = p->prorettype == family_type_oid(&fam->result);
	if (!ok)
	{
		StringInfoData got;

		initStringInfo(&got);
		for (i = 0; i < p->pronargs; i++)
			appendStringInfo(&got, "%s%s", i > 0 ? ", " : "",
							 format_type_be(p->proargtypes.values[i]));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("%s does not have the signature of a %s method", fname, fam->family),
				 errdetail("A %s method takes %s and returns %s; this function takes (%s) and returns %s.",
						   fam->family, family_signature_text(fam),
						   format_type_be(family_type_oid(&fam->result)),
						   got.data, format_type_be(p->prorettype)),
				 hint[0] ? errhint("%s", hint) : 0));
	}
	if (p->provolatile == PROVOLATILE_VOLATILE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("%s is VOLATILE", fname),
				 errdetail("Methods are called from STABLE functions and must give the same result "
						   "for the same input within a query."),
				 errhint("%s", hint[0] ? hint : "Declare the function IMMUTABLE or STABLE.")));
	if (p->proparallel != PROPARALLEL_SAFE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("%s is not PARALLEL SAFE", fname),
				 errdetail("Methods run inside parallel queries."),
				 errhint("%s", hint[0] ? hint :
						 "Declare the function PARALLEL SAFE if it is (no writes, no temporary tables, no cursors).")));
	if (p->prosecdef)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("%s is SECURITY DEFINER", fname),
				 errdetail("A method runs with the rights of the role that calls the engine; "
						   "a SECURITY DEFINER function would lend its owner's rights to every caller "
						   "of the method's name."),
				 errhint("%s", hint[0] ? hint : "Declare the function SECURITY INVOKER.")));

	*takes_params = (p->pronargs > fam->nargs);
	copy = palloc(sizeof(FormData_pg_proc));
	memcpy(copy, p, sizeof(FormData_pg_proc));
	ReleaseSysCache(tup);
	return copy;
}

/* ---- the cache of verdicts ---- */

typedef struct VerdictKey
{
	Oid			fn;
	Oid			role;
	int			family;
} VerdictKey;

typedef struct Verdict
{
	VerdictKey	key;
	uint64		generation;
	bool		takes_params;
	bool		extension_member;
} Verdict;

static HTAB *verdicts = NULL;

static void
registry_init_cache(void)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(VerdictKey);
	ctl.entrysize = sizeof(Verdict);
	ctl.hcxt = TopMemoryContext;
	verdicts = hash_create("nous method verdicts", 64, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * Run checks 1-3 for fn as method name of family, for the current role;
 * errors on any failure.  Returns whether the function takes the trailing
 * jsonb and whether it belongs to extension nous.
 */
static uint64
verify_method(const char *family, const char *name, Oid fn,
			  bool *takes_params, bool *extension_member)
{
	const FamilyDef *fam = family_def(family);
	Oid			role = GetUserId();
	VerdictKey	key;
	Verdict    *v;
	bool		found;
	Form_pg_proc p;
	char	   *fname;

	/*
	 * The state the checks are made in: an invalidation processed while
	 * they run (catalogue lookups take locks) leaves the verdict older than
	 * the next generation, so that it is checked again.
	 */
	uint64		generation = registry_generation;

	if (verdicts == NULL)
		registry_init_cache();
	memset(&key, 0, sizeof(key));
	key.fn = fn;
	key.role = role;
	key.family = family_index(family);
	v = hash_search(verdicts, &key, HASH_FIND, NULL);
	if (v != NULL && v->generation == registry_generation)
	{
		*takes_params = v->takes_params;
		*extension_member = v->extension_member;
		return generation;
	}

	p = check_signature(fam, fn, name, takes_params);
	fname = format_procedure(fn);
	registry_check_access(family, name, fn, fname, p->proowner, p->pronamespace, role);

	*extension_member = OidIsValid(get_extension_oid("nous", true)) &&
		getExtensionOfObject(ProcedureRelationId, fn) == get_extension_oid("nous", true);

	/* remember the verdict; the table stays small (one entry per function and role) */
	if (hash_get_num_entries(verdicts) >= 4096)
	{
		hash_destroy(verdicts);
		registry_init_cache();
	}
	v = hash_search(verdicts, &key, HASH_ENTER, &found);
	v->generation = generation;
	v->takes_params = *takes_params;
	v->extension_member = *extension_member;
	return generation;
}

void
nous_registry_init(void)
{
	registry_define_trust_guc();
	CacheRegisterSyscacheCallback(PROCOID, registry_syscache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, registry_syscache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, registry_syscache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, registry_syscache_callback, (Datum) 0);
}

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
	bool		takes_params;
	bool		extension_member;
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
		"SELECT c.function::pg_catalog.oid, c.builtin "
		"FROM nous.method_catalog c "
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
	SPI_finish();

	/* the row says which function; whether it may be called is decided here */
	m->checked_generation = verify_method(family, m->spec.name, fn, &takes_params,
										  &extension_member);

	m->fn = fn;
	/*
	 * the C fast paths of the engines serve only the extension's own
	 * functions, and only the methods of a family's descriptor table
	 * (method_table.h): the table, not the row, says what a built-in is
	 */
	m->builtin = builtin && extension_member &&
		nous_builtin_find(family, m->spec.name) != NULL;
	m->nleading = family_def(family)->nargs;
	m->takes_params = takes_params;
	m->nargs = m->nleading + (takes_params ? 1 : 0);
	m->checked_role = GetUserId();
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

/*
 * Check a resolved method again when something it depends on changed since
 * it was checked (a function, a schema, a role, the trusted owners) or
 * another role calls it (SET ROLE, SECURITY DEFINER callers, a refresh run
 * as the owner of a view).  Costs two comparisons otherwise.
 */
static void
recheck_method(NousMethod *m)
{
	bool		takes_params;
	bool		extension_member;
	uint64		generation;

	if (likely(m->checked_generation == registry_generation &&
			   m->checked_role == GetUserId()))
		return;
	generation = verify_method(m->family, m->spec.name, m->fn, &takes_params, &extension_member);
	if (takes_params != m->takes_params)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("the function of %s method \"%s\" changed during the query",
						m->family, m->spec.name)));
	/* the function may have been replaced: strictness, language, settings */
	fmgr_info_cxt(m->fn, &m->flinfo, m->flinfo.fn_mcxt);
	m->checked_role = GetUserId();
	m->checked_generation = generation;
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
	recheck_method(m);
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

Datum
nous_method_call_notnull(NousMethod *m, const Datum *args, int nargs,
						 const char *noun, const char *must_return)
{
	bool		isnull;
	Datum		result = nous_method_call(m, args, NULL, nargs, &isnull);

	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s method \"%s\" returned NULL", noun, m->spec.name),
				 errdetail("%s", must_return)));
	return result;
}

PG_FUNCTION_INFO_V1(nous_method_catalog_check);

/*
 * Trigger BEFORE INSERT OR UPDATE on nous.method_catalog: every row written,
 * by nous.register_method or directly, names a function with the signature
 * of its family (check 1); only functions of extension nous may be marked
 * built-in.  Trust and privileges are checked when the method is called.
 */
Datum
nous_method_catalog_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	row;
	TupleDesc	desc;
	Datum		d;
	bool		isnull;
	char	   *family;
	Oid			fn;
	bool		builtin;
	bool		takes_params;
	Oid			ext;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("nous.method_catalog_check() must be called as a BEFORE ROW trigger")));
	row = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	desc = trigdata->tg_relation->rd_att;

	d = heap_getattr(row, SPI_fnumber(desc, "family"), desc, &isnull);
	if (isnull)
		PG_RETURN_POINTER(row);	/* NOT NULL reports it */
	family = TextDatumGetCString(d);
	d = heap_getattr(row, SPI_fnumber(desc, "function"), desc, &isnull);
	if (isnull)
		PG_RETURN_POINTER(row);
	fn = DatumGetObjectId(d);
	d = heap_getattr(row, SPI_fnumber(desc, "builtin"), desc, &isnull);
	builtin = !isnull && DatumGetBool(d);

	pfree(check_signature(family_def(family), fn, NULL, &takes_params));
	ext = get_extension_oid("nous", true);
	if (builtin && (!OidIsValid(ext) || getExtensionOfObject(ProcedureRelationId, fn) != ext))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s cannot be registered as a built-in method", format_procedure(fn)),
				 errdetail("Only the functions of extension nous are built-in methods."),
				 errhint("Register it with builtin = false (the default).")));
	PG_RETURN_POINTER(row);
}
