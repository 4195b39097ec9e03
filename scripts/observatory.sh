#!/usr/bin/env bash
# scripts/observatory.sh — the real-data observatory, built from ../shared/data
# into the territory model (nous.territories, nous.indicators,
# nous.observations) and the schema nous_obs, then a short report on stdout in
# which each figure names its source file.
#
#   bash scripts/observatory.sh DATA_DIR        (psql connection from PG* variables)
#
# Called by scripts/demo.sh when ../shared/data exists.  One transaction: the
# build either completes or leaves the database as it was.  Needs only psql
# (client-side \copy and file reads), not superuser.
set -euo pipefail
D="$(cd "${1:?usage: observatory.sh DATA_DIR}" && pwd)"
bin="${NOUS_PGBIN:-/usr/lib/postgresql/15/bin}"
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -P footer=off "$@"; }

for f in communes-admin-express-2018/communes-44-loire-atlantique.geojson \
         communes-admin-express-2018/departement-44-loire-atlantique.geojson \
         migrations-residentielles-loire-atlantique/COM44_communes_geofla_lambert93.geojson \
         migrations-residentielles-loire-atlantique/MRE44_migrations_residentielles_2008_2012.csv \
         qpv-occitanie-hackaviz2021/qp.geojson qpv-occitanie-hackaviz2021/qp.csv \
         qpv-occitanie-hackaviz2021/meta_qp.csv qpv-occitanie-hackaviz2021/communes.geojson \
         iris-indicateurs-ptod/agg_iris_44.csv \
         qpv2024-liste-anct-superposeur/qpv2024_code_lib_commune_from_superposeur.csv \
         filosofi-2021-carreaux-nantes-extrait/filosofi2021_carreaux200m_nantes_centre_malakoff.csv; do
  [ -r "$D/$f" ] || { echo "observatory: missing $D/$f" >&2; exit 1; }
done

psql --single-transaction >/dev/null <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS nous_obs CASCADE;
CREATE SCHEMA nous_obs;
COMMENT ON SCHEMA nous_obs IS 'Real-data observatory built by scripts/observatory.sh from ../shared/data (INSEE, IGN, ANCT open data).';
SELECT nous.drop_index(n) FROM (VALUES ('obs_qpv_fragility'), ('obs_iris_fragility')) v(n)
 WHERE EXISTS (SELECT 1 FROM nous.index_definitions d WHERE d.name = v.n);
DELETE FROM nous.observations WHERE indicator LIKE 'qp\_%' OR indicator LIKE 'iris\_%' OR indicator LIKE 'sq\_%';
DELETE FROM nous.indicators WHERE (code LIKE 'qp\_%' OR code LIKE 'iris\_%' OR code LIKE 'sq\_%') AND kind = 'rate';
DELETE FROM nous.indicators WHERE code LIKE 'qp\_%' OR code LIKE 'iris\_%' OR code LIKE 'sq\_%';
DELETE FROM nous.territories WHERE source LIKE 'observatory:%';
DELETE FROM nous.load_log WHERE source LIKE 'observatory:%';

