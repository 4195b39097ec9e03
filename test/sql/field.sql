-- field: the field-observation log (nous.field_observation), its delays in
-- days and working days, the Kaplan-Meier state on hand cases, and bad inputs.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;
SET timezone = 'Europe/Paris';

SELECT code FROM nous.field_category ORDER BY code;

-- ---- Kaplan-Meier by hand: delays 1, 2, 2 (closed), 3 (open), 4 (closed) ----
-- S(1) = 4/5, S(2) = 4/5 * 1/3... n at risk 5, 4, 2, 1: S = 0.8, 0.4, 0.4, 0
CREATE TABLE d (delay float8, closed boolean, grp int);
INSERT INTO d VALUES (1, true, 1), (2, true, 1), (2, true, 2), (3, false, 2), (4, true, 2);
SELECT delay, n_risk, n_event, n_censor, surv, round(se::numeric, 10) AS se,
       round(lower::numeric, 10) AS lower, round(upper::numeric, 10) AS upper
  FROM nous.km_curve((SELECT nous.km_agg(delay, closed) FROM d));
-- Greenwood at 2: S^2 (1/(5*4) + 2/(4*2)) = 0.16 * 0.3 = 0.048
SELECT abs(se - sqrt(0.048)) < 1e-15 AS greenwood_hand
  FROM nous.km_curve((SELECT nous.km_agg(delay, closed) FROM d)) WHERE delay = 2;
-- median: first S <= 0.5 at 2; share closed within 2 days 0.6; restricted mean to 4: 1 + 0.8 + 0.4 * 2 = 2.6
SELECT (q).delay AS median, (q).n, (q).events,
       nous.km_share_closed(s, 2) AS within_2, nous.km_share_closed(s, 0.5) AS within_half,
       nous.km_rmean(s, 4) AS rmean_4
  FROM (SELECT s, nous.km_quantile(s) AS q FROM (SELECT nous.km_agg(delay, closed) AS s FROM d) x) y;
-- the median at a flat 0.5: delays 1 (closed), 2 (closed), 3, 4 (closed): S = 0.75, 0.5, 0.5, 0 -> (2 + 4) / 2
SELECT (nous.km_quantile(nous.km_agg(t, c))).delay AS midpoint_median
  FROM (VALUES (1, true), (2, true), (3, false), (4, true)) v(t, c);
-- merged groups = one pass; parallel = serial
SELECT nous.km_merge(a.s, b.s)::text = (SELECT nous.km_agg(delay, closed) FROM d)::text AS merged
  FROM (SELECT nous.km_agg(delay, closed) AS s FROM d WHERE grp = 1) a,
       (SELECT nous.km_agg(delay, closed) AS s FROM d WHERE grp = 2) b;
CREATE TABLE many AS SELECT (g % 97) / 2.0 AS delay, g % 5 <> 0 AS closed FROM generate_series(1, 50000) g;
ANALYZE many;
CREATE TABLE km_serial AS SELECT nous.km_agg(delay, closed) AS s FROM many;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT nous.km_agg(delay, closed) FROM many;
SELECT (SELECT nous.km_agg(delay, closed) FROM many)::text = s::text AS parallel_is_serial FROM km_serial;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
-- NULL delays are skipped (an empty state); no row gives NULL
SELECT nous.km_agg(NULL::float8, true)::text AS only_null_delays, (SELECT nous.km_agg(1, true) WHERE false) IS NULL AS no_row;

-- ---- the log ----
INSERT INTO nous.field_holiday VALUES ('2025-05-01', 'Fête du travail'), ('2025-05-08', 'Victoire 1945');
INSERT INTO nous.field_observation (observed_at, territory_code, category, observer, service, answered_at, closed_at)
VALUES ('2025-04-30 09:00', 'Q1', 'waste', 'agent 1', 'propreté', '2025-04-30 11:00', '2025-05-02 10:00'),
       ('2025-05-05 14:00', 'Q1', 'lighting', 'agent 2', 'éclairage', NULL, '2025-05-12 09:00'),
       ('2025-05-06 08:30', 'Q2', 'waste', 'agent 1', 'propreté', '2025-05-06 09:00', '2025-05-06 17:00'),
       ('2025-05-07 10:00', 'Q2', 'degradation', 'agent 3', 'bailleur', NULL, NULL);
-- working days exclude weekends and the holidays: 30 April -> 2 May = 1 (1 May is off);
-- 5 May -> 12 May = 4 (8 May is off); same day = 0
SELECT id, territory_code, category, closed, CASE WHEN closed THEN round(delay_days::numeric, 4) END AS delay_days,
       CASE WHEN closed THEN delay_working_days END AS working_days
  FROM nous.field_delays ORDER BY id;
SELECT (SELECT delay_days > 200 FROM nous.field_delays WHERE NOT closed) AS open_case_runs_to_now;
-- delays by territory with the open case censored
SELECT territory_code, (nous.km_quantile(nous.km_agg(delay_working_days, closed))).delay AS median_working_days,
       count(*) AS cases, count(*) FILTER (WHERE NOT closed) AS open
  FROM nous.field_delays GROUP BY territory_code ORDER BY territory_code;
SELECT nous.field_working_days('2025-05-09 18:00', '2025-05-12 08:00') AS friday_to_monday;
SELECT territory_code, category, month, observations, still_open FROM nous.field_counts ORDER BY 1, 2, 3;

-- ---- bad inputs (the constraints' own errors by SQLSTATE, nous's with their details) ----
CALL public.expect_error($e$INSERT INTO nous.field_observation (observed_at, territory_code, category, closed_at)
VALUES ('2025-05-07 10:00', 'Q2', 'waste', '2025-05-06 10:00')$e$);
CALL public.expect_error($e$INSERT INTO nous.field_observation (observed_at, territory_code, category, answered_at)
VALUES ('2025-05-07 10:00', 'Q2', 'waste', '2025-05-06 10:00')$e$);
CALL public.expect_error($e$INSERT INTO nous.field_observation (observed_at, territory_code, category) VALUES ('2025-05-07 10:00', 'Q2', 'noise')$e$);
CALL public.expect_error($e$INSERT INTO nous.field_observation (territory_code, category) VALUES ('Q2', 'waste')$e$);
SELECT count(*) AS rows_kept FROM nous.field_observation;
SELECT nous.km_agg(-1, true);
SELECT nous.km_agg('NaN', true);
SELECT nous.km_agg(1, NULL);
SELECT nous.km_quantile(nous.km_agg(1, true), 1.5);
SELECT nous.km_curve(nous.km_agg(1, true), 0);
SELECT nous.km_rmean(nous.km_agg(1, true), -1);
SELECT 'k(1,1:1,0)'::nous.kmstate;
SELECT 'k(0,0:-1,0)'::nous.kmstate;
SELECT 'k(9221120237041090560,0:1,0)'::nous.kmstate;  -- the bits of NaN as a time
SELECT 'c(1,2:3,3,2,2,0)'::nous.kmstate;
SELECT nous.km_trans(NULL, 1, true);
DELETE FROM nous.field_observation;
DELETE FROM nous.field_holiday;
DROP TABLE d, many, km_serial;
