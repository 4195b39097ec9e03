-- privileges: a role with no privilege but LOGIN can use the engines (read
-- the registry, call functions and aggregates, compute a stored index) but
-- cannot register methods or change the catalogues.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;
DROP ROLE IF EXISTS nous_plain_user;
CREATE ROLE nous_plain_user;
CREATE TABLE public.priv_areas (id int, x float8, y float8, g float8, t float8);
INSERT INTO public.priv_areas VALUES (1, 1, 10, 1, 10), (2, 2, 30, 4, 10), (3, 3, 20, 9, 10);
GRANT SELECT ON public.priv_areas TO nous_plain_user;
SELECT nous.define_index('priv_idx', '[{"column": "x"}, {"column": "y"}]', normalise => 'minmax');

SET ROLE nous_plain_user;
SELECT nous.version() = (SELECT extversion FROM pg_extension WHERE extname = 'nous') AS version_ok;
SELECT nous.normalise('{1,2,3}', 'minmax') AS builtin_method;
SELECT count(*) > 0 AS reads_registry FROM nous.methods;
SELECT id, round(nous.composite(ARRAY[x, y], normalise => 'minmax') OVER ()::numeric, 2) AS composite
  FROM public.priv_areas ORDER BY id;
SELECT round(nous.dissimilarity(g, t)::numeric, 6) AS d FROM public.priv_areas;
SELECT key, round(score::numeric, 2) AS score FROM nous.index_compute('priv_idx', 'public.priv_areas', 'id') ORDER BY key;
-- flows, class breaks, weights: 1>2:5 and 2>3:1, stayers 1>1:2
SELECT z.zone, z.inflow, z.outflow
  FROM (SELECT nous.flow_matrix(o, d, w) AS m FROM (VALUES ('1', '2', 5.0), ('2', '3', 1.0), ('1', '1', 2.0)) v(o, d, w)) s,
       nous.flow_zones(s.m) z ORDER BY 1;
SELECT nous.breaks(x, 2, 'equal') AS equal_breaks FROM public.priv_areas;   -- 1 2 3: {2,3}
SELECT nous.link_count(nous.weights(a, b)) AS links FROM (VALUES (1, 2), (2, 1), (2, 3), (3, 2)) e(a, b);
CREATE FUNCTION pg_temp.f(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT v';
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'mine', 'pg_temp.f(float8[])')$e$);
CALL public.expect_error($e$DELETE FROM nous.method_catalog$e$);
CALL public.expect_error($e$SELECT nous.define_index('priv_idx2', '[{"column": "x"}]')$e$);
RESET ROLE;

SELECT nous.drop_index('priv_idx');
DROP TABLE public.priv_areas;
DROP OWNED BY nous_plain_user;
DROP ROLE nous_plain_user;
