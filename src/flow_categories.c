/*
 * flow_categories.c — flows regrouped: zones mapped to categories
 * (nous.flow_categories) and the flows between two sets of zones.
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

/* ------------------------------------------------------------ categories */

/*
 * Map every zone of v to a category: cat[zone] = index into catcode/catlen.
 * Zones of the mapping absent from v are ignored; a zone of v without
 * category, a zone mapped twice, a NULL or empty code is an error.
 */
static void
map_categories(const nous_flow_view *v, ArrayType *zones, ArrayType *categories,
			   int32 **cat_out, const char ***catcode_out, size_t **catlen_out)
{
	Datum	   *zd,
			   *cd;
	bool	   *zn,
			   *cn;
	int			nzm,
				ncm,
				i;
	int32	   *cat;
	const char **catcode;
	size_t	   *catlen;
	StringInfoData missing;
	int			nmissing = 0;

	deconstruct_array(zones, TEXTOID, -1, false, TYPALIGN_INT, &zd, &zn, &nzm);
	deconstruct_array(categories, TEXTOID, -1, false, TYPALIGN_INT, &cd, &cn, &ncm);
	if (nzm != ncm)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%d zones but %d categories", nzm, ncm),
				 errdetail("The zone and category arrays pair element by element.")));
	cat = palloc(sizeof(int32) * Max(v->nzones, 1));
	for (i = 0; i < v->nzones; i++)
		cat[i] = -1;
	catcode = palloc(sizeof(char *) * Max(nzm, 1));
	catlen = palloc(sizeof(size_t) * Max(nzm, 1));
	for (i = 0; i < nzm; i++)
	{
		text	   *z;
		int32		k;

		if (zn[i] || cn[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("NULL %s at position %d of the mapping", zn[i] ? "zone" : "category", i + 1),
					 errhint("Give zones outside every category a category of their own, such as 'outside'.")));
		z = DatumGetTextPP(zd[i]);
		catcode[i] = VARDATA_ANY(DatumGetTextPP(cd[i]));
		catlen[i] = VARSIZE_ANY_EXHDR(DatumGetTextPP(cd[i]));
		if (catlen[i] == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("empty category at position %d of the mapping", i + 1)));
		k = nous_fv_find(v, VARDATA_ANY(z), VARSIZE_ANY_EXHDR(z));
		if (k < 0)
			continue;			/* zones absent from the matrix are ignored */
		if (cat[k] >= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("zone \"%s\" is mapped more than once", text_to_cstring(z)),
					 errdetail("It appears at positions %d and %d of the mapping.", cat[k] + 1, i + 1)));
		cat[k] = i;
	}
	initStringInfo(&missing);
	for (i = 0; i < v->nzones; i++)
		if (cat[i] < 0)
			flow_list_zone(&missing, v, i, &nmissing);
	if (nmissing > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d zone%s of the matrix %s no category", nmissing,
						nmissing > 1 ? "s" : "", nmissing > 1 ? "have" : "has"),
				 errdetail("Unmapped: %s%s.", missing.data, nmissing > 10 ? ", …" : ""),
				 errhint("Map every zone of the matrix, for example to 'outside'.")));
	*cat_out = cat;
	*catcode_out = catcode;
	*catlen_out = catlen;
}

PG_FUNCTION_INFO_V1(nous_flow_categories);

/*
 * flow_categories(m, zones, categories): the matrix between categories; a
 * move between two zones of one category adds to its diagonal (stayers).
 * Every zone of m must be mapped exactly once.
 */
Datum
nous_flow_categories(PG_FUNCTION_ARGS)
{
	nous_flow_view v;
	int32	   *cat;
	const char **catcode;
	size_t	   *catlen;
	nous_flow_builder *b;

	flows_view(PG_GETARG_DATUM(0), &v);
	map_categories(&v, PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2), &cat, &catcode, &catlen);
	/* nous_alloc is palloc in the server: an out-of-memory is an ERROR, never NULL */
	b = nous_fb_create();
	flow_report_build_status(nous_fb_add_view_mapped(b, &v, cat, catcode, catlen));
	PG_RETURN_POINTER(flow_builder_to_varlena(b));
}

PG_FUNCTION_INFO_V1(nous_flow_between);

/*
 * flow_between(m, zones, categories): persons who stayed in a zone of a
 * category, moved between two zones of one category, or moved from one
 * category to another.
 */
Datum
nous_flow_between(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_flow_view v,
				sv,
				mv;
	int32	   *cat;
	const char **catcode;
	size_t	   *catlen;
	nous_flow_builder *sb,
			   *mb;
	struct varlena *sflat,
			   *mflat;
	int32	   *start;
	int32		i,
				e;

	flows_view(PG_GETARG_DATUM(0), &v);
	map_categories(&v, PG_GETARG_ARRAYTYPE_P(1), PG_GETARG_ARRAYTYPE_P(2), &cat, &catcode, &catlen);
	InitMaterializedSRF(fcinfo, 0);
	sb = nous_fb_create();
	mb = nous_fb_create();
	for (i = 0; i < v.nzones; i++)
	{
		int32		c = cat[i];

		flow_report_build_status(nous_fb_add(sb, catcode[c], catlen[c], catcode[c], catlen[c],
										nous_fv_stay(&v, i)));
	}
	for (e = 0; e < v.nedges; e++)
	{
		int32		a = cat[nous_fv_orig(&v, e)],
					b = cat[nous_fv_dest(&v, e)];

		if ((e & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		flow_report_build_status(nous_fb_add(mb, catcode[a], catlen[a], catcode[b], catlen[b],
										nous_fv_w(&v, e)));
	}
	sflat = flow_builder_to_varlena(sb);
	mflat = flow_builder_to_varlena(mb);
	flows_view_of(sflat, &sv);
	flows_view_of(mflat, &mv);
	start = flow_origin_starts(&mv);
	for (i = 0; i < sv.nzones; i++)
	{
		size_t		len;
		const char *code = nous_fv_zone(&sv, i, &len);
		int32		k = nous_fv_find(&mv, code, len);
		Datum		vals[4];
		bool		nulls[4] = {false, false, false, false};
		text	   *ct = cstring_to_text_with_len(code, (int) len);

		vals[0] = PointerGetDatum(ct);
		vals[1] = PointerGetDatum(ct);
		vals[2] = PointerGetDatum(cstring_to_text("stayed"));
		vals[3] = Float8GetDatum(nous_fv_stay(&sv, i));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		if (k < 0)
			continue;
		vals[2] = PointerGetDatum(cstring_to_text("moved inside"));
		vals[3] = Float8GetDatum(nous_fv_stay(&mv, k));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		vals[2] = PointerGetDatum(cstring_to_text("moved between"));
		for (e = start[k]; e < start[k + 1]; e++)
		{
			vals[1] = PointerGetDatum(flow_zone_text(&mv, nous_fv_dest(&mv, e)));
			vals[3] = Float8GetDatum(nous_fv_w(&mv, e));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
		}
	}
	return (Datum) 0;
}
