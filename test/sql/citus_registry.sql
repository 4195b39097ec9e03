-- citus_registry: without Citus, nous.citus_sync_methods() and the trigger
-- that copies the method registry to Citus workers do nothing, and
-- registering still works (test/suites/citus.sh checks them on a cluster).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SELECT count(*) AS citus_installed FROM pg_extension WHERE extname = 'citus';
SELECT nous.citus_sync_methods() AS workers_updated;
CREATE SCHEMA cr;
CREATE FUNCTION cr.top(v float8[], k int4) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ARRAY[(SELECT max(x) FROM unnest(v) x)] $$;
SELECT nous.register_method('classification', 'top', 'cr.top(float8[], int4)');
SELECT nous.breaks(x, 1, 'top') FROM (VALUES (1.0), (3.0)) t(x);
SELECT nous.unregister_method('classification', 'top');
SELECT count(*) AS user_methods FROM nous.method_catalog WHERE NOT builtin;
SELECT tgname, tgenabled FROM pg_trigger
 WHERE tgrelid = 'nous.method_catalog'::regclass AND NOT tgisinternal;
-- the trigger function is only a trigger
SELECT nous.citus_methods_changed();
DROP SCHEMA cr CASCADE;
