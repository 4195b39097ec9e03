-- spatial_rook: rook contiguity is decided in C on the rings (shared edges,
-- vertices strictly inside a collinear edge of the other polygon, exact
-- arithmetic), PostGIS only deciding what exact doubles cannot.  Every case
-- compares the links with the plain-SQL predicate ST_Relate(a, b,
-- 'F***1****') over all pairs, on polygons that share borders without
-- sharing vertices (T-junctions), rotated so that collinearity is inexact,
-- densified on one side only, with holes and multipolygons.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;

CREATE FUNCTION pg_temp.same_as_relate(tab regclass, pattern text DEFAULT 'F***1****') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  nous_links text;
  sql_links text;
  n bigint;
BEGIN
  EXECUTE format('SELECT string_agg(from_id || ''-'' || to_id, '','' ORDER BY from_id, to_id)
                    FROM nous.neighbours((SELECT nous.contiguity(id, geom, ''rook'') FROM %s))', tab)
    INTO nous_links;
  EXECUTE format('SELECT string_agg(a.id || ''-'' || b.id, '','' ORDER BY a.id, b.id), count(*)
                    FROM %1$s a JOIN %1$s b ON a.id <> b.id AND public.ST_Intersects(a.geom, b.geom)
                     AND public.ST_Relate(a.geom, b.geom, %2$L)', tab, pattern)
    INTO sql_links, n;
  RETURN CASE WHEN nous_links IS NOT DISTINCT FROM sql_links THEN 'same ' || n || ' links'
              ELSE 'DIFFERENT: ' || coalesce(nous_links, '-') || ' / ' || coalesce(sql_links, '-') END;
END $$;

-- brick walls: rows of bricks of random widths (multiples of 1/8, exact):
-- neighbours across rows share a part of an edge and no vertex
SELECT setseed(0.42);
CREATE TABLE rk_brick AS
  WITH b AS (SELECT r, k, round((random() * 3 + 0.5)::numeric * 8) / 8 AS w
               FROM generate_series(0, 14) r, generate_series(1, 10) k),
       c AS (SELECT r, k, sum(w) OVER (PARTITION BY r ORDER BY k) - w AS x0,
                    sum(w) OVER (PARTITION BY r ORDER BY k) AS x1 FROM b)
  SELECT (row_number() OVER (ORDER BY r, k))::bigint AS id,
         public.ST_MakeEnvelope(x0::float8, r, x1::float8, r + 1) AS geom FROM c;
SELECT pg_temp.same_as_relate('rk_brick') AS bricks;

-- the same walls with random double widths and heights, then rotated by
-- 0.3 rad and shifted: no collinearity is exact any more
SELECT setseed(0.17);
CREATE TABLE rk_rot AS
  WITH h AS (SELECT r, sum(0.5 + random()) OVER (ORDER BY r) AS y1 FROM generate_series(0, 11) r),
       hh AS (SELECT r, coalesce(lag(y1) OVER (ORDER BY r), 0) AS y0, y1 FROM h),
       b AS (SELECT r, k, random() * 3 + 0.5 AS w FROM generate_series(0, 11) r, generate_series(1, 9) k),
       c AS (SELECT r, k, sum(w) OVER (PARTITION BY r ORDER BY k) - w AS x0,
                    sum(w) OVER (PARTITION BY r ORDER BY k) AS x1 FROM b)
  SELECT (row_number() OVER (ORDER BY c.r, k))::bigint AS id,
         public.ST_Translate(public.ST_Rotate(public.ST_MakeEnvelope(x0, y0, x1, y1), 0.3), 652000.1, 6862000.7) AS geom
    FROM c JOIN hh USING (r);
SELECT pg_temp.same_as_relate('rk_rot') AS rotated_bricks;

-- exact bricks densified on one side only: every other brick gets vertices
-- every 0.25 along its edges, its neighbours keep their long edges
CREATE TABLE rk_dense AS
  SELECT id, CASE WHEN id % 2 = 0 THEN public.ST_Segmentize(geom, 0.25) ELSE geom END AS geom FROM rk_brick;
SELECT pg_temp.same_as_relate('rk_dense') AS densified_bricks;

-- Voronoi cells of random points (shared edges are identical), half of them
-- densified by interpolation (new vertices almost, not exactly, on the
-- edges): two densified neighbours overlap by slivers, so interiors meet and
-- the reference is nous's own definition, boundaries sharing a segment
-- ('****1****'), which 'F***1****' also gives wherever interiors do not meet
SELECT setseed(0.7);
CREATE TABLE rk_vor AS
  WITH p AS (SELECT public.ST_Collect(public.ST_MakePoint(random() * 100, random() * 100)) AS g
               FROM generate_series(1, 150)),
       v AS (SELECT (public.ST_Dump(public.ST_VoronoiPolygons(g, 0,
                       public.ST_MakeEnvelope(-10, -10, 110, 110)))).geom AS geom FROM p)
  SELECT (row_number() OVER (ORDER BY public.ST_XMin(geom), public.ST_YMin(geom)))::bigint AS id, geom FROM v;
SELECT pg_temp.same_as_relate('rk_vor') AS voronoi;
UPDATE rk_vor SET geom = public.ST_Segmentize(geom, 3) WHERE id % 2 = 0;
SELECT pg_temp.same_as_relate('rk_vor', '****1****') AS voronoi_half_densified;


-- a hole filled by two halves, a multipolygon of two squares touching the
-- outer edge with their own vertices, a square touching only at a corner,
-- and one touching along a point of an edge only
CREATE TABLE rk_misc (id bigint, geom public.geometry);
INSERT INTO rk_misc VALUES
  (1, 'POLYGON((0 0,10 0,10 10,0 10,0 0),(3 3,3 7,7 7,7 3,3 3))'),
  (2, 'POLYGON((3 3,5 3,5 7,3 7,3 3))'),
  (3, 'POLYGON((5 3,7 3,7 7,5 7,5 3))'),
  (4, 'MULTIPOLYGON(((1 10,2 10,2 12,1 12,1 10)),((4 10,9 10,9 11,4 11,4 10)))'),
  (5, 'POLYGON((10 10,12 10,12 12,10 12,10 10))'),
  (6, 'POLYGON((12 4,10 5,12 6,12 4))'),
  (7, 'POLYGON((2.5 10,3.5 10,3.5 12,2.5 12,2.5 10))');
SELECT pg_temp.same_as_relate('rk_misc') AS holes_and_multipolygons;
SELECT from_id, to_id FROM nous.neighbours((SELECT nous.contiguity(id, geom, 'rook') FROM rk_misc)) ORDER BY 1, 2;
-- with Z and M ordinates (only x and y count, as for PostGIS)
SELECT (SELECT nous.contiguity(id, public.ST_Force4D(geom, 5, 7), 'rook') FROM rk_misc)::text =
       (SELECT nous.contiguity(id, geom, 'rook') FROM rk_misc)::text AS same_in_4d,
       (SELECT nous.contiguity(id, public.ST_Force3DZ(geom, 1), 'rook') FROM rk_misc)::text =
       (SELECT nous.contiguity(id, geom, 'rook') FROM rk_misc)::text AS same_in_3d;

-- queen is unchanged: corners and points count
SELECT nous.link_count(nous.contiguity(id, geom)) AS queen_links,
       (SELECT count(*) FROM rk_misc a JOIN rk_misc b ON a.id <> b.id AND public.ST_Intersects(a.geom, b.geom)) AS intersecting_pairs
  FROM rk_misc;

DROP TABLE rk_brick, rk_rot, rk_dense, rk_vor, rk_misc;
