/*
 * Unit tests of src/core/spatial.c: graph construction, bounding-box pairs
 * against brute force, and the global statistics against a dense-matrix
 * computation of the published formulas written here independently.
 */
#include <stdlib.h>

#include "unit.h"
#include "spatial.h"

static unsigned long long rng = 0x2545F4914F6CDD1DULL;
static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double) (rng >> 11) / 9007199254740992.0;
}

TEST(build_graph)
{
	int64_t		from[] = {3, 1, 1, 1};
	int64_t		to[] = {1, 3, 2, 2};
	int64_t		nodes[] = {9, 2};
	int64_t    *ids,
				bad = 0;
	int32_t    *rowptr,
			   *col,
				n,
				nnz;
	nous_graph	g;
	const char *err;

	CHECK_INT(nous_graph_build(from, to, 4, nodes, 2, &ids, &n, &rowptr, &col, &nnz, &bad), NOUS_OK);
	CHECK_INT(n, 4);
	CHECK_INT(nnz, 3);			/* 1->2 (twice), 1->3, 3->1 */
	CHECK_INT(ids[3], 9);
	CHECK_INT(rowptr[1], 2);	/* node 1 has 2 neighbours */
	CHECK_INT(col[0], 1);		/* 1 -> 2 (index 1) */
	CHECK_INT(rowptr[4], 3);
	g.n = n;
	g.nnz = nnz;
	g.ids = ids;
	g.rowptr = rowptr;
	g.col = col;
	CHECK(nous_graph_valid(&g, &err));
	CHECK_INT(nous_graph_find(&g, 9), 3);
	CHECK_INT(nous_graph_find(&g, 4), -1);
	col[0] = 0;					/* self-link */
	CHECK(!nous_graph_valid(&g, &err));
	free(ids);
	free(rowptr);
	free(col);
	{
		int64_t		f[] = {5},
					t[] = {5};

		CHECK_INT(nous_graph_build(f, t, 1, NULL, 0, &ids, &n, &rowptr, &col, &nnz, &bad), NOUS_ERR_DOMAIN);
		CHECK_INT(bad, 5);
	}
}

TEST(bbox_pairs_brute_force)
{
	enum {N = 300};
	double		x0[N],
				y0[N],
				x1[N],
				y1[N];
	int32_t    *pi,
			   *pj;
	size_t		np,
				brute = 0,
				k;
	int			i,
				j,
				ok = 1;

	for (i = 0; i < N; i++)
	{
		x0[i] = urand() * 100;
		y0[i] = urand() * 100;
		x1[i] = x0[i] + urand() * 8;
		y1[i] = y0[i] + urand() * 8;
	}
	x1[5] = x0[6];				/* touching boxes count */
	CHECK_INT(nous_bbox_pairs(x0, y0, x1, y1, N, &pi, &pj, &np), NOUS_OK);
	for (i = 0; i < N; i++)
		for (j = i + 1; j < N; j++)
			if (x0[i] <= x1[j] && x0[j] <= x1[i] && y0[i] <= y1[j] && y0[j] <= y1[i])
				brute++;
	CHECK_INT(np, brute);
	for (k = 0; k < np; k++)
	{
		i = pi[k];
		j = pj[k];
		if (!(i < j && x0[i] <= x1[j] && x0[j] <= x1[i] && y0[i] <= y1[j] && y0[j] <= y1[i]))
			ok = 0;
	}
	CHECK(ok);
	free(pi);
	free(pj);
}

