/*
 * registry_trust.c — checks 2 and 3 of the method registry (registry.c):
 * whom a registered function may belong to, and what the calling role may
 * use.
 *
 *   2. trust: the function's owner is a superuser, the owner of the
 *      extension, a role listed in nous.trusted_method_owners (PGC_SUSET),
 *      or the calling role itself;
 *   3. EXECUTE on the function and USAGE on its schema for the calling role.
 *
 * A change of nous.trusted_method_owners drops every cached verdict
 * (registry_invalidate).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "nous.h"
#include "registry_glue.h"

/* ---- nous.trusted_method_owners ---- */

static char *trusted_method_owners = NULL;

static bool
check_trusted_owners(char **newval, void **extra, GucSource source)
{
	char	   *raw;
	List	   *names;
	bool		ok;

	(void) extra;
	(void) source;
	raw = pstrdup(*newval);
	ok = SplitIdentifierString(raw, ',', &names);
	if (!ok)
		GUC_check_errdetail("List syntax is invalid: give role names separated by commas.");
	list_free(names);
	pfree(raw);
	return ok;
}

static void
assign_trusted_owners(const char *newval, void *extra)
{
	(void) newval;
	(void) extra;
	registry_invalidate();
}

/* Whether role is listed by name in nous.trusted_method_owners (not its members). */
static bool
listed_trusted_owner(Oid role)
{
	char	   *raw;
	List	   *names;
	ListCell   *lc;
	bool		found = false;

	if (trusted_method_owners == NULL || trusted_method_owners[0] == '\0')
		return false;
	raw = pstrdup(trusted_method_owners);
	if (!SplitIdentifierString(raw, ',', &names))
		return false;			/* cannot happen: the check hook parsed it */
	foreach(lc, names)
	{
		if (get_role_oid((const char *) lfirst(lc), true) == role)
		{
			found = true;
			break;
		}
	}
	list_free(names);
	pfree(raw);
	return found;
}

/* The owner of extension nous (InvalidOid while it is not installed). */
static Oid
extension_owner(void)
{
	Oid			owner = InvalidOid;

	nous_extension_row("nous", &owner, NULL);
	return owner;
}

/*
 * Whether the functions owned by role may run for any caller: a superuser,
 * the owner of the extension (it owns every nous function already), or a
 * role a superuser listed in nous.trusted_method_owners.
 */
static bool
owner_trusted(Oid role)
{
	return superuser_arg(role) || role == extension_owner() || listed_trusted_owner(role);
}

/* Defines nous.trusted_method_owners (at library load). */
void
registry_define_trust_guc(void)
{
	DefineCustomStringVariable("nous.trusted_method_owners",
							   "Roles whose functions registered as methods run for every caller.",
							   "Besides superusers and the owner of extension nous.  Role names, comma-separated; "
							   "members of a listed role are not trusted unless listed.",
							   &trusted_method_owners,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_trusted_owners, assign_trusted_owners, NULL);
}

/*
 * Checks 2 and 3 for function fn (owned by owner_oid, in schema nsp, named
 * fname for messages), registered as method name of family, called by role:
 * an ERROR (42501) with a DETAIL when one fails.
 */
void
registry_check_access(const char *family, const char *name, Oid fn, const char *fname,
					  Oid owner_oid, Oid nsp, Oid role)
{
	if (owner_oid != role && !owner_trusted(owner_oid))
	{
		char	   *owner = GetUserNameFromId(owner_oid, true);
		char	   *caller = GetUserNameFromId(role, true);

		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s method \"%s\" is owned by role \"%s\", which is not trusted",
						family, name, owner ? owner : "?"),
				 errdetail("The function %s runs with the rights of the calling role \"%s\"; "
						   "a method runs for other roles than its owner only when a superuser, "
						   "the owner of extension nous or a role listed in nous.trusted_method_owners owns it.",
						   fname, caller ? caller : "?"),
				 errhint("A superuser may trust the role: ALTER DATABASE ... SET nous.trusted_method_owners = '%s' "
						 "(its members can then act as it), or make a trusted role own the function.",
						 owner ? owner : "?")));
	}
	if (nous_namespace_aclcheck(nsp, role, ACL_USAGE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for schema %s", get_namespace_name(nsp)),
				 errdetail("%s method \"%s\" calls the function %s, in a schema the role \"%s\" may not use.",
						   family, name, fname, GetUserNameFromId(role, true))));
	if (nous_proc_aclcheck(fn, role, ACL_EXECUTE) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for function %s", fname),
				 errdetail("%s method \"%s\" calls this function; the role \"%s\" may not execute it.",
						   family, name, GetUserNameFromId(role, true))));
}

PG_FUNCTION_INFO_V1(nous_method_owner_trusted);

/*
 * nous.method_owner_trusted(fn regprocedure) -> boolean: whether the owner
 * of fn is trusted (a superuser, the owner of the extension or a role
 * listed in nous.trusted_method_owners), i.e. whether a method registered
 * with fn runs for every role that may execute it, not only for its owner.
 */
Datum
nous_method_owner_trusted(PG_FUNCTION_ARGS)
{
	Oid			fn = PG_GETARG_OID(0);
	HeapTuple	tup;
	Oid			owner;

	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	if (!HeapTupleIsValid(tup))
		PG_RETURN_NULL();
	owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
	ReleaseSysCache(tup);
	PG_RETURN_BOOL(owner_trusted(owner));
}
