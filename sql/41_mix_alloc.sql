-- mix: the allocation-mix rules of social housing (loi n° 2017-86 du
-- 27 janvier 2017 « Égalité et Citoyenneté », art. 70; CCH L441-1) and the
-- demand-side indicators shown beside them.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

CREATE FUNCTION nous.consumption_units(persons_14_plus int, persons_under_14 int) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_consumption_units_default';
COMMENT ON FUNCTION nous.consumption_units(int, int) IS
  'Consumption units of a household on the INSEE / OECD-modified scale: 1 + 0.5 (persons_14_plus - 1) + 0.3 persons_under_14; zero persons aged 14+ is an error.';
CREATE FUNCTION nous.consumption_units(persons_14_plus int, persons_under_14 int, scale text) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_consumption_units_scale';
COMMENT ON FUNCTION nous.consumption_units(int, int, text) IS
  'Consumption units on a named scale: oecd_modified (alias insee), oecd (alias oxford: 1 + 0.7 (a - 1) + 0.5 c), sqrt (sqrt(a + c)), per_capita (a + c).';
CREATE FUNCTION nous.income_per_uc(resources float8, persons_14_plus int, persons_under_14 int) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_income_per_uc';
COMMENT ON FUNCTION nous.income_per_uc(float8, int, int) IS
  'Annual resources divided by the consumption units of the household (INSEE / OECD-modified scale); negative resources are an error.';
CREATE FUNCTION nous.income_per_uc(resources float8, persons_14_plus int, persons_under_14 int, scale text) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_income_per_uc';
COMMENT ON FUNCTION nous.income_per_uc(float8, int, int, text) IS
  'Annual resources divided by the consumption units of the household on a named scale (see nous.consumption_units).';

-- first-quartile threshold.  The state nous.quantile_state {version, kind,
-- value, multiplicity, …} (distinct values in increasing order) is
-- storable, so that Citus and parallel query aggregate in parts and combine.
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

