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
