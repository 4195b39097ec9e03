-- upgrade/catalog.sql: one line per fact of what the extension nous defines
-- in the current database, sorted, so that an updated install and a fresh one
-- can be compared with diff (test/suites/upgrade.sh).  Names are printed
-- schema-qualified (search_path = pg_catalog); nothing version- or
-- oid-dependent is printed.  Bodies of functions and views are printed as an
-- md5 of their whitespace-normalised text (the suite shows the full diff of
-- a differing one); rows of the extension's own tables are printed without
-- their timestamp columns.
SET search_path = pg_catalog;
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.norm(t text) RETURNS text LANGUAGE sql IMMUTABLE
  AS $$ SELECT btrim(regexp_replace(coalesce(t, ''), '\s+', ' ', 'g')) $$;

CREATE FUNCTION pg_temp.acl(a aclitem[]) RETURNS text LANGUAGE sql STABLE
  AS $$ SELECT coalesce((SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a) x), '-') $$;

-- the rows of the extension's own tables: every row of a table that is not
-- user configuration, the rows outside the condition of one that is (the
-- built-in methods of nous.method_catalog, 'WHERE NOT builtin')
CREATE FUNCTION pg_temp.ext_rows() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  r record;
  cond text;
  drop_cols text[];
  line text;
BEGIN
  FOR r IN SELECT c.oid::regclass AS rel, c.oid
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'nous' AND c.relkind IN ('r', 'p')
            ORDER BY 1::text
  LOOP
    SELECT x.cond INTO cond
      FROM pg_extension e,
           unnest(e.extconfig, e.extcondition) AS x(rel, cond)
     WHERE e.extname = 'nous' AND x.rel = r.oid;
    IF FOUND AND coalesce(cond, '') = '' THEN
      CONTINUE;                       -- user data only
    END IF;
    SELECT coalesce(array_agg(a.attname::text), '{}') INTO drop_cols
      FROM pg_attribute a
     WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
       AND a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype);
    FOR line IN EXECUTE format(
        'SELECT (to_jsonb(t) - $1)::text FROM %s t %s ORDER BY 1', r.rel,
        CASE WHEN FOUND AND cond <> '' THEN 'WHERE NOT (' || regexp_replace(cond, '^\s*WHERE\s', '', 'i') || ')' ELSE '' END)
      USING drop_cols
    LOOP
      RETURN NEXT 'row ' || r.rel::text || ' ' || line;
    END LOOP;
  END LOOP;
END $$;

\pset format unaligned
\pset tuples_only on
WITH ext AS (SELECT oid FROM pg_extension WHERE extname = 'nous'),
members AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext
   WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
ns AS (SELECT oid FROM pg_namespace WHERE nspname = 'nous'),
procs AS (
  SELECT p.* FROM pg_proc p
   WHERE p.pronamespace = (SELECT oid FROM ns)
      OR p.oid IN (SELECT objid FROM members WHERE classid = 'pg_proc'::regclass)),
nstypes AS (SELECT t.oid FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM ns)),
rels AS (SELECT c.* FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM ns))
-- the extension itself and every member object, with its comment
SELECT 'extension ' || e.extname || ' version=' || e.extversion || ' relocatable=' || e.extrelocatable
       || ' schema=' || e.extnamespace::regnamespace::text
       || ' comment=' || coalesce(obj_description(e.oid, 'pg_extension'), '-')
  FROM pg_extension e WHERE e.extname = 'nous'
UNION ALL
SELECT 'config ' || x.rel::regclass::text || ' condition=' || coalesce(x.cond, '-')
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(rel, cond)
 WHERE e.extname = 'nous'
UNION ALL
SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0)
       || ' comment=' || coalesce((SELECT d.description FROM pg_description d
                                    WHERE d.classoid = m.classid AND d.objoid = m.objid AND d.objsubid = 0), '-')
  FROM members m
