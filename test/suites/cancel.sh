#!/usr/bin/env bash
# cancel: every heavy function stops soon after it is asked to (issue 13,
# findings 10 and 11).  For each one, a statement runs in the background on
# data large enough to keep it busy for several seconds; after about a second
# a second session sends pg_cancel_backend.  We measure the time from the
# cancel to the error, assert that the error is the cancel's (SQLSTATE 57014,
# never a library's message such as "GEOS isvalid() threw an error!") and
# that it arrived within a generous bound, and print every latency (the goal
# is under one second; the bound only catches a function that does not check
# at all).  statement_timeout is measured the same way: its overshoot.
#
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
# Settings: NOUS_CANCEL_BOUND (seconds, default 5), NOUS_CANCEL_DELAY (seconds
# before the cancel, default 1).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
db=nous_cancel
bound="${NOUS_CANCEL_BOUND:-5}"
delay="${NOUS_CANCEL_DELAY:-1}"

suite_db "$db"
echo "cancel: preparing the data (a few seconds)"
admin -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION nous CASCADE;
SELECT setseed(0.13);
-- 2 million distinct values, as one array
CREATE TABLE c_values AS SELECT array_agg(random() * 1e6) AS a FROM generate_series(1, 2000000);
-- 20,000 points, their 6 nearest neighbours, a value each
CREATE TABLE c_points AS
  SELECT i::bigint AS id, ST_MakePoint(random() * 10000, random() * 10000) AS g, random() AS v
  FROM generate_series(1, 20000) i;
CREATE TABLE c_knn AS SELECT nous.knn(id, g, 6) AS w FROM c_points;
-- 100,000 points for a distance band of about 50 neighbours each
CREATE TABLE c_band AS
  SELECT i::bigint AS id, ST_MakePoint(random() * 10000, random() * 10000) AS g
  FROM generate_series(1, 100000) i;
-- a grid of 300 x 300 squares
CREATE TABLE c_squares AS
  SELECT (i * 1000 + j)::bigint AS id, ST_MakeEnvelope(i, j, i + 1, j + 1) AS g
  FROM generate_series(1, 300) i, generate_series(1, 300) j;
-- 1,500 far-apart discs of 16,000 vertices each: the validity pass is the work
CREATE TABLE c_discs AS
  SELECT i::bigint AS id, ST_Buffer(ST_MakePoint(i * 100, 0), 10, 4000) AS g
  FROM generate_series(1, 1500) i;
-- a flow matrix of 1,500 x 1,500 zones (2.25 million pairs)
CREATE TABLE c_flows AS
  SELECT nous.flow_matrix(o::text, d::text, (o * d % 97 + 1)::float8) AS m
  FROM generate_series(1, 1500) o, generate_series(1, 1500) d;
SQL

failed=0
printf '%-28s %10s  %s\n' "function" "latency" "result"

# verdict NAME LATENCY RESULT [OUT]: one row of the table; a RESULT
# beginning with FAILED counts as a failure and shows OUT (the psql output)
verdict() {
  printf '%-28s %9.3fs  %s\n' "$1" "$2" "$3"
  case "$3" in
    FAILED*)
      [ -n "${4:-}" ] && sed 's/^/    /' "$4"
      failed=$((failed + 1)) ;;
  esac
}

# judge NAME LATENCY OUT ERROR WHAT SLOW OK: FAILED when OUT does not show
# ERROR ("not the WHAT's error") or when LATENCY is above $bound ("SLOW
# ${bound}s"); else OK
judge() {
  if ! grep -q "$4" "$3"; then
    verdict "$1" "$2" "FAILED: not the $5's error" "$3"
  elif awk -v l="$2" -v b="$bound" 'BEGIN {exit !(l > b)}'; then
    verdict "$1" "$2" "FAILED: $6 ${bound}s"
  else
    verdict "$1" "$2" "$7"
  fi
}

