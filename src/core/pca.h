/*
 * pca.h — the first principal component of standardised indicators
 * (weights from the data, as the FDep deprivation index: Rey et al. 2009,
 * BMC Public Health 9:33), with LAPACK's symmetric eigen solver.
 */
#ifndef NOUS_PCA_H
#define NOUS_PCA_H

#include "nous_core.h"
#include "normalise.h"

typedef struct nous_pca
{
	int			k;
	int			nused;			/* complete rows the fit used */
	double	   *loadings;		/* k: unit eigenvector, sign: sum > 0 */
	double		eigenvalue;		/* largest eigenvalue of the correlation matrix */
	double		explained;		/* eigenvalue / trace, in [0, 1] */
	double	   *mean;			/* k */
	double	   *sd;				/* k (0 for a constant column) */
} nous_pca;

/*
 * Fit on the complete rows of the n x k column-major matrix x (rows with a
 * missing component are left out), standardising each column with its mean
 * and sd (sample or population), and write the first principal component
 * into pca (arrays allocated with nous_alloc).  The eigenvector is oriented
 * so that the sum of its elements is positive (if 0: its first non-zero
 * element), so that with every indicator oriented "higher = more deprived"
 * a higher score means more deprived.  scores (n, may be NULL) receive
 * sum_j loading_j z_ij for complete rows; scorep[i] says which.
 * NOUS_ERR_EMPTY when fewer than 2 complete rows; NOUS_ERR_DOMAIN when
 * every column is constant; NOUS_ERR_PARAM when LAPACK fails.
 */
extern nous_status nous_pca_first(const double *x, const bool *present, int n,
								  int k, nous_sd_kind kind, nous_pca *pca,
								  double *scores, bool *scorep);

extern void nous_pca_free(nous_pca *pca);

/*
 * First-component scores as an aggregation (the built-in method pca): the
 * degenerate cases give scores instead of errors — fewer than 2 complete
 * rows: no score; every column constant: 0 for every complete row (no row
 * stands out).  NOUS_ERR_PARAM when LAPACK fails, explained in msg.
 */
extern nous_status nous_pca_scores(const double *x, const bool *present, int n,
								   int k, nous_sd_kind kind, double *out,
								   bool *outp, char *msg, size_t msglen);

#endif							/* NOUS_PCA_H */
