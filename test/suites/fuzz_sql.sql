-- fuzz_sql.sql — the driver of test/suites/fuzz_sql.sh (read that file first).
--
-- Calls every function and aggregate of schema nous with edge-case arguments
-- (NULLs, empty and NULL-holding arrays, NaN, ±Infinity, huge and negative
-- numbers, long text, multidimensional and non-1-based arrays, malformed
-- jsonb parameters and method specifications, empty / mixed-SRID / invalid
-- geometries, corrupt text forms of the nous types), each call in its own
-- subtransaction, and records the SQLSTATE of each call in fz.result.
-- Deterministic: every function's calls are drawn after setseed() with a seed
-- of its own, from pools ordered by id.
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS fz CASCADE;
CREATE SCHEMA fz;

-- ---------------------------------------------------------------- pools
-- one row a value: the type (format_type), an SQL expression, and whether it
-- is a "good" value used for the other arguments while one argument varies.
CREATE TABLE fz.pool (id serial, typ text, expr text, good boolean DEFAULT false);

INSERT INTO fz.pool (typ, expr, good) VALUES
 ('double precision', '2.5', true), ('double precision', 'NULL', false),
 ('double precision', '0', false), ('double precision', '''-0''', false),
 ('double precision', '1', false), ('double precision', '-1', false),
 ('double precision', '0.5', false), ('double precision', '100', false),
 ('double precision', '''NaN''', false), ('double precision', '''Infinity''', false),
 ('double precision', '''-Infinity''', false), ('double precision', '1e308', false),
 ('double precision', '-1e308', false), ('double precision', '5e-324', false),
 ('double precision', '1e-300', false),
 ('integer', '3', true), ('integer', 'NULL', false), ('integer', '0', false),
 ('integer', '1', false), ('integer', '-1', false), ('integer', '2', false),
 ('integer', '7', false), ('integer', '1000', false), ('integer', '2147483647', false),
 ('integer', '-2147483648', false), ('integer', '100000000', false),
 ('bigint', '2', true), ('bigint', 'NULL', false), ('bigint', '0', false),
 ('bigint', '1', false), ('bigint', '-1', false), ('bigint', '10', false),
 ('bigint', '9223372036854775807', false), ('bigint', '-9223372036854775808', false),
 ('bigint', '4294967297', false),
 ('boolean', 'true', true), ('boolean', 'NULL', false), ('boolean', 'false', false),
 ('text', '''x''', true), ('text', 'NULL', false), ('text', '''''', false),
 ('text', ''' ''', false), ('text', '''A''', false), ('text', '''B''', false),
 ('text', '''Rezé – Château-Mahaudières''', false), ('text', 'repeat(''é'', 200000)', false),
 ('text', 'repeat(''ab('', 5000)', false), ('text', '''a"b\c''', false),
 ('text', 'E''\t\n''', false), ('text', '''(''', false), ('text', ''')''', false),
 ('text', '''n''', false), ('text', '''n-1''', false), ('text', '''unknown''', false),
 ('text', '''nous''', false), ('text', '''public''', false), ('text', '''pg_catalog''', false),
 ('text', '''nous_demo''', false), ('text', '''queen''', false), ('text', '''rook''', false),
 ('text', '''row''', false), ('text', '''binary''', false), ('text', '''W''', false),
 ('text', '''reader''', false), ('text', '''analyst''', false),
 ('double precision[]', '''{1,2,3,4,5,6}''', true), ('double precision[]', 'NULL', false),
 ('double precision[]', '''{}''', false), ('double precision[]', '''{NULL}''', false),
 ('double precision[]', '''{NULL,NULL,NULL}''', false),
 ('double precision[]', '''{1}''', false), ('double precision[]', '''{3,1,2,2}''', false),
 ('double precision[]', '''{1,NULL,3}''', false), ('double precision[]', '''{NaN,1,2}''', false),
 ('double precision[]', '''{Infinity,1,2}''', false), ('double precision[]', '''{-Infinity,0,1}''', false),
 ('double precision[]', '''{0,0,0}''', false), ('double precision[]', '''{-1,-2,5}''', false),
 ('double precision[]', '''{1e308,1e308,-1e308,1e308}''', false),
 ('double precision[]', '''{5e-324,0,1e-310}''', false),
 ('double precision[]', '''{{1,2},{3,4}}''', false), ('double precision[]', '''[0:2]={1,2,3}''', false),
 ('double precision[]', '''{0.25,0.25,0.5}''', false),
 ('double precision[]', '''{{1,2,3},{4,5,6},{7,8,10},{1,NULL,2}}''', false),
 ('double precision[]', '''{{NaN,1},{2,3}}''', false), ('double precision[]', '''{{1}}''', false),
 ('double precision[]', '''{{{1,2}},{{3,4}}}''', false), ('double precision[]', '''{{NULL,NULL},{NULL,NULL}}''', false),
 ('double precision[]', '''{{1e308,-1e308},{1e308,1e308},{0,5e-324}}''', false),
 ('double precision[]', '(SELECT array_agg(ARRAY[sin(i), cos(i), i % 7, (i % 3) - 1]) FROM generate_series(1, 5000) i)', false),
 ('double precision[]', '(SELECT array_agg(sin(i) * 100) FROM generate_series(1, 50000) i)', false),
 ('double precision[]', 'array_fill(7::float8, ARRAY[20000])', false),
 ('integer[]', '''{1,2,3}''', true), ('integer[]', 'NULL', false), ('integer[]', '''{}''', false),
 ('integer[]', '''{NULL}''', false), ('integer[]', '''{1}''', false), ('integer[]', '''{0}''', false),
 ('integer[]', '''{-1,1,1}''', false), ('integer[]', '''{2147483647,1,1}''', false),
 ('integer[]', '''{-2147483648,1,1}''', false), ('integer[]', '''{1,NULL,1}''', false),
 ('integer[]', '''{{1,1},{1,1}}''', false), ('integer[]', '''[3:5]={1,1,1}''', false),
 ('integer[]', '''{1,1,1,1,1,1}''', false),
 ('bigint[]', '''{1,2,3}''', true), ('bigint[]', 'NULL', false), ('bigint[]', '''{}''', false),
 ('bigint[]', '''{NULL}''', false), ('bigint[]', '''{1,1,2}''', false),
 ('bigint[]', '''{-9223372036854775808,9223372036854775807,0}''', false),
 ('bigint[]', '''{{1,2},{3,4}}''', false), ('bigint[]', '''{1,NULL,3}''', false),
 ('text[]', '''{A,B,C}''', true), ('text[]', 'NULL', false), ('text[]', '''{}''', false),
 ('text[]', '''{NULL}''', false), ('text[]', '''{A}''', false), ('text[]', '''{A,A,B}''', false),
 ('text[]', '''{"",x,y}''', false), ('text[]', '''{{A,B},{C,D}}''', false),
 ('text[]', '''{A,NULL,C}''', false), ('text[]', '''[2:4]={A,B,C}''', false),
 ('text[]', '''{B,A,C,D,E,F}''', false),
 ('text[]', '(SELECT array_agg(''z'' || i) FROM generate_series(1, 20000) i)', false),
 ('boolean[]', '''{t,f,t}''', true), ('boolean[]', 'NULL', false), ('boolean[]', '''{}''', false),
 ('boolean[]', '''{NULL}''', false), ('boolean[]', '''{t}''', false), ('boolean[]', '''{f,f,f}''', false),
 ('boolean[]', '''{t,NULL,f}''', false), ('boolean[]', '''{{t,f},{f,t}}''', false),
 ('boolean[]', '''{t,t,t,t,t,t}''', false),
 ('bytea', 'decode(repeat(''ab'', 32), ''hex'')', true), ('bytea', 'NULL', false),
 ('bytea', '''\x''', false), ('bytea', '''\x00''', false), ('bytea', '''\x0102''', false),
 ('bytea', 'decode(repeat(''00'', 32), ''hex'')', false), ('bytea', 'decode(repeat(''ff'', 4096), ''hex'')', false),
 ('geometry', '''SRID=2154;POLYGON((0 0,10 0,10 10,0 10,0 0))''', true), ('geometry', 'NULL', false),
 ('geometry', '''POINT EMPTY''', false), ('geometry', '''SRID=2154;POLYGON EMPTY''', false),
 ('geometry', '''GEOMETRYCOLLECTION EMPTY''', false), ('geometry', '''SRID=2154;POINT(5 5)''', false),
 ('geometry', '''SRID=4326;POLYGON((0 0,1 0,1 1,0 1,0 0))''', false),
 ('geometry', '''SRID=2154;POLYGON((0 0,1 1,1 0,0 1,0 0))''', false),
 ('geometry', '''SRID=2154;LINESTRING(0 0,1 1)''', false), ('geometry', '''SRID=2154;POINT(1e308 -1e308)''', false),
 ('geometry', '''SRID=2154;POINT Z(1 2 3)''', false), ('geometry', '''POINT(1 2)''', false),
 ('geometry', '''SRID=2154;MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))''', false),
 ('geometry', 'public.st_setsrid(public.st_makepoint(''NaN'', ''NaN''), 2154)', false),
 ('geometry[]', 'ARRAY[''SRID=2154;POLYGON((0 0,10 0,10 10,0 10,0 0))'', ''SRID=2154;POLYGON((10 0,20 0,20 10,10 10,10 0))'', ''SRID=2154;POLYGON((0 10,10 10,10 20,0 20,0 10))'']::geometry[]', true),
 ('geometry[]', 'NULL', false), ('geometry[]', '''{}''', false), ('geometry[]', 'ARRAY[NULL]::geometry[]', false),
 ('geometry[]', 'ARRAY[''SRID=2154;POINT(0 0)'', ''SRID=4326;POINT(1 1)'', ''SRID=2154;POINT(2 2)'']::geometry[]', false),
 ('geometry[]', 'ARRAY[''POINT EMPTY'', ''SRID=2154;POLYGON EMPTY'', NULL]::geometry[]', false),
 ('geometry[]', 'ARRAY[''SRID=2154;POINT(0 0)'', ''SRID=2154;LINESTRING(0 0,5 5)'', ''SRID=2154;POLYGON((0 0,1 1,1 0,0 1,0 0))'']::geometry[]', false),
 ('geometry[]', '(SELECT array_agg(public.st_makeenvelope(i, 0, i + 1, 1, 2154)) FROM generate_series(1, 2000) i)', false),
 ('jsonb', '''{}''', true), ('jsonb', 'NULL', false), ('jsonb', '''null''', false), ('jsonb', '''[]''', false),
 ('jsonb', '''1''', false), ('jsonb', '''"x"''', false), ('jsonb', '''{"zz": 1}''', false),
 ('jsonb', '''{"": null}''', false), ('jsonb', '''[{"k": 1}]''', false),
 ('nous.flows', '''{A>B:3,B>A:1,A>A:2,B>C:4,C>A:1}''', true), ('nous.flows', 'NULL', false),
 ('nous.flows', '''{}''', false), ('nous.flows', '''{A>B:1}''', false), ('nous.flows', '''{A>A:5}''', false),
 ('nous.flows', '''{A>B:0,B>A:0}''', false), ('nous.flows', '''{A>B:-0}''', false),
 ('nous.flows', '''{A>B:1e308,B>A:1e308,A>A:1e308,B>B:1e308}''', false),
 ('nous.flows', '''{A>B:5e-324,B>C:1e-310}''', false), ('nous.flows', '''{"">B:1}''', false),
 ('nous.flows', '(SELECT nous.flow_matrix(''z'' || (i % 97), ''z'' || (i * 7 % 89), i % 13) FROM generate_series(1, 5000) i)', false),
 ('nous.flows[]', 'ARRAY[''{A>B:3,B>A:1}'', ''{A>B:1,A>C:2}'']::nous.flows[]', true),
 ('nous.flows[]', 'NULL', false), ('nous.flows[]', '''{}''', false), ('nous.flows[]', 'ARRAY[NULL]::nous.flows[]', false),
 ('nous.flows[]', 'ARRAY[''{}'', NULL, ''{A>B:1e308,B>A:1e308}'']::nous.flows[]', false),
 ('nous.mixpairs', '''[(1,4),(3,4),(0,2),(2,2)]''', true), ('nous.mixpairs', 'NULL', false),
 ('nous.mixpairs', '''[]''', false), ('nous.mixpairs', '''[(0,0)]''', false), ('nous.mixpairs', '''[(1,2)]''', false),
 ('nous.mixpairs', '''[(0,5),(5,5)]''', false), ('nous.mixpairs', '''[(0,5),(0,5)]''', false),
 ('nous.mixpairs', '''[(5,5),(5,5)]''', false),
 ('nous.mixpairs', '''[(1e308,1e308),(1e308,1e308),(0,1e308)]''', false),
 ('nous.mixpairs', '''[(5e-324,5e-324),(0,1e-310)]''', false),
 ('nous.mixpairs', '(SELECT nous.mixpairs_agg((i % 7)::float8, (i % 7 + i % 5)::float8) FROM generate_series(1, 20000) i)', false),
 ('nous.mixcounts', '''[["","u1","a",3],["","u1","b",1],["","u2","a",1],["","u2","b",5]]''', true),
 ('nous.mixcounts', 'NULL', false), ('nous.mixcounts', '''[]''', false),
 ('nous.mixcounts', '''[["","u","g",0]]''', false), ('nous.mixcounts', '''[["","u","g",1]]''', false),
 ('nous.mixcounts', '''[["","u1","a",1e308],["","u2","b",1e308],["","u1","b",1e308]]''', false),
 ('nous.mixcounts', '''[["s","u1","a",1],["t","u2","a",2],["s","u3","b",1]]''', false),
 ('nous.mixcounts', '''[["","u1","a",0],["","u2","b",0]]''', false),
 ('nous.mixcounts', '''[["","u1","a",5e-324],["","u2","b",1e-310]]''', false),
 ('nous.mixcounts', '(SELECT nous.mixcounts_agg(''s'' || (i % 3), ''u'' || (i % 211), ''g'' || (i % 5), (i % 4)::float8) FROM generate_series(1, 20000) i)', false),
 ('nous.weights', '''{1:[2,3],2:[1,3],3:[1,2]}''', true), ('nous.weights', 'NULL', false),
 ('nous.weights', '''{}''', false), ('nous.weights', '''{1:[]}''', false), ('nous.weights', '''{1:[],2:[]}''', false),
 ('nous.weights', '''{1:[2],2:[1]}''', false), ('nous.weights', '''{1:[2],2:[1],3:[]}''', false),
 ('nous.weights', '''{-9223372036854775808:[9223372036854775807],9223372036854775807:[-9223372036854775808]}''', false),
 ('nous.weights', '(SELECT nous.weights(i, CASE WHEN i % 50 = 0 THEN i - 49 ELSE i + 1 END) FROM generate_series(1, 3000) i)', false),
 ('regclass', '''pg_class''', true), ('regclass', 'NULL', false), ('regclass', '''pg_database''', false),
 ('regclass', '''nous.method_catalog''', false), ('regclass', '''fz.pool''', false),
 ('regclass[]', '''{}''', true), ('regclass[]', 'NULL', false), ('regclass[]', '''{pg_class}''', false),
 ('regclass[]', 'ARRAY[NULL]::regclass[]', false),
 ('interval', '''1 day''', true), ('interval', 'NULL', false), ('interval', '''-1 day''', false),
 ('interval', '''0''', false), ('interval', '''infinity''::timestamp - ''epoch''::timestamp', false),
 ('name', '''fz_nobody''', true), ('name', 'NULL', false), ('name', '''''', false), ('name', '''postgres''', false),
 ('regprocedure', '''nous.normalise_zscore(double precision[],jsonb)''', true), ('regprocedure', 'NULL', false),
 ('regprocedure', '''pg_catalog.abs(integer)''', false), ('regprocedure', '''nous.version()''', false);

-- method specifications: every registered method with parameters drawn from
-- the keys the glue reads, with edge-case values
INSERT INTO fz.pool (typ, expr)
SELECT 'text', quote_literal(s) FROM (
  SELECT DISTINCT name AS s FROM nous.method_catalog
  UNION SELECT name || '(' || k || '=' || v || ')'
    FROM nous.method_catalog,
         unnest('{b,clip,comparison,hi,hinge,k,lo,offset,p,q,ref,rescale,scale,sd,shift,sign,strict,thr,ties,type,value,width,zz}'::text[]) k,
         unnest('{-1,0,0.5,2,1e308,NaN,-inf,abc,"",99999999999999999999}'::text[]) v
   WHERE hashtext(name || k || v) % 7 = 0
  UNION SELECT unnest('{"zscore(","rank(ties=","rank(ties=min","minmax(lo=1,lo=2)","quantile(type=7)","quantile(type=-1)","atkinson(b=0)","atkinson(b=1)","atkinson(b=-1)","top(k=0)","top(k=-5)","top(k=1e308)","share(p=2)","threshold(value=NaN)","winsor(lo=0.9,hi=0.1)","fisher()","((()))","rank(ties=min)(x)"}'::text[])
) m;

-- jsonb parameters: each key the glue reads, with edge-case values
INSERT INTO fz.pool (typ, expr)
SELECT 'jsonb', quote_literal(jsonb_build_object(k, v::jsonb)::text)
  FROM unnest('{b,clip,comparison,hi,hinge,k,lo,offset,p,q,ref,rescale,scale,sd,shift,sign,strict,thr,ties,type,value,width}'::text[]) k,
       unnest('{-1,0,0.5,1,2,7,1e308,1e400,-1e400,"\"abc\"","\"min\"","\"n\"",null,true,"[1]","{\"a\":1}"}'::text[]) v
 ORDER BY k, v;

-- corrupt text forms of the nous types, for their input functions (cstring)
CREATE TABLE fz.corrupt (id serial, typ text, s text);
INSERT INTO fz.corrupt (typ, s)
SELECT typ, s FROM (
  SELECT typ, left(v, i) AS s FROM (VALUES
     ('flows', '{A>B:3,"B\"x">A:1.5e3}'), ('mixpairs', '[(1,4),(3.5,4e2)]'),
     ('mixcounts', '[["s","u1","a",3],["","u\"2","b",1e2]]'), ('weights', '{1:[2,3],2:[1],3:[1]}')) t(typ, v),
     generate_series(0, length(v)) i
  UNION ALL
  SELECT typ, overlay(v placing c from i for 1) FROM (VALUES
     ('flows', '{A>B:3,B>A:1}'), ('mixpairs', '[(1,4),(3,4)]'),
     ('mixcounts', '[["","u1","a",3],["","u2","b",1]]'), ('weights', '{1:[2],2:[1]}')) t(typ, v),
     generate_series(1, length(v)) i,
     unnest(ARRAY['', '"', '\', ',', ':', '>', '[', ']', '{', '}', '(', ')', '-', 'x', ' ', '9e999', '-1', 'NaN',
                  '99999999999999999999999', '1e-400', 'é', E'\x01']) c
  UNION ALL
  SELECT typ, s FROM (VALUES
     ('flows', '{A>B:1,A>B:2}'), ('flows', '{A>B:-1}'), ('flows', repeat('{', 10000)),
     ('flows', '{' || repeat('A>B:1,', 3) || '}'), ('flows', '{"' || repeat('x', 100000) || '">B:1}'),
     ('mixpairs', '[(5,1)]'), ('mixpairs', '[(-1,2)]'), ('mixpairs', '[(1,2),]'), ('mixpairs', repeat('[', 10000)),
     ('mixcounts', '[["","u","a",-1]]'), ('mixcounts', '[["","u","a",1],["","u","a",2]]'), ('mixcounts', '[[]]'),
     ('mixcounts', '[["","u","a"]]'), ('mixcounts', '[["","u","a",1,2]]'), ('mixcounts', '[[1,2,3,4]]'),
     ('mixcounts', '{}'), ('mixcounts', '[["","u","a",1e308],["","u","a",1e308]]'),
     ('weights', '{1:[1]}'), ('weights', '{1:[2]}'), ('weights', '{1:[2],1:[2]}'), ('weights', '{1:[2,2],2:[1,1]}'),
     ('weights', '{99999999999999999999:[1]}'), ('weights', '{1:[2],2:[3],3:[1]}'), ('weights', '{1:[-1],-1:[1]}'),
     ('weights', '{1:[2:0.5]}'), ('weights', repeat('{', 10000))) x(typ, s)
) u;


-- the state types of 0.2.0: a small valid value of each (from its own
-- aggregate or transition function), truncated at every length and with one
-- character replaced at every position, as above
-- (transition functions run only inside aggregates: the states of those
-- without a state-returning aggregate come from aggregates of schema fz)
CREATE AGGREGATE fz.st_breaks(float8, int4) (SFUNC = nous.breaks_trans, STYPE = nous.breaks_state);
CREATE AGGREGATE fz.st_quantile(float8) (SFUNC = nous.first_quartile_trans, STYPE = nous.quantile_state);
CREATE AGGREGATE fz.st_geoms(bigint, geometry) (SFUNC = nous.contiguity_transfn, STYPE = nous.geom_rows);
CREATE AGGREGATE fz.st_autocorrelation(nous.weights, bigint, float8) (
  SFUNC = nous.autocorrelation_state_transfn, STYPE = nous.autocorrelation_state);
CREATE AGGREGATE fz.st_composite(bigint, float8[]) (SFUNC = nous.composite_agg_trans, STYPE = nous.composite_agg_state);
CREATE TABLE fz.state_sample (id serial, typ text, v text);
INSERT INTO fz.state_sample (typ, v) VALUES
 ('breaks_state', (SELECT fz.st_breaks(x, 3) FROM unnest('{1.5,2.5,2.5}'::float8[]) x)::text),
 ('quantile_state', (SELECT fz.st_quantile(x) FROM unnest('{1.5,1e-300,1.5}'::float8[]) x)::text),
 ('area_values', (SELECT nous.area_values(i, i * 1.5) FROM generate_series(1, 3) i)::text),
 ('text_area_values', (SELECT nous.area_values('a"' || i, i * 1.5) FROM generate_series(1, 3) i)::text),
 ('text_weights', (SELECT nous.weights('a' || i, 'a' || (i % 3 + 1)) FROM generate_series(1, 3) i)::text),
 ('svystate', (SELECT nous.svy_agg(i::float8, 1.0 + i, 's' || (i % 2), 'p' || i, NULL::float8) FROM generate_series(1, 4) i)::text),
 ('kmstate', (SELECT nous.km_agg(i::float8, i % 2 = 0) FROM generate_series(1, 4) i)::text),
 ('geom_rows', (SELECT fz.st_geoms(i, g) FROM (VALUES (1::bigint, 'SRID=2154;POLYGON((0 0,1 0,1 1,0 0))'::geometry),
                                                     (2, 'SRID=2154;POLYGON((1 0,2 0,1 1,1 0))')) v(i, g))::text),
 ('autocorrelation_state', (SELECT fz.st_autocorrelation('{1:[2],2:[1]}'::nous.weights, i, x)
                              FROM (VALUES (1::bigint, 2.0::float8), (2, 5.0)) v(i, x))::text),
 ('composite_agg_state', (SELECT fz.st_composite(i, x) FROM (VALUES (1::bigint, '{1,2}'::float8[]), (2, '{3,-4.5}')) v(i, x))::text);
INSERT INTO fz.corrupt (typ, s)
SELECT typ, left(v, i) FROM fz.state_sample, generate_series(0, length(v)) i
UNION ALL
SELECT typ, overlay(v placing c from i for 1) FROM fz.state_sample, generate_series(1, length(v)) i,
       unnest(ARRAY['', '"', '\', ',', ';', ':', '[', ']', '{', '}', '(', ')', '-', 'x', 'f', '0', ' ', '9e999', 'NaN',
                    '99999999999999999999999', 'é', E'\x01']) c;

-- arguments that make a function do its work (the "good" value of a
-- position when the type's good value would only get an early error)
CREATE TABLE fz.hint (proname text, argno int, expr text);
INSERT INTO fz.hint VALUES
 ('aggregate', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,NULL,2}}'''), ('aggregate', 2, '''{1,2,1}'''), ('aggregate', 3, '''mean'''),
 ('pca_first', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,3,2},{2,2,2}}'''), ('pca_first', 2, '''{1,-1,1}'''), ('pca_first', 3, '''sample'''),
 ('areal_interpolation', 1, '''{1,2}'''), ('areal_interpolation', 3, '''{10,20}'''), ('areal_interpolation', 4, '''{7}'''),
 ('areal_interpolation', 2, 'ARRAY[''SRID=2154;POLYGON((0 0,10 0,10 10,0 10,0 0))'', ''SRID=2154;POLYGON((10 0,20 0,20 10,10 10,10 0))'']::geometry[]'),
 ('areal_interpolation', 5, 'ARRAY[''SRID=2154;POLYGON((5 0,15 0,15 10,5 10,5 0))'']::geometry[]'),
 ('areal_interpolation', 6, '''extensive'''),
 ('secrecy_suppress', 1, '''{T,A,B,C}'''), ('secrecy_suppress', 2, '''{NULL,T,T,T}'''), ('secrecy_suppress', 3, '''{30,10,15,5}'''),
 ('secrecy_suppress', 4, '''{f,f,f,t}'''), ('secrecy_suppress', 5, '''{f,f,f,f}'''),
 ('secrecy_suppress_2d', 1, '''{a,a,b,b}'''), ('secrecy_suppress_2d', 2, '''{x,y,x,y}'''), ('secrecy_suppress_2d', 3, '''{3,10,15,5}'''),
 ('secrecy_suppress_2d', 4, '''{t,f,f,f}'''), ('secrecy_suppress_2d', 5, '''{f,f,f,f}'''),
 ('flow_renewal', 1, '''{A,B,C}'''), ('flow_renewal', 2, '''{10,20,5}'''), ('flow_renewal', 3, '''{1,2,3}'''), ('flow_renewal', 4, '''{3,2,1}'''),
 ('flow_lines', 2, '''{A,B,C}'''), ('flow_lines_check', 2, '''{A,B,C}'''), ('flow_lines_check', 3, '''error'''), ('flow_lines_check', 4, '''centroid'''),
 ('flow_lines', 3, 'ARRAY[''SRID=2154;POLYGON((0 0,10 0,10 10,0 10,0 0))'', ''SRID=2154;POLYGON((10 0,20 0,20 10,10 10,10 0))'', ''SRID=2154;POLYGON((0 10,10 10,10 20,0 20,0 10))'']::geometry[]'),
 ('flow_arc', 1, '''SRID=2154;POINT(0 0)'''), ('flow_arc', 2, '''SRID=2154;POINT(10 5)'''),
 ('name_match', 1, '''{1,2}'''), ('name_match', 2, '''{Rezé,Nantes}'''), ('name_match', 3, '''{a,b,c}'''), ('name_match', 4, '''{REZE,nantes,Saint-Herblain}'''),
 ('flow_categories', 2, '''{A,B,C}'''), ('flow_categories', 3, '''{x,y,x}'''), ('flow_between', 2, '''{A,B,C}'''), ('flow_between', 3, '''{x,y,x}'''),
 ('composite', 4, '''zscore'''), ('composite', 5, '''mean'''), ('composite', 1, '''{1,2,3}'''),
 ('secrecy_dominance', 1, '''{5,3,1}'''), ('class_of', 2, '''{1,2,3,4,5,6}'''),
 ('gvf', 2, '''{1,3,6}'''), ('breaks', 3, '''quantile'''), ('first_quartile', 2, '''7'''),
 ('normalise', 2, '''zscore'''), ('segregation', 2, '''dissimilarity'''), ('bootstrap_ci', 2, '''dissimilarity'''),
 ('aggregate_mean', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,NULL,2}}'''), ('aggregate_geometric', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,NULL,2}}'''),
 ('aggregate_mpi', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,NULL,2}}'''), ('aggregate_worstq', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,NULL,2}}'''),
 ('aggregate_power', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,NULL,2}}'''), ('aggregate_rankmean', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,NULL,2}}'''),
 ('aggregate_pca', 1, '''{{1,2,3},{4,5,6},{7,8,10},{1,3,2}}'''),
 ('moran', 1, '(SELECT nous.weights(i, CASE WHEN i % 50 = 0 THEN i - 49 ELSE i + 1 END) FROM generate_series(1, 3000) i)'),
 ('geary', 1, '(SELECT nous.weights(i, CASE WHEN i % 50 = 0 THEN i - 49 ELSE i + 1 END) FROM generate_series(1, 3000) i)'),
 ('getis_ord', 1, '(SELECT nous.weights(i, CASE WHEN i % 50 = 0 THEN i - 49 ELSE i + 1 END) FROM generate_series(1, 3000) i)'),
 ('local_moran', 1, '(SELECT nous.weights(i, CASE WHEN i % 50 = 0 THEN i - 49 ELSE i + 1 END) FROM generate_series(1, 3000) i)'),
 ('local_g', 1, '(SELECT nous.weights(i, CASE WHEN i % 50 = 0 THEN i - 49 ELSE i + 1 END) FROM generate_series(1, 3000) i)'),
 ('local_gstar', 1, '(SELECT nous.weights(i, CASE WHEN i % 50 = 0 THEN i - 49 ELSE i + 1 END) FROM generate_series(1, 3000) i)'),
 ('knn', 2, '''SRID=2154;POINT(5 5)'''), ('distance_band', 2, '''SRID=2154;POINT(5 5)'''), ('distance_band', 3, '''25'''),
 ('consumption_units', 3, '''oecd'''), ('income_per_uc', 4, '''oecd''');

-- ---------------------------------------------------------------- targets
CREATE TABLE fz.result (fn text, call text, sqlstate text, message text, at timestamptz DEFAULT clock_timestamp());

CREATE TABLE fz.target AS
SELECT p.oid, p.oid::regprocedure::text AS sig, p.proname::text AS proname, p.prokind,
       (SELECT lanname::text FROM pg_language l WHERE l.oid = p.prolang) AS lang, p.proretset,
       p.proargtypes::oid[] AS argtypes, p.pronargdefaults,
       ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t) AS argtyp
  FROM pg_proc p
 WHERE p.pronamespace = 'nous'::regnamespace
   AND p.prokind IN ('f', 'a', 'w')
   -- internal arguments cannot be built in SQL: these are reached through
   -- their aggregates
   AND NOT ('internal'::regtype = ANY (p.proargtypes::oid[]))
   -- cluster-wide side effects (roles) or COMMIT: not fuzzed here
   AND p.proname NOT IN ('setup_roles', 'drop_roles', 'grant_access', 'revoke_access',
                         'refresh_now', 'refresh_step', 'refresh_begin')
 ORDER BY 2;

-- the expression of pool value e for type t
CREATE FUNCTION fz.arg(t text, e text) RETURNS text LANGUAGE sql IMMUTABLE
  RETURN '(' || e || ')::' || t;

CREATE FUNCTION fz.pick(t text, want_good boolean) RETURNS text LANGUAGE sql VOLATILE
  RETURN (SELECT expr FROM fz.pool WHERE typ = t AND (good OR NOT want_good)
           ORDER BY (good AND want_good) DESC, random() LIMIT 1);

-- run one call; record its outcome
CREATE FUNCTION fz.try(fn text, q text, loud boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE st text; msg text;
BEGIN
  IF loud THEN RAISE WARNING 'fz call: %', left(q, 2000); END IF;
  BEGIN
    EXECUTE q;
    -- undo whatever the call did
    RAISE SQLSTATE 'FZ000';
  EXCEPTION
    WHEN SQLSTATE 'FZ000' THEN st := '00000';
    WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  END;
  INSERT INTO fz.result (fn, call, sqlstate, message) VALUES (fn, q, st, msg);
  RETURN st;
END $$;

-- all calls of one target
CREATE FUNCTION fz.run(target_oid oid, loud boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  t fz.target; n int; i int; j int; r int; nrows int;
  gd text[]; a text[]; e text; fname text; cols text; rowsql text[]; q text;
BEGIN
  SELECT * INTO t FROM fz.target WHERE oid = target_oid;
  n := coalesce(array_length(t.argtyp, 1), 0);
  fname := t.oid::regproc::text;
  PERFORM setseed(((hashtext(t.sig || coalesce(current_setting('fz.seed', true), '')) % 1000000) / 1000000.0)::float8);
  gd := ARRAY(SELECT fz.arg(t.argtyp[k], coalesce((SELECT h.expr FROM fz.hint h WHERE h.proname = t.proname AND h.argno = k),
                                                   fz.pick(t.argtyp[k], true))) FROM generate_series(1, n) k);
  -- look for arguments with which the call succeeds, to vary one at a time
  IF t.prokind = 'f' THEN
    FOR r IN 1 .. 30 LOOP
      EXIT WHEN fz.try(t.sig, format('SELECT count(*), sum(length(x)) FROM (SELECT (%s(%s))::text x) s',
                                     fname, array_to_string(gd, ', ')), loud) = '00000';
      gd := ARRAY(SELECT CASE WHEN random() < 0.5 THEN gd[k]
                              ELSE fz.arg(t.argtyp[k], fz.pick(t.argtyp[k], random() < 0.3)) END
                    FROM generate_series(1, n) k);
    END LOOP;
  END IF;
  IF t.prokind = 'f' THEN
    -- every argument through its whole pool, the others good
    PERFORM fz.try(t.sig, format('SELECT count(*), sum(length(x)) FROM (SELECT (%s(%s))::text x) s',
                                 fname, array_to_string(gd, ', ')), loud);
    FOR i IN 1 .. n LOOP
      -- the whole pool for the method argument of a method-dispatching
      -- function (text after an array or a state), else 40 values of it
      FOR e IN SELECT expr FROM (SELECT expr, id, row_number() OVER (ORDER BY (id * 7919) % 1009) AS rn
                                   FROM fz.pool WHERE typ = t.argtyp[i] AND NOT good) p
                WHERE rn <= 40 OR (t.argtyp[i] IN ('text', 'jsonb') AND i > 1 AND t.argtyp[i - 1] <> 'text'
                                   AND t.lang = 'c')
                ORDER BY id LOOP
        a := gd; a[i] := fz.arg(t.argtyp[i], e);
        PERFORM fz.try(t.sig, format('SELECT count(*), sum(length(x)) FROM (SELECT (%s(%s))::text x) s',
                                     fname, array_to_string(a, ', ')), loud);
      END LOOP;
    END LOOP;
    -- random combinations
    FOR r IN 1 .. 25 LOOP
      a := ARRAY(SELECT fz.arg(t.argtyp[k], fz.pick(t.argtyp[k], random() < 0.3)) FROM generate_series(1, n) k);
      PERFORM fz.try(t.sig, format('SELECT count(*), sum(length(x)) FROM (SELECT (%s(%s))::text x) s',
                                   fname, array_to_string(a, ', ')), loud);
    END LOOP;
    -- defaults omitted
    IF t.pronargdefaults > 0 THEN
      PERFORM fz.try(t.sig, format('SELECT count(*), sum(length(x)) FROM (SELECT (%s(%s))::text x) s',
                                   fname, array_to_string(gd[1 : n - t.pronargdefaults], ', ')), loud);
    END IF;
  ELSE
    -- aggregates and window functions: over a VALUES list of 0 to 6 rows
    cols := (SELECT string_agg('c' || k, ', ') FROM generate_series(1, n) k);
    FOR r IN 1 .. 120 LOOP
      nrows := CASE WHEN r = 1 THEN 3 ELSE (random() * 6)::int END;
      rowsql := '{}';
      FOR j IN 1 .. greatest(nrows, 1) LOOP
        IF r = 1 THEN a := gd;
        ELSIF r <= 1 + n * 20 THEN
          -- one column through edge values, the others good
          a := gd; i := 1 + (r - 2) / 20;
          a[i] := fz.arg(t.argtyp[i], fz.pick(t.argtyp[i], random() < 0.4));
        ELSE
          a := ARRAY(SELECT fz.arg(t.argtyp[k], fz.pick(t.argtyp[k], random() < 0.4)) FROM generate_series(1, n) k);
        END IF;
        rowsql := rowsql || ('(' || array_to_string(a, ', ') || ')');
      END LOOP;
      q := format('SELECT count(*), sum(length(x)) FROM (SELECT (%s(%s)%s)::text x FROM (VALUES %s) v(%s)%s) s',
                  fname, cols, CASE WHEN t.prokind = 'w' THEN ' OVER ()' ELSE '' END,
                  array_to_string(rowsql, ', '), cols, CASE WHEN nrows = 0 THEN ' WHERE false' ELSE '' END);
      PERFORM fz.try(t.sig, q, loud);
    END LOOP;
  END IF;
  RETURN (SELECT count(*) FROM fz.result WHERE fn = t.sig);
END $$;

-- the input functions of the nous types on corrupt text
CREATE FUNCTION fz.run_corrupt(loud boolean DEFAULT false) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE c record;
BEGIN
  FOR c IN SELECT * FROM fz.corrupt ORDER BY id LOOP
    PERFORM fz.try('input nous.' || c.typ,
                   format('SELECT length((%L::nous.%s)::text::nous.%s::text)', c.s, c.typ, c.typ), loud);
  END LOOP;
  RETURN (SELECT count(*) FROM fz.result WHERE fn LIKE 'input %');
END $$;

-- the binary receive functions of the nous types on corrupt bytes: valid
-- binary forms (T_send) truncated, with bytes overwritten and with garbage
-- appended, written as the one bytea field of a binary COPY file and read
-- back into a column of type T (COPY FROM ... binary calls T_recv on exactly
-- those bytes)
CREATE TABLE fz.recv_sample (id serial, typ text, v text);
INSERT INTO fz.recv_sample (typ, v) VALUES
 ('flows', '{}'), ('flows', '{A>B:3,"B\"x">A:1.5e3,C>C:1}'),
 ('mixpairs', '[]'), ('mixpairs', '[(1,4),(3.5,4e2)]'),
 ('mixcounts', '[]'), ('mixcounts', '[["s","u1","a",3],["","u\"2","b",1e2]]'),
 ('weights', '{}'), ('weights', '{1:[2,3],2:[1],3:[1]}');
INSERT INTO fz.recv_sample (typ, v) SELECT typ, v FROM fz.state_sample ORDER BY id;

CREATE FUNCTION fz.recv_one(typ text, b bytea) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('CREATE TEMP TABLE IF NOT EXISTS fz_sink_%s (x nous.%s)', typ, typ);
  EXECUTE format('TRUNCATE fz_sink_%s', typ);
  EXECUTE format('COPY (SELECT %L::bytea) TO %L WITH (FORMAT binary)', b, current_setting('data_directory') || '/fz_recv.bin');
  EXECUTE format('COPY fz_sink_%s FROM %L WITH (FORMAT binary)', typ, current_setting('data_directory') || '/fz_recv.bin');
  -- what was accepted must print and read back, and be usable
  EXECUTE format('SELECT sum(length(x::text::nous.%s::text)) FROM fz_sink_%s', typ, typ) INTO n;
  EXECUTE format('SELECT count(*) FROM fz_sink_%s, LATERAL (SELECT %s) u', typ, CASE typ
    WHEN 'flows' THEN 'nous.flow_summary(x)::text, (SELECT count(*) FROM nous.flow_zones(x)), (SELECT count(*) FROM nous.flow_pairs(x)), nous.flow_select(x, ''top(k=2)'')::text, nous.flow_matrix_merge(x, x)::text, nous.flow_json(x)'
    WHEN 'mixpairs' THEN 'nous.dissimilarity(x), nous.atkinson(x, 0.5), nous.entropy_h(x), nous.mixpairs_totals(x), nous.areas(x)'
    WHEN 'mixcounts' THEN 'nous.mutual_information(x), nous.multigroup_dissimilarity(x), (SELECT count(*) FROM nous.mix_local(x)), nous.compact(x)::text, nous.cells(x)'
    WHEN 'weights' THEN 'nous.link_count(x), nous.islands(x), (SELECT count(*) FROM nous.neighbours(x)), (SELECT count(*) FROM nous.components(x)), nous.area_count(x)'
    WHEN 'breaks_state' THEN 'nous.breaks_final(x)'
    WHEN 'quantile_state' THEN 'nous.first_quartile_final(x)'
    WHEN 'kmstate' THEN 'nous.km_quantile(x)::text'
    WHEN 'geom_rows' THEN 'nous.contiguity_finalfn(x)::text'
    WHEN 'autocorrelation_state' THEN 'nous.moran_state_finalfn(x)::text'
    WHEN 'composite_agg_state' THEN 'nous.composite_agg_final(x)::text'
    ELSE 'x::text' END);
  RETURN n;
END $$;

CREATE FUNCTION fz.run_recv(loud boolean DEFAULT false) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE s record; b bytea; m bytea; i int; c int;
BEGIN
  PERFORM setseed(0.25);
  FOR s IN SELECT * FROM fz.recv_sample ORDER BY id LOOP
    EXECUTE format('SELECT nous.%s_send(%L::nous.%s)', s.typ, s.v, s.typ) INTO b;
    PERFORM fz.try('recv nous.' || s.typ, format('SELECT fz.recv_one(%L, %L)', s.typ, b), loud);
    FOR i IN 0 .. length(b) - 1 LOOP
      -- truncated
      PERFORM fz.try('recv nous.' || s.typ, format('SELECT fz.recv_one(%L, %L)', s.typ, substr(b, 1, i)), loud);
      -- one byte overwritten
      FOREACH c IN ARRAY ARRAY[0, 255, (random() * 255)::int] LOOP
        m := set_byte(b, i, c);
        PERFORM fz.try('recv nous.' || s.typ, format('SELECT fz.recv_one(%L, %L)', s.typ, m), loud);
      END LOOP;
      -- four bytes overwritten with a huge or negative int32
      IF i + 4 <= length(b) THEN
        FOREACH m IN ARRAY ARRAY['\x7fffffff'::bytea, '\x80000000'] LOOP
          PERFORM fz.try('recv nous.' || s.typ, format('SELECT fz.recv_one(%L, %L)', s.typ,
                                                       overlay(b placing m from i + 1 for 4)), loud);
        END LOOP;
      END IF;
    END LOOP;
    -- garbage appended
    PERFORM fz.try('recv nous.' || s.typ, format('SELECT fz.recv_one(%L, %L)', s.typ, b || '\x00'::bytea), loud);
    PERFORM fz.try('recv nous.' || s.typ, format('SELECT fz.recv_one(%L, %L)', s.typ, b || b), loud);
  END LOOP;
  RETURN (SELECT count(*) FROM fz.result WHERE fn LIKE 'recv %');
END $$;

-- aggregates in parallel plans (partial aggregation in two workers: the
-- serialize, deserialize and combine functions) over 18,000 rows (2,400 with
-- a weights argument) made of six
-- row templates (the good arguments, and five with one edge value), each
-- repeated with varying numbers, ids, codes and positions
CREATE FUNCTION fz.run_par(target_oid oid, loud boolean DEFAULT false) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  t fz.target; n int; j int; kk int; nrows int; gd text[]; a text[]; cols text; defs text; sel text; q text;
BEGIN
  SELECT * INTO t FROM fz.target WHERE oid = target_oid AND prokind = 'a';
  IF NOT FOUND THEN RETURN 0; END IF;
  n := coalesce(array_length(t.argtyp, 1), 0);
  PERFORM setseed(((hashtext('par' || t.sig || coalesce(current_setting('fz.seed', true), '')) % 1000000) / 1000000.0)::float8);
  PERFORM set_config('parallel_setup_cost', '0', true), set_config('parallel_tuple_cost', '0', true),
          set_config('min_parallel_table_scan_size', '0', true),
          set_config('max_parallel_workers_per_gather', '2', true);
  gd := ARRAY(SELECT coalesce((SELECT h.expr FROM fz.hint h WHERE h.proname = t.proname AND h.argno = k),
                              fz.pick(t.argtyp[k], true)) FROM generate_series(1, n) k);
  -- a weights argument is repeated on every row: keep it and the rows small
  nrows := CASE WHEN 'nous.weights' = ANY (t.argtyp) THEN 400 ELSE 3000 END;
  gd := ARRAY(SELECT CASE WHEN t.argtyp[k] = 'nous.weights'
                          THEN '(SELECT nous.weights(i, CASE WHEN i % 20 = 0 THEN i - 19 ELSE i + 1 END) FROM generate_series(1, 400) i)'
                          ELSE gd[k] END FROM generate_series(1, n) k);
  cols := (SELECT string_agg('c' || k, ', ') FROM generate_series(1, n) k);
  defs := (SELECT string_agg('c' || k || ' ' || t.argtyp[k], ', ') FROM generate_series(1, n) k);
  EXECUTE format('DROP TABLE IF EXISTS fz.par; CREATE TABLE fz.par (tpl int, %s)', defs);
  FOR j IN 1 .. 6 LOOP
    a := gd;
    IF j > 1 THEN
      kk := 1 + floor(random() * n)::int;
      a[kk] := fz.pick(t.argtyp[kk], false);
    END IF;
    sel := (SELECT string_agg(CASE t.argtyp[k]
                   WHEN 'double precision' THEN format('(%s)::float8 * ((i %% 97) + 1) / 50.0', a[k])
                   WHEN 'bigint' THEN CASE WHEN j = 1 OR random() < 0.5 THEN 'i::bigint' ELSE format('(%s)::bigint', a[k]) END
                   WHEN 'geometry' THEN format('public.st_translate((%s)::geometry, (i %% 100) * 10, (i / 100) * 10)', a[k])
                   ELSE format('(%s)::%s', a[k], t.argtyp[k]) END, ', ' ORDER BY k)
              FROM generate_series(1, n) k);
    BEGIN
      EXECUTE format('INSERT INTO fz.par SELECT %s, %s FROM generate_series(1, %s) i', j, sel, nrows);
    EXCEPTION WHEN OTHERS THEN NULL;   -- a template that cannot be built
    END;
  END LOOP;
  EXECUTE 'ANALYZE fz.par';
  FOR j IN 1 .. 6 LOOP
    q := format('SELECT count(*), sum(length(x)) FROM (SELECT (%s(%s))::text x FROM fz.par WHERE tpl IN (1, %s)) s',
                t.oid::regproc::text, cols, j);
    PERFORM fz.try('parallel ' || t.sig, q, loud);
  END LOOP;
  PERFORM fz.try('parallel ' || t.sig,
                 format('SELECT count(*), sum(length(x)) FROM (SELECT (%s(%s))::text x FROM fz.par) s',
                        t.oid::regproc::text, cols), loud);
  DROP TABLE fz.par;
  RETURN (SELECT count(*) FROM fz.result WHERE fn = 'parallel ' || t.sig);
END $$;
