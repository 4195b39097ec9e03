/*
 * mix_alloc_rules.c — the allocation rules (sql/41): compliance with a
 * share target, the allocation mix, the Wilson interval, pressure and
 * satisfaction rates.
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

/* ---- compliance with a share target ---- */

typedef struct RuleCount
{
	int64		scope;
	int64		counted;
} RuleCount;

typedef struct RuleState
{
	uint8		version;
	uint8		inclusive;		/* allocation_mix: income <= threshold counts as Q1 */
	uint8		has_params;
	uint8		pad;
	int32		min_scope;
	double		target;			/* mix_compliance: the target; NaN while unset */
	double		confidence;
	RuleCount	r[2];			/* mix_compliance: r[0]; allocation_mix: outside, inside */
} RuleState;

#define DEFAULT_MIN_SCOPE 20
#define DEFAULT_CONFIDENCE 0.95

/* the state before the first row: the default parameters, no count */
static void
rule_init(RuleState *s)
{
	memset(s, 0, sizeof(RuleState));
	s->version = MIX_VERSION;
	s->min_scope = DEFAULT_MIN_SCOPE;
	s->confidence = DEFAULT_CONFIDENCE;
	s->target = get_float8_nan();
}

static RuleState *
rule_state(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext aggctx = nous_agg_context(fcinfo, fn, NULL);
	RuleState  *s;

	if (!PG_ARGISNULL(0))
		return (RuleState *) PG_GETARG_POINTER(0);
	s = MemoryContextAlloc(aggctx, sizeof(RuleState));
	rule_init(s);
	return s;
}

/* min_scope and confidence arguments at argno, argno+1 (constant per group) */
static void
rule_params(FunctionCallInfo fcinfo, RuleState *s, int argno)
{
	int32		m;
	double		c;

	if (PG_ARGISNULL(argno) || PG_ARGISNULL(argno + 1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("min_scope and confidence must not be NULL")));
	m = PG_GETARG_INT32(argno);
	c = PG_GETARG_FLOAT8(argno + 1);
	if (m < 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("min_scope must not be negative, got %d", m)));
	if (!(c > 0.0 && c < 1.0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("confidence must be between 0 and 1 exclusive, got %g", c),
						errhint("Use 0.95 for a 95 %% interval.")));
	if (s->has_params && (s->min_scope != m || s->confidence != c))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("min_scope and confidence must be the same on every row")));
	s->min_scope = m;
	s->confidence = c;
	s->has_params = 1;
}

/* one row of (state, counts bool, target float8[, min_scope int, confidence float8]) */
static void
compliance_row(FunctionCallInfo fcinfo, RuleState *s)
{
	double		target;

	if (PG_NARGS() == 2)
		target = 0.25;			/* priority households: CCH L441-1, 25 % by default */
	else
	{
		NOUS_REQUIRE_ARG(2, "target");
		target = PG_GETARG_FLOAT8(2);
	}
	if (!(target >= 0.0 && target <= 1.0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("target must be a share between 0 and 1, got %g", target),
						errhint("Write 25 %% as 0.25.")));
	if (!isnan(s->target) && s->target != target)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("target changes between rows (%g, then %g)", s->target, target),
						errdetail("A group has one target.")));
	s->target = target;
	if (PG_NARGS() > 3)
		rule_params(fcinfo, s, 3);
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("whether an allocation counts towards the target must not be NULL"),
						errdetail("An allocation in scope whose status is unknown would make the share wrong."),
						errhint("Filter it out of the scope with FILTER (WHERE …) or decide it with COALESCE.")));
	s->r[0].scope++;
	if (PG_GETARG_BOOL(1))
		s->r[0].counted++;
}


/*
 * (state, in_qpv, income_uc, renewal, threshold[, inclusive, min_scope,
 * confidence]): outside QPV an allocation counts when the household is in
 * the first quartile or rehoused by urban renewal (target 25 %); inside QPV
 * when it is not in the first quartile (target 50 %) (CCH L441-1).
 */
