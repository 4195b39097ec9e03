-- upgrade/data.sql: user data of every kind nous stores, created with the
-- API of the oldest supported release (it runs on 0.1.0 before the update,
-- and on a fresh current install for comparison): columns of nous.flows,
-- nous.mixpairs, nous.mixcounts and nous.weights (and arrays of them),
-- stored index definitions, registered user methods, registered refresh
-- views and map views.  Deterministic: no random(), no clock.
SET client_min_messages = warning;
CREATE SCHEMA up;

-- the source rows: moves between 7 zones, households by area, a 4 x 4 grid
CREATE TABLE up.moves AS
  SELECT CASE WHEN i % 3 = 0 THEN 'a' ELSE 'b' END AS g,
         'z' || (i % 7) AS o, 'z' || ((i * 3) % 5) AS d, (i % 4 + 1)::float8 AS w
    FROM generate_series(1, 90) i;
CREATE TABLE up.households AS
  SELECT CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS g, 'u' || (i % 6) AS unit,
         'q' || (i % 4) AS grp, (i % 5 + 1)::float8 AS n,
         (i % 9)::float8 AS poor, (i % 9 + 10)::float8 AS total
    FROM generate_series(1, 80) i;
CREATE TABLE up.cells AS
  SELECT (x * 4 + y + 1)::bigint AS id, ((x * 7 + y * 3) % 10)::float8 AS v,
         public.ST_MakeEnvelope(x * 200, y * 200, x * 200 + 200, y * 200 + 200, 2154) AS geom
    FROM generate_series(0, 3) x, generate_series(0, 3) y;
ALTER TABLE up.cells ADD PRIMARY KEY (id);

-- stored values: one row per group, an empty-input row, a NULL row
CREATE TABLE up.stored (
  id int PRIMARY KEY, part text,
  f nous.flows, p nous.mixpairs, c nous.mixcounts, w nous.weights,
  fa nous.flows[], pa nous.mixpairs[]
);
INSERT INTO up.stored (id, part, f, p, c)
  SELECT row_number() OVER (ORDER BY g), g, f, p, c
    FROM (SELECT g, nous.flow_matrix(o, d, w) AS f FROM up.moves GROUP BY g) fm
    JOIN (SELECT g, nous.mixpairs_agg(poor, total) AS p, nous.mixcounts_agg(unit, grp, n) AS c
            FROM up.households GROUP BY g) mx USING (g);
UPDATE up.stored s SET w = x.w
  FROM (SELECT nous.contiguity(id, geom) AS w FROM up.cells) x WHERE s.id = 1;
UPDATE up.stored s SET w = x.w
  FROM (SELECT nous.weights(i, CASE WHEN i = 5 THEN 1 ELSE i + 1 END) AS w
          FROM generate_series(1::bigint, 5) i) x WHERE s.id = 2;
UPDATE up.stored SET fa = ARRAY[f, f], pa = ARRAY[p];
INSERT INTO up.stored (id, part, f, p, c, w)
  SELECT 3, 'empty', nous.flow_matrix(o, d, w), nous.mixpairs_agg(poor, total),
         nous.mixcounts_agg(unit, grp, n), (SELECT nous.weights(i, i) FROM generate_series(1::bigint, 0) i)
    FROM up.moves CROSS JOIN up.households WHERE false;
INSERT INTO up.stored (id, part) VALUES (4, 'null');
-- values typed in as text
INSERT INTO up.stored (id, part, f, p, c, w)
  SELECT 5, 'text', f::text::nous.flows, p::text::nous.mixpairs, c::text::nous.mixcounts, w::text::nous.weights
    FROM up.stored WHERE id = 1;

-- user methods and stored index definitions that use them
CREATE FUNCTION up.twice("values" float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN (SELECT array_agg(x * 2 ORDER BY i) FROM unnest("values") WITH ORDINALITY u(x, i));
CREATE FUNCTION up.rowmax(matrix float8[], weights float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN (SELECT array_agg((SELECT max(matrix[r][c]) FROM generate_subscripts(matrix, 2) c) ORDER BY r)
            FROM generate_subscripts(matrix, 1) r);
SELECT nous.register_method('normalisation', 'twice', 'up.twice(float8[])', 'doubles every value');
SELECT nous.register_method('aggregation', 'rowmax', 'up.rowmax(float8[], float8[])', 'largest component');
CREATE TABLE up.areas AS
  SELECT i AS id, CASE WHEN i <= 6 THEN 'A' ELSE 'B' END AS epci,
         (i % 5)::float8 AS a, ((i * 7) % 11)::float8 AS b,
         CASE WHEN i % 4 = 0 THEN NULL ELSE (i % 3)::float8 END AS c
    FROM generate_series(1, 12) i;
SELECT nous.define_index('up_frag', '[{"column": "a", "weight": 2, "label": "chomage"},
                                      {"column": "b"}, {"column": "c", "polarity": -1}]',
                         classes => 3, description => 'upgrade test index');
SELECT nous.define_index('up_user', '[{"column": "a"}, {"column": "b", "weight": 0.5}]',
                         'twice', 'rowmax', 4, 'user methods');
-- a user's view over a stored index: the update keeps it (index_compute keeps
-- its signature and its columns, among them class; issue 15)
CREATE MATERIALIZED VIEW up.mv_index AS
  SELECT key, score, class FROM nous.index_compute('up_frag', 'up.areas', 'id', 'epci');

-- registered refresh views (one depends on the other) and a map view
CREATE MATERIALIZED VIEW up.mv_flows AS
  SELECT g, nous.flow_matrix(o, d, w) AS f FROM up.moves GROUP BY g;
CREATE UNIQUE INDEX ON up.mv_flows (g);
CREATE MATERIALIZED VIEW up.mv_seg AS
  SELECT g, nous.dissimilarity(p) AS d FROM (SELECT g, nous.mixpairs_agg(poor, total) AS p FROM up.households GROUP BY g) s
   WHERE g IN (SELECT g FROM up.mv_flows);
SELECT nous.refresh_register('up.mv_flows', 'up');
SELECT nous.refresh_register('up.mv_seg', 'up', concurrent => false);
SELECT nous.create_map_view('up.map_cells', 'SELECT id, v, geom FROM up.cells', 'id', 'geom', 'v',
                            k => 3, description => 'upgrade test map');

-- a user view over the allocation rules, whose state type changes in 0.2.0
-- (internal -> float8[]): the update replaces the aggregates in place and
-- the view keeps working
CREATE VIEW up.v_alloc AS
  SELECT g, nous.first_quartile(total * 1000) AS q1, nous.priority_share(poor > 4) AS prio,
         nous.mix_compliance(poor > 2, 0.4, 5, 0.9) AS comp,
         nous.allocation_mix(poor > 6, total * 1000, poor = 0, 14000) AS mix
    FROM up.households GROUP BY g;
