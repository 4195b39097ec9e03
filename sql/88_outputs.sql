-- outputs: publishable views for QGIS (maps) and Metabase (BI tables), French
-- number formats and class labels, and a validator of output conventions.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- ---------------------------------------------------------------- formats

CREATE FUNCTION nous.format_fr(value float8, digits int DEFAULT 1)
  RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t text;
  ip text;
  fp text;
  neg boolean;
BEGIN
  IF digits < 0 OR digits > 15 THEN
    RAISE EXCEPTION 'digits must be between 0 and 15'
      USING ERRCODE = '22023', DETAIL = format('digits is %s.', digits);
  END IF;
  IF value = 'NaN'::float8 OR value = 'Infinity'::float8 OR value = '-Infinity'::float8 THEN
    RETURN value::text;
  END IF;
  t := round(value::numeric, digits)::text;
  neg := left(t, 1) = '-';
  IF neg THEN
    t := substr(t, 2);
  END IF;
  ip := split_part(t, '.', 1);
  fp := split_part(t, '.', 2);
  -- thousands grouped by a no-break space (U+00A0), as INSEE publishes
  ip := regexp_replace(ip, '(\d)(?=(\d{3})+$)', E'\\1\u00a0', 'g');
  IF neg AND (ip || fp) ~ '[1-9]' THEN   -- never "-0,0"
    ip := '-' || ip;
  END IF;
  RETURN ip || CASE WHEN fp <> '' THEN ',' || fp ELSE '' END;
END
$$;
COMMENT ON FUNCTION nous.format_fr(float8, int) IS
  'A number written the French way: rounded to digits decimals (half away from zero), decimal comma, thousands grouped by a no-break space: 12345.678 -> ''12 345,7''.';

CREATE FUNCTION nous.class_labels(breaks float8[], minimum float8, digits int DEFAULT NULL)
  RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  b float8[];
  n int := coalesce(cardinality(breaks), 0);
  d int;
  lo text;
  hi text;
  out text[] := '{}';
  gap float8;