/* dense reference: Moran's I, E, Var_norm, Var_rand with row-standardised weights */
TEST(moran_dense_reference)
{
	enum {N = 30};
	double		W[N][N],
				x[N],
				z[N];
	int64_t		from[N * N],
				to[N * N],
				nodes[N];
	size_t		m = 0;
	int			i,
				j;
	int64_t    *ids,
				bad;
	int32_t    *rowptr,
			   *col,
				n,
				nnz;
	nous_graph	g;
	nous_autocorr_opts o = {NOUS_STYLE_W, false, 99, 1, NOUS_ALT_TWO_SIDED};
	nous_global_result r;
	double		mean = 0,
				s0 = 0,
				s1 = 0,
				s2 = 0,
				num = 0,
				m2 = 0,
				m4 = 0,
				I,
				E,
				vn,
				vr,
				b2,
				dn = N,
				C,
				gnum = 0;

	memset(W, 0, sizeof W);
	for (i = 0; i < N; i++)
	{
		nodes[i] = 100 + i;
		x[i] = urand() * 10 + (i % 5);
		/* a ring plus random chords: no island, not symmetric */
		from[m] = 100 + i;
		to[m++] = 100 + (i + 1) % N;
		if (urand() < 0.5)
		{
			j = (int) (urand() * N);
			if (j != i)
			{
				from[m] = 100 + i;
				to[m++] = 100 + j;
			}
		}
	}
	CHECK_INT(nous_graph_build(from, to, m, nodes, N, &ids, &n, &rowptr, &col, &nnz, &bad), NOUS_OK);
	for (i = 0; i < N; i++)
		for (j = rowptr[i]; j < rowptr[i + 1]; j++)
			W[i][col[j]] = 1.0 / (rowptr[i + 1] - rowptr[i]);
	for (i = 0; i < N; i++)
		mean += x[i] / N;
	for (i = 0; i < N; i++)
	{
		z[i] = x[i] - mean;
		m2 += z[i] * z[i];
		m4 += z[i] * z[i] * z[i] * z[i];
	}
	for (i = 0; i < N; i++)
	{
		double		rs = 0,
					cs = 0;

		for (j = 0; j < N; j++)
		{
			s0 += W[i][j];
			s1 += 0.5 * (W[i][j] + W[j][i]) * (W[i][j] + W[j][i]);
			rs += W[i][j];
			cs += W[j][i];
			num += W[i][j] * z[i] * z[j];
			gnum += W[i][j] * (x[i] - x[j]) * (x[i] - x[j]);
		}
		s2 += (rs + cs) * (rs + cs);
	}
	I = dn / s0 * num / m2;
	E = -1.0 / (dn - 1);
	vn = (dn * dn * s1 - dn * s2 + 3 * s0 * s0) / ((dn * dn - 1) * s0 * s0) - E * E;
	b2 = dn * m4 / (m2 * m2);
	vr = (dn * ((dn * dn - 3 * dn + 3) * s1 - dn * s2 + 3 * s0 * s0) - b2 * ((dn * dn - dn) * s1 - 2 * dn * s2 + 6 * s0 * s0))
		/ ((dn - 1) * (dn - 2) * (dn - 3) * s0 * s0) - E * E;
	C = (dn - 1) * gnum / (2 * s0 * m2);
	g.n = n;
	g.nnz = nnz;
	g.ids = ids;
	g.rowptr = rowptr;
	g.col = col;
	CHECK_INT(nous_global_autocorr(&g, x, NOUS_MORAN, &o, &r), NOUS_OK);
	CHECK_NEAR(r.s0, s0, 1e-12);
	CHECK_NEAR(r.s1, s1, 1e-12);
	CHECK_NEAR(r.s2, s2, 1e-12);
	CHECK_NEAR(r.stat, I, 1e-12);
	CHECK_NEAR(r.expected, E, 1e-15);
	CHECK_NEAR(r.var_normal, vn, 1e-12);
	CHECK_NEAR(r.var_random, vr, 1e-12);
	CHECK(r.p_perm > 0 && r.p_perm <= 0.5 + 1e-12);
	CHECK_INT(nous_global_autocorr(&g, x, NOUS_GEARY, &o, &r), NOUS_OK);
	CHECK_NEAR(r.stat, C, 1e-12);
	/* a missing value drops the area and its links */
	x[3] = NAN;
	o.keep_islands = true;		/* area 2 may have had 3 as only neighbour */
	CHECK_INT(nous_global_autocorr(&g, x, NOUS_MORAN, &o, &r), NOUS_OK);
	CHECK_INT(r.n, N - 1);
	free(ids);
	free(rowptr);
	free(col);
}

