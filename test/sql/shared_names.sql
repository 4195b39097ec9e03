-- shared_names: place-name keys and matching on real names (../shared): the
-- 2024 QPV list's commune labels against the Admin Express 2018 communes, and
-- the Loire-Atlantique flow file's commune labels (LIBGEO) against the GEOFLA
-- polygons (NOM_COM) and against Admin Express 2018.  The ground truth is the
-- join on INSEE codes, computed in plain SQL here.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\getenv shared NOUS_SHARED

-- ---- loading: CSV by COPY, GeoJSON properties by pg_read_file + json (no PostGIS)
CREATE TEMP TABLE qpv (code_qp text, lib_qp text, insee_com text, lib_com text);
\set f :shared '/data/qpv2024-liste-anct-superposeur/qpv2024_code_lib_commune_from_superposeur.csv'
COPY qpv FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE ae (dep text, code text, nom text);
\set f :shared '/data/communes-admin-express-2018/communes-37-indre-et-loire.geojson'
INSERT INTO ae SELECT '37', e -> 'properties' ->> 'code', e -> 'properties' ->> 'nom'
  FROM json_array_elements(pg_read_file(:'f')::json -> 'features') e;
\set f :shared '/data/communes-admin-express-2018/communes-44-loire-atlantique.geojson'
INSERT INTO ae SELECT '44', e -> 'properties' ->> 'code', e -> 'properties' ->> 'nom'
  FROM json_array_elements(pg_read_file(:'f')::json -> 'features') e;
\set f :shared '/data/communes-admin-express-2018/communes-63-puy-de-dome.geojson'
INSERT INTO ae SELECT '63', e -> 'properties' ->> 'code', e -> 'properties' ->> 'nom'
  FROM json_array_elements(pg_read_file(:'f')::json -> 'features') e;
CREATE TEMP TABLE mre (codgeo text, libgeo text, dcran text, l_dcran text, nbflux float8);
\set f :shared '/data/migrations-residentielles-loire-atlantique/MRE44_migrations_residentielles_2008_2012.csv'
COPY mre FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE geofla AS
  SELECT e -> 'properties' ->> 'INSEE_COM' AS code, e -> 'properties' ->> 'NOM_COM' AS nom
    FROM json_array_elements(pg_read_file(:'shared' || '/data/migrations-residentielles-loire-atlantique/COM44_communes_geofla_lambert93.geojson')::json -> 'features') e;
SELECT (SELECT count(*) FROM qpv) AS qpv_rows,
       (SELECT count(*) FROM ae) AS ae_communes, (SELECT count(DISTINCT code) FROM ae) AS ae_codes,
       (SELECT count(*) FROM geofla) AS geofla_communes, (SELECT count(DISTINCT code) FROM geofla) AS geofla_codes;
-- within a département, no two Admin Express communes share a key (a key is a usable join column)
SELECT dep, count(*) AS communes, count(DISTINCT nous.name_key(nom)) AS distinct_keys FROM ae GROUP BY dep ORDER BY dep;

-- ---- 1. the 2024 QPV list's commune labels (départements 37, 44, 63) against Admin Express 2018
CREATE TEMP TABLE qc AS
  SELECT DISTINCT left(insee_com, 2) AS dep, insee_com, lib_com FROM qpv WHERE left(insee_com, 2) IN ('37', '44', '63');
-- plain SQL: labels, labels whose code is in Admin Express (ground truth), labels
-- equal as written, labels equal by key to some commune of their département
SELECT count(*) AS labels,
       count(*) FILTER (WHERE EXISTS (SELECT FROM ae WHERE ae.code = qc.insee_com)) AS code_join,
       count(*) FILTER (WHERE EXISTS (SELECT FROM ae WHERE ae.dep = qc.dep AND ae.nom = qc.lib_com)) AS equal_as_written,
       count(*) FILTER (WHERE EXISTS (SELECT FROM ae WHERE ae.dep = qc.dep
                                        AND nous.name_key(ae.nom) = nous.name_key(qc.lib_com))) AS equal_by_key
  FROM qc;
-- the key closes the gap of 'La Riche' (Admin Express 2018 writes 'Riche');
-- what remains is the label of the QPV that spans two communes
SELECT qc.insee_com, qc.lib_com, ae.nom, nous.name_key(qc.lib_com) AS key_label, nous.name_key(ae.nom) AS key_commune
  FROM qc JOIN ae ON ae.code = qc.insee_com
 WHERE qc.lib_com <> ae.nom ORDER BY 1;
-- name_match within each département
CREATE TEMP TABLE qm AS
  SELECT q.dep, m.*
    FROM (SELECT dep, array_agg(insee_com ORDER BY insee_com) AS c, array_agg(lib_com ORDER BY insee_com) AS n
            FROM qc GROUP BY dep) q,
         LATERAL nous.name_match(q.c, q.n,
                                 (SELECT array_agg(code ORDER BY code) FROM ae WHERE ae.dep = q.dep),
                                 (SELECT array_agg(nom ORDER BY code) FROM ae WHERE ae.dep = q.dep)) m;
SELECT count(*) AS pairs, count(*) FILTER (WHERE score = 1) AS exact_pairs,
       count(*) FILTER (WHERE NOT uncertain) AS certain, count(*) FILTER (WHERE uncertain) AS uncertain,
       count(*) FILTER (WHERE NOT uncertain AND a_code = b_code) AS certain_agreeing_with_codes,
       round(count(*) FILTER (WHERE NOT uncertain AND a_code = b_code)::numeric
             / count(*) FILTER (WHERE NOT uncertain), 4) AS share_certain_agreeing
  FROM qm;
