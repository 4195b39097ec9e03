-- time module, continued: both ends of flow matrices recoded to another
-- vintage, class variables converted with a registered method, the gap to the
-- reference year by year, "cumulative" fragility as an aggregation method;
-- on the hand-made event file of test time (merges, a same-day change of
-- département and merger, a split, code changes), against hand computations.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\set SHOW_CONTEXT never

-- ---- 1. the events (as in test time)
-- 2020: 01001 01002 01003 01004 01005 01010
-- 2021-01-01 commune nouvelle 01001 = 01001 + 01002
-- 2022-01-01 01003 changes département (-> 02003) and joins 01004 the same day
-- 2023-01-01 split: 01002 restored, 01001 continues
-- 2023-06-01 code change 01005 -> 01006; 2024-01-01 fusion simple 01010 -> 01006
DELETE FROM nous.cog_events;
DELETE FROM nous.cog_communes;
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

-- ---- 2. flows: both ends recoded
-- 2020 -> 2022 (merges only): moves between 01001 and 01002 (10 + 4) and
-- between 01003 and 01004 (3 + 2) become stayers of the communes nouvelles:
-- 01001 stays 100 + 10 + 4 + 50 = 164, 01004 3 + 2 + 30 + 70 = 105; 01010 > 01002 (6) now goes to 01001
CREATE TEMP TABLE m2020 AS SELECT '{01001>01001:100, 01001>01002:10, 01002>01001:4, 01002>01002:50, 01003>01004:3,
  01004>01003:2, 01003>01003:30, 01004>01004:70, 01005>01001:5, 01010>01002:6, 01001>01010:7}'::nous.flows AS m;
SELECT nous.cog_convert_flows(m, '2020-01-01', '2022-01-01') AS m2022 FROM m2020;
-- totals preserved (287), stayers 164 + 105
SELECT (nous.flow_summary(m)).stayers + (nous.flow_summary(m)).movers AS before,
       (nous.flow_summary(nous.cog_convert_flows(m, '2020-01-01', '2022-01-01'))).stayers AS stayers_after,
       (nous.flow_summary(nous.cog_convert_flows(m, '2020-01-01', '2022-01-01'))).movers AS movers_after FROM m2020;
-- the report: merged zones, with the moves that become internal
SELECT * FROM nous.cog_flow_changes((SELECT m FROM m2020), '2020-01-01', '2022-01-01');
-- 2021 -> 2024 across the split of 01001 (weights 300 and 100: shares 0.75 and 0.25):
-- its stayers stay on the diagonal (60 and 20, no move between the parts),
-- 01001 > 01004 (8) becomes 6 and 2, 01004 > 01001 (4) 3 and 1; 01005 > 01010 (2)
-- lands in 01006 on both ends: 2 stayers of 01006; total 114
CREATE TEMP TABLE w (code text, weight float8);
INSERT INTO w VALUES ('01001', 300), ('01002', 100);
SELECT nous.cog_convert_flows('{01001>01001:80, 01001>01004:8, 01004>01001:4, 01005>01010:2, 01004>01004:20}',
                              '2021-01-01', '2024-01-01', 'weight', 'w') AS m2024;
SELECT * FROM nous.cog_flow_changes('{01001>01001:80, 01001>01004:8, 01004>01001:4, 01005>01010:2, 01004>01004:20}',
                                    '2021-01-01', '2024-01-01', 'weight', 'w');
-- the zone indicators of the converted matrix (01001 + 01002 of 2024 = 01001 of 2021)
SELECT zone, stayers, inflow, outflow FROM nous.flow_zones(nous.cog_convert_flows(
  '{01001>01001:80, 01001>01004:8, 01004>01001:4, 01005>01010:2, 01004>01004:20}', '2021-01-01', '2024-01-01', 'weight', 'w'));
-- converting directly 2020 -> 2024 (rule territory) keeps the move 01001 > 01002 (10) a move between
-- the restored communes, where a conversion through 2022 made it internal (stayers of the commune
-- nouvelle, which rule territory then keeps whole): convert once, from the matrix's own vintage
SELECT nous.cog_convert_flows(m, '2020-01-01', '2024-01-01', 'territory') AS direct,
       nous.cog_convert_flows(nous.cog_convert_flows(m, '2020-01-01', '2022-01-01'), '2022-01-01', '2024-01-01', 'territory') AS chained
  FROM m2020;
