-- access: the publishable version of a table (statistical secrecy applied by
-- name), the roles of an observatory (reader, analyst, producer) and their
-- schemas, and a pseudonymisation helper (keyed hash).
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- ---- secrecy over a table or a query ----------------------------------------

CREATE FUNCTION nous.indicator_secrecy(indicator text)
RETURNS TABLE(secrecy_threshold int, dominance_share float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF indicator IS NULL THEN
    RAISE EXCEPTION 'indicator must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  RETURN QUERY
  SELECT coalesce(i.secrecy_threshold, 11), coalesce(i.dominance_share, 0.85::float8)
    FROM nous.indicators AS i
   WHERE i.code OPERATOR(pg_catalog.=) indicator_secrecy.indicator;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'indicator "%" is not in the catalogue', indicator
      USING ERRCODE = 'undefined_object',
            HINT = 'See the table nous.indicators.';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.indicator_secrecy(text) IS
  'Secrecy rules of an indicator of the catalogue nous.indicators: its threshold (smallest publishable count) and dominance share, with INSEE''s 11 and 0.85 where the catalogue leaves them NULL.';


CREATE FUNCTION nous._secrecy_rules(threshold int, dominance_share float8, indicator text)
RETURNS TABLE(rule_threshold int, rule_share float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- the arguments, else the indicator's catalogue entry, else INSEE's 11 and 0.85
  IF _secrecy_rules.indicator IS NULL THEN
    RETURN QUERY SELECT coalesce(_secrecy_rules.threshold, 11), coalesce(_secrecy_rules.dominance_share, 0.85::float8);
  ELSE
    RETURN QUERY SELECT coalesce(_secrecy_rules.threshold, c.secrecy_threshold),
                        coalesce(_secrecy_rules.dominance_share, c.dominance_share)
                   FROM nous.indicator_secrecy(_secrecy_rules.indicator) AS c;
  END IF;
END
$$;
COMMENT ON FUNCTION nous._secrecy_rules(int, float8, text) IS
  'Internal: the threshold and dominance share of nous.secrecy_publish and nous.secrecy_publish_2d: the arguments, else the catalogue entry of the indicator, else 11 and 0.85.';

CREATE FUNCTION nous.secrecy_publish(source text, id_column text, parent_column text,
                                     value_column text,
                                     threshold int DEFAULT NULL,
                                     count_column text DEFAULT NULL,
                                     contributions_column text DEFAULT NULL,
                                     dominance_top int DEFAULT 1,
                                     dominance_share float8 DEFAULT NULL,
                                     rounding_base int DEFAULT NULL,
                                     hide_zero boolean DEFAULT false,
                                     indicator text DEFAULT NULL)
RETURNS TABLE(id text, parent text, value float8, status text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  src     text;
  ids     text[];
  parents text[];
  vals    float8[];
  cnts    float8[];
  prim    boolean[];
  dom     boolean[];
  k       int;
BEGIN
  SELECT r.rule_threshold, r.rule_share INTO threshold, dominance_share
    FROM nous._secrecy_rules(secrecy_publish.threshold, secrecy_publish.dominance_share, secrecy_publish.indicator) AS r;
  src := nous._secrecy_check_args(source, ARRAY[id_column, parent_column, value_column],
                                  threshold, dominance_top, dominance_share, rounding_base);
  EXECUTE pg_catalog.format(
    'SELECT pg_catalog.array_agg(s.%1$I::pg_catalog.text ORDER BY s.%1$I::pg_catalog.text COLLATE "C"),'
    ' pg_catalog.array_agg(s.%2$I::pg_catalog.text ORDER BY s.%1$I::pg_catalog.text COLLATE "C"),'
    ' pg_catalog.array_agg(s.%3$I::pg_catalog.float8 ORDER BY s.%1$I::pg_catalog.text COLLATE "C"),'
    ' pg_catalog.array_agg(s.%4$I::pg_catalog.float8 ORDER BY s.%1$I::pg_catalog.text COLLATE "C"), %5$s'
    ' FROM %6$s AS s',
    id_column, parent_column, value_column, coalesce(count_column, value_column),
    CASE WHEN contributions_column IS NULL THEN 'NULL::pg_catalog.bool[]'
         ELSE pg_catalog.format('pg_catalog.array_agg(coalesce(nous.secrecy_dominance(s.%I::pg_catalog.float8[], $1, $2), false)'
                                ' ORDER BY s.%I::pg_catalog.text COLLATE "C")',
                                contributions_column, id_column) END,
    src)
    INTO ids, parents, vals, cnts, dom USING dominance_top, dominance_share;
  ids := coalesce(ids, '{}');
  parents := coalesce(parents, '{}');
  vals := coalesce(vals, '{}');
  cnts := coalesce(cnts, '{}');
  k := pg_catalog.array_position(ids, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'id column "%" is NULL in row %', id_column, k
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  k := pg_catalog.array_position(vals, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'value column "%" is NULL for id "%"', value_column, ids[k]
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Every cell of an additive table needs a value; use 0 for an empty cell.';
  END IF;
  k := pg_catalog.array_position(cnts, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'count column "%" is NULL for id "%"', count_column, ids[k]
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  prim := ARRAY(SELECT nous.secrecy_primary(pg_catalog.round(c)::bigint, threshold, hide_zero)
                  FROM unnest(cnts) WITH ORDINALITY AS u(c, o) ORDER BY o);
  RETURN QUERY
  SELECT r.id, p.parent,
         CASE WHEN rounding_base IS NULL OR r.value IS NULL THEN r.value
              ELSE nous.round_to_base(r.value, rounding_base) END,
         r.status
    FROM nous.secrecy_suppress(ids, parents, vals, prim, dom,
                               CASE WHEN count_column IS NULL OR count_column = value_column THEN threshold END)
           WITH ORDINALITY AS r(id, value, status, o)
    JOIN unnest(parents) WITH ORDINALITY AS p(parent, o) ON p.o = r.o
   ORDER BY r.o;
END
$$;
COMMENT ON FUNCTION nous.secrecy_publish(text, text, text, text, int, text, text, int, float8, int, boolean, text) IS
  'Publishable version of an additive hierarchy read from a table, view or query (schema-qualified names): threshold rule on count_column (default the value; threshold and dominance share from the arguments, else from the catalogue entry of indicator, else 11 and 0.85), optional dominance on a float8[] contributions column, secondary suppression, optional rounding to a base; value NULL unless published, status published | primary | dominance | secondary.';

CREATE FUNCTION nous.secrecy_publish_2d(source text, row_column text, col_column text,
                                        value_column text,
                                        threshold int DEFAULT NULL,
                                        count_column text DEFAULT NULL,
                                        contributions_column text DEFAULT NULL,
                                        dominance_top int DEFAULT 1,
                                        dominance_share float8 DEFAULT NULL,
                                        rounding_base int DEFAULT NULL,
                                        hide_zero boolean DEFAULT false,
                                        indicator text DEFAULT NULL)
RETURNS TABLE("row" text, col text, value float8, status text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  src     text;
  rs      text[];
  cs      text[];
  vals    float8[];
  cnts    float8[];
  prim    boolean[];
  dom     boolean[];
  cell    boolean[];
  bad     record;
  bad_dom boolean[];
  crs     text[];
  ccs     text[];
  k       int;
BEGIN
  SELECT r.rule_threshold, r.rule_share INTO threshold, dominance_share
    FROM nous._secrecy_rules(secrecy_publish_2d.threshold, secrecy_publish_2d.dominance_share, secrecy_publish_2d.indicator) AS r;
  src := nous._secrecy_check_args(source, ARRAY[row_column, col_column, value_column],
                                  threshold, dominance_top, dominance_share, rounding_base);
  EXECUTE pg_catalog.format(
    'SELECT pg_catalog.array_agg(s.%1$I::pg_catalog.text ORDER BY %5$s),'
    ' pg_catalog.array_agg(s.%2$I::pg_catalog.text ORDER BY %5$s),'
    ' pg_catalog.array_agg(s.%3$I::pg_catalog.float8 ORDER BY %5$s),'
    ' pg_catalog.array_agg(s.%4$I::pg_catalog.float8 ORDER BY %5$s), %6$s'
    ' FROM %7$s AS s',
    row_column, col_column, value_column, coalesce(count_column, value_column),
    pg_catalog.format('s.%I::pg_catalog.text COLLATE "C", s.%I::pg_catalog.text COLLATE "C"', row_column, col_column),
    CASE WHEN contributions_column IS NULL THEN 'NULL::pg_catalog.bool[]'
         ELSE pg_catalog.format('pg_catalog.array_agg(coalesce(nous.secrecy_dominance(s.%I::pg_catalog.float8[], $1, $2), false)'
                                ' ORDER BY s.%I::pg_catalog.text COLLATE "C", s.%I::pg_catalog.text COLLATE "C")',
                                contributions_column, row_column, col_column) END,
    src)
    INTO rs, cs, vals, cnts, dom USING dominance_top, dominance_share;
  rs := coalesce(rs, '{}');
  cs := coalesce(cs, '{}');
  vals := coalesce(vals, '{}');
  cnts := coalesce(cnts, '{}');
  k := pg_catalog.array_position(vals, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'value column "%" is NULL for cell (%, %)', value_column,
                    coalesce(rs[k], 'NULL'), coalesce(cs[k], 'NULL')
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Every cell of an additive table needs a value; use 0 for an empty cell.';
  END IF;
  k := pg_catalog.array_position(cnts, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'count column "%" is NULL for cell (%, %)', count_column,
                    coalesce(rs[k], 'NULL'), coalesce(cs[k], 'NULL')
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- rows with a NULL row or column label are declared totals: check them
  SELECT t.r, t.c, t.v, coalesce(x.s, 0) AS s INTO bad
    FROM unnest(rs, cs, vals) WITH ORDINALITY AS t(r, c, v, o)
    LEFT JOIN LATERAL (
      SELECT pg_catalog.sum(u.v) AS s FROM unnest(rs, cs, vals) AS u(r, c, v)
       WHERE u.r IS NOT NULL AND u.c IS NOT NULL
         AND (t.r IS NULL OR u.r = t.r) AND (t.c IS NULL OR u.c = t.c)) x ON true
   WHERE (t.r IS NULL OR t.c IS NULL)
     AND pg_catalog.abs(t.v - coalesce(x.s, 0)) > 1e-9 * greatest(1, pg_catalog.abs(t.v))
   ORDER BY t.r NULLS LAST, t.c NULLS LAST
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'the table is not additive at total (%, %)',
                    coalesce(bad.r, 'total'), coalesce(bad.c, 'total')
      USING ERRCODE = 'data_exception',
            DETAIL = pg_catalog.format('The declared total is %s but its cells sum to %s.', bad.v, bad.s),
            HINT = 'Rows with a NULL row or column label are taken as declared totals; leave them out to have the totals computed.';
  END IF;
  -- the cells, then their totals: totals are figures like any other, so the
  -- threshold (on the summed counts) and dominance (on all the contributions
  -- of the line) apply to them, and they go to the engine as declared totals
  cell := ARRAY(SELECT r IS NOT NULL AND c IS NOT NULL FROM unnest(rs, cs) WITH ORDINALITY AS u(r, c, o) ORDER BY o);
  IF dom IS NOT NULL THEN
    dom := ARRAY(SELECT d FROM unnest(dom, cell) WITH ORDINALITY AS u(d, isc, o) WHERE isc ORDER BY o);
  END IF;
  rs := ARRAY(SELECT x FROM unnest(rs, cell) WITH ORDINALITY AS u(x, isc, o) WHERE isc ORDER BY o);
  cs := ARRAY(SELECT x FROM unnest(cs, cell) WITH ORDINALITY AS u(x, isc, o) WHERE isc ORDER BY o);
  vals := ARRAY(SELECT x FROM unnest(vals, cell) WITH ORDINALITY AS u(x, isc, o) WHERE isc ORDER BY o);
  cnts := ARRAY(SELECT x FROM unnest(cnts, cell) WITH ORDINALITY AS u(x, isc, o) WHERE isc ORDER BY o);
  crs := rs;
  ccs := cs;
  IF cardinality(rs) > 0 THEN
    SELECT rs || array_agg(t.r ORDER BY t.g, t.r COLLATE "C", t.c COLLATE "C"),
           cs || array_agg(t.c ORDER BY t.g, t.r COLLATE "C", t.c COLLATE "C"),
           vals || array_agg(t.v ORDER BY t.g, t.r COLLATE "C", t.c COLLATE "C"),
           cnts || array_agg(t.n ORDER BY t.g, t.r COLLATE "C", t.c COLLATE "C")
      INTO rs, cs, vals, cnts
      FROM (SELECT u.r, u.c, pg_catalog.sum(u.v) AS v, pg_catalog.sum(u.n) AS n, GROUPING(u.r, u.c) AS g
              FROM unnest(rs, cs, vals, cnts) AS u(r, c, v, n)
             GROUP BY GROUPING SETS ((u.r), (u.c), ())) t;
    IF contributions_column IS NOT NULL THEN
      -- dominance of each total: over every contribution of its cells
      EXECUTE pg_catalog.format(
        'SELECT pg_catalog.array_agg(coalesce(d.dom, false) ORDER BY t.g, t.r COLLATE "C", t.c COLLATE "C")'
        ' FROM (SELECT u.r, u.c, GROUPING(u.r, u.c) AS g FROM unnest($3, $4) AS u(r, c)'
        '        GROUP BY GROUPING SETS ((u.r), (u.c), ())) t'
        ' LEFT JOIN (SELECT s.%1$I::pg_catalog.text AS r, s.%2$I::pg_catalog.text AS c,'
        '                   nous.secrecy_dominance(pg_catalog.array_agg(x.x), $1, $2) AS dom,'
        '                   GROUPING(s.%1$I::pg_catalog.text, s.%2$I::pg_catalog.text) AS g'
        '              FROM %3$s AS s, unnest(s.%4$I::pg_catalog.float8[]) AS x(x)'
        '             WHERE s.%1$I IS NOT NULL AND s.%2$I IS NOT NULL'
        '             GROUP BY GROUPING SETS ((s.%1$I::pg_catalog.text), (s.%2$I::pg_catalog.text), ())) d'
        '   ON d.g = t.g AND d.r IS NOT DISTINCT FROM t.r AND d.c IS NOT DISTINCT FROM t.c',
        row_column, col_column, src, contributions_column)
        INTO bad_dom USING dominance_top, dominance_share, crs, ccs;
      dom := dom || bad_dom;
    END IF;
  END IF;
  prim := ARRAY(SELECT nous.secrecy_primary(pg_catalog.round(c)::bigint, threshold, hide_zero)
                  FROM unnest(cnts) WITH ORDINALITY AS u(c, o) ORDER BY o);
  RETURN QUERY
  SELECT r."row", r.col,
         CASE WHEN rounding_base IS NULL OR r.value IS NULL THEN r.value
              ELSE nous.round_to_base(r.value, rounding_base) END,
         r.status
    FROM nous.secrecy_suppress_2d(rs, cs, vals, prim, dom,
                                  CASE WHEN count_column IS NULL OR count_column = value_column THEN threshold END) AS r;
END
$$;
COMMENT ON FUNCTION nous.secrecy_publish_2d(text, text, text, text, int, text, text, int, float8, int, boolean, text) IS
  'Publishable version of a two-dimensional table read from a table, view or query (schema-qualified names): cells with their row, column and grand totals (computed; declared totals, rows with a NULL label, are checked), threshold (argument, else the catalogue entry of indicator, else 11), optional dominance, secondary suppression, optional rounding; value NULL unless published.';

CREATE FUNCTION nous._secrecy_check_args(source text, columns text[], threshold int,
                                         dominance_top int, dominance_share float8,
                                         rounding_base int)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF source IS NULL OR pg_catalog.array_position(columns, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'source and column names must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF threshold IS NULL OR threshold < 1 THEN
    RAISE EXCEPTION 'threshold must be at least 1, got %', coalesce(threshold::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'INSEE''s rule for tax-based household data is 11.';
  END IF;
  IF dominance_top IS NULL OR dominance_top < 1 THEN
    RAISE EXCEPTION 'dominance_top must be at least 1, got %', coalesce(dominance_top::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF dominance_share IS NULL OR NOT (dominance_share > 0 AND dominance_share <= 1) THEN
    RAISE EXCEPTION 'dominance_share must be in (0, 1], got %', coalesce(dominance_share::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The usual share is 0.85.';
  END IF;
  IF rounding_base IS NOT NULL AND rounding_base < 1 THEN
    RAISE EXCEPTION 'rounding_base must be at least 1, got %', rounding_base
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use 5 or 10 for counts, or NULL for no rounding.';
  END IF;
  IF source ~* '^\s*(select|with|values|table)\M' OR source ~ '^\s*\(' THEN
    RETURN '(' || source || ')';
  END IF;
  BEGIN
    RETURN source::regclass::text;
  EXCEPTION WHEN undefined_table OR invalid_name OR syntax_error THEN
    RAISE EXCEPTION 'relation "%" does not exist', source
      USING ERRCODE = 'undefined_table',
            HINT = 'Schema-qualify the name (nous resolves it with search_path = pg_catalog), or pass a query starting with SELECT, WITH, VALUES or TABLE.';
  END;
END
$$;
COMMENT ON FUNCTION nous._secrecy_check_args(text, text[], int, int, float8, int) IS
  'Internal: checks the arguments of nous.secrecy_publish and nous.secrecy_publish_2d and turns the source into a FROM item.';

-- ---- roles -------------------------------------------------------------------

CREATE FUNCTION nous.setup_roles(prefix text DEFAULT 'nous',
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
COMMENT ON FUNCTION nous.setup_roles(text, text, text, text) IS
  'Create (idempotently) the NOLOGIN roles prefix_reader, prefix_analyst (member of reader), prefix_producer (member of analyst) and the microdata (producer only), published (reader) and aggregates (analyst) schemas owned by the producer, with default privileges; returns one line per action. Needs CREATEROLE.';

CREATE FUNCTION nous.drop_roles(prefix text DEFAULT 'nous')
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text;
BEGIN
  IF prefix IS NULL OR prefix !~ '^[a-z_][a-z0-9_]{0,53}$' THEN
    RAISE EXCEPTION 'invalid role prefix "%"', coalesce(prefix, 'NULL')
      USING ERRCODE = 'invalid_name';
  END IF;
  FOREACH r IN ARRAY ARRAY[prefix || '_producer', prefix || '_analyst', prefix || '_reader'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      RAISE EXCEPTION 'role "%" does not exist', r
        USING ERRCODE = 'undefined_object',
              HINT = 'nous.drop_roles removes the roles made by nous.setup_roles with the same prefix.';
    END IF;
  END LOOP;
  -- every DROP OWNED before any DROP ROLE: a caller that holds the roles
  -- through the producer's memberships loses that chain with the first
  -- DROP ROLE (and one DROP OWNED naming the three trips over the shared
  -- default privileges in PostgreSQL 15)
  FOREACH r IN ARRAY ARRAY[prefix || '_producer', prefix || '_analyst', prefix || '_reader'] LOOP
    EXECUTE pg_catalog.format('DROP OWNED BY %I CASCADE', r);
  END LOOP;
  FOREACH r IN ARRAY ARRAY[prefix || '_producer', prefix || '_analyst', prefix || '_reader'] LOOP
    EXECUTE pg_catalog.format('DROP ROLE %I', r);
    RETURN NEXT pg_catalog.format('dropped role %s and what it owned in this database', r);
  END LOOP;
END
$$;
COMMENT ON FUNCTION nous.drop_roles(text) IS
  'Undo nous.setup_roles: DROP OWNED BY (in this database: schemas, tables and views owned by the roles go) and DROP ROLE for prefix_producer, prefix_analyst, prefix_reader; error if one does not exist. Roles are cluster-wide: run DROP OWNED in the other databases first.';

CREATE FUNCTION nous.grant_access(member name, access text, prefix text DEFAULT 'nous')
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  grp text;
BEGIN
  grp := nous._access_group(member, access, prefix);
  IF EXISTS (
       SELECT 1 FROM pg_catalog.pg_auth_members m
        WHERE m.roleid = pg_catalog.to_regrole(pg_catalog.quote_ident(grp))
          AND m.member = pg_catalog.to_regrole(pg_catalog.quote_ident(grant_access.member))) THEN
    RETURN pg_catalog.format('%s is already a member of %s', member, grp);
  END IF;
  EXECUTE pg_catalog.format('GRANT %I TO %I', grp, member);
  RETURN pg_catalog.format('granted %s to %s', grp, member);
END
$$;
COMMENT ON FUNCTION nous.grant_access(name, text, text) IS
  'Make an existing role (a login user: Metabase, QGIS, an analyst) a member of prefix_reader, prefix_analyst or prefix_producer (access = reader | analyst | producer); returns what it did. Needs the right to grant the group role (CREATEROLE or ADMIN OPTION).';

CREATE FUNCTION nous.revoke_access(member name, access text, prefix text DEFAULT 'nous')
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  grp text;
BEGIN
  grp := nous._access_group(member, access, prefix);
  IF NOT EXISTS (
       SELECT 1 FROM pg_catalog.pg_auth_members m
        WHERE m.roleid = pg_catalog.to_regrole(pg_catalog.quote_ident(grp))
          AND m.member = pg_catalog.to_regrole(pg_catalog.quote_ident(revoke_access.member))) THEN
    RETURN pg_catalog.format('%s is not a direct member of %s', member, grp);
  END IF;
  EXECUTE pg_catalog.format('REVOKE %I FROM %I', grp, member);
  RETURN pg_catalog.format('revoked %s from %s', grp, member);
END
$$;
COMMENT ON FUNCTION nous.revoke_access(name, text, text) IS
  'Undo nous.grant_access: revoke the direct membership of a role in prefix_reader, prefix_analyst or prefix_producer; returns what it did.';

CREATE FUNCTION nous._access_group(member name, access text, prefix text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  grp text;
BEGIN
  IF member IS NULL OR access IS NULL OR prefix IS NULL THEN
    RAISE EXCEPTION 'member, access and prefix must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF access NOT IN ('reader', 'analyst', 'producer') THEN
    RAISE EXCEPTION 'unknown access "%"', access
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The access levels are reader, analyst and producer.';
  END IF;
  IF prefix !~ '^[a-z_][a-z0-9_]{0,53}$' THEN
    RAISE EXCEPTION 'invalid role prefix "%"', prefix
      USING ERRCODE = 'invalid_name';
  END IF;
  grp := prefix || '_' || access;
  IF pg_catalog.to_regrole(pg_catalog.quote_ident(grp)) IS NULL THEN
    RAISE EXCEPTION 'role "%" does not exist', grp
      USING ERRCODE = 'undefined_object',
            HINT = pg_catalog.format('Create the roles first: SELECT * FROM nous.setup_roles(%L);', prefix);
  END IF;
  IF pg_catalog.to_regrole(pg_catalog.quote_ident(member)) IS NULL THEN
    RAISE EXCEPTION 'role "%" does not exist', member
      USING ERRCODE = 'undefined_object',
            HINT = 'Create the login role first, e.g. CREATE ROLE metabase LOGIN PASSWORD ''…'';';
  END IF;
  IF member IN (prefix || '_reader', prefix || '_analyst', prefix || '_producer') THEN
    RAISE EXCEPTION 'role "%" is one of the group roles', member
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN grp;
END
$$;
COMMENT ON FUNCTION nous._access_group(name, text, text) IS
  'Internal: checks the arguments of nous.grant_access and nous.revoke_access and returns the group role.';

-- ---- pseudonymisation --------------------------------------------------------

CREATE FUNCTION nous.pseudonym(identifier text, key bytea)
  RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_pseudonym';
COMMENT ON FUNCTION nous.pseudonym(text, bytea) IS
  'Pseudonym of an identifier: HMAC-SHA256(key, identifier) in lower-case hex (RFC 2104, FIPS 180-4); the key must be at least 32 bytes. Pseudonymised data are still personal data (GDPR recital 26).';

CREATE FUNCTION nous.pseudonym_new_key()
  RETURNS bytea LANGUAGE c VOLATILE PARALLEL RESTRICTED
  AS 'MODULE_PATHNAME', 'nous_pseudonym_new_key';
COMMENT ON FUNCTION nous.pseudonym_new_key() IS
  'A new random 32-byte key for nous.pseudonym, from the server''s cryptographic random source (pg_strong_random).';
