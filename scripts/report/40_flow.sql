-- demo report: residential moves between the communes of the demo EPCI.
\echo '== Residential moves between communes (nous.flow_matrix, nous.flow_zones)'
\echo 'Observatoire des territoires definitions: net rate = (in - out) / mean of the'
\echo 'populations before and after; turnover = (in + out) / that mean.'
WITH m AS (
  SELECT nous.flow_matrix(origin_com, destination_com, weight) AS m
    FROM nous_demo.moves WHERE year = (SELECT max(year) FROM nous_demo.moves)
)
SELECT z.zone AS commune, c.name, round(z.stayers) AS stayers, round(z.inflow) AS "in",
       round(z.outflow) AS "out", round(z.net) AS net,
       round((100 * z.net_rate)::numeric, 2) AS "net rate %", round((100 * z.turnover_rate)::numeric, 2) AS "turnover %"
  FROM m, nous.flow_zones(m.m) z
  JOIN nous_demo.communes c ON c.com_code = z.zone
 ORDER BY z.turnover_rate DESC
 LIMIT 10;

\echo
\echo '== Moves between QPV and the rest (nous.flow_between): zones are the QPV and,'
\echo 'outside them, the IRIS; "moved inside" = between two zones of the same category.'
WITH m AS (
  SELECT nous.flow_matrix(coalesce(origin_qpv, origin_iris), coalesce(destination_qpv, destination_iris), weight) AS m
    FROM nous_demo.moves WHERE year = (SELECT max(year) FROM nous_demo.moves)
), cats AS (
  SELECT array_agg(code) AS zones, array_agg(cat) AS categories
    FROM (SELECT qpv_code AS code, 'QPV' AS cat FROM nous_demo.qpv
          UNION ALL SELECT iris_code, 'hors QPV' FROM nous_demo.iris) z
)
SELECT b.origin_category AS "from", b.destination_category AS "to", b.relation, round(b.weight) AS persons
  FROM m, cats, nous.flow_between(m.m, cats.zones, cats.categories) b
 ORDER BY 1 DESC, 2 DESC, 3;
