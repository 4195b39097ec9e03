-- outputs: map views (QGIS) and BI views (Metabase), French labels and the
-- output validator, on hand-made tables (hand-computed classes) and on the
-- generated territory (checked against nous.breaks/class_of computed apart).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;
DROP SCHEMA IF EXISTS out_test CASCADE;
CREATE SCHEMA out_test;

-- French numbers: decimal comma, thousands grouped by a no-break space
-- (shown here as '_'), no "-0"
SELECT v, d, replace(nous.format_fr(v, d), E'\u00a0', '_') AS fr
  FROM (VALUES (12345.678::float8, 1), (-0.04, 1), (1234567, 0), (0.5, 2), (-1234.5, 0),
               (999.95, 1), (0, 3), ('NaN', 1)) t(v, d);
SELECT nous.format_fr(NULL, 1) IS NULL AS strict;
-- labels of classes: from the minimum to each upper bound; digits: the fewest
-- that keep the bounds apart and move none by more than a tenth of the
-- smallest gap: 1 3 12 30 need none; 0.0512 0.0823 0.1234 (smallest gap
-- 0.0311) need three, as two would move 0.1234 by 0.0034 > 0.00311; 1 4.5 9
-- need one (4.5 -> 5 moves by 0.5 > 0.35); a class of a single value (1, 1)
-- is that value
SELECT nous.class_labels('{3,12,30}', 1) AS integers,
       nous.class_labels('{0.0823,0.1234}', 0.0512) AS rates,
       nous.class_labels('{0.0823,0.1234}', 0.0512, 3) AS three_digits,
       nous.class_labels('{1,5}', 1) AS single_value,
       nous.class_labels('{4.5,9}', 1) AS halves,
       nous.class_labels('{10,20}', NULL) AS no_minimum,
       nous.class_labels('{}', 1) AS empty,
       nous.class_labels('{12000,15500}', 9800) AS euros;

-- ---------------------------------------------------------------- a hand-made map
-- eight 100 m squares in a row, values 12 1 NULL 30 2 11 3 10 (ids 1..8):
-- natural breaks, k = 3: {1,2,3} {10,11,12} {30} (SDCM 4: the minimum), so
-- breaks {3,12,30} and classes 2 1 - 3 1 2 1 2; labels 1 – 3, 3 – 12, 12 – 30
CREATE TABLE out_test.cells (id int, name text, v numeric, geom public.geometry);
INSERT INTO out_test.cells
SELECT i, 'cellule ' || i, v, public.ST_MakeEnvelope(650000 + 100 * i, 6860000, 650100 + 100 * i, 6860100, 2154)
  FROM unnest('{12,1,NULL,30,2,11,3,10}'::numeric[]) WITH ORDINALITY u(v, i);
SELECT nous.create_map_view('out_test.map_cells', 'SELECT id, name, v, geom FROM out_test.cells',
                            'id', 'geom', 'v', k => 3, descriptions => '{"name": "Nom de la cellule"}');
SELECT id, name, v, class, class_lower, class_upper, class_label, public.ST_AsText(geom) = public.ST_AsText(c.g) AS same_geom
  FROM out_test.map_cells JOIN (SELECT id, geom AS g FROM out_test.cells) c USING (id) ORDER BY id;
SELECT * FROM out_test.map_cells_legend;
-- the classes are nous.class_of with nous.breaks over the whole table
SELECT bool_and(m.class IS NOT DISTINCT FROM nous.class_of(c.v, b.br)) AS same_as_breaks, b.br
  FROM out_test.map_cells m JOIN out_test.cells c USING (id),
       (SELECT nous.breaks(v, 3) AS br FROM out_test.cells) b GROUP BY b.br;
-- the columns as QGIS sees them: bigint key, typed geometry with SRID
SELECT column_name, data_type, plain, is_geometry, geometry_type, srid, description IS NOT NULL AS commented
  FROM nous.output_columns('out_test.map_cells');
SELECT obj_description('out_test.map_cells'::regclass, 'pg_class');
SELECT col_description('out_test.map_cells'::regclass, 5) AS class_comment;
SELECT * FROM nous.check_output('out_test.map_cells');
SELECT * FROM nous.check_output('out_test.map_cells_legend');
SELECT indexdef FROM pg_indexes WHERE schemaname = 'out_test' AND tablename = 'map_cells' ORDER BY 1;

-- refresh: the breaks follow the data.  Cell 3 gets 100: values 1 2 3 10 11
-- 12 30 100, k = 3: {1 .. 12} (SDCM 125.5) {30} {100} beats {1,2,3}
-- {10,11,12,30} {100} (2 + 272.75) and {1,2,3} {10,11,12} {30,100} (2454):
-- breaks {12,30,100}; the legend view sees the same breaks
UPDATE out_test.cells SET v = 100 WHERE id = 3;
REFRESH MATERIALIZED VIEW CONCURRENTLY out_test.map_cells;
SELECT id, v, class, class_label FROM out_test.map_cells ORDER BY id;
SELECT * FROM out_test.map_cells_legend;
SELECT (SELECT nous.breaks(v, 3) FROM out_test.cells) AS breaks_by_hand_check;

