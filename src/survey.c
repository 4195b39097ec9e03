/*
 * survey.c — SQL glue of the survey module (sql/75_survey.sql and
 * sql/76_field.sql): the storable states nous.svystate (design-based
 * estimation) and nous.kmstate (Kaplan-Meier), their aggregates, the
 * estimators, the proportion intervals and calibration.
 *
 * Both states are a table of keyed records (two 64-bit keys, a fixed number
 * of doubles).  During a scan they are PostgreSQL expanded objects holding
 * an open-addressing hash of the records, so that a row costs one lookup;
 * they are flattened (records sorted by key) only when stored, sent to a
 * parallel leader or printed.  Sorted records make every final result
 * independent of the order of the rows and of the plan.
 *
 *   svystate, clustered:   key (stratum, psu)  -> a, b, c, rows, fpc
 *   svystate, unclustered: key (stratum, 0)    -> the moments of the rows
 *   svystate, two stages:  key (stratum, mix(psu, ssu)) -> a, b, c, rows,
 *                          fpc1, fpc2, and the psu key as two 32-bit halves
 *   kmstate:               key (time bits, 0)  -> events, censored
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "nous.h"
#include "survey.h"
#include "km.h"

#define SVY_VERSION 1
#define SVY_HDR 16				/* varlena header, version, kind, width, count, pad */

/* kinds of state */
#define K_EMPTY 'e'				/* a svystate with no row yet */
#define K_UNCL 'u'				/* rows are the units */
#define K_CLUS 'c'				/* clusters (PSUs) are the units */
#define K_TWO '2'				/* two stages: second-stage units within PSUs */
#define K_KM 'k'

/* payload widths */
#define W_CLUS 5				/* a, b, c, rows, fpc */
#define W_UNCL 15				/* n, mean[3], com[6], sum[3], rows, fpc */
#define W_TWO 8					/* a, b, c, rows, fpc1, fpc2, psu high, psu low */
#define W_KM 2					/* events, censored */

#define NULL_KEY PG_INT64_MIN

static int
kind_width(int kind)
{
	switch (kind)
	{
		case K_CLUS:
			return W_CLUS;
		case K_UNCL:
			return W_UNCL;
		case K_TWO:
			return W_TWO;
		case K_KM:
			return W_KM;
		default:
			return 0;
	}
}

/* ------------------------------------------------------------------ */
/* the expanded keyed table                                            */
/* ------------------------------------------------------------------ */

typedef struct SvyEO
{
	ExpandedObjectHeader hdr;
	int			kind;
	int			width;
	int			n;				/* records */
	int			cap;			/* records allocated */
	Size		stride;			/* bytes per record: 2 int64 keys, width doubles */
	char	   *recs;			/* the records in order of arrival, keys and values together */
	int			hcap;			/* hash slots (power of two) */
	int		   *slots;			/* record index, -1 empty */
	int			last;			/* the record of the previous row (-1: none) */
} SvyEO;

#define REC(eo, i) ((eo)->recs + (Size) (i) * (eo)->stride)
#define REC_KEYS(r) ((int64 *) (r))
#define REC_VALS(r) ((double *) ((r) + 2 * sizeof(int64)))

static Size svy_flat_size(ExpandedObjectHeader *eohptr);
static void svy_flatten(ExpandedObjectHeader *eohptr, void *result, Size size);

static const ExpandedObjectMethods svy_methods = {svy_flat_size, svy_flatten};

static inline uint32
key_hash(int64 k1, int64 k2)
{
	uint64		h = (uint64) k1 * UINT64CONST(0x9E3779B97F4A7C15);

	h ^= (uint64) k2 + UINT64CONST(0x632BE59BD9B4E019) + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= UINT64CONST(0xBF58476D1CE4E5B9);
	h ^= h >> 29;
	return (uint32) h;
}

static void
eo_rehash(SvyEO *eo, int hcap)
{
	int			i;

	if (eo->slots)
		pfree(eo->slots);
	eo->hcap = hcap;
	eo->slots = MemoryContextAllocHuge(eo->hdr.eoh_context, sizeof(int) * (Size) hcap);
	memset(eo->slots, 0xff, sizeof(int) * (Size) hcap);
	for (i = 0; i < eo->n; i++)
	{
		const int64 *k = REC_KEYS(REC(eo, i));
		uint32		h = key_hash(k[0], k[1]) & (hcap - 1);

		while (eo->slots[h] >= 0)
			h = (h + 1) & (hcap - 1);
		eo->slots[h] = i;
	}
}

static SvyEO *
eo_new(MemoryContext parent, int kind)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "nous survey state",
											  ALLOCSET_DEFAULT_SIZES);
	SvyEO	   *eo = MemoryContextAllocZero(cxt, sizeof(SvyEO));

	EOH_init_header(&eo->hdr, &svy_methods, cxt);
	eo->kind = kind;
	eo->width = kind_width(kind);
	eo->cap = 16;
	eo->stride = 2 * sizeof(int64) + sizeof(double) * eo->width;
	eo->recs = MemoryContextAlloc(cxt, eo->stride * eo->cap);
	eo->last = -1;
	eo_rehash(eo, 64);
	return eo;
}

/* an empty state takes the kind of its first row or part */
static void
eo_set_kind(SvyEO *eo, int kind)
{
	Assert(eo->n == 0);
	eo->kind = kind;
	eo->width = kind_width(kind);
	eo->stride = 2 * sizeof(int64) + sizeof(double) * eo->width;
	eo->recs = repalloc_huge(eo->recs, eo->stride * (Size) eo->cap);
}

/*
 * The record of a key; created zeroed when absent (*isnew set).  Before
 * hashing, the record of the previous row and the one after it are tried:
 * rows sorted by cluster hit the first, rows in a repeated order of clusters
 * (the order of arrival) the second, and both then read the records in
 * sequence instead of two random accesses (hash slot, record) per row.
 */
static double *
eo_lookup(SvyEO *eo, int64 k1, int64 k2, bool *isnew)
{
	uint32		mask,
				h;
	int			i;

	if (eo->last >= 0)
	{
		const int64 *k = REC_KEYS(REC(eo, eo->last));

		if (k[0] == k1 && k[1] == k2)
		{
			*isnew = false;
			return REC_VALS(REC(eo, eo->last));
		}
		i = eo->last + 1 < eo->n ? eo->last + 1 : 0;
		k = REC_KEYS(REC(eo, i));
		if (k[0] == k1 && k[1] == k2)
		{
			*isnew = false;
			eo->last = i;
			return REC_VALS(REC(eo, i));
		}
	}
	mask = eo->hcap - 1;
	h = key_hash(k1, k2) & mask;
	while ((i = eo->slots[h]) >= 0)
	{
		char	   *r = REC(eo, i);

		if (REC_KEYS(r)[0] == k1 && REC_KEYS(r)[1] == k2)
		{
			*isnew = false;
			eo->last = i;
			return REC_VALS(r);
		}
		h = (h + 1) & mask;
	}
	if (eo->n >= 0x3fffffff / Max(eo->width, 2))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("survey state too large"),
				 errdetail("A state holds at most %d records.", 0x3fffffff / Max(eo->width, 2))));
	if (eo->n == eo->cap)
	{
		eo->cap *= 2;
		eo->recs = repalloc_huge(eo->recs, eo->stride * (Size) eo->cap);
	}
	i = eo->n++;
	{
		char	   *r = REC(eo, i);

		REC_KEYS(r)[0] = k1;
		REC_KEYS(r)[1] = k2;
		memset(REC_VALS(r), 0, sizeof(double) * eo->width);
	}
	eo->slots[h] = i;
	eo->last = i;
	if ((Size) eo->n * 4 > (Size) eo->hcap * 3)
		eo_rehash(eo, eo->hcap * 2);
	*isnew = true;
	return REC_VALS(REC(eo, i));
}

