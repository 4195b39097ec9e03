-- mix_alloc: consumption units, first-quartile thresholds and the two mix
-- rules of CCH L441-1 on small hand-made tables with hand-computed answers.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- consumption units, INSEE / OECD-modified: 1 + 0.5 (a - 1) + 0.3 c
--   (1, 0) = 1; (2, 0) = 1.5; (2, 2) = 2.1; (3, 1) = 2.3
SELECT nous.consumption_units(1, 0), nous.consumption_units(2, 0),
       nous.consumption_units(2, 2), nous.consumption_units(3, 1);
-- other scales: oecd (2, 2) = 1 + 0.7 + 1.0 = 2.7; sqrt (3, 1) = 2; per_capita (3, 1) = 4
SELECT nous.consumption_units(2, 2, 'oecd'), nous.consumption_units(3, 1, 'sqrt'),
       nous.consumption_units(3, 1, 'per_capita'), nous.consumption_units(2, 2, 'insee');
-- 21000 a year for 2 adults and 2 children: 21000 / 2.1 = 10000
SELECT nous.income_per_uc(21000, 2, 2), nous.income_per_uc(21000, 2, 2, 'per_capita');
CALL public.expect_error($e$SELECT nous.consumption_units(0, 2)$e$);
CALL public.expect_error($e$SELECT nous.consumption_units(-1, 0)$e$);
CALL public.expect_error($e$SELECT nous.consumption_units(1, -1)$e$);
CALL public.expect_error($e$SELECT nous.consumption_units(1, 1, 'unknown')$e$);
CALL public.expect_error($e$SELECT nous.income_per_uc(-5, 1, 0)$e$);
CALL public.expect_error($e$SELECT nous.income_per_uc('NaN', 1, 0)$e$);
SELECT nous.consumption_units(0, 2);
SELECT nous.consumption_units(1, 1, 'unknown');

-- first-quartile thresholds: applications pending on 31 December
CREATE TABLE ma_pending (epci text, income_uc float8);
INSERT INTO ma_pending VALUES
  ('E1', 1000), ('E1', 2000), ('E1', 3000), ('E1', 4000), ('E1', 5000), ('E1', 6000),
  ('E2', 800), ('E2', 1200), ('E2', 1600), ('E2', 2000), ('E2', NULL);
-- E1: continuous h = 5 x 0.25 = 1.25 -> 2000 + 0.25 x 1000 = 2250;
--     discrete: ceil(0.25 x 6) = 2nd value = 2000;
--     median_unbiased (type 8): h = (6 + 1/3) 0.25 + 1/3 - 1 = 11/12 -> 1000 + 11/12 x 1000
-- E2: continuous h = 0.75 -> 800 + 0.75 x 400 = 1100 (the NULL is skipped);
--     discrete: ceil(0.25 x 4) = 1st value = 800; type 8: h = (4 + 1/3) 0.25 + 1/3 - 1 = 5/12
SELECT epci, nous.first_quartile(income_uc) AS q1,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc) AS q1_percentile_cont,
       nous.first_quartile(income_uc, 'discrete') AS q1_discrete,
       percentile_disc(0.25) WITHIN GROUP (ORDER BY income_uc) AS q1_percentile_disc,
       round(nous.first_quartile(income_uc, 'median_unbiased')::numeric, 9) AS q1_type8,
       round(CASE epci WHEN 'E1' THEN 1000 + 11 / 12.0 * 1000
                      ELSE 800 + 5 / 12.0 * 400 END::numeric, 9) AS type8_by_hand
  FROM ma_pending GROUP BY epci ORDER BY epci;
-- an EPCI with no pending application has no threshold
SELECT nous.first_quartile(income_uc) IS NULL AS empty FROM ma_pending WHERE epci = 'E9';
CALL public.expect_error($e$SELECT nous.first_quartile(x) FROM (VALUES (-1.0)) v(x)$e$);
CALL public.expect_error($e$SELECT nous.first_quartile(x) FROM (VALUES ('NaN'::float8)) v(x)$e$);
CALL public.expect_error($e$SELECT nous.first_quartile(x, 'type7') FROM (VALUES (1.0)) v(x)$e$);
CALL public.expect_error($e$SELECT nous.first_quartile(x, NULL) FROM (VALUES (1.0)) v(x)$e$);

