-- survey: hand-computed cases of the design-based estimators, the lonely
-- PSU rules, storable and mergeable states (parallel = serial, merged waves
-- = one pass), proportion intervals, calibration, and bad inputs.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- stratum A: (y, w) = (1, 2), (3, 2); stratum B: (2, 1), (4, 1), (6, 1)
CREATE TABLE hand (id int, stratum text, psu int, y float8, w float8, fpc float8);
INSERT INTO hand VALUES (1, 'A', NULL, 1, 2, 4), (2, 'A', NULL, 3, 2, 4),
  (3, 'B', NULL, 2, 1, 6), (4, 'B', NULL, 4, 1, 6), (5, 'B', NULL, 6, 1, 6);
-- total 20; V = 2 (2-4)^2 + 2 (6-4)^2 ... = 16 + 12 = 28, SE sqrt(28) = 5.2915026221
-- mean 20/7 = 2.8571428571, SE sqrt(28)/7 = 0.7559289460; with fpc (f = 1/2 in both) V halves
SELECT 'total' AS est, round((e).estimate::numeric, 10) AS estimate, round((e).se::numeric, 10) AS se,
       round((e).cv::numeric, 10) AS cv, (e).df, (e).n
  FROM (SELECT nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, NULL)) AS e FROM hand) s
UNION ALL
SELECT 'mean', round((e).estimate::numeric, 10), round((e).se::numeric, 10), round((e).cv::numeric, 10), (e).df, (e).n
  FROM (SELECT nous.svy_mean(nous.svy_agg(y, w, stratum, NULL::int, NULL)) AS e FROM hand) s
UNION ALL
SELECT 'total fpc', round((e).estimate::numeric, 10), round((e).se::numeric, 10), round((e).cv::numeric, 10), (e).df, (e).n
  FROM (SELECT nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, fpc)) AS e FROM hand) s
UNION ALL
SELECT 'total fraction', round((e).estimate::numeric, 10), round((e).se::numeric, 10), round((e).cv::numeric, 10), (e).df, (e).n
  FROM (SELECT nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, 0.5)) AS e FROM hand) s;
SELECT abs((nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, NULL))).se - sqrt(28)) < 1e-12 AS total_se_hand,
       abs((nous.svy_mean(nous.svy_agg(y, w, stratum, NULL::int, NULL))).se - sqrt(28) / 7) < 1e-12 AS mean_se_hand,
       abs((nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, fpc))).se - sqrt(14)) < 1e-12 AS fpc_se_hand
  FROM hand;

-- clusters: one stratum, PSU totals 3, 3, 8: total 14, V = 3/2 * 150/9 = 25, SE 5
CREATE TABLE clus (stratum int, psu int, y float8, w float8);
INSERT INTO clus VALUES (1, 1, 1, 1), (1, 1, 2, 1), (1, 2, 3, 1), (1, 3, 4, 2);
SELECT (e).estimate, (e).se, (e).df, (e).n, i.units, i.strata
  FROM (SELECT nous.svy_total(nous.svy_agg(y, w, stratum, psu, NULL)) AS e,
               nous.svy_info(nous.svy_agg(y, w, stratum, psu, NULL)) AS i FROM clus) s,
       LATERAL (SELECT (s.i).*) i;
-- ratio sum w y / sum w x with x = 1: the mean; with text keys the same
SELECT round((nous.svy_ratio(nous.svy_agg(y, 1, w, stratum, psu, NULL))).se::numeric, 12) =
       round((nous.svy_mean(nous.svy_agg(y, w, stratum, psu, NULL))).se::numeric, 12) AS ratio_is_mean,
       nous.svy_total(nous.svy_agg(y, w, stratum::text, psu::text, NULL)) =
       nous.svy_total(nous.svy_agg(y, w, stratum, psu, NULL)) AS text_keys_same
  FROM clus;
-- the keys are text or bigint (integer and smallint cast implicitly); a bare NULL resolves
SELECT (nous.svy_total(nous.svy_agg(y, w, NULL, psu, NULL))).se AS psu_only_se,
       (nous.svy_total(nous.svy_agg(y, w, NULL, NULL, NULL))).estimate AS no_design_total,
       (nous.svy_total(nous.svy_agg(y, w, 'one', psu, NULL))).se AS text_stratum_int_psu
  FROM clus;

