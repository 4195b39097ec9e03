#!/usr/bin/env bash
# territory_load_script: scripts/load.sh on small files made here: a GeoJSON
# in Lambert-93, a ';' CSV of observations (separator detected), a Latin-1
# CSV (refused with its line, then loaded with --encoding LATIN1), a CSV with
# an unknown code (aborted, nothing loaded; --keep loads the rest).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
db=nous_terr_load
suite_db "$db"
psql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous CASCADE" \
     -c "INSERT INTO nous.indicators (code, label) VALUES ('pop', 'Population'), ('men', 'Ménages')"
export PGDATABASE=$db
load() { bash "$root/scripts/load.sh" "$@"; }
fail() { echo "territory_load_script: $*"; exit 1; }

cat >"$work/c.geojson" <<'J'
{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}, "features": [
 {"type": "Feature", "properties": {"INSEE_COM": "44109", "NOM": "Nantes"}, "geometry": {"type": "Polygon", "coordinates": [[[350000, 6680000], [360000, 6680000], [360000, 6690000], [350000, 6680000]]]}},
 {"type": "Feature", "properties": {"INSEE_COM": "44143", "NOM": "Rezé"}, "geometry": {"type": "Polygon", "coordinates": [[[350000, 6670000], [360000, 6670000], [360000, 6680000], [350000, 6670000]]]}}]}
J
out="$(load territories "$work/c.geojson" commune 2024 INSEE_COM NOM)"
echo "$out" | grep -q "2 loaded, 0 rejected" || fail "geojson: $out"

printf 'code;pop;men\n44109;320 000;170000\n44143;42000,5;20000\n' >"$work/semi.csv"
out="$(load observations "$work/semi.csv" commune 2024 code '{"pop": "pop", "men": "men"}' 2021)"
echo "$out" | grep -q "2 rows loaded (4 values), 0 rejected" || fail "semicolon csv: $out"
got="$(psql -tA -c "SELECT string_agg(value::text, ' ' ORDER BY value) FROM nous.observations WHERE indicator = 'pop'")"
[ "$got" = "42000.5 320000" ] || fail "semicolon csv values: $got"

printf 'code,libelle,men\n44109,Nantes,1\n44143,Rez\xe9,2\n' >"$work/latin1.csv"
if out="$(load observations "$work/latin1.csv" commune 2024 code '{"men": "men"}' 2022 2>&1)"; then fail "latin-1 accepted: $out"; fi
echo "$out" | grep -q "line 3 has an invalid byte sequence" || fail "latin-1 message: $out"
out="$(load --encoding LATIN1 observations "$work/latin1.csv" commune 2024 code '{"men": "men"}' 2022)"
echo "$out" | grep -q "2 rows loaded" || fail "latin-1 with --encoding: $out"

printf 'code,pop\n44109,1\n44999,2\n' >"$work/unknown.csv"
if out="$(load observations "$work/unknown.csv" commune 2024 code '{"pop": "pop"}' 2023 2>&1)"; then fail "unknown code accepted: $out"; fi
echo "$out" | grep -q "line 3 (44999): unknown code" || fail "unknown code message: $out"
[ "$(psql -tA -c "SELECT count(*) FROM nous.observations WHERE period = 2023")" = 0 ] || fail "half-loaded"
out="$(load --keep observations "$work/unknown.csv" commune 2024 code '{"pop": "pop"}' 2023)"
echo "$out" | grep -q "1 rows loaded (1 values), 1 rejected" || fail "keep: $out"

printf 'code,pop;men\n44109,1;2\n' >"$work/mixed.csv"
if out="$(load observations "$work/mixed.csv" commune 2024 code '{"pop": "pop"}' 2024 2>&1)"; then fail "mixed separators accepted"; fi
echo "$out" | grep -q "cannot tell the separator" || fail "mixed separators: $out"
echo "territory_load_script: ok"
