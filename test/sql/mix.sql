-- mix: two-group segregation aggregates against hand computations and an
-- independent plain-SQL computation; the storable state nous.mixpairs.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- four areas (group, total): (10,20) (0,20) (30,40) (0,0); the empty area is skipped
-- G = 40, T = 80, P = 1/2, T - G = 40
CREATE TABLE mix_a (area int, g float8, t float8);
INSERT INTO mix_a VALUES (1, 10, 20), (2, 0, 20), (3, 30, 40), (4, 0, 0);
-- D = 1/2 (|10/40 - 10/40| + |0 - 20/40| + |30/40 - 10/40|) = 0.5
-- xPx = (10/40)(10/20) + (30/40)(30/40) = 0.6875;  xPy = 0.125 + 0.1875 = 0.3125
-- eta2 = (0.6875 - 0.5) / 0.5 = 0.375
-- Gini: p = .5, 0, .75; sum_ij t_i t_j |p_i - p_j| = 2 (200 + 200 + 600) = 2000;
--       2 T^2 P (1-P) = 3200; Gini = 0.625
SELECT nous.dissimilarity(g, t), nous.isolation(g, t), nous.interaction(g, t),
       nous.correlation_ratio(g, t), nous.gini_segregation(g, t)
  FROM mix_a;
-- H: E = ln 2 (P = 1/2); E_i = ln 2, 0, e(3/4) = -(3/4 ln 3/4 + 1/4 ln 1/4)
--    H = (20 (ln2 - ln2) + 20 (ln2 - 0) + 40 (ln2 - e(3/4))) / (80 ln2)
-- A(1/2) = 1 - (sum sqrt(p(1-p)) t / 40)^2 = 1 - ((10 + 40 sqrt(3/16)) / 40)^2
SELECT round(nous.entropy_h(g, t)::numeric, 12) AS h,
       round(((20 * ln(2) + 40 * (ln(2) + 0.75 * ln(0.75) + 0.25 * ln(0.25))) / (80 * ln(2)))::numeric, 12) AS h_by_hand,
       round(nous.atkinson(g, t, 0.5)::numeric, 12) AS a,
       round((1 - power((10 + 40 * sqrt(3.0 / 16)) / 40, 2))::numeric, 12) AS a_by_hand
  FROM mix_a;
-- Atkinson with b = 0 is 0; isolation + interaction = 1
SELECT nous.atkinson(g, t, 0) AS a0, nous.isolation(g, t) + nous.interaction(g, t) AS one FROM mix_a;

-- complete segregation: D = Gini = H = 1, isolation 1, eta2 1
SELECT nous.dissimilarity(g, t), nous.gini_segregation(g, t), nous.entropy_h(g, t),
       nous.isolation(g, t), nous.correlation_ratio(g, t), nous.atkinson(g, t, 0.5)
  FROM (VALUES (5, 5), (0, 7), (3, 3)) v(g, t);
-- no segregation (same share everywhere): all 0, isolation = P = 0.25
SELECT nous.dissimilarity(g, t), nous.gini_segregation(g, t), nous.entropy_h(g, t),
       nous.isolation(g, t), nous.correlation_ratio(g, t), round(nous.atkinson(g, t, 0.5)::numeric, 12) AS atkinson
  FROM (VALUES (1, 4), (2, 8), (5, 20)) v(g, t);

-- per territory with GROUP BY
SELECT k, nous.dissimilarity(g, t) FROM (VALUES ('x', 1, 2), ('x', 1, 2), ('y', 2, 2), ('y', 0, 2)) v(k, g, t)
 GROUP BY k ORDER BY k;

-- undefined cases are NULL: no row, only empty areas, nobody in the group, everyone in it
SELECT nous.dissimilarity(g, t) IS NULL AS no_row FROM mix_a WHERE false;
SELECT nous.dissimilarity(g, t) IS NULL AS empty_areas, nous.gini_segregation(g, t) IS NULL AS gini
  FROM (VALUES (0.0, 0.0)) v(g, t);
SELECT nous.isolation(g, t) IS NULL AS no_group, nous.entropy_h(g, t) IS NULL AS h
  FROM (VALUES (0, 5), (0, 3)) v(g, t);
SELECT nous.dissimilarity(g, t) IS NULL AS all_group, nous.atkinson(g, t, 0.5) IS NULL AS a
  FROM (VALUES (5, 5), (3, 3)) v(g, t);
-- rows with a NULL group or total are skipped, as sum() does
SELECT nous.dissimilarity(g, t) FROM (VALUES (10, 20), (0, 20), (30, 40), (NULL, 5), (3, NULL)) v(g, t);

