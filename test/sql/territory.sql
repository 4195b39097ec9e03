-- territory model: code checks, territories, links, rollup computed by hand, loaders and their bad inputs
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;
\set SHOW_CONTEXT never

-- ---- code checks
SELECT l, c, nous.code_valid(l, c) AS ok, nous.code_problem(l, c) AS problem
  FROM (VALUES ('commune', '44109'), ('commune', '2A004'), ('commune', '20004'), ('commune', '4410'),
               ('commune', '97411'), ('commune', '44 09'),
               ('iris', '441090101'), ('iris', '44109010'),
               ('ilot', '44109AB12'),
               ('epci', '244400404'), ('epci', '244400405'), ('epci', 'ZZZZZZZZZ'),
               ('departement', '2B'), ('departement', '20'), ('departement', '974'),
               ('region', '52'), ('france', 'FR'),
               ('qpv', 'QP066007'), ('qpv', 'QN04405M'), ('qpv', 'QN02A01M'), ('qpv', 'QX066007'), ('qpv', 'QN044051'),
               ('square200', 'CRS3035RES200mN2745000E3448400'), ('square200', 'CRS3035RES200mN2745100E3448400'),
               ('square200', 'CRS3035RES1000mN2745000E3448000'), ('commune', '')) v(l, c);
SELECT nous.code_valid('commune', NULL) IS NULL AS strict_null, nous.check_code('iris', '441090101') AS checked;
CALL public.expect_error($e$SELECT nous.code_valid('canton', '4401')$e$);
CALL public.expect_error($e$SELECT nous.check_code('epci', '244400405')$e$);
SELECT nous.check_code('qpv', 'QN04405');
SELECT nous.code_valid('Commune', '44109');

-- ---- territories and links by hand: 2 communes of 44, 3 IRIS, 1 QPV on both communes
INSERT INTO nous.territories (level, code, label, vintage, geom) VALUES
  ('departement', '44', 'Loire-Atlantique', 2024, NULL),
  ('commune', '44109', 'Nantes', 2024, ST_Multi(ST_MakeEnvelope(350000, 6680000, 360000, 6690000, 2154))),
  ('commune', '44162', 'Saint-Herblain', 2024, ST_Multi(ST_MakeEnvelope(340000, 6680000, 350000, 6690000, 2154))),
  ('iris', '441090101', 'A', 2024, NULL), ('iris', '441090102', 'B', 2024, NULL), ('iris', '441620101', 'C', 2024, NULL),
  ('qpv', 'QN04405M', 'Bellevue', 2024, NULL);
CALL public.expect_error($e$INSERT INTO nous.territories (level, code, vintage) VALUES ('commune', '44109', 2024)$e$);   -- duplicate
CALL public.expect_error($e$INSERT INTO nous.territories (level, code, vintage) VALUES ('canton', '4401', 2024)$e$);     -- unknown level
INSERT INTO nous.territories (level, code, vintage) VALUES ('iris', '44109010', 2024);
-- a bow-tie polygon is refused
INSERT INTO nous.territories (level, code, vintage, geom)
VALUES ('commune', '44020', 2024, ST_Multi('SRID=2154;POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))'::geometry));
-- a point or another SRID does not fit the column
CALL public.expect_error($e$INSERT INTO nous.territories (level, code, vintage, geom) VALUES ('commune', '44020', 2024, 'SRID=2154;POINT(0 0)')$e$);
CALL public.expect_error($e$INSERT INTO nous.territories (level, code, vintage, geom) VALUES ('commune', '44020', 2024, ST_Multi(ST_MakeEnvelope(0, 0, 1, 1, 4326)))$e$);

