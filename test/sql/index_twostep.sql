-- index_twostep: the composite index in two steps (issue 14) —
-- nous.composite_params (combinable aggregate, float8[] state),
-- nous.composite_params_merge, nous.composite_score, nous.composite_params_table.
-- Oracles: hand computations (comments) and the window function
-- nous.composite(...) OVER (...) over the same rows, to 1e-12.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- ---- hand case (the README's): a = 1 2 3: mean 2, sample sd 1, z -1 0 1;
-- b = 10 20 NULL: mean 15, sample sd sqrt(50) = 7.0710678, z -0.70711 0.70711;
-- row 1: (-1 - 0.70711) / 2 = -0.853553; row 2: (0 + 0.70711) / 2 = 0.353553;
-- row 3: only a (coverage 0.5 >= 0.5): 1 ----
CREATE TEMP TABLE ts_hand (i int, a float8, b float8);
INSERT INTO ts_hand VALUES (1, 1, 10), (2, 2, 20), (3, 3, NULL);
SELECT * FROM nous.composite_params_table((SELECT nous.composite_params(ARRAY[a, b]) FROM ts_hand));
WITH p AS (SELECT nous.composite_params(ARRAY[a, b]) AS p FROM ts_hand)
SELECT i, round(nous.composite_score(ARRAY[a, b], p.p)::numeric, 6) AS score
  FROM ts_hand, p ORDER BY i;
-- polarity -1 on b: b reflected about 0: row 1 (-1 + 0.70711) / 2 = -0.146447,
-- row 2 (0 - 0.70711) / 2 = -0.353553, row 3: 1; min_coverage = 0.75: row 3 NULL
WITH p AS (SELECT nous.composite_params(ARRAY[a, b], '{1,-1}') AS p FROM ts_hand)
SELECT i, round(nous.composite_score(ARRAY[a, b], p.p)::numeric, 6) AS score,
       round(nous.composite_score(ARRAY[a, b], p.p, aggregate => 'mean(min_coverage=0.75)')::numeric, 6) AS cov75
  FROM ts_hand, p ORDER BY i;
-- minmax, weights 3 and 1: a 0 50 100, b 0 100; row 1: 0; row 2: (150 + 100) / 4 = 62.5;
-- row 3: 100 (weights renormalised over a, coverage 3/4)
WITH p AS (SELECT nous.composite_params(ARRAY[a, b], NULL, 'minmax') AS p FROM ts_hand)
SELECT i, nous.composite_score(ARRAY[a, b], p.p, '{3,1}') AS score
  FROM ts_hand, p ORDER BY i;
-- the state itself: format 14001, k = 2, zscore (1), sd sample (1), then per
-- component polarity, n, sum, M2, min, max: a 1 3 6 2 1 3; b 1 2 30 50 10 20
SET extra_float_digits = 1;
SELECT nous.composite_params(ARRAY[a, b]) FROM ts_hand;

-- ---- generated data: every method of the two-step path against the window
-- function, over everything and per group.  Both add the values in the order
-- they read them, and a partition of the window is sorted: sums agree to a
-- few units in the last place, z-scores to about 1e-16 x mean / sd (with
-- mean / sd = 3000 the difference reaches 4e-12) ----
SELECT setseed(0.14);
CREATE TABLE ts_gen (id int, g int, a float8, b float8, c float8, d float8, e float8);
INSERT INTO ts_gen
SELECT i, i % 7,
       CASE WHEN random() < 0.1 THEN NULL ELSE 100 * random() END,
       CASE WHEN random() < 0.2 THEN NULL ELSE 1000 + 100 * random() END,  -- mean / sd about 35
       CASE WHEN random() < 0.3 THEN NULL ELSE exp(3 * random()) END,
       CASE WHEN random() < 0.5 THEN NULL ELSE round(10 * random()) END,
       CASE WHEN i % 7 = 3 THEN 5 ELSE 0.01 * random() + 0.5 END               -- constant in group 3
  FROM generate_series(1, 3000) i;
CREATE TABLE ts_methods (norm text, agg text, w float8[], pol int[]);
INSERT INTO ts_methods VALUES
  ('zscore', 'mean', NULL, NULL),
  ('zscore', 'mean', '{2,1,1,0.5,1}', '{1,-1,1,1,-1}'),
  ('zscore(sd=population)', 'mean(min_coverage=0.75)', '{1,1,1,1,0}', '{-1,1,1,1,1}'),
  ('minmax', 'mean', '{1,2,3,4,5}', '{1,1,-1,1,1}'),
  ('minmax', 'geometric(shift=1)', NULL, '{1,-1,1,-1,1}'),
  ('minmax', 'power(p=2)', NULL, NULL),
  ('goalposts', 'mean', NULL, '{1,1,-1,1,1}'),
  ('goalposts(lo=10, hi=60)', 'mean', NULL, NULL),
  ('goalposts(lo=10, hi=60, clip=false)', 'mean(min_coverage=0)', NULL, '{-1,1,1,1,1}'),
  ('ratio', 'mean', NULL, '{1,-1,1,1,1}'),
  ('ratio(ref=50)', 'geometric(shift=1)', NULL, NULL),
  ('log(offset=1)', 'mean', NULL, '{1,1,1,1,-1}'),
  ('log(offset=1, scale=zscore)', 'mpi', NULL, '{1,-1,1,1,1}'),
  ('log(offset=1, scale=minmax)', 'mean', '{1,1,2,2,1}', '{1,1,1,-1,1}'),
  ('none', 'mean', NULL, NULL),
  ('zscore', 'mpi(sign=-1, sd=sample)', NULL, '{1,1,-1,1,1}');

-- one row per method: rows scored differently (NULL or not), largest difference
CREATE FUNCTION pg_temp.ts_compare(norm text, agg text, w float8[], pol int[], by_group boolean)
RETURNS TABLE (scored bigint, null_mismatch bigint, max_diff float8) LANGUAGE plpgsql AS $$
BEGIN
  IF by_group THEN
    RETURN QUERY EXECUTE
      'WITH o AS (SELECT id, nous.composite(ARRAY[a, b, c, d, e], $3, $4, $1, $2) OVER (PARTITION BY g) AS s FROM ts_gen),
            p AS (SELECT g, nous.composite_params(ARRAY[a, b, c, d, e], $4, $1) AS p FROM ts_gen GROUP BY g),
            t AS (SELECT id, nous.composite_score(ARRAY[a, b, c, d, e], p.p, $3, $2) AS s FROM ts_gen JOIN p USING (g))
       SELECT count(o.s), count(*) FILTER (WHERE (o.s IS NULL) <> (t.s IS NULL)),
              max(abs(o.s - t.s) / greatest(1, abs(o.s)))
         FROM o JOIN t USING (id)' USING norm, agg, w, pol;
  ELSE
    RETURN QUERY EXECUTE
      'WITH o AS (SELECT id, nous.composite(ARRAY[a, b, c, d, e], $3, $4, $1, $2) OVER () AS s FROM ts_gen),
            p AS (SELECT nous.composite_params(ARRAY[a, b, c, d, e], $4, $1) AS p FROM ts_gen),
            t AS (SELECT id, nous.composite_score(ARRAY[a, b, c, d, e], p.p, $3, $2) AS s FROM ts_gen, p)
       SELECT count(o.s), count(*) FILTER (WHERE (o.s IS NULL) <> (t.s IS NULL)),
              max(abs(o.s - t.s) / greatest(1, abs(o.s)))
         FROM o JOIN t USING (id)' USING norm, agg, w, pol;
  END IF;
END $$;
SELECT m.norm, m.agg, r.scored, r.null_mismatch, r.max_diff <= 1e-12 AS equal_1e12
  FROM ts_methods m, pg_temp.ts_compare(m.norm, m.agg, m.w, m.pol, false) r;
SELECT m.norm, m.agg, r.scored, r.null_mismatch, r.max_diff <= 1e-12 AS equal_1e12
  FROM ts_methods m, pg_temp.ts_compare(m.norm, m.agg, m.w, m.pol, true) r;

-- the moments against PostgreSQL's own aggregates (count, avg, stddev, min, max)
SELECT t.component, t.n = s.n AS n_ok,
       abs(t.mean - s.mean) <= 1e-12 * abs(s.mean) AS mean_ok,
       abs(t.sd_sample - s.sd) <= 1e-9 * s.sd AS sd_ok,
       t.min = s.min AND t.max = s.max AS minmax_ok
  FROM nous.composite_params_table((SELECT nous.composite_params(ARRAY[a, b, c]) FROM ts_gen)) t
  JOIN (SELECT 1 AS component, count(a) AS n, avg(a) AS mean, stddev_samp(a) AS sd, min(a), max(a) FROM ts_gen
        UNION ALL SELECT 2, count(b), avg(b), stddev_samp(b), min(b), max(b) FROM ts_gen
        UNION ALL SELECT 3, count(c), avg(c), stddev_samp(c), min(c), max(c) FROM ts_gen) s USING (component)
 ORDER BY 1;

-- merging the parameters of two halves gives those of the whole
SELECT bool_and(abs(w.mean - m.mean) <= 1e-12 * greatest(1, abs(w.mean))
                AND abs(w.sd_sample - m.sd_sample) <= 1e-12 * greatest(1, w.sd_sample)
                AND w.n = m.n AND w.min = m.min AND w.max = m.max) AS merge_equals_whole
  FROM nous.composite_params_table((SELECT nous.composite_params(ARRAY[a, b, c, d, e]) FROM ts_gen)) w
  JOIN nous.composite_params_table(nous.composite_params_merge(
         (SELECT nous.composite_params(ARRAY[a, b, c, d, e]) FROM ts_gen WHERE id <= 1000),
         (SELECT nous.composite_params(ARRAY[a, b, c, d, e]) FROM ts_gen WHERE id > 1000))) m
    USING (component);

-- the text form round-trips exactly (extra_float_digits = 1, the default)
SELECT p::text::float8[] = p AS text_round_trip, array_length(p, 1) AS len
  FROM (SELECT nous.composite_params(ARRAY[a, b, c, d, e], '{1,-1,1,1,-1}', 'log(offset=1)') AS p FROM ts_gen) x;
SET extra_float_digits = 0;

-- ---- parallel plan: Partial Aggregate under Gather, the same parameters ----
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.composite_params(ARRAY[a, b, c, d, e]) FROM ts_gen;
EXPLAIN (COSTS OFF) SELECT g, nous.composite_params(ARRAY[a, b, c, d, e]) FROM ts_gen GROUP BY g;
CREATE TEMP TABLE ts_par AS
SELECT 0 AS g, nous.composite_params(ARRAY[a, b, c, d, e], '{1,-1,1,1,1}') AS p FROM ts_gen
UNION ALL
SELECT g + 1, nous.composite_params(ARRAY[a, b, c, d, e], '{1,-1,1,1,1}') FROM ts_gen GROUP BY g;
RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT nous.composite_params(ARRAY[a, b, c, d, e]) FROM ts_gen;
CREATE TEMP TABLE ts_ser AS
SELECT 0 AS g, nous.composite_params(ARRAY[a, b, c, d, e], '{1,-1,1,1,1}') AS p FROM ts_gen
UNION ALL
SELECT g + 1, nous.composite_params(ARRAY[a, b, c, d, e], '{1,-1,1,1,1}') FROM ts_gen GROUP BY g;
RESET max_parallel_workers_per_gather;
SELECT count(*) AS groups,
       bool_and(s.n = q.n AND s.min = q.min AND s.max = q.max
                AND abs(s.mean - q.mean) <= 1e-12 * greatest(1, abs(s.mean))
                AND (s.sd_sample IS NULL AND q.sd_sample IS NULL
                     OR abs(s.sd_sample - q.sd_sample) <= 1e-12 * greatest(1, s.sd_sample))) AS parallel_equals_serial
  FROM ts_ser sp JOIN ts_par pp USING (g),
       LATERAL nous.composite_params_table(sp.p) s
       JOIN LATERAL nous.composite_params_table(pp.p) q USING (component);
-- the scores of a parallel scan equal the window function's
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT sum(nous.composite_score(ARRAY[a, b, c, d, e], (SELECT p FROM ts_par WHERE g = 0))) FROM ts_gen;
CREATE TEMP TABLE ts_par_scores AS
SELECT id, nous.composite_score(ARRAY[a, b, c, d, e], (SELECT p FROM ts_par WHERE g = 0)) AS s FROM ts_gen;
RESET max_parallel_workers_per_gather;
SELECT count(*) FILTER (WHERE (o.s IS NULL) <> (t.s IS NULL)) AS null_mismatch,
       max(abs(o.s - t.s) / greatest(1, abs(o.s))) <= 1e-12 AS equal_1e12
  FROM (SELECT id, nous.composite(ARRAY[a, b, c, d, e], NULL, '{1,-1,1,1,1}') OVER () AS s FROM ts_gen) o
  JOIN ts_par_scores t USING (id);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- arguments that change from row to row (weights, aggregation, parameters of
-- another size): each row is scored with its own, as a call per row would
WITH p AS (SELECT nous.composite_params(ARRAY[a, b, c, d, e]) AS p FROM ts_gen),
     q AS (SELECT nous.composite_params(ARRAY[a, b]) AS q FROM ts_gen)
SELECT count(*) AS rows,
       count(*) FILTER (WHERE nous.composite_score(v, p, CASE WHEN id % 2 = 0 THEN '{1,2,3,4,5}'::float8[] END,
                                                   CASE WHEN id % 3 = 0 THEN 'geometric(shift=10)' ELSE 'mean' END)
                          IS DISTINCT FROM
                          CASE WHEN id % 2 = 0 AND id % 3 = 0 THEN nous.composite_score(v, p, '{1,2,3,4,5}', 'geometric(shift=10)')
                               WHEN id % 2 = 0 THEN nous.composite_score(v, p, '{1,2,3,4,5}')
                               WHEN id % 3 = 0 THEN nous.composite_score(v, p, NULL, 'geometric(shift=10)')
                               ELSE nous.composite_score(v, p) END) AS differ,
       count(*) FILTER (WHERE nous.composite_score(CASE WHEN id % 2 = 0 THEN v ELSE v[1:2] END,
                                                   CASE WHEN id % 2 = 0 THEN p ELSE q END)
                          IS DISTINCT FROM
                          CASE WHEN id % 2 = 0 THEN nous.composite_score(v, p) ELSE nous.composite_score(v[1:2], q) END) AS differ_k
  FROM (SELECT id, ARRAY[a, b, c, d, e] AS v FROM ts_gen) t, p, q;

-- ---- NULL and edge inputs ----
-- no row, or only NULL values: no parameters; NULL params or values: no score
SELECT nous.composite_params(ARRAY[a, b]) IS NULL AS no_rows FROM ts_hand WHERE false;
SELECT nous.composite_params(NULL::float8[]) IS NULL AS only_null FROM generate_series(1, 3);
SELECT nous.composite_score(NULL, (SELECT nous.composite_params(ARRAY[a, b]) FROM ts_hand)) AS null_values,
       nous.composite_score(ARRAY[1, 2]::float8[], NULL) AS null_params;
-- one row: sample sd undefined, every z is 0 (as the window function)
SELECT nous.composite_score(ARRAY[5]::float8[], nous.composite_params(ARRAY[5]::float8[])) AS one_row;
-- a text round trip of hand-written parameters: the same scores
SELECT nous.composite_score(ARRAY[2, 20]::float8[], '{14001,2,1,1,0,0,0,0,1,3,6,2,1,3,1,2,30,50,10,20}') AS from_text;

-- ---- bad inputs: a clear error with its SQLSTATE ----
-- rows of different lengths
CALL public.expect_error($e$SELECT nous.composite_params(v) FROM (VALUES (ARRAY[1, 2]::float8[]), (ARRAY[1, 2, 3]::float8[])) t(v)$e$);
-- polarity of another length, or not 1 / -1
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[a, b], '{1}') FROM ts_hand$e$);
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[a, b], '{1,2}') FROM ts_hand$e$);
-- unknown method, methods that need every value, NULL method
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[a, b], NULL, 'nosuchmethod') FROM ts_hand$e$);
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[a, b], NULL, 'rank') FROM ts_hand$e$);
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[a, b], NULL, 'winsor') FROM ts_hand$e$);
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[a, b], NULL, NULL) FROM ts_hand$e$);
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[a, b], NULL, 'zscore(sd=median)') FROM ts_hand$e$);
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[a, b], NULL, 'goalposts(lo=1, hi=1)') FROM ts_hand$e$);
CALL public.expect_error($e$WITH p AS (SELECT nous.composite_params(ARRAY[a, b]) AS p FROM ts_hand)
SELECT nous.composite_score(ARRAY[a, b], p.p, NULL, 'rankmean') FROM ts_hand, p$e$);
CALL public.expect_error($e$WITH p AS (SELECT nous.composite_params(ARRAY[a, b]) AS p FROM ts_hand)
SELECT nous.composite_score(ARRAY[a, b], p.p, NULL, NULL) FROM ts_hand, p$e$);
-- NaN, empty, two dimensions, log of a negative value
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[1, 'NaN']::float8[])$e$);
CALL public.expect_error($e$SELECT nous.composite_params('{}'::float8[])$e$);
CALL public.expect_error($e$SELECT nous.composite_params('{{1,2},{3,4}}'::float8[])$e$);
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[-5]::float8[], NULL, 'log')$e$);
-- parameters of 2 components scoring 3; weights of another length
CALL public.expect_error($e$WITH p AS (SELECT nous.composite_params(ARRAY[a, b]) AS p FROM ts_hand)
SELECT nous.composite_score(ARRAY[a, b, a], p.p) FROM ts_hand, p$e$);
CALL public.expect_error($e$WITH p AS (SELECT nous.composite_params(ARRAY[a, b]) AS p FROM ts_hand)
SELECT nous.composite_score(ARRAY[a, b], p.p, '{1,2,3}') FROM ts_hand, p$e$);
-- something that is not parameters
CALL public.expect_error($e$SELECT nous.composite_score(ARRAY[1, 2]::float8[], '{1,2,3}')$e$);
CALL public.expect_error($e$SELECT nous.composite_score(ARRAY[1, 2]::float8[], '{14001,2,1,1,0,0,0,0,1,3,6,2,1,3,1,2,30,-50,10,20}')$e$);
-- a value of a component the parameters never saw
CALL public.expect_error($e$SELECT nous.composite_score(ARRAY[1, 2]::float8[], nous.composite_params(ARRAY[1, NULL]::float8[]))$e$);
-- merging parameters of different shapes
CALL public.expect_error($e$SELECT nous.composite_params_merge(nous.composite_params(ARRAY[1, 2]::float8[]),
                                   nous.composite_params(ARRAY[1, 2]::float8[], NULL, 'minmax'))$e$);
