-- spatial: weights type, contiguity and autocorrelation against hand
-- computations and independent plain-SQL computations.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- text input/output: keys in any order, output sorted; an area may have no neighbour
SELECT '{3:[1], 1:[3,2], 2:[1], 9:[]}'::nous.weights AS w;
SELECT nous.link_count('{3:[1],1:[3,2],2:[1],9:[]}'), nous.area_count('{3:[1],1:[3,2],2:[1],9:[]}'),
       nous.islands('{3:[1],1:[3,2],2:[1],9:[]}');
SELECT * FROM nous.neighbours('{3:[1],1:[3,2],2:[1],9:[]}') ORDER BY 1, 2;
SELECT '{}'::nous.weights AS empty, nous.link_count('{}');
-- with weights: W = 1 / number of neighbours; C = 4 areas / 4 links = 1
SELECT * FROM nous.neighbours('{3:[1],1:[3,2],2:[1],9:[]}', 'W') ORDER BY 1, 2;
SELECT sum(weight) AS c_sum_is_n FROM nous.neighbours('{3:[1],1:[3,2],2:[1],9:[]}', 'c');
-- binary output: version 1, n = 2, nnz = 1, ids, row pointers, neighbour indexes
SELECT nous.weights_send('{5:[7],7:[]}');

-- from an edge list: duplicates merged, to_id NULL declares an island
SELECT nous.weights(f, t) FROM (VALUES (1, 2), (2, 1), (1, 2), (2, 3), (4, NULL), (NULL, NULL)) e(f, t);
SELECT nous.weights(f, t) FROM (VALUES (1, 2)) e(f, t) WHERE false;

-- binary round trip through COPY BINARY
CREATE TEMP TABLE wt (w nous.weights);
INSERT INTO wt VALUES ('{10:[20,30],20:[10],30:[10],40:[]}');
COPY wt TO '/tmp/nous_maps_weights.bin' WITH (FORMAT binary);
CREATE TEMP TABLE wt2 (w nous.weights);
COPY wt2 FROM '/tmp/nous_maps_weights.bin' WITH (FORMAT binary);
SELECT w::text = (SELECT w::text FROM wt) AS binary_round_trip,
       w::text::nous.weights::text = w::text AS text_round_trip FROM wt2;

-- contiguity of a 3 x 3 grid of unit squares (ids 11..33): rook = the 12 shared
-- edges (24 directed links), queen adds the 8 diagonal corner contacts (40)
CREATE TEMP TABLE grid AS
SELECT (10 * i + j)::bigint AS id, public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom
  FROM generate_series(1, 3) i, generate_series(1, 3) j;
SELECT nous.link_count(nous.contiguity(id, geom)) AS queen,
       nous.link_count(nous.contiguity(id, geom, 'queen')) AS queen_explicit,
       nous.link_count(nous.contiguity(id, geom, 'rook')) AS rook FROM grid;
SELECT nous.contiguity(id, geom, 'rook') FROM grid;
-- a square far away is an island; a multipolygon is one area
INSERT INTO grid VALUES (99, public.ST_MakeEnvelope(10, 10, 11, 11, 2154)),
  (98, public.ST_Multi(public.ST_Union(public.ST_MakeEnvelope(4, 1, 5, 2, 2154), public.ST_MakeEnvelope(6, 1, 7, 2, 2154))));
SELECT nous.islands(nous.contiguity(id, geom)), nous.area_count(nous.contiguity(id, geom)) FROM grid;
-- the multipolygon's first part touches square 31 along x = 4
UPDATE grid SET geom = public.ST_Multi(public.ST_Union(public.ST_MakeEnvelope(4, 1, 5, 2, 2154), public.ST_MakeEnvelope(6, 1, 7, 2, 2154))) WHERE id = 98;
SELECT * FROM nous.neighbours((SELECT nous.contiguity(id, geom, 'rook') FROM grid)) WHERE from_id = 98;
DELETE FROM grid WHERE id IN (98, 99);

-- Moran's I on a 2 x 3 grid of squares with rook weights, by hand:
-- areas 11 21 31 / 12 22 32, values 1 2 3 / 4 5 6, mean 3.5, sum z^2 = 17.5
CREATE TEMP TABLE small AS
SELECT (10 * i + j)::bigint AS id, public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom,
       (i + 3 * (j - 1))::float8 AS v
  FROM generate_series(1, 3) i, generate_series(1, 2) j;