/* a read-only, sorted view of a state */
typedef struct SvyView
{
	int			kind;
	int			width;
	int			n;
	const int64 *keys;			/* 2 per record, sorted */
	const double *vals;
} SvyView;

static const SvyEO *cmp_eo;

static int
cmp_idx(const void *a, const void *b)
{
	const int64 *ka = REC_KEYS(REC(cmp_eo, *(const int *) a));
	const int64 *kb = REC_KEYS(REC(cmp_eo, *(const int *) b));

	if (ka[0] != kb[0])
		return ka[0] < kb[0] ? -1 : 1;
	if (ka[1] != kb[1])
		return ka[1] < kb[1] ? -1 : 1;
	return 0;
}

/* the records of an expanded state in key order, copied into the current context */
static void
eo_sorted(SvyEO *eo, int64 *keys, double *vals)
{
	int		   *idx = palloc(sizeof(int) * Max(eo->n, 1));
	int			i;

	for (i = 0; i < eo->n; i++)
		idx[i] = i;
	cmp_eo = eo;
	qsort(idx, eo->n, sizeof(int), cmp_idx);
	for (i = 0; i < eo->n; i++)
	{
		char	   *r = REC(eo, idx[i]);

		keys[2 * i] = REC_KEYS(r)[0];
		keys[2 * i + 1] = REC_KEYS(r)[1];
		memcpy(vals + (Size) i * eo->width, REC_VALS(r), sizeof(double) * eo->width);
	}
	pfree(idx);
}

static Size
flat_size(int width, int n)
{
	return SVY_HDR + (Size) n * (2 * sizeof(int64) + sizeof(double) * width);
}

static Size
svy_flat_size(ExpandedObjectHeader *eohptr)
{
	SvyEO	   *eo = (SvyEO *) eohptr;

	return flat_size(eo->width, eo->n);
}

static void
write_header(char *buf, int kind, int width, int n, Size size)
{
	memset(buf, 0, SVY_HDR);
	SET_VARSIZE(buf, size);
	buf[4] = SVY_VERSION;
	buf[5] = (char) kind;
	buf[6] = (char) width;
	memcpy(buf + 8, &n, sizeof(int));
}

static void
svy_flatten(ExpandedObjectHeader *eohptr, void *result, Size size)
{
	SvyEO	   *eo = (SvyEO *) eohptr;
	char	   *buf = result;
	Size		rec = 2 * sizeof(int64) + sizeof(double) * eo->width;
	/*
	 * Scratch memory in the state's own context: the caller's context may not
	 * support pfree (PostgreSQL 17's tuplesort flattens into a bump context).
	 */
	MemoryContext old = MemoryContextSwitchTo(eo->hdr.eoh_context);
	int64	   *keys = palloc(sizeof(int64) * 2 * Max(eo->n, 1));
	double	   *vals = palloc(sizeof(double) * Max(eo->width, 1) * Max(eo->n, 1));
	int			i;

	if (size != flat_size(eo->width, eo->n))
		elog(ERROR, "survey state flattened into %zu bytes instead of %zu",
			 size, flat_size(eo->width, eo->n));
	eo_sorted(eo, keys, vals);
	write_header(buf, eo->kind, eo->width, eo->n, size);
	for (i = 0; i < eo->n; i++)
	{
		char	   *p = buf + SVY_HDR + rec * i;

		memcpy(p, keys + 2 * i, 2 * sizeof(int64));
		memcpy(p + 2 * sizeof(int64), vals + (Size) i * eo->width, sizeof(double) * eo->width);
	}
	pfree(keys);
	pfree(vals);
	MemoryContextSwitchTo(old);
}

static void
corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("invalid survey state"),
			 errdetail("%s", detail)));
}

/* check the records of a state (finite values, sorted distinct keys) */
static void
check_records(int kind, int n, const int64 *keys, const double *vals)
{
	int			w = kind_width(kind);
	int			i,
				j;

	for (i = 0; i < n; i++)
	{
		const double *v = vals + (Size) i * w;

		if (i > 0 && (keys[2 * i - 2] > keys[2 * i] ||
					  (keys[2 * i - 2] == keys[2 * i] && keys[2 * i - 1] >= keys[2 * i + 1])))
			corrupt("The records of the state are not in strictly increasing key order.");
		for (j = 0; j < w; j++)
			if (!isfinite(v[j]))
				corrupt("A record of the state holds a value that is not finite.");
		if (kind == K_CLUS && (v[2] < 0 || v[3] < 0 || v[4] < 0))
			corrupt("A cluster record has a negative weight, count or fpc.");
		if (kind == K_TWO && (v[2] < 0 || v[3] < 0 || v[4] < 0 || v[5] < 0 ||
							  v[6] < 0 || v[6] > 4294967295.0 || v[6] != floor(v[6]) ||
							  v[7] < 0 || v[7] > 4294967295.0 || v[7] != floor(v[7])))
			corrupt("A second-stage record has a negative weight, count or fpc, or a bad cluster key.");
		if (kind == K_UNCL && (v[0] < 0 || v[13] < 0 || v[14] < 0 || v[0] < v[13]))
			corrupt("A stratum record has inconsistent counts.");
		if (kind == K_KM)
		{
			double		t;

			memcpy(&t, &keys[2 * i], sizeof(t));
			if (v[0] < 0 || v[1] < 0 || keys[2 * i] < 0 || keys[2 * i + 1] != 0 || !isfinite(t))
				corrupt("A time record has a negative count or a time that is negative or not finite.");
		}
	}
}

/* a view of a state datum (flat or expanded); copies are in the current context */
static void
state_view(Datum d, bool km, SvyView *v)
{
	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		SvyEO	   *eo = (SvyEO *) DatumGetEOHP(d);
		int64	   *keys;
		double	   *vals;

		if (eo->hdr.eoh_methods != &svy_methods)
			elog(ERROR, "unexpected expanded object for a survey state");
		keys = palloc(sizeof(int64) * 2 * Max(eo->n, 1));
		vals = palloc(sizeof(double) * Max(eo->width, 1) * Max(eo->n, 1));
		eo_sorted(eo, keys, vals);
		v->kind = eo->kind;
		v->width = eo->width;
		v->n = eo->n;
		v->keys = keys;
		v->vals = vals;
	}
	else
	{
		struct varlena *f = PG_DETOAST_DATUM(d);
		const char *buf = (const char *) f;
		Size		len = VARSIZE(f);
		int			kind,
					width,
					n,
					i;
		Size		rec;
		int64	   *keys;
		double	   *vals;

		if (len < SVY_HDR || buf[4] != SVY_VERSION)
			corrupt("The state has a wrong length or version.");
		kind = buf[5];
		width = buf[6];
		memcpy(&n, buf + 8, sizeof(int));
		if ((kind != K_EMPTY && kind != K_UNCL && kind != K_CLUS && kind != K_TWO && kind != K_KM) ||
			width != kind_width(kind) || n < 0 || (kind == K_EMPTY && n != 0))
			corrupt("The state has an unknown kind or a wrong record width.");
		rec = 2 * sizeof(int64) + sizeof(double) * width;
		if ((len - SVY_HDR) % rec != 0 || (Size) n != (len - SVY_HDR) / rec)
			corrupt("The length of the state does not match its number of records.");
		keys = palloc(sizeof(int64) * 2 * Max(n, 1));
		vals = palloc(sizeof(double) * Max(width, 1) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			memcpy(keys + 2 * i, buf + SVY_HDR + rec * i, 2 * sizeof(int64));
			memcpy(vals + (Size) i * width, buf + SVY_HDR + rec * i + 2 * sizeof(int64),
				   sizeof(double) * width);
		}
		v->kind = kind;
		v->width = width;
		v->n = n;
		v->keys = keys;
		v->vals = vals;
	}
	if (km != (v->kind == K_KM))
		corrupt(km ? "A survey state was given where a Kaplan-Meier state is expected."
			: "A Kaplan-Meier state was given where a survey state is expected.");
}

