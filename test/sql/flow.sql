-- flow: the nous.flows type, the flow_matrix aggregates and the indicators
-- of zones and matrices, against hand computations.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- moves (origin, destination, weight):
--   A->A 80 (stayers), A->B 10, B->A 30, B->B 50, B->C 20, C (no stayer)
CREATE TEMP TABLE mv (o text, d text, w float8);
INSERT INTO mv VALUES ('A','A',80), ('A','B',4), ('A','B',6), ('B','A',30),
  ('B','B',50), ('B','C',20), ('C','C',0), ('A','C',NULL);

-- text form: sorted by origin then destination, stayers as z>z, the zero
-- stayers of C written so that C survives; the NULL weight row is skipped
SELECT nous.flow_matrix(o, d, w) FROM mv;
SELECT nous.flow_matrix(o, d, w)::text::nous.flows::text = nous.flow_matrix(o, d, w)::text AS text_round_trip FROM mv;

-- edges: stayers (> 0) as origin = destination
SELECT * FROM nous.flow_edges((SELECT nous.flow_matrix(o, d, w) FROM mv));

-- zone indicators, by hand:
--   A: ISO 80, ENTR 30, SORT 10: AUTO 90, PRES 110, SM 20, mid 100:
--      TM 0.2, TR 0.4, PE 30/110 = 0.272727, PS 10/90 = 0.111111
--   B: ISO 50, ENTR 10, SORT 50: AUTO 100, PRES 60, SM -40, mid 80:
--      TM -0.5, TR 0.75, PE 10/60 = 0.166667, PS 0.5
--   C: ISO 0, ENTR 20, SORT 0: AUTO 0, PRES 20, SM 20, mid 10:
--      TM 2, TR 2, PE 1, PS NULL (AUTO = 0)
SELECT zone, stayers, inflow, outflow, present_before, present_after, net,
       round(net_rate::numeric, 6) AS tm, round(turnover_rate::numeric, 6) AS tr,
       round(inflow_share::numeric, 6) AS pe, round(outflow_share::numeric, 6) AS ps
  FROM nous.flow_zones((SELECT nous.flow_matrix(o, d, w) FROM mv));

-- whole matrix: stayers 130, movers 60; effectiveness (20 + 40 + 20) / (40 + 60 + 20) = 2/3;
-- Gini over the 6 off-diagonal cells 0 0 0 10 20 30: (1*10 + 3*20 + 5*30) / (6 * 60) = 0.611111
SELECT zones, flows, stayers, movers, round(effectiveness::numeric, 6) AS effectiveness,
       round(gini::numeric, 6) AS gini
  FROM nous.flow_summary((SELECT nous.flow_matrix(o, d, w) FROM mv));

-- small matrices as a dense array (rows = origins, stayers on the diagonal) and as a jsonb pivot
SELECT * FROM nous.flow_dense((SELECT nous.flow_matrix(o, d, w) FROM mv));
SELECT * FROM nous.flow_dense('{}');
SELECT nous.flow_json((SELECT nous.flow_matrix(o, d, w) FROM mv));
SELECT nous.flow_json('{}');

-- two-way flows: A-B 10 / 30 (gross 40, net -20), B-C 20 / 0
SELECT * FROM nous.flow_pairs((SELECT nous.flow_matrix(o, d, w) FROM mv)) ORDER BY 1, 2;

-- text input: any order, spaces, quoted codes with escapes; codes with other
-- characters than letters, digits, _ . - are quoted on output
SELECT ' { "Rezé – Château">"x\"y\\z" : 1.5 , 44109>44109:2.5e3 ,A>B:0}'::nous.flows;
SELECT '{}'::nous.flows AS empty, '{ }'::nous.flows::text = '{}' AS empty_round_trip;
-- a subnormal weight (an aggregate can make one) prints and reads back, so a
-- stored state survives dump/restore; it used to be rejected as out of range
SELECT nous.flow_matrix('A', 'B', 1e-310::float8)::text::nous.flows::text AS subnormal_round_trip;
SELECT * FROM nous.flow_zones('{}');
SELECT * FROM nous.flow_summary('{}');
-- a weight as it came is kept exactly (shortest exact text); a cell that
-- sums several weights is kept to 15 significant digits, so that sums of
-- decimal inputs print without binary noise (0.1 + 0.2 is 0.3, not
-- 0.30000000000000004); integer counts stay exact up to 2^53, and a stored
-- value reads back exactly
SELECT ('{A>B:' || (0.1::float8 + 0.2::float8)::text || '}')::nous.flows,
       (SELECT weight FROM nous.flow_edges('{A>B:0.30000000000000004}')) = 0.1::float8 + 0.2::float8 AS input_kept;