-- ---- lonely PSU: add a stratum C with one row (y 5, w 1) ----
INSERT INTO hand VALUES (6, 'C', NULL, 5, 1, NULL);
UPDATE hand SET fpc = NULL;
\set VERBOSITY default
SELECT nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, NULL)) FROM hand;
-- certainty and remove: 28; adjust: 28 + (5 - 25/6)^2 = 28.694444; average: 28 * 3/2 = 42
SELECT rule, round(((nous.svy_total(s, rule)).se ^ 2)::numeric, 9) AS variance
  FROM (SELECT nous.svy_agg(y, w, stratum, NULL::int, NULL) AS s FROM hand) x,
       unnest(ARRAY['certainty', 'remove', 'adjust', 'average']) AS rule;
-- a single PSU that is its whole stratum (fpc 1 = a census) contributes 0 without a rule
SELECT round(((nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, CASE WHEN stratum = 'C' THEN 1 END))).se ^ 2)::numeric, 9)
  FROM hand;
CALL public.expect_error($e$SELECT nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, NULL), 'nearest') FROM hand$e$);

-- ---- domains: y NULL outside the domain keeps every unit of the design ----
-- the domain y < 4 of the first table: total 2 + 6 + 2 = 10, V = 16 + 4 = 20, its SE uses stratum B's units as zeros
SELECT (e).estimate, round((e).se::numeric, 10) AS se, (e).n
  FROM (SELECT nous.svy_total(nous.svy_agg(CASE WHEN y < 4 THEN y END, w, stratum, NULL::int, NULL), 'certainty') AS e FROM hand) s;

-- ---- storable states: text round trip, stored in a table, merged ----
CREATE TABLE states AS
SELECT stratum, nous.svy_agg(y, w, stratum, NULL::int, NULL) AS s FROM hand GROUP BY stratum;
SELECT s::text FROM states ORDER BY stratum;
SELECT bool_and(s::text::nous.svystate::text = s::text) AS round_trip FROM states;
SELECT (nous.svy_total(nous.svy_merge(nous.svy_merge(a.s, b.s), c.s), 'adjust')).se =
       (SELECT (nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, NULL), 'adjust')).se FROM hand) AS merged_equals_one_pass
  FROM states a, states b, states c WHERE a.stratum = 'A' AND b.stratum = 'B' AND c.stratum = 'C';
SELECT 'c(1,2:3,3,2,2,0)'::nous.svystate;
SELECT nous.svy_total('c(1,2:3,3,2,2,0)(1,3:8,2,2,1,0)') AS two_psus;

-- ---- parallel = serial; merged waves = one pass (20,000 rows, 400 clusters) ----
CREATE TABLE big AS
SELECT g AS id, (g % 40) AS stratum, (g % 400) AS psu, ((g * 7919) % 1000) / 10.0 AS y,
       1 + (g % 13) / 4.0 AS w, (g % 2) AS wave
  FROM generate_series(1, 20000) g;
ANALYZE big;
CREATE TABLE serial AS SELECT nous.svy_agg(y, w, stratum, psu, 4000) AS c, nous.svy_agg(y, w, stratum, NULL::int, NULL) AS u FROM big;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.svy_agg(y, w, stratum, psu, 4000) FROM big;
CREATE TABLE par AS SELECT nous.svy_agg(y, w, stratum, psu, 4000) AS c, nous.svy_agg(y, w, stratum, NULL::int, NULL) AS u FROM big;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
SELECT abs((nous.svy_mean(p.c)).se / (nous.svy_mean(s.c)).se - 1) < 1e-12 AS clustered_se_same,
       abs((nous.svy_mean(p.c)).estimate / (nous.svy_mean(s.c)).estimate - 1) < 1e-12 AS clustered_mean_same,
       abs((nous.svy_mean(p.u)).se / (nous.svy_mean(s.u)).se - 1) < 1e-12 AS unclustered_se_same,
       (nous.svy_info(p.c)).units = 400 AND (nous.svy_info(p.c)).strata = 40 AS design_same
  FROM par p, serial s;
