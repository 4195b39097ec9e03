-- Benchmark cases of the index module: the composite score of every 200 m
-- square from its 8 indicators (median income reversed), over the whole
-- territory and per EPCI, against the best plain-SQL way (averages and
-- deviations in one aggregate, then a per-row expression: direction, mean of
-- the components present, coverage >= 0.5; see the UPDATE at the end, which
-- gives the one-step cases the plain SQL of the two-step ones).
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('index', 'composite z-score index of 8 indicators, OVER ()',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT square_id,
          nous.composite(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc],
                         NULL, '{1,1,1,1,1,1,1,-1}') OVER ()
     FROM nous_demo.squares$$,
 $$SELECT square_id,
          CASE WHEN n >= 4 THEN (coalesce(z1, 0) + coalesce(z2, 0) + coalesce(z3, 0) + coalesce(z4, 0)
                                 + coalesce(z5, 0) + coalesce(z6, 0) + coalesce(z7, 0) + coalesce(z8, 0)) / n END
     FROM (SELECT square_id, z1, z2, z3, z4, z5, z6, z7, z8,
                  (z1 IS NOT NULL)::int + (z2 IS NOT NULL)::int + (z3 IS NOT NULL)::int + (z4 IS NOT NULL)::int
                  + (z5 IS NOT NULL)::int + (z6 IS NOT NULL)::int + (z7 IS NOT NULL)::int + (z8 IS NOT NULL)::int AS n
             FROM (SELECT square_id,
                          (unemployment_rate - avg(unemployment_rate) OVER w) / stddev(unemployment_rate) OVER w AS z1,
                          (youth_inactivity_rate - avg(youth_inactivity_rate) OVER w) / stddev(youth_inactivity_rate) OVER w AS z2,
                          (inactivity_rate - avg(inactivity_rate) OVER w) / stddev(inactivity_rate) OVER w AS z3,
                          (no_diploma_rate - avg(no_diploma_rate) OVER w) / stddev(no_diploma_rate) OVER w AS z4,
                          (single_parent_rate - avg(single_parent_rate) OVER w) / stddev(single_parent_rate) OVER w AS z5,
                          (overcrowding_rate - avg(overcrowding_rate) OVER w) / stddev(overcrowding_rate) OVER w AS z6,
                          (social_housing_rate - avg(social_housing_rate) OVER w) / stddev(social_housing_rate) OVER w AS z7,
                          -(median_income_uc - avg(median_income_uc) OVER w) / stddev(median_income_uc) OVER w AS z8
                     FROM nous_demo.squares WINDOW w AS ()) z) c$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$),
('index', 'composite z-score index of 8 indicators, OVER (PARTITION BY epci)',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT square_id,
          nous.composite(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc],
                         NULL, '{1,1,1,1,1,1,1,-1}') OVER (PARTITION BY epci_code)
     FROM nous_demo.squares$$,
 $$SELECT square_id,
          CASE WHEN n >= 4 THEN (coalesce(z1, 0) + coalesce(z2, 0) + coalesce(z3, 0) + coalesce(z4, 0)
                                 + coalesce(z5, 0) + coalesce(z6, 0) + coalesce(z7, 0) + coalesce(z8, 0)) / n END
     FROM (SELECT square_id, z1, z2, z3, z4, z5, z6, z7, z8,
                  (z1 IS NOT NULL)::int + (z2 IS NOT NULL)::int + (z3 IS NOT NULL)::int + (z4 IS NOT NULL)::int
                  + (z5 IS NOT NULL)::int + (z6 IS NOT NULL)::int + (z7 IS NOT NULL)::int + (z8 IS NOT NULL)::int AS n
             FROM (SELECT square_id,
                          (unemployment_rate - avg(unemployment_rate) OVER w) / stddev(unemployment_rate) OVER w AS z1,
                          (youth_inactivity_rate - avg(youth_inactivity_rate) OVER w) / stddev(youth_inactivity_rate) OVER w AS z2,
                          (inactivity_rate - avg(inactivity_rate) OVER w) / stddev(inactivity_rate) OVER w AS z3,
                          (no_diploma_rate - avg(no_diploma_rate) OVER w) / stddev(no_diploma_rate) OVER w AS z4,
                          (single_parent_rate - avg(single_parent_rate) OVER w) / stddev(single_parent_rate) OVER w AS z5,
                          (overcrowding_rate - avg(overcrowding_rate) OVER w) / stddev(overcrowding_rate) OVER w AS z6,
                          (social_housing_rate - avg(social_housing_rate) OVER w) / stddev(social_housing_rate) OVER w AS z7,
                          -(median_income_uc - avg(median_income_uc) OVER w) / stddev(median_income_uc) OVER w AS z8
                     FROM nous_demo.squares WINDOW w AS (PARTITION BY epci_code)) z) c$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$),
