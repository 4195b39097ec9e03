-- mix_multi: multigroup indices (M, H, decomposition, dissimilarity,
-- diversity, local scores) on hand-computed cases; the nous.mixcounts state.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- two units, two groups: u1 = (a 2, b 0), u2 = (a 0, b 2): N = 4,
-- p_ug = 1/2 on the diagonal, p_u = p_g = 1/2: M = 2 (1/2) ln(1/2 / 1/4) = ln 2;
-- E = ln 2; H = 1; D = 1; relative diversity 1
CREATE TABLE mm (s text, u text, g text, n float8);
INSERT INTO mm VALUES ('S', 'u1', 'a', 2), ('S', 'u2', 'b', 2);
SELECT round(nous.mutual_information(u, g, n)::numeric, 12) AS m, round(ln(2)::numeric, 12) AS ln2,
       nous.entropy_index(u, g, n) AS h, nous.multigroup_dissimilarity(u, g, n) AS d,
       nous.relative_diversity(u, g, n) AS rd
  FROM mm;
-- no segregation: the same mix in every unit gives 0
SELECT nous.mutual_information(u, g, n), nous.entropy_index(u, g, n),
       nous.multigroup_dissimilarity(u, g, n), nous.relative_diversity(u, g, n)
  FROM (VALUES ('u1', 'a', 1), ('u1', 'b', 3), ('u2', 'a', 2), ('u2', 'b', 6)) v(u, g, n);

-- three groups, three units (rows split and repeated: cells add up)
--   u1: a 4 b 0 c 0 | u2: a 2 b 2 c 0 | u3: a 0 b 2 c 6   N = 16
-- p_g = (6, 4, 6)/16, p_u = (4, 4, 8)/16
-- M = sum n_ug/N ln(n_ug N / (n_u n_g)):
--   4/16 ln(64/24) + 2/16 ln(32/24) + 2/16 ln(32/16) + 2/16 ln(32/32) + 6/16 ln(96/48)
CREATE TABLE m3 (u text, g text, n float8);
INSERT INTO m3 VALUES ('u1', 'a', 3), ('u1', 'a', 1), ('u2', 'a', 2), ('u2', 'b', 2),
                      ('u3', 'b', 2), ('u3', 'c', 6), ('u1', 'c', 0);
SELECT round(nous.mutual_information(u, g, n)::numeric, 12) AS m,
       round((4.0/16 * ln(64.0/24) + 2.0/16 * ln(32.0/24) + 2.0/16 * ln(2) + 6.0/16 * ln(2))::numeric, 12) AS m_by_hand,
       round(nous.entropy_index(u, g, n)::numeric, 12) AS h,
       round(((4.0/16 * ln(64.0/24) + 2.0/16 * ln(32.0/24) + 2.0/16 * ln(2) + 6.0/16 * ln(2))
              / -(2 * 6.0/16 * ln(6.0/16) + 4.0/16 * ln(4.0/16)))::numeric, 12) AS h_by_hand
  FROM m3;
-- multigroup D = sum_g sum_u t_u |p_gu - p_g| / (2 T I), I = 1 - sum p_g^2 = 1 - 88/256
--   u1 (t 4): |1 - 6/16| + |0 - 4/16| + |0 - 6/16| = 20/16
--   u2 (t 4): |.5 - 6/16| + |.5 - 4/16| + |0 - 6/16| = 12/16
--   u3 (t 8): |0 - 6/16| + |.25 - 4/16| + |.75 - 6/16| = 12/16
--   D = (4 (20/16) + 4 (12/16) + 8 (12/16)) / (2 16 (168/256)) = 14 / 21 = 2/3
-- relative diversity RD = sum_u t_u sum_g (p_gu - p_g)^2 / (T I)
--   u1: (10/16)^2 + (4/16)^2 + (6/16)^2 = 152/256; u2: (2/16)^2 + (4/16)^2 + (6/16)^2 = 56/256;
--   u3: (6/16)^2 + 0 + (6/16)^2 = 72/256
--   RD = (4 152 + 4 56 + 8 72) / 256 / (16 168/256) = 1408 / 2688 = 11/21
-- Simpson concentration sum p_g^2 = 88/256, interaction 168/256; Shannon E as above
SELECT round(nous.multigroup_dissimilarity(u, g, n)::numeric, 12) AS d, round(2/3.0, 12) AS d_by_hand,
       round(nous.relative_diversity(u, g, n)::numeric, 12) AS rd, round(11/21.0, 12) AS rd_by_hand,
       nous.simpson_concentration(nous.mixcounts_agg(u, g, n)) AS lambda, 88/256.0 AS lambda_by_hand,
       nous.simpson_interaction(nous.mixcounts_agg(u, g, n)) AS i, 168/256.0 AS i_by_hand,
       round(nous.shannon_diversity(nous.mixcounts_agg(u, g, n))::numeric, 12) AS e,
       round((-(2 * 6.0/16 * ln(6.0/16) + 4.0/16 * ln(4.0/16)))::numeric, 12) AS e_by_hand
  FROM m3;
