/*
 * survey.c — design-based estimation, proportion intervals and calibration
 * (see survey.h).  Sources: Lumley, "Analysis of complex surveys" (2010) and
 * the R survey package (svyrecvar, svyciprop); Deville & Sarndal (1992) and
 * the Calmar macro (Sautory 1993) for calibration.
 */
#include <math.h>
#include <string.h>

#include "survey.h"

/* a word of a parameter and the value it stands for (NULL name: the end) */
typedef struct svy_word
{
	const char *name;
	int			value;
} svy_word;

static const svy_word lonely_words[] = {
	{"fail", NOUS_LONELY_FAIL},
	{"certainty", NOUS_LONELY_CERTAINTY},
	{"remove", NOUS_LONELY_REMOVE},
	{"adjust", NOUS_LONELY_ADJUST},
	{"average", NOUS_LONELY_AVERAGE},
	{NULL, 0}
};

static const svy_word ci_words[] = {
	{"mean", NOUS_CI_MEAN},
	{"wald", NOUS_CI_MEAN},
	{"logit", NOUS_CI_LOGIT},
	{"xlogit", NOUS_CI_LOGIT},
	{"asin", NOUS_CI_ASIN},
	{"wilson", NOUS_CI_WILSON},
	{"beta", NOUS_CI_BETA},
	{NULL, 0}
};

static const svy_word calfun_words[] = {
	{"linear", NOUS_CAL_LINEAR},
	{"raking", NOUS_CAL_RAKING},
	{"logit", NOUS_CAL_LOGIT},
	{NULL, 0}
};

/* the value of word s in table t; -1 when s is not there */
static int
word_lookup(const svy_word *t, const char *s)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, s) == 0)
			return t->value;
	return -1;
}

int
nous_svy_lonely_parse(const char *s)
{
	return word_lookup(lonely_words, s);
}

/* Welford's update of the means and co-moments with one unit */
void
nous_svy_mom_add(nous_svy_mom *m, const double v[3])
{
	double		d[3],
				e[3];
	int			i;

	m->n += 1.0;
	for (i = 0; i < 3; i++)
	{
		d[i] = v[i] - m->mean[i];
		m->mean[i] += d[i] / m->n;
		e[i] = v[i] - m->mean[i];
		m->sum[i] += v[i];
	}
	m->com[0] += d[0] * e[0];
	m->com[1] += d[0] * e[1];
	m->com[2] += d[0] * e[2];
	m->com[3] += d[1] * e[1];
	m->com[4] += d[1] * e[2];
	m->com[5] += d[2] * e[2];
}

/* Chan, Golub & LeVeque (1979): the moments of the union of two sets */
void
nous_svy_mom_merge(nous_svy_mom *m, const nous_svy_mom *o)
{
	double		n,
				d[3],
				k;
	int			i;

	if (o->n == 0)
		return;
	if (m->n == 0)
	{
		*m = *o;
		return;
	}
	n = m->n + o->n;
	for (i = 0; i < 3; i++)
		d[i] = o->mean[i] - m->mean[i];
	k = m->n * o->n / n;
	m->com[0] += o->com[0] + d[0] * d[0] * k;
	m->com[1] += o->com[1] + d[0] * d[1] * k;
	m->com[2] += o->com[2] + d[0] * d[2] * k;
	m->com[3] += o->com[3] + d[1] * d[1] * k;
	m->com[4] += o->com[4] + d[1] * d[2] * k;
	m->com[5] += o->com[5] + d[2] * d[2] * k;
	for (i = 0; i < 3; i++)
	{
		m->mean[i] += d[i] * o->n / n;
		m->sum[i] += o->sum[i];
	}
	m->n = n;
}

double
nous_svy_qform(const double c[6], const double q[3], const double r[3])
{
	double		M[3][3];
	double		s = 0;
	int			i,
				j;

	M[0][0] = c[0];
	M[0][1] = M[1][0] = c[1];
	M[0][2] = M[2][0] = c[2];
	M[1][1] = c[3];
	M[1][2] = M[2][1] = c[4];
	M[2][2] = c[5];
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			s += q[i] * M[i][j] * r[j];
	return s;
}

