-- shared_survey: design-based estimates, proportion intervals and
-- calibration on the California API samples (../shared/oracles/survey_api,
-- R survey 4.1.1 / 4.5) and the Calmar example of icarus
-- (../shared/oracles/calibration_icarus).  Values are compared with the
-- oracle at a relative tolerance of 1e-9 (1e-8 for the rake values).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\getenv shared NOUS_SHARED

CREATE TEMP TABLE raw_strat (cds text, stype text, name text, sname text, snum text, dname text, dnum text, cname text, cnum text, flag text, pcttest text, api00 text, api99 text, target text, growth text, sch_wide text, comp_imp text, both_ text, awards text, meals text, ell text, yr_rnd text, mobility text, acs_k3 text, acs_46 text, acs_core text, pct_resp text, not_hsg text, hsg text, some_col text, col_grad text, grad_sch text, avg_ed text, full_ text, emer text, enroll text, api_stu text, pw text, fpc text);
CREATE TEMP TABLE raw_clus1 (cds text, stype text, name text, sname text, snum text, dname text, dnum text, cname text, cnum text, flag text, pcttest text, api00 text, api99 text, target text, growth text, sch_wide text, comp_imp text, both_ text, awards text, meals text, ell text, yr_rnd text, mobility text, acs_k3 text, acs_46 text, acs_core text, pct_resp text, not_hsg text, hsg text, some_col text, col_grad text, grad_sch text, avg_ed text, full_ text, emer text, enroll text, api_stu text, fpc text, pw text);
\set f :shared '/oracles/survey_api/apistrat.csv'
COPY raw_strat FROM :'f' WITH (FORMAT csv, HEADER);
\set f :shared '/oracles/survey_api/apiclus1.csv'
COPY raw_clus1 FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE apistrat AS
SELECT row_number() OVER () AS id, stype, snum::int, dnum::int, api00::float8, api99::float8,
       enroll::float8, api_stu::float8, (sch_wide = 'Yes')::int::float8 AS yes, sch_wide,
       pw::float8, fpc::float8 FROM raw_strat;
CREATE TEMP TABLE apiclus1 AS
SELECT row_number() OVER () AS id, stype, snum::int, dnum::int, api00::float8, api99::float8,
       enroll::float8, api_stu::float8, (sch_wide = 'Yes')::int::float8 AS yes, sch_wide,
       pw::float8, fpc::float8 FROM raw_clus1;

-- the oracle: one row per (quantity, position) of expected.csv
CREATE TEMP TABLE oracle_raw (kase text, quantity text, value text, definition text);
\set f :shared '/oracles/survey_api/expected.csv'
COPY oracle_raw FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE oracle AS
SELECT quantity, ord::int AS i, NULLIF(v, '') AS v
  FROM oracle_raw, unnest(string_to_array(value, ';')) WITH ORDINALITY AS u(v, ord);
CREATE FUNCTION pg_temp.want(q text, i int DEFAULT 1) RETURNS float8
  LANGUAGE sql AS $$ SELECT v::float8 FROM oracle WHERE quantity = q AND i = $2 $$;
-- relative agreement
CREATE FUNCTION pg_temp.ok(got float8, want float8, tol float8 DEFAULT 1e-9) RETURNS boolean
  LANGUAGE sql AS $$ SELECT abs(got - want) <= tol * greatest(abs(want), 1e-300) $$;

-- ---- designs as states ----
-- dstrat: svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc)
-- dclus1: svydesign(id=~dnum, weights=~pw, fpc=~fpc)
CREATE TEMP TABLE st AS
SELECT nous.svy_agg(api00, pw, stype, NULL::int, fpc) AS api00,
       nous.svy_agg(enroll, pw, stype, NULL::int, fpc) AS enroll,
       nous.svy_agg(api_stu, pw, stype, NULL::int, fpc) AS api_stu,
       nous.svy_agg(yes, pw, stype, NULL::int, fpc) AS yes,
       nous.svy_agg(api00, api99, pw, stype, NULL::int, fpc) AS pair
  FROM apistrat;