-- a split and no rule: refused; unknown zones: an error listing them, or dropped, or kept
SELECT nous.cog_convert_flows('{01001>01004:8}', '2021-01-01', '2024-01-01');
SELECT nous.cog_convert_flows('{01001>09999:8, 09998>01004:1, 01004>01004:5}', '2020-01-01', '2022-01-01');
SELECT nous.cog_convert_flows('{01001>09999:8, 09998>01004:1, 01004>01004:5}', '2020-01-01', '2022-01-01', unknown => 'drop');
SELECT nous.cog_convert_flows('{01001>09999:8, 09998>01004:1, 01004>01004:5}', '2020-01-01', '2022-01-01', unknown => 'keep');
SELECT zone, change FROM nous.cog_flow_changes('{01001>09999:8, 09998>01004:1, 01004>01004:5}', '2020-01-01', '2022-01-01');
SELECT nous.cog_convert_flows('{01001>01004:8}', '2020-01-01', '2022-01-01', unknown => 'maybe');
SELECT nous.cog_convert_flows(NULL, '2020-01-01', '2022-01-01') IS NULL AS null_matrix;

-- ---- 3. class variables: named rules and a registered method
CREATE TABLE tc (com text, pop integer, zau integer, typo text);
INSERT INTO tc VALUES ('01001', 100, 1, 'A'), ('01002', 50, 3, 'B'), ('01003', 30, 2, 'B'), ('01004', 70, 1, 'A'),
                      ('01005', 20, 4, 'C'), ('01010', 40, 2, 'B');
