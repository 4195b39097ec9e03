/*
 * spatial_internal.h — what the files of the spatial core share (private to
 * src/core/spatial*.c): the weighted sub-graph of the areas with a value,
 * random numbers and pseudo p-values.
 */
#ifndef NOUS_SPATIAL_INTERNAL_H
#define NOUS_SPATIAL_INTERNAL_H

#include "spatial.h"

typedef struct wmat
{
	int32_t		n;
	int64_t		nnz;
	int32_t    *rowptr;
	int32_t    *col;
	double	   *w;				/* weight of each link after the style */
	double	   *rw;				/* the (common) weight of each row's links */
	int32_t    *orig;			/* compact index -> graph node */
	double	   *x;
	int32_t		islands;
	double		s0,
				s1,
				s2;
} wmat;

extern void wmat_free(wmat *m);

/* Style weights as spdep nb2listw (B, W, C) and the constants S0, S1, S2
 * of Cliff & Ord (1981). */
extern nous_status wmat_build(const nous_graph *g, const double *x, nous_wstyle style, wmat *m);

/* the mean of the values of the areas of m */
extern double wmat_mean(const wmat *m);

/* qsort comparison of int64_t */
extern int	nous_cmp_i64(const void *p, const void *q);

/* SplitMix64 (Steele, Lea & Flood 2014). */
static inline uint64_t
splitmix(uint64_t *s)
{
	uint64_t	z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform integer in [0, m) (Lemire 2019 multiply-shift). */
static inline uint32_t
rand_below(uint64_t *s, uint32_t m)
{
	return (uint32_t) (((splitmix(s) >> 32) * (uint64_t) m) >> 32);
}

/* Pseudo p-value of a permutation test (see spatial_autocorr.c). */
extern double nous_pseudo_p(long larger, int perms);

#endif							/* NOUS_SPATIAL_INTERNAL_H */
