-- flow: sparse origin-destination matrices of residential moves.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

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
