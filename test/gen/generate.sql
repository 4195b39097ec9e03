-- test/gen/generate.sql — the deterministic demo-data generator of nous.
--
-- Builds a fictional French territory in Lambert-93 (EPSG:2154) with its
-- social-housing and residential-move data, in schema nous_demo, from a seed
-- and a scale (the number of EPCI). Pure SQL, PL/pgSQL and PostGIS: it does
-- not need the nous extension. See test/gen/README.md for the schema.
--
--   psql -v seed=42 -v scale=1 -v geometry=on -v households=on -f test/gen/generate.sql
--
-- Every variable is optional: seed 42, scale 1, geometry on, households on
-- when scale <= 5. The same seed and scale give byte-identical tables: every
-- random draw is a hash of (row id, stream, seed), never random().
-- Running it again drops and recreates schemas nous_gen and nous_demo.

\set _gen_saved_on_error_stop :ON_ERROR_STOP
\set ON_ERROR_STOP on
\if :{?seed}
  \set _gen_seed :seed
\else
  \set _gen_seed 42
\endif
\if :{?scale}
  \set _gen_scale :scale
\else
  \set _gen_scale 1
\endif
\if :{?geometry}
  \set _gen_geometry :geometry
\else
  \set _gen_geometry on
\endif
\if :{?households}
  \set _gen_households :households
\else
  SELECT CASE WHEN :_gen_scale <= 5 THEN 'on' ELSE 'off' END AS _gen_households \gset
\endif

SELECT current_setting('client_min_messages') AS _gen_saved_client_min_messages \gset
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
DROP SCHEMA IF EXISTS nous_gen CASCADE;
CREATE SCHEMA nous_gen;
COMMENT ON SCHEMA nous_gen IS 'functions of the nous demo-data generator (test/gen/generate.sql)';

------------------------------------------------------------------------------
-- Random draws. Every draw is a pure function of (id, stream, seed), so the
-- result does not depend on plans, parallel workers or row order. Streams are
-- numbered per table: 0-99 territory, 100-199 squares, 200-299 households,
-- 300-399 applications and allocations, 400-499 moves.
------------------------------------------------------------------------------

