-- Benchmark cases of the spatial module: queen contiguity of the IRIS (about
-- 48,000 at national scale) against the plain PostGIS self-join with
-- ST_Touches (GiST index), and global Moran's I of an indicator on those
-- weights against its plain-SQL formula.
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('spatial', 'queen contiguity weights of the IRIS',
 $$SELECT count(*) FROM nous_demo.iris$$,
 $$SELECT nous.link_count(nous.contiguity(iris_code::bigint, geom)) FROM nous_demo.iris$$,
 $$SELECT count(*) FROM nous_demo.iris a JOIN nous_demo.iris b
      ON a.iris_code <> b.iris_code AND public.ST_Touches(a.geom, b.geom)$$,
 $$SELECT sum(population) FROM nous_demo.iris$$),
('spatial', 'rook contiguity weights of the communes',
 $$SELECT count(*) FROM nous_demo.communes$$,
 $$SELECT nous.link_count(nous.contiguity(com_code::bigint, geom, 'rook')) FROM nous_demo.communes$$,
 $$SELECT count(*) FROM nous_demo.communes a JOIN nous_demo.communes b
      ON a.com_code <> b.com_code AND public.ST_Relate(a.geom, b.geom, 'F***1****')$$,
 $$SELECT sum(population) FROM nous_demo.communes$$),
('spatial', 'Moran''s I (W, 999 permutations) of IRIS population on queen weights',
 $$SELECT count(*) FROM nous_demo.iris$$,
 $$WITH w AS MATERIALIZED (SELECT nous.contiguity(iris_code::bigint, geom) AS w FROM nous_demo.iris)
   SELECT nous.moran((SELECT w FROM w), iris_code::bigint, population) FROM nous_demo.iris$$,
 $$WITH l AS MATERIALIZED (SELECT a.iris_code AS i, b.iris_code AS j FROM nous_demo.iris a JOIN nous_demo.iris b
                             ON a.iris_code <> b.iris_code AND public.ST_Touches(a.geom, b.geom)),
        z AS (SELECT iris_code, population - avg(population) OVER () AS z FROM nous_demo.iris),
        w AS (SELECT i, j, 1.0 / count(*) OVER (PARTITION BY i) AS w FROM l)
   SELECT (SELECT count(*) FROM z) / sum(w.w) * sum(w.w * zi.z * zj.z) / (SELECT sum(z * z) FROM z)
     FROM w JOIN z zi ON zi.iris_code = w.i JOIN z zj ON zj.iris_code = w.j$$,
 $$SELECT sum(population) FROM nous_demo.iris$$);
