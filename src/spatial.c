/*
 * spatial.c — SQL glue of the spatial module: the type nous.weights (a
 * compact sparse graph: CSR over sorted bigint ids), its aggregates from an
 * edge list (nous.weights) and from polygons (nous.contiguity, PostGIS
 * predicates through SPI on candidate pairs found by a bounding-box sweep),
 * and the autocorrelation aggregates (nous.moran, nous.geary,
 * nous.getis_ord, nous.local_moran).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "nous.h"
#include "spatial.h"

/* ---- the type nous.weights ---- */

#define WEIGHTS_VERSION 1

/*
 * nous.max_neighbour_pairs: the most pairs of areas or points that
 * nous.contiguity, nous.distance_band and nous.areal_interpolation collect
 * (checked while collecting: memory never grows past it).  The hard maximum
 * keeps every array of links under PostgreSQL's 1 GB allocation limit.
 */
#define MAX_PAIRS_HARD 50000000
static int	max_neighbour_pairs = MAX_PAIRS_HARD;

void
nous_spatial_init(void)
{
	DefineCustomIntVariable("nous.max_neighbour_pairs",
							"Most pairs of neighbours (or candidate pairs) a spatial weights function collects.",
							"nous.contiguity, nous.distance_band and nous.areal_interpolation stop with an error "
							"past it; each pair takes about 100 bytes while the weights are built.",
							&max_neighbour_pairs, MAX_PAIRS_HARD, 1, MAX_PAIRS_HARD,
							PGC_SUSET, 0, NULL, NULL, NULL);
}

/* The error of a function that found more pairs than the setting allows. */
static void
too_many_pairs(const char *what, const char *pairs, int32 n)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s: more than %d %s", what, max_neighbour_pairs, pairs),
			 errdetail("The %d inputs give more pairs than nous.max_neighbour_pairs (%d) allows; "
					   "each pair takes about 100 bytes of memory while the weights are built.",
					   n, max_neighbour_pairs),
			 errhint("%s", strcmp(what, "nous.distance_band") == 0
					 ? "Choose a smaller distance, or nous.knn for a fixed number of neighbours."
					 : "Check that the geometries are in a projected coordinate system and do not overlap; "
					 "a superuser may change nous.max_neighbour_pairs (at most 50000000).")));
}

typedef struct NousWeights
{
	int32		vl_len_;
	uint8		version;
	uint8		flags;			/* reserved: 0 (binary weights) */
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

static Size
weights_size(int32 n, int32 nnz)
{
	return WEIGHTS_HDRSZ + sizeof(int64) * (Size) n + sizeof(int32) * ((Size) n + 1) +
		sizeof(int32) * (Size) nnz;
}

static NousWeights *
weights_make(const int64 *ids, int32 n, const int32 *rowptr, const int32 *col, int32 nnz)
{
	Size		sz = weights_size(n, nnz);
	NousWeights *w;

	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("weights too large: %d areas and %d links", n, nnz)));
	w = palloc0(sz);
	SET_VARSIZE(w, sz);
	w->version = WEIGHTS_VERSION;
	w->n = n;
	w->nnz = nnz;
	memcpy(WEIGHTS_IDS(w), ids, sizeof(int64) * n);
	memcpy(WEIGHTS_ROWPTR(w), rowptr, sizeof(int32) * (n + 1));
	if (nnz > 0)
		memcpy(WEIGHTS_COL(w), col, sizeof(int32) * nnz);
	return w;
}

static void
weights_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("invalid nous.weights value"),
			 errdetail("%s", detail)));
}

/* Detoast and check the header (O(1)); full checks happen on input. */
static NousWeights *
weights_get(Datum d)
{
	NousWeights *w = (NousWeights *) PG_DETOAST_DATUM(d);

	if (VARSIZE(w) > VARHDRSZ)
		nous_check_format_version("nous.weights", w->version, 1, WEIGHTS_VERSION);
	if (VARSIZE(w) < WEIGHTS_HDRSZ)
		weights_corrupt("The value is truncated.");
	if (w->n < 0 || w->nnz < 0 || w->n > NOUS_GRAPH_MAX || w->nnz > NOUS_GRAPH_MAX ||
		VARSIZE(w) != weights_size(w->n, w->nnz))
		weights_corrupt("The length does not match the number of areas and links.");
	return w;
}

static void
weights_graph(NousWeights *w, nous_graph *g)
{
	g->n = w->n;
	g->nnz = w->nnz;
	g->ids = WEIGHTS_IDS(w);
	g->rowptr = WEIGHTS_ROWPTR(w);
	g->col = WEIGHTS_COL(w);
}

/* Build a weights value from links and nodes, reporting errors. */
static NousWeights *
weights_from_links(const int64 *from, const int64 *to, size_t m, const int64 *nodes, size_t nn)
{
	int64_t    *ids;
	int32_t    *rowptr,
			   *col,
				n,
				nnz;
	int64_t		bad = 0;
	nous_status st;
	NousWeights *w;

	st = nous_graph_build((const int64_t *) from, (const int64_t *) to, m,
						  (const int64_t *) nodes, nn, &ids, &n, &rowptr, &col, &nnz, &bad);
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("area " INT64_FORMAT " is its own neighbour", (int64) bad),
				 errdetail("Spatial weights have no self-links (w_ii = 0)."),
				 errhint("Remove the rows where from_id = to_id.")));
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many areas or links for nous.weights"),
				 errdetail("At most %d areas and %d links are supported.", NOUS_GRAPH_MAX, NOUS_GRAPH_MAX)));
	if (st != NOUS_OK)
		nous_report_status(st, "weights");
	w = weights_make((int64 *) ids, n, rowptr, col, nnz);
	nous_free(ids);
	nous_free(rowptr);
	nous_free(col);
	return w;
}

static int
cmp_id_index(const void *a, const void *b)
{
	int64		x = ((const int64 *) a)[0],
				y = ((const int64 *) b)[0];

	return (x > y) - (x < y);
}

PG_FUNCTION_INFO_V1(nous_weights_in);

/* Text input: {id:[id,id,...],id:[],...} */
Datum
nous_weights_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	char	   *p = s;
	int64	   *from = palloc(sizeof(int64) * 64);
	int64	   *to = palloc(sizeof(int64) * 64);
	int64	   *nodes = palloc(sizeof(int64) * 64);
	size_t		m = 0,
				mcap = 64,
				nn = 0,
				ncap = 64;
	NousWeights *w;

#define SKIP() while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++
#define BAD(msg) ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION), \
		errmsg("invalid input syntax for type nous.weights: \"%s\"", s), errdetail(msg)))

	SKIP();
	if (*p++ != '{')
		BAD("A weights value starts with \"{\".");
	SKIP();
	if (*p == '}')
		p++;
	else
	{
		for (;;)
		{
			char	   *end;
			int64		id;

			SKIP();
			errno = 0;
			id = strtoll(p, &end, 10);
			if (end == p || errno != 0)
				BAD("Expected an area id (a bigint).");
			p = end;
			if (nn == ncap)
				nodes = repalloc_huge(nodes, sizeof(int64) * (ncap *= 2));
			nodes[nn++] = id;
			SKIP();
			if (*p++ != ':')
				BAD("Expected \":\" after an area id.");
			SKIP();
			if (*p++ != '[')
				BAD("Expected \"[\" before the neighbours of an area.");
			SKIP();
			if (*p == ']')
				p++;
			else
				for (;;)
				{
					int64		nb;

					SKIP();
					errno = 0;
					nb = strtoll(p, &end, 10);
					if (end == p || errno != 0)
						BAD("Expected a neighbour id (a bigint).");
					p = end;
					if (m == mcap)
					{
						mcap *= 2;
						from = repalloc_huge(from, sizeof(int64) * mcap);
						to = repalloc_huge(to, sizeof(int64) * mcap);
					}
					from[m] = id;
					to[m++] = nb;
					SKIP();
					if (*p == ',')
					{
						p++;
						continue;
					}
					if (*p++ != ']')
						BAD("Expected \",\" or \"]\" in a list of neighbours.");
					break;
				}
			SKIP();
			if (*p == ',')
			{
				p++;
				continue;
			}
			if (*p++ != '}')
				BAD("Expected \",\" or \"}\" after a list of neighbours.");
			break;
		}
	}
	SKIP();
	if (*p != '\0')
		BAD("Unexpected characters after \"}\".");
	w = weights_from_links(from, to, m, nodes, nn);
	{
		size_t		distinct = 0;

		qsort(nodes, nn, sizeof(int64), cmp_id_index);
		for (size_t i = 0; i < nn; i++)
			if (i == 0 || nodes[i] != nodes[i - 1])
				distinct++;
		if (distinct != nn || w->n != (int32) nn)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input for type nous.weights"),
					 errdetail(distinct != nn ? "An area appears more than once as a key." :
							   "A neighbour is not one of the areas (keys).")));
	}
#undef SKIP
#undef BAD
	PG_RETURN_POINTER(w);
}

PG_FUNCTION_INFO_V1(nous_weights_out);

Datum
nous_weights_out(PG_FUNCTION_ARGS)
{
	NousWeights *w = weights_get(PG_GETARG_DATUM(0));
	StringInfoData buf;
	int64	   *ids = WEIGHTS_IDS(w);
	int32	   *rowptr = WEIGHTS_ROWPTR(w);
	int32	   *col = WEIGHTS_COL(w);

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int32 i = 0; i < w->n; i++)
	{
		appendStringInfo(&buf, "%s" INT64_FORMAT ":[", i > 0 ? "," : "", ids[i]);
		for (int32 k = rowptr[i]; k < rowptr[i + 1]; k++)
			appendStringInfo(&buf, "%s" INT64_FORMAT, k > rowptr[i] ? "," : "", ids[col[k]]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, '}');
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(nous_weights_send);

Datum
nous_weights_send(PG_FUNCTION_ARGS)
{
	NousWeights *w = weights_get(PG_GETARG_DATUM(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, WEIGHTS_VERSION);
	pq_sendint32(&buf, w->n);
	pq_sendint32(&buf, w->nnz);
	for (int32 i = 0; i < w->n; i++)
		pq_sendint64(&buf, WEIGHTS_IDS(w)[i]);
	for (int32 i = 0; i <= w->n; i++)
		pq_sendint32(&buf, WEIGHTS_ROWPTR(w)[i]);
	for (int32 i = 0; i < w->nnz; i++)
		pq_sendint32(&buf, WEIGHTS_COL(w)[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
weights_check_full(NousWeights *w, int errcode_)
{
	nous_graph	g;
	const char *err = NULL;

	weights_graph(w, &g);
	if (!nous_graph_valid(&g, &err))
		ereport(ERROR,
				(errcode(errcode_),
				 errmsg("invalid nous.weights value"),
				 errdetail("%s", err)));
}

PG_FUNCTION_INFO_V1(nous_weights_recv);

Datum
nous_weights_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		n,
				nnz;
	NousWeights *w;

	if (buf->len - buf->cursor < 9)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary nous.weights value"),
				 errdetail("The binary value is too short.")));
	nous_check_format_version("nous.weights", pq_getmsgbyte(buf), 1, WEIGHTS_VERSION);
	n = pq_getmsgint(buf, 4);
	nnz = pq_getmsgint(buf, 4);
	if (n < 0 || nnz < 0 || n > NOUS_GRAPH_MAX || nnz > NOUS_GRAPH_MAX ||
		(int64) (buf->len - buf->cursor) != 8 * (int64) n + 4 * ((int64) n + 1) + 4 * (int64) nnz)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary nous.weights value"),
				 errdetail("The length does not match the number of areas and links.")));
	w = palloc0(weights_size(n, nnz));
	SET_VARSIZE(w, weights_size(n, nnz));
	w->version = WEIGHTS_VERSION;
	w->n = n;
	w->nnz = nnz;
	for (int32 i = 0; i < n; i++)
		WEIGHTS_IDS(w)[i] = pq_getmsgint64(buf);
	for (int32 i = 0; i <= n; i++)
		WEIGHTS_ROWPTR(w)[i] = pq_getmsgint(buf, 4);
	for (int32 i = 0; i < nnz; i++)
		WEIGHTS_COL(w)[i] = pq_getmsgint(buf, 4);
	weights_check_full(w, ERRCODE_INVALID_BINARY_REPRESENTATION);
	PG_RETURN_POINTER(w);
}

