/*
 * nous_core.c — allocation and interrupt hooks, status texts.
 */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "nous_core.h"

void	   *(*nous_alloc_hook) (size_t size) = malloc;
void		(*nous_free_hook) (void *ptr) = free;
void		(*nous_interrupt_hook) (void) = NULL;

const char *
nous_status_text(nous_status st)
{
	switch (st)
	{
		case NOUS_OK:
			return "ok";
		case NOUS_ERR_EMPTY:
			return "empty input";
		case NOUS_ERR_NONFINITE:
			return "non-finite value";
		case NOUS_ERR_LENGTH:
			return "mismatched lengths";
		case NOUS_ERR_PARAM:
			return "invalid parameter";
		case NOUS_ERR_SYNTAX:
			return "syntax error";
		case NOUS_ERR_DOMAIN:
			return "value outside the domain of the method";
		case NOUS_ERR_NOMEM:
			return "out of memory";
		case NOUS_ERR_LIMIT:
			return "more results than the limit allows";
	}
	return "unknown status";
}

/* ---- an interruptible stable sort ---- */

#define SORT_RUN 16

/*
 * One instantiation per element type T: insertion sort of runs of SORT_RUN,
 * then bottom-up merges between base and a buffer.  T is a struct of the
 * element's size (alignment 1: never a misaligned access), so that a move is
 * one structure assignment; the element held aside during insertion sits in
 * a union aligned for any scalar the comparator may read.
 */
#define NOUS_SORT_DEFINE(NAME, T) \
static nous_status \
NAME(T *a, size_t n, int (*cmp) (const void *, const void *)) \
{ \
	T		   *buf, *src, *dst; \
	size_t		i, j, width; \
	unsigned long work = 0; \
	for (i = 0; i < n; i += SORT_RUN) \
	{ \
		size_t		end = i + SORT_RUN < n ? i + SORT_RUN : n; \
		for (j = i + 1; j < end; j++) \
		{ \
			union { T e; double d; int64_t i; void *p; } t; \
			size_t		k = j; \
			t.e = a[j]; \
			while (k > i && cmp(&a[k - 1], &t.e) > 0) \
			{ \
				a[k] = a[k - 1]; \
				k--; \
			} \
			a[k] = t.e; \
		} \
		work += (unsigned long) (end - i) * 4; \
		if (work >= NOUS_INTERRUPT_EVERY) \
		{ \
			work = 0; \
			NOUS_CHECK_INTERRUPTS(); \
		} \
	} \
	if (n <= SORT_RUN) \
		return NOUS_OK; \
	buf = nous_alloc(sizeof(T) * n); \
	if (buf == NULL) \
		return NOUS_ERR_NOMEM; \
	src = a; \
	dst = buf; \
	for (width = SORT_RUN; width < n; width *= 2) \
	{ \
		for (i = 0; i < n; i += 2 * width) \
		{ \
			size_t		mid = i + width < n ? i + width : n; \
			size_t		end = i + 2 * width < n ? i + 2 * width : n; \
			size_t		l = i, r = mid, o = i; \
			while (l < mid && r < end) \
			{ \
				if (cmp(&src[r], &src[l]) < 0) \
					dst[o++] = src[r++]; \
				else \
					dst[o++] = src[l++]; \
				if ((++work & (NOUS_INTERRUPT_EVERY - 1)) == 0) \
					NOUS_CHECK_INTERRUPTS(); \
			} \
			while (l < mid) \
				dst[o++] = src[l++]; \
			while (r < end) \
				dst[o++] = src[r++]; \
		} \
		{ \
			T		   *t = src; \
			src = dst; \
			dst = t; \
		} \
	} \
	if (src != a) \
		for (i = 0; i < n; i++) \
		{ \
			a[i] = src[i]; \
			if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0) \
				NOUS_CHECK_INTERRUPTS(); \
		} \
	nous_free(buf); \
	return NOUS_OK; \
}

typedef struct { char b[4]; } sort_e4;
typedef struct { char b[8]; } sort_e8;
typedef struct { char b[12]; } sort_e12;
typedef struct { char b[16]; } sort_e16;
typedef struct { char b[24]; } sort_e24;
typedef struct { char b[32]; } sort_e32;

NOUS_SORT_DEFINE(sort4, sort_e4)
NOUS_SORT_DEFINE(sort8, sort_e8)
NOUS_SORT_DEFINE(sort12, sort_e12)
NOUS_SORT_DEFINE(sort16, sort_e16)
NOUS_SORT_DEFINE(sort24, sort_e24)
NOUS_SORT_DEFINE(sort32, sort_e32)

/* any other size: sort pointers to the elements, then permute */
static int	(*sort_ind_cmp) (const void *, const void *);

static int
sort_ind_compare(const void *p, const void *q)
{
	return sort_ind_cmp(*(const char *const *) p, *(const char *const *) q);
}

nous_status
nous_sort(void *base, size_t n, size_t size, int (*cmp) (const void *, const void *))
{
	char	  **ptr;
	char	   *copy;
	nous_status st;
	size_t		i;

	if (n < 2)
		return NOUS_OK;
	switch (size)
	{
		case 4:
			return sort4(base, n, cmp);
		case 8:
			return sort8(base, n, cmp);
		case 12:
			return sort12(base, n, cmp);
		case 16:
			return sort16(base, n, cmp);
		case 24:
			return sort24(base, n, cmp);
		case 32:
			return sort32(base, n, cmp);
		default:
			break;
	}
	ptr = nous_alloc(sizeof(char *) * n);
	copy = nous_alloc(size * n);
	if (ptr == NULL || copy == NULL)
	{
		nous_free(ptr);
		nous_free(copy);
		return NOUS_ERR_NOMEM;
	}
	memcpy(copy, base, size * n);
	for (i = 0; i < n; i++)
		ptr[i] = copy + i * size;
	sort_ind_cmp = cmp;
	st = sizeof(char *) == 8 ? sort8((sort_e8 *) ptr, n, sort_ind_compare)
		: sort4((sort_e4 *) ptr, n, sort_ind_compare);
	if (st == NOUS_OK)
		for (i = 0; i < n; i++)
			memcpy((char *) base + i * size, ptr[i], size);
	nous_free(ptr);
	nous_free(copy);
	return st;
}

bool
nous_radix_offsets(size_t *count, size_t nb, size_t n)
{
	size_t		sum = 0,
				i;
	bool		trivial = false;

	for (i = 0; i < nb; i++)
	{
		size_t		c = count[i];

		if (c == n)
			trivial = true;
		count[i] = sum;
		sum += c;
	}
	return trivial;
}

/* ---- string references ---- */
int
nous_strref_cmp(const void *a, const void *b)
{
	const nous_strref *x = a,
			   *y = b;
	int			c = strcmp(x->s, y->s);

	return c != 0 ? c : (x->i > y->i) - (x->i < y->i);
}

/* ---- closed word lists and doubles ---- */
bool
nous_word_find(const nous_word *table, const char *w, int *value)
{
	for (; table->word != NULL; table++)
		if (strcmp(table->word, w) == 0)
		{
			*value = table->value;
			return true;
		}
	return false;
}

int32_t
nous_search(int32_t n, const void *key, int (*cmp_at) (const void *key, int32_t i))
{
	int32_t		lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int32_t		mid = lo + (hi - lo) / 2;
		int			c = cmp_at(key, mid);

		if (c == 0)
			return mid;
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int
nous_cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}
