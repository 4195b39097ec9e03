/*
 * unit.h — a minimal harness for the unit tests of src/core.
 *
 * Each test/unit/test_<module>.c is its own program: it defines test
 * functions with TEST(), runs them from main() with RUN(), and ends with
 * UNIT_END(), which prints "<file>: N passed, M failed" and returns non-zero
 * when a check failed.  A check counts once: CHECK_* macros record a pass or
 * a failure (with file, line and the values involved) and go on.
 */
#ifndef NOUS_UNIT_H
#define NOUS_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int	unit_passed = 0;
static int	unit_failed = 0;

#define TEST(name) static void name(void)
#define RUN(name) \
	do { int f0_ = unit_failed; name(); \
		 if (unit_failed != f0_) fprintf(stderr, "  in %s\n", #name); } while (0)

#define UNIT_FAIL(...) \
	do { unit_failed++; fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
		 fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } while (0)

#define CHECK(cond) \
	do { if (cond) unit_passed++; else UNIT_FAIL("check failed: %s", #cond); } while (0)

#define CHECK_INT(got, want) \
	do { long long g_ = (long long) (got), w_ = (long long) (want); \
		 if (g_ == w_) unit_passed++; \
		 else UNIT_FAIL("%s = %lld, expected %lld", #got, g_, w_); } while (0)

/* |got - want| <= tol * max(1, |want|): relative for large, absolute near 0 */
#define CHECK_NEAR(got, want, tol) \
	do { double g_ = (got), w_ = (want); \
		 double s_ = fabs(w_) > 1.0 ? fabs(w_) : 1.0; \
		 if (fabs(g_ - w_) <= (tol) * s_) unit_passed++; \
		 else UNIT_FAIL("%s = %.17g, expected %.17g (tol %g)", #got, g_, w_, (double) (tol)); } while (0)

#define CHECK_NAN(got) \
	do { double g_ = (got); if (isnan(g_)) unit_passed++; \
		 else UNIT_FAIL("%s = %.17g, expected NaN", #got, g_); } while (0)

#define CHECK_STR(got, want) \
	do { const char *g_ = (got), *w_ = (want); \
		 if (g_ != NULL && strcmp(g_, w_) == 0) unit_passed++; \
		 else UNIT_FAIL("%s = \"%s\", expected \"%s\"", #got, g_ ? g_ : "(null)", w_); } while (0)

#define UNIT_END() \
	do { printf("%s: %d passed, %d failed\n", __FILE__, unit_passed, unit_failed); \
		 return unit_failed == 0 ? 0 : 1; } while (0)

#endif							/* NOUS_UNIT_H */