UNION ALL
SELECT 'initprivs ' || pg_describe_object(i.classoid, i.objoid, i.objsubid) || ' ' || i.privtype::text || ' ' || pg_temp.acl(i.initprivs)
  FROM pg_init_privs i JOIN members m ON m.classid = i.classoid AND m.objid = i.objoid
UNION ALL
SELECT 'schema nous owner=' || n.nspowner::regrole::text || ' acl=' || pg_temp.acl(n.nspacl)
       || ' comment=' || coalesce(obj_description(n.oid, 'pg_namespace'), '-')
  FROM pg_namespace n WHERE n.nspname = 'nous'
-- functions, procedures and aggregates
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text
       || ' kind=' || p.prokind::text || ' member=' || (p.oid IN (SELECT objid FROM members WHERE classid = 'pg_proc'::regclass))
       || ' args=(' || pg_get_function_arguments(p.oid) || ')'
       || ' returns=' || coalesce(pg_get_function_result(p.oid), '-')
       || ' volatility=' || p.provolatile::text || ' parallel=' || p.proparallel::text
       || ' strict=' || p.proisstrict || ' secdef=' || p.prosecdef || ' leakproof=' || p.proleakproof
       || ' retset=' || p.proretset || ' lang=' || l.lanname
       || ' cost=' || p.procost || ' rows=' || p.prorows || ' support=' || p.prosupport::text
       || ' config=' || coalesce(array_to_string(p.proconfig, ','), '-')
       || ' acl=' || pg_temp.acl(p.proacl)
       || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '-')
  FROM procs p JOIN pg_language l ON l.oid = p.prolang
UNION ALL
SELECT 'body ' || p.oid::regprocedure::text || ' '
       || CASE WHEN l.lanname IN ('c', 'internal') THEN 'symbol=' || p.prosrc || ' lib=' || coalesce(p.probin, '-')
               ELSE 'md5=' || md5(pg_temp.norm(p.prosrc) || '|' || pg_temp.norm(pg_get_function_sqlbody(p.oid))) END
  FROM procs p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.prokind <> 'a'
UNION ALL
SELECT 'aggregate ' || a.aggfnoid::regprocedure::text
       || ' kind=' || a.aggkind::text || ' direct=' || a.aggnumdirectargs
       || ' sfunc=' || a.aggtransfn::text || ' stype=' || format_type(a.aggtranstype, NULL)
       || ' sspace=' || a.aggtransspace
       || ' finalfn=' || a.aggfinalfn::text || ' finalextra=' || a.aggfinalextra || ' finalmodify=' || a.aggfinalmodify::text
       || ' combinefn=' || a.aggcombinefn::text || ' serialfn=' || a.aggserialfn::text
       || ' deserialfn=' || a.aggdeserialfn::text
       || ' msfunc=' || a.aggmtransfn::text || ' minvfunc=' || a.aggminvtransfn::text
       || ' mfinalfn=' || a.aggmfinalfn::text || ' mfinalextra=' || a.aggmfinalextra
       || ' mfinalmodify=' || a.aggmfinalmodify::text
       || ' mstype=' || coalesce(format_type(nullif(a.aggmtranstype, 0), NULL), '-') || ' mspace=' || a.aggmtransspace
       || ' sortop=' || a.aggsortop::regoperator::text
       || ' initcond=' || coalesce(a.agginitval, '-') || ' minitcond=' || coalesce(a.aggminitval, '-')
  FROM pg_aggregate a JOIN procs p ON p.oid = a.aggfnoid
