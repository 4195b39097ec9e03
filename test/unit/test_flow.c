/*
 * Unit tests of src/core/flow_*.c: builder, flat format and its validating
 * decoder (truncations and random corruptions must be rejected or decoded,
 * never read out of bounds: ASan watches), indicators against hand values
 * and the migest toy matrix (../shared/oracles/migest_toy/EXPECTED.md).
 */
#include <stdint.h>
#include <stdlib.h>

#include "unit.h"
#include "flow.h"

/* migest toy: rows = origins A..D */
static const double TOY[4][4] = {
	{0, 100, 30, 70},
	{50, 0, 45, 5},
	{60, 35, 0, 40},
	{20, 25, 20, 0}
};
static const char *const NAMES[4] = {"A", "B", "C", "D"};

static unsigned char *
flatten(nous_flow_builder *b, size_t *len)
{
	unsigned char *buf;

	*len = nous_fb_flat_size(b);
	buf = malloc(*len);
	CHECK_INT(nous_fb_flatten(b, buf, *len), NOUS_OK);
	return buf;
}

static nous_flow_builder *
toy_builder(void)
{
	nous_flow_builder *b = nous_fb_create();
	int			i,
				j;

	/* added backwards so that the builder must sort */
	for (i = 3; i >= 0; i--)
		for (j = 3; j >= 0; j--)
			if (TOY[i][j] > 0)
				CHECK_INT(nous_fb_add(b, NAMES[i], 1, NAMES[j], 1, TOY[i][j]), NOUS_OK);
	CHECK_INT(nous_fb_add(b, "B", 1, "B", 1, 7), NOUS_OK);	/* stayers */
	CHECK_INT(nous_fb_add(b, "B", 1, "B", 1, 3), NOUS_OK);
	return b;
}

TEST(build_and_decode)
{
	nous_flow_builder *b = toy_builder();
	size_t		len,
				zl;
	unsigned char *buf = flatten(b, &len);
	nous_flow_view v;
	const char *why = "unset";
	int			e;

	CHECK_INT(nous_flow_decode(buf, len, &v, &why), NOUS_OK);
	CHECK(why == NULL);
	CHECK_INT(v.nzones, 4);
	CHECK_INT(v.nedges, 12);
	CHECK(memcmp(nous_fv_zone(&v, 0, &zl), "ABCD", 4) == 0);	/* codes are contiguous */
	CHECK_INT(zl, 1);
	CHECK_NEAR(nous_fv_stay(&v, 1), 10, 0);
	CHECK_NEAR(nous_fv_stay(&v, 0), 0, 0);
	for (e = 0; e < v.nedges; e++)
		CHECK_NEAR(nous_fv_w(&v, e), TOY[nous_fv_orig(&v, e)][nous_fv_dest(&v, e)], 0);
	CHECK_INT(nous_fv_orig(&v, 0), 0);
	CHECK_INT(nous_fv_dest(&v, 0), 1);
	CHECK_INT(nous_fv_find(&v, "C", 1), 2);
	CHECK_INT(nous_fv_find(&v, "E", 1), -1);
	CHECK_INT(nous_fv_find(&v, "", 0), -1);
	free(buf);
	nous_fb_destroy(b);
}

TEST(indicators_migest_toy)
{
	nous_flow_builder *b = toy_builder();
	size_t		len;
	unsigned char *buf = flatten(b, &len);
	nous_flow_view v;
	const char *why;
	double		in[4],
				out[4];
	nous_flow_overall s;

	CHECK_INT(nous_flow_decode(buf, len, &v, &why), NOUS_OK);
	nous_flow_in_out(&v, in, out);
	/* EXPECTED.md: tot_out 200 100 135 65, tot_in 130 160 95 115 */
	CHECK_NEAR(out[0], 200, 0);
	CHECK_NEAR(out[1], 100, 0);
	CHECK_NEAR(out[2], 135, 0);
	CHECK_NEAR(out[3], 65, 0);
	CHECK_NEAR(in[0], 130, 0);
	CHECK_NEAR(in[1], 160, 0);
	CHECK_NEAR(in[2], 95, 0);
	CHECK_NEAR(in[3], 115, 0);
	CHECK_INT(nous_flow_summarise(&v, &s), NOUS_OK);
	CHECK_NEAR(s.movers, 500, 0);
	CHECK_NEAR(s.stayers, 10, 0);
	CHECK_NEAR(s.effectiveness, 0.22, 1e-12);	/* efficiency_overall */
	free(buf);
	nous_fb_destroy(b);
}

