#!/usr/bin/env bash
# scripts/load.sh — load one open-data file into the nous territory model, in
# one transaction, and print the load report (psql connection from the PG*
# variables; the files are read on the client, so no superuser is needed).
#
#   load.sh territories FILE LEVEL VINTAGE CODE_PROPERTY [LABEL_PROPERTY]
#   load.sh observations FILE.csv LEVEL VINTAGE CODE_COLUMN '{"column": "indicator", ...}' PERIOD
#
# territories: any vector source GDAL reads (.shp, .zip of a Shapefile, .gpkg,
# .geojson, .gml, .kml, .fgb ...), copied by ogr2ogr into a staging table of
# schema nous_staging (created when missing; the table is dropped afterwards)
# in the CRS of the file, then loaded by nous.load_territory_rows.
# Options (before the arguments): --keep (load the good rows, keep the rejected
# ones in nous.load_rejects; default: any rejected row aborts the load),
# --encoding ENC (of a CSV file, default UTF8; of a Shapefile's DBF, which
# overrides its .cpg), --source TEXT, --layer NAME (of a file with several
# layers), --srid N (CRS of a file that declares none), --psql (GeoJSON read
# by psql and nous.load_territories, without GDAL).
# The CSV separator (',' ';' or tab) is read from the header line.
set -euo pipefail
bin="${NOUS_PGBIN:-/usr/lib/postgresql/15/bin}"
on_error=abort encoding=UTF8 encoding_given= source= layer= srid= via_psql=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) on_error=keep; shift ;;
    --encoding) encoding="${2:?--encoding needs a value}"; encoding_given=1; shift 2 ;;
    --source) source="${2:?--source needs a value}"; shift 2 ;;
    --layer) layer="${2:?--layer needs a value}"; shift 2 ;;
    --srid) srid="${2:?--srid needs a value}"; shift 2 ;;
    --psql) via_psql=1; shift ;;
    -*) echo "load.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "load.sh: $*" >&2; exit 1; }
[ $# -ge 1 ] || usage
kind="$1"; shift
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }   # SQL literal
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -P footer=off "$@"; }

# a DBF encoding for GDAL (iconv names) from PostgreSQL's names or iconv's
gdal_encoding() {
  case "$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]' | tr -d '_-')" in
    UTF8) echo UTF-8 ;;
    LATIN1|ISO88591) echo ISO-8859-1 ;;
    LATIN9|ISO885915) echo ISO-8859-15 ;;
    WIN1252|CP1252|WINDOWS1252) echo CP1252 ;;
    *) echo "$1" ;;
  esac
}

# Encoding of the DBF of a Shapefile (or of a Shapefile in a .zip) that has no
# .cpg and no language driver byte: empty when GDAL knows it (or when the text
# is ASCII), else UTF-8 when its records are valid UTF-8, else CP1252 (the
# Windows superset of Latin-1 that French exports use).
guess_dbf_encoding() {  # FILE LAYER
  python3 - "$1" "$2" <<'PY'
import codecs, os, sys, zipfile
path, layer = sys.argv[1], sys.argv[2]
def opener(suffix):
    if path.lower().endswith('.zip'):
        z = zipfile.ZipFile(path)
        for n in z.namelist():
            if os.path.basename(n).lower() == (layer + suffix).lower():
                return z.open(n)
        return None
    base = os.path.splitext(path)[0]
    for s in (suffix, suffix.upper()):
        if os.path.exists(base + s):
            return open(base + s, 'rb')
    return None
if opener('.cpg') is not None:
    sys.exit(0)
f = opener('.dbf')
if f is None:
    sys.exit(0)
head = f.read(32)
if len(head) < 32 or head[29] != 0:
    sys.exit(0)
f.read(int.from_bytes(head[8:10], 'little') - 32)
dec = codecs.getincrementaldecoder('utf-8')()
ascii_only, utf8 = True, True
while True:
    chunk = f.read(1 << 20)
    if not chunk:
        break
    if ascii_only and max(chunk) >= 128:
        ascii_only = False
    if utf8:
        try:
            dec.decode(chunk)
        except UnicodeDecodeError:
            utf8 = False
try:
    dec.decode(b'', final=True)
except UnicodeDecodeError:
    utf8 = False
if not ascii_only:
    print('UTF-8' if utf8 else 'CP1252')
PY
}

