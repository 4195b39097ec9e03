-- generator: the demo-data generator test/gen/generate.sql (plain SQL and
-- PostGIS, no nous) keeps its invariants and is deterministic.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
-- psql reads this file from standard input under pg_regress, so \ir is
-- relative to the working directory: the repository root.
\set ECHO none
\set seed 42
\set scale 1
\ir test/gen/generate.sql
\set ECHO all

SELECT * FROM nous_demo.generation;

-- every geometry valid, in Lambert-93, inside France's Lambert-93 extent
SELECT t, bool_and(ST_IsValid(geom)) AS valid, bool_and(ST_SRID(geom) = 2154) AS srid_2154,
       bool_and(ST_XMin(geom) > 100000 AND ST_XMax(geom) < 1200000
                AND ST_YMin(geom) > 6050000 AND ST_YMax(geom) < 7100000) AS in_extent
  FROM (SELECT 'epci' AS t, geom FROM nous_demo.epci UNION ALL
        SELECT 'communes', geom FROM nous_demo.communes UNION ALL
        SELECT 'iris', geom FROM nous_demo.iris UNION ALL
        SELECT 'qpv', geom FROM nous_demo.qpv UNION ALL
        SELECT 'squares', geom FROM nous_demo.squares) g
 GROUP BY t ORDER BY t;

-- codes in French formats; the SIREN's Luhn key is right
SELECT bool_and(epci_code ~ '^24\d{7}$') AS siren_format,
       bool_and((SELECT sum(CASE WHEN i % 2 = 0 THEN (2 * d) / 10 + (2 * d) % 10 ELSE d END) % 10 = 0
                   FROM (SELECT ord AS i, ch::int AS d
                           FROM unnest(string_to_array(reverse(epci_code), NULL)) WITH ORDINALITY u(ch, ord)) x)) AS luhn_ok
  FROM nous_demo.epci;
SELECT bool_and(c.com_code ~ '^\d{5}$' AND left(c.com_code, 2) = c.dep_code AND e.dep_code = c.dep_code) AS commune_codes
  FROM nous_demo.communes c JOIN nous_demo.epci e USING (epci_code);
SELECT bool_and(iris_code ~ '^\d{9}$' AND left(iris_code, 5) = com_code) AS iris_codes,
       count(*) FILTER (WHERE right(iris_code, 4) = '0000') AS unsplit_communes
  FROM nous_demo.iris;
SELECT bool_and(q.qpv_code ~ '^QN0\d{4}[A-Z]$' AND substr(q.qpv_code, 4, 2) = c.dep_code
                AND c.epci_code = q.epci_code) AS qpv_codes,
       count(*) FILTER (WHERE c.kind = 'centre') AS in_centre, count(*) AS qpv
  FROM nous_demo.qpv q JOIN nous_demo.communes c USING (com_code);
SELECT bool_and(idcar = 'CRS2154RES200mN' || (square_id / 10000 * 200) || 'E' || (square_id % 10000 * 200)) AS idcar_ok,
       bool_and(ST_Equals(geom, ST_MakeEnvelope(square_id % 10000 * 200, square_id / 10000 * 200,
                                                square_id % 10000 * 200 + 200, square_id / 10000 * 200 + 200, 2154))) AS geom_is_square
  FROM nous_demo.squares;
-- names: no two communes of a département share one; the shapes to match
SELECT count(*) = count(DISTINCT (dep_code, name)) AS names_unique,
       bool_or(name ~ '[éèêëàâîïôûùç]' OR name ~ '[ÉÈÎ]') AS accents,
       bool_or(name LIKE '%-%') AS hyphens
  FROM nous_demo.communes;

-- communes tile their EPCI and IRIS tile their commune: the parts are
-- covered by the whole, their areas add up to it, their union equals it
SELECT bool_and(ok_cover AND ok_area AND ok_union) AS communes_tile_epci
  FROM (SELECT bool_and(ST_CoveredBy(c.geom, e.geom)) AS ok_cover,
               sum(ST_Area(c.geom)) = ST_Area(e.geom) AS ok_area,
               ST_Equals(ST_Union(c.geom), e.geom) AS ok_union
          FROM nous_demo.epci e JOIN nous_demo.communes c USING (epci_code)
         GROUP BY e.epci_code, e.geom) x;
