#!/usr/bin/env bash
# refresh_cron: the "Nightly refresh with pg_cron" how-to of doc/refresh.md,
# run for real.  A throwaway cluster with shared_preload_libraries = 'pg_cron'
# (Debian's postgresql-15-cron), CREATE EXTENSION pg_cron, the nightly job of
# the doc (30 2 * * *) plus the same command every minute; waits (<= 75 s)
# until cron.job_run_details shows a succeeded run and nous.refresh_log shows
# the views refreshed by it.  A second job refreshes a group where one view
# fails: pg_cron records that run as failed (fail_on_error, the default), with
# nous's message, and the other view of the group was refreshed all the same.
# Last, the notices of CALL nous.refresh: one per view, then a summary.
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
# database; its jobs connect through the Unix socket (trust), not TCP: the
# same setup as the demo cluster's (scripts/demo.sh), by the same function
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/pg_cron.sh"
nous_cluster_pg_cron "$name" "$db" >/dev/null || fail "pg_cron could not be preloaded"
[ "$(psql -d postgres -tA -c "SHOW shared_preload_libraries")" = pg_cron ] || fail "pg_cron is not preloaded"
# a second call finds the settings in effect and leaves the cluster running
pid="$(nous_as_owner head -1 "$dir/data/postmaster.pid")"
nous_cluster_pg_cron "$name" "$db" >/dev/null
[ "$(nous_as_owner head -1 "$dir/data/postmaster.pid")" = "$pid" ] || fail "nous_cluster_pg_cron restarted a cluster already set up"

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
-- a group where one view fails (division by zero once the data changes)
CREATE TABLE obs.div (d int);
INSERT INTO obs.div VALUES (1);
CREATE MATERIALIZED VIEW obs.ratio AS SELECT 1 / d AS r FROM obs.div;
CREATE MATERIALIZED VIEW obs.count_b AS SELECT count(*) AS n FROM obs.squares;
SELECT nous.refresh_register('obs.ratio', 'broken');
SELECT nous.refresh_register('obs.count_b', 'broken');
UPDATE obs.div SET d = 0;
SELECT cron.schedule('nous-broken', '* * * * *', $$CALL nous.refresh('broken')$$);
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
                              FROM nous.refresh_log WHERE run_id = (SELECT min(run_id) FROM nous.refresh_log WHERE view_group = 'nightly')") $(psql -d "$db" -tA -c "SELECT pop FROM obs.total")"
# 150 squares of 10 inhabitants
[ "$got" = "squares_mv:ok:150,total:ok:1 1500" ] || fail "after the pg_cron run: '$got'"
echo "refresh_cron: ok (pg_cron ran CALL nous.refresh('nightly'): $got)"

# the job of the group with a failing view: pg_cron says failed, with nous's message
st=""
for _ in $(seq 1 75); do
  st="$(psql -d "$db" -tA -c "SELECT d.status || '|' || d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                                WHERE j.jobname = 'nous-broken' AND d.status IN ('failed', 'succeeded') ORDER BY d.runid LIMIT 1")"
  [ -n "$st" ] && break
  sleep 1
done
case "$st" in
  "failed|ERROR:  nous.refresh: 1 of 2 views not refreshed (1 failed, 0 skipped)"*) ;;
  *) psql -d "$db" -c "SELECT jobid, status, return_message FROM cron.job_run_details"
     fail "the job with a failing view: expected status failed with nous's message, got '$st'" ;;
esac
got="$(psql -d "$db" -tA -c "SELECT string_agg(view_name || ':' || outcome || ':' || coalesce(sqlstate, '-'), ',' ORDER BY view_name)
                              FROM nous.refresh_log WHERE run_id = (SELECT min(run_id) FROM nous.refresh_log WHERE view_group = 'broken')")"
[ "$got" = "count_b:ok:-,ratio:failed:22012" ] || fail "the failing run did not refresh what it could: '$got'"
echo "refresh_cron: ok (pg_cron recorded the run with a failing view as failed: ${st%%$'\n'*}; $got)"
psql -d "$db" -c "SELECT cron.unschedule('nous-test'), cron.unschedule('nous-broken')" >/dev/null

# the notices of a run: one per view (name, outcome, rows, seconds), then the summary
out="$("$NOUS_PGBIN/psql" -X -d "$db" -c "CALL nous.refresh('nightly')" 2>&1 >/dev/null | sed -E 's/[0-9]+\.[0-9]{3} s$/N s/; s/run [0-9]+/run R/')"
want="NOTICE:  obs.squares_mv: ok, 150 rows, N s
NOTICE:  obs.total: ok, 1 rows, N s
NOTICE:  nous.refresh run R (group nightly): 2 views, 2 ok, 0 failed, 0 skipped, N s"
[ "$out" = "$want" ] || fail "the notices of CALL nous.refresh: '$out'"
echo "refresh_cron: ok (a notice per view and a summary line)"
