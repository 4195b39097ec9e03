/*
 * secrecy.c — SQL glue of statistical secrecy (sql/80_secrecy.sql):
 * nous.secrecy_primary, nous.secrecy_dominance, nous.secrecy_suppress,
 * nous.secrecy_suppress_2d, nous.round_to_base.  The rules are in
 * src/core/secrecy_rules.c and secrecy_suppress.c.  The two suppression functions take an optional
 * sixth argument, the threshold the primary flags came from (the 0.1.0
 * declarations, with five, bind to the same C functions).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/tuplestore.h"

#include "nous.h"
#include "secrecy.h"

static const char *const status_word[4] = {"published", "primary", "secondary", "dominance"};

static void
check_threshold(int32 threshold)
{
	if (threshold < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("threshold must be at least 1, got %d", threshold),
				 errhint("INSEE's rule for tax-based household data is 11.")));
}

PG_FUNCTION_INFO_V1(nous_secrecy_primary);

/* nous.secrecy_primary(count bigint, threshold int, hide_zero boolean) → boolean */
Datum
nous_secrecy_primary(PG_FUNCTION_ARGS)
{
	int64		count = PG_GETARG_INT64(0);
	int32		threshold = PG_GETARG_INT32(1);
	bool		hide_zero = PG_GETARG_BOOL(2);

	check_threshold(threshold);
	if (count < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("count must not be negative, got " INT64_FORMAT, count)));
	PG_RETURN_BOOL(nous_sec_primary((long long) count, threshold, hide_zero));
}

PG_FUNCTION_INFO_V1(nous_secrecy_dominance);

/* nous.secrecy_dominance(contributions float8[], top int, share float8) → boolean */
Datum
nous_secrecy_dominance(PG_FUNCTION_ARGS)
{
	NousVec		v;
	int32		top = PG_GETARG_INT32(1);
	double		share = PG_GETARG_FLOAT8(2);
	double	   *x;
	int			i,
				m = 0;
	bool		hidden = false;
	nous_status st;

	if (top < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("top must be at least 1, got %d", top),
				 errhint("The dominance rule is usually applied with the top 1 or 2 contributors.")));
	if (!(share > 0.0 && share <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("share must be in (0, 1], got %g", share),
				 errhint("The usual share is 0.85.")));
	nous_vec_from_datum(PG_GETARG_DATUM(0), PG_ARGISNULL(0), "contributions", true, &v);
	x = palloc(sizeof(double) * Max(v.n, 1));
	for (i = 0; i < v.n; i++)
		if (v.present[i])
			x[m++] = v.x[i];
	st = nous_sec_dominance(x, m, top, share, &hidden);
	if (st == NOUS_ERR_DOMAIN)
	{
		for (i = 0; i < v.n && !(v.present[i] && v.x[i] < 0); i++)
			;
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("contributions must not be negative"),
				 i < v.n ? errdetail("Element %d is %g.", i + 1, v.x[i]) : 0,
				 errhint("A contribution is a unit's part of the cell total (a turnover, an income), 0 or more.")));
	}
	if (st != NOUS_OK)
		nous_report_status(st, "secrecy_dominance");
	PG_RETURN_BOOL(hidden);
}

PG_FUNCTION_INFO_V1(nous_round_to_base);

