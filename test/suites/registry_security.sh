#!/usr/bin/env bash
# registry_security: the method registry is no way in (issue 13, findings
# 1-3).  In a new database, an analyst who may register methods (INSERT,
# DELETE on nous.method_catalog, the README's way) and a reader connect AS
# THEMSELVES and try, step by step:
#   1. the escalation: register a method, later CREATE OR REPLACE its body
#      with ALTER ROLE ... SUPERUSER (through a VOLATILE helper, the method
#      staying IMMUTABLE), wait for a superuser to call nous.normalise, or
#      for CALL nous.refresh to refresh a postgres-owned materialized view
#      whose method name the analyst redirected to the function;
#   2. the crash: a row naming pg_catalog.int4abs(integer), inserted by the
#      analyst, and by the table owner with the trigger disabled;
#   3. the EXECUTE bypass: a method over microdata whose function the reader
#      may not execute (then: whose schema it may not use);
#   4. all of it again after pg_dump / pg_restore into a new database, and
#      after an update from 0.1.0.
# Every refusal must be an error with the expected SQLSTATE, the analyst
# must never become superuser, the server must never restart; legitimate
# uses (own method for its owner, a trusted owner's method for everyone)
# keep working.  On 0.1.0 the escalation succeeds, the insert crashes the
# server and the reader gets the figures: this suite fails there.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh;
# local connections are trusted there).  Roles are cluster-wide: they carry
# a unique prefix and are dropped at the end, whatever happens.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
db=nous_regsec
analyst=nous_rs_analyst reader=nous_rs_reader methods=nous_rs_methods

# the databases before the roles that own objects in them
cleanup() {
  for d in "$db" "${db}_restored" "${db}_up"; do
    admin -d postgres -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true
  done
  for u in "$analyst" "$reader" "$methods"; do
    admin -d postgres -c "DROP ROLE IF EXISTS $u" >/dev/null 2>&1 || true
  done
}
suite_at_exit cleanup
cleanup

pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "registry_security: FAILED: $*"; }

# run USER DB SQL: the output (or error) of SQL as USER, SQLSTATEs shown
run() {
  "$bin/psql" -X -q -tA -U "$1" -d "$2" -v VERBOSITY=sqlstate \
    -c '\set VERBOSITY sqlstate' -c "$3" 2>&1 || true
}
# expect_rows USER DB SQL WANT
expect_rows() {
  local got
  got="$(run "$1" "$2" "$3")"
  if [ "$got" = "$4" ]; then ok; else bad "$1@$2: $3: got '$got', expected '$4'"; fi
}
# expect_error USER DB SQL SQLSTATE
expect_error() {
  local got
  got="$(run "$1" "$2" "$3")"
  case "$got" in
    *"ERROR:  $4"*) ok ;;
    *) bad "$1@$2: $3: expected SQLSTATE $4, got '$got'" ;;
  esac
}
# the analyst must never be superuser; the server must never have restarted
started="$(admin -d postgres -tAc 'SELECT pg_postmaster_start_time()')"
expect_safe() {
  local su now
  su="$(admin -d postgres -tAc "SELECT rolsuper FROM pg_roles WHERE rolname = '$analyst'")"
  [ "$su" = f ] && ok || bad "$1: $analyst is superuser"
  now="$(admin -d postgres -tAc 'SELECT pg_postmaster_start_time()' 2>&1 || true)"
  [ "$now" = "$started" ] && ok || bad "$1: the server restarted ($started -> $now)"
}

admin -d postgres >/dev/null <<SQL
SET client_min_messages = warning;
CREATE DATABASE $db;
CREATE ROLE $analyst LOGIN;
CREATE ROLE $reader LOGIN;
CREATE ROLE $methods NOLOGIN;
SQL

