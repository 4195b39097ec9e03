-- shared_spatial: contiguity, Moran, Geary and local Moran against the
-- Columbus oracle (spdep 1.2-7, ../shared/oracles/columbus/EXPECTED.md), every
-- value to 1e-9 relative (absolute 1e-12 near zero).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\getenv shared NOUS_SHARED
CREATE TEMP TABLE col (id bigint, polyid int, neig int, crime float8, hoval float8, inc float8, x float8, y float8, wkt text);
\set f :shared '/oracles/columbus/columbus.csv'
COPY col FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE colnb (from_id bigint, to_id bigint);
\set f :shared '/oracles/columbus/col_nb_edges.csv'
COPY colnb FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE queen_edges (from_id bigint, to_id bigint);
\set f :shared '/oracles/columbus/queen_edges.csv'
COPY queen_edges FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE rook_edges (from_id bigint, to_id bigint);
\set f :shared '/oracles/columbus/rook_edges.csv'
COPY rook_edges FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE expected (kase text, quantity text, value text, definition text);
\set f :shared '/oracles/columbus/expected.csv'
COPY expected FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE local_expected (id bigint, crime float8, ii float8, e_ii float8, var_ii float8, z_ii float8, p float8, quadrant text);
\set f :shared '/oracles/columbus/local_moran.csv'
COPY local_expected FROM :'f' WITH (FORMAT csv, HEADER);

CREATE TEMP TABLE w AS
SELECT (SELECT nous.weights(from_id, to_id) FROM colnb) AS colnb,
       (SELECT nous.contiguity(id, public.ST_GeomFromText(wkt)) FROM col) AS queen,
       (SELECT nous.contiguity(id, public.ST_GeomFromText(wkt), 'rook') FROM col) AS rook;

CREATE TEMP TABLE got (quantity text, value float8);
INSERT INTO got SELECT 'colnb_n_links', nous.link_count(colnb) FROM w;
INSERT INTO got SELECT 'poly_queen_n_links', nous.link_count(queen) FROM w;
INSERT INTO got SELECT 'poly_rook_n_links', nous.link_count(rook) FROM w;
INSERT INTO got SELECT 'poly_queen_islands', cardinality(nous.islands(queen)) FROM w;
INSERT INTO got SELECT 'queen_minus_colnb', count(*) FROM
  (SELECT * FROM nous.neighbours((SELECT queen FROM w)) EXCEPT SELECT * FROM colnb) q;
INSERT INTO got SELECT 'colnb_minus_queen', count(*) FROM
  (SELECT * FROM colnb EXCEPT SELECT * FROM nous.neighbours((SELECT queen FROM w))) q;
INSERT INTO got SELECT unnest(ARRAY['colnb_W_moran_I', 'colnb_W_moran_E', 'colnb_W_moran_Var_rand', 'colnb_W_moran_z_rand', 'colnb_W_moran_Var_norm']),
  unnest(ARRAY[(m).i, (m).expected, (m).variance_random, (m).z_random, (m).variance_normal])
  FROM (SELECT nous.moran((SELECT colnb FROM w), id, crime) m FROM col) q;
INSERT INTO got SELECT unnest(ARRAY['colnb_W_geary_C', 'colnb_W_geary_E', 'colnb_W_geary_Var_rand']),
  unnest(ARRAY[(g).c, (g).expected, (g).variance_random])
  FROM (SELECT nous.geary((SELECT colnb FROM w), id, crime) g FROM col) q;
INSERT INTO got SELECT 'colnb_B_moran_I', (nous.moran((SELECT colnb FROM w), id, crime, 'style=B')).i FROM col;
INSERT INTO got SELECT 'queen_W_moran_I', (nous.moran((SELECT queen FROM w), id, crime)).i FROM col;
INSERT INTO got SELECT unnest(ARRAY['queen_W_geary_C', 'queen_W_geary_Var_rand']), unnest(ARRAY[(g).c, (g).variance_random])
  FROM (SELECT nous.geary((SELECT queen FROM w), id, crime) g FROM col) q;
INSERT INTO got SELECT 'rook_W_moran_I', (nous.moran((SELECT rook FROM w), id, crime)).i FROM col;
INSERT INTO got SELECT unnest(ARRAY['rook_W_geary_C', 'rook_W_geary_Var_rand']), unnest(ARRAY[(g).c, (g).variance_random])
  FROM (SELECT nous.geary((SELECT rook FROM w), id, crime) g FROM col) q;