CREATE TEMP TABLE cl AS
SELECT nous.svy_agg(api00, pw, NULL::int, dnum, fpc) AS api00,
       nous.svy_agg(enroll, pw, NULL::int, dnum, fpc) AS enroll,
       nous.svy_agg(yes, pw, NULL::int, dnum, fpc) AS yes,
       nous.svy_agg(api00, api99, pw, NULL::int, dnum, fpc) AS pair
  FROM apiclus1;

SELECT 'strat' AS design, i.n = pg_temp.want('strat_n') AS n, i.df = pg_temp.want('strat_degf') AS degf,
       pg_temp.ok(i.sum_weights, pg_temp.want('strat_sum_weights')) AS sum_weights, i.units, i.strata
  FROM st, nous.svy_info(st.api00) i
UNION ALL
SELECT 'clus1', i.n = pg_temp.want('clus1_n'), i.df = pg_temp.want('clus1_degf'),
       pg_temp.ok(i.sum_weights, pg_temp.want('clus1_sum_weights')), i.units, i.strata
  FROM cl, nous.svy_info(cl.api00) i;

-- means, totals, proportions and the covariance of two means
SELECT q, round((e).estimate::numeric, 6) AS estimate, round((e).se::numeric, 6) AS se,
       pg_temp.ok((e).estimate, pg_temp.want(q, 1)) AS estimate_ok,
       pg_temp.ok((e).se, pg_temp.want(q, 2)) AS se_ok, (e).df
  FROM (SELECT 'strat_mean_api00' AS q, nous.svy_mean(api00) AS e FROM st
        UNION ALL SELECT 'strat_total_enroll', nous.svy_total(enroll) FROM st
        UNION ALL SELECT 'strat_total_api.stu', nous.svy_total(api_stu) FROM st
        UNION ALL SELECT 'strat_prop_schwide', nous.svy_mean(yes) FROM st
        UNION ALL SELECT 'clus1_mean_api00', nous.svy_mean(api00) FROM cl
        UNION ALL SELECT 'clus1_total_enroll', nous.svy_total(enroll) FROM cl
        UNION ALL SELECT 'clus1_prop_schwide', nous.svy_mean(yes) FROM cl) s
 ORDER BY q;
SELECT pg_temp.ok(nous.svy_mean_cov(st.pair), pg_temp.want('strat_mean_api00_api99_cov')) AS strat_cov,
       pg_temp.ok(nous.svy_mean_cov(cl.pair), pg_temp.want('clus1_mean_api00_api99_cov')) AS clus1_cov
  FROM st, cl;

-- proportion intervals (svyciprop); logit is R's svyglm fit, 5e-10 from xlogit
SELECT d || '_ciprop_' || m AS q,
       round(c.lower::numeric, 9) AS lower, round(c.upper::numeric, 9) AS upper,
       pg_temp.ok(c.estimate, pg_temp.want(d || '_ciprop_' || m, 1), 1e-9) AS p_ok,
       pg_temp.ok(c.lower, pg_temp.want(d || '_ciprop_' || m, 2), 1e-9) AS lower_ok,
       pg_temp.ok(c.upper, pg_temp.want(d || '_ciprop_' || m, 3), 1e-9) AS upper_ok
  FROM (SELECT 'strat' AS d, yes AS s FROM st UNION ALL SELECT 'clus1', yes FROM cl) x,
       unnest(ARRAY['mean', 'logit', 'xlogit', 'asin', 'wilson', 'beta']) AS m,
       nous.svy_ciprop(x.s, m) AS c
 ORDER BY 1;

-- domains: svyby(~api00, ~stype, dclus1, svymean) uses the whole design;
-- one pass per domain with y NULL outside it (GROUP BY over a cross join)
-- equals the ratio form (y and the indicator over all rows)
SELECT d.stype, round((nous.svy_mean(nous.svy_agg(CASE WHEN a.stype = d.stype THEN a.api00 END,
                                                   a.pw, NULL::int, a.dnum, a.fpc))).se::numeric, 9) AS se_null_outside,
       round((nous.svy_ratio(nous.svy_agg(CASE WHEN a.stype = d.stype THEN a.api00 ELSE 0 END,
                                          (a.stype = d.stype)::int, a.pw, NULL::int, a.dnum, a.fpc))).se::numeric, 9) AS se_ratio
  FROM apiclus1 a CROSS JOIN (SELECT DISTINCT stype FROM apiclus1) d
 GROUP BY d.stype ORDER BY d.stype;
