-- refresh: registered materialized views refreshed in dependency order (one
-- call for a nightly job), concurrently where a unique index allows, each run
-- logged; a failing view keeps its last good data and only its dependants are
-- skipped.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- ---- registry ------------------------------------------------------------
-- A view is identified by its schema and name as text (not by oid), so that
-- registrations survive pg_dump / pg_restore.
CREATE TABLE nous.refresh_views (
  view_schema   text NOT NULL,
  view_name     text NOT NULL,
  view_group    text NOT NULL DEFAULT 'default' CHECK (view_group <> ''),
  enabled       boolean NOT NULL DEFAULT true,
  concurrent    boolean,
  registered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  registered_by name NOT NULL DEFAULT CURRENT_USER,
  PRIMARY KEY (view_schema, view_name)
);
COMMENT ON TABLE nous.refresh_views IS
  'Materialized views registered for nous.refresh(): one row per view, by schema and name (so that registrations survive dump/restore).';
COMMENT ON COLUMN nous.refresh_views.view_schema IS 'Schema of the materialized view.';
COMMENT ON COLUMN nous.refresh_views.view_name IS 'Name of the materialized view.';
COMMENT ON COLUMN nous.refresh_views.view_group IS 'Group of the view: nous.refresh(group) refreshes one group (e.g. nightly); NULL refreshes all.';
COMMENT ON COLUMN nous.refresh_views.enabled IS 'False to leave the view out of every refresh without unregistering it.';
COMMENT ON COLUMN nous.refresh_views.concurrent IS 'REFRESH ... CONCURRENTLY: true always, false never, NULL (auto) when the view is populated and has a usable unique index.';
COMMENT ON COLUMN nous.refresh_views.registered_at IS 'When the view was registered.';
COMMENT ON COLUMN nous.refresh_views.registered_by IS 'Role that registered the view.';

