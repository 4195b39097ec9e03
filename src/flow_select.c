/*
 * flow_select.c — selections of flows: the built-in selectors (threshold,
 * top, share, cumulative, dominant) and the registered-method dispatch of
 * nous.flow_select.
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

/* ------------------------------------------------------------ selection */

/* A copy of v with only the flows where keep[e]: same zones and stayers. */
static struct varlena *
filtered_copy(const nous_flow_view *v, const bool *keep)
{
	int32		k = 0,
				e,
				j = 0;
	size_t		nz = (size_t) v->nzones,
				blob,
				len;
	struct varlena *r;
	unsigned char *p,
			   *w,
			   *orig,
			   *dest,
			   *zend;

	for (e = 0; e < v->nedges; e++)
		k += keep[e] ? 1 : 0;
	/* the blob ends with the last zone's code */
	{
		size_t		zl;

		blob = 0;
		if (nz > 0)
		{
			const char *last = nous_fv_zone(v, (int32) nz - 1, &zl);

			blob = (size_t) ((const unsigned char *) last - v->codes) + zl;
		}
	}
	len = NOUS_FLOW_HEADER + nz * 12 + (size_t) k * 16 + blob;
	r = palloc(VARHDRSZ + len);
	SET_VARSIZE(r, VARHDRSZ + len);
	p = (unsigned char *) VARDATA(r);
	memset(p, 0, NOUS_FLOW_HEADER);
	p[0] = NOUS_FLOW_VERSION;
	memcpy(p + 4, &v->nzones, 4);
	memcpy(p + 8, &k, 4);
	memcpy(p + NOUS_FLOW_HEADER, v->stay, nz * 8);
	w = p + NOUS_FLOW_HEADER + nz * 8;
	orig = w + (size_t) k * 8;
	dest = orig + (size_t) k * 4;
	zend = dest + (size_t) k * 4;
	for (e = 0; e < v->nedges; e++)
	{
		if (!keep[e])
			continue;
		memcpy(w + (size_t) j * 8, v->w + (size_t) e * 8, 8);
		memcpy(orig + (size_t) j * 4, v->orig + (size_t) e * 4, 4);
		memcpy(dest + (size_t) j * 4, v->dest + (size_t) e * 4, 4);
		j++;
	}
	memcpy(zend, v->zend, nz * 4);
	memcpy(zend + nz * 4, v->codes, blob);
	return r;
}

#define SELECTION_FAMILY "flow_selection"

/* the comparisons of a flow selection with its value: >= (the default) or > (strict) */
static const nous_word comparisons[] = {
	{">=", false},
	{">", true},
	{NULL, 0}
};

/* Per-call-site cache of nous.flow_select: the last method resolved. */
typedef struct SelectCache
{
	NousMethodCache m;			/* first: the kit's method cache */
	Datum		spec_params;	/* the specification's own parameters */
} SelectCache;

PG_FUNCTION_INFO_V1(nous_flow_select_sql);

/*
 * flow_select(m, method, value, comparison): the matrix with only the flows
 * that matter (zones and stayers kept), by a method of the family
 * flow_selection; value and comparison are passed to the method in its
 * parameters, with those of the specification ('top', 'my_method(x=1)').
 */
Datum
nous_flow_select_sql(PG_FUNCTION_ARGS)
{
	SelectCache *cache;
	bool		fresh;
	char	   *spec;
	char	   *cmp;
	int			strict;
	Datum		extra,
				params,
				result;
	StringInfoData buf;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", PG_ARGISNULL(1) ? "method" : "comparison"),
				 errhint("Name a flow selection method, for example 'top'; see nous.methods.")));
	cmp = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (!nous_word_find(comparisons, cmp, &strict))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid comparison \"%s\"", cmp),
				 errhint("Use '>=' (the default) or '>'.")));
	if (!PG_ARGISNULL(2) && !isfinite(PG_GETARG_FLOAT8(2)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("flow selection value must be a finite number")));
	spec = text_to_cstring(PG_GETARG_TEXT_PP(1));
	cache = (SelectCache *) nous_method_cached(fcinfo->flinfo, sizeof(SelectCache),
											   SELECTION_FAMILY, spec, &fresh);
	if (fresh)
		cache->spec_params = cache->m.method.params;
	if (cache->m.method.takes_params)
	{
		/* the specification's parameters, then value and comparison */
		initStringInfo(&buf);
		appendStringInfo(&buf, "{\"comparison\": \"%s\"", cmp);
		if (!PG_ARGISNULL(2))
		{
			char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

			double_to_shortest_decimal_buf(PG_GETARG_FLOAT8(2), num);
			appendStringInfo(&buf, ", \"value\": %s", num);
		}
		appendStringInfoChar(&buf, '}');
		extra = DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
		params = DirectFunctionCall2(jsonb_concat, cache->spec_params, extra);
		cache->m.method.params = params;
	}
	result = nous_method_call_notnull(&cache->m.method, &PG_GETARG_DATUM(0), 1,
									  "flow selection", "A method must return a matrix.");
	cache->m.method.params = cache->spec_params;
	PG_RETURN_DATUM(result);
}