static void merge_record(SvyEO *eo, int64 k1, int64 k2, const double *v);

/* an expanded copy of a view in context parent */
static SvyEO *
eo_from_view(MemoryContext parent, const SvyView *v)
{
	SvyEO	   *eo = eo_new(parent, v->kind);
	int			i;

	for (i = 0; i < v->n; i++)
		merge_record(eo, v->keys[2 * i], v->keys[2 * i + 1], v->vals + (Size) i * v->width);
	return eo;
}

/* the read-write state of argument argno, owned by the aggregate context */
static SvyEO *
state_rw(FunctionCallInfo fcinfo, int argno, int kind_if_null, const char *fn)
{
	bool		km = kind_if_null == K_KM;
	MemoryContext aggctx = nous_agg_context(fcinfo, km ? "nous.km_trans" : "nous.svy_trans", fn);
	SvyEO	   *eo = (SvyEO *) nous_eo_mine(fcinfo, argno, &svy_methods, aggctx);
	SvyView		v;

	if (eo != NULL)
		return eo;
	if (PG_ARGISNULL(argno))
		return eo_new(aggctx, kind_if_null);
	state_view(PG_GETARG_DATUM(argno), km, &v);
	return eo_from_view(aggctx, &v);
}

#define RETURN_EO(eo) PG_RETURN_DATUM(EOHPGetRWDatum(&(eo)->hdr))

/* add a record into the table (sum, or moment merge for unclustered strata) */
static void
merge_record(SvyEO *eo, int64 k1, int64 k2, const double *v)
{
	bool		isnew;
	double	   *r = eo_lookup(eo, k1, k2, &isnew);
	int			j;

	if (isnew)
	{
		memcpy(r, v, sizeof(double) * eo->width);
		return;
	}
	switch (eo->kind)
	{
		case K_CLUS:
			if (r[4] != v[4])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the fpc differs within a stratum"),
						 errdetail("Cluster %lld of one stratum has fpc %g in one part and %g in another.",
								   (long long) k2, r[4], v[4])));
			for (j = 0; j < 4; j++)
				r[j] += v[j];
			break;
		case K_TWO:
			if (r[4] != v[4] || r[5] != v[5])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the fpc differs within a stratum or a cluster"),
						 errdetail("A second-stage unit has fpc (%g, %g) in one part and (%g, %g) in another.",
								   r[4], r[5], v[4], v[5])));
			if (r[6] != v[6] || r[7] != v[7])
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("two second-stage units of different clusters have the same key"),
						 errdetail("The 64-bit keys of (psu, ssu) collide."),
						 errhint("Renumber the second-stage units.")));
			for (j = 0; j < 4; j++)
				r[j] += v[j];
			break;
		case K_UNCL:
			{
				nous_svy_mom a,
							b;

				if (r[14] != v[14])
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("the fpc differs within a stratum"),
							 errdetail("A stratum has fpc %g in one part and %g in another.", r[14], v[14])));
				memcpy(&a, r, sizeof(a));
				memcpy(&b, v, sizeof(b));
				nous_svy_mom_merge(&a, &b);
				memcpy(r, &a, sizeof(a));
				r[13] += v[13];
			}
			break;
		case K_KM:
			r[0] += v[0];
			r[1] += v[1];
			break;
	}
}

/* merge src into dst (dst may be empty: it takes src's kind) */
static void
eo_merge_view(SvyEO *dst, const SvyView *src)
{
	int			i;

	if (src->kind == K_EMPTY)
		return;
	if (dst->kind == K_EMPTY)
		eo_set_kind(dst, src->kind);
	else if (dst->kind != src->kind && (dst->kind == K_TWO || src->kind == K_TWO))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge a two-stage and a one-stage survey state"),
				 errdetail("One state has second-stage units (ssu given) and the other has none."),
				 errhint("Describe every part of a design with the same stages.")));
	else if (dst->kind != src->kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge a clustered and an unclustered survey state"),
				 errdetail("One state has clusters (psu given) and the other has none (psu NULL)."),
				 errhint("Give the psu for every row of a design, or for none.")));
	for (i = 0; i < src->n; i++)
		merge_record(dst, src->keys[2 * i], src->keys[2 * i + 1], src->vals + (Size) i * src->width);
}

/* ------------------------------------------------------------------ */
/* text and binary I/O                                                 */
/* ------------------------------------------------------------------ */

static void
append_double(StringInfo s, double x)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	double_to_shortest_decimal_buf(x, buf);
	appendStringInfoString(s, buf);
}

/* text: "<kind>" then one "(k1,k2:v1,...,vw)" per record, e.g. c(1,5:2.5,3,1,1,0) */
static char *
view_text(const SvyView *v)
{
	StringInfoData s;
	int			i,
				j;

	initStringInfo(&s);
	appendStringInfoChar(&s, (char) v->kind);
	for (i = 0; i < v->n; i++)
	{
		appendStringInfo(&s, "(" INT64_FORMAT "," INT64_FORMAT ":", v->keys[2 * i], v->keys[2 * i + 1]);
		for (j = 0; j < v->width; j++)
		{
			if (j > 0)
				appendStringInfoChar(&s, ',');
			append_double(&s, v->vals[(Size) i * v->width + j]);
		}
		appendStringInfoChar(&s, ')');
	}
	return s.data;
}

static Datum
flat_from_records(int kind, int n, const int64 *keys, const double *vals)
{
	int			w = kind_width(kind);
	Size		size = flat_size(w, n);
	Size		rec = 2 * sizeof(int64) + sizeof(double) * w;
	char	   *buf = palloc(size);
	int			i;

	write_header(buf, kind, w, n, size);
	for (i = 0; i < n; i++)
	{
		memcpy(buf + SVY_HDR + rec * i, keys + 2 * i, 2 * sizeof(int64));
		memcpy(buf + SVY_HDR + rec * i + 2 * sizeof(int64), vals + (Size) i * w, sizeof(double) * w);
	}
	return PointerGetDatum(buf);
}

static Datum
parse_text(const char *str, bool km)
{
	const char *p = str;
	int			kind = *p,
				w,
				n = 0,
				cap = 16;
	int64	   *keys;
	double	   *vals;

	if ((km && kind != K_KM) || (!km && kind != K_EMPTY && kind != K_UNCL && kind != K_CLUS && kind != K_TWO))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for a %s state: \"%s\"", km ? "Kaplan-Meier" : "survey", str)));
	w = kind_width(kind);
	keys = palloc(sizeof(int64) * 2 * cap);
	vals = palloc(sizeof(double) * Max(w, 1) * cap);
	p++;
	while (*p == '(')
	{
		char	   *end;
		int			j;

		if (kind == K_EMPTY)
			break;
		if (n == cap)
		{
			cap *= 2;
			keys = repalloc_huge(keys, sizeof(int64) * 2 * (Size) cap);
			vals = repalloc_huge(vals, sizeof(double) * w * (Size) cap);
		}
		p++;
		errno = 0;
		keys[2 * n] = strtoll(p, &end, 10);
		if (end == p || *end != ',' || errno)
			goto bad;
		p = end + 1;
		keys[2 * n + 1] = strtoll(p, &end, 10);
		if (end == p || *end != ':' || errno)
			goto bad;
		p = end + 1;
		for (j = 0; j < w; j++)
		{
			vals[(Size) n * w + j] = strtod(p, &end);
			if (end == p || *end != (j == w - 1 ? ')' : ','))
				goto bad;
			p = end + 1;
		}
		n++;
	}
	if (*p != '\0')
		goto bad;
	check_records(kind, n, keys, vals);
	return flat_from_records(kind, n, keys, vals);
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for a %s state: \"%s\"", km ? "Kaplan-Meier" : "survey", str)));
	return (Datum) 0;
}

