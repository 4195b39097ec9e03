/*
 * flow_state.c — nous.flows values and the aggregate that builds them: a
 * checked view of a stored value, the expanded object of nous.flow_matrix
 * during the scan, its transition and its merge.
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

/* ------------------------------------------------------------------ views */

/* Validate a flat value and point v at it; the value must stay alive. */
void
flows_view_of(struct varlena *p, nous_flow_view *v)
{
	const char *why;

	if (VARSIZE(p) > VARHDRSZ)
		nous_check_format_version("nous.flows", ((const unsigned char *) VARDATA(p))[0],
								  1, NOUS_FLOW_VERSION);
	if (nous_flow_decode(VARDATA(p), VARSIZE(p) - VARHDRSZ, v, &why) != NOUS_OK)
		nous_state_corrupt("nous.flows value", "%s", why);
}

/* Detoast (flatten an expanded value) and validate. */
void
flows_view(Datum d, nous_flow_view *v)
{
	flows_view_of(PG_DETOAST_DATUM(d), v);
}

text *
flow_zone_text(const nous_flow_view *v, int32 i)
{
	size_t		len;
	const char *z = nous_fv_zone(v, i, &len);

	return cstring_to_text_with_len(z, (int) len);
}

/*
 * One more zone i in the list of an error detail: the first 10 quoted and
 * separated by commas in s (the message adds ", …" beyond), *n counts them all.
 */
void
flow_list_zone(StringInfo s, const nous_flow_view *v, int32 i, int *n)
{
	if (*n < 10)
	{
		size_t		len;
		const char *z = nous_fv_zone(v, i, &len);

		appendStringInfo(s, "%s\"%.*s\"", *n ? ", " : "", (int) len, z);
	}
	(*n)++;
}

void
flow_walk_start(FlowWalk *w, const nous_flow_view *v, const bool *with_stay)
{
	w->v = v;
	w->with_stay = with_stay;
	w->i = -1;
	w->e = 0;
	w->stay_due = false;
}

bool
flow_walk_next(FlowWalk *w, int32 *o, int32 *d, double *weight)
{
	const nous_flow_view *v = w->v;

	while (w->i < v->nzones)
	{
		if (w->i >= 0)
		{
			bool		edge = w->e < v->nedges && nous_fv_orig(v, w->e) == w->i;

			if (w->stay_due && (!edge || nous_fv_dest(v, w->e) > w->i))
			{
				w->stay_due = false;
				*o = *d = w->i;
				*weight = nous_fv_stay(v, w->i);
				return true;
			}
			if (edge)
			{
				*o = w->i;
				*d = nous_fv_dest(v, w->e);
				*weight = nous_fv_w(v, w->e);
				w->e++;
				return true;
			}
		}
		if (++w->i < v->nzones)
		{
			CHECK_FOR_INTERRUPTS();
			w->stay_due = w->with_stay[w->i];
		}
	}
	return false;
}

void
flow_report_build_status(nous_status st)
{
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("flow matrix too large"),
				 errdetail("A matrix holds at most %d zones and %d flows, and 2 GB of zone codes.",
						   NOUS_FLOW_MAX_ITEMS, NOUS_FLOW_MAX_ITEMS)));
	if (st != NOUS_OK)
		nous_report_status(st, "flow matrix");
}

/* A builder's flat form as a new varlena in CurrentMemoryContext. */
struct varlena *
flow_builder_to_varlena(nous_flow_builder *b)
{
	size_t		len = nous_fb_flat_size(b);
	struct varlena *r;

	if (len > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("flow matrix too large to store"),
				 errdetail("Its flat form would take %zu bytes; a value holds at most 1 GB.", len)));
	r = palloc(len + VARHDRSZ);
	SET_VARSIZE(r, len + VARHDRSZ);
	flow_report_build_status(nous_fb_flatten(b, VARDATA(r), len));
	return r;
}

/* ---------------------------------------------------- expanded aggregate state */

typedef struct FlowsExpanded
{
	ExpandedObjectHeader hdr;
	nous_flow_builder *b;
	char	   *flat;			/* cached flat body, NULL when stale */
	size_t		flatlen;
} FlowsExpanded;

static Size
flows_get_flat_size(ExpandedObjectHeader *eohptr)
{
	FlowsExpanded *fe = (FlowsExpanded *) eohptr;

	if (fe->flat == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fe->hdr.eoh_context);
		size_t		len = nous_fb_flat_size(fe->b);

		if (len > MaxAllocSize - VARHDRSZ)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("flow matrix too large to store"),
					 errdetail("Its flat form would take %zu bytes; a value holds at most 1 GB.", len)));
		fe->flat = palloc(len);
		flow_report_build_status(nous_fb_flatten(fe->b, fe->flat, len));
		fe->flatlen = len;
		MemoryContextSwitchTo(old);
	}
	return fe->flatlen + VARHDRSZ;
}

