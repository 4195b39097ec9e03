-- registry: methods are plugins (DESIGN principle 3).  A family says which
-- signature its methods have; a method is a function registered under a name
-- in a family.  Built-ins are C functions pre-registered by the modules.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

CREATE TABLE nous.method_families (
  family       text PRIMARY KEY,
  arg_types    regtype[] NOT NULL,
  return_type  regtype NOT NULL,
  params       boolean NOT NULL DEFAULT true,
  description  text NOT NULL
);
COMMENT ON TABLE nous.method_families IS
  'Families of pluggable methods and the signature their functions must have.';
COMMENT ON COLUMN nous.method_families.family IS 'Family name, e.g. normalisation.';
COMMENT ON COLUMN nous.method_families.arg_types IS 'Types of the leading arguments every method of the family takes.';
COMMENT ON COLUMN nous.method_families.return_type IS 'Type every method of the family returns.';
COMMENT ON COLUMN nous.method_families.params IS 'Whether a method may take one more, trailing jsonb argument holding its parameters.';
COMMENT ON COLUMN nous.method_families.description IS 'What the methods of the family compute.';

CREATE TABLE nous.method_catalog (
  family        text NOT NULL REFERENCES nous.method_families ON UPDATE CASCADE,
  name          text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  function      regprocedure NOT NULL,
  builtin       boolean NOT NULL DEFAULT false,
  description   text,
  registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  registered_by name NOT NULL DEFAULT CURRENT_USER,
  PRIMARY KEY (family, name)
);
COMMENT ON TABLE nous.method_catalog IS
  'Registered methods: built-ins (builtin = true) and those added with nous.register_method().';
-- user registrations survive pg_dump / pg_restore; built-ins come with the extension
SELECT pg_catalog.pg_extension_config_dump('nous.method_catalog', 'WHERE NOT builtin');

