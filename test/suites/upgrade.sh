#!/usr/bin/env bash
# upgrade: every released version updates to the current one, and the result
# is the same as a fresh install.  For each released install script
# sql/released/nous--X.sql (installed by make beside the upgrade scripts):
#
#   A (nous_up):    CREATE EXTENSION nous VERSION 'X' CASCADE; user data of
#                   every kind nous stores (upgrade/data.sql); snapshot of the
#                   stored data (upgrade/stored.sql); ALTER EXTENSION nous
#                   UPDATE; the same snapshot again; the catalogue
#                   (upgrade/catalog.sql) and what the functions compute on the
#                   stored data (upgrade/probe.sql);
#   B (nous_fresh): CREATE EXTENSION nous CASCADE (current version); the same
#                   data; the same snapshot, catalogue and computations.
#
# Checks: catalogue A = catalogue B (functions with signatures, volatility,
# strictness, parallel safety, security definer, proconfig, comments, return
# types; aggregates; types and their I/O; casts; operators; tables, views and
# columns with types, defaults, constraints, indexes, triggers; ACLs and
# initial privileges; comments; membership; configuration dump; the rows the
# extension ships); stored data in A before the update = after the update = B;
# computations in A after the update = B.  Prints a diff on any mismatch
# (and the full definitions of functions or views whose bodies differ).
# Works with any PostgreSQL of NOUS_PGBIN; needs the cluster of scripts/test.sh
# (PGHOST, PGPORT, PGUSER).  Keeps its outputs in $NOUS_STATE/upgrade/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
suite_keep_on_failure=1   # the databases of a failed run stay for a look
here="$root/test/suites/upgrade"
sharedir="$("$bin/pg_config" --sharedir)/extension"
current="$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$root/nous.control")"
out="${NOUS_STATE:-$root/.nous}/upgrade"
rm -rf "$out"; mkdir -p "$out"

shopt -s nullglob
released=()
for f in "$root"/sql/released/nous--*.sql; do
  v="$(basename "$f" .sql)"; v="${v#nous--}"
  [ "$v" != "$current" ] && released+=("$v")
done
[ "${#released[@]}" -gt 0 ] || { echo "upgrade: no released version in sql/released"; exit 1; }

status=0
fail() { echo "upgrade: FAILED: $*"; status=1; }

# compare NAME FILE_A FILE_B: diff, with the definitions of differing bodies
compare() {
  local what="$1" a="$2" b="$3" dba="${4:-}" dbb="${5:-}" n
  if diff -q "$a" "$b" >/dev/null; then
    echo "upgrade: $what: same ($(wc -l <"$a") lines)"
    return 0
  fi
  n=$(diff "$a" "$b" | grep -c '^[<>]' || true)
  fail "$what: $n lines differ (< $(basename "$a")  > $(basename "$b"))"
  { diff -u "$a" "$b" || true; } | head -200
  [ -n "$dba" ] || return 0
  # the full text of each function or view whose body differs
  { diff "$a" "$b" || true; } | sed -n 's/^[<>] body \(.*\) \(md5\|symbol\)=.*/function \1/p; s/^[<>] viewdef \(.*\) md5=.*/view \1/p' \
    | sort -u | head -10 | while read -r kind obj; do
      local q
      if [ "$kind" = function ]; then
        q="SELECT coalesce((SELECT pg_get_functiondef(p.oid) FROM pg_proc p WHERE p.oid::regprocedure::text = '$obj'), '(absent)')"
      else
        q="SELECT coalesce((SELECT pg_get_viewdef(c.oid, true) FROM pg_class c WHERE c.oid::regclass::text = '$obj'), '(absent)')"
      fi
      echo "---- $kind $obj: $dba vs $dbb"
      diff -u --label "$dba" --label "$dbb" \
        <(psql -d "$dba" -tAc "SET search_path = pg_catalog" -c "$q") \
        <(psql -d "$dbb" -tAc "SET search_path = pg_catalog" -c "$q") | head -80 || true
    done
  return 0
}

