/*
 * pca.c — first principal component of standardised indicators (see pca.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pca.h"

/*
 * LAPACK dsyev (reference LAPACK 3.x): eigenvalues and eigenvectors of a
 * real symmetric matrix.  Fortran calling convention with gfortran's hidden
 * lengths of the two character arguments.
 */
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a,
				   const int *lda, double *w, double *work, const int *lwork,
				   int *info, size_t jobz_len, size_t uplo_len);

void
nous_pca_free(nous_pca *pca)
{
	nous_free(pca->loadings);
	nous_free(pca->mean);
	nous_free(pca->sd);
	pca->loadings = pca->mean = pca->sd = NULL;
}

/* Pearson (1901); Jolliffe, Principal Component Analysis (2002), §2.3 (correlation matrix). */
nous_status
nous_pca_first(const double *x, const bool *present, int n, int k,
			   nous_sd_kind kind, nous_pca *pca, double *scores, bool *scorep)
{
	bool	   *complete = NULL;
	double	   *c = NULL,
			   *ev = NULL,
			   *work = NULL,
				wq,
				trace = 0.0,
				sum = 0.0;
	int			i,
				j,
				l,
				m = 0,
				lwork = -1,
				info = 0;
	nous_status st = NOUS_OK;

	memset(pca, 0, sizeof(*pca));
	pca->k = k;
	if (k < 1)
		return NOUS_ERR_EMPTY;
	complete = nous_alloc(sizeof(bool) * (size_t) (n > 0 ? n : 1));
	pca->loadings = nous_alloc(sizeof(double) * (size_t) k);
	pca->mean = nous_alloc(sizeof(double) * (size_t) k);
	pca->sd = nous_alloc(sizeof(double) * (size_t) k);
	c = nous_alloc(sizeof(double) * (size_t) k * (size_t) k);
	ev = nous_alloc(sizeof(double) * (size_t) k);
	if (!complete || !pca->loadings || !pca->mean || !pca->sd || !c || !ev)
	{
		st = NOUS_ERR_NOMEM;
		goto done;
	}
	for (i = 0; i < n; i++)
	{
		complete[i] = true;
		for (j = 0; j < k; j++)
			if (!present[(size_t) j * n + i])
				complete[i] = false;
		if (complete[i])
			m++;
	}
	pca->nused = m;
	if (m < 2)
	{
		st = NOUS_ERR_EMPTY;
		goto done;
	}
	/* means and standard deviations over the complete rows (two passes) */
	for (j = 0; j < k; j++)
	{
		const double *col = x + (size_t) j * n;
		double		s = 0.0,
					ss = 0.0;

		for (i = 0; i < n; i++)
			if (complete[i])
				s += col[i];
		pca->mean[j] = s / m;
		for (i = 0; i < n; i++)
			if (complete[i])
				ss += (col[i] - pca->mean[j]) * (col[i] - pca->mean[j]);
		pca->sd[j] = sqrt(ss / (kind == NOUS_SD_SAMPLE ? m - 1 : m));
	}
	/* correlation matrix (a constant column standardises to 0) */
	for (j = 0; j < k; j++)
		for (l = j; l < k; l++)
		{
			const double *a = x + (size_t) j * n;
			const double *b = x + (size_t) l * n;
			double		s = 0.0;

			if (pca->sd[j] > 0.0 && pca->sd[l] > 0.0)
			{
				for (i = 0; i < n; i++)
				{
					if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
						NOUS_CHECK_INTERRUPTS();
					if (complete[i])
						s += (a[i] - pca->mean[j]) * (b[i] - pca->mean[l]);
				}
				s /= (kind == NOUS_SD_SAMPLE ? m - 1 : m);
				s /= pca->sd[j] * pca->sd[l];
			}
			c[(size_t) l * k + j] = s;	/* column-major, upper triangle */
			c[(size_t) j * k + l] = s;
		}
	for (j = 0; j < k; j++)
		trace += c[(size_t) j * k + j];
	if (!(trace > 0.0))
	{
		st = NOUS_ERR_DOMAIN;
		goto done;
	}
	/* workspace query, then the eigen decomposition */
	dsyev_("V", "U", &k, c, &k, ev, &wq, &lwork, &info, 1, 1);
	if (info != 0)
	{
		st = NOUS_ERR_PARAM;
		goto done;
	}
	lwork = (int) wq;
	work = nous_alloc(sizeof(double) * (size_t) (lwork > 1 ? lwork : 1));
	if (work == NULL)
	{
		st = NOUS_ERR_NOMEM;
		goto done;
	}
	dsyev_("V", "U", &k, c, &k, ev, work, &lwork, &info, 1, 1);
	if (info != 0)
	{
		st = NOUS_ERR_PARAM;
		goto done;
	}
	/* ascending eigenvalues: the last column is the first component */
	pca->eigenvalue = ev[k - 1];
	pca->explained = ev[k - 1] / trace;
	for (j = 0; j < k; j++)
	{
		pca->loadings[j] = c[(size_t) (k - 1) * k + j];
		sum += pca->loadings[j];
	}
	if (fabs(sum) <= 1e-12)
	{
		sum = 0.0;
		for (j = 0; j < k && sum == 0.0; j++)
			if (fabs(pca->loadings[j]) > 1e-12)
				sum = pca->loadings[j];
	}
	if (sum < 0.0)
		for (j = 0; j < k; j++)
			pca->loadings[j] = -pca->loadings[j];
	if (scores != NULL)
		for (i = 0; i < n; i++)
		{
			double		s = 0.0;

			scorep[i] = complete[i];
			if (!complete[i])
				continue;
			for (j = 0; j < k; j++)
				if (pca->sd[j] > 0.0)
					s += pca->loadings[j] * (x[(size_t) j * n + i] - pca->mean[j]) / pca->sd[j];
			scores[i] = s;
		}
done:
	nous_free(complete);
	nous_free(c);
	nous_free(ev);
	nous_free(work);
	if (st != NOUS_OK)
		nous_pca_free(pca);
	return st;
}

nous_status
nous_pca_scores(const double *x, const bool *present, int n, int k,
				nous_sd_kind kind, double *out, bool *outp, char *msg,
				size_t msglen)
{
	nous_pca	pca;
	nous_status st = nous_pca_first(x, present, n, k, kind, &pca, out, outp);
	int			i,
				j;

	switch (st)
	{
		case NOUS_OK:
			nous_pca_free(&pca);
			return NOUS_OK;
		case NOUS_ERR_EMPTY:
			/* fewer than 2 complete rows: no score */
			for (i = 0; i < n; i++)
				outp[i] = false;
			return NOUS_OK;
		case NOUS_ERR_DOMAIN:
			/* every component constant: every complete row scores 0 */
			for (i = 0; i < n; i++)
			{
				outp[i] = true;
				out[i] = 0.0;
				for (j = 0; j < k; j++)
					if (!present[(size_t) j * n + i])
						outp[i] = false;
			}
			return NOUS_OK;
		case NOUS_ERR_PARAM:
			snprintf(msg, msglen, "The eigen solver (LAPACK dsyev) did not converge on the %d x %d correlation matrix.", k, k);
			return st;
		default:
			snprintf(msg, msglen, "%s", nous_status_text(st));
			return st;
	}
}