CREATE FUNCTION pg_temp.tid(text) RETURNS bigint LANGUAGE sql AS $$ SELECT territory_id FROM nous.territories WHERE code = $1 AND vintage = 2024 $$;
INSERT INTO nous.territory_links (child_id, parent_id, share, kind) VALUES
  (pg_temp.tid('441090101'), pg_temp.tid('44109'), 1, 'within'),
  (pg_temp.tid('441090102'), pg_temp.tid('44109'), 1, 'within'),
  (pg_temp.tid('441620101'), pg_temp.tid('44162'), 1, 'within'),
  (pg_temp.tid('44109'), pg_temp.tid('44'), 1, 'within'),
  (pg_temp.tid('44162'), pg_temp.tid('44'), 1, 'within'),
  (pg_temp.tid('QN04405M'), pg_temp.tid('44109'), 0.75, 'part'),
  (pg_temp.tid('QN04405M'), pg_temp.tid('44162'), 0.25, 'part');
-- a parent at the wrong level
INSERT INTO nous.territory_links (child_id, parent_id) VALUES (pg_temp.tid('44109'), pg_temp.tid('441090101'));
INSERT INTO nous.territory_links (child_id, parent_id) VALUES (pg_temp.tid('44109'), pg_temp.tid('44162'));
CALL public.expect_error($e$INSERT INTO nous.territory_links (child_id, parent_id, share) VALUES (pg_temp.tid('441090101'), pg_temp.tid('44'), 1.5)$e$);

-- ---- indicators and observations
INSERT INTO nous.indicators (code, label, unit, source, year, polarity, kind, numerator, denominator, scale) VALUES
  ('chom', 'Chômeurs 15-64 ans', 'persons', 'hand', 2020, 0, 'count', NULL, NULL, 1),
  ('act', 'Actifs 15-64 ans', 'persons', 'hand', 2020, 0, 'count', NULL, NULL, 1),
  ('tx_chom', 'Taux de chômage', '%', 'hand', 2020, 1, 'rate', 'chom', 'act', 100),
  ('rev_med', 'Revenu médian', 'euros', 'hand', 2020, -1, 'other', NULL, NULL, 1);
CALL public.expect_error($e$INSERT INTO nous.indicators (code, label, kind, numerator) VALUES ('bad', 'x', 'rate', 'chom')$e$);      -- no denominator
CALL public.expect_error($e$INSERT INTO nous.indicators (code, label, polarity) VALUES ('bad2', 'x', 2)$e$);
CALL public.expect_error($e$INSERT INTO nous.indicators (code, label) VALUES ('Bad', 'x')$e$);
-- a rate's components must be in the catalogue; one used by a rate stays
CALL public.expect_error($e$INSERT INTO nous.indicators (code, label, kind, numerator, denominator) VALUES ('bad3', 'x', 'rate', 'chom', 'nope')$e$);
CALL public.expect_error($e$DELETE FROM nous.indicators WHERE code = 'act'$e$);
-- a rate and its components in one statement, in any order; renaming a
-- component renames it in the rate; deleting them together is allowed
INSERT INTO nous.indicators (code, label, kind, numerator, denominator) VALUES
  ('r_t', 'rate', 'rate', 'r_n', 'r_d'), ('r_n', 'num', 'count', NULL, NULL), ('r_d', 'den', 'count', NULL, NULL);
UPDATE nous.indicators SET code = 'r_num' WHERE code = 'r_n';
SELECT code, numerator, denominator FROM nous.indicators WHERE code = 'r_t';
DELETE FROM nous.indicators WHERE code IN ('r_num', 'r_t', 'r_d');
SELECT count(*) FROM nous.indicators WHERE code LIKE 'r\_%';
-- A: 10 of 100; B: 30 of 100 (rate published only); C: 5 of 200; QPV: 40 of 100
INSERT INTO nous.observations (indicator, territory_id, period, value) VALUES
  ('chom', pg_temp.tid('441090101'), 2020, 10), ('act', pg_temp.tid('441090101'), 2020, 100),
  ('chom', pg_temp.tid('441620101'), 2020, 5),  ('act', pg_temp.tid('441620101'), 2020, 200),
  ('chom', pg_temp.tid('QN04405M'), 2020, 40),  ('act', pg_temp.tid('QN04405M'), 2020, 100),
  ('rev_med', pg_temp.tid('441090101'), 2020, 18000);
