-- mix_methods: the segregation index families of the method registry; a
-- user-defined index registered and called by name.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

SELECT family, name, builtin FROM nous.methods
 WHERE family IN ('segregation', 'multigroup_segregation') ORDER BY 1, 2;
-- every built-in by name equals its own function ((10,20) (0,20) (30,40): D 0.5, Gini 0.625)
SELECT nous.segregation(s, 'dissimilarity') AS d, nous.segregation(s, 'gini') AS gini,
       nous.segregation(s, 'isolation') AS xpx, nous.segregation(s, 'interaction') AS xpy,
       nous.segregation(s, 'correlation_ratio') AS eta2,
       nous.segregation(s, 'entropy') = nous.entropy_h(s) AS h,
       nous.segregation(s, 'atkinson') = nous.atkinson(s, 0.5) AS atkinson_default_b,
       nous.segregation(s, 'atkinson(b=0.3)') = nous.atkinson(s, 0.3) AS atkinson_b
  FROM (SELECT '[(10,20),(0,20),(30,40)]'::nous.mixpairs s) q;
-- u1 a 4 | u2 a 2 b 2: M = 1/2 ln(4/3) + 1/4 ln(2/3) + 1/4 ln 2
SELECT round(nous.segregation(s, 'mutual_information')::numeric, 12) AS m,
       round((0.5 * ln(4 / 3.0) + 0.25 * ln(2 / 3.0) + 0.25 * ln(2))::numeric, 12) AS m_by_hand,
       nous.segregation(s, 'entropy') = nous.entropy_index(s) AS h,
       nous.segregation(s, 'simpson_interaction') AS simpson_i, 1 - (0.75 * 0.75 + 0.25 * 0.25) AS by_hand
  FROM (SELECT '[["","u1","a",4],["","u2","a",2],["","u2","b",2]]'::nous.mixcounts s) q;
-- the areas of a state as arrays, for plugins
SELECT nous.mixpairs_groups('[(10,20),(0,20),(30,40)]'), nous.mixpairs_totals('[(10,20),(0,20),(30,40)]'),
       nous.mixpairs_groups('[]');
-- a user index: the highest share of the group in one area
CREATE FUNCTION mix_max_share(s nous.mixpairs) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN (SELECT max(g / t) FROM unnest(nous.mixpairs_groups(s), nous.mixpairs_totals(s)) u(g, t) WHERE t > 0);
SELECT nous.register_method('segregation', 'max_share', 'mix_max_share(nous.mixpairs)');
SELECT nous.segregation(nous.mixpairs_agg(g, t), 'max_share') FROM (VALUES (10, 20), (0, 20), (30, 40)) v(g, t);
SELECT nous.unregister_method('segregation', 'max_share');
DROP FUNCTION mix_max_share(nous.mixpairs);
CALL public.expect_error($e$SELECT nous.segregation('[(1,2)]'::nous.mixpairs, 'nope')$e$);
CALL public.expect_error($e$SELECT nous.segregation('[(1,2),(0,2)]'::nous.mixpairs, 'atkinson(b=1)')$e$);
CALL public.expect_error($e$SELECT nous.segregation('[(1,2),(0,2)]'::nous.mixpairs, 'atkinson(c=1)')$e$);
SELECT nous.segregation('[(1,2)]'::nous.mixpairs, 'nope');