PG_FUNCTION_INFO_V1(nous_link_count);

/* nous.link_count(w): directed links. */
Datum
nous_link_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(weights_get(PG_GETARG_DATUM(0))->nnz);
}

PG_FUNCTION_INFO_V1(nous_area_count);

/* nous.area_count(w): areas (nodes), islands included. */
Datum
nous_area_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(weights_get(PG_GETARG_DATUM(0))->n);
}

PG_FUNCTION_INFO_V1(nous_islands);

/* nous.islands(w): ids of the areas without a neighbour. */
Datum
nous_islands(PG_FUNCTION_ARGS)
{
	NousWeights *w = weights_get(PG_GETARG_DATUM(0));
	Datum	   *d = palloc(sizeof(Datum) * Max(w->n, 1));
	int			m = 0;

	for (int32 i = 0; i < w->n; i++)
		if (WEIGHTS_ROWPTR(w)[i + 1] == WEIGHTS_ROWPTR(w)[i])
			d[m++] = Int64GetDatum(WEIGHTS_IDS(w)[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

PG_FUNCTION_INFO_V1(nous_neighbours);

/* nous.neighbours(w) → SETOF (from_id, to_id): the directed links. */
Datum
nous_neighbours(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NousWeights *w = weights_get(PG_GETARG_DATUM(0));

	InitMaterializedSRF(fcinfo, 0);
	for (int32 i = 0; i < w->n; i++)
		for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
		{
			Datum		vals[2];
			bool		nulls[2] = {false, false};

			vals[0] = Int64GetDatum(WEIGHTS_IDS(w)[i]);
			vals[1] = Int64GetDatum(WEIGHTS_IDS(w)[WEIGHTS_COL(w)[k]]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_components);

/*
 * nous.components(w) → SETOF (id, component, size): connected components of
 * the weights (links taken as undirected); a component is named by its
 * smallest id.
 */
Datum
nous_components(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NousWeights *w = weights_get(PG_GETARG_DATUM(0));
	nous_graph	g;
	int32	   *comp,
			   *size;

	InitMaterializedSRF(fcinfo, 0);
	weights_graph(w, &g);
	comp = palloc(sizeof(int32) * Max(g.n, 1));
	size = palloc0(sizeof(int32) * Max(g.n, 1));
	nous_graph_components(&g, comp);
	for (int32 i = 0; i < g.n; i++)
		size[comp[i]]++;
	for (int32 i = 0; i < g.n; i++)
	{
		Datum		vals[3];
		bool		nulls[3] = {false, false, false};

		vals[0] = Int64GetDatum(g.ids[i]);
		vals[1] = Int64GetDatum(g.ids[comp[i]]);
		vals[2] = Int32GetDatum(size[comp[i]]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_neighbours_styled);

/* nous.neighbours(w, style) → SETOF (from_id, to_id, weight): styled links. */
Datum
nous_neighbours_styled(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	NousWeights *w = weights_get(PG_GETARG_DATUM(0));
	char	   *style = text_to_cstring(PG_GETARG_TEXT_PP(1));
	char		st;

	if (pg_strcasecmp(style, "B") == 0 || pg_strcasecmp(style, "W") == 0 || pg_strcasecmp(style, "C") == 0)
		st = pg_toupper((unsigned char) style[0]);
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown weight style \"%s\"", style),
				 errdetail("Use W (row-standardised), B (binary) or C (globally standardised).")));
	InitMaterializedSRF(fcinfo, 0);
	for (int32 i = 0; i < w->n; i++)
	{
		int32		deg = WEIGHTS_ROWPTR(w)[i + 1] - WEIGHTS_ROWPTR(w)[i];
		double		wt = st == 'B' ? 1.0 : st == 'W' ? 1.0 / Max(deg, 1) :
			(double) w->n / (double) Max(w->nnz, 1);

		for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
		{
			Datum		vals[3];
			bool		nulls[3] = {false, false, false};

			vals[0] = Int64GetDatum(WEIGHTS_IDS(w)[i]);
			vals[1] = Int64GetDatum(WEIGHTS_IDS(w)[WEIGHTS_COL(w)[k]]);
			vals[2] = Float8GetDatum(wt);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		}
	}
	return (Datum) 0;
}

/* ---- nous.weights(from_id, to_id) aggregate ---- */

#define LINKS_STATE_VERSION 1

typedef struct LinksState
{
	int64	   *from;
	int64	   *to;
	int64		m;
	int64		mcap;
	int64	   *nodes;
	int64		nn;
	int64		ncap;
} LinksState;

static LinksState *
links_new(MemoryContext ctx)
{
	LinksState *s = MemoryContextAllocZero(ctx, sizeof(LinksState));

	s->mcap = s->ncap = 256;
	s->from = MemoryContextAllocHuge(ctx, sizeof(int64) * s->mcap);
	s->to = MemoryContextAllocHuge(ctx, sizeof(int64) * s->mcap);
	s->nodes = MemoryContextAllocHuge(ctx, sizeof(int64) * s->ncap);
	return s;
}

static void
links_reserve(LinksState *s, int64 more_links, int64 more_nodes)
{
	if (s->m + more_links > NOUS_GRAPH_MAX || s->nn + more_nodes > NOUS_GRAPH_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many links for nous.weights"),
				 errdetail("At most %d links are supported.", NOUS_GRAPH_MAX)));
	if (s->m + more_links > s->mcap)
	{
		while (s->m + more_links > s->mcap)
			s->mcap *= 2;
		s->from = repalloc_huge(s->from, sizeof(int64) * s->mcap);
		s->to = repalloc_huge(s->to, sizeof(int64) * s->mcap);
	}
	if (s->nn + more_nodes > s->ncap)
	{
		while (s->nn + more_nodes > s->ncap)
			s->ncap *= 2;
		s->nodes = repalloc_huge(s->nodes, sizeof(int64) * s->ncap);
	}
}

PG_FUNCTION_INFO_V1(nous_weights_transfn);

/* A link from_id -> to_id; to_id NULL declares an area (maybe an island). */
Datum
nous_weights_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	LinksState *s;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_weights_transfn called in non-aggregate context");
	s = PG_ARGISNULL(0) ? links_new(aggctx) : (LinksState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
	{
		if (!PG_ARGISNULL(2))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("from_id must not be NULL"),
					 errdetail("A link needs the id of the area it starts from.")));
		PG_RETURN_POINTER(s);
	}
	if (PG_ARGISNULL(2))
	{
		links_reserve(s, 0, 1);
		s->nodes[s->nn++] = PG_GETARG_INT64(1);
	}
	else
	{
		if (PG_GETARG_INT64(1) == PG_GETARG_INT64(2))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("area " INT64_FORMAT " is its own neighbour", PG_GETARG_INT64(1)),
					 errdetail("Spatial weights have no self-links (w_ii = 0)."),
					 errhint("Remove the rows where from_id = to_id.")));
		links_reserve(s, 1, 0);
		s->from[s->m] = PG_GETARG_INT64(1);
		s->to[s->m++] = PG_GETARG_INT64(2);
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_weights_combine);

Datum
nous_weights_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	LinksState *a = PG_ARGISNULL(0) ? NULL : (LinksState *) PG_GETARG_POINTER(0);
	LinksState *b = PG_ARGISNULL(1) ? NULL : (LinksState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_weights_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
		a = links_new(aggctx);
	links_reserve(a, b->m, b->nn);
	memcpy(a->from + a->m, b->from, sizeof(int64) * b->m);
	memcpy(a->to + a->m, b->to, sizeof(int64) * b->m);
	a->m += b->m;
	memcpy(a->nodes + a->nn, b->nodes, sizeof(int64) * b->nn);
	a->nn += b->nn;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_weights_serialize);

Datum
nous_weights_serialize(PG_FUNCTION_ARGS)
{
	LinksState *s = (LinksState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, LINKS_STATE_VERSION);
	pq_sendint64(&buf, s->m);
	pq_sendint64(&buf, s->nn);
	for (int64 i = 0; i < s->m; i++)
	{
		pq_sendint64(&buf, s->from[i]);
		pq_sendint64(&buf, s->to[i]);
	}
	for (int64 i = 0; i < s->nn; i++)
		pq_sendint64(&buf, s->nodes[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
state_corrupt(const char *agg, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid %s aggregate state", agg),
			 errdetail("%s", detail)));
}

static void
state_buf(bytea *b, StringInfo buf)
{
	buf->data = VARDATA_ANY(b);
	buf->len = VARSIZE_ANY_EXHDR(b);
	buf->maxlen = buf->len;
	buf->cursor = 0;
}

PG_FUNCTION_INFO_V1(nous_weights_deserialize);

Datum
nous_weights_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	StringInfoData buf;
	LinksState *s;
	int64		m,
				nn;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_weights_deserialize called in non-aggregate context");
	state_buf(PG_GETARG_BYTEA_PP(0), &buf);
	if (buf.len < 17)
		state_corrupt("nous.weights", "The state is too short.");
	if (pq_getmsgbyte(&buf) != LINKS_STATE_VERSION)
		state_corrupt("nous.weights", "Unknown state version.");
	m = pq_getmsgint64(&buf);
	nn = pq_getmsgint64(&buf);
	if (m < 0 || nn < 0 || m > NOUS_GRAPH_MAX || nn > NOUS_GRAPH_MAX ||
		(int64) (buf.len - buf.cursor) != 16 * m + 8 * nn)
		state_corrupt("nous.weights", "The counts do not match the length of the state.");
	s = links_new(aggctx);
	links_reserve(s, m, nn);
	for (int64 i = 0; i < m; i++)
	{
		s->from[i] = pq_getmsgint64(&buf);
		s->to[i] = pq_getmsgint64(&buf);
		if (s->from[i] == s->to[i])
			state_corrupt("nous.weights", "The state holds a self-link.");
	}
	for (int64 i = 0; i < nn; i++)
		s->nodes[i] = pq_getmsgint64(&buf);
	s->m = m;
	s->nn = nn;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_weights_finalfn);

