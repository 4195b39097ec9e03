-- 41_mix_alloc.sql: the allocation rules get storable states (issue 14):
-- nous.first_quartile, nous.mix_compliance, nous.priority_share and
-- nous.allocation_mix change their state from internal (with serialize /
-- deserialize) to storable ones (float8[] counters for the rules, the new
-- type nous.quantile_state for the quartile) with a combine function, so that Citus
-- aggregates them in parts on the workers.
--
-- The aggregates are replaced in place (CREATE OR REPLACE AGGREGATE keeps
-- their identity, arguments, result and comment), so that views and
-- materialized views of users that call them keep working through the
-- update; only the support functions change (new float8[] signatures, the
-- internal ones dropped once no aggregate uses them).  The C symbols of the
-- internal functions stay in the library for a 0.1.0 install that has not
-- been updated yet.

CREATE TYPE nous.quantile_state;
CREATE FUNCTION nous.quantile_state_in(cstring) RETURNS nous.quantile_state
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quantile_state_in';
CREATE FUNCTION nous.quantile_state_out(nous.quantile_state) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quantile_state_out';
CREATE FUNCTION nous.quantile_state_recv(internal) RETURNS nous.quantile_state
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quantile_state_recv';
CREATE FUNCTION nous.quantile_state_send(nous.quantile_state) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quantile_state_send';
CREATE TYPE nous.quantile_state (
  INPUT = nous.quantile_state_in, OUTPUT = nous.quantile_state_out,
  RECEIVE = nous.quantile_state_recv, SEND = nous.quantile_state_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE nous.quantile_state IS
  'Storable, mergeable state of nous.first_quartile: {version, kind, value, multiplicity, …}, the distinct values in increasing order with their counts (kind -1 unset, 0 continuous, 1 discrete, 2 median_unbiased).';
COMMENT ON FUNCTION nous.quantile_state_in(cstring) IS 'Text input of nous.quantile_state (validated).';
COMMENT ON FUNCTION nous.quantile_state_out(nous.quantile_state) IS 'Text output of nous.quantile_state (shortest exact decimals).';
COMMENT ON FUNCTION nous.quantile_state_recv(internal) IS 'Binary input of nous.quantile_state (validated).';
COMMENT ON FUNCTION nous.quantile_state_send(nous.quantile_state) IS 'Binary output of nous.quantile_state.';
CREATE FUNCTION nous.first_quartile_trans(nous.quantile_state, float8) RETURNS nous.quantile_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_values_trans';
COMMENT ON FUNCTION nous.first_quartile_trans(nous.quantile_state, float8) IS 'Transition function of nous.first_quartile.';
CREATE FUNCTION nous.first_quartile_trans(nous.quantile_state, float8, text) RETURNS nous.quantile_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_values_trans';
COMMENT ON FUNCTION nous.first_quartile_trans(nous.quantile_state, float8, text) IS 'Transition function of nous.first_quartile with a quantile definition.';
CREATE FUNCTION nous.first_quartile_combine(nous.quantile_state, nous.quantile_state) RETURNS nous.quantile_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_values_combine';
COMMENT ON FUNCTION nous.first_quartile_combine(nous.quantile_state, nous.quantile_state) IS
  'Combine function of nous.first_quartile: the union of two states {version, kind, value, multiplicity, …}, multiplicities summed.';
CREATE FUNCTION nous.first_quartile_final(nous.quantile_state) RETURNS float8
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_values_final';
COMMENT ON FUNCTION nous.first_quartile_final(nous.quantile_state) IS
  'Final function of nous.first_quartile: the 25th percentile of a state (validated); NULL when it holds no value.';

CREATE OR REPLACE AGGREGATE nous.first_quartile(income_uc float8) (
  SFUNC = nous.first_quartile_trans, STYPE = nous.quantile_state, FINALFUNC = nous.first_quartile_final,
  COMBINEFUNC = nous.first_quartile_combine, PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE nous.first_quartile(income_uc float8, quantile text) (
  SFUNC = nous.first_quartile_trans, STYPE = nous.quantile_state, FINALFUNC = nous.first_quartile_final,
  COMBINEFUNC = nous.first_quartile_combine, PARALLEL = SAFE
);

CREATE FUNCTION nous.compliance_trans(float8[], boolean) RETURNS float8[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_trans_compliance';
COMMENT ON FUNCTION nous.compliance_trans(float8[], boolean) IS 'Transition function of nous.priority_share.';
CREATE FUNCTION nous.compliance_trans(float8[], boolean, float8) RETURNS float8[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_trans_compliance';
COMMENT ON FUNCTION nous.compliance_trans(float8[], boolean, float8) IS 'Transition function of nous.mix_compliance.';
CREATE FUNCTION nous.compliance_trans(float8[], boolean, float8, int, float8) RETURNS float8[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_trans_compliance';
COMMENT ON FUNCTION nous.compliance_trans(float8[], boolean, float8, int, float8) IS 'Transition function of nous.mix_compliance with min_scope and confidence.';
CREATE FUNCTION nous.allocation_mix_trans(float8[], boolean, float8, boolean, float8) RETURNS float8[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_trans_allocation_mix';
COMMENT ON FUNCTION nous.allocation_mix_trans(float8[], boolean, float8, boolean, float8) IS 'Transition function of nous.allocation_mix.';
CREATE FUNCTION nous.allocation_mix_trans(float8[], boolean, float8, boolean, float8, boolean, int, float8) RETURNS float8[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_trans_allocation_mix';
COMMENT ON FUNCTION nous.allocation_mix_trans(float8[], boolean, float8, boolean, float8, boolean, int, float8) IS 'Transition function of nous.allocation_mix with its parameters.';
CREATE FUNCTION nous.rule_combine(float8[], float8[]) RETURNS float8[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_merge';
COMMENT ON FUNCTION nous.rule_combine(float8[], float8[]) IS
  'Combine function of the allocation rules: counts added; target and parameters must agree.';
CREATE FUNCTION nous.compliance_final(float8[]) RETURNS nous.compliance
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_final_compliance';
COMMENT ON FUNCTION nous.compliance_final(float8[]) IS 'Final function of nous.mix_compliance and nous.priority_share (validates the state).';

CREATE FUNCTION nous.allocation_mix_final(float8[]) RETURNS nous.allocation_mix
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_final_allocation_mix';
COMMENT ON FUNCTION nous.allocation_mix_final(float8[]) IS 'Final function of nous.allocation_mix (validates the state).';

CREATE OR REPLACE AGGREGATE nous.mix_compliance(counts boolean, target float8) (
  SFUNC = nous.compliance_trans, STYPE = float8[], FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE nous.mix_compliance(counts boolean, target float8, min_scope int, confidence float8) (
  SFUNC = nous.compliance_trans, STYPE = float8[], FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE nous.priority_share(is_priority boolean) (
  SFUNC = nous.compliance_trans, STYPE = float8[], FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);

CREATE OR REPLACE AGGREGATE nous.allocation_mix(in_qpv boolean, income_uc float8, renewal boolean, threshold float8) (
  SFUNC = nous.allocation_mix_trans, STYPE = float8[], FINALFUNC = nous.allocation_mix_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE nous.allocation_mix(in_qpv boolean, income_uc float8, renewal boolean, threshold float8,
                                     inclusive boolean, min_scope int, confidence float8) (
  SFUNC = nous.allocation_mix_trans, STYPE = float8[], FINALFUNC = nous.allocation_mix_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);

DROP FUNCTION nous.first_quartile_trans(internal, float8);
DROP FUNCTION nous.first_quartile_trans(internal, float8, text);
DROP FUNCTION nous.first_quartile_combine(internal, internal);
DROP FUNCTION nous.first_quartile_serialize(internal);
DROP FUNCTION nous.first_quartile_deserialize(bytea, internal);
DROP FUNCTION nous.first_quartile_final(internal);
DROP FUNCTION nous.compliance_trans(internal, boolean);
DROP FUNCTION nous.compliance_trans(internal, boolean, float8);
DROP FUNCTION nous.compliance_trans(internal, boolean, float8, int, float8);
DROP FUNCTION nous.allocation_mix_trans(internal, boolean, float8, boolean, float8);
DROP FUNCTION nous.allocation_mix_trans(internal, boolean, float8, boolean, float8, boolean, int, float8);
DROP FUNCTION nous.rule_combine(internal, internal);
DROP FUNCTION nous.rule_serialize(internal);
DROP FUNCTION nous.rule_deserialize(bytea, internal);
DROP FUNCTION nous.compliance_final(internal);
DROP FUNCTION nous.allocation_mix_final(internal);

-- nous.first_quartile(float8[], text) named its first parameter "values", a
-- reserved word: renamed income_uc in the catalogue (see 40_mix.sql: DROP +
-- CREATE would break the views that call it).  A view that called it in
-- named notation with "values" => keeps working, but its definition would
-- still print the old name: the update names such views in a WARNING.
UPDATE pg_catalog.pg_proc SET proargnames = '{income_uc,quantile}'::text[]
 WHERE oid = 'nous.first_quartile(float8[], text)'::regprocedure AND proargnames[1] = 'values';
DO $$
DECLARE
  v text;
BEGIN
  FOR v IN SELECT DISTINCT r.ev_class::regclass::text
             FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
            WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass
              AND d.refclassid = 'pg_catalog.pg_proc'::regclass
              AND d.refobjid = 'nous.first_quartile(float8[], text)'::regprocedure
              AND pg_catalog.pg_get_viewdef(r.ev_class) LIKE '%"values" =>%'
  LOOP
    RAISE WARNING 'view % calls nous.first_quartile with the argument name "values", now income_uc', v
      USING HINT = 'Re-create the view with income_uc => (or positional arguments) so that its dump restores.';
  END LOOP;
END
$$;
