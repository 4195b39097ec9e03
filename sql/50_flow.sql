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
  'Whole matrix: zone and flow counts, stayers, movers (without the noise of binary sums), migration effectiveness sum|in - out| / sum(in + out), Gini of the n(n-1) off-diagonal cells; NULL when undefined.';

CREATE FUNCTION nous.flow_summary(m nous.flows, selection nous.flows,
                                  OUT links integer, OUT links_kept integer, OUT links_lost integer,
                                  OUT volume float8, OUT volume_kept float8, OUT volume_lost float8,
                                  OUT volume_kept_share float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_flow_summary_selection';
COMMENT ON FUNCTION nous.flow_summary(nous.flows, nous.flows) IS
  'What a selection of a matrix (nous.flow_select(m, …)) keeps: flows (links) and volume (weight off the diagonal) of m, kept and lost, and the share of the volume kept; an error when the selection holds a flow that m does not.';

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
