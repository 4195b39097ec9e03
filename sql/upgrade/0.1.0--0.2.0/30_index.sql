-- the composite index in two steps (issue 14): nous.composite_params
-- (combinable aggregate, float8[] state), nous.composite_params_merge,
-- nous.composite_score, nous.composite_params_table: new objects.

-- The first parameter of the normalisation methods and of the composite
-- index was named "values", a reserved word (named notation needed quotes):
-- renamed x (methods) and indicators (nous.composite, nous.composite_agg) in
-- the catalogue, as PostgreSQL cannot rename a parameter with CREATE OR
-- REPLACE and DROP + CREATE would break the views that call them.  A view
-- that called one in named notation with "values" => keeps working, but its
-- definition would still print the old name: the update names such views in
-- a WARNING.
UPDATE pg_catalog.pg_proc SET proargnames = pg_catalog.array_replace(proargnames, 'values', 'x')
 WHERE pronamespace = 'nous'::regnamespace
   AND proname IN ('normalise', 'normalise_zscore', 'normalise_minmax', 'normalise_rank', 'normalise_percentile',
                   'normalise_ratio', 'normalise_goalposts', 'normalise_winsor', 'normalise_log', 'normalise_none')
   AND proargnames[1] = 'values';
UPDATE pg_catalog.pg_proc SET proargnames = pg_catalog.array_replace(proargnames, 'values', 'indicators')
 WHERE pronamespace = 'nous'::regnamespace AND proname IN ('composite', 'composite_agg')
   AND 'values' = ANY (proargnames);
DO $$
DECLARE
  v record;
BEGIN
  FOR v IN SELECT DISTINCT r.ev_class::regclass::text AS view, p.proname
             FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
             JOIN pg_catalog.pg_proc p ON p.oid = d.refobjid
            WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass
              AND d.refclassid = 'pg_catalog.pg_proc'::regclass
              AND p.pronamespace = 'nous'::regnamespace
              AND (p.proname LIKE 'normalise%' OR p.proname IN ('composite', 'composite_agg'))
              AND pg_catalog.pg_get_viewdef(r.ev_class) LIKE '%"values" =>%'
  LOOP
    RAISE WARNING 'view % calls nous.% with the argument name "values", now % ', v.view, v.proname,
                  CASE WHEN v.proname LIKE 'normalise%' THEN 'x' ELSE 'indicators' END
      USING HINT = 'Re-create the view with the new name (or positional arguments) so that its dump restores.';
  END LOOP;
END
$$;

CREATE FUNCTION nous.composite_params_trans(float8[], float8[])
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_params_trans';
CREATE FUNCTION nous.composite_params_trans(float8[], float8[], int[])
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_params_trans';
CREATE FUNCTION nous.composite_params_trans(float8[], float8[], int[], text)
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_params_trans';
COMMENT ON FUNCTION nous.composite_params_trans(float8[], float8[]) IS
  'Transition function of nous.composite_params: adds the present values of a row to the moments of each component.';
COMMENT ON FUNCTION nous.composite_params_trans(float8[], float8[], int[]) IS
  'Transition function of nous.composite_params: adds the present values of a row to the moments of each component.';
COMMENT ON FUNCTION nous.composite_params_trans(float8[], float8[], int[], text) IS
  'Transition function of nous.composite_params: adds the present values of a row to the moments of each component.';

CREATE FUNCTION nous.composite_params_merge(a float8[], b float8[])
  RETURNS float8[] LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_params_merge';
COMMENT ON FUNCTION nous.composite_params_merge(float8[], float8[]) IS
  'The parameters of the union of two sets of rows (count, sum and M2 merged as PostgreSQL''s float8_combine; minimum and maximum): the combine function of nous.composite_params, and the rollup of stored parameters.';

