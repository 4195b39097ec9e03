/*
 * survey_state.c — the storable states of the survey module as expanded
 * objects: an open-addressing hash of keyed records during a scan, flattened
 * in key order when stored; read-only sorted views of flat or expanded
 * values; the merging of parts (combine, nous.svy_merge) with its checks.
 * The layout of the records is in survey_glue.h.
 */
#include "postgres.h"

#include <math.h>

#include "utils/memutils.h"

#include "survey_glue.h"

/* kind is a kind of kmstate (km) or of svystate (!km) */
bool
svy_kind_valid(int kind, bool km)
{
	if (km)
		return kind == K_KM;
	return kind == K_EMPTY || kind == K_UNCL || kind == K_CLUS || kind == K_TWO;
}

/* the number of doubles of a record of kind (0: K_EMPTY, unknown) */
int
svy_kind_width(int kind)
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


/* record i of a table: its two keys, then its values */
#define REC(eo, i) ((eo)->recs + (Size) (i) * (eo)->stride)
#define REC_KEYS(r) ((int64 *) (r))
#define REC_VALS(r) ((double *) ((r) + 2 * sizeof(int64)))

static Size svy_eo_flat_size(ExpandedObjectHeader *eohptr);
static void svy_flatten(ExpandedObjectHeader *eohptr, void *result, Size size);

static const ExpandedObjectMethods svy_methods = {svy_eo_flat_size, svy_flatten};

/* the hash of a pair of keys */
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

/* rebuild the hash slots with hcap slots (a power of two) */
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

/* a new, empty table of kind in a child context of parent */
SvyEO *
svy_eo_new(MemoryContext parent, int kind)
{
	SvyEO	   *eo = (SvyEO *) nous_eo_new(parent, "nous survey state",
										   sizeof(SvyEO), &svy_methods);

	eo->kind = kind;
	eo->width = svy_kind_width(kind);
	eo->cap = 16;
	eo->stride = 2 * sizeof(int64) + sizeof(double) * eo->width;
	eo->recs = MemoryContextAlloc(eo->hdr.eoh_context, eo->stride * eo->cap);
	eo->last = -1;
	eo_rehash(eo, 64);
	return eo;
}

