/*
 * spatial_autocorr_state.c — what every spatial statistic shares: the
 * options and the mapping of the rows onto the areas of the weights; and
 * the internal state of the autocorrelation aggregates of 0.1.0 (weights,
 * ids and values with transition, combine, serialize and deserialize
 * functions), whose C symbols the 0.1.0 install script names: since 0.2.0
 * the aggregates keep nous.autocorrelation_state (spatial_autocorr_agg.c).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "nous.h"
#include "spatial_glue.h"

static AcState *
ac_new(MemoryContext ctx)
{
	AcState    *s = MemoryContextAllocZero(ctx, sizeof(AcState));

	s->cap = 256;
	s->ids = MemoryContextAllocHuge(ctx, sizeof(int64) * s->cap);
	s->x = MemoryContextAllocHuge(ctx, sizeof(double) * s->cap);
	return s;
}

static void
ac_reserve(AcState *s, int64 more)
{
	nous_reserve2(s->ids, s->x, s->cap, s->n + more, NOUS_GRAPH_MAX, "areas");
}

static void
ac_set_weights(AcState *s, MemoryContext ctx, NousWeights *w)
{
	if (s->w == NULL)
	{
		s->w = MemoryContextAlloc(ctx, VARSIZE(w));
		memcpy(s->w, w, VARSIZE(w));
	}
	else if (s->w != w && (VARSIZE(s->w) != VARSIZE(w) || memcmp(s->w, w, VARSIZE(w)) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must be the same for every row"),
				 errhint("Pass the weights as a scalar subquery: (SELECT w FROM my_weights).")));
}

/*
 * The value of a row of the autocorrelation aggregates (arguments w, id,
 * value from 1): NaN for NULL; an error for a NULL id or a value that is
 * not finite.
 */
double
ac_row_value(FunctionCallInfo fcinfo)
{
	NOUS_REQUIRE_ARG(2, "id");
	return spatial_value_arg(fcinfo, 3, PG_GETARG_INT64(2));
}

static Datum
ac_trans(FunctionCallInfo fcinfo, bool has_opts)
{
	MemoryContext aggctx;
	AcState    *s;
	double		v;

	aggctx = nous_agg_context(fcinfo, "nous_ac_transfn", NULL);
	s = PG_ARGISNULL(0) ? ac_new(aggctx) : (AcState *) PG_GETARG_POINTER(0);
	NOUS_REQUIRE_ARG(1, "weights");
	if (s->w == NULL)
	{
		ac_set_weights(s, aggctx, weights_get(PG_GETARG_DATUM(1)));
		s->w_seen = DatumGetPointer(PG_GETARG_DATUM(1));
		if (has_opts && !PG_ARGISNULL(4))
		{
			char	   *o = text_to_cstring(PG_GETARG_TEXT_PP(4));

			if (strlen(o) > AC_OPTS_MAXLEN)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("options are too long")));
			strlcpy(s->opts, o, sizeof(s->opts));
		}
	}
	else if (DatumGetPointer(PG_GETARG_DATUM(1)) != s->w_seen)
	{
		/* another datum (a scalar subquery gives the same one every row):
		 * compare its contents once, then remember it */
		ac_set_weights(s, aggctx, weights_get(PG_GETARG_DATUM(1)));
		s->w_seen = DatumGetPointer(PG_GETARG_DATUM(1));
	}
	v = ac_row_value(fcinfo);
	ac_reserve(s, 1);
	s->ids[s->n] = PG_GETARG_INT64(2);
	s->x[s->n++] = v;
	PG_RETURN_POINTER(s);
}

NOUS_ENTRY(nous_ac_transfn, ac_trans(fcinfo, false));

NOUS_ENTRY(nous_ac_transfn_opts, ac_trans(fcinfo, true));

PG_FUNCTION_INFO_V1(nous_ac_combine);

