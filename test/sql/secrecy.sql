SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;

-- primary threshold rule: hidden when 0 < count < threshold (INSEE: 11)
SELECT c, nous.secrecy_primary(c) AS hide11, nous.secrecy_primary(c, 5) AS hide5,
       nous.secrecy_primary(c, 11, true) AS hide11_zero
FROM unnest('{0,1,4,5,10,11,250}'::bigint[]) AS c;
-- expected: 0 published (f, f, t); 1..10 hidden at 11; 5 published at 5; 11 published
SELECT nous.secrecy_primary(NULL);

-- dominance (n, k): {90,5,3,2}: top1 90 % > 85 %; {50,40,6,4}: top1 50 %, top2 90 %
SELECT nous.secrecy_dominance('{90,5,3,2}') AS a1,
       nous.secrecy_dominance('{50,40,6,4}') AS b1,
       nous.secrecy_dominance('{50,40,6,4}', 2) AS b2,
       nous.secrecy_dominance('{50,40,6,4}', 2, 0.9) AS b2_90,   -- 90 is not > 90
       nous.secrecy_dominance('{}') AS empty,
       nous.secrecy_dominance('{0,0}') AS zeros,
       nous.secrecy_dominance('{86,NULL,14}') AS with_null;     -- 86 % > 85 %
-- t f t f f f t

-- rounding to a base
SELECT x, nous.round_to_base(x, 5) AS b5, nous.round_to_base(x, 10) AS b10
FROM unnest('{0,2,2.5,7,12,15,-7}'::float8[]) AS x;
-- 0:0,0  2:0,0  2.5:5,0  7:5,10  12:10,10  15:15,20  -7:-5,-10

-- 1-D hierarchy: commune C (100) = IRIS I1 (60) + I2 (40);
-- I1 = squares s1 (5, primary) s2 (25) s3 (30); I2 = s4 (22) s5 (18).
-- I1 line {s1, s2, s3, I1}: s1 alone -> smallest published s2 (25).
-- The others have no suppressed element: published.
CREATE TEMP TABLE h1 (id text, parent text, n float8, prim boolean);
INSERT INTO h1 VALUES ('C', NULL, 100, false), ('I1', 'C', 60, false), ('I2', 'C', 40, false),
  ('s1', 'I1', 5, true), ('s2', 'I1', 25, false), ('s3', 'I1', 30, false),
  ('s4', 'I2', 22, false), ('s5', 'I2', 18, false);
CREATE TEMP TABLE r1 AS
SELECT * FROM nous.secrecy_suppress((SELECT array_agg(id ORDER BY id) FROM h1),
  (SELECT array_agg(parent ORDER BY id) FROM h1), (SELECT array_agg(n ORDER BY id) FROM h1),
  (SELECT array_agg(prim ORDER BY id) FROM h1));
SELECT * FROM r1 ORDER BY id;

-- second hierarchy: IRIS I1 (8) primary under C (50) with I2 (42):
-- C line: I1 alone -> I2 (42 < 50); I1 line {s1 3, s2 5, I1}: I1 alone -> s1;
-- I2 line {s3 20, s4 22, I2}: I2 alone -> s3.
CREATE TEMP TABLE h2 (id text, parent text, n float8, prim boolean);
INSERT INTO h2 VALUES ('C', NULL, 50, false), ('I1', 'C', 8, true), ('I2', 'C', 42, false),
  ('s1', 'I1', 3, false), ('s2', 'I1', 5, false), ('s3', 'I2', 20, false), ('s4', 'I2', 22, false);
CREATE TEMP TABLE r2 AS
SELECT * FROM nous.secrecy_suppress((SELECT array_agg(id ORDER BY id) FROM h2),
  (SELECT array_agg(parent ORDER BY id) FROM h2), (SELECT array_agg(n ORDER BY id) FROM h2),
  (SELECT array_agg(prim ORDER BY id) FROM h2));
SELECT * FROM r2 ORDER BY id;

-- independent check (plain SQL): no parent-with-children line has exactly one
-- hidden element, and every hidden value is NULL
SELECT 'h1' AS t, count(*) AS unsafe_lines FROM (
  SELECT p.id FROM h1 p JOIN h1 k ON k.parent = p.id
  JOIN r1 rp ON rp.id = p.id JOIN r1 rk ON rk.id = k.id
  GROUP BY p.id, rp.status
  HAVING count(*) FILTER (WHERE rk.status <> 'published')
       + (rp.status <> 'published')::int = 1) s
UNION ALL
SELECT 'h2', count(*) FROM (
  SELECT p.id FROM h2 p JOIN h2 k ON k.parent = p.id
  JOIN r2 rp ON rp.id = p.id JOIN r2 rk ON rk.id = k.id
  GROUP BY p.id, rp.status
  HAVING count(*) FILTER (WHERE rk.status <> 'published')
       + (rp.status <> 'published')::int = 1) s;