-- types (base, composite, domain, enum, array) and their I/O
UNION ALL
SELECT 'type ' || format_type(t.oid, NULL) || ' typtype=' || t.typtype::text || ' len=' || t.typlen
       || ' byval=' || t.typbyval || ' align=' || t.typalign::text || ' storage=' || t.typstorage::text
       || ' category=' || t.typcategory::text || ' preferred=' || t.typispreferred || ' delim=' || t.typdelim::text
       || ' input=' || t.typinput::text || ' output=' || t.typoutput::text
       || ' receive=' || t.typreceive::text || ' send=' || t.typsend::text
       || ' modin=' || t.typmodin::text || ' modout=' || t.typmodout::text
       || ' analyze=' || t.typanalyze::text || ' subscript=' || t.typsubscript::text
       || ' elem=' || coalesce(format_type(nullif(t.typelem, 0), NULL), '-')
       || ' array=' || coalesce(format_type(nullif(t.typarray, 0), NULL), '-')
       || ' relkind=' || coalesce((SELECT c.relkind::text FROM pg_class c WHERE c.oid = t.typrelid), '-')
       || ' base=' || coalesce(format_type(nullif(t.typbasetype, 0), t.typtypmod), '-')
       || ' notnull=' || t.typnotnull || ' ndims=' || t.typndims
       || ' collation=' || coalesce((SELECT c.collname::text FROM pg_collation c WHERE c.oid = t.typcollation), '-')
       || ' default=' || coalesce(t.typdefault, '-')
       || ' acl=' || pg_temp.acl(t.typacl)
       || ' comment=' || coalesce(obj_description(t.oid, 'pg_type'), '-')
  FROM pg_type t WHERE t.oid IN (SELECT oid FROM nstypes)
UNION ALL
SELECT 'enum ' || format_type(e.enumtypid, NULL) || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
  FROM pg_enum e WHERE e.enumtypid IN (SELECT oid FROM nstypes) GROUP BY e.enumtypid
UNION ALL
SELECT 'cast ' || format_type(c.castsource, NULL) || ' -> ' || format_type(c.casttarget, NULL)
       || ' func=' || coalesce(nullif(c.castfunc, 0)::regprocedure::text, '-')
       || ' context=' || c.castcontext::text || ' method=' || c.castmethod::text
       || ' comment=' || coalesce(obj_description(c.oid, 'pg_cast'), '-')
  FROM pg_cast c
 WHERE c.castsource IN (SELECT oid FROM nstypes) OR c.casttarget IN (SELECT oid FROM nstypes)
    OR c.castfunc IN (SELECT oid FROM procs)
    OR c.oid IN (SELECT objid FROM members WHERE classid = 'pg_cast'::regclass)
UNION ALL
SELECT 'operator ' || o.oid::regoperator::text || ' result=' || format_type(o.oprresult, NULL)
       || ' code=' || o.oprcode::text || ' commutator=' || o.oprcom::regoperator::text
       || ' negator=' || o.oprnegate::regoperator::text
       || ' restrict=' || o.oprrest::text || ' join=' || o.oprjoin::text
       || ' merges=' || o.oprcanmerge || ' hashes=' || o.oprcanhash
       || ' comment=' || coalesce(obj_description(o.oid, 'pg_operator'), '-')
  FROM pg_operator o
 WHERE o.oprnamespace = (SELECT oid FROM ns)
    OR o.oid IN (SELECT objid FROM members WHERE classid = 'pg_operator'::regclass)
UNION ALL
SELECT 'opclass ' || am.amname || ' ' || oc.opcname || ' type=' || format_type(oc.opcintype, NULL)
       || ' default=' || oc.opcdefault || ' family=' || of.opfname
  FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod JOIN pg_opfamily of ON of.oid = oc.opcfamily
 WHERE oc.opcnamespace = (SELECT oid FROM ns)
-- tables, views, materialized views, sequences, indexes and their parts
UNION ALL
SELECT 'relation ' || c.oid::regclass::text || ' relkind=' || c.relkind::text || ' persistence=' || c.relpersistence::text
       || ' member=' || (c.oid IN (SELECT objid FROM members WHERE classid = 'pg_class'::regclass))
       || ' options=' || coalesce(array_to_string(c.reloptions, ','), '-')
       || ' rls=' || c.relrowsecurity || ' forcerls=' || c.relforcerowsecurity
       || ' replident=' || c.relreplident::text
       || ' acl=' || pg_temp.acl(c.relacl)
       || ' comment=' || coalesce(obj_description(c.oid, 'pg_class'), '-')
  FROM rels c WHERE c.relkind <> 'i'
