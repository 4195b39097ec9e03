/*
 * mix.h — segregation, mix and diversity indices and the allocation-mix
 * arithmetic of nous (module mix).
 *
 * Two-group indices work on n areas given as interleaved pairs
 * gt[2i] = g_i (group count), gt[2i+1] = t_i (area total, group included).
 * Areas with t_i = 0 hold nobody and are skipped.  An index that is
 * undefined (no one counted, P = 0 or P = 1) is returned as NaN; the glue
 * turns NaN into SQL NULL.
 *
 * Multigroup indices work on a nous_mixtable: merged cells (unit, group, n)
 * with dense unit and group numbers, built from the records of a
 * nous.mixcounts state by nous_mixtable_build().
 */
#ifndef NOUS_MIX_H
#define NOUS_MIX_H

#include <stdint.h>

#include "nous_core.h"

/* ---- two groups ---- */

/* Check one area: finite, 0 <= g <= t.  NOUS_ERR_NONFINITE / NOUS_ERR_DOMAIN. */
extern nous_status nous_mix2_check(double g, double t);

/* Totals G = sum g, T = sum t over the n areas. */
extern void nous_mix2_totals(const double *gt, size_t n, double *G, double *T);

extern double nous_mix2_dissimilarity(const double *gt, size_t n);
extern double nous_mix2_isolation(const double *gt, size_t n);
extern double nous_mix2_interaction(const double *gt, size_t n);
extern double nous_mix2_correlation_ratio(const double *gt, size_t n);
extern double nous_mix2_entropy_h(const double *gt, size_t n);
/* 0 <= b < 1 (NOUS_ERR_PARAM otherwise). */
extern nous_status nous_mix2_atkinson(const double *gt, size_t n, double b, double *out);
/* Sorts a copy of the areas: O(n log n) time, 16 n bytes. */
extern nous_status nous_mix2_gini(const double *gt, size_t n, double *out);

/*
 * The stored body of a nous.mixpairs value (what follows the varlena
 * header): version byte 1, 3 bytes of padding, the Atkinson parameter b
 * (NaN when unset, else 0 <= b < 1) as a double, then (g, t) pairs of
 * doubles, each checked by nous_mix2_check.  On success *gt points into
 * body (n pairs) and *b holds the parameter; on NOUS_ERR_SYNTAX *why says
 * what is wrong.
 */
#define NOUS_MIX2_BODY_HDR 12
extern nous_status nous_mix2_decode(const unsigned char *body, size_t len,
									const double **gt, size_t *n, double *b,
									const char **why);

/* ---- serialised cell records of nous.mixcounts ----
 * A record: double n, uint32 len_super, uint32 len_unit, uint32 len_group,
 * then the three strings (not terminated).  NOUS_MIXREC_HDR bytes of header.
 */
#define NOUS_MIXREC_HDR 20

/* Walk the records of buf: count them; NOUS_ERR_SYNTAX if they do not tile buf. */
extern nous_status nous_mixrec_count(const unsigned char *buf, size_t len, size_t *count);
/* Write one record at dst (NOUS_MIXREC_HDR + ls + lu + lg bytes). */
extern void nous_mixrec_write(unsigned char *dst, double n,
							  const char *s, uint32_t ls,
							  const char *u, uint32_t lu,
							  const char *g, uint32_t lg);
/* Write the three keys of a record (its body) at dst: s, u, g end to end. */
extern void nous_mixrec_write_keys(char *dst, const char *s, uint32_t ls,
								   const char *u, uint32_t lu,
								   const char *g, uint32_t lg);

/*
 * Read the record at rec (one of a buffer nous_mixrec_count accepted): its
 * count *n, key lengths l[0..2] (super, unit, group) and *keys, where the
 * three keys stand end to end.  Returns the record's size in bytes.
 */
static inline size_t
nous_mixrec_read(const unsigned char *rec, double *n, uint32_t l[3],
				 const char **keys)
{
	memcpy(n, rec, 8);
	l[0] = nous_rd_u32(rec, 2);
	l[1] = nous_rd_u32(rec, 3);
	l[2] = nous_rd_u32(rec, 4);
	*keys = (const char *) rec + NOUS_MIXREC_HDR;
	return NOUS_MIXREC_HDR + (size_t) l[0] + l[1] + l[2];
}

/* ---- multigroup table ---- */
typedef struct nous_mixtable
{
	size_t		ncell;			/* merged cells, sorted by (super, unit, group) */
	uint32_t   *cell_super;
	uint32_t   *cell_unit;
	uint32_t   *cell_group;
	double	   *cell_n;
	size_t		nsuper, nunit, ngroup;
	double	   *super_n;		/* marginals */
	double	   *unit_n;
	double	   *group_n;
	uint32_t   *unit_super;		/* super of each unit */
	/* names (pointers into the record buffer) and lengths */
	const char **super_name;
	uint32_t   *super_len;
	const char **unit_name;
	uint32_t   *unit_len;
	const char **group_name;
	uint32_t   *group_len;
	double		N;
} nous_mixtable;

/*
 * Build the merged table from records (duplicates of a (super, unit, group)
 * cell are summed; cells of weight 0 are kept as they name a unit or group).
 */
extern nous_status nous_mixtable_build(const unsigned char *buf, size_t len,
									   nous_mixtable *t);
extern void nous_mixtable_free(nous_mixtable *t);

/* Entropy of the group totals, natural log. */
extern double nous_mix_entropy(const nous_mixtable *t);
/*
 * Normalised Shannon diversity (Pielou's evenness) E / ln K of the group
 * totals, K the groups the table names (a group whose cells are all 0
 * counts): 0 when one group holds everyone, 1 when the K groups are equal.
 * NaN for an empty table or fewer than 2 groups.
 */
