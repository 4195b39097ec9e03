-- classes: class breaks, class_of and gvf against hand computations.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- 1 2 3 10 11 12 30, k = 3: {1,2,3} {10,11,12} {30} (SDCM 2 + 2 + 0 = 4, any
-- other contiguous split is worse); NULLs are ignored
SELECT nous.breaks(v, 3) AS fisher_default, nous.breaks(v, 3, 'fisher') AS fisher
  FROM unnest('{12,1,NULL,30,2,11,3,10}'::float8[]) v;
-- k = 1: one class, the maximum
SELECT nous.breaks(v, 1) FROM unnest('{5,1,3}'::float8[]) v;
-- fewer distinct values than classes: each distinct value is a class
SELECT nous.breaks(v, 5) FROM unnest('{2,2,2,7,7}'::float8[]) v;
-- one value; all equal
SELECT nous.breaks(v, 4) FROM unnest('{42}'::float8[]) v;
SELECT nous.breaks(v, 4, m) FROM unnest('{3,3,3}'::float8[]) v,
  unnest('{fisher,quantile,equal,sd,headtails,pretty,box}'::text[]) m GROUP BY m ORDER BY m;
-- no row, or only NULLs: NULL
SELECT nous.breaks(v, 4) FROM unnest('{NULL,NULL}'::float8[]) v;
SELECT nous.breaks(v, 4) FROM unnest('{}'::float8[]) v;

-- quantiles of 1..10: type 7 at 0.25/0.5/0.75 = 3.25, 5.5, 7.75; type 6 = 2.75, 5.5, 8.25
SELECT nous.breaks(v, 4, 'quantile') AS type7, nous.breaks(v, 4, 'quantile(type=6)') AS type6,
       nous.breaks(v, 4, 'quantile(type = 1)') AS type1
  FROM generate_series(1, 10) v;
-- same as percentile_cont (type 7)
SELECT (nous.breaks(v, 4, 'quantile'))[1:3] = percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY v) AS type7_is_percentile_cont
  FROM generate_series(1, 10) v;
-- many ties: quantile bounds that repeat are merged
SELECT nous.breaks(v, 4, 'quantile') FROM unnest('{0,0,0,0,0,0,0,1,2,3}'::float8[]) v;
-- equal intervals over [0, 100]: 25 50 75 100
SELECT nous.breaks(v, 4, 'equal') FROM unnest('{0,1,2,3,4,5,6,7,8,100}'::float8[]) v;
-- sd, k = 4 on 2 4 4 4 5 5 7 9 (mean 5, sample sd sqrt(32/7) = 2.138):
-- 5 - 2.138 = 2.862, 5, 7.138, then the max 9
SELECT nous.breaks(v, 4, 'sd') FROM unnest('{2,4,4,4,5,5,7,9}'::float8[]) v;
SELECT nous.breaks(v, 2, 'sd(width=0.5)') FROM unnest('{2,4,4,4,5,5,7,9}'::float8[]) v;
-- head/tails on 1 1 1 1 2 2 3 10: mean 21/8 = 2.625, head {3, 10} = 2/8 <= 0.4;
-- mean 6.5, head {10} has one value: stop -> 2.625, 6.5, 10
SELECT nous.breaks(v, 9, 'headtails') FROM unnest('{1,1,1,1,2,2,3,10}'::float8[]) v;
-- k caps the number of head/tail classes
SELECT nous.breaks(v, 2, 'headtails') FROM unnest('{1,1,1,1,2,2,3,10}'::float8[]) v;
-- pretty: 0..100 in 4 classes: steps of 25
SELECT nous.breaks(v, 4, 'pretty') FROM unnest('{0,1,2,3,4,5,6,7,8,100}'::float8[]) v;
-- box: Q1 2.25, median 4.5, Q3 6.75, fences -4.5 (below the min: dropped) and 13.5
SELECT nous.breaks(v, 6, 'box') FROM unnest('{0,1,2,3,4,5,6,7,8,100}'::float8[]) v;
SELECT nous.breaks(v, 6, 'box(hinge=3)') FROM unnest('{0,1,2,3,4,5,6,7,8,100}'::float8[]) v;

-- the method functions can be called directly on arrays
SELECT nous.breaks_fisher('{12,1,NULL,30,2,11,3,10}', 3), nous.breaks_quantile('{1,2,3,4}', 2, '{"type": 1}');

