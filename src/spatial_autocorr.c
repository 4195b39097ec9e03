/*
 * spatial_autocorr.c — the statistics of a state (weights, ids, values,
 * options): global ones (Moran's I, Geary's C, Getis-Ord G) and local ones
 * (local Moran, local G and G*), for the final functions of the one-step
 * aggregates (spatial_autocorr_agg.c; here the final functions of the
 * internal state of 0.1.0, named by its install script) and for the
 * two-step functions (spatial_autocorr_twostep.c).
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

/* A global statistic of state s as the composite result of the call. */
Datum
ac_global_result(FunctionCallInfo fcinfo, AcState *s, nous_global_kind kind)
{
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
	ac_parse_opts(s->opts, kind == NOUS_GETIS_ORD ? NOUS_STYLE_B : NOUS_STYLE_W, &o);
	x = ac_values(s, &g, &o);
	if (kind == NOUS_GETIS_ORD)
		for (int32 i = 0; i < g.n; i++)
			if (x[i] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("Getis-Ord G needs values that are not negative"),
						 errdetail("Area %s has %g.", weights_id_name(s->w, i), x[i])));
	{
		nous_status st = nous_global_autocorr(&g, x, kind, &o.core, &r);

		ac_status(st, r.islands, what);
	}
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "autocorrelation: return type must be composite");
	td = BlessTupleDesc(td);
	memset(nl, 0, sizeof(nl));
	v[0] = ac_float_or_null(r.stat, &nl[0]);
	v[1] = ac_float_or_null(r.expected, &nl[1]);
	v[2] = ac_float_or_null(r.var_normal, &nl[2]);
	v[3] = ac_float_or_null(r.var_random, &nl[3]);
	v[4] = ac_float_or_null(r.z_normal, &nl[4]);
	v[5] = ac_float_or_null(r.z_random, &nl[5]);
	v[6] = ac_float_or_null(r.p_normal, &nl[6]);
	v[7] = ac_float_or_null(r.p_random, &nl[7]);
	v[8] = ac_float_or_null(r.p_perm, &nl[8]);
	v[9] = Int32GetDatum(o.core.permutations);
	v[10] = Int32GetDatum(r.n);
	v[11] = Int64GetDatum(r.links);
	v[12] = Int32GetDatum(r.islands);
	v[13] = CStringGetTextDatum(ac_style_name(o.core.style));
	v[14] = Float8GetDatum(r.s0);
	if (td->natts != 15)
		elog(ERROR, "autocorrelation: unexpected result type");
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, v, nl)));
}

NOUS_ENTRY(nous_moran_finalfn, ac_global_result(fcinfo, PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0), NOUS_MORAN));

NOUS_ENTRY(nous_geary_finalfn, ac_global_result(fcinfo, PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0), NOUS_GEARY));

NOUS_ENTRY(nous_getis_ord_finalfn, ac_global_result(fcinfo, PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0), NOUS_GETIS_ORD));

/*
 * The row type of the elements of a final function's array result (a
 * blessed descriptor of natts columns) and the array of those rows.
 */
static TupleDesc
result_row_desc(FunctionCallInfo fcinfo, int natts, const char *what, Oid *elemtype)
{
	Oid			rettype = get_fn_expr_rettype(fcinfo->flinfo);
	TupleDesc	td;

	/* Citus calls a final function without an expression: its declared type */
	if (!OidIsValid(rettype))
		rettype = get_func_rettype(fcinfo->flinfo->fn_oid);
	*elemtype = get_element_type(rettype);
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

/* The options of a local statistic of state s (W by default) and its values on the areas (graph g). */
static double *
local_values(AcState *s, AcOpts *o, nous_graph *g)
{
	ac_parse_opts(s->opts, NOUS_STYLE_W, o);
	return ac_values(s, g, o);
}

/*
 * The row type of the natts columns of a local result (the id type checked
 * against the weights, fn naming the aggregate) and room for a row per area.
 */
static TupleDesc
local_rows(FunctionCallInfo fcinfo, AcState *s, int32 n, int natts, const char *fn,
		   Oid *elemtype, Datum **elems)
{
	TupleDesc	td = result_row_desc(fcinfo, natts, fn + 5, elemtype);

	weights_check_id_type(s->w, TupleDescAttr(td, 0)->atttypid, fn);
	*elems = palloc(sizeof(Datum) * Max(n, 1));
	return td;
}

/* nous.local_moran final: an array of nous.local_moran_result, by id. */
NOUS_ENTRY(nous_local_moran_finalfn, ac_local_moran_result(fcinfo, PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0)));

