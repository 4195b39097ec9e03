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
      ON a.com_code <> b.com_code AND a.geom OPERATOR(public.&&) b.geom
     AND public.ST_Relate(a.geom, b.geom, 'F***1****')$$,
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
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('spatial', 'local Moran (LISA, 999 conditional permutations) of square unemployment on queen weights of the squares of EPCI 1',
 $$SELECT count(*) FROM nous_demo.squares WHERE epci_code = (SELECT min(epci_code) FROM nous_demo.squares)$$,
 $$WITH s AS MATERIALIZED (SELECT square_id, geom, coalesce(unemployment_rate, 0) AS v FROM nous_demo.squares
                            WHERE epci_code = (SELECT min(epci_code) FROM nous_demo.squares)),
        w AS MATERIALIZED (SELECT nous.contiguity(square_id, geom) AS w FROM s)
   SELECT count(*) FROM (SELECT unnest(nous.local_moran((SELECT w FROM w), square_id, v, 'islands=keep')) FROM s) l$$,
 $$WITH s AS MATERIALIZED (SELECT square_id, geom, coalesce(unemployment_rate, 0) AS v FROM nous_demo.squares
                            WHERE epci_code = (SELECT min(epci_code) FROM nous_demo.squares)),
        m AS (SELECT avg(v) AS m, count(*) AS n, var_pop(v) AS m2 FROM s),
        z AS (SELECT square_id, v - m.m AS z, m.m2 FROM s, m),
        l AS (SELECT a.square_id AS i, b.square_id AS j FROM s a JOIN s b
                ON a.square_id <> b.square_id AND public.ST_Touches(a.geom, b.geom))
   SELECT count(*) FROM (SELECT zi.square_id, zi.z / max(zi.m2) * avg(zj.z) AS ii
                           FROM l JOIN z zi ON zi.square_id = l.i JOIN z zj ON zj.square_id = l.j
                          GROUP BY zi.square_id, zi.z) q  -- Ii only: no moments, no permutations$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares WHERE epci_code = (SELECT min(epci_code) FROM nous_demo.squares)$$);
-- text ids (issue 15): Moran's I in two steps on the queen weights of the
-- squares keyed by text codes ('CRS3035RES200m' || id, as INSEE square ids)
-- against the same statistic keyed by bigint ids; the weights are built
-- once, here, out of the timed queries.  plain/nous is bigint time / text time.
DROP TABLE IF EXISTS nous_bench.spatial_text_w;
CREATE TABLE nous_bench.spatial_text_w AS
  SELECT nous.contiguity('CRS3035RES200m' || square_id, geom) AS tw, nous.contiguity(square_id, geom) AS bw
    FROM nous_demo.squares;
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('spatial', 'Moran''s I (two steps, 99 permutations) of square unemployment with text ids (plain SQL: the same with bigint ids)',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT (nous.moran((SELECT tw FROM nous_bench.spatial_text_w),
                      nous.area_values('CRS3035RES200m' || square_id, unemployment_rate),
                      'missing=drop, islands=keep, permutations=99')).i FROM nous_demo.squares$$,
 $$SELECT (nous.moran((SELECT bw FROM nous_bench.spatial_text_w),
                      nous.area_values(square_id, unemployment_rate),
                      'missing=drop, islands=keep, permutations=99')).i FROM nous_demo.squares$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$);