-- uniform in [0, 1) with 53 random bits
CREATE FUNCTION nous_gen.u(id bigint, stream int, seed bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ((hashint8extended(id * 1024 + stream, seed) >> 11) & 9007199254740991)::float8
       / 9007199254740992.0;

-- standard normal (Box-Muller on streams `stream` and `stream + 1`)
CREATE FUNCTION nous_gen.z(id bigint, stream int, seed bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN sqrt(-2.0 * ln(1.0 - nous_gen.u(id, stream, seed)))
       * cos(2.0 * pi() * nous_gen.u(id, stream + 1, seed));

-- floor(a / b) for b > 0 (integer division in SQL truncates towards zero)
CREATE FUNCTION nous_gen.fdiv(a bigint, b bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN a >= 0 THEN a / b ELSE -((b - 1 - a) / b) END;

-- exp(-d2 / r^2) for a squared distance d2, without underflow
CREATE FUNCTION nous_gen.gauss2(d2 float8, r float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN exp(-least(d2 / (r * r), 700.0));

-- logistic function
CREATE FUNCTION nous_gen.logistic(x float8) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 1.0 / (1.0 + exp(-x));

-- round a float8 to d decimals through numeric (stable text, no binary noise)
CREATE FUNCTION nous_gen.r(x float8, d int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN round(x::numeric, d)::float8;

-- Morton (Z-order) key of two non-negative integers below 65536
CREATE FUNCTION nous_gen.spread1(v bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (v | (v << 8)) & 16711935;
CREATE FUNCTION nous_gen.spread2(v bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (v | (v << 4)) & 252645135;
CREATE FUNCTION nous_gen.spread3(v bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (v | (v << 2)) & 858993459;
CREATE FUNCTION nous_gen.spread4(v bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (v | (v << 1)) & 1431655765;
CREATE FUNCTION nous_gen.morton(x bigint, y bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN nous_gen.spread4(nous_gen.spread3(nous_gen.spread2(nous_gen.spread1(x))))
     | (nous_gen.spread4(nous_gen.spread3(nous_gen.spread2(nous_gen.spread1(y)))) << 1);

-- Luhn check digit of a string of digits (the key of a SIREN number)
CREATE FUNCTION nous_gen.luhn_digit(digits text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT ((10 - sum(CASE WHEN i % 2 = 1
                                 THEN (2 * d) / 10 + (2 * d) % 10 ELSE d END) % 10) % 10)::text
          FROM (SELECT ord AS i, ch::int AS d
                  FROM unnest(string_to_array(reverse(digits), NULL)) WITH ORDINALITY AS t(ch, ord)) s);

-- "de X" with French elision and contraction: du Mans, des Sables, d'Angers
CREATE FUNCTION nous_gen.de(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN name LIKE 'Le %' THEN 'du ' || substr(name, 4)
            WHEN name LIKE 'Les %' THEN 'des ' || substr(name, 5)
            WHEN name ~ '^[AEIOUYÂÉÈÊÎÔH]' THEN 'd''' || name
            ELSE 'de ' || name END;

------------------------------------------------------------------------------
-- Names. Fictional, in the shapes French place names take: accents,
-- hyphens, apostrophes, articles, "Saint-", "-sur-", "-lès-".
------------------------------------------------------------------------------

-- 800 base names of communes: 30 x 24 compounds, 40 saints, 40 with articles
CREATE FUNCTION nous_gen.commune_bases() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
  SELECT array_agg(n ORDER BY o) FROM (
    SELECT CASE WHEN lower(p) = e THEN p || '-le-Vieux'
                WHEN p ~ 'e$' AND e ~ '^[aeéiouy]' THEN left(p, -1) || e
                WHEN p ~ '[uéo]$' AND e ~ '^[aeéiouy]' THEN p || 'r' || e
                ELSE p || e END AS n, pi * 100 + ei AS o
      FROM unnest(ARRAY['Beau','Bel','Bois','Bon','Bourg','Brie','Champ','Châtel','Chaume',
                        'Clair','Cour','Fonte','Font','Guer','Roche','Mont','Ville','Vau',
                        'Ker','Plou','Lan','Mar','Mor','Noir','Pont','Vil','Saul','Roque',
                        'Aube','Pré']) WITH ORDINALITY a(p, pi),
           unnest(ARRAY['lieu','mont','fort','val','bourg','court','ville','nay','voir','bois',
                        'ac','an','ay','é','el','ou','ignac','ange','ecourt','aye','erie',
                        'ères','euil','oux']) WITH ORDINALITY b(e, ei)
    UNION ALL
    SELECT n, 10000 + o FROM unnest(ARRAY[
      'Saint-Aignan','Saint-Aubin','Saint-Benoît','Saint-Brévin','Saint-Crépin','Saint-Denis',
      'Saint-Étienne','Saint-Fiacre','Saint-Gildas','Saint-Herblon','Saint-Hilaire','Saint-Jean',
      'Saint-Julien','Saint-Léger','Saint-Lumine','Saint-Mars','Saint-Même','Saint-Nicolas',
      'Saint-Omer','Saint-Père','Saint-Philbert','Saint-Rémy','Saint-Sulpice','Saint-Viaud',
      'Saint-Vincent','Saint-Yrieix','Sainte-Anne','Sainte-Reine','Sainte-Luce','Sainte-Pazanne',
      'Sainte-Croix','Sainte-Eulalie','Sainte-Foy','Sainte-Hélène','Sainte-Marie','Sainte-Sévère',
      'Saint-André','Saint-Germain','Saint-Laurent','Saint-Ouen']) WITH ORDINALITY s(n, o)
    UNION ALL
    SELECT n, 20000 + o FROM unnest(ARRAY[
      'La Chapelle','La Haie-Fouassière','Le Pellerin','Les Sorinières','L''Hermitage',
      'L''Île-Bouchard','La Bernerie','Le Cellier','Le Loroux','La Limouzinière','Les Touches',
      'L''Étang','Le Fresne','La Roche','Le Pin','Les Essarts','L''Aiguillon','La Boissière',
      'Le Gâvre','La Chevrolière','Le Temple','La Montagne','Les Moutiers','L''Abbaye',
      'La Ferté','Le Mesnil','La Salle','Le Plessis','Les Rosiers','L''Isle','Le Bignon',
      'La Grigonnais','Le Val','La Varenne','Le Landreau','Les Lucs','L''Herbergement',
      'La Forêt','Le Vivier','Les Brouzils']) WITH ORDINALITY t(n, o)
  ) x);

-- suffixes of composite commune names
CREATE FUNCTION nous_gen.commune_suffixes() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['-sur-Loire','-sur-Erdre','-sur-Sèvre','-sur-Vilaine','-sur-Mer','-de-Bretagne',
             '-d''Anjou','-en-Retz','-en-Vallée','-le-Grand','-le-Petit','-la-Forêt','-lès-Bains',
             '-aux-Bois','-des-Prés','-du-Lac','-de-Grand-Lieu','-l''Abbaye','-d''Olonne',
             '-Saint-Denis','-en-Mauges','-sous-Bois','-le-Château','-les-Mines','-sur-Oudon',
             '-d''Erdre','-de-la-Mer','-en-Plaine','-aux-Moines','-de-Montluc'];

-- names of IRIS (neighbourhoods of a town)
CREATE FUNCTION nous_gen.iris_names() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['Centre-Ville','Gare','Hôtel de Ville','Bellevue','Les Dervallières','Le Breil',
             'La Bottière','Saint-Félix','Château d''Eau','Les Hauts-Pavés','Île Verte',
             'Pont-Rousseau','La Madeleine','Le Clos-Toreau','Port-Boyer','Beaujoire','Zola',
             'Procé','Chantenay','Sainte-Thérèse','Les Renardières','La Noë','Le Bourg',
             'Zone Industrielle Nord','Les Coteaux','L''Étang','La Garenne','Les Plantes',
             'Bois-Joli','Les Glacières','Le Vieux Port','Saint-Jacques','La Croix-Rouge',
             'Les Chênes','Le Moulin-Neuf','La Prairie','Les Sablons','Grand-Champ',
             'La Ville-au-Denis','Les Épinettes','Le Champ-de-Mars','Mairie','Les Halles',
             'La Citadelle','Le Lycée','L''Hôpital','Les Vignes','Beauséjour','La Source',
             'Le Parc','Les Tilleuls','La Fontaine','Saint-Roch','Les Ormeaux','La Gaudinière',
             'Le Petit-Bois','Les Marronniers','La Colinière','Le Plateau','Les Bruyères',
             'L''Orée du Bois','Le Faubourg','La Pépinière','Les Rives','Le Mail','La Butte',
             'Le Château','Les Sorbiers','Les Forges','La Tour'];

-- names of QPV (housing estates)
CREATE FUNCTION nous_gen.qpv_names() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['Bellevue','Les Hauts-Champs','La Grand-Mare','Le Mirail','Quartier Nord',
             'Les Tilleuls','La Source','Les Bleuets','Le Val-Fleuri','Les Pins','Pin Sec',
             'Bottière','Les Dervallières','Le Breil','Malville','Château','Les Sorinières',
             'La Croix-des-Oiseaux','L''Arlequin','Les Grésillons','Le Petit-Bard','La Paillade',
             'Les Aubiers','Saint-Jacques','Les Minimes','Beaulieu','La Chesnaie','Le Clos',
             'Les Écrivains','Les Musiciens','La Plaine','Le Sillon','Les Trois-Cités',
             'L''Épi d''Or','La Roseraie','Le Haut-Pré','Les Garennes','Kercado','Les Glonnières',
             'La Bastide','Le Bois-Fleuri','Les Provinces','Champ-de-Foire','Les Vallées',
             'La Pépinière','L''Île de Nantes','Les Agnettes','La Gabelle','Le Chêne-Pointu',
             'Les Fontenelles'];

-- social-housing landlords (fictional companies)
CREATE FUNCTION nous_gen.landlords() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['Les Toits de l''Estuaire','Habitat 3 Vallées','Logis Familial de l''Ouest',
             'Cité-Jardin Habitat','Espace Domicile','Immobilière Atlantique',
             'Les Résidences d''Émeraude','Le Foyer Solidaire','Maisons & Cités du Val',
             'Société d''HLM La Ruche','Néo Logis','Aiguillon Sud'];

------------------------------------------------------------------------------
-- Geometry of the territory.
--
-- Everything lies on the 200 m lattice of Lambert-93: a cell (col, row) is
-- the square [200 col, 200 col + 200) x [200 row, 200 row + 200). EPCI,
-- communes and IRIS are rasterized Voronoi regions of integer seed points:
-- a cell belongs to the seed nearest its centre (ties: the seed with the
-- larger x, then the smaller id). With integer seeds every comparison is
-- exact in bigint arithmetic, so each level partitions its parent exactly,
-- and the regions are unions of whole cells: squares lie exactly inside
-- their commune and IRIS, and communes tile their EPCI with no sliver.
------------------------------------------------------------------------------

-- Layout constants, in metres (written out in the queries below): EPCI node
-- (0, 0) at (660000, 6640000), EPCI nodes every 21000 with seeds jittered by
-- up to 5000 (S/4) in x and y; commune nodes every 3500 from (661750,
-- 6641750), jittered by up to 900.

-- Cell runs of Voronoi regions: for each object (id, x, y), each row r of its
-- row range and each competing seed (nid, nx, ny), the cells of row r that the
-- object wins against that seed form a half-line; the run is the intersection
-- of these half-lines and of the parent's run [plo, phi] on that row.
-- d = 2 (nx - x), n = |N|^2 - |O|^2 - 2 y_r (ny - y): the centre c of a cell
-- is nearer O than N iff c d < n.
--   d > 0: O wins cells k with (200 k + 100) d <  n  -> k <= floor((n - 100 d - 1) / 200 d)
--   d < 0: O wins cells k with (200 k + 100) d <= n  -> k >= ceil((n - 100 d) / 200 d)
--   d = 0: O wins the whole row iff n > 0, or n = 0 and id < nid
-- floor(a / b) is computed as floor(a::float8 / b): exact for |a| < 2^53,
-- since a float8 quotient of integers can only round onto an integer k when
-- |a / b - k| < 1.1e-16 k, while a non-integer quotient is >= 1 / b away
-- from any integer.
--
-- make_runs(target, src): src is a query giving, for each object id, row
-- and competing seed, the columns (id, row, plo, phi, oid, x, y, mid, mx, my):
-- the parent's run [plo, phi] on that row (NULL: none), the object's seed
-- (oid, x, y) and the competitor's (mid, mx, my). The result is the table
-- target (id, row, lo, hi) of non-empty runs.
CREATE FUNCTION nous_gen.make_runs(target text, src text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($q$
    CREATE UNLOGGED TABLE %1$s AS
    SELECT id, row, lo, hi FROM (
      SELECT id, row,
             greatest(plo, max(CASE WHEN d < 0 THEN -floor((n - 100 * d)::float8 / (-200 * d))::bigint END)) AS lo,
             least(phi, min(CASE WHEN d > 0 THEN floor((n - 100 * d - 1)::float8 / (200 * d))::bigint END)) AS hi,
             bool_and(d <> 0 OR n > 0 OR (n = 0 AND oid < mid)) AS ok
        FROM (SELECT id, row, plo, phi, oid, mid, 2 * (mx - x) AS d,
                     (mx * mx + my * my) - (x * x + y * y) - 2 * (200 * row + 100) * (my - y) AS n
                FROM (%2$s) s0) s1
       GROUP BY id, row, plo, phi) s2
     WHERE ok AND lo <= hi $q$, target, src);
  EXECUTE format('ALTER TABLE %s SET (parallel_workers = 2)', target);
  EXECUTE format('ANALYZE %s', target);
END
$fn$;

-- Polygons of objects made of runs: a table (id, row, lo, hi) with one run
-- per row becomes (id, geom). A staircase ring is built directly when the
-- rows are consecutive and each run overlaps the next; otherwise (thin tips,
-- rare) the runs' rectangles are unioned.
CREATE FUNCTION nous_gen.polygons_of_runs(runs regclass, target text) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format($q$
    CREATE UNLOGGED TABLE %1$s AS
    WITH r AS (
      SELECT id, row, lo, hi,
             lag(row) OVER w AS prow, lag(lo) OVER w AS plo, lag(hi) OVER w AS phi
        FROM %2$s WINDOW w AS (PARTITION BY id ORDER BY row)
    ), o AS (
      SELECT id, bool_and(prow IS NULL OR (row = prow + 1 AND lo <= phi AND plo <= hi)) AS simple
        FROM r GROUP BY id
    )
    SELECT id, ST_Multi(ST_Simplify(ST_RemoveRepeatedPoints(ST_GeomFromText(
             'POLYGON((' ||
             string_agg((200 * (hi + 1))::text || ' ' || (200 * row)::text || ',' ||
                        (200 * (hi + 1))::text || ' ' || (200 * (row + 1))::text, ',' ORDER BY row)
             || ',' ||
             string_agg((200 * lo)::text || ' ' || (200 * (row + 1))::text || ',' ||
                        (200 * lo)::text || ' ' || (200 * row)::text, ',' ORDER BY row DESC)
             || ',' || (array_agg((200 * (hi + 1))::text || ' ' || (200 * row)::text ORDER BY row))[1]
             || '))', 2154)), 0)) AS geom
      FROM %2$s JOIN o USING (id) WHERE o.simple GROUP BY id
    UNION ALL
    SELECT id, ST_Multi(ST_Simplify(ST_Union(ST_MakeEnvelope(200 * lo, 200 * row, 200 * (hi + 1),
                                                             200 * (row + 1), 2154)), 0))
      FROM %2$s JOIN o USING (id) WHERE NOT o.simple GROUP BY id
  $q$, target, runs);
END
$fn$;

-- run one statement with {seed} and {scale} replaced by their values
CREATE FUNCTION nous_gen.exec(q text, seed bigint, scale int DEFAULT 0) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE replace(replace(q, '{seed}', seed::text), '{scale}', scale::text);
END
$fn$;


-- drop the generator's work tables (nous_gen.t_*)
CREATE FUNCTION nous_gen.drop_work() RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'nous_gen'::regnamespace AND c.relkind = 'r'
              AND c.relname LIKE 't\_%' ORDER BY 1 LOOP
    EXECUTE format('DROP TABLE nous_gen.%I', t);
  END LOOP;
END
$fn$;

-- progress report: with SET nous_gen.progress = on, each step raises a
-- NOTICE with the seconds since the previous one
CREATE FUNCTION nous_gen.step(name text) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  last text := current_setting('nous_gen.last_step', true);
BEGIN
  IF current_setting('nous_gen.progress', true) = 'on' THEN
    RAISE NOTICE '% %', rpad(name, 28),
      CASE WHEN coalesce(last, '') = '' THEN ''
           ELSE round(extract(epoch FROM clock_timestamp() - last::timestamptz)::numeric, 2)::text || ' s' END;
  END IF;
  PERFORM set_config('nous_gen.last_step', clock_timestamp()::text, false);
END
$fn$;

-- French département codes of mainland France, 01-95 without 20 (94 codes)
CREATE FUNCTION nous_gen.dep_codes() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (SELECT array_agg(lpad(d::text, 2, '0') ORDER BY d)
          FROM generate_series(1, 95) d WHERE d <> 20);

------------------------------------------------------------------------------
-- nous_gen.gen_territory: epci, communes, iris, qpv, squares
------------------------------------------------------------------------------
CREATE FUNCTION nous_gen.gen_territory(seed bigint, scale int, with_geometry boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  lim int := ceil(sqrt(scale / pi()))::int + 4;
  n int;
BEGIN
  IF scale IS NULL OR scale < 1 OR scale > 1400 THEN
    RAISE EXCEPTION 'scale must be between 1 and 1400 EPCI, not %', scale;
  END IF;
  PERFORM set_config('work_mem', '256MB', true);
  PERFORM set_config('jit', 'off', true);
  PERFORM nous_gen.drop_work();
  CREATE SCHEMA IF NOT EXISTS nous_demo;
  DROP TABLE IF EXISTS nous_demo.generation;
  CREATE TABLE nous_demo.generation AS
  SELECT seed, scale, with_geometry, false AS with_households, '1'::text AS generator_version;

  PERFORM nous_gen.step('epci nodes');
  -- 1. EPCI nodes: a square lattice of spacing 21 km numbered in a spiral
  --    from the centre node (0, 0), which holds EPCI 1. Nodes beyond the
  --    scale are "ghosts": their seeds bound the outer EPCI but make none.
  PERFORM nous_gen.exec(format($q$
    CREATE UNLOGGED TABLE nous_gen.t_node AS
    WITH o AS (
      SELECT a, b, row_number() OVER (ORDER BY a * a + b * b, atan2(b, a), a, b) AS k,
             (a + 4096)::bigint * 8192 + (b + 4096) AS nid
        FROM generate_series(-%1$s, %1$s) a, generate_series(-%1$s, %1$s) b
    )
    SELECT k, a, b, nid,
           660000 + 21000 * a + round(5000 * (2 * nous_gen.u(nid, 1, {seed}) - 1))::bigint AS sx,
           6640000 + 21000 * b + round(5000 * (2 * nous_gen.u(nid, 2, {seed}) - 1))::bigint AS sy,
           nous_gen.z(nid, 3, {seed}) AS g1, nous_gen.z(nid, 5, {seed}) AS g2,
           nous_gen.z(nid, 7, {seed}) AS g3
      FROM o $q$, lim), seed, scale);
  ALTER TABLE nous_gen.t_node ADD COLUMN dep_ord int, ADD COLUMN core_r float8,
    ADD COLUMN core_m float8, ADD COLUMN hole_r float8, ADD COLUMN nqpv int;
  -- urban core radius and density, hole of the centre commune, number of QPV
  UPDATE nous_gen.t_node SET
    core_r = CASE WHEN k = 1 THEN 2600 ELSE least(4500, greatest(900, 2000 * exp(0.35 * g1))) END,
    core_m = CASE WHEN k = 1 THEN 125 ELSE least(700, greatest(15, 75 * exp(0.75 * g1 + 0.35 * g2))) END,
    nqpv = CASE WHEN k = 1 THEN 4 ELSE
             (SELECT count(*) FROM unnest(ARRAY[0.45, 0.65, 0.80, 0.90, 0.96]) c
               WHERE nous_gen.logistic(1.702 * (0.8 * g1 + 0.6 * g3)) >= c) END
   WHERE k <= scale;
  UPDATE nous_gen.t_node SET hole_r = CASE WHEN k = 1 THEN 4400 ELSE 3000 + 0.55 * core_r END
   WHERE k <= scale;
  -- départements: blocks of 5 x 4 nodes, numbered by their first EPCI
  UPDATE nous_gen.t_node t SET dep_ord = d.ord
    FROM (SELECT ba, bb, dense_rank() OVER (ORDER BY min(k)) AS ord
            FROM (SELECT k, floor(a / 5.0) AS ba, floor(b / 4.0) AS bb FROM nous_gen.t_node
                   WHERE k <= scale) x GROUP BY ba, bb) d
   WHERE t.k <= scale AND floor(t.a / 5.0) = d.ba AND floor(t.b / 4.0) = d.bb;
  SELECT max(dep_ord) INTO n FROM nous_gen.t_node;
  IF n > 94 THEN
    RAISE EXCEPTION 'scale % needs % départements, more than the 94 codes', scale, n;
  END IF;

  PERFORM nous_gen.step('epci runs');
  -- 2. EPCI runs: the Voronoi region of each EPCI seed among the seeds of
  --    the 24 nodes around it (enough: jitter <= S/4 bounds the region within
  --    1.07 S of its seed and its neighbours within 2 nodes).
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_epair AS
    SELECT e.k, e.nid, e.sx, e.sy, m.nid AS mnid, m.sx AS mx, m.sy AS my
      FROM nous_gen.t_node e JOIN nous_gen.t_node m
        ON m.a BETWEEN e.a - 2 AND e.a + 2 AND m.b BETWEEN e.b - 2 AND e.b + 2 AND m.nid <> e.nid
     WHERE e.k <= {scale} $q$, seed, scale);
  PERFORM nous_gen.make_runs('nous_gen.t_erun', $q$
    SELECT p.k AS id, r.row, NULL::bigint AS plo, NULL::bigint AS phi, p.nid AS oid, p.sx AS x, p.sy AS y,
           p.mnid AS mid, p.mx, p.my
      FROM nous_gen.t_epair p
      CROSS JOIN LATERAL generate_series(floor((p.sy - 22470) / 200.0)::bigint,
                                         floor((p.sy + 22470) / 200.0)::bigint) r(row) $q$);

  PERFORM nous_gen.step('commune seeds');
  -- 3. Commune seeds: nodes of a 3.5 km lattice, jittered, kept when they
  --    lie at least 600 m inside their EPCI and outside the hole around its
  --    seed; the EPCI seed itself is the seed of the centre commune.
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_cseed AS
    WITH cand AS (
      SELECT e.k, e.sx AS ex, e.sy AS ey, e.hole_r,
             (p + 4096)::bigint * 8192 + (q + 4096) AS cnid,
             661750 + 3500 * p + round(900 * (2 * nous_gen.u((p + 4096)::bigint * 8192 + (q + 4096), 11, {seed}) - 1))::bigint AS x,
             6641750 + 3500 * q + round(900 * (2 * nous_gen.u((p + 4096)::bigint * 8192 + (q + 4096), 12, {seed}) - 1))::bigint AS y
        FROM nous_gen.t_node e
        CROSS JOIN LATERAL generate_series(nous_gen.fdiv(e.sx - 661750 - 24000, 3500),
                                           nous_gen.fdiv(e.sx - 661750 + 24000, 3500) + 1) p
        CROSS JOIN LATERAL generate_series(nous_gen.fdiv(e.sy - 6641750 - 24000, 3500),
                                           nous_gen.fdiv(e.sy - 6641750 + 24000, 3500) + 1) q
       WHERE e.k <= {scale}
    )
    SELECT k, cnid, x, y FROM cand c
     WHERE (c.x - c.ex) ^ 2 + (c.y - c.ey) ^ 2 > c.hole_r ^ 2
       AND NOT EXISTS (
         SELECT FROM nous_gen.t_epair p
          WHERE p.k = c.k
            AND ((c.x - p.mx) ^ 2 + (c.y - p.my) ^ 2 - (c.x - p.sx) ^ 2 - (c.y - p.sy) ^ 2)
                / (2 * sqrt((p.mx - p.sx) ^ 2 + (p.my - p.sy) ^ 2)) < 600)
    UNION ALL
    SELECT k, -nid, sx, sy FROM nous_gen.t_node WHERE k <= {scale} $q$, seed, scale);

  PERFORM nous_gen.step('commune neighbours');
  -- 4. Which commune seeds compete: neighbours in the Voronoi diagram of the
  --    EPCI's commune seeds (cells within 1 m, a superset of the true
  --    neighbours), and the rows each commune can reach.
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_ccell AS
    WITH env AS (
      SELECT id AS k, ST_MakeEnvelope(200 * min(lo) - 3000, 200 * min(row) - 3000,
                                      200 * (max(hi) + 1) + 3000, 200 * (max(row) + 1) + 3000) AS env
        FROM nous_gen.t_erun GROUP BY id
    ), vor AS (
      SELECT s.k, (ST_Dump(ST_VoronoiPolygons(ST_Collect(ST_MakePoint(s.x, s.y) ORDER BY s.cnid), 0,
                                              env.env))).geom AS cell
        FROM nous_gen.t_cseed s JOIN env USING (k) GROUP BY s.k, env.env
    )
    SELECT s.k, s.cnid, s.x, s.y, v.cell
      FROM vor v JOIN nous_gen.t_cseed s ON s.k = v.k AND ST_Intersects(v.cell, ST_MakePoint(s.x, s.y)) $q$,
    seed, scale);
  -- commune ids: k * 100 + rank, the centre first, then by distance to it
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_com AS
    SELECT c.k * 100 + row_number() OVER (PARTITION BY c.k
             ORDER BY (c.x - e.sx) ^ 2 + (c.y - e.sy) ^ 2, c.cnid) AS cid,
           c.k, c.cnid, c.x, c.y, c.cell,
           floor((ceil(ST_YMin(c.cell)) - 101) / 200.0)::bigint AS r0,
           floor((floor(ST_YMax(c.cell)) - 99) / 200.0)::bigint AS r1
      FROM nous_gen.t_ccell c JOIN nous_gen.t_node e ON e.k = c.k $q$, seed, scale);
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_cpair AS
    SELECT a.cid, a.cnid, a.x, a.y, b.cid AS mcid, b.cnid AS mcnid, b.x AS mx, b.y AS my
      FROM nous_gen.t_com a JOIN nous_gen.t_com b
        ON a.k = b.k AND a.cid <> b.cid AND ST_DWithin(a.cell, b.cell, 1.0) $q$, seed, scale);
  ANALYZE nous_gen.t_com;
  ANALYZE nous_gen.t_cpair;

  PERFORM nous_gen.step('commune runs');
  -- 5. Commune runs: the commune's Voronoi region clipped to its EPCI.
  PERFORM nous_gen.make_runs('nous_gen.t_crun', $q$
    SELECT c.cid AS id, er.row, er.lo AS plo, er.hi AS phi, p.cnid AS oid, p.x, p.y,
           p.mcnid AS mid, p.mx, p.my
      FROM nous_gen.t_com c
      JOIN nous_gen.t_erun er ON er.id = c.k AND er.row BETWEEN c.r0 AND c.r1
      JOIN nous_gen.t_cpair p ON p.cid = c.cid $q$);
  -- communes that won no cell do not exist (their neighbours share the cells)
  DELETE FROM nous_gen.t_com c WHERE NOT EXISTS (SELECT FROM nous_gen.t_crun r WHERE r.id = c.cid);
  ALTER TABLE nous_gen.t_com ADD COLUMN kind text;
  UPDATE nous_gen.t_com c SET kind = CASE
      WHEN c.cnid < 0 THEN 'centre'
      WHEN c.cid IN (SELECT p.cid FROM nous_gen.t_cpair p WHERE p.mcnid < 0) THEN 'suburb'
      ELSE 'rural' END;
  PERFORM nous_gen.step('commune polygons');
  PERFORM nous_gen.polygons_of_runs('nous_gen.t_crun', 'nous_gen.t_cgeom');
  PERFORM nous_gen.polygons_of_runs('nous_gen.t_erun', 'nous_gen.t_egeom');

  PERFORM nous_gen.step('qpv');
  -- 6. QPV: up to 3 in the centre commune, the others one in each of the
  --    nearest suburbs. Each is a star-shaped polygon of 14 vertices around a
  --    point inside its commune, within 90 % of the point's distance to the
  --    commune's boundary and 45 % of its distance to the other QPV of the
  --    commune: QPV lie strictly inside their commune and never overlap.
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_qpv AS
    WITH hosts AS (
      SELECT c.k, c.cid, least(e.nqpv, 3) AS nq
        FROM nous_gen.t_com c JOIN nous_gen.t_node e ON e.k = c.k
       WHERE c.kind = 'centre' AND e.nqpv > 0
      UNION ALL
      SELECT k, cid, 1 FROM (
        SELECT c.k, c.cid, e.nqpv, row_number() OVER (PARTITION BY c.k ORDER BY c.cid) AS rn
          FROM nous_gen.t_com c JOIN nous_gen.t_node e ON e.k = c.k
         WHERE c.kind = 'suburb' AND e.nqpv > 3) s
       WHERE rn <= nqpv - 3
    ), q AS (
      SELECT h.k, h.cid, h.nq, j,
             h.k * 10 + row_number() OVER (PARTITION BY h.k ORDER BY h.cid, j) AS qid
        FROM hosts h CROSS JOIN LATERAL generate_series(0, h.nq - 1) j
    ), geo AS (
      SELECT q.*, c.x, c.y, g.geom, sqrt(ST_Area(g.geom) / pi()) AS rho,
             2 * pi() * (nous_gen.u(q.cid, 21, {seed})
                         + (q.j + 0.5 * (nous_gen.u(q.qid, 22, {seed}) - 0.5)) / q.nq) AS theta,
             0.35 + 0.2 * nous_gen.u(q.qid, 23, {seed}) AS f0
        FROM q JOIN nous_gen.t_com c ON c.cid = q.cid JOIN nous_gen.t_cgeom g ON g.id = q.cid
    ), cand AS (
      SELECT geo.*, f.ord,
             ST_SetSRID(ST_MakePoint(round((x + rho * f.ff * cos(theta))::numeric, 2)::float8,
                                     round((y + rho * f.ff * sin(theta))::numeric, 2)::float8), 2154) AS pt
        FROM geo CROSS JOIN LATERAL (VALUES (1, f0), (2, 0.6 * f0), (3, 0.25 * f0), (4, 0.0)) f(ord, ff)
    ), chosen AS (
      SELECT DISTINCT ON (qid) qid, k, cid, pt, ST_Distance(pt, ST_Boundary(geom)) AS bd
        FROM cand
       WHERE ST_Contains(geom, pt) AND (ord = 4 OR ST_Distance(pt, ST_Boundary(geom)) >= 300)
       ORDER BY qid, ord
    ), radius AS (
      SELECT a.qid, a.k, a.cid, a.pt,
             least(320 + 330 * nous_gen.u(a.qid, 24, {seed}), 0.9 * a.bd,
                   0.45 * coalesce((SELECT min(ST_Distance(a.pt, b.pt)) FROM chosen b
                                     WHERE b.cid = a.cid AND b.qid <> a.qid), 1e9)) AS rq
        FROM chosen a
    ), vert AS (
      SELECT r.qid, r.k, r.cid, r.rq, i,
             ST_MakePoint(
               round((ST_X(r.pt) + r.rq * (0.62 + 0.38 * nous_gen.u(r.qid * 64 + i, 26, {seed}))
                      * cos(2 * pi() * (i + 0.3 * (nous_gen.u(r.qid * 64 + i, 25, {seed}) - 0.5)) / 14))::numeric, 2)::float8,
               round((ST_Y(r.pt) + r.rq * (0.62 + 0.38 * nous_gen.u(r.qid * 64 + i, 26, {seed}))
                      * sin(2 * pi() * (i + 0.3 * (nous_gen.u(r.qid * 64 + i, 25, {seed}) - 0.5)) / 14))::numeric, 2)::float8) AS v
        FROM radius r CROSS JOIN LATERAL generate_series(0, 13) i
    )
    SELECT qid, k, cid, rq,
           ST_SetSRID(ST_MakePolygon(ST_AddPoint(ST_MakeLine(v ORDER BY i),
                                                 (array_agg(v ORDER BY i))[1])), 2154) AS geom
      FROM vert GROUP BY qid, k, cid, rq $q$, seed, scale);
  -- the cells whose centre lies in a QPV
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_qcell AS
    SELECT rw::bigint * 10000 + cl AS square_id, q.qid
      FROM nous_gen.t_qpv q
      CROSS JOIN LATERAL generate_series(floor(ST_XMin(q.geom) / 200)::int, floor(ST_XMax(q.geom) / 200)::int) cl
      CROSS JOIN LATERAL generate_series(floor(ST_YMin(q.geom) / 200)::int, floor(ST_YMax(q.geom) / 200)::int) rw
     WHERE ST_Contains(q.geom, ST_SetSRID(ST_MakePoint(200 * cl + 100, 200 * rw + 100), 2154)) $q$,
    seed, scale);

  PERFORM nous_gen.step('populated cells');
  -- 7. Populated cells. The chance that a cell is populated and its expected
  --    population fall off with the distance d0 to the EPCI's centre (urban
  --    core) and d1 to the commune's seed (town or village centre); QPV
  --    cells are always populated and dense. Population is log-normal.
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_cell AS
    WITH cells AS (
      SELECT r.id AS cid, c.k, r.row, cl AS col, r.row::bigint * 10000 + cl AS square_id,
             ((200 * cl + 100) - e.sx) * ((200 * cl + 100) - e.sx)
             + ((200 * r.row + 100) - e.sy) * ((200 * r.row + 100) - e.sy) AS d0sq,
             ((200 * cl + 100) - c.x) * ((200 * cl + 100) - c.x)
             + ((200 * r.row + 100) - c.y) * ((200 * r.row + 100) - c.y) AS d1sq,
             e.core_r, e.core_m,
             CASE c.kind WHEN 'suburb' THEN 0.8 WHEN 'rural' THEN 0.75 ELSE 0 END AS ta,
             CASE c.kind WHEN 'suburb' THEN 900 ELSE 600 END AS tr,
             CASE c.kind WHEN 'suburb' THEN 75 WHEN 'rural' THEN 27 ELSE 0 END AS tb
        FROM nous_gen.t_crun r JOIN nous_gen.t_com c ON c.cid = r.id
        JOIN nous_gen.t_node e ON e.k = c.k
        CROSS JOIN LATERAL generate_series(r.lo, r.hi) cl
    ), kept AS (
      SELECT * FROM cells
       WHERE nous_gen.u(square_id, 100, {seed})
             < least(0.97, 0.06 + 0.9 * nous_gen.gauss2(d0sq, core_r) + ta * nous_gen.gauss2(d1sq, tr))
          OR square_id IN (SELECT square_id FROM nous_gen.t_qcell)
    ), pop AS (
      SELECT kept.*, q.qid,
             7 + core_m * nous_gen.gauss2(d0sq, 0.85 * core_r) + tb * nous_gen.gauss2(d1sq, tr) AS m
        FROM kept LEFT JOIN nous_gen.t_qcell q USING (square_id)
    )
    SELECT square_id, cid, k, row, col, qid, d0sq, core_r,
           nous_gen.r(CASE WHEN qid IS NOT NULL
                           THEN greatest(m, 160) * exp(0.45 * nous_gen.z(square_id, 102, {seed}) - 0.10) + 40
                           ELSE greatest(1.0, m * exp(0.75 * nous_gen.z(square_id, 102, {seed}) - 0.28)) END, 1) AS pop
      FROM pop $q$, seed, scale);

  PERFORM nous_gen.step('iris');
  -- 8. IRIS: communes of 5,000 inhabitants or more are split into IRIS of
  --    about 2,600 inhabitants. Seeds are populated cells taken at equal
  --    steps of cumulative population along a Z-order curve; the IRIS are
  --    their Voronoi regions within the commune.
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_iris AS
    WITH cp AS (
      SELECT cid, sum(pop::numeric)::float8 AS p, min(col) AS mc, min(row) AS mr
        FROM nous_gen.t_cell GROUP BY cid
    ), m AS (
      SELECT cid, p, mc, mr, CASE WHEN p >= 5000 THEN least(400, greatest(2, round(p / 2600))) ELSE 1 END AS m
        FROM cp
    ), o AS (
      SELECT c.cid, c.col, c.row, c.pop, m.m, m.p,
             sum(c.pop) OVER (PARTITION BY c.cid ORDER BY nous_gen.morton(c.col - m.mc, c.row - m.mr)) AS cum,
             nous_gen.morton(c.col - m.mc, c.row - m.mr) AS z
        FROM nous_gen.t_cell c JOIN m USING (cid) WHERE m.m > 1
    ), s AS (
      SELECT cid, col, row, z FROM o
       WHERE floor((cum - pop) * m / p + 0.5) + 1 <= floor(cum * m / p + 0.5)
    )
    SELECT cid * 1000 + row_number() OVER (PARTITION BY cid ORDER BY z) AS iid, cid, true AS split,
           200 * col::bigint + 100 AS x, 200 * row::bigint + 100 AS y
      FROM s
    UNION ALL
    SELECT cid * 1000 + 1, cid, false, x, y FROM nous_gen.t_com c
     WHERE NOT EXISTS (SELECT FROM s WHERE s.cid = c.cid) $q$, seed, scale);
  -- competitors of each IRIS seed: its neighbours in the Voronoi diagram
  -- of the commune's IRIS seeds (cells within 1 m), as for communes
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_icell AS
    WITH env AS (
      SELECT id AS cid, ST_MakeEnvelope(200 * min(lo) - 2000, 200 * min(row) - 2000,
                                        200 * (max(hi) + 1) + 2000, 200 * (max(row) + 1) + 2000) AS env
        FROM nous_gen.t_crun GROUP BY id
    ), vor AS (
      SELECT i.cid, (ST_Dump(ST_VoronoiPolygons(ST_Collect(ST_MakePoint(i.x, i.y) ORDER BY i.iid), 0,
                                                env.env))).geom AS cell
        FROM nous_gen.t_iris i JOIN env USING (cid) WHERE i.split GROUP BY i.cid, env.env
    )
    SELECT i.iid, i.cid, i.x, i.y, v.cell,
           floor((ceil(ST_YMin(v.cell)) - 101) / 200.0)::bigint AS r0,
           floor((floor(ST_YMax(v.cell)) - 99) / 200.0)::bigint AS r1
      FROM vor v JOIN nous_gen.t_iris i ON i.cid = v.cid AND ST_Intersects(v.cell, ST_MakePoint(i.x, i.y)) $q$,
    seed, scale);
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_ipair AS
    SELECT a.iid, a.cid, a.r0, a.r1, a.x, a.y, b.iid AS miid, b.x AS mx, b.y AS my
      FROM nous_gen.t_icell a JOIN nous_gen.t_icell b
        ON a.cid = b.cid AND a.iid <> b.iid AND ST_DWithin(a.cell, b.cell, 1.0) $q$, seed, scale);
  ANALYZE nous_gen.t_ipair;
  PERFORM nous_gen.make_runs('nous_gen.t_irun', $q$
    SELECT p.iid AS id, cr.row, cr.lo AS plo, cr.hi AS phi, p.iid AS oid, p.x, p.y, p.miid AS mid, p.mx, p.my
      FROM nous_gen.t_ipair p
      JOIN nous_gen.t_crun cr ON cr.id = p.cid AND cr.row BETWEEN p.r0 AND p.r1 $q$);
  INSERT INTO nous_gen.t_irun
  SELECT a.iid, cr.row, cr.lo, cr.hi
    FROM nous_gen.t_iris a JOIN nous_gen.t_crun cr ON cr.id = a.cid WHERE NOT a.split;
  PERFORM nous_gen.step('iris polygons');
  PERFORM nous_gen.polygons_of_runs('nous_gen.t_irun', 'nous_gen.t_igeom');
  ALTER TABLE nous_gen.t_irun ADD COLUMN cid bigint;
  UPDATE nous_gen.t_irun SET cid = id / 1000;

  PERFORM nous_gen.territory_tables(seed, scale, with_geometry);
