-- field: the field-observation log of "gestion urbaine de proximité"
-- (observations, their service and their closing) and response delays as
-- Kaplan-Meier curves with the open cases censored.
-- Reference: doc/survey.md.  Added in 0.2.0.
\echo Use "ALTER EXTENSION nous UPDATE" to load this file. \quit

-- ---- nous.kmstate ----
CREATE TYPE nous.kmstate;
CREATE FUNCTION nous.kmstate_in(cstring) RETURNS nous.kmstate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_kmstate_in';
CREATE FUNCTION nous.kmstate_out(nous.kmstate) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_kmstate_out';
CREATE FUNCTION nous.kmstate_recv(internal) RETURNS nous.kmstate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_kmstate_recv';
CREATE FUNCTION nous.kmstate_send(nous.kmstate) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_kmstate_send';
CREATE TYPE nous.kmstate (
  INPUT = nous.kmstate_in, OUTPUT = nous.kmstate_out,
  RECEIVE = nous.kmstate_recv, SEND = nous.kmstate_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE nous.kmstate IS
  'Storable, mergeable Kaplan-Meier state: per distinct delay the number of closed (events) and open (censored) cases; text form k(time bits,0:events,censored)...';
COMMENT ON FUNCTION nous.kmstate_in(cstring) IS 'Text input of nous.kmstate (validated).';
COMMENT ON FUNCTION nous.kmstate_out(nous.kmstate) IS 'Text output of nous.kmstate (records in time order).';
COMMENT ON FUNCTION nous.kmstate_recv(internal) IS 'Binary input of nous.kmstate (validated).';
COMMENT ON FUNCTION nous.kmstate_send(nous.kmstate) IS 'Binary output of nous.kmstate.';

CREATE FUNCTION nous.km_trans(nous.kmstate, float8, boolean) RETURNS nous.kmstate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_km_trans';
COMMENT ON FUNCTION nous.km_trans(nous.kmstate, float8, boolean) IS
  'Transition function of nous.km_agg: add one delay, closed (event) or still open (censored).';
CREATE FUNCTION nous.km_merge(nous.kmstate, nous.kmstate) RETURNS nous.kmstate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_km_combine';
COMMENT ON FUNCTION nous.km_merge(nous.kmstate, nous.kmstate) IS
  'Merge two Kaplan-Meier states (the combine function of nous.km_agg).';
CREATE AGGREGATE nous.km_agg(delay float8, closed boolean) (
  SFUNC = nous.km_trans, STYPE = nous.kmstate,
  COMBINEFUNC = nous.km_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.km_agg(float8, boolean) IS
  'Kaplan-Meier state of delays: closed = true for a closed case (event), false for a case still open at the delay (censored); NULL delays are skipped; negative delays are an error.';

CREATE FUNCTION nous.km_curve(state nous.kmstate, level float8 DEFAULT 0.95)
  RETURNS TABLE (delay float8, n_risk bigint, n_event bigint, n_censor bigint,
                 surv float8, se float8, lower float8, upper float8)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 50 AS 'MODULE_PATHNAME', 'nous_km_curve';
COMMENT ON FUNCTION nous.km_curve(nous.kmstate, float8) IS
  'The Kaplan-Meier curve at every distinct delay: at risk, closed, censored, share still open S, Greenwood SE of S, log-transformed band (R survival defaults); NULL SE and band once S = 0.';

CREATE TYPE nous.km_time AS (n bigint, events bigint, delay float8, lower float8, upper float8);
COMMENT ON TYPE nous.km_time IS
  'A delay quantile of a Kaplan-Meier curve with its confidence interval (NULL = not reached), and the cases and closed cases behind it.';
CREATE FUNCTION nous.km_quantile(state nous.kmstate, p float8 DEFAULT 0.5, level float8 DEFAULT 0.95)
  RETURNS nous.km_time
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_km_quantile';
COMMENT ON FUNCTION nous.km_quantile(nous.kmstate, float8, float8) IS
  'The delay by which a share p of the cases is closed (p = 0.5: the median delay): first delay where S <= 1 - p, with its interval from the first crossings of the log band (R survival print.survfit rule).';
CREATE FUNCTION nous.km_share_closed(state nous.kmstate, within float8)
  RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_km_share_closed';
COMMENT ON FUNCTION nous.km_share_closed(nous.kmstate, float8) IS
  'Share of cases closed within a delay, 1 - S(within), the open cases counted as censored.';
CREATE FUNCTION nous.km_rmean(state nous.kmstate, horizon float8)
  RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_km_rmean';
COMMENT ON FUNCTION nous.km_rmean(nous.kmstate, float8) IS
  'Restricted mean delay up to a horizon: the area under the Kaplan-Meier curve from 0 to the horizon.';

-- ---- the field-observation log ----
CREATE TABLE nous.field_category (
  code    text PRIMARY KEY,
  label   text NOT NULL,
  builtin boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE nous.field_category IS
  'Categories of field observations (waste, lighting, roads, degradation ...); an observation must name one.';
COMMENT ON COLUMN nous.field_category.code IS 'Short code of the category.';
COMMENT ON COLUMN nous.field_category.label IS 'Label shown in reports.';
COMMENT ON COLUMN nous.field_category.builtin IS 'True for the categories installed with nous (not dumped: CREATE EXTENSION makes them).';
INSERT INTO nous.field_category VALUES
  ('waste', 'Déchets, encombrants, dépôts sauvages', true),
  ('lighting', 'Éclairage public', true),
  ('roads', 'Voirie, trottoirs', true),
  ('degradation', 'Dégradations, tags', true),
  ('green', 'Espaces verts', true),
  ('building', 'Parties communes des immeubles', true);
SELECT pg_catalog.pg_extension_config_dump('nous.field_category', 'WHERE NOT builtin');

CREATE TABLE nous.field_holiday (
  day   date PRIMARY KEY,
  label text
);
COMMENT ON TABLE nous.field_holiday IS
  'Public holidays (and other days off) excluded from delays in working days; filled by the user.';
COMMENT ON COLUMN nous.field_holiday.day IS 'A day without service.';
COMMENT ON COLUMN nous.field_holiday.label IS 'Name of the holiday.';
SELECT pg_catalog.pg_extension_config_dump('nous.field_holiday', '');

CREATE TABLE nous.field_observation (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  observed_at    timestamptz NOT NULL,
  territory_code text,
  address        text,
  geom           geometry(Point),
  category       text NOT NULL REFERENCES nous.field_category (code),
  observer       text,
  service        text,
  answered_at    timestamptz,
  closed_at      timestamptz,
  note           text,
  CONSTRAINT field_observation_answered_after CHECK (answered_at >= observed_at),
  CONSTRAINT field_observation_closed_after CHECK (closed_at >= observed_at)
);
COMMENT ON TABLE nous.field_observation IS
  'Field-observation log (GUP "tableau d''observations"): one row per observation; a case without closed_at is still open.';
COMMENT ON COLUMN nous.field_observation.id IS 'Identifier of the observation.';
COMMENT ON COLUMN nous.field_observation.observed_at IS 'When the observation was made.';
COMMENT ON COLUMN nous.field_observation.territory_code IS 'Territory (quartier, IRIS ...) code where it was made.';
COMMENT ON COLUMN nous.field_observation.address IS 'Address, when known.';
COMMENT ON COLUMN nous.field_observation.geom IS 'Point where it was made, when known.';
COMMENT ON COLUMN nous.field_observation.category IS 'Category code (nous.field_category).';
COMMENT ON COLUMN nous.field_observation.observer IS 'Who observed it.';
COMMENT ON COLUMN nous.field_observation.service IS 'Service it was sent to.';
COMMENT ON COLUMN nous.field_observation.answered_at IS 'When the service answered (NULL: not yet).';
COMMENT ON COLUMN nous.field_observation.closed_at IS 'When the case was closed (NULL: still open).';
COMMENT ON COLUMN nous.field_observation.note IS 'Free text.';
CREATE INDEX field_observation_territory ON nous.field_observation (territory_code, observed_at);
COMMENT ON INDEX nous.field_observation_territory IS 'Observations of a territory by date.';
SELECT pg_catalog.pg_extension_config_dump('nous.field_observation', '');
SELECT pg_catalog.pg_extension_config_dump('nous.field_observation_id_seq', '');

CREATE FUNCTION nous.field_working_days(start_at timestamptz, end_at timestamptz)
  RETURNS integer
  LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
  SELECT count(*)::integer
    FROM pg_catalog.generate_series((start_at::date + 1)::timestamp, end_at::date::timestamp, interval '1 day') AS g(d)
   WHERE pg_catalog.date_part('isodow', g.d) < 6
     AND NOT EXISTS (SELECT 1 FROM nous.field_holiday h WHERE h.day = g.d::date);
END;
COMMENT ON FUNCTION nous.field_working_days(timestamptz, timestamptz) IS
  'Working days from start to end: the days after the start day up to the end day that are neither Saturday, Sunday nor in nous.field_holiday (0 when both fall on the same day); dates in the session time zone.';

CREATE VIEW nous.field_delays AS
SELECT o.id, o.territory_code, o.category, o.service, o.observed_at, o.closed_at,
       o.closed_at IS NOT NULL AS closed,
       pg_catalog.date_part('epoch', COALESCE(o.closed_at, pg_catalog.now()) - o.observed_at) / 86400.0 AS delay_days,
       nous.field_working_days(o.observed_at, COALESCE(o.closed_at, pg_catalog.now())) AS delay_working_days
  FROM nous.field_observation o;
COMMENT ON VIEW nous.field_delays IS
  'Delay of every observation in days and working days, to its closing or, for open cases, to now (censored); feed nous.km_agg(delay_days, closed).';

CREATE VIEW nous.field_counts AS
SELECT o.territory_code, o.category, pg_catalog.date_trunc('month', o.observed_at) AS month,
       count(*) AS observations, count(*) FILTER (WHERE o.closed_at IS NULL) AS still_open
  FROM nous.field_observation o
 GROUP BY o.territory_code, o.category, pg_catalog.date_trunc('month', o.observed_at);
COMMENT ON VIEW nous.field_counts IS
  'Observations per territory, category and month (session time zone), with the cases still open: the trend of the log.';
