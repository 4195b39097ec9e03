-- names: place-name keys, similarity, matching and the French collation, by hand.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
\i test/sql/lib/expect_error.sql
SET extra_float_digits = 0;

-- the issue's example: accents, case, an en dash, a hyphen give the same key
SELECT nous.name_key('Rezé – Château-Mahaudières') AS k1,
       nous.name_key('REZE CHATEAU MAHAUDIERES') AS k2,
       nous.name_key('Rezé – Château-Mahaudières') = nous.name_key('REZE CHATEAU MAHAUDIERES') AS same;
-- hand keys: (name, expected key)
SELECT name, nous.name_key(name) AS key, nous.name_key(name) = want AS ok
  FROM (VALUES ('Élancourt', 'elancourt'),                      -- accent, case
               ('ÉLANCOURT', 'elancourt'),                      -- capital accent
               ('Saint-Étienne', 'saint etienne'),              -- hyphen
               ('St Étienne', 'saint etienne'),                 -- St
               ('St. Étienne', 'saint etienne'),                -- St.
               ('Sainte-Luce-sur-Loire', 'sainte luce sur loire'),
               ('Ste Luce sur Loire', 'sainte luce sur loire'), -- Ste
               ('Villeneuve-d''Ascq', 'villeneuve d ascq'),     -- apostrophe
               ('Villeneuve-d’Ascq', 'villeneuve d ascq'),      -- typographic apostrophe
               ('L''Haÿ-les-Roses', 'hay les roses'),           -- leading L', ÿ
               ('Le Pouliguen', 'pouliguen'),                   -- leading Le
               ('La Baule-Escoublac', 'baule escoublac'),       -- leading La
               ('Les Sorinières', 'sorinieres'),                -- leading Les
               ('Les', 'les'),                                  -- an article alone stays
               ('Pont-la-Rivière', 'pont la riviere'),          -- only a leading article goes
               ('Nantes — Bellevue', 'nantes bellevue'),        -- em dash
               ('Nantes   -   Bellevue ', 'nantes bellevue'),   -- multiple spaces
               ('Œuilly', 'oeuilly'),                           -- ligature
               ('Ville (Centre) / Nord!', 'ville centre nord'), -- punctuation
               ('', ''),                                        -- empty string
               (' – ', '')) AS t(name, want);
SELECT nous.name_key(NULL) IS NULL AS null_in_null_out;

-- similarity by hand: 1 - Levenshtein / longer length, on keys and sorted words
-- 'saint nazaire' (13) vs 'saint nazare' (12): one deletion, 1 - 1/13 = 0.923076923077
SELECT round(nous.name_similarity('Saint-Nazaire', 'St Nazare')::numeric, 12) AS nazaire,
       round((1 - 1 / 13.0)::numeric, 12) AS by_hand;
-- equal keys: 1; words swapped: 'chateau reze' sorts as 'reze chateau': 1
SELECT nous.name_similarity('NANTES', 'Nantes') AS equal_keys,
       nous.name_similarity('Château Rezé', 'Rezé – Château') AS swapped;
-- 'blain' vs 'bouvron': Levenshtein 5, longer 7: 2/7 = 0.285714285714
SELECT round(nous.name_similarity('Blain', 'Bouvron')::numeric, 12) AS blain_bouvron,
       round((2 / 7.0)::numeric, 12) AS by_hand;
-- two empty keys: 1; one empty: 0; NULL: NULL
SELECT nous.name_similarity('', '–') AS both_empty, nous.name_similarity('', 'Nantes') AS one_empty,
       nous.name_similarity(NULL, 'Nantes') IS NULL AS null_in;
SELECT nous.name_key_similarity('abc', 'cba') AS one_third;  -- 1 - 2/3

-- matching: a exact, a misspelled, a duplicate name in b, a NULL name, an unknown one
-- 'sain herblain' vs 'saint herblain': 1 - 1/14 = 0.928571428571; vs 'saint herblin': 1 - 2/14
-- 'montoir' vs 'mont' ... the best 'montoir de bretagne' (19): 1 - 12/19 = 0.368421052632 < 0.85
SELECT a_code, b_code, a_name, b_name, round(score::numeric, 12) AS score, uncertain
  FROM nous.name_match('{1,2,3,4,5}', '{Nantes,Sain Herblain,Sainte-Luce,NULL,Montoir}',
                       '{a,b,c,d,e,f}', '{NANTES,Saint-Herblain,Saint-Herblin,Ste Luce,Sainte Luce,Montoir-de-Bretagne}');