('index', 'composite z-score index of 8 indicators, composite_agg over everything',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT s.key, s.score
     FROM (SELECT nous.composite_agg(square_id,
                    ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                          single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc],
                    NULL, '{1,1,1,1,1,1,1,-1}') AS r
             FROM nous_demo.squares) x, nous.composite_rows(x.r) s$$,
 $$SELECT square_id,
          CASE WHEN n >= 4 THEN (coalesce(z1, 0) + coalesce(z2, 0) + coalesce(z3, 0) + coalesce(z4, 0)
                                 + coalesce(z5, 0) + coalesce(z6, 0) + coalesce(z7, 0) + coalesce(z8, 0)) / n END
     FROM (SELECT square_id, z1, z2, z3, z4, z5, z6, z7, z8,
                  (z1 IS NOT NULL)::int + (z2 IS NOT NULL)::int + (z3 IS NOT NULL)::int + (z4 IS NOT NULL)::int
                  + (z5 IS NOT NULL)::int + (z6 IS NOT NULL)::int + (z7 IS NOT NULL)::int + (z8 IS NOT NULL)::int AS n
             FROM (SELECT square_id,
                          (unemployment_rate - avg(unemployment_rate) OVER w) / stddev(unemployment_rate) OVER w AS z1,
                          (youth_inactivity_rate - avg(youth_inactivity_rate) OVER w) / stddev(youth_inactivity_rate) OVER w AS z2,
                          (inactivity_rate - avg(inactivity_rate) OVER w) / stddev(inactivity_rate) OVER w AS z3,
                          (no_diploma_rate - avg(no_diploma_rate) OVER w) / stddev(no_diploma_rate) OVER w AS z4,
                          (single_parent_rate - avg(single_parent_rate) OVER w) / stddev(single_parent_rate) OVER w AS z5,
                          (overcrowding_rate - avg(overcrowding_rate) OVER w) / stddev(overcrowding_rate) OVER w AS z6,
                          (social_housing_rate - avg(social_housing_rate) OVER w) / stddev(social_housing_rate) OVER w AS z7,
                          -(median_income_uc - avg(median_income_uc) OVER w) / stddev(median_income_uc) OVER w AS z8
                     FROM nous_demo.squares WINDOW w AS ()) z) c$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$),
('index', 'composite z-score index of 8 indicators, composite_agg GROUP BY epci',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT s.key, s.score
     FROM (SELECT nous.composite_agg(square_id,
                    ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                          single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc],
                    NULL, '{1,1,1,1,1,1,1,-1}') AS r
             FROM nous_demo.squares GROUP BY epci_code) x, nous.composite_rows(x.r) s$$,
 $$SELECT square_id,
          CASE WHEN n >= 4 THEN (coalesce(z1, 0) + coalesce(z2, 0) + coalesce(z3, 0) + coalesce(z4, 0)
                                 + coalesce(z5, 0) + coalesce(z6, 0) + coalesce(z7, 0) + coalesce(z8, 0)) / n END
     FROM (SELECT square_id, z1, z2, z3, z4, z5, z6, z7, z8,
                  (z1 IS NOT NULL)::int + (z2 IS NOT NULL)::int + (z3 IS NOT NULL)::int + (z4 IS NOT NULL)::int
                  + (z5 IS NOT NULL)::int + (z6 IS NOT NULL)::int + (z7 IS NOT NULL)::int + (z8 IS NOT NULL)::int AS n
             FROM (SELECT square_id,
                          (unemployment_rate - avg(unemployment_rate) OVER w) / stddev(unemployment_rate) OVER w AS z1,
                          (youth_inactivity_rate - avg(youth_inactivity_rate) OVER w) / stddev(youth_inactivity_rate) OVER w AS z2,
                          (inactivity_rate - avg(inactivity_rate) OVER w) / stddev(inactivity_rate) OVER w AS z3,
                          (no_diploma_rate - avg(no_diploma_rate) OVER w) / stddev(no_diploma_rate) OVER w AS z4,
                          (single_parent_rate - avg(single_parent_rate) OVER w) / stddev(single_parent_rate) OVER w AS z5,
                          (overcrowding_rate - avg(overcrowding_rate) OVER w) / stddev(overcrowding_rate) OVER w AS z6,
                          (social_housing_rate - avg(social_housing_rate) OVER w) / stddev(social_housing_rate) OVER w AS z7,
                          -(median_income_uc - avg(median_income_uc) OVER w) / stddev(median_income_uc) OVER w AS z8
                     FROM nous_demo.squares WINDOW w AS (PARTITION BY epci_code)) z) c$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$);

