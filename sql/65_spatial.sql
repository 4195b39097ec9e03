-- spatial: the weights type (a compact sparse graph of areas), contiguity
-- from polygons, and spatial autocorrelation (Moran, Geary, Getis-Ord,
-- local Moran).
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

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
  STORAGE = extended,
  PREFERRED = true  -- 0.2.0: an untyped literal '{1:[2]}' stays bigint weights beside nous.text_weights
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

-- from an edge list: the state is the weights value itself (0.2.0), kept as
-- the links while rows come and built when stored or shipped; the combine
-- is the union, so parallel query and Citus split the aggregate
CREATE FUNCTION nous.weights_transfn(nous.weights, bigint, bigint) RETURNS nous.weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_transfn';
COMMENT ON FUNCTION nous.weights_transfn(nous.weights, bigint, bigint) IS
  'Transition function of nous.weights(from_id, to_id).';
CREATE FUNCTION nous.weights_combine(nous.weights, nous.weights) RETURNS nous.weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_combine';
COMMENT ON FUNCTION nous.weights_combine(nous.weights, nous.weights) IS
  'Combine function of nous.weights(from_id, to_id): the union of areas and links.';
CREATE FUNCTION nous.weights_finalfn(nous.weights) RETURNS nous.weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_finalfn';
COMMENT ON FUNCTION nous.weights_finalfn(nous.weights) IS
  'Final function of nous.weights(from_id, to_id): builds the sparse graph.';

