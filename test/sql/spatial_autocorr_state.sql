-- spatial_autocorr_state: the storable state of the one-step statistics
-- nous.moran(w, id, value) and the others (issue 14): nous.autocorrelation_state
-- holds the weights once, the options and the (id, value) pairs; partial
-- states merge; text and binary forms round-trip exactly and are checked on
-- input; a different weights value in one group is refused.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;

-- a 4 x 5 grid of squares, rook weights, values with a trend and noise
CREATE TEMP TABLE g AS
SELECT (100 * i + j)::bigint AS id, public.ST_MakeEnvelope(i, j, i + 1, j + 1, 2154) AS geom,
       (i + 0.5 * j + ((i * 7 + j * 3) % 5) / 3.0)::float8 AS v
  FROM generate_series(1, 4) i, generate_series(1, 5) j;
CREATE TEMP TABLE gw AS SELECT nous.contiguity(id, geom, 'rook') AS w FROM g;

-- the state itself, through aggregates without a final function
CREATE AGGREGATE ac_state(nous.weights, bigint, float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge, PARALLEL = SAFE);
CREATE AGGREGATE ac_state(nous.weights, bigint, float8, text) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge, PARALLEL = SAFE);
CREATE AGGREGATE ac_merge(nous.autocorrelation_state) (
  SFUNC = nous.autocorrelation_state_merge, STYPE = nous.autocorrelation_state,
  COMBINEFUNC = nous.autocorrelation_state_merge, PARALLEL = SAFE);
CREATE TEMP TABLE st AS SELECT ac_state((SELECT w FROM gw), id, v / 7, 'permutations=99') AS s FROM g;

-- the final functions read everything from the state: equal to the aggregates
SELECT nous.moran_state_finalfn(s) = (SELECT nous.moran((SELECT w FROM gw), id, v / 7, 'permutations=99') FROM g) AS moran,
       nous.geary_state_finalfn(s) = (SELECT nous.geary((SELECT w FROM gw), id, v / 7, 'permutations=99') FROM g) AS geary,
       nous.getis_ord_state_finalfn(s) = (SELECT nous.getis_ord((SELECT w FROM gw), id, v / 7, 'permutations=99') FROM g) AS getis_ord,
       nous.local_moran_state_finalfn(s)::text = (SELECT nous.local_moran((SELECT w FROM gw), id, v / 7, 'permutations=99') FROM g)::text AS local_moran,
       nous.local_g_state_finalfn(s)::text = (SELECT nous.local_g((SELECT w FROM gw), id, v / 7, 'permutations=99') FROM g)::text AS local_g,
       nous.local_gstar_state_finalfn(s)::text = (SELECT nous.local_gstar((SELECT w FROM gw), id, v / 7, 'permutations=99') FROM g)::text AS local_gstar
  FROM st;
-- and to the two-step functions, to the last bit (independent path: nous.area_values)
SELECT nous.moran_state_finalfn(s) = nous.moran((SELECT w FROM gw), (SELECT nous.area_values(id, v / 7) FROM g), 'permutations=99') AS moran_two_step
  FROM st;
-- a hand value: Moran's I of x = 1, 2, 3, 4 on the path 1-2-3-4 (W style)
-- z = -1.5, -0.5, 0.5, 1.5; lags -0.5, -0.5, 0.5, 0.5; sum z*lag = 2; sum z^2 = 5; S0 = n = 4; I = 0.4
CREATE TEMP TABLE pw AS SELECT nous.weights(a, b) AS w
  FROM (VALUES (1::bigint, 2::bigint), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3)) l(a, b);
SELECT round((nous.moran((SELECT w FROM pw), id, x, 'permutations=0')).i::numeric, 12) AS i_path
  FROM (VALUES (1::bigint, 1::float8), (2, 2), (3, 3), (4, 4)) t(id, x);

-- text form: \x and the binary form in hexadecimal; round trips exactly
SELECT s::text::nous.autocorrelation_state::text = s::text AS text_round_trip,
       nous.autocorrelation_state_send(s::text::nous.autocorrelation_state) = nous.autocorrelation_state_send(s) AS send_round_trip,
       left(s::text, 12) AS starts
  FROM st;
-- binary form: through COPY (FORMAT binary), which calls send and receive
COPY (SELECT s FROM st) TO '/tmp/nous_spatial_autocorr_state.bin' (FORMAT binary);
CREATE TEMP TABLE st_bin (s nous.autocorrelation_state);
COPY st_bin FROM '/tmp/nous_spatial_autocorr_state.bin' (FORMAT binary);
SELECT b.s::text = st.s::text AS binary_round_trip,
       nous.moran_state_finalfn(b.s) = nous.moran_state_finalfn(st.s) AS same_statistic
  FROM st_bin b, st;
-- stored in a table column (flattened), read back: the same statistic
CREATE TEMP TABLE stored AS SELECT s FROM st;
SELECT nous.local_g_state_finalfn(stored.s)::text = nous.local_g_state_finalfn(st.s)::text AS stored_equal FROM stored, st;

-- merged parts equal one pass: a state per column of the grid, merged
CREATE TEMP TABLE parts AS
  SELECT id / 100 AS col, ac_state((SELECT w FROM gw), id, v / 7, 'permutations=99') AS s FROM g GROUP BY 1;
SELECT count(*) AS parts FROM parts;
SELECT nous.moran_state_finalfn(ac_merge(p.s)) = nous.moran_state_finalfn((SELECT s FROM st)) AS moran_merged,
       nous.local_moran_state_finalfn(ac_merge(p.s))::text = nous.local_moran_state_finalfn((SELECT s FROM st))::text AS local_merged
  FROM parts p;
