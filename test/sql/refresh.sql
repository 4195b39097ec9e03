-- refresh: registered materialized views refreshed in dependency order
-- (chain, diamond, through a plain view, explicit dependency), concurrently
-- where a unique index allows, a failing view keeping its data with its
-- dependants skipped and the independent views refreshed, the log; bad
-- registrations; empty and hostile search_path.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql

CREATE SCHEMA rf;
CREATE TABLE rf.base (id int PRIMARY KEY, kind text NOT NULL, v numeric NOT NULL, d numeric NOT NULL);
INSERT INTO rf.base SELECT g, CASE WHEN g % 2 = 0 THEN 'even' ELSE 'odd' END, g, 1 FROM generate_series(1, 10) g;

-- chain a -> (plain view a_plain) -> b -> c
CREATE MATERIALIZED VIEW rf.a AS SELECT id, kind, v FROM rf.base;
CREATE UNIQUE INDEX ON rf.a (id);                          -- auto: concurrent
CREATE VIEW rf.a_plain AS SELECT kind, v FROM rf.a;
CREATE MATERIALIZED VIEW rf.b AS SELECT kind, sum(v) AS s, count(*) AS n FROM rf.a_plain GROUP BY kind;
                                                           -- no index: not concurrent
CREATE MATERIALIZED VIEW rf.c AS SELECT sum(s) AS total FROM rf.b;
CREATE UNIQUE INDEX ON rf.c (total) WHERE total > 0;      -- partial index: not usable
-- diamond a -> d1, a -> d2, (d1, d2) -> top
CREATE MATERIALIZED VIEW rf.d1 AS SELECT id, v * 2 AS v2 FROM rf.a;
CREATE UNIQUE INDEX ON rf.d1 ((id + 0));                   -- expression index: not usable
CREATE MATERIALIZED VIEW rf.d2 AS SELECT id, v * 3 AS v3 FROM rf.a;
CREATE UNIQUE INDEX ON rf.d2 (id);
CREATE MATERIALIZED VIEW rf.top AS SELECT d1.id, v2 + v3 AS v5 FROM rf.d1 JOIN rf.d2 USING (id);
CREATE UNIQUE INDEX ON rf.top (id);
-- a view that fails once d = 0, its dependant, and an independent view
CREATE MATERIALIZED VIEW rf.f AS SELECT id, v / d AS q FROM rf.base;
CREATE UNIQUE INDEX ON rf.f (id);
CREATE MATERIALIZED VIEW rf.f_dep AS SELECT count(*) AS n FROM rf.f;
CREATE MATERIALIZED VIEW rf.indep AS SELECT count(*) AS n, sum(v) AS s FROM rf.base;
-- not populated yet: not concurrent the first time, even with a unique index
CREATE MATERIALIZED VIEW rf.later AS SELECT id FROM rf.base WITH NO DATA;
CREATE UNIQUE INDEX ON rf.later (id);
-- reads rf.a through a function: PostgreSQL cannot see it, an explicit dependency says it
CREATE FUNCTION rf.a_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM rf.a';
CREATE MATERIALIZED VIEW rf.hidden AS SELECT rf.a_count() AS n;

-- registered in an order unrelated to the dependencies
SELECT nous.refresh_register('rf.top', 'obs');
SELECT nous.refresh_register('rf.c', 'obs');
SELECT nous.refresh_register('rf.b', 'obs');
SELECT nous.refresh_register('rf.d2', 'obs');
SELECT nous.refresh_register('rf.d1', 'obs');
SELECT nous.refresh_register('rf.a', 'obs');
SELECT nous.refresh_register('rf.f_dep', 'obs');
SELECT nous.refresh_register('rf.f', 'obs');
SELECT nous.refresh_register('rf.indep', 'obs');
SELECT nous.refresh_register('rf.later', 'obs');
SELECT nous.refresh_register('rf.hidden', 'obs', depends_on => '{rf.a}');
SELECT view_schema, view_name, view_group, enabled, concurrent FROM nous.refresh_views ORDER BY 1, 2;
-- edges: b reads a through the plain view a_plain; hidden -> a is explicit
SELECT view_name, depends_name, kind FROM nous.refresh_edges() ORDER BY 1, 2;
-- levels: 0 reads no registered view; a view comes after all it reads
SELECT ordinal, view_name, level, depends_on, concurrent, note FROM nous.refresh_plan('obs');
-- named notation without quoting a reserved word (issue 15): group_name
SELECT (SELECT count(*) FROM nous.refresh_plan(group_name => 'obs')) AS named,
       (SELECT count(*) FROM nous.refresh_plan('obs')) AS positional;