/* complete graph, binary weights: G = 1 for any values, so Var[G] = 0 */
TEST(getis_ord_complete_graph)
{
	enum {N = 7};
	int64_t		from[N * N],
				to[N * N];
	double		x[N];
	size_t		m = 0;
	int			i,
				j;
	int64_t    *ids,
				bad;
	int32_t    *rowptr,
			   *col,
				n,
				nnz;
	nous_graph	g;
	nous_autocorr_opts o = {NOUS_STYLE_B, false, 0, 1, NOUS_ALT_TWO_SIDED};
	nous_global_result r;

	for (i = 0; i < N; i++)
	{
		x[i] = 1 + urand() * 5;
		for (j = 0; j < N; j++)
			if (i != j)
			{
				from[m] = i;
				to[m++] = j;
			}
	}
	CHECK_INT(nous_graph_build(from, to, m, NULL, 0, &ids, &n, &rowptr, &col, &nnz, &bad), NOUS_OK);
	g.n = n;
	g.nnz = nnz;
	g.ids = ids;
	g.rowptr = rowptr;
	g.col = col;
	CHECK_INT(nous_global_autocorr(&g, x, NOUS_GETIS_ORD, &o, &r), NOUS_OK);
	CHECK_NEAR(r.stat, 1.0, 1e-12);
	CHECK_NEAR(r.expected, 1.0, 1e-12);
	CHECK_NEAR(r.var_random, 0.0, 1e-10);
	free(ids);
	free(rowptr);
	free(col);
}

TEST(islands)
{
	int64_t		from[] = {1, 2, 2, 3},
				to[] = {2, 1, 3, 2},
				nodes[] = {4, 5};
	double		x[] = {1, 2, 3, 4, 6};
	int64_t    *ids,
				bad;
	int32_t    *rowptr,
			   *col,
				n,
				nnz,
				isl;
	nous_graph	g;
	nous_autocorr_opts o = {NOUS_STYLE_W, false, 0, 1, NOUS_ALT_TWO_SIDED};
	nous_global_result r;
	nous_local_result lr[5];

	CHECK_INT(nous_graph_build(from, to, 4, nodes, 2, &ids, &n, &rowptr, &col, &nnz, &bad), NOUS_OK);
	g.n = n;
	g.nnz = nnz;
	g.ids = ids;
	g.rowptr = rowptr;
	g.col = col;
	CHECK_INT(nous_global_autocorr(&g, x, NOUS_MORAN, &o, &r), NOUS_ERR_DOMAIN);
	CHECK_INT(r.islands, 2);
	o.keep_islands = true;
	CHECK_INT(nous_global_autocorr(&g, x, NOUS_MORAN, &o, &r), NOUS_OK);
	CHECK_NEAR(r.s0, 3, 1e-15);
	CHECK_INT(nous_local_moran(&g, x, &o, lr, &isl), NOUS_OK);
	CHECK_INT(isl, 2);
	CHECK_NEAR(lr[3].ii, 0, 0);
	free(ids);
	free(rowptr);
	free(col);
}

TEST(components)
{
	/* 1-2-3 (2 -> 3 one way), 7-8, 5 alone: components {1,2,3} {5} {7,8} */
	int64_t		from[] = {1, 2, 2, 8},
				to[] = {2, 1, 3, 7},
				nodes[] = {5};
	int64_t    *ids,
				bad;
	int32_t    *rowptr,
			   *col,
				n,
				nnz,
				comp[6];
	nous_graph	g;

	CHECK_INT(nous_graph_build(from, to, 4, nodes, 1, &ids, &n, &rowptr, &col, &nnz, &bad), NOUS_OK);
	g.n = n;
	g.nnz = nnz;
	g.ids = ids;
	g.rowptr = rowptr;
	g.col = col;
	CHECK_INT(nous_graph_components(&g, comp), NOUS_OK);
	CHECK_INT(comp[0], 0);
	CHECK_INT(comp[1], 0);
	CHECK_INT(comp[2], 0);
	CHECK_INT(comp[3], 3);		/* 5 */
	CHECK_INT(comp[4], 4);		/* 7 */
	CHECK_INT(comp[5], 4);		/* 8 */
	free(ids);
	free(rowptr);
	free(col);
}

