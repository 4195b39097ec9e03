-- upgrade/stored.sql: the user data of upgrade/data.sql as stored — every
-- stored value in text and (md5 of) binary form, the user's rows in the
-- extension's configuration tables (without timestamps), the contents of the
-- registered and map views, and the shape of the user's objects.  Must print
-- the same before and after ALTER EXTENSION nous UPDATE, and the same as on a
-- fresh install (test/suites/upgrade.sh).
SET client_min_messages = warning;
\pset format unaligned
\pset tuples_only on
SELECT 'value ' || id || ' ' || part
       || ' f=' || coalesce(f::text, 'NULL') || ' p=' || coalesce(p::text, 'NULL')
       || ' c=' || coalesce(c::text, 'NULL') || ' w=' || coalesce(w::text, 'NULL')
       || ' fa=' || coalesce(fa::text, 'NULL') || ' pa=' || coalesce(pa::text, 'NULL')
  FROM up.stored ORDER BY id;
SELECT 'binary ' || id
       || ' f=' || coalesce(md5(nous.flows_send(f)), 'NULL') || ' p=' || coalesce(md5(nous.mixpairs_send(p)), 'NULL')
       || ' c=' || coalesce(md5(nous.mixcounts_send(c)), 'NULL') || ' w=' || coalesce(md5(nous.weights_send(w)), 'NULL')
  FROM up.stored ORDER BY id;
-- a stored value equals the value rebuilt from the source rows
SELECT 'rebuilt flows ' || g || ' ' || (s.f::text = m.f::text)
  FROM (SELECT g, nous.flow_matrix(o, d, w) AS f FROM up.moves GROUP BY g) m
  JOIN up.stored s ON s.part = m.g ORDER BY g;
SELECT 'method ' || family || ' ' || name || ' ' || function::text || ' ' || coalesce(description, '-')
  FROM nous.method_catalog WHERE NOT builtin ORDER BY 1;
SELECT 'index_definition ' || (to_jsonb(d) - 'defined_at')::text FROM nous.index_definitions d ORDER BY 1;
SELECT 'index_component ' || to_jsonb(c)::text FROM nous.index_components c ORDER BY 1;
SELECT 'refresh_view ' || (to_jsonb(v) - 'registered_at')::text FROM nous.refresh_views v ORDER BY 1;
SELECT 'refresh_dependency ' || to_jsonb(d)::text FROM nous.refresh_dependencies d ORDER BY 1;
SELECT 'mv_flows ' || g || ' ' || f::text FROM up.mv_flows ORDER BY g;
SELECT 'mv_seg ' || g || ' ' || d FROM up.mv_seg ORDER BY g;
SELECT 'map ' || id || ' ' || (to_jsonb(m) - 'geom' - 'id')::text || ' ' || public.ST_AsText(geom)
  FROM up.map_cells m ORDER BY id;
SELECT 'map_legend ' || to_jsonb(l)::text FROM up.map_cells_legend l ORDER BY 1;
-- the user's objects: columns with types, view definitions, comments
SELECT 'user_column ' || a.attrelid::regclass::text || ' ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' comment=' || coalesce(col_description(a.attrelid, a.attnum), '-')
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'up'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY 1;
SELECT 'user_relation ' || c.oid::regclass::text || ' ' || c.relkind::text || ' populated=' || c.relispopulated
       || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '-')
       || CASE WHEN c.relkind IN ('v', 'm') THEN ' def=' || regexp_replace(pg_get_viewdef(c.oid), '\s+', ' ', 'g') ELSE '' END
  FROM pg_class c WHERE c.relnamespace = 'up'::regnamespace ORDER BY 1;
SELECT 'v_alloc ' || to_jsonb(v)::text FROM up.v_alloc v ORDER BY g;
