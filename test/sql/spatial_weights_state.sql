-- spatial_weights_state: the weights builders with storable states (issue
-- 14): nous.weights(from, to) keeps a nous.weights value, nous.contiguity,
-- nous.knn and nous.distance_band a nous.geom_rows value; parts merged
-- (GROUP BY then merge, a parallel plan) give what one pass gives; text and
-- binary forms round-trip; bad states are refused.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
CREATE SCHEMA ws;
-- the states themselves: aggregates without the final function
CREATE AGGREGATE ws.knn_rows(bigint, public.geometry, integer) (
  SFUNC = nous.knn_transfn, STYPE = nous.geom_rows, COMBINEFUNC = nous.contiguity_combine);
CREATE AGGREGATE ws.knn_rows(text, public.geometry, integer) (
  SFUNC = nous.knn_transfn, STYPE = nous.geom_rows, COMBINEFUNC = nous.contiguity_combine);
CREATE AGGREGATE ws.band_rows(bigint, public.geometry, float8) (
  SFUNC = nous.distance_band_transfn, STYPE = nous.geom_rows, COMBINEFUNC = nous.contiguity_combine);
CREATE AGGREGATE ws.rook_rows(bigint, public.geometry, text) (
  SFUNC = nous.contiguity_transfn, STYPE = nous.geom_rows, COMBINEFUNC = nous.contiguity_combine);
CREATE AGGREGATE ws.merge(nous.geom_rows) (
  SFUNC = nous.contiguity_combine, STYPE = nous.geom_rows, COMBINEFUNC = nous.contiguity_combine);
CREATE AGGREGATE ws.links(bigint, bigint) (
  SFUNC = nous.weights_transfn, STYPE = nous.weights, COMBINEFUNC = nous.weights_combine);

-- a 6 x 7 grid of unit squares (rook and queen), their centres as points
CREATE TEMP TABLE g AS
SELECT (100 * i + j)::bigint AS id, public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom,
       public.ST_SetSRID(public.ST_MakePoint(i + 0.5 + (j % 3) * 0.01, j + 0.5), 2154) AS pt
  FROM generate_series(1, 6) i, generate_series(1, 7) j;

-- ---- hand-checked states ----
-- knn, k = 1, two points without SRID: version 01, flags 00 (bigint ids),
-- kind 'k' (6b), 00; k = 1.0 (3ff0000000000000); 2 rows; each row the id
-- (int64), 21 bytes of WKB (little-endian point: 01 01000000 x y)
SELECT ws.knn_rows(id, public.ST_MakePoint(x, 0), 1)
  FROM (VALUES (1, 0.0), (2, 1.0)) t(id, x);
SELECT '01006b003ff000000000000000000002' ||
       '0000000000000001' || '00000015' || '010100000000000000000000000000000000000000' ||
       '0000000000000002' || '00000015' || '0101000000000000000000f03f0000000000000000'
       = (SELECT ws.knn_rows(id, public.ST_MakePoint(x, 0), 1)
            FROM (VALUES (1, 0.0), (2, 1.0)) t(id, x))::text AS hand_checked;
-- text ids: flags 01, each id as its length and bytes ('a' = 61)
SELECT ws.knn_rows(id, public.ST_MakePoint(x, 0), 1)
  FROM (VALUES ('a', 0.0), ('bc', 1.0)) t(id, x);
-- the state read by the final function: the weights of one pass
SELECT nous.points_finalfn(('01006b003ff000000000000000000002' ||
       '0000000000000001' || '00000015' || '010100000000000000000000000000000000000000' ||
       '0000000000000002' || '00000015' || '0101000000000000000000f03f0000000000000000')::nous.geom_rows);
-- the state of nous.weights(from, to) is a nous.weights value
SELECT ws.links(f, t) FROM (VALUES (1, 2), (2, 3), (1, 2), (4, NULL)) v(f, t);

-- ---- text and binary round trips ----
CREATE TEMP TABLE st AS
SELECT ws.knn_rows(id, pt, 3) AS knn, ws.band_rows(id, pt, 1.2) AS band,
       ws.rook_rows(id, geom, 'rook') AS rook, ws.links(id, id + 1) AS links
  FROM g;