-- a domain is not a stratum: GROUP BY stype alone gives another (wrong) SE
SELECT stype, round((nous.svy_mean(nous.svy_agg(api00, pw, NULL::int, dnum, fpc))).se::numeric, 6) AS se_subset
  FROM apiclus1 GROUP BY stype ORDER BY stype;

-- ---- calibration of dclus1 on stype and sch.wide ----
-- x = (1, stype H, stype M, sch.wide Yes), totals (6194, 755, 1018, 5122)
CREATE TEMP TABLE wcal AS
WITH arr AS (
  SELECT array_agg(pw ORDER BY id) AS d,
         array_agg(ARRAY[1, (stype = 'H')::int, (stype = 'M')::int, (sch_wide = 'Yes')::int]::float8[] ORDER BY id) AS x,
         array_agg(api00 ORDER BY id) AS y, array_agg(enroll ORDER BY id) AS y2
    FROM apiclus1)
SELECT m, c.iterations, c.max_error < 1e-10 AS converged,
       c.weights, nous.svy_greg_residuals(arr.d, arr.x, arr.y) AS e_api00,
       nous.svy_greg_residuals(arr.d, arr.x, arr.y2) AS e_enroll
  FROM arr, unnest(ARRAY['linear', 'raking']) AS m,
       nous.svy_calibrate(arr.d, arr.x, ARRAY[6194, 755, 1018, 5122]::float8[], m, tolerance => 1e-13) AS c;
SELECT m, iterations, converged FROM wcal ORDER BY m;
CREATE TEMP TABLE ew_raw (snum int, w_rake float8, w_calraking float8, w_callinear float8, w_poststrat float8);
\set f :shared '/oracles/survey_api/expected_clus1_weights.csv'
COPY ew_raw FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE ew AS SELECT row_number() OVER () AS id, * FROM ew_raw;
-- the calibrated weights of the 183 schools
SELECT m, bool_and(pg_temp.ok(w.w, CASE m WHEN 'linear' THEN ew.w_callinear ELSE ew.w_calraking END)) AS weights_ok,
       count(*) AS n
  FROM wcal, unnest(weights) WITH ORDINALITY AS w(w, id) JOIN ew USING (id)
 GROUP BY m ORDER BY m;
-- estimates after calibration: estimate from the calibrated weights, SE from the residuals
CREATE TEMP TABLE calrows AS
SELECT m, a.*, w.w, r1.e1, r2.e2
  FROM wcal, unnest(weights) WITH ORDINALITY AS w(w, id), unnest(e_api00) WITH ORDINALITY AS r1(e1, id1),
       unnest(e_enroll) WITH ORDINALITY AS r2(e2, id2), apiclus1 a
 WHERE w.id = r1.id1 AND w.id = r2.id2 AND a.id = w.id;
SELECT m, round((e).estimate::numeric, 6) AS mean_api00, round((e).se::numeric, 6) AS se,
       pg_temp.ok((e).estimate, pg_temp.want(q || '_mean_api00', 1)) AS estimate_ok,
       pg_temp.ok((e).se, pg_temp.want(q || '_mean_api00', 2)) AS se_ok,
       pg_temp.ok((t).estimate, pg_temp.want(q || '_total_enroll', 1)) AS total_ok,
       pg_temp.ok((t).se, pg_temp.want(q || '_total_enroll', 2)) AS total_se_ok
  FROM (SELECT m, CASE m WHEN 'linear' THEN 'clus1_callinear' ELSE 'clus1_calraking' END AS q,
               nous.svy_calibrated_mean(nous.svy_agg(api00, w, NULL::int, dnum, fpc),
                                        nous.svy_agg(e1, w, NULL::int, dnum, fpc)) AS e,
               nous.svy_calibrated_total(nous.svy_agg(enroll, w, NULL::int, dnum, fpc),
                                         nous.svy_agg(e2, w, NULL::int, dnum, fpc)) AS t
          FROM calrows GROUP BY m) s
 ORDER BY m;