-- fixed breaks {5, 20}: class 1 up to 5 (open below), class 2 above 5 (open
-- above: 30 and 100 are in it); bounds widened to the data: 1 – 5, 5 – 100
SELECT nous.create_map_view('out_test.map_fixed', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v',
                            breaks => '{5,20}');
SELECT id, v, class, class_lower, class_upper, class_label FROM out_test.map_fixed ORDER BY id;
SELECT * FROM out_test.map_fixed_legend;
-- values on a break (3 and 11 with breaks {3, 11, 100}): right-closed (default,
-- mapclassify) puts them in the class below, left-closed (classInt) above;
-- by hand: 3 -> 1 | 2, 10 -> 2 | 2, 11 -> 2 | 3, 12 -> 3 | 3 (the maximum, 100,
-- stays in the last class either way)
SELECT nous.create_map_view('out_test.map_right', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v',
                            breaks => '{3,11,100}');
SELECT nous.create_map_view('out_test.map_left', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v',
                            breaks => '{3,11,100}', closed => 'left');
SELECT r.id, r.v, r.class AS right_class, l.class AS left_class
  FROM out_test.map_right r JOIN out_test.map_left l USING (id) WHERE r.v IN (3, 10, 11, 12, 100) ORDER BY r.v;
SELECT class, features FROM out_test.map_left_legend ORDER BY class;
SELECT nous.create_map_view('out_test.map_bad', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v',
                            closed => 'both'); -- 22023
-- lines; quantiles of 1..12 in 4 classes (type 7: 1 + 11 c/4 = 3.75, 6.5,
-- 9.25, 12), 3 lines a class; labels with 2 decimals: 1,00 – 3,75 …
CREATE TABLE out_test.line AS
SELECT i AS id, i::float8 AS v, public.ST_SetSRID(public.ST_MakeLine(public.ST_MakePoint(i, 0), public.ST_MakePoint(i, 1)), 2154) AS geom
  FROM generate_series(1, 12) i;
SELECT nous.create_map_view('out_test.map_line', 'SELECT id, v, geom FROM out_test.line', 'id', 'geom', 'v',
                            k => 4, method => 'quantile', digits => 2);
SELECT * FROM out_test.map_line_legend;
SELECT geometry_type, srid FROM nous.output_columns('out_test.map_line') WHERE is_geometry;

-- Polygon and MultiPolygon together: promoted to MultiPolygon
CREATE TABLE out_test.mixed AS
SELECT 1 AS id, 1.0 AS v, public.ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 2154) AS geom
UNION ALL SELECT 2, 2.0, public.ST_GeomFromText('MULTIPOLYGON(((2 0,3 0,3 1,2 0)),((4 0,5 0,5 1,4 0)))', 2154);
SELECT nous.create_map_view('out_test.map_mixed', 'SELECT id, v, geom FROM out_test.mixed', 'id', 'geom', 'v', k => 2);
SELECT id, public.ST_AsText(geom) FROM out_test.map_mixed ORDER BY id;
SELECT geometry_type, srid FROM nous.output_columns('out_test.map_mixed') WHERE is_geometry;

-- no row but a typed geometry: an empty layer, refreshable; its legend is empty
SELECT nous.create_map_view('out_test.map_empty',
  'SELECT id, v, geom::public.geometry(Polygon, 2154) AS geom FROM out_test.cells WHERE false', 'id', 'geom', 'v');
SELECT count(*) FROM out_test.map_empty;
SELECT count(*) FROM out_test.map_empty_legend;
INSERT INTO out_test.cells VALUES (9, 'cellule 9', 5, public.ST_MakeEnvelope(0, 0, 1, 1, 2154));
REFRESH MATERIALIZED VIEW out_test.map_empty;
SELECT * FROM nous.check_output('out_test.map_empty') WHERE NOT ok;
DELETE FROM out_test.cells WHERE id = 9;

-- replace: the map and its legend are recreated
SELECT nous.create_map_view('out_test.map_cells', 'SELECT id, name, v, geom FROM out_test.cells',
                            'id', 'geom', 'v', k => 2, descriptions => '{"name": "Nom", "v": "Valeur test"}',
                            description => 'Carte de test', replace => true);
SELECT obj_description('out_test.map_cells'::regclass, 'pg_class'), col_description('out_test.map_cells'::regclass, 3);
SELECT count(*) AS classes FROM out_test.map_cells_legend;

