-- shared_index: composite indices on real data (../shared): the 105 QPV of
-- Occitanie (Hackaviz 2021) and the 1,453 IRIS of Loire-Atlantique,
-- Indre-et-Loire and Puy-de-Dôme (ptod).  A weighted z-score index is
-- checked against its plain-SQL formulation; the FDep-style principal
-- component against the identities it must satisfy, computed with SQL's own
-- corr() and var_samp() (test/suites/index_numpy.sh checks it against numpy).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\getenv shared NOUS_SHARED

-- ---- the QPV of Occitanie ----
CREATE TEMP TABLE qp (
  code_qp text, nom_qp text, nom_commune text, pop_mun int, pop_com_qp int, pop_com int,
  ind_jeune float8, tx_tot_et float8, tx_f float8, tx_f_et float8, percou int, pmimp float8,
  part_chomprinc float8, decuc_q2 float8, decuc_d1 float8, decuc_d9 float8, disp_q2 float8,
  disp_d1 float8, disp_d9 float8, tp60 float8, brev float8, a int, tx_tot_empl float8,
  tx_f_empl float8, tx_et_empl float8, tx_tot_eprec float8, tx_f_eprec float8, tx_et_eprec float8,
  abcde int, abcde_f int, abcde_h int, abc_capbep int, abc_bac int, abc_supbac int, ec_mat int,
  ec_elem int, ec_elem_pri int, coll int, coll_pri int, nbetab int, ens_sante int, serv_par int,
  serv_tot int, auto_ent int);
\set f :shared '/data/qpv-occitanie-hackaviz2021/qp.csv'
COPY qp FROM :'f' WITH (FORMAT csv, HEADER);
SELECT count(*) AS qpv, count(DISTINCT substr(code_qp, 3, 3)) AS departements FROM qp;

-- weighted z-scores per département: poverty rate (weight 2), median
-- disposable income (-1), employment rate (-1), precarious jobs, share of
-- taxed households (-1; 20 missing), coverage >= 0.5 (the default)
CREATE TEMP VIEW qp_plain AS
WITH z AS (
  SELECT code_qp,
         coalesce((tp60 - avg(tp60) OVER w) / nullif(stddev_samp(tp60) OVER w, 0), 0) AS z1,
         -coalesce((disp_q2 - avg(disp_q2) OVER w) / nullif(stddev_samp(disp_q2) OVER w, 0), 0) AS z2,
         CASE WHEN tx_tot_empl IS NOT NULL THEN
           -coalesce((tx_tot_empl - avg(tx_tot_empl) OVER w) / nullif(stddev_samp(tx_tot_empl) OVER w, 0), 0) END AS z3,
         CASE WHEN tx_tot_eprec IS NOT NULL THEN
           coalesce((tx_tot_eprec - avg(tx_tot_eprec) OVER w) / nullif(stddev_samp(tx_tot_eprec) OVER w, 0), 0) END AS z4,
         CASE WHEN pmimp IS NOT NULL THEN
           -coalesce((pmimp - avg(pmimp) OVER w) / nullif(stddev_samp(pmimp) OVER w, 0), 0) END AS z5
    FROM qp WINDOW w AS (PARTITION BY substr(code_qp, 3, 3)))
SELECT code_qp,
       (2 * z1 + z2 + coalesce(z3, 0) + coalesce(z4, 0) + coalesce(z5, 0))
         / (3 + (z3 IS NOT NULL)::int + (z4 IS NOT NULL)::int + (z5 IS NOT NULL)::int) AS score
  FROM z;
CREATE TEMP TABLE qp_nous AS
SELECT code_qp, nous.composite(ARRAY[tp60, disp_q2, tx_tot_empl, tx_tot_eprec, pmimp],
                               '{2,1,1,1,1}', '{1,-1,-1,1,-1}') OVER (PARTITION BY substr(code_qp, 3, 3)) AS score
  FROM qp;
SELECT count(*) AS compared, count(n.score) AS scored,
       bool_and(abs(n.score - p.score) < 1e-12) AS matches_plain_sql,
       max(abs(n.score - p.score)) < 1e-12 AS max_gap_below_1e12
  FROM qp_nous n JOIN qp_plain p USING (code_qp);
