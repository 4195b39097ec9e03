#!/usr/bin/env bash
# security: in a new database, nous.setup_roles, one login user in each role
# (reader, analyst, producer) and two landlords; the producer loads small
# microdata, aggregates, a pseudonym key and the published views; then each
# user connects AS ITSELF and we assert what it can and cannot read: allowed
# reads return the expected rows, forbidden ones fail with SQLSTATE 42501.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh;
# local connections are trusted there).  Roles are cluster-wide: they carry a
# unique prefix and are dropped at the end, whatever happens.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
db=nous_security
pfx=nous_sec
users=(nous_sec_u_reader nous_sec_u_analyst nous_sec_u_producer nous_sec_u_landlord_a nous_sec_u_landlord_b nous_sec_u_dba)

# the databases before the roles that own objects in them
cleanup() {
  admin -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  admin -d postgres -c "DROP DATABASE IF EXISTS ${db}_restored" >/dev/null 2>&1 || true
  admin -d "$db" -c "SELECT nous.drop_roles('nous_sec2')" >/dev/null 2>&1 || true
  for u in "${users[@]}" ${pfx}_reader ${pfx}_analyst ${pfx}_producer ${pfx}_landlord_a ${pfx}_landlord_b \
           nous_sec2_reader nous_sec2_analyst nous_sec2_producer; do
    admin -d postgres -c "DROP ROLE IF EXISTS $u" >/dev/null 2>&1 || true
  done
}
suite_at_exit cleanup
cleanup

admin -d postgres -c "SET client_min_messages = warning" -c "CREATE DATABASE $db"
admin -d "$db" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION nous CASCADE;
SELECT * FROM nous.setup_roles('$pfx');
CREATE ROLE ${pfx}_landlord_a NOLOGIN;
CREATE ROLE ${pfx}_landlord_b NOLOGIN;
CREATE ROLE nous_sec_u_reader LOGIN;
SELECT nous.grant_access('nous_sec_u_reader', 'reader', '$pfx');
CREATE ROLE nous_sec_u_analyst LOGIN IN ROLE ${pfx}_analyst;
CREATE ROLE nous_sec_u_producer LOGIN IN ROLE ${pfx}_producer;
CREATE ROLE nous_sec_u_landlord_a LOGIN IN ROLE ${pfx}_landlord_a;
CREATE ROLE nous_sec_u_landlord_b LOGIN IN ROLE ${pfx}_landlord_b;
SQL

pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "security: FAILED: $*"; }

# expect_rows USER SQL WANT: the query succeeds as USER and prints WANT
expect_rows() {
  local user="$1" sql="$2" want="$3" got
  if got="$(PGOPTIONS="-c extra_float_digits=0" "$bin/psql" -X -q -tA -v ON_ERROR_STOP=1 -U "$user" -d "$db" -c "$sql" 2>&1)"; then
    if [ "$got" = "$want" ]; then ok; else bad "$user: $sql: got '$got', expected '$want'"; fi
  else
    bad "$user: $sql: error: $got"
  fi
}
# expect_denied USER SQL: the statement fails with SQLSTATE 42501
expect_denied() {
  local user="$1" sql="$2" got
  got="$("$bin/psql" -X -q -tA -U "$user" -d "$db" -v VERBOSITY=sqlstate \
          -c '\set VERBOSITY sqlstate' -c "$sql" 2>&1 || true)"
  case "$got" in
    *"ERROR:  42501"*) ok ;;
    *) bad "$user: $sql: expected SQLSTATE 42501, got '$got'" ;;
  esac
}

# ---- the producer loads microdata and builds the published views (as itself,
# after SET ROLE so that the objects belong to the group role)
"$bin/psql" -X -q -v ON_ERROR_STOP=1 -U nous_sec_u_producer -d "$db" >/dev/null <<SQL
SET ROLE ${pfx}_producer;
CREATE TABLE nous_microdata.households (household_id text, square text, iris text, commune text, income float8);
-- commune C: IRIS I1 (squares s1: 14 households, s2: 3) and I2 (s3: 20, s4: 16)
INSERT INTO nous_microdata.households
SELECT 'H' || i, sq, ir, 'C', 10000 + 100 * i
  FROM generate_series(1, 53) i,
       LATERAL (SELECT CASE WHEN i <= 14 THEN 's1' WHEN i <= 17 THEN 's2' WHEN i <= 37 THEN 's3' ELSE 's4' END AS sq) a,
       LATERAL (SELECT CASE WHEN a.sq IN ('s1', 's2') THEN 'I1' ELSE 'I2' END AS ir) b;
