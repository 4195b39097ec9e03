-- secrecy audit (security issue, findings 4-7): the cases a reader used to
-- recover hidden values, then 500 random hierarchies and 500 random 2-D
-- tables published through nous.secrecy_publish / nous.secrecy_publish_2d
-- and audited independently in SQL: no published figure (cell or total)
-- counts 1 to 10; no complement is a zero; and interval propagation over the
-- tables' equations, with what the published rules tell a reader (a primary
-- count is in [1, 10], any other hidden figure was publishable and not a
-- zero, so at least 11), determines no hidden value.  (The exact audit, by
-- enumeration, is in test/unit/test_secrecy.c.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;

-- finding 4: a 0 beside a primary 4, another 0 published: the old rule hid a
-- zero (the smallest), so the reader knew it was 0 and the primary 4.  Now
-- the complement is the smallest positive element, 30; the zeros stay.
SELECT * FROM nous.secrecy_suppress('{P,a,b,c,d}', '{NULL,P,P,P,P}', '{34,4,0,0,30}',
                                    '{f,t,f,f,f}', NULL, 11) ORDER BY id;
-- two primaries 1 and 1 under 32: each is at least 1 and they sum to 2;
-- the line rule was content, the audit adds the 30
SELECT * FROM nous.secrecy_suppress('{P,a,b,c}', '{NULL,P,P,P}', '{32,1,1,30}',
                                    '{f,t,t,f}', NULL, 11) ORDER BY id;

-- finding 5: (a,x)=1, (b,x)=0, (a,y)=30, (b,y)=40: the total of column x is
-- 1 and must not be published; the zero stays published
SELECT * FROM nous.secrecy_publish_2d(
  'VALUES (''a'', ''x'', 1), (''a'', ''y'', 30), (''b'', ''x'', 0), (''b'', ''y'', 40)',
  'column1', 'column2', 'column3') ORDER BY 1 NULLS LAST, 2 NULLS LAST;
-- the array function: totals under the threshold are primary when it is given
SELECT "row", col, status FROM nous.secrecy_suppress_2d('{a,a,b,b}', '{x,y,x,y}', '{1,30,0,40}',
                                                        '{t,f,f,f}', NULL, 11)
 WHERE "row" IS NULL OR col IS NULL ORDER BY 1 NULLS LAST, 2 NULLS LAST;
-- declared totals (NULL labels) carry their own flags, and must add up
SELECT "row", col, status FROM nous.secrecy_suppress_2d('{a,a,b,b,NULL}', '{x,y,x,y,x}', '{1,30,0,40,1}',
                                                        '{t,f,f,f,t}')
 WHERE "row" IS NULL AND col = 'x';
SELECT * FROM nous.secrecy_suppress_2d('{a,a,b,b,NULL}', '{x,y,x,y,x}', '{1,30,0,40,2}', '{t,f,f,f,t}');
SELECT * FROM nous.secrecy_suppress_2d('{a,a,NULL,NULL}', '{x,y,x,x}', '{1,30,1,1}', '{t,f,t,t}');
-- dominance on a total: one contributor holds 90 % of the column x
SELECT "row", col, status FROM nous.secrecy_publish_2d(
  'VALUES (''a'', ''x'', 20, ''{18,1,1}''::float8[]), (''a'', ''y'', 30, ''{10,10,10}''),
          (''b'', ''x'', 0, ''{}''), (''b'', ''y'', 40, ''{10,10,20}'')',
  'column1', 'column2', 'column3', contributions_column => 'column4')
 WHERE status <> 'published' ORDER BY 1 NULLS LAST, 2 NULLS LAST;

-- finding 7: 7,000 diagonal cells, a sparse table (the dense one had 49
-- million cells): it finishes fast; time reported, bound generous
\set ECHO none
SELECT clock_timestamp() AS t0 \gset
\set ECHO all
SELECT count(*) AS elements, count(*) FILTER (WHERE status <> 'published') AS hidden,
       count(*) FILTER (WHERE status = 'secondary') AS secondary
  FROM nous.secrecy_suppress_2d(
    ARRAY(SELECT 'r' || i FROM generate_series(1, 7000) i),
    ARRAY(SELECT 'c' || i FROM generate_series(1, 7000) i),
    ARRAY(SELECT (1 + i % 20)::float8 FROM generate_series(1, 7000) i),
    ARRAY(SELECT 1 + i % 20 < 11 FROM generate_series(1, 7000) i), NULL, 11);
-- (the time is printed by the unit test diagonal_7000; here a generous bound)
SELECT clock_timestamp() - :'t0'::timestamptz < interval '60 s' AS diagonal_under_60s;
-- memory is bounded by work_mem: a clear error naming the setting
SET work_mem = '64kB';
SELECT count(*) FROM nous.secrecy_suppress_2d(
    ARRAY(SELECT 'r' || i FROM generate_series(1, 7000) i),
    ARRAY(SELECT 'c' || i FROM generate_series(1, 7000) i),
    ARRAY(SELECT (1 + i % 20)::float8 FROM generate_series(1, 7000) i),
    ARRAY(SELECT 1 + i % 20 < 11 FROM generate_series(1, 7000) i));
RESET work_mem;

-- ---- random instances ----------------------------------------------------
SELECT setseed(0.13);
-- 500 hierarchies: a root, 2-4 children, 1-4 leaves each, leaves 0..30
CREATE TEMP TABLE aud_h AS
WITH mids AS (SELECT i, m FROM generate_series(1, 500) i, LATERAL generate_series(1, 2 + (random() * 2)::int) m),
     leaves AS (SELECT i, m, l, floor(random() * 31) AS n FROM mids, LATERAL generate_series(1, 1 + (random() * 3)::int) l)
SELECT i, 'L' || m || '.' || l AS id, 'M' || m AS parent, n FROM leaves
UNION ALL SELECT i, 'M' || m, 'R', sum(n) FROM leaves GROUP BY i, m
UNION ALL SELECT i, 'R', NULL, sum(n) FROM leaves GROUP BY i;
CREATE TEMP TABLE aud_hp AS
SELECT i, p.* FROM generate_series(1, 500) i,
  LATERAL nous.secrecy_publish(format('SELECT id, parent, n FROM pg_temp.aud_h WHERE i = %s', i), 'id', 'parent', 'n') p;
-- 500 tables of 2..4 x 2..4 cells, counts 0..30
CREATE TEMP TABLE aud_t AS
SELECT i, 'r' || r AS r, 'c' || c AS c, floor(random() * 31) AS n
  FROM generate_series(1, 500) i, LATERAL (SELECT 2 + (random() * 2)::int AS nr, 2 + (random() * 2)::int AS nc) d,
       LATERAL generate_series(1, d.nr) r, LATERAL generate_series(1, d.nc) c;
CREATE TEMP TABLE aud_tp AS
SELECT i, p.* FROM generate_series(1, 500) i,
  LATERAL nous.secrecy_publish_2d(format('SELECT r, c, n FROM pg_temp.aud_t WHERE i = %s', i), 'r', 'c', 'n') p;

-- every figure with its true count, its status and its lines (sign +1 for a
-- part, -1 for the whole of a line)
CREATE TEMP TABLE aud_el AS
SELECT 'h' || h.i AS inst, h.id AS e, h.n, p.status, p.value FROM aud_h h JOIN aud_hp p USING (i, id)
UNION ALL
SELECT 't' || p.i, coalesce(p."row", '*') || '|' || coalesce(p.col, '*'), x.n, p.status, p.value
  FROM aud_tp p JOIN (SELECT i, r, c, sum(n) AS n FROM aud_t GROUP BY GROUPING SETS ((i, r, c), (i, r), (i, c), (i))) x
    ON x.i = p.i AND x.r IS NOT DISTINCT FROM p."row" AND x.c IS NOT DISTINCT FROM p.col;
CREATE TEMP TABLE aud_ln AS
SELECT 'h' || i AS inst, 'L:' || parent AS line, id AS e, 1 AS sign FROM aud_h WHERE parent IS NOT NULL
UNION ALL SELECT DISTINCT 'h' || k.i, 'L:' || k.parent, k.parent, -1 FROM aud_h k WHERE k.parent IS NOT NULL
UNION ALL
SELECT 't' || i, 'R:' || coalesce(r, '*'), coalesce(r, '*') || '|' || coalesce(c, '*'), CASE WHEN c IS NULL THEN -1 ELSE 1 END
  FROM (SELECT DISTINCT i, r, c FROM aud_t GROUP BY GROUPING SETS ((i, r, c), (i, r), (i, c), (i))) x
UNION ALL
SELECT 't' || i, 'C:' || coalesce(c, '*'), coalesce(r, '*') || '|' || coalesce(c, '*'), CASE WHEN r IS NULL THEN -1 ELSE 1 END
  FROM (SELECT DISTINCT i, r, c FROM aud_t GROUP BY GROUPING SETS ((i, r, c), (i, r), (i, c), (i))) x;

-- 1. what leaves: nothing published counts 1 to 10; published values exact;
--    no complement is a zero; every line with a hidden figure has two
SELECT left(inst, 1) AS kind, count(*) AS figures,
       count(*) FILTER (WHERE status <> 'published') AS hidden,
       count(*) FILTER (WHERE status = 'published' AND n > 0 AND n < 11) AS published_1_to_10,
       count(*) FILTER (WHERE status = 'published' AND value IS DISTINCT FROM n) AS wrong_value,
       count(*) FILTER (WHERE status <> 'published' AND value IS NOT NULL) AS leaked,
       count(*) FILTER (WHERE status = 'secondary' AND n = 0) AS zero_complements
  FROM aud_el GROUP BY 1 ORDER BY 1;
SELECT count(*) AS lines_with_one_hidden FROM (
  SELECT l.inst, l.line FROM aud_ln l JOIN aud_el e USING (inst, e)
   GROUP BY 1, 2 HAVING count(*) FILTER (WHERE e.status <> 'published') = 1) s;

-- 2. interval propagation: each equation sum(sign * x) = 0 bounds each of
-- its hidden figures by the bounds of the others, to a fixed point
CREATE FUNCTION pg_temp.propagate() RETURNS TABLE(kind text, hidden bigint, determined bigint, inconsistent bigint)
LANGUAGE plpgsql AS $$
DECLARE
  changed bigint;
  rounds int := 0;
BEGIN
  CREATE TEMP TABLE b AS
  SELECT inst, e, status <> 'published' AS h,
         CASE WHEN status = 'published' THEN n WHEN status = 'primary' THEN 1 ELSE 11 END::float8 AS lo,
         CASE WHEN status = 'published' THEN n WHEN status = 'primary' THEN 10 ELSE 'Infinity' END::float8 AS hi
    FROM pg_temp.aud_el;
  CREATE INDEX ON b (inst, e);
  LOOP
    rounds := rounds + 1;
    WITH t AS (
      -- the others of each line: range of sum(sign * x) over them
      SELECT l.inst, l.line, l.e, l.sign,
             sum(CASE WHEN o.sign > 0 THEN ob.lo ELSE -ob.hi END) AS smin,
             sum(CASE WHEN o.sign > 0 THEN ob.hi ELSE -ob.lo END) AS smax
        FROM pg_temp.aud_ln l JOIN b lb ON lb.inst = l.inst AND lb.e = l.e AND lb.h
        JOIN pg_temp.aud_ln o ON o.inst = l.inst AND o.line = l.line AND o.e <> l.e
        JOIN b ob ON ob.inst = o.inst AND ob.e = o.e
       GROUP BY 1, 2, 3, 4),
    nb AS (
      SELECT inst, e, max(CASE WHEN sign > 0 THEN -smax ELSE smin END) AS lo,
                      min(CASE WHEN sign > 0 THEN -smin ELSE smax END) AS hi
        FROM t GROUP BY 1, 2),
    u AS (
      UPDATE b SET lo = greatest(b.lo, nb.lo), hi = least(b.hi, nb.hi)
        FROM nb WHERE nb.inst = b.inst AND nb.e = b.e AND (nb.lo > b.lo + 1e-9 OR nb.hi < b.hi - 1e-9)
      RETURNING 1)
    SELECT count(*) INTO changed FROM u;
    EXIT WHEN changed = 0 OR rounds > 50;
  END LOOP;
  RETURN QUERY SELECT left(b.inst, 1), count(*) FILTER (WHERE b.h), count(*) FILTER (WHERE b.h AND b.lo = b.hi),
                      count(*) FILTER (WHERE b.h AND b.lo > b.hi)
                 FROM b GROUP BY 1 ORDER BY 1;
  DROP TABLE b;
END $$;
SELECT kind, hidden > 0 AS has_hidden, determined, inconsistent FROM pg_temp.propagate();

-- 3. the audit is not vacuous: publish again the first complement of each
-- hierarchy that has one, and propagation finds hidden values
UPDATE aud_el SET status = 'published', value = n
 WHERE (inst, e) IN (SELECT inst, min(e) FROM aud_el WHERE status = 'secondary' AND inst LIKE 'h%' GROUP BY inst);
SELECT kind, determined > 0 AS mutant_detected FROM pg_temp.propagate() WHERE kind = 'h';
