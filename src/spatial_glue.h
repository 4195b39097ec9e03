/*
 * spatial_glue.h — what the glue files of the spatial module (src/spatial_*.c)
 * share: the layout of the type nous.weights, the states of the aggregates
 * over geometries and of the autocorrelation aggregates, and the helpers
 * that call PostGIS.  Private to the module: no other glue file includes it.
 */
#ifndef NOUS_SPATIAL_GLUE_H
#define NOUS_SPATIAL_GLUE_H

#include "postgres.h"

#include <math.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/expandeddatum.h"

#include "spatial.h"

/* ---- the type nous.weights (spatial_weights.c) ---- */

#define WEIGHTS_VERSION 1		/* of nous.weights and of nous.text_weights */

typedef struct NousWeights
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* 0 (bigint ids), NOUS_WEIGHTS_TEXT_IDS (nous.text_weights) */
	uint16		reserved;
	int32		n;
	int32		nnz;
	int32		pad[2];
	/* int64 ids[n]; int32 rowptr[n + 1]; int32 col[nnz]; */
} NousWeights;

#define WEIGHTS_HDRSZ MAXALIGN(sizeof(NousWeights))
#define WEIGHTS_IDS(w) ((int64 *) ((char *) (w) + WEIGHTS_HDRSZ))
#define WEIGHTS_ROWPTR(w) ((int32 *) (WEIGHTS_IDS(w) + (w)->n))
#define WEIGHTS_COL(w) (WEIGHTS_ROWPTR(w) + (w)->n + 1)
/* text ids: ids[i] = i, then the string table (spatial.h) */
#define WEIGHTS_IS_TEXT(w) (((w)->flags & NOUS_WEIGHTS_TEXT_IDS) != 0)
#define WEIGHTS_STROFF(w) ((int32 *) (WEIGHTS_COL(w) + (w)->nnz))
#define WEIGHTS_CHARS(w) ((char *) (WEIGHTS_STROFF(w) + (w)->n + 1))
#define WEIGHTS_STR(w, i) (WEIGHTS_CHARS(w) + WEIGHTS_STROFF(w)[i])

/* ---- text ids (spatial_textids.c) ---- */

/* append the len bytes at s to b as one more string, memory in ctx; its number */
extern int64 strs_push(MemoryContext ctx, nous_strings *b, const char *s, Size len);
/* the same for a text datum */
extern int64 strs_push_text(MemoryContext ctx, nous_strings *b, Datum t);
/* weights with text ids from links and areas given as numbers of strings of strs */
extern NousWeights *weights_from_text_links(const int64 *from, const int64 *to, size_t m,
											const int64 *nodes, size_t nn,
											const nous_strings *strs);
/* the ranks of the strings of strs (rank[i] of string i) and the distinct strings in order */
extern const char **strs_ranks(const nous_strings *strs, int64 *rank, size_t *nu);
/* weights with text ids from weights g over the ranks 0..n-1 of the sorted names */
extern NousWeights *weights_attach_names(NousWeights *g, const char *const *names);
/* an id for a message: names[id] quoted when names is given, else the bigint */
extern char *spatial_id_name(const char *const *names, int64 id);
/* the id of area i as a datum: bigint or text */
extern Datum weights_id_datum(NousWeights *w, int32 i);
/* the id of area i for a message */
extern char *weights_id_name(NousWeights *w, int32 i);
/* index of the text id s in w (text ids), or -1 */
extern int32 weights_find_text(NousWeights *w, const char *s);
/* an error (42804) unless the ids of w are of the type idtype (INT8OID or TEXTOID) */
extern void weights_check_id_type(NousWeights *w, Oid idtype, const char *what);

/* bytes of a value of n areas and nnz links */
extern Size weights_size(int32 n, int32 nnz);
/* detoast and check the header (O(1)); full checks happen on input */
extern NousWeights *weights_get(Datum d);
/* the graph of the core over the arrays of w (no copy) */
extern void weights_graph(NousWeights *w, nous_graph *g);
/* a weights value from m links and nn areas, reporting errors */
extern NousWeights *weights_from_links(const int64 *from, const int64 *to, size_t m,
									   const int64 *nodes, size_t nn);