SELECT abs((nous.svy_mean(nous.svy_merge(w0.c, w1.c))).se / (nous.svy_mean(s.c)).se - 1) < 1e-12 AS waves_se_same,
       abs((nous.svy_mean(nous.svy_merge(w0.u, w1.u))).se / (nous.svy_mean(s.u)).se - 1) < 1e-12 AS waves_unclustered_same
  FROM serial s,
       (SELECT nous.svy_agg(y, w, stratum, psu, 4000) AS c, nous.svy_agg(y, w, stratum, NULL::int, NULL) AS u FROM big WHERE wave = 0) w0,
       (SELECT nous.svy_agg(y, w, stratum, psu, 4000) AS c, nous.svy_agg(y, w, stratum, NULL::int, NULL) AS u FROM big WHERE wave = 1) w1;

-- ---- two stages (R survey's default multistage estimator) ----
-- one stratum of N1 = 4 districts, 2 sampled; district 1: 2 of 4 schools
-- (school a: y 1 w 2; school b: rows (3, 2) and (1, 2)), district 2: 3 of 6
-- schools ((2, 1), (6, 1), (4, 1)).  Total z = w y: SSU totals 2, 8 | 2, 6, 4;
-- PSU totals 10, 12.  Stage 1: (1 - 2/4) 2/1 ((10-11)^2 + (12-11)^2) = 2.
-- Stage 2, times n1/N1 = 1/2: district 1 (1 - 2/4) 2/1 (9 + 9) = 18 -> 9;
-- district 2 (1 - 3/6) 3/2 (4 + 4 + 0) = 6 -> 3.  V = 14.
-- Without fpc1 (with replacement): 2 (1 + 1) = 4, no second stage (as R).
-- Without fpc2: 2 + (36 + 12)/2 = 26.  fpc as fractions (1/2, 1/2): 14.
-- (ssu has the type of psu: text or bigint, integer and smallint cast implicitly)
CREATE TABLE two (id int, stratum text, psu int, ssu int, y float8, w float8, fpc1 float8, fpc2 float8);
INSERT INTO two VALUES (1, 'S', 1, 11, 1, 2, 4, 4), (2, 'S', 1, 12, 3, 2, 4, 4), (3, 'S', 1, 12, 1, 2, 4, 4),
  (4, 'S', 2, 21, 2, 1, 4, 6), (5, 'S', 2, 22, 6, 1, 4, 6), (6, 'S', 2, 23, 4, 1, 4, 6);
SELECT v, (e).estimate, round(((e).se ^ 2)::numeric, 10) AS variance, (e).df, (e).n
  FROM (SELECT 'counts' AS v, nous.svy_total(nous.svy_agg(y, w, stratum, psu::text, fpc1, ssu::text, fpc2)) AS e FROM two
        UNION ALL SELECT 'fractions', nous.svy_total(nous.svy_agg(y, w, stratum, psu, 0.5, ssu, 0.5)) FROM two
        UNION ALL SELECT 'no fpc1', nous.svy_total(nous.svy_agg(y, w, stratum, psu, NULL, ssu, fpc2)) FROM two
        UNION ALL SELECT 'no fpc2', nous.svy_total(nous.svy_agg(y, w, stratum, psu, fpc1, ssu, NULL)) FROM two
        UNION ALL SELECT 'one stage', nous.svy_total(nous.svy_agg(y, w, stratum, psu, fpc1)) FROM two) s;
SELECT abs((nous.svy_total(nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2))).se - sqrt(14)) < 1e-12 AS two_stage_hand,
       abs((nous.svy_total(nous.svy_agg(y, w, NULL, psu::text, fpc1, ssu::text, fpc2))).se - sqrt(14)) < 1e-12 AS text_keys,
       abs((nous.svy_ratio(nous.svy_agg(y, 1, w, stratum, psu, fpc1, ssu, fpc2))).se -
           (nous.svy_mean(nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2))).se) < 1e-12 AS ratio_is_mean
  FROM two;