double
nous_svy_fpc_factor(double n, double fpc)
{
	if (fpc <= 0)
		return 1.0;
	if (fpc <= 1.0)
		return 1.0 - fpc;		/* a sampling fraction */
	return 1.0 - n / fpc;		/* a population size */
}

double
nous_svy_sampled_fraction(double n, double fpc)
{
	if (fpc <= 0)
		return 0.0;
	if (fpc <= 1.0)
		return fpc;				/* a sampling fraction */
	return n / fpc;				/* a population size */
}

/* R survey, multistage(): the sub-stage variance times n_1/N_1 (Lumley 2010, 3.2) */
nous_status
nous_svy_stage2_add(double m2[6], const nous_svy_mom *ssu, double fpc2,
					double first_fraction)
{
	double		n = ssu->n,
				f,
				scale;
	int			i;

	if (n <= 0 || first_fraction <= 0)
		return NOUS_OK;
	if (fpc2 > 1.0 && fpc2 < n)
		return NOUS_ERR_PARAM;
	f = nous_svy_fpc_factor(n, fpc2);
	if (f < 1e-7)				/* every SSU of the PSU sampled (as survey) */
		return NOUS_OK;
	if (n < 2)
		return NOUS_ERR_DOMAIN;
	scale = first_fraction * f * n / (n - 1);
	for (i = 0; i < 6; i++)
		m2[i] += scale * ssu->com[i];
	return NOUS_OK;
}

nous_status
nous_svy_cov(const nous_svy_stratum *s, int nstrata, const double q[3],
			 const double r[3], nous_svy_lonely lonely, double *cov, int *bad)
{
	double		total = 0,
				g[3] = {0, 0, 0},
				units = 0;
	int			h,
				i,
				ok = 0,
				counted = 0;

	*bad = -1;
	for (h = 0; h < nstrata; h++)
	{
		units += s[h].mom.n;
		for (i = 0; i < 3; i++)
			g[i] += s[h].mom.sum[i];
	}
	if (units > 0)
		for (i = 0; i < 3; i++)
			g[i] /= units;

	for (h = 0; h < nstrata; h++)
	{
		double		n = s[h].mom.n;
		double		f;

		if (n <= 0)
			continue;
		counted++;
		if (s[h].fpc > 1.0 && s[h].fpc < n)
		{
			*bad = h;
			return NOUS_ERR_PARAM;
		}
		f = nous_svy_fpc_factor(n, s[h].fpc);
		if (n > 1)
		{
			total += f * n / (n - 1) * nous_svy_qform(s[h].mom.com, q, r);
			ok++;
			continue;
		}
		/* a single unit */
		if (f == 0)
		{
			ok++;
			continue;
		}
		switch (lonely)
		{
			case NOUS_LONELY_FAIL:
				*bad = h;
				return NOUS_ERR_DOMAIN;
			case NOUS_LONELY_CERTAINTY:
			case NOUS_LONELY_REMOVE:
				ok++;
				break;
			case NOUS_LONELY_ADJUST:
				{
					double		dq = 0,
								dr = 0;

					for (i = 0; i < 3; i++)
					{
						dq += q[i] * (s[h].mom.sum[i] - g[i]);
						dr += r[i] * (s[h].mom.sum[i] - g[i]);
					}
					total += f * dq * dr;
					ok++;
				}
				break;
			case NOUS_LONELY_AVERAGE:
				break;
		}
	}
	if (ok > 0 && ok < counted)
		total *= (double) counted / ok;
	*cov = total;
	return NOUS_OK;
}

/* ------------------------------------------------------------------ */
/* distributions                                                       */
/* ------------------------------------------------------------------ */

#define BETACF_FPMIN 1e-300

/* one step of the modified Lentz method: the factor of the next term */
static inline double
lentz_step(double aa, double *c, double *d)
{
	*d = 1 + aa * *d;
	if (fabs(*d) < BETACF_FPMIN)
		*d = BETACF_FPMIN;
	*c = 1 + aa / *c;
	if (fabs(*c) < BETACF_FPMIN)
		*c = BETACF_FPMIN;
	*d = 1 / *d;
	return *d * *c;
}