TEST(zone_rates_by_hand)
{
	nous_flow_rates r;

	/* ISO 80, ENTR 30, SORT 10: AUTO 90, PRES 110, mid 100 */
	nous_flow_zone_rates(80, 30, 10, &r);
	CHECK_NEAR(r.present_before, 90, 0);
	CHECK_NEAR(r.present_after, 110, 0);
	CHECK_NEAR(r.net, 20, 0);
	CHECK_NEAR(r.net_rate, 0.2, 1e-15);
	CHECK_NEAR(r.turnover_rate, 0.4, 1e-15);
	CHECK_NEAR(r.inflow_share, 30.0 / 110, 1e-15);
	CHECK_NEAR(r.outflow_share, 10.0 / 90, 1e-15);
	/* a zone nobody lived in before: PS undefined */
	nous_flow_zone_rates(0, 5, 0, &r);
	CHECK_NAN(r.outflow_share);
	CHECK_NEAR(r.inflow_share, 1, 0);
	CHECK_NEAR(r.net_rate, 2, 0);
	nous_flow_zone_rates(0, 0, 0, &r);
	CHECK_NAN(r.net_rate);
	CHECK_NAN(r.turnover_rate);
	CHECK_NAN(r.inflow_share);
}

TEST(gini_by_hand)
{
	double		x[4] = {4, 1, 3, 2};
	double		y[2] = {5, 5};
	double		z[1] = {0};

	/* 1 2 3 4: sum_k (2k - 5) x_k / (4 * 10) = (-3 - 2 + 3 + 12) / 40 */
	CHECK_NEAR(nous_gini_sparse(x, 4, 4), 0.25, 1e-15);
	/* 0 0 5 5: (1 * 5 + 3 * 5) / 40; equally, mean |diff| 2.5 / (2 * 2.5) */
	CHECK_NEAR(nous_gini_sparse(y, 2, 4), 0.5, 1e-15);
	CHECK_NAN(nous_gini_sparse(z, 1, 4));	/* all zero */
	CHECK_NAN(nous_gini_sparse(z, 0, 0));
}

TEST(merge_and_mapping)
{
	nous_flow_builder *b = toy_builder();
	nous_flow_builder *m = nous_fb_create();
	nous_flow_builder *c = nous_fb_create();
	size_t		len,
				len2;
	unsigned char *buf = flatten(b, &len);
	unsigned char *buf2;
	nous_flow_view v,
				w;
	const char *why;
	/* A, B -> "ab"; C, D -> "cd" */
	const int32_t cat[4] = {0, 0, 1, 1};
	const char *const catcode[2] = {"ab", "cd"};
	const size_t catlen[2] = {2, 2};

	CHECK_INT(nous_flow_decode(buf, len, &v, &why), NOUS_OK);
	CHECK_INT(nous_fb_add_view(m, &v), NOUS_OK);
	CHECK_INT(nous_fb_add_view(m, &v), NOUS_OK);
	buf2 = flatten(m, &len2);
	CHECK_INT(len2, len);
	CHECK_INT(nous_flow_decode(buf2, len2, &w, &why), NOUS_OK);
	CHECK_NEAR(nous_fv_w(&w, 0), 200, 0);	/* A -> B twice */
	CHECK_NEAR(nous_fv_stay(&w, 1), 20, 0);
	free(buf2);

	CHECK_INT(nous_fb_add_view_mapped(c, &v, cat, catcode, catlen), NOUS_OK);
	buf2 = flatten(c, &len2);
	CHECK_INT(nous_flow_decode(buf2, len2, &w, &why), NOUS_OK);
	CHECK_INT(w.nzones, 2);
	CHECK_INT(w.nedges, 2);
	/* ab stays: 100 + 50 + 10; ab -> cd: 30 + 70 + 45 + 5; cd -> ab: 60 + 35 + 20 + 25 */
	CHECK_NEAR(nous_fv_stay(&w, 0), 160, 0);
	CHECK_NEAR(nous_fv_stay(&w, 1), 60, 0);
	CHECK_NEAR(nous_fv_w(&w, 0), 150, 0);
	CHECK_NEAR(nous_fv_w(&w, 1), 140, 0);
	free(buf2);
	free(buf);
	nous_fb_destroy(b);
	nous_fb_destroy(m);
	nous_fb_destroy(c);
}