-- the most fragile QPV of each of the three largest départements
SELECT DISTINCT ON (d) substr(code_qp, 3, 3) AS d, code_qp, nom_qp, round(score::numeric, 3) AS score
  FROM qp_nous JOIN qp USING (code_qp)
 WHERE substr(code_qp, 3, 3) IN ('031', '034', '030')
 ORDER BY d, score DESC;

-- FDep-style first principal component over the region: median disposable
-- income (-1), poverty rate, employment rate (-1), precarious jobs
CREATE TEMP TABLE qp_pca AS
SELECT (nous.pca_first(array_agg(ARRAY[disp_q2, tp60, tx_tot_empl, tx_tot_eprec] ORDER BY code_qp),
                       '{-1,1,-1,1}')).*, array_agg(code_qp ORDER BY code_qp) AS codes
  FROM qp;
SELECT n_used, round(explained::numeric, 4) AS explained, round(eigenvalue::numeric, 4) AS eigenvalue,
       array(SELECT round(v::numeric, 4) FROM unnest(loadings) v) AS loadings
  FROM qp_pca;
-- identities of the first component, with SQL's own statistics: the score
-- has variance lambda (sample), mean 0, and corr(score, x_j) = polarity_j
-- a_j sqrt(lambda) for every indicator
WITH s AS (SELECT u.code AS code_qp, u.score FROM qp_pca, unnest(codes, scores) u(code, score)),
     j AS (SELECT * FROM s JOIN qp USING (code_qp) WHERE s.score IS NOT NULL)
SELECT abs(var_samp(score) - (SELECT eigenvalue FROM qp_pca)) < 1e-9 AS variance_is_eigenvalue,
       abs(avg(score)) < 1e-12 AS centred,
       abs(corr(score, disp_q2) - (-1) * l[1] * sqrt(ev)) < 1e-9
   AND abs(corr(score, tp60) - l[2] * sqrt(ev)) < 1e-9
   AND abs(corr(score, tx_tot_empl) - (-1) * l[3] * sqrt(ev)) < 1e-9
   AND abs(corr(score, tx_tot_eprec) - l[4] * sqrt(ev)) < 1e-9 AS loadings_are_correlations,
       corr(score, tp60) > 0 AS higher_is_more_deprived
  FROM j, (SELECT loadings AS l, eigenvalue AS ev FROM qp_pca) p
 GROUP BY l, ev;
-- the same component through nous.composite(aggregate => 'pca')
SELECT bool_and(abs(c.score - u.score) < 1e-9) AS composite_pca_matches
  FROM (SELECT code_qp, nous.composite(ARRAY[disp_q2, tp60, tx_tot_empl, tx_tot_eprec], NULL, '{-1,1,-1,1}',
                                       'zscore', 'pca') OVER () AS score FROM qp) c
  JOIN (SELECT u.code AS code_qp, u.score FROM qp_pca, unnest(codes, scores) u(code, score)) u USING (code_qp);

-- ---- the IRIS of dép. 44, 37 and 63 (264 columns: the table is built from the header) ----
\set f44 :shared '/data/iris-indicateurs-ptod/agg_iris_44.csv'
\set f37 :shared '/data/iris-indicateurs-ptod/agg_iris_37.csv'
\set f63 :shared '/data/iris-indicateurs-ptod/agg_iris_63.csv'
SELECT format('CREATE TEMP TABLE iris_raw (%s)', string_agg(quote_ident(c) || ' text', ', ' ORDER BY o))
  FROM unnest(string_to_array(split_part(pg_read_file(:'f44', 0, 20000), E'\n', 1), ',')) WITH ORDINALITY AS h(c, o)
\gexec
COPY iris_raw FROM :'f44' WITH (FORMAT csv, HEADER);
COPY iris_raw FROM :'f37' WITH (FORMAT csv, HEADER);
COPY iris_raw FROM :'f63' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE iris AS
SELECT code, dep, epci, rev_med_21::float8 AS income, dsp_dipl_infbac_pct_22::float8 AS no_bac,
       dsp_csp_ouvriers_pct_22::float8 AS workers, soc_txchom_1564_22::float8 AS unemployment,
       men_mono_pct_22::float8 AS single_parent, log_lochlm_pct_22::float8 AS social_housing
  FROM iris_raw;
SELECT dep, count(*) AS iris, count(income) AS with_income, count(DISTINCT epci) AS epci
  FROM iris GROUP BY dep ORDER BY dep;

