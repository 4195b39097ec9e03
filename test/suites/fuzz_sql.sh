#!/usr/bin/env bash
# fuzz_sql: call every function and aggregate of schema nous with edge-case
# arguments (test/suites/fuzz_sql.sql: NULLs, empty / NULL-holding /
# multidimensional / non-1-based arrays, NaN, ±Infinity, huge and negative
# numbers, long text, malformed jsonb parameters and method specifications,
# empty / mixed-SRID / invalid geometries, corrupt text and binary forms of
# nous.flows, nous.mixpairs, nous.mixcounts and nous.weights, aggregates in
# parallel plans), each call in its own subtransaction.  Deterministic (fixed
# seeds).  Fails when the server crashes (connection lost: the crashing call
# is then replayed and printed) or when a call raises an SQLSTATE of class XX
# (an internal error: elog where ereport belongs); prints the SQLSTATE
# classes seen.  Runs against the test cluster (PGHOST/PGPORT/PGUSER set by
# scripts/test.sh) in a database of its own, in about a minute.
# Environment: NOUS_FUZZ_SEED (other draws), NOUS_FUZZ_ONLY_C=1 (C functions
# and aggregates only, e.g. under valgrind), NOUS_FUZZ_TIMEOUT (per target,
# default 30s), NOUS_FUZZ_DB, NOUS_FUZZ_KEEP=1 (keep the database and the
# work directory: fz.result holds every call, its SQLSTATE and time).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
set +e   # this suite reads every exit status itself
db="${NOUS_FUZZ_DB:-nous_fuzz_sql}"
[ -n "${NOUS_FUZZ_KEEP:-}" ] && NOUS_SUITE_KEEP=1
suite_db "$db" >/dev/null || exit 1
psql_raw -d "$db" -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" \
  -c "CREATE EXTENSION nous CASCADE" >/dev/null || exit 1
psql_raw -d "$db" -v ON_ERROR_STOP=1 -f "$here/fuzz_sql.sql" >/dev/null || exit 1

# one statement per target, so that a timeout loses one target only
# NOUS_FUZZ_ONLY_C=1: the C functions and the aggregates only (for slow runs
# under valgrind)
only_c="true"
[ -n "${NOUS_FUZZ_ONLY_C:-}" ] && only_c="lang = 'c' OR prokind IN ('a', 'w')"
psql_raw -d "$db" -At -c "SELECT oid, sig, prokind FROM fz.target WHERE $only_c ORDER BY sig" >"$work/targets" || exit 1
{
  echo "SET statement_timeout = '${NOUS_FUZZ_TIMEOUT:-30s}';"
  # NOUS_FUZZ_SEED: other draws (the default, empty, is what CI runs)
  echo "SET fz.seed = '${NOUS_FUZZ_SEED:-}';"
  echo "\\echo corrupt"
  echo "SELECT fz.run_corrupt();"
  echo "\\echo recv"
  echo "SELECT fz.run_recv();"
  while IFS='|' read -r oid sig kind; do
    echo "\\echo target $oid $sig"
    echo "SELECT fz.run($oid);"
    if [ "$kind" = a ]; then
      echo "\\echo parallel $oid $sig"
      echo "SELECT fz.run_par($oid);"
    fi
  done <"$work/targets"
} >"$work/script.sql"

start=$(date +%s)
psql_raw -d "$db" -At -f "$work/script.sql" >"$work/log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
fail=0
if [ "$rc" -eq 2 ] || grep -q "server closed the connection\|connection to server was lost\|no connection to the server" "$work/log"; then
  fail=1
  last=$(grep '^corrupt$\|^recv$\|^target \|^parallel ' "$work/log" | tail -1)
  echo "fuzz_sql: the server crashed during: $last"
  for _ in $(seq 1 60); do "$bin/pg_isready" -q && break; sleep 1; done
  sleep 2
  if [ "$last" = corrupt ]; then replay="SELECT fz.run_corrupt(true)"
  elif [ "$last" = recv ]; then replay="SELECT fz.run_recv(true)"
  elif [ "${last%% *}" = parallel ]; then replay="SELECT fz.run_par($(echo "$last" | awk '{print $2}'), true)"
  else replay="SELECT fz.run($(echo "$last" | awk '{print $2}'), true)"; fi
  # replay it, printing each call before it runs: the last one printed crashed
  psql_raw -d "$db" -At -c "$replay" 2>&1 | grep 'fz call:' | tail -1 | sed 's/^/crashing call: /'
else
  if grep -v 'statement timeout' "$work/log" | grep -q 'ERROR'; then
    fail=1
    grep -v 'statement timeout' "$work/log" | grep 'ERROR' | sort | uniq -c | head -20 | sed 's/^/fuzz_sql: driver error: /'
  fi
  grep -B2 'canceling statement due to statement timeout' "$work/log" | grep '^target\|^parallel' \
    | sed 's/^/fuzz_sql: timeout (calls of this target cut short): /'
fi

psql_raw -d "$db" -At -F ' ' -c "SELECT count(*) || ' calls of ' || count(DISTINCT fn) || ' functions in $secs s' FROM fz.result" \
  | sed 's/^/fuzz_sql: /'
psql_raw -d "$db" -At -F ' ' -c "SELECT 'class ' || left(sqlstate, 2) || ': ' || count(*) FROM fz.result GROUP BY left(sqlstate, 2) ORDER BY 1" \
  | sed 's/^/fuzz_sql:   /'
xx=$(psql_raw -d "$db" -At -c "SELECT count(*) FROM fz.result WHERE sqlstate LIKE 'XX%'")
if [ "${xx:-0}" != 0 ]; then
  fail=1
  echo "fuzz_sql: $xx calls raised an SQLSTATE of class XX (internal error):"
  psql_raw -d "$db" -At -F ' | ' -c "SELECT DISTINCT ON (fn, message) fn, sqlstate, message, left(call, 400) FROM fz.result WHERE sqlstate LIKE 'XX%' ORDER BY fn, message, length(call)"
fi
[ "$fail" -eq 0 ] && echo "fuzz_sql: ok"
exit "$fail"