END
$fn$;

-- Codes, names, populations and the final tables of the territory.
CREATE FUNCTION nous_gen.territory_tables(seed bigint, scale int, with_geometry boolean)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  n int;
BEGIN
  DROP TABLE IF EXISTS nous_demo.squares, nous_demo.qpv, nous_demo.iris, nous_demo.communes,
                       nous_demo.epci CASCADE;
  -- EPCI: SIREN '24' + département + 4 digits + Luhn key
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_ecode AS
    SELECT k, dep_ord, dep, b || nous_gen.luhn_digit(b) AS epci_code
      FROM (SELECT k, dep_ord, (nous_gen.dep_codes())[(dep_ord - 1 + 70) % 94 + 1] AS dep,
                   '24' || (nous_gen.dep_codes())[(dep_ord - 1 + 70) % 94 + 1]
                   || lpad((100 + 37 * row_number() OVER (PARTITION BY dep_ord ORDER BY k))::text, 4, '0') AS b
              FROM nous_gen.t_node WHERE k <= {scale}) x $q$, seed, scale);
  -- communes: département + 3 digits, numbered by EPCI then rank; names from
  -- a per-département permutation of 800 distinct bases, so no two communes
  -- of a département share a name
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_ccode AS
    SELECT c.cid, c.k, c.kind, e.dep, e.epci_code, x.serial,
           e.dep || lpad(x.serial::text, 3, '0') AS com_code,
           (nous_gen.commune_bases())[((x.serial - 1) * 277
                                       + floor(800 * nous_gen.u(e.dep_ord, 40, {seed}))::int) % 800 + 1]
           || CASE WHEN nous_gen.u(c.cid, 41, {seed}) < 0.45
                   THEN (nous_gen.commune_suffixes())[1 + floor(30 * nous_gen.u(c.cid, 42, {seed}))::int]
                   ELSE '' END AS name
      FROM nous_gen.t_com c JOIN nous_gen.t_ecode e ON e.k = c.k
      JOIN (SELECT cid, row_number() OVER (PARTITION BY e.dep_ord ORDER BY c.k, c.cid) AS serial
              FROM nous_gen.t_com c JOIN nous_gen.t_ecode e ON e.k = c.k) x ON x.cid = c.cid $q$,
    seed, scale);
  SELECT max(serial) INTO n FROM nous_gen.t_ccode;
  IF n > 800 THEN
    RAISE EXCEPTION 'a département has % communes, more than the 800 names', n;
  END IF;
  -- IRIS: commune code + 4 digits (0000 for a commune not split)
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_icode AS
    SELECT i.iid, i.cid, c.com_code,
           CASE WHEN i.split
                THEN c.com_code || lpad(((i.iid % 1000 - 1) / 5 + 1)::text, 2, '0')
                                || lpad(((i.iid % 1000 - 1) % 5 + 1)::text, 2, '0')
                ELSE c.com_code || '0000' END AS iris_code,
           CASE WHEN i.split
                THEN (nous_gen.iris_names())[((i.iid % 1000 - 1) * 23
                                               + floor(70 * nous_gen.u(i.cid, 45, {seed}))::int) % 70 + 1]
                ELSE c.name END AS name
      FROM nous_gen.t_iris i JOIN nous_gen.t_ccode c ON c.cid = i.cid $q$, seed, scale);
  -- QPV: 'QN' + 3-digit département + 2 digits + a letter
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_qcode AS
    SELECT q.qid, q.cid, c.com_code, c.epci_code, x.serial,
           'QN0' || c.dep || lpad(x.serial::text, 2, '0')
           || chr(65 + floor(26 * nous_gen.u(q.qid, 27, {seed}))::int) AS qpv_code,
           (nous_gen.qpv_names())[1 + x.a]
           || CASE WHEN nous_gen.u(q.qid, 29, {seed}) < 0.3
                   THEN ' - ' || (nous_gen.qpv_names())[1 + (x.a + 1 + floor(49 * nous_gen.u(q.qid, 30, {seed}))::int) % 50]
                   ELSE '' END AS name
      FROM nous_gen.t_qpv q JOIN nous_gen.t_ccode c ON c.cid = q.cid
      JOIN (SELECT q.qid, row_number() OVER (PARTITION BY c.dep ORDER BY q.qid) AS serial,
                   floor(50 * nous_gen.u(q.qid, 28, {seed}))::int AS a
              FROM nous_gen.t_qpv q JOIN nous_gen.t_ccode c ON c.cid = q.cid) x ON x.qid = q.qid $q$,
    seed, scale);
  SELECT max(serial) INTO n FROM nous_gen.t_qcode;
  IF n > 99 THEN
    RAISE EXCEPTION 'a département has % QPV, more than 99', n;
  END IF;

  PERFORM nous_gen.step('codes and names');
  -- squares: a latent fragility z drives every indicator (QPV, urban core,
  -- IRIS effect, square noise); each indicator adds its own noise and is
  -- NULL for about 2 % of squares, as secrecy-filtered data are
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_sq AS
    WITH s AS (
      SELECT c.*, ir.id AS iid, nous_gen.gauss2(c.d0sq, c.core_r) AS core
        FROM nous_gen.t_cell c
        JOIN nous_gen.t_irun ir ON ir.cid = c.cid AND ir.row = c.row AND c.col BETWEEN ir.lo AND ir.hi
    )
    SELECT s.*, 1.35 * (s.qid IS NOT NULL)::int + 0.35 * s.core
                + 0.45 * nous_gen.z(s.iid, 31, {seed}) + 0.55 * nous_gen.z(s.square_id, 104, {seed}) - 0.1 AS zq,
           least(3.2, greatest(1.4, 2.25 - 0.25 * s.core + 0.2 * (s.qid IS NOT NULL)::int
                                    + 0.15 * nous_gen.z(s.square_id, 124, {seed}))) AS hh_size
      FROM s $q$, seed, scale);
  PERFORM nous_gen.step('squares: iris');
  DROP TABLE IF EXISTS nous_gen.sq_latent;
  PERFORM nous_gen.exec($q$
    CREATE TABLE nous_gen.sq_latent AS
    SELECT square_id, zq, (qid IS NOT NULL) AS in_qpv,
           22500 * exp(-0.21 * zq + 0.06 * nous_gen.z(square_id, 106, {seed})) AS income_med,
           nous_gen.logistic(-2.3 + 1.25 * zq + 0.5 * nous_gen.z(square_id, 120, {seed})) AS social
      FROM nous_gen.t_sq $q$, seed, scale);
  ALTER TABLE nous_gen.sq_latent ADD PRIMARY KEY (square_id);
  COMMENT ON TABLE nous_gen.sq_latent IS
    'latent values of each square before rounding and secrecy (used by the households, applications and moves generators)';

  PERFORM nous_gen.step('squares: latent');
  PERFORM nous_gen.exec(replace($q$
    CREATE TABLE nous_demo.squares AS
    SELECT s.square_id,
           'CRS2154RES200mN' || (200 * s.row) || 'E' || (200 * s.col) AS idcar,
           c.com_code, i.iris_code, c.epci_code, q.qpv_code,
           s.pop AS population,
           nous_gen.r(greatest(1.0, s.pop / s.hh_size), 1) AS households,
           nous_gen.r(greatest(1.0, s.pop / s.hh_size)
                      * nous_gen.logistic(-1.9 + 0.65 * s.zq + 0.2 * nous_gen.z(s.square_id, 122, {seed})), 1) AS poor_households,
           CASE WHEN nous_gen.u(s.square_id, 130, {seed}) >= 0.02 THEN nous_gen.r(l.income_med, -1) END AS median_income_uc,
           CASE WHEN nous_gen.u(s.square_id, 131, {seed}) >= 0.02
                THEN nous_gen.r(nous_gen.logistic(-2.35 + 0.55 * s.zq + 0.2 * nous_gen.z(s.square_id, 108, {seed})), 4) END AS unemployment_rate,
           CASE WHEN nous_gen.u(s.square_id, 132, {seed}) >= 0.02
                THEN nous_gen.r(nous_gen.logistic(-2.0 + 0.5 * s.zq + 0.25 * nous_gen.z(s.square_id, 110, {seed})), 4) END AS youth_inactivity_rate,
           CASE WHEN nous_gen.u(s.square_id, 133, {seed}) >= 0.02
                THEN nous_gen.r(nous_gen.logistic(-1.25 + 0.28 * s.zq + 0.15 * nous_gen.z(s.square_id, 112, {seed})), 4) END AS inactivity_rate,
           CASE WHEN nous_gen.u(s.square_id, 134, {seed}) >= 0.02
                THEN nous_gen.r(nous_gen.logistic(-1.6 + 0.55 * s.zq + 0.2 * nous_gen.z(s.square_id, 114, {seed})), 4) END AS no_diploma_rate,
           CASE WHEN nous_gen.u(s.square_id, 135, {seed}) >= 0.02
                THEN nous_gen.r(nous_gen.logistic(-2.0 + 0.45 * s.zq + 0.25 * nous_gen.z(s.square_id, 116, {seed})), 4) END AS single_parent_rate,
           CASE WHEN nous_gen.u(s.square_id, 136, {seed}) >= 0.02
                THEN nous_gen.r(nous_gen.logistic(-2.9 + 0.6 * s.zq + 0.25 * nous_gen.z(s.square_id, 118, {seed})), 4) END AS overcrowding_rate,
           CASE WHEN nous_gen.u(s.square_id, 137, {seed}) >= 0.02 THEN nous_gen.r(l.social, 4) END AS social_housing_rate,
           CASE WHEN {geom} THEN ST_MakeEnvelope(200 * s.col, 200 * s.row, 200 * s.col + 200, 200 * s.row + 200, 2154) END
             ::geometry(Polygon, 2154) AS geom
      FROM nous_gen.t_sq s
      JOIN nous_gen.sq_latent l USING (square_id)
      JOIN nous_gen.t_ccode c ON c.cid = s.cid
      JOIN nous_gen.t_icode i ON i.iid = s.iid
      LEFT JOIN nous_gen.t_qcode q ON q.qid = s.qid $q$, '{geom}', with_geometry::text), seed, scale);

  PERFORM nous_gen.step('squares: table');
  -- populations of the areas: exact sums of the squares' populations
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_pop AS
    SELECT s.cid, s.iid, s.qid, sum(s.pop::numeric) AS pop
      FROM nous_gen.t_sq s GROUP BY GROUPING SETS ((s.cid), (s.iid), (s.qid)) $q$, seed, scale);

  CREATE TABLE nous_demo.epci AS
  SELECT e.epci_code, x.name, e.dep AS dep_code, x.kind, x.population,
         ST_Multi(g.geom)::geometry(MultiPolygon, 2154) AS geom
    FROM nous_gen.t_ecode e
    JOIN nous_gen.t_egeom g ON g.id = e.k
    JOIN LATERAL (
      SELECT round(sum(p.pop))::int AS population, min(c.name) FILTER (WHERE c.kind = 'centre') AS centre
        FROM nous_gen.t_ccode c JOIN nous_gen.t_pop p ON p.cid = c.cid AND p.iid IS NULL
       WHERE c.k = e.k) t ON true
    CROSS JOIN LATERAL (
      SELECT t.population,
             CASE WHEN t.population >= 250000 THEN 'ME' WHEN t.population >= 120000 THEN 'CU'
                  WHEN t.population >= 45000 THEN 'CA' ELSE 'CC' END AS kind,
             CASE WHEN t.population >= 250000 THEN t.centre || ' Métropole'
                  WHEN t.population >= 120000 THEN 'Communauté urbaine ' || nous_gen.de(t.centre)
                  WHEN t.population >= 45000 THEN
                    CASE WHEN nous_gen.u(e.k, 50, seed) < 0.3 THEN t.centre || ' Agglo'
                         ELSE 'Communauté d''agglomération ' || nous_gen.de(t.centre) END
                  ELSE CASE WHEN nous_gen.u(e.k, 50, seed) < 0.4
                            THEN 'Communauté de communes du Pays ' || nous_gen.de(t.centre)
                            ELSE 'Communauté de communes ' || nous_gen.de(t.centre) END
             END AS name) x;

  CREATE TABLE nous_demo.communes AS
  SELECT c.com_code, c.name, c.epci_code, c.dep AS dep_code, c.kind,
         round(p.pop)::int AS population, g.geom::geometry(MultiPolygon, 2154) AS geom
    FROM nous_gen.t_ccode c
    JOIN nous_gen.t_cgeom g ON g.id = c.cid
    LEFT JOIN nous_gen.t_pop p ON p.cid = c.cid AND p.iid IS NULL AND p.qid IS NULL;

  CREATE TABLE nous_demo.iris AS
  SELECT i.iris_code, i.name, i.com_code, coalesce(round(p.pop), 0)::int AS population,
         g.geom::geometry(MultiPolygon, 2154) AS geom
    FROM nous_gen.t_icode i
    JOIN nous_gen.t_igeom g ON g.id = i.iid
    LEFT JOIN nous_gen.t_pop p ON p.iid = i.iid;

  CREATE TABLE nous_demo.qpv AS
  SELECT q.qpv_code, q.name, q.com_code, q.epci_code, coalesce(round(p.pop), 0)::int AS population,
         ST_Multi(g.geom)::geometry(MultiPolygon, 2154) AS geom
    FROM nous_gen.t_qcode q
    JOIN nous_gen.t_qpv g ON g.qid = q.qid
    LEFT JOIN nous_gen.t_pop p ON p.qid = q.qid;

  PERFORM nous_gen.step('area tables');
  ALTER TABLE nous_demo.epci ADD PRIMARY KEY (epci_code);
  ALTER TABLE nous_demo.communes ADD PRIMARY KEY (com_code),
    ADD FOREIGN KEY (epci_code) REFERENCES nous_demo.epci;
  ALTER TABLE nous_demo.iris ADD PRIMARY KEY (iris_code),
    ADD FOREIGN KEY (com_code) REFERENCES nous_demo.communes;
  ALTER TABLE nous_demo.qpv ADD PRIMARY KEY (qpv_code),
    ADD FOREIGN KEY (com_code) REFERENCES nous_demo.communes;
  ALTER TABLE nous_demo.squares ADD PRIMARY KEY (square_id);
  CREATE INDEX ON nous_demo.squares (com_code);
  CREATE INDEX ON nous_demo.squares (iris_code);
  CREATE INDEX ON nous_demo.squares (qpv_code) WHERE qpv_code IS NOT NULL;
  CREATE INDEX ON nous_demo.communes (epci_code);
  CREATE INDEX ON nous_demo.iris (com_code);
  CREATE INDEX ON nous_demo.epci USING gist (geom);
  CREATE INDEX ON nous_demo.communes USING gist (geom);
  CREATE INDEX ON nous_demo.iris USING gist (geom);
  CREATE INDEX ON nous_demo.qpv USING gist (geom);
  IF with_geometry THEN
    CREATE INDEX ON nous_demo.squares USING gist (geom);
  END IF;
  ANALYZE nous_demo.epci;
  ANALYZE nous_demo.communes;
  ANALYZE nous_demo.iris;
  ANALYZE nous_demo.qpv;
  ANALYZE nous_demo.squares;
  ANALYZE nous_gen.sq_latent;
  PERFORM nous_gen.step('territory indexes');
