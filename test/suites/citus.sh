#!/usr/bin/env bash
# citus: nous on a Citus 13.0.5 cluster (a coordinator and two workers on
# loopback ports, started here and stopped on exit, failure included).
#
# Data from test/gen/generate.sql (scale 3: ~5,400 squares, ~25,000 moves),
# identical in schema loc (plain tables) and schema dist (distributed by
# epci_code).  For EVERY aggregate of schema nous (from pg_aggregate; each
# needs a query in test/citus/cases.sql):
#   (a) the result on dist equals the result on loc (numbers to 1e-12
#       relative: Citus adds the workers' partial float sums in another order),
#       over all rows, grouped by a non-distribution column g, grouped by
#       epci_code (errors must be the same error on both sides);
#   (b) the plan (EXPLAIN VERBOSE): storable state -> partial aggregation
#       (worker_partial_agg / coord_combine_agg) over all rows and by g;
#       internal state -> Citus gathers the rows on the coordinator (listed:
#       the aggregates issue 14 must still convert); by epci_code -> pushed
#       down whole to the workers, whatever the state;
#   (c) the storable types in distributed columns: a rollup (one row per EPCI
#       and year) inserted, read back, literals inserted from the coordinator,
#       and merged by the merge aggregates to the single-node result;
#   (d) a user method registered on the coordinator, used by a pushed-down
#       query: nous.citus_sync_methods() copies it to the workers.
# Skips (exit 77) where Citus 13.0.5 cannot be built (PostgreSQL 18, whose
# version its configure refuses; a failed build on 16 or 17); fails when it
# does not build on PostgreSQL 15.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
source "$root/scripts/citus.sh"
t_start=$(date +%s)

if ! reason="$(citus_supported)"; then
  echo "citus: skipped: $reason"
  exit 77
fi
if ! citus_install; then
  # PostgreSQL 15 is the reference: there a failed build is a failure; on a
  # newer minor release of 16 or 17 Citus 13.0.5 may no longer compile
  if [ "$(citus_pgmajor)" != "$suite_reference_pg" ]; then
    echo "citus: skipped: Citus $NOUS_CITUS_VERSION did not build against $("$NOUS_PGBIN/pg_config" --version) (see the log above)"
    exit 77
  fi
  echo "citus: FAIL: Citus $NOUS_CITUS_VERSION did not build against PostgreSQL $suite_reference_pg (the reference platform)"
  exit 1
fi

NOUS_CITUS_PORT="${NOUS_CITUS_PORT:-5583}"
NOUS_CITUS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/nous-citus-test.XXXXXX")"
# NOUS_CITUS_KEEP=1 leaves the cluster running (to look into a failure)
if [ "${NOUS_CITUS_KEEP:-0}" = 1 ]; then
  suite_at_exit 'echo "citus: the cluster is left running in $NOUS_CITUS_DIR (coordinator port $NOUS_CITUS_PORT)"'
else
  suite_at_exit 'citus_cluster_stop remove'
fi
citus_cluster_start
db=nous_citus
citus_create_db "$db"
q() { citus_psql 0 -d "$db" "$@"; }
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous CASCADE"
# the extension reached the workers (Citus propagates it)
for n in 1 2; do
  v="$(citus_psql $n -d "$db" -tAc "SELECT extversion FROM pg_extension WHERE extname = 'nous'")"
  [ -n "$v" ] || { echo "citus: nous is not installed on worker $n"; exit 1; }
done
t_ready=$(date +%s)

# ---- data: the generator on the coordinator (its schemas stay local)
PGOPTIONS="-c citus.enable_ddl_propagation=off" q -v scale=3 -v seed=42 -f "$root/test/gen/generate.sql" >/dev/null
q -f "$root/test/citus/setup.sql"
q -f "$root/test/citus/harness.sql"
q -c "SET citus.enable_ddl_propagation = off" -f "$root/test/citus/cases.sql"
q -tA -c "SELECT 'rows: ' || string_agg(t || ' ' || n, ', ') FROM (VALUES
  ('squares', (SELECT count(*) FROM dist.squares)), ('moves', (SELECT count(*) FROM dist.moves)),
  ('iris', (SELECT count(*) FROM dist.iris)), ('applications', (SELECT count(*) FROM dist.applications)),
  ('allocations', (SELECT count(*) FROM dist.allocations)), ('rollup', (SELECT count(*) FROM dist.rollup))) v(t, n)"
