-- spatial: changes of 0.2.0 (the rest of sql/65_spatial.sql is as in 0.1.0)
\echo Use "ALTER EXTENSION nous UPDATE" to load this file. \quit

COMMENT ON AGGREGATE nous.getis_ord(nous.weights, bigint, float8) IS
  'Getis-Ord general G of non-negative values; binary weights (B) by default, on which the statistic is defined (0.1.0: W).';

-- ---- two steps (0.2.0): the values of the areas as a storable, combinable
-- state, then the statistics as plain functions of (weights, values) ----
CREATE TYPE nous.area_values;
CREATE FUNCTION nous.area_values_in(cstring) RETURNS nous.area_values
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_in';
COMMENT ON FUNCTION nous.area_values_in(cstring) IS
  'Text input of nous.area_values: {id:value,id:null,...}.';
CREATE FUNCTION nous.area_values_out(nous.area_values) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_out';
COMMENT ON FUNCTION nous.area_values_out(nous.area_values) IS
  'Text output of nous.area_values: {id:value,...} in id order, each value in the shortest form that reads back exactly.';
CREATE FUNCTION nous.area_values_recv(internal) RETURNS nous.area_values
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_recv';
COMMENT ON FUNCTION nous.area_values_recv(internal) IS
  'Binary input of nous.area_values, checking version, length and order.';
CREATE FUNCTION nous.area_values_send(nous.area_values) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_send';
COMMENT ON FUNCTION nous.area_values_send(nous.area_values) IS
  'Binary output of nous.area_values.';
CREATE TYPE nous.area_values (
  INPUT = nous.area_values_in,
  OUTPUT = nous.area_values_out,
  RECEIVE = nous.area_values_recv,
  SEND = nous.area_values_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);
COMMENT ON TYPE nous.area_values IS
  'The values of areas, (bigint id, float8 value or missing) pairs sorted by id: the state of the aggregate nous.area_values, the input of the two-step statistics nous.moran(w, values) and the others.';

CREATE FUNCTION nous.area_values_transfn(nous.area_values, bigint, float8) RETURNS nous.area_values
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_transfn';
COMMENT ON FUNCTION nous.area_values_transfn(nous.area_values, bigint, float8) IS
  'Transition function of nous.area_values.';
CREATE FUNCTION nous.area_values_merge(a nous.area_values, b nous.area_values) RETURNS nous.area_values
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_combine';
COMMENT ON FUNCTION nous.area_values_merge(nous.area_values, nous.area_values) IS
  'The pairs of a and of b (an area in both is an error where the values are used): the combine function of nous.area_values, and the merge of stored states.';
CREATE AGGREGATE nous.area_values(id bigint, value float8) (
  SFUNC = nous.area_values_transfn, STYPE = nous.area_values,
  COMBINEFUNC = nous.area_values_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.area_values(bigint, float8) IS
  'The values of the areas (a NULL value is kept as missing) as a storable state, combinable (parallel query, Citus partial aggregation): the first step of nous.moran(w, values) and the other two-step statistics.';
CREATE AGGREGATE nous.area_values_union(v nous.area_values) (
  SFUNC = nous.area_values_merge, STYPE = nous.area_values,
  COMBINEFUNC = nous.area_values_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.area_values_union(nous.area_values) IS
  'The union of stored nous.area_values states (rollups: per-day or per-area states merged).';
CREATE FUNCTION nous.area_values_count(v nous.area_values) RETURNS bigint
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_count';
COMMENT ON FUNCTION nous.area_values_count(nous.area_values) IS
  'Number of (id, value) pairs of a nous.area_values state.';

CREATE FUNCTION nous.moran(w nous.weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.moran_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_moran_values';
COMMENT ON FUNCTION nous.moran(nous.weights, nous.area_values, text, text) IS
  'Global Moran''s I from the values collected by nous.area_values (second step): the same result as the aggregate nous.moran(w, id, value, options); alternative two-sided (default), greater or less.';
CREATE FUNCTION nous.geary(w nous.weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.geary_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geary_values';
COMMENT ON FUNCTION nous.geary(nous.weights, nous.area_values, text, text) IS
  'Geary''s C from nous.area_values (second step); greater is positive autocorrelation (C below 1).';
CREATE FUNCTION nous.getis_ord(w nous.weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.getis_ord_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_getis_ord_values';
COMMENT ON FUNCTION nous.getis_ord(nous.weights, nous.area_values, text, text) IS
  'Getis-Ord General G from nous.area_values (second step); binary weights unless a style is given.';
CREATE FUNCTION nous.local_moran(w nous.weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_moran_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_moran_values';
COMMENT ON FUNCTION nous.local_moran(nous.weights, nous.area_values, text, text) IS
  'Local Moran of every area from nous.area_values (second step), as an array in id order.';
CREATE FUNCTION nous.local_g(w nous.weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_g_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_g_values';
COMMENT ON FUNCTION nous.local_g(nous.weights, nous.area_values, text, text) IS
  'Local Getis-Ord Gi of every area from nous.area_values (second step).';
CREATE FUNCTION nous.local_gstar(w nous.weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_g_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_gstar_values';
COMMENT ON FUNCTION nous.local_gstar(nous.weights, nous.area_values, text, text) IS
  'Local Getis-Ord Gi* of every area from nous.area_values (second step).';

-- weights as a combinable state: the union of areas and links
CREATE FUNCTION nous.weights_union(a nous.weights, b nous.weights) RETURNS nous.weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_union2';
COMMENT ON FUNCTION nous.weights_union(nous.weights, nous.weights) IS
  'The areas and links of a and of b.';
CREATE AGGREGATE nous.weights_union(w nous.weights) (
  SFUNC = nous.weights_union, STYPE = nous.weights,
  COMBINEFUNC = nous.weights_union, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.weights_union(nous.weights) IS
  'The union of weights values (areas and links): weights built per region, merged for any territory; combinable.';