INSERT INTO nous.observations (indicator, territory_id, period, value, numerator, denominator) VALUES
  ('tx_chom', pg_temp.tid('441090102'), 2020, 30, 30, 100);
CALL public.expect_error($e$INSERT INTO nous.observations (indicator, territory_id, period, value) VALUES ('chom', pg_temp.tid('44'), 2020, 'NaN')$e$);
CALL public.expect_error($e$INSERT INTO nous.observations (indicator, territory_id, period, value) VALUES ('chom', pg_temp.tid('44'), 2020, 'Infinity')$e$);
CALL public.expect_error($e$INSERT INTO nous.observations (indicator, territory_id, period, numerator) VALUES ('tx_chom', pg_temp.tid('44'), 2020, -1)$e$);
CALL public.expect_error($e$INSERT INTO nous.observations (indicator, territory_id, period, value) VALUES ('nope', pg_temp.tid('44'), 2020, 1)$e$);

-- by hand: Nantes = (10 + 30) / (100 + 100) = 20 %, not the mean of 10 % and 30 % (also 20 % here)
-- Saint-Herblain = 5 / 200 = 2.5 %; the département needs commune values, which come from rollup_store
SELECT code, numerator, denominator, value, children, missing FROM nous.rollup('tx_chom', 'commune', 2020, 'iris');
-- the département from the stored commune counts: (10 + 30 + 5) / (100 + 100 + 200) = 11.25 %, while
-- the mean of the three IRIS rates (10, 30, 2.5) is 14.17 % and the mean of the commune rates 11.25 by chance
SELECT nous.rollup_store('chom', 'commune', 2020, 'iris') AS chom_rows, nous.rollup_store('act', 'commune', 2020, 'iris') AS act_rows;
-- B has only its rate, with numerator and denominator in the row: the counts take them (Nantes 10 + 30 = 40)
SELECT code, value, children, missing FROM nous.rollup('chom', 'commune', 2020, 'iris');
SELECT code, value, children, missing FROM nous.rollup('act', 'commune', 2020, 'iris');
SELECT code, numerator, denominator, value FROM nous.rollup('tx_chom', 'departement', 2020, 'commune');
-- only counts and rates without any child value: Saint-Herblain's IRIS C alone, 5 / 200 * 100 = 2.5 as a check of scale
SELECT round(value::numeric, 4) FROM nous.rollup('tx_chom', 'commune', 2020, 'iris') WHERE code = '44162';
-- the QPV over two communes: shares 3/4 and 1/4 of 40 of 100 -> 30/75 and 10/25
SELECT code, numerator, denominator, value, children FROM nous.rollup('tx_chom', 'commune', 2020, 'qpv');
-- straight from the IRIS to the département through the communes: (10 + 30 + 5) / 400 = 11.25 %;
-- the QPV through its two communes (3/4 + 1/4 of 40 of 100): 40 / 100 = 40 %
SELECT code, numerator, denominator, value, children FROM nous.rollup('tx_chom', 'departement', 2020, 'iris', via => '{commune}');
SELECT code, numerator, denominator, value, children FROM nous.rollup('tx_chom', 'departement', 2020, 'qpv', via => '{commune}');
-- no direct IRIS -> département link: nothing without via
SELECT count(*) FROM nous.rollup('tx_chom', 'departement', 2020, 'iris');
SELECT * FROM nous.rollup('tx_chom', 'commune', 2020, 'iris', via => '{departement}');
-- errors
SELECT * FROM nous.rollup('rev_med', 'commune', 2020, 'iris');
CALL public.expect_error($e$SELECT * FROM nous.rollup('nope', 'commune', 2020, 'iris')$e$);
CALL public.expect_error($e$SELECT * FROM nous.rollup('chom', 'iris', 2020, 'commune')$e$);
CALL public.expect_error($e$SELECT * FROM nous.rollup('chom', 'canton', 2020, 'iris')$e$);
-- a loaded value is never overwritten by rollup_store
INSERT INTO nous.observations (indicator, territory_id, period, value) VALUES ('chom', pg_temp.tid('44'), 2020, 999);
SELECT nous.rollup_store('chom', 'departement', 2020, 'commune') AS written,
       (SELECT value FROM nous.observations WHERE indicator = 'chom' AND territory_id = pg_temp.tid('44')) AS kept;

