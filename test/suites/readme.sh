#!/usr/bin/env bash
# readme: the manual is a test.  Every ```sql block of README.md and
# doc/*.md runs, in file order, against its fixture (the demo database by
# default) and what psql prints must equal the `-- result` lines written
# under its statements; the convention is in README.md ("The manual is a
# test") and test/suites/readme/doctest.py.  One test per block: the counts
# go to scripts/test.sh through $NOUS_SUITE_COUNTS.
#
# Runs in a throwaway cluster of its own (roles are cluster-wide: the
# examples create some), listening on a Unix socket only (no TCP port to
# collide with), durability off; needs nous installed for $NOUS_PGBIN (as
# scripts/test.sh does).  NOUS_DOC_EXTERNAL=1 uses the cluster of
# PGHOST/PGPORT/PGUSER instead.
#   bash test/suites/readme.sh [--bless] [--keep] [FILE ...]
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"
if [ "${NOUS_DOC_EXTERNAL:-}" != 1 ]; then
  dir="$(nous_cluster_dir "readme.$$")"   # one per run: runs may overlap
  cleanup() {
    nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" -w -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
  }
  cleanup
  mkdir -p "$dir/run"
  [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
  trap cleanup EXIT
  nous_as_owner "$NOUS_PGBIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; echo "readme: initdb failed"; exit 1; }
  printf '%s\n' "listen_addresses = ''" "unix_socket_directories = '$dir/run'" "port = 5432" \
    "fsync = off" "synchronous_commit = off" "full_page_writes = off" "lc_messages = 'C'" \
    | nous_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
  nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" -w -t 60 start -l "$dir/server.log" >/dev/null \
    || { tail -20 "$dir/server.log"; echo "readme: the cluster did not start"; exit 1; }
  export PGHOST="$dir/run" PGPORT=5432 PGUSER=postgres
fi
python3 "$NOUS_ROOT/test/suites/readme/doctest.py" "$@"