-- the margins are met
SELECT m, round(sum(w) FILTER (WHERE stype = 'E')::numeric, 6) AS e, round(sum(w) FILTER (WHERE stype = 'H')::numeric, 6) AS h,
       round(sum(w) FILTER (WHERE stype = 'M')::numeric, 6) AS m_, round(sum(w) FILTER (WHERE sch_wide = 'Yes')::numeric, 6) AS yes
  FROM calrows GROUP BY m ORDER BY m;

-- post-stratification on stype (= linear calibration on 1, stype H, stype M): weights, mean and total
CREATE TEMP TABLE ps AS
WITH arr AS (
  SELECT array_agg(pw ORDER BY id) AS d,
         array_agg(ARRAY[1, (stype = 'H')::int, (stype = 'M')::int]::float8[] ORDER BY id) AS x,
         array_agg(api00 ORDER BY id) AS y, array_agg(enroll ORDER BY id) AS y2
    FROM apiclus1)
SELECT (nous.svy_calibrate(d, x, ARRAY[6194, 755, 1018]::float8[])).weights AS w,
       nous.svy_greg_residuals(d, x, y) AS e1, nous.svy_greg_residuals(d, x, y2) AS e2
  FROM arr;
SELECT bool_and(pg_temp.ok(w.w, ew.w_poststrat)) AS poststrat_weights_ok
  FROM ps, unnest(ps.w) WITH ORDINALITY AS w(w, id) JOIN ew USING (id);
SELECT pg_temp.ok((m).estimate, pg_temp.want('clus1_poststrat_stype_mean_api00', 1)) AS mean_ok,
       pg_temp.ok((m).se, pg_temp.want('clus1_poststrat_stype_mean_api00', 2)) AS mean_se_ok,
       pg_temp.ok((t).estimate, pg_temp.want('clus1_poststrat_stype_total_enroll', 1)) AS total_ok,
       pg_temp.ok((t).se, pg_temp.want('clus1_poststrat_stype_total_enroll', 2)) AS total_se_ok
  FROM (SELECT nous.svy_calibrated_mean(nous.svy_agg(a.api00, w.w, NULL, a.dnum, a.fpc), nous.svy_agg(r1.e, w.w, NULL, a.dnum, a.fpc)) AS m,
               nous.svy_calibrated_total(nous.svy_agg(a.enroll, w.w, NULL, a.dnum, a.fpc), nous.svy_agg(r2.e, w.w, NULL, a.dnum, a.fpc)) AS t
          FROM ps, unnest(ps.w) WITH ORDINALITY AS w(w, id), unnest(ps.e1) WITH ORDINALITY AS r1(e, id1),
               unnest(ps.e2) WITH ORDINALITY AS r2(e, id2), apiclus1 a
         WHERE r1.id1 = w.id AND r2.id2 = w.id AND a.id = w.id) s;
-- calibrate(dstrat, ~stype+sch.wide, linear): the stratified design after calibration
WITH arr AS (
  SELECT array_agg(pw ORDER BY id) AS d,
         array_agg(ARRAY[1, (stype = 'H')::int, (stype = 'M')::int, (sch_wide = 'Yes')::int]::float8[] ORDER BY id) AS x,
         array_agg(api00 ORDER BY id) AS y FROM apistrat),
c AS (SELECT (nous.svy_calibrate(d, x, ARRAY[6194, 755, 1018, 5122]::float8[])).weights AS w,
             nous.svy_greg_residuals(d, x, y) AS e FROM arr)
SELECT pg_temp.ok((m).estimate, pg_temp.want('strat_callinear_mean_api00', 1)) AS strat_cal_mean_ok,
       pg_temp.ok((m).se, pg_temp.want('strat_callinear_mean_api00', 2)) AS strat_cal_se_ok
  FROM (SELECT nous.svy_calibrated_mean(nous.svy_agg(a.api00, w.w, a.stype, NULL::int, a.fpc),
                                        nous.svy_agg(r.e, w.w, a.stype, NULL::int, a.fpc)) AS m
          FROM c, unnest(c.w) WITH ORDINALITY AS w(w, id), unnest(c.e) WITH ORDINALITY AS r(e, id1), apistrat a
         WHERE r.id1 = w.id AND a.id = w.id) s;