-- bad inputs
CALL public.expect_error($e$SELECT nous.create_map_view('map_cells', 'SELECT 1', 'id', 'geom', 'v')$e$);                                   -- 42602
CALL public.expect_error($e$SELECT nous.create_map_view('no_schema.m', 'SELECT 1', 'id', 'geom', 'v')$e$);                                 -- 3F000
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.map_cells', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 42P07
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.cells', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v', replace => true)$e$); -- 42809
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM cells', 'id', 'geom', 'v')$e$);             -- 42P01
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells; DROP TABLE out_test.cells', 'id', 'geom', 'v')$e$); -- 42601
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'nope', 'geom', 'v')$e$);  -- 42703
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'nope')$e$); -- 42703
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT name, v, geom FROM out_test.cells', 'name', 'geom', 'v')$e$); -- 42804
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, name, geom FROM out_test.cells', 'id', 'geom', 'name')$e$); -- 42804
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, name AS geom FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 42804
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom, ARRAY[id] AS a FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 42804
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom, name FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 22023 (no description)
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v', descriptions => '{"nope": "x"}')$e$); -- 42703
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v', descriptions => '[]')$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom, 1 AS class FROM out_test.cells', 'id', 'geom', 'v', descriptions => '{"class": "x"}')$e$); -- 42701
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT 1 AS id, v, geom FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 23505
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT NULLIF(id, 2) AS id, v, geom FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 23502
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, CASE WHEN id > 2 THEN geom END AS geom FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 23502
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, CASE WHEN id > 2 THEN geom ELSE public.ST_Transform(geom, 4326) END AS geom FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, public.ST_SetSRID(geom, 0) AS geom FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, CASE WHEN id > 2 THEN geom ELSE public.ST_Centroid(geom) END AS geom FROM out_test.cells', 'id', 'geom', 'v')$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells WHERE false', 'id', 'geom', 'v')$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v', k => 0)$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v', method => 'nope')$e$); -- 42704
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v', breaks => '{3,2}')$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'id', 'geom', 'v', breaks => '{NaN}')$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM out_test.cells', 'id', NULL, 'v')$e$);      -- 22004
CALL public.expect_error($e$SELECT nous.create_map_view('out_test.m', NULL, 'id', 'geom', 'v')$e$);                                        -- 22004
CALL public.expect_error($e$SELECT nous.format_fr(1, 16)$e$);                                                                              -- 22023
CALL public.expect_error($e$SELECT nous.class_labels('{1,NULL}', 0)$e$);                                                                   -- 22004
\set SHOW_CONTEXT never
-- a few full messages
SELECT nous.create_map_view('out_test.m', 'SELECT id, v, CASE WHEN id > 2 THEN geom ELSE public.ST_Transform(geom, 4326) END AS geom FROM out_test.cells', 'id', 'geom', 'v');
SELECT nous.create_map_view('out_test.m', 'SELECT id % 3 AS id, v, geom FROM out_test.cells', 'id', 'geom', 'v');
SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom, name, name AS name2 FROM out_test.cells', 'id', 'geom', 'v');
SELECT nous.create_map_view('out_test.m', 'SELECT id, v, geom FROM cells', 'id', 'geom', 'v');
\set SHOW_CONTEXT errors
-- nothing was left behind by the failures
SELECT count(*) FROM pg_class WHERE relname IN ('m', 'nous_output_probe');

-- ---------------------------------------------------------------- BI views
SELECT nous.create_bi_view('out_test.bi_cells',
  'SELECT id, name, v, v > 10 AS high, ARRAY[id, id] AS pair, jsonb_build_object(''id'', id) AS j FROM out_test.cells',
  'Cellules de test', '{"id": "Identifiant", "name": "Nom", "v": "Valeur", "high": "Valeur > 10",
                       "pair": "Identifiant deux fois", "j": "Objet JSON"}', cast_to_text => true);
SELECT column_name, data_type, plain, description FROM nous.output_columns('out_test.bi_cells');
SELECT * FROM out_test.bi_cells ORDER BY id LIMIT 2;
SELECT * FROM nous.check_output('out_test.bi_cells');
SELECT * FROM nous.check_output('out_test.bi_cells', 'id');
-- materialized, with a key: unique index, refreshable concurrently
SELECT nous.create_bi_view('out_test.bi_mat', 'SELECT id::smallint AS id, name FROM out_test.cells', 'Cellules',
                           '{"id": "Identifiant", "name": "Nom"}', key_column => 'id', materialized => true);