TEST(knn_brute_force)
{
	enum {N = 400, K = 5};
	double		x[N],
				y[N];
	int64_t		ids[N];
	int32_t		nbr[N * K];
	int			i,
				j,
				ok = 1;

	for (i = 0; i < N; i++)
	{
		x[i] = floor(urand() * 50);	/* many ties */
		y[i] = urand() * urand() * 30;
		ids[i] = 1000 - i;
	}
	CHECK_INT(nous_knn(x, y, ids, N, K, nbr), NOUS_OK);
	for (i = 0; i < N; i++)
	{
		/* brute force: rank every other point by (d2, id) */
		for (int r = 0; r < K; r++)
		{
			int			bj = -1;
			double		bd = INFINITY;

			for (j = 0; j < N; j++)
			{
				double		d2;
				int			used = 0;

				if (j == i)
					continue;
				for (int q = 0; q < r; q++)
					if (nbr[i * K + q] == j)
						used = 1;
				if (used)
					continue;
				d2 = (x[i] - x[j]) * (x[i] - x[j]) + (y[i] - y[j]) * (y[i] - y[j]);
				if (d2 < bd || (d2 == bd && ids[j] < ids[bj]))
				{
					bd = d2;
					bj = j;
				}
			}
			if (nbr[i * K + r] != bj)
				ok = 0;
		}
	}
	CHECK(ok);
	CHECK_INT(nous_knn(x, y, ids, N, N, nbr), NOUS_ERR_PARAM);
	CHECK_INT(nous_knn(x, y, ids, N, 0, nbr), NOUS_ERR_PARAM);
	{
		/* all points at one place */
		double		z[4] = {1, 1, 1, 1};
		int64_t		zi[4] = {4, 3, 2, 1};
		int32_t		zn[8];

		CHECK_INT(nous_knn(z, z, zi, 4, 2, zn), NOUS_OK);
		CHECK_INT(zn[0], 3);	/* id 1 */
		CHECK_INT(zn[1], 2);	/* id 2 */
	}
}

TEST(band_pairs)
{
	double		x[] = {0, 3, 4, 10},
				y[] = {0, 4, 0, 0};
	int32_t    *pi,
			   *pj;
	size_t		np;

	/* distances: (0,1) 5, (0,2) 4, (1,2) 4.12, (2,3) 6 */
	CHECK_INT(nous_band_pairs(x, y, 4, 5.0, &pi, &pj, &np), NOUS_OK);
	CHECK_INT(np, 3);
	free(pi);
	free(pj);
	/* the limit counts the pairs within the band, not the candidate boxes
	 * (4 boxes of side 5 intersect in 4 pairs, 3 are within 5) */
	CHECK_INT(nous_band_pairs_max(x, y, 4, 5.0, 3, &pi, &pj, &np), NOUS_OK);
	CHECK_INT(np, 3);
	free(pi);
	free(pj);
	CHECK_INT(nous_band_pairs_max(x, y, 4, 5.0, 2, &pi, &pj, &np), NOUS_ERR_LIMIT);
	CHECK(pi == NULL && pj == NULL);
}

/* the sweep stops at the limit, before it allocates for more pairs */
TEST(bbox_pairs_limit)
{
	enum { N = 3000 };
	double	   *x0 = malloc(sizeof(double) * N),
			   *x1 = malloc(sizeof(double) * N),
			   *y0 = malloc(sizeof(double) * N),
			   *y1 = malloc(sizeof(double) * N);
	int32_t    *pi,
			   *pj;
	size_t		np;

	for (int i = 0; i < N; i++)
	{
		x0[i] = y0[i] = 0;		/* every box overlaps every other: N (N - 1) / 2 pairs */
		x1[i] = y1[i] = 1;
	}
	CHECK_INT(nous_bbox_pairs_max(x0, y0, x1, y1, N, NULL, NULL, 10000, &pi, &pj, &np), NOUS_ERR_LIMIT);
	CHECK_INT(np, 10000);
	CHECK_INT(nous_bbox_pairs_max(x0, y0, x1, y1, N, NULL, NULL, (size_t) N * (N - 1) / 2, &pi, &pj, &np), NOUS_OK);
	CHECK_INT(np, (long long) N * (N - 1) / 2);
	free(pi);
	free(pj);
	free(x0);
	free(x1);
	free(y0);
	free(y1);
}

/* rook pairs of polygons given as closed rings (one ring each) */
static nous_status
rook_of(const double *x, const double *y, const size_t *start, const int32_t *poly,
		size_t nring, int32_t npoly, int64_t **sure, size_t *ns, int64_t **maybe, size_t *nm)
{
	nous_rings	r;

	r.npoly = npoly;
	r.nring = nring;
	r.ring_start = start;
	r.ring_poly = poly;
	r.x = x;
	r.y = y;
	return nous_rook_pairs(&r, sure, ns, maybe, nm);
}