-- new data, then one call
INSERT INTO rf.base SELECT g, CASE WHEN g % 2 = 0 THEN 'even' ELSE 'odd' END, g, 1 FROM generate_series(11, 20) g;
CALL nous.refresh('obs') \gset
SELECT ordinal, view_name, outcome, row_count, concurrent, sqlstate, error
  FROM nous.refresh_log WHERE run_id = :run_id ORDER BY ordinal;
-- every dependency finished before its dependant started (checked on the clock)
SELECT count(*) AS order_violations
  FROM nous.refresh_edges() e
  JOIN nous.refresh_log a ON a.run_id = :run_id AND a.view_schema = e.view_schema AND a.view_name = e.view_name
  JOIN nous.refresh_log b ON b.run_id = :run_id AND b.view_schema = e.depends_schema AND b.view_name = e.depends_name
 WHERE NOT (b.finished_at <= a.started_at AND b.ordinal < a.ordinal);
-- the views hold what plain SQL on the base table gives: 1 + ... + 20 = 210,
-- even 2 + ... + 20 = 110, odd 100; top = 5 * v for 20 rows; hidden = 20
SELECT (SELECT total FROM rf.c) AS total, (SELECT string_agg(kind || ':' || s || '/' || n, ' ' ORDER BY kind) FROM rf.b) AS b,
       (SELECT count(*) FROM rf.top WHERE v5 = 5 * id) AS top_ok, (SELECT n FROM rf.hidden) AS hidden,
       (SELECT count(*) FROM rf.later) AS later, (SELECT n || ' ' || s FROM rf.indep) AS indep;
SELECT sum(v) AS plain_total, sum(v) FILTER (WHERE kind = 'even') AS plain_even FROM rf.base;
-- now populated: later is concurrent from the next run on
SELECT view_name, concurrent, note FROM nous.refresh_plan('obs') WHERE view_name = 'later';

-- a failure: rf.f divides by zero; it keeps its 20 rows, f_dep is skipped
-- (keeps n = 20), indep and the rest are refreshed
-- (issue 15) the call ends with an ERROR a scheduler sees (fail_on_error,
-- the default), after refreshing and committing all it could; the SQLSTATE
-- is that of the first view that failed
UPDATE rf.base SET d = 0 WHERE id = 3;
INSERT INTO rf.base VALUES (21, 'odd', 21, 1);
CALL nous.refresh('obs');
SELECT max(run_id) AS run_id FROM nous.refresh_runs \gset
SELECT outcome, finished_at IS NOT NULL AS finished FROM nous.refresh_runs WHERE run_id = :run_id;
SELECT ordinal, view_name, outcome, row_count, sqlstate, error, detail
  FROM nous.refresh_log WHERE run_id = :run_id ORDER BY ordinal;
SELECT (SELECT count(*) FROM rf.f) AS f_rows_kept, (SELECT sum(q) FROM rf.f) AS f_sum_kept,
       (SELECT n FROM rf.f_dep) AS f_dep_kept, (SELECT n FROM rf.indep) AS indep_new, (SELECT total FROM rf.c) AS total_new;
-- the last run per view, as Metabase reads it
SELECT view_name, outcome, row_count, sqlstate, last_ok_at IS NOT NULL AS has_good_data,
       seconds >= 0 AS seconds_ok, (last_ok_at < finished_at) AS stale
  FROM nous.refresh_last WHERE view_schema = 'rf' ORDER BY view_name;
-- fail_on_error => false: the same run without the error (the log says it)
CALL nous.refresh('obs', fail_on_error => false) \gset
SELECT string_agg(view_name || ' ' || outcome, ', ' ORDER BY ordinal) FILTER (WHERE outcome <> 'ok') AS not_ok
  FROM nous.refresh_log WHERE run_id = :run_id;
