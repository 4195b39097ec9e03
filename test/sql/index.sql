-- index: composite indices (nous.composite), the aggregation family, the
-- normalisations added by the index module, principal components, gap to
-- a reference, change over time and the QPV income threshold, against hand
-- computations (in the comments) and plain-SQL formulations.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- ---- nous.composite: the hand case of the README ----
-- a = 1 2 3: z = -1 0 1 (sample sd 1); b = 10 20 NULL: z = -0.70711 0.70711;
-- row 1: (-1 - 0.70711) / 2 = -0.85355; row 2: (0 + 0.70711) / 2 = 0.35355;
-- row 3: only a (coverage 0.5 >= 0.5, the default): 1
SELECT i, round(nous.composite(ARRAY[a, b]) OVER ()::numeric, 6) AS score
  FROM (VALUES (1, 1.0, 10.0), (2, 2, 20), (3, 3, NULL)) t(i, a, b) ORDER BY i;
-- min_coverage = 1: row 3 has no score
SELECT i, round(nous.composite(ARRAY[a, b], aggregate => 'mean(min_coverage=1)') OVER ()::numeric, 6) AS score
  FROM (VALUES (1, 1.0, 10.0), (2, 2, 20), (3, 3, NULL)) t(i, a, b) ORDER BY i;

-- ---- against the plain-SQL way: z-scores per partition, polarity, weights,
-- renormalisation over the present components, coverage >= 0.5 ----
CREATE TEMP TABLE areas (id int, epci text, a float8, b float8, c float8);
INSERT INTO areas VALUES
  (1, 'A', 1, 10, 5), (2, 'A', 2, 20, NULL), (3, 'A', 3, NULL, NULL), (4, 'A', 4, 40, 7),
  (5, 'A', 2.5, 12, 6.5), (6, 'B', 10, 1, 1), (7, 'B', 10, 2, 2), (8, 'B', 10, 3, 3),
  (9, 'C', 5, 5, 5), (10, 'B', NULL, NULL, 9);
CREATE TEMP VIEW plain AS
WITH z AS (
  SELECT id, epci,
         CASE WHEN a IS NOT NULL THEN coalesce((a - avg(a) OVER w) / nullif(stddev_samp(a) OVER w, 0), 0) END AS za,
         CASE WHEN b IS NOT NULL THEN coalesce((b - avg(b) OVER w) / nullif(stddev_samp(b) OVER w, 0), 0) END AS zb,
         CASE WHEN c IS NOT NULL THEN -coalesce((c - avg(c) OVER w) / nullif(stddev_samp(c) OVER w, 0), 0) END AS zc
    FROM areas WINDOW w AS (PARTITION BY epci)),
s AS (
  SELECT id, epci,
         (2 * coalesce(za, 0) + coalesce(zb, 0) + coalesce(zc, 0))
           / nullif(2 * (za IS NOT NULL)::int + (zb IS NOT NULL)::int + (zc IS NOT NULL)::int, 0) AS score,
         (2 * (za IS NOT NULL)::int + (zb IS NOT NULL)::int + (zc IS NOT NULL)::int) / 4.0 AS coverage
    FROM z)
SELECT id, epci, CASE WHEN coverage >= 0.5 THEN score END AS score FROM s;
SELECT bool_and((n.score IS NULL) = (p.score IS NULL) AND coalesce(abs(n.score - p.score) < 1e-12, true)) AS matches_plain_sql,
       count(n.score) AS scored, count(*) AS areas
  FROM (SELECT id, nous.composite(ARRAY[a, b, c], '{2,1,1}', '{1,1,-1}') OVER (PARTITION BY epci) AS score
          FROM areas) n
  JOIN plain p USING (id);
-- the order inside the partition and the frame do not matter
SELECT bool_and(abs(x - y) < 1e-12 OR (x IS NULL AND y IS NULL)) AS order_independent
  FROM (SELECT id, nous.composite(ARRAY[a, b, c]) OVER (PARTITION BY epci ORDER BY id ROWS 1 PRECEDING) x,
               nous.composite(ARRAY[a, b, c]) OVER (PARTITION BY epci ORDER BY b DESC) y FROM areas) q;