static void
allocation_mix_row(FunctionCallInfo fcinfo, RuleState *s)
{
	bool		in_qpv, renewal, q1 = false, have_income;
	double		income = 0.0, threshold;

	if (PG_NARGS() > 5)
	{
		bool		inclusive;

		NOUS_REQUIRE_ARG(5, "inclusive");
		inclusive = PG_GETARG_BOOL(5);
		if (s->has_params && s->inclusive != inclusive)
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("inclusive must be the same on every row")));
		rule_params(fcinfo, s, 6);
		s->inclusive = inclusive;
	}
	if (PG_ARGISNULL(1))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("allocation has no QPV flag"),
						errdetail("Each rule applies either inside or outside the quartiers prioritaires; an allocation without the flag cannot be placed."),
						errhint("Locate the dwelling (for example with its IRIS or address) before computing the rules.")));
	NOUS_REQUIRE_ARG_HINT(3, "renewal flag",
						  "Pass false when the data do not record urban-renewal rehousings.");
	in_qpv = PG_GETARG_BOOL(1);
	renewal = PG_GETARG_BOOL(3);
	have_income = !PG_ARGISNULL(2);
	if (have_income)
	{
		income = PG_GETARG_FLOAT8(2);
		if (!isfinite(income) || income < 0.0)
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("income per consumption unit must be a finite non-negative number, got %g", income)));
	}
	/* a renewal rehousing outside QPV counts whatever its income */
	if (!(!in_qpv && renewal))
	{
		if (!have_income)
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("income per consumption unit must not be NULL"),
							errdetail("Without the income the allocation cannot be placed in or out of the first quartile."),
							errhint("Leave such allocations out explicitly with a WHERE clause and report how many.")));
		if (PG_ARGISNULL(4))
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("first-quartile threshold must not be NULL"),
							errdetail("An EPCI with no pending application has no threshold."),
							errhint("Compute the threshold with nous.first_quartile() over the applications pending on 31 December of the previous year.")));
		threshold = PG_GETARG_FLOAT8(4);
		if (!isfinite(threshold) || threshold < 0.0)
			ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
							errmsg("first-quartile threshold must be a finite non-negative number, got %g", threshold)));
		q1 = s->inclusive ? income <= threshold : income < threshold;
	}
	if (in_qpv)
	{
		s->r[1].scope++;
		if (!q1)
			s->r[1].counted++;
	}
	else
	{
		s->r[0].scope++;
		if (q1 || renewal)
			s->r[0].counted++;
	}
}

/* one row added to s: of nous.compliance, or of nous.allocation_mix when mix */
static inline void
rule_row(FunctionCallInfo fcinfo, RuleState *s, bool mix)
{
	if (mix)
		allocation_mix_row(fcinfo, s);
	else
		compliance_row(fcinfo, s);
}

/* a transition of the 0.1.0 aggregates (internal state) */
static inline Datum
rule_trans_internal(FunctionCallInfo fcinfo, const char *fn, bool mix)
{
	RuleState  *s = rule_state(fcinfo, fn);

	rule_row(fcinfo, s, mix);
	PG_RETURN_POINTER(s);
}

/* the 0.1.0 aggregates (internal state) */
NOUS_ENTRY(nous_compliance_trans, rule_trans_internal(fcinfo, "nous_compliance_trans", false));

NOUS_ENTRY(nous_allocation_mix_trans, rule_trans_internal(fcinfo, "nous_allocation_mix_trans", true));

/* add the counts of b to a; the parameters must agree */
static void
rule_merge(RuleState *a, const RuleState *b)
{
	int			i;

	if (!isnan(a->target) && !isnan(b->target) && a->target != b->target)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("target changes between rows (%g, then %g)", a->target, b->target)));
	if (isnan(a->target))
		a->target = b->target;
	if (b->has_params)
	{
		if (a->has_params && (a->min_scope != b->min_scope || a->confidence != b->confidence ||
							  a->inclusive != b->inclusive))
			ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							errmsg("parameters must be the same on every row")));
		a->min_scope = b->min_scope;
		a->confidence = b->confidence;
		a->inclusive = b->inclusive;
		a->has_params = 1;
	}
	for (i = 0; i < 2; i++)
	{
		a->r[i].scope += b->r[i].scope;
		a->r[i].counted += b->r[i].counted;
	}
}