REFRESH MATERIALIZED VIEW CONCURRENTLY out_test.bi_mat;
SELECT * FROM nous.check_output('out_test.bi_mat');
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id, pair FROM (SELECT id, ARRAY[id] AS pair FROM out_test.cells) s', 'x', '{"id": "a", "pair": "b"}')$e$); -- 42804
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id, geom FROM out_test.cells', 'x', '{"id": "a", "geom": "b"}', cast_to_text => true)$e$); -- 42804
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id, name, v FROM out_test.cells', 'x', '{"id": "a"}')$e$);  -- 22023
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id, name FROM out_test.cells', 'x', '{"id": "a", "name": ""}')$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id FROM out_test.cells', 'x', '{"id": 1}')$e$);              -- 22023
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id FROM out_test.cells', 'x', NULL)$e$);                     -- 22023
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id FROM out_test.cells', '', '{"id": "a"}')$e$);              -- 22023
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id FROM out_test.cells', 'x', '{"id": "a"}', materialized => true)$e$); -- 22023
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT id FROM out_test.cells', 'x', '{"id": "a"}', key_column => 'nope')$e$); -- 42703
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT name FROM out_test.cells', 'x', '{"name": "a"}', key_column => 'name')$e$); -- 42804
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT 1 AS id FROM out_test.cells', 'x', '{"id": "a"}', key_column => 'id')$e$); -- 23505
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT 1 AS id FROM out_test.cells', 'x', '{"id": "a"}', key_column => 'id', materialized => true)$e$); -- 23505
CALL public.expect_error($e$SELECT nous.create_bi_view('out_test.b', 'SELECT NULL::int AS id', 'x', '{"id": "a"}', key_column => 'id')$e$); -- 23502
\set SHOW_CONTEXT never
SELECT nous.create_bi_view('out_test.b', 'SELECT id, name, v, ARRAY[v] AS a FROM out_test.cells', 'x', '{"id": "a"}');
SELECT nous.create_bi_view('out_test.b', 'SELECT id, name, v FROM out_test.cells', 'x', '{"id": "a"}');

\set SHOW_CONTEXT errors

-- ---------------------------------------------------------------- check_output fails
-- on views that break the conventions: no comments, an array, a geometry
-- without type or SRID, no unique index, no spatial index, a NULL key, no data
CREATE MATERIALIZED VIEW out_test.bad_map AS
SELECT id, v, ARRAY[id] AS a, public.ST_SetSRID(geom, 0) AS geom FROM out_test.cells WITH NO DATA;
SELECT * FROM nous.check_output('out_test.bad_map');
CREATE TABLE out_test.bad_table (id bigint UNIQUE, g public.geometry(Polygon, 2154), t text);
CREATE INDEX ON out_test.bad_table USING gist (g);
INSERT INTO out_test.bad_table VALUES (1, NULL, 'a'), (NULL, NULL, 'b');
COMMENT ON TABLE out_test.bad_table IS 'test';
COMMENT ON COLUMN out_test.bad_table.id IS 'clé';
SELECT * FROM nous.check_output('out_test.bad_table');
CREATE VIEW out_test.bad_view AS SELECT id, geom::public.geometry(Polygon, 2154) AS geom FROM out_test.cells
UNION ALL SELECT 1, NULL;
SELECT * FROM nous.check_output('out_test.bad_view');
SELECT * FROM nous.check_output('out_test.bad_view', 'id');
SELECT * FROM nous.check_output('out_test.bad_view', 'nope');
CREATE SEQUENCE out_test.seq;
SELECT * FROM nous.check_output('out_test.seq');

-- ---------------------------------------------------------------- generated territory
\set ECHO none
\set seed 42
\set scale 1
\o /dev/null
\ir test/gen/generate.sql
\o
\set ECHO all
-- squares: unemployment rate in 5 natural-break classes
SELECT nous.create_map_view('out_test.map_squares',
  'SELECT square_id, com_code, qpv_code IS NOT NULL AS in_qpv, unemployment_rate, geom FROM nous_demo.squares',
  'square_id', 'geom', 'unemployment_rate',
  descriptions => '{"com_code": "Code de la commune", "in_qpv": "Centre dans un QPV", "unemployment_rate": "Taux de chômage"}');
-- IRIS: population-weighted mean of the rates, quantiles
SELECT nous.create_map_view('out_test.map_iris',
  'SELECT row_number() OVER (ORDER BY i.iris_code) AS id, i.iris_code, i.name,
          sum(s.unemployment_rate * s.population) / sum(s.population) FILTER (WHERE s.unemployment_rate IS NOT NULL) AS rate,
          i.geom
     FROM nous_demo.iris i JOIN nous_demo.squares s USING (iris_code) GROUP BY i.iris_code',
  'id', 'geom', 'rate', k => 4, method => 'quantile',
  descriptions => '{"iris_code": "Code IRIS", "name": "Nom de l''IRIS"}');
-- every check passes
SELECT v, bool_and(ok) AS all_ok, count(*) AS checks
  FROM unnest('{out_test.map_squares,out_test.map_squares_legend,out_test.map_iris,out_test.map_iris_legend}'::regclass[]) v,
       nous.check_output(v) GROUP BY v ORDER BY v::text;
-- as many rows as the source; classes = class_of(breaks of the source); the
-- NULL rates (about 2 %) have no class; bounds and labels are the legend's
SELECT (SELECT count(*) FROM out_test.map_squares) = (SELECT count(*) FROM nous_demo.squares) AS same_count,
       (SELECT count(*) FROM out_test.map_squares WHERE class IS NULL)
         = (SELECT count(*) FROM nous_demo.squares WHERE unemployment_rate IS NULL) AS nulls_unclassed;
