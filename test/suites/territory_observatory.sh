#!/usr/bin/env bash
# territory_observatory: scripts/observatory.sh (the demo's real-data build)
# runs on ../shared/data in a fresh database, twice (the second run replaces
# the first), and gives the counts the files hold: 105 QPV of Occitanie with
# perimeters and scores, 504 IRIS of Loire-Atlantique, 221 communes in the
# MRE44 matrix whose cells sum to 1,034,497 (SOURCES.md), 105 + 1,493 QPV
# (2015 Occitanie and the 2024 list), 140 squares of Filosofi.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
data="${NOUS_SHARED:-$root/../shared}/data"
[ -d "$data" ] || { echo "territory_observatory: no $data"; exit 77; }
db=nous_terr_obs
suite_db_nous "$db"
PGDATABASE=$db bash "$root/scripts/observatory.sh" "$data" >/dev/null
PGDATABASE=$db bash "$root/scripts/observatory.sh" "$data" >/dev/null
got="$(psql -d "$db" -tA -c "SELECT (SELECT count(score) || '/' || count(geom) FROM nous_obs.qpv_fragility) || ' ' ||
  (SELECT count(*) FROM nous_obs.iris_fragility) || ' ' ||
  (SELECT count(*) || '/' || round(sum(stayers + inflow)) FROM nous_obs.commune_flows) || ' ' ||
  (SELECT count(*) FROM nous.load_log WHERE rejected > 0) || ' ' ||
  (SELECT count(*) FROM nous.territories WHERE level = 'qpv') || ' ' ||
  (SELECT count(*) FROM nous_obs.squares_poverty)")"
if [ "$got" != "105/105 504 221/1034497 0 1598 140" ]; then
  echo "territory_observatory: got '$got', expected '105/105 504 221/1034497 0 1598 140'"
  exit 1
fi
echo "territory_observatory: ok ($got)"
