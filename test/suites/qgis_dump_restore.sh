#!/usr/bin/env bash
# qgis_dump_restore.sh — outputs survive pg_dump / pg_restore: a map view
# (nous.create_map_view, with its legend view) and a BI view are dumped,
# restored into a new database (pg_restore refreshes the materialized view,
# running nous.breaks under pg_dump's empty search_path), and there:
# nous.check_output passes on each, the rows, classes, labels and comments are
# those of the source, REFRESH ... CONCURRENTLY works, and a headless QGIS
# (scripts/render_map.py) opens the restored map with the same feature count
# and ranges.  The QGIS part is skipped (not the rest) when python3-qgis is
# missing outside CI.
# Runs against the test cluster (PGHOST/PGPORT/PGUSER set by scripts/test.sh).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
suite_dump_setup maps
suite_sql "$src" <<'SQL'
CREATE SCHEMA obs;
-- a 4 x 4 grid of 200 m cells, values 1..16 with one NULL (cell 7)
CREATE TABLE obs.cells AS
SELECT (4 * i + j + 1)::int AS id, 'c' || (4 * i + j + 1) AS code,
       nullif(4 * i + j + 1, 7)::float8 AS v,
       public.ST_MakeEnvelope(700000 + 200 * j, 6600000 + 200 * i, 700200 + 200 * j, 6600200 + 200 * i, 2154) AS geom
  FROM generate_series(0, 3) i, generate_series(0, 3) j;
SELECT nous.create_map_view('obs.map_cells', 'SELECT id, code, v, geom FROM obs.cells', 'id', 'geom', 'v',
                            k => 4, method => 'quantile', descriptions => '{"code": "Code de la cellule"}');
SELECT nous.create_bi_view('obs.bi_cells', 'SELECT id, code, v, v > 8 AS high FROM obs.cells', 'Cellules',
                           '{"id": "Identifiant", "code": "Code", "v": "Valeur", "high": "Au-dessus de 8"}',
                           key_column => 'id', materialized => true);
SQL
suite_dump_restore "$src" "$dst"

state="SELECT (SELECT string_agg(concat_ws(':', id, code, v, class, class_lower, class_upper, class_label), ',' ORDER BY id) FROM obs.map_cells)
       || ' | ' || (SELECT string_agg(concat_ws(':', class, lower, upper, label, features), ',' ORDER BY class) FROM obs.map_cells_legend)
       || ' | ' || (SELECT string_agg(concat_ws(':', id, code, v, high), ',' ORDER BY id) FROM obs.bi_cells)
       || ' | ' || (SELECT string_agg(column_name || '=' || data_type || '=' || description, ',')
                      FROM unnest('{obs.map_cells,obs.map_cells_legend,obs.bi_cells}'::regclass[]) r, nous.output_columns(r))
       || ' | ' || (SELECT string_agg(obj_description(r, 'pg_class'), ',')
                      FROM unnest('{obs.map_cells,obs.map_cells_legend,obs.bi_cells}'::regclass[]) r)"
checks="SELECT string_agg(r::text || ':' || c.\"check\", ', ') FROM unnest('{obs.map_cells,obs.map_cells_legend,obs.bi_cells}'::regclass[]) r,
        nous.check_output(r) c WHERE NOT c.ok"
want="$(psql -d "$src" -tA -c "$state")"
got="$(psql -d "$dst" -tA -c "$state")"
bad=0
# by hand: 15 values 1..16 without 7, quantiles type 7 at 1/4, 1/2, 3/4:
# positions 4.5, 8, 11.5 of 1 2 3 4 5 6 8 9 10 11 12 13 14 15 16 -> 4.5, 9,
# 12.5; classes of 4, 4, 3 and 4 cells; labels with one decimal (none would
# move 4.5 by 0.5, more than a tenth of the smallest gap 3.5)
case "$want" in
  *" | 1:1:4.5:1,0 – 4,5:4,2:4.5:9:4,5 – 9,0:4,3:9:12.5:9,0 – 12,5:3,4:12.5:16:12,5 – 16,0:4 | "*) ;;
  *) echo "qgis_dump_restore: unexpected legend in the source: $want"; exit 1 ;;
esac
if [ "$got" = "$want" ]; then
  echo "qgis_dump_restore: ok   restored rows, classes, labels and comments equal the source"
else
  echo "qgis_dump_restore: FAIL restored state differs"; echo "  source:   $want"; echo "  restored: $got"; bad=1
fi
failed="$(psql -d "$dst" -tA -c "$checks")"
if [ -z "$failed" ]; then
  echo "qgis_dump_restore: ok   nous.check_output passes on the restored outputs"
else
  echo "qgis_dump_restore: FAIL checks failing after restore: $failed"; bad=1
fi
# the restored map refreshes concurrently, with new data and new breaks
got2="$(psql -d "$dst" -tA -c "UPDATE obs.cells SET v = 100 WHERE id = 7" \
          -c "REFRESH MATERIALIZED VIEW CONCURRENTLY obs.map_cells" \
          -c "SELECT class || ' ' || class_label FROM obs.map_cells WHERE id = 7")"
# 1..16 with 7 -> 100: type 7 quartiles at positions 4.75, 8.5, 12.25 of
# 1 2 3 4 5 6 8 9 10 11 12 13 14 15 16 100: 4 + 0.75, 9 + 0.5, 13 + 0.25 =
# 4.75, 9.5, 13.25; 100 in class 4; one decimal (smallest gap 3.75; 9.5 -> 10
# would move by 0.5 > 0.375): 13,3 – 100,0
if [ "$got2" = "4 13,3 – 100,0" ]; then
  echo "qgis_dump_restore: ok   REFRESH CONCURRENTLY after restore: cell 7 = 100 is in class 4 (13,3 – 100,0)"
else
  echo "qgis_dump_restore: FAIL after refresh, cell 7: '$got2', expected '4 13,3 – 100,0'"; bad=1
fi

# QGIS opens the restored map
if /usr/bin/python3 -c 'import qgis.core' 2>/dev/null; then
  export QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work}"
  if /usr/bin/python3 "$root/scripts/render_map.py" --dbname "$dst" --view obs.map_cells --out "$work/m.png" \
       --width 300 --height 300 >"$work/m.json" 2>"$work/m.err"; then
    if /usr/bin/python3 - "$work/m.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = (r["layer_valid"] and r["features"] == 16 and r["extent"] == [700000.0, 6600000.0, 700800.0, 6600800.0]
      and r["renderer_ranges"] == [[1.0, 4.75], [4.75, 9.5], [9.5, 13.25], [13.25, 100.0]])
print(f"qgis_dump_restore: {'ok  ' if ok else 'FAIL'} QGIS: valid {r['layer_valid']}, {r['features']} features, "
      f"extent {r['extent']}, ranges {r['renderer_ranges']}")
sys.exit(0 if ok else 1)
PY
    then :; else bad=1; fi
  else
    echo "qgis_dump_restore: FAIL render_map.py:"; cat "$work/m.json" "$work/m.err"; bad=1
  fi
elif [ "${NOUS_PLATFORM_INNER:-}" = 1 ] && [ "$NOUS_PGVER" != "$suite_reference_pg" ]; then
  echo "qgis_dump_restore: no QGIS in the chroot of PostgreSQL $NOUS_PGVER (QGIS is tested on the host): QGIS part skipped"
elif [ "${CI:-}" = true ]; then
  echo "qgis_dump_restore: python3-qgis is missing (needed in CI)"; bad=1
else
  echo "qgis_dump_restore: python3-qgis is not installed: QGIS part skipped"
fi
exit "$bad"