Datum
nous_weights_finalfn(PG_FUNCTION_ARGS)
{
	LinksState *s = PG_ARGISNULL(0) ? NULL : (LinksState *) PG_GETARG_POINTER(0);

	if (s == NULL || (s->m == 0 && s->nn == 0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(weights_from_links(s->from, s->to, s->m, s->nodes, s->nn));
}

/* ---- nous.contiguity(id, geom, kind) aggregate ---- */

#define GEOM_STATE_VERSION 1

typedef struct GeomState
{
	int64	   *ids;
	Datum	   *geoms;			/* detoasted copies in the aggregate context */
	int64		n;
	int64		cap;
	Oid			geomtype;
	char		kind;			/* 'q' queen, 'r' rook, 'k' knn, 'd' distance band */
	double		param;			/* k or the distance */
} GeomState;

static char
parse_kind(text *t)
{
	char	   *k = text_to_cstring(t);

	if (pg_strcasecmp(k, "queen") == 0)
		return 'q';
	if (pg_strcasecmp(k, "rook") == 0)
		return 'r';
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown contiguity kind \"%s\"", k),
			 errdetail("Use queen (at least one shared boundary point) or rook (a shared boundary segment of positive length).")));
	return 0;
}

static GeomState *
geoms_new(MemoryContext ctx, Oid geomtype, char kind)
{
	GeomState  *s = MemoryContextAllocZero(ctx, sizeof(GeomState));

	s->cap = 256;
	s->ids = MemoryContextAllocHuge(ctx, sizeof(int64) * s->cap);
	s->geoms = MemoryContextAllocHuge(ctx, sizeof(Datum) * s->cap);
	s->geomtype = geomtype;
	s->kind = kind;
	return s;
}

static void
geoms_reserve(GeomState *s, int64 more)
{
	if (s->n + more > NOUS_GRAPH_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many polygons for nous.contiguity")));
	if (s->n + more > s->cap)
	{
		while (s->n + more > s->cap)
			s->cap *= 2;
		s->ids = repalloc_huge(s->ids, sizeof(int64) * s->cap);
		s->geoms = repalloc_huge(s->geoms, sizeof(Datum) * s->cap);
	}
}

static Datum
copy_varlena(MemoryContext ctx, Datum d)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	Size		sz = VARSIZE_ANY(v);
	struct varlena *c = MemoryContextAlloc(ctx, Max(sz, VARHDRSZ));

	/* store with a 4-byte header: SPI arrays want plain varlenas */
	if (VARATT_IS_SHORT(v))
	{
		Size		body = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		c = MemoryContextAlloc(ctx, body + VARHDRSZ);
		SET_VARSIZE(c, body + VARHDRSZ);
		memcpy(VARDATA(c), VARDATA_SHORT(v), body);
	}
	else
		memcpy(c, v, sz);
	return PointerGetDatum(c);
}

static Datum
geoms_trans(FunctionCallInfo fcinfo, char kind, double param)
{
	MemoryContext aggctx;
	GeomState  *s;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_contiguity_transfn called in non-aggregate context");
	s = PG_ARGISNULL(0) ? NULL : (GeomState *) PG_GETARG_POINTER(0);
	if (s == NULL)
	{
		s = geoms_new(aggctx, get_fn_expr_argtype(fcinfo->flinfo, 2), kind);
		s->param = param;
	}
	else if (s->kind != kind || s->param != param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neighbourhood kind and parameter must be the same for every row")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id must not be NULL")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("geometry of area " INT64_FORMAT " is NULL", PG_GETARG_INT64(1)),
				 errhint("Leave out the areas without a geometry.")));
	geoms_reserve(s, 1);
	s->ids[s->n] = PG_GETARG_INT64(1);
	s->geoms[s->n] = copy_varlena(aggctx, PG_GETARG_DATUM(2));
	s->n++;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_contiguity_transfn);

Datum
nous_contiguity_transfn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("contiguity kind must not be NULL")));
	return geoms_trans(fcinfo, parse_kind(PG_GETARG_TEXT_PP(3)), 0);
}

PG_FUNCTION_INFO_V1(nous_contiguity_transfn_queen);

Datum
nous_contiguity_transfn_queen(PG_FUNCTION_ARGS)
{
	return geoms_trans(fcinfo, 'q', 0);
}

PG_FUNCTION_INFO_V1(nous_contiguity_combine);

Datum
nous_contiguity_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	GeomState  *a = PG_ARGISNULL(0) ? NULL : (GeomState *) PG_GETARG_POINTER(0);
	GeomState  *b = PG_ARGISNULL(1) ? NULL : (GeomState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_contiguity_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = geoms_new(aggctx, b->geomtype, b->kind);
		a->param = b->param;
	}
	else if (a->kind != b->kind || a->param != b->param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("neighbourhood kind and parameter must be the same for every row")));
	geoms_reserve(a, b->n);
	for (int64 i = 0; i < b->n; i++)
	{
		a->ids[a->n] = b->ids[i];
		a->geoms[a->n] = copy_varlena(aggctx, b->geoms[i]);
		a->n++;
	}
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_contiguity_serialize);

Datum
nous_contiguity_serialize(PG_FUNCTION_ARGS)
{
	GeomState  *s = (GeomState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, GEOM_STATE_VERSION);
	pq_sendbyte(&buf, s->kind);
	pq_sendfloat8(&buf, s->param);
	pq_sendint32(&buf, s->geomtype);
	pq_sendint64(&buf, s->n);
	for (int64 i = 0; i < s->n; i++)
	{
		Size		sz = VARSIZE(DatumGetPointer(s->geoms[i]));

		pq_sendint64(&buf, s->ids[i]);
		pq_sendint32(&buf, (int32) sz);
		pq_sendbytes(&buf, DatumGetPointer(s->geoms[i]), sz);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_contiguity_deserialize);

Datum
nous_contiguity_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	StringInfoData buf;
	GeomState  *s;
	int64		n;
	char		kind;
	Oid			geomtype;
	double		param;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_contiguity_deserialize called in non-aggregate context");
	state_buf(PG_GETARG_BYTEA_PP(0), &buf);
	if (buf.len < 14)
		state_corrupt("nous.contiguity", "The state is too short.");
	if (pq_getmsgbyte(&buf) != GEOM_STATE_VERSION)
		state_corrupt("nous.contiguity", "Unknown state version.");
	kind = pq_getmsgbyte(&buf);
	if (kind != 'q' && kind != 'r' && kind != 'k' && kind != 'd')
		state_corrupt("nous.contiguity", "Unknown contiguity kind.");
	if (buf.len - buf.cursor < 8 + 12)
		state_corrupt("nous.contiguity", "The state is too short.");
	param = pq_getmsgfloat8(&buf);
	if (!isfinite(param) || param < 0)
		state_corrupt("nous.contiguity", "Invalid neighbourhood parameter.");
	geomtype = pq_getmsgint(&buf, 4);
	n = pq_getmsgint64(&buf);
	if (n < 0 || n > NOUS_GRAPH_MAX || n > (buf.len - buf.cursor) / 12)
		state_corrupt("nous.contiguity", "The number of polygons does not match the length of the state.");
	s = geoms_new(aggctx, geomtype, kind);
	s->param = param;
	geoms_reserve(s, n);
	for (int64 i = 0; i < n; i++)
	{
		int32		sz;
		struct varlena *v;

		if (buf.len - buf.cursor < 12)
			state_corrupt("nous.contiguity", "The state is truncated.");
		s->ids[i] = pq_getmsgint64(&buf);
		sz = pq_getmsgint(&buf, 4);
		if (sz < (int32) VARHDRSZ + 8 || sz > buf.len - buf.cursor)
			state_corrupt("nous.contiguity", "A geometry has an invalid length.");
		v = MemoryContextAlloc(aggctx, sz);
		memcpy(v, pq_getmsgbytes(&buf, sz), sz);
		if (VARATT_IS_SHORT(v) || VARATT_IS_EXTENDED(v) || VARSIZE(v) != (Size) sz)
			state_corrupt("nous.contiguity", "A geometry has an inconsistent header.");
		s->geoms[i] = PointerGetDatum(v);
	}
	if (buf.cursor != buf.len)
		state_corrupt("nous.contiguity", "Unexpected bytes at the end of the state.");
	s->n = n;
	PG_RETURN_POINTER(s);
}

/* Schema of the PostGIS extension, quoted. */
static const char *
postgis_schema(void)
{
	int			ret = SPI_execute("SELECT pg_catalog.quote_ident(n.nspname) "
								  "FROM pg_catalog.pg_extension e "
								  "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace "
								  "WHERE e.extname OPERATOR(pg_catalog.=) 'postgis'", true, 1);

	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension postgis is not installed")));
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
}

typedef struct RingBuf RingBuf;
static void rings_init(RingBuf *rb);
static void rings_add_wkb(RingBuf *rb, Datum wkb, int32 poly);

/*
 * Inside SPI: the bounding box of each polygon of garr, checking that each is
 * a non-empty valid (multi)polygon and that they share one SRID (*srid); with
 * rb, also the rings of every polygon (from WKB), in the same pass.
 */