-- the year's effective allocations
CREATE TABLE ma_alloc (id int, epci text, landlord text, in_qpv boolean, income_uc float8, renewal boolean);
INSERT INTO ma_alloc VALUES
  -- E1, threshold 2250: outside QPV, 6 allocations; first quartile (< 2250): 1500;
  -- renewal: the one at 5000 (counts whatever its income) -> 2 / 6 counted
  (1, 'E1', 'L1', false, 1500, false), (2, 'E1', 'L1', false, 2250, false),
  (3, 'E1', 'L2', false, 3000, false), (4, 'E1', 'L2', false, 4000, false),
  (5, 'E1', 'L2', false, 5000, true),  (6, 'E1', 'L1', false, 6000, false),
  -- E1 inside QPV, 4 allocations; other three quartiles (>= 2250): 3000 -> 1 / 4
  (7, 'E1', 'L1', true, 1000, false), (8, 'E1', 'L1', true, 1500, false),
  (9, 'E1', 'L2', true, 2000, false), (10, 'E1', 'L2', true, 3000, false),
  -- E2, threshold 1100: outside QPV 1 / 5 (1000), no allocation inside QPV
  (11, 'E2', 'L1', false, 1000, false), (12, 'E2', 'L1', false, 1200, false),
  (13, 'E2', 'L1', false, 1300, false), (14, 'E2', 'L1', false, 1400, false),
  (15, 'E2', 'L1', false, 1500, false);
CREATE TABLE ma_threshold AS
  SELECT epci, nous.first_quartile(income_uc) AS q1 FROM ma_pending GROUP BY epci;

-- one line per EPCI:
--   E1 outside: 2 / 6, target 25 %: met, gap 0; inside: 1 / 4, target 50 %: gap ceil(2 - 1) = 1
--   E2 outside: 1 / 5 = 0.2: gap ceil(1.25 - 1) = 1; inside: no allocation, share NULL
SELECT a.epci, (nous.allocation_mix(a.in_qpv, a.income_uc, a.renewal, t.q1)).*
  FROM ma_alloc a JOIN ma_threshold t USING (epci)
 GROUP BY a.epci ORDER BY a.epci;
-- the Wilson intervals against the formula written in SQL, z = 1.959963984540054
--   (k + z^2/2 +- z sqrt(k (n - k) / n + z^2 / 4)) / (n + z^2)
WITH r AS (SELECT a.epci, (nous.allocation_mix(a.in_qpv, a.income_uc, a.renewal, t.q1)).*
             FROM ma_alloc a JOIN ma_threshold t USING (epci) GROUP BY a.epci),
     z AS (SELECT 1.959963984540054::float8 AS z)
SELECT epci,
       abs(outside_ci_low - (outside_counted + z*z/2 - z * sqrt(outside_counted * (outside_in_scope - outside_counted)::float8 / outside_in_scope + z*z/4)) / (outside_in_scope + z*z)) < 1e-12 AS out_low,
       abs(outside_ci_high - (outside_counted + z*z/2 + z * sqrt(outside_counted * (outside_in_scope - outside_counted)::float8 / outside_in_scope + z*z/4)) / (outside_in_scope + z*z)) < 1e-12 AS out_high
  FROM r, z ORDER BY epci;
-- inclusive first quartile (income <= threshold): E1 outside counts 2250 too -> 3 / 6;
-- min_scope 5: E1 inside (4) is too small, the outsides (6 and 5) are not;
-- 90 % intervals are narrower than 95 % ones
SELECT a.epci, (r).outside_counted, (r).outside_too_small, (r).inside_too_small,
       (r).outside_ci_high < (r95).outside_ci_high AND (r).outside_ci_low > (r95).outside_ci_low AS narrower
  FROM (SELECT a.epci, nous.allocation_mix(a.in_qpv, a.income_uc, a.renewal, t.q1, true, 5, 0.90) r,
               nous.allocation_mix(a.in_qpv, a.income_uc, a.renewal, t.q1, true, 5, 0.95) r95
          FROM ma_alloc a JOIN ma_threshold t USING (epci) GROUP BY a.epci) a
 ORDER BY a.epci;
-- per EPCI and landlord
SELECT a.epci, a.landlord, (r).outside_in_scope, (r).outside_counted, (r).inside_in_scope, (r).inside_counted
  FROM (SELECT a.epci, a.landlord, nous.allocation_mix(a.in_qpv, a.income_uc, a.renewal, t.q1) r
          FROM ma_alloc a JOIN ma_threshold t USING (epci) GROUP BY a.epci, a.landlord) a
 ORDER BY 1, 2;