CREATE TEMP TABLE smallw AS SELECT nous.contiguity(id, geom, 'rook') AS w FROM small;
-- independent plain SQL: I = n / S0 * sum_ij w_ij z_i z_j / sum z_i^2, row-standardised
WITH z AS (SELECT id, v - avg(v) OVER () AS z FROM small),
     l AS (SELECT from_id, to_id, 1.0 / count(*) OVER (PARTITION BY from_id) AS w
             FROM nous.neighbours((SELECT w FROM smallw)))
SELECT round((count(DISTINCT zi.id) * 1.0 / sum(l.w) * sum(l.w * zi.z * zj.z)
        / (SELECT sum(z * z) FROM z))::numeric, 12) AS plain_sql_i
  FROM l JOIN z zi ON zi.id = l.from_id JOIN z zj ON zj.id = l.to_id;
SELECT round(m.i::numeric, 12) AS i, round(m.expected::numeric, 12) AS expected, m.n, m.links, m.style, m.s0,
       round(m.variance_normal::numeric, 12) AS var_normal, round(m.variance_random::numeric, 12) AS var_random,
       round(m.z_random::numeric, 9) AS z_random, m.p_permutation IS NOT NULL AS has_p_perm, m.permutations
  FROM (SELECT (nous.moran((SELECT w FROM smallw), id, v)).* FROM small) m;
-- binary weights: I = n / S0 * sum w z z / sum z^2 with S0 = 14 links
WITH z AS (SELECT id, v - avg(v) OVER () AS z FROM small)
SELECT round((6.0 / 14 * sum(zi.z * zj.z) / (SELECT sum(z * z) FROM z))::numeric, 12) AS plain_sql_b
  FROM nous.neighbours((SELECT w FROM smallw)) l JOIN z zi ON zi.id = l.from_id JOIN z zj ON zj.id = l.to_id;
SELECT round((nous.moran((SELECT w FROM smallw), id, v, 'style=B')).i::numeric, 12) AS i_b,
       round((nous.moran((SELECT w FROM smallw), id, v, 'style=C')).i::numeric, 12) AS i_c_equals_b_here,
       (nous.moran((SELECT w FROM smallw), id, v, 'permutations=0')).p_permutation AS no_perm
  FROM small;
-- Geary's C by plain SQL: (n - 1) sum w (x_i - x_j)^2 / (2 S0 sum z^2)
WITH l AS (SELECT from_id, to_id, 1.0 / count(*) OVER (PARTITION BY from_id) AS w
             FROM nous.neighbours((SELECT w FROM smallw)))
SELECT round((5 * sum(l.w * (a.v - b.v)^2) / (2 * 6 * 17.5))::numeric, 12) AS plain_sql_c
  FROM l JOIN small a ON a.id = l.from_id JOIN small b ON b.id = l.to_id;
SELECT round((nous.geary((SELECT w FROM smallw), id, v)).c::numeric, 12) AS c FROM small;
-- Getis-Ord G, binary: sum_ij w_ij x_i x_j / sum_{i<>j} x_i x_j; E = S0 / (n (n - 1)) = 14 / 30
SELECT round((sum(a.v * b.v) / ((SELECT sum(v)^2 - sum(v^2) FROM small)))::numeric, 12) AS plain_sql_g
  FROM nous.neighbours((SELECT w FROM smallw)) l JOIN small a ON a.id = l.from_id JOIN small b ON b.id = l.to_id;
SELECT round(g.g::numeric, 12) AS g, round(g.expected::numeric, 12) AS expected, g.variance_normal,
       g.variance_random > 0 AS var_positive
  FROM (SELECT (nous.getis_ord((SELECT w FROM smallw), id, v, 'style=B')).* FROM small) g;
-- local Moran: sum of Ii / n = I under W; lag by plain SQL
SELECT round(avg(l.ii)::numeric, 12) AS mean_ii, count(*) AS areas
  FROM (SELECT (unnest(nous.local_moran((SELECT w FROM smallw), id, v))).* FROM small) l;
SELECT l.id, round(l.lag::numeric, 12) AS lag, l.quadrant, l.cluster
  FROM (SELECT (unnest(nous.local_moran((SELECT w FROM smallw), id, v, 'permutations=99'))).* FROM small) l ORDER BY l.id;

