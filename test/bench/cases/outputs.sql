-- Benchmark cases of the outputs module: what a nightly REFRESH of a map view
-- made by nous.create_map_view computes (natural breaks over every square, the
-- class and French label of each, the typed geometry), against what an
-- analyst writes today (quintiles with ntile and labels from the min and max
-- of each class: no natural breaks, which plain SQL cannot compute).
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('outputs', 'map view refresh: natural breaks k = 5, class and label of every square',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$WITH src AS MATERIALIZED (SELECT * FROM (SELECT square_id, com_code, unemployment_rate, geom FROM nous_demo.squares) q),
        lab AS MATERIALIZED (SELECT b.br, b.lo, b.hi,
                       nous.class_labels(CASE WHEN b.br IS NOT NULL THEN b.br[1:cardinality(b.br) - 1] || greatest(b.hi, b.br[cardinality(b.br)]) END,
                                         least(b.lo, b.br[1]), NULL) AS labels
                  FROM (SELECT nous.breaks(s.v, 5, 'fisher') AS br, min(s.v) AS lo, max(s.v) AS hi
                          FROM (SELECT src.unemployment_rate::float8 AS v FROM src) s) b)
   SELECT src.square_id::bigint AS square_id, src.com_code, src.unemployment_rate::float8 AS unemployment_rate, c.class,
          CASE WHEN c.class = 1 THEN least(lab.lo, lab.br[1]) ELSE lab.br[c.class - 1] END AS class_lower,
          CASE WHEN c.class = cardinality(lab.br) THEN greatest(lab.hi, lab.br[c.class]) ELSE lab.br[c.class] END AS class_upper,
          coalesce(lab.labels[c.class], 'non disponible') AS class_label,
          (src.geom)::public.geometry(Polygon, 2154) AS geom
     FROM src CROSS JOIN lab CROSS JOIN LATERAL (SELECT nous.class_of(src.unemployment_rate::float8, lab.br) AS class) c$$,
 $$SELECT square_id, com_code, unemployment_rate, q AS class,
          round(min(unemployment_rate) OVER (PARTITION BY q)::numeric, 3) || ' – ' ||
          round(max(unemployment_rate) OVER (PARTITION BY q)::numeric, 3) AS class_label, geom
     FROM (SELECT *, ntile(5) OVER (ORDER BY unemployment_rate) AS q FROM nous_demo.squares) s$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$);
