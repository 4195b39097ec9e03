/*
 * mix_pairs.c — nous.mixpairs, one (group, total) pair per area: its
 * aggregates, the two-group segregation indices read from it, its text and
 * binary forms, and the columns a plugin method reads.
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
/* nous.mixpairs                                                       */
/* ------------------------------------------------------------------ */

static double
pairs_param(const char *img)
{
	double		p;

	memcpy(&p, img + 8, sizeof(double));
	return p;
}

static void
check_pair(double g, double t)
{
	nous_status st = nous_mix2_check(g, t);

	if (st == NOUS_ERR_NONFINITE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("group and total must be finite numbers"),
				 errdetail("Got group %g and total %g.", g, t)));
	if (st != NOUS_OK)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("invalid area counts: group %g, total %g", g, t),
				 errdetail("Counts must be non-negative and the total of an area includes its group, so 0 <= group <= total."),
				 errhint("Pass the whole population of the area as total, not the rest of it.")));
}

static void
pairs_append(NousBufEO *eo, double g, double t)
{
	double		pr[2];

	check_pair(g, t);
	pr[0] = g;
	pr[1] = t;
	mix_buf_append(eo, pr, sizeof(pr));
}

NOUS_NORETURN static void bad_atkinson_b(double b);

/* the error of an Atkinson parameter b outside [0, 1) */
static void
bad_atkinson_b(double b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("Atkinson parameter b must be in [0, 1), got %g", b)));
}

/* the Atkinson parameter b of a row (argument 3): the same for every row, kept in the state */
static void
pairs_trans_b(FunctionCallInfo fcinfo, NousBufEO *eo)
{
	double		b, old;

	NOUS_REQUIRE_ARG(3, "parameter b");
	b = PG_GETARG_FLOAT8(3);
	if (!isfinite(b) || b < 0.0 || b >= 1.0)
		bad_atkinson_b(b);
	old = pairs_param(eo->data);
	if (isnan(old))
		memcpy(eo->data + 8, &b, sizeof(double));
	else if (old != b)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("Atkinson parameter b changes between rows (%g, then %g)", old, b),
				 errdetail("b must be the same for every row of a group.")));
}

/* transition (state, group, total[, b]): append one area; NULL rows are skipped */
static inline Datum
pairs_trans(FunctionCallInfo fcinfo, const char *fn, bool with_b)
{
	NousBufEO  *eo = mix_state_rw(fcinfo, 0, BUF_PAIRS, fn);

	if (with_b)
		pairs_trans_b(fcinfo, eo);
	if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2))
		pairs_append(eo, PG_GETARG_FLOAT8(1), PG_GETARG_FLOAT8(2));
	RETURN_EO(eo);
}

/* transition (state, group, total) */
NOUS_ENTRY(nous_mixpairs_trans, pairs_trans(fcinfo, "nous_mixpairs_trans", false));

/* transition (state, group, total, b): as above, b kept in the state */
NOUS_ENTRY(nous_mixpairs_trans_param, pairs_trans(fcinfo, "nous_mixpairs_trans_param", true));

PG_FUNCTION_INFO_V1(nous_mixpairs_combine);

/* combine two pairs states: concatenation (the parameter must agree) */
Datum
nous_mixpairs_combine(PG_FUNCTION_ARGS)
{
	NousBufEO  *eo;
	const char *img;
	Size		len;
	double		p1, p2;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	eo = mix_state_rw(fcinfo, 0, BUF_PAIRS, "nous_mixpairs_combine");
	if (PG_ARGISNULL(1))
		RETURN_EO(eo);
	img = mix_state_image(PG_GETARG_DATUM(1), BUF_PAIRS, &len);
	p1 = pairs_param(eo->data);
	p2 = pairs_param(img);
	if (isnan(p1))
		memcpy(eo->data + 8, &p2, sizeof(double));
	else if (!isnan(p2) && p1 != p2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge mix states with different parameters (%g and %g)", p1, p2)));
	mix_buf_append(eo, img + PAIRS_HDR, len - PAIRS_HDR);
	RETURN_EO(eo);
}

/* pairs and their count from a state argument */
const double *
mix_pairs_arg(FunctionCallInfo fcinfo, int argno, size_t *n, double *param)
{
	Size		len;
	const char *img = mix_state_image(PG_GETARG_DATUM(argno), BUF_PAIRS, &len);

	*n = (len - PAIRS_HDR) / (2 * sizeof(double));
	if (param)
		*param = pairs_param(img);
	return (const double *) (img + PAIRS_HDR);
}

/* an index of nous.mixpairs argument 0 by the core function f (NaN: NULL) */
static Datum
mix_pairs_index(FunctionCallInfo fcinfo, double (*f) (const double *gt, size_t n))
{
	size_t		n;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, NULL);

	RETURN_INDEX(f(gt, n));
}

