-- Benchmark case of the time module: converting a national commune table
-- (every commune of COG 2015, about 36,600, x 10 indicators: 8 counts and 2
-- rates recomputed from their numerator and denominator) to COG 2025 with
-- nous.cog_convert, against the plain SQL join on a prepared passage table.
-- The events are INSEE's (../shared/data/cog-evenements-communes, or
-- $NOUS_SHARED); the indicator values are deterministic.
\getenv shared NOUS_SHARED
\if :{?shared}
\else
  \getenv pwd PWD
  \set shared :pwd '/../shared'
\endif
\set d :shared '/data/cog-evenements-communes/'
SELECT nous.create_staging('bench_ev', 'MOD,DATE_EFF,TYPECOM_AV,COM_AV,TNCC_AV,NCC_AV,NCCENR_AV,LIBELLE_AV,TYPECOM_AP,COM_AP,TNCC_AP,NCC_AP,NCCENR_AP,LIBELLE_AP');
\set f :d 'mvtcommunes_2025.csv'
COPY bench_ev FROM :'f' WITH (FORMAT csv, HEADER);
SELECT nous.cog_load_events('bench_ev', 'INSEE v_mvt_commune_2025');
SELECT nous.create_staging('bench_cl', 'TYPECOM,COM,DEP,REG,LIBELLE,COMPARENT');
\set f :d 'communes_cog2025.csv'
COPY bench_cl FROM :'f' WITH (FORMAT csv, HEADER);
SELECT nous.cog_load_communes('bench_cl', 2025, 'INSEE v_commune_2025');

CREATE TABLE nous_bench.com2015 AS
SELECT c AS com,
       (h % 5000)::bigint AS pop, (h % 997)::bigint AS men, (h % 331)::bigint AS chom, (h % 2000 + 331)::bigint AS act,
       (h % 181)::bigint AS logsoc, (h % 1500 + 181)::bigint AS rp, (h % 77)::bigint AS naiss, (h % 55)::bigint AS deces,
       ((h % 331) * 100.0 / (h % 2000 + 331))::float8 AS tx_chom, ((h % 181) * 100.0 / (h % 1500 + 181))::float8 AS tx_logsoc
  FROM (SELECT c, abs(hashtext(c)) AS h FROM nous.cog_codes('2015-01-01') c) x;
ANALYZE nous_bench.com2015;
-- the prepared passage table of the plain SQL way
CREATE TABLE nous_bench.passage_2015_2025 AS SELECT * FROM nous.cog_passage('2015-01-01', '2025-01-01', 'territory');
ANALYZE nous_bench.passage_2015_2025;

INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql) VALUES
('time', 'cog_convert of every commune x 10 indicators, COG 2015 -> 2025',
 $$SELECT count(*) FROM nous_bench.com2015$$,
 $$SELECT * FROM nous.cog_convert(NULL::nous_bench.com2015, 'com', '2015-01-01', '2025-01-01',
     '{"pop": "sum", "men": "sum", "chom": "sum", "act": "sum", "logsoc": "sum", "rp": "sum", "naiss": "sum", "deces": "sum",
       "tx_chom": {"rate": ["chom", "act"], "scale": 100}, "tx_logsoc": {"rate": ["logsoc", "rp"], "scale": 100}}', 'territory')$$,
 $$SELECT p.code_to AS com, sum(d.pop * p.share)::bigint, sum(d.men * p.share)::bigint, sum(d.chom * p.share)::bigint,
          sum(d.act * p.share)::bigint, sum(d.logsoc * p.share)::bigint, sum(d.rp * p.share)::bigint,
          sum(d.naiss * p.share)::bigint, sum(d.deces * p.share)::bigint,
          100 * sum(d.chom * p.share) / nullif(sum(d.act * p.share), 0), 100 * sum(d.logsoc * p.share) / nullif(sum(d.rp * p.share), 0)
     FROM nous_bench.com2015 d JOIN nous_bench.passage_2015_2025 p ON p.code_from = d.com
    GROUP BY p.code_to$$,
 $$SELECT sum(pop) FROM nous_bench.com2015$$);
