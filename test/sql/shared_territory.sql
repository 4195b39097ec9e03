-- territory model on real open data (../shared/data): perimeters in WGS84 and
-- Lambert-93, the QPV 2024 list with its multi-commune QPV, IRIS and RPLS
-- observations rolled up and checked against plain SQL and the files' own
-- totals.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\set SHOW_CONTEXT never
\getenv shared NOUS_SHARED
\set d :shared '/data/'

-- ---- 1. Loire-Atlantique: the département outline and its 208 communes (Admin Express 2018, WGS84)
\set f :d 'communes-admin-express-2018/departement-44-loire-atlantique.geojson'
SELECT status, reason FROM nous.load_territories(pg_read_file(:'f')::jsonb, 'departement', 2018, 'code', 'nom', 'IGN Admin Express 2018');
\set f :d 'communes-admin-express-2018/communes-44-loire-atlantique.geojson'
SELECT status, reason FROM nous.load_territories(pg_read_file(:'f')::jsonb, 'commune', 2018, 'code', 'nom', 'IGN Admin Express 2018');
-- independent: the file has 208 features (SOURCES.md); the sum of the commune
-- areas equals the département's area (same generalised boundaries) within 0.5 %,
-- and the département area is also computed straight from the file with plain PostGIS
SELECT count(*) AS communes,
       abs(sum(ST_Area(geom)) / (SELECT ST_Area(geom) FROM nous.territories WHERE level = 'departement') - 1) < 0.005 AS areas_agree,
       round((SELECT ST_Area(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(pg_read_file(:'d' || 'communes-admin-express-2018/departement-44-loire-atlantique.geojson')::jsonb ->> 'geometry'), 4326), 2154))
              / (SELECT ST_Area(geom) FROM nous.territories WHERE level = 'departement'))::numeric, 6) AS dep_area_ratio,
       round(sum(ST_Area(geom))::numeric / 1e6, -1) AS km2
  FROM nous.territories WHERE level = 'commune' AND vintage = 2018;
-- every geometry is a valid MultiPolygon in Lambert-93
SELECT count(*) FILTER (WHERE ST_SRID(geom) = 2154 AND GeometryType(geom) = 'MULTIPOLYGON' AND ST_IsValid(geom)) AS good
  FROM nous.territories;
-- Nantes (44109): centroid inside the département, in Lambert-93 metres (x about 355 km, y about 6690 km)
SELECT code, label, round(ST_X(ST_Centroid(geom)) / 1e4) AS x10km, round(ST_Y(ST_Centroid(geom)) / 1e4) AS y10km
  FROM nous.territories WHERE level = 'commune' AND code = '44109';

-- ---- 2. the same communes from GEOFLA, already in Lambert-93 (crs member EPSG::2154), 221 communes of 2012
\set f :d 'migrations-residentielles-loire-atlantique/COM44_communes_geofla_lambert93.geojson'
SELECT status, reason FROM nous.load_territories(pg_read_file(:'f')::jsonb, 'commune', 2012, 'INSEE_COM', 'NOM_COM', 'IGN GEOFLA') WHERE status = 'loaded';
-- the two generalisations of the département agree within 3 % of area;
-- Nantes has the same code in both vintages and its two centroids are within 1 km
SELECT count(*) AS communes_2012,
       abs(sum(ST_Area(geom)) / (SELECT sum(ST_Area(geom)) FROM nous.territories WHERE level = 'commune' AND vintage = 2018) - 1) < 0.03 AS areas_agree,
       (SELECT ST_Distance(ST_Centroid(a.geom), ST_Centroid(b.geom)) < 1000
          FROM nous.territories a, nous.territories b
         WHERE a.code = '44109' AND a.vintage = 2012 AND b.code = '44109' AND b.vintage = 2018) AS nantes_same_place
  FROM nous.territories WHERE level = 'commune' AND vintage = 2012;

-- ---- 3. the 105 QPV (2015 list) of Occitanie, linked to their 48 communes (WGS84, crs CRS84)
\set f :d 'qpv-occitanie-hackaviz2021/communes.geojson'
SELECT status, reason FROM nous.load_territories(pg_read_file(:'f')::jsonb, 'commune', 2015, 'code_commune', 'nom_commune', 'Hackaviz 2021');
\set f :d 'qpv-occitanie-hackaviz2021/qp.geojson'
SELECT status, left(reason, 40) AS reason FROM nous.load_territories(pg_read_file(:'f')::jsonb, 'qpv', 2015, 'code_qp', 'nom_qp', 'ANCT via Hackaviz 2021',
                                                     parent_property => 'code_commune', parent_level => 'commune') WHERE status = 'loaded';