static void
polygon_boxes(const char *ps, Oid geomtype, ArrayType *garr, const int64 *ids, int32 n,
			  double *x0, double *y0, double *x1, double *y1, int32 *srid_out,
			  const char *why_polygons, RingBuf *rb)
{
	Oid			argtypes[1];
	Datum		args[1];
	StringInfoData q;
	int			ret;
	int32		srid = 0;

	argtypes[0] = get_array_type(geomtype);
	args[0] = PointerGetDatum(garr);
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT %1$s.ST_XMin(b), %1$s.ST_YMin(b), %1$s.ST_XMax(b), %1$s.ST_YMax(b), "
					 "%1$s.ST_SRID(g), %1$s.ST_IsEmpty(g), %1$s.GeometryType(g), %1$s.ST_IsValid(g) ", ps);
	if (rb != NULL)
		appendStringInfo(&q, ", %s.ST_AsBinary(g) ", ps);
	appendStringInfo(&q,
					 "FROM pg_catalog.unnest($1) WITH ORDINALITY AS t(g, i), "
					 "LATERAL (SELECT %1$s.box3d(g) AS b) bb ORDER BY i", ps);
	ret = SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != (uint64) n)
		elog(ERROR, "nous: bounding boxes query failed: %s", SPI_result_code_string(ret));
	if (rb != NULL)
		rings_init(rb);
	for (int32 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *gtype;
		int32		sr;

		sr = DatumGetInt32(SPI_getbinval(tup, td, 5, &isnull));
		if (DatumGetBool(SPI_getbinval(tup, td, 6, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area " INT64_FORMAT " is empty", ids[i]),
					 errhint("Leave out the areas without a geometry.")));
		gtype = SPI_getvalue(tup, td, 7);
		if (strcmp(gtype, "POLYGON") != 0 && strcmp(gtype, "MULTIPOLYGON") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area " INT64_FORMAT " is a %s", ids[i], gtype),
					 errdetail("%s", why_polygons)));
		if (i == 0)
			srid = sr;
		else if (sr != srid)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometries have mixed SRIDs: %d and %d", srid, sr),
					 errdetail("Area " INT64_FORMAT " has SRID %d.", ids[i], sr),
					 errhint("Transform every geometry to the same coordinate system with ST_Transform.")));
		if (!DatumGetBool(SPI_getbinval(tup, td, 8, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area " INT64_FORMAT " is not valid", ids[i]),
					 errhint("Repair it with ST_MakeValid; ST_IsValidReason says what is wrong.")));
		x0[i] = DatumGetFloat8(SPI_getbinval(tup, td, 1, &isnull));
		y0[i] = DatumGetFloat8(SPI_getbinval(tup, td, 2, &isnull));
		x1[i] = DatumGetFloat8(SPI_getbinval(tup, td, 3, &isnull));
		y1[i] = DatumGetFloat8(SPI_getbinval(tup, td, 4, &isnull));
		if (rb != NULL)
		{
			Datum		wkb = SPI_getbinval(tup, td, 9, &isnull);

			if (isnull)
				elog(ERROR, "nous: no WKB for a polygon");
			rings_add_wkb(rb, wkb, i);
		}
	}
	SPI_freetuptable(SPI_tuptable);
	*srid_out = srid;
}

/* ---- rings of polygons from WKB, for the exact rook test ---- */

struct RingBuf
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
};

typedef struct WkbReader
{
	const unsigned char *p;
	Size		len,
				off;
	bool		swap;
} WkbReader;

static void
wkb_bad(void)
{
	elog(ERROR, "nous: unexpected WKB from PostGIS");
}

static uint32
wkb_u32(WkbReader *r)
{
	uint32		v;

	if (r->len - r->off < 4)
		wkb_bad();
	memcpy(&v, r->p + r->off, 4);
	r->off += 4;
	return r->swap ? pg_bswap32(v) : v;
}

static double
wkb_f64(WkbReader *r)
{
	uint64		v;
	double		d;

	if (r->len - r->off < 8)
		wkb_bad();
	memcpy(&v, r->p + r->off, 8);
	r->off += 8;
	if (r->swap)
		v = pg_bswap64(v);
	memcpy(&d, &v, 8);
	return d;
}

/* one (multi)polygon geometry of WKB (ISO or extended): its rings into rb */
static void
wkb_geometry(WkbReader *r, RingBuf *rb, int32 poly, int depth)
{
	uint32		type,
				base,
				ndims = 2,
				n,
				i;
	uint8		order;

	if (r->len - r->off < 1)
		wkb_bad();
	order = r->p[r->off++];
	if (order > 1)
		wkb_bad();
#ifdef WORDS_BIGENDIAN
	r->swap = (order == 1);
#else
	r->swap = (order == 0);
#endif
	type = wkb_u32(r);
	if (type & 0x80000000u)
		ndims++;				/* EWKB Z */
	if (type & 0x40000000u)
		ndims++;				/* EWKB M */
	if (type & 0x20000000u)
		(void) wkb_u32(r);		/* EWKB SRID */
	type &= 0x0fffffffu;
	base = type % 1000;
	ndims += (type / 1000 == 3) ? 2 : (type / 1000 >= 1 ? 1 : 0);
	n = wkb_u32(r);
	if (base == 6 && depth == 0)
	{
		for (i = 0; i < n; i++)
			wkb_geometry(r, rb, poly, 1);
		return;
	}
	if (base != 3)
		wkb_bad();
	for (i = 0; i < n; i++)
	{
		uint32		np = wkb_u32(r),
					k;

		if ((Size) np > (r->len - r->off) / (8 * ndims))
			wkb_bad();
		if (rb->nring + 1 >= rb->ringcap)
		{
			rb->ringcap *= 2;
			rb->start = repalloc_huge(rb->start, sizeof(Size) * rb->ringcap);
			rb->poly = repalloc_huge(rb->poly, sizeof(int32) * rb->ringcap);
		}
		if (rb->npts + np > rb->ptcap)
		{
			while (rb->npts + np > rb->ptcap)
				rb->ptcap *= 2;
			rb->x = repalloc_huge(rb->x, sizeof(double) * rb->ptcap);
			rb->y = repalloc_huge(rb->y, sizeof(double) * rb->ptcap);
		}
		rb->start[rb->nring] = rb->npts;
		rb->poly[rb->nring] = poly;
		for (k = 0; k < np; k++)
		{
			rb->x[rb->npts] = wkb_f64(r);
			rb->y[rb->npts] = wkb_f64(r);
			r->off += 8 * (ndims - 2);
			rb->npts++;
		}
		rb->nring++;
		rb->start[rb->nring] = rb->npts;
	}
}

/* an empty ring buffer in rb->cxt */
static void
rings_init(RingBuf *rb)
{
	rb->ptcap = 4096;
	rb->ringcap = 1024;
	rb->x = MemoryContextAllocHuge(rb->cxt, sizeof(double) * rb->ptcap);
	rb->y = MemoryContextAllocHuge(rb->cxt, sizeof(double) * rb->ptcap);
	rb->start = MemoryContextAllocHuge(rb->cxt, sizeof(Size) * rb->ringcap);
	rb->poly = MemoryContextAllocHuge(rb->cxt, sizeof(int32) * rb->ringcap);
	rb->npts = rb->nring = 0;
	rb->start[0] = 0;
}

/* the rings of one (multi)polygon given as WKB (bytea), for polygon poly */
static void
rings_add_wkb(RingBuf *rb, Datum wkb, int32 poly)
{
	bytea	   *b = DatumGetByteaPP(wkb);
	WkbReader	r;

	r.p = (const unsigned char *) VARDATA_ANY(b);
	r.len = VARSIZE_ANY_EXHDR(b);
	r.off = 0;
	r.swap = false;
	wkb_geometry(&r, rb, poly, 0);
	if (r.off != r.len)
		wkb_bad();
}


/*
 * PostGIS passes a cancel on to GEOS, which then fails with an error of its
 * own ("GEOS isvalid() threw an error!", SQLSTATE XX000): when a cancel or a
 * statement timeout is pending, report that instead, with its SQLSTATE 57014.
 */
static Datum
call_keeping_cancel(PGFunction impl, FunctionCallInfo fcinfo)
{
	MemoryContext outer = CurrentMemoryContext;
	Datum		result = (Datum) 0;

	PG_TRY();
	{
		result = impl(fcinfo);
	}
	PG_CATCH();
	{
		if (QueryCancelPending)
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(outer);
			edata = CopyErrorData();
			FlushErrorState();
			CHECK_FOR_INTERRUPTS();
			ReThrowError(edata);	/* interrupts held off: the original error */
		}
		PG_RE_THROW();
	}
	PG_END_TRY();
	return result;
}

PG_FUNCTION_INFO_V1(nous_contiguity_finalfn);

static Datum contiguity_final(PG_FUNCTION_ARGS);

Datum
nous_contiguity_finalfn(PG_FUNCTION_ARGS)
{
	return call_keeping_cancel(contiguity_final, fcinfo);
}

/*
 * Candidate pairs from a bounding-box sweep in C, then the PostGIS predicate
 * on those pairs only: ST_Intersects (queen: a shared point) or ST_Relate
 * with boundary/boundary of dimension 1 (rook: a shared segment).  Rook is
 * first decided in C on the rings (nous_rook_pairs: shared edges hashed,
 * vertices inside collinear edges found on a grid, exact arithmetic); only
 * the pairs it cannot settle exactly go to PostGIS, with the same answer.
 */
