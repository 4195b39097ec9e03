/*
 * survey_design.c — a nous.svystate read as a design: its strata with the
 * moments of their units (the first stage), the second-stage matrix of a
 * two-stage design, the counts; and the design variance of a linearised
 * estimator under a lonely_psu rule (src/core/survey.c has the formulas).
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "survey_glue.h"

/* one PSU of a two-stage state while its stratum is read */
typedef struct TwoPsu
{
	int64		psu;
	double		v[3];
	double		rows;
	double		fpc2;
	nous_svy_mom ssu;
} TwoPsu;

/* qsort order of two-stage records: by PSU */
static int
cmp_two_rec(const void *a, const void *b)
{
	const double *ra = *(const double *const *) a;
	const double *rb = *(const double *const *) b;
	int64		pa = svy_psu_of_halves(ra[6], ra[7]),
				pb = svy_psu_of_halves(rb[6], rb[7]);

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
		int64		psu = svy_psu_of_halves(r[6], r[7]);
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

/* the design of a svystate datum: strata, moments, counts */
void
svy_design_of(Datum d, SvyDesign *g)
{
	SvyView		v;
	int			i,
				j;

	svy_state_view(d, false, &v);
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

/* the lonely_psu rule of argument argno (fail when absent or NULL) */
int
svy_lonely_arg(FunctionCallInfo fcinfo, int argno)
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

/* the design covariance of the linearised estimators q and r */
double
svy_design_cov(const SvyDesign *g, const double q[3], const double r[3], int lonely)
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


/* a confidence level strictly between 0 and 1 */
void
svy_check_level(double level)
{
	if (!(level > 0 && level < 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("confidence level %g is not between 0 and 1", level),
				 errdetail("A confidence level is a probability, strictly between 0 and 1."),
				 errhint("Pass level => 0.95 for a 95%% interval.")));
}