-- the same over a partition that spills to disk (issue 14): the window
-- function reads the partition once and the executor once more; before 0.2.0
-- it moved its mark on every row, a temporary block read per row
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings)
SELECT module, 'composite z-score index of 8 indicators, OVER (), partition spilled (work_mem 64kB)',
       rows_sql, nous_sql, plain_sql, floor_sql, 'work_mem=64kB'
  FROM nous_bench.cases WHERE name = 'composite z-score index of 8 indicators, OVER ()';

-- the composite in two steps (issue 14): nous.composite_params (a combinable
-- aggregate) then nous.composite_score per row, against the best plain SQL
-- an analyst writes: the averages and deviations of the 8 indicators in one
-- aggregate (over everything, or GROUP BY epci joined back), then a per-row
-- expression (no window function); the same coverage rule (>= 4 of 8).
-- Each twice: serial (no parallel worker) and with 2 parallel workers.
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings) VALUES
('index', 'composite z-score index of 8 indicators, two steps over everything, serial',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT square_id,
          nous.composite_score(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc],
                               (SELECT nous.composite_params(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc], '{1,1,1,1,1,1,1,-1}')
                                  FROM nous_demo.squares))
     FROM nous_demo.squares$$,
 $$SELECT square_id,
          CASE WHEN n >= 4 THEN (coalesce(z1, 0) + coalesce(z2, 0) + coalesce(z3, 0) + coalesce(z4, 0)
                                 + coalesce(z5, 0) + coalesce(z6, 0) + coalesce(z7, 0) + coalesce(z8, 0)) / n END
     FROM (SELECT square_id, z1, z2, z3, z4, z5, z6, z7, z8,
                  (z1 IS NOT NULL)::int + (z2 IS NOT NULL)::int + (z3 IS NOT NULL)::int + (z4 IS NOT NULL)::int
                  + (z5 IS NOT NULL)::int + (z6 IS NOT NULL)::int + (z7 IS NOT NULL)::int + (z8 IS NOT NULL)::int AS n
             FROM (SELECT square_id,
                          (unemployment_rate - m1) / s1 AS z1,
                          (youth_inactivity_rate - m2) / s2 AS z2,
                          (inactivity_rate - m3) / s3 AS z3,
                          (no_diploma_rate - m4) / s4 AS z4,
                          (single_parent_rate - m5) / s5 AS z5,
                          (overcrowding_rate - m6) / s6 AS z6,
                          (social_housing_rate - m7) / s7 AS z7,
                          -(median_income_uc - m8) / s8 AS z8
                     FROM nous_demo.squares,
                          (SELECT avg(unemployment_rate) AS m1, stddev(unemployment_rate) AS s1,
                  avg(youth_inactivity_rate) AS m2, stddev(youth_inactivity_rate) AS s2,
                  avg(inactivity_rate) AS m3, stddev(inactivity_rate) AS s3,
                  avg(no_diploma_rate) AS m4, stddev(no_diploma_rate) AS s4,
                  avg(single_parent_rate) AS m5, stddev(single_parent_rate) AS s5,
                  avg(overcrowding_rate) AS m6, stddev(overcrowding_rate) AS s6,
                  avg(social_housing_rate) AS m7, stddev(social_housing_rate) AS s7,
                  avg(median_income_uc) AS m8, stddev(median_income_uc) AS s8
                             FROM nous_demo.squares) s) z) c$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$, 'max_parallel_workers_per_gather=0'),
