-- registry_checks: the cost of checking registered methods (doc/registry.md).
-- Not a case of the harness: it needs a user method of its own.  Run it with
--   psql -X -d <a database with nous> -f test/bench/registry_checks.sql
-- once per build to compare (e.g. 0.1.0 and 0.2.0 libraries swapped in the
-- same cluster, new sessions load the new file); it prints \timing figures:
--   1-3. 1e5 calls of nous.normalise on 10 values (per-call cost: the checks
--        are two comparisons when nothing changed);
--   4.   the SQL function itself (inlined by the planner: the floor);
--   5-6. one call on 1e6 values;
--   7-8. 5,000 queries of one call each (per-query cost: lookup and checks).
-- It leaves nothing behind (schema nous_bench_reg, the method unregistered).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS nous_bench_reg CASCADE;
CREATE SCHEMA nous_bench_reg;
CREATE TABLE nous_bench_reg.vec AS
  SELECT g, ARRAY(SELECT (g * 10 + i)::float8 FROM generate_series(1, 10) i) AS v
    FROM generate_series(1, 100000) g;
CREATE TABLE nous_bench_reg.big AS SELECT array_agg(g::float8) AS v FROM generate_series(1, 1000000) g;
CREATE FUNCTION nous_bench_reg.ident(v float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT v';
DELETE FROM nous.method_catalog WHERE family = 'normalisation' AND name = 'bench_reg_ident';
SELECT nous.register_method('normalisation', 'bench_reg_ident', 'nous_bench_reg.ident(float8[])');
SET max_parallel_workers_per_gather = 0;
\timing on
SELECT sum(cardinality(nous.normalise(v, 'bench_reg_ident'))) FROM nous_bench_reg.vec;
SELECT sum(cardinality(nous.normalise(v, 'bench_reg_ident'))) FROM nous_bench_reg.vec;
SELECT sum(cardinality(nous.normalise(v, 'bench_reg_ident'))) FROM nous_bench_reg.vec;
SELECT sum(cardinality(nous_bench_reg.ident(v))) FROM nous_bench_reg.vec;
SELECT cardinality(nous.normalise(v, 'bench_reg_ident')) FROM nous_bench_reg.big;
SELECT cardinality(nous.normalise(v, 'bench_reg_ident')) FROM nous_bench_reg.big;
DO $$ DECLARE i int; r float8[]; BEGIN
  FOR i IN 1..5000 LOOP
    EXECUTE 'SELECT nous.normalise(''{1,2,3}''::float8[], ''bench_reg_ident'')' INTO r;
  END LOOP; END $$;
DO $$ DECLARE i int; r float8[]; BEGIN
  FOR i IN 1..5000 LOOP
    EXECUTE 'SELECT nous.normalise(''{1,2,3}''::float8[], ''bench_reg_ident'')' INTO r;
  END LOOP; END $$;
\timing off
SELECT nous.unregister_method('normalisation', 'bench_reg_ident');
DROP SCHEMA nous_bench_reg CASCADE;
