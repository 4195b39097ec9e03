/*
 * libFuzzer target for the decoder of stored nous.flows values,
 * nous_flow_decode (src/core/flow_format.c): the bytes are a flat body (what follows
 * the varlena header on disk).  Any byte string is accepted or rejected with
 * a sentence, never read out of bounds (the body is copied into a block of
 * exactly its size: ASan sees any overread).  An accepted body:
 *   - satisfies the format of flow.h (codes non-empty, without NUL, strictly
 *     increasing and found again by nous_fv_find; flows inside the zone list,
 *     off the diagonal, strictly increasing; numbers finite and >= 0);
 *   - feeds every indicator the server computes on a stored value (in/out
 *     totals, summary, Nystuen-Dacey, the five selections) without a crash;
 *   - rebuilt through the builder (what a merge does) and flattened, decodes
 *     again to the same zones and flows.
 * Seeds in test/fuzz/corpus/flow: bodies of values made by nous.flow_matrix
 * (the text form, the regression tests, the MRE44 matrix of ../shared).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_format(const nous_flow_view *v)
{
	int32_t		i,
				e;

	for (i = 0; i < v->nzones; i++)
	{
		size_t		len,
					plen;
		const char *z = nous_fv_zone(v, i, &len);

		if (len == 0 || memchr(z, 0, len) != NULL)
			abort();
		if (nous_fv_find(v, z, len) != i)
			abort();
		if (i > 0)
		{
			const char *p = nous_fv_zone(v, i - 1, &plen);
			int			c = memcmp(p, z, plen < len ? plen : len);

			if (c > 0 || (c == 0 && plen >= len))
				abort();
		}
		if (!isfinite(nous_fv_stay(v, i)) || nous_fv_stay(v, i) < 0)
			abort();
	}
	for (e = 0; e < v->nedges; e++)
	{
		int32_t		o = nous_fv_orig(v, e),
					d = nous_fv_dest(v, e);

		if (o < 0 || o >= v->nzones || d < 0 || d >= v->nzones || o == d)
			abort();
		if (e > 0 && (nous_fv_orig(v, e - 1) > o ||
					  (nous_fv_orig(v, e - 1) == o && nous_fv_dest(v, e - 1) >= d)))
			abort();
		if (!isfinite(nous_fv_w(v, e)) || nous_fv_w(v, e) < 0)
			abort();
	}
}

static void
run_indicators(const nous_flow_view *v)
{
	size_t		nz = (size_t) v->nzones + 1,
				ne = (size_t) v->nedges + 1;
	double	   *in = malloc(nz * sizeof(double)),
			   *out = malloc(nz * sizeof(double));
	int32_t    *largest = malloc(nz * sizeof(int32_t));
	bool	   *dominant = malloc(nz * sizeof(bool));
	nous_flow_role *role = malloc(nz * sizeof(nous_flow_role));
	bool	   *keep = malloc(ne * sizeof(bool));
	nous_flow_overall s;
	static const double values[] = {0, 1, 0.5, 0.5, 0};
	int			k;
	int32_t		i;

	nous_flow_in_out(v, in, out);
	for (i = 0; i < v->nzones; i++)
		if (!(in[i] >= 0) || !(out[i] >= 0))	/* NaN fails too */
			abort();
	if (nous_flow_summarise(v, &s) == NOUS_OK &&
		(!(s.stayers >= 0) || !(s.movers >= 0)))
		abort();
	if (nous_flow_dominant(v, largest, dominant, role) == NOUS_OK)
		for (i = 0; i < v->nzones; i++)
			if (largest[i] < -1 || largest[i] >= v->nedges)
				abort();
	for (k = 0; k <= NOUS_SEL_DOMINANT; k++)
		(void) nous_flow_select(v, (nous_flow_selector) k, values[k], k % 2 == 1, keep);
	free(in);
	free(out);
	free(largest);
	free(dominant);
	free(role);
	free(keep);
}

/* merge the value into an empty builder, flatten, decode: the same matrix */
static void
check_rebuild(const nous_flow_view *v)
{
	nous_flow_builder *b = nous_fb_create();
	nous_flow_view r;
	const char *why = NULL;
	size_t		len;
	void	   *flat;
	int32_t		i,
				e;

	if (b == NULL)
		abort();
	if (nous_fb_add_view(b, v) != NOUS_OK)
		abort();
	len = nous_fb_flat_size(b);
	flat = malloc(len);
	if (nous_fb_flatten(b, flat, len) != NOUS_OK)
		abort();
	if (nous_flow_decode(flat, len, &r, &why) != NOUS_OK)
		abort();
	if (r.nzones != v->nzones || r.nedges != v->nedges)
		abort();
	for (i = 0; i < v->nzones; i++)
	{
		size_t		a,
					c;
		const char *za = nous_fv_zone(v, i, &a),
				   *zc = nous_fv_zone(&r, i, &c);

		if (a != c || memcmp(za, zc, a) != 0 || nous_fv_stay(v, i) != nous_fv_stay(&r, i))
			abort();
	}
	for (e = 0; e < v->nedges; e++)
		if (nous_fv_orig(v, e) != nous_fv_orig(&r, e) ||
			nous_fv_dest(v, e) != nous_fv_dest(&r, e) ||
			nous_fv_w(v, e) != nous_fv_w(&r, e))
			abort();
	free(flat);
	nous_fb_destroy(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes (one when empty): ASan sees any overread */
	unsigned char *body = malloc(size == 0 ? 1 : size);
	nous_flow_view v;
	const char *why = NULL;
	nous_status st;

	memcpy(body, data, size);
	st = nous_flow_decode(body, size, &v, &why);
	if (st != NOUS_OK)
	{
		if (st != NOUS_ERR_DOMAIN || why == NULL || why[0] == '\0')
			abort();			/* a rejection always says why */
		free(body);
		return 0;
	}
	check_format(&v);
	run_indicators(&v);
	check_rebuild(&v);
	free(body);
	return 0;
}
