-- demo report: fragility index (nous.composite) of the IRIS of the demo EPCI.
\echo '== Fragility index of the IRIS (nous.composite)'
\echo 'Six indicators of the 200 m squares, population-weighted per IRIS;'
\echo 'score = weighted mean of z-scores (unemployment weighted 2, as in décret'
\echo '2014-1575 annexe 2), OVER () = the whole EPCI is the reference territory;'
\echo 'rank 1 = most fragile; quintile class 5 = the most fragile fifth.'
WITH iris AS (
  SELECT i.iris_code, i.name AS iris, c.name AS commune, sum(s.population) AS pop,
         bool_or(s.qpv_code IS NOT NULL) AS has_qpv,
         sum(s.unemployment_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.unemployment_rate IS NOT NULL), 0) AS chom,
         sum(s.youth_inactivity_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.youth_inactivity_rate IS NOT NULL), 0) AS jeunes,
         sum(s.inactivity_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.inactivity_rate IS NOT NULL), 0) AS inact,
         sum(s.no_diploma_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.no_diploma_rate IS NOT NULL), 0) AS sansdip,
         sum(s.single_parent_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.single_parent_rate IS NOT NULL), 0) AS mono,
         sum(s.overcrowding_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.overcrowding_rate IS NOT NULL), 0) AS surocc
    FROM nous_demo.iris i
    JOIN nous_demo.communes c ON c.com_code = i.com_code
    JOIN nous_demo.squares s ON s.iris_code = i.iris_code
   WHERE c.epci_code = (SELECT min(epci_code) FROM nous_demo.epci)
   GROUP BY i.iris_code, i.name, c.name
), scored AS (
  SELECT *, nous.composite(ARRAY[chom, jeunes, inact, sansdip, mono, surocc], '{2,1,1,1,1,1}') OVER () AS score
    FROM iris
)
SELECT rank() OVER (ORDER BY score DESC) AS rank, commune, iris, round(pop) AS pop,
       CASE WHEN has_qpv THEN 'yes' ELSE '' END AS "QPV",
       round(score::numeric, 2) AS score, 6 - ntile(5) OVER (ORDER BY score DESC) AS class
  FROM scored
 ORDER BY score DESC
 LIMIT 10;

\echo
\echo '== QPV income threshold (décret 2014-767 art. 4), an illustration'
\echo 'unit median = median of the squares'' median income per UC of the demo EPCI;'
\echo 'national median = 22,000 EUR, an assumed round figure, not an official one.'
SELECT round(m::numeric) AS "unit median €", p AS "unit population",
       nous.qpv_income_threshold(22000, m, p) AS "threshold €",
       (SELECT count(*) FROM nous_demo.squares s
         WHERE s.epci_code = (SELECT min(epci_code) FROM nous_demo.epci)
           AND s.median_income_uc < nous.qpv_income_threshold(22000, m, p)) AS "squares under it"
  FROM (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY median_income_uc) AS m,
               round(sum(population))::bigint AS p
          FROM nous_demo.squares
         WHERE epci_code = (SELECT min(epci_code) FROM nous_demo.epci)) u;
