#!/usr/bin/env bash
# scripts/observatory_time.sh — the time part of the real-data observatory
# (called by scripts/observatory.sh): INSEE's commune events of COG 2025, the
# population of the communes of Loire-Atlantique in 2011, 2015, 2016 and
# 2022 brought to COG 2025 (2015 comes in COG 2017 and crosses the communes
# nouvelles of 2018-2019), its annualised change and trend, and the map
# table nous_obs.commune_pop_trend (polygons of COG 2018 merged into COG 2025);
# the share aged 75+ and its gap to the département year by year; the
# cumulative fragility of each commune; the residential moves of the census
# 2012 (COG 2014) recoded to COG 2025.
#
#   bash scripts/observatory_time.sh DATA_DIR      (psql connection from PG* variables)
set -euo pipefail
D="$(cd "${1:?usage: observatory_time.sh DATA_DIR}" && pwd)"
bin="${NOUS_PGBIN:-/usr/lib/postgresql/15/bin}"
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -P footer=off "$@"; }
C="$D/cog-evenements-communes"
for f in "$C/mvtcommunes_2025.csv" "$C/communes_cog2025.csv" "$C/pop2015_cog2017.csv" "$D/iris-indicateurs-ptod/agg_iris_44.csv"; do
  [ -r "$f" ] || { echo "observatory_time: missing $f" >&2; exit 1; }
done

psql --single-transaction >/dev/null <<SQL
SET client_min_messages = warning;
-- the events and the COG 2025 list, once
SELECT nous.create_staging('obs_ev', 'MOD,DATE_EFF,TYPECOM_AV,COM_AV,TNCC_AV,NCC_AV,NCCENR_AV,LIBELLE_AV,TYPECOM_AP,COM_AP,TNCC_AP,NCC_AP,NCCENR_AP,LIBELLE_AP');
\copy obs_ev FROM '$C/mvtcommunes_2025.csv' WITH (FORMAT csv, HEADER)
SELECT nous.cog_load_events('obs_ev', 'observatory: mvtcommunes_2025.csv') WHERE NOT EXISTS (SELECT 1 FROM nous.cog_events);
SELECT nous.create_staging('obs_cl', 'TYPECOM,COM,DEP,REG,LIBELLE,COMPARENT');
\copy obs_cl FROM '$C/communes_cog2025.csv' WITH (FORMAT csv, HEADER)
SELECT nous.cog_load_communes('obs_cl', 2025, 'observatory: communes_cog2025.csv') WHERE NOT EXISTS (SELECT 1 FROM nous.cog_communes WHERE vintage = 2025);

