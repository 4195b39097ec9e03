/*
 * classes.c — class breaks for choropleth maps (see classes.h).
 */
#include <math.h>
#include <string.h>

#include "classes.h"

/* ---- sorting ---- */

/* Order-preserving map of a double to an unsigned key (IEEE 754 total order). */
static inline uint64_t
key_of(double d)
{
	uint64_t	u;

	memcpy(&u, &d, sizeof u);
	return (u & UINT64_C(0x8000000000000000)) ? ~u : (u | UINT64_C(0x8000000000000000));
}

static inline double
double_of(uint64_t k)
{
	uint64_t	u = (k & UINT64_C(0x8000000000000000)) ? (k & ~UINT64_C(0x8000000000000000)) : ~k;
	double		d;

	memcpy(&d, &u, sizeof d);
	return d;
}

/* LSD radix sort on 16-bit digits (Knuth TAOCP 5.2.5), skipping constant digits. */
nous_status
nous_sort_values(double *x, size_t n)
{
	uint64_t   *a,
			   *b,
			   *t;
	size_t	   *count;
	size_t		i;
	int			pass;
	bool		sorted = true;

	for (i = 1; i < n && sorted; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (x[i] < x[i - 1])
			sorted = false;
	}
	if (sorted)
		return NOUS_OK;
	/* -0.0 and 0.0 compare equal: normalise them so the keys agree */
	a = nous_alloc(sizeof(uint64_t) * n);
	b = nous_alloc(sizeof(uint64_t) * n);
	count = nous_alloc(sizeof(size_t) * 65536);
	if (a == NULL || b == NULL || count == NULL)
	{
		nous_free(a);
		nous_free(b);
		nous_free(count);
		return NOUS_ERR_NOMEM;
	}
	for (i = 0; i < n; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		a[i] = key_of(x[i] == 0.0 ? 0.0 : x[i]);
	}
	for (pass = 0; pass < 4; pass++)
	{
		int			shift = pass * 16;

		memset(count, 0, sizeof(size_t) * 65536);
		for (i = 0; i < n; i++)
		{
			if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
				NOUS_CHECK_INTERRUPTS();
			count[(a[i] >> shift) & 0xFFFF]++;
		}
		if (nous_radix_offsets(count, 65536, n))
			continue;			/* every key has this digit: nothing to do */
		for (i = 0; i < n; i++)
		{
			if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
				NOUS_CHECK_INTERRUPTS();
			b[count[(a[i] >> shift) & 0xFFFF]++] = a[i];
		}
		t = a;
		a = b;
		b = t;
	}
	for (i = 0; i < n; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		x[i] = double_of(a[i]);
	}
	nous_free(a);
	nous_free(b);
	nous_free(count);
	return NOUS_OK;
}

/* ---- shared finishing ---- */

int
nous_breaks_finish(const double *b, int nb, double min, double max, double *out)
{
	int			i,
				m = 0;

	for (i = 0; i < nb; i++)
	{
		if (!(b[i] >= min) || !(b[i] < max))
			continue;
		if (m > 0 && !(b[i] > out[m - 1]))
			continue;
		out[m++] = b[i];
	}
	out[m++] = max;
	return m;
}

