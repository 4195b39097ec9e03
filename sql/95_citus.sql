-- citus: nous on a Citus cluster.  The extension itself propagates (CREATE
-- EXTENSION on the coordinator installs it on every worker), and so do the
-- functions users write for their methods; the rows of nous.method_catalog
-- do not.  nous.citus_sync_methods() copies the coordinator's user
-- registrations to every worker; a trigger calls it after each change of
-- the registry on a coordinator.  Without Citus it does nothing.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

CREATE FUNCTION nous.citus_sync_methods()
RETURNS integer
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  cmd  text;
  n    integer := 0;
  r    record;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
    RETURN 0;
  END IF;
  -- one statement (run_command_on_workers reports the first result of a
  -- multi-statement string only): remove the user rows the coordinator does
  -- not have, insert or update the others
  SELECT CASE WHEN count(*) = 0 THEN 'DELETE FROM nous.method_catalog WHERE NOT builtin'
         ELSE 'WITH keep (family, name, function, description, registered_at, registered_by) AS (VALUES '
              || string_agg(format('(%L, %L, %L::pg_catalog.regprocedure, %L, %L::timestamptz, %L::name)',
                                   c.family, c.name, c.function::text, c.description,
                                   c.registered_at, c.registered_by), ', ' ORDER BY c.family, c.name)
              || '), gone AS (DELETE FROM nous.method_catalog m WHERE NOT m.builtin'
              || ' AND (m.family, m.name) NOT IN (SELECT k.family, k.name FROM keep k))'
              || ' INSERT INTO nous.method_catalog AS m (family, name, function, builtin, description, registered_at, registered_by)'
              || ' SELECT k.family, k.name, k.function, false, k.description, k.registered_at, k.registered_by FROM keep k'
              || ' ON CONFLICT (family, name) DO UPDATE SET function = EXCLUDED.function, description = EXCLUDED.description,'
              || ' registered_at = EXCLUDED.registered_at, registered_by = EXCLUDED.registered_by WHERE NOT m.builtin'
         END
    INTO cmd
    FROM nous.method_catalog c WHERE NOT c.builtin;
  FOR r IN EXECUTE 'SELECT nodename, nodeport, success, result FROM pg_catalog.run_command_on_workers($1)' USING cmd LOOP
    IF NOT r.success THEN
      RAISE EXCEPTION 'could not copy the method registry to the Citus worker %:%', r.nodename, r.nodeport
        USING ERRCODE = 'connection_failure',
              DETAIL = format('The worker answered: %s', r.result),
              HINT = 'A user method''s function must exist on every worker: create it on the coordinator with citus.enable_ddl_propagation on (the default), and commit it before nous.citus_sync_methods() runs (Citus creates it on the workers at commit).';
    END IF;
    n := n + 1;
  END LOOP;
  RETURN n;
END
$$;
COMMENT ON FUNCTION nous.citus_sync_methods() IS
  'On a Citus coordinator, make the user-registered methods of every worker those of the coordinator; returns the number of workers updated (0 without Citus).';

-- after any change of the registry on a Citus coordinator (never on a worker,
-- never without Citus), copy it to the workers
CREATE FUNCTION nous.citus_methods_changed()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  coordinator boolean;
  detail      text;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO coordinator;
    IF coordinator THEN
      -- the coordinator's registry is the reference: a failure to copy it
      -- (a worker down, a function created in this same transaction, which
      -- Citus creates on the workers only at commit) warns, never undoes
      -- the registration
      BEGIN
        PERFORM nous.citus_sync_methods();
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RAISE WARNING 'the method registry was not copied to the Citus workers: %', SQLERRM
          USING DETAIL = coalesce(detail || ' ', '') || 'Queries that run on the workers do not see this change yet.',
                HINT = 'Run SELECT nous.citus_sync_methods() once the transaction is committed.';
      END;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION nous.citus_methods_changed() IS
  'Trigger function: on a Citus coordinator, copies the method registry to the workers after each change (nous.citus_sync_methods).';
CREATE TRIGGER citus_methods_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON nous.method_catalog
  FOR EACH STATEMENT EXECUTE FUNCTION nous.citus_methods_changed();
