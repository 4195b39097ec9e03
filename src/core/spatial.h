/*
 * spatial.h — spatial weights as a compact sparse graph (CSR over sorted
 * bigint ids), candidate neighbour pairs from bounding boxes, and the
 * spatial autocorrelation statistics: global Moran's I, Geary's C,
 * Getis-Ord G, local Moran (LISA) with conditional permutations.
 */
#ifndef NOUS_SPATIAL_H
#define NOUS_SPATIAL_H

#include <stdint.h>

#include "nous_core.h"

/* A directed graph: node i has the neighbours col[rowptr[i] .. rowptr[i+1]-1],
 * sorted increasing, never i itself; ids sorted strictly increasing. */
typedef struct nous_graph
{
	int32_t		n;
	int32_t		nnz;
	const int64_t *ids;
	const int32_t *rowptr;
	const int32_t *col;
} nous_graph;

/* Largest number of nodes or links of a graph. */
#define NOUS_GRAPH_MAX 200000000

/*
 * Build a graph from m directed links from[i] -> to[i] (duplicates merged)
 * and nn extra nodes (areas that may have no neighbour).  The nodes are the
 * union of all these ids.  Arrays returned are allocated with nous_alloc.
 * NOUS_ERR_DOMAIN for a self-link (*bad_id receives its id), NOUS_ERR_PARAM
 * when the graph is too large.
 */
extern nous_status nous_graph_build(const int64_t *from, const int64_t *to, size_t m,
									const int64_t *nodes, size_t nn,
									int64_t **ids, int32_t *n, int32_t **rowptr,
									int32_t **col, int32_t *nnz, int64_t *bad_id);

/* Check the invariants of a graph read from outside; a sentence in err. */
extern bool nous_graph_valid(const nous_graph *g, const char **err);

/* Index of id in the graph, or -1. */
extern int32_t nous_graph_find(const nous_graph *g, int64_t id);

/*
 * Candidate pairs (i < j) of the n boxes [xmin, xmax] x [ymin, ymax] that
 * intersect (closed boxes), by a sweep over xmin (plane sweep, Preparata &
 * Shamos 1985).  *pi, *pj receive the pairs (nous_alloc), *np their count.
 */
extern nous_status nous_bbox_pairs(const double *xmin, const double *ymin,
								   const double *xmax, const double *ymax, int32_t n,
								   int32_t **pi, int32_t **pj, size_t *np);

/*
 * The same, keeping only the pairs for which keep(arg, i, j) is true (all
 * when keep is NULL), and stopping with NOUS_ERR_LIMIT as soon as more than
 * max pairs would be kept: memory never grows past max pairs.
 */
extern nous_status nous_bbox_pairs_max(const double *xmin, const double *ymin,
									   const double *xmax, const double *ymax, int32_t n,
									   bool (*keep) (void *arg, int32_t i, int32_t j),
									   void *arg, size_t max,
									   int32_t **pi, int32_t **pj, size_t *np);

/*
 * Polygons as rings of vertices: ring r holds the points
 * x[ring_start[r] .. ring_start[r+1]-1] (a closing copy of the first point
 * may be present) and belongs to polygon ring_poly[r] (0 <= ring_poly < npoly).
 */
typedef struct nous_rings
{
	int32_t		npoly;
	size_t		nring;
	const size_t *ring_start;	/* nring + 1 offsets */
	const int32_t *ring_poly;
	const double *x;
	const double *y;
} nous_rings;

/*
 * Rook contiguity decided exactly where possible: two polygons are rook
 * neighbours when their boundaries share a segment of positive length
 * (DE-9IM boundary/boundary of dimension 1).  Such a segment is either an
 * edge of both or starts at a vertex of one that lies strictly inside an
 * edge of the other, with an incident edge collinear with it; both are found
 * by looking up each vertex on a uniform grid of the edges, with exact
 * orientation tests (Shewchuk 1997's filter, then exact products and
 * differences).
 * Pairs (i < j, as i << 32 | j) proven neighbours go to *sure; pairs the
 * arithmetic cannot settle exactly go to *maybe for an outside predicate;
 * every other pair is not rook contiguous.  Arrays sorted, from nous_alloc.
 */
