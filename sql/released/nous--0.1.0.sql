-- nous 0.1.0: generated from sql/[0-9][0-9]_*.sql by make; edit those files.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- ---- sql/00_nous.sql ----
-- nous: the schema, the version, conventions shared by every module.

-- CREATE EXTENSION creates the schema named in nous.control (if missing) but
-- cannot make it a member of the extension that lives in it: DROP EXTENSION
-- removes every object and leaves the empty schema, which DROP SCHEMA nous
-- removes (README, Uninstalling).

COMMENT ON SCHEMA nous IS
  'nous: indicators of urban and social observatories (fragility indices, attribution-mix scores, flow matrices)';

CREATE FUNCTION nous.version() RETURNS text
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_version';
COMMENT ON FUNCTION nous.version() IS
  'Version of the nous library loaded in this session (compare with pg_extension.extversion after an upgrade).';

-- nous is a library of functions for every role: any role may look into the
-- schema and call its functions (EXECUTE is granted to PUBLIC by default);
-- writing to its catalogues is for the owner and the roles it grants.
GRANT USAGE ON SCHEMA nous TO PUBLIC;

-- ---- sql/10_registry.sql ----
-- registry: methods are plugins (DESIGN principle 3).  A family says which
-- signature its methods have; a method is a function registered under a name
-- in a family.  Built-ins are C functions pre-registered by the modules.

CREATE TABLE nous.method_families (
  family       text PRIMARY KEY,
  arg_types    regtype[] NOT NULL,
  return_type  regtype NOT NULL,
  params       boolean NOT NULL DEFAULT true,
  description  text NOT NULL
);
COMMENT ON TABLE nous.method_families IS
  'Families of pluggable methods and the signature their functions must have.';
COMMENT ON COLUMN nous.method_families.family IS 'Family name, e.g. normalisation.';
COMMENT ON COLUMN nous.method_families.arg_types IS 'Types of the leading arguments every method of the family takes.';
COMMENT ON COLUMN nous.method_families.return_type IS 'Type every method of the family returns.';
COMMENT ON COLUMN nous.method_families.params IS 'Whether a method may take one more, trailing jsonb argument holding its parameters.';
COMMENT ON COLUMN nous.method_families.description IS 'What the methods of the family compute.';

CREATE TABLE nous.method_catalog (
  family        text NOT NULL REFERENCES nous.method_families ON UPDATE CASCADE,
  name          text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  function      regprocedure NOT NULL,
  builtin       boolean NOT NULL DEFAULT false,
  description   text,
  registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  registered_by name NOT NULL DEFAULT CURRENT_USER,
  PRIMARY KEY (family, name)
);
COMMENT ON TABLE nous.method_catalog IS
  'Registered methods: built-ins (builtin = true) and those added with nous.register_method().';
-- user registrations survive pg_dump / pg_restore; built-ins come with the extension
SELECT pg_catalog.pg_extension_config_dump('nous.method_catalog', 'WHERE NOT builtin');

CREATE VIEW nous.methods AS
SELECT c.family, c.name, c.function, c.builtin, c.description,
       c.registered_at, c.registered_by
  FROM nous.method_catalog c
 ORDER BY c.family, c.name;
COMMENT ON VIEW nous.methods IS 'Every registered method, built-in or user-defined, by family.';
COMMENT ON COLUMN nous.methods.family IS 'Family of the method (see nous.method_families).';
COMMENT ON COLUMN nous.methods.name IS 'Name under which the engines find the method.';
COMMENT ON COLUMN nous.methods.function IS 'Function called once per vector.';
COMMENT ON COLUMN nous.methods.builtin IS 'True for the methods that come with nous.';
COMMENT ON COLUMN nous.methods.description IS 'What the method computes and its parameters.';
COMMENT ON COLUMN nous.methods.registered_at IS 'When the method was registered.';
COMMENT ON COLUMN nous.methods.registered_by IS 'Role that registered the method.';