static Datum
contiguity_final(PG_FUNCTION_ARGS)
{
	GeomState  *s = PG_ARGISNULL(0) ? NULL : (GeomState *) PG_GETARG_POINTER(0);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	ArrayType  *garr;
	double	   *x0,
			   *y0,
			   *x1,
			   *y1;
	int64	   *sorted;
	int32	   *pi,
			   *pj;
	size_t		np;
	const char *ps;
	StringInfoData q;
	int			ret;
	int64	   *from,
			   *to;
	size_t		m = 0;
	int32		srid = 0;
	NousWeights *w;
	nous_status st;
	int32		n;
	Oid			fn_intersects,
				fn_relate;
	MemoryContext outer = CurrentMemoryContext;
	RingBuf		rb;
	int64	   *sure = NULL,
			   *maybe = NULL;
	size_t		nsure = 0,
				nmaybe = 0;
	bool		fast = false;
	int			guc_nest;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	n = (int32) s->n;
	/* duplicate ids */
	sorted = palloc(sizeof(int64) * n);
	memcpy(sorted, s->ids, sizeof(int64) * n);
	qsort(sorted, n, sizeof(int64), cmp_id_index);
	for (int32 i = 1; i < n; i++)
		if (sorted[i] == sorted[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("area id " INT64_FORMAT " appears more than once", sorted[i]),
					 errdetail("Each area is one row: one id and one (multi)polygon."),
					 errhint("Merge the parts of an area with ST_Union and GROUP BY id.")));
	get_typlenbyvalalign(s->geomtype, &typlen, &typbyval, &typalign);
	garr = construct_array(s->geoms, n, s->geomtype, typlen, typbyval, typalign);
	x0 = palloc(sizeof(double) * n);
	y0 = palloc(sizeof(double) * n);
	x1 = palloc(sizeof(double) * n);
	y1 = palloc(sizeof(double) * n);

	/* one pass over the polygons each: compiling these queries costs more than it saves */
	guc_nest = NewGUCNestLevel();
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "nous: SPI_connect failed");
	ps = postgis_schema();
	rb.cxt = outer;
	polygon_boxes(ps, s->geomtype, garr, s->ids, n, x0, y0, x1, y1, &srid,
				  "Contiguity is defined for polygons and multipolygons.",
				  s->kind == 'r' ? &rb : NULL);
	initStringInfo(&q);

	/* the predicate functions, called directly (no SPI per pair) */
	resetStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT '%1$s.st_intersects(%1$s.geometry, %1$s.geometry)'::pg_catalog.regprocedure::pg_catalog.oid, "
					 "'%1$s.st_relate(%1$s.geometry, %1$s.geometry, pg_catalog.text)'::pg_catalog.regprocedure::pg_catalog.oid", ps);
	ret = SPI_execute(q.data, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "nous: PostGIS predicates not found");
	{
		bool		isnull;

		fn_intersects = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		fn_relate = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_finish();
	AtEOXact_GUC(true, guc_nest);

	/*
	 * Rook: the pairs whose boundaries provably share a segment, and those
	 * exact double arithmetic cannot settle, which PostGIS decides below
	 * (all candidate pairs when the coordinates defeat the grid).
	 */
	if (s->kind == 'r')
	{
		nous_rings	rings;

		rings.npoly = n;
		rings.nring = rb.nring;
		rings.ring_start = rb.start;
		rings.ring_poly = rb.poly;
		rings.x = rb.x;
		rings.y = rb.y;
		st = nous_rook_pairs(&rings, &sure, &nsure, &maybe, &nmaybe);
		if (st == NOUS_OK)
		{
			fast = true;
			elog(DEBUG1, "nous.contiguity: %zu rook pairs proven, %zu left to PostGIS", nsure, nmaybe);
		}
		else if (st != NOUS_ERR_DOMAIN)
			nous_report_status(st, "contiguity");
		pfree(rb.x);
		pfree(rb.y);
		pfree(rb.start);
		pfree(rb.poly);
	}
	if (fast)
	{
		np = nmaybe;
		pi = pj = NULL;
	}
	else
	{
		st = nous_bbox_pairs_max(x0, y0, x1, y1, n, NULL, NULL, (size_t) max_neighbour_pairs,
								 &pi, &pj, &np);
		if (st == NOUS_ERR_LIMIT)
			too_many_pairs("nous.contiguity", "candidate pairs of polygons", n);
		if (st != NOUS_OK)
			nous_report_status(st, "contiguity");
	}
	if (np + nsure > (size_t) max_neighbour_pairs)
		too_many_pairs("nous.contiguity", "candidate pairs of polygons", n);
	/* pairs sorted by their first polygon: PostGIS caches it prepared */
	{
		int64	   *key = fast ? maybe : palloc(sizeof(int64) * Max(np, 1));
		FmgrInfo	fi,
					fr;
		MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "nous contiguity",
												  ALLOCSET_DEFAULT_SIZES);
		Datum		pattern = CStringGetTextDatum("****1****");

		if (!fast)
		{
			for (size_t k = 0; k < np; k++)
				key[k] = ((int64) pi[k] << 32) | (int64) pj[k];
			qsort(key, np, sizeof(int64), cmp_id_index);
		}
		fmgr_info(fn_intersects, &fi);
		fmgr_info(fn_relate, &fr);
		from = palloc(sizeof(int64) * Max(2 * (np + nsure), 1));
		to = palloc(sizeof(int64) * Max(2 * (np + nsure), 1));
		for (size_t k = 0; k < nsure; k++)
		{
			int32		a = (int32) (sure[k] >> 32);
			int32		b = (int32) (sure[k] & 0xFFFFFFFF);

			from[m] = s->ids[a];
			to[m++] = s->ids[b];
			from[m] = s->ids[b];
			to[m++] = s->ids[a];
		}
		for (size_t k = 0; k < np; k++)
		{
			int32		a = (int32) (key[k] >> 32);
			int32		b = (int32) (key[k] & 0xFFFFFFFF);
			bool		hit;
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			old = MemoryContextSwitchTo(tmp);
			hit = DatumGetBool(FunctionCall2Coll(&fi, InvalidOid, s->geoms[a], s->geoms[b]));
			if (hit && s->kind == 'r')
				hit = DatumGetBool(FunctionCall3Coll(&fr, InvalidOid, s->geoms[a], s->geoms[b], pattern));
			MemoryContextSwitchTo(old);
			if ((k & 255) == 255)
				MemoryContextReset(tmp);
			if (hit)
			{
				from[m] = s->ids[a];
				to[m++] = s->ids[b];
				from[m] = s->ids[b];
				to[m++] = s->ids[a];
			}
		}
		MemoryContextDelete(tmp);
	}
	nous_free(pi);
	nous_free(pj);
	nous_free(sure);
	nous_free(maybe);
	w = weights_from_links(from, to, m, s->ids, n);
	PG_RETURN_POINTER(w);
}

/* ---- autocorrelation aggregates: nous.moran, nous.geary, nous.getis_ord,
 * nous.local_moran ---- */

#define AC_STATE_VERSION 1
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

static AcState *
ac_new(MemoryContext ctx)
{
	AcState    *s = MemoryContextAllocZero(ctx, sizeof(AcState));

	s->cap = 256;
	s->ids = MemoryContextAllocHuge(ctx, sizeof(int64) * s->cap);
	s->x = MemoryContextAllocHuge(ctx, sizeof(double) * s->cap);
	return s;
}

static void
ac_reserve(AcState *s, int64 more)
{
	if (s->n + more > NOUS_GRAPH_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many areas")));
	if (s->n + more > s->cap)
	{
		while (s->n + more > s->cap)
			s->cap *= 2;
		s->ids = repalloc_huge(s->ids, sizeof(int64) * s->cap);
		s->x = repalloc_huge(s->x, sizeof(double) * s->cap);
	}
}

static void
ac_set_weights(AcState *s, MemoryContext ctx, NousWeights *w)
{
	if (s->w == NULL)
	{
		s->w = MemoryContextAlloc(ctx, VARSIZE(w));
		memcpy(s->w, w, VARSIZE(w));
	}
	else if (s->w != w && (VARSIZE(s->w) != VARSIZE(w) || memcmp(s->w, w, VARSIZE(w)) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must be the same for every row"),
				 errhint("Pass the weights as a scalar subquery: (SELECT w FROM my_weights).")));
}

static Datum
ac_trans(FunctionCallInfo fcinfo, bool has_opts)
{
	MemoryContext aggctx;
	AcState    *s;
	double		v;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "autocorrelation transition called in non-aggregate context");
	s = PG_ARGISNULL(0) ? ac_new(aggctx) : (AcState *) PG_GETARG_POINTER(0);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("weights must not be NULL")));
	if (s->w == NULL)
	{
		ac_set_weights(s, aggctx, weights_get(PG_GETARG_DATUM(1)));
		s->w_seen = DatumGetPointer(PG_GETARG_DATUM(1));
		if (has_opts && !PG_ARGISNULL(4))
		{
			char	   *o = text_to_cstring(PG_GETARG_TEXT_PP(4));

			if (strlen(o) > AC_OPTS_MAXLEN)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("options are too long")));
			strlcpy(s->opts, o, sizeof(s->opts));
		}
	}
	else if (DatumGetPointer(PG_GETARG_DATUM(1)) != s->w_seen)
	{
		/* another datum (a scalar subquery gives the same one every row):
		 * compare its contents once, then remember it */
		ac_set_weights(s, aggctx, weights_get(PG_GETARG_DATUM(1)));
		s->w_seen = DatumGetPointer(PG_GETARG_DATUM(1));
	}
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("id must not be NULL")));
	if (PG_ARGISNULL(3))
		v = NAN;
	else
	{
		v = PG_GETARG_FLOAT8(3);
		if (!isfinite(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of area " INT64_FORMAT " is not finite", PG_GETARG_INT64(2)),
					 errhint("Replace NaN and infinite values by NULL.")));
	}
	ac_reserve(s, 1);
	s->ids[s->n] = PG_GETARG_INT64(2);
	s->x[s->n++] = v;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(nous_ac_transfn);
Datum
nous_ac_transfn(PG_FUNCTION_ARGS)
{
	return ac_trans(fcinfo, false);
}

PG_FUNCTION_INFO_V1(nous_ac_transfn_opts);
Datum
nous_ac_transfn_opts(PG_FUNCTION_ARGS)
{
	return ac_trans(fcinfo, true);
}

PG_FUNCTION_INFO_V1(nous_ac_combine);

Datum
nous_ac_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	AcState    *a = PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0);
	AcState    *b = PG_ARGISNULL(1) ? NULL : (AcState *) PG_GETARG_POINTER(1);

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_ac_combine called in non-aggregate context");
	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(a);
	}
	if (a == NULL)
	{
		a = ac_new(aggctx);
		memcpy(a->opts, b->opts, sizeof(a->opts));
	}
	else if (strcmp(a->opts, b->opts) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be the same for every row")));
	if (b->w != NULL)
		ac_set_weights(a, aggctx, b->w);
	ac_reserve(a, b->n);
	memcpy(a->ids + a->n, b->ids, sizeof(int64) * b->n);
	memcpy(a->x + a->n, b->x, sizeof(double) * b->n);
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_ac_serialize);

