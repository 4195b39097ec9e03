-- Benchmark cases of the territory codes: checking every IRIS code, and every
-- EPCI SIREN number with its Luhn key, against the plain SQL an analyst writes
-- today (a regular expression; the Luhn sum with generate_series).
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('territory', 'code_valid of every IRIS code',
 $$SELECT count(*) FROM nous_demo.iris$$,
 $$SELECT count(*) FILTER (WHERE nous.code_valid('iris', iris_code)) FROM nous_demo.iris$$,
 $$SELECT count(*) FILTER (WHERE iris_code ~ '^(0[1-9]|[1-8][0-9]|9[0-5]|2[AB])[0-9]{3}[0-9]{4}$'
                             AND iris_code !~ '^20' AND substr(iris_code, 3, 3) <> '000') FROM nous_demo.iris$$,
 $$SELECT count(iris_code) FROM nous_demo.iris$$),
('territory', 'code_valid of every EPCI SIREN (Luhn key)',
 $$SELECT count(*) FROM nous_demo.epci$$,
 $$SELECT count(*) FILTER (WHERE nous.code_valid('epci', epci_code)) FROM nous_demo.epci$$,
 $$SELECT count(*) FILTER (WHERE epci_code ~ '^[0-9]{9}$' AND
          (SELECT sum(CASE WHEN i % 2 = 0 THEN d ELSE CASE WHEN 2 * d > 9 THEN 2 * d - 9 ELSE 2 * d END END) % 10 = 0
             FROM (SELECT i, substr(reverse(epci_code), i + 1, 1)::int AS d FROM generate_series(0, 8) i) x))
     FROM nous_demo.epci$$,
 $$SELECT count(epci_code) FROM nous_demo.epci$$);