-- local scores: LQ of (u1, a) = (4/4) / (6/16) = 8/3; contributions add up to M
SELECT unit, grp, n, share, round(location_quotient::numeric, 12) AS lq, round(m_contribution::numeric, 12) AS m_part
  FROM nous.mix_local((SELECT nous.mixcounts_agg(u, g, n) FROM m3)) ORDER BY unit, grp;
SELECT round(sum(m_contribution)::numeric, 12) = round((SELECT nous.mutual_information(u, g, n) FROM m3)::numeric, 12) AS parts_add_up
  FROM nous.mix_local((SELECT nous.mixcounts_agg(u, g, n) FROM m3));

-- decomposition: supers X = {u1, u2}, Y = {u3}
--   between table X: a 6 b 2 c 0 (8) | Y: a 0 b 2 c 6 (8)
--   M_between = 6/16 ln(96/48) + 2/16 ln(32/32) + 2/16 ln(32/32) + 6/16 ln(96/48) = 3/4 ln 2
--   within X: u1 a 4 | u2 a 2 b 2 (N 8, p_g a 6/8 b 2/8): M_X = 4/8 ln(32/24) + 2/8 ln(16/24) + 2/8 ln(16/8)
--   within Y: one unit: M_Y = 0;  M_within = 1/2 M_X
SELECT round(m::numeric, 12) AS m, round(m_between::numeric, 12) AS m_between,
       round((0.75 * ln(2))::numeric, 12) AS m_between_by_hand,
       round(m_within::numeric, 12) AS m_within,
       round((0.5 * (4.0/8 * ln(32.0/24) + 2.0/8 * ln(16.0/24) + 2.0/8 * ln(2)))::numeric, 12) AS m_within_by_hand,
       round((h_between + h_within - h)::numeric, 12) AS h_adds_up, supers
  FROM (SELECT (nous.mutual_information_decomposition(CASE WHEN u = 'u3' THEN 'Y' ELSE 'X' END, u, g, n)).* FROM m3) d;

-- undefined and empty cases
SELECT nous.mutual_information(u, g, n) IS NULL AS no_row, nous.entropy_index(u, g, n) IS NULL AS h_no_row
  FROM m3 WHERE false;
SELECT nous.mutual_information(u, g, n) AS m_one_group, nous.entropy_index(u, g, n) IS NULL AS h_undefined
  FROM (VALUES ('u1', 'a', 3), ('u2', 'a', 5)) v(u, g, n);
SELECT nous.mutual_information(u, g, n) IS NULL AS all_zero FROM (VALUES ('u1', 'a', 0)) v(u, g, n);
-- NULL counts are skipped
SELECT nous.mutual_information(u, g, n) = (SELECT nous.mutual_information(u, g, n) FROM m3) AS null_skipped
  FROM (SELECT * FROM m3 UNION ALL SELECT 'u9', 'a', NULL) x;

