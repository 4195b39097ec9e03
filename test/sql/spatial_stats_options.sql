-- spatial_stats_options: the alternative hypothesis of the p-values and the
-- default weight style of nous.getis_ord (issue 15), against hand and
-- plain-SQL computations.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;

-- a 2 x 3 grid of squares with rook weights: values 1 2 3 / 4 5 6
CREATE TEMP TABLE small AS
SELECT (10 * i + j)::bigint AS id, public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom,
       (i + 3 * (j - 1))::float8 AS v
  FROM generate_series(1, 3) i, generate_series(1, 2) j;
CREATE TEMP TABLE smallw AS SELECT nous.contiguity(id, geom, 'rook') AS w FROM small;

-- Getis-Ord G: binary weights by default (the statistic is defined on them).
-- Plain SQL: G = sum_ij w_ij x_i x_j / sum_{i<>j} x_i x_j with w_ij = 1
SELECT round((sum(a.v * b.v) / ((SELECT sum(v)^2 - sum(v^2) FROM small)))::numeric, 12) AS plain_sql_g
  FROM nous.neighbours((SELECT w FROM smallw)) l JOIN small a ON a.id = l.from_id JOIN small b ON b.id = l.to_id;
SELECT round(g.g::numeric, 12) AS g, g.style, round(g.expected::numeric, 12) AS expected_14_over_30
  FROM (SELECT (nous.getis_ord((SELECT w FROM smallw), id, v)).* FROM small) g;
-- row-standardised weights on request: G = sum_ij x_i x_j / deg_i / sum_{i<>j} x_i x_j
WITH l AS (SELECT from_id, to_id, 1.0 / count(*) OVER (PARTITION BY from_id) AS w
             FROM nous.neighbours((SELECT w FROM smallw)))
SELECT round((sum(l.w * a.v * b.v) / ((SELECT sum(v)^2 - sum(v^2) FROM small)))::numeric, 12) AS plain_sql_g_w
  FROM l JOIN small a ON a.id = l.from_id JOIN small b ON b.id = l.to_id;
SELECT round(g.g::numeric, 12) AS g_w, g.style
  FROM (SELECT (nous.getis_ord((SELECT w FROM smallw), id, v, 'style=W')).* FROM small) g;

-- alternative: the normal p-values are the upper tail (greater), the lower
-- tail (less) or twice the smaller (two-sided, the default)
CREATE TEMP TABLE alt AS
SELECT a, (nous.moran((SELECT w FROM smallw), id, v, 'permutations=99, alternative=' || a)).*
  FROM small, unnest(ARRAY['two-sided', 'greater', 'less']) a GROUP BY a;
SELECT a, round(z_random::numeric, 9) AS z_random, round(p_random::numeric, 9) AS p_random,
       round(p_permutation::numeric, 2) AS p_perm
  FROM alt ORDER BY a;
SELECT round((g.p_random + l.p_random)::numeric, 12) AS greater_plus_less,
       round((2 * least(g.p_random, l.p_random) - t.p_random)::numeric, 12) AS two_sided_is_twice_the_smaller,
       -- (ge + 1) + (le + 1) = 99 + 2 + the permutations tied with the observed I
       round(((g.p_permutation + l.p_permutation) * 100)::numeric) AS perm_counts_sum
  FROM alt g, alt l, alt t WHERE g.a = 'greater' AND l.a = 'less' AND t.a = 'two-sided';
-- spdep's spelling is accepted; the default is two-sided
SELECT (nous.moran((SELECT w FROM smallw), id, v, 'alternative=two.sided')).p_random
     = (nous.moran((SELECT w FROM smallw), id, v)).p_random AS default_two_sided
  FROM small;
-- Geary's C: greater is positive autocorrelation, i.e. C below 1 (spdep geary.test)
SELECT round(c.c::numeric, 12) AS c, round(c.z_random::numeric, 9) AS z_random,
       round(c.p_random::numeric, 9) AS p_greater
  FROM (SELECT (nous.geary((SELECT w FROM smallw), id, v, 'alternative=greater')).* FROM small) c;
SELECT round(c.p_random::numeric, 9) AS p_less
  FROM (SELECT (nous.geary((SELECT w FROM smallw), id, v, 'alternative=less')).* FROM small) c;
-- Getis-Ord: greater is a concentration of high values
SELECT round(g.z_random::numeric, 9) AS z, round(g.p_random::numeric, 9) AS p_greater
  FROM (SELECT (nous.getis_ord((SELECT w FROM smallw), id, v, 'alternative=greater')).* FROM small) g;
-- local statistics: per area, greater + less = 1 for the normal p-values
SELECT l.id, round(l.z::numeric, 9) AS z, round(l.p_normal::numeric, 9) AS p_greater,
       round((l.p_normal + m.p_normal)::numeric, 12) AS plus_less
  FROM (SELECT (unnest(nous.local_moran((SELECT w FROM smallw), id, v, 'alternative=greater, permutations=0'))).* FROM small) l
  JOIN (SELECT (unnest(nous.local_moran((SELECT w FROM smallw), id, v, 'alternative=less, permutations=0'))).* FROM small) m
    USING (id) ORDER BY l.id;
SELECT l.id, round(l.p_normal::numeric, 9) AS p_greater, l.cluster
  FROM (SELECT (unnest(nous.local_gstar((SELECT w FROM smallw), id, v, 'style=B, alternative=greater, permutations=0'))).* FROM small) l
  ORDER BY l.id;
SELECT count(*) FILTER (WHERE l.p_normal > 0.5) AS upper_tail_of_negative_z, count(*) FILTER (WHERE l.z < 0) AS negative_z
  FROM (SELECT (unnest(nous.local_g((SELECT w FROM smallw), id, v, 'alternative=greater, permutations=0'))).* FROM small) l;

-- bad input
\set VERBOSITY default
SELECT nous.moran((SELECT w FROM smallw), id, v, 'alternative=both') FROM small;
\set VERBOSITY default
