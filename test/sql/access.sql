-- access: secrecy over a table or a query (nous.secrecy_publish, _2d),
-- roles and schemas (nous.setup_roles), a row-level-security example, and
-- pseudonymisation (nous.pseudonym against pgcrypto's hmac).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- ---- 1-D: the hand hierarchy of the secrecy suite, now read from a table ----
-- commune C (100) = IRIS I1 (60) + I2 (40); I1 = s1 (5) + s2 (25) + s3 (30);
-- I2 = s4 (22) + s5 (18).  s1 < 11: primary; line I1 has one hidden element
-- -> its smallest published s2 (25) is secondary.  Rounded to 5: 100, 60,
-- 40, 30, 22 -> 20, 18 -> 20 (round half away: 22.5 would go up; 22 -> 20).
CREATE TABLE public.acc_h (code text, up text, households int, income float8[]);
INSERT INTO public.acc_h VALUES ('C', NULL, 100, NULL), ('I1', 'C', 60, NULL), ('I2', 'C', 40, NULL),
  ('s1', 'I1', 5, NULL), ('s2', 'I1', 25, NULL), ('s3', 'I1', 30, '{10,10,10}'),
  ('s4', 'I2', 22, '{95,1,1,1}'), ('s5', 'I2', 18, '{40,40,20}');
SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households');
SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', rounding_base => 5);
-- threshold 20: s1 (5) and s5 (18) primary; line I2 {I2, s4, s5}: s5 alone ->
-- s4 (22) secondary; line I1: s1 alone -> s2 secondary
SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', threshold => 20);
-- thresholds from the indicator catalogue (nous.indicators): an indicator
-- with threshold 20 gives exactly the threshold-20 result above; an explicit
-- argument wins over the catalogue; the catalogue's dominance share is used
INSERT INTO nous.indicators (code, label, secrecy_threshold, dominance_share)
VALUES ('acc_households', 'ménages', 20, 0.75), ('acc_default', 'ménages (règles par défaut)', NULL, NULL);
SELECT * FROM nous.indicator_secrecy('acc_households');
SELECT * FROM nous.indicator_secrecy('acc_default');
SELECT count(*) AS differ
  FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', indicator => 'acc_households') a
  FULL JOIN nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', threshold => 20) b USING (id)
 WHERE a.status IS DISTINCT FROM b.status OR a.value IS DISTINCT FROM b.value;
-- threshold 11 given explicitly: s1 primary, s2 secondary, as with the default
SELECT id, status FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households',
  threshold => 11, indicator => 'acc_households') WHERE status <> 'published';
-- the catalogue's 0.75 with the top 2 contributors (threshold 11 given):
-- s4 (95 %) and s5 (80 %) dominance, as with dominance_share => 0.75 below
SELECT id, status FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households',
  threshold => 11, contributions_column => 'income', dominance_top => 2, indicator => 'acc_households')
 WHERE status <> 'published';
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', indicator => 'no_such')$e$);
CALL public.expect_error($e$SELECT * FROM nous.indicator_secrecy(NULL)$e$);
CALL public.expect_error($e$UPDATE nous.indicators SET secrecy_threshold = 0 WHERE code = 'acc_households'$e$);
\set SHOW_CONTEXT never
SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', indicator => 'no_such');
\set SHOW_CONTEXT errors
DELETE FROM nous.indicators WHERE code IN ('acc_households', 'acc_default');

-- dominance on the contributions (incomes): s4's largest is 95/98 > 85 % ->
-- dominance; line I2: s4 alone -> s5 (18) secondary.  s5: 40/100 = 40 %;
-- with the top 2 at 0.75: s5 80 % > 75 % -> dominance too; s3 20/30 < 75 %.
SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households',
  contributions_column => 'income') WHERE status <> 'published';
SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households',
  contributions_column => 'income', dominance_top => 2, dominance_share => 0.75) WHERE status <> 'published';
-- the same as the array functions of the secrecy module (independent call)
SELECT count(*) AS differ FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households') p
  FULL JOIN nous.secrecy_suppress(ARRAY['C','I1','I2','s1','s2','s3','s4','s5'],
    ARRAY[NULL,'C','C','I1','I1','I1','I2','I2'], ARRAY[100,60,40,5,25,30,22,18],
    ARRAY[false,false,false,true,false,false,false,false]) s ON s.id = p.id
 WHERE p.status IS DISTINCT FROM s.status OR p.value IS DISTINCT FROM s.value;