SELECT bool_and(ok_cover AND ok_area AND ok_union) AS iris_tile_communes
  FROM (SELECT bool_and(ST_CoveredBy(i.geom, c.geom)) AS ok_cover,
               sum(ST_Area(i.geom)) = ST_Area(c.geom) AS ok_area,
               ST_Equals(ST_Union(i.geom), c.geom) AS ok_union
          FROM nous_demo.communes c JOIN nous_demo.iris i USING (com_code)
         GROUP BY c.com_code, c.geom) x;
-- QPV lie inside their commune and do not overlap
SELECT bool_and(ST_Within(q.geom, c.geom)) AS qpv_in_commune
  FROM nous_demo.qpv q JOIN nous_demo.communes c USING (com_code);
SELECT count(*) AS overlapping_qpv
  FROM nous_demo.qpv a JOIN nous_demo.qpv b ON a.qpv_code < b.qpv_code AND ST_Intersects(a.geom, b.geom);
-- squares lie in their commune and IRIS, carry their EPCI, and their QPV is
-- the one containing their centre
SELECT bool_and(ST_CoveredBy(s.geom, c.geom)) AS squares_in_commune,
       bool_and(ST_CoveredBy(s.geom, i.geom)) AS squares_in_iris,
       bool_and(left(s.iris_code, 5) = s.com_code AND c.epci_code = s.epci_code) AS codes_agree
  FROM nous_demo.squares s JOIN nous_demo.communes c USING (com_code)
  JOIN nous_demo.iris i USING (iris_code);
SELECT count(*) AS squares_with_wrong_qpv
  FROM nous_demo.squares s
  LEFT JOIN nous_demo.qpv q ON ST_Contains(q.geom, ST_Centroid(s.geom))
 WHERE s.qpv_code IS DISTINCT FROM q.qpv_code;

-- populations are the squares' sums
SELECT bool_and(c.population = (SELECT round(sum(population::numeric)) FROM nous_demo.squares s
                                 WHERE s.com_code = c.com_code)) AS communes,
       (SELECT bool_and(i.population = (SELECT coalesce(round(sum(population::numeric)), 0) FROM nous_demo.squares s
                                         WHERE s.iris_code = i.iris_code)) FROM nous_demo.iris i) AS iris,
       (SELECT bool_and(q.population = (SELECT round(sum(population::numeric)) FROM nous_demo.squares s
                                         WHERE s.qpv_code = q.qpv_code)) FROM nous_demo.qpv q) AS qpv,
       (SELECT bool_and(e.population = (SELECT round(sum(population::numeric)) FROM nous_demo.squares s
                                         WHERE s.epci_code = e.epci_code)) FROM nous_demo.epci e) AS epci
  FROM nous_demo.communes c;

-- indicators: about 2 % NULL each, correlated, worse in QPV
SELECT col, nulls BETWEEN 0.005 AND 0.04 AS about_2pct_null
  FROM (SELECT 'median_income_uc' AS col, avg((median_income_uc IS NULL)::int) AS nulls FROM nous_demo.squares UNION ALL
        SELECT 'unemployment_rate', avg((unemployment_rate IS NULL)::int) FROM nous_demo.squares UNION ALL
        SELECT 'youth_inactivity_rate', avg((youth_inactivity_rate IS NULL)::int) FROM nous_demo.squares UNION ALL
        SELECT 'inactivity_rate', avg((inactivity_rate IS NULL)::int) FROM nous_demo.squares UNION ALL
        SELECT 'no_diploma_rate', avg((no_diploma_rate IS NULL)::int) FROM nous_demo.squares UNION ALL
        SELECT 'single_parent_rate', avg((single_parent_rate IS NULL)::int) FROM nous_demo.squares UNION ALL
        SELECT 'overcrowding_rate', avg((overcrowding_rate IS NULL)::int) FROM nous_demo.squares UNION ALL
        SELECT 'social_housing_rate', avg((social_housing_rate IS NULL)::int) FROM nous_demo.squares) x
 ORDER BY col;
SELECT corr(unemployment_rate, no_diploma_rate) > 0.3 AS unemployment_no_diploma,
       corr(unemployment_rate, median_income_uc) < -0.3 AS unemployment_income,
       corr(social_housing_rate, single_parent_rate) > 0.3 AS social_single_parent
  FROM nous_demo.squares;
