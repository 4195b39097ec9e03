#!/usr/bin/env bash
# test/bench/r_compare.sh — nous against R on the same data (issue 6): a
# benchmark, never a pass/fail test.
#
#  (a) natural breaks: nous.breaks(v, 7, 'fisher') against R classInt
#      classIntervals(x, 7, style = "fisher", largeN = n + 1) (every value, no
#      sampling) on n deterministic log-normal incomes, for growing n until
#      classInt takes more than a minute; breaks compared to 1e-9.
#  (b) LISA: nous.local_moran(w, id, v, 'permutations=999, seed=1') against
#      spdep localmoran_perm(v, nb2listw(cell2nb(224, 224, "queen")), nsim = 999,
#      iseed = 1) on a 224 x 224 grid of 200 m squares (50,176 areas, queen
#      contiguity); weights and Ii compared (1e-9).
#
# Both sides run on one core (R is single-threaded here; nous with
# max_parallel_workers_per_gather = 0).  nous times: median of
# EXPLAIN (ANALYZE, TIMING OFF) after a warm-up; R times: system.time, once.
#
#   NOUS_RCOMPARE_SIZES  sizes for (a) (default "5000 20000 50000 100000 200000")
#   NOUS_RCOMPARE_LIMIT  stop growing n once classInt takes more (s; default 60)
#   NOUS_RCOMPARE_REPS   timed nous repetitions (default 5 for (a), 3 for (b))
#   NOUS_RCOMPARE_PORT   port of its own cluster 'rcompare' (default 5496)
#   NOUS_NO_APT=1        never call apt-get (missing R packages are an error)
# Installs r-cran-classint and r-cran-spdep if missing; uses the installed nous
# (run `make install` first).  Output saved under .nous/bench/.
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/common.sh"

sizes="${NOUS_RCOMPARE_SIZES:-5000 20000 50000 100000 200000}"
limit="${NOUS_RCOMPARE_LIMIT:-60}"
reps="${NOUS_RCOMPARE_REPS:-5}"
lisa_reps="${NOUS_RCOMPARE_REPS:-3}"
port="${NOUS_RCOMPARE_PORT:-5496}"
side=224            # grid side: 224 x 224 = 50,176 areas
rscript="$NOUS_ROOT/test/bench/r_compare.R"
t_start=$(date +%s)

NOUS_PACKAGES=(r-cran-classint r-cran-spdep)
nous_install_deps
command -v Rscript >/dev/null || die "Rscript not found (Debian r-base-core)"
Rscript -e 'suppressPackageStartupMessages({library(classInt); library(spdep)})' \
  || die "R packages classInt and spdep do not load"

nous_cluster_start rcompare "$port" fast
export PGDATABASE=nous_rcompare PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
nous_psql -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'nous_rcompare'" | grep -q 1 \
  || nous_psql -d postgres -c "CREATE DATABASE nous_rcompare"
nous_psql -c "SET client_min_messages = warning; DROP TABLE IF EXISTS rc_w; DROP EXTENSION IF EXISTS nous; CREATE EXTENSION nous CASCADE"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# median_ms SQL REPS — median execution time (ms) of REPS runs after a warm-up
median_ms() {
  local sql="$1" n="$2" i
  {
    echo "SET max_parallel_workers_per_gather = 0;"
    for i in $(seq 0 "$n"); do echo "EXPLAIN (ANALYZE, TIMING OFF) $sql;"; done
  } | nous_psql -tA -f - | sed -n 's/^Execution Time: \([0-9.]*\) ms$/\1/p' | tail -n +2 \
    | sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# kv KEY LINE — the value of KEY in a line of key=value pairs
kv() { sed -E "s/(^|.* )$1=([^ ]*).*/\2/" <<<"$2"; }

# ---------------------------------------------------------------- (a) breaks
max_n=0
for n in $sizes; do [ "$n" -gt "$max_n" ] && max_n=$n; done
say "(a) natural breaks: $max_n log-normal incomes (a / 2^20, exact in SQL and R)"
# u = hashint8extended in [0, 1) (as test/gen/generate.sql), Box-Muller, median 20,000
nous_psql <<SQL
DROP TABLE IF EXISTS rc_income;
CREATE TABLE rc_income AS
SELECT i, a, a / 1048576.0::float8 AS v
  FROM generate_series(1, $max_n) i,
       LATERAL (SELECT (((hashint8extended(i, 1) >> 11) & 9007199254740991)::float8 + 0.5) / 9007199254740992.0 AS u1,
                       (((hashint8extended(i, 2) >> 11) & 9007199254740991)::float8) / 9007199254740992.0 AS u2) u,
       LATERAL (SELECT round(exp(ln(20000) + 0.6 * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)) * 1048576)::bigint AS a) x;