-- zero standard deviation (a in B) gives 0, a one-area partition (C) gives 0
SELECT id, epci, round(nous.composite(ARRAY[a]) OVER (PARTITION BY epci)::numeric, 6) AS za
  FROM areas WHERE epci IN ('B', 'C') ORDER BY id;
-- a partition where every values array is NULL: no score, no error
SELECT nous.composite(NULL::float8[]) OVER () FROM generate_series(1, 2);
-- weights given for all-NULL components: coverage 0, no score
SELECT nous.composite(ARRAY[NULL, NULL]::float8[], '{1,1}') OVER () FROM generate_series(1, 2);
-- weights, polarity and methods taken from columns, not constants: the first
-- row's values must survive the reading of the other rows (they used to be
-- read from the window's reused tuple slot: garbage weights, "values must not
-- be empty" or "compressed pglz data is corrupt").  By hand: zscore (n - 1)
-- of {1,2,3} = -1 0 1; of {2,5,1} (mean 8/3, sd sqrt(13/3)) = -0.320256
-- 1.120897 -0.800641; weights {1,3} of the first row: (z1 + 3 z2) / 4 =
-- -0.490192 0.840673 -0.350481
SELECT round(nous.composite(v, w, p, n, a) OVER ()::numeric, 6) AS score
  FROM (VALUES ('{1,2}'::float8[], '{1,3}'::float8[], '{1,1}'::int[], 'zscore', 'mean'),
               ('{2,5}', '{9,9}', '{1,1}', 'minmax', 'power(p=2)'),
               ('{3,1}', '{9,9}', '{1,1}', 'minmax', 'power(p=2)')) AS t(v, w, p, n, a);

-- polarity reflects about the centre of the scale: minmax 2 4 9 -> 0 28.571 100
-- -> 100 71.429 0; rank 3 1 2 -> 1 3 2 (m + 1 - r); zscore -> -z
SELECT x, round(nous.composite(ARRAY[x], NULL, '{-1}', 'minmax') OVER ()::numeric, 3) AS minmax_reversed,
          nous.composite(ARRAY[x], NULL, '{-1}', 'rank') OVER () AS rank_reversed,
          round(nous.composite(ARRAY[x], NULL, '{-1}') OVER ()::numeric, 6) AS z_reversed
  FROM unnest('{2,4,9}'::float8[]) x ORDER BY x;

-- ratio (base 100, mean 5): 40 80 180 -> 160 120 20; percentile 0 50 100 -> 100 50 0
SELECT x, nous.composite(ARRAY[x], NULL, '{-1}', 'ratio') OVER () AS ratio_reversed,
          nous.composite(ARRAY[x], NULL, '{-1}', 'percentile') OVER () AS percentile_reversed
  FROM unnest('{2,4,9}'::float8[]) x ORDER BY x;

-- ---- the normalisations added by the index module ----
SELECT nous.normalise('{0,5,10,15}', 'goalposts(lo=0, hi=10)') AS clipped,
       nous.normalise('{0,5,10,15}', 'goalposts(lo=0, hi=10, clip=false)') AS unclipped,
       nous.normalise('{0,5,10,15}', 'goalposts(lo=10, hi=0)') AS reversed;
-- without goalposts: the minimum and the maximum (= minmax); all equal: 50
SELECT nous.normalise('{0,5,NULL,20}', 'goalposts'), nous.normalise('{3,3}', 'goalposts');
-- winsorisation: 1..10 and 100, type-7 quantiles 0.1 and 0.9 are 2 and 10
SELECT nous.normalise('{1,2,3,4,5,6,7,8,9,10,100}', 'winsor(p=0.1)');
-- 0 0 0 0 10: mean 2, population sd 4: clipped to [-2, 6]
SELECT nous.normalise('{0,0,0,0,10}', 'winsor(k=1, sd=population)');
-- then rescaled: (x - 2) / 8 x 100
SELECT nous.normalise('{1,2,6,10,100}', 'winsor(p=0.25, scale=minmax)');
-- log: ln 1 = 0, ln 100 = 4.605170; ln(0 + 1) = 0
SELECT array(SELECT round(v::numeric, 6) FROM unnest(nous.normalise('{1,10,100,NULL}', 'log')) v) AS ln,
       nous.normalise('{0,NULL}', 'log(offset=1)') AS ln_offset,
       nous.normalise('{1,10,100}', 'log(scale=zscore)') = nous.normalise('{0,1,2}', 'zscore') AS log_then_z,
       nous.normalise('{1.5,NULL,-2}', 'none') AS none;

