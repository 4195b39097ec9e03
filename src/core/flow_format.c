/*
 * flow_format.c — the flat format of nous.flows (see flow.h): the validating
 * decoder and the reading of zone codes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* ------------------------------------------------------------ flat format */

const char *
nous_fv_zone(const nous_flow_view *v, int32_t i, size_t *len)
{
	int32_t		start = i == 0 ? 0 : nous_rd_i32(v->zend, (size_t) i - 1);

	*len = (size_t) (nous_rd_i32(v->zend, (size_t) i) - start);
	return (const char *) v->codes + start;
}

typedef struct zone_key
{
	const nous_flow_view *v;
	const char *code;
	size_t		len;
} zone_key;

static int
zone_key_cmp(const void *key, int32_t i)
{
	const zone_key *k = key;
	size_t		len;
	const char *zone = nous_fv_zone(k->v, i, &len);

	return nous_flow_code_cmp(k->code, k->len, zone, len);
}

int32_t
nous_fv_find(const nous_flow_view *v, const char *code, size_t len)
{
	zone_key	k = {v, code, len};

	return nous_search(v->nzones, &k, zone_key_cmp);
}

/* Check the bytes of a flat body; never reads outside [body, body + len). */
nous_status
nous_flow_decode(const void *body, size_t len, nous_flow_view *v, const char **why)
{
	const unsigned char *p = body;
	int32_t		nz,
				ne,
				i,
				e;
	size_t		fixed,
				blob,
				prev_end;
	uint16_t	reserved;

#define BAD(msg) do { *why = (msg); return NOUS_ERR_DOMAIN; } while (0)
	if (len < NOUS_FLOW_HEADER)
		BAD("The value is shorter than its 12-byte header.");
	if (p[0] != NOUS_FLOW_VERSION)
		BAD("The format version byte is not 1.");
	memcpy(&reserved, p + 2, 2);
	if (p[1] != 0 || reserved != 0)
		BAD("The flag and reserved bytes of the header are not zero.");
	memcpy(&nz, p + 4, 4);
	memcpy(&ne, p + 8, 4);
	if (nz < 0 || ne < 0 || nz > NOUS_FLOW_MAX_ITEMS || ne > NOUS_FLOW_MAX_ITEMS)
		BAD("The zone or flow count is negative or too large.");
	if (nz == 0 && ne > 0)
		BAD("The value has flows but no zone.");
	fixed = NOUS_FLOW_HEADER + (size_t) nz * 12 + (size_t) ne * 16;
	if (len < fixed)
		BAD("The value is shorter than its zone and flow counts require.");
	blob = len - fixed;
	v->nzones = nz;
	v->nedges = ne;
	v->stay = p + NOUS_FLOW_HEADER;
	v->w = v->stay + (size_t) nz * 8;
	v->orig = v->w + (size_t) ne * 8;
	v->dest = v->orig + (size_t) ne * 4;
	v->zend = v->dest + (size_t) ne * 4;
	v->codes = v->zend + (size_t) nz * 4;

	/* zone codes: non-empty, inside the blob, no NUL, strictly increasing */
	prev_end = 0;
	for (i = 0; i < nz; i++)
	{
		int32_t		end = nous_rd_i32(v->zend, (size_t) i);

		if ((i & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (end < 0 || (size_t) end <= prev_end || (size_t) end > blob)
			BAD("A zone code is empty or its end lies outside the value.");
		if (memchr(v->codes + prev_end, 0, (size_t) end - prev_end) != NULL)
			BAD("A zone code contains a NUL byte.");
		if (i > 0)
		{
			size_t		plen;
			const char *prev = nous_fv_zone(v, i - 1, &plen);

			if (nous_flow_code_cmp(prev, plen, (const char *) v->codes + prev_end,
						 (size_t) end - prev_end) >= 0)
				BAD("The zone codes are not sorted or not unique.");
		}
		prev_end = (size_t) end;
	}
	if (prev_end != blob)
		BAD("The value has trailing bytes after its zone codes.");
	for (i = 0; i < nz; i++)
	{
		double		s = nous_rd_f64(v->stay, (size_t) i);

		if (!isfinite(s) || s < 0)
			BAD("A number of stayers is negative, NaN or infinite.");
	}
	for (e = 0; e < ne; e++)
	{
		int32_t		o = nous_rd_i32(v->orig, (size_t) e),
					d = nous_rd_i32(v->dest, (size_t) e);
		double		w = nous_rd_f64(v->w, (size_t) e);

		if ((e & (NOUS_INTERRUPT_EVERY - 1)) == 0)
			NOUS_CHECK_INTERRUPTS();
		if (!isfinite(w) || w < 0)
			BAD("A flow weight is negative, NaN or infinite.");
		if (o < 0 || o >= nz || d < 0 || d >= nz)
			BAD("A flow refers to a zone index outside the zone list.");
		if (o == d)
			BAD("A flow off the diagonal has the same origin and destination.");
		if (e > 0)
		{
			int32_t		po = nous_rd_i32(v->orig, (size_t) e - 1),
						pd = nous_rd_i32(v->dest, (size_t) e - 1);

			if (po > o || (po == o && pd >= d))
				BAD("The flows are not sorted by origin and destination or not unique.");
		}
	}
#undef BAD
	*why = NULL;
	return NOUS_OK;
}
