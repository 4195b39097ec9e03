#!/usr/bin/env bash
# refresh_cron: the "Nightly refresh with pg_cron" how-to of doc/refresh.md,
# run for real.  A throwaway cluster with shared_preload_libraries = 'pg_cron'
# (Debian's postgresql-15-cron), CREATE EXTENSION pg_cron, the nightly job of
# the doc (30 2 * * *) plus the same command every minute; waits (<= 75 s)
# until cron.job_run_details shows a succeeded run and nous.refresh_log shows
# the views refreshed by it.
# Port: NOUS_CRON_PORT, default NOUS_TEST_PORT + 10 (5508).  Exits 77
# (skipped) when pg_cron is not installed, except in CI (CI=true) where that
# is a failure.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
fail() { echo "refresh_cron: FAILED: $*"; exit 1; }

if [ ! -f "$("$NOUS_PGBIN/pg_config" --pkglibdir)/pg_cron.so" ]; then
  if [ "${CI:-}" = true ]; then
    fail "pg_cron is not installed for $NOUS_PGBIN (Debian package postgresql-$NOUS_PGVER-cron) and CI=true"
  fi
  echo "refresh_cron: pg_cron is not installed (postgresql-$NOUS_PGVER-cron): skipped"
  exit 77
fi

name=refresh_cron
port="${NOUS_CRON_PORT:-$(( ${NOUS_TEST_PORT:-5498} + 10 ))}"
dir="$(nous_cluster_dir "$name")"
suite_at_exit 'nous_cluster_destroy "$name" >/dev/null 2>&1 || true'
nous_cluster_destroy "$name" >/dev/null
nous_cluster_start "$name" "$port" fast >/dev/null
db=nous_cron
psql -d postgres -c "CREATE DATABASE $db"
# pg_cron runs in the postmaster (shared_preload_libraries) and works in one
# database; its jobs connect through the Unix socket (trust), not TCP
printf '%s\n' "shared_preload_libraries = 'pg_cron'" "cron.database_name = '$db'" "cron.host = '$dir/run'" \
  | nous_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
nous_as_owner "$NOUS_PGBIN/pg_ctl" -D "$dir/data" -w -t 60 restart -l "$dir/server.log" >/dev/null \
  || { tail -20 "$dir/server.log"; fail "the cluster did not restart with pg_cron"; }

psql -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION nous CASCADE;
CREATE EXTENSION pg_cron;
CREATE SCHEMA obs;
CREATE TABLE obs.squares (id int PRIMARY KEY, pop int);
INSERT INTO obs.squares SELECT g, 10 FROM generate_series(1, 100) g;
CREATE MATERIALIZED VIEW obs.squares_mv AS SELECT id, pop FROM obs.squares;
CREATE UNIQUE INDEX ON obs.squares_mv (id);
CREATE MATERIALIZED VIEW obs.total AS SELECT sum(pop) AS pop FROM obs.squares_mv;
SELECT nous.refresh_register('obs.squares_mv', 'nightly');
SELECT nous.refresh_register('obs.total', 'nightly');
-- new data that only a refresh shows
INSERT INTO obs.squares SELECT g, 10 FROM generate_series(101, 150) g;
-- the example of doc/refresh.md: every night at 02:30 (cron.timezone, GMT by default)
SELECT cron.schedule('nous-nightly', '30 2 * * *', $$CALL nous.refresh('nightly')$$);
-- the same command every minute, for this test
SELECT cron.schedule('nous-test', '* * * * *', $$CALL nous.refresh('nightly')$$);
SQL
[ "$(psql -d "$db" -tA -c "SELECT schedule || ' ' || command FROM cron.job WHERE jobname = 'nous-nightly'")" = "30 2 * * * CALL nous.refresh('nightly')" ] \
  || fail "the nightly job is not scheduled as documented"

ok=""
for _ in $(seq 1 75); do
  ok="$(psql -d "$db" -tA -c "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                                WHERE j.jobname = 'nous-test' AND d.status = 'succeeded'")"
  [ "$ok" -ge 1 ] && break
  sleep 1
done
if [ "$ok" -lt 1 ]; then
  psql -d "$db" -c "SELECT jobid, status, return_message FROM cron.job_run_details"
  tail -20 "$dir/server.log"
  fail "no succeeded run of the pg_cron job within 75 s"
fi
got="$(psql -d "$db" -tA -c "SELECT string_agg(view_name || ':' || outcome || ':' || row_count, ',' ORDER BY ordinal)
                              FROM nous.refresh_log WHERE run_id = (SELECT min(run_id) FROM nous.refresh_log)") $(psql -d "$db" -tA -c "SELECT pop FROM obs.total")"
# 150 squares of 10 inhabitants
[ "$got" = "squares_mv:ok:150,total:ok:1 1500" ] || fail "after the pg_cron run: '$got'"
echo "refresh_cron: ok (pg_cron ran CALL nous.refresh('nightly'): $got)"