Datum
nous_ac_serialize(PG_FUNCTION_ARGS)
{
	AcState    *s = (AcState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			olen = (int) strlen(s->opts);
	int32		wlen = s->w ? (int32) VARSIZE(s->w) : 0;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, AC_STATE_VERSION);
	pq_sendint16(&buf, (int16) olen);
	pq_sendbytes(&buf, s->opts, olen);
	pq_sendint32(&buf, wlen);
	if (wlen > 0)
		pq_sendbytes(&buf, (char *) s->w, wlen);
	pq_sendint64(&buf, s->n);
	for (int64 i = 0; i < s->n; i++)
	{
		pq_sendint64(&buf, s->ids[i]);
		pq_sendfloat8(&buf, s->x[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_ac_deserialize);

Datum
nous_ac_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	StringInfoData buf;
	AcState    *s;
	int			olen;
	int32		wlen;
	int64		n;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "nous_ac_deserialize called in non-aggregate context");
	state_buf(PG_GETARG_BYTEA_PP(0), &buf);
	if (buf.len < 1 + 2 + 4 + 8)
		state_corrupt("autocorrelation", "The state is too short.");
	if (pq_getmsgbyte(&buf) != AC_STATE_VERSION)
		state_corrupt("autocorrelation", "Unknown state version.");
	s = ac_new(aggctx);
	olen = (int16) pq_getmsgint(&buf, 2);
	if (olen < 0 || olen > AC_OPTS_MAXLEN || olen > buf.len - buf.cursor - 12)
		state_corrupt("autocorrelation", "The options have an invalid length.");
	memcpy(s->opts, pq_getmsgbytes(&buf, olen), olen);
	s->opts[olen] = '\0';
	if (strlen(s->opts) != (size_t) olen)
		state_corrupt("autocorrelation", "The options contain a zero byte.");
	wlen = pq_getmsgint(&buf, 4);
	if (wlen < 0 || wlen > buf.len - buf.cursor - 8 || (wlen > 0 && (Size) wlen < WEIGHTS_HDRSZ))
		state_corrupt("autocorrelation", "The weights have an invalid length.");
	if (wlen > 0)
	{
		NousWeights *w = MemoryContextAlloc(aggctx, wlen);

		memcpy(w, pq_getmsgbytes(&buf, wlen), wlen);
		if (VARATT_IS_SHORT(w) || VARATT_IS_EXTENDED(w) || VARSIZE(w) != (Size) wlen ||
			w->version != WEIGHTS_VERSION || w->n < 0 || w->nnz < 0 ||
			w->n > NOUS_GRAPH_MAX || w->nnz > NOUS_GRAPH_MAX ||
			VARSIZE(w) != weights_size(w->n, w->nnz))
			state_corrupt("autocorrelation", "The weights are corrupt.");
		weights_check_full(w, ERRCODE_DATA_EXCEPTION);
		s->w = w;
	}
	n = pq_getmsgint64(&buf);
	if (n < 0 || n > NOUS_GRAPH_MAX || (int64) (buf.len - buf.cursor) != 16 * n)
		state_corrupt("autocorrelation", "The number of areas does not match the length of the state.");
	ac_reserve(s, n);
	for (int64 i = 0; i < n; i++)
	{
		s->ids[i] = pq_getmsgint64(&buf);
		s->x[i] = pq_getmsgfloat8(&buf);
		if (isinf(s->x[i]))
			state_corrupt("autocorrelation", "The state holds an infinite value.");
	}
	s->n = n;
	PG_RETURN_POINTER(s);
}

typedef struct AcOpts
{
	nous_autocorr_opts core;
	bool		drop_missing;
	double		alpha;
} AcOpts;

static const char *
style_name(nous_wstyle s)
{
	return s == NOUS_STYLE_B ? "B" : s == NOUS_STYLE_C ? "C" : "W";
}

/* Options 'style=W, permutations=999, seed=1, islands=error, missing=error, alpha=0.05'. */
static void
parse_opts(const char *text, AcOpts *o)
{
	char	   *wrapped = psprintf("o(%s)", text);
	nous_method_spec spec;
	char		err[256];

	o->core.style = NOUS_STYLE_W;
	o->core.keep_islands = false;
	o->core.permutations = 999;
	o->core.seed = 12345;
	o->drop_missing = false;
	o->alpha = 0.05;
	if (text[0] == '\0')
		return;
	if (nous_parse_method_spec(wrapped, &spec, err, sizeof(err)) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid options \"%s\"", text),
				 errdetail("%s", err),
				 errhint("Write key=value pairs separated by commas: 'style=B, permutations=99'.")));
	for (int i = 0; i < spec.nparams; i++)
	{
		nous_spec_param *p = &spec.params[i];

		if (strcmp(p->key, "style") == 0)
		{
			if (pg_strcasecmp(p->value, "W") == 0)
				o->core.style = NOUS_STYLE_W;
			else if (pg_strcasecmp(p->value, "B") == 0)
				o->core.style = NOUS_STYLE_B;
			else if (pg_strcasecmp(p->value, "C") == 0)
				o->core.style = NOUS_STYLE_C;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown weight style \"%s\"", p->value),
						 errdetail("Use W (row-standardised), B (binary) or C (globally standardised).")));
		}
		else if (strcmp(p->key, "permutations") == 0)
		{
			if (!p->is_number || p->number != floor(p->number) || p->number < 0 || p->number > 99999)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("permutations must be an integer from 0 to 99999")));
			o->core.permutations = (int) p->number;
		}
		else if (strcmp(p->key, "seed") == 0)
		{
			if (!p->is_number || p->number != floor(p->number) || fabs(p->number) > 9.0e15)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("seed must be an integer")));
			o->core.seed = (uint64_t) (int64) p->number;
		}
		else if (strcmp(p->key, "islands") == 0)
		{
			if (strcmp(p->value, "error") == 0)
				o->core.keep_islands = false;
			else if (strcmp(p->value, "keep") == 0)
				o->core.keep_islands = true;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown island policy \"%s\"", p->value),
						 errdetail("Use error (the default) or keep (an island has a zero spatial lag).")));
		}
		else if (strcmp(p->key, "missing") == 0)
		{
			if (strcmp(p->value, "error") == 0)
				o->drop_missing = false;
			else if (strcmp(p->value, "drop") == 0)
				o->drop_missing = true;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown missing-value policy \"%s\"", p->value),
						 errdetail("Use error (the default) or drop (areas without a value are left out with their links).")));
		}
		else if (strcmp(p->key, "alpha") == 0)
		{
			if (!p->is_number || !(p->number > 0 && p->number < 1))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("alpha must be a number between 0 and 1")));
			o->alpha = p->number;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\"", p->key),
					 errdetail("The options are style, permutations, seed, islands, missing and alpha.")));
	}
}

/* Map the rows onto the areas of the weights: x per node, NaN if missing. */
static double *
ac_values(AcState *s, nous_graph *g, AcOpts *o)
{
	double	   *x;
	bool	   *seen;
	int32		missing = 0;
	int64		first_missing = 0;

	weights_graph(s->w, g);
	x = palloc(sizeof(double) * Max(g->n, 1));
	seen = palloc0(sizeof(bool) * Max(g->n, 1));
	for (int32 i = 0; i < g->n; i++)
		x[i] = NAN;
	for (int64 r = 0; r < s->n; r++)
	{
		int32		k = nous_graph_find(g, s->ids[r]);

		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("area " INT64_FORMAT " is not in the weights", s->ids[r]),
					 errdetail("Every id must be an area of the weights."),
					 errhint("Build the weights from the same areas, or filter the rows.")));
		if (seen[k])
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("area " INT64_FORMAT " has more than one value", s->ids[r])));
		seen[k] = true;
		x[k] = s->x[r];
	}
	for (int32 i = 0; i < g->n; i++)
		if (isnan(x[i]) && missing++ == 0)
			first_missing = g->ids[i];
	if (missing > 0 && !o->drop_missing)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%d areas of the weights have no value", missing),
				 errdetail("Area " INT64_FORMAT " has no row or a NULL value.", first_missing),
				 errhint("Use the option missing=drop to leave them out with their links.")));
	{
		double		first = NAN;
		bool		varies = false;

		for (int32 i = 0; i < g->n && !varies; i++)
			if (!isnan(x[i]))
			{
				if (isnan(first))
					first = x[i];
				else if (x[i] != first)
					varies = true;
			}
		if (!varies)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("every area has the same value"),
					 errdetail("Spatial autocorrelation is not defined when the values do not vary.")));
	}
	return x;
}

static void
ac_status(nous_status st, int32 islands, const char *what)
{
	if (st == NOUS_OK)
		return;
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d areas have no neighbour", islands),
				 errdetail("%s is not defined for areas without neighbours unless an island policy is chosen.", what),
				 errhint("List them with nous.islands(w); the option islands=keep gives them a zero spatial lag.")));
	if (st == NOUS_ERR_EMPTY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("too few areas or links for %s", what),
				 errdetail("At least 4 areas with a value and one link are needed.")));
	nous_report_status(st, what);
}

static Datum
float_or_null(double v, bool *isnull)
{
	*isnull = !isfinite(v);
	return Float8GetDatum(isfinite(v) ? v : 0.0);
}

static Datum
ac_global_final(FunctionCallInfo fcinfo, nous_global_kind kind)
{
	AcState    *s = PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0);
	AcOpts		o;
	nous_graph	g;
	double	   *x;
	nous_global_result r;
	TupleDesc	td;
	Datum		v[15];
	bool		nl[15];
	const char *what = kind == NOUS_MORAN ? "Moran's I" : kind == NOUS_GEARY ? "Geary's C" : "Getis-Ord G";

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	parse_opts(s->opts, &o);
	x = ac_values(s, &g, &o);
	if (kind == NOUS_GETIS_ORD)
		for (int32 i = 0; i < g.n; i++)
			if (x[i] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("Getis-Ord G needs values that are not negative"),
						 errdetail("Area " INT64_FORMAT " has %g.", g.ids[i], x[i])));
	{
		nous_status st = nous_global_autocorr(&g, x, kind, &o.core, &r);

		ac_status(st, r.islands, what);
	}
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "autocorrelation: return type must be composite");
	td = BlessTupleDesc(td);
	memset(nl, 0, sizeof(nl));
	v[0] = float_or_null(r.stat, &nl[0]);
	v[1] = float_or_null(r.expected, &nl[1]);
	v[2] = float_or_null(r.var_normal, &nl[2]);
	v[3] = float_or_null(r.var_random, &nl[3]);
	v[4] = float_or_null(r.z_normal, &nl[4]);
	v[5] = float_or_null(r.z_random, &nl[5]);
	v[6] = float_or_null(r.p_normal, &nl[6]);
	v[7] = float_or_null(r.p_random, &nl[7]);
	v[8] = float_or_null(r.p_perm, &nl[8]);
	v[9] = Int32GetDatum(o.core.permutations);
	v[10] = Int32GetDatum(r.n);
	v[11] = Int64GetDatum(r.links);
	v[12] = Int32GetDatum(r.islands);
	v[13] = CStringGetTextDatum(style_name(o.core.style));
	v[14] = Float8GetDatum(r.s0);
	if (td->natts != 15)
		elog(ERROR, "autocorrelation: unexpected result type");
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, v, nl)));
}

PG_FUNCTION_INFO_V1(nous_moran_finalfn);
Datum
nous_moran_finalfn(PG_FUNCTION_ARGS)
{
	return ac_global_final(fcinfo, NOUS_MORAN);
}

PG_FUNCTION_INFO_V1(nous_geary_finalfn);
Datum
nous_geary_finalfn(PG_FUNCTION_ARGS)
{
	return ac_global_final(fcinfo, NOUS_GEARY);
}

PG_FUNCTION_INFO_V1(nous_getis_ord_finalfn);
Datum
nous_getis_ord_finalfn(PG_FUNCTION_ARGS)
{
	return ac_global_final(fcinfo, NOUS_GETIS_ORD);
}

/*
 * The row type of the elements of a final function's array result (a
 * blessed descriptor of natts columns) and the array of those rows.
 */
static TupleDesc
result_row_desc(FunctionCallInfo fcinfo, int natts, const char *what, Oid *elemtype)
{
	TupleDesc	td;

	*elemtype = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(*elemtype))
		elog(ERROR, "%s: return type must be an array", what);
	td = BlessTupleDesc(lookup_rowtype_tupdesc_copy(*elemtype, -1));
	if (td->natts != natts)
		elog(ERROR, "%s: unexpected result type", what);
	return td;
}

