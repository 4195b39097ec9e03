/*
 * compat.h — every difference between the PostgreSQL majors nous builds
 * against (15, 17, 18), in one place, guarded on PG_VERSION_NUM.  Glue files
 * use these macros, never a version test of their own.
 */
#ifndef NOUS_COMPAT_H
#define NOUS_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "nous needs PostgreSQL 15 or later"
#endif

/*
 * A function that does not return (it raises an ERROR).  PostgreSQL 18
 * replaced the postfix pg_attribute_noreturn() by the prefix pg_noreturn
 * (C11 _Noreturn); NOUS_NORETURN stands first in the declaration on every
 * version: "NOUS_NORETURN static void f(void);".
 */
#if PG_VERSION_NUM >= 180000
#define NOUS_NORETURN pg_noreturn
#else
#define NOUS_NORETURN pg_attribute_noreturn()
#endif

/*
 * pq_sendcountedtext(buf, str, slen): PostgreSQL 17 dropped the last
 * argument (countincludesself, always false for us).
 */
#if PG_VERSION_NUM >= 170000
#define nous_sendcountedtext(buf, str, slen) pq_sendcountedtext((buf), (str), (slen))
#else
#define nous_sendcountedtext(buf, str, slen) pq_sendcountedtext((buf), (str), (slen), false)
#endif

/*
 * EXECUTE on a function and USAGE on a schema for a role (an AclResult):
 * PostgreSQL 16 replaced pg_proc_aclcheck and pg_namespace_aclcheck by
 * object_aclcheck.  The caller includes utils/acl.h, catalog/pg_proc.h and
 * catalog/pg_namespace.h.
 */
#if PG_VERSION_NUM >= 160000
#define nous_proc_aclcheck(fn, role, mode) object_aclcheck(ProcedureRelationId, (fn), (role), (mode))
#define nous_namespace_aclcheck(nsp, role, mode) object_aclcheck(NamespaceRelationId, (nsp), (role), (mode))
#else
#define nous_proc_aclcheck(fn, role, mode) pg_proc_aclcheck((fn), (role), (mode))
#define nous_namespace_aclcheck(nsp, role, mode) pg_namespace_aclcheck((nsp), (role), (mode))
#endif

#endif							/* NOUS_COMPAT_H */
