/*
 * classes_gvf.c — using class breaks: nous.class_of(value, breaks [, closed])
 * and the aggregates nous.gvf(value, breaks [, closed]), the goodness of
 * variance fit (Jenks 1977), with its two sums of squares nous.gvf_sdam and
 * nous.gvf_sdcm (sql/60_classes.sql).  closed chooses right-closed classes
 * (a, b] (the default, as mapclassify) or left-closed [a, b) (as classInt).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "nous.h"
#include "classes.h"
#include "classes_glue.h"
#include "method_table.h"



/* Unpack and check a breaks argument: non-empty, no NULL, finite, increasing. */
static double *
breaks_arg(ArrayType *a, int *nb)
{
	double	   *b;
	int			n;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_DIMS(a)[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("breaks must be a non-empty one-dimensional array without NULLs"),
				 ARR_NDIM(a) == 0 ? errdetail("The array is empty.") :
				 ARR_NDIM(a) != 1 ? errdetail("The array has %d dimensions.", ARR_NDIM(a)) :
				 errdetail("Some bound is NULL."),
				 errhint("Give the upper bounds of the classes in increasing order, as nous.breaks returns them.")));
	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "breaks: expected a float8 array");
	n = ARR_DIMS(a)[0];
	b = (double *) ARR_DATA_PTR(a);
	for (int i = 0; i < n; i++)
	{
		if (isnan(b[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("breaks must not contain NaN"),
					 errdetail("Bound %d is NaN.", i + 1)));
		if (i > 0 && !(b[i] > b[i - 1]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("breaks must be strictly increasing"),
					 errdetail("Bound %d (%g) is not greater than bound %d (%g).", i + 1, b[i], i, b[i - 1])));
	}
	*nb = n;
	return b;
}

/*
 * The closed side of the classes: 'right' (a, b], the default (mapclassify,
 * nous 0.1.0), or 'left' [a, b) (classInt's default).  true for left.
 */
static bool
closed_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *w;

	if (PG_NARGS() <= argno)
		return false;
	NOUS_REQUIRE_ARG_HINT(argno, "closed",
						  "Use 'right' (the default) or 'left'.");
	w = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(w, "right") == 0)
		return false;
	if (strcmp(w, "left") == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value \"%s\" for closed", w),
			 errdetail("Use right for classes (a, b], a value on a bound in the class below it "
					   "(the default, as mapclassify), or left for classes [a, b), a value on a "
					   "bound in the class above it (as R's classInt); the last class holds the "
					   "maximum either way.")));
	return false;				/* not reached */
}

PG_FUNCTION_INFO_V1(nous_class_of_sql);

/*
 * nous.class_of(value, breaks [, closed]) → the 1-based class: value <= bound
 * (closed 'right', the default) or value < bound (closed 'left').
 */
Datum
nous_class_of_sql(PG_FUNCTION_ARGS)
{
	double		v = PG_GETARG_FLOAT8(0);
	int			nb;
	double	   *b = breaks_arg(PG_GETARG_ARRAYTYPE_P(1), &nb);
	bool		left = closed_arg(fcinfo, 2);

	if (isnan(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value must not be NaN"),
				 errhint("Use NULL for a missing value: its class is NULL.")));
	PG_RETURN_INT32(nous_class_of_closed(v, b, nb, left));
}

/*
 * nous.gvf state: a float8[] {nclasses, n_1, mean_1, m2_1, …}, a storable
 * type, modified in place during the scan.
 */
static ArrayType *
gvf_state_new(int nb)
{
	double	   *z = palloc0(sizeof(double) * (1 + 3 * nb));

	z[0] = nb;
	return classes_doubles_to_array(z, 1 + 3 * nb);
}

static double *
gvf_state_data(ArrayType *a, int *nb)
{
	int			n;
	double	   *d;

	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		nous_state_corrupt("nous.gvf aggregate state",
						   "The state is not a one-dimensional float8[] without NULL.");
	n = ARR_DIMS(a)[0];
	d = (double *) ARR_DATA_PTR(a);
	if (n < 4 || d[0] != floor(d[0]) || d[0] < 1 || 1 + 3 * d[0] != n)
		nous_state_corrupt("nous.gvf aggregate state",
						   "The state has %d elements, not 1 + 3 per class.", n);
	*nb = (int) d[0];
	return d;
}

PG_FUNCTION_INFO_V1(nous_gvf_transfn);

