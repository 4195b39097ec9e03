#!/usr/bin/python3
"""render_map.py — render a nous map view to PNG with QGIS, headless.

Loads a map view (made by nous.create_map_view, or any table/view with an
integer key, a typed geometry and a class column) as a PostGIS layer, builds a
graduated renderer whose ranges are exactly the class bounds nous stored (read
from <view>_legend, never QGIS's own classification), renders a PNG and prints
a JSON report: layer validity, feature count, extent, classes and colours,
pixel counts of each class colour in the map.

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 scripts/render_map.py \\
        --view nous_demo.map_squares --out squares.png --width 1000 --height 800 \\
        --title "Taux de chômage" [--legend] [--value unemployment_rate] \\
        [--legend-title "Taux de chômage"] [--source "INSEE, Filosofi 2019"] [--date auto]

The legend has a title (--legend-title, default: the first clause of the
value column's comment), counts the features drawn in each class (with
--zoom: those of the zoomed area, « n sur N » of the whole layer, whose
classes they are), and the foot of the image gives the source and the date
of the data (--date auto: when the view was last refreshed by nous.refresh,
else created).  Line layers (flows) are drawn as arrows in the direction of
the line, their width proportional to the value, in dark colours that stay
visible over a grey context layer.

Connection: --host --port --dbname --user (default: PGHOST PGPORT PGDATABASE
PGUSER; the password from PGPASSWORD or ~/.pgpass through libpq).
Exit status: 0 rendered, 1 the layer or the render failed, 2 bad arguments.
Use Debian's /usr/bin/python3 (python3-qgis belongs to it).
"""
import argparse
import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# ColorBrewer YlOrRd, 3 to 9 classes (Brewer 2002, colorbrewer2.org): light =
# low values, dark red = high values (the fragile end for fragility indicators)
YLORRD = {
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
    7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    8: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
    9: ["#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"],
}
NULL_COLOUR = "#bdbdbd"
SECRET_COLOUR = "#737373"   # statistical secrecy (class 0 of nous map views): its own darker grey


def palette(n):
    if n <= 0:
        return []
    if n == 1:
        return ["#fd8d3c"]
    if n == 2:
        return ["#fecc5c", "#e31a1c"]
    if n in YLORRD:
        return YLORRD[n]
    # more than 9 classes: interpolate the 9-class ramp
    from qgis.PyQt.QtGui import QColor
    base = [QColor(c) for c in YLORRD[9]]
    out = []
    for i in range(n):
        t = i * (len(base) - 1) / (n - 1)
        j = min(int(t), len(base) - 2)
        f = t - j
        a, b = base[j], base[j + 1]
        out.append(QColor(round(a.red() + f * (b.red() - a.red())),
                          round(a.green() + f * (b.green() - a.green())),
                          round(a.blue() + f * (b.blue() - a.blue()))).name())
    return out


def qident(s):
    return '"' + s.replace('"', '""') + '"'


