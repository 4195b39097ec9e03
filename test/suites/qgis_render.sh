#!/usr/bin/env bash
# qgis_render.sh — a real, headless QGIS (Debian's python3-qgis) opens nous map
# views as PostGIS layers and renders them with scripts/render_map.py:
#   1. a hand-made row of eight 100 m cells, values 12 1 NULL 30 2 11 3 10,
#      natural breaks k = 3 -> {3,12,30}: classes 2 1 - 3 1 2 1 2 (by hand);
#      the pixel at the centre of each cell must have its class's colour (the
#      NULL cell the "non disponible" grey);
#   2. the generated agglomeration (test/gen, seed 42, scale 1): squares by
#      unemployment rate, 5 natural-break classes, and IRIS by a rate, 4
#      quantile classes;
#   3. a table shaped like the observatory's territories (bigint primary key,
#      typed MultiPolygon, score, class), made without nous.create_map_view:
#      the class bounds come from the values of each class.
# For each: the layer is valid, its feature count equals SQL count(*), its
# extent equals ST_Extent (within 1 m: PostGIS boxes are float4-rounded), the
# renderer's ranges are exactly nous's breaks (nous.breaks computed apart in
# SQL), the PNG has the requested size, every non-empty class's colour is in
# it, and the background is neither everything nor nothing.
# Exit 0 on success, 1 on failure; 77 (skipped) only when python3-qgis is
# missing outside CI.
#
# Environment (given by scripts/test.sh): PGHOST PGPORT PGUSER, NOUS_PGBIN.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
PY=/usr/bin/python3
export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work}"
if ! "$PY" -c 'import qgis.core' 2>/dev/null; then
  if [ "${NOUS_PLATFORM_INNER:-}" = 1 ] && [ "$NOUS_PGVER" != "$suite_reference_pg" ]; then
    echo "qgis_render: no QGIS in the chroot of PostgreSQL $NOUS_PGVER (QGIS is tested on the host): skipped"
    exit 77
  fi
  if [ "${CI:-}" = true ]; then
    echo "qgis_render: python3-qgis is missing (needed in CI)" >&2
    exit 1
  fi
  echo "qgis_render: python3-qgis is not installed: skipped"
  exit 77
fi

DB=nous_qgis
suite_db_nous "$DB"
export PGDATABASE=$DB
psql -v seed=42 -v scale=1 -f "$root/test/gen/generate.sql" >/dev/null

psql >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA maps;
CREATE TABLE maps.cells AS
SELECT i::int AS id, v, public.ST_MakeEnvelope(650000 + 100 * i, 6860000, 650100 + 100 * i, 6860100, 2154) AS geom
  FROM unnest('{12,1,NULL,30,2,11,3,10}'::float8[]) WITH ORDINALITY u(v, i);
SELECT nous.create_map_view('maps.cells_map', 'SELECT id, v, geom FROM maps.cells', 'id', 'geom', 'v', k => 3);
SELECT nous.create_map_view('maps.squares_map',
  'SELECT square_id, unemployment_rate, geom FROM nous_demo.squares', 'square_id', 'geom', 'unemployment_rate');
SELECT nous.create_map_view('maps.iris_map',
  'SELECT row_number() OVER (ORDER BY i.iris_code) AS id, i.iris_code,
          sum(s.no_diploma_rate * s.population) / sum(s.population) FILTER (WHERE s.no_diploma_rate IS NOT NULL) AS rate,
          i.geom
     FROM nous_demo.iris i JOIN nous_demo.squares s USING (iris_code) GROUP BY i.iris_code',
  'id', 'geom', 'rate', k => 4, method => 'quantile', descriptions => '{"iris_code": "Code IRIS"}');
-- a table shaped like the observatory's (key bigint PK, code, label, typed
-- geometry, score, rank, class) but not made by create_map_view: no legend view
CREATE TABLE maps.territories (key bigint PRIMARY KEY, code text, label text,
                               geom public.geometry(MultiPolygon, 2154), score float8, rank int, class int);
CREATE INDEX ON maps.territories USING gist (geom);
INSERT INTO maps.territories (key, code, label, geom, score)
SELECT row_number() OVER (ORDER BY com_code), com_code, name, geom, population FROM nous_demo.communes;
UPDATE maps.territories t SET rank = r.rank, class = nous.class_of(t.score, b.br)
  FROM (SELECT key, rank() OVER (ORDER BY score DESC) AS rank FROM maps.territories) r,
       (SELECT nous.breaks(score, 4) AS br FROM maps.territories) b WHERE r.key = t.key;
SQL

