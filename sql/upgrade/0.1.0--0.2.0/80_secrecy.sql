-- 80_secrecy.sql: generated from the module fragment (see the report of the secrecy branch); keep in step with it.
-- secrecy: one sparse suppression engine (zeros never complements, every hidden
-- value audited against the rules, totals thresholded); new optional threshold
-- argument, so the signatures change (no object depends on them)
DROP FUNCTION nous.secrecy_suppress(text[], text[], float8[], boolean[], boolean[]);
DROP FUNCTION nous.secrecy_suppress_2d(text[], text[], float8[], boolean[], boolean[]);

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
