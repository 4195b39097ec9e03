-- index_catalog: composite indices defined once and computed for a table:
-- score, rank, class, coverage and contributions, checked against
-- nous.composite and plain SQL; failed definitions leave nothing behind.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

CREATE TEMP TABLE areas (id int, epci text, a float8, b float8, c float8);
INSERT INTO areas VALUES
  (1, 'A', 1, 10, 5), (2, 'A', 2, 20, NULL), (3, 'A', 3, NULL, NULL), (4, 'A', 4, 40, 7),
  (5, 'A', 2.5, 12, 6.5), (6, 'B', 10, 1, 1), (7, 'B', 10, 2, 2), (8, 'B', 10, 3, 3),
  (9, 'C', 5, 5, 5), (10, 'B', NULL, NULL, 9);

SELECT nous.define_index('frag', '[{"column": "a", "weight": 2, "label": "unemployment"},
                                   {"column": "b"}, {"column": "c", "polarity": -1}]',
                         classes => 3, description => 'test index');
SELECT name, normalise, aggregate, classes, description FROM nous.index_definitions;
SELECT index_name, position, column_name, weight, polarity, label FROM nous.index_components ORDER BY position;

-- per agglomeration: rank 1 = highest score; classes by rank, 1 = least fragile
-- (A has 5 scores: (rank - 1) x 3 / 5 -> classes 1 1 2 2 3); area 10 has
-- coverage 1/4 < 0.5: no score, no rank, no class
SELECT key, part, round(score::numeric, 6) AS score, rank, class, coverage
  FROM nous.index_compute('frag', 'areas', 'id', 'epci');
-- the score is nous.composite with the stored weights and polarity
SELECT bool_and((i.score IS NULL AND c.s IS NULL) OR abs(i.score - c.s) < 1e-12) AS same_as_composite
  FROM nous.index_compute('frag', 'areas', 'id', 'epci') i
  JOIN (SELECT id::text AS key, nous.composite(ARRAY[a, b, c], '{2,1,1}', '{1,1,-1}') OVER (PARTITION BY epci) s
          FROM areas) c USING (key);
-- with the mean, the contributions add up to the score; coverage matches SQL
SELECT bool_and(abs(i.score - (SELECT sum(v::float8) FROM jsonb_each_text(i.contributions) t(k, v))) < 1e-9) AS contributions_add_up,
       bool_and(i.coverage = (2 * (a IS NOT NULL)::int + (b IS NOT NULL)::int + (c IS NOT NULL)::int) / 4.0) AS coverage_ok
  FROM nous.index_compute('frag', 'areas', 'id', 'epci') i JOIN areas ON id::text = i.key;
SELECT key, contributions FROM nous.index_compute('frag', 'areas', 'id', 'epci') WHERE key IN ('2', '3');
-- one partition for the whole table
SELECT count(*) AS areas, count(score) AS scored, max(rank) AS last_rank, max(class) AS top_class
  FROM nous.index_compute('frag', 'areas', 'id');

-- another index with another method on the same table
SELECT nous.define_index('ranked', '[{"column": "a"}, {"column": "b"}]', 'none', 'rankmean(min_coverage=1)');
SELECT key, score, rank FROM nous.index_compute('ranked', 'areas', 'id', 'epci') WHERE part = 'A';

-- bad definitions and calls: clear errors, nothing half-defined is left
CALL public.expect_error($e$SELECT nous.define_index('frag', '[{"column": "a"}]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('Bad Name', '[{"column": "a"}]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x1', '[]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x2', '{"column": "a"}')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x3', '[{"col": "a"}]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x4', '[{"column": "a", "weight": -1}]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x5', '[{"column": "a", "weight": 0}, {"column": "b", "weight": 0}]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x6', '[{"column": "a", "polarity": 2}]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x7', '[{"column": "a"}, {"column": "a"}]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x8', '[{"column": "a", "weight": "heavy"}]')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x9', '[{"column": "a"}]', 'nope')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x10', '[{"column": "a"}]', 'zscore', 'mean(min_coverage=3)')$e$);
CALL public.expect_error($e$SELECT nous.define_index('x11', '[{"column": "a"}]', classes => 0)$e$);
CALL public.expect_error($e$SELECT nous.define_index(NULL, '[{"column": "a"}]')$e$);
CALL public.expect_error($e$SELECT nous.index_compute('nope', 'areas', 'id')$e$);
CALL public.expect_error($e$SELECT nous.index_compute('frag', 'areas', 'no_such_key')$e$);
CALL public.expect_error($e$SELECT nous.drop_index('nope')$e$);
\set SHOW_CONTEXT never
SELECT count(*) AS definitions, (SELECT count(*) FROM nous.index_components) AS components
  FROM nous.index_definitions;
SELECT nous.define_index('x4', '[{"column": "a", "weight": -1}]');
SELECT nous.define_index('x9', '[{"column": "a"}]', 'nope');
-- a definition referring to a column the table does not have
SELECT nous.define_index('ghost', '[{"column": "a"}, {"column": "unemployment_rate"}]');
SELECT * FROM nous.index_compute('ghost', 'areas', 'id');

-- (issue 15) a wrong key column is named as the key, not blamed on a component
SELECT * FROM nous.index_compute('frag', 'areas', 'no_such_key');
SELECT * FROM nous.index_compute('frag', 'areas', 'id', 'no_such_part');
-- a view computes the index: drop_index refuses (2BP01) and names it;
-- replace => true redefines the index in place and the view follows
CREATE VIEW frag_by_area AS SELECT key, score, class FROM nous.index_compute('frag', 'areas', 'id', 'epci');
CREATE VIEW frag_named AS SELECT * FROM nous.index_compute(name => 'frag', source => 'areas', key_column => 'id');
SELECT view, kind, registered FROM nous.index_users('frag');
SELECT count(*) AS users_of_ranked FROM nous.index_users('ranked');
SELECT nous.drop_index('frag');
SELECT nous.define_index('frag', '[{"column": "a"}]', k => 2);
SELECT nous.define_index('frag', '[{"column": "a"}, {"column": "b"}]', k => 2, replace => true,
                         description => 'redefined');
SELECT name, classes, description FROM nous.index_definitions WHERE name = 'frag';
SELECT index_name, position, column_name FROM nous.index_components WHERE index_name = 'frag' ORDER BY position;
-- two classes now: A's 5 scores -> 1 1 1 2 2 (floor(2 (rank - 1) / 5))
SELECT key, class FROM frag_by_area WHERE key IN ('1', '2', '3', '4', '5') ORDER BY key;
-- k is the number of classes (as in nous.breaks and nous.create_map_view);
-- classes, its 0.1.0 name, is still accepted; both with different values: an error
SELECT nous.define_index('old_name', '[{"column": "a"}]', classes => 4);
SELECT classes FROM nous.index_definitions WHERE name = 'old_name';
SELECT nous.define_index('both', '[{"column": "a"}]', k => 3, classes => 4);
SELECT nous.drop_index('old_name');
DROP VIEW frag_by_area, frag_named;

-- drop: the components go with the definition
SELECT nous.drop_index('ghost'), nous.drop_index('ranked'), nous.drop_index('frag');
SELECT count(*) AS definitions, (SELECT count(*) FROM nous.index_components) AS components
  FROM nous.index_definitions;