# what SQL says, computed apart from the views: count, extent, nous.breaks of
# the source data, min; and the centre of each hand-made cell
psql -At -F'|' >"$work/sql.txt" <<'SQL'
SELECT 'maps.cells_map', count(*), public.ST_XMin(public.ST_Extent(geom)), public.ST_YMin(public.ST_Extent(geom)),
       public.ST_XMax(public.ST_Extent(geom)), public.ST_YMax(public.ST_Extent(geom)),
       (SELECT array_to_string(nous.breaks(v, 3), ',') FROM maps.cells), min(v)
  FROM maps.cells;
SELECT 'maps.squares_map', count(*), public.ST_XMin(public.ST_Extent(geom)), public.ST_YMin(public.ST_Extent(geom)),
       public.ST_XMax(public.ST_Extent(geom)), public.ST_YMax(public.ST_Extent(geom)),
       array_to_string(nous.breaks(unemployment_rate, 5), ','), min(unemployment_rate)
  FROM nous_demo.squares;
WITH i AS (SELECT i.geom, sum(s.no_diploma_rate * s.population) / sum(s.population) FILTER (WHERE s.no_diploma_rate IS NOT NULL) AS rate
             FROM nous_demo.iris i JOIN nous_demo.squares s USING (iris_code) GROUP BY i.iris_code)
SELECT 'maps.iris_map', count(*), public.ST_XMin(public.ST_Extent(geom)), public.ST_YMin(public.ST_Extent(geom)),
       public.ST_XMax(public.ST_Extent(geom)), public.ST_YMax(public.ST_Extent(geom)),
       array_to_string(nous.breaks(rate, 4, 'quantile'), ','), min(rate)
  FROM i;
SELECT 'maps.territories', count(*), public.ST_XMin(public.ST_Extent(geom)), public.ST_YMin(public.ST_Extent(geom)),
       public.ST_XMax(public.ST_Extent(geom)), public.ST_YMax(public.ST_Extent(geom)),
       (SELECT string_agg(m::text, ',' ORDER BY class) FROM (SELECT class, max(score) AS m FROM maps.territories GROUP BY class) c),
       min(score)
  FROM maps.territories;
SQL

render() {  # render VIEW PNG W H [options]: JSON report in $work/VIEW.json
  local view="$1" png="$2" w="$3" h="$4"; shift 4
  "$PY" "$root/scripts/render_map.py" --view "$view" --out "$png" --width "$w" --height "$h" "$@" \
    >"$work/$(basename "$png" .png).json" 2>"$work/render.err" \
    || { echo "qgis_render: render_map.py failed on $view:"; cat "$work/$(basename "$png" .png).json" "$work/render.err"; exit 1; }
}
render maps.cells_map "$work/cells.png" 800 400
render maps.squares_map "$work/squares.png" 700 600
render maps.iris_map "$work/iris.png" 640 640
render maps.territories "$work/territories.png" 500 500 --value score
render maps.squares_map "$work/squares_legend.png" 900 800 --title "Taux de chômage" --legend --outline '#ffffff' --antialias
# zoom on the squares of one commune, its outline as context beneath
psql -At -F'|' >"$work/zoom.txt" <<'SQL'
SELECT c, public.ST_XMin(e), public.ST_YMin(e), public.ST_XMax(e), public.ST_YMax(e)
  FROM (SELECT min(com_code) AS c FROM nous_demo.squares) m,
       LATERAL (SELECT public.ST_Extent(geom)::public.box2d AS e FROM nous_demo.squares WHERE com_code = m.c) x;
SQL
zoom_commune="$(cut -d'|' -f1 "$work/zoom.txt")"
render maps.squares_map "$work/squares_zoom.png" 600 600 \
  --zoom "square_id IN (SELECT s.square_id FROM nous_demo.squares s WHERE s.com_code = '$zoom_commune')" \
  --context "maps.territories|code = '$zoom_commune'"

"$PY" - "$work" <<'PY'
import json, os, sys
from qgis.PyQt.QtGui import QImage

work = sys.argv[1]
sql = {}
for line in open(os.path.join(work, "sql.txt")):
    v, n, x0, y0, x1, y1, br, lo = line.rstrip("\n").split("|")
    sql[v] = dict(n=int(n), extent=[float(x0), float(y0), float(x1), float(y1)],
                  breaks=[float(b) for b in br.split(",")], min=float(lo))
bad = 0

def check(cond, what):
    global bad
    print(f"qgis_render: {'ok  ' if cond else 'FAIL'} {what}")
    if not cond:
        bad += 1

def colour_counts(img):
    counts = {}
    for y in range(img.height()):
        for x in range(img.width()):
            c = "#%06x" % (img.pixel(x, y) & 0xFFFFFF)
            counts[c] = counts.get(c, 0) + 1
    return counts