/* an empty state takes the kind of its first row or part */
void
svy_eo_set_kind(SvyEO *eo, int kind)
{
	Assert(eo->n == 0);
	eo->kind = kind;
	eo->width = svy_kind_width(kind);
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
double *
svy_eo_lookup(SvyEO *eo, int64 k1, int64 k2, bool *isnew)
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
	if (eo->n == eo->cap)
	{
		/* at most 2^30 / width records: the hash slots stay below 2^31 */
		eo->cap = (int) nous_grow_cap(eo->cap, (int64) eo->n + 1, eo->stride,
									  0x3fffffff / Max(eo->width, 2),
									  "records in a survey state");
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
static const SvyEO *cmp_eo;

/* qsort order of record indexes by key (the records of cmp_eo) */
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

/* bytes of the flat image of n records of width doubles */
Size
svy_flat_size(int width, int n)
{
	return SVY_HDR + (Size) n * (2 * sizeof(int64) + sizeof(double) * width);
}

/* ExpandedObjectMethods: the size of the flat image */
static Size
svy_eo_flat_size(ExpandedObjectHeader *eohptr)
{
	SvyEO	   *eo = (SvyEO *) eohptr;

	return svy_flat_size(eo->width, eo->n);
}

/* the flat image of n sorted records of kind into buf of size bytes */
void
svy_write_flat(char *buf, Size size, int kind, int n, const int64 *keys,
			   const double *vals)
{
	int			w = svy_kind_width(kind);
	Size		rec = 2 * sizeof(int64) + sizeof(double) * w;
	int			i;

	Assert(size == svy_flat_size(w, n));
	memset(buf, 0, SVY_HDR);
	SET_VARSIZE(buf, size);
	buf[4] = SVY_VERSION;
	buf[5] = (char) kind;
	buf[6] = (char) w;
	memcpy(buf + 8, &n, sizeof(int));
	for (i = 0; i < n; i++)
	{
		char	   *p = buf + SVY_HDR + rec * i;

		memcpy(p, keys + 2 * i, 2 * sizeof(int64));
		memcpy(p + 2 * sizeof(int64), vals + (Size) i * w, sizeof(double) * w);
	}
}

/* ExpandedObjectMethods: the flat image, records in key order */
static void
svy_flatten(ExpandedObjectHeader *eohptr, void *result, Size size)
{
	SvyEO	   *eo = (SvyEO *) eohptr;

	/*
	 * Scratch memory in the state's own context: the caller's context may not
	 * support pfree (PostgreSQL 17's tuplesort flattens into a bump context).
	 */
	MemoryContext old = MemoryContextSwitchTo(eo->hdr.eoh_context);
	int64	   *keys = palloc(sizeof(int64) * 2 * Max(eo->n, 1));
	double	   *vals = palloc(sizeof(double) * Max(eo->width, 1) * Max(eo->n, 1));

	if (size != svy_flat_size(eo->width, eo->n))
		elog(ERROR, "survey state flattened into %zu bytes instead of %zu",
			 size, svy_flat_size(eo->width, eo->n));
	eo_sorted(eo, keys, vals);
	svy_write_flat(result, size, eo->kind, eo->n, keys, vals);
	pfree(keys);
	pfree(vals);
	MemoryContextSwitchTo(old);
}

/* a stored or sent state that does not decode (22000) */
void
svy_corrupt(bool km, const char *detail)
{
	nous_state_corrupt(km ? "Kaplan-Meier state" : "survey state", "%s", detail);
}

/* check the records of a state (finite values, sorted distinct keys) */
void
svy_check_records(int kind, int n, const int64 *keys, const double *vals)
{
	int			w = svy_kind_width(kind);
	int			i,
				j;

	for (i = 0; i < n; i++)
	{
		const double *v = vals + (Size) i * w;

		if (i > 0 && (keys[2 * i - 2] > keys[2 * i] ||
					  (keys[2 * i - 2] == keys[2 * i] && keys[2 * i - 1] >= keys[2 * i + 1])))
			svy_corrupt(kind == K_KM, "The records of the state are not in strictly increasing key order.");
		for (j = 0; j < w; j++)
			if (!isfinite(v[j]))
				svy_corrupt(kind == K_KM, "A record of the state holds a value that is not finite.");
		if (kind == K_CLUS && (v[2] < 0 || v[3] < 0 || v[4] < 0))
			svy_corrupt(kind == K_KM, "A cluster record has a negative weight, count or fpc.");
		if (kind == K_TWO && (v[2] < 0 || v[3] < 0 || v[4] < 0 || v[5] < 0 ||
							  v[6] < 0 || v[6] > 4294967295.0 || v[6] != floor(v[6]) ||
							  v[7] < 0 || v[7] > 4294967295.0 || v[7] != floor(v[7])))
			svy_corrupt(kind == K_KM, "A second-stage record has a negative weight, count or fpc, or a bad cluster key.");
		if (kind == K_UNCL && (v[0] < 0 || v[13] < 0 || v[14] < 0 || v[0] < v[13]))
			svy_corrupt(kind == K_KM, "A stratum record has inconsistent counts.");
		if (kind == K_KM)
		{
			double		t;

			memcpy(&t, &keys[2 * i], sizeof(t));
			if (v[0] < 0 || v[1] < 0 || keys[2 * i] < 0 || keys[2 * i + 1] != 0 || !isfinite(t))
				svy_corrupt(kind == K_KM, "A time record has a negative count or a time that is negative or not finite.");
		}
	}
}

/* a view of a state datum (flat or expanded); copies are in the current context */
void
svy_state_view(Datum d, bool km, SvyView *v)
{
	SvyEO	   *eo = (SvyEO *) nous_eo_of(d, &svy_methods);

	if (eo != NULL)
	{
		int64	   *keys;
		double	   *vals;

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
			svy_corrupt(km, "The state has a wrong length or version.");
		kind = buf[5];
		width = buf[6];
		memcpy(&n, buf + 8, sizeof(int));
		if (!svy_kind_valid(kind, kind == K_KM) ||
			width != svy_kind_width(kind) || n < 0 || (kind == K_EMPTY && n != 0))
			svy_corrupt(km, "The state has an unknown kind or a wrong record width.");
		rec = 2 * sizeof(int64) + sizeof(double) * width;
		if ((len - SVY_HDR) % rec != 0 || (Size) n != (len - SVY_HDR) / rec)
			svy_corrupt(km, "The length of the state does not match its number of records.");
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
		svy_corrupt(km, km ? "A survey state was given where a Kaplan-Meier state is expected."
			: "A Kaplan-Meier state was given where a survey state is expected.");
}

static void eo_merge_view(SvyEO *dst, const SvyView *src);

/* an expanded copy of a view in context parent */
static SvyEO *
eo_from_view(MemoryContext parent, const SvyView *v)
{
	SvyEO	   *eo = svy_eo_new(parent, v->kind);

	eo_merge_view(eo, v);
	return eo;
}

/* the read-write state of argument argno, owned by the aggregate context */
SvyEO *
svy_state_rw(FunctionCallInfo fcinfo, int argno, int kind_if_null, const char *aggregate)
{
	bool		km = kind_if_null == K_KM;
	MemoryContext aggctx = nous_agg_context(fcinfo, km ? "nous.km_trans" : "nous.svy_trans",
											 aggregate);
	SvyEO	   *eo = (SvyEO *) nous_eo_mine(fcinfo, argno, &svy_methods, aggctx);
	SvyView		v;

	if (eo != NULL)
		return eo;
	if (PG_ARGISNULL(argno))
		return svy_eo_new(aggctx, kind_if_null);
	svy_state_view(PG_GETARG_DATUM(argno), km, &v);
	return eo_from_view(aggctx, &v);
}

/* two second-stage units of different clusters with the same record key */
void
svy_key_collision(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("two second-stage units of different clusters have the same key"),
			 errdetail("The 64-bit keys of (psu, ssu) collide."),
			 errhint("Renumber the second-stage units.")));
	pg_unreachable();
}

/* add a record into the table (sum, or moment merge for unclustered strata) */
static void
merge_record(SvyEO *eo, int64 k1, int64 k2, const double *v)
{
	bool		isnew;
	double	   *r = svy_eo_lookup(eo, k1, k2, &isnew);
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
				svy_key_collision();
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
		svy_eo_set_kind(dst, src->kind);
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

/* combine: also callable as nous.svy_merge(a, b) outside an aggregate */
static Datum
merge_states(FunctionCallInfo fcinfo, bool km)
{
	MemoryContext aggctx;
	SvyEO	   *eo;
	SvyView		v;

	NOUS_RETURN_STATE_IF_NULL(1);
	if (AggCheckCallContext(fcinfo, &aggctx))
		eo = svy_state_rw(fcinfo, 0, km ? K_KM : K_EMPTY, km ? "nous.km_agg" : "nous.svy_agg");
	else
	{
		eo = svy_eo_new(CurrentMemoryContext, km ? K_KM : K_EMPTY);
		if (!PG_ARGISNULL(0))
		{
			svy_state_view(PG_GETARG_DATUM(0), km, &v);
			eo_merge_view(eo, &v);
		}
	}
	svy_state_view(PG_GETARG_DATUM(1), km, &v);
	eo_merge_view(eo, &v);
	NOUS_RETURN_EO(eo);
}

NOUS_ENTRY(nous_svy_combine, merge_states(fcinfo, false));

NOUS_ENTRY(nous_km_combine, merge_states(fcinfo, true));

