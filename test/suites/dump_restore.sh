#!/usr/bin/env bash
# dump_restore: pg_dump a database that uses nous (a user-registered method,
# a table and a materialized view calling nous functions), restore it into a
# new database, and check that everything works there: user registrations are
# restored once, built-ins are not duplicated, the view refreshes.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
set -euo pipefail
bin="${NOUS_PGBIN:-/usr/lib/postgresql/15/bin}"
psql() { PGOPTIONS="-c extra_float_digits=0" "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
src=nous_dump_src dst=nous_dump_dst
work="$(mktemp -d)"
trap 'rm -rf "$work"; psql -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1 || true' EXIT

psql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"
psql -d "$src" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION nous CASCADE;
CREATE SCHEMA obs;
CREATE FUNCTION obs.share(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg(x * 100 / (SELECT sum(y) FROM unnest(v) y) ORDER BY i) FROM unnest(v) WITH ORDINALITY t(x, i) $$;
SELECT nous.register_method('normalisation', 'share', 'obs.share(float8[])', 'share of the total');
CREATE TABLE obs.iris (code text PRIMARY KEY, rate float8);
INSERT INTO obs.iris VALUES ('A', 1), ('B', 3), ('C', 4);
CREATE MATERIALIZED VIEW obs.iris_norm AS
  SELECT v.codes, nous.normalise(v.rates, 'share') AS share, nous.normalise(v.rates, 'minmax') AS minmax
    FROM (SELECT array_agg(code ORDER BY code) codes, array_agg(rate ORDER BY code) rates FROM obs.iris) v;
SQL
"$bin/pg_dump" -Fc -d "$src" -f "$work/db.dump"
"$bin/pg_restore" --exit-on-error -d "$dst" "$work/db.dump"

got="$(psql -d "$dst" -tA <<'SQL'
REFRESH MATERIALIZED VIEW obs.iris_norm;
SELECT (SELECT count(*) FROM nous.methods WHERE NOT builtin) || ' ' ||
       (SELECT count(*) FROM nous.methods WHERE builtin) || ' ' ||
       (SELECT count(*) FROM nous.methods WHERE name = 'zscore') || ' ' ||
       (SELECT share::text || minmax::text FROM obs.iris_norm);
SQL
)"
want="$(psql -d "$src" -tA -c "SELECT (SELECT count(*) FROM nous.methods WHERE NOT builtin) || ' ' || (SELECT count(*) FROM nous.methods WHERE builtin) || ' 1 ' || (SELECT share::text || minmax::text FROM obs.iris_norm)")"
# by hand: share of 1 3 4 (total 8) = 12.5 37.5 50; min-max = 0 66.67 100
case "$want" in "1 "*" 1 {12.5,37.5,50}{0,66.6666666666667,100}") ;; *) echo "dump_restore: unexpected source state: $want"; exit 1 ;; esac
if [ "$got" != "$want" ]; then
  echo "dump_restore: after restore got '$got', expected '$want'"
  exit 1
fi
echo "dump_restore: ok ($got)"
