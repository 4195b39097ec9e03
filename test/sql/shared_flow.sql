-- shared_flow: flow matrices on real data (../shared): the 2008-2012 moves
-- between the communes of Loire-Atlantique, the published indicators of the
-- Observatoire des territoires, the migest toy oracle.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\getenv shared NOUS_SHARED

-- ---- 1. MRE44: CODGEO = commune now (destination), DCRAN = commune five
-- years before (origin), NBFLUX_C08_POP05P = weighted persons aged 5+
CREATE TEMP TABLE mre (codgeo text, libgeo text, dcran text, l_dcran text, nbflux float8);
\set f :shared '/data/migrations-residentielles-loire-atlantique/MRE44_migrations_residentielles_2008_2012.csv'
COPY mre FROM :'f' WITH (FORMAT csv, HEADER);
SELECT count(*) AS rows, count(*) FILTER (WHERE codgeo = dcran) AS stayer_rows,
       round(sum(nbflux)) AS persons FROM mre;

CREATE TEMP TABLE m44 AS SELECT nous.flow_matrix(dcran, codgeo, nbflux) AS m FROM mre;
-- 221 communes; the 7,185 rows are 7,185 distinct pairs (221 of them stayers)
SELECT zones, flows, zones + flows AS cells, round(stayers::numeric, 3) AS stayers,
       round(movers::numeric, 3) AS movers, round((stayers + movers)::numeric, 3) AS persons
  FROM m44, nous.flow_summary(m);
-- invariants: sum in = sum out = movers; sum AUTO = sum PRES = persons;
-- stayers = the rows where CODGEO = DCRAN
SELECT abs(sum(inflow) - sum(outflow)) < 1e-6 AS in_equals_out,
       abs(sum(present_before) - sum(present_after)) < 1e-6 AS auto_equals_pres,
       abs(sum(present_before) - (SELECT sum(nbflux) FROM mre)) < 1e-6 AS auto_is_total,
       abs(sum(stayers) - (SELECT sum(nbflux) FROM mre WHERE codgeo = dcran)) < 1e-6 AS stayers_agree,
       abs(sum(net)) < 1e-6 AS net_sums_to_zero
  FROM m44, nous.flow_zones(m);
-- the edges are the rows
SELECT count(*) AS edges_not_in_csv
  FROM m44, nous.flow_edges(m) e
  LEFT JOIN mre ON mre.dcran = e.origin AND mre.codgeo = e.destination
 WHERE mre.nbflux IS DISTINCT FROM e.weight;

-- every zone indicator against the plain-SQL computation
CREATE TEMP TABLE plain AS
WITH z AS (SELECT codgeo AS zone FROM mre UNION SELECT dcran FROM mre),
     c AS (SELECT z.zone,
                  coalesce((SELECT sum(nbflux) FROM mre WHERE codgeo = z.zone AND dcran = z.zone), 0) AS iso,
                  coalesce((SELECT sum(nbflux) FROM mre WHERE codgeo = z.zone AND dcran <> z.zone), 0) AS entr,
                  coalesce((SELECT sum(nbflux) FROM mre WHERE dcran = z.zone AND codgeo <> z.zone), 0) AS sort
             FROM z)
SELECT zone, iso, entr, sort, iso + sort AS auto, iso + entr AS pres, entr - sort AS sm,
       (entr - sort) / nullif((2 * iso + sort + entr) / 2, 0) AS tm,
       (entr + sort) / nullif((2 * iso + sort + entr) / 2, 0) AS tr,
       entr / nullif(iso + entr, 0) AS pe, sort / nullif(iso + sort, 0) AS ps
  FROM c;
CREATE FUNCTION pg_temp.near(a float8, b float8) RETURNS boolean LANGUAGE sql IMMUTABLE
  AS $$ SELECT (a IS NULL AND b IS NULL) OR abs(a - b) <= 1e-9 * greatest(1, abs(b)) $$;
