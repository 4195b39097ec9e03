-- install: CREATE EXTENSION nous CASCADE in a fresh database, the objects
-- it owns, and DROP EXTENSION leaving nothing behind.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS nous;
CREATE EXTENSION nous CASCADE;
SELECT extname, extversion = nous.version() AS library_matches_script,
       extrelocatable, extnamespace::regnamespace AS schema
  FROM pg_extension WHERE extname = 'nous';
SELECT e.extname AS requires FROM pg_extension e
 WHERE e.extname = 'postgis';

-- every function of the extension has a comment and an honest parallel label
SELECT p.oid::regprocedure AS undocumented
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'nous')
   AND obj_description(p.oid, 'pg_proc') IS NULL;
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict
  FROM pg_proc p WHERE p.pronamespace = 'nous'::regnamespace ORDER BY 1, p.oid::regprocedure::text;

-- nothing depends on the caller's search_path: the functions work with an
-- empty one
SET search_path = '';
SELECT nous.normalise('{1,2,3}'::float8[], 'minmax');
RESET search_path;

-- DROP EXTENSION removes every object of the schema; the empty schema that
-- CREATE EXTENSION made from nous.control stays (PostgreSQL cannot make it a
-- member) and DROP SCHEMA without CASCADE removes it, proving it empty
DROP EXTENSION nous;
SELECT count(*) AS objects_left_in_nous
  FROM (SELECT oid FROM pg_class WHERE relnamespace = 'nous'::regnamespace
        UNION ALL SELECT oid FROM pg_proc WHERE pronamespace = 'nous'::regnamespace
        UNION ALL SELECT oid FROM pg_type WHERE typnamespace = 'nous'::regnamespace) o;
DROP SCHEMA nous;
SELECT count(*) AS nous_schemas FROM pg_namespace WHERE nspname = 'nous';
SELECT count(*) AS nous_functions FROM pg_proc WHERE proname LIKE 'normalise%' OR proname = 'register_method';
SELECT count(*) AS nous_relations FROM pg_class WHERE relname IN ('method_catalog', 'method_families', 'methods');
CREATE EXTENSION nous;
SELECT count(*) AS builtins_after_reinstall FROM nous.methods WHERE builtin;
