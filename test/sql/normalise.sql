-- normalise: the built-in normalisation methods against hand computations.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- x = 2 4 4 4 5 5 7 9: mean 5, sum of squares 32
-- population sd 2: z(2) = -1.5, z(9) = 2; sample sd sqrt(32/7) = 2.13808993529940
SELECT nous.normalise('{2,4,4,4,5,5,7,9}', 'zscore(sd=population)');
SELECT round((nous.normalise('{2,4,4,4,5,5,7,9}'))[1]::numeric, 12) AS z_sample_first,
       round((-3 / sqrt(32.0 / 7))::numeric, 12) AS by_hand;
-- the default is the sample standard deviation, as SQL's stddev()
SELECT nous.normalise('{2,4,4,4,5,5,7,9}') = nous.normalise('{2,4,4,4,5,5,7,9}', 'zscore(sd=sample)') AS default_is_sample;
-- same as the plain-SQL window-function way
SELECT bool_and(abs(z - (x - a) / s) < 1e-12) AS matches_plain_sql
  FROM (SELECT x, avg(x) OVER () a, stddev(x) OVER () s,
               (nous.normalise(array_agg(x) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)))[i] z
          FROM unnest('{3.5,-1,8,2.25,0,11,7}'::float8[]) WITH ORDINALITY AS t(x, i)) q;

-- NULL elements stay NULL and are ignored: 1 NULL 3 has mean 2
SELECT nous.normalise('{1,NULL,3}', 'zscore(sd=population)');
SELECT nous.normalise('{NULL,NULL}'::float8[], 'zscore');
-- zero standard deviation: every z-score is 0; one value: 0
SELECT nous.normalise('{4,4,4}', 'zscore'), nous.normalise('{7}', 'zscore');

-- min-max on 0-100; all equal gives 50
SELECT nous.normalise('{2,4,9}', 'minmax'), nous.normalise('{3,3}', 'minmax');

-- ranks and ties
SELECT nous.normalise('{2,4,4,4,5,5,7,9}', 'rank') AS average,
       nous.normalise('{2,4,4,4,5,5,7,9}', 'rank(ties=min)') AS min,
       nous.normalise('{2,4,4,4,5,5,7,9}', 'rank(ties=max)') AS max;
SELECT nous.normalise('{30,10,20,NULL,10}', 'rank(ties=dense)') AS dense,
       nous.normalise('{30,10,20,NULL,10}', 'rank(ties = first)') AS first;
-- ties=min matches SQL rank(), ties=dense matches dense_rank()
SELECT bool_and(r = rk AND d = drk) AS matches_sql_rank
  FROM (SELECT i, rank() OVER (ORDER BY x) rk, dense_rank() OVER (ORDER BY x) drk
          FROM unnest('{5,1,5,3,3,3,9,0}'::float8[]) WITH ORDINALITY t(x, i)) a
  JOIN (SELECT i, r, d FROM unnest(nous.normalise('{5,1,5,3,3,3,9,0}', 'rank(ties=min)'),
                                    nous.normalise('{5,1,5,3,3,3,9,0}', 'rank(ties=dense)'))
                           WITH ORDINALITY u(r, d, i)) b USING (i);

-- percentile ranks: ties=min is SQL's percent_rank() x 100
SELECT nous.normalise('{2,4,4,4,5,5,7,9}', 'percentile(ties=min)');
SELECT bool_and(abs(p - 100 * pr) < 1e-12) AS matches_percent_rank
  FROM (SELECT i, percent_rank() OVER (ORDER BY x) pr
          FROM unnest('{5,1,5,3,3,3,9,0}'::float8[]) WITH ORDINALITY t(x, i)) a
  JOIN unnest(nous.normalise('{5,1,5,3,3,3,9,0}', 'percentile(ties=min)')) WITH ORDINALITY u(p, i) USING (i);
SELECT nous.normalise('{5,5,5}', 'percentile') AS all_tied_average,
       nous.normalise('{5,5,5}', 'percentile(ties=max)') AS all_tied_max,
       nous.normalise('{5}', 'percentile') AS one_value;

-- ratio to a reference, base 100; the default reference is the mean (5)
SELECT nous.normalise('{2,4,4,4,5,5,7,9}', 'ratio'),
       nous.normalise('{2,4}', 'ratio(ref=8)');