TEST(rook_pairs_exact)
{
	/*
	 * 0: [0,2]x[0,1]; 1: [2,3]x[0,1] shares the edge x = 2 (same segment);
	 * 2: [0.5,1.5]x[1,2] on top of 0, no shared vertex (T-junctions);
	 * 3: [3,4]x[1,2] touches 1 at the corner (3,1) only;
	 * 4: [1.5,2.75]x[1,2] is 2's neighbour (edge x = 1.5) and above 0 and 1
	 *    with a repeated vertex and no closing point
	 */
	const double x[] = {0, 2, 2, 0, 0, 2, 3, 3, 2, 2, 0.5, 1.5, 1.5, 0.5, 0.5,
		3, 4, 4, 3, 3, 1.5, 2.75, 2.75, 2.75, 1.5};
	const double y[] = {0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 2, 2, 1,
		1, 1, 2, 2, 1, 1, 1, 2, 2, 2};
	const size_t start[] = {0, 5, 10, 15, 20, 25};
	const int32_t poly[] = {0, 1, 2, 3, 4};
	int64_t    *sure,
			   *maybe;
	size_t		ns,
				nm;
	const int64_t want[] = {(0LL << 32) | 1, (0LL << 32) | 2, (0LL << 32) | 4,
		(1LL << 32) | 4, (2LL << 32) | 4};

	CHECK_INT(rook_of(x, y, start, poly, 5, 5, &sure, &ns, &maybe, &nm), NOUS_OK);
	CHECK_INT(ns, 5);
	CHECK_INT(nm, 0);
	for (size_t i = 0; i < ns && i < 5; i++)
		CHECK_INT(sure[i], want[i]);
	free(sure);
	free(maybe);
}

TEST(rook_pairs_undecided)
{
	/*
	 * 0: triangle (0,0) (3,1) (0,1); 1: (0,0) (3,1) (3,0) with an extra
	 * vertex (0.3,0.1) on the shared edge: 0.3 * 1 - 0.1 * 3 is not exact in
	 * doubles, so the pair is left to the outside predicate
	 */
	const double x2[] = {0, 3, 0, 0, 0, 3, 3, 0.3, 0};
	const double y2[] = {0, 1, 1, 0, 0, 0, 1, 0.1, 0};
	const size_t start2[] = {0, 4, 9};
	const int32_t poly[] = {0, 1};
	int64_t    *sure,
			   *maybe;
	size_t		ns,
				nm;

	/* ring 1: (0,0) (3,0) (3,1) (0.3,0.1) (0,0): (0.3,0.1) lies near edge (0,0)-(3,1) of 0 */
	CHECK_INT(rook_of(x2, y2, start2, poly, 2, 2, &sure, &ns, &maybe, &nm), NOUS_OK);
	CHECK_INT(ns, 0);
	CHECK_INT(nm, 1);
	if (nm == 1)
		CHECK_INT(maybe[0], 1);
	free(sure);
	free(maybe);
}

/* The text form parsed into links; syntax errors say where. */
TEST(weights_text_parse)
{
	nous_weights_links l;
	const char *why = NULL;
	static const char *const bad[] = {"", "[", "{1:[2,}", "{1:[2]} x", "{1 [2]}", "{1:[2] 2:[]}",
	"{a:[]}", "{1:[99999999999999999999]}", "{1:[2],", "{1:[2"};

	CHECK_INT(nous_weights_parse(" { 1 : [2, 3] , 2:[1], 3:[] } ", &l, &why), NOUS_OK);
	CHECK_INT(l.m, 3);
	CHECK_INT(l.nn, 3);
	if (l.m == 3 && l.nn == 3)
	{
		CHECK_INT(l.from[0], 1);
		CHECK_INT(l.to[0], 2);
		CHECK_INT(l.from[1], 1);
		CHECK_INT(l.to[1], 3);
		CHECK_INT(l.from[2], 2);
		CHECK_INT(l.to[2], 1);
		CHECK_INT(l.nodes[2], 3);
	}
	nous_weights_links_free(&l);
	CHECK_INT(nous_weights_parse("{}", &l, &why), NOUS_OK);
	CHECK_INT(l.m + l.nn, 0);
	nous_weights_links_free(&l);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		why = NULL;
		CHECK_INT(nous_weights_parse(bad[i], &l, &why), NOUS_ERR_SYNTAX);
		CHECK(why != NULL && why[0] != '\0');
	}
	CHECK_STR((nous_weights_parse("{1:[2]}}", &l, &why), why), "Unexpected characters after \"}\".");
}