-- ---- GeoJSON loader: good and bad features
SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"code": "44001", "nom": "Abbaretz"},
   "geometry": {"type": "Polygon", "coordinates": [[[-1.55, 47.55], [-1.50, 47.55], [-1.50, 47.60], [-1.55, 47.60], [-1.55, 47.55]]]}},
  {"type": "Feature", "properties": {"code": "44002", "nom": "Aigrefeuille"},
   "geometry": {"type": "Polygon", "coordinates": [[[-1.45, 47.05], [-1.40, 47.10], [-1.40, 47.05], [-1.45, 47.10], [-1.45, 47.05]]]}},
  {"type": "Feature", "properties": {"code": "44003", "nom": "sans géométrie"}, "geometry": null}
]}', 'commune', 2024, 'code', 'nom', 'hand');
-- by hand: a 0.05 x 0.05 degree box at latitude 47.575 is 0.05 x 111.32 x cos(47.575) = 3.755 km by
-- 0.05 x 111.2 = 5.56 km = 20.9 km2; the bow-tie at 47.075 is repaired into two triangles = half its box, 10.5 km2
SELECT code, label, round(ST_Area(geom)::numeric / 1e6, 1) AS km2, ST_IsValid(geom) AS valid
  FROM nous.territories WHERE code IN ('44001', '44002', '44003') ORDER BY code;
-- everything wrong at once: nothing is loaded, the DETAIL lists each feature and its reason
SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"code": "4410"}, "geometry": null},
  {"type": "Feature", "properties": {"nom": "no code"}, "geometry": null},
  {"type": "Feature", "properties": {"code": "44010"}, "geometry": {"type": "Point", "coordinates": [-1.5, 47.2]}},
  {"type": "Feature", "properties": {"code": "44011"}, "geometry": {"type": "Polygon", "coordinates": [[[355000, 6690000], [356000, 6690000], [356000, 6691000], [355000, 6690000]]]}},
  {"type": "Feature", "properties": {"code": "44012"}, "geometry": {"type": "Polygon", "coordinates": [[[-1.5, 47.2], [-1.4, 47.2]]]}},
  {"type": "Feature", "properties": {"code": "44109"}, "geometry": null},
  {"type": "Feature", "properties": {"code": "44013"}, "geometry": null},
  {"type": "Feature", "properties": {"code": "44013"}, "geometry": null},
  {"type": "Feature", "properties": {"code": "44014"}, "geometry": {"type": "Polygon", "coordinates": [[[2.0, 60.0], [2.1, 60.0], [2.1, 60.1], [2.0, 60.0]]]}}
]}', 'commune', 2024, 'code', 'nom', 'hand');
SELECT count(*) AS not_loaded FROM nous.territories WHERE code BETWEEN '44010' AND '44014';
-- a file declaring Lambert-93 whose coordinates are longitudes and latitudes
SELECT status, reason FROM nous.load_territories('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}, "features": [
  {"type": "Feature", "properties": {"code": "44015"}, "geometry": {"type": "Polygon", "coordinates": [[[-1.5, 47.2], [-1.4, 47.2], [-1.4, 47.3], [-1.5, 47.2]]]}}]}',
  'commune', 2024, 'code', source => 'hand', on_error => 'keep');
-- keep: the good rows are written, the rejected ones kept in nous.load_rejects
SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:2154"}}, "features": [
  {"type": "Feature", "properties": {"code": "44016"}, "geometry": {"type": "MultiPolygon", "coordinates": [[[[355000, 6690000], [356000, 6690000], [356000, 6691000], [355000, 6690000]]]]}},
  {"type": "Feature", "properties": {"code": "4417"}, "geometry": null}]}',
  'commune', 2024, 'code', source => 'hand', on_error => 'keep');
