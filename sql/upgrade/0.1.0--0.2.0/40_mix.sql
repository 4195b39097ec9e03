-- 40_mix.sql: integer groups in nous.mixcounts_agg, normalised Shannon
-- diversity, and parameter names that are not reserved words.

CREATE FUNCTION nous.mixcounts_trans(nous.mixcounts, text, bigint, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_trans_int';
COMMENT ON FUNCTION nous.mixcounts_trans(nous.mixcounts, text, bigint, float8) IS
  'Transition function of nous.mixcounts_agg over integer groups: add n to cell (unit, grp::text).';
CREATE FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, bigint, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_trans_super_int';
COMMENT ON FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, bigint, float8) IS
  'Transition function of nous.mixcounts_agg with a super-unit over integer groups: add n to cell (super, unit, grp::text).';
CREATE AGGREGATE nous.mixcounts_agg(unit text, grp bigint, n float8) (
  SFUNC = nous.mixcounts_trans, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixcounts_agg(text, bigint, float8) IS
  'Collect (unit, integer group, count) cells into a storable nous.mixcounts state: the same cells as with grp::text (smallint and integer columns too).';
CREATE AGGREGATE nous.mixcounts_agg(super text, unit text, grp bigint, n float8) (
  SFUNC = nous.mixcounts_trans, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixcounts_agg(text, text, bigint, float8) IS
  'Collect (super-unit, unit, integer group, count) cells into a storable nous.mixcounts state: the same cells as with grp::text.';
CREATE FUNCTION nous.shannon_normalised(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_shannon_normalised';
COMMENT ON FUNCTION nous.shannon_normalised(nous.mixcounts) IS
  'Normalised Shannon diversity (Pielou''s evenness) E / ln K of the group totals, K the groups the state names (a group with zero counts included): 0 when one group holds everyone, 1 when all K are equal; NULL under 2 groups.';
INSERT INTO nous.method_catalog (family, name, function, builtin, description) VALUES
  ('multigroup_segregation', 'shannon_normalised', 'nous.shannon_normalised(nous.mixcounts)', true, 'normalised Shannon diversity E / ln K (Pielou''s evenness)');

-- The two-group aggregates named their first argument "group", a reserved
-- word.  PostgreSQL cannot rename a parameter with CREATE OR REPLACE, and
-- DROP + CREATE would fail on (or, with CASCADE, destroy) the views of users
-- that call the aggregates: the names are changed in the catalogue instead,
-- which keeps every object and every dependent view as it is (an aggregate
-- call cannot use named notation, so no stored query names the argument).
UPDATE pg_catalog.pg_proc SET proargnames = CASE pronargs WHEN 2 THEN '{group_count,total}'::text[]
                                                          ELSE '{group_count,total,b}'::text[] END
 WHERE oid IN ('nous.mixpairs_agg(float8, float8)'::regprocedure, 'nous.dissimilarity(float8, float8)'::regprocedure,
               'nous.gini_segregation(float8, float8)'::regprocedure, 'nous.entropy_h(float8, float8)'::regprocedure,
               'nous.isolation(float8, float8)'::regprocedure, 'nous.interaction(float8, float8)'::regprocedure,
               'nous.correlation_ratio(float8, float8)'::regprocedure, 'nous.atkinson(float8, float8, float8)'::regprocedure)
   AND proargnames[1] = 'group';