-- the mean: m = 22/9, z = w (y - m)/9; SSU totals a = 2(1 - m)/9, b = (8 - 4m)/9 |
-- c = (2 - m)/9, d = (6 - m)/9, e = (4 - m)/9; PSU totals P1 = -P2 (z sums to 0)
SELECT round(((nous.svy_mean(nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2))).se ^ 2)::numeric, 10) AS mean_variance,
       round((0.5 * 2 * 2 * ((a + b) ^ 2)
              + 0.5 * (0.5 * 2 * 2 * ((a - b) / 2) ^ 2)
              + 0.5 * (0.5 * 1.5 * ((c - (c + d + e) / 3) ^ 2 + (d - (c + d + e) / 3) ^ 2 + (e - (c + d + e) / 3) ^ 2)))::numeric, 10) AS by_hand
  FROM two, (SELECT 2 * (1 - m) / 9 AS a, (8 - 4 * m) / 9 AS b, (2 - m) / 9 AS c, (6 - m) / 9 AS d, (4 - m) / 9 AS e
               FROM (SELECT 22 / 9.0 AS m) m) h
 GROUP BY a, b, c, d, e;
-- the domain y < 4: SSU totals 2, 8 | 2, 0, 0; PSU totals 10, 2: stage 1 32,
-- stage 2 9 + (1/2)(1/2)(3/2)(24/9) = 10: V = 42
SELECT (e).estimate, round(((e).se ^ 2)::numeric, 10) AS variance, (e).n
  FROM (SELECT nous.svy_total(nous.svy_agg(CASE WHEN y < 4 THEN y END, w, stratum, psu, fpc1, ssu, fpc2)) AS e FROM two) s;
-- lonely second-stage unit: district 3 with one school (y 5, w 1) of 3
INSERT INTO two VALUES (7, 'S', 3, 31, 5, 1, 4, 3);
SELECT nous.svy_total(nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2)) FROM two;
-- every other rule: that district's second stage counts 0 (the same as a school that is the whole district)
SELECT rule, (nous.svy_total(s, rule)).se = (SELECT (nous.svy_total(nous.svy_agg(y, w, stratum, psu, fpc1, ssu,
              CASE WHEN psu = 3 THEN 1 ELSE fpc2 END))).se FROM two) AS as_whole_district
  FROM (SELECT nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2) AS s FROM two) x,
       unnest(ARRAY['certainty', 'remove', 'adjust', 'average']) AS rule;
-- a lonely PSU at the first stage follows the rule as in one-stage designs: districts 1
-- and 2 as strata of one PSU each (certainty: 0), their second stages times n1/N1 = 1/4: (18 + 6)/4 = 6
SELECT round(((nous.svy_total(nous.svy_agg(y, w, psu::text, psu, fpc1, ssu, fpc2), 'certainty')).se ^ 2)::numeric, 10) AS strata_of_one_psu
  FROM two WHERE psu < 3;
-- storable: text round trip; merged parts = one pass; parallel = serial
SELECT s::text, s::text::nous.svystate::text = s::text AS round_trip
  FROM (SELECT nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2) AS s FROM two WHERE psu = 1) x;
SELECT (nous.svy_total(nous.svy_merge(a.s, b.s), 'certainty')).se = (SELECT (nous.svy_total(nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2), 'certainty')).se FROM two) AS merged_equals_one_pass
  FROM (SELECT nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2) AS s FROM two WHERE id % 2 = 0) a,
       (SELECT nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2) AS s FROM two WHERE id % 2 = 1) b;
CREATE TABLE big2 AS
SELECT g AS id, (g % 20) AS stratum, (g % 400) AS psu, (g % 4000) AS ssu, ((g * 7919) % 1000) / 10.0 AS y,
       1 + (g % 13) / 4.0 AS w, (g % 2) AS wave
  FROM generate_series(1, 20000) g;
