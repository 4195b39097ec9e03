#!/usr/bin/env bash
# load_ogr: scripts/load.sh territories on the vector formats observatories
# receive, made here with ogr2ogr from ../shared/data (Admin Express 2018
# communes of Loire-Atlantique, WGS84, recoded 44xxx -> 01xxx so that every
# code has a leading zero; GEOFLA communes of Loire-Atlantique, Lambert-93):
# a Shapefile in Lambert-93 with a Windows-1252 (Latin-1) DBF and its .cpg, the
# same without .cpg (guessed, or --encoding), a UTF-8 DBF without .cpg, a
# zipped Shapefile, a GeoPackage with two layers, a FlatGeobuf, a GML without
# its .xsd, a KML, the GeoJSON
# itself through ogr2ogr. Each is loaded into a fresh database and compared
# with the load of the GeoJSON by psql (nous.load_territories): same count,
# same codes (leading zeros), same labels (accents: Rezé, Paimbœuf), same areas
# to 1e-6 relative. Bad inputs: a .shp without .prj (refused; --srid loads
# it), a missing layer, a missing code property, a duplicate code (aborted,
# nothing half-loaded; --keep loads the rest), staging tables dropped.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
data="${NOUS_SHARED:-$root/../shared}/data"
if [ ! -d "$data" ]; then
  echo "load_ogr: no $data"
  [ "${CI:-}" = true ] && exit 1   # must run in CI
  exit 77
fi
command -v ogr2ogr >/dev/null || { echo "load_ogr: ogr2ogr missing (Debian package gdal-bin)"; exit 1; }
tpl=nous_ogr_tpl ref=nous_ogr_ref db=nous_ogr_db
load() { bash "$root/scripts/load.sh" "$@"; }

passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
  local d="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok $((passed + failed)) - $d"
  else failed=$((failed + 1)); echo "not ok $((passed + failed)) - $d"; fi
}
has() { printf '%s' "$1" | grep -qF -- "$2"; }

