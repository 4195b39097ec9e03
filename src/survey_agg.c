/*
 * survey_agg.c — the transition of nous.svy_agg: one row of a design into a
 * nous.svystate (a cluster's sums, a second-stage unit's sums, or a stratum's
 * moments when the rows are the units), with the checks of the row.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "survey_glue.h"

/* the finaliser of splitmix64 */
static inline uint64
mix64(uint64 h)
{
	h = (h ^ (h >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	h = (h ^ (h >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return h ^ (h >> 31);
}

/* the record key of a second-stage unit: a 64-bit mix of (psu, ssu) */
static inline int64
two_key(int64 psu, int64 ssu)
{
	return (int64) mix64(mix64((uint64) ssu + UINT64CONST(0x9E3779B97F4A7C15)) ^ (uint64) psu);
}

/* the 64-bit key of a stratum, psu or ssu (integers as they are, text hashed) */
static int64
key_of(Datum d, Oid type)
{
	switch (type)
	{
		case INT8OID:
			return DatumGetInt64(d);
		case INT4OID:
			return DatumGetInt32(d);
		case INT2OID:
			return DatumGetInt16(d);
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			{
				text	   *t = DatumGetTextPP(d);
				int64		k = (int64) hash_bytes_extended((const unsigned char *) VARDATA_ANY(t),
														   VARSIZE_ANY_EXHDR(t),
														   UINT64CONST(0x6e6f7573));

				/* NULL_KEY is kept for NULL */
				return k == NULL_KEY ? k + 1 : k;
			}
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("a stratum or psu of type %s is not supported", format_type_be(type)),
					 errdetail("Strata and clusters are identified by integers (smallint, integer, bigint) or text."),
					 errhint("Cast the key to text or bigint.")));
	}
	return 0;
}

/* a weight, fpc or value that a design cannot take */
NOUS_NORETURN static void
bad_value(const char *what, double v, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s %g in a survey aggregate", what, v),
			 errdetail("%s", detail)));
	pg_unreachable();
}

/* one row of a design, checked */
typedef struct SvyRow
{
	double		y;
	double		x;				/* 1 without a second variable */
	double		w;
	double		fpc;			/* 0: none */
	double		fpc2;			/* 0: none */
	bool		in_domain;		/* y (and x) not NULL */
	int64		stratum;
	int64		psu;			/* 0 without clusters */
} SvyRow;

/*
 * The key types of a call site, from the declared signature.  They are kept
 * in fn_extra and in the state: Citus's worker_partial_agg calls the
 * transition through a fresh FmgrInfo on every row (fn_extra empty each
 * time) but hands the same expanded state back, so the catalog is read once
 * per state there instead of once per row.
 */
static const SvyArgs *
svy_args(FunctionCallInfo fcinfo, SvyEO *eo, int iw, bool two)
{
	SvyArgs    *args = fcinfo->flinfo->fn_extra;
	Oid		   *argtypes;
	int			nargs;

	if (args != NULL)
		return args;
	if (OidIsValid(eo->args.stratum_type))
		return &eo->args;

	/*
	 * The key types come from the declared signature, not from the call
	 * expression: Citus's worker_partial_agg calls the transition function
	 * without one (get_fn_expr_argtype would answer 0).
	 */
	get_func_signature(fcinfo->flinfo->fn_oid, &argtypes, &nargs);
	if (nargs != PG_NARGS())
		elog(ERROR, "nous_svy_trans: declared with %d arguments, called with %d",
			 nargs, PG_NARGS());
	args = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(SvyArgs));
	args->stratum_type = argtypes[iw + 1];
	args->psu_type = argtypes[iw + 2];
	args->ssu_type = two ? argtypes[iw + 4] : InvalidOid;
	pfree(argtypes);
	fcinfo->flinfo->fn_extra = args;
	eo->args = *args;
	return args;
}

/* the arguments of one row; iw is the argument number of the weight */
static void
read_row(FunctionCallInfo fcinfo, const SvyArgs *args, int iw, bool two,
		 bool has_x, SvyRow *row)
{
	bool		clustered = !PG_ARGISNULL(iw + 2);

	memset(row, 0, sizeof(*row));
	row->x = 1;
	if (PG_ARGISNULL(iw))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a survey weight is NULL"),
				 errdetail("Every row of a design needs its sampling weight."),
				 errhint("Filter the rows without a weight out, or give them a weight.")));
	row->w = PG_GETARG_FLOAT8(iw);
	if (!isfinite(row->w) || row->w <= 0)
		bad_value("weight", row->w, "Sampling weights must be finite and positive.");
	if (!PG_ARGISNULL(iw + 3))
	{
		row->fpc = PG_GETARG_FLOAT8(iw + 3);
		if (!isfinite(row->fpc) || row->fpc <= 0)
			bad_value("fpc", row->fpc, "The fpc is a population size (> 1) or a sampling fraction in (0, 1]; NULL means none.");
	}
	if (two)
	{
		if (!clustered || PG_ARGISNULL(iw + 4))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a two-stage design needs the psu and the ssu of every row"),
					 errdetail("The psu (first-stage cluster) or the ssu (second-stage unit) of a row is NULL."),
					 errhint("Use the one-stage form of nous.svy_agg for a design without second-stage units.")));
		if (!PG_ARGISNULL(iw + 5))
		{
			row->fpc2 = PG_GETARG_FLOAT8(iw + 5);
			if (!isfinite(row->fpc2) || row->fpc2 <= 0)
				bad_value("fpc2", row->fpc2, "The second-stage fpc is the number of SSUs of the PSU (> 1) or a sampling fraction in (0, 1]; NULL means with replacement.");
		}
	}
	row->in_domain = !PG_ARGISNULL(1) && !(has_x && PG_ARGISNULL(2));
	row->y = PG_ARGISNULL(1) ? 0 : PG_GETARG_FLOAT8(1);
	if (has_x && !PG_ARGISNULL(2))
		row->x = PG_GETARG_FLOAT8(2);
	if (!isfinite(row->y) || !isfinite(row->x))
		bad_value("value", isfinite(row->y) ? row->x : row->y, "Survey variables must be finite (NULL marks a row outside the domain).");
	row->stratum = PG_ARGISNULL(iw + 1) ? NULL_KEY : key_of(PG_GETARG_DATUM(iw + 1), args->stratum_type);
	row->psu = clustered ? key_of(PG_GETARG_DATUM(iw + 2), args->psu_type) : 0;
}

