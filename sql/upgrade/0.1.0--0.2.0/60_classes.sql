-- classes: the C functions of the SQL functions are named nous_<name>_sql
-- (the 0.1.0 names pg_nous_* stay exported for databases not yet updated)

CREATE OR REPLACE FUNCTION nous.breaks_fisher("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_fisher_sql';

CREATE OR REPLACE FUNCTION nous.breaks_quantile("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_quantile_sql';

CREATE OR REPLACE FUNCTION nous.breaks_equal("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_equal_sql';

CREATE OR REPLACE FUNCTION nous.breaks_sd("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_sd_sql';

CREATE OR REPLACE FUNCTION nous.breaks_headtails("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_headtails_sql';

CREATE OR REPLACE FUNCTION nous.breaks_pretty("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_pretty_sql';

CREATE OR REPLACE FUNCTION nous.breaks_box("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_box_sql';

CREATE OR REPLACE FUNCTION nous.breaks_transfn(internal, float8, int4, text)
  RETURNS internal LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_transfn';

CREATE OR REPLACE FUNCTION nous.breaks_combine(internal, internal)
  RETURNS internal LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_combine';

CREATE OR REPLACE FUNCTION nous.breaks_serialize(internal)
  RETURNS bytea LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_serialize';

CREATE OR REPLACE FUNCTION nous.breaks_deserialize(bytea, internal)
  RETURNS internal LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_deserialize';

CREATE OR REPLACE FUNCTION nous.breaks_finalfn(internal, float8, int4, text)
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_finalfn';

CREATE OR REPLACE FUNCTION nous.breaks_transfn(internal, float8, int4)
  RETURNS internal LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_transfn_fisher';

CREATE OR REPLACE FUNCTION nous.breaks_finalfn(internal, float8, int4)
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_finalfn';

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