-- every row written, by nous.register_method or directly, is checked by the
-- same C code the engines run before each call (signature of the family;
-- built-in only for the extension's functions).  The engines check again at
-- call time, with trust and privileges: the table decides names, never what
-- may run.  Added in 0.2.0.
CREATE FUNCTION nous.method_catalog_check() RETURNS trigger
  LANGUAGE c VOLATILE PARALLEL UNSAFE
  AS 'MODULE_PATHNAME', 'nous_method_catalog_check';
COMMENT ON FUNCTION nous.method_catalog_check() IS
  'Trigger of nous.method_catalog: the function of each row written must have the signature of its family; only functions of nous are built-in.';
CREATE TRIGGER method_catalog_check BEFORE INSERT OR UPDATE ON nous.method_catalog
  FOR EACH ROW EXECUTE FUNCTION nous.method_catalog_check();

CREATE FUNCTION nous.method_owner_trusted(fn regprocedure) RETURNS boolean
  LANGUAGE c STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_method_owner_trusted';
COMMENT ON FUNCTION nous.method_owner_trusted(regprocedure) IS
  'Whether the owner of fn is trusted (a superuser, the owner of nous, or listed in nous.trusted_method_owners): a method registered with fn then runs for every role that may execute it, otherwise only for its owner. NULL when fn does not exist.';

CREATE VIEW nous.methods AS
SELECT c.family, c.name, c.function, c.builtin, c.description,
       c.registered_at, c.registered_by
  FROM nous.method_catalog c
 ORDER BY c.family, c.name;
COMMENT ON VIEW nous.methods IS 'Every registered method, built-in or user-defined, by family.';
COMMENT ON COLUMN nous.methods.family IS 'Family of the method (see nous.method_families).';
COMMENT ON COLUMN nous.methods.name IS 'Name under which the engines find the method.';
COMMENT ON COLUMN nous.methods.function IS 'Function called once per vector.';
COMMENT ON COLUMN nous.methods.builtin IS 'True for the methods that come with nous.';
COMMENT ON COLUMN nous.methods.description IS 'What the method computes and its parameters.';
COMMENT ON COLUMN nous.methods.registered_at IS 'When the method was registered.';
COMMENT ON COLUMN nous.methods.registered_by IS 'Role that registered the method.';

CREATE FUNCTION nous.register_method(family text, name text, fn regprocedure,
                                     description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  fam   nous.method_families%ROWTYPE;
  p     pg_catalog.pg_proc%ROWTYPE;
  names text;
  e_state text;
  e_msg text;
  e_detail text;
  e_hint text;
BEGIN
  IF family IS NULL OR name IS NULL OR fn IS NULL THEN
    RAISE EXCEPTION 'family, name and fn must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO fam FROM nous.method_families f WHERE f.family = register_method.family;
  IF NOT FOUND THEN
    SELECT string_agg(f.family, ', ' ORDER BY f.family) INTO names FROM nous.method_families f;
    RAISE EXCEPTION 'unknown method family "%"', family
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The families are: %s.', names);
  END IF;
  IF name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'invalid method name "%"', name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A method name is a lower-case letter followed by at most 62 lower-case letters, digits or underscores.';
  END IF;
  SELECT * INTO p FROM pg_catalog.pg_proc WHERE oid = fn::oid;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'function % does not exist', fn::oid USING ERRCODE = 'undefined_function';
  END IF;
  IF EXISTS (SELECT 1 FROM nous.method_catalog c
              WHERE c.family = register_method.family AND c.name = register_method.name) THEN
    RAISE EXCEPTION '% method "%" is already registered', family, name
      USING ERRCODE = 'duplicate_object',
            HINT = 'Choose another name, or remove a user method first with nous.unregister_method().';
  END IF;
  -- the trigger nous.method_catalog_check checks the signature; its error
  -- reaches the caller as it is, without the INSERT that ran it as CONTEXT
  BEGIN
    INSERT INTO nous.method_catalog (family, name, function, builtin, description)
    VALUES (family, name, fn, false, description);
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT,
                            e_detail = PG_EXCEPTION_DETAIL, e_hint = PG_EXCEPTION_HINT;
    PERFORM nous.raise_error(e_state, e_msg, e_detail, e_hint);
  END;
  IF NOT nous.method_owner_trusted(fn) THEN
    RAISE NOTICE '% method "%" runs only for role "%" until its owner is trusted', family, name, pg_catalog.pg_get_userbyid(p.proowner)
      USING DETAIL = format('The function %s is owned by %s, which is not a superuser, the owner of nous, or listed in nous.trusted_method_owners.', fn, pg_catalog.pg_get_userbyid(p.proowner)),
            HINT = 'See "Security model" in the README: a superuser may list the role in nous.trusted_method_owners.';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.register_method(text, text, regprocedure, text) IS
  'Register a function as a method of a family, after checking its signature, volatility, parallel safety and SECURITY INVOKER; the engines check it again, with its owner and the caller''s privileges, at every call.';

CREATE FUNCTION nous.unregister_method(family text, name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  was_builtin boolean;
BEGIN
  SELECT c.builtin INTO was_builtin FROM nous.method_catalog c
   WHERE c.family = unregister_method.family AND c.name = unregister_method.name;
  IF NOT FOUND THEN
    RAISE EXCEPTION '% method "%" is not registered', family, name
      USING ERRCODE = 'undefined_object';
  END IF;
  IF was_builtin THEN
    RAISE EXCEPTION 'built-in % method "%" cannot be unregistered', family, name
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM nous.method_catalog c
   WHERE c.family = unregister_method.family AND c.name = unregister_method.name;
END
$$;
COMMENT ON FUNCTION nous.unregister_method(text, text) IS
  'Remove a user-registered method (built-ins cannot be removed).';

-- every role that calls an engine reads the registry (the lookup runs with
-- the caller's privileges); registering stays with the owner and the roles
-- granted INSERT, DELETE on nous.method_catalog.  Those rights decide which
-- function a name means, never what may run (see the trigger above and
-- src/registry.c): nous.trusted_method_owners (PGC_SUSET) does.
GRANT SELECT ON nous.method_families, nous.method_catalog, nous.methods TO PUBLIC;