BEGIN
  IF n = 0 THEN
    RETURN out;
  END IF;
  IF array_position(breaks, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'breaks must not contain NULL' USING ERRCODE = '22004';
  END IF;
  b := ARRAY[coalesce(minimum, breaks[1])] || breaks;
  IF digits IS NULL THEN
    -- the fewest decimals that keep the bounds apart and move none of them
    -- by more than a tenth of the smallest gap between two bounds
    SELECT min(b[i + 1] - b[i]) INTO gap FROM generate_series(1, n) i WHERE b[i + 1] > b[i];
    d := 0;
    WHILE d < 10 AND (SELECT count(DISTINCT round(x::numeric, d)) < count(DISTINCT x)
                             OR max(abs(round(x::numeric, d) - x::numeric)) > 0.1 * gap
                        FROM unnest(b) x) LOOP
      d := d + 1;
    END LOOP;
  ELSE
    d := digits;
  END IF;
  FOR c IN 1 .. n LOOP
    hi := nous.format_fr(b[c + 1], d);
    IF c = 1 AND minimum IS NULL THEN
      out := out || ('≤ ' || hi);
      CONTINUE;
    END IF;
    lo := nous.format_fr(b[c], d);
    out := out || CASE WHEN lo = hi THEN hi ELSE lo || ' – ' || hi END;
  END LOOP;
  RETURN out;
END
$$;
COMMENT ON FUNCTION nous.class_labels(float8[], float8, int) IS
  'French labels of classes given by their upper bounds and the minimum: ''12,3 – 18,7'' (class c runs from bound c-1, or the minimum, to bound c); digits NULL = the fewest decimals that keep the bounds apart and move none by more than a tenth of the smallest gap.';

CREATE FUNCTION nous.class_labels(breaks float8[], minimum float8, digits int, scale float8, unit text)
  RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s float8 := coalesce(scale, 1);
  u text := CASE WHEN nullif(btrim(unit), '') IS NULL THEN '' ELSE ' ' || btrim(unit) END;
  labels text[];
BEGIN
  IF s <= 0 OR s = 'Infinity'::float8 OR s = 'NaN'::float8 THEN
    RAISE EXCEPTION 'scale must be a positive finite number' USING ERRCODE = '22023', DETAIL = format('scale is %s.', scale);
  END IF;
  labels := nous.class_labels(ARRAY(SELECT b * s FROM unnest(breaks) WITH ORDINALITY AS x(b, o) ORDER BY o),
                              minimum * s, digits);
  IF u = '' THEN
    RETURN labels;
  END IF;
  -- the unit after each number: « 2,1 % – 6,9 % », « ≤ 6,9 % »
  RETURN ARRAY(SELECT CASE WHEN l LIKE '%' || ' – ' || '%'
                           THEN split_part(l, ' – ', 1) || u || ' – ' || split_part(l, ' – ', 2) || u
                           ELSE l || u END
                 FROM unnest(labels) WITH ORDINALITY AS x(l, o) ORDER BY o);
END
$$;
COMMENT ON FUNCTION nous.class_labels(float8[], float8, int, float8, text) IS
  'French labels of classes with a display scale and unit: the bounds multiplied by scale (e.g. 100 for a rate stored as a fraction), then written as by nous.class_labels(breaks, minimum, digits) with the unit after each number: ''2,1 % – 6,9 %''.';

-- ---------------------------------------------------------------- columns

CREATE FUNCTION nous.output_columns(rel regclass)
  RETURNS TABLE (column_name name, data_type text, plain boolean, is_geometry boolean,
                 geometry_type text, srid int, description text)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
  WITH cols AS (
    SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS ft,
           -- a domain counts as its base type
           CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS base,
           col_description(a.attrelid, a.attnum) AS descr
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
  ), typed AS (
    SELECT c.*, bt.typname AS basename,
           (bt.typname = 'geometry' AND bt.typnamespace =
              (SELECT e.extnamespace FROM pg_extension e WHERE e.extname = 'postgis')) AS geo
      FROM cols c JOIN pg_type bt ON bt.oid = c.base
  )
  SELECT t.attname, t.ft,
         t.geo OR (t.basename IN ('bool', 'int2', 'int4', 'int8', 'float4', 'float8', 'numeric',
                                  'text', 'varchar', 'bpchar', 'date', 'timestamp', 'timestamptz')
                   AND t.base IN (SELECT oid FROM pg_type WHERE typnamespace = 'pg_catalog'::regnamespace)),
         t.geo,
         CASE WHEN t.geo THEN (regexp_match(t.ft, 'geometry\((\w+)'))[1] END,
         CASE WHEN t.geo THEN coalesce((regexp_match(t.ft, 'geometry\(\w+,(-?\d+)\)'))[1]::int, 0) END,
         t.descr
    FROM typed t
   ORDER BY t.attnum;
END
$$;
COMMENT ON FUNCTION nous.output_columns(regclass) IS
  'The columns of a table or view as a map or BI tool sees them: type, whether it is a plain type (boolean, integers, float, numeric, text, varchar, char, date, timestamp[tz], or a PostGIS geometry), geometry type and SRID from the typmod (SRID 0 = none), and the column comment.';

-- ---------------------------------------------------------------- validator

CREATE FUNCTION nous.check_output(view regclass, key_column text DEFAULT NULL)
  RETURNS TABLE ("check" text, ok boolean, detail text)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kind "char";
  cols record;
  bad text;
  has_geo boolean;
  key_name name;
  key_type text;
  idx text;
  n bigint;
  m bigint;
BEGIN
  SELECT c.relkind INTO kind FROM pg_class c WHERE c.oid = view;
  IF kind IS NULL THEN
    RAISE EXCEPTION 'relation with OID % does not exist', view::oid USING ERRCODE = '42P01';
  END IF;
  "check" := 'relation';
  ok := kind IN ('v', 'm', 'r', 'p', 'f');
  detail := CASE kind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'r' THEN 'table'
                      WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table'
                      ELSE format('relkind %s is not a table or view', kind) END;
  RETURN NEXT;
  IF NOT ok THEN
    RETURN;
  END IF;

  "check" := 'relation comment';
  ok := coalesce(btrim(obj_description(view, 'pg_class')), '') <> '';
  detail := CASE WHEN ok THEN 'COMMENT ON the relation is set' ELSE 'no COMMENT ON the relation' END;
  RETURN NEXT;

  SELECT string_agg(quote_ident(o.column_name), ', ') INTO bad
    FROM nous.output_columns(view) o WHERE coalesce(btrim(o.description), '') = '';
  "check" := 'column comments';
  ok := bad IS NULL;
  detail := coalesce('columns without a comment: ' || bad, 'every column has a comment');
  RETURN NEXT;

  SELECT string_agg(format('%I (%s)', o.column_name, o.data_type), ', ') INTO bad
    FROM nous.output_columns(view) o WHERE NOT o.plain;
  "check" := 'plain column types';
  ok := bad IS NULL;
  detail := coalesce('columns of other types: ' || bad,
                     'boolean, integer, float, numeric, text, date/time and geometry columns only');
  RETURN NEXT;

  SELECT bool_or(o.is_geometry) INTO has_geo FROM nous.output_columns(view) o;
  has_geo := coalesce(has_geo, false);

  -- the key: an integer column, unique and never NULL
  IF key_column IS NOT NULL OR has_geo OR kind IN ('m', 'r', 'p') THEN
    "check" := 'integer key';
    key_name := NULL;
    detail := NULL;
    IF key_column IS NOT NULL THEN
      SELECT o.column_name, o.data_type INTO key_name, key_type
        FROM nous.output_columns(view) o WHERE o.column_name = key_column;
      IF key_name IS NULL THEN
        ok := false;
        detail := format('no column %I', key_column);
      ELSIF key_type NOT IN ('smallint', 'integer', 'bigint') THEN
        ok := false;
        detail := format('column %I is %s, not an integer type', key_name, key_type);
        key_name := NULL;
      END IF;
    END IF;
    IF kind IN ('m', 'r', 'p') THEN
      -- a valid unique index on one integer column, without predicate or
      -- expression: what REFRESH MATERIALIZED VIEW CONCURRENTLY and QGIS need
      SELECT a.attname, i.indexrelid::regclass::text INTO key_name, idx
        FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
       WHERE i.indrelid = view AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
         AND i.indexprs IS NULL AND i.indnkeyatts = 1
         AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
         AND (key_column IS NULL OR a.attname = key_column)
       ORDER BY i.indisprimary DESC, a.attnum
       LIMIT 1;
      ok := key_name IS NOT NULL;
      detail := CASE WHEN ok THEN format('column %I, unique index %s', key_name, idx)
                     WHEN key_column IS NOT NULL THEN coalesce(detail, format('no unique index on column %I alone', key_column))
                     ELSE 'no valid unique index on one integer column (needed by QGIS and by REFRESH MATERIALIZED VIEW CONCURRENTLY)' END;
    ELSIF key_column IS NULL THEN
      ok := false;
      detail := 'a plain view has no unique index: pass key_column to check the data, or publish a map with nous.create_map_view';
    ELSIF key_name IS NOT NULL THEN
      EXECUTE format('SELECT count(*), count(DISTINCT %I) FROM %s', key_name, view) INTO n, m;
      ok := n = m;
      detail := CASE WHEN ok THEN format('column %I: %s distinct values (checked on the data of a plain view)', key_name, m)
                     ELSE format('column %I: %s duplicate values among %s rows', key_name, n - m, n) END;
    END IF;
    RETURN NEXT;

    IF key_name IS NOT NULL THEN
      "check" := 'key not null';
      EXECUTE format('SELECT count(*) FROM %s WHERE %I IS NULL', view, key_name) INTO n;
      ok := n = 0;
      detail := CASE WHEN ok THEN format('no NULL in %I', key_name)
                     ELSE format('%s NULL values in %I', n, key_name) END;
      RETURN NEXT;
    END IF;
  END IF;

  IF has_geo THEN
    SELECT string_agg(format('%I (%s)', o.column_name, o.data_type), ', ') INTO bad
      FROM nous.output_columns(view) o
     WHERE o.is_geometry AND (o.geometry_type IS NULL OR upper(o.geometry_type) = 'GEOMETRY' OR o.srid <= 0);
    "check" := 'typed geometry';
    ok := bad IS NULL;
    SELECT coalesce('untyped or without SRID: ' || bad,
                    string_agg(format('%I geometry(%s,%s)', o.column_name, o.geometry_type, o.srid), ', '))
      INTO detail FROM nous.output_columns(view) o WHERE o.is_geometry;
    RETURN NEXT;

    IF kind IN ('m', 'r', 'p') THEN
      SELECT string_agg(quote_ident(o.column_name), ', ') INTO bad
        FROM nous.output_columns(view) o
       WHERE o.is_geometry AND NOT EXISTS (
               SELECT 1 FROM pg_index i
                 JOIN pg_class ic ON ic.oid = i.indexrelid
                 JOIN pg_am am ON am.oid = ic.relam
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid = view AND am.amname IN ('gist', 'spgist', 'brin')
                  AND i.indisvalid AND i.indpred IS NULL AND a.attname = o.column_name);
      "check" := 'spatial index';
      ok := bad IS NULL;
      detail := coalesce('no spatial (GiST) index on: ' || bad, 'every geometry column has a spatial index');
      RETURN NEXT;
    END IF;
  END IF;

  IF kind = 'm' THEN
    "check" := 'populated';
    SELECT c.relispopulated INTO ok FROM pg_class c WHERE c.oid = view;
    detail := CASE WHEN ok THEN 'the materialized view holds data'
                   ELSE 'created WITH NO DATA: run REFRESH MATERIALIZED VIEW first' END;
    RETURN NEXT;
  END IF;
END
$$;
COMMENT ON FUNCTION nous.check_output(regclass, text) IS
  'Checks the conventions of a published output (map or BI view): relation and column comments, plain column types, an integer key unique and not NULL (a unique index for tables and materialized views), typed geometry with an SRID and a spatial index; one row per check (check, ok, detail).';

-- ---------------------------------------------------------------- helpers

CREATE FUNCTION nous._output_single_select(query text)
  RETURNS void LANGUAGE c STABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_output_single_select';
COMMENT ON FUNCTION nous._output_single_select(text) IS
  'Internal to the output helpers: error unless the query is exactly one SELECT (VALUES, TABLE, WITH … SELECT) statement, as PostgreSQL''s parser reads it, so that no second statement can ride along.';

CREATE FUNCTION nous.output_prepare(name text, query text, replace boolean,
                                    OUT schema_name name, OUT rel_name name, OUT probe regclass)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  parts text[];
  existing regclass;
  kind "char";
  q text;
BEGIN
  IF name IS NULL OR query IS NULL THEN
    RAISE EXCEPTION 'name and query must not be NULL' USING ERRCODE = '22004';
  END IF;
  parts := parse_ident(name);
  IF cardinality(parts) <> 2 THEN
    RAISE EXCEPTION 'output name must be schema-qualified: "%"', name
      USING ERRCODE = '42602',
            DETAIL = 'The functions of nous run with search_path = pg_catalog, pg_temp, so an unqualified name has no schema to go to.',
            HINT = 'Write the name as schema.view, e.g. ''nous_demo.map_squares''.';
  END IF;
  schema_name := parts[1];
  rel_name := parts[2];
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name) THEN
    RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
  END IF;
  SELECT c.oid, c.relkind INTO existing, kind
    FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = schema_name)
     AND c.relname = rel_name;
  IF existing IS NOT NULL THEN
    IF NOT coalesce(replace, false) THEN
      RAISE EXCEPTION 'relation "%" already exists', name USING ERRCODE = '42P07',
        HINT = 'Pass replace => true to drop and recreate it (only views and materialized views are replaced).';
    ELSIF kind NOT IN ('v', 'm') THEN
      RAISE EXCEPTION '"%" is not a view or a materialized view: it is not replaced', name USING ERRCODE = '42809';
    END IF;
  END IF;
  -- a trailing semicolon is harmless; anything after it is not
  q := regexp_replace(query, ';\s*$', '');
  -- one SELECT and nothing else (PostgreSQL's parser decides), before the
  -- query is embedded in any statement
  BEGIN
    PERFORM nous._output_single_select(q);
  EXCEPTION WHEN syntax_error THEN
    RAISE EXCEPTION 'the query is not one valid statement: %', SQLERRM USING ERRCODE = '42601',
      DETAIL = 'A published view is defined by one SELECT; it is parsed on its own before anything runs.';
  END;
  -- parse the query (without running it) into a temporary view: its columns
  -- and types, with errors reported against the caller's query
  IF to_regclass('pg_temp.nous_output_probe') IS NOT NULL THEN
    DROP VIEW pg_temp.nous_output_probe;
  END IF;
  BEGIN
    -- in parentheses: a second statement after a semicolon is a syntax error
    -- (the newline ends a trailing -- comment of the query)
    EXECUTE format('CREATE TEMP VIEW nous_output_probe AS SELECT * FROM (%s) q', q || chr(10));
  EXCEPTION WHEN undefined_table OR undefined_function OR undefined_object OR invalid_schema_name THEN
    RAISE EXCEPTION '%', SQLERRM USING ERRCODE = SQLSTATE,
      HINT = 'The query is parsed with search_path = pg_catalog, pg_temp: schema-qualify its tables and functions (nous_demo.squares, public.ST_Transform).';
  END;
  probe := 'pg_temp.nous_output_probe'::regclass;
END
$$;
COMMENT ON FUNCTION nous.output_prepare(text, text, boolean) IS
  'Internal to nous.create_map_view and nous.create_bi_view: checks the output name (schema-qualified, free or replaceable) and parses the query into the temporary view pg_temp.nous_output_probe.';

CREATE FUNCTION nous.output_descriptions(descriptions jsonb, known text[], required text[])
  RETURNS jsonb LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad text;
BEGIN
  IF descriptions IS NULL OR jsonb_typeof(descriptions) <> 'object' THEN
    RAISE EXCEPTION 'descriptions must be a jsonb object {"column": "description", ...}'
      USING ERRCODE = '22023', DETAIL = format('descriptions is %s.', coalesce(jsonb_typeof(descriptions), 'NULL'));
  END IF;
  SELECT string_agg(quote_ident(k), ', ' ORDER BY k) INTO bad
    FROM jsonb_object_keys(descriptions) k WHERE k <> ALL (known);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'descriptions name columns that the output does not have: %', bad
      USING ERRCODE = '42703', DETAIL = format('The output columns are: %s.', array_to_string(known, ', '));
  END IF;
  SELECT string_agg(quote_ident(k), ', ' ORDER BY k) INTO bad
    FROM jsonb_each(descriptions) e(k, v) WHERE jsonb_typeof(v) <> 'string';
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'descriptions must be strings: %', bad USING ERRCODE = '22023';
  END IF;
  SELECT string_agg(quote_ident(k), ', ' ORDER BY o) INTO bad
    FROM unnest(required) WITH ORDINALITY r(k, o)
   WHERE coalesce(btrim(descriptions ->> k), '') = '';
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'columns without a description: %', bad
      USING ERRCODE = '22023',
            DETAIL = 'Every output column gets a COMMENT ON COLUMN, which Metabase and QGIS show as its description.',
            HINT = 'Add them to descriptions, e.g. ''{"population": "Population municipale"}''.';
  END IF;
  RETURN descriptions;
END
$$;
COMMENT ON FUNCTION nous.output_descriptions(jsonb, text[], text[]) IS
  'Internal to the output helpers: checks descriptions (a jsonb object of strings naming known columns, every required column described).';

CREATE FUNCTION nous.output_source_comment(probe regclass, column_name text)
  RETURNS text LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c text;
  n int;
BEGIN
  -- the comments of the same-named columns the query reads (PostgreSQL
  -- records which columns a view reads); one distinct comment: that one
  SELECT min(col_description(d.refobjid, d.refobjsubid)), count(DISTINCT col_description(d.refobjid, d.refobjsubid))
    INTO c, n
    FROM pg_depend d
    JOIN pg_rewrite w ON w.oid = d.objid AND d.classid = 'pg_rewrite'::regclass
    JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
   WHERE w.ev_class = probe AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
     AND a.attname = column_name AND col_description(d.refobjid, d.refobjsubid) IS NOT NULL;
  IF n = 1 THEN
    RETURN c;
  END IF;
  -- else the catalogue: an indicator of that name
  SELECT i.label || coalesce(' (' || nullif(i.unit, '') || ')', '') || coalesce('. Source : ' || nullif(i.source, ''), '')
         || coalesce(', ' || i.year, '') || '.'
    INTO c FROM nous.indicators i WHERE i.code = column_name;
  RETURN c;
END
$$;
COMMENT ON FUNCTION nous.output_source_comment(regclass, text) IS
  'Internal to the output helpers: the description of an output column taken from the comment of the same-named column its query reads (when they agree), else from the label, unit, source and year of the indicator of that name in nous.indicators; NULL when neither exists.';

-- ---------------------------------------------------------------- map views

CREATE FUNCTION nous.create_map_view(name text, query text, key_column text, geom_column text,
                                     value_column text, k int DEFAULT 5, method text DEFAULT 'fisher',
                                     descriptions jsonb DEFAULT '{}', description text DEFAULT NULL,
                                     breaks float8[] DEFAULT NULL, digits int DEFAULT NULL,
                                     replace boolean DEFAULT false, count_column text DEFAULT NULL,
                                     threshold int DEFAULT NULL, indicator text DEFAULT NULL,
                                     unit text DEFAULT NULL, scale float8 DEFAULT NULL,
                                     parent_column text DEFAULT NULL, closed text DEFAULT 'right')
  RETURNS regclass LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  e_state text;
  e_msg text;
  e_detail text;
  e_hint text;
  sch name;
  rel name;
  probe regclass;
  pgis name;
  target text;
  legend text;
  cols record;
  key_t text;
  geom_t text;
  geom_typmod text;
  val_t text;
  others text[] := '{}';
  other_sel text := '';
  reserved text[] := ARRAY['class', 'class_lower', 'class_upper', 'class_label', 'secrecy_status', 'nous_secret'];
  bad text;
  secret boolean := count_column IS NOT NULL OR threshold IS NOT NULL OR indicator IS NOT NULL;
  rule int;
  cnt_t text;
  secret_expr text := 'false';
  r record;
  n_rows bigint := 0;
  n_null_key bigint := 0;
  n_null_geom bigint := 0;
  types text[] := '{}';
  srids int[] := '{}';
  counts text[] := '{}';
  gtype text;
  gsrid int;
  promote boolean := false;
  geom_expr text;
  br_expr text;
  cls_sql text;
  descr jsonb;
  n bigint;
  par_t text;
  src_comment text;
  val_comment text;
  lab_fn text;
BEGIN
  IF key_column IS NULL OR geom_column IS NULL OR value_column IS NULL THEN
    RAISE EXCEPTION 'key_column, geom_column and value_column must not be NULL' USING ERRCODE = '22004';
  END IF;
  IF breaks IS NULL AND (k IS NULL OR method IS NULL) THEN
    RAISE EXCEPTION 'k and method must not be NULL (or give fixed breaks)' USING ERRCODE = '22004';
  END IF;
  IF breaks IS NOT NULL THEN
    IF cardinality(breaks) = 0 OR array_position(breaks, NULL) IS NOT NULL
       OR EXISTS (SELECT 1 FROM unnest(breaks) WITH ORDINALITY a(b, i)
                   JOIN unnest(breaks) WITH ORDINALITY c(b, i) ON c.i = a.i + 1 WHERE c.b <= a.b)
       OR EXISTS (SELECT 1 FROM unnest(breaks) b WHERE b IN ('NaN', 'Infinity', '-Infinity')) THEN
      RAISE EXCEPTION 'fixed breaks must be finite, not NULL and strictly increasing'
        USING ERRCODE = '22023', DETAIL = format('breaks is %s.', breaks);
    END IF;
  END IF;
  IF digits IS NOT NULL AND (digits < 0 OR digits > 15) THEN
    RAISE EXCEPTION 'digits must be between 0 and 15' USING ERRCODE = '22023';
  END IF;
  IF scale IS NOT NULL AND (scale <= 0 OR scale IN ('Infinity', 'NaN')) THEN
    RAISE EXCEPTION 'scale must be a positive finite number' USING ERRCODE = '22023',
      DETAIL = format('scale is %s.', scale), HINT = 'For a rate stored as a fraction, scale => 100 and unit => ''%''.';
  END IF;
  IF closed IS NULL OR closed NOT IN ('right', 'left') THEN
    RAISE EXCEPTION 'closed must be ''right'' or ''left''' USING ERRCODE = '22023',
      DETAIL = format('closed is %s.', coalesce(quote_literal(closed), 'NULL')),
      HINT = 'right: a value on a break belongs to the class below, (a, b] (mapclassify); left: to the class above, [a, b) (classInt).';
  END IF;
  IF parent_column IS NOT NULL AND NOT secret THEN
    RAISE EXCEPTION 'parent_column needs the secrecy rule: give count_column, threshold or indicator' USING ERRCODE = '22023',
      DETAIL = 'parent_column groups the rows under totals published elsewhere, for secondary suppression.';
  END IF;
  -- labels: with a display scale and unit, the five-argument form
  lab_fn := CASE WHEN unit IS NULL AND scale IS NULL THEN format('%s)', coalesce(digits::text, 'NULL'))
                 ELSE format('%s, %s::float8, %L)', coalesce(digits::text, 'NULL'), coalesce(scale, 1), unit) END;
  IF breaks IS NULL THEN
    -- k and the method checked once here, rather than deep inside the view
    PERFORM nous.breaks(v, k, method) FROM (VALUES (1::float8)) t(v);
  END IF;
  -- the checks of the name and the query report to the caller as they are,
  -- without the chain of internal functions as CONTEXT
  BEGIN
    SELECT p.schema_name, p.rel_name, p.probe INTO sch, rel, probe FROM nous.output_prepare(name, query, replace) p;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT,
                            e_detail = PG_EXCEPTION_DETAIL, e_hint = PG_EXCEPTION_HINT;
    PERFORM nous.raise_error(e_state, e_msg, e_detail, e_hint);
  END;
  IF length(rel) > 56 THEN
    RAISE EXCEPTION 'map view name "%" is too long', rel USING ERRCODE = '42622',
      DETAIL = 'The name takes at most 56 bytes, so that its legend view <name>_legend fits in 63.';
  END IF;
  SELECT e.extnamespace::regnamespace::name INTO pgis FROM pg_extension e WHERE e.extname = 'postgis';
  target := format('%I.%I', sch, rel);
  legend := format('%I.%I', sch, rel || '_legend');

  -- the three named columns, and the others passed through
  FOR cols IN SELECT * FROM nous.output_columns(probe) LOOP
    IF cols.column_name = key_column THEN
      key_t := cols.data_type;
    ELSIF cols.column_name = geom_column THEN
      geom_t := cols.data_type;
      geom_typmod := CASE WHEN cols.is_geometry AND upper(cols.geometry_type) <> 'GEOMETRY' AND cols.srid > 0
                          THEN format('%s,%s', cols.geometry_type, cols.srid) END;
      IF NOT cols.is_geometry THEN
        RAISE EXCEPTION 'geometry column "%" is of type %, not geometry', geom_column, cols.data_type
          USING ERRCODE = '42804', HINT = 'Transform geography or other types in the query (e.g. public.ST_Transform(geog::public.geometry, 2154)).';
      END IF;
    ELSIF cols.column_name = value_column THEN
      val_t := cols.data_type;
      cnt_t := CASE WHEN cols.column_name = coalesce(count_column, value_column) THEN cols.data_type ELSE cnt_t END;
    ELSE
      IF cols.column_name = count_column THEN
        cnt_t := cols.data_type;
      END IF;
      IF cols.column_name = parent_column THEN
        par_t := cols.data_type;
      END IF;
      IF cols.column_name = ANY (reserved) THEN
        RAISE EXCEPTION 'the query has a column "%", a name the map view uses for its classes', cols.column_name
          USING ERRCODE = '42701', HINT = 'Rename it in the query.';
      END IF;
      IF NOT cols.plain OR cols.is_geometry THEN
        bad := concat_ws(', ', bad, format('%I (%s)', cols.column_name, cols.data_type));
      END IF;
      others := others || cols.column_name::text;
      -- a secret row publishes no figure: its numbers go NULL with the value
      other_sel := other_sel || CASE
        WHEN secret AND (cols.data_type IN ('smallint', 'integer', 'bigint', 'real', 'double precision') OR cols.data_type ~ '^numeric')
          THEN format(', CASE WHEN src.nous_secret THEN NULL ELSE src.%1$I END AS %1$I', cols.column_name)
        ELSE format(', src.%I', cols.column_name) END;
    END IF;
  END LOOP;
  IF key_t IS NULL OR geom_t IS NULL OR val_t IS NULL THEN
    RAISE EXCEPTION 'column "%" does not exist in the query',
      CASE WHEN key_t IS NULL THEN key_column WHEN geom_t IS NULL THEN geom_column ELSE value_column END
      USING ERRCODE = '42703',
            DETAIL = format('The query has the columns %s.',
                            (SELECT string_agg(quote_ident(o.column_name), ', ') FROM nous.output_columns(probe) o));
  END IF;
  IF key_t NOT IN ('smallint', 'integer', 'bigint') THEN
    RAISE EXCEPTION 'key column "%" is of type %, not an integer type', key_column, key_t
      USING ERRCODE = '42804', HINT = 'QGIS needs an integer key: use an integer id, or number the rows (e.g. row_number() OVER (ORDER BY code)).';
  END IF;
  IF val_t NOT IN ('smallint', 'integer', 'bigint', 'real', 'double precision') AND val_t !~ '^numeric' THEN
    RAISE EXCEPTION 'value column "%" is of type %, not a number', value_column, val_t USING ERRCODE = '42804';
  END IF;
  IF secret THEN
    -- statistical secrecy: the rule of the arguments, else of the indicator,
    -- else INSEE's 11; the count is the value unless count_column names another
    SELECT sr.rule_threshold INTO rule FROM nous._secrecy_rules(threshold, NULL, indicator) sr;
    IF rule IS NULL OR rule < 1 THEN
      RAISE EXCEPTION 'threshold must be at least 1, got %', coalesce(rule::text, 'NULL')
        USING ERRCODE = '22023', HINT = 'INSEE''s rule for tax-based household data is 11.';
    END IF;
    IF cnt_t IS NULL THEN
      RAISE EXCEPTION 'count column "%" does not exist in the query', count_column USING ERRCODE = '42703',
        DETAIL = format('The query has the columns %s.',
                        (SELECT string_agg(quote_ident(o.column_name), ', ') FROM nous.output_columns(probe) o));
    END IF;
    IF cnt_t NOT IN ('smallint', 'integer', 'bigint', 'real', 'double precision') AND cnt_t !~ '^numeric' THEN
      RAISE EXCEPTION 'count column "%" is of type %, not a number', coalesce(count_column, value_column), cnt_t
        USING ERRCODE = '42804';
    END IF;
    -- secret: a count under the threshold, compared as a number (a weighted
    -- 10.6 households is under 11; 0 is published, as by nous.secrecy_primary),
    -- or no count at all
    secret_expr := format('(raw.%1$I IS NULL OR (raw.%1$I > 0 AND raw.%1$I < %2$s))',
                          coalesce(count_column, value_column), rule);
    IF parent_column IS NOT NULL THEN
      IF par_t IS NULL THEN
        RAISE EXCEPTION 'parent column "%" does not exist in the query', parent_column USING ERRCODE = '42703',
          DETAIL = format('The query has the columns %s.',
                          (SELECT string_agg(quote_ident(o.column_name), ', ') FROM nous.output_columns(probe) o));
      END IF;
      -- a hierarchy: the rows are the parts of totals by parent_column that
      -- are published elsewhere (or derivable); secondary suppression as in
      -- nous.secrecy_publish, so that no hidden row is recoverable by
      -- difference from its total and its published siblings
      secret_expr := format(
        'coalesce((SELECT h.status <> ''published'' FROM nous_hier h WHERE h.id = raw.%1$I::text), true)',
        key_column);
    END IF;
  END IF;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'columns of the query that are not of a plain type: %', bad
      USING ERRCODE = '42804',
            DETAIL = 'Map views hold one geometry and otherwise boolean, integer, float, numeric, text and date/time columns.',
            HINT = 'Cast them in the query (array_to_string(a, '', ''), j::text) or leave them out.';
  END IF;
  -- a column without a description takes the comment of the column it comes
  -- from (the query's tables), else the catalogue's label of an indicator of
  -- that name; only then is a description required
  descr := coalesce(descriptions, 'null'::jsonb);
  IF jsonb_typeof(descr) = 'object' THEN
    FOR i IN 1 .. cardinality(others) LOOP
      IF coalesce(btrim(descr ->> others[i]), '') = '' THEN
        src_comment := nous.output_source_comment(probe, others[i]);
        IF src_comment IS NOT NULL THEN
          descr := descr || jsonb_build_object(others[i], src_comment);
        END IF;
      END IF;
    END LOOP;
  END IF;
  descr := nous.output_descriptions(descr, ARRAY[key_column, geom_column, value_column] || others || reserved, others);
  val_comment := coalesce(descr ->> value_column, nous.output_source_comment(probe, value_column),
                          format('Valeur représentée : %s (la source n''a pas de commentaire sur cette colonne).', value_column))
                 || CASE WHEN unit IS NOT NULL OR scale IS NOT NULL
                         THEN format(' Libellés des classes : valeur%s%s.', CASE WHEN coalesce(scale, 1) <> 1 THEN ' × ' || nous.format_fr(scale, CASE WHEN scale = trunc(scale) THEN 0 ELSE 3 END) ELSE '' END,
                                     coalesce(' en ' || unit, ''))
                         ELSE '' END;

  -- the data: NULL keys, NULL geometries, geometry types and SRIDs
  FOR r IN EXECUTE format(
      'SELECT CASE WHEN g IS NOT NULL THEN regexp_replace(%1$I.GeometryType(g), ''M$'', '''')'
      ' || (ARRAY['''', ''M'', ''Z'', ''ZM''])[%1$I.ST_Zmflag(g) + 1] END AS t,'
      ' %1$I.ST_SRID(g) AS srid, count(*) AS n, count(*) FILTER (WHERE key IS NULL) AS null_key'
      '  FROM (SELECT p.%2$I AS key, p.%3$I AS g FROM pg_temp.nous_output_probe p) s'
      ' GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2', pgis, key_column, geom_column) LOOP
    n_rows := n_rows + r.n;
    n_null_key := n_null_key + r.null_key;
    IF r.t IS NULL THEN
      n_null_geom := n_null_geom + r.n;
    ELSE
      types := types || r.t;
      srids := srids || r.srid;
      counts := counts || format('%s (SRID %s): %s rows', r.t, r.srid, r.n);
    END IF;
  END LOOP;
  IF n_null_key > 0 THEN
    RAISE EXCEPTION 'key column "%" has % NULL values', key_column, n_null_key
      USING ERRCODE = '23502', DETAIL = format('%s rows of %s have no key.', n_null_key, n_rows);
  END IF;
  IF n_null_geom > 0 THEN
    RAISE EXCEPTION 'geometry column "%" has % NULL values', geom_column, n_null_geom
      USING ERRCODE = '23502', DETAIL = format('%s rows of %s have no geometry; a map layer has one geometry a row.', n_null_geom, n_rows),
            HINT = 'Filter them out in the query (WHERE geom IS NOT NULL).';
  END IF;
  IF (SELECT count(DISTINCT s) FROM unnest(srids) s) > 1 THEN
    RAISE EXCEPTION 'geometry column "%" mixes % SRIDs', geom_column, (SELECT count(DISTINCT s) FROM unnest(srids) s)
      USING ERRCODE = '22023', DETAIL = format('The rows have: %s.', array_to_string(counts, '; ')),
            HINT = 'Transform them to one SRID in the query (public.ST_Transform(geom, 2154)).';
  END IF;
  IF 0 = ANY (srids) THEN
    RAISE EXCEPTION 'geometry column "%" has no SRID (0)', geom_column
      USING ERRCODE = '22023', HINT = 'Set it in the query (public.ST_SetSRID(geom, 2154)).';
  END IF;
  IF (SELECT count(DISTINCT t) FROM unnest(types) t) > 1 THEN
    -- single and multi parts of one kind are promoted to multi; others are an error
    IF (SELECT count(DISTINCT regexp_replace(t, '^MULTI', '')) FROM unnest(types) t) = 1
       AND (SELECT bool_and(t !~ '^GEOMETRYCOLLECTION') FROM unnest(types) t) THEN
      promote := true;
      gtype := 'MULTI' || regexp_replace(types[1], '^MULTI', '');
    ELSE
      RAISE EXCEPTION 'geometry column "%" mixes % geometry types', geom_column, (SELECT count(DISTINCT t) FROM unnest(types) t)
        USING ERRCODE = '22023', DETAIL = format('The rows have: %s.', array_to_string(counts, '; ')),
              HINT = 'A map layer has one geometry type: split the query, or convert (public.ST_Multi, public.ST_CollectionExtract).';
    END IF;
  ELSE
    gtype := types[1];
  END IF;
  gsrid := srids[1];
  IF gtype IS NULL THEN
    -- no row: only a typed column tells the type
    IF geom_typmod IS NULL THEN
      RAISE EXCEPTION 'the query returns no row and its geometry column is not typed'
        USING ERRCODE = '22023', HINT = 'Cast the geometry in the query, e.g. geom::public.geometry(MultiPolygon, 2154).';
    END IF;
    gtype := split_part(geom_typmod, ',', 1);
    gsrid := split_part(geom_typmod, ',', 2)::int;
  END IF;
  geom_expr := CASE WHEN promote THEN format('%I.ST_Multi(src.%I)', pgis, geom_column)
                    ELSE format('src.%I', geom_column) END;

  -- the class breaks: recomputed on every refresh over the whole view, or fixed
  IF breaks IS NOT NULL THEN
    br_expr := format('%L::float8[]', breaks);
  ELSE
    br_expr := format('nous.breaks(s.v, %s, %L)', k, method);
  END IF;
  -- @VALUE@ and @FROM@: the value and the relation, filled in below for the
  -- map (the query) and for its legend (the stored values)
  cls_sql := format(
    'SELECT b.br, b.lo, b.hi, nous.class_labels(CASE WHEN b.br IS NOT NULL THEN'
    ' b.br[1:cardinality(b.br) - 1] || greatest(b.hi, b.br[cardinality(b.br)]) END,'
    ' least(b.lo, b.br[1]), %s AS labels'
    ' FROM (SELECT %s AS br, min(s.v) AS lo, max(s.v) AS hi FROM (SELECT @VALUE@ AS v FROM @FROM@) s) b',
    lab_fn, br_expr);

  IF replace THEN
    EXECUTE format('DROP VIEW IF EXISTS %s', legend);
    IF to_regclass(target) IS NOT NULL THEN
      EXECUTE format('DROP %s %s', CASE WHEN (SELECT relkind FROM pg_class WHERE oid = to_regclass(target)) = 'm'
                                        THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target);
    END IF;
  END IF;
  -- lab is MATERIALIZED: inlined, the planner would evaluate class_labels
  -- (and the breaks' subscripts) once a row instead of once a refresh
  EXECUTE format(
    'CREATE MATERIALIZED VIEW %s AS'
    ' WITH raw AS MATERIALIZED (SELECT * FROM (%s) q),'
    || CASE WHEN parent_column IS NULL THEN '' ELSE replace(format(
    ' nous_hier AS MATERIALIZED (SELECT x.id, x.status FROM'
    ' (SELECT array_agg(h.id ORDER BY h.id COLLATE "C") AS ids, array_agg(h.parent ORDER BY h.id COLLATE "C") AS parents,'
    ' array_agg(h.n ORDER BY h.id COLLATE "C") AS counts, array_agg(h.prim ORDER BY h.id COLLATE "C") AS prims FROM'
    ' (SELECT raw.%1$I::text AS id, ''parent:'' || raw.%2$I::text AS parent, coalesce(raw.%3$I, 0)::float8 AS n,'
    ' (raw.%3$I IS NULL OR (raw.%3$I > 0 AND raw.%3$I < %4$s)) AS prim FROM raw'
    ' UNION ALL SELECT ''parent:'' || raw.%2$I::text, NULL, sum(coalesce(raw.%3$I, 0))::float8,'
    ' sum(coalesce(raw.%3$I, 0)) > 0 AND sum(coalesce(raw.%3$I, 0)) < %4$s FROM raw WHERE raw.%2$I IS NOT NULL GROUP BY raw.%2$I) h) a,'
    ' LATERAL nous.secrecy_suppress(a.ids, a.parents, a.counts, a.prims, NULL, %4$s) x),',
    key_column, parent_column, coalesce(count_column, value_column), rule), '%', '%%') END ||
    ' src AS MATERIALIZED (SELECT raw.*, %s AS nous_secret FROM raw),'
    ' lab AS MATERIALIZED (%s)'
    ' SELECT src.%I::bigint AS %I%s, CASE WHEN src.nous_secret THEN NULL ELSE src.%I::float8 END AS %I,'
    ' CASE WHEN src.nous_secret THEN 0 ELSE c.class END AS class,'
    ' CASE WHEN src.nous_secret THEN NULL WHEN c.class = 1 THEN least(lab.lo, lab.br[1]) ELSE lab.br[c.class - 1] END AS class_lower,'
    ' CASE WHEN src.nous_secret THEN NULL WHEN c.class = cardinality(lab.br) THEN greatest(lab.hi, lab.br[c.class]) ELSE lab.br[c.class] END AS class_upper,'
    ' CASE WHEN src.nous_secret THEN ''secret statistique'' ELSE coalesce(lab.labels[c.class], ''non disponible'') END AS class_label,'
    ' %s(%s)::%I.geometry(%s,%s) AS %I'
    ' FROM src CROSS JOIN lab CROSS JOIN LATERAL'
    ' (SELECT nous.class_of(CASE WHEN src.nous_secret THEN NULL ELSE src.%I::float8 END, lab.br%s) AS class) c',
    target, regexp_replace(query, ';\s*$', '') || chr(10), secret_expr,
    replace(replace(cls_sql, '@VALUE@', format('CASE WHEN src.nous_secret THEN NULL ELSE src.%I::float8 END', value_column)), '@FROM@', 'src'),
    key_column, key_column, other_sel, value_column, value_column,
    CASE WHEN secret THEN 'CASE WHEN src.nous_secret THEN ''secret statistique'' ELSE ''diffusé'' END AS secrecy_status, ' ELSE '' END,
    geom_expr, pgis, gtype, gsrid, geom_column, value_column,
    CASE WHEN closed = 'left' THEN ', ''left''' ELSE '' END);
  BEGIN
    EXECUTE format('CREATE UNIQUE INDEX ON %s (%I)', target, key_column);
  EXCEPTION WHEN unique_violation THEN
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s GROUP BY %I HAVING count(*) > 1) d', target, key_column) INTO n;
    RAISE EXCEPTION 'key column "%" has duplicate values', key_column
      USING ERRCODE = '23505',
            DETAIL = format('%s key values occur more than once (%s).', n, SQLERRM),
            HINT = 'A map needs one row per key: aggregate in the query, or number the rows.';
  END;
  EXECUTE format('CREATE INDEX ON %s USING gist (%I)', target, geom_column);

  -- the legend: the same breaks, from the stored values
  EXECUTE format(
    'CREATE VIEW %s AS WITH lab AS MATERIALIZED (%s),'
    ' n AS (SELECT m.class, count(*) AS features FROM %s m WHERE m.class IS NOT NULL GROUP BY m.class)'
    ' SELECT * FROM (SELECT c.class::int AS class,'
    ' CASE WHEN c.class = 1 THEN least(lab.lo, lab.br[1]) ELSE lab.br[c.class - 1] END AS lower,'
    ' CASE WHEN c.class = cardinality(lab.br) THEN greatest(lab.hi, lab.br[c.class]) ELSE lab.br[c.class] END AS upper,'
    ' lab.labels[c.class] AS label, coalesce(n.features, 0) AS features'
    ' FROM lab CROSS JOIN LATERAL generate_subscripts(lab.br, 1) AS c(class) LEFT JOIN n ON n.class = c.class'
    '%s) l ORDER BY l.class = 0, l.class',
    legend, replace(replace(cls_sql, '@VALUE@', format('m.%I', value_column)), '@FROM@', target || ' m'), target,
    CASE WHEN secret THEN format(' UNION ALL SELECT 0, NULL::float8, NULL::float8, ''secret statistique'','
                                 ' (SELECT count(*) FROM %s m WHERE m.class = 0)', target) ELSE '' END);

  -- comments, in French (what QGIS and Metabase show)
  EXECUTE format('COMMENT ON MATERIALIZED VIEW %s IS %L', target, coalesce(nullif(btrim(description), ''),
    format('Carte de %s en classes (%s), une ligne par entité ; créée par nous.create_map_view.', value_column,
           CASE WHEN breaks IS NOT NULL THEN 'seuils fixes' ELSE format('%s classes, méthode %s', k, method) END)));
  EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, key_column, coalesce(descr ->> key_column,
    'Identifiant entier unique de l''entité (clé de la couche dans QGIS).'));
  EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, geom_column, coalesce(descr ->> geom_column,
    format('Géométrie (%s, EPSG:%s).', (SELECT o.geometry_type FROM nous.output_columns(target::regclass) o
                                         WHERE o.column_name = geom_column), gsrid)));
  EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, value_column, val_comment);
  EXECUTE format('COMMENT ON COLUMN %s.class IS %L', target, coalesce(descr ->> 'class',
    CASE WHEN breaks IS NOT NULL
         THEN format('Classe de la valeur, de 1 (valeurs les plus basses) à %s, seuils fixes %s ; vide si la valeur manque.', cardinality(breaks), breaks)
         ELSE format('Classe de la valeur, de 1 (valeurs les plus basses) à %s au plus, seuils nous.breaks(valeur, %s, %L) recalculés sur toute la vue à chaque rafraîchissement ; vide si la valeur manque.', k, k, method) END));
  EXECUTE format('COMMENT ON COLUMN %s.class_lower IS %L', target, coalesce(descr ->> 'class_lower',
    'Borne inférieure de la classe (exclue, sauf pour la classe 1 où c''est le minimum des valeurs).'));
  EXECUTE format('COMMENT ON COLUMN %s.class_upper IS %L', target, coalesce(descr ->> 'class_upper',
    'Borne supérieure de la classe (incluse ; pour la dernière classe, le maximum des valeurs).'));
  IF secret THEN
    EXECUTE format('COMMENT ON COLUMN %s.secrecy_status IS %L', target, coalesce(descr ->> 'secrecy_status',
      format('« secret statistique » quand le compte (%s) est inférieur à %s : la valeur et les autres nombres de la ligne sont alors vides (classe 0) ; « diffusé » sinon.',
             coalesce(count_column, value_column), rule)));
  END IF;
  EXECUTE format('COMMENT ON COLUMN %s.class_label IS %L', target, coalesce(descr ->> 'class_label',
    'Libellé de la classe, ex. « 12,3 – 18,7 » ; « non disponible » si la valeur manque ; « secret statistique » pour la classe 0.'));
  FOR i IN 1 .. cardinality(others) LOOP
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, others[i], descr ->> others[i]);
  END LOOP;
  EXECUTE format('COMMENT ON VIEW %s IS %L', legend,
    format('Légende de la carte %s : une ligne par classe, mêmes seuils que la carte (recalculés sur ses valeurs).', target));
  EXECUTE format('COMMENT ON COLUMN %s.class IS %L', legend, 'Numéro de la classe (1 = valeurs les plus basses).');
  EXECUTE format('COMMENT ON COLUMN %s.lower IS %L', legend, 'Borne inférieure (exclue, sauf pour la classe 1 : le minimum).');
  EXECUTE format('COMMENT ON COLUMN %s.upper IS %L', legend, 'Borne supérieure (incluse).');
  EXECUTE format('COMMENT ON COLUMN %s.label IS %L', legend, 'Libellé de la classe, ex. « 12,3 – 18,7 ».');
  EXECUTE format('COMMENT ON COLUMN %s.features IS %L', legend, 'Nombre d''entités de la carte dans la classe.');
  DROP VIEW pg_temp.nous_output_probe;
  RETURN target::regclass;
