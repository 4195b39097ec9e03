-- Benchmark cases of the index module: the composite score of every 200 m
-- square from its 8 indicators (median income reversed), over the whole
-- territory and per EPCI, against the plain-SQL way (avg/stddev window
-- functions, direction, mean of the components present, coverage >= 0.5).
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