-- ---- two-stage cluster sample: dclus2 <- svydesign(id=~dnum+snum, fpc=~fpc1+fpc2) ----
-- expected.csv holds no dclus2 value (held out): the check is (1) R survey's
-- printed output saved in its repository (tests/api.Rout.save: mean api00
-- 670.81 SE 30.099, total enroll 2639273 SE 799638; the with-replacement
-- design dclus2wr: SE 30.712 and 820261), to the digits printed, and (2) the
-- formula of EXPECTED.md computed here in plain SQL (PSU and SSU totals of
-- the influence values), to 1e-9.
CREATE TEMP TABLE raw_clus2 (cds text, stype text, name text, sname text, snum text, dname text, dnum text, cname text, cnum text, flag text, pcttest text, api00 text, api99 text, target text, growth text, sch_wide text, comp_imp text, both_ text, awards text, meals text, ell text, yr_rnd text, mobility text, acs_k3 text, acs_46 text, acs_core text, pct_resp text, not_hsg text, hsg text, some_col text, col_grad text, grad_sch text, avg_ed text, full_ text, emer text, enroll text, api_stu text, pw text, fpc1 text, fpc2 text);
\set f :shared '/oracles/survey_api/apiclus2.csv'
COPY raw_clus2 FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE apiclus2 AS
SELECT row_number() OVER () AS id, snum::int, dnum::int, api00::float8, enroll::float8,
       pw::float8, fpc1::float8, fpc2::float8 FROM raw_clus2;
CREATE TEMP TABLE c2 AS
SELECT nous.svy_mean(nous.svy_agg(api00, pw, NULL::int, dnum, fpc1, snum, fpc2)) AS m,
       nous.svy_total(nous.svy_agg(enroll, pw, NULL::int, dnum, fpc1, snum, fpc2)) AS t,
       nous.svy_mean(nous.svy_agg(api00, pw, NULL::int, dnum, NULL, snum, NULL)) AS m_wr,
       nous.svy_total(nous.svy_agg(enroll, pw, NULL::int, dnum, NULL, snum, NULL)) AS t_wr,
       nous.svy_mean(nous.svy_agg(api00, pw, NULL::int, dnum, fpc1)) AS m_uc
  FROM apiclus2;
SELECT round((m).estimate::numeric, 2) AS mean, round((m).se::numeric, 3) AS se,
       round((t).estimate::numeric, 0) AS total, round((t).se::numeric, 0) AS total_se,
       (m).df, (m).n, (t).n AS n_enroll,
       round((m_wr).se::numeric, 3) AS se_wr, round((t_wr).se::numeric, 0) AS total_se_wr,
       (m_uc).se < (m).se AS second_stage_adds
  FROM c2;
-- the formula in plain SQL: z = w (y - m) / sum w (mean) or w y (total);
-- V = (1 - n1/N1) n1/(n1 - 1) sum_j (Z_j - Zbar)^2
--   + sum_j (n1/N1) (1 - n2j/N2j) n2j/(n2j - 1) sum_k (z_jk - zbar_j)^2
CREATE FUNCTION pg_temp.two_stage_var(z_sql text) RETURNS float8 LANGUAGE plpgsql AS $f$
DECLARE v float8;
BEGIN
  EXECUTE format($q$
    WITH z AS (SELECT dnum, snum, fpc1, fpc2, %s AS z FROM apiclus2),
         s AS (SELECT dnum, snum, min(fpc1) AS fpc1, min(fpc2) AS fpc2, sum(z) AS z FROM z GROUP BY dnum, snum),
         j AS (SELECT dnum, min(fpc1) AS fpc1, min(fpc2) AS fpc2, count(*) AS n2, sum(z) AS z,
                      coalesce(var_samp(z), 0) AS v2 FROM s GROUP BY dnum),
         n1 AS (SELECT count(*) AS n1, min(fpc1) AS fpc1, var_samp(z) AS v1 FROM j)
    SELECT (1 - n1 / n1.fpc1) * n1 * v1
           + (SELECT sum((n1.n1 / n1.fpc1) * (1 - n2 / j.fpc2) * n2 * v2) FROM j WHERE n2 > 1)
      FROM n1 $q$, z_sql) INTO v;
  RETURN v;
