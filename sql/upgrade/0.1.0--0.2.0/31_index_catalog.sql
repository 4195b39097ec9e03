-- index catalogue (issue 15): define_index(..., replace => true) and k, the
-- name of the number of classes everywhere (classes, its 0.1.0 name, still
-- accepted as a last parameter): a new signature, DROP + CREATE (no view can
-- use a function returning void); nous.index_users; drop_index refuses while
-- a view computes the index; index_compute tells a wrong key column from a
-- missing component (same signature: CREATE OR REPLACE, dependent views kept).
DROP FUNCTION nous.define_index(text, jsonb, text, text, integer, text);
CREATE FUNCTION nous.define_index(name text, components jsonb,
                                  normalise text DEFAULT 'zscore',
                                  aggregate text DEFAULT 'mean',
                                  k integer DEFAULT 5,
                                  description text DEFAULT NULL,
                                  replace boolean DEFAULT false,
                                  classes integer DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c      jsonb;
  i      integer := 0;
  col    text;
  w      float8;
  pol    integer;
  ws     float8[] := '{}';
  pols   integer[] := '{}';
  cols   text[] := '{}';
  dummy  float8;
  nk     integer := coalesce(define_index.classes, define_index.k);
BEGIN
  IF name IS NULL OR components IS NULL OR normalise IS NULL OR aggregate IS NULL OR nk IS NULL THEN
    RAISE EXCEPTION 'name, components, normalise, aggregate and k must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- classes: the name of k in 0.1.0, still accepted
  IF define_index.classes IS NOT NULL AND define_index.k IS DISTINCT FROM 5
     AND define_index.classes IS DISTINCT FROM define_index.k THEN
    RAISE EXCEPTION 'k and classes both give the number of classes, with different values (% and %)', k, classes
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give k only (classes is its name in nous 0.1.0).';
  END IF;
  IF name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'invalid index name "%"', name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'An index name is a lower-case letter followed by at most 62 lower-case letters, digits or underscores.';
  END IF;
  IF EXISTS (SELECT 1 FROM nous.index_definitions d WHERE d.name = define_index.name)
     AND NOT coalesce(replace, false) THEN
    RAISE EXCEPTION 'index "%" is already defined', name
      USING ERRCODE = 'duplicate_object',
            HINT = 'Pass replace => true to redefine it in place (the views that compute it keep working), or choose another name.';
  END IF;
  IF jsonb_typeof(components) <> 'array' OR jsonb_array_length(components) = 0 THEN
    RAISE EXCEPTION 'components must be a non-empty jsonb array'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'For example ''[{"column": "unemployment_rate", "weight": 2}, {"column": "median_income", "polarity": -1}]''.';
  END IF;
  IF nk < 1 OR nk > 100 THEN
    RAISE EXCEPTION 'k (the number of classes) must be between 1 and 100'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', nk);
  END IF;
  FOR c IN SELECT e FROM jsonb_array_elements(components) e LOOP
    i := i + 1;
    IF jsonb_typeof(c) <> 'object' OR jsonb_typeof(c->'column') IS DISTINCT FROM 'string' THEN
      RAISE EXCEPTION 'component % must be an object with a "column" string', i
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(c) AS ok(key) WHERE ok.key NOT IN ('column', 'weight', 'polarity', 'label')) THEN
      RAISE EXCEPTION 'component % has an unknown key', i
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = 'A component accepts: column, weight, polarity, label.';
    END IF;
    col := c->>'column';
    IF col = ANY (cols) THEN
      RAISE EXCEPTION 'column "%" appears twice in the components', col
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF c ? 'weight' AND jsonb_typeof(c->'weight') <> 'number' THEN
      RAISE EXCEPTION 'weight of component % must be a number', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF c ? 'polarity' AND (jsonb_typeof(c->'polarity') <> 'number' OR (c->>'polarity') NOT IN ('1', '-1')) THEN
      RAISE EXCEPTION 'polarity of component % must be 1 or -1', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    w := coalesce((c->>'weight')::float8, 1);
    pol := coalesce((c->>'polarity')::integer, 1);
    IF w < 0 THEN
      RAISE EXCEPTION 'weight of component % must not be negative', i
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use polarity -1 for an indicator where higher means less fragile.';
    END IF;
    cols := cols || col;
    ws := ws || w;
    pols := pols || pol;
  END LOOP;
  IF (SELECT sum(x) FROM unnest(ws) x) = 0 THEN
    RAISE EXCEPTION 'weights must not all be zero' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the methods and their parameters must resolve: a trial on 3 rows
  SELECT max(s) INTO dummy FROM (
    SELECT nous.composite(array_fill(g::float8, ARRAY[i]), ws, pols, normalise, aggregate) OVER () s
      FROM generate_series(1, 3) g) t;
  -- replace: the old definition and its components go, in the same transaction
  DELETE FROM nous.index_definitions d WHERE d.name = define_index.name;
  INSERT INTO nous.index_definitions (name, normalise, aggregate, classes, description)
  VALUES (name, normalise, aggregate, nk, description);
  INSERT INTO nous.index_components (index_name, position, column_name, weight, polarity, label)
  SELECT name, o, e->>'column', coalesce((e->>'weight')::float8, 1),
         coalesce((e->>'polarity')::integer, 1), e->>'label'
    FROM jsonb_array_elements(components) WITH ORDINALITY AS a(e, o);
