-- refresh (issue 13): every run is recorded in nous.refresh_runs before its
-- first view, so that an interrupted CALL nous.refresh leaves a trace:
-- nous.refresh_run_status, the new columns interrupted_run and stale of
-- nous.refresh_last, and a notice from the next run.
CREATE TABLE nous.refresh_runs (
  run_id        bigint PRIMARY KEY,
  run_group     text,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz,
  backend_pid   integer NOT NULL,
  backend_start timestamptz,
  outcome       text NOT NULL CHECK (outcome IN ('running', 'done', 'interrupted')),
  planned       text[] NOT NULL,
  not_refreshed text[]
);
COMMENT ON TABLE nous.refresh_runs IS
  'One row per refresh run, written (and committed by CALL nous.refresh) before the first view: a run that never reaches its end (cancelled, timed out, its backend killed) stays ''running'' here, and the next run marks it ''interrupted'' with the views it did not refresh.';
COMMENT ON COLUMN nous.refresh_runs.run_id IS 'Number of the run (nous.refresh_log.run_id).';
COMMENT ON COLUMN nous.refresh_runs.run_group IS 'Group refreshed; NULL: every group.';
COMMENT ON COLUMN nous.refresh_runs.started_at IS 'Start of the statement that ran the refresh.';
COMMENT ON COLUMN nous.refresh_runs.finished_at IS 'When the run ended; NULL while it runs or when it was interrupted.';
COMMENT ON COLUMN nous.refresh_runs.backend_pid IS 'Process id of the backend that ran it.';
COMMENT ON COLUMN nous.refresh_runs.backend_start IS 'Start of that backend (process ids are reused).';
COMMENT ON COLUMN nous.refresh_runs.outcome IS 'running; done (every view handled, see nous.refresh_log); interrupted (the run stopped before its end: see not_refreshed).';
COMMENT ON COLUMN nous.refresh_runs.planned IS 'The views the run was to refresh, in its order (schema.name).';
COMMENT ON COLUMN nous.refresh_runs.not_refreshed IS 'For an interrupted run: the views of its plan it did not refresh, in its order (the first was being refreshed when it stopped): their data is older than the run.';

SELECT pg_catalog.pg_extension_config_dump('nous.refresh_runs', '');

-- Whether the backend of a run still runs it: the same process (pid and
-- start time) still executing the statement that started the run.  When the
-- caller may not see that backend's state (another role without
-- pg_read_all_stats), the run is presumed alive.
CREATE FUNCTION nous.refresh_run_alive(pid integer, backend_start timestamptz, started_at timestamptz)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                  WHERE a.pid = refresh_run_alive.pid
                    AND a.backend_start IS NOT DISTINCT FROM refresh_run_alive.backend_start
                    AND (a.state IS NULL
                         OR (a.state = 'active' AND a.query_start <= refresh_run_alive.started_at)));
END;
COMMENT ON FUNCTION nous.refresh_run_alive(integer, timestamptz, timestamptz) IS
  'Whether a refresh run is still going on: its backend (pid and start time) exists and is still executing the statement that started the run (true when the caller may not see that backend''s state).';

CREATE VIEW nous.refresh_run_status AS
SELECT r.run_id, r.run_group, r.started_at, r.finished_at, r.backend_pid,
       CASE WHEN r.outcome = 'running'
                 AND NOT nous.refresh_run_alive(r.backend_pid, r.backend_start, r.started_at)
            THEN 'interrupted' ELSE r.outcome END AS outcome,
       coalesce(r.not_refreshed,
                CASE WHEN r.outcome = 'running'
                          AND NOT nous.refresh_run_alive(r.backend_pid, r.backend_start, r.started_at)
                     THEN (SELECT coalesce(array_agg(u.v ORDER BY u.o), '{}')
                             FROM pg_catalog.unnest(r.planned) WITH ORDINALITY AS u(v, o)
                            WHERE NOT EXISTS (SELECT 1 FROM nous.refresh_log l
                                               WHERE l.run_id = r.run_id
                                                 AND pg_catalog.format('%I.%I', l.view_schema, l.view_name) = u.v))
                END) AS not_refreshed,
       (SELECT count(*) FROM nous.refresh_log l WHERE l.run_id = r.run_id AND l.outcome = 'ok') AS views_ok,
       (SELECT count(*) FROM nous.refresh_log l WHERE l.run_id = r.run_id AND l.outcome <> 'ok') AS views_not_ok
  FROM nous.refresh_runs r;