CREATE AGGREGATE nous.composite_params(indicators float8[]) (
  SFUNC = nous.composite_params_trans, STYPE = float8[],
  COMBINEFUNC = nous.composite_params_merge, PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_params(indicators float8[], polarity int[]) (
  SFUNC = nous.composite_params_trans, STYPE = float8[],
  COMBINEFUNC = nous.composite_params_merge, PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_params(indicators float8[], polarity int[], normalise text) (
  SFUNC = nous.composite_params_trans, STYPE = float8[],
  COMBINEFUNC = nous.composite_params_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.composite_params(float8[]) IS
  'Step 1 of the composite index in two steps: the z-score parameters (count, sum, M2, minimum, maximum of each component) of the rows of a group, as a storable float8[]; score the rows with nous.composite_score.';
COMMENT ON AGGREGATE nous.composite_params(float8[], int[]) IS
  'Step 1 of the composite index in two steps, with polarity (1 or -1 per component, the same in every row); a storable float8[] for nous.composite_score.';
COMMENT ON AGGREGATE nous.composite_params(float8[], int[], text) IS
  'Step 1 of the composite index in two steps, with polarity and a normalisation (zscore, minmax, goalposts, ratio, log or none); a storable float8[] for nous.composite_score.';

CREATE FUNCTION nous.composite_score(indicators float8[], params float8[],
                                     weights float8[] DEFAULT NULL,
                                     aggregate text DEFAULT 'mean')
  RETURNS float8 LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_score';
COMMENT ON FUNCTION nous.composite_score(float8[], float8[], float8[], text) IS
  'Step 2 of the composite index in two steps: the score of one row from the parameters nous.composite_params computed over its partition, equal to nous.composite(values, weights, polarity, normalise, aggregate) OVER that partition (aggregations mean, geometric, power, mpi; min_coverage as there).';

CREATE FUNCTION nous.composite_params_table(params float8[])
  RETURNS TABLE (component integer, polarity integer, n bigint, mean float8,
                 sd_sample float8, sd_population float8, min float8, max float8)
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT j, params[9 + 6 * (j - 1)]::integer, params[10 + 6 * (j - 1)]::bigint,
         CASE WHEN params[10 + 6 * (j - 1)] > 0 THEN params[11 + 6 * (j - 1)] / params[10 + 6 * (j - 1)] END,
         CASE WHEN params[10 + 6 * (j - 1)] > 1 THEN sqrt(params[12 + 6 * (j - 1)] / (params[10 + 6 * (j - 1)] - 1)) END,
         CASE WHEN params[10 + 6 * (j - 1)] > 0 THEN sqrt(params[12 + 6 * (j - 1)] / params[10 + 6 * (j - 1)]) END,
         CASE WHEN params[10 + 6 * (j - 1)] > 0 THEN params[13 + 6 * (j - 1)] END,
         CASE WHEN params[10 + 6 * (j - 1)] > 0 THEN params[14 + 6 * (j - 1)] END
    FROM generate_series(1, CASE WHEN params[1] = 14001 AND params[2] >= 1
                                  AND cardinality(params) = 8 + 6 * params[2]::integer
                                 THEN params[2]::integer ELSE 0 END) AS j
   ORDER BY j;
END;
COMMENT ON FUNCTION nous.composite_params_table(float8[]) IS
  'The parameters of nous.composite_params, one row per component: polarity, count, mean, sample and population standard deviations, minimum and maximum (no row for a value that is not such parameters).';

-- nous.composite_agg gets a storable state (issue 14): nous.composite_agg_state
-- and a combine function, so that Citus aggregates it in parts; the
-- aggregates are replaced in place (views over them survive), then the
-- support functions of the 0.1.0 internal state are dropped (their C
-- symbols stay in the library: the 0.1.0 script names them).
-- the storable state (issue 14): the rows of the group (key and values) with
-- the weights, polarity and methods, as an expanded object while the
-- aggregate runs; its text form round-trips exactly (shortest decimals)
CREATE TYPE nous.composite_agg_state;
CREATE FUNCTION nous.composite_agg_state_in(cstring) RETURNS nous.composite_agg_state
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_composite_agg_state_in';
CREATE FUNCTION nous.composite_agg_state_out(nous.composite_agg_state) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_composite_agg_state_out';
CREATE FUNCTION nous.composite_agg_state_recv(internal) RETURNS nous.composite_agg_state
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_composite_agg_state_recv';
CREATE FUNCTION nous.composite_agg_state_send(nous.composite_agg_state) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_composite_agg_state_send';
CREATE TYPE nous.composite_agg_state (
  INPUT = nous.composite_agg_state_in, OUTPUT = nous.composite_agg_state_out,
  RECEIVE = nous.composite_agg_state_recv, SEND = nous.composite_agg_state_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);
COMMENT ON FUNCTION nous.composite_agg_state_in(cstring) IS
  'Text input of nous.composite_agg_state: checks the format version, the number of components, weights, polarity, methods and values (22P02 with a DETAIL).';
COMMENT ON FUNCTION nous.composite_agg_state_out(nous.composite_agg_state) IS
  'Text output of nous.composite_agg_state (numbers as shortest exact decimals: it round-trips exactly).';
COMMENT ON FUNCTION nous.composite_agg_state_recv(internal) IS
  'Binary input of nous.composite_agg_state; checks as the text input (22000 with a DETAIL).';
COMMENT ON FUNCTION nous.composite_agg_state_send(nous.composite_agg_state) IS
  'Binary output of nous.composite_agg_state.';
COMMENT ON TYPE nous.composite_agg_state IS
  'State of nous.composite_agg: the rows of a group (key and values) with the weights, polarity and methods; text form 1;k;"normalise";"aggregate";{weights}|NULL;{polarity}|NULL;{(key,v,...),...} with shortest exact decimals.';

CREATE FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[])
  RETURNS nous.composite_agg_state LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_state_trans';
CREATE FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[], float8[])
  RETURNS nous.composite_agg_state LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_state_trans';
CREATE FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[], float8[], int[])
  RETURNS nous.composite_agg_state LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_state_trans';
