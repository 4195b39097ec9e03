-- secrecy on the generated territory (seed 42, scale 1: the same data as the
-- generator suite, so later suites see no change): every result is checked
-- by an independent plain-SQL computation.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\set ECHO none
\set seed 42
\set scale 1
\o /dev/null
\ir test/gen/generate.sql
\o
\set ECHO all
SET extra_float_digits = 0;

-- 1-D: households of squares within IRIS within communes (rounded counts; the
-- totals are the sums of their parts, so the table is additive)
CREATE TEMP TABLE g1 AS
WITH s AS (SELECT square_id::text AS id, iris_code AS parent, round(households) AS n FROM nous_demo.squares),
     i AS (SELECT s.parent AS id, min(c.com_code) AS parent, sum(n) AS n
             FROM s JOIN nous_demo.iris c ON c.iris_code = s.parent GROUP BY 1),
     c AS (SELECT parent AS id, NULL::text AS parent, sum(n) AS n FROM i GROUP BY 1)
SELECT * FROM s UNION ALL SELECT * FROM i UNION ALL SELECT * FROM c;
CREATE TEMP TABLE g1r AS
SELECT * FROM nous.secrecy_suppress((SELECT array_agg(id ORDER BY id) FROM g1),
  (SELECT array_agg(parent ORDER BY id) FROM g1), (SELECT array_agg(n ORDER BY id) FROM g1),
  (SELECT array_agg(nous.secrecy_primary(n::bigint) ORDER BY id) FROM g1));
-- primary status agrees with the rule written in plain SQL; nothing hidden leaks
SELECT count(*) AS rows_, count(*) FILTER (WHERE (r.status = 'primary') <> (g.n > 0 AND g.n < 11)) AS wrong_primary,
       count(*) FILTER (WHERE (r.status = 'published') <> (r.value IS NOT NULL)) AS leaked,
       count(*) FILTER (WHERE r.status = 'published' AND r.value <> g.n) AS wrong_value
FROM g1 g JOIN g1r r USING (id);
-- no parent-and-children line with exactly one hidden element
SELECT count(*) AS unsafe_lines FROM (
  SELECT p.id FROM g1 p JOIN g1 k ON k.parent = p.id
  JOIN g1r rp ON rp.id = p.id JOIN g1r rk ON rk.id = k.id
  GROUP BY p.id, rp.status
  HAVING count(*) FILTER (WHERE rk.status <> 'published') + (rp.status <> 'published')::int = 1) s;
-- some secondary suppression did happen (the test is not vacuous)
SELECT count(*) FILTER (WHERE status = 'secondary') > 0 AS has_secondary FROM g1r;

-- 2-D: applications by first-wished commune x household size (1, 2, 3, 4, 5+)
CREATE TEMP TABLE g2 AS
SELECT com_code AS r, least(persons_14_plus + persons_under_14, 5)::text AS c, count(*)::float8 AS n
FROM nous_demo.applications GROUP BY 1, 2;
CREATE TEMP TABLE g2r AS
SELECT * FROM nous.secrecy_suppress_2d((SELECT array_agg(r) FROM g2), (SELECT array_agg(c) FROM g2),
  (SELECT array_agg(n) FROM g2), (SELECT array_agg(nous.secrecy_primary(n::bigint)) FROM g2));
-- totals agree with plain SQL; primary statuses follow the rule
SELECT count(*) FILTER (WHERE r.value IS NOT NULL AND r.value <> x.s) AS wrong_totals,
       count(*) FILTER (WHERE (r.status = 'primary') <> (x.s > 0 AND x.s < 11 AND r."row" IS NOT NULL AND r.col IS NOT NULL)) AS wrong_primary
FROM g2r r JOIN (
  SELECT r, c, n AS s FROM g2
  UNION ALL SELECT r, NULL, sum(n) FROM g2 GROUP BY r
  UNION ALL SELECT NULL, c, sum(n) FROM g2 GROUP BY c
  UNION ALL SELECT NULL, NULL, sum(n) FROM g2) x
  ON r."row" IS NOT DISTINCT FROM x.r AND r.col IS NOT DISTINCT FROM x.c;
-- no row or column (with its total) with exactly one hidden element
SELECT count(*) AS unsafe_lines FROM (
  SELECT coalesce("row", '*') FROM g2r GROUP BY 1 HAVING count(*) FILTER (WHERE status <> 'published') = 1
  UNION ALL
  SELECT coalesce(col, '*') FROM g2r GROUP BY 1 HAVING count(*) FILTER (WHERE status <> 'published') = 1) s;
-- no hidden element is a bridge of the graph of hidden elements (rows and
-- columns as vertices, the totals' line as '*'): each one lies on a cycle,
-- so no linear combination of published figures determines it
WITH RECURSIVE h AS (
  SELECT 'r:' || coalesce("row", '*') AS rv, 'c:' || coalesce(col, '*') AS cv
  FROM g2r WHERE status <> 'published'),
reach(er, ec, v) AS (
  SELECT rv, cv, rv FROM h
  UNION
  SELECT reach.er, reach.ec, CASE WHEN h.rv = reach.v THEN h.cv ELSE h.rv END
  FROM reach JOIN h ON (h.rv = reach.v OR h.cv = reach.v) AND NOT (h.rv = reach.er AND h.cv = reach.ec))
SELECT count(*) AS hidden, count(*) FILTER (WHERE NOT EXISTS (
  SELECT 1 FROM reach WHERE er = h.rv AND ec = h.cv AND v = h.cv)) AS bridges
FROM h \gset
SELECT :hidden > 0 AS has_hidden, :bridges AS bridges;

-- dominance (default k = 85 %): top 1 and top 2 incomes of the households of
-- each square, checked against window functions
WITH hh AS (SELECT square_id, income FROM nous_demo.households),
     nous_way AS (SELECT square_id, nous.secrecy_dominance(array_agg(income)) AS d1,
                         nous.secrecy_dominance(array_agg(income), 2) AS d2 FROM hh GROUP BY 1),
     ranked AS (SELECT square_id, income, row_number() OVER (PARTITION BY square_id ORDER BY income DESC) AS k,
                       sum(income) OVER (PARTITION BY square_id) AS tot FROM hh),
     plain AS (SELECT square_id, sum(income) FILTER (WHERE k = 1) > 0.85 * min(tot) AS d1,
                      sum(income) FILTER (WHERE k <= 2) > 0.85 * min(tot) AS d2 FROM ranked GROUP BY 1)
SELECT count(*) AS squares, count(*) FILTER (WHERE n.d1 <> p.d1 OR n.d2 <> p.d2) AS disagree,
       count(*) FILTER (WHERE n.d1) > 0 AS some_d1, count(*) FILTER (WHERE NOT n.d2) > 0 AS some_not_d2
FROM nous_way n JOIN plain p USING (square_id);