/* every invariant of the graph; an error of SQLSTATE errcode_ when broken */
extern void weights_check_full(NousWeights *w, int errcode_);
/* qsort comparison of int64 (the first of a pair) */
extern int	spatial_cmp_id(const void *a, const void *b);

/* ---- aggregate states (spatial_geoms.c) ---- */

/*
 * An expanded state whose flat form is built whole by a function and kept
 * until the next change (nous.geom_rows, the links of nous.weights): its
 * struct begins with a SpatialCachedEO, build set when it is made; a change
 * sets flat to NULL.  Its methods are {spatial_cached_flat_size,
 * spatial_cached_flatten}, in an ExpandedObjectMethods of its own (the
 * address tells the types apart).
 */
typedef struct SpatialCachedEO
{
	ExpandedObjectHeader hdr;
	struct varlena *flat;		/* the flat form after the last change, or NULL */
	struct varlena *(*build) (struct SpatialCachedEO *eo);	/* the flat form, anywhere */
} SpatialCachedEO;

/* the flat form: build run in a scratch context, its result kept in the object's */
extern struct varlena *spatial_cached_flat(SpatialCachedEO *eo);
extern Size spatial_cached_flat_size(ExpandedObjectHeader *eohptr);
extern void spatial_cached_flatten(ExpandedObjectHeader *eohptr, void *result, Size size);
/* a StringInfo reading the bytes of b */
extern void spatial_state_buf(bytea *b, StringInfo buf);

/* ids and geometries of nous.contiguity, nous.knn, nous.distance_band (nous.geom_rows) */
typedef struct GeomState
{
	int64	   *ids;
	Datum	   *geoms;			/* detoasted copies in the aggregate context */
	int64		n;
	int64		cap;
	Oid			geomtype;		/* PostGIS's geometry type */
	char		kind;			/* 'q' queen, 'r' rook, 'k' knn, 'd' distance band */
	double		param;			/* k or the distance */
	nous_strings *tids;			/* text ids: string i is the id of row i; NULL for bigint */
	const char **names;			/* after geoms_ranks: the distinct text ids in order */
} GeomState;

/* text ids: ids[i] becomes the rank of the id of row i, names the ids in order */
extern void geoms_ranks(GeomState *s);
/* the weights of the final functions, with the text ids when there are */
extern NousWeights *geoms_weights(GeomState *s, NousWeights *w);

/* the transition of those aggregates: (state, id, geom, ...) */
extern Datum geoms_trans(FunctionCallInfo fcinfo, char kind, double param, bool text_ids);
/*
 * Ready for a final function: text ids ranked, an error for an id twice
 * (23505; points or areas), the geometries as an array
 */
extern ArrayType *geoms_prepare(GeomState *s, bool points);
/* the rows of the state argument 0 of a final function, a private copy; NULL when none */
extern GeomState *geoms_final_state(FunctionCallInfo fcinfo, bool text_ids);

/* ---- PostGIS (spatial_postgis.c) ---- */

/* nous.max_neighbour_pairs */
extern int	spatial_max_pairs;
/* the error of a function that found more pairs than the setting allows */
extern void spatial_too_many_pairs(const char *what, const char *pairs, int32 n);
/* inside SPI: the quoted schema of PostGIS */
extern const char *spatial_postgis_schema(void);
/* the SRID sr of row i: the first sets *srid, any other differing is an error (22023) */
extern void spatial_check_srid(int32 *srid, int32 sr, int32 i, const char *detail);
/* inside SPI: whether srid is longitude/latitude in PostGIS's spatial_ref_sys (schema ps) */
extern bool spatial_srid_geographic(const char *ps, int32 srid);
/* inside SPI: the two oids of the one row of query; elog "nous: PostGIS <what> not found" */
extern void spatial_postgis_fn_pair(const char *query, const char *what, Oid *fn1, Oid *fn2);
/* the type geometry of PostGIS (no SPI) */
extern Oid	spatial_geometry_type(void);