/* two rows of one unit (a cluster, a stratum) with different fpc */
NOUS_NORETURN static void
fpc_differs(const char *unit, double fpc1, double fpc2)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the fpc differs within a stratum"),
			 errdetail("Rows of one %s have fpc %g and %g.", unit, fpc1, fpc2)));
	pg_unreachable();
}

/* the sums a, b, c and the rows of a unit (a cluster or a second-stage unit) */
static inline void
add_sums(double *r, const SvyRow *row)
{
	if (row->in_domain)
	{
		r[0] += row->w * row->y;
		r[1] += row->w * row->x;
		r[2] += row->w;
		r[3] += 1;
	}
}

/* a row of a one-stage design with clusters: into its cluster's record */
static void
add_cluster_row(SvyEO *eo, const SvyRow *row)
{
	bool		isnew;
	double	   *r = svy_eo_lookup(eo, row->stratum, row->psu, &isnew);

	if (isnew)
		r[4] = row->fpc;
	else if (r[4] != row->fpc)
		fpc_differs("cluster", r[4], row->fpc);
	add_sums(r, row);
}

/* a row of a two-stage design: into its second-stage unit's record */
static void
add_two_row(SvyEO *eo, const SvyRow *row, int64 ssu)
{
	bool		isnew;
	double	   *r = svy_eo_lookup(eo, row->stratum, two_key(row->psu, ssu), &isnew);
	double		hi = (double) (uint32) ((uint64) row->psu >> 32),
				lo = (double) (uint32) ((uint64) row->psu);

	if (isnew)
	{
		r[4] = row->fpc;
		r[5] = row->fpc2;
		r[6] = hi;
		r[7] = lo;
	}
	else
	{
		if (r[4] != row->fpc || r[5] != row->fpc2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the fpc differs within a stratum or a cluster"),
					 errdetail("Rows of one second-stage unit have fpc (%g, %g) and (%g, %g).",
							   r[4], r[5], row->fpc, row->fpc2)));
		if (r[6] != hi || r[7] != lo)
			svy_key_collision();
	}
	add_sums(r, row);
}

/* a row of a design without clusters: into its stratum's moments */
static void
add_stratum_row(SvyEO *eo, const SvyRow *row)
{
	bool		isnew;
	double	   *r = svy_eo_lookup(eo, row->stratum, 0, &isnew);
	double		v[3] = {0, 0, 0};
	nous_svy_mom m;

	if (isnew)
		r[14] = row->fpc;
	else if (r[14] != row->fpc)
		fpc_differs("stratum", r[14], row->fpc);
	if (row->in_domain)
	{
		v[0] = row->w * row->y;
		v[1] = row->w * row->x;
		v[2] = row->w;
		r[13] += 1;
	}
	memcpy(&m, r, sizeof(m));
	nous_svy_mom_add(&m, v);
	memcpy(r, &m, sizeof(m));
}

/*
 * nous_svy_trans(state, y, [x,] weight, stratum, psu, fpc [, ssu, fpc2]): one
 * row.  A row whose y (or x) is NULL is outside the domain: it counts as a
 * unit of its stratum (and registers its cluster) with zero contributions.
 */
PG_FUNCTION_INFO_V1(nous_svy_trans);
Datum
nous_svy_trans(PG_FUNCTION_ARGS)
{
	bool		two = PG_NARGS() >= 8;
	bool		has_x = PG_NARGS() == 7 || PG_NARGS() == 9;
	int			iw = has_x ? 3 : 2;
	SvyEO	   *eo = svy_state_rw(fcinfo, 0, K_EMPTY, "nous.svy_agg");
	const SvyArgs *args = svy_args(fcinfo, eo, iw, two);
	SvyRow		row;
	int			kind;

	read_row(fcinfo, args, iw, two, has_x, &row);
	kind = two ? K_TWO : !PG_ARGISNULL(iw + 2) ? K_CLUS : K_UNCL;
	if (eo->kind == K_EMPTY)
		svy_eo_set_kind(eo, kind);
	else if (eo->kind != kind && (eo->kind == K_TWO || two))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot add a row of a %s design to a %s state",
						two ? "two-stage" : "one-stage", two ? "one-stage" : "two-stage"),
				 errdetail("%s", two ? "The row has a second-stage unit (ssu) but the state was built from rows without one."
						   : "The row has no second-stage unit (ssu) but the state was built from rows with one."),
				 errhint("Describe every row of a design with the same stages.")));
	else if (eo->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the psu is NULL for some rows of a design and not for others"),
				 errdetail("A design either has clusters (a psu for every row) or has none (psu NULL: every row is its own unit)."),
				 errhint("Use the row's key as its psu in a design mixing both.")));

	if (eo->kind == K_CLUS)
		add_cluster_row(eo, &row);
	else if (eo->kind == K_TWO)
		add_two_row(eo, &row, key_of(PG_GETARG_DATUM(iw + 4), args->ssu_type));
	else
		add_stratum_row(eo, &row);
	NOUS_RETURN_EO(eo);
}
