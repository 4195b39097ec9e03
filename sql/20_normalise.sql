-- normalisation: put indicators on a common scale, a vector at a time.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

INSERT INTO nous.method_families (family, arg_types, return_type, params, description)
VALUES ('normalisation', '{float8[]}', 'float8[]', true,
        'Rescale a vector of indicator values; NULL elements stay NULL and are ignored by the statistics; the result has the input''s length.');

CREATE FUNCTION nous.normalise_zscore(x float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_zscore';
COMMENT ON FUNCTION nous.normalise_zscore(float8[], jsonb) IS
  'z-score (x - mean) / sd; params: sd = sample (n - 1, default) | population (n); 0 when sd is 0 or undefined.';

CREATE FUNCTION nous.normalise_minmax(x float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_minmax';
COMMENT ON FUNCTION nous.normalise_minmax(float8[], jsonb) IS
  'min-max 100 (x - min) / (max - min) on 0-100; 50 when every value is equal.';

CREATE FUNCTION nous.normalise_rank(x float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_rank';
COMMENT ON FUNCTION nous.normalise_rank(float8[], jsonb) IS
  'Rank 1..m in increasing order; params: ties = average (default) | min | max | dense | first.';

CREATE FUNCTION nous.normalise_percentile(x float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_percentile';
COMMENT ON FUNCTION nous.normalise_percentile(float8[], jsonb) IS
  'Percentile rank 100 (r - 1) / (m - 1) on 0-100; params: ties as for rank; all tied: 50 (average), 0 (min, dense, first), 100 (max).';

CREATE FUNCTION nous.normalise_ratio(x float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_ratio';
COMMENT ON FUNCTION nous.normalise_ratio(float8[], jsonb) IS
  'Ratio to a reference, base 100: 100 x / ref; params: ref (default: the mean of the values).';

INSERT INTO nous.method_catalog (family, name, function, builtin, description) VALUES
  ('normalisation', 'zscore',     'nous.normalise_zscore(float8[], jsonb)',     true,
   'z-score (x - mean) / sd; sd = sample (default) or population'),
  ('normalisation', 'minmax',     'nous.normalise_minmax(float8[], jsonb)',     true,
   'min-max to 0-100'),
  ('normalisation', 'rank',       'nous.normalise_rank(float8[], jsonb)',       true,
   'rank 1..m; ties = average (default), min, max, dense, first'),
  ('normalisation', 'percentile', 'nous.normalise_percentile(float8[], jsonb)', true,
   'percentile rank 0-100; ties as for rank'),
  ('normalisation', 'ratio',      'nous.normalise_ratio(float8[], jsonb)',      true,
   'ratio to a reference value x 100; ref = the mean by default');

CREATE FUNCTION nous.normalise(x float8[], method text DEFAULT 'zscore')
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise';
COMMENT ON FUNCTION nous.normalise(float8[], text) IS
  'Normalise a vector with a registered method (see nous.methods), e.g. ''zscore'', ''rank(ties=min)'', ''ratio(ref=12.5)''; NULL elements stay NULL.';

CREATE FUNCTION nous.builtin_methods(
    OUT family text, OUT name text, OUT parameters text[], OUT centre float8,
    OUT core text)
  RETURNS SETOF record LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_builtin_methods';
COMMENT ON FUNCTION nous.builtin_methods() IS
  'The built-in methods as the C descriptor tables define them: family, name, accepted parameters (name=words or range), centre of the scale about which polarity -1 reflects (normalisations), core function.';
