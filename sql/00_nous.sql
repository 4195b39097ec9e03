-- nous: the schema, the version, conventions shared by every module.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- CREATE EXTENSION creates the schema named in nous.control (if missing) but
-- cannot make it a member of the extension that lives in it: DROP EXTENSION
-- removes every object and leaves the empty schema, which DROP SCHEMA nous
-- removes (README, Uninstalling).

COMMENT ON SCHEMA nous IS
  'nous: indicators of urban and social observatories (fragility indices, attribution-mix scores, flow matrices)';

CREATE FUNCTION nous.version() RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_version';
COMMENT ON FUNCTION nous.version() IS
  'Version of the nous library loaded in this session (compare with pg_extension.extversion after an upgrade).';

-- nous is a library of functions for every role: any role may look into the
-- schema and call its functions (EXECUTE is granted to PUBLIC by default);
-- writing to its catalogues is for the owner and the roles it grants.
GRANT USAGE ON SCHEMA nous TO PUBLIC;