CREATE TABLE nous.refresh_dependencies (
  view_schema    text NOT NULL,
  view_name      text NOT NULL,
  depends_schema text NOT NULL,
  depends_name   text NOT NULL,
  PRIMARY KEY (view_schema, view_name, depends_schema, depends_name),
  FOREIGN KEY (view_schema, view_name) REFERENCES nous.refresh_views
    ON DELETE CASCADE ON UPDATE CASCADE,
  FOREIGN KEY (depends_schema, depends_name) REFERENCES nous.refresh_views
    ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE nous.refresh_dependencies IS
  'Explicit dependencies between registered views (those PostgreSQL cannot see, e.g. through a function); the ones read by the query, directly or through plain views, are found automatically.';
COMMENT ON COLUMN nous.refresh_dependencies.view_schema IS 'Schema of the dependent view.';
COMMENT ON COLUMN nous.refresh_dependencies.view_name IS 'Name of the dependent view.';
COMMENT ON COLUMN nous.refresh_dependencies.depends_schema IS 'Schema of the view refreshed first.';
COMMENT ON COLUMN nous.refresh_dependencies.depends_name IS 'Name of the view refreshed first.';

CREATE SEQUENCE nous.refresh_run_seq;
COMMENT ON SEQUENCE nous.refresh_run_seq IS 'Numbers of the refresh runs (nous.refresh_log.run_id).';

CREATE TABLE nous.refresh_log (
  run_id      bigint NOT NULL,
  ordinal    integer NOT NULL,
  view_schema text NOT NULL,
  view_name   text NOT NULL,
  view_group  text NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  row_count   bigint,
  concurrent  boolean,
  outcome     text NOT NULL CHECK (outcome IN ('ok', 'failed', 'skipped')),
  sqlstate    text,
  error       text,
  detail      text,
  PRIMARY KEY (run_id, view_schema, view_name)
);
CREATE INDEX refresh_log_view ON nous.refresh_log (view_schema, view_name, run_id);
COMMENT ON TABLE nous.refresh_log IS
  'One row per view and refresh run: when, how many rows after the refresh, whether CONCURRENTLY was used, the outcome (ok, failed, skipped) and the error.';
COMMENT ON COLUMN nous.refresh_log.run_id IS 'Number of the run (one call of nous.refresh or nous.refresh_now).';
COMMENT ON COLUMN nous.refresh_log.ordinal IS 'Position of the view in the run (dependency order).';
COMMENT ON COLUMN nous.refresh_log.view_schema IS 'Schema of the materialized view.';
COMMENT ON COLUMN nous.refresh_log.view_name IS 'Name of the materialized view.';
COMMENT ON COLUMN nous.refresh_log.view_group IS 'Group of the view at the time of the run.';
COMMENT ON COLUMN nous.refresh_log.started_at IS 'When the refresh of this view started.';
COMMENT ON COLUMN nous.refresh_log.finished_at IS 'When it ended (committed soon after by CALL nous.refresh).';
COMMENT ON COLUMN nous.refresh_log.row_count IS 'Rows of the view after a successful refresh; NULL otherwise.';
COMMENT ON COLUMN nous.refresh_log.concurrent IS 'Whether REFRESH MATERIALIZED VIEW CONCURRENTLY was used (readers not blocked).';
COMMENT ON COLUMN nous.refresh_log.outcome IS 'ok; failed (the view keeps its previous data); skipped (a view it depends on failed or was skipped).';
COMMENT ON COLUMN nous.refresh_log.sqlstate IS 'SQLSTATE of the error when failed.';
COMMENT ON COLUMN nous.refresh_log.error IS 'Error message when failed; for skipped, the view that failed.';
COMMENT ON COLUMN nous.refresh_log.detail IS 'Error detail when failed, if any.';

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

-- registrations and the log are user data: pg_dump keeps them
SELECT pg_catalog.pg_extension_config_dump('nous.refresh_views', '');
SELECT pg_catalog.pg_extension_config_dump('nous.refresh_dependencies', '');
SELECT pg_catalog.pg_extension_config_dump('nous.refresh_log', '');
SELECT pg_catalog.pg_extension_config_dump('nous.refresh_run_seq', '');
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

CREATE VIEW nous.refresh_last AS
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
  'Dernier rafraîchissement de chaque vue matérialisée enregistrée (pour un tableau de bord Metabase) : résultat, durée, lignes, erreur, et date des dernières données rafraîchies avec succès.';
COMMENT ON COLUMN nous.refresh_last.view_schema IS 'Schéma de la vue matérialisée.';
COMMENT ON COLUMN nous.refresh_last.view_name IS 'Nom de la vue matérialisée.';
COMMENT ON COLUMN nous.refresh_last.view_group IS 'Groupe de la vue (nous.refresh(groupe) rafraîchit un groupe, par exemple nightly).';
COMMENT ON COLUMN nous.refresh_last.enabled IS 'Vrai si la vue est rafraîchie par nous.refresh().';
COMMENT ON COLUMN nous.refresh_last.run_id IS 'Dernier passage qui a traité la vue (vide : jamais rafraîchie par nous).';
COMMENT ON COLUMN nous.refresh_last.started_at IS 'Début du dernier rafraîchissement de la vue.';
COMMENT ON COLUMN nous.refresh_last.finished_at IS 'Fin du dernier rafraîchissement de la vue.';
COMMENT ON COLUMN nous.refresh_last.seconds IS 'Durée du dernier rafraîchissement, en secondes.';
COMMENT ON COLUMN nous.refresh_last.row_count IS 'Nombre de lignes de la vue après son dernier rafraîchissement (vide s''il a échoué ou a été sauté).';
COMMENT ON COLUMN nous.refresh_last.concurrent IS 'Vrai si le dernier rafraîchissement s''est fait sans bloquer les lecteurs (CONCURRENTLY).';
COMMENT ON COLUMN nous.refresh_last.outcome IS 'Résultat : ok, failed (échec : la vue garde ses données précédentes) ou skipped (sautée : une vue dont elle dépend a échoué).';
COMMENT ON COLUMN nous.refresh_last.sqlstate IS 'Code SQLSTATE de la dernière erreur.';
COMMENT ON COLUMN nous.refresh_last.error IS 'Message de la dernière erreur (en anglais, tel que PostgreSQL l''écrit).';
COMMENT ON COLUMN nous.refresh_last.last_ok_at IS 'Date du dernier rafraîchissement réussi : les données de la vue datent de ce moment.';
COMMENT ON COLUMN nous.refresh_last.interrupted_run IS 'Passage postérieur au dernier enregistré pour la vue, interrompu avant de la rafraîchir (vide : aucun).';
COMMENT ON COLUMN nous.refresh_last.stale IS 'Vrai quand un passage qui devait rafraîchir la vue a été interrompu avant : ses données sont plus anciennes que ce passage.';

-- ---- helpers -------------------------------------------------------------
CREATE FUNCTION nous.refresh_concurrent_possible(view regclass)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT c.relispopulated
         AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                      WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid
                        AND i.indpred IS NULL AND i.indexprs IS NULL
                        AND 0 <> ALL (i.indkey::int2[]))
    FROM pg_catalog.pg_class c
   WHERE c.oid = refresh_concurrent_possible.view AND c.relkind = 'm';
END;
COMMENT ON FUNCTION nous.refresh_concurrent_possible(regclass) IS
  'Whether REFRESH MATERIALIZED VIEW CONCURRENTLY can run on the view: it is populated and has a valid unique index on plain columns with no WHERE clause.';