SELECT m, (SELECT weight FROM nous.flow_edges(m) WHERE origin = 'A' AND destination = 'B') AS a_to_b,
       (SELECT inflow FROM nous.flow_zones(m) WHERE zone = 'C') AS into_c,
       (SELECT movers FROM nous.flow_summary(m)) AS movers,
       m::text::nous.flows::text = m::text AS round_trip
  FROM (SELECT nous.flow_matrix(o, d, w) AS m
          FROM (VALUES ('A', 'B', 100.1), ('A', 'B', 200.3), ('A', 'B', 133.3), ('B', 'C', 0.1), ('A', 'C', 0.2),
                       ('C', 'A', 3), ('C', 'C', 3), ('B', 'A', 0.1), ('B', 'A', 0.2)) v(o, d, w)) q;
-- (0.1 + 0.2 is 0.30000000000000004 in binary, not 0.3: the text form's B>A shows it cleaned)
SELECT 0.1::float8 + 0.2::float8 = 0.3::float8 AS binary_sum_is_0_3;
SELECT weight::bigint AS exact_count FROM nous.flow_edges(
  (SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', 9007199254740990), ('A', 'B', 1)) v(o, d, w)));

-- what a selection keeps: 3 of 5 flows, 600 of 660 (hand count)
SELECT * FROM nous.flow_summary('{A>B:300,A>C:200,B>C:100,C>A:50,B>A:10}',
                                nous.flow_select('{A>B:300,A>C:200,B>C:100,C>A:50,B>A:10}', 'threshold', 100));
SELECT * FROM nous.flow_summary('{A>B:300}', '{}');
SELECT * FROM nous.flow_summary('{A>B:300}', '{A>B:299}');
SELECT * FROM nous.flow_summary('{A>B:300}', '{B>A:300}');
-- -0 is 0; control characters and quotes in codes survive the round trip
SELECT '{A>B:-0}'::nous.flows AS minus_zero,
       nous.flow_matrix(o, d, w)::text::nous.flows::text = nous.flow_matrix(o, d, w)::text AS round_trip
  FROM (VALUES (E'a\nb', E'c\td', 1.0::float8), ('q"\', 'ok', -0.0::float8), ('{x}', 'y:z,', 2)) t(o, d, w);
-- integer zone codes are stored as text
SELECT nous.flow_matrix(o::text, d::text, 1) FROM (VALUES (44109, 44190), (44109, 44190), (44190, 44190)) t(o, d);

-- merge aggregate: stored partial matrices combine into the whole one
CREATE TEMP TABLE parts AS
  SELECT o, nous.flow_matrix(o, d, w) AS m FROM mv GROUP BY o;
SELECT nous.flow_matrix(m)::text = (SELECT nous.flow_matrix(o, d, w)::text FROM mv) AS merge_equals_whole
  FROM (SELECT m FROM parts UNION ALL SELECT NULL) p;
SELECT nous.flow_matrix(m) IS NULL AS merge_of_nothing FROM parts WHERE false;
SELECT nous.flow_matrix(o, d, w) IS NULL AS matrix_of_nothing FROM mv WHERE false;
-- a stored matrix in a table, read back
CREATE TEMP TABLE stored (day int, m nous.flows);
INSERT INTO stored SELECT 1, nous.flow_matrix(o, d, w) FROM mv;
INSERT INTO stored VALUES (2, '{A>B:5,C>A:1}');
SELECT nous.flow_matrix(m) FROM stored;
-- as a window aggregate
SELECT day, nous.flow_matrix(m) OVER (ORDER BY day) FROM stored;

-- parallel plans give the serial result (deterministic synthetic moves)
CREATE TABLE flow_par AS
  SELECT (i % 300)::text AS o, ((i % 300) + (i * 7919 % 13) * (i % 5))::text AS d, (i % 4)::float8 AS w
    FROM generate_series(1, 200000) i;
ANALYZE flow_par;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS SELECT nous.flow_matrix(o, d, w)::text AS t FROM flow_par;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.flow_matrix(o, d, w) FROM flow_par;
SELECT nous.flow_matrix(o, d, w)::text = (SELECT t FROM serial) AS parallel_equals_serial FROM flow_par;
EXPLAIN (COSTS OFF) SELECT nous.flow_matrix(m) FROM (SELECT nous.flow_matrix(o, d, w) m FROM flow_par GROUP BY o) s;
SELECT nous.flow_matrix(m)::text = (SELECT t FROM serial) AS parallel_merge_equals_serial
  FROM (SELECT nous.flow_matrix(o, d, w) m FROM flow_par GROUP BY o) s;
RESET parallel_leader_participation;
RESET max_parallel_workers_per_gather;
-- the plain-SQL totals agree
SELECT (SELECT round(sum(inflow)::numeric, 6) FROM nous.flow_zones(m)) = (SELECT round(sum(w)::numeric, 6) FROM flow_par WHERE o <> d) AS movers_agree,
       (SELECT round(sum(stayers)::numeric, 6) FROM nous.flow_zones(m)) = (SELECT round(sum(w)::numeric, 6) FROM flow_par WHERE o = d) AS stayers_agree,
       (SELECT count(*) FROM nous.flow_edges(m) WHERE origin <> destination) = (SELECT count(DISTINCT (o, d)) FROM flow_par WHERE o <> d) AS edges_agree
  FROM (SELECT nous.flow_matrix(o, d, w) m FROM flow_par) s;
DROP TABLE flow_par;

-- selections on  A->B 3, A->C 1, A->D 3, B->A 2, C->B 4, D->C 1 (stayers A 5)
-- threshold >= 3: A>B, A>D, C>B; > 3: C>B
SELECT nous.flow_select(m, 'threshold', 3) AS ge3, nous.flow_select(m, 'threshold', 3, '>') AS gt3
  FROM (SELECT '{A>A:5,A>B:3,A>C:1,A>D:3,B>A:2,C>B:4,D>C:1}'::nous.flows m) s;
-- top 1 per origin (ties: the first destination in code order): A>B, B>A, C>B, D>C
SELECT nous.flow_select('{A>B:3,A>C:1,A>D:3,B>A:2,C>B:4,D>C:1}', 'top', 1);
-- share of the origin's outflow: A out 7: 3/7 = 0.43 >= 0.4; B, C, D: 100 %
SELECT nous.flow_select('{A>B:3,A>C:1,A>D:3,B>A:2,C>B:4,D>C:1}', 'share', 0.4);
-- cumulative share of the volume 14: 4 (0.29), 3 (0.5), 3 (0.71) reach 0.7
SELECT nous.flow_select('{A>B:3,A>C:1,A>D:3,B>A:2,C>B:4,D>C:1}', 'cumulative', 0.7);
-- Nystuen-Dacey: inflows A 2, B 7, C 2, D 3; largest outflows A->B (7 > 2: dominant),
-- B->A (2 < 7: no), C->B (dominant), D->C (2 < 3: no)
SELECT * FROM nous.flow_dominant('{A>B:3,A>C:1,A>D:3,B>A:2,C>B:4,D>C:1}');
SELECT nous.flow_select('{A>B:3,A>C:1,A>D:3,B>A:2,C>B:4,D>C:1}', 'dominant');
-- selection methods are plugins: the built-ins are registered, a user adds one
SELECT name, function FROM nous.methods WHERE family = 'flow_selection' ORDER BY name;
CREATE FUNCTION flow_keep_prefix(m nous.flows, params jsonb) RETURNS nous.flows
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT nous.flow_matrix(e.origin, e.destination, e.weight)
    FROM nous.flow_edges(m) e
   WHERE e.origin = e.destination OR left(e.origin, length(params ->> 'prefix')) = params ->> 'prefix'
$$;
SELECT nous.register_method('flow_selection', 'prefix', 'flow_keep_prefix(nous.flows, jsonb)',
                            'flows from the zones whose code starts with prefix');
SELECT nous.flow_select('{44109>44143:3,44109>44109:5,85191>44109:2}', 'prefix(prefix=44)');
SELECT nous.unregister_method('flow_selection', 'prefix');
DROP FUNCTION flow_keep_prefix(nous.flows, jsonb);

-- flows between categories: A, B -> x; C -> y; D -> outside
-- x stays 5 + 3 + 2 = 10 (moves inside x count as staying in x); A->C 1 (x->y),
-- C->B 4 (y->x), A->D 3 (x->outside), D->C 1 (outside->y); E is not in the matrix: ignored
SELECT nous.flow_categories('{A>A:5,A>B:3,A>C:1,A>D:3,B>A:2,C>B:4,D>C:1}', '{A,B,C,D,E}', '{x,x,y,outside,y}');
SELECT nous.flow_categories('{A>A:5,A>B:3,A>C:1}', '{"A": "x", "B": "x", "C": "y"}'::jsonb);
-- QPV-style relations: A, B in QP1, C in QP2, D outside (D stays 7):
-- QP1 stayed 5, moved inside 3 + 2 = 5, to QP2 1, to outside 3;
-- QP2 stayed 0, moved inside 0, to QP1 4; outside stayed 7, to QP2 1
SELECT * FROM nous.flow_between('{A>A:5,A>B:3,A>C:1,A>D:3,B>A:2,C>B:4,D>C:1,D>D:7}',
                                '{A,B,C,D}', '{QP1,QP1,QP2,outside}');
SELECT * FROM nous.flow_zones(nous.flow_categories('{A>A:5,A>B:3,A>C:1,C>B:4}', '{A,B,C}', '{x,x,y}'));

-- flow lines
SELECT origin, destination, weight, reverse_weight, net, net_direction, ST_AsText(geom), ST_SRID(geom)
  FROM nous.flow_lines('{A>B:3,B>A:1,A>A:5}', '{A,B}',
                       ARRAY['SRID=2154;POLYGON((0 0,2 0,2 2,0 2,0 0))'::geometry,
                             'SRID=2154;POLYGON((10 0,12 0,12 2,10 2,10 0))']);
-- an arc bends right of the direction of travel: control point (5, -2.5), midpoint (5, -1.25)
SELECT ST_AsText(nous.flow_arc('POINT(0 0)', 'POINT(10 0)', 0.25, 2));
-- flow_arc takes two non-empty points of one SRID, a finite curvature and at
-- most 10000 segments (PostGIS used to fail with internal errors XX000, and
-- segments => 2147483647 ran until memory ran out)
CALL public.expect_error($e$SELECT nous.flow_arc('POLYGON((0 0,1 0,1 1,0 0))', 'POINT(10 0)', 0.25)$e$);
CALL public.expect_error($e$SELECT nous.flow_arc('POINT(0 0)', 'POINT EMPTY', 0.25)$e$);
CALL public.expect_error($e$SELECT nous.flow_arc('SRID=2154;POINT(0 0)', 'SRID=4326;POINT(1 1)')$e$);
CALL public.expect_error($e$SELECT nous.flow_arc('POINT(0 0)', 'POINT(10 0)', 'NaN')$e$);
CALL public.expect_error($e$SELECT nous.flow_arc('POINT(0 0)', 'POINT(10 0)', 0.25, 2147483647)$e$);
SELECT nous.flow_arc('LINESTRING(0 0,1 1)', 'POINT(10 0)');
SELECT nous.flow_arc('POINT(0 0)', 'POINT(10 0)', 0.25, 10001);
SELECT ST_NPoints(nous.flow_arc('POINT(0 0)', 'POINT(10 0)', 0.25, 10000)) AS max_segments_plus_one;
SELECT origin, destination, ST_AsText(geom)
  FROM nous.flow_lines('{A>B:3,B>C:1}', '{A,B,C}', ARRAY['POINT(0 0)'::geometry, 'POINT(1 0)', NULL],
                       on_missing => 'notice');

-- bad input
\set VERBOSITY terse
SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', NULL, 1.0::float8)) t(o, d, w);
SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', 'NaN'::float8)) t(o, d, w);
SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', -1::float8)) t(o, d, w);
SELECT nous.flow_categories('{A>B:1,C>D:1}', '{A}', '{x}');
SELECT nous.flow_lines('{A>B:3}', '{A}', ARRAY['POINT(0 0)'::geometry]);
CALL public.expect_error($e$SELECT nous.flow_matrix(o, d, w) FROM (VALUES (NULL, 'B', 1.0::float8)) t(o, d, w)$e$);
CALL public.expect_error($e$SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', 'Infinity'::float8)) t(o, d, w)$e$);
CALL public.expect_error($e$SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', '-Infinity'::float8)) t(o, d, w)$e$);
CALL public.expect_error($e$SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('', 'B', 1.0::float8)) t(o, d, w)$e$);
CALL public.expect_error($e$SELECT nous.flow_matrix_sfunc(NULL, 'A', 'B', 1)$e$);
CALL public.expect_error($e$SELECT nous.flow_matrix_merge(NULL, '{}')$e$);
CALL public.expect_error($e$SELECT 'A>B:1'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:1'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:1}x'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A B:1}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{>B:1}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{"">B:1}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{"A>B:1}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:NaN}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:Infinity}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:1e999}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:1e-400}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:0x10}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:-0.5}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:1,A>B:2}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>A:1,B>C:1,A>A:2}'::nous.flows$e$);
CALL public.expect_error($e$SELECT '{A>B:1,}'::nous.flows$e$);
CALL public.expect_error($e$SELECT nous.flow_select('{A>B:1}', 'biggest', 1)$e$);
CALL public.expect_error($e$SELECT nous.flow_select('{A>B:1}', 'top(k=1)')$e$);
SELECT nous.flow_select('{A>B:1,A>C:2}', 'top(value=1)') AS value_in_the_specification;
CALL public.expect_error($e$SELECT nous.flow_select('{A>B:1}', 'threshold', NULL)$e$);
CALL public.expect_error($e$SELECT nous.flow_select('{A>B:1}', 'threshold', 1, '=')$e$);
CALL public.expect_error($e$SELECT nous.flow_select('{A>B:1}', 'top', 1.5)$e$);
CALL public.expect_error($e$SELECT nous.flow_select('{A>B:1}', 'share', 1.5)$e$);
CALL public.expect_error($e$SELECT nous.flow_select('{A>B:1}', 'cumulative', 'NaN')$e$);
CALL public.expect_error($e$SELECT nous.flow_categories('{A>B:1}', '{A,B}', '{x}')$e$);
CALL public.expect_error($e$SELECT nous.flow_categories('{A>B:1}', '{A,B,A}', '{x,y,z}')$e$);
CALL public.expect_error($e$SELECT nous.flow_categories('{A>B:1}', '{A,B}', ARRAY['x', NULL])$e$);
CALL public.expect_error($e$SELECT nous.flow_categories('{A>B:1}', '{A,B}', '{x,""}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.flow_between('{A>B:1,C>A:2}', '{A,B}', '{x,y}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.flow_dense('{A>B:1}', 1)$e$);
CALL public.expect_error($e$SELECT * FROM nous.flow_dense('{A>B:1}', 5000)$e$);
CALL public.expect_error($e$SELECT nous.flow_lines('{A>B:3}', '{A,B}', ARRAY['POINT(0 0)'::geometry, 'POINT(1 1)'], anchor => 'middle')$e$);
CALL public.expect_error($e$SELECT nous.flow_lines('{A>B:3}', '{A,B}', ARRAY['POINT(0 0)'::geometry, 'POINT(1 1)'], on_missing => 'drop')$e$);

-- binary I/O: send, then receive through COPY (FORMAT binary); corrupted
-- values are rejected with a data exception
SELECT nous.flows_send('{A>B:2,B>B:1}');
CREATE FUNCTION pg_temp.recv(b bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  f text := '/tmp/nous_flow_regress_' || pg_backend_pid() || '.bin';
  lo oid;
  r text;
  detail text;
BEGIN
  lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
                          || '\x0001'::bytea || int4send(length(b)) || b || '\xffff'::bytea);
  PERFORM lo_export(lo, f);
  PERFORM lo_unlink(lo);
  CREATE TEMP TABLE IF NOT EXISTS recv_t (m nous.flows);
  TRUNCATE recv_t;
  EXECUTE format('COPY recv_t FROM %L (FORMAT binary)', f);
  SELECT m::text INTO r FROM recv_t;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ': ' || detail;
END $$;
-- layout of {A>B:2,B>B:1}: version (byte 1), nzones (2-5), nedges (6-9),
-- stayers A (10-17) and B (18-25), flow origin (26-29), destination (30-33),
-- weight (34-41), code lengths and codes (42-45, 46; 47-50, 51)
SELECT pg_temp.recv(nous.flows_send('{A>B:2,B>B:1}')) AS round_trip;
SELECT pg_temp.recv(nous.flows_send(nous.flow_matrix(o, d, w))) = nous.flow_matrix(o, d, w)::text AS round_trip_mv FROM mv;
SELECT pg_temp.recv(nous.flows_send('{}')) AS empty;
SELECT what, pg_temp.recv(b) FROM (VALUES
  ('nothing', '\x'::bytea),
  ('version 2', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\x02' FROM 1)),
  ('3 zones', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\x00000003' FROM 2)),
  ('-1 flows', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\xffffffff' FROM 6)),
  ('2 flows', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\x00000002' FROM 6)),
  ('NaN stayers', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\x7ff8000000000000' FROM 10)),
  ('negative weight', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\xbff0000000000000' FROM 34)),
  ('infinite weight', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\x7ff0000000000000' FROM 34)),
  ('origin 5', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\x00000005' FROM 26)),
  ('A->A off the diagonal', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\x00000000' FROM 30)),
  ('codes B, A', overlay(overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING 'B'::bytea FROM 46) PLACING 'A'::bytea FROM 51)),
  ('codes A, A', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING 'A'::bytea FROM 51)),
  ('empty code', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\x00000000' FROM 42)),
  ('truncated', substring(nous.flows_send('{A>B:2,B>B:1}') FROM 1 FOR 50)),
  ('trailing byte', nous.flows_send('{A>B:2,B>B:1}') || '\x00'::bytea),
  ('invalid UTF-8', overlay(nous.flows_send('{A>B:2,B>B:1}') PLACING '\xff' FROM 51))
) t(what, b);
-- {A>B:2,A>C:1}: 3 zones (stayers 10-33), flows at 34-49 and 50-65 (destinations
-- at 38-41 and 54-57): swapping the destinations unsorts the flows
SELECT pg_temp.recv(overlay(overlay(nous.flows_send('{A>B:2,A>C:1}') PLACING '\x00000002' FROM 38)
                            PLACING '\x00000001' FROM 54)) AS unsorted_flows,
       pg_temp.recv(overlay(nous.flows_send('{A>B:2,A>C:1}') PLACING '\x00000001' FROM 54)) AS duplicate_flow;

-- renewal by group (Observatoire des territoires, migR vignette), one territory T:
--   g1: ISO 60, ENTR 30, SORT 10 (AUTO 70, PRES 90, SM 20)
--   g2: ISO 40, ENTR 10, SORT 30 (AUTO 70, PRES 50, SM -20)
--   shares: entrants 0.75 / 0.25, leavers 0.25 / 0.75, AUTO 0.5 / 0.5
--   ICI = p_e - p_a = 0.25 / -0.25; ICE = p_a - p_s = 0.25 / -0.25
--   ICM g1 = 20/90 - (-20)/50 = 0.622222; g2 = -20/50 - 20/90 = -0.622222
--   IRI = IRE = sqrt(2 * 0.0625) = 0.353553; IRM = sqrt((20/90)^2 + (20/50)^2) = 0.457584
SELECT grp, round(ici::numeric, 6) AS ici, round(ice::numeric, 6) AS ice, round(icm::numeric, 6) AS icm,
       round(iri::numeric, 6) AS iri, round(ire::numeric, 6) AS ire, round(irm::numeric, 6) AS irm
  FROM nous.flow_renewal('{g1,g2}', '{60,40}', '{30,10}', '{10,30}');
-- the same from one matrix per group (X stands for the rest of the world)
SELECT zone, grp, round(ici::numeric, 6) AS ici, round(icm::numeric, 6) AS icm, round(irm::numeric, 6) AS irm
  FROM nous.flow_renewal('{g1,g2}', ARRAY['{T>T:60,X>T:30,T>X:10}'::nous.flows, '{T>T:40,X>T:10,T>X:30}'])
 WHERE zone = 'T';
-- integer groups (an income quartile, issue 15): the same indices as text groups, grp a bigint;
-- an int[] column converts implicitly, and an untyped literal still reads as text
CREATE TEMP TABLE fr_q AS SELECT * FROM (VALUES (1, 60.0, 30.0, 10.0), (2, 40, 10, 30)) v(q, s, e, o);
SELECT i.grp, pg_typeof(i.grp) AS grp_type,
       i.ici = t.ici AND i.ice = t.ice AND i.icm = t.icm AND i.iri = t.iri AND i.ire = t.ire AND i.irm = t.irm AS same_as_text
  FROM (SELECT r.* FROM (SELECT array_agg(q ORDER BY q) g, array_agg(s ORDER BY q) s, array_agg(e ORDER BY q) e,
                                array_agg(o ORDER BY q) o FROM fr_q) a,
                        nous.flow_renewal(a.g, a.s, a.e, a.o) r) i
  JOIN nous.flow_renewal('{1,2}', '{60,40}', '{30,10}', '{10,30}') t ON t.grp = i.grp::text
 ORDER BY i.grp;
SELECT zone, grp, pg_typeof(grp) AS grp_type, round(icm::numeric, 6) AS icm
  FROM nous.flow_renewal(ARRAY[1, 2], ARRAY['{T>T:60,X>T:30,T>X:10}'::nous.flows, '{T>T:40,X>T:10,T>X:30}'])
 WHERE zone = 'T';
SELECT pg_typeof(grp) AS literal_groups FROM nous.flow_renewal('{g1,g2}', '{60,40}', '{30,10}', '{10,30}') LIMIT 1;
SELECT * FROM nous.flow_renewal(ARRAY[1, NULL], '{5,1}', '{1,0}', '{1,0}');
-- a group with nobody: its shares are 0, IRM (PRES = 0) undefined
SELECT grp, ici, ice, icm, irm FROM nous.flow_renewal('{a,b}', '{5,0}', '{1,0}', '{1,0}');
CALL public.expect_error($e$SELECT * FROM nous.flow_renewal('{a,b}', '{5}', '{1,0}', '{1,0}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.flow_renewal('{a,b}', '{5,-1}', '{1,0}', '{1,0}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.flow_renewal('{a,b}', '{5,NaN}', '{1,0}', '{1,0}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.flow_renewal('{a,b}', '{5,NULL}', '{1,0}', '{1,0}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.flow_renewal(ARRAY['a', NULL], '{5,1}', '{1,0}', '{1,0}')$e$);

-- nothing depends on the caller's search_path
SET search_path = '';
SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', 1.0::float8), ('B', 'B', 2)) t(o, d, w);
SELECT nous.flow_categories('{A>B:1,B>B:2}', '{"A": "x", "B": "y"}'::jsonb);
SELECT origin, destination, weight, public.ST_AsText(geom)
  FROM nous.flow_lines('{A>B:1}', '{A,B}', ARRAY['POINT(0 0)'::public.geometry, 'POINT(1 0)'], curvature => 0.5);
SELECT * FROM nous.flow_zones('{A>B:1,B>B:2}');
RESET search_path;