-- local Getis-Ord Gi* and Gi against plain SQL (Ord & Getis 1995 z-scores)
-- plain SQL Gi* (binary): neighbours plus self
WITH nb AS (SELECT from_id AS i, to_id AS j FROM nous.neighbours((SELECT w FROM smallw)) UNION ALL SELECT id, id FROM small),
     st AS (SELECT count(*)::float8 n, avg(v) m, sqrt(avg(v*v) - avg(v)^2) s, sum(v) t FROM small),
     a AS (SELECT nb.i, sum(x.v) lag, count(*)::float8 w FROM nb JOIN small x ON x.id = nb.j GROUP BY nb.i)
SELECT a.i, round((a.lag / st.t)::numeric, 12) g, round(((a.lag - a.w * st.m) / (st.s * sqrt((st.n * a.w - a.w^2) / (st.n - 1))))::numeric, 12) z FROM a, st ORDER BY a.i;
SELECT l.id, round(l.g::numeric, 12) g, round(l.z::numeric, 12) z, round(l.expected::numeric, 12) e, l.cluster FROM (SELECT (unnest(nous.local_gstar((SELECT w FROM smallw), id, v, 'style=B'))).* FROM small) l ORDER BY id;
-- plain SQL Gi (binary), the area left out of the moments
WITH nb AS (SELECT from_id AS i, to_id AS j FROM nous.neighbours((SELECT w FROM smallw))),
     a AS (SELECT nb.i, sum(x.v) lag, count(*)::float8 w FROM nb JOIN small x ON x.id = nb.j GROUP BY nb.i),
     st AS (SELECT o.id, count(*)::float8 n, avg(x.v) m, sqrt(avg(x.v*x.v) - avg(x.v)^2) s, sum(x.v) t FROM small o JOIN small x ON x.id <> o.id GROUP BY o.id)
SELECT a.i, round((a.lag / st.t)::numeric, 12) g, round(((a.lag - a.w * st.m) / (st.s * sqrt((st.n * a.w - a.w^2) / (st.n - 1))))::numeric, 12) z FROM a JOIN st ON st.id = a.i ORDER BY a.i;
SELECT l.id, round(l.g::numeric, 12) g, round(l.z::numeric, 12) z, l.p_permutation IS NOT NULL has_p FROM (SELECT (unnest(nous.local_g((SELECT w FROM smallw), id, v, 'style=B'))).* FROM small) l ORDER BY id;
-- W style z equals B style z (a common weight per row cancels)
SELECT bool_and(abs(a.z - b.z) < 1e-12) FROM (SELECT (unnest(nous.local_g((SELECT w FROM smallw), id, v, 'style=B'))).* FROM small) a JOIN (SELECT (unnest(nous.local_g((SELECT w FROM smallw), id, v))).* FROM small) b USING (id);

-- an area whose value is the mean has Ii = 0 under every permutation: its
-- pseudo p-value is 1, not significant (values i + j on a 3 x 3 grid, mean 4)
SELECT (l).id, round((l).ii::numeric, 12) AS ii, (l).p_permutation = 1 AS p_is_1, (l).cluster
  FROM (SELECT unnest(nous.local_moran((SELECT nous.contiguity(id, geom) FROM grid), id, (id / 10 + id % 10)::float8)) l
          FROM grid) q WHERE (l).ii = 0;

-- islands: an error by default, a zero lag with islands=keep
INSERT INTO small VALUES (99, public.ST_MakeEnvelope(10, 10, 11, 11, 2154), 3);
CREATE TEMP TABLE islw AS SELECT nous.contiguity(id, geom) AS w FROM small;
SELECT (nous.moran((SELECT w FROM islw), id, v, 'islands=keep')).n,
       (nous.moran((SELECT w FROM islw), id, v, 'islands=keep')).islands FROM small;
-- the island keeps Ii = 0 and has no z, p-value, quadrant or cluster
SELECT l.id, l.ii, l.z, l.p_permutation, l.quadrant, l.cluster
  FROM (SELECT (unnest(nous.local_moran((SELECT w FROM islw), id, v, 'islands=keep'))).* FROM small) l WHERE l.id = 99;
-- missing values: an error by default; missing=drop leaves the areas out with their links
SELECT (nous.moran((SELECT w FROM smallw), id, v, 'missing=drop')).n AS n_dropped
  FROM small WHERE id NOT IN (99, 32);

-- parallel plans give the serial answer
CREATE TABLE spatial_par AS
SELECT (1000 * i + j)::bigint AS id, public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom,
       ((i * 7919 + j * 104729) % 1000)::float8 / 10 + i AS v
  FROM generate_series(1, 60) i, generate_series(1, 60) j;