static Datum
recv_state(StringInfo buf, bool km)
{
	int			version = pq_getmsgbyte(buf);
	int			kind = pq_getmsgbyte(buf);
	int			n = pq_getmsgint(buf, 4);
	int			w,
				i,
				j;
	int64	   *keys;
	double	   *vals;

	if (version != SVY_VERSION)
		corrupt("The state has an unknown version.");
	if ((km && kind != K_KM) || (!km && kind != K_EMPTY && kind != K_UNCL && kind != K_CLUS && kind != K_TWO) ||
		n < 0 || (kind == K_EMPTY && n != 0))
		corrupt("The state has an unknown kind or a wrong record count.");
	w = kind_width(kind);
	if ((Size) n > (Size) (buf->len - buf->cursor) / (2 * sizeof(int64) + sizeof(double) * w))
		corrupt("The state is shorter than its record count says.");
	keys = palloc(sizeof(int64) * 2 * Max(n, 1));
	vals = palloc(sizeof(double) * Max(w, 1) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		keys[2 * i] = pq_getmsgint64(buf);
		keys[2 * i + 1] = pq_getmsgint64(buf);
		for (j = 0; j < w; j++)
			vals[(Size) i * w + j] = pq_getmsgfloat8(buf);
	}
	check_records(kind, n, keys, vals);
	return flat_from_records(kind, n, keys, vals);
}

static bytea *
send_state(Datum d, bool km)
{
	SvyView		v;
	StringInfoData buf;
	int			i,
				j;

	state_view(d, km, &v);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, SVY_VERSION);
	pq_sendbyte(&buf, v.kind);
	pq_sendint32(&buf, v.n);
	for (i = 0; i < v.n; i++)
	{
		pq_sendint64(&buf, v.keys[2 * i]);
		pq_sendint64(&buf, v.keys[2 * i + 1]);
		for (j = 0; j < v.width; j++)
			pq_sendfloat8(&buf, v.vals[(Size) i * v.width + j]);
	}
	return pq_endtypsend(&buf);
}

PG_FUNCTION_INFO_V1(nous_svystate_in);
Datum
nous_svystate_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(parse_text(PG_GETARG_CSTRING(0), false));
}

PG_FUNCTION_INFO_V1(nous_svystate_out);
Datum
nous_svystate_out(PG_FUNCTION_ARGS)
{
	SvyView		v;

	state_view(PG_GETARG_DATUM(0), false, &v);
	PG_RETURN_CSTRING(view_text(&v));
}

PG_FUNCTION_INFO_V1(nous_svystate_recv);
Datum
nous_svystate_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(recv_state((StringInfo) PG_GETARG_POINTER(0), false));
}

PG_FUNCTION_INFO_V1(nous_svystate_send);
Datum
nous_svystate_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(send_state(PG_GETARG_DATUM(0), false));
}

PG_FUNCTION_INFO_V1(nous_kmstate_in);
Datum
nous_kmstate_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(parse_text(PG_GETARG_CSTRING(0), true));
}

PG_FUNCTION_INFO_V1(nous_kmstate_out);
Datum
nous_kmstate_out(PG_FUNCTION_ARGS)
{
	SvyView		v;

	state_view(PG_GETARG_DATUM(0), true, &v);
	PG_RETURN_CSTRING(view_text(&v));
}

PG_FUNCTION_INFO_V1(nous_kmstate_recv);
Datum
nous_kmstate_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(recv_state((StringInfo) PG_GETARG_POINTER(0), true));
}

PG_FUNCTION_INFO_V1(nous_kmstate_send);
Datum
nous_kmstate_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(send_state(PG_GETARG_DATUM(0), true));
}

/* ------------------------------------------------------------------ */
/* the survey aggregate                                                */
/* ------------------------------------------------------------------ */

typedef struct SvyArgs
{
	Oid			stratum_type;
	Oid			psu_type;
	Oid			ssu_type;
} SvyArgs;

/* the record key of a second-stage unit: a 64-bit mix of (psu, ssu) */
static inline int64
two_key(int64 psu, int64 ssu)
{
	uint64		h = (uint64) ssu + UINT64CONST(0x9E3779B97F4A7C15);

	h = (h ^ (h >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	h = (h ^ (h >> 27)) * UINT64CONST(0x94D049BB133111EB);
	h ^= h >> 31;
	h ^= (uint64) psu;
	h = (h ^ (h >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	h = (h ^ (h >> 27)) * UINT64CONST(0x94D049BB133111EB);
	h ^= h >> 31;
	return (int64) h;
}

static inline int64
psu_of_halves(double hi, double lo)
{
	return (int64) (((uint64) hi << 32) | (uint64) lo);
}

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

static void
bad_value(const char *what, double v, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid %s %g in a survey aggregate", what, v),
			 errdetail("%s", detail)));
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
	SvyEO	   *eo = state_rw(fcinfo, 0, K_EMPTY, "nous.svy_agg");
	SvyArgs    *args = fcinfo->flinfo->fn_extra;
	double		y,
				x = 1,
				w,
				fpc = 0,
				fpc2 = 0;
	bool		in_domain;
	int64		stratum,
				psu;
	bool		clustered = !PG_ARGISNULL(iw + 2);
	int			kind;

	if (args == NULL)
	{
		Oid		   *argtypes;
		int			nargs;

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
	}
	if (PG_ARGISNULL(iw))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a survey weight is NULL"),
				 errdetail("Every row of a design needs its sampling weight."),
				 errhint("Filter the rows without a weight out, or give them a weight.")));
	w = PG_GETARG_FLOAT8(iw);
	if (!isfinite(w) || w <= 0)
		bad_value("weight", w, "Sampling weights must be finite and positive.");
	if (!PG_ARGISNULL(iw + 3))
	{
		fpc = PG_GETARG_FLOAT8(iw + 3);
		if (!isfinite(fpc) || fpc <= 0)
			bad_value("fpc", fpc, "The fpc is a population size (> 1) or a sampling fraction in (0, 1]; NULL means none.");
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
			fpc2 = PG_GETARG_FLOAT8(iw + 5);
			if (!isfinite(fpc2) || fpc2 <= 0)
				bad_value("fpc2", fpc2, "The second-stage fpc is the number of SSUs of the PSU (> 1) or a sampling fraction in (0, 1]; NULL means with replacement.");
		}
	}
	in_domain = !PG_ARGISNULL(1) && !(has_x && PG_ARGISNULL(2));
	y = PG_ARGISNULL(1) ? 0 : PG_GETARG_FLOAT8(1);
	if (has_x && !PG_ARGISNULL(2))
		x = PG_GETARG_FLOAT8(2);
	if (!isfinite(y) || !isfinite(x))
		bad_value("value", isfinite(y) ? x : y, "Survey variables must be finite (NULL marks a row outside the domain).");
	stratum = PG_ARGISNULL(iw + 1) ? NULL_KEY : key_of(PG_GETARG_DATUM(iw + 1), args->stratum_type);
	psu = clustered ? key_of(PG_GETARG_DATUM(iw + 2), args->psu_type) : 0;

	kind = two ? K_TWO : clustered ? K_CLUS : K_UNCL;
	if (eo->kind == K_EMPTY)
		eo_set_kind(eo, kind);
	else if (eo->kind != kind && (eo->kind == K_TWO || two))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot add a row of a two-stage design to a one-stage state")));
	else if (eo->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the psu is NULL for some rows of a design and not for others"),
				 errdetail("A design either has clusters (a psu for every row) or has none (psu NULL: every row is its own unit)."),
				 errhint("Use the row's key as its psu in a design mixing both.")));

	if (eo->kind == K_CLUS)
	{
		bool		isnew;
		double	   *r = eo_lookup(eo, stratum, psu, &isnew);

		if (isnew)
			r[4] = fpc;
		else if (r[4] != fpc)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the fpc differs within a stratum"),
					 errdetail("Rows of one cluster have fpc %g and %g.", r[4], fpc)));
		if (in_domain)
		{
			r[0] += w * y;
			r[1] += w * x;
			r[2] += w;
			r[3] += 1;
		}
	}
	else if (eo->kind == K_TWO)
	{
		bool		isnew;
		int64		ssu = key_of(PG_GETARG_DATUM(iw + 4), args->ssu_type);
		double	   *r = eo_lookup(eo, stratum, two_key(psu, ssu), &isnew);
		double		hi = (double) (uint32) ((uint64) psu >> 32),
					lo = (double) (uint32) ((uint64) psu);

		if (isnew)
		{
			r[4] = fpc;
			r[5] = fpc2;
			r[6] = hi;
			r[7] = lo;
		}
		else
		{
			if (r[4] != fpc || r[5] != fpc2)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the fpc differs within a stratum or a cluster"),
						 errdetail("Rows of one second-stage unit have fpc (%g, %g) and (%g, %g).",
								   r[4], r[5], fpc, fpc2)));
			if (r[6] != hi || r[7] != lo)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_EXCEPTION),
						 errmsg("two second-stage units of different clusters have the same key"),
						 errdetail("The 64-bit keys of (psu, ssu) collide."),
						 errhint("Renumber the second-stage units.")));
		}
		if (in_domain)
		{
			r[0] += w * y;
			r[1] += w * x;
			r[2] += w;
			r[3] += 1;
		}
	}
	else
	{
		bool		isnew;
		double	   *r = eo_lookup(eo, stratum, 0, &isnew);
		double		v[3] = {0, 0, 0};
		nous_svy_mom m;

		if (isnew)
			r[14] = fpc;
		else if (r[14] != fpc)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the fpc differs within a stratum"),
					 errdetail("Rows of one stratum have fpc %g and %g.", r[14], fpc)));
		if (in_domain)
		{
			v[0] = w * y;
			v[1] = w * x;
			v[2] = w;
			r[13] += 1;
		}
		memcpy(&m, r, sizeof(m));
		nous_svy_mom_add(&m, v);
		memcpy(r, &m, sizeof(m));
	}
	RETURN_EO(eo);
}