/* nous.round_to_base(x float8, base int) → float8 */
Datum
nous_round_to_base(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(0);
	int32		base = PG_GETARG_INT32(1);

	if (base < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("base must be at least 1, got %d", base),
				 errhint("Use 5 or 10 for counts.")));
	if (!isfinite(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value to round must be finite"),
				 errdetail("The value is %s.", isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity")));
	PG_RETURN_FLOAT8(nous_sec_round_to_base(x, base));
}

/* ---- array unpacking ---- */

static int
text_array(FunctionCallInfo fcinfo, int arg, const char *what, bool nulls_ok,
		   char ***out)
{
	Datum	   *d;
	bool	   *nulls;
	int			n = nous_array_arg(fcinfo, arg, what, TEXTOID, nulls_ok, &d, &nulls),
				i;

	*out = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
		(*out)[i] = nulls[i] ? NULL : TextDatumGetCString(d[i]);
	return n;
}

static int
bool_array(FunctionCallInfo fcinfo, int arg, const char *what, bool **out)
{
	Datum	   *d;
	int			n = nous_array_arg(fcinfo, arg, what, BOOLOID, false, &d, NULL),
				i;

	*out = palloc(sizeof(bool) * Max(n, 1));
	for (i = 0; i < n; i++)
		(*out)[i] = DatumGetBool(d[i]);
	return n;
}

static void
counts_array(FunctionCallInfo fcinfo, int arg, NousVec *v)
{
	int			i;

	nous_vec_from_datum(PG_GETARG_DATUM(arg), PG_ARGISNULL(arg), "counts", true, v);
	for (i = 0; i < v->n; i++)
	{
		if (!v->present[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("counts must not contain NULL"),
					 errdetail("Element %d is NULL.", i + 1),
					 errhint("Give 0 for an empty cell.")));
		if (v->x[i] < 0.0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("counts must not be negative"),
					 errdetail("Element %d is %g.", i + 1, v->x[i])));
	}
}

static void
same_length(int n, int m, const char *what)
{
	if (n != m)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s has %d elements, expected %d", what, m, n),
				 errdetail("Every array holds one element per cell.")));
}

/*
 * The four arrays of one element per cell that the suppressions take: two
 * labels (text[], arguments 0 and 1: the first may have NULLs when
 * first_nulls, the second always may), counts (2) and primary (3).
 */
static int
cell_arrays(FunctionCallInfo fcinfo, const char *first, bool first_nulls,
			const char *second, char ***a, char ***b, NousVec *v, bool **prim)
{
	int			n = text_array(fcinfo, 0, first, first_nulls, a);

	same_length(n, text_array(fcinfo, 1, second, true, b), second);
	counts_array(fcinfo, 2, v);
	same_length(n, v->n, "counts");
	same_length(n, bool_array(fcinfo, 3, "primary", prim), "primary");
	return n;
}

/* Optional dominance[] (argument arg): marks cells hidden by the dominance
 * rule that the threshold rule did not already hide. */
static void
apply_dominance(FunctionCallInfo fcinfo, int arg, int n, const bool *prim,
				int *status, const int *where)
{
	bool	   *dom;
	int			i;

	if (PG_NARGS() <= arg || PG_ARGISNULL(arg))
		return;
	same_length(n, bool_array(fcinfo, arg, "dominance", &dom), "dominance");
	for (i = 0; i < n; i++)
		if (dom[i] && !prim[i])
			status[where == NULL ? i : where[i]] = NOUS_SEC_DOMINANCE;
}

/*
 * The suppression engine holds about 120 bytes per element (value, status,
 * bounds, incidence lists, scratch) and 40 per line: refuse beyond work_mem,
 * as a sort would spill, rather than grow without bound.
 */
static void
check_work_mem(double elements, double lines, const char *fn)
{
	double		need = elements * 120.0 + lines * 40.0;

	if (need > (double) work_mem * 1024.0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s needs about %.0f kB of working memory, more than work_mem (%d kB)",
						fn, ceil(need / 1024.0), work_mem),
				 errdetail("The table has %.0f elements (cells and totals) and %.0f lines.",
						   elements, lines),
				 errhint("Raise work_mem for this call, e.g. SET LOCAL work_mem = '%.0fMB'.",
						 ceil(need / 1048576.0) + 1)));
}

/* optional threshold argument (NULL or absent: the values are not taken as
 * the counts of a known threshold) */
static double
threshold_arg(FunctionCallInfo fcinfo, int arg)
{
	int32		t;

	if (PG_NARGS() <= arg || PG_ARGISNULL(arg))
		return 0.0;
	t = PG_GETARG_INT32(arg);
	check_threshold(t);
	return (double) t;
}

static void
warn_unprotected(int unprotected, const char *fn)
{
	if (unprotected > 0)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s: %d hidden values are still determined by the published figures", fn, unprotected),
				 errdetail("No positive published figure was left to hide beside them."),
				 errhint("Publish this table at a coarser level, or hide zeros (hide_zero).")));
}

