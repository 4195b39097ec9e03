/*
 * flow_unpack.c — a nous.flows value as rows and figures: edges, zones,
 * summary, pairs and the dense matrix.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "nous.h"
#include "flow.h"
#include "flow_glue.h"

/* ------------------------------------------------------------ unpacking */

PG_FUNCTION_INFO_V1(nous_flow_edges);

/* flow_edges(m): one row per flow sorted by origin and destination; stayers (when > 0) as origin = destination. */
Datum
nous_flow_edges(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v;
	int32		i,
				o,
				d;
	double		w;
	Datum		vals[3];
	bool		nulls[3] = {false, false, false};
	Datum	   *codes;
	bool	   *with_stay;
	FlowWalk	walk;

	flows_view(PG_GETARG_DATUM(0), &v);
	InitMaterializedSRF(fcinfo, 0);
	codes = palloc(sizeof(Datum) * Max(v.nzones, 1));
	with_stay = palloc(sizeof(bool) * Max(v.nzones, 1));
	for (i = 0; i < v.nzones; i++)
	{
		codes[i] = PointerGetDatum(flow_zone_text(&v, i));
		with_stay[i] = nous_fv_stay(&v, i) > 0;
	}
	flow_walk_start(&walk, &v, with_stay);
	while (flow_walk_next(&walk, &o, &d, &w))
	{
		vals[0] = codes[o];
		vals[1] = codes[d];
		vals[2] = Float8GetDatum(w);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

Datum
flow_rate_datum(double x, bool *isnull)
{
	*isnull = isnan(x);
	return Float8GetDatum(*isnull ? 0.0 : x);
}

PG_FUNCTION_INFO_V1(nous_flow_zones);

/* flow_zones(m): the Observatoire des territoires indicators of every zone. */
Datum
nous_flow_zones(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v;
	double	   *in,
			   *out;
	int32		i;

	flows_view(PG_GETARG_DATUM(0), &v);
	InitMaterializedSRF(fcinfo, 0);
	in = palloc(sizeof(double) * Max(v.nzones, 1));
	out = palloc(sizeof(double) * Max(v.nzones, 1));
	nous_flow_in_out(&v, in, out);
	for (i = 0; i < v.nzones; i++)
	{
		Datum		vals[11];
		bool		nulls[11] = {false};
		nous_flow_rates r;
		double		iso = nous_fv_stay(&v, i);

		CHECK_FOR_INTERRUPTS();
		/* zone totals are sums of weights: without the noise of binary sums */
		in[i] = nous_flow_clean(in[i]);
		out[i] = nous_flow_clean(out[i]);
		nous_flow_zone_rates(iso, in[i], out[i], &r);
		vals[0] = PointerGetDatum(flow_zone_text(&v, i));
		vals[1] = Float8GetDatum(iso);
		vals[2] = Float8GetDatum(in[i]);
		vals[3] = Float8GetDatum(out[i]);
		vals[4] = Float8GetDatum(r.present_before);
		vals[5] = Float8GetDatum(r.present_after);
		vals[6] = Float8GetDatum(r.net);
		vals[7] = flow_rate_datum(r.net_rate, &nulls[7]);
		vals[8] = flow_rate_datum(r.turnover_rate, &nulls[8]);
		vals[9] = flow_rate_datum(r.inflow_share, &nulls[9]);
		vals[10] = flow_rate_datum(r.outflow_share, &nulls[10]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_flow_summary);

/* flow_summary(m): zones, flows, stayers, movers, effectiveness, Gini. */
Datum
nous_flow_summary(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	nous_flow_overall s;
	TupleDesc	td;
	Datum		vals[6];
	bool		nulls[6] = {false};
	nous_status st;

	flows_view(PG_GETARG_DATUM(0), &v);
	td = nous_row_desc(fcinfo);
	st = nous_flow_summarise(&v, &s);
	if (st != NOUS_OK)
		nous_report_status(st, "flow_summary");
	vals[0] = Int32GetDatum(v.nzones);
	vals[1] = Int32GetDatum(v.nedges);
	vals[2] = Float8GetDatum(nous_flow_clean(s.stayers));
	vals[3] = Float8GetDatum(nous_flow_clean(s.movers));
	vals[4] = flow_rate_datum(s.effectiveness, &nulls[4]);
	vals[5] = flow_rate_datum(s.gini, &nulls[5]);
	NOUS_RETURN_ROW(td, vals, nulls);
}

/* Start index of each origin's flows: start[i] .. start[i + 1]. */
int32 *
flow_origin_starts(const nous_flow_view *v)
{
	int32	   *start = palloc0(sizeof(int32) * ((size_t) v->nzones + 1));
	int32		e;

	for (e = 0; e < v->nedges; e++)
		start[nous_fv_orig(v, e) + 1]++;
	for (e = 0; e < v->nzones; e++)
		start[e + 1] += start[e];
	return start;
}

/* The weight of the flow o -> d, or -1 when absent. */
static double
find_flow(const nous_flow_view *v, const int32 *start, int32 o, int32 d)
{
	int32		lo = start[o],
				hi = start[o + 1] - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int32		md = nous_fv_dest(v, mid);

		if (md == d)
			return nous_fv_w(v, mid);
		if (md < d)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

PG_FUNCTION_INFO_V1(nous_flow_summary_selection);

/*
 * flow_summary(m, selection): the links and volume (off-diagonal weight) of
 * m, and how many of them a selection of m keeps and loses.  Every flow of
 * the selection must be a flow of m with the same weight.
 */
Datum
nous_flow_summary_selection(PG_FUNCTION_ARGS)
{
	nous_flow_view m, s;
	int32	   *start;
	int32		e;
	double		volume = 0.0, kept = 0.0;
	TupleDesc	td;
	Datum		vals[7];
	bool		nulls[7] = {false};

	flows_view(PG_GETARG_DATUM(0), &m);
	flows_view(PG_GETARG_DATUM(1), &s);
	td = nous_row_desc(fcinfo);
	start = flow_origin_starts(&m);
	for (e = 0; e < m.nedges; e++)
		volume += nous_fv_w(&m, e);
	for (e = 0; e < s.nedges; e++)
	{
		size_t		lo, ld;
		const char *zo = nous_fv_zone(&s, nous_fv_orig(&s, e), &lo);
		const char *zd = nous_fv_zone(&s, nous_fv_dest(&s, e), &ld);
		int32		o = nous_fv_find(&m, zo, lo),
					d = nous_fv_find(&m, zd, ld);
		double		w = nous_fv_w(&s, e);

		if (o < 0 || d < 0 || find_flow(&m, start, o, d) != w)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the selection is not a selection of the matrix"),
					 errdetail("The flow \"%.*s\" -> \"%.*s\" of weight %g is not a flow of the matrix with that weight.",
							   (int) Min(lo, 60), zo, (int) Min(ld, 60), zd, w),
					 errhint("Pass the matrix and nous.flow_select(matrix, …) of that same matrix.")));
		kept += w;
	}
	vals[0] = Int32GetDatum(m.nedges);
	vals[1] = Int32GetDatum(s.nedges);
	vals[2] = Int32GetDatum(m.nedges - s.nedges);
	vals[3] = Float8GetDatum(nous_flow_clean(volume));
	vals[4] = Float8GetDatum(nous_flow_clean(kept));
	vals[5] = Float8GetDatum(nous_flow_clean(volume - kept));
	vals[6] = flow_rate_datum(volume > 0.0 ? kept / volume : NAN, &nulls[6]);
	NOUS_RETURN_ROW(td, vals, nulls);
}

PG_FUNCTION_INFO_V1(nous_flow_pairs);

/* flow_pairs(m): two-way flows merged, one row per unordered pair (zone_a < zone_b). */
Datum
nous_flow_pairs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v;
	int32	   *start;
	int32		e;

	flows_view(PG_GETARG_DATUM(0), &v);
	InitMaterializedSRF(fcinfo, 0);
	start = flow_origin_starts(&v);
	for (e = 0; e < v.nedges; e++)
	{
		int32		o = nous_fv_orig(&v, e),
					d = nous_fv_dest(&v, e);
		double		ab,
					ba;
		Datum		vals[6];
		bool		nulls[6] = {false};

		if ((e & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		if (o < d)
		{
			ab = nous_fv_w(&v, e);
			ba = find_flow(&v, start, d, o);
			if (ba < 0)
				ba = 0;
		}
		else if (find_flow(&v, start, d, o) < 0)
		{
			/* only b -> a exists: the pair is written here */
			int32		t = o;

			o = d;
			d = t;
			ab = 0;
			ba = nous_fv_w(&v, e);
		}
		else
			continue;			/* written with a -> b */
		vals[0] = PointerGetDatum(flow_zone_text(&v, o));
		vals[1] = PointerGetDatum(flow_zone_text(&v, d));
		vals[2] = Float8GetDatum(ab);
		vals[3] = Float8GetDatum(ba);
		vals[4] = Float8GetDatum(ab + ba);
		vals[5] = Float8GetDatum(ab - ba);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

/* ------------------------------------------------------------ dense form */

PG_FUNCTION_INFO_V1(nous_flow_dense);

/*
 * flow_dense(m, max_zones): zone labels and the n x n matrix (rows =
 * origins, stayers on the diagonal) for small matrices.
 */
Datum
nous_flow_dense(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	int32		maxz = PG_GETARG_INT32(1);
	TupleDesc	td;
	Datum		vals[2];
	bool		nulls[2] = {false, false};
	Datum	   *codes,
			   *cells;
	int			dims[2],
				lbs[2] = {1, 1};
	int32		i,
				e;
	size_t		n;

	flows_view(PG_GETARG_DATUM(0), &v);
	td = nous_row_desc(fcinfo);
	if (maxz < 0 || maxz > 4000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_zones must be between 0 and 4000, not %d", maxz)));
	if (v.nzones > maxz)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("matrix of %d zones is larger than max_zones = %d", v.nzones, maxz),
				 errhint("Raise max_zones (at most 4000), aggregate the zones with nous.flow_categories, or use nous.flow_edges.")));
	n = (size_t) v.nzones;
	codes = palloc(sizeof(Datum) * Max(n, 1));
	cells = palloc(sizeof(Datum) * Max(n * n, 1));
	for (i = 0; i < v.nzones; i++)
		codes[i] = PointerGetDatum(flow_zone_text(&v, i));
	for (i = 0; (size_t) i < n * n; i++)
		cells[i] = Float8GetDatum(0.0);
	for (i = 0; i < v.nzones; i++)
		cells[(size_t) i * n + i] = Float8GetDatum(nous_fv_stay(&v, i));
	for (e = 0; e < v.nedges; e++)
		cells[(size_t) nous_fv_orig(&v, e) * n + nous_fv_dest(&v, e)] = Float8GetDatum(nous_fv_w(&v, e));
	vals[0] = PointerGetDatum(construct_array(codes, v.nzones, TEXTOID, -1, false, TYPALIGN_INT));
	if (n == 0)
		vals[1] = PointerGetDatum(construct_empty_array(FLOAT8OID));
	else
	{
		dims[0] = dims[1] = v.nzones;
		vals[1] = PointerGetDatum(construct_md_array(cells, NULL, 2, dims, lbs, FLOAT8OID,
													 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	NOUS_RETURN_ROW(td, vals, nulls);
}
