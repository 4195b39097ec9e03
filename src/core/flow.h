/*
 * flow.h — sparse origin-destination matrices of residential moves: a
 * builder (hash tables of zone codes and zone pairs), the flat storage
 * format of nous.flows with its validating decoder, and the indicators of
 * zones and of the whole matrix.
 *
 * Flat body (the bytes after the 4-byte varlena header), version 1, all
 * numbers in the machine's byte order, read with memcpy (no alignment):
 *
 *   u8  version (1)   u8 flags (0)   u16 reserved (0)
 *   i32 nzones        i32 nedges
 *   f64 stayers[nzones]               stayers of each zone (>= 0, finite)
 *   f64 weight[nedges]                off-diagonal flows (>= 0, finite)
 *   i32 origin[nedges] i32 dest[nedges]  zone indexes, origin != dest,
 *                                     (origin, dest) strictly increasing
 *   i32 zend[nzones]                  end of each zone code in the blob
 *   u8  codes[zend[nzones-1]]         zone codes, non-empty, no NUL byte,
 *                                     strictly increasing in byte order
 */
#ifndef NOUS_FLOW_H
#define NOUS_FLOW_H

#include <stdint.h>
#include <string.h>

#include "nous_core.h"

#define NOUS_FLOW_VERSION 1
#define NOUS_FLOW_HEADER 12
/* a bound that keeps every size computation far from overflow */
#define NOUS_FLOW_MAX_ITEMS 100000000

/* A validated view over a flat body (no copy). */
typedef struct nous_flow_view
{
	int32_t		nzones;
	int32_t		nedges;
	const unsigned char *stay;
	const unsigned char *w;
	const unsigned char *orig;
	const unsigned char *dest;
	const unsigned char *zend;
	const unsigned char *codes;
} nous_flow_view;

static inline double
nous_fv_stay(const nous_flow_view *v, int32_t i)
{
	return nous_rd_f64(v->stay, (size_t) i);
}

static inline double
nous_fv_w(const nous_flow_view *v, int32_t e)
{
	return nous_rd_f64(v->w, (size_t) e);
}

static inline int32_t
nous_fv_orig(const nous_flow_view *v, int32_t e)
{
	return nous_rd_i32(v->orig, (size_t) e);
}

static inline int32_t
nous_fv_dest(const nous_flow_view *v, int32_t e)
{
	return nous_rd_i32(v->dest, (size_t) e);
}

/* The order of zone codes: byte order, a prefix first. */
static inline int
nous_flow_code_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int			c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

/* The code of zone i (not NUL-terminated) and its length. */
extern const char *nous_fv_zone(const nous_flow_view *v, int32_t i, size_t *len);

/*
 * Check a flat body of len bytes and fill v.  On failure returns
 * NOUS_ERR_DOMAIN and points *why at a sentence saying what is wrong.
 */
extern nous_status nous_flow_decode(const void *body, size_t len,
									nous_flow_view *v, const char **why);

/* Index of a zone code in v, or -1 (binary search). */
extern int32_t nous_fv_find(const nous_flow_view *v, const char *code, size_t len);

/* ---- builder: accumulate moves, then write a flat body ---- */

typedef struct nous_flow_builder nous_flow_builder;

extern nous_flow_builder *nous_fb_create(void);
extern void nous_fb_destroy(nous_flow_builder *b);

/*
 * Add weight w (finite, >= 0: the caller checks) moved from zone o to zone
 * d; o = d adds stayers.  Zero weights register the zones (and the pair).
 */
extern nous_status nous_fb_add(nous_flow_builder *b, const char *o, size_t olen,
							   const char *d, size_t dlen, double w);
/* Register a zone with no move. */
extern nous_status nous_fb_add_zone(nous_flow_builder *b, const char *z, size_t len);
/* Add a whole matrix (merge). */
extern nous_status nous_fb_add_view(nous_flow_builder *b, const nous_flow_view *v);
/*
 * Add v with its zones renamed: zone i becomes category cat[i] (index into
 * the codes catcode/catlen).
 */
extern nous_status nous_fb_add_view_mapped(nous_flow_builder *b, const nous_flow_view *v,
										   const int32_t *cat, const char *const *catcode,
										   const size_t *catlen);

extern int32_t nous_fb_nzones(const nous_flow_builder *b);
extern int32_t nous_fb_nedges(const nous_flow_builder *b);
/* Size of the flat body the builder would write. */
extern size_t nous_fb_flat_size(const nous_flow_builder *b);
/* Write the flat body (sorted zones and pairs) into body (flat_size bytes). */
extern nous_status nous_fb_flatten(const nous_flow_builder *b, void *body, size_t len);