t_data=$(date +%s)

status=0
fail() { echo "citus: FAIL: $*"; status=1; }

# ---- every aggregate has a case
missing="$(q -tA -c "SELECT string_agg(a.aggfnoid::regprocedure::text, ', ' ORDER BY 1)
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'nous'::regnamespace
   AND a.aggfnoid::regprocedure::text NOT IN (SELECT signature FROM citus_test.cases)")"
[ -z "$missing" ] || fail "aggregates without a query in test/citus/cases.sql: $missing"
stale="$(q -tA -c "SELECT string_agg(signature, ', ') FROM citus_test.cases
 WHERE to_regprocedure(signature) IS NULL")"
[ -z "$stale" ] || fail "cases of aggregates that no longer exist (remove them from test/citus/cases.sql): $stale"

# ---- (a) and (b): every aggregate, three query shapes, loc vs dist
w="$(q -tA -c "SELECT quote_literal(nous.contiguity(iris_id, geom)::text) || '::nous.weights' FROM loc.iris")"
q -c "SELECT citus_test.check(c.signature, c.tbl, c.call, \$w\$$w\$w\$)
        FROM citus_test.cases c
       WHERE to_regprocedure(c.signature) IS NOT NULL ORDER BY c.signature" >/dev/null
t_aggs=$(date +%s)
echo
echo "every aggregate of nous on Citus (plan: all rows / by g / by epci_code; same: dist = loc):"
q -P pager=off -c "SELECT signature AS aggregate, stype AS state,
       plan_all || ' / ' || plan_g || ' / ' || plan_epci AS plan,
       CASE WHEN same_all AND same_g AND same_epci THEN 'yes' ELSE
         concat_ws(' ', CASE WHEN NOT same_all THEN 'NO(all)' END, CASE WHEN NOT same_g THEN 'NO(g)' END,
                   CASE WHEN NOT same_epci THEN 'NO(epci)' END) END AS same
  FROM citus_test.results ORDER BY storable DESC, signature"
# (a) equal results
bad="$(q -tA -c "SELECT string_agg(signature || E'\n    loc:  ' || loc_all || E'\n    dist: ' || dist_all, E'\n  ')
  FROM citus_test.results WHERE NOT (same_all AND same_g AND same_epci)")"
[ -z "$bad" ] || fail "results differ between the distributed and the local table:
  $bad"
# (b) plans: storable -> partial; internal -> row-gather (reported); by EPCI -> pushdown
bad="$(q -tA -c "SELECT string_agg(signature || ' (' || stype || '): ' || plan_all || ' / ' || plan_g || ' / ' || plan_epci, E'\n  ')
  FROM citus_test.results
 WHERE plan_epci <> 'pushdown'
    OR (storable AND (plan_all <> 'partial' OR plan_g <> 'partial'))
    OR (NOT storable AND (plan_all <> 'row-gather' OR plan_g <> 'row-gather'))")"
[ -z "$bad" ] || fail "unexpected plans (want partial / partial / pushdown for a storable state, row-gather / row-gather / pushdown for internal):
  $bad"
echo
q -tA -c "SELECT count(*) FILTER (WHERE storable) || ' aggregates run as partial aggregates on the workers; '
          || count(*) FILTER (WHERE NOT storable) || ' (internal state) make Citus gather every row on the coordinator'
     FROM citus_test.results"
# since 0.2.0 every aggregate of nous has a storable state (issue 14): an
# aggregate with an internal state is a regression, not a new normal
bad="$(q -tA -c "SELECT string_agg(signature, ', ' ORDER BY signature) FROM citus_test.results WHERE NOT storable")"
[ -z "$bad" ] || fail "aggregates with an internal state (Citus gathers their rows; give them a storable state): $bad"