-- independent checks: each QPV lies (at least 90 % of its area) in the commune it is linked to
SELECT count(*) AS qpv, count(DISTINCT l.parent_id) AS communes,
       count(*) FILTER (WHERE ST_Area(ST_Intersection(q.geom, c.geom)) >= 0.9 * ST_Area(q.geom)) AS inside_parent
  FROM nous.territories q
  JOIN nous.territory_links l ON l.child_id = q.territory_id
  JOIN nous.territories c ON c.territory_id = l.parent_id
 WHERE q.level = 'qpv' AND q.vintage = 2015;

-- ---- 4. the QPV 2024 list: one row per QPV x commune
\set f :d 'qpv2024-liste-anct-superposeur/qpv2024_code_lib_commune_from_superposeur.csv'
SELECT nous.create_staging('qpv24', pg_read_file(:'f', 0, 1000)) AS separator;
COPY qpv24 FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP VIEW qpv24_qpv AS SELECT DISTINCT ON (code_qp) code_qp, lib_qp FROM qpv24 ORDER BY code_qp;
CREATE TEMP VIEW qpv24_com AS SELECT DISTINCT insee_com FROM qpv24;
SELECT status, reason FROM nous.load_territory_rows('qpv24_qpv', 'qpv', 2024, 'code_qp', 'lib_qp', 'ANCT QPV 2024');
SELECT status, reason FROM nous.load_territory_rows('qpv24_com', 'commune', 2024, 'insee_com', NULL, 'ANCT QPV 2024');
SELECT status, reason FROM nous.load_links('qpv24', 'qpv', 'code_qp', 'commune', 'insee_com', 2024, source => 'ANCT QPV 2024');
-- multi-commune QPV: from the model, and independently from the staging rows
SELECT (SELECT count(*) FROM (SELECT l.child_id FROM nous.territory_links l JOIN nous.territories q ON q.territory_id = l.child_id
                               WHERE q.vintage = 2024 GROUP BY 1 HAVING count(*) > 1) x) AS multi_model,
       (SELECT count(*) FROM (SELECT code_qp FROM qpv24 GROUP BY 1 HAVING count(DISTINCT insee_com) > 1) x) AS multi_plain,
       (SELECT count(*) FROM nous.territory_links l JOIN nous.territories q ON q.territory_id = l.child_id
         WHERE q.vintage = 2024 AND l.kind = 'part' AND l.share IS NULL) AS part_links_unknown_share,
       (SELECT count(DISTINCT code_qp) FROM qpv24) AS qpv_plain;
-- the multi-commune QPV of Loire-Atlantique and their communes
SELECT q.code, string_agg(c.code, ' ' ORDER BY c.code) AS communes
  FROM nous.territories q JOIN nous.territory_links l ON l.child_id = q.territory_id JOIN nous.territories c ON c.territory_id = l.parent_id
 WHERE q.vintage = 2024 AND q.code LIKE 'QN044%' GROUP BY q.code HAVING count(*) > 1 ORDER BY q.code;
-- a rollup through links of unknown share is refused
\set VERBOSITY terse
INSERT INTO nous.indicators (code, label, unit) VALUES ('qpv_pop', 'population of the QPV', 'persons');
SELECT count(*) FROM nous.rollup('qpv_pop', 'commune', 2020, 'qpv');
\set VERBOSITY default

-- ---- 5. IRIS of Loire-Atlantique (no geometry): codes, populations, rollup to communes
\set f :d 'iris-indicateurs-ptod/agg_iris_44.csv'
SELECT nous.create_staging('iris44', pg_read_file(:'f', 0, 8000)) AS separator;
COPY iris44 FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP VIEW iris44_com AS SELECT DISTINCT "COM", libelle_com FROM iris44;
SELECT status, reason FROM nous.load_territory_rows('iris44', 'iris', 2022, 'code', 'libelle', 'INSEE via ptod');
SELECT status, reason FROM nous.load_territory_rows('iris44_com', 'commune', 2022, 'COM', 'libelle_com', 'INSEE via ptod');
SELECT status, reason FROM nous.load_links('iris44', 'iris', 'code', 'commune', 'COM', 2022);
INSERT INTO nous.indicators (code, label, unit, source, year) VALUES
  ('pop22', 'Population municipale', 'persons', 'INSEE RP 2022', 2022),
  ('pop16', 'Population municipale', 'persons', 'INSEE RP 2016', 2016);
SELECT status, reason FROM nous.load_observations('iris44', 'code', 'iris', 2022, '{"P22_POP": "pop22", "P16_POP": "pop16"}', 2022, 'agg_iris_44.csv');
-- rollup of a count: the 5 largest communes, compared with a plain GROUP BY on the file
WITH r AS (SELECT * FROM nous.rollup('pop22', 'commune', 2022, 'iris')),
     p AS (SELECT "COM" AS code, sum("P22_POP"::float8) AS pop, count(*) AS n FROM iris44 GROUP BY 1)
