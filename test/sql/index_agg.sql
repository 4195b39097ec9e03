-- index_agg: nous.composite_agg (aggregate form of nous.composite) and
-- nous.composite_rows.  The oracle is the window function itself, over the
-- same rows, to 1e-12, plus a few hand computations.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- ---- hand case: 1 component, values 1 2 3: mean 2, sample sd 1 → z -1 0 1 ----
SELECT nous.composite_agg(k, ARRAY[x]) FROM (VALUES (3, 3.0), (1, 1), (2, 2)) t(k, x);
SELECT * FROM nous.composite_rows((SELECT nous.composite_agg(k, ARRAY[x])
                                     FROM (VALUES (3, 3.0), (1, 1), (2, 2)) t(k, x)));
-- 2 components, the second reversed; row 3 lacks b: coverage 1/2 = 0.5 (kept),
-- with min_coverage=0.75 it gets no score.  a: z -1 0 1; b (10, 20): z -0.7071, 0.7071,
-- reversed 0.7071 -0.7071; row 1: (-1 + 0.7071) / 2 = -0.146447; row 2: -0.353553; row 3: 1
SELECT key, round(score::numeric, 6) AS score, coverage
  FROM nous.composite_rows((SELECT nous.composite_agg(k, ARRAY[a, b], NULL, '{1,-1}')
                              FROM (VALUES (1, 1.0, 10.0), (2, 2, 20), (3, 3, NULL)) t(k, a, b)));
SELECT key, score, coverage
  FROM nous.composite_rows((SELECT nous.composite_agg(k, ARRAY[a, b], NULL, '{1,-1}', 'zscore',
                                                      'mean(min_coverage=0.75)')
                              FROM (VALUES (1, 1.0, 10.0), (2, 2, 20), (3, 3, NULL)) t(k, a, b)));

-- ---- hand data against the window function, many methods ----
CREATE TABLE agg_hand (id bigint, g int, a float8, b float8, c float8, d float8);
INSERT INTO agg_hand
SELECT i, i % 3, (i * 7) % 11 + 1,
       CASE WHEN i % 5 = 0 THEN NULL ELSE (i * 3) % 13 + 0.5 END,
       sqrt(i) + 1,
       CASE WHEN i % 4 = 0 THEN NULL ELSE ln(i + 1) END
  FROM generate_series(1, 40) i;
