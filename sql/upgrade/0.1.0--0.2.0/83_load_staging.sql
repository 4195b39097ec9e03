-- 83_load_staging.sql: generated from the module fragment (see the report of the secrecy branch); keep in step with it.
-- create_staging quotes a schema-qualified name part by part

CREATE OR REPLACE FUNCTION nous.create_staging(name text, header text, separator text DEFAULT NULL, temporary boolean DEFAULT true)
  RETURNS text LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  h text := split_part(replace(header, E'\r', ''), E'\n', 1);
  sep text;
  cols text[];
  seen text[] := '{}';
  c text;
  ddl text := '';
  i integer := 0;
BEGIN
  IF name IS NULL OR header IS NULL THEN
    RAISE EXCEPTION 'name and header must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- a permanent table needs a schema: the function runs with search_path =
  -- pg_catalog, pg_temp, where an unqualified name would go to pg_catalog
  IF NOT temporary AND cardinality(parse_ident(name)) < 2 THEN
    RAISE EXCEPTION 'a permanent staging table needs a schema-qualified name: "%"', name
      USING ERRCODE = 'invalid_schema_name',
            HINT = format('Write it as schema.table, e.g. ''public.%s'', or leave temporary => true (the default) for a table of the session.', name);
  END IF;
  h := ltrim(h, U&'\FEFF');     -- a UTF-8 byte order mark
  sep := coalesce(separator, nous.csv_separator(h));
  cols := string_to_array(h, sep);
  FOREACH c IN ARRAY cols LOOP
    i := i + 1;
    c := btrim(c, ' "');
    IF c = '' THEN
      c := 'column' || i;
    END IF;
    IF c = ANY (seen) THEN
      c := c || '_' || i;
    END IF;
    seen := seen || c;
    ddl := ddl || CASE WHEN i > 1 THEN ', ' ELSE '' END || format('%I text', c);
  END LOOP;
  -- a schema-qualified name is split by parse_ident (an error if it is not a
  -- name) and each part quoted: nothing else ever reaches the statement
  EXECUTE format('CREATE %s TABLE %s (%s)', CASE WHEN temporary THEN 'TEMP' ELSE '' END,
                 CASE WHEN temporary THEN quote_ident(name)
                      ELSE (SELECT string_agg(quote_ident(p), '.' ORDER BY o) FROM unnest(parse_ident(name)) WITH ORDINALITY u(p, o)) END,
                 ddl);
  RETURN sep;
END;
$$;
COMMENT ON FUNCTION nous.create_staging(text, text, text, boolean) IS
  'Creates a staging table (temporary by default; else name may be schema-qualified) with one text column per field of a CSV header line (a byte order mark is dropped, quotes trimmed, empty or repeated names numbered); the separator is detected by nous.csv_separator unless given; returns it, for psql \copy ... DELIMITER.';