/* combine: also callable as nous.svy_merge(a, b) outside an aggregate */
static Datum
merge_states(FunctionCallInfo fcinfo, bool km)
{
	MemoryContext aggctx;
	SvyEO	   *eo;
	SvyView		v;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (AggCheckCallContext(fcinfo, &aggctx))
		eo = state_rw(fcinfo, 0, km ? K_KM : K_EMPTY, km ? "nous.km_agg" : "nous.svy_agg");
	else
	{
		eo = eo_new(CurrentMemoryContext, km ? K_KM : K_EMPTY);
		if (!PG_ARGISNULL(0))
		{
			state_view(PG_GETARG_DATUM(0), km, &v);
			eo_merge_view(eo, &v);
		}
	}
	state_view(PG_GETARG_DATUM(1), km, &v);
	eo_merge_view(eo, &v);
	RETURN_EO(eo);
}

PG_FUNCTION_INFO_V1(nous_svy_combine);
Datum
nous_svy_combine(PG_FUNCTION_ARGS)
{
	return merge_states(fcinfo, false);
}

PG_FUNCTION_INFO_V1(nous_km_combine);
Datum
nous_km_combine(PG_FUNCTION_ARGS)
{
	return merge_states(fcinfo, true);
}

/* ------------------------------------------------------------------ */
/* estimators                                                          */
/* ------------------------------------------------------------------ */

typedef struct SvyDesign
{
	int			nstrata;
	nous_svy_stratum *strata;
	double		rows;			/* rows in the domain */
	double		units;			/* PSUs (or rows) of the design */
	double		sum[3];			/* A, B, C */
	int			df;
	bool		two;			/* two stages */
	double		m2[6];			/* the second-stage matrix (nous_svy_stage2_add) */
	int			lonely2;		/* PSUs with a single SSU that is not all of it */
	int			lonely2_stratum;	/* the stratum (in key order) of the first */
} SvyDesign;

/* one PSU of a two-stage state while its stratum is read */
typedef struct TwoPsu
{
	int64		psu;
	double		v[3];
	double		rows;
	double		fpc2;
	nous_svy_mom ssu;
} TwoPsu;

static int
cmp_two_rec(const void *a, const void *b)
{
	const double *ra = *(const double *const *) a;
	const double *rb = *(const double *const *) b;
	int64		pa = psu_of_halves(ra[6], ra[7]),
				pb = psu_of_halves(rb[6], rb[7]);

	if (pa != pb)
		return pa < pb ? -1 : 1;
	/* records of one PSU: any fixed order (they come sorted by key) */
	return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/*
 * The strata of a two-stage state: records [s, e) of view v are the SSUs of
 * one stratum.  Their PSUs' totals feed the stratum's moments (the first
 * stage); each PSU's SSU moments feed g->m2 (the second stage).
 */
static void
two_stage_stratum(SvyDesign *g, const SvyView *v, int s, int e)
{
	int			m = e - s,
				i,
				npsu = 0;
	const double **rec = palloc(sizeof(double *) * m);
	TwoPsu	   *p = palloc0(sizeof(TwoPsu) * m);
	nous_svy_stratum *st = &g->strata[g->nstrata++];
	double		frac;

	for (i = 0; i < m; i++)
		rec[i] = v->vals + (Size) (s + i) * W_TWO;
	qsort(rec, m, sizeof(double *), cmp_two_rec);
	st->key = v->keys[2 * s];
	st->fpc = rec[0][4];
	for (i = 0; i < m; i++)
	{
		const double *r = rec[i];
		int64		psu = psu_of_halves(r[6], r[7]);
		TwoPsu	   *u;

		if (r[4] != st->fpc)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the fpc differs within a stratum"),
					 errdetail("Clusters of one stratum have fpc %g and %g.", st->fpc, r[4])));
		if (npsu == 0 || p[npsu - 1].psu != psu)
		{
			u = &p[npsu++];
			u->psu = psu;
			u->fpc2 = r[5];
		}
		else
		{
			u = &p[npsu - 1];
			if (u->fpc2 != r[5])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the second-stage fpc differs within a cluster"),
						 errdetail("Second-stage units of one cluster have fpc2 %g and %g.", u->fpc2, r[5])));
		}
		u->v[0] += r[0];
		u->v[1] += r[1];
		u->v[2] += r[2];
		u->rows += r[3];
		nous_svy_mom_add(&u->ssu, r);
	}
	for (i = 0; i < npsu; i++)
	{
		nous_svy_mom_add(&st->mom, p[i].v);
		g->rows += p[i].rows;
	}
	frac = nous_svy_sampled_fraction(st->mom.n, st->fpc);
	for (i = 0; i < npsu; i++)
	{
		nous_status rc = nous_svy_stage2_add(g->m2, &p[i].ssu, p[i].fpc2, frac);

		if (rc == NOUS_ERR_DOMAIN && g->lonely2++ == 0)
			g->lonely2_stratum = g->nstrata - 1;
		else if (rc == NOUS_ERR_PARAM)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the second-stage fpc of a cluster is smaller than its sample"),
					 errdetail("A cluster of stratum number %d (in key order) has %g sampled second-stage units but a population of %g.",
							   g->nstrata, p[i].ssu.n, p[i].fpc2)));
	}
	pfree(rec);
	pfree(p);
}

