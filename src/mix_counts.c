/*
 * mix_counts.c — nous.mixcounts, (super, unit, group) -> count cells: the
 * records-mode aggregates, the combine, the multigroup indices read from a
 * state and the functions that list its cells.  The hash mode of the
 * transition is in mix_counts_hash.c, the text and binary forms in
 * mix_counts_io.c.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"

#include "nous.h"
#include "mix.h"
#include "mix_state.h"

/* ------------------------------------------------------------------ */
/* nous.mixcounts                                                      */
/* ------------------------------------------------------------------ */

static void table_from_image(const char *img, Size len, nous_mixtable *t);
static void write_cells(const nous_mixtable *t, StringInfo s);

#define COMPACT_FIRST (1024 * 1024)

/*
 * Merge the duplicate cells of the state in place (sorted, summed).  Called
 * when the buffer doubles past 1 MB, so that raw rows (one per person) keep a
 * state as small as its distinct cells; when merging gains little (inputs
 * already one row a cell) the next merge waits for a 4x growth.  Amortised
 * O(1) per row either way.
 */
static void
counts_compact(NousBufEO *eo)
{
	nous_mixtable t;
	StringInfoData out;
	Size		before = eo->len;
	MemoryContext old;

	table_from_image(eo->data, eo->len, &t);
	old = MemoryContextSwitchTo(eo->hdr.eoh_context);
	initStringInfo(&out);
	MemoryContextSwitchTo(old);
	appendBinaryStringInfo(&out, MIX_IMAGE_START, COUNTS_HDR);
	write_cells(&t, &out);
	nous_mixtable_free(&t);
	pfree(eo->data);
	eo->data = out.data;
	eo->len = out.len;
	eo->cap = out.maxlen;
	eo->compact_at = Max((Size) COMPACT_FIRST, eo->len * (eo->len * 4 > before * 3 ? 4 : 2));
}

void
mix_check_count(double n, const char *u, uint32 lu, const char *g, uint32 lg)
{
	if (!isfinite(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count must be a finite number, got %g", n)));
	if (n < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("count must not be negative, got %g", n),
				 errdetail("Unit \"%.*s\", group \"%.*s\".", (int) Min(lu, 60), u, (int) Min(lg, 60), g)));
}

/* after the records of eo grew: set the first merge point, or merge at it */
static void
counts_grown(NousBufEO *eo)
{
	if (eo->compact_at == 0)
		eo->compact_at = Max((Size) COMPACT_FIRST, eo->len * 2);
	else if (eo->len >= eo->compact_at)
		counts_compact(eo);
}

static void
counts_append(NousBufEO *eo, const char *s, uint32 ls, const char *u, uint32 lu,
			  const char *g, uint32 lg, double n)
{
	Size		need = NOUS_MIXREC_HDR + (Size) ls + lu + lg;

	mix_check_count(n, u, lu, g, lg);
	mix_buf_reserve(eo, need);
	nous_mixrec_write((unsigned char *) eo->data + eo->len, n, s, ls, u, lu, g, lg);
	eo->len += need;
	counts_grown(eo);
}

/* the ERROR of a NULL key argument (super, unit or grp) */
void
mix_key_not_null(FunctionCallInfo fcinfo, int argno, const char *what)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", what),
				 errhint("Filter the rows with a NULL %s out, or COALESCE it to a named category.", what)));
}

void
mix_key_arg(FunctionCallInfo fcinfo, int argno, const char *what, const char **p, uint32 *l)
{
	text	   *t;

	mix_key_not_null(fcinfo, argno, what);
	t = PG_GETARG_TEXT_PP(argno);
	*p = VARDATA_ANY(t);
	*l = VARSIZE_ANY_EXHDR(t);
}

/*
 * A records-mode transition (state, [super,] unit, grp, n), grp text or
 * bigint; a NULL n skips the row.
 */
static inline Datum
counts_trans(FunctionCallInfo fcinfo, const char *fn, bool has_super, bool int_grp)
{
	NousBufEO  *eo = mix_state_rw(fcinfo, 0, BUF_COUNTS, fn);
	int			nargno = has_super ? 4 : 3;

	if (!PG_ARGISNULL(nargno))
	{
		MixRowKeys	k;

		mix_row_keys(fcinfo, has_super, int_grp, &k);
		counts_append(eo, k.s, k.ls, k.u, k.lu, k.g, k.lg, PG_GETARG_FLOAT8(nargno));
	}
	RETURN_EO(eo);
}