-- bad input
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u1', 'a', -1.0)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u1', 'a', 'NaN'::float8)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u1', 'a', '-Infinity'::float8)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES (NULL, 'a', 1.0)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u1', NULL, 1.0)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT '[["","u","g",-1]]'::nous.mixcounts$e$);
CALL public.expect_error($e$SELECT '[["","u","g"]]'::nous.mixcounts$e$);
CALL public.expect_error($e$SELECT '[["","u,"g",1]]'::nous.mixcounts$e$);
CALL public.expect_error($e$SELECT '[["","u","g",1]'::nous.mixcounts$e$);
-- counts adding up beyond the range of float8: 22003 (they gave an Infinity
-- cell, printed as a text form that cannot be read back, and NaN indices)
CALL public.expect_error($e$SELECT nous.mixcounts_agg(u, g, n)::text FROM (VALUES ('u', 'g', 1e308::float8), ('u', 'g', 1e308)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u', 'a', 1e308::float8), ('v', 'b', 1e308)) v(u, g, n)$e$);
CALL public.expect_error($e$SELECT '[["","u","g",1e308],["","u","g",1e308]]'::nous.mixcounts::text$e$);
SELECT nous.merge(s) FROM (VALUES ('[["","u","g",1e308]]'::nous.mixcounts), ('[["","u","g",1e308]]')) v(s);
SELECT nous.mutual_information(u, g, n) FROM (VALUES ('u1', 'a', -1.0)) v(u, g, n);
SELECT nous.mutual_information(u, g, n) FROM (VALUES (NULL, 'a', 1.0)) v(u, g, n);

-- the storable state: text round trip (quotes and backslashes escaped), merge
SELECT nous.mixcounts_agg(u, g, n) FROM (VALUES ('x"1', 'a\b', 1), ('x"1', 'a\b', 2), ('é', 'c', 0.5)) v(u, g, n);
SELECT s::text::nous.mixcounts::text = s::text AS text_round_trip
  FROM (SELECT nous.mixcounts_agg(u, g, n) s FROM (VALUES ('x"1', 'a\b', 1), ('é', 'c', 0.5)) v(u, g, n)) q;
SELECT '[]'::nous.mixcounts, nous.cells('[]'), nous.mutual_information('[]'::nous.mixcounts) IS NULL AS empty;
CREATE TABLE mm_store (day int, s nous.mixcounts);
INSERT INTO mm_store SELECT 1, nous.mixcounts_agg(u, g, n) FROM m3 WHERE u <> 'u3';
INSERT INTO mm_store SELECT 2, nous.mixcounts_agg(u, g, n) FROM m3 WHERE u = 'u3';
INSERT INTO mm_store SELECT 3, nous.mixcounts_agg(u, g, 0) FROM m3;
SELECT nous.mutual_information(nous.merge(s)) = (SELECT nous.mutual_information(u, g, n) FROM m3) AS merged,
       nous.cells(nous.merge(s)) AS records
  FROM mm_store;
COPY mm_store TO PROGRAM 'cat > /tmp/nous_mix_counts.bin' WITH (FORMAT binary);
CREATE TABLE mm_store2 (LIKE mm_store);
COPY mm_store2 FROM PROGRAM 'cat /tmp/nous_mix_counts.bin' WITH (FORMAT binary);
SELECT (SELECT string_agg(s::text, ';' ORDER BY day) FROM mm_store) =
       (SELECT string_agg(s::text, ';' ORDER BY day) FROM mm_store2) AS binary_round_trip;

-- parallel plans give the serial answers
CREATE TABLE mm_big AS
  SELECT 'u' || (i % 5000) AS u, 'g' || (i * 7 % 6) AS g, (i % 13)::float8 AS n, 'c' || (i % 5000 / 100) AS c
    FROM generate_series(1, 60000) i;
ANALYZE mm_big;
CREATE TABLE mm_serial AS
  SELECT nous.mutual_information(u, g, n) m, nous.entropy_index(u, g, n) h,
         (nous.mutual_information_decomposition(c, u, g, n)).m_between mb
    FROM mm_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT nous.mutual_information(u, g, n) FROM mm_big;
SELECT abs(p.m - s.m) < 1e-12 AS m, abs(p.h - s.h) < 1e-12 AS h, abs(p.mb - s.mb) < 1e-12 AS mb
  FROM (SELECT nous.mutual_information(u, g, n) m, nous.entropy_index(u, g, n) h,
               (nous.mutual_information_decomposition(c, u, g, n)).m_between mb FROM mm_big) p, mm_serial s;
RESET ALL;
-- M in plain SQL
WITH c AS (SELECT u, g, sum(n) n FROM mm_big GROUP BY u, g),
     nu AS (SELECT u, sum(n) n FROM c GROUP BY u), ng AS (SELECT g, sum(n) n FROM c GROUP BY g),
     tot AS (SELECT sum(n) n FROM c)
SELECT abs((SELECT nous.mutual_information(u, g, n) FROM mm_big) -
           (SELECT sum(c.n / tot.n * ln(c.n * tot.n / (nu.n * ng.n)))
              FROM c JOIN nu USING (u) JOIN ng USING (g), tot WHERE c.n > 0)) < 1e-12 AS m_matches_sql;
DROP TABLE mm, m3, mm_store, mm_store2, mm_big, mm_serial;

-- per unit (for maps): u1 a 4 | u2 a 2 b 2 | u3 b 2 c 6 | u4 empty; p_g = (6, 4, 6) / 16
--   L_u1 = ln(16/6); L_u2 = 1/2 ln(4/3) + 1/2 ln 2; Shannon u2 = ln 2, Simpson u2 = 1/2;
--   the contributions p_u L_u add up to M; an empty unit has NULL scores
CREATE TABLE mu (u text, g text, n float8);
INSERT INTO mu VALUES ('u1', 'a', 4), ('u2', 'a', 2), ('u2', 'b', 2), ('u3', 'b', 2), ('u3', 'c', 6), ('u4', 'a', 0);
SELECT unit, n, round(local_segregation::numeric, 12) AS l, round(shannon::numeric, 12) AS e, simpson_interaction
  FROM nous.mix_units((SELECT nous.mixcounts_agg(u, g, n) FROM mu)) ORDER BY unit;
SELECT round(ln(16 / 6.0), 12) AS l_u1, round(0.5 * ln(4 / 3.0) + 0.5 * ln(2.0), 12) AS l_u2, round(ln(2.0), 12) AS e_u2;
SELECT round(sum(m_contribution)::numeric, 12) = round((SELECT nous.mutual_information(u, g, n) FROM mu)::numeric, 12) AS adds_up_to_m
  FROM nous.mix_units((SELECT nous.mixcounts_agg(u, g, n) FROM mu));
DROP TABLE mu;

-- extreme counts neither underflow nor overflow: one cell of 1e-300 is M = 0;
-- two units of 1e300 each in its own group is M = ln 2
SELECT nous.mutual_information('[["","u","g",1e-300]]'::nous.mixcounts) AS tiny,
       round(nous.mutual_information('[["","u","g",1e300],["","v","h",1e300]]'::nous.mixcounts)::numeric, 12) AS huge,
       round(ln(2.0), 12) AS ln2;

-- a small state keeps every row as a record; past 1 MB the aggregate merges
-- repeated cells as it grows (200,000 rows of 10 cells stay far below
-- 200,000 records); nous.compact merges on demand, with the same indices
SELECT nous.cells(nous.mixcounts_agg(u, g, n)) AS cells_of_small_aggregate
  FROM (VALUES ('u1', 'a', 3), ('u1', 'a', 1), ('u2', 'b', 2), ('u1', 'a', 1)) v(u, g, n);
SELECT nous.cells(s) < 60000 AS merged_while_growing, nous.cells(nous.compact(s)) AS cells,
       abs(nous.mutual_information(s) - ln(5.0)) < 1e-12 AS m_is_ln5
  FROM (SELECT nous.mixcounts_agg('unit' || (i % 5), 'group' || (i % 10), 1) s
          FROM generate_series(1, 200000) i) q;
SELECT nous.cells(s) AS before, nous.cells(nous.compact(s)) AS after,
       nous.mutual_information(nous.compact(s)) = nous.mutual_information(s) AS same_m,
       nous.compact(s)::text = s::text AS same_text
  FROM (SELECT '[["","u1","a",3],["","u2","b",2],["","u1","a",1]]'::nous.mixcounts s) q;

-- integer group columns (an int income quartile): the same cells as grp::text
CREATE TEMP TABLE mm_int AS
  SELECT 'u' || (i % 4) AS u, 'S' || (i % 2) AS s, (i % 3 + 1)::int AS q, (i % 3 + 1)::smallint AS q2,
         (i % 5 + 1)::float8 AS n
    FROM generate_series(1, 60) i;
SELECT nous.mixcounts_agg(u, q, n)::text = nous.mixcounts_agg(u, q::text, n)::text AS int_groups,
       nous.mixcounts_agg(u, q2, n)::text = nous.mixcounts_agg(u, q2::text, n)::text AS smallint_groups,
       nous.mixcounts_agg(s, u, q, n)::text = nous.mixcounts_agg(s, u, q::text, n)::text AS with_super,
       nous.mutual_information(nous.mixcounts_agg(u, q, n)) = nous.mutual_information(u, q, n) AS same_m
  FROM mm_int;
SELECT nous.mixcounts_agg(u, g, 1) FROM (VALUES ('u1', 7), ('u2', -12)) v(u, g);
SELECT nous.mixcounts_agg(u, g, 1) FROM (VALUES ('u1', 7), ('u2', NULL)) v(u, g);

-- normalised Shannon diversity E / ln K: groups a 6, b 4, c 6 of 16 (hand
-- computation); 0 when one of two named groups holds everyone, 1 when equal
SELECT abs(nous.shannon_normalised(s) + (2 * 6 / 16.0 * ln(6 / 16.0) + 4 / 16.0 * ln(4 / 16.0)) / ln(3.0)) < 1e-15 AS three_groups,
       nous.shannon_normalised('[["","u","a",5],["","u","b",0]]') AS one_of_two,
       nous.shannon_normalised('[["","u","a",5],["","v","b",5]]') AS equal,
       nous.shannon_normalised('[["","u","a",5]]') IS NULL AS one_group,
       nous.segregation(s, 'shannon_normalised') = nous.shannon_normalised(s) AS as_method
  FROM (SELECT '[["","u1","a",6],["","u2","b",4],["","u3","c",6]]'::nous.mixcounts s) q;
