-- registry: a user-written method registered under a new name is usable
-- wherever a built-in name is, in the same query; bad registrations fail
-- cleanly and register nothing.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;

SELECT family, arg_types, return_type, params FROM nous.method_families ORDER BY 1;
SELECT family, name, function, builtin FROM nous.methods ORDER BY family, name;

-- a user method: the share of the total, in percent (one call per vector)
CREATE FUNCTION public.share_of_total(v float8[]) RETURNS float8[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg(x * 100 / (SELECT sum(y) FROM unnest(v) y) ORDER BY i)
          FROM unnest(v) WITH ORDINALITY t(x, i) $$;
SELECT nous.register_method('normalisation', 'share', 'public.share_of_total(float8[])',
                            'share of the total, in percent');
SELECT name, function, builtin, description FROM nous.methods WHERE NOT builtin;
-- built-in and user methods side by side in one query
SELECT nous.normalise('{1,3,NULL,4}', 'share') AS share,
       nous.normalise('{1,3,NULL,4}', 'minmax') AS minmax;
-- the method name can vary from row to row
SELECT m, nous.normalise('{1,2,5}', m) FROM unnest('{share,rank,share,zscore(sd=population)}'::text[]) m;

-- a user method with parameters: (float8[], jsonb)
CREATE FUNCTION public.times(v float8[], p jsonb) RETURNS float8[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg(x * (p->>'k')::float8 ORDER BY i) FROM unnest(v) WITH ORDINALITY t(x, i) $$;
SELECT nous.register_method('normalisation', 'times', 'public.times(float8[], jsonb)');
SELECT nous.normalise('{1,2}', 'times(k=2.5)'), nous.normalise('{1,2}', 'times(k=-1)');
-- parameters given to a method that takes none
\set VERBOSITY sqlstate
SELECT nous.normalise('{1,2}', 'share(k=1)');

-- bad registrations: nothing is registered
CREATE FUNCTION public.wrong_return(v float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT 1.0::float8';
CREATE FUNCTION public.wrong_args(v int[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT NULL::float8[]';
CREATE FUNCTION public.volatile_one(v float8[]) RETURNS float8[] LANGUAGE sql VOLATILE PARALLEL SAFE AS 'SELECT v';
CREATE FUNCTION public.unsafe_one(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE AS 'SELECT v';
CREATE FUNCTION public.setof_one(v float8[]) RETURNS SETOF float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT v';
CREATE AGGREGATE public.agg_one(float8[]) (sfunc = array_cat, stype = float8[]);
SELECT nous.register_method('normalisation', 'x1', 'public.wrong_return(float8[])');
SELECT nous.register_method('normalisation', 'x2', 'public.wrong_args(int[])');
SELECT nous.register_method('normalisation', 'x3', 'public.volatile_one(float8[])');
SELECT nous.register_method('normalisation', 'x4', 'public.unsafe_one(float8[])');
SELECT nous.register_method('normalisation', 'x5', 'public.setof_one(float8[])');
SELECT nous.register_method('normalisation', 'x6', 'public.agg_one(float8[])');
SELECT nous.register_method('normalisation', 'x7', 'public.no_such_function(float8[])');
SELECT nous.register_method('normalisation', 'zscore', 'public.share_of_total(float8[])');
SELECT nous.register_method('normalisation', 'Bad Name', 'public.share_of_total(float8[])');
SELECT nous.register_method('nosuchfamily', 'x8', 'public.share_of_total(float8[])');
SELECT nous.register_method(NULL, 'x9', 'public.share_of_total(float8[])');
SELECT nous.unregister_method('normalisation', 'zscore');
SELECT nous.unregister_method('normalisation', 'never_registered');
\set VERBOSITY default
SELECT nous.register_method('normalisation', 'x2', 'public.wrong_args(int[])');
SELECT nous.register_method('normalisation', 'x4', 'public.unsafe_one(float8[])');
SELECT count(*) AS user_methods FROM nous.methods WHERE NOT builtin;

-- a method that breaks its contract is caught at call time
CREATE FUNCTION public.too_short(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT v[1:1]';
CREATE FUNCTION public.gives_null(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT NULL::float8[]';
SELECT nous.register_method('normalisation', 'too_short', 'public.too_short(float8[])');
SELECT nous.register_method('normalisation', 'gives_null', 'public.gives_null(float8[])');
SELECT nous.normalise('{1,2,3}', 'too_short');
SELECT nous.normalise('{1,2,3}', 'gives_null');

-- a dropped function: a clear error that says how to clean up
DROP FUNCTION public.gives_null(float8[]);
SELECT nous.normalise('{1,2,3}', 'gives_null');
SELECT nous.unregister_method('normalisation', 'gives_null');
SELECT nous.unregister_method('normalisation', 'too_short');

-- user registrations are kept by pg_dump (extension configuration table),
-- built-ins are not dumped
-- (the condition of nous.method_catalog only: other modules add their own tables)
SELECT c.tab::regclass AS config_table, c.cond AS extcondition
  FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(tab, cond)
 WHERE e.extname = 'nous' AND c.tab = 'nous.method_catalog'::regclass;

-- the unknown-method error lists the user methods too
SELECT nous.normalise('{1,2}', 'nope');
SELECT nous.unregister_method('normalisation', 'share');
SELECT nous.unregister_method('normalisation', 'times');
SELECT count(*) AS user_methods_left FROM nous.methods WHERE NOT builtin;
