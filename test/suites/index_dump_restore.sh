#!/usr/bin/env bash
# index_dump_restore: pg_dump a database with stored index definitions (two
# indices, components referring to their definitions) and a materialized
# view calling nous.composite; restore it into a new database and check that
# the definitions come back once, in an order the foreign key accepts, that
# nous.index_compute gives the same scores and that the view refreshes.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
suite_dump_setup index_dump
suite_sql "$src" <<'SQL'
CREATE SCHEMA obs;
CREATE TABLE obs.iris (code text PRIMARY KEY, epci text, unemployment float8, income float8);
INSERT INTO obs.iris VALUES ('A', 'e1', 10, 20000), ('B', 'e1', 20, 15000), ('C', 'e1', 15, NULL),
                            ('D', 'e2', 5, 25000), ('E', 'e2', 12, 18000);
SELECT nous.define_index('fragility', '[{"column": "unemployment", "weight": 2}, {"column": "income", "polarity": -1}]');
SELECT nous.define_index('ranks', '[{"column": "unemployment"}, {"column": "income", "polarity": -1}]',
                         'none', 'rankmean(min_coverage=1)', 2);
CREATE MATERIALIZED VIEW obs.iris_score AS
  SELECT code, nous.composite(ARRAY[unemployment, income], '{2,1}', '{1,-1}') OVER (PARTITION BY epci) AS score
    FROM obs.iris;
SQL
suite_dump_restore "$src" "$dst"

query="SELECT (SELECT count(*) FROM nous.index_definitions) || ' ' || (SELECT count(*) FROM nous.index_components) || ' ' ||
              (SELECT string_agg(key || '=' || round(score::numeric, 9), ',' ORDER BY key)
                 FROM nous.index_compute('fragility', 'obs.iris', 'code', 'epci')) || ' ' ||
              (SELECT string_agg(code || '=' || round(score::numeric, 9), ',' ORDER BY code) FROM obs.iris_score)"
want="$(psql -d "$src" -tA -c "$query")"
got="$(psql -d "$dst" -tA -c "REFRESH MATERIALIZED VIEW obs.iris_score" -c "$query")"
case "$want" in "2 4 "*) ;; *) echo "index_dump_restore: unexpected source state: $want"; exit 1 ;; esac
if [ "$got" != "$want" ]; then
  echo "index_dump_restore: after restore got '$got', expected '$want'"
  exit 1
fi
echo "index_dump_restore: ok ($got)"