('index', 'composite z-score index of 8 indicators, two steps per EPCI, serial',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT square_id, nous.composite_score(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc], p.p)
     FROM nous_demo.squares
     JOIN (SELECT epci_code, nous.composite_params(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc], '{1,1,1,1,1,1,1,-1}') AS p
             FROM nous_demo.squares GROUP BY epci_code) p USING (epci_code)$$,
 $$SELECT square_id,
          CASE WHEN n >= 4 THEN (coalesce(z1, 0) + coalesce(z2, 0) + coalesce(z3, 0) + coalesce(z4, 0)
                                 + coalesce(z5, 0) + coalesce(z6, 0) + coalesce(z7, 0) + coalesce(z8, 0)) / n END
     FROM (SELECT square_id, z1, z2, z3, z4, z5, z6, z7, z8,
                  (z1 IS NOT NULL)::int + (z2 IS NOT NULL)::int + (z3 IS NOT NULL)::int + (z4 IS NOT NULL)::int
                  + (z5 IS NOT NULL)::int + (z6 IS NOT NULL)::int + (z7 IS NOT NULL)::int + (z8 IS NOT NULL)::int AS n
             FROM (SELECT square_id,
                          (unemployment_rate - m1) / s1 AS z1,
                          (youth_inactivity_rate - m2) / s2 AS z2,
                          (inactivity_rate - m3) / s3 AS z3,
                          (no_diploma_rate - m4) / s4 AS z4,
                          (single_parent_rate - m5) / s5 AS z5,
                          (overcrowding_rate - m6) / s6 AS z6,
                          (social_housing_rate - m7) / s7 AS z7,
                          -(median_income_uc - m8) / s8 AS z8
                     FROM nous_demo.squares
                     JOIN (SELECT epci_code, avg(unemployment_rate) AS m1, stddev(unemployment_rate) AS s1,
                  avg(youth_inactivity_rate) AS m2, stddev(youth_inactivity_rate) AS s2,
                  avg(inactivity_rate) AS m3, stddev(inactivity_rate) AS s3,
                  avg(no_diploma_rate) AS m4, stddev(no_diploma_rate) AS s4,
                  avg(single_parent_rate) AS m5, stddev(single_parent_rate) AS s5,
                  avg(overcrowding_rate) AS m6, stddev(overcrowding_rate) AS s6,
                  avg(social_housing_rate) AS m7, stddev(social_housing_rate) AS s7,
                  avg(median_income_uc) AS m8, stddev(median_income_uc) AS s8
                             FROM nous_demo.squares GROUP BY epci_code) s USING (epci_code)) z) c$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$, 'max_parallel_workers_per_gather=0');
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings)
SELECT module, replace(name, ', serial', ', 2 parallel workers'), rows_sql, nous_sql, plain_sql, floor_sql,
       'max_parallel_workers_per_gather=2'
  FROM nous_bench.cases WHERE module = 'index' AND name LIKE '%two steps%serial';
-- step 1 alone (the parameters), serial and parallel: what parallel query splits
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings)
SELECT 'index', 'composite step 1 (parameters of 8 indicators over everything), ' || s.label,
       $$SELECT count(*) FROM nous_demo.squares$$,
       $$SELECT nous.composite_params(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc], '{1,1,1,1,1,1,1,-1}')
           FROM nous_demo.squares$$,
       $$SELECT avg(unemployment_rate) AS m1, stddev(unemployment_rate) AS s1,
                  avg(youth_inactivity_rate) AS m2, stddev(youth_inactivity_rate) AS s2,
                  avg(inactivity_rate) AS m3, stddev(inactivity_rate) AS s3,
                  avg(no_diploma_rate) AS m4, stddev(no_diploma_rate) AS s4,
                  avg(single_parent_rate) AS m5, stddev(single_parent_rate) AS s5,
                  avg(overcrowding_rate) AS m6, stddev(overcrowding_rate) AS s6,
                  avg(social_housing_rate) AS m7, stddev(social_housing_rate) AS s7,
                  avg(median_income_uc) AS m8, stddev(median_income_uc) AS s8
           FROM nous_demo.squares$$,
       $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$, s.settings
  FROM (VALUES ('serial', 'max_parallel_workers_per_gather=0'),
               ('2 parallel workers', 'max_parallel_workers_per_gather=2')) s(label, settings);

