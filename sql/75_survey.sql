-- survey: design-based estimation (weighted totals, means, ratios and their
-- Taylor-linearised standard errors), proportion intervals, calibration on
-- margins, and the Kaplan-Meier state of the field-observation log.
-- Reference: doc/survey.md.  Added in 0.2.0.
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- ---- nous.svystate: the storable, mergeable state of a survey aggregate ----
CREATE TYPE nous.svystate;
CREATE FUNCTION nous.svystate_in(cstring) RETURNS nous.svystate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svystate_in';
CREATE FUNCTION nous.svystate_out(nous.svystate) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svystate_out';
CREATE FUNCTION nous.svystate_recv(internal) RETURNS nous.svystate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svystate_recv';
CREATE FUNCTION nous.svystate_send(nous.svystate) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svystate_send';
CREATE TYPE nous.svystate (
  INPUT = nous.svystate_in, OUTPUT = nous.svystate_out,
  RECEIVE = nous.svystate_recv, SEND = nous.svystate_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE nous.svystate IS
  'Storable, mergeable state of a survey design: per cluster (stratum, psu) the sums of w*y, w*x, w, the rows and the fpc, or per stratum the moments of its rows when there are no clusters; text form c(stratum,psu:a,b,c,rows,fpc)... with shortest exact decimals.';
COMMENT ON FUNCTION nous.svystate_in(cstring) IS 'Text input of nous.svystate (validated).';
COMMENT ON FUNCTION nous.svystate_out(nous.svystate) IS 'Text output of nous.svystate (records in key order, shortest exact decimals).';
COMMENT ON FUNCTION nous.svystate_recv(internal) IS 'Binary input of nous.svystate (validated).';
COMMENT ON FUNCTION nous.svystate_send(nous.svystate) IS 'Binary output of nous.svystate.';

CREATE FUNCTION nous.svy_merge(nous.svystate, nous.svystate) RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_combine';
COMMENT ON FUNCTION nous.svy_merge(nous.svystate, nous.svystate) IS
  'Merge two survey states (the combine function of nous.svy_agg): clusters with the same (stratum, psu) add up; waves, days or shards merge into the state of one pass.';


CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, text, text, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, text, text, float8) IS
  'Transition function of nous.svy_agg(y, weight, stratum text, psu text, fpc): add one respondent.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, text, text, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, text, text, float8) IS
  'Transition function of nous.svy_agg(y, x, weight, stratum text, psu text, fpc): add one respondent.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, text, bigint, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, text, bigint, float8) IS
  'Transition function of nous.svy_agg(y, weight, stratum text, psu bigint, fpc): add one respondent.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, text, bigint, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, text, bigint, float8) IS
  'Transition function of nous.svy_agg(y, x, weight, stratum text, psu bigint, fpc): add one respondent.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, bigint, text, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, bigint, text, float8) IS
  'Transition function of nous.svy_agg(y, weight, stratum bigint, psu text, fpc): add one respondent.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, bigint, text, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, bigint, text, float8) IS
  'Transition function of nous.svy_agg(y, x, weight, stratum bigint, psu text, fpc): add one respondent.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, bigint, bigint, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, bigint, bigint, float8) IS
  'Transition function of nous.svy_agg(y, weight, stratum bigint, psu bigint, fpc): add one respondent.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, bigint, bigint, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, bigint, bigint, float8) IS
  'Transition function of nous.svy_agg(y, x, weight, stratum bigint, psu bigint, fpc): add one respondent.';

CREATE AGGREGATE nous.svy_agg(y float8, weight float8, stratum text, psu text, fpc float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, text, text, float8) IS
  'Survey state of y with sampling weights, strata (NULL: one stratum), clusters (psu NULL: each row is its own unit) and fpc by stratum (population count > 1, sampling fraction <= 1, or NULL); y NULL = outside the domain (the row still counts as a unit of the design).';

CREATE AGGREGATE nous.svy_agg(y float8, x float8, weight float8, stratum text, psu text, fpc float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, float8, text, text, float8) IS
  'Survey state of the pair (y, x) for ratios and covariances of means, with the design of the one-variable form; a row with y or x NULL is outside the domain.';

CREATE AGGREGATE nous.svy_agg(y float8, weight float8, stratum text, psu bigint, fpc float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, text, bigint, float8) IS
  'Survey state of y with sampling weights, strata (NULL: one stratum), clusters (psu NULL: each row is its own unit) and fpc by stratum (population count > 1, sampling fraction <= 1, or NULL); y NULL = outside the domain (the row still counts as a unit of the design).';

CREATE AGGREGATE nous.svy_agg(y float8, x float8, weight float8, stratum text, psu bigint, fpc float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, float8, text, bigint, float8) IS
  'Survey state of the pair (y, x) for ratios and covariances of means, with the design of the one-variable form; a row with y or x NULL is outside the domain.';