# setup DB: extension, the analyst's rights (README), microdata and a
# method over them, a trusted owner's method, a postgres-owned view
setup() {
  admin -d "$1" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
GRANT INSERT, DELETE ON nous.method_catalog TO $analyst;
CREATE SCHEMA analyst_s AUTHORIZATION $analyst;
-- microdata, and a method computed from them that only admins may execute
CREATE SCHEMA admin_only;
CREATE TABLE admin_only.micro (income float8);
INSERT INTO admin_only.micro VALUES (14000), (16000), (17000), (19000), (25000);
CREATE FUNCTION admin_only.micro_norm(v float8[]) RETURNS float8[]
  LANGUAGE sql STABLE PARALLEL SAFE
  AS \$\$ SELECT array_agg((SELECT count(*) FROM admin_only.micro m WHERE m.income <= x)::float8 ORDER BY i)
           FROM unnest(v) WITH ORDINALITY t(x, i) \$\$;
REVOKE EXECUTE ON FUNCTION admin_only.micro_norm(float8[]) FROM PUBLIC;
GRANT USAGE ON SCHEMA admin_only TO $reader;
SELECT nous.register_method('normalisation', 'admin_norm', 'admin_only.micro_norm(float8[])');
-- a method owned by a role a superuser trusts (listed below)
CREATE SCHEMA shared_m;
GRANT USAGE ON SCHEMA shared_m TO PUBLIC;
CREATE FUNCTION shared_m.half(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS \$\$ SELECT array_agg(x / 2 ORDER BY i) FROM unnest(v) WITH ORDINALITY t(x, i) \$\$;
ALTER FUNCTION shared_m.half(float8[]) OWNER TO $methods;
SELECT nous.register_method('normalisation', 'half', 'shared_m.half(float8[])');
-- the nightly view, owned by postgres, first with a postgres-owned 'share'
CREATE SCHEMA obs;
GRANT USAGE ON SCHEMA obs TO PUBLIC;
CREATE FUNCTION obs.share(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS \$\$ SELECT array_agg(x * 100 / (SELECT sum(y) FROM unnest(v) y) ORDER BY i) FROM unnest(v) WITH ORDINALITY t(x, i) \$\$;
SELECT nous.register_method('normalisation', 'share', 'obs.share(float8[])');
CREATE MATERIALIZED VIEW obs.nightly AS SELECT nous.normalise('{1,3,4}', 'share') AS s;
SELECT nous.refresh_register('obs.nightly', 'nightly');
ALTER DATABASE $1 SET nous.trusted_method_owners = '$methods';
SQL
}
setup "$db"

# legitimate uses: a superuser's and a trusted owner's methods for everyone
expect_rows "$reader" "$db" "SELECT nous.normalise('{1,3,4}', 'share')" "{12.5,37.5,50}"
expect_rows "$reader" "$db" "SELECT nous.normalise('{1,3,4}', 'half')" "{0.5,1.5,2}"
expect_rows postgres "$db" "SELECT nous.normalise('{15000,18000}', 'admin_norm')" "{1,3}"

# ---- 1. the escalation
"$bin/psql" -X -q -v ON_ERROR_STOP=1 -U "$analyst" -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE FUNCTION analyst_s.mine(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS \$\$ SELECT array_agg(x * 100 / (SELECT sum(y) FROM unnest(v) y) ORDER BY i) FROM unnest(v) WITH ORDINALITY t(x, i) \$\$;
SELECT nous.register_method('normalisation', 'mine', 'analyst_s.mine(float8[])');
SQL
# its owner may use it (it runs with the owner's own rights) ...
expect_rows "$analyst" "$db" "SELECT nous.normalise('{1,3,4}', 'mine')" "{12.5,37.5,50}"
# ... nobody else: a superuser, the reader
expect_error postgres "$db" "SELECT nous.normalise('{1,3,4}', 'mine')" 42501
expect_error "$reader" "$db" "SELECT nous.normalise('{1,3,4}', 'mine')" 42501
# nor after its owner in the same transaction, the method already resolved
# (the same plan, a role changed: the checks run again)
expect_rows postgres "$db" "DO \$\$ BEGIN EXECUTE 'SET ROLE $analyst'; PERFORM nous.normalise('{1}', 'mine'); END \$\$" ""
expect_error postgres "$db" "DO \$\$ DECLARE i int; BEGIN FOR i IN 1..2 LOOP IF i = 1 THEN EXECUTE 'SET ROLE $analyst'; ELSE RESET ROLE; END IF; PERFORM nous.normalise('{1}'::float8[], 'mine'); END LOOP; END \$\$" 42501
# the body replaced: ALTER ROLE through a VOLATILE helper, the method still
# declared IMMUTABLE PARALLEL SAFE (the OID stays; 0.1.0 checked only once)
"$bin/psql" -X -q -v ON_ERROR_STOP=1 -U "$analyst" -d "$db" >/dev/null <<SQL
CREATE FUNCTION analyst_s.up() RETURNS void LANGUAGE plpgsql VOLATILE
  AS \$\$ BEGIN EXECUTE 'ALTER ROLE $analyst SUPERUSER'; END \$\$;
CREATE OR REPLACE FUNCTION analyst_s.mine(v float8[]) RETURNS float8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  AS \$\$ BEGIN PERFORM analyst_s.up(); RETURN v; END \$\$;
SQL
expect_error postgres "$db" "SELECT nous.normalise('{1,3,4}', 'share'), nous.normalise('{1,3,4}', 'mine')" 42501
expect_safe "superuser calls the replaced method"
# the same body declared VOLATILE: refused for its signature, even to its owner
"$bin/psql" -X -q -U "$analyst" -d "$db" -c "CREATE OR REPLACE FUNCTION analyst_s.mine(v float8[]) RETURNS float8[] LANGUAGE plpgsql VOLATILE PARALLEL SAFE AS \$\$ BEGIN PERFORM analyst_s.up(); RETURN v; END \$\$" >/dev/null
expect_error postgres "$db" "SELECT nous.normalise('{1,3,4}', 'mine')" 42P13
expect_error "$analyst" "$db" "SELECT nous.normalise('{1,3,4}', 'mine')" 42P13
expect_safe "superuser calls the VOLATILE method"
# the nightly refresh: the analyst redirects the name 'share' to its function
"$bin/psql" -X -q -v ON_ERROR_STOP=1 -U "$analyst" -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE OR REPLACE FUNCTION analyst_s.mine(v float8[]) RETURNS float8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  AS \$\$ BEGIN PERFORM analyst_s.up(); RETURN v; END \$\$;
SELECT nous.unregister_method('normalisation', 'share');
SELECT nous.register_method('normalisation', 'share', 'analyst_s.mine(float8[])');
SQL
admin -d "$db" -c "CALL nous.refresh('nightly')" >/dev/null 2>&1 || true
expect_rows postgres "$db" "SELECT outcome || ' ' || sqlstate FROM nous.refresh_last WHERE view_name = 'nightly'" "failed 42501"
expect_rows postgres "$db" "SELECT s FROM obs.nightly" "{12.5,37.5,50}"
expect_error postgres "$db" "REFRESH MATERIALIZED VIEW obs.nightly" 42501
expect_safe "refresh of a postgres-owned view"
# a superuser trusting the analyst's role explicitly is the only way: the
# list is superuser-only, and members of a listed role are not trusted
expect_error "$analyst" "$db" "SELECT nous.version(); SET nous.trusted_method_owners = '$analyst'" 42501
expect_error "$analyst" "$db" "ALTER ROLE $analyst SET nous.trusted_method_owners = '$analyst'" 42501
admin -d postgres -c "GRANT $methods TO $analyst" >/dev/null
expect_error postgres "$db" "SELECT nous.normalise('{1,3,4}', 'mine')" 42501
admin -d postgres -c "REVOKE $methods FROM $analyst" >/dev/null
expect_safe "analyst member of a trusted role"

# ---- 2. the crash
expect_error "$analyst" "$db" "INSERT INTO nous.method_catalog (family, name, function) VALUES ('normalisation', 'confused', 'pg_catalog.int4abs(integer)')" 42P13
expect_error "$analyst" "$db" "INSERT INTO nous.method_catalog (family, name, function, builtin) VALUES ('normalisation', 'fake', 'analyst_s.mine(float8[])', true)" 42501
expect_error "$analyst" "$db" "UPDATE nous.method_catalog SET function = 'pg_catalog.int4abs(integer)' WHERE name = 'share'" 42501
admin -d "$db" >/dev/null <<SQL
ALTER TABLE nous.method_catalog DISABLE TRIGGER method_catalog_check;
INSERT INTO nous.method_catalog (family, name, function) VALUES ('normalisation', 'confused', 'pg_catalog.int4abs(integer)');
INSERT INTO nous.method_catalog (family, name, function) VALUES ('aggregation', 'confused', 'pg_catalog.int4abs(integer)');
INSERT INTO nous.method_catalog (family, name, function) VALUES ('classification', 'confused', 'pg_catalog.int4abs(integer)');
INSERT INTO nous.method_catalog (family, name, function) VALUES ('flow_selection', 'confused', 'pg_catalog.int4abs(integer)');
INSERT INTO nous.method_catalog (family, name, function) VALUES ('segregation', 'confused', 'pg_catalog.int4abs(integer)');
INSERT INTO nous.method_catalog (family, name, function) VALUES ('normalisation', 'poly', 'pg_catalog.array_to_json(anyarray)');
CREATE FUNCTION obs.lend(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY DEFINER AS 'SELECT v';
INSERT INTO nous.method_catalog (family, name, function) VALUES ('normalisation', 'secdef', 'obs.lend(float8[])');
ALTER TABLE nous.method_catalog ENABLE TRIGGER method_catalog_check;
SQL
for u in postgres "$reader"; do
  expect_error "$u" "$db" "SELECT nous.normalise('{1,2,3}', 'confused')" 42P13
  expect_error "$u" "$db" "SELECT nous.aggregate('{{1,2},{3,4}}', NULL, 'confused')" 42P13
  expect_error "$u" "$db" "SELECT nous.breaks(x, 2, 'confused') FROM unnest('{1,2,3,4}'::float8[]) x" 42P13
  expect_error "$u" "$db" "SELECT nous.normalise('{1,2,3}', 'poly')" 42P13
  expect_error "$u" "$db" "SELECT nous.normalise('{1,2,3}', 'secdef')" 42P13
done
expect_error postgres "$db" "SELECT nous.register_method('normalisation', 'lend', 'obs.lend(float8[])')" 42P13
expect_safe "int4abs registered"
admin -d "$db" -c "DELETE FROM nous.method_catalog WHERE name IN ('confused', 'poly', 'secdef')" >/dev/null

# ---- 3. the EXECUTE bypass
expect_error "$reader" "$db" "SELECT admin_only.micro_norm('{15000,18000}')" 42501
expect_error "$reader" "$db" "SELECT nous.normalise('{15000,18000}', 'admin_norm')" 42501
expect_error "$reader" "$db" "SELECT nous.composite(ARRAY[x]::float8[], normalise => 'admin_norm') OVER () FROM (VALUES (15000.0), (18000)) t(x)" 42501
admin -d "$db" -c "GRANT EXECUTE ON FUNCTION admin_only.micro_norm(float8[]) TO $reader" \
               -c "REVOKE USAGE ON SCHEMA admin_only FROM $reader" >/dev/null
expect_error "$reader" "$db" "SELECT nous.normalise('{15000,18000}', 'admin_norm')" 42501
# with both rights the reader runs it as itself: the table is still closed
admin -d "$db" -c "GRANT USAGE ON SCHEMA admin_only TO $reader" >/dev/null
expect_error "$reader" "$db" "SELECT nous.normalise('{15000,18000}', 'admin_norm')" 42501
admin -d "$db" -c "GRANT SELECT ON admin_only.micro TO $reader" >/dev/null
expect_rows "$reader" "$db" "SELECT nous.normalise('{15000,18000}', 'admin_norm')" "{1,3}"
admin -d "$db" -c "REVOKE SELECT ON admin_only.micro FROM $reader" \
               -c "REVOKE EXECUTE ON FUNCTION admin_only.micro_norm(float8[]) FROM $reader" >/dev/null

# ---- 4. dump / restore keeps the protections
admin -d "$db" -c "SELECT nous.unregister_method('normalisation', 'share')" \
               -c "SELECT nous.register_method('normalisation', 'share', 'obs.share(float8[])')" >/dev/null
"$bin/pg_dump" -U postgres -Fc -d "$db" -f "$work/db.dump"
admin -d postgres -c "CREATE DATABASE ${db}_restored" >/dev/null
"$bin/pg_restore" -U postgres --exit-on-error -d "${db}_restored" "$work/db.dump"
r="${db}_restored"
expect_rows postgres "$r" "SELECT string_agg(name, ',' ORDER BY name) FROM nous.methods WHERE NOT builtin" "admin_norm,half,mine,share"
expect_error postgres "$r" "SELECT nous.normalise('{1,3,4}', 'mine')" 42501
expect_error "$reader" "$r" "SELECT nous.normalise('{15000,18000}', 'admin_norm')" 42501
expect_rows "$reader" "$r" "SELECT nous.normalise('{1,3,4}', 'share')" "{12.5,37.5,50}"
# the list of trusted owners is a setting of the database: pg_dump without
# --create does not carry it, and the method is refused until it is set again
expect_error "$reader" "$r" "SELECT nous.normalise('{1,3,4}', 'half')" 42501
admin -d postgres -c "ALTER DATABASE $r SET nous.trusted_method_owners = '$methods'" >/dev/null
expect_rows "$reader" "$r" "SELECT nous.normalise('{1,3,4}', 'half')" "{0.5,1.5,2}"
expect_error "$analyst" "$r" "INSERT INTO nous.method_catalog (family, name, function) VALUES ('normalisation', 'confused', 'pg_catalog.int4abs(integer)')" 42P13
expect_safe "restored database"

# ---- 5. an update from 0.1.0 has the same protections
admin -d postgres -c "CREATE DATABASE ${db}_up" >/dev/null
admin -d "${db}_up" -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous VERSION '0.1.0' CASCADE" >/dev/null
admin -d "${db}_up" >/dev/null <<SQL
GRANT INSERT, DELETE ON nous.method_catalog TO $analyst;
CREATE SCHEMA analyst_s AUTHORIZATION $analyst;
INSERT INTO nous.method_catalog (family, name, function) VALUES ('normalisation', 'confused', 'pg_catalog.int4abs(integer)');
SQL
admin -d "${db}_up" -c "SET client_min_messages = error" -c "ALTER EXTENSION nous UPDATE" >/dev/null
expect_error postgres "${db}_up" "SELECT nous.normalise('{1,2,3}', 'confused')" 42P13
"$bin/psql" -X -q -v ON_ERROR_STOP=1 -U "$analyst" -d "${db}_up" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE FUNCTION analyst_s.up() RETURNS void LANGUAGE plpgsql VOLATILE
  AS \$\$ BEGIN EXECUTE 'ALTER ROLE $analyst SUPERUSER'; END \$\$;
CREATE FUNCTION analyst_s.mine(v float8[]) RETURNS float8[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  AS \$\$ BEGIN PERFORM analyst_s.up(); RETURN v; END \$\$;
SELECT nous.register_method('normalisation', 'mine', 'analyst_s.mine(float8[])');
SQL
expect_error postgres "${db}_up" "SELECT nous.normalise('{1,3,4}', 'mine')" 42501
expect_error "$analyst" "${db}_up" "INSERT INTO nous.method_catalog (family, name, function) VALUES ('normalisation', 'c2', 'pg_catalog.int4abs(integer)')" 42P13
expect_safe "updated from 0.1.0"

echo "registry_security: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