WITH b AS (SELECT nous.breaks(unemployment_rate, 5, 'fisher') AS br FROM nous_demo.squares)
SELECT bool_and(m.class IS NOT DISTINCT FROM nous.class_of(s.unemployment_rate, b.br)) AS classes_ok,
       bool_and(m.class IS NULL OR m.class_upper = b.br[m.class]) AS upper_ok,
       bool_and(m.class IS NULL OR m.class_lower = coalesce(b.br[m.class - 1], (SELECT min(unemployment_rate) FROM nous_demo.squares))) AS lower_ok,
       bool_and(m.unemployment_rate IS NULL OR m.unemployment_rate > m.class_lower OR m.class = 1) AS in_bounds,
       bool_and(m.unemployment_rate IS NULL OR m.unemployment_rate <= m.class_upper) AS in_bounds_up,
       cardinality(b.br) AS k
  FROM out_test.map_squares m JOIN nous_demo.squares s USING (square_id), b GROUP BY b.br;
SELECT bool_and(l.label = m.class_label AND l.lower = m.class_lower AND l.upper = m.class_upper) AS legend_matches,
       (SELECT sum(features) FROM out_test.map_squares_legend) = (SELECT count(class) FROM out_test.map_squares) AS counts_ok
  FROM out_test.map_squares m JOIN out_test.map_squares_legend l USING (class);
-- quantile classes of the 39 IRIS: 4 classes of 9 or 10 (39 = 10 + 10 + 9 + 10
-- for type 7 bounds at 25 %, 50 %, 75 % of 38 intervals: ranks 10.5, 20, 29.5)
SELECT class, features FROM out_test.map_iris_legend ORDER BY class;
SELECT (SELECT count(*) FROM out_test.map_iris) AS iris,
       (SELECT geometry_type || ',' || srid FROM nous.output_columns('out_test.map_iris') WHERE is_geometry) AS geom;
-- a BI table for Metabase: communes with their population and a class label
SELECT nous.create_bi_view('out_test.bi_communes',
  'SELECT c.com_code, c.name, c.population, m.class_label AS chomage_classe
     FROM nous_demo.communes c
     LEFT JOIN (SELECT com_code, (array_agg(class_label ORDER BY class))[1] AS class_label
                  FROM out_test.map_squares WHERE class IS NOT NULL GROUP BY com_code) m USING (com_code)',
  'Communes de l''agglomération de démonstration',
  '{"com_code": "Code commune (INSEE)", "name": "Nom de la commune", "population": "Population",
    "chomage_classe": "Plus basse classe de chômage de ses carreaux"}');
SELECT count(*) FROM out_test.bi_communes;
SELECT bool_and(ok) FROM nous.check_output('out_test.bi_communes');

-- ---------------------------------------------------------------- one statement only
-- (security issue, finding 12) a second statement smuggled in the query never
-- runs, even when the call fails: after a semicolon, or with the parentheses
-- of the wrapper balanced by the query itself; nor a statement that is not
-- a SELECT
CREATE TABLE out_test.victim AS SELECT 1 AS x;
SELECT nous.create_map_view('out_test.map_evil', 'SELECT id, v, geom FROM out_test.cells; DROP TABLE out_test.victim',
                            'id', 'geom', 'v');
SELECT nous.create_map_view('out_test.map_evil',
  'SELECT id, v, geom FROM out_test.cells) q; DROP TABLE out_test.victim; SELECT * FROM (SELECT 1',
  'id', 'geom', 'v');
SELECT nous.create_bi_view('out_test.bi_evil', 'SELECT 1 AS a) q; DROP TABLE out_test.victim; SELECT * FROM (SELECT 1',
                           'x', '{"a": "a"}');
SELECT nous.create_bi_view('out_test.bi_evil', 'DELETE FROM out_test.victim RETURNING x', 'x', '{"x": "x"}');
SELECT nous.create_bi_view('out_test.bi_evil', 'SELECT 1 AS a; SELECT 2 AS a', 'x', '{"a": "a"}');
SELECT count(*) AS victim_rows FROM out_test.victim;
-- nous.create_staging(..., temporary => false) quotes the name it is given
-- (the PL/pgSQL context line differs between server versions)
\set SHOW_CONTEXT never
SELECT nous.create_staging('out_test.st (a text); DROP TABLE out_test.victim; CREATE TABLE out_test.st2',
                           'a;b', temporary => false);
\set SHOW_CONTEXT errors
SELECT nous.create_staging('out_test."Staging one"', 'a;b', temporary => false);
SELECT attname FROM pg_attribute WHERE attrelid = 'out_test."Staging one"'::regclass AND attnum > 0 ORDER BY attnum;
-- (issue 15) a permanent table with an unqualified name: a clear error
-- naming the fix, not an attempt at pg_catalog.squares
SELECT nous.create_staging('squares', 'a;b', temporary => false);
SELECT count(*) AS victim_rows FROM out_test.victim;
-- a trailing semicolon is still fine
SELECT nous.create_bi_view('out_test.bi_ok', 'SELECT 1 AS a;', 'x', '{"a": "a"}');