TEST(many_zones_rehash)
{
	nous_flow_builder *b = nous_fb_create();
	char		o[16],
				d[16];
	int			i;
	size_t		len;
	unsigned char *buf;
	nous_flow_view v;
	const char *why;
	double		sum = 0;
	int			bad = 0;

	for (i = 0; i < 20000; i++)
	{
		int			ol = snprintf(o, sizeof o, "%05d", i % 5000);
		int			dl = snprintf(d, sizeof d, "%05d", (i * 7) % 5003);

		if (nous_fb_add(b, o, (size_t) ol, d, (size_t) dl, 1.0) != NOUS_OK)
			bad++;
	}
	CHECK_INT(bad, 0);			/* one check for the 20,000 additions */
	buf = flatten(b, &len);
	CHECK_INT(nous_flow_decode(buf, len, &v, &why), NOUS_OK);
	for (i = 0; i < v.nedges; i++)
		sum += nous_fv_w(&v, i);
	for (i = 0; i < v.nzones; i++)
		sum += nous_fv_stay(&v, i);
	CHECK_NEAR(sum, 20000, 0);
	free(buf);
	nous_fb_destroy(b);
}

TEST(long_and_short_codes)
{
	/* 200 m squares (29 bytes, kept in the arena) mixed with 5-byte communes (inline) */
	nous_flow_builder *b = nous_fb_create();
	char		sq[64],
				com[16];
	int			i;
	size_t		len,
				zl;
	unsigned char *buf;
	nous_flow_view v;
	const char *why;
	const char *z;
	int			bad = 0;

	for (i = 0; i < 3000; i++)
	{
		int			sl = snprintf(sq, sizeof sq, "CRS3035RES200mN%07dE%07d", 2690000 + i % 700, 3550000 + i % 3);
		int			cl = snprintf(com, sizeof com, "44%03d", i % 221);

		if (nous_fb_add(b, sq, (size_t) sl, com, (size_t) cl, 1) != NOUS_OK ||
			nous_fb_add(b, com, (size_t) cl, com, (size_t) cl, 0.5) != NOUS_OK)
			bad++;
	}
	CHECK_INT(bad, 0);
	buf = flatten(b, &len);
	CHECK_INT(nous_flow_decode(buf, len, &v, &why), NOUS_OK);
	CHECK_INT(v.nzones, 221 + 2100);
	/* byte order: the communes ('4' = 0x34) before the squares ('C' = 0x43) */
	CHECK_INT(nous_fv_find(&v, "44000", 5), 0);
	CHECK_INT(nous_fv_find(&v, "44220", 5), 220);
	z = nous_fv_zone(&v, 221, &zl);
	CHECK(zl == 30 && memcmp(z, "CRS3035RES200mN2690000E3550000", 30) == 0);
	CHECK_INT(nous_fv_find(&v, "CRS3035RES200mN2690699E3550002", 30), 221 + 2099);
	CHECK_INT(nous_fv_find(&v, "CRS3035RES200mN2690700E3550000", 30), -1);
	CHECK_NEAR(nous_fv_stay(&v, nous_fv_find(&v, "44000", 5)), 0.5 * 14, 0);	/* 3000 / 221: 14 times */
	free(buf);
	nous_fb_destroy(b);
}

