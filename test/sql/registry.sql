-- registry: a user-written method registered under a new name is usable
-- wherever a built-in name is, in the same query; bad registrations fail
-- cleanly and register nothing.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
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
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'share(k=1)')$e$);

-- bad registrations: nothing is registered
CREATE FUNCTION public.wrong_return(v float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT 1.0::float8';
CREATE FUNCTION public.wrong_args(v int[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT NULL::float8[]';
CREATE FUNCTION public.volatile_one(v float8[]) RETURNS float8[] LANGUAGE sql VOLATILE PARALLEL SAFE AS 'SELECT v';
CREATE FUNCTION public.unsafe_one(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE AS 'SELECT v';
CREATE FUNCTION public.setof_one(v float8[]) RETURNS SETOF float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT v';
CREATE AGGREGATE public.agg_one(float8[]) (sfunc = array_cat, stype = float8[]);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'x1', 'public.wrong_return(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'x2', 'public.wrong_args(int[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'x3', 'public.volatile_one(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'x4', 'public.unsafe_one(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'x5', 'public.setof_one(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'x6', 'public.agg_one(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'x7', 'public.no_such_function(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'zscore', 'public.share_of_total(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'Bad Name', 'public.share_of_total(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method('nosuchfamily', 'x8', 'public.share_of_total(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.register_method(NULL, 'x9', 'public.share_of_total(float8[])')$e$);
CALL public.expect_error($e$SELECT nous.unregister_method('normalisation', 'zscore')$e$);
CALL public.expect_error($e$SELECT nous.unregister_method('normalisation', 'never_registered')$e$);
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

-- ---- every resolution checks the function again (issue 13) ----
-- a direct write to the catalogue runs the same checks as register_method:
-- int4abs(integer) as a normalisation crashed 0.1.0 at the first call
CALL public.expect_error($e$INSERT INTO nous.method_catalog (family, name, function) VALUES ('normalisation', 'confused', 'pg_catalog.int4abs(integer)')$e$);
CALL public.expect_error($e$UPDATE nous.method_catalog SET function = 'pg_catalog.int4abs(integer)' WHERE name = 'share'$e$);
CALL public.expect_error($e$INSERT INTO nous.method_catalog (family, name, function, builtin) VALUES ('normalisation', 'fake', 'public.share_of_total(float8[])', true)$e$);
-- rows the trigger never saw (disabled by the table's owner, or written
-- under 0.1.0) are refused at every call, in every family, with the reason
ALTER TABLE nous.method_catalog DISABLE TRIGGER method_catalog_check;
INSERT INTO nous.method_catalog (family, name, function) VALUES
  ('normalisation', 'confused', 'pg_catalog.int4abs(integer)'),
  ('aggregation', 'confused', 'pg_catalog.int4abs(integer)'),
  ('classification', 'confused', 'pg_catalog.int4abs(integer)'),
  ('flow_selection', 'confused', 'pg_catalog.int4abs(integer)'),
  ('segregation', 'confused', 'pg_catalog.int4abs(integer)'),
  ('multigroup_segregation', 'confused', 'pg_catalog.int4abs(integer)'),
  ('normalisation', 'poly', 'pg_catalog.array_to_json(anyarray)'),
  ('normalisation', 'fake', 'public.share_of_total(float8[])');
ALTER TABLE nous.method_catalog ENABLE TRIGGER method_catalog_check;
SELECT nous.normalise('{1,2,3}', 'confused');
CALL public.expect_error($e$SELECT nous.aggregate('{{1,2},{3,4}}', NULL, 'confused')$e$);
CALL public.expect_error($e$SELECT nous.breaks(x, 2, 'confused') FROM unnest('{1,2,3,4}'::float8[]) x$e$);
CALL public.expect_error($e$SELECT nous.flow_select(nous.flow_matrix('a', 'b', 1.0), 'confused', 1)$e$);
CALL public.expect_error($e$SELECT nous.segregation(nous.mixpairs_agg(g, t), 'confused') FROM (VALUES (1.0, 10.0), (4.0, 10.0)) p(g, t)$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2,3}', 'poly')$e$);
-- a row marked built-in by hand is served as the user function it is
SELECT nous.normalise('{1,3,4}', 'fake');
DELETE FROM nous.method_catalog WHERE name IN ('confused', 'poly', 'fake');

-- SECURITY DEFINER is refused: a method runs with the rights of its caller
CREATE FUNCTION public.lend(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE SECURITY DEFINER AS 'SELECT v';
CALL public.expect_error($e$SELECT nous.register_method('normalisation', 'lend', 'public.lend(float8[])')$e$);

-- the function changed after its registration: checked at the next call,
-- in the same session (the cached verdict is dropped with the pg_proc row)
SELECT nous.normalise('{1,3,4}', 'share');
ALTER FUNCTION public.share_of_total(float8[]) VOLATILE;
CALL public.expect_error($e$SELECT nous.normalise('{1,3,4}', 'share')$e$);
ALTER FUNCTION public.share_of_total(float8[]) IMMUTABLE PARALLEL RESTRICTED;
CALL public.expect_error($e$SELECT nous.normalise('{1,3,4}', 'share')$e$);
ALTER FUNCTION public.share_of_total(float8[]) PARALLEL SAFE SECURITY DEFINER;
CALL public.expect_error($e$SELECT nous.normalise('{1,3,4}', 'share')$e$);
ALTER FUNCTION public.share_of_total(float8[]) SECURITY INVOKER;
SELECT nous.normalise('{1,3,4}', 'share');

-- trust: a method runs for other roles only when its owner is trusted
CREATE ROLE regress_nous_reg_analyst;
CREATE ROLE regress_nous_reg_reader;
CREATE ROLE regress_nous_reg_trusted;
CREATE SCHEMA regress_nous_reg AUTHORIZATION regress_nous_reg_analyst;
GRANT USAGE ON SCHEMA regress_nous_reg TO PUBLIC;
GRANT INSERT, DELETE ON nous.method_catalog TO regress_nous_reg_analyst;
SET ROLE regress_nous_reg_analyst;
CREATE FUNCTION regress_nous_reg.twice(v float8[]) RETURNS float8[] LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT array_agg(x * 2 ORDER BY i) FROM unnest(v) WITH ORDINALITY t(x, i) $$;
SET client_min_messages = notice;
SELECT nous.register_method('normalisation', 'twice', 'regress_nous_reg.twice(float8[])');
SET client_min_messages = warning;
-- its owner may call it ...
SELECT nous.normalise('{1,2}', 'twice');
RESET ROLE;
-- ... a superuser may not
SELECT nous.normalise('{1,2}', 'twice');
SET ROLE regress_nous_reg_reader;
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'twice')$e$);
RESET ROLE;
-- registered by a superuser changes nothing: the owner decides
SELECT nous.register_method('normalisation', 'twice_su', 'regress_nous_reg.twice(float8[])');
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'twice_su')$e$);
SELECT nous.unregister_method('normalisation', 'twice_su');
SELECT nous.method_owner_trusted('regress_nous_reg.twice(float8[])'),
       nous.method_owner_trusted('public.share_of_total(float8[])'),
       nous.method_owner_trusted('nous.normalise_zscore(float8[], jsonb)');
-- a superuser lists the role: its methods run for everyone (same session)
SET nous.trusted_method_owners = 'regress_nous_reg_trusted, regress_nous_reg_analyst';
SELECT nous.method_owner_trusted('regress_nous_reg.twice(float8[])');
SELECT nous.normalise('{1,2}', 'twice');
RESET nous.trusted_method_owners;
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'twice')$e$);
-- only superusers set the list
SET ROLE regress_nous_reg_analyst;
CALL public.expect_error($e$SET nous.trusted_method_owners = 'regress_nous_reg_analyst'$e$);
RESET ROLE;
-- a member of a listed role is not trusted for being a member
SET nous.trusted_method_owners = 'regress_nous_reg_trusted';
GRANT regress_nous_reg_trusted TO regress_nous_reg_analyst;
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'twice')$e$);
-- the listed role owning the function is
ALTER FUNCTION regress_nous_reg.twice(float8[]) OWNER TO regress_nous_reg_trusted;
SELECT nous.normalise('{1,2}', 'twice');
SET ROLE regress_nous_reg_reader;
SELECT nous.normalise('{1,2}', 'twice');
RESET ROLE;
-- EXECUTE on the function and USAGE on its schema, for the calling role
REVOKE EXECUTE ON FUNCTION regress_nous_reg.twice(float8[]) FROM PUBLIC;
SET ROLE regress_nous_reg_reader;
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'twice')$e$);
RESET ROLE;
GRANT EXECUTE ON FUNCTION regress_nous_reg.twice(float8[]) TO regress_nous_reg_reader;
REVOKE USAGE ON SCHEMA regress_nous_reg FROM PUBLIC;
SET ROLE regress_nous_reg_reader;
SELECT nous.normalise('{1,2}', 'twice');
RESET ROLE;
GRANT USAGE ON SCHEMA regress_nous_reg TO regress_nous_reg_reader;
SET ROLE regress_nous_reg_reader;
SELECT nous.normalise('{1,2}', 'twice');
RESET ROLE;
RESET nous.trusted_method_owners;
SELECT nous.unregister_method('normalisation', 'twice');
DROP SCHEMA regress_nous_reg CASCADE;
REVOKE ALL ON nous.method_catalog FROM regress_nous_reg_analyst;
DROP ROLE regress_nous_reg_analyst;
DROP ROLE regress_nous_reg_reader;
DROP ROLE regress_nous_reg_trusted;
DROP FUNCTION public.lend(float8[]);

-- the unknown-method error lists the user methods too
SELECT nous.normalise('{1,2}', 'nope');
SELECT nous.unregister_method('normalisation', 'share');
SELECT nous.unregister_method('normalisation', 'times');
SELECT count(*) AS user_methods_left FROM nous.methods WHERE NOT builtin;
