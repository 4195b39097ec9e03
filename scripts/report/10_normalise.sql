-- demo report: normalisation (nous.normalise) on the IRIS of the demo EPCI.
\echo '== The territory'
SELECT e.name AS "EPCI", count(DISTINCT c.com_code) AS communes,
       count(DISTINCT i.iris_code) AS "IRIS", (SELECT count(*) FROM nous_demo.qpv q WHERE q.epci_code = e.epci_code) AS "QPV",
       (SELECT count(*) FROM nous_demo.squares s WHERE s.epci_code = e.epci_code) AS "200 m squares",
       round(sum(i.population)) AS population
  FROM nous_demo.epci e
  JOIN nous_demo.communes c ON c.epci_code = e.epci_code
  JOIN nous_demo.iris i ON i.com_code = c.com_code
 GROUP BY e.epci_code, e.name
 ORDER BY e.epci_code
 LIMIT 5;

\echo
\echo '== Normalisation: the 12 IRIS furthest above the agglomeration, by mean z-score'
\echo 'Rates are population-weighted means over the 200 m squares of each IRIS;'
\echo 'z = (x - mean) / sd over all IRIS of the EPCI (sd with n - 1), income with'
\echo 'the reverse sign (lower income = more fragile); pct = percentile rank 0-100.'
WITH iris AS (
  SELECT i.iris_code, i.name AS iris, c.name AS commune,
         sum(s.population) AS population,
         sum(s.unemployment_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.unemployment_rate IS NOT NULL), 0) AS unemployment,
         sum(s.no_diploma_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.no_diploma_rate IS NOT NULL), 0) AS no_diploma,
         sum(s.median_income_uc * s.population) / nullif(sum(s.population) FILTER (WHERE s.median_income_uc IS NOT NULL), 0) AS income
    FROM nous_demo.iris i
    JOIN nous_demo.communes c ON c.com_code = i.com_code
    JOIN nous_demo.squares s ON s.iris_code = i.iris_code
   WHERE c.epci_code = (SELECT min(epci_code) FROM nous_demo.epci)
   GROUP BY i.iris_code, i.name, c.name
), v AS (
  SELECT array_agg(iris_code ORDER BY iris_code) AS codes,
         nous.normalise(array_agg(unemployment ORDER BY iris_code), 'zscore') AS zu,
         nous.normalise(array_agg(no_diploma ORDER BY iris_code), 'zscore') AS zd,
         nous.normalise(array_agg(income ORDER BY iris_code), 'zscore') AS zi,
         nous.normalise(array_agg(unemployment ORDER BY iris_code), 'percentile') AS pu
    FROM iris
)
SELECT iris.commune AS "commune", iris.iris AS "IRIS", round(iris.population) AS pop,
       round((100 * iris.unemployment)::numeric, 1) AS "unemp. %", round(n.zu::numeric, 2) AS "z",
       round(n.pu::numeric) AS "pct",
       round((100 * iris.no_diploma)::numeric, 1) AS "no dipl. %", round(n.zd::numeric, 2) AS "z ",
       round(iris.income::numeric, -1) AS "income/UC €", round(n.zi::numeric, 2) AS "z  ",
       round(((n.zu + n.zd - n.zi) / 3)::numeric, 2) AS "mean z"
  FROM v, unnest(v.codes, v.zu, v.zd, v.zi, v.pu) AS n(iris_code, zu, zd, zi, pu)
  JOIN iris USING (iris_code)
 ORDER BY (n.zu + n.zd - n.zi) DESC NULLS LAST
 LIMIT 12;

\echo
\echo '== Registered methods (nous.methods)'
SELECT family, name, builtin, description FROM nous.methods ORDER BY family, name;