-- ---- the aggregation family, vector at a time ----
-- (1, 3) and (2, NULL), weights 1 3: (1 + 9) / 4 = 2.5; renormalised: 2
SELECT nous.aggregate('{{1,3},{2,NULL}}', '{1,3}', 'mean') AS mean,
       nous.aggregate('{{1,4},{2,8}}', NULL, 'geometric') AS geometric,
       nous.aggregate('{{0,3}}', NULL, 'geometric(shift=1)') AS geometric_shift;
-- power means: sqrt((1 + 49) / 2) = 5; harmonic 2 / (1 + 1/3) = 1.5
SELECT nous.aggregate('{{1,7}}', NULL, 'power(p=2)') AS quadratic,
       nous.aggregate('{{1,3}}', NULL, 'power(p=-1)') AS harmonic,
       nous.aggregate('{{1,3}}', NULL, 'power(p=0)') = nous.aggregate('{{1,3}}', NULL, 'geometric') AS p0_is_geometric;
-- a large p tends to the max instead of overflowing (it gave Infinity):
-- 100 ((1 + 0.5^200) / 2)^(1/200) = 99.654 and (1 + 0.5^(1e20) ...) -> 100
SELECT round(x::numeric, 3) AS power_200 FROM unnest(nous.aggregate('{{100,50}}', NULL, 'power(p=200)')) x;
SELECT x AS power_1e20, y AS power_minus_1e20
  FROM unnest(nous.aggregate('{{100,50}}', NULL, 'power(p=1e20)'),
              nous.aggregate('{{100,50}}', NULL, 'power(p=-1e20)')) AS t(x, y);
-- MPI of z = (1, -1): 110 and 90, M = 100, population variance 100:
-- 100 + 100 / 100 = 101; sign -1: 99; sample variance 200: 102
SELECT nous.aggregate('{{1,-1},{0,0}}', NULL, 'mpi') AS mpi,
       nous.aggregate('{{1,-1},{0,0}}', NULL, 'mpi(sign=-1)') AS mpi_minus,
       nous.aggregate('{{1,-1},{0,0}}', NULL, 'mpi(sd=sample)') AS mpi_sample;
-- ranks (1 2 3) and (2.5 2.5 1), weights 2 1: 4.5/3, 6.5/3, 7/3
SELECT array(SELECT round(v::numeric, 6) FROM unnest(nous.aggregate('{{10,5},{20,5},{30,1}}', '{2,1}', 'rankmean')) v) AS rankmean;
-- worst quarter: column 1 q75 = 3.25 (only 4), column 2 q75 = 4 (rows 1, 2)
SELECT nous.aggregate('{{1,4},{2,4},{3,1},{4,1}}', NULL, 'worstq') AS worstq,
       nous.aggregate('{{1,4},{2,4},{3,1},{4,1}}', NULL, 'worstq(strict=true)') AS worstq_strict;
-- first principal component of (1,2), (2,4), (3,6): z = -1 0 1, loadings 1/sqrt 2
SELECT array(SELECT round(v::numeric, 6) FROM unnest(nous.aggregate('{{1,2},{2,4},{3,6}}', NULL, 'pca')) v) AS pca;
-- the built-in functions can be called directly with jsonb parameters
SELECT nous.aggregate_power('{{1,7}}', '{1,1}', '{"p": 2}'), nous.aggregate_worstq('{{1},{2}}', NULL, NULL);