static void
design_of(Datum d, SvyDesign *g)
{
	SvyView		v;
	int			i,
				j;

	state_view(d, false, &v);
	memset(g, 0, sizeof(*g));
	g->strata = palloc0(sizeof(nous_svy_stratum) * Max(v.n, 1));
	if (v.kind == K_UNCL)
	{
		for (i = 0; i < v.n; i++)
		{
			const double *r = v.vals + (Size) i * W_UNCL;
			nous_svy_stratum *s = &g->strata[g->nstrata++];

			s->key = v.keys[2 * i];
			memcpy(&s->mom, r, sizeof(nous_svy_mom));
			s->fpc = r[14];
			g->rows += r[13];
		}
	}
	else if (v.kind == K_CLUS)
	{
		for (i = 0; i < v.n; i++)
		{
			const double *r = v.vals + (Size) i * W_CLUS;
			nous_svy_stratum *s;

			if (i == 0 || v.keys[2 * i] != v.keys[2 * i - 2])
			{
				s = &g->strata[g->nstrata++];
				s->key = v.keys[2 * i];
				s->fpc = r[4];
			}
			else
			{
				s = &g->strata[g->nstrata - 1];
				if (s->fpc != r[4])
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("the fpc differs within a stratum"),
							 errdetail("Clusters of one stratum have fpc %g and %g.", s->fpc, r[4])));
			}
			nous_svy_mom_add(&s->mom, r);
			g->rows += r[3];
			if ((i & 0xffff) == 0xffff)
				CHECK_FOR_INTERRUPTS();
		}
	}
	else if (v.kind == K_TWO)
	{
		int			s = 0;

		g->two = true;
		for (i = 1; i <= v.n; i++)
			if (i == v.n || v.keys[2 * i] != v.keys[2 * s])
			{
				two_stage_stratum(g, &v, s, i);
				s = i;
				CHECK_FOR_INTERRUPTS();
			}
	}
	for (i = 0; i < g->nstrata; i++)
	{
		g->units += g->strata[i].mom.n;
		for (j = 0; j < 3; j++)
			g->sum[j] += g->strata[i].mom.sum[j];
	}
	g->df = (int) (g->units - g->nstrata);
}

static int
lonely_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *s;
	int			r;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NOUS_LONELY_FAIL;
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	r = nous_svy_lonely_parse(s);
	if (r < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown lonely_psu rule \"%s\"", s),
				 errdetail("The rules are fail, certainty, remove, adjust and average.")));
	return r;
}

static double
design_cov(const SvyDesign *g, const double q[3], const double r[3], int lonely)
{
	double		cov;
	int			bad;
	nous_status st = nous_svy_cov(g->strata, g->nstrata, q, r, lonely, &cov, &bad);

	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a stratum has a single sampling unit"),
				 errdetail("Stratum number %d (in key order) has one PSU, so its variance cannot be estimated.", bad + 1),
				 errhint("Pass lonely_psu => 'certainty', 'remove', 'adjust' or 'average' (the options of R survey), or merge the stratum with a neighbour.")));
	if (st == NOUS_ERR_PARAM)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the fpc of a stratum is smaller than its sample"),
				 errdetail("Stratum number %d (in key order) has %g sampled units but a population of %g.",
						   bad + 1, g->strata[bad].mom.n, g->strata[bad].fpc)));
	if (g->two)
	{
		/* a lonely SSU contributes nothing under every rule but fail */
		if (g->lonely2 > 0 && lonely == NOUS_LONELY_FAIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a cluster has a single second-stage unit"),
					 errdetail("%d cluster(s) have one sampled SSU out of more, the first in stratum number %d (in key order): their second-stage variance cannot be estimated.",
							   g->lonely2, g->lonely2_stratum + 1),
					 errhint("Pass lonely_psu => 'certainty', 'remove', 'adjust' or 'average' (they count such a cluster's second stage as 0), or give fpc2 = 1 when the unit is the whole cluster.")));
		cov += nous_svy_qform(g->m2, q, r);
	}
	return cov;
}

/* which estimator: its value and its linearisation vector q */
typedef enum
{
	EST_TOTAL,
	EST_MEAN,
	EST_RATIO,
	EST_MEAN_X
} EstKind;

static bool
estimator(const SvyDesign *g, EstKind k, double *est, double q[3])
{
	double		A = g->sum[0],
				B = g->sum[1],
				C = g->sum[2];

	q[0] = q[1] = q[2] = 0;
	switch (k)
	{
		case EST_TOTAL:
			*est = A;
			q[0] = 1;
			return true;
		case EST_MEAN:
			if (C <= 0)
				return false;
			*est = A / C;
			q[0] = 1 / C;
			q[2] = -*est / C;
			return true;
		case EST_MEAN_X:
			if (C <= 0)
				return false;
			*est = B / C;
			q[1] = 1 / C;
			q[2] = -*est / C;
			return true;
		case EST_RATIO:
			if (B == 0)
				return false;
			*est = A / B;
			q[0] = 1 / B;
			q[1] = -*est / B;
			return true;
	}
	return false;
}