extern nous_status nous_rook_pairs(const nous_rings *r, int64_t **sure, size_t *nsure,
								   int64_t **maybe, size_t *nmaybe);

/*
 * k nearest neighbours of each of n points (x, y): nbr[i k .. i k + k - 1]
 * receives the indexes of the k other points nearest to i, by increasing
 * distance, ties broken by smaller id.  Uniform grid search (Bentley,
 * Weide & Yao 1980).  NOUS_ERR_PARAM when k < 1 or k > n - 1.
 */
extern nous_status nous_knn(const double *x, const double *y, const int64_t *ids,
							int32_t n, int32_t k, int32_t *nbr);

/* Pairs (i < j) of points at most d apart (Euclidean), candidates from the
 * box sweep on boxes of side d. */
extern nous_status nous_band_pairs(const double *x, const double *y, int32_t n, double d,
								   int32_t **pi, int32_t **pj, size_t *np);
/* The same, stopping with NOUS_ERR_LIMIT beyond max pairs within the band. */
extern nous_status nous_band_pairs_max(const double *x, const double *y, int32_t n, double d,
									   size_t max, int32_t **pi, int32_t **pj, size_t *np);

/* Weight styles (spdep nb2listw): binary, row-standardised, globally standardised. */
typedef enum nous_wstyle
{
	NOUS_STYLE_B = 0,
	NOUS_STYLE_W,
	NOUS_STYLE_C
} nous_wstyle;

/*
 * The alternative hypothesis of the p-values (spdep's `alternative`):
 * two-sided, or one-sided towards positive autocorrelation (greater: I, G,
 * local I, local G above their expectation; for Geary's C, C below it, as
 * spdep's geary.test) or towards negative autocorrelation (less).
 */
typedef enum nous_alternative
{
	NOUS_ALT_TWO_SIDED = 0,
	NOUS_ALT_GREATER,
	NOUS_ALT_LESS
} nous_alternative;

typedef struct nous_autocorr_opts
{
	nous_wstyle style;
	bool		keep_islands;	/* false: islands are an error */
	int			permutations;	/* 0: no permutation test */
	uint64_t	seed;
	nous_alternative alternative;	/* of p_normal, p_random, p_perm */
} nous_autocorr_opts;

typedef struct nous_global_result
{
	int32_t		n;				/* areas with a value */
	int64_t		links;			/* directed links between them */
	int32_t		islands;		/* areas without a neighbour */
	double		s0,
				s1,
				s2;
	double		stat;			/* I, C or G */
	double		expected;
	double		var_normal;		/* NaN where not defined (G) */
	double		var_random;
	double		z_normal;
	double		z_random;
	double		p_normal;		/* under the alternative (two-sided by default) */
	double		p_random;
	double		p_perm;			/* pseudo p under the alternative (nous_perm_p); NaN if none */
} nous_global_result;

typedef enum nous_global_kind
{
	NOUS_MORAN = 0,
	NOUS_GEARY,
	NOUS_GETIS_ORD
} nous_global_kind;

/*
 * Global statistic of the values x[0..g->n-1] (one per node of g; NaN marks
 * an area without value, left out with its links).  NOUS_ERR_DOMAIN with
 * r->islands > 0 when there are islands and keep_islands is false;
 * NOUS_ERR_EMPTY when fewer than 4 areas (the variances need n > 3) or no link.
 */
extern nous_status nous_global_autocorr(const nous_graph *g, const double *x,
										nous_global_kind kind,
										const nous_autocorr_opts *o,
										nous_global_result *r);

/* Per-area local Moran (Anselin 1995) with conditional-randomisation moments
 * (Sokal et al. 1998; spdep >= 1.1-8). */
