-- Benchmark cases of the classes module: class breaks of one indicator over
-- every 200 m square.  There is no plain-SQL way to compute exact natural
-- breaks: the plain reference is what an analyst does instead, quantile
-- breaks with percentile_cont (a sort of all values).
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('classes', 'natural breaks (Fisher, exact), k = 7, median income of every square',
 $$SELECT count(median_income_uc) FROM nous_demo.squares$$,
 $$SELECT nous.breaks(median_income_uc, 7) FROM nous_demo.squares$$,
 $$SELECT percentile_cont(ARRAY[1/7.0, 2/7.0, 3/7.0, 4/7.0, 5/7.0, 6/7.0, 1]) WITHIN GROUP (ORDER BY median_income_uc)
     FROM nous_demo.squares$$,
 $$SELECT sum(median_income_uc) FROM nous_demo.squares$$),
('classes', 'natural breaks (Fisher, exact), k = 7, all values distinct',
 $$SELECT count(median_income_uc) FROM nous_demo.squares$$,
 $$SELECT nous.breaks(median_income_uc + square_id % 99991 * 1e-6, 7) FROM nous_demo.squares$$,
 $$SELECT percentile_cont(ARRAY[1/7.0, 2/7.0, 3/7.0, 4/7.0, 5/7.0, 6/7.0, 1])
            WITHIN GROUP (ORDER BY median_income_uc + square_id % 99991 * 1e-6)
     FROM nous_demo.squares$$,
 $$SELECT sum(median_income_uc + square_id % 99991 * 1e-6) FROM nous_demo.squares$$),
('classes', 'quantile breaks (type 7), k = 5, unemployment rate',
 $$SELECT count(unemployment_rate) FROM nous_demo.squares$$,
 $$SELECT nous.breaks(unemployment_rate, 5, 'quantile') FROM nous_demo.squares$$,
 $$SELECT percentile_cont(ARRAY[0.2, 0.4, 0.6, 0.8, 1]) WITHIN GROUP (ORDER BY unemployment_rate) FROM nous_demo.squares$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$),
('classes', 'class of every square for given breaks',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT square_id, nous.class_of(unemployment_rate, '{0.05,0.08,0.1,0.15,0.2,1}') FROM nous_demo.squares$$,
 $$SELECT square_id, CASE WHEN unemployment_rate <= 0.05 THEN 1 WHEN unemployment_rate <= 0.08 THEN 2
                          WHEN unemployment_rate <= 0.1 THEN 3 WHEN unemployment_rate <= 0.15 THEN 4
                          WHEN unemployment_rate <= 0.2 THEN 5 WHEN unemployment_rate IS NOT NULL THEN 6 END
     FROM nous_demo.squares$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$);
