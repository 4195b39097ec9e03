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
