#!/usr/bin/env bash
# refresh_readers: readers keep reading while CALL nous.refresh() runs.
# pgbench (several clients) reads a registered materialized view and fails
# (division by zero) if a row is missing or the rows are not all of one
# refresh, while another session loops UPDATE source + CALL nous.refresh().
#   1. concurrent view (unique index): pgbench exit 0, no failed or aborted
#      transaction, every refresh logged ok and concurrent;
#   2. the same on a view without unique index (REFRESH takes an ACCESS
#      EXCLUSIVE lock): readers wait but never error;
#   3. lock_timeout: a session holding a conflicting lock makes the view fail
#      with 55P03 after the timeout, logged, data kept.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
db=nous_refresh_readers
suite_at_exit '[ -n "${locker:-}" ] && kill "$locker" 2>/dev/null || true'
fail() { echo "refresh_readers: FAILED: $*"; exit 1; }

rows=5000
suite_db_nous "$db"
psql -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE SCHEMA rd;
CREATE TABLE rd.src (id int PRIMARY KEY, val bigint NOT NULL);
INSERT INTO rd.src SELECT g, g FROM generate_series(1, $rows) g;
-- every row holds id + (number of updates): one refresh gives one offset
CREATE MATERIALIZED VIEW rd.mv AS SELECT id, val FROM rd.src;
CREATE UNIQUE INDEX ON rd.mv (id);
CREATE MATERIALIZED VIEW rd.mv_plain AS SELECT id, val FROM rd.src;
SELECT nous.refresh_register('rd.mv', 'conc');
SELECT nous.refresh_register('rd.mv_plain', 'plain');
SQL

# reader: a random row must exist; all rows present with a single offset
reader() {  # reader VIEW
  cat <<EOF
\set k random(1, $rows)
SELECT val - id AS off FROM $1 WHERE id = :k \gset
SELECT count(*) AS n, min(val - id) AS lo, max(val - id) AS hi FROM $1 \gset
\if :n != $rows
  SELECT 1 / 0 AS missing_rows;
\elif :lo != :hi
  SELECT 1 / 0 AS mixed_refreshes;
\endif
EOF
}

run_phase() {  # run_phase LABEL VIEW GROUP SECONDS
  local label="$1" view="$2" group="$3" secs="$4" pid rc=0 n=0
  reader "$view" > "$work/$label.sql"
  "$bin/pgbench" -n -c 4 -j 2 -T "$secs" -f "$work/$label.sql" "$db" > "$work/$label.out" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    psql -d "$db" -c "UPDATE rd.src SET val = val + 1" -c "CALL nous.refresh('$group')" >/dev/null
    n=$((n + 1))
  done
  wait "$pid" || rc=$?
  cat "$work/$label.out" | grep -E 'transactions actually processed|failed transactions|aborted|error|ERROR' || true
  [ "$rc" -eq 0 ] || { cat "$work/$label.out"; fail "$label: pgbench exited with $rc"; }
  grep -qiE 'error|aborted' "$work/$label.out" && { cat "$work/$label.out"; fail "$label: pgbench reported errors"; }
  if grep -q 'number of failed transactions' "$work/$label.out"; then
    grep -qE 'number of failed transactions: 0 ' "$work/$label.out" || fail "$label: failed transactions"
  fi
  processed="$(sed -n 's/.*transactions actually processed: \([0-9]*\).*/\1/p' "$work/$label.out")"
  [ "${processed:-0}" -gt 0 ] || fail "$label: no transaction processed"
  [ "$n" -ge 2 ] || fail "$label: only $n refreshes during the run"
  # every refresh of the group is logged ok; the view holds the last update
  got="$(psql -d "$db" -tA -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE outcome = 'ok') || ' ' || bool_and(concurrent)
                                  FROM nous.refresh_log WHERE view_group = '$group'")"
  set -- $got
  [ "$1" -eq "$n" ] && [ "$2" -eq "$n" ] || fail "$label: $n refreshes but the log says '$got'"
  echo "refresh_readers: $label: $processed reads by 4 clients during $n refreshes, all ok (concurrent: $3)"
}
run_phase concurrent rd.mv conc 10
run_phase plain rd.mv_plain plain 5
[ "$(psql -d "$db" -tA -c "SELECT bool_and(concurrent) FROM nous.refresh_log WHERE view_group = 'conc'")" = t ] \
  || fail "the view with a unique index was not refreshed concurrently"
[ "$(psql -d "$db" -tA -c "SELECT bool_or(concurrent) FROM nous.refresh_log WHERE view_group = 'plain'")" = f ] \
  || fail "the view without a unique index was refreshed concurrently"

# lock_timeout: hold a lock that conflicts with REFRESH CONCURRENTLY (EXCLUSIVE)
before="$(psql -d "$db" -tA -c "SELECT sum(val) FROM rd.mv")"
# (LOCK does not take materialized views: a refresh in an open transaction holds the lock)
psql -d "$db" -c "BEGIN" -c "REFRESH MATERIALIZED VIEW CONCURRENTLY rd.mv" -c "SELECT pg_sleep(20)" -c "COMMIT" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 1 50); do
  [ "$(psql -d "$db" -tA -c "SELECT count(*) FROM pg_locks WHERE relation = 'rd.mv'::regclass AND mode = 'ExclusiveLock' AND granted")" = 1 ] && break
  sleep 0.1
done
psql -d "$db" -c "UPDATE rd.src SET val = val + 1"   # new data the failed refresh must not show
t0=$(date +%s)
run="$(psql -d "$db" -tA -c "CALL nous.refresh('conc', lock_timeout => '300 ms', fail_on_error => false)")"
t1=$(date +%s)
kill "$locker" 2>/dev/null || true; wait "$locker" 2>/dev/null || true; locker=""
psql -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND query LIKE '%pg_sleep(20)%'" >/dev/null
got="$(psql -d "$db" -tA -c "SELECT outcome || ' ' || sqlstate FROM nous.refresh_log WHERE run_id = $run")"
after="$(psql -d "$db" -tA -c "SELECT sum(val) FROM rd.mv")"
[ "$got" = "failed 55P03" ] || fail "lock_timeout: expected 'failed 55P03', got '$got'"
[ "$before" = "$after" ] || fail "lock_timeout: the view changed ($before -> $after)"
[ $((t1 - t0)) -le 5 ] || fail "lock_timeout: the call took $((t1 - t0)) s"
echo "refresh_readers: lock_timeout 300 ms: failed 55P03 in $((t1 - t0)) s, data kept"
echo "refresh_readers: ok"