CREATE FUNCTION nous.register_method(family text, name text, fn regprocedure,
                                     description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  fam   nous.method_families%ROWTYPE;
  p     pg_catalog.pg_proc%ROWTYPE;
  want  oid[];
  got   oid[];
  names text;
BEGIN
  IF family IS NULL OR name IS NULL OR fn IS NULL THEN
    RAISE EXCEPTION 'family, name and fn must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO fam FROM nous.method_families f WHERE f.family = register_method.family;
  IF NOT FOUND THEN
    SELECT string_agg(f.family, ', ' ORDER BY f.family) INTO names FROM nous.method_families f;
    RAISE EXCEPTION 'unknown method family "%"', family
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('The families are: %s.', names);
  END IF;
  IF name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'invalid method name "%"', name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'A method name is a lower-case letter followed by at most 62 lower-case letters, digits or underscores.';
  END IF;
  SELECT * INTO p FROM pg_catalog.pg_proc WHERE oid = fn::oid;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'function % does not exist', fn::oid USING ERRCODE = 'undefined_function';
  END IF;
  IF p.prokind <> 'f' OR p.proretset THEN
    RAISE EXCEPTION '% cannot be a % method', fn, family
      USING ERRCODE = 'invalid_function_definition',
            DETAIL = 'A method must be a plain function returning one value (not an aggregate, a window function, a procedure or a set-returning function).';
  END IF;
  -- oidvector is 0-based: rebuild both as 1-based arrays before comparing
  want := ARRAY(SELECT t::oid FROM unnest(fam.arg_types) t);
  got  := ARRAY(SELECT t FROM unnest(p.proargtypes::oid[]) t);
  IF NOT (got = want OR (fam.params AND got = want || 'jsonb'::regtype::oid))
     OR p.prorettype <> fam.return_type::oid THEN
    RAISE EXCEPTION '% does not have the signature of a % method', fn, family
      USING ERRCODE = 'invalid_function_definition',
            DETAIL = format('A %s method takes (%s)%s and returns %s; this function takes (%s) and returns %s.',
                            family,
                            array_to_string(fam.arg_types::text[], ', '),
                            CASE WHEN fam.params THEN ' or (' || array_to_string(fam.arg_types::text[], ', ') || ', jsonb)' ELSE '' END,
                            fam.return_type,
                            coalesce((SELECT string_agg(t::regtype::text, ', ' ORDER BY i)
                                        FROM unnest(got) WITH ORDINALITY AS a(t, i)), ''),
                            p.prorettype::regtype);
  END IF;
  IF p.provolatile = 'v' THEN
    RAISE EXCEPTION '% is VOLATILE', fn
      USING ERRCODE = 'invalid_function_definition',
            DETAIL = 'Methods are called from STABLE functions and must give the same result for the same input within a query.',
            HINT = 'Declare the function IMMUTABLE or STABLE.';
  END IF;
  IF p.proparallel <> 's' THEN
    RAISE EXCEPTION '% is not PARALLEL SAFE', fn
      USING ERRCODE = 'invalid_function_definition',
            DETAIL = 'Methods run inside parallel queries.',
            HINT = 'Declare the function PARALLEL SAFE if it is (no writes, no temporary tables, no cursors).';
  END IF;
  IF EXISTS (SELECT 1 FROM nous.method_catalog c
              WHERE c.family = register_method.family AND c.name = register_method.name) THEN
    RAISE EXCEPTION '% method "%" is already registered', family, name
      USING ERRCODE = 'duplicate_object',
            HINT = 'Choose another name, or remove a user method first with nous.unregister_method().';
  END IF;
  INSERT INTO nous.method_catalog (family, name, function, builtin, description)
  VALUES (family, name, fn, false, description);
END
$$;
COMMENT ON FUNCTION nous.register_method(text, text, regprocedure, text) IS
  'Register a function as a method of a family, after checking its signature, volatility and parallel safety.';

CREATE FUNCTION nous.unregister_method(family text, name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  was_builtin boolean;
BEGIN
  SELECT c.builtin INTO was_builtin FROM nous.method_catalog c
   WHERE c.family = unregister_method.family AND c.name = unregister_method.name;
  IF NOT FOUND THEN
    RAISE EXCEPTION '% method "%" is not registered', family, name
      USING ERRCODE = 'undefined_object';
  END IF;
  IF was_builtin THEN
    RAISE EXCEPTION 'built-in % method "%" cannot be unregistered', family, name
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  DELETE FROM nous.method_catalog c
   WHERE c.family = unregister_method.family AND c.name = unregister_method.name;
END
$$;
COMMENT ON FUNCTION nous.unregister_method(text, text) IS
  'Remove a user-registered method (built-ins cannot be removed).';

-- every role that calls an engine reads the registry (the lookup runs with
-- the caller's privileges); registering stays with the owner and the roles
-- granted INSERT, DELETE on nous.method_catalog
GRANT SELECT ON nous.method_families, nous.method_catalog, nous.methods TO PUBLIC;

-- ---- sql/20_normalise.sql ----
-- normalisation: put indicators on a common scale, a vector at a time.

INSERT INTO nous.method_families (family, arg_types, return_type, params, description)
VALUES ('normalisation', '{float8[]}', 'float8[]', true,
        'Rescale a vector of indicator values; NULL elements stay NULL and are ignored by the statistics; the result has the input''s length.');

CREATE FUNCTION nous.normalise_zscore("values" float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_zscore';
COMMENT ON FUNCTION nous.normalise_zscore(float8[], jsonb) IS
  'z-score (x - mean) / sd; params: sd = sample (n - 1, default) | population (n); 0 when sd is 0 or undefined.';

CREATE FUNCTION nous.normalise_minmax("values" float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_minmax';
COMMENT ON FUNCTION nous.normalise_minmax(float8[], jsonb) IS
  'min-max 100 (x - min) / (max - min) on 0-100; 50 when every value is equal.';

CREATE FUNCTION nous.normalise_rank("values" float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_rank';
COMMENT ON FUNCTION nous.normalise_rank(float8[], jsonb) IS
  'Rank 1..m in increasing order; params: ties = average (default) | min | max | dense | first.';

CREATE FUNCTION nous.normalise_percentile("values" float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_percentile';
COMMENT ON FUNCTION nous.normalise_percentile(float8[], jsonb) IS
  'Percentile rank 100 (r - 1) / (m - 1) on 0-100; params: ties as for rank; all tied: 50 (average), 0 (min, dense, first), 100 (max).';

CREATE FUNCTION nous.normalise_ratio("values" float8[], params jsonb DEFAULT '{}')
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

CREATE FUNCTION nous.normalise("values" float8[], method text DEFAULT 'zscore')
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise';
COMMENT ON FUNCTION nous.normalise(float8[], text) IS
  'Normalise a vector with a registered method (see nous.methods), e.g. ''zscore'', ''rank(ties=min)'', ''ratio(ref=12.5)''; NULL elements stay NULL.';

-- ---- sql/30_index.sql ----
-- index: composite fragility indices.  The aggregation method family, more
-- normalisations, nous.composite() (window function), principal components,
-- gap to a reference, change over time, the QPV income threshold.

-- ---- more normalisation methods ----

CREATE FUNCTION nous.normalise_goalposts("values" float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_goalposts';
COMMENT ON FUNCTION nous.normalise_goalposts(float8[], jsonb) IS
  'Goalposts / distance to a target: 100 (x - lo) / (hi - lo), clipped to 0-100 unless clip=false; lo and hi default to the minimum and maximum.';

CREATE FUNCTION nous.normalise_winsor("values" float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_winsor';
COMMENT ON FUNCTION nous.normalise_winsor(float8[], jsonb) IS
  'Winsorisation: clip at the type-7 quantiles p and 1 - p (p, default 0.05) or at mean +/- k sd (k, sd = sample | population); scale = none (default) | zscore | minmax afterwards.';

CREATE FUNCTION nous.normalise_log("values" float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_log';
COMMENT ON FUNCTION nous.normalise_log(float8[], jsonb) IS
  'Log transform ln(x + offset) (offset default 0; x + offset must be > 0); scale = none (default) | zscore | minmax afterwards.';

CREATE FUNCTION nous.normalise_none("values" float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_none';
COMMENT ON FUNCTION nous.normalise_none(float8[], jsonb) IS
  'Identity: the values unchanged (for indicators already on a common scale).';

INSERT INTO nous.method_catalog (family, name, function, builtin, description) VALUES
  ('normalisation', 'goalposts', 'nous.normalise_goalposts(float8[], jsonb)', true,
   'goalposts 100 (x - lo) / (hi - lo) clipped to 0-100; lo, hi (default min, max), clip = true'),
  ('normalisation', 'winsor',    'nous.normalise_winsor(float8[], jsonb)',    true,
   'winsorisation at quantiles p, 1 - p (p = 0.05) or mean +/- k sd; scale = none, zscore, minmax'),
  ('normalisation', 'log',       'nous.normalise_log(float8[], jsonb)',       true,
   'ln(x + offset); offset = 0; scale = none, zscore, minmax'),
  ('normalisation', 'none',      'nous.normalise_none(float8[], jsonb)',      true,
   'the values unchanged');

-- ---- the aggregation family ----

INSERT INTO nous.method_families (family, arg_types, return_type, params, description)
VALUES ('aggregation', '{float8[],float8[]}', 'float8[]', true,
        'Combine the normalised components of each area into one score: (matrix float8[][] n x k, row = area, column = component, NULL = missing; weights float8[] of k) -> float8[] of n scores, NULL = no score.');

CREATE FUNCTION nous.aggregate_mean(matrix float8[], weights float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_aggregate_mean';
COMMENT ON FUNCTION nous.aggregate_mean(float8[], float8[], jsonb) IS
  'Weighted arithmetic mean of each row, weights renormalised over the present components.';

CREATE FUNCTION nous.aggregate_geometric(matrix float8[], weights float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_aggregate_geometric';
COMMENT ON FUNCTION nous.aggregate_geometric(float8[], float8[], jsonb) IS
  'Weighted geometric mean exp(sum w ln(v + shift) / sum w) - shift (shift default 0); an error when some v + shift <= 0.';

CREATE FUNCTION nous.aggregate_power(matrix float8[], weights float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_aggregate_power';
COMMENT ON FUNCTION nous.aggregate_power(float8[], float8[], jsonb) IS
  'Weighted power mean (sum w v^p / sum w)^(1/p) (p default 1; p = 0 geometric); values >= 0 (> 0 when p <= 0).';

CREATE FUNCTION nous.aggregate_mpi(matrix float8[], weights float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_aggregate_mpi';
COMMENT ON FUNCTION nous.aggregate_mpi(float8[], float8[], jsonb) IS
  'Mazziotta-Pareto index M + sign S^2 / M of z = 100 + 10 v (rescale = true); sign = 1 (default, higher = worse) | -1; sd = population (default, over k) | sample (k - 1).';

CREATE FUNCTION nous.aggregate_rankmean(matrix float8[], weights float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_aggregate_rankmean';
COMMENT ON FUNCTION nous.aggregate_rankmean(float8[], float8[], jsonb) IS
  'Weighted mean of the ranks of each component over the rows (1 = lowest; ties = average | min | max | dense | first), as décret 2014-1575 annexe 2.';

CREATE FUNCTION nous.aggregate_worstq(matrix float8[], weights float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_aggregate_worstq';
COMMENT ON FUNCTION nous.aggregate_worstq(float8[], float8[], jsonb) IS
  'Number of components in their worst quarter: v >= the type-7 quantile q (default 0.75; strict = true for >) of the component; weighted, weights rescaled to mean 1 over the present components.';

CREATE FUNCTION nous.aggregate_pca(matrix float8[], weights float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_aggregate_pca';
COMMENT ON FUNCTION nous.aggregate_pca(float8[], float8[], jsonb) IS
  'Score on the first principal component of the standardised columns (complete rows only; loadings oriented to a positive sum); the weights are not used.';

INSERT INTO nous.method_catalog (family, name, function, builtin, description) VALUES
  ('aggregation', 'mean',      'nous.aggregate_mean(float8[], float8[], jsonb)',      true,
   'weighted arithmetic mean'),
  ('aggregation', 'geometric', 'nous.aggregate_geometric(float8[], float8[], jsonb)', true,
   'weighted geometric mean; shift = 0; values + shift must be > 0'),
  ('aggregation', 'power',     'nous.aggregate_power(float8[], float8[], jsonb)',     true,
   'weighted power mean; p = 1'),
  ('aggregation', 'mpi',       'nous.aggregate_mpi(float8[], float8[], jsonb)',       true,
   'Mazziotta-Pareto index; sign = 1 | -1, sd = population | sample, rescale = true'),
  ('aggregation', 'rankmean',  'nous.aggregate_rankmean(float8[], float8[], jsonb)',  true,
   'weighted mean of ranks; ties = average'),
  ('aggregation', 'worstq',    'nous.aggregate_worstq(float8[], float8[], jsonb)',    true,
   'count of components in their worst quarter; q = 0.75, strict = false'),
  ('aggregation', 'pca',       'nous.aggregate_pca(float8[], float8[], jsonb)',       true,
   'score on the first principal component; sd = sample');

CREATE FUNCTION nous.aggregate(matrix float8[], weights float8[] DEFAULT NULL, method text DEFAULT 'mean')
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_aggregate';
COMMENT ON FUNCTION nous.aggregate(float8[], float8[], text) IS
  'Aggregate an n x k matrix (row = area, column = normalised component) into n scores with a registered aggregation method; NULL weights = equal weights.';

-- ---- the composite index, inline ----

CREATE FUNCTION nous.composite("values" float8[], weights float8[] DEFAULT NULL,
                               polarity int[] DEFAULT NULL,
                               normalise text DEFAULT 'zscore',
                               aggregate text DEFAULT 'mean')
  RETURNS float8 LANGUAGE c STABLE WINDOW PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite';
COMMENT ON FUNCTION nous.composite(float8[], float8[], int[], text, text) IS
  'Window function: composite score of each row over its partition. Each component is normalised over the partition, reflected where polarity is -1 (higher always = more fragile), and aggregated with weights renormalised over the present components; NULL when the present weight share is below min_coverage (aggregate parameter, default 0.5).';

-- ---- principal components (FDep-style weights from the data) ----

CREATE TYPE nous.pca_result AS (
  loadings   float8[],
  eigenvalue float8,
  explained  float8,
  n_used     integer,
  means      float8[],
  sds        float8[],
  scores     float8[]
);
COMMENT ON TYPE nous.pca_result IS
  'First principal component: loadings (unit eigenvector, sum > 0), eigenvalue and explained share of the correlation matrix, complete rows used, column means and sds, and one score per matrix row (NULL for incomplete rows).';

CREATE FUNCTION nous.pca_first(matrix float8[], polarity int[] DEFAULT NULL, sd text DEFAULT 'sample')
  RETURNS nous.pca_result LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_pca_first_sql';
COMMENT ON FUNCTION nous.pca_first(float8[], int[], text) IS
  'First principal component of the standardised columns of an n x k matrix (FDep style, LAPACK dsyev); polarity -1 negates a column first, so that with the loadings oriented to a positive sum a higher score means more deprived.';

-- ---- gap to a reference, change over time ----

CREATE FUNCTION nous.reference_gap(num float8, den float8)
  RETURNS float8 LANGUAGE c IMMUTABLE WINDOW PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_reference_gap_sql';
COMMENT ON FUNCTION nous.reference_gap(float8, float8) IS
  'Window function: 100 (num / den) / (sum num / sum den) over the partition (the reference territory), the reference computed from counts, not as a mean of rates; NULL when den = 0 or a count is NULL.';

CREATE FUNCTION nous.decrochage(before float8, after float8, threshold float8 DEFAULT 5,
                                higher_is_worse boolean DEFAULT true)
  RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE WHEN higher_is_worse THEN after - before >= threshold
              ELSE before - after >= threshold END;
END;
COMMENT ON FUNCTION nous.decrochage(float8, float8, float8, boolean) IS
  'Change over time: true when an area moved towards fragility by at least threshold between two periods (after - before >= threshold when higher is worse, before - after >= threshold otherwise), e.g. on gaps to the reference (base 100).';

-- ---- the QPV income threshold ----

CREATE FUNCTION nous.qpv_income_threshold(national_median float8, unit_median float8,
                                          unit_population bigint)
  RETURNS float8 LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_qpv_income_threshold_sql';
COMMENT ON FUNCTION nous.qpv_income_threshold(float8, float8, bigint) IS
  'Décret 2014-767 art. 4: 0.6 x (0.7 national + 0.3 unit median) for urban units under 5 million inhabitants, 0.6 x (0.3 national + 0.7 unit) at 5 million and more, rounded up to the next 100 euros.';

-- ---- the composite index, aggregate form (whole territories, nightly jobs) ----

CREATE TYPE nous.composite_scores AS (keys bigint[], scores float8[], coverage float8[]);
COMMENT ON TYPE nous.composite_scores IS
  'Result of nous.composite_agg: the keys of a group in ascending order, the composite score of each (NULL below the coverage threshold or without any value), and its coverage (share of the weight carried by its present components, before normalisation).';

CREATE FUNCTION nous.composite_agg_trans(internal, bigint, float8[])
  RETURNS internal LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_trans';
CREATE FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[])
  RETURNS internal LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_trans';
CREATE FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[])
  RETURNS internal LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_trans';
CREATE FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[], text)
  RETURNS internal LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_trans';
CREATE FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[], text, text)
  RETURNS internal LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_trans';
COMMENT ON FUNCTION nous.composite_agg_trans(internal, bigint, float8[]) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
COMMENT ON FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[]) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
COMMENT ON FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[]) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
COMMENT ON FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[], text) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';
COMMENT ON FUNCTION nous.composite_agg_trans(internal, bigint, float8[], float8[], int[], text, text) IS
  'Transition function of nous.composite_agg: appends the key and the values of a row to the state.';

CREATE FUNCTION nous.composite_agg_combine(internal, internal)
  RETURNS internal LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_combine';
COMMENT ON FUNCTION nous.composite_agg_combine(internal, internal) IS
  'Combine function of nous.composite_agg: concatenates the rows of two partial states built with the same weights, polarity and methods.';
CREATE FUNCTION nous.composite_agg_serialize(internal)
  RETURNS bytea LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_serialize';
COMMENT ON FUNCTION nous.composite_agg_serialize(internal) IS
  'Serialize function of nous.composite_agg (partial states between parallel workers).';
CREATE FUNCTION nous.composite_agg_deserialize(bytea, internal)
  RETURNS internal LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_deserialize';
COMMENT ON FUNCTION nous.composite_agg_deserialize(bytea, internal) IS
  'Deserialize function of nous.composite_agg; checks the version byte, the sizes and the values.';
CREATE FUNCTION nous.composite_agg_final(internal)
  RETURNS nous.composite_scores LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_composite_agg_final';
COMMENT ON FUNCTION nous.composite_agg_final(internal) IS
  'Final function of nous.composite_agg: sorts the rows by key, normalises and aggregates as nous.composite does over the same rows.';

CREATE AGGREGATE nous.composite_agg(key bigint, "values" float8[]) (
  SFUNC = nous.composite_agg_trans, STYPE = internal,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_combine,
  SERIALFUNC = nous.composite_agg_serialize, DESERIALFUNC = nous.composite_agg_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_agg(key bigint, "values" float8[], weights float8[]) (
  SFUNC = nous.composite_agg_trans, STYPE = internal,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_combine,
  SERIALFUNC = nous.composite_agg_serialize, DESERIALFUNC = nous.composite_agg_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_agg(key bigint, "values" float8[], weights float8[], polarity int[]) (
  SFUNC = nous.composite_agg_trans, STYPE = internal,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_combine,
  SERIALFUNC = nous.composite_agg_serialize, DESERIALFUNC = nous.composite_agg_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_agg(key bigint, "values" float8[], weights float8[], polarity int[],
                                    normalise text) (
  SFUNC = nous.composite_agg_trans, STYPE = internal,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_combine,
  SERIALFUNC = nous.composite_agg_serialize, DESERIALFUNC = nous.composite_agg_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_agg(key bigint, "values" float8[], weights float8[], polarity int[],
                                    normalise text, aggregate text) (
  SFUNC = nous.composite_agg_trans, STYPE = internal,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_combine,
  SERIALFUNC = nous.composite_agg_serialize, DESERIALFUNC = nous.composite_agg_deserialize,
  PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.composite_agg(bigint, float8[]) IS
  'Aggregate form of nous.composite: the composite score of every row of the group (z-scores, arithmetic mean, coverage >= 0.5), returned as nous.composite_scores (keys ascending, scores, coverage); unnest with nous.composite_rows.';
COMMENT ON AGGREGATE nous.composite_agg(bigint, float8[], float8[]) IS
  'Aggregate form of nous.composite with weights (the same in every row of the group); returns nous.composite_scores.';
COMMENT ON AGGREGATE nous.composite_agg(bigint, float8[], float8[], int[]) IS
  'Aggregate form of nous.composite with weights and polarity (the same in every row of the group); returns nous.composite_scores.';
COMMENT ON AGGREGATE nous.composite_agg(bigint, float8[], float8[], int[], text) IS
  'Aggregate form of nous.composite with weights, polarity and a normalisation method; returns nous.composite_scores.';
COMMENT ON AGGREGATE nous.composite_agg(bigint, float8[], float8[], int[], text, text) IS
  'Aggregate form of nous.composite: the same scores as nous.composite(values, weights, polarity, normalise, aggregate) OVER the group, for the rows of the group sorted by key; returns nous.composite_scores.';

CREATE FUNCTION nous.composite_rows(r nous.composite_scores)
  RETURNS TABLE (key bigint, score float8, coverage float8)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- inlined by the planner: the rows stream out of a ProjectSet node, without
-- being materialised in a tuplestore as a function scan would
BEGIN ATOMIC
  SELECT unnest(r.keys), unnest(r.scores), unnest(r.coverage);
END;
COMMENT ON FUNCTION nous.composite_rows(nous.composite_scores) IS
  'One row per key of a nous.composite_agg result: key, score (NULL below the coverage threshold), coverage; no row for NULL.';

-- ---- sql/31_index_catalog.sql ----
-- index catalogue: composite indices defined once (components with weight
-- and polarity, normalisation, aggregation, classes), computed for a table.

CREATE TABLE nous.index_definitions (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  normalise   text NOT NULL DEFAULT 'zscore',
  aggregate   text NOT NULL DEFAULT 'mean',
  classes     integer NOT NULL DEFAULT 5 CHECK (classes BETWEEN 1 AND 100),
  description text,
  defined_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
  defined_by  name NOT NULL DEFAULT CURRENT_USER
);
COMMENT ON TABLE nous.index_definitions IS
  'Stored composite indices: the normalisation and aggregation methods and the number of classes; the components are in nous.index_components.';
COMMENT ON COLUMN nous.index_definitions.name IS 'Name of the index (lower-case letters, digits, underscores).';
COMMENT ON COLUMN nous.index_definitions.normalise IS 'Normalisation method specification, e.g. zscore or minmax.';
COMMENT ON COLUMN nous.index_definitions.aggregate IS 'Aggregation method specification, e.g. mean(min_coverage=0.75).';
COMMENT ON COLUMN nous.index_definitions.classes IS 'Number of quantile classes of the score (class 1 = least fragile).';
COMMENT ON COLUMN nous.index_definitions.description IS 'What the index measures.';
COMMENT ON COLUMN nous.index_definitions.defined_at IS 'When the index was defined.';
COMMENT ON COLUMN nous.index_definitions.defined_by IS 'Role that defined the index.';

CREATE TABLE nous.index_components (
  index_name  text NOT NULL REFERENCES nous.index_definitions ON DELETE CASCADE ON UPDATE CASCADE,
  position    integer NOT NULL CHECK (position >= 1),
  column_name text NOT NULL,
  weight      float8 NOT NULL DEFAULT 1 CHECK (weight >= 0 AND weight < 'Infinity'),
  polarity    integer NOT NULL DEFAULT 1 CHECK (polarity IN (1, -1)),
  label       text,
  PRIMARY KEY (index_name, position),
  UNIQUE (index_name, column_name)
);
COMMENT ON TABLE nous.index_components IS
  'Components of the stored composite indices: the column of the source table, its weight and polarity.';
COMMENT ON COLUMN nous.index_components.index_name IS 'Index the component belongs to.';
COMMENT ON COLUMN nous.index_components.position IS 'Order of the component (1, 2, ...).';
COMMENT ON COLUMN nous.index_components.column_name IS 'Column of the source table holding the indicator.';
COMMENT ON COLUMN nous.index_components.weight IS 'Weight (non-negative; renormalised over the components present).';
COMMENT ON COLUMN nous.index_components.polarity IS '1 when a higher value means more fragile, -1 otherwise.';
COMMENT ON COLUMN nous.index_components.label IS 'Label of the indicator for reports.';

-- definitions are user data: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('nous.index_definitions', '');
SELECT pg_catalog.pg_extension_config_dump('nous.index_components', '');

CREATE FUNCTION nous.define_index(name text, components jsonb,
                                  normalise text DEFAULT 'zscore',
                                  aggregate text DEFAULT 'mean',
                                  classes integer DEFAULT 5,
                                  description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c      jsonb;
  i      integer := 0;
  col    text;
  w      float8;
  pol    integer;
  ws     float8[] := '{}';
  pols   integer[] := '{}';
  cols   text[] := '{}';
  dummy  float8;
BEGIN
  IF name IS NULL OR components IS NULL OR normalise IS NULL OR aggregate IS NULL OR classes IS NULL THEN
    RAISE EXCEPTION 'name, components, normalise, aggregate and classes must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF name !~ '^[a-z][a-z0-9_]{0,62}$' THEN
    RAISE EXCEPTION 'invalid index name "%"', name
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'An index name is a lower-case letter followed by at most 62 lower-case letters, digits or underscores.';
  END IF;
  IF EXISTS (SELECT 1 FROM nous.index_definitions d WHERE d.name = define_index.name) THEN
    RAISE EXCEPTION 'index "%" is already defined', name
      USING ERRCODE = 'duplicate_object',
            HINT = 'Choose another name, or remove it first with nous.drop_index().';
  END IF;
  IF jsonb_typeof(components) <> 'array' OR jsonb_array_length(components) = 0 THEN
    RAISE EXCEPTION 'components must be a non-empty jsonb array'
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'For example ''[{"column": "unemployment_rate", "weight": 2}, {"column": "median_income", "polarity": -1}]''.';
  END IF;
  IF classes < 1 OR classes > 100 THEN
    RAISE EXCEPTION 'classes must be between 1 and 100'
      USING ERRCODE = 'invalid_parameter_value', DETAIL = format('It is %s.', classes);
  END IF;
  FOR c IN SELECT e FROM jsonb_array_elements(components) e LOOP
    i := i + 1;
    IF jsonb_typeof(c) <> 'object' OR jsonb_typeof(c->'column') IS DISTINCT FROM 'string' THEN
      RAISE EXCEPTION 'component % must be an object with a "column" string', i
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(c) k WHERE k NOT IN ('column', 'weight', 'polarity', 'label')) THEN
      RAISE EXCEPTION 'component % has an unknown key', i
        USING ERRCODE = 'invalid_parameter_value',
              DETAIL = 'A component accepts: column, weight, polarity, label.';
    END IF;
    col := c->>'column';
    IF col = ANY (cols) THEN
      RAISE EXCEPTION 'column "%" appears twice in the components', col
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF c ? 'weight' AND jsonb_typeof(c->'weight') <> 'number' THEN
      RAISE EXCEPTION 'weight of component % must be a number', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF c ? 'polarity' AND (jsonb_typeof(c->'polarity') <> 'number' OR (c->>'polarity') NOT IN ('1', '-1')) THEN
      RAISE EXCEPTION 'polarity of component % must be 1 or -1', i USING ERRCODE = 'invalid_parameter_value';
    END IF;
    w := coalesce((c->>'weight')::float8, 1);
    pol := coalesce((c->>'polarity')::integer, 1);
    IF w < 0 THEN
      RAISE EXCEPTION 'weight of component % must not be negative', i
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'Use polarity -1 for an indicator where higher means less fragile.';
    END IF;
    cols := cols || col;
    ws := ws || w;
    pols := pols || pol;
  END LOOP;
  IF (SELECT sum(x) FROM unnest(ws) x) = 0 THEN
    RAISE EXCEPTION 'weights must not all be zero' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the methods and their parameters must resolve: a trial on 3 rows
  SELECT max(s) INTO dummy FROM (
    SELECT nous.composite(array_fill(g::float8, ARRAY[i]), ws, pols, normalise, aggregate) OVER () s
      FROM generate_series(1, 3) g) t;
  INSERT INTO nous.index_definitions (name, normalise, aggregate, classes, description)
  VALUES (name, normalise, aggregate, classes, description);
  INSERT INTO nous.index_components (index_name, position, column_name, weight, polarity, label)
  SELECT name, o, e->>'column', coalesce((e->>'weight')::float8, 1),
         coalesce((e->>'polarity')::integer, 1), e->>'label'
    FROM jsonb_array_elements(components) WITH ORDINALITY AS a(e, o);
END
$$;
COMMENT ON FUNCTION nous.define_index(text, jsonb, text, text, integer, text) IS
  'Define a composite index: components as a jsonb array of {"column", "weight" (default 1), "polarity" (1 or -1, default 1), "label"}; the methods are checked on a trial before anything is stored.';

CREATE FUNCTION nous.drop_index(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM nous.index_definitions d WHERE d.name = drop_index.name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'index "%" is not defined', name USING ERRCODE = 'undefined_object';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.drop_index(text) IS 'Remove a stored index definition and its components.';

CREATE FUNCTION nous.index_compute(name text, source regclass, key_column text,
                                   partition_column text DEFAULT NULL)
RETURNS TABLE (key text, part text, score float8, rank bigint, class integer,
               coverage float8, contributions jsonb)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  d       nous.index_definitions%ROWTYPE;
  comp    record;
  vals    text[] := '{}';
  ws      float8[] := '{}';
  pols    integer[] := '{}';
  contrib text[] := '{}';
  present text[] := '{}';
  wsum    float8 := 0;
  part_expr text;
  missing text;
  q       text;
BEGIN
  IF name IS NULL OR source IS NULL OR key_column IS NULL THEN
    RAISE EXCEPTION 'name, source and key_column must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  SELECT * INTO d FROM nous.index_definitions x WHERE x.name = index_compute.name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'index "%" is not defined', name
      USING ERRCODE = 'undefined_object',
            HINT = 'See the table nous.index_definitions; define one with nous.define_index().';
  END IF;
  SELECT string_agg(quote_ident(c), ', ') INTO missing
    FROM (SELECT column_name AS c FROM nous.index_components WHERE index_name = d.name
          UNION ALL SELECT key_column UNION ALL SELECT partition_column WHERE partition_column IS NOT NULL) x
   WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = source AND a.attname = x.c AND a.attnum > 0 AND NOT a.attisdropped);
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'column % of index "%" does not exist in %', missing, d.name, source
      USING ERRCODE = 'undefined_column',
            HINT = 'The components name columns of the source table; see nous.index_components.';
  END IF;
  FOR comp IN SELECT * FROM nous.index_components WHERE index_name = d.name ORDER BY position LOOP
    vals := vals || format('%I::float8', comp.column_name);
    ws := ws || comp.weight;
    pols := pols || comp.polarity;
    wsum := wsum + comp.weight;
    -- the component normalised (and reflected) over the partition, weighted
    contrib := contrib || format(
      '%L, CASE WHEN %I IS NOT NULL THEN nous.composite(ARRAY[%I::float8], NULL, ARRAY[%s], %L, ''mean'') OVER w * %s END',
      comp.column_name, comp.column_name, comp.column_name, comp.polarity, d.normalise, comp.weight);
    present := present || format('CASE WHEN %I IS NOT NULL THEN %s::float8 ELSE 0 END', comp.column_name, comp.weight);
  END LOOP;
  part_expr := CASE WHEN partition_column IS NULL THEN 'NULL::text' ELSE format('%I::text', partition_column) END;
  q := format($f$
    WITH s AS (
      SELECT %1$I::text AS key, %2$s AS part,
             nous.composite(ARRAY[%3$s], %4$L::float8[], %5$L::int[], %6$L, %7$L) OVER w AS score,
             (%8$s) AS wpresent,
             jsonb_build_object(%9$s) AS terms
        FROM %10$s
      WINDOW w AS (PARTITION BY %2$s))
    SELECT key, part, score,
           CASE WHEN score IS NOT NULL THEN rank() OVER (PARTITION BY part, score IS NULL ORDER BY score DESC) END,
           CASE WHEN score IS NOT NULL THEN
             (1 + floor(%11$s * (rank() OVER (PARTITION BY part, score IS NULL ORDER BY score) - 1)
                  / count(score) OVER (PARTITION BY part)::float8))::integer END,
           wpresent / %12$s,
           CASE WHEN score IS NOT NULL THEN
             (SELECT jsonb_object_agg(t.k, round((t.v::float8 / wpresent)::numeric, 12))
                FROM jsonb_each_text(terms) t(k, v) WHERE t.v IS NOT NULL) END
      FROM s
     ORDER BY part, score DESC NULLS LAST, key$f$,
    key_column, part_expr, array_to_string(vals, ', '), ws, pols, d.normalise, d.aggregate,
    array_to_string(present, ' + '), array_to_string(contrib, ', '), source, d.classes, wsum);
  RETURN QUERY EXECUTE q;
END
$$;
COMMENT ON FUNCTION nous.index_compute(text, regclass, text, text) IS
  'Compute a stored index for every row of a table: score (nous.composite over the partition), rank (1 = most fragile), quantile class (1 = least fragile), coverage (share of the weight present) and each component''s contribution (weighted normalised value; they add up to the score with the mean aggregation).';

-- stored definitions are readable by every role that computes an index;
-- defining and dropping them needs INSERT/DELETE, granted by the owner
GRANT SELECT ON nous.index_definitions, nous.index_components TO PUBLIC;

-- ---- sql/40_mix.sql ----
-- mix: segregation, mix and diversity indices over areas, with storable,
-- mergeable states (DESIGN principle 4).

-- ---- nous.mixpairs: one (group, total) pair per area ----
CREATE TYPE nous.mixpairs;
CREATE FUNCTION nous.mixpairs_in(cstring) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_in';
CREATE FUNCTION nous.mixpairs_out(nous.mixpairs) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_out';
CREATE FUNCTION nous.mixpairs_recv(internal) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_recv';
CREATE FUNCTION nous.mixpairs_send(nous.mixpairs) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_send';
CREATE TYPE nous.mixpairs (
  INPUT = nous.mixpairs_in, OUTPUT = nous.mixpairs_out,
  RECEIVE = nous.mixpairs_recv, SEND = nous.mixpairs_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE nous.mixpairs IS
  'Storable, mergeable two-group state: one (group, total) pair per area (and the Atkinson b when set); text form [(g,t),…] or b=0.5:[(g,t),…].';
COMMENT ON FUNCTION nous.mixpairs_in(cstring) IS 'Text input of nous.mixpairs.';
COMMENT ON FUNCTION nous.mixpairs_out(nous.mixpairs) IS 'Text output of nous.mixpairs (shortest exact decimals).';
COMMENT ON FUNCTION nous.mixpairs_recv(internal) IS 'Binary input of nous.mixpairs (validated).';
COMMENT ON FUNCTION nous.mixpairs_send(nous.mixpairs) IS 'Binary output of nous.mixpairs.';

CREATE FUNCTION nous.mixpairs_trans(nous.mixpairs, float8, float8) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_trans';
COMMENT ON FUNCTION nous.mixpairs_trans(nous.mixpairs, float8, float8) IS
  'Transition function of the two-group aggregates: append one area (group, total).';
CREATE FUNCTION nous.mixpairs_trans(nous.mixpairs, float8, float8, float8) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_trans_param';
COMMENT ON FUNCTION nous.mixpairs_trans(nous.mixpairs, float8, float8, float8) IS
  'Transition function of nous.atkinson: append one area, keep the parameter b.';
CREATE FUNCTION nous.mixpairs_combine(nous.mixpairs, nous.mixpairs) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_combine';
COMMENT ON FUNCTION nous.mixpairs_combine(nous.mixpairs, nous.mixpairs) IS
  'Combine two two-group states (their areas together).';

CREATE FUNCTION nous.dissimilarity(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_dissimilarity';
COMMENT ON FUNCTION nous.dissimilarity(nous.mixpairs) IS
  'Duncan dissimilarity D = 1/2 sum |g_i/G - (t_i-g_i)/(T-G)| of a stored state; NULL when undefined.';
CREATE FUNCTION nous.gini_segregation(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_gini';
COMMENT ON FUNCTION nous.gini_segregation(nous.mixpairs) IS
  'Gini segregation index sum_ij t_i t_j |p_i - p_j| / (2 T^2 P (1-P)) of a stored state.';
CREATE FUNCTION nous.entropy_h(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_entropy_h';
COMMENT ON FUNCTION nous.entropy_h(nous.mixpairs) IS
  'Theil entropy index H = sum t_i (E - E_i) / (E T) (natural log) of a stored state.';
CREATE FUNCTION nous.isolation(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_isolation';
COMMENT ON FUNCTION nous.isolation(nous.mixpairs) IS
  'Isolation xPx = sum (g_i/G)(g_i/t_i) of a stored state.';
CREATE FUNCTION nous.interaction(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_interaction';
COMMENT ON FUNCTION nous.interaction(nous.mixpairs) IS
  'Interaction (exposure) xPy = sum (g_i/G)((t_i-g_i)/t_i) of a stored state.';
CREATE FUNCTION nous.correlation_ratio(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_correlation_ratio';
COMMENT ON FUNCTION nous.correlation_ratio(nous.mixpairs) IS
  'Correlation ratio eta^2 = (xPx - P)/(1 - P) of a stored state.';
CREATE FUNCTION nous.atkinson(state nous.mixpairs, b float8) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_atkinson';
COMMENT ON FUNCTION nous.atkinson(nous.mixpairs, float8) IS
  'Atkinson index A(b), 0 <= b < 1, of a stored state.';
CREATE FUNCTION nous.atkinson_final(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_atkinson_final';
COMMENT ON FUNCTION nous.atkinson_final(nous.mixpairs) IS
  'Final function of nous.atkinson(group, total, b): the index with the b kept in the state.';
CREATE FUNCTION nous.areas(state nous.mixpairs) RETURNS bigint
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_areas';
COMMENT ON FUNCTION nous.areas(nous.mixpairs) IS 'Number of areas held by a two-group state.';

-- the storable state itself, and the merge of stored states
CREATE AGGREGATE nous.mixpairs_agg("group" float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixpairs_agg(float8, float8) IS
  'Collect one (group, total) pair per area into a storable nous.mixpairs state.';
CREATE AGGREGATE nous.merge(nous.mixpairs) (
  SFUNC = nous.mixpairs_combine, STYPE = nous.mixpairs,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.merge(nous.mixpairs) IS
  'Merge stored two-group states (the areas of all of them).';

-- the contract aggregates: one row per area, total includes the group
CREATE AGGREGATE nous.dissimilarity("group" float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.dissimilarity,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.dissimilarity(float8, float8) IS
  'Duncan & Duncan (1955) dissimilarity index D over areas (group, total); NULL when no one, or everyone, is in the group.';
CREATE AGGREGATE nous.gini_segregation("group" float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.gini_segregation,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.gini_segregation(float8, float8) IS
  'Gini segregation index over areas (group, total) (Duncan & Duncan 1955).';
CREATE AGGREGATE nous.entropy_h("group" float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.entropy_h,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.entropy_h(float8, float8) IS
  'Theil entropy index H over areas (group, total), natural log (Theil & Finizza 1971).';
CREATE AGGREGATE nous.isolation("group" float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.isolation,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.isolation(float8, float8) IS
  'Isolation index xPx over areas (group, total) (Bell 1954).';
CREATE AGGREGATE nous.interaction("group" float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.interaction,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.interaction(float8, float8) IS
  'Interaction (exposure) index xPy over areas (group, total) (Lieberson 1981).';
CREATE AGGREGATE nous.correlation_ratio("group" float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.correlation_ratio,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.correlation_ratio(float8, float8) IS
  'Correlation ratio eta^2 over areas (group, total) (White 1986).';
CREATE AGGREGATE nous.atkinson("group" float8, total float8, b float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.atkinson_final,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.atkinson(float8, float8, float8) IS
  'Atkinson segregation index A(b) over areas (group, total), 0 <= b < 1, b the same on every row (James & Taeuber 1985).';

-- ---- nous.mixcounts: (super, unit, group) -> count cells ----
CREATE TYPE nous.mixcounts;
CREATE FUNCTION nous.mixcounts_in(cstring) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_in';
CREATE FUNCTION nous.mixcounts_out(nous.mixcounts) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_out';
CREATE FUNCTION nous.mixcounts_recv(internal) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_recv';
CREATE FUNCTION nous.mixcounts_send(nous.mixcounts) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_send';
CREATE TYPE nous.mixcounts (
  INPUT = nous.mixcounts_in, OUTPUT = nous.mixcounts_out,
  RECEIVE = nous.mixcounts_recv, SEND = nous.mixcounts_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE nous.mixcounts IS
  'Storable, mergeable multigroup state: counts per (super-unit, unit, group) cell; text form [["super","unit","group",n],…].';
COMMENT ON FUNCTION nous.mixcounts_in(cstring) IS 'Text input of nous.mixcounts.';
COMMENT ON FUNCTION nous.mixcounts_out(nous.mixcounts) IS 'Text output of nous.mixcounts: merged cells in sorted order.';
COMMENT ON FUNCTION nous.mixcounts_recv(internal) IS 'Binary input of nous.mixcounts (validated).';
COMMENT ON FUNCTION nous.mixcounts_send(nous.mixcounts) IS 'Binary output of nous.mixcounts.';

CREATE FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_trans';
COMMENT ON FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, float8) IS
  'Transition function of the multigroup aggregates: add n to cell (unit, grp).';
CREATE FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, text, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_trans_super';
COMMENT ON FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, text, float8) IS
  'Transition function of the multigroup aggregates with a super-unit: add n to cell (super, unit, grp).';
CREATE FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, text, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_sum_trans';
COMMENT ON FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, text, float8) IS
  'Transition function of the multigroup indices: add n to cell (unit, grp), the cells summed in a hash table as the rows come.';
CREATE FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, bigint, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_sum_trans_int';
COMMENT ON FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, bigint, float8) IS
  'Transition function of the multigroup indices over integer groups: add n to cell (unit, grp::text), summed in a hash table.';
CREATE FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, text, text, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_sum_trans_super';
COMMENT ON FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, text, text, float8) IS
  'Transition function of the multigroup decomposition: add n to cell (super, unit, grp), summed in a hash table.';
CREATE FUNCTION nous.mixcounts_combine(nous.mixcounts, nous.mixcounts) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_combine';
COMMENT ON FUNCTION nous.mixcounts_combine(nous.mixcounts, nous.mixcounts) IS
  'Combine two multigroup states (cells of the same key add up).';

CREATE FUNCTION nous.mutual_information(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_mutual_information';
COMMENT ON FUNCTION nous.mutual_information(nous.mixcounts) IS
  'Mutual information index M = sum p_ug ln(p_ug/(p_u p_g)) (natural log) of a stored state.';
CREATE FUNCTION nous.entropy_index(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_entropy_index';
COMMENT ON FUNCTION nous.entropy_index(nous.mixcounts) IS
  'Theil''s multigroup H = M / E (E the entropy of the group totals) of a stored state; NULL when E = 0.';
CREATE FUNCTION nous.shannon_diversity(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_shannon';
COMMENT ON FUNCTION nous.shannon_diversity(nous.mixcounts) IS
  'Shannon diversity E = -sum p_g ln p_g of the group totals.';
CREATE FUNCTION nous.multigroup_dissimilarity(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_multi_dissimilarity';
COMMENT ON FUNCTION nous.multigroup_dissimilarity(nous.mixcounts) IS
  'Multigroup dissimilarity sum_g sum_u t_u |p_gu - p_g| / (2 T I) (Reardon & Firebaugh 2002).';
CREATE FUNCTION nous.relative_diversity(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_relative_diversity';
COMMENT ON FUNCTION nous.relative_diversity(nous.mixcounts) IS
  'Relative diversity sum_g sum_u t_u (p_gu - p_g)^2 / (T I) (Carlson 1992; Reardon & Firebaugh 2002).';
CREATE FUNCTION nous.simpson_concentration(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_simpson_concentration';
COMMENT ON FUNCTION nous.simpson_concentration(nous.mixcounts) IS
  'Simpson''s concentration sum p_g^2 of the group totals (Simpson 1949).';
CREATE FUNCTION nous.simpson_interaction(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_simpson_interaction';
COMMENT ON FUNCTION nous.simpson_interaction(nous.mixcounts) IS
  'Simpson''s interaction 1 - sum p_g^2 of the group totals (Simpson 1949).';
CREATE FUNCTION nous.compact(state nous.mixcounts) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_compact';
COMMENT ON FUNCTION nous.compact(nous.mixcounts) IS
  'The same state with its cells merged: sorted by key, the records of one cell summed into one (smaller to store).';
CREATE FUNCTION nous.cells(state nous.mixcounts) RETURNS bigint
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_cells';
COMMENT ON FUNCTION nous.cells(nous.mixcounts) IS
  'Number of cell records held by a multigroup state (before duplicates are merged).';

CREATE TYPE nous.mi_decomposition AS (
  m float8, h float8, entropy float8,
  m_between float8, m_within float8, h_between float8, h_within float8,
  supers bigint
);
COMMENT ON TYPE nous.mi_decomposition IS
  'M and H with their decomposition between and within super-units (M = M_between + M_within, H likewise, both over the total entropy).';
CREATE FUNCTION nous.mutual_information_decomposition(state nous.mixcounts) RETURNS nous.mi_decomposition
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_decomposition';
COMMENT ON FUNCTION nous.mutual_information_decomposition(nous.mixcounts) IS
  'M, H, the entropy and their between/within decomposition for the super-units of a stored state.';
CREATE FUNCTION nous.mix_local(state nous.mixcounts,
    OUT super text, OUT unit text, OUT grp text, OUT n float8,
    OUT share float8, OUT location_quotient float8, OUT m_contribution float8)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_mixcounts_local';
COMMENT ON FUNCTION nous.mix_local(nous.mixcounts) IS
  'Local scores per cell: share of the group in the unit, location quotient (n_ug/n_u)/(n_g/N), contribution p_ug ln(p_ug/(p_u p_g)) to M.';

CREATE AGGREGATE nous.mixcounts_agg(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_trans, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixcounts_agg(text, text, float8) IS
  'Collect (unit, group, count) cells into a storable nous.mixcounts state.';
CREATE AGGREGATE nous.mixcounts_agg(super text, unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_trans, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixcounts_agg(text, text, text, float8) IS
  'Collect (super-unit, unit, group, count) cells into a storable nous.mixcounts state.';
CREATE AGGREGATE nous.merge(nous.mixcounts) (
  SFUNC = nous.mixcounts_combine, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.merge(nous.mixcounts) IS
  'Merge stored multigroup states (counts of the same cell add up).';

CREATE AGGREGATE nous.mutual_information(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.mutual_information,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mutual_information(text, text, float8) IS
  'Mutual information index M over (unit, group, count) cells, natural log (Theil & Finizza 1971; Mora & Ruiz-Castillo 2011).';
CREATE AGGREGATE nous.entropy_index(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.entropy_index,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.entropy_index(text, text, float8) IS
  'Theil''s multigroup entropy index H = M / E over (unit, group, count) cells.';
CREATE AGGREGATE nous.mutual_information(unit text, grp bigint, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.mutual_information,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mutual_information(text, bigint, float8) IS
  'Mutual information index M over (unit, integer group, count) cells: the same as with grp::text, without a text per row (Theil & Finizza 1971; Mora & Ruiz-Castillo 2011).';
CREATE AGGREGATE nous.entropy_index(unit text, grp bigint, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.entropy_index,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.entropy_index(text, bigint, float8) IS
  'Theil''s multigroup entropy index H = M / E over (unit, integer group, count) cells: the same as with grp::text.';
CREATE AGGREGATE nous.mutual_information_decomposition(super text, unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.mutual_information_decomposition,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mutual_information_decomposition(text, text, text, float8) IS
  'M and H with their between/within decomposition for super-units (e.g. IRIS within communes).';
CREATE AGGREGATE nous.multigroup_dissimilarity(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.multigroup_dissimilarity,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.multigroup_dissimilarity(text, text, float8) IS
  'Multigroup dissimilarity over (unit, group, count) cells (Reardon & Firebaugh 2002).';
CREATE AGGREGATE nous.relative_diversity(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.relative_diversity,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.relative_diversity(text, text, float8) IS
  'Relative diversity over (unit, group, count) cells (Reardon & Firebaugh 2002).';

-- ---- inference: seeded bootstrap (multinomial resampling of the whole table) ----
CREATE FUNCTION nous.bootstrap_ci(state nous.mixpairs, index text, reps int, seed bigint,
                                  level float8 DEFAULT 0.95,
                                  OUT estimate float8, OUT boot_mean float8, OUT bias float8,
                                  OUT se float8, OUT low float8, OUT high float8, OUT reps_used int)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_bootstrap';
COMMENT ON FUNCTION nous.bootstrap_ci(nous.mixpairs, text, int, bigint, float8) IS
  'Seeded bootstrap of a two-group index (dissimilarity, gini_segregation, entropy_h, isolation, interaction, correlation_ratio): round(T) individuals redrawn from the table reps times; percentile interval, bias = boot_mean - estimate.';
CREATE FUNCTION nous.bootstrap_ci(state nous.mixcounts, index text, reps int, seed bigint,
                                  level float8 DEFAULT 0.95,
                                  OUT estimate float8, OUT boot_mean float8, OUT bias float8,
                                  OUT se float8, OUT low float8, OUT high float8, OUT reps_used int)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_bootstrap';
COMMENT ON FUNCTION nous.bootstrap_ci(nous.mixcounts, text, int, bigint, float8) IS
  'Seeded bootstrap of M (mutual_information) or H (entropy_index): round(N) individuals redrawn from the cells reps times; percentile interval, bias = boot_mean - estimate.';

-- ---- index families: a user adds an index with CREATE FUNCTION + nous.register_method ----
INSERT INTO nous.method_families (family, arg_types, return_type, params, description)
VALUES ('segregation', '{nous.mixpairs}', 'float8', true,
        'Two-group segregation index of a nous.mixpairs state (one (group, total) pair per area; read them with nous.mixpairs_groups() and nous.mixpairs_totals()); NULL when undefined.'),
       ('multigroup_segregation', '{nous.mixcounts}', 'float8', true,
        'Multigroup segregation or diversity index of a nous.mixcounts state (read its cells with nous.mix_local()); NULL when undefined.');

CREATE FUNCTION nous.atkinson(state nous.mixpairs, params jsonb) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_atkinson_params';
COMMENT ON FUNCTION nous.atkinson(nous.mixpairs, jsonb) IS
  'Atkinson index of a stored state as a registered method; params: b (default 0.5), 0 <= b < 1.';
CREATE FUNCTION nous.mixpairs_groups(state nous.mixpairs) RETURNS float8[]
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_groups';
COMMENT ON FUNCTION nous.mixpairs_groups(nous.mixpairs) IS 'The group counts of the areas of a two-group state, in order.';
CREATE FUNCTION nous.mixpairs_totals(state nous.mixpairs) RETURNS float8[]
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_totals';
COMMENT ON FUNCTION nous.mixpairs_totals(nous.mixpairs) IS 'The totals of the areas of a two-group state, in order.';

INSERT INTO nous.method_catalog (family, name, function, builtin, description) VALUES
  ('segregation', 'dissimilarity', 'nous.dissimilarity(nous.mixpairs)', true, 'Duncan dissimilarity D'),
  ('segregation', 'gini', 'nous.gini_segregation(nous.mixpairs)', true, 'Gini segregation index'),
  ('segregation', 'entropy', 'nous.entropy_h(nous.mixpairs)', true, 'Theil entropy index H'),
  ('segregation', 'isolation', 'nous.isolation(nous.mixpairs)', true, 'isolation xPx'),
  ('segregation', 'interaction', 'nous.interaction(nous.mixpairs)', true, 'interaction (exposure) xPy'),
  ('segregation', 'correlation_ratio', 'nous.correlation_ratio(nous.mixpairs)', true, 'correlation ratio eta^2'),
  ('segregation', 'atkinson', 'nous.atkinson(nous.mixpairs, jsonb)', true, 'Atkinson A(b); b = 0.5 by default'),
  ('multigroup_segregation', 'mutual_information', 'nous.mutual_information(nous.mixcounts)', true, 'mutual information index M (natural log)'),
  ('multigroup_segregation', 'entropy', 'nous.entropy_index(nous.mixcounts)', true, 'Theil''s H = M / E'),
  ('multigroup_segregation', 'dissimilarity', 'nous.multigroup_dissimilarity(nous.mixcounts)', true, 'multigroup dissimilarity'),
  ('multigroup_segregation', 'relative_diversity', 'nous.relative_diversity(nous.mixcounts)', true, 'relative diversity'),
  ('multigroup_segregation', 'shannon', 'nous.shannon_diversity(nous.mixcounts)', true, 'Shannon diversity of the group totals'),
  ('multigroup_segregation', 'simpson_concentration', 'nous.simpson_concentration(nous.mixcounts)', true, 'Simpson concentration'),
  ('multigroup_segregation', 'simpson_interaction', 'nous.simpson_interaction(nous.mixcounts)', true, 'Simpson interaction');

CREATE FUNCTION nous.segregation(state nous.mixpairs, method text) RETURNS float8
  LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_segregation';
COMMENT ON FUNCTION nous.segregation(nous.mixpairs, text) IS
  'A registered two-group index of a state by name (see nous.methods, family segregation), e.g. ''dissimilarity'', ''atkinson(b=0.3)''.';
CREATE FUNCTION nous.segregation(state nous.mixcounts, method text) RETURNS float8
  LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_multigroup_segregation';
COMMENT ON FUNCTION nous.segregation(nous.mixcounts, text) IS
  'A registered multigroup index of a state by name (see nous.methods, family multigroup_segregation), e.g. ''mutual_information''.';

CREATE FUNCTION nous.mutual_information_by_super(state nous.mixcounts,
    OUT super text, OUT n float8, OUT share float8, OUT m float8, OUT entropy float8,
    OUT h float8, OUT m_within_part float8)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 100 AS 'MODULE_PATHNAME', 'nous_mixcounts_by_super';
COMMENT ON FUNCTION nous.mutual_information_by_super(nous.mixcounts) IS
  'One row per super-unit: its count, share p_s, M_s and E_s among its own units and groups, H_s = M_s / E_s, and p_s M_s (these add up to M_within).';

CREATE FUNCTION nous.mix_units(state nous.mixcounts,
    OUT super text, OUT unit text, OUT n float8, OUT local_segregation float8,
    OUT m_contribution float8, OUT shannon float8, OUT simpson_interaction float8)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_mixcounts_units';
COMMENT ON FUNCTION nous.mix_units(nous.mixcounts) IS
  'One row per unit (for maps): local segregation L_u = sum_g q_g ln(q_g/p_g), its contribution p_u L_u to M, Shannon diversity and Simpson interaction of the unit''s groups; NULL scores for an empty unit.';

-- ---- sql/41_mix_alloc.sql ----
-- mix: the allocation-mix rules of social housing (loi n° 2017-86 du
-- 27 janvier 2017 « Égalité et Citoyenneté », art. 70; CCH L441-1) and the
-- demand-side indicators shown beside them.

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

-- first-quartile threshold
CREATE FUNCTION nous.first_quartile_trans(internal, float8) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_trans';
COMMENT ON FUNCTION nous.first_quartile_trans(internal, float8) IS 'Transition function of nous.first_quartile.';
CREATE FUNCTION nous.first_quartile_trans(internal, float8, text) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_trans';
COMMENT ON FUNCTION nous.first_quartile_trans(internal, float8, text) IS 'Transition function of nous.first_quartile with a quantile definition.';
CREATE FUNCTION nous.first_quartile_combine(internal, internal) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_combine';
COMMENT ON FUNCTION nous.first_quartile_combine(internal, internal) IS 'Combine function of nous.first_quartile.';
CREATE FUNCTION nous.first_quartile_serialize(internal) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_serialize';
COMMENT ON FUNCTION nous.first_quartile_serialize(internal) IS 'Serialize function of nous.first_quartile.';
CREATE FUNCTION nous.first_quartile_deserialize(bytea, internal) RETURNS internal
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_deserialize';
COMMENT ON FUNCTION nous.first_quartile_deserialize(bytea, internal) IS 'Deserialize function of nous.first_quartile (validates its input).';
CREATE FUNCTION nous.first_quartile_final(internal) RETURNS float8
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_quartile_final';
COMMENT ON FUNCTION nous.first_quartile_final(internal) IS 'Final function of nous.first_quartile.';

CREATE AGGREGATE nous.first_quartile(income_uc float8) (
  SFUNC = nous.first_quartile_trans, STYPE = internal, FINALFUNC = nous.first_quartile_final,
  COMBINEFUNC = nous.first_quartile_combine,
  SERIALFUNC = nous.first_quartile_serialize, DESERIALFUNC = nous.first_quartile_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.first_quartile(float8) IS
  'First-quartile threshold of income per consumption unit (CCH L441-1): the 25th percentile, continuous as percentile_cont(0.25); NULL over no row.';
CREATE AGGREGATE nous.first_quartile(income_uc float8, quantile text) (
  SFUNC = nous.first_quartile_trans, STYPE = internal, FINALFUNC = nous.first_quartile_final,
  COMBINEFUNC = nous.first_quartile_combine,
  SERIALFUNC = nous.first_quartile_serialize, DESERIALFUNC = nous.first_quartile_deserialize,
  PARALLEL = SAFE
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

CREATE FUNCTION nous.compliance_trans(internal, boolean) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_compliance_trans';
COMMENT ON FUNCTION nous.compliance_trans(internal, boolean) IS 'Transition function of nous.priority_share.';
CREATE FUNCTION nous.compliance_trans(internal, boolean, float8) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_compliance_trans';
COMMENT ON FUNCTION nous.compliance_trans(internal, boolean, float8) IS 'Transition function of nous.mix_compliance.';
CREATE FUNCTION nous.compliance_trans(internal, boolean, float8, int, float8) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_compliance_trans';
COMMENT ON FUNCTION nous.compliance_trans(internal, boolean, float8, int, float8) IS 'Transition function of nous.mix_compliance with min_scope and confidence.';
CREATE FUNCTION nous.allocation_mix_trans(internal, boolean, float8, boolean, float8) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_allocation_mix_trans';
COMMENT ON FUNCTION nous.allocation_mix_trans(internal, boolean, float8, boolean, float8) IS 'Transition function of nous.allocation_mix.';
CREATE FUNCTION nous.allocation_mix_trans(internal, boolean, float8, boolean, float8, boolean, int, float8) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_allocation_mix_trans';
COMMENT ON FUNCTION nous.allocation_mix_trans(internal, boolean, float8, boolean, float8, boolean, int, float8) IS 'Transition function of nous.allocation_mix with its parameters.';
CREATE FUNCTION nous.rule_combine(internal, internal) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_combine';
COMMENT ON FUNCTION nous.rule_combine(internal, internal) IS 'Combine function of the compliance aggregates.';
CREATE FUNCTION nous.rule_serialize(internal) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_serialize';
COMMENT ON FUNCTION nous.rule_serialize(internal) IS 'Serialize function of the compliance aggregates.';
CREATE FUNCTION nous.rule_deserialize(bytea, internal) RETURNS internal
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_rule_deserialize';
COMMENT ON FUNCTION nous.rule_deserialize(bytea, internal) IS 'Deserialize function of the compliance aggregates (validates its input).';
CREATE FUNCTION nous.compliance_final(internal) RETURNS nous.compliance
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_compliance_final';
COMMENT ON FUNCTION nous.compliance_final(internal) IS 'Final function of nous.mix_compliance.';

CREATE AGGREGATE nous.mix_compliance(counts boolean, target float8) (
  SFUNC = nous.compliance_trans, STYPE = internal, FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, SERIALFUNC = nous.rule_serialize, DESERIALFUNC = nous.rule_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mix_compliance(boolean, float8) IS
  'Share of the rows in scope that count, against a target share (0-1): counts, share, gap, 95 % Wilson interval, too_small when fewer than 20 rows.';
CREATE AGGREGATE nous.mix_compliance(counts boolean, target float8, min_scope int, confidence float8) (
  SFUNC = nous.compliance_trans, STYPE = internal, FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, SERIALFUNC = nous.rule_serialize, DESERIALFUNC = nous.rule_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mix_compliance(boolean, float8, int, float8) IS
  'nous.mix_compliance with the too-small threshold min_scope and the confidence level of the Wilson interval.';
CREATE AGGREGATE nous.priority_share(is_priority boolean) (
  SFUNC = nous.compliance_trans, STYPE = internal, FINALFUNC = nous.compliance_final,
  COMBINEFUNC = nous.rule_combine, SERIALFUNC = nous.rule_serialize, DESERIALFUNC = nous.rule_deserialize,
  PARALLEL = SAFE
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
CREATE FUNCTION nous.allocation_mix_final(internal) RETURNS nous.allocation_mix
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_allocation_mix_final';
COMMENT ON FUNCTION nous.allocation_mix_final(internal) IS 'Final function of nous.allocation_mix.';

CREATE AGGREGATE nous.allocation_mix(in_qpv boolean, income_uc float8, renewal boolean, threshold float8) (
  SFUNC = nous.allocation_mix_trans, STYPE = internal, FINALFUNC = nous.allocation_mix_final,
  COMBINEFUNC = nous.rule_combine, SERIALFUNC = nous.rule_serialize, DESERIALFUNC = nous.rule_deserialize,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.allocation_mix(boolean, float8, boolean, float8) IS
  'The two mix rules of CCH L441-1 over one row per effective allocation of the year: first quartile = income_uc strictly below the threshold of its EPCI; 95 % Wilson intervals; too_small under 20 allocations.';
CREATE AGGREGATE nous.allocation_mix(in_qpv boolean, income_uc float8, renewal boolean, threshold float8,
                                     inclusive boolean, min_scope int, confidence float8) (
  SFUNC = nous.allocation_mix_trans, STYPE = internal, FINALFUNC = nous.allocation_mix_final,
  COMBINEFUNC = nous.rule_combine, SERIALFUNC = nous.rule_serialize, DESERIALFUNC = nous.rule_deserialize,
  PARALLEL = SAFE
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

CREATE FUNCTION nous.first_quartile("values" float8[], quantile text DEFAULT 'continuous') RETURNS float8
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_first_quartile_array';
COMMENT ON FUNCTION nous.first_quartile(float8[], text) IS
  'First-quartile threshold of an array of incomes per UC; quantile => continuous (default) | discrete | median_unbiased; NULL elements skipped; NULL when none.';

-- ---- sql/50_flow.sql ----
-- flow: sparse origin-destination matrices of residential moves.

CREATE TYPE nous.flows;

CREATE FUNCTION nous.flows_in(cstring) RETURNS nous.flows
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_flows_in';
COMMENT ON FUNCTION nous.flows_in(cstring) IS
  'Text input of nous.flows: {origin>destination:weight,...}, stayers as zone>zone:weight; every pair at most once.';
CREATE FUNCTION nous.flows_out(nous.flows) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_flows_out';
COMMENT ON FUNCTION nous.flows_out(nous.flows) IS
  'Text output of nous.flows, sorted by origin and destination, weights in their shortest exact form.';
CREATE FUNCTION nous.flows_recv(internal) RETURNS nous.flows
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_flows_recv';
COMMENT ON FUNCTION nous.flows_recv(internal) IS
  'Binary input of nous.flows; every count, index, order and weight is checked.';
CREATE FUNCTION nous.flows_send(nous.flows) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_flows_send';
COMMENT ON FUNCTION nous.flows_send(nous.flows) IS
  'Binary output of nous.flows (network byte order, version byte 1).';

CREATE TYPE nous.flows (
  INPUT = nous.flows_in,
  OUTPUT = nous.flows_out,
  RECEIVE = nous.flows_recv,
  SEND = nous.flows_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);
COMMENT ON TYPE nous.flows IS
  'Sparse origin-destination matrix of moves between zones (text codes), stayers kept apart on the diagonal; built by nous.flow_matrix, mergeable, storable.';

CREATE FUNCTION nous.flow_matrix_sfunc(state nous.flows, origin text, destination text, weight float8)
  RETURNS nous.flows LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_matrix_sfunc';
COMMENT ON FUNCTION nous.flow_matrix_sfunc(nous.flows, text, text, float8) IS
  'Transition function of nous.flow_matrix(text, text, float8); only valid inside the aggregate.';

CREATE FUNCTION nous.flow_matrix_merge(state nous.flows, m nous.flows)
  RETURNS nous.flows LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_matrix_merge';
COMMENT ON FUNCTION nous.flow_matrix_merge(nous.flows, nous.flows) IS
  'Combine function of the nous.flow_matrix aggregates (adds two matrices); only valid inside an aggregate.';

CREATE AGGREGATE nous.flow_matrix(origin text, destination text, weight float8) (
  SFUNC = nous.flow_matrix_sfunc,
  STYPE = nous.flows,
  COMBINEFUNC = nous.flow_matrix_merge,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.flow_matrix(text, text, float8) IS
  'OD matrix of moves: sums weight by (origin, destination), origin = destination counted as stayers; NULL zone or negative/NaN/infinite weight: error; NULL weight: row skipped; no row: NULL.';

CREATE AGGREGATE nous.flow_matrix(nous.flows) (
  SFUNC = nous.flow_matrix_merge,
  STYPE = nous.flows,
  COMBINEFUNC = nous.flow_matrix_merge,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.flow_matrix(nous.flows) IS
  'Sum of stored OD matrices (daily or yearly partial matrices merged into one); NULL matrices skipped.';

CREATE FUNCTION nous.flow_edges(m nous.flows)
  RETURNS TABLE (origin text, destination text, weight float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000
  AS 'MODULE_PATHNAME', 'nous_flow_edges';
COMMENT ON FUNCTION nous.flow_edges(nous.flows) IS
  'The matrix as rows sorted by origin and destination; stayers (when > 0) as origin = destination.';

CREATE FUNCTION nous.flow_zones(m nous.flows)
  RETURNS TABLE (zone text, stayers float8, inflow float8, outflow float8,
                 present_before float8, present_after float8, net float8,
                 net_rate float8, turnover_rate float8, inflow_share float8, outflow_share float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 100
  AS 'MODULE_PATHNAME', 'nous_flow_zones';
COMMENT ON FUNCTION nous.flow_zones(nous.flows) IS
  'Per zone (Observatoire des territoires): ISO stayers, ENTR inflow, SORT outflow, AUTO = ISO + SORT, PRES = ISO + ENTR, SM = ENTR - SORT, TM = SM / ((AUTO + PRES) / 2), TR = (ENTR + SORT) / ((AUTO + PRES) / 2), PE = ENTR / PRES, PS = SORT / AUTO; a zero denominator gives NULL.';

CREATE FUNCTION nous.flow_summary(m nous.flows,
                                  OUT zones integer, OUT flows integer,
                                  OUT stayers float8, OUT movers float8,
                                  OUT effectiveness float8, OUT gini float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_summary';
COMMENT ON FUNCTION nous.flow_summary(nous.flows) IS
  'Whole matrix: zone and flow counts, stayers, movers, migration effectiveness sum|in - out| / sum(in + out), Gini of the n(n-1) off-diagonal cells; NULL when undefined.';

CREATE FUNCTION nous.flow_pairs(m nous.flows)
  RETURNS TABLE (zone_a text, zone_b text, a_to_b float8, b_to_a float8, gross float8, net float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000
  AS 'MODULE_PATHNAME', 'nous_flow_pairs';
COMMENT ON FUNCTION nous.flow_pairs(nous.flows) IS
  'Two-way flows merged, one row per pair of zones with a flow (zone_a < zone_b in byte order): gross = a_to_b + b_to_a, net = a_to_b - b_to_a.';

INSERT INTO nous.method_families (family, arg_types, return_type, params, description)
VALUES ('flow_selection', '{nous.flows}', 'nous.flows', true,
        'Keep the flows of an OD matrix that matter, zones and stayers kept; the parameters hold value (a number) and comparison (''>='' or ''>'') given to nous.flow_select, and those of the method specification.');

CREATE FUNCTION nous.flow_select_threshold(m nous.flows, params jsonb DEFAULT '{}')
  RETURNS nous.flows LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_select_threshold';
COMMENT ON FUNCTION nous.flow_select_threshold(nous.flows, jsonb) IS
  'Flow selection method threshold: the flows with weight >= value (or > value with comparison ''>'').';
CREATE FUNCTION nous.flow_select_top(m nous.flows, params jsonb DEFAULT '{}')
  RETURNS nous.flows LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_select_top';
COMMENT ON FUNCTION nous.flow_select_top(nous.flows, jsonb) IS
  'Flow selection method top: the value largest flows of each origin (ties: the first destination in code order).';
CREATE FUNCTION nous.flow_select_share(m nous.flows, params jsonb DEFAULT '{}')
  RETURNS nous.flows LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_select_share';
COMMENT ON FUNCTION nous.flow_select_share(nous.flows, jsonb) IS
  'Flow selection method share: the flows whose weight / the origin''s outflow is >= value (or > with comparison ''>'').';
CREATE FUNCTION nous.flow_select_cumulative(m nous.flows, params jsonb DEFAULT '{}')
  RETURNS nous.flows LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_select_cumulative';
COMMENT ON FUNCTION nous.flow_select_cumulative(nous.flows, jsonb) IS
  'Flow selection method cumulative: the largest flows, in decreasing order, until they hold value (0-1) of the volume off the diagonal.';
CREATE FUNCTION nous.flow_select_dominant(m nous.flows, params jsonb DEFAULT '{}')
  RETURNS nous.flows LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_select_dominant';
COMMENT ON FUNCTION nous.flow_select_dominant(nous.flows, jsonb) IS
  'Flow selection method dominant: the Nystuen-Dacey dominant flows (largest outflow of a zone going to a zone of larger inflow).';

INSERT INTO nous.method_catalog (family, name, function, builtin, description) VALUES
  ('flow_selection', 'threshold',  'nous.flow_select_threshold(nous.flows, jsonb)',  true,
   'weight >= value (comparison ''>'' for >)'),
  ('flow_selection', 'top',        'nous.flow_select_top(nous.flows, jsonb)',        true,
   'the value largest flows of each origin'),
  ('flow_selection', 'share',      'nous.flow_select_share(nous.flows, jsonb)',      true,
   'weight / origin outflow >= value (comparison ''>'' for >)'),
  ('flow_selection', 'cumulative', 'nous.flow_select_cumulative(nous.flows, jsonb)', true,
   'the largest flows until value (0-1) of the volume'),
  ('flow_selection', 'dominant',   'nous.flow_select_dominant(nous.flows, jsonb)',   true,
   'Nystuen-Dacey dominant flows');

CREATE FUNCTION nous.flow_select(m nous.flows, method text, value float8 DEFAULT NULL,
                                 comparison text DEFAULT '>=')
  RETURNS nous.flows LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_select_sql';
COMMENT ON FUNCTION nous.flow_select(nous.flows, text, float8, text) IS
  'The flows that matter, zones and stayers kept, by a registered flow_selection method: threshold (weight >= value, or > with comparison => ''>''), top (value largest per origin), share (weight / origin outflow >= value), cumulative (largest flows until value of the volume), dominant (Nystuen-Dacey), or a method added with nous.register_method.';

CREATE FUNCTION nous.flow_dominant(m nous.flows)
  RETURNS TABLE (zone text, inflow float8, largest_to text, largest_flow float8,
                 dominant boolean, role text)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 100
  AS 'MODULE_PATHNAME', 'nous_flow_dominant_sql';
COMMENT ON FUNCTION nous.flow_dominant(nous.flows) IS
  'Nystuen-Dacey nodal structure: each zone''s largest outflow, dominant when it goes to a zone of larger total inflow; role dominant (sends no dominant flow), intermediate (sends one, receives some) or dominated (sends one, receives none).';

CREATE FUNCTION nous.flow_categories(m nous.flows, zones text[], categories text[])
  RETURNS nous.flows LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_categories';
COMMENT ON FUNCTION nous.flow_categories(nous.flows, text[], text[]) IS
  'The matrix between categories of zones (QPV code, ''outside'', EPCI …): zones[i] belongs to categories[i]; moves between zones of one category become its stayers; a zone of the matrix without category is an error naming it.';

CREATE FUNCTION nous.flow_between(m nous.flows, zones text[], categories text[])
  RETURNS TABLE (origin_category text, destination_category text, relation text, weight float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 100
  AS 'MODULE_PATHNAME', 'nous_flow_between';
COMMENT ON FUNCTION nous.flow_between(nous.flows, text[], text[]) IS
  'Flows between categories of zones (QPV codes and ''outside'' …), sorted by origin category: relation = ''stayed'' (did not change zone), ''moved inside'' (between two zones of the category), ''moved between'' (to destination_category); a zone of the matrix without category is an error naming it.';

CREATE FUNCTION nous.flow_categories(m nous.flows, mapping jsonb)
  RETURNS nous.flows LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT nous.flow_categories(m, coalesce(array_agg(key ORDER BY key), '{}'),
                              coalesce(array_agg(value ORDER BY key), '{}'))
    FROM jsonb_each_text(mapping);
END;
COMMENT ON FUNCTION nous.flow_categories(nous.flows, jsonb) IS
  'The matrix between categories with the mapping as a jsonb object {"zone": "category", …}.';

CREATE FUNCTION nous.flow_lines_check(m nous.flows, zones text[], on_missing text, anchor text)
  RETURNS boolean LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_lines_check';
COMMENT ON FUNCTION nous.flow_lines_check(nous.flows, text[], text, text) IS
  'Helper of nous.flow_lines: checks the options and that every zone with a flow has a geometry (error or notice naming the missing zones).';

CREATE FUNCTION nous.flow_arc_check(a_type text, b_type text, a_empty boolean, b_empty boolean,
                                    a_srid integer, b_srid integer, curvature float8, segments integer)
  RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_arc_check';
COMMENT ON FUNCTION nous.flow_arc_check(text, text, boolean, boolean, integer, integer, float8, integer) IS
  'Helper of nous.flow_arc: true, or an error when a or b is not a non-empty point, their SRIDs differ, curvature is not finite or segments is above 10000.';

CREATE FUNCTION nous.flow_arc(a geometry, b geometry, curvature float8 DEFAULT 0, segments integer DEFAULT 16)
  RETURNS geometry LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE
    WHEN NOT nous.flow_arc_check(GeometryType(a), GeometryType(b), ST_IsEmpty(a), ST_IsEmpty(b),
                                 ST_SRID(a), ST_SRID(b), curvature, segments) THEN NULL
    WHEN curvature = 0 OR segments < 2 OR ST_Equals(a, b) THEN ST_MakeLine(a, b)
    ELSE (SELECT ST_SetSRID(ST_MakeLine(array_agg(
            ST_MakePoint((1 - t) * (1 - t) * ST_X(a) + 2 * (1 - t) * t * cx + t * t * ST_X(b),
                         (1 - t) * (1 - t) * ST_Y(a) + 2 * (1 - t) * t * cy + t * t * ST_Y(b))
            ORDER BY t)), ST_SRID(a))
            FROM (SELECT (ST_X(a) + ST_X(b)) / 2 + curvature * (ST_Y(b) - ST_Y(a)) AS cx,
                         (ST_Y(a) + ST_Y(b)) / 2 - curvature * (ST_X(b) - ST_X(a)) AS cy) c,
                 LATERAL (SELECT i::float8 / segments AS t FROM generate_series(0, segments) i) s)
  END;
END;
COMMENT ON FUNCTION nous.flow_arc(geometry, geometry, float8, integer) IS
  'Line from point a to point b: straight when curvature = 0, else a quadratic Bezier arc bending to the right of the direction of travel by curvature x the distance (so a->b and b->a do not overlap), with segments segments (at most 10000); a and b must be non-empty points of one SRID.';

CREATE FUNCTION nous.flow_lines(m nous.flows, zones text[], geoms geometry[],
                                curvature float8 DEFAULT 0, anchor text DEFAULT 'point_on_surface',
                                on_missing text DEFAULT 'error')
  RETURNS TABLE (origin text, destination text, weight float8, reverse_weight float8,
                 net float8, net_direction boolean, geom geometry)
  LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH z AS (
    SELECT u.code, CASE anchor WHEN 'centroid' THEN ST_Centroid(u.g) ELSE ST_PointOnSurface(u.g) END AS p
      FROM unnest(zones, geoms) AS u(code, g)
     WHERE u.code IS NOT NULL AND u.g IS NOT NULL AND NOT ST_IsEmpty(u.g)),
  e AS (
    SELECT x.origin, x.destination, x.weight FROM nous.flow_edges(m) x WHERE x.origin <> x.destination)
  SELECT e.origin, e.destination, e.weight, coalesce(r.weight, 0),
         e.weight - coalesce(r.weight, 0), e.weight >= coalesce(r.weight, 0),
         nous.flow_arc(zo.p, zd.p, curvature)
    FROM e
    LEFT JOIN e AS r ON r.origin = e.destination AND r.destination = e.origin
    JOIN z AS zo ON zo.code = e.origin
    JOIN z AS zd ON zd.code = e.destination
   WHERE nous.flow_lines_check(m, ARRAY(SELECT z.code FROM z), on_missing, anchor)
   ORDER BY e.origin, e.destination;
END;
COMMENT ON FUNCTION nous.flow_lines(nous.flows, text[], geometry[], float8, text, text) IS
  'One line per flow of m between zones (zones[i] has geometry geoms[i]) from point on surface (or centroid) to point on surface, in the zones'' SRID, with weight, reverse flow, net and net_direction (true when weight >= reverse); curvature > 0 draws arcs; zones with flows but no geometry: error naming them (on_missing => ''notice'' skips them).';

CREATE FUNCTION nous.flow_renewal(groups text[], stayers float8[], inflow float8[], outflow float8[])
  RETURNS TABLE (grp text, ici float8, ice float8, icm float8, iri float8, ire float8, irm float8)
  LANGUAGE c IMMUTABLE PARALLEL SAFE ROWS 10
  AS 'MODULE_PATHNAME', 'nous_flow_renewal_sql';
COMMENT ON FUNCTION nous.flow_renewal(text[], float8[], float8[], float8[]) IS
  'Renewal of one territory''s population by group (Observatoire des territoires, migR): per group ICI = p_entr - p_auto, ICE = p_auto - p_sort, ICM = SM_c / PRES_c - SM_others / PRES_others; for the territory (on every row) IRI = sqrt(sum (p_auto - p_entr)^2), IRE = sqrt(sum (p_auto - p_sort)^2), IRM = sqrt(sum (SM_i / PRES_i)^2); NULL where a denominator is 0.';

CREATE FUNCTION nous.flow_renewal(groups text[], matrices nous.flows[])
  RETURNS TABLE (zone text, grp text, ici float8, ice float8, icm float8, iri float8, ire float8, irm float8)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH g AS (SELECT u.grp, u.m, u.i FROM unnest(groups, matrices) WITH ORDINALITY AS u(grp, m, i)),
       z AS (SELECT z.zone, g.i, z.stayers, z.inflow, z.outflow FROM g, nous.flow_zones(g.m) z),
       zones AS (SELECT DISTINCT z.zone FROM z),
       full_grid AS (SELECT zones.zone, g.grp, g.i, coalesce(z.stayers, 0) AS stayers,
                            coalesce(z.inflow, 0) AS inflow, coalesce(z.outflow, 0) AS outflow
                       FROM zones CROSS JOIN g LEFT JOIN z ON z.zone = zones.zone AND z.i = g.i),
       per_zone AS (SELECT f.zone, array_agg(f.grp ORDER BY f.i) AS grps, array_agg(f.stayers ORDER BY f.i) AS s,
                           array_agg(f.inflow ORDER BY f.i) AS e, array_agg(f.outflow ORDER BY f.i) AS o
                      FROM full_grid f GROUP BY f.zone)
  SELECT p.zone, r.grp, r.ici, r.ice, r.icm, r.iri, r.ire, r.irm
    FROM per_zone p, nous.flow_renewal(p.grps, p.s, p.e, p.o) r
   ORDER BY p.zone;
END;
COMMENT ON FUNCTION nous.flow_renewal(text[], nous.flows[]) IS
  'Renewal indices of every zone from one OD matrix per group of households (groups[i] has matrix matrices[i]): ICI, ICE, ICM per zone and group, IRI, IRE, IRM per zone; see nous.flow_renewal(text[], float8[], float8[], float8[]).';

CREATE FUNCTION nous.flow_dense(m nous.flows, max_zones integer DEFAULT 1000,
                                OUT zones text[], OUT weights float8[])
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_dense';
COMMENT ON FUNCTION nous.flow_dense(nous.flows, integer) IS
  'Small matrices as a dense n x n float8 array (rows = origins in the order of zones, stayers on the diagonal, 0 where no flow); an error above max_zones (default 1000, at most 4000).';

CREATE FUNCTION nous.flow_json(m nous.flows)
  RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT coalesce(jsonb_object_agg(s.origin, s.d), '{}'::jsonb)
    FROM (SELECT e.origin, jsonb_object_agg(e.destination, e.weight) AS d
            FROM nous.flow_edges(m) e GROUP BY e.origin) s;
END;
COMMENT ON FUNCTION nous.flow_json(nous.flows) IS
  'The matrix as a jsonb pivot {"origin": {"destination": weight, …}, …} for BI tools; stayers under origin = destination; zones without any outflow or stayer do not appear.';

-- ---- sql/60_classes.sql ----
-- classes: class breaks for choropleth maps (exact natural breaks, quantiles,
-- equal intervals, standard deviations, head/tails, pretty, box plot), the
-- class of a value and the goodness of variance fit.

INSERT INTO nous.method_families (family, arg_types, return_type, params, description)
VALUES ('classification', '{float8[],int4}', 'float8[]', true,
        'Class breaks: from the values (NULL elements ignored) and a number of classes k, the upper bound of each class, strictly increasing, the last one the maximum.');

CREATE FUNCTION nous.breaks_fisher("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pg_nous_breaks_fisher';
COMMENT ON FUNCTION nous.breaks_fisher(float8[], int4, jsonb) IS
  'Exact natural breaks (Fisher 1958 optimal partition minimising the within-class sum of squares, on every value); no parameters.';

CREATE FUNCTION nous.breaks_quantile("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pg_nous_breaks_quantile';
COMMENT ON FUNCTION nous.breaks_quantile(float8[], int4, jsonb) IS
  'Quantile breaks at c/k; params: type = 1..9 (Hyndman and Fan 1996, as R''s quantile(); default 7).';

CREATE FUNCTION nous.breaks_equal("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pg_nous_breaks_equal';
COMMENT ON FUNCTION nous.breaks_equal(float8[], int4, jsonb) IS
  'Equal intervals: min + c (max - min) / k; no parameters.';

CREATE FUNCTION nous.breaks_sd("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pg_nous_breaks_sd';
COMMENT ON FUNCTION nous.breaks_sd(float8[], int4, jsonb) IS
  'Standard-deviation classes centred on the mean: bounds mean + (c - k/2) width sd (sample sd); params: width (default 1).';

CREATE FUNCTION nous.breaks_headtails("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pg_nous_breaks_headtails';
COMMENT ON FUNCTION nous.breaks_headtails(float8[], int4, jsonb) IS
  'Head/tail breaks (Jiang 2013): successive means of the head while it holds at most thr of the values; at most k classes; params: thr (default 0.4).';

CREATE FUNCTION nous.breaks_pretty("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pg_nous_breaks_pretty';
COMMENT ON FUNCTION nous.breaks_pretty(float8[], int4, jsonb) IS
  'Round bounds: multiples of 1, 2, 2.5 or 5 times a power of ten, the finest step giving at most k classes; no parameters.';

CREATE FUNCTION nous.breaks_box("values" float8[], k int4, params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pg_nous_breaks_box';
COMMENT ON FUNCTION nous.breaks_box(float8[], int4, jsonb) IS
  'Box-plot classes: Q1 - hinge IQR, Q1, median, Q3, Q3 + hinge IQR, max (type 7 quartiles); k is ignored; params: hinge (default 1.5).';

INSERT INTO nous.method_catalog (family, name, function, builtin, description) VALUES
  ('classification', 'fisher',    'nous.breaks_fisher(float8[], int4, jsonb)',    true,
   'exact natural breaks (Fisher 1958), the "Jenks" of GIS tools, on every value'),
  ('classification', 'quantile',  'nous.breaks_quantile(float8[], int4, jsonb)',  true,
   'quantiles; type = 1..9 (default 7, as R)'),
  ('classification', 'equal',     'nous.breaks_equal(float8[], int4, jsonb)',     true,
   'equal intervals'),
  ('classification', 'sd',        'nous.breaks_sd(float8[], int4, jsonb)',        true,
   'standard-deviation classes centred on the mean; width (default 1)'),
  ('classification', 'headtails', 'nous.breaks_headtails(float8[], int4, jsonb)', true,
   'head/tail breaks; thr (default 0.4)'),
  ('classification', 'pretty',    'nous.breaks_pretty(float8[], int4, jsonb)',    true,
   'round bounds (1, 2, 2.5, 5 x 10^e)'),
  ('classification', 'box',       'nous.breaks_box(float8[], int4, jsonb)',       true,
   'box-plot classes; hinge (default 1.5)');

CREATE FUNCTION nous.breaks_transfn(internal, float8, int4, text)
  RETURNS internal LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_transfn';
COMMENT ON FUNCTION nous.breaks_transfn(internal, float8, int4, text) IS
  'Transition function of nous.breaks: collects the non-NULL values.';
CREATE FUNCTION nous.breaks_combine(internal, internal)
  RETURNS internal LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_combine';
COMMENT ON FUNCTION nous.breaks_combine(internal, internal) IS
  'Combine function of nous.breaks: concatenates two partial states.';
CREATE FUNCTION nous.breaks_serialize(internal)
  RETURNS bytea LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_serialize';
COMMENT ON FUNCTION nous.breaks_serialize(internal) IS
  'Serialise a nous.breaks state (version byte, k, method, values).';
CREATE FUNCTION nous.breaks_deserialize(bytea, internal)
  RETURNS internal LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_deserialize';
COMMENT ON FUNCTION nous.breaks_deserialize(bytea, internal) IS
  'Deserialise a nous.breaks state, checking its version, sizes and values.';
CREATE FUNCTION nous.breaks_finalfn(internal, float8, int4, text)
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_finalfn';
COMMENT ON FUNCTION nous.breaks_finalfn(internal, float8, int4, text) IS
  'Final function of nous.breaks: sorts the values and calls the classification method.';

CREATE AGGREGATE nous.breaks(value float8, k int4, method text) (
  SFUNC = nous.breaks_transfn,
  STYPE = internal,
  COMBINEFUNC = nous.breaks_combine,
  SERIALFUNC = nous.breaks_serialize,
  DESERIALFUNC = nous.breaks_deserialize,
  FINALFUNC = nous.breaks_finalfn,
  FINALFUNC_EXTRA,
  FINALFUNC_MODIFY = READ_ONLY,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.breaks(float8, int4, text) IS
  'Class breaks of the non-NULL values: the upper bound of each class, strictly increasing, the last one the maximum; method = a registered classification method (fisher, quantile, equal, sd, headtails, pretty, box, or a user one), e.g. ''quantile(type=6)''.';

-- the default method: a separate two-argument aggregate (aggregates cannot
-- have DEFAULT arguments shared with their three-argument form)
CREATE FUNCTION nous.breaks_transfn(internal, float8, int4)
  RETURNS internal LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_transfn_fisher';
COMMENT ON FUNCTION nous.breaks_transfn(internal, float8, int4) IS
  'Transition function of nous.breaks(value, k): collects the values, method fisher.';
CREATE FUNCTION nous.breaks_finalfn(internal, float8, int4)
  RETURNS float8[] LANGUAGE c STABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_breaks_finalfn';
COMMENT ON FUNCTION nous.breaks_finalfn(internal, float8, int4) IS
  'Final function of nous.breaks(value, k).';

CREATE AGGREGATE nous.breaks(value float8, k int4) (
  SFUNC = nous.breaks_transfn,
  STYPE = internal,
  COMBINEFUNC = nous.breaks_combine,
  SERIALFUNC = nous.breaks_serialize,
  DESERIALFUNC = nous.breaks_deserialize,
  FINALFUNC = nous.breaks_finalfn,
  FINALFUNC_EXTRA,
  FINALFUNC_MODIFY = READ_ONLY,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.breaks(float8, int4) IS
  'Exact natural breaks (method fisher) of the non-NULL values: the upper bound of each class, the last one the maximum.';

CREATE FUNCTION nous.class_of(value float8, breaks float8[])
  RETURNS int4 LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'pg_nous_class_of';
COMMENT ON FUNCTION nous.class_of(float8, float8[]) IS
  '1-based class of a value for increasing upper bounds: the first class whose bound is >= value (a value equal to a bound is in that class); the first class is open below, the last open above.';

CREATE FUNCTION nous.gvf_transfn(float8[], float8, float8[])
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_gvf_transfn';
COMMENT ON FUNCTION nous.gvf_transfn(float8[], float8, float8[]) IS
  'Transition function of nous.gvf: per-class count, mean and sum of squares.';
CREATE FUNCTION nous.gvf_combine(float8[], float8[])
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_gvf_combine';
COMMENT ON FUNCTION nous.gvf_combine(float8[], float8[]) IS
  'Combine function of nous.gvf (Chan et al. 1979 merge of moments).';
CREATE FUNCTION nous.gvf_finalfn(float8[])
  RETURNS float8 LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_gvf_finalfn';
COMMENT ON FUNCTION nous.gvf_finalfn(float8[]) IS
  'Final function of nous.gvf: 1 - SDCM / SDAM.';

CREATE AGGREGATE nous.gvf(value float8, breaks float8[]) (
  SFUNC = nous.gvf_transfn,
  STYPE = float8[],
  COMBINEFUNC = nous.gvf_combine,
  FINALFUNC = nous.gvf_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.gvf(float8, float8[]) IS
  'Goodness of variance fit of a classification (Jenks 1977): 1 - SDCM / SDAM, values classed with nous.class_of; NULL when every value is equal or none is given.';

-- ---- sql/65_spatial.sql ----
-- spatial: the weights type (a compact sparse graph of areas), contiguity
-- from polygons, and spatial autocorrelation (Moran, Geary, Getis-Ord,
-- local Moran).

CREATE TYPE nous.weights;

CREATE FUNCTION nous.weights_in(cstring) RETURNS nous.weights
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_in';
COMMENT ON FUNCTION nous.weights_in(cstring) IS
  'Text input of nous.weights: {id:[neighbour ids],...}; checks ids, self-links and that every neighbour is an area.';
CREATE FUNCTION nous.weights_out(nous.weights) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_out';
COMMENT ON FUNCTION nous.weights_out(nous.weights) IS
  'Text output of nous.weights: {id:[neighbour ids],...} in increasing id order.';
CREATE FUNCTION nous.weights_recv(internal) RETURNS nous.weights
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_recv';
COMMENT ON FUNCTION nous.weights_recv(internal) IS
  'Binary input of nous.weights, checking version, sizes and every index.';
CREATE FUNCTION nous.weights_send(nous.weights) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_send';
COMMENT ON FUNCTION nous.weights_send(nous.weights) IS
  'Binary output of nous.weights.';

CREATE TYPE nous.weights (
  INPUT = nous.weights_in,
  OUTPUT = nous.weights_out,
  RECEIVE = nous.weights_recv,
  SEND = nous.weights_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);
COMMENT ON TYPE nous.weights IS
  'Spatial weights: the areas (bigint ids) and their directed neighbour links, stored as a compact sparse graph (CSR); binary weights, the style (B, W, C) is chosen where they are used.';

CREATE FUNCTION nous.link_count(w nous.weights) RETURNS bigint
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_link_count';
COMMENT ON FUNCTION nous.link_count(nous.weights) IS
  'Number of directed links (a symmetric pair counts twice).';
CREATE FUNCTION nous.area_count(w nous.weights) RETURNS integer
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_count';
COMMENT ON FUNCTION nous.area_count(nous.weights) IS
  'Number of areas of the weights, islands included.';
CREATE FUNCTION nous.islands(w nous.weights) RETURNS bigint[]
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_islands';
COMMENT ON FUNCTION nous.islands(nous.weights) IS
  'Ids of the areas without any neighbour, in increasing order.';
CREATE FUNCTION nous.neighbours(w nous.weights, OUT from_id bigint, OUT to_id bigint)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_neighbours';
COMMENT ON FUNCTION nous.neighbours(nous.weights) IS
  'The directed links of the weights as rows (from_id, to_id), e.g. to export a GAL file or draw them.';

CREATE FUNCTION nous.neighbours(w nous.weights, style text, OUT from_id bigint, OUT to_id bigint, OUT weight float8)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_neighbours_styled';
COMMENT ON FUNCTION nous.neighbours(nous.weights, text) IS
  'The directed links of the weights with their weight in a style: B (1), W (1 / number of neighbours of from_id), C (number of areas / number of links); e.g. to write a GWT file.';
CREATE FUNCTION nous.components(w nous.weights, OUT id bigint, OUT component bigint, OUT size integer)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_components';
COMMENT ON FUNCTION nous.components(nous.weights) IS
  'Connected components of the weights (links taken as undirected): each area with its component, named by the smallest id in it, and the number of areas of the component; e.g. contiguous squares grouped into candidate quartiers.';

-- from an edge list
CREATE FUNCTION nous.weights_transfn(internal, bigint, bigint) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_transfn';
COMMENT ON FUNCTION nous.weights_transfn(internal, bigint, bigint) IS
  'Transition function of nous.weights(from_id, to_id).';
CREATE FUNCTION nous.weights_combine(internal, internal) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_combine';
COMMENT ON FUNCTION nous.weights_combine(internal, internal) IS
  'Combine function of nous.weights(from_id, to_id).';
CREATE FUNCTION nous.weights_serialize(internal) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_serialize';
COMMENT ON FUNCTION nous.weights_serialize(internal) IS
  'Serialise the state of nous.weights(from_id, to_id).';
CREATE FUNCTION nous.weights_deserialize(bytea, internal) RETURNS internal
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_deserialize';
COMMENT ON FUNCTION nous.weights_deserialize(bytea, internal) IS
  'Deserialise the state of nous.weights(from_id, to_id), checking version and sizes.';
CREATE FUNCTION nous.weights_finalfn(internal) RETURNS nous.weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_finalfn';
COMMENT ON FUNCTION nous.weights_finalfn(internal) IS
  'Final function of nous.weights(from_id, to_id): builds the sparse graph.';

CREATE AGGREGATE nous.weights(from_id bigint, to_id bigint) (
  SFUNC = nous.weights_transfn,
  STYPE = internal,
  COMBINEFUNC = nous.weights_combine,
  SERIALFUNC = nous.weights_serialize,
  DESERIALFUNC = nous.weights_deserialize,
  FINALFUNC = nous.weights_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.weights(bigint, bigint) IS
  'Binary weights from an edge list, one row per directed link from_id -> to_id (duplicates merged; a row with to_id NULL declares an area, possibly an island; rows with both NULL are ignored).';

-- contiguity from polygons
CREATE FUNCTION nous.contiguity_transfn(internal, bigint, geometry, text) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_transfn';
COMMENT ON FUNCTION nous.contiguity_transfn(internal, bigint, geometry, text) IS
  'Transition function of nous.contiguity: collects ids and polygons.';
CREATE FUNCTION nous.contiguity_transfn(internal, bigint, geometry) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_transfn_queen';
COMMENT ON FUNCTION nous.contiguity_transfn(internal, bigint, geometry) IS
  'Transition function of nous.contiguity(id, geom): queen contiguity.';
CREATE FUNCTION nous.contiguity_combine(internal, internal) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_combine';
COMMENT ON FUNCTION nous.contiguity_combine(internal, internal) IS
  'Combine function of nous.contiguity.';
CREATE FUNCTION nous.contiguity_serialize(internal) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_serialize';
COMMENT ON FUNCTION nous.contiguity_serialize(internal) IS
  'Serialise the state of nous.contiguity.';
CREATE FUNCTION nous.contiguity_deserialize(bytea, internal) RETURNS internal
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_deserialize';
COMMENT ON FUNCTION nous.contiguity_deserialize(bytea, internal) IS
  'Deserialise the state of nous.contiguity, checking version and lengths.';
CREATE FUNCTION nous.contiguity_finalfn(internal) RETURNS nous.weights
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_finalfn';
COMMENT ON FUNCTION nous.contiguity_finalfn(internal) IS
  'Final function of nous.contiguity: bounding-box sweep, then the PostGIS predicate on the candidate pairs.';

CREATE AGGREGATE nous.contiguity(id bigint, geom geometry, kind text) (
  SFUNC = nous.contiguity_transfn,
  STYPE = internal,
  COMBINEFUNC = nous.contiguity_combine,
  SERIALFUNC = nous.contiguity_serialize,
  DESERIALFUNC = nous.contiguity_deserialize,
  FINALFUNC = nous.contiguity_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.contiguity(bigint, geometry, text) IS
  'Contiguity weights of polygons: kind = queen (at least one shared boundary point, ST_Intersects) or rook (a shared boundary segment of positive length, ST_Relate ****1****); every polygon is an area, islands included.';
CREATE AGGREGATE nous.contiguity(id bigint, geom geometry) (
  SFUNC = nous.contiguity_transfn,
  STYPE = internal,
  COMBINEFUNC = nous.contiguity_combine,
  SERIALFUNC = nous.contiguity_serialize,
  DESERIALFUNC = nous.contiguity_deserialize,
  FINALFUNC = nous.contiguity_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.contiguity(bigint, geometry) IS
  'Queen contiguity weights of polygons (at least one shared boundary point).';

-- neighbourhoods of points
CREATE FUNCTION nous.knn_transfn(internal, bigint, geometry, integer) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_knn_transfn';
COMMENT ON FUNCTION nous.knn_transfn(internal, bigint, geometry, integer) IS
  'Transition function of nous.knn: collects ids and points.';
CREATE FUNCTION nous.distance_band_transfn(internal, bigint, geometry, float8) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_band_transfn';
COMMENT ON FUNCTION nous.distance_band_transfn(internal, bigint, geometry, float8) IS
  'Transition function of nous.distance_band: collects ids and points.';
CREATE FUNCTION nous.points_finalfn(internal) RETURNS nous.weights
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_points_finalfn';
COMMENT ON FUNCTION nous.points_finalfn(internal) IS
  'Final function of nous.knn and nous.distance_band.';
CREATE AGGREGATE nous.knn(id bigint, geom geometry, k integer) (
  SFUNC = nous.knn_transfn, STYPE = internal,
  COMBINEFUNC = nous.contiguity_combine,
  SERIALFUNC = nous.contiguity_serialize, DESERIALFUNC = nous.contiguity_deserialize,
  FINALFUNC = nous.points_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.knn(bigint, geometry, integer) IS
  'k-nearest-neighbour weights of points in a metric CRS: each point linked to the k other points nearest to it (Euclidean; ties broken by smaller id); not symmetric in general.';
CREATE AGGREGATE nous.distance_band(id bigint, geom geometry, distance float8) (
  SFUNC = nous.distance_band_transfn, STYPE = internal,
  COMBINEFUNC = nous.contiguity_combine,
  SERIALFUNC = nous.contiguity_serialize, DESERIALFUNC = nous.contiguity_deserialize,
  FINALFUNC = nous.points_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.distance_band(bigint, geometry, float8) IS
  'Distance-band weights of points in a metric CRS: two points are neighbours when at most distance apart (Euclidean, coincident points included); symmetric; points with no neighbour are islands.';

-- spatial autocorrelation
CREATE TYPE nous.moran_result AS (
  i float8, expected float8, variance_normal float8, variance_random float8,
  z_normal float8, z_random float8, p_normal float8, p_random float8,
  p_permutation float8, permutations integer, n integer, links bigint,
  islands integer, style text, s0 float8);
COMMENT ON TYPE nous.moran_result IS
  'Global Moran''s I with its expectation, variances and z-scores under normality and randomisation, two-sided normal p-values, the folded permutation pseudo p-value, and the sizes used.';
CREATE TYPE nous.geary_result AS (
  c float8, expected float8, variance_normal float8, variance_random float8,
  z_normal float8, z_random float8, p_normal float8, p_random float8,
  p_permutation float8, permutations integer, n integer, links bigint,
  islands integer, style text, s0 float8);
COMMENT ON TYPE nous.geary_result IS
  'Geary''s C with its expectation (1), variances and z-scores under normality and randomisation, p-values and permutation pseudo p-value.';
CREATE TYPE nous.getis_ord_result AS (
  g float8, expected float8, variance_normal float8, variance_random float8,
  z_normal float8, z_random float8, p_normal float8, p_random float8,
  p_permutation float8, permutations integer, n integer, links bigint,
  islands integer, style text, s0 float8);
COMMENT ON TYPE nous.getis_ord_result IS
  'Getis-Ord general G with its expectation and variance under randomisation (no normality variance: NULL), p-values and permutation pseudo p-value.';
CREATE TYPE nous.local_moran_result AS (
  id bigint, ii float8, expected float8, variance float8, z float8,
  p_normal float8, p_permutation float8, p_fdr float8, lag float8,
  quadrant text, cluster text);
COMMENT ON TYPE nous.local_moran_result IS
  'Local Moran of one area: Ii, conditional-randomisation expectation and variance, z, two-sided normal p, conditional-permutation pseudo p, Benjamini-Hochberg adjusted p, spatial lag of the centred value, quadrant and significant cluster.';

CREATE FUNCTION nous.autocorrelation_transfn(internal, nous.weights, bigint, float8) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_transfn';
COMMENT ON FUNCTION nous.autocorrelation_transfn(internal, nous.weights, bigint, float8) IS
  'Transition function of the autocorrelation aggregates: collects ids and values.';
CREATE FUNCTION nous.autocorrelation_transfn(internal, nous.weights, bigint, float8, text) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_transfn_opts';
COMMENT ON FUNCTION nous.autocorrelation_transfn(internal, nous.weights, bigint, float8, text) IS
  'Transition function of the autocorrelation aggregates with options.';
CREATE FUNCTION nous.autocorrelation_combine(internal, internal) RETURNS internal
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_combine';
COMMENT ON FUNCTION nous.autocorrelation_combine(internal, internal) IS
  'Combine function of the autocorrelation aggregates.';
CREATE FUNCTION nous.autocorrelation_serialize(internal) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_serialize';
COMMENT ON FUNCTION nous.autocorrelation_serialize(internal) IS
  'Serialise the state of the autocorrelation aggregates.';
CREATE FUNCTION nous.autocorrelation_deserialize(bytea, internal) RETURNS internal
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_deserialize';
COMMENT ON FUNCTION nous.autocorrelation_deserialize(bytea, internal) IS
  'Deserialise the state of the autocorrelation aggregates, checking version, sizes and the weights.';

CREATE FUNCTION nous.moran_finalfn(internal, nous.weights, bigint, float8) RETURNS nous.moran_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_moran_finalfn';
COMMENT ON FUNCTION nous.moran_finalfn(internal, nous.weights, bigint, float8) IS 'Final function of nous.moran.';
CREATE FUNCTION nous.moran_finalfn(internal, nous.weights, bigint, float8, text) RETURNS nous.moran_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_moran_finalfn';
COMMENT ON FUNCTION nous.moran_finalfn(internal, nous.weights, bigint, float8, text) IS 'Final function of nous.moran with options.';
CREATE FUNCTION nous.geary_finalfn(internal, nous.weights, bigint, float8) RETURNS nous.geary_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geary_finalfn';
COMMENT ON FUNCTION nous.geary_finalfn(internal, nous.weights, bigint, float8) IS 'Final function of nous.geary.';
CREATE FUNCTION nous.geary_finalfn(internal, nous.weights, bigint, float8, text) RETURNS nous.geary_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geary_finalfn';
COMMENT ON FUNCTION nous.geary_finalfn(internal, nous.weights, bigint, float8, text) IS 'Final function of nous.geary with options.';
CREATE FUNCTION nous.getis_ord_finalfn(internal, nous.weights, bigint, float8) RETURNS nous.getis_ord_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_getis_ord_finalfn';
COMMENT ON FUNCTION nous.getis_ord_finalfn(internal, nous.weights, bigint, float8) IS 'Final function of nous.getis_ord.';
CREATE FUNCTION nous.getis_ord_finalfn(internal, nous.weights, bigint, float8, text) RETURNS nous.getis_ord_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_getis_ord_finalfn';
COMMENT ON FUNCTION nous.getis_ord_finalfn(internal, nous.weights, bigint, float8, text) IS 'Final function of nous.getis_ord with options.';
CREATE FUNCTION nous.local_moran_finalfn(internal, nous.weights, bigint, float8) RETURNS nous.local_moran_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_moran_finalfn';
COMMENT ON FUNCTION nous.local_moran_finalfn(internal, nous.weights, bigint, float8) IS 'Final function of nous.local_moran.';
CREATE FUNCTION nous.local_moran_finalfn(internal, nous.weights, bigint, float8, text) RETURNS nous.local_moran_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_moran_finalfn';
COMMENT ON FUNCTION nous.local_moran_finalfn(internal, nous.weights, bigint, float8, text) IS 'Final function of nous.local_moran with options.';

CREATE AGGREGATE nous.moran(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.moran_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.moran(nous.weights, bigint, float8) IS
  'Global Moran''s I of the values of the areas of w, row-standardised weights (W), 999 permutations with seed 12345.';
CREATE AGGREGATE nous.moran(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.moran_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.moran(nous.weights, bigint, float8, text) IS
  'Global Moran''s I; options: style = W|B|C, permutations (999), seed (12345), islands = error|keep, missing = error|drop.';
CREATE AGGREGATE nous.geary(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.geary_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.geary(nous.weights, bigint, float8) IS
  'Geary''s C of the values of the areas of w, row-standardised weights (W).';
CREATE AGGREGATE nous.geary(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.geary_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.geary(nous.weights, bigint, float8, text) IS
  'Geary''s C; options as for nous.moran.';
CREATE AGGREGATE nous.getis_ord(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.getis_ord_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.getis_ord(nous.weights, bigint, float8) IS
  'Getis-Ord general G of non-negative values; row-standardised weights by default (use style=B for the usual binary G).';
CREATE AGGREGATE nous.getis_ord(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.getis_ord_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.getis_ord(nous.weights, bigint, float8, text) IS
  'Getis-Ord general G; options as for nous.moran.';
CREATE AGGREGATE nous.local_moran(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.local_moran_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_moran(nous.weights, bigint, float8) IS
  'Local Moran (LISA) of every area, as an array of nous.local_moran_result in id order (unnest it); W style, 999 conditional permutations, seed 12345, clusters at alpha 0.05.';
CREATE AGGREGATE nous.local_moran(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.local_moran_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_moran(nous.weights, bigint, float8, text) IS
  'Local Moran (LISA); options as for nous.moran plus alpha (0.05) for the cluster column.';

CREATE TYPE nous.local_g_result AS (
  id bigint, g float8, expected float8, variance float8, z float8,
  p_normal float8, p_permutation float8, p_fdr float8, cluster text);
COMMENT ON TYPE nous.local_g_result IS
  'Local Getis-Ord Gi or Gi* of one area: the statistic, its expectation and variance under randomisation, z (Ord and Getis 1995), two-sided normal p, conditional-permutation pseudo p, Benjamini-Hochberg adjusted p, and the hot (High) or cold (Low) spot at alpha.';
CREATE FUNCTION nous.local_g_finalfn(internal, nous.weights, bigint, float8) RETURNS nous.local_g_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_g_finalfn';
COMMENT ON FUNCTION nous.local_g_finalfn(internal, nous.weights, bigint, float8) IS 'Final function of nous.local_g.';
CREATE FUNCTION nous.local_g_finalfn(internal, nous.weights, bigint, float8, text) RETURNS nous.local_g_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_g_finalfn';
COMMENT ON FUNCTION nous.local_g_finalfn(internal, nous.weights, bigint, float8, text) IS 'Final function of nous.local_g with options.';
CREATE FUNCTION nous.local_gstar_finalfn(internal, nous.weights, bigint, float8) RETURNS nous.local_g_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_gstar_finalfn';
COMMENT ON FUNCTION nous.local_gstar_finalfn(internal, nous.weights, bigint, float8) IS 'Final function of nous.local_gstar.';
CREATE FUNCTION nous.local_gstar_finalfn(internal, nous.weights, bigint, float8, text) RETURNS nous.local_g_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_gstar_finalfn';
COMMENT ON FUNCTION nous.local_gstar_finalfn(internal, nous.weights, bigint, float8, text) IS 'Final function of nous.local_gstar with options.';
CREATE AGGREGATE nous.local_g(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.local_g_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_g(nous.weights, bigint, float8) IS
  'Local Getis-Ord Gi (the area itself left out) of every area, as an array of nous.local_g_result in id order; W style, 999 conditional permutations, seed 12345.';
CREATE AGGREGATE nous.local_g(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.local_g_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_g(nous.weights, bigint, float8, text) IS
  'Local Getis-Ord Gi; options as for nous.local_moran.';
CREATE AGGREGATE nous.local_gstar(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.local_gstar_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_gstar(nous.weights, bigint, float8) IS
  'Local Getis-Ord Gi* (the area counted as its own neighbour, before the style) of every area, as an array of nous.local_g_result in id order; W style, 999 conditional permutations, seed 12345.';
CREATE AGGREGATE nous.local_gstar(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_transfn, STYPE = internal,
  COMBINEFUNC = nous.autocorrelation_combine,
  SERIALFUNC = nous.autocorrelation_serialize, DESERIALFUNC = nous.autocorrelation_deserialize,
  FINALFUNC = nous.local_gstar_finalfn, FINALFUNC_EXTRA, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_gstar(nous.weights, bigint, float8, text) IS
  'Local Getis-Ord Gi*; options as for nous.local_moran.';

-- areal interpolation
CREATE FUNCTION nous.areal_interpolation(source_ids bigint[], source_geoms geometry[], source_values float8[],
                                         target_ids bigint[], target_geoms geometry[], kind text DEFAULT 'extensive',
                                         OUT target_id bigint, OUT estimate float8, OUT covered_area float8, OUT sources integer)
  RETURNS SETOF record
  LANGUAGE c STABLE PARALLEL SAFE ROWS 100 AS 'MODULE_PATHNAME', 'nous_areal_interpolation';
COMMENT ON FUNCTION nous.areal_interpolation(bigint[], geometry[], float8[], bigint[], geometry[], text) IS
  'Areal weighting from source polygons (e.g. 200 m squares) to target polygons (quartiers, QPV): extensive (counts) sum v_s |s n t| / |s|, totals preserved where the targets cover the sources; intensive (rates) the area-weighted mean over the covered part of each target. One row per target, in input order; NULL estimate when no source with a value overlaps it.';

-- ---- sql/70_names.sql ----
-- place names: ICU keys, similarity, matching of two name lists, a French collation.

CREATE COLLATION nous.fr (provider = icu, locale = 'fr-FR');
COMMENT ON COLLATION nous.fr IS
  'French ICU collation for ordering place names: accents are secondary differences (Eaubonne < Élancourt < Ézanville); use ORDER BY name COLLATE nous.fr.';

CREATE FUNCTION nous.name_key(name text)
  RETURNS text LANGUAGE c STABLE PARALLEL SAFE STRICT
  AS 'MODULE_PATHNAME', 'nous_name_key';
COMMENT ON FUNCTION nous.name_key(text) IS
  'Join key of a place name: ICU "Any-Latin; NFD; [:Nonspacing Mark:] Remove; NFC; Latin-ASCII; Lower", words = runs of [a-z0-9], St -> saint, Ste -> sainte, a leading article le/la/les/l dropped, one space between words. STABLE, not IMMUTABLE: the result depends on the ICU version. Needs a UTF8 database.';

CREATE FUNCTION nous.name_key_similarity(a_key text, b_key text)
  RETURNS float8 LANGUAGE c IMMUTABLE PARALLEL SAFE STRICT
  AS 'MODULE_PATHNAME', 'nous_name_key_similarity';
COMMENT ON FUNCTION nous.name_key_similarity(text, text) IS
  'Similarity in [0,1] of two keys from nous.name_key: max of 1 - lev(a,b)/max(|a|,|b|) on the keys and on their words sorted (Levenshtein distance in bytes; token sort ratio); 1 for two empty keys.';

CREATE FUNCTION nous.name_similarity(a text, b text)
  RETURNS float8 LANGUAGE c STABLE PARALLEL SAFE STRICT
  AS 'MODULE_PATHNAME', 'nous_name_similarity';
COMMENT ON FUNCTION nous.name_similarity(text, text) IS
  'nous.name_key_similarity(nous.name_key(a), nous.name_key(b)): 1 when the keys are equal.';

CREATE FUNCTION nous.name_match(a_codes text[], a_names text[], b_codes text[], b_names text[],
                                threshold float8 DEFAULT 0.85)
  RETURNS TABLE (a_code text, b_code text, a_name text, b_name text, score float8, uncertain boolean)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF a_codes IS NULL OR a_names IS NULL OR b_codes IS NULL OR b_names IS NULL THEN
    RAISE EXCEPTION 'name lists must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass empty arrays for an empty list.';
  END IF;
  IF pg_catalog.cardinality(a_codes) <> pg_catalog.cardinality(a_names)
     OR pg_catalog.cardinality(b_codes) <> pg_catalog.cardinality(b_names) THEN
    RAISE EXCEPTION 'codes and names must have the same length'
      USING ERRCODE = 'array_subscript_error',
            DETAIL = pg_catalog.format('a has %s codes and %s names; b has %s codes and %s names.',
                                       pg_catalog.cardinality(a_codes), pg_catalog.cardinality(a_names),
                                       pg_catalog.cardinality(b_codes), pg_catalog.cardinality(b_names));
  END IF;
  IF threshold IS NULL OR threshold = 'NaN'::float8 OR threshold < 0 OR threshold > 1 THEN
    RAISE EXCEPTION 'threshold must be between 0 and 1'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('The threshold is %s.', threshold);
  END IF;
  RETURN QUERY
  WITH a AS MATERIALIZED (
    SELECT t.i, t.code, t.name, nous.name_key(t.name) AS k
      FROM unnest(a_codes, a_names) WITH ORDINALITY AS t(code, name, i)),
  b AS MATERIALIZED (
    SELECT t.j, t.code, t.name, nous.name_key(t.name) AS k
      FROM unnest(b_codes, b_names) WITH ORDINALITY AS t(code, name, j)
     WHERE t.name IS NOT NULL),
  s AS (
    SELECT a.i, a.code AS ac, a.name AS an, b.code AS bc, b.name AS bn,
           (a.k = b.k) AS exact,
           CASE WHEN a.k = b.k THEN 1.0::float8 ELSE nous.name_key_similarity(a.k, b.k) END AS sc,
           b.j
      FROM a LEFT JOIN b ON a.k IS NOT NULL),
  r AS (
    SELECT s.*,
           pg_catalog.row_number() OVER w AS rn,
           pg_catalog.lead(s.sc) OVER w AS second
      FROM s
    WINDOW w AS (PARTITION BY s.i ORDER BY s.exact DESC NULLS LAST, s.sc DESC NULLS LAST, s.j))
  SELECT r.ac, r.bc, r.an, r.bn, r.sc,
         (r.sc IS NULL OR r.sc < threshold OR r.second >= r.sc - 0.05 - 1e-12) IS NOT FALSE
    FROM r
   WHERE r.rn = 1
   ORDER BY r.i;
END
$$;
COMMENT ON FUNCTION nous.name_match(text[], text[], text[], text[], float8) IS
  'Pair each (code, name) of list a with its best match in list b: equal keys first, then the highest nous.name_similarity (ties: first in b). uncertain when the best score is below threshold (default 0.85), when the second best is within 0.05 of it (two equal keys included), or when a has no candidate (NULL name, empty b). One row per element of a, in a''s order.';

-- ---- sql/80_secrecy.sql ----
-- statistical secrecy: primary suppression (threshold, dominance), secondary
-- suppression in hierarchies and two-dimensional tables, rounding to a base.

CREATE FUNCTION nous.secrecy_primary("count" bigint, threshold int DEFAULT 11,
                                     hide_zero boolean DEFAULT false)
  RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_secrecy_primary';
COMMENT ON FUNCTION nous.secrecy_primary(bigint, int, boolean) IS
  'Threshold rule: true (hide) when 0 < count < threshold (default 11, INSEE''s rule for tax-based household data); 0 is published unless hide_zero.';

CREATE FUNCTION nous.secrecy_dominance(contributions float8[], top int DEFAULT 1,
                                       share float8 DEFAULT 0.85)
  RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_secrecy_dominance';
COMMENT ON FUNCTION nous.secrecy_dominance(float8[], int, float8) IS
  'Dominance rule (n, k): true (hide) when the top n contributions of a cell exceed share k (default 0.85) of its total; NULL elements ignored.';

CREATE FUNCTION nous.secrecy_suppress(ids text[], parents text[], counts float8[],
                                      "primary" boolean[], dominance boolean[] DEFAULT NULL)
  RETURNS TABLE(id text, value float8, status text)
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_secrecy_suppress';
COMMENT ON FUNCTION nous.secrecy_suppress(text[], text[], float8[], boolean[], boolean[]) IS
  'Secondary suppression in an additive hierarchy (parent NULL = root): no parent-and-children line keeps exactly one hidden element; status published | primary | dominance | secondary, value NULL unless published.';

CREATE FUNCTION nous.secrecy_suppress_2d("rows" text[], cols text[], counts float8[],
                                         "primary" boolean[], dominance boolean[] DEFAULT NULL)
  RETURNS TABLE("row" text, col text, value float8, status text)
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_secrecy_suppress_2d';
COMMENT ON FUNCTION nous.secrecy_suppress_2d(text[], text[], float8[], boolean[], boolean[]) IS
  'Secondary suppression in a two-dimensional table with row, column and grand totals (returned with col, row or both NULL): no row or column keeps exactly one hidden element and no hidden value is determined; status published | primary | dominance | secondary.';

CREATE FUNCTION nous.round_to_base(x float8, base int)
  RETURNS float8 LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_round_to_base';
COMMENT ON FUNCTION nous.round_to_base(float8, int) IS
  'Nearest multiple of base (5 or 10 for counts), halves away from zero; conventional rounding, totals are not kept additive.';

-- ---- sql/82_territory.sql ----
-- territories, indicator catalogue, observations in long form, code checks, rates up the hierarchy.

-- ---- code checks (C: src/core/territory.c)
CREATE FUNCTION nous.code_valid(level text, code text)
  RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_code_valid';
COMMENT ON FUNCTION nous.code_valid(text, text) IS
  'true when code is a well-formed code of level (square200 CRS3035RES200mN{y}E{x} with multiples of 200, ilot = commune + 1-10 [0-9A-Z], iris = commune + 4 digits, qpv QP+6 (2015) or QN+5+letter (2024), commune 5 characters with 2A/2B, epci SIREN 9 digits with Luhn key, departement, region 2 digits, france FR); an unknown level raises 22023.';

CREATE FUNCTION nous.code_problem(level text, code text)
  RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_code_problem';
COMMENT ON FUNCTION nous.code_problem(text, text) IS
  'NULL when code is a well-formed code of level, else the reason in one English sentence (for load reports).';

CREATE FUNCTION nous.check_code(level text, code text)
  RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_check_code';
COMMENT ON FUNCTION nous.check_code(text, text) IS
  'Returns code when it is a well-formed code of level, else raises 22023 (invalid_parameter_value) with the reason in the DETAIL.';

-- ---- levels
CREATE TABLE nous.territory_levels (
  level        text PRIMARY KEY,
  rank         integer NOT NULL UNIQUE,
  label_fr     text NOT NULL,
  code_pattern text NOT NULL
);
COMMENT ON TABLE nous.territory_levels IS
  'Territory levels from the finest (rank 10) to the widest (rank 90); a link goes from a territory to a parent of a strictly higher rank. Fixed by the extension.';
COMMENT ON COLUMN nous.territory_levels.level IS 'Level name used in nous.territories.level.';
COMMENT ON COLUMN nous.territory_levels.rank IS 'Order of the level: larger is wider.';
COMMENT ON COLUMN nous.territory_levels.label_fr IS 'French name of the level.';
COMMENT ON COLUMN nous.territory_levels.code_pattern IS 'Shape of a code of this level (checked by nous.code_valid, which is stricter).';
INSERT INTO nous.territory_levels VALUES
  ('square200',   10, 'carreau de 200 m',       'CRS3035RES200mN{y}E{x}, y and x multiples of 200'),
  ('ilot',        20, 'îlot (IRIS regroupé)',  'commune code + 1 to 10 [0-9A-Z]'),
  ('iris',        30, 'IRIS',                   'commune code + 4 digits'),
  ('qpv',         40, 'quartier prioritaire',   'QP + 3-character département + 3 digits (2015); QN + 3-character département + 2 digits + letter (2024)'),
  ('commune',     50, 'commune',                '5 characters: département (01-95, 2A, 2B, 97x) + number'),
  ('epci',        60, 'EPCI',                   'SIREN: 9 digits with a Luhn check digit'),
  ('departement', 70, 'département',            '01-95 (not 20), 2A, 2B, 971-976'),
  ('region',      80, 'région',                 '2 digits'),
  ('france',      90, 'France',                 'FR');
GRANT SELECT ON nous.territory_levels TO PUBLIC;

-- ---- territories
CREATE TABLE nous.territories (
  territory_id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  level        text NOT NULL REFERENCES nous.territory_levels (level),
  code         text NOT NULL,
  label        text,
  vintage      integer NOT NULL CHECK (vintage BETWEEN 1800 AND 2200),
  geom         geometry(MultiPolygon, 2154),
  source       text,
  load_id      bigint,
  UNIQUE (level, code, vintage)
);
COMMENT ON TABLE nous.territories IS
  'One row per territory and geography vintage: level, code (checked by nous.check_code on insert and update), label, polygon in Lambert-93 (NULL when only the code is known; points are not stored here).';
COMMENT ON COLUMN nous.territories.territory_id IS 'Integer key (for QGIS and joins).';
COMMENT ON COLUMN nous.territories.level IS 'Level (nous.territory_levels).';
COMMENT ON COLUMN nous.territories.code IS 'Official code (INSEE, SIREN, ANCT or grid identifier), as text.';
COMMENT ON COLUMN nous.territories.label IS 'Name of the territory.';
COMMENT ON COLUMN nous.territories.vintage IS 'Year of the geography (COG year, QPV list 2015 or 2024 ...).';
COMMENT ON COLUMN nous.territories.geom IS 'Perimeter, MultiPolygon in EPSG:2154 (Lambert-93), valid; NULL when unknown.';
COMMENT ON COLUMN nous.territories.source IS 'Where the row comes from (file name or producer).';
COMMENT ON COLUMN nous.territories.load_id IS 'The load that wrote the row (nous.load_log), NULL for rows inserted by hand.';
CREATE INDEX territories_geom_idx ON nous.territories USING gist (geom);
CREATE INDEX territories_code_idx ON nous.territories (code);

CREATE FUNCTION nous.territories_check()
  RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
BEGIN
  PERFORM nous.check_code(NEW.level, NEW.code);
  IF NEW.geom IS NOT NULL AND NOT (public.ST_IsValidDetail(NEW.geom)).valid THEN
    RAISE EXCEPTION 'invalid geometry for % %', NEW.level, NEW.code
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = (public.ST_IsValidDetail(NEW.geom)).reason || '.',
            HINT = 'Repair it with ST_MakeValid, or load it with nous.load_territories, which does.';
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION nous.territories_check() IS
  'Trigger of nous.territories: the code must be well formed for its level (nous.check_code) and the geometry valid.';
CREATE TRIGGER territories_check BEFORE INSERT OR UPDATE OF level, code, geom ON nous.territories
  FOR EACH ROW EXECUTE FUNCTION nous.territories_check();

-- ---- links (many-to-many: a QPV on two communes has two parents)
CREATE TABLE nous.territory_links (
  child_id  bigint NOT NULL REFERENCES nous.territories (territory_id) ON DELETE CASCADE,
  parent_id bigint NOT NULL REFERENCES nous.territories (territory_id) ON DELETE CASCADE,
  share     float8 DEFAULT 1 CHECK (share > 0 AND share <= 1),
  kind      text NOT NULL DEFAULT 'within' CHECK (kind IN ('within', 'part')),
  load_id   bigint,
  PRIMARY KEY (child_id, parent_id)
);
COMMENT ON TABLE nous.territory_links IS
  'Child-parent links between territories of different levels (parent strictly wider). A child may have several parents of one level (a QPV over several communes): share is then the part of the child in each parent (NULL = unknown, which nous.rollup refuses).';
COMMENT ON COLUMN nous.territory_links.child_id IS 'The finer territory.';
COMMENT ON COLUMN nous.territory_links.parent_id IS 'The wider territory.';
COMMENT ON COLUMN nous.territory_links.share IS 'Part of the child''s counts that belongs to the parent, in (0, 1]; 1 (the default) for a child wholly inside; NULL when unknown.';
COMMENT ON COLUMN nous.territory_links.kind IS '''within'' (the child lies in the parent) or ''part'' (the child spans several parents).';
COMMENT ON COLUMN nous.territory_links.load_id IS 'The load that wrote the link.';
CREATE INDEX territory_links_parent_idx ON nous.territory_links (parent_id);

CREATE FUNCTION nous.territory_links_check()
  RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  c record;
  p record;
BEGIN
  SELECT t.level, t.code, l.rank INTO c
    FROM nous.territories t JOIN nous.territory_levels l USING (level) WHERE t.territory_id = NEW.child_id;
  SELECT t.level, t.code, l.rank INTO p
    FROM nous.territories t JOIN nous.territory_levels l USING (level) WHERE t.territory_id = NEW.parent_id;
  IF c.rank IS NOT NULL AND p.rank IS NOT NULL AND p.rank <= c.rank THEN
    RAISE EXCEPTION 'parent at the wrong level: % % cannot be the parent of % %', p.level, p.code, c.level, c.code
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = format('A parent must be at a wider level than its child; %s is not wider than %s.', p.level, c.level);
  END IF;
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION nous.territory_links_check() IS
  'Trigger of nous.territory_links: the parent must be at a strictly wider level than the child.';
CREATE TRIGGER territory_links_check BEFORE INSERT OR UPDATE ON nous.territory_links
  FOR EACH ROW EXECUTE FUNCTION nous.territory_links_check();

-- ---- indicator catalogue
CREATE TABLE nous.indicators (
  code              text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
  label             text NOT NULL,
  unit              text,
  source            text,
  year              integer,
  polarity          smallint NOT NULL DEFAULT 0 CHECK (polarity IN (-1, 0, 1)),
  secrecy_threshold integer DEFAULT 11 CHECK (secrecy_threshold >= 1),
  dominance_share   float8 DEFAULT 0.85 CHECK (dominance_share > 0 AND dominance_share <= 1),
  numerator         text,   -- an indicator of this table: nous.indicators_refs()
  denominator       text,
  scale             float8 NOT NULL DEFAULT 1 CHECK (scale > 0),
  kind              text NOT NULL DEFAULT 'count' CHECK (kind IN ('count', 'rate', 'other')),
  CHECK ((numerator IS NULL) = (denominator IS NULL)),
  CHECK ((kind = 'rate') = (numerator IS NOT NULL))
);
COMMENT ON TABLE nous.indicators IS
  'Indicator catalogue. A rate names its numerator and denominator indicators (value = scale x numerator / denominator), so that nous.rollup sums them up the hierarchy; a count adds up; other (medians, indices ...) never rolls up.';
COMMENT ON COLUMN nous.indicators.code IS 'Identifier: lower case, digits and _.';
COMMENT ON COLUMN nous.indicators.label IS 'Label shown to readers.';
COMMENT ON COLUMN nous.indicators.unit IS 'Unit (persons, households, %, euros ...).';
COMMENT ON COLUMN nous.indicators.source IS 'Producer and file (e.g. INSEE Filosofi 2021).';
COMMENT ON COLUMN nous.indicators.year IS 'Reference year of the source.';
COMMENT ON COLUMN nous.indicators.polarity IS '+1 when a high value means more fragility, -1 when less, 0 neutral (for nous.composite polarities).';
COMMENT ON COLUMN nous.indicators.secrecy_threshold IS 'Smallest publishable count (INSEE: 11); read by nous.secrecy_publish(..., indicator => code).';
COMMENT ON COLUMN nous.indicators.dominance_share IS 'Dominance rule: a cell is secret when one contributor holds more than this share.';
COMMENT ON COLUMN nous.indicators.numerator IS 'For a rate: the indicator counted in the numerator.';
COMMENT ON COLUMN nous.indicators.denominator IS 'For a rate: the indicator counted in the denominator.';
COMMENT ON COLUMN nous.indicators.scale IS 'For a rate: value = scale x numerator / denominator (100 for a percentage).';
COMMENT ON COLUMN nous.indicators.kind IS 'count (adds up), rate (numerator/denominator) or other (does not roll up).';
GRANT SELECT ON nous.indicators TO PUBLIC;

-- A rate's numerator and denominator are indicators of the catalogue. A
-- trigger, not a self-referencing foreign key: pg_dump dumps the catalogue
-- (an extension configuration table) as data only and warns of circular
-- foreign keys on every dump otherwise. AFTER ROW triggers run at the end of
-- the statement, so one INSERT or COPY may hold a rate and its components in
-- any order, and one DELETE may remove them together.
CREATE FUNCTION nous.indicators_refs() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  missing text;
  used    text;
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT r INTO missing FROM unnest(ARRAY[NEW.numerator, NEW.denominator]) AS r
     WHERE r IS NOT NULL AND NOT EXISTS (SELECT 1 FROM nous.indicators i WHERE i.code = r) LIMIT 1;
    IF missing IS NOT NULL THEN
      RAISE EXCEPTION 'indicator "%" names "%" as numerator or denominator, which is not in the catalogue', NEW.code, missing
        USING ERRCODE = 'foreign_key_violation',
              HINT = 'Add the component indicators to nous.indicators first (or in the same statement).';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.code IS DISTINCT FROM NEW.code THEN
    -- renaming an indicator renames it in the rates that use it
    UPDATE nous.indicators SET numerator = NEW.code WHERE numerator = OLD.code;
    UPDATE nous.indicators SET denominator = NEW.code WHERE denominator = OLD.code;
  END IF;
  IF TG_OP = 'DELETE' THEN
    SELECT i.code INTO used FROM nous.indicators i
     WHERE i.numerator = OLD.code OR i.denominator = OLD.code LIMIT 1;
    IF used IS NOT NULL THEN
      RAISE EXCEPTION 'indicator "%" is still used by the rate "%"', OLD.code, used
        USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION nous.indicators_refs() IS
  'Trigger of nous.indicators: a rate''s numerator and denominator exist in the catalogue; renaming an indicator renames it in the rates; an indicator used by a rate cannot be deleted.';
CREATE TRIGGER indicators_refs AFTER INSERT OR UPDATE OR DELETE ON nous.indicators
  FOR EACH ROW EXECUTE FUNCTION nous.indicators_refs();

-- ---- observations (long form)
CREATE TABLE nous.observations (
  indicator    text NOT NULL REFERENCES nous.indicators (code) ON UPDATE CASCADE,
  territory_id bigint NOT NULL REFERENCES nous.territories (territory_id) ON DELETE CASCADE,
  period       integer NOT NULL,
  value        float8 CHECK (value IS NULL OR (value > '-Infinity' AND value < 'Infinity')),
  numerator    float8 CHECK (numerator IS NULL OR (numerator >= 0 AND numerator < 'Infinity')),
  denominator  float8 CHECK (denominator IS NULL OR (denominator >= 0 AND denominator < 'Infinity')),
  derived      boolean NOT NULL DEFAULT false,
  load_id      bigint,
  PRIMARY KEY (indicator, territory_id, period)
);
COMMENT ON TABLE nous.observations IS
  'Observed values in long form: one row per indicator, territory and period. value NULL = not published (secret or missing).';
COMMENT ON COLUMN nous.observations.indicator IS 'Indicator code (nous.indicators).';
COMMENT ON COLUMN nous.observations.territory_id IS 'Territory (nous.territories).';
COMMENT ON COLUMN nous.observations.period IS 'Year of observation.';
COMMENT ON COLUMN nous.observations.value IS 'Value (finite); NULL when not published.';
COMMENT ON COLUMN nous.observations.numerator IS 'For a rate, its numerator when known (optional).';
COMMENT ON COLUMN nous.observations.denominator IS 'For a rate, its denominator when known (optional).';
COMMENT ON COLUMN nous.observations.derived IS 'true when computed by nous (nous.rollup_store), false when loaded.';
COMMENT ON COLUMN nous.observations.load_id IS 'The load that wrote the row.';
CREATE INDEX observations_territory_idx ON nous.observations (territory_id);

-- ---- load log
CREATE TABLE nous.load_log (
  load_id   bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  loaded_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  kind      text NOT NULL,
  source    text,
  loaded    integer NOT NULL DEFAULT 0,
  rejected  integer NOT NULL DEFAULT 0,
  repaired  integer NOT NULL DEFAULT 0,
  options   jsonb
);
COMMENT ON TABLE nous.load_log IS
  'One row per committed load (nous.load_territories, nous.load_observations ...): rows loaded, rejected (kept in nous.load_rejects) and geometries repaired.';
COMMENT ON COLUMN nous.load_log.load_id IS 'Load number.';
COMMENT ON COLUMN nous.load_log.loaded_at IS 'Time of the load (transaction start).';
COMMENT ON COLUMN nous.load_log.kind IS 'territories, links or observations.';
COMMENT ON COLUMN nous.load_log.source IS 'File or label given by the caller.';
COMMENT ON COLUMN nous.load_log.loaded IS 'Rows written.';
COMMENT ON COLUMN nous.load_log.rejected IS 'Rows rejected (only with on_error => ''keep''; otherwise the load fails).';
COMMENT ON COLUMN nous.load_log.repaired IS 'Geometries made valid by ST_MakeValid.';
COMMENT ON COLUMN nous.load_log.options IS 'Parameters of the load.';

CREATE TABLE nous.load_rejects (
  load_id bigint NOT NULL REFERENCES nous.load_log (load_id) ON DELETE CASCADE,
  item    integer NOT NULL,
  code    text,
  reason  text NOT NULL,
  PRIMARY KEY (load_id, item, reason)
);
COMMENT ON TABLE nous.load_rejects IS
  'Rejected rows of the loads run with on_error => ''keep'': item = CSV line number (header = line 1) or GeoJSON feature number (from 1), with the reason.';
COMMENT ON COLUMN nous.load_rejects.load_id IS 'The load (nous.load_log).';
COMMENT ON COLUMN nous.load_rejects.item IS 'Line number in the file (header = 1) or feature number (from 1).';
COMMENT ON COLUMN nous.load_rejects.code IS 'Code read on that line, if any.';
COMMENT ON COLUMN nous.load_rejects.reason IS 'Why it was rejected.';

-- the data users load survives pg_dump (the levels are the extension's own)
SELECT pg_catalog.pg_extension_config_dump('nous.territories', '');
SELECT pg_catalog.pg_extension_config_dump('nous.territory_links', '');
SELECT pg_catalog.pg_extension_config_dump('nous.indicators', '');
SELECT pg_catalog.pg_extension_config_dump('nous.observations', '');
SELECT pg_catalog.pg_extension_config_dump('nous.load_log', '');
SELECT pg_catalog.pg_extension_config_dump('nous.load_rejects', '');
SELECT pg_catalog.pg_extension_config_dump('nous.territories_territory_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('nous.load_log_load_id_seq', '');

-- ---- rates up the hierarchy
CREATE FUNCTION nous.rollup(indicator text, to_level text, period integer, from_level text,
                            via text[] DEFAULT '{}')
  RETURNS TABLE (territory_id bigint, code text, numerator float8, denominator float8,
                 value float8, children integer, missing integer)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  ind nous.indicators;
  bad text;
  path text[] := ARRAY[from_level] || coalesce(via, '{}') || ARRAY[to_level];
  k integer;
BEGIN
  SELECT * INTO ind FROM nous.indicators i WHERE i.code = rollup.indicator;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown indicator "%"', rollup.indicator USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Indicators are listed in nous.indicators.';
  END IF;
  IF ind.kind = 'other' THEN
    RAISE EXCEPTION 'indicator "%" does not add up', ind.code USING ERRCODE = 'invalid_parameter_value',
      DETAIL = 'Only counts and rates with a numerator and a denominator roll up; a median or an index of children says nothing of their parent.';
  END IF;
  FOR k IN 1 .. array_length(path, 1) LOOP
    IF path[k] IS NULL OR NOT EXISTS (SELECT 1 FROM nous.territory_levels WHERE level = path[k]) THEN
      RAISE EXCEPTION 'unknown territory level' USING ERRCODE = 'invalid_parameter_value',
        DETAIL = format('Levels given: %s.', array_to_string(path, ' -> ', 'NULL'));
    END IF;
  END LOOP;
  FOR k IN 1 .. array_length(path, 1) - 1 LOOP
    IF (SELECT rank FROM nous.territory_levels WHERE level = path[k + 1])
       <= (SELECT rank FROM nous.territory_levels WHERE level = path[k]) THEN
      RAISE EXCEPTION 'cannot roll up from % to %', path[k], path[k + 1] USING ERRCODE = 'invalid_parameter_value',
        DETAIL = 'Each level of the path must be wider than the one before.';
    END IF;
    SELECT string_agg(DISTINCT c.code, ', ') INTO bad
      FROM nous.territory_links l
      JOIN nous.territories c ON c.territory_id = l.child_id AND c.level = path[k]
      JOIN nous.territories p ON p.territory_id = l.parent_id AND p.level = path[k + 1]
     WHERE l.share IS NULL;
    IF bad IS NOT NULL THEN
      RAISE EXCEPTION 'links of unknown share from % to %', path[k], path[k + 1] USING ERRCODE = 'invalid_parameter_value',
        DETAIL = format('These territories have parents with no share: %s.', left(bad, 400)),
        HINT = 'Set nous.territory_links.share (the part of each child in each parent) before rolling up.';
    END IF;
  END LOOP;
  RETURN QUERY
  WITH RECURSIVE chain AS (   -- links along the path of levels, shares multiplied
    SELECT l.child_id, l.parent_id, l.share, 1 AS step
      FROM nous.territory_links l
      JOIN nous.territories c ON c.territory_id = l.child_id AND c.level = path[1]
      JOIN nous.territories p ON p.territory_id = l.parent_id AND p.level = path[2]
    UNION ALL
    SELECT ch.child_id, l.parent_id, ch.share * l.share, ch.step + 1
      FROM chain ch
      JOIN nous.territory_links l ON l.child_id = ch.parent_id
      JOIN nous.territories p ON p.territory_id = l.parent_id AND p.level = path[ch.step + 2]
     WHERE ch.step + 2 <= array_length(path, 1)),
  links AS (   -- a child reaching one parent by several routes: the shares add up
    SELECT ch.child_id, ch.parent_id, sum(ch.share) AS share
      FROM chain ch WHERE ch.step = array_length(path, 1) - 1
     GROUP BY ch.child_id, ch.parent_id),
  vals AS (   -- per child: numerator and denominator (a count: value and 1)
    SELECT ch.territory_id,
           CASE WHEN ind.kind = 'count' THEN coalesce(x.value,
                  -- a count also comes as the numerator or denominator stored with a rate
                  (SELECT r.numerator FROM nous.observations r JOIN nous.indicators i ON i.code = r.indicator
                    WHERE i.numerator = ind.code AND r.territory_id = ch.territory_id AND r.period = rollup.period
                      AND r.numerator IS NOT NULL ORDER BY r.indicator LIMIT 1),
                  (SELECT r.denominator FROM nous.observations r JOIN nous.indicators i ON i.code = r.indicator
                    WHERE i.denominator = ind.code AND r.territory_id = ch.territory_id AND r.period = rollup.period
                      AND r.denominator IS NOT NULL ORDER BY r.indicator LIMIT 1))
                ELSE coalesce(x.numerator, n.value) END AS num,
           CASE WHEN ind.kind = 'count' THEN 1::float8
                ELSE coalesce(x.denominator, d.value) END AS den
      FROM (SELECT DISTINCT l.child_id AS territory_id FROM links l) ch
      LEFT JOIN nous.observations x ON x.territory_id = ch.territory_id AND x.indicator = ind.code AND x.period = rollup.period
      LEFT JOIN nous.observations n ON n.territory_id = ch.territory_id AND n.indicator = ind.numerator AND n.period = rollup.period
      LEFT JOIN nous.observations d ON d.territory_id = ch.territory_id AND d.indicator = ind.denominator AND d.period = rollup.period)
  SELECT p.territory_id, p.code,
         sum(l.share * v.num) FILTER (WHERE v.num IS NOT NULL AND v.den IS NOT NULL),
         CASE WHEN ind.kind = 'rate' THEN sum(l.share * v.den) FILTER (WHERE v.num IS NOT NULL AND v.den IS NOT NULL) END,
         CASE WHEN ind.kind = 'count' THEN sum(l.share * v.num) FILTER (WHERE v.num IS NOT NULL)
              ELSE ind.scale * sum(l.share * v.num) FILTER (WHERE v.num IS NOT NULL AND v.den IS NOT NULL)
                   / nullif(sum(l.share * v.den) FILTER (WHERE v.num IS NOT NULL AND v.den IS NOT NULL), 0) END,
         (count(*) FILTER (WHERE v.num IS NOT NULL AND v.den IS NOT NULL))::integer,
         (count(*) FILTER (WHERE v.num IS NULL OR v.den IS NULL))::integer
    FROM links l
    JOIN nous.territories p ON p.territory_id = l.parent_id
    JOIN vals v ON v.territory_id = l.child_id
   GROUP BY p.territory_id, p.code
   ORDER BY p.code;
END;
$$;
COMMENT ON FUNCTION nous.rollup(text, text, integer, text, text[]) IS
  'Indicator at to_level from its values at from_level over nous.territory_links (direct links, or through the levels of via in order with shares multiplied): a count is sum(share x value) (a child without the count but with a rate storing it as numerator or denominator uses that); a rate is scale x sum(share x numerator) / sum(share x denominator), never a mean of rates. children = children used, missing = linked children lacking a value (or numerator or denominator).';

CREATE FUNCTION nous.rollup_store(indicator text, to_level text, period integer, from_level text,
                                  via text[] DEFAULT '{}')
  RETURNS integer LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  n integer;
BEGIN
  INSERT INTO nous.observations (indicator, territory_id, period, value, numerator, denominator, derived)
  SELECT rollup_store.indicator, r.territory_id, rollup_store.period, r.value, r.numerator, r.denominator, true
    FROM nous.rollup(rollup_store.indicator, to_level, rollup_store.period, from_level, via) r
  ON CONFLICT ON CONSTRAINT observations_pkey DO UPDATE
     SET value = EXCLUDED.value, numerator = EXCLUDED.numerator, denominator = EXCLUDED.denominator, derived = true
   WHERE nous.observations.derived;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END;
$$;
COMMENT ON FUNCTION nous.rollup_store(text, text, integer, text, text[]) IS
  'Writes nous.rollup(indicator, to_level, period, from_level, via) into nous.observations as derived rows (overwriting earlier derived rows, never loaded ones); returns the number of rows written.';

-- ---- sql/83_load.sql ----
-- loaders of open data into the territory model: GeoJSON perimeters, CSV rows of codes, links and observations.

-- Every loader runs in the caller's transaction (one statement: all or
-- nothing).  It checks every row first; with on_error => 'abort' (the
-- default) any rejected row raises an error whose DETAIL lists the first
-- rejected lines, and nothing is written; with on_error => 'keep' the good
-- rows are written and the rejected ones go to nous.load_rejects.  Each
-- returns one 'loaded' summary row then one row per rejected (or repaired)
-- line.

CREATE FUNCTION nous.csv_separator(header text)
  RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  counts integer[] := ARRAY[length(header) - length(replace(header, ',', '')),
                            length(header) - length(replace(header, ';', '')),
                            length(header) - length(replace(header, E'\t', ''))];
  seps text[] := ARRAY[',', ';', E'\t'];
  best integer := 0;
  i integer;
BEGIN
  FOR i IN 1..3 LOOP
    IF counts[i] > 0 THEN
      IF best > 0 THEN
        RAISE EXCEPTION 'cannot tell the separator of this CSV header' USING ERRCODE = 'bad_copy_file_format',
          DETAIL = format('The header has %s commas, %s semicolons and %s tabs: %s.', counts[1], counts[2], counts[3], left(header, 200)),
          HINT = 'Convert the file to one separator, or pass the separator to psql \copy (DELIMITER).';
      END IF;
      best := i;
    END IF;
  END LOOP;
  IF best = 0 THEN
    RAISE EXCEPTION 'no separator in this CSV header' USING ERRCODE = 'bad_copy_file_format',
      DETAIL = format('The header "%s" has no comma, semicolon or tab.', left(header, 200));
  END IF;
  RETURN seps[best];
END;
$$;
COMMENT ON FUNCTION nous.csv_separator(text) IS
  'The separator of a CSV header line: '','', '';'' or a tab, whichever occurs; raises 22P04 when none or several occur.';

-- the rows of a relation as (item, row as jsonb): item = its "line" column when it has one,
-- else its record number in physical order + 1 (the header is line 1)
CREATE FUNCTION nous.load_rows(rows regclass)
  RETURNS TABLE (item integer, r jsonb)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = rows AND attname = 'line' AND attnum > 0 AND NOT attisdropped) THEN
    RETURN QUERY EXECUTE format('SELECT (t.line)::integer, to_jsonb(t) FROM %s t', rows);
  ELSIF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = rows AND attname = 'feature' AND attnum > 0 AND NOT attisdropped
                AND atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)) THEN
    RETURN QUERY EXECUTE format('SELECT (t.feature)::integer, to_jsonb(t) FROM %s t', rows);
  ELSIF (SELECT relkind FROM pg_class WHERE oid = rows) IN ('r', 'p') THEN
    RETURN QUERY EXECUTE format('SELECT (row_number() OVER (ORDER BY t.ctid) + 1)::integer, to_jsonb(t) FROM %s t', rows);
  ELSE
    RETURN QUERY EXECUTE format('SELECT (row_number() OVER () + 1)::integer, to_jsonb(t) FROM %s t', rows);
  END IF;
END;
$$;
COMMENT ON FUNCTION nous.load_rows(regclass) IS
  'Rows of a staging table or view as jsonb with their line number: its "line" column when there is one, else its integer "feature" column (the feature number of a table made by ogr2ogr -lco FID=feature), else the record number in physical (COPY) order + 1, the header being line 1.';

CREATE FUNCTION nous.load_columns_check(rows regclass, wanted text[])
  RETURNS void LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  cols text[];
  missing text[];
BEGIN
  SELECT array_agg(attname::text ORDER BY attnum) INTO cols
    FROM pg_attribute WHERE attrelid = rows AND attnum > 0 AND NOT attisdropped;
  SELECT array_agg(w) INTO missing FROM unnest(wanted) w WHERE w IS NOT NULL AND w <> ALL (cols);
  IF missing IS NULL THEN
    RETURN;
  END IF;
  IF array_length(cols, 1) <= 2 AND (cols[1] LIKE '%;%' OR cols[1] LIKE '%,%' OR cols[1] LIKE E'%\t%') THEN
    RAISE EXCEPTION 'wrong separator: % has one column "%"', rows, left(cols[1], 80) USING ERRCODE = 'bad_copy_file_format',
      DETAIL = format('The header was read as a single column; the file uses "%s" as separator.',
                      nous.csv_separator(cols[1])),
      HINT = 'Read it again with the separator given by nous.csv_separator(header) (psql \copy ... DELIMITER).';
  END IF;
  RAISE EXCEPTION 'missing columns in %: %', rows, array_to_string(missing, ', ') USING ERRCODE = 'undefined_column',
    DETAIL = format('Its columns are: %s.', left(array_to_string(cols, ', '), 400));
END;
$$;
COMMENT ON FUNCTION nous.load_columns_check(regclass, text[]) IS
  'Raises an error when a staging relation lacks one of the wanted columns; when its header was read as a single column holding separators, the error says the separator is wrong and which one the file uses.';

-- common end of a load: abort with the first rejects, or log and keep them
CREATE FUNCTION nous.load_finish(kind text, source text, on_error text, options jsonb,
                                 total integer, loaded integer, repaired integer)
  RETURNS bigint LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  nrej integer;
  detail text;
  id bigint;
BEGIN
  SELECT count(*) INTO nrej FROM pg_temp.nous_load_rejects_tmp;
  IF nrej > 0 AND on_error = 'abort' THEN
    SELECT string_agg(format('%s %s%s: %s', CASE WHEN kind = 'territories' AND (options ? 'geojson' OR options ->> 'item' = 'feature')
                                                 THEN 'feature' ELSE 'line' END,
                             x.item, coalesce(' (' || x.code || ')', ''), x.reason), E'\n' ORDER BY x.item)
      INTO detail
      FROM (SELECT * FROM pg_temp.nous_load_rejects_tmp ORDER BY item LIMIT 10) x;
    RAISE EXCEPTION '% of % rows rejected, nothing loaded', nrej, total USING ERRCODE = 'data_exception',
      DETAIL = detail || CASE WHEN nrej > 10 THEN format(E'\n... and %s more.', nrej - 10) ELSE '' END,
      HINT = 'Fix the file, or pass on_error => ''keep'' to load the good rows and keep the rejected ones in nous.load_rejects.';
  END IF;
  INSERT INTO nous.load_log (kind, source, loaded, rejected, repaired, options)
  VALUES (kind, source, loaded, nrej, repaired, options) RETURNING load_id INTO id;
  INSERT INTO nous.load_rejects (load_id, item, code, reason)
  SELECT DISTINCT id, x.item, x.code, x.reason FROM pg_temp.nous_load_rejects_tmp x;
  RETURN id;
END;
$$;
COMMENT ON FUNCTION nous.load_finish(text, text, text, jsonb, integer, integer, integer) IS
  'Internal: ends a load. Raises the list of the first rejected lines when on_error = ''abort''; else writes nous.load_log and nous.load_rejects and returns the load id.';

CREATE FUNCTION nous.load_start(on_error text)
  RETURNS void LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
BEGIN
  IF on_error IS NULL OR on_error NOT IN ('abort', 'keep') THEN
    RAISE EXCEPTION 'on_error must be ''abort'' or ''keep''' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF to_regclass('pg_temp.nous_load_rejects_tmp') IS NULL THEN
    CREATE TEMP TABLE nous_load_rejects_tmp (item integer, code text, reason text);
  END IF;
  TRUNCATE pg_temp.nous_load_rejects_tmp;
END;
$$;
COMMENT ON FUNCTION nous.load_start(text) IS
  'Internal: checks on_error and empties the session''s list of rejected rows.';

-- ---- GeoJSON perimeters
CREATE FUNCTION nous.geojson_srid(doc jsonb, assume integer DEFAULT 4326)
  RETURNS integer LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  name text := doc -> 'crs' -> 'properties' ->> 'name';
  m text[];
BEGIN
  IF name IS NULL THEN
    RETURN assume;    -- RFC 7946: no crs member means WGS84 longitude, latitude
  END IF;
  IF name ~* 'CRS:?:?84$' THEN
    RETURN 4326;
  END IF;
  m := regexp_match(name, '^(?:urn:ogc:def:crs:)?EPSG:(?:[0-9.]*:)?:?([0-9]+)$', 'i');
  IF m IS NULL THEN
    RAISE EXCEPTION 'unknown CRS "%"', name USING ERRCODE = 'invalid_parameter_value',
      DETAIL = 'nous reads the crs names urn:ogc:def:crs:EPSG::NNNN, EPSG:NNNN and urn:ogc:def:crs:OGC:1.3:CRS84.',
      HINT = 'Reproject the file with ogr2ogr -t_srs EPSG:4326 (or 2154).';
  END IF;
  RETURN m[1]::integer;
END;
$$;
COMMENT ON FUNCTION nous.geojson_srid(jsonb, integer) IS
  'SRID declared by the crs member of a GeoJSON document (urn:ogc:def:crs:EPSG::2154 -> 2154, CRS84 -> 4326); assume (default 4326, RFC 7946) when there is none; an unreadable crs name raises 22023.';

CREATE FUNCTION nous.load_geometry(g public.geometry, declared integer,
                                   OUT geom public.geometry, OUT problem text, OUT repaired boolean)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  b public.box2d;
BEGIN
  repaired := false;
  IF g IS NULL THEN
    RETURN;
  END IF;
  IF public.ST_SRID(g) = 0 THEN
    g := public.ST_SetSRID(g, declared);
  ELSIF declared IS NOT NULL AND public.ST_SRID(g) <> declared THEN
    problem := format('the geometry says SRID %s, the load EPSG:%s', public.ST_SRID(g), declared);
    RETURN;
  END IF;
  IF public.GeometryType(g) NOT IN ('POLYGON', 'MULTIPOLYGON') THEN
    problem := format('a %s, not a polygon', lower(public.GeometryType(g)));
    RETURN;
  END IF;
  b := public.Box2D(g);
  IF public.ST_SRID(g) = 4326 AND (public.ST_XMin(b) < -180 OR public.ST_XMax(b) > 180
                                   OR public.ST_YMin(b) < -90 OR public.ST_YMax(b) > 90) THEN
    problem := format('coordinates out of range for EPSG:4326 (x %s to %s, y %s to %s): is the file in another CRS?',
                      round(public.ST_XMin(b)::numeric), round(public.ST_XMax(b)::numeric),
                      round(public.ST_YMin(b)::numeric), round(public.ST_YMax(b)::numeric));
    RETURN;
  END IF;
  BEGIN
    g := public.ST_Transform(g, 2154);
  EXCEPTION WHEN OTHERS THEN
    problem := format('cannot reproject from EPSG:%s: %s', public.ST_SRID(g), SQLERRM);
    RETURN;
  END;
  b := public.Box2D(g);
  -- area of use of Lambert-93 (EPSG:2154, metropolitan France) with a 100 km margin
  IF public.ST_XMin(b) < -100000 OR public.ST_XMax(b) > 1350000
     OR public.ST_YMin(b) < 5950000 OR public.ST_YMax(b) > 7200000 THEN
    problem := format('outside metropolitan France once in Lambert-93 (x %s to %s, y %s to %s): is EPSG:%s the right CRS?',
                      round(public.ST_XMin(b)::numeric), round(public.ST_XMax(b)::numeric),
                      round(public.ST_YMin(b)::numeric), round(public.ST_YMax(b)::numeric), coalesce(declared, 0));
    RETURN;
  END IF;
  IF NOT (public.ST_IsValidDetail(g)).valid THEN
    g := public.ST_CollectionExtract(public.ST_MakeValid(g), 3);
    repaired := true;
  END IF;
  geom := public.ST_Multi(g);
END;
$$;
COMMENT ON FUNCTION nous.load_geometry(public.geometry, integer) IS
  'Internal step of the loaders: a polygon in the declared SRID (set when the geometry has none) checked against that CRS (longitude/latitude ranges), reprojected to EPSG:2154, checked against Lambert-93''s area of use, made valid (repaired = true) and multi; else problem says why.';

CREATE FUNCTION nous.load_territories(doc jsonb, level text, vintage integer, code_property text,
                                      label_property text DEFAULT NULL, source text DEFAULT NULL,
                                      on_error text DEFAULT 'abort', srid integer DEFAULT NULL,
                                      parent_property text DEFAULT NULL, parent_level text DEFAULT NULL,
                                      parent_vintage integer DEFAULT NULL)
  RETURNS TABLE (load_id bigint, item integer, code text, status text, reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  declared integer;
  f record;
  g public.geometry;
  why text;
  c text;
  n integer := 0;
  nrep integer := 0;
  nload integer := 0;
  id bigint;
  rep boolean;
  opts jsonb;
BEGIN
  PERFORM nous.load_start(on_error);
  IF NOT EXISTS (SELECT 1 FROM nous.territory_levels l WHERE l.level = load_territories.level) THEN
    RAISE EXCEPTION 'unknown territory level "%"', level USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF parent_property IS NOT NULL AND (SELECT rank FROM nous.territory_levels l WHERE l.level = parent_level)
        IS DISTINCT FROM NULL
     AND (SELECT rank FROM nous.territory_levels l WHERE l.level = parent_level)
         <= (SELECT rank FROM nous.territory_levels l WHERE l.level = load_territories.level) THEN
    RAISE EXCEPTION 'parent at the wrong level: % cannot be the parent of %', parent_level, level
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A parent must be at a wider level than its child.';
  END IF;
  IF parent_property IS NOT NULL AND NOT EXISTS (SELECT 1 FROM nous.territory_levels l WHERE l.level = parent_level) THEN
    RAISE EXCEPTION 'unknown parent level "%"', parent_level USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF doc IS NULL OR jsonb_typeof(doc) <> 'object' OR coalesce(doc ->> 'type', '') NOT IN ('FeatureCollection', 'Feature')
     OR (doc ->> 'type' = 'FeatureCollection' AND jsonb_typeof(doc -> 'features') IS DISTINCT FROM 'array') THEN
    RAISE EXCEPTION 'not a GeoJSON FeatureCollection or Feature' USING ERRCODE = 'invalid_parameter_value',
      DETAIL = 'A FeatureCollection is an object with "type": "FeatureCollection" and a "features" array.';
  END IF;
  IF doc ? 'crs' OR srid IS NULL THEN
    declared := nous.geojson_srid(doc);
    IF srid IS NOT NULL AND declared <> srid THEN
      RAISE EXCEPTION 'the file declares EPSG:% but srid => % was given', declared, srid USING ERRCODE = 'invalid_parameter_value';
    END IF;
  ELSE
    declared := srid;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM public.spatial_ref_sys WHERE spatial_ref_sys.srid = declared) THEN
    RAISE EXCEPTION 'unknown SRID %', declared USING ERRCODE = 'invalid_parameter_value';
  END IF;
  opts := jsonb_build_object('geojson', true, 'level', level, 'vintage', vintage, 'srid', declared,
                             'code_property', code_property, 'parent_level', parent_level);
  IF to_regclass('pg_temp.nous_load_feat') IS NULL THEN
    CREATE TEMP TABLE nous_load_feat (item integer, code text, label text, parent text, geom public.geometry, repaired boolean);
  END IF;
  TRUNCATE pg_temp.nous_load_feat;

  FOR f IN SELECT x.e, x.i::integer AS i
             FROM jsonb_array_elements(CASE WHEN doc ->> 'type' = 'Feature' THEN jsonb_build_array(doc)
                                            ELSE coalesce(doc -> 'features', '[]') END) WITH ORDINALITY x(e, i) LOOP
    n := n + 1;
    c := f.e -> 'properties' ->> code_property;
    why := NULL;
    g := NULL;
    rep := NULL;
    IF c IS NULL THEN
      why := format('no property "%s"', code_property);
    ELSE
      why := nous.code_problem(level, c);
    END IF;
    IF why IS NULL AND jsonb_typeof(f.e -> 'geometry') = 'object' THEN
      BEGIN
        g := public.ST_SetSRID(public.ST_GeomFromGeoJSON((f.e -> 'geometry')::text), declared);
      EXCEPTION WHEN OTHERS THEN
        why := 'unreadable geometry: ' || SQLERRM;
      END;
      IF why IS NULL THEN
        SELECT x.geom, x.problem, x.repaired INTO g, why, rep FROM nous.load_geometry(g, declared) x;
      END IF;
    END IF;
    IF why IS NOT NULL THEN
      INSERT INTO pg_temp.nous_load_rejects_tmp VALUES (f.i, c, why);
      CONTINUE;
    END IF;
    INSERT INTO pg_temp.nous_load_feat VALUES (f.i, c, f.e -> 'properties' ->> label_property,
      f.e -> 'properties' ->> parent_property, g, coalesce(rep, false));
  END LOOP;

  -- duplicates inside the file, then against the table
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT x.item, x.code, format('duplicate territory: %s %s is also feature %s', level, x.code, x.first)
    FROM (SELECT t.item, t.code, min(t.item) OVER (PARTITION BY t.code) AS first FROM pg_temp.nous_load_feat t) x
   WHERE x.item <> x.first;
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT t.item, t.code, format('duplicate territory: %s %s of %s is already loaded', level, t.code, vintage)
    FROM pg_temp.nous_load_feat t
    JOIN nous.territories e ON e.level = load_territories.level AND e.code = t.code AND e.vintage = load_territories.vintage;
  IF parent_property IS NOT NULL THEN
    INSERT INTO pg_temp.nous_load_rejects_tmp
    SELECT t.item, t.code, CASE WHEN t.parent IS NULL THEN format('no property "%s"', parent_property)
                                ELSE format('unknown parent: no %s %s of %s', parent_level, t.parent, coalesce(parent_vintage, vintage)) END
      FROM pg_temp.nous_load_feat t
     WHERE NOT EXISTS (SELECT 1 FROM nous.territories p
                        WHERE p.level = parent_level AND p.code = t.parent AND p.vintage = coalesce(parent_vintage, vintage));
  END IF;
  DELETE FROM pg_temp.nous_load_feat t USING pg_temp.nous_load_rejects_tmp r WHERE r.item = t.item;
  SELECT count(*) INTO nload FROM pg_temp.nous_load_feat;
  SELECT count(*) INTO nrep FROM pg_temp.nous_load_feat t WHERE t.repaired;
  id := nous.load_finish('territories', source, on_error, opts, n, nload, nrep);

  INSERT INTO nous.territories (level, code, label, vintage, geom, source, load_id)
  SELECT load_territories.level, t.code, t.label, load_territories.vintage, t.geom, load_territories.source, id
    FROM pg_temp.nous_load_feat t ORDER BY t.item;
  IF parent_property IS NOT NULL THEN
    INSERT INTO nous.territory_links (child_id, parent_id, share, kind, load_id)
    SELECT c.territory_id, p.territory_id, 1, 'within', id
      FROM pg_temp.nous_load_feat t
      JOIN nous.territories c ON c.level = load_territories.level AND c.code = t.code AND c.vintage = load_territories.vintage
      JOIN nous.territories p ON p.level = parent_level AND p.code = t.parent AND p.vintage = coalesce(parent_vintage, load_territories.vintage);
  END IF;

  RETURN QUERY SELECT id, NULL::integer, NULL::text, 'loaded'::text,
                      format('%s loaded, %s rejected, %s repaired (of %s features, EPSG:%s to EPSG:2154)',
                             nload, (SELECT count(*) FROM pg_temp.nous_load_rejects_tmp), nrep, n, declared);
  RETURN QUERY SELECT id, r.item, r.code, 'rejected'::text, r.reason FROM pg_temp.nous_load_rejects_tmp r ORDER BY r.item;
  RETURN QUERY SELECT id, t.item, t.code, 'repaired'::text, 'invalid geometry made valid (ST_MakeValid)'::text
                 FROM pg_temp.nous_load_feat t WHERE t.repaired ORDER BY t.item;
END;
$$;
COMMENT ON FUNCTION nous.load_territories(jsonb, text, integer, text, text, text, text, integer, text, text, integer) IS
  'Loads the features of a GeoJSON document as territories of level and vintage: code and label from the named properties, geometry read with ST_GeomFromGeoJSON in the CRS of the crs member (CRS84/WGS84 when absent, or srid), reprojected to EPSG:2154, made valid (reported) and multi; optional parent code property linking each to a wider level. Rejects (feature number and reason): missing or malformed code, non-polygon, coordinates out of range for the CRS, outside Lambert-93''s area, duplicates, unknown parent. on_error ''abort'' (default: nothing loaded, error listing the rejects) or ''keep''.';

-- ---- territories from rows (codes, labels, no geometry)
CREATE FUNCTION nous.load_territory_rows(rows regclass, level text, vintage integer, code_column text,
                                         label_column text DEFAULT NULL, source text DEFAULT NULL,
                                         on_error text DEFAULT 'abort', if_exists text DEFAULT 'reject',
                                         geom_column text DEFAULT NULL, srid integer DEFAULT NULL)
  RETURNS TABLE (load_id bigint, item integer, code text, status text, reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  n integer;
  nload integer;
  nrep integer;
  id bigint;
  rw record;
  g public.geometry;
  lg record;
  unit text;
BEGIN
  PERFORM nous.load_start(on_error);
  -- items are features when the rows carry a "feature" column (and no "line"): tables made by ogr2ogr
  unit := CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = rows AND a.attname = 'feature' AND a.attnum > 0 AND NOT a.attisdropped
                             AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype))
                AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = rows AND a.attname = 'line' AND a.attnum > 0 AND NOT a.attisdropped)
               THEN 'feature' ELSE 'line' END;
  IF if_exists NOT IN ('reject', 'skip') THEN
    RAISE EXCEPTION 'if_exists must be ''reject'' or ''skip''' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM nous.territory_levels l WHERE l.level = load_territory_rows.level) THEN
    RAISE EXCEPTION 'unknown territory level "%"', level USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM nous.load_columns_check(rows, ARRAY[code_column, label_column, geom_column]);
  IF srid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM public.spatial_ref_sys WHERE spatial_ref_sys.srid = load_territory_rows.srid) THEN
    RAISE EXCEPTION 'unknown SRID %', srid USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF to_regclass('pg_temp.nous_load_items') IS NULL THEN
    CREATE TEMP TABLE nous_load_items (item integer, code text, label text, wkt text, geom public.geometry, repaired boolean);
    CREATE INDEX ON pg_temp.nous_load_items (item);   -- the geometry loop updates by item
  END IF;
  TRUNCATE pg_temp.nous_load_items;
  INSERT INTO pg_temp.nous_load_items
  SELECT x.item, x.r ->> code_column, x.r ->> label_column, x.r ->> geom_column, NULL, false FROM nous.load_rows(rows) x;
  SELECT count(*) INTO n FROM pg_temp.nous_load_items;
  -- geometries as WKT or EWKT (or hex WKB), in srid unless they carry their own
  FOR rw IN SELECT t.item, t.code, t.wkt FROM pg_temp.nous_load_items t WHERE nullif(btrim(t.wkt), '') IS NOT NULL LOOP
    BEGIN
      g := public.ST_GeomFromEWKT(rw.wkt);
    EXCEPTION WHEN OTHERS THEN
      BEGIN
        g := public.ST_GeomFromEWKB(decode(rw.wkt, 'hex'));
      EXCEPTION WHEN OTHERS THEN
        INSERT INTO pg_temp.nous_load_rejects_tmp VALUES (rw.item, rw.code, 'unreadable geometry: ' || left(rw.wkt, 40));
        CONTINUE;
      END;
    END;
    IF public.ST_SRID(g) = 0 AND srid IS NULL THEN
      RAISE EXCEPTION 'geometries without SRID in column %', geom_column USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Pass srid => the EPSG code of the file (e.g. 3035 for the INSEE grid, 2154 for Lambert-93).';
    END IF;
    SELECT * INTO lg FROM nous.load_geometry(g, srid);
    IF lg.problem IS NOT NULL THEN
      INSERT INTO pg_temp.nous_load_rejects_tmp VALUES (rw.item, rw.code, lg.problem);
    ELSE
      UPDATE pg_temp.nous_load_items t SET geom = lg.geom, repaired = lg.repaired WHERE t.item = rw.item;
    END IF;
  END LOOP;
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT t.item, t.code, coalesce(nous.code_problem(level, t.code), 'empty code')
    FROM pg_temp.nous_load_items t WHERE t.code IS NULL OR NOT nous.code_valid(level, t.code);
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT x.item, x.code, format('duplicate territory: %s %s is also %s %s', level, x.code,
                                CASE unit WHEN 'feature' THEN 'feature' ELSE 'on line' END, x.first)
    FROM (SELECT t.item, t.code, min(t.item) OVER (PARTITION BY t.code) AS first FROM pg_temp.nous_load_items t) x
   WHERE x.item <> x.first;
  IF if_exists = 'reject' THEN
    INSERT INTO pg_temp.nous_load_rejects_tmp
    SELECT t.item, t.code, format('duplicate territory: %s %s of %s is already loaded', level, t.code, vintage)
      FROM pg_temp.nous_load_items t
      JOIN nous.territories e ON e.level = load_territory_rows.level AND e.code = t.code AND e.vintage = load_territory_rows.vintage;
  ELSE
    DELETE FROM pg_temp.nous_load_items t USING nous.territories e
     WHERE e.level = load_territory_rows.level AND e.code = t.code AND e.vintage = load_territory_rows.vintage;
  END IF;
  DELETE FROM pg_temp.nous_load_items t USING pg_temp.nous_load_rejects_tmp r WHERE r.item = t.item;
  SELECT count(*), count(*) FILTER (WHERE t.repaired) INTO nload, nrep FROM pg_temp.nous_load_items t;
  id := nous.load_finish('territories', source, on_error,
                         jsonb_build_object('relation', rows::text, 'level', level, 'vintage', vintage, 'srid', srid, 'item', unit),
                         n, nload, nrep);
  INSERT INTO nous.territories (level, code, label, vintage, geom, source, load_id)
  SELECT level, t.code, t.label, vintage, t.geom, source, id FROM pg_temp.nous_load_items t ORDER BY t.item;
  RETURN QUERY SELECT id, NULL::integer, NULL::text, 'loaded'::text,
                      format('%s loaded, %s rejected, %s repaired (of %s %s)', nload,
                             (SELECT count(*) FROM pg_temp.nous_load_rejects_tmp), nrep, n,
                             CASE WHEN unit = 'line' THEN 'rows'
                                  WHEN srid IS NULL OR geom_column IS NULL THEN 'features'
                                  ELSE format('features, EPSG:%s to EPSG:2154', srid) END);
  RETURN QUERY SELECT id, j.item, j.code, 'rejected'::text, j.reason FROM pg_temp.nous_load_rejects_tmp j ORDER BY j.item;
  RETURN QUERY SELECT id, t.item, t.code, 'repaired'::text, 'invalid geometry made valid (ST_MakeValid)'::text
                 FROM pg_temp.nous_load_items t WHERE t.repaired ORDER BY t.item;
END;
$$;
COMMENT ON FUNCTION nous.load_territory_rows(regclass, text, integer, text, text, text, text, text, text, integer) IS
  'Loads territories from a staging table or view (one row per territory: code and label columns, optional geometry column in WKT, EWKT or hex WKB in srid, reprojected to EPSG:2154 and checked like nous.load_territories). Rejects malformed codes, bad geometries and duplicates (in the rows, and already loaded unless if_exists => ''skip''), with their line (or their feature number when the rows have an integer "feature" column, as the staging tables of scripts/load.sh do).';

-- ---- links
CREATE FUNCTION nous.load_links(rows regclass, child_level text, child_column text,
                                parent_level text, parent_column text, vintage integer,
                                parent_vintage integer DEFAULT NULL, share_column text DEFAULT NULL,
                                source text DEFAULT NULL, on_error text DEFAULT 'abort')
  RETURNS TABLE (load_id bigint, item integer, code text, status text, reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  n integer;
  nload integer;
  id bigint;
  cr integer := (SELECT rank FROM nous.territory_levels l WHERE l.level = child_level);
  pr integer := (SELECT rank FROM nous.territory_levels l WHERE l.level = parent_level);
BEGIN
  PERFORM nous.load_start(on_error);
  IF cr IS NULL OR pr IS NULL THEN
    RAISE EXCEPTION 'unknown territory level' USING ERRCODE = 'invalid_parameter_value',
      DETAIL = format('Levels given: %s and %s.', child_level, parent_level);
  END IF;
  IF pr <= cr THEN
    RAISE EXCEPTION 'parent at the wrong level: % cannot be the parent of %', parent_level, child_level
      USING ERRCODE = 'invalid_parameter_value', DETAIL = 'A parent must be at a wider level than its child.';
  END IF;
  PERFORM nous.load_columns_check(rows, ARRAY[child_column, parent_column, share_column]);
  IF to_regclass('pg_temp.nous_load_links') IS NULL THEN
    CREATE TEMP TABLE nous_load_links (item integer, child text, parent text, share text,
                                                   child_id bigint, parent_id bigint, s float8);
  END IF;
  TRUNCATE pg_temp.nous_load_links;
  INSERT INTO pg_temp.nous_load_links
  SELECT x.item, x.r ->> child_column, x.r ->> parent_column, x.r ->> share_column,
         (SELECT c.territory_id FROM nous.territories c
           WHERE c.level = child_level AND c.code = x.r ->> child_column AND c.vintage = load_links.vintage),
         (SELECT p.territory_id FROM nous.territories p
           WHERE p.level = parent_level AND p.code = x.r ->> parent_column AND p.vintage = coalesce(parent_vintage, load_links.vintage)),
         NULL
    FROM nous.load_rows(rows) x;
  SELECT count(*) INTO n FROM pg_temp.nous_load_links;
  UPDATE pg_temp.nous_load_links t SET s = t.share::float8
   WHERE t.share ~ '^\s*[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?\s*$' AND t.share::float8 > 0 AND t.share::float8 <= 1;
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT t.item, t.child,
         CASE WHEN t.child_id IS NULL THEN format('unknown code: no %s %s of %s', child_level, t.child, vintage)
              WHEN t.parent_id IS NULL THEN format('unknown parent: no %s %s of %s', parent_level, t.parent, coalesce(parent_vintage, vintage))
              ELSE format('share "%s" is not a number in (0, 1]', t.share) END
    FROM pg_temp.nous_load_links t
   WHERE t.child_id IS NULL OR t.parent_id IS NULL OR (t.share IS NOT NULL AND t.s IS NULL);
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT x.item, x.child, format('duplicate link: %s -> %s is also on line %s', x.child, x.parent, x.first)
    FROM (SELECT t.item, t.child, t.parent, min(t.item) OVER (PARTITION BY t.child, t.parent) AS first FROM pg_temp.nous_load_links t) x
   WHERE x.item <> x.first;
  DELETE FROM pg_temp.nous_load_links t USING pg_temp.nous_load_rejects_tmp r WHERE r.item = t.item;
  SELECT count(*) INTO nload FROM pg_temp.nous_load_links;
  id := nous.load_finish('links', source, on_error,
                         jsonb_build_object('relation', rows::text, 'child_level', child_level, 'parent_level', parent_level), n, nload, 0);
  -- a child with several parents and no share column: its shares are unknown (NULL)
  INSERT INTO nous.territory_links (child_id, parent_id, share, kind, load_id)
  SELECT t.child_id, t.parent_id,
         CASE WHEN t.s IS NOT NULL THEN t.s
              WHEN count(*) OVER (PARTITION BY t.child_id) = 1 THEN 1 END,
         CASE WHEN coalesce(t.s, 1) = 1 AND count(*) OVER (PARTITION BY t.child_id) = 1 THEN 'within' ELSE 'part' END,
         id
    FROM pg_temp.nous_load_links t
  ON CONFLICT (child_id, parent_id) DO UPDATE SET share = EXCLUDED.share, kind = EXCLUDED.kind, load_id = EXCLUDED.load_id;
  RETURN QUERY SELECT id, NULL::integer, NULL::text, 'loaded'::text,
                      format('%s loaded, %s rejected (of %s rows)', nload, (SELECT count(*) FROM pg_temp.nous_load_rejects_tmp), n);
  RETURN QUERY SELECT id, r.item, r.code, 'rejected'::text, r.reason FROM pg_temp.nous_load_rejects_tmp r ORDER BY r.item;
END;
$$;
COMMENT ON FUNCTION nous.load_links(regclass, text, text, text, text, integer, integer, text, text, text) IS
  'Loads child -> parent links from a staging table or view (one row per link: child code, parent code, optional share in (0,1]). A parent level not wider than the child level is an error; unknown codes and duplicate links are rejected with their line. A child given several parents without a share column gets share NULL (unknown) and kind ''part''.';

-- ---- observations
CREATE FUNCTION nous.load_observations(rows regclass, code_column text, level text, vintage integer,
                                       indicators jsonb, period integer, source text DEFAULT NULL,
                                       on_error text DEFAULT 'abort', missing text[] DEFAULT '{"",NA,s,nd,"n.d."}')
  RETURNS TABLE (load_id bigint, item integer, code text, status text, reason text)
  LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  n integer;
  nload integer;
  id bigint;
  unknown text;
  cols text[];
BEGIN
  PERFORM nous.load_start(on_error);
  IF indicators IS NULL OR jsonb_typeof(indicators) <> 'object' OR indicators = '{}' THEN
    RAISE EXCEPTION 'indicators must be a jsonb object {"column": "indicator code", ...}' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT string_agg(DISTINCT j.value, ', ') INTO unknown
    FROM jsonb_each_text(indicators) j WHERE NOT EXISTS (SELECT 1 FROM nous.indicators i WHERE i.code = j.value);
  IF unknown IS NOT NULL THEN
    RAISE EXCEPTION 'unknown indicators: %', unknown USING ERRCODE = 'invalid_parameter_value',
      HINT = 'Declare them in nous.indicators first.';
  END IF;
  SELECT array_agg(k) INTO cols FROM jsonb_object_keys(indicators) k;
  PERFORM nous.load_columns_check(rows, cols || code_column);
  IF to_regclass('pg_temp.nous_load_obs') IS NULL THEN
    CREATE TEMP TABLE nous_load_obs (item integer, code text, territory_id bigint, col text, indicator text, raw text, v float8);
  END IF;
  TRUNCATE pg_temp.nous_load_obs;
  INSERT INTO pg_temp.nous_load_obs
  SELECT x.item, x.r ->> code_column, t.territory_id, j.key, j.value, x.r ->> j.key, NULL
    FROM nous.load_rows(rows) x
    LEFT JOIN nous.territories t ON t.level = load_observations.level AND t.code = x.r ->> code_column
                                AND t.vintage = load_observations.vintage
    CROSS JOIN jsonb_each_text(indicators) j;
  SELECT count(DISTINCT o.item) INTO n FROM pg_temp.nous_load_obs o;
  -- numbers: a decimal point or comma; spaces (also no-break and narrow no-break) between thousands
  UPDATE pg_temp.nous_load_obs o SET v = replace(x.t, ',', '.')::float8
    FROM (SELECT o2.ctid AS c, translate(btrim(o2.raw), U&' \00A0\202F', '') AS t FROM pg_temp.nous_load_obs o2) x
   WHERE x.c = o.ctid
     AND (x.t ~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$' OR x.t ~ '^[-+]?[0-9]+,[0-9]+$');
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT DISTINCT ON (o.item) o.item, o.code,
         CASE WHEN o.code IS NULL OR o.code = '' THEN 'empty code'
              WHEN nous.code_problem(level, o.code) IS NOT NULL THEN nous.code_problem(level, o.code)
              WHEN o.territory_id IS NULL THEN format('unknown code: no %s %s of %s in nous.territories', level, o.code, vintage)
              ELSE format('not a number in column %s: "%s"', o.col, left(o.raw, 40)) END
    FROM pg_temp.nous_load_obs o
   WHERE o.code IS NULL OR o.territory_id IS NULL
      OR (o.v IS NULL AND o.raw IS NOT NULL AND btrim(o.raw) <> ALL (missing))
   ORDER BY o.item, o.territory_id NULLS FIRST, o.col;
  INSERT INTO pg_temp.nous_load_rejects_tmp
  SELECT DISTINCT x.item, x.code, format('duplicate territory: %s %s is also on line %s', level, x.code, x.first)
    FROM (SELECT o.item, o.code, min(o.item) OVER (PARTITION BY o.code) AS first FROM pg_temp.nous_load_obs o WHERE o.territory_id IS NOT NULL) x
   WHERE x.item <> x.first;
  DELETE FROM pg_temp.nous_load_obs o USING pg_temp.nous_load_rejects_tmp r WHERE r.item = o.item;
  SELECT count(DISTINCT o.item) INTO nload FROM pg_temp.nous_load_obs o;
  id := nous.load_finish('observations', source, on_error,
                         jsonb_build_object('relation', rows::text, 'level', level, 'vintage', vintage, 'period', period,
                                            'indicators', indicators), n, nload, 0);
  INSERT INTO nous.observations (indicator, territory_id, period, value, load_id)
  SELECT o.indicator, o.territory_id, load_observations.period, o.v, id FROM pg_temp.nous_load_obs o
  ON CONFLICT ON CONSTRAINT observations_pkey DO UPDATE SET value = EXCLUDED.value, derived = false, load_id = EXCLUDED.load_id;
  RETURN QUERY SELECT id, NULL::integer, NULL::text, 'loaded'::text,
                      format('%s rows loaded (%s values), %s rejected (of %s rows)', nload,
                             (SELECT count(*) FROM pg_temp.nous_load_obs), (SELECT count(*) FROM pg_temp.nous_load_rejects_tmp), n);
  RETURN QUERY SELECT id, r.item, r.code, 'rejected'::text, r.reason FROM pg_temp.nous_load_rejects_tmp r ORDER BY r.item;
END;
$$;
COMMENT ON FUNCTION nous.load_observations(regclass, text, text, integer, jsonb, integer, text, text, text[]) IS
  'Loads a wide staging table or view (one row per territory, text columns) into nous.observations: indicators maps column names to indicator codes, period is the year. Values are numbers (a decimal comma and spaces between thousands are accepted); the strings of missing (default '''', NA, s, nd, n.d.) are loaded as NULL (not published). Rejects with their line: malformed or unknown territory codes, duplicate territories, non-numbers. Loaded values replace earlier ones of the same indicator, territory and period.';

CREATE FUNCTION nous.create_staging(name text, header text, separator text DEFAULT NULL, temporary boolean DEFAULT true)
  RETURNS text LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp
  AS $$
#variable_conflict use_variable
DECLARE
  h text := split_part(replace(header, E'\r', ''), E'\n', 1);
  sep text;
  cols text[];
  seen text[] := '{}';
  c text;
  ddl text := '';
  i integer := 0;
BEGIN
  IF name IS NULL OR header IS NULL THEN
    RAISE EXCEPTION 'name and header must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  h := ltrim(h, U&'\FEFF');     -- a UTF-8 byte order mark
  sep := coalesce(separator, nous.csv_separator(h));
  cols := string_to_array(h, sep);
  FOREACH c IN ARRAY cols LOOP
    i := i + 1;
    c := btrim(c, ' "');
    IF c = '' THEN
      c := 'column' || i;
    END IF;
    IF c = ANY (seen) THEN
      c := c || '_' || i;
    END IF;
    seen := seen || c;
    ddl := ddl || CASE WHEN i > 1 THEN ', ' ELSE '' END || format('%I text', c);
  END LOOP;
  EXECUTE format('CREATE %s TABLE %s (%s)', CASE WHEN temporary THEN 'TEMP' ELSE '' END,
                 CASE WHEN temporary THEN quote_ident(name) ELSE name END, ddl);
  RETURN sep;
END;
$$;
COMMENT ON FUNCTION nous.create_staging(text, text, text, boolean) IS
  'Creates a staging table (temporary by default; else name may be schema-qualified) with one text column per field of a CSV header line (a byte order mark is dropped, quotes trimmed, empty or repeated names numbered); the separator is detected by nous.csv_separator unless given; returns it, for psql \copy ... DELIMITER.';

-- ---- sql/86_refresh.sql ----
-- refresh: registered materialized views refreshed in dependency order (one
-- call for a nightly job), concurrently where a unique index allows, each run
-- logged; a failing view keeps its last good data and only its dependants are
-- skipped.

-- ---- registry ------------------------------------------------------------
-- A view is identified by its schema and name as text (not by oid), so that
-- registrations survive pg_dump / pg_restore.
CREATE TABLE nous.refresh_views (
  view_schema   text NOT NULL,
  view_name     text NOT NULL,
  view_group    text NOT NULL DEFAULT 'default' CHECK (view_group <> ''),
  enabled       boolean NOT NULL DEFAULT true,
  concurrent    boolean,
  registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  registered_by name NOT NULL DEFAULT CURRENT_USER,
  PRIMARY KEY (view_schema, view_name)
);
COMMENT ON TABLE nous.refresh_views IS
  'Materialized views registered for nous.refresh(): one row per view, by schema and name (so that registrations survive dump/restore).';
COMMENT ON COLUMN nous.refresh_views.view_schema IS 'Schema of the materialized view.';
COMMENT ON COLUMN nous.refresh_views.view_name IS 'Name of the materialized view.';
COMMENT ON COLUMN nous.refresh_views.view_group IS 'Group of the view: nous.refresh(group) refreshes one group (e.g. nightly); NULL refreshes all.';
COMMENT ON COLUMN nous.refresh_views.enabled IS 'False to leave the view out of every refresh without unregistering it.';
COMMENT ON COLUMN nous.refresh_views.concurrent IS 'REFRESH ... CONCURRENTLY: true always, false never, NULL (auto) when the view is populated and has a usable unique index.';
COMMENT ON COLUMN nous.refresh_views.registered_at IS 'When the view was registered.';
COMMENT ON COLUMN nous.refresh_views.registered_by IS 'Role that registered the view.';

CREATE TABLE nous.refresh_dependencies (
  view_schema    text NOT NULL,
  view_name      text NOT NULL,
  depends_schema text NOT NULL,
  depends_name   text NOT NULL,
  PRIMARY KEY (view_schema, view_name, depends_schema, depends_name),
  FOREIGN KEY (view_schema, view_name) REFERENCES nous.refresh_views
    ON DELETE CASCADE ON UPDATE CASCADE,
  FOREIGN KEY (depends_schema, depends_name) REFERENCES nous.refresh_views
    ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE nous.refresh_dependencies IS
  'Explicit dependencies between registered views (those PostgreSQL cannot see, e.g. through a function); the ones read by the query, directly or through plain views, are found automatically.';
COMMENT ON COLUMN nous.refresh_dependencies.view_schema IS 'Schema of the dependent view.';
COMMENT ON COLUMN nous.refresh_dependencies.view_name IS 'Name of the dependent view.';
COMMENT ON COLUMN nous.refresh_dependencies.depends_schema IS 'Schema of the view refreshed first.';
COMMENT ON COLUMN nous.refresh_dependencies.depends_name IS 'Name of the view refreshed first.';

CREATE SEQUENCE nous.refresh_run_seq;
COMMENT ON SEQUENCE nous.refresh_run_seq IS 'Numbers of the refresh runs (nous.refresh_log.run_id).';

CREATE TABLE nous.refresh_log (
  run_id      bigint NOT NULL,
  ordinal    integer NOT NULL,
  view_schema text NOT NULL,
  view_name   text NOT NULL,
  view_group  text NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  row_count   bigint,
  concurrent  boolean,
  outcome     text NOT NULL CHECK (outcome IN ('ok', 'failed', 'skipped')),
  sqlstate    text,
  error       text,
  detail      text,
  PRIMARY KEY (run_id, view_schema, view_name)
);
CREATE INDEX refresh_log_view ON nous.refresh_log (view_schema, view_name, run_id);
COMMENT ON TABLE nous.refresh_log IS
  'One row per view and refresh run: when, how many rows after the refresh, whether CONCURRENTLY was used, the outcome (ok, failed, skipped) and the error.';
COMMENT ON COLUMN nous.refresh_log.run_id IS 'Number of the run (one call of nous.refresh or nous.refresh_now).';
COMMENT ON COLUMN nous.refresh_log.ordinal IS 'Position of the view in the run (dependency order).';
COMMENT ON COLUMN nous.refresh_log.view_schema IS 'Schema of the materialized view.';
COMMENT ON COLUMN nous.refresh_log.view_name IS 'Name of the materialized view.';
COMMENT ON COLUMN nous.refresh_log.view_group IS 'Group of the view at the time of the run.';
COMMENT ON COLUMN nous.refresh_log.started_at IS 'When the refresh of this view started.';
COMMENT ON COLUMN nous.refresh_log.finished_at IS 'When it ended (committed soon after by CALL nous.refresh).';
COMMENT ON COLUMN nous.refresh_log.row_count IS 'Rows of the view after a successful refresh; NULL otherwise.';
COMMENT ON COLUMN nous.refresh_log.concurrent IS 'Whether REFRESH MATERIALIZED VIEW CONCURRENTLY was used (readers not blocked).';
COMMENT ON COLUMN nous.refresh_log.outcome IS 'ok; failed (the view keeps its previous data); skipped (a view it depends on failed or was skipped).';
COMMENT ON COLUMN nous.refresh_log.sqlstate IS 'SQLSTATE of the error when failed.';
COMMENT ON COLUMN nous.refresh_log.error IS 'Error message when failed; for skipped, the view that failed.';
COMMENT ON COLUMN nous.refresh_log.detail IS 'Error detail when failed, if any.';

-- registrations and the log are user data: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('nous.refresh_views', '');
SELECT pg_catalog.pg_extension_config_dump('nous.refresh_dependencies', '');
SELECT pg_catalog.pg_extension_config_dump('nous.refresh_log', '');
SELECT pg_catalog.pg_extension_config_dump('nous.refresh_run_seq', '');

CREATE VIEW nous.refresh_last AS
SELECT r.view_schema, r.view_name, r.view_group, r.enabled,
       l.run_id, l.started_at, l.finished_at,
       pg_catalog.date_part('epoch', l.finished_at - l.started_at) AS seconds,
       l.row_count, l.concurrent, l.outcome, l.sqlstate, l.error,
       g.last_ok_at
  FROM nous.refresh_views r
  LEFT JOIN LATERAL (SELECT x.* FROM nous.refresh_log x
                      WHERE x.view_schema = r.view_schema AND x.view_name = r.view_name
                      ORDER BY x.run_id DESC LIMIT 1) l ON true
  LEFT JOIN LATERAL (SELECT max(x.finished_at) AS last_ok_at FROM nous.refresh_log x
                      WHERE x.view_schema = r.view_schema AND x.view_name = r.view_name
                        AND x.outcome = 'ok') g ON true;
COMMENT ON VIEW nous.refresh_last IS
  'Last refresh of each registered materialized view (for a Metabase dashboard): outcome, duration, rows, error, and when its data was last refreshed successfully.';
COMMENT ON COLUMN nous.refresh_last.view_schema IS 'Schema of the materialized view.';
COMMENT ON COLUMN nous.refresh_last.view_name IS 'Name of the materialized view.';
COMMENT ON COLUMN nous.refresh_last.view_group IS 'Group of the view.';
COMMENT ON COLUMN nous.refresh_last.enabled IS 'Whether the view is refreshed by nous.refresh().';
COMMENT ON COLUMN nous.refresh_last.run_id IS 'Last run that included the view (NULL: never refreshed by nous).';
COMMENT ON COLUMN nous.refresh_last.started_at IS 'When the last refresh of the view started.';
COMMENT ON COLUMN nous.refresh_last.finished_at IS 'When the last refresh of the view ended.';
COMMENT ON COLUMN nous.refresh_last.seconds IS 'Duration of the last refresh, in seconds.';
COMMENT ON COLUMN nous.refresh_last.row_count IS 'Rows of the view after its last refresh (NULL if it failed or was skipped).';
COMMENT ON COLUMN nous.refresh_last.concurrent IS 'Whether the last refresh was concurrent.';
COMMENT ON COLUMN nous.refresh_last.outcome IS 'ok, failed or skipped.';
COMMENT ON COLUMN nous.refresh_last.sqlstate IS 'SQLSTATE of the last error.';
COMMENT ON COLUMN nous.refresh_last.error IS 'Message of the last error.';
COMMENT ON COLUMN nous.refresh_last.last_ok_at IS 'When the data of the view was last refreshed successfully: the data is as of then.';

-- ---- helpers -------------------------------------------------------------
CREATE FUNCTION nous.refresh_concurrent_possible(view regclass)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT c.relispopulated
         AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                      WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid
                        AND i.indpred IS NULL AND i.indexprs IS NULL
                        AND 0 <> ALL (i.indkey::int2[]))
    FROM pg_catalog.pg_class c
   WHERE c.oid = refresh_concurrent_possible.view AND c.relkind = 'm';
END;
COMMENT ON FUNCTION nous.refresh_concurrent_possible(regclass) IS
  'Whether REFRESH MATERIALIZED VIEW CONCURRENTLY can run on the view: it is populated and has a valid unique index on plain columns with no WHERE clause.';

CREATE FUNCTION nous.refresh_edges()
RETURNS TABLE (view_schema text, view_name text, depends_schema text, depends_name text, kind text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH RECURSIVE reg AS (
    SELECT r.view_schema, r.view_name, c.oid
      FROM nous.refresh_views r
      JOIN pg_catalog.pg_namespace n ON n.nspname = r.view_schema
      JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = r.view_name AND c.relkind = 'm'
  ), reads (root, rel) AS (
    SELECT reg.oid, d.refobjid
      FROM reg
      JOIN pg_catalog.pg_rewrite w ON w.ev_class = reg.oid
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = w.oid
                                 AND d.refclassid = 'pg_catalog.pg_class'::regclass
     WHERE d.refobjid <> reg.oid
    UNION
    SELECT reads.root, d.refobjid
      FROM reads
      JOIN pg_catalog.pg_class c ON c.oid = reads.rel AND c.relkind = 'v'
      JOIN pg_catalog.pg_rewrite w ON w.ev_class = c.oid
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = w.oid
                                 AND d.refclassid = 'pg_catalog.pg_class'::regclass
     WHERE d.refobjid <> c.oid
  )
  SELECT DISTINCT a.view_schema, a.view_name, b.view_schema, b.view_name, 'auto'
    FROM reads JOIN reg a ON a.oid = reads.root JOIN reg b ON b.oid = reads.rel
   WHERE a.oid <> b.oid
  UNION
  SELECT d.view_schema, d.view_name, d.depends_schema, d.depends_name, 'explicit'
    FROM nous.refresh_dependencies d
   ORDER BY 1, 2, 3, 4, 5;
END;
COMMENT ON FUNCTION nous.refresh_edges() IS
  'Dependencies between registered views: auto (the query reads the other view, directly or through plain views) and explicit (nous.refresh_register depends_on).';

CREATE FUNCTION nous.refresh_plan("group" text DEFAULT NULL)
RETURNS TABLE (ordinal integer, view_schema text, view_name text, view_group text,
               level integer, depends_on text[], concurrent boolean, note text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  lv       jsonb := '{}';
  keys     text[];
  ev       text[];
  ed       text[];
  k        text;
  i        integer;
  m        integer;
  ready    boolean;
  progress boolean;
  left_    text[];
BEGIN
  -- levels by Kahn's algorithm over every registered view (enabled or not):
  -- level 0 reads no registered view, level n reads one of level n-1
  SELECT coalesce(array_agg(format('%I.%I', r.view_schema, r.view_name) ORDER BY r.view_schema, r.view_name), '{}')
    INTO keys FROM nous.refresh_views r;
  SELECT coalesce(array_agg(format('%I.%I', e.view_schema, e.view_name)), '{}'),
         coalesce(array_agg(format('%I.%I', e.depends_schema, e.depends_name)), '{}')
    INTO ev, ed FROM nous.refresh_edges() e;
  LOOP
    progress := false;
    left_ := '{}';
    FOREACH k IN ARRAY keys LOOP
      CONTINUE WHEN lv ? k;
      ready := true;
      m := -1;
      FOR i IN 1 .. cardinality(ev) LOOP
        CONTINUE WHEN ev[i] <> k;
        IF NOT lv ? ed[i] THEN ready := false; EXIT; END IF;
        m := greatest(m, (lv->>ed[i])::integer);
      END LOOP;
      IF ready THEN
        lv := lv || jsonb_build_object(k, m + 1);
        progress := true;
      ELSE
        left_ := left_ || k;
      END IF;
    END LOOP;
    EXIT WHEN cardinality(left_) = 0;
    IF NOT progress THEN
      RAISE EXCEPTION 'dependency cycle among registered materialized views'
        USING ERRCODE = 'invalid_object_definition',
              DETAIL = format('These views depend on each other, directly or through views they read: %s.',
                              array_to_string(left_, ', ')),
              HINT = 'Remove an explicit dependency with nous.refresh_unregister() and register the view again.';
    END IF;
  END LOOP;
  RETURN QUERY
  WITH e AS (SELECT x.view_schema, x.view_name,
                    array_agg(DISTINCT format('%I.%I', x.depends_schema, x.depends_name)) AS deps
               FROM nous.refresh_edges() x GROUP BY 1, 2),
       v AS (SELECT r.*, c.oid, (lv->>format('%I.%I', r.view_schema, r.view_name))::integer AS lvl
               FROM nous.refresh_views r
               LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = r.view_schema
               LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = r.view_name
                                              AND c.relkind = 'm'
              WHERE r.enabled AND (refresh_plan."group" IS NULL OR r.view_group = refresh_plan."group"))
  SELECT (row_number() OVER (ORDER BY v.lvl, v.view_schema, v.view_name))::integer,
         v.view_schema, v.view_name, v.view_group, v.lvl, coalesce(e.deps, '{}'),
         CASE WHEN v.oid IS NULL THEN NULL
              ELSE coalesce(v.concurrent, nous.refresh_concurrent_possible(v.oid::regclass)) END,
         CASE WHEN v.oid IS NULL THEN 'missing: no materialized view of this name'
              WHEN v.concurrent IS NULL AND nous.refresh_concurrent_possible(v.oid::regclass) THEN 'auto: concurrent (populated, unique index)'
              WHEN v.concurrent IS NULL AND NOT (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid = v.oid) THEN 'auto: not concurrent (not populated yet)'
              WHEN v.concurrent IS NULL THEN 'auto: not concurrent (no unique index on plain columns without WHERE)'
              WHEN v.concurrent THEN 'forced concurrent'
              ELSE 'forced not concurrent' END
    FROM v LEFT JOIN e ON e.view_schema = v.view_schema AND e.view_name = v.view_name
   ORDER BY 1;
END
$$;
COMMENT ON FUNCTION nous.refresh_plan(text) IS
  'What nous.refresh(group) will do, in order: each enabled view of the group (NULL: all groups) with its dependency level, the registered views it depends on, and whether it will be refreshed concurrently and why; raises an error on a dependency cycle.';

-- ---- registration --------------------------------------------------------
CREATE FUNCTION nous.refresh_register(view regclass, "group" text DEFAULT 'default',
                                      depends_on regclass[] DEFAULT '{}',
                                      concurrent boolean DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c   record;
  dep regclass;
  dc  record;
BEGIN
  IF view IS NULL OR "group" IS NULL THEN
    RAISE EXCEPTION 'view and group must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF "group" = '' THEN
    RAISE EXCEPTION 'group must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT n.nspname::text AS s, cl.relname::text AS r, cl.relkind INTO c
    FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE cl.oid = view;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'relation with oid % does not exist', view::oid USING ERRCODE = 'undefined_table';
  END IF;
  IF c.relkind <> 'm' THEN
    RAISE EXCEPTION '"%" is not a materialized view', view
      USING ERRCODE = 'wrong_object_type',
            DETAIL = format('It is %s.', CASE c.relkind WHEN 'r' THEN 'a table' WHEN 'v' THEN 'a plain view'
                                                      WHEN 'p' THEN 'a partitioned table' WHEN 'f' THEN 'a foreign table'
                                                      ELSE 'not a materialized view' END),
            HINT = 'Only materialized views are refreshed; plain views are always up to date.';
  END IF;
  IF EXISTS (SELECT 1 FROM nous.refresh_views r WHERE r.view_schema = c.s AND r.view_name = c.r) THEN
    RAISE EXCEPTION 'materialized view "%" is already registered', view
      USING ERRCODE = 'duplicate_object',
            HINT = 'Unregister it first with nous.refresh_unregister(), or change its row of nous.refresh_views.';
  END IF;
  INSERT INTO nous.refresh_views (view_schema, view_name, view_group, concurrent)
  VALUES (c.s, c.r, "group", concurrent);
  FOREACH dep IN ARRAY coalesce(depends_on, '{}') LOOP
    CONTINUE WHEN dep IS NULL;
    IF dep = view THEN
      RAISE EXCEPTION 'dependency cycle: "%" cannot depend on itself', view
        USING ERRCODE = 'invalid_object_definition';
    END IF;
    SELECT n.nspname::text AS s, cl.relname::text AS r, cl.relkind INTO dc
      FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE cl.oid = dep;
    IF NOT FOUND OR dc.relkind <> 'm' THEN
      RAISE EXCEPTION 'dependency "%" is not a materialized view', dep USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM nous.refresh_views r WHERE r.view_schema = dc.s AND r.view_name = dc.r) THEN
      RAISE EXCEPTION 'dependency "%" is not registered', dep
        USING ERRCODE = 'undefined_object',
              HINT = 'Register the views a view depends on first.';
    END IF;
    INSERT INTO nous.refresh_dependencies VALUES (c.s, c.r, dc.s, dc.r) ON CONFLICT DO NOTHING;
  END LOOP;
  -- a cycle through explicit dependencies raises here and undoes the registration
  PERFORM count(*) FROM nous.refresh_plan(NULL);
END
$$;
COMMENT ON FUNCTION nous.refresh_register(regclass, text, regclass[], boolean) IS
  'Register a materialized view for nous.refresh(): its group, the registered views it depends on beyond those its query reads (found automatically), and concurrent (true, false, or NULL = auto).';

CREATE FUNCTION nous.refresh_unregister(view_schema text, view_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM nous.refresh_views r
   WHERE r.view_schema = refresh_unregister.view_schema AND r.view_name = refresh_unregister.view_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'materialized view %.% is not registered', quote_ident(view_schema), quote_ident(view_name)
      USING ERRCODE = 'undefined_object', HINT = 'See the table nous.refresh_views.';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.refresh_unregister(text, text) IS
  'Unregister a materialized view by schema and name (works after the view was dropped); its explicit dependencies go with it, its log stays.';

CREATE FUNCTION nous.refresh_unregister(view regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s text;
  r text;
BEGIN
  SELECT n.nspname, c.relname INTO s, r
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = view;
  PERFORM nous.refresh_unregister(s, r);
END
$$;
COMMENT ON FUNCTION nous.refresh_unregister(regclass) IS
  'Unregister a materialized view; its explicit dependencies go with it, its log stays.';

CREATE FUNCTION nous.refresh_enable(view regclass, enabled boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE nous.refresh_views r SET enabled = coalesce(refresh_enable.enabled, true)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = view AND r.view_schema = n.nspname AND r.view_name = c.relname;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'materialized view "%" is not registered', view USING ERRCODE = 'undefined_object';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.refresh_enable(regclass, boolean) IS
  'Include (true) or leave out (false) a registered view in the refreshes without unregistering it.';

-- ---- running -------------------------------------------------------------
CREATE FUNCTION nous.refresh_begin("group" text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF "group" IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM nous.refresh_views r WHERE r.view_group = refresh_begin."group") THEN
    RAISE EXCEPTION 'no materialized view is registered in group "%"', "group"
      USING ERRCODE = 'undefined_object',
            HINT = 'See the table nous.refresh_views; register views with nous.refresh_register(view, group).';
  END IF;
  PERFORM count(*) FROM nous.refresh_plan("group");   -- a cycle stops the run before it starts
  RETURN nextval('nous.refresh_run_seq');
END
$$;
COMMENT ON FUNCTION nous.refresh_begin(text) IS
  'Internal step of nous.refresh: check the group and the dependency graph, return a new run number.';

CREATE FUNCTION nous.refresh_step(run_id bigint, "group" text, lock_timeout interval DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p       record;
  failed  text;
  t0      timestamptz := clock_timestamp();
  n       bigint;
  conc    boolean;
  st      text;
  msg     text;
  det     text;
  old_lt  text := current_setting('lock_timeout');
BEGIN
  -- the next view of the plan that this run has not handled yet
  SELECT pl.* INTO p FROM nous.refresh_plan(refresh_step."group") pl
   WHERE NOT EXISTS (SELECT 1 FROM nous.refresh_log l
                      WHERE l.run_id = refresh_step.run_id
                        AND l.view_schema = pl.view_schema AND l.view_name = pl.view_name)
   ORDER BY pl.ordinal LIMIT 1;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  SELECT string_agg(format('%I.%I', l.view_schema, l.view_name) || ' ' || l.outcome, ', ' ORDER BY l.ordinal)
    INTO failed FROM nous.refresh_log l
   WHERE l.run_id = refresh_step.run_id AND l.outcome <> 'ok'
     AND format('%I.%I', l.view_schema, l.view_name) = ANY (p.depends_on);
  IF failed IS NOT NULL THEN
    INSERT INTO nous.refresh_log (run_id, ordinal, view_schema, view_name, view_group, started_at,
                                  finished_at, outcome, error)
    VALUES (run_id, p.ordinal, p.view_schema, p.view_name, p.view_group, t0, clock_timestamp(),
            'skipped', 'depends on ' || failed);
    RETURN true;
  END IF;
  conc := coalesce(p.concurrent, false);
  IF lock_timeout IS NOT NULL THEN
    PERFORM set_config('lock_timeout',
                       (greatest(1, round(date_part('epoch', lock_timeout) * 1000)))::bigint::text || 'ms', true);
  END IF;
  BEGIN
    EXECUTE format('REFRESH MATERIALIZED VIEW %s%I.%I', CASE WHEN conc THEN 'CONCURRENTLY ' ELSE '' END,
                   p.view_schema, p.view_name);
    EXECUTE format('SELECT pg_catalog.count(*) FROM %I.%I', p.view_schema, p.view_name) INTO n;
  EXCEPTION WHEN OTHERS THEN
    -- the subtransaction is rolled back: the view keeps its previous data
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  END;
  PERFORM set_config('lock_timeout', old_lt, true);
  INSERT INTO nous.refresh_log (run_id, ordinal, view_schema, view_name, view_group, started_at,
                                finished_at, row_count, concurrent, outcome, sqlstate, error, detail)
  VALUES (run_id, p.ordinal, p.view_schema, p.view_name, p.view_group, t0, clock_timestamp(),
          n, conc, CASE WHEN st IS NULL THEN 'ok' ELSE 'failed' END, st, msg, nullif(det, ''));
  RETURN true;
END
$$;
COMMENT ON FUNCTION nous.refresh_step(bigint, text, interval) IS
  'Internal step of nous.refresh: refresh the next view of the run in a subtransaction (or skip it when a view it depends on failed) and log it; false when the run is complete.';

CREATE FUNCTION nous.refresh_in_transaction_block()
RETURNS boolean
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'nous_refresh_in_transaction_block';
COMMENT ON FUNCTION nous.refresh_in_transaction_block() IS
  'Whether the current statement runs in a transaction block (an explicit BEGIN, or several statements sent in one query string), where CALL nous.refresh cannot commit after each view.';

CREATE FUNCTION nous.refresh_now("group" text DEFAULT NULL, lock_timeout interval DEFAULT NULL)
RETURNS SETOF nous.refresh_log
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  run bigint := nous.refresh_begin("group");
BEGIN
  WHILE nous.refresh_step(run, "group", lock_timeout) LOOP
  END LOOP;
  RETURN QUERY SELECT * FROM nous.refresh_log l WHERE l.run_id = run ORDER BY l.ordinal;
END
$$;
COMMENT ON FUNCTION nous.refresh_now(text, interval) IS
  'Refresh the enabled views of a group (NULL: all) in dependency order within the current transaction (each view in a subtransaction) and return the log of the run; for clients that can only SELECT. CALL nous.refresh() commits after each view instead.';

-- A procedure so that it can COMMIT after each view: the log survives a later
-- failure and readers see each view as soon as it is refreshed.  It has no
-- SET search_path (PostgreSQL forbids COMMIT in a procedure with a SET
-- clause): its body only calls the schema-qualified functions above, which
-- all have SET search_path = pg_catalog, pg_temp.
CREATE PROCEDURE nous.refresh("group" text DEFAULT NULL, lock_timeout interval DEFAULT NULL,
                              INOUT run_id bigint DEFAULT NULL)
LANGUAGE plpgsql
AS $$
BEGIN
  run_id := nous.refresh_begin("group");
  IF nous.refresh_in_transaction_block() THEN
    -- inside BEGIN ... COMMIT: no commit possible; each view still runs in a
    -- subtransaction, and everything commits (or not) with the caller
    RAISE NOTICE 'nous.refresh called inside a transaction block: the views are refreshed in subtransactions and committed with the transaction';
    WHILE nous.refresh_step(run_id, "group", lock_timeout) LOOP
    END LOOP;
    RETURN;
  END IF;
  COMMIT;
  WHILE nous.refresh_step(run_id, "group", lock_timeout) LOOP
    COMMIT;
  END LOOP;
END
$$;
COMMENT ON PROCEDURE nous.refresh(text, interval, bigint) IS
  'Refresh the enabled registered views of a group (NULL: all groups) in dependency order, concurrently where possible, committing after each view; a failing view keeps its data and its dependants are skipped; every view is logged in nous.refresh_log. Returns the run number.';

CREATE FUNCTION nous.refresh_log_prune(keep interval DEFAULT '90 days')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  IF keep IS NULL OR keep < interval '0' THEN
    RAISE EXCEPTION 'keep must be a non-negative interval' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the last run of each view is always kept (nous.refresh_last)
  DELETE FROM nous.refresh_log l
   WHERE l.finished_at < now() - keep
     AND l.run_id < (SELECT max(x.run_id) FROM nous.refresh_log x
                      WHERE x.view_schema = l.view_schema AND x.view_name = l.view_name);
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
COMMENT ON FUNCTION nous.refresh_log_prune(interval) IS
  'Delete the log rows older than keep (default 90 days), except the last run of each view; returns the number of rows deleted.';

-- ---- sql/88_outputs.sql ----
-- outputs: publishable views for QGIS (maps) and Metabase (BI tables), French
-- number formats and class labels, and a validator of output conventions.

-- ---------------------------------------------------------------- formats

CREATE FUNCTION nous.format_fr(value float8, digits int DEFAULT 1)
  RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  t text;
  ip text;
  fp text;
  neg boolean;
BEGIN
  IF digits < 0 OR digits > 15 THEN
    RAISE EXCEPTION 'digits must be between 0 and 15'
      USING ERRCODE = '22023', DETAIL = format('digits is %s.', digits);
  END IF;
  IF value = 'NaN'::float8 OR value = 'Infinity'::float8 OR value = '-Infinity'::float8 THEN
    RETURN value::text;
  END IF;
  t := round(value::numeric, digits)::text;
  neg := left(t, 1) = '-';
  IF neg THEN
    t := substr(t, 2);
  END IF;
  ip := split_part(t, '.', 1);
  fp := split_part(t, '.', 2);
  -- thousands grouped by a no-break space (U+00A0), as INSEE publishes
  ip := regexp_replace(ip, '(\d)(?=(\d{3})+$)', E'\\1\u00a0', 'g');
  IF neg AND (ip || fp) ~ '[1-9]' THEN   -- never "-0,0"
    ip := '-' || ip;
  END IF;
  RETURN ip || CASE WHEN fp <> '' THEN ',' || fp ELSE '' END;
END
$$;
COMMENT ON FUNCTION nous.format_fr(float8, int) IS
  'A number written the French way: rounded to digits decimals (half away from zero), decimal comma, thousands grouped by a no-break space: 12345.678 -> ''12 345,7''.';

CREATE FUNCTION nous.class_labels(breaks float8[], minimum float8, digits int DEFAULT NULL)
  RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  b float8[];
  n int := coalesce(cardinality(breaks), 0);
  d int;
  lo text;
  hi text;
  out text[] := '{}';
  gap float8;
BEGIN
  IF n = 0 THEN
    RETURN out;
  END IF;
  IF array_position(breaks, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'breaks must not contain NULL' USING ERRCODE = '22004';
  END IF;
  b := ARRAY[coalesce(minimum, breaks[1])] || breaks;
  IF digits IS NULL THEN
    -- the fewest decimals that keep the bounds apart and move none of them
    -- by more than a tenth of the smallest gap between two bounds
    SELECT min(b[i + 1] - b[i]) INTO gap FROM generate_series(1, n) i WHERE b[i + 1] > b[i];
    d := 0;
    WHILE d < 10 AND (SELECT count(DISTINCT round(x::numeric, d)) < count(DISTINCT x)
                             OR max(abs(round(x::numeric, d) - x::numeric)) > 0.1 * gap
                        FROM unnest(b) x) LOOP
      d := d + 1;
    END LOOP;
  ELSE
    d := digits;
  END IF;
  FOR c IN 1 .. n LOOP
    hi := nous.format_fr(b[c + 1], d);
    IF c = 1 AND minimum IS NULL THEN
      out := out || ('≤ ' || hi);
      CONTINUE;
    END IF;
    lo := nous.format_fr(b[c], d);
    out := out || CASE WHEN lo = hi THEN hi ELSE lo || ' – ' || hi END;
  END LOOP;
  RETURN out;
END
$$;
COMMENT ON FUNCTION nous.class_labels(float8[], float8, int) IS
  'French labels of classes given by their upper bounds and the minimum: ''12,3 – 18,7'' (class c runs from bound c-1, or the minimum, to bound c); digits NULL = the fewest decimals that keep the bounds apart and move none by more than a tenth of the smallest gap.';

-- ---------------------------------------------------------------- columns

CREATE FUNCTION nous.output_columns(rel regclass)
  RETURNS TABLE (column_name name, data_type text, plain boolean, is_geometry boolean,
                 geometry_type text, srid int, description text)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  RETURN QUERY
  WITH cols AS (
    SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS ft,
           -- a domain counts as its base type
           CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS base,
           col_description(a.attrelid, a.attnum) AS descr
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
  ), typed AS (
    SELECT c.*, bt.typname AS basename,
           (bt.typname = 'geometry' AND bt.typnamespace =
              (SELECT e.extnamespace FROM pg_extension e WHERE e.extname = 'postgis')) AS geo
      FROM cols c JOIN pg_type bt ON bt.oid = c.base
  )
  SELECT t.attname, t.ft,
         t.geo OR (t.basename IN ('bool', 'int2', 'int4', 'int8', 'float4', 'float8', 'numeric',
                                  'text', 'varchar', 'bpchar', 'date', 'timestamp', 'timestamptz')
                   AND t.base IN (SELECT oid FROM pg_type WHERE typnamespace = 'pg_catalog'::regnamespace)),
         t.geo,
         CASE WHEN t.geo THEN (regexp_match(t.ft, 'geometry\((\w+)'))[1] END,
         CASE WHEN t.geo THEN coalesce((regexp_match(t.ft, 'geometry\(\w+,(-?\d+)\)'))[1]::int, 0) END,
         t.descr
    FROM typed t
   ORDER BY t.attnum;
END
$$;
COMMENT ON FUNCTION nous.output_columns(regclass) IS
  'The columns of a table or view as a map or BI tool sees them: type, whether it is a plain type (boolean, integers, float, numeric, text, varchar, char, date, timestamp[tz], or a PostGIS geometry), geometry type and SRID from the typmod (SRID 0 = none), and the column comment.';

-- ---------------------------------------------------------------- validator

CREATE FUNCTION nous.check_output(view regclass, key_column text DEFAULT NULL)
  RETURNS TABLE ("check" text, ok boolean, detail text)
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  kind "char";
  cols record;
  bad text;
  has_geo boolean;
  key_name name;
  key_type text;
  idx text;
  n bigint;
  m bigint;
BEGIN
  SELECT c.relkind INTO kind FROM pg_class c WHERE c.oid = view;
  IF kind IS NULL THEN
    RAISE EXCEPTION 'relation with OID % does not exist', view::oid USING ERRCODE = '42P01';
  END IF;
  "check" := 'relation';
  ok := kind IN ('v', 'm', 'r', 'p', 'f');
  detail := CASE kind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'r' THEN 'table'
                      WHEN 'p' THEN 'partitioned table' WHEN 'f' THEN 'foreign table'
                      ELSE format('relkind %s is not a table or view', kind) END;
  RETURN NEXT;
  IF NOT ok THEN
    RETURN;
  END IF;

  "check" := 'relation comment';
  ok := coalesce(btrim(obj_description(view, 'pg_class')), '') <> '';
  detail := CASE WHEN ok THEN 'COMMENT ON the relation is set' ELSE 'no COMMENT ON the relation' END;
  RETURN NEXT;

  SELECT string_agg(quote_ident(o.column_name), ', ') INTO bad
    FROM nous.output_columns(view) o WHERE coalesce(btrim(o.description), '') = '';
  "check" := 'column comments';
  ok := bad IS NULL;
  detail := coalesce('columns without a comment: ' || bad, 'every column has a comment');
  RETURN NEXT;

  SELECT string_agg(format('%I (%s)', o.column_name, o.data_type), ', ') INTO bad
    FROM nous.output_columns(view) o WHERE NOT o.plain;
  "check" := 'plain column types';
  ok := bad IS NULL;
  detail := coalesce('columns of other types: ' || bad,
                     'boolean, integer, float, numeric, text, date/time and geometry columns only');
  RETURN NEXT;

  SELECT bool_or(o.is_geometry) INTO has_geo FROM nous.output_columns(view) o;
  has_geo := coalesce(has_geo, false);

  -- the key: an integer column, unique and never NULL
  IF key_column IS NOT NULL OR has_geo OR kind IN ('m', 'r', 'p') THEN
    "check" := 'integer key';
    key_name := NULL;
    detail := NULL;
    IF key_column IS NOT NULL THEN
      SELECT o.column_name, o.data_type INTO key_name, key_type
        FROM nous.output_columns(view) o WHERE o.column_name = key_column;
      IF key_name IS NULL THEN
        ok := false;
        detail := format('no column %I', key_column);
      ELSIF key_type NOT IN ('smallint', 'integer', 'bigint') THEN
        ok := false;
        detail := format('column %I is %s, not an integer type', key_name, key_type);
        key_name := NULL;
      END IF;
    END IF;
    IF kind IN ('m', 'r', 'p') THEN
      -- a valid unique index on one integer column, without predicate or
      -- expression: what REFRESH MATERIALIZED VIEW CONCURRENTLY and QGIS need
      SELECT a.attname, i.indexrelid::regclass::text INTO key_name, idx
        FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
       WHERE i.indrelid = view AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
         AND i.indexprs IS NULL AND i.indnkeyatts = 1
         AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
         AND (key_column IS NULL OR a.attname = key_column)
       ORDER BY i.indisprimary DESC, a.attnum
       LIMIT 1;
      ok := key_name IS NOT NULL;
      detail := CASE WHEN ok THEN format('column %I, unique index %s', key_name, idx)
                     WHEN key_column IS NOT NULL THEN coalesce(detail, format('no unique index on column %I alone', key_column))
                     ELSE 'no valid unique index on one integer column (needed by QGIS and by REFRESH MATERIALIZED VIEW CONCURRENTLY)' END;
    ELSIF key_column IS NULL THEN
      ok := false;
      detail := 'a plain view has no unique index: pass key_column to check the data, or publish a map with nous.create_map_view';
    ELSIF key_name IS NOT NULL THEN
      EXECUTE format('SELECT count(*), count(DISTINCT %I) FROM %s', key_name, view) INTO n, m;
      ok := n = m;
      detail := CASE WHEN ok THEN format('column %I: %s distinct values (checked on the data of a plain view)', key_name, m)
                     ELSE format('column %I: %s duplicate values among %s rows', key_name, n - m, n) END;
    END IF;
    RETURN NEXT;

    IF key_name IS NOT NULL THEN
      "check" := 'key not null';
      EXECUTE format('SELECT count(*) FROM %s WHERE %I IS NULL', view, key_name) INTO n;
      ok := n = 0;
      detail := CASE WHEN ok THEN format('no NULL in %I', key_name)
                     ELSE format('%s NULL values in %I', n, key_name) END;
      RETURN NEXT;
    END IF;
  END IF;

  IF has_geo THEN
    SELECT string_agg(format('%I (%s)', o.column_name, o.data_type), ', ') INTO bad
      FROM nous.output_columns(view) o
     WHERE o.is_geometry AND (o.geometry_type IS NULL OR upper(o.geometry_type) = 'GEOMETRY' OR o.srid <= 0);
    "check" := 'typed geometry';
    ok := bad IS NULL;
    SELECT coalesce('untyped or without SRID: ' || bad,
                    string_agg(format('%I geometry(%s,%s)', o.column_name, o.geometry_type, o.srid), ', '))
      INTO detail FROM nous.output_columns(view) o WHERE o.is_geometry;
    RETURN NEXT;

    IF kind IN ('m', 'r', 'p') THEN
      SELECT string_agg(quote_ident(o.column_name), ', ') INTO bad
        FROM nous.output_columns(view) o
       WHERE o.is_geometry AND NOT EXISTS (
               SELECT 1 FROM pg_index i
                 JOIN pg_class ic ON ic.oid = i.indexrelid
                 JOIN pg_am am ON am.oid = ic.relam
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                WHERE i.indrelid = view AND am.amname IN ('gist', 'spgist', 'brin')
                  AND i.indisvalid AND i.indpred IS NULL AND a.attname = o.column_name);
      "check" := 'spatial index';
      ok := bad IS NULL;
      detail := coalesce('no spatial (GiST) index on: ' || bad, 'every geometry column has a spatial index');
      RETURN NEXT;
    END IF;
  END IF;

  IF kind = 'm' THEN
    "check" := 'populated';
    SELECT c.relispopulated INTO ok FROM pg_class c WHERE c.oid = view;
    detail := CASE WHEN ok THEN 'the materialized view holds data'
                   ELSE 'created WITH NO DATA: run REFRESH MATERIALIZED VIEW first' END;
    RETURN NEXT;
  END IF;
END
$$;
COMMENT ON FUNCTION nous.check_output(regclass, text) IS
  'Checks the conventions of a published output (map or BI view): relation and column comments, plain column types, an integer key unique and not NULL (a unique index for tables and materialized views), typed geometry with an SRID and a spatial index; one row per check (check, ok, detail).';

-- ---------------------------------------------------------------- helpers

CREATE FUNCTION nous.output_prepare(name text, query text, replace boolean,
                                    OUT schema_name name, OUT rel_name name, OUT probe regclass)
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  parts text[];
  existing regclass;
  kind "char";
  q text;
BEGIN
  IF name IS NULL OR query IS NULL THEN
    RAISE EXCEPTION 'name and query must not be NULL' USING ERRCODE = '22004';
  END IF;
  parts := parse_ident(name);
  IF cardinality(parts) <> 2 THEN
    RAISE EXCEPTION 'output name must be schema-qualified: "%"', name
      USING ERRCODE = '42602',
            DETAIL = 'The functions of nous run with search_path = pg_catalog, pg_temp, so an unqualified name has no schema to go to.',
            HINT = 'Write the name as schema.view, e.g. ''nous_demo.map_squares''.';
  END IF;
  schema_name := parts[1];
  rel_name := parts[2];
  IF NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = schema_name) THEN
    RAISE EXCEPTION 'schema "%" does not exist', schema_name USING ERRCODE = '3F000';
  END IF;
  SELECT c.oid, c.relkind INTO existing, kind
    FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = schema_name)
     AND c.relname = rel_name;
  IF existing IS NOT NULL THEN
    IF NOT coalesce(replace, false) THEN
      RAISE EXCEPTION 'relation "%" already exists', name USING ERRCODE = '42P07',
        HINT = 'Pass replace => true to drop and recreate it (only views and materialized views are replaced).';
    ELSIF kind NOT IN ('v', 'm') THEN
      RAISE EXCEPTION '"%" is not a view or a materialized view: it is not replaced', name USING ERRCODE = '42809';
    END IF;
  END IF;
  -- a trailing semicolon is harmless; anything after it is not
  q := regexp_replace(query, ';\s*$', '');
  -- parse the query (without running it) into a temporary view: its columns
  -- and types, with errors reported against the caller's query
  IF to_regclass('pg_temp.nous_output_probe') IS NOT NULL THEN
    DROP VIEW pg_temp.nous_output_probe;
  END IF;
  BEGIN
    -- in parentheses: a second statement after a semicolon is a syntax error
    -- (the newline ends a trailing -- comment of the query)
    EXECUTE format('CREATE TEMP VIEW nous_output_probe AS SELECT * FROM (%s) q', q || chr(10));
  EXCEPTION WHEN undefined_table OR undefined_function OR undefined_object OR invalid_schema_name THEN
    RAISE EXCEPTION '%', SQLERRM USING ERRCODE = SQLSTATE,
      HINT = 'The query is parsed with search_path = pg_catalog, pg_temp: schema-qualify its tables and functions (nous_demo.squares, public.ST_Transform).';
  END;
  probe := 'pg_temp.nous_output_probe'::regclass;
END
$$;
COMMENT ON FUNCTION nous.output_prepare(text, text, boolean) IS
  'Internal to nous.create_map_view and nous.create_bi_view: checks the output name (schema-qualified, free or replaceable) and parses the query into the temporary view pg_temp.nous_output_probe.';

CREATE FUNCTION nous.output_descriptions(descriptions jsonb, known text[], required text[])
  RETURNS jsonb LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  bad text;
BEGIN
  IF descriptions IS NULL OR jsonb_typeof(descriptions) <> 'object' THEN
    RAISE EXCEPTION 'descriptions must be a jsonb object {"column": "description", ...}'
      USING ERRCODE = '22023', DETAIL = format('descriptions is %s.', coalesce(jsonb_typeof(descriptions), 'NULL'));
  END IF;
  SELECT string_agg(quote_ident(k), ', ' ORDER BY k) INTO bad
    FROM jsonb_object_keys(descriptions) k WHERE k <> ALL (known);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'descriptions name columns that the output does not have: %', bad
      USING ERRCODE = '42703', DETAIL = format('The output columns are: %s.', array_to_string(known, ', '));
  END IF;
  SELECT string_agg(quote_ident(k), ', ' ORDER BY k) INTO bad
    FROM jsonb_each(descriptions) e(k, v) WHERE jsonb_typeof(v) <> 'string';
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'descriptions must be strings: %', bad USING ERRCODE = '22023';
  END IF;
  SELECT string_agg(quote_ident(k), ', ' ORDER BY o) INTO bad
    FROM unnest(required) WITH ORDINALITY r(k, o)
   WHERE coalesce(btrim(descriptions ->> k), '') = '';
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'columns without a description: %', bad
      USING ERRCODE = '22023',
            DETAIL = 'Every output column gets a COMMENT ON COLUMN, which Metabase and QGIS show as its description.',
            HINT = 'Add them to descriptions, e.g. ''{"population": "Population municipale"}''.';
  END IF;
  RETURN descriptions;
END
$$;
COMMENT ON FUNCTION nous.output_descriptions(jsonb, text[], text[]) IS
  'Internal to the output helpers: checks descriptions (a jsonb object of strings naming known columns, every required column described).';

-- ---------------------------------------------------------------- map views

CREATE FUNCTION nous.create_map_view(name text, query text, key_column text, geom_column text,
                                     value_column text, k int DEFAULT 5, method text DEFAULT 'fisher',
                                     descriptions jsonb DEFAULT '{}', description text DEFAULT NULL,
                                     breaks float8[] DEFAULT NULL, digits int DEFAULT NULL,
                                     replace boolean DEFAULT false)
  RETURNS regclass LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  sch name;
  rel name;
  probe regclass;
  pgis name;
  target text;
  legend text;
  cols record;
  key_t text;
  geom_t text;
  geom_typmod text;
  val_t text;
  others text[] := '{}';
  other_sel text := '';
  reserved text[] := ARRAY['class', 'class_lower', 'class_upper', 'class_label'];
  bad text;
  r record;
  n_rows bigint := 0;
  n_null_key bigint := 0;
  n_null_geom bigint := 0;
  types text[] := '{}';
  srids int[] := '{}';
  counts text[] := '{}';
  gtype text;
  gsrid int;
  promote boolean := false;
  geom_expr text;
  br_expr text;
  cls_sql text;
  descr jsonb;
  n bigint;
BEGIN
  IF key_column IS NULL OR geom_column IS NULL OR value_column IS NULL THEN
    RAISE EXCEPTION 'key_column, geom_column and value_column must not be NULL' USING ERRCODE = '22004';
  END IF;
  IF breaks IS NULL AND (k IS NULL OR method IS NULL) THEN
    RAISE EXCEPTION 'k and method must not be NULL (or give fixed breaks)' USING ERRCODE = '22004';
  END IF;
  IF breaks IS NOT NULL THEN
    IF cardinality(breaks) = 0 OR array_position(breaks, NULL) IS NOT NULL
       OR EXISTS (SELECT 1 FROM unnest(breaks) WITH ORDINALITY a(b, i)
                   JOIN unnest(breaks) WITH ORDINALITY c(b, i) ON c.i = a.i + 1 WHERE c.b <= a.b)
       OR EXISTS (SELECT 1 FROM unnest(breaks) b WHERE b IN ('NaN', 'Infinity', '-Infinity')) THEN
      RAISE EXCEPTION 'fixed breaks must be finite, not NULL and strictly increasing'
        USING ERRCODE = '22023', DETAIL = format('breaks is %s.', breaks);
    END IF;
  END IF;
  IF digits IS NOT NULL AND (digits < 0 OR digits > 15) THEN
    RAISE EXCEPTION 'digits must be between 0 and 15' USING ERRCODE = '22023';
  END IF;
  IF breaks IS NULL THEN
    -- k and the method checked once here, rather than deep inside the view
    PERFORM nous.breaks(v, k, method) FROM (VALUES (1::float8)) t(v);
  END IF;
  SELECT p.schema_name, p.rel_name, p.probe INTO sch, rel, probe FROM nous.output_prepare(name, query, replace) p;
  IF length(rel) > 56 THEN
    RAISE EXCEPTION 'map view name "%" is too long', rel USING ERRCODE = '42622',
      DETAIL = 'The name takes at most 56 bytes, so that its legend view <name>_legend fits in 63.';
  END IF;
  SELECT e.extnamespace::regnamespace::name INTO pgis FROM pg_extension e WHERE e.extname = 'postgis';
  target := format('%I.%I', sch, rel);
  legend := format('%I.%I', sch, rel || '_legend');

  -- the three named columns, and the others passed through
  FOR cols IN SELECT * FROM nous.output_columns(probe) LOOP
    IF cols.column_name = key_column THEN
      key_t := cols.data_type;
    ELSIF cols.column_name = geom_column THEN
      geom_t := cols.data_type;
      geom_typmod := CASE WHEN cols.is_geometry AND upper(cols.geometry_type) <> 'GEOMETRY' AND cols.srid > 0
                          THEN format('%s,%s', cols.geometry_type, cols.srid) END;
      IF NOT cols.is_geometry THEN
        RAISE EXCEPTION 'geometry column "%" is of type %, not geometry', geom_column, cols.data_type
          USING ERRCODE = '42804', HINT = 'Transform geography or other types in the query (e.g. public.ST_Transform(geog::public.geometry, 2154)).';
      END IF;
    ELSIF cols.column_name = value_column THEN
      val_t := cols.data_type;
    ELSE
      IF cols.column_name = ANY (reserved) THEN
        RAISE EXCEPTION 'the query has a column "%", a name the map view uses for its classes', cols.column_name
          USING ERRCODE = '42701', HINT = 'Rename it in the query.';
      END IF;
      IF NOT cols.plain OR cols.is_geometry THEN
        bad := concat_ws(', ', bad, format('%I (%s)', cols.column_name, cols.data_type));
      END IF;
      others := others || cols.column_name::text;
      other_sel := other_sel || format(', src.%I', cols.column_name);
    END IF;
  END LOOP;
  IF key_t IS NULL OR geom_t IS NULL OR val_t IS NULL THEN
    RAISE EXCEPTION 'column "%" does not exist in the query',
      CASE WHEN key_t IS NULL THEN key_column WHEN geom_t IS NULL THEN geom_column ELSE value_column END
      USING ERRCODE = '42703',
            DETAIL = format('The query has the columns %s.',
                            (SELECT string_agg(quote_ident(o.column_name), ', ') FROM nous.output_columns(probe) o));
  END IF;
  IF key_t NOT IN ('smallint', 'integer', 'bigint') THEN
    RAISE EXCEPTION 'key column "%" is of type %, not an integer type', key_column, key_t
      USING ERRCODE = '42804', HINT = 'QGIS needs an integer key: use an integer id, or number the rows (e.g. row_number() OVER (ORDER BY code)).';
  END IF;
  IF val_t NOT IN ('smallint', 'integer', 'bigint', 'real', 'double precision') AND val_t !~ '^numeric' THEN
    RAISE EXCEPTION 'value column "%" is of type %, not a number', value_column, val_t USING ERRCODE = '42804';
  END IF;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'columns of the query that are not of a plain type: %', bad
      USING ERRCODE = '42804',
            DETAIL = 'Map views hold one geometry and otherwise boolean, integer, float, numeric, text and date/time columns.',
            HINT = 'Cast them in the query (array_to_string(a, '', ''), j::text) or leave them out.';
  END IF;
  descr := nous.output_descriptions(coalesce(descriptions, 'null'::jsonb),
                                    ARRAY[key_column, geom_column, value_column] || others || reserved, others);

  -- the data: NULL keys, NULL geometries, geometry types and SRIDs
  FOR r IN EXECUTE format(
      'SELECT CASE WHEN g IS NOT NULL THEN regexp_replace(%1$I.GeometryType(g), ''M$'', '''')'
      ' || (ARRAY['''', ''M'', ''Z'', ''ZM''])[%1$I.ST_Zmflag(g) + 1] END AS t,'
      ' %1$I.ST_SRID(g) AS srid, count(*) AS n, count(*) FILTER (WHERE key IS NULL) AS null_key'
      '  FROM (SELECT p.%2$I AS key, p.%3$I AS g FROM pg_temp.nous_output_probe p) s'
      ' GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2', pgis, key_column, geom_column) LOOP
    n_rows := n_rows + r.n;
    n_null_key := n_null_key + r.null_key;
    IF r.t IS NULL THEN
      n_null_geom := n_null_geom + r.n;
    ELSE
      types := types || r.t;
      srids := srids || r.srid;
      counts := counts || format('%s (SRID %s): %s rows', r.t, r.srid, r.n);
    END IF;
  END LOOP;
  IF n_null_key > 0 THEN
    RAISE EXCEPTION 'key column "%" has % NULL values', key_column, n_null_key
      USING ERRCODE = '23502', DETAIL = format('%s rows of %s have no key.', n_null_key, n_rows);
  END IF;
  IF n_null_geom > 0 THEN
    RAISE EXCEPTION 'geometry column "%" has % NULL values', geom_column, n_null_geom
      USING ERRCODE = '23502', DETAIL = format('%s rows of %s have no geometry; a map layer has one geometry a row.', n_null_geom, n_rows),
            HINT = 'Filter them out in the query (WHERE geom IS NOT NULL).';
  END IF;
  IF (SELECT count(DISTINCT s) FROM unnest(srids) s) > 1 THEN
    RAISE EXCEPTION 'geometry column "%" mixes % SRIDs', geom_column, (SELECT count(DISTINCT s) FROM unnest(srids) s)
      USING ERRCODE = '22023', DETAIL = format('The rows have: %s.', array_to_string(counts, '; ')),
            HINT = 'Transform them to one SRID in the query (public.ST_Transform(geom, 2154)).';
  END IF;
  IF 0 = ANY (srids) THEN
    RAISE EXCEPTION 'geometry column "%" has no SRID (0)', geom_column
      USING ERRCODE = '22023', HINT = 'Set it in the query (public.ST_SetSRID(geom, 2154)).';
  END IF;
  IF (SELECT count(DISTINCT t) FROM unnest(types) t) > 1 THEN
    -- single and multi parts of one kind are promoted to multi; others are an error
    IF (SELECT count(DISTINCT regexp_replace(t, '^MULTI', '')) FROM unnest(types) t) = 1
       AND (SELECT bool_and(t !~ '^GEOMETRYCOLLECTION') FROM unnest(types) t) THEN
      promote := true;
      gtype := 'MULTI' || regexp_replace(types[1], '^MULTI', '');
    ELSE
      RAISE EXCEPTION 'geometry column "%" mixes % geometry types', geom_column, (SELECT count(DISTINCT t) FROM unnest(types) t)
        USING ERRCODE = '22023', DETAIL = format('The rows have: %s.', array_to_string(counts, '; ')),
              HINT = 'A map layer has one geometry type: split the query, or convert (public.ST_Multi, public.ST_CollectionExtract).';
    END IF;
  ELSE
    gtype := types[1];
  END IF;
  gsrid := srids[1];
  IF gtype IS NULL THEN
    -- no row: only a typed column tells the type
    IF geom_typmod IS NULL THEN
      RAISE EXCEPTION 'the query returns no row and its geometry column is not typed'
        USING ERRCODE = '22023', HINT = 'Cast the geometry in the query, e.g. geom::public.geometry(MultiPolygon, 2154).';
    END IF;
    gtype := split_part(geom_typmod, ',', 1);
    gsrid := split_part(geom_typmod, ',', 2)::int;
  END IF;
  geom_expr := CASE WHEN promote THEN format('%I.ST_Multi(src.%I)', pgis, geom_column)
                    ELSE format('src.%I', geom_column) END;

  -- the class breaks: recomputed on every refresh over the whole view, or fixed
  IF breaks IS NOT NULL THEN
    br_expr := format('%L::float8[]', breaks);
  ELSE
    br_expr := format('nous.breaks(s.v, %s, %L)', k, method);
  END IF;
  -- @VALUE@ and @FROM@: the value and the relation, filled in below for the
  -- map (the query) and for its legend (the stored values)
  cls_sql := format(
    'SELECT b.br, b.lo, b.hi, nous.class_labels(CASE WHEN b.br IS NOT NULL THEN'
    ' b.br[1:cardinality(b.br) - 1] || greatest(b.hi, b.br[cardinality(b.br)]) END,'
    ' least(b.lo, b.br[1]), %s) AS labels'
    ' FROM (SELECT %s AS br, min(s.v) AS lo, max(s.v) AS hi FROM (SELECT @VALUE@ AS v FROM @FROM@) s) b',
    coalesce(digits::text, 'NULL'), br_expr);

  IF replace THEN
    EXECUTE format('DROP VIEW IF EXISTS %s', legend);
    IF to_regclass(target) IS NOT NULL THEN
      EXECUTE format('DROP %s %s', CASE WHEN (SELECT relkind FROM pg_class WHERE oid = to_regclass(target)) = 'm'
                                        THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target);
    END IF;
  END IF;
  -- lab is MATERIALIZED: inlined, the planner would evaluate class_labels
  -- (and the breaks' subscripts) once a row instead of once a refresh
  EXECUTE format(
    'CREATE MATERIALIZED VIEW %s AS'
    ' WITH src AS MATERIALIZED (SELECT * FROM (%s) q),'
    ' lab AS MATERIALIZED (%s)'
    ' SELECT src.%I::bigint AS %I%s, src.%I::float8 AS %I, c.class,'
    ' CASE WHEN c.class = 1 THEN least(lab.lo, lab.br[1]) ELSE lab.br[c.class - 1] END AS class_lower,'
    ' CASE WHEN c.class = cardinality(lab.br) THEN greatest(lab.hi, lab.br[c.class]) ELSE lab.br[c.class] END AS class_upper,'
    ' coalesce(lab.labels[c.class], ''non disponible'') AS class_label,'
    ' (%s)::%I.geometry(%s,%s) AS %I'
    ' FROM src CROSS JOIN lab CROSS JOIN LATERAL (SELECT nous.class_of(src.%I::float8, lab.br) AS class) c',
    target, regexp_replace(query, ';\s*$', '') || chr(10),
    replace(replace(cls_sql, '@VALUE@', format('src.%I::float8', value_column)), '@FROM@', 'src'),
    key_column, key_column, other_sel, value_column, value_column,
    geom_expr, pgis, gtype, gsrid, geom_column, value_column);
  BEGIN
    EXECUTE format('CREATE UNIQUE INDEX ON %s (%I)', target, key_column);
  EXCEPTION WHEN unique_violation THEN
    EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s GROUP BY %I HAVING count(*) > 1) d', target, key_column) INTO n;
    RAISE EXCEPTION 'key column "%" has duplicate values', key_column
      USING ERRCODE = '23505',
            DETAIL = format('%s key values occur more than once (%s).', n, SQLERRM),
            HINT = 'A map needs one row per key: aggregate in the query, or number the rows.';
  END;
  EXECUTE format('CREATE INDEX ON %s USING gist (%I)', target, geom_column);

  -- the legend: the same breaks, from the stored values
  EXECUTE format(
    'CREATE VIEW %s AS WITH lab AS MATERIALIZED (%s),'
    ' n AS (SELECT m.class, count(*) AS features FROM %s m WHERE m.class IS NOT NULL GROUP BY m.class)'
    ' SELECT c.class::int AS class,'
    ' CASE WHEN c.class = 1 THEN least(lab.lo, lab.br[1]) ELSE lab.br[c.class - 1] END AS lower,'
    ' CASE WHEN c.class = cardinality(lab.br) THEN greatest(lab.hi, lab.br[c.class]) ELSE lab.br[c.class] END AS upper,'
    ' lab.labels[c.class] AS label, coalesce(n.features, 0) AS features'
    ' FROM lab CROSS JOIN LATERAL generate_subscripts(lab.br, 1) AS c(class) LEFT JOIN n ON n.class = c.class'
    ' ORDER BY c.class',
    legend, replace(replace(cls_sql, '@VALUE@', format('m.%I', value_column)), '@FROM@', target || ' m'), target);

  -- comments, in French (what QGIS and Metabase show)
  EXECUTE format('COMMENT ON MATERIALIZED VIEW %s IS %L', target, coalesce(nullif(btrim(description), ''),
    format('Carte de %s en classes (%s), une ligne par entité ; créée par nous.create_map_view.', value_column,
           CASE WHEN breaks IS NOT NULL THEN 'seuils fixes' ELSE format('%s classes, méthode %s', k, method) END)));
  EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, key_column, coalesce(descr ->> key_column,
    'Identifiant entier unique de l''entité (clé de la couche dans QGIS).'));
  EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, geom_column, coalesce(descr ->> geom_column,
    format('Géométrie (%s, EPSG:%s).', (SELECT o.geometry_type FROM nous.output_columns(target::regclass) o
                                         WHERE o.column_name = geom_column), gsrid)));
  EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, value_column, coalesce(descr ->> value_column,
    format('Valeur représentée (colonne %s de la requête).', value_column)));
  EXECUTE format('COMMENT ON COLUMN %s.class IS %L', target, coalesce(descr ->> 'class',
    CASE WHEN breaks IS NOT NULL
         THEN format('Classe de la valeur, de 1 (valeurs les plus basses) à %s, seuils fixes %s ; vide si la valeur manque.', cardinality(breaks), breaks)
         ELSE format('Classe de la valeur, de 1 (valeurs les plus basses) à %s au plus, seuils nous.breaks(valeur, %s, %L) recalculés sur toute la vue à chaque rafraîchissement ; vide si la valeur manque.', k, k, method) END));
  EXECUTE format('COMMENT ON COLUMN %s.class_lower IS %L', target, coalesce(descr ->> 'class_lower',
    'Borne inférieure de la classe (exclue, sauf pour la classe 1 où c''est le minimum des valeurs).'));
  EXECUTE format('COMMENT ON COLUMN %s.class_upper IS %L', target, coalesce(descr ->> 'class_upper',
    'Borne supérieure de la classe (incluse ; pour la dernière classe, le maximum des valeurs).'));
  EXECUTE format('COMMENT ON COLUMN %s.class_label IS %L', target, coalesce(descr ->> 'class_label',
    'Libellé de la classe, ex. « 12,3 – 18,7 » ; « non disponible » si la valeur manque.'));
  FOR i IN 1 .. cardinality(others) LOOP
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, others[i], descr ->> others[i]);
  END LOOP;
  EXECUTE format('COMMENT ON VIEW %s IS %L', legend,
    format('Légende de la carte %s : une ligne par classe, mêmes seuils que la carte (recalculés sur ses valeurs).', target));
  EXECUTE format('COMMENT ON COLUMN %s.class IS %L', legend, 'Numéro de la classe (1 = valeurs les plus basses).');
  EXECUTE format('COMMENT ON COLUMN %s.lower IS %L', legend, 'Borne inférieure (exclue, sauf pour la classe 1 : le minimum).');
  EXECUTE format('COMMENT ON COLUMN %s.upper IS %L', legend, 'Borne supérieure (incluse).');
  EXECUTE format('COMMENT ON COLUMN %s.label IS %L', legend, 'Libellé de la classe, ex. « 12,3 – 18,7 ».');
  EXECUTE format('COMMENT ON COLUMN %s.features IS %L', legend, 'Nombre d''entités de la carte dans la classe.');
  DROP VIEW pg_temp.nous_output_probe;
  RETURN target::regclass;
END
$$;
COMMENT ON FUNCTION nous.create_map_view(text, text, text, text, text, int, text, jsonb, text, float8[], int, boolean) IS
  'Publishes a query as a QGIS map layer: a materialized view with a bigint key (unique index, refreshable CONCURRENTLY), a typed geometry column (type and SRID read from the data) with a GiST index, the value, its class (nous.breaks over the whole view, recomputed at each refresh, or fixed breaks), class bounds and French labels, comments on every column; plus the view <name>_legend.';

-- ---------------------------------------------------------------- BI views

CREATE FUNCTION nous.create_bi_view(name text, query text, description text, descriptions jsonb,
                                    key_column text DEFAULT NULL, materialized boolean DEFAULT false,
                                    cast_to_text boolean DEFAULT false, replace boolean DEFAULT false)
  RETURNS regclass LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  sch name;
  rel name;
  probe regclass;
  target text;
  cols record;
  names text[] := '{}';
  sel text[] := '{}';
  cast_from text[] := '{}';
  bad text;
  geo text;
  key_t text;
  descr jsonb;
  n bigint;
  m bigint;
BEGIN
  IF coalesce(btrim(description), '') = '' THEN
    RAISE EXCEPTION 'description must not be empty' USING ERRCODE = '22023',
      DETAIL = 'It becomes the COMMENT ON the view, which Metabase shows as the table description.';
  END IF;
  IF coalesce(materialized, false) AND key_column IS NULL THEN
    RAISE EXCEPTION 'a materialized BI view needs a key_column' USING ERRCODE = '22023',
      DETAIL = 'Its unique index lets REFRESH MATERIALIZED VIEW CONCURRENTLY keep it readable during the nightly refresh.';
  END IF;
  SELECT p.schema_name, p.rel_name, p.probe INTO sch, rel, probe FROM nous.output_prepare(name, query, replace) p;
  target := format('%I.%I', sch, rel);
  FOR cols IN SELECT * FROM nous.output_columns(probe) LOOP
    names := names || cols.column_name::text;
    IF cols.column_name = key_column THEN
      key_t := cols.data_type;
    END IF;
    IF cols.is_geometry THEN
      geo := concat_ws(', ', geo, quote_ident(cols.column_name));
    ELSIF cols.plain THEN
      sel := sel || format('q.%I', cols.column_name);
    ELSIF coalesce(cast_to_text, false) THEN
      sel := sel || format('q.%I::text AS %I', cols.column_name, cols.column_name);
      cast_from := cast_from || format('%s:%s', cols.column_name, cols.data_type);
    ELSE
      bad := concat_ws(', ', bad, format('%I (%s)', cols.column_name, cols.data_type));
    END IF;
  END LOOP;
  IF geo IS NOT NULL THEN
    RAISE EXCEPTION 'a BI view has no geometry column: %', geo
      USING ERRCODE = '42804',
            DETAIL = 'Metabase reads geometry as unreadable binary; maps go through nous.create_map_view.',
            HINT = 'Leave it out, or give coordinates (public.ST_X(public.ST_Transform(public.ST_PointOnSurface(geom), 4326))) or public.ST_AsText(geom).';
  END IF;
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'columns that are not of a plain type: %', bad
      USING ERRCODE = '42804',
            DETAIL = 'BI views hold boolean, integer, float, numeric, text, varchar, char, date and timestamp columns only.',
            HINT = 'Cast them in the query, or pass cast_to_text => true to publish their text form.';
  END IF;
  IF key_column IS NOT NULL THEN
    IF key_t IS NULL THEN
      RAISE EXCEPTION 'column "%" does not exist in the query', key_column USING ERRCODE = '42703',
        DETAIL = format('The query has the columns %s.', array_to_string(names, ', '));
    ELSIF key_t NOT IN ('smallint', 'integer', 'bigint') THEN
      RAISE EXCEPTION 'key column "%" is of type %, not an integer type', key_column, key_t USING ERRCODE = '42804';
    END IF;
  END IF;
  descr := nous.output_descriptions(coalesce(descriptions, 'null'::jsonb), names, names);
  IF key_column IS NOT NULL THEN
    EXECUTE format('SELECT count(*), count(*) FILTER (WHERE %1$I IS NULL) FROM pg_temp.nous_output_probe', key_column) INTO n, m;
    IF m > 0 THEN
      RAISE EXCEPTION 'key column "%" has % NULL values', key_column, m USING ERRCODE = '23502';
    END IF;
    IF NOT coalesce(materialized, false) THEN
      EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM pg_temp.nous_output_probe GROUP BY %I HAVING count(*) > 1) d', key_column) INTO m;
      IF m > 0 THEN
        RAISE EXCEPTION 'key column "%" has duplicate values', key_column USING ERRCODE = '23505',
          DETAIL = format('%s key values occur more than once.', m);
      END IF;
    END IF;
  END IF;

  IF replace AND to_regclass(target) IS NOT NULL THEN
    EXECUTE format('DROP %s %s', CASE WHEN (SELECT relkind FROM pg_class WHERE oid = to_regclass(target)) = 'm'
                                      THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target);
  END IF;
  EXECUTE format('CREATE %s %s AS SELECT %s FROM (%s) q',
                 CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, target,
                 array_to_string(sel, ', '), regexp_replace(query, ';\s*$', '') || chr(10));
  IF materialized THEN
    BEGIN
      EXECUTE format('CREATE UNIQUE INDEX ON %s (%I)', target, key_column);
    EXCEPTION WHEN unique_violation THEN
      EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM %s GROUP BY %I HAVING count(*) > 1) d', target, key_column) INTO m;
      RAISE EXCEPTION 'key column "%" has duplicate values', key_column USING ERRCODE = '23505',
        DETAIL = format('%s key values occur more than once.', m);
    END;
  END IF;
  EXECUTE format('COMMENT ON %s %s IS %L', CASE WHEN materialized THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END,
                 target, description);
  FOR i IN 1 .. cardinality(names) LOOP
    EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', target, names[i],
                   (descr ->> names[i]) || coalesce(
                     (SELECT format(' (texte ; type d''origine %s)', split_part(c, ':', 2))
                        FROM unnest(cast_from) c WHERE split_part(c, ':', 1) = names[i]), ''));
  END LOOP;
  DROP VIEW pg_temp.nous_output_probe;
  RETURN target::regclass;
END
$$;
COMMENT ON FUNCTION nous.create_bi_view(text, text, text, jsonb, text, boolean, boolean, boolean) IS
  'Publishes a query for Metabase: a view (or a materialized view with a unique integer key) with plain column types only (others rejected, or cast to text with cast_to_text), no geometry, and a COMMENT ON the view and on every column from description and descriptions {column: text}, all required.';

-- ---- sql/90_access.sql ----
-- access: the publishable version of a table (statistical secrecy applied by
-- name), the roles of an observatory (reader, analyst, producer) and their
-- schemas, and a pseudonymisation helper (keyed hash).

-- ---- secrecy over a table or a query ----------------------------------------

CREATE FUNCTION nous.indicator_secrecy(indicator text)
RETURNS TABLE(secrecy_threshold int, dominance_share float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF indicator IS NULL THEN
    RAISE EXCEPTION 'indicator must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  RETURN QUERY
  SELECT coalesce(i.secrecy_threshold, 11), coalesce(i.dominance_share, 0.85::float8)
    FROM nous.indicators AS i
   WHERE i.code OPERATOR(pg_catalog.=) indicator_secrecy.indicator;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'indicator "%" is not in the catalogue', indicator
      USING ERRCODE = 'undefined_object',
            HINT = 'See the table nous.indicators.';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.indicator_secrecy(text) IS
  'Secrecy rules of an indicator of the catalogue nous.indicators: its threshold (smallest publishable count) and dominance share, with INSEE''s 11 and 0.85 where the catalogue leaves them NULL.';


CREATE FUNCTION nous._secrecy_rules(threshold int, dominance_share float8, indicator text)
RETURNS TABLE(rule_threshold int, rule_share float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  -- the arguments, else the indicator's catalogue entry, else INSEE's 11 and 0.85
  IF _secrecy_rules.indicator IS NULL THEN
    RETURN QUERY SELECT coalesce(_secrecy_rules.threshold, 11), coalesce(_secrecy_rules.dominance_share, 0.85::float8);
  ELSE
    RETURN QUERY SELECT coalesce(_secrecy_rules.threshold, c.secrecy_threshold),
                        coalesce(_secrecy_rules.dominance_share, c.dominance_share)
                   FROM nous.indicator_secrecy(_secrecy_rules.indicator) AS c;
  END IF;
END
$$;
COMMENT ON FUNCTION nous._secrecy_rules(int, float8, text) IS
  'Internal: the threshold and dominance share of nous.secrecy_publish and nous.secrecy_publish_2d: the arguments, else the catalogue entry of the indicator, else 11 and 0.85.';

CREATE FUNCTION nous.secrecy_publish(source text, id_column text, parent_column text,
                                     value_column text,
                                     threshold int DEFAULT NULL,
                                     count_column text DEFAULT NULL,
                                     contributions_column text DEFAULT NULL,
                                     dominance_top int DEFAULT 1,
                                     dominance_share float8 DEFAULT NULL,
                                     rounding_base int DEFAULT NULL,
                                     hide_zero boolean DEFAULT false,
                                     indicator text DEFAULT NULL)
RETURNS TABLE(id text, parent text, value float8, status text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  src     text;
  ids     text[];
  parents text[];
  vals    float8[];
  cnts    float8[];
  prim    boolean[];
  dom     boolean[];
  k       int;
BEGIN
  SELECT r.rule_threshold, r.rule_share INTO threshold, dominance_share
    FROM nous._secrecy_rules(secrecy_publish.threshold, secrecy_publish.dominance_share, secrecy_publish.indicator) AS r;
  src := nous._secrecy_check_args(source, ARRAY[id_column, parent_column, value_column],
                                  threshold, dominance_top, dominance_share, rounding_base);
  EXECUTE pg_catalog.format(
    'SELECT pg_catalog.array_agg(s.%1$I::pg_catalog.text ORDER BY s.%1$I::pg_catalog.text COLLATE "C"),'
    ' pg_catalog.array_agg(s.%2$I::pg_catalog.text ORDER BY s.%1$I::pg_catalog.text COLLATE "C"),'
    ' pg_catalog.array_agg(s.%3$I::pg_catalog.float8 ORDER BY s.%1$I::pg_catalog.text COLLATE "C"),'
    ' pg_catalog.array_agg(s.%4$I::pg_catalog.float8 ORDER BY s.%1$I::pg_catalog.text COLLATE "C"), %5$s'
    ' FROM %6$s AS s',
    id_column, parent_column, value_column, coalesce(count_column, value_column),
    CASE WHEN contributions_column IS NULL THEN 'NULL::pg_catalog.bool[]'
         ELSE pg_catalog.format('pg_catalog.array_agg(coalesce(nous.secrecy_dominance(s.%I::pg_catalog.float8[], $1, $2), false)'
                                ' ORDER BY s.%I::pg_catalog.text COLLATE "C")',
                                contributions_column, id_column) END,
    src)
    INTO ids, parents, vals, cnts, dom USING dominance_top, dominance_share;
  ids := coalesce(ids, '{}');
  parents := coalesce(parents, '{}');
  vals := coalesce(vals, '{}');
  cnts := coalesce(cnts, '{}');
  k := pg_catalog.array_position(ids, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'id column "%" is NULL in row %', id_column, k
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  k := pg_catalog.array_position(vals, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'value column "%" is NULL for id "%"', value_column, ids[k]
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Every cell of an additive table needs a value; use 0 for an empty cell.';
  END IF;
  k := pg_catalog.array_position(cnts, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'count column "%" is NULL for id "%"', count_column, ids[k]
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  prim := ARRAY(SELECT nous.secrecy_primary(pg_catalog.round(c)::bigint, threshold, hide_zero)
                  FROM unnest(cnts) WITH ORDINALITY AS u(c, o) ORDER BY o);
  RETURN QUERY
  SELECT r.id, p.parent,
         CASE WHEN rounding_base IS NULL OR r.value IS NULL THEN r.value
              ELSE nous.round_to_base(r.value, rounding_base) END,
         r.status
    FROM nous.secrecy_suppress(ids, parents, vals, prim, dom) WITH ORDINALITY AS r(id, value, status, o)
    JOIN unnest(parents) WITH ORDINALITY AS p(parent, o) ON p.o = r.o
   ORDER BY r.o;
END
$$;
COMMENT ON FUNCTION nous.secrecy_publish(text, text, text, text, int, text, text, int, float8, int, boolean, text) IS
  'Publishable version of an additive hierarchy read from a table, view or query (schema-qualified names): threshold rule on count_column (default the value; threshold and dominance share from the arguments, else from the catalogue entry of indicator, else 11 and 0.85), optional dominance on a float8[] contributions column, secondary suppression, optional rounding to a base; value NULL unless published, status published | primary | dominance | secondary.';

CREATE FUNCTION nous.secrecy_publish_2d(source text, row_column text, col_column text,
                                        value_column text,
                                        threshold int DEFAULT NULL,
                                        count_column text DEFAULT NULL,
                                        contributions_column text DEFAULT NULL,
                                        dominance_top int DEFAULT 1,
                                        dominance_share float8 DEFAULT NULL,
                                        rounding_base int DEFAULT NULL,
                                        hide_zero boolean DEFAULT false,
                                        indicator text DEFAULT NULL)
RETURNS TABLE("row" text, col text, value float8, status text)
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
  src     text;
  rs      text[];
  cs      text[];
  vals    float8[];
  cnts    float8[];
  prim    boolean[];
  dom     boolean[];
  cell    boolean[];
  bad     record;
  k       int;
BEGIN
  SELECT r.rule_threshold, r.rule_share INTO threshold, dominance_share
    FROM nous._secrecy_rules(secrecy_publish_2d.threshold, secrecy_publish_2d.dominance_share, secrecy_publish_2d.indicator) AS r;
  src := nous._secrecy_check_args(source, ARRAY[row_column, col_column, value_column],
                                  threshold, dominance_top, dominance_share, rounding_base);
  EXECUTE pg_catalog.format(
    'SELECT pg_catalog.array_agg(s.%1$I::pg_catalog.text ORDER BY %5$s),'
    ' pg_catalog.array_agg(s.%2$I::pg_catalog.text ORDER BY %5$s),'
    ' pg_catalog.array_agg(s.%3$I::pg_catalog.float8 ORDER BY %5$s),'
    ' pg_catalog.array_agg(s.%4$I::pg_catalog.float8 ORDER BY %5$s), %6$s'
    ' FROM %7$s AS s',
    row_column, col_column, value_column, coalesce(count_column, value_column),
    pg_catalog.format('s.%I::pg_catalog.text COLLATE "C", s.%I::pg_catalog.text COLLATE "C"', row_column, col_column),
    CASE WHEN contributions_column IS NULL THEN 'NULL::pg_catalog.bool[]'
         ELSE pg_catalog.format('pg_catalog.array_agg(coalesce(nous.secrecy_dominance(s.%I::pg_catalog.float8[], $1, $2), false)'
                                ' ORDER BY s.%I::pg_catalog.text COLLATE "C", s.%I::pg_catalog.text COLLATE "C")',
                                contributions_column, row_column, col_column) END,
    src)
    INTO rs, cs, vals, cnts, dom USING dominance_top, dominance_share;
  rs := coalesce(rs, '{}');
  cs := coalesce(cs, '{}');
  vals := coalesce(vals, '{}');
  cnts := coalesce(cnts, '{}');
  k := pg_catalog.array_position(vals, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'value column "%" is NULL for cell (%, %)', value_column,
                    coalesce(rs[k], 'NULL'), coalesce(cs[k], 'NULL')
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Every cell of an additive table needs a value; use 0 for an empty cell.';
  END IF;
  k := pg_catalog.array_position(cnts, NULL);
  IF k IS NOT NULL THEN
    RAISE EXCEPTION 'count column "%" is NULL for cell (%, %)', count_column,
                    coalesce(rs[k], 'NULL'), coalesce(cs[k], 'NULL')
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- rows with a NULL row or column label are declared totals: check them
  SELECT t.r, t.c, t.v, coalesce(x.s, 0) AS s INTO bad
    FROM unnest(rs, cs, vals) WITH ORDINALITY AS t(r, c, v, o)
    LEFT JOIN LATERAL (
      SELECT pg_catalog.sum(u.v) AS s FROM unnest(rs, cs, vals) AS u(r, c, v)
       WHERE u.r IS NOT NULL AND u.c IS NOT NULL
         AND (t.r IS NULL OR u.r = t.r) AND (t.c IS NULL OR u.c = t.c)) x ON true
   WHERE (t.r IS NULL OR t.c IS NULL)
     AND pg_catalog.abs(t.v - coalesce(x.s, 0)) > 1e-9 * greatest(1, pg_catalog.abs(t.v))
   ORDER BY t.r NULLS LAST, t.c NULLS LAST
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'the table is not additive at total (%, %)',
                    coalesce(bad.r, 'total'), coalesce(bad.c, 'total')
      USING ERRCODE = 'data_exception',
            DETAIL = pg_catalog.format('The declared total is %s but its cells sum to %s.', bad.v, bad.s),
            HINT = 'Rows with a NULL row or column label are taken as declared totals; leave them out to have the totals computed.';
  END IF;
  cell := ARRAY(SELECT r IS NOT NULL AND c IS NOT NULL FROM unnest(rs, cs) WITH ORDINALITY AS u(r, c, o) ORDER BY o);
  prim := ARRAY(SELECT nous.secrecy_primary(pg_catalog.round(c)::bigint, threshold, hide_zero)
                  FROM unnest(cnts, cell) WITH ORDINALITY AS u(c, isc, o) WHERE isc ORDER BY o);
  IF dom IS NOT NULL THEN
    dom := ARRAY(SELECT d FROM unnest(dom, cell) WITH ORDINALITY AS u(d, isc, o) WHERE isc ORDER BY o);
  END IF;
  RETURN QUERY
  SELECT r."row", r.col,
         CASE WHEN rounding_base IS NULL OR r.value IS NULL THEN r.value
              ELSE nous.round_to_base(r.value, rounding_base) END,
         r.status
    FROM nous.secrecy_suppress_2d(
           ARRAY(SELECT x FROM unnest(rs, cell) WITH ORDINALITY AS u(x, isc, o) WHERE isc ORDER BY o),
           ARRAY(SELECT x FROM unnest(cs, cell) WITH ORDINALITY AS u(x, isc, o) WHERE isc ORDER BY o),
           ARRAY(SELECT x FROM unnest(vals, cell) WITH ORDINALITY AS u(x, isc, o) WHERE isc ORDER BY o),
           prim, dom) AS r;
END
$$;
COMMENT ON FUNCTION nous.secrecy_publish_2d(text, text, text, text, int, text, text, int, float8, int, boolean, text) IS
  'Publishable version of a two-dimensional table read from a table, view or query (schema-qualified names): cells with their row, column and grand totals (computed; declared totals, rows with a NULL label, are checked), threshold (argument, else the catalogue entry of indicator, else 11), optional dominance, secondary suppression, optional rounding; value NULL unless published.';

CREATE FUNCTION nous._secrecy_check_args(source text, columns text[], threshold int,
                                         dominance_top int, dominance_share float8,
                                         rounding_base int)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  IF source IS NULL OR pg_catalog.array_position(columns, NULL) IS NOT NULL THEN
    RAISE EXCEPTION 'source and column names must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF threshold IS NULL OR threshold < 1 THEN
    RAISE EXCEPTION 'threshold must be at least 1, got %', coalesce(threshold::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'INSEE''s rule for tax-based household data is 11.';
  END IF;
  IF dominance_top IS NULL OR dominance_top < 1 THEN
    RAISE EXCEPTION 'dominance_top must be at least 1, got %', coalesce(dominance_top::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF dominance_share IS NULL OR NOT (dominance_share > 0 AND dominance_share <= 1) THEN
    RAISE EXCEPTION 'dominance_share must be in (0, 1], got %', coalesce(dominance_share::text, 'NULL')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'The usual share is 0.85.';
  END IF;
  IF rounding_base IS NOT NULL AND rounding_base < 1 THEN
    RAISE EXCEPTION 'rounding_base must be at least 1, got %', rounding_base
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use 5 or 10 for counts, or NULL for no rounding.';
  END IF;
  IF source ~* '^\s*(select|with|values|table)\M' OR source ~ '^\s*\(' THEN
    RETURN '(' || source || ')';
  END IF;
  BEGIN
    RETURN source::regclass::text;
  EXCEPTION WHEN undefined_table OR invalid_name OR syntax_error THEN
    RAISE EXCEPTION 'relation "%" does not exist', source
      USING ERRCODE = 'undefined_table',
            HINT = 'Schema-qualify the name (nous resolves it with search_path = pg_catalog), or pass a query starting with SELECT, WITH, VALUES or TABLE.';
  END;
END
$$;
COMMENT ON FUNCTION nous._secrecy_check_args(text, text[], int, int, float8, int) IS
  'Internal: checks the arguments of nous.secrecy_publish and nous.secrecy_publish_2d and turns the source into a FROM item.';

-- ---- roles -------------------------------------------------------------------

CREATE FUNCTION nous.setup_roles(prefix text DEFAULT 'nous',
                                 microdata_schema text DEFAULT 'nous_microdata',
                                 published_schema text DEFAULT 'nous_published',
                                 aggregates_schema text DEFAULT 'nous_aggregates')
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  reader   text;
  analyst  text;
  producer text;
  r        text;
  s        text;
  sch      text[];
BEGIN
  IF prefix IS NULL OR microdata_schema IS NULL OR published_schema IS NULL OR aggregates_schema IS NULL THEN
    RAISE EXCEPTION 'prefix and schema names must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF prefix !~ '^[a-z_][a-z0-9_]{0,53}$' THEN
    RAISE EXCEPTION 'invalid role prefix "%"', prefix
      USING ERRCODE = 'invalid_name',
            DETAIL = 'A prefix is a lower-case letter or underscore followed by at most 53 lower-case letters, digits or underscores (the roles are prefix_reader, prefix_analyst and prefix_producer).';
  END IF;
  IF prefix ~ '^pg_' THEN
    RAISE EXCEPTION 'role prefix "%" is reserved', prefix
      USING ERRCODE = 'reserved_name',
            DETAIL = 'Role names starting with pg_ are reserved by PostgreSQL.';
  END IF;
  sch := ARRAY[microdata_schema, published_schema, aggregates_schema];
  FOREACH s IN ARRAY sch LOOP
    IF s !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
      RAISE EXCEPTION 'invalid schema name "%"', s
        USING ERRCODE = 'invalid_name',
              DETAIL = 'A schema name here is a lower-case letter or underscore followed by at most 62 lower-case letters, digits or underscores.';
    END IF;
    IF s ~ '^pg_' OR s IN ('public', 'nous', 'information_schema') THEN
      RAISE EXCEPTION 'schema "%" cannot be used for the observatory''s data', s
        USING ERRCODE = 'reserved_name',
              DETAIL = 'The microdata, published and aggregates schemas must be schemas of their own (not public, nous, information_schema or pg_*).';
    END IF;
  END LOOP;
  IF microdata_schema = published_schema OR microdata_schema = aggregates_schema
     OR published_schema = aggregates_schema THEN
    RAISE EXCEPTION 'the microdata, published and aggregates schemas must be distinct'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                  WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
    RAISE EXCEPTION 'permission denied to set up roles'
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'nous.setup_roles creates roles: it needs a superuser or a role with CREATEROLE.';
  END IF;
  reader := prefix || '_reader';
  analyst := prefix || '_analyst';
  producer := prefix || '_producer';

  FOREACH r IN ARRAY ARRAY[reader, analyst, producer] LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role "%" exists and is a superuser or bypasses row-level security', r
          USING ERRCODE = 'invalid_parameter_value',
                HINT = 'Choose another prefix.';
      END IF;
      RETURN NEXT pg_catalog.format('role %s already exists', r);
    ELSE
      EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
      RETURN NEXT pg_catalog.format('created role %s (NOLOGIN)', r);
    END IF;
  END LOOP;
  EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', reader,
    'nous: reads the published, secrecy-safe views (schema ' || published_schema || ') only.');
  EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', analyst,
    'nous: reader + the aggregates (schema ' || aggregates_schema || '); runs nous functions on them.');
  EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', producer,
    'nous: analyst + loads the microdata (schema ' || microdata_schema || ') and builds the published views.');
  -- producer >= analyst >= reader
  IF NOT pg_catalog.pg_has_role(analyst, reader, 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT %I TO %I', reader, analyst);
    RETURN NEXT pg_catalog.format('granted %s to %s', reader, analyst);
  END IF;
  IF NOT pg_catalog.pg_has_role(producer, analyst, 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT %I TO %I', analyst, producer);
    RETURN NEXT pg_catalog.format('granted %s to %s', analyst, producer);
  END IF;
  -- a CREATEROLE role that is not a superuser must be a member of the
  -- producer to make it the owner of the schemas
  IF NOT pg_catalog.pg_has_role(current_user, producer, 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT %I TO %I', producer, current_user);
    RETURN NEXT pg_catalog.format('granted %s to %s (to create its schemas)', producer, current_user);
  END IF;

  FOREACH s IN ARRAY sch LOOP
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = s) THEN
      RETURN NEXT pg_catalog.format('schema %s already exists', s);
    ELSE
      EXECUTE pg_catalog.format('CREATE SCHEMA %I AUTHORIZATION %I', s, producer);
      RETURN NEXT pg_catalog.format('created schema %s owned by %s', s, producer);
    END IF;
    EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', s);
  END LOOP;
  EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L', microdata_schema,
    'nous: microdata (one row per household, application, allocation…); producer only.');
  EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L', published_schema,
    'nous: published, secrecy-safe views; what the reader role (Metabase, QGIS) sees.');
  EXECUTE pg_catalog.format('COMMENT ON SCHEMA %I IS %L', aggregates_schema,
    'nous: aggregates before secrecy (counts by area); analysts and producer.');

  -- microdata: nothing for reader and analyst
  EXECUTE pg_catalog.format('REVOKE ALL ON SCHEMA %I FROM %I, %I', microdata_schema, reader, analyst);
  EXECUTE pg_catalog.format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM PUBLIC, %I, %I', microdata_schema, reader, analyst);
  RETURN NEXT pg_catalog.format('schema %s: producer only (revoked from PUBLIC, %s, %s)', microdata_schema, reader, analyst);
  -- aggregates: analyst reads
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I', aggregates_schema, analyst);
  EXECUTE pg_catalog.format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', aggregates_schema, analyst);
  EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
                            producer, aggregates_schema, analyst);
  RETURN NEXT pg_catalog.format('schema %s: USAGE and SELECT (now and by default) to %s', aggregates_schema, analyst);
  -- published: reader (and so analyst and producer) reads
  EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %I', published_schema, reader);
  EXECUTE pg_catalog.format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', published_schema, reader);
  EXECUTE pg_catalog.format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I GRANT SELECT ON TABLES TO %I',
                            producer, published_schema, reader);
  RETURN NEXT pg_catalog.format('schema %s: USAGE and SELECT (now and by default) to %s', published_schema, reader);

  -- the key of nous.pseudonym: producer only
  IF pg_catalog.to_regclass(pg_catalog.quote_ident(microdata_schema) || '.pseudonym_key') IS NULL THEN
    EXECUTE pg_catalog.format(
      'CREATE TABLE %I.pseudonym_key (name text PRIMARY KEY, key bytea NOT NULL'
      ' CHECK (pg_catalog.octet_length(key) >= 32), created_at timestamptz NOT NULL DEFAULT pg_catalog.now())',
      microdata_schema);
    EXECUTE pg_catalog.format('ALTER TABLE %I.pseudonym_key OWNER TO %I', microdata_schema, producer);
    EXECUTE pg_catalog.format('COMMENT ON TABLE %I.pseudonym_key IS %L', microdata_schema,
      'nous: secret keys of nous.pseudonym (at least 32 bytes), by name; producer only. Losing a key breaks the links; leaking it re-identifies.');
    RETURN NEXT pg_catalog.format('created table %s.pseudonym_key owned by %s', microdata_schema, producer);
  ELSE
    RETURN NEXT pg_catalog.format('table %s.pseudonym_key already exists', microdata_schema);
  END IF;
  EXECUTE pg_catalog.format('REVOKE ALL ON %I.pseudonym_key FROM PUBLIC, %I, %I', microdata_schema, reader, analyst);
END
$$;
COMMENT ON FUNCTION nous.setup_roles(text, text, text, text) IS
  'Create (idempotently) the NOLOGIN roles prefix_reader, prefix_analyst (member of reader), prefix_producer (member of analyst) and the microdata (producer only), published (reader) and aggregates (analyst) schemas owned by the producer, with default privileges; returns one line per action. Needs CREATEROLE.';

CREATE FUNCTION nous.drop_roles(prefix text DEFAULT 'nous')
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  r text;
BEGIN
  IF prefix IS NULL OR prefix !~ '^[a-z_][a-z0-9_]{0,53}$' THEN
    RAISE EXCEPTION 'invalid role prefix "%"', coalesce(prefix, 'NULL')
      USING ERRCODE = 'invalid_name';
  END IF;
  FOREACH r IN ARRAY ARRAY[prefix || '_producer', prefix || '_analyst', prefix || '_reader'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
      RAISE EXCEPTION 'role "%" does not exist', r
        USING ERRCODE = 'undefined_object',
              HINT = 'nous.drop_roles removes the roles made by nous.setup_roles with the same prefix.';
    END IF;
  END LOOP;
  -- every DROP OWNED before any DROP ROLE: a caller that holds the roles
  -- through the producer's memberships loses that chain with the first
  -- DROP ROLE (and one DROP OWNED naming the three trips over the shared
  -- default privileges in PostgreSQL 15)
  FOREACH r IN ARRAY ARRAY[prefix || '_producer', prefix || '_analyst', prefix || '_reader'] LOOP
    EXECUTE pg_catalog.format('DROP OWNED BY %I CASCADE', r);
  END LOOP;
  FOREACH r IN ARRAY ARRAY[prefix || '_producer', prefix || '_analyst', prefix || '_reader'] LOOP
    EXECUTE pg_catalog.format('DROP ROLE %I', r);
    RETURN NEXT pg_catalog.format('dropped role %s and what it owned in this database', r);
  END LOOP;
END
$$;
COMMENT ON FUNCTION nous.drop_roles(text) IS
  'Undo nous.setup_roles: DROP OWNED BY (in this database: schemas, tables and views owned by the roles go) and DROP ROLE for prefix_producer, prefix_analyst, prefix_reader; error if one does not exist. Roles are cluster-wide: run DROP OWNED in the other databases first.';

CREATE FUNCTION nous.grant_access(member name, access text, prefix text DEFAULT 'nous')
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  grp text;
BEGIN
  grp := nous._access_group(member, access, prefix);
  IF EXISTS (
       SELECT 1 FROM pg_catalog.pg_auth_members m
        WHERE m.roleid = pg_catalog.to_regrole(pg_catalog.quote_ident(grp))
          AND m.member = pg_catalog.to_regrole(pg_catalog.quote_ident(grant_access.member))) THEN
    RETURN pg_catalog.format('%s is already a member of %s', member, grp);
  END IF;
  EXECUTE pg_catalog.format('GRANT %I TO %I', grp, member);
  RETURN pg_catalog.format('granted %s to %s', grp, member);
END
$$;
COMMENT ON FUNCTION nous.grant_access(name, text, text) IS
  'Make an existing role (a login user: Metabase, QGIS, an analyst) a member of prefix_reader, prefix_analyst or prefix_producer (access = reader | analyst | producer); returns what it did. Needs the right to grant the group role (CREATEROLE or ADMIN OPTION).';

CREATE FUNCTION nous.revoke_access(member name, access text, prefix text DEFAULT 'nous')
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  grp text;
BEGIN
  grp := nous._access_group(member, access, prefix);
  IF NOT EXISTS (
       SELECT 1 FROM pg_catalog.pg_auth_members m
        WHERE m.roleid = pg_catalog.to_regrole(pg_catalog.quote_ident(grp))
          AND m.member = pg_catalog.to_regrole(pg_catalog.quote_ident(revoke_access.member))) THEN
    RETURN pg_catalog.format('%s is not a direct member of %s', member, grp);
  END IF;
  EXECUTE pg_catalog.format('REVOKE %I FROM %I', grp, member);
  RETURN pg_catalog.format('revoked %s from %s', grp, member);
END
$$;
COMMENT ON FUNCTION nous.revoke_access(name, text, text) IS
  'Undo nous.grant_access: revoke the direct membership of a role in prefix_reader, prefix_analyst or prefix_producer; returns what it did.';

CREATE FUNCTION nous._access_group(member name, access text, prefix text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  grp text;
BEGIN
  IF member IS NULL OR access IS NULL OR prefix IS NULL THEN
    RAISE EXCEPTION 'member, access and prefix must not be NULL'
      USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF access NOT IN ('reader', 'analyst', 'producer') THEN
    RAISE EXCEPTION 'unknown access "%"', access
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'The access levels are reader, analyst and producer.';
  END IF;
  IF prefix !~ '^[a-z_][a-z0-9_]{0,53}$' THEN
    RAISE EXCEPTION 'invalid role prefix "%"', prefix
      USING ERRCODE = 'invalid_name';
  END IF;
  grp := prefix || '_' || access;
  IF pg_catalog.to_regrole(pg_catalog.quote_ident(grp)) IS NULL THEN
    RAISE EXCEPTION 'role "%" does not exist', grp
      USING ERRCODE = 'undefined_object',
            HINT = pg_catalog.format('Create the roles first: SELECT * FROM nous.setup_roles(%L);', prefix);
  END IF;
  IF pg_catalog.to_regrole(pg_catalog.quote_ident(member)) IS NULL THEN
    RAISE EXCEPTION 'role "%" does not exist', member
      USING ERRCODE = 'undefined_object',
            HINT = 'Create the login role first, e.g. CREATE ROLE metabase LOGIN PASSWORD ''…'';';
  END IF;
  IF member IN (prefix || '_reader', prefix || '_analyst', prefix || '_producer') THEN
    RAISE EXCEPTION 'role "%" is one of the group roles', member
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  RETURN grp;
END
$$;
COMMENT ON FUNCTION nous._access_group(name, text, text) IS
  'Internal: checks the arguments of nous.grant_access and nous.revoke_access and returns the group role.';

-- ---- pseudonymisation --------------------------------------------------------

CREATE FUNCTION nous.pseudonym(identifier text, key bytea)
  RETURNS text LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_pseudonym';
COMMENT ON FUNCTION nous.pseudonym(text, bytea) IS
  'Pseudonym of an identifier: HMAC-SHA256(key, identifier) in lower-case hex (RFC 2104, FIPS 180-4); the key must be at least 32 bytes. Pseudonymised data are still personal data (GDPR recital 26).';

CREATE FUNCTION nous.pseudonym_new_key()
  RETURNS bytea LANGUAGE c VOLATILE PARALLEL RESTRICTED
  AS 'MODULE_PATHNAME', 'nous_pseudonym_new_key';
COMMENT ON FUNCTION nous.pseudonym_new_key() IS
  'A new random 32-byte key for nous.pseudonym, from the server''s cryptographic random source (pg_strong_random).';