/* continued fraction of the incomplete beta (Numerical Recipes, betacf) */
static double
betacf(double a, double b, double x)
{
	const double fpmin = BETACF_FPMIN;
	double		qab = a + b,
				qap = a + 1,
				qam = a - 1,
				c = 1,
				d = 1 - qab * x / qap,
				h;
	int			m;

	if (fabs(d) < fpmin)
		d = fpmin;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 10000; m++)
	{
		int			m2 = 2 * m;
		double		aa = m * (b - m) * x / ((qam + m2) * (a + m2)),
					del;

		h *= lentz_step(aa, &c, &d);
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		del = lentz_step(aa, &c, &d);
		h *= del;
		if (fabs(del - 1) < 1e-16)
			break;
	}
	return h;
}

/* regularised incomplete beta I_x(a, b) */
double
nous_svy_pbeta(double x, double a, double b)
{
	double		bt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

static double
pnorm(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

double
nous_svy_pt(double t, double df)
{
	double		tail;

	if (isinf(df) || df > 1e10)
		return pnorm(t);
	tail = 0.5 * nous_svy_pbeta(df / (df + t * t), df / 2, 0.5);
	return t > 0 ? 1 - tail : tail;
}

/* inverse of a continuous increasing cdf by bisection (exact to the last bits) */
double
nous_svy_qt(double p, double df)
{
	double		lo,
				hi;
	int			i;

	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	if (p < 0.5)
		return -nous_svy_qt(1 - p, df);
	lo = 0;
	hi = 1;
	while (nous_svy_pt(hi, df) < p && hi < 1e300)
		hi *= 2;
	for (i = 0; i < 2000 && hi - lo > 0; i++)
	{
		double		mid = 0.5 * (lo + hi);

		if (mid <= lo || mid >= hi)
			break;
		if (nous_svy_pt(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

double
nous_svy_qbeta(double p, double a, double b)
{
	double		lo = 0,
				hi = 1;
	int			i;

	if (p <= 0)
		return 0;
	if (p >= 1)
		return 1;
	for (i = 0; i < 2000; i++)
	{
		double		mid = 0.5 * (lo + hi);

		if (mid <= lo || mid >= hi)
			break;
		if (nous_svy_pbeta(mid, a, b) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* ------------------------------------------------------------------ */
/* proportion intervals (R survey, svyciprop)                          */
/* ------------------------------------------------------------------ */

int
nous_svy_ci_parse(const char *s)
{
	return word_lookup(ci_words, s);
}

nous_status
nous_svy_ci_compute(nous_svy_ci method, double p, double se, double df,
				double n_rows, double level, double *lower, double *upper)
{
	double		alpha = 1 - level;
	double		t;

	if (!(level > 0 && level < 1) || !isfinite(p) || !isfinite(se) || se < 0 ||
		p < 0 || p > 1 || !(df > 0))
		return NOUS_ERR_DOMAIN;
	t = nous_svy_qt(1 - alpha / 2, df);
	switch (method)
	{
		case NOUS_CI_MEAN:
			*lower = p - t * se;
			*upper = p + t * se;
			break;
		case NOUS_CI_LOGIT:
			{
				double		l,
							h;

				if (p <= 0 || p >= 1)
					return NOUS_ERR_DOMAIN;
				l = log(p / (1 - p));
				h = t * se / (p * (1 - p));
				*lower = 1 / (1 + exp(-(l - h)));
				*upper = 1 / (1 + exp(-(l + h)));
			}
			break;
		case NOUS_CI_ASIN:
			{
				double		a,
							h;

				if (p <= 0 || p >= 1)
					return NOUS_ERR_DOMAIN;
				a = asin(sqrt(p));
				h = t * se / (2 * sqrt(p * (1 - p)));
				*lower = pow(sin(a - h), 2);
				*upper = pow(sin(a + h), 2);
			}
			break;
		case NOUS_CI_WILSON:
			{
				double		ne,
							c,
							h;

				if (p <= 0 || p >= 1 || se <= 0)
					return NOUS_ERR_DOMAIN;
				ne = p * (1 - p) / (se * se);
				c = p + t * t / (2 * ne);
				h = t / (2 * ne) * sqrt(4 * ne * p * (1 - p) + t * t);
				*lower = (c - h) / (1 + t * t / ne);
				*upper = (c + h) / (1 + t * t / ne);
			}
			break;
		case NOUS_CI_BETA:
			{
				double		ne,
							r;

				if (p <= 0 || p >= 1 || se <= 0 || !(n_rows > 1))
					return NOUS_ERR_DOMAIN;
				ne = p * (1 - p) / (se * se);
				r = nous_svy_qt(alpha / 2, n_rows - 1) / nous_svy_qt(alpha / 2, df);
				ne *= r * r;
				*lower = nous_svy_qbeta(alpha / 2, ne * p, ne * (1 - p) + 1);
				*upper = nous_svy_qbeta(1 - alpha / 2, ne * p + 1, ne * (1 - p));
			}
			break;
		default:
			return NOUS_ERR_PARAM;
	}
	return NOUS_OK;
}

/* ------------------------------------------------------------------ */
/* calibration                                                         */
/* ------------------------------------------------------------------ */

int
nous_svy_calfun_parse(const char *s)
{
	return word_lookup(calfun_words, s);
}

/*
 * Solve the symmetric positive semi-definite system J x = r (p x p, row
 * major, both overwritten) with a generalised inverse: Gauss-Jordan on the
 * equilibrated matrix with diagonal pivoting; directions whose pivot falls
 * below 1e-10 are left at 0 (redundant columns).
 */
static void
psd_solve(int p, double *J, double *r, double *x)
{
	double	   *s = nous_alloc(sizeof(double) * p);
	bool	   *used = nous_alloc(sizeof(bool) * p);
	int			i,
				j,
				k;

	for (i = 0; i < p; i++)
	{
		s[i] = J[i * p + i] > 0 ? 1 / sqrt(J[i * p + i]) : 0;
		used[i] = false;
	}
	for (i = 0; i < p; i++)
	{
		for (j = 0; j < p; j++)
			J[i * p + j] *= s[i] * s[j];
		r[i] *= s[i];
	}
	for (k = 0; k < p; k++)
	{
		int			piv = -1;
		double		best = 1e-10;

		for (i = 0; i < p; i++)
			if (!used[i] && J[i * p + i] > best)
			{
				best = J[i * p + i];
				piv = i;
			}
		if (piv < 0)
			break;
		used[piv] = true;
		for (i = 0; i < p; i++)
		{
			double		f;

			if (i == piv || J[i * p + piv] == 0)
				continue;
			f = J[i * p + piv] / J[piv * p + piv];
			for (j = 0; j < p; j++)
				J[i * p + j] -= f * J[piv * p + j];
			r[i] -= f * r[piv];
		}
	}
	for (i = 0; i < p; i++)
		x[i] = used[i] ? r[i] / J[i * p + i] * s[i] : 0;
	nous_free(s);
	nous_free(used);
}

/* F(u) and F'(u) of the calibration functions */
static void
calfun(nous_svy_calfun fun, double lo, double up, double u, double *F, double *dF)
{
	switch (fun)
	{
		case NOUS_CAL_LINEAR:
			*F = 1 + u;
			*dF = 1;
			break;
		case NOUS_CAL_RAKING:
			*F = exp(u);
			*dF = *F;
			break;
		case NOUS_CAL_LOGIT:
			{
				double		A = (up - lo) / ((1 - lo) * (up - 1));
				double		k = (up - 1) * (1 - lo) * (up - lo);

				if (A * u <= 0)
				{
					double		e = exp(A * u),
								den = (up - 1) + (1 - lo) * e;

					*F = (lo * (up - 1) + up * (1 - lo) * e) / den;
					*dF = A * e * k / (den * den);
				}
				else
				{
					double		e = exp(-A * u),
								den = (up - 1) * e + (1 - lo);

					*F = (lo * (up - 1) * e + up * (1 - lo)) / den;
					*dF = A * e * k / (den * den);
				}
			}
			break;
	}
}

nous_status
nous_svy_cal_solve(int n, int p, const double *d, const double *X,
				   const double *T, nous_svy_calfun fun, double lo, double up,
				   int maxit, double tol, double *w, int *iterations,
				   double *maxerr)
{
	double	   *lambda,
			   *J,
			   *r,
			   *step,
			   *dF;
	int			it,
				i,
				j,
				k;
	nous_status st = NOUS_ERR_DOMAIN;

	if (fun == NOUS_CAL_LOGIT && !(lo < 1 && up > 1 && lo >= 0 && isfinite(up)))
		return NOUS_ERR_PARAM;
	if (n <= 0 || p <= 0)
		return NOUS_ERR_EMPTY;
	lambda = nous_alloc(sizeof(double) * p);
	J = nous_alloc(sizeof(double) * p * p);
	r = nous_alloc(sizeof(double) * p);
	step = nous_alloc(sizeof(double) * p);
	dF = nous_alloc(sizeof(double) * n);
	for (j = 0; j < p; j++)
		lambda[j] = 0;
	*maxerr = INFINITY;
	for (it = 0;; it++)
	{
		double		err = 0;

		for (k = 0; k < n; k++)
		{
			double		u = 0,
						F = 0;

			for (j = 0; j < p; j++)
				u += X[(size_t) k * p + j] * lambda[j];
			calfun(fun, lo, up, u, &F, &dF[k]);
			w[k] = d[k] * F;
			if ((k & 0xffff) == 0xffff)
				NOUS_CHECK_INTERRUPTS();
		}
		for (j = 0; j < p; j++)
			r[j] = -T[j];
		for (k = 0; k < n; k++)
			for (j = 0; j < p; j++)
				r[j] += w[k] * X[(size_t) k * p + j];
		for (j = 0; j < p; j++)
		{
			double		e = fabs(r[j]) / fmax(1.0, fabs(T[j]));

			if (!(e <= err))
				err = isnan(e) ? INFINITY : fmax(err, e);
		}
		*maxerr = err;
		*iterations = it;
		if (err <= tol)
		{
			st = NOUS_OK;
			break;
		}
		if (it >= maxit || !isfinite(err))
			break;
		for (i = 0; i < p * p; i++)
			J[i] = 0;
		for (k = 0; k < n; k++)
		{
			double		g = d[k] * dF[k];
			const double *x = X + (size_t) k * p;

			for (i = 0; i < p; i++)
				for (j = 0; j < p; j++)
					J[i * p + j] += g * x[i] * x[j];
		}
		psd_solve(p, J, r, step);
		for (j = 0; j < p; j++)
			lambda[j] -= step[j];
	}
	nous_free(lambda);
	nous_free(J);
	nous_free(r);
	nous_free(step);
	nous_free(dF);
	return st;
}

nous_status
nous_svy_greg_resid(int n, int p, const double *d, const double *X,
						const double *y, double *e)
{
	double	   *J = nous_alloc(sizeof(double) * p * p);
	double	   *r = nous_alloc(sizeof(double) * p);
	double	   *beta = nous_alloc(sizeof(double) * p);
	int			i,
				j,
				k;

	for (i = 0; i < p * p; i++)
		J[i] = 0;
	for (j = 0; j < p; j++)
		r[j] = 0;
	for (k = 0; k < n; k++)
	{
		const double *x = X + (size_t) k * p;

		for (i = 0; i < p; i++)
		{
			r[i] += d[k] * x[i] * y[k];
			for (j = 0; j < p; j++)
				J[i * p + j] += d[k] * x[i] * x[j];
		}
	}
	psd_solve(p, J, r, beta);
	for (k = 0; k < n; k++)
	{
		double		f = 0;

		for (j = 0; j < p; j++)
			f += X[(size_t) k * p + j] * beta[j];
		e[k] = y[k] - f;
	}
	nous_free(J);
	nous_free(r);
	nous_free(beta);
	return NOUS_OK;
}