-- bad input
CALL public.expect_error($e$SELECT nous.dissimilarity(g, t) FROM (VALUES (-1.0, 5.0)) v(g, t)$e$);
CALL public.expect_error($e$SELECT nous.dissimilarity(g, t) FROM (VALUES (6.0, 5.0)) v(g, t)$e$);
CALL public.expect_error($e$SELECT nous.dissimilarity(g, t) FROM (VALUES ('NaN'::float8, 5.0)) v(g, t)$e$);
CALL public.expect_error($e$SELECT nous.dissimilarity(g, t) FROM (VALUES (1.0, 'Infinity'::float8)) v(g, t)$e$);
CALL public.expect_error($e$SELECT nous.atkinson(g, t, 1) FROM mix_a$e$);
CALL public.expect_error($e$SELECT nous.atkinson(g, t, -0.5) FROM mix_a$e$);
CALL public.expect_error($e$SELECT nous.atkinson(g, t, NULL) FROM mix_a$e$);
CALL public.expect_error($e$SELECT nous.atkinson(g, t, area / 10.0) FROM mix_a$e$);
CALL public.expect_error($e$SELECT '[(1,2'::nous.mixpairs$e$);
CALL public.expect_error($e$SELECT '[(3,2)]'::nous.mixpairs$e$);
CALL public.expect_error($e$SELECT '[(1,2)] x'::nous.mixpairs$e$);
CALL public.expect_error($e$SELECT 'b=2:[]'::nous.mixpairs$e$);
CALL public.expect_error($e$SELECT nous.atkinson('[(1,2)]'::nous.mixpairs, 1.5)$e$);
SELECT nous.dissimilarity(g, t) FROM (VALUES (6.0, 5.0)) v(g, t);
SELECT nous.atkinson(g, t, area / 10.0) FROM mix_a;
SELECT '[(1,2'::nous.mixpairs;

-- the storable state: text round trip, merge, indices of stored states
SELECT nous.mixpairs_agg(g, t) FROM mix_a;
SELECT nous.mixpairs_agg(g, t)::text::nous.mixpairs::text FROM (VALUES (0.1, 0.30000000000000004), (1e-300, 1e300)) v(g, t);
SELECT '[]'::nous.mixpairs, ' b = 0.5 : [ ( 1 , 2 ) ]'::nous.mixpairs;
-- subnormal counts print and read back (they used to be rejected by the text
-- input: a stored state could not be restored); underflow to 0 is an error
SELECT nous.mixpairs_agg(1e-310::float8, 1)::text::nous.mixpairs::text AS mixpairs_subnormal,
       nous.mixcounts_agg('u', 'g', 1e-310::float8)::text::nous.mixcounts::text AS mixcounts_subnormal;
SELECT '[(1e-400,1)]'::nous.mixpairs;
SELECT nous.areas(nous.mixpairs_agg(g, t)) FROM mix_a;
CREATE TABLE mix_store (part int, s nous.mixpairs);
INSERT INTO mix_store SELECT area % 2, nous.mixpairs_agg(g, t) FROM mix_a GROUP BY area % 2;
SELECT nous.dissimilarity(nous.merge(s)), nous.gini_segregation(nous.merge(s)),
       nous.atkinson(nous.merge(s), 0.5) = (SELECT nous.atkinson(g, t, 0.5) FROM mix_a) AS same_atkinson
  FROM mix_store;
-- the Atkinson aggregate's state keeps b
SELECT nous.mixpairs_agg(g, t) FROM (VALUES (1, 2)) v(g, t);
SELECT nous.atkinson_final('b=0.5:[(10,20),(0,20),(30,40)]') = (SELECT nous.atkinson(g, t, 0.5) FROM mix_a) AS kept_b;
-- binary round trip through COPY
COPY mix_store TO PROGRAM 'cat > /tmp/nous_mix_store.bin' WITH (FORMAT binary);
CREATE TABLE mix_store2 (LIKE mix_store);
COPY mix_store2 FROM PROGRAM 'cat /tmp/nous_mix_store.bin' WITH (FORMAT binary);
SELECT (SELECT string_agg(s::text, ';' ORDER BY part) FROM mix_store) =
       (SELECT string_agg(s::text, ';' ORDER BY part) FROM mix_store2) AS binary_round_trip;

-- parallel plans give the serial answers
CREATE TABLE mix_big AS
  SELECT i, (i::bigint * 7919 % 1000)::float8 AS g, (1000 + i::bigint * 104729 % 500)::float8 AS t,
         i % 3 AS k FROM generate_series(1, 60000) i;
ANALYZE mix_big;
CREATE TABLE mix_serial AS
  SELECT nous.dissimilarity(g, t) d, nous.gini_segregation(g, t) gi, nous.entropy_h(g, t) h,
         nous.isolation(g, t) x, nous.atkinson(g, t, 0.3) a, nous.correlation_ratio(g, t) c
    FROM mix_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.dissimilarity(g, t), nous.atkinson(g, t, 0.3) FROM mix_big;
SELECT abs(p.d - s.d) < 1e-12 AS d, abs(p.gi - s.gi) < 1e-12 AS gini, abs(p.h - s.h) < 1e-12 AS h,
       abs(p.x - s.x) < 1e-12 AS x, abs(p.a - s.a) < 1e-12 AS a, abs(p.c - s.c) < 1e-12 AS c
  FROM (SELECT nous.dissimilarity(g, t) d, nous.gini_segregation(g, t) gi, nous.entropy_h(g, t) h,
               nous.isolation(g, t) x, nous.atkinson(g, t, 0.3) a, nous.correlation_ratio(g, t) c
          FROM mix_big) p, mix_serial s;