static Datum
estimate_row(FunctionCallInfo fcinfo, double est, double se, int df, double n)
{
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	td = BlessTupleDesc(td);
	values[0] = Float8GetDatum(est);
	values[1] = Float8GetDatum(se);
	if (est != 0 && isfinite(se))
		values[2] = Float8GetDatum(se / fabs(est));
	else
		nulls[2] = true;
	values[3] = Int32GetDatum(df);
	values[4] = Int64GetDatum((int64) n);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

static Datum
estimate(FunctionCallInfo fcinfo, EstKind k)
{
	SvyDesign	g;
	double		est,
				q[3],
				var;

	design_of(PG_GETARG_DATUM(0), &g);
	if (g.nstrata == 0 || !estimator(&g, k, &est, q))
		PG_RETURN_NULL();
	var = design_cov(&g, q, q, lonely_arg(fcinfo, 1));
	return estimate_row(fcinfo, est, sqrt(fmax(var, 0)), g.df, g.rows);
}

PG_FUNCTION_INFO_V1(nous_svy_total);
Datum
nous_svy_total(PG_FUNCTION_ARGS)
{
	return estimate(fcinfo, EST_TOTAL);
}

PG_FUNCTION_INFO_V1(nous_svy_mean);
Datum
nous_svy_mean(PG_FUNCTION_ARGS)
{
	return estimate(fcinfo, EST_MEAN);
}

PG_FUNCTION_INFO_V1(nous_svy_ratio);
Datum
nous_svy_ratio(PG_FUNCTION_ARGS)
{
	return estimate(fcinfo, EST_RATIO);
}

/* covariance of the means of y and x */
PG_FUNCTION_INFO_V1(nous_svy_mean_cov);
Datum
nous_svy_mean_cov(PG_FUNCTION_ARGS)
{
	SvyDesign	g;
	double		e1,
				e2,
				q[3],
				r[3];

	design_of(PG_GETARG_DATUM(0), &g);
	if (g.nstrata == 0 || !estimator(&g, EST_MEAN, &e1, q) || !estimator(&g, EST_MEAN_X, &e2, r))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(design_cov(&g, q, r, lonely_arg(fcinfo, 1)));
}

/*
 * After calibration: the estimate from s (calibrated weights), the variance
 * from r, the state of the calibration residuals y - x'beta with the same
 * weights and design (Deville & Sarndal 1992; R survey's svyrecvar).
 */
static Datum
calibrated(FunctionCallInfo fcinfo, EstKind k)
{
	SvyDesign	g,
				gr;
	double		est,
				q[3],
				qr[3] = {1, 0, 0},
				var;

	design_of(PG_GETARG_DATUM(0), &g);
	design_of(PG_GETARG_DATUM(1), &gr);
	if (g.nstrata == 0 || !estimator(&g, k, &est, q))
		PG_RETURN_NULL();
	if (k == EST_MEAN)
		qr[0] = 1 / g.sum[2];
	var = design_cov(&gr, qr, qr, lonely_arg(fcinfo, 2));
	return estimate_row(fcinfo, est, sqrt(fmax(var, 0)), g.df, g.rows);
}

PG_FUNCTION_INFO_V1(nous_svy_calibrated_total);
Datum
nous_svy_calibrated_total(PG_FUNCTION_ARGS)
{
	return calibrated(fcinfo, EST_TOTAL);
}

PG_FUNCTION_INFO_V1(nous_svy_calibrated_mean);
Datum
nous_svy_calibrated_mean(PG_FUNCTION_ARGS)
{
	return calibrated(fcinfo, EST_MEAN);
}

/* nous.svy_info(s): rows, units, strata, df, sum of weights */
PG_FUNCTION_INFO_V1(nous_svy_info);
Datum
nous_svy_info(PG_FUNCTION_ARGS)
{
	SvyDesign	g;
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	design_of(PG_GETARG_DATUM(0), &g);
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	td = BlessTupleDesc(td);
	values[0] = Int64GetDatum((int64) g.rows);
	values[1] = Int64GetDatum((int64) g.units);
	values[2] = Int32GetDatum(g.nstrata);
	values[3] = Int32GetDatum(g.df);
	values[4] = Float8GetDatum(g.sum[2]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* nous.svy_ciprop(s, method, level, lonely_psu) */
PG_FUNCTION_INFO_V1(nous_svy_ciprop);
Datum
nous_svy_ciprop(PG_FUNCTION_ARGS)
{
	SvyDesign	g;
	double		p,
				q[3],
				se,
				level = PG_GETARG_FLOAT8(2),
				lo,
				hi;
	char	   *m = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int			method = nous_svy_ci_parse(m);
	nous_status st;
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	if (method < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown interval method \"%s\"", m),
				 errdetail("The methods are mean (Wald), logit, xlogit, asin, wilson and beta (the methods of R survey's svyciprop).")));
	if (!(level > 0 && level < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level %g is not between 0 and 1", level)));
	design_of(PG_GETARG_DATUM(0), &g);
	if (g.nstrata == 0 || !estimator(&g, EST_MEAN, &p, q))
		PG_RETURN_NULL();
	if (p < -1e-12 || p > 1 + 1e-12)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the estimate %g is not a proportion", p),
				 errdetail("A proportion interval needs y in [0, 1] (an indicator).")));
	p = fmin(1, fmax(0, p));
	se = sqrt(fmax(design_cov(&g, q, q, lonely_arg(fcinfo, 3)), 0));
	if (g.df < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the design has no degree of freedom"),
				 errdetail("It has as many sampling units as strata.")));
	st = nous_svy_ci_compute(method, p, se, g.df, g.rows, level, &lo, &hi);
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	td = BlessTupleDesc(td);
	values[0] = Float8GetDatum(p);
	values[1] = Float8GetDatum(lo);
	values[2] = Float8GetDatum(hi);
	values[3] = Float8GetDatum(se);
	values[4] = Int32GetDatum(g.df);
	if (st != NOUS_OK)
	{
		/* p = 0 or 1 (or se = 0): no interval on the logit/asin/Wilson/beta scale */
		nulls[1] = nulls[2] = true;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* ------------------------------------------------------------------ */
/* calibration                                                         */
/* ------------------------------------------------------------------ */

/* a float8[] without NULL, NaN or Infinity, as doubles; dims in *ndim/dims */
static double *
doubles_of(ArrayType *a, const char *what, int *ndim, int *dims, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	double	   *x;
	int			i;

	if (ARR_ELEMTYPE(a) != FLOAT8OID)
		elog(ERROR, "%s must be float8[]", what);
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, n);
	*ndim = ARR_NDIM(a);
	for (i = 0; i < *ndim && i < 2; i++)
		dims[i] = ARR_DIMS(a)[i];
	x = palloc(sizeof(double) * Max(*n, 1));
	for (i = 0; i < *n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s contains a NULL", what),
					 errdetail("Element %d of %s is NULL.", i + 1, what)));
		x[i] = DatumGetFloat8(elems[i]);
		if (!isfinite(x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s contains a value that is not finite", what),
					 errdetail("Element %d of %s is %g.", i + 1, what, x[i])));
	}
	return x;
}

/* the design weights d (positive) and the matrix X (n x p) */
static void
cal_inputs(FunctionCallInfo fcinfo, double **d, int *n, double **X, int *p)
{
	int			nd,
				dims[2],
				nx,
				i;

	*d = doubles_of(PG_GETARG_ARRAYTYPE_P(0), "weights", &nd, dims, n);
	if (*n == 0 || nd != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must be a non-empty one-dimensional array")));
	for (i = 0; i < *n; i++)
		if ((*d)[i] <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid weight %g", (*d)[i]),
					 errdetail("Design weights must be positive; element %d is not.", i + 1)));
	*X = doubles_of(PG_GETARG_ARRAYTYPE_P(1), "x", &nd, dims, &nx);
	if (nd != 2 || dims[0] != *n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a two-dimensional array with one row per weight"),
				 errdetail("x has %d dimension(s)%s; there are %d weights.", nd,
						   nd == 2 ? psprintf(" and %d rows", dims[0]) : "", *n)));
	*p = dims[1];
}