-- the notices: one per view (name, outcome, rows or error, seconds), then the summary
SELECT regexp_replace(message, '[0-9.]+ s$', 'N s') AS notice, hint
  FROM nous.refresh_report(:run_id, 'rf', 'f')
UNION ALL SELECT regexp_replace(message, '[0-9.]+ s$', 'N s'), hint FROM nous.refresh_report(:run_id, 'rf', 'f_dep')
UNION ALL SELECT regexp_replace(message, '[0-9.]+ s$', 'N s'), hint FROM nous.refresh_report(:run_id, 'rf', 'a');
SELECT regexp_replace(message, '[0-9.]+ s$', 'N s') AS summary, not_refreshed, error_message, error_sqlstate,
       error_detail, error_hint
  FROM nous.refresh_summary(:run_id);
-- inside a transaction block an error would roll back the refreshed views: a warning
BEGIN;
CALL nous.refresh('obs') \gset
SELECT count(*) FILTER (WHERE outcome = 'ok') AS ok_in_block FROM nous.refresh_log WHERE run_id = :run_id;
COMMIT;
UPDATE rf.base SET d = 1 WHERE id = 3;

-- forced concurrent without a usable index: failed and logged, data kept
CREATE MATERIALIZED VIEW rf.forced AS SELECT 1 AS x;
SELECT nous.refresh_register('rf.forced', 'forced', concurrent => true);
SELECT view_name, concurrent, note FROM nous.refresh_plan('forced');
SELECT view_name, outcome, concurrent, sqlstate, error FROM nous.refresh_now('forced');
-- forced not concurrent on a view that could be
SELECT nous.refresh_unregister('rf.forced');
CREATE UNIQUE INDEX ON rf.forced (x);
SELECT nous.refresh_register('rf.forced', 'forced', concurrent => false);
SELECT view_name, outcome, concurrent FROM nous.refresh_now('forced');

-- a disabled view is left out; refresh_now refreshes within the transaction
SELECT nous.refresh_enable('rf.indep', false);
SELECT count(*) AS planned, count(*) FILTER (WHERE view_name = 'indep') AS indep_planned FROM nous.refresh_plan('obs');
SELECT nous.refresh_enable('rf.indep');
-- inside a transaction block CALL falls back to subtransactions: all or nothing with the caller
BEGIN;
CALL nous.refresh('obs') \gset
SELECT count(*) AS logged_in_transaction, bool_and(outcome = 'ok') AS all_ok FROM nous.refresh_log WHERE run_id = :run_id;
ROLLBACK;
SELECT count(*) AS logged_after_rollback FROM nous.refresh_log WHERE run_id = :run_id;
-- also when BEGIN and CALL (or two statements) come in one query string
SELECT nous.refresh_in_transaction_block() AS in_block_alone;
BEGIN\; SELECT nous.refresh_in_transaction_block() AS in_block_after_begin\; COMMIT;
SET client_min_messages = warning\; CALL nous.refresh('obs') \gset
SELECT count(*) AS runs_ok FROM nous.refresh_log WHERE run_id = :run_id AND outcome = 'ok';
-- NULL group: every enabled view of every group (11 in obs + forced)
SELECT count(*) AS views, count(*) FILTER (WHERE outcome = 'ok') AS ok FROM nous.refresh_now();

-- a dropped view: failed with 42P01, its dependants skipped
CREATE MATERIALIZED VIEW rf.gone AS SELECT 1 AS x;
CREATE MATERIALIZED VIEW rf.gone_dep AS SELECT x FROM rf.gone;
SELECT nous.refresh_register('rf.gone', 'gone');
SELECT nous.refresh_register('rf.gone_dep', 'gone', '{rf.gone}');
DROP MATERIALIZED VIEW rf.gone CASCADE;
CREATE MATERIALIZED VIEW rf.gone_dep AS SELECT 2 AS x;
SELECT view_name, level, concurrent, note FROM nous.refresh_plan('gone');
SELECT view_name, outcome, sqlstate, error FROM nous.refresh_now('gone');
SELECT nous.refresh_unregister('rf', 'gone');
SELECT count(*) AS gone_dependencies_left FROM nous.refresh_dependencies WHERE depends_name = 'gone';
SELECT nous.refresh_unregister('rf.gone_dep');