ANALYZE spatial_par;
CREATE TABLE spatial_parw AS SELECT nous.contiguity(id, geom) AS w FROM spatial_par;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT nous.moran((SELECT w FROM spatial_parw), id, v) FROM spatial_par;
CREATE TABLE spatial_par_result AS
SELECT nous.moran((SELECT w FROM spatial_parw), id, v) AS m, nous.contiguity(id, geom) AS q,
       nous.weights(id, id + 1) AS e FROM spatial_par;
SET max_parallel_workers_per_gather = 0;
SELECT (m).i = (SELECT (nous.moran((SELECT w FROM spatial_parw), id, v)).i FROM spatial_par) AS moran_same,
       (m).p_permutation = (SELECT (nous.moran((SELECT w FROM spatial_parw), id, v)).p_permutation FROM spatial_par) AS perm_same,
       q::text = (SELECT w::text FROM spatial_parw) AS contiguity_same,
       e::text = (SELECT nous.weights(id, id + 1)::text FROM spatial_par) AS weights_same,
       nous.link_count(q) AS links
  FROM spatial_par_result;
RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
DROP TABLE spatial_par, spatial_parw, spatial_par_result;

-- bad input
CALL public.expect_error($e$SELECT '{1:[1]}'::nous.weights$e$);
CALL public.expect_error($e$SELECT '{1:[2]}'::nous.weights$e$);
CALL public.expect_error($e$SELECT '{1:[2],1:[]}'::nous.weights$e$);
CALL public.expect_error($e$SELECT '{1:[2],2:[1]'::nous.weights$e$);
CALL public.expect_error($e$SELECT '{1:[x]}'::nous.weights$e$);
CALL public.expect_error($e$SELECT '{99999999999999999999:[]}'::nous.weights$e$);
CALL public.expect_error($e$SELECT '[1,2]'::nous.weights$e$);
CALL public.expect_error($e$SELECT nous.weights(f, t) FROM (VALUES (1, 1)) e(f, t)$e$);
CALL public.expect_error($e$SELECT nous.weights(f, t) FROM (VALUES (NULL::bigint, 1)) e(f, t)$e$);
-- corrupt binary input
COPY (SELECT '\x01000000020000000100'::bytea) TO '/tmp/nous_maps_bad.bin' WITH (FORMAT binary);
CALL public.expect_error($e$COPY wt2 FROM '/tmp/nous_maps_bad.bin' WITH (FORMAT binary)$e$);
COPY (SELECT '\x0100000002000000010000000000000005000000000000000700000000000000010000000100000000'::bytea) TO '/tmp/nous_maps_bad.bin' WITH (FORMAT binary);
CALL public.expect_error($e$COPY wt2 FROM '/tmp/nous_maps_bad.bin' WITH (FORMAT binary)$e$);
COPY (SELECT '\x0100000002000000010000000000000007000000000000000500000000000000010000000100000001'::bytea) TO '/tmp/nous_maps_bad.bin' WITH (FORMAT binary);
CALL public.expect_error($e$COPY wt2 FROM '/tmp/nous_maps_bad.bin' WITH (FORMAT binary)$e$);
COPY (SELECT '\x0200000002000000010000000000000005000000000000000700000000000000010000000100000001'::bytea) TO '/tmp/nous_maps_bad.bin' WITH (FORMAT binary);
CALL public.expect_error($e$COPY wt2 FROM '/tmp/nous_maps_bad.bin' WITH (FORMAT binary)$e$);
-- contiguity
CALL public.expect_error($e$SELECT nous.contiguity(id, geom, 'bishop') FROM grid$e$);
CALL public.expect_error($e$SELECT * FROM nous.neighbours('{1:[2],2:[1]}', 'X')$e$);
CALL public.expect_error($e$SELECT nous.contiguity(id, geom, NULL) FROM grid$e$);
CALL public.expect_error($e$SELECT nous.contiguity(id, NULL) FROM grid$e$);
CALL public.expect_error($e$SELECT nous.contiguity(NULL, geom) FROM grid$e$);
CALL public.expect_error($e$SELECT nous.contiguity(1, geom) FROM grid$e$);
CALL public.expect_error($e$SELECT nous.contiguity(id, CASE WHEN id = 11 THEN public.ST_SetSRID(geom, 4326) ELSE geom END) FROM grid$e$);
CALL public.expect_error($e$SELECT nous.contiguity(id, CASE WHEN id = 11 THEN 'SRID=2154;POLYGON EMPTY'::public.geometry ELSE geom END) FROM grid$e$);
CALL public.expect_error($e$SELECT nous.contiguity(id, public.ST_Boundary(geom)) FROM grid$e$);
CALL public.expect_error($e$SELECT nous.contiguity(id, CASE WHEN id = 11 THEN 'SRID=2154;POLYGON((0 0,1 1,1 0,0 1,0 0))'::public.geometry ELSE geom END) FROM grid$e$);
-- autocorrelation
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), id, v) FROM small$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), id, CASE WHEN id = 11 THEN NULL ELSE v END) FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), id, CASE WHEN id = 11 THEN 'NaN' ELSE v END) FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), 11, v) FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.moran(NULL, id, v) FROM small$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), NULL, v) FROM small$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM islw), id, v) FROM small$e$);
CALL public.expect_error($e$SELECT nous.moran(CASE WHEN id = 11 THEN (SELECT w FROM smallw) ELSE (SELECT w FROM islw) END, id, v) FROM small$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), id, v, 'style=X') FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), id, v, 'permutations=-1') FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), id, v, 'colour=red') FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), id, v, 'style=') FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.moran('{1:[2],2:[1]}', id, v) FROM (VALUES (1, 1.0), (2, 2.0)) t(id, v)$e$);
CALL public.expect_error($e$SELECT nous.getis_ord((SELECT w FROM smallw), id, v - 3) FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.moran((SELECT w FROM smallw), id, 5) FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.local_moran((SELECT w FROM smallw), id, 5) FROM small WHERE id <> 99$e$);
CALL public.expect_error($e$SELECT nous.local_gstar((SELECT w FROM smallw), id, v - 3) FROM small WHERE id <> 99$e$);
SELECT '{1:[2]}'::nous.weights;
SELECT nous.contiguity(id, CASE WHEN id = 11 THEN public.ST_SetSRID(geom, 4326) ELSE geom END) FROM grid;
SELECT nous.moran((SELECT w FROM islw), id, v) FROM small;
SELECT nous.moran((SELECT w FROM smallw), id, v) FROM small;
SELECT nous.moran((SELECT w FROM smallw), id, CASE WHEN id = 11 THEN NULL ELSE v END) FROM small WHERE id <> 99;

