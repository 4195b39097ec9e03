#!/usr/bin/env bash
# scripts/demo.sh — the README's main command.
#
# Installs what nous needs (Debian packages), builds and installs nous, starts
# the project's own PostgreSQL 15 cluster (data under .nous/demo, port 5499),
# creates the database nous_demo, generates the demo agglomeration, computes
# what nous computes and prints the report, then leaves the cluster running
# and says how to connect (psql, QGIS) and how to stop it.  Safe to run again:
# the demo database is rebuilt from scratch each time.
#
#   NOUS_PORT        port of the demo cluster (default 5499)
#   NOUS_DEMO_SCALE  number of EPCI to generate (default 1: one agglomeration)
#   NOUS_DEMO_SEED   generator seed (default 42)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

port="${NOUS_PORT:-5499}"
scale="${NOUS_DEMO_SCALE:-1}"
seed="${NOUS_DEMO_SEED:-42}"
db=nous_demo
# a login role for desktop tools (QGIS, Metabase): it reads the demo data
role=nous
password=nous

nous_install_deps
nous_build
nous_cluster_start demo "$port"

say "creating database $db"
nous_psql -d postgres <<SQL
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN;
  END IF;
END \$\$;
ALTER ROLE $role PASSWORD '$password';
DROP DATABASE IF EXISTS $db WITH (FORCE);
CREATE DATABASE $db OWNER $role;
SQL
export PGDATABASE="$db"
nous_psql -c "SET client_min_messages = warning; CREATE EXTENSION nous CASCADE"

say "generating the demo agglomeration (scale $scale, seed $seed)"
nous_psql -v scale="$scale" -v seed="$seed" -f "$NOUS_ROOT/test/gen/generate.sql" >/dev/null
nous_psql <<SQL
GRANT USAGE ON SCHEMA nous_demo TO $role;
GRANT SELECT ON ALL TABLES IN SCHEMA nous_demo TO $role;
SQL

mkdir -p "$NOUS_STATE/demo"
report="$NOUS_STATE/demo/report.txt"
say "computing the indicators"
{
  echo "nous $(nous_psql -tAc "SELECT nous.version()") — demo report ($(date -u '+%F %H:%M UTC'))"
  echo "Data: the project's generated agglomeration (test/gen/generate.sql, scale $scale, seed $seed):"
  echo "fictional places, not real statistics."
  for f in "$NOUS_ROOT"/scripts/report/*.sql; do
    echo
    "$NOUS_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -P footer=off -f "$f"
  done
} | tee "$report"

# the real-data observatory, when ../shared/data is beside the checkout
shared_data="$(cd "$NOUS_ROOT/.." && pwd)/shared/data"
if [ -d "$shared_data" ]; then
  say "building the real-data observatory from $shared_data"
  { echo; bash "$NOUS_ROOT/scripts/observatory.sh" "$shared_data"; } | tee -a "$report"
  nous_psql <<SQL
GRANT USAGE ON SCHEMA nous_obs TO $role;
GRANT SELECT ON ALL TABLES IN SCHEMA nous_obs TO $role;
SQL
fi

cat <<EOF2

==============================================================================
 nous is running.  The cluster stays up until you stop it.

 psql:   psql -h localhost -p $port -U $role -d $db        (password: $role)
         or, as root:  bash scripts/cluster.sh psql
 QGIS:   Layer > Data Source Manager > PostgreSQL > New
           Host localhost · Port $port · Database $db
           Authentication: Basic, user $role, password $password
         then open schema nous_demo (communes, iris, qpv, squares …)
         and, with ../shared/data, schema nous_obs (qpv_fragility, commune_flows, flow_lines …)
 Report: $report
 Stop:   bash scripts/cluster.sh stop          (start again: bash scripts/cluster.sh start)
==============================================================================
EOF2