INSERT INTO agg_hand VALUES (41, 1, NULL, NULL, NULL, NULL);  -- no value: no score
CREATE FUNCTION public.idx_agg_rowmin(m float8[], w float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg((SELECT min(m[i][j]) FROM generate_subscripts(m, 2) j) ORDER BY i)
          FROM generate_subscripts(m, 1) i $$;
SELECT nous.register_method('aggregation', 'agg_rowmin', 'public.idx_agg_rowmin(float8[], float8[])',
                            'smallest component (test)');
CREATE TABLE agg_methods (norm text, agg text);
INSERT INTO agg_methods VALUES
  ('zscore', 'mean'), ('zscore(sd=population)', 'mean(min_coverage=0.75)'), ('minmax', 'geometric(shift=1)'),
  ('minmax', 'power(p=2)'), ('rank(ties=min)', 'mean'), ('percentile', 'rankmean'),
  ('zscore', 'mpi'), ('winsor(p=0.1, scale=zscore)', 'worstq(q=0.5)'), ('zscore', 'pca'),
  ('ratio', 'mean'), ('goalposts(lo=0, hi=20)', 'mean(min_coverage=1)'), ('log(offset=1)', 'mean'),
  ('none', 'agg_rowmin'), ('zscore', 'agg_rowmin(min_coverage=0.6)');
-- by group (PARTITION BY g) and over everything; rows ordered by key in both
-- (the aggregate sorts by key; the window is given the same order)
SELECT m.norm, m.agg, x.scope, x.n, x.same_nulls, x.max_diff < 1e-12 AS equal_1e12
  FROM agg_methods m,
  LATERAL (
    SELECT 'group' AS scope, count(*) AS n,
           bool_and((s.score IS NULL) = (w.c IS NULL)) AS same_nulls,
           coalesce(max(abs(s.score - w.c)), 0) AS max_diff
      FROM (SELECT nous.composite_agg(id, ARRAY[a, b, c, d], '{2,1,1,1}', '{1,1,-1,1}', m.norm, m.agg) r
              FROM agg_hand GROUP BY g) q, nous.composite_rows(q.r) s
      JOIN (SELECT id, nous.composite(ARRAY[a, b, c, d], '{2,1,1,1}', '{1,1,-1,1}', m.norm, m.agg)
                     OVER (PARTITION BY g ORDER BY id) c FROM agg_hand) w ON w.id = s.key
    UNION ALL
    SELECT 'all', count(*), bool_and((s.score IS NULL) = (w.c IS NULL)),
           coalesce(max(abs(s.score - w.c)), 0)
      FROM nous.composite_rows((SELECT nous.composite_agg(id, ARRAY[a, b, c, d], '{2,1,1,1}', '{1,1,-1,1}',
                                                          m.norm, m.agg) FROM agg_hand)) s
      JOIN (SELECT id, nous.composite(ARRAY[a, b, c, d], '{2,1,1,1}', '{1,1,-1,1}', m.norm, m.agg)
                     OVER (ORDER BY id) c FROM agg_hand) w ON w.id = s.key) x
 ORDER BY m.norm, m.agg, x.scope;
-- the shorter forms take the window function's defaults
SELECT bool_and(abs(s.score - w.c) < 1e-12 OR (s.score IS NULL AND w.c IS NULL)) AS defaults_equal, count(*)
  FROM nous.composite_rows((SELECT nous.composite_agg(id, ARRAY[a, b, c]) FROM agg_hand)) s
  JOIN (SELECT id, nous.composite(ARRAY[a, b, c]) OVER (ORDER BY id) c FROM agg_hand) w ON w.id = s.key;
SELECT bool_and(abs(s.score - w.c) < 1e-12 OR (s.score IS NULL AND w.c IS NULL)) AS weights_only_equal
  FROM nous.composite_rows((SELECT nous.composite_agg(id, ARRAY[a, b, c], '{1,2,3}') FROM agg_hand)) s
  JOIN (SELECT id, nous.composite(ARRAY[a, b, c], '{1,2,3}') OVER (ORDER BY id) c FROM agg_hand) w ON w.id = s.key;
SELECT bool_and(abs(s.score - w.c) < 1e-12 OR (s.score IS NULL AND w.c IS NULL)) AS minmax_equal
  FROM nous.composite_rows((SELECT nous.composite_agg(id, ARRAY[a, b, c], NULL, '{-1,1,1}', 'minmax') FROM agg_hand)) s
  JOIN (SELECT id, nous.composite(ARRAY[a, b, c], NULL, '{-1,1,1}', 'minmax') OVER (ORDER BY id) c FROM agg_hand) w
    ON w.id = s.key;
-- the row without any value: NULL score, coverage 0; keys come back sorted
SELECT key, round(score::numeric, 9) AS score, coverage FROM nous.composite_rows((SELECT nous.composite_agg(id, ARRAY[a, b, c, d])
                                                        FROM agg_hand WHERE g = 1)) WHERE key IN (40, 41);
SELECT (r).keys = (SELECT array_agg(id ORDER BY id) FROM agg_hand) AS keys_sorted
  FROM (SELECT nous.composite_agg(id, ARRAY[a, b, c, d]) r FROM agg_hand) q;

-- composite_rows streams rows (ProjectSet, no tuplestore); NULL gives no row
EXPLAIN (COSTS OFF) SELECT s.* FROM (SELECT nous.composite_agg(id, ARRAY[a]) r FROM agg_hand) q,
                                    nous.composite_rows(q.r) s;
SELECT count(*) FROM nous.composite_rows(NULL);

-- ---- empty input, NULL values ----
SELECT nous.composite_agg(id, ARRAY[a]) FROM agg_hand WHERE false;
SELECT count(*) FROM nous.composite_rows((SELECT nous.composite_agg(id, ARRAY[a]) FROM agg_hand WHERE false));
SELECT g, nous.composite_agg(id, ARRAY[a]) FROM agg_hand WHERE false GROUP BY g;
-- every values array NULL: no score, as nous.composite
SELECT nous.composite_agg(k, NULL::float8[]) FROM generate_series(1, 2) k;
SELECT nous.composite_agg(k, CASE WHEN k > 1 THEN ARRAY[k, k * k]::float8[] END) FROM generate_series(1, 4) k;
SELECT array_agg(w ORDER BY k) AS window_same
  FROM (SELECT k, nous.composite(CASE WHEN k > 1 THEN ARRAY[k, k * k]::float8[] END) OVER (ORDER BY k) w
          FROM generate_series(1, 4) k) q;

-- ---- bad inputs ----
CALL public.expect_error($e$SELECT nous.composite_agg(k, ARRAY[k]::float8[]) FROM (VALUES (1), (NULL), (3)) t(k)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, ARRAY[x]) FROM (VALUES (1, 1.0), (2, 'NaN')) t(k, x)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, ARRAY[x]) FROM (VALUES (1, 1.0), (2, '-Infinity')) t(k, x)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v) FROM (VALUES (1, '{1,2}'::float8[]), (2, '{1,2,3}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, '{1,1,1}') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{1,2}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, NULL, '{1}') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{1,2}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, '{1,-1}') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{1,2}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, '{0,0}') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{1,2}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, '{1,NULL}') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{1,2}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, NULL, '{1,2}') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{1,2}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, NULL, NULL, 'nope') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{3,1}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, NULL, NULL, 'zscore', 'nope') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{3,1}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, NULL, NULL, NULL) FROM (VALUES (1, '{1,2}'::float8[]), (2, '{3,1}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, NULL, NULL, 'zscore', 'mean(min_coverage=2)') FROM (VALUES (1, '{1,2}'::float8[]), (2, '{3,1}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v) FROM (VALUES (1, '{}'::float8[]), (2, '{}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v) FROM (VALUES (1, '{{1,2}}'::float8[]), (2, '{{3,1}}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v) FROM (VALUES (1, '{1,2}'::float8[]), (1, '{3,1}')) t(k, v)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, w) FROM (VALUES (1, '{1,2}'::float8[], '{1,1}'::float8[]), (2, '{3,1}', '{1,2}')) t(k, v, w)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, v, NULL, NULL, n) FROM (VALUES (1, '{1,2}'::float8[], 'zscore'), (2, '{3,1}', 'minmax')) t(k, v, n)$e$);
CALL public.expect_error($e$SELECT nous.composite_agg(k, ARRAY[x], NULL, NULL, 'log') FROM (VALUES (1, 1.0), (2, -3)) t(k, x)$e$);
-- a few full messages
SELECT nous.composite_agg(k, ARRAY[k]::float8[]) FROM (VALUES (1), (NULL)) t(k);
SELECT nous.composite_agg(k, v) FROM (VALUES (1, '{1,2}'::float8[]), (2, '{1,2,3}')) t(k, v);
SELECT nous.composite_agg(k, v, w) FROM (VALUES (1, '{1,2}'::float8[], '{1,1}'::float8[]), (2, '{3,1}', '{1,2}')) t(k, v, w);
SELECT nous.composite_agg(k, v) FROM (VALUES (1, '{1,2}'::float8[]), (1, '{3,1}')) t(k, v);

-- ---- the generator's squares (scale 1): window function, parallel = serial ----
-- (generated here unless an earlier suite of the run left them)
\set ECHO none
SELECT to_regclass('nous_demo.squares') IS NULL AS need_generator \gset
\if :need_generator
\o /dev/null
\set seed 42
\set scale 1
\ir test/gen/generate.sql
\o
\endif
\set ECHO all
CREATE TEMP VIEW agg_sq AS
  SELECT square_id, com_code,
         ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc] AS v
    FROM nous_demo.squares;
SELECT count(*) > 1000 AS enough_squares, count(DISTINCT com_code) > 10 AS communes FROM nous_demo.squares;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE agg_serial AS
  SELECT q.com_code, s.* FROM (SELECT com_code, nous.composite_agg(square_id, v, NULL, '{1,1,1,1,1,1,1,-1}') r
                                FROM agg_sq GROUP BY com_code) q,
         nous.composite_rows(q.r) s;
CREATE TEMP TABLE agg_serial_all AS
  SELECT s.* FROM nous.composite_rows((SELECT nous.composite_agg(square_id, v, NULL, '{1,1,1,1,1,1,1,-1}', 'rank', 'rankmean')
                                         FROM agg_sq)) s;
-- against the window function, by commune and over everything
SELECT count(*) AS n, bool_and((s.score IS NULL) = (w.c IS NULL)) AS same_nulls,
       max(abs(s.score - w.c)) < 1e-12 AS equal_1e12
  FROM agg_serial s JOIN (SELECT square_id, nous.composite(v, NULL, '{1,1,1,1,1,1,1,-1}')
                                 OVER (PARTITION BY com_code ORDER BY square_id) c FROM agg_sq) w
    ON w.square_id = s.key;
SELECT count(*) AS n, bool_and((s.score IS NULL) = (w.c IS NULL)) AS same_nulls,
       max(abs(s.score - w.c)) < 1e-12 AS equal_1e12
  FROM agg_serial_all s JOIN (SELECT square_id, nous.composite(v, NULL, '{1,1,1,1,1,1,1,-1}', 'rank', 'rankmean')
                                     OVER (ORDER BY square_id) c FROM agg_sq) w
    ON w.square_id = s.key;
-- the same in parallel: Partial Aggregate in the plan, the same scores
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
  SELECT nous.composite_agg(square_id, v, NULL, '{1,1,1,1,1,1,1,-1}', 'rank', 'rankmean') FROM agg_sq;
EXPLAIN (COSTS OFF)
  SELECT com_code, nous.composite_agg(square_id, v, NULL, '{1,1,1,1,1,1,1,-1}') FROM agg_sq GROUP BY com_code;
SELECT count(*) AS n, bool_and((p.score IS NULL) = (s.score IS NULL)) AS same_nulls,
       coalesce(max(abs(p.score - s.score)), 0) < 1e-12 AS equal_1e12,
       bool_and(p.coverage = s.coverage) AS same_coverage
  FROM nous.composite_rows((SELECT nous.composite_agg(square_id, v, NULL, '{1,1,1,1,1,1,1,-1}', 'rank', 'rankmean')
                              FROM agg_sq)) p
  JOIN agg_serial_all s USING (key);
SELECT count(*) AS n, bool_and((p.score IS NULL) = (s.score IS NULL)) AS same_nulls,
       coalesce(max(abs(p.score - s.score)), 0) < 1e-12 AS equal_1e12
  FROM (SELECT com_code, nous.composite_agg(square_id, v, NULL, '{1,1,1,1,1,1,1,-1}') r
          FROM agg_sq GROUP BY com_code) q, nous.composite_rows(q.r) p
  JOIN agg_serial s USING (key);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