# ---- (c) storable types in distributed columns
echo
echo "storable states in distributed columns:"
checks="$(q -tA <<'SQL'
SET extra_float_digits = 1;
-- each side's values are read in a subquery of its own (Citus plans the
-- distributed one alone); the comparison runs on the coordinator
-- read back: each row of the rollup equals its single-node twin
SELECT 'rollup rows equal: ' || (citus_test.same(l.f, d.f, 1e-12) AND citus_test.same(l.c, d.c, 1e-12)
                                 AND l.w = d.w AND citus_test.canon(l.p) = citus_test.canon(d.p))
       || ' (' || l.n || ' rows)'
  FROM (SELECT count(*) n, string_agg(flows::text, ';' ORDER BY epci_code, g) f, string_agg(counts::text, ';' ORDER BY epci_code, g) c,
               string_agg(w::text, ';' ORDER BY epci_code, g) w, string_agg(pairs::text, ';' ORDER BY epci_code, g) p FROM loc.rollup) l,
       (SELECT count(*) n, string_agg(flows::text, ';' ORDER BY epci_code, g) f, string_agg(counts::text, ';' ORDER BY epci_code, g) c,
               string_agg(w::text, ';' ORDER BY epci_code, g) w, string_agg(pairs::text, ';' ORDER BY epci_code, g) p FROM dist.rollup) d;
-- literals inserted from the coordinator travel to the shards and back unchanged
INSERT INTO dist.rollup SELECT 'literal', 0, flows::text::nous.flows, pairs::text::nous.mixpairs,
                               counts::text::nous.mixcounts, w::text::nous.weights
  FROM loc.rollup ORDER BY epci_code, g LIMIT 1;
SELECT 'literal round trip: ' || ((SELECT flows::text || pairs::text || counts::text || w::text FROM loc.rollup ORDER BY epci_code, g LIMIT 1)
                                  = (SELECT flows::text || pairs::text || counts::text || w::text FROM dist.rollup WHERE epci_code = 'literal'));
DELETE FROM dist.rollup WHERE epci_code = 'literal';
-- merged for the whole territory (partial merges on the workers) = computed on one node from the rows
SELECT 'merged flows = single-node flow_matrix: ' || citus_test.same(
         (SELECT nous.flow_matrix(flows)::text FROM dist.rollup),
         (SELECT nous.flow_matrix(origin_com, destination_com, weight)::text FROM loc.moves), 1e-12);
SELECT 'merged mixcounts: same M as single-node: ' || citus_test.same(
         (SELECT nous.mutual_information(nous.merge(counts))::text FROM dist.rollup),
         (SELECT nous.mutual_information(destination_iris, income_quartile::text, weight)::text FROM loc.moves), 1e-12);
SELECT 'merged mixpairs (one year): same D as single-node: ' || citus_test.same(
         (SELECT nous.dissimilarity(nous.merge(pairs))::text FROM dist.rollup WHERE g = 2024),
         (SELECT nous.dissimilarity(poor_households, households)::text FROM loc.squares), 1e-12);
SELECT 'merge plan: ' || citus_test.kind(citus_test.plan('SELECT nous.flow_matrix(flows) FROM dist.rollup'));
SQL
)"
echo "$checks" | sed 's/^/  /'
for want in "rollup rows equal: true" "literal round trip: true" "merged flows = single-node flow_matrix: true" \
            "merged mixcounts: same M as single-node: true" "merged mixpairs (one year): same D as single-node: true" \
            "merge plan: partial"; do
  grep -qF "$want" <<<"$checks" || fail "storable states: want \"$want\""