-- D computed in plain SQL
SELECT abs(nous.dissimilarity(g, t) -
           (SELECT 0.5 * sum(abs(b.g / x.gs - (b.t - b.g) / (x.ts - x.gs)))
              FROM mix_big b, (SELECT sum(g) gs, sum(t) ts FROM mix_big) x)) < 1e-12 AS d_matches_sql
  FROM mix_big;
RESET ALL;
DROP TABLE mix_a, mix_store, mix_store2, mix_big, mix_serial;

-- as window functions; two areas: D = Gini; hash aggregation under a tiny work_mem
-- (1,4) alone: D = 0; with (3,4): G = 4, T = 8: D = 1/2 (|1/4 - 3/4| + |3/4 - 1/4|) = 0.5
SELECT i, nous.dissimilarity(g, t) OVER (ORDER BY i) FROM (VALUES (1, 1, 4), (2, 3, 4)) v(i, g, t);
-- (1,4),(2,5): G = 3, T = 9: D = 1/2 (|1/3 - 3/6| + |2/3 - 3/6|) = 1/6, and Gini too (two formulas: equal to rounding)
SELECT abs(nous.dissimilarity(g, t) - 1/6.0) < 1e-15 AND abs(nous.gini_segregation(g, t) - 1/6.0) < 1e-15 AS two_areas FROM (VALUES (1, 4), (2, 5)) v(g, t);
SET work_mem = '64kB';
-- 20,000 groups of areas (0,5) (1,5) (2,5) in some order: G = 3, T = 15, P = 1/5,
-- D = 1/2 (|0 - 5/12| + |1/3 - 4/12| + |2/3 - 3/12|) = 5/12 for every group
SELECT count(*), bool_and(abs(d - 5 / 12.0) < 1e-12) AS all_five_twelfths
  FROM (SELECT i % 20000 k, nous.dissimilarity((i / 20000 % 3)::float8, 5) d
          FROM generate_series(0, 59999) i GROUP BY 1) y;
RESET work_mem;
-- a transition function is not a plain function
CALL public.expect_error($e$SELECT nous.mixpairs_trans(NULL, 1, 2)$e$);
-- merging NULL states
SELECT nous.merge(s) IS NULL AS all_null FROM (VALUES (NULL::nous.mixpairs), (NULL)) v(s);
SELECT nous.merge(s) FROM (VALUES (NULL::nous.mixpairs), ('[(1,2)]'), (NULL), ('[(0,3)]')) v(s);

-- the contract signatures of issue 4, exactly
SELECT p::regprocedure AS contract, (SELECT a.aggcombinefn <> 0 FROM pg_aggregate a WHERE a.aggfnoid = p::regprocedure) AS has_combine,
       (SELECT proparallel FROM pg_proc WHERE oid = p::regprocedure) AS parallel
  FROM unnest(ARRAY['nous.dissimilarity(float8,float8)', 'nous.gini_segregation(float8,float8)',
                    'nous.entropy_h(float8,float8)', 'nous.isolation(float8,float8)',
                    'nous.interaction(float8,float8)', 'nous.correlation_ratio(float8,float8)',
                    'nous.atkinson(float8,float8,float8)', 'nous.mutual_information(text,text,float8)',
                    'nous.entropy_index(text,text,float8)']) p;
SELECT 'nous.consumption_units(int,int)'::regprocedure::text AS contract,
       prorettype::regtype AS returns FROM pg_proc WHERE oid = 'nous.consumption_units(int,int)'::regprocedure;

-- corrupt binary states are rejected (COPY BINARY files made byte by byte):
-- a pairs state announcing 5 pairs and carrying none; an unknown version byte;
-- a cells state whose string length runs past the end
CREATE TABLE mix_bin (p nous.mixpairs);
CREATE TABLE mix_binc (c nous.mixcounts);
CALL public.expect_error($e$COPY mix_bin FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\21\\1\\177\\370\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\5\\377\\377"' WITH (FORMAT binary)$e$);
CALL public.expect_error($e$COPY mix_bin FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\21\\11\\177\\370\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\377\\377"' WITH (FORMAT binary)$e$);
CALL public.expect_error($e$COPY mix_binc FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\25\\1\\0\\0\\0\\0\\0\\0\\0\\1\\77\\360\\0\\0\\0\\0\\0\\0\\0\\0\\0\\177\\377\\377"' WITH (FORMAT binary)$e$);
COPY mix_bin FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\21\\1\\177\\370\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\5\\377\\377"' WITH (FORMAT binary);
-- an empty state made the same way is accepted
COPY mix_bin FROM PROGRAM 'printf "PGCOPY\\n\\377\\r\\n\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\1\\0\\0\\0\\21\\1\\177\\370\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\377\\377"' WITH (FORMAT binary);
SELECT p, nous.areas(p) FROM mix_bin;
DROP TABLE mix_bin, mix_binc;
