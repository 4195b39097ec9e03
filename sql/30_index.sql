-- index: composite fragility indices.  The aggregation method family, more
-- normalisations, nous.composite() (window function), principal components,
-- gap to a reference, change over time, the QPV income threshold.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- ---- more normalisation methods ----

CREATE FUNCTION nous.normalise_goalposts(x float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_goalposts';
COMMENT ON FUNCTION nous.normalise_goalposts(float8[], jsonb) IS
  'Goalposts / distance to a target: 100 (x - lo) / (hi - lo), clipped to 0-100 unless clip=false; lo and hi default to the minimum and maximum.';

CREATE FUNCTION nous.normalise_winsor(x float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_winsor';
COMMENT ON FUNCTION nous.normalise_winsor(float8[], jsonb) IS
  'Winsorisation: clip at the type-7 quantiles p and 1 - p (p, default 0.05) or at mean +/- k sd (k, sd = sample | population); scale = none (default) | zscore | minmax afterwards.';

CREATE FUNCTION nous.normalise_log(x float8[], params jsonb DEFAULT '{}')
  RETURNS float8[] LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_normalise_log';
COMMENT ON FUNCTION nous.normalise_log(float8[], jsonb) IS
  'Log transform ln(x + offset) (offset default 0; x + offset must be > 0); scale = none (default) | zscore | minmax afterwards.';

CREATE FUNCTION nous.normalise_none(x float8[], params jsonb DEFAULT '{}')
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

CREATE FUNCTION nous.composite(indicators float8[], weights float8[] DEFAULT NULL,
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

CREATE AGGREGATE nous.composite_agg(key bigint, indicators float8[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_agg(key bigint, indicators float8[], weights float8[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_agg(key bigint, indicators float8[], weights float8[], polarity int[]) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_agg(key bigint, indicators float8[], weights float8[], polarity int[],
                                    normalise text) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
CREATE AGGREGATE nous.composite_agg(key bigint, indicators float8[], weights float8[], polarity int[],
                                    normalise text, aggregate text) (
  SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state,
  FINALFUNC = nous.composite_agg_final, COMBINEFUNC = nous.composite_agg_merge, PARALLEL = SAFE);
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

-- ---- the composite index in two steps (0.2.0, issue 14) ----
-- Step 1: nous.composite_params, a combinable aggregate whose state is a
-- float8[] (storable: parallel query and Citus split it); step 2:
-- nous.composite_score, a plain function of each row.  Layout of the
-- state in src/index_twostep.c.

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