-- ---------------------------------------------------------------- statistical secrecy in maps
-- (issue 15) the unemployment rate of a square is hidden when the square
-- holds fewer than 11 households (its denominator): value NULL, class 0,
-- « secret statistique »; the breaks are computed over the published values
-- only; the household count itself and the other figures of a secret row go
-- NULL too.  Checked against the rule recomputed in plain SQL.
SELECT nous.create_map_view('out_test.map_squares_secret',
  'SELECT square_id, com_code, households, unemployment_rate, geom FROM nous_demo.squares',
  'square_id', 'geom', 'unemployment_rate', count_column => 'households',
  descriptions => '{"com_code": "Code de la commune", "households": "Ménages"}');
SELECT count(*) AS squares,
       count(*) FILTER (WHERE (s.households > 0 AND s.households < 11)) AS under_11,
       count(*) FILTER (WHERE m.secrecy_status = 'secret statistique') AS secret,
       count(*) FILTER (WHERE (m.secrecy_status = 'secret statistique') <> ((s.households > 0 AND s.households < 11))) AS wrong_status,
       count(*) FILTER (WHERE m.unemployment_rate IS NOT NULL AND (s.households > 0 AND s.households < 11)) AS published_under_11,
       count(*) FILTER (WHERE m.households > 0 AND m.households < 11) AS counts_1_to_10_published,
       count(*) FILTER (WHERE m.class = 0) = count(*) FILTER (WHERE m.secrecy_status = 'secret statistique') AS class_0,
       bool_and(m.class_label = 'secret statistique') FILTER (WHERE m.class = 0) AS labels
  FROM out_test.map_squares_secret m JOIN nous_demo.squares s USING (square_id);
WITH b AS (SELECT nous.breaks(unemployment_rate, 5, 'fisher') AS br, min(unemployment_rate) AS lo
             FROM nous_demo.squares WHERE NOT (households > 0 AND households < 11))
SELECT bool_and(m.class IS NOT DISTINCT FROM nous.class_of(m.unemployment_rate, b.br)) FILTER (WHERE m.class <> 0) AS classes_over_published,
       min(m.class_lower) = min(b.lo) AS lowest_bound_published
  FROM out_test.map_squares_secret m, b;
SELECT class, label, features > 0 AS drawn FROM out_test.map_squares_secret_legend WHERE class = 0 OR class = 1 ORDER BY class;
SELECT (SELECT sum(features) FROM out_test.map_squares_secret_legend) = (SELECT count(*) FROM out_test.map_squares_secret WHERE class IS NOT NULL) AS legend_counts;
SELECT col_description('out_test.map_squares_secret'::regclass,
       (SELECT attnum FROM pg_attribute WHERE attrelid = 'out_test.map_squares_secret'::regclass AND attname = 'secrecy_status')) AS status_comment;
SELECT bool_and(ok) AS conventions FROM nous.check_output('out_test.map_squares_secret');
-- the rule of the catalogue: an indicator with a threshold of 20
INSERT INTO nous.indicators (code, label, secrecy_threshold) VALUES ('out_households20', 'test', 20);
SELECT nous.create_map_view('out_test.map_squares_20',
  'SELECT square_id, households, unemployment_rate, geom FROM nous_demo.squares',
  'square_id', 'geom', 'unemployment_rate', count_column => 'households', indicator => 'out_households20',
  descriptions => '{"households": "Ménages"}');
SELECT count(*) FILTER (WHERE (m.secrecy_status = 'secret statistique') <> ((s.households > 0 AND s.households < 20))) AS wrong_status_20
  FROM out_test.map_squares_20 m JOIN nous_demo.squares s USING (square_id);
-- a count map: the count is the value
SELECT nous.create_map_view('out_test.map_cells_secret', 'SELECT id, name, v, geom FROM out_test.cells',
                            'id', 'geom', 'v', k => 2, threshold => 11, descriptions => '{"name": "Nom"}');
SELECT id, v, class, class_label, secrecy_status FROM out_test.map_cells_secret ORDER BY id;
SELECT nous.create_map_view('out_test.map_bad', 'SELECT id, name, v, geom FROM out_test.cells',
                            'id', 'geom', 'v', count_column => 'name', descriptions => '{"name": "Nom"}');
SELECT nous.create_map_view('out_test.map_bad', 'SELECT id, name, v, geom FROM out_test.cells',
                            'id', 'geom', 'v', count_column => 'nope', descriptions => '{"name": "Nom"}');
SELECT nous.create_map_view('out_test.map_bad', 'SELECT id, name, v, geom FROM out_test.cells',
                            'id', 'geom', 'v', threshold => 0, descriptions => '{"name": "Nom"}');
-- a BI view: every number of a secret row goes NULL, the key stays
SELECT nous.create_bi_view('out_test.bi_squares_secret',
  'SELECT square_id, com_code, households, unemployment_rate FROM nous_demo.squares',
  'Carreaux', '{"square_id": "Carreau", "com_code": "Commune", "households": "Ménages", "unemployment_rate": "Taux de chômage"}',
  key_column => 'square_id', count_column => 'households');