SELECT r.code, r.value, p.pop, r.children, p.n FROM r JOIN p USING (code) ORDER BY r.value DESC LIMIT 5;
WITH r AS (SELECT * FROM nous.rollup('pop22', 'commune', 2022, 'iris')),
     p AS (SELECT "COM" AS code, sum("P22_POP"::float8) AS pop FROM iris44 GROUP BY 1)
SELECT count(*) AS communes, count(*) FILTER (WHERE abs(r.value - p.pop) < 1e-6) AS equal, sum(r.value) AS total
  FROM r FULL JOIN p USING (code);

-- ---- 6. RPLS: communes of 44/37/63 -> EPCI and département; the file's own EPCI and département rows are the oracle
\set f :d 'rpls-aggrege-savoirfr/rpls_aggrege_large_epci_dep_reg_fr_and_communes_44_37_63.csv'
SELECT nous.create_staging('rpls', pg_read_file(:'f', 0, 8000)) AS separator;
COPY rpls FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP VIEW rpls_com AS SELECT * FROM rpls WHERE "TypeZone" = 'Communes';
CREATE TEMP VIEW rpls_epci AS SELECT DISTINCT "epci_2017", "nepci_2017" FROM rpls_com;
CREATE TEMP VIEW rpls_dep AS SELECT DISTINCT "Dep_2017", "nDep_2017" FROM rpls_com;
SELECT status, reason FROM nous.load_territory_rows('rpls_com', 'commune', 2017, 'depcom2017', 'ncom_2017', 'SDES RPLS 2017');
SELECT status, reason FROM nous.load_territory_rows('rpls_epci', 'epci', 2017, 'epci_2017', 'nepci_2017', 'SDES RPLS 2017');
SELECT status, reason FROM nous.load_territory_rows('rpls_dep', 'departement', 2017, 'Dep_2017', 'nDep_2017', 'SDES RPLS 2017');
SELECT status, reason FROM nous.load_links('rpls_com', 'commune', 'depcom2017', 'epci', 'epci_2017', 2017);
SELECT status, reason FROM nous.load_links('rpls_com', 'commune', 'depcom2017', 'departement', 'Dep_2017', 2017);
INSERT INTO nous.indicators (code, label, unit, source, year, kind, numerator, denominator, scale) VALUES
  ('parc_hlm', 'Parc social (logements)', 'dwellings', 'SDES RPLS', 2017, 'count', NULL, NULL, 1),
  ('vac_num', 'Logements vacants (numérateur du taux de vacance)', 'dwellings', 'SDES RPLS', 2017, 'count', NULL, NULL, 1),
  ('vac_den', 'Logements proposés à la location (dénominateur)', 'dwellings', 'SDES RPLS', 2017, 'count', NULL, NULL, 1),
  ('vac_rate', 'Taux de vacance', '%', 'SDES RPLS', 2017, 'rate', 'vac_num', 'vac_den', 100);
SELECT status, reason FROM nous.load_observations('rpls_com', 'depcom2017', 'commune', 2017,
  '{"Parc_HLM": "parc_hlm", "Taux_de_vacance_numerateur": "vac_num", "Taux_de_vacance_denominateur": "vac_den"}', 2017, 'RPLS');
-- départements: rollup of the commune rows = the file's département rows (44, 37, 63 are complete)
WITH r AS (SELECT * FROM nous.rollup('vac_rate', 'departement', 2017, 'commune')),
     h AS (SELECT * FROM nous.rollup('parc_hlm', 'departement', 2017, 'commune')),
     f AS (SELECT "Dep_2017" AS code, "Parc_HLM"::float8 AS hlm, "Taux_de_vacance_numerateur"::float8 AS num,
                  "Taux_de_vacance_denominateur"::float8 AS den FROM rpls WHERE "TypeZone" = 'Départements')
SELECT r.code, h.value AS hlm, f.hlm AS file_hlm, r.numerator, f.num AS file_num, r.denominator, f.den AS file_den,
       round(r.value::numeric, 4) AS vacancy_pct, round((100 * f.num / f.den)::numeric, 4) AS plain_pct,
       round((SELECT avg(100 * n.value / nullif(d.value, 0)) FROM nous.observations n JOIN nous.observations d USING (territory_id, period)
                JOIN nous.territory_links l ON l.child_id = n.territory_id
               WHERE n.indicator = 'vac_num' AND d.indicator = 'vac_den' AND l.parent_id = r.territory_id)::numeric, 4) AS mean_of_rates_wrong
  FROM r JOIN h USING (territory_id, code) JOIN f USING (code)
 ORDER BY r.code;
