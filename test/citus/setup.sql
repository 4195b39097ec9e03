-- test/citus/setup.sql — the data of the Citus suite (run on the coordinator
-- after test/gen/generate.sql): identical tables in schema loc (plain tables
-- of the coordinator, the single-node reference) and in schema dist
-- (distributed by EPCI, 4 shards on two workers).  Every table carries
-- epci_code, the distribution column; g is a grouping column that is not.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS loc CASCADE;
DROP SCHEMA IF EXISTS dist CASCADE;
CREATE SCHEMA loc;
CREATE SCHEMA dist;

-- IRIS numbered in code order: the bigint ids of the spatial aggregates
CREATE TABLE loc.iris AS
  SELECT c.epci_code, row_number() OVER (ORDER BY i.iris_code)::bigint AS iris_id,
         i.iris_code, i.com_code, i.population::float8 AS value,
         (row_number() OVER (ORDER BY i.iris_code) % 3)::int AS g, i.geom
    FROM nous_demo.iris i JOIN nous_demo.communes c USING (com_code);

CREATE TABLE loc.squares AS
  SELECT s.epci_code, s.square_id, s.com_code, s.iris_code,
         (s.qpv_code IS NOT NULL) AS g,
         s.population, s.households, s.poor_households,
         s.median_income_uc, s.unemployment_rate, s.no_diploma_rate, s.single_parent_rate,
         s.geom
    FROM nous_demo.squares s;

-- a move belongs to the EPCI of its origin
CREATE TABLE loc.moves AS
  SELECT c.epci_code, m.move_id, m.origin_com, m.destination_com,
         m.origin_iris, m.destination_iris,
         oi.iris_id AS origin_id, di.iris_id AS destination_id,
         m.weight, m.income_quartile, m.year AS g
    FROM nous_demo.moves m
    JOIN nous_demo.communes c ON c.com_code = m.origin_com
    JOIN loc.iris oi ON oi.iris_code = m.origin_iris
    JOIN loc.iris di ON di.iris_code = m.destination_iris;

CREATE TABLE loc.applications AS
  SELECT a.epci_code, a.application_id, a.income_uc, a.priority,
         a.pending_at_year_start AS g
    FROM nous_demo.applications a;

-- the threshold of each EPCI: percentile_cont(0.25) of its applicants
CREATE TABLE loc.allocations AS
  SELECT l.epci_code, l.allocation_id, l.in_qpv, a.income_uc, l.renewal, l.priority,
         t.threshold, l.landlord AS g
    FROM nous_demo.allocations l
    JOIN nous_demo.applications a USING (application_id)
    JOIN (SELECT epci_code, percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc) AS threshold
            FROM nous_demo.applications GROUP BY epci_code) t ON t.epci_code = l.epci_code;

-- stored states (the rollup of a nightly job): one row per EPCI and year
CREATE TABLE loc.rollup (
  epci_code text, g int,
  flows nous.flows, pairs nous.mixpairs, counts nous.mixcounts, w nous.weights);

-- the distributed copies: same columns, same rows
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['iris', 'squares', 'moves', 'applications', 'allocations', 'rollup'] LOOP
    EXECUTE format('CREATE TABLE dist.%I (LIKE loc.%I)', t, t);
    PERFORM create_distributed_table(format('dist.%I', t), 'epci_code',
                                     colocate_with => CASE WHEN t = 'iris' THEN 'default' ELSE 'dist.iris' END);
    IF t <> 'rollup' THEN
      EXECUTE format('INSERT INTO dist.%I SELECT * FROM loc.%I', t, t);
    END IF;
  END LOOP;
END $$;

-- the rollups: computed from each schema's own moves and squares (in dist
-- an INSERT ... SELECT pushed down to the shards: grouped by epci_code)
INSERT INTO loc.rollup
  SELECT m.epci_code, m.g, m.flows, s.pairs, m.counts, m.w
    FROM (SELECT epci_code, g, nous.flow_matrix(origin_com, destination_com, weight) AS flows,
                 nous.mixcounts_agg(destination_iris, income_quartile::text, weight) AS counts,
                 nous.weights(origin_id, nullif(destination_id, origin_id)) AS w
            FROM loc.moves GROUP BY epci_code, g) m
    JOIN (SELECT epci_code, nous.mixpairs_agg(poor_households, households) AS pairs
            FROM loc.squares GROUP BY epci_code) s USING (epci_code);
INSERT INTO dist.rollup
  SELECT m.epci_code, m.g, m.flows, s.pairs, m.counts, m.w
    FROM (SELECT epci_code, g, nous.flow_matrix(origin_com, destination_com, weight) AS flows,
                 nous.mixcounts_agg(destination_iris, income_quartile::text, weight) AS counts,
                 nous.weights(origin_id, nullif(destination_id, origin_id)) AS w
            FROM dist.moves GROUP BY epci_code, g) m
    JOIN (SELECT epci_code, nous.mixpairs_agg(poor_households, households) AS pairs
            FROM dist.squares GROUP BY epci_code) s USING (epci_code);

ANALYZE;
