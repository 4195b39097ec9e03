#!/usr/bin/env bash
# upgrade: for every upgrade sql/upgrade/A--B/, install released version A
# (sql/released/nous--A.sql, installed by make), ALTER EXTENSION nous UPDATE along the
# chain to the current version, and check that the updated extension has
# exactly the objects of a fresh install (same functions, signatures,
# volatility, parallel safety, comments, views, tables and registry rows).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shopt -s nullglob
scripts=("$root"/sql/upgrade/*--*)
[ "${#scripts[@]}" -gt 0 ] || { echo "upgrade: no upgrade in sql/upgrade"; exit 1; }
bin="${NOUS_PGBIN:-/usr/lib/postgresql/15/bin}"
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
sharedir="$("$bin/pg_config" --sharedir)/extension"
current="$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$root/nous.control")"
# the catalogue of what an install defines, for comparison
describe="SELECT p.oid::regprocedure::text || ' ' || p.provolatile::text || p.proparallel::text || p.proisstrict::text || ' ' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
            FROM pg_proc p WHERE p.pronamespace = 'nous'::regnamespace
          UNION ALL SELECT 'rel ' || c.relname || ' ' || c.relkind::text FROM pg_class c WHERE c.relnamespace = 'nous'::regnamespace
          UNION ALL SELECT 'method ' || family || ' ' || name || ' ' || function::text FROM nous.method_catalog WHERE builtin
          ORDER BY 1"
status=0
for s in "${scripts[@]}"; do
  from="$(basename "$s" | sed 's/--.*$//')"
  for f in "$sharedir/nous--$from.sql" "$sharedir/nous--$(basename "$s").sql"; do
    [ -f "$f" ] || { echo "upgrade: $f is not installed (make install)"; status=1; continue 2; }
  done
  psql -d postgres -c "DROP DATABASE IF EXISTS nous_up" -c "DROP DATABASE IF EXISTS nous_fresh" \
       -c "CREATE DATABASE nous_up" -c "CREATE DATABASE nous_fresh"
  psql -d nous_up -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous VERSION '$from' CASCADE" -c "ALTER EXTENSION nous UPDATE TO '$current'"
  psql -d nous_fresh -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous CASCADE"
  if ! diff <(psql -d nous_up -tAc "$describe") <(psql -d nous_fresh -tAc "$describe"); then
    echo "upgrade: $from -> $current differs from a fresh $current install (above)"
    status=1
  else
    echo "upgrade: $from -> $current matches a fresh install"
  fi
done
psql -d postgres -c "DROP DATABASE IF EXISTS nous_up" -c "DROP DATABASE IF EXISTS nous_fresh"
exit $status