CREATE AGGREGATE nous.weights(from_id bigint, to_id bigint) (
  SFUNC = nous.weights_transfn,
  STYPE = nous.weights,
  COMBINEFUNC = nous.weights_combine,
  FINALFUNC = nous.weights_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.weights(bigint, bigint) IS
  'Binary weights from an edge list, one row per directed link from_id -> to_id (duplicates merged; a row with to_id NULL declares an area, possibly an island; rows with both NULL are ignored).';

-- the rows of the builders over geometries (0.2.0): ids and geometries with
-- the neighbourhood kind and parameter, a storable state
CREATE TYPE nous.geom_rows;
CREATE FUNCTION nous.geom_rows_in(cstring) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geom_rows_in';
COMMENT ON FUNCTION nous.geom_rows_in(cstring) IS
  'Text input of nous.geom_rows: the binary form in hexadecimal, checked (version, kind, parameter, lengths, every geometry read by PostGIS).';
CREATE FUNCTION nous.geom_rows_out(nous.geom_rows) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geom_rows_out';
COMMENT ON FUNCTION nous.geom_rows_out(nous.geom_rows) IS
  'Text output of nous.geom_rows: the binary form in hexadecimal.';
CREATE FUNCTION nous.geom_rows_recv(internal) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geom_rows_recv';
COMMENT ON FUNCTION nous.geom_rows_recv(internal) IS
  'Binary input of nous.geom_rows, checked as the text input.';
CREATE FUNCTION nous.geom_rows_send(nous.geom_rows) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geom_rows_send';
COMMENT ON FUNCTION nous.geom_rows_send(nous.geom_rows) IS
  'Binary output of nous.geom_rows.';
CREATE TYPE nous.geom_rows (
  INPUT = nous.geom_rows_in,
  OUTPUT = nous.geom_rows_out,
  RECEIVE = nous.geom_rows_recv,
  SEND = nous.geom_rows_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = int4,
  STORAGE = extended
);
COMMENT ON TYPE nous.geom_rows IS
  'The (id, geometry) rows collected by nous.contiguity, nous.knn and nous.distance_band with the neighbourhood kind and parameter: their storable, combinable state (parallel query, Citus partial aggregation).';

-- contiguity from polygons
CREATE FUNCTION nous.contiguity_transfn(nous.geom_rows, bigint, geometry, text) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_transfn';
COMMENT ON FUNCTION nous.contiguity_transfn(nous.geom_rows, bigint, geometry, text) IS
  'Transition function of nous.contiguity: collects ids and polygons.';
CREATE FUNCTION nous.contiguity_transfn(nous.geom_rows, bigint, geometry) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_transfn_queen';
COMMENT ON FUNCTION nous.contiguity_transfn(nous.geom_rows, bigint, geometry) IS
  'Transition function of nous.contiguity(id, geom): queen contiguity.';
CREATE FUNCTION nous.contiguity_combine(nous.geom_rows, nous.geom_rows) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_combine';
COMMENT ON FUNCTION nous.contiguity_combine(nous.geom_rows, nous.geom_rows) IS
  'Combine function of nous.contiguity, nous.knn and nous.distance_band: the rows of both (same kind, parameter and id type).';
CREATE FUNCTION nous.contiguity_finalfn(nous.geom_rows) RETURNS nous.weights
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_finalfn';
COMMENT ON FUNCTION nous.contiguity_finalfn(nous.geom_rows) IS
  'Final function of nous.contiguity: bounding-box sweep, then the PostGIS predicate on the candidate pairs.';

CREATE AGGREGATE nous.contiguity(id bigint, geom geometry, kind text) (
  SFUNC = nous.contiguity_transfn,
  STYPE = nous.geom_rows,
  COMBINEFUNC = nous.contiguity_combine,
  FINALFUNC = nous.contiguity_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.contiguity(bigint, geometry, text) IS
  'Contiguity weights of polygons: kind = queen (at least one shared boundary point, ST_Intersects) or rook (a shared boundary segment of positive length, ST_Relate ****1****); every polygon is an area, islands included.';
CREATE AGGREGATE nous.contiguity(id bigint, geom geometry) (
  SFUNC = nous.contiguity_transfn,
  STYPE = nous.geom_rows,
  COMBINEFUNC = nous.contiguity_combine,
  FINALFUNC = nous.contiguity_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.contiguity(bigint, geometry) IS
  'Queen contiguity weights of polygons (at least one shared boundary point).';

-- neighbourhoods of points
CREATE FUNCTION nous.knn_transfn(nous.geom_rows, bigint, geometry, integer) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_knn_transfn';
COMMENT ON FUNCTION nous.knn_transfn(nous.geom_rows, bigint, geometry, integer) IS
  'Transition function of nous.knn: collects ids and points.';
CREATE FUNCTION nous.distance_band_transfn(nous.geom_rows, bigint, geometry, float8) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_band_transfn';
COMMENT ON FUNCTION nous.distance_band_transfn(nous.geom_rows, bigint, geometry, float8) IS
  'Transition function of nous.distance_band: collects ids and points.';
CREATE FUNCTION nous.points_finalfn(nous.geom_rows) RETURNS nous.weights
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_points_finalfn';
COMMENT ON FUNCTION nous.points_finalfn(nous.geom_rows) IS
  'Final function of nous.knn and nous.distance_band.';
CREATE AGGREGATE nous.knn(id bigint, geom geometry, k integer) (
  SFUNC = nous.knn_transfn, STYPE = nous.geom_rows,
  COMBINEFUNC = nous.contiguity_combine,
  FINALFUNC = nous.points_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.knn(bigint, geometry, integer) IS
  'k-nearest-neighbour weights of points in a metric CRS: each point linked to the k other points nearest to it (Euclidean; ties broken by smaller id); not symmetric in general.';
CREATE AGGREGATE nous.distance_band(id bigint, geom geometry, distance float8) (
  SFUNC = nous.distance_band_transfn, STYPE = nous.geom_rows,
  COMBINEFUNC = nous.contiguity_combine,
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

-- the state of the one-step statistics (0.2.0): a real type, so that
-- parallel query and Citus combine partial states
CREATE TYPE nous.autocorrelation_state;
CREATE FUNCTION nous.autocorrelation_state_in(cstring) RETURNS nous.autocorrelation_state
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_state_in';
COMMENT ON FUNCTION nous.autocorrelation_state_in(cstring) IS
  'Text input of nous.autocorrelation_state: \x and the binary form in hexadecimal, every part checked.';
CREATE FUNCTION nous.autocorrelation_state_out(nous.autocorrelation_state) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_state_out';
COMMENT ON FUNCTION nous.autocorrelation_state_out(nous.autocorrelation_state) IS
  'Text output of nous.autocorrelation_state: \x and the binary form in hexadecimal (exact).';
CREATE FUNCTION nous.autocorrelation_state_recv(internal) RETURNS nous.autocorrelation_state
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_state_recv';
COMMENT ON FUNCTION nous.autocorrelation_state_recv(internal) IS
  'Binary input of nous.autocorrelation_state, checking version, lengths, the weights and the values.';
CREATE FUNCTION nous.autocorrelation_state_send(nous.autocorrelation_state) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_state_send';
COMMENT ON FUNCTION nous.autocorrelation_state_send(nous.autocorrelation_state) IS
  'Binary output of nous.autocorrelation_state: version, options, weights, (id, value) pairs.';
CREATE TYPE nous.autocorrelation_state (
  INPUT = nous.autocorrelation_state_in,
  OUTPUT = nous.autocorrelation_state_out,
  RECEIVE = nous.autocorrelation_state_recv,
  SEND = nous.autocorrelation_state_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended);
COMMENT ON TYPE nous.autocorrelation_state IS
  'The state of the one-step statistics nous.moran(w, id, value) and the others: the weights once, the options and the (id, value) pairs.';
CREATE FUNCTION nous.autocorrelation_state_transfn(nous.autocorrelation_state, nous.weights, bigint, float8) RETURNS nous.autocorrelation_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_state_transfn';
COMMENT ON FUNCTION nous.autocorrelation_state_transfn(nous.autocorrelation_state, nous.weights, bigint, float8) IS
  'Transition function of the autocorrelation aggregates: the weights of the first row (the same on every row), ids and values.';
CREATE FUNCTION nous.autocorrelation_state_transfn(nous.autocorrelation_state, nous.weights, bigint, float8, text) RETURNS nous.autocorrelation_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_state_transfn_opts';
COMMENT ON FUNCTION nous.autocorrelation_state_transfn(nous.autocorrelation_state, nous.weights, bigint, float8, text) IS
  'Transition function of the autocorrelation aggregates with options (those of the first row).';
CREATE FUNCTION nous.autocorrelation_state_merge(a nous.autocorrelation_state, b nous.autocorrelation_state) RETURNS nous.autocorrelation_state
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_ac_state_combine';
COMMENT ON FUNCTION nous.autocorrelation_state_merge(nous.autocorrelation_state, nous.autocorrelation_state) IS
  'The pairs of a and of b, which must have the same weights and options (either may be empty): the combine function of the autocorrelation aggregates.';

CREATE FUNCTION nous.moran_state_finalfn(nous.autocorrelation_state) RETURNS nous.moran_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_moran_state_finalfn';
COMMENT ON FUNCTION nous.moran_state_finalfn(nous.autocorrelation_state) IS 'Final function of nous.moran.';
CREATE FUNCTION nous.geary_state_finalfn(nous.autocorrelation_state) RETURNS nous.geary_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geary_state_finalfn';
COMMENT ON FUNCTION nous.geary_state_finalfn(nous.autocorrelation_state) IS 'Final function of nous.geary.';
CREATE FUNCTION nous.getis_ord_state_finalfn(nous.autocorrelation_state) RETURNS nous.getis_ord_result
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_getis_ord_state_finalfn';
COMMENT ON FUNCTION nous.getis_ord_state_finalfn(nous.autocorrelation_state) IS 'Final function of nous.getis_ord.';
CREATE FUNCTION nous.local_moran_state_finalfn(nous.autocorrelation_state) RETURNS nous.local_moran_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_moran_state_finalfn';
COMMENT ON FUNCTION nous.local_moran_state_finalfn(nous.autocorrelation_state) IS 'Final function of nous.local_moran.';

CREATE AGGREGATE nous.moran(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.moran_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.moran(nous.weights, bigint, float8) IS
  'Global Moran''s I of the values of the areas of w, row-standardised weights (W), 999 permutations with seed 12345.';
CREATE AGGREGATE nous.moran(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.moran_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.moran(nous.weights, bigint, float8, text) IS
  'Global Moran''s I; options: style = W|B|C, permutations (999), seed (12345), islands = error|keep, missing = error|drop.';
CREATE AGGREGATE nous.geary(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.geary_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.geary(nous.weights, bigint, float8) IS
  'Geary''s C of the values of the areas of w, row-standardised weights (W).';
CREATE AGGREGATE nous.geary(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.geary_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.geary(nous.weights, bigint, float8, text) IS
  'Geary''s C; options as for nous.moran.';
CREATE AGGREGATE nous.getis_ord(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.getis_ord_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.getis_ord(nous.weights, bigint, float8) IS
  'Getis-Ord general G of non-negative values; binary weights (B) by default, on which the statistic is defined (0.1.0: W).';
CREATE AGGREGATE nous.getis_ord(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.getis_ord_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.getis_ord(nous.weights, bigint, float8, text) IS
  'Getis-Ord general G; options as for nous.moran.';
CREATE AGGREGATE nous.local_moran(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.local_moran_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_moran(nous.weights, bigint, float8) IS
  'Local Moran (LISA) of every area, as an array of nous.local_moran_result in id order (unnest it); W style, 999 conditional permutations, seed 12345, clusters at alpha 0.05.';
CREATE AGGREGATE nous.local_moran(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.local_moran_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_moran(nous.weights, bigint, float8, text) IS
  'Local Moran (LISA); options as for nous.moran plus alpha (0.05) for the cluster column.';

CREATE TYPE nous.local_g_result AS (
  id bigint, g float8, expected float8, variance float8, z float8,
  p_normal float8, p_permutation float8, p_fdr float8, cluster text);
COMMENT ON TYPE nous.local_g_result IS
  'Local Getis-Ord Gi or Gi* of one area: the statistic, its expectation and variance under randomisation, z (Ord and Getis 1995), two-sided normal p, conditional-permutation pseudo p, Benjamini-Hochberg adjusted p, and the hot (High) or cold (Low) spot at alpha.';
CREATE FUNCTION nous.local_g_state_finalfn(nous.autocorrelation_state) RETURNS nous.local_g_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_g_state_finalfn';
COMMENT ON FUNCTION nous.local_g_state_finalfn(nous.autocorrelation_state) IS 'Final function of nous.local_g.';
CREATE FUNCTION nous.local_gstar_state_finalfn(nous.autocorrelation_state) RETURNS nous.local_g_result[]
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_gstar_state_finalfn';
COMMENT ON FUNCTION nous.local_gstar_state_finalfn(nous.autocorrelation_state) IS 'Final function of nous.local_gstar.';
CREATE AGGREGATE nous.local_g(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.local_g_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_g(nous.weights, bigint, float8) IS
  'Local Getis-Ord Gi (the area itself left out) of every area, as an array of nous.local_g_result in id order; W style, 999 conditional permutations, seed 12345.';
CREATE AGGREGATE nous.local_g(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.local_g_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_g(nous.weights, bigint, float8, text) IS
  'Local Getis-Ord Gi; options as for nous.local_moran.';
CREATE AGGREGATE nous.local_gstar(w nous.weights, id bigint, value float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.local_gstar_state_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.local_gstar(nous.weights, bigint, float8) IS
  'Local Getis-Ord Gi* (the area counted as its own neighbour, before the style) of every area, as an array of nous.local_g_result in id order; W style, 999 conditional permutations, seed 12345.';
CREATE AGGREGATE nous.local_gstar(w nous.weights, id bigint, value float8, options text) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge,
  FINALFUNC = nous.local_gstar_state_finalfn, PARALLEL = SAFE);
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
  STORAGE = extended,
  PREFERRED = true  -- an untyped literal '{1:2}' is one of bigint ids, as before text ids existed
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

-- ---- areas keyed by text ids (0.2.0): INSEE codes (2A004, QN04405M),
-- IRIS (441090102), square ids.  nous.text_weights and nous.text_area_values
-- have the layout of nous.weights and nous.area_values with a table of the
-- ids; the areas are numbered by their ids in byte order (C collation), so
-- every statistic is that of bigint ids numbered in the same order.  The
-- two kinds of ids do not mix (no function takes one with the other). ----
CREATE TYPE nous.text_weights;
CREATE FUNCTION nous.text_weights_in(cstring) RETURNS nous.text_weights
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_text_weights_in';
COMMENT ON FUNCTION nous.text_weights_in(cstring) IS
  'Text input of nous.text_weights: {"id":["neighbour id",...],...}; \" and \\ escape a quote and a backslash; checks self-links and that every neighbour is an area.';
CREATE FUNCTION nous.text_weights_out(nous.text_weights) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_out';
COMMENT ON FUNCTION nous.text_weights_out(nous.text_weights) IS
  'Text output of nous.text_weights: {"id":["neighbour id",...],...} in byte order of the ids.';
CREATE FUNCTION nous.text_weights_recv(internal) RETURNS nous.text_weights
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_text_weights_recv';
COMMENT ON FUNCTION nous.text_weights_recv(internal) IS
  'Binary input of nous.text_weights, checking version, sizes, every index and the table of ids.';
CREATE FUNCTION nous.text_weights_send(nous.text_weights) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_send';
COMMENT ON FUNCTION nous.text_weights_send(nous.text_weights) IS
  'Binary output of nous.text_weights.';
CREATE TYPE nous.text_weights (
  INPUT = nous.text_weights_in,
  OUTPUT = nous.text_weights_out,
  RECEIVE = nous.text_weights_recv,
  SEND = nous.text_weights_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);
COMMENT ON TYPE nous.text_weights IS
  'Spatial weights of areas keyed by text ids (INSEE codes): nous.weights with a table of the ids, sorted in byte order; every function of nous.weights has an overload for it.';

CREATE FUNCTION nous.link_count(w nous.text_weights) RETURNS bigint
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_link_count';
COMMENT ON FUNCTION nous.link_count(nous.text_weights) IS
  'Number of directed links (a symmetric pair counts twice).';
CREATE FUNCTION nous.area_count(w nous.text_weights) RETURNS integer
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_count';
COMMENT ON FUNCTION nous.area_count(nous.text_weights) IS
  'Number of areas of the weights, islands included.';
CREATE FUNCTION nous.islands(w nous.text_weights) RETURNS text[]
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_islands';
COMMENT ON FUNCTION nous.islands(nous.text_weights) IS
  'Ids of the areas without any neighbour, in byte order.';
CREATE FUNCTION nous.neighbours(w nous.text_weights, OUT from_id text, OUT to_id text)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_neighbours';
COMMENT ON FUNCTION nous.neighbours(nous.text_weights) IS
  'The directed links of the weights as rows (from_id, to_id).';
CREATE FUNCTION nous.neighbours(w nous.text_weights, style text, OUT from_id text, OUT to_id text, OUT weight float8)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_neighbours_styled';
COMMENT ON FUNCTION nous.neighbours(nous.text_weights, text) IS
  'The directed links of the weights with their weight in a style: B, W or C (as for nous.weights).';
CREATE FUNCTION nous.components(w nous.text_weights, OUT id text, OUT component text, OUT size integer)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_components';
COMMENT ON FUNCTION nous.components(nous.text_weights) IS
  'Connected components of the weights (links taken as undirected): each area with its component, named by the smallest id in it (byte order), and the number of areas of the component.';

CREATE FUNCTION nous.weights_transfn(nous.text_weights, text, text) RETURNS nous.text_weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_text_weights_transfn';
COMMENT ON FUNCTION nous.weights_transfn(nous.text_weights, text, text) IS
  'Transition function of nous.weights(from_id text, to_id text).';
CREATE FUNCTION nous.weights_combine(nous.text_weights, nous.text_weights) RETURNS nous.text_weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_combine';
COMMENT ON FUNCTION nous.weights_combine(nous.text_weights, nous.text_weights) IS
  'Combine function of nous.weights(from_id text, to_id text): the union of areas and links.';
CREATE FUNCTION nous.text_weights_finalfn(nous.text_weights) RETURNS nous.text_weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_finalfn';
COMMENT ON FUNCTION nous.text_weights_finalfn(nous.text_weights) IS
  'Final function of nous.weights(from_id text, to_id text): builds the sparse graph and the table of ids.';
CREATE AGGREGATE nous.weights(from_id text, to_id text) (
  SFUNC = nous.weights_transfn,
  STYPE = nous.text_weights,
  COMBINEFUNC = nous.weights_combine,
  FINALFUNC = nous.text_weights_finalfn,
  PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.weights(text, text) IS
  'Binary weights of areas keyed by text ids from an edge list, one row per directed link (duplicates merged; a row with to_id NULL declares an area, possibly an island).';

CREATE FUNCTION nous.contiguity_transfn(nous.geom_rows, text, geometry, text) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_transfn_text';
COMMENT ON FUNCTION nous.contiguity_transfn(nous.geom_rows, text, geometry, text) IS
  'Transition function of nous.contiguity(id text, geom, kind).';
CREATE FUNCTION nous.contiguity_transfn(nous.geom_rows, text, geometry) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_transfn_queen_text';
COMMENT ON FUNCTION nous.contiguity_transfn(nous.geom_rows, text, geometry) IS
  'Transition function of nous.contiguity(id text, geom): queen contiguity.';
CREATE FUNCTION nous.contiguity_text_finalfn(nous.geom_rows) RETURNS nous.text_weights
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_contiguity_text_finalfn';
COMMENT ON FUNCTION nous.contiguity_text_finalfn(nous.geom_rows) IS
  'Final function of nous.contiguity with text ids.';
CREATE AGGREGATE nous.contiguity(id text, geom geometry, kind text) (
  SFUNC = nous.contiguity_transfn, STYPE = nous.geom_rows,
  COMBINEFUNC = nous.contiguity_combine,
  FINALFUNC = nous.contiguity_text_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.contiguity(text, geometry, text) IS
  'Contiguity weights of polygons keyed by text ids: kind = queen or rook, as for bigint ids.';
CREATE AGGREGATE nous.contiguity(id text, geom geometry) (
  SFUNC = nous.contiguity_transfn, STYPE = nous.geom_rows,
  COMBINEFUNC = nous.contiguity_combine,
  FINALFUNC = nous.contiguity_text_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.contiguity(text, geometry) IS
  'Queen contiguity weights of polygons keyed by text ids.';

CREATE FUNCTION nous.knn_transfn(nous.geom_rows, text, geometry, integer) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_knn_transfn_text';
COMMENT ON FUNCTION nous.knn_transfn(nous.geom_rows, text, geometry, integer) IS
  'Transition function of nous.knn(id text, geom, k).';
CREATE FUNCTION nous.distance_band_transfn(nous.geom_rows, text, geometry, float8) RETURNS nous.geom_rows
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_band_transfn_text';
COMMENT ON FUNCTION nous.distance_band_transfn(nous.geom_rows, text, geometry, float8) IS
  'Transition function of nous.distance_band(id text, geom, distance).';
CREATE FUNCTION nous.points_text_finalfn(nous.geom_rows) RETURNS nous.text_weights
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_points_text_finalfn';
COMMENT ON FUNCTION nous.points_text_finalfn(nous.geom_rows) IS
  'Final function of nous.knn and nous.distance_band with text ids.';
CREATE AGGREGATE nous.knn(id text, geom geometry, k integer) (
  SFUNC = nous.knn_transfn, STYPE = nous.geom_rows,
  COMBINEFUNC = nous.contiguity_combine,
  FINALFUNC = nous.points_text_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.knn(text, geometry, integer) IS
  'k-nearest-neighbour weights of points keyed by text ids (ties broken by the smaller id in byte order).';
CREATE AGGREGATE nous.distance_band(id text, geom geometry, distance float8) (
  SFUNC = nous.distance_band_transfn, STYPE = nous.geom_rows,
  COMBINEFUNC = nous.contiguity_combine,
  FINALFUNC = nous.points_text_finalfn, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.distance_band(text, geometry, float8) IS
  'Distance-band weights of points keyed by text ids.';

CREATE FUNCTION nous.weights_union(a nous.text_weights, b nous.text_weights) RETURNS nous.text_weights
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_weights_union2';
COMMENT ON FUNCTION nous.weights_union(nous.text_weights, nous.text_weights) IS
  'The areas and links of a and of b.';
CREATE AGGREGATE nous.weights_union(w nous.text_weights) (
  SFUNC = nous.weights_union, STYPE = nous.text_weights,
  COMBINEFUNC = nous.weights_union, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.weights_union(nous.text_weights) IS
  'The union of weights with text ids (areas and links); combinable.';

CREATE TYPE nous.text_area_values;
CREATE FUNCTION nous.text_area_values_in(cstring) RETURNS nous.text_area_values
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_text_area_values_in';
COMMENT ON FUNCTION nous.text_area_values_in(cstring) IS
  'Text input of nous.text_area_values: {"id":value,"id":null,...}.';
CREATE FUNCTION nous.text_area_values_out(nous.text_area_values) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_out';
COMMENT ON FUNCTION nous.text_area_values_out(nous.text_area_values) IS
  'Text output of nous.text_area_values: {"id":value,...} in byte order of the ids, each value in the shortest form that reads back exactly.';
CREATE FUNCTION nous.text_area_values_recv(internal) RETURNS nous.text_area_values
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_text_area_values_recv';
COMMENT ON FUNCTION nous.text_area_values_recv(internal) IS
  'Binary input of nous.text_area_values, checking version, lengths and values.';
CREATE FUNCTION nous.text_area_values_send(nous.text_area_values) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_send';
COMMENT ON FUNCTION nous.text_area_values_send(nous.text_area_values) IS
  'Binary output of nous.text_area_values.';
CREATE TYPE nous.text_area_values (
  INPUT = nous.text_area_values_in,
  OUTPUT = nous.text_area_values_out,
  RECEIVE = nous.text_area_values_recv,
  SEND = nous.text_area_values_send,
  INTERNALLENGTH = VARIABLE,
  ALIGNMENT = double,
  STORAGE = extended
);
COMMENT ON TYPE nous.text_area_values IS
  'The values of areas keyed by text ids, (text id, float8 value or missing) pairs sorted by id: the state of nous.area_values(id text, value), the input of the two-step statistics with nous.text_weights.';
CREATE FUNCTION nous.area_values_transfn(nous.text_area_values, text, float8) RETURNS nous.text_area_values
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_text_area_values_transfn';
COMMENT ON FUNCTION nous.area_values_transfn(nous.text_area_values, text, float8) IS
  'Transition function of nous.area_values(id text, value).';
CREATE FUNCTION nous.area_values_merge(a nous.text_area_values, b nous.text_area_values) RETURNS nous.text_area_values
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_combine';
COMMENT ON FUNCTION nous.area_values_merge(nous.text_area_values, nous.text_area_values) IS
  'The pairs of a and of b: the combine function of nous.area_values(id text, value), and the merge of stored states.';
CREATE AGGREGATE nous.area_values(id text, value float8) (
  SFUNC = nous.area_values_transfn, STYPE = nous.text_area_values,
  COMBINEFUNC = nous.area_values_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.area_values(text, float8) IS
  'The values of areas keyed by text ids (a NULL value is kept as missing) as a storable, combinable state: the first step of nous.moran(w, values) with nous.text_weights.';
CREATE AGGREGATE nous.area_values_union(v nous.text_area_values) (
  SFUNC = nous.area_values_merge, STYPE = nous.text_area_values,
  COMBINEFUNC = nous.area_values_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE nous.area_values_union(nous.text_area_values) IS
  'The union of stored nous.text_area_values states.';
CREATE FUNCTION nous.area_values_count(v nous.text_area_values) RETURNS bigint
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_area_values_count';
COMMENT ON FUNCTION nous.area_values_count(nous.text_area_values) IS
  'Number of (id, value) pairs of a nous.text_area_values state.';

CREATE TYPE nous.local_moran_text_result AS (
  id text, ii float8, expected float8, variance float8, z float8,
  p_normal float8, p_permutation float8, p_fdr float8, lag float8,
  quadrant text, cluster text);
COMMENT ON TYPE nous.local_moran_text_result IS
  'Local Moran of one area keyed by a text id: the columns of nous.local_moran_result.';
CREATE TYPE nous.local_g_text_result AS (
  id text, g float8, expected float8, variance float8, z float8,
  p_normal float8, p_permutation float8, p_fdr float8, cluster text);
COMMENT ON TYPE nous.local_g_text_result IS
  'Local Getis-Ord Gi or Gi* of one area keyed by a text id: the columns of nous.local_g_result.';

CREATE FUNCTION nous.moran(w nous.text_weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.moran_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_moran_values';
COMMENT ON FUNCTION nous.moran(nous.text_weights, nous.text_area_values, text, text) IS
  'Global Moran''s I of areas keyed by text ids (second step); options and alternative as for nous.weights.';
CREATE FUNCTION nous.geary(w nous.text_weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.geary_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geary_values';
COMMENT ON FUNCTION nous.geary(nous.text_weights, nous.text_area_values, text, text) IS
  'Geary''s C of areas keyed by text ids (second step).';
CREATE FUNCTION nous.getis_ord(w nous.text_weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.getis_ord_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_getis_ord_values';
COMMENT ON FUNCTION nous.getis_ord(nous.text_weights, nous.text_area_values, text, text) IS
  'Getis-Ord General G of areas keyed by text ids (second step); binary weights unless a style is given.';
CREATE FUNCTION nous.local_moran(w nous.text_weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_moran_text_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_moran_values';
COMMENT ON FUNCTION nous.local_moran(nous.text_weights, nous.text_area_values, text, text) IS
  'Local Moran of every area keyed by a text id (second step), as an array in byte order of the ids.';
CREATE FUNCTION nous.local_g(w nous.text_weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_g_text_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_g_values';
COMMENT ON FUNCTION nous.local_g(nous.text_weights, nous.text_area_values, text, text) IS
  'Local Getis-Ord Gi of every area keyed by a text id (second step).';
CREATE FUNCTION nous.local_gstar(w nous.text_weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_g_text_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_gstar_values';
COMMENT ON FUNCTION nous.local_gstar(nous.text_weights, nous.text_area_values, text, text) IS
  'Local Getis-Ord Gi* of every area keyed by a text id (second step).';

-- bigint weights with text values, or text weights with bigint values: the
-- error 42804 that says which ids each side has (rather than "function does
-- not exist")
CREATE FUNCTION nous.moran(w nous.weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.moran_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_moran_values';
COMMENT ON FUNCTION nous.moran(nous.weights, nous.text_area_values, text, text) IS
  'Refused (42804): bigint weights with text ids do not mix.';
CREATE FUNCTION nous.geary(w nous.weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.geary_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geary_values';
COMMENT ON FUNCTION nous.geary(nous.weights, nous.text_area_values, text, text) IS
  'Refused (42804): bigint weights with text ids do not mix.';
CREATE FUNCTION nous.getis_ord(w nous.weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.getis_ord_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_getis_ord_values';
COMMENT ON FUNCTION nous.getis_ord(nous.weights, nous.text_area_values, text, text) IS
  'Refused (42804): bigint weights with text ids do not mix.';
CREATE FUNCTION nous.local_moran(w nous.weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_moran_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_moran_values';
COMMENT ON FUNCTION nous.local_moran(nous.weights, nous.text_area_values, text, text) IS
  'Refused (42804): bigint weights with text ids do not mix.';
CREATE FUNCTION nous.local_g(w nous.weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_g_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_g_values';
COMMENT ON FUNCTION nous.local_g(nous.weights, nous.text_area_values, text, text) IS
  'Refused (42804): bigint weights with text ids do not mix.';
CREATE FUNCTION nous.local_gstar(w nous.weights, v nous.text_area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_g_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_gstar_values';
COMMENT ON FUNCTION nous.local_gstar(nous.weights, nous.text_area_values, text, text) IS
  'Refused (42804): bigint weights with text ids do not mix.';
CREATE FUNCTION nous.moran(w nous.text_weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.moran_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_moran_values';
COMMENT ON FUNCTION nous.moran(nous.text_weights, nous.area_values, text, text) IS
  'Refused (42804): text weights with bigint ids do not mix.';
CREATE FUNCTION nous.geary(w nous.text_weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.geary_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_geary_values';
COMMENT ON FUNCTION nous.geary(nous.text_weights, nous.area_values, text, text) IS
  'Refused (42804): text weights with bigint ids do not mix.';
CREATE FUNCTION nous.getis_ord(w nous.text_weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.getis_ord_result
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_getis_ord_values';
COMMENT ON FUNCTION nous.getis_ord(nous.text_weights, nous.area_values, text, text) IS
  'Refused (42804): text weights with bigint ids do not mix.';
CREATE FUNCTION nous.local_moran(w nous.text_weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_moran_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_moran_values';
COMMENT ON FUNCTION nous.local_moran(nous.text_weights, nous.area_values, text, text) IS
  'Refused (42804): text weights with bigint ids do not mix.';
CREATE FUNCTION nous.local_g(w nous.text_weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_g_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_g_values';
COMMENT ON FUNCTION nous.local_g(nous.text_weights, nous.area_values, text, text) IS
  'Refused (42804): text weights with bigint ids do not mix.';
CREATE FUNCTION nous.local_gstar(w nous.text_weights, v nous.area_values, options text DEFAULT '', alternative text DEFAULT NULL)
  RETURNS nous.local_g_result[]
  LANGUAGE c STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_local_gstar_values';
COMMENT ON FUNCTION nous.local_gstar(nous.text_weights, nous.area_values, text, text) IS
  'Refused (42804): text weights with bigint ids do not mix.';
