/*
 * spatial_geoms.h — private to spatial_geoms.c (the state of the builders
 * over geometries) and spatial_geoms_format.c (its stored form and its
 * input and output): the layout of nous.geom_rows and what the two share.
 */
#ifndef NOUS_SPATIAL_GEOMS_H
#define NOUS_SPATIAL_GEOMS_H

#include "postgres.h"

#include "spatial_glue.h"
/*
 * Binary form (the send form; every number big-endian): version (1 byte),
 * flags (1: text ids), kind ('q', 'r', 'k', 'd'), a zero byte, float8 param
 * (k or the distance; 0 for contiguity), int32 n, then n rows: the id
 * (int64; text ids: int32 length and the bytes) and the geometry as int32
 * length and EWKB (PostGIS's binary form, read back through its checked
 * input).  The text form is the same bytes in hexadecimal.  The value kept
 * in the server (the varlena: in tables, between parallel workers) has the
 * same layout with the flag GR_FLAG_RAW and each geometry as the body of
 * PostGIS's own datum, copied without conversion; it never leaves the
 * server (output converts it to EWKB) and input never accepts it.
 */
#define GR_VERSION 1
#define GR_FLAG_TEXT 1
#define GR_FLAG_RAW 2
#define GR_HDR 16

/* spatial_geoms_format.c: the stored form */
extern bytea *gr_encode(GeomState *s, bool raw);
extern void gr_decode(const char *body, Size len, GeomState *s, MemoryContext ctx, bool raw_ok);
extern void gr_corrupt(const char *detail);
extern void gr_kind_mismatch(char k1, double p1, char k2, double p2);
extern void gr_ids_mismatch(void);

/* spatial_geoms.c: the rows of a state (an object of ours or a stored value) */
extern GeomState *gr_read(Datum d, MemoryContext ctx);

#endif