SELECT knn::text::nous.geom_rows::text = knn::text AS knn_text,
       band::text::nous.geom_rows::text = band::text AS band_text,
       rook::text::nous.geom_rows::text = rook::text AS rook_text,
       links::text::nous.weights::text = links::text AS links_text,
       nous.geom_rows_send(knn) = decode(knn::text, 'hex') AS send_is_the_bytes
  FROM st;
\copy st TO 'results/spatial_weights_state.bin' WITH (FORMAT binary)
CREATE TEMP TABLE st2 (LIKE st);
\copy st2 FROM 'results/spatial_weights_state.bin' WITH (FORMAT binary)
SELECT st2.knn::text = st.knn::text AS knn_binary, st2.band::text = st.band::text AS band_binary,
       st2.rook::text = st.rook::text AS rook_binary, st2.links::text = st.links::text AS links_binary
  FROM st, st2;
-- the final functions on stored states equal the aggregates
SELECT nous.points_finalfn(knn)::text = (SELECT nous.knn(id, pt, 3) FROM g)::text AS knn_final,
       nous.points_finalfn(band)::text = (SELECT nous.distance_band(id, pt, 1.2) FROM g)::text AS band_final,
       nous.contiguity_finalfn(rook)::text = (SELECT nous.contiguity(id, geom, 'rook') FROM g)::text AS rook_final,
       nous.weights_finalfn(links)::text = (SELECT nous.weights(id, id + 1) FROM g)::text AS links_final
  FROM st2;

-- ---- parts merged equal one pass ----
-- grouped by column, then merged
SELECT nous.points_finalfn(ws.merge(s))::text = (SELECT nous.knn(id, pt, 3) FROM g)::text AS knn_parts
  FROM (SELECT ws.knn_rows(id, pt, 3) AS s FROM g GROUP BY id % 5) p;
SELECT nous.contiguity_finalfn(ws.merge(s))::text = (SELECT nous.contiguity(id, geom, 'rook') FROM g)::text AS rook_parts
  FROM (SELECT ws.rook_rows(id, geom, 'rook') AS s FROM g GROUP BY id / 300) p;
SELECT nous.weights_union(w)::text = (SELECT nous.weights(id, id + 1) FROM g)::text AS links_parts
  FROM (SELECT nous.weights(id, id + 1) AS w FROM g GROUP BY id % 4) p;
SELECT nous.weights_union(w)::text = (SELECT nous.weights(id::text, (id + 1)::text) FROM g)::text AS text_links_parts
  FROM (SELECT nous.weights(id::text, (id + 1)::text) AS w FROM g GROUP BY id % 4) p;
-- an empty part merges as nothing
SELECT nous.points_finalfn(ws.merge(s))::text = (SELECT nous.knn(id, pt, 3) FROM g)::text AS knn_with_empty
  FROM (SELECT ws.knn_rows(id, pt, 3) AS s FROM g UNION ALL SELECT NULL) p;

-- a parallel plan: Partial Aggregate in the workers, the states combined
CREATE TABLE ws.big AS
SELECT (1000 * i + j)::bigint AS id, public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom,
       public.ST_SetSRID(public.ST_MakePoint(i + (j % 7) * 0.1, j + (i % 5) * 0.1), 2154) AS pt
  FROM generate_series(1, 60) i, generate_series(1, 50) j;
ANALYZE ws.big;
CREATE TABLE ws.serial AS
SELECT nous.knn(id, pt, 4)::text AS knn, nous.distance_band(id, pt, 1.5)::text AS band,
       nous.contiguity(id, geom)::text AS queen, nous.contiguity(id, geom, 'rook')::text AS rook,
       nous.weights(id, id + 1000)::text AS links,
       nous.knn(id::text, pt, 4)::text AS tknn, nous.contiguity(id::text, geom)::text AS tqueen,
       nous.weights(id::text, (id + 1000)::text)::text AS tlinks
  FROM ws.big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.knn(id, pt, 4) FROM ws.big;