# territories through ogr2ogr: FILE LEVEL VINTAGE CODE LABEL
territories_ogr() {
  local file="$1" level="$2" vintage="$3" code="$4" label="$5"
  local src="$file" layers n info fields ftype enc guess cfg srs=() table
  command -v ogr2ogr >/dev/null || die "ogr2ogr not found: install GDAL (Debian package gdal-bin), or load a GeoJSON file with --psql"
  case "$file" in *.zip|*.ZIP) src="/vsizip/$(cd "$(dirname "$file")" && pwd)/$(basename "$file")" ;; esac
  # GML without its .xsd: every attribute as text (else "01053" is read as the integer 1053),
  # and no .gfs written beside the file
  cfg=(--config GML_FIELDTYPES ALWAYS_STRING)
  case "$file" in *.gml|*.GML) cfg+=(-oo WRITE_GFS=NO) ;; esac
  if [ -n "$encoding_given" ]; then
    enc="$(gdal_encoding "$encoding")"
    cfg+=(--config SHAPE_ENCODING "$enc")
  fi
  # the layers: lines "1: name (Polygon)" or "1: name"
  layers="$(ogrinfo -ro -q "${cfg[@]}" "$src" 2>&1)" || die "cannot read $file as a vector source: $(echo "$layers" | grep -m1 -i error || echo "$layers" | head -1)"
  layers="$(printf '%s\n' "$layers" | sed -n 's/^[0-9][0-9]*: //p' | sed 's/ ([^()]*)$//')"
  n="$(printf '%s' "$layers" | grep -c '' || true)"
  [ "$n" -gt 0 ] || die "$file has no vector layer; nothing loaded"
  if [ -n "$layer" ]; then
    printf '%s\n' "$layers" | grep -qxF -- "$layer" ||
      die "no layer \"$layer\" in $file; its layers are: $(printf '%s' "$layers" | paste -sd, - | sed 's/,/, /g'); nothing loaded"
  elif [ "$n" -gt 1 ]; then
    die "$file has $n layers ($(printf '%s' "$layers" | paste -sd, - | sed 's/,/, /g')): choose one with --layer NAME; nothing loaded"
  else
    layer="$layers"
  fi
  # a DBF without .cpg: guess UTF-8 or CP1252 from its bytes (GDAL would pass them through)
  if [ -z "$encoding_given" ]; then
    case "$file" in
      *.shp|*.SHP|*.dbf|*.DBF|*.zip|*.ZIP)
        guess="$(guess_dbf_encoding "$file" "$layer")" || guess=
        if [ -n "$guess" ]; then
          echo "load.sh: $layer.dbf has no .cpg: read as $guess (pass --encoding to choose)" >&2
          cfg+=(--config SHAPE_ENCODING "$guess")
        fi ;;
    esac
  fi
  info="$(ogrinfo -ro -so "${cfg[@]}" "$src" "$layer" 2>&1)" || die "cannot read layer $layer of $file: $info"
  fields="$(printf '%s\n' "$info" | sed -n 's/^\([^:]*\): \([A-Za-z0-9]*\) ([0-9.]*)$/\1\t\2/p')"
  ftype="$(printf '%s\n' "$fields" | awk -F'\t' -v f="$code" '$1 == f {print $2}')"
  [ -n "$ftype" ] || die "no property \"$code\" in $file (layer $layer); its properties are: $(printf '%s\n' "$fields" | cut -f1 | paste -sd, - | sed 's/,/, /g'); nothing loaded"
  if [ -n "$label" ] && ! printf '%s\n' "$fields" | cut -f1 | grep -qxF -- "$label"; then
    die "no property \"$label\" in $file (layer $layer); its properties are: $(printf '%s\n' "$fields" | cut -f1 | paste -sd, - | sed 's/,/, /g'); nothing loaded"
  fi
  case "$ftype" in
    String) ;;
    *) echo "load.sh: warning: \"$code\" is stored as $ftype in $file: a code with a leading zero (01053) may have lost it in the file itself" >&2 ;;
  esac
  if printf '%s\n' "$info" | grep -A1 '^Layer SRS WKT:' | grep -qx '(unknown)'; then
    [ -n "$srid" ] || die "$file declares no coordinate reference system (a Shapefile without its .prj?): pass --srid N (2154 for Lambert-93, 4326 for longitude/latitude); nothing loaded"
    srs=(-a_srs "EPSG:$srid")
  elif [ -n "$srid" ]; then
    echo "load.sh: --srid $srid replaces the CRS the file declares" >&2
    srs=(-a_srs "EPSG:$srid")
  fi

  table="load_$$_$RANDOM$RANDOM"
  # the staging table goes whatever happens (an error, Ctrl-C, kill)
  # shellcheck disable=SC2064
  trap "psql -c 'DROP TABLE IF EXISTS nous_staging.$table' >/dev/null 2>&1 || true" EXIT
  trap 'exit 130' INT TERM HUP
  if [ -z "$(psql -tA -c "SELECT 1 FROM pg_namespace WHERE nspname = 'nous_staging'")" ]; then
    psql -c "CREATE SCHEMA nous_staging" \
         -c "COMMENT ON SCHEMA nous_staging IS 'Staging tables of scripts/load.sh (ogr2ogr copies of the files, dropped after each load)'"
  fi
  # source CRS kept (nous reprojects and checks the ranges); codes kept as text;
  # Z/M dropped (territories are 2D); feature numbers 1..N in column "feature"
  ogr2ogr -f PostgreSQL PG: "$src" "$layer" "${cfg[@]}" "${srs[@]}" \
    -nln "$table" -lco SCHEMA=nous_staging -lco GEOMETRY_NAME=geom -lco FID=feature \
    -lco PRECISION=NO -lco LAUNDER=NO -lco SPATIAL_INDEX=NONE \
    -nlt PROMOTE_TO_MULTI -dim XY -mapFieldType Integer=String,Integer64=String \
    --config PG_USE_COPY YES ||
    die "ogr2ogr could not copy $file (layer $layer) into PostgreSQL; nothing loaded"
  local s
  s="$(psql -tA -c "SELECT public.Find_SRID('nous_staging', '$table', 'geom')")"
  [ -n "$s" ] && [ "$s" != 0 ] || die "$file: no SRID for its CRS; pass --srid N; nothing loaded"
  local rc=0
  psql --single-transaction <<SQL || rc=$?