CALL public.expect_error($e$SELECT nous.composite_params_merge(nous.composite_params(ARRAY[1, 2]::float8[]),
                                   nous.composite_params(ARRAY[1, 2, 3]::float8[]))$e$);
CALL public.expect_error($e$SELECT nous.composite_params_merge(nous.composite_params(ARRAY[1, 2]::float8[], '{1,1}'),
                                   nous.composite_params(ARRAY[1, 2]::float8[], '{1,-1}'))$e$);
-- the normalisation or polarity changes within a group
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[x], NULL, CASE WHEN x > 1 THEN 'minmax' ELSE 'zscore' END)
  FROM generate_series(1, 3) x$e$);
CALL public.expect_error($e$SELECT nous.composite_params(ARRAY[x]::float8[], CASE WHEN x > 1 THEN '{-1}'::int[] END)
  FROM generate_series(1, 3) x$e$);
-- the transition function alone
CALL public.expect_error($e$SELECT nous.composite_params_trans(NULL, ARRAY[1]::float8[])$e$);
-- the messages of the most likely mistakes
\set SHOW_CONTEXT never
SELECT nous.composite_params(ARRAY[a, b], NULL, 'rank') FROM ts_hand;
WITH p AS (SELECT nous.composite_params(ARRAY[a, b]) AS p FROM ts_hand)
SELECT nous.composite_score(ARRAY[a, b, a], p.p) FROM ts_hand, p;
SELECT nous.composite_score(ARRAY[1, 2]::float8[], '{1,2,3}');

DROP TABLE ts_gen, ts_methods;