TEST(decoder_rejects)
{
	nous_flow_builder *b = toy_builder();
	size_t		len,
				cut;
	unsigned char *buf = flatten(b, &len);
	unsigned char *copy = malloc(len);
	nous_flow_view v;
	const char *why;
	double		neg = -1,
				nan_ = NAN;
	int32_t		big = 1000;
	int			trial,
				accepted = 0;

	/* every truncation is rejected (exact sizes only): one check for all */
	accepted = 0;
	for (cut = 0; cut < len; cut++)
	{
		unsigned char *t = malloc(cut ? cut : 1);

		memcpy(t, buf, cut);
		if (nous_flow_decode(t, cut, &v, &why) != NOUS_ERR_DOMAIN)
			accepted++;
		free(t);
	}
	CHECK_INT(accepted, 0);
#define MUTATE(off, src, n, frag) \
	do { memcpy(copy, buf, len); memcpy(copy + (off), (src), (n)); \
		 CHECK_INT(nous_flow_decode(copy, len, &v, &why), NOUS_ERR_DOMAIN); \
		 CHECK(why != NULL && strstr(why, frag) != NULL); } while (0)
	MUTATE(0, "\x02", 1, "version");
	MUTATE(1, "\x01", 1, "reserved");
	MUTATE(4, &big, 4, "shorter");
	MUTATE(12 + 8, &neg, 8, "stayers");			/* stayers of B */
	MUTATE(12 + 32, &nan_, 8, "weight");		/* first flow */
	MUTATE(12 + 32 + 96, "\x05\0\0\0", 4, "outside");	/* first origin = 5 */
	MUTATE(12 + 32 + 96 + 48, "\x00\0\0\0", 4, "same origin");	/* A -> A */
	MUTATE(12 + 32 + 96 + 4, "\x03\0\0\0", 4, "sorted");	/* second origin 3 */
	MUTATE(len - 4, "B", 1, "sorted");			/* codes B B C D */
	MUTATE(len - 4, "\0", 1, "NUL");
	MUTATE(len - 4 - 16 + 4, "\x01\0\0\0", 4, "empty");	/* zend[1] = 1 */
	/* trailing bytes */
	{
		unsigned char *t = malloc(len + 1);

		memcpy(t, buf, len);
		t[len] = 'x';
		CHECK_INT(nous_flow_decode(t, len + 1, &v, &why), NOUS_ERR_DOMAIN);
		free(t);
	}
	/* random corruptions: either rejected or a valid view (never a crash) */
	srand(12345);
	for (trial = 0; trial < 20000; trial++)
	{
		int			k;

		memcpy(copy, buf, len);
		for (k = 0; k < 1 + trial % 4; k++)
			copy[(size_t) rand() % len] = (unsigned char) rand();
		if (nous_flow_decode(copy, len, &v, &why) == NOUS_OK)
		{
			double		in[4],
						out[4];

			accepted++;
			if (v.nzones <= 4)
				nous_flow_in_out(&v, in, out);
		}
	}
	CHECK(accepted < 20000);
	free(copy);
	free(buf);
	nous_fb_destroy(b);
}

TEST(empty_matrix)
{
	nous_flow_builder *b = nous_fb_create();
	size_t		len;
	unsigned char *buf = flatten(b, &len);
	nous_flow_view v;
	const char *why;
	nous_flow_overall s;

	CHECK_INT(len, 12);
	CHECK_INT(nous_flow_decode(buf, len, &v, &why), NOUS_OK);
	CHECK_INT(nous_flow_summarise(&v, &s), NOUS_OK);
	CHECK_NAN(s.effectiveness);
	CHECK_NAN(s.gini);
	free(buf);
	nous_fb_destroy(b);
}

TEST(renewal_by_hand)
{
	/* g1: ISO 60, ENTR 30, SORT 10; g2: ISO 40, ENTR 10, SORT 30 (comments in test/sql/flow.sql) */
	const double iso[2] = {60, 40},
				entr[2] = {30, 10},
				sort[2] = {10, 30};
	double		ici[2],
				ice[2],
				icm[2];
	nous_flow_renewal_global g;
	const double z[1] = {0};

	nous_flow_renewal(2, iso, entr, sort, ici, ice, icm, &g);
	CHECK_NEAR(ici[0], 0.25, 1e-15);
	CHECK_NEAR(ici[1], -0.25, 1e-15);
	CHECK_NEAR(ice[0], 0.25, 1e-15);
	CHECK_NEAR(icm[0], 20.0 / 90 + 20.0 / 50, 1e-15);
	CHECK_NEAR(icm[1], -20.0 / 50 - 20.0 / 90, 1e-15);
	CHECK_NEAR(g.iri, sqrt(0.125), 1e-15);
	CHECK_NEAR(g.ire, sqrt(0.125), 1e-15);
	CHECK_NEAR(g.irm, sqrt(400.0 / 8100 + 400.0 / 2500), 1e-15);
	/* one empty group: shares undefined */
	nous_flow_renewal(1, z, z, z, ici, ice, icm, &g);
	CHECK_NAN(ici[0]);
	CHECK_NAN(icm[0]);
	CHECK_NAN(g.iri);
	CHECK_NAN(g.irm);
}

/* A->B 3, A->C 1, A->D 3, B->A 2, C->B 4, D->C 1 (the selections of test/sql/flow.sql) */
static unsigned char *
select_matrix(size_t *len)
{
	nous_flow_builder *b = nous_fb_create();
	unsigned char *buf;

	nous_fb_add(b, "A", 1, "B", 1, 3);
	nous_fb_add(b, "A", 1, "C", 1, 1);
	nous_fb_add(b, "A", 1, "D", 1, 3);
	nous_fb_add(b, "B", 1, "A", 1, 2);
	nous_fb_add(b, "C", 1, "B", 1, 4);
	nous_fb_add(b, "D", 1, "C", 1, 1);
	buf = flatten(b, len);
	nous_fb_destroy(b);
	return buf;
}

