-- index_agg_state: nous.composite_agg_state, the storable state of
-- nous.composite_agg (issue 14): text and binary forms that round-trip
-- exactly, bad states refused with a DETAIL, the merge (union of rows)
-- equal to one pass, either side NULL.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 1;

-- the state itself, through an aggregate without final function
CREATE AGGREGATE cagg_state(bigint, float8[], float8[], int[], text, text) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE AGGREGATE cagg_state(bigint, float8[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);

CREATE TABLE cs_rows (k bigint, part int, v float8[]);
INSERT INTO cs_rows VALUES
  (3, 1, '{0.1,NULL,-0.0}'), (1, 1, '{0.30000000000000004,2,1e-300}'), (2, 1, '{NULL,NULL,NULL}'),
  (-9007199254740993, 2, '{1.7976931348623157e308,5,0.3333333333333333}'), (7, 2, NULL), (5, 2, '{4.9e-324,6,2}');

-- the text form: version;k;"normalise";"aggregate";weights;polarity;rows
SELECT cagg_state(k, v, '{2,1,0.5}', '{1,-1,1}', 'minmax', 'mean(min_coverage=0.25)') AS s FROM cs_rows \gset
SELECT :'s' AS text_form;
-- exact round trips: text -> state -> text, and the binary form of the
-- state read back equals the binary form of the original
SELECT (:'s'::nous.composite_agg_state)::text = :'s' AS text_round_trip;
SELECT nous.composite_agg_state_send(:'s'::nous.composite_agg_state)
       = nous.composite_agg_state_send(cagg_state(k, v, '{2,1,0.5}', '{1,-1,1}', 'minmax', 'mean(min_coverage=0.25)'))
       AS send_equal
  FROM cs_rows;
-- the binary form through COPY (receive function)
CREATE TABLE cs_store (s nous.composite_agg_state);
INSERT INTO cs_store VALUES (:'s');
DO $$
BEGIN
  EXECUTE format('COPY cs_store TO %L (FORMAT binary)', '/tmp/nous_cs_' || pg_backend_pid() || '.bin');
  EXECUTE format('COPY cs_store FROM %L (FORMAT binary)', '/tmp/nous_cs_' || pg_backend_pid() || '.bin');
END
$$;
SELECT count(*) AS copies, count(DISTINCT s::text) AS distinct_texts, bool_and(s::text = :'s') AS binary_round_trip
  FROM cs_store;
-- the final function reads everything from the stored state: the same
-- result as the aggregate over the rows
SELECT nous.composite_agg_final(s) = (SELECT nous.composite_agg(k, v, '{2,1,0.5}', '{1,-1,1}', 'minmax', 'mean(min_coverage=0.25)')
                                      FROM cs_rows) AS final_from_state
  FROM cs_store LIMIT 1;
-- k unknown (every values array NULL), no weights nor polarity, defaults
SELECT cagg_state(k, NULL::float8[]) FROM (VALUES (1), (2)) t(k);
SELECT cagg_state(k, v)::text::nous.composite_agg_state::text FROM cs_rows WHERE part = 2;

-- merge: the union of the rows, equal to one pass; either side NULL
SELECT nous.composite_agg_final(nous.composite_agg_merge(a.s, b.s))
       = (SELECT nous.composite_agg(k, v) FROM cs_rows) AS merge_equals_one_pass,
       nous.composite_agg_final(nous.composite_agg_merge(b.s, a.s))
       = (SELECT nous.composite_agg(k, v) FROM cs_rows) AS either_order,
       nous.composite_agg_merge(a.s, NULL)::text = a.s::text AS right_null,
       nous.composite_agg_merge(NULL, b.s)::text = b.s::text AS left_null,
       nous.composite_agg_merge(NULL, NULL) IS NULL AS both_null
  FROM (SELECT cagg_state(k, v) AS s FROM cs_rows WHERE part = 1) a,
       (SELECT cagg_state(k, v) AS s FROM cs_rows WHERE part = 2) b;
-- rollup of stored states per part, merged for everything
CREATE TABLE cs_parts AS SELECT part, cagg_state(k, v, '{1,1,1}', '{1,1,-1}', 'zscore', 'mean') AS s FROM cs_rows GROUP BY part;
SELECT nous.composite_agg_final(cagg_merge_all) = (SELECT nous.composite_agg(k, v, '{1,1,1}', '{1,1,-1}', 'zscore', 'mean') FROM cs_rows)
       AS rollup_equals_one_pass
  FROM (SELECT nous.composite_agg_merge(a.s, b.s) AS cagg_merge_all
          FROM cs_parts a, cs_parts b WHERE a.part = 1 AND b.part = 2) m;

-- parallel equals serial on generated rows, with the state crossing Gather
CREATE TABLE cs_gen AS
SELECT i::bigint AS k, i % 5 AS g,
       ARRAY[CASE WHEN i % 11 = 0 THEN NULL ELSE sin(i) END, cos(i * 0.7), (i % 17)::float8] AS v
  FROM generate_series(1, 20000) i;
ANALYZE cs_gen;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE cs_serial AS
SELECT g, nous.composite_agg(k, v, NULL, '{1,-1,1}') AS r FROM cs_gen GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
-- the plan: partial aggregates in the workers, gathered, then finalized
CREATE FUNCTION pg_temp.cs_plan_has(q text, what text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    IF l LIKE '%' || what || '%' THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END
$$;
SELECT pg_temp.cs_plan_has(q, 'Partial') AS partial, pg_temp.cs_plan_has(q, 'Gather') AS gather,
       pg_temp.cs_plan_has(q, 'Finalize') AS finalize
  FROM (VALUES ('SELECT g, nous.composite_agg(k, v, NULL, ''{1,-1,1}'') FROM cs_gen GROUP BY g')) v(q);
SELECT count(*) AS groups, bool_and(p.r = s.r) AS parallel_equals_serial
  FROM (SELECT g, nous.composite_agg(k, v, NULL, '{1,-1,1}') AS r FROM cs_gen GROUP BY g) p JOIN cs_serial s USING (g);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- bad states: 22P02 (text) with a DETAIL saying what is wrong
SELECT '2;1;"zscore";"mean";NULL;NULL;{}'::nous.composite_agg_state;
SELECT '1;0;"zscore";"mean";NULL;NULL;{}'::nous.composite_agg_state;
SELECT '1;2;"zscore";"mean";{1,-1};NULL;{}'::nous.composite_agg_state;
SELECT '1;2;"zscore";"mean";{0,0};NULL;{}'::nous.composite_agg_state;
SELECT '1;2;"zscore";"mean";NULL;{1,2};{}'::nous.composite_agg_state;
SELECT '1;-1;"zscore";"mean";{1};NULL;{}'::nous.composite_agg_state;
SELECT '1;2;"zscore";"mean";NULL;NULL;{(1,2)}'::nous.composite_agg_state;
SELECT '1;2;"zscore";"mean";NULL;NULL;{(1,2,Infinity)}'::nous.composite_agg_state;
SELECT format('1;2;"%s";"mean";NULL;NULL;{}', repeat('z', 256))::nous.composite_agg_state;
SELECT '1;2;"zscore;"mean";NULL;NULL;{}'::nous.composite_agg_state;
SELECT '1;2;"zscore";"mean";NULL;NULL;{(1,2,3)} x'::nous.composite_agg_state;
SELECT '1;2;"zscore";"mean";NULL;NULL;{(99999999999999999999,2,3)}'::nous.composite_agg_state;
-- merging states of different parameters: 22023
SELECT nous.composite_agg_merge(a.s, b.s)
  FROM (SELECT cagg_state(k, v, '{1,1,1}', NULL, 'zscore', 'mean') AS s FROM cs_rows WHERE part = 1) a,
       (SELECT cagg_state(k, v, '{1,2,1}', NULL, 'zscore', 'mean') AS s FROM cs_rows WHERE part = 2) b;
SELECT nous.composite_agg_merge(a.s, b.s)
  FROM (SELECT cagg_state(k, v, NULL, NULL, 'zscore', 'mean') AS s FROM cs_rows WHERE part = 1) a,
       (SELECT cagg_state(k, v, NULL, NULL, 'minmax', 'mean') AS s FROM cs_rows WHERE part = 2) b;
-- a stored state continued by the transition (here the initial state of an
-- aggregate): its rows stay, the arguments must agree with its own
CREATE AGGREGATE cagg_cont(bigint, float8[], float8[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state, FINALFUNC = nous.composite_agg_final,
  INITCOND = '1;3;"zscore";"mean";{1,1,1};NULL;{(100,1,2,3)}');
SELECT cagg_cont(k, v, '{1,1,1}')
       = (SELECT nous.composite_agg(k, v, '{1,1,1}')
            FROM (SELECT k, v FROM cs_rows WHERE part = 1 UNION ALL SELECT 100, '{1,2,3}') t) AS continued
  FROM cs_rows WHERE part = 1;
SELECT cagg_cont(k, v, '{1,2,1}') FROM cs_rows WHERE part = 1;
DROP AGGREGATE cagg_cont(bigint, float8[], float8[]);

DROP TABLE cs_rows, cs_store, cs_parts, cs_gen;
DROP AGGREGATE cagg_state(bigint, float8[], float8[], int[], text, text);
DROP AGGREGATE cagg_state(bigint, float8[]);
