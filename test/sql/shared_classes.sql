-- shared_classes: class breaks against the jenks71 oracle (R classInt 0.4-9,
-- ../shared/oracles/jenks71/EXPECTED.md), every value to 1e-9 relative.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\getenv shared NOUS_SHARED
CREATE TEMP TABLE j (id int, v float8, area float8);
\set f :shared '/oracles/jenks71/jenks71.csv'
COPY j FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE expected (kase text, quantity text, value text, definition text);
\set f :shared '/oracles/jenks71/expected.csv'
COPY expected FROM :'f' WITH (FORMAT csv, HEADER);

-- counts per class of a set of upper bounds (nous.class_of: value <= bound)
CREATE FUNCTION pg_temp.counts(b float8[]) RETURNS float8[] LANGUAGE sql AS $$
  SELECT array_agg(coalesce(n, 0)::float8 ORDER BY c)
    FROM generate_series(1, cardinality(b)) c
    LEFT JOIN (SELECT nous.class_of(v, b) c, count(*) n FROM j GROUP BY 1) k USING (c) $$;
-- within-class sum of squares of a set of upper bounds, in plain SQL
CREATE FUNCTION pg_temp.sdcm(b float8[]) RETURNS float8 LANGUAGE sql AS $$
  SELECT sum(ss) FROM (SELECT sum((v - m)^2) ss FROM
    (SELECT v, avg(v) OVER (PARTITION BY nous.class_of(v, b)) m FROM j) q) r $$;

CREATE TEMP TABLE got (quantity text, value float8[]);
INSERT INTO got
SELECT 'fisher_k' || k || '_class_max', nous.breaks(v, k) FROM j, (VALUES (4), (5), (7)) kk(k) GROUP BY k;
INSERT INTO got SELECT replace(quantity, 'class_max', 'counts'), pg_temp.counts(value) FROM got;
INSERT INTO got SELECT replace(quantity, 'class_max', 'within_ss'), ARRAY[pg_temp.sdcm(value)] FROM got WHERE quantity LIKE '%class_max';
INSERT INTO got SELECT 'fisher_k5_class_min', array_agg(m ORDER BY c)
  FROM (SELECT nous.class_of(v, (SELECT value FROM got WHERE quantity = 'fisher_k5_class_max')) c, min(v) m FROM j GROUP BY 1) q;
-- classInt style="fisher" brks: min, midpoints between class max and next class min, max
INSERT INTO got SELECT 'fisher_k5_brks',
  ARRAY[mn[1]] || ARRAY(SELECT (mx[i] + mn[i + 1]) / 2 FROM generate_series(1, 4) i) || ARRAY[mx[5]]
  FROM (SELECT (SELECT value FROM got WHERE quantity = 'fisher_k5_class_max') mx,
               (SELECT value FROM got WHERE quantity = 'fisher_k5_class_min') mn) q;
INSERT INTO got SELECT 'fisher_k5_gvf', ARRAY[nous.gvf(v, (SELECT value FROM got WHERE quantity = 'fisher_k5_class_max'))] FROM j;
INSERT INTO got SELECT 'total_ss', ARRAY[sum((v - (SELECT avg(v) FROM j))^2)] FROM j;
INSERT INTO got SELECT 'quantile_k5_interior_type' || t, (nous.breaks(v, 5, 'quantile(type=' || t || ')'))[1:4]
  FROM j, generate_series(1, 9) t GROUP BY t;
INSERT INTO got SELECT 'quantile_k5_brks_type7', ARRAY[min(v)] || nous.breaks(v, 5, 'quantile') FROM j;
INSERT INTO got SELECT 'quantile_k5_counts_type7', pg_temp.counts(nous.breaks(v, 5, 'quantile')) FROM j;
INSERT INTO got SELECT 'equal_k5_brks', ARRAY[min(v)] || nous.breaks(v, 5, 'equal') FROM j;
INSERT INTO got SELECT 'equal_k5_counts', pg_temp.counts(nous.breaks(v, 5, 'equal')) FROM j;
INSERT INTO got SELECT 'headtails_thr' || t || '_brks', ARRAY[min(v)] || nous.breaks(v, 20, 'headtails(thr=' || t || ')')
  FROM j, unnest('{0.4,0.45,0.5,1}'::text[]) t GROUP BY t;
INSERT INTO got SELECT 'headtails_thr' || t || '_counts', pg_temp.counts(nous.breaks(v, 20, 'headtails(thr=' || t || ')'))
  FROM j, unnest('{0.4,0.45,0.5,1}'::text[]) t GROUP BY t;
INSERT INTO got SELECT 'n', ARRAY[count(v)] FROM j;

-- every computed quantity against the oracle, relative tolerance 1e-9
SELECT e.quantity,
       cardinality(g.value) = cardinality(string_to_array(e.value, ';')::float8[])
       AND bool_and(abs(gv - ev) <= 1e-9 * greatest(1, abs(ev))) AS ok
  FROM expected e JOIN got g USING (quantity)
  CROSS JOIN LATERAL unnest(g.value, string_to_array(e.value, ';')::float8[]) u(gv, ev)
 GROUP BY e.quantity, g.value, e.value ORDER BY e.quantity;
-- oracle quantities not checked here (classInt "jenks" style: same class maxima)
SELECT quantity FROM expected WHERE quantity NOT IN (SELECT quantity FROM got) ORDER BY 1;
-- the jenks style brks are min + fisher class maxima
SELECT string_to_array(value, ';')::float8[] = ARRAY[(SELECT min(v) FROM j)] || (SELECT value FROM got WHERE quantity = 'fisher_k5_class_max') AS jenks_brks_ok
  FROM expected WHERE quantity = 'jenks_k5_brks';

-- left-closed classes [a, b), the last one closed: classInt's own counts
-- (intervalClosure = "left", EXPECTED.md) from nous.class_of(..., 'left')
CREATE FUNCTION pg_temp.counts_left(b float8[]) RETURNS float8[] LANGUAGE sql AS $$
  SELECT array_agg(coalesce(n, 0)::float8 ORDER BY c)
    FROM generate_series(1, cardinality(b)) c
    LEFT JOIN (SELECT nous.class_of(v, b, 'left') c, count(*) n FROM j GROUP BY 1) k USING (c) $$;
WITH left_counts (quantity, value) AS (
  SELECT 'quantile_k5_counts_type7', pg_temp.counts_left(nous.breaks(v, 5, 'quantile')) FROM j
  UNION ALL SELECT 'equal_k5_counts', pg_temp.counts_left(nous.breaks(v, 5, 'equal')) FROM j
  UNION ALL SELECT 'headtails_thr' || t || '_counts', pg_temp.counts_left(nous.breaks(v, 20, 'headtails(thr=' || t || ')'))
    FROM j, unnest('{0.4,0.45,0.5,1}'::text[]) t GROUP BY t)
SELECT e.quantity, g.value = string_to_array(e.value, ';')::float8[] AS left_closed_ok
  FROM expected e JOIN left_counts g USING (quantity) ORDER BY 1;