ANALYZE big2;
CREATE TABLE serial2 AS SELECT nous.svy_agg(y, w, stratum, psu, 100, ssu, 50) AS c FROM big2;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.svy_agg(y, w, stratum, psu, 100, ssu, 50) FROM big2;
CREATE TABLE par2 AS SELECT nous.svy_agg(y, w, stratum, psu, 100, ssu, 50) AS c FROM big2;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
SELECT abs((nous.svy_mean(p.c)).se / (nous.svy_mean(s.c)).se - 1) < 1e-12 AS two_stage_se_same,
       abs((nous.svy_mean(p.c)).estimate / (nous.svy_mean(s.c)).estimate - 1) < 1e-12 AS two_stage_mean_same,
       (nous.svy_mean(s.c)).se > (SELECT (nous.svy_mean(nous.svy_agg(y, w, stratum, psu, 100))).se FROM big2) AS second_stage_adds,
       (nous.svy_info(p.c)).units = 400 AND (nous.svy_info(p.c)).strata = 20 AS design_same,
       abs((nous.svy_mean(nous.svy_merge(w0.c, w1.c))).se / (nous.svy_mean(s.c)).se - 1) < 1e-12 AS waves_same
  FROM par2 p, serial2 s,
       (SELECT nous.svy_agg(y, w, stratum, psu, 100, ssu, 50) AS c FROM big2 WHERE wave = 0) w0,
       (SELECT nous.svy_agg(y, w, stratum, psu, 100, ssu, 50) AS c FROM big2 WHERE wave = 1) w1;
-- bad inputs of two-stage designs
CALL public.expect_error($e$SELECT nous.svy_agg(y, w, stratum, psu, fpc1, CASE WHEN id > 1 THEN ssu END, fpc2) FROM two$e$);
CALL public.expect_error($e$SELECT nous.svy_agg(y, w, stratum, NULL::int, fpc1, ssu, fpc2) FROM two$e$);
CALL public.expect_error($e$SELECT nous.svy_agg(y, w, stratum, psu, fpc1, ssu, -1) FROM two$e$);
CALL public.expect_error($e$SELECT nous.svy_agg(y, w, stratum, psu, fpc1, ssu, CASE WHEN id = 3 THEN 5 ELSE fpc2 END) FROM two$e$);
CALL public.expect_error($e$SELECT nous.svy_total(nous.svy_agg(y, w, stratum, psu, fpc1, ssu, 1.5)) FROM two$e$);
CALL public.expect_error($e$SELECT nous.svy_merge(a.s, (SELECT nous.svy_agg(y, w, stratum, psu, fpc1) FROM two))
  FROM (SELECT nous.svy_agg(y, w, stratum, psu, fpc1, ssu, fpc2) AS s FROM two) a$e$);
CALL public.expect_error($e$SELECT '2(1,2:3,3,2,2,0,0,-1,0)'::nous.svystate$e$);
DROP TABLE two, big2, serial2, par2;

-- ---- proportions: intervals and the publication flag ----
SELECT m, round((c).estimate::numeric, 6) AS p, round((c).lower::numeric, 6) AS lower,
       round((c).upper::numeric, 6) AS upper, (c).df
  FROM (SELECT m, nous.svy_ciprop(nous.svy_agg((y > 50)::int, w, stratum, psu, NULL), m) AS c
          FROM big, unnest(ARRAY['mean', 'logit', 'asin', 'wilson', 'beta']) AS m GROUP BY m) s
 ORDER BY m;
-- p = 0: no interval on the logit scale (NULL bounds); Wald gives [0, 0]
SELECT (nous.svy_ciprop(nous.svy_agg(0, w, stratum, psu, NULL))).lower IS NULL AS logit_null,
       (nous.svy_ciprop(nous.svy_agg(0, w, stratum, psu, NULL), 'mean')).upper AS wald_upper
  FROM big;
SELECT nous.svy_publishable(ROW(0.5, 0.05, 0.1, 10, 100)::nous.svy_estimate) AS ok,
       nous.svy_publishable(ROW(0.5, 0.15, 0.3, 10, 100)::nous.svy_estimate) AS cv_too_high,
       nous.svy_publishable(ROW(0.5, 0.05, 0.1, 10, 12)::nous.svy_estimate) AS too_few,
       nous.svy_publishable(ROW(0.5, 0.15, 0.3, 10, 100)::nous.svy_estimate, max_cv => 0.35) AS looser;

-- ---- calibration: hand case, post-stratification on two cells ----
-- d = (1, 1, 2); cells (a, a, b); totals a = 4, b = 3 -> weights 2, 2, 3 for every method
SELECT m, (c).weights, (c).iterations, (c).max_error = 0 AS exact
  FROM unnest(ARRAY['linear', 'raking']) AS m,
       nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[4, 3]::float8[], m) AS c
 ORDER BY m;