TEST(selections)
{
	size_t		len;
	unsigned char *buf = select_matrix(&len);
	nous_flow_view v;
	const char *why;
	bool		keep[6];
	int32_t		largest[4];
	bool		dom[4];
	nous_flow_role role[4];

	/* flows in order: AB 3, AC 1, AD 3, BA 2, CB 4, DC 1 */
	CHECK_INT(nous_flow_decode(buf, len, &v, &why), NOUS_OK);
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_THRESHOLD, 3, false, keep), NOUS_OK);
	CHECK(keep[0] && !keep[1] && keep[2] && !keep[3] && keep[4] && !keep[5]);
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_THRESHOLD, 3, true, keep), NOUS_OK);
	CHECK(!keep[0] && !keep[2] && keep[4]);
	/* top 1: ties AB = AD = 3 go to the first destination, B */
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_TOP, 1, false, keep), NOUS_OK);
	CHECK(keep[0] && !keep[1] && !keep[2] && keep[3] && keep[4] && keep[5]);
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_TOP, 0, false, keep), NOUS_OK);
	CHECK(!keep[0] && !keep[3]);
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_TOP, 1.5, false, keep), NOUS_ERR_PARAM);
	/* share of A's outflow 7: 3/7 >= 0.4, 1/7 not */
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_SHARE, 0.4, false, keep), NOUS_OK);
	CHECK(keep[0] && !keep[1] && keep[2] && keep[3]);
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_SHARE, 1, true, keep), NOUS_OK);
	CHECK(!keep[3] && !keep[4]);			/* 100 % is not > 1 */
	/* cumulative 0.7 of 14: 4, 3, 3 = 10 / 14 = 0.71 */
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_CUMULATIVE, 0.7, false, keep), NOUS_OK);
	CHECK(keep[0] && !keep[1] && keep[2] && !keep[3] && keep[4] && !keep[5]);
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_CUMULATIVE, 0, false, keep), NOUS_OK);
	CHECK(!keep[0] && !keep[4]);
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_CUMULATIVE, NAN, false, keep), NOUS_ERR_PARAM);
	/* Nystuen-Dacey: inflows A 2, B 7, C 2, D 3 */
	CHECK_INT(nous_flow_dominant(&v, largest, dom, role), NOUS_OK);
	CHECK_INT(largest[0], 0);			/* A -> B */
	CHECK_INT(largest[2], 4);			/* C -> B */
	CHECK(dom[0] && !dom[1] && dom[2] && !dom[3]);
	CHECK_INT(role[0], NOUS_ROLE_DOMINATED);
	CHECK_INT(role[1], NOUS_ROLE_DOMINANT);
	CHECK_INT(role[3], NOUS_ROLE_DOMINANT);
	CHECK_INT(nous_flow_select(&v, NOUS_SEL_DOMINANT, 0, false, keep), NOUS_OK);
	CHECK(keep[0] && keep[4] && !keep[3] && !keep[5]);
	free(buf);
}

/* sums of decimals lose their binary noise; counts and large values do not move */
static void
clean_weights(void)
{
	CHECK(0.1 + 0.2 != 0.3);
	CHECK(nous_flow_clean(0.1 + 0.2) == 0.3);
	CHECK(nous_flow_clean(433.69999999999993) == 433.7);
	CHECK(nous_flow_clean(100.1 + 200.3 + 133.3) == 433.7);
	CHECK(nous_flow_clean(9007199254740991.0) == 9007199254740991.0);
	CHECK(nous_flow_clean(1234567890123456.5) == 1234567890123456.5);
	CHECK(nous_flow_clean(1e-300) == 1e-300);
	CHECK(nous_flow_clean(nous_flow_clean(0.1 + 0.2)) == nous_flow_clean(0.1 + 0.2));
	CHECK(isinf(nous_flow_clean(INFINITY)));
}

int
main(void)
{
	RUN(build_and_decode);
	RUN(indicators_migest_toy);
	RUN(zone_rates_by_hand);
	RUN(gini_by_hand);
	RUN(merge_and_mapping);
	RUN(many_zones_rehash);
	RUN(long_and_short_codes);
	RUN(decoder_rejects);
	RUN(empty_matrix);
	RUN(renewal_by_hand);
	RUN(selections);
	RUN(clean_weights);
	UNIT_END();
}