COMMENT ON VIEW nous.refresh_run_status IS
  'Every refresh run with its outcome as of now: running, done, or interrupted (a run whose backend is gone or no longer runs it, even before the next run records it), the views it did not refresh, and how many views it refreshed or not.';
COMMENT ON COLUMN nous.refresh_run_status.run_id IS 'Number of the run.';
COMMENT ON COLUMN nous.refresh_run_status.run_group IS 'Group refreshed; NULL: every group.';
COMMENT ON COLUMN nous.refresh_run_status.started_at IS 'When the run started.';
COMMENT ON COLUMN nous.refresh_run_status.finished_at IS 'When it ended (NULL: running or interrupted).';
COMMENT ON COLUMN nous.refresh_run_status.backend_pid IS 'Process id of the backend that ran it.';
COMMENT ON COLUMN nous.refresh_run_status.outcome IS 'running, done or interrupted.';
COMMENT ON COLUMN nous.refresh_run_status.not_refreshed IS 'For an interrupted run: the views of its plan it did not refresh, in its order (the first was being refreshed when it stopped): stale since then.';
COMMENT ON COLUMN nous.refresh_run_status.views_ok IS 'Views the run refreshed successfully.';
COMMENT ON COLUMN nous.refresh_run_status.views_not_ok IS 'Views the run logged as failed or skipped.';

CREATE OR REPLACE VIEW nous.refresh_last AS
SELECT r.view_schema, r.view_name, r.view_group, r.enabled,
       l.run_id, l.started_at, l.finished_at,
       pg_catalog.date_part('epoch', l.finished_at - l.started_at) AS seconds,
       l.row_count, l.concurrent, l.outcome, l.sqlstate, l.error,
       g.last_ok_at,
       i.run_id AS interrupted_run,
       i.run_id IS NOT NULL AS stale
  FROM nous.refresh_views r
  LEFT JOIN LATERAL (SELECT x.* FROM nous.refresh_log x
                      WHERE x.view_schema = r.view_schema AND x.view_name = r.view_name
                      ORDER BY x.run_id DESC LIMIT 1) l ON true
  LEFT JOIN LATERAL (SELECT max(x.finished_at) AS last_ok_at FROM nous.refresh_log x
                      WHERE x.view_schema = r.view_schema AND x.view_name = r.view_name
                        AND x.outcome = 'ok') g ON true
  LEFT JOIN LATERAL (SELECT x.run_id FROM nous.refresh_run_status x
                      WHERE x.outcome = 'interrupted'
                        AND format('%I.%I', r.view_schema, r.view_name) = ANY (x.not_refreshed)
                        AND x.run_id > coalesce(l.run_id, 0)
                      ORDER BY x.run_id DESC LIMIT 1) i ON true;
COMMENT ON VIEW nous.refresh_last IS
  'Last refresh of each registered materialized view (for a Metabase dashboard): outcome, duration, rows, error, and when its data was last refreshed successfully.';
COMMENT ON COLUMN nous.refresh_last.interrupted_run IS 'A run after the last one logged for the view that was interrupted before it refreshed the view (NULL: none).';
COMMENT ON COLUMN nous.refresh_last.stale IS 'True when a later run that should have refreshed the view was interrupted before it did: the data is older than that run.';


CREATE OR REPLACE FUNCTION nous.refresh_begin("group" text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prev record;
  run  bigint;
BEGIN
  IF "group" IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM nous.refresh_views r WHERE r.view_group = refresh_begin."group") THEN
    RAISE EXCEPTION 'no materialized view is registered in group "%"', "group"
      USING ERRCODE = 'undefined_object',
            HINT = 'See the table nous.refresh_views; register views with nous.refresh_register(view, group).';
  END IF;
  PERFORM count(*) FROM nous.refresh_plan("group");   -- a cycle stops the run before it starts
  -- earlier runs that stopped before their end are recorded as interrupted
  FOR prev IN SELECT s.run_id, s.not_refreshed FROM nous.refresh_run_status s
               WHERE s.outcome = 'interrupted'
                 AND s.run_id IN (SELECT x.run_id FROM nous.refresh_runs x WHERE x.outcome = 'running')
               ORDER BY s.run_id LOOP
    UPDATE nous.refresh_runs x SET outcome = 'interrupted', not_refreshed = prev.not_refreshed
     WHERE x.run_id = prev.run_id;
    RAISE NOTICE 'refresh run % was interrupted before its end', prev.run_id
      USING DETAIL = CASE WHEN cardinality(prev.not_refreshed) = 0 THEN 'It had handled every view.'
                          ELSE format('It did not refresh %s.', array_to_string(prev.not_refreshed, ', ')) END;
  END LOOP;
  run := nextval('nous.refresh_run_seq');
  INSERT INTO nous.refresh_runs (run_id, run_group, started_at, backend_pid, backend_start, outcome, planned)
  SELECT run, "group", statement_timestamp(), pg_backend_pid(),
         (SELECT a.backend_start FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()), 'running',
         (SELECT coalesce(array_agg(format('%I.%I', p.view_schema, p.view_name) ORDER BY p.ordinal), '{}')
            FROM nous.refresh_plan("group") p);
  RETURN run;
