#!/usr/bin/env bash
# scripts/demo.sh — the README's main command.
#
# Installs what nous needs (Debian packages), builds and installs nous, starts
# the project's own PostgreSQL 15 cluster (data under .nous/demo, port 5499),
# creates the database nous_demo, generates the demo agglomeration, computes
# what nous computes and prints the report, then leaves the cluster running
# and says how to connect (psql, QGIS) and how to stop it.  Safe to run again:
# the demo database is rebuilt from scratch each time.
#
#   NOUS_PORT        port of the demo cluster (default 5499)
#   NOUS_DEMO_SCALE  number of EPCI to generate (default 1: one agglomeration)
#   NOUS_DEMO_SEED   generator seed (default 42)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

port="${NOUS_PORT:-5499}"
scale="${NOUS_DEMO_SCALE:-1}"
seed="${NOUS_DEMO_SEED:-42}"
db=nous_demo
# a login role for desktop tools (QGIS, Metabase): it reads the demo data
role=nous
password=nous

source "$(dirname "${BASH_SOURCE[0]}")/pg_cron.sh"

nous_install_deps
nous_build
nous_cluster_start demo "$port"
# pg_cron preloaded, its jobs in the demo database: the scheduling example of
# doc/refresh.md runs as written (CREATE EXTENSION pg_cron; cron.schedule)
nous_cluster_pg_cron demo "$db" || true

say "creating database $db"
nous_psql -d postgres <<SQL
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN;
  END IF;
END \$\$;
ALTER ROLE $role PASSWORD '$password';
DROP DATABASE IF EXISTS $db WITH (FORCE);
CREATE DATABASE $db OWNER $role;
SQL
export PGDATABASE="$db"
nous_psql -c "SET client_min_messages = warning; CREATE EXTENSION nous CASCADE"

say "generating the demo agglomeration (scale $scale, seed $seed)"
nous_psql -v scale="$scale" -v seed="$seed" -f "$NOUS_ROOT/test/gen/generate.sql" >/dev/null
nous_psql <<SQL
GRANT USAGE ON SCHEMA nous_demo TO $role;
GRANT SELECT ON ALL TABLES IN SCHEMA nous_demo TO $role;
SQL