SELECT status, item, code, reason FROM nous.load_territory_rows('nous_staging.$table', $(sq "$level"), $vintage, $(sq "$code"),
  $( [ -n "$label" ] && sq "$label" || echo NULL ), $(sq "${source:-$(basename "$file")}"), $(sq "$on_error"), 'reject', 'geom', $s);
SQL
  if [ "$rc" -ne 0 ] && [ "$on_error" = abort ]; then
    echo "load.sh: nothing loaded from $file (--keep loads the good features and keeps the rejected ones in nous.load_rejects)" >&2
  fi
  return "$rc"
}

case "$kind" in
  territories)
    [ $# -ge 4 ] || usage
    file="$1" level="$2" vintage="$3" code="$4" label="${5:-}"
    [ -r "$file" ] || die "cannot read $file"
    [[ "$vintage" =~ ^[0-9]+$ ]] || die "VINTAGE must be a year, not \"$vintage\""
    [ -z "$srid" ] || [[ "$srid" =~ ^[0-9]+$ ]] || die "--srid must be an EPSG code, not \"$srid\""
    if [ -z "$via_psql" ] && ! command -v ogr2ogr >/dev/null; then
      case "$file" in
        *.geojson|*.json|*.GEOJSON|*.JSON) via_psql=1 ;;   # GDAL missing: the psql path reads GeoJSON
      esac
    fi
    if [ -n "$via_psql" ]; then
      psql --single-transaction <<SQL
\\set doc \`cat $(sq "$file")\`
SELECT status, item, code, reason FROM nous.load_territories(:'doc'::jsonb, $(sq "$level"), $vintage, $(sq "$code"),
  $( [ -n "$label" ] && sq "$label" || echo NULL ), $(sq "${source:-$(basename "$file")}"), $(sq "$on_error")$( [ -n "$srid" ] && echo ", srid => $srid"));
SQL
    else
      territories_ogr "$file" "$level" "$vintage" "$code" "$label"
    fi
    ;;
  observations)
    [ $# -ge 6 ] || usage
    file="$1" level="$2" vintage="$3" code="$4" mapping="$5" period="$6"
    [ -r "$file" ] || die "cannot read $file"
    if [ "$encoding" = UTF8 ]; then
      # a line with a byte sequence that is not UTF-8 does not match '.*' in a UTF-8 locale
      bad="$(LC_ALL=C.UTF-8 grep -naxv '.*' "$file" | head -1 | cut -d: -f1 || true)"
      if [ -n "$bad" ]; then
        echo "load.sh: $file is not UTF-8: line $bad has an invalid byte sequence (a Latin-1 or Windows-1252 file?); nothing loaded." >&2
        echo "load.sh: convert it (iconv -f WINDOWS-1252 -t UTF-8) or pass --encoding LATIN1." >&2
        exit 1
      fi
    fi
    header="$(head -1 "$file" | tr -d '\r')"
    sep="$(psql -tA -c "SELECT nous.csv_separator($(sq "$header"))")"
    case "$sep" in $'\t') seplit="E'\\t'" ;; *) seplit="$(sq "$sep")" ;; esac
    psql --single-transaction <<SQL
SELECT nous.create_staging('load_sh_staging', $(sq "$header"), $seplit);
\\copy load_sh_staging FROM $(sq "$file") WITH (FORMAT csv, HEADER, DELIMITER $seplit, ENCODING $(sq "$encoding"))
SELECT status, item, code, reason FROM nous.load_observations('load_sh_staging', $(sq "$code"), $(sq "$level"), $vintage,
  $(sq "$mapping")::jsonb, $period, $(sq "${source:-$(basename "$file")}"), $(sq "$on_error"));
SQL
    ;;
  *) usage ;;
esac