END
$$;
COMMENT ON FUNCTION nous.refresh_begin(text) IS
  'Internal step of nous.refresh: check the group and the dependency graph, record earlier runs that stopped before their end as interrupted, record the new run as running and return its number.';

CREATE FUNCTION nous.refresh_end(run_id bigint)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
  UPDATE nous.refresh_runs r SET finished_at = pg_catalog.clock_timestamp(), outcome = 'done'
   WHERE r.run_id = refresh_end.run_id;
END;
COMMENT ON FUNCTION nous.refresh_end(bigint) IS
  'Internal step of nous.refresh: record the run as done (every view handled).';

CREATE OR REPLACE FUNCTION nous.refresh_now("group" text DEFAULT NULL, lock_timeout interval DEFAULT NULL)
RETURNS SETOF nous.refresh_log
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  run bigint := nous.refresh_begin("group");
BEGIN
  WHILE nous.refresh_step(run, "group", lock_timeout) LOOP
  END LOOP;
  PERFORM nous.refresh_end(run);
  RETURN QUERY SELECT * FROM nous.refresh_log l WHERE l.run_id = run ORDER BY l.ordinal;
END
$$;
COMMENT ON FUNCTION nous.refresh_now(text, interval) IS
  'Refresh the enabled views of a group (NULL: all) in dependency order within the current transaction (each view in a subtransaction) and return the log of the run; for clients that can only SELECT. CALL nous.refresh() commits after each view instead.';

CREATE OR REPLACE PROCEDURE nous.refresh("group" text DEFAULT NULL, lock_timeout interval DEFAULT NULL,
                              INOUT run_id bigint DEFAULT NULL)
LANGUAGE plpgsql
AS $$
BEGIN
  run_id := nous.refresh_begin("group");
  IF nous.refresh_in_transaction_block() THEN
    -- inside BEGIN ... COMMIT: no commit possible; each view still runs in a
    -- subtransaction, and everything commits (or not) with the caller
    RAISE NOTICE 'nous.refresh called inside a transaction block: the views are refreshed in subtransactions and committed with the transaction';
    WHILE nous.refresh_step(run_id, "group", lock_timeout) LOOP
    END LOOP;
    PERFORM nous.refresh_end(run_id);
    RETURN;
  END IF;
  COMMIT;   -- the run is recorded as running: an interruption leaves this trace
  WHILE nous.refresh_step(run_id, "group", lock_timeout) LOOP
    COMMIT;
  END LOOP;
  PERFORM nous.refresh_end(run_id);
  COMMIT;
END
$$;
COMMENT ON PROCEDURE nous.refresh(text, interval, bigint) IS
  'Refresh the enabled registered views of a group (NULL: all groups) in dependency order, concurrently where possible, committing after each view; a failing view keeps its data and its dependants are skipped; every view is logged in nous.refresh_log. Returns the run number.';

CREATE OR REPLACE FUNCTION nous.refresh_log_prune(keep interval DEFAULT '90 days')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  n bigint;
BEGIN
  IF keep IS NULL OR keep < interval '0' THEN
    RAISE EXCEPTION 'keep must be a non-negative interval' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- the last run of each view is always kept (nous.refresh_last)
  DELETE FROM nous.refresh_log l
   WHERE l.finished_at < now() - keep
     AND l.run_id < (SELECT max(x.run_id) FROM nous.refresh_log x
                      WHERE x.view_schema = l.view_schema AND x.view_name = l.view_name);
  GET DIAGNOSTICS n = ROW_COUNT;
  -- the runs left without a log row, unless still running
  DELETE FROM nous.refresh_runs r
   WHERE r.started_at < now() - keep AND r.outcome <> 'running'
     AND NOT EXISTS (SELECT 1 FROM nous.refresh_log l WHERE l.run_id = r.run_id);
  RETURN n;
END
$$;
COMMENT ON FUNCTION nous.refresh_log_prune(interval) IS
  'Delete the log rows older than keep (default 90 days), except the last run of each view, and the runs older than keep left without a log row; returns the number of log rows deleted.';
