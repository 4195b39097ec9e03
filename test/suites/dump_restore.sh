#!/usr/bin/env bash
# dump_restore: pg_dump a database that uses nous (a user-registered method,
# a stored index definition, tables holding the storable states nous.flows,
# nous.mixpairs, nous.mixcounts and nous.weights, materialized views calling
# nous functions), restore it into a new database, and check that everything
# works there: user registrations are restored once, built-ins are not
# duplicated, stored states come back identical, the views refresh to the
# same values.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
suite_dump_setup dump
suite_sql "$src" <<'SQL'
CREATE SCHEMA obs;
CREATE FUNCTION obs.share(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg(x * 100 / (SELECT sum(y) FROM unnest(v) y) ORDER BY i) FROM unnest(v) WITH ORDINALITY t(x, i) $$;
SELECT nous.register_method('normalisation', 'share', 'obs.share(float8[])', 'share of the total');
CREATE TABLE obs.iris (code text PRIMARY KEY, rate float8);
INSERT INTO obs.iris VALUES ('A', 1), ('B', 3), ('C', 4);
CREATE MATERIALIZED VIEW obs.iris_norm AS
  SELECT v.codes, nous.normalise(v.rates, 'share') AS share, nous.normalise(v.rates, 'minmax') AS minmax
    FROM (SELECT array_agg(code ORDER BY code) codes, array_agg(rate ORDER BY code) rates FROM obs.iris) v;
SELECT nous.define_index('obs_idx', '[{"column": "rate"}]', normalise => 'minmax');
CREATE TABLE obs.states AS
  SELECT (SELECT nous.flow_matrix(o, d, w) FROM (VALUES ('A', 'B', 5.0), ('B', 'A', 2.0), ('A', 'A', 3.0)) m(o, d, w)) AS flows,
         (SELECT nous.mixpairs_agg(g, t) FROM (VALUES (1.0, 10.0), (4.0, 10.0), (9.0, 10.0)) p(g, t)) AS pairs,
         (SELECT nous.weights(a, b) FROM (VALUES (1, 2), (2, 1), (2, 3), (3, 2)) e(a, b)) AS w;
CREATE MATERIALIZED VIEW obs.summary AS
  SELECT (SELECT sum(inflow) FROM nous.flow_zones(s.flows)) AS inflow,
         round(nous.segregation(s.pairs, 'dissimilarity')::numeric, 6) AS d,
         nous.link_count(s.w) AS links,
         (SELECT nous.breaks(rate, 2, 'equal') FROM obs.iris) AS breaks,
         (SELECT string_agg(key || ':' || round(score::numeric, 1), ',' ORDER BY key)
            FROM nous.index_compute('obs_idx', 'obs.iris', 'code')) AS idx
    FROM obs.states s;
SQL
suite_dump_restore "$src" "$dst"

state="SELECT (SELECT count(*) FROM nous.methods WHERE NOT builtin) || ' ' ||
       (SELECT count(*) FROM nous.methods WHERE builtin) || ' ' ||
       (SELECT count(*) FROM nous.methods WHERE name = 'zscore') || ' ' ||
       (SELECT share::text || minmax::text FROM obs.iris_norm) || ' ' ||
       (SELECT flows::text || ' ' || pairs::text || ' ' || w::text FROM obs.states) || ' ' ||
       (SELECT inflow || ' ' || d || ' ' || links || ' ' || breaks::text || ' ' || idx FROM obs.summary)"
got="$(psql -d "$dst" -tA -c "REFRESH MATERIALIZED VIEW obs.iris_norm" -c "REFRESH MATERIALIZED VIEW obs.summary" -c "$state")"
want="$(psql -d "$src" -tA -c "$state")"
# by hand: share of 1 3 4 (total 8) = 12.5 37.5 50; min-max = 0 66.67 100;
# flows A>B 5, B>A 2: inflow 7; D of (1,4,9)/10: 0.580357 (see the mix suite);
# 4 directed links; equal breaks of 1 3 4 in 2 classes: {2.5,4}; minmax index 0, 66.7, 100
case "$want" in
  "1 "*" 1 {12.5,37.5,50}{0,66.6666666666667,100} "*" 7 0.580357 4 {2.5,4} A:0.0,B:66.7,C:100.0") ;;
  *) echo "dump_restore: unexpected source state: $want"; exit 1 ;;
esac
if [ "$got" != "$want" ]; then
  echo "dump_restore: after restore got '$got', expected '$want'"
  exit 1
fi
echo "dump_restore: ok ($got)"
