-- Benchmark cases of the survey module: 1,000,000 respondents in 1,000
-- strata and 20,000 clusters (20 sampled of 100 per stratum), a deterministic
-- table of its own (kept between runs).  The plain reference computes the
-- same linearised variance of the mean in SQL: cluster totals, influence
-- values, n_h * var_samp by stratum with the fpc.
CREATE TABLE IF NOT EXISTS public.survey_respondents AS
SELECT g AS id, (g % 1000)::int AS stratum, (g % 20000)::int AS psu, 100.0::float8 AS fpc,
       ((g * 7919) % 1000) / 10.0 + (g % 1000) / 100.0 AS y, 1 + (g % 7) / 2.0 AS w,
       ((g * 104729) % 100) < 40 AS yes
  FROM generate_series(1::bigint, 1000000) g;
ANALYZE public.survey_respondents;

INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings) VALUES
('survey', 'mean and its SE, 1,000 strata x 20 clusters, fpc (svy_agg + svy_mean)',
 $$SELECT count(*) FROM public.survey_respondents$$,
 $$SELECT (nous.svy_mean(nous.svy_agg(y, w, stratum, psu, fpc))).se FROM public.survey_respondents$$,
 $$WITH p AS (SELECT stratum, psu, min(fpc) AS fpc, sum(w * y) AS a, sum(w) AS c
                FROM public.survey_respondents GROUP BY stratum, psu),
        t AS (SELECT sum(a) / sum(c) AS m, sum(c) AS wt FROM p),
        h AS (SELECT stratum, count(*) AS n, min(fpc) AS fpc, var_samp((a - m * c) / wt) AS v FROM p, t GROUP BY stratum)
   SELECT sqrt(sum((1 - n / fpc) * n * v)) FROM h$$,
 $$SELECT sum(y) FROM public.survey_respondents$$,
 'max_parallel_workers_per_gather = 0'),
('survey', 'proportion with Wilson interval, 1,000 strata x 20 clusters (svy_agg + svy_ciprop)',
 $$SELECT count(*) FROM public.survey_respondents$$,
 $$SELECT (nous.svy_ciprop(nous.svy_agg(yes::int, w, stratum, psu, fpc), 'wilson')).lower FROM public.survey_respondents$$,
 $$WITH p AS (SELECT stratum, psu, min(fpc) AS fpc, sum(w * yes::int) AS a, sum(w) AS c
                FROM public.survey_respondents GROUP BY stratum, psu),
        t AS (SELECT sum(a) / sum(c) AS m, sum(c) AS wt FROM p),
        h AS (SELECT stratum, count(*) AS n, min(fpc) AS fpc, var_samp((a - m * c) / wt) AS v FROM p, t GROUP BY stratum)
   SELECT sqrt(sum((1 - n / fpc) * n * v)) FROM h$$,
 $$SELECT sum(yes::int) FROM public.survey_respondents$$,
 'max_parallel_workers_per_gather = 0'),
('survey', 'Kaplan-Meier median of 1,000,000 delays (km_agg + km_quantile)',
 $$SELECT count(*) FROM public.survey_respondents$$,
 $$SELECT (nous.km_quantile(nous.km_agg(floor(y / 5), NOT yes))).delay FROM public.survey_respondents$$,
 $$SELECT count(*) FROM (SELECT floor(y / 5) AS t, count(*) FILTER (WHERE NOT yes) AS d, count(*) AS n
                          FROM public.survey_respondents GROUP BY 1) s$$,
 $$SELECT sum(y) FROM public.survey_respondents$$,
 'max_parallel_workers_per_gather = 0');