-- weighted z-scores per EPCI: unemployment (2), no baccalauréat, single
-- parents, social housing, median income (-1), coverage >= 0.75
CREATE TEMP VIEW iris_plain AS
WITH z AS (
  SELECT code,
         CASE WHEN unemployment IS NOT NULL THEN coalesce((unemployment - avg(unemployment) OVER w) / nullif(stddev_samp(unemployment) OVER w, 0), 0) END AS z1,
         CASE WHEN no_bac IS NOT NULL THEN coalesce((no_bac - avg(no_bac) OVER w) / nullif(stddev_samp(no_bac) OVER w, 0), 0) END AS z2,
         CASE WHEN single_parent IS NOT NULL THEN coalesce((single_parent - avg(single_parent) OVER w) / nullif(stddev_samp(single_parent) OVER w, 0), 0) END AS z3,
         CASE WHEN social_housing IS NOT NULL THEN coalesce((social_housing - avg(social_housing) OVER w) / nullif(stddev_samp(social_housing) OVER w, 0), 0) END AS z4,
         CASE WHEN income IS NOT NULL THEN -coalesce((income - avg(income) OVER w) / nullif(stddev_samp(income) OVER w, 0), 0) END AS z5
    FROM iris WINDOW w AS (PARTITION BY epci)),
c AS (
  SELECT code, z1, z2, z3, z4, z5,
         2 * (z1 IS NOT NULL)::int + (z2 IS NOT NULL)::int + (z3 IS NOT NULL)::int
           + (z4 IS NOT NULL)::int + (z5 IS NOT NULL)::int AS wp
    FROM z)
SELECT code, CASE WHEN wp / 6.0 >= 0.75 THEN
         (2 * coalesce(z1, 0) + coalesce(z2, 0) + coalesce(z3, 0) + coalesce(z4, 0) + coalesce(z5, 0)) / wp END AS score
  FROM c;
CREATE TEMP TABLE iris_nous AS
SELECT code, nous.composite(ARRAY[unemployment, no_bac, single_parent, social_housing, income],
                            '{2,1,1,1,1}', '{1,1,1,1,-1}', 'zscore', 'mean(min_coverage=0.75)')
               OVER (PARTITION BY epci) AS score
  FROM iris;
SELECT count(*) AS compared, count(n.score) AS scored,
       bool_and((n.score IS NULL) = (p.score IS NULL)) AS same_coverage,
       bool_and(abs(n.score - p.score) < 1e-12) AS matches_plain_sql
  FROM iris_nous n JOIN iris_plain p USING (code);

-- the same index stored in the catalogue and computed for the table
SELECT nous.define_index('iris_fragility',
  '[{"column": "unemployment", "weight": 2}, {"column": "no_bac"}, {"column": "single_parent"},
    {"column": "social_housing"}, {"column": "income", "polarity": -1}]',
  'zscore', 'mean(min_coverage=0.75)', 5);
SELECT count(*) AS areas, count(i.score) AS scored,
       bool_and(abs(i.score - n.score) < 1e-12) AS same_as_composite,
       count(*) FILTER (WHERE class = 5) AS top_class, count(*) FILTER (WHERE rank = 1) AS epci_leaders
  FROM nous.index_compute('iris_fragility', 'iris', 'code', 'epci') i
  JOIN iris_nous n ON n.code = i.key;
SELECT nous.drop_index('iris_fragility');

-- FDep-style component (Rey et al. 2009): median income (-1), no
-- baccalauréat, manual workers, unemployment, over the three départements
CREATE TEMP TABLE iris_pca AS
SELECT (nous.pca_first(array_agg(ARRAY[income, no_bac, workers, unemployment] ORDER BY code),
                       '{-1,1,1,1}')).*, array_agg(code ORDER BY code) AS codes
  FROM iris;
SELECT n_used, round(explained::numeric, 4) AS explained,
       array(SELECT round(v::numeric, 4) FROM unnest(loadings) v) AS loadings
  FROM iris_pca;
WITH s AS (SELECT u.code, u.score FROM iris_pca, unnest(codes, scores) u(code, score)),
     j AS (SELECT * FROM s JOIN iris USING (code) WHERE s.score IS NOT NULL)
