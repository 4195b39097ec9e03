-- shared_time: the time module on real data (../shared): INSEE's commune
-- events of COG 2025 and the 2015 populations in COG 2017, converted to COG
-- 2019, 2024 and 2025 under the three split rules and compared with
-- oracles/cog_passage (COGiter, COGugaison and an independent
-- implementation); the Observatoire des territoires' annualised rates
-- (oracles/histodemo) recomputed for every territory and period.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\set SHOW_CONTEXT never
\getenv shared NOUS_SHARED
\set d :shared '/data/cog-evenements-communes/'

-- ---- 1. events and the COG 2025 list, loaded from staging tables (into an
-- empty catalogue: the suites on shared data share one database)
DELETE FROM nous.cog_events;
DELETE FROM nous.cog_communes;
SELECT nous.create_staging('ev', 'MOD,DATE_EFF,TYPECOM_AV,COM_AV,TNCC_AV,NCC_AV,NCCENR_AV,LIBELLE_AV,TYPECOM_AP,COM_AP,TNCC_AP,NCC_AP,NCCENR_AP,LIBELLE_AP') AS sep;
\set f :d 'mvtcommunes_2025.csv'
COPY ev FROM :'f' WITH (FORMAT csv, HEADER);
SELECT nous.cog_load_events('ev', 'INSEE v_mvt_commune_2025') AS events;
SELECT nous.create_staging('cl', 'TYPECOM,COM,DEP,REG,LIBELLE,COMPARENT') AS sep;
\set f :d 'communes_cog2025.csv'
COPY cl FROM :'f' WITH (FORMAT csv, HEADER);
SELECT nous.cog_load_communes('cl', 2025, 'INSEE v_commune_2025') AS communes;
-- the communes in force on 1 January of some years, walked back from the 2025
-- list (INSEE's published counts: 35,885 in 2016, 35,416 in 2017, 34,970 in
-- 2019, 34,935 in 2024, 34,875 in 2025)
SELECT y, (SELECT count(*) FROM nous.cog_codes(make_date(y, 1, 1))) AS communes FROM unnest('{2016,2017,2019,2024,2025}'::int[]) y;

