#!/usr/bin/env bash
# territory_dump_restore: the territories, links, indicator catalogue,
# observations and load log a user loads survive pg_dump / pg_restore (they
# are extension configuration tables); the nine levels are not duplicated;
# the identity sequences go on after the restored rows; the checks still run.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
suite_dump_setup terr_dump
suite_sql "$src" <<'SQL'
-- the rate's numerator row is rewritten after the rate, so the dump copies the rate first
INSERT INTO nous.indicators (code, label, kind) VALUES ('act', 'actifs', 'count'), ('z_num', 'chômeurs', 'count');
INSERT INTO nous.indicators (code, label, kind, numerator, denominator, scale) VALUES ('a_rate', 'taux', 'rate', 'z_num', 'act', 100);
UPDATE nous.indicators SET label = 'chômeurs 15-64' WHERE code = 'z_num';
SELECT count(*) FROM nous.load_territories('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:2154"}}, "features": [
  {"type": "Feature", "properties": {"c": "44109", "n": "Nantes"}, "geometry": {"type": "Polygon", "coordinates": [[[350000, 6680000], [360000, 6680000], [360000, 6690000], [350000, 6680000]]]}},
  {"type": "Feature", "properties": {"c": "44162", "n": "Saint-Herblain"}, "geometry": {"type": "Polygon", "coordinates": [[[340000, 6680000], [350000, 6680000], [350000, 6690000], [340000, 6680000]]]}},
  {"type": "Feature", "properties": {"c": "4416", "n": "bad"}, "geometry": null}]}', 'commune', 2024, 'c', 'n', 'dump test', 'keep');
INSERT INTO nous.territories (level, code, label, vintage) VALUES ('departement', '44', 'Loire-Atlantique', 2024);
INSERT INTO nous.territory_links (child_id, parent_id, share)
SELECT c.territory_id, d.territory_id, 1 FROM nous.territories c, nous.territories d WHERE c.level = 'commune' AND d.level = 'departement';
INSERT INTO nous.observations (indicator, territory_id, period, value)
SELECT i, t.territory_id, 2020, CASE i WHEN 'act' THEN 100 ELSE CASE t.code WHEN '44109' THEN 10 ELSE 30 END END
  FROM nous.territories t, unnest(ARRAY['act', 'z_num']) i WHERE t.level = 'commune';
SQL
"$bin/pg_dump" -Fc -d "$src" -f "$work/db.dump" 2>"$work/dump.err"
# a clean dump: no warning (e.g. circular foreign keys in the catalogue)
if [ -s "$work/dump.err" ]; then
  echo "territory_dump_restore: pg_dump printed:"; cat "$work/dump.err"; exit 1
fi
"$bin/pg_restore" --exit-on-error -d "$dst" "$work/db.dump"

# by hand: 3 territories, 2 links, 3 indicators, 4 observations, 1 load with 1 reject;
# areas 2 x (10 km x 10 km / 2) = 100 km2; rate of 44 = (10 + 30) / (100 + 100) x 100 = 20
state="SELECT (SELECT count(*) FROM nous.territory_levels) || ' ' ||
       (SELECT count(*) FROM nous.territories) || ' ' || (SELECT count(*) FROM nous.territory_links) || ' ' ||
       (SELECT count(*) FROM nous.indicators) || ' ' || (SELECT count(*) FROM nous.observations) || ' ' ||
       (SELECT count(*) || '/' || sum(rejected) FROM nous.load_log) || ' ' || (SELECT count(*) FROM nous.load_rejects) || ' ' ||
       (SELECT round(sum(ST_Area(geom)) / 1e6) FROM nous.territories) || ' ' ||
       (SELECT code || '=' || value FROM nous.rollup('a_rate', 'departement', 2020, 'commune'))"
want="$(psql -d "$src" -tA -c "$state")"
got="$(psql -d "$dst" -tA -c "$state")"
case "$want" in
  "9 3 2 3 4 1/1 1 100 44=20") ;;
  *) echo "territory_dump_restore: unexpected source state: $want"; exit 1 ;;
esac
if [ "$got" != "$want" ]; then
  echo "territory_dump_restore: after restore got '$got', expected '$want'"
  exit 1
fi
# the sequences go on; the checks and triggers are still there
after="$(psql -d "$dst" -tA <<'SQL'
INSERT INTO nous.territories (level, code, vintage) VALUES ('commune', '44143', 2024) RETURNING territory_id > 3;
SELECT load_id > 1 FROM nous.load_territories('{"type": "FeatureCollection", "features": []}', 'commune', 2024, 'c', source => 'after');
DO $$ BEGIN
  INSERT INTO nous.territories (level, code, vintage) VALUES ('commune', '4414', 2024);
  RAISE EXCEPTION 'the code check is gone';
EXCEPTION WHEN invalid_parameter_value THEN NULL;
END $$;
SELECT 'checks ok';
SQL
)"
if [ "$(echo $after)" != "t t checks ok" ]; then
  echo "territory_dump_restore: after restore: $after"
  exit 1
fi
echo "territory_dump_restore: ok ($got)"