INSERT INTO nous_microdata.pseudonym_key VALUES ('households', nous.pseudonym_new_key());
CREATE TABLE nous_microdata.allocations (allocation_id int, landlord text, household text);
INSERT INTO nous_microdata.allocations VALUES (1, 'HabitatA', 'x'), (2, 'HabitatA', 'y'), (3, 'OfficeB', 'z');
CREATE TABLE nous_microdata.landlord_roles (landlord text, role name, PRIMARY KEY (landlord, role));
INSERT INTO nous_microdata.landlord_roles VALUES ('HabitatA', '${pfx}_landlord_a'), ('OfficeB', '${pfx}_landlord_b');
ALTER TABLE nous_microdata.landlord_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_mapping ON nous_microdata.landlord_roles FOR SELECT
  USING (pg_catalog.pg_has_role(current_user, role, 'MEMBER'));
ALTER TABLE nous_microdata.allocations ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_allocations ON nous_microdata.allocations FOR SELECT
  USING (landlord IN (SELECT m.landlord FROM nous_microdata.landlord_roles m));
GRANT USAGE ON SCHEMA nous_microdata TO ${pfx}_landlord_a, ${pfx}_landlord_b;
GRANT SELECT ON nous_microdata.allocations, nous_microdata.landlord_roles TO ${pfx}_landlord_a, ${pfx}_landlord_b;
-- aggregates (counts by square, IRIS, commune): analysts
CREATE TABLE nous_aggregates.households AS
  SELECT square AS id, min(iris) AS parent, count(*) AS n FROM nous_microdata.households GROUP BY square
  UNION ALL SELECT iris, min(commune), count(*) FROM nous_microdata.households GROUP BY iris
  UNION ALL SELECT commune, NULL, count(*) FROM nous_microdata.households GROUP BY commune;
-- a pseudonymised extract for linking across years: analysts
CREATE TABLE nous_aggregates.households_linked AS
  SELECT nous.pseudonym(household_id, (SELECT key FROM nous_microdata.pseudonym_key WHERE name = 'households')) AS pseudonym,
         iris FROM nous_microdata.households;
-- published: secrecy-safe figures only
CREATE MATERIALIZED VIEW nous_published.households AS
  SELECT id AS area, parent, value AS households, status
    FROM nous.secrecy_publish('nous_aggregates.households', 'id', 'parent', 'n', rounding_base => 5);
ANALYZE nous_microdata.households;
COMMENT ON MATERIALIZED VIEW nous_published.households IS 'Households by square, IRIS and commune (secrecy: threshold 11, rounded to 5).';
SQL

# ---- hand computation of the published view: s2 = 3 < 11 primary; line I1
# {I1 17, s1 14, s2 3}: s2 alone -> smallest published s1 (14) secondary.
# Published: C 53 -> 55, I1 17 -> 15, I2 36 -> 35, s3 20, s4 16 -> 15.
want_pub="C||55|published
I1|C|15|published
I2|C|35|published
s1|I1||secondary
s2|I1||primary
s3|I2|20|published
s4|I2|15|published"

