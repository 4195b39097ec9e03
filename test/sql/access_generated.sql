-- access on the generated territory (seed 42, scale 1, the data of the
-- generator suite): nous.secrecy_publish on households by square within IRIS
-- within communes (microdata: one row a household, with its income for the
-- dominance rule), nous.secrecy_publish_2d on applications by commune x
-- household size.  Every result is checked by an independent plain-SQL
-- computation, and the proof property (no hidden value can be recovered
-- from the published ones by linear combinations of the table's equations)
-- by the bridge criterion of the secrecy suite.
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

-- the hierarchy with each cell's contributors (incomes)
CREATE TABLE public.accg_cells AS
WITH hh AS (SELECT h.income, s.square_id::text AS sq, s.iris_code AS iris, i.com_code AS com
              FROM nous_demo.households h JOIN nous_demo.squares s USING (square_id)
              JOIN nous_demo.iris i ON i.iris_code = s.iris_code)
SELECT sq AS id, min(iris) AS parent, count(*) AS n, array_agg(income) AS incomes FROM hh GROUP BY sq
UNION ALL SELECT iris, min(com), count(*), array_agg(income) FROM hh GROUP BY iris
UNION ALL SELECT com, NULL, count(*), array_agg(income) FROM hh GROUP BY com;
CREATE TABLE public.accg_pub AS
SELECT * FROM nous.secrecy_publish('public.accg_cells', 'id', 'parent', 'n', contributions_column => 'incomes');

-- 1. the same as the array function fed with the rules written in plain SQL
-- (threshold: 0 < n < 11; dominance: largest income > 85 % of the total,
-- by window functions)
WITH ranked AS (SELECT c.id, x.income, row_number() OVER (PARTITION BY c.id ORDER BY x.income DESC) AS k,
                       sum(x.income) OVER (PARTITION BY c.id) AS tot
                  FROM public.accg_cells c, unnest(c.incomes) AS x(income)),
     dom AS (SELECT id, coalesce(sum(income) FILTER (WHERE k = 1) > 0.85 * min(tot), false) AS d FROM ranked GROUP BY id),
     plain AS (SELECT s.* FROM nous.secrecy_suppress(
                 (SELECT array_agg(c.id ORDER BY c.id COLLATE "C") FROM public.accg_cells c),
                 (SELECT array_agg(c.parent ORDER BY c.id COLLATE "C") FROM public.accg_cells c),
                 (SELECT array_agg(c.n::float8 ORDER BY c.id COLLATE "C") FROM public.accg_cells c),
                 (SELECT array_agg(c.n > 0 AND c.n < 11 ORDER BY c.id COLLATE "C") FROM public.accg_cells c),
                 (SELECT array_agg(d.d ORDER BY c.id COLLATE "C") FROM public.accg_cells c JOIN dom d USING (id))) s)
SELECT count(*) AS cells, count(*) FILTER (WHERE p.status IS DISTINCT FROM q.status OR p.value IS DISTINCT FROM q.value) AS differ
  FROM public.accg_pub p FULL JOIN plain q USING (id);
-- 2. every reason occurs; nothing hidden leaks; published values are exact
SELECT status, count(*) > 0 AS present FROM public.accg_pub GROUP BY status ORDER BY status;
SELECT count(*) FILTER (WHERE (p.status = 'published') <> (p.value IS NOT NULL)) AS leaked,
       count(*) FILTER (WHERE p.status = 'published' AND p.value <> c.n) AS wrong_value,
       count(*) FILTER (WHERE p.parent IS DISTINCT FROM c.parent) AS wrong_parent,
       count(*) FILTER (WHERE (p.status = 'primary') <> (c.n < 11)) AS wrong_primary
  FROM public.accg_pub p JOIN public.accg_cells c USING (id);
-- 3. no parent-and-children line with exactly one hidden element
SELECT count(*) AS unsafe_lines FROM (
  SELECT c.parent FROM public.accg_cells c JOIN public.accg_pub k USING (id) JOIN public.accg_pub pp ON pp.id = c.parent
  GROUP BY c.parent, pp.status
  HAVING count(*) FILTER (WHERE k.status <> 'published') + (pp.status <> 'published')::int = 1) s;

-- 4. proof property.  The equations are one per line (parent = sum of its
-- children); a hidden value x appears in at most two: the line of its parent
-- and its own line.  As a graph, vertices = lines plus a ground vertex G
-- (for a root or a leaf, the missing line), edges = hidden values: a hidden
-- value is determined by the published ones iff its edge is a bridge (the
-- criterion of the secrecy suite).  Parallel edges are never bridges, so the
-- search runs over distinct vertex pairs.
CREATE FUNCTION pg_temp.bridges(edges text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE 'CREATE TEMP TABLE e AS SELECT least(a, b) AS a, greatest(a, b) AS b, count(*) AS mult FROM (' || edges
       || ') x(a, b) WHERE a <> b GROUP BY 1, 2';
  WITH RECURSIVE reach(ea, eb, v) AS (
    SELECT a, b, a FROM e WHERE mult = 1
    UNION
    SELECT r.ea, r.eb, CASE WHEN e.a = r.v THEN e.b ELSE e.a END
      FROM reach r JOIN e ON (e.a = r.v OR e.b = r.v) AND NOT (e.a = r.ea AND e.b = r.eb))
  SELECT count(*) INTO n FROM e
   WHERE mult = 1 AND NOT EXISTS (SELECT 1 FROM reach r WHERE r.ea = e.a AND r.eb = e.b AND r.v = e.b);
  DROP TABLE e;
  RETURN n;
END $$;
CREATE TEMP VIEW accg_edges AS
SELECT coalesce('L:' || c.parent, 'G') AS a,
       CASE WHEN EXISTS (SELECT 1 FROM public.accg_cells k WHERE k.parent = c.id) THEN 'L:' || c.id ELSE 'G' END AS b,
       p.id, p.status
  FROM public.accg_cells c JOIN public.accg_pub p USING (id);
SELECT count(*) AS hidden, pg_temp.bridges('SELECT a, b FROM accg_edges WHERE status <> ''published''') AS bridges
  FROM accg_edges WHERE status <> 'published';
-- the check is not vacuous: publish one secondary value again (the first
-- one) and its partner in the line becomes determined
SELECT pg_temp.bridges('SELECT a, b FROM accg_edges WHERE status <> ''published'' AND id <> '
       || quote_literal((SELECT min(id) FROM public.accg_pub WHERE status = 'secondary'))) > 0 AS mutant_detected;

-- 5. rounding to base 5: published values are the multiples of 5 nearest
-- to the counts (halves away from zero); the hidden cells do not change
SELECT count(*) FILTER (WHERE r.value IS DISTINCT FROM CASE WHEN p.value IS NULL THEN NULL
                                                       ELSE 5 * trunc(p.value / 5 + 0.5) END) AS wrong_rounding,
       count(*) FILTER (WHERE r.status <> p.status) AS status_changed
  FROM nous.secrecy_publish('public.accg_cells', 'id', 'parent', 'n', contributions_column => 'incomes',
                            rounding_base => 5) r JOIN public.accg_pub p USING (id);

-- 6. 2-D: applications by first-wished commune x household size (1..4, 5+),
-- from a query; same result as the array function of the secrecy module,
-- and no hidden cell is a bridge of the suppression graph (rows, columns
-- and the totals' line '*' as vertices)
CREATE TABLE public.accg_2d AS
SELECT * FROM nous.secrecy_publish_2d(
  'SELECT com_code, least(persons_14_plus + persons_under_14, 5)::text AS size, pg_catalog.count(*) AS n
     FROM nous_demo.applications GROUP BY 1, 2', 'com_code', 'size', 'n');
WITH g AS (SELECT com_code AS r, least(persons_14_plus + persons_under_14, 5)::text AS c, count(*)::float8 AS n
             FROM nous_demo.applications GROUP BY 1, 2),
     q AS (SELECT * FROM nous.secrecy_suppress_2d(
             (SELECT array_agg(r ORDER BY r COLLATE "C", c COLLATE "C") FROM g),
             (SELECT array_agg(c ORDER BY r COLLATE "C", c COLLATE "C") FROM g),
             (SELECT array_agg(n ORDER BY r COLLATE "C", c COLLATE "C") FROM g),
             (SELECT array_agg(n > 0 AND n < 11 ORDER BY r COLLATE "C", c COLLATE "C") FROM g)))
SELECT count(*) AS cells, count(*) FILTER (WHERE p.status IS DISTINCT FROM q.status OR p.value IS DISTINCT FROM q.value) AS differ,
       count(*) FILTER (WHERE p.status <> 'published') > 0 AS has_hidden
  FROM public.accg_2d p FULL JOIN q ON coalesce(p."row", '*') = coalesce(q."row", '*') AND coalesce(p.col, '*') = coalesce(q.col, '*');
SELECT pg_temp.bridges('SELECT ''r:'' || coalesce("row", ''*''), ''c:'' || coalesce(col, ''*'') FROM public.accg_2d WHERE status <> ''published''') AS bridges_2d;

DROP VIEW accg_edges;
DROP TABLE public.accg_cells, public.accg_pub, public.accg_2d;