/* ---- indicators ---- */

/* Per zone totals: in-movers (column sums) and out-movers (row sums), off the diagonal. */
extern void nous_flow_in_out(const nous_flow_view *v, double *in, double *out);

/*
 * A flow weight without the noise of binary sums (the builder applies it to
 * the cells that summed several weights, never to a weight as it came): a
 * non-integral x below
 * 1e15 rounded to 15 significant digits (DBL_DIG, what a double holds
 * reliably), so that 100.1 + 200.3 + 133.3 is 433.7, not
 * 433.69999999999993; integral values (counts, exact up to 2^53), values
 * from 1e15 on and non-finite values unchanged.
 */
extern double nous_flow_clean(double x);

/* Zone indicators of the Observatoire des territoires; NaN when the denominator is 0. */
typedef struct nous_flow_rates
{
	double		present_before;	/* AUTO = ISO + SORT */
	double		present_after;	/* PRES = ISO + ENTR */
	double		net;			/* SM = ENTR - SORT */
	double		net_rate;		/* TM = SM / ((AUTO + PRES) / 2) */
	double		turnover_rate;	/* TR = (ENTR + SORT) / ((AUTO + PRES) / 2) */
	double		inflow_share;	/* PE = ENTR / PRES */
	double		outflow_share;	/* PS = SORT / AUTO */
} nous_flow_rates;

extern void nous_flow_zone_rates(double iso, double entr, double sort, nous_flow_rates *r);

/* Whole-matrix figures. */
typedef struct nous_flow_summary
{
	double		stayers;		/* sum of the diagonal */
	double		movers;			/* sum off the diagonal */
	double		effectiveness;	/* sum |in - out| / sum (in + out); NaN if no mover */
	double		gini;			/* Gini of the n(n-1) off-diagonal cells; NaN if none */
} nous_flow_overall;

extern nous_status nous_flow_summarise(const nous_flow_view *v, nous_flow_overall *s);

/* Gini of n values of which the m given are the non-zero ones (sorted here). */
extern double nous_gini_sparse(double *x, int64_t m, double n);

/* ---- selection of the flows that matter ---- */

typedef enum nous_flow_selector
{
	NOUS_SEL_THRESHOLD,			/* weight >= value (or > value when strict) */
	NOUS_SEL_TOP,				/* the value largest flows of each origin */
	NOUS_SEL_SHARE,				/* weight / origin outflow >= value (or >) */
	NOUS_SEL_CUMULATIVE,		/* largest flows until value of the total volume */
	NOUS_SEL_DOMINANT			/* Nystuen-Dacey dominant flows */
} nous_flow_selector;

/* keep[e] for every flow of v; NOUS_ERR_PARAM on an invalid value. */
extern nous_status nous_flow_select(const nous_flow_view *v, nous_flow_selector sel,
									double value, bool strict, bool *keep);

typedef enum nous_flow_role
{
	NOUS_ROLE_DOMINANT = 0,		/* sends no dominant flow: a centre */
	NOUS_ROLE_INTERMEDIATE = 1,	/* sends one and receives at least one */
	NOUS_ROLE_DOMINATED = 2		/* sends one and receives none */
} nous_flow_role;

/*
 * Nystuen-Dacey: largest[i] = the largest outflow of zone i (-1 if none, ties
 * to the first destination in code order), dominant[i] = whether it goes to a
 * zone of larger total inflow, role[i] as above.
 */
extern nous_status nous_flow_dominant(const nous_flow_view *v, int32_t *largest,
									  bool *dominant, nous_flow_role *role);

/* ---- renewal of the population by group (Observatoire des territoires, migR) ---- */

typedef struct nous_flow_renewal_global
{
	double		iri;			/* sqrt(sum_g (p_auto - p_entr)^2) */
	double		ire;			/* sqrt(sum_g (p_auto - p_sort)^2) */
	double		irm;			/* sqrt(sum_g (|SM_g| / PRES_g)^2) */
} nous_flow_renewal_global;

/*
 * For n groups of one territory with stayers iso, in-movers entr and
 * out-movers sort (all finite, >= 0): per group ici, ice, icm and the
 * global indices; NaN where a denominator is 0.
 */
extern void nous_flow_renewal(int n, const double *iso, const double *entr,
							  const double *sort, double *ici, double *ice,
							  double *icm, nous_flow_renewal_global *g);

#endif							/* NOUS_FLOW_H */