END
$fn$;

-- the seed the territory was generated with
CREATE FUNCTION nous_gen.seed() RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $fn$ BEGIN RETURN (SELECT seed FROM nous_demo.generation); END $fn$;

------------------------------------------------------------------------------
-- nous_gen.gen_households: one row per household of every square
------------------------------------------------------------------------------
CREATE FUNCTION nous_gen.gen_households() RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM set_config('work_mem', '256MB', true);
  PERFORM set_config('jit', 'off', true);
  PERFORM nous_gen.step('households');
  DROP TABLE IF EXISTS nous_demo.households;
  -- round(households) households a square; persons 1 + geometric with the
  -- square's mean size; children under 14 a share of the others; income per
  -- consumption unit log-normal around the square's latent median
  PERFORM nous_gen.exec($q$
    CREATE TABLE nous_demo.households AS
    WITH h AS (
      SELECT s.square_id, s.square_id * 10000 + j AS household_id, l.income_med, l.in_qpv,
             greatest(0.05, s.population / s.households - 1) AS extra_mean
        FROM nous_demo.squares s JOIN nous_gen.sq_latent l USING (square_id)
        CROSS JOIN LATERAL generate_series(1, greatest(1, round(s.households))::int) j
    ), p AS (
      SELECT h.*, least(8, floor(ln(1 - nous_gen.u(household_id, 200, {seed}))
                                 / ln(extra_mean / (1 + extra_mean))))::int AS extra
        FROM h
    ), c AS (
      SELECT p.*, least(extra, floor(extra * CASE WHEN in_qpv THEN 0.5 ELSE 0.42 END
                                     + nous_gen.u(household_id, 201, {seed})))::int AS under14
        FROM p
    )
    SELECT household_id, square_id, 1 + extra - under14 AS persons_14_plus, under14 AS persons_under_14,
           round((round(income_med * exp(0.5 * nous_gen.z(household_id, 202, {seed})))
                  * (1 + 0.5 * (extra - under14) + 0.3 * under14))::numeric, 2)::float8 AS income,
           round(income_med * exp(0.5 * nous_gen.z(household_id, 202, {seed})))::float8 AS income_uc,
           in_qpv
      FROM c $q$, nous_gen.seed());
  UPDATE nous_demo.generation SET with_households = true;
  ALTER TABLE nous_demo.households ADD PRIMARY KEY (household_id);
  CREATE INDEX ON nous_demo.households (square_id);
  ANALYZE nous_demo.households;