/*
 * Columns 0 to 7 of the row of area i of a local statistic, the others not
 * NULL: the id, then the fields stat, expected, variance, z, p_normal, p_perm
 * and p_fdr of r (a nous_local_result or a nous_local_g_result).
 */
#define LOCAL_COMMON_COLUMNS(v, nl, s, i, r, stat) \
	do { \
		memset(nl, 0, sizeof(nl)); \
		(v)[0] = weights_id_datum((s)->w, i); \
		(v)[1] = ac_float_or_null((r).stat, &(nl)[1]); \
		(v)[2] = ac_float_or_null((r).expected, &(nl)[2]); \
		(v)[3] = ac_float_or_null((r).variance, &(nl)[3]); \
		(v)[4] = ac_float_or_null((r).z, &(nl)[4]); \
		(v)[5] = ac_float_or_null((r).p_normal, &(nl)[5]); \
		(v)[6] = ac_float_or_null((r).p_perm, &(nl)[6]); \
		(v)[7] = ac_float_or_null((r).p_fdr, &(nl)[7]); \
	} while (0)

/* Local Moran of state s: an array of nous.local_moran_result, by id. */
Datum
ac_local_moran_result(FunctionCallInfo fcinfo, AcState *s)
{
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
	x = local_values(s, &o, &g);
	lr = palloc(sizeof(nous_local_result) * Max(g.n, 1));
	ac_status(nous_local_moran(&g, x, &o.core, lr, &islands), islands, "local Moran");
	td = local_rows(fcinfo, s, g.n, 11, "nous.local_moran", &elemtype, &elems);
	for (int32 i = 0; i < g.n; i++)
	{
		Datum		v[11];
		bool		nl[11];
		double		p;

		if (isnan(x[i]))
			continue;
		LOCAL_COMMON_COLUMNS(v, nl, s, i, lr[i], ii);
		v[8] = ac_float_or_null(lr[i].lag, &nl[8]);
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

Datum
ac_local_g_result(FunctionCallInfo fcinfo, AcState *s, bool star)
{
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
	x = local_values(s, &o, &g);
	for (int32 i = 0; i < g.n; i++)
		if (x[i] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("local Getis-Ord G needs values that are not negative"),
					 errdetail("Area %s has %g.", weights_id_name(s->w, i), x[i])));
	lr = palloc(sizeof(nous_local_g_result) * Max(g.n, 1));
	ac_status(nous_local_g(&g, x, star, &o.core, lr, &islands), islands, star ? "local Gi*" : "local Gi");
	td = local_rows(fcinfo, s, g.n, 9, star ? "nous.local_gstar" : "nous.local_g", &elemtype, &elems);
	for (int32 i = 0; i < g.n; i++)
	{
		Datum		v[9];
		bool		nl[9];
		double		p;

		if (isnan(x[i]))
			continue;
		LOCAL_COMMON_COLUMNS(v, nl, s, i, lr[i], g);
		p = o.core.permutations > 0 ? lr[i].p_perm : lr[i].p_normal;
		if (isfinite(p) && isfinite(lr[i].z))
			v[8] = CStringGetTextDatum(p > o.alpha ? "Not significant" : lr[i].z > 0 ? "High" : "Low");
		else
			nl[8] = true;
		elems[ne++] = HeapTupleGetDatum(heap_form_tuple(td, v, nl));
	}
	return result_rows_array(elems, ne, elemtype);
}

NOUS_ENTRY(nous_local_g_finalfn, ac_local_g_result(fcinfo, PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0), false));

NOUS_ENTRY(nous_local_gstar_finalfn, ac_local_g_result(fcinfo, PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0), true));