/* transition (state, unit, grp, n); a NULL n skips the row */
NOUS_ENTRY(nous_mixcounts_trans, counts_trans(fcinfo, "nous_mixcounts_trans", false, false));

/* transition (state, super, unit, grp, n) */
NOUS_ENTRY(nous_mixcounts_trans_super, counts_trans(fcinfo, "nous_mixcounts_trans_super", true, false));

/*
 * transition (state, unit, grp bigint, n): the group keyed by its decimal
 * text, the same cell as grp::text
 */
NOUS_ENTRY(nous_mixcounts_trans_int, counts_trans(fcinfo, "nous_mixcounts_trans_int", false, true));

/* transition (state, super, unit, grp bigint, n) */
NOUS_ENTRY(nous_mixcounts_trans_super_int, counts_trans(fcinfo, "nous_mixcounts_trans_super_int", true, true));

/*
 * The hash mode of a mixcounts state, used by the aggregates that end in an
 * index (nous.mutual_information, …): each row adds its count to its cell in
 * a hash table instead of appending a record, so the state never holds more
 * than its distinct cells and is never re-sorted while it grows.  A cell's
 * count is the sum of its rows in input order, exactly the sum the records
 * mode reaches when it merges (nous_mixtable_build adds the records of a cell
 * in order), so every index is the same to the last bit.  The flat image (one
 * record per cell, in order of first appearance) is written only when the
 * state is read, stored or sent.
 */

PG_FUNCTION_INFO_V1(nous_mixcounts_combine);
Datum
nous_mixcounts_combine(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo;
	const char *img;
	Size		len;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	eo = mix_state_rw(fcinfo, 0, BUF_COUNTS, "nous_mixcounts_combine");
	if (PG_ARGISNULL(1))
		RETURN_EO(eo);
	img = mix_state_image(PG_GETARG_DATUM(1), BUF_COUNTS, &len);
	if (eo->cells != NULL)
	{
		mix_cells_add_image(eo, img, len);
		RETURN_EO(eo);
	}
	mix_buf_append(eo, img + COUNTS_HDR, len - COUNTS_HDR);
	counts_grown(eo);
	RETURN_EO(eo);
}

/* the merged table of a mixcounts argument (palloc'd in the current context) */
void
mix_table_arg(FunctionCallInfo fcinfo, int argno, nous_mixtable *t)
{
	Size		len;
	const char *img = mix_state_image(PG_GETARG_DATUM(argno), BUF_COUNTS, &len);

	table_from_image(img, len, t);
}

/* the merged table of a state image (palloc'd in the current context) */
static void
table_from_image(const char *img, Size len, nous_mixtable *t)
{
	nous_status st = nous_mixtable_build((const unsigned char *) img + COUNTS_HDR,
										 len - COUNTS_HDR, t);

	if (st == NOUS_ERR_SYNTAX)
		mix_counts_corrupt();
	if (st == NOUS_ERR_NONFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("counts of a mixcounts state add up beyond the range of double precision"),
				 errdetail("A cell or a total would be infinite.")));
	if (st != NOUS_OK)
		nous_report_status(st, "mixcounts");
}

PG_FUNCTION_INFO_V1(nous_mixcounts_entropy_index);
Datum
nous_mixcounts_entropy_index(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	double		m, e;

	mix_table_arg(fcinfo, 0, &t);
	m = nous_mix_mutual_information(&t);
	e = nous_mix_entropy(&t);
	nous_mixtable_free(&t);
	if (isnan(m) || !(e > 0.0))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(m / e);
}

/* One index of a stored table: unpack, compute, free; NaN (undefined) → NULL. */
static Datum
mixcounts_index(FunctionCallInfo fcinfo, double (*index) (const nous_mixtable *t))
{
	nous_mixtable t;
	double		r;

	mix_table_arg(fcinfo, 0, &t);
	r = index(&t);
	nous_mixtable_free(&t);
	RETURN_INDEX(r);
}

/* Simpson interaction = 1 - Simpson concentration */
static double
simpson_interaction(const nous_mixtable *t)
{
	double		r = nous_mix_simpson_concentration(t);

	return isnan(r) ? r : 1.0 - r;
}

/* mutual information index M */
NOUS_ENTRY(nous_mixcounts_mutual_information, mixcounts_index(fcinfo, nous_mix_mutual_information));

/* Shannon diversity of the group totals (natural log) */
NOUS_ENTRY(nous_mixcounts_shannon, mixcounts_index(fcinfo, nous_mix_entropy));

