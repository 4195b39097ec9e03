/*
 * mix_state.h — private to the glue files of the mix module (src/mix_*.c):
 * the expanded-object buffer that holds a nous.mixpairs or nous.mixcounts
 * state during an aggregate scan (mix_state.c), and the functions the files
 * share.  The mathematics is in src/core/mix.h.
 */
#ifndef NOUS_MIX_STATE_H
#define NOUS_MIX_STATE_H

#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/expandeddatum.h"

#include "compat.h"
#include "mix.h"

#define MIX_VERSION 1

typedef enum BufKind
{
	BUF_PAIRS = 0x5041,
	BUF_COUNTS = 0x434e
} BufKind;

/* nous.mixpairs: varlena header, version, 3 pad bytes, param, then pairs */
#define PAIRS_HDR 16
/* nous.mixcounts: varlena header, version, 3 pad bytes, then records */
#define COUNTS_HDR 8
/* the first 8 bytes of both: varlena header (set at the end), version 1, pad */
#define MIX_IMAGE_START "\0\0\0\0\1\0\0\0"
StaticAssertDecl(MIX_VERSION == 1, "MIX_IMAGE_START holds version 1");

typedef struct NousBufEO
{
	ExpandedObjectHeader hdr;
	int			kind;
	char	   *data;			/* the flat image, varlena header included */
	Size		len;
	Size		cap;
	/* mixcounts only: merge duplicate cells when len reaches this (0: not set) */
	Size		compact_at;
	/* mixcounts only: the cells summed in a hash table (NULL: records mode) */
	struct CellHash *cells;
} NousBufEO;

#define RETURN_EO(eo) NOUS_RETURN_EO(eo)

/* a float8 result: NULL for NaN (an undefined index) */
#define RETURN_INDEX(x) \
	do { double r_ = (x); if (isnan(r_)) PG_RETURN_NULL(); PG_RETURN_FLOAT8(r_); } while (0)

/* mix_counts.c */
void mix_check_count(double n, const char *u, uint32 lu, const char *g, uint32 lg);
void mix_key_arg(FunctionCallInfo fcinfo, int argno, const char *what, const char **p, uint32 *l);

/* the keys of a row of a nous.mixcounts transition */
typedef struct MixRowKeys
{
	const char *s, *u, *g;
	uint32		ls, lu, lg;
	char		buf[MAXINT8LEN + 1];	/* a bigint grp as its decimal text */
} MixRowKeys;

void mix_key_not_null(FunctionCallInfo fcinfo, int argno, const char *what);

/*
 * The keys of a row, arguments 1, 2 (, 3) of a transition: [super,] unit,
 * grp; super "" unless has_super; a bigint grp (int_grp) keyed by its decimal
 * text, the same cell as grp::text.  An ERROR when one is NULL.  Inline: the
 * transitions call it once a row with constant flags.
 */
static inline void
mix_row_keys(FunctionCallInfo fcinfo, bool has_super, bool int_grp, MixRowKeys *k)
{
	int			argno = 1;

	k->s = "";
	k->ls = 0;
	if (has_super)
		mix_key_arg(fcinfo, argno++, "super", &k->s, &k->ls);
	mix_key_arg(fcinfo, argno++, "unit", &k->u, &k->lu);
	if (int_grp)
	{
		mix_key_not_null(fcinfo, argno, "grp");
		k->lg = (uint32) pg_lltoa(PG_GETARG_INT64(argno), k->buf);
		k->g = k->buf;
	}
	else
		mix_key_arg(fcinfo, argno, "grp", &k->g, &k->lg);
}
void mix_table_arg(FunctionCallInfo fcinfo, int argno, nous_mixtable *t);

/* mix_counts_hash.c */
void mix_cells_add_image(NousBufEO *eo, const char *img, Size len);
void mix_cells_image(NousBufEO *eo);

/* mix_pairs.c */
const double *mix_pairs_arg(FunctionCallInfo fcinfo, int argno, size_t *n, double *param);

/* mix_state.c */
void mix_buf_reserve(NousBufEO *eo, Size extra);
void mix_buf_append(NousBufEO *eo, const void *p, Size n);
void mix_append_record(StringInfo s, double n, const char *ks, uint32 ls,
					   const char *ku, uint32 lu, const char *kg, uint32 lg);
const char *mix_state_image(Datum d, int kind, Size *len);
NousBufEO *mix_state_rw(FunctionCallInfo fcinfo, int argno, int kind, const char *fn);
NOUS_NORETURN void mix_counts_corrupt(void);
void mix_append_double(StringInfo s, double x);
NOUS_NORETURN void mix_bad_text(const char *type, const char *str, const char *why);
double mix_parse_double(const char **p, const char *type, const char *str);
void mix_expect_char(const char **p, char c, const char *type, const char *str);
/*
 * The text form "[item, item, ...]" of a state of type: item(&p, arg) reads
 * one item from p and appends it to the value; an ERROR on a missing bracket
 * or junk after the list.
 */
typedef void (*mix_list_item) (const char **p, const char *str, void *arg);
void mix_parse_list(const char **p, const char *type, const char *str,
					mix_list_item item, void *arg);
/* the kit's nous_append_quoted, under the name index_agg_state.c calls */
#define mix_append_quoted(s, p, l) nous_append_quoted((s), (p), (l))
void mix_parse_quoted(const char **p, StringInfo out, const char *str);

#endif							/* NOUS_MIX_STATE_H */