Datum
nous_ac_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	AcState    *a = PG_ARGISNULL(0) ? NULL : (AcState *) PG_GETARG_POINTER(0);
	AcState    *b;

	aggctx = nous_agg_context(fcinfo, "nous_ac_combine", NULL);
	NOUS_RETURN_STATE_IF_NULL(1);
	b = (AcState *) PG_GETARG_POINTER(1);
	if (a == NULL)
	{
		a = ac_new(aggctx);
		memcpy(a->opts, b->opts, sizeof(a->opts));
	}
	else if (strcmp(a->opts, b->opts) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options must be the same for every row")));
	if (b->w != NULL)
		ac_set_weights(a, aggctx, b->w);
	ac_reserve(a, b->n);
	memcpy(a->ids + a->n, b->ids, sizeof(int64) * b->n);
	memcpy(a->x + a->n, b->x, sizeof(double) * b->n);
	a->n += b->n;
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(nous_ac_serialize);

Datum
nous_ac_serialize(PG_FUNCTION_ARGS)
{
	AcState    *s = (AcState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			olen = (int) strlen(s->opts);
	int32		wlen = s->w ? (int32) VARSIZE(s->w) : 0;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, AC_STATE_VERSION);
	pq_sendint16(&buf, (int16) olen);
	pq_sendbytes(&buf, s->opts, olen);
	pq_sendint32(&buf, wlen);
	if (wlen > 0)
		pq_sendbytes(&buf, (char *) s->w, wlen);
	pq_sendint64(&buf, s->n);
	for (int64 i = 0; i < s->n; i++)
	{
		pq_sendint64(&buf, s->ids[i]);
		pq_sendfloat8(&buf, s->x[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_ac_deserialize);

Datum
nous_ac_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggctx;
	StringInfoData buf;
	AcState    *s;
	int			olen;
	int32		wlen;
	int64		n;

	aggctx = nous_agg_context(fcinfo, "nous_ac_deserialize", NULL);
	spatial_state_buf(PG_GETARG_BYTEA_PP(0), &buf);
	if (buf.len < 1 + 2 + 4 + 8)
		nous_state_corrupt(AC_STATE_WHAT, "The state is too short.");
	if (pq_getmsgbyte(&buf) != AC_STATE_VERSION)
		nous_state_corrupt(AC_STATE_WHAT, "Unknown state version.");
	s = ac_new(aggctx);
	olen = (int16) pq_getmsgint(&buf, 2);
	if (olen < 0 || olen > AC_OPTS_MAXLEN || olen > buf.len - buf.cursor - 12)
		nous_state_corrupt(AC_STATE_WHAT, "The options have an invalid length.");
	memcpy(s->opts, pq_getmsgbytes(&buf, olen), olen);
	s->opts[olen] = '\0';
	if (strlen(s->opts) != (size_t) olen)
		nous_state_corrupt(AC_STATE_WHAT, "The options contain a zero byte.");
	wlen = pq_getmsgint(&buf, 4);
	if (wlen < 0 || wlen > buf.len - buf.cursor - 8 || (wlen > 0 && (Size) wlen < WEIGHTS_HDRSZ))
		nous_state_corrupt(AC_STATE_WHAT, "The weights have an invalid length.");
	if (wlen > 0)
	{
		NousWeights *w = MemoryContextAlloc(aggctx, wlen);

		memcpy(w, pq_getmsgbytes(&buf, wlen), wlen);
		if (VARATT_IS_SHORT(w) || VARATT_IS_EXTENDED(w) || VARSIZE(w) != (Size) wlen)
			nous_state_corrupt(AC_STATE_WHAT, "The weights are corrupt.");
		weights_check_full(w, ERRCODE_DATA_EXCEPTION);
		s->w = w;
	}
	n = pq_getmsgint64(&buf);
	if (n < 0 || n > NOUS_GRAPH_MAX || (int64) (buf.len - buf.cursor) != 16 * n)
		nous_state_corrupt(AC_STATE_WHAT, "The number of areas does not match the length of the state.");
	ac_reserve(s, n);
	for (int64 i = 0; i < n; i++)
	{
		s->ids[i] = pq_getmsgint64(&buf);
		s->x[i] = pq_getmsgfloat8(&buf);
		if (isinf(s->x[i]))
			nous_state_corrupt(AC_STATE_WHAT, "The state holds an infinite value.");
	}
	s->n = n;
	PG_RETURN_POINTER(s);
}

/* greater, less or two-sided (spdep's two.sided accepted) */
nous_alternative
ac_parse_alternative(const char *v)
{
	if (pg_strcasecmp(v, "greater") == 0)
		return NOUS_ALT_GREATER;
	if (pg_strcasecmp(v, "less") == 0)
		return NOUS_ALT_LESS;
	if (pg_strcasecmp(v, "two-sided") == 0 || pg_strcasecmp(v, "two.sided") == 0 ||
		pg_strcasecmp(v, "two_sided") == 0)
		return NOUS_ALT_TWO_SIDED;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown alternative \"%s\"", v),
			 errdetail("Use two-sided (the default), greater (positive spatial autocorrelation) or less (negative).")));
	return NOUS_ALT_TWO_SIDED;
}

const char *
ac_style_name(nous_wstyle s)
{
	return s == NOUS_STYLE_B ? "B" : s == NOUS_STYLE_C ? "C" : "W";
}

/*
 * Options 'style=W, permutations=999, seed=1, islands=error, missing=error,
 * alpha=0.05, alternative=two-sided'; the style is default_style unless given.
 */
/*
 * A policy option (islands, missing): "error", the default, is false, word
 * true; anything else an error naming the policy (what), detail the choices.
 */
static bool
ac_policy(const char *value, const char *word, const char *what, const char *detail)
{
	if (strcmp(value, "error") == 0)
		return false;
	if (strcmp(value, word) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown %s \"%s\"", what, value),
				 errdetail("%s", detail)));
	return true;
}

