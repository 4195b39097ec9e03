-- normalisation: the descriptor tables of the built-in methods, as rows

CREATE FUNCTION nous.builtin_methods(
    OUT family text, OUT name text, OUT parameters text[], OUT centre float8,
    OUT core text)
  RETURNS SETOF record LANGUAGE c IMMUTABLE PARALLEL SAFE
  AS 'MODULE_PATHNAME', 'nous_builtin_methods';
COMMENT ON FUNCTION nous.builtin_methods() IS
  'The built-in methods as the C descriptor tables define them: family, name, accepted parameters (name=words or range), centre of the scale about which polarity -1 reflects (normalisations), core function.';