PG_FUNCTION_INFO_V1(nous_secrecy_suppress);

/*
 * nous.secrecy_suppress(ids text[], parents text[], counts float8[],
 * "primary" boolean[], dominance boolean[]) → TABLE(id text, value float8, status text)
 */
Datum
nous_secrecy_suppress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	  **ids,
			  **parents;
	bool	   *prim;
	NousVec		v;
	int			n,
				i;
	int		   *parent,
			   *status;
	nous_sec_diag diag;
	nous_sec_rules rules;
	nous_status st;

	n = cell_arrays(fcinfo, "ids", false, "parents", &ids, &parents, &v, &prim);

	check_work_mem((double) n, (double) n + 1, "secrecy_suppress");
	parent = palloc(sizeof(int) * Max(n, 1));
	status = palloc(sizeof(int) * Max(n, 1));
	st = nous_sec_parent_index(n, (const char *const *) ids,
							   (const char *const *) parents, parent, &diag);
	if (st == NOUS_OK)
	{
		for (i = 0; i < n; i++)
			status[i] = prim[i] ? NOUS_SEC_PRIMARY : NOUS_SEC_PUBLISHED;
		apply_dominance(fcinfo, 4, n, prim, status, NULL);
		nous_sec_rules_infer(&rules, n, v.x, status, threshold_arg(fcinfo, 5));
		st = nous_sec_suppress_1d(n, parent, v.x, status, 1e-9, &rules, &diag);
	}
	if (st == NOUS_ERR_DOMAIN)
	{
		switch (diag.kind)
		{
			case NOUS_SEC_DUPLICATE:
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("duplicate id \"%s\"", ids[diag.index]),
						 errdetail("Each area of the hierarchy is given once."),
						 errhint("Add up the counts of the repeated rows first (GROUP BY id).")));
				break;
			case NOUS_SEC_UNKNOWN_PARENT:
				ereport(ERROR,
						(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
						 errmsg("unknown parent \"%s\" of id \"%s\"",
								parents[diag.index], ids[diag.index]),
						 errdetail("Every parent must be one of the ids; a root has a NULL parent.")));
				break;
			case NOUS_SEC_CYCLE:
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the hierarchy has a cycle through id \"%s\"", ids[diag.index]),
						 errdetail("Following the parents from id \"%s\" leads back to it; every chain of parents must end at a root (a NULL parent).",
								   ids[diag.index])));
				break;
			case NOUS_SEC_NOT_ADDITIVE:
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("the hierarchy is not additive at id \"%s\"", ids[diag.index]),
						 errdetail("Its count is %g but its children sum to %g.",
								   v.x[diag.index], diag.sum),
						 errhint("Secondary suppression assumes that every parent is the sum of its children.")));
				break;
			default:
				break;
		}
	}
	if (st != NOUS_OK)
		nous_report_status(st, "secrecy_suppress");
	warn_unprotected(diag.unprotected, "secrecy_suppress");

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n; i++)
	{
		Datum		vals[3];
		bool		nulls[3] = {false, false, false};

		vals[0] = CStringGetTextDatum(ids[i]);
		vals[1] = Float8GetDatum(v.x[i]);
		nulls[1] = status[i] != NOUS_SEC_PUBLISHED;
		vals[2] = CStringGetTextDatum(status_word[status[i]]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals, nulls);
	}
	return (Datum) 0;
}

/* Index the labels s[k] of the elements which[0..m-1] by sorted order of
 * their distinct values (idx indexed by element); returns their number. */
static int
index_labels(int m, const int *which, char **s, int *idx, char ***distinct)
{
	nous_strref *r = palloc(sizeof(nous_strref) * Max(m, 1));
	int			i,
				k = -1;

	for (i = 0; i < m; i++)
	{
		r[i].s = s[which[i]];
		r[i].i = (size_t) which[i];
	}
	qsort(r, m, sizeof(nous_strref), nous_strref_cmp);
	*distinct = palloc(sizeof(char *) * Max(m, 1));
	for (i = 0; i < m; i++)
	{
		if (i == 0 || strcmp(r[i].s, r[i - 1].s) != 0)
			(*distinct)[++k] = (char *) r[i].s;
		idx[r[i].i] = k;
	}
	pfree(r);
	return k + 1;
}