-- any lower bound is accepted; the result is 1-based
SELECT nous.normalise('[0:2]={1,2,3}'::float8[], 'rank');

-- the built-in functions can be called directly with jsonb parameters
SELECT nous.normalise_rank('{3,1,3}', '{"ties": "min"}'), nous.normalise_ratio('{1,2}', NULL);

-- bad input: each a clear error with its SQLSTATE
CALL public.expect_error($e$SELECT nous.normalise(NULL, 'zscore')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', NULL)$e$);
CALL public.expect_error($e$SELECT nous.normalise('{}', 'zscore')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,NaN}', 'zscore')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,Infinity}', 'minmax')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{-Infinity,1}', 'rank')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{{1,2},{3,4}}', 'zscore')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'nope')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'rank(ties=middle)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'rank(sd=sample)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'zscore(sd=3)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'rank(ties=min')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', '')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{-1,1}', 'ratio')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'ratio(ref=0)')$e$);
CALL public.expect_error($e$SELECT nous.normalise('{1,2}', 'ratio(ref=abc)')$e$);
CALL public.expect_error($e$SELECT nous.normalise_zscore('{1,2}', '[1,2]')$e$);
-- the messages say what to fix
SELECT nous.normalise('{1,NaN}', 'zscore');
SELECT nous.normalise('{1,2}', 'nope');
SELECT nous.normalise('{1,2}', 'rank(sd=sample)');
SELECT nous.normalise('{1,2}', 'rank(ties=min');

-- one descriptor table per family: the C tables (nous.builtin_methods()) and
-- the catalogue name the same built-ins, and every parameter a built-in
-- accepts is named in its description
SELECT family, name FROM nous.builtin_methods()
EXCEPT SELECT family, name FROM nous.methods WHERE builtin;
-- (one built-in is outside the C tables: the aggregation 'cumulative' of
-- sql/84_time.sql, written in PL/pgSQL over nous.aggregate's matrix)
SELECT family, name FROM nous.methods
 WHERE builtin AND family IN ('normalisation', 'aggregation', 'classification')
EXCEPT SELECT family, name FROM nous.builtin_methods();
SELECT b.family, b.name, split_part(p, ' ', 1) AS undocumented_parameter
  FROM nous.builtin_methods() b JOIN nous.methods m USING (family, name),
       unnest(b.parameters) p
 WHERE m.description !~ ('\m' || split_part(p, ' ', 1) || '\M');
SELECT family, name, parameters, centre, core FROM nous.builtin_methods()
 ORDER BY family, name;

-- parameters out of their range: the descriptor's rule, the value in DETAIL;
-- the same answer through nous.normalise, the SQL function and composite
SELECT nous.normalise('{1,2,3}', 'winsor(p=0.7)');
SELECT nous.normalise_winsor('{1,2,3}', '{"p": 0.7}');
SELECT nous.normalise('{1,2,3}', 'winsor(k=0)');
SELECT nous.normalise('{1,2,3}', 'zscore(sd=both)');
SELECT nous.normalise('{1,2,3}', 'rank(ties=middle)');
SELECT nous.normalise('{1,2,3}', 'log(scale=unit)');
SELECT nous.normalise('{1,2,3}', 'goalposts(lo=2, hi=2)');
SELECT nous.normalise('{1,2,3}', 'goalposts(clip=maybe)');
SELECT nous.normalise('{-1,2,3}', 'log');
SELECT nous.aggregate('{{1,2},{3,4}}', '{1,1}', 'worstq(q=2)');
SELECT nous.aggregate('{{1,2},{3,4}}', '{1,1}', 'mpi(sign=0)');
SELECT nous.breaks_quantile('{1,2,3}', 2, '{"type": 10}');
SELECT nous.breaks_headtails('{1,2,3}', 2, '{"thr": 0}');
SELECT nous.breaks_sd('{1,2,3}', 2, '{"width": -1}');
SELECT nous.breaks_box('{1,2,3}', 2, '{"hinge": -1}');
SELECT nous.composite(ARRAY[v], NULL, NULL, 'winsor(p=0.7)') OVER ()
  FROM (VALUES (1.0::float8), (2.0)) t(v);
-- named notation without quoting a reserved word (issue 15): x, not "values"
SELECT nous.normalise(x => '{1,2,3}', method => 'minmax') AS minmax;