def sql_literal(s):
    return "'" + str(s).replace("'", "''") + "'"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--view", required=True, help="schema.view of the map")
    ap.add_argument("--out", required=True, help="PNG file to write")
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument("--title", default=None)
    ap.add_argument("--legend", action="store_true", help="draw the legend (class labels)")
    ap.add_argument("--value", default=None, help="value column (default: the column before 'class')")
    ap.add_argument("--key", default=None, help="integer key column (default: from the unique index)")
    ap.add_argument("--antialias", action="store_true", help="smooth edges (mixes colours at borders)")
    ap.add_argument("--outline", default=None, help="outline colour of polygons, e.g. '#ffffff' (default none)")
    ap.add_argument("--context", default=None,
                    help="schema.table drawn beneath the map in grey (e.g. commune outlines); "
                         "append '|<SQL condition>' to keep some of its rows")
    ap.add_argument("--zoom", default=None,
                    help="SQL condition on the map view: the map shows the extent of the rows that meet it")
    ap.add_argument("--legend-title", default=None, help="title of the legend (default: from the value column's comment)")
    ap.add_argument("--source", default=None, help="source written at the foot of the map, e.g. 'INSEE, Filosofi 2019'")
    ap.add_argument("--date", default=None,
                    help="date of the data written at the foot ('auto': the view's last refresh, else its creation)")
    ap.add_argument("--host", default=os.environ.get("PGHOST", ""))
    ap.add_argument("--port", default=os.environ.get("PGPORT", "5432"))
    ap.add_argument("--dbname", default=os.environ.get("PGDATABASE", os.environ.get("PGUSER", "postgres")))
    ap.add_argument("--user", default=os.environ.get("PGUSER", ""))
    args = ap.parse_args()
    if args.width < 50 or args.height < 50 or args.width > 20000 or args.height > 20000:
        ap.error("width and height must be between 50 and 20000 pixels")
    parts = args.view.split(".")
    if len(parts) != 2:
        ap.error("--view must be schema.view")
    schema, table = parts

    from qgis.core import (QgsApplication, QgsDataSourceUri, QgsVectorLayer, QgsProviderRegistry,
                           QgsGraduatedSymbolRenderer, QgsRendererRange, QgsSymbol, QgsWkbTypes,
                           QgsMapSettings, QgsMapRendererCustomPainterJob, QgsCoordinateReferenceSystem,
                           QgsSingleSymbolRenderer)
    from qgis.PyQt.QtCore import QSize, Qt, QRectF
    from qgis.PyQt.QtGui import QImage, QPainter, QColor, QFont, QFontMetrics, QPen

    QgsApplication.setPrefixPath("/usr", True)
    qgs = QgsApplication([], False)
    qgs.initQgis()
    report = {"view": args.view, "layer_valid": False}
    try:
        uri = QgsDataSourceUri()
        uri.setConnection(args.host, str(args.port), args.dbname, args.user, "")
        conn = QgsProviderRegistry.instance().providerMetadata("postgres").createConnection(uri.uri(False), {})

        def sql(q):
            return conn.executeSql(q)

        qrel = qident(schema) + "." + qident(table)
        rel = sql_literal(qrel)
        geo = sql(f"SELECT column_name, geometry_type, srid FROM nous.output_columns({rel}::regclass) WHERE is_geometry")
        if len(geo) != 1:
            raise RuntimeError(f"{args.view} has {len(geo)} geometry columns: a map needs exactly one")
        geom_col, gtype, srid = geo[0][0], geo[0][1], int(geo[0][2])
        if not gtype or gtype.upper() == "GEOMETRY" or srid <= 0:
            raise RuntimeError(f"{args.view}.{geom_col} is not a typed geometry with an SRID (see nous.check_output)")
        cols = [r[0] for r in sql(f"SELECT column_name FROM nous.output_columns({rel}::regclass)")]
        key = args.key
        if key is None:
            k = sql("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                    "AND a.attnum = i.indkey[0] WHERE i.indrelid = " + rel + "::regclass AND i.indisunique "
                    "AND i.indpred IS NULL AND i.indexprs IS NULL AND i.indnkeyatts = 1 "
                    "AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) "
                    "ORDER BY i.indisprimary DESC, a.attnum LIMIT 1")
            if not k:
                raise RuntimeError(f"{args.view} has no unique index on an integer column: pass --key")
            key = k[0][0]
        value = args.value
        if value is None:
            if "class" not in cols or cols.index("class") == 0:
                raise RuntimeError(f"{args.view} has no class column: pass --value")
            value = cols[cols.index("class") - 1]
        if value not in cols:
            raise RuntimeError(f"no column {value} in {args.view}")

        # the classes: nous's bounds, from the legend view when there is one
        legend_qrel = qident(schema) + "." + qident(table + "_legend")
        has_legend = sql(f"SELECT to_regclass({sql_literal(legend_qrel)}) IS NOT NULL")[0][0]
        qv = qident(value)
        if has_legend in (True, "t", "true"):
            rows = sql(f"SELECT class, lower, upper, label, features FROM {legend_qrel} ORDER BY class")
        else:
            # any table with a class column: bounds from the values of each class
            rows = sql(f"WITH c AS (SELECT class, min({qv})::float8 AS lo, max({qv})::float8 AS hi, count(*) AS n "
                       f"FROM {qrel} WHERE class IS NOT NULL GROUP BY class) "
                       f"SELECT class, lo, hi, (nous.class_labels(array_agg(hi) OVER w, min(lo) OVER w))[row_number() OVER w], n "
                       f"FROM c WINDOW w AS (ORDER BY class ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) ORDER BY class")
        # class 0 is statistical secrecy (nous.create_map_view with count_column):
        # no bounds, drawn apart in its own colour
        classes = [{"class": int(r[0]), "lower": float(r[1]), "upper": float(r[2]), "label": r[3],
                    "features": int(r[4])} for r in rows if int(r[0]) != 0]
        # the legend's title: given, else the first clause of the value's comment
        legend_title = args.legend_title
        if legend_title is None:
            vc = sql(f"SELECT description FROM nous.output_columns({rel}::regclass) WHERE column_name = {sql_literal(value)}")
            if vc and vc[0][0]:
                import re
                legend_title = re.split(r" \(|[;:.]\s", str(vc[0][0]), maxsplit=1)[0].strip()[:60]
        report["legend_title"] = legend_title
        # the date of the data: given, or the last refresh of the view by nous.refresh
        date = args.date
        if date == "auto":
            d = sql("SELECT to_char(coalesce((SELECT max(l.finished_at) FROM nous.refresh_log l "
                    f"WHERE l.view_schema = {sql_literal(schema)} AND l.view_name = {sql_literal(table)} AND l.outcome = 'ok'), "
                    "now()), 'DD/MM/YYYY')")
            date = d[0][0]
        report["source"], report["date"] = args.source, date
        # with a zoom, the legend counts what is drawn; the classes stay those of the whole layer
        drawn = None
        if args.zoom:
            drawn = {int(r[0]): int(r[1]) for r in sql(f"SELECT class, count(*) FROM {qrel} WHERE class IS NOT NULL AND ({args.zoom}) GROUP BY class")}
            report["drawn_per_class"] = {str(k): v for k, v in sorted(drawn.items())}
        n_secret = int(sql(f"SELECT count(*) FROM {qrel} WHERE class = 0")[0][0]) if "class" in cols else 0
        n_null = int(sql(f"SELECT count(*) FROM {qrel} WHERE {qv} IS NULL")[0][0]) - n_secret

        uri.setDataSource(schema, table, geom_col, "", key)
        uri.setKeyColumn(key)
        uri.setWkbType(QgsWkbTypes.parseType(gtype))
        uri.setSrid(str(srid))
        uri.setUseEstimatedMetadata(False)
        layer = QgsVectorLayer(uri.uri(False), table, "postgres")
        report["layer_valid"] = layer.isValid()
        if not layer.isValid():
            raise RuntimeError(f"QGIS could not load {args.view}: {layer.error().summary()}")
        ext = layer.extent()
        report.update({
            "features": layer.featureCount(),
            "extent": [ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum()],
            "crs": layer.crs().authid(),
            "geometry_type": QgsWkbTypes.displayString(layer.wkbType()),
            "key_column": key, "value_column": value, "null_features": n_null, "secret_features": n_secret,
        })

        colours = palette(len(classes))
        is_line = layer.geometryType() == QgsWkbTypes.LineGeometry
        if is_line:
            # flows: the light end of YlOrRd vanishes on a grey context; start darker
            colours = (YLORRD[9][3:] + ["#4a0014"])[:len(classes)] if len(classes) <= 7 else colours
            vmax = max([abs(c["upper"]) for c in classes] + [1e-12])
            report["line_width_max_mm"] = 3.0

        def symbol(colour):
            s = QgsSymbol.defaultSymbol(layer.geometryType())
            s.setColor(QColor(colour))
            if is_line and colour not in (SECRET_COLOUR, NULL_COLOUR):
                # an arrow along the line (its direction: origin to destination),
                # its width proportional to the value (the largest: 3 mm)
                from qgis.core import QgsArrowSymbolLayer, QgsProperty, QgsSymbolLayer, QgsFillSymbol
                arrow = QgsArrowSymbolLayer()
                arrow.setIsCurved(False)
                arrow.setIsRepeated(False)
                arrow.setArrowWidth(1.0)
                arrow.setArrowStartWidth(1.0)
                arrow.setHeadLength(2.5)
                arrow.setHeadThickness(1.5)
                width = f'0.2 + 2.8 * abs("{value}") / {vmax!r}'
                arrow.setDataDefinedProperty(QgsSymbolLayer.PropertyArrowWidth, QgsProperty.fromExpression(width))
                arrow.setDataDefinedProperty(QgsSymbolLayer.PropertyArrowStartWidth, QgsProperty.fromExpression(width))
                fill = QgsFillSymbol.createSimple({"color": colour, "outline_style": "no"})
                arrow.setSubSymbol(fill)
                s.changeSymbolLayer(0, arrow)
                return s
            if layer.geometryType() == QgsWkbTypes.PolygonGeometry:
                sl = s.symbolLayer(0)
                if args.outline:
                    sl.setStrokeColor(QColor(args.outline))
                    sl.setStrokeWidth(0.1)
                else:
                    sl.setStrokeStyle(Qt.NoPen)
            return s

        ranges = []
        for c, colour in zip(classes, colours):
            c["color"] = colour
            ranges.append(QgsRendererRange(c["lower"], c["upper"], symbol(colour), c["label"]))
        renderer = QgsGraduatedSymbolRenderer(value, ranges)
        layer.setRenderer(renderer)
        # what QGIS holds now: the ranges must be nous's bounds, unchanged
        report["renderer_ranges"] = [[r.lowerValue(), r.upperValue()] for r in layer.renderer().ranges()]
        report["classes"] = classes
        layers = [layer]
        if n_secret:
            secret = QgsVectorLayer(uri.uri(False), table + " (secret statistique)", "postgres")
            secret.setSubsetString("class = 0")
            secret.setRenderer(QgsSingleSymbolRenderer(symbol(SECRET_COLOUR)))
            layers.append(secret)
        if n_null:
            nulls = QgsVectorLayer(uri.uri(False), table + " (non disponible)", "postgres")
            nulls.setSubsetString(f"{qv} IS NULL" + (" AND class IS DISTINCT FROM 0" if n_secret else ""))
            nulls.setRenderer(QgsSingleSymbolRenderer(symbol(NULL_COLOUR)))
            layers.append(nulls)
        if args.context:
            # a context layer beneath the map: light grey fill, grey outline
            crel, _, cwhere = args.context.partition("|")
            cparts = crel.split(".")
            if len(cparts) != 2:
                raise RuntimeError(f"--context {crel}: give it as schema.table")
            cq = sql_literal(qident(cparts[0]) + "." + qident(cparts[1]))
            cg = sql("SELECT a.attname FROM pg_attribute a WHERE a.attrelid = " + cq + "::regclass "
                     "AND a.atttypid = 'public.geometry'::regtype AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LIMIT 1")
            ck = sql("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                     "AND a.attnum = i.indkey[0] WHERE i.indrelid = " + cq + "::regclass AND i.indisunique "
                     "AND i.indnkeyatts = 1 ORDER BY i.indisprimary DESC LIMIT 1")
            if not cg or not ck:
                raise RuntimeError(f"--context {crel}: needs a geometry column and a single-column unique key")
            curi = QgsDataSourceUri(uri.uri(False))
            curi.setDataSource(cparts[0], cparts[1], cg[0][0], cwhere, ck[0][0])
            curi.setWkbType(QgsWkbTypes.Unknown)
            curi.setSrid("")
            ctx = QgsVectorLayer(curi.uri(False), cparts[1], "postgres")
            if not ctx.isValid():
                raise RuntimeError(f"QGIS could not load the context layer {crel}: {ctx.error().summary()}")
            cs = QgsSymbol.defaultSymbol(ctx.geometryType())
            cs.setColor(QColor("#eeeeee"))
            if ctx.geometryType() == QgsWkbTypes.PolygonGeometry:
                cs.symbolLayer(0).setStrokeColor(QColor("#9e9e9e"))
                cs.symbolLayer(0).setStrokeWidth(0.3)
            ctx.setRenderer(QgsSingleSymbolRenderer(cs))
            layers.append(ctx)
            report["context_features"] = ctx.featureCount()
        if args.zoom:
            z = sql(f"SELECT public.ST_XMin(e), public.ST_YMin(e), public.ST_XMax(e), public.ST_YMax(e) "
                    f"FROM (SELECT public.ST_Extent({qident(geom_col)})::public.box2d AS e FROM {qrel} WHERE {args.zoom}) z")
            if not z or z[0][0] is None:
                raise RuntimeError(f"--zoom: no row of {args.view} meets {args.zoom}")
            from qgis.core import QgsRectangle
            ext = QgsRectangle(float(z[0][0]), float(z[0][1]), float(z[0][2]), float(z[0][3]))
            report["zoom_extent"] = [ext.xMinimum(), ext.yMinimum(), ext.xMaximum(), ext.yMaximum()]

        title_h = 48 if args.title else 0
        # the legend sits in its own panel right of the map, never over it
        legend_items, legend_w = [], 0
        legend_font = QFont("DejaVu Sans")
        legend_font.setPixelSize(14)
        box, gap = 18, 6
        if args.legend:
            if drawn is None:
                legend_items = [(c["color"], f'{c["label"]}  ({c["features"]})') for c in classes]
            else:
                legend_items = [(c["color"], f'{c["label"]}  ({drawn.get(c["class"], 0)} sur {c["features"]})') for c in classes]
            if legend_title:
                legend_items.insert(0, (None, legend_title))
            if drawn is not None:
                legend_items.append((None, "classes de toute la couche ; (n sur N) :"))
                legend_items.append((None, "entités de la carte sur celles de la couche"))
            if n_secret:
                legend_items.append((SECRET_COLOUR, f"secret statistique  ({n_secret})"))
            if n_null:
                legend_items.append((NULL_COLOUR, f"non disponible  ({n_null})"))
            fm = QFontMetrics(legend_font)
            legend_w = 24 + box + 8 + max(fm.horizontalAdvance(t) for _, t in legend_items)
        foot = " — ".join(x for x in (f"Source : {args.source}" if args.source else None,
                                       f"Données du {date}" if date else None) if x)
        foot_h = 26 if foot else 0
        map_w, map_h = args.width - (legend_w + 20 if legend_w else 0), args.height - title_h - foot_h
        if map_w < 50:
            raise RuntimeError("the image is too narrow for its legend")
        if map_h < 50:
            raise RuntimeError("the image is too small for its title")
        ms = QgsMapSettings()
        ms.setLayers(layers)
        ms.setDestinationCrs(layer.crs() if layer.crs().isValid() else QgsCoordinateReferenceSystem(f"EPSG:{srid}"))
        ms.setOutputSize(QSize(map_w, map_h))
        ms.setBackgroundColor(QColor("#ffffff"))
        ms.setFlag(QgsMapSettings.Antialiasing, args.antialias)
        if ext.isEmpty():
            ext = ext.buffered(100.0)
        ms.setExtent(ext.buffered(max(ext.width(), ext.height()) * 0.03))

        img = QImage(args.width, args.height, QImage.Format_ARGB32)
        img.fill(QColor("#ffffff"))
        p = QPainter(img)
        p.translate(0, title_h)
        p.setClipRect(QRectF(0, 0, map_w, map_h))   # nothing of the map over the title, legend or foot
        job = QgsMapRendererCustomPainterJob(ms, p)
        job.start()
        job.waitForFinished()
        p.setClipping(False)
        p.resetTransform()
        errors = [e.message for e in job.errors()]
        if errors:
            p.end()
            raise RuntimeError("render errors: " + "; ".join(errors))
        vis = ms.visibleExtent()
        report["map_rect"] = [0, title_h, map_w, map_h]
        report["map_extent"] = [vis.xMinimum(), vis.yMinimum(), vis.xMaximum(), vis.yMaximum()]

        # pixels of each colour in the map area (before title and legend)
        counts = {}
        ptr = img.constBits()
        ptr.setsize(img.byteCount())
        data = bytes(ptr)
        bpl = img.bytesPerLine()
        try:
            import numpy as np
            arr = np.frombuffer(data, dtype=np.uint32).reshape(args.height, bpl // 4)[title_h:title_h + map_h, :map_w]
            vals, ns = np.unique(arr & 0xFFFFFF, return_counts=True)
            counts = {"#%06x" % int(v): int(n) for v, n in zip(vals, ns)}
        except ImportError:
            for y in range(title_h, title_h + map_h):
                for x in range(map_w):
                    c = "#%06x" % (img.pixel(x, y) & 0xFFFFFF)
                    counts[c] = counts.get(c, 0) + 1
        report["pixels"] = {c["color"]: counts.get(c["color"], 0) for c in classes}
        report["pixels"]["background"] = counts.get("#ffffff", 0)
        if n_null:
            report["pixels"][NULL_COLOUR] = counts.get(NULL_COLOUR, 0)
        if n_secret:
            report["pixels"][SECRET_COLOUR] = counts.get(SECRET_COLOUR, 0)

        if args.title:
            p.setPen(QColor("#222222"))
            f = QFont("DejaVu Sans")
            f.setPixelSize(22)
            f.setBold(True)
            p.setFont(f)
            p.drawText(QRectF(12, 0, args.width - 24, title_h), Qt.AlignVCenter | Qt.AlignLeft, args.title)
        if args.legend:
            p.setFont(legend_font)
            lw = legend_w
            lh = 16 + len(legend_items) * (box + gap)
            x0, y0 = map_w + 10, args.height - lh - 10
            p.setPen(QPen(QColor("#888888")))
            p.setBrush(QColor(255, 255, 255, 230))
            p.drawRect(QRectF(x0, y0, lw, lh))
            for i, (colour, text) in enumerate(legend_items):
                y = y0 + 8 + i * (box + gap)
                p.setPen(QColor("#222222"))
                if colour is None:   # the title and notes: text only
                    p.drawText(QRectF(x0 + 12, y, lw - 16, box), Qt.AlignVCenter | Qt.AlignLeft, text)
                    continue
                p.setPen(QPen(QColor("#555555")))
                p.setBrush(QColor(colour))
                p.drawRect(QRectF(x0 + 12, y, box, box))
                p.setPen(QColor("#222222"))
                p.drawText(QRectF(x0 + 12 + box + 8, y, lw, box), Qt.AlignVCenter | Qt.AlignLeft, text)
        if foot:
            f = QFont("DejaVu Sans")
            f.setPixelSize(13)
            p.setFont(f)
            p.setPen(QColor("#444444"))
            p.drawText(QRectF(12, args.height - foot_h, args.width - 24, foot_h), Qt.AlignVCenter | Qt.AlignLeft, foot)
        report["foot"] = foot
        p.end()
        out = os.path.abspath(args.out)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if not img.save(out, "PNG"):
            raise RuntimeError(f"could not write {out}")
        report.update({"png": out, "width": img.width(), "height": img.height()})
        print(json.dumps(report, ensure_ascii=False))
        return 0
    except Exception as e:  # report, then fail
        report["error"] = str(e)
        print(json.dumps(report, ensure_ascii=False))
        print(f"render_map: {e}", file=sys.stderr)
        return 1
    finally:
        qgs.exitQgis()


if __name__ == "__main__":
    sys.exit(main())
