/*
 * classes.h — class breaks for choropleth maps: exact natural breaks (Fisher
 * 1958), quantiles (Hyndman & Fan types 1-9), equal intervals, standard
 * deviations, head/tail breaks (Jiang 2013), pretty and box-plot breaks, the
 * class of a value, and the goodness of variance fit.
 *
 * Every method takes n finite values sorted in increasing order (see
 * nous_sort_values) and writes the upper bound of each class to out (room for
 * at least NOUS_BREAKS_MAX(k) doubles), in strictly increasing order, the last
 * one the maximum, *nout their count.  Bounds are finalised the same way for
 * every method (nous_breaks_finish): bounds outside [min, max] and repeated
 * bounds are dropped, so *nout may be smaller than k (fewer distinct values
 * than classes, many ties); it is never 0 when n >= 1.
 */
#ifndef NOUS_CLASSES_H
#define NOUS_CLASSES_H

#include <stdint.h>

#include "nous_core.h"

/* Largest k accepted by every method. */
#define NOUS_BREAKS_KMAX 1000
/* Room the output array needs for k classes (box and pretty may use 6 or k + 2). */
#define NOUS_BREAKS_MAX(k) ((k) + 8)

/* Sort n finite values in increasing order (radix sort; O(n) when sorted). */
extern nous_status nous_sort_values(double *x, size_t n);

/* Number of distinct values of sorted x. */
extern size_t nous_distinct_sorted(const double *x, size_t n);

/* Bytes of working memory nous_breaks_fisher needs for m distinct values and
 * k classes (beyond its input). */
extern double nous_fisher_bytes(size_t m, int k);

/* Fisher (1958) exact optimal partition of sorted x into at most k classes
 * minimising the within-class sum of squares; *sdcm receives that minimum
 * (may be NULL). */
extern nous_status nous_breaks_fisher(const double *x, size_t n, int k,
									  double *out, int *nout, double *sdcm);

/* Hyndman & Fan (1996) sample quantile of sorted x at probability p, type 1-9
 * (R's stats::quantile; type 7 is R's default). */
extern double nous_hf_quantile(const double *x, size_t n, double p, int type);

/* Quantile breaks: the quantiles at c/k, c = 1..k, of the given type. */
extern nous_status nous_breaks_quantile(const double *x, size_t n, int k, int type,
										double *out, int *nout);

/* Equal intervals: min + c (max - min) / k, c = 1..k. */
extern nous_status nous_breaks_equal(const double *x, size_t n, int k,
									 double *out, int *nout);

/* Standard deviation classes of width `width` sample standard deviations
 * centred on the mean: mean + (c - k/2) width sd, c = 1..k-1, then max. */
extern nous_status nous_breaks_sd(const double *x, size_t n, int k, double width,
								  double *out, int *nout);

/* Head/tail breaks (Jiang 2013, rule of classInt style "headtails"): successive
 * means of the head (values > mean) while the head is more than one value and
 * holds at most thr of the current values; at most k classes. */
extern nous_status nous_breaks_headtails(const double *x, size_t n, int k, double thr,
										 double *out, int *nout);

/* Pretty breaks: equal steps of 1, 2, 2.5 or 5 times a power of ten, the
 * smallest giving at most k classes over [min, max]. */
extern nous_status nous_breaks_pretty(const double *x, size_t n, int k,
									  double *out, int *nout);

/* Box-plot breaks (Tukey 1977; mapclassify BoxPlot): Q1 - hinge IQR, Q1,
 * median, Q3, Q3 + hinge IQR, max (quartiles of type 7). */
extern nous_status nous_breaks_box(const double *x, size_t n, double hinge,
								   double *out, int *nout);

/* Keep the candidate bounds b[0..nb-1] that are >= min and < max, in strictly
 * increasing order, then append max; writes to out, returns the count. */
extern int	nous_breaks_finish(const double *b, int nb, double min, double max,
							   double *out);

/* 1-based class of v for increasing upper bounds b[0..nb-1]: the first c with
 * v <= b[c-1]; values above the last bound are in class nb (the top class is
 * open above, the first open below). */
extern int	nous_class_of(double v, const double *b, int nb);

/*
 * The same with the side of each class closed chosen: right-closed (a, b] as
 * nous_class_of (mapclassify), or left-closed [a, b) (classInt's default,
 * R's findInterval with rightmost.closed): v on an interior bound b[c-1]
 * goes to class c + 1; the last class [b[nb-2], b[nb-1]] keeps its maximum.
 */
extern int	nous_class_of_closed(double v, const double *b, int nb, bool left_closed);

/* Per-class moments for the goodness of variance fit; merged with Chan et al.
 * (1979) pairwise update. */
typedef struct nous_moments
{
	double		n;
	double		mean;
	double		m2;				/* sum of squared deviations from the mean */
} nous_moments;

extern void nous_moments_add(nous_moments *m, double x);
extern void nous_moments_merge(nous_moments *into, const nous_moments *from);

/* GVF = 1 - SDCM / SDAM (Jenks 1977) from per-class moments; NaN when SDAM is 0. */
extern double nous_gvf(const nous_moments *classes, int k);

/*
 * Jenks' (1977) two sums of squared deviations from per-class moments: SDAM
 * about the array mean (all values), SDCM about each class's own mean,
 * summed over the classes; GVF = (SDAM - SDCM) / SDAM.
 */
extern void nous_gvf_parts(const nous_moments *classes, int k, double *sdam,
						   double *sdcm);

#endif							/* NOUS_CLASSES_H */