END
$fn$;

------------------------------------------------------------------------------
-- nous_gen.gen_applications: social-housing applications alive in 2025
-- (pending on 31 December 2024 or filed in 2025) and the 2025 allocations
------------------------------------------------------------------------------
CREATE FUNCTION nous_gen.gen_applications() RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM set_config('work_mem', '256MB', true);
  PERFORM set_config('jit', 'off', true);
  PERFORM nous_gen.step('applications');
  DROP TABLE IF EXISTS nous_demo.allocations, nous_demo.applications;
  DROP TABLE IF EXISTS nous_gen.t_social, nous_gen.t_qsocial, nous_gen.t_acom, nous_gen.t_aepci;
  -- social-housing stock (in persons) by commune and by QPV, from the
  -- squares' latent social-housing rates
  CREATE UNLOGGED TABLE nous_gen.t_qsocial AS
  SELECT s.qpv_code, s.com_code, sum((s.population * l.social)::numeric)::float8 AS stock
    FROM nous_demo.squares s JOIN nous_gen.sq_latent l USING (square_id)
   WHERE s.qpv_code IS NOT NULL GROUP BY s.qpv_code, s.com_code;
  CREATE UNLOGGED TABLE nous_gen.t_social AS
  SELECT c.com_code, c.epci_code, c.name, c.kind, c.population,
         coalesce(x.stock, 0) AS stock, coalesce(x.qstock, 0) AS qstock,
         qa.qpv_codes, qa.qpv_lb
    FROM nous_demo.communes c
    LEFT JOIN (SELECT com_code, array_agg(qpv_code ORDER BY qpv_code) AS qpv_codes,
                      array_agg(lb ORDER BY qpv_code) AS qpv_lb
                 FROM (SELECT q.com_code, q.qpv_code,
                              (sum(q.stock) OVER w - q.stock) / sum(q.stock) OVER (PARTITION BY q.com_code) AS lb
                         FROM nous_gen.t_qsocial q
                       WINDOW w AS (PARTITION BY q.com_code ORDER BY q.qpv_code)) x
                GROUP BY com_code) qa USING (com_code)
    LEFT JOIN (SELECT s.com_code, sum((s.population * l.social)::numeric)::float8 AS stock,
                      sum((s.population * l.social)::numeric) FILTER (WHERE l.in_qpv)::float8 AS qstock
                 FROM nous_demo.squares s JOIN nous_gen.sq_latent l USING (square_id)
                GROUP BY s.com_code) x USING (com_code);
  -- per EPCI: its communes with lower bounds of their share of the social
  -- stock (to draw the commune of a dwelling), its centre, whether it has QPV
  CREATE UNLOGGED TABLE nous_gen.t_aepci AS
  SELECT epci_code, sum(population) AS epop, sum(0.3 * population + stock) AS wt,
         array_agg(com_code ORDER BY com_code) AS e_codes,
         CASE WHEN sum(stock) > 0 THEN array_agg(lb ORDER BY com_code) END AS e_lb,
         min(name) FILTER (WHERE kind = 'centre') AS centre,
         epci_code IN (SELECT epci_code FROM nous_demo.qpv) AS epci_has_qpv
    FROM (SELECT s.*, (sum(stock) OVER w - stock) / nullif(sum(stock) OVER (PARTITION BY epci_code), 0) AS lb
            FROM nous_gen.t_social s WINDOW w AS (PARTITION BY epci_code ORDER BY com_code)) x
   GROUP BY epci_code;
  ANALYZE nous_gen.t_aepci;
  -- expected applications by commune of first wish: 3.0 % of the EPCI's
  -- population, shared between its communes by 0.3 x population + stock
  PERFORM nous_gen.exec($q$
    CREATE UNLOGGED TABLE nous_gen.t_acom AS
    WITH n AS (
      SELECT s.com_code, s.epci_code, e.epci_has_qpv,
             CASE WHEN s.stock > 0 THEN s.qstock / s.stock ELSE 0 END AS qshare,
             floor(0.0301 * e.epop * (0.3 * s.population + s.stock) / nullif(e.wt, 0)
                   + nous_gen.u(s.com_code::bigint, 300, {seed}))::int AS n
        FROM nous_gen.t_social s JOIN nous_gen.t_aepci e USING (epci_code)
    )
    SELECT n.*, sum(n) OVER (ORDER BY com_code) - n AS first_id FROM n $q$, nous_gen.seed());
  ANALYZE nous_gen.t_acom;
  -- applications
  PERFORM nous_gen.exec($q$
    CREATE TABLE nous_demo.applications AS
    WITH a AS (
      SELECT c.epci_code, c.com_code, c.qshare, c.first_id + j AS application_id, c.epci_has_qpv
        FROM nous_gen.t_acom c CROSS JOIN LATERAL generate_series(1, c.n) j
    ), b AS (
      SELECT a.*,
             nous_gen.u(application_id, 301, {seed}) < 0.80 AS pending,
             nous_gen.u(application_id, 302, {seed}) AS uf,
             CASE WHEN nous_gen.u(application_id, 303, {seed}) < 0.48 THEN 1
                  WHEN nous_gen.u(application_id, 303, {seed}) < 0.83 THEN 2
                  WHEN nous_gen.u(application_id, 303, {seed}) < 0.95 THEN 3 ELSE 4 END AS p14,
             CASE WHEN nous_gen.u(application_id, 304, {seed}) < 0.56 THEN 0
                  WHEN nous_gen.u(application_id, 304, {seed}) < 0.76 THEN 1
                  WHEN nous_gen.u(application_id, 304, {seed}) < 0.90 THEN 2
                  WHEN nous_gen.u(application_id, 304, {seed}) < 0.97 THEN 3 ELSE 4 END AS p0,
             nous_gen.z(application_id, 316, {seed}) AS zi
        FROM a
    ), c AS (
      SELECT application_id, epci_code, com_code,
             CASE WHEN pending THEN date '2024-12-31' - least(3650, floor(-620 * ln(1 - uf)))::int
                  ELSE date '2025-01-01' + floor(365 * uf)::int END AS filed_on,
             pending, p14, p0,
             round(11800 * exp(0.6 * zi - 0.25 * qshare)) AS income_uc,
             nous_gen.u(application_id, 306, {seed}) < CASE WHEN zi < -0.6 THEN 0.36 ELSE 0.16 END AS priority,
             epci_has_qpv AND nous_gen.u(application_id, 307, {seed}) < 0.012 AS renewal
        FROM b
    )
    -- satisfied in 2025 with a probability that grows with priority,
    -- renewal and seniority, on a day after filing
    SELECT application_id, epci_code, com_code, filed_on, pending AS pending_at_year_start,
           p14 AS persons_14_plus, p0 AS persons_under_14,
           round((income_uc * (1 + 0.5 * (p14 - 1) + 0.3 * p0))::numeric, 2)::float8 AS income,
           income_uc::float8 AS income_uc, priority, renewal,
           CASE WHEN filed_on + 14 <= date '2025-12-31'
                 AND nous_gen.u(application_id, 308, {seed})
                     < least(0.95, 0.155 * CASE WHEN priority THEN 1.6 ELSE 1 END
                                       * CASE WHEN renewal THEN 3.5 ELSE 1 END
                                       * CASE WHEN pending THEN 1 + 0.1 * least(4, (date '2025-01-01' - filed_on) / 365.0)
                                              ELSE 0.55 END)
                THEN greatest(date '2025-01-01', filed_on + 14)
                     + floor((date '2025-12-31' - greatest(date '2025-01-01', filed_on + 14) + 1)
                             * nous_gen.u(application_id, 309, {seed}))::int
           END AS satisfied_on
      FROM c $q$, nous_gen.seed());
  -- allocations: the dwelling is in the first wished commune (80 %) or
  -- another of the EPCI by social stock; it is in a QPV with the commune's
  -- QPV share of the stock, more often for poorer applicants
  PERFORM nous_gen.exec($q$
    CREATE TABLE nous_demo.allocations AS
    WITH a AS (
      SELECT a.* FROM nous_demo.applications a WHERE a.satisfied_on IS NOT NULL
    ), d AS (
      SELECT a.*, a.satisfied_on AS allocated_on,
             CASE WHEN nous_gen.u(a.application_id, 310, {seed}) < 0.8 OR c.e_lb IS NULL THEN a.com_code
                  ELSE c.e_codes[width_bucket(nous_gen.u(a.application_id, 311, {seed}), c.e_lb)] END AS dwelling_com,
             c.centre
        FROM a JOIN nous_gen.t_aepci c ON c.epci_code = a.epci_code
    ), q AS (
      SELECT d.*, s.qpv_codes, s.qpv_lb,
             s.qpv_codes IS NOT NULL
             AND nous_gen.u(d.application_id, 312, {seed})
                 < least(0.95, CASE WHEN s.stock > 0 THEN s.qstock / s.stock ELSE 0 END
                               * CASE WHEN d.income_uc < 7500 THEN 1.5 WHEN d.income_uc < 11000 THEN 1.0 ELSE 0.55 END
                               * CASE WHEN d.renewal THEN 0.6 ELSE 1 END) AS in_qpv
        FROM d JOIN nous_gen.t_social s ON s.com_code = d.dwelling_com
    )
    SELECT row_number() OVER (ORDER BY application_id) AS allocation_id, application_id, epci_code,
           dwelling_com AS com_code,
           CASE WHEN in_qpv THEN qpv_codes[width_bucket(nous_gen.u(application_id, 313, {seed}), qpv_lb)] END AS qpv_code,
           in_qpv,
           CASE WHEN lu < 0.45 THEN centre || ' Habitat'
                ELSE (nous_gen.landlords())[1 + (floor(12 * nous_gen.u(epci_code::bigint, 320, {seed}))::int
                                                 + 5 * CASE WHEN lu < 0.70 THEN 0 WHEN lu < 0.88 THEN 1 ELSE 2 END) % 12]
           END AS landlord,
           CASE WHEN ru < CASE WHEN priority THEN 0.55 ELSE 0.15 END THEN 'prefet'
                WHEN ru < CASE WHEN priority THEN 0.67 ELSE 0.43 END THEN 'action_logement'
                WHEN ru < CASE WHEN priority THEN 0.77 ELSE 0.65 END THEN 'commune'
                WHEN ru < CASE WHEN priority THEN 0.80 ELSE 0.70 END THEN 'epci'
                ELSE 'bailleur' END AS reserving_body,
           allocated_on, renewal, priority
      FROM (SELECT q.*, nous_gen.u(application_id, 314, {seed}) AS lu,
                   nous_gen.u(application_id, 315, {seed}) AS ru FROM q) q $q$, nous_gen.seed());
  ALTER TABLE nous_demo.applications ADD PRIMARY KEY (application_id);
  ALTER TABLE nous_demo.allocations ADD PRIMARY KEY (allocation_id),
    ADD FOREIGN KEY (application_id) REFERENCES nous_demo.applications,
    ADD UNIQUE (application_id);
  CREATE INDEX ON nous_demo.applications (epci_code);
  CREATE INDEX ON nous_demo.allocations (epci_code);
  ANALYZE nous_demo.applications;
  ANALYZE nous_demo.allocations;
  DROP TABLE nous_gen.t_social, nous_gen.t_qsocial, nous_gen.t_acom, nous_gen.t_aepci;
