-- Benchmark cases of the normalisation family: z-scores of one indicator of
-- every 200 m square, per EPCI, against the plain-SQL window-function way.
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('normalise', 'normalise zscore, one vector per EPCI',
 $$SELECT count(*) FROM nous_demo.squares$$,
 -- nous: collect each EPCI's values, normalise the vector, unnest
 $$SELECT s.epci_code, z
     FROM (SELECT epci_code, nous.normalise(array_agg(unemployment_rate), 'zscore') zs
             FROM nous_demo.squares GROUP BY epci_code) s,
          unnest(s.zs) z$$,
 -- plain SQL: avg and stddev window functions over the same partitions
 $$SELECT epci_code,
          (unemployment_rate - avg(unemployment_rate) OVER w) / stddev(unemployment_rate) OVER w
     FROM nous_demo.squares WINDOW w AS (PARTITION BY epci_code)$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$),
('normalise', 'normalise percentile rank, one vector per EPCI',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT s.epci_code, p
     FROM (SELECT epci_code, nous.normalise(array_agg(unemployment_rate), 'percentile(ties=min)') ps
             FROM nous_demo.squares GROUP BY epci_code) s,
          unnest(s.ps) p$$,
 $$SELECT epci_code, 100 * percent_rank() OVER (PARTITION BY epci_code ORDER BY unemployment_rate)
     FROM nous_demo.squares WHERE unemployment_rate IS NOT NULL$$,
 $$SELECT sum(unemployment_rate) FROM nous_demo.squares$$);
