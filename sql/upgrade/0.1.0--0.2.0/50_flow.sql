-- 50_flow.sql: what a selection keeps (nous.flow_summary(m, selection));
-- weights kept to 15 significant digits (stored values of 0.1.0 stay as
-- they are until recomputed; they print as before).

CREATE FUNCTION nous.flow_summary(m nous.flows, selection nous.flows,
                                  OUT links integer, OUT links_kept integer, OUT links_lost integer,
                                  OUT volume float8, OUT volume_kept float8, OUT volume_lost float8,
                                  OUT volume_kept_share float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_summary_selection';
COMMENT ON FUNCTION nous.flow_summary(nous.flows, nous.flows) IS
  'What a selection of a matrix (nous.flow_select(m, …)) keeps: flows (links) and volume (weight off the diagonal) of m, kept and lost, and the share of the volume kept; an error when the selection holds a flow that m does not.';

COMMENT ON FUNCTION nous.flow_summary(nous.flows) IS
  'Whole matrix: zone and flow counts, stayers, movers (without the noise of binary sums), migration effectiveness sum|in - out| / sum(in + out), Gini of the n(n-1) off-diagonal cells; NULL when undefined.';
