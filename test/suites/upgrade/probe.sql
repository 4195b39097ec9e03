-- upgrade/probe.sql: what the functions of the installed version compute on
-- the stored data of upgrade/data.sql.  Run after ALTER EXTENSION nous UPDATE
-- and on a fresh install of the same version: both must print the same.
-- Every function of schema nous that takes one stored type as its only
-- required argument is called on every stored value (errors printed as their
-- SQLSTATE and message), every aggregate of one stored type over the column;
-- then hand-written calls with more arguments, the stored index definitions
-- (with the user methods), a refresh run and the map view checks.
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on

CREATE FUNCTION pg_temp.probe() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  fn record;
  v record;
  res text;
  col text;
BEGIN
  FOR fn IN
    SELECT p.oid, p.oid::regprocedure::text AS sig, p.proname, p.prokind, p.proargtypes[0] AS t
      FROM pg_proc p
     WHERE p.pronamespace = 'nous'::regnamespace
       AND p.prokind IN ('f', 'a') AND p.pronargs >= 1
       AND p.pronargs - p.pronargdefaults = 1
       AND p.proargtypes[0] IN ('nous.flows'::regtype, 'nous.mixpairs'::regtype,
                                'nous.mixcounts'::regtype, 'nous.weights'::regtype)
       AND p.prorettype <> 'internal'::regtype
       AND p.provolatile <> 'v'
     ORDER BY 2
  LOOP
    col := CASE fn.t WHEN 'nous.flows'::regtype THEN 'f' WHEN 'nous.mixpairs'::regtype THEN 'p'
                     WHEN 'nous.mixcounts'::regtype THEN 'c' ELSE 'w' END;
    IF fn.prokind = 'a' THEN
      BEGIN
        EXECUTE format('SELECT nous.%I(%I)::text FROM up.stored', fn.proname, col) INTO res;
      EXCEPTION WHEN OTHERS THEN
        res := 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
      END;
      RETURN NEXT 'aggregate ' || fn.sig || ' = ' || coalesce(res, 'NULL');
      CONTINUE;
    END IF;
    FOR v IN SELECT id FROM up.stored ORDER BY id LOOP
      BEGIN
        EXECUTE format('SELECT string_agg(r::text, '' | '' ORDER BY r::text) FROM up.stored s, nous.%I(s.%I) r WHERE s.id = $1',
                       fn.proname, col)
          INTO res USING v.id;
      EXCEPTION WHEN OTHERS THEN
        res := 'ERROR ' || SQLSTATE || ' ' || SQLERRM;
      END;
      RETURN NEXT 'call ' || fn.sig || ' on ' || v.id || ' = ' || coalesce(res, 'NULL');
    END LOOP;
  END LOOP;
END $$;
SELECT * FROM pg_temp.probe();

-- spatial statistics with the stored contiguity weights (row 1)
SELECT 'moran ' || nous.moran(s.w, c.id, c.v)::text
  FROM up.cells c, up.stored s WHERE s.id = 1;
SELECT 'geary ' || nous.geary(s.w, c.id, c.v)::text
  FROM up.cells c, up.stored s WHERE s.id = 1;
SELECT 'local_moran ' || nous.local_moran(s.w, c.id, c.v, 'permutations=0')::text
  FROM up.cells c, up.stored s WHERE s.id = 1;
-- flows: selection and categories with arguments
SELECT 'flow_top ' || coalesce(nous.flow_select(f, 'top', 3)::text, 'NULL') FROM up.stored ORDER BY id;
SELECT 'flow_categories ' || coalesce(nous.flow_categories(f, ARRAY['z0', 'z1', 'z2', 'z3', 'z4', 'z5', 'z6'], ARRAY['qpv', 'qpv', 'rest', 'rest', 'rest', 'rest', 'rest'])::text, 'NULL')
  FROM up.stored ORDER BY id;
-- segregation with a parameter, through the registry
SELECT 'atkinson ' || coalesce(nous.atkinson(p, 0.5)::text, 'NULL') FROM up.stored ORDER BY id;
-- the stored indices (one with the registered user methods)
SELECT 'index_compute up_frag ' || to_jsonb(i)::text FROM nous.index_compute('up_frag', 'up.areas', 'id', 'epci') i ORDER BY 1;
SELECT 'index_compute up_user ' || to_jsonb(i)::text FROM nous.index_compute('up_user', 'up.areas', 'id') i ORDER BY 1;
-- the refresh plan and a refresh run of the registered views
SELECT 'refresh_plan ' || to_jsonb(p)::text FROM nous.refresh_plan('up') p ORDER BY 1;
SELECT 'refresh_now ' || r.view_schema || '.' || r.view_name || ' ' || r.ordinal || ' ' || coalesce(r.row_count::text, '-')
  FROM nous.refresh_now('up') r ORDER BY r.ordinal;
SELECT 'mv_flows after refresh ' || g || ' ' || f::text FROM up.mv_flows ORDER BY g;
-- the map view follows the conventions of an output, and refreshes
SELECT 'check_output ' || to_jsonb(c)::text FROM nous.check_output('up.map_cells') c ORDER BY 1;
REFRESH MATERIALIZED VIEW up.map_cells;
SELECT 'map after refresh ' || count(*) || ' ' || string_agg(class::text, ',' ORDER BY id) FROM up.map_cells;