END
$fn$;

------------------------------------------------------------------------------
-- nous_gen.gen_moves: residential moves over one year, census style: one row
-- a sampled person with a weight, stayers included (origin = destination)
------------------------------------------------------------------------------
CREATE FUNCTION nous_gen.gen_moves() RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM set_config('work_mem', '256MB', true);
  PERFORM set_config('jit', 'off', true);
  PERFORM nous_gen.step('moves');
  DROP TABLE IF EXISTS nous_demo.moves;
  DROP TABLE IF EXISTS nous_gen.t_mi, nous_gen.t_mo, nous_gen.t_me, nous_gen.t_mei, nous_gen.t_mq;
  -- IRIS population and population-weighted centre (exact numeric sums)
  CREATE UNLOGGED TABLE nous_gen.t_mi AS
  SELECT i.iris_code, i.com_code, c.epci_code, coalesce(x.pop, 0) AS pop, x.cx, x.cy
    FROM nous_demo.iris i JOIN nous_demo.communes c USING (com_code)
    LEFT JOIN (SELECT s.iris_code, sum(s.population::numeric)::float8 AS pop,
                      (sum(s.population::numeric * (s.square_id % 10000 * 200 + 100))
                       / sum(s.population::numeric))::float8 AS cx,
                      (sum(s.population::numeric * (s.square_id / 10000 * 200 + 100))
                       / sum(s.population::numeric))::float8 AS cy
                 FROM nous_demo.squares s GROUP BY s.iris_code) x USING (iris_code);
  ANALYZE nous_gen.t_mi;
  -- destinations within the EPCI from each origin IRIS: population x
  -- exp(-distance / 3 km), the origin itself included
  CREATE UNLOGGED TABLE nous_gen.t_mo AS
  SELECT o_code AS iris_code, array_agg(d_code ORDER BY d_code) AS codes, array_agg(lb ORDER BY d_code) AS lb
    FROM (SELECT o.iris_code AS o_code, d.iris_code AS d_code,
                 (sum(w.w) OVER w1 - w.w) / sum(w.w) OVER w2 AS lb
            FROM nous_gen.t_mi o JOIN nous_gen.t_mi d ON d.epci_code = o.epci_code
            CROSS JOIN LATERAL (SELECT CASE WHEN d.pop > 0
                                            THEN d.pop * exp(-least(sqrt((d.cx - o.cx) ^ 2 + (d.cy - o.cy) ^ 2) / 3000, 700))
                                            ELSE 0 END AS w) w
           WHERE o.pop > 0
          WINDOW w1 AS (PARTITION BY o.iris_code ORDER BY d.iris_code), w2 AS (PARTITION BY o.iris_code)) x
   GROUP BY o_code;
  ANALYZE nous_gen.t_mo;
  -- moves out of the EPCI go to the other EPCI within 60 km, by population
  -- x exp(-distance / 25 km), then to an IRIS of it by population
  CREATE UNLOGGED TABLE nous_gen.t_me AS
  WITH e AS (
    SELECT epci_code, sum(pop::numeric)::float8 AS pop,
           (sum(pop::numeric * cx::numeric) / nullif(sum(pop::numeric), 0))::float8 AS cx,
           (sum(pop::numeric * cy::numeric) / nullif(sum(pop::numeric), 0))::float8 AS cy
      FROM nous_gen.t_mi WHERE pop > 0 GROUP BY epci_code
  ), p AS (
    SELECT o.epci_code AS o_code, d.epci_code AS d_code,
           d.pop * exp(-sqrt((d.cx - o.cx) ^ 2 + (d.cy - o.cy) ^ 2) / 25000) AS w
      FROM e o JOIN e d ON d.epci_code <> o.epci_code
       AND (d.cx - o.cx) ^ 2 + (d.cy - o.cy) ^ 2 < 60000.0 ^ 2
  )
  SELECT o_code AS epci_code, array_agg(d_code ORDER BY d_code) AS codes, array_agg(lb ORDER BY d_code) AS lb
    FROM (SELECT o_code, d_code, (sum(w) OVER w1 - w) / sum(w) OVER w2 AS lb FROM p
          WINDOW w1 AS (PARTITION BY o_code ORDER BY d_code), w2 AS (PARTITION BY o_code)) x
   GROUP BY o_code;
  CREATE UNLOGGED TABLE nous_gen.t_mei AS
  SELECT epci_code, array_agg(iris_code ORDER BY iris_code) AS codes, array_agg(lb ORDER BY iris_code) AS lb
    FROM (SELECT epci_code, iris_code, (sum(pop) OVER w1 - pop) / sum(pop) OVER w2 AS lb
            FROM nous_gen.t_mi WHERE pop > 0
          WINDOW w1 AS (PARTITION BY epci_code ORDER BY iris_code), w2 AS (PARTITION BY epci_code)) x
   GROUP BY epci_code;
  -- the QPV (or none, '') of a destination within its IRIS, by population
  CREATE UNLOGGED TABLE nous_gen.t_mq AS
  SELECT iris_code, array_agg(qpv ORDER BY qpv) AS codes, array_agg(lb ORDER BY qpv) AS lb
    FROM (SELECT iris_code, qpv, (sum(pop) OVER w1 - pop) / sum(pop) OVER w2 AS lb
            FROM (SELECT iris_code, coalesce(qpv_code, '') AS qpv, sum(population::numeric)::float8 AS pop
                    FROM nous_demo.squares GROUP BY 1, 2) q
          WINDOW w1 AS (PARTITION BY iris_code ORDER BY qpv), w2 AS (PARTITION BY iris_code)) x
   GROUP BY iris_code;
  ANALYZE nous_gen.t_me;
  ANALYZE nous_gen.t_mei;
  ANALYZE nous_gen.t_mq;

  -- rows: 0.1254 sampled persons an inhabitant (8,000 rows for an EPCI of
  -- 63,800), by stochastic rounding in each square; each row is in 2023 or
  -- 2024 and weighs about 2 / 0.1254, so each year's weights add up to the
  -- population. Income quartiles use national thresholds of income per
  -- consumption unit (16,500 / 22,400 / 30,500 EUR). About 11.5 % move; in
  -- QPV the better-off move more often, and better-off movers avoid QPV.
  PERFORM nous_gen.exec($q$
    CREATE TABLE nous_demo.moves AS
    WITH s AS (
      SELECT sq.square_id, sq.com_code, sq.iris_code, sq.epci_code, sq.qpv_code, l.income_med, l.in_qpv,
             floor(sq.population * 0.1254 + nous_gen.u(sq.square_id, 400, {seed}))::int AS n
        FROM nous_demo.squares sq JOIN nous_gen.sq_latent l USING (square_id)
    ), o AS (
      SELECT s.*, sum(n) OVER (ORDER BY square_id) - n AS first_id FROM s WHERE n > 0
    ), r AS (
      SELECT o.square_id, o.com_code, o.iris_code, o.epci_code, o.qpv_code, o.in_qpv, o.first_id + j AS move_id,
             o.income_med * exp(0.5 * nous_gen.z(o.first_id + j, 404, {seed})) AS inc
        FROM o CROSS JOIN LATERAL generate_series(1, o.n) j
    ), q AS (
      SELECT r.*, CASE WHEN inc < 16500 THEN 1 WHEN inc < 22400 THEN 2 WHEN inc < 30500 THEN 3 ELSE 4 END AS quart,
             2023 + (nous_gen.u(move_id, 401, {seed}) < 0.5)::int AS year,
             round((2 / 0.1254 * exp(0.1 * nous_gen.z(move_id, 402, {seed}) - 0.005))::numeric, 2)::float8 AS weight
        FROM r
    ), m AS (
      SELECT q.*, nous_gen.u(move_id, 406, {seed})
                  < CASE WHEN in_qpv THEN (ARRAY[0.10, 0.115, 0.14, 0.165])[quart] ELSE 0.115 END AS mover
        FROM q
    ), d1 AS (
      -- movers leave the EPCI (22 %, if it has neighbours) or draw an IRIS of it
      SELECT m.*, m.mover AND e.codes IS NOT NULL AND nous_gen.u(move_id, 407, {seed}) < 0.22 AS leaves,
             CASE WHEN m.mover AND e.codes IS NOT NULL
                  THEN e.codes[width_bucket(nous_gen.u(move_id, 408, {seed}), e.lb)] END AS d_epci,
             CASE WHEN m.mover THEN mo.codes[width_bucket(nous_gen.u(move_id, 409, {seed}), mo.lb)] END AS d_local
        FROM m LEFT JOIN nous_gen.t_me e ON e.epci_code = m.epci_code AND m.mover
        LEFT JOIN nous_gen.t_mo mo ON mo.iris_code = m.iris_code AND m.mover
    ), d2 AS (
      SELECT d1.*, CASE WHEN NOT mover THEN iris_code
                        WHEN leaves THEN ei.codes[width_bucket(nous_gen.u(move_id, 409, {seed}), ei.lb)]
                        ELSE d_local END AS d_iris
        FROM d1 LEFT JOIN nous_gen.t_mei ei ON ei.epci_code = d1.d_epci AND d1.leaves
    ), d3 AS (
      SELECT d2.*, mi.com_code AS d_com,
             nullif(mq.codes[width_bucket(nous_gen.u(move_id, 410, {seed}), mq.lb)], '') AS q1,
             nullif(mq.codes[width_bucket(nous_gen.u(move_id, 412, {seed}), mq.lb)], '') AS q2
        FROM d2 LEFT JOIN nous_gen.t_mi mi ON mi.iris_code = d2.d_iris AND d2.mover
        LEFT JOIN nous_gen.t_mq mq ON mq.iris_code = d2.d_iris AND d2.mover
    )
    SELECT move_id, com_code AS origin_com, CASE WHEN mover THEN d_com ELSE com_code END AS destination_com,
           iris_code AS origin_iris, d_iris AS destination_iris, qpv_code AS origin_qpv,
           CASE WHEN NOT mover THEN qpv_code
                WHEN q1 IS NOT NULL AND quart >= 3 AND nous_gen.u(move_id, 411, {seed}) < 0.4 THEN q2
                ELSE q1 END AS destination_qpv,
           weight, quart AS income_quartile, year
      FROM d3 $q$, nous_gen.seed());
  ALTER TABLE nous_demo.moves ADD PRIMARY KEY (move_id);
  CREATE INDEX ON nous_demo.moves (origin_com);
  CREATE INDEX ON nous_demo.moves (destination_com);
  ANALYZE nous_demo.moves;
  DROP TABLE nous_gen.t_mi, nous_gen.t_mo, nous_gen.t_me, nous_gen.t_mei, nous_gen.t_mq;
