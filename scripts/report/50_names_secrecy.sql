-- demo report: place-name keys (ICU) and statistical secrecy.
\echo '== Place-name keys (nous.name_key, ICU): names as another file spells them'
SELECT f.name AS "commune", f.spelt AS "as another file spells it", nous.name_key(f.name) AS "key",
       nous.name_key(f.name) = nous.name_key(f.spelt) AS "same key",
       round(nous.name_similarity(f.name, f.spelt)::numeric, 3) AS similarity
  FROM (SELECT c.name,
               regexp_replace(translate(upper(c.name), 'ÉÈÊËÀÂÎÏÔÛÙÇŸ-''', 'EEEEAAIIOUUCY  '), '^SAINT ', 'ST ') AS spelt
          FROM nous_demo.communes c
         WHERE c.epci_code = (SELECT min(epci_code) FROM nous_demo.epci)
           AND c.name ~ '[^A-Za-z]') f
 ORDER BY f.name COLLATE nous.fr
 LIMIT 8;

\echo
\echo '== Statistical secrecy: poor households per 200 m square within IRIS within communes'
\echo 'Primary: fewer than 11 households (INSEE rule for tax-based household data);'
\echo 'secondary: more squares hidden so that no hidden count can be recomputed from'
\echo 'the published ones and the IRIS and commune totals.'
WITH sq AS (
  SELECT s.square_id::text AS id, s.iris_code AS parent, round(s.poor_households) AS n
    FROM nous_demo.squares s
   WHERE s.epci_code = (SELECT min(epci_code) FROM nous_demo.epci)
), iris AS (
  SELECT iris_code AS id, com_code AS parent, (SELECT sum(n) FROM sq WHERE sq.parent = i.iris_code) AS n
    FROM nous_demo.iris i WHERE i.iris_code IN (SELECT parent FROM sq)
), com AS (
  SELECT c.com_code AS id, NULL::text AS parent, (SELECT sum(n) FROM iris WHERE iris.parent = c.com_code) AS n
    FROM nous_demo.communes c WHERE c.com_code IN (SELECT parent FROM iris)
), t AS (SELECT * FROM sq UNION ALL SELECT * FROM iris UNION ALL SELECT * FROM com)
SELECT CASE WHEN s.id IN (SELECT id FROM com) THEN 'communes' WHEN s.id IN (SELECT id FROM iris) THEN 'IRIS'
            ELSE '200 m squares' END AS level,
       count(*) AS cells,
       count(*) FILTER (WHERE s.status = 'published') AS published,
       count(*) FILTER (WHERE s.status = 'primary') AS "hidden: primary",
       count(*) FILTER (WHERE s.status = 'secondary') AS "hidden: secondary"
  FROM (SELECT array_agg(id) ids, array_agg(parent) parents, array_agg(n::float8) counts,
               array_agg(nous.secrecy_primary(n::bigint)) prim FROM t) a,
       nous.secrecy_suppress(a.ids, a.parents, a.counts, a.prim) s
 GROUP BY 1 ORDER BY 2;