Datum
nous_gvf_transfn(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx,
				old;
	ArrayType  *state;
	double	   *d;
	int			nb,
				nbs;
	double	   *b;
	double		v;
	int			c;

	aggctx = nous_agg_context(fcinfo, "nous.gvf_transfn", "nous.gvf(value, breaks)");
	NOUS_REQUIRE_ARG(2, "breaks");
	b = breaks_arg(PG_GETARG_ARRAYTYPE_P(2), &nb);
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggctx);
		state = gvf_state_new(nb);
		MemoryContextSwitchTo(old);
	}
	else
		state = PG_GETARG_ARRAYTYPE_P(0);
	d = gvf_state_data(state, &nbs);
	if (nbs != nb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("breaks must be the same for every row"),
				 errdetail("This row gives %d bounds, an earlier one %d.", nb, nbs)));
	if (PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(state);
	v = PG_GETARG_FLOAT8(1);
	classes_check_finite(v, "value");
	c = nous_class_of_closed(v, b, nb, closed_arg(fcinfo, 3)) - 1;
	nous_moments_add((nous_moments *) (d + 1 + 3 * c), v);
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(nous_gvf_combine);

Datum
nous_gvf_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx,
				old;
	ArrayType  *a,
			   *b;
	double	   *da,
			   *db;
	int			na,
				nb;

	aggctx = nous_agg_context(fcinfo, "nous.gvf_combine", "nous.gvf(value, breaks)");
	NOUS_RETURN_STATE_IF_NULL(1);
	b = PG_GETARG_ARRAYTYPE_P(1);
	db = gvf_state_data(b, &nb);
	if (PG_ARGISNULL(0))
	{
		old = MemoryContextSwitchTo(aggctx);
		a = (ArrayType *) PG_DETOAST_DATUM_COPY(PointerGetDatum(b));
		MemoryContextSwitchTo(old);
		PG_RETURN_ARRAYTYPE_P(a);
	}
	a = PG_GETARG_ARRAYTYPE_P(0);
	da = gvf_state_data(a, &na);
	if (na != nb)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("breaks must be the same for every row"),
				 errdetail("Two partial states were built with %d and %d bounds.", na, nb)));
	for (int c = 0; c < na; c++)
		nous_moments_merge((nous_moments *) (da + 1 + 3 * c), (const nous_moments *) (db + 1 + 3 * c));
	PG_RETURN_ARRAYTYPE_P(a);
}

/* The per-class moments of a final state, or NULL when no value was given. */
static const nous_moments *
gvf_final_moments(FunctionCallInfo fcinfo, int *nb)
{
	double	   *d;
	double		total = 0;

	if (PG_ARGISNULL(0))
		return NULL;
	d = gvf_state_data(PG_GETARG_ARRAYTYPE_P(0), nb);
	for (int c = 0; c < *nb; c++)
		total += d[1 + 3 * c];
	return total == 0 ? NULL : (const nous_moments *) (d + 1);
}

PG_FUNCTION_INFO_V1(nous_gvf_finalfn);

/* nous.gvf final: (SDAM - SDCM) / SDAM; NULL when SDAM is 0. */
Datum
nous_gvf_finalfn(PG_FUNCTION_ARGS)
{
	int			nb;
	const nous_moments *m = gvf_final_moments(fcinfo, &nb);
	double		g;

	if (m == NULL)
		PG_RETURN_NULL();
	g = nous_gvf(m, nb);
	if (isnan(g))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(g);
}

/* SDAM (sdam true) or SDCM of a final state; NULL when no value was given. */
static Datum
gvf_part_final(FunctionCallInfo fcinfo, bool sdam_wanted)
{
	int			nb;
	const nous_moments *m = gvf_final_moments(fcinfo, &nb);
	double		sdam,
				sdcm;

	if (m == NULL)
		PG_RETURN_NULL();
	nous_gvf_parts(m, nb, &sdam, &sdcm);
	PG_RETURN_FLOAT8(sdam_wanted ? sdam : sdcm);
}

/* nous.gvf_sdam final: squared deviations from the array mean. */
NOUS_ENTRY(nous_gvf_sdam_finalfn, gvf_part_final(fcinfo, true));

/* nous.gvf_sdcm final: squared deviations from the class means, summed. */
NOUS_ENTRY(nous_gvf_sdcm_finalfn, gvf_part_final(fcinfo, false));

/* The C name of nous 0.1.0 (sql/released/nous--0.1.0.sql). */

NOUS_ENTRY(pg_nous_class_of, nous_class_of_sql(fcinfo));