-- ---- territories: perimeters (GeoJSON, WGS84 or Lambert-93, reprojected to EPSG:2154)
\set doc \`cat '$D/communes-admin-express-2018/departement-44-loire-atlantique.geojson'\`
SELECT * FROM nous.load_territories(:'doc'::jsonb, 'departement', 2018, 'code', 'nom', 'observatory: departement-44-loire-atlantique.geojson (IGN Admin Express 2018)');
\set doc \`cat '$D/communes-admin-express-2018/communes-44-loire-atlantique.geojson'\`
SELECT * FROM nous.load_territories(:'doc'::jsonb, 'commune', 2018, 'code', 'nom', 'observatory: communes-44-loire-atlantique.geojson (IGN Admin Express 2018)');
\set doc \`cat '$D/migrations-residentielles-loire-atlantique/COM44_communes_geofla_lambert93.geojson'\`
SELECT * FROM nous.load_territories(:'doc'::jsonb, 'commune', 2012, 'INSEE_COM', 'NOM_COM', 'observatory: COM44_communes_geofla_lambert93.geojson (IGN GEOFLA)');
\set doc \`cat '$D/qpv-occitanie-hackaviz2021/communes.geojson'\`
SELECT * FROM nous.load_territories(:'doc'::jsonb, 'commune', 2015, 'code_commune', 'nom_commune', 'observatory: qpv-occitanie communes.geojson (Hackaviz 2021)');
\set doc \`cat '$D/qpv-occitanie-hackaviz2021/qp.geojson'\`
SELECT * FROM nous.load_territories(:'doc'::jsonb, 'qpv', 2015, 'code_qp', 'nom_qp', 'observatory: qp.geojson (ANCT QPV 2015 via Hackaviz 2021)',
                                    parent_property => 'code_commune', parent_level => 'commune');
\unset doc

-- ---- QPV indicators (qp.csv, described by meta_qp.csv)
\set h \`head -1 '$D/qpv-occitanie-hackaviz2021/meta_qp.csv'\`
SELECT nous.create_staging('meta_qp', :'h');
\copy meta_qp FROM '$D/qpv-occitanie-hackaviz2021/meta_qp.csv' WITH (FORMAT csv, HEADER)
\set h \`head -1 '$D/qpv-occitanie-hackaviz2021/qp.csv'\`
SELECT nous.create_staging('qp', :'h');
\copy qp FROM '$D/qpv-occitanie-hackaviz2021/qp.csv' WITH (FORMAT csv, HEADER)
INSERT INTO nous.indicators (code, label, unit, source, year, polarity)
SELECT 'qp_' || m.colonne, m.description,
       CASE WHEN m.description ILIKE 'part %' OR m.description ILIKE 'taux%' THEN '%'
            WHEN m.description ILIKE '%euros%' THEN 'euros' END,
       'qp.csv (INSEE via Hackaviz 2021)', 2017,
       CASE m.colonne WHEN 'tp60' THEN 1 WHEN 'tx_tot_eprec' THEN 1 WHEN 'tx_tot_empl' THEN -1 WHEN 'disp_q2' THEN -1 ELSE 0 END
  FROM meta_qp m WHERE m.type_valeur IN ('entier', 'nombre rationnel');
SELECT jsonb_object_agg(colonne, 'qp_' || colonne) AS qp_map FROM meta_qp WHERE type_valeur IN ('entier', 'nombre rationnel') \gset
SELECT * FROM nous.load_observations('qp', 'code_qp', 'qpv', 2015, :'qp_map', 2017, 'observatory: qp.csv');

-- ---- IRIS of Loire-Atlantique (agg_iris_44.csv: codes and indicators, no geometry)
\set h \`head -1 '$D/iris-indicateurs-ptod/agg_iris_44.csv'\`
SELECT nous.create_staging('iris44', :'h');
\copy iris44 FROM '$D/iris-indicateurs-ptod/agg_iris_44.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP VIEW iris44_com AS SELECT DISTINCT "COM", libelle_com FROM iris44;
SELECT * FROM nous.load_territory_rows('iris44_com', 'commune', 2022, 'COM', 'libelle_com', 'observatory: agg_iris_44.csv', if_exists => 'skip');
SELECT * FROM nous.load_territory_rows('iris44', 'iris', 2022, 'code', 'libelle', 'observatory: agg_iris_44.csv');
SELECT * FROM nous.load_links('iris44', 'iris', 'code', 'commune', 'COM', 2022, source => 'observatory: agg_iris_44.csv');
INSERT INTO nous.indicators (code, label, unit, source, year, polarity) VALUES
  ('iris_pop', 'Population municipale 2022', 'persons', 'agg_iris_44.csv (INSEE RP 2022)', 2022, 0),
  ('iris_txpauv', 'Taux de pauvreté 2021', '%', 'agg_iris_44.csv (INSEE Filosofi 2021)', 2021, 1),
  ('iris_revmed', 'Revenu disponible médian par UC 2021', 'euros', 'agg_iris_44.csv (INSEE Filosofi 2021)', 2021, -1),
  ('iris_txchom', 'Taux de chômage des 15-64 ans 2022', '%', 'agg_iris_44.csv (INSEE RP 2022)', 2022, 1),
  ('iris_mono', 'Part des familles monoparentales 2022', '%', 'agg_iris_44.csv (INSEE RP 2022)', 2022, 1),
  ('iris_infbac', 'Part des non-diplômés du bac 2022', '%', 'agg_iris_44.csv (INSEE RP 2022)', 2022, 1);
SELECT * FROM nous.load_observations('iris44', 'code', 'iris', 2022,
  '{"P22_POP": "iris_pop", "rev_txpauv_21": "iris_txpauv", "rev_med_21": "iris_revmed", "soc_txchom_1564_22": "iris_txchom",
    "men_mono_pct_22": "iris_mono", "dsp_dipl_infbac_pct_22": "iris_infbac"}', 2022, 'observatory: agg_iris_44.csv');

-- ---- the QPV 2024 list (ANCT): codes, communes, multi-commune QPV (no perimeters in the data)
\set h \`head -1 '$D/qpv2024-liste-anct-superposeur/qpv2024_code_lib_commune_from_superposeur.csv'\`
SELECT nous.create_staging('qpv24', :'h');
\copy qpv24 FROM '$D/qpv2024-liste-anct-superposeur/qpv2024_code_lib_commune_from_superposeur.csv' WITH (FORMAT csv, HEADER)
CREATE TEMP VIEW qpv24_qpv AS SELECT DISTINCT ON (code_qp) code_qp, lib_qp FROM qpv24 ORDER BY code_qp;
CREATE TEMP VIEW qpv24_com AS SELECT DISTINCT insee_com FROM qpv24;
SELECT * FROM nous.load_territory_rows('qpv24_qpv', 'qpv', 2024, 'code_qp', 'lib_qp', 'observatory: qpv2024_code_lib_commune_from_superposeur.csv (ANCT)');
SELECT * FROM nous.load_territory_rows('qpv24_com', 'commune', 2024, 'insee_com', NULL, 'observatory: qpv2024_code_lib_commune_from_superposeur.csv (ANCT)', if_exists => 'skip');
SELECT * FROM nous.load_links('qpv24', 'qpv', 'code_qp', 'commune', 'insee_com', 2024, source => 'observatory: qpv2024_code_lib_commune_from_superposeur.csv (ANCT)');

-- ---- 200 m squares of central Nantes (Filosofi 2021, EPSG:3035 reprojected)
\set h \`head -1 '$D/filosofi-2021-carreaux-nantes-extrait/filosofi2021_carreaux200m_nantes_centre_malakoff.csv'\`
SELECT nous.create_staging('squares', :'h');
\copy squares FROM '$D/filosofi-2021-carreaux-nantes-extrait/filosofi2021_carreaux200m_nantes_centre_malakoff.csv' WITH (FORMAT csv, HEADER)
SELECT * FROM nous.load_territory_rows('squares', 'square200', 2021, 'idcar_200m', NULL,
  'observatory: filosofi2021_carreaux200m_nantes_centre_malakoff.csv (INSEE Filosofi 2021)', geom_column => 'wkt_3035', srid => 3035);
INSERT INTO nous.indicators (code, label, unit, source, year, polarity, kind, numerator, denominator, scale) VALUES
  ('sq_men', 'Ménages', 'households', 'Filosofi 2021 200 m grid', 2021, 0, 'count', NULL, NULL, 1),
  ('sq_men_pauv', 'Ménages pauvres', 'households', 'Filosofi 2021 200 m grid', 2021, 1, 'count', NULL, NULL, 1),
  ('sq_log_soc', 'Logements sociaux', 'dwellings', 'Filosofi 2021 200 m grid', 2021, 0, 'count', NULL, NULL, 1),
  ('sq_ind', 'Individus', 'persons', 'Filosofi 2021 200 m grid', 2021, 0, 'count', NULL, NULL, 1);
INSERT INTO nous.indicators (code, label, unit, source, year, polarity, kind, numerator, denominator, scale) VALUES
  ('sq_part_pauv', 'Part des ménages pauvres', '%', 'Filosofi 2021 200 m grid', 2021, 1, 'rate', 'sq_men_pauv', 'sq_men', 100);
SELECT * FROM nous.load_observations('squares', 'idcar_200m', 'square200', 2021,
  '{"men": "sq_men", "men_pauv": "sq_men_pauv", "log_soc": "sq_log_soc", "ind": "sq_ind"}', 2021,
  'observatory: filosofi2021_carreaux200m_nantes_centre_malakoff.csv');
-- squares -> the commune (Admin Express 2018) holding most of each square
INSERT INTO nous.territory_links (child_id, parent_id, share, kind)
SELECT DISTINCT ON (s.territory_id) s.territory_id, c.territory_id, 1, 'within'
  FROM nous.territories s JOIN nous.territories c ON c.level = 'commune' AND c.vintage = 2018 AND ST_Intersects(s.geom, c.geom)
 WHERE s.level = 'square200' AND s.vintage = 2021
 ORDER BY s.territory_id, ST_Area(ST_Intersection(s.geom, c.geom)) DESC;
CREATE TABLE nous_obs.squares_poverty AS
SELECT t.territory_id AS key, t.code, t.label, t.geom,
       m.value AS households, p.value AS poor_households, 100 * p.value / nullif(m.value, 0) AS score,
       rank() OVER (ORDER BY p.value / nullif(m.value, 0) DESC NULLS LAST) AS rank,
       ntile(5) OVER (ORDER BY p.value / nullif(m.value, 0)) AS class,
       'filosofi2021_carreaux200m_nantes_centre_malakoff.csv (INSEE Filosofi 2021)'::text AS source
  FROM nous.territories t
  JOIN nous.observations m ON m.territory_id = t.territory_id AND m.indicator = 'sq_men'
  JOIN nous.observations p ON p.territory_id = t.territory_id AND p.indicator = 'sq_men_pauv'
 WHERE t.level = 'square200' AND t.vintage = 2021;
ALTER TABLE nous_obs.squares_poverty ADD PRIMARY KEY (key), ALTER COLUMN geom TYPE geometry(MultiPolygon, 2154);
COMMENT ON TABLE nous_obs.squares_poverty IS 'The 140 populated 200 m squares of central Nantes (Filosofi 2021): share of poor households (score, %), rank 1 = highest share, class = quintile.';

-- ---- fragility of the QPV of Occitanie (z-scores, mean; polarity from the catalogue)
CREATE VIEW nous_obs.qpv_values AS
SELECT t.territory_id, t.code, t.label,
       max(o.value) FILTER (WHERE o.indicator = 'qp_tp60') AS tp60,
       max(o.value) FILTER (WHERE o.indicator = 'qp_tx_tot_empl') AS tx_tot_empl,
       max(o.value) FILTER (WHERE o.indicator = 'qp_disp_q2') AS disp_q2,
       max(o.value) FILTER (WHERE o.indicator = 'qp_tx_tot_eprec') AS tx_tot_eprec
  FROM nous.territories t JOIN nous.observations o USING (territory_id)
 WHERE t.level = 'qpv' AND t.vintage = 2015 AND o.period = 2017
 GROUP BY t.territory_id, t.code, t.label;
COMMENT ON VIEW nous_obs.qpv_values IS 'QPV of Occitanie (2015 list): the four components of the fragility index, from qp.csv (INSEE 2017 via Hackaviz 2021).';
SELECT nous.define_index('obs_qpv_fragility', '[{"column": "tp60", "label": "taux de pauvreté"},
  {"column": "tx_tot_empl", "polarity": -1, "label": "taux d emploi 15-64 ans"},
  {"column": "disp_q2", "polarity": -1, "label": "revenu disponible médian par UC"},
  {"column": "tx_tot_eprec", "label": "part des emplois précaires"}]',
  description => 'Fragility of the QPV of Occitanie (qp.csv)');
CREATE TABLE nous_obs.qpv_fragility AS
SELECT t.territory_id AS key, t.code, t.label, t.geom, r.score, r.rank, r.class, r.coverage, r.contributions,
       'qp.csv + qp.geojson (INSEE 2017, ANCT, via Hackaviz 2021)'::text AS source
  FROM nous.index_compute('obs_qpv_fragility', 'nous_obs.qpv_values', 'code') r
  JOIN nous.territories t ON t.level = 'qpv' AND t.vintage = 2015 AND t.code = r.key;
ALTER TABLE nous_obs.qpv_fragility ADD PRIMARY KEY (key), ALTER COLUMN geom TYPE geometry(MultiPolygon, 2154);
COMMENT ON TABLE nous_obs.qpv_fragility IS 'Fragility index of the 105 QPV of Occitanie: mean of z-scores of poverty rate, employment rate (-), median disposable income (-), precarious jobs; rank 1 = most fragile; class 1-5 (quintiles).';

-- ---- fragility of the IRIS of Loire-Atlantique
CREATE VIEW nous_obs.iris_values AS
SELECT t.territory_id, t.code, t.label,
       max(o.value) FILTER (WHERE o.indicator = 'iris_txpauv') AS txpauv,
       max(o.value) FILTER (WHERE o.indicator = 'iris_revmed') AS revmed,
       max(o.value) FILTER (WHERE o.indicator = 'iris_txchom') AS txchom,
       max(o.value) FILTER (WHERE o.indicator = 'iris_mono') AS mono,
       max(o.value) FILTER (WHERE o.indicator = 'iris_infbac') AS infbac
  FROM nous.territories t JOIN nous.observations o USING (territory_id)
 WHERE t.level = 'iris' AND t.vintage = 2022 AND o.period = 2022
 GROUP BY t.territory_id, t.code, t.label
HAVING max(o.value) FILTER (WHERE o.indicator = 'iris_pop') >= 250;
COMMENT ON VIEW nous_obs.iris_values IS 'IRIS of Loire-Atlantique with at least 250 inhabitants (the smaller ones are mostly activity zones whose incomes are secret): the five components of the fragility index, from agg_iris_44.csv (INSEE RP 2022, Filosofi 2021).';
SELECT nous.define_index('obs_iris_fragility', '[{"column": "txpauv", "label": "taux de pauvreté"},
  {"column": "revmed", "polarity": -1, "label": "revenu médian"}, {"column": "txchom", "label": "taux de chômage"},
  {"column": "mono", "label": "familles monoparentales"}, {"column": "infbac", "label": "sans bac"}]',
  aggregate => 'mean(min_coverage=0.8)',
  description => 'Fragility of the IRIS of Loire-Atlantique (agg_iris_44.csv); scored when at least 4 of the 5 components are known');
CREATE TABLE nous_obs.iris_fragility AS
SELECT t.territory_id AS key, t.code, t.label, NULL::geometry(MultiPolygon, 2154) AS geom,
       r.score, r.rank, r.class, r.coverage, r.contributions,
       'agg_iris_44.csv (INSEE RP 2022, Filosofi 2021, via ptod)'::text AS source
  FROM nous.territories t
  LEFT JOIN nous.index_compute('obs_iris_fragility', 'nous_obs.iris_values', 'code') r ON r.key = t.code
 WHERE t.level = 'iris' AND t.vintage = 2022;
ALTER TABLE nous_obs.iris_fragility ADD PRIMARY KEY (key);
COMMENT ON TABLE nous_obs.iris_fragility IS 'Fragility index of the 504 IRIS of Loire-Atlantique (mean of z-scores over the IRIS of at least 250 inhabitants; NULL score for the smaller ones and when fewer than 4 of the 5 components have a value, e.g. income under statistical secrecy); no IRIS perimeters in ../shared/data, so geom is NULL.';

-- ---- residential flows between the communes of Loire-Atlantique (MRE44, census 2012, moves 2008-2012)
\set h \`head -1 '$D/migrations-residentielles-loire-atlantique/MRE44_migrations_residentielles_2008_2012.csv'\`
SELECT nous.create_staging('mre44', :'h');
\copy mre44 FROM '$D/migrations-residentielles-loire-atlantique/MRE44_migrations_residentielles_2008_2012.csv' WITH (FORMAT csv, HEADER)
CREATE TABLE nous_obs.flows_mre44 AS
SELECT nous.flow_matrix("DCRAN", "CODGEO", "NBFLUX_C08_POP05P"::float8) AS m,
       'MRE44_migrations_residentielles_2008_2012.csv (INSEE census 2012)'::text AS source FROM mre44;
COMMENT ON TABLE nous_obs.flows_mre44 IS 'Origin-destination matrix of residential moves between the communes of Loire-Atlantique (origin = commune five years before), INSEE census 2012.';
CREATE TABLE nous_obs.commune_flows AS
SELECT t.territory_id AS key, z.zone AS code, t.label, t.geom, z.stayers, z.inflow, z.outflow, z.net,
       z.net_rate, z.turnover_rate,
       'MRE44_migrations_residentielles_2008_2012.csv + COM44_communes_geofla_lambert93.geojson'::text AS source
  FROM nous_obs.flows_mre44 f, nous.flow_zones(f.m) z
  LEFT JOIN nous.territories t ON t.level = 'commune' AND t.vintage = 2012 AND t.code = z.zone;
ALTER TABLE nous_obs.commune_flows ADD PRIMARY KEY (key);
COMMENT ON TABLE nous_obs.commune_flows IS 'Per commune of Loire-Atlantique: stayers, in- and out-movers, net migration and rates (nous.flow_zones on MRE44), with the GEOFLA perimeter.';
CREATE TABLE nous_obs.flow_lines AS
SELECT row_number() OVER (ORDER BY l.weight DESC, l.origin, l.destination)::bigint AS key, l.origin, l.destination,
       o.label AS origin_label, d.label AS destination_label, l.weight, l.reverse_weight, l.net,
       l.geom::geometry(LineString, 2154) AS geom,
       'MRE44_migrations_residentielles_2008_2012.csv'::text AS source
  FROM nous_obs.flows_mre44 f,
       nous.flow_lines(nous.flow_select(f.m, 'threshold', 500),
                       ARRAY(SELECT code FROM nous.territories WHERE level = 'commune' AND vintage = 2012 ORDER BY code),
                       ARRAY(SELECT geom FROM nous.territories WHERE level = 'commune' AND vintage = 2012 ORDER BY code)) l
  JOIN nous.territories o ON o.level = 'commune' AND o.vintage = 2012 AND o.code = l.origin
  JOIN nous.territories d ON d.level = 'commune' AND d.vintage = 2012 AND d.code = l.destination;
ALTER TABLE nous_obs.flow_lines ADD PRIMARY KEY (key);
COMMENT ON TABLE nous_obs.flow_lines IS 'Flows of at least 500 movers between two communes of Loire-Atlantique, as lines between points on surface (nous.flow_lines).';

-- column descriptions for Metabase and QGIS
DO \$do\$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.table_name, c.column_name FROM information_schema.columns c
            WHERE c.table_schema = 'nous_obs' LOOP
    EXECUTE format('COMMENT ON COLUMN nous_obs.%I.%I IS %L', r.table_name, r.column_name,
      CASE r.column_name
        WHEN 'key' THEN 'Integer key (nous.territories.territory_id, or the line number for flow lines).'
        WHEN 'territory_id' THEN 'Territory (nous.territories).'
        WHEN 'code' THEN 'Official code (INSEE, ANCT or grid identifier).'
        WHEN 'label' THEN 'Name.'
        WHEN 'geom' THEN 'Geometry in Lambert-93 (EPSG:2154); NULL when the data has none.'
        WHEN 'score' THEN 'Score: higher = more fragile (index) or the share shown.'
        WHEN 'rank' THEN 'Rank, 1 = most fragile.'
        WHEN 'class' THEN 'Class 1 (least) to 5 (most).'
        WHEN 'coverage' THEN 'Share of the component weights with a value.'
        WHEN 'contributions' THEN 'Contribution of each component to the score.'
        WHEN 'source' THEN 'Source files of the row.'
        WHEN 'm' THEN 'The origin-destination matrix (nous.flows).'
        WHEN 'origin' THEN 'Commune of residence five years before.'
        WHEN 'destination' THEN 'Commune of residence at the census.'
        WHEN 'origin_label' THEN 'Name of the origin commune.'
        WHEN 'destination_label' THEN 'Name of the destination commune.'
        WHEN 'weight' THEN 'Movers from origin to destination.'
        WHEN 'reverse_weight' THEN 'Movers in the opposite direction.'
        WHEN 'net' THEN 'Net migration (in - out), persons.'
        WHEN 'stayers' THEN 'Persons living in the same commune five years before.'
        WHEN 'inflow' THEN 'In-movers from the other communes of the file.'
        WHEN 'outflow' THEN 'Out-movers to the other communes of the file.'
        WHEN 'net_rate' THEN 'Net migration rate (Observatoire des territoires TM).'
        WHEN 'turnover_rate' THEN 'Turnover rate (in + out) / mean population (TR).'
        WHEN 'households' THEN 'Households (Filosofi).'
        WHEN 'poor_households' THEN 'Households under the poverty line (Filosofi).'
        ELSE 'Component of the index: ' || r.column_name || ' (see nous.indicators).' END);
  END LOOP;
END
\$do\$;
SQL

# ---- the report: every figure names its source file
psql <<'SQL'
\pset format aligned
\echo 'Real-data observatory (../shared/data; producers INSEE, IGN, ANCT under Licence Ouverte; compilations noted in SOURCES.md)'
\echo
\echo 'Loads into the territory model (nous.load_log): rows loaded, rejected, geometries repaired'
SELECT replace(source, 'observatory: ', '') AS file, kind, loaded, rejected, repaired
  FROM nous.load_log WHERE source LIKE 'observatory:%' ORDER BY load_id;
\echo
\echo 'The 5 most fragile QPV of Occitanie (source: qp.csv, INSEE 2017 via Hackaviz 2021; perimeters qp.geojson, ANCT) - table nous_obs.qpv_fragility'
SELECT rank, code, label, round(score::numeric, 2) AS score, class,
       (SELECT round(value::numeric, 1) FROM nous.observations WHERE territory_id = q.key AND indicator = 'qp_tp60') AS poverty_pct,
       round((ST_Area(geom) / 1e4)::numeric) AS hectares
  FROM nous_obs.qpv_fragility q ORDER BY rank LIMIT 5;
SELECT count(*) AS qpv_scored, count(geom) AS with_perimeter FROM nous_obs.qpv_fragility;
\echo
\echo 'The 5 most fragile IRIS of Loire-Atlantique (source: agg_iris_44.csv, INSEE RP 2022 / Filosofi 2021) - table nous_obs.iris_fragility'
SELECT rank, code, label, round(score::numeric, 2) AS score, class, round(coverage::numeric, 2) AS coverage
  FROM nous_obs.iris_fragility WHERE score IS NOT NULL ORDER BY rank LIMIT 5;
SELECT count(*) AS iris, count(score) AS scored FROM nous_obs.iris_fragility;
\echo
\echo 'QPV 2024 (source: qpv2024_code_lib_commune_from_superposeur.csv, ANCT): QPV, communes, QPV over several communes (one link per commune, share unknown)'
SELECT count(DISTINCT q.territory_id) AS qpv_2024, count(DISTINCT l.parent_id) AS communes,
       (SELECT count(*) FROM (SELECT child_id FROM nous.territory_links l2 JOIN nous.territories q2 ON q2.territory_id = l2.child_id
                               WHERE q2.level = 'qpv' AND q2.vintage = 2024 GROUP BY 1 HAVING count(*) > 1) x) AS multi_commune
  FROM nous.territories q JOIN nous.territory_links l ON l.child_id = q.territory_id WHERE q.level = 'qpv' AND q.vintage = 2024;
\echo
\echo 'Poor households in the 200 m squares of central Nantes (source: filosofi2021_carreaux200m_nantes_centre_malakoff.csv, INSEE Filosofi 2021) - table nous_obs.squares_poverty'
SELECT count(*) AS squares, round(sum(households)) AS households, round(sum(poor_households)) AS poor,
       round((100 * sum(poor_households) / sum(households))::numeric, 1) AS poor_pct,
       (SELECT round(value::numeric, 1) FROM nous.rollup('sq_part_pauv', 'commune', 2021, 'square200') WHERE code = '44109') AS rollup_pct_nantes
  FROM nous_obs.squares_poverty;
\echo
\echo 'Residential moves between the communes of Loire-Atlantique (source: MRE44_migrations_residentielles_2008_2012.csv, INSEE census 2012) - tables nous_obs.commune_flows, nous_obs.flow_lines'
SELECT s.zones, s.flows, round(s.stayers) AS stayers, round(s.movers) AS movers,
       round(s.stayers + s.movers) AS total_sources_md_1034497, round(s.effectiveness::numeric, 3) AS effectiveness
  FROM nous_obs.flows_mre44 f, nous.flow_summary(f.m) s;
SELECT code, label, round(inflow) AS inflow, round(outflow) AS outflow, round(net) AS net, round(turnover_rate::numeric, 3) AS turnover
  FROM nous_obs.commune_flows ORDER BY inflow + outflow DESC LIMIT 5;
SELECT origin_label, destination_label, round(weight) AS movers, round(reverse_weight) AS reverse
  FROM nous_obs.flow_lines ORDER BY key LIMIT 5;
SQL

# observation over time: communes across COG vintages, series and trends
bash "$(dirname "${BASH_SOURCE[0]}")/observatory_time.sh" "$D"