SELECT count(*) AS zones_compared,
       count(*) FILTER (WHERE NOT (pg_temp.near(z.stayers, p.iso) AND pg_temp.near(z.inflow, p.entr)
                              AND pg_temp.near(z.outflow, p.sort) AND pg_temp.near(z.present_before, p.auto)
                              AND pg_temp.near(z.present_after, p.pres) AND pg_temp.near(z.net, p.sm)
                              AND pg_temp.near(z.net_rate, p.tm) AND pg_temp.near(z.turnover_rate, p.tr)
                              AND pg_temp.near(z.inflow_share, p.pe) AND pg_temp.near(z.outflow_share, p.ps))) AS mismatches
  FROM m44, nous.flow_zones(m) z FULL JOIN plain p ON p.zone = z.zone;
-- Nantes (44109), Rezé (44143), Saint-Herblain (44162)
SELECT zone, round(stayers) AS iso, round(inflow) AS entr, round(outflow) AS sort, round(net) AS sm,
       round(net_rate::numeric, 4) AS tm, round(turnover_rate::numeric, 4) AS tr,
       round(inflow_share::numeric, 4) AS pe, round(outflow_share::numeric, 4) AS ps
  FROM m44, nous.flow_zones(m) WHERE zone IN ('44109', '44143', '44162') ORDER BY zone;

-- the matrix is the same through text, merge of partial matrices and a parallel plan
SELECT m::text::nous.flows::text = m::text AS text_round_trip,
       (SELECT nous.flow_matrix(p)::text FROM (SELECT nous.flow_matrix(dcran, codgeo, nbflux) p FROM mre GROUP BY left(codgeo, 4)) s) = m::text AS merge_by_groups
  FROM m44;

-- whole matrix: migration effectiveness and Gini against plain SQL
WITH io AS (SELECT inflow, outflow FROM m44, nous.flow_zones(m)),
     cells AS (SELECT e.weight FROM m44, nous.flow_edges(m) e WHERE e.origin <> e.destination),
     n AS (SELECT 221.0 * 220 AS n),
     -- Gini over all n(n-1) cells, zeros included: sum_k (2k - n - 1) x_(k) / (n sum x)
     ranked AS (SELECT weight, (SELECT n FROM n) - count(*) OVER () + row_number() OVER (ORDER BY weight) AS k FROM cells)
SELECT pg_temp.near(s.effectiveness, (SELECT sum(abs(inflow - outflow)) / sum(inflow + outflow) FROM io)) AS effectiveness_agrees,
       pg_temp.near(s.gini, (SELECT sum((2 * k - (SELECT n FROM n) - 1) * weight) / ((SELECT n FROM n) * sum(weight)) FROM ranked)) AS gini_agrees,
       round(s.effectiveness::numeric, 4) AS effectiveness, round(s.gini::numeric, 4) AS gini
  FROM m44, nous.flow_summary(m) s;

-- Nystuen-Dacey against plain SQL: largest outflow of each commune (ties to
-- the first destination code), dominant when the destination's inflow is larger
WITH io AS (SELECT zone, inflow FROM m44, nous.flow_zones(m)),
     largest AS (SELECT DISTINCT ON (dcran) dcran AS zone, codgeo AS largest_to, nbflux
                   FROM mre WHERE dcran <> codgeo ORDER BY dcran, nbflux DESC, codgeo COLLATE "C"),
     plain AS (SELECT l.zone, l.largest_to, d.inflow > o.inflow AS dominant
                 FROM largest l JOIN io o ON o.zone = l.zone JOIN io d ON d.zone = l.largest_to)
SELECT count(*) AS zones, count(*) FILTER (WHERE n.largest_to IS DISTINCT FROM p.largest_to
                                             OR n.dominant IS DISTINCT FROM coalesce(p.dominant, false)) AS mismatches,
       count(*) FILTER (WHERE n.role = 'dominant') AS dominant,
       count(*) FILTER (WHERE n.role = 'intermediate') AS intermediate,
       count(*) FILTER (WHERE n.role = 'dominated') AS dominated
  FROM m44, nous.flow_dominant(m) n LEFT JOIN plain p USING (zone);
