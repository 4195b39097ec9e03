-- states_parallel: every storable state type of nous leaves the parallel
-- workers of a partial aggregation, is sorted there (Gather Merge: the
-- workers sort their partial states, copying them into the sort's memory,
-- a bump context on PostgreSQL 17 that cannot free) and is combined by the
-- leader: the results equal a serial plan.  A flatten method that frees
-- scratch memory in its caller's context fails here on PostgreSQL 17.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
CREATE TABLE sp AS
SELECT i AS id, 'a' || i AS code, i % 5 AS g, (i * 7919 % 1000) / 10.0 AS x,
       (i % 3)::float8 AS grp, (3 + i % 11)::float8 AS total,
       ST_SetSRID(ST_MakePoint(i % 100, i / 100), 2154) AS pt,
       ST_SetSRID(ST_MakeEnvelope(i % 100, i / 100, i % 100 + 1, i / 100 + 1), 2154) AS sq
  FROM generate_series(1, 6000) i;
ANALYZE sp;
CREATE TABLE sp_w1 AS SELECT nous.weights(id, id + 5) AS w FROM sp WHERE id <= 5995;
-- the aggregates and a text of their result to compare
CREATE TEMP TABLE sp_q (name text, q text);
INSERT INTO sp_q VALUES
 ('area_values', 'nous.area_values(id, x)::text'),
 ('text_area_values', 'nous.area_values(code, x)::text'),
 ('weights', 'nous.weights(id, id + 5)::text'),
 ('text_weights', 'nous.weights(code, ''a'' || (id + 5))::text'),
 ('breaks_state', 'nous.breaks(x, 4)::text'),
 ('quantile_state', 'nous.first_quartile(x)::text'),
 ('geom_rows', 'nous.knn(id, pt, 3)::text'),
 ('geom_rows (contiguity)', 'nous.contiguity(id, sq)::text'),
 ('autocorrelation_state', 'round((nous.moran((SELECT w FROM sp_w1), id, x, ''missing=drop, islands=keep'')).i::numeric, 10)::text'),
 ('composite_agg_state', 'nous.composite_agg(id, ARRAY[x, total], NULL, ''{1,-1}'')::text'),
 ('mixpairs', 'round(nous.dissimilarity(grp, total)::numeric, 10)::text'),
 ('mixcounts', 'round(nous.mutual_information(code, (id % 3)::text, total)::numeric, 10)::text'),
 ('flows', 'nous.flow_matrix((id % 13)::text, (id % 17)::text, 1)::text'),
 ('svystate', 'round((nous.svy_mean(nous.svy_agg(x, total, (id % 4)::text, code, NULL::float8), ''certainty'')).estimate::numeric, 10)::text'),
 ('kmstate', 'nous.km_quantile(nous.km_agg(x, id % 3 = 0))::text');
CREATE FUNCTION pg_temp.sp_run(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT string_agg(v, E''\n'' ORDER BY g) FROM (SELECT g, %s AS v FROM sp GROUP BY g) s', q) INTO r;
  RETURN r;
END $$;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE sp_serial AS SELECT name, pg_temp.sp_run(q) AS r FROM sp_q;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
-- the shape that sorts partial states in the workers
CREATE FUNCTION pg_temp.sp_plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN
  FOR l IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT g, %s AS v FROM sp GROUP BY g', q) LOOP
    r := r || CASE WHEN l ~ 'Gather Merge' THEN 'gather merge; ' WHEN l ~ 'Sort' THEN 'sort; '
                   WHEN l ~ 'Partial HashAggregate' THEN 'partial hash; ' ELSE '' END;
  END LOOP;
  RETURN r;
END $$;
SELECT bool_and(p LIKE '%gather merge;%' AND p LIKE '%sort;%' AND p LIKE '%partial hash;%') AS workers_sort_partial_states
  FROM (SELECT pg_temp.sp_plan(q) AS p FROM sp_q) x;
SELECT s.name, pg_temp.sp_run(q.q) = s.r AS parallel_equals_serial, s.r IS NOT NULL AS has_result
  FROM sp_serial s JOIN sp_q q USING (name) ORDER BY s.name;
RESET ALL;
DROP TABLE sp, sp_w1;
