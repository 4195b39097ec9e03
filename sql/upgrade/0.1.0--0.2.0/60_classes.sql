-- classes: the C functions of the SQL functions are named nous_<name>_sql
-- (the 0.1.0 names pg_nous_* stay exported for databases not yet updated)

-- The first parameter of the break methods was named "values", a reserved
-- word (named notation needed quotes): renamed x in the catalogue first
-- (PostgreSQL cannot rename a parameter with CREATE OR REPLACE; the
-- functions and what calls them stay as they are), before the definitions
-- below replace them.
UPDATE pg_catalog.pg_proc SET proargnames = pg_catalog.array_replace(proargnames, 'values', 'x')
 WHERE pronamespace = 'nous'::regnamespace
   AND proname IN ('breaks_fisher', 'breaks_quantile', 'breaks_equal', 'breaks_sd', 'breaks_headtails',
                   'breaks_pretty', 'breaks_box')
   AND proargnames[1] = 'values';

CREATE OR REPLACE FUNCTION nous.breaks_fisher(x float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_fisher_sql';

CREATE OR REPLACE FUNCTION nous.breaks_quantile(x float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_quantile_sql';

CREATE OR REPLACE FUNCTION nous.breaks_equal(x float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_equal_sql';

CREATE OR REPLACE FUNCTION nous.breaks_sd(x float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_sd_sql';

CREATE OR REPLACE FUNCTION nous.breaks_headtails(x float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_headtails_sql';

CREATE OR REPLACE FUNCTION nous.breaks_pretty(x float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_pretty_sql';

CREATE OR REPLACE FUNCTION nous.breaks_box(x float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_box_sql';

-- the state of nous.breaks: a storable type (issue 14), so that parallel
-- query and Citus aggregate in parts and states can be stored and merged
CREATE TYPE nous.breaks_state;
CREATE FUNCTION nous.breaks_state_in(cstring) RETURNS nous.breaks_state
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_breaks_state_in';
CREATE FUNCTION nous.breaks_state_out(nous.breaks_state) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_breaks_state_out';
CREATE FUNCTION nous.breaks_state_recv(internal) RETURNS nous.breaks_state
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_breaks_state_recv';
CREATE FUNCTION nous.breaks_state_send(nous.breaks_state) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_breaks_state_send';
CREATE TYPE nous.breaks_state (
  INPUT = nous.breaks_state_in, OUTPUT = nous.breaks_state_out,
  RECEIVE = nous.breaks_state_recv, SEND = nous.breaks_state_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE nous.breaks_state IS
  'Storable, mergeable state of nous.breaks: version;k;{value,multiplicity,…};method — the distinct values in increasing order with their counts, the number of classes and the method.';
COMMENT ON FUNCTION nous.breaks_state_in(cstring) IS 'Text input of nous.breaks_state (checked).';
COMMENT ON FUNCTION nous.breaks_state_out(nous.breaks_state) IS 'Text output of nous.breaks_state: shortest decimals that read back to the same values.';
COMMENT ON FUNCTION nous.breaks_state_recv(internal) IS 'Binary input of nous.breaks_state (checked).';
COMMENT ON FUNCTION nous.breaks_state_send(nous.breaks_state) IS 'Binary output of nous.breaks_state.';

CREATE FUNCTION nous.breaks_trans(nous.breaks_state, float8, int4, text) RETURNS nous.breaks_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_breaks_state_trans';
COMMENT ON FUNCTION nous.breaks_trans(nous.breaks_state, float8, int4, text) IS
  'Transition function of nous.breaks(value, k, method): adds the non-NULL values to the state.';
CREATE FUNCTION nous.breaks_trans(nous.breaks_state, float8, int4) RETURNS nous.breaks_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_breaks_state_trans_fisher';
COMMENT ON FUNCTION nous.breaks_trans(nous.breaks_state, float8, int4) IS
  'Transition function of nous.breaks(value, k): adds the non-NULL values to the state, method fisher.';
CREATE FUNCTION nous.breaks_merge(nous.breaks_state, nous.breaks_state) RETURNS nous.breaks_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_breaks_state_combine';
COMMENT ON FUNCTION nous.breaks_merge(nous.breaks_state, nous.breaks_state) IS
  'Combine function of nous.breaks: the union of two states (multiplicities summed); k and method must agree.';
CREATE FUNCTION nous.breaks_final(nous.breaks_state) RETURNS float8[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_breaks_state_final';
COMMENT ON FUNCTION nous.breaks_final(nous.breaks_state) IS
  'Final function of nous.breaks: the breaks of the values of a state (checked) by its method; NULL when it holds no value.';

CREATE OR REPLACE AGGREGATE nous.breaks(value float8, k int4, method text) (
  SFUNC = nous.breaks_trans,
  STYPE = nous.breaks_state,
  COMBINEFUNC = nous.breaks_merge,
  FINALFUNC = nous.breaks_final,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.breaks(float8, int4, text) IS
  'Class breaks of the non-NULL values: the upper bound of each class, strictly increasing, the last one the maximum; method = a registered classification method (fisher, quantile, equal, sd, headtails, pretty, box, or a user one), e.g. ''quantile(type=6)''.';

-- the default method: a separate two-argument aggregate (aggregates cannot
-- have DEFAULT arguments shared with their three-argument form)
CREATE OR REPLACE AGGREGATE nous.breaks(value float8, k int4) (
  SFUNC = nous.breaks_trans,
  STYPE = nous.breaks_state,
  COMBINEFUNC = nous.breaks_merge,
  FINALFUNC = nous.breaks_final,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.breaks(float8, int4) IS
  'Exact natural breaks (method fisher) of the non-NULL values: the upper bound of each class, the last one the maximum.';

-- the aggregates above replaced in place (views over them survive); the
-- support functions of the 0.1.0 internal state are no longer used (their
-- C symbols stay exported for databases not yet updated)
DROP FUNCTION nous.breaks_transfn(internal, float8, int4, text);
DROP FUNCTION nous.breaks_transfn(internal, float8, int4);
DROP FUNCTION nous.breaks_combine(internal, internal);
DROP FUNCTION nous.breaks_serialize(internal);
DROP FUNCTION nous.breaks_deserialize(bytea, internal);
DROP FUNCTION nous.breaks_finalfn(internal, float8, int4, text);
DROP FUNCTION nous.breaks_finalfn(internal, float8, int4);

CREATE OR REPLACE FUNCTION nous.class_of(value float8, breaks float8[])
  RETURNS int4 LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_class_of_sql';

-- ---- left-closed classes, and the two sums of squares of the GVF ----

CREATE FUNCTION nous.class_of(value float8, breaks float8[], closed text)
  RETURNS int4 LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_class_of_sql';
COMMENT ON FUNCTION nous.class_of(float8, float8[], text) IS
  '1-based class of a value for increasing upper bounds, closed = ''right'' (classes (a, b]: a value equal to a bound is in the class of that bound, as nous.class_of(value, breaks) and mapclassify) or ''left'' (classes [a, b): a value equal to a bound is in the class above, as R''s classInt; the maximum stays in the last class).';

CREATE FUNCTION nous.gvf_transfn(float8[], float8, float8[], text)
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_gvf_transfn';
COMMENT ON FUNCTION nous.gvf_transfn(float8[], float8, float8[], text) IS
  'Transition function of nous.gvf, nous.gvf_sdam and nous.gvf_sdcm with closed: per-class count, mean and sum of squares.';
CREATE FUNCTION nous.gvf_sdam_finalfn(float8[])
  RETURNS float8 LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_gvf_sdam_finalfn';
COMMENT ON FUNCTION nous.gvf_sdam_finalfn(float8[]) IS
  'Final function of nous.gvf_sdam: the sum of squared deviations from the array mean.';
CREATE FUNCTION nous.gvf_sdcm_finalfn(float8[])
  RETURNS float8 LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_gvf_sdcm_finalfn';
COMMENT ON FUNCTION nous.gvf_sdcm_finalfn(float8[]) IS
  'Final function of nous.gvf_sdcm: the sums of squared deviations from the class means, added over the classes.';

CREATE AGGREGATE nous.gvf(value float8, breaks float8[], closed text) (
  SFUNC = nous.gvf_transfn,
  STYPE = float8[],
  COMBINEFUNC = nous.gvf_combine,
  FINALFUNC = nous.gvf_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.gvf(float8, float8[], text) IS
  'Goodness of variance fit (Jenks 1977) of the classes of nous.class_of(value, breaks, closed): (SDAM - SDCM) / SDAM; NULL when every value is equal or none is given.';

CREATE AGGREGATE nous.gvf_sdam(value float8, breaks float8[]) (
  SFUNC = nous.gvf_transfn,
  STYPE = float8[],
  COMBINEFUNC = nous.gvf_combine,
  FINALFUNC = nous.gvf_sdam_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.gvf_sdam(float8, float8[]) IS
  'SDAM of nous.gvf (Jenks 1977): the sum of squared deviations of the values from their mean (it does not depend on the breaks, taken for symmetry with nous.gvf_sdcm); NULL when no value is given.';
CREATE AGGREGATE nous.gvf_sdam(value float8, breaks float8[], closed text) (
  SFUNC = nous.gvf_transfn,
  STYPE = float8[],
  COMBINEFUNC = nous.gvf_combine,
  FINALFUNC = nous.gvf_sdam_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.gvf_sdam(float8, float8[], text) IS
  'SDAM of nous.gvf(value, breaks, closed): the sum of squared deviations of the values from their mean; NULL when no value is given.';

CREATE AGGREGATE nous.gvf_sdcm(value float8, breaks float8[]) (
  SFUNC = nous.gvf_transfn,
  STYPE = float8[],
  COMBINEFUNC = nous.gvf_combine,
  FINALFUNC = nous.gvf_sdcm_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.gvf_sdcm(float8, float8[]) IS
  'SDCM of nous.gvf (Jenks 1977): the squared deviations of the values from the mean of their class (nous.class_of), summed over the classes; NULL when no value is given.';
CREATE AGGREGATE nous.gvf_sdcm(value float8, breaks float8[], closed text) (
  SFUNC = nous.gvf_transfn,
  STYPE = float8[],
  COMBINEFUNC = nous.gvf_combine,
  FINALFUNC = nous.gvf_sdcm_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.gvf_sdcm(float8, float8[], text) IS
  'SDCM of nous.gvf(value, breaks, closed): the squared deviations from the class means of nous.class_of(value, breaks, closed), summed; NULL when no value is given.';