SELECT zone, role FROM m44, nous.flow_dominant(m) WHERE role <> 'dominated' AND inflow > 3000 ORDER BY zone;

-- ---- 2. Nantes Métropole (EPCI 244400404, its 24 communes in the 2017
-- geography, as listed in ../shared/data/rpls-aggrege-savoirfr)
CREATE TEMP TABLE nm (code text PRIMARY KEY);
INSERT INTO nm VALUES ('44009'), ('44018'), ('44020'), ('44024'), ('44026'), ('44035'), ('44047'),
  ('44074'), ('44094'), ('44101'), ('44109'), ('44114'), ('44120'), ('44143'), ('44150'), ('44162'),
  ('44166'), ('44171'), ('44172'), ('44190'), ('44194'), ('44198'), ('44204'), ('44215');
-- flows between categories: Nantes Métropole / rest of Loire-Atlantique;
-- moves inside a category count as its stayers
SELECT e.origin, e.destination, round(e.weight::numeric, 3) AS weight
  FROM m44, nous.flow_edges(nous.flow_categories(m,
         ARRAY(SELECT zone FROM nous.flow_zones(m)),
         ARRAY(SELECT CASE WHEN zone IN (SELECT code FROM nm) THEN 'Nantes Métropole' ELSE 'rest of 44' END
                 FROM nous.flow_zones(m)))) e
 ORDER BY 1, 2;
SELECT b.origin_category, b.destination_category, b.relation, round(b.weight::numeric, 3) AS weight
  FROM m44, nous.flow_between(m,
         ARRAY(SELECT zone FROM nous.flow_zones(m)),
         ARRAY(SELECT CASE WHEN zone IN (SELECT code FROM nm) THEN 'Nantes Métropole' ELSE 'rest of 44' END
                 FROM nous.flow_zones(m))) b;
-- the same by plain SQL: stayed + moved inside = the diagonal above
SELECT round(sum(nbflux) FILTER (WHERE dcran = codgeo AND codgeo IN (SELECT code FROM nm))::numeric, 3) AS nm_stayed,
       round(sum(nbflux) FILTER (WHERE dcran <> codgeo AND dcran IN (SELECT code FROM nm) AND codgeo IN (SELECT code FROM nm))::numeric, 3) AS nm_moved_inside
  FROM mre;
SELECT round(sum(nbflux) FILTER (WHERE dcran IN (SELECT code FROM nm) AND codgeo IN (SELECT code FROM nm))) AS nm_stay,
       round(sum(nbflux) FILTER (WHERE dcran IN (SELECT code FROM nm) AND codgeo NOT IN (SELECT code FROM nm))) AS nm_to_rest,
       round(sum(nbflux) FILTER (WHERE dcran NOT IN (SELECT code FROM nm) AND codgeo IN (SELECT code FROM nm))) AS rest_to_nm,
       round(sum(nbflux) FILTER (WHERE dcran NOT IN (SELECT code FROM nm) AND codgeo NOT IN (SELECT code FROM nm))) AS rest_stay
  FROM mre;

-- flow lines between the communes of Nantes Métropole (Lambert-93)
\set g :shared '/data/migrations-residentielles-loire-atlantique/COM44_communes_geofla_lambert93.geojson'
CREATE TEMP TABLE com AS
  SELECT f -> 'properties' ->> 'INSEE_COM' AS code, f -> 'properties' ->> 'NOM_COM' AS name,
         ST_SetSRID(ST_GeomFromGeoJSON(f ->> 'geometry'), 2154) AS geom
    FROM jsonb_array_elements(pg_read_file(:'g')::jsonb -> 'features') AS f;
SELECT count(*) AS communes, count(*) FILTER (WHERE code IN (SELECT code FROM nm)) AS in_nm FROM com;
CREATE TEMP TABLE mnm AS
  SELECT nous.flow_matrix(dcran, codgeo, nbflux) AS m
    FROM mre WHERE dcran IN (SELECT code FROM nm) AND codgeo IN (SELECT code FROM nm);
