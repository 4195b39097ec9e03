-- Benchmark cases of the secrecy module: a household count for every square,
-- IRIS and commune, made secrecy-safe.  The plain reference is what an
-- analyst does today: primary suppression only (CASE WHEN n < 11), which
-- leaves hidden squares recoverable by subtraction from the IRIS totals.
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('secrecy', 'primary + secondary suppression, households, squares within IRIS within communes',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$WITH s AS (SELECT square_id::text AS id, iris_code AS parent, round(households) AS n FROM nous_demo.squares),
        i AS (SELECT parent AS id, min(c.com_code) AS parent, sum(n) AS n FROM s JOIN nous_demo.iris c ON c.iris_code = s.parent GROUP BY 1),
        c AS (SELECT parent AS id, NULL::text AS parent, sum(n) AS n FROM i GROUP BY 1),
        a AS (SELECT * FROM s UNION ALL SELECT * FROM i UNION ALL SELECT * FROM c)
   SELECT count(*) FROM nous.secrecy_suppress(
     (SELECT array_agg(id) FROM a), (SELECT array_agg(parent) FROM a), (SELECT array_agg(n) FROM a),
     (SELECT array_agg(nous.secrecy_primary(n::bigint)) FROM a))$$,
 $$WITH s AS (SELECT square_id::text AS id, iris_code AS parent, round(households) AS n FROM nous_demo.squares),
        i AS (SELECT parent AS id, min(c.com_code) AS parent, sum(n) AS n FROM s JOIN nous_demo.iris c ON c.iris_code = s.parent GROUP BY 1),
        c AS (SELECT parent AS id, NULL::text AS parent, sum(n) AS n FROM i GROUP BY 1),
        a AS (SELECT * FROM s UNION ALL SELECT * FROM i UNION ALL SELECT * FROM c)
   SELECT count(CASE WHEN n = 0 OR n >= 11 THEN n END) FROM a$$,
 $$SELECT sum(households) FROM nous_demo.squares$$);