PG_FUNCTION_INFO_V1(nous_rule_combine);
Datum
nous_rule_combine(PG_FUNCTION_ARGS)
{
	RuleState  *a;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(PG_ARGISNULL(0) ? NULL : PG_GETARG_POINTER(0));
	a = rule_state(fcinfo, "nous_rule_combine");
	rule_merge(a, (RuleState *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_rule_serialize);
Datum
nous_rule_serialize(PG_FUNCTION_ARGS)
{
	RuleState  *s = (RuleState *) PG_GETARG_POINTER(0);
	bytea	   *out = palloc(VARHDRSZ + sizeof(RuleState));

	SET_VARSIZE(out, VARHDRSZ + sizeof(RuleState));
	memcpy(VARDATA(out), s, sizeof(RuleState));
	PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(nous_rule_deserialize);
Datum
nous_rule_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	RuleState  *s;
	int			i;

	if (VARSIZE_ANY_EXHDR(b) != sizeof(RuleState))
		nous_state_corrupt("serialized compliance state", "Expected %zu bytes, got %zu.",
						   sizeof(RuleState), (Size) VARSIZE_ANY_EXHDR(b));
	s = palloc(sizeof(RuleState));
	memcpy(s, VARDATA_ANY(b), sizeof(RuleState));
	if (s->version != MIX_VERSION || s->inclusive > 1 || s->has_params > 1 ||
		s->min_scope < 0 || !(s->confidence > 0.0 && s->confidence < 1.0) ||
		(!isnan(s->target) && !(s->target >= 0.0 && s->target <= 1.0)))
		nous_state_corrupt("serialized compliance state", "A parameter is out of its range.");
	for (i = 0; i < 2; i++)
		if (s->r[i].scope < 0 || s->r[i].counted < 0 || s->r[i].counted > s->r[i].scope)
			nous_state_corrupt("serialized compliance state", "The counts must satisfy 0 <= counted <= scope.");
	PG_RETURN_POINTER(s);
}

/* fill 9 columns from one rule: scope, counted, share, target, gap, lo, hi, too_small, meets */
static void
rule_columns(const RuleState *s, const RuleCount *r, double target, Datum *v, bool *nulls)
{
	double		z = nous_normal_quantile(0.5 + s->confidence / 2.0);
	double		lo, hi;

	v[0] = Int64GetDatum(r->scope);
	v[1] = Int64GetDatum(r->counted);
	nulls[0] = nulls[1] = nulls[3] = nulls[7] = false;
	v[3] = Float8GetDatum(target);
	v[7] = BoolGetDatum(r->scope < s->min_scope);
	if (r->scope == 0)
	{
		nulls[2] = nulls[4] = nulls[5] = nulls[6] = nulls[8] = true;
		v[2] = v[4] = v[5] = v[6] = v[8] = (Datum) 0;
		return;
	}
	nulls[2] = nulls[4] = nulls[5] = nulls[6] = nulls[8] = false;
	v[2] = Float8GetDatum((double) r->counted / (double) r->scope);
	v[4] = Int64GetDatum((int64) nous_mix_gap((double) r->counted, (double) r->scope, target));
	nous_wilson((double) r->counted, (double) r->scope, z, &lo, &hi);
	v[5] = Float8GetDatum(lo);
	v[6] = Float8GetDatum(hi);
	v[8] = BoolGetDatum(nous_mix_gap((double) r->counted, (double) r->scope, target) == 0.0);
}

/*
 * the row of a state: of nous.compliance (one rule, the state's target), or
 * of nous.allocation_mix when mix (outside QPV, then inside)
 */
static Datum
rule_result(FunctionCallInfo fcinfo, const RuleState *s, bool mix)
{
	TupleDesc	tupdesc;
	Datum		v[18];
	bool		nulls[18];

	tupdesc = nous_row_desc(fcinfo);
	if (!mix)
		rule_columns(s, &s->r[0], s->target, v, nulls);
	else
	{
		/* targets of CCH L441-1: 25 % outside QPV, 50 % inside */
		rule_columns(s, &s->r[0], 0.25, v, nulls);
		rule_columns(s, &s->r[1], 0.50, v + 9, nulls + 9);
	}
	NOUS_RETURN_ROW(tupdesc, v, nulls);
}

static void rule_read(ArrayType *a, RuleState *s);

/*
 * A final function: NULL without a row, else the row (rule_result) of the
 * state, internal (the 0.1.0 aggregates) or a stored float8[] (stored).
 */
static Datum
rule_final(FunctionCallInfo fcinfo, bool stored, bool mix)
{
	RuleState	s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!stored)
		return rule_result(fcinfo, (RuleState *) PG_GETARG_POINTER(0), mix);
	rule_read(PG_GETARG_ARRAYTYPE_P(0), &s);
	return rule_result(fcinfo, &s, mix);
}

NOUS_ENTRY(nous_compliance_final, rule_final(fcinfo, false, false));

NOUS_ENTRY(nous_allocation_mix_final, rule_final(fcinfo, false, true));

/*
 * ---- the storable state of the rules (0.2.0) ----
 *
 * A float8[] of RULE_SLOTS numbers that Citus and parallel query can store,
 * send and combine:
 *   {version, target, min_scope, confidence, inclusive, fixed,
 *    scope, counted, inside_scope, inside_counted}
 * version 1; target NaN while unset (nous.allocation_mix has fixed targets);
 * inclusive and fixed (the parameters were given) 0 or 1; the counts are
 * whole numbers (exact up to 2^53 in a double).  mix_compliance and
 * priority_share use the first pair of counts, allocation_mix both (outside,
 * inside QPV).  The text form is float8 text: it reads back exactly.
 * The transition updates the array in place when it runs in an aggregate
 * (as float8_accum does), so a row allocates nothing.
 */
#define RULE_SLOTS 10
#define RULE_MAX_COUNT 9007199254740992.0

NOUS_NORETURN static void rule_corrupt(const char *detail);

static void
rule_corrupt(const char *detail)
{
	nous_state_corrupt("allocation rule state", "%s", detail);
}

static bool
whole_in(double x, double lo, double hi)
{
	return x >= lo && x <= hi && x == floor(x);
}

/* the state held in a, checked */
static void
rule_read(ArrayType *a, RuleState *s)
{
	const double *d;
	int			i;

	if (ARR_NDIM(a) != 1 || ARR_ELEMTYPE(a) != FLOAT8OID || ARR_HASNULL(a) ||
		ARR_DIMS(a)[0] != RULE_SLOTS)
		rule_corrupt("The state must be a one-dimensional float8 array of 10 numbers without NULL.");
	d = (const double *) ARR_DATA_PTR(a);
	if (d[0] != MIX_VERSION)
		rule_corrupt("Unknown state version (this nous reads version 1).");
	if (!isnan(d[1]) && !(d[1] >= 0.0 && d[1] <= 1.0))
		rule_corrupt("The target must be NaN (unset) or a share between 0 and 1.");
	if (!whole_in(d[2], 0, PG_INT32_MAX) || !(d[3] > 0.0 && d[3] < 1.0) ||
		!whole_in(d[4], 0, 1) || !whole_in(d[5], 0, 1))
		rule_corrupt("min_scope must be a whole number >= 0, confidence between 0 and 1 exclusive, inclusive and fixed 0 or 1.");
	for (i = 0; i < 2; i++)
		if (!whole_in(d[6 + 2 * i], 0, RULE_MAX_COUNT) || !whole_in(d[7 + 2 * i], 0, d[6 + 2 * i]))
			rule_corrupt("The counts must be whole numbers with 0 <= counted <= scope <= 2^53.");
	memset(s, 0, sizeof(RuleState));
	s->version = MIX_VERSION;
	s->target = d[1];
	s->min_scope = (int32) d[2];
	s->confidence = d[3];
	s->inclusive = (uint8) d[4];
	s->has_params = (uint8) d[5];
	for (i = 0; i < 2; i++)
	{
		s->r[i].scope = (int64) d[6 + 2 * i];
		s->r[i].counted = (int64) d[7 + 2 * i];
	}
}

static void
rule_fill(double *d, const RuleState *s)
{
	int			i;

	for (i = 0; i < 2; i++)
		if ((double) s->r[i].scope > RULE_MAX_COUNT)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many allocations in one allocation rule state"),
					 errdetail("A state counts at most 2^53 allocations.")));
	d[0] = MIX_VERSION;
	d[1] = s->target;
	d[2] = s->min_scope;
	d[3] = s->confidence;
	d[4] = s->inclusive;
	d[5] = s->has_params;
	for (i = 0; i < 2; i++)
	{
		d[6 + 2 * i] = (double) s->r[i].scope;
		d[7 + 2 * i] = (double) s->r[i].counted;
	}
}

