-- spatial_text_ids: areas keyed by text ids (issue 15), INSEE codes such as
-- 2A004 or IRIS 441090102.  nous.text_weights and nous.text_area_values:
-- every statistic equals the one of the same data with bigint ids numbered
-- in the same order; a hand-checked case; text and binary round trips;
-- union; the errors of mixing the two kinds of ids or of a missing area.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;

-- hand-checked: a path a - b - c - d with values 1, 2, 3, 4 (binary weights:
-- S0 = 6, z = -1.5 -0.5 0.5 1.5, sum w z z = 2 (0.75 - 0.25 + 0.75) = 2.5,
-- sum z^2 = 5, I = (4 / 6) (2.5 / 5) = 1 / 3)
SELECT nous.weights(f, t) AS w
  FROM (VALUES ('a', 'b'), ('b', 'a'), ('b', 'c'), ('c', 'b'), ('c', 'd'), ('d', 'c')) l(f, t);
SELECT round(m.i::numeric, 12) AS i, round(1 / 3.0, 12) AS by_hand, m.n, m.links, m.style
  FROM nous.moran('{"a":["b"],"b":["a","c"],"c":["b","d"],"d":["c"]}'::nous.text_weights,
                  '{"d":4,"c":3,"b":2,"a":1}'::nous.text_area_values, 'style=B') m;

-- real codes: Corsica's 2A/2B sort as bytes (C collation), islands kept
CREATE TEMP TABLE codes(id text, nb text);
INSERT INTO codes VALUES ('2A004', '2A006'), ('2A006', '2A004'), ('2A006', '2B002'), ('2B002', '2A006'),
  ('441090102', NULL), ('QN04405M', NULL), ('CRS3035RES200mN2825400E3777600', '2B002'),
  ('2B002', 'CRS3035RES200mN2825400E3777600');
CREATE TEMP TABLE cw AS SELECT nous.weights(id, nb) AS w FROM codes;
SELECT w, nous.area_count(w), nous.link_count(w), nous.islands(w) FROM cw;
SELECT * FROM nous.neighbours((SELECT w FROM cw), 'W') ORDER BY 1, 2;
SELECT * FROM nous.components((SELECT w FROM cw));

-- text and binary round trips, quotes and backslashes escaped
SELECT (SELECT w FROM cw)::text::nous.text_weights::text = (SELECT w FROM cw)::text AS text_round_trip;
SELECT '{"a\"b":["c\\d"],"c\\d":["a\"b"]}'::nous.text_weights AS escaped;
-- binary: COPY in binary format goes through send and recv
CREATE TEMP TABLE rt(w nous.text_weights, v nous.text_area_values);
COPY (SELECT (SELECT w FROM cw), (SELECT nous.area_values(id, length(id)::float8 / 3) FROM (SELECT DISTINCT id FROM codes) c))
  TO '/tmp/nous_spatial_text_ids.bin' WITH (FORMAT binary);
COPY rt FROM '/tmp/nous_spatial_text_ids.bin' WITH (FORMAT binary);
SELECT rt.w::text = cw.w::text AS weights_binary, rt.v::text FROM rt, cw;
SELECT nous.text_weights_send(rt.w) = nous.text_weights_send(cw.w) AS send_stable FROM rt, cw;
SELECT '{"b":2.5,"a":null,"a":1e-300}'::nous.text_area_values AS values_text;
SELECT '{"b":2.5,"a":null}'::nous.text_area_values::text::nous.text_area_values::text AS values_round_trip;

-- generated data: a 6 x 7 grid, the same areas with bigint ids and with
-- text ids 'Q' || lpad(id) (the same order), contiguity, knn and band
CREATE TEMP TABLE g AS
SELECT (100 * i + j)::bigint AS id, 'Q' || lpad((100 * i + j)::text, 6, '0') AS code,
       public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom,
       (i + 0.5 * j + ((i * 7 + j * 3) % 5) / 3.0)::float8 AS v
  FROM generate_series(1, 6) i, generate_series(1, 7) j;
CREATE TEMP TABLE wb AS
SELECT nous.contiguity(id, geom, 'rook') AS rook, nous.contiguity(id, geom) AS queen,
       nous.knn(id, public.ST_Centroid(geom), 3) AS knn,
       nous.distance_band(id, public.ST_Centroid(geom), 1.5) AS band,
       nous.area_values(id, v) AS v FROM g;