CREATE FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[], float8[], int[], text)
  RETURNS nous.composite_agg_state LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_state_trans';
CREATE FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[], float8[], int[], text, text)
  RETURNS nous.composite_agg_state LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_state_trans';
COMMENT ON FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[]) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
COMMENT ON FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[], float8[]) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
COMMENT ON FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[], float8[], int[]) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
COMMENT ON FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[], float8[], int[], text) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
COMMENT ON FUNCTION nous.composite_agg_trans(nous.composite_agg_state, bigint, float8[], float8[], int[], text, text) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
CREATE FUNCTION nous.composite_agg_merge(a nous.composite_agg_state, b nous.composite_agg_state)
  RETURNS nous.composite_agg_state LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_merge';
COMMENT ON FUNCTION nous.composite_agg_merge(nous.composite_agg_state, nous.composite_agg_state) IS
  'Combine function of nous.composite_agg: the union of the rows of two states built with the same weights, polarity and methods (22023 otherwise); either may be NULL.';
CREATE FUNCTION nous.composite_agg_final(nous.composite_agg_state)
  RETURNS nous.composite_scores LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_state_final';
COMMENT ON FUNCTION nous.composite_agg_final(nous.composite_agg_state) IS
  'Final function of nous.composite_agg: sorts the rows by key, normalises and aggregates as nous.composite does over the same rows (everything read from the state).';


CREATE OR REPLACE AGGREGATE nous.composite_agg(key bigint, indicators float8[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE nous.composite_agg(key bigint, indicators float8[], weights float8[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE nous.composite_agg(key bigint, indicators float8[], weights float8[], polarity int[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE nous.composite_agg(key bigint, indicators float8[], weights float8[], polarity int[],
                                    normalise text) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE nous.composite_agg(key bigint, indicators float8[], weights float8[], polarity int[],
                                    normalise text, aggregate text) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
DROP FUNCTION nous.composite_agg_trans(internal, bigint, float8[]);
DROP FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[]);
DROP FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[]);
DROP FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[], text);
DROP FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[], text, text);
DROP FUNCTION nous.composite_agg_combine(internal, internal);
DROP FUNCTION nous.composite_agg_serialize(internal);
DROP FUNCTION nous.composite_agg_deserialize(bytea, internal);
DROP FUNCTION nous.composite_agg_final(internal);
