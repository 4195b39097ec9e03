/*
 * registry_glue.h — between the two files of the method registry:
 * registry.c (families, resolution, the cache of verdicts, calls) and
 * registry_trust.c (checks 2 and 3: trusted owners, privileges).
 */
#ifndef NOUS_REGISTRY_GLUE_H
#define NOUS_REGISTRY_GLUE_H

/* registry.c: every cached verdict is to be checked again */
extern void registry_invalidate(void);

/* registry_trust.c */
extern void registry_define_trust_guc(void);
extern void registry_check_access(const char *family, const char *name, Oid fn,
								  const char *fname, Oid owner_oid, Oid nsp, Oid role);

#endif