typedef struct RingBuf
{
	MemoryContext cxt;
	double	   *x,
			   *y;
	Size		npts,
				ptcap;
	Size	   *start;			/* nring + 1 */
	int32	   *poly;
	Size		nring,
				ringcap;
} RingBuf;

/* inside SPI: boxes, checks and (with rb) rings of the polygons of garr */
extern void spatial_polygon_boxes(const char *ps, Oid geomtype, ArrayType *garr,
								  const char *const *names,
								  const int64 *ids, int32 n,
								  double *x0, double *y0, double *x1, double *y1,
								  int32 *srid_out, const char *why_polygons, RingBuf *rb);
/* impl(fcinfo), a pending cancel reported as a cancel (57014) */
extern Datum spatial_call_keeping_cancel(PGFunction impl, FunctionCallInfo fcinfo);

/* ---- rings from WKB (spatial_wkb.c) ---- */

/* an empty ring buffer in rb->cxt */
extern void spatial_rings_init(RingBuf *rb);
/* the rings of one (multi)polygon given as WKB (bytea), for polygon poly */
extern void spatial_rings_add_wkb(RingBuf *rb, Datum wkb, int32 poly);

/* ---- autocorrelation (spatial_autocorr_state.c) ---- */

#define AC_STATE_VERSION 1
/* what a 0.1.0 autocorrelation state that does not decode is called in its error */
#define AC_STATE_WHAT "autocorrelation aggregate state"
#define AC_OPTS_MAXLEN 255

typedef struct AcState
{
	NousWeights *w;				/* copy in the aggregate context */
	Pointer		w_seen;			/* the last raw weights argument found equal */
	int64	   *ids;
	double	   *x;				/* NaN for a NULL value */
	int64		n;
	int64		cap;
	char		opts[AC_OPTS_MAXLEN + 1];
} AcState;

typedef struct AcOpts
{
	nous_autocorr_opts core;
	bool		drop_missing;
	double		alpha;
} AcOpts;

extern const char *ac_style_name(nous_wstyle s);
/* options 'style=W, permutations=999, seed=1, islands=error, missing=error, alpha=0.05' */
extern void ac_parse_opts(const char *text, nous_wstyle default_style, AcOpts *o);
extern nous_alternative ac_parse_alternative(const char *v);
/* the rows mapped onto the areas of the weights: x per node, NaN if missing */
extern double *ac_values(AcState *s, nous_graph *g, AcOpts *o);
/* the value of a row (w, id, value from argument 1): NaN for NULL; errors for a NULL id, a value not finite */
extern double ac_row_value(FunctionCallInfo fcinfo);
/* the value of area id in argument argno: NaN for NULL; an error when not finite (per row: inline) */
static inline double
spatial_value_arg(FunctionCallInfo fcinfo, int argno, int64 id)
{
	double		v;

	if (PG_ARGISNULL(argno))
		return NAN;
	v = PG_GETARG_FLOAT8(argno);
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value of area " INT64_FORMAT " is not finite", id),
				 errhint("Replace NaN and infinite values by NULL.")));
	return v;
}
/* the error of a status of the core statistics */
extern void ac_status(nous_status st, int32 islands, const char *what);
/* a float8 datum, NULL when v is not finite */
extern Datum ac_float_or_null(double v, bool *isnull);

/* ---- the statistics of a state (spatial_autocorr.c), for the aggregates
 * and for the two-step functions over nous.area_values ---- */

/* a global statistic: the composite result of the call; NULL without rows */
extern Datum ac_global_result(FunctionCallInfo fcinfo, AcState *s, nous_global_kind kind);
/* local Moran: an array of nous.local_moran_result */
extern Datum ac_local_moran_result(FunctionCallInfo fcinfo, AcState *s);
/* local G or G*: an array of nous.local_g_result */
extern Datum ac_local_g_result(FunctionCallInfo fcinfo, AcState *s, bool star);

#endif							/* NOUS_SPATIAL_GLUE_H */