-- ---- 2. the source table (COG 2017) and the expected values
CREATE TABLE pop (depcom text, pop2015 bigint, pop2015_a_part bigint, pop2015_totale bigint);
\set f :d 'pop2015_cog2017.csv'
COPY pop FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE expected (kase text, quantity text, value text, definition text);
\set f :shared '/oracles/cog_passage/expected.csv'
COPY expected FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE got (quantity text, value text);
\set rules '{"pop2015": "sum", "pop2015_a_part": "sum", "pop2015_totale": "sum"}'
CREATE TEMP TABLE c2025 AS SELECT * FROM nous.cog_convert(NULL::pop, 'depcom', '2017-01-01', '2025-01-01', :'rules', 'territory');
CREATE TEMP TABLE c2019 AS SELECT * FROM nous.cog_convert(NULL::pop, 'depcom', '2017-01-01', '2019-01-01', :'rules');
CREATE TABLE pop2019 AS SELECT * FROM c2019;
CREATE TEMP TABLE chain AS SELECT * FROM nous.cog_convert(NULL::pop2019, 'depcom', '2019-01-01', '2025-01-01', :'rules', 'territory');
CREATE TEMP TABLE code2025 AS SELECT * FROM nous.cog_convert(NULL::pop, 'depcom', '2017-01-01', '2025-01-01', :'rules', 'code');
CREATE TEMP TABLE t2024 AS SELECT * FROM nous.cog_convert(NULL::pop, 'depcom', '2017-01-01', '2024-01-01', :'rules', 'territory');
-- rule ratio: COGugaison's fixed ratios, given as the weights of the communes after each split
CREATE TEMP TABLE ratios (date_eff date, com_av text, code text, weight float8);
\set f :shared '/oracles/cog_passage/split_ratios_cogugaison_2017_2024.csv'
COPY ratios FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP VIEW ratio_w AS SELECT code, weight FROM ratios;
-- (fractions need float columns: integer columns of a converted table are rounded)
CREATE TABLE popf AS SELECT depcom, pop2015::float8 AS pop2015, pop2015_a_part::float8 AS pop2015_a_part, pop2015_totale::float8 AS pop2015_totale FROM pop;
CREATE TEMP TABLE r2024 AS SELECT * FROM nous.cog_convert(NULL::popf, 'depcom', '2017-01-01', '2024-01-01', :'rules', 'weight', 'ratio_w');
CREATE FUNCTION triple(t regclass, code text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT concat_ws(%L, pop2015, pop2015_a_part, pop2015_totale) FROM %s WHERE depcom = %L', ';', t, code) INTO r;
  RETURN r;
END $$;
CREATE FUNCTION totals(t regclass) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT concat_ws(%L, sum(pop2015), sum(pop2015_a_part), sum(pop2015_totale)) FROM %s', ';', t) INTO r;
  RETURN r;
END $$;
INSERT INTO got VALUES
 ('source_n_rows', (SELECT count(*) FROM pop)::text),
 ('source_n_arm', (SELECT count(*) FROM pop p JOIN nous.cog_communes c ON c.com = p.depcom AND c.typecom = 'ARM')::text),
 ('source_totals', totals('pop')),
 ('source_n_codes_gone_2025', (SELECT count(*) FROM pop p WHERE p.depcom NOT IN (SELECT nous.cog_codes('2025-01-01'))
                                 AND p.depcom NOT IN (SELECT c.com FROM nous.cog_communes c WHERE c.typecom = 'ARM'))::text),
 ('cog2025_n_rows', (SELECT count(*) FROM c2025)::text),
 ('cog2025_totals', totals('c2025')),
 ('cog2025_n_absent', (SELECT count(*) FROM nous.cog_codes('2025-01-01') c WHERE c NOT IN (SELECT depcom FROM c2025))::text),
 ('cog2025_absent_codes', (SELECT string_agg(c, ';' ORDER BY c) FROM nous.cog_codes('2025-01-01') c WHERE c NOT IN (SELECT depcom FROM c2025))),
 ('cog2025_n_multi_source', (SELECT count(*) FROM (SELECT p.code_to FROM nous.cog_passage('2017-01-01', '2025-01-01', 'territory') p
                                                     JOIN pop ON pop.depcom = p.code_from
                                                    WHERE p.code_from NOT IN (SELECT c.com FROM nous.cog_communes c WHERE c.typecom = 'ARM')
                                                    GROUP BY 1 HAVING count(*) > 1) x)::text),
 ('commune_44180', triple('c2025', '44180')), ('commune_37254', triple('c2025', '37254')),
 ('commune_63448', triple('c2025', '63448')), ('commune_69114', triple('c2025', '69114')),
 ('commune_49160', triple('c2025', '49160')), ('commune_01187', triple('c2025', '01187')),
 ('commune_85084', triple('c2025', '85084')), ('commune_60694', triple('c2025', '60694')),
 ('cogiter_commune_60054_60694', triple('code2025', '60054') || ';' || triple('code2025', '60694')),
 ('cog2019_n_rows', (SELECT count(*) FROM c2019)::text),
 ('cog2019_totals', totals('c2019')),
 ('chain_2019_2025_n_rows', (SELECT count(*) FROM chain)::text),
 ('chain_n_communes_differ', (SELECT count(*) FROM c2025 a FULL JOIN chain b USING (depcom)
                               WHERE (a.pop2015, a.pop2015_a_part, a.pop2015_totale) IS DISTINCT FROM (b.pop2015, b.pop2015_a_part, b.pop2015_totale))::text),
 ('chain_commune_60054', triple('chain', '60054')),
 ('chain_totals', totals('chain')),
 ('ratio2024_n_rows', (SELECT count(*) FROM r2024)::text),
 ('territory2024_n_rows', (SELECT count(*) FROM t2024)::text);
-- exact quantities (counts, integer populations, code lists)
SELECT e.quantity, g.value = e.value AS equal, CASE WHEN g.value <> e.value THEN g.value END AS got
  FROM expected e JOIN got g USING (quantity) ORDER BY e.quantity;
SELECT count(*) AS expected_quantities_checked FROM expected e JOIN got g USING (quantity);
-- rule ratio gives fractions: the fractional populations of 14666 and 14712 to 1e-9
SELECT e.quantity, bool_and(abs(x.v - y.v::float8) <= 1e-9 * abs(y.v::float8)) AS equal_1e9
  FROM expected e
  CROSS JOIN LATERAL (SELECT ARRAY[r.pop2015, r.pop2015_a_part, r.pop2015_totale] AS a FROM r2024 r WHERE 'ratio2024_commune_' || r.depcom = e.quantity) r
  CROSS JOIN LATERAL unnest(r.a, string_to_array(e.value, ';')) AS x(v, _)
  CROSS JOIN LATERAL (SELECT x._ AS v) y
 WHERE e.quantity LIKE 'ratio2024_commune_%' GROUP BY 1 ORDER BY 1;
-- rule ratio: totals preserved to rounding, chained = direct (linear per event)
SELECT abs(sum(pop2015) - 66190280) < 1e-6 AS ratio_total_preserved FROM r2024;
CREATE TABLE popf2019 AS SELECT * FROM nous.cog_convert(NULL::popf, 'depcom', '2017-01-01', '2019-01-01', :'rules');
SELECT count(*) AS rows, max(abs(a.pop2015 - b.pop2015)) < 1e-9 AS chained_equals_direct
  FROM r2024 a JOIN nous.cog_convert(NULL::popf2019, 'depcom', '2019-01-01', '2024-01-01', :'rules', 'weight', 'ratio_w') b USING (depcom);
-- the same Loire-Atlantique commune nouvelle seen from the passage table
SELECT * FROM nous.cog_passage('2017-01-01', '2025-01-01', 'territory') WHERE code_to = '44180' ORDER BY 1;

-- ---- 3. backwards with population shares: the COG 2025 table taken back to COG 2017
-- with the 2015 populations as weights gives every 2017 commune its population
-- (Paris, Lyon and Marseille come back as communes: arrondissements are not restored)
CREATE TEMP VIEW w2017 AS SELECT depcom AS code, pop2015 AS weight FROM pop;
CREATE TABLE pop2025 AS SELECT depcom, pop2015::float8 AS pop2015, pop2015_a_part::float8 AS pop2015_a_part, pop2015_totale::float8 AS pop2015_totale FROM c2025;
CREATE TEMP TABLE back AS
SELECT * FROM nous.cog_convert(NULL::pop2025, 'depcom', '2025-01-01', '2017-01-01', :'rules', 'territory', 'w2017');
SELECT count(*) AS rows, abs(sum(b.pop2015) - 66190280) < 1e-6 AS total_preserved,
       count(*) FILTER (WHERE b.depcom IN ('75056', '69123', '13055')) AS plm,
       count(*) FILTER (WHERE b.depcom NOT IN ('75056', '69123', '13055') AND abs(b.pop2015 - p.pop2015) > 1e-6) AS differ,
       count(*) FILTER (WHERE p.depcom IS NULL) AS not_in_source
  FROM back b LEFT JOIN pop p USING (depcom);
-- a reverse passage without weights is refused, naming the communes that need one
SELECT count(*) FROM nous.cog_passage('2025-01-01', '2017-01-01', 'territory');
-- and a passage across the 2019-12-31 and 2024 splits with no rule is refused
SELECT count(*) FROM nous.cog_passage('2017-01-01', '2025-01-01');

-- ---- 4. Observatoire des territoires: annualised rates for all 364 rows
CREATE TEMP TABLE histo (terr text, lib_terr text, periode text, periode_milieu float8, n float8, p0 float8, p1 float8,
                         deces float8, naissances float8, evol_tot float8, evol_sn float8, evol_sma float8,
                         tx_tot float8, tx_sn float8, tx_sma float8, niv_terr text);
\set f :shared '/data/mobilites-residentielles-epci-ot/indics_TERR_histodemo.csv'
COPY histo FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE histo_got AS
SELECT h.*, r.* FROM histo h, nous.annual_rate_parts(h.p0, h.p1, h.n, h.naissances - h.deces) r;
SELECT count(*) AS rows, count(DISTINCT (niv_terr, terr)) AS territories, count(DISTINCT periode) AS periods,
       count(*) FILTER (WHERE abs(rate_total - tx_tot) <= 1e-12 * abs(tx_tot)
                          AND abs(rate_natural - tx_sn) <= 1e-12 * abs(tx_sn)
                          AND abs(rate_migration - tx_sma) <= 1e-12 * abs(tx_sma)) AS match_1e12,
       max(abs(rate_total / tx_tot - 1)) < 1e-13 AS tot_1e13
  FROM histo_got;
CREATE TEMP TABLE hexp (kase text, quantity text, value text, definition text);
\set f :shared '/oracles/histodemo/expected.csv'
COPY hexp FROM :'f' WITH (FORMAT csv, HEADER);
SELECT e.quantity,
       bool_and(abs(v.g - v.w::float8) <= 1e-12 * greatest(abs(v.w::float8), 1e-300)) AS equal_1e12
  FROM hexp e
  JOIN histo_got h ON e.quantity = h.niv_terr || '_' || h.terr || '_' || h.periode
  CROSS JOIN LATERAL unnest(ARRAY[h.p0, h.p1, h.naissances - h.deces, h.rate_total, h.rate_natural, h.rate_migration],
                            string_to_array(e.value, ';')) AS v(g, w)
 GROUP BY 1 ORDER BY 1;
-- not the arithmetic mean rate, not (1 + SN/P0)^(1/n) - 1
SELECT e.quantity, abs(h.rate_total - e.value::float8) > 1e-4 AS differs_from_ours
  FROM hexp e JOIN histo_got h ON h.niv_terr = 'EPCI' AND h.terr = '244400404' AND h.periode = '2011_2016'
 WHERE e.quantity LIKE 'not_this_%' ORDER BY 1;
