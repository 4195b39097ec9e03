-- 90_access.sql: generated from the module fragment (see the report of the secrecy branch); keep in step with it.
-- access: secrecy_publish passes the threshold to the engine; secrecy_publish_2d
-- applies threshold and dominance to the totals

CREATE OR REPLACE FUNCTION nous.secrecy_publish(source text, id_column text, parent_column text,
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

CREATE OR REPLACE FUNCTION nous.secrecy_publish_2d(source text, row_column text, col_column text,
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