END
$fn$;

------------------------------------------------------------------------------
-- nous_gen.generate: everything, in order
------------------------------------------------------------------------------
CREATE FUNCTION nous_gen.generate(seed bigint DEFAULT 42, scale int DEFAULT 1,
                                  with_geometry boolean DEFAULT true,
                                  with_households boolean DEFAULT NULL)
RETURNS TABLE (table_name text, row_count bigint)
LANGUAGE plpgsql AS $fn$
BEGIN
  with_households := coalesce(with_households, scale <= 5);
  PERFORM nous_gen.step('start');
  DROP SCHEMA IF EXISTS nous_demo CASCADE;
  CREATE SCHEMA nous_demo;
  COMMENT ON SCHEMA nous_demo IS 'demo data of nous, made by test/gen/generate.sql (fictional territory)';
  PERFORM nous_gen.gen_territory(seed, scale, with_geometry);
  IF with_households THEN
    PERFORM nous_gen.gen_households();
  END IF;
  PERFORM nous_gen.gen_applications();
  PERFORM nous_gen.gen_moves();
  PERFORM nous_gen.drop_work();
  PERFORM nous_gen.comments();
  PERFORM nous_gen.step('done');
  RETURN QUERY
  SELECT t.table_name::text, (xpath('/row/c/text()',
           query_to_xml(format('SELECT count(*) AS c FROM nous_demo.%I', t.table_name), false, true, '')))[1]::text::bigint
    FROM information_schema.tables t
   WHERE t.table_schema = 'nous_demo' AND t.table_name <> 'generation'
   ORDER BY array_position(ARRAY['epci','communes','iris','qpv','squares','households',
                                 'applications','allocations','moves'], t.table_name::text);
