/*
 * survey_glue.h — what the glue files of the survey module (src/survey_*.c)
 * share: the storable states nous.svystate (design-based estimation,
 * sql/75_survey.sql) and nous.kmstate (Kaplan-Meier, sql/76_field.sql), and
 * the design read from a svystate.  Private to the module: no other glue file
 * includes it.  The mathematics is in src/core/survey.h and src/core/km.h.
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
 *
 * The files: survey_state.c (the expanded table, views, merging, combine),
 * survey_io.c (text and binary I/O of both types), survey_agg.c (the
 * transition of nous.svy_agg), survey_design.c (a state read as strata, the
 * variance), survey_estimates.c (estimators, intervals), survey_calibrate.c
 * (calibration weights, GREG residuals), survey_km.c (Kaplan-Meier).
 */
#ifndef NOUS_SURVEY_GLUE_H
#define NOUS_SURVEY_GLUE_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"
#include "utils/expandeddatum.h"

#include "nous.h"
#include "survey.h"

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

/* the stratum key of rows whose stratum is NULL */
#define NULL_KEY PG_INT64_MIN

/* ---- the expanded keyed table (survey_state.c) ---- */

/*
 * The declared types of the stratum, psu and ssu arguments of a transition
 * call site (key_of hashes text, reads integers as they are).
 */
typedef struct SvyArgs
{
	Oid			stratum_type;
	Oid			psu_type;
	Oid			ssu_type;
} SvyArgs;

typedef struct SvyEO
{
	ExpandedObjectHeader hdr;
	SvyArgs		args;			/* in memory only: the key types of the
								 * transition that fills it (InvalidOid
								 * stratum_type: not known yet) */
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

/* a read-only, sorted view of a state */
typedef struct SvyView
{
	int			kind;
	int			width;
	int			n;
	const int64 *keys;			/* 2 per record, sorted */
	const double *vals;
} SvyView;

/* kind is a kind of kmstate (km) or of svystate (!km) */
extern bool svy_kind_valid(int kind, bool km);
/* the number of doubles of a record of kind (0 for K_EMPTY or unknown) */
extern int	svy_kind_width(int kind);
/* bytes of the flat image of n records of width doubles */
extern Size svy_flat_size(int width, int n);
/* the flat image of n sorted records of kind into buf of size bytes */
extern void svy_write_flat(char *buf, Size size, int kind, int n,
						   const int64 *keys, const double *vals);
/* an ERROR data_exception "invalid survey state" (km: "invalid Kaplan-Meier state") with detail */
NOUS_NORETURN extern void svy_corrupt(bool km, const char *detail);
/* check decoded records (finite values, sorted distinct keys, signs) */
extern void svy_check_records(int kind, int n, const int64 *keys, const double *vals);
/* a new, empty table of kind in a child context of parent */
extern SvyEO *svy_eo_new(MemoryContext parent, int kind);
/* an empty state takes the kind of its first row or part */
extern void svy_eo_set_kind(SvyEO *eo, int kind);
/* the values of the record of a key; created zeroed when absent (*isnew) */
extern double *svy_eo_lookup(SvyEO *eo, int64 k1, int64 k2, bool *isnew);
/* a view of a state datum (flat or expanded; km: a kmstate) */
extern void svy_state_view(Datum d, bool km, SvyView *v);
/* the read-write state of argument argno, owned by the aggregate context */
extern SvyEO *svy_state_rw(FunctionCallInfo fcinfo, int argno, int kind_if_null,
						   const char *aggregate);

/* two second-stage units of different clusters with the same record key */
NOUS_NORETURN extern void svy_key_collision(void);

/* the psu key of a two-stage record from its two 32-bit halves */
static inline int64
svy_psu_of_halves(double hi, double lo)
{
	return (int64) (((uint64) hi << 32) | (uint64) lo);
}

/* ---- a svystate read as strata (survey_design.c) ---- */

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

/* the design of a svystate datum */
extern void svy_design_of(Datum d, SvyDesign *g);
/* the lonely_psu rule of argument argno (fail when absent or NULL) */
extern int	svy_lonely_arg(FunctionCallInfo fcinfo, int argno);
/* the design covariance of the linearised estimators q and r */
extern double svy_design_cov(const SvyDesign *g, const double q[3],
							 const double r[3], int lonely);
/* an ERROR unless 0 < level < 1 */
extern void svy_check_level(double level);

#endif							/* NOUS_SURVEY_GLUE_H */