INSERT INTO got SELECT 'local_moran_sum_Ii_over_n', avg((l).ii)
  FROM (SELECT unnest(nous.local_moran((SELECT colnb FROM w), id, crime)) l FROM col) q;

SELECT e.quantity, abs(g.value - e.value::float8) <= 1e-9 * greatest(1, abs(e.value::float8)) AS ok
  FROM expected e JOIN got g USING (quantity) ORDER BY e.quantity;
SELECT quantity AS not_checked FROM expected WHERE quantity NOT IN (SELECT quantity FROM got) ORDER BY 1;

-- the contiguity edge sets are exactly spdep's poly2nb (queen and rook)
SELECT (SELECT count(*) FROM (SELECT * FROM nous.neighbours((SELECT queen FROM w))
                              EXCEPT SELECT * FROM queen_edges) a) +
       (SELECT count(*) FROM (SELECT * FROM queen_edges
                              EXCEPT SELECT * FROM nous.neighbours((SELECT queen FROM w))) b) AS queen_differences,
       (SELECT count(*) FROM (SELECT * FROM nous.neighbours((SELECT rook FROM w))
                              EXCEPT SELECT * FROM rook_edges) a) +
       (SELECT count(*) FROM (SELECT * FROM rook_edges
                              EXCEPT SELECT * FROM nous.neighbours((SELECT rook FROM w))) b) AS rook_differences;

-- local Moran of each of the 49 areas: Ii, E, Var, Z, P and quadrant
WITH l AS (SELECT (unnest(nous.local_moran((SELECT colnb FROM w), id, crime))).* FROM col)
SELECT count(*) AS areas,
       count(*) FILTER (WHERE abs(l.ii - e.ii) <= 1e-9 * greatest(1, abs(e.ii))) AS ii_ok,
       count(*) FILTER (WHERE abs(l.expected - e.e_ii) <= 1e-9 * greatest(1, abs(e.e_ii))) AS e_ok,
       count(*) FILTER (WHERE abs(l.variance - e.var_ii) <= 1e-9 * greatest(1, abs(e.var_ii))) AS var_ok,
       count(*) FILTER (WHERE abs(l.z - e.z_ii) <= 1e-9 * greatest(1, abs(e.z_ii))) AS z_ok,
       count(*) FILTER (WHERE abs(l.p_normal - e.p) <= 1e-9 * greatest(1, abs(e.p))) AS p_ok,
       count(*) FILTER (WHERE l.quadrant = e.quadrant) AS quadrant_ok,
       count(*) FILTER (WHERE l.p_permutation > 0 AND l.p_permutation <= 0.5 AND l.p_fdr >= l.p_permutation) AS perm_ok
  FROM l JOIN local_expected e USING (id);

-- permutation p-values are reproducible with a seed
SELECT (nous.moran((SELECT colnb FROM w), id, crime, 'permutations=99, seed=7')).p_permutation =
       (nous.moran((SELECT colnb FROM w), id, crime, 'permutations=99, seed=7')).p_permutation AS seeded
  FROM col;

-- real polygons: the 208 communes of Loire-Atlantique (IGN Admin Express,
-- WGS84); queen and rook weights equal the plain PostGIS self-joins
\set f :shared '/data/communes-admin-express-2018/communes-44-loire-atlantique.geojson'
CREATE TEMP TABLE communes44 AS
SELECT row_number() OVER (ORDER BY f->'properties'->>'code')::bigint AS id,
       f->'properties'->>'code' AS code,
       public.ST_SetSRID(public.ST_GeomFromGeoJSON(f->>'geometry'), 4326) AS geom
  FROM jsonb_array_elements(pg_read_file(:'f')::jsonb->'features') f;
SELECT count(*) AS communes, bool_and(public.ST_IsValid(geom)) AS all_valid FROM communes44;
CREATE TEMP TABLE w44 AS
SELECT nous.contiguity(id, geom) AS queen, nous.contiguity(id, geom, 'rook') AS rook FROM communes44;
SELECT nous.link_count(queen) AS queen_links,
       (SELECT count(*) FROM communes44 a JOIN communes44 b
          ON a.id <> b.id AND public.ST_Intersects(a.geom, b.geom)) AS selfjoin_queen,
       nous.link_count(rook) AS rook_links,
       (SELECT count(*) FROM communes44 a JOIN communes44 b
          ON a.id <> b.id AND public.ST_Relate(a.geom, b.geom, '****1****')) AS selfjoin_rook,
       cardinality(nous.islands(queen)) AS islands
  FROM w44;