-- the same counts the plain-SQL way
SELECT a.epci,
       count(*) FILTER (WHERE NOT in_qpv) AS outside_in_scope,
       count(*) FILTER (WHERE NOT in_qpv AND (income_uc < t.q1 OR renewal)) AS outside_counted,
       count(*) FILTER (WHERE in_qpv) AS inside_in_scope,
       count(*) FILTER (WHERE in_qpv AND income_uc >= t.q1) AS inside_counted
  FROM ma_alloc a JOIN ma_threshold t USING (epci) GROUP BY a.epci ORDER BY a.epci;

-- bad input: no QPV flag, no income, no threshold, negative income, NULL renewal
CALL public.expect_error($e$SELECT nous.allocation_mix(NULL, 1000, false, 1100)$e$);
CALL public.expect_error($e$SELECT nous.allocation_mix(false, NULL, false, 1100)$e$);
CALL public.expect_error($e$SELECT nous.allocation_mix(false, 1000, false, NULL)$e$);
CALL public.expect_error($e$SELECT nous.allocation_mix(false, -1, false, 1100)$e$);
CALL public.expect_error($e$SELECT nous.allocation_mix(false, 1000, NULL, 1100)$e$);
CALL public.expect_error($e$SELECT nous.allocation_mix(false, 1000, false, 1100, true, -1, 0.95)$e$);
CALL public.expect_error($e$SELECT nous.allocation_mix(false, 1000, false, 1100, true, 20, 1.5)$e$);
SELECT nous.allocation_mix(NULL, 1000, false, 1100);
SELECT nous.allocation_mix(false, 1000, false, NULL);
-- a renewal rehousing outside QPV counts without income or threshold
SELECT (nous.allocation_mix(false, NULL, true, NULL)).outside_counted;

-- generic share against a target; priority households per reserving body
CREATE TABLE ma_prio (body text, priority boolean);
INSERT INTO ma_prio SELECT 'Etat', i <= 3 FROM generate_series(1, 8) i;
INSERT INTO ma_prio SELECT 'Action Logement', i <= 1 FROM generate_series(1, 6) i;
-- Etat 3 / 8 = 0.375 met; Action Logement 1 / 6: gap ceil(1.5 - 1) = 1; both too small (< 20)
SELECT body, (nous.priority_share(priority)).* FROM ma_prio GROUP BY body ORDER BY body;
SELECT body, (nous.mix_compliance(priority, 0.4)).gap FROM ma_prio GROUP BY body ORDER BY body;
-- gap at an exact target: 1 / 4 at 25 % is met
SELECT (nous.mix_compliance(x, 0.25)).* FROM (VALUES (true), (false), (false), (false)) v(x);
SELECT (nous.mix_compliance(x, 0.25)).* FROM (VALUES (true)) v(x) WHERE false;
SELECT * FROM nous.wilson_interval(3, 10), nous.wilson_interval(0, 0) z;
CALL public.expect_error($e$SELECT nous.mix_compliance(NULL::boolean, 0.25)$e$);
CALL public.expect_error($e$SELECT nous.mix_compliance(true, 25)$e$);
CALL public.expect_error($e$SELECT nous.mix_compliance(x, x::int * 0.5) FROM (VALUES (true), (false)) v(x)$e$);
CALL public.expect_error($e$SELECT * FROM nous.wilson_interval(5, 3)$e$);
SELECT nous.mix_compliance(true, 25);

-- demand-side indicators: pressure 100 / 25 = 4; satisfaction 25 / 125 = 0.2
SELECT nous.pressure(100, 25), nous.satisfaction_rate(25, 100),
       nous.pressure(10, 0) IS NULL AS no_allocation, nous.satisfaction_rate(0, 0) IS NULL AS nothing;
CALL public.expect_error($e$SELECT nous.pressure(-1, 5)$e$);

-- parallel plans give the serial answers and match percentile_cont and plain counts
CREATE TABLE ma_big_pending AS
  SELECT 'E' || (i % 7) AS epci, (i::bigint * 7919 % 30011)::float8 AS income_uc
    FROM generate_series(1, 70000) i;
CREATE TABLE ma_big_alloc AS
  SELECT 'E' || (i % 7) AS epci, i % 5 = 0 AS in_qpv, (i::bigint * 104729 % 30011)::float8 AS income_uc,
         i % 97 = 0 AS renewal FROM generate_series(1, 50000) i;