SELECT count(*) AS leaked FROM (SELECT * FROM r1 UNION ALL SELECT * FROM r2) r
WHERE (status <> 'published') <> (value IS NULL);

-- 2-D table with totals
--        c0  c1  c2 | tot
--   r0   20   3  15 |  38     3 primary
--   r1   12  30  25 |  67
--   r2    7  18  40 |  65
--   tot  39  51  80 | 170
-- r0: 3 alone -> 15; c1: 3 alone -> 18; c2: 15 alone -> 25; r2: 18 alone -> 7;
-- r1: 25 alone -> 12; c0 has 12 and 7: fixed point.
CREATE TEMP TABLE t2 (r text, c text, n float8, prim boolean);
INSERT INTO t2 VALUES ('r0','c0',20,false), ('r0','c1',3,true), ('r0','c2',15,false),
  ('r1','c0',12,false), ('r1','c1',30,false), ('r1','c2',25,false),
  ('r2','c0',7,false), ('r2','c1',18,false), ('r2','c2',40,false);
CREATE TEMP TABLE rt AS
SELECT * FROM nous.secrecy_suppress_2d((SELECT array_agg(r ORDER BY r, c) FROM t2),
  (SELECT array_agg(c ORDER BY r, c) FROM t2), (SELECT array_agg(n ORDER BY r, c) FROM t2),
  (SELECT array_agg(prim ORDER BY r, c) FROM t2));
SELECT * FROM rt ORDER BY "row" NULLS LAST, col NULLS LAST;
-- independent check: every row and column line (with its total) has 0 or >= 2 hidden
SELECT count(*) AS unsafe_lines FROM (
  SELECT "row" FROM rt WHERE "row" IS NOT NULL GROUP BY "row"
  HAVING count(*) FILTER (WHERE status <> 'published') = 1
  UNION ALL
  SELECT col FROM rt WHERE col IS NOT NULL GROUP BY col
  HAVING count(*) FILTER (WHERE status <> 'published') = 1) s;
-- the totals agree with a plain-SQL sum
SELECT count(*) AS wrong_totals FROM rt JOIN (
  SELECT r, NULL::text AS c, sum(n) AS s FROM t2 GROUP BY r
  UNION ALL SELECT NULL, c, sum(n) FROM t2 GROUP BY c
  UNION ALL SELECT NULL, NULL, sum(n) FROM t2) x
  ON rt."row" IS NOT DISTINCT FROM x.r AND rt.col IS NOT DISTINCT FROM x.c
WHERE rt.value IS NOT NULL AND rt.value <> x.s;

-- 2-D: two suppression cycles joined by a bridge.  Every line has 0 or >= 2
-- hidden cells, yet (r1,c2) = 7 is determined (it is a bridge: the rows r0
-- and r1 minus their published cells give (r0,c0)+(r0,c1)+(r1,c0)+(r1,c1)+(r1,c2),
-- and the columns c0, c1 give the first four).  The audit hides the
-- smallest published cell joining the two sides: candidates (r0,c2) 50,
-- (r0,c3) 60, (r1,c3) 70, (r2,c0) 80, (r2,c1) 90, (r3,c0) 55, (r3,c1) 45 -> (r3,c1).
--       c0  c1  c2  c3
--  r0    3   4  50  60      primary: the 9 cells below 11
--  r1    5   6   7  70
--  r2   80  90   8   9
--  r3   55  45   2   1
SELECT "row", col, status FROM nous.secrecy_suppress_2d(
  '{r0,r0,r0,r0,r1,r1,r1,r1,r2,r2,r2,r2,r3,r3,r3,r3}',
  '{c0,c1,c2,c3,c0,c1,c2,c3,c0,c1,c2,c3,c0,c1,c2,c3}',
  '{3,4,50,60,5,6,7,70,80,90,8,9,55,45,2,1}',
  '{t,t,f,f,t,t,t,f,f,f,t,t,f,f,t,t}')
WHERE status <> 'published' ORDER BY 1, 2;

-- the publishable version of a query, for a view
SELECT id, value, status FROM nous.secrecy_suppress(
  ARRAY['A','A1','A2','A3'], ARRAY[NULL,'A','A','A'], ARRAY[30,4,12,14]::float8[],
  ARRAY(SELECT nous.secrecy_primary(x) FROM unnest(ARRAY[30,4,12,14]) WITH ORDINALITY u(x, o) ORDER BY o));
-- A1 (4) primary; A line: A1 alone -> A2 (12, smaller than 14 and 30)

