-- time module: passage tables between COG vintages on a hand-made event file
-- (merges, a same-day change of département and merger, a split, code
-- changes), conversions with named rules, annualised rates, trends (Theil-Sen,
-- Mann-Kendall) against hand computations and plain SQL, and bad inputs.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\set SHOW_CONTEXT never

-- ---- 1. a small event file and the commune list of 2024
-- 2020: 01001 01002 01003 01004 01005 01010
-- 2021-01-01 commune nouvelle 01001 = 01001 + 01002
-- 2022-01-01 01003 changes département (-> 02003) and joins 01004 the same day
--            (rows deliberately in the "wrong" order)
-- 2023-01-01 split: 01002 restored (COMD 01002 -> COM 01002), 01001 continues
-- 2023-06-01 code change 01005 -> 01006 (MOD 50, mid-year)
-- 2024-01-01 fusion simple 01010 -> 01006
CREATE TEMP TABLE ev (MOD text, DATE_EFF text, TYPECOM_AV text, COM_AV text, LIBELLE_AV text,
                      TYPECOM_AP text, COM_AP text, LIBELLE_AP text);
INSERT INTO ev VALUES
 ('32', '2021-01-01', 'COM', '01001', 'Alpha', 'COM', '01001', 'Alpha-Beta'),
 ('32', '2021-01-01', 'COM', '01002', 'Beta', 'COM', '01001', 'Alpha-Beta'),
 ('32', '2021-01-01', 'COM', '01001', 'Alpha', 'COMD', '01001', 'Alpha'),
 ('32', '2021-01-01', 'COM', '01002', 'Beta', 'COMD', '01002', 'Beta'),
 ('32', '2022-01-01', 'COM', '02003', 'Gamma', 'COM', '01004', 'Delta'),
 ('32', '2022-01-01', 'COM', '01004', 'Delta', 'COM', '01004', 'Delta'),
 ('41', '2022-01-01', 'COM', '01003', 'Gamma', 'COM', '02003', 'Gamma'),
 ('21', '2023-01-01', 'COM', '01001', 'Alpha-Beta', 'COM', '01001', 'Alpha'),
 ('21', '2023-01-01', 'COM', '01001', 'Alpha-Beta', 'COM', '01002', 'Beta'),
 ('21', '2023-01-01', 'COMD', '01002', 'Beta', 'COM', '01002', 'Beta'),
 ('50', '2023-06-01', 'COM', '01005', 'Epsilon', 'COM', '01006', 'Epsilon'),
 ('31', '2024-01-01', 'COM', '01010', 'Zeta', 'COM', '01006', 'Epsilon'),
 ('31', '2024-01-01', 'COM', '01006', 'Epsilon', 'COM', '01006', 'Epsilon');
SELECT nous.cog_load_events('ev', 'hand-made');
CREATE TEMP TABLE cl (typecom text, com text, libelle text);
INSERT INTO cl VALUES ('COM', '01001', 'Alpha'), ('COM', '01002', 'Beta'), ('COM', '01004', 'Delta'),
                      ('COM', '01006', 'Epsilon'), ('COMD', '01001', 'Alpha');
SELECT nous.cog_load_communes('cl', 2024, 'hand-made');
-- the communes of each vintage, walked back from the 2024 list
SELECT y, array(SELECT nous.cog_codes(make_date(y, 1, 1))) AS communes FROM generate_series(2020, 2024) y;
SELECT array(SELECT nous.cog_codes('2023-06-01')) AS mid_2023, array(SELECT nous.cog_codes('2023-05-31')) AS before;
-- the same-day chain is composed whatever the order of the rows
SELECT * FROM nous.cog_day('2022-01-01');

