-- spatial_two_step: statistics in two steps (issue 14): the values of the
-- areas collected by the aggregate nous.area_values into a storable,
-- combinable state, then nous.moran(w, values) and the others as plain
-- functions; each equals the one-step aggregate.  Weights merged by union.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;

-- a 4 x 5 grid of squares, rook weights, values with a trend and noise
CREATE TEMP TABLE g AS
SELECT (100 * i + j)::bigint AS id, public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom,
       (i + 0.5 * j + ((i * 7 + j * 3) % 5) / 3.0)::float8 AS v
  FROM generate_series(1, 4) i, generate_series(1, 5) j;
CREATE TEMP TABLE gw AS SELECT nous.contiguity(id, geom, 'rook') AS w FROM g;
CREATE TEMP TABLE gv AS SELECT nous.area_values(id, v) AS v FROM g;
SELECT nous.area_values_count(v) FROM gv;

-- the text form round-trips exactly (shortest exact decimals), NULL as null
SELECT nous.area_values(id, v / 7) FROM g WHERE id < 200;
SELECT (SELECT nous.area_values(id, v / 7) FROM g)::text::nous.area_values::text
     = (SELECT nous.area_values(id, v / 7) FROM g)::text AS text_round_trip;
SELECT '{3:0.1, 1:null, 2:-2.5e-300}'::nous.area_values;
-- binary round trip
CREATE TEMP TABLE bin AS SELECT nous.area_values_send(v) AS b FROM gv;
SELECT nous.area_values_send(v) = (SELECT b FROM bin) AS send_stable FROM gv;

-- each statistic: two steps equal one step, to the last bit
SELECT (nous.moran((SELECT w FROM gw), (SELECT v FROM gv))) = (SELECT nous.moran((SELECT w FROM gw), id, v) FROM g) AS moran,
       (nous.geary((SELECT w FROM gw), (SELECT v FROM gv))) = (SELECT nous.geary((SELECT w FROM gw), id, v) FROM g) AS geary,
       (nous.getis_ord((SELECT w FROM gw), (SELECT v FROM gv))) = (SELECT nous.getis_ord((SELECT w FROM gw), id, v) FROM g) AS getis_ord,
       (nous.local_moran((SELECT w FROM gw), (SELECT v FROM gv)))::text = (SELECT nous.local_moran((SELECT w FROM gw), id, v) FROM g)::text AS local_moran,
       (nous.local_g((SELECT w FROM gw), (SELECT v FROM gv)))::text = (SELECT nous.local_g((SELECT w FROM gw), id, v) FROM g)::text AS local_g,
       (nous.local_gstar((SELECT w FROM gw), (SELECT v FROM gv)))::text = (SELECT nous.local_gstar((SELECT w FROM gw), id, v) FROM g)::text AS local_gstar;
-- options and the alternative as a named argument
SELECT (nous.moran((SELECT w FROM gw), (SELECT v FROM gv), 'style=B, permutations=99', alternative => 'greater'))
     = (SELECT nous.moran((SELECT w FROM gw), id, v, 'style=B, permutations=99, alternative=greater') FROM g) AS moran_options,
       (nous.local_gstar((SELECT w FROM gw), (SELECT v FROM gv), alternative => 'less'))::text
     = (SELECT nous.local_gstar((SELECT w FROM gw), id, v, 'alternative=less') FROM g)::text AS local_options;
SELECT round(m.i::numeric, 12) AS i, m.n, m.links, m.style
  FROM nous.moran((SELECT w FROM gw), (SELECT v FROM gv)) m;

-- the state is combinable: states per row of x, stored, merged by a rollup
-- aggregate, give the same statistic; parallel query splits the aggregate
CREATE TEMP TABLE per_column AS SELECT id / 100 AS x, nous.area_values(id, v) AS v FROM g GROUP BY 1;
SELECT nous.area_values_union(v)::text = (SELECT v FROM gv)::text AS rollup_equals FROM per_column;
SELECT (nous.moran((SELECT w FROM gw), (SELECT nous.area_values_union(v) FROM per_column)))
     = (SELECT nous.moran((SELECT w FROM gw), id, v) FROM g) AS moran_of_rollup;
SELECT nous.area_values_merge('{2:1}', '{1:3}');
CREATE TABLE spatial_two_step_big AS SELECT i::bigint AS id, (i % 97)::float8 AS v FROM generate_series(1, 200000) i;
ANALYZE spatial_two_step_big;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT nous.area_values(id, v) FROM spatial_two_step_big;
SELECT nous.area_values(id, v)::text = (SELECT nous.area_values(id, v) FROM (SELECT * FROM spatial_two_step_big ORDER BY id) s)::text
       AS parallel_equals_serial FROM spatial_two_step_big;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE spatial_two_step_big;

-- weights as a combinable state: the union of weights built per part
SELECT nous.weights_union('{1:[2],2:[1]}', '{2:[3],3:[2],4:[]}');
CREATE TEMP TABLE parts AS
SELECT id / 100 <= 2 AS west, nous.weights(l.from_id, l.to_id) AS w
  FROM nous.neighbours((SELECT w FROM gw)) l JOIN g ON g.id = l.from_id GROUP BY 1;
SELECT nous.weights_union(w)::text = (SELECT w FROM gw)::text AS union_of_parts FROM parts;

-- bad input: a clear error with its SQLSTATE
\set VERBOSITY default
SELECT nous.moran((SELECT w FROM gw), nous.area_values_merge((SELECT v FROM gv), '{101:1}'));
SELECT nous.moran((SELECT w FROM gw), '{101:1, 999:2}'::nous.area_values);
SELECT '{1:2:3}'::nous.area_values;
SELECT '{1:nan}'::nous.area_values;
SELECT nous.area_values(id, 'infinity') FROM g;
SELECT nous.area_values(NULL::bigint, 1);
SELECT nous.moran(NULL, (SELECT v FROM gv));
SELECT nous.moran((SELECT w FROM gw), (SELECT v FROM gv), alternative => 'both');
SELECT nous.moran((SELECT w FROM gw), NULL::nous.area_values) IS NULL AS null_values_null_result;