-- either side may be empty (NULL)
SELECT nous.autocorrelation_state_merge(NULL, s)::text = s::text AS left_empty,
       nous.autocorrelation_state_merge(s, NULL)::text = s::text AS right_empty,
       nous.autocorrelation_state_merge(NULL, NULL) IS NULL AS both_empty
  FROM st;
-- no row: NULL
SELECT nous.moran((SELECT w FROM gw), id, v) IS NULL AS no_rows FROM g WHERE false;

-- parallel query: partial aggregates combined, the same result as serial
CREATE TABLE spatial_acs_big AS SELECT i::bigint AS id, ((i * 37) % 101)::float8 AS v FROM generate_series(1, 60000) i;
CREATE TABLE spatial_acs_bigw AS
  SELECT nous.weights(a, b) AS w
    FROM (SELECT i::bigint AS a, i::bigint + 1 AS b FROM generate_series(1, 59999) i
          UNION ALL SELECT i + 1, i FROM generate_series(1, 59999) i) l;
ANALYZE spatial_acs_big;
CREATE TEMP TABLE serial AS
  SELECT nous.moran((SELECT w FROM spatial_acs_bigw), id, v, 'permutations=9') AS m,
         nous.local_g((SELECT w FROM spatial_acs_bigw), id, v, 'permutations=0') AS lg
    FROM spatial_acs_big;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
-- (the plan of a constant weights value: no InitPlan, whose text differs from PostgreSQL 17 on)
SELECT w::text AS pw_text FROM pw \gset
EXPLAIN (COSTS OFF) SELECT nous.moran(:'pw_text'::nous.weights, id, v, 'permutations=9') FROM spatial_acs_big;
SELECT nous.moran((SELECT w FROM spatial_acs_bigw), id, v, 'permutations=9') = (SELECT m FROM serial) AS parallel_equals_serial,
       nous.local_g((SELECT w FROM spatial_acs_bigw), id, v, 'permutations=0')::text = (SELECT lg FROM serial)::text AS local_parallel_equals_serial
  FROM spatial_acs_big;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;

-- the weights from a table column: a toasted value read row after row is
-- recognised by its toast pointer; copies of one value in several rows are
-- equal values (compared in full once each), accepted
SELECT pg_relation_size(reltoastrelid) > 0 AS toasted FROM pg_class WHERE relname = 'spatial_acs_bigw';
SELECT (nous.moran(b.w, a.id, a.v, 'permutations=9')) = (SELECT m FROM serial) AS column_weights
  FROM spatial_acs_big a, spatial_acs_bigw b;
CREATE TEMP TABLE wcopies AS SELECT k, w FROM spatial_acs_bigw, generate_series(1, 3) k;
SELECT (nous.moran(c.w, a.id, a.v, 'permutations=9')) = (SELECT m FROM serial) AS copies_accepted
  FROM spatial_acs_big a JOIN wcopies c ON c.k = 1 + a.id % 3;

-- a different weights value in the same group is refused
\set VERBOSITY default
CREATE TEMP TABLE w2 AS SELECT nous.weights(a, b) AS w
  FROM (VALUES (101::bigint, 102::bigint), (102, 103), (103, 104), (104, 105)) l(a, b);
SELECT nous.moran(CASE WHEN id < 300 THEN (SELECT w FROM gw) ELSE (SELECT w FROM w2) END, id, v) FROM g;
SELECT nous.moran(x.w, g.id, g.v)
  FROM g JOIN (SELECT 1 AS k, w FROM gw UNION ALL SELECT 2, w FROM w2) x ON x.k = 1 + (g.id % 2)::int;
-- partial states with different weights or options do not merge
SELECT nous.autocorrelation_state_merge(s, (SELECT ac_state(w, 101, 1.0) FROM w2)) FROM st;
SELECT nous.autocorrelation_state_merge(s, (SELECT ac_state((SELECT w FROM gw), 101, 1.0, 'permutations=9'))) FROM st;

-- bad states: a clear error with a detail
SELECT 'abc'::nous.autocorrelation_state;
SELECT '\x0'::nous.autocorrelation_state;
SELECT '\x0g'::nous.autocorrelation_state;
SELECT '\x01'::nous.autocorrelation_state;
SELECT ('\x09' || substr(s::text, 5))::nous.autocorrelation_state FROM st;
SELECT left(s::text, -2)::nous.autocorrelation_state FROM st;
SELECT (left(s::text, -16) || '7ff0000000000000')::nous.autocorrelation_state FROM st;
-- the options' length beyond the value
SELECT ('\x01ffff' || substr(s::text, 9))::nous.autocorrelation_state FROM st;
-- weights bytes altered (an id of the weights overwritten)
SELECT (left(s::text, 2 + 2 * (1 + 2 + 15 + 4) + 2 * 40) || 'ffffff7f' || substr(s::text, 2 + 2 * (1 + 2 + 15 + 4) + 2 * 40 + 9))::nous.autocorrelation_state FROM st;
-- the transition is not callable outside an aggregate
SELECT nous.autocorrelation_state_transfn(NULL, (SELECT w FROM gw), 1, 1.0);

DROP TABLE spatial_acs_big, spatial_acs_bigw;
DROP AGGREGATE ac_state(nous.weights, bigint, float8);
DROP AGGREGATE ac_state(nous.weights, bigint, float8, text);
DROP AGGREGATE ac_merge(nous.autocorrelation_state);
