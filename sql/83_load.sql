-- loaders of open data into the territory model: GeoJSON perimeters, CSV rows of codes, links and observations.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- Every loader runs in the caller's transaction (one statement: all or
-- nothing).  It checks every row first; with on_error => 'abort' (the
-- default) any rejected row raises an error whose DETAIL lists the first
-- rejected lines, and nothing is written; with on_error => 'keep' the good
-- rows are written and the rejected ones go to nous.load_rejects.  Each
-- returns one 'loaded' summary row then one row per rejected (or repaired)
-- line.

CREATE FUNCTION nous.csv_separator(header text)
  RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  counts integer[] := ARRAY[length(header) - length(replace(header, ',', '')),
                            length(header) - length(replace(header, ';', '')),
                            length(header) - length(replace(header, E'\t', ''))];
  seps text[] := ARRAY[',', ';', E'\t'];
  best integer := 0;
  i integer;
BEGIN
  FOR i IN 1..3 LOOP
    IF counts[i] > 0 THEN
      IF best > 0 THEN
        RAISE EXCEPTION 'cannot tell the separator of this CSV header' USING ERRCODE = 'bad_copy_file_format',
          DETAIL = format('The header has %s commas, %s semicolons and %s tabs: %s.', counts[1], counts[2], counts[3], left(header, 200)),
          HINT = 'Convert the file to one separator, or pass the separator to psql \copy (DELIMITER).';
      END IF;
      best := i;
    END IF;
  END LOOP;
  IF best = 0 THEN
    RAISE EXCEPTION 'no separator in this CSV header' USING ERRCODE = 'bad_copy_file_format',
      DETAIL = format('The header "%s" has no comma, semicolon or tab.', left(header, 200));
  END IF;
  RETURN seps[best];
END;
$$;
COMMENT ON FUNCTION nous.csv_separator(text) IS
  'The separator of a CSV header line: '','', '';'' or a tab, whichever occurs; raises 22P04 when none or several occur.';

-- the rows of a relation as (item, row as jsonb): item = its "line" column when it has one,
-- else its record number in physical order + 1 (the header is line 1)
CREATE FUNCTION nous.load_rows(rows regclass)
  RETURNS TABLE (item integer, r jsonb)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = rows AND attname = 'line' AND attnum > 0 AND NOT attisdropped) THEN
    RETURN QUERY EXECUTE format('SELECT (t.line)::integer, to_jsonb(t) FROM %s t', rows);
  ELSIF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = rows AND attname = 'feature' AND attnum > 0 AND NOT attisdropped
                AND atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)) THEN
    RETURN QUERY EXECUTE format('SELECT (t.feature)::integer, to_jsonb(t) FROM %s t', rows);
  ELSIF (SELECT relkind FROM pg_class WHERE oid = rows) IN ('r', 'p') THEN
    RETURN QUERY EXECUTE format('SELECT (row_number() OVER (ORDER BY t.ctid) + 1)::integer, to_jsonb(t) FROM %s t', rows);
  ELSE
    RETURN QUERY EXECUTE format('SELECT (row_number() OVER () + 1)::integer, to_jsonb(t) FROM %s t', rows);
  END IF;
END;
$$;
COMMENT ON FUNCTION nous.load_rows(regclass) IS
  'Rows of a staging table or view as jsonb with their line number: its "line" column when there is one, else its integer "feature" column (the feature number of a table made by ogr2ogr -lco FID=feature), else the record number in physical (COPY) order + 1, the header being line 1.';

CREATE FUNCTION nous.load_columns_check(rows regclass, wanted text[])
  RETURNS void LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  cols text[];
  missing text[];