NOUS_ENTRY(nous_mixpairs_dissimilarity, mix_pairs_index(fcinfo, nous_mix2_dissimilarity));

PG_FUNCTION_INFO_V1(nous_mixpairs_gini);
Datum
nous_mixpairs_gini(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, NULL);
	double		r;
	nous_status st = nous_mix2_gini(gt, n, &r);

	if (st != NOUS_OK)
		nous_report_status(st, "gini_segregation");
	RETURN_INDEX(r);
}

NOUS_ENTRY(nous_mixpairs_entropy_h, mix_pairs_index(fcinfo, nous_mix2_entropy_h));

NOUS_ENTRY(nous_mixpairs_isolation, mix_pairs_index(fcinfo, nous_mix2_isolation));

NOUS_ENTRY(nous_mixpairs_interaction, mix_pairs_index(fcinfo, nous_mix2_interaction));

NOUS_ENTRY(nous_mixpairs_correlation_ratio, mix_pairs_index(fcinfo, nous_mix2_correlation_ratio));

static Datum
atkinson_common(FunctionCallInfo fcinfo, const double *gt, size_t n, double b)
{
	double		r;
	nous_status st = nous_mix2_atkinson(gt, n, b, &r);

	if (st == NOUS_ERR_PARAM)
		bad_atkinson_b(b);
	if (st != NOUS_OK)
		nous_report_status(st, "atkinson");
	RETURN_INDEX(r);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_atkinson_final);

/* final function of nous.atkinson(group, total, b): b is in the state */
Datum
nous_mixpairs_atkinson_final(PG_FUNCTION_ARGS)
{
	size_t		n;
	double		b;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, &b);

	if (isnan(b))
		PG_RETURN_NULL();		/* no row had b: no row at all */
	return atkinson_common(fcinfo, gt, n, b);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_atkinson);

/* nous.atkinson(nous.mixpairs, b) */
Datum
nous_mixpairs_atkinson(PG_FUNCTION_ARGS)
{
	size_t		n;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, NULL);

	return atkinson_common(fcinfo, gt, n, PG_GETARG_FLOAT8(1));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_areas);

/* number of areas held by a pairs state */
Datum
nous_mixpairs_areas(PG_FUNCTION_ARGS)
{
	size_t		n;

	(void) mix_pairs_arg(fcinfo, 0, &n, NULL);
	PG_RETURN_INT64((int64) n);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_out);

/* text form: [(g,t),(g,t)] or b=0.5:[(g,t)] */
Datum
nous_mixpairs_out(PG_FUNCTION_ARGS)
{
	size_t		n, i;
	double		b;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, &b);
	StringInfoData s;

	initStringInfo(&s);
	if (!isnan(b))
	{
		appendStringInfoString(&s, "b=");
		mix_append_double(&s, b);
		appendStringInfoChar(&s, ':');
	}
	appendStringInfoChar(&s, '[');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&s, ',');
		appendStringInfoChar(&s, '(');
		mix_append_double(&s, gt[2 * i]);
		appendStringInfoChar(&s, ',');
		mix_append_double(&s, gt[2 * i + 1]);
		appendStringInfoChar(&s, ')');
	}
	appendStringInfoChar(&s, ']');
	PG_RETURN_CSTRING(s.data);
}

/* one "(group, total)" of the text form, appended to the value s */
static void
pairs_in_item(const char **p, const char *str, void *arg)
{
	double		pr[2];

	mix_expect_char(p, '(', "nous.mixpairs", str);
	pr[0] = mix_parse_double(p, "nous.mixpairs", str);
	mix_expect_char(p, ',', "nous.mixpairs", str);
	pr[1] = mix_parse_double(p, "nous.mixpairs", str);
	mix_expect_char(p, ')', "nous.mixpairs", str);
	check_pair(pr[0], pr[1]);
	appendBinaryStringInfo((StringInfo) arg, (const char *) pr, sizeof(pr));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_in);