-- 2015: populations légales in COG 2017 (France), converted to COG 2025
CREATE TABLE nous_obs.pop2015_cog2017 (depcom text, pop2015 float8, pop2015_a_part float8, pop2015_totale float8);
\copy nous_obs.pop2015_cog2017 FROM '$C/pop2015_cog2017.csv' WITH (FORMAT csv, HEADER)
-- 2011, 2016, 2022: census populations by IRIS of Loire-Atlantique (COG 2024), summed by commune
SELECT nous.create_staging('obs_iris', '$(head -1 "$D/iris-indicateurs-ptod/agg_iris_44.csv")');
\copy obs_iris FROM '$D/iris-indicateurs-ptod/agg_iris_44.csv' WITH (FORMAT csv, HEADER)
-- a year with an IRIS without population (IRIS of a former commune left
-- empty by the file) is a missing year of the commune, not a smaller count;
-- so is a year before a merger for a commune without IRIS (the file gives
-- the former commune's population): a year is kept only for communes whose
-- territory has not changed since (one source commune in the passage)
CREATE TABLE nous_obs.pop_iris44_cog2024 AS
SELECT "COM" AS com,
       CASE WHEN bool_and(coalesce("P11_POP", '') <> '') THEN sum(nullif("P11_POP", '')::float8) END AS p11,
       CASE WHEN bool_and(coalesce("P16_POP", '') <> '') THEN sum(nullif("P16_POP", '')::float8) END AS p16,
       CASE WHEN bool_and(coalesce("P22_POP", '') <> '') THEN sum(nullif("P22_POP", '')::float8) END AS p22
  FROM obs_iris GROUP BY 1;
UPDATE nous_obs.pop_iris44_cog2024 SET p11 = NULL
 WHERE com IN (SELECT code_to FROM nous.cog_passage('2011-01-01', '2024-01-01', 'territory') GROUP BY 1 HAVING count(*) > 1);
UPDATE nous_obs.pop_iris44_cog2024 SET p16 = NULL
 WHERE com IN (SELECT code_to FROM nous.cog_passage('2016-01-01', '2024-01-01', 'territory') GROUP BY 1 HAVING count(*) > 1);

CREATE TABLE nous_obs.pop_series_44 (com text, year integer, pop float8, source text, PRIMARY KEY (com, year));
COMMENT ON TABLE nous_obs.pop_series_44 IS 'Population of the communes of Loire-Atlantique in COG 2025: 2015 (populations légales, COG 2017, converted by nous.cog_convert) and 2011, 2016, 2022 (census, by IRIS in COG 2024, converted).';
INSERT INTO nous_obs.pop_series_44
SELECT depcom, 2015, pop2015, 'pop2015_cog2017.csv, COG 2017 -> 2025'
  FROM nous.cog_convert(NULL::nous_obs.pop2015_cog2017, 'depcom', '2017-01-01', '2025-01-01',
                        '{"pop2015": "sum", "pop2015_a_part": "sum", "pop2015_totale": "sum"}', 'territory')
 WHERE depcom LIKE '44%';
INSERT INTO nous_obs.pop_series_44
SELECT c.com, y.year, y.pop, 'agg_iris_44.csv, COG 2024 -> 2025'
  FROM nous.cog_convert(NULL::nous_obs.pop_iris44_cog2024, 'com', '2024-01-01', '2025-01-01',
                        '{"p11": "sum", "p16": "sum", "p22": "sum"}', 'territory') c,
       LATERAL (VALUES (2011, c.p11), (2016, c.p16), (2022, c.p22)) y(year, pop);

-- the passages used below, computed once
CREATE TABLE nous_obs.passage_2017_2025 AS SELECT * FROM nous.cog_passage('2017-01-01', '2025-01-01', 'territory');
CREATE TABLE nous_obs.passage_2018_2025 AS SELECT * FROM nous.cog_passage('2018-01-01', '2025-01-01', 'territory');
COMMENT ON TABLE nous_obs.passage_2017_2025 IS 'nous.cog_passage(2017-01-01, 2025-01-01, territory): communes of COG 2017 -> COG 2025.';
COMMENT ON TABLE nous_obs.passage_2018_2025 IS 'nous.cog_passage(2018-01-01, 2025-01-01, territory): communes of COG 2018 -> COG 2025.';

-- per commune: annualised change 2016-2022 and the Theil-Sen trend over the years known
CREATE TABLE nous_obs.commune_pop_trend AS
SELECT row_number() OVER (ORDER BY s.com)::integer AS key, s.com AS code,
       (SELECT c.libelle FROM nous.cog_communes c WHERE c.vintage = 2025 AND c.typecom = 'COM' AND c.com = s.com) AS label,
       (SELECT count(*) FROM nous_obs.passage_2017_2025 p WHERE p.code_to = s.com)::integer AS communes_2017,
       count(s.pop)::integer AS years,
       max(s.pop) FILTER (WHERE s.year = 2016) AS pop2016, max(s.pop) FILTER (WHERE s.year = 2022) AS pop2022,
       nous.annual_rate(max(s.pop) FILTER (WHERE s.year = 2015), max(s.pop) FILTER (WHERE s.year = 2022), 7) AS rate_2015_2022,
       (nous.trend(s.year, s.pop)).slope AS persons_per_year, (nous.trend(s.year, s.pop)).p_value AS mk_p_value,
       (SELECT ST_Multi(ST_Union(t.geom)) FROM nous.territories t
          JOIN nous_obs.passage_2018_2025 p ON p.code_from = t.code
         WHERE t.level = 'commune' AND t.vintage = 2018 AND p.code_to = s.com)::geometry(MultiPolygon, 2154) AS geom
  FROM nous_obs.pop_series_44 s GROUP BY s.com;
ALTER TABLE nous_obs.commune_pop_trend ADD PRIMARY KEY (key);

-- the share of inhabitants aged 75 and over (census 2011, 2016, 2022, by IRIS
-- in COG 2024, counts = share x population, summed by commune, converted to
-- COG 2025) and its gap to Loire-Atlantique year by year
CREATE TABLE nous_obs.aged_iris44_cog2024 AS
SELECT "COM" AS com,
       CASE WHEN bool_and(coalesce("P11_POP", '') <> '' AND coalesce("dmv_75p_pct_11", '') <> '') THEN sum(nullif("P11_POP", '')::float8 * nullif("dmv_75p_pct_11", '')::float8 / 100) END AS a11,
       CASE WHEN bool_and(coalesce("P11_POP", '') <> '' AND coalesce("dmv_75p_pct_11", '') <> '') THEN sum(nullif("P11_POP", '')::float8) END AS p11,
       CASE WHEN bool_and(coalesce("P16_POP", '') <> '' AND coalesce("dmv_75p_pct_16", '') <> '') THEN sum(nullif("P16_POP", '')::float8 * nullif("dmv_75p_pct_16", '')::float8 / 100) END AS a16,
       CASE WHEN bool_and(coalesce("P16_POP", '') <> '' AND coalesce("dmv_75p_pct_16", '') <> '') THEN sum(nullif("P16_POP", '')::float8) END AS p16,
       CASE WHEN bool_and(coalesce("P22_POP", '') <> '' AND coalesce("dmv_75p_pct_22", '') <> '') THEN sum(nullif("P22_POP", '')::float8 * nullif("dmv_75p_pct_22", '')::float8 / 100) END AS a22,
       CASE WHEN bool_and(coalesce("P22_POP", '') <> '' AND coalesce("dmv_75p_pct_22", '') <> '') THEN sum(nullif("P22_POP", '')::float8) END AS p22
  FROM obs_iris GROUP BY 1;
UPDATE nous_obs.aged_iris44_cog2024 SET a11 = NULL, p11 = NULL
 WHERE com IN (SELECT code_to FROM nous.cog_passage('2011-01-01', '2024-01-01', 'territory') GROUP BY 1 HAVING count(*) > 1);
UPDATE nous_obs.aged_iris44_cog2024 SET a16 = NULL, p16 = NULL
 WHERE com IN (SELECT code_to FROM nous.cog_passage('2016-01-01', '2024-01-01', 'territory') GROUP BY 1 HAVING count(*) > 1);
CREATE TABLE nous_obs.aged_series_44 (com text, year integer, aged75 float8, pop float8, PRIMARY KEY (com, year));
COMMENT ON TABLE nous_obs.aged_series_44 IS 'Inhabitants aged 75 and over and population of the communes of Loire-Atlantique in COG 2025 (census 2011, 2016, 2022; agg_iris_44.csv, COG 2024, converted by nous.cog_convert); NULL where a year is not known for the whole territory.';
INSERT INTO nous_obs.aged_series_44
SELECT c.com, y.year, y.a, y.p
  FROM nous.cog_convert(NULL::nous_obs.aged_iris44_cog2024, 'com', '2024-01-01', '2025-01-01',
                        '{"a11": "sum", "p11": "sum", "a16": "sum", "p16": "sum", "a22": "sum", "p22": "sum"}', 'territory') c,
       LATERAL (VALUES (2011, c.a11, c.p11), (2016, c.a16, c.p16), (2022, c.a22, c.p22)) y(year, a, p);
CREATE TABLE nous_obs.aged_gap_44 AS
SELECT * FROM nous.reference_gap_series(NULL::nous_obs.aged_series_44, 'com', 'year', 'aged75', 'pop', 5, true, '2025-01-01');
COMMENT ON TABLE nous_obs.aged_gap_44 IS 'Share of inhabitants aged 75 and over per commune of Loire-Atlantique (COG 2025) and its gap to Loire-Atlantique (base 100) in 2011, 2016 and 2022, with its change and décrochage (+5 points): nous.reference_gap_series on nous_obs.aged_series_44.';

-- cumulative fragility per commune: in the worst quintile of Loire-Atlantique or
-- trending worse, for two indicators (share aged 75+ in 2022, its gap rising;
-- population falling)
ALTER TABLE nous_obs.commune_pop_trend ADD COLUMN aged_gap_2022 float8, ADD COLUMN aged_decrochage boolean,
  ADD COLUMN cumulative_fragility float8;
UPDATE nous_obs.commune_pop_trend t SET aged_gap_2022 = g.gap, aged_decrochage = g.d
  FROM (SELECT area, max(gap) FILTER (WHERE year = 2022) AS gap, bool_or(decrochage) AS d FROM nous_obs.aged_gap_44 GROUP BY area) g
 WHERE g.area = t.code;
UPDATE nous_obs.commune_pop_trend t SET cumulative_fragility = f.score
  FROM (SELECT x.code, x.score
          FROM (SELECT t.code, nous.composite(ARRAY[t.aged_gap_2022, -t.rate_2015_2022,
                                                    (SELECT (nous.trend(g.year, g.gap)).slope FROM nous_obs.aged_gap_44 g
                                                      WHERE g.area = t.code AND (SELECT count(x.gap) FROM nous_obs.aged_gap_44 x WHERE x.area = t.code) >= 2),
                                                    -t.persons_per_year],
                                              NULL, NULL, 'none', 'cumulative(trends=true)') OVER () AS score
                  FROM nous_obs.commune_pop_trend t) x) f
 WHERE f.code = t.code;
COMMENT ON COLUMN nous_obs.commune_pop_trend.cumulative_fragility IS 'Aggregation method cumulative(trends=true): how many of two indicators (gap of the share aged 75+ in 2022; fall of the population 2015-2022) are in the worst quintile of the communes or trending worse (Theil-Sen slope of the gap rising; population falling).';

-- residential moves of the census 2012 (COG 2014) recoded to COG 2025: moves
-- between communes merged since become stayers of the communes nouvelles
CREATE TABLE nous_obs.flows_mre44_cog2025 AS
SELECT nous.cog_convert_flows(f.m, '2014-01-01', '2025-01-01', 'territory') AS m,
       'MRE44_migrations_residentielles_2008_2012.csv (INSEE census 2012, COG 2014) -> COG 2025'::text AS source
  FROM nous_obs.flows_mre44 f;
COMMENT ON TABLE nous_obs.flows_mre44_cog2025 IS 'The matrix of nous_obs.flows_mre44 (census 2012, COG 2014) with both ends recoded to COG 2025 by nous.cog_convert_flows.';
CREATE TABLE nous_obs.flows_mre44_changes AS
SELECT c.* FROM nous_obs.flows_mre44 f, nous.cog_flow_changes(f.m, '2014-01-01', '2025-01-01', 'territory') c;
COMMENT ON TABLE nous_obs.flows_mre44_changes IS 'nous.cog_flow_changes of the MRE44 matrix from COG 2014 to COG 2025: the zones merged, split or renumbered, with their moves that become internal.';
COMMENT ON TABLE nous_obs.commune_pop_trend IS 'Map table: communes of Loire-Atlantique in COG 2025 with their population trend (annualised rate 2015-2022, Theil-Sen slope and Mann-Kendall p-value over 2011, 2015, 2016, 2022); polygons = COG 2018 communes merged along the passage 2018 -> 2025.';
SQL

psql <<'SQL'
\pset format aligned
\echo
\echo 'Population of the communes nouvelles of Loire-Atlantique formed since 2017, in COG 2025 (sources: pop2015_cog2017.csv, INSEE populations legales 2015 in COG 2017, converted by nous.cog_convert across the mergers; agg_iris_44.csv, census 2011/2016/2022 by IRIS) - table nous_obs.pop_series_44'
SELECT t.code, t.label, t.communes_2017,
       (SELECT string_agg(p.code_from, ' + ' ORDER BY p.code_from) FROM nous_obs.passage_2017_2025 p WHERE p.code_to = t.code) AS "COG 2017 communes",
       (SELECT round(pop) FROM nous_obs.pop_series_44 s WHERE s.com = t.code AND s.year = 2011) AS p2011,
       (SELECT round(pop) FROM nous_obs.pop_series_44 s WHERE s.com = t.code AND s.year = 2015) AS p2015,
       round(t.pop2016) AS p2016, round(t.pop2022) AS p2022,
       round((100 * t.rate_2015_2022)::numeric, 2) AS "rate %/yr 15-22", round(t.persons_per_year::numeric, 1) AS "Theil-Sen /yr",
       t.years
  FROM nous_obs.commune_pop_trend t WHERE t.communes_2017 > 1 ORDER BY t.code;
\echo '(an empty year: the IRIS file leaves the IRIS of a former commune empty, or gives a commune nouvelle without IRIS the population of its chef-lieu alone; the series skips that year)'
\echo
\echo 'Communes of Loire-Atlantique by population trend 2011-2022 (Theil-Sen slope, persons per year) - map table nous_obs.commune_pop_trend'
SELECT CASE WHEN persons_per_year < 0 THEN 'falling' WHEN persons_per_year < 20 THEN 'up to 20 a year'
            WHEN persons_per_year < 100 THEN '20 to 100 a year' ELSE '100 a year or more' END AS trend,
       count(*) AS communes, count(geom) AS with_polygon, round(sum(pop2022)) AS pop2022
  FROM nous_obs.commune_pop_trend GROUP BY 1 ORDER BY min(persons_per_year);
\echo
\echo 'Share aged 75 and over, gap to Loire-Atlantique (base 100) year by year, communes nouvelles and the largest décrochages (source: agg_iris_44.csv, census 2011/2016/2022; nous.reference_gap_series) - table nous_obs.aged_gap_44'
SELECT g.area AS code, (SELECT c.libelle FROM nous.cog_communes c WHERE c.vintage = 2025 AND c.typecom = 'COM' AND c.com = g.area) AS label,
       string_agg(g.year || ': ' || coalesce(round(g.gap::numeric, 1)::text, '-'), '   ' ORDER BY g.year) AS "gap by year",
       round(max(g.gap_change) FILTER (WHERE g.year = 2022)::numeric, 1) AS "change 16-22", bool_or(g.decrochage) AS decrochage
  FROM nous_obs.aged_gap_44 g
 WHERE g.area IN (SELECT code FROM nous_obs.commune_pop_trend WHERE communes_2017 > 1)
    OR g.area IN (SELECT area FROM nous_obs.aged_gap_44 WHERE year = 2022 AND gap_change IS NOT NULL ORDER BY gap_change DESC LIMIT 3)
 GROUP BY g.area ORDER BY bool_or(g.decrochage), g.area;
\echo 'Communes by cumulative fragility (aggregation method cumulative: aged 75+ gap in the worst quintile or rising, population in the worst quintile of change or falling) - column cumulative_fragility of the map table nous_obs.commune_pop_trend'
SELECT cumulative_fragility, count(*) AS communes, round(sum(pop2022)) AS pop2022 FROM nous_obs.commune_pop_trend GROUP BY 1 ORDER BY 1;
\echo
\echo 'Residential moves (census 2012, COG 2014) recoded to COG 2025: moves between communes merged since become stayers (source: MRE44_migrations_residentielles_2008_2012.csv; nous.cog_convert_flows) - tables nous_obs.flows_mre44_cog2025, nous_obs.flows_mre44_changes'
SELECT b.zones AS zones_cog2014, a.zones AS zones_cog2025, round(b.stayers) AS stayers_cog2014, round(a.stayers) AS stayers_cog2025,
       round(b.stayers + b.movers) AS total_2014, round(a.stayers + a.movers) AS total_2025
  FROM nous_obs.flows_mre44 f, nous.flow_summary(f.m) b, nous_obs.flows_mre44_cog2025 g, nous.flow_summary(g.m) a;
SELECT c.code_to AS commune_2025, string_agg(c.zone, ' + ' ORDER BY c.zone) AS "COG 2014 communes", round(sum(c.stayers)) AS stayers_before,
       round(sum(c.moves_now_internal)) AS moves_now_internal, round(z.stayers) AS stayers_after
  FROM nous_obs.flows_mre44_changes c, nous_obs.flows_mre44_cog2025 g, nous.flow_zones(g.m) z
 WHERE z.zone = c.code_to AND c.change = 'merged' AND c.code_to IN ('44003', '44180')
 GROUP BY c.code_to, z.stayers ORDER BY 1;
\echo 'Loire-Atlantique in COG 2025: population 2015 (converted) and 2022, annualised rate (nous.annual_rate)'
SELECT count(*) AS communes, round(sum(p15)) AS pop2015, round(sum(p22)) AS pop2022,
       round((100 * nous.annual_rate(sum(p15), sum(p22), 7))::numeric, 3) AS "rate %/yr"
  FROM (SELECT com, max(pop) FILTER (WHERE year = 2015) AS p15, max(pop) FILTER (WHERE year = 2022) AS p22
          FROM nous_obs.pop_series_44 GROUP BY com) x;
SQL