done
# every storable state type of nous, each in a distributed column of its own
# (test/citus/states.sql): inserted, read back as the same text, merged on
# the workers (partial) to what one node gives
q -f "$root/test/citus/states.sql" >/dev/null || fail "test/citus/states.sql did not run"
echo "  every storable state type (states per EPCI in a distributed column: text read back / merge plan / merged = one node):"
q -P pager=off -c "SELECT stype AS state, signature AS by, groups,
       CASE WHEN text_same THEN 'same' ELSE 'DIFFERS' END AS text,
       merge_plan AS merge, CASE WHEN merged_same THEN 'yes' ELSE 'NO' END AS merged
  FROM citus_test.state_results ORDER BY stype" | sed 's/^/  /'
bad="$(q -tA -c "SELECT string_agg(stype || ': ' || concat_ws(', ', CASE WHEN NOT text_same THEN 'text differs' END,
                   CASE WHEN merge_plan <> 'partial' THEN 'merge plan ' || merge_plan END,
                   CASE WHEN NOT merged_same THEN 'merged differs: ' || coalesce(merged, 'NULL') END), '; ')
  FROM citus_test.state_results WHERE NOT (text_same AND merge_plan = 'partial' AND merged_same)")"
[ -z "$bad" ] || fail "storable state types in distributed columns: $bad"
missing="$(q -tA -c "SELECT string_agg(DISTINCT a.aggtranstype::regtype::text, ', ')
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_type t ON t.oid = a.aggtranstype
 WHERE p.pronamespace = 'nous'::regnamespace AND t.typnamespace = 'nous'::regnamespace
   AND a.aggtranstype::regtype::text NOT IN (SELECT stype FROM citus_test.state_results)")"
[ -z "$missing" ] || fail "storable state types without a distributed-column check: $missing"
t_states=$(date +%s)

# ---- (d) a user method on the workers
echo
echo "user methods on the workers:"
# Citus propagates the function (CREATE FUNCTION is a distributed object),
# not the rows of nous.method_catalog: the trigger of sql/95_citus.sql does
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA obs;
CREATE FUNCTION obs.halves(v float8[], k int4) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT ARRAY[(SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(v) x), (SELECT max(x) FROM unnest(v) x)] $$;
SELECT nous.register_method('classification', 'halves', 'obs.halves(float8[], int4)', 'two classes at the median');
SQL
pushed="SELECT epci_code, nous.breaks(value, 2, 'halves') FROM dist.iris GROUP BY epci_code"
single="$(q -tA -c "SELECT replace(citus_test.result(\$\$$(sed 's/dist\./loc./' <<<"$pushed")\$\$), E'\\n', ' ')")"
res() { q -tA -c "SELECT replace(citus_test.result(\$\$$pushed\$\$), E'\\n', ' ')"; }
# 1. the trigger of nous.method_catalog copied the registration to the workers
on_workers="$(for n in 1 2; do citus_psql $n -d "$db" -tAc "SELECT count(*) FROM nous.method_catalog WHERE name = 'halves'"; done | tr '\n' ' ')"
echo "  registered on the coordinator; rows on the workers: $on_workers"
[ "$on_workers" = "1 1 " ] || fail "the registration did not reach both workers ($on_workers)"
got="$(res)"
echo "  pushed-down query with the user method: ${got:0:120}"
[ "$got" = "$single" ] || fail "a pushed-down query with a user method differs from one node:
    dist: $got
    loc:  $single"
# 2. the problem of issue 14, reproduced by removing the rows from the
#    workers (as on workers added after the registration): 42704
for n in 1 2; do citus_psql $n -d "$db" -c "DELETE FROM nous.method_catalog WHERE name = 'halves'"; done
got="$(res)"
echo "  without the rows on the workers: ${got:0:120}"
case "$got" in "ERROR 42704"*) ;; *) fail "want error 42704 from the workers without the registration, got: $got" ;; esac
synced="$(q -tA -c "SELECT nous.citus_sync_methods()")"
got="$(res)"
echo "  nous.citus_sync_methods() updated $synced workers; then: ${got:0:120}"
[ "$synced" = 2 ] || fail "nous.citus_sync_methods() should update 2 workers, said $synced"
[ "$got" = "$single" ] || fail "after nous.citus_sync_methods() the pushed-down query differs from one node: $got"
# 3. a function created in the registering transaction reaches the workers
#    only at commit: the copy warns, nous.citus_sync_methods() after commit
warn="$(q -c "BEGIN" -c "CREATE FUNCTION obs.tops(v float8[], k int4) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS \$\$ SELECT ARRAY[(SELECT max(x) FROM unnest(v) x)] \$\$" \
          -c "SELECT nous.register_method('classification', 'tops', 'obs.tops(float8[], int4)')" -c "COMMIT" 2>&1 >/dev/null)"