SELECT count(*) = (SELECT n_used FROM iris_pca) AS complete_rows_scored,
       abs(var_samp(score) - ev) < 1e-9 AS variance_is_eigenvalue,
       abs(corr(score, income) + l[1] * sqrt(ev)) < 1e-9
   AND abs(corr(score, no_bac) - l[2] * sqrt(ev)) < 1e-9
   AND abs(corr(score, workers) - l[3] * sqrt(ev)) < 1e-9
   AND abs(corr(score, unemployment) - l[4] * sqrt(ev)) < 1e-9 AS loadings_are_correlations,
       corr(score, income) < 0 AS poorer_is_more_deprived
  FROM j, (SELECT loadings AS l, eigenvalue AS ev FROM iris_pca) p
 GROUP BY l, ev;
-- FDep quintiles of the IRIS of each département (class 5 = most deprived)
SELECT dep, count(*) FILTER (WHERE q = 5) AS most_deprived_fifth, count(*) AS scored
  FROM (SELECT i.dep, ntile(5) OVER (ORDER BY u.score) q
          FROM iris_pca, unnest(codes, scores) u(code, score) JOIN iris i ON i.code = u.code
         WHERE u.score IS NOT NULL) t
 GROUP BY dep ORDER BY dep;

-- ---- gap to the reference from counts: vacant social dwellings (RPLS) ----
-- commune rates against their département, the reference computed from the
-- communes' counts; the file's own département rows (the sums) give the
-- reference independently
\set fr :shared '/data/rpls-aggrege-savoirfr/rpls_aggrege_large_epci_dep_reg_fr_and_communes_44_37_63.csv'
SELECT format('CREATE TEMP TABLE rpls_raw (%s)', string_agg(quote_ident(c) || ' text', ', ' ORDER BY o))
  FROM unnest(string_to_array(replace(split_part(pg_read_file(:'fr', 0, 20000), E'\n', 1), E'\uFEFF', ''), ',')) WITH ORDINALITY AS h(c, o)
\gexec
COPY rpls_raw FROM :'fr' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE vacancy AS
SELECT "TypeZone" AS zone_type, "Dep_2017" AS dep, depcom2017 AS com, "Zone" AS zone,
       "Taux_de_vacance_numerateur"::float8 AS vacant, "Taux_de_vacance_denominateur"::float8 AS dwellings
  FROM rpls_raw WHERE "TypeZone" IN ('Communes', 'Départements') AND "Dep_2017" IN ('44', '37', '63');
SELECT count(*) AS communes, count(g) AS with_gap,
       bool_and(abs(g - 100 * (c.vacant / nullif(c.dwellings, 0)) / (d.vacant / d.dwellings)) < 1e-9) AS matches_departement_rows
  FROM (SELECT *, nous.reference_gap(vacant, dwellings) OVER (PARTITION BY dep) AS g
          FROM vacancy WHERE zone_type = 'Communes') c
  JOIN vacancy d ON d.zone_type = 'Départements' AND d.dep = c.dep;

-- ---- change over time: IRIS whose unemployment gap to their EPCI rose by
-- at least 10 points between 2016 and 2022 (counts: rate x population) ----
CREATE TEMP TABLE iris_gap AS
SELECT code, dep,
       nous.reference_gap(u16 * p16 / 100, p16) OVER (PARTITION BY epci) AS gap16,
       nous.reference_gap(u22 * p22 / 100, p22) OVER (PARTITION BY epci) AS gap22,
       100 * (u16 / 100) / (sum(u16 * p16 / 100) FILTER (WHERE u16 IS NOT NULL AND p16 IS NOT NULL) OVER (PARTITION BY epci)
                            / sum(p16) FILTER (WHERE u16 IS NOT NULL AND p16 IS NOT NULL) OVER (PARTITION BY epci)) AS plain16
  FROM (SELECT code, dep, epci, soc_txchom_1564_16::float8 AS u16, soc_txchom_1564_22::float8 AS u22,
               "P16_POP"::float8 AS p16, "P22_POP"::float8 AS p22 FROM iris_raw) r;
SELECT bool_and(abs(gap16 - plain16) < 1e-9) AS matches_plain_sql FROM iris_gap;
SELECT dep, count(*) FILTER (WHERE nous.decrochage(gap16, gap22, 10)) AS decrochage_10_points,
       count(*) FILTER (WHERE gap22 - gap16 >= 10) AS plain_sql, count(gap16 + gap22) AS with_both_gaps
  FROM iris_gap GROUP BY dep ORDER BY dep;