END
$$;
COMMENT ON FUNCTION nous.create_map_view(text, text, text, text, text, int, text, jsonb, text, float8[], int, boolean, text, int, text, text, float8, text, text) IS
  'Publishes a query (one SELECT) as a QGIS map layer: a materialized view with a bigint key (unique index, refreshable CONCURRENTLY), a typed geometry column (type and SRID read from the data) with a GiST index, the value, its class (nous.breaks over the published values, recomputed at each refresh, or fixed breaks), class bounds and French labels, comments on every column; plus the view <name>_legend.  With count_column, threshold or indicator: statistical secrecy, a row whose count (e.g. the households under a rate) is under the threshold publishes no figure (class 0, « secret statistique », column secrecy_status). closed => ''left'': a value on a break goes to the class above, [a, b) as in classInt; the default ''right'' puts it in the class below, (a, b] as in mapclassify.';

-- ------------------------------------------------------- map of a stored index

CREATE FUNCTION nous.create_index_map_view(name text, index_name text, source regclass, key_column text,
                                           geom_column text, partition_column text DEFAULT NULL,
                                           k int DEFAULT NULL, method text DEFAULT 'quantile',
                                           digits int DEFAULT 2, description text DEFAULT NULL,
                                           descriptions jsonb DEFAULT '{}', replace boolean DEFAULT false,
                                           count_column text DEFAULT NULL, threshold int DEFAULT NULL,
                                           indicator text DEFAULT NULL)
  RETURNS regclass LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d        nous.index_definitions%ROWTYPE;
  key_t    text;
  int_key  boolean;
  map_key  text;
  q        text;
  comps    text;
  descr    jsonb;
  col      text;
  nk       int;