-- the rows scored in the workers: a query returning every row is planned
-- serial (each row would cross the Gather), one that consumes the scores
-- (here: how many squares score above 1) runs step 2 in the workers too
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings)
SELECT 'index', 'composite z-score index of 8 indicators, two steps, squares scoring above 1, ' || s.label,
       $$SELECT count(*) FROM nous_demo.squares$$,
       $$SELECT count(*) FILTER (WHERE nous.composite_score(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc],
                               (SELECT nous.composite_params(ARRAY[unemployment_rate, youth_inactivity_rate, inactivity_rate, no_diploma_rate,
                               single_parent_rate, overcrowding_rate, social_housing_rate, median_income_uc], '{1,1,1,1,1,1,1,-1}')
                                  FROM nous_demo.squares)) > 1)
           FROM nous_demo.squares$$,
       $$SELECT count(*) FILTER (WHERE CASE WHEN n >= 4 THEN (coalesce(z1, 0) + coalesce(z2, 0) + coalesce(z3, 0) + coalesce(z4, 0)
                                 + coalesce(z5, 0) + coalesce(z6, 0) + coalesce(z7, 0) + coalesce(z8, 0)) / n END > 1)
     FROM (SELECT z1, z2, z3, z4, z5, z6, z7, z8,
                  (z1 IS NOT NULL)::int + (z2 IS NOT NULL)::int + (z3 IS NOT NULL)::int + (z4 IS NOT NULL)::int
                  + (z5 IS NOT NULL)::int + (z6 IS NOT NULL)::int + (z7 IS NOT NULL)::int + (z8 IS NOT NULL)::int AS n
             FROM (SELECT (unemployment_rate - m1) / s1 AS z1,
                          (youth_inactivity_rate - m2) / s2 AS z2,
                          (inactivity_rate - m3) / s3 AS z3,
                          (no_diploma_rate - m4) / s4 AS z4,
                          (single_parent_rate - m5) / s5 AS z5,
                          (overcrowding_rate - m6) / s6 AS z6,
                          (social_housing_rate - m7) / s7 AS z7,
                          -(median_income_uc - m8) / s8 AS z8
                     FROM nous_demo.squares,
                          (SELECT avg(unemployment_rate) AS m1, stddev(unemployment_rate) AS s1,
                  avg(youth_inactivity_rate) AS m2, stddev(youth_inactivity_rate) AS s2,
                  avg(inactivity_rate) AS m3, stddev(inactivity_rate) AS s3,
                  avg(no_diploma_rate) AS m4, stddev(no_diploma_rate) AS s4,
                  avg(single_parent_rate) AS m5, stddev(single_parent_rate) AS s5,
                  avg(overcrowding_rate) AS m6, stddev(overcrowding_rate) AS s6,
                  avg(social_housing_rate) AS m7, stddev(social_housing_rate) AS s7,
                  avg(median_income_uc) AS m8, stddev(median_income_uc) AS s8
                             FROM nous_demo.squares) s) z) c$$,
       $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$, s.settings
  FROM (VALUES ('serial', 'max_parallel_workers_per_gather=0'),
               ('2 parallel workers', 'max_parallel_workers_per_gather=2')) s(label, settings);

-- the best plain SQL for the one-step forms too: a skilled analyst computes
-- the averages and deviations once (one aggregate, over everything or per
-- EPCI) and scores each row, rather than with window functions; the
-- one-step cases are measured against the same plain SQL as the two-step
-- cases of the same scope
UPDATE nous_bench.cases c SET plain_sql = t.plain_sql
  FROM nous_bench.cases t
 WHERE t.name = 'composite z-score index of 8 indicators, two steps over everything, serial'
   AND c.name IN ('composite z-score index of 8 indicators, OVER ()',
                  'composite z-score index of 8 indicators, OVER (), partition spilled (work_mem 64kB)',
                  'composite z-score index of 8 indicators, composite_agg over everything');
UPDATE nous_bench.cases c SET plain_sql = t.plain_sql
  FROM nous_bench.cases t
 WHERE t.name = 'composite z-score index of 8 indicators, two steps per EPCI, serial'
   AND c.name IN ('composite z-score index of 8 indicators, OVER (PARTITION BY epci)',
                  'composite z-score index of 8 indicators, composite_agg GROUP BY epci');

-- the stored definition (nous.index_compute): the same 8 indicators, median
-- income reversed, per EPCI; it returns the score, rank, class, coverage and
-- contributions of every square (more than the plain SQL, which gives the
-- score only: the plain SQL of the two-step case per EPCI)
SELECT nous.define_index('bench_fragility',
  '[{"column": "unemployment_rate"}, {"column": "youth_inactivity_rate"}, {"column": "inactivity_rate"},
    {"column": "no_diploma_rate"}, {"column": "single_parent_rate"}, {"column": "overcrowding_rate"},
    {"column": "social_housing_rate"}, {"column": "median_income_uc", "polarity": -1}]'::jsonb,
  replace => true);
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings)
SELECT 'index', 'stored index of 8 indicators (nous.index_compute per EPCI: score, rank, class, contributions)',
       rows_sql,
       $$SELECT count(*), sum(score), sum(class) FROM nous.index_compute('bench_fragility', 'nous_demo.squares', 'square_id', 'epci_code')$$,
       plain_sql, floor_sql, settings
  FROM nous_bench.cases WHERE name = 'composite z-score index of 8 indicators, two steps per EPCI, serial';