BEGIN
  SELECT array_agg(attname::text ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = rows AND attnum > 0 AND NOT attisdropped;
  SELECT array_agg(w) INTO missing FROM unnest(wanted) w WHERE w IS NOT NULL AND w <> ALL (cols);
  IF missing IS NULL THEN
    RETURN;
  END IF;
  IF array_length(cols, 1) <= 2 AND (cols[1] LIKE '%;%' OR cols[1] LIKE '%,%' OR cols[1] LIKE E'%\t%') THEN
    RAISE EXCEPTION 'wrong separator: % has one column "%"', rows, left(cols[1], 80) USING ERRCODE = 'bad_copy_file_format',
      DETAIL = format('The header was read as a single column; the file uses "%s" as separator.',
                      nous.csv_separator(cols[1])),
      HINT = 'Read it again with the separator given by nous.csv_separator(header) (psql \copy ... DELIMITER).';
  END IF;
  RAISE EXCEPTION 'missing columns in %: %', rows, array_to_string(missing, ', ') USING ERRCODE = 'undefined_column',
    DETAIL = format('Its columns are: %s.', left(array_to_string(cols, ', '), 400));
END;
$$;
COMMENT ON FUNCTION nous.load_columns_check(regclass, text[]) IS
  'Raises an error when a staging relation lacks one of the wanted columns; when its header was read as a single column holding separators, the error says the separator is wrong and which one the file uses.';

-- common end of a load: abort with the first rejects, or log and keep them
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

CREATE FUNCTION nous.load_finish(kind text, source text, on_error text, options jsonb,
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

CREATE FUNCTION nous.load_start(on_error text)
  RETURNS void LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
BEGIN
  IF on_error IS NULL OR on_error NOT IN ('abort', 'keep') THEN
    RAISE EXCEPTION 'on_error must be ''abort'' or ''keep''' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF to_regclass('pg_temp.nous_load_rejects_tmp') IS NULL THEN
    CREATE TEMP TABLE nous_load_rejects_tmp (item integer, code text, reason text);
  END IF;
  TRUNCATE pg_temp.nous_load_rejects_tmp;
END;
$$;
COMMENT ON FUNCTION nous.load_start(text) IS
  'Internal: checks on_error and empties the session''s list of rejected rows.';

-- ---- GeoJSON perimeters
CREATE FUNCTION nous.geojson_srid(doc jsonb, assume integer DEFAULT 4326)
  RETURNS integer LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  name text := doc -> 'crs' -> 'properties' ->> 'name';
  m text[];
BEGIN
  IF name IS NULL THEN
    RETURN assume;    -- RFC 7946: no crs member means WGS84 longitude, latitude
  END IF;
  IF name ~* 'CRS:?:?84$' THEN
    RETURN 4326;
  END IF;
  m := regexp_match(name, '^(?:urn:ogc:def:crs:)?EPSG:(?:[0-9.]*:)?:?([0-9]+)$', 'i');
  IF m IS NULL THEN
    RAISE EXCEPTION 'unknown CRS "%"', name USING ERRCODE = 'invalid_parameter_value',
      DETAIL = 'nous reads the crs names urn:ogc:def:crs:EPSG::NNNN, EPSG:NNNN and urn:ogc:def:crs:OGC:1.3:CRS84.',
      HINT = 'Reproject the file with ogr2ogr -t_srs EPSG:4326 (or 2154).';
  END IF;
  RETURN m[1]::integer;
END;
$$;
COMMENT ON FUNCTION nous.geojson_srid(jsonb, integer) IS
  'SRID declared by the crs member of a GeoJSON document (urn:ogc:def:crs:EPSG::2154 -> 2154, CRS84 -> 4326); assume (default 4326, RFC 7946) when there is none; an unreadable crs name raises 22023.';

CREATE FUNCTION nous.load_geometry(g public.geometry, declared integer,
                                   OUT geom public.geometry, OUT problem text, OUT repaired boolean)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  b public.box2d;
BEGIN
  repaired := false;
  IF g IS NULL THEN
    RETURN;
  END IF;
  IF public.ST_SRID(g) = 0 THEN
    g := public.ST_SetSRID(g, declared);
  ELSIF declared IS NOT NULL AND public.ST_SRID(g) <> declared THEN
    problem := format('the geometry says SRID %s, the load EPSG:%s', public.ST_SRID(g), declared);
    RETURN;
  END IF;
  IF public.GeometryType(g) NOT IN ('POLYGON', 'MULTIPOLYGON') THEN
    problem := format('a %s, not a polygon', lower(public.GeometryType(g)));
    RETURN;
  END IF;
  b := public.Box2D(g);
  IF public.ST_SRID(g) = 4326 AND (public.ST_XMin(b) < -180 OR public.ST_XMax(b) > 180
                                   OR public.ST_YMin(b) < -90 OR public.ST_YMax(b) > 90) THEN
    problem := format('coordinates out of range for EPSG:4326 (x %s to %s, y %s to %s): is the file in another CRS?',
                      round(public.ST_XMin(b)::numeric), round(public.ST_XMax(b)::numeric),
                      round(public.ST_YMin(b)::numeric), round(public.ST_YMax(b)::numeric));
    RETURN;
  END IF;
  BEGIN
    g := public.ST_Transform(g, 2154);
  EXCEPTION WHEN OTHERS THEN
    problem := format('cannot reproject from EPSG:%s: %s', public.ST_SRID(g), SQLERRM);
    RETURN;
  END;
  b := public.Box2D(g);
  -- area of use of Lambert-93 (EPSG:2154, metropolitan France) with a 100 km margin
  IF public.ST_XMin(b) < -100000 OR public.ST_XMax(b) > 1350000
     OR public.ST_YMin(b) < 5950000 OR public.ST_YMax(b) > 7200000 THEN
    problem := format('outside metropolitan France once in Lambert-93 (x %s to %s, y %s to %s): is EPSG:%s the right CRS?',
                      round(public.ST_XMin(b)::numeric), round(public.ST_XMax(b)::numeric),
                      round(public.ST_YMin(b)::numeric), round(public.ST_YMax(b)::numeric), coalesce(declared, 0));
    RETURN;
  END IF;
  IF NOT (public.ST_IsValidDetail(g)).valid THEN
    g := public.ST_CollectionExtract(public.ST_MakeValid(g), 3);
    repaired := true;
  END IF;
  geom := public.ST_Multi(g);
END;
$$;
COMMENT ON FUNCTION nous.load_geometry(public.geometry, integer) IS
  'Internal step of the loaders: a polygon in the declared SRID (set when the geometry has none) checked against that CRS (longitude/latitude ranges), reprojected to EPSG:2154, checked against Lambert-93''s area of use, made valid (repaired = true) and multi; else problem says why.';

CREATE FUNCTION nous.load_territories(doc jsonb, level text, vintage integer, code_property text,
                                      label_property text DEFAULT NULL, source text DEFAULT NULL,
                                      on_error text DEFAULT 'abort', srid integer DEFAULT NULL,
                                      parent_property text DEFAULT NULL, parent_level text DEFAULT NULL,
                                      parent_vintage integer DEFAULT NULL)
  RETURNS TABLE (load_id bigint, item integer, code text, status text, reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  declared integer;
  f record;
  g public.geometry;
  why text;
  c text;
  n integer := 0;
  nrep integer := 0;
  nload integer := 0;
  id bigint;
  rep boolean;
  opts jsonb;
BEGIN
  PERFORM nous.load_start(on_error);
  IF NOT EXISTS (SELECT 1 FROM nous.territory_levels l WHERE l.level = load_territories.level) THEN
    RAISE EXCEPTION 'unknown territory level "%"', level USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF parent_property IS NOT NULL AND (SELECT rank FROM nous.territory_levels l WHERE l.level = parent_level)
        IS DISTINCT FROM NULL
     AND (SELECT rank FROM nous.territory_levels l WHERE l.level = parent_level)
         <= (SELECT rank FROM nous.territory_levels l WHERE l.level = load_territories.level) THEN
    RAISE EXCEPTION 'parent at the wrong level: % cannot be the parent of %', parent_level, level
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A parent must be at a wider level than its child.';
  END IF;
  IF parent_property IS NOT NULL AND NOT EXISTS (SELECT 1 FROM nous.territory_levels l WHERE l.level = parent_level) THEN
    RAISE EXCEPTION 'unknown parent level "%"', parent_level USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF doc IS NULL OR jsonb_typeof(doc) <> 'object' OR coalesce(doc ->> 'type', '') NOT IN ('FeatureCollection', 'Feature')
     OR (doc ->> 'type' = 'FeatureCollection' AND jsonb_typeof(doc -> 'features') IS DISTINCT FROM 'array') THEN
    RAISE EXCEPTION 'not a GeoJSON FeatureCollection or Feature' USING ERRCODE = 'invalid_parameter_value',
      DETAIL = 'A FeatureCollection is an object with "type": "FeatureCollection" and a "features" array.';
  END IF;
  IF doc ? 'crs' OR srid IS NULL THEN
    declared := nous.geojson_srid(doc);
    IF srid IS NOT NULL AND declared <> srid THEN
      RAISE EXCEPTION 'the file declares EPSG:% but srid => % was given', declared, srid USING ERRCODE = 'invalid_parameter_value';
    END IF;
  ELSE
    declared := srid;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.spatial_ref_sys WHERE spatial_ref_sys.srid = declared) THEN
    RAISE EXCEPTION 'unknown SRID %', declared USING ERRCODE = 'invalid_parameter_value';
  END IF;
  opts := jsonb_build_object('geojson', true, 'level', level, 'vintage', vintage, 'srid', declared,
                             'code_property', code_property, 'parent_level', parent_level);
  IF to_regclass('pg_temp.nous_load_feat') IS NULL THEN
    CREATE TEMP TABLE nous_load_feat (item integer, code text, label text, parent text, geom public.geometry, repaired boolean);
  END IF;
  TRUNCATE pg_temp.nous_load_feat;

  FOR f IN SELECT x.e, x.i::integer AS i
             FROM jsonb_array_elements(CASE WHEN doc ->> 'type' = 'Feature' THEN jsonb_build_array(doc)
                                            ELSE coalesce(doc -> 'features', '[]') END) WITH ORDINALITY x(e, i) LOOP
    n := n + 1;
    c := f.e -> 'properties' ->> code_property;
    why := NULL;
    g := NULL;
    rep := NULL;
    IF c IS NULL THEN
      why := format('no property "%s"', code_property);
    ELSE
      why := nous.code_problem(level, c);
    END IF;
    IF why IS NULL AND jsonb_typeof(f.e -> 'geometry') = 'object' THEN
      BEGIN
        g := public.ST_SetSRID(public.ST_GeomFromGeoJSON((f.e -> 'geometry')::text), declared);
      EXCEPTION WHEN OTHERS THEN
        why := 'unreadable geometry: ' || SQLERRM;
      END;
      IF why IS NULL THEN
        SELECT x.geom, x.problem, x.repaired INTO g, why, rep FROM nous.load_geometry(g, declared) x;
      END IF;
    END IF;
    IF why IS NOT NULL THEN
      INSERT INTO pg_temp.nous_load_rejects_tmp VALUES (f.i, c, why);
      CONTINUE;
    END IF;
    INSERT INTO pg_temp.nous_load_feat VALUES (f.i, c, f.e -> 'properties' ->> label_property,
      f.e -> 'properties' ->> parent_property, g, coalesce(rep, false));
  END LOOP;

  -- duplicates inside the file, then against the table
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT x.item, x.code, format('duplicate territory: %s %s is also feature %s', level, x.code, x.first)
    FROM (SELECT t.item, t.code, min(t.item) OVER (PARTITION BY t.code) AS first FROM pg_temp.nous_load_feat t) x
   WHERE x.item <> x.first;
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT t.item, t.code, format('duplicate territory: %s %s of %s is already loaded', level, t.code, vintage)
    FROM pg_temp.nous_load_feat t
    JOIN nous.territories e ON e.level = load_territories.level AND e.code = t.code AND e.vintage = load_territories.vintage;
  IF parent_property IS NOT NULL THEN
    INSERT INTO pg_temp.nous_load_rejects_tmp
    SELECT t.item, t.code, CASE WHEN t.parent IS NULL THEN format('no property "%s"', parent_property)
                                ELSE format('unknown parent: no %s %s of %s', parent_level, t.parent, coalesce(parent_vintage, vintage)) END
      FROM pg_temp.nous_load_feat t
     WHERE NOT EXISTS (SELECT 1 FROM nous.territories p
                        WHERE p.level = parent_level AND p.code = t.parent AND p.vintage = coalesce(parent_vintage, vintage));
  END IF;
  DELETE FROM pg_temp.nous_load_feat t USING pg_temp.nous_load_rejects_tmp r WHERE r.item = t.item;
  SELECT count(*) INTO nload FROM pg_temp.nous_load_feat;
  SELECT count(*) INTO nrep FROM pg_temp.nous_load_feat t WHERE t.repaired;
  id := nous.load_finish('territories', source, on_error, opts, n, nload, nrep);

  INSERT INTO nous.territories (level, code, label, vintage, geom, source, load_id)
  SELECT load_territories.level, t.code, t.label, load_territories.vintage, t.geom, load_territories.source, id
    FROM pg_temp.nous_load_feat t ORDER BY t.item;
  IF parent_property IS NOT NULL THEN
    INSERT INTO nous.territory_links (child_id, parent_id, share, kind, load_id)
    SELECT c.territory_id, p.territory_id, 1, 'within', id
      FROM pg_temp.nous_load_feat t
      JOIN nous.territories c ON c.level = load_territories.level AND c.code = t.code AND c.vintage = load_territories.vintage
      JOIN nous.territories p ON p.level = parent_level AND p.code = t.parent AND p.vintage = coalesce(parent_vintage, load_territories.vintage);
  END IF;

  RETURN QUERY SELECT id, NULL::integer, NULL::text, 'loaded'::text,
                      format('%s loaded, %s rejected, %s repaired (of %s features, EPSG:%s to EPSG:2154)',
                             nload, (SELECT count(*) FROM pg_temp.nous_load_rejects_tmp), nrep, n, declared);
  RETURN QUERY SELECT id, r.item, r.code, 'rejected'::text, r.reason FROM pg_temp.nous_load_rejects_tmp r ORDER BY r.item;
  RETURN QUERY SELECT id, t.item, t.code, 'repaired'::text, 'invalid geometry made valid (ST_MakeValid)'::text
                 FROM pg_temp.nous_load_feat t WHERE t.repaired ORDER BY t.item;
END;
$$;
COMMENT ON FUNCTION nous.load_territories(jsonb, text, integer, text, text, text, text, integer, text, text, integer) IS
  'Loads the features of a GeoJSON document as territories of level and vintage: code and label from the named properties, geometry read with ST_GeomFromGeoJSON in the CRS of the crs member (CRS84/WGS84 when absent, or srid), reprojected to EPSG:2154, made valid (reported) and multi; optional parent code property linking each to a wider level. Rejects (feature number and reason): missing or malformed code, non-polygon, coordinates out of range for the CRS, outside Lambert-93''s area, duplicates, unknown parent. on_error ''abort'' (default: nothing loaded, error listing the rejects) or ''keep''.';

-- ---- territories from rows (codes, labels, no geometry)
CREATE FUNCTION nous.load_territory_rows(rows regclass, level text, vintage integer, code_column text,
                                         label_column text DEFAULT NULL, source text DEFAULT NULL,
                                         on_error text DEFAULT 'abort', if_exists text DEFAULT 'reject',
                                         geom_column text DEFAULT NULL, srid integer DEFAULT NULL)
  RETURNS TABLE (load_id bigint, item integer, code text, status text, reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  n integer;
  nload integer;
  nrep integer;
  id bigint;
  rw record;
  g public.geometry;
  lg record;
  unit text;
BEGIN
  PERFORM nous.load_start(on_error);
  -- items are features when the rows carry a "feature" column (and no "line"): tables made by ogr2ogr
  unit := CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = rows AND a.attname = 'feature' AND a.attnum > 0 AND NOT a.attisdropped
                             AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype))
                AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = rows AND a.attname = 'line' AND a.attnum > 0 AND NOT a.attisdropped)
               THEN 'feature' ELSE 'line' END;
  IF if_exists NOT IN ('reject', 'skip') THEN
    RAISE EXCEPTION 'if_exists must be ''reject'' or ''skip''' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM nous.territory_levels l WHERE l.level = load_territory_rows.level) THEN
    RAISE EXCEPTION 'unknown territory level "%"', level USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM nous.load_columns_check(rows, ARRAY[code_column, label_column, geom_column]);
  IF srid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.spatial_ref_sys WHERE spatial_ref_sys.srid = load_territory_rows.srid) THEN
    RAISE EXCEPTION 'unknown SRID %', srid USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF to_regclass('pg_temp.nous_load_items') IS NULL THEN
    CREATE TEMP TABLE nous_load_items (item integer, code text, label text, wkt text, geom public.geometry, repaired boolean);
    CREATE INDEX ON pg_temp.nous_load_items (item);   -- the geometry loop updates by item
  END IF;
  TRUNCATE pg_temp.nous_load_items;
  INSERT INTO pg_temp.nous_load_items
  SELECT x.item, x.r ->> code_column, x.r ->> label_column, x.r ->> geom_column, NULL, false FROM nous.load_rows(rows) x;
  SELECT count(*) INTO n FROM pg_temp.nous_load_items;
  -- geometries as WKT or EWKT (or hex WKB), in srid unless they carry their own
  FOR rw IN SELECT t.item, t.code, t.wkt FROM pg_temp.nous_load_items t WHERE nullif(btrim(t.wkt), '') IS NOT NULL LOOP
    BEGIN
      g := public.ST_GeomFromEWKT(rw.wkt);
    EXCEPTION WHEN OTHERS THEN
      BEGIN
        g := public.ST_GeomFromEWKB(decode(rw.wkt, 'hex'));
      EXCEPTION WHEN OTHERS THEN
        INSERT INTO pg_temp.nous_load_rejects_tmp VALUES (rw.item, rw.code, 'unreadable geometry: ' || left(rw.wkt, 40));
        CONTINUE;
      END;
    END;
    IF public.ST_SRID(g) = 0 AND srid IS NULL THEN
      RAISE EXCEPTION 'geometries without SRID in column %', geom_column USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Pass srid => the EPSG code of the file (e.g. 3035 for the INSEE grid, 2154 for Lambert-93).';
    END IF;
    SELECT * INTO lg FROM nous.load_geometry(g, srid);
    IF lg.problem IS NOT NULL THEN
      INSERT INTO pg_temp.nous_load_rejects_tmp VALUES (rw.item, rw.code, lg.problem);
    ELSE
      UPDATE pg_temp.nous_load_items t SET geom = lg.geom, repaired = lg.repaired WHERE t.item = rw.item;
    END IF;
  END LOOP;
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT t.item, t.code, coalesce(nous.code_problem(level, t.code), 'empty code')
    FROM pg_temp.nous_load_items t WHERE t.code IS NULL OR NOT nous.code_valid(level, t.code);
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT x.item, x.code, format('duplicate territory: %s %s is also %s %s', level, x.code,
                                CASE unit WHEN 'feature' THEN 'feature' ELSE 'on line' END, x.first)
    FROM (SELECT t.item, t.code, min(t.item) OVER (PARTITION BY t.code) AS first FROM pg_temp.nous_load_items t) x
   WHERE x.item <> x.first;
  IF if_exists = 'reject' THEN
    INSERT INTO pg_temp.nous_load_rejects_tmp
    SELECT t.item, t.code, format('duplicate territory: %s %s of %s is already loaded', level, t.code, vintage)
      FROM pg_temp.nous_load_items t
      JOIN nous.territories e ON e.level = load_territory_rows.level AND e.code = t.code AND e.vintage = load_territory_rows.vintage;
  ELSE
    DELETE FROM pg_temp.nous_load_items t USING nous.territories e
     WHERE e.level = load_territory_rows.level AND e.code = t.code AND e.vintage = load_territory_rows.vintage;
  END IF;
  DELETE FROM pg_temp.nous_load_items t USING pg_temp.nous_load_rejects_tmp r WHERE r.item = t.item;
  SELECT count(*), count(*) FILTER (WHERE t.repaired) INTO nload, nrep FROM pg_temp.nous_load_items t;
  id := nous.load_finish('territories', source, on_error,
                         jsonb_build_object('relation', rows::text, 'level', level, 'vintage', vintage, 'srid', srid, 'item', unit),
                         n, nload, nrep);
  INSERT INTO nous.territories (level, code, label, vintage, geom, source, load_id)
  SELECT level, t.code, t.label, vintage, t.geom, source, id FROM pg_temp.nous_load_items t ORDER BY t.item;
  RETURN QUERY SELECT id, NULL::integer, NULL::text, 'loaded'::text,
                      format('%s loaded, %s rejected, %s repaired (of %s %s)', nload,
                             (SELECT count(*) FROM pg_temp.nous_load_rejects_tmp), nrep, n,
                             CASE WHEN unit = 'line' THEN 'rows'
                                  WHEN srid IS NULL OR geom_column IS NULL THEN 'features'
                                  ELSE format('features, EPSG:%s to EPSG:2154', srid) END);
  RETURN QUERY SELECT id, j.item, j.code, 'rejected'::text, j.reason FROM pg_temp.nous_load_rejects_tmp j ORDER BY j.item;
  RETURN QUERY SELECT id, t.item, t.code, 'repaired'::text, 'invalid geometry made valid (ST_MakeValid)'::text
                 FROM pg_temp.nous_load_items t WHERE t.repaired ORDER BY t.item;