SELECT avg(unemployment_rate) FILTER (WHERE qpv_code IS NOT NULL)
         > avg(unemployment_rate) FILTER (WHERE qpv_code IS NULL) AS unemployment_higher_in_qpv,
       avg(median_income_uc) FILTER (WHERE qpv_code IS NOT NULL)
         < avg(median_income_uc) FILTER (WHERE qpv_code IS NULL) AS income_lower_in_qpv,
       bool_and(population >= 1 AND households >= 1 AND poor_households <= households) AS counts_ok,
       bool_and(unemployment_rate BETWEEN 0 AND 1 AND social_housing_rate BETWEEN 0 AND 1) AS rates_in_0_1
  FROM nous_demo.squares;

-- households: round(households) of each square, UC scale, poorer in QPV
SELECT (SELECT sum(greatest(1, round(households))) FROM nous_demo.squares) = count(*) AS one_row_per_household,
       bool_and(abs(income - income_uc * (1 + 0.5 * (persons_14_plus - 1) + 0.3 * persons_under_14)) < 0.01) AS uc_scale,
       bool_and(persons_14_plus >= 1 AND persons_under_14 >= 0) AS persons_ok,
       bool_and(h.in_qpv = (s.qpv_code IS NOT NULL)) AS in_qpv_ok,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY income_uc) FILTER (WHERE h.in_qpv)
         < percentile_cont(0.5) WITHIN GROUP (ORDER BY income_uc) FILTER (WHERE NOT h.in_qpv) AS poorer_in_qpv
  FROM nous_demo.households h JOIN nous_demo.squares s USING (square_id);

-- applications and allocations
SELECT bool_and(pending_at_year_start = (filed_on < date '2025-01-01')) AS pending_flag,
       bool_and(filed_on <= date '2025-12-31') AS filed_by_2025,
       bool_and(satisfied_on IS NULL OR (satisfied_on BETWEEN date '2025-01-01' AND date '2025-12-31'
                                         AND satisfied_on > filed_on)) AS satisfied_in_2025,
       bool_and(abs(income - income_uc * (1 + 0.5 * (persons_14_plus - 1) + 0.3 * persons_under_14)) < 0.01) AS uc_scale,
       bool_and(c.epci_code = a.epci_code) AS wish_in_epci,
       avg(pending_at_year_start::int) BETWEEN 0.75 AND 0.85 AS about_80pct_pending,
       bool_or(priority) AND bool_or(renewal) AS some_priority_and_renewal
  FROM nous_demo.applications a JOIN nous_demo.communes c USING (com_code);
SELECT count(*) = (SELECT count(*) FROM nous_demo.applications WHERE satisfied_on IS NOT NULL) AS one_per_satisfied_application,
       bool_and(p.application_id IS NOT NULL) AS applicant_exists,
       bool_and(l.allocated_on = p.satisfied_on AND l.epci_code = p.epci_code
                AND l.renewal = p.renewal AND l.priority = p.priority) AS agree_with_application,
       bool_and(c.epci_code = l.epci_code) AS dwelling_in_epci,
       bool_and(l.in_qpv = (l.qpv_code IS NOT NULL)) AS in_qpv_flag,
       bool_and(l.qpv_code IS NULL OR q.com_code = l.com_code) AS qpv_in_commune,
       bool_and(l.reserving_body IN ('prefet', 'action_logement', 'commune', 'epci', 'bailleur')) AS reserving_bodies,
       count(DISTINCT l.landlord) > 1 AS several_landlords,
       avg(p.income_uc) FILTER (WHERE l.in_qpv) < avg(p.income_uc) FILTER (WHERE NOT l.in_qpv) AS poorer_in_qpv
  FROM nous_demo.allocations l
  LEFT JOIN nous_demo.applications p USING (application_id)
  JOIN nous_demo.communes c ON c.com_code = l.com_code
  LEFT JOIN nous_demo.qpv q ON q.qpv_code = l.qpv_code;

-- moves: codes exist and nest, each year's weights add up to the
-- population (within 3 %), most persons stay, moves are local
SELECT bool_and(left(origin_iris, 5) = origin_com AND left(destination_iris, 5) = destination_com) AS iris_in_commune,
       bool_and(oq.qpv_code IS NOT DISTINCT FROM m.origin_qpv AND dq.qpv_code IS NOT DISTINCT FROM m.destination_qpv) AS qpv_exist,
       bool_and(m.origin_qpv IS NULL OR oq.com_code = origin_com) AS origin_qpv_in_commune,
       bool_and(m.destination_qpv IS NULL OR dq.com_code = destination_com) AS destination_qpv_in_commune,
       bool_and(income_quartile BETWEEN 1 AND 4 AND year IN (2023, 2024) AND weight > 0) AS fields_ok,
       avg((origin_iris = destination_iris)::int) BETWEEN 0.85 AND 0.95 AS most_stay
  FROM nous_demo.moves m
  LEFT JOIN nous_demo.qpv oq ON oq.qpv_code = m.origin_qpv
  LEFT JOIN nous_demo.qpv dq ON dq.qpv_code = m.destination_qpv;