CREATE FUNCTION nous.refresh_edges()
RETURNS TABLE (view_schema text, view_name text, depends_schema text, depends_name text, kind text)
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH RECURSIVE reg AS (
    SELECT r.view_schema, r.view_name, c.oid
      FROM nous.refresh_views r
      JOIN pg_catalog.pg_namespace n ON n.nspname = r.view_schema
      JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = r.view_name AND c.relkind = 'm'
  ), reads (root, rel) AS (
    SELECT reg.oid, d.refobjid
      FROM reg
      JOIN pg_catalog.pg_rewrite w ON w.ev_class = reg.oid
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = w.oid
                                 AND d.refclassid = 'pg_catalog.pg_class'::regclass
     WHERE d.refobjid <> reg.oid
    UNION
    SELECT reads.root, d.refobjid
      FROM reads
      JOIN pg_catalog.pg_class c ON c.oid = reads.rel AND c.relkind = 'v'
      JOIN pg_catalog.pg_rewrite w ON w.ev_class = c.oid
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = w.oid
                                 AND d.refclassid = 'pg_catalog.pg_class'::regclass
     WHERE d.refobjid <> c.oid
  )
  SELECT DISTINCT a.view_schema, a.view_name, b.view_schema, b.view_name, 'auto'
    FROM reads JOIN reg a ON a.oid = reads.root JOIN reg b ON b.oid = reads.rel
   WHERE a.oid <> b.oid
  UNION
  SELECT d.view_schema, d.view_name, d.depends_schema, d.depends_name, 'explicit'
    FROM nous.refresh_dependencies d
   ORDER BY 1, 2, 3, 4, 5;
END;
COMMENT ON FUNCTION nous.refresh_edges() IS
  'Dependencies between registered views: auto (the query reads the other view, directly or through plain views) and explicit (nous.refresh_register depends_on).';

