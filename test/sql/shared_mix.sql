-- shared_mix: the oracles of ../shared/oracles (sacramento2: two-group
-- indices; schools00: M, H and their decomposition by state), relative
-- tolerance 1e-9 as EXPECTED.md asks.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\getenv shared NOUS_SHARED

CREATE TABLE sac (fips text, polyid int, tot_pop float8, hisp float8);
\set f :shared '/oracles/sacramento2/sacramento_hisp.csv'
COPY sac FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TABLE sac_expected ("case" text, quantity text, value text, definition text);
\set f :shared '/oracles/sacramento2/expected.csv'
COPY sac_expected FROM :'f' WITH (FORMAT csv, HEADER);

CREATE TABLE sac_got AS
SELECT * FROM (SELECT nous.dissimilarity(hisp, tot_pop) AS "D",
                      nous.gini_segregation(hisp, tot_pop) AS "Gini",
                      nous.entropy_h(hisp, tot_pop) AS "Entropy_H",
                      nous.isolation(hisp, tot_pop) AS "Isolation",
                      nous.interaction(hisp, tot_pop) AS "Interaction",
                      nous.atkinson(hisp, tot_pop, 0.5) AS "Atkinson_b0.5",
                      nous.correlation_ratio(hisp, tot_pop) AS "CorrelationR",
                      sum(hisp) / sum(tot_pop) AS "P",
                      count(*)::float8 AS n_units
                 FROM sac) g,
LATERAL (VALUES ('D', g."D"), ('Gini', g."Gini"), ('Entropy_H', g."Entropy_H"),
                ('Isolation', g."Isolation"), ('Interaction', g."Interaction"),
                ('Atkinson_b0.5', g."Atkinson_b0.5"), ('CorrelationR', g."CorrelationR"),
                ('P', g."P"), ('n_units', g.n_units)) v(quantity, got);
SELECT e.quantity, abs(g.got - e.value::float8) <= 1e-9 * abs(e.value::float8) AS within_1e9
  FROM sac_expected e LEFT JOIN sac_got g USING (quantity)
 ORDER BY e.quantity;

-- the same from a stored state, merged from two halves, and in parallel
CREATE TABLE sac_state AS
  SELECT polyid % 2 AS half, nous.mixpairs_agg(hisp, tot_pop) s FROM sac GROUP BY 1;
SELECT abs(nous.dissimilarity(nous.merge(s)) - 0.321846560765669) <= 1e-9 * 0.321846560765669 AS d,
       abs(nous.gini_segregation(nous.merge(s)) - 0.435065106768862) <= 1e-9 * 0.435065106768862 AS gini,
       abs(nous.atkinson(nous.merge(s), 0.5) - 0.150792593826677) <= 1e-9 * 0.150792593826677 AS atkinson
  FROM sac_state;

CREATE TABLE sch (state text, district text, school text, race text, n float8);
\set f :shared '/oracles/schools00/schools00.csv'
COPY sch FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TABLE sch_expected ("case" text, quantity text, value text, definition text);
\set f :shared '/oracles/schools00/expected.csv'
COPY sch_expected FROM :'f' WITH (FORMAT csv, HEADER);

CREATE TABLE sch_got AS
SELECT v.* FROM (SELECT (nous.mutual_information_decomposition(state, school, race, n)).*,
                        nous.mutual_information(school, race, n) AS m2,
                        nous.entropy_index(school, race, n) AS h2,
                        sum(n) AS total, count(DISTINCT school) AS schools
                   FROM sch) d,
LATERAL (VALUES ('N', d.total), ('n_schools', d.schools::float8), ('E_race', d.entropy),
                ('M', d.m2), ('H', d.h2), ('M_between_state', d.m_between),
                ('H_between_state', d.h_between), ('M_within_state', d.m_within),
                ('H_within_state', d.h_within), ('within_state_H_weighted', d.h_within),
                ('M_decomposition', d.m), ('H_decomposition', d.h)) v(quantity, got);
-- scalar quantities (M and H also through the decomposition)
SELECT g.quantity, abs(g.got - e.value::float8) <= 1e-9 * abs(e.value::float8) AS within_1e9
  FROM sch_got g JOIN sch_expected e ON e.quantity = g.quantity
     OR (g.quantity = 'M_decomposition' AND e.quantity = 'M')
     OR (g.quantity = 'H_decomposition' AND e.quantity = 'H')
 WHERE g.quantity = e.quantity OR g.quantity LIKE '%decomposition'
 ORDER BY g.quantity;
-- per state: M_s, E_s, H_s of the schools of each state, p_s
WITH per AS (
  SELECT state, nous.mutual_information(school, race, n) m,
         nous.shannon_diversity(nous.mixcounts_agg(school, race, n)) e,
         nous.entropy_index(school, race, n) h, sum(n) / (SELECT sum(n) FROM sch) p
    FROM sch GROUP BY state),
exp AS (
  SELECT quantity, ord, x::float8 AS want
    FROM sch_expected, LATERAL unnest(string_to_array(value, ';')) WITH ORDINALITY u(x, ord)
   WHERE quantity IN ('state_p', 'state_M', 'state_E', 'state_H'))
SELECT exp.quantity, per.state,
       abs(CASE exp.quantity WHEN 'state_p' THEN per.p WHEN 'state_M' THEN per.m
                             WHEN 'state_E' THEN per.e ELSE per.h END - exp.want) <= 1e-9 * abs(exp.want) AS within_1e9
  FROM exp JOIN per ON per.state = chr(64 + exp.ord::int)
 ORDER BY 1, 2;
-- the same per state from nous.mutual_information_by_super in one call
WITH per AS (SELECT * FROM nous.mutual_information_by_super((SELECT nous.mixcounts_agg(state, school, race, n) FROM sch))),
exp AS (
  SELECT quantity, ord, x::float8 AS want
    FROM sch_expected, LATERAL unnest(string_to_array(value, ';')) WITH ORDINALITY u(x, ord)
   WHERE quantity IN ('state_p', 'state_M', 'state_E', 'state_H'))
SELECT exp.quantity, per.super,
       abs(CASE exp.quantity WHEN 'state_p' THEN per.share WHEN 'state_M' THEN per.m
                             WHEN 'state_E' THEN per.entropy ELSE per.h END - exp.want) <= 1e-9 * abs(exp.want) AS within_1e9
  FROM exp JOIN per ON per.super = chr(64 + exp.ord::int)
 ORDER BY 1, 2;
SELECT abs(sum(m_within_part) - 0.326295274593477) <= 1e-9 * 0.326295274593477 AS parts_add_up_to_m_within
  FROM nous.mutual_information_by_super((SELECT nous.mixcounts_agg(state, school, race, n) FROM sch));
-- M_within = sum_s p_s M_s
WITH per AS (SELECT state, nous.mutual_information(school, race, n) m, sum(n) nn FROM sch GROUP BY state)
SELECT abs(sum(m * nn) / sum(nn) - 0.326295274593477) <= 1e-9 * 0.326295274593477 AS m_within_by_states
  FROM per;
-- the local contributions add up to M
SELECT abs(sum(m_contribution) - 0.42553897587642) <= 1e-9 * 0.42553897587642 AS local_adds_up
  FROM nous.mix_local((SELECT nous.mixcounts_agg(school, race, n) FROM sch));
DROP TABLE sac, sac_expected, sac_got, sac_state, sch, sch_expected, sch_got;