-- every aggregation inside nous.composite
SELECT m, array_agg(round(s::numeric, 4) ORDER BY id) AS scores
  FROM (SELECT m, id, nous.composite(ARRAY[a, b, c], NULL, NULL, 'minmax', m) OVER (PARTITION BY m) s
          FROM areas, unnest('{mean,geometric(shift=1),power(p=2),mpi,rankmean,worstq,pca}'::text[]) m
         WHERE epci = 'A') q
 GROUP BY m ORDER BY m;
-- by hand for epci A, minmax: a 0 33.333 66.667 100 50; b 0 33.333 NULL 100 6.667;
-- c 0 NULL NULL 100 75 (row 3: coverage 1/3 < 0.5, no score).
-- mean: row 2 (33.333 + 33.333) / 2; row 5 (50 + 6.667 + 75) / 3 = 43.889
-- geometric(shift=1) row 5: (51 x 7.6667 x 76)^(1/3) - 1 = 29.974
-- power(p=2) row 5: sqrt((2500 + 44.444 + 5625) / 3) = 52.184
-- mpi row 2: 100 + 10 x 33.333 for both components, no penalty: 433.333
-- rankmean: ranks a 1 2 4 5 3, b 1 3 - 4 2, c 1 - - 3 2: row 5 (3 + 2 + 2) / 3
-- worstq: q75 a 66.667, b 50, c 87.5: row 4 has 3, the others 0
-- pca: rows 2 and 3 are incomplete and get no score

-- one area, and all-equal columns, with every aggregation (minmax gives 50
-- to every value of a constant column): mean, geometric, power and
-- mpi(rescale=false) 50; rankmean: every rank tied at 1 (one area) or 2
-- (average of 1..3); worstq: every component in its worst quarter (2);
-- pca: one area has no component (NULL), constant columns score 0
SELECT m, (SELECT nous.composite(ARRAY[5.0, 7.0], NULL, NULL, 'minmax', m) OVER ()) AS one_area,
       (SELECT array_agg(s) FROM (SELECT nous.composite(ARRAY[5.0, 7.0], NULL, NULL, 'minmax', m) OVER () s
                                    FROM generate_series(1, 3)) q) AS all_equal
  FROM unnest('{mean,geometric,power(p=3),mpi(rescale=false),rankmean,worstq,pca}'::text[]) m;

-- ---- décret 2014-1575, annexe 2: S = (2 R1 + R2 + R3 + R4 + R5 + R6) / 7,
-- against the same ranks computed with SQL's rank() ----
CREATE TEMP TABLE iris6 (id int, chom float8, jeunes float8, inact float8, sansdip float8, mono float8, surocc float8);
INSERT INTO iris6 VALUES
  (1, 12.5, 20, 30, 25, 14, 8), (2, 18, 25, 35, 30, 20, 12), (3, 9, 15, 28, 18, 10, 5),
  (4, 18, 22, 40, 33, 22, 15), (5, 25, 30, 45, 40, 28, 20), (6, 7, 12, 25, 15, 9, 4),
  (7, 12.5, 18, 30, 28, 16, 9), (8, 30, 35, 50, 45, 30, 25);
SELECT bool_and(abs(n - p) < 1e-12) AS matches_plain_sql, min(n) AS least_fragile, max(n) AS most_fragile
  FROM (SELECT id, nous.composite(ARRAY[chom, jeunes, inact, sansdip, mono, surocc], '{2,1,1,1,1,1}', NULL,
                                  'none', 'rankmean(ties=min)') OVER () n,
               (2 * rank() OVER (ORDER BY chom) + rank() OVER (ORDER BY jeunes) + rank() OVER (ORDER BY inact)
                + rank() OVER (ORDER BY sansdip) + rank() OVER (ORDER BY mono) + rank() OVER (ORDER BY surocc)) / 7.0 p
          FROM iris6) q;
-- the 6th IRIS has rank 1 on every criterion: S = 7/7; the 8th rank 8: 56/7