CREATE AGGREGATE nous.first_quartile(income_uc float8) (
  SFUNC = nous.first_quartile_trans, STYPE = nous.quantile_state, FINALFUNC = nous.first_quartile_final,
  COMBINEFUNC = nous.first_quartile_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.first_quartile(float8) IS
  'First-quartile threshold of income per consumption unit (CCH L441-1): the 25th percentile, continuous as percentile_cont(0.25); NULL over no row.';
CREATE AGGREGATE nous.first_quartile(income_uc float8, quantile text) (
  SFUNC = nous.first_quartile_trans, STYPE = nous.quantile_state, FINALFUNC = nous.first_quartile_final,
  COMBINEFUNC = nous.first_quartile_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.first_quartile(float8, text) IS
  'First-quartile threshold with a named quantile definition: continuous (percentile_cont), discrete (percentile_disc) or median_unbiased (Hyndman & Fan type 8).';

-- compliance with a share target
CREATE TYPE nous.compliance AS (
  in_scope bigint, counted bigint, share float8, target float8, gap bigint,
  ci_low float8, ci_high float8, too_small boolean, meets_target boolean
);
COMMENT ON TYPE nous.compliance IS
  'A share against its target: allocations in scope, those that count, share, target, gap (allocations that should have counted in addition), Wilson interval, too-small flag, target met.';

-- the state of the rules is a float8[] {version, target, min_scope,
-- confidence, inclusive, fixed, scope, counted, inside_scope,
-- inside_counted}: storable, so that Citus and parallel query aggregate in
-- parts and combine
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

CREATE AGGREGATE nous.mix_compliance(counts boolean, target float8) (
  SFUNC = nous.compliance_trans, STYPE = float8[], FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mix_compliance(boolean, float8) IS
  'Share of the rows in scope that count, against a target share (0-1): counts, share, gap, 95 % Wilson interval, too_small when fewer than 20 rows.';
CREATE AGGREGATE nous.mix_compliance(counts boolean, target float8, min_scope int, confidence float8) (
  SFUNC = nous.compliance_trans, STYPE = float8[], FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mix_compliance(boolean, float8, int, float8) IS
  'nous.mix_compliance with the too-small threshold min_scope and the confidence level of the Wilson interval.';
CREATE AGGREGATE nous.priority_share(is_priority boolean) (
  SFUNC = nous.compliance_trans, STYPE = float8[], FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.priority_share(boolean) IS
  'Share of allocations to priority households (DALO and publics prioritaires, CCH L441-1) against the default 25 % target; for another target use nous.mix_compliance(is_priority, target).';

CREATE TYPE nous.allocation_mix AS (
  outside_in_scope bigint, outside_counted bigint, outside_share float8, outside_target float8,
  outside_gap bigint, outside_ci_low float8, outside_ci_high float8, outside_too_small boolean,
  outside_meets_target boolean,
  inside_in_scope bigint, inside_counted bigint, inside_share float8, inside_target float8,
  inside_gap bigint, inside_ci_low float8, inside_ci_high float8, inside_too_small boolean,
  inside_meets_target boolean
);
COMMENT ON TYPE nous.allocation_mix IS
  'Both mix rules of CCH L441-1: outside QPV (>= 25 % to first-quartile or urban-renewal households) and inside QPV (>= 50 % to the other three quartiles).';
CREATE FUNCTION nous.allocation_mix_final(float8[]) RETURNS nous.allocation_mix
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_final_allocation_mix';
COMMENT ON FUNCTION nous.allocation_mix_final(float8[]) IS 'Final function of nous.allocation_mix (validates the state).';

CREATE AGGREGATE nous.allocation_mix(in_qpv boolean, income_uc float8, renewal boolean, threshold float8) (
  SFUNC = nous.allocation_mix_trans, STYPE = float8[], FINALFUNC = nous.allocation_mix_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.allocation_mix(boolean, float8, boolean, float8) IS
  'The two mix rules of CCH L441-1 over one row per effective allocation of the year: first quartile = income_uc strictly below the threshold of its EPCI; 95 % Wilson intervals; too_small under 20 allocations.';
CREATE AGGREGATE nous.allocation_mix(in_qpv boolean, income_uc float8, renewal boolean, threshold float8,
                                     inclusive boolean, min_scope int, confidence float8) (
  SFUNC = nous.allocation_mix_trans, STYPE = float8[], FINALFUNC = nous.allocation_mix_final,
  COMBINEFUNC = nous.rule_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.allocation_mix(boolean, float8, boolean, float8, boolean, int, float8) IS
  'nous.allocation_mix with its conventions: inclusive (income_uc <= threshold is first quartile), min_scope, confidence.';

CREATE FUNCTION nous.wilson_interval(counted bigint, total bigint, confidence float8 DEFAULT 0.95,
                                     OUT low float8, OUT high float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_wilson_interval';
COMMENT ON FUNCTION nous.wilson_interval(bigint, bigint, float8) IS
  'Wilson (1927) score interval of the share counted/total at the given confidence (0.95 by default); NULLs when total = 0.';

-- demand-side indicators
CREATE FUNCTION nous.pressure(pending bigint, allocations bigint) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_pressure';
COMMENT ON FUNCTION nous.pressure(bigint, bigint) IS
  'Demand pressure: applications pending on 31 December / allocations of the year; NULL when no allocation.';
CREATE FUNCTION nous.satisfaction_rate(allocations bigint, pending bigint) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_satisfaction_rate';
COMMENT ON FUNCTION nous.satisfaction_rate(bigint, bigint) IS
  'Satisfaction rate: allocations of the year / (allocations of the year + applications pending on 31 December); NULL when both are 0.';

CREATE FUNCTION nous.first_quartile(income_uc float8[], quantile text DEFAULT 'continuous') RETURNS float8
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_first_quartile_array';
COMMENT ON FUNCTION nous.first_quartile(float8[], text) IS
  'First-quartile threshold of an array of incomes per UC; quantile => continuous (default) | discrete | median_unbiased; NULL elements skipped; NULL when none.';
