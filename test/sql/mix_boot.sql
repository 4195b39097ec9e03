-- mix_boot: seeded bootstrap confidence intervals of D, H, M (same seed,
-- same answer); only properties are printed, the draws depend on libm.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql

CREATE TABLE mb_areas AS
  SELECT i, (i * 37 % 50)::float8 AS g, (60 + i % 40)::float8 AS t FROM generate_series(1, 300) i;
CREATE TABLE mb_cells AS
  SELECT 'u' || (i % 120) AS u, 'g' || (i / 7 % 4) AS g, (1 + i * 13 % 17)::float8 AS n
    FROM generate_series(1, 600) i;

-- same seed, same answer; another seed, another answer
SELECT a = b AS same_seed_same_answer, a <> c AS other_seed_differs
  FROM (SELECT nous.bootstrap_ci(s, 'dissimilarity', 50, 42)::text a,
               nous.bootstrap_ci(s, 'dissimilarity', 50, 42)::text b,
               nous.bootstrap_ci(s, 'dissimilarity', 50, 43)::text c
          FROM (SELECT nous.mixpairs_agg(g, t) s FROM mb_areas) q) r;
SELECT a = b AS same_seed_same_answer
  FROM (SELECT nous.bootstrap_ci(s, 'M', 30, 7)::text a, nous.bootstrap_ci(s, 'M', 30, 7)::text b
          FROM (SELECT nous.mixcounts_agg(u, g, n) s FROM mb_cells) q) r;

-- shape of the result: the estimate is the index; low <= boot_mean <= high;
-- bias = boot_mean - estimate; every replicate used; a wider level gives a wider interval
SELECT estimate = (SELECT nous.dissimilarity(g, t) FROM mb_areas) AS estimate_is_d,
       low <= boot_mean AND boot_mean <= high AS ordered,
       abs(bias - (boot_mean - estimate)) < 1e-15 AS bias_defined, se > 0 AS se_positive, reps_used
  FROM (SELECT (nous.bootstrap_ci(nous.mixpairs_agg(g, t), 'D', 40, 1)).* FROM mb_areas) b;
SELECT (w).low <= (n).low AND (w).high >= (n).high AS wider
  FROM (SELECT nous.bootstrap_ci(s, 'entropy_h', 40, 1, 0.99) w, nous.bootstrap_ci(s, 'entropy_h', 40, 1, 0.5) n
          FROM (SELECT nous.mixpairs_agg(g, t) s FROM mb_areas) q) r;
-- M and H: the small-sample bias of M is upwards (cells resampled from a finite table)
SELECT estimate = (SELECT nous.mutual_information(u, g, n) FROM mb_cells) AS estimate_is_m,
       bias > 0 AS upward_bias, reps_used
  FROM (SELECT (nous.bootstrap_ci(nous.mixcounts_agg(u, g, n), 'mutual_information', 30, 3)).* FROM mb_cells) b;
SELECT abs(estimate - (SELECT nous.entropy_index(u, g, n) FROM mb_cells)) < 1e-15 AS estimate_is_h,
       low <= boot_mean AND boot_mean <= high AS ordered
  FROM (SELECT (nous.bootstrap_ci(nous.mixcounts_agg(u, g, n), 'H', 30, 3)).* FROM mb_cells) b;
-- undefined index: NULL
SELECT nous.bootstrap_ci('[(0,5),(0,3)]'::nous.mixpairs, 'D', 10, 1) IS NULL AS undefined;

CALL public.expect_error($e$SELECT nous.bootstrap_ci('[(1,5),(0,3)]'::nous.mixpairs, 'theil', 10, 1)$e$);
CALL public.expect_error($e$SELECT nous.bootstrap_ci('[(1,5),(0,3)]'::nous.mixpairs, 'D', 1, 1)$e$);
CALL public.expect_error($e$SELECT nous.bootstrap_ci('[(1,5),(0,3)]'::nous.mixpairs, 'D', 10, 1, 1.0)$e$);
CALL public.expect_error($e$SELECT nous.bootstrap_ci('[]'::nous.mixcounts, 'D', 10, 1)$e$);
SELECT nous.bootstrap_ci('[(1,5),(0,3)]'::nous.mixpairs, 'theil', 10, 1);
DROP TABLE mb_areas, mb_cells;