-- bad registrations: nothing is stored
CALL public.expect_error($e$SELECT nous.refresh_register('rf.base')$e$);                  -- a table
CALL public.expect_error($e$SELECT nous.refresh_register('rf.a_plain')$e$);               -- a plain view
CALL public.expect_error($e$SELECT nous.refresh_register('rf.nope')$e$);                  -- unknown
CALL public.expect_error($e$SELECT nous.refresh_register('rf.a', 'again')$e$);            -- duplicate
CALL public.expect_error($e$SELECT nous.refresh_register(NULL)$e$);
CALL public.expect_error($e$SELECT nous.refresh_register('rf.a', NULL)$e$);
CREATE MATERIALIZED VIEW rf.x AS SELECT 1 AS k;
CREATE MATERIALIZED VIEW rf.y AS SELECT k FROM rf.x;
CALL public.expect_error($e$SELECT nous.refresh_register('rf.x', '')$e$);                 -- empty group
CALL public.expect_error($e$SELECT nous.refresh_register('rf.x', 'cyc', '{rf.x}')$e$);    -- itself
CALL public.expect_error($e$SELECT nous.refresh_register('rf.x', 'cyc', '{rf.y}')$e$);    -- y not registered
CALL public.expect_error($e$SELECT nous.refresh_register('rf.x', 'cyc', '{rf.base}')$e$); -- not a materialized view
SELECT nous.refresh_register('rf.y', 'cyc');
CALL public.expect_error($e$SELECT nous.refresh_register('rf.x', 'cyc', '{rf.y}')$e$);    -- y reads x: a cycle
CALL public.expect_error($e$SELECT nous.refresh_unregister('rf.x')$e$);                   -- not registered
CALL public.expect_error($e$SELECT nous.refresh_unregister('rf', 'nope')$e$);
CALL public.expect_error($e$SELECT nous.refresh_enable('rf.x')$e$);
CALL public.expect_error($e$SELECT nous.refresh_now('no_such_group')$e$);
CALL public.expect_error($e$CALL nous.refresh('no_such_group')$e$);
CALL public.expect_error($e$SELECT nous.refresh_log_prune(NULL)$e$);
SELECT nous.refresh_register('rf.base');
SELECT nous.refresh_register('rf.x', 'cyc', '{rf.y}');
SELECT nous.refresh_now('no_such_group');
SELECT count(*) AS registered, count(*) FILTER (WHERE view_group = 'cyc') AS in_cyc FROM nous.refresh_views;
-- an explicit cycle made by editing the table is caught at the next plan
INSERT INTO nous.refresh_views (view_schema, view_name, view_group) VALUES ('rf', 'x', 'cyc');
INSERT INTO nous.refresh_dependencies VALUES ('rf', 'x', 'rf', 'y');
CALL public.expect_error($e$SELECT * FROM nous.refresh_plan('cyc')$e$);
CALL public.expect_error($e$CALL nous.refresh('obs')$e$);
DELETE FROM nous.refresh_views WHERE view_group = 'cyc';