typedef struct cell_ref
{
	int			r,
				c,
				i;
} cell_ref;

static int
cell_cmp(const void *a, const void *b)
{
	const cell_ref *x = a,
			   *y = b;

	if (x->r != y->r)
		return x->r < y->r ? -1 : 1;
	if (x->c != y->c)
		return x->c < y->c ? -1 : 1;
	return (x->i > y->i) - (x->i < y->i);
}

PG_FUNCTION_INFO_V1(nous_secrecy_suppress_2d);

/*
 * nous.secrecy_suppress_2d(rows text[], cols text[], counts float8[],
 * "primary" boolean[], dominance boolean[], threshold int)
 * → TABLE(row text, col text, value float8, status text)
 *
 * Elements with both labels are cells; a NULL column label declares the
 * total of a row, a NULL row label the total of a column, both NULL the
 * grand total: their flags apply to the total, whose value must be the sum.
 * Totals not declared are computed, primary when threshold is given and
 * 0 < total < threshold.  The table is held sparse: memory and time follow
 * the number of cells, not rows x columns.
 */
Datum
nous_secrecy_suppress_2d(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	  **rows,
			  **cols,
			  **rlab = NULL,
			  **clab = NULL;
	bool	   *prim,
			   *dom = NULL,
			   *declared;
	NousVec		v;
	int			n,
				i,
				nr,
				nc,
				ncell = 0,
				m,
				unprotected = 0;
	int		   *cellidx,
			   *ri,
			   *ci,
			   *rsel,
			   *csel,
			   *where,
			   *status,
			   *cri,
			   *cci;
	double	   *x,
				threshold;
	nous_sec_rules rules;
	nous_status st;

	n = cell_arrays(fcinfo, "rows", true, "cols", &rows, &cols, &v, &prim);
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
		same_length(n, bool_array(fcinfo, 4, "dominance", &dom), "dominance");
	threshold = threshold_arg(fcinfo, 5);

	/* labels of rows and columns, from every element that names them */
	ri = palloc(sizeof(int) * Max(n, 1));
	ci = palloc(sizeof(int) * Max(n, 1));
	rsel = palloc(sizeof(int) * Max(n, 1));
	csel = palloc(sizeof(int) * Max(n, 1));
	{
		int			a = 0,
					b = 0;

		for (i = 0; i < n; i++)
		{
			ri[i] = ci[i] = -1;
			if (rows[i] != NULL)
				rsel[a++] = i;
			if (cols[i] != NULL)
				csel[b++] = i;
			if (rows[i] != NULL && cols[i] != NULL)
				ncell++;
		}
		nr = index_labels(a, rsel, rows, ri, &rlab);
		nc = index_labels(b, csel, cols, ci, &clab);
	}
	m = ncell + nr + nc + 1;
	check_work_mem((double) m, (double) nr + nc + 2, "secrecy_suppress_2d");
	CHECK_FOR_INTERRUPTS();

	/* the elements: cells in input order, row totals, column totals, grand */
	x = palloc0(sizeof(double) * m);
	status = palloc0(sizeof(int) * m);
	declared = palloc0(sizeof(bool) * m);
	where = palloc(sizeof(int) * Max(n, 1));
	cri = palloc(sizeof(int) * Max(ncell, 1));
	cci = palloc(sizeof(int) * Max(ncell, 1));
	cellidx = palloc(sizeof(int) * Max(ncell, 1));
	{
		int			k = 0;

		for (i = 0; i < n; i++)
		{
			if (rows[i] != NULL && cols[i] != NULL)
			{
				cri[k] = ri[i];
				cci[k] = ci[i];
				cellidx[k] = i;
				where[i] = k++;
			}
			else if (rows[i] != NULL)
				where[i] = ncell + ri[i];
			else if (cols[i] != NULL)
				where[i] = ncell + nr + ci[i];
			else
				where[i] = m - 1;
		}
	}
	/* duplicates: cells by (row, column); totals declared twice */
	{
		cell_ref   *cr = palloc(sizeof(cell_ref) * Max(ncell, 1));

		for (i = 0; i < ncell; i++)
		{
			cr[i].r = cri[i];
			cr[i].c = cci[i];
			cr[i].i = cellidx[i];
		}
		qsort(cr, ncell, sizeof(cell_ref), cell_cmp);
		for (i = 1; i < ncell; i++)
			if (cr[i].r == cr[i - 1].r && cr[i].c == cr[i - 1].c)
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("duplicate cell (\"%s\", \"%s\")", rows[cr[i].i], cols[cr[i].i]),
						 errdetail("Each cell (row, column) of the table is given once."),
						 errhint("Add up the counts of the repeated rows first (GROUP BY row, column).")));
		pfree(cr);
	}
	for (i = 0; i < n; i++)
	{
		int			k = where[i];

		if (k >= ncell)
		{
			if (declared[k])
				ereport(ERROR,
						(errcode(ERRCODE_UNIQUE_VIOLATION),
						 errmsg("duplicate total (\"%s\", \"%s\")",
								rows[i] ? rows[i] : "total", cols[i] ? cols[i] : "total"),
						 errdetail("Each total (a NULL row or column) of the table is given once.")));
			declared[k] = true;
		}
		else
		{
			x[k] = v.x[i];
			x[ncell + cri[k]] += v.x[i];
			x[ncell + nr + cci[k]] += v.x[i];
			x[m - 1] += v.x[i];
		}
		status[k] = prim[i] ? NOUS_SEC_PRIMARY :
			(dom != NULL && dom[i]) ? NOUS_SEC_DOMINANCE : NOUS_SEC_PUBLISHED;
	}
	/* declared totals must be the sums of their cells */
	for (i = 0; i < n; i++)
	{
		int			k = where[i];

		if (k >= ncell && fabs(v.x[i] - x[k]) > 1e-9 * fmax(1.0, fabs(v.x[i])))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the table is not additive at total (%s, %s)",
							rows[i] ? rows[i] : "total", cols[i] ? cols[i] : "total"),
					 errdetail("The declared total is %g but its cells sum to %g.", v.x[i], x[k]),
					 errhint("Elements with a NULL row or column label are the totals; leave them out to have them computed.")));
	}
	/* totals not declared: the threshold rule, when it is known */
	if (threshold > 0.0)
		for (i = ncell; i < m; i++)
		{
			double		t = round(x[i]);

			if (!declared[i] && t > 0.0 && t < threshold)
				status[i] = NOUS_SEC_PRIMARY;
		}
	if (n == 0)
		m = 0;

	nous_sec_rules_infer(&rules, m, x, status, threshold);
	st = nous_sec_suppress_2d(nr, nc, ncell, cri, cci, x, status, &rules, &unprotected);
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("counts must be finite and not negative")));
	if (st != NOUS_OK)
		nous_report_status(st, "secrecy_suppress_2d");
	warn_unprotected(unprotected, "secrecy_suppress_2d");

	InitMaterializedSRF(fcinfo, 0);
#define EMIT(rl, cl, k) \
	do { Datum vals_[4]; bool nulls_[4] = {false, false, false, false}; \
		 if ((rl) == NULL) nulls_[0] = true; else vals_[0] = CStringGetTextDatum(rl); \
		 if ((cl) == NULL) nulls_[1] = true; else vals_[1] = CStringGetTextDatum(cl); \
		 vals_[2] = Float8GetDatum(x[k]); nulls_[2] = status[k] != NOUS_SEC_PUBLISHED; \
		 vals_[3] = CStringGetTextDatum(status_word[status[k]]); \
		 tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, vals_, nulls_); } while (0)
	for (i = 0; i < ncell; i++)
		EMIT(rows[cellidx[i]], cols[cellidx[i]], i);
	for (i = 0; i < nr; i++)
		EMIT(rlab[i], (char *) NULL, ncell + i);
	for (i = 0; i < nc; i++)
		EMIT((char *) NULL, clab[i], ncell + nr + i);
	if (m > 0)
		EMIT((char *) NULL, (char *) NULL, m - 1);
#undef EMIT
	return (Datum) 0;
}