END $f$;
SELECT pg_temp.ok((m).se, sqrt(pg_temp.two_stage_var(format(
         'pw * (api00 - %s) / %s', (m).estimate, (SELECT sum(pw) FROM apiclus2))))) AS mean_se_formula,
       pg_temp.ok((t).se, sqrt(pg_temp.two_stage_var('pw * coalesce(enroll, 0)'))) AS total_se_formula,
       pg_temp.ok((t).estimate, (SELECT sum(pw * enroll) FROM apiclus2)) AS total_formula
  FROM c2;
-- districts with one school: every one is the whole district (fpc2 = 1), so
-- the default rule (fail) has nothing to refuse, as in R
SELECT count(*) AS districts_with_one_school, bool_and(fpc2 = 1) AS all_whole
  FROM (SELECT dnum, count(*) AS n, min(fpc2) AS fpc2 FROM apiclus2 GROUP BY dnum) d WHERE n = 1;

-- ---- Calmar / icarus: linear, raking, logit (0.4, 2.2) ----
CREATE TEMP TABLE emp (id text, service int, categ int, sexe int, salaire float8, cinema int, poids float8,
                       movies int, weight float8, category int, sex int, department int, salary float8);
\set f :shared '/oracles/calibration_icarus/data_employees.csv'
COPY emp FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE ic_raw (kase text, quantity text, value text, definition text);
\set f :shared '/oracles/calibration_icarus/expected.csv'
COPY ic_raw FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE ic AS
SELECT quantity, ord::int AS i, v::float8 AS v
  FROM ic_raw, unnest(string_to_array(value, ';')) WITH ORDINALITY AS u(v, ord);
CREATE TEMP TABLE emp_arr AS
SELECT array_agg(weight ORDER BY id) AS d,
       array_agg(ARRAY[(category = 1)::int, (category = 2)::int, (category = 3)::int,
                       (sex = 1)::int, (sex = 2)::int, (department = 1)::int, (department = 2)::int,
                       salary]::float8[] ORDER BY id) AS x,
       array_agg(movies ORDER BY id) AS movies
  FROM emp;
SELECT c.m, c.iterations BETWEEN 1 AND 20 AS few_steps,
       bool_and(abs(w.w - ic.v) <= 1e-9 * abs(ic.v)) AS weights_ok,
       round((sum(w.w * e.movies) / sum(w.w))::numeric, 8) AS mean_movies,
       round(min(w.w / e.weight)::numeric, 8) AS g_min, round(max(w.w / e.weight)::numeric, 8) AS g_max
  FROM (SELECT m, c.*
          FROM emp_arr, unnest(ARRAY['linear', 'raking', 'logit']) AS m,
               nous.svy_calibrate(d, x, ARRAY[80, 90, 60, 140, 90, 100, 130, 470000]::float8[], m,
                                  CASE WHEN m = 'logit' THEN 0.4 END, CASE WHEN m = 'logit' THEN 2.2 END,
                                  tolerance => 1e-13) AS c) c,
       unnest(c.weights) WITH ORDINALITY AS w(w, i),
       ic, (SELECT row_number() OVER (ORDER BY id) AS i, movies, weight FROM emp) e
 WHERE ic.quantity = 'weights_' || c.m AND ic.i = w.i AND e.i = w.i
 GROUP BY c.m, c.iterations ORDER BY c.m;
-- with bounds 0.6 and 2.0 the margins cannot be met (icarus: "No convergence")
\set VERBOSITY default
SELECT nous.svy_calibrate(d, x, ARRAY[80, 90, 60, 140, 90, 100, 130, 470000]::float8[], 'logit', 0.6, 2.0) FROM emp_arr;
-- margins that disagree (category totals 230, sex totals 231)
SELECT nous.svy_calibrate(d, x, ARRAY[80, 90, 60, 141, 90, 100, 130, 470000]::float8[], 'raking') FROM emp_arr;