static void
flows_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	FlowsExpanded *fe = (FlowsExpanded *) eohptr;

	Assert(fe->flat != NULL && allocated_size == fe->flatlen + VARHDRSZ);
	SET_VARSIZE(result, allocated_size);
	memcpy(VARDATA(result), fe->flat, fe->flatlen);
}

static const ExpandedObjectMethods flows_methods = {
	flows_get_flat_size,
	flows_flatten_into
};

static FlowsExpanded *
flows_expanded_new(MemoryContext parent)
{
	FlowsExpanded *fe = (FlowsExpanded *) nous_eo_new(parent, "nous.flows", sizeof(FlowsExpanded),
													  &flows_methods);
	MemoryContext old;

	old = MemoryContextSwitchTo(fe->hdr.eoh_context);
	fe->b = nous_fb_create();
	MemoryContextSwitchTo(old);
	return fe;
}

/* Add the flows of v to the state, in the state's memory context. */
static void
flows_add_view(FlowsExpanded *fe, const nous_flow_view *v)
{
	MemoryContext old = MemoryContextSwitchTo(fe->hdr.eoh_context);
	nous_status st = nous_fb_add_view(fe->b, v);

	MemoryContextSwitchTo(old);
	flow_report_build_status(st);
}

/* The state of a transition: ours to modify in place, or a new one. */
static FlowsExpanded *
flows_state(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt = nous_agg_context(fcinfo, fname, "nous.flow_matrix");
	FlowsExpanded *fe = (FlowsExpanded *) nous_eo_mine(fcinfo, 0, &flows_methods, aggcxt);

	if (fe != NULL)
	{
		if (fe->flat != NULL)
		{
			pfree(fe->flat);
			fe->flat = NULL;
		}
		return fe;
	}
	fe = flows_expanded_new(aggcxt);
	if (!PG_ARGISNULL(0))
	{
		nous_flow_view v;

		flows_view(PG_GETARG_DATUM(0), &v);
		flows_add_view(fe, &v);
	}
	return fe;
}

static void
check_zone(text *z, const char *what)
{
	if (VARSIZE_ANY_EXHDR(z) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s zone must not be empty", what),
				 errdetail("A zone code is a non-empty text, such as a commune code '44109'.")));
}

PG_FUNCTION_INFO_V1(nous_flow_matrix_sfunc);

/*
 * Transition of nous.flow_matrix(origin, destination, weight): add one move.
 * NULL zones and negative, NaN or infinite weights are errors; a NULL weight
 * skips the row, as sum() does.
 */
Datum
nous_flow_matrix_sfunc(PG_FUNCTION_ARGS)
{
	FlowsExpanded *fe;
	text	   *o,
			   *d;
	double		w;
	MemoryContext old;
	nous_status st;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s zone of a move must not be NULL", PG_ARGISNULL(1) ? "origin" : "destination"),
				 errdetail("Every move needs an origin and a destination zone."),
				 errhint("Filter the rows with unknown zones out, or give them a code such as 'unknown'.")));
	NOUS_RETURN_STATE_IF_NULL(3);
	w = PG_GETARG_FLOAT8(3);
	o = PG_GETARG_TEXT_PP(1);
	d = PG_GETARG_TEXT_PP(2);
	if (isnan(w) || isinf(w) || w < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid weight %s for the move from \"%s\" to \"%s\"",
						isnan(w) ? "NaN" : (isinf(w) ? (w > 0 ? "Infinity" : "-Infinity") :
											psprintf("%g", w)),
						text_to_cstring(o), text_to_cstring(d)),
				 errdetail("A weight is a finite number of persons or households, zero or more.")));
	check_zone(o, "origin");
	check_zone(d, "destination");
	fe = flows_state(fcinfo, "nous.flow_matrix_sfunc");
	old = MemoryContextSwitchTo(fe->hdr.eoh_context);
	st = nous_fb_add(fe->b, VARDATA_ANY(o), VARSIZE_ANY_EXHDR(o),
					 VARDATA_ANY(d), VARSIZE_ANY_EXHDR(d), w + 0.0);	/* -0 is 0 */
	MemoryContextSwitchTo(old);
	flow_report_build_status(st);
	NOUS_RETURN_EO(fe);
}

PG_FUNCTION_INFO_V1(nous_flow_matrix_merge);

/*
 * Combine function of both aggregates and transition of the merge aggregate
 * nous.flow_matrix(nous.flows): add a whole matrix; NULL matrices are skipped.
 */
Datum
nous_flow_matrix_merge(PG_FUNCTION_ARGS)
{
	FlowsExpanded *fe;
	nous_flow_view v;

	NOUS_RETURN_STATE_IF_NULL(1);
	fe = flows_state(fcinfo, "nous.flow_matrix_merge");
	flows_view(PG_GETARG_DATUM(1), &v);
	flows_add_view(fe, &v);
	NOUS_RETURN_EO(fe);
}