Datum
nous_mixpairs_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	StringInfoData s;
	double		b = get_float8_nan();

	initStringInfo(&s);
	appendBinaryStringInfo(&s, MIX_IMAGE_START, 8);
	while (isspace((unsigned char) *p))
		p++;
	if (*p == 'b')
	{
		p++;
		mix_expect_char(&p, '=', "nous.mixpairs", str);
		b = mix_parse_double(&p, "nous.mixpairs", str);
		if (b < 0.0 || b >= 1.0)
			mix_bad_text("nous.mixpairs", str, "The parameter b must be in [0, 1).");
		mix_expect_char(&p, ':', "nous.mixpairs", str);
	}
	appendBinaryStringInfo(&s, (const char *) &b, sizeof(double));
	mix_parse_list(&p, "nous.mixpairs", str, pairs_in_item, &s);
	SET_VARSIZE(s.data, s.len);
	PG_RETURN_POINTER(s.data);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_send);
Datum
nous_mixpairs_send(PG_FUNCTION_ARGS)
{
	size_t		n, i;
	double		b;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, &b);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, MIX_VERSION);
	pq_sendfloat8(&buf, b);
	pq_sendint64(&buf, (int64) n);
	for (i = 0; i < 2 * n; i++)
		pq_sendfloat8(&buf, gt[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(nous_mixpairs_recv);
Datum
nous_mixpairs_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			version;
	double		b;
	int64		n, i;
	char	   *out;
	double	   *gt;
	Size		len;

	if (msg->len - msg->cursor < 17)
		nous_bad_binary("nous.mixpairs", "The message is too short.");
	version = pq_getmsgbyte(msg);
	nous_check_format_version("nous.mixpairs", version, 1, MIX_VERSION);
	b = pq_getmsgfloat8(msg);
	if (!isnan(b) && !(b >= 0.0 && b < 1.0))
		nous_bad_binary("nous.mixpairs", "The parameter b must be NaN or in [0, 1).");
	n = pq_getmsgint64(msg);
	if (n < 0 || n > (int64) ((MaxAllocSize - PAIRS_HDR) / 16) ||
		(int64) (msg->len - msg->cursor) != 16 * n)
		nous_bad_binary("nous.mixpairs", "The pair count does not match the message length.");
	len = PAIRS_HDR + 16 * (Size) n;
	out = palloc0(len);
	SET_VARSIZE(out, len);
	out[VARHDRSZ] = MIX_VERSION;
	memcpy(out + 8, &b, sizeof(double));
	gt = (double *) (out + PAIRS_HDR);
	for (i = 0; i < 2 * n; i++)
		gt[i] = pq_getmsgfloat8(msg);
	for (i = 0; i < n; i++)
		if (nous_mix2_check(gt[2 * i], gt[2 * i + 1]) != NOUS_OK)
			nous_bad_binary("nous.mixpairs", "A pair is not finite or has 0 <= group <= total false.");
	PG_RETURN_POINTER(out);
}

PG_FUNCTION_INFO_V1(nous_mixpairs_atkinson_params);

/* Atkinson as a registered method: params b (default 0.5) */
Datum
nous_mixpairs_atkinson_params(PG_FUNCTION_ARGS)
{
	static const char *const allowed[] = {"b", NULL};
	Jsonb	   *params = PG_NARGS() > 1 && !PG_ARGISNULL(1) ? PG_GETARG_JSONB_P(1) : NULL;
	double		b = 0.5;
	size_t		n;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, NULL);

	nous_params_check(params, "atkinson", allowed);
	nous_params_number(params, "atkinson", "b", &b);
	return atkinson_common(fcinfo, gt, n, b);
}

/* the pairs' groups (which = 0) or totals (1) as a float8[] (for plugins) */
static Datum
pairs_column(FunctionCallInfo fcinfo, int which)
{
	size_t		n, i;
	const double *gt = mix_pairs_arg(fcinfo, 0, &n, NULL);
	Datum	   *d;

	if (n > MaxAllocSize / sizeof(Datum))
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("too many areas for an array")));
	d = palloc(sizeof(Datum) * Max(n, 1));
	for (i = 0; i < n; i++)
		d[i] = Float8GetDatum(gt[2 * i + which]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, (int) n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

NOUS_ENTRY(nous_mixpairs_groups, pairs_column(fcinfo, 0));

NOUS_ENTRY(nous_mixpairs_totals, pairs_column(fcinfo, 1));