BEGIN
  IF name IS NULL OR index_name IS NULL OR source IS NULL OR key_column IS NULL OR geom_column IS NULL THEN
    RAISE EXCEPTION 'name, index_name, source, key_column and geom_column must not be NULL' USING ERRCODE = '22004';
  END IF;
  SELECT * INTO d FROM nous.index_definitions x WHERE x.name = index_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'index "%" is not defined', index_name
      USING ERRCODE = 'undefined_object',
            HINT = 'See the table nous.index_definitions; define one with nous.define_index().';
  END IF;
  FOREACH col IN ARRAY ARRAY[key_column, geom_column, partition_column, count_column] LOOP
    CONTINUE WHEN col IS NULL;
    IF NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = source AND a.attname = col
                                                  AND a.attnum > 0 AND NOT a.attisdropped) THEN
      RAISE EXCEPTION 'column "%" does not exist in %', col, source
        USING ERRCODE = 'undefined_column',
              DETAIL = format('%s has the columns %s.', source,
                              (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
                                WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped));
    END IF;
  END LOOP;
  SELECT format_type(a.atttypid, NULL) INTO key_t FROM pg_attribute a
   WHERE a.attrelid = source AND a.attname = key_column;
  int_key := key_t IN ('smallint', 'integer', 'bigint');
  -- QGIS needs an integer key: the source's own, else the rows numbered by code
  map_key := CASE WHEN int_key THEN key_column ELSE 'map_id' END;
  nk := coalesce(k, d.classes);
  q := format('SELECT %s AS %I%s, c.score, c.rank AS index_rank, c.class AS index_class, c.coverage AS index_coverage%s%s, s.%I'
              ' FROM %s s JOIN nous.index_compute(%L, %L::regclass, %L%s) c ON c.key = s.%I::text',
              CASE WHEN int_key THEN format('s.%I', key_column) ELSE format('row_number() OVER (ORDER BY s.%I)', key_column) END,
              map_key,
              CASE WHEN int_key THEN '' ELSE format(', s.%I', key_column) END,
              CASE WHEN partition_column IS NOT NULL THEN format(', s.%I', partition_column) ELSE '' END,
              CASE WHEN count_column IS NOT NULL AND count_column IS DISTINCT FROM partition_column
                   THEN format(', s.%I', count_column) ELSE '' END,
              geom_column, source, d.name, source::text, key_column,
              CASE WHEN partition_column IS NOT NULL THEN format(', %L', partition_column) ELSE '' END,
              key_column);
  SELECT string_agg(format('%s (poids %s%s)', coalesce(c.label, c.column_name), nous.format_fr(c.weight, CASE WHEN c.weight = trunc(c.weight) THEN 0 ELSE 2 END),
                           CASE WHEN c.polarity = -1 THEN ', sens inversé' ELSE '' END), ', ' ORDER BY c.position)
    INTO comps FROM nous.index_components c WHERE c.index_name = d.name;
  -- descriptions for readers, in French: the source's own column comments
  -- where it has them, then what nous knows; the caller's win
  descr := jsonb_strip_nulls(jsonb_build_object(
    'score', format('Score de l''indice composite « %s »%s ; composantes : %s ; normalisation %s, agrégation %s ; plus haut = plus fragile.',
                    d.name, coalesce(' (' || nullif(btrim(d.description), '') || ')', ''), comps, d.normalise, d.aggregate),
    'index_rank', format('Rang de l''entité selon l''indice « %s » (1 = la plus fragile)%s.', d.name,
                         CASE WHEN partition_column IS NOT NULL THEN format(', au sein de chaque %s', partition_column) ELSE '' END),
    'index_class', format('Classe de l''indice « %s » selon nous.index_compute : %s quantiles de même effectif, de 1 (la moins fragile) à %s%s. La colonne class est la classe de la carte (seuils nous.breaks, méthode %s).',
                          d.name, d.classes, d.classes,
                          CASE WHEN partition_column IS NOT NULL THEN format(' au sein de chaque %s', partition_column) ELSE '' END,
                          method),
    'index_coverage', 'Part du poids des composantes renseignées pour l''entité (1 = toutes).',
    key_column, CASE WHEN NOT int_key THEN coalesce(col_description(source, (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = source AND a.attname = key_column)),
                                                 format('Code de l''entité (colonne %s de %s).', key_column, source)) END,
    coalesce(partition_column, ' no partition'), CASE WHEN partition_column IS NOT NULL THEN coalesce(col_description(source, (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = source AND a.attname = partition_column)),
                                                 format('Partition de calcul de l''indice (colonne %s de %s).', partition_column, source)) END,
    coalesce(count_column, ' no count'), CASE WHEN count_column IS NOT NULL THEN coalesce(col_description(source, (SELECT a.attnum FROM pg_attribute a WHERE a.attrelid = source AND a.attname = count_column)),
                                                 format('Effectif de l''entité (colonne %s de %s), qui décide du secret statistique.', count_column, source)) END
  )) || coalesce(descriptions, '{}');
  RETURN nous.create_map_view(name, q, map_key, geom_column, 'score', k => nk, method => method,
                              descriptions => descr, replace => replace, digits => digits,
                              count_column => count_column, threshold => threshold, indicator => indicator,
                              description => coalesce(description,
                                format('Carte de l''indice composite « %s » (%s), %s classes (méthode %s) ; créée par nous.create_index_map_view.',
                                       d.name, source, nk, method)));
