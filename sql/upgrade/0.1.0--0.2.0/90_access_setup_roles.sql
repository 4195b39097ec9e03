-- nous.setup_roles on PostgreSQL 16 and later: a CREATEROLE role that is not
-- a superuser holds the roles it creates WITH ADMIN only, and must be granted
-- the producer (SET) to make it the owner of the schemas
CREATE OR REPLACE FUNCTION nous.setup_roles(prefix text DEFAULT 'nous',
                                 microdata_schema text DEFAULT 'nous_microdata',
                                 published_schema text DEFAULT 'nous_published',
                                 aggregates_schema text DEFAULT 'nous_aggregates')
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  reader   text;
  analyst  text;
  producer text;
  r        text;
  s        text;
  sch      text[];
BEGIN
  IF prefix IS NULL OR microdata_schema IS NULL OR published_schema IS NULL OR aggregates_schema IS NULL THEN
    RAISE EXCEPTION 'prefix and schema names must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF prefix !~ '^[a-z_][a-z0-9_]{0,53}$' THEN
    RAISE EXCEPTION 'invalid role prefix "%"', prefix
      USING ERRCODE = 'invalid_name',
            DETAIL = 'A prefix is a lower-case letter or underscore followed by at most 53 lower-case letters, digits or underscores (the roles are prefix_reader, prefix_analyst and prefix_producer).';
  END IF;
  IF prefix ~ '^pg_' THEN
    RAISE EXCEPTION 'role prefix "%" is reserved', prefix
      USING ERRCODE = 'reserved_name',
            DETAIL = 'Role names starting with pg_ are reserved by PostgreSQL.';
  END IF;
  sch := ARRAY[microdata_schema, published_schema, aggregates_schema];
  FOREACH s IN ARRAY sch LOOP
    IF s !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
      RAISE EXCEPTION 'invalid schema name "%"', s
        USING ERRCODE = 'invalid_name',
              DETAIL = 'A schema name here is a lower-case letter or underscore followed by at most 62 lower-case letters, digits or underscores.';
    END IF;
    IF s ~ '^pg_' OR s IN ('public', 'nous', 'information_schema') THEN
      RAISE EXCEPTION 'schema "%" cannot be used for the observatory''s data', s
        USING ERRCODE = 'reserved_name',
              DETAIL = 'The microdata, published and aggregates schemas must be schemas of their own (not public, nous, information_schema or pg_*).';
    END IF;
  END LOOP;
  IF microdata_schema = published_schema OR microdata_schema = aggregates_schema
     OR published_schema = aggregates_schema THEN
    RAISE EXCEPTION 'the microdata, published and aggregates schemas must be distinct'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                  WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
    RAISE EXCEPTION 'permission denied to set up roles'
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'nous.setup_roles creates roles: it needs a superuser or a role with CREATEROLE.';
  END IF;
  reader := prefix || '_reader';
  analyst := prefix || '_analyst';
  producer := prefix || '_producer';

  FOREACH r IN ARRAY ARRAY[reader, analyst, producer] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role "%" exists and is a superuser or bypasses row-level security', r
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Choose another prefix.';
      END IF;
      RETURN NEXT pg_catalog.format('role %s already exists', r);
    ELSE
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
      RETURN NEXT pg_catalog.format('created role %s (NOLOGIN)', r);
    END IF;
  END LOOP;
  EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', reader,
    'nous: reads the published, secrecy-safe views (schema ' || published_schema || ') only.');
  EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', analyst,
    'nous: reader + the aggregates (schema ' || aggregates_schema || '); runs nous functions on them.');
  EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', producer,
    'nous: analyst + loads the microdata (schema ' || microdata_schema || ') and builds the published views.');
  -- producer >= analyst >= reader
  IF NOT pg_catalog.pg_has_role(analyst, reader, 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT %I TO %I', reader, analyst);
    RETURN NEXT pg_catalog.format('granted %s to %s', reader, analyst);
  END IF;
  IF NOT pg_catalog.pg_has_role(producer, analyst, 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT %I TO %I', analyst, producer);
    RETURN NEXT pg_catalog.format('granted %s to %s', analyst, producer);
  END IF;
  -- a CREATEROLE role that is not a superuser must be able to SET ROLE to
  -- the producer to make it the owner of the schemas: a member on 15; from
  -- PostgreSQL 16 on, the creator of a role holds it WITH ADMIN only
  -- (neither SET nor INHERIT), so the SET privilege itself is asked for
  IF NOT pg_catalog.pg_has_role(current_user, producer,
       CASE WHEN pg_catalog.current_setting('server_version_num')::int >= 160000
            THEN 'SET' ELSE 'MEMBER' END) THEN
    EXECUTE pg_catalog.format('GRANT %I TO %I', producer, current_user);
    RETURN NEXT pg_catalog.format('granted %s to %s (to create its schemas)', producer, current_user);
  END IF;

  FOREACH s IN ARRAY sch LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = s) THEN
      RETURN NEXT pg_catalog.format('schema %s already exists', s);
    ELSE
      EXECUTE pg_catalog.format('CREATE SCHEMA %I AUTHORIZATION %I', s, producer);
      RETURN NEXT pg_catalog.format('created schema %s owned by %s', s, producer);
    END IF;
    EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', s);
  END LOOP;
  EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L', microdata_schema,
    'nous: microdata (one row per household, application, allocation…); producer only.');
  EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L', published_schema,
    'nous: published, secrecy-safe views; what the reader role (Metabase, QGIS) sees.');
  EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L', aggregates_schema,
    'nous: aggregates before secrecy (counts by area); analysts and producer.');

  -- microdata: nothing for reader and analyst
  EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM %I, %I', microdata_schema, reader, analyst);
  EXECUTE pg_catalog.format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM PUBLIC, %I, %I', microdata_schema, reader, analyst);
  RETURN NEXT pg_catalog.format('schema %s: producer only (revoked from PUBLIC, %s, %s)', microdata_schema, reader, analyst);
  -- aggregates: analyst reads
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I', aggregates_schema, analyst);
  EXECUTE pg_catalog.format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', aggregates_schema, analyst);
  EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
                            producer, aggregates_schema, analyst);
  RETURN NEXT pg_catalog.format('schema %s: USAGE and SELECT (now and by default) to %s', aggregates_schema, analyst);
  -- published: reader (and so analyst and producer) reads
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I', published_schema, reader);
  EXECUTE pg_catalog.format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', published_schema, reader);
  EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
                            producer, published_schema, reader);
  RETURN NEXT pg_catalog.format('schema %s: USAGE and SELECT (now and by default) to %s', published_schema, reader);

  -- the key of nous.pseudonym: producer only
  IF pg_catalog.to_regclass(pg_catalog.quote_ident(microdata_schema) || '.pseudonym_key') IS NULL THEN
    EXECUTE pg_catalog.format(
      'CREATE TABLE %I.pseudonym_key (name text PRIMARY KEY, key bytea NOT NULL'
      ' CHECK (pg_catalog.octet_length(key) >= 32), created_at timestamptz NOT NULL DEFAULT pg_catalog.now())',
      microdata_schema);
    EXECUTE pg_catalog.format('ALTER TABLE %I.pseudonym_key OWNER TO %I', microdata_schema, producer);
    EXECUTE pg_catalog.format('COMMENT ON TABLE %I.pseudonym_key IS %L', microdata_schema,
      'nous: secret keys of nous.pseudonym (at least 32 bytes), by name; producer only. Losing a key breaks the links; leaking it re-identifies.');
    RETURN NEXT pg_catalog.format('created table %s.pseudonym_key owned by %s', microdata_schema, producer);
  ELSE
    RETURN NEXT pg_catalog.format('table %s.pseudonym_key already exists', microdata_schema);
  END IF;
  EXECUTE pg_catalog.format('REVOKE ALL ON %I.pseudonym_key FROM PUBLIC, %I, %I', microdata_schema, reader, analyst);
END
$$;