-- a query as the source, and a separate count column for the threshold
-- (value = income total, count = number of households): A = 70 = A1 20 (n 3) + A2 50 (n 30)
SELECT * FROM nous.secrecy_publish(
  'SELECT * FROM (VALUES (''A'', NULL, 70, 33), (''A1'', ''A'', 20, 3), (''A2'', ''A'', 50, 30)) v(id, parent, amount, n)',
  'id', 'parent', 'amount', count_column => 'n');
-- hide_zero: an empty cell is hidden too
SELECT * FROM nous.secrecy_publish('VALUES (''A'', NULL, 40), (''A1'', ''A'', 0), (''A2'', ''A'', 20), (''A3'', ''A'', 20)',
  'column1', 'column2', 'column3', hide_zero => true);
-- empty source
SELECT count(*) FROM nous.secrecy_publish('SELECT ''a''::text AS i, NULL::text AS p, 1 AS n WHERE false', 'i', 'p', 'n');

-- ---- 2-D: the hand table of the secrecy suite ----
--        c0  c1  c2 | tot
--   r0   20   3  15 |  38     3 and 7 primary (< 11); r0: 3 alone -> 15;
--   r1   12  30  25 |  67     c1: 3 alone -> 18; c0: 7 alone -> 12;
--   r2    7  18  40 |  65     c2: 15 alone -> 25; r1, r2: two hidden each
CREATE TABLE public.acc_t (r text, c text, n int);
INSERT INTO public.acc_t VALUES ('r0','c0',20), ('r0','c1',3), ('r0','c2',15),
  ('r1','c0',12), ('r1','c1',30), ('r1','c2',25), ('r2','c0',7), ('r2','c1',18), ('r2','c2',40);
SELECT * FROM nous.secrecy_publish_2d('public.acc_t', 'r', 'c', 'n') ORDER BY 1 NULLS LAST, 2 NULLS LAST;
-- with the catalogue (threshold 20): 3, 7, 12, 15, 18 are below 20
INSERT INTO nous.indicators (code, label, secrecy_threshold) VALUES ('acc_t20', 'test', 20);
SELECT count(*) FILTER (WHERE status = 'primary') AS primary_cells
  FROM nous.secrecy_publish_2d('public.acc_t', 'r', 'c', 'n', indicator => 'acc_t20');
DELETE FROM nous.indicators WHERE code = 'acc_t20';
-- declared totals (NULL labels) that agree are accepted; rounding to 10
INSERT INTO public.acc_t VALUES ('r0', NULL, 38), (NULL, 'c1', 51), (NULL, NULL, 170);
SELECT * FROM nous.secrecy_publish_2d('public.acc_t', 'r', 'c', 'n', rounding_base => 10)
 WHERE "row" IS NULL OR col IS NULL ORDER BY 1 NULLS LAST, 2 NULLS LAST;

-- ---- bad input ----
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', threshold => 0)$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', threshold => -1)$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', contributions_column => 'income', dominance_share => 0)$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', contributions_column => 'income', dominance_share => 1.01)$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', dominance_share => 'NaN')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', dominance_top => 0)$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', rounding_base => 0)$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('acc_h', 'code', 'up', 'households')$e$);            -- not schema-qualified
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.no_such', 'code', 'up', 'households')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'no_such')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('public.acc_h', NULL, 'up', 'households')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish(NULL, 'code', 'up', 'households')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('VALUES (''A'', NULL, 10), (''A1'', ''A'', NULL)', 'column1', 'column2', 'column3')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('VALUES (''A'', NULL, 10), (NULL, ''A'', 10)', 'column1', 'column2', 'column3')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('VALUES (''A'', NULL, 10), (''A1'', ''A'', -10), (''A2'', ''A'', 20)', 'column1', 'column2', 'column3')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish('VALUES (''A'', NULL, 10), (''A1'', ''A'', 4), (''A2'', ''A'', 5)', 'column1', 'column2', 'column3')$e$);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish_2d('public.acc_t', 'r', 'c', 'n', threshold => -3)$e$);
INSERT INTO public.acc_t VALUES ('r2', NULL, 66);
CALL public.expect_error($e$SELECT * FROM nous.secrecy_publish_2d('public.acc_t', 'r', 'c', 'n')$e$);
\set SHOW_CONTEXT never
-- full messages: not additive (1-D: first offending parent; 2-D: first total)
SELECT * FROM nous.secrecy_publish('VALUES (''A'', NULL, 10), (''A1'', ''A'', 4), (''A2'', ''A'', 5)', 'column1', 'column2', 'column3');
SELECT * FROM nous.secrecy_publish_2d('public.acc_t', 'r', 'c', 'n');
SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', threshold => 0);
SELECT * FROM nous.secrecy_publish('public.acc_h', 'code', 'up', 'households', dominance_share => 1.5);
SELECT * FROM nous.secrecy_publish('acc_h', 'code', 'up', 'households');
\set SHOW_CONTEXT errors