typedef struct nous_local_result
{
	double		ii;
	double		expected;
	double		variance;
	double		z;
	double		p_normal;		/* under the alternative (two-sided by default) */
	double		p_perm;			/* pseudo p (nous_perm_p); NaN without permutations */
	double		p_fdr;			/* Benjamini-Hochberg adjustment of p_perm (or p_normal) */
	int			quadrant;		/* 1 HH, 2 LH, 3 LL, 4 HL; 0 for an island or an area without value */
	double		lag;			/* spatial lag of z */
} nous_local_result;

extern nous_status nous_local_moran(const nous_graph *g, const double *x,
									const nous_autocorr_opts *o,
									nous_local_result *out, int32_t *islands);

/* Per-area local Getis-Ord statistic. */
typedef struct nous_local_g_result
{
	double		g;
	double		expected;
	double		variance;
	double		z;
	double		p_normal;		/* under the alternative (two-sided by default) */
	double		p_perm;			/* conditional-permutation pseudo p (nous_perm_p); NaN without */
	double		p_fdr;			/* Benjamini-Hochberg adjustment of p_perm (or p_normal) */
} nous_local_g_result;

/*
 * Local Gi (star = false: the area itself left out) or Gi* (star = true: the
 * area is its own neighbour, weighted before the style), Getis & Ord (1992),
 * Ord & Getis (1995).  Values must not be negative (glue checks).
 */
extern nous_status nous_local_g(const nous_graph *g, const double *x, bool star,
								const nous_autocorr_opts *o,
								nous_local_g_result *out, int32_t *islands);

/*
 * Connected components of the graph with links taken as undirected: comp[i]
 * receives the index of the smallest node of i's component (union-find with
 * path halving and union by index, Tarjan 1975).
 */
extern nous_status nous_graph_components(const nous_graph *g, int32_t *comp);

/* Standard normal two-sided p-value 2 (1 - Phi(|z|)). */
extern double nous_p_two_sided(double z);

/* Standard normal p-value of z under an alternative: two-sided
 * 2 (1 - Phi(|z|)), greater 1 - Phi(z), less Phi(z). */
extern double nous_p_normal(double z, nous_alternative alt);

/*
 * Pseudo p-value of a permutation test (Hope 1968) from ge (permutations
 * whose statistic is at least the observed one) and le (at most): greater
 * (ge + 1) / (perms + 1), less (le + 1) / (perms + 1), two-sided the folded
 * (min(ge, perms - ge) + 1) / (perms + 1) of esda.
 */
extern double nous_perm_p(long ge, long le, int perms, nous_alternative alt);

/* ---- the stored form of nous.weights ---- */

/*
 * A stored value: a 4-byte length word (the server's), a version byte
 * (NOUS_WEIGHTS_VERSION), a flags byte (0), 2 reserved bytes, int32 n, int32
 * nnz, 8 bytes of padding (NOUS_WEIGHTS_HDRSZ bytes in all), then int64
 * ids[n], int32 rowptr[n + 1], int32 col[nnz], in the machine's byte order.
 */
#define NOUS_WEIGHTS_VERSION 1
#define NOUS_WEIGHTS_HDRSZ 24

/*
 * Weights with text ids (0.2.0, the type nous.text_weights, format version
 * 1 of its own): the flags byte NOUS_WEIGHTS_TEXT_IDS, the same arrays with
 * ids[i] = i (the rank of the area's text id in byte order, strcmp), then a
 * string table: int32 off[n + 1] (off[0] = 0) and the ids, each followed by
 * a NUL, sorted strictly increasing: string i is chars[off[i] ..
 * off[i + 1] - 2].  Bigint weights (flags 0) are byte for byte as in 0.1.0.
 */
#define NOUS_WEIGHTS_TEXT_IDS 0x01

/* The text ids of a value: n strings (n = -1 for bigint ids). */
typedef struct nous_strtab
{
	int32_t		n;
	const int32_t *off;			/* n + 1 offsets into chars */
	const char *chars;
} nous_strtab;

/* Strings collected one after the other (string i at chars + off[i], NUL-terminated). */
typedef struct nous_strings
{
	char	   *chars;
	size_t		cap;
	size_t	   *off;			/* n + 1 */
	size_t		n;
	size_t		ocap;
} nous_strings;

