/*
 * mix_boot.c — bootstrap confidence intervals of the segregation indices
 * (nous.mixpairs and nous.mixcounts states).
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
/* bootstrap confidence intervals                                      */
/* ------------------------------------------------------------------ */

static void
boot_args(FunctionCallInfo fcinfo, int *reps, uint64 *seed, double *level)
{
	*reps = PG_GETARG_INT32(2);
	*seed = (uint64) PG_GETARG_INT64(3);
	*level = PG_GETARG_FLOAT8(4);
	if (*reps < 2 || *reps > 100000)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("reps must be between 2 and 100000, got %d", *reps)));
	if (!(*level > 0.0 && *level < 1.0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("level must be between 0 and 1 exclusive, got %g", *level)));
}

/* (estimate, boot_mean, bias, se, low, high, reps): percentile interval */
static Datum
boot_result(FunctionCallInfo fcinfo, double estimate, double *b, int reps, double level)
{
	TupleDesc	tupdesc;
	Datum		v[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};
	double		sum = 0.0, ss = 0.0, mean, lo, hi;
	int			i, m = 0;

	tupdesc = nous_row_desc(fcinfo);
	/* undefined replicates (NaN: nobody in the group…) are left out */
	for (i = 0; i < reps; i++)
		if (!isnan(b[i]))
			b[m++] = b[i];
	for (i = 0; i < m; i++)
		sum += b[i];
	mean = m > 0 ? sum / m : get_float8_nan();
	for (i = 0; i < m; i++)
		ss += (b[i] - mean) * (b[i] - mean);
	qsort(b, m, sizeof(double), nous_cmp_double);
	if (m > 0)
	{
		nous_quantile(b, m, (1.0 - level) / 2.0, NOUS_Q_CONTINUOUS, &lo);
		qsort(b, m, sizeof(double), nous_cmp_double);
		nous_quantile(b, m, (1.0 + level) / 2.0, NOUS_Q_CONTINUOUS, &hi);
	}
	else
		lo = hi = get_float8_nan();
	v[0] = Float8GetDatum(estimate);
	v[1] = Float8GetDatum(mean);
	v[2] = Float8GetDatum(mean - estimate);
	v[3] = Float8GetDatum(m > 1 ? sqrt(ss / (m - 1)) : get_float8_nan());
	v[4] = Float8GetDatum(lo);
	v[5] = Float8GetDatum(hi);
	v[6] = Int32GetDatum(m);
	for (i = 0; i < 6; i++)
		nulls[i] = isnan(DatumGetFloat8(v[i]));
	NOUS_RETURN_ROW(tupdesc, v, nulls);
}

/* an index that nous.bootstrap_ci resamples: its name, a short alias */
typedef struct BootIndex
{
	const char *name;
	const char *alias;			/* NULL: none */
	int			which;
} BootIndex;

static const BootIndex mix2_indices[] = {
	{"dissimilarity", "D", NOUS_MIX2_D},
	{"gini_segregation", NULL, NOUS_MIX2_GINI},
	{"entropy_h", "H", NOUS_MIX2_H},
	{"isolation", NULL, NOUS_MIX2_ISOLATION},
	{"interaction", NULL, NOUS_MIX2_INTERACTION},
	{"correlation_ratio", NULL, NOUS_MIX2_CORRELATION},
	{NULL, NULL, 0}
};

/* which: 0 the mutual information M, 1 the entropy index H = M / E */
static const BootIndex multi_indices[] = {
	{"mutual_information", "M", 0},
	{"entropy_index", "H", 1},
	{NULL, NULL, 0}
};

/* the index named idx in table; an ERROR naming the family and listing them */
static int
boot_index(const char *idx, const BootIndex *table, const char *family,
		   const char *listed)
{
	const BootIndex *b;

	for (b = table; b->name != NULL; b++)
		if (strcmp(idx, b->name) == 0 || (b->alias && strcmp(idx, b->alias) == 0))
			return b->which;
	ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					errmsg("unknown %s index \"%s\"", family, idx),
					errdetail("%s", listed)));
	pg_unreachable();
}

PG_FUNCTION_INFO_V1(nous_mixpairs_bootstrap);

/* nous.bootstrap_ci(nous.mixpairs, index, reps, seed, level) */
Datum
nous_mixpairs_bootstrap(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, NULL);
	char	   *idx = text_to_cstring(PG_GETARG_TEXT_PP(1));
	nous_mix2_index which;
	int			reps;
	uint64		seed;
	double		level, est, *b;
	nous_status st;

	which = boot_index(idx, mix2_indices, "two-group",
					   "The indices are dissimilarity (D), gini_segregation, entropy_h (H), isolation, interaction and correlation_ratio.");
	boot_args(fcinfo, &reps, &seed, &level);
	st = nous_mix2_index_value(gt, n, which, &est);
	if (st != NOUS_OK)
		nous_report_status(st, "bootstrap_ci");
	if (isnan(est))
		PG_RETURN_NULL();
	b = palloc(sizeof(double) * reps);
	st = nous_mix2_bootstrap(gt, n, which, reps, seed, b);
	if (st != NOUS_OK)
		nous_report_status(st, "bootstrap_ci");
	return boot_result(fcinfo, est, b, reps, level);
}

PG_FUNCTION_INFO_V1(nous_mixcounts_bootstrap);

/* nous.bootstrap_ci(nous.mixcounts, index, reps, seed, level) */
Datum
nous_mixcounts_bootstrap(PG_FUNCTION_ARGS)
{
	char	   *idx = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		h;
	int			reps;
	uint64		seed;
	double		level, est, *b;
	nous_mixtable t;
	nous_status st;

	h = boot_index(idx, multi_indices, "multigroup",
				   "The indices are mutual_information (M) and entropy_index (H).") == 1;
	boot_args(fcinfo, &reps, &seed, &level);
	mix_table_arg(fcinfo, 0, &t);
	est = nous_mix_mutual_information(&t);
	if (h && !isnan(est))
	{
		double		e = nous_mix_entropy(&t);

		est = e > 0.0 ? est / e : get_float8_nan();
	}
	if (isnan(est))
	{
		nous_mixtable_free(&t);
		PG_RETURN_NULL();
	}
	b = palloc(sizeof(double) * reps);
	st = nous_mix_bootstrap(&t, h, reps, seed, b);
	nous_mixtable_free(&t);
	if (st != NOUS_OK)
		nous_report_status(st, "bootstrap_ci");
	return boot_result(fcinfo, est, b, reps, level);
}