SELECT l.kind, l.loaded, l.rejected, r.item, r.code, r.reason
  FROM nous.load_log l JOIN nous.load_rejects r USING (load_id) WHERE l.source = 'hand' ORDER BY l.load_id, r.item;
-- bad documents and options
SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "Lambert 93"}}, "features": []}', 'commune', 2024, 'code');
CALL public.expect_error($e$SELECT status, item, code, reason FROM nous.load_territories('[1, 2]', 'commune', 2024, 'code')$e$);
CALL public.expect_error($e$SELECT status, item, code, reason FROM nous.load_territories('{}', 'commune', 2024, 'code')$e$);
CALL public.expect_error($e$SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "features": {}}', 'commune', 2024, 'code')$e$);
CALL public.expect_error($e$SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "features": []}', 'canton', 2024, 'code')$e$);
CALL public.expect_error($e$SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "features": []}', 'commune', 2024, 'code', on_error => 'ignore')$e$);
CALL public.expect_error($e$SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "features": []}', 'commune', 2024, 'code', srid => 999999)$e$);
SELECT status, item, code, reason FROM nous.load_territories('{"type": "FeatureCollection", "features": []}', 'commune', 2024, 'code', parent_property => 'dep', parent_level => 'iris');
SELECT nous.geojson_srid('{}'), nous.geojson_srid('{"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}}'),
       nous.geojson_srid('{"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}}'),
       nous.geojson_srid('{"crs": {"type": "name", "properties": {"name": "EPSG:3035"}}}');

-- ---- CSV: separators, staging, observations
SELECT nous.csv_separator('code,libelle,pop'), nous.csv_separator('code;libelle;pop'), nous.csv_separator(E'code\tpop');
SELECT nous.csv_separator('code,libelle;pop');
SELECT nous.csv_separator('code');
SELECT nous.create_staging('st', E'\uFEFFcode;pop;tx;;pop\r\nx') AS sep;
SELECT attname FROM pg_attribute WHERE attrelid = 'st'::regclass AND attnum > 0 ORDER BY attnum;
INSERT INTO st VALUES ('441090101', '1 234', '12,5', NULL, NULL),     -- line 2
                      ('441090102', '', 's', NULL, NULL),             -- 3: not published
                      ('99999', '10', '1', NULL, NULL),               -- 4: malformed code
                      ('441090199', '10', '1', NULL, NULL),           -- 5: unknown IRIS
                      ('441620101', 'NaN', '1', NULL, NULL),          -- 6: not a number
                      ('441090101', '5', '1', NULL, NULL);            -- 7: duplicate of line 2
INSERT INTO nous.indicators (code, label) VALUES ('pop', 'Population');
SELECT status, item, code, reason FROM nous.load_observations('st', 'code', 'iris', 2024, '{"pop": "pop", "tx": "tx_chom"}', 2021);
SELECT count(*) AS nothing FROM nous.observations WHERE period = 2021;
SELECT status, item, code, reason FROM nous.load_observations('st', 'code', 'iris', 2024, '{"pop": "pop", "tx": "tx_chom"}', 2021, 'st', 'keep');
SELECT t.code, o.indicator, o.value FROM nous.observations o JOIN nous.territories t USING (territory_id) WHERE period = 2021 ORDER BY 1, 2;
-- a ';' file read with ',' has a single column: the error says so
CREATE TEMP TABLE semi ("code;pop" text);
INSERT INTO semi VALUES ('441090101;12');
SELECT status, item, code, reason FROM nous.load_observations('semi', 'code', 'iris', 2024, '{"pop": "pop"}', 2021);
SELECT status, item, code, reason FROM nous.load_observations('st', 'code', 'iris', 2024, '{"pop": "popx"}', 2021);
SELECT status, item, code, reason FROM nous.load_observations('st', 'cod', 'iris', 2024, '{"pop": "pop"}', 2021);
-- (issue 15) right codes, wrong vintage: the hint names the vintage looked
-- for and those loaded, and how many of the codes are there, not "Fix the file"
SELECT status, item, code, reason FROM nous.load_observations('st', 'code', 'iris', 2023, '{"pop": "pop"}', 2021);
-- a Latin-1 file read as UTF-8: COPY stops at the first bad byte and names the line
SELECT '/tmp/nous_territory_latin1_' || current_setting('port') || '.csv' AS latin1 \gset
CREATE TEMP TABLE l1 (code text, libelle text);
COPY (VALUES ('44109', 'Nantes'), ('44184', 'Saint-Nazaire'), ('44143', 'Rezé')) TO :'latin1' WITH (FORMAT csv, HEADER, ENCODING 'LATIN1');
COPY l1 FROM :'latin1' WITH (FORMAT csv, HEADER, ENCODING 'UTF8');
COPY l1 FROM :'latin1' WITH (FORMAT csv, HEADER, ENCODING 'LATIN1');
SELECT * FROM l1 ORDER BY code;