# ---- reader
r=nous_sec_u_reader
expect_rows "$r" "SELECT area, parent, households, status FROM nous_published.households ORDER BY area" "$want_pub"
expect_rows "$r" "SELECT count(*) FROM nous_published.households WHERE households IS NULL AND status = 'published'" "0"
# the published view carries the published (rounded) value only, never the count
expect_rows "$r" "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'nous_published.households'::regclass AND attnum > 0" "area,parent,households,status"
expect_denied "$r" "SELECT * FROM nous_microdata.households"
expect_denied "$r" "SELECT * FROM nous_microdata.pseudonym_key"
expect_denied "$r" "SELECT * FROM nous_microdata.allocations"
expect_denied "$r" "SELECT * FROM nous_aggregates.households"
expect_denied "$r" "SELECT * FROM nous_aggregates.households_linked"
expect_denied "$r" "SELECT * FROM nous.secrecy_publish('nous_aggregates.households', 'id', 'parent', 'n')"
expect_denied "$r" "SELECT * FROM nous.secrecy_publish('nous_microdata.households', 'household_id', 'iris', 'income')"
expect_denied "$r" "CREATE TABLE nous_published.mine (x int)"
expect_denied "$r" "CREATE TABLE public.mine (x int)"
expect_denied "$r" "REFRESH MATERIALIZED VIEW nous_published.households"
expect_denied "$r" "SET ROLE ${pfx}_analyst"
# no statistics (most common values, histograms) of the microdata either
expect_rows "$r" "SELECT count(*) FROM pg_stats WHERE schemaname = 'nous_microdata'" "0"
expect_rows nous_sec_u_producer "SELECT count(*) > 0 FROM pg_stats WHERE schemaname = 'nous_microdata'" "t"
# the reader's schemas: the published one only, among the observatory's
expect_rows "$r" "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE has_schema_privilege(oid, 'USAGE') AND nspname LIKE 'nous%'" "nous,nous_published"

# ---- analyst
a=nous_sec_u_analyst
expect_rows "$a" "SELECT count(*) FROM nous_published.households" "7"
expect_rows "$a" "SELECT id, n FROM nous_aggregates.households WHERE parent = 'I1' ORDER BY id" "s1|14
s2|3"
expect_rows "$a" "SELECT array_to_string(nous.breaks(n::float8, 2, 'equal'), ',') FROM nous_aggregates.households WHERE parent IN ('I1', 'I2')" "11.5,20"
expect_rows "$a" "SELECT id, status FROM nous.secrecy_publish('nous_aggregates.households', 'id', 'parent', 'n', threshold => 15) WHERE status <> 'published' ORDER BY id" "s1|primary
s2|primary"
expect_rows "$a" "SELECT count(DISTINCT pseudonym), min(length(pseudonym)) FROM nous_aggregates.households_linked" "53|64"
expect_denied "$a" "SELECT * FROM nous_microdata.households"
expect_denied "$a" "SELECT * FROM nous_microdata.pseudonym_key"
expect_denied "$a" "SELECT * FROM nous_microdata.allocations"
expect_denied "$a" "CREATE TABLE nous_aggregates.mine (x int)"
expect_denied "$a" "INSERT INTO nous_aggregates.households VALUES ('x', NULL, 1)"