CREATE AGGREGATE nous.svy_agg(y float8, weight float8, stratum bigint, psu text, fpc float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, bigint, text, float8) IS
  'Survey state of y with sampling weights, strata (NULL: one stratum), clusters (psu NULL: each row is its own unit) and fpc by stratum (population count > 1, sampling fraction <= 1, or NULL); y NULL = outside the domain (the row still counts as a unit of the design).';

CREATE AGGREGATE nous.svy_agg(y float8, x float8, weight float8, stratum bigint, psu text, fpc float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, float8, bigint, text, float8) IS
  'Survey state of the pair (y, x) for ratios and covariances of means, with the design of the one-variable form; a row with y or x NULL is outside the domain.';

CREATE AGGREGATE nous.svy_agg(y float8, weight float8, stratum bigint, psu bigint, fpc float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, bigint, bigint, float8) IS
  'Survey state of y with sampling weights, strata (NULL: one stratum), clusters (psu NULL: each row is its own unit) and fpc by stratum (population count > 1, sampling fraction <= 1, or NULL); y NULL = outside the domain (the row still counts as a unit of the design).';

CREATE AGGREGATE nous.svy_agg(y float8, x float8, weight float8, stratum bigint, psu bigint, fpc float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, float8, bigint, bigint, float8) IS
  'Survey state of the pair (y, x) for ratios and covariances of means, with the design of the one-variable form; a row with y or x NULL is outside the domain.';

-- ---- two-stage designs: second-stage units (ssu, the type of psu) and their fpc ----
CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, text, text, float8, text, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, text, text, float8, text, float8) IS
  'Transition function of nous.svy_agg(y, weight, stratum text, psu text, fpc, ssu text, fpc2): add one respondent of a two-stage design.';
CREATE AGGREGATE nous.svy_agg(y float8, weight float8, stratum text, psu text, fpc float8, ssu text, fpc2 float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, text, text, float8, text, float8) IS
  'Survey state of a two-stage design: y with sampling weights, strata of the first stage, clusters (psu) with fpc by stratum, second-stage units (ssu) within each cluster with fpc2 by cluster (a count > 1, a fraction <= 1, or NULL: with replacement); the variance adds the second stage as R survey does by default.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, text, text, float8, text, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, text, text, float8, text, float8) IS
  'Transition function of nous.svy_agg(y, x, weight, stratum text, psu text, fpc, ssu text, fpc2): add one respondent of a two-stage design.';
CREATE AGGREGATE nous.svy_agg(y float8, x float8, weight float8, stratum text, psu text, fpc float8, ssu text, fpc2 float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, float8, text, text, float8, text, float8) IS
  'Survey state of a two-stage design: the pair (y, x) with sampling weights, strata of the first stage, clusters (psu) with fpc by stratum, second-stage units (ssu) within each cluster with fpc2 by cluster (a count > 1, a fraction <= 1, or NULL: with replacement); the variance adds the second stage as R survey does by default.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, text, bigint, float8, bigint, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, text, bigint, float8, bigint, float8) IS
  'Transition function of nous.svy_agg(y, weight, stratum text, psu bigint, fpc, ssu bigint, fpc2): add one respondent of a two-stage design.';
CREATE AGGREGATE nous.svy_agg(y float8, weight float8, stratum text, psu bigint, fpc float8, ssu bigint, fpc2 float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, text, bigint, float8, bigint, float8) IS
  'Survey state of a two-stage design: y with sampling weights, strata of the first stage, clusters (psu) with fpc by stratum, second-stage units (ssu) within each cluster with fpc2 by cluster (a count > 1, a fraction <= 1, or NULL: with replacement); the variance adds the second stage as R survey does by default.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, text, bigint, float8, bigint, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, text, bigint, float8, bigint, float8) IS
  'Transition function of nous.svy_agg(y, x, weight, stratum text, psu bigint, fpc, ssu bigint, fpc2): add one respondent of a two-stage design.';
CREATE AGGREGATE nous.svy_agg(y float8, x float8, weight float8, stratum text, psu bigint, fpc float8, ssu bigint, fpc2 float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, float8, text, bigint, float8, bigint, float8) IS
  'Survey state of a two-stage design: the pair (y, x) with sampling weights, strata of the first stage, clusters (psu) with fpc by stratum, second-stage units (ssu) within each cluster with fpc2 by cluster (a count > 1, a fraction <= 1, or NULL: with replacement); the variance adds the second stage as R survey does by default.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, bigint, text, float8, text, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, bigint, text, float8, text, float8) IS
  'Transition function of nous.svy_agg(y, weight, stratum bigint, psu text, fpc, ssu text, fpc2): add one respondent of a two-stage design.';
