-- 10_registry: the method registry checks every registered function at
-- every call (signature, trusted owner, EXECUTE and schema USAGE for the
-- calling role), and every row written to nous.method_catalog (issue 13,
-- findings 1-3).  The checks at call time are in the library; this adds
-- the trigger, nous.method_owner_trusted and the new nous.register_method.

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

CREATE OR REPLACE FUNCTION nous.register_method(family text, name text, fn regprocedure,
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

-- registrations made under 0.1.0 are not rewritten; those the engines will
-- now refuse are named here (the upgrade goes on: the refusal happens at
-- call time, with the reason)
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT c.family, c.name, c.function FROM nous.method_catalog c WHERE NOT c.builtin ORDER BY 1, 2 LOOP
    BEGIN
      UPDATE nous.method_catalog c SET function = c.function
       WHERE c.family = r.family AND c.name = r.name;
      IF NOT nous.method_owner_trusted(r.function) THEN
        RAISE WARNING '% method "%" (%) will run only for the owner of its function', r.family, r.name, r.function
          USING HINT = 'See "Security model" in the README: nous.trusted_method_owners.';
      END IF;
    EXCEPTION WHEN OTHERS THEN
      RAISE WARNING '% method "%" (%) will be refused: %', r.family, r.name, r.function, SQLERRM;
    END;
  END LOOP;
END
$$;
