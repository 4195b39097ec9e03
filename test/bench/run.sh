#!/usr/bin/env bash
# test/bench/run.sh — `make bench`: generate data at a chosen scale, run every
# benchmark case of test/bench/cases/*.sql several times in one session and
# print: case, rows, nous median, plain-SQL median, scan-floor median, and the
# ratios plain/nous (higher is better) and nous/floor (lower is better).
#
#   NOUS_BENCH_SCALE  number of EPCI generated (default 100; national: 1250)
#   NOUS_BENCH_REPS   timed repetitions per query (default 5)
#   NOUS_BENCH_ONLY   a module name or a regular expression on case names
# No benchmark is a pass/fail test.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

scale="${NOUS_BENCH_SCALE:-100}"
reps="${NOUS_BENCH_REPS:-5}"
only="${NOUS_BENCH_ONLY:-}"
seed=42

nous_install_deps
nous_build
nous_cluster_start bench "${NOUS_BENCH_PORT:-5497}" fast
export PGDATABASE=nous_bench
nous_psql -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'nous_bench'" | grep -q 1 \
  || nous_psql -d postgres -c "CREATE DATABASE nous_bench"
nous_psql -c "SET client_min_messages = warning; DROP SCHEMA IF EXISTS nous_bench CASCADE; DROP EXTENSION IF EXISTS nous; CREATE EXTENSION nous CASCADE"

have="$(nous_psql -tAc "SELECT to_regclass('public.nous_bench_data') IS NOT NULL" )"
current=""
[ "$have" = t ] && current="$(nous_psql -tAc "SELECT scale || '/' || seed || '/' || coalesce(to_jsonb(d) ->> 'geometry', 'off') FROM public.nous_bench_data d")"
if [ "$current" != "$scale/$seed/on" ]; then
  # square polygons are needed by the contiguity and LISA cases
  say "generating data: scale $scale (EPCI), seed $seed, with square geometry"
  start=$(date +%s)
  nous_psql -v scale="$scale" -v seed="$seed" -v geometry=on -v households=off \
    -f "$NOUS_ROOT/test/gen/generate.sql" >/dev/null
  nous_psql -c "DROP TABLE IF EXISTS public.nous_bench_data;
                CREATE TABLE public.nous_bench_data AS SELECT $scale AS scale, $seed AS seed, 'on'::text AS geometry"
  say "generated in $(( $(date +%s) - start )) s"
fi

nous_psql -f "$NOUS_ROOT/test/bench/harness.sql" >/dev/null
for f in "$NOUS_ROOT"/test/bench/cases/*.sql; do
  nous_psql -f "$f" >/dev/null
done
mkdir -p "$NOUS_STATE/bench"
out="$NOUS_STATE/bench/results-$(date +%Y%m%d-%H%M%S).txt"
say "running $(nous_psql -tAc "SELECT count(*) FROM nous_bench.cases") cases, $reps repetitions each"
{
  echo "nous $(nous_psql -tAc "SELECT nous.version()") benchmark, scale $scale EPCI, $reps reps, $(nproc) cores, $(date -u +%F)"
  "$NOUS_PGBIN/psql" -X -q -P footer=off -c "SELECT name AS \"case\", rows, nous_ms AS \"nous ms\",
        plain_ms AS \"plain SQL ms\", floor_ms AS \"scan floor ms\",
        plain_over_nous AS \"plain/nous\", nous_over_floor AS \"nous/floor\"
   FROM nous_bench.run($reps, NULLIF('$only', ''))"
} | tee "$out"
say "saved to $out"