/* A stored value written, viewed back, and refused when damaged. */
TEST(weights_stored_view)
{
	const int64_t from[] = {1, 2, 2, 3};
	const int64_t to[] = {2, 1, 3, 2};
	const int64_t nodes[] = {4};
	int64_t    *ids,
				bad = 0;
	int32_t    *rowptr,
			   *col,
				n,
				nnz;
	nous_graph	g,
				v;
	size_t		len;
	unsigned char *buf;
	const char *why = NULL;
	int32_t		big = 7;

	CHECK_INT(nous_graph_build(from, to, 4, nodes, 1, &ids, &n, &rowptr, &col, &nnz, &bad), NOUS_OK);
	g.n = n;
	g.nnz = nnz;
	g.ids = ids;
	g.rowptr = rowptr;
	g.col = col;
	len = nous_weights_size(n, nnz);
	CHECK_INT(len, 24 + 8 * 4 + 4 * 5 + 4 * 4);
	buf = calloc(1, len);
	nous_weights_write(buf, &g);
	CHECK_INT(nous_weights_view(buf, len, true, &v, &why), NOUS_OK);
	CHECK_INT(v.n, 4);
	CHECK_INT(v.nnz, 4);
	CHECK_INT(v.ids[3], 4);
	CHECK_INT(v.rowptr[4], 4);
	CHECK_INT(nous_weights_view(buf, len - 1, false, &v, &why), NOUS_ERR_DOMAIN);
	CHECK_STR(why, "The length does not match the number of areas and links.");
	CHECK_INT(nous_weights_view(buf, 10, false, &v, &why), NOUS_ERR_DOMAIN);
	CHECK_STR(why, "The value is truncated.");
	/* a neighbour index out of range: seen by the full check only */
	memcpy(buf + 24 + 8 * 4 + 4 * 5, &big, 4);
	CHECK_INT(nous_weights_view(buf, len, false, &v, &why), NOUS_OK);
	CHECK_INT(nous_weights_view(buf, len, true, &v, &why), NOUS_ERR_DOMAIN);
	/* row pointers 0 4 2 ...: row 0 would reach past the links (found by
	 * fuzz_weights: nous_graph_valid read them before checking the order) */
	{
		int32_t		r1 = 4,
					r2 = 2,
					c0 = 1;

		memcpy(buf + 24 + 8 * 4, &(int32_t) {0}, 4);
		memcpy(buf + 24 + 8 * 4 + 4, &r1, 4);
		memcpy(buf + 24 + 8 * 4 + 8, &r2, 4);
		memcpy(buf + 24 + 8 * 4 + 4 * 5, &c0, 4);
		CHECK_INT(nous_weights_view(buf, len, true, &v, &why), NOUS_ERR_DOMAIN);
		CHECK_STR(why, "The row pointers decrease.");
	}
	buf[4] = 2;
	CHECK_INT(nous_weights_view(buf, len, false, &v, &why), NOUS_ERR_DOMAIN);
	free(buf);
	free(ids);
	free(rowptr);
	free(col);
}

/*
 * Text ids: the text form parsed (escapes), the strings ranked in byte
 * order, a value written with its table and viewed back, damaged tables
 * refused.  Areas "2B" - "2A" - "10" (byte order: "10" < "2A" < "2B").
 */
