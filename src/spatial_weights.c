/*
 * spatial_weights.c — the type nous.weights (a compact sparse graph: CSR over
 * sorted bigint ids): building a value from links, its text and binary forms,
 * and the functions that read it (link_count, area_count, islands,
 * neighbours, components).
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
#include "spatial_glue.h"

StaticAssertDecl(WEIGHTS_HDRSZ == NOUS_WEIGHTS_HDRSZ, "the layout of nous.weights is the core's");

Size
weights_size(int32 n, int32 nnz)
{
	return (Size) nous_weights_size(n, nnz);
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
	nous_state_corrupt("nous.weights value", "%s", detail);
}

/* Detoast and check the header (O(1)); full checks happen on input. */
NousWeights *
weights_get(Datum d)
{
	NousWeights *w = (NousWeights *) PG_DETOAST_DATUM(d);
	nous_graph	g;
	const char *why;

	if (VARSIZE(w) > VARHDRSZ)
		nous_check_format_version(WEIGHTS_IS_TEXT(w) ? "nous.text_weights" : "nous.weights",
								  w->version, 1, WEIGHTS_VERSION);
	if (nous_weights_view(w, VARSIZE(w), false, &g, &why) != NOUS_OK)
		weights_corrupt(why);
	return w;
}

void
weights_graph(NousWeights *w, nous_graph *g)
{
	g->n = w->n;
	g->nnz = w->nnz;
	g->ids = WEIGHTS_IDS(w);
	g->rowptr = WEIGHTS_ROWPTR(w);
	g->col = WEIGHTS_COL(w);
}

/* Build a weights value from links and nodes, reporting errors. */
NousWeights *
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

int
spatial_cmp_id(const void *a, const void *b)
{
	int64		x = ((const int64 *) a)[0],
				y = ((const int64 *) b)[0];

	return (x > y) - (x < y);
}

/* The status st of the parse of the text s as type (why: what is wrong). */
static void
weights_parse_status(nous_status st, const char *type, const char *s, const char *why)
{
	if (st == NOUS_ERR_SYNTAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", type, s),
				 errdetail("%s", why)));
	if (st != NOUS_OK)
		nous_report_status(st, type);
}

PG_FUNCTION_INFO_V1(nous_weights_in);

/* Text input: {id:[id,id,...],id:[],...} (parsed by the core). */
Datum
nous_weights_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	nous_weights_links l;
	const char *why = NULL;
	nous_status st = nous_weights_parse(s, &l, &why);
	NousWeights *w;
	size_t		distinct = 0;

	weights_parse_status(st, "nous.weights", s, why);
	w = weights_from_links(l.from, l.to, l.m, l.nodes, l.nn);
	qsort(l.nodes, l.nn, sizeof(int64), spatial_cmp_id);
	for (size_t i = 0; i < l.nn; i++)
		if (i == 0 || l.nodes[i] != l.nodes[i - 1])
			distinct++;
	if (distinct != l.nn || w->n != (int32) l.nn)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input for type nous.weights"),
				 errdetail(distinct != l.nn ? "An area appears more than once as a key." :
						   "A neighbour is not one of the areas (keys).")));
	nous_weights_links_free(&l);
	PG_RETURN_POINTER(w);
}

PG_FUNCTION_INFO_V1(nous_text_weights_in);

/* Text input with text ids: {"id":["id","id",...],"id":[],...}. */
Datum
nous_text_weights_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	nous_weights_links l;
	nous_strings strs;
	const char *why = NULL;
	nous_status st = nous_weights_parse_text(s, &l, &strs, &why);
	NousWeights *w;

	weights_parse_status(st, "nous.text_weights", s, why);
	w = weights_from_text_links(l.from, l.to, l.m, l.nodes, l.nn, &strs);
	{
		/* every key once, every neighbour a key: as many areas as keys, all distinct */
		bool	   *seen = palloc0(sizeof(bool) * Max(w->n, 1));
		bool		dup = false;

		for (size_t i = 0; i < l.nn; i++)
		{
			int32		k = weights_find_text(w, strs.chars + strs.off[l.nodes[i]]);

			if (seen[k])
				dup = true;
			seen[k] = true;
		}
		if (dup || w->n != (int32) l.nn)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input for type nous.text_weights"),
					 errdetail(dup ? "An area appears more than once as a key." :
							   "A neighbour is not one of the areas (keys).")));
	}
	nous_weights_links_free(&l);
	nous_strings_free(&strs);
	PG_RETURN_POINTER(w);
}

