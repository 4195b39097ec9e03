-- Benchmark cases of the access module.
-- 1. nous.secrecy_publish reads the hierarchy by name (a query) and applies
--    the rules; the reference is the same suppression called with arrays
--    built by hand (nous.secrecy_suppress): the ratio is the wrapper's cost.
-- 2. nous.pseudonym (HMAC-SHA256) of every application id; the reference is
--    the plain SQL an analyst writes without nous: an unkeyed, salted
--    sha256 (weaker: anyone with the salt and the list of ids reverses it).
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('access', 'secrecy_publish, households, squares within IRIS within communes',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT count(*) FROM nous.secrecy_publish(
     'WITH s AS (SELECT square_id::text AS id, iris_code AS parent, pg_catalog.round(households) AS n FROM nous_demo.squares),
           i AS (SELECT s.parent AS id, pg_catalog.min(c.com_code) AS parent, pg_catalog.sum(n) AS n FROM s JOIN nous_demo.iris c ON c.iris_code = s.parent GROUP BY 1),
           c AS (SELECT parent AS id, NULL::text AS parent, pg_catalog.sum(n) AS n FROM i GROUP BY 1)
      SELECT * FROM s UNION ALL SELECT * FROM i UNION ALL SELECT * FROM c', 'id', 'parent', 'n')$$,
 $$WITH s AS (SELECT square_id::text AS id, iris_code AS parent, round(households) AS n FROM nous_demo.squares),
        i AS (SELECT parent AS id, min(c.com_code) AS parent, sum(n) AS n FROM s JOIN nous_demo.iris c ON c.iris_code = s.parent GROUP BY 1),
        c AS (SELECT parent AS id, NULL::text AS parent, sum(n) AS n FROM i GROUP BY 1),
        a AS (SELECT * FROM s UNION ALL SELECT * FROM i UNION ALL SELECT * FROM c)
   SELECT count(*) FROM nous.secrecy_suppress(
     (SELECT array_agg(id ORDER BY id COLLATE "C") FROM a), (SELECT array_agg(parent ORDER BY id COLLATE "C") FROM a),
     (SELECT array_agg(n ORDER BY id COLLATE "C") FROM a),
     (SELECT array_agg(nous.secrecy_primary(n::bigint) ORDER BY id COLLATE "C") FROM a))$$,
 $$SELECT sum(households) FROM nous_demo.squares$$),
('access', 'pseudonym (HMAC-SHA256) of every application id',
 $$SELECT count(*) FROM nous_demo.applications$$,
 $$SELECT count(DISTINCT nous.pseudonym(application_id::text, '\x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'::bytea)) FROM nous_demo.applications$$,
 $$SELECT count(DISTINCT encode(sha256(convert_to('salt' || application_id::text, 'UTF8')), 'hex')) FROM nous_demo.applications$$,
 $$SELECT count(DISTINCT application_id::text) FROM nous_demo.applications$$);