SELECT count(*) AS differences FROM (
  (SELECT * FROM nous.neighbours((SELECT queen FROM w44))
   EXCEPT SELECT a.id, b.id FROM communes44 a JOIN communes44 b
            ON a.id <> b.id AND public.ST_Intersects(a.geom, b.geom))
  UNION ALL
  (SELECT a.id, b.id FROM communes44 a JOIN communes44 b
            ON a.id <> b.id AND public.ST_Intersects(a.geom, b.geom)
   EXCEPT SELECT * FROM nous.neighbours((SELECT queen FROM w44)))) d;

-- areal interpolation: Filosofi 2021 200 m squares of central Nantes
-- (EPSG:3035) onto the 11 quartiers of Nantes (WGS84), both in Lambert-93
CREATE TEMP TABLE sq (idcar text, x int, y int, tx int, ty int, imputed int, ind float8, men float8,
  men_1ind float8, men_5ind float8, men_coll float8, men_fmp float8, men_mais float8, men_pauv float8,
  men_prop float8, men_surf float8, log_av45 float8, log_45_70 float8, log_70_90 float8, log_ap90 float8,
  log_inc float8, log_soc float8, wkt text);
\set f :shared '/data/filosofi-2021-carreaux-nantes-extrait/filosofi2021_carreaux200m_nantes_centre_malakoff.csv'
COPY sq FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE squares AS
SELECT row_number() OVER (ORDER BY idcar)::bigint AS id, idcar, ind, men, men_pauv,
       public.ST_GeomFromText(wkt, 3035) AS geom3035,
       public.ST_Transform(public.ST_GeomFromText(wkt, 3035), 2154) AS geom
  FROM sq;
\set f :shared '/data/quartiers-nantes-savoirfr/quartiers_nantes_11.geojson'
CREATE TEMP TABLE quartiers AS
SELECT row_number() OVER (ORDER BY f->'properties'->>'nom')::bigint AS id, f->'properties'->>'nom' AS nom,
       public.ST_Transform(public.ST_SetSRID(public.ST_GeomFromGeoJSON(f->>'geometry'), 4326), 2154) AS geom
  FROM jsonb_array_elements(pg_read_file(:'f')::jsonb->'features') f;
CREATE TEMP TABLE interp AS
SELECT e.target_id, e.estimate AS people, e.covered_area, e.sources, i.estimate AS poverty_rate
  FROM nous.areal_interpolation((SELECT array_agg(id ORDER BY id) FROM squares), (SELECT array_agg(geom ORDER BY id) FROM squares),
                                (SELECT array_agg(ind ORDER BY id) FROM squares),
                                (SELECT array_agg(id ORDER BY id) FROM quartiers), (SELECT array_agg(geom ORDER BY id) FROM quartiers)) e
  JOIN nous.areal_interpolation((SELECT array_agg(id ORDER BY id) FROM squares), (SELECT array_agg(geom ORDER BY id) FROM squares),
                                (SELECT array_agg(men_pauv / men ORDER BY id) FROM squares),
                                (SELECT array_agg(id ORDER BY id) FROM quartiers), (SELECT array_agg(geom ORDER BY id) FROM quartiers),
                                'intensive') i USING (target_id);
-- the same by plain SQL (intersection areas per pair)
CREATE TEMP TABLE plain AS
SELECT q.id AS target_id,
       sum(s.ind * public.ST_Area(public.ST_Intersection(s.geom, q.geom)) / public.ST_Area(s.geom)) AS people,
       sum(s.men_pauv / s.men * public.ST_Area(public.ST_Intersection(s.geom, q.geom)))
         / sum(public.ST_Area(public.ST_Intersection(s.geom, q.geom))) AS poverty_rate
  FROM quartiers q JOIN squares s ON public.ST_Intersects(s.geom, q.geom)
                                  AND public.ST_Area(public.ST_Intersection(s.geom, q.geom)) > 0
 GROUP BY q.id;