mkdir -p "$NOUS_STATE/demo"
report="$NOUS_STATE/demo/report.txt"
say "computing the indicators"
{
  echo "nous $(nous_psql -tAc "SELECT nous.version()") — demo report ($(date -u '+%F %H:%M UTC'))"
  echo "Data: the project's generated agglomeration (test/gen/generate.sql, scale $scale, seed $seed):"
  echo "fictional places, not real statistics."
  for f in "$NOUS_ROOT"/scripts/report/*.sql; do
    echo
    "$NOUS_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -P footer=off -f "$f"
  done
} | tee "$report"

# the real-data observatory, when ../shared/data is beside the checkout
shared_data="$(cd "$NOUS_ROOT/.." && pwd)/shared/data"
if [ -d "$shared_data" ]; then
  say "building the real-data observatory from $shared_data"
  { echo; bash "$NOUS_ROOT/scripts/observatory.sh" "$shared_data"; } | tee -a "$report"
  nous_psql <<SQL
GRANT USAGE ON SCHEMA nous_obs TO $role;
GRANT SELECT ON ALL TABLES IN SCHEMA nous_obs TO $role;
SQL
fi

# maps: two nous map views (nous.create_map_view) rendered to PNG by a
# headless QGIS (scripts/render_map.py); skipped without python3-qgis
maps_dir="$NOUS_STATE/demo/maps"
say "rendering the maps"
nous_psql >/dev/null <<'SQL'
SET client_min_messages = warning;
-- statistical secrecy: the rate of a square with fewer than 11 households
-- (its denominator) is not published (class 0, « secret statistique »); the
-- squares are parts of their IRIS, whose household counts are published:
-- parent_column hides a second square where one alone would be recoverable
-- by difference (secondary suppression); the rate, stored as a fraction,
-- reads as a percentage in the labels
SELECT nous.create_map_view('nous_demo.map_squares_unemployment',
  'SELECT square_id, idcar, iris_code, com_code, households, unemployment_rate, geom FROM nous_demo.squares',
  'square_id', 'geom', 'unemployment_rate', k => 5, method => 'fisher', count_column => 'households',
  parent_column => 'iris_code', scale => 100, unit => '%', digits => 1,
  descriptions => '{"idcar": "Identifiant du carreau de 200 m", "iris_code": "Code de l''IRIS du carreau",
                    "com_code": "Code de la commune",
                    "households": "Nombre de ménages du carreau (vide sous le seuil du secret statistique, ou pour qu''il ne se déduise pas du total de l''IRIS)",
                    "unemployment_rate": "Taux de chômage (part de la population active, de 0 à 1)"}',
  description => 'Taux de chômage des carreaux de 200 m, 5 classes de seuils naturels (Fisher) ; secret statistique sous 11 ménages, et secret secondaire dans chaque IRIS.');
SELECT nous.create_map_view('nous_demo.map_iris_fragility',
  'SELECT row_number() OVER (ORDER BY iris_code) AS id, iris_code, name, score, geom
     FROM (SELECT i.iris_code, i.name, i.geom,
                  nous.composite(ARRAY[
                    sum(s.unemployment_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.unemployment_rate IS NOT NULL), 0),
                    sum(s.youth_inactivity_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.youth_inactivity_rate IS NOT NULL), 0),
                    sum(s.inactivity_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.inactivity_rate IS NOT NULL), 0),
                    sum(s.no_diploma_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.no_diploma_rate IS NOT NULL), 0),
                    sum(s.single_parent_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.single_parent_rate IS NOT NULL), 0),
                    sum(s.overcrowding_rate * s.population) / nullif(sum(s.population) FILTER (WHERE s.overcrowding_rate IS NOT NULL), 0)],
                    ''{2,1,1,1,1,1}'') OVER () AS score
             FROM nous_demo.iris i JOIN nous_demo.squares s USING (iris_code)
            WHERE s.epci_code = (SELECT min(epci_code) FROM nous_demo.epci)
            GROUP BY i.iris_code) f',
  'id', 'geom', 'score', k => 5, method => 'fisher', digits => 2,
  descriptions => '{"iris_code": "Code IRIS", "name": "Nom de l''IRIS",
                    "score": "Indice de fragilité (moyenne pondérée de z-scores ; plus haut = plus fragile)"}',
  description => 'Indice de fragilité des IRIS de l''agglomération de démonstration, 5 classes de seuils naturels.');
SQL
nous_psql -c "GRANT SELECT ON ALL TABLES IN SCHEMA nous_demo TO $role"
maps=("nous_demo.map_squares_unemployment|Taux de chômage des carreaux de 200 m"
      "nous_demo.map_iris_fragility|Indice de fragilité des IRIS")
# ---- survey (issue 18; lines owned by the survey module) ----
# the map of the field-observation delays: nous_demo.map_field_delays is made
# by scripts/report/70_survey.sql from its SYNTHETIC log (quartiers of the
# first EPCI); drawn by the loop below over the communes of that EPCI in grey
maps+=("nous_demo.map_field_delays|Délai médian de réponse, jours ouvrés (journal SYNTHÉTIQUE)|||--context|nous_demo.communes|epci_code = (SELECT min(epci_code) FROM nous_demo.epci)")
# ---- end of the survey lines ----
# with the real-data observatory: the QPV of Occitanie and the communes of Loire-Atlantique
if [ -d "$shared_data" ]; then
  nous_psql >/dev/null <<SQL
SET client_min_messages = warning;
SELECT nous.create_map_view('nous_obs.map_qpv_fragility',
  'SELECT key, code, label, score, geom FROM nous_obs.qpv_fragility',
  'key', 'geom', 'score', k => 5, method => 'fisher', digits => 2,
  descriptions => '{"code": "Code du QPV (liste 2015)", "label": "Nom du QPV",
                    "score": "Indice de fragilité (moyenne de z-scores : pauvreté, emploi (-), revenu médian (-), emplois précaires ; plus haut = plus fragile). Source : INSEE 2017 via Hackaviz 2021"}',
  description => 'Indice de fragilité des 105 QPV d''Occitanie (qp.csv, périmètres ANCT), 5 classes de seuils naturels.');
SELECT nous.create_map_view('nous_obs.map_commune_turnover',
  'SELECT key, code, label, turnover_rate, geom FROM nous_obs.commune_flows',
  'key', 'geom', 'turnover_rate', k => 5, method => 'quantile', digits => 2,
  descriptions => '{"code": "Code commune", "label": "Nom de la commune",
                    "turnover_rate": "Taux de rotation (Observatoire des territoires) : (entrants + sortants) / moyenne des populations de début et de fin de période. Source : INSEE, recensement 2012 (MIGCOM 2008-2012)"}',
  description => 'Taux de rotation résidentielle des communes de Loire-Atlantique (migrations 2008-2012), 5 classes de quantiles.');
-- the main flows as arrows (width proportional to the flow)
SELECT nous.create_map_view('nous_obs.map_flows',
  'SELECT key, origin_label, destination_label, weight, geom FROM nous_obs.flow_lines',
  'key', 'geom', 'weight', k => 4, method => 'quantile', digits => 0, unit => 'pers.',
  descriptions => '{"origin_label": "Commune de départ", "destination_label": "Commune d''arrivée",
                    "weight": "Personnes ayant changé de commune (flux d''au moins 500). Source : INSEE, recensement 2012 (MIGCOM 2008-2012)"}',
  description => 'Principaux flux de migrations résidentielles entre communes de Loire-Atlantique (2008-2012), flèches d''épaisseur proportionnelle au flux.');
GRANT SELECT ON ALL TABLES IN SCHEMA nous_obs TO $role;
SQL
  maps+=("nous_obs.map_qpv_fragility|Fragilité des QPV de Toulouse, classes régionales (INSEE 2017, ANCT)|--zoom|public.ST_Intersects(geom, (SELECT t.geom FROM nous.territories t WHERE t.level = 'commune' AND t.vintage = 2015 AND t.code = '31555'))|--context|nous.territories|level = 'commune' AND vintage = 2015"
         "nous_obs.map_commune_turnover|Rotation résidentielle, Loire-Atlantique (INSEE 2008-2012)"
         "nous_obs.map_flows|Principaux flux de migrations résidentielles, Loire-Atlantique (2008-2012)|-|-|--context|nous.territories|level = 'commune' AND vintage = 2012 AND code LIKE '44%'")
fi
rm -rf "$maps_dir"
runtime_dir="$(mktemp -d)"   # Qt wants a private (0700) runtime directory
if /usr/bin/python3 -c 'import qgis.core' 2>/dev/null; then
  mkdir -p "$maps_dir"
  {
    echo
    echo "== Maps (nous.create_map_view, rendered by a headless QGIS: scripts/render_map.py)"
    for m in "${maps[@]}"; do
      # view|title[|--zoom|condition][|--context|table|condition]
      IFS='|' read -r qview title opt1 zoom opt2 ctx ctxwhere <<<"$m"
      view="${qview#*.}"
      extra=()
      [ "${opt1:-}" = --zoom ] && extra+=(--zoom "$zoom")
      case "$qview" in
        nous_demo.*)              extra+=(--source "données générées (test/gen/generate.sql), lieux fictifs") ;;
        nous_obs.map_qpv*)        extra+=(--source "INSEE 2017 via Hackaviz 2021 ; périmètres ANCT") ;;
        *)                        extra+=(--source "INSEE, recensement 2012 (MIGCOM 2008-2012)") ;;
      esac
      [ "${opt2:-}" = --context ] && extra+=(--context "$ctx|$ctxwhere")
      QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="$runtime_dir" /usr/bin/python3 "$NOUS_ROOT/scripts/render_map.py" \
        --view "$qview" --out "$maps_dir/$view.png" --width 1000 --height 900 "${extra[@]}" \
        --title "$title" --legend --outline "#ffffff" --antialias --date auto >"$maps_dir/$view.json" 2>"$maps_dir/$view.log" \
        && echo "$maps_dir/$view.png  (layer $qview, legend ${qview}_legend)" \
        || echo "map $qview not rendered: see $maps_dir/$view.log"
    done
  } | tee -a "$report"
else
  echo "note: python3-qgis is not installed: the maps are not rendered (the map views are in nous_demo)" | tee -a "$report"
fi
rm -rf "$runtime_dir"

# what is published and refreshed every night: roles, a secrecy-safe view,
# every materialized view registered and refreshed once, the refresh log
say "publishing and refreshing (roles, secrecy, nightly refresh)"
"$NOUS_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -P footer=off -v role="$role" \
  -f "$NOUS_ROOT/scripts/demo_nightly.sql" | tee -a "$report"

cat <<EOF2

==============================================================================
 nous is running.  The cluster stays up until you stop it.

 psql:   psql -h localhost -p $port -U $role -d $db        (password: $role)
         or, as root:  bash scripts/cluster.sh psql
 QGIS:   Layer > Data Source Manager > PostgreSQL > New
           Host localhost · Port $port · Database $db
           Authentication: Basic, user $role, password $password
         then open schema nous_demo (communes, iris, qpv, squares …)
         and, with ../shared/data, schema nous_obs (qpv_fragility, commune_flows, flow_lines …)
 Report: $report
 Maps:   $maps_dir/*.png   (map views nous_demo.map_*, nous_obs.map_*: open them in QGIS)
 Stop:   bash scripts/cluster.sh stop          (start again: bash scripts/cluster.sh start)
==============================================================================
EOF2
