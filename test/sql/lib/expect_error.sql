\set ECHO none
-- public.expect_error(statement): the bad-input tests' way to pin an error.
-- Runs statement, which must fail, and shows its error as
--   INFO:  SQLSTATE: message
--   DETAIL:  detail          (when there is one)
--   HINT:  hint              (when there is one)
-- so that the expected output checks the code and the words together.  A
-- statement that succeeds fails the test (an error "statement did not fail").
-- INFO reaches the client whatever client_min_messages says.
CREATE OR REPLACE PROCEDURE public.expect_error(statement text)
LANGUAGE plpgsql AS $proc$
DECLARE
  code text;
  msg text;
  det text;
  hnt text;
BEGIN
  BEGIN
    EXECUTE statement;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
      det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    msg := code || ': ' || msg;
    IF det <> '' AND hnt <> '' THEN
      RAISE INFO '%', msg USING DETAIL = det, HINT = hnt;
    ELSIF det <> '' THEN
      RAISE INFO '%', msg USING DETAIL = det;
    ELSIF hnt <> '' THEN
      RAISE INFO '%', msg USING HINT = hnt;
    ELSE
      RAISE INFO '%', msg;
    END IF;
    RETURN;
  END;
  RAISE EXCEPTION 'statement did not fail: %', statement;
END
$proc$;
GRANT EXECUTE ON PROCEDURE public.expect_error(text) TO PUBLIC;
\set ECHO all
