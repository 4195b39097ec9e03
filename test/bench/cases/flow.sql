-- Benchmark cases of the flow module: the OD matrix of 10 M moves between
-- 35,000 communes, and the zone indicators, against the plain-SQL GROUP BYs.
--
-- Data: until the generator's nous_demo.moves is available, this file makes
-- its own deterministic table (built once, kept between runs): 10 M moves,
-- origins spread over 35,000 communes; 60 % stay in their commune, 35 % move
-- to one of their 40 neighbours (code +-20), 5 % anywhere; weight 1 to 3.
-- About 1.8 M distinct (origin, destination) pairs, 6.1 M stayers.
DO $$
BEGIN
  IF to_regclass('public.nous_bench_flow_moves') IS NULL THEN
    CREATE TABLE public.nous_bench_flow_moves AS
      SELECT lpad(o::text, 5, '0') AS origin_com,
             lpad((CASE WHEN r < 60 THEN o
                        WHEN r < 95 THEN (o + h % 41 - 20 + 35000) % 35000
                        ELSE h % 35000 END)::text, 5, '0') AS destination_com,
             (1 + h % 3)::float8 AS weight
        FROM (SELECT (hashint8(i) & 2147483647) % 35000 AS o,
                     (hashint8(i + 100000000) & 2147483647) % 100 AS r,
                     (hashint8(i + 200000000) & 2147483647) AS h
                FROM generate_series(1::bigint, 10000000) i) s;
    ANALYZE public.nous_bench_flow_moves;
  END IF;
END
$$;

INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings)
SELECT 'flow', c.name || w.label,
 $q$SELECT count(*) FROM public.nous_bench_flow_moves$q$,
 c.nous_sql, c.plain_sql,
 $q$SELECT sum(weight) FROM public.nous_bench_flow_moves$q$,
 'max_parallel_workers_per_gather = ' || w.workers
FROM (VALUES
  ('flow matrix, 10 M moves',
   -- nous: the sparse OD matrix (a hash table of zone pairs during the scan)
   $q$SELECT nous.flow_matrix(origin_com, destination_com, weight) FROM public.nous_bench_flow_moves$q$,
   -- plain SQL: the GROUP BY an analyst writes
   $q$SELECT origin_com, destination_com, sum(weight) FROM public.nous_bench_flow_moves GROUP BY 1, 2$q$),
  ('flow matrix + zone indicators, 10 M moves',
   $q$SELECT z.* FROM (SELECT nous.flow_matrix(origin_com, destination_com, weight) AS m
                         FROM public.nous_bench_flow_moves) s, nous.flow_zones(s.m) z$q$,
   -- plain SQL: GROUP BY origin, destination; stayers, in and out by three
   -- more GROUP BYs and a join; the Observatoire des territoires rates
   $q$WITH od AS (SELECT origin_com AS o, destination_com AS d, sum(weight) AS w
                    FROM public.nous_bench_flow_moves GROUP BY 1, 2),
          st AS (SELECT o AS zone, sum(w) AS iso FROM od WHERE o = d GROUP BY 1),
          i AS (SELECT d AS zone, sum(w) AS entr FROM od WHERE o <> d GROUP BY 1),
          x AS (SELECT o AS zone, sum(w) AS sort FROM od WHERE o <> d GROUP BY 1),
          z AS (SELECT zone, coalesce(iso, 0) AS iso, coalesce(entr, 0) AS entr, coalesce(sort, 0) AS sort
                  FROM st FULL JOIN i USING (zone) FULL JOIN x USING (zone))
      SELECT zone, iso, entr, sort, iso + sort, iso + entr, entr - sort,
             (entr - sort) / nullif((2 * iso + entr + sort) / 2, 0),
             (entr + sort) / nullif((2 * iso + entr + sort) / 2, 0),
             entr / nullif(iso + entr, 0), sort / nullif(iso + sort, 0)
        FROM z$q$)
) c(name, nous_sql, plain_sql)
CROSS JOIN (VALUES (0, ', serial'), (2, ', 2 workers')) w(workers, label);

-- Measured on the development machine (2 cores shared with other jobs, load
-- 3.7-4.4, medians of 3, two runs; see doc/flow.md): plain/nous 2.0-2.1
-- serial and 3.5-4.0 with 2 workers for the matrix (3.3-3.5 s vs 6.4-7.3 s),
-- 2.6-3.0 and 4.2-5.0 for matrix + zone indicators.  Memory of the aggregate
-- state (pg_log_backend_memory_contexts, context "nous.flows"): 70 MB for the
-- 1.8 M pairs (a 4 M-slot table of 16-byte slots), plus the 29 MB flat value
-- and 29 MB of sort buffers while it is flattened at the end — bounded by the
-- number of distinct pairs, not of rows; the plain HashAggregate used 131 MB
-- and spilled 57 MB to disk (work_mem 64 MB).