-- EPCI: equal to the file's EPCI row for every EPCI wholly inside 44/37/63; the others cross
-- into départements not in the file, so their rollup is smaller (never larger) than the file's row;
-- Nantes Métropole Parc_HLM 56,040 (SOURCES.md)
WITH r AS (SELECT * FROM nous.rollup('parc_hlm', 'epci', 2017, 'commune')),
     f AS (SELECT "epci_2017" AS code, "nepci_2017" AS label, "Parc_HLM"::float8 AS hlm FROM rpls WHERE "TypeZone" = 'Epci')
SELECT count(*) AS epci, count(*) FILTER (WHERE r.value = f.hlm) AS equal,
       count(*) FILTER (WHERE r.value > f.hlm) AS larger,
       string_agg(f.label || ' ' || r.value || '/' || f.hlm, ', ') FILTER (WHERE r.value <> f.hlm) AS partial,
       (SELECT value FROM r WHERE code = '244400404') AS nantes_metropole
  FROM r JOIN f USING (code);

-- ---- 7. EPCI SIREN numbers of the Observatoire des territoires file: all pass the Luhn check
\set f :d 'mobilites-residentielles-epci-ot/indics_migres_TERR.csv'
SELECT nous.create_staging('migres', pg_read_file(:'f', 0, 1000)) AS separator;
COPY migres FROM :'f' WITH (FORMAT csv, HEADER);
SELECT "NIV_TERR", count(*) AS n,
       count(*) FILTER (WHERE nous.code_valid(CASE "NIV_TERR" WHEN 'EPCI' THEN 'epci' WHEN 'DEP' THEN 'departement' ELSE 'region' END, "TERR")) AS valid,
       string_agg("TERR" || ' ' || "LIB_TERR", ', ') FILTER (WHERE NOT nous.code_valid(CASE "NIV_TERR" WHEN 'EPCI' THEN 'epci' WHEN 'DEP' THEN 'departement' ELSE 'region' END, "TERR")) AS invalid
  FROM migres GROUP BY 1 ORDER BY 1;
-- the RPLS EPCI rows too
SELECT count(*) AS epci_rows, count(*) FILTER (WHERE nous.code_valid('epci', "epci_2017")) AS valid,
       string_agg("epci_2017" || ' ' || "nepci_2017", ', ') FILTER (WHERE NOT nous.code_valid('epci', "epci_2017")) AS invalid
  FROM rpls WHERE "TypeZone" = 'Epci';

-- ---- the load log
SELECT kind, loaded, rejected, repaired FROM nous.load_log ORDER BY load_id;

-- ---- 8. 200 m squares of Filosofi 2021 (central Nantes): codes CRS3035RES200mN{y}E{x}, polygons as WKT in EPSG:3035
\set f :d 'filosofi-2021-carreaux-nantes-extrait/filosofi2021_carreaux200m_nantes_centre_malakoff.csv'
SELECT nous.create_staging('squares', pg_read_file(:'f', 0, 1000)) AS separator;
COPY squares FROM :'f' WITH (FORMAT csv, HEADER);
SELECT status, reason FROM nous.load_territory_rows('squares', 'square200', 2021, 'idcar_200m', NULL, 'INSEE Filosofi 2021',
                                                   geom_column => 'wkt_3035', srid => 3035);
-- independent checks: the code's corner is the lower-left corner of the WKT square and the
-- x_ll_3035 / y_ll_3035 columns; 200 m x 200 m = 40,000 m2 in the equal-area EPSG:3035, and
-- within 0.2 % of it in Lambert-93 (scale factor near Nantes about 0.9995: area x 0.999)
SELECT count(*) AS squares,
       count(*) FILTER (WHERE t.code = 'CRS3035RES200mN' || s.y_ll_3035 || 'E' || s.x_ll_3035) AS code_matches_corner,
       count(*) FILTER (WHERE ST_XMin(ST_GeomFromText(s.wkt_3035)) = s.x_ll_3035::float8
                          AND ST_YMin(ST_GeomFromText(s.wkt_3035)) = s.y_ll_3035::float8) AS wkt_corner,
       count(*) FILTER (WHERE ST_Area(ST_GeomFromText(s.wkt_3035)) = 40000) AS area_3035,
       count(*) FILTER (WHERE abs(ST_Area(t.geom) / 40000 - 1) < 0.002) AS area_2154,
       count(*) FILTER (WHERE ST_Intersects(t.geom, (SELECT geom FROM nous.territories WHERE level = 'commune' AND code = '44109' AND vintage = 2018))) AS in_nantes
  FROM squares s JOIN nous.territories t ON t.level = 'square200' AND t.code = s.idcar_200m;
-- a square in a file that is not in EPSG:3035 (here: declared 2154) is refused
SELECT status, left(reason, 60) AS reason FROM nous.load_territory_rows('squares', 'square200', 2020, 'idcar_200m', NULL, 'wrong CRS',
                                                   on_error => 'keep', geom_column => 'wkt_3035', srid => 2154) ORDER BY item NULLS FIRST LIMIT 2;
