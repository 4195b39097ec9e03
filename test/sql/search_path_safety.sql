-- search_path safety: (a) every function of the extension is C, SQL with a
-- BEGIN ATOMIC body, or sets its search_path (to pg_catalog and pg_temp
-- only); (b) no SECURITY DEFINER function outside an allow list (empty);
-- (c) hostile functions, operators and an aggregate created in public under
-- the names nous uses are never called by nous functions, views or
-- refreshes when the caller's search_path puts public before pg_catalog.
-- (a) and (b) read pg_proc: they cover every module, present and future.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
SET extra_float_digits = 0;

-- (a) functions of the extension (members, and anything else in schema nous)
CREATE TEMP VIEW nous_functions AS
SELECT p.oid, p.oid::regprocedure::text AS signature, l.lanname, p.prokind, p.prosecdef,
       p.prosqlbody IS NOT NULL AS atomic,
       (SELECT substr(c, 13) FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%') AS search_path
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'nous'::regnamespace
    OR EXISTS (SELECT 1 FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
                WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                  AND e.extname = 'nous');
SELECT count(*) > 50 AS many_functions,
       count(*) FILTER (WHERE lanname = 'plpgsql') > 5 AS some_plpgsql,
       count(*) FILTER (WHERE atomic) > 3 AS some_atomic
  FROM nous_functions;
-- procedures that COMMIT cannot carry a SET clause (PostgreSQL forbids
-- transaction control there): each is listed here with the reason, and its
-- own suite checks that it calls only schema-qualified nous functions with
-- exact argument types, each pinning its search_path (refresh.sql)
CREATE TEMP TABLE no_set_allowed (signature text PRIMARY KEY);
INSERT INTO no_set_allowed VALUES ('nous.refresh(text,interval,bigint,boolean)');
SELECT a.signature, p.prokind, l.lanname
  FROM no_set_allowed a JOIN pg_proc p ON p.oid = a.signature::regprocedure
  JOIN pg_language l ON l.oid = p.prolang;
-- offenders: none expected
SELECT signature, lanname,
       CASE WHEN search_path IS NULL THEN 'no search_path set'
            ELSE 'search_path ' || search_path || ' is not pg_catalog, pg_temp' END AS problem
  FROM nous_functions
 WHERE prokind <> 'a' AND lanname NOT IN ('c', 'internal') AND NOT atomic
   AND (search_path IS NULL
        OR string_to_array(replace(search_path, ' ', ''), ',') <> ARRAY['pg_catalog', 'pg_temp'])
   AND signature NOT IN (SELECT signature FROM no_set_allowed)
 ORDER BY 1;
-- (b) SECURITY DEFINER only in the allow list (none today); each must set search_path
CREATE TEMP TABLE secdef_allowed (signature text PRIMARY KEY);
SELECT f.signature, f.search_path,
       CASE WHEN a.signature IS NULL THEN 'SECURITY DEFINER not in the allow list'
            WHEN f.search_path IS NULL THEN 'SECURITY DEFINER without search_path' END AS problem
  FROM nous_functions f LEFT JOIN secdef_allowed a USING (signature)
 WHERE f.prosecdef AND (a.signature IS NULL OR f.search_path IS NULL);
-- the objects nous creates (types, operators, casts) live in nous; no
-- operator or aggregate of the extension lands in public
SELECT count(*) AS nous_objects_in_public
  FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'nous'
 WHERE d.deptype = 'e'
   AND ((d.classid = 'pg_proc'::regclass AND (SELECT pronamespace FROM pg_proc WHERE oid = d.objid) = 'public'::regnamespace)
     OR (d.classid = 'pg_operator'::regclass AND (SELECT oprnamespace FROM pg_operator WHERE oid = d.objid) = 'public'::regnamespace)
     OR (d.classid = 'pg_type'::regclass AND (SELECT typnamespace FROM pg_type WHERE oid = d.objid) = 'public'::regnamespace));

-- (c) hostile objects in public
CREATE FUNCTION public.nous_hostile(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'hostile object public.% was called', what;
END $$;
DO $$
DECLARE
  o record;
  i int := 0;
BEGIN
  -- operators: name, left, right, result
  FOR o IN SELECT * FROM (VALUES
      ('=', 'text', 'text', 'boolean'), ('<>', 'text', 'text', 'boolean'), ('||', 'text', 'text', 'text'),
      ('=', 'name', 'name', 'boolean'), ('=', 'oid', 'oid', 'boolean'), ('=', 'regproc', 'regproc', 'boolean'),
      ('=', 'integer', 'integer', 'boolean'), ('<', 'integer', 'integer', 'boolean'), ('>', 'integer', 'integer', 'boolean'),
      ('=', 'bigint', 'bigint', 'boolean'), ('<', 'bigint', 'bigint', 'boolean'), ('+', 'bigint', 'bigint', 'bigint'),
      ('+', 'double precision', 'double precision', 'double precision'),
      ('-', 'double precision', 'double precision', 'double precision'),
      ('*', 'double precision', 'double precision', 'double precision'),
      ('/', 'double precision', 'double precision', 'double precision'),
      ('<', 'double precision', 'double precision', 'boolean'), ('>', 'double precision', 'double precision', 'boolean'),
      ('=', 'double precision', 'double precision', 'boolean'), ('<>', 'double precision', 'double precision', 'boolean'),
      ('=', 'boolean', 'boolean', 'boolean'), ('=', 'jsonb', 'jsonb', 'boolean'), ('->>', 'jsonb', 'text', 'text'),
      ('->', 'jsonb', 'text', 'jsonb'), ('?', 'jsonb', 'text', 'boolean'), ('~', 'text', 'text', 'boolean'),
      ('~*', 'text', 'text', 'boolean'), ('=', 'anyarray', 'anyarray', 'boolean')) v(op, l, r, res)
  LOOP
    i := i + 1;
    EXECUTE format('CREATE FUNCTION public.nous_hostile_op%s(%s, %s) RETURNS %s LANGUAGE plpgsql AS %L',
                   i, o.l, o.r, o.res,
                   format('BEGIN PERFORM public.nous_hostile(%L); RETURN NULL; END', 'operator ' || o.op || ' (' || o.l || ', ' || o.r || ')'));
    EXECUTE format('CREATE OPERATOR public.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = public.nous_hostile_op%s)',
                   o.op, o.l, o.r, i);
  END LOOP;
  -- functions with the names and signatures of built-ins that nous calls
  FOR o IN SELECT * FROM (VALUES
      ('format', 'text', 'text'), ('format', 'text, text', 'text'), ('lower', 'text', 'text'), ('upper', 'text', 'text'),
      ('length', 'text', 'integer'), ('strpos', 'text, text', 'integer'), ('quote_ident', 'text', 'text'),
      ('cardinality', 'anyarray', 'integer'), ('array_position', 'anycompatiblearray, anycompatible', 'integer'),
      ('array_length', 'anyarray, integer', 'integer'), ('abs', 'double precision', 'double precision'),
      ('round', 'double precision', 'double precision'), ('sqrt', 'double precision', 'double precision'),
      ('to_regclass', 'text', 'regclass'), ('pg_has_role', 'name, name, text', 'boolean'),
      ('jsonb_array_length', 'jsonb', 'integer'), ('jsonb_typeof', 'jsonb', 'text'),
      ('now', '', 'timestamptz'), ('octet_length', 'bytea', 'integer')) v(fn, args, res)
  LOOP
    EXECUTE format('CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                   o.fn, o.args, o.res,
                   format('BEGIN PERFORM public.nous_hostile(%L); RETURN NULL; END', 'function ' || o.fn || '(' || o.args || ')'));
  END LOOP;
END $$;
CREATE FUNCTION public.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.nous_hostile('function unnest(anyarray)'); END $$;
CREATE FUNCTION public.nous_hostile_sfunc(anycompatiblearray, anycompatible) RETURNS anycompatiblearray LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.nous_hostile('aggregate array_agg(anyelement)'); RETURN NULL; END $$;
CREATE AGGREGATE public.array_agg(anycompatible) (SFUNC = public.nous_hostile_sfunc, STYPE = anycompatiblearray);
CREATE FUNCTION public.nous_hostile_tsfunc(text, text, text) RETURNS text LANGUAGE plpgsql
  AS $$ BEGIN PERFORM public.nous_hostile('aggregate string_agg(text, text)'); RETURN NULL; END $$;
CREATE AGGREGATE public.string_agg(text, text) (SFUNC = public.nous_hostile_tsfunc, STYPE = text);
SELECT count(*) AS hostile_operators FROM pg_operator WHERE oprnamespace = 'public'::regnamespace AND oprcode::text LIKE '%nous_hostile%';

-- data and a materialized view made with the normal search_path
CREATE TABLE public.sps_areas (id int, code text, parent text, x float8, y float8, n int);
INSERT INTO public.sps_areas VALUES (1, 'A', NULL, 1, 10, 60), (2, 'A1', 'A', 2, 30, 4), (3, 'A2', 'A', 3, 20, 26), (4, 'A3', 'A', 4, 25, 30);
SELECT nous.define_index('sps_idx', '[{"column": "x"}, {"column": "y", "polarity": -1}]', normalise => 'minmax');
CREATE MATERIALIZED VIEW public.sps_mv AS
  SELECT (SELECT string_agg(key || ':' || round(score::numeric, 1), ',' ORDER BY key)
            FROM nous.index_compute('sps_idx', 'public.sps_areas', 'code')) AS idx,
         (SELECT count(*) FROM nous.secrecy_publish('public.sps_areas', 'code', 'parent', 'n')) AS cells,
         nous.normalise('{1,2,3}', 'minmax') AS norm;
CREATE FUNCTION pg_temp.sps_norm(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT v';

-- the hostile search_path: public first, then pg_catalog.  From here on the
-- statements of this file use no operator, only function calls and literals.
SET search_path = public, pg_catalog;
\set SHOW_CONTEXT never
SELECT 'x' = 'x' AS hostile_operator_works;   -- proves the trap is armed: an error
\set SHOW_CONTEXT errors
SELECT nous.version() IS NOT NULL AS version;
SELECT nous.normalise('{1,2,3}', 'minmax') AS minmax, nous.normalise('{1,2,3}', 'zscore') AS zscore;
SELECT nous.composite(ARRAY[x, y], normalise => 'minmax') OVER () AS composite FROM public.sps_areas ORDER BY id;
SELECT nous.aggregate('{{1,2},{3,4}}', NULL, 'mean') AS agg;
SELECT nous.register_method('normalisation', 'sps_identity', 'pg_temp.sps_norm(float8[])', 'test');
SELECT nous.normalise('{1,2}', 'sps_identity') AS registered;
SELECT nous.unregister_method('normalisation', 'sps_identity');
SELECT nous.define_index('sps_idx2', '[{"column": "x"}]');
SELECT key, round(score::numeric, 2) AS score FROM nous.index_compute('sps_idx', 'public.sps_areas', 'code') ORDER BY key;
SELECT nous.drop_index('sps_idx2');
SELECT * FROM nous.name_match('{1,2}', '{Saint-Herblain,Rezé}', '{a,b}', '{REZE,St Herblain}');
SELECT * FROM nous.secrecy_publish('public.sps_areas', 'code', 'parent', 'n', rounding_base => 5);
SELECT * FROM nous.secrecy_publish('SELECT code, parent, n FROM public.sps_areas', 'code', 'parent', 'n');
SELECT * FROM nous.secrecy_publish_2d('VALUES (''a'', ''x'', 20), (''a'', ''y'', 3), (''b'', ''x'', 40), (''b'', ''y'', 50)',
                                      'column1', 'column2', 'column3') ORDER BY 1, 2;
SELECT nous.pseudonym('id', decode('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'hex')) AS ps \gset
SELECT * FROM nous.setup_roles('nous_t_sps', 'sps_micro', 'sps_pub', 'sps_agg');
SELECT * FROM nous.drop_roles('nous_t_sps');
SELECT count(*) AS methods FROM nous.methods;
REFRESH MATERIALIZED VIEW public.sps_mv;
SELECT * FROM public.sps_mv;
-- flows
SELECT nous.flow_json(m) AS json, nous.flow_categories(m, '{"A": "q", "B": "r", "C": "r"}') AS categories
  FROM (SELECT nous.flow_matrix(o, d, w) AS m FROM (VALUES ('A', 'B', 5.0), ('B', 'C', 1.0), ('A', 'A', 2.0)) v(o, d, w)) s;
SELECT origin, destination, weight, public.ST_AsText(geom) AS geom
  FROM nous.flow_lines((SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', 5.0)) v(o, d, w)),
                       '{A,B}', ARRAY[public.ST_SetSRID(public.ST_MakePoint(0, 0), 2154), public.ST_SetSRID(public.ST_MakePoint(10, 0), 2154)]);
SELECT * FROM nous.flow_renewal('{g}', ARRAY[(SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', 5.0), ('A', 'A', 2.0)) v(o, d, w))]);
-- spatial (SPI inside the C code): contiguity, k nearest neighbours, areal interpolation
SELECT nous.link_count(nous.contiguity(id, g)) AS rook_links
  FROM (VALUES (1, public.ST_MakeEnvelope(0, 0, 1, 1, 2154)), (2, public.ST_MakeEnvelope(1, 0, 2, 1, 2154)),
               (3, public.ST_MakeEnvelope(2, 0, 3, 1, 2154))) v(id, g);
SELECT nous.link_count(nous.knn(id, g, 1)) AS knn_links
  FROM (VALUES (1, public.ST_SetSRID(public.ST_MakePoint(0, 0), 2154)), (2, public.ST_SetSRID(public.ST_MakePoint(1, 0), 2154)),
               (3, public.ST_SetSRID(public.ST_MakePoint(5, 0), 2154))) v(id, g);
SELECT * FROM nous.areal_interpolation('{1,2}', ARRAY[public.ST_MakeEnvelope(0, 0, 2, 1, 2154), public.ST_MakeEnvelope(2, 0, 4, 1, 2154)],
  '{10,4}', '{7}', ARRAY[public.ST_MakeEnvelope(1, 0, 3, 1, 2154)]);
-- secrecy and the other C functions
SELECT nous.secrecy_primary(5) AS prim, nous.secrecy_dominance('{90,5,5}') AS dom, nous.round_to_base(12, 5) AS r5;
SELECT nous.breaks(v, 2, 'fisher') AS fisher FROM pg_catalog.unnest('{1,2,3,10,11,12}'::float8[]) v;
SELECT nous.dissimilarity(g, t) AS d FROM (VALUES (1.0, 10.0), (4.0, 10.0), (9.0, 10.0)) v(g, t);
RESET search_path;
SELECT :'ps' = encode(public.hmac('id'::bytea, decode('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'hex'), 'sha256'), 'hex') AS pseudonym_ok;

-- clean up
DROP MATERIALIZED VIEW public.sps_mv;
SELECT nous.drop_index('sps_idx');           -- after the view that computes it (2BP01 before)
DROP TABLE public.sps_areas;
DROP AGGREGATE public.array_agg(anycompatible);
DROP AGGREGATE public.string_agg(text, text);
DROP FUNCTION public.unnest(anyarray);
DO $$
DECLARE o record;
BEGIN
  FOR o IN SELECT oid::regoperator AS op FROM pg_operator WHERE oprnamespace = 'public'::regnamespace AND oprcode::text LIKE '%nous_hostile%' LOOP
    EXECUTE format('DROP OPERATOR %s', o.op);
  END LOOP;
  FOR o IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
            WHERE p.pronamespace = 'public'::regnamespace
              AND (p.proname LIKE 'nous\_hostile%' OR p.prosrc LIKE '%public.nous_hostile(%')
            ORDER BY p.proname = 'nous_hostile' LOOP
    EXECUTE format('DROP FUNCTION %s', o.fn);
  END LOOP;
END $$;
SELECT count(*) AS hostile_left FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prosrc LIKE '%nous_hostile%';
DROP EXTENSION pgcrypto;