SELECT q.nom, round(i.people::numeric, 1) AS people, i.sources, round(i.poverty_rate::numeric, 4) AS poverty_rate,
       abs(i.people - p.people) <= 1e-9 * p.people AND abs(i.poverty_rate - p.poverty_rate) <= 1e-9 AS same_as_plain_sql
  FROM quartiers q JOIN interp i ON i.target_id = q.id LEFT JOIN plain p ON p.target_id = q.id
 ORDER BY q.nom;
-- the total is preserved: the quartiers cover the squares (up to slivers of 1e-6 of the total)
SELECT round(sum(people)::numeric, 3) AS interpolated_total, (SELECT sum(ind) FROM squares) AS squares_total,
       abs(sum(people) - (SELECT sum(ind) FROM squares)) < 1e-6 * (SELECT sum(ind) FROM squares) AS total_preserved
  FROM interp;

-- candidate quartiers: contiguous squares (queen) where at least 25 % of the
-- households are poor, grouped, kept from 1,000 inhabitants (décret 2014-767)
CREATE TEMP TABLE poor_w AS
SELECT nous.contiguity(id, geom3035) AS w FROM squares WHERE men_pauv / men >= 0.25;
CREATE TEMP TABLE candidates AS
SELECT c.component, count(*) AS squares, sum(s.ind) AS population
  FROM nous.components((SELECT w FROM poor_w)) c JOIN squares s ON s.id = c.id
 GROUP BY c.component HAVING sum(s.ind) >= 1000;
SELECT row_number() OVER (ORDER BY population DESC) AS candidate, squares, population FROM candidates ORDER BY population DESC;
-- the components by a plain recursive flood fill over ST_Intersects
WITH RECURSIVE poor AS (SELECT id, geom3035 FROM squares WHERE men_pauv / men >= 0.25),
  links AS (SELECT a.id AS a, b.id AS b FROM poor a JOIN poor b ON a.id <> b.id AND public.ST_Intersects(a.geom3035, b.geom3035)),
  reach (id, root) AS (SELECT id, id FROM poor UNION SELECT l.b, r.root FROM reach r JOIN links l ON l.a = r.id),
  comp AS (SELECT id, min(root) AS component FROM reach GROUP BY id)
SELECT (SELECT count(*) FROM (SELECT component FROM comp EXCEPT SELECT component FROM nous.components((SELECT w FROM poor_w))) x) = 0
   AND (SELECT count(*) FROM (SELECT id, component FROM comp EXCEPT SELECT id, component FROM nous.components((SELECT w FROM poor_w))) y) = 0
   AS same_components;

-- neighbourhoods of points: the Columbus centroids (X, Y, planar units);
-- k nearest and distance band equal plain PostGIS queries
CREATE TEMP TABLE pts AS SELECT id, public.ST_MakePoint(x, y) AS geom FROM col;
CREATE TEMP TABLE knn4 AS SELECT * FROM nous.neighbours((SELECT nous.knn(id, geom, 4) FROM pts));
SELECT count(*) AS knn_links,
       (SELECT count(*) FROM (SELECT a.id, b.id FROM pts a CROSS JOIN LATERAL
           (SELECT b.id FROM pts b WHERE b.id <> a.id
             ORDER BY public.ST_Distance(a.geom, b.geom), b.id LIMIT 4) b
         EXCEPT SELECT from_id, to_id FROM knn4) d) AS differences
  FROM knn4;
CREATE TEMP TABLE band AS SELECT * FROM nous.neighbours((SELECT nous.distance_band(id, geom, 5.5) FROM pts));
SELECT count(*) AS band_links,
       (SELECT count(*) FROM pts a JOIN pts b ON a.id <> b.id AND public.ST_DWithin(a.geom, b.geom, 5.5)) AS selfjoin_links,
       (SELECT count(*) FROM (SELECT a.id, b.id FROM pts a JOIN pts b ON a.id <> b.id AND public.ST_DWithin(a.geom, b.geom, 5.5)
                              EXCEPT SELECT from_id, to_id FROM band) d) AS differences,
       cardinality(nous.islands((SELECT nous.distance_band(id, geom, 5.5) FROM pts))) AS islands
  FROM band;

