-- test/citus/harness.sql — the checks of the Citus suite, as functions of a
-- schema citus_test on the coordinator (created with DDL propagation off:
-- the workers never need them).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET citus.enable_ddl_propagation = off;
DROP SCHEMA IF EXISTS citus_test CASCADE;
CREATE SCHEMA citus_test;

-- same(a, b, rtol): the two texts are equal once every number in them is
-- compared to relative tolerance rtol (float sums in another order differ
-- in the last bits: Citus adds the workers' partial sums on the coordinator)
CREATE FUNCTION citus_test.same(a text, b text, rtol float8) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  num constant text := '-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?';
  na text[]; nb text[]; x float8; y float8;
BEGIN
  IF a IS NOT DISTINCT FROM b THEN RETURN true; END IF;
  IF a IS NULL OR b IS NULL THEN RETURN false; END IF;
  IF regexp_replace(a, num, '#', 'g') <> regexp_replace(b, num, '#', 'g') THEN RETURN false; END IF;
  na := ARRAY(SELECT m[1] FROM regexp_matches(a, '(' || num || ')', 'g') m);
  nb := ARRAY(SELECT m[1] FROM regexp_matches(b, '(' || num || ')', 'g') m);
  FOR i IN 1 .. coalesce(array_length(na, 1), 0) LOOP
    CONTINUE WHEN na[i] = nb[i];
    x := na[i]::float8; y := nb[i]::float8;
    IF abs(x - y) > rtol * greatest(abs(x), abs(y)) THEN RETURN false; END IF;
  END LOOP;
  RETURN true;
END $$;

-- canon(t): a nous.mixpairs keeps its areas in the order it met them (the
-- order of the rows, then of the partial states): sort the (group, total)
-- pairs before comparing
CREATE FUNCTION citus_test.canon(t text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(t, '\((-?[0-9.eE+-]+),(-?[0-9.eE+-]+)\)', '', 'g') || ' pairs: ' ||
         coalesce((SELECT string_agg(m[1], ',' ORDER BY m[1])
                     FROM regexp_matches(t, '(\(-?[0-9.eE+-]+,-?[0-9.eE+-]+\))', 'g') m), '')
$$;

-- result(q): the rows of q as one text (sorted), or the error it raised
CREATE FUNCTION citus_test.result(q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT string_agg(r::text, E''\n'' ORDER BY r::text) FROM (%s) r', q) INTO r;
  RETURN coalesce(r, '(no row)');
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- plan(q): EXPLAIN (VERBOSE, COSTS OFF) of q (never EXPLAIN ANALYZE: Citus
-- 13 cannot EXPLAIN ANALYZE a partial custom aggregate, Citus issue 4043)
CREATE FUNCTION citus_test.plan(q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r text; l text;
BEGIN
  r := '';
  FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP
    r := r || l || E'\n';
  END LOOP;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- kind(plan): how Citus ran the aggregate
--   partial    worker_partial_agg on the workers, coord_combine_agg on the coordinator
--   pushdown   the whole aggregate in the worker query, nothing aggregated on the coordinator
--   row-gather the workers ship the rows, the coordinator aggregates them all
CREATE FUNCTION citus_test.kind(plan text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE coord text;
BEGIN
  IF plan LIKE 'ERROR%' THEN RETURN plan; END IF;
  coord := split_part(plan, 'Custom Scan (Citus', 1);
  IF plan LIKE '%worker_partial_agg%' AND plan LIKE '%coord_combine_agg%' THEN RETURN 'partial'; END IF;
  IF coord NOT LIKE '%Aggregate%' AND plan LIKE '%Aggregate%' THEN RETURN 'pushdown'; END IF;
  IF coord LIKE '%Aggregate%' AND coord ~ 'Output: .*nous\.' THEN RETURN 'row-gather'; END IF;
  RETURN 'other';
END $$;

CREATE TABLE citus_test.results (
  signature text PRIMARY KEY, stype text, storable boolean,
  plan_all text, plan_g text, plan_epci text,
  same_all boolean, same_g boolean, same_epci boolean,
  loc_all text, dist_all text, note text);

-- check(signature, tbl, call): the three query shapes on loc and on dist
CREATE FUNCTION citus_test.check(sig text, tbl text, call text, w text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  c text := replace(call, '%W%', w);
  shapes constant text[] := ARRAY['SELECT %s FROM %s.%I',
                                  'SELECT g, %s FROM %s.%I GROUP BY g',
                                  'SELECT epci_code, %s FROM %s.%I GROUP BY epci_code'];
  st regtype;
  rt regtype;
  kinds text[] := '{}';
  sames boolean[] := '{}';
  rl text; rd text; rl1 text; rd1 text;
BEGIN
  SELECT a.aggtranstype::regtype, p.prorettype::regtype INTO st, rt
    FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid WHERE a.aggfnoid = sig::regprocedure;
  FOR i IN 1 .. 3 LOOP
    rl := citus_test.result(format(shapes[i], c, 'loc', tbl));
    rd := citus_test.result(format(shapes[i], c, 'dist', tbl));
    IF rt = 'nous.mixpairs'::regtype THEN
      rl := citus_test.canon(rl); rd := citus_test.canon(rd);
    END IF;
    IF i = 1 THEN rl1 := rl; rd1 := rd; END IF;
    -- an error on both sides: the same error (its message may name the first
    -- group that failed, which depends on the order the groups come in)
    IF rl LIKE 'ERROR %' AND rd LIKE 'ERROR %' THEN
      sames := sames || (left(rl, 11) = left(rd, 11));
    ELSE
      sames := sames || citus_test.same(rl, rd, 1e-12);
    END IF;
    kinds := kinds || citus_test.kind(citus_test.plan(format(shapes[i], c, 'dist', tbl)));
  END LOOP;
  INSERT INTO citus_test.results VALUES
    (sig, st::text, (SELECT t.typtype <> 'p' FROM pg_type t WHERE t.oid = st),
     kinds[1], kinds[2], kinds[3], sames[1], sames[2], sames[3],
     left(rl1, 200), left(rd1, 200), NULL);
END $$;
RESET citus.enable_ddl_propagation;