-- class_of: value <= bound belongs to that class; first class open below, last open above
SELECT v, nous.class_of(v, '{1,5,9}') FROM unnest('{-100,1,1.0001,5,8.9,9,1000,Infinity,-Infinity}'::float8[]) v;
SELECT nous.class_of(NULL, '{1,2}');

-- gvf: {1,3} {10,12}: SDCM 4, SDAM 85 -> 1 - 4/85 = 0.952941176470588
SELECT nous.gvf(v, '{3,12}'), 1 - 4 / 85.0 AS by_hand FROM unnest('{1,3,10,12,NULL}'::float8[]) v;
SELECT nous.gvf(v, '{3,12}') FROM unnest('{5,5}'::float8[]) v;

-- pooled breaks for two periods: computed on the union of their values
CREATE TEMP TABLE periods (area int, v2019 float8, v2020 float8);
INSERT INTO periods VALUES (1, 1, 2), (2, 3, 11), (3, 10, 12), (4, 30, NULL);
SELECT nous.breaks(v, 3) AS pooled
  FROM periods CROSS JOIN LATERAL unnest(ARRAY[v2019, v2020]) v;

-- as a window aggregate, over the whole partition or a growing frame
SELECT v, nous.breaks(v, 2) OVER () AS whole, nous.breaks(v, 2) OVER (ORDER BY v) AS growing,
       nous.class_of(v, nous.breaks(v, 2) OVER ()) AS class
  FROM unnest('{1,2,10,11}'::float8[]) v;

-- parallel plans give the serial answer
CREATE TABLE classes_par AS SELECT (i * 7919 % 10007)::float8 / 7 AS v FROM generate_series(1, 60000) i;
ANALYZE classes_par;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT nous.breaks(v, 5) FROM classes_par;
CREATE TEMP TABLE par_result AS SELECT nous.breaks(v, 5) b, nous.breaks(v, 5, 'quantile') q, nous.gvf(v, '{100,500,1000,1400}') g FROM classes_par;
RESET max_parallel_workers_per_gather; SET max_parallel_workers_per_gather = 0;
SELECT b = (SELECT nous.breaks(v, 5) FROM classes_par) AS fisher_same,
       q = (SELECT nous.breaks(v, 5, 'quantile') FROM classes_par) AS quantile_same,
       abs(g - (SELECT nous.gvf(v, '{100,500,1000,1400}') FROM classes_par)) < 1e-12 AS gvf_same
  FROM par_result;
RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
DROP TABLE classes_par;

-- bad input
CALL public.expect_error($e$SELECT nous.breaks(v, 0) FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, -3) FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 1001) FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, NULL) FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3, NULL) FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3) FROM unnest('{1,NaN}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3) FROM unnest('{1,Infinity}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3, 'jenks') FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3, 'quantile(type=10)') FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3, 'quantile(type=2.5)') FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3, 'fisher(x=1)') FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3, 'headtails(thr=0)') FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3, 'quantile(') FROM unnest('{1,2}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, k) FROM (VALUES (1, 2), (2, 3)) t(v, k)$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 3, 'sd') FROM unnest('{-1e308,1e308}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks(v, 1000) FROM generate_series(1, 300000) v$e$);
CALL public.expect_error($e$SELECT nous.class_of(1, '{}')$e$);
CALL public.expect_error($e$SELECT nous.class_of(1, '{3,2}')$e$);
CALL public.expect_error($e$SELECT nous.class_of(1, '{1,NULL}')$e$);
CALL public.expect_error($e$SELECT nous.class_of('NaN', '{1,2}')$e$);
CALL public.expect_error($e$SELECT nous.gvf(v, '{2,1}') FROM unnest('{1}'::float8[]) v$e$);
CALL public.expect_error($e$SELECT nous.breaks_fisher(NULL, 3)$e$);
CALL public.expect_error($e$SELECT nous.breaks_fisher('{NULL}', 3)$e$);
CALL public.expect_error($e$SELECT nous.breaks_fisher('{{1,2},{3,4}}', 3)$e$);
CALL public.expect_error($e$SELECT nous.gvf_finalfn('{2,1,1}')$e$);
-- the transition and combine functions called directly: a clear error (0A000)
CALL public.expect_error($e$SELECT nous.gvf_transfn(NULL, 1, '{2}')$e$);
CALL public.expect_error($e$SELECT nous.gvf_combine('{1,0,0,0,0,0,0}', NULL)$e$);
SELECT nous.gvf_transfn(NULL, 1, '{2}');
SELECT nous.breaks(v, 0) FROM unnest('{1,2}'::float8[]) v;
SELECT nous.breaks(v, 3) FROM unnest('{1,NaN}'::float8[]) v;
SELECT nous.breaks(v, 3, 'jenks') FROM unnest('{1,2}'::float8[]) v;
SELECT nous.class_of(1, '{3,2}');
-- and their details (issue 16: the tests pin what the messages explain)
SELECT nous.breaks(v, 3, 'quantile(type=10)') FROM unnest('{1,2}'::float8[]) v;
SELECT nous.breaks(v, 3, 'headtails(thr=0)') FROM unnest('{1,2}'::float8[]) v;
SELECT nous.breaks(v, 3, 'fisher(x=1)') FROM unnest('{1,2}'::float8[]) v;
SELECT nous.breaks(v, 3, 'sd') FROM unnest('{-1e308,1e308}'::float8[]) v;
SELECT nous.class_of(1, '{}');
SELECT nous.class_of(1, '{1,NULL}');
SELECT nous.class_of(1, '{1,NaN}');
SELECT nous.class_of('NaN', '{1,2}');
SELECT nous.gvf(v, '{2,1}') FROM unnest('{1}'::float8[]) v;
SELECT nous.gvf(v, CASE WHEN v < 2 THEN '{1,2}'::float8[] ELSE '{1,2,3}' END) FROM unnest('{1,2}'::float8[]) v;
SELECT nous.breaks_fisher('{NULL}', 3);
SELECT nous.breaks_fisher('{{1,2},{3,4}}', 3);
SELECT nous.gvf_finalfn('{2,1,1}');
SELECT nous.gvf_finalfn('{1,NULL,0,0}');