CREATE AGGREGATE nous.svy_agg(y float8, weight float8, stratum bigint, psu text, fpc float8, ssu text, fpc2 float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, bigint, text, float8, text, float8) IS
  'Survey state of a two-stage design: y with sampling weights, strata of the first stage, clusters (psu) with fpc by stratum, second-stage units (ssu) within each cluster with fpc2 by cluster (a count > 1, a fraction <= 1, or NULL: with replacement); the variance adds the second stage as R survey does by default.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, bigint, text, float8, text, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, bigint, text, float8, text, float8) IS
  'Transition function of nous.svy_agg(y, x, weight, stratum bigint, psu text, fpc, ssu text, fpc2): add one respondent of a two-stage design.';
CREATE AGGREGATE nous.svy_agg(y float8, x float8, weight float8, stratum bigint, psu text, fpc float8, ssu text, fpc2 float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, float8, bigint, text, float8, text, float8) IS
  'Survey state of a two-stage design: the pair (y, x) with sampling weights, strata of the first stage, clusters (psu) with fpc by stratum, second-stage units (ssu) within each cluster with fpc2 by cluster (a count > 1, a fraction <= 1, or NULL: with replacement); the variance adds the second stage as R survey does by default.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, bigint, bigint, float8, bigint, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, bigint, bigint, float8, bigint, float8) IS
  'Transition function of nous.svy_agg(y, weight, stratum bigint, psu bigint, fpc, ssu bigint, fpc2): add one respondent of a two-stage design.';
CREATE AGGREGATE nous.svy_agg(y float8, weight float8, stratum bigint, psu bigint, fpc float8, ssu bigint, fpc2 float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, bigint, bigint, float8, bigint, float8) IS
  'Survey state of a two-stage design: y with sampling weights, strata of the first stage, clusters (psu) with fpc by stratum, second-stage units (ssu) within each cluster with fpc2 by cluster (a count > 1, a fraction <= 1, or NULL: with replacement); the variance adds the second stage as R survey does by default.';

CREATE FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, bigint, bigint, float8, bigint, float8)
  RETURNS nous.svystate
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_trans';
COMMENT ON FUNCTION nous.svy_trans(nous.svystate, float8, float8, float8, bigint, bigint, float8, bigint, float8) IS
  'Transition function of nous.svy_agg(y, x, weight, stratum bigint, psu bigint, fpc, ssu bigint, fpc2): add one respondent of a two-stage design.';
