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

-- flow_renewal with integer groups (issue 15)
-- integer groups (income quartiles, deciles): the same indices, grp as a
-- bigint; and an untyped literal such as '{g1,g2}' for groups, which this
-- scalar-text form reads as text[] (with only the text[] and bigint[] forms
-- PostgreSQL could not choose between them for a literal)
CREATE FUNCTION nous.flow_renewal(groups bigint[], stayers float8[], inflow float8[], outflow float8[])
  RETURNS TABLE (grp bigint, ici float8, ice float8, icm float8, iri float8, ire float8, irm float8)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 10
BEGIN ATOMIC
  SELECT r.grp::bigint, r.ici, r.ice, r.icm, r.iri, r.ire, r.irm
    FROM nous.flow_renewal(groups::text[], stayers, inflow, outflow) r;
END;
COMMENT ON FUNCTION nous.flow_renewal(bigint[], float8[], float8[], float8[]) IS
  'nous.flow_renewal(text[], float8[], float8[], float8[]) for integer groups (an income quartile): grp is the group as a bigint.';
CREATE FUNCTION nous.flow_renewal(groups text, stayers float8[], inflow float8[], outflow float8[])
  RETURNS TABLE (grp text, ici float8, ice float8, icm float8, iri float8, ire float8, irm float8)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 10
BEGIN ATOMIC
  SELECT r.grp, r.ici, r.ice, r.icm, r.iri, r.ire, r.irm
    FROM nous.flow_renewal(groups::text[], stayers, inflow, outflow) r;
END;
COMMENT ON FUNCTION nous.flow_renewal(text, float8[], float8[], float8[]) IS
  'nous.flow_renewal(text[], float8[], float8[], float8[]) with the groups written as an array literal (''{g1,g2}''), which an untyped literal resolves to.';
CREATE FUNCTION nous.flow_renewal(groups bigint[], matrices nous.flows[])
  RETURNS TABLE (zone text, grp bigint, ici float8, ice float8, icm float8, iri float8, ire float8, irm float8)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT r.zone, r.grp::bigint, r.ici, r.ice, r.icm, r.iri, r.ire, r.irm
    FROM nous.flow_renewal(groups::text[], matrices) r;
END;
COMMENT ON FUNCTION nous.flow_renewal(bigint[], nous.flows[]) IS
  'nous.flow_renewal(text[], nous.flows[]) for integer groups (one matrix per income quartile): grp is the group as a bigint.';
CREATE FUNCTION nous.flow_renewal(groups text, matrices nous.flows[])
  RETURNS TABLE (zone text, grp text, ici float8, ice float8, icm float8, iri float8, ire float8, irm float8)
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT r.zone, r.grp, r.ici, r.ice, r.icm, r.iri, r.ire, r.irm
    FROM nous.flow_renewal(groups::text[], matrices) r;
END;
COMMENT ON FUNCTION nous.flow_renewal(text, nous.flows[]) IS
  'nous.flow_renewal(text[], nous.flows[]) with the groups written as an array literal (''{g1,g2}''), which an untyped literal resolves to.';

