-- mix_cells: the multigroup indices sum their cells in a hash table while
-- they scan (nous.mixcounts_sum_trans), and take integer groups directly.
-- Every answer must be bit-for-bit the one of the stored state built row by
-- row (nous.mixcounts_agg keeps records and merges them in input order), and
-- the integer-group aggregates the ones over grp::text.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- non-integer counts, many rows per cell, past the 1 MB where the records
-- state starts merging (120,000 rows of ~30 bytes): the sums are equal to the
-- last bit because both add a cell's rows in input order
CREATE TABLE mc AS
  SELECT 'iris' || lpad((i * 7919 % 3001)::text, 5, '0') AS u, (i * 31 % 4) + 1 AS g,
         ((i * 2654435761) % 1000) / 7.0 AS n, 'c' || (i * 7919 % 3001 / 50) AS c
    FROM generate_series(1, 120000) i;
-- in one process: a parallel plan (PostgreSQL 18 plans this scan in
-- parallel) combines partial states, and the two then associate their sums
-- differently (equal to rounding only)
SET max_parallel_workers_per_gather = 0;
SELECT nous.mutual_information(u, g::text, n) = nous.mutual_information(nous.mixcounts_agg(u, g::text, n)) AS m_same,
       nous.entropy_index(u, g::text, n) = nous.entropy_index(nous.mixcounts_agg(u, g::text, n)) AS h_same,
       nous.multigroup_dissimilarity(u, g::text, n) = nous.multigroup_dissimilarity(nous.mixcounts_agg(u, g::text, n)) AS d_same,
       nous.relative_diversity(u, g::text, n) = nous.relative_diversity(nous.mixcounts_agg(u, g::text, n)) AS rd_same,
       nous.mutual_information_decomposition(c, u, g::text, n) = nous.mutual_information_decomposition(nous.mixcounts_agg(c, u, g::text, n)) AS dec_same
  FROM mc;
RESET max_parallel_workers_per_gather;
-- integer groups: the same as grp::text, bit for bit, also for bigint and smallint columns
SELECT nous.mutual_information(u, g, n) = nous.mutual_information(u, g::text, n) AS m_int,
       nous.entropy_index(u, g, n) = nous.entropy_index(u, g::text, n) AS h_int,
       nous.mutual_information(u, g::bigint * 1000000000000, n) = nous.mutual_information(u, (g::bigint * 1000000000000)::text, n) AS m_bigint,
       nous.mutual_information(u, (-g)::smallint, n) = nous.mutual_information(u, (-g)::text, n) AS m_smallint
  FROM mc;
-- and the plain SQL M (independent computation) to 1e-12
WITH c AS (SELECT u, g, sum(n) n FROM mc GROUP BY u, g),
     nu AS (SELECT u, sum(n) n FROM c GROUP BY u), ng AS (SELECT g, sum(n) n FROM c GROUP BY g),
     tot AS (SELECT sum(n) n FROM c)
SELECT abs((SELECT nous.mutual_information(u, g, n) FROM mc) -
           (SELECT sum(c.n / tot.n * ln(c.n * tot.n / (nu.n * ng.n)))
              FROM c JOIN nu USING (u) JOIN ng USING (g), tot WHERE c.n > 0)) < 1e-12 AS m_matches_sql;

-- long keys (kept outside the cell, unlike keys of up to 16 bytes) and keys
-- around that length, with empty and multibyte names
SELECT nous.mutual_information(u, g, n) = nous.mutual_information(nous.mixcounts_agg(u, g, n)) AS long_keys_same,
       nous.entropy_index(u, g, n) = nous.entropy_index(nous.mixcounts_agg(u, g, n)) AS long_keys_h_same,
       count(DISTINCT (u, g)) AS cells
  FROM (SELECT repeat('é', i % 40) || (i % 97) AS u,
               CASE WHEN i % 5 = 0 THEN '' ELSE repeat('g', i % 13) END AS g,
               (i % 17) / 3.0 AS n
          FROM generate_series(1, 20000) i) q;

-- hand case with integer groups: u1 = (1: 2), u2 = (2: 2): M = ln 2, H = 1;
-- a zero count still names its unit and group; a NULL count skips the row
SELECT round(nous.mutual_information(u, g, n)::numeric, 12) AS m, round(ln(2)::numeric, 12) AS ln2,
       nous.entropy_index(u, g, n) AS h
  FROM (VALUES ('u1', 1, 2.0), ('u2', 2, 2.0), ('u3', 3, 0.0), ('u1', 2, NULL)) v(u, g, n);
-- no row, or only NULL counts: NULL
SELECT nous.mutual_information(u, g, n) IS NULL AS no_rows FROM (SELECT 'u'::text, 1, 1.0 WHERE false) v(u, g, n);
SELECT nous.mutual_information(u, g, n) IS NULL AS null_counts FROM (VALUES ('u', 1, NULL::float8)) v(u, g, n);

-- grouped, parallel and window plans give the serial answers
CREATE TABLE mc_serial AS
  SELECT nous.mutual_information(u, g, n) m, nous.entropy_index(u, g::text, n) h,
         (nous.mutual_information_decomposition(c, u, g::text, n)).m_between mb
    FROM mc;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.mutual_information(u, g, n) FROM mc;
SELECT abs(p.m - s.m) < 1e-12 AS m, abs(p.h - s.h) < 1e-12 AS h, abs(p.mb - s.mb) < 1e-12 AS mb
  FROM (SELECT nous.mutual_information(u, g, n) m, nous.entropy_index(u, g::text, n) h,
               (nous.mutual_information_decomposition(c, u, g::text, n)).m_between mb FROM mc) p, mc_serial s;
RESET ALL;
SET extra_float_digits = 0;
SELECT count(*) AS communes, bool_and(m = m_rec) AS per_commune_same
  FROM (SELECT c, nous.mutual_information(u, g, n) m, nous.mutual_information(nous.mixcounts_agg(u, g::text, n)) m_rec
          FROM mc GROUP BY c) q;
-- running M over growing frames: the state is read, then grows again
SELECT bool_and(m = m_rec) AS window_same, count(*) AS frames
  FROM (SELECT nous.mutual_information(u, g, n) OVER w m,
               nous.mutual_information(nous.mixcounts_agg(u, g::text, n) OVER w) m_rec
          FROM (SELECT * FROM mc WHERE c = 'c1' ORDER BY u, g, n LIMIT 600) x
        WINDOW w AS (ORDER BY u, g, n ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) q;
DROP TABLE mc, mc_serial;

-- bad inputs: NULL unit or group, negative or non-finite counts
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES (NULL::text, 1, 1.0)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u', NULL::int, 1.0)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u', NULL::text, 1.0)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u', 1, -1.0)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u', 1, 'NaN'::float8)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.entropy_index(u, g, n) FROM (VALUES ('u', 1, 'Infinity'::float8)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT (nous.mutual_information_decomposition(s, u, g, n)).m FROM (VALUES (NULL::text, 'u', 'a', 1.0)) v(s, u, g, n)$e$);
SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u', NULL::int, 1.0)) v(u, g, n);
SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u7', 3, -2.5)) v(u, g, n);