ANALYZE ma_big_pending, ma_big_alloc;
CREATE TABLE ma_plain AS
  WITH t AS (SELECT epci, percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc) q1
               FROM ma_big_pending GROUP BY epci)
  SELECT a.epci, t.q1,
         count(*) FILTER (WHERE NOT in_qpv) AS o_scope,
         count(*) FILTER (WHERE NOT in_qpv AND (income_uc < t.q1 OR renewal)) AS o_counted,
         count(*) FILTER (WHERE in_qpv) AS i_scope,
         count(*) FILTER (WHERE in_qpv AND income_uc >= t.q1) AS i_counted
    FROM ma_big_alloc a JOIN t USING (epci) GROUP BY a.epci, t.q1;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.first_quartile(income_uc) FROM ma_big_pending;
SELECT bool_and(abs(n.q1 - p.q1) < 1e-9) AS thresholds,
       bool_and((n.r).outside_in_scope = p.o_scope AND (n.r).outside_counted = p.o_counted AND
                (n.r).inside_in_scope = p.i_scope AND (n.r).inside_counted = p.i_counted) AS counts,
       count(*) AS epcis
  FROM (SELECT a.epci, t.q1, nous.allocation_mix(a.in_qpv, a.income_uc, a.renewal, t.q1) r
          FROM ma_big_alloc a
          JOIN (SELECT epci, nous.first_quartile(income_uc) q1 FROM ma_big_pending GROUP BY epci) t USING (epci)
         GROUP BY a.epci, t.q1) n
  JOIN ma_plain p USING (epci);
RESET ALL;
DROP TABLE ma_pending, ma_alloc, ma_threshold, ma_prio, ma_big_pending, ma_big_alloc, ma_plain;

-- the same threshold over an array, with the quantile definition as a named parameter
SELECT nous.first_quartile('{6000,1000,3000,5000,2000,4000}'::float8[]) AS continuous,
       nous.first_quartile('{6000,1000,3000,5000,2000,4000}'::float8[], quantile => 'discrete') AS discrete,
       nous.first_quartile('{NULL,800,1200,1600,2000}'::float8[]) AS nulls_skipped,
       nous.first_quartile('{}'::float8[]) IS NULL AS empty;
CALL public.expect_error($e$SELECT nous.first_quartile('{1,-2}'::float8[])$e$);
CALL public.expect_error($e$SELECT nous.first_quartile('{1,NaN}'::float8[])$e$);
CALL public.expect_error($e$SELECT nous.first_quartile('{1,2}'::float8[], quantile => 'nope')$e$);
CALL public.expect_error($e$SELECT nous.first_quartile(NULL::float8[])$e$);

-- storable states (0.2.0): the state of nous.first_quartile is a
-- nous.quantile_state {version, kind, value, multiplicity, …}; that of the
-- rules a float8[]
-- {version, target, min_scope, confidence, inclusive, fixed, scope, counted,
-- inside_scope, inside_counted}.  A rollup keeps states per part: merged,
-- they give the one-pass answer; printed and read back, the same state.
CREATE AGGREGATE ma_q1_state(float8) (SFUNC = nous.first_quartile_trans, STYPE = nous.quantile_state);
CREATE AGGREGATE ma_q1_state(float8, text) (SFUNC = nous.first_quartile_trans, STYPE = nous.quantile_state);
CREATE AGGREGATE ma_q1_merge(nous.quantile_state) (SFUNC = nous.first_quartile_combine, STYPE = nous.quantile_state,
                                        FINALFUNC = nous.first_quartile_final);
CREATE AGGREGATE ma_mix_state(boolean, float8, boolean, float8) (SFUNC = nous.allocation_mix_trans, STYPE = float8[]);
CREATE AGGREGATE ma_mix_merge(float8[]) (SFUNC = nous.rule_combine, STYPE = float8[],
                                         FINALFUNC = nous.allocation_mix_final);
CREATE AGGREGATE ma_comp_state(boolean, float8) (SFUNC = nous.compliance_trans, STYPE = float8[]);
CREATE AGGREGATE ma_comp_merge(float8[]) (SFUNC = nous.rule_combine, STYPE = float8[],
                                          FINALFUNC = nous.compliance_final);
-- duplicates are stored once: 1000, 2000 ×2, 3000, 4000 ×3 (hand count), kind -1 (unset)
SELECT ma_q1_state(x) FROM unnest('{4000,2000,1000,4000,3000,2000,4000}'::float8[]) x;
SELECT ma_q1_state(x, 'discrete') FROM unnest('{5,NULL,1}'::float8[]) x;
-- the one-pass threshold equals the merge of three parts: 375 rows of each of 1000 … 8000,
-- h = 2999 × 0.25 = 749.75 falls between the last 2000 and the first 3000: 2750 (hand computation)
CREATE TABLE ma_roll AS
  SELECT i % 3 AS part, (1000 * (i % 8 + 1))::float8 AS income, i % 5 = 0 AS in_qpv, i % 7 = 0 AS renewal,
         i % 4 = 0 AS prio
    FROM generate_series(1, 3000) i;
