-- place names: ICU keys, similarity, matching of two name lists, a French collation.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

CREATE COLLATION nous.fr (provider = icu, locale = 'fr-FR');
COMMENT ON COLLATION nous.fr IS
  'French ICU collation for ordering place names: accents are secondary differences (Eaubonne < Élancourt < Ézanville); use ORDER BY name COLLATE nous.fr.';

CREATE FUNCTION nous.name_key(name text)
  RETURNS text LANGUAGE c STABLE PARALLEL SAFE STRICT
  AS 'MODULE_PATHNAME', 'nous_name_key';
COMMENT ON FUNCTION nous.name_key(text) IS
  'Join key of a place name: ICU "Any-Latin; NFD; [:Nonspacing Mark:] Remove; NFC; Latin-ASCII; Lower", words = runs of [a-z0-9], St -> saint, Ste -> sainte, a leading article le/la/les/l dropped, one space between words. STABLE, not IMMUTABLE: the result depends on the ICU version. Needs a UTF8 database.';

CREATE FUNCTION nous.name_key_similarity(a_key text, b_key text)
  RETURNS float8 LANGUAGE c IMMUTABLE PARALLEL SAFE STRICT
  AS 'MODULE_PATHNAME', 'nous_name_key_similarity';
COMMENT ON FUNCTION nous.name_key_similarity(text, text) IS
  'Similarity in [0,1] of two keys from nous.name_key: max of 1 - lev(a,b)/max(|a|,|b|) on the keys and on their words sorted (Levenshtein distance in bytes; token sort ratio); 1 for two empty keys.';

CREATE FUNCTION nous.name_similarity(a text, b text)
  RETURNS float8 LANGUAGE c STABLE PARALLEL SAFE STRICT
  AS 'MODULE_PATHNAME', 'nous_name_similarity';
COMMENT ON FUNCTION nous.name_similarity(text, text) IS
  'nous.name_key_similarity(nous.name_key(a), nous.name_key(b)): 1 when the keys are equal.';

CREATE FUNCTION nous.name_match(a_codes text[], a_names text[], b_codes text[], b_names text[],
                                threshold float8 DEFAULT 0.85)
  RETURNS TABLE (a_code text, b_code text, a_name text, b_name text, score float8, uncertain boolean)
  LANGUAGE plpgsql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF a_codes IS NULL OR a_names IS NULL OR b_codes IS NULL OR b_names IS NULL THEN
    RAISE EXCEPTION 'name lists must not be NULL'
      USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass empty arrays for an empty list.';
  END IF;
  IF pg_catalog.cardinality(a_codes) <> pg_catalog.cardinality(a_names)
     OR pg_catalog.cardinality(b_codes) <> pg_catalog.cardinality(b_names) THEN
    RAISE EXCEPTION 'codes and names must have the same length'
      USING ERRCODE = 'array_subscript_error',
            DETAIL = pg_catalog.format('a has %s codes and %s names; b has %s codes and %s names.',
                                       pg_catalog.cardinality(a_codes), pg_catalog.cardinality(a_names),
                                       pg_catalog.cardinality(b_codes), pg_catalog.cardinality(b_names));
  END IF;
  IF threshold IS NULL OR threshold = 'NaN'::float8 OR threshold < 0 OR threshold > 1 THEN
    RAISE EXCEPTION 'threshold must be between 0 and 1'
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = pg_catalog.format('The threshold is %s.', threshold);
  END IF;
  RETURN QUERY
  WITH a AS MATERIALIZED (
    SELECT t.i, t.code, t.name, nous.name_key(t.name) AS k
      FROM unnest(a_codes, a_names) WITH ORDINALITY AS t(code, name, i)),
  b AS MATERIALIZED (
    SELECT t.j, t.code, t.name, nous.name_key(t.name) AS k
      FROM unnest(b_codes, b_names) WITH ORDINALITY AS t(code, name, j)
     WHERE t.name IS NOT NULL),
  s AS (
    SELECT a.i, a.code AS ac, a.name AS an, b.code AS bc, b.name AS bn,
           (a.k = b.k) AS exact,
           CASE WHEN a.k = b.k THEN 1.0::float8 ELSE nous.name_key_similarity(a.k, b.k) END AS sc,
           b.j
      FROM a LEFT JOIN b ON a.k IS NOT NULL),
  r AS (
    SELECT s.*,
           pg_catalog.row_number() OVER w AS rn,
           pg_catalog.lead(s.sc) OVER w AS second
      FROM s
    WINDOW w AS (PARTITION BY s.i ORDER BY s.exact DESC NULLS LAST, s.sc DESC NULLS LAST, s.j))
  SELECT r.ac, r.bc, r.an, r.bn, r.sc,
         (r.sc IS NULL OR r.sc < threshold OR r.second >= r.sc - 0.05 - 1e-12) IS NOT FALSE
    FROM r
   WHERE r.rn = 1
   ORDER BY r.i;
END
$$;
COMMENT ON FUNCTION nous.name_match(text[], text[], text[], text[], float8) IS
  'Pair each (code, name) of list a with its best match in list b: equal keys first, then the highest nous.name_similarity (ties: first in b). uncertain when the best score is below threshold (default 0.85), when the second best is within 0.05 of it (two equal keys included), or when a has no candidate (NULL name, empty b). One row per element of a, in a''s order.';
