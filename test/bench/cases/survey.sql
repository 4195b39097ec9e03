-- Benchmark cases of the survey module: 1,000,000 respondents in 1,000
-- strata and 20,000 clusters (20 sampled of 100 per stratum), 5 second-stage
-- units per cluster (of 50), a deterministic table of its own (kept between
-- runs).  y and w are float8, the type the aggregate takes (the table of
-- 0.1.x bench runs held numeric columns: two numeric -> float8 casts per row
-- then cost more than the estimate itself).  The rows arrive cluster after
-- cluster in a repeated order; a copy in random order measures the cost of
-- a random access to the cluster table per row.  The plain references
-- compute the same linearised variance in SQL: cluster totals, influence
-- values, n_h * var_samp by stratum with the fpc (and, for two stages, the
-- SSU totals within each cluster).
CREATE TABLE IF NOT EXISTS public.survey_respondents_f8 AS
SELECT g AS id, (g % 1000)::int AS stratum, (g % 20000)::int AS psu, (g % 100000)::int AS ssu,
       100.0::float8 AS fpc, 50.0::float8 AS fpc2,
       (((g * 7919) % 1000) / 10.0 + (g % 1000) / 100.0)::float8 AS y, (1 + (g % 7) / 2.0)::float8 AS w,
       ((g * 104729) % 100) < 40 AS yes
  FROM generate_series(1::bigint, 1000000) g;
VACUUM ANALYZE public.survey_respondents_f8;
CREATE TABLE IF NOT EXISTS public.survey_respondents_shuffled AS
SELECT * FROM public.survey_respondents_f8 ORDER BY md5(id::text);
VACUUM ANALYZE public.survey_respondents_shuffled;

INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings) VALUES
('survey', 'mean and its SE, 1,000 strata x 20 clusters, fpc (svy_agg + svy_mean)',
 $$SELECT count(*) FROM public.survey_respondents_f8$$,
 $$SELECT (nous.svy_mean(nous.svy_agg(y, w, stratum, psu, fpc))).se FROM public.survey_respondents_f8$$,
 $$WITH p AS (SELECT stratum, psu, min(fpc) AS fpc, sum(w * y) AS a, sum(w) AS c
                FROM public.survey_respondents_f8 GROUP BY stratum, psu),
        t AS (SELECT sum(a) / sum(c) AS m, sum(c) AS wt FROM p),
        h AS (SELECT stratum, count(*) AS n, min(fpc) AS fpc, var_samp((a - m * c) / wt) AS v FROM p, t GROUP BY stratum)
   SELECT sqrt(sum((1 - n / fpc) * n * v)) FROM h$$,
 $$SELECT sum(y) FROM public.survey_respondents_f8$$,
 'max_parallel_workers_per_gather = 0'),
('survey', 'proportion with Wilson interval, 1,000 strata x 20 clusters (svy_agg + svy_ciprop)',
 $$SELECT count(*) FROM public.survey_respondents_f8$$,
 $$SELECT (nous.svy_ciprop(nous.svy_agg(yes::int, w, stratum, psu, fpc), 'wilson')).lower FROM public.survey_respondents_f8$$,
 $$WITH p AS (SELECT stratum, psu, min(fpc) AS fpc, sum(w * yes::int) AS a, sum(w) AS c
                FROM public.survey_respondents_f8 GROUP BY stratum, psu),
        t AS (SELECT sum(a) / sum(c) AS m, sum(c) AS wt FROM p),
        h AS (SELECT stratum, count(*) AS n, min(fpc) AS fpc, var_samp((a - m * c) / wt) AS v FROM p, t GROUP BY stratum)
   SELECT sqrt(sum((1 - n / fpc) * n * v)) FROM h$$,
 $$SELECT sum(yes::int) FROM public.survey_respondents_f8$$,
 'max_parallel_workers_per_gather = 0'),
('survey', 'mean and its SE, the same rows in random order (svy_agg + svy_mean)',
 $$SELECT count(*) FROM public.survey_respondents_shuffled$$,
 $$SELECT (nous.svy_mean(nous.svy_agg(y, w, stratum, psu, fpc))).se FROM public.survey_respondents_shuffled$$,
 $$WITH p AS (SELECT stratum, psu, min(fpc) AS fpc, sum(w * y) AS a, sum(w) AS c
                FROM public.survey_respondents_shuffled GROUP BY stratum, psu),
        t AS (SELECT sum(a) / sum(c) AS m, sum(c) AS wt FROM p),
        h AS (SELECT stratum, count(*) AS n, min(fpc) AS fpc, var_samp((a - m * c) / wt) AS v FROM p, t GROUP BY stratum)
   SELECT sqrt(sum((1 - n / fpc) * n * v)) FROM h$$,
 $$SELECT sum(y) FROM public.survey_respondents_shuffled$$,
 'max_parallel_workers_per_gather = 0'),
('survey', 'mean and its SE, two stages (100,000 SSUs in the 20,000 clusters), fpc1 and fpc2',
 $$SELECT count(*) FROM public.survey_respondents_f8$$,
 $$SELECT (nous.svy_mean(nous.svy_agg(y, w, stratum, psu, fpc, ssu, fpc2))).se FROM public.survey_respondents_f8$$,
 $$WITH t AS (SELECT sum(w * y) / sum(w) AS m, sum(w) AS wt FROM public.survey_respondents_f8),
        s AS (SELECT stratum, psu, ssu, min(fpc) AS fpc, min(fpc2) AS fpc2, sum(w * (y - t.m) / t.wt) AS z
                FROM public.survey_respondents_f8, t GROUP BY stratum, psu, ssu),
        p AS (SELECT stratum, psu, min(fpc) AS fpc, min(fpc2) AS fpc2, sum(z) AS z, count(*) AS n2,
                     coalesce(var_samp(z), 0) AS v2 FROM s GROUP BY stratum, psu),
        h AS (SELECT stratum, count(*) AS n, min(fpc) AS fpc, var_samp(z) AS v,
                     sum((1 - n2 / fpc2) * n2 * v2) AS v2 FROM p GROUP BY stratum)
   SELECT sqrt(sum((1 - n / fpc) * n * v + n / fpc * v2)) FROM h$$,
 $$SELECT sum(y) FROM public.survey_respondents_f8$$,
 'max_parallel_workers_per_gather = 0'),
('survey', 'Kaplan-Meier median of 1,000,000 delays (km_agg + km_quantile)',
 $$SELECT count(*) FROM public.survey_respondents_f8$$,
 $$SELECT (nous.km_quantile(nous.km_agg(floor(y / 5), NOT yes))).delay FROM public.survey_respondents_f8$$,
 $$SELECT count(*) FROM (SELECT floor(y / 5) AS t, count(*) FILTER (WHERE NOT yes) AS d, count(*) AS n
                          FROM public.survey_respondents_f8 GROUP BY 1) s$$,
 $$SELECT sum(y) FROM public.survey_respondents_f8$$,
 'max_parallel_workers_per_gather = 0');