-- connected components: 1-2-3 (3 reached one way), 7-8, 5 alone
SELECT * FROM nous.components('{1:[2],2:[1,3],3:[],5:[],7:[],8:[7]}') ORDER BY id;

-- areal interpolation by hand: two 2 x 1 source rectangles (values 10 and 4)
-- onto a target square covering the right half of the first and the left half
-- of the second: extensive 10/2 + 4/2 = 7; intensive (10 + 4) / 2 = 7 with
-- equal overlap areas; a target outside every source gets NULL
SELECT * FROM nous.areal_interpolation(
  '{1,2}', ARRAY[public.ST_MakeEnvelope(0, 0, 2, 1, 2154), public.ST_MakeEnvelope(2, 0, 4, 1, 2154)], '{10,4}',
  '{100,200}', ARRAY[public.ST_MakeEnvelope(1, 0, 3, 1, 2154), public.ST_MakeEnvelope(10, 10, 11, 11, 2154)]);
SELECT * FROM nous.areal_interpolation(
  '{1,2}', ARRAY[public.ST_MakeEnvelope(0, 0, 2, 1, 2154), public.ST_MakeEnvelope(2, 0, 4, 1, 2154)], '{10,NULL}',
  '{100}', ARRAY[public.ST_MakeEnvelope(1, 0, 3, 1, 2154)], 'intensive');
