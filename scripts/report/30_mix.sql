-- demo report: attribution-mix rules and segregation of the demo EPCI.
\echo '== Social-housing allocations and the mix rules (CCH L441-1, loi 2017-86)'
\echo 'First-quartile threshold: 25th percentile (continuous) of income per UC of the'
\echo 'applications pending on 31 December 2024; outside QPV >= 25 % of allocations to'
\echo 'first-quartile applicants or urban-renewal rehousings; inside QPV >= 50 % to the'
\echo 'other three quartiles.  Wilson 95 % interval for each share.'
WITH thresholds AS (
  SELECT epci_code, nous.first_quartile(income_uc) AS q1
    FROM nous_demo.applications WHERE pending_at_year_start GROUP BY epci_code
), m AS (
  SELECT a.epci_code, t.q1, nous.allocation_mix(a.in_qpv, p.income_uc, a.renewal, t.q1) AS r
    FROM nous_demo.allocations a
    JOIN nous_demo.applications p USING (application_id)
    JOIN thresholds t ON t.epci_code = a.epci_code
   GROUP BY a.epci_code, t.q1
)
SELECT rule, r.epci_code AS "EPCI", round(r.q1) AS "Q1 threshold €", in_scope AS "allocations",
       counted, round((100 * share)::numeric, 1) AS "share %", round((100 * target)::numeric) AS "target %",
       gap AS "missing", round((100 * ci_low)::numeric, 1) || '–' || round((100 * ci_high)::numeric, 1) AS "95 % CI",
       CASE WHEN too_small THEN 'too few to conclude' WHEN met THEN 'met' ELSE 'missed' END AS verdict
  FROM (SELECT m.epci_code, m.q1, 'outside QPV: Q1 or renewal' AS rule, (m.r).outside_in_scope AS in_scope,
               (m.r).outside_counted AS counted, (m.r).outside_share AS share, (m.r).outside_target AS target,
               (m.r).outside_gap AS gap, (m.r).outside_ci_low AS ci_low, (m.r).outside_ci_high AS ci_high,
               (m.r).outside_too_small AS too_small, (m.r).outside_meets_target AS met FROM m
        UNION ALL
        SELECT m.epci_code, m.q1, 'inside QPV: quartiles 2-4', (m.r).inside_in_scope, (m.r).inside_counted,
               (m.r).inside_share, (m.r).inside_target, (m.r).inside_gap, (m.r).inside_ci_low,
               (m.r).inside_ci_high, (m.r).inside_too_small, (m.r).inside_meets_target FROM m) r
 ORDER BY 2, 1 DESC;

\echo
\echo '== Priority households (DALO, publics prioritaires) by reserving body, target 25 %'
SELECT reserving_body AS "reserving body", (p).in_scope AS allocations, (p).counted AS priority,
       round((100 * (p).share)::numeric, 1) AS "share %", (p).gap AS missing,
       round((100 * (p).ci_low)::numeric, 1) || '–' || round((100 * (p).ci_high)::numeric, 1) AS "95 % CI",
       CASE WHEN (p).too_small THEN 'too few to conclude' WHEN (p).meets_target THEN 'met' ELSE 'missed' END AS verdict
  FROM (SELECT reserving_body, nous.priority_share(priority) AS p
          FROM nous_demo.allocations GROUP BY 1) q
 ORDER BY 1;

\echo
\echo '== Segregation of poor households across the 200 m squares (two-group indices)'
SELECT round(nous.dissimilarity(poor_households, households)::numeric, 3) AS "dissimilarity D",
       round(nous.gini_segregation(poor_households, households)::numeric, 3) AS "Gini",
       round(nous.entropy_h(poor_households, households)::numeric, 3) AS "Theil H",
       round(nous.isolation(poor_households, households)::numeric, 3) AS "isolation xPx",
       round(nous.interaction(poor_households, households)::numeric, 3) AS "interaction xPy"
  FROM nous_demo.squares
 WHERE epci_code = (SELECT min(epci_code) FROM nous_demo.epci);