static Datum
result_rows_array(Datum *elems, int ne, Oid elemtype)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, ne, elemtype, typlen, typbyval, typalign));
}

PG_FUNCTION_INFO_V1(nous_local_moran_finalfn);

/* nous.local_moran final: an array of nous.local_moran_result, by id. */
Datum
nous_local_moran_finalfn(PG_FUNCTION_ARGS)
{
	AcState    *s = PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0);
	AcOpts		o;
	nous_graph	g;
	double	   *x;
	nous_local_result *lr;
	int32		islands = 0;
	Oid			elemtype;
	TupleDesc	td;
	Datum	   *elems;
	int			ne = 0;
	static const char *const quad[] = {"", "High-High", "Low-High", "Low-Low", "High-Low"};

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	parse_opts(s->opts, &o);
	x = ac_values(s, &g, &o);
	lr = palloc(sizeof(nous_local_result) * Max(g.n, 1));
	{
		nous_status st = nous_local_moran(&g, x, &o.core, lr, &islands);

		ac_status(st, islands, "local Moran");
	}
	td = result_row_desc(fcinfo, 11, "local_moran", &elemtype);
	elems = palloc(sizeof(Datum) * Max(g.n, 1));
	for (int32 i = 0; i < g.n; i++)
	{
		Datum		v[11];
		bool		nl[11];
		double		p;

		if (isnan(x[i]))
			continue;
		memset(nl, 0, sizeof(nl));
		v[0] = Int64GetDatum(g.ids[i]);
		v[1] = float_or_null(lr[i].ii, &nl[1]);
		v[2] = float_or_null(lr[i].expected, &nl[2]);
		v[3] = float_or_null(lr[i].variance, &nl[3]);
		v[4] = float_or_null(lr[i].z, &nl[4]);
		v[5] = float_or_null(lr[i].p_normal, &nl[5]);
		v[6] = float_or_null(lr[i].p_perm, &nl[6]);
		v[7] = float_or_null(lr[i].p_fdr, &nl[7]);
		v[8] = float_or_null(lr[i].lag, &nl[8]);
		if (lr[i].quadrant > 0)
			v[9] = CStringGetTextDatum(quad[lr[i].quadrant]);
		else
			nl[9] = true;
		p = o.core.permutations > 0 ? lr[i].p_perm : lr[i].p_normal;
		if (lr[i].quadrant > 0 && isfinite(p))
			v[10] = CStringGetTextDatum(p <= o.alpha ? quad[lr[i].quadrant] : "Not significant");
		else
			nl[10] = true;
		elems[ne++] = HeapTupleGetDatum(heap_form_tuple(td, v, nl));
	}
	return result_rows_array(elems, ne, elemtype);
}

/* ---- areal interpolation ---- */

/* Deconstruct a 1-D array argument; error on NULL elements unless allowed. */
static int
array_arg(FunctionCallInfo fcinfo, int argno, const char *what, Oid elemtype,
		  Datum **elems, bool **nulls, bool allow_null_elems)
{
	ArrayType  *a;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what)));
	a = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what)));
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(a, elemtype, typlen, typbyval, typalign, elems, nulls, &n);
	if (!allow_null_elems)
		for (int i = 0; i < n; i++)
			if ((*nulls)[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s must not contain NULL", what),
						 errdetail("Element %d is NULL.", i + 1)));
	return n;
}

PG_FUNCTION_INFO_V1(nous_areal_interpolation);

/*
 * nous.areal_interpolation(source_ids, source_geoms, source_values,
 * target_ids, target_geoms, kind) → SETOF (target_id, estimate,
 * covered_area, sources): areal weighting (Goodchild & Lam 1980).
 * extensive: Σ_s v_s |s ∩ t| / |s|; intensive: Σ_s v_s |s ∩ t| / Σ_s |s ∩ t|.
 */
static Datum areal_interpolation(PG_FUNCTION_ARGS);

Datum
nous_areal_interpolation(PG_FUNCTION_ARGS)
{
	return call_keeping_cancel(areal_interpolation, fcinfo);
}

static Datum
areal_interpolation(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			garrtype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	Oid			geomtype = get_element_type(garrtype);
	Datum	   *sid_d,
			   *sg,
			   *sv_d,
			   *tid_d,
			   *tg;
	bool	   *sid_n,
			   *sg_n,
			   *sv_n,
			   *tid_n,
			   *tg_n;
	int			ns,
				nt,
				nv,
				ntg,
				nsg;
	bool		intensive;
	int64	   *ids;
	double	   *x0,
			   *y0,
			   *x1,
			   *y1,
			   *sarea,
			   *num,
			   *den,
			   *cov;
	int32	   *cnt;
	int32		srid_s,
				srid_t;
	const char *ps;
	StringInfoData q;
	int			ret;
	Oid			fn_inter,
				fn_area;
	int32	   *pi,
			   *pj;
	size_t		np;
	nous_status st;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (!OidIsValid(geomtype))
		elog(ERROR, "areal_interpolation: geometry array expected");
	if (PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("kind must not be NULL")));
	{
		char	   *k = text_to_cstring(PG_GETARG_TEXT_PP(5));

		if (strcmp(k, "extensive") == 0)
			intensive = false;
		else if (strcmp(k, "intensive") == 0)
			intensive = true;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown kind \"%s\"", k),
					 errdetail("Use extensive (counts: the estimate is a share of each source's value) or intensive (rates: an area-weighted mean).")));
	}
	ns = array_arg(fcinfo, 0, "source ids", INT8OID, &sid_d, &sid_n, false);
	nsg = array_arg(fcinfo, 1, "source geometries", geomtype, &sg, &sg_n, false);
	nv = array_arg(fcinfo, 2, "source values", FLOAT8OID, &sv_d, &sv_n, true);
	nt = array_arg(fcinfo, 3, "target ids", INT8OID, &tid_d, &tid_n, false);
	ntg = array_arg(fcinfo, 4, "target geometries", geomtype, &tg, &tg_n, false);
	if (nsg != ns || nv != ns)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("source arrays have different lengths: %d ids, %d geometries, %d values", ns, nsg, nv)));
	if (ntg != nt)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("target arrays have different lengths: %d ids, %d geometries", nt, ntg)));
	if (ns == 0 || nt == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sources and targets must not be empty")));
	for (int i = 0; i < ns; i++)
		if (!sv_n[i] && !isfinite(DatumGetFloat8(sv_d[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("value of source " INT64_FORMAT " is not finite", DatumGetInt64(sid_d[i])),
					 errhint("Replace NaN and infinite values by NULL: NULL values are left out.")));
	/* boxes of sources then targets, in one array */
	ids = palloc(sizeof(int64) * (ns + nt));
	x0 = palloc(sizeof(double) * (ns + nt));
	y0 = palloc(sizeof(double) * (ns + nt));
	x1 = palloc(sizeof(double) * (ns + nt));
	y1 = palloc(sizeof(double) * (ns + nt));
	for (int i = 0; i < ns; i++)
		ids[i] = DatumGetInt64(sid_d[i]);
	for (int i = 0; i < nt; i++)
		ids[ns + i] = DatumGetInt64(tid_d[i]);
	get_typlenbyvalalign(geomtype, &typlen, &typbyval, &typalign);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "nous: SPI_connect failed");
	ps = postgis_schema();
	polygon_boxes(ps, geomtype, PG_GETARG_ARRAYTYPE_P(1), ids, ns, x0, y0, x1, y1, &srid_s,
				  "Areal interpolation works on polygons and multipolygons.", NULL);
	polygon_boxes(ps, geomtype, PG_GETARG_ARRAYTYPE_P(4), ids + ns, nt, x0 + ns, y0 + ns, x1 + ns, y1 + ns,
				  &srid_t, "Areal interpolation works on polygons and multipolygons.", NULL);
	if (srid_s != srid_t)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("sources and targets have different SRIDs: %d and %d", srid_s, srid_t),
				 errhint("Transform both to the same metric coordinate system, e.g. ST_Transform(geom, 2154).")));
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT pg_catalog.strpos(proj4text, '+proj=longlat') OPERATOR(pg_catalog.>) 0 "
					 "FROM %s.spatial_ref_sys WHERE srid OPERATOR(pg_catalog.=) %d", ps, srid_s);
	ret = SPI_execute(q.data, true, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
	{
		bool		isnull;
		bool		geographic = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

		if (!isnull && geographic)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometries are in geographic coordinates (SRID %d)", srid_s),
					 errdetail("Areas in square degrees are not proportional to areas on the ground."),
					 errhint("Transform sources and targets to a metric coordinate system, e.g. ST_Transform(geom, 2154).")));
	}
	resetStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT '%1$s.st_intersection(%1$s.geometry, %1$s.geometry, pg_catalog.float8)'::pg_catalog.regprocedure::pg_catalog.oid, "
					 "'%1$s.st_area(%1$s.geometry)'::pg_catalog.regprocedure::pg_catalog.oid", ps);
	ret = SPI_execute(q.data, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "nous: PostGIS functions not found");
	{
		bool		isnull;

		fn_inter = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		fn_area = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	SPI_finish();

	st = nous_bbox_pairs_max(x0, y0, x1, y1, ns + nt, NULL, NULL, (size_t) max_neighbour_pairs,
							 &pi, &pj, &np);
	if (st == NOUS_ERR_LIMIT)
		too_many_pairs("nous.areal_interpolation", "candidate pairs of polygons", ns + nt);
	if (st != NOUS_OK)
		nous_report_status(st, "areal_interpolation");
	sarea = palloc0(sizeof(double) * ns);
	num = palloc0(sizeof(double) * nt);
	den = palloc0(sizeof(double) * nt);
	cov = palloc0(sizeof(double) * nt);
	cnt = palloc0(sizeof(int32) * nt);
	{
		FmgrInfo	fi,
					fa;
		MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext, "nous interpolation",
												  ALLOCSET_DEFAULT_SIZES);
		MemoryContext old;

		fmgr_info(fn_inter, &fi);
		fmgr_info(fn_area, &fa);
		old = MemoryContextSwitchTo(tmp);
		for (int i = 0; i < ns; i++)
			sarea[i] = DatumGetFloat8(FunctionCall1Coll(&fa, InvalidOid, sg[i]));
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmp);
		for (size_t k = 0; k < np; k++)
		{
			int32		a = pi[k],
						b = pj[k];
			double		ov;

			if ((a < ns) == (b < ns))
				continue;		/* two sources or two targets */
			CHECK_FOR_INTERRUPTS();
			b -= ns;			/* a is the source (a < b), b the target */
			old = MemoryContextSwitchTo(tmp);
			ov = DatumGetFloat8(FunctionCall1Coll(&fa, InvalidOid,
												  FunctionCall3Coll(&fi, InvalidOid, sg[a], tg[b], Float8GetDatum(-1.0))));
			MemoryContextSwitchTo(old);
			if ((k & 255) == 255)
				MemoryContextReset(tmp);
			if (!(ov > 0) || sv_n[a])
				continue;
			cnt[b]++;
			cov[b] += ov;
			if (intensive)
			{
				num[b] += DatumGetFloat8(sv_d[a]) * ov;
				den[b] += ov;
			}
			else if (sarea[a] > 0)
				num[b] += DatumGetFloat8(sv_d[a]) * ov / sarea[a];
		}
		MemoryContextDelete(tmp);
	}
	nous_free(pi);
	nous_free(pj);

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < nt; i++)
	{
		Datum		vals[4];
		bool		nulls[4] = {false, false, false, false};

		vals[0] = tid_d[i];
		if (cnt[i] == 0 || (intensive && !(den[i] > 0)))
			nulls[1] = true;
		else
			vals[1] = Float8GetDatum(intensive ? num[i] / den[i] : num[i]);
		vals[2] = Float8GetDatum(cov[i]);
		vals[3] = Int32GetDatum(cnt[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

/* nous.local_g / nous.local_gstar final: an array of nous.local_g_result. */
static Datum
local_g_final(FunctionCallInfo fcinfo, bool star)
{
	AcState    *s = PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0);
	AcOpts		o;
	nous_graph	g;
	double	   *x;
	nous_local_g_result *lr;
	int32		islands = 0;
	Oid			elemtype;
	TupleDesc	td;
	Datum	   *elems;
	int			ne = 0;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	parse_opts(s->opts, &o);
	x = ac_values(s, &g, &o);
	for (int32 i = 0; i < g.n; i++)
		if (x[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("local Getis-Ord G needs values that are not negative"),
					 errdetail("Area " INT64_FORMAT " has %g.", g.ids[i], x[i])));
	lr = palloc(sizeof(nous_local_g_result) * Max(g.n, 1));
	{
		nous_status st = nous_local_g(&g, x, star, &o.core, lr, &islands);

		ac_status(st, islands, star ? "local Gi*" : "local Gi");
	}
	td = result_row_desc(fcinfo, 9, "local_g", &elemtype);
	elems = palloc(sizeof(Datum) * Max(g.n, 1));
	for (int32 i = 0; i < g.n; i++)
	{
		Datum		v[9];
		bool		nl[9];
		double		p;

		if (isnan(x[i]))
			continue;
		memset(nl, 0, sizeof(nl));
		v[0] = Int64GetDatum(g.ids[i]);
		v[1] = float_or_null(lr[i].g, &nl[1]);
		v[2] = float_or_null(lr[i].expected, &nl[2]);
		v[3] = float_or_null(lr[i].variance, &nl[3]);
		v[4] = float_or_null(lr[i].z, &nl[4]);
		v[5] = float_or_null(lr[i].p_normal, &nl[5]);
		v[6] = float_or_null(lr[i].p_perm, &nl[6]);
		v[7] = float_or_null(lr[i].p_fdr, &nl[7]);
		p = o.core.permutations > 0 ? lr[i].p_perm : lr[i].p_normal;
		if (isfinite(p) && isfinite(lr[i].z))
			v[8] = CStringGetTextDatum(p > o.alpha ? "Not significant" : lr[i].z > 0 ? "High" : "Low");
		else
			nl[8] = true;
		elems[ne++] = HeapTupleGetDatum(heap_form_tuple(td, v, nl));
	}
	return result_rows_array(elems, ne, elemtype);
}

PG_FUNCTION_INFO_V1(nous_local_g_finalfn);
Datum
nous_local_g_finalfn(PG_FUNCTION_ARGS)
{
	return local_g_final(fcinfo, false);
}

PG_FUNCTION_INFO_V1(nous_local_gstar_finalfn);
Datum
nous_local_gstar_finalfn(PG_FUNCTION_ARGS)
{
	return local_g_final(fcinfo, true);
}

/* ---- neighbourhoods of points: k nearest and distance band ---- */

PG_FUNCTION_INFO_V1(nous_knn_transfn);

Datum
nous_knn_transfn(PG_FUNCTION_ARGS)
{
	int32		k;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("number of neighbours must not be NULL")));
	k = PG_GETARG_INT32(3);
	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("number of neighbours must be at least 1"),
				 errdetail("k is %d.", k)));
	return geoms_trans(fcinfo, 'k', (double) k);
}