-- ---- pseudonymisation: HMAC-SHA256 equal to pgcrypto's on many values ----
CREATE EXTENSION IF NOT EXISTS pgcrypto;
-- RFC 4231 test case 2 (key "Jefe" is too short for nous): checked with
-- pgcrypto only; test case 6 (131-byte key 0xaa…) with both:
-- 60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54
SELECT encode(hmac('what do ya want for nothing?', 'Jefe', 'sha256'), 'hex') =
       '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' AS rfc4231_2_pgcrypto,
       nous.pseudonym('Test Using Larger Than Block-Size Key - Hash Key First', decode(repeat('aa', 131), 'hex')) AS rfc4231_6;
SELECT count(*) AS values_, count(*) FILTER (WHERE nous.pseudonym(id, k) <> encode(public.hmac(convert_to(id, 'UTF8'), k, 'sha256'), 'hex')) AS differ,
       count(DISTINCT nous.pseudonym(id, k)) AS distinct_
  FROM (SELECT 'FR-' || i || repeat('é', i % 7) AS id, decode(md5('key' || i % 5) || md5('salt' || i % 5), 'hex') AS k
          FROM generate_series(1, 5000) i) s;
SELECT nous.pseudonym('', decode(repeat('01', 32), 'hex')) = encode(public.hmac(''::bytea, decode(repeat('01', 32), 'hex'), 'sha256'), 'hex') AS empty_id,
       nous.pseudonym(NULL, decode(repeat('01', 32), 'hex')) IS NULL AS null_id,
       nous.pseudonym('x', NULL) IS NULL AS null_key,
       length(nous.pseudonym('x', nous.pseudonym_new_key())) AS hex_length,
       octet_length(nous.pseudonym_new_key()) AS key_bytes,
       nous.pseudonym_new_key() <> nous.pseudonym_new_key() AS keys_differ;
CALL public.expect_error($e$SELECT nous.pseudonym('x', decode(repeat('01', 31), 'hex'))$e$);
CALL public.expect_error($e$SELECT nous.pseudonym('x', '')$e$);
SELECT nous.pseudonym('x', 'short');

-- ---- roles ----
SELECT * FROM nous.setup_roles('nous_t_acc', 'acc_micro', 'acc_pub', 'acc_agg');
-- idempotent: a second call says what already exists
SELECT * FROM nous.setup_roles('nous_t_acc', 'acc_micro', 'acc_pub', 'acc_agg');
SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolbypassrls,
       pg_has_role(r.rolname, 'nous_t_acc_reader', 'MEMBER') AS is_reader,
       pg_has_role(r.rolname, 'nous_t_acc_analyst', 'MEMBER') AS is_analyst,
       has_schema_privilege(r.rolname, 'acc_pub', 'USAGE') AS pub,
       has_schema_privilege(r.rolname, 'acc_agg', 'USAGE') AS agg,
       has_schema_privilege(r.rolname, 'acc_micro', 'USAGE') AS micro,
       has_table_privilege(r.rolname, 'acc_micro.pseudonym_key', 'SELECT') AS key
  FROM pg_roles r WHERE r.rolname LIKE 'nous\_t\_acc\_%' ORDER BY 1;
-- members: a login user for the dashboards
CREATE ROLE nous_t_acc_metabase LOGIN;
SELECT nous.grant_access('nous_t_acc_metabase', 'reader', 'nous_t_acc');
SELECT nous.grant_access('nous_t_acc_metabase', 'reader', 'nous_t_acc');   -- idempotent
SELECT pg_has_role('nous_t_acc_metabase', 'nous_t_acc_reader', 'MEMBER') AS reader,
       pg_has_role('nous_t_acc_metabase', 'nous_t_acc_analyst', 'MEMBER') AS analyst;