-- ---- 2. passages
-- forward 2020 -> 2024, rule territory: 01002 goes to its restored code
SELECT * FROM nous.cog_passage('2020-01-01', '2024-01-01', 'territory');
-- from 2021 the merged 01001 is one unit: rule territory gives it whole to the continuing 01001
SELECT * FROM nous.cog_passage('2021-01-01', '2024-01-01', 'territory');
-- rule code (COGiter): the same here
SELECT * FROM nous.cog_passage('2021-01-01', '2024-01-01', 'code') WHERE code_from = '01001';
-- weights (population after the split): 300 and 100
CREATE TEMP TABLE w (code text, weight float8);
INSERT INTO w VALUES ('01001', 300), ('01002', 100), ('01003', 30), ('01004', 70), ('01005', 20), ('01010', 60);
SELECT * FROM nous.cog_passage('2021-01-01', '2024-01-01', 'weight', 'w') WHERE code_from = '01001';
-- chained weights = direct weights (linear, per event)
SELECT a.code_from, b.code_to, sum(a.share * b.share) AS chained,
       (SELECT d.share FROM nous.cog_passage('2020-01-01', '2024-01-01', 'weight', 'w') d
         WHERE d.code_from = a.code_from AND d.code_to = b.code_to) AS direct
  FROM nous.cog_passage('2020-01-01', '2022-01-01', 'weight', 'w') a
  JOIN nous.cog_passage('2022-01-01', '2024-01-01', 'weight', 'w') b ON b.code_from = a.code_to
 GROUP BY 1, 2 ORDER BY 1, 2;
-- no split between the vintages: no rule needed
SELECT * FROM nous.cog_passage('2020-01-01', '2022-01-01');
-- a split and no rule: refused, never an equal split
SELECT * FROM nous.cog_passage('2021-01-01', '2024-01-01');
SELECT * FROM nous.cog_passage('2021-01-01', '2024-01-01', 'weight');
SELECT * FROM nous.cog_passage('2021-01-01', '2024-01-01', 'equal');
CREATE TEMP TABLE w_bad (code text, weight float8);
INSERT INTO w_bad VALUES ('01001', 300);
SELECT * FROM nous.cog_passage('2021-01-01', '2024-01-01', 'weight', 'w_bad');
-- backwards 2024 -> 2020: merged communes shared by the weights of the older communes
SELECT * FROM nous.cog_passage('2024-01-01', '2020-01-01', 'territory', 'w');
SELECT * FROM nous.cog_passage('2024-01-01', '2020-01-01', 'territory');
-- a round trip of counts 2020 -> 2024 -> 2020 with the same weights gives them back
WITH fwd AS (SELECT f.code_to AS code, sum(w.weight * f.share) AS v
               FROM w JOIN nous.cog_passage('2020-01-01', '2024-01-01', 'territory') f ON f.code_from = w.code GROUP BY 1)
SELECT b.code_to AS code, sum(fwd.v * b.share) AS back, (SELECT w.weight FROM w WHERE w.code = b.code_to) AS weight
  FROM fwd JOIN nous.cog_passage('2024-01-01', '2020-01-01', 'territory', 'w') b ON b.code_from = fwd.code
 GROUP BY 1 ORDER BY 1;
-- passages without weights are cached; a new event load empties the cache
SELECT count(DISTINCT (from_date, to_date, split)) > 0 AS cached FROM nous.cog_passage_cache;

-- ---- 3. converting a table
CREATE TABLE t2020 (com text, pop integer, chom float8, act float8, tx_chom float8, typo text, med float8);
INSERT INTO t2020 VALUES
 ('01001', 100, 10, 50, 20, 'A', 20000), ('01002', 50, 5, 20, 25, 'B', 19000),
 ('01003', 30, 3, 10, 30, 'B', 18000), ('01004', 70, 7, 40, 17.5, 'A', 21000),
 ('01005', 20, 1, 10, 10, 'C', 17000), ('01010', 40, 8, 20, 40, 'B', 16000);
-- counts summed, the rate recomputed from its numerator and denominator, the typology by population
SELECT * FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2022-01-01',
         '{"pop": "sum", "chom": "sum", "act": "sum", "tx_chom": {"rate": ["chom", "act"], "scale": 100},
           "typo": {"majority": "pop"}, "med": "median"}') ORDER BY com;
ALTER TABLE t2020 DROP COLUMN med;
SELECT * FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2022-01-01',
         '{"pop": "sum", "chom": "sum", "act": "sum", "tx_chom": {"rate": ["chom", "act"], "scale": 100},
           "typo": {"majority": "pop"}}') ORDER BY com;
-- the plain mean of rates would give 22.5 for 01001, not 21.43; "first" keeps the chef-lieu's class,
-- "majority" without weight counts communes (a tie goes to the smallest class)
SELECT com, pop, typo FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2024-01-01',
         '{"pop": "sum", "chom": "sum", "act": "sum", "tx_chom": {"rate": ["chom", "act"], "scale": 100}, "typo": "first"}', 'territory') ORDER BY com;
SELECT com, pop, typo FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2024-01-01',
         '{"pop": "sum", "chom": "sum", "act": "sum", "tx_chom": {"rate": ["chom", "act"], "scale": 100}, "typo": "majority"}', 'territory') ORDER BY com;
