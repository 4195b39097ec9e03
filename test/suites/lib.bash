# test/suites/lib.bash — what the scripted suites share (not a suite itself:
# scripts/test.sh runs test/suites/*.sh).  Each suite starts with
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
#
# It sources scripts/common.sh (set -euo pipefail; NOUS_ROOT; NOUS_PGVER and
# NOUS_PGBIN: the PostgreSQL of the platform, chosen there and nowhere else —
# NOUS_PG=15|17|18, or NOUS_PGBIN for a private tree; say, die,
# nous_cluster_*), then gives:
#
#   suite         the suite's name (its file name without .sh), for messages
#   root, here    the checkout, and test/suites
#   bin           the PostgreSQL bin directory ($NOUS_PGBIN)
#   suite_reference_pg  the major of the host platform (15), where QGIS and
#                 Citus must work; the chroots of newer majors may skip them
#   work          a private temporary directory, removed on exit (under
#                 $suite_tmpdir when the suite sets it before sourcing, else
#                 under $TMPDIR or /tmp)
#   psql ARGS     psql -X -q -v ON_ERROR_STOP=1, with PGOPTIONS set to
#                 $suite_pgoptions when the suite sets it (the dump suites use
#                 "-c extra_float_digits=0")
#   admin ARGS    the same as the superuser: -U postgres
#   psql_raw ARGS psql -X -q as postgres, without ON_ERROR_STOP (the suite
#                 reads the errors itself)
#   suite_db DB…  drop (if it exists) and create each database; they are
#                 dropped again on exit
#   suite_drop_on_exit DB…  drop these (made by the suite itself) on exit
#   suite_db_nous DB…  suite_db, then CREATE EXTENSION nous CASCADE in each
#   suite_dump_dbs NAME  the databases of a dump/restore suite: src=nous_NAME_src
#                 (new, with nous) and dst=nous_NAME_dst (new, empty)
#   suite_dump_setup NAME  suite_dump_dbs NAME, with the psql of the suite
#                 under "-c extra_float_digits=0" (what the dump suites compare)
#   suite_sql DB  run the SQL of stdin in DB, notices off
#                 (client_min_messages = warning), output discarded
#   suite_dump_restore SRC DST  pg_dump -Fc SRC, pg_restore --exit-on-error
#                 into DST (an empty database: suite_db), through $work
#   suite_at_exit CMD  run CMD (a shell string) on exit, in the reverse order
#                 of registration, before the databases are dropped
#
# On exit (success or failure) one EXIT trap runs the suite_at_exit
# commands, drops the suite_db databases (WITH (FORCE)) and removes work.
# NOUS_SUITE_KEEP=1 keeps the databases and work (their names are printed);
# a suite that sets suite_keep_on_failure=1 keeps them when it fails.
# Suites connect to the cluster of scripts/test.sh (PGHOST, PGPORT, PGUSER).

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

suite="$(basename "${BASH_SOURCE[1]:-suite}" .sh)"
root="$NOUS_ROOT"
here="$NOUS_ROOT/test/suites"
bin="$NOUS_PGBIN"
suite_reference_pg=15
work="$(mktemp -d "${suite_tmpdir:-${TMPDIR:-/tmp}}/nous-$suite.XXXXXX")"
suite_pgoptions="${suite_pgoptions:-}"
suite_keep_on_failure="${suite_keep_on_failure:-0}"
suite_dbs=()
suite_exits=()

psql() {
  if [ -n "$suite_pgoptions" ]; then
    PGOPTIONS="$suite_pgoptions" "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"
  else
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 "$@"
  fi
}
admin() { psql -U postgres "$@"; }
psql_raw() { "$bin/psql" -X -q -U "${PGUSER:-postgres}" "$@"; }

suite_at_exit() { suite_exits+=("$1"); }

suite_db() {
  local d
  for d in "$@"; do
    admin -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $d" -c "CREATE DATABASE $d" || return 1
    suite_dbs+=("$d")
  done
}

suite_drop_on_exit() { suite_dbs+=("$@"); }

suite_db_nous() {
  local d
  for d in "$@"; do
    suite_db "$d" || return 1
    psql -d "$d" -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous CASCADE" || return 1
  done
}

suite_dump_dbs() {
  src="nous_$1_src" dst="nous_$1_dst"
  suite_db "$dst" && suite_db_nous "$src"
}

suite_dump_setup() {
  suite_pgoptions="-c extra_float_digits=0"
  suite_dump_dbs "$1"
}

suite_sql() {
  { echo "SET client_min_messages = warning;"; cat; } | psql -d "$1" >/dev/null
}

suite_dump_restore() {
  "$bin/pg_dump" -Fc -d "$1" -f "$work/$1.dump"
  "$bin/pg_restore" --exit-on-error -d "$2" "$work/$1.dump"
}

suite_exit() {
  local rc=$? i d
  set +e
  for ((i = ${#suite_exits[@]} - 1; i >= 0; i--)); do
    eval "${suite_exits[$i]}"
  done
  if [ "${NOUS_SUITE_KEEP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "$suite_keep_on_failure" = 1 ]; }; then
    [ "${#suite_dbs[@]}" -gt 0 ] && echo "$suite: kept the databases ${suite_dbs[*]}"
    echo "$suite: kept $work"
    return
  fi
  for d in "${suite_dbs[@]}"; do
    admin -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1
  done
  rm -rf "$work"
}
trap suite_exit EXIT