PG_FUNCTION_INFO_V1(nous_svy_calibrate);
Datum
nous_svy_calibrate(PG_FUNCTION_ARGS)
{
	double	   *d,
			   *X,
			   *T,
			   *w,
				lo = 0,
				up = 0,
				tol,
				maxerr;
	int			n,
				p,
				nt,
				nd,
				dims[2],
				maxit,
				iters,
				fun;
	char	   *method;
	nous_status st;
	TupleDesc	td;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	NousVec		v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
		PG_ARGISNULL(6) || PG_ARGISNULL(7))
		PG_RETURN_NULL();
	cal_inputs(fcinfo, &d, &n, &X, &p);
	T = doubles_of(PG_GETARG_ARRAYTYPE_P(2), "totals", &nd, dims, &nt);
	if (nt != p)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("totals has %d elements but x has %d columns", nt, p),
				 errdetail("Give one population total per column of x.")));
	method = text_to_cstring(PG_GETARG_TEXT_PP(3));
	fun = nous_svy_calfun_parse(method);
	if (fun < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown calibration method \"%s\"", method),
				 errdetail("The methods are linear, raking and logit.")));
	if (fun == NOUS_CAL_LOGIT)
	{
		if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("logit calibration needs bounds"),
					 errhint("Pass lower => L and upper => U with 0 <= L < 1 < U.")));
		lo = PG_GETARG_FLOAT8(4);
		up = PG_GETARG_FLOAT8(5);
		if (!(lo >= 0 && lo < 1 && up > 1 && isfinite(up)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid logit bounds [%g, %g]", lo, up),
					 errdetail("The bounds of the weight ratio w/d must satisfy 0 <= L < 1 < U.")));
	}
	else if (!PG_ARGISNULL(4) || !PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("bounds are only used by the logit method"),
				 errdetail("Method %s takes no lower or upper bound.", method)));
	maxit = PG_GETARG_INT32(6);
	tol = PG_GETARG_FLOAT8(7);
	if (maxit < 1 || maxit > 10000 || !(tol > 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid max_iter %d or tolerance %g", maxit, tol),
				 errdetail("max_iter must be in [1, 10000] and tolerance positive.")));
	w = palloc(sizeof(double) * n);
	st = nous_svy_cal_solve(n, p, d, X, T, fun, lo, up, maxit, tol, w, &iters, &maxerr);
	if (st == NOUS_ERR_DOMAIN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("calibration did not converge: the margins cannot be met"),
				 errdetail("After %d Newton steps of the %s method the largest relative gap to a margin is %g.",
						   iters, method, maxerr),
				 errhint("Check that the margins agree (the same population total in each variable)%s.",
						 fun == NOUS_CAL_LOGIT ? ", or widen the bounds" : "")));
	if (st != NOUS_OK)
		nous_report_status(st, "nous.svy_calibrate");
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	td = BlessTupleDesc(td);
	v.n = n;
	v.npresent = n;
	v.x = w;
	v.present = NULL;
	{
		Datum	   *el = palloc(sizeof(Datum) * n);
		int			i;

		for (i = 0; i < n; i++)
			el[i] = Float8GetDatum(w[i]);
		values[0] = PointerGetDatum(construct_array(el, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	}
	values[1] = Int32GetDatum(iters);
	values[2] = Float8GetDatum(maxerr);
	(void) v;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

PG_FUNCTION_INFO_V1(nous_svy_greg_residuals);
Datum
nous_svy_greg_residuals(PG_FUNCTION_ARGS)
{
	double	   *d,
			   *X,
			   *y,
			   *e;
	int			n,
				p,
				ny,
				nd,
				dims[2],
				i;
	Datum	   *el;

	cal_inputs(fcinfo, &d, &n, &X, &p);
	y = doubles_of(PG_GETARG_ARRAYTYPE_P(2), "y", &nd, dims, &ny);
	if (ny != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("y has %d elements but there are %d weights", ny, n)));
	e = palloc(sizeof(double) * n);
	nous_svy_greg_resid(n, p, d, X, y, e);
	el = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		el[i] = Float8GetDatum(e[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(el, n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ------------------------------------------------------------------ */
/* Kaplan-Meier                                                        */
/* ------------------------------------------------------------------ */

/* nous_km_trans(state, delay, closed) */
PG_FUNCTION_INFO_V1(nous_km_trans);
Datum
nous_km_trans(PG_FUNCTION_ARGS)
{
	SvyEO	   *eo = state_rw(fcinfo, 0, K_KM, "nous.km_agg");
	double		t;
	bool		isnew;
	double	   *r;
	int64		bits;

	if (PG_ARGISNULL(1))
		RETURN_EO(eo);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the closed flag of a delay is NULL"),
				 errdetail("Each delay is either closed (true: an event) or still open (false: censored).")));
	t = PG_GETARG_FLOAT8(1);
	if (!isfinite(t) || t < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid delay %g", t),
				 errdetail("A delay must be finite and not negative: a case cannot close before it opens.")));
	if (t == 0)
		t = 0;					/* -0 */
	memcpy(&bits, &t, sizeof(bits));
	r = eo_lookup(eo, bits, 0, &isnew);
	r[PG_GETARG_BOOL(2) ? 0 : 1] += 1;
	RETURN_EO(eo);
}

/* the curve of a state, in the current context */
static nous_km_point *
km_curve_of(Datum d, double level, int *m)
{
	SvyView		v;
	double	   *time,
			   *ev,
			   *ce;
	nous_km_point *c;
	int			i;

	if (!(level > 0 && level < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level %g is not between 0 and 1", level)));
	state_view(d, true, &v);
	time = palloc(sizeof(double) * Max(v.n, 1));
	ev = palloc(sizeof(double) * Max(v.n, 1));
	ce = palloc(sizeof(double) * Max(v.n, 1));
	for (i = 0; i < v.n; i++)
	{
		memcpy(&time[i], &v.keys[2 * i], sizeof(double));
		ev[i] = v.vals[2 * i];
		ce[i] = v.vals[2 * i + 1];
	}
	c = palloc(sizeof(nous_km_point) * Max(v.n, 1));
	nous_km_build(v.n, time, ev, ce, level, c);
	*m = v.n;
	return c;
}

static Datum
nan_null(double x, bool *isnull)
{
	*isnull = isnan(x);
	return Float8GetDatum(isnan(x) ? 0 : x);
}

PG_FUNCTION_INFO_V1(nous_km_curve);
Datum
nous_km_curve(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			m,
				i;
	nous_km_point *c = km_curve_of(PG_GETARG_DATUM(0), PG_GETARG_FLOAT8(1), &m);

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < m; i++)
	{
		Datum		values[8];
		bool		nulls[8] = {false};

		values[0] = Float8GetDatum(c[i].time);
		values[1] = Int64GetDatum((int64) c[i].n_risk);
		values[2] = Int64GetDatum((int64) c[i].n_event);
		values[3] = Int64GetDatum((int64) c[i].n_censor);
		values[4] = Float8GetDatum(c[i].surv);
		values[5] = nan_null(c[i].surv * c[i].se_cumhaz, &nulls[5]);
		values[6] = nan_null(c[i].lower, &nulls[6]);
		values[7] = nan_null(c[i].upper, &nulls[7]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* nous.km_quantile(s, p, level): the time by which a share p is closed */
PG_FUNCTION_INFO_V1(nous_km_quantile);
Datum
nous_km_quantile(PG_FUNCTION_ARGS)
{
	double		p = PG_GETARG_FLOAT8(1);
	int			m;
	nous_km_point *c;
	TupleDesc	td;
	Datum		values[5];
	bool		nulls[5] = {false};
	double		ev = 0;
	int			i;

	if (!(p > 0 && p < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("quantile %g is not between 0 and 1", p)));
	c = km_curve_of(PG_GETARG_DATUM(0), PG_GETARG_FLOAT8(2), &m);
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	td = BlessTupleDesc(td);
	for (i = 0; i < m; i++)
		ev += c[i].n_event;
	values[0] = Int64GetDatum(m > 0 ? (int64) c[0].n_risk : 0);
	values[1] = Int64GetDatum((int64) ev);
	values[2] = nan_null(nous_km_quant(m, c, 1 - p, 0), &nulls[2]);
	values[3] = nan_null(nous_km_quant(m, c, 1 - p, 1), &nulls[3]);
	values[4] = nan_null(nous_km_quant(m, c, 1 - p, 2), &nulls[4]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}

/* nous.km_share_closed(s, within): 1 - S(within) */
PG_FUNCTION_INFO_V1(nous_km_share_closed);
Datum
nous_km_share_closed(PG_FUNCTION_ARGS)
{
	int			m;
	nous_km_point *c = km_curve_of(PG_GETARG_DATUM(0), 0.95, &m);

	if (m == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(1 - nous_km_surv_at(m, c, PG_GETARG_FLOAT8(1)));
}

/* nous.km_rmean(s, tau): restricted mean delay */
PG_FUNCTION_INFO_V1(nous_km_rmean);
Datum
nous_km_rmean(PG_FUNCTION_ARGS)
{
	int			m;
	nous_km_point *c = km_curve_of(PG_GETARG_DATUM(0), 0.95, &m);
	double		tau = PG_GETARG_FLOAT8(1);

	if (!(tau >= 0) || !isfinite(tau))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid horizon %g", tau),
				 errdetail("The horizon of a restricted mean must be finite and not negative.")));
	if (m == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(nous_km_area(m, c, tau));
}