END
$$;
COMMENT ON FUNCTION nous.define_index(text, jsonb, text, text, integer, text, boolean, integer) IS
  'Define a composite index: components as a jsonb array of {"column", "weight" (default 1), "polarity" (1 or -1, default 1), "label"}, k quantile classes (classes: its name in 0.1.0, still accepted); the methods are checked on a trial before anything is stored; replace => true redefines an existing index in place.';

-- The views that compute a stored index: PostgreSQL cannot see that
-- dependency (the index is named by a string), so their definitions are read.
CREATE FUNCTION nous.index_users(name text)
RETURNS TABLE (view regclass, kind text, registered boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- plpgsql: nous.refresh_views is created after this module
  RETURN QUERY
  SELECT c.oid::regclass,
         CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END,
         EXISTS (SELECT 1 FROM nous.refresh_views r
                  WHERE r.view_schema = n.nspname AND r.view_name = c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('v', 'm')
     AND n.nspname <> ALL (ARRAY['pg_catalog', 'information_schema'])
     AND pg_get_viewdef(c.oid) ~ ('index_compute\((name => )?' || quote_literal(index_users.name) || '::text')
   ORDER BY 1;
END
$$;
COMMENT ON FUNCTION nous.index_users(text) IS
  'The views and materialized views whose query computes the stored index (nous.index_compute with its name written in the query), and whether they are registered for nous.refresh: nous.drop_index refuses while there is one.';

CREATE OR REPLACE FUNCTION nous.drop_index(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  users text;
  n     bigint;
BEGIN
  SELECT string_agg(format('%s %s%s', u.kind, u.view, CASE WHEN u.registered THEN ' (registered for nous.refresh)' ELSE '' END), ', '),
         count(*)
    INTO users, n FROM nous.index_users(drop_index.name) u;
  IF n > 0 THEN
    RAISE EXCEPTION 'cannot drop index "%" because % %', name, n, CASE WHEN n > 1 THEN 'views compute it' ELSE 'view computes it' END
      USING ERRCODE = 'dependent_objects_still_exist',
            DETAIL = format('It is computed by %s; they would fail at their next refresh or read.', users),
            HINT = 'Drop those views first, or redefine the index in place with nous.define_index(..., replace => true).';
  END IF;
  DELETE FROM nous.index_definitions d WHERE d.name = drop_index.name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'index "%" is not defined', name USING ERRCODE = 'undefined_object';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.drop_index(text) IS 'Remove a stored index definition and its components; refused (2BP01) while a view computes it (see nous.index_users).';

CREATE OR REPLACE FUNCTION nous.index_compute(name text, source regclass, key_column text,
                                   partition_column text DEFAULT NULL)
RETURNS TABLE (key text, part text, score float8, rank bigint, class integer,
               coverage float8, contributions jsonb)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d       nous.index_definitions%ROWTYPE;
  comp    record;
  vals    text[] := '{}';
  ws      float8[] := '{}';
  pols    integer[] := '{}';
  contrib text[] := '{}';
  present text[] := '{}';
  wsum    float8 := 0;
  part_expr text;
  missing text;
  q       text;
  -- the two-step path (issue 14): qualified columns, one parameters
  -- aggregate per component for the contributions
  qvals   text[] := '{}';
  qparams text[] := '{}';
  qcontrib text[] := '{}';
  qpresent text[] := '{}';
  qterms  text[] := '{}';
  twostep boolean := false;
  dummy   bigint;
BEGIN
  IF name IS NULL OR source IS NULL OR key_column IS NULL THEN
    RAISE EXCEPTION 'name, source and key_column must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO d FROM nous.index_definitions x WHERE x.name = index_compute.name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'index "%" is not defined', name
      USING ERRCODE = 'undefined_object',
            HINT = 'See the table nous.index_definitions; define one with nous.define_index().';
  END IF;
  -- the key and partition columns are the caller's; the components, the index's
  SELECT string_agg(format('%s column %I', x.role, x.c), ' and ' ORDER BY x.o) INTO missing
    FROM (VALUES (1, 'key', key_column), (2, 'partition', partition_column)) x(o, role, c)
   WHERE x.c IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = source AND a.attname = x.c AND a.attnum > 0 AND NOT a.attisdropped);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION '% does not exist in %', missing, source
      USING ERRCODE = 'undefined_column',
            DETAIL = format('%s has the columns %s.', source,
                            (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a
                              WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped)),
            HINT = 'key_column (and partition_column) name columns of the source table.';
  END IF;
  SELECT string_agg(quote_ident(c.column_name), ', ' ORDER BY c.position) INTO missing
    FROM nous.index_components c
   WHERE c.index_name = d.name
     AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = source AND a.attname = c.column_name AND a.attnum > 0 AND NOT a.attisdropped);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'component column % of index "%" does not exist in %', missing, d.name, source
      USING ERRCODE = 'undefined_column',
            HINT = 'The components name columns of the source table; see nous.index_components.';
  END IF;
  FOR comp IN SELECT * FROM nous.index_components WHERE index_name = d.name ORDER BY position LOOP
    vals := vals || format('%I::float8', comp.column_name);
    ws := ws || comp.weight;
    pols := pols || comp.polarity;
    wsum := wsum + comp.weight;
    -- the component normalised (and reflected) over the partition, weighted
    contrib := contrib || format(
      '%L, CASE WHEN %I IS NOT NULL THEN nous.composite(ARRAY[%I::float8], NULL, ARRAY[%s], %L, ''mean'') OVER w * %s END',
      comp.column_name, comp.column_name, comp.column_name, comp.polarity, d.normalise, comp.weight);
    present := present || format('CASE WHEN %I IS NOT NULL THEN %s::float8 ELSE 0 END', comp.column_name, comp.weight);
    qvals := qvals || format('x.%I::float8', comp.column_name);
    qparams := qparams || format('nous.composite_params(ARRAY[x.%I::float8], ARRAY[%s], %L) AS p%s',
                                 comp.column_name, comp.polarity, d.normalise, comp.position);
    qcontrib := qcontrib || format(
      'CASE WHEN x.%I IS NOT NULL THEN nous.composite_score(ARRAY[x.%I::float8], p.p%s, NULL, ''mean'') * %s END AS c%s',
      comp.column_name, comp.column_name, comp.position, comp.weight, comp.position);
    -- as the window path's jsonb_each_text of its terms: the value through its text form
    qterms := qterms || format('%L, round((c%s::text::float8 / wpresent)::numeric, 12)', comp.column_name, comp.position);
    qpresent := qpresent || format('CASE WHEN x.%I IS NOT NULL THEN %s::float8 ELSE 0 END', comp.column_name, comp.weight);
  END LOOP;
  part_expr := CASE WHEN partition_column IS NULL THEN 'NULL::text' ELSE format('%I::text', partition_column) END;
  -- Two steps when the methods allow it (nous.composite_params: the
  -- normalisations its moments determine; nous.composite_score: the
  -- aggregations of one row): the parameters of each partition in one
  -- aggregate pass, then each row scored alone, as nous.composite OVER
  -- (PARTITION BY ...) scores it.  A trial on 3 rows decides; anything it
  -- refuses takes the window path, which reports its own errors.
  BEGIN
    SELECT count(nous.composite_score(array_fill(g::float8, ARRAY[cardinality(ws)]), t.p, ws, d.aggregate))
      INTO dummy
      FROM generate_series(1, 3) g,
           (SELECT nous.composite_params(array_fill(h::float8, ARRAY[cardinality(ws)]), pols, d.normalise) AS p
              FROM generate_series(1, 3) h) t;
    twostep := true;
  EXCEPTION WHEN OTHERS THEN
    twostep := false;
  END;
  IF twostep THEN
    q := format($f$
      WITH p AS (
        SELECT %2$s AS part,
               nous.composite_params(ARRAY[%3$s], %5$L::int[], %6$L) AS p, %13$s
          FROM %10$s x GROUP BY 1),
      s AS MATERIALIZED (  -- the scores, then the ranks: no parameters carried through the sorts
        SELECT x.%1$I::text AS key, p.part,
               nous.composite_score(ARRAY[%3$s], p.p, %4$L::float8[], %7$L) AS score,
               (%8$s) AS wpresent, %9$s
          FROM %10$s x
          JOIN p ON (%2$s IS NULL) = (p.part IS NULL) AND coalesce(%2$s, '') = coalesce(p.part, ''))
      SELECT key, part, score,
             CASE WHEN score IS NOT NULL THEN rank() OVER (PARTITION BY part, score IS NULL ORDER BY score DESC) END,
             CASE WHEN score IS NOT NULL THEN
               (1 + floor(%11$s * (rank() OVER (PARTITION BY part, score IS NULL ORDER BY score) - 1)
                    / count(score) OVER (PARTITION BY part)::float8))::integer END,
             wpresent / %12$s,
             CASE WHEN score IS NOT NULL THEN jsonb_strip_nulls(jsonb_build_object(%14$s)) END
        FROM s
       ORDER BY part, score DESC NULLS LAST, key$f$,
      key_column,
      CASE WHEN partition_column IS NULL THEN 'NULL::text' ELSE format('x.%I::text', partition_column) END,
      array_to_string(qvals, ', '), ws, pols, d.normalise, d.aggregate,
      array_to_string(qpresent, ' + '), array_to_string(qcontrib, ', '), source, d.classes, wsum,
      array_to_string(qparams, ', '), array_to_string(qterms, ', '));
    RETURN QUERY EXECUTE q;
    RETURN;
  END IF;
  q := format($f$
    WITH s AS (
      SELECT %1$I::text AS key, %2$s AS part,
             nous.composite(ARRAY[%3$s], %4$L::float8[], %5$L::int[], %6$L, %7$L) OVER w AS score,
             (%8$s) AS wpresent,
             jsonb_build_object(%9$s) AS terms
        FROM %10$s
      WINDOW w AS (PARTITION BY %2$s))
    SELECT key, part, score,
           CASE WHEN score IS NOT NULL THEN rank() OVER (PARTITION BY part, score IS NULL ORDER BY score DESC) END,
           CASE WHEN score IS NOT NULL THEN
             (1 + floor(%11$s * (rank() OVER (PARTITION BY part, score IS NULL ORDER BY score) - 1)
                  / count(score) OVER (PARTITION BY part)::float8))::integer END,
           wpresent / %12$s,
           CASE WHEN score IS NOT NULL THEN
             (SELECT jsonb_object_agg(t.k, round((t.v::float8 / wpresent)::numeric, 12))
                FROM jsonb_each_text(terms) t(k, v) WHERE t.v IS NOT NULL) END
      FROM s
     ORDER BY part, score DESC NULLS LAST, key$f$,
    key_column, part_expr, array_to_string(vals, ', '), ws, pols, d.normalise, d.aggregate,
    array_to_string(present, ' + '), array_to_string(contrib, ', '), source, d.classes, wsum);
  RETURN QUERY EXECUTE q;
END
$$;
COMMENT ON FUNCTION nous.index_compute(text, regclass, text, text) IS
  'Compute a stored index for every row of a table: score (nous.composite over the partition), rank (1 = most fragile), quantile class (1 = least fragile), coverage (share of the weight present) and each component''s contribution (weighted normalised value; they add up to the score with the mean aggregation).';