TEST(weights_text_ids)
{
	nous_weights_links l;
	nous_strings strs;
	const char *why = NULL;
	int64_t		rank[8],
				from[4],
				to[4],
				nodes[3],
			   *ids,
				bad = 0;
	size_t		nu = 0,
			   *first = NULL;
	int32_t    *rowptr,
			   *col,
				n,
				nnz;
	static const char *const badtext[] = {"{2A:[]}", "{\"2A\":[2]}", "{\"a\\x\":[]}", "{\"a", "{\"a\":[\"b\"}"};

	CHECK_INT(nous_weights_parse_text(" {\"2B\":[\"2A\"], \"2A\":[\"2B\",\"10\"], \"10\":[\"2A\"], \"q\\\"\\\\\":[]}", &l, &strs, &why), NOUS_OK);
	CHECK_INT(l.m, 4);
	CHECK_INT(l.nn, 4);
	CHECK_INT(strs.n, 8);
	CHECK_STR(strs.chars + strs.off[7], "q\"\\");
	CHECK_INT(nous_strings_rank(&strs, rank, &nu, &first), NOUS_OK);
	CHECK_INT(nu, 4);
	/* "10" < "2A" < "2B" < "q\"\\" */
	CHECK_INT(rank[0], 2);
	CHECK_INT(rank[1], 1);
	CHECK_INT(rank[5], 0);
	CHECK_INT(rank[7], 3);
	CHECK_STR(strs.chars + strs.off[first[0]], "10");
	CHECK_STR(strs.chars + strs.off[first[3]], "q\"\\");
	for (size_t k = 0; k < l.m; k++)
	{
		from[k] = rank[l.from[k]];
		to[k] = rank[l.to[k]];
	}
	for (size_t k = 0; k < 3; k++)
		nodes[k] = rank[l.nodes[k]];
	CHECK_INT(nous_graph_build(from, to, 4, nodes, 3, &ids, &n, &rowptr, &col, &nnz, &bad), NOUS_OK);
	CHECK_INT(n, 3);				/* "q\"\\" is a key, left out of nodes above */
	{
		int32_t		off[4] = {0, 3, 6, 9};
		nous_strtab t = {3, off, "10\0" "2A\0" "2B\0"},
					v;
		nous_graph	g = {n, nnz, ids, rowptr, col},
					gv;
		size_t		len = nous_weights_size_text(n, nnz, 9);
		unsigned char *buf = calloc(1, len);

		CHECK_INT(len, nous_weights_size(n, nnz) + 4 * 4 + 9);
		nous_weights_write_text(buf, &g, &t);
		CHECK_INT(buf[5], NOUS_WEIGHTS_TEXT_IDS);
		CHECK_INT(nous_weights_view_ids(buf, len, true, &gv, &v, &why), NOUS_OK);
		CHECK_INT(v.n, 3);
		CHECK_INT(nous_strtab_find(&v, "2A"), 1);
		CHECK_INT(nous_strtab_find(&v, "2C"), -1);
		CHECK_INT(nous_strtab_find(&v, "1"), -1);
		/* 2A's neighbours are 10 and 2B */
		CHECK_INT(gv.rowptr[2] - gv.rowptr[1], 2);
		CHECK_INT(gv.col[gv.rowptr[1]], 0);
		/* bigint weights view the same bytes without the table */
		CHECK_INT(nous_weights_view(buf, len, true, &gv, &why), NOUS_OK);
		/* damaged: unsorted ids, a missing NUL, a wrong last offset, unknown flags */
		buf[len - 3] = '0';		/* "2B" -> "0B": below "2A" */
		CHECK_INT(nous_weights_view_ids(buf, len, false, &gv, &v, &why), NOUS_OK);
		CHECK_INT(nous_weights_view_ids(buf, len, true, &gv, &v, &why), NOUS_ERR_DOMAIN);
		CHECK_STR(why, "The text ids are not sorted strictly increasing.");
		buf[len - 3] = '2';
		buf[len - 1] = 'x';
		CHECK_INT(nous_weights_view_ids(buf, len, true, &gv, &v, &why), NOUS_ERR_DOMAIN);
		CHECK_STR(why, "A string of the table is not a NUL-terminated id.");
		buf[len - 1] = '\0';
		CHECK_INT(nous_weights_view_ids(buf, len - 1, false, &gv, &v, &why), NOUS_ERR_DOMAIN);
		CHECK_STR(why, "The string table does not match its length.");
		buf[5] = 2;
		CHECK_INT(nous_weights_view_ids(buf, len, false, &gv, &v, &why), NOUS_ERR_DOMAIN);
		CHECK_STR(why, "The flags are not ones this library reads.");
		free(buf);
	}
	free(ids);
	free(rowptr);
	free(col);
	free(first);
	nous_weights_links_free(&l);
	nous_strings_free(&strs);
	for (size_t i = 0; i < sizeof(badtext) / sizeof(badtext[0]); i++)
	{
		why = NULL;
		CHECK_INT(nous_weights_parse_text(badtext[i], &l, &strs, &why), NOUS_ERR_SYNTAX);
		CHECK(why != NULL && why[0] != '\0');
	}
}

/*
 * Areal weighting by hand: sources s0 (area 4, value 8), s1 (area 2, value
 * 6), s2 (area 1, no value); t0 overlaps s0 by 1 and s1 by 2, t1 overlaps
 * s0 by 3 and s2 by 1, t2 nothing.  Extensive: t0 = 8·1/4 + 6·2/2 = 8,
 * t1 = 8·3/4 = 6; intensive: t0 = (8·1 + 6·2)/3 = 20/3, t1 = 8·3/3 = 8.
 */