CREATE AGGREGATE nous.svy_agg(y float8, x float8, weight float8, stratum bigint, psu bigint, fpc float8, ssu bigint, fpc2 float8) (
  SFUNC = nous.svy_trans, STYPE = nous.svystate,
  COMBINEFUNC = nous.svy_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.svy_agg(float8, float8, float8, bigint, bigint, float8, bigint, float8) IS
  'Survey state of a two-stage design: the pair (y, x) with sampling weights, strata of the first stage, clusters (psu) with fpc by stratum, second-stage units (ssu) within each cluster with fpc2 by cluster (a count > 1, a fraction <= 1, or NULL: with replacement); the variance adds the second stage as R survey does by default.';

-- ---- estimates ----
CREATE TYPE nous.svy_estimate AS (estimate float8, se float8, cv float8, df integer, n bigint);
COMMENT ON TYPE nous.svy_estimate IS
  'A design-based estimate: value, standard error (Taylor linearisation), coefficient of variation se/|estimate|, design degrees of freedom (units - strata) and rows in the domain.';

CREATE FUNCTION nous.svy_total(state nous.svystate, lonely_psu text DEFAULT 'fail')
  RETURNS nous.svy_estimate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_total';
COMMENT ON FUNCTION nous.svy_total(nous.svystate, text) IS
  'Weighted total sum w*y with its standard error (R survey svytotal); lonely_psu: fail | certainty | remove | adjust | average.';
CREATE FUNCTION nous.svy_mean(state nous.svystate, lonely_psu text DEFAULT 'fail')
  RETURNS nous.svy_estimate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_mean';
COMMENT ON FUNCTION nous.svy_mean(nous.svystate, text) IS
  'Hajek mean sum w*y / sum w (a proportion when y is 0/1) with its linearised standard error (R survey svymean).';
CREATE FUNCTION nous.svy_ratio(state nous.svystate, lonely_psu text DEFAULT 'fail')
  RETURNS nous.svy_estimate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_ratio';
COMMENT ON FUNCTION nous.svy_ratio(nous.svystate, text) IS
  'Ratio sum w*y / sum w*x of a two-variable state with its linearised standard error (R survey svyratio); with x the domain indicator and y NULL outside, the domain mean.';
CREATE FUNCTION nous.svy_mean_cov(state nous.svystate, lonely_psu text DEFAULT 'fail')
  RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_mean_cov';
COMMENT ON FUNCTION nous.svy_mean_cov(nous.svystate, text) IS
  'Design covariance of the means of y and x of a two-variable state (the off-diagonal of vcov(svymean(~y+x))).';
CREATE FUNCTION nous.svy_calibrated_total(state nous.svystate, residuals nous.svystate, lonely_psu text DEFAULT 'fail')
  RETURNS nous.svy_estimate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_calibrated_total';
COMMENT ON FUNCTION nous.svy_calibrated_total(nous.svystate, nous.svystate, text) IS
  'Total after calibration: the estimate from the state of y with calibrated weights, the variance from the state of the calibration residuals (nous.svy_greg_residuals) with the same weights and design (Deville-Sarndal).';
CREATE FUNCTION nous.svy_calibrated_mean(state nous.svystate, residuals nous.svystate, lonely_psu text DEFAULT 'fail')
  RETURNS nous.svy_estimate
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_calibrated_mean';
COMMENT ON FUNCTION nous.svy_calibrated_mean(nous.svystate, nous.svystate, text) IS
  'Mean after calibration: the estimate from the state of y, the variance from the residual state divided by the squared sum of weights (the calibration variables must span the constant).';

CREATE TYPE nous.svy_design_info AS (n bigint, units bigint, strata integer, df integer, sum_weights float8);
COMMENT ON TYPE nous.svy_design_info IS
  'What a survey state holds: rows in the domain, sampling units (PSUs, or rows without clusters), strata, degrees of freedom (units - strata), sum of the weights in the domain.';
CREATE FUNCTION nous.svy_info(state nous.svystate) RETURNS nous.svy_design_info
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_info';
COMMENT ON FUNCTION nous.svy_info(nous.svystate) IS
  'Rows, sampling units, strata, degrees of freedom and sum of weights of a survey state.';

CREATE TYPE nous.svy_interval AS (estimate float8, lower float8, upper float8, se float8, df integer);
COMMENT ON TYPE nous.svy_interval IS
  'A proportion with its confidence interval, its standard error and the degrees of freedom of the t quantile.';
CREATE FUNCTION nous.svy_ciprop(state nous.svystate, method text DEFAULT 'logit',
                                level float8 DEFAULT 0.95, lonely_psu text DEFAULT 'fail')
  RETURNS nous.svy_interval
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_ciprop';
COMMENT ON FUNCTION nous.svy_ciprop(nous.svystate, text, float8, text) IS
  'Confidence interval of a proportion (mean of a 0/1 y) as R survey svyciprop: mean (Wald), logit/xlogit, asin, wilson (effective n = p(1-p)/se^2), beta (Korn-Graubard); t quantile with the design degrees of freedom.';

CREATE FUNCTION nous.svy_publishable(estimate nous.svy_estimate, max_cv float8 DEFAULT 0.2, min_n bigint DEFAULT 30)
  RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT (estimate).n >= min_n AND (estimate).cv IS NOT NULL AND (estimate).cv <= max_cv;
END;
COMMENT ON FUNCTION nous.svy_publishable(nous.svy_estimate, float8, bigint) IS
  'True when an estimate is precise enough to publish: at least min_n respondents and a coefficient of variation at most max_cv (defaults 30 and 0.2); NULL when an argument is NULL.';

-- ---- calibration ----
CREATE TYPE nous.svy_calibration AS (weights float8[], iterations integer, max_error float8);
COMMENT ON TYPE nous.svy_calibration IS
  'Calibrated weights (in the order of the input), the Newton steps taken and the largest relative gap to a margin at the end.';
CREATE FUNCTION nous.svy_calibrate(weights float8[], x float8[], totals float8[],
                                   method text DEFAULT 'linear', lower float8 DEFAULT NULL,
                                   upper float8 DEFAULT NULL, max_iter integer DEFAULT 50,
                                   tolerance float8 DEFAULT 1e-10)
  RETURNS nous.svy_calibration
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_calibrate';
COMMENT ON FUNCTION nous.svy_calibrate(float8[], float8[], float8[], text, float8, float8, integer, float8) IS
  'Calibration on margins (Deville-Sarndal; Calmar, R icarus and survey::calibrate): weights w = d F(x''lambda) with sum w x = totals; method linear (GREG), raking or logit with bounds lower < w/d < upper; x is n x p (one row per weight, redundant columns allowed); error 22000 when the margins cannot be met.';
CREATE FUNCTION nous.svy_greg_residuals(weights float8[], x float8[], y float8[])
  RETURNS float8[]
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_svy_greg_residuals';
COMMENT ON FUNCTION nous.svy_greg_residuals(float8[], float8[], float8[]) IS
  'Residuals y - x''beta of the regression of y on the calibration variables x weighted by the design weights: the variable whose design variance is that of a calibrated total.';
