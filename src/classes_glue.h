/*
 * classes_glue.h — what the glue files of the classification family share
 * (classes*.c): argument checks, arrays and status reports.
 */
#ifndef NOUS_CLASSES_GLUE_H
#define NOUS_CLASSES_GLUE_H

#include "postgres.h"

#include "utils/array.h"

#include "classes.h"
#include "nous.h"

/*
 * The longest method name (bytes) a classification state keeps: the internal
 * state of nous.breaks and the stored nous.breaks_state.
 */
#define METHOD_MAXLEN 255

/* Error unless 1 <= k <= NOUS_BREAKS_KMAX. */
extern void classes_check_k(int32 k);
/* The method name of argument argno (text); an ERROR when it is NULL. */
extern text *classes_method_arg(FunctionCallInfo fcinfo, int argno);
/* Error unless v is finite; what names it. */
extern void classes_check_finite(double v, const char *what);
/* n doubles as a float8[] (huge allocation allowed). */
extern ArrayType *classes_doubles_to_array(const double *x, int64 n);
/* Report a core status of a break method (domain: range too large). */
extern void classes_method_status(nous_status st, const char *method);
/* Error unless natural breaks of n values in k classes stay within 1 GB. */
extern void classes_fisher_size_check(size_t n, int k, const char *what);
/* Error unless the working memory of natural breaks fits in work_mem. */
extern void classes_fisher_work_check(size_t m, int k);
/* The breaks (float8[]) of n sorted values in k classes by method m. */
extern ArrayType *classes_breaks_sorted(NousMethod *m, double *x, int64 n, int32 k);

#endif							/* NOUS_CLASSES_GLUE_H */
