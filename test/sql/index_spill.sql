-- index_spill: the window functions nous.composite and nous.reference_gap
-- over a partition that spills to disk (issue 14, item 3).  Before 0.2.0
-- they moved the window mark on every row, switching the tuplestore's read
-- pointer: one temporary block read per row (200,000 rows: 200,328 blocks
-- read for 782 written).  They now read the spilled partition about twice
-- (the function once, the executor once; nous.reference_gap, which reads two
-- arguments of each row, about four times: the window API refetches a row
-- one step forward and one back): temporary blocks read must stay within a
-- small multiple of the blocks written.  The counts come from
-- EXPLAIN (ANALYZE, BUFFERS) and are compared here, not printed.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;

CREATE TABLE sp_rows AS
SELECT i AS id, (i % 97)::float8 AS a, (i % 89)::float8 + 1 AS b, (i % 13)::float8 AS c
  FROM generate_series(1, 40000) i;
ANALYZE sp_rows;

-- temporary blocks read and written by a query, from its plan's top node
CREATE FUNCTION pg_temp.sp_temp(q text, OUT read bigint, OUT written bigint) LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || q INTO plan;
  read := (plan -> 0 -> 'Plan' ->> 'Temp Read Blocks')::bigint;
  written := (plan -> 0 -> 'Plan' ->> 'Temp Written Blocks')::bigint;
END
$$;

SET work_mem = '64kB';
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE sp_result AS
SELECT f, (pg_temp.sp_temp(q)).* FROM (VALUES
  ('composite', 'SELECT max(s) FROM (SELECT nous.composite(ARRAY[a, b, c]) OVER () AS s FROM sp_rows) t'),
  ('composite, polarity and minmax',
   'SELECT max(s) FROM (SELECT nous.composite(ARRAY[a, b, c], NULL, ''{1,-1,1}'', ''minmax'') OVER () AS s FROM sp_rows) t'),
  ('reference_gap', 'SELECT max(s) FROM (SELECT nous.reference_gap(a, b) OVER () AS s FROM sp_rows) t')) v(f, q);
-- the partition did spill (written > 100 blocks), and was read at most 5
-- times over (a block read per row would be 40,000 blocks)
SELECT f, written > 100 AS spilled, read <= 5 * written AS read_within_5x_written
  FROM sp_result ORDER BY f;
RESET work_mem;
RESET max_parallel_workers_per_gather;
DROP TABLE sp_rows;