-- natural breaks stay within work_mem (issue 13): first the values the
-- aggregate holds (8 bytes each), then the working memory of the method
-- (about 76 bytes per distinct value for k = 7); other methods are not bounded
SET work_mem = '64kB';
SELECT nous.breaks(v, 7) FROM generate_series(1, 10000) v;
SELECT nous.breaks(v % 100, 7) FROM generate_series(1, 8000) v;
SELECT nous.breaks(v, 7) FROM generate_series(1, 5000) v;
SELECT nous.breaks_fisher(array_agg(v::float8), 7) FROM generate_series(1, 5000) v;
SELECT nous.breaks(v, 4, 'quantile') FROM generate_series(1, 10000) v;
RESET work_mem;
SELECT nous.breaks(v, 7) FROM generate_series(1, 5000) v;

-- nothing depends on the caller's search_path
SET search_path = '';
SELECT nous.breaks(v, 3), nous.breaks(v, 2, 'quantile(type=6)') FROM pg_catalog.unnest('{12,1,NULL,30,2,11,3,10}'::float8[]) v;
RESET search_path;

-- closed: right (a, b], the default, as mapclassify; left [a, b), as R's
-- classInt (findInterval with rightmost.closed): a value on an interior
-- bound goes to the class above; the maximum stays in the last class
SELECT v, nous.class_of(v, '{3,5,12}') AS default_right,
       nous.class_of(v, '{3,5,12}', 'right') AS "right",
       nous.class_of(v, '{3,5,12}', closed => 'left') AS "left"
  FROM unnest('{-1,1,3,4,5,10,12,99}'::float8[]) v;