extern void nous_strings_free(nous_strings *b);

/*
 * The rank of each string of b among the distinct strings of b in byte
 * order (strcmp): rank[i] for string i; *nu distinct strings, (*first)[r]
 * the number of a string of rank r (nous_alloc).
 */
extern nous_status nous_strings_rank(const nous_strings *b, int64_t *rank, size_t *nu,
									 size_t **first);

/* Bytes of a value with text ids: n areas, nnz links, nchars bytes of strings (NULs included). */
extern size_t nous_weights_size_text(int32_t n, int32_t nnz, size_t nchars);

/* The invariants of a string table of nchars bytes; a sentence in *why. */
extern bool nous_strtab_valid(const nous_strtab *t, size_t nchars, const char **why);

/* Index of the string s in t (binary search), or -1. */
extern int32_t nous_strtab_find(const nous_strtab *t, const char *s);

/* nous_weights_view, with the text ids in *t (t->n = -1 for bigint ids; t may be NULL). */
extern nous_status nous_weights_view_ids(const void *value, size_t len, bool full,
										 nous_graph *g, nous_strtab *t, const char **why);

/* Write g with the text ids t (nous_weights_size_text bytes), all but the length word. */
extern void nous_weights_write_text(void *value, const nous_graph *g, const nous_strtab *t);

/* Bytes of a value of n areas and nnz links. */
extern size_t nous_weights_size(int32_t n, int32_t nnz);

/*
 * View the len bytes of a stored value (8-byte aligned) as a graph (no
 * copy): its header and length always, every invariant of the graph when
 * full.  NOUS_ERR_DOMAIN with a sentence in *why when the value is not one.
 */
extern nous_status nous_weights_view(const void *value, size_t len, bool full,
									 nous_graph *g, const char **why);

/* Write g as a stored value into value (nous_weights_size bytes), all but
 * the length word. */
extern void nous_weights_write(void *value, const nous_graph *g);

/* Links and areas read from the text form. */
typedef struct nous_weights_links
{
	int64_t    *from;
	int64_t    *to;
	size_t		m;
	int64_t    *nodes;			/* the keys, in the order of the text */
	size_t		nn;
} nous_weights_links;

/*
 * Parse the text form {id:[id,id,...],id:[],...} (NUL-terminated) into
 * links (nous_alloc; nous_weights_links_free).  NOUS_ERR_SYNTAX with a
 * sentence in *why when the text does not parse (nothing to free then).
 */
extern nous_status nous_weights_parse(const char *s, nous_weights_links *l, const char **why);

/*
 * The text form with text ids {"id":["id",...],...}: the ids are collected
 * in *strs, one per occurrence, and l holds their numbers there (the
 * caller ranks them with nous_strings_rank).  A quote or a backslash in an
 * id is escaped by a backslash.  Nothing to free on error.
 */
extern nous_status nous_weights_parse_text(const char *s, nous_weights_links *l,
										   nous_strings *strs, const char **why);
extern void nous_weights_links_free(nous_weights_links *l);

/*
 * Areal weighting (Goodchild & Lam 1980) of ns sources onto nt targets,
 * given the np source-target pairs (src[k], tgt[k]) and the area of their
 * intersection overlap[k]: for each target t, over the pairs of positive
 * overlap whose source has a value (sval not NaN),
 *   extensive: estimate = Σ v_s |s ∩ t| / |s|   (sources of area 0 add nothing)
 *   intensive: estimate = Σ v_s |s ∩ t| / Σ |s ∩ t|,
 * covered = Σ |s ∩ t| and count = the number of such sources; estimate is
 * NaN when no source counts.  NOUS_ERR_DOMAIN / NOUS_ERR_PARAM with *why
 * for an index out of range or a value that is not finite.
 */
extern nous_status nous_areal_weighting(int32_t ns, int32_t nt, const double *sarea,
										const double *sval, size_t np, const int32_t *src,
										const int32_t *tgt, const double *overlap, bool intensive,
										double *estimate, double *covered, int32_t *count,
										const char **why);

#endif							/* NOUS_SPATIAL_H */