VACUUM ANALYZE rc_income;
SQL

fisher_rows=()
stopped=""
for n in $sizes; do
  if [ -n "$stopped" ]; then
    fisher_rows+=("$n|not run (classInt took over ${limit} s at $stopped)|||")
    continue
  fi
  nous_psql -c "DROP TABLE IF EXISTS rc_fisher" -c "CREATE TABLE rc_fisher AS SELECT v FROM rc_income WHERE i <= $n" -c "VACUUM ANALYZE rc_fisher"
  nous_psql -tAc "COPY (SELECT a FROM rc_income WHERE i <= $n ORDER BY i) TO STDOUT" >"$tmp/values.txt"
  nous_psql -tAc "SELECT nous.breaks(v, 7, 'fisher') FROM rc_fisher" >"$tmp/breaks.txt"
  nous_ms="$(median_ms "SELECT nous.breaks(v, 7, 'fisher') FROM rc_fisher" "$reps")"
  say "n = $n: nous $nous_ms ms; classInt running"
  line="$(Rscript "$rscript" fisher "$tmp/values.txt" "$n" "$tmp/breaks.txt")"
  echo "    $line"
  secs="$(kv secs "$line")" same="$(kv identical "$line")"
  form="$(kv form "$line")" classint_v="$(kv classint "$line")"
  ratio="$(awk -v s="$secs" -v m="$nous_ms" 'BEGIN {printf "%.0f", s * 1000 / m}')"
  [ "$form" = - ] && form=""
  fisher_rows+=("$n|$secs|$nous_ms|$ratio|$same${form:+ ($form)}")
  if awk -v s="$secs" -v l="$limit" 'BEGIN {exit !(s > l)}'; then stopped="$n"; fi
done

# ------------------------------------------------------------------ (b) LISA
say "(b) LISA: ${side} x ${side} grid of 200 m squares ($((side * side)) areas)"
# a smooth field plus N(0, 3^2) noise, rounded to a / 2^20 (exact both sides)
nous_psql <<SQL
DROP TABLE IF EXISTS rc_grid, rc_w;
CREATE TABLE rc_grid AS
SELECT (r * $side + c + 1)::bigint AS id,
       public.ST_MakeEnvelope(c * 200, r * 200, c * 200 + 200, r * 200 + 200, 2154) AS geom,
       a, a / 1048576.0::float8 AS v
  FROM generate_series(0, $side - 1) r, generate_series(0, $side - 1) c,
       LATERAL (SELECT (((hashint8extended(r * $side + c + 1, 3) >> 11) & 9007199254740991)::float8 + 0.5) / 9007199254740992.0 AS u1,
                       (((hashint8extended(r * $side + c + 1, 4) >> 11) & 9007199254740991)::float8) / 9007199254740992.0 AS u2) u,
       LATERAL (SELECT round((10 * sin(c / 15.0) * cos(r / 20.0) + 4.0 * (r + c) / $side
                              + 3 * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)) * 1048576)::bigint AS a) x;