END
$fn$;

------------------------------------------------------------------------------
-- comments on the tables and columns, for BI tools
------------------------------------------------------------------------------
CREATE FUNCTION nous_gen.comments() RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  c record;
BEGIN
  FOR c IN SELECT * FROM (VALUES
    ('generation', NULL, 'the parameters the demo data were generated with (test/gen/generate.sql)'),
    ('epci', NULL, 'fictional EPCI (intercommunal bodies), Lambert-93'),
    ('epci', 'epci_code', 'SIREN number, 9 digits with a Luhn key'),
    ('epci', 'kind', 'legal kind by population: ME métropole, CU communauté urbaine, CA d''agglomération, CC de communes'),
    ('epci', 'population', 'sum of the population of its squares'),
    ('communes', NULL, 'fictional communes; they tile their EPCI'),
    ('communes', 'com_code', 'INSEE-style code: département (2 digits) + 3 digits'),
    ('communes', 'kind', 'centre (the EPCI''s main town), suburb (touches the centre) or rural'),
    ('communes', 'population', 'sum of the population of its squares'),
    ('iris', NULL, 'fictional IRIS; they tile their commune'),
    ('iris', 'iris_code', 'commune code + 4 digits (0000 when the commune is not split)'),
    ('qpv', NULL, 'fictional quartiers prioritaires (QPV), each inside one commune'),
    ('qpv', 'qpv_code', 'QN + 3-digit département + 2 digits + a letter'),
    ('qpv', 'population', 'sum of the population of the squares whose centre lies in the QPV'),
    ('squares', NULL, 'populated 200 m squares with Filosofi/census-like indicators'),
    ('squares', 'square_id', '(y / 200) * 10000 + x / 200, with (x, y) the lower-left corner in Lambert-93'),
    ('squares', 'idcar', 'CRS2154RES200mN{y}E{x}: lower-left corner in EPSG:2154 (not the INSEE EPSG:3035 grid)'),
    ('squares', 'qpv_code', 'QPV containing the square''s centre, if any'),
    ('squares', 'population', 'inhabitants'),
    ('squares', 'households', 'households'),
    ('squares', 'poor_households', 'households below the poverty line'),
    ('squares', 'median_income_uc', 'median disposable income per consumption unit, EUR a year (NULL: secret)'),
    ('squares', 'unemployment_rate', 'share of the labour force unemployed (NULL: secret)'),
    ('squares', 'youth_inactivity_rate', 'share of 16-25 year olds neither in employment nor in education (NULL: secret)'),
    ('squares', 'inactivity_rate', 'share of 15-64 year olds inactive (NULL: secret)'),
    ('squares', 'no_diploma_rate', 'share of adults out of school without a diploma (NULL: secret)'),
    ('squares', 'single_parent_rate', 'share of families with one parent (NULL: secret)'),
    ('squares', 'overcrowding_rate', 'share of households in overcrowded dwellings (NULL: secret)'),
    ('squares', 'social_housing_rate', 'share of households in social housing (NULL: secret)'),
    ('households', NULL, 'one row per household of each square (demo scales only)'),
    ('households', 'income', 'annual disposable income, EUR'),
    ('households', 'income_uc', 'income per consumption unit (1 + 0.5 per other person 14+ + 0.3 per child under 14)'),
    ('applications', NULL, 'social-housing applications alive in 2025: pending on 31 December 2024 or filed in 2025'),
    ('applications', 'com_code', 'first commune wished'),
    ('applications', 'pending_at_year_start', 'pending on 31 December 2024'),
    ('applications', 'income', 'annual income of the household, EUR'),
    ('applications', 'income_uc', 'income per consumption unit, EUR'),
    ('applications', 'priority', 'DALO or publics prioritaires'),
    ('applications', 'renewal', 'to be rehoused by urban renewal (ANRU/NPRU/ORCOD)'),
    ('applications', 'satisfied_on', 'day of the allocation in 2025, NULL if none'),
    ('allocations', NULL, 'social-housing allocations of 2025'),
    ('allocations', 'com_code', 'commune of the dwelling'),
    ('allocations', 'qpv_code', 'QPV of the dwelling, if any'),
    ('allocations', 'reserving_body', 'prefet, action_logement, commune, epci or bailleur'),
    ('moves', NULL, 'residential moves, census style: sampled persons with weights, stayers included'),
    ('moves', 'weight', 'persons represented; each year''s weights add up to the population'),
    ('moves', 'income_quartile', 'national quartile (1-4) of income per consumption unit'),
    ('moves', 'year', 'census year (residence one year before)')) v(t, col, txt)
  LOOP
    CONTINUE WHEN to_regclass('nous_demo.' || c.t) IS NULL;
    IF c.col IS NULL THEN
      EXECUTE format('COMMENT ON TABLE nous_demo.%I IS %L', c.t, c.txt);
    ELSE
      EXECUTE format('COMMENT ON COLUMN nous_demo.%I.%I IS %L', c.t, c.col, c.txt);
    END IF;
  END LOOP;
END
$fn$;

------------------------------------------------------------------------------
-- run
------------------------------------------------------------------------------
SELECT table_name, row_count
  FROM nous_gen.generate(:_gen_seed, :_gen_scale, :'_gen_geometry'::boolean, :'_gen_households'::boolean);
SET client_min_messages = :'_gen_saved_client_min_messages';
\set ON_ERROR_STOP :_gen_saved_on_error_stop
\unset _gen_saved_client_min_messages
\unset _gen_saved_on_error_stop
\unset _gen_seed
\unset _gen_scale
\unset _gen_geometry
\unset _gen_households
