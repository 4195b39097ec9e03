-- test/citus/bench.sql — one node (schema loc) against the Citus cluster
-- (schema dist) for the flows, the segregation indices, the allocation rules
-- and the fragility index: bytes moved from the workers to the coordinator,
-- and time (median of 3 runs).  Run by citus_bench in scripts/citus.sh after
-- setup.sql and harness.sql.  On one 2-core machine Citus can only add
-- overhead: the figures say what moves, not a speed-up.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET citus.enable_ddl_propagation = off;
DROP SCHEMA IF EXISTS citus_bench CASCADE;
CREATE SCHEMA citus_bench;

-- median time of 3 runs of q, in ms
CREATE FUNCTION citus_bench.ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t timestamptz; d float8[] := '{}';
BEGIN
  FOR i IN 1 .. 3 LOOP
    t := clock_timestamp();
    -- every column read (count(*) alone lets the planner drop the aggregate)
    EXECUTE 'SELECT sum(length(x::text)) FROM (' || q || ') x';
    d := d || extract(epoch FROM clock_timestamp() - t) * 1000;
  END LOOP;
  RETURN (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(d) x);
END $$;

-- bytes the coordinator received, from EXPLAIN ANALYZE ("Tuple data received
-- from nodes"); NULL where Citus 13 cannot EXPLAIN ANALYZE (partial custom
-- aggregates, Citus issue 4043: then the error's SQLSTATE); Citus prints
-- the size rounded by pg_size_pretty
CREATE FUNCTION citus_bench.received(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; n text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF l ~ 'Tuple data received from nodes: ' THEN
      n := substring(l FROM 'received from nodes: ([0-9]+ [a-zA-Z]+)');
    END IF;
  END LOOP;
  RETURN n;
EXCEPTION WHEN OTHERS THEN
  RETURN 'fails (' || SQLSTATE || ')';
END $$;

-- bytes of the partial states the workers send (worker_partial_agg returns
-- the state in its text form, one per shard and group): the state
-- aggregate run on the coordinator's copy of the data (schema loc), grouped
-- by the shard each row lives in on the cluster, its text measured
CREATE FUNCTION citus_bench.partial_bytes(tbl text, state_call text, grp text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT coalesce(sum(octet_length(s::text)), 0)
                    FROM (SELECT %s AS s FROM loc.%I
                           GROUP BY get_shard_id_for_distribution_column(%L, epci_code)%s) x',
                 state_call, tbl, 'dist.' || tbl, CASE WHEN grp IS NULL THEN '' ELSE ', ' || grp END)
    INTO n;
  RETURN n;
END $$;

-- aggregates that return the state of nous's aggregates whose state has no
-- aggregate of its own (coordinator only: partial_bytes runs locally)
CREATE AGGREGATE citus_bench.quantile_state(float8) (
  SFUNC = nous.first_quartile_trans, STYPE = nous.quantile_state);
CREATE AGGREGATE citus_bench.allocation_mix_state(boolean, float8, boolean, float8) (
  SFUNC = nous.allocation_mix_trans, STYPE = float8[]);
CREATE AGGREGATE citus_bench.breaks_state(float8, int4) (
  SFUNC = nous.breaks_trans, STYPE = nous.breaks_state);
CREATE AGGREGATE citus_bench.composite_agg_state(bigint, float8[], float8[], int[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state);
CREATE AGGREGATE citus_bench.weights_state(text, text) (
  SFUNC = nous.weights_transfn, STYPE = nous.text_weights);
CREATE AGGREGATE citus_bench.contiguity_state(bigint, geometry) (
  SFUNC = nous.contiguity_transfn, STYPE = nous.geom_rows);
CREATE AGGREGATE citus_bench.autocorrelation_state(nous.weights, bigint, float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state);

CREATE TABLE citus_bench.results (
  what text, query text, plan text, explain_analyze text, partial_bytes bigint,
  rows_bytes bigint, ms_one_node float8, ms_citus float8);

-- q: the query over %s (schema-qualified table); state_call: the state
-- aggregate of a partial plan (NULL for the others)
CREATE FUNCTION citus_bench.run(what text, tbl text, call text, state_call text, grp text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  ql text := format('SELECT %s%s FROM loc.%I%s', CASE WHEN grp IS NULL THEN '' ELSE grp || ', ' END, call, tbl,
                    CASE WHEN grp IS NULL THEN '' ELSE ' GROUP BY ' || grp END);
  qd text := replace(ql, 'loc.', 'dist.');
  k text := citus_test.kind(citus_test.plan(qd));
  b bigint;
  rb bigint;
BEGIN
  IF k = 'partial' THEN
    b := citus_bench.partial_bytes(tbl, state_call, grp);
  END IF;
  -- for scale: the raw rows of the aggregate's columns, as row-gather ships them
  EXECUTE format('SELECT sum(pg_column_size(t.*)) FROM (SELECT %s FROM loc.%I) t',
                 regexp_replace(regexp_replace(call, '^[a-z_.]+\((.*)\)$', '\1'), '''[^'']*''(::[a-z_.]+)?', 'NULL', 'g'), tbl) INTO rb;
  INSERT INTO citus_bench.results VALUES
    (what, qd, k, citus_bench.received(qd), b, rb, citus_bench.ms(ql), citus_bench.ms(qd));
END $$;
RESET citus.enable_ddl_propagation;

SELECT citus_bench.run('flows: national OD matrix', 'moves',
  'nous.flow_matrix(origin_com, destination_com, weight)', 'nous.flow_matrix(origin_com, destination_com, weight)');
SELECT citus_bench.run('flows: per EPCI', 'moves',
  'nous.flow_matrix(origin_com, destination_com, weight)', NULL, 'epci_code');
SELECT citus_bench.run('segregation: dissimilarity of poor households', 'squares',
  'nous.dissimilarity(poor_households, households)', 'nous.mixpairs_agg(poor_households, households)');
SELECT citus_bench.run('segregation: mutual information, income quartiles by IRIS', 'moves',
  'nous.mutual_information(destination_iris, income_quartile::text, weight)',
  'nous.mixcounts_agg(destination_iris, income_quartile::text, weight)');
SELECT citus_bench.run('allocation rules: first quartile of applicants', 'applications',
  'nous.first_quartile(income_uc)', 'citus_bench.quantile_state(income_uc)');
SELECT citus_bench.run('allocation rules: allocation_mix', 'allocations',
  'nous.allocation_mix(in_qpv, income_uc, renewal, threshold)',
  'citus_bench.allocation_mix_state(in_qpv, income_uc, renewal, threshold)');
SELECT citus_bench.run('allocation rules: allocation_mix per EPCI', 'allocations',
  'nous.allocation_mix(in_qpv, income_uc, renewal, threshold)', NULL, 'epci_code');
SELECT citus_bench.run('fragility index: composite_agg, 3 indicators', 'squares',
  'nous.composite_agg(square_id, ARRAY[median_income_uc, unemployment_rate, no_diploma_rate], ''{2,1,1}'', ''{-1,1,1}'')',
  'citus_bench.composite_agg_state(square_id, ARRAY[median_income_uc, unemployment_rate, no_diploma_rate], ''{2,1,1}'', ''{-1,1,1}'')');
SELECT citus_bench.run('fragility index: composite_agg per EPCI', 'squares',
  'nous.composite_agg(square_id, ARRAY[median_income_uc, unemployment_rate, no_diploma_rate], ''{2,1,1}'', ''{-1,1,1}'')', NULL, 'epci_code');

SELECT citus_bench.run('fragility index: two steps, step 1 (composite_params)', 'squares',
  'nous.composite_params(ARRAY[median_income_uc, unemployment_rate, no_diploma_rate], ''{-1,1,1}'')',
  'nous.composite_params(ARRAY[median_income_uc, unemployment_rate, no_diploma_rate], ''{-1,1,1}'')');
SELECT citus_bench.run('breaks: natural breaks of the unemployment rate', 'squares',
  'nous.breaks(unemployment_rate, 5)', 'citus_bench.breaks_state(unemployment_rate, 5)');

SELECT citus_bench.run('weights: links between IRIS from the moves', 'moves',
  'nous.weights(origin_iris, nullif(destination_iris, origin_iris))',
  'citus_bench.weights_state(origin_iris, nullif(destination_iris, origin_iris))');
SELECT citus_bench.run('weights: queen contiguity of the IRIS', 'iris',
  'nous.contiguity(iris_id, geom)', 'citus_bench.contiguity_state(iris_id, geom)');
-- the weights as a scalar subquery over the coordinator's copy in both
-- queries (schema loc is rewritten to dist in the distributed one: the
-- literal keeps it apart)
CREATE TABLE citus_bench.w AS SELECT nous.contiguity(iris_id, geom) AS w FROM loc.iris;
SELECT citus_bench.run('spatial: one-step Moran''s I of the IRIS', 'iris',
  'nous.moran((SELECT w FROM citus_bench.w), iris_id, value)',
  'citus_bench.autocorrelation_state((SELECT w FROM citus_bench.w), iris_id, value)');

\pset pager off
SELECT what, plan, explain_analyze AS "received (EXPLAIN ANALYZE)",
       partial_bytes AS "partial states (bytes)", rows_bytes AS "raw rows (bytes)",
       round(ms_one_node::numeric, 1) AS ms_one_node, round(ms_citus::numeric, 1) AS ms_citus
  FROM citus_bench.results;
