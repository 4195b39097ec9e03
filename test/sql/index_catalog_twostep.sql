-- index_catalog_twostep: nous.index_compute on the two-step path (issue 14):
-- when the stored normalisation and aggregation allow it, the parameters of
-- each partition come from nous.composite_params and each row is scored by
-- nous.composite_score; the other methods keep the window path.  Oracle:
-- nous.composite(...) OVER (PARTITION BY ...) over the same rows (the window
-- path), to 1e-12; ranks and classes equal.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;

-- generated data: 4 indicators with NULLs, 7 partitions and rows with a NULL
-- partition (their own partition), keys as text
SELECT setseed(0.31);
CREATE TABLE ic_gen (id int, g text, a float8, b float8, c float8, d float8);
INSERT INTO ic_gen
SELECT i, CASE WHEN i % 50 = 0 THEN NULL ELSE 'g' || (i % 7) END,
       CASE WHEN random() < 0.1 THEN NULL ELSE 100 * random() END,
       CASE WHEN random() < 0.2 THEN NULL ELSE 1000 + 100 * random() END,
       CASE WHEN random() < 0.3 THEN NULL ELSE exp(3 * random()) END,
       CASE WHEN random() < 0.4 THEN NULL ELSE round(10 * random()) END
  FROM generate_series(1, 2000) i;

CREATE TABLE ic_defs (name text, normalise text, aggregate text, w float8[], pol int[], twostep boolean);
INSERT INTO ic_defs VALUES
  ('ic_z', 'zscore', 'mean', '{2,1,1,0.5}', '{1,-1,1,-1}', true),
  ('ic_zpop', 'zscore(sd=population)', 'mean(min_coverage=0.75)', '{1,1,1,0}', '{-1,1,1,1}', true),
  ('ic_minmax', 'minmax', 'geometric(shift=1)', '{1,2,3,4}', '{1,1,-1,1}', true),
  ('ic_log', 'log(offset=1, scale=minmax)', 'power(p=2)', '{1,1,2,2}', '{1,1,1,-1}', true),
  ('ic_goal', 'goalposts(lo=10, hi=60)', 'mpi', '{1,1,1,1}', '{1,-1,1,1}', true),
  ('ic_rank', 'rank', 'mean', '{1,1,1,1}', '{1,-1,1,1}', false),
  ('ic_worst', 'zscore', 'worstq(q=0.25)', '{1,1,1,1}', '{1,1,1,-1}', false);
SELECT nous.define_index(x.name,
         (SELECT jsonb_agg(jsonb_build_object('column', c, 'weight', x.w[o], 'polarity', x.pol[o]) ORDER BY o)
            FROM unnest(ARRAY['a', 'b', 'c', 'd']) WITH ORDINALITY u(c, o)),
         x.normalise, x.aggregate, k => 4)
  FROM ic_defs x ORDER BY x.name;

-- the window path, written out: score, rank, class, coverage, contributions
CREATE FUNCTION pg_temp.ic_window(x ic_defs, by_part boolean)
RETURNS TABLE (key text, part text, score float8, rank bigint, class integer, coverage float8, contributions jsonb)
LANGUAGE sql AS $$
  WITH s AS (
    SELECT id::text AS key, CASE WHEN by_part THEN g END AS part,
           nous.composite(ARRAY[a, b, c, d], x.w, x.pol, x.normalise, x.aggregate)
             OVER (PARTITION BY CASE WHEN by_part THEN g END) AS score,
           (CASE WHEN a IS NOT NULL THEN x.w[1] ELSE 0 END + CASE WHEN b IS NOT NULL THEN x.w[2] ELSE 0 END
            + CASE WHEN c IS NOT NULL THEN x.w[3] ELSE 0 END + CASE WHEN d IS NOT NULL THEN x.w[4] ELSE 0 END) AS wpresent,
           jsonb_build_object(
             'a', CASE WHEN a IS NOT NULL THEN nous.composite(ARRAY[a], NULL, ARRAY[x.pol[1]], x.normalise, 'mean')
                    OVER (PARTITION BY CASE WHEN by_part THEN g END) * x.w[1] END,
             'b', CASE WHEN b IS NOT NULL THEN nous.composite(ARRAY[b], NULL, ARRAY[x.pol[2]], x.normalise, 'mean')
                    OVER (PARTITION BY CASE WHEN by_part THEN g END) * x.w[2] END,
             'c', CASE WHEN c IS NOT NULL THEN nous.composite(ARRAY[c], NULL, ARRAY[x.pol[3]], x.normalise, 'mean')
                    OVER (PARTITION BY CASE WHEN by_part THEN g END) * x.w[3] END,
             'd', CASE WHEN d IS NOT NULL THEN nous.composite(ARRAY[d], NULL, ARRAY[x.pol[4]], x.normalise, 'mean')
                    OVER (PARTITION BY CASE WHEN by_part THEN g END) * x.w[4] END) AS terms
      FROM ic_gen)
  SELECT key, part, score,
         CASE WHEN score IS NOT NULL THEN rank() OVER (PARTITION BY part, score IS NULL ORDER BY score DESC) END,
         CASE WHEN score IS NOT NULL THEN
           (1 + floor(4 * (rank() OVER (PARTITION BY part, score IS NULL ORDER BY score) - 1)
                / count(score) OVER (PARTITION BY part)::float8))::integer END,
         wpresent / (x.w[1] + x.w[2] + x.w[3] + x.w[4]),
         CASE WHEN score IS NOT NULL THEN
           (SELECT jsonb_object_agg(t.k, t.v::float8 / wpresent) FROM jsonb_each_text(terms) t(k, v) WHERE t.v IS NOT NULL) END
    FROM s