int
nous_class_of(double v, const double *b, int nb)
{
	int			lo = 0,
				hi = nb - 1;

	/* binary search for the first bound >= v */
	if (nb <= 0)
		return 0;
	if (v > b[nb - 1])
		return nb;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (v <= b[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo + 1;
}

int
nous_class_of_closed(double v, const double *b, int nb, bool left_closed)
{
	int			lo = 0,
				hi = nb - 1;

	if (!left_closed)
		return nous_class_of(v, b, nb);
	/* binary search for the first interior bound > v; none: the last class */
	if (nb <= 0)
		return 0;
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (v < b[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo + 1;
}

/* ---- Fisher's exact natural breaks ---- */

/*
 * The dynamic programme of Fisher (1958) over the m distinct values with
 * weights (their multiplicities): D[c][j] = min_i D[c-1][i-1] + SS(i..j).
 * The matrix A[j][i] = D[c-1][i-1] + SS(i..j) is totally monotone (SS has
 * the quadrangle inequality), so every layer's row minima are found in O(m)
 * with SMAWK (Aggarwal et al. 1987), as in Ckmeans.1d.dp (Wang & Song 2011,
 * Song & Zhong 2020).
 */
/* prefix sums at one index, together in one cache line */
typedef struct prefix
{
	double		w;				/* of the weights */
	double		s;				/* of w x (x centred on the mean) */
	double		q;				/* of w x^2 */
} prefix;

typedef struct fisher_ctx
{
	const prefix *P;			/* m + 1 prefix sums */
	const double *prev;			/* D[c-1][.] */
	double	   *cur;			/* D[c][.] */
	int		   *arg;			/* argmin of each row of this layer */
	long		evals;
	bool		nomem;
} fisher_ctx;

/* Within-class sum of squares of distinct values i..j (König–Huygens). */
static inline double
ssq(const fisher_ctx *f, int i, int j)
{
	const prefix *a = &f->P[i],
			   *b = &f->P[j + 1];
	double		w = b->w - a->w;
	double		s = b->s - a->s;
	double		q = b->q - a->q;
	double		r = q - s * s / w;

	return r > 0.0 ? r : 0.0;
}

static inline double
cell(const fisher_ctx *f, int row, int col)
{
	if (col > row)
		return INFINITY;
	return f->prev[col - 1] + ssq(f, col, row);
}

/* SMAWK row minima (leftmost) of the rows x cols submatrix. */
static void
smawk(fisher_ctx *f, const int *rows, int nr, const int *cols, int nc)
{
	int		   *st,
			   *odd;
	double	   *sv;
	int			t = 0,
				c,
				r,
				ci;

	if (nr == 0 || f->nomem)
		return;
	f->evals += nc + nr;
	if (f->evals >= NOUS_INTERRUPT_EVERY)
	{
		f->evals = 0;
		NOUS_CHECK_INTERRUPTS();
	}
	st = nous_alloc(sizeof(int) * (size_t) (nc < nr ? nc : nr));
	sv = nous_alloc(sizeof(double) * (size_t) (nc < nr ? nc : nr));
	odd = nous_alloc(sizeof(int) * (size_t) (nr / 2 + 1));
	if (st == NULL || odd == NULL || sv == NULL)
	{
		f->nomem = true;
		nous_free(st);
		nous_free(sv);
		nous_free(odd);
		return;
	}
	/* REDUCE: keep at most nr columns that can hold a leftmost row minimum
	 * (nothing to reduce when there are no more columns than rows) */
	if (nc <= nr)
	{
		memcpy(st, cols, sizeof(int) * (size_t) nc);
		t = nc;
	}
	else
		for (c = 0; c < nc; c++)
		{
			/* sv[p] caches the value of column st[p] at row rows[p] */
			while (t > 0 && sv[t - 1] > cell(f, rows[t - 1], cols[c]))
				t--;
			if (t < nr)
			{
				st[t] = cols[c];
				sv[t] = cell(f, rows[t], cols[c]);
				t++;
			}
		}
	for (r = 1; r < nr; r += 2)
		odd[r / 2] = rows[r];
	smawk(f, odd, nr / 2, st, t);
	/* INTERPOLATE: an even row's minimum lies between its neighbours' */
	ci = 0;
	for (r = 0; r < nr; r += 2)
	{
		int			row = rows[r];
		int			last = (r + 1 < nr) ? f->arg[rows[r + 1]] : st[t - 1];
		int			best = st[ci];
		double		bv = cell(f, row, best);

		while (ci < t - 1 && st[ci] != last)
		{
			double		v;

			ci++;
			v = cell(f, row, st[ci]);
			if (v < bv)
			{
				bv = v;
				best = st[ci];
			}
		}
		f->arg[row] = best;
		f->cur[row] = bv;
	}
	nous_free(st);
	nous_free(sv);
	nous_free(odd);
}

size_t
nous_distinct_sorted(const double *x, size_t n)
{
	size_t		m = n > 0 ? 1 : 0;

	for (size_t i = 1; i < n; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (x[i] != x[i - 1])
			m++;
	}
	return m;
}

double
nous_fisher_bytes(size_t m, int k)
{
	/* distinct values, prefix sums, two layers, the argmins, the rows */
	return (double) m * (double) (sizeof(double) + sizeof(prefix) + 2 * sizeof(double)
								  + sizeof(int) * (size_t) (k > 1 ? k - 1 : 1) + sizeof(int));
}

/* Fisher (1958), "On grouping for maximum homogeneity", JASA 53:789-798. */
nous_status
nous_breaks_fisher(const double *x, size_t n, int k, double *out, int *nout,
				   double *sdcm)
{
	double	   *v,
			   *prev,
			   *cur;
	int		   *args = NULL,
			   *rows = NULL,
			   *ends;
	size_t		i;
	int			m = 0,
				c,
				j;
	double		mean = 0.0,
				best;
	nous_status st = NOUS_OK;
	fisher_ctx	f;
	prefix	   *P;

	if (n == 0)
		return NOUS_ERR_EMPTY;
	if (k < 1 || k > NOUS_BREAKS_KMAX)
		return NOUS_ERR_PARAM;
	if ((uint64_t) n > (uint64_t) 0x7FFFFFF0)
		return NOUS_ERR_DOMAIN;
	/* the mean and the number of distinct values first: memory for those only */
	for (i = 0; i < n; i++)
	{
		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		mean += x[i];
	}
	mean /= (double) n;
	{
		size_t		md = nous_distinct_sorted(x, n);

		v = nous_alloc(sizeof(double) * md);
		P = nous_alloc(sizeof(prefix) * (md + 1));
	}
	if (v == NULL || P == NULL)
	{
		st = NOUS_ERR_NOMEM;
		goto done0;
	}
	/* collapse duplicates: distinct values with weights, centred on the mean */
	memset(&P[0], 0, sizeof(prefix));
	for (i = 0; i < n;)
	{
		size_t		e = i;
		double		d = x[i] - mean;
		double		w;

		if ((m & 65535) == 0)
			NOUS_CHECK_INTERRUPTS();
		while (e < n && x[e] == x[i])
			e++;
		w = (double) (e - i);
		v[m] = x[i];
		P[m + 1].w = P[m].w + w;
		P[m + 1].s = P[m].s + w * d;
		P[m + 1].q = P[m].q + w * d * d;
		m++;
		i = e;
	}
	if (m <= k)
	{
		/* each distinct value is a class of its own: SDCM = 0 */
		for (j = 0; j < m; j++)
			out[j] = v[j];
		*nout = m;
		if (sdcm)
			*sdcm = 0.0;
		goto done0;
	}
	prev = nous_alloc(sizeof(double) * (size_t) m);
	cur = nous_alloc(sizeof(double) * (size_t) m);
	args = nous_alloc(sizeof(int) * (size_t) m * (size_t) (k > 1 ? k - 1 : 1));
	rows = nous_alloc(sizeof(int) * (size_t) m);
	ends = nous_alloc(sizeof(int) * (size_t) k);
	if (prev == NULL || cur == NULL || args == NULL || rows == NULL || ends == NULL)
	{
		st = NOUS_ERR_NOMEM;
		goto done1;
	}
	memset(&f, 0, sizeof f);
	f.P = P;
	for (j = 0; j < m; j++)
	{
		if ((j & 65535) == 0)
			NOUS_CHECK_INTERRUPTS();
		prev[j] = ssq(&f, 0, j);
	}
	/* layers 1..k-2 over every row; args[(c-1) m + j] = first index of class c */
	for (c = 1; c < k - 1; c++)
	{
		int			nr = m - c;
		double	   *t;

		NOUS_CHECK_INTERRUPTS();
		for (j = 0; j < nr; j++)
			rows[j] = c + j;
		f.prev = prev;
		f.cur = cur;
		f.arg = args + (size_t) (c - 1) * (size_t) m;
		smawk(&f, rows, nr, rows, nr);
		if (f.nomem)
		{
			st = NOUS_ERR_NOMEM;
			goto done1;
		}
		t = prev;
		prev = cur;
		cur = t;
	}
	/* last layer: only the row of the last value */
	if (k == 1)
	{
		best = prev[m - 1];
		ends[0] = m - 1;
	}
	else
	{
		int			bi = k - 1;

		best = INFINITY;
		for (j = k - 1; j < m; j++)
		{
			double		val = prev[j - 1] + ssq(&f, j, m - 1);

			if ((j & 65535) == 0)
				NOUS_CHECK_INTERRUPTS();

			if (val < best)
			{
				best = val;
				bi = j;
			}
		}
		/* backtrack: class c ends just before the start of class c + 1 */
		ends[k - 1] = m - 1;
		ends[k - 2] = bi - 1;
		for (c = k - 2; c >= 1; c--)
			ends[c - 1] = args[(size_t) (c - 1) * (size_t) m + ends[c]] - 1;
	}
	for (c = 0; c < k; c++)
		out[c] = v[ends[c]];
	*nout = k;
	if (sdcm)
		*sdcm = best;
done1:
	nous_free(prev);
	nous_free(cur);
	nous_free(args);
	nous_free(rows);
	nous_free(ends);
done0:
	nous_free(v);
	nous_free(P);
	return st;
}

/* ---- quantiles ---- */

static inline double
xat(const double *x, size_t n, double j)
{
	/* 1-based order statistic, clamped to x_1 .. x_n as R pads */
	if (j < 1.0)
		return x[0];
	if (j > (double) n)
		return x[n - 1];
	return x[(size_t) j - 1];
}

/* Hyndman & Fan (1996) "Sample quantiles in statistical packages", Am. Stat.
 * 50:361-365, as in R's stats::quantile (with its 4 eps fuzz). */
double
nous_hf_quantile(const double *x, size_t n, double p, int type)
{
	const double fuzz = 4.0 * 2.220446049250313e-16;
	double		nppm,
				j,
				h;
	double		lo,
				hi;

	if (type <= 3)
	{
		nppm = (type == 3) ? (double) n * p - 0.5 : (double) n * p;
		j = floor(nppm + fuzz);
		if (type == 1)
			h = nppm > j ? 1.0 : 0.0;
		else if (type == 2)
			h = ((nppm > j ? 1.0 : 0.0) + 1.0) / 2.0;
		else
			h = (nppm != j || fmod(j, 2.0) == 1.0) ? 1.0 : 0.0;
	}
	else
	{
		static const double ab[6][2] = {
			{0, 1}, {0.5, 0.5}, {0, 0}, {1, 1}, {1.0 / 3, 1.0 / 3}, {3.0 / 8, 3.0 / 8}
		};
		double		a = ab[type - 4][0],
					b = ab[type - 4][1];

		nppm = a + p * ((double) n + 1.0 - a - b);
		j = floor(nppm + fuzz);
		h = nppm - j;
		if (fabs(h) < fuzz)
			h = 0.0;
	}
	lo = xat(x, n, j);
	hi = xat(x, n, j + 1.0);
	if (h == 0.0)
		return lo;
	if (h == 1.0)
		return hi;
	if (lo == hi)
		return lo;
	return (1.0 - h) * lo + h * hi;
}

nous_status
nous_breaks_quantile(const double *x, size_t n, int k, int type, double *out, int *nout)
{
	double	   *b;
	int			c;

	if (n == 0)
		return NOUS_ERR_EMPTY;
	if (k < 1 || k > NOUS_BREAKS_KMAX || type < 1 || type > 9)
		return NOUS_ERR_PARAM;
	b = nous_alloc(sizeof(double) * (size_t) k);
	if (b == NULL)
		return NOUS_ERR_NOMEM;
	for (c = 1; c < k; c++)
		b[c - 1] = nous_hf_quantile(x, n, (double) c / (double) k, type);
	*nout = nous_breaks_finish(b, k - 1, x[0], x[n - 1], out);
	nous_free(b);
	return NOUS_OK;
}

/*
 * The range lo..hi of n sorted values to cut into k classes: the checks
 * shared by the equal-interval and pretty breaks (no value, k out of range,
 * a range too large for a double).
 */
static nous_status
sorted_range(const double *x, size_t n, int k, double *lo, double *hi)
{
	if (n == 0)
		return NOUS_ERR_EMPTY;
	if (k < 1 || k > NOUS_BREAKS_KMAX)
		return NOUS_ERR_PARAM;
	*lo = x[0];
	*hi = x[n - 1];
	if (!isfinite(*hi - *lo))
		return NOUS_ERR_DOMAIN;
	return NOUS_OK;
}

/* Equal intervals over [min, max] (e.g. Slocum et al., Thematic Cartography). */
nous_status
nous_breaks_equal(const double *x, size_t n, int k, double *out, int *nout)
{
	double	   *b;
	int			c;
	double		lo,
				hi;
	nous_status st;

	if ((st = sorted_range(x, n, k, &lo, &hi)) != NOUS_OK)
		return st;
	b = nous_alloc(sizeof(double) * (size_t) k);
	if (b == NULL)
		return NOUS_ERR_NOMEM;
	for (c = 1; c < k; c++)
		b[c - 1] = lo + (double) c * (hi - lo) / (double) k;
	*nout = nous_breaks_finish(b, k - 1, lo, hi, out);
	nous_free(b);
	return NOUS_OK;
}

/* Mean and sample standard deviation (two passes). */
static void
mean_sd(const double *x, size_t n, double *mean, double *sd)
{
	double		s = 0.0,
				ss = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
		s += x[i];
	s /= (double) n;
	for (i = 0; i < n; i++)
		ss += (x[i] - s) * (x[i] - s);
	*mean = s;
	*sd = n > 1 ? sqrt(ss / (double) (n - 1)) : 0.0;
}

/* Standard-deviation classes (Slocum et al., Thematic Cartography, ch. 5). */
nous_status
nous_breaks_sd(const double *x, size_t n, int k, double width, double *out, int *nout)
{
	double	   *b;
	double		mean,
				sd;
	int			c;

	if (n == 0)
		return NOUS_ERR_EMPTY;
	if (k < 1 || k > NOUS_BREAKS_KMAX || !(width > 0.0) || !isfinite(width))
		return NOUS_ERR_PARAM;
	mean_sd(x, n, &mean, &sd);
	if (!isfinite(sd))
		return NOUS_ERR_DOMAIN;
	b = nous_alloc(sizeof(double) * (size_t) k);
	if (b == NULL)
		return NOUS_ERR_NOMEM;
	for (c = 1; c < k; c++)
		b[c - 1] = mean + ((double) c - (double) k / 2.0) * width * sd;
	*nout = nous_breaks_finish(b, k - 1, x[0], x[n - 1], out);
	nous_free(b);
	return NOUS_OK;
}

/* Jiang (2013), "Head/tail breaks", Prof. Geogr. 65:482-494; stopping rule of
 * classInt style = "headtails". */
nous_status
nous_breaks_headtails(const double *x, size_t n, int k, double thr, double *out, int *nout)
{
	double	   *b;
	int			nb = 0;
	size_t		lo = 0;

	if (n == 0)
		return NOUS_ERR_EMPTY;
	if (k < 1 || k > NOUS_BREAKS_KMAX || !(thr > 0.0 && thr <= 1.0))
		return NOUS_ERR_PARAM;
	b = nous_alloc(sizeof(double) * (size_t) k);
	if (b == NULL)
		return NOUS_ERR_NOMEM;
	while (nb < k - 1)
	{
		double		m = 0.0;
		size_t		i,
					h,
					len = n - lo;

		for (i = lo; i < n; i++)
			m += x[i];
		m /= (double) len;
		b[nb++] = m;
		/* the head is a suffix of the sorted values: those > m */
		h = lo;
		while (h < n && !(x[h] > m))
			h++;
		if (n - h <= 1 || (double) (n - h) / (double) len > thr)
			break;
		lo = h;
	}
	*nout = nous_breaks_finish(b, nb, x[0], x[n - 1], out);
	nous_free(b);
	return NOUS_OK;
}

/* Nice steps 1, 2, 2.5, 5 x 10^e (Heckbert 1990, "Nice numbers for graph
 * labels", Graphics Gems). */
nous_status
nous_breaks_pretty(const double *x, size_t n, int k, double *out, int *nout)
{
	static const double nice[] = {1.0, 2.0, 2.5, 5.0, 10.0};
	double		lo,
				hi,
				raw,
				e,
				step = 0.0,
				start;
	double	   *b;
	int			i,
				nb = 0;
	nous_status st;

	if ((st = sorted_range(x, n, k, &lo, &hi)) != NOUS_OK)
		return st;
	if (hi == lo || k == 1)
	{
		out[0] = hi;
		*nout = 1;
		return NOUS_OK;
	}
	raw = (hi - lo) / (double) k;
	e = pow(10.0, floor(log10(raw)));
	for (i = 0; i < 5; i++)
	{
		step = nice[i] * e;
		/* classes needed with this step from floor(lo / step) step */
		if (ceil(hi / step) - floor(lo / step) <= (double) k)
			break;
	}
	start = floor(lo / step) * step;
	b = nous_alloc(sizeof(double) * (size_t) (k + 2));
	if (b == NULL)
		return NOUS_ERR_NOMEM;
	for (i = 1; i <= k + 1 && nb < k + 1; i++)
	{
		double		v = start + (double) i * step;

		if (v >= hi)
			break;
		b[nb++] = v;
	}
	*nout = nous_breaks_finish(b, nb, lo, hi, out);
	nous_free(b);
	return NOUS_OK;
}

/* Tukey (1977), Exploratory Data Analysis: box-plot fences at hinge x IQR. */
nous_status
nous_breaks_box(const double *x, size_t n, double hinge, double *out, int *nout)
{
	double		b[5];
	double		q1,
				q3;

	if (n == 0)
		return NOUS_ERR_EMPTY;
	if (!(hinge >= 0.0) || !isfinite(hinge))
		return NOUS_ERR_PARAM;
	q1 = nous_hf_quantile(x, n, 0.25, 7);
	q3 = nous_hf_quantile(x, n, 0.75, 7);
	b[0] = q1 - hinge * (q3 - q1);
	b[1] = q1;
	b[2] = nous_hf_quantile(x, n, 0.5, 7);
	b[3] = q3;
	b[4] = q3 + hinge * (q3 - q1);
	*nout = nous_breaks_finish(b, 5, x[0], x[n - 1], out);
	return NOUS_OK;
}

/* ---- goodness of variance fit ---- */

/* Welford (1962) update. */
void
nous_moments_add(nous_moments *m, double x)
{
	double		d = x - m->mean;

	m->n += 1.0;
	m->mean += d / m->n;
	m->m2 += d * (x - m->mean);
}

/* Chan, Golub & LeVeque (1979) pairwise merge of moments. */
void
nous_moments_merge(nous_moments *into, const nous_moments *from)
{
	double		n,
				d;

	if (from->n == 0.0)
		return;
	if (into->n == 0.0)
	{
		*into = *from;
		return;
	}
	n = into->n + from->n;
	d = from->mean - into->mean;
	into->m2 += from->m2 + d * d * into->n * from->n / n;
	into->mean += d * from->n / n;
	into->n = n;
}

void
nous_gvf_parts(const nous_moments *classes, int k, double *sdam, double *sdcm)
{
	nous_moments all = {0, 0, 0};
	int			c;

	*sdcm = 0.0;
	for (c = 0; c < k; c++)
	{
		*sdcm += classes[c].m2;
		nous_moments_merge(&all, &classes[c]);
	}
	*sdam = all.m2;
}

/* Jenks (1977) goodness of variance fit, 1 - SDCM / SDAM. */
double
nous_gvf(const nous_moments *classes, int k)
{
	double		sdam,
				sdcm;

	nous_gvf_parts(classes, k, &sdam, &sdcm);
	if (!(sdam > 0.0))
		return NAN;
	return 1.0 - sdcm / sdam;
}