CREATE TABLE ma_roll_states AS
  SELECT part, ma_q1_state(income) AS q, ma_mix_state(in_qpv, income, renewal, 2500) AS m,
         ma_comp_state(prio, 0.25) AS c
    FROM ma_roll GROUP BY part;
SELECT (SELECT ma_q1_merge(q) FROM ma_roll_states) AS merged,
       (SELECT nous.first_quartile(income) FROM ma_roll) AS one_pass,
       (SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY income) FROM ma_roll) AS percentile_cont;
SELECT (SELECT ma_mix_merge(m) FROM ma_roll_states) = (SELECT nous.allocation_mix(in_qpv, income, renewal, 2500) FROM ma_roll) AS mix_merged,
       (SELECT ma_comp_merge(c) FROM ma_roll_states) = (SELECT nous.mix_compliance(prio, 0.25) FROM ma_roll) AS compliance_merged,
       (SELECT ma_comp_merge(c) FROM ma_roll_states) = (SELECT nous.priority_share(prio) FROM ma_roll) AS priority_merged;
-- the text form reads back to the same state
SELECT bool_and(q::text::nous.quantile_state::text = q::text AND m::text::float8[] = m AND c::text::float8[] = c) AS round_trip,
       bool_and(nous.first_quartile_final(q::text::nous.quantile_state) = nous.first_quartile_final(q)) AS same_threshold,
       bool_and(md5(nous.quantile_state_send(q)) = md5(nous.quantile_state_send(q::text::nous.quantile_state))) AS same_binary
  FROM ma_roll_states;
SELECT c FROM ma_roll_states WHERE part = 0;
-- parallel plans split the rules too (partial aggregation), with the serial answers
CREATE TABLE ma_serial AS
  SELECT nous.mix_compliance(prio, 0.25) AS c, nous.priority_share(prio) AS p,
         nous.allocation_mix(in_qpv, income, renewal, 2500) AS m, nous.first_quartile(income) AS q
    FROM ma_roll;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
  SELECT nous.mix_compliance(prio, 0.25), nous.priority_share(prio),
         nous.allocation_mix(in_qpv, income, renewal, 2500), nous.first_quartile(income) FROM ma_roll;
SELECT s.c = p.c AND s.p = p.p AND s.m = p.m AND s.q = p.q AS parallel_equals_serial
  FROM ma_serial s,
       (SELECT nous.mix_compliance(prio, 0.25) AS c, nous.priority_share(prio) AS p,
               nous.allocation_mix(in_qpv, income, renewal, 2500) AS m, nous.first_quartile(income) AS q
          FROM ma_roll) p;
RESET ALL;
-- a state that is not one: an error with its reason
SELECT nous.first_quartile_final('{1,-1,3000,1,2000,1}');
SELECT nous.first_quartile_final('{1,-1,3000,0.5}');
SELECT nous.first_quartile_final('{2,-1}');
SELECT nous.first_quartile_final('{1,7}');
SELECT nous.first_quartile_final('{{1,-1}}');
SELECT nous.compliance_final('{1,0.25,20,0.95,0,0,10,11,0,0}');
SELECT nous.compliance_final('{1,0.25,20,1.5,0,0,10,5,0,0}');
SELECT nous.compliance_final('{1,0.25,20,0.95,0,0,10}');
SELECT nous.allocation_mix_final('{1,NaN,20,0.95,0,0,10,5,4,NULL}');
SELECT nous.first_quartile_combine('{1,-1}', '{1,-1}');
SELECT ma_q1_merge(s) FROM (VALUES ('{1,0,1000,1}'::nous.quantile_state), ('{1,1,2000,1}')) v(s);
-- an array function never sees the state: it is a type of its own
SELECT array_length(ma_q1_state(x), 1) FROM unnest('{1,2}'::float8[]) x;
SELECT ma_q1_state(x)::text::float8[] AS as_array FROM unnest('{1e-7,0.1,0.1,433.7}'::float8[]) x;
DROP AGGREGATE ma_q1_state(float8), ma_q1_state(float8, text), ma_q1_merge(nous.quantile_state), ma_mix_state(boolean, float8, boolean, float8),
  ma_mix_merge(float8[]), ma_comp_state(boolean, float8), ma_comp_merge(float8[]);
DROP TABLE ma_roll, ma_roll_states, ma_serial;
