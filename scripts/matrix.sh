#!/usr/bin/env bash
# scripts/matrix.sh — the platform matrix of scripts/test.sh (which runs it):
# the host (PostgreSQL 15) first, then the chroots of scripts/chroot.sh
# (17: Debian 13 trixie, 18: Debian unstable), or the one platform NOUS_PG
# names.  Each platform runs scripts/test.sh with NOUS_PLATFORM_INNER=1 and
# ends with its "N passed, N failed[, N skipped]" line; this prints a summary
# per platform and one line summing them, and exits non-zero on any failure.
#
# Settings: NOUS_PG (15, 17 or 18: one platform), NOUS_CHROOT_PORT (first of
# the ports of the clusters inside the chroots, default 5513: 17 uses 5513-5515,
# 18 uses 5516-5518; the chroots share the host's network), NOUS_STATE (logs in
# $NOUS_STATE/matrix/), NOUS_CHROOT_CACHE (see scripts/chroot.sh).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${NOUS_STATE:-$ROOT/.nous}"
LOGS="$STATE/matrix"
mkdir -p "$LOGS"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ -n "${NOUS_PG:-}" ]; then
  case "$NOUS_PG" in 15|17|18) platforms=("$NOUS_PG") ;;
    *) echo "nous: NOUS_PG must be 15, 17 or 18 (got '$NOUS_PG')" >&2; exit 2 ;; esac
else
  platforms=(15 17 18)
fi

platform_name() {
  case "$1" in
    15) echo "Debian 12 bookworm (host)" ;;
    17) echo "Debian 13 trixie (chroot)" ;;
    18) echo "Debian unstable sid (chroot)" ;;
  esac
}

# copy the checkout (tracked and untracked files that git does not ignore,
# as they are in the working tree) and ../shared into the chroot R
copy_into() {
  local r="$1" shared
  rm -rf "$r/work"
  mkdir -p "$r/work/nous" "$r/work/shared"
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
       | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
       | tar --null -T - -cf -) | tar -C "$r/work/nous" -xf -
  else
    tar -C "$ROOT" --exclude=./.nous --exclude=./.git -cf - . | tar -C "$r/work/nous" -xf -
  fi
  if [ -d "$ROOT/../shared" ]; then
    shared="$(cd "$ROOT/../shared" && pwd -P)"
    cp -a "$shared/." "$r/work/shared/"
  else
    rmdir "$r/work/shared"
  fi
  chmod -R a+rX "$r/work"
}

run_platform() {  # run_platform PG: the platform's whole run, on stdout
  local v="$1" r base
  if [ "$v" = 15 ]; then
    NOUS_PLATFORM_INNER=1 NOUS_PG=15 bash "$ROOT/scripts/test.sh"
    return
  fi
  say "PostgreSQL $v: the chroot of $(platform_name "$v")"
  r="$(bash "$ROOT/scripts/chroot.sh" ensure "$v")" || {
    echo "the chroot of PostgreSQL $v could not be built:"; tail -40 "$LOGS/chroot-pg$v.log" 2>/dev/null; return 1; }
  cat "$r/var/log/nous-packages.txt" >"$LOGS/packages-pg$v.txt"
  echo "chroot: $r"
  copy_into "$r"
  base="${NOUS_CHROOT_PORT:-5513}"
  [ "$v" = 18 ] && base=$((base + 3))
  bash "$ROOT/scripts/chroot.sh" run "$v" env NOUS_PLATFORM_INNER=1 NOUS_PG="$v" CI="${CI:-}" \
    NOUS_TEST_PORT="$base" NOUS_CRON_PORT=$((base + 1)) NOUS_PORT=$((base + 2)) \
    NOUS_BENCH_PORT="${NOUS_CHROOT_BENCH_PORT:-5519}" \
    ${NOUS_FUZZ_SECONDS:+NOUS_FUZZ_SECONDS="$NOUS_FUZZ_SECONDS"} \
    bash /work/nous/scripts/test.sh
  local rc=$?
  # keep the platform's results (diffs, logs) beside the host's
  rm -rf "${LOGS:?}/pg$v"; mkdir -p "$LOGS/pg$v"
  cp -r "$r/work/nous/.nous/"results-* "$r/work/nous/.nous/unit.log" "$LOGS/pg$v/" 2>/dev/null || true
  return "$rc"
}

# chroots not yet built start building now, in the background, while the host
# runs (the later "ensure" waits on the build's lock)
for v in "${platforms[@]}"; do
  [ "$v" = 15 ] && continue
  if [ ! -d "$(bash "$ROOT/scripts/chroot.sh" path "$v")" ]; then
    say "building the chroot of PostgreSQL $v in the background (log: $LOGS/chroot-pg$v.log)"
    bash "$ROOT/scripts/chroot.sh" ensure "$v" >"$LOGS/chroot-pg$v.log" 2>&1 &
    sleep 1   # let it take its lock
  fi
done

total_p=0 total_f=0 total_s=0
summary=()
t_all=$(date +%s)
for v in "${platforms[@]}"; do
  log="$LOGS/pg$v.log"
  t0=$(date +%s)
  say "platform PostgreSQL $v: $(platform_name "$v") (log: $log)"
  run_platform "$v" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  secs=$(( $(date +%s) - t0 ))
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -1)"
  p=0 f=0 s=0 note=""
  if [ -n "$line" ]; then
    read -r p f s < <(echo "$line" | sed -E 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/')
    s="${s:-0}"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; note=" (exit $rc with no failure counted: counted as one)"; fi
  else
    f=1; note=" (no closing line: the run broke off, exit $rc)"
  fi
  total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + s))
  vers="$(sed -n 's/^  PostgreSQL: PostgreSQL \([0-9.]*\).*/PG \1/p; s/^  PostGIS: *\(.*\)/PostGIS \1/p; s/^  ICU: *\(.*\)/ICU \1/p; s/^  compiler: *\(.*\)/\1/p' "$log" | paste -sd, - | sed 's/,/, /g')"
  summary+=("$(printf 'PostgreSQL %s on %-30s %4d passed, %d failed, %d skipped in %ds%s' "$v" "$(platform_name "$v"):" "$p" "$f" "$s" "$secs" "$note")")
  summary+=("    [$vers]")
done

echo
say "summary per platform (total $(( $(date +%s) - t_all ))s)"
printf '  %s\n' "${summary[@]}"
echo
if [ "$total_s" -gt 0 ]; then
  echo "$total_p passed, $total_f failed, $total_s skipped"
else
  echo "$total_p passed, $total_f failed"
fi
[ "$total_f" -eq 0 ]