-- the reason a value is hidden: dominance (optional fifth argument; a cell
-- already primary stays 'primary').  A = 60 = A1 15 + A2 20 + A3 25; A3 is
-- dominated: line A has one hidden element -> smallest published A1 (15).
SELECT * FROM nous.secrecy_suppress(ARRAY['A','A1','A2','A3'], ARRAY[NULL,'A','A','A'],
  ARRAY[60,15,20,25], ARRAY[false,false,false,false], ARRAY[false,false,false,true]);
-- A1 primary, A2 dominance: two hidden in line A, no secondary needed
SELECT * FROM nous.secrecy_suppress(ARRAY['A','A1','A2','A3'], ARRAY[NULL,'A','A','A'],
  ARRAY[30,4,12,14], ARRAY[false,true,false,false], ARRAY[false,true,true,false]);
-- 2-D: (a,x) dominated -> row a: smallest published (a,y) 30; column x:
-- smallest published (b,x) 40; column y: (a,y) alone -> (b,y) 50; row b has
-- (b,x), (b,y): a 2 x 2 cycle, fixed point; totals published.
SELECT * FROM nous.secrecy_suppress_2d('{a,a,b,b}', '{x,y,x,y}', '{20,30,40,50}',
  '{f,f,f,f}', '{t,f,f,f}') ORDER BY 1 NULLS LAST, 2 NULLS LAST;

-- empty input
SELECT count(*) FROM nous.secrecy_suppress('{}', '{}', '{}', '{}');
SELECT count(*) FROM nous.secrecy_suppress_2d('{}', '{}', '{}', '{}');

-- bad input: messages, details and hints
\set VERBOSITY default
SELECT nous.secrecy_primary(5, 0);
SELECT nous.secrecy_primary(-1);
SELECT nous.secrecy_dominance('{1,2}', 0);
SELECT nous.secrecy_dominance('{1,2}', 1, 0);
SELECT nous.secrecy_dominance('{1,2}', 1, 1.5);
SELECT nous.secrecy_dominance('{1,-2}');
SELECT nous.secrecy_dominance('{1,NaN}');
SELECT nous.round_to_base(3, 0);
SELECT nous.round_to_base('Infinity', 5);
SELECT * FROM nous.secrecy_suppress('{a,b}', '{NULL}', '{1,1}', '{f,f}');
SELECT * FROM nous.secrecy_suppress('{a,NULL}', '{NULL,a}', '{1,1}', '{f,f}');
SELECT * FROM nous.secrecy_suppress('{a,b}', '{NULL,zz}', '{1,1}', '{f,f}');
SELECT * FROM nous.secrecy_suppress('{a,a}', '{NULL,NULL}', '{1,1}', '{f,f}');
SELECT * FROM nous.secrecy_suppress('{a,b,c}', '{c,a,b}', '{1,1,1}', '{f,f,f}');
SELECT * FROM nous.secrecy_suppress('{a,b,c}', '{NULL,a,a}', '{10,4,5}', '{f,f,f}');
SELECT * FROM nous.secrecy_suppress('{a,b}', '{NULL,a}', '{1,-1}', '{f,f}');
SELECT * FROM nous.secrecy_suppress('{a,b}', '{NULL,a}', '{1,NULL}', '{f,f}');
SELECT * FROM nous.secrecy_suppress('{a,b}', '{NULL,a}', '{1,1}', '{f,NULL}');
SELECT * FROM nous.secrecy_suppress(NULL, '{NULL,a}', '{1,1}', '{f,f}');
SELECT * FROM nous.secrecy_suppress_2d('{a,a}', '{x,x}', '{1,2}', '{f,f}');
SELECT * FROM nous.secrecy_suppress_2d('{a,b}', '{x}', '{1,2}', '{f,f}');
SELECT * FROM nous.secrecy_suppress_2d('{a,b}', '{x,y}', '{1,Infinity}', '{f,f}');
SELECT * FROM nous.secrecy_suppress_2d('{a,b}', '{x,y}', '{1,2}', '{f,f}', '{t}');
SELECT * FROM nous.secrecy_suppress('{a}', '{NULL}', '{1}', '{f}', '{NULL}');
\set VERBOSITY default
SELECT nous.secrecy_primary(5, 0);
SELECT nous.secrecy_dominance('{1,2}', 1, 1.5);
SELECT * FROM nous.secrecy_suppress('{a,b,c}', '{NULL,a,a}', '{10,4,5}', '{f,f,f}');
SELECT * FROM nous.secrecy_suppress('{a,b}', '{NULL,zz}', '{1,1}', '{f,f}');
SELECT * FROM nous.secrecy_suppress('{a,b,c}', '{c,a,b}', '{1,1,1}', '{f,f,f}');
-- named notation without quoting a reserved word (issue 15): is_primary, not "primary"
SELECT id, value, status FROM nous.secrecy_suppress(ids => '{T,a,b}', parents => '{NULL,T,T}', counts => '{30,20,10}',
                                                    is_primary => '{f,f,f}') ORDER BY id;