-- the uncertain ones: 'Nantes; Saint-Herblain' is a list of two communes, not a name
SELECT a_code, b_code, a_name, b_name, round(score::numeric, 4) AS score FROM qm WHERE uncertain ORDER BY a_code;

-- ---- 2. MRE44 commune labels (LIBGEO) against the GEOFLA polygons (NOM_COM, upper case, no accents)
CREATE TEMP TABLE ml AS SELECT DISTINCT codgeo, libgeo FROM mre;
SELECT count(*) AS labels,
       count(*) FILTER (WHERE EXISTS (SELECT FROM geofla g WHERE g.code = ml.codgeo)) AS code_join,
       count(*) FILTER (WHERE EXISTS (SELECT FROM geofla g WHERE upper(g.nom) = upper(ml.libgeo))) AS equal_ignoring_case,
       count(*) FILTER (WHERE EXISTS (SELECT FROM geofla g WHERE nous.name_key(g.nom) = nous.name_key(ml.libgeo))) AS equal_by_key,
       count(*) FILTER (WHERE EXISTS (SELECT FROM geofla g WHERE g.code = ml.codgeo
                                        AND nous.name_key(g.nom) = nous.name_key(ml.libgeo))) AS same_code_and_key
  FROM ml;
CREATE TEMP TABLE gm AS
  SELECT * FROM nous.name_match((SELECT array_agg(codgeo ORDER BY codgeo) FROM ml), (SELECT array_agg(libgeo ORDER BY codgeo) FROM ml),
                                (SELECT array_agg(code ORDER BY code) FROM geofla), (SELECT array_agg(nom ORDER BY code) FROM geofla));
SELECT count(*) AS pairs, count(*) FILTER (WHERE score = 1) AS exact_pairs, count(*) FILTER (WHERE uncertain) AS uncertain,
       count(*) FILTER (WHERE a_code = b_code) AS agreeing_with_codes,
       round(count(*) FILTER (WHERE a_code = b_code)::numeric / count(*), 4) AS share_agreeing
  FROM gm;
-- a few pairs as printed
SELECT a_code, b_code, a_name, b_name, score, uncertain FROM gm
 WHERE a_code IN ('44055', '44069', '44131', '44154', '44184') ORDER BY a_code;

-- ---- 3. MRE44 labels (2008-2012 communes) against Admin Express 2018 (after the
-- communes nouvelles of 2016-2018): names that disappeared cannot match
CREATE TEMP TABLE ae44 AS SELECT code, nom FROM ae WHERE dep = '44';
SELECT count(*) AS labels,
       count(*) FILTER (WHERE EXISTS (SELECT FROM ae44 WHERE ae44.code = ml.codgeo)) AS code_join,
       count(*) FILTER (WHERE EXISTS (SELECT FROM ae44 WHERE ae44.code = ml.codgeo
                                        AND nous.name_key(ae44.nom) = nous.name_key(ml.libgeo))) AS same_code_and_key,
       count(*) FILTER (WHERE EXISTS (SELECT FROM ae44 WHERE upper(ae44.nom) = upper(ml.libgeo))) AS equal_ignoring_case,
       count(*) FILTER (WHERE EXISTS (SELECT FROM ae44 WHERE nous.name_key(ae44.nom) = nous.name_key(ml.libgeo))) AS equal_by_key
  FROM ml;
-- LIBGEO has no accents ('Guerande'), Admin Express has them ('Guérande'): the key joins them
SELECT ml.libgeo, ae44.nom FROM ml JOIN ae44 ON ae44.code = ml.codgeo
 WHERE ml.codgeo IN ('44069', '44143', '44190') ORDER BY ml.codgeo;
CREATE TEMP TABLE am AS
  SELECT * FROM nous.name_match((SELECT array_agg(codgeo ORDER BY codgeo) FROM ml), (SELECT array_agg(libgeo ORDER BY codgeo) FROM ml),
                                (SELECT array_agg(code ORDER BY code) FROM ae44), (SELECT array_agg(nom ORDER BY code) FROM ae44));
SELECT count(*) AS pairs, count(*) FILTER (WHERE score = 1) AS exact_pairs,
       count(*) FILTER (WHERE NOT uncertain) AS certain, count(*) FILTER (WHERE uncertain) AS uncertain,
       count(*) FILTER (WHERE NOT uncertain AND a_code = b_code) AS certain_agreeing_with_codes,
       round(count(*) FILTER (WHERE NOT uncertain AND a_code = b_code)::numeric
             / count(*) FILTER (WHERE NOT uncertain), 4) AS share_certain_agreeing
  FROM am;
-- the exact pairs are exactly the plain-SQL same-code-and-key pairs
SELECT count(*) AS exact_pairs_not_in_code_join
  FROM am WHERE score = 1 AND NOT EXISTS (SELECT FROM ae44 WHERE ae44.code = am.a_code AND ae44.code = am.b_code);
-- the one certain pair that disagrees: Saint-Herblon (merged into Vair-sur-Loire
-- in 2016) is one letter from Saint-Herblain: 1 - 2/14 = 0.857 >= 0.85
SELECT a_code, b_code, a_name, b_name, round(score::numeric, 4) AS score,
       round(1 - 2 / 14.0, 4) AS by_hand
  FROM am WHERE NOT uncertain AND a_code <> b_code;
-- every uncertain label is a commune that a commune nouvelle absorbed or renamed:
-- its code is gone from Admin Express 2018 or the commune there has another name
SELECT count(*) AS uncertain,
       count(*) FILTER (WHERE NOT EXISTS (SELECT FROM ae44 WHERE ae44.code = am.a_code AND nous.name_key(ae44.nom) = nous.name_key(am.a_name))) AS name_gone
  FROM am WHERE uncertain;