SELECT count(*) FILTER (WHERE b.secrecy_status = 'secret statistique') = count(*) FILTER (WHERE (s.households > 0 AND s.households < 11)) AS same_secret,
       count(*) FILTER (WHERE (b.households > 0 AND b.households < 11) OR (b.unemployment_rate IS NOT NULL AND (s.households > 0 AND s.households < 11))) AS leaks,
       count(*) FILTER (WHERE s.square_id IS NULL) AS lost_keys,
       count(*) FILTER (WHERE b.secrecy_status = 'secret statistique') > 0 AS has_secret
  FROM out_test.bi_squares_secret b LEFT JOIN nous_demo.squares s USING (square_id);
-- without key_column, every number of a secret row goes NULL (an integer id
-- too: pass key_column to keep it, or give ids as text)
SELECT nous.create_bi_view('out_test.bi_squares_nokey',
  'SELECT square_id, households FROM nous_demo.squares', 'Carreaux', '{"square_id": "Carreau", "households": "Ménages"}',
  count_column => 'households');
SELECT count(*) FILTER (WHERE square_id IS NULL) = count(*) FILTER (WHERE secrecy_status = 'secret statistique') AS ids_nulled
  FROM out_test.bi_squares_nokey;
SELECT nous.create_bi_view('out_test.bi_bad', 'SELECT 1 AS a', 'x', '{"a": "a"}', threshold => 11);

-- (issue 15) a stored index to its map in one call: six zones keyed by a
-- text code, a = 1..6 and b = 6..1 with polarity -1, so the score grows with
-- a (zone Z6 highest: rank 1, index class 3 of 3); Z6 has 5 households:
-- secret, no figure published, class 0; the index's own classes are
-- index_class (quantiles of nous.index_compute, equal to it), the map's are class
CREATE TABLE out_test.zones (code text, a float8, b float8, households int, geom public.geometry);
COMMENT ON COLUMN out_test.zones.code IS 'Code de la zone (source)';
INSERT INTO out_test.zones
SELECT 'Z' || i, i, 7 - i, CASE WHEN i = 6 THEN 5 ELSE 20 * i END,
       public.ST_MakeEnvelope(650000 + 100 * i, 6870000, 650100 + 100 * i, 6870100, 2154)
  FROM generate_series(1, 6) i;
SELECT nous.define_index('out_idx', '[{"column": "a", "label": "chômage"},
                                      {"column": "b", "polarity": -1, "label": "revenu"}]',
                         k => 3, description => 'fragilité de test');
SELECT nous.create_index_map_view('out_test.map_idx', 'out_idx', 'out_test.zones', 'code', 'geom',
                                  count_column => 'households');
SELECT map_id, code, round(score::numeric, 4) AS score, index_rank, index_class, class, class_label, secrecy_status
  FROM out_test.map_idx ORDER BY map_id;
-- the published figures are those of nous.index_compute
SELECT count(*) AS rows, count(*) FILTER (WHERE m.score = i.score AND m.index_class = i.class AND m.index_rank = i.rank) AS same,
       count(*) FILTER (WHERE m.score IS NULL AND m.secrecy_status = 'secret statistique') AS secret
  FROM out_test.map_idx m JOIN nous.index_compute('out_idx', 'out_test.zones', 'code') i ON i.key = m.code;
SELECT column_name, data_type, description FROM nous.output_columns('out_test.map_idx')
 WHERE column_name IN ('map_id', 'code', 'score', 'index_rank', 'index_class', 'households');
SELECT obj_description('out_test.map_idx'::regclass, 'pg_class');
-- the map computes the index: drop_index refuses while it exists
SELECT view, kind FROM nous.index_users('out_idx');
\set VERBOSITY terse
SELECT nous.drop_index('out_idx');
SELECT nous.create_index_map_view('out_test.map_idx2', 'nope', 'out_test.zones', 'code', 'geom');
SELECT nous.create_index_map_view('out_test.map_idx2', 'out_idx', 'out_test.zones', 'nope', 'geom');
\set VERBOSITY default
DROP MATERIALIZED VIEW out_test.map_idx CASCADE;
SELECT nous.drop_index('out_idx');

