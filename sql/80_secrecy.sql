-- statistical secrecy: primary suppression (threshold, dominance), secondary
-- suppression in hierarchies and two-dimensional tables, rounding to a base.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

CREATE FUNCTION nous.secrecy_primary("count" bigint, threshold int DEFAULT 11,
                                     hide_zero boolean DEFAULT false)
  RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_secrecy_primary';
COMMENT ON FUNCTION nous.secrecy_primary(bigint, int, boolean) IS
  'Threshold rule: true (hide) when 0 < count < threshold (default 11, INSEE''s rule for tax-based household data); 0 is published unless hide_zero.';

CREATE FUNCTION nous.secrecy_dominance(contributions float8[], top int DEFAULT 1,
                                       share float8 DEFAULT 0.85)
  RETURNS boolean LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_secrecy_dominance';
COMMENT ON FUNCTION nous.secrecy_dominance(float8[], int, float8) IS
  'Dominance rule (n, k): true (hide) when the top n contributions of a cell exceed share k (default 0.85) of its total; NULL elements ignored.';

CREATE FUNCTION nous.secrecy_suppress(ids text[], parents text[], counts float8[],
                                      is_primary boolean[], dominance boolean[] DEFAULT NULL,
                                      threshold int DEFAULT NULL)
  RETURNS TABLE(id text, value float8, status text)
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_secrecy_suppress';
COMMENT ON FUNCTION nous.secrecy_suppress(text[], text[], float8[], boolean[], boolean[], int) IS
  'Secondary suppression in an additive hierarchy (parent NULL = root): no hidden value can be determined exactly from the published figures, the totals and the published rules (threshold: the rule the primary flags came from, when the counts are its counts; zeros are never complements); status published | primary | dominance | secondary, value NULL unless published.';

CREATE FUNCTION nous.secrecy_suppress_2d("rows" text[], cols text[], counts float8[],
                                         is_primary boolean[], dominance boolean[] DEFAULT NULL,
                                         threshold int DEFAULT NULL)
  RETURNS TABLE("row" text, col text, value float8, status text)
  LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_secrecy_suppress_2d';
COMMENT ON FUNCTION nous.secrecy_suppress_2d(text[], text[], float8[], boolean[], boolean[], int) IS
  'Secondary suppression in a sparse two-dimensional table with row, column and grand totals (returned with col, row or both NULL; elements given with a NULL label are declared totals with their own flags; with threshold, computed totals under it are primary): no hidden value can be determined exactly from the published figures, the totals and the published rules; zeros are never complements; memory bounded by work_mem; status published | primary | dominance | secondary.';

CREATE FUNCTION nous.round_to_base(x float8, base int)
  RETURNS float8 LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_round_to_base';
COMMENT ON FUNCTION nous.round_to_base(float8, int) IS
  'Nearest multiple of base (5 or 10 for counts), halves away from zero; conventional rounding, totals are not kept additive.';
