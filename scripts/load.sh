#!/usr/bin/env bash
# scripts/load.sh — load one open-data file into the nous territory model, in
# one transaction, and print the load report (psql connection from the PG*
# variables; psql reads the file, so no superuser is needed).
#
#   load.sh territories FILE.geojson LEVEL VINTAGE CODE_PROPERTY [LABEL_PROPERTY]
#   load.sh observations FILE.csv LEVEL VINTAGE CODE_COLUMN '{"column": "indicator", ...}' PERIOD
#
# Options (before the arguments): --keep (load the good rows, keep the rejected
# ones in nous.load_rejects; default: any rejected row aborts the load),
# --encoding ENC (of a CSV file; default UTF8: a file that is not valid UTF-8
# is refused with the first bad line), --source TEXT.
# The CSV separator (',' ';' or tab) is read from the header line.
set -euo pipefail
bin="${NOUS_PGBIN:-/usr/lib/postgresql/15/bin}"
on_error=abort encoding=UTF8 source=
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) on_error=keep; shift ;;
    --encoding) encoding="$2"; shift 2 ;;
    --source) source="$2"; shift 2 ;;
    *) break ;;
  esac
done
usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 1 ] || usage
kind="$1"; shift
sq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }   # SQL literal
psql() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -P footer=off "$@"; }

case "$kind" in
  territories)
    [ $# -ge 5 ] || usage
    file="$1" level="$2" vintage="$3" code="$4" label="${5:-}"
    [ -r "$file" ] || { echo "load.sh: cannot read $file" >&2; exit 1; }
    psql --single-transaction <<SQL
\\set doc \`cat $(sq "$file")\`
SELECT status, item, code, reason FROM nous.load_territories(:'doc'::jsonb, $(sq "$level"), $vintage, $(sq "$code"),
  $( [ -n "$label" ] && sq "$label" || echo NULL ), $(sq "${source:-$(basename "$file")}"), $(sq "$on_error"));
SQL
    ;;
  observations)
    [ $# -ge 6 ] || usage
    file="$1" level="$2" vintage="$3" code="$4" mapping="$5" period="$6"
    [ -r "$file" ] || { echo "load.sh: cannot read $file" >&2; exit 1; }
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