SELECT year, abs(sum(weight) / (SELECT sum(population) FROM nous_demo.epci) - 1) < 0.03 AS weights_add_up
  FROM nous_demo.moves GROUP BY year ORDER BY year;
SELECT count(*) FILTER (WHERE o.epci_code <> d.epci_code) AS leaving_the_only_epci
  FROM nous_demo.moves m JOIN nous_demo.communes o ON o.com_code = m.origin_com
  JOIN nous_demo.communes d ON d.com_code = m.destination_com;

-- determinism: a canonical text of every table, then the same seed again
-- with parallel plans forced, then another seed
CREATE TEMP TABLE gen_md5 (run text, t text, md5 text);
CREATE FUNCTION pg_temp.gen_md5s(run text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['epci', 'communes', 'iris', 'qpv', 'squares', 'households',
                           'applications', 'allocations', 'moves'] LOOP
    EXECUTE format('INSERT INTO gen_md5 SELECT %L, %L, md5(string_agg(x::text, E''\n'' ORDER BY x::text)) FROM nous_demo.%I x',
                   run, t, t);
  END LOOP;
END $$;
SELECT pg_temp.gen_md5s('seed 42');
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
\set ECHO none
\ir test/gen/generate.sql
\set ECHO all
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
SELECT pg_temp.gen_md5s('seed 42, parallel');
\set ECHO none
\set seed 7
\ir test/gen/generate.sql
\set ECHO all
SELECT pg_temp.gen_md5s('seed 7');
SELECT a.t, a.md5 = b.md5 AS same_again_in_parallel, a.md5 <> c.md5 AS differs_with_seed_7
  FROM gen_md5 a JOIN gen_md5 b ON b.t = a.t AND b.run = 'seed 42, parallel'
  JOIN gen_md5 c ON c.t = a.t AND c.run = 'seed 7'
 WHERE a.run = 'seed 42'
 ORDER BY array_position(ARRAY['epci', 'communes', 'iris', 'qpv', 'squares', 'households',
                               'applications', 'allocations', 'moves'], a.t);

-- scale 2: EPCI 1 is the same territory as at scale 1 (the layout grows by
-- adding EPCI around it), and persons now move between the two EPCI
\set ECHO none
\set seed 42
\set scale 2
\ir test/gen/generate.sql
\set ECHO all
SELECT md5(string_agg(x::text, E'\n' ORDER BY x::text)) = (SELECT md5 FROM gen_md5 WHERE run = 'seed 42' AND t = 'communes')
         AS epci_1_communes_unchanged
  FROM nous_demo.communes x WHERE epci_code = '247201379';
SELECT md5(string_agg(x::text, E'\n' ORDER BY x::text)) = (SELECT md5 FROM gen_md5 WHERE run = 'seed 42' AND t = 'squares')
         AS epci_1_squares_unchanged
  FROM nous_demo.squares x WHERE epci_code = '247201379';
SELECT epci_code, dep_code, kind, population FROM nous_demo.epci ORDER BY epci_code;
SELECT count(*) > 0 AS moves_between_epci
  FROM nous_demo.moves m JOIN nous_demo.communes o ON o.com_code = m.origin_com
  JOIN nous_demo.communes d ON d.com_code = m.destination_com
 WHERE o.epci_code <> d.epci_code;
SELECT bool_and(ok_area AND ok_union) AS communes_tile_epci
  FROM (SELECT sum(ST_Area(c.geom)) = ST_Area(e.geom) AS ok_area, ST_Equals(ST_Union(c.geom), e.geom) AS ok_union
          FROM nous_demo.epci e JOIN nous_demo.communes c USING (epci_code) GROUP BY e.epci_code, e.geom) x;
SELECT count(*) AS overlapping_epci
  FROM nous_demo.epci a JOIN nous_demo.epci b ON a.epci_code < b.epci_code
 WHERE ST_Area(ST_Intersection(a.geom, b.geom)) > 0;

-- leave the default demo (seed 42, scale 1) in place
\set ECHO none
\set scale 1
\ir test/gen/generate.sql
\set ECHO all
\unset seed
\unset scale