-- (issue 15) a rate stored as a fraction shows as a percentage: scale 100,
-- unit %, one decimal: values 0.01 .. 0.3 (the cells' v / 100), k = 3 as
-- above: labels « 1,0 % – 3,0 % », « 3,0 % – 12,0 % », « 12,0 % – 30,0 % »;
-- the stored values and bounds stay fractions; the value's description is
-- the source column's own comment, and a column without a description
-- (name) takes its source comment too
UPDATE out_test.cells SET v = NULL WHERE id = 3;
COMMENT ON COLUMN out_test.cells.name IS 'Nom de la cellule (commentaire de la source)';
CREATE VIEW out_test.cell_rates AS SELECT id, name, v / 100 AS rate, geom FROM out_test.cells;
COMMENT ON COLUMN out_test.cell_rates.rate IS 'Taux de test (part, de 0 à 1)';
SELECT nous.create_map_view('out_test.map_rates', 'SELECT c.id, c.name, r.rate, c.geom FROM out_test.cells c JOIN out_test.cell_rates r USING (id)',
                            'id', 'geom', 'rate', k => 3, scale => 100, unit => '%', digits => 1);
SELECT id, rate, class, class_lower, class_upper, class_label FROM out_test.map_rates ORDER BY id;
SELECT class, label, features FROM out_test.map_rates_legend;
SELECT column_name, description FROM nous.output_columns('out_test.map_rates') WHERE column_name IN ('name', 'rate');
SELECT nous.class_labels('{0.069}', 0.021, 1, 100, '%') AS one_class, nous.class_labels('{0.5,2}', NULL, 0, 1, 'ménages') AS open_below;
\set VERBOSITY terse
SELECT nous.create_map_view('out_test.map_bad', 'SELECT id, rate, geom FROM out_test.cell_rates', 'id', 'geom', 'rate', scale => 0);
SELECT nous.create_map_view('out_test.map_bad', 'SELECT id, rate, geom FROM out_test.cell_rates', 'id', 'geom', 'rate', parent_column => 'id');
\set VERBOSITY default

-- (issue 15) a map whose rows are parts of totals published elsewhere
-- (squares within communes): parent_column applies secondary suppression
-- as nous.secrecy_publish.  Counts by group: A 5 20 30 (5 primary: alone it
-- would be the total minus 50, so a second cell goes), B 3 4 40 (two primary:
-- their sum 7 does not give either), C 15 25 (none), D 0 6 (6 primary, 0 is
-- never a complement: 6 stays recoverable?  no: the only other cell is 0, so
-- the total itself is 6, under the threshold, and not published)
CREATE TABLE out_test.parts (id int, grp text, n int, geom public.geometry);
INSERT INTO out_test.parts
SELECT i, g, n, public.ST_MakeEnvelope(660000 + 100 * i, 6860000, 660100 + 100 * i, 6860100, 2154)
  FROM (VALUES (1, 'A', 5), (2, 'A', 20), (3, 'A', 30), (4, 'B', 3), (5, 'B', 4), (6, 'B', 40),
               (7, 'C', 15), (8, 'C', 25), (9, 'D', 0), (10, 'D', 6)) v(i, g, n);
SELECT nous.create_map_view('out_test.map_parts', 'SELECT id, grp, n, n / 100.0 AS share, geom FROM out_test.parts',
                            'id', 'geom', 'share', k => 2, count_column => 'n', parent_column => 'grp',
                            descriptions => '{"grp": "Groupe", "n": "Effectif"}');
SELECT id, grp, n, share, class, secrecy_status FROM out_test.map_parts ORDER BY id;
-- independent audit: in no group whose total is publishable (>= 11) is
-- exactly one cell hidden (it would be the total minus the others), and no
-- published count is 1 to 10
SELECT count(*) AS groups_with_one_hidden_cell FROM (
  SELECT p.grp FROM out_test.parts p JOIN out_test.map_parts m USING (id)
   GROUP BY p.grp HAVING sum(p.n) >= 11 AND count(*) FILTER (WHERE m.secrecy_status <> 'diffusé') = 1) g;
SELECT count(*) AS published_small_counts FROM out_test.map_parts WHERE n BETWEEN 1 AND 10;
-- the same statuses as nous.secrecy_publish on the same hierarchy
SELECT count(*) AS disagreements
  FROM out_test.map_parts m
  JOIN nous.secrecy_publish('SELECT id::text AS id, ''parent:'' || grp AS parent, n FROM out_test.parts
                             UNION ALL SELECT ''parent:'' || grp, NULL, sum(n) FROM out_test.parts GROUP BY grp',
                            'id', 'parent', 'n', threshold => 11) p ON p.id = m.id::text
 WHERE (p.status = 'published') <> (m.secrecy_status = 'diffusé');

-- the same hierarchy as a BI view (key_column and parent_column): the same
-- statuses as the map
SELECT nous.create_bi_view('out_test.bi_parts', 'SELECT id, grp, n FROM out_test.parts', 'Parts',
                           '{"id": "Identifiant", "grp": "Groupe", "n": "Effectif"}',
                           key_column => 'id', count_column => 'n', parent_column => 'grp');
SELECT b.id, b.grp, b.n, b.secrecy_status, b.secrecy_status = m.secrecy_status AS same_as_map
  FROM out_test.bi_parts b JOIN out_test.map_parts m USING (id) ORDER BY b.id;
\set VERBOSITY terse
SELECT nous.create_bi_view('out_test.bi_bad2', 'SELECT id, grp, n FROM out_test.parts', 'x',
                           '{"id": "i", "grp": "g", "n": "n"}', count_column => 'n', parent_column => 'grp');
SELECT nous.create_bi_view('out_test.bi_bad2', 'SELECT id, grp, n FROM out_test.parts', 'x',
                           '{"id": "i", "grp": "g", "n": "n"}', key_column => 'id', count_column => 'n', parent_column => 'nope');
\set VERBOSITY default

DELETE FROM nous.indicators WHERE code = 'out_households20';
DROP SCHEMA out_test CASCADE;