-- ---- a user aggregation method registered under a new name ----
CREATE FUNCTION public.idx_rowmax(m float8[], w float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg((SELECT max(m[i][j]) FROM generate_subscripts(m, 2) j) ORDER BY i)
          FROM generate_subscripts(m, 1) i $$;
SELECT nous.register_method('aggregation', 'rowmax', 'public.idx_rowmax(float8[], float8[])', 'largest component');
CREATE FUNCTION public.idx_twice(v float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg(x * 2 ORDER BY i) FROM unnest(v) WITH ORDINALITY t(x, i) $$;
SELECT nous.register_method('normalisation', 'twice', 'public.idx_twice(float8[])');
-- (1, 10) (2, 20) (3, NULL): rows' largest x 2 = 20, 40, 6; coverage rule still applies
SELECT i, nous.composite(ARRAY[a, b], NULL, NULL, 'twice', 'rowmax') OVER () AS plain_rule,
          nous.composite(ARRAY[a, b], NULL, NULL, 'twice', 'rowmax(min_coverage=1)') OVER () AS full_rule,
          nous.composite(ARRAY[a, b], NULL, '{1,-1}', 'twice', 'rowmax') OVER () AS b_reversed
  FROM (VALUES (1, 1.0, 10.0), (2, 2, 20), (3, 3, NULL)) t(i, a, b) ORDER BY i;
SELECT nous.aggregate('{{1,5},{7,2}}', NULL, 'rowmax');
-- a user method that returns the wrong number of scores is caught
CREATE FUNCTION public.idx_short(m float8[], w float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '{1}'::float8[] $$;
SELECT nous.register_method('aggregation', 'short', 'public.idx_short(float8[], float8[])');
SELECT nous.composite(ARRAY[x], aggregate => 'short') OVER () FROM generate_series(1.0, 3) x;

-- integer arrays are cast to float8[]: z of 1 2 3
SELECT nous.composite(ARRAY[x]) OVER () FROM generate_series(1, 3) x;

-- ---- principal components ----
-- rows (1,0,0) (0,1,0) (0,0,1) (1,1,1) (1,1,1): every pairwise correlation
-- is 1/6, so the first eigenvalue is 1 + 2/6 = 4/3, explained 4/9, loadings
-- 1/sqrt 3; row (1,1,1): z = 0.4 / sqrt 0.3 each, score sqrt 1.6 = 1.264911;
-- row (1,0,0): (0.730297 - 2 x 1.095445) / sqrt 3 = -0.843274
SELECT array(SELECT round(v::numeric, 6) FROM unnest(loadings) v) AS loadings,
       round(eigenvalue::numeric, 12) AS eigenvalue, round(explained::numeric, 12) AS explained, n_used,
       array(SELECT round(v::numeric, 6) FROM unnest(scores) v) AS scores
  FROM nous.pca_first('{{1,0,0},{0,1,0},{0,0,1},{1,1,1},{1,1,1}}');
-- polarity -1 on the second column of (x, -2x): the same as (x, 2x); a row
-- with a NULL is left out of the fit and gets no score
SELECT (nous.pca_first('{{1,-2},{2,-4},{3,-6},{4,NULL}}', '{1,-1}')).loadings
     = (nous.pca_first('{{1,2},{2,4},{3,6}}')).loadings AS polarity_applied,
       (nous.pca_first('{{1,-2},{2,-4},{3,-6},{4,NULL}}', '{1,-1}')).scores[4] IS NULL AS incomplete_row_unscored;

-- ---- gap to the reference from counts, base 100 ----
-- A: 1/10 and 3/10 against 4/20 = 0.2: 50 and 150; den 0: NULL; NULL count: NULL
CREATE TEMP TABLE counts (id int, ref text, num float8, den float8);
INSERT INTO counts VALUES (1, 'A', 1, 10), (2, 'A', 3, 10), (3, 'A', 0, 0), (4, 'A', NULL, 5),
                          (5, 'B', 30, 100), (6, 'B', 12, 200), (7, 'B', 8, 20);
SELECT id, ref, round(nous.reference_gap(num, den) OVER (PARTITION BY ref)::numeric, 6) AS gap
  FROM counts ORDER BY id;
-- plain SQL: the reference from counts, not the mean of the rates
SELECT bool_and(abs(g - p) < 1e-12) AS matches_plain_sql
  FROM (SELECT nous.reference_gap(num, den) OVER (PARTITION BY ref) g,
               100 * (num / den) / (sum(num) FILTER (WHERE num IS NOT NULL AND den IS NOT NULL) OVER (PARTITION BY ref)
                                    / sum(den) FILTER (WHERE num IS NOT NULL AND den IS NOT NULL) OVER (PARTITION BY ref)) p
          FROM counts WHERE ref = 'B') q;
-- décrochage: the gap rose by 6 >= 5 points; by 4 < 5; lower is worse: fell by 6
SELECT nous.decrochage(100, 106), nous.decrochage(100, 104), nous.decrochage(100, 94, 5, false),
       nous.decrochage(100, 106, 10), nous.decrochage(NULL, 106);

-- ---- QPV income threshold (décret 2014-767 art. 4) ----
-- 0.6 (0.7 x 19000 + 0.3 x 15000) = 10680 -> 10700
-- 0.6 (0.3 x 19000 + 0.7 x 22000) = 12660 -> 12700 (5 million and more)
-- 0.6 (0.7 x 20000 + 0.3 x 10000) = 10200 stays 10200; at 5 000 000: 7800
-- 0.6 (0.7 x 10001 + 0.3 x 10001) = 6000.6 -> 6100
SELECT nous.qpv_income_threshold(19000, 15000, 100000) AS small_unit,
       nous.qpv_income_threshold(19000, 22000, 10500000) AS paris,
       nous.qpv_income_threshold(20000, 10000, 4999999) AS just_under,
       nous.qpv_income_threshold(20000, 10000, 5000000) AS at_5m,
       nous.qpv_income_threshold(10001, 10001, 1) AS rounded_up,
       nous.qpv_income_threshold(NULL, 10001, 1) AS null_in;

-- ---- bad input: each a clear error with its SQLSTATE ----
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], '{1,2,3}') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], '{1,-2}') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], '{0,0}') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], '{1,NULL}') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], '{1,NaN}') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], NULL, '{1,2}') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], NULL, '{1,NULL}') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], NULL, '{1}') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], NULL, NULL, 'nope') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], NULL, NULL, 'zscore', 'nope') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], NULL, NULL, NULL) OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], NULL, NULL, 'zscore', NULL) OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], aggregate => 'mean(min_coverage=2)') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], aggregate => 'mean(min_coverage=most)') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], aggregate => 'mean(p=2)') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], aggregate => 'mean(') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, 'NaN']) OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, '-Infinity']) OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(CASE WHEN id = 3 THEN ARRAY[a] ELSE ARRAY[a, b] END) OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite('{}'::float8[]) OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[ARRAY[a, b]]) OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], aggregate => 'geometric') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], aggregate => 'mpi(sign=2)') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], aggregate => 'worstq(q=1.5)') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.composite(ARRAY[a, b], aggregate => 'rankmean(ties=middle)') OVER () FROM areas$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'goalposts(lo=3, hi=3)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'goalposts(clip=maybe)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'winsor(p=0.6)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'winsor(p=0.1, k=2)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'winsor(k=-1)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'winsor(scale=rank)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{0,2}', 'log')$e$);
CALL public.expect_error($e$SELECT nous.aggregate('{1,2}', NULL, 'mean')$e$);
CALL public.expect_error($e$SELECT nous.aggregate(NULL, NULL, 'mean')$e$);
CALL public.expect_error($e$SELECT nous.aggregate('{{1,2}}', '{1}', 'mean')$e$);
CALL public.expect_error($e$SELECT nous.aggregate('{{1,NaN}}', NULL, 'mean')$e$);
CALL public.expect_error($e$SELECT nous.aggregate('{{1,2}}', NULL, NULL)$e$);
CALL public.expect_error($e$SELECT nous.aggregate('{{-1,2}}', NULL, 'power(p=0.5)')$e$);
CALL public.expect_error($e$SELECT nous.aggregate('{{1,2}}', NULL, 'power(p=abc)')$e$);
CALL public.expect_error($e$SELECT nous.aggregate_mean('{{1,2}}', NULL, '[1]')$e$);
CALL public.expect_error($e$SELECT nous.pca_first('{{1,2}}')$e$);
CALL public.expect_error($e$SELECT nous.pca_first('{{1,2},{1,2},{1,2}}')$e$);
CALL public.expect_error($e$SELECT nous.pca_first('{{1,2},{2,3}}', NULL, 'both')$e$);
CALL public.expect_error($e$SELECT nous.pca_first('{1,2,3}')$e$);
CALL public.expect_error($e$SELECT nous.reference_gap(num, den) OVER () FROM (VALUES (1.0, 2.0), (-1, 2)) t(num, den)$e$);
CALL public.expect_error($e$SELECT nous.reference_gap(num, den) OVER () FROM (VALUES (0.0, 2.0), (0, 2)) t(num, den)$e$);
CALL public.expect_error($e$SELECT nous.reference_gap(num, den) OVER () FROM (VALUES ('NaN'::float8, 2.0)) t(num, den)$e$);
CALL public.expect_error($e$SELECT nous.qpv_income_threshold(-19000, 15000, 100000)$e$);
CALL public.expect_error($e$SELECT nous.qpv_income_threshold(19000, 15000, -1)$e$);
CALL public.expect_error($e$SELECT nous.qpv_income_threshold('NaN', 15000, 100)$e$);
CALL public.expect_error($e$SELECT nous.register_method('aggregation', 'wrong', 'public.idx_twice(float8[])')$e$);
-- a few full messages
SELECT nous.composite(ARRAY[a, b], '{1,2,3}') OVER () FROM areas;
SELECT nous.composite(ARRAY[a, b], '{1,-2}') OVER () FROM areas;
SELECT nous.composite(ARRAY[a, b], NULL, '{1,0}') OVER () FROM areas;
SELECT nous.composite(ARRAY[a, b], NULL, NULL, 'zscore', 'nope') OVER () FROM areas;
SELECT nous.composite(CASE WHEN id = 3 THEN ARRAY[a] ELSE ARRAY[a, b] END) OVER () FROM areas;
SELECT nous.composite(ARRAY[a, b], aggregate => 'geometric') OVER () FROM areas;
-- and the details of the method parameters and the PCA's degenerate cases
SELECT nous.composite(ARRAY[a, b], aggregate => 'mean(min_coverage=2)') OVER () FROM areas;
SELECT nous.composite(ARRAY[a, b], aggregate => 'mpi(sign=2)') OVER () FROM areas;
SELECT nous.composite(ARRAY[a, b], aggregate => 'rankmean(ties=middle)') OVER () FROM areas;
SELECT nous.composite(ARRAY[ARRAY[a, b]]) OVER () FROM areas;
SELECT nous.normalise('{1,2}', 'goalposts(lo=3, hi=3)');
SELECT nous.normalise('{1,2}', 'winsor(p=0.1, k=2)');
SELECT nous.normalise('{1,2}', 'winsor(k=-1)');
SELECT nous.normalise('{0,2}', 'log');
SELECT nous.aggregate('{{-1,2}}', NULL, 'power(p=0.5)');
SELECT nous.pca_first('{{1,2}}');
SELECT nous.pca_first('{{1,2},{1,2},{1,2}}');
SELECT nous.pca_first('{{1,2},{2,3}}', NULL, 'both');
SELECT nous.qpv_income_threshold(-19000, 15000, 100000);

-- clean up what this suite registered
SELECT nous.unregister_method('aggregation', 'rowmax'), nous.unregister_method('aggregation', 'short'),
       nous.unregister_method('normalisation', 'twice');
DROP FUNCTION public.idx_rowmax(float8[], float8[]), public.idx_short(float8[], float8[]),
              public.idx_twice(float8[]);
-- named notation without quoting a reserved word (issue 15): indicators, not "values"
SELECT v, nous.composite(indicators => ARRAY[v, -v], polarity => '{1,-1}', normalise => 'minmax') OVER () AS score
  FROM unnest('{0,5,10}'::float8[]) v ORDER BY v;