END
$$;
COMMENT ON FUNCTION nous.create_index_map_view(text, text, regclass, text, text, text, int, text, int, text, jsonb, boolean, text, int, text) IS
  'Publishes a stored index as a QGIS map layer in one call (no query to write): nous.index_compute of the index over the source table joined to its geometries, through nous.create_map_view; score, index_rank and index_class (the quantile class of nous.index_compute), index_coverage, the map''s own class (k classes of the score, by default the index''s number of classes and method quantile); an integer key (the source''s, or map_id numbered by code with the code kept), French comments from the index''s definition and the source''s column comments; secrecy options as create_map_view.';

-- ---------------------------------------------------------------- BI views

CREATE FUNCTION nous.create_bi_view(name text, query text, description text, descriptions jsonb,
                                    key_column text DEFAULT NULL, materialized boolean DEFAULT false,
                                    cast_to_text boolean DEFAULT false, replace boolean DEFAULT false,
                                    count_column text DEFAULT NULL, threshold int DEFAULT NULL,
                                    indicator text DEFAULT NULL, parent_column text DEFAULT NULL)
  RETURNS regclass LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  e_state text;
  e_msg text;
  e_detail text;
  e_hint text;
  sch name;
  rel name;
  probe regclass;
  target text;
  cols record;
  names text[] := '{}';
  sel text[] := '{}';
  cast_from text[] := '{}';
  bad text;
  geo text;
  key_t text;
  descr jsonb;
  n bigint;
  m bigint;
  secret boolean := count_column IS NOT NULL OR threshold IS NOT NULL OR indicator IS NOT NULL;
  rule int;
  cnt_t text;
  numeric_cols text[] := '{}';