for d in "$db" "$ref"; do psql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $d"; done
suite_drop_on_exit "$db" "$ref"
suite_db "$tpl"
psql -d "$tpl" -c "SET client_min_messages = warning" -c "CREATE EXTENSION nous CASCADE"
fresh() { psql -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE $tpl"; }
# code|label|area of the territories of a level, by code
fingerprint() {  # DB LEVEL VINTAGE
  psql -d "$1" -tA -c "SELECT code || '|' || coalesce(label, '') || '|' || public.ST_Area(geom)
                        FROM nous.territories WHERE level = '$2' AND vintage = $3 ORDER BY code"
}
# same lines, same codes and labels, areas equal to 1e-6 relative
same() {  # FILE_A FILE_B
  [ -s "$1" ] && [ "$(wc -l <"$1")" = "$(wc -l <"$2")" ] &&
  paste -d'|' "$1" "$2" | awk -F'|' '($1 "") != ($4 "") || ($2 "") != ($5 "") || ($3 - $6 > 1e-6 * $3) || ($6 - $3 > 1e-6 * $3) {bad++} END {exit bad > 0}'
}
count() { psql -d "$1" -tA -c "SELECT count(*) FROM nous.territories"; }
staging_left() { psql -d "$1" -tA -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'nous_staging'"; }

# ---- the files
admin="$data/communes-admin-express-2018/communes-44-loire-atlantique.geojson"
geofla="$data/migrations-residentielles-loire-atlantique/COM44_communes_geofla_lambert93.geojson"
cd "$work"
ogr2ogr -f GeoJSON a.geojson "$admin" -nln communes -dialect SQLite \
  -sql "SELECT '01' || substr(code, 3) AS code, nom, geometry FROM \"communes-44-loire-atlantique\""
mkdir cpg nocpg utf8 noprj
ogr2ogr -f 'ESRI Shapefile' -t_srs EPSG:2154 -lco ENCODING=CP1252 cpg/c.shp a.geojson
cp cpg/c.shp cpg/c.shx cpg/c.dbf cpg/c.prj nocpg/
ogr2ogr -f 'ESRI Shapefile' -t_srs EPSG:2154 -lco ENCODING=UTF-8 utf8/u.shp a.geojson && rm utf8/u.cpg
cp cpg/c.shp cpg/c.shx cpg/c.dbf cpg/c.cpg noprj/
python3 -c "import sys, zipfile
with zipfile.ZipFile('c.zip', 'w') as z:
    for e in ('shp', 'shx', 'dbf', 'prj', 'cpg'): z.write('cpg/c.' + e, 'c.' + e)"
ogr2ogr -f GPKG g.gpkg a.geojson -nln communes
ogr2ogr -f GPKG -update g.gpkg "$geofla" -nln geofla
ogr2ogr -f FlatGeobuf f.fgb a.geojson
ogr2ogr -f GML gm.gml a.geojson && rm gm.xsd   # without its schema, GDAL would read the codes as integers
ogr2ogr -f KML k.kml a.geojson
ogr2ogr -f GPKG dup.gpkg a.geojson -nln dup -dialect SQLite \
  -sql "SELECT * FROM communes UNION ALL SELECT * FROM communes WHERE code = '01143'"
ogr2ogr -f GeoJSON num.geojson "$geofla" -nln num -dialect SQLite \
  -sql "SELECT CAST(INSEE_COM AS integer) AS code, NOM_COM AS nom, geometry FROM COM44"
check "the DBF is Windows-1252: Rez\\xe9 and Paimb\\x9cuf, with c.cpg" \
  bash -c "LC_ALL=C grep -q \$'Rez\\xe9' cpg/c.dbf && LC_ALL=C grep -q \$'Paimb\\x9cuf' cpg/c.dbf && [ \"\$(cat cpg/c.cpg)\" = CP1252 ]"

# ---- the reference: the GeoJSON files through psql and nous.load_territories
psql -d postgres -c "CREATE DATABASE $ref TEMPLATE $tpl"
out="$(PGDATABASE=$ref load --psql territories a.geojson commune 2018 code nom)"
check "reference: 208 communes from the GeoJSON by psql" has "$out" "208 loaded, 0 rejected, 0 repaired (of 208 features, EPSG:4326 to EPSG:2154)"
out="$(PGDATABASE=$ref load --psql territories "$geofla" commune 2012 INSEE_COM NOM_COM)"
check "reference: 221 GEOFLA communes by psql" has "$out" "221 loaded, 0 rejected"
fingerprint "$ref" commune 2018 >ref_a
fingerprint "$ref" commune 2012 >ref_g
check "reference: every code has its leading zero (01xxx), Rezé and Paimbœuf" \
  bash -c "[ \$(grep -c '^01[0-9][0-9][0-9]|' ref_a) = 208 ] && grep -q '^01143|Rezé|' ref_a && grep -q '|Paimbœuf|' ref_a"

# ---- each format into a fresh database, compared with the reference
ogr_case() {  # LABEL REF_FILE VINTAGE LOAD_ARGS...
  local label="$1" reff="$2" vintage="$3"; shift 3
  fresh
  local out rc=0
  out="$(PGDATABASE=$db load "$@" 2>&1)" || rc=$?
  check "$label: loaded (rc $rc)" has "$out" " loaded, 0 rejected, 0 repaired (of "
  fingerprint "$db" commune "$vintage" >got
  check "$label: same count, codes, labels and areas (1e-6) as the GeoJSON by psql" same "$reff" got
  check "$label: staging table dropped" [ "$(staging_left "$db")" = 0 ]
  echo "$out" >last_out
}
ogr_case "Shapefile, Lambert-93, CP1252 DBF with .cpg" ref_a 2018 territories cpg/c.shp commune 2018 code nom
check "Shapefile: the report names the CRS of the file" grep -q "(of 208 features, EPSG:2154 to EPSG:2154)" last_out
ogr_case "Shapefile without .cpg (guessed CP1252)" ref_a 2018 territories nocpg/c.shp commune 2018 code nom
check "Shapefile without .cpg: the guess is said" grep -q "c.dbf has no .cpg: read as CP1252" last_out
ogr_case "Shapefile without .cpg, --encoding WIN1252" ref_a 2018 --encoding WIN1252 territories nocpg/c.shp commune 2018 code nom
ogr_case "UTF-8 DBF without .cpg (guessed UTF-8)" ref_a 2018 territories utf8/u.shp commune 2018 code nom
fresh
PGDATABASE=$db load --encoding LATIN1 territories nocpg/c.shp commune 2018 code nom >/dev/null 2>&1 || true
got="$(psql -d "$db" -tA -c "SELECT string_agg(label, ',' ORDER BY code) FROM nous.territories WHERE code IN ('01143', '01116')")"
check "--encoding LATIN1 is honoured (Rezé right, œ is not Latin-1: U+009C)" [ "$got" = "Paimb"$'\xc2\x9c'"uf,Rezé" ]
ogr_case "zipped Shapefile (/vsizip/)" ref_a 2018 territories c.zip commune 2018 code nom
ogr_case "GeoPackage, layer communes" ref_a 2018 --layer communes territories g.gpkg commune 2018 code nom
ogr_case "GeoPackage, layer geofla (Lambert-93)" ref_g 2012 --layer geofla territories g.gpkg commune 2012 INSEE_COM NOM_COM
ogr_case "FlatGeobuf" ref_a 2018 territories f.fgb commune 2018 code nom
ogr_case "GML without .xsd (codes kept as text)" ref_a 2018 territories gm.gml commune 2018 code nom
check "GML: no .gfs written beside the file" [ ! -e gm.gfs ]
# the attributes of a KML (ExtendedData) are read by GDAL's LIBKML driver;
# a GDAL built without it (Debian unstable's) reads names and descriptions only
if ogrinfo --formats 2>/dev/null | grep -q '^ *LIBKML '; then
  ogr_case "KML" ref_a 2018 territories k.kml commune 2018 code nom
else
  echo "# skip KML: this GDAL ($(ogr2ogr --version)) has no LIBKML driver to read KML attributes"
fi
ogr_case "GeoJSON through ogr2ogr" ref_a 2018 territories a.geojson commune 2018 code nom
ogr_case "GEOFLA GeoJSON (crs member) through ogr2ogr" ref_g 2012 territories "$geofla" commune 2012 INSEE_COM NOM_COM
fresh
out="$(PGDATABASE=$db load territories num.geojson commune 2012 code nom 2>&1)" || true
check "codes stored as numbers: warned" has "$out" 'warning: "code" is stored as Integer in num.geojson: a code with a leading zero (01053) may have lost it in the file itself'
check "codes stored as numbers (no leading zero in 44): loaded as text" has "$out" "221 loaded, 0 rejected"
fingerprint "$db" commune 2012 >got
check "codes stored as numbers: same as the GEOFLA GeoJSON by psql" same ref_g got

# ---- bad inputs: refused with a clear message, nothing loaded, no staging left
refused() {  # LABEL MESSAGE LOAD_ARGS...
  local label="$1" msg="$2" out rc=0 before; shift 2
  before="$(count "$db")"
  out="$(PGDATABASE=$db load "$@" 2>&1)" || rc=$?
  check "$label: refused (rc $rc)" [ "$rc" -ne 0 ]
  check "$label: says \"$msg\"" has "$out" "$msg"
  [ "$rc" -ne 0 ] && has "$out" "$msg" || echo "$out" | head -5 | sed 's/^/    /'
  [ "$rc" -eq 3 ] && check "$label: load.sh points to --keep" has "$out" "load.sh: nothing loaded from"
  check "$label: nothing loaded ($before before)" [ "$(count "$db")" = "$before" ]
  check "$label: no staging table left" [ "$(staging_left "$db")" = 0 ]
}
fresh
refused ".shp without .prj" "declares no coordinate reference system (a Shapefile without its .prj?): pass --srid N" \
  territories noprj/c.shp commune 2018 code nom
out="$(PGDATABASE=$db load --srid 2154 territories noprj/c.shp commune 2018 code nom 2>&1)" || true
check ".shp without .prj, --srid 2154: loaded" has "$out" "208 loaded, 0 rejected"
fingerprint "$db" commune 2018 >got
check ".shp without .prj, --srid 2154: same as the GeoJSON by psql" same ref_a got
refused "a layer that does not exist" 'no layer "nope" in g.gpkg; its layers are: communes, geofla' \
  --layer nope territories g.gpkg commune 2019 code nom
refused "two layers, no --layer" "g.gpkg has 2 layers (communes, geofla): choose one with --layer NAME" \
  territories g.gpkg commune 2019 code nom
refused "a code property that is missing" 'no property "insee" in c.zip (layer c); its properties are: code, nom' \
  territories c.zip commune 2019 insee nom
refused "a label property that is missing" 'no property "libelle"' territories f.fgb commune 2019 code libelle
refused "a file that is not a vector source" "cannot read ref_a as a vector source" territories ref_a commune 2019 code nom
refused "a duplicate code" "feature 209 (01143): duplicate territory: commune 01143 is also feature 202" \
  territories dup.gpkg commune 2019 code nom
refused "the same communes loaded twice" "208 of 208 rows rejected, nothing loaded" \
  territories f.fgb commune 2018 code nom
before="$(count "$db")"
out="$(PGDATABASE=$db load --keep territories dup.gpkg commune 2019 code nom 2>&1)" || true
check "--keep: the good features loaded, the duplicate kept aside" has "$out" "208 loaded, 1 rejected, 0 repaired (of 209 features, EPSG:4326 to EPSG:2154)"
check "--keep: the report lists the rejected feature" has "$out" "rejected |  209 | 01143 | duplicate territory: commune 01143 is also feature 202"
check "--keep: 208 more territories, the reject in nous.load_rejects" \
  [ "$(count "$db")/$(psql -d "$db" -tA -c "SELECT count(*) || ' ' || min(item) FROM nous.load_rejects")" = "$((before + 208))/1 209" ]
check "--keep: no staging table left" [ "$(staging_left "$db")" = 0 ]

echo "load_ogr: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