/* Run a built-in selection with the parameters value and comparison. */
static Datum
builtin_select(FunctionCallInfo fcinfo, const char *method, nous_flow_selector sel,
			   bool needs_value, const char *value_means)
{
	static const char *const allowed[] = {"value", "comparison", NULL};
	Jsonb	   *params = NULL;
	nous_flow_view v;
	double		value = 0;
	bool		has_value;
	char	   *cmp;
	int			strict = false;
	bool	   *keep;
	nous_status st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		params = PG_GETARG_JSONB_P(1);
	nous_params_check(params, method, allowed);
	has_value = nous_params_number(params, method, "value", &value);
	cmp = nous_params_word(params, method, "comparison");
	if (cmp != NULL && !nous_word_find(comparisons, cmp, &strict))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid comparison \"%s\" for flow selection \"%s\"", cmp, method),
				 errhint("Use '>=' (the default) or '>'.")));
	if (needs_value && !has_value)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("flow selection \"%s\" needs a value", method),
				 errhint("Give %s: nous.flow_select(m, '%s', value).", value_means, method)));
	flows_view(PG_GETARG_DATUM(0), &v);
	keep = palloc(sizeof(bool) * Max(v.nedges, 1));
	st = nous_flow_select(&v, sel, value, strict, keep);
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value %g for flow selection \"%s\"", value, method),
				 errdetail("The value is %s.", value_means)));
	if (st != NOUS_OK)
		nous_report_status(st, method);
	PG_RETURN_POINTER(filtered_copy(&v, keep));
}

/* threshold: weight >= value (or > value with comparison '>'). */
NOUS_ENTRY(nous_flow_select_threshold, builtin_select(fcinfo, "threshold", NOUS_SEL_THRESHOLD, true, "a finite weight"));

/* top: the value largest flows of each origin. */
NOUS_ENTRY(nous_flow_select_top, builtin_select(fcinfo, "top", NOUS_SEL_TOP, true, "a whole number of flows per origin, zero or more"));

/* share: weight / origin outflow >= value (or >). */
NOUS_ENTRY(nous_flow_select_share, builtin_select(fcinfo, "share", NOUS_SEL_SHARE, true, "a share of the origin's outflow between 0 and 1"));

/* cumulative: the largest flows until value of the volume. */
NOUS_ENTRY(nous_flow_select_cumulative, builtin_select(fcinfo, "cumulative", NOUS_SEL_CUMULATIVE, true, "a share of the total volume between 0 and 1"));

/* dominant: the Nystuen-Dacey dominant flows. */
NOUS_ENTRY(nous_flow_select_dominant, builtin_select(fcinfo, "dominant", NOUS_SEL_DOMINANT, false, "not used"));

PG_FUNCTION_INFO_V1(nous_flow_dominant_sql);

/* flow_dominant(m): Nystuen-Dacey largest flow of each zone and its role. */
Datum
nous_flow_dominant_sql(PG_FUNCTION_ARGS)
{
	static const char *const roles[] = {"dominant", "intermediate", "dominated"};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v;
	int32	   *largest;
	bool	   *dom;
	nous_flow_role *role;
	double	   *in,
			   *out;
	int32		i;
	nous_status st;

	flows_view(PG_GETARG_DATUM(0), &v);
	InitMaterializedSRF(fcinfo, 0);
	largest = palloc(sizeof(int32) * Max(v.nzones, 1));
	dom = palloc(sizeof(bool) * Max(v.nzones, 1));
	role = palloc(sizeof(nous_flow_role) * Max(v.nzones, 1));
	in = palloc(sizeof(double) * Max(v.nzones, 1));
	out = palloc(sizeof(double) * Max(v.nzones, 1));
	st = nous_flow_dominant(&v, largest, dom, role);
	if (st != NOUS_OK)
		nous_report_status(st, "flow_dominant");
	nous_flow_in_out(&v, in, out);
	for (i = 0; i < v.nzones; i++)
	{
		Datum		vals[6];
		bool		nulls[6] = {false};

		vals[0] = PointerGetDatum(flow_zone_text(&v, i));
		vals[1] = Float8GetDatum(in[i]);
		if (largest[i] >= 0)
		{
			vals[2] = PointerGetDatum(flow_zone_text(&v, nous_fv_dest(&v, largest[i])));
			vals[3] = Float8GetDatum(nous_fv_w(&v, largest[i]));
		}
		else
			nulls[2] = nulls[3] = true;
		vals[4] = BoolGetDatum(dom[i]);
		vals[5] = PointerGetDatum(cstring_to_text(roles[role[i]]));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}