BEGIN
  IF secret AND count_column IS NULL THEN
    RAISE EXCEPTION 'statistical secrecy needs count_column' USING ERRCODE = '22004',
      DETAIL = 'A row is secret when its count (the households under its figures) is under the threshold.';
  END IF;
  IF coalesce(btrim(description), '') = '' THEN
    RAISE EXCEPTION 'description must not be empty' USING ERRCODE = '22023',
      DETAIL = 'It becomes the COMMENT ON the view, which Metabase shows as the table description.';
  END IF;
  IF parent_column IS NOT NULL AND (NOT secret OR key_column IS NULL) THEN
    RAISE EXCEPTION 'parent_column needs the secrecy rule (count_column, threshold or indicator) and a key_column'
      USING ERRCODE = '22023',
            DETAIL = 'parent_column groups the rows, identified by key_column, under totals published elsewhere, for secondary suppression.';
  END IF;
  IF coalesce(materialized, false) AND key_column IS NULL THEN
    RAISE EXCEPTION 'a materialized BI view needs a key_column' USING ERRCODE = '22023',
      DETAIL = 'Its unique index lets REFRESH MATERIALIZED VIEW CONCURRENTLY keep it readable during the nightly refresh.';
  END IF;
  -- the checks of the name and the query report to the caller as they are,
  -- without the chain of internal functions as CONTEXT
  BEGIN
    SELECT p.schema_name, p.rel_name, p.probe INTO sch, rel, probe FROM nous.output_prepare(name, query, replace) p;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_msg = MESSAGE_TEXT,
                            e_detail = PG_EXCEPTION_DETAIL, e_hint = PG_EXCEPTION_HINT;
    PERFORM nous.raise_error(e_state, e_msg, e_detail, e_hint);
  END;
  target := format('%I.%I', sch, rel);
  FOR cols IN SELECT * FROM nous.output_columns(probe) LOOP
    IF secret AND cols.column_name IN ('secrecy_status', 'nous_secret') THEN
      RAISE EXCEPTION 'the query has a column "%", a name the view uses for statistical secrecy', cols.column_name
        USING ERRCODE = '42701', HINT = 'Rename it in the query.';
    END IF;
    names := names || cols.column_name::text;
    IF cols.column_name = key_column THEN
      key_t := cols.data_type;
    END IF;
    IF cols.column_name = count_column THEN
      cnt_t := cols.data_type;
    END IF;
    IF cols.is_geometry THEN
      geo := concat_ws(', ', geo, quote_ident(cols.column_name));
    ELSIF cols.plain AND secret AND cols.column_name IS DISTINCT FROM key_column
          AND (cols.data_type IN ('smallint', 'integer', 'bigint', 'real', 'double precision') OR cols.data_type ~ '^numeric') THEN
      -- a secret row publishes no figure
      sel := sel || format('CASE WHEN q.nous_secret THEN NULL ELSE q.%1$I END AS %1$I', cols.column_name);
      numeric_cols := numeric_cols || cols.column_name::text;
    ELSIF cols.plain THEN
      sel := sel || format('q.%I', cols.column_name);
    ELSIF coalesce(cast_to_text, false) THEN
      sel := sel || format('q.%I::text AS %I', cols.column_name, cols.column_name);
      cast_from := cast_from || format('%s:%s', cols.column_name, cols.data_type);
    ELSE
      bad := concat_ws(', ', bad, format('%I (%s)', cols.column_name, cols.data_type));
    END IF;
  END LOOP;
  IF geo IS NOT NULL THEN
    RAISE EXCEPTION 'a BI view has no geometry column: %', geo
      USING ERRCODE = '42804',
            DETAIL = 'Metabase reads geometry as unreadable binary; maps go through nous.create_map_view.',
            HINT = 'Leave it out, or give coordinates (public.ST_X(public.ST_Transform(public.ST_PointOnSurface(geom), 4326))) or public.ST_AsText(geom).';
  END IF;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'columns that are not of a plain type: %', bad
      USING ERRCODE = '42804',
            DETAIL = 'BI views hold boolean, integer, float, numeric, text, varchar, char, date and timestamp columns only.',
            HINT = 'Cast them in the query, or pass cast_to_text => true to publish their text form.';
  END IF;
  IF key_column IS NOT NULL THEN
    IF key_t IS NULL THEN
      RAISE EXCEPTION 'column "%" does not exist in the query', key_column USING ERRCODE = '42703',
        DETAIL = format('The query has the columns %s.', array_to_string(names, ', '));
    ELSIF key_t NOT IN ('smallint', 'integer', 'bigint') THEN
      RAISE EXCEPTION 'key column "%" is of type %, not an integer type', key_column, key_t USING ERRCODE = '42804';
    END IF;
  END IF;
  IF secret THEN
    SELECT sr.rule_threshold INTO rule FROM nous._secrecy_rules(threshold, NULL, indicator) sr;
    IF rule IS NULL OR rule < 1 THEN
      RAISE EXCEPTION 'threshold must be at least 1, got %', coalesce(rule::text, 'NULL')
        USING ERRCODE = '22023', HINT = 'INSEE''s rule for tax-based household data is 11.';
    END IF;
    IF cnt_t IS NULL THEN
      RAISE EXCEPTION 'count column "%" does not exist in the query', count_column USING ERRCODE = '42703',
        DETAIL = format('The query has the columns %s.', array_to_string(names, ', '));
    END IF;
    IF NOT count_column = ANY (numeric_cols) THEN
      RAISE EXCEPTION 'count column "%" is of type %, not a number', count_column, cnt_t USING ERRCODE = '42804';
    END IF;
    IF parent_column IS NOT NULL AND NOT parent_column = ANY (names) THEN
      RAISE EXCEPTION 'parent column "%" does not exist in the query', parent_column USING ERRCODE = '42703',
        DETAIL = format('The query has the columns %s.', array_to_string(names, ', '));
    END IF;
    sel := sel || 'CASE WHEN q.nous_secret THEN ''secret statistique'' ELSE ''diffusé'' END AS secrecy_status'::text;
    descriptions := coalesce(descriptions, '{}'::jsonb) || jsonb_build_object('secrecy_status',
      coalesce(descriptions ->> 'secrecy_status',
               format('« secret statistique » quand le compte (%s) est inférieur à %s : les nombres de la ligne sont alors vides ; « diffusé » sinon.',
                      count_column, rule)));
    names := names || 'secrecy_status'::text;
  END IF;
  descr := nous.output_descriptions(coalesce(descriptions, 'null'::jsonb), names, names);
  IF key_column IS NOT NULL THEN
    EXECUTE format('SELECT count(*), count(*) FILTER (WHERE %1$I IS NULL) FROM pg_temp.nous_output_probe', key_column) INTO n, m;
    IF m > 0 THEN
      RAISE EXCEPTION 'key column "%" has % NULL values', key_column, m USING ERRCODE = '23502';
    END IF;
    IF NOT coalesce(materialized, false) THEN
      EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM pg_temp.nous_output_probe GROUP BY %I HAVING count(*) > 1) d', key_column) INTO m;
      IF m > 0 THEN
        RAISE EXCEPTION 'key column "%" has duplicate values', key_column USING ERRCODE = '23505',
          DETAIL = format('%s key values occur more than once.', m);
      END IF;
    END IF;
  END IF;

  IF replace AND to_regclass(target) IS NOT NULL THEN
    EXECUTE format('DROP %s %s', CASE WHEN (SELECT relkind FROM pg_class WHERE oid = to_regclass(target)) = 'm'
                                      THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target);
  END IF;
  EXECUTE format('CREATE %s %s AS SELECT %s FROM (%s) q',
                 CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target,
                 array_to_string(sel, ', '),
                 CASE WHEN secret AND parent_column IS NOT NULL
                      -- a hierarchy: secondary suppression as in nous.secrecy_publish
                      -- (see nous.create_map_view's parent_column)
                      THEN format('WITH raw AS MATERIALIZED (SELECT * FROM (%5$s) q),'
                                  ' nous_hier AS MATERIALIZED (SELECT x.id, x.status FROM'
                                  ' (SELECT array_agg(h.id ORDER BY h.id COLLATE "C") AS ids, array_agg(h.parent ORDER BY h.id COLLATE "C") AS parents,'
                                  ' array_agg(h.n ORDER BY h.id COLLATE "C") AS counts, array_agg(h.prim ORDER BY h.id COLLATE "C") AS prims FROM'
                                  ' (SELECT raw.%3$I::text AS id, ''parent:'' || raw.%4$I::text AS parent, coalesce(raw.%1$I, 0)::float8 AS n,'
                                  ' (raw.%1$I IS NULL OR (raw.%1$I > 0 AND raw.%1$I < %2$s)) AS prim FROM raw'
                                  ' UNION ALL SELECT ''parent:'' || raw.%4$I::text, NULL, sum(coalesce(raw.%1$I, 0))::float8,'
                                  ' sum(coalesce(raw.%1$I, 0)) > 0 AND sum(coalesce(raw.%1$I, 0)) < %2$s FROM raw WHERE raw.%4$I IS NOT NULL GROUP BY raw.%4$I) h) a,'
                                  ' LATERAL nous.secrecy_suppress(a.ids, a.parents, a.counts, a.prims, NULL, %2$s) x)'
                                  ' SELECT raw.*, coalesce((SELECT h.status <> ''published'' FROM nous_hier h WHERE h.id = raw.%3$I::text), true) AS nous_secret FROM raw',
                                  count_column, rule, key_column, parent_column, regexp_replace(query, ';\s*$', '') || chr(10))
                      WHEN secret
                      THEN format('SELECT q.*, (q.%1$I IS NULL OR (q.%1$I > 0 AND q.%1$I < %2$s)) AS nous_secret FROM (%3$s) q',
                                  count_column, rule, regexp_replace(query, ';\s*$', '') || chr(10))
                      ELSE regexp_replace(query, ';\s*$', '') || chr(10) END);
  IF materialized THEN
    BEGIN
      EXECUTE format('CREATE UNIQUE INDEX ON %s (%I)', target, key_column);
    EXCEPTION WHEN unique_violation THEN
      EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s GROUP BY %I HAVING count(*) > 1) d', target, key_column) INTO m;
      RAISE EXCEPTION 'key column "%" has duplicate values', key_column USING ERRCODE = '23505',
        DETAIL = format('%s key values occur more than once.', m);
    END;
  END IF;
  EXECUTE format('COMMENT ON %s %s IS %L', CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                 target, description);
  FOR i IN 1 .. cardinality(names) LOOP
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, names[i],
                   (descr ->> names[i]) || coalesce(
                     (SELECT format(' (texte ; type d''origine %s)', split_part(c, ':', 2))
                        FROM unnest(cast_from) c WHERE split_part(c, ':', 1) = names[i]), ''));
  END LOOP;
  DROP VIEW pg_temp.nous_output_probe;
  RETURN target::regclass;
END
$$;
COMMENT ON FUNCTION nous.create_bi_view(text, text, text, jsonb, text, boolean, boolean, boolean, text, int, text, text) IS
  'Publishes a query (one SELECT) for Metabase: a view (or a materialized view with a unique integer key) with plain column types only (others rejected, or cast to text with cast_to_text), no geometry, and a COMMENT ON the view and on every column from description and descriptions {column: text}, all required.  With count_column (and threshold or indicator, else 11): statistical secrecy, a row whose count is under the threshold publishes no number (column secrecy_status).  With parent_column (and key_column): the rows are parts of totals by that column published elsewhere, and secondary suppression hides what could be recovered by difference, as nous.secrecy_publish.';
