#!/usr/bin/env bash
# refresh_dump_restore: registrations of materialized views (groups, enabled
# flags, forced concurrency, explicit dependencies) and the refresh log
# survive pg_dump / pg_restore; in the restored database the plan is the same
# and CALL nous.refresh() works, numbering its run after the restored ones.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
fail() { echo "refresh_dump_restore: FAILED: $*"; exit 1; }

suite_dump_dbs refresh_dump
psql -d "$src" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA "Obs 1";
CREATE TABLE "Obs 1".base (id int PRIMARY KEY, v int);
INSERT INTO "Obs 1".base SELECT g, g FROM generate_series(1, 5) g;
CREATE MATERIALIZED VIEW "Obs 1"."A view" AS SELECT id, v FROM "Obs 1".base;
CREATE UNIQUE INDEX ON "Obs 1"."A view" (id);
CREATE VIEW "Obs 1".plain AS SELECT v FROM "Obs 1"."A view";
CREATE MATERIALIZED VIEW "Obs 1".b AS SELECT sum(v) AS s FROM "Obs 1".plain;
CREATE FUNCTION "Obs 1".n() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM "Obs 1".base';
CREATE MATERIALIZED VIEW "Obs 1".c AS SELECT "Obs 1".n() AS n;
CREATE MATERIALIZED VIEW "Obs 1".off AS SELECT 1 AS x;
SELECT nous.refresh_register('"Obs 1"."A view"', 'nightly');
SELECT nous.refresh_register('"Obs 1".b', 'nightly', concurrent => false);
SELECT nous.refresh_register('"Obs 1".c', 'nightly', '{"\"Obs 1\".b"}');
SELECT nous.refresh_register('"Obs 1".off', 'weekly');
SELECT nous.refresh_enable('"Obs 1".off', false);
CALL nous.refresh('nightly');
CALL nous.refresh('nightly');
SQL
suite_dump_restore "$src" "$dst"

state="SELECT (SELECT string_agg(format('%s.%s %s %s %s', view_schema, view_name, view_group, enabled, coalesce(concurrent::text, 'auto')), '; ' ORDER BY view_name) FROM nous.refresh_views)
       || ' | ' || (SELECT string_agg(view_name || '->' || depends_name, ',') FROM nous.refresh_dependencies)
       || ' | ' || (SELECT string_agg(ordinal || ':' || view_name || ':' || level || ':' || concurrent, ',' ORDER BY ordinal) FROM nous.refresh_plan('nightly'))
       || ' | ' || (SELECT count(*) || ' ' || max(run_id) || ' ' || string_agg(DISTINCT outcome, ',') FROM nous.refresh_log)"
want="$(psql -d "$src" -tA -c "$state")"
got="$(psql -d "$dst" -tA -c "$state")"
# three views in nightly, A view concurrent (unique index), c after b (explicit),
# b after "A view" (through the plain view); two runs of 3 views logged
case "$want" in
  'Obs 1.A view nightly t auto; Obs 1.b nightly t false; Obs 1.c nightly t auto; Obs 1.off weekly f auto | c->b | 1:A view:0:true,2:b:1:false,3:c:2:false | 6 2 ok') ;;
  *) fail "unexpected source state: $want" ;;
esac
[ "$got" = "$want" ] || fail "after restore got '$got', expected '$want'"

# the restored registrations work: a new run is numbered after the restored ones
psql -d "$dst" -c 'INSERT INTO "Obs 1".base VALUES (6, 6)'
run="$(psql -d "$dst" -tA -c "CALL nous.refresh('nightly')")"
after="$(psql -d "$dst" -tA -c "SELECT string_agg(view_name || ':' || outcome || ':' || row_count, ',' ORDER BY ordinal) FROM nous.refresh_log WHERE run_id = $run") $(psql -d "$dst" -tA -c 'SELECT s FROM "Obs 1".b')"
[ "$run" = 3 ] || fail "the first run after restore is number '$run', expected 3"
# 1 + ... + 6 = 21
[ "$after" = "A view:ok:6,b:ok:1,c:ok:1 21" ] || fail "refresh after restore: '$after'"
echo "refresh_dump_restore: ok ($got; run $run: $after)"
