/*
 * nous_core.h — what every pure-C core module of nous shares.
 *
 * The files of src/core/ hold the mathematics and include no server header:
 * they are unit-tested and fuzzed on their own (test/unit, test/fuzz).  They
 * never call malloc or free directly and never print: memory comes from
 * nous_alloc()/nous_free(), which the server glue points at palloc/pfree, and
 * failures are returned as a nous_status that the glue turns into an ereport
 * with a SQLSTATE.  Long loops call NOUS_CHECK_INTERRUPTS() so that a query
 * cancel reaches them inside the server.
 */
#ifndef NOUS_CORE_H
#define NOUS_CORE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef enum nous_status
{
	NOUS_OK = 0,
	NOUS_ERR_EMPTY,				/* no element where at least one is needed */
	NOUS_ERR_NONFINITE,			/* NaN or +/-Infinity in the input */
	NOUS_ERR_LENGTH,			/* arrays of mismatched lengths */
	NOUS_ERR_PARAM,				/* a method parameter is missing or invalid */
	NOUS_ERR_SYNTAX,			/* a method specification does not parse */
	NOUS_ERR_DOMAIN,			/* a value outside the domain of the method */
	NOUS_ERR_NOMEM,				/* the allocator returned NULL (unit tests) */
	NOUS_ERR_LIMIT				/* more results than the caller's limit allows */
} nous_status;

/* A short English phrase for a status, for messages and tests. */
extern const char *nous_status_text(nous_status st);

/* Allocation hooks: malloc/free by default, palloc/pfree in the server. */
extern void *(*nous_alloc_hook) (size_t size);
extern void (*nous_free_hook) (void *ptr);
extern void (*nous_interrupt_hook) (void);

static inline void *
nous_alloc(size_t size)
{
	return nous_alloc_hook(size == 0 ? 1 : size);
}

static inline void
nous_free(void *ptr)
{
	if (ptr != NULL)
		nous_free_hook(ptr);
}

/*
 * Element i of an unaligned array in a stored format (machine byte order):
 * the readers of the flat images (flows, mix records) go through these.
 */
static inline int32_t
nous_rd_i32(const unsigned char *p, size_t i)
{
	int32_t		x;

	memcpy(&x, p + i * 4, 4);
	return x;
}

static inline uint32_t
nous_rd_u32(const unsigned char *p, size_t i)
{
	uint32_t	x;

	memcpy(&x, p + i * 4, 4);
	return x;
}

static inline double
nous_rd_f64(const unsigned char *p, size_t i)
{
	double		x;

	memcpy(&x, p + i * 8, 8);
	return x;
}

/*
 * One pass of an LSD radix sort: count[0..nb) holds how many keys have each
 * digit; turn it into the first output position of each digit.  True when
 * one digit holds all n keys (the pass would move nothing: skip it).
 */
extern bool nous_radix_offsets(size_t *count, size_t nb, size_t n);

/* Called every NOUS_INTERRUPT_EVERY iterations of a long loop. */
#define NOUS_INTERRUPT_EVERY 65536
#define NOUS_CHECK_INTERRUPTS() \
	do { if (nous_interrupt_hook != NULL) nous_interrupt_hook(); } while (0)

/*
 * Sort n elements of `size` bytes at base in the order of cmp, like qsort,
 * but stable (equal elements keep their input order) and interruptible: a
 * merge sort (von Neumann 1945; runs of 16 by insertion sort first) that
 * calls NOUS_CHECK_INTERRUPTS() every NOUS_INTERRUPT_EVERY element moves, so
 * that sorting millions of items stops within milliseconds of a cancel.
 * NOUS_ERR_NOMEM when the buffer of n elements cannot be allocated.
 */
extern nous_status nous_sort(void *base, size_t n, size_t size,
							 int (*cmp) (const void *, const void *));

/*
 * Binary search of n items sorted increasing, seen through cmp_at(key, i),
 * which compares the key sought with item i (< 0, 0, > 0 as strcmp): the
 * position of an item equal to the key, or -1 when there is none.
 */
extern int32_t nous_search(int32_t n, const void *key,
						   int (*cmp_at) (const void *key, int32_t i));

/* ---- string references ---- */
/*
 * A string and the position it came from, for sorting strings while keeping
 * track of where each one was (to rank them, find duplicates, index them):
 * nous_strref_cmp orders by strcmp, then by position, a total order, so that
 * qsort and nous_sort give the same, stable result.
 */
typedef struct nous_strref
{
	const char *s;
	size_t		i;
} nous_strref;

extern int	nous_strref_cmp(const void *a, const void *b);

/* ---- closed word lists and doubles ---- */
/* A word of a closed list and its value, in a table ended by {NULL, 0}. */
typedef struct nous_word
{
	const char *word;
	int			value;
} nous_word;

/* Find w in table: true and *value set, or false when w is not there. */
extern bool nous_word_find(const nous_word *table, const char *w, int *value);

/* qsort / nous_sort comparator of doubles, increasing (no NaN expected). */
extern int	nous_cmp_double(const void *a, const void *b);

#endif							/* NOUS_CORE_H */