-- by hand for x = 1, 3, 5, 10, 12 and bounds 3, 5, 12: left [min, 3) [3, 5)
-- [5, 12] gives 1 2 3 3 3 (classInt's rule, ../shared/oracles/jenks71/
-- EXPECTED.md: "a value equal to an interior break goes to the upper
-- class"); right (min, 3] (3, 5] (5, 12] gives 1 1 2 3 3
SELECT array_agg(nous.class_of(v, '{3,5,12}', 'left') ORDER BY v) AS classint_left,
       array_agg(nous.class_of(v, '{3,5,12}', 'right') ORDER BY v) AS mapclassify_right
  FROM unnest('{1,3,5,10,12}'::float8[]) v;

-- gvf with its two sums of squares (Jenks 1977: GVF = (SDAM - SDCM) / SDAM),
-- by hand for x = 1, 3, 5, 10, 12, breaks 3, 5, 12: mean 6.2, SDAM = 5.2^2 +
-- 3.2^2 + 1.2^2 + 3.8^2 + 5.8^2 = 86.8;
-- right-closed classes {1, 3} {5} {10, 12}: SDCM = 2 + 0 + 2 = 4, GVF = 82.8 / 86.8;
-- left-closed classes {1} {3} {5, 10, 12}: SDCM = 0 + 0 + (16 + 1 + 9) = 26, GVF = 60.8 / 86.8
SELECT round(nous.gvf_sdam(v, '{3,5,12}')::numeric, 10) AS sdam, 86.8 AS sdam_by_hand,
       round(nous.gvf_sdcm(v, '{3,5,12}')::numeric, 10) AS sdcm, 4 AS sdcm_by_hand,
       round(nous.gvf(v, '{3,5,12}')::numeric, 12) AS gvf, round(82.8 / 86.8, 12) AS gvf_by_hand
  FROM unnest('{1,3,5,10,12,NULL}'::float8[]) v;
SELECT round(nous.gvf_sdam(v, '{3,5,12}', 'left')::numeric, 10) AS sdam,
       round(nous.gvf_sdcm(v, '{3,5,12}', 'left')::numeric, 10) AS sdcm, 26 AS sdcm_by_hand,
       round(nous.gvf(v, '{3,5,12}', 'left')::numeric, 12) AS gvf, round(60.8 / 86.8, 12) AS gvf_by_hand
  FROM unnest('{1,3,5,10,12}'::float8[]) v;
-- the three agree: gvf = (sdam - sdcm) / sdam on the shared data, both sides
SELECT closed, abs(nous.gvf(v, b, closed) - (nous.gvf_sdam(v, b, closed) - nous.gvf_sdcm(v, b, closed))
                                     / nous.gvf_sdam(v, b, closed)) < 1e-12 AS consistent
  FROM generate_series(1, 200) i, LATERAL (SELECT (i * 37 % 101)::float8 AS v) x,
       (VALUES ('{20,40,60,100}'::float8[])) bb(b), (VALUES ('left'), ('right')) c(closed)
 GROUP BY closed ORDER BY closed;
-- no value: NULL; one value: SDAM = SDCM = 0 (gvf NULL)
SELECT nous.gvf_sdam(v, '{1}'), nous.gvf_sdcm(v, '{1}') FROM unnest('{}'::float8[]) v;
SELECT nous.gvf_sdam(v, '{1}'), nous.gvf_sdcm(v, '{1}'), nous.gvf(v, '{1}') FROM unnest('{1}'::float8[]) v;
-- bad closed: a clear error with what to write
SELECT nous.class_of(1, '{1,2}', 'both');
SELECT nous.gvf(v, '{1,2}', NULL) FROM unnest('{1}'::float8[]) v;
SELECT nous.gvf_sdcm(v, '{1,2}', 'Left') FROM unnest('{1}'::float8[]) v;

-- ---- the storable state of nous.breaks (0.2.0, issue 14) ----
-- duplicates are stored once, in increasing order: 3 ×3, 1, 2 (hand count)
CREATE AGGREGATE cl_state(float8, int4, text) (SFUNC = nous.breaks_trans, STYPE = nous.breaks_state);
CREATE AGGREGATE cl_state(float8, int4) (SFUNC = nous.breaks_trans, STYPE = nous.breaks_state);
CREATE AGGREGATE cl_merge(nous.breaks_state) (SFUNC = nous.breaks_merge, STYPE = nous.breaks_state,
                                              FINALFUNC = nous.breaks_final);
SELECT cl_state(v, 2, 'quantile') FROM unnest('{3,1,3,NULL,2,3}'::float8[]) v;
SELECT cl_state(v, 3) FROM unnest('{0.1,-0.5,0.1}'::float8[]) v;
-- its breaks are those of the values: quantile breaks of 1, 2, 3, 3, 3 at 0.5, 1 (type 7): 3, 3 -> {3}
SELECT nous.breaks_final(cl_state(v, 2, 'quantile')) AS from_state, nous.breaks(v, 2, 'quantile') AS one_pass
  FROM unnest('{3,1,3,NULL,2,3}'::float8[]) v;
-- three parts merged = one pass, for three methods, over 3,000 values with ties
CREATE TABLE cl_parts AS
  SELECT i % 3 AS part, ((i * 7919) % 1000 / 10)::float8 AS v FROM generate_series(1, 3000) i;
CREATE TABLE cl_states AS
  SELECT part, m, cl_state(v, 5, m) AS s
    FROM cl_parts, (VALUES ('fisher'), ('quantile'), ('equal')) mm(m) GROUP BY part, m;
SELECT m, (SELECT cl_merge(s) FROM cl_states c WHERE c.m = mm.m) = (SELECT nous.breaks(v, 5, m) FROM cl_parts) AS merged_equals_one_pass
  FROM (VALUES ('fisher'), ('quantile'), ('equal')) mm(m) ORDER BY m;
-- the text and binary forms read back to the same state
SELECT bool_and(s::text::nous.breaks_state::text = s::text) AS text_round_trip,
       bool_and(md5(nous.breaks_state_send(s)) = md5(nous.breaks_state_send(s::text::nous.breaks_state))) AS binary_round_trip,
       bool_and(nous.breaks_final(s::text::nous.breaks_state) = nous.breaks_final(s)) AS same_breaks
  FROM cl_states;
-- a parallel plan combines partial states: the same breaks as a serial one
-- 150,000 values: beyond the 65,536 that a state sorts at once (radix sort), in each worker too
CREATE TABLE cl_big AS SELECT i, ((i * 7919) % 100003)::float8 / 7 AS v FROM generate_series(1, 150000) i;
ANALYZE cl_big;
CREATE TABLE cl_serial AS SELECT nous.breaks(v, 6, 'quantile') AS q, nous.breaks(v, 4) AS f FROM cl_big;
-- the aggregate's state (sorted in runs) gives the breaks of the plain array functions
SELECT q = (SELECT nous.breaks_quantile(array_agg(v), 6) FROM cl_big) AS quantile_as_array,
       f = (SELECT nous.breaks_fisher(array_agg(v), 4) FROM cl_big) AS fisher_as_array
  FROM cl_serial;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.breaks(v, 6, 'quantile'), nous.breaks(v, 4) FROM cl_big;
SELECT s.q = p.q AS quantile_same, s.f = p.f AS fisher_same
  FROM cl_serial s, (SELECT nous.breaks(v, 6, 'quantile') AS q, nous.breaks(v, 4) AS f FROM cl_big) p;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
-- states of different k or method do not merge
SELECT cl_merge(s) FROM (VALUES ('1;2;{1,1};fisher'::nous.breaks_state), ('1;3;{2,1};fisher')) x(s);
SELECT cl_merge(s) FROM (VALUES ('1;2;{1,1};fisher'::nous.breaks_state), ('1;2;{2,1};equal')) x(s);
-- merged states: 1 ×1 and 2 ×1 with 2 ×2 and 5 ×1 give 1, 2 ×3, 5 (hand count)
SELECT (SELECT cl_merge(s) FROM (VALUES ('1;2;{1,1,2,1};fisher'::nous.breaks_state), ('1;2;{2,2,5,1};fisher')) x(s)) AS merged,
       (SELECT nous.breaks(v, 2) FROM unnest('{1,2,2,2,5}'::float8[]) v) AS one_pass;
-- bad states: clear errors
SELECT '1;2;{2,1,1,1};fisher'::nous.breaks_state;
SELECT '1;2;{1,0};fisher'::nous.breaks_state;
SELECT '1;2;{1,1.5};fisher'::nous.breaks_state;
SELECT '1;0;{1,1};fisher'::nous.breaks_state;
SELECT '1;2;{1,1};'::nous.breaks_state;
SELECT '1;2;{Infinity,1};fisher'::nous.breaks_state;
SELECT '2;2;{1,1};fisher'::nous.breaks_state;
SELECT '1;2;{1,1,2};fisher'::nous.breaks_state;
SELECT 'fisher'::nous.breaks_state;
-- an empty state has no breaks; a method with a semicolon reads back whole
SELECT nous.breaks_final('1;2;{};fisher') IS NULL AS empty, '1;2;{5,1};x;y'::nous.breaks_state::text AS method_kept;
DROP TABLE cl_parts, cl_states, cl_big, cl_serial;
DROP AGGREGATE cl_state(float8, int4, text);
DROP AGGREGATE cl_state(float8, int4);
DROP AGGREGATE cl_merge(nous.breaks_state);
-- named notation without quoting a reserved word (issue 15): the methods' first parameter is x
SELECT nous.breaks_fisher(x => '{1,2,2,9,10}', k => 2) AS fisher, nous.breaks_equal(x => '{0,10}', k => 2) AS equal;