VACUUM ANALYZE rc_grid;
SQL
w_ms="$(median_ms "SELECT nous.contiguity(id, geom) FROM rc_grid" 1)"
nous_psql -c "CREATE TABLE rc_w AS SELECT nous.contiguity(id, geom) AS w FROM rc_grid"
lisa_sql="SELECT nous.local_moran((SELECT w FROM rc_w), id, v, 'permutations=999, seed=1') FROM rc_grid"
lisa_ms="$(median_ms "$lisa_sql" "$lisa_reps")"
say "nous: contiguity $w_ms ms, local_moran $lisa_ms ms; spdep running"
nous_psql -tAc "COPY (SELECT id, a FROM rc_grid ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)" >"$tmp/grid.csv"
nous_psql -tAc "COPY (SELECT from_id, to_id FROM nous.neighbours((SELECT w FROM rc_w))) TO STDOUT WITH (FORMAT csv, HEADER)" >"$tmp/links.csv"
nous_psql -tAc "COPY (SELECT l.id, l.ii, l.p_permutation
                        FROM (SELECT (unnest(nous.local_moran((SELECT w FROM rc_w), id, v, 'permutations=999, seed=1'))).*
                                FROM rc_grid) l ORDER BY l.id) TO STDOUT WITH (FORMAT csv, HEADER)" >"$tmp/lisa.csv"
lline="$(Rscript "$rscript" lisa "$tmp/grid.csv" "$tmp/links.csv" "$tmp/lisa.csv" "$side" "$side")"
echo "    $lline"
get() { kv "$1" "$lline"; }
spdep_s="$(get secs)"
lisa_ratio="$(awk -v s="$spdep_s" -v m="$lisa_ms" 'BEGIN {printf "%.1f", s * 1000 / m}')"
target="$(awk -v r="$lisa_ratio" 'BEGIN {print (r >= 10) ? "met" : "NOT met"}')"

# -------------------------------------------------------------------- summary
nous_v="$(nous_psql -tAc "SELECT nous.version()")"
mkdir -p "$NOUS_STATE/bench"
out="$NOUS_STATE/bench/rcompare-$(date +%Y%m%d-%H%M%S).txt"
{
  echo
  echo "nous $nous_v against R $(Rscript -e 'cat(format(getRversion()))') (classInt $classint_v, spdep $(get spdep)), $(nproc) cores, $(date -u +%F), one core each side"
  echo
  echo "(a) natural breaks, k = 7: classIntervals(x, 7, style = \"fisher\", largeN = n + 1) vs nous.breaks(v, 7, 'fisher')"
  {
    echo "n|classInt s|nous ms|ratio|identical breaks"
    printf '%s\n' "${fisher_rows[@]}"
  } | column -t -s '|' -o ' | '
  echo
  echo "(b) LISA, $((side * side)) areas (${side} x ${side} queen grid), 999 permutations"
  {
    echo "step|nous s|R s|ratio|identical"
    awk -v w="$w_ms" -v r="$(get weights_secs)" -v s="$(get same_links)" -v l="$(get links)" \
      'BEGIN {printf "queen weights (contiguity / cell2nb+nb2listw)|%.2f|%.2f|%.1f|%s (%d links)\n", w / 1000, r, r * 1000 / w, s, l}'
    awk -v m="$lisa_ms" -v s="$spdep_s" -v i="$(get identical)" -v x="$(get maxrel)" \
      'BEGIN {printf "local_moran vs localmoran_perm|%.2f|%.2f|%.1f|Ii %s (max rel diff %s)\n", m / 1000, s, s * 1000 / m, i, x}'
  } | column -t -s '|' -o ' | '
  echo "areas with pseudo p <= 0.05: nous $(get sig_nous), spdep $(get sig_spdep) (Pr(folded) Sim; random streams differ)"
  echo
  echo "summary: LISA nous ${lisa_ratio}x faster than spdep (target >= 10x: $target);"
  echo "         classInt limit ${limit} s; whole run $(( $(date +%s) - t_start )) s"
} | tee "$out"
say "saved to $out"
nous_cluster_stop rcompare
