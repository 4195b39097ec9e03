#!/usr/bin/env bash
# scripts/cluster.sh — manage the project's local PostgreSQL clusters.
#   bash scripts/cluster.sh stop     [demo|test|bench]   stop a cluster (default demo)
#   bash scripts/cluster.sh start    [demo|test|bench]   start it again
#   bash scripts/cluster.sh status   [demo|test|bench]
#   bash scripts/cluster.sh psql     [demo] [psql args]  open psql on the demo database
#   bash scripts/cluster.sh destroy  [demo|test|bench]   stop and delete its data
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cmd="${1:-status}"; name="${2:-demo}"
case "$name" in
  demo) var=NOUS_PORT default=5499 ;;
  test) var=NOUS_TEST_PORT default=5498 ;;
  bench) var=NOUS_BENCH_PORT default=5497 ;;
  *) die "unknown cluster '$name' (demo, test or bench)" ;;
esac
dir="$(nous_cluster_dir "$name")"
# the port: $var when set, else the one the cluster was last started on
recorded="$(nous_as_owner cat "$dir/data/nous_port.conf" 2>/dev/null | sed 's/[^0-9]//g' || true)"
port="${!var:-${recorded:-$default}}"
case "$cmd" in
  start) nous_cluster_start "$name" "$port" ;;
  stop) nous_cluster_stop "$name" ;;
  destroy) nous_cluster_destroy "$name"; say "cluster '$name' deleted" ;;
  status) nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" status || true ;;
  psql) shift 2 || true
        exec "$NOUS_PGBIN/psql" -h "$dir/run" -p "$port" -U postgres -d nous_demo "$@" ;;
  *) die "unknown command '$cmd' (start, stop, status, psql, destroy)" ;;
esac