for from in "${released[@]}"; do
  for f in "$sharedir/nous--$from.sql" "$sharedir/nous--$current.sql"; do
    [ -f "$f" ] || { fail "$f is not installed (make install)"; continue 2; }
  done
  echo "upgrade: $from -> $current (PostgreSQL $("$bin/pg_config" --version | sed 's/^PostgreSQL //'))"
  d="$out/$from"; mkdir -p "$d"
  suite_db nous_up nous_fresh

  # A: the released version, its data, the update
  psql -d nous_up -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous VERSION '$from' CASCADE"
  psql -d nous_up -o /dev/null -f "$here/data.sql"
  psql -d nous_up -f "$here/stored.sql" >"$d/stored-$from.txt"
  if ! psql -d nous_up -c "ALTER EXTENSION nous UPDATE" >"$d/update.log" 2>&1; then
    cat "$d/update.log"; fail "ALTER EXTENSION nous UPDATE from $from"; continue
  fi
  got="$(psql -d nous_up -tAc "SELECT extversion FROM pg_extension WHERE extname = 'nous'")"
  [ "$got" = "$current" ] || { fail "after the update from $from the version is $got, not $current"; continue; }
  psql -d nous_up -f "$here/stored.sql" >"$d/stored-updated.txt"
  psql -d nous_up -f "$here/catalog.sql" >"$d/catalog-updated.txt"
  psql -d nous_up -f "$here/probe.sql" >"$d/probe-updated.txt"

  # B: a fresh install of the current version with the same data
  psql -d nous_fresh -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous CASCADE"
  psql -d nous_fresh -o /dev/null -f "$here/data.sql"
  psql -d nous_fresh -f "$here/stored.sql" >"$d/stored-fresh.txt"
  psql -d nous_fresh -f "$here/catalog.sql" >"$d/catalog-fresh.txt"
  psql -d nous_fresh -f "$here/probe.sql" >"$d/probe-fresh.txt"

  # sanity: the outputs hold what they should (a broken query prints nothing)
  for k in "function " "aggregate " "type nous.flows " "relation nous.method_catalog " "member " "row nous.method_catalog "; do
    grep -q "^$k" "$d/catalog-fresh.txt" || fail "the catalogue has no line '$k…' (see $d/catalog-fresh.txt)"
  done
  for k in "value 1 a f={" "binary 1 f=" "method normalisation twice" "index_definition " "refresh_view " "map 1 " "mv_flows a "; do
    grep -q "^$k" "$d/stored-fresh.txt" || fail "the stored data has no line '$k…' (see $d/stored-fresh.txt)"
  done
  for k in "call nous.dissimilarity" "aggregate nous.merge" "moran (" "index_compute up_user " "refresh_now up.mv_seg "; do
    grep -q "^$k" "$d/probe-fresh.txt" || fail "the computations have no line '$k…' (see $d/probe-fresh.txt)"
  done

  compare "catalogue of $from updated = fresh $current" "$d/catalog-updated.txt" "$d/catalog-fresh.txt" nous_up nous_fresh
  compare "stored data of $from unchanged by the update" "$d/stored-$from.txt" "$d/stored-updated.txt"
  # the map views were generated by nous.create_map_view of the version that
  # made them: their definitions and column comments stay as that version
  # wrote them (checked above: unchanged by the update); their rows and
  # legends must equal a fresh install's
  generated='^user_(column|relation) up\.map_cells'
  grep -Ev "$generated" "$d/stored-updated.txt" >"$d/stored-updated-data.txt"
  grep -Ev "$generated" "$d/stored-fresh.txt" >"$d/stored-fresh-data.txt"
  compare "stored data of $from updated = fresh $current (map view definitions aside)" "$d/stored-updated-data.txt" "$d/stored-fresh-data.txt"
  compare "computations on $from data updated = fresh $current" "$d/probe-updated.txt" "$d/probe-fresh.txt"
done
[ "$status" -eq 0 ] && echo "upgrade: every released version updates to $current as a fresh install (outputs in $out)"
exit $status