EXPLAIN (COSTS OFF) SELECT nous.weights(id, id + 1000) FROM ws.big;
SELECT p.knn = s.knn AS knn, p.band = s.band AS band, p.queen = s.queen AS queen, p.rook = s.rook AS rook,
       p.links = s.links AS links, p.tknn = s.tknn AS text_knn, p.tqueen = s.tqueen AS text_queen,
       p.tlinks = s.tlinks AS text_links
  FROM (SELECT nous.knn(id, pt, 4)::text AS knn, nous.distance_band(id, pt, 1.5)::text AS band,
               nous.contiguity(id, geom)::text AS queen, nous.contiguity(id, geom, 'rook')::text AS rook,
               nous.weights(id, id + 1000)::text AS links,
               nous.knn(id::text, pt, 4)::text AS tknn, nous.contiguity(id::text, geom)::text AS tqueen,
               nous.weights(id::text, (id + 1000)::text)::text AS tlinks
          FROM ws.big) p, ws.serial s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- ---- bad states refused ----
CALL public.expect_error($e$SELECT 'xyz'::nous.geom_rows$e$);
SELECT 'xyz'::nous.geom_rows;
SELECT '01006b00'::nous.geom_rows;
SELECT 'zz006b003ff00000000000000000000000'::nous.geom_rows;
-- version 9
SELECT '09006b003ff000000000000000000000'::nous.geom_rows;
-- unknown kind 'x'
SELECT '010078003ff000000000000000000000'::nous.geom_rows;
-- k = 0.5
SELECT '01006b003fe000000000000000000000'::nous.geom_rows;
-- unknown flags
SELECT '01046b003ff000000000000000000000'::nous.geom_rows;
-- the flag of the form kept inside the server (geometries unconverted) is no input
SELECT '01026b003ff000000000000000000000'::nous.geom_rows;
-- two rows announced, none there
SELECT '01006b003ff000000000000000000002'::nous.geom_rows;
-- a row cut inside its geometry
SELECT ('01006b003ff000000000000000000001' || '0000000000000001' || '00000015' || '0101000000')::nous.geom_rows;
-- bytes after the last row
SELECT ('01006b003ff000000000000000000001' || '0000000000000001' || '00000015' ||
       '010100000000000000000000000000000000000000' || 'ff')::nous.geom_rows;
-- a geometry PostGIS does not read (unknown WKB type 99)
SELECT ('01006b003ff000000000000000000001' || '0000000000000001' || '00000015' ||
       '016300000000000000000000000000000000000000')::nous.geom_rows;
CALL public.expect_error($e$SELECT '09006b003ff000000000000000000000'::nous.geom_rows$e$);
CALL public.expect_error($e$SELECT '01006b003ff000000000000000000002'::nous.geom_rows$e$);
-- parts with different parameters or id types do not merge
CALL public.expect_error($e$SELECT ws.merge(s) FROM (SELECT ws.knn_rows(id, pt, 3) FROM g UNION ALL SELECT ws.knn_rows(id, pt, 4) FROM g) p(s)$e$);
SELECT ws.merge(s) FROM (SELECT ws.knn_rows(id, pt, 3) FROM g UNION ALL SELECT ws.knn_rows(id, pt, 4) FROM g) p(s);
SELECT ws.merge(s) FROM (SELECT ws.knn_rows(id, pt, 3) FROM g UNION ALL SELECT ws.band_rows(id, pt, 2) FROM g) p(s);
SELECT ws.merge(s) FROM (SELECT ws.rook_rows(id, geom, 'rook') FROM g UNION ALL SELECT ws.rook_rows(id, geom, 'queen') FROM g) p(s);
SELECT ws.merge(s) FROM (SELECT ws.knn_rows(id, pt, 3) FROM g UNION ALL SELECT ws.knn_rows(id::text, pt, 3) FROM g) p(s);
-- a state of text ids given to the final function of bigint ids
SELECT nous.points_finalfn(ws.knn_rows(id::text, pt, 3)) FROM g;
-- the support functions outside an aggregate
SELECT nous.knn_transfn(NULL, 1, 'POINT(0 0)'::public.geometry, 1);
SELECT nous.weights_transfn(NULL::nous.weights, 1, 2);

DROP SCHEMA ws CASCADE;