-- the threshold: at 0.95 the misspelled pair becomes uncertain
SELECT a_code, b_code, uncertain
  FROM nous.name_match('{2}', '{Sain Herblain}', '{b,c}', '{Saint-Herblain,Saint-Herblin}', 0.95);
-- second best within 0.05: 'saint herblain' vs 'saint herblin' 13/14 vs 'saint herblaine' 14/15
SELECT b_code, round(score::numeric, 6) AS score, uncertain
  FROM nous.name_match('{x}', '{Saint Herblain}', '{c,g}', '{Saint-Herblin,Saint Herblaine}');
-- empty lists
SELECT count(*) FROM nous.name_match('{}', '{}', '{a}', '{Nantes}');
SELECT a_code, b_code, score, uncertain FROM nous.name_match('{1}', '{Nantes}', '{}', '{}');

-- the French collation: accents are secondary, Élancourt between Eaubonne and Ézanville
SELECT array_agg(x ORDER BY x COLLATE nous.fr) AS fr_order
  FROM unnest('{Ézanville,Élancourt,Eaubonne,Écouen,Ennery}'::text[]) x;
SELECT 'Eaubonne' < 'Élancourt' COLLATE nous.fr AND 'Élancourt' < 'Ézanville' COLLATE nous.fr AS between;
-- the byte order (COLLATE "C") puts every É after every E: Ennery before Élancourt
SELECT array_agg(x ORDER BY x COLLATE "C") AS c_order,
       array_agg(x ORDER BY x COLLATE nous.fr) AS fr_order
  FROM unnest('{Ézanville,Élancourt,Ennery}'::text[]) x;

-- an expression index needs an IMMUTABLE wrapper declared by the user, at their own risk
CREATE TEMP TABLE places (name text);
INSERT INTO places VALUES ('Saint-Nazaire'), ('Rezé'), ('Le Pouliguen');
CREATE FUNCTION pg_temp.my_name_key(text) RETURNS text IMMUTABLE PARALLEL SAFE STRICT
  LANGUAGE sql BEGIN ATOMIC SELECT nous.name_key($1); END;
CREATE INDEX ON places (pg_temp.my_name_key(name));
SELECT name FROM places WHERE pg_temp.my_name_key(name) = nous.name_key('ST NAZAIRE');

-- other scripts go to Latin first; a transliteration that grows (ß -> ss): 20,000
-- words 'strasse' and 19,999 spaces = 159,999 bytes
SELECT nous.name_key('Москва – Αθήνα') AS other_scripts,
       length(nous.name_key(repeat('Straße ', 20000))) AS long_key;
-- a long comparison answers a cancel: 400,000 x 400,000 cells stop at the timeout
SET statement_timeout = '200ms';
\set VERBOSITY sqlstate
SELECT nous.name_similarity(repeat('ab', 200000), repeat('ba', 200000));
\set VERBOSITY default
RESET statement_timeout;

-- volatility as documented
SELECT p.proname, p.provolatile, p.proparallel, p.proisstrict
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'nous' AND p.proname LIKE 'name%' ORDER BY 1;

-- bad input
CALL public.expect_error($e$SELECT * FROM nous.name_match('{1,2}', '{Nantes}', '{a}', '{Nantes}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.name_match('{1}', '{Nantes}', '{a}', '{Nantes,Rezé}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.name_match(NULL, '{Nantes}', '{a}', '{Nantes}')$e$);
CALL public.expect_error($e$SELECT * FROM nous.name_match('{1}', '{Nantes}', '{a}', '{Nantes}', 1.5)$e$);
CALL public.expect_error($e$SELECT * FROM nous.name_match('{1}', '{Nantes}', '{a}', '{Nantes}', 'NaN')$e$);
CALL public.expect_error($e$SELECT * FROM nous.name_match('{1}', '{Nantes}', '{a}', '{Nantes}', NULL)$e$);
SELECT * FROM nous.name_match('{1,2}', '{Nantes}', '{a}', '{Nantes}');
SELECT * FROM nous.name_match('{1}', '{Nantes}', '{a}', '{Nantes}', -0.1);

-- a database not in UTF8 gets a clear error (0A000 feature_not_supported)
\set regress_db :DBNAME
DROP DATABASE IF EXISTS nous_names_latin1;
CREATE DATABASE nous_names_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
\c nous_names_latin1
SET client_min_messages = warning;
CREATE EXTENSION nous CASCADE;
SELECT nous.name_key('Rezé');
\set VERBOSITY sqlstate
SELECT nous.name_similarity('Rezé', 'Reze');
\set VERBOSITY default
\c :regress_db
DROP DATABASE nous_names_latin1;