CREATE TEMP TABLE wt AS
SELECT nous.contiguity(code, geom, 'rook') AS rook, nous.contiguity(code, geom) AS queen,
       nous.knn(code, public.ST_Centroid(geom), 3) AS knn,
       nous.distance_band(code, public.ST_Centroid(geom), 1.5) AS band,
       nous.area_values(code, v) AS v FROM g;
-- the same graphs: the links of the text weights mapped back to bigint ids
SELECT k,
       (SELECT array_agg(ROW(a.id, b.id) ORDER BY a.id, b.id)
          FROM nous.neighbours(CASE k WHEN 'rook' THEN wt.rook WHEN 'queen' THEN wt.queen WHEN 'knn' THEN wt.knn ELSE wt.band END) l
          JOIN g a ON a.code = l.from_id JOIN g b ON b.code = l.to_id)::text
     = (SELECT array_agg(ROW(l.from_id, l.to_id) ORDER BY l.from_id, l.to_id)
          FROM nous.neighbours(CASE k WHEN 'rook' THEN wb.rook WHEN 'queen' THEN wb.queen WHEN 'knn' THEN wb.knn ELSE wb.band END) l)::text
       AS same_links
  FROM wb, wt, unnest(ARRAY['rook', 'queen', 'knn', 'band']) k;
-- every statistic with text ids equals the one with bigint ids, permutations included
SELECT nous.moran(wt.rook, wt.v, 'permutations=99') = nous.moran(wb.rook, wb.v, 'permutations=99') AS moran,
       nous.geary(wt.queen, wt.v, 'permutations=99') = nous.geary(wb.queen, wb.v, 'permutations=99') AS geary,
       nous.getis_ord(wt.band, wt.v, 'permutations=99') = nous.getis_ord(wb.band, wb.v, 'permutations=99') AS getis_ord,
       nous.moran(wt.knn, wt.v, 'style=C', 'greater') = nous.moran(wb.knn, wb.v, 'style=C', 'greater') AS moran_knn
  FROM wb, wt;
SELECT (SELECT array_agg(r ORDER BY r.id) FROM unnest(nous.local_moran(wt.rook, wt.v)) r)::text
     = (SELECT array_agg(ROW('Q' || lpad(r.id::text, 6, '0'), r.ii, r.expected, r.variance, r.z, r.p_normal,
                             r.p_permutation, r.p_fdr, r.lag, r.quadrant, r.cluster)::nous.local_moran_text_result
                         ORDER BY r.id)
          FROM unnest(nous.local_moran(wb.rook, wb.v)) r)::text AS local_moran,
       (SELECT array_agg(ROW(r.g, r.z, r.p_permutation, r.cluster) ORDER BY r.id) FROM unnest(nous.local_g(wt.queen, wt.v)) r)::text
     = (SELECT array_agg(ROW(r.g, r.z, r.p_permutation, r.cluster) ORDER BY r.id) FROM unnest(nous.local_g(wb.queen, wb.v)) r)::text AS local_g,
       (SELECT array_agg(ROW(r.g, r.z, r.p_permutation, r.cluster) ORDER BY r.id) FROM unnest(nous.local_gstar(wt.knn, wt.v, 'missing=drop')) r)::text
     = (SELECT array_agg(ROW(r.g, r.z, r.p_permutation, r.cluster) ORDER BY r.id) FROM unnest(nous.local_gstar(wb.knn, wb.v, 'missing=drop')) r)::text AS local_gstar
  FROM wb, wt;
SELECT (r).id, round((r).ii::numeric, 6) AS ii, (r).quadrant
  FROM (SELECT unnest(nous.local_moran(rook, v)) AS r FROM wt) s ORDER BY (r).id LIMIT 3;
-- components with text ids: the same partition as with bigint ids
SELECT (SELECT array_agg(ROW(a.id, c.id, s.size) ORDER BY a.id)
          FROM nous.components(wt.band) s JOIN g a ON a.code = s.id JOIN g c ON c.code = s.component)::text
     = (SELECT array_agg(ROW(s.id, s.component, s.size) ORDER BY s.id) FROM nous.components(wb.band) s)::text
       AS components
  FROM wb, wt;