-- a user method (family aggregation): the most rural class of the merged communes, the highest code
CREATE FUNCTION max_class(matrix float8[], weights float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg(m ORDER BY i) FROM (SELECT (o - 1) / array_length(matrix, 2) AS i, max(v) AS m
                                               FROM unnest(matrix) WITH ORDINALITY u(v, o) GROUP BY 1) x $$;
SELECT nous.register_method('aggregation', 'max_class', 'max_class(float8[], float8[])');
-- 2020 -> 2024 (territory): 01001 = 01001 (restored split), 01002 = 01002, 01004 = 01003 + 01004,
-- 01006 = 01005 + 01010: max 1, 3, 2, 4; majority by population 1, 3, 1 (70 > 30), 4 (20 < 40: 2);
-- first: the commune keeping the code (01004: 1; 01006: none keeps it, the smallest code 01005: 4)
SELECT a.com, a.zau AS max_class, b.zau AS majority_pop, c.zau AS first, a.typo
  FROM nous.cog_convert(NULL::tc, 'com', '2020-01-01', '2024-01-01',
         '{"pop": "sum", "zau": {"method": "max_class"}, "typo": {"majority": "pop"}}', 'territory') a
  JOIN nous.cog_convert(NULL::tc, 'com', '2020-01-01', '2024-01-01',
         '{"pop": "sum", "zau": {"majority": "pop"}, "typo": "first"}', 'territory') b USING (com)
  JOIN nous.cog_convert(NULL::tc, 'com', '2020-01-01', '2024-01-01',
         '{"pop": "sum", "zau": "first", "typo": "first"}', 'territory') c USING (com)
 ORDER BY 1;
-- a built-in method with parameters: the weighted mean of the codes (shares as weights) across the split,
-- rule weight: 01001 of 2021 (classes 1 and 3 merged: mean 2) gives 2 to 01001 and 01002 of 2024
SELECT com, pop, zau FROM nous.cog_convert(NULL::tc, 'com', '2020-01-01', '2024-01-01',
         '{"pop": "sum", "zau": {"method": "mean"}, "typo": "first"}', 'weight', 'w') ORDER BY com;
-- bad: an unregistered method, a method on a text column, a method that is not a name
SELECT * FROM nous.cog_convert(NULL::tc, 'com', '2020-01-01', '2022-01-01', '{"pop": "sum", "zau": {"method": "nope"}, "typo": "first"}');
SELECT * FROM nous.cog_convert(NULL::tc, 'com', '2020-01-01', '2022-01-01', '{"pop": "sum", "zau": "first", "typo": {"method": "max_class"}}');
SELECT * FROM nous.cog_convert(NULL::tc, 'com', '2020-01-01', '2022-01-01', '{"pop": "sum", "zau": {"method": 3}, "typo": "first"}');

-- ---- 4. the gap to the reference, year by year
-- reference (all areas) 60 / 400 = 0.15 each year; gaps 100 rate / 0.15:
-- 01001: 66.67, 80, 133.33 (décrochage 2020 and 2021); 01004: 133.33, 133.33, 120; 01006: 100, 93.33, 73.33
CREATE TABLE gaps_in (com text, year integer, pauvres float8, menages float8);
INSERT INTO gaps_in VALUES
 ('01001', 2019, 10, 100), ('01004', 2019, 20, 100), ('01006', 2019, 30, 200),
 ('01001', 2020, 12, 100), ('01004', 2020, 20, 100), ('01006', 2020, 28, 200),
 ('01001', 2021, 20, 100), ('01004', 2021, 18, 100), ('01006', 2021, 22, 200);
SELECT area, year, rate, reference_rate, round(gap::numeric, 6) AS gap, round(gap_change::numeric, 6) AS gap_change, decrochage
  FROM nous.reference_gap_series(NULL::gaps_in, 'com', 'year', 'pauvres', 'menages', vintage => '2024-01-01');
-- higher is better (e.g. an employment rate): the falls of 5 points and more
SELECT area, year FROM nous.reference_gap_series(NULL::gaps_in, 'com', 'year', 'pauvres', 'menages', 5, false) WHERE decrochage;
-- the gap equals the window function year by year
SELECT bool_and(abs(s.gap - g.gap) < 1e-12) AS same_as_window
  FROM nous.reference_gap_series(NULL::gaps_in, 'com', 'year', 'pauvres', 'menages') s
  JOIN (SELECT com, year, nous.reference_gap(pauvres, menages) OVER (PARTITION BY year) AS gap FROM gaps_in) g
    ON g.com = s.area AND g.year = s.year;
-- bad: codes of another vintage, an unknown column, a repeated year, a year with fewer areas (a warning)
SELECT count(*) FROM nous.reference_gap_series(NULL::gaps_in, 'com', 'year', 'pauvres', 'menages', vintage => '2020-01-01');
SELECT count(*) FROM nous.reference_gap_series(NULL::gaps_in, 'com', 'annee', 'pauvres', 'menages');
SELECT count(*) FROM nous.reference_gap_series(42, 'com', 'year', 'pauvres', 'menages');
INSERT INTO gaps_in VALUES ('01001', 2021, 1, 10);
SELECT count(*) FROM nous.reference_gap_series(NULL::gaps_in, 'com', 'year', 'pauvres', 'menages');
DELETE FROM gaps_in WHERE menages = 10 OR (com = '01006' AND year = 2021);
SELECT count(*) FROM nous.reference_gap_series(NULL::gaps_in, 'com', 'year', 'pauvres', 'menages');

-- ---- 5. "cumulative" fragility, a registered aggregation method
-- indicator 1: 1 2 3 4 5 (0.8 quantile, type 7: 4.2 -> area 5); indicator 2: 10 50 30 40 20 (42 -> area 2);
-- trends: of 1 -1 0 0.5 NULL -2 (area 3 worsening), of 2 0 0 0 1 3 (areas 4, 5)
SELECT nous.aggregate('{{1,10},{2,50},{3,30},{4,40},{5,20}}', NULL, 'cumulative') AS levels_only,
       nous.aggregate('{{1,10,-1,0},{2,50,0,0},{3,30,0.5,0},{4,40,NULL,1},{5,20,-2,3}}', NULL, 'cumulative(trends=true)') AS with_trends,
       nous.aggregate('{{1,10},{2,50},{3,30},{4,40},{5,20}}', NULL, 'cumulative(q=0.5)') AS worst_half,
       nous.aggregate('{{1,10},{2,50},{3,30},{4,40},{5,20}}', NULL, 'cumulative(classes=2)') AS two_classes;
-- weights 3 and 1 (rescaled to mean 1: 1.5 and 0.5); the trend columns' weights are not used; a row without values: NULL
SELECT nous.aggregate('{{1,10,-1,0},{2,50,0,0},{3,30,0.5,0},{4,40,NULL,1},{5,20,-2,3},{NULL,NULL,NULL,NULL}}',
                      '{3,1,0,0}', 'cumulative(trends=true)') AS weighted;
-- in a map query: the composite window function (normalisation none keeps signs and order)
SELECT a, nous.composite(ARRAY[v1, v2, t1, t2], NULL, NULL, 'none', 'cumulative(trends=true)') OVER () AS fragility
  FROM (VALUES (1, 1, 10, -1, 0), (2, 2, 50, 0, 0), (3, 3, 30, 0.5, 0), (4, 4, 40, NULL, 1), (5, 5, 20, -2, 3)) x(a, v1, v2, t1, t2)
 ORDER BY a;
-- in a stored index definition
SELECT nous.define_index('cumul_test', '[{"column": "v1"}, {"column": "v2"}]', 'minmax', 'cumulative');
CREATE TABLE cum_src (a text, v1 float8, v2 float8);
INSERT INTO cum_src VALUES ('1', 1, 10), ('2', 2, 50), ('3', 3, 30), ('4', 4, 40), ('5', 5, 20);
SELECT key, score FROM nous.index_compute('cumul_test', 'cum_src', 'a') ORDER BY key;
SELECT nous.drop_index('cumul_test');
-- bad: unknown parameter, q out of range, odd columns with trends, weights, non-finite values
SELECT nous.aggregate('{{1,10},{2,50}}', NULL, 'cumulative(p=1)');
SELECT nous.aggregate('{{1,10},{2,50}}', NULL, 'cumulative(q=1.5)');
SELECT nous.aggregate('{{1,10,3},{2,50,4}}', NULL, 'cumulative(trends=true)');
SELECT nous.aggregate_cumulative('{{1,10},{2,50}}', '{1,-1}');
SELECT nous.aggregate_cumulative('{{1,10},{2,Infinity}}', NULL);
SELECT nous.aggregate_cumulative('{1,2,3}', NULL);
SELECT name, builtin FROM nous.methods WHERE family = 'aggregation' AND name = 'cumulative';
SELECT nous.unregister_method('aggregation', 'max_class');

-- ---- 6. perimeters redrawn (QPV 2015 -> 2024): a passage through a grid
-- four unit squares (households 10, 20 below, 30, 40 above); old perimeters A = left half,
-- B = right half; new N1 = [0, 1.5] x [0, 1], N2 = [0.5, 2] x [1, 2]:
-- A n N1 = 10, A n N2 = half of 30 = 15, A outside = 15 (of 40); B n N1 = half of 20 = 10, B n N2 = 40, outside 10 (of 60)
CREATE TEMP TABLE grid AS SELECT public.ST_MakeEnvelope(x, y, x + 1, y + 1, 2154) AS g, w
  FROM (VALUES (0, 0, 10), (1, 0, 20), (0, 1, 30), (1, 1, 40)) v(x, y, w);
CREATE TEMP TABLE old_p (id text, g public.geometry);
INSERT INTO old_p VALUES ('A', public.ST_MakeEnvelope(0, 0, 1, 2, 2154)), ('B', public.ST_MakeEnvelope(1, 0, 2, 2, 2154));
CREATE TEMP TABLE new_p (id text, g public.geometry);
INSERT INTO new_p VALUES ('N1', public.ST_MakeEnvelope(0, 0, 1.5, 1, 2154)), ('N2', public.ST_MakeEnvelope(0.5, 1, 2, 2, 2154));
SELECT code_from, code_to, round(share::numeric, 12) AS share, weight_from, weight_part
  FROM nous.perimeter_passage((SELECT array_agg(id) FROM old_p), (SELECT array_agg(g) FROM old_p),
                              (SELECT array_agg(id) FROM new_p), (SELECT array_agg(g) FROM new_p),
                              (SELECT array_agg(g) FROM grid), (SELECT array_agg(w::float8) FROM grid));
-- the other direction: N1 (20) = 10 from A, 10 from B; N2 (55) = 15 from A, 40 from B
SELECT code_from, code_to, round(share::numeric, 12) AS share, weight_from, weight_part
  FROM nous.perimeter_passage((SELECT array_agg(id) FROM new_p), (SELECT array_agg(g) FROM new_p),
                              (SELECT array_agg(id) FROM old_p), (SELECT array_agg(g) FROM old_p),
                              (SELECT array_agg(g) FROM grid), (SELECT array_agg(w::float8) FROM grid));
-- bad: lengths, a repeated id, two SRIDs, a negative weight
SELECT * FROM nous.perimeter_passage('{A}', (SELECT array_agg(g) FROM old_p), '{N1}', '{}', '{}', '{}');
SELECT * FROM nous.perimeter_passage('{A,A}', (SELECT array_agg(g) FROM old_p), '{N1}', (SELECT array_agg(g) FROM new_p WHERE id = 'N1'),
                                     (SELECT array_agg(g) FROM grid), (SELECT array_agg(w::float8) FROM grid));
SELECT * FROM nous.perimeter_passage('{A}', ARRAY[public.ST_MakeEnvelope(0, 0, 1, 2, 3035)], '{N1}', (SELECT array_agg(g) FROM new_p WHERE id = 'N1'),
                                     (SELECT array_agg(g) FROM grid), (SELECT array_agg(w::float8) FROM grid));
SELECT * FROM nous.perimeter_passage('{A}', (SELECT array_agg(g) FROM old_p WHERE id = 'A'), '{N1}', (SELECT array_agg(g) FROM new_p WHERE id = 'N1'),
                                     (SELECT array_agg(g) FROM grid), '{1,2,3,-4}');
SELECT * FROM nous.perimeter_passage(NULL, NULL, '{N1}', (SELECT array_agg(g) FROM new_p WHERE id = 'N1'), '{}', '{}');
-- an invalid polygon (a bow tie) is refused before GEOS sees it
SELECT * FROM nous.perimeter_passage('{A}', ARRAY['SRID=2154;POLYGON((0 0,1 1,1 0,0 1,0 0))'::public.geometry], '{N1}', (SELECT array_agg(g) FROM new_p WHERE id = 'N1'),
                                     (SELECT array_agg(g) FROM grid), (SELECT array_agg(w::float8) FROM grid));
