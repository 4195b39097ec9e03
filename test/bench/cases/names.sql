-- Benchmark cases of place names: keys of every commune name, and matching
-- each EPCI's communes against their names in capitals, against the plain
-- SQL an analyst writes today (translate() of the French accented letters,
-- regexp_replace of punctuation, an exact join).
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('names', 'name_key of every commune name',
 $$SELECT count(*) FROM nous_demo.communes$$,
 $$SELECT nous.name_key(name) FROM nous_demo.communes$$,
 $$SELECT lower(regexp_replace(translate(name, 'ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿ',
                                         'AAACEEEEIIOOUUUYaaaceeeeiioouuuy'), '[^A-Za-z0-9]+', ' ', 'g'))
     FROM nous_demo.communes$$,
 $$SELECT sum(length(name)) FROM nous_demo.communes$$),
('names', 'name_match of each EPCI''s communes against their names in capitals',
 $$SELECT count(*) FROM nous_demo.communes$$,
 $$SELECT m.a_code, m.b_code, m.uncertain
     FROM (SELECT epci_code, array_agg(com_code) c, array_agg(name) n
             FROM nous_demo.communes GROUP BY epci_code) e,
          LATERAL nous.name_match(e.c, e.n, e.c, ARRAY(SELECT upper(x) FROM unnest(e.n) x)) m$$,
 -- plain SQL: exact join within the EPCI on an accent-stripped lower-case form
 $$WITH k AS (SELECT com_code, epci_code,
                     lower(translate(name, 'ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿ',
                                     'AAACEEEEIIOOUUUYaaaceeeeiioouuuy')) a,
                     lower(translate(upper(name), 'ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ', 'AAACEEEEIIOOUUUY')) b
                FROM nous_demo.communes)
   SELECT x.com_code, y.com_code FROM k x JOIN k y ON x.epci_code = y.epci_code AND x.a = y.b$$,
 $$SELECT sum(length(name)) FROM nous_demo.communes$$);
