#!/usr/bin/env bash
# scripts/test.sh — the README's test command: the matrix of platforms, then
# on each platform every suite.
#
# The platforms: the host (PostgreSQL 15, Debian 12) first, then one Debian
# chroot per newer major (17: trixie, 18: sid; scripts/chroot.sh builds and
# caches them).  NOUS_PG=15|17|18 runs one platform.  Each platform's run
# ends with its own "N passed, N failed[, N skipped]" line; this script prints
# a summary per platform, then one line summing them all, and exits non-zero
# on any failure.  In each chroot the checkout and ../shared are copied to
# /work/nous and /work/shared and this same script runs there with
# NOUS_PLATFORM_INNER=1 (it then runs its own platform only):
#
#   1. install the Debian packages nous needs, build with -Werror, install;
#   2. unit tests of src/core (ASan + UBSan), one program per module;
#   3. a fresh throwaway cluster; pg_regress suites of test/sql;
#   4. the suites that read ../shared (data and oracles): shared_*.sql;
#      they must run in CI (CI=true): a missing ../shared is a failure there;
#   5. the scripted suites test/suites/*.sh (dump/restore, upgrade …); each
#      counts as one test, unless it writes "PASSED FAILED" to the file
#      $NOUS_SUITE_COUNTS (the README suite counts one test per SQL block);
#      exit 77 means "nothing to test yet" (skipped).
# Ends with the line "N passed, N failed" and exits non-zero on any failure.
if [ "${NOUS_PLATFORM_INNER:-}" != 1 ]; then
  exec bash "$(dirname "${BASH_SOURCE[0]}")/matrix.sh" "$@"
fi
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

passed=0
failed=0
skipped=0
failures=()
count() {  # count PASSED FAILED LABEL...
  passed=$((passed + $1)); failed=$((failed + $2))
  [ "$2" -gt 0 ] && failures+=("$3")
  return 0
}

nous_install_deps
nous_print_versions
make -C "$NOUS_ROOT" -s clean
nous_build

# ---- 2. unit tests
say "unit tests of src/core"
unit_log="$NOUS_STATE/unit.log"
mkdir -p "$NOUS_STATE"
set +e
make -C "$NOUS_ROOT" -s -j2 unit >"$unit_log" 2>&1
unit_rc=$?
set -e
cat "$unit_log"
read -r up uf < <(awk '/: [0-9]+ passed, [0-9]+ failed$/ {p += $(NF-3); f += $(NF-1)} END {print p+0, f+0}' "$unit_log")
if [ "$unit_rc" -ne 0 ] && [ "$uf" -eq 0 ]; then uf=1; fi   # a crash or a build error
count "$up" "$uf" "unit tests (see $unit_log)"

# ---- 3. and 4. pg_regress
nous_cluster_destroy test
nous_cluster_start test "${NOUS_TEST_PORT:-5498}" fast
trap 'nous_cluster_stop test >/dev/null 2>&1 || true' EXIT

PG_REGRESS="$(dirname "$("$NOUS_PGBIN/pg_config" --pgxs)")/../test/regress/pg_regress"
cd "$NOUS_ROOT"
mapfile -t all_tests < <(ls test/sql/*.sql | xargs -n1 basename | sed 's/\.sql$//' | sort)
regress=() shared=()
for t in "${all_tests[@]}"; do
  case "$t" in shared_*) shared+=("$t") ;; *) regress+=("$t") ;; esac
done

run_regress() {  # run_regress LABEL TESTS...
  # --outputdir=. : pg_regress 15 reads ./expected/NAME.out (and ./sql/NAME.sql
  # before test/sql/NAME.sql: no test may share a name with a file of sql/)
  local label="$1"; shift
  local keep="$NOUS_STATE/results-$label" log rc p f
  rm -rf "$keep" results regression.diffs regression.out; mkdir -p "$keep"
  log="$keep/pg_regress.log"
  set +e
  "$PG_REGRESS" --inputdir=test --outputdir=. --bindir="$NOUS_PGBIN" \
    --host="$PGHOST" --port="$PGPORT" --user=postgres \
    --dbname="nous_$label" "$@" >"$log" 2>&1
  rc=$?
  set -e
  cat "$log"
  # pg_regress 15 prints "test NAME ... ok"; 16 and later print TAP lines
  # ("ok 8 - NAME", "not ok 7 - NAME", "+" for a parallel group)
  p=$(grep -cE '\.\.\. +ok|^ok +[0-9]+ +[-+] ' "$log" || true)
  f=$(grep -cE '\.\.\. +FAILED|\.\.\. +failed|^not ok +[0-9]+ +[-+] ' "$log" || true)
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  cp -r results regression.* "$keep/" 2>/dev/null || true
  [ "$f" -gt 0 ] && [ -f regression.diffs ] && head -300 regression.diffs
  count "$p" "$f" "pg_regress $label (diffs: $keep/regression.diffs)"
}

say "regression suites: ${regress[*]}"
run_regress regress "${regress[@]}"

SHARED_DIR="$(cd "$NOUS_ROOT/.." && pwd)/shared"
if [ -d "$SHARED_DIR/data" ] && [ -d "$SHARED_DIR/oracles" ]; then
  say "suites on ../shared: ${shared[*]}"
  export NOUS_SHARED="$SHARED_DIR"
  # the server reads the files (COPY FROM): it runs as postgres; when the
  # checkout sits where postgres cannot read (e.g. under /root), the suites
  # read a private copy beside the test cluster (outside the project tree)
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -r "$SHARED_DIR/data/SOURCES.md"; then
    copy="$(dirname "$(nous_cluster_dir test)")/shared"
    say "the postgres user cannot read $SHARED_DIR: the suites read a copy in $copy"
    rm -rf "$copy"
    cp -r "$SHARED_DIR" "$copy"
    chown -R postgres:postgres "$copy"
    runuser -u postgres -- test -r "$copy/data/SOURCES.md" || die "the postgres user cannot read $copy"
    export NOUS_SHARED="$copy"
  fi
  [ "${#shared[@]}" -gt 0 ] && run_regress shared "${shared[@]}"
elif [ "${CI:-}" = true ]; then
  echo "CI=true but $SHARED_DIR is missing: the suites on shared data cannot be skipped"
  count 0 1 "../shared missing in CI"
else
  echo "note: $SHARED_DIR not found: skipping ${#shared[@]} suites on shared data (they run in CI)"
fi

# ---- 5. scripted suites
for s in test/suites/*.sh; do
  [ -e "$s" ] || continue
  say "suite $s"
  # a suite that counts its own tests writes "PASSED FAILED" to this file
  # (test/suites/readme.sh: one test per SQL block of the manual)
  export NOUS_SUITE_COUNTS="$NOUS_STATE/suite_counts"
  rm -f "$NOUS_SUITE_COUNTS"
  set +e
  bash "$s"
  rc=$?
  set -e
  if [ -s "$NOUS_SUITE_COUNTS" ] && [ "$rc" -ne 77 ]; then
    read -r sp sf <"$NOUS_SUITE_COUNTS"
    # a suite that fails without counting a failure still fails once
    [ "$rc" -ne 0 ] && [ "$sf" -eq 0 ] && sf=1
    count "$sp" "$sf" "$s"
  elif [ "$rc" -eq 0 ]; then count 1 0 "$s"
  elif [ "$rc" -eq 77 ]; then skipped=$((skipped + 1))   # nothing to test yet
  else count 0 1 "$s"; fi
done

nous_cluster_stop test >/dev/null
echo
if [ "${#failures[@]}" -gt 0 ]; then
  echo "failures:"
  printf '  %s\n' "${failures[@]}"
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