/*
 * The state of argument 0 of a transition or combine function (the default
 * state when NULL), and the array to write it back into: the argument itself
 * (it belongs to the aggregate), or a new array when NULL.
 */
static ArrayType *
rule_arg(FunctionCallInfo fcinfo, const char *fn, RuleState *s)
{
	ArrayType  *a;

	nous_agg_context(fcinfo, fn, NULL);
	if (PG_ARGISNULL(0))
	{
		Datum		zero[RULE_SLOTS];
		int			i;

		for (i = 0; i < RULE_SLOTS; i++)
			zero[i] = Float8GetDatum(0.0);
		rule_init(s);
		return construct_array(zero, RULE_SLOTS, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	rule_read(a, s);
	return a;
}

/* a transition: the state of argument 0, one row added (rule_row), written back */
static inline Datum
rule_trans(FunctionCallInfo fcinfo, const char *fn, bool mix)
{
	RuleState	s;
	ArrayType  *a = rule_arg(fcinfo, fn, &s);

	rule_row(fcinfo, &s, mix);
	rule_fill((double *) ARR_DATA_PTR(a), &s);
	PG_RETURN_ARRAYTYPE_P(a);
}

/* (state float8[], counts bool[, target float8[, min_scope int, confidence float8]]) */
NOUS_ENTRY(nous_rule_trans_compliance, rule_trans(fcinfo, "nous.compliance_trans", false));

/* (state float8[], in_qpv, income_uc, renewal, threshold[, inclusive, min_scope, confidence]) */
NOUS_ENTRY(nous_rule_trans_allocation_mix, rule_trans(fcinfo, "nous.allocation_mix_trans", true));

PG_FUNCTION_INFO_V1(nous_rule_merge);

/* combine (state, state): the counts added, the parameters checked */
Datum
nous_rule_merge(PG_FUNCTION_ARGS)
{
	RuleState	s, b;
	ArrayType  *a;

	NOUS_RETURN_STATE_IF_NULL(1);
	a = rule_arg(fcinfo, "nous.rule_combine", &s);
	rule_read(PG_GETARG_ARRAYTYPE_P(1), &b);
	rule_merge(&s, &b);
	rule_fill((double *) ARR_DATA_PTR(a), &s);
	PG_RETURN_ARRAYTYPE_P(a);
}

NOUS_ENTRY(nous_rule_final_compliance, rule_final(fcinfo, true, false));

NOUS_ENTRY(nous_rule_final_allocation_mix, rule_final(fcinfo, true, true));

PG_FUNCTION_INFO_V1(nous_wilson_interval);

/* nous.wilson_interval(counted, total, confidence) → (low, high) */
Datum
nous_wilson_interval(PG_FUNCTION_ARGS)
{
	int64		k = PG_GETARG_INT64(0), n = PG_GETARG_INT64(1);
	double		c = PG_GETARG_FLOAT8(2), lo, hi;
	TupleDesc	tupdesc;
	Datum		v[2];
	bool		nulls[2] = {false, false};

	if (k < 0 || n < 0 || k > n)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("counted must be between 0 and total, got %lld of %lld",
							   (long long) k, (long long) n)));
	if (!(c > 0.0 && c < 1.0))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("confidence must be between 0 and 1 exclusive, got %g", c)));
	tupdesc = nous_row_desc(fcinfo);
	nous_wilson((double) k, (double) n, nous_normal_quantile(0.5 + c / 2.0), &lo, &hi);
	if (n == 0)
		nulls[0] = nulls[1] = true;
	v[0] = Float8GetDatum(lo);
	v[1] = Float8GetDatum(hi);
	NOUS_RETURN_ROW(tupdesc, v, nulls);
}

static void
check_counts(int64 a, int64 b, const char *na, const char *nb)
{
	if (a < 0 || b < 0)
		ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						errmsg("counts must not be negative, got %s %lld and %s %lld",
							   na, (long long) a, nb, (long long) b)));
}

PG_FUNCTION_INFO_V1(nous_pressure);

/* pending / allocations (demand pressure, as in the SNE reports) */
Datum
nous_pressure(PG_FUNCTION_ARGS)
{
	int64		p = PG_GETARG_INT64(0), a = PG_GETARG_INT64(1);

	check_counts(p, a, "pending", "allocations");
	if (a == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) p / (double) a);
}

PG_FUNCTION_INFO_V1(nous_satisfaction_rate);

/* allocations / (allocations + pending) */
Datum
nous_satisfaction_rate(PG_FUNCTION_ARGS)
{
	int64		a = PG_GETARG_INT64(0), p = PG_GETARG_INT64(1);

	check_counts(a, p, "allocations", "pending");
	if (a + p == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) a / ((double) a + (double) p));
}