$$;

-- which path each definition takes: nous.composite_score is called on the
-- two-step path only (function statistics of the transaction)
SET track_functions = 'all';
CREATE FUNCTION pg_temp.ic_scored(name text, by_part boolean) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  before bigint;
  after bigint;
BEGIN
  SELECT coalesce(sum(calls), 0) INTO before FROM pg_stat_xact_user_functions WHERE funcname = 'composite_score';
  PERFORM count(*) FROM nous.index_compute(name, 'ic_gen', 'id', CASE WHEN by_part THEN 'g' END);
  SELECT coalesce(sum(calls), 0) INTO after FROM pg_stat_xact_user_functions WHERE funcname = 'composite_score';
  RETURN after - before > 3;  -- more than the trial's 3 rows
END
$$;

-- per definition, over everything and per partition: rows, scores, rows
-- whose score, rank, class, coverage or contributions differ (contributions
-- are rounded to 12 decimals), largest difference of the scores
SELECT x.name, p.by_part, pg_temp.ic_scored(x.name, p.by_part) = x.twostep AS expected_path,
       count(*) AS n_rows, count(i.score) AS scored,
       count(*) FILTER (WHERE (i.score IS NULL) <> (w.score IS NULL) OR i.part IS DISTINCT FROM w.part
                          OR i.rank IS DISTINCT FROM w.rank OR i.class IS DISTINCT FROM w.class
                          OR i.coverage IS DISTINCT FROM w.coverage
                          OR (i.contributions IS NULL) <> (w.contributions IS NULL)
                          OR EXISTS (SELECT 1 FROM jsonb_each_text(w.contributions) c(k, v)
                                      WHERE NOT (i.contributions ? c.k)
                                         OR abs((i.contributions ->> c.k)::float8 - c.v::float8) > 1e-11)) AS differ,
       coalesce(max(abs(i.score - w.score)), 0) < 1e-12 AS scores_1e12
  FROM ic_defs x, (VALUES (false), (true)) p(by_part),
       LATERAL nous.index_compute(x.name, 'ic_gen', 'id', CASE WHEN p.by_part THEN 'g' END) i
       JOIN LATERAL pg_temp.ic_window(x, p.by_part) w USING (key)
 GROUP BY x.name, x.twostep, p.by_part
 ORDER BY x.name, p.by_part;

-- polarity: reversing a component's polarity reflects it (z-scores: the
-- negation), on the two-step path as on the window path
SELECT nous.define_index('ic_z_rev', '[{"column": "a", "weight": 2, "polarity": -1}, {"column": "b", "polarity": 1},
                                       {"column": "c"}, {"column": "d", "weight": 0.5, "polarity": 1}]', k => 4);
SELECT bool_and(abs((i.contributions ->> 'a')::float8 + (r.contributions ->> 'a')::float8
                    * (r.coverage / i.coverage)) < 1e-11) AS a_reflected
  FROM nous.index_compute('ic_z', 'ic_gen', 'id', 'g') i
  JOIN nous.index_compute('ic_z_rev', 'ic_gen', 'id', 'g') r USING (key)
 WHERE i.contributions ? 'a';

-- an empty source: no row, on either path
CREATE TABLE ic_empty (LIKE ic_gen);
SELECT count(*) FROM nous.index_compute('ic_z', 'ic_empty', 'id', 'g');
SELECT count(*) FROM nous.index_compute('ic_rank', 'ic_empty', 'id', 'g');
-- a source column named like the query's own names (p, part, x): qualified
CREATE TABLE ic_names (x int, part text, p float8, key float8);
INSERT INTO ic_names VALUES (1, 'A', 1, 10), (2, 'A', 2, 30), (3, 'A', 6, 15), (4, 'B', 5, 1), (5, 'B', 7, 2),
  (6, 'B', 4, 8), (7, NULL, 1, 1), (8, NULL, 3, 2), (9, NULL, 2, 7);
SELECT nous.define_index('ic_names', '[{"column": "p"}, {"column": "key", "polarity": -1}]');
SELECT i.key, i.part, round(i.score::numeric, 6) AS score, i.rank, i.class, i.coverage,
       abs(i.score - w.s) < 1e-12 AS same_as_window
  FROM nous.index_compute('ic_names', 'ic_names', 'x', 'part') i
  JOIN (SELECT x::text AS key, nous.composite(ARRAY[p, key], NULL, '{1,-1}') OVER (PARTITION BY part) AS s
          FROM ic_names) w USING (key);

-- leave nothing behind for the tests that follow
SELECT count(nous.drop_index(name)) FROM nous.index_definitions WHERE name LIKE 'ic\_%';
DROP FUNCTION pg_temp.ic_window(ic_defs, boolean);
DROP TABLE ic_gen, ic_defs, ic_empty, ic_names;