TEST(areal_weighting_by_hand)
{
	const double sarea[] = {4, 2, 1};
	const double sval[] = {8, 6, NAN};
	const int32_t src[] = {0, 1, 0, 2, 1};
	const int32_t tgt[] = {0, 0, 1, 1, 1};
	const double ov[] = {1, 2, 3, 1, 0};	/* s1-t1 touch only: left out */
	double		est[3],
				cov[3],
				bad_ov[] = {1, INFINITY};
	int32_t		cnt[3],
				bad_tgt[] = {0, 3};
	const char *why = NULL;

	CHECK_INT(nous_areal_weighting(3, 3, sarea, sval, 5, src, tgt, ov, false, est, cov, cnt, &why), NOUS_OK);
	CHECK_NEAR(est[0], 8.0, 1e-15);
	CHECK_NEAR(est[1], 6.0, 1e-15);
	CHECK_NAN(est[2]);
	CHECK_NEAR(cov[0], 3.0, 0);
	CHECK_NEAR(cov[1], 3.0, 0);
	CHECK_NEAR(cov[2], 0.0, 0);
	CHECK_INT(cnt[0], 2);
	CHECK_INT(cnt[1], 1);
	CHECK_INT(cnt[2], 0);
	CHECK_INT(nous_areal_weighting(3, 3, sarea, sval, 5, src, tgt, ov, true, est, cov, cnt, &why), NOUS_OK);
	CHECK_NEAR(est[0], 20.0 / 3.0, 1e-15);
	CHECK_NEAR(est[1], 8.0, 1e-15);
	CHECK_NAN(est[2]);
	CHECK_INT(nous_areal_weighting(3, 3, sarea, sval, 2, src, bad_tgt, ov, true, est, cov, cnt, &why),
			  NOUS_ERR_DOMAIN);
	CHECK(why != NULL);
	CHECK_INT(nous_areal_weighting(3, 3, sarea, sval, 2, src, tgt, bad_ov, true, est, cov, cnt, &why),
			  NOUS_ERR_DOMAIN);
}

/*
 * p-values under an alternative: Phi(1.959963984540054) = 0.975 (tables),
 * so the upper tail is 0.025, the lower 0.975, two-sided 0.05; pseudo p
 * from counts (Hope 1968): 9 of 99 at least as large -> 0.1 (greater).
 */
TEST(alternatives)
{
	double		z = 1.959963984540054;

	CHECK_NEAR(nous_p_normal(z, NOUS_ALT_GREATER), 0.025, 1e-15);
	CHECK_NEAR(nous_p_normal(z, NOUS_ALT_LESS), 0.975, 1e-15);
	CHECK_NEAR(nous_p_normal(z, NOUS_ALT_TWO_SIDED), 0.05, 1e-15);
	CHECK_NEAR(nous_p_normal(-z, NOUS_ALT_TWO_SIDED), 0.05, 1e-15);
	CHECK_NEAR(nous_p_normal(-z, NOUS_ALT_LESS), 0.025, 1e-15);
	CHECK_NAN(nous_p_normal(NAN, NOUS_ALT_GREATER));
	CHECK_NEAR(nous_perm_p(9, 92, 99, NOUS_ALT_GREATER), 0.10, 1e-15);
	CHECK_NEAR(nous_perm_p(9, 92, 99, NOUS_ALT_LESS), 0.93, 1e-15);
	CHECK_NEAR(nous_perm_p(9, 92, 99, NOUS_ALT_TWO_SIDED), 0.10, 1e-15);	/* folded: min(9, 90) */
	CHECK_NEAR(nous_perm_p(95, 5, 99, NOUS_ALT_TWO_SIDED), 0.05, 1e-15);	/* min(95, 4) + 1 */
}

int
main(void)
{
	RUN(build_graph);
	RUN(bbox_pairs_brute_force);
	RUN(moran_dense_reference);
	RUN(getis_ord_complete_graph);
	RUN(islands);
	RUN(components);
	RUN(knn_brute_force);
	RUN(band_pairs);
	RUN(bbox_pairs_limit);
	RUN(rook_pairs_exact);
	RUN(rook_pairs_undecided);
	RUN(weights_text_parse);
	RUN(weights_stored_view);
	RUN(weights_text_ids);
	RUN(areal_weighting_by_hand);
	RUN(alternatives);
	UNIT_END();
}