CREATE TEMP TABLE lines AS
  SELECT l.* FROM mnm, nous.flow_lines(nous.flow_select(m, 'threshold', 100),
                                       ARRAY(SELECT code FROM com), ARRAY(SELECT geom FROM com)) l;
-- one line per flow of 100 persons or more, in EPSG:2154, from a point inside
-- the origin commune to a point inside the destination commune
SELECT count(*) AS lines,
       (SELECT count(*) FROM mre WHERE dcran IN (SELECT code FROM nm) AND codgeo IN (SELECT code FROM nm)
                                   AND dcran <> codgeo AND nbflux >= 100) AS flows_ge_100,
       bool_and(ST_SRID(l.geom) = 2154) AS srid_2154,
       bool_and(ST_Intersects(ST_StartPoint(l.geom), o.geom) AND ST_Intersects(ST_EndPoint(l.geom), d.geom)) AS inside,
       bool_and(ST_Equals(ST_StartPoint(l.geom), ST_PointOnSurface(o.geom))) AS from_point_on_surface,
       bool_and(l.net = l.weight - l.reverse_weight) AS net_ok
  FROM lines l JOIN com o ON o.code = l.origin JOIN com d ON d.code = l.destination;
SELECT origin, destination, round(weight) AS weight, round(reverse_weight) AS reverse, round(net) AS net,
       net_direction, round(ST_Length(geom)) AS metres
  FROM lines ORDER BY weight DESC LIMIT 5;
-- curved arcs do not overlap their reverse flow; they keep their end points
SELECT count(*) AS arcs,
       bool_and(ST_NPoints(l.geom) = 17) AS points_17,
       bool_and(ST_Equals(ST_StartPoint(l.geom), ST_PointOnSurface(o.geom))) AS same_start,
       bool_and(NOT ST_Equals(l.geom, ST_Reverse(r.geom))) AS not_overlapping
  FROM mnm, nous.flow_lines(nous.flow_select(m, 'threshold', 100), ARRAY(SELECT code FROM com),
                            ARRAY(SELECT geom FROM com), curvature => 0.2) l
  JOIN mnm m2 ON true
  JOIN com o ON o.code = l.origin
  JOIN LATERAL (SELECT * FROM nous.flow_lines(nous.flow_select(m2.m, 'threshold', 100), ARRAY(SELECT code FROM com),
                                              ARRAY(SELECT geom FROM com), curvature => 0.2) x
                 WHERE x.origin = l.destination AND x.destination = l.origin) r ON true;
-- a commune without geometry is named, not dropped
SELECT count(*) FROM mnm, nous.flow_lines(m, ARRAY(SELECT code FROM com WHERE code <> '44109'),
                                          ARRAY(SELECT geom FROM com WHERE code <> '44109'));

-- ---- 3. published indicators of the Observatoire des territoires (census
-- 2015, residence one year before): from the published counts ISO, ENTR,
-- SORT, the formulas must give the published TM, PS, PE, TR.  Each territory
-- T becomes a zone with stayers ISO, T -> "out of T" SORT and "out of T" -> T ENTR.
CREATE TEMP TABLE ot (terr text, lib text, iso float8, sort float8, entr float8, sm float8,
                      pres float8, auto float8, tm float8, ps float8, pe float8, tr float8, niv text);
\set t :shared '/data/mobilites-residentielles-epci-ot/indics_migres_TERR.csv'
COPY ot FROM :'t' WITH (FORMAT csv, HEADER);
SELECT niv, count(*) FROM ot GROUP BY niv ORDER BY niv;
CREATE TEMP TABLE otm AS
  SELECT nous.flow_matrix(o, d, w) AS m
    FROM ot, LATERAL (VALUES (niv || ':' || terr, niv || ':' || terr, iso),
                             (niv || ':' || terr, 'out of ' || niv || ':' || terr, sort),
                             ('out of ' || niv || ':' || terr, niv || ':' || terr, entr)) v(o, d, w);