-- real polygons: the 105 QPV of Occitanie (2015 perimeters, WGS84), in
-- Lambert-93: no two QPV touch (105 islands, as the plain self-join says); so
-- neighbourhoods of QPV are by distance: distance band and k nearest of their
-- points on surface equal ST_DWithin and ORDER BY ST_Distance
\set f :shared '/data/qpv-occitanie-hackaviz2021/qp.geojson'
CREATE TEMP TABLE qpv AS
SELECT row_number() OVER (ORDER BY f->'properties'->>'code_qp')::bigint AS id, f->'properties'->>'code_qp' AS code,
       public.ST_Transform(public.ST_SetSRID(public.ST_GeomFromGeoJSON(f->>'geometry'), 4326), 2154) AS geom
  FROM jsonb_array_elements(pg_read_file(:'f')::jsonb->'features') f;
SELECT count(*) AS qpv, count(*) FILTER (WHERE NOT public.ST_IsValid(geom)) AS invalid FROM qpv;
-- 29 are invalid: repaired, keeping their polygonal parts
CREATE TEMP TABLE qpv_valid AS SELECT id, code, public.ST_CollectionExtract(public.ST_MakeValid(geom), 3) AS geom FROM qpv;
CREATE TEMP TABLE qw AS SELECT nous.contiguity(id, geom) AS w FROM qpv_valid;
SELECT nous.link_count(w) AS queen_links,
       (SELECT count(*) FROM qpv_valid a JOIN qpv_valid b ON a.id <> b.id AND public.ST_Intersects(a.geom, b.geom)) AS selfjoin_links,
       cardinality(nous.islands(w)) AS islands, nous.area_count(w) AS areas
  FROM qw;
SELECT nous.link_count(nous.distance_band(id, public.ST_PointOnSurface(geom), 3000)) AS band_3km,
       (SELECT count(*) FROM qpv_valid a JOIN qpv_valid b ON a.id <> b.id
           AND public.ST_DWithin(public.ST_PointOnSurface(a.geom), public.ST_PointOnSurface(b.geom), 3000)) AS selfjoin_3km
  FROM qpv_valid;
SELECT count(*) AS knn3_links,
       (SELECT count(*) FROM (SELECT a.id, b.id FROM qpv_valid a CROSS JOIN LATERAL
           (SELECT b.id FROM qpv_valid b WHERE b.id <> a.id
             ORDER BY public.ST_Distance(public.ST_PointOnSurface(a.geom), public.ST_PointOnSurface(b.geom)), b.id LIMIT 3) b
         EXCEPT SELECT * FROM nous.neighbours((SELECT nous.knn(id, public.ST_PointOnSurface(geom), 3) FROM qpv_valid))) d) AS differences
  FROM nous.neighbours((SELECT nous.knn(id, public.ST_PointOnSurface(geom), 3) FROM qpv_valid));

-- spdep moran.test's default alternative is "greater": its p-value is the
-- upper normal tail of the oracle's z_rand 5.63413289417872,
-- 1 - Phi(z) = 8.797065602806856e-09 (0.5 erfc(z / sqrt 2), computed apart)
SELECT abs(m.p_random - 8.797065602806856e-09) < 1e-15 AS moran_greater_p_matches,
       abs(m.z_random - 5.63413289417872) < 1e-9 AS z_matches
  FROM (SELECT (nous.moran((SELECT colnb FROM w), id, crime, 'alternative=greater')).* FROM col) m;

-- text ids (issue 15): the same real areas keyed by their codes (communes
-- 44xxx, Filosofi square ids CRS3035RES200mN…E…, QPV codes QN…) give the
-- same weights, and every statistic the same to the last bit, as the bigint
-- ids numbered in code order (byte order, as nous orders text ids)
CREATE TEMP TABLE w44t AS
SELECT nous.contiguity(code, geom) AS queen, nous.contiguity(code, geom, 'rook') AS rook FROM communes44;
SELECT (SELECT count(*) FROM (
          (SELECT a.id, b.id FROM nous.neighbours((SELECT queen FROM w44t)) l
             JOIN communes44 a ON a.code = l.from_id JOIN communes44 b ON b.code = l.to_id
           EXCEPT SELECT * FROM nous.neighbours((SELECT queen FROM w44)))
          UNION ALL
          (SELECT * FROM nous.neighbours((SELECT rook FROM w44))
           EXCEPT SELECT a.id, b.id FROM nous.neighbours((SELECT rook FROM w44t)) l
             JOIN communes44 a ON a.code = l.from_id JOIN communes44 b ON b.code = l.to_id)) d) AS differences,
       nous.link_count(queen) AS queen_links, nous.link_count(rook) AS rook_links
  FROM w44t;