for name, png, (w, h) in [("maps.cells_map", "cells", (800, 400)), ("maps.squares_map", "squares", (700, 600)),
                          ("maps.iris_map", "iris", (640, 640)), ("maps.territories", "territories", (500, 500))]:
    r = json.load(open(os.path.join(work, png + ".json")))
    s = sql[name]
    check(r["layer_valid"], f"{name}: layer valid")
    check(r["features"] == s["n"], f"{name}: {r['features']} features, SQL count(*) {s['n']}")
    err = max(abs(a - b) for a, b in zip(r["extent"], s["extent"]))
    check(err <= 1.0, f"{name}: extent {r['extent']} vs ST_Extent {s['extent']} (max diff {err:.3g} m)")
    uppers = [u for _, u in r["renderer_ranges"]]
    lowers = [l for l, _ in r["renderer_ranges"]]
    if name == "maps.territories":
        # no legend view: each range runs from the smallest to the largest
        # value of its class (the uppers are nous's breaks: fisher maxima)
        check(uppers == s["breaks"] and lowers[0] == s["min"] and all(l > u for l, u in zip(lowers[1:], uppers)),
              f"{name}: renderer ranges {r['renderer_ranges']} from the classes' values, uppers {s['breaks']}")
    else:
        check(uppers == s["breaks"] and lowers == [s["min"]] + s["breaks"][:-1],
              f"{name}: renderer ranges {r['renderer_ranges']} = nous.breaks {s['breaks']} from min {s['min']}")
    img = QImage(r["png"])
    check(not img.isNull() and (img.width(), img.height()) == (w, h), f"{name}: PNG {img.width()}x{img.height()}, asked {w}x{h}")
    counts = colour_counts(img)
    colours = [c["color"] for c in r["classes"]]
    check(len(set(colours)) == len(colours), f"{name}: {len(colours)} distinct class colours")
    for c in r["classes"]:
        if c["features"] > 0:
            check(counts.get(c["color"], 0) > 0,
                  f"{name}: class {c['class']} ({c['features']} features) colour {c['color']}: {counts.get(c['color'], 0)} pixels")
    white = counts.get("#ffffff", 0) / (w * h)
    check(0.0 < white < 0.98, f"{name}: background {white:.1%} of the image")
    if name == "maps.cells_map":
        # the centre of cell i (x 650050 + 100 i, y 6860050) must have the
        # colour of its hand-computed class
        expected = {1: 2, 2: 1, 3: None, 4: 3, 5: 1, 6: 2, 7: 1, 8: 2}
        x0, y0, x1, y1 = r["map_extent"]
        mx, my, mw, mh = r["map_rect"]
        by_class = {c["class"]: c["color"] for c in r["classes"]}
        for i, cls in expected.items():
            px = mx + (650050 + 100 * i - x0) / (x1 - x0) * mw
            py = my + (y1 - 6860050) / (y1 - y0) * mh
            got = "#%06x" % (img.pixel(int(px), int(py)) & 0xFFFFFF)
            want = by_class[cls] if cls else "#bdbdbd"
            check(got == want, f"{name}: cell {i} (class {cls}) at pixel ({int(px)}, {int(py)}) is {got}, expected {want}")

# --zoom and --context: the map shows the extent of the chosen rows (as SQL
# computes it) and the context layer holds exactly the chosen commune
z = open(os.path.join(work, "zoom.txt")).read().strip().split("|")
r = json.load(open(os.path.join(work, "squares_zoom.json")))
check(all(abs(a - float(b)) < 1.0 for a, b in zip(r.get("zoom_extent", []), z[1:])) and len(r.get("zoom_extent", [])) == 4,
      f"maps.squares_map --zoom commune {z[0]}: extent {r.get('zoom_extent')} = SQL {z[1:]}")
check(r.get("context_features") == 1, f"--context maps.territories|code = {z[0]}: 1 feature (got {r.get('context_features')})")
vis = r["map_extent"]
zx = [float(v) for v in z[1:]]
check(vis[0] <= zx[0] and vis[1] <= zx[1] and vis[2] >= zx[2] and vis[3] >= zx[3]
      and (vis[2] - vis[0]) < (sql["maps.squares_map"]["extent"][2] - sql["maps.squares_map"]["extent"][0]),
      "the zoomed map shows the commune's squares and less than the whole territory")

r = json.load(open(os.path.join(work, "squares_legend.json")))
img = QImage(r["png"])
check(not img.isNull() and (img.width(), img.height()) == (900, 800), "maps.squares_map with title and legend: PNG 900x800")
sys.exit(1 if bad else 0)
PY