SELECT nous.revoke_access('nous_t_acc_metabase', 'reader', 'nous_t_acc');
SELECT nous.revoke_access('nous_t_acc_metabase', 'reader', 'nous_t_acc');
SELECT nous.grant_access('nous_t_acc_metabase', 'reader', 'nous_t_acc');
CALL public.expect_error($e$SELECT nous.grant_access('nous_t_acc_metabase', 'admin', 'nous_t_acc')$e$);
CALL public.expect_error($e$SELECT nous.grant_access('nous_t_no_such_user', 'reader', 'nous_t_acc')$e$);
CALL public.expect_error($e$SELECT nous.grant_access('nous_t_acc_metabase', 'reader', 'nous_t_nothing')$e$);
CALL public.expect_error($e$SELECT nous.grant_access('nous_t_acc_analyst', 'reader', 'nous_t_acc')$e$);
CALL public.expect_error($e$SELECT nous.grant_access(NULL, 'reader', 'nous_t_acc')$e$);
\set SHOW_CONTEXT never
SELECT nous.grant_access('nous_t_acc_metabase', 'admin', 'nous_t_acc');
SELECT nous.grant_access('nous_t_no_such_user', 'reader', 'nous_t_acc');
SELECT nous.grant_access('nous_t_acc_metabase', 'reader', 'nous_t_nothing');
\set SHOW_CONTEXT errors
-- default privileges: what the producer creates is readable where it should be
SET ROLE nous_t_acc_producer;
CREATE TABLE acc_micro.households (id text, iris text, income float8);
INSERT INTO acc_micro.households SELECT 'h' || i, CASE WHEN i <= 15 THEN 'I1' ELSE 'I2' END, 1000 * i FROM generate_series(1, 18) i;
CREATE TABLE acc_agg.households_by_iris AS SELECT iris, count(*) AS n FROM acc_micro.households GROUP BY iris;
-- the published version: a materialized view (computed by its owner)
CREATE MATERIALIZED VIEW acc_pub.households_by_iris AS
  SELECT id AS iris, value AS households, status
    FROM nous.secrecy_publish('SELECT iris AS id, ''all'' AS parent, n FROM acc_agg.households_by_iris
                               UNION ALL SELECT ''all'', NULL, sum(n) FROM acc_agg.households_by_iris', 'id', 'parent', 'n');
-- and a plain view over the array functions (the subqueries read as the view owner)
CREATE VIEW acc_pub.households_by_iris_live AS
  SELECT s.id AS iris, s.value AS households, s.status
    FROM (SELECT array_agg(iris ORDER BY iris) AS ids, array_agg(n::float8 ORDER BY iris) AS ns
            FROM acc_agg.households_by_iris) a,
         nous.secrecy_suppress(a.ids || 'all'::text, array_fill('all'::text, ARRAY[cardinality(a.ids)]) || NULL::text,
                               a.ns || (SELECT sum(x) FROM unnest(a.ns) x),
                               ARRAY(SELECT nous.secrecy_primary(x::bigint) FROM unnest(a.ns || (SELECT sum(x) FROM unnest(a.ns) x)) WITH ORDINALITY u(x, o) ORDER BY o)) s;
RESET ROLE;
-- I1 15, I2 3 (primary), all 18: line all {I1, I2, all}: I2 alone -> I1 (15 < 18) secondary
SET ROLE nous_t_acc_metabase;   -- a member of the reader role
SELECT * FROM acc_pub.households_by_iris ORDER BY 1;
RESET ROLE;
SET ROLE nous_t_acc_reader;
SELECT * FROM acc_pub.households_by_iris ORDER BY 1;
SELECT * FROM acc_pub.households_by_iris_live ORDER BY 1;
CALL public.expect_error($e$SELECT count(*) FROM acc_micro.households$e$);
CALL public.expect_error($e$SELECT count(*) FROM acc_agg.households_by_iris$e$);
CALL public.expect_error($e$SELECT count(*) FROM acc_micro.pseudonym_key$e$);
CALL public.expect_error($e$SELECT count(*) FROM nous.secrecy_publish('acc_micro.households', 'id', 'iris', 'income')$e$);
CALL public.expect_error($e$CREATE TABLE acc_pub.mine (x int)$e$);
RESET ROLE;
SET ROLE nous_t_acc_analyst;
SELECT iris, n FROM acc_agg.households_by_iris ORDER BY 1;
SELECT nous.breaks(n::float8, 2, 'equal') AS breaks FROM acc_agg.households_by_iris;
CALL public.expect_error($e$SELECT count(*) FROM acc_micro.households$e$);
RESET ROLE;

-- ---- row-level security: a landlord sees only its own allocations ----
SET ROLE nous_t_acc_producer;
CREATE TABLE acc_micro.allocations (id int, landlord text, dwelling text);
INSERT INTO acc_micro.allocations VALUES (1, 'HabitatA', 'd1'), (2, 'HabitatA', 'd2'), (3, 'OfficeB', 'd3');
CREATE TABLE acc_micro.landlord_roles (landlord text, role name, PRIMARY KEY (landlord, role));
RESET ROLE;
CREATE ROLE nous_t_acc_landlord_a NOLOGIN;
CREATE ROLE nous_t_acc_landlord_b NOLOGIN;
SET ROLE nous_t_acc_producer;
INSERT INTO acc_micro.landlord_roles VALUES ('HabitatA', 'nous_t_acc_landlord_a'), ('OfficeB', 'nous_t_acc_landlord_b');
ALTER TABLE acc_micro.allocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE acc_micro.landlord_roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON acc_micro.landlord_roles FOR SELECT
  USING (pg_catalog.pg_has_role(current_user, role, 'MEMBER'));
CREATE POLICY own_allocations ON acc_micro.allocations FOR SELECT
  USING (landlord IN (SELECT m.landlord FROM acc_micro.landlord_roles m));
GRANT USAGE ON SCHEMA acc_micro TO nous_t_acc_landlord_a, nous_t_acc_landlord_b;
GRANT SELECT ON acc_micro.allocations, acc_micro.landlord_roles TO nous_t_acc_landlord_a, nous_t_acc_landlord_b;
RESET ROLE;
SET ROLE nous_t_acc_landlord_a;
SELECT * FROM acc_micro.allocations ORDER BY id;
SELECT * FROM acc_micro.landlord_roles;
RESET ROLE;
SET ROLE nous_t_acc_landlord_b;
SELECT * FROM acc_micro.allocations ORDER BY id;
CALL public.expect_error($e$SELECT count(*) FROM acc_micro.households$e$);
RESET ROLE;
SET ROLE nous_t_acc_producer;
SELECT count(*) AS owner_sees_all FROM acc_micro.allocations;
RESET ROLE;

-- ---- bad input of the setup ----
CALL public.expect_error($e$SELECT * FROM nous.setup_roles('Bad-Prefix')$e$);
CALL public.expect_error($e$SELECT * FROM nous.setup_roles('pg_x')$e$);
CALL public.expect_error($e$SELECT * FROM nous.setup_roles(NULL)$e$);
CALL public.expect_error($e$SELECT * FROM nous.setup_roles('nous_t_acc', 'public')$e$);
CALL public.expect_error($e$SELECT * FROM nous.setup_roles('nous_t_acc', 'same', 'same')$e$);
CALL public.expect_error($e$SELECT * FROM nous.setup_roles('nous_t_acc', 'acc_micro', 'Acc Pub')$e$);
CALL public.expect_error($e$SELECT * FROM nous.drop_roles('nous_t_unknown')$e$);
SET ROLE nous_t_acc_analyst;
CALL public.expect_error($e$SELECT * FROM nous.setup_roles('nous_t_acc2')$e$);
RESET ROLE;
\set SHOW_CONTEXT never
SELECT * FROM nous.setup_roles('Bad-Prefix');
SELECT * FROM nous.drop_roles('nous_t_unknown');
SET ROLE nous_t_acc_analyst;
SELECT * FROM nous.setup_roles('nous_t_acc2');
RESET ROLE;
\set SHOW_CONTEXT errors

-- ---- clean up (roles are cluster-wide) ----
DROP OWNED BY nous_t_acc_landlord_a, nous_t_acc_landlord_b;
DROP ROLE nous_t_acc_landlord_a, nous_t_acc_landlord_b, nous_t_acc_metabase;
SELECT * FROM nous.drop_roles('nous_t_acc');
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'nous\_t\_acc%';
SELECT count(*) AS schemas_left FROM pg_namespace WHERE nspname IN ('acc_micro', 'acc_pub', 'acc_agg');
DROP TABLE public.acc_h, public.acc_t;

DROP EXTENSION pgcrypto;