# ---- producer
p=nous_sec_u_producer
expect_rows "$p" "SELECT count(*) FROM nous_microdata.households" "53"
expect_rows "$p" "SELECT count(*) FROM nous_microdata.allocations" "3"
expect_rows "$p" "SET ROLE ${pfx}_producer; INSERT INTO nous_microdata.households VALUES ('H54', 's4', 'I2', 'C', 1); SELECT count(*) FROM nous_microdata.households" "54"
expect_rows "$p" "SET ROLE ${pfx}_producer; DELETE FROM nous_microdata.households WHERE household_id = 'H54'; REFRESH MATERIALIZED VIEW nous_published.households; SELECT count(*) FROM nous_published.households" "7"
# the pseudonyms are the keyed hash of the identifiers (checked against SQL sha256 HMAC built by hand:
# HMAC(K, m) = H((K xor opad) || H((K xor ipad) || m)) for a 32-byte key, RFC 2104)
expect_rows "$p" "WITH k AS (SELECT key FROM nous_microdata.pseudonym_key WHERE name = 'households'),
  pads AS (SELECT (SELECT string_agg(lpad(to_hex(get_byte(k.key || decode(repeat('00', 32), 'hex'), i) # 54), 2, '0'), '' ORDER BY i) FROM generate_series(0, 63) i) AS ipad,
                  (SELECT string_agg(lpad(to_hex(get_byte(k.key || decode(repeat('00', 32), 'hex'), i) # 92), 2, '0'), '' ORDER BY i) FROM generate_series(0, 63) i) AS opad FROM k)
  SELECT count(*) FILTER (WHERE nous.pseudonym(h.household_id, k.key)
           = encode(sha256(decode(pads.opad, 'hex') || sha256(decode(pads.ipad, 'hex') || convert_to(h.household_id, 'UTF8'))), 'hex'))
    FROM nous_microdata.households h, k, pads" "53"
expect_denied "$p" "CREATE ROLE nous_sec_evil"

# ---- landlords: row-level security
expect_rows nous_sec_u_landlord_a "SELECT string_agg(allocation_id::text, ',' ORDER BY allocation_id) FROM nous_microdata.allocations" "1,2"
expect_rows nous_sec_u_landlord_b "SELECT string_agg(allocation_id::text, ',' ORDER BY allocation_id) FROM nous_microdata.allocations" "3"
expect_rows nous_sec_u_landlord_a "SELECT string_agg(landlord, ',') FROM nous_microdata.landlord_roles" "HabitatA"
expect_denied nous_sec_u_landlord_a "SELECT * FROM nous_microdata.households"
expect_denied nous_sec_u_landlord_a "SELECT * FROM nous_published.households"
expect_denied nous_sec_u_landlord_b "UPDATE nous_microdata.allocations SET landlord = 'OfficeB'"

# ---- dump and restore (roles are cluster-wide and already exist): grants,
# default privileges, row-level security and the published view come back
"$bin/pg_dump" -U postgres -Fc -d "$db" -f "$work/sec.dump"
admin -d postgres -c "DROP DATABASE IF EXISTS ${db}_restored" -c "CREATE DATABASE ${db}_restored" >/dev/null
"$bin/pg_restore" -U postgres -d "${db}_restored" --exit-on-error "$work/sec.dump"
db_main="$db"; db="${db}_restored"
expect_rows "$r" "SELECT area, parent, households, status FROM nous_published.households ORDER BY area" "$want_pub"
expect_denied "$r" "SELECT * FROM nous_microdata.households"
expect_denied "$r" "SELECT * FROM nous_aggregates.households"
expect_denied "$a" "SELECT * FROM nous_microdata.pseudonym_key"
expect_rows nous_sec_u_landlord_a "SELECT string_agg(allocation_id::text, ',' ORDER BY allocation_id) FROM nous_microdata.allocations" "1,2"
expect_rows nous_sec_u_landlord_b "SELECT string_agg(allocation_id::text, ',' ORDER BY allocation_id) FROM nous_microdata.allocations" "3"
# a table the producer creates after the restore: the default privileges came back too
expect_rows "$p" "SET ROLE ${pfx}_producer; CREATE TABLE nous_published.after_restore AS SELECT 1 AS x; SELECT 1" "1"
expect_rows "$r" "SELECT x FROM nous_published.after_restore" "1"
admin -d postgres -c "DROP DATABASE ${db}" >/dev/null
db="$db_main"

# ---- a DBA that is not a superuser (CREATEROLE, CREATE on the database) can
# run the setup; a plain user cannot
admin -d "$db" -q -c "CREATE ROLE nous_sec_u_dba LOGIN CREATEROLE" -c "GRANT CREATE ON DATABASE $db TO nous_sec_u_dba"
expect_rows nous_sec_u_dba "SELECT count(*) FROM nous.setup_roles('nous_sec2', 'sec2_micro', 'sec2_pub', 'sec2_agg') s WHERE s LIKE 'created%'" "7"
expect_rows nous_sec_u_dba "SELECT string_agg(nspname || ':' || pg_get_userbyid(nspowner), ',' ORDER BY nspname) FROM pg_namespace WHERE nspname LIKE 'sec2%'" "sec2_agg:nous_sec2_producer,sec2_micro:nous_sec2_producer,sec2_pub:nous_sec2_producer"
expect_denied nous_sec_u_analyst "SELECT * FROM nous.setup_roles('nous_sec3')"
expect_rows nous_sec_u_dba "SELECT count(*) FROM nous.drop_roles('nous_sec2')" "3"

echo "security: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