-- issue 15: a load rejected for codes unknown in the vintage looked for says
-- which vintage, and which exist, instead of "Fix the file"
-- The hint for codes rejected as unknown in a vintage (reasons "unknown code:
-- no LEVEL CODE of VINTAGE" and "unknown parent: ..."): which vintage was
-- looked for, which vintages of that level nous.territories has, and how
-- many of the codes are in another vintage; NULL when no vintage is at fault.
CREATE FUNCTION nous.load_vintage_hint()
  RETURNS text LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  r record;
  parts text[] := '{}';
BEGIN
  FOR r IN
    WITH u AS (
      SELECT DISTINCT m[2] AS kind, m[3] AS level, m[4] AS code, m[5]::integer AS vintage
        FROM pg_temp.nous_load_rejects_tmp x,
             LATERAL (SELECT ARRAY[NULL] || regexp_match(x.reason, '^unknown (code|parent): no (\S+) (\S+) of ([0-9]{4})( |$)')) AS mm(m)
       WHERE m[2] IS NOT NULL)
    SELECT u.kind, u.level, u.vintage, count(*) AS codes,
           (SELECT string_agg(v::text, ', ' ORDER BY v) FROM (SELECT DISTINCT t.vintage AS v FROM nous.territories t
                                                                WHERE t.level = u.level) vv) AS vintages,
           (SELECT string_agg(format('%s in %s', c.n, c.v), ', ' ORDER BY c.n DESC, c.v DESC)
              FROM (SELECT t.vintage AS v, count(DISTINCT t.code) AS n FROM nous.territories t JOIN u u2 ON u2.code = t.code
                     WHERE t.level = u.level AND u2.level = u.level AND u2.vintage = u.vintage AND t.vintage <> u.vintage
                     GROUP BY t.vintage) c) AS elsewhere,
           EXISTS (SELECT 1 FROM nous.territories t WHERE t.level = u.level AND t.vintage = u.vintage) AS level_has_vintage
      FROM u GROUP BY u.kind, u.level, u.vintage ORDER BY u.level, u.vintage
  LOOP
    CONTINUE WHEN r.level_has_vintage AND r.elsewhere IS NULL;   -- the codes themselves are wrong
    parts := parts || format('%s %s %s looked for in vintage %s%s, %s%s.',
                             r.codes, CASE WHEN r.kind = 'parent' THEN 'parent' ELSE '' END || r.level,
                             CASE WHEN r.codes > 1 THEN 'codes were' ELSE 'code was' END, r.vintage,
                             CASE WHEN r.level_has_vintage THEN '' ELSE format(' (nous.territories has no %s of %s)', r.level, r.vintage) END,
                             CASE WHEN r.vintages IS NULL THEN format('and no vintage of level %s is loaded', r.level)
                                  ELSE format('the loaded vintages of %s are %s', r.level, r.vintages) END,
                             CASE WHEN r.elsewhere IS NULL THEN ''
                                  ELSE format(' (of the unknown codes, %s)', r.elsewhere) END);
  END LOOP;
  IF cardinality(parts) = 0 THEN
    RETURN NULL;
  END IF;
  RETURN array_to_string(parts, ' ')
         || ' Pass the vintage of the file''s codes (vintage, parent_vintage), load the territories of that vintage, or convert the codes with the passage tables (doc/time.md); the file itself may be right.';
END;
$$;
COMMENT ON FUNCTION nous.load_vintage_hint() IS
  'Internal: for a load whose rejects include codes unknown in the vintage looked for, the hint that names that vintage, the vintages of the level in nous.territories and how many of the codes are in another; NULL when no vintage is at fault.';

CREATE OR REPLACE FUNCTION nous.load_finish(kind text, source text, on_error text, options jsonb,
                                 total integer, loaded integer, repaired integer)
  RETURNS bigint LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  nrej integer;
  detail text;
  hint text := 'Fix the file, or pass on_error => ''keep'' to load the good rows and keep the rejected ones in nous.load_rejects.';
  vh text;
  id bigint;
BEGIN
  SELECT count(*) INTO nrej FROM pg_temp.nous_load_rejects_tmp;
  IF nrej > 0 AND on_error = 'abort' THEN
    SELECT string_agg(format('%s %s%s: %s', CASE WHEN kind = 'territories' AND (options ? 'geojson' OR options ->> 'item' = 'feature')
                                                 THEN 'feature' ELSE 'line' END,
                             x.item, coalesce(' (' || x.code || ')', ''), x.reason), E'\n' ORDER BY x.item)
      INTO detail
      FROM (SELECT * FROM pg_temp.nous_load_rejects_tmp ORDER BY item LIMIT 10) x;
    -- codes unknown in the vintage looked for: when the level exists in other
    -- vintages (or the codes do), the file is fine and the vintage is not
    vh := nous.load_vintage_hint();
    RAISE EXCEPTION '% of % rows rejected, nothing loaded', nrej, total USING ERRCODE = 'data_exception',
      DETAIL = detail || CASE WHEN nrej > 10 THEN format(E'\n... and %s more.', nrej - 10) ELSE '' END,
      HINT = coalesce(vh, hint);
  END IF;
  INSERT INTO nous.load_log (kind, source, loaded, rejected, repaired, options)
  VALUES (kind, source, loaded, nrej, repaired, options) RETURNING load_id INTO id;
  INSERT INTO nous.load_rejects (load_id, item, code, reason)
  SELECT DISTINCT id, x.item, x.code, x.reason FROM pg_temp.nous_load_rejects_tmp x;
  RETURN id;
END;
$$;
COMMENT ON FUNCTION nous.load_finish(text, text, text, jsonb, integer, integer, integer) IS
  'Internal: ends a load. Raises the list of the first rejected lines when on_error = ''abort''; else writes nous.load_log and nous.load_rejects and returns the load id.';
