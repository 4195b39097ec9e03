-- Benchmark cases of the flow module: the OD matrix of 10 M moves between
-- 35,000 communes, and the zone indicators, against the plain-SQL GROUP BYs.
--
-- Data: the generator's nous_demo.moves (at scale 1250: about 10.4 M moves
-- between 35,700 communes, two census years, most of them local).

INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings)
SELECT 'flow', c.name || w.label,
 $q$SELECT count(*) FROM nous_demo.moves$q$,
 c.nous_sql, c.plain_sql,
 $q$SELECT sum(weight) FROM nous_demo.moves$q$,
 'max_parallel_workers_per_gather = ' || w.workers
FROM (VALUES
  ('flow matrix, all moves',
   -- nous: the sparse OD matrix (a hash table of zone pairs during the scan)
   $q$SELECT nous.flow_matrix(origin_com, destination_com, weight) FROM nous_demo.moves$q$,
   -- plain SQL: the GROUP BY an analyst writes
   $q$SELECT origin_com, destination_com, sum(weight) FROM nous_demo.moves GROUP BY 1, 2$q$),
  ('flow matrix + zone indicators, all moves',
   $q$SELECT z.* FROM (SELECT nous.flow_matrix(origin_com, destination_com, weight) AS m
                         FROM nous_demo.moves) s, nous.flow_zones(s.m) z$q$,
   -- plain SQL: GROUP BY origin, destination; stayers, in and out by three
   -- more GROUP BYs and a join; the Observatoire des territoires rates
   $q$WITH od AS (SELECT origin_com AS o, destination_com AS d, sum(weight) AS w
                    FROM nous_demo.moves GROUP BY 1, 2),
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