/* normalised Shannon diversity E / ln K (Pielou's evenness) */
NOUS_ENTRY(nous_mixcounts_shannon_normalised, mixcounts_index(fcinfo, nous_mix_entropy_normalised));

/* multigroup dissimilarity */
NOUS_ENTRY(nous_mixcounts_multi_dissimilarity, mixcounts_index(fcinfo, nous_mix_multi_dissimilarity));

/* relative diversity */
NOUS_ENTRY(nous_mixcounts_relative_diversity, mixcounts_index(fcinfo, nous_mix_relative_diversity));

/* Simpson concentration */
NOUS_ENTRY(nous_mixcounts_simpson_concentration, mixcounts_index(fcinfo, nous_mix_simpson_concentration));

/* Simpson interaction */
NOUS_ENTRY(nous_mixcounts_simpson_interaction, mixcounts_index(fcinfo, simpson_interaction));

PG_FUNCTION_INFO_V1(nous_mixcounts_decomposition);

/* (m, h, entropy, m_between, m_within, h_between, h_within) */
Datum
nous_mixcounts_decomposition(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	nous_mix_decomp d;
	nous_status st;
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8];
	double		v[8];
	int			i;

	tupdesc = nous_row_desc(fcinfo);
	mix_table_arg(fcinfo, 0, &t);
	st = nous_mix_decompose(&t, &d);
	v[0] = d.m;
	v[1] = d.h;
	v[2] = d.entropy;
	v[3] = d.m_between;
	v[4] = d.m_within;
	v[5] = d.h_between;
	v[6] = d.h_within;
	v[7] = (double) t.nsuper;
	nous_mixtable_free(&t);
	if (st != NOUS_OK)
		nous_report_status(st, "mutual_information_decomposition");
	for (i = 0; i < 7; i++)
	{
		nulls[i] = isnan(v[i]);
		values[i] = Float8GetDatum(v[i]);
	}
	nulls[7] = false;
	values[7] = Int64GetDatum((int64) v[7]);
	NOUS_RETURN_ROW(tupdesc, values, nulls);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_local);

/*
 * nous.mix_local(nous.mixcounts): one row per cell: super, unit, grp, n,
 * share of the group in the unit, location quotient, contribution to M.
 */
