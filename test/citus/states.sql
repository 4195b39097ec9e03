-- test/citus/states.sql — (c) of the Citus suite for every storable state
-- type of nous (issue 14): for each type, one aggregate of test/citus/cases.sql
-- whose state it is gives one state per EPCI on the coordinator's local copy;
-- the states are inserted into a distributed column (they travel to the
-- shards in their text form), read back (the same text), and merged by an
-- aggregate over the column (partial merges on the workers, the final merge
-- on the coordinator): the final function of the merged states equals the
-- same on one node.  Run after harness.sql and cases.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- the state aggregates run on the coordinator only (their schema stays local)
SET citus.enable_ddl_propagation = off;
CREATE TABLE citus_test.state_results (
  stype text PRIMARY KEY, signature text, groups bigint, text_same boolean,
  merge_plan text, merged_same boolean, merged text);

-- args_of(call, fname): the arguments of the call of fname in call (the
-- text between its parentheses)
CREATE FUNCTION citus_test.args_of(call text, fname text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  s int := strpos(call, fname || '(');
  i int;
  depth int := 0;
  q boolean := false;
  ch text;
BEGIN
  IF s = 0 THEN RETURN NULL; END IF;
  i := s + length(fname);
  LOOP
    ch := substr(call, i, 1);
    IF ch = '' THEN RETURN NULL; END IF;
    IF ch = '''' THEN q := NOT q;
    ELSIF NOT q AND ch = '(' THEN depth := depth + 1;
    ELSIF NOT q AND ch = ')' THEN
      depth := depth - 1;
      IF depth = 0 THEN RETURN substr(call, s + length(fname) + 1, i - s - length(fname) - 1); END IF;
    END IF;
    i := i + 1;
  END LOOP;
END $$;
RESET citus.enable_ddl_propagation;

-- the merge aggregates must exist on the workers: a schema of their own,
-- created with DDL propagation on
DROP SCHEMA IF EXISTS citus_states CASCADE;
CREATE SCHEMA citus_states;

DO $do$
DECLARE
  c record;
  t text;
  args text;
  extra text;
  fin text;
  la text; da text; lm text; dm text;
  w text;
BEGIN
  -- the weights of the cases (%W%): queen contiguity of the IRIS
  SELECT quote_literal(nous.contiguity(iris_id, geom)::text) || '::nous.weights' INTO w FROM loc.iris;
  FOR c IN
    SELECT DISTINCT ON (a.aggtranstype)
           a.aggtranstype::regtype AS stype, ty.typname, k.signature, k.tbl, k.call,
           a.aggtransfn::regproc AS transfn, a.aggcombinefn::regproc AS combinefn,
           a.aggfinalfn AS finalfn, a.aggfinalextra AS finalextra, p.proargtypes, p.proname
      FROM citus_test.cases k
      JOIN pg_aggregate a ON a.aggfnoid = to_regprocedure(k.signature)
      JOIN pg_proc p ON p.oid = a.aggfnoid
      JOIN pg_type ty ON ty.oid = a.aggtranstype
     WHERE ty.typnamespace = 'nous'::regnamespace
       AND k.tbl <> 'rollup'
       AND citus_test.args_of(k.call, 'nous.' || p.proname) IS NOT NULL
     ORDER BY a.aggtranstype, k.signature
  LOOP
    t := c.typname;
    args := replace(citus_test.args_of(c.call, 'nous.' || c.proname), '%W%', w);
    -- the state aggregate (coordinator only) and the merge aggregate (every node)
    SET LOCAL citus.enable_ddl_propagation = off;
    EXECUTE format('CREATE AGGREGATE citus_test.st_%s(%s) (SFUNC = %s, STYPE = %s)',
                   t, (SELECT string_agg(format_type(x, NULL), ', ') FROM unnest(c.proargtypes::oid[]) x),
                   c.transfn, c.stype);
    SET LOCAL citus.enable_ddl_propagation = on;
    EXECUTE format('CREATE AGGREGATE citus_states.mg_%s(%s) (SFUNC = %s, STYPE = %s, COMBINEFUNC = %s, PARALLEL = SAFE)',
                   t, c.stype, c.combinefn, c.stype, c.combinefn);
    -- the states per EPCI, local and in a distributed column
    EXECUTE format('CREATE TABLE loc.st_%s AS SELECT epci_code, citus_test.st_%s(%s) AS s FROM loc.%I GROUP BY epci_code',
                   t, t, args, c.tbl);
    EXECUTE format('CREATE TABLE dist.st_%s (epci_code text, s %s)', t, c.stype);
    PERFORM create_distributed_table(format('dist.st_%s', t), 'epci_code');
    EXECUTE format('INSERT INTO dist.st_%s SELECT epci_code, s FROM loc.st_%s', t, t);
    -- read back: the same text
    EXECUTE format('SELECT string_agg(s::text, E''\n'' ORDER BY epci_code) FROM loc.st_%s', t) INTO la;
    EXECUTE format('SELECT string_agg(s::text, E''\n'' ORDER BY epci_code) FROM dist.st_%s', t) INTO da;
    -- merged, then finished as the aggregate finishes (extra arguments NULL)
    IF c.finalfn = 0 THEN
      fin := 'citus_states.mg_%s(s)::text';
    ELSE
      extra := CASE WHEN c.finalextra THEN
                 (SELECT string_agg(', NULL::' || format_type(x, NULL), '') FROM unnest(c.proargtypes::oid[]) x)
               ELSE '' END;
      fin := c.finalfn::regproc::text || '(citus_states.mg_%s(s)' || coalesce(extra, '') || ')::text';
    END IF;
    EXECUTE format('SELECT ' || fin || ' FROM loc.st_%s', t, t) INTO lm;
    EXECUTE format('SELECT ' || fin || ' FROM dist.st_%s', t, t) INTO dm;
    IF c.stype = 'nous.mixpairs'::regtype THEN
      lm := citus_test.canon(lm); dm := citus_test.canon(dm);
    END IF;
    INSERT INTO citus_test.state_results VALUES
      (c.stype::text, c.signature,
       (SELECT count(*) FROM regexp_split_to_table(la, E'\n')),
       la = da,
       citus_test.kind(citus_test.plan(format('SELECT citus_states.mg_%s(s) FROM dist.st_%s', t, t))),
       lm IS NOT NULL AND citus_test.same(lm, dm, 1e-12),
       left(dm, 80));
  END LOOP;
END $do$;