-- states per part merged (rollups), weights per part merged by union
CREATE TEMP TABLE parts AS
SELECT a.west, a.v, b.w
  FROM (SELECT id / 100 <= 3 AS west, nous.area_values(code, v) AS v FROM g GROUP BY 1) a
  JOIN (SELECT id / 100 <= 3 AS west, nous.weights(l.from_id, l.to_id) AS w
          FROM g JOIN nous.neighbours((SELECT rook FROM wt)) l ON l.from_id = g.code GROUP BY 1) b USING (west);
SELECT nous.area_values_union(v)::text = (SELECT v FROM wt)::text AS values_rollup,
       nous.weights_union(w)::text = (SELECT rook FROM wt)::text AS weights_union,
       sum(nous.area_values_count(v)) AS pairs
  FROM parts;
-- parallel aggregation of text ids (serialised states of nous.weights and nous.area_values)
CREATE TABLE spatial_text_ids_big AS
SELECT 'Z' || i AS code, 'Z' || (i % 5000 + 1) AS nb, (i % 97)::float8 AS v FROM generate_series(1, 100000) i;
ANALYZE spatial_text_ids_big;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT nous.area_values(code, v)::text = (SELECT nous.area_values(code, v) FROM (SELECT * FROM spatial_text_ids_big ORDER BY code) s)::text
       AS values_parallel_equals_serial,
       nous.weights(code, NULLIF(nb, code))::text = (SELECT nous.weights(code, NULLIF(nb, code)) FROM (SELECT * FROM spatial_text_ids_big ORDER BY code) s)::text
       AS weights_parallel_equals_serial
  FROM spatial_text_ids_big;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE spatial_text_ids_big;

-- an untyped literal is still one of bigint ids
SELECT nous.weights_union('{1:[2],2:[1]}', '{2:[3],3:[2]}'), nous.area_values_merge('{2:1}', '{1:3}');

-- errors: a clear message with its SQLSTATE
\set VERBOSITY default
\set ON_ERROR_STOP 0
SELECT nous.moran((SELECT rook FROM wt), '{"Q000101":1,"nowhere":2}'::nous.text_area_values);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT nous.moran((SELECT rook FROM wt), nous.area_values_merge((SELECT v FROM wt), '{"Q000101":1}'));
SELECT nous.moran((SELECT rook FROM wt), '{"Q000101":1}'::nous.text_area_values);
SELECT nous.moran((SELECT rook FROM wb), (SELECT v FROM wt));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT nous.local_moran((SELECT rook FROM wt), (SELECT v FROM wb));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT nous.weights_union((SELECT rook FROM wb), (SELECT rook FROM wt));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT nous.weights('a', 'a');
SELECT '{"a":["b"]}'::nous.text_weights;
SELECT '{"a":[],"a":[]}'::nous.text_weights;
SELECT '{a:["b"]}'::nous.text_weights;
SELECT '{"a\x":[]}'::nous.text_weights;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '{1:[]}'::nous.text_weights;
SELECT '{"a":1,"b":nan}'::nous.text_area_values;
SELECT nous.area_values(code, 'infinity') FROM g;
SELECT nous.contiguity(c, geom) FROM (VALUES ('x'), ('x')) v(c), g WHERE g.id = 101;
SELECT nous.knn(code, NULL, 2) FROM g;
SELECT nous.local_g((SELECT rook FROM wt), '{"Q000101":-1,"Q000102":2}'::nous.text_area_values, 'missing=drop');
SELECT nous.getis_ord((SELECT rook FROM wt), '{"Q000101":-1,"Q000102":2}'::nous.text_area_values, 'missing=drop');
-- a text value smuggled into the bigint type (binary-coercible casts) is refused, not misread
CREATE TYPE sti_raw;
CREATE FUNCTION sti_raw_in(cstring) RETURNS sti_raw LANGUAGE internal IMMUTABLE STRICT AS 'byteain';
CREATE FUNCTION sti_raw_out(sti_raw) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'byteaout';
CREATE TYPE sti_raw (INPUT = sti_raw_in, OUTPUT = sti_raw_out, INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);
CREATE CAST (nous.text_weights AS sti_raw) WITHOUT FUNCTION;
CREATE CAST (sti_raw AS nous.weights) WITHOUT FUNCTION;
SELECT nous.islands(w::sti_raw::nous.weights) FROM cw;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM nous.components((SELECT w::sti_raw::nous.weights FROM cw));
SELECT nous.weights_send(w::sti_raw::nous.weights) = nous.text_weights_send(w) AS same_bytes FROM cw;
DROP TYPE sti_raw CASCADE;
