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

#endif							/* NOUS_COMPAT_H */