-- empty search_path, then a hostile public schema first in the path: an
-- operator = on text, an aggregate count(*) and a function format() that
-- raise if called; nous never calls them
SET search_path = '';
CALL nous.refresh('obs') \gset
SELECT count(*) AS views, bool_and(outcome = 'ok') AS all_ok FROM nous.refresh_log WHERE run_id = :run_id;
SELECT count(*) AS planned FROM nous.refresh_plan('obs');
RESET search_path;
CREATE FUNCTION public.hostile_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'hostile operator called'; END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.hostile_eq);
CREATE FUNCTION public.hostile_count_sf(bigint) RETURNS bigint LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'hostile count called'; END $$;
CREATE AGGREGATE public.count(*) (SFUNC = public.hostile_count_sf, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION public.format(text, VARIADIC text[]) RETURNS text LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'hostile format called'; END $$;
SET search_path = public, pg_catalog;
SELECT 'a'::text = 'a'::text;                              -- the hostile operator is live
SELECT format('%s', 'a'::text);                            -- so is format
CALL nous.refresh('obs') \gset
SELECT nous.refresh_register('rf.y', 'hostile');
SELECT nous.refresh_unregister('rf.y');
SELECT pg_catalog.count(*) AS planned FROM nous.refresh_plan('obs');
SELECT pg_catalog.count(*) OPERATOR(pg_catalog.=) 11 AS all_ok
  FROM nous.refresh_log WHERE run_id OPERATOR(pg_catalog.=) :run_id AND outcome OPERATOR(pg_catalog.=) 'ok'::text;
RESET search_path;
DROP AGGREGATE public.count(*);
DROP FUNCTION public.hostile_count_sf(bigint);
DROP OPERATOR public.= (text, text);
DROP FUNCTION public.hostile_eq(text, text);
DROP FUNCTION public.format(text, VARIADIC text[]);

-- every PL/pgSQL routine of the module pins its search_path, except the
-- procedure (PostgreSQL forbids COMMIT in a procedure with a SET clause),
-- which only calls schema-qualified functions with exact argument types
SELECT p.oid::regprocedure AS routine, p.prokind, p.proconfig
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'nous'::regnamespace AND p.proname LIKE 'refresh%'
   AND l.lanname IN ('plpgsql', 'sql') AND p.prosqlbody IS NULL
   AND (p.proconfig IS NULL OR NOT 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig));
SELECT count(*) AS routines_with_pinned_search_path
  FROM pg_proc p WHERE p.pronamespace = 'nous'::regnamespace AND p.proname LIKE 'refresh%'
   AND 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig);

-- an interrupted run (issue 13): each run is recorded as running before its
-- first view; one whose backend died after it refreshed rf.a (simulated here
-- by a backend that does not exist) shows as interrupted at once, with the
-- views it did not refresh, which nous.refresh_last marks stale; the next run
-- records it as interrupted and says so
SELECT nextval('nous.refresh_run_seq') AS dead_run \gset
INSERT INTO nous.refresh_runs (run_id, run_group, started_at, backend_pid, backend_start, outcome, planned)
  SELECT :dead_run, 'obs', now(), 0, now(), 'running', array_agg(format('%I.%I', view_schema, view_name) ORDER BY ordinal)
    FROM nous.refresh_plan('obs');
INSERT INTO nous.refresh_log (run_id, ordinal, view_schema, view_name, view_group, started_at, finished_at,
                              row_count, concurrent, outcome)
  VALUES (:dead_run, 1, 'rf', 'a', 'obs', now(), now(), 10, true, 'ok');
SELECT outcome, finished_at, not_refreshed, views_ok, views_not_ok
  FROM nous.refresh_run_status WHERE run_id = :dead_run;
SELECT outcome FROM nous.refresh_runs WHERE run_id = :dead_run;
SELECT view_name, stale, interrupted_run = :dead_run AS by_that_run
  FROM nous.refresh_last WHERE view_group = 'obs' ORDER BY view_name;
-- (only the notice of the interruption is shown here: those of the views
-- carry their durations)
SET client_min_messages = notice;
SELECT count(*) AS views FROM nous.refresh_now('obs');
SET client_min_messages = warning;
SELECT max(run_id) AS run_id FROM nous.refresh_runs \gset
SELECT outcome, finished_at, not_refreshed FROM nous.refresh_runs WHERE run_id = :dead_run;
SELECT outcome, finished_at IS NOT NULL AS finished, not_refreshed FROM nous.refresh_runs WHERE run_id = :run_id;
SELECT count(*) FILTER (WHERE stale) AS stale_views FROM nous.refresh_last;
-- a run is alive while its backend runs the statement that started it, and
-- only then: the same backend running another statement has left it
WITH r AS (
  INSERT INTO nous.refresh_runs (run_id, run_group, started_at, backend_pid, backend_start, outcome, planned)
  SELECT nextval('nous.refresh_run_seq'), 'obs', statement_timestamp(), pg_backend_pid(), a.backend_start, 'running', '{}'
    FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()
  RETURNING *)
