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