PG_FUNCTION_INFO_V1(nous_band_transfn);

Datum
nous_band_transfn(PG_FUNCTION_ARGS)
{
	double		d;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("distance must not be NULL")));
	d = PG_GETARG_FLOAT8(3);
	if (!(d > 0) || !isfinite(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("distance must be positive and finite"),
				 errdetail("The distance is %g.", d)));
	return geoms_trans(fcinfo, 'd', d);
}

PG_FUNCTION_INFO_V1(nous_points_finalfn);

/* Final function of nous.knn and nous.distance_band. */
Datum
nous_points_finalfn(PG_FUNCTION_ARGS)
{
	GeomState  *s = PG_ARGISNULL(0) ? NULL : (GeomState *) PG_GETARG_POINTER(0);
	int32		n;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	ArrayType  *garr;
	double	   *x,
			   *y;
	int64	   *sorted;
	const char *ps;
	StringInfoData q;
	Oid			argtypes[1];
	Datum		args[1];
	int			ret;
	int32		srid = 0;
	int64	   *from,
			   *to;
	size_t		m = 0;
	const char *what;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	what = s->kind == 'k' ? "k nearest neighbours" : "distance band";
	n = (int32) s->n;
	sorted = palloc(sizeof(int64) * n);
	memcpy(sorted, s->ids, sizeof(int64) * n);
	qsort(sorted, n, sizeof(int64), cmp_id_index);
	for (int32 i = 1; i < n; i++)
		if (sorted[i] == sorted[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("point id " INT64_FORMAT " appears more than once", sorted[i])));
	if (s->kind == 'k' && s->param > n - 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("k = %d is larger than the number of other points, %d", (int) s->param, n - 1),
				 errhint("Choose k below the number of points.")));
	get_typlenbyvalalign(s->geomtype, &typlen, &typbyval, &typalign);
	garr = construct_array(s->geoms, n, s->geomtype, typlen, typbyval, typalign);
	x = palloc(sizeof(double) * n);
	y = palloc(sizeof(double) * n);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "nous: SPI_connect failed");
	ps = postgis_schema();
	argtypes[0] = get_array_type(s->geomtype);
	args[0] = PointerGetDatum(garr);
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT %1$s.GeometryType(g), %1$s.ST_IsEmpty(g), %1$s.ST_SRID(g), "
					 "CASE WHEN %1$s.GeometryType(g) OPERATOR(pg_catalog.=) 'POINT' AND NOT %1$s.ST_IsEmpty(g) THEN %1$s.ST_X(g) END, "
					 "CASE WHEN %1$s.GeometryType(g) OPERATOR(pg_catalog.=) 'POINT' AND NOT %1$s.ST_IsEmpty(g) THEN %1$s.ST_Y(g) END "
					 "FROM pg_catalog.unnest($1) WITH ORDINALITY AS t(g, i) ORDER BY i", ps);
	ret = SPI_execute_with_args(q.data, 1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != (uint64) n)
		elog(ERROR, "nous: points query failed: %s", SPI_result_code_string(ret));
	for (int32 i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *gtype = SPI_getvalue(tup, td, 1);
		int32		sr;

		if (strcmp(gtype, "POINT") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area " INT64_FORMAT " is a %s", s->ids[i], gtype),
					 errdetail("The %s of areas is computed on points.", what),
					 errhint("Use a representative point: ST_PointOnSurface(geom) or ST_Centroid(geom).")));
		if (DatumGetBool(SPI_getbinval(tup, td, 2, &isnull)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometry of area " INT64_FORMAT " is empty", s->ids[i])));
		sr = DatumGetInt32(SPI_getbinval(tup, td, 3, &isnull));
		if (i == 0)
			srid = sr;
		else if (sr != srid)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("geometries have mixed SRIDs: %d and %d", srid, sr),
					 errhint("Transform every geometry to the same coordinate system with ST_Transform.")));
		x[i] = DatumGetFloat8(SPI_getbinval(tup, td, 4, &isnull));
		y[i] = DatumGetFloat8(SPI_getbinval(tup, td, 5, &isnull));
		if (!isfinite(x[i]) || !isfinite(y[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("point of area " INT64_FORMAT " has coordinates that are not finite", s->ids[i])));
	}
	resetStringInfo(&q);
	appendStringInfo(&q, "SELECT pg_catalog.strpos(proj4text, '+proj=longlat') OPERATOR(pg_catalog.>) 0 "
					 "FROM %s.spatial_ref_sys WHERE srid OPERATOR(pg_catalog.=) %d", ps, srid);
	ret = SPI_execute(q.data, true, 1);
	if (ret == SPI_OK_SELECT && SPI_processed == 1)
	{
		bool		isnull;
		bool		geographic = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

		if (!isnull && geographic)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("points are in geographic coordinates (SRID %d)", srid),
					 errdetail("Distances in degrees are not distances on the ground."),
					 errhint("Transform the points to a metric coordinate system, e.g. ST_Transform(geom, 2154).")));
	}
	SPI_finish();

	if (s->kind == 'k')
	{
		int32		k = (int32) s->param;
		int32	   *nbr = palloc(sizeof(int32) * (Size) n * k);
		nous_status st = nous_knn(x, y, s->ids, n, k, nbr);

		if (st != NOUS_OK)
			nous_report_status(st, what);
		from = palloc(sizeof(int64) * (Size) n * k);
		to = palloc(sizeof(int64) * (Size) n * k);
		for (int32 i = 0; i < n; i++)
			for (int32 r = 0; r < k; r++)
			{
				from[m] = s->ids[i];
				to[m++] = s->ids[nbr[(Size) i * k + r]];
			}
	}
	else
	{
		int32	   *pi,
				   *pj;
		size_t		np;
		nous_status st = nous_band_pairs_max(x, y, n, s->param, (size_t) max_neighbour_pairs,
											 &pi, &pj, &np);

		if (st == NOUS_ERR_LIMIT)
			too_many_pairs("nous.distance_band", "pairs within the distance", n);
		if (st != NOUS_OK)
			nous_report_status(st, what);
		from = palloc(sizeof(int64) * Max(2 * np, 1));
		to = palloc(sizeof(int64) * Max(2 * np, 1));
		for (size_t k = 0; k < np; k++)
		{
			from[m] = s->ids[pi[k]];
			to[m++] = s->ids[pj[k]];
			from[m] = s->ids[pj[k]];
			to[m++] = s->ids[pi[k]];
		}
		nous_free(pi);
		nous_free(pj);
	}
	PG_RETURN_POINTER(weights_from_links(from, to, m, s->ids, n));
}
