/*
 * test_sort.c — unit tests of nous_sort (src/core/nous_core.c): sorted,
 * stable, a permutation of its input, for every element size, and calls the
 * interrupt hook while it works; nous_strref_cmp (a total order);
 * nous_search finds every item and nothing else.
 */
#include <stdint.h>
#include <stdlib.h>

#include "nous_core.h"
#include "unit.h"

/* an element of `size` bytes: key first, then its input position */
static size_t elem_size;

static int
cmp_key(const void *p, const void *q)
{
	int32_t		a,
				b;

	memcpy(&a, p, sizeof a);
	memcpy(&b, q, sizeof b);
	return (a > b) - (a < b);
}

static long interrupts;

static void
count_interrupt(void)
{
	interrupts++;
}

static uint64_t rng = 88172645463325252ULL;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t) (rng >> 16);
}

static void
check_sort(size_t n, size_t size, int32_t range)
{
	char	   *a = malloc(size * (n ? n : 1));
	int			ok_sorted = 1,
				ok_stable = 1,
				ok_perm = 1;
	char	   *seen = calloc(n ? n : 1, 1);

	elem_size = size;
	for (size_t i = 0; i < n; i++)
	{
		int32_t		key = (int32_t) (next_rand() % (uint32_t) range) - range / 2;
		uint32_t	pos = (uint32_t) i;

		memset(a + i * size, 0xAB, size);
		memcpy(a + i * size, &key, 4);
		memcpy(a + i * size + size - 4, &pos, 4);
	}
	CHECK_INT(nous_sort(a, n, size, cmp_key), NOUS_OK);
	for (size_t i = 0; i < n; i++)
	{
		int32_t		key,
					pkey;
		uint32_t	pos,
					ppos;

		memcpy(&key, a + i * size, 4);
		memcpy(&pos, a + i * size + size - 4, 4);
		if (pos >= n || seen[pos])
			ok_perm = 0;
		else
			seen[pos] = 1;
		if (i > 0)
		{
			memcpy(&pkey, a + (i - 1) * size, 4);
			memcpy(&ppos, a + (i - 1) * size + size - 4, 4);
			if (pkey > key)
				ok_sorted = 0;
			if (pkey == key && ppos > pos)
				ok_stable = 0;
		}
	}
	if (!(ok_sorted && ok_stable && ok_perm))
		UNIT_FAIL("n = %zu, size = %zu: sorted %d, stable %d, permutation %d",
				  n, size, ok_sorted, ok_stable, ok_perm);
	else
		unit_passed++;
	free(a);
	free(seen);
}

TEST(test_sizes)
{
	static const size_t sizes[] = {8, 12, 16, 24, 32, 40, 56};
	static const size_t counts[] = {0, 1, 2, 15, 16, 17, 33, 1000, 4099};

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++)
		{
			check_sort(counts[c], sizes[s], 10);	/* many ties: stability */
			check_sort(counts[c], sizes[s], 1 << 30);
		}
}

static int
cmp_i32(const void *p, const void *q)
{
	int32_t		a = *(const int32_t *) p,
				b = *(const int32_t *) q;

	return (a > b) - (a < b);
}

TEST(test_int4_and_sorted_input)
{
	size_t		n = 100000;
	int32_t    *a = malloc(sizeof(int32_t) * n);
	int			ok = 1;

	for (size_t i = 0; i < n; i++)
		a[i] = (int32_t) (n - i);	/* reversed */
	CHECK_INT(nous_sort(a, n, sizeof(int32_t), cmp_i32), NOUS_OK);
	for (size_t i = 0; i < n; i++)
		if (a[i] != (int32_t) (i + 1))
			ok = 0;
	CHECK(ok);
	CHECK_INT(nous_sort(a, n, sizeof(int32_t), cmp_i32), NOUS_OK);
	CHECK_INT(a[0], 1);
	CHECK_INT(a[n - 1], (long long) n);
	free(a);
}

TEST(test_interrupts)
{
	size_t		n = 1 << 20;
	double	   *a = malloc(sizeof(double) * n);

	for (size_t i = 0; i < n; i++)
		a[i] = (double) next_rand();
	interrupts = 0;
	nous_interrupt_hook = count_interrupt;
	CHECK_INT(nous_sort(a, n, sizeof(double), cmp_key), NOUS_OK);
	nous_interrupt_hook = NULL;
	/* n log2 n / NOUS_INTERRUPT_EVERY moves: at least one call per 65536 */
	CHECK(interrupts >= (long) (n * 16 / NOUS_INTERRUPT_EVERY));
	free(a);
}

/* nous_strref_cmp: by string, then by position; qsort and nous_sort agree */
TEST(test_strref)
{
	const char *w[] = {"b", "a", "b", "", "a", "c"};
	nous_strref q[6],
				m[6];
	const size_t want[] = {3, 1, 4, 0, 2, 5};

	for (size_t i = 0; i < 6; i++)
	{
		q[i].s = w[i];
		q[i].i = i;
	}
	memcpy(m, q, sizeof(q));
	qsort(q, 6, sizeof(nous_strref), nous_strref_cmp);
	CHECK_INT(nous_sort(m, 6, sizeof(nous_strref), nous_strref_cmp), NOUS_OK);
	for (size_t i = 0; i < 6; i++)
	{
		CHECK_INT(q[i].i, want[i]);
		CHECK_INT(m[i].i, want[i]);
	}
	CHECK(nous_strref_cmp(&q[1], &q[2]) < 0);
	CHECK(nous_strref_cmp(&q[2], &q[1]) > 0);
	CHECK_INT(nous_strref_cmp(&q[1], &q[1]), 0);
}

/* sorted odd numbers 1, 3, ..., 2n - 1; the key an int */
static const int *odd;

static int
cmp_odd_at(const void *key, int32_t i)
{
	int			k = *(const int *) key;

	return (k > odd[i]) - (k < odd[i]);
}

/* nous_search: each of n sorted items at its place, every gap -1, n = 0..9 */
TEST(test_search)
{
	int			v[9];

	odd = v;
	for (int32_t n = 0; n <= 9; n++)
	{
		for (int32_t i = 0; i < n; i++)
			v[i] = 2 * i + 1;
		for (int k = -1; k <= 2 * n + 1; k++)
		{
			int32_t		want = (k % 2 != 0 && k > 0 && k < 2 * n) ? (k - 1) / 2 : -1;

			CHECK_INT(nous_search(n, &k, cmp_odd_at), want);
		}
	}
}

int
main(void)
{
	RUN(test_sizes);
	RUN(test_int4_and_sorted_input);
	RUN(test_interrupts);
	RUN(test_strref);
	RUN(test_search);
	UNIT_END();
}