END;
$$;
COMMENT ON FUNCTION nous.load_territory_rows(regclass, text, integer, text, text, text, text, text, text, integer) IS
  'Loads territories from a staging table or view (one row per territory: code and label columns, optional geometry column in WKT, EWKT or hex WKB in srid, reprojected to EPSG:2154 and checked like nous.load_territories). Rejects malformed codes, bad geometries and duplicates (in the rows, and already loaded unless if_exists => ''skip''), with their line (or their feature number when the rows have an integer "feature" column, as the staging tables of scripts/load.sh do).';

-- ---- links
CREATE FUNCTION nous.load_links(rows regclass, child_level text, child_column text,
                                parent_level text, parent_column text, vintage integer,
                                parent_vintage integer DEFAULT NULL, share_column text DEFAULT NULL,
                                source text DEFAULT NULL, on_error text DEFAULT 'abort')
  RETURNS TABLE (load_id bigint, item integer, code text, status text, reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  n integer;
  nload integer;
  id bigint;
  cr integer := (SELECT rank FROM nous.territory_levels l WHERE l.level = child_level);
  pr integer := (SELECT rank FROM nous.territory_levels l WHERE l.level = parent_level);
BEGIN
  PERFORM nous.load_start(on_error);
  IF cr IS NULL OR pr IS NULL THEN
    RAISE EXCEPTION 'unknown territory level' USING ERRCODE = 'invalid_parameter_value',
      DETAIL = format('Levels given: %s and %s.', child_level, parent_level);
  END IF;
  IF pr <= cr THEN
    RAISE EXCEPTION 'parent at the wrong level: % cannot be the parent of %', parent_level, child_level
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A parent must be at a wider level than its child.';
  END IF;
  PERFORM nous.load_columns_check(rows, ARRAY[child_column, parent_column, share_column]);
  IF to_regclass('pg_temp.nous_load_links') IS NULL THEN
    CREATE TEMP TABLE nous_load_links (item integer, child text, parent text, share text,
                                                   child_id bigint, parent_id bigint, s float8);
  END IF;
  TRUNCATE pg_temp.nous_load_links;
  INSERT INTO pg_temp.nous_load_links
  SELECT x.item, x.r ->> child_column, x.r ->> parent_column, x.r ->> share_column,
         (SELECT c.territory_id FROM nous.territories c
           WHERE c.level = child_level AND c.code = x.r ->> child_column AND c.vintage = load_links.vintage),
         (SELECT p.territory_id FROM nous.territories p
           WHERE p.level = parent_level AND p.code = x.r ->> parent_column AND p.vintage = coalesce(parent_vintage, load_links.vintage)),
         NULL
    FROM nous.load_rows(rows) x;
  SELECT count(*) INTO n FROM pg_temp.nous_load_links;
  UPDATE pg_temp.nous_load_links t SET s = t.share::float8
   WHERE t.share ~ '^\s*[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?\s*$' AND t.share::float8 > 0 AND t.share::float8 <= 1;
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT t.item, t.child,
         CASE WHEN t.child_id IS NULL THEN format('unknown code: no %s %s of %s', child_level, t.child, vintage)
              WHEN t.parent_id IS NULL THEN format('unknown parent: no %s %s of %s', parent_level, t.parent, coalesce(parent_vintage, vintage))
              ELSE format('share "%s" is not a number in (0, 1]', t.share) END
    FROM pg_temp.nous_load_links t
   WHERE t.child_id IS NULL OR t.parent_id IS NULL OR (t.share IS NOT NULL AND t.s IS NULL);
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT x.item, x.child, format('duplicate link: %s -> %s is also on line %s', x.child, x.parent, x.first)
    FROM (SELECT t.item, t.child, t.parent, min(t.item) OVER (PARTITION BY t.child, t.parent) AS first FROM pg_temp.nous_load_links t) x
   WHERE x.item <> x.first;
  DELETE FROM pg_temp.nous_load_links t USING pg_temp.nous_load_rejects_tmp r WHERE r.item = t.item;
  SELECT count(*) INTO nload FROM pg_temp.nous_load_links;
  id := nous.load_finish('links', source, on_error,
                         jsonb_build_object('relation', rows::text, 'child_level', child_level, 'parent_level', parent_level), n, nload, 0);
  -- a child with several parents and no share column: its shares are unknown (NULL)
  INSERT INTO nous.territory_links (child_id, parent_id, share, kind, load_id)
  SELECT t.child_id, t.parent_id,
         CASE WHEN t.s IS NOT NULL THEN t.s
              WHEN count(*) OVER (PARTITION BY t.child_id) = 1 THEN 1 END,
         CASE WHEN coalesce(t.s, 1) = 1 AND count(*) OVER (PARTITION BY t.child_id) = 1 THEN 'within' ELSE 'part' END,
         id
    FROM pg_temp.nous_load_links t
  ON CONFLICT (child_id, parent_id) DO UPDATE SET share = EXCLUDED.share, kind = EXCLUDED.kind, load_id = EXCLUDED.load_id;
  RETURN QUERY SELECT id, NULL::integer, NULL::text, 'loaded'::text,
                      format('%s loaded, %s rejected (of %s rows)', nload, (SELECT count(*) FROM pg_temp.nous_load_rejects_tmp), n);
  RETURN QUERY SELECT id, r.item, r.code, 'rejected'::text, r.reason FROM pg_temp.nous_load_rejects_tmp r ORDER BY r.item;
END;
$$;
COMMENT ON FUNCTION nous.load_links(regclass, text, text, text, text, integer, integer, text, text, text) IS
  'Loads child -> parent links from a staging table or view (one row per link: child code, parent code, optional share in (0,1]). A parent level not wider than the child level is an error; unknown codes and duplicate links are rejected with their line. A child given several parents without a share column gets share NULL (unknown) and kind ''part''.';

-- ---- observations
CREATE FUNCTION nous.load_observations(rows regclass, code_column text, level text, vintage integer,
                                       indicators jsonb, period integer, source text DEFAULT NULL,
                                       on_error text DEFAULT 'abort', missing text[] DEFAULT '{"",NA,s,nd,"n.d."}')
  RETURNS TABLE (load_id bigint, item integer, code text, status text, reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  n integer;
  nload integer;
  id bigint;
  unknown text;
  cols text[];
BEGIN
  PERFORM nous.load_start(on_error);
  IF indicators IS NULL OR jsonb_typeof(indicators) <> 'object' OR indicators = '{}' THEN
    RAISE EXCEPTION 'indicators must be a jsonb object {"column": "indicator code", ...}' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(DISTINCT j.value, ', ') INTO unknown
    FROM jsonb_each_text(indicators) j WHERE NOT EXISTS (SELECT 1 FROM nous.indicators i WHERE i.code = j.value);
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION 'unknown indicators: %', unknown USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Declare them in nous.indicators first.';
  END IF;
  SELECT array_agg(k) INTO cols FROM jsonb_object_keys(indicators) k;
  PERFORM nous.load_columns_check(rows, cols || code_column);
  IF to_regclass('pg_temp.nous_load_obs') IS NULL THEN
    CREATE TEMP TABLE nous_load_obs (item integer, code text, territory_id bigint, col text, indicator text, raw text, v float8);
  END IF;
  TRUNCATE pg_temp.nous_load_obs;
  INSERT INTO pg_temp.nous_load_obs
  SELECT x.item, x.r ->> code_column, t.territory_id, j.key, j.value, x.r ->> j.key, NULL
    FROM nous.load_rows(rows) x
    LEFT JOIN nous.territories t ON t.level = load_observations.level AND t.code = x.r ->> code_column
                                AND t.vintage = load_observations.vintage
    CROSS JOIN jsonb_each_text(indicators) j;
  SELECT count(DISTINCT o.item) INTO n FROM pg_temp.nous_load_obs o;
  -- numbers: a decimal point or comma; spaces (also no-break and narrow no-break) between thousands
  UPDATE pg_temp.nous_load_obs o SET v = replace(x.t, ',', '.')::float8
    FROM (SELECT o2.ctid AS c, translate(btrim(o2.raw), U&' \00A0\202F', '') AS t FROM pg_temp.nous_load_obs o2) x
   WHERE x.c = o.ctid
     AND (x.t ~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$' OR x.t ~ '^[-+]?[0-9]+,[0-9]+$');
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT DISTINCT ON (o.item) o.item, o.code,
         CASE WHEN o.code IS NULL OR o.code = '' THEN 'empty code'
              WHEN nous.code_problem(level, o.code) IS NOT NULL THEN nous.code_problem(level, o.code)
              WHEN o.territory_id IS NULL THEN format('unknown code: no %s %s of %s in nous.territories', level, o.code, vintage)
              ELSE format('not a number in column %s: "%s"', o.col, left(o.raw, 40)) END
    FROM pg_temp.nous_load_obs o
   WHERE o.code IS NULL OR o.territory_id IS NULL
      OR (o.v IS NULL AND o.raw IS NOT NULL AND btrim(o.raw) <> ALL (missing))
   ORDER BY o.item, o.territory_id NULLS FIRST, o.col;
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT DISTINCT x.item, x.code, format('duplicate territory: %s %s is also on line %s', level, x.code, x.first)
    FROM (SELECT o.item, o.code, min(o.item) OVER (PARTITION BY o.code) AS first FROM pg_temp.nous_load_obs o WHERE o.territory_id IS NOT NULL) x
   WHERE x.item <> x.first;
  DELETE FROM pg_temp.nous_load_obs o USING pg_temp.nous_load_rejects_tmp r WHERE r.item = o.item;
  SELECT count(DISTINCT o.item) INTO nload FROM pg_temp.nous_load_obs o;
  id := nous.load_finish('observations', source, on_error,
                         jsonb_build_object('relation', rows::text, 'level', level, 'vintage', vintage, 'period', period,
                                            'indicators', indicators), n, nload, 0);
  INSERT INTO nous.observations (indicator, territory_id, period, value, load_id)
  SELECT o.indicator, o.territory_id, load_observations.period, o.v, id FROM pg_temp.nous_load_obs o
  ON CONFLICT ON CONSTRAINT observations_pkey DO UPDATE SET value = EXCLUDED.value, derived = false, load_id = EXCLUDED.load_id;
  RETURN QUERY SELECT id, NULL::integer, NULL::text, 'loaded'::text,
                      format('%s rows loaded (%s values), %s rejected (of %s rows)', nload,
                             (SELECT count(*) FROM pg_temp.nous_load_obs), (SELECT count(*) FROM pg_temp.nous_load_rejects_tmp), n);
  RETURN QUERY SELECT id, r.item, r.code, 'rejected'::text, r.reason FROM pg_temp.nous_load_rejects_tmp r ORDER BY r.item;
END;
$$;
COMMENT ON FUNCTION nous.load_observations(regclass, text, text, integer, jsonb, integer, text, text, text[]) IS
  'Loads a wide staging table or view (one row per territory, text columns) into nous.observations: indicators maps column names to indicator codes, period is the year. Values are numbers (a decimal comma and spaces between thousands are accepted); the strings of missing (default '''', NA, s, nd, n.d.) are loaded as NULL (not published). Rejects with their line: malformed or unknown territory codes, duplicate territories, non-numbers. Loaded values replace earlier ones of the same indicator, territory and period.';

CREATE FUNCTION nous.create_staging(name text, header text, separator text DEFAULT NULL, temporary boolean DEFAULT true)
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