SELECT count(*) AS territories,
       count(*) FILTER (WHERE pg_temp.near(z.net, ot.sm) AND pg_temp.near(z.present_before, ot.auto)
                          AND pg_temp.near(z.present_after, ot.pres)) AS counts_agree,
       count(*) FILTER (WHERE pg_temp.near(z.net_rate, ot.tm)) AS tm_agree,
       count(*) FILTER (WHERE pg_temp.near(z.turnover_rate, ot.tr)) AS tr_agree,
       count(*) FILTER (WHERE pg_temp.near(z.inflow_share, ot.pe)) AS pe_agree,
       count(*) FILTER (WHERE pg_temp.near(z.outflow_share, ot.ps)) AS ps_agree,
       max(abs(z.net_rate - ot.tm)) < 1e-12 AND max(abs(z.turnover_rate - ot.tr)) < 1e-12
         AND max(abs(z.inflow_share - ot.pe)) < 1e-12 AND max(abs(z.outflow_share - ot.ps)) < 1e-12 AS within_1e_12
  FROM otm, nous.flow_zones(m) z JOIN ot ON z.zone = ot.niv || ':' || ot.terr;
-- Nantes Métropole: ENTR 33,800, SORT 29,701, TR 0.102 (SOURCES.md)
SELECT round(inflow) AS entr, round(outflow) AS sort, round(turnover_rate::numeric, 3) AS tr,
       round(net_rate::numeric, 5) AS tm, round(inflow_share::numeric, 5) AS pe, round(outflow_share::numeric, 5) AS ps
  FROM otm, nous.flow_zones(m) WHERE zone = 'EPCI:244400404';

-- ---- 4. migest toy oracle (../shared/oracles/migest_toy/EXPECTED.md)
CREATE TEMP TABLE toy (orig text, dest text, flow float8);
\set o :shared '/oracles/migest_toy/od.csv'
COPY toy FROM :'o' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE toy_expected (name text, quantity text, value text, definition text);
\set e :shared '/oracles/migest_toy/expected.csv'
COPY toy_expected FROM :'e' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE toy_bilateral (orig text, dest text, flow float8, counter_flow float8, net float8, gross float8);
\set b :shared '/oracles/migest_toy/expected_bilateral.csv'
COPY toy_bilateral FROM :'b' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE toym AS SELECT nous.flow_matrix(orig, dest, flow) AS m FROM toy;
-- per region, in the oracle's region order: tot_out, tot_in, net = in - out,
-- turnover = in + out, efficiency = net / turnover
WITH ours AS (SELECT zone, outflow, inflow, net, inflow + outflow AS turnover, net / (inflow + outflow) AS eff
                FROM toym, nous.flow_zones(m)),
     exp AS (SELECT quantity, string_to_array(value, ';')::float8[] AS v FROM toy_expected
              WHERE quantity IN ('tot_out', 'tot_in', 'net', 'turnover', 'efficiency_region')),
     regions AS (SELECT r, i FROM toy_expected, unnest(string_to_array(value, ';')) WITH ORDINALITY u(r, i)
                  WHERE quantity = 'regions')
SELECT e.quantity, bool_and(pg_temp.near(CASE e.quantity WHEN 'tot_out' THEN o.outflow WHEN 'tot_in' THEN o.inflow
                                          WHEN 'net' THEN o.net WHEN 'turnover' THEN o.turnover ELSE o.eff END,
                                          e.v[r.i])) AS agrees, count(*) AS regions
  FROM exp e CROSS JOIN regions r JOIN ours o ON o.zone = r.r
 GROUP BY e.quantity ORDER BY e.quantity;
SELECT pg_temp.near(s.movers, (SELECT value::float8 FROM toy_expected WHERE quantity = 'total')) AS total_agrees,
       pg_temp.near(s.effectiveness, (SELECT value::float8 FROM toy_expected WHERE quantity = 'efficiency_overall')) AS efficiency_overall_agrees
  FROM toym, nous.flow_summary(m) s;