-- ---- rows and links loaders
CREATE TEMP TABLE links (line int, iris text, com text, share text);
INSERT INTO links VALUES (2, '441090101', '44162', '0.5'), (3, '441090101', '44109', '0.5'),
                         (4, '441090102', '44999', NULL), (5, '441090199', '44109', NULL),
                         (6, '441620101', '44162', '1.5'), (7, '441090101', '44162', '0.5');
SELECT status, item, code, reason FROM nous.load_links('links', 'iris', 'iris', 'commune', 'com', 2024);
SELECT status, item, code, reason FROM nous.load_links('links', 'commune', 'com', 'iris', 'iris', 2024);
CREATE TEMP TABLE comrows (code text, lib text);
INSERT INTO comrows VALUES ('44020', 'Le Bignon'), ('44021', 'Blain'), ('44021', 'Blain bis'), ('4402', 'x'), ('44109', 'Nantes');
SELECT status, item, code, reason FROM nous.load_territory_rows('comrows', 'commune', 2024, 'code', 'lib');
SELECT status, item, code, reason FROM nous.load_territory_rows('comrows', 'commune', 2024, 'code', 'lib', on_error => 'keep', if_exists => 'skip');

-- ---- nothing depends on the caller's search_path
SET search_path = '';
SELECT status, reason FROM nous.load_territories('{"type": "FeatureCollection", "features": [
  {"type": "Feature", "properties": {"code": "44030"}, "geometry": {"type": "Polygon", "coordinates": [[[-1.55, 47.55], [-1.50, 47.55], [-1.50, 47.60], [-1.55, 47.55]]]}}]}',
  'commune', 2024, 'code', source => 'empty search_path');
INSERT INTO nous.territory_links (child_id, parent_id)
SELECT c.territory_id, d.territory_id FROM nous.territories c, nous.territories d
 WHERE c.code = '44030' AND d.level = 'departement' AND c.vintage = 2024 AND d.vintage = 2024;
-- the new commune has no data: 11.25 % as before, one child missing
SELECT code, value, children, missing FROM nous.rollup('tx_chom', 'departement', 2020, 'commune');
RESET search_path;

-- ---- catalogue: comments on everything, public read of the descriptions only
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'nous' AND c.relkind IN ('r', 'v') AND c.relname IN
       ('territory_levels', 'territories', 'territory_links', 'indicators', 'observations', 'load_log', 'load_rejects')
   AND (obj_description(c.oid, 'pg_class') IS NULL
        OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                     AND col_description(c.oid, a.attnum) IS NULL));
SELECT relname, has_table_privilege('public', c.oid, 'SELECT') AS public_read
  FROM pg_class c WHERE relnamespace = 'nous'::regnamespace AND relname IN
       ('territory_levels', 'territories', 'territory_links', 'indicators', 'observations', 'load_log', 'load_rejects')
 ORDER BY 1;
SELECT level, rank FROM nous.territory_levels ORDER BY rank;

-- leave the catalogue as found (the suites share a database)
DELETE FROM nous.observations;
DELETE FROM nous.indicators;
DELETE FROM nous.territories;
DELETE FROM nous.load_log;