Datum
nous_mixcounts_local(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_mixtable t;
	size_t		i;

	InitMaterializedSRF(fcinfo, 0);
	mix_table_arg(fcinfo, 0, &t);
	for (i = 0; i < t.ncell; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		uint32		s = t.cell_super[i], u = t.cell_unit[i], g = t.cell_group[i];
		double		n = t.cell_n[i], nu = t.unit_n[u], ng = t.group_n[g];

		values[0] = PointerGetDatum(cstring_to_text_with_len(t.super_name[s], t.super_len[s]));
		values[1] = PointerGetDatum(cstring_to_text_with_len(t.unit_name[u], t.unit_len[u]));
		values[2] = PointerGetDatum(cstring_to_text_with_len(t.group_name[g], t.group_len[g]));
		values[3] = Float8GetDatum(n);
		if (nu > 0.0)
		{
			values[4] = Float8GetDatum(n / nu);
			/* LQ = (n_ug / n_u) / (n_g / N) (Isard 1960) */
			values[5] = Float8GetDatum((n / nu) / (ng / t.N));
			/* p_ug ln(p_ug / (p_u p_g)): sums to M over all cells (Theil 1971) */
			values[6] = Float8GetDatum(n > 0.0 ? n / t.N * (log(n / nu) + log(t.N / ng)) : 0.0);
		}
		else
			nulls[4] = nulls[5] = nulls[6] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	nous_mixtable_free(&t);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_mixcounts_cells);

/* number of records (before merging) of a mixcounts state */
Datum
nous_mixcounts_cells(PG_FUNCTION_ARGS)
{
	Size		len;
	size_t		c;
	const char *img = mix_state_image(PG_GETARG_DATUM(0), BUF_COUNTS, &len);

	if (nous_mixrec_count((const unsigned char *) img + COUNTS_HDR, len - COUNTS_HDR, &c) != NOUS_OK)
		mix_counts_corrupt();
	PG_RETURN_INT64((int64) c);
}

/*
 * Put one row of a function listing a state (7 columns): the columns from
 * first_float on are float8, NULL when NaN (undefined).
 */
static void
put_row(ReturnSetInfo *rsinfo, Datum *values, int first_float)
{
	bool		nulls[7] = {false, false, false, false, false, false, false};
	int			k;

	for (k = first_float; k < 7; k++)
		nulls[k] = isnan(DatumGetFloat8(values[k]));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_by_super);

/*
 * nous.mutual_information_by_super(nous.mixcounts): one row per super-unit:
 * super, n, share p_s, M_s, E_s, H_s = M_s / E_s, its part p_s M_s of M_within.
 */
Datum
nous_mixcounts_by_super(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_mixtable t;
	double	   *p, *m, *e;
	size_t		s;
	nous_status st;

	InitMaterializedSRF(fcinfo, 0);
	mix_table_arg(fcinfo, 0, &t);
	p = palloc(sizeof(double) * Max(t.nsuper, 1));
	m = palloc(sizeof(double) * Max(t.nsuper, 1));
	e = palloc(sizeof(double) * Max(t.nsuper, 1));
	st = nous_mix_by_super(&t, p, m, e);
	if (st != NOUS_OK)
		nous_report_status(st, "mutual_information_by_super");
	for (s = 0; s < t.nsuper; s++)
	{
		Datum		values[7];

		values[0] = PointerGetDatum(cstring_to_text_with_len(t.super_name[s], t.super_len[s]));
		values[1] = Float8GetDatum(t.super_n[s]);
		values[2] = Float8GetDatum(p[s]);
		values[3] = Float8GetDatum(m[s]);
		values[4] = Float8GetDatum(e[s]);
		values[5] = Float8GetDatum(e[s] > 0.0 ? m[s] / e[s] : get_float8_nan());
		values[6] = Float8GetDatum(p[s] * m[s]);
		put_row(rsinfo, values, 1);
	}
	nous_mixtable_free(&t);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_mixcounts_units);

/*
 * nous.mix_units(nous.mixcounts): one row per unit: super, unit, n, local
 * segregation L_u, its contribution p_u L_u to M, Shannon diversity and
 * Simpson interaction of the unit.
 */
Datum
nous_mixcounts_units(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	nous_mixtable t;
	double	   *L, *E, *I;
	size_t		u;

	InitMaterializedSRF(fcinfo, 0);
	mix_table_arg(fcinfo, 0, &t);
	L = palloc(sizeof(double) * Max(t.nunit, 1));
	E = palloc(sizeof(double) * Max(t.nunit, 1));
	I = palloc(sizeof(double) * Max(t.nunit, 1));
	nous_mix_unit_scores(&t, L, E, I);
	for (u = 0; u < t.nunit; u++)
	{
		Datum		values[7];
		uint32		s = t.unit_super[u];

		values[0] = PointerGetDatum(cstring_to_text_with_len(t.super_name[s], t.super_len[s]));
		values[1] = PointerGetDatum(cstring_to_text_with_len(t.unit_name[u], t.unit_len[u]));
		values[2] = Float8GetDatum(t.unit_n[u]);
		values[3] = Float8GetDatum(L[u]);
		values[4] = Float8GetDatum(isnan(L[u]) ? L[u] : t.unit_n[u] / t.N * L[u]);
		values[5] = Float8GetDatum(E[u]);
		values[6] = Float8GetDatum(I[u]);
		put_row(rsinfo, values, 3);
	}
	nous_mixtable_free(&t);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(nous_mixcounts_compact);

/* append the cells of t as records */
static void
write_cells(const nous_mixtable *t, StringInfo s)
{
	size_t		i;

	for (i = 0; i < t->ncell; i++)
	{
		uint32		sp = t->cell_super[i], u = t->cell_unit[i], g = t->cell_group[i];

		mix_append_record(s, t->cell_n[i], t->super_name[sp], t->super_len[sp],
						  t->unit_name[u], t->unit_len[u], t->group_name[g], t->group_len[g]);
	}
}

/* nous.compact(nous.mixcounts): the merged cells, sorted, duplicates summed */
Datum
nous_mixcounts_compact(PG_FUNCTION_ARGS)
{
	nous_mixtable t;
	StringInfoData s;

	mix_table_arg(fcinfo, 0, &t);
	initStringInfo(&s);
	appendBinaryStringInfo(&s, MIX_IMAGE_START, COUNTS_HDR);
	write_cells(&t, &s);
	nous_mixtable_free(&t);
	SET_VARSIZE(s.data, s.len);
	PG_RETURN_POINTER(s.data);
}
