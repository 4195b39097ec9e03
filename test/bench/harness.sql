-- test/bench/harness.sql — the benchmark runner (schema nous_bench).
-- Each test/bench/cases/*.sql inserts rows into nous_bench.cases; run.sh then
-- calls nous_bench.run(reps), which times every case's three queries in the
-- same session, interleaved rep by rep, and reports medians and ratios.
DROP SCHEMA IF EXISTS nous_bench CASCADE;
CREATE SCHEMA nous_bench;

CREATE TABLE nous_bench.cases (
  name      text PRIMARY KEY,          -- what is measured
  rows_sql  text NOT NULL,             -- a query returning the number of input rows
  nous_sql  text NOT NULL,             -- the nous way
  plain_sql text NOT NULL,             -- the plain SQL an analyst writes today
  floor_sql text NOT NULL,             -- the scan floor: a plain sum() over the same rows
  settings  text NOT NULL DEFAULT '',  -- GUCs for this case: 'a=1, b=2'
  module    text NOT NULL DEFAULT ''   -- which module the case belongs to
);

-- Execution time of one query in ms: EXPLAIN ANALYZE runs it to the end and
-- discards its rows (nothing is sent to the client, and no output column can
-- be optimised away as it could be inside SELECT count(*) FROM (…)).
CREATE FUNCTION nous_bench.time_ms(q text) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 ->> 'Execution Time')::float8 + (plan -> 0 ->> 'Planning Time')::float8;
END
$$;

CREATE FUNCTION nous_bench.median(float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM unnest($1) x
$$;

CREATE FUNCTION nous_bench.apply_settings(s text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  kv text;
BEGIN
  FOREACH kv IN ARRAY string_to_array(s, ',') LOOP
    CONTINUE WHEN btrim(kv) = '';
    PERFORM set_config(btrim(split_part(kv, '=', 1)), btrim(split_part(kv, '=', 2)), false);
  END LOOP;
END
$$;

CREATE FUNCTION nous_bench.run(reps int DEFAULT 5, only_cases text DEFAULT NULL)
RETURNS TABLE (name text, rows bigint, nous_ms float8, plain_ms float8,
               floor_ms float8, plain_over_nous float8, nous_over_floor float8)
LANGUAGE plpgsql AS $$
DECLARE
  c  nous_bench.cases%ROWTYPE;
  tn float8[]; tp float8[]; tf float8[];
  r  int;
BEGIN
  FOR c IN SELECT * FROM nous_bench.cases
            WHERE only_cases IS NULL OR cases.name ~ only_cases OR cases.module = only_cases
            ORDER BY module, cases.name LOOP
    RESET ALL;
    PERFORM nous_bench.apply_settings(c.settings);
    EXECUTE c.rows_sql INTO rows;
    -- one warm-up of each, then reps timed runs, interleaved
    PERFORM nous_bench.time_ms(c.nous_sql);
    PERFORM nous_bench.time_ms(c.plain_sql);
    PERFORM nous_bench.time_ms(c.floor_sql);
    tn := '{}'; tp := '{}'; tf := '{}';
    FOR r IN 1 .. reps LOOP
      tn := tn || nous_bench.time_ms(c.nous_sql);
      tp := tp || nous_bench.time_ms(c.plain_sql);
      tf := tf || nous_bench.time_ms(c.floor_sql);
    END LOOP;
    name := c.name;
    nous_ms := round(nous_bench.median(tn)::numeric, 1);
    plain_ms := round(nous_bench.median(tp)::numeric, 1);
    floor_ms := round(nous_bench.median(tf)::numeric, 1);
    plain_over_nous := round((nous_bench.median(tp) / nous_bench.median(tn))::numeric, 2);
    nous_over_floor := round((nous_bench.median(tn) / nous_bench.median(tf))::numeric, 2);
    -- progress, in case a long run is interrupted
    RAISE NOTICE 'bench: % | % rows | nous % ms | plain % ms | floor % ms | plain/nous % | nous/floor %',
      name, rows, nous_ms, plain_ms, floor_ms, plain_over_nous, nous_over_floor;
    RETURN NEXT;
  END LOOP;
  RESET ALL;
END
$$;