SELECT nous.moran((SELECT rook FROM w44t), nous.area_values(code, public.ST_Area(geom)), 'permutations=99, islands=keep')
     = nous.moran((SELECT rook FROM w44), nous.area_values(id, public.ST_Area(geom)), 'permutations=99, islands=keep') AS moran,
       nous.geary((SELECT queen FROM w44t), nous.area_values(code, public.ST_Perimeter(geom)), 'permutations=99')
     = nous.geary((SELECT queen FROM w44), nous.area_values(id, public.ST_Perimeter(geom)), 'permutations=99') AS geary,
       nous.getis_ord((SELECT queen FROM w44t), nous.area_values(code, public.ST_Area(geom)))
     = nous.getis_ord((SELECT queen FROM w44), nous.area_values(id, public.ST_Area(geom))) AS getis_ord
  FROM communes44;
-- the squares of Nantes: poverty rate, queen weights, local statistics and components
CREATE TEMP TABLE sqw AS
SELECT nous.contiguity(idcar, geom3035) AS tw, nous.contiguity(id, geom3035) AS bw,
       nous.area_values(idcar, men_pauv / men) AS tv, nous.area_values(id, men_pauv / men) AS bv
  FROM squares;
SELECT nous.area_count(tw) AS squares, nous.link_count(tw) = nous.link_count(bw) AS same_links,
       nous.moran(tw, tv, 'islands=keep, permutations=99') = nous.moran(bw, bv, 'islands=keep, permutations=99') AS moran,
       (SELECT array_agg(ROW(s.id, r.ii, r.z, r.p_permutation, r.p_fdr, r.cluster) ORDER BY s.id)
          FROM unnest(nous.local_moran(tw, tv, 'islands=keep')) r JOIN squares s ON s.idcar = r.id)::text
     = (SELECT array_agg(ROW(r.id, r.ii, r.z, r.p_permutation, r.p_fdr, r.cluster) ORDER BY r.id)
          FROM unnest(nous.local_moran(bw, bv, 'islands=keep')) r)::text AS local_moran,
       (SELECT array_agg(ROW(s.id, r.g, r.z, r.p_permutation, r.cluster) ORDER BY s.id)
          FROM unnest(nous.local_gstar(tw, tv, 'islands=keep')) r JOIN squares s ON s.idcar = r.id)::text
     = (SELECT array_agg(ROW(r.id, r.g, r.z, r.p_permutation, r.cluster) ORDER BY r.id)
          FROM unnest(nous.local_gstar(bw, bv, 'islands=keep')) r)::text AS local_gstar
  FROM sqw;
CREATE TEMP TABLE poor_tc AS
SELECT s.id, c.id AS component, x.size
  FROM nous.components((SELECT nous.contiguity(idcar, geom3035) FROM squares WHERE men_pauv / men >= 0.25)) x
  JOIN squares s ON s.idcar = x.id JOIN squares c ON c.idcar = x.component;
SELECT (SELECT count(*) FROM poor_tc) AS squares,
       (SELECT count(*) FROM (SELECT * FROM poor_tc EXCEPT SELECT * FROM nous.components((SELECT w FROM poor_w))) d)
     + (SELECT count(*) FROM (SELECT * FROM nous.components((SELECT w FROM poor_w)) EXCEPT SELECT * FROM poor_tc) d)
       AS component_differences;
-- the QPV by their codes: k nearest of the points on surface, islands of the queen weights
SELECT count(*) AS knn_differences,
       (SELECT cardinality(nous.islands(nous.contiguity(code, geom))) FROM qpv_valid) AS islands
  FROM (SELECT a.id, b.id FROM nous.neighbours((SELECT nous.knn(code, public.ST_PointOnSurface(geom), 3) FROM qpv_valid)) l
          JOIN qpv_valid a ON a.code = l.from_id JOIN qpv_valid b ON b.code = l.to_id
        EXCEPT SELECT * FROM nous.neighbours((SELECT nous.knn(id, public.ST_PointOnSurface(geom), 3) FROM qpv_valid))) d;
