/*
 * value_runs.h — a multiset of finite doubles kept as sorted runs (value,
 * multiplicity), the storable form of the aggregates that need every value
 * (nous.first_quartile, nous.breaks): duplicates are stored once, and two
 * states merge in one pass.  During a scan new values go to a raw buffer,
 * sorted and merged into the runs when it outgrows them (amortised
 * O(log n) a value).
 */
#ifndef NOUS_VALUE_RUNS_H
#define NOUS_VALUE_RUNS_H

#include "postgres.h"

/* 2^53: multiplicities and counts stay exact in a double */
#define NOUS_RUNS_MAX_COUNT 9007199254740992.0

typedef struct NousRuns
{
	MemoryContext cxt;			/* where raw and runs live (the state's own) */
	double	   *raw;			/* values not yet merged */
	int64		nraw,
				capraw;
	double	   *runs;			/* (value, multiplicity) pairs, increasing */
	int64		nruns;
} NousRuns;

/* an empty multiset whose memory lives in cxt */
extern void nous_runs_init(NousRuns *r, MemoryContext cxt);
/* add one value (finite: the caller checks); what names the values in errors */
extern void nous_runs_add(NousRuns *r, double v, const char *what);
/* sort the raw values into the runs */
extern void nous_runs_compact(NousRuns *r);
/* merge sorted pairs b[0..nb) (checked or our own) into the runs */
extern void nous_runs_merge(NousRuns *r, const double *b, Size nb);
/* how many values the runs count (after nous_runs_compact) */
extern double nous_runs_total(const double *runs, Size nruns);
/*
 * NULL when runs[0..nruns) are valid stored runs: values finite, at least
 * min_value, strictly increasing, multiplicities whole numbers in [1, 2^53];
 * else a sentence saying what is wrong.
 */
extern const char *nous_runs_check(const double *runs, Size nruns, double min_value);

#endif							/* NOUS_VALUE_RUNS_H */