/* a text id in double quotes, quotes and backslashes escaped */
static void
append_quoted(StringInfo buf, const char *s)
{
	appendStringInfoChar(buf, '"');
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, *s);
	}
	appendStringInfoChar(buf, '"');
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
	if (WEIGHTS_IS_TEXT(w))
	{
		for (int32 i = 0; i < w->n; i++)
		{
			if (i > 0)
				appendStringInfoChar(&buf, ',');
			append_quoted(&buf, WEIGHTS_STR(w, i));
			appendStringInfoString(&buf, ":[");
			for (int32 k = rowptr[i]; k < rowptr[i + 1]; k++)
			{
				if (k > rowptr[i])
					appendStringInfoChar(&buf, ',');
				append_quoted(&buf, WEIGHTS_STR(w, col[k]));
			}
			appendStringInfoChar(&buf, ']');
		}
		appendStringInfoChar(&buf, '}');
		PG_RETURN_CSTRING(buf.data);
	}
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
	pq_sendbyte(&buf, w->version);
	pq_sendint32(&buf, w->n);
	pq_sendint32(&buf, w->nnz);
	for (int32 i = 0; i < w->n; i++)
		pq_sendint64(&buf, WEIGHTS_IDS(w)[i]);
	for (int32 i = 0; i <= w->n; i++)
		pq_sendint32(&buf, WEIGHTS_ROWPTR(w)[i]);
	for (int32 i = 0; i < w->nnz; i++)
		pq_sendint32(&buf, WEIGHTS_COL(w)[i]);
	if (WEIGHTS_IS_TEXT(w))
	{
		/* the string table: n + 1 offsets, then the ids with their NULs */
		for (int32 i = 0; i <= w->n; i++)
			pq_sendint32(&buf, WEIGHTS_STROFF(w)[i]);
		pq_sendbytes(&buf, WEIGHTS_CHARS(w), WEIGHTS_STROFF(w)[w->n]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

void
weights_check_full(NousWeights *w, int errcode_)
{
	nous_graph	g;
	const char *err = NULL;

	if (nous_weights_view(w, VARSIZE(w), true, &g, &err) != NOUS_OK)
		ereport(ERROR,
				(errcode(errcode_),
				 errmsg("invalid nous.weights value"),
				 errdetail("%s", err)));
}

static Datum weights_recv(FunctionCallInfo fcinfo, bool text);

NOUS_ENTRY(nous_weights_recv, weights_recv(fcinfo, false));

NOUS_ENTRY(nous_text_weights_recv, weights_recv(fcinfo, true));

/* format version 1 of nous.weights (bigint ids) or of nous.text_weights (the table of ids follows) */
static Datum
weights_recv(FunctionCallInfo fcinfo, bool text)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		n,
				nnz,
				version;
	int64		rest;
	NousWeights *w;
	Size		sz;
	const char *tname = text ? "nous.text_weights" : "nous.weights";

	if (buf->len - buf->cursor < 9)
		nous_bad_binary("nous.weights", "The binary value is too short.");
	version = pq_getmsgbyte(buf);
	nous_check_format_version(tname, version, 1, WEIGHTS_VERSION);
	n = pq_getmsgint(buf, 4);
	nnz = pq_getmsgint(buf, 4);
	rest = (int64) (buf->len - buf->cursor) - (8 * (int64) n + 4 * ((int64) n + 1) + 4 * (int64) nnz);
	if (n < 0 || nnz < 0 || n > NOUS_GRAPH_MAX || nnz > NOUS_GRAPH_MAX ||
		(text ? rest < 4 * ((int64) n + 1) : rest != 0))
		nous_bad_binary(tname, "The length does not match the number of areas and links.");
	sz = text ? nous_weights_size_text(n, nnz, (Size) (rest - 4 * ((int64) n + 1))) : weights_size(n, nnz);
	if (sz > MaxAllocSize)
		nous_bad_binary(tname, "The value is too large.");
	w = palloc0(sz);
	SET_VARSIZE(w, sz);
	w->version = version;
	w->flags = text ? NOUS_WEIGHTS_TEXT_IDS : 0;
	w->n = n;
	w->nnz = nnz;
	for (int32 i = 0; i < n; i++)
		WEIGHTS_IDS(w)[i] = pq_getmsgint64(buf);
	for (int32 i = 0; i <= n; i++)
		WEIGHTS_ROWPTR(w)[i] = pq_getmsgint(buf, 4);
	for (int32 i = 0; i < nnz; i++)
		WEIGHTS_COL(w)[i] = pq_getmsgint(buf, 4);
	if (text)
	{
		for (int32 i = 0; i <= n; i++)
			WEIGHTS_STROFF(w)[i] = pq_getmsgint(buf, 4);
		rest = buf->len - buf->cursor;
		pq_copymsgbytes(buf, WEIGHTS_CHARS(w), (int) rest);
	}
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

	{
		Oid			rt = get_fn_expr_rettype(fcinfo->flinfo);	/* unknown without an expression */

		if (OidIsValid(rt))
			weights_check_id_type(w, rt == TEXTARRAYOID ? TEXTOID : INT8OID, "nous.islands");
	}
	for (int32 i = 0; i < w->n; i++)
		if (WEIGHTS_ROWPTR(w)[i + 1] == WEIGHTS_ROWPTR(w)[i])
			d[m++] = weights_id_datum(w, i);
	if (WEIGHTS_IS_TEXT(w))
		PG_RETURN_ARRAYTYPE_P(construct_array(d, m, TEXTOID, -1, false, TYPALIGN_INT));
	PG_RETURN_ARRAYTYPE_P(construct_array(d, m, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * The directed links of w as the rows (from_id, to_id) of nous.neighbours,
 * and with style st (B, W or C) their weight as a third column; st 0: no
 * weight.
 */
static Datum
neighbour_rows(FunctionCallInfo fcinfo, NousWeights *w, char st)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	weights_check_id_type(w, TupleDescAttr(rsinfo->setDesc, 0)->atttypid, "nous.neighbours");
	for (int32 i = 0; i < w->n; i++)
	{
		int32		deg = WEIGHTS_ROWPTR(w)[i + 1] - WEIGHTS_ROWPTR(w)[i];
		double		wt = st == 'B' ? 1.0 : st == 'W' ? 1.0 / Max(deg, 1) :
			(double) w->n / (double) Max(w->nnz, 1);

		for (int32 k = WEIGHTS_ROWPTR(w)[i]; k < WEIGHTS_ROWPTR(w)[i + 1]; k++)
		{
			Datum		vals[3];
			bool		nulls[3] = {false, false, false};

			vals[0] = weights_id_datum(w, i);
			vals[1] = weights_id_datum(w, WEIGHTS_COL(w)[k]);
			if (st != 0)
				vals[2] = Float8GetDatum(wt);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		}
	}
	return (Datum) 0;
}

/* nous.neighbours(w) → SETOF (from_id, to_id): the directed links. */
NOUS_ENTRY(nous_neighbours, neighbour_rows(fcinfo, weights_get(PG_GETARG_DATUM(0)), 0));

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
	weights_check_id_type(w, TupleDescAttr(rsinfo->setDesc, 0)->atttypid, "nous.components");
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

		vals[0] = weights_id_datum(w, i);
		vals[1] = weights_id_datum(w, comp[i]);
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
	return neighbour_rows(fcinfo, w, st);
}
