#!/usr/bin/env bash
# upgrade: for every shipped upgrade script sql/nous--A--B.sql, install
# version A from its release tag (vA), ALTER EXTENSION nous UPDATE along the
# chain to the current version, and check that the updated extension has
# exactly the objects of a fresh install (same functions, signatures,
# volatility, parallel safety, comments, views, tables and registry rows).
# Exits 77 (skipped) while no upgrade script exists: 0.1.0 is the first release.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shopt -s nullglob
scripts=("$root"/sql/nous--*--*.sql)
if [ "${#scripts[@]}" -eq 0 ]; then
  echo "upgrade: no upgrade script yet (first release); nothing to test"
  exit 77
fi
bin="${NOUS_PGBIN:-/usr/lib/postgresql/15/bin}"
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
sharedir="$("$bin/pg_config" --sharedir)/extension"
current="$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$root/nous.control")"
# the catalogue of what an install defines, for comparison
describe="SELECT p.oid::regprocedure::text || ' ' || p.provolatile || p.proparallel || p.proisstrict || ' ' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
            FROM pg_proc p WHERE p.pronamespace = 'nous'::regnamespace
          UNION ALL SELECT 'rel ' || c.relname || ' ' || c.relkind FROM pg_class c WHERE c.relnamespace = 'nous'::regnamespace
          UNION ALL SELECT 'method ' || family || ' ' || name || ' ' || function::text FROM nous.method_catalog WHERE builtin
          ORDER BY 1"
status=0
for s in "${scripts[@]}"; do
  from="$(basename "$s" .sql | sed 's/^nous--\(.*\)--.*$/\1/')"
  old="$sharedir/nous--$from.sql"
  if [ ! -f "$old" ]; then
    git -C "$root" show "v$from:sql/nous--$from.sql" >/dev/null 2>&1 \
      || { echo "upgrade: no install script for $from (tag v$from missing)"; status=1; continue; }
    git -C "$root" show "v$from:sql/nous--$from.sql" > "$old"
  fi
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
