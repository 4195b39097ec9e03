-- survey: hand-computed cases of the design-based estimators, the lonely
-- PSU rules, storable and mergeable states (parallel = serial, merged waves
-- = one pass), proportion intervals, calibration, and bad inputs.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
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
\set VERBOSITY sqlstate
-- certainty and remove: 28; adjust: 28 + (5 - 25/6)^2 = 28.694444; average: 28 * 3/2 = 42
SELECT rule, round(((nous.svy_total(s, rule)).se ^ 2)::numeric, 9) AS variance
  FROM (SELECT nous.svy_agg(y, w, stratum, NULL::int, NULL) AS s FROM hand) x,
       unnest(ARRAY['certainty', 'remove', 'adjust', 'average']) AS rule;
-- a single PSU that is its whole stratum (fpc 1 = a census) contributes 0 without a rule
SELECT round(((nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, CASE WHEN stratum = 'C' THEN 1 END))).se ^ 2)::numeric, 9)
  FROM hand;
SELECT nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, NULL), 'nearest') FROM hand;

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

-- ---- bad inputs ----
\set VERBOSITY default
SELECT nous.svy_agg(y, 0, stratum, NULL::int, NULL) FROM hand;
\set VERBOSITY sqlstate
SELECT nous.svy_agg(y, -1, stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg(y, NULL, stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg(y, 'NaN', stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg('Infinity'::float8, w, stratum, NULL::int, NULL) FROM hand;
SELECT nous.svy_agg(y, w, stratum, NULL::int, -3) FROM hand;
SELECT nous.svy_agg(y, w, stratum, CASE WHEN id > 2 THEN id END, NULL) FROM hand;
SELECT nous.svy_agg(y, w, stratum, NULL::int, id) FROM hand;
SELECT nous.svy_total(nous.svy_agg(y, w, stratum, NULL::int, 2)) FROM hand;
SELECT nous.svy_agg(y, w, stratum, now(), NULL) FROM hand;
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