void
ac_parse_opts(const char *text, nous_wstyle default_style, AcOpts *o)
{
	char	   *wrapped = psprintf("o(%s)", text);
	nous_method_spec spec;
	char		err[256];

	o->core.style = default_style;
	o->core.alternative = NOUS_ALT_TWO_SIDED;
	o->core.keep_islands = false;
	o->core.permutations = 999;
	o->core.seed = 12345;
	o->drop_missing = false;
	o->alpha = 0.05;
	if (text[0] == '\0')
		return;
	if (nous_parse_method_spec(wrapped, &spec, err, sizeof(err)) != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid options \"%s\"", text),
				 errdetail("%s", err),
				 errhint("Write key=value pairs separated by commas: 'style=B, permutations=99'.")));
	for (int i = 0; i < spec.nparams; i++)
	{
		nous_spec_param *p = &spec.params[i];

		if (strcmp(p->key, "style") == 0)
		{
			if (pg_strcasecmp(p->value, "W") == 0)
				o->core.style = NOUS_STYLE_W;
			else if (pg_strcasecmp(p->value, "B") == 0)
				o->core.style = NOUS_STYLE_B;
			else if (pg_strcasecmp(p->value, "C") == 0)
				o->core.style = NOUS_STYLE_C;
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown weight style \"%s\"", p->value),
						 errdetail("Use W (row-standardised), B (binary) or C (globally standardised).")));
		}
		else if (strcmp(p->key, "permutations") == 0)
		{
			if (!p->is_number || p->number != floor(p->number) || p->number < 0 || p->number > 99999)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("permutations must be an integer from 0 to 99999")));
			o->core.permutations = (int) p->number;
		}
		else if (strcmp(p->key, "seed") == 0)
		{
			if (!p->is_number || p->number != floor(p->number) || fabs(p->number) > 9.0e15)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("seed must be an integer")));
			o->core.seed = (uint64_t) (int64) p->number;
		}
		else if (strcmp(p->key, "islands") == 0)
			o->core.keep_islands = ac_policy(p->value, "keep", "island policy",
											 "Use error (the default) or keep (an island has a zero spatial lag).");
		else if (strcmp(p->key, "missing") == 0)
			o->drop_missing = ac_policy(p->value, "drop", "missing-value policy",
										"Use error (the default) or drop (areas without a value are left out with their links).");
		else if (strcmp(p->key, "alternative") == 0)
			o->core.alternative = ac_parse_alternative(p->value);
		else if (strcmp(p->key, "alpha") == 0)
		{
			if (!p->is_number || !(p->number > 0 && p->number < 1))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("alpha must be a number between 0 and 1")));
			o->alpha = p->number;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\"", p->key),
					 errdetail("The options are style, permutations, seed, islands, missing, alpha and alternative.")));
	}
}

/* Map the rows onto the areas of the weights: x per node, NaN if missing. */
double *
ac_values(AcState *s, nous_graph *g, AcOpts *o)
{
	double	   *x;
	bool	   *seen;
	int32		missing = 0;
	int32		first_missing = 0;

	weights_graph(s->w, g);
	x = palloc(sizeof(double) * Max(g->n, 1));
	seen = palloc0(sizeof(bool) * Max(g->n, 1));
	for (int32 i = 0; i < g->n; i++)
		x[i] = NAN;
	for (int64 r = 0; r < s->n; r++)
	{
		int32		k = nous_graph_find(g, s->ids[r]);

		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("area " INT64_FORMAT " is not in the weights", s->ids[r]),
					 errdetail("Every id must be an area of the weights."),
					 errhint("Build the weights from the same areas, or filter the rows.")));
		if (seen[k])
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("area %s has more than one value", weights_id_name(s->w, k))));
		seen[k] = true;
		x[k] = s->x[r];
	}
	for (int32 i = 0; i < g->n; i++)
		if (isnan(x[i]) && missing++ == 0)
			first_missing = i;
	if (missing > 0 && !o->drop_missing)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%d areas of the weights have no value", missing),
				 errdetail("Area %s has no row or a NULL value.", weights_id_name(s->w, first_missing)),
				 errhint("Use the option missing=drop to leave them out with their links.")));
	{
		double		first = NAN;
		bool		varies = false;

		for (int32 i = 0; i < g->n && !varies; i++)
			if (!isnan(x[i]))
			{
				if (isnan(first))
					first = x[i];
				else if (x[i] != first)
					varies = true;
			}
		if (!varies)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("every area has the same value"),
					 errdetail("Spatial autocorrelation is not defined when the values do not vary.")));
	}
	return x;
}

void
ac_status(nous_status st, int32 islands, const char *what)
{
	if (st == NOUS_OK)
		return;
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d areas have no neighbour", islands),
				 errdetail("%s is not defined for areas without neighbours unless an island policy is chosen.", what),
				 errhint("List them with nous.islands(w); the option islands=keep gives them a zero spatial lag.")));
	if (st == NOUS_ERR_EMPTY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("too few areas or links for %s", what),
				 errdetail("At least 4 areas with a value and one link are needed.")));
	nous_report_status(st, what);
}

Datum
ac_float_or_null(double v, bool *isnull)
{
	*isnull = !isfinite(v);
	return Float8GetDatum(isfinite(v) ? v : 0.0);
}