SELECT nous.refresh_run_alive(r.backend_pid, r.backend_start, r.started_at) AS alive_in_its_statement FROM r;
SELECT outcome FROM nous.refresh_run_status WHERE run_id = (SELECT max(run_id) FROM nous.refresh_runs);
SELECT count(*) AS views FROM nous.refresh_now('obs');
SELECT outcome, count(*) FROM nous.refresh_runs GROUP BY outcome ORDER BY outcome;

-- pruning the log keeps the last run of each view
SELECT nous.refresh_log_prune('0 s') > 0 AS pruned;
SELECT count(*) = count(DISTINCT (view_schema, view_name)) AS one_run_per_view_left FROM nous.refresh_log;
SELECT count(*) AS views_with_a_last_run FROM nous.refresh_last WHERE run_id IS NOT NULL;

-- (issue 15) a login that owns registrations but lacks rights: the error
-- names the grant that is missing, with no chain of internal functions
CREATE ROLE nous_rf_login LOGIN;
CREATE TABLE rf.secret_src (x int);
INSERT INTO rf.secret_src VALUES (1);
CREATE MATERIALIZED VIEW rf.not_mine AS SELECT 1 AS x;                  -- owned by the superuser
CREATE MATERIALIZED VIEW rf.mine AS SELECT x FROM rf.secret_src;
ALTER MATERIALIZED VIEW rf.mine OWNER TO nous_rf_login;                 -- its owner may not read secret_src
SELECT nous.refresh_register('rf.not_mine', 'priv2');
SELECT nous.refresh_register('rf.mine', 'priv');
UPDATE nous.refresh_views SET registered_by = 'nous_rf_login' WHERE view_group IN ('priv', 'priv2');
GRANT USAGE ON SCHEMA rf TO nous_rf_login;
SET ROLE nous_rf_login;
CALL nous.refresh('priv');
RESET ROLE;
GRANT SELECT ON nous.refresh_views, nous.refresh_dependencies, nous.refresh_run_status TO nous_rf_login;
GRANT SELECT, INSERT, UPDATE ON nous.refresh_runs TO nous_rf_login;
GRANT SELECT, INSERT ON nous.refresh_log TO nous_rf_login;
GRANT USAGE ON SEQUENCE nous.refresh_run_seq TO nous_rf_login;
SET ROLE nous_rf_login;
SELECT nous.refresh_missing_grants() AS missing;
CALL nous.refresh('priv');
RESET ROLE;
SELECT view_name, outcome, sqlstate, error FROM nous.refresh_log
 WHERE run_id = (SELECT max(run_id) FROM nous.refresh_runs) ORDER BY ordinal;
-- the grant the hint names is the one that fixes it
GRANT SELECT ON rf.secret_src TO nous_rf_login;
SET ROLE nous_rf_login;
CALL nous.refresh('priv');
RESET ROLE;
SELECT view_name, outcome FROM nous.refresh_log
 WHERE run_id = (SELECT max(run_id) FROM nous.refresh_runs) ORDER BY ordinal;
-- a view the login does not own: REFRESH needs its owner (PostgreSQL 17+:
-- or MAINTAIN, whose message and hint say so; the terse error is the same)
SET ROLE nous_rf_login;
\set VERBOSITY terse
CALL nous.refresh('priv2');
\set VERBOSITY default
SELECT view_name, outcome, sqlstate,
       regexp_replace(nous.refresh_privilege_hint(view_schema, view_name, sqlstate, error),
                      ' or the MAINTAIN privilege \(GRANT MAINTAIN ON [^)]*\)', '') AS hint
  FROM nous.refresh_log WHERE run_id = (SELECT max(run_id) FROM nous.refresh_runs);
RESET ROLE;
SELECT nous.raise_error('22023', 'a message', '', 'a hint');
SELECT nous.raise_error('not a state', 'a message', NULL, NULL);
DELETE FROM nous.refresh_views WHERE view_group IN ('priv', 'priv2');
DROP OWNED BY nous_rf_login;
DROP ROLE nous_rf_login;

DROP SCHEMA rf CASCADE;
DELETE FROM nous.refresh_views;
DELETE FROM nous.refresh_log;
DELETE FROM nous.refresh_runs;