CREATE FUNCTION nous.refresh_plan(group_name text DEFAULT NULL)
RETURNS TABLE (ordinal integer, view_schema text, view_name text, view_group text,
               level integer, depends_on text[], concurrent boolean, note text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  lv       jsonb := '{}';
  keys     text[];
  ev       text[];
  ed       text[];
  k        text;
  i        integer;
  m        integer;
  ready    boolean;
  progress boolean;
  left_    text[];
BEGIN
  -- levels by Kahn's algorithm over every registered view (enabled or not):
  -- level 0 reads no registered view, level n reads one of level n-1
  SELECT coalesce(array_agg(format('%I.%I', r.view_schema, r.view_name) ORDER BY r.view_schema, r.view_name), '{}')
    INTO keys FROM nous.refresh_views r;
  SELECT coalesce(array_agg(format('%I.%I', e.view_schema, e.view_name)), '{}'),
         coalesce(array_agg(format('%I.%I', e.depends_schema, e.depends_name)), '{}')
    INTO ev, ed FROM nous.refresh_edges() e;
  LOOP
    progress := false;
    left_ := '{}';
    FOREACH k IN ARRAY keys LOOP
      CONTINUE WHEN lv ? k;
      ready := true;
      m := -1;
      FOR i IN 1 .. cardinality(ev) LOOP
        CONTINUE WHEN ev[i] <> k;
        IF NOT lv ? ed[i] THEN ready := false; EXIT; END IF;
        m := greatest(m, (lv->>ed[i])::integer);
      END LOOP;
      IF ready THEN
        lv := lv || jsonb_build_object(k, m + 1);
        progress := true;
      ELSE
        left_ := left_ || k;
      END IF;
    END LOOP;
    EXIT WHEN cardinality(left_) = 0;
    IF NOT progress THEN
      RAISE EXCEPTION 'dependency cycle among registered materialized views'
        USING ERRCODE = 'invalid_object_definition',
              DETAIL = format('These views depend on each other, directly or through views they read: %s.',
                              array_to_string(left_, ', ')),
              HINT = 'Remove an explicit dependency with nous.refresh_unregister() and register the view again.';
    END IF;
  END LOOP;
  RETURN QUERY
  WITH e AS (SELECT x.view_schema, x.view_name,
                    array_agg(DISTINCT format('%I.%I', x.depends_schema, x.depends_name)) AS deps
               FROM nous.refresh_edges() x GROUP BY 1, 2),
       v AS (SELECT r.*, c.oid, (lv->>format('%I.%I', r.view_schema, r.view_name))::integer AS lvl
               FROM nous.refresh_views r
               LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = r.view_schema
               LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = r.view_name
                                              AND c.relkind = 'm'
              WHERE r.enabled AND (refresh_plan.group_name IS NULL OR r.view_group = refresh_plan.group_name))
  SELECT (row_number() OVER (ORDER BY v.lvl, v.view_schema, v.view_name))::integer,
         v.view_schema, v.view_name, v.view_group, v.lvl, coalesce(e.deps, '{}'),
         CASE WHEN v.oid IS NULL THEN NULL
              ELSE coalesce(v.concurrent, nous.refresh_concurrent_possible(v.oid::regclass)) END,
         CASE WHEN v.oid IS NULL THEN 'missing: no materialized view of this name'
              WHEN v.concurrent IS NULL AND nous.refresh_concurrent_possible(v.oid::regclass) THEN 'auto: concurrent (populated, unique index)'
              WHEN v.concurrent IS NULL AND NOT (SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid = v.oid) THEN 'auto: not concurrent (not populated yet)'
              WHEN v.concurrent IS NULL THEN 'auto: not concurrent (no unique index on plain columns without WHERE)'
              WHEN v.concurrent THEN 'forced concurrent'
              ELSE 'forced not concurrent' END
    FROM v LEFT JOIN e ON e.view_schema = v.view_schema AND e.view_name = v.view_name
   ORDER BY 1;
END
$$;
COMMENT ON FUNCTION nous.refresh_plan(text) IS
  'What nous.refresh(group) will do, in order: each enabled view of the group (NULL: all groups) with its dependency level, the registered views it depends on, and whether it will be refreshed concurrently and why; raises an error on a dependency cycle.';

-- ---- registration --------------------------------------------------------
CREATE FUNCTION nous.refresh_register(view regclass, group_name text DEFAULT 'default',
                                      depends_on regclass[] DEFAULT '{}',
                                      concurrent boolean DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  c   record;
  dep regclass;
  dc  record;
BEGIN
  IF view IS NULL OR group_name IS NULL THEN
    RAISE EXCEPTION 'view and group must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF group_name = '' THEN
    RAISE EXCEPTION 'group must not be empty' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT n.nspname::text AS s, cl.relname::text AS r, cl.relkind INTO c
    FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE cl.oid = view;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'relation with oid % does not exist', view::oid USING ERRCODE = 'undefined_table';
  END IF;
  IF c.relkind <> 'm' THEN
    RAISE EXCEPTION '"%" is not a materialized view', view
      USING ERRCODE = 'wrong_object_type',
            DETAIL = format('It is %s.', CASE c.relkind WHEN 'r' THEN 'a table' WHEN 'v' THEN 'a plain view'
                                                      WHEN 'p' THEN 'a partitioned table' WHEN 'f' THEN 'a foreign table'
                                                      ELSE 'not a materialized view' END),
            HINT = 'Only materialized views are refreshed; plain views are always up to date.';
  END IF;
  IF EXISTS (SELECT 1 FROM nous.refresh_views r WHERE r.view_schema = c.s AND r.view_name = c.r) THEN
    RAISE EXCEPTION 'materialized view "%" is already registered', view
      USING ERRCODE = 'duplicate_object',
            HINT = 'Unregister it first with nous.refresh_unregister(), or change its row of nous.refresh_views.';
  END IF;
  INSERT INTO nous.refresh_views (view_schema, view_name, view_group, concurrent)
  VALUES (c.s, c.r, group_name, concurrent);
  FOREACH dep IN ARRAY coalesce(depends_on, '{}') LOOP
    CONTINUE WHEN dep IS NULL;
    IF dep = view THEN
      RAISE EXCEPTION 'dependency cycle: "%" cannot depend on itself', view
        USING ERRCODE = 'invalid_object_definition';
    END IF;
    SELECT n.nspname::text AS s, cl.relname::text AS r, cl.relkind INTO dc
      FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE cl.oid = dep;
    IF NOT FOUND OR dc.relkind <> 'm' THEN
      RAISE EXCEPTION 'dependency "%" is not a materialized view', dep USING ERRCODE = 'wrong_object_type';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM nous.refresh_views r WHERE r.view_schema = dc.s AND r.view_name = dc.r) THEN
      RAISE EXCEPTION 'dependency "%" is not registered', dep
        USING ERRCODE = 'undefined_object',
              HINT = 'Register the views a view depends on first.';
    END IF;
    INSERT INTO nous.refresh_dependencies VALUES (c.s, c.r, dc.s, dc.r) ON CONFLICT DO NOTHING;
  END LOOP;
  -- a cycle through explicit dependencies raises here and undoes the registration
  PERFORM count(*) FROM nous.refresh_plan(NULL);
END
$$;
COMMENT ON FUNCTION nous.refresh_register(regclass, text, regclass[], boolean) IS
  'Register a materialized view for nous.refresh(): its group, the registered views it depends on beyond those its query reads (found automatically), and concurrent (true, false, or NULL = auto).';

CREATE FUNCTION nous.refresh_unregister(view_schema text, view_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  DELETE FROM nous.refresh_views r
   WHERE r.view_schema = refresh_unregister.view_schema AND r.view_name = refresh_unregister.view_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'materialized view %.% is not registered', quote_ident(view_schema), quote_ident(view_name)
      USING ERRCODE = 'undefined_object', HINT = 'See the table nous.refresh_views.';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.refresh_unregister(text, text) IS
  'Unregister a materialized view by schema and name (works after the view was dropped); its explicit dependencies go with it, its log stays.';

CREATE FUNCTION nous.refresh_unregister(view regclass)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  s text;
  r text;
BEGIN
  SELECT n.nspname, c.relname INTO s, r
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = view;
  PERFORM nous.refresh_unregister(s, r);
END
$$;
COMMENT ON FUNCTION nous.refresh_unregister(regclass) IS
  'Unregister a materialized view; its explicit dependencies go with it, its log stays.';

CREATE FUNCTION nous.refresh_enable(view regclass, enabled boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE nous.refresh_views r SET enabled = coalesce(refresh_enable.enabled, true)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = view AND r.view_schema = n.nspname AND r.view_name = c.relname;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'materialized view "%" is not registered', view USING ERRCODE = 'undefined_object';
  END IF;
END
$$;
COMMENT ON FUNCTION nous.refresh_enable(regclass, boolean) IS
  'Include (true) or leave out (false) a registered view in the refreshes without unregistering it.';

-- ---- running -------------------------------------------------------------
CREATE FUNCTION nous.refresh_begin(group_name text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  prev record;
  run  bigint;
  missing text := nous.refresh_missing_grants();
BEGIN
  IF missing IS NOT NULL THEN
    RAISE EXCEPTION 'permission denied to run nous.refresh: role "%" may not read the registrations or write the refresh log', CURRENT_USER
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'nous.refresh reads nous.refresh_views and writes nous.refresh_runs and nous.refresh_log.',
            HINT = 'As the owner of the extension: ' || missing;
  END IF;
  IF group_name IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM nous.refresh_views r WHERE r.view_group = refresh_begin.group_name) THEN
    RAISE EXCEPTION 'no materialized view is registered in group "%"', group_name
      USING ERRCODE = 'undefined_object',
            HINT = 'See the table nous.refresh_views; register views with nous.refresh_register(view, group).';
  END IF;
  PERFORM count(*) FROM nous.refresh_plan(group_name);   -- a cycle stops the run before it starts
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
  SELECT run, group_name, statement_timestamp(), pg_backend_pid(),
         (SELECT a.backend_start FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()), 'running',
         (SELECT coalesce(array_agg(format('%I.%I', p.view_schema, p.view_name) ORDER BY p.ordinal), '{}')
            FROM nous.refresh_plan(group_name) p);
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

CREATE FUNCTION nous.refresh_step(run_id bigint, group_name text, lock_timeout interval DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  p       record;
  failed  text;
  t0      timestamptz := clock_timestamp();
  n       bigint;
  conc    boolean;
  st      text;
  msg     text;
  det     text;
  old_lt  text := current_setting('lock_timeout');
BEGIN
  -- the next view of the plan that this run has not handled yet
  SELECT pl.* INTO p FROM nous.refresh_plan(refresh_step.group_name) pl
   WHERE NOT EXISTS (SELECT 1 FROM nous.refresh_log l
                      WHERE l.run_id = refresh_step.run_id
                        AND l.view_schema = pl.view_schema AND l.view_name = pl.view_name)
   ORDER BY pl.ordinal LIMIT 1;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  SELECT string_agg(format('%I.%I', l.view_schema, l.view_name) || ' ' || l.outcome, ', ' ORDER BY l.ordinal)
    INTO failed FROM nous.refresh_log l
   WHERE l.run_id = refresh_step.run_id AND l.outcome <> 'ok'
     AND format('%I.%I', l.view_schema, l.view_name) = ANY (p.depends_on);
  IF failed IS NOT NULL THEN
    INSERT INTO nous.refresh_log (run_id, ordinal, view_schema, view_name, view_group, started_at,
                                  finished_at, outcome, error)
    VALUES (run_id, p.ordinal, p.view_schema, p.view_name, p.view_group, t0, clock_timestamp(),
            'skipped', 'depends on ' || failed);
    RETURN true;
  END IF;
  conc := coalesce(p.concurrent, false);
  IF lock_timeout IS NOT NULL THEN
    PERFORM set_config('lock_timeout',
                       (greatest(1, round(date_part('epoch', lock_timeout) * 1000)))::bigint::text || 'ms', true);
  END IF;
  BEGIN
    EXECUTE format('REFRESH MATERIALIZED VIEW %s%I.%I', CASE WHEN conc THEN 'CONCURRENTLY ' ELSE '' END,
                   p.view_schema, p.view_name);
    EXECUTE format('SELECT pg_catalog.count(*) FROM %I.%I', p.view_schema, p.view_name) INTO n;
  EXCEPTION WHEN OTHERS THEN
    -- the subtransaction is rolled back: the view keeps its previous data
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
  END;
  PERFORM set_config('lock_timeout', old_lt, true);
  INSERT INTO nous.refresh_log (run_id, ordinal, view_schema, view_name, view_group, started_at,
                                finished_at, row_count, concurrent, outcome, sqlstate, error, detail)
  VALUES (run_id, p.ordinal, p.view_schema, p.view_name, p.view_group, t0, clock_timestamp(),
          n, conc, CASE WHEN st IS NULL THEN 'ok' ELSE 'failed' END, st, msg, nullif(det, ''));
  RETURN true;
END
$$;
COMMENT ON FUNCTION nous.refresh_step(bigint, text, interval) IS
  'Internal step of nous.refresh: refresh the next view of the run in a subtransaction (or skip it when a view it depends on failed) and log it; false when the run is complete.';

CREATE FUNCTION nous.raise_error(sqlstate text, message text, detail text DEFAULT NULL, hint text DEFAULT NULL)
RETURNS void
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'nous_raise_error';
COMMENT ON FUNCTION nous.raise_error(text, text, text, text) IS
  'Raise an ERROR with this SQLSTATE (P0001 when not a valid error code), message, detail and hint, and no CONTEXT lines: nous''s PL/pgSQL routines re-raise through it so that the user sees the error, not the chain of internal functions.';

CREATE FUNCTION nous.refresh_in_transaction_block()
RETURNS boolean
LANGUAGE c VOLATILE PARALLEL RESTRICTED
AS 'MODULE_PATHNAME', 'nous_refresh_in_transaction_block';
COMMENT ON FUNCTION nous.refresh_in_transaction_block() IS
  'Whether the current statement runs in a transaction block (an explicit BEGIN, or several statements sent in one query string), where CALL nous.refresh cannot commit after each view.';

CREATE FUNCTION nous.refresh_now(group_name text DEFAULT NULL, lock_timeout interval DEFAULT NULL)
RETURNS SETOF nous.refresh_log
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  run bigint := nous.refresh_begin(group_name);
BEGIN
  WHILE nous.refresh_step(run, group_name, lock_timeout) LOOP
  END LOOP;
  PERFORM nous.refresh_end(run);
  RETURN QUERY SELECT * FROM nous.refresh_log l WHERE l.run_id = run ORDER BY l.ordinal;
END
$$;
COMMENT ON FUNCTION nous.refresh_now(text, interval) IS
  'Refresh the enabled views of a group (NULL: all) in dependency order within the current transaction (each view in a subtransaction) and return the log of the run; for clients that can only SELECT. CALL nous.refresh() commits after each view instead.';

-- The grants a role lacks to run nous.refresh (NULL: none): the refresh
-- writes its log and reads the registrations.
CREATE FUNCTION nous.refresh_missing_grants()
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT pg_catalog.string_agg(pg_catalog.format('GRANT %s ON %s TO %I;', g.privs, g.obj, CURRENT_USER), ' ' ORDER BY g.ord)
    FROM (VALUES (1, 'SELECT', 'TABLE nous.refresh_views', 'nous.refresh_views'),
                 (2, 'SELECT', 'TABLE nous.refresh_dependencies', 'nous.refresh_dependencies'),
                 (3, 'SELECT, INSERT, UPDATE', 'TABLE nous.refresh_runs', 'nous.refresh_runs'),
                 (4, 'SELECT, INSERT', 'TABLE nous.refresh_log', 'nous.refresh_log'),
                 (5, 'USAGE', 'SEQUENCE nous.refresh_run_seq', 'nous.refresh_run_seq'),
                 (6, 'SELECT', 'TABLE nous.refresh_run_status', 'nous.refresh_run_status')) AS g(ord, privs, obj, rel)
   WHERE NOT CASE WHEN g.ord = 5 THEN pg_catalog.has_sequence_privilege(g.rel, g.privs)
                  ELSE pg_catalog.has_table_privilege(g.rel, g.privs) END;
END;
COMMENT ON FUNCTION nous.refresh_missing_grants() IS
  'The GRANT statements the current role lacks to run nous.refresh (it reads the registrations and nous.refresh_run_status, and writes nous.refresh_runs and nous.refresh_log); NULL when it has them all.';

-- The grant that a view's failure for lack of rights calls for (NULL when
-- the error is not a privilege error): REFRESH needs the owner of the view
-- (or, from PostgreSQL 17, the MAINTAIN privilege), and the view's query runs
-- with the rights of its owner.
CREATE FUNCTION nous.refresh_privilege_hint(view_schema text, view_name text, sqlstate text, error text)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  owner name;
  m     text[];
  kind  text;
BEGIN
  IF sqlstate IS DISTINCT FROM '42501' THEN
    RETURN NULL;
  END IF;
  SELECT pg_get_userbyid(c.relowner) INTO owner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = refresh_privilege_hint.view_schema AND c.relname = refresh_privilege_hint.view_name;
  IF error LIKE 'must be owner of %'
     OR error = format('permission denied for materialized view %s', view_name) THEN
    RETURN format('REFRESH MATERIALIZED VIEW needs the owner of %I.%I (%I)%s: run the refresh as %I or a member of it (GRANT %I TO %I;), or ALTER MATERIALIZED VIEW %I.%I OWNER TO %I;',
                  view_schema, view_name, owner,
                  CASE WHEN current_setting('server_version_num')::int >= 170000
                       THEN format(' or the MAINTAIN privilege (GRANT MAINTAIN ON %I.%I TO %I;)', view_schema, view_name, CURRENT_USER)
                       ELSE '' END,
                  owner, owner, CURRENT_USER, view_schema, view_name, CURRENT_USER);
  END IF;
  m := regexp_match(error, '^permission denied for (table|view|materialized view|foreign table|sequence|schema|function|procedure|type) (.+)$');
  IF m IS NULL THEN
    RETURN format('The view''s query runs with the rights of its owner %I: grant it what the query reads.', owner);
  END IF;
  kind := CASE WHEN m[1] IN ('view', 'materialized view', 'foreign table') THEN 'TABLE' ELSE upper(m[1]) END;
  RETURN format('The view''s query runs with the rights of its owner %I, who lacks this right: GRANT %s ON %s %s TO %I;',
                owner,
                CASE m[1] WHEN 'schema' THEN 'USAGE' WHEN 'sequence' THEN 'USAGE' WHEN 'type' THEN 'USAGE'
                          WHEN 'function' THEN 'EXECUTE' WHEN 'procedure' THEN 'EXECUTE' ELSE 'SELECT' END,
                kind, m[2], owner);
END
$$;
COMMENT ON FUNCTION nous.refresh_privilege_hint(text, text, text, text) IS
  'For a view whose refresh failed for lack of rights (SQLSTATE 42501): the grant that is missing (ownership or MAINTAIN of the view, or the right of its owner on what its query reads); NULL for other errors.';

-- The notice of one view of a run: name, outcome, rows, seconds.
CREATE FUNCTION nous.refresh_report(run_id bigint, view_schema text DEFAULT NULL, view_name text DEFAULT NULL,
                                    OUT message text, OUT hint text)
RETURNS record
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT pg_catalog.format('%s: %s%s, %s s',
                           pg_catalog.format('%I.%I', l.view_schema, l.view_name), l.outcome,
                           CASE l.outcome
                             WHEN 'ok' THEN pg_catalog.format(', %s rows', l.row_count)
                             WHEN 'failed' THEN pg_catalog.format(' (%s: %s)', l.sqlstate, l.error)
                             ELSE pg_catalog.format(' (%s)', l.error) END,
                           pg_catalog.to_char(pg_catalog.date_part('epoch', l.finished_at OPERATOR(pg_catalog.-) l.started_at), 'FM9999990.000')),
         nous.refresh_privilege_hint(l.view_schema, l.view_name, l.sqlstate, l.error)
    FROM nous.refresh_log l
   WHERE l.run_id OPERATOR(pg_catalog.=) refresh_report.run_id
     AND (refresh_report.view_name IS NULL
          OR (l.view_schema OPERATOR(pg_catalog.=) refresh_report.view_schema
              AND l.view_name OPERATOR(pg_catalog.=) refresh_report.view_name))
   ORDER BY l.ordinal DESC LIMIT 1;
END;
COMMENT ON FUNCTION nous.refresh_report(bigint, text, text) IS
  'The notice CALL nous.refresh raises for a view of a run (by default the last one handled): schema.name, outcome, rows or error, seconds; and the missing grant when it failed for lack of rights.';

-- The summary of a run, and the error that ends it when a view was not refreshed.
CREATE FUNCTION nous.refresh_summary(run_id bigint,
                                     OUT message text, OUT not_refreshed bigint, OUT error_message text,
                                     OUT error_sqlstate text, OUT error_detail text, OUT error_hint text)
RETURNS record
LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
  WITH l AS (SELECT x.*, pg_catalog.format('%I.%I', x.view_schema, x.view_name) AS v
               FROM nous.refresh_log x WHERE x.run_id OPERATOR(pg_catalog.=) refresh_summary.run_id),
       r AS (SELECT x.run_group, x.started_at, x.finished_at FROM nous.refresh_runs x
              WHERE x.run_id OPERATOR(pg_catalog.=) refresh_summary.run_id),
       c AS (SELECT pg_catalog.count(*) AS n,
                    pg_catalog.count(*) FILTER (WHERE l.outcome OPERATOR(pg_catalog.=) 'ok') AS ok,
                    pg_catalog.count(*) FILTER (WHERE l.outcome OPERATOR(pg_catalog.=) 'failed') AS failed,
                    pg_catalog.count(*) FILTER (WHERE l.outcome OPERATOR(pg_catalog.=) 'skipped') AS skipped
               FROM l)
  SELECT pg_catalog.format('nous.refresh run %s (%s): %s views, %s ok, %s failed, %s skipped, %s s',
                           refresh_summary.run_id,
                           CASE WHEN r.run_group IS NULL THEN 'every group' ELSE pg_catalog.format('group %s', r.run_group) END,
                           c.n, c.ok, c.failed, c.skipped,
                           pg_catalog.to_char(pg_catalog.date_part('epoch', COALESCE(r.finished_at, pg_catalog.clock_timestamp()) OPERATOR(pg_catalog.-) r.started_at), 'FM9999990.000')),
         c.failed OPERATOR(pg_catalog.+) c.skipped,
         pg_catalog.format('nous.refresh: %s of %s views not refreshed (%s failed, %s skipped)',
                           c.failed OPERATOR(pg_catalog.+) c.skipped, c.n, c.failed, c.skipped),
         (SELECT l.sqlstate FROM l WHERE l.outcome OPERATOR(pg_catalog.=) 'failed' ORDER BY l.ordinal LIMIT 1),
         (SELECT pg_catalog.string_agg(l.v OPERATOR(pg_catalog.||) ' ' OPERATOR(pg_catalog.||) l.outcome OPERATOR(pg_catalog.||)
                                       CASE WHEN l.outcome OPERATOR(pg_catalog.=) 'failed'
                                            THEN pg_catalog.format(' (%s: %s)', l.sqlstate, l.error)
                                            ELSE pg_catalog.format(' (%s)', l.error) END, '; ' ORDER BY l.ordinal)
            FROM l WHERE l.outcome OPERATOR(pg_catalog.<>) 'ok'),
         pg_catalog.concat_ws(' ',
           (SELECT pg_catalog.string_agg(h.hint, ' ' ORDER BY h.ordinal)
              FROM (SELECT l.ordinal, nous.refresh_privilege_hint(l.view_schema, l.view_name, l.sqlstate, l.error) AS hint
                      FROM l WHERE l.outcome OPERATOR(pg_catalog.=) 'failed') h),
           pg_catalog.format('The other views were refreshed and committed; those not refreshed keep their previous data. See SELECT * FROM nous.refresh_log WHERE run_id = %s;',
                             refresh_summary.run_id))
    FROM c, r;
END;
COMMENT ON FUNCTION nous.refresh_summary(bigint) IS
  'The summary line CALL nous.refresh raises at the end of a run (views ok, failed, skipped, seconds), and the error it raises with fail_on_error when a view was not refreshed: message, SQLSTATE (of the first view that failed), detail (each view not refreshed and why), hint.';

-- A procedure so that it can COMMIT after each view: the log survives a later
-- failure and readers see each view as soon as it is refreshed.  It has no
-- SET search_path (PostgreSQL forbids COMMIT in a procedure with a SET
-- clause): its body only calls the schema-qualified functions above, which
-- all have SET search_path = pg_catalog, pg_temp (or a body parsed at
-- creation).  It raises a NOTICE per view and a summary line; with
-- fail_on_error (the default: a scheduler such as pg_cron then records the
-- run as failed) it ends with an ERROR, after every view it could refresh was
-- refreshed and committed, when a view failed or was skipped.  Its errors
-- come through nous.raise_error, without the chain of internal functions.
CREATE PROCEDURE nous.refresh(group_name text DEFAULT NULL, lock_timeout interval DEFAULT NULL,
                              INOUT run_id bigint DEFAULT NULL, fail_on_error boolean DEFAULT true)
LANGUAGE plpgsql
AS $$
DECLARE
  in_block boolean := nous.refresh_in_transaction_block();
  r   record;
  s   record;
  st  text;
  msg text;
  det text;
  hnt text;
BEGIN
  BEGIN
    run_id := nous.refresh_begin(group_name);
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
                            hnt = PG_EXCEPTION_HINT;
    PERFORM nous.raise_error(st, msg, det, hnt);
  END;
  IF in_block THEN
    -- inside BEGIN ... COMMIT: no commit possible; each view still runs in a
    -- subtransaction, and everything commits (or not) with the caller
    RAISE NOTICE 'nous.refresh called inside a transaction block: the views are refreshed in subtransactions and committed with the transaction';
  ELSE
    COMMIT;   -- the run is recorded as running: an interruption leaves this trace
  END IF;
  WHILE nous.refresh_step(run_id, group_name, lock_timeout) LOOP
    SELECT * INTO r FROM nous.refresh_report(run_id);
    IF r.hint IS NULL THEN
      RAISE NOTICE '%', r.message;
    ELSE
      RAISE NOTICE '%', r.message USING HINT = r.hint;
    END IF;
    IF NOT in_block THEN
      COMMIT;
    END IF;
  END LOOP;
  PERFORM nous.refresh_end(run_id);
  IF NOT in_block THEN
    COMMIT;
  END IF;
  SELECT * INTO s FROM nous.refresh_summary(run_id);
  RAISE NOTICE '%', s.message;
  IF s.not_refreshed > 0 AND coalesce(fail_on_error, true) THEN
    IF in_block THEN
      -- an error would roll back the views refreshed with the transaction
      RAISE WARNING '%', s.error_message
        USING DETAIL = s.error_detail,
              HINT = 'Inside a transaction block nous.refresh does not raise an error (it would roll back the views it refreshed); call it alone for an error a scheduler sees.';
    ELSE
      PERFORM nous.raise_error(s.error_sqlstate, s.error_message, s.error_detail, s.error_hint);
    END IF;
  END IF;
END
$$;
COMMENT ON PROCEDURE nous.refresh(text, interval, bigint, boolean) IS
  'Refresh the enabled registered views of a group (NULL: all groups) in dependency order, concurrently where possible, committing after each view; a failing view keeps its data and its dependants are skipped; every view is logged in nous.refresh_log and reported by a NOTICE (outcome, rows, seconds), then a summary line. With fail_on_error (default true, for schedulers such as pg_cron) the call ends with an ERROR when a view failed or was skipped, after refreshing all it could. Returns the run number.';

CREATE FUNCTION nous.refresh_log_prune(keep interval DEFAULT '90 days')
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