echo "  registered in the transaction that created the function: $(head -1 <<<"$warn")"
grep -q "WARNING:  the method registry was not copied" <<<"$warn" || fail "want a warning when the function is not yet on the workers, got: $warn"
q -tA -c "SELECT nous.citus_sync_methods()" >/dev/null
tops="$(for n in 1 2; do citus_psql $n -d "$db" -tAc "SELECT count(*) FROM nous.method_catalog WHERE name = 'tops'"; done | tr '\n' ' ')"
[ "$tops" = "1 1 " ] || fail "nous.citus_sync_methods() after commit did not copy the method ($tops)"
q -tA -c "SELECT nous.unregister_method('classification', 'tops')" >/dev/null
# 4. unregistering reaches the workers too
q -tA -c "SELECT nous.unregister_method('classification', 'halves')" >/dev/null
gone="$(for n in 1 2; do citus_psql $n -d "$db" -tAc "SELECT count(*) FROM nous.method_catalog WHERE name = 'halves'"; done | tr '\n' ' ')"
echo "  unregistered on the coordinator; rows on the workers: $gone"
[ "$gone" = "0 0 " ] || fail "an unregistered method is still on a worker ($gone)"

# ---- (e) set-returning functions over an aggregate: the LATERAL form
echo
echo "set-returning functions over an aggregate:"
srf="$(q -tA -c "SELECT citus_test.result('SELECT nous.flow_zones(nous.flow_matrix(origin_com, destination_com, weight)) FROM dist.moves')")"
srf_loc="$(q -tA -c "SELECT citus_test.result('SELECT nous.flow_zones(nous.flow_matrix(origin_com, destination_com, weight)) FROM loc.moves')")"
echo "  in the select list: ${srf:0:120} (one node: $(wc -l <<<"$srf_loc") zones)"
case "$srf_loc" in ERROR*) fail "the select-list form fails on one node too: $srf_loc" ;; esac
builtin_srf="$(q -tA -c "SELECT citus_test.result('SELECT unnest(array_agg(iris_id)) FROM dist.iris')")"
echo "  built-ins too, unnest(array_agg(...)): ${builtin_srf:0:100}"
case "$srf" in ERROR*) ;; *) echo "  (Citus now accepts it: README and doc/scaling.md can drop the LATERAL advice)" ;; esac
lat="SELECT z.* FROM (SELECT nous.flow_matrix(origin_com, destination_com, weight) AS m FROM %s.moves) s, LATERAL nous.flow_zones(s.m) z"
lat_d="$(q -tA -c "SELECT citus_test.result(format(\$\$$lat\$\$, 'dist'))")"
lat_l="$(q -tA -c "SELECT citus_test.result(format(\$\$$lat\$\$, 'loc'))")"
echo "  LATERAL form: $(wc -l <<<"$lat_d") zones, ${lat_d:0:80}"
[ "$(q -tA -c "SELECT citus_test.same(\$\$$lat_d\$\$, \$\$$lat_l\$\$, 1e-12)")" = t ] && [ "${lat_d:0:5}" != ERROR ] \
  || fail "the LATERAL form over a distributed table differs from one node: ${lat_d:0:200}"
t_end=$(date +%s)

echo
echo "citus: timings: cluster + extension $((t_ready - t_start)) s, data $((t_data - t_ready)) s, aggregates $((t_aggs - t_data)) s, states $((t_states - t_aggs)) s, methods $((t_end - t_states)) s; total $((t_end - t_start)) s"
if [ "$status" -eq 0 ]; then echo "citus: all checks passed"; fi
exit $status
