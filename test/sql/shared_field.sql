-- shared_field: the Kaplan-Meier state of nous.km_agg against R survival on
-- the aml data (../shared/oracles/km_aml): the whole curve by group and
-- pooled, medians and quartiles with their log-band intervals, restricted
-- means.  Relative tolerance 1e-10.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\getenv shared NOUS_SHARED

CREATE TEMP TABLE aml (time float8, status int, x text);
\set f :shared '/oracles/km_aml/aml.csv'
COPY aml FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE curve (grp text, time float8, n_risk int, n_event int, n_censor int, surv float8,
                         se_surv float8, se_cumhaz float8, lower float8, upper float8,
                         lower_loglog float8, upper_loglog float8, lower_plain float8, upper_plain float8);
\set f :shared '/oracles/km_aml/expected_km_curve.csv'
COPY curve FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE ex_raw (kase text, quantity text, value text, definition text);
\set f :shared '/oracles/km_aml/expected.csv'
COPY ex_raw FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE ex AS
SELECT quantity, ord::int AS i, NULLIF(v, '')::float8 AS v
  FROM ex_raw, unnest(string_to_array(value, ';')) WITH ORDINALITY AS u(v, ord)
 WHERE quantity <> 'curve_file';
CREATE FUNCTION pg_temp.same(got float8, want float8) RETURNS boolean
  LANGUAGE sql AS $$ SELECT (got IS NULL AND want IS NULL) OR abs(got - want) <= 1e-10 * greatest(abs(want), 1e-300) $$;

CREATE TEMP TABLE km AS
SELECT x AS grp, nous.km_agg(time, status = 1) AS s FROM aml GROUP BY x
UNION ALL SELECT 'all', nous.km_agg(time, status = 1) FROM aml;

-- every row of the three curves
SELECT k.grp, count(*) AS rows,
       bool_and(c.n_risk = r.n_risk AND c.n_event = r.n_event AND c.n_censor = r.n_censor) AS counts_ok,
       bool_and(pg_temp.same(r.surv, c.surv)) AS surv_ok,
       bool_and(pg_temp.same(r.se, c.se_surv)) AS se_ok,
       bool_and(pg_temp.same(r.lower, c.lower) AND pg_temp.same(r.upper, c.upper)) AS band_ok
  FROM km k, nous.km_curve(k.s) r JOIN curve c ON c.time = r.delay
 WHERE c.grp = k.grp
 GROUP BY k.grp ORDER BY k.grp;
SELECT grp, count(*) AS curve_rows FROM curve GROUP BY grp ORDER BY grp;

-- medians and their intervals (print.survfit)
SELECT k.grp, q.n, q.events, q.delay AS median, q.lower, q.upper,
       q.n = e1.v AND q.events = e2.v AND pg_temp.same(q.delay, e3.v)
       AND pg_temp.same(q.lower, e4.v) AND pg_temp.same(q.upper, e5.v) AS ok
  FROM km k, nous.km_quantile(k.s) q,
       ex e1, ex e2, ex e3, ex e4, ex e5
 WHERE e1.quantity = k.grp || '_n_events_median_lcl_ucl' AND e1.i = 1
   AND e2.quantity = e1.quantity AND e2.i = 2 AND e3.quantity = e1.quantity AND e3.i = 3
   AND e4.quantity = e1.quantity AND e4.i = 4 AND e5.quantity = e1.quantity AND e5.i = 5
 ORDER BY k.grp;
-- pooled quartiles: 25, 50 and 75 % closed
SELECT p, q.delay, q.lower, q.upper,
       pg_temp.same(q.delay, (SELECT v FROM ex WHERE quantity = 'all_quartiles' AND i = o))
       AND pg_temp.same(q.lower, (SELECT v FROM ex WHERE quantity = 'all_quartiles_lower' AND i = o))
       AND pg_temp.same(q.upper, (SELECT v FROM ex WHERE quantity = 'all_quartiles_upper' AND i = o)) AS ok
  FROM km, unnest(ARRAY[0.25, 0.5, 0.75]) WITH ORDINALITY AS u(p, o), nous.km_quantile(km.s, p) q
 WHERE km.grp = 'all' ORDER BY p;
-- restricted mean to 48 weeks
SELECT k.grp, pg_temp.same(nous.km_rmean(k.s, 48),
                           (SELECT v FROM ex WHERE quantity = 'rmean_tau48' AND i = CASE k.grp WHEN 'Maintained' THEN 1 ELSE 2 END)) AS rmean_ok
  FROM km k WHERE k.grp <> 'all' ORDER BY k.grp;
-- share closed (relapsed) within 12 weeks: 1 - S(12)
SELECT grp, round(nous.km_share_closed(s, 12)::numeric, 12) AS within_12 FROM km ORDER BY grp;
-- merged group states = the pooled state; text round trip
SELECT nous.km_merge(a.s, b.s)::text = p.s::text AS merged_is_pooled,
       p.s::text::nous.kmstate::text = p.s::text AS text_round_trip
  FROM km a, km b, km p WHERE a.grp = 'Maintained' AND b.grp = 'Nonmaintained' AND p.grp = 'all';