-- what changed
SELECT * FROM nous.cog_changes(NULL::t2020, 'com', '2020-01-01', '2024-01-01', 'territory');
-- bad inputs: a column without a rule, an unknown rule, unknown codes (error by default, with the list)
SELECT * FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2022-01-01', '{"pop": "sum"}');
SELECT * FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2022-01-01',
         '{"pop": "mean", "chom": "sum", "act": "sum", "tx_chom": "sum", "typo": "first"}');
SELECT * FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2022-01-01',
         '{"pop": "sum", "chom": "sum", "act": "sum", "tx_chom": {"rate": ["chom", "nope"]}, "typo": "first"}');
INSERT INTO t2020 VALUES ('01999', 1, 0, 1, 0, 'A'), ('02999', 1, 0, 1, 0, 'A');
SELECT * FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2022-01-01',
         '{"pop": "sum", "chom": "sum", "act": "sum", "tx_chom": {"rate": ["chom", "act"], "scale": 100}, "typo": "first"}');
SELECT count(*), sum(pop) FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2022-01-01',
         '{"pop": "sum", "chom": "sum", "act": "sum", "tx_chom": {"rate": ["chom", "act"], "scale": 100}, "typo": "first"}',
         unknown => 'drop');
SELECT count(*), sum(pop) FROM nous.cog_convert(NULL::t2020, 'com', '2020-01-01', '2022-01-01',
         '{"pop": "sum", "chom": "sum", "act": "sum", "tx_chom": {"rate": ["chom", "act"], "scale": 100}, "typo": "first"}',
         unknown => 'keep');
SELECT * FROM nous.cog_changes(NULL::t2020, 'com', '2020-01-01', '2022-01-01') WHERE change = 'unknown';
SELECT * FROM nous.cog_convert(42, 'com', '2020-01-01', '2022-01-01', '{}');
-- bad event files: malformed rows, events loaded twice (overlapping)
CREATE TEMP TABLE ev_bad (MOD text, DATE_EFF text, TYPECOM_AV text, COM_AV text, TYPECOM_AP text, COM_AP text);
INSERT INTO ev_bad VALUES ('32', '2021-13-01', 'COM', '01001', 'COM', '01001'), ('3x', '2021-01-01', 'COM', '1', 'COM', '01001');
SELECT nous.cog_load_events('ev_bad');
SELECT nous.cog_load_events('ev');
SELECT nous.cog_load_communes('cl', 2024);

-- ---- 4. annualised rates (Observatoire des territoires)
-- Nantes Métropole 2011-2016: published TX_EVOL_DEMO_AN_TOT 0.0146844787257123, _SN 0.00594323494402633
SELECT round(nous.annual_rate(594017, 638931, 5)::numeric, 15) AS tx,
       round(rate_natural::numeric, 15) AS tx_sn, round(rate_migration::numeric, 15) AS tx_sma
  FROM nous.annual_rate_parts(594017, 638931, 5, 18178);
-- no change: rate 0, the split undefined (NULL)
SELECT * FROM nous.annual_rate_parts(100, 100, 5, 3);
SELECT nous.annual_rate(0, 10, 5);
SELECT nous.annual_rate(10, -1, 5);
SELECT nous.annual_rate(10, 12, 0);
SELECT nous.annual_rate('NaN', 12, 1);
-- comparability of census vintages
SELECT nous.census_comparable(2017, 2020, 'commune') AS commune_3y, nous.census_comparable(2015, 2020, 'iris') AS iris_5y;
SET client_min_messages = warning;
SELECT nous.census_comparable(2017, 2020, 'iris') AS iris_3y;
SELECT nous.census_comparable(2017, 2020, 'canton');

-- ---- 5. trends: Theil-Sen and Mann-Kendall
-- hand cases: 1, 2, 2, 3 (one tie): slope median(1, 1/2, 2/3, 0, 1/2, 1) = 7/12, S = 5,
-- var = (4*3*13 - 2*1*9)/18 = 23/3, z = 4/sqrt(23/3) = 1.44463, p = 0.148562
SELECT (t).n, round((t).slope::numeric, 12) AS slope, (t).s, round((t).var_s::numeric, 12) AS var_s,
       round((t).z::numeric, 12) AS z, round((t).p_value::numeric, 12) AS p, round((t).tau::numeric, 12) AS tau
  FROM (SELECT nous.trend(y, v) AS t FROM (VALUES (2004, 3), (2001, 1), (2003, 2), (2002, 2)) x(y, v)) q;