SELECT (nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[4, 3]::float8[],
                           'logit', 0.5, 3)).weights;
-- residuals of y on the cells: y minus its cell mean
SELECT nous.svy_greg_residuals(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[1, 3, 5]::float8[]);

-- ---- bad inputs: messages, details and hints ----
SELECT nous.svy_agg(y, 0, stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg(y, -1, stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg(y, NULL, stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg(y, 'NaN', stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg('Infinity'::float8, w, stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg(y, w, stratum, NULL::int, -3) FROM hand;
SELECT nous.svy_agg(y, w, stratum, CASE WHEN id > 2 THEN id END, NULL) FROM hand;
SELECT nous.svy_agg(y, w, stratum, NULL::int, id) FROM hand;
SELECT nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, 2)) FROM hand;
-- (PostgreSQL's own lookup error: its hint differs between versions)
CALL public.expect_error($e$SELECT nous.svy_agg(y, w, stratum, now(), NULL) FROM hand$e$);
SELECT nous.svy_merge(a.s, (SELECT nous.svy_agg(y, w, stratum, psu, NULL) FROM clus)) FROM states a WHERE stratum = 'A';
SELECT 'x(1,2:3)'::nous.svystate;
SELECT 'c(1,2:3,3,2)'::nous.svystate;
SELECT 'c(1,2:3,3,-2,2,0)'::nous.svystate;
SELECT 'c(1,3:3,3,2,2,0)(1,2:3,3,2,2,0)'::nous.svystate;
SELECT 'k(0,0:1,0)'::nous.svystate;
SELECT nous.svy_ciprop(s, 'exact') FROM states WHERE stratum = 'B';
SELECT nous.svy_ciprop(s, 'logit', 1.5) FROM states WHERE stratum = 'B';
SELECT nous.svy_ciprop(nous.svy_agg(y, w, stratum, NULL::int, NULL)) FROM hand;
SELECT nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[1, 0, 1]::float8[], ARRAY[4, 3]::float8[]);
SELECT nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[4]::float8[]);
SELECT nous.svy_calibrate(ARRAY[1, 0, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[4, 3]::float8[]);
SELECT nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, NULL], [0, 1]]::float8[], ARRAY[4, 3]::float8[]);
SELECT nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[4, 3]::float8[], 'logit');
SELECT nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[4, 3]::float8[], 'logit', 1.2, 3);
SELECT nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[4, 3]::float8[], 'linear', 0.5, 2);
SELECT nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0], [1, 0], [0, 1]]::float8[], ARRAY[4, 3]::float8[], 'cubic');
-- a cell with no respondent cannot reach a positive total
SELECT nous.svy_calibrate(ARRAY[1, 1, 2]::float8[], ARRAY[[1, 0, 0], [1, 0, 0], [0, 1, 0]]::float8[], ARRAY[4, 3, 1]::float8[], 'raking');
SELECT nous.svy_trans(NULL, 1, 1, 1, 1, NULL);
DROP TABLE hand, clus, states, big, serial, par;

-- a parallel plan whose partial states are sorted before Gather Merge
-- (Partial HashAggregate -> Sort): the state is flattened inside the sort's
-- memory, which from PostgreSQL 17 is a bump context that cannot pfree;
-- the states equal the serial ones
CREATE TABLE sv_par AS
  SELECT 'S' || (i % 7) AS s, (i % 50)::bigint AS psu, (i % 13)::float8 AS y, (1 + i % 3)::float8 AS w
    FROM generate_series(1, 70000) i;
ANALYZE sv_par;
CREATE TEMP TABLE sv_serial AS SELECT s, nous.svy_agg(y, w, s, psu, NULL::float8)::text AS st FROM sv_par GROUP BY s;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
SELECT count(*) AS groups, bool_and(p.st = q.st) AS same_states
  FROM (SELECT s, nous.svy_agg(y, w, s, psu, NULL::float8)::text AS st FROM sv_par GROUP BY s) p
  JOIN sv_serial q USING (s);
RESET ALL;
DROP TABLE sv_par;
