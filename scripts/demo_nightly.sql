-- demo: what an observatory publishes and refreshes every night.
--   1. the roles (nous.setup_roles): reader, analyst, producer and their schemas;
--   2. a secrecy-safe published view of poor households per 200 m square
--      within IRIS within communes (nous.secrecy_publish, the threshold read
--      from the indicator catalogue), owned by the producer, readable by the
--      reader role that QGIS and Metabase users get;
--   3. every materialized view of the demo registered for the nightly
--      refresh (nous.refresh_register), one refresh run (CALL nous.refresh),
--      and its log.
-- Run by scripts/demo.sh after the map views exist, as the superuser, with
-- -v role=<the demo's login role>.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

SELECT count(*) AS setup_actions FROM nous.setup_roles() \gset

INSERT INTO nous.indicators (code, label, unit, source, year, polarity, secrecy_threshold)
VALUES ('demo_poor_households', 'Ménages pauvres (sous le seuil de 60 % du revenu médian)', 'ménages',
        'généré (test/gen/generate.sql)', 2021, 1, 11)
ON CONFLICT (code) DO NOTHING;

-- the producer holds the microdata (here the generated households in nous_demo):
-- a materialized view is refreshed with its owner's rights
GRANT USAGE ON SCHEMA nous_demo TO nous_producer;
GRANT SELECT ON ALL TABLES IN SCHEMA nous_demo TO nous_producer;

CREATE MATERIALIZED VIEW nous_published.poor_households AS
SELECT p.id, p.parent,
       CASE WHEN p.parent IS NULL THEN 'commune'
            WHEN EXISTS (SELECT 1 FROM nous_demo.iris i WHERE i.iris_code = p.id) THEN 'iris'
            ELSE 'carreau' END AS level,
       p.value AS poor_households, p.status
  FROM nous.secrecy_publish(
         'SELECT id, parent, n FROM (SELECT s.square_id::text AS id, s.iris_code AS parent, round(s.poor_households) AS n FROM nous_demo.squares s
            UNION ALL SELECT i.iris_code, i.com_code, sum(round(s.poor_households)) FROM nous_demo.iris i JOIN nous_demo.squares s USING (iris_code) GROUP BY i.iris_code, i.com_code
            UNION ALL SELECT s.com_code, NULL, sum(round(s.poor_households)) FROM nous_demo.squares s GROUP BY s.com_code) h',
         'id', 'parent', 'n', indicator => 'demo_poor_households') AS p;
CREATE UNIQUE INDEX ON nous_published.poor_households (id);
COMMENT ON MATERIALIZED VIEW nous_published.poor_households IS
  'Ménages pauvres par carreau de 200 m, IRIS et commune, publiables : secret statistique (seuil du catalogue, secret secondaire), valeur vide si masquée.';
COMMENT ON COLUMN nous_published.poor_households.id IS 'Code du carreau, de l''IRIS ou de la commune';
COMMENT ON COLUMN nous_published.poor_households.parent IS 'Code du niveau supérieur (IRIS du carreau, commune de l''IRIS)';
COMMENT ON COLUMN nous_published.poor_households.level IS 'Niveau : carreau, iris ou commune';
COMMENT ON COLUMN nous_published.poor_households.poor_households IS 'Nombre de ménages pauvres ; vide si le secret statistique le masque';
COMMENT ON COLUMN nous_published.poor_households.status IS 'published, ou la raison du masquage : primary (moins de 11 ménages), secondary (recalculable par différence)';
ALTER MATERIALIZED VIEW nous_published.poor_households OWNER TO nous_producer;
GRANT SELECT ON nous_published.poor_households TO nous_reader;
-- the demo's login role reads what a reader reads (and, as the demo's owner, the rest)
GRANT nous_reader TO :"role";

\o /dev/null
SELECT nous.refresh_register(v::regclass, 'nightly')
  FROM unnest(ARRAY['nous_published.poor_households', 'nous_demo.map_squares_unemployment',
                    'nous_demo.map_iris_fragility']) AS v;
SELECT nous.refresh_register(c.oid::regclass, 'nightly')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'nous_obs' AND c.relkind = 'm'
 ORDER BY c.relname;
CALL nous.refresh('nightly');
\o

\echo
\echo '== Published for the reader role (nous.setup_roles, nous.secrecy_publish)'
\echo 'Metabase and QGIS users get nous_reader: they see the schema nous_published,'
\echo 'never the microdata. Poor households, threshold from the catalogue:'
SELECT level, count(*) AS cells,
       count(*) FILTER (WHERE status = 'published') AS published,
       count(*) FILTER (WHERE status = 'primary') AS "hidden: primary",
       count(*) FILTER (WHERE status = 'secondary') AS "hidden: secondary",
       sum(poor_households) FILTER (WHERE level = 'commune') AS "published commune total"
  FROM nous_published.poor_households GROUP BY level ORDER BY cells;
SELECT has_table_privilege('nous_reader', 'nous_published.poor_households', 'SELECT') AS "reader reads the published view",
       has_table_privilege('nous_reader', 'nous_demo.households', 'SELECT') AS "reader reads the households";

\echo
\echo '== Audit of the square map (nous_demo.map_squares_unemployment) against the microdata:'
\echo 'published figures on 1 to 10 households, hidden squares, and hidden squares'
\echo 'recoverable by difference (the only hidden square of an IRIS or commune whose'
\echo 'household total is publishable; such totals are published by INSEE)'
WITH m AS (SELECT m.secrecy_status <> 'diffusé' AS hidden, m.households AS pub_h, m.unemployment_rate AS pub_rate,
                  s.households AS h, s.iris_code, s.com_code
             FROM nous_demo.map_squares_unemployment m JOIN nous_demo.squares s USING (square_id)),
     i AS (SELECT iris_code, sum(h) AS total, count(*) FILTER (WHERE hidden) AS hidden_n FROM m GROUP BY iris_code),
     c AS (SELECT com_code, sum(h) AS total, count(*) FILTER (WHERE hidden) AS hidden_n FROM m GROUP BY com_code)
SELECT count(*) AS squares,
       count(*) FILTER (WHERE h > 0 AND h < 11) AS "under 11 households",
       count(*) FILTER (WHERE hidden) AS hidden,
       count(*) FILTER (WHERE (pub_h > 0 AND pub_h < 11) OR (pub_rate IS NOT NULL AND h > 0 AND h < 11)) AS "published on 1-10",
       (SELECT count(*) FROM i WHERE hidden_n = 1 AND total >= 11) AS "recoverable (IRIS)",
       (SELECT count(*) FROM c WHERE hidden_n = 1 AND total >= 11) AS "recoverable (commune)"
  FROM m;

\echo
\echo '== Nightly refresh (CALL nous.refresh(''nightly''); the log is nous.refresh_log)'
SELECT view_schema || '.' || view_name AS "view", outcome, row_count AS "rows",
       concurrent AS "concurrently", round(seconds::numeric, 3) AS seconds
  FROM nous.refresh_last ORDER BY run_id, started_at;