-- bilateral flows (orig < dest): flow, counter_flow, net, gross
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE p.a_to_b = b.flow AND p.b_to_a = b.counter_flow AND p.net = b.net AND p.gross = b.gross) AS agree
  FROM toym, nous.flow_pairs(m) p FULL JOIN toy_bilateral b ON b.orig = p.zone_a AND b.dest = p.zone_b;

-- ---- 5. renewal by socio-professional group (indics_migres_TERR_CS1.csv:
-- ISO, SORT, ENTR by CS1 for the EPCI of dép. 44, 37, 63, their départements
-- and régions; codes repeat across levels: the key is NIV_TERR:TERR) against the
-- formulas of the migR vignette written in plain SQL
CREATE TEMP TABLE cs1 (terr text, lib text, cs1 text, iso float8, sort float8, entr float8, sm float8,
                       pres float8, auto float8, tm float8, ps float8, pe float8, tr float8, niv text);
\set c :shared '/data/mobilites-residentielles-epci-ot/indics_migres_TERR_CS1.csv'
COPY cs1 FROM :'c' WITH (FORMAT csv, HEADER);
UPDATE cs1 SET terr = niv || ':' || terr;
SELECT niv, count(DISTINCT terr) AS territories, count(*) AS rows FROM cs1 GROUP BY niv ORDER BY niv;
CREATE TEMP TABLE ren AS
  SELECT t.terr, r.*
    FROM (SELECT terr, array_agg(cs1 ORDER BY cs1) g, array_agg(iso ORDER BY cs1) s,
                 array_agg(entr ORDER BY cs1) e, array_agg(sort ORDER BY cs1) o
            FROM cs1 GROUP BY terr) t,
         nous.flow_renewal(t.g, t.s, t.e, t.o) r;
WITH sh AS (SELECT terr, cs1, iso, entr, sort,
                   entr / sum(entr) OVER w AS p_e, sort / sum(sort) OVER w AS p_s,
                   (iso + sort) / sum(iso + sort) OVER w AS p_a,
                   entr - sort AS sm, iso + entr AS pres,
                   sum(entr - sort) OVER w AS sm_tot, sum(iso + entr) OVER w AS pres_tot
              FROM cs1 WINDOW w AS (PARTITION BY terr)),
     plain AS (SELECT terr, cs1, p_e - p_a AS ici, p_a - p_s AS ice,
                      sm / nullif(pres, 0) - (sm_tot - sm) / nullif(pres_tot - pres, 0) AS icm,
                      sqrt(sum((p_a - p_e) ^ 2) OVER (PARTITION BY terr)) AS iri,
                      sqrt(sum((p_a - p_s) ^ 2) OVER (PARTITION BY terr)) AS ire,
                      sqrt(sum((sm / nullif(pres, 0)) ^ 2) OVER (PARTITION BY terr)) AS irm
                 FROM sh)
SELECT count(DISTINCT p.terr) AS territories, count(*) AS rows,
       count(*) FILTER (WHERE NOT (pg_temp.near(r.ici, p.ici) AND pg_temp.near(r.ice, p.ice)
                                   AND pg_temp.near(r.icm, p.icm) AND pg_temp.near(r.iri, p.iri)
                                   AND pg_temp.near(r.ire, p.ire) AND pg_temp.near(r.irm, p.irm))) AS mismatches,
       count(*) FILTER (WHERE r.ici IS NULL OR r.icm IS NULL OR r.irm IS NULL) AS with_nulls
  FROM plain p FULL JOIN ren r ON r.terr = p.terr AND r.grp = p.cs1;
-- Nantes Métropole: cadres (CS1 = 3) gain by migration, ouvriers (6) lose
SELECT grp, round(ici::numeric, 4) AS ici, round(ice::numeric, 4) AS ice, round(icm::numeric, 4) AS icm,
       round(iri::numeric, 4) AS iri, round(ire::numeric, 4) AS ire, round(irm::numeric, 4) AS irm
  FROM ren WHERE terr = 'EPCI:244400404' ORDER BY grp;
