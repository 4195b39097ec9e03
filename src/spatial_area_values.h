/*
 * spatial_area_values.h — the storable state nous.area_values (and
 * nous.text_area_values) shared by its files: the flat form, the expanded
 * object and the read-only view (spatial_area_values.c), the text and
 * binary forms (spatial_area_values_io.c) and the two-step statistics
 * (spatial_autocorr_twostep.c).  Private to the spatial module.
 */
#ifndef NOUS_SPATIAL_AREA_VALUES_H
#define NOUS_SPATIAL_AREA_VALUES_H

#include "postgres.h"

#include "utils/expandeddatum.h"

#include "spatial_glue.h"

/*
 * The flat form: a 4-byte length word, a version byte, 3 bytes of zeros,
 * int32 n, 4 bytes of zeros (AV_HDRSZ), then int64 ids[n] sorted
 * (repetitions kept: a repeated area is an error where the values are used)
 * and float8 x[n] (NaN for a NULL value).
 */
#define AV_VERSION 1
#define AV_HDRSZ 16
#define AV_IDS(p) ((int64 *) ((char *) (p) + AV_HDRSZ))
#define AV_X(p, n) ((double *) ((char *) (p) + AV_HDRSZ + sizeof(int64) * (Size) (n)))
/*
 * Text ids (nous.text_area_values, format version 1 with the flags byte 1): float8 x[n], then int32 off[n + 1]
 * and the ids, each followed by a NUL, sorted in byte order (strcmp;
 * repetitions kept): id i is chars[off[i] ..].
 */
#define AVT_X(p) ((double *) ((char *) (p) + AV_HDRSZ))
#define AVT_OFF(p, n) ((int32 *) ((char *) (p) + AV_HDRSZ + sizeof(double) * (Size) (n)))
#define AVT_CHARS(p, n) ((char *) (AVT_OFF(p, n) + (n) + 1))

typedef struct AvEO
{
	ExpandedObjectHeader hdr;
	int64	   *ids;			/* text ids: the number of the pair's string in strs */
	double	   *x;
	int64		n;
	int64		cap;
	bool		sorted;
	nous_strings *strs;			/* text ids, one string per pair; NULL for bigint ids */
} AvEO;

/* the pairs of a value, read-only: ids (bigint) or s (text) */
typedef struct AvView
{
	int64		n;
	const int64 *ids;
	const double *x;
	const char **s;				/* NULL for bigint ids */
} AvView;

/* bytes of the flat form of n pairs with bigint ids */
extern Size av_size(int64 n);
/* an empty state (room for cap pairs) in a new child of parent; text ids or bigint */
extern AvEO *av_new(MemoryContext parent, int64 cap, bool text);
/* room for need pairs */
extern void av_reserve(AvEO *eo, int64 need);
/* one more pair with a text id (room reserved) */
extern void av_push_text(AvEO *eo, const char *s, Size len, double x);
/* a flat value checked: header, length, sorted ids, no infinite value; its n */
extern void av_check(const char *p, Size len, int32 *n_out);
/* the pairs of d (an object of ours, or a flat value), read-only */
extern void av_read(Datum d, AvView *v);

#endif							/* NOUS_SPATIAL_AREA_VALUES_H */