CALL public.expect_error($e$SELECT * FROM nous.areal_interpolation('{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 4326)], '{1}',
  '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 4326)])$e$);
CALL public.expect_error($e$SELECT * FROM nous.areal_interpolation('{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)], '{1}',
  '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 3035)])$e$);
CALL public.expect_error($e$SELECT * FROM nous.areal_interpolation('{1,2}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)], '{1}',
  '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)])$e$);
CALL public.expect_error($e$SELECT * FROM nous.areal_interpolation('{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)], '{NaN}',
  '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)])$e$);
CALL public.expect_error($e$SELECT * FROM nous.areal_interpolation('{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)], '{1}',
  '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)], 'average')$e$);
CALL public.expect_error($e$SELECT * FROM nous.areal_interpolation('{}', '{}', '{}', '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)])$e$);
CALL public.expect_error($e$SELECT * FROM nous.areal_interpolation('{1}', ARRAY[public.ST_MakePoint(0, 0)], '{1}',
  '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 0)])$e$);
CALL public.expect_error($e$SELECT * FROM nous.areal_interpolation(NULL, ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)], '{1}',
  '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 2154)])$e$);
SELECT * FROM nous.areal_interpolation('{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 4326)], '{1}',
  '{1}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 1, 4326)]);

-- nothing depends on the caller's search_path
SET search_path = '';
SELECT nous.link_count((SELECT nous.contiguity(id, geom, 'rook') FROM pg_temp.small WHERE id <> 99)) AS rook_links,
       round((SELECT (nous.moran((SELECT w FROM pg_temp.smallw), id, v)).i FROM pg_temp.small WHERE id <> 99)::numeric, 12) AS moran_i;
RESET search_path;

-- k nearest neighbours and distance band of points, by hand: points on a line
-- at x = 0, 1, 3, 6 (ids 1..4); 1 nearest: 1->2, 2->1, 3->2, 4->3
CREATE TEMP TABLE line AS SELECT i::bigint AS id, public.ST_SetSRID(public.ST_MakePoint(x, 0), 2154) AS geom
  FROM unnest('{0,1,3,6}'::float8[]) WITH ORDINALITY t(x, i);
SELECT nous.knn(id, geom, 1) AS k1, nous.knn(id, geom, 2) AS k2, nous.distance_band(id, geom, 2) AS band2,
       nous.distance_band(id, geom, 3) AS band3 FROM line;
-- ties at equal distance go to the smaller id: point 2 at x = 1 between 1 (x = 0) and x = 2
SELECT nous.knn(id, geom, 1) FROM (VALUES (1, 0), (7, 2), (5, 1)) t(id, x),
  LATERAL (SELECT public.ST_SetSRID(public.ST_MakePoint(x, 0), 2154) AS geom) g;
CALL public.expect_error($e$SELECT nous.knn(id, geom, 4) FROM line$e$);
CALL public.expect_error($e$SELECT nous.knn(id, geom, 0) FROM line$e$);
CALL public.expect_error($e$SELECT nous.knn(id, geom, NULL) FROM line$e$);
CALL public.expect_error($e$SELECT nous.distance_band(id, geom, -1) FROM line$e$);
CALL public.expect_error($e$SELECT nous.distance_band(id, geom, 'NaN') FROM line$e$);
-- the pairs are counted while they are collected, against
-- nous.max_neighbour_pairs (issue 13): never more memory than the limit
SET nous.max_neighbour_pairs = 3;
SELECT nous.link_count(nous.distance_band(id, geom, 2)) FROM line;
SELECT nous.link_count(nous.distance_band(id, geom, 3)) FROM line;
SELECT nous.link_count(nous.contiguity(id, g)) FROM (SELECT i::bigint AS id, ST_MakeEnvelope(i, 0, i + 1, 1) AS g FROM generate_series(1, 4) i) s;
SELECT nous.link_count(nous.contiguity(id, g)) FROM (SELECT i::bigint AS id, ST_MakeEnvelope(i, 0, i + 1, 1) AS g FROM generate_series(1, 5) i) s;
SELECT nous.link_count(nous.contiguity(id, g, 'rook')) FROM (SELECT i::bigint AS id, ST_MakeEnvelope(i, 0, i + 1, 1) AS g FROM generate_series(1, 5) i) s;
RESET nous.max_neighbour_pairs;
SELECT nous.link_count(nous.contiguity(id, g)) FROM (SELECT i::bigint AS id, ST_MakeEnvelope(i, 0, i + 1, 1) AS g FROM generate_series(1, 5) i) s;
CALL public.expect_error($e$SELECT nous.knn(id, public.ST_SetSRID(geom, 4326), 1) FROM line$e$);
CALL public.expect_error($e$SELECT nous.knn(id, public.ST_Buffer(geom, 1), 1) FROM line$e$);
CALL public.expect_error($e$SELECT nous.knn(1, geom, 1) FROM line$e$);
SELECT nous.knn(id, geom, 4) FROM line;
SELECT nous.knn(id, public.ST_SetSRID(geom, 4326), 1) FROM line;
