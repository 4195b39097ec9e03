/*
 * libFuzzer target for the decoders of the stored mix states
 * (src/core/mix_two_groups.c, src/core/mix_table.c):
 * the first byte chooses the type, the rest is a stored body (what follows
 * the varlena header on disk).
 *   - nous.mixpairs (first byte even): nous_mix2_decode accepts or rejects
 *     with a sentence; an accepted body holds finite pairs 0 <= g <= t and
 *     feeds every two-group index (each NaN or in its range) without a crash.
 *   - nous.mixcounts (first byte odd): after its 4-byte header, the cell
 *     records are walked by nous_mixrec_count and merged by
 *     nous_mixtable_build; an accepted table has consistent marginals and
 *     feeds every multigroup index without a crash.
 * The body is copied into a block of exactly its size, 4 bytes past an
 * 8-byte boundary as in a varlena (ASan sees any overread).  Seeds in
 * test/fuzz/corpus/mix: bodies of values made by the regression tests
 * (test/fuzz/seed_mix.py writes them from the text forms).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * With well-scaled counts an index is NaN (undefined) or finite, and the
 * shares are in [0, 1]; beyond, only the absence of a crash is checked.
 * Well scaled: every non-zero count between 1e-150 and 1e150 (no product or
 * sum of two overflows or goes subnormal), and the largest at most 1e15 times
 * the smallest — beyond 2^53 a small count vanishes in a sum with a large one
 * (5.5e19 + 2 == 5.5e19), and an index computed from such marginals is off by
 * more than its own size (a dissimilarity of 1.1 on counts 5.5e19, 2, 2, 6).
 */
static bool well_scaled = true;
static double scale_min,
			scale_max;

static void
scale_reset(void)
{
	well_scaled = true;
	scale_min = INFINITY;
	scale_max = 0;
}

static void
scale_check(double x)
{
	if (x == 0)
		return;
	if (!(fabs(x) >= 1e-150 && fabs(x) <= 1e150))
		well_scaled = false;
	scale_min = fmin(scale_min, fabs(x));
	scale_max = fmax(scale_max, fabs(x));
	if (scale_max > 1e15 * scale_min)
		well_scaled = false;
}

static void
in_unit(double x)
{
	if (well_scaled && !isnan(x) && !(x >= -1e-9 && x <= 1 + 1e-9))
		abort();
}

static void
finite_or_nan(double x)
{
	if (well_scaled && isinf(x))
		abort();
}

static void
fuzz_pairs(const unsigned char *body, size_t len)
{
	const double *gt;
	size_t		n;
	double		b,
				r;
	const char *why = NULL;

	if (nous_mix2_decode(body, len, &gt, &n, &b, &why) != NOUS_OK)
	{
		if (why == NULL || why[0] == '\0')
			abort();
		return;
	}
	if (!isnan(b) && !(b >= 0 && b < 1))
		abort();
	for (size_t i = 0; i < n; i++)
		if (nous_mix2_check(gt[2 * i], gt[2 * i + 1]) != NOUS_OK)
			abort();
	/* the scale of this input, before any range check reads it */
	scale_reset();
	for (size_t i = 0; i < 2 * n; i++)
		scale_check(gt[i]);
	in_unit(nous_mix2_dissimilarity(gt, n));
	in_unit(nous_mix2_isolation(gt, n));
	in_unit(nous_mix2_interaction(gt, n));
	in_unit(nous_mix2_correlation_ratio(gt, n));
	finite_or_nan(nous_mix2_entropy_h(gt, n));
	if (nous_mix2_gini(gt, n, &r) == NOUS_OK)
		in_unit(r);
	if (nous_mix2_atkinson(gt, n, isnan(b) ? 0.5 : b, &r) == NOUS_OK)
		in_unit(r);
}

static void
fuzz_counts(const unsigned char *body, size_t len)
{
	nous_mixtable t;
	nous_mix_decomp d;
	size_t		c,
				i;
	double		sum = 0;

	if (len < 4)
		return;
	body += 4;					/* version and padding */
	len -= 4;
	if (nous_mixrec_count(body, len, &c) != NOUS_OK)
	{
		if (nous_mixtable_build(body, len, &t) == NOUS_OK)
			abort();			/* the builder accepts what the walk refuses */
		return;
	}
	if (nous_mixtable_build(body, len, &t) != NOUS_OK)
		return;					/* non-finite or negative counts, sums beyond DBL_MAX */
	if (t.ncell > c)
		abort();
	scale_reset();
	for (i = 0; i < t.ncell; i++)
	{
		scale_check(t.cell_n[i]);
		if (!(t.cell_n[i] >= 0) || t.cell_unit[i] >= t.nunit ||
			t.cell_group[i] >= t.ngroup || t.cell_super[i] >= t.nsuper)
			abort();
		sum += t.cell_n[i];
	}
	if (well_scaled && !(fabs(sum - t.N) <= 1e-9 * (1 + t.N)))
		abort();
	finite_or_nan(nous_mix_entropy(&t));
	in_unit(nous_mix_entropy_normalised(&t));
	finite_or_nan(nous_mix_mutual_information(&t));
	in_unit(nous_mix_multi_dissimilarity(&t));
	finite_or_nan(nous_mix_relative_diversity(&t));
	in_unit(nous_mix_simpson_concentration(&t));
	(void) nous_mix_decompose(&t, &d);
	nous_mixtable_free(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *block;
	size_t		len;

	if (size < 1)
		return 0;
	len = size - 1;
	/* body at 4 mod 8, as in a varlena after its header */
	block = malloc(len + 4);
	if (block == NULL)
		return 0;
	memcpy(block + 4, data + 1, len);
	if (data[0] % 2 == 0)
		fuzz_pairs(block + 4, len);
	else
		fuzz_counts(block + 4, len);
	free(block);
	return 0;
}