UNION ALL
SELECT 'column ' || c.oid::regclass::text || ' #'
       || lpad((row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum))::text, 3, '0') || ' ' || quote_ident(a.attname)
       || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' notnull=' || a.attnotnull
       || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-')
       || ' identity=' || coalesce(nullif(a.attidentity::text, ''), '-') || ' generated=' || coalesce(nullif(a.attgenerated::text, ''), '-')
       || ' collation=' || coalesce((SELECT co.collname::text FROM pg_collation co WHERE co.oid = nullif(a.attcollation, 0)), '-')
       || ' acl=' || pg_temp.acl(a.attacl)
       || ' comment=' || coalesce(col_description(c.oid, a.attnum), '-')
  FROM rels c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
UNION ALL
SELECT 'viewdef ' || c.oid::regclass::text || ' md5=' || md5(pg_temp.norm(pg_get_viewdef(c.oid)))
  FROM rels c WHERE c.relkind IN ('v', 'm')
UNION ALL
SELECT 'sequence ' || s.seqrelid::regclass::text || ' type=' || format_type(s.seqtypid, NULL)
       || ' start=' || s.seqstart || ' increment=' || s.seqincrement || ' max=' || s.seqmax
       || ' min=' || s.seqmin || ' cache=' || s.seqcache || ' cycle=' || s.seqcycle
  FROM pg_sequence s JOIN rels c ON c.oid = s.seqrelid
UNION ALL
SELECT 'constraint ' || coalesce(c.oid::regclass::text, format_type(con.contypid, NULL)) || ' ' || quote_ident(con.conname)
       || ' ' || pg_get_constraintdef(con.oid)
       || ' deferrable=' || con.condeferrable || ' deferred=' || con.condeferred
       || ' comment=' || coalesce(obj_description(con.oid, 'pg_constraint'), '-')
  FROM pg_constraint con LEFT JOIN rels c ON c.oid = con.conrelid
 WHERE c.oid IS NOT NULL OR con.contypid IN (SELECT oid FROM nstypes)
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
       || ' comment=' || coalesce(obj_description(i.indexrelid, 'pg_class'), '-')
  FROM pg_index i JOIN rels c ON c.oid = i.indrelid
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
       || ' comment=' || coalesce(obj_description(t.oid, 'pg_trigger'), '-')
  FROM pg_trigger t JOIN rels c ON c.oid = t.tgrelid
 WHERE NOT t.tgisinternal
UNION ALL
SELECT 'rule ' || r.rulename || ' ' || md5(pg_temp.norm(pg_get_ruledef(r.oid)))
  FROM pg_rewrite r JOIN rels c ON c.oid = r.ev_class
 WHERE r.rulename <> '_RETURN'
UNION ALL
SELECT 'policy ' || c.oid::regclass::text || ' ' || p.polname || ' cmd=' || p.polcmd::text
       || ' permissive=' || p.polpermissive
       || ' roles=' || (SELECT string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ',' ORDER BY 1) FROM unnest(p.polroles) r)
       || ' using=' || coalesce(pg_get_expr(p.polqual, p.polrelid), '-')
       || ' check=' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '-')
  FROM pg_policy p JOIN rels c ON c.oid = p.polrelid
UNION ALL
SELECT 'event_trigger ' || et.evtname || ' ' || et.evtevent || ' ' || et.evtfoid::regprocedure::text
       || ' tags=' || coalesce(array_to_string(et.evttags, ','), '-') || ' enabled=' || et.evtenabled::text
  FROM pg_event_trigger et
 WHERE et.oid IN (SELECT objid FROM members WHERE classid = 'pg_event_trigger'::regclass)
-- the rows the extension ships (built-in methods, families, levels …)
UNION ALL
SELECT * FROM pg_temp.ext_rows()
ORDER BY 1;