# measure NAME SQL: run SQL in the background, cancel it after $delay s,
# print the latency from the cancel to the error
measure() {
  local name="$1" sql="$2" how="${3:-cancel}" app="nous_cancel_$1" out="$work/$1.out" pid bg t0 t1 lat i
  PGAPPNAME="$app" "$bin/psql" -X -q -U postgres -d "$db" -v VERBOSITY=verbose >"$out" 2>&1 <<SQL &
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '1GB';
$sql;
SQL
  bg=$!
  sleep "$delay"
  pid=""
  for i in $(seq 1 50); do
    pid=$(admin -d postgres -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND state = 'active' AND query NOT LIKE 'SET %'" | head -1)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  if [ -z "$pid" ]; then
    wait "$bg" || true
    printf '%-28s %10s  %s\n' "$name" "-" "FAILED: finished before the cancel (make the data larger)"
    sed 's/^/    /' "$out"
    failed=$((failed + 1))
    return
  fi
  t0=$(date +%s.%N)
  admin -d postgres -At -c "SELECT pg_${how}_backend($pid)" >/dev/null
  wait "$bg" || true
  t1=$(date +%s.%N)
  lat=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
  if [ "$how" = terminate ]; then
    if ! grep -q "terminating connection due to administrator command" "$out"; then
      verdict "$name" "$lat" "FAILED: not the termination's error" "$out"
    else
      verdict "$name" "$lat" "57P01 (terminated)"
    fi
  else
    judge "$name" "$lat" "$out" "ERROR:  57014: canceling statement due to user request" \
      cancel "slower than" 57014
  fi
}

# PostgreSQL's own latency, for reference: the floor of these measures
measure pg_sleep_reference "SELECT pg_sleep(30)"
measure breaks_fisher \
  "SELECT array_length(nous.breaks_fisher(a, 7), 1) FROM c_values, generate_series(1, 20)"
measure breaks_aggregate \
  "SELECT nous.breaks(x, 7) FROM c_values, unnest(a) AS x, generate_series(1, 20) AS r GROUP BY r"
measure local_moran \
  "SELECT count(*) FROM (SELECT unnest(nous.local_moran((SELECT w FROM c_knn), id, v, 'permutations=99999')) FROM c_points) s"
measure local_g \
  "SELECT count(*) FROM (SELECT unnest(nous.local_g((SELECT w FROM c_knn), id, v, 'permutations=99999')) FROM c_points) s"
measure contiguity_queen \
  "SELECT nous.link_count(nous.contiguity(id, g)) FROM c_squares, generate_series(1, 20) AS r GROUP BY r"
measure contiguity_rook \
  "SELECT nous.link_count(nous.contiguity(id, g, 'rook')) FROM c_squares, generate_series(1, 20) AS r GROUP BY r"
measure contiguity_validity \
  "SELECT nous.link_count(nous.contiguity(id, g)) FROM c_discs, generate_series(1, 20) AS r GROUP BY r"
measure distance_band \
  "SELECT nous.link_count(nous.distance_band(id, g, 130)) FROM c_band, generate_series(1, 20) AS r GROUP BY r"
measure flow_summary \
  "SELECT (nous.flow_summary(m)).gini FROM c_flows, generate_series(1, 20)"

# statement_timeout: the overshoot past the timeout
for t in breaks_fisher local_moran; do
  case "$t" in
    breaks_fisher) sql="SELECT array_length(nous.breaks_fisher(a, 7), 1) FROM c_values, generate_series(1, 20)" ;;
    local_moran) sql="SELECT count(*) FROM (SELECT unnest(nous.local_moran((SELECT w FROM c_knn), id, v, 'permutations=99999')) FROM c_points) s" ;;
  esac
  out="$work/timeout_$t.out"
  t0=$(date +%s.%N)
  "$bin/psql" -X -q -U postgres -d "$db" -v VERBOSITY=verbose >"$out" 2>&1 <<SQL || true
SET max_parallel_workers_per_gather = 0;
SET work_mem = '1GB';
SET statement_timeout = '1s';
$sql;
SQL
  t1=$(date +%s.%N)
  lat=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a - 1}')
  name="timeout_$t"
  judge "$name" "$lat" "$out" "ERROR:  57014: canceling statement due to statement timeout" \
    timeout "overshoot above" "57014 (overshoot past 1 s)"
done

# an interrupted CALL nous.refresh leaves a trace (issue 13, finding 13): the
# run shows as interrupted with the views it did not refresh, which
# nous.refresh_last marks stale, and the next run records it; once by a
# cancel, once by a terminated backend
admin -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA ct;
CREATE MATERIALIZED VIEW ct.fast AS SELECT 1 AS x;
CREATE MATERIALIZED VIEW ct.slow AS SELECT x FROM ct.fast, pg_sleep(30) WITH NO DATA;
CREATE MATERIALIZED VIEW ct.after AS SELECT count(*) AS n FROM ct.slow WITH NO DATA;
SELECT nous.refresh_register('ct.fast', 'ct');
SELECT nous.refresh_register('ct.slow', 'ct');
SELECT nous.refresh_register('ct.after', 'ct');
SQL
for how in cancel terminate; do
  measure "refresh_$how" "CALL nous.refresh('ct')" "$how"
  got="$(admin -d "$db" -At -c "SELECT outcome || ' ' || array_to_string(not_refreshed, ',') FROM nous.refresh_run_status WHERE run_id = (SELECT max(run_id) FROM nous.refresh_runs)")"
  stale="$(admin -d "$db" -At -c "SELECT string_agg(view_name, ',' ORDER BY view_name) FROM nous.refresh_last WHERE stale")"
  if [ "$got" = "interrupted ct.slow,ct.after" ] && [ "$stale" = "after,slow" ]; then
    printf '%-28s %10s  %s\n' "refresh_${how}_trace" "-" "interrupted, not refreshed: ct.slow, ct.after (stale)"
  else
    printf '%-28s %10s  %s\n' "refresh_${how}_trace" "-" "FAILED: run '$got', stale views '$stale'"
    failed=$((failed + 1))
  fi
done
# the next run records the interruptions (the second run already recorded
# the first one)
admin -d "$db" -c "UPDATE nous.refresh_views SET enabled = false WHERE view_name <> 'fast'" >/dev/null
note="$(admin -d "$db" -c "CALL nous.refresh('ct')" 2>&1 | grep -c 'NOTICE:  refresh run [0-9]* was interrupted before its end' || true)"
recorded="$(admin -d "$db" -At -c "SELECT count(*) FILTER (WHERE outcome = 'interrupted' AND not_refreshed = '{ct.slow,ct.after}') || ' ' || count(*) FILTER (WHERE outcome = 'done') FROM nous.refresh_runs")"
if [ "$note" = 1 ] && [ "$recorded" = "2 1" ]; then
  printf '%-28s %10s  %s\n' "refresh_next_run" "-" "both interrupted runs recorded, the last one reported"
else
  printf '%-28s %10s  %s\n' "refresh_next_run" "-" "FAILED: $note notices, $recorded runs recorded as interrupted"
  failed=$((failed + 1))
fi

if [ "$failed" -gt 0 ]; then
  echo "cancel: $failed failed"
  exit 1
fi
echo "cancel: every heavy function stopped within ${bound}s of the cancel"