extern double nous_mix_entropy_normalised(const nous_mixtable *t);
/* Mutual information index M, natural log (Theil & Finizza 1971; Mora & Ruiz-Castillo 2011). */
extern double nous_mix_mutual_information(const nous_mixtable *t);

typedef struct nous_mix_decomp
{
	double		m, h, entropy, m_between, m_within, h_between, h_within;
} nous_mix_decomp;

/* M between supers (super x group table) and within (M - between). */
extern nous_status nous_mix_decompose(const nous_mixtable *t, nous_mix_decomp *d);

/* Multigroup dissimilarity (Reardon & Firebaugh 2002). */
extern double nous_mix_multi_dissimilarity(const nous_mixtable *t);
/* Relative diversity (Reardon & Firebaugh 2002; Carlson 1992). */
extern double nous_mix_relative_diversity(const nous_mixtable *t);
/* Simpson's concentration sum p_g^2 and interaction 1 - sum p_g^2. */
extern double nous_mix_simpson_concentration(const nous_mixtable *t);

/* ---- allocation mix ---- */

/* Consumption-unit scales. */
typedef enum nous_uc_scale
{
	NOUS_UC_OECD_MODIFIED = 0,	/* 1 + 0.5 (a - 1) + 0.3 c, INSEE's scale */
	NOUS_UC_OECD_OLD,			/* 1 + 0.7 (a - 1) + 0.5 c, Oxford scale */
	NOUS_UC_SQRT,				/* sqrt(a + c), OECD square-root scale */
	NOUS_UC_PER_CAPITA			/* a + c */
} nous_uc_scale;

extern nous_status nous_consumption_units(long adults, long children,
										  nous_uc_scale scale, double *out);

/* Quantile of n values (sorted in place), prob in [0,1]. */
typedef enum nous_quantile_kind
{
	NOUS_Q_CONTINUOUS = 0,		/* percentile_cont, Hyndman & Fan type 7 */
	NOUS_Q_DISCRETE,			/* percentile_disc: smallest x with F(x) >= p (type 1) */
	NOUS_Q_MEDIAN_UNBIASED		/* Hyndman & Fan type 8 */
} nous_quantile_kind;

extern nous_status nous_quantile(double *x, size_t n, double prob,
								 nous_quantile_kind kind, double *out);
/*
 * The same quantile of values given as runs (value, multiplicity) in
 * increasing order of value, multiplicities whole numbers >= 1 summing to at
 * most 2^53: the same result as nous_quantile on the expanded values, read
 * in one pass over the runs.
 */
extern nous_status nous_quantile_runs(const double *runs, size_t nruns, double prob,
									  nous_quantile_kind kind, double *out);

/* Wilson score interval for k successes out of n at normal quantile z. */
extern void nous_wilson(double k, double n, double z, double *lo, double *hi);
/* Standard normal quantile (Acklam's algorithm refined by one Halley step). */
extern double nous_normal_quantile(double p);
/* Allocations missing to reach target: max(0, ceil(target n - k)). */
extern double nous_mix_gap(double k, double n, double target);

/* ---- bootstrap (splitmix64-seeded xoshiro256**) ---- */
typedef struct nous_rng
{
	uint64_t	s[4];
} nous_rng;
extern void nous_rng_seed(nous_rng *r, uint64_t seed);
extern uint64_t nous_rng_next(nous_rng *r);
extern double nous_rng_uniform(nous_rng *r);	/* [0, 1) */


/* ---- bootstrap ---- */

/* Binomial(n, p) draw, exact: inversion for small means, rejection otherwise. */
extern double nous_rng_binomial(nous_rng *r, double n, double p);

typedef enum nous_mix2_index
{
	NOUS_MIX2_D = 0, NOUS_MIX2_GINI, NOUS_MIX2_H, NOUS_MIX2_ISOLATION,
	NOUS_MIX2_INTERACTION, NOUS_MIX2_CORRELATION
} nous_mix2_index;

/* One two-group index by number (NaN when undefined). */
extern nous_status nous_mix2_index_value(const double *gt, size_t n, nous_mix2_index which, double *out);

/*
 * reps bootstrap replicates of a two-group index: each draws round(T)
 * individuals with replacement from the 2n cells (group, rest) of the areas
 * (multinomial resampling of the whole table).  out[reps].
 */
extern nous_status nous_mix2_bootstrap(const double *gt, size_t n, nous_mix2_index which,
									   int reps, uint64_t seed, double *out);

/* The same for M (h = false) or H (h = true) of a multigroup table. */
extern nous_status nous_mix_bootstrap(const nous_mixtable *t, bool h, int reps,
									  uint64_t seed, double *out);

/*
 * Per super-unit s (in table order): share p_s = N_s / N, M_s (M among the
 * units of s with the group shares of s) and E_s (entropy of the groups in s).
 * p, m, e have room for t->nsuper values.  M_within = sum p_s M_s.
 */
extern nous_status nous_mix_by_super(const nous_mixtable *t, double *p, double *m, double *e);

/*
 * Per unit u (in table order): local segregation L_u = sum_g q_g ln(q_g / p_g)
 * (q_g = n_ug / n_u; p_u L_u adds up to M), Shannon diversity E_u and
 * Simpson interaction I_u = 1 - sum q_g^2 of the unit.  NaN for an empty unit.
 */
extern void nous_mix_unit_scores(const nous_mixtable *t, double *L, double *E, double *I);

#endif							/* NOUS_MIX_H */
