/*
 * flow_glue.h — private to the glue files of the flow module (src/flow_*.c):
 * the functions they share.  The mathematics and the storage format are in
 * src/core/flow.h.
 */
#ifndef NOUS_FLOW_GLUE_H
#define NOUS_FLOW_GLUE_H

#include "lib/stringinfo.h"

#include "flow.h"

/* flow_state.c */
void flows_view_of(struct varlena *p, nous_flow_view *v);
void flows_view(Datum d, nous_flow_view *v);
text *flow_zone_text(const nous_flow_view *v, int32 i);
void flow_list_zone(StringInfo s, const nous_flow_view *v, int32 i, int *n);

/*
 * The items of a matrix in order of origin, then destination: its flows and,
 * for each zone i with with_stay[i], its stayers as the item (i, i) at their
 * place.  flow_walk_start, then flow_walk_next until it returns false.
 */
typedef struct FlowWalk
{
	const nous_flow_view *v;
	const bool *with_stay;
	int32		i;				/* the origin zone */
	int32		e;				/* the next flow */
	bool		stay_due;		/* the stayers of zone i still to come */
} FlowWalk;

void flow_walk_start(FlowWalk *w, const nous_flow_view *v, const bool *with_stay);
bool flow_walk_next(FlowWalk *w, int32 *o, int32 *d, double *weight);
void flow_report_build_status(nous_status st);
struct varlena *flow_builder_to_varlena(nous_flow_builder *b);

/* flow_unpack.c */
Datum flow_rate_datum(double x, bool *isnull);
int32 *flow_origin_starts(const nous_flow_view *v);

#endif							/* NOUS_FLOW_GLUE_H */