-- a NULL year or value is a missing year
SELECT (nous.trend(y, v)).n FROM (VALUES (2001, 1), (2002, NULL), (NULL, 5), (2003, 2)) x(y, v);
-- all NULL: NULL; one point, duplicate years, non-finite values: errors
SELECT nous.trend(y, v) IS NULL AS is_null FROM (VALUES (2001, NULL::float8)) x(y, v);
SELECT nous.trend(y, v) FROM (VALUES (2001, 1)) x(y, v);
SELECT nous.trend(y, v) FROM (VALUES (2001, 1), (2002, 2), (2001, 3)) x(y, v);
SELECT nous.trend(y, v) FROM (VALUES (2001, 1), (2002, 'Infinity'::float8)) x(y, v);
SELECT nous.trend_final('{1,2,3}');
SELECT nous.trend_final('{1,NULL}');
-- independent computation in plain SQL on 300 areas x 12 years with ties and missing years
CREATE TABLE series AS
SELECT a, 2010 + yr AS y, CASE WHEN (a * 7 + yr * 3) % 11 = 0 THEN NULL ELSE ((a * 37 + yr * yr * 13) % 17 + (a % 5) * yr)::float8 END AS v
  FROM generate_series(1, 300) a, generate_series(0, 11) yr;
CREATE TEMP TABLE plain AS
WITH p AS (SELECT x.a, x.y AS y0, x.v AS v0, z.y AS y1, z.v AS v1 FROM series x JOIN series z ON z.a = x.a AND z.y > x.y
            WHERE x.v IS NOT NULL AND z.v IS NOT NULL),
     ties AS (SELECT a, sum(c * (c - 1) * (2 * c + 5)) AS t FROM (SELECT a, v, count(*) AS c FROM series WHERE v IS NOT NULL GROUP BY 1, 2) g GROUP BY 1),
     n AS (SELECT a, count(v) AS n FROM series GROUP BY 1)
SELECT p.a, percentile_cont(0.5) WITHIN GROUP (ORDER BY (v1 - v0) / (y1 - y0)) AS slope,
       sum(sign(v1 - v0)) AS s, (n.n * (n.n - 1) * (2 * n.n + 5) - ties.t) / 18.0 AS var_s
  FROM p JOIN ties USING (a) JOIN n USING (a) GROUP BY p.a, n.n, ties.t;
CREATE TEMP TABLE serial AS SELECT a, nous.trend(y, v) AS t FROM series GROUP BY a;
SELECT count(*) AS areas, max(abs((s.t).slope - p.slope)) < 1e-12 AS slope_equal, bool_and((s.t).s = p.s) AS s_equal,
       max(abs((s.t).var_s - p.var_s)) < 1e-9 AS var_equal,
       bool_and(abs((s.t).z - CASE WHEN p.s > 0 THEN p.s - 1 WHEN p.s < 0 THEN p.s + 1 ELSE 0 END / sqrt(p.var_s)) < 1e-12) AS z_equal,
       count(*) FILTER (WHERE (s.t).p_value < 0.05) AS significant
  FROM serial s JOIN plain p USING (a);
-- parallel = serial, with Partial Aggregate in the plan
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT a, nous.trend(y, v) FROM series GROUP BY a;
SELECT count(*) AS areas, bool_and(s.t = q.t) AS same
  FROM serial s JOIN (SELECT a, nous.trend(y, v) AS t FROM series GROUP BY a) q USING (a);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
-- stored states per period, merged later, equal the trend over all rows
CREATE TEMP TABLE states AS SELECT a, y < 2016 AS early, nous.trend_state(y, v) AS st FROM series GROUP BY 1, 2;
SELECT count(*) AS areas, bool_and(m.t = s.t) AS same
  FROM serial s JOIN (SELECT a, nous.trend_merge(st) AS t FROM states GROUP BY a) m USING (a);
-- the text form of a state reads back
SELECT nous.trend_final(st::text::float8[]) = nous.trend_final(st) AS text_round_trip FROM states LIMIT 1;
-- décrochage over a series: years whose value rose by 5 or more since the year before
SELECT a, y, v FROM (SELECT a, y, v, nous.decrochage(lag(v) OVER (PARTITION BY a ORDER BY y), v, 5) AS d FROM series WHERE a = 3) x
 WHERE d ORDER BY y;
