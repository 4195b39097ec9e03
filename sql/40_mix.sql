-- mix: segregation, mix and diversity indices over areas, with storable,
-- mergeable states (DESIGN principle 4).
\echo Use "CREATE EXTENSION nous CASCADE" to load this file. \quit

-- ---- nous.mixpairs: one (group, total) pair per area ----
CREATE TYPE nous.mixpairs;
CREATE FUNCTION nous.mixpairs_in(cstring) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_in';
CREATE FUNCTION nous.mixpairs_out(nous.mixpairs) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_out';
CREATE FUNCTION nous.mixpairs_recv(internal) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_recv';
CREATE FUNCTION nous.mixpairs_send(nous.mixpairs) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_send';
CREATE TYPE nous.mixpairs (
  INPUT = nous.mixpairs_in, OUTPUT = nous.mixpairs_out,
  RECEIVE = nous.mixpairs_recv, SEND = nous.mixpairs_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE nous.mixpairs IS
  'Storable, mergeable two-group state: one (group, total) pair per area (and the Atkinson b when set); text form [(g,t),…] or b=0.5:[(g,t),…].';
COMMENT ON FUNCTION nous.mixpairs_in(cstring) IS 'Text input of nous.mixpairs.';
COMMENT ON FUNCTION nous.mixpairs_out(nous.mixpairs) IS 'Text output of nous.mixpairs (shortest exact decimals).';
COMMENT ON FUNCTION nous.mixpairs_recv(internal) IS 'Binary input of nous.mixpairs (validated).';
COMMENT ON FUNCTION nous.mixpairs_send(nous.mixpairs) IS 'Binary output of nous.mixpairs.';

CREATE FUNCTION nous.mixpairs_trans(nous.mixpairs, float8, float8) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_trans';
COMMENT ON FUNCTION nous.mixpairs_trans(nous.mixpairs, float8, float8) IS
  'Transition function of the two-group aggregates: append one area (group, total).';
CREATE FUNCTION nous.mixpairs_trans(nous.mixpairs, float8, float8, float8) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_trans_param';
COMMENT ON FUNCTION nous.mixpairs_trans(nous.mixpairs, float8, float8, float8) IS
  'Transition function of nous.atkinson: append one area, keep the parameter b.';
CREATE FUNCTION nous.mixpairs_combine(nous.mixpairs, nous.mixpairs) RETURNS nous.mixpairs
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_combine';
COMMENT ON FUNCTION nous.mixpairs_combine(nous.mixpairs, nous.mixpairs) IS
  'Combine two two-group states (their areas together).';

CREATE FUNCTION nous.dissimilarity(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_dissimilarity';
COMMENT ON FUNCTION nous.dissimilarity(nous.mixpairs) IS
  'Duncan dissimilarity D = 1/2 sum |g_i/G - (t_i-g_i)/(T-G)| of a stored state; NULL when undefined.';
CREATE FUNCTION nous.gini_segregation(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_gini';
COMMENT ON FUNCTION nous.gini_segregation(nous.mixpairs) IS
  'Gini segregation index sum_ij t_i t_j |p_i - p_j| / (2 T^2 P (1-P)) of a stored state.';
CREATE FUNCTION nous.entropy_h(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_entropy_h';
COMMENT ON FUNCTION nous.entropy_h(nous.mixpairs) IS
  'Theil entropy index H = sum t_i (E - E_i) / (E T) (natural log) of a stored state.';
CREATE FUNCTION nous.isolation(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_isolation';
COMMENT ON FUNCTION nous.isolation(nous.mixpairs) IS
  'Isolation xPx = sum (g_i/G)(g_i/t_i) of a stored state.';
CREATE FUNCTION nous.interaction(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_interaction';
COMMENT ON FUNCTION nous.interaction(nous.mixpairs) IS
  'Interaction (exposure) xPy = sum (g_i/G)((t_i-g_i)/t_i) of a stored state.';
CREATE FUNCTION nous.correlation_ratio(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_correlation_ratio';
COMMENT ON FUNCTION nous.correlation_ratio(nous.mixpairs) IS
  'Correlation ratio eta^2 = (xPx - P)/(1 - P) of a stored state.';
CREATE FUNCTION nous.atkinson(state nous.mixpairs, b float8) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_atkinson';
COMMENT ON FUNCTION nous.atkinson(nous.mixpairs, float8) IS
  'Atkinson index A(b), 0 <= b < 1, of a stored state.';
CREATE FUNCTION nous.atkinson_final(state nous.mixpairs) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_atkinson_final';
COMMENT ON FUNCTION nous.atkinson_final(nous.mixpairs) IS
  'Final function of nous.atkinson(group, total, b): the index with the b kept in the state.';
CREATE FUNCTION nous.areas(state nous.mixpairs) RETURNS bigint
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_areas';
COMMENT ON FUNCTION nous.areas(nous.mixpairs) IS 'Number of areas held by a two-group state.';

-- the storable state itself, and the merge of stored states
CREATE AGGREGATE nous.mixpairs_agg(group_count float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixpairs_agg(float8, float8) IS
  'Collect one (group, total) pair per area into a storable nous.mixpairs state.';
CREATE AGGREGATE nous.merge(nous.mixpairs) (
  SFUNC = nous.mixpairs_combine, STYPE = nous.mixpairs,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.merge(nous.mixpairs) IS
  'Merge stored two-group states (the areas of all of them).';

-- the contract aggregates: one row per area, total includes the group
CREATE AGGREGATE nous.dissimilarity(group_count float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.dissimilarity,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.dissimilarity(float8, float8) IS
  'Duncan & Duncan (1955) dissimilarity index D over areas (group, total); NULL when no one, or everyone, is in the group.';
CREATE AGGREGATE nous.gini_segregation(group_count float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.gini_segregation,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.gini_segregation(float8, float8) IS
  'Gini segregation index over areas (group, total) (Duncan & Duncan 1955).';
CREATE AGGREGATE nous.entropy_h(group_count float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.entropy_h,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.entropy_h(float8, float8) IS
  'Theil entropy index H over areas (group, total), natural log (Theil & Finizza 1971).';
CREATE AGGREGATE nous.isolation(group_count float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.isolation,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.isolation(float8, float8) IS
  'Isolation index xPx over areas (group, total) (Bell 1954).';
CREATE AGGREGATE nous.interaction(group_count float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.interaction,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.interaction(float8, float8) IS
  'Interaction (exposure) index xPy over areas (group, total) (Lieberson 1981).';
CREATE AGGREGATE nous.correlation_ratio(group_count float8, total float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.correlation_ratio,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.correlation_ratio(float8, float8) IS
  'Correlation ratio eta^2 over areas (group, total) (White 1986).';
CREATE AGGREGATE nous.atkinson(group_count float8, total float8, b float8) (
  SFUNC = nous.mixpairs_trans, STYPE = nous.mixpairs, FINALFUNC = nous.atkinson_final,
  COMBINEFUNC = nous.mixpairs_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.atkinson(float8, float8, float8) IS
  'Atkinson segregation index A(b) over areas (group, total), 0 <= b < 1, b the same on every row (James & Taeuber 1985).';

-- ---- nous.mixcounts: (super, unit, group) -> count cells ----
CREATE TYPE nous.mixcounts;
CREATE FUNCTION nous.mixcounts_in(cstring) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_in';
CREATE FUNCTION nous.mixcounts_out(nous.mixcounts) RETURNS cstring
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_out';
CREATE FUNCTION nous.mixcounts_recv(internal) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_recv';
CREATE FUNCTION nous.mixcounts_send(nous.mixcounts) RETURNS bytea
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_send';
CREATE TYPE nous.mixcounts (
  INPUT = nous.mixcounts_in, OUTPUT = nous.mixcounts_out,
  RECEIVE = nous.mixcounts_recv, SEND = nous.mixcounts_send,
  INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE nous.mixcounts IS
  'Storable, mergeable multigroup state: counts per (super-unit, unit, group) cell; text form [["super","unit","group",n],…].';
COMMENT ON FUNCTION nous.mixcounts_in(cstring) IS 'Text input of nous.mixcounts.';
COMMENT ON FUNCTION nous.mixcounts_out(nous.mixcounts) IS 'Text output of nous.mixcounts: merged cells in sorted order.';
COMMENT ON FUNCTION nous.mixcounts_recv(internal) IS 'Binary input of nous.mixcounts (validated).';
COMMENT ON FUNCTION nous.mixcounts_send(nous.mixcounts) IS 'Binary output of nous.mixcounts.';

CREATE FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_trans';
COMMENT ON FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, float8) IS
  'Transition function of the multigroup aggregates: add n to cell (unit, grp).';
CREATE FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, text, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_trans_super';
COMMENT ON FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, text, float8) IS
  'Transition function of the multigroup aggregates with a super-unit: add n to cell (super, unit, grp).';
CREATE FUNCTION nous.mixcounts_trans(nous.mixcounts, text, bigint, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_trans_int';
COMMENT ON FUNCTION nous.mixcounts_trans(nous.mixcounts, text, bigint, float8) IS
  'Transition function of nous.mixcounts_agg over integer groups: add n to cell (unit, grp::text).';
CREATE FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, bigint, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_trans_super_int';
COMMENT ON FUNCTION nous.mixcounts_trans(nous.mixcounts, text, text, bigint, float8) IS
  'Transition function of nous.mixcounts_agg with a super-unit over integer groups: add n to cell (super, unit, grp::text).';
CREATE FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, text, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_sum_trans';
COMMENT ON FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, text, float8) IS
  'Transition function of the multigroup indices: add n to cell (unit, grp), the cells summed in a hash table as the rows come.';
CREATE FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, bigint, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_sum_trans_int';
COMMENT ON FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, bigint, float8) IS
  'Transition function of the multigroup indices over integer groups: add n to cell (unit, grp::text), summed in a hash table.';
CREATE FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, text, text, float8) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_sum_trans_super';
COMMENT ON FUNCTION nous.mixcounts_sum_trans(nous.mixcounts, text, text, text, float8) IS
  'Transition function of the multigroup decomposition: add n to cell (super, unit, grp), summed in a hash table.';
CREATE FUNCTION nous.mixcounts_combine(nous.mixcounts, nous.mixcounts) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_combine';
COMMENT ON FUNCTION nous.mixcounts_combine(nous.mixcounts, nous.mixcounts) IS
  'Combine two multigroup states (cells of the same key add up).';

CREATE FUNCTION nous.mutual_information(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_mutual_information';
COMMENT ON FUNCTION nous.mutual_information(nous.mixcounts) IS
  'Mutual information index M = sum p_ug ln(p_ug/(p_u p_g)) (natural log) of a stored state.';
CREATE FUNCTION nous.entropy_index(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_entropy_index';
COMMENT ON FUNCTION nous.entropy_index(nous.mixcounts) IS
  'Theil''s multigroup H = M / E (E the entropy of the group totals) of a stored state; NULL when E = 0.';
CREATE FUNCTION nous.shannon_diversity(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_shannon';
COMMENT ON FUNCTION nous.shannon_diversity(nous.mixcounts) IS
  'Shannon diversity E = -sum p_g ln p_g of the group totals.';
CREATE FUNCTION nous.shannon_normalised(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_shannon_normalised';
COMMENT ON FUNCTION nous.shannon_normalised(nous.mixcounts) IS
  'Normalised Shannon diversity (Pielou''s evenness) E / ln K of the group totals, K the groups the state names (a group with zero counts included): 0 when one group holds everyone, 1 when all K are equal; NULL under 2 groups.';
CREATE FUNCTION nous.multigroup_dissimilarity(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_multi_dissimilarity';
COMMENT ON FUNCTION nous.multigroup_dissimilarity(nous.mixcounts) IS
  'Multigroup dissimilarity sum_g sum_u t_u |p_gu - p_g| / (2 T I) (Reardon & Firebaugh 2002).';
CREATE FUNCTION nous.relative_diversity(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_relative_diversity';
COMMENT ON FUNCTION nous.relative_diversity(nous.mixcounts) IS
  'Relative diversity sum_g sum_u t_u (p_gu - p_g)^2 / (T I) (Carlson 1992; Reardon & Firebaugh 2002).';
CREATE FUNCTION nous.simpson_concentration(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_simpson_concentration';
COMMENT ON FUNCTION nous.simpson_concentration(nous.mixcounts) IS
  'Simpson''s concentration sum p_g^2 of the group totals (Simpson 1949).';
CREATE FUNCTION nous.simpson_interaction(state nous.mixcounts) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_simpson_interaction';
COMMENT ON FUNCTION nous.simpson_interaction(nous.mixcounts) IS
  'Simpson''s interaction 1 - sum p_g^2 of the group totals (Simpson 1949).';
CREATE FUNCTION nous.compact(state nous.mixcounts) RETURNS nous.mixcounts
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_compact';
COMMENT ON FUNCTION nous.compact(nous.mixcounts) IS
  'The same state with its cells merged: sorted by key, the records of one cell summed into one (smaller to store).';
CREATE FUNCTION nous.cells(state nous.mixcounts) RETURNS bigint
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_cells';
COMMENT ON FUNCTION nous.cells(nous.mixcounts) IS
  'Number of cell records held by a multigroup state (before duplicates are merged).';

CREATE TYPE nous.mi_decomposition AS (
  m float8, h float8, entropy float8,
  m_between float8, m_within float8, h_between float8, h_within float8,
  supers bigint
);
COMMENT ON TYPE nous.mi_decomposition IS
  'M and H with their decomposition between and within super-units (M = M_between + M_within, H likewise, both over the total entropy).';
CREATE FUNCTION nous.mutual_information_decomposition(state nous.mixcounts) RETURNS nous.mi_decomposition
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_decomposition';
COMMENT ON FUNCTION nous.mutual_information_decomposition(nous.mixcounts) IS
  'M, H, the entropy and their between/within decomposition for the super-units of a stored state.';
CREATE FUNCTION nous.mix_local(state nous.mixcounts,
    OUT super text, OUT unit text, OUT grp text, OUT n float8,
    OUT share float8, OUT location_quotient float8, OUT m_contribution float8)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_mixcounts_local';
COMMENT ON FUNCTION nous.mix_local(nous.mixcounts) IS
  'Local scores per cell: share of the group in the unit, location quotient (n_ug/n_u)/(n_g/N), contribution p_ug ln(p_ug/(p_u p_g)) to M.';

CREATE AGGREGATE nous.mixcounts_agg(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_trans, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixcounts_agg(text, text, float8) IS
  'Collect (unit, group, count) cells into a storable nous.mixcounts state.';
CREATE AGGREGATE nous.mixcounts_agg(super text, unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_trans, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixcounts_agg(text, text, text, float8) IS
  'Collect (super-unit, unit, group, count) cells into a storable nous.mixcounts state.';
CREATE AGGREGATE nous.mixcounts_agg(unit text, grp bigint, n float8) (
  SFUNC = nous.mixcounts_trans, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixcounts_agg(text, bigint, float8) IS
  'Collect (unit, integer group, count) cells into a storable nous.mixcounts state: the same cells as with grp::text (smallint and integer columns too).';
CREATE AGGREGATE nous.mixcounts_agg(super text, unit text, grp bigint, n float8) (
  SFUNC = nous.mixcounts_trans, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mixcounts_agg(text, text, bigint, float8) IS
  'Collect (super-unit, unit, integer group, count) cells into a storable nous.mixcounts state: the same cells as with grp::text.';
CREATE AGGREGATE nous.merge(nous.mixcounts) (
  SFUNC = nous.mixcounts_combine, STYPE = nous.mixcounts,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.merge(nous.mixcounts) IS
  'Merge stored multigroup states (counts of the same cell add up).';

CREATE AGGREGATE nous.mutual_information(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.mutual_information,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mutual_information(text, text, float8) IS
  'Mutual information index M over (unit, group, count) cells, natural log (Theil & Finizza 1971; Mora & Ruiz-Castillo 2011).';
CREATE AGGREGATE nous.entropy_index(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.entropy_index,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.entropy_index(text, text, float8) IS
  'Theil''s multigroup entropy index H = M / E over (unit, group, count) cells.';
CREATE AGGREGATE nous.mutual_information(unit text, grp bigint, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.mutual_information,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mutual_information(text, bigint, float8) IS
  'Mutual information index M over (unit, integer group, count) cells: the same as with grp::text, without a text per row (Theil & Finizza 1971; Mora & Ruiz-Castillo 2011).';
CREATE AGGREGATE nous.entropy_index(unit text, grp bigint, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.entropy_index,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.entropy_index(text, bigint, float8) IS
  'Theil''s multigroup entropy index H = M / E over (unit, integer group, count) cells: the same as with grp::text.';
CREATE AGGREGATE nous.mutual_information_decomposition(super text, unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.mutual_information_decomposition,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.mutual_information_decomposition(text, text, text, float8) IS
  'M and H with their between/within decomposition for super-units (e.g. IRIS within communes).';
CREATE AGGREGATE nous.multigroup_dissimilarity(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.multigroup_dissimilarity,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.multigroup_dissimilarity(text, text, float8) IS
  'Multigroup dissimilarity over (unit, group, count) cells (Reardon & Firebaugh 2002).';
CREATE AGGREGATE nous.relative_diversity(unit text, grp text, n float8) (
  SFUNC = nous.mixcounts_sum_trans, STYPE = nous.mixcounts, FINALFUNC = nous.relative_diversity,
  COMBINEFUNC = nous.mixcounts_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE nous.relative_diversity(text, text, float8) IS
  'Relative diversity over (unit, group, count) cells (Reardon & Firebaugh 2002).';

-- ---- inference: seeded bootstrap (multinomial resampling of the whole table) ----
CREATE FUNCTION nous.bootstrap_ci(state nous.mixpairs, index text, reps int, seed bigint,
                                  level float8 DEFAULT 0.95,
                                  OUT estimate float8, OUT boot_mean float8, OUT bias float8,
                                  OUT se float8, OUT low float8, OUT high float8, OUT reps_used int)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_bootstrap';
COMMENT ON FUNCTION nous.bootstrap_ci(nous.mixpairs, text, int, bigint, float8) IS
  'Seeded bootstrap of a two-group index (dissimilarity, gini_segregation, entropy_h, isolation, interaction, correlation_ratio): round(T) individuals redrawn from the table reps times; percentile interval, bias = boot_mean - estimate.';
CREATE FUNCTION nous.bootstrap_ci(state nous.mixcounts, index text, reps int, seed bigint,
                                  level float8 DEFAULT 0.95,
                                  OUT estimate float8, OUT boot_mean float8, OUT bias float8,
                                  OUT se float8, OUT low float8, OUT high float8, OUT reps_used int)
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixcounts_bootstrap';
COMMENT ON FUNCTION nous.bootstrap_ci(nous.mixcounts, text, int, bigint, float8) IS
  'Seeded bootstrap of M (mutual_information) or H (entropy_index): round(N) individuals redrawn from the cells reps times; percentile interval, bias = boot_mean - estimate.';

-- ---- index families: a user adds an index with CREATE FUNCTION + nous.register_method ----
INSERT INTO nous.method_families (family, arg_types, return_type, params, description)
VALUES ('segregation', '{nous.mixpairs}', 'float8', true,
        'Two-group segregation index of a nous.mixpairs state (one (group, total) pair per area; read them with nous.mixpairs_groups() and nous.mixpairs_totals()); NULL when undefined.'),
       ('multigroup_segregation', '{nous.mixcounts}', 'float8', true,
        'Multigroup segregation or diversity index of a nous.mixcounts state (read its cells with nous.mix_local()); NULL when undefined.');

CREATE FUNCTION nous.atkinson(state nous.mixpairs, params jsonb) RETURNS float8
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_atkinson_params';
COMMENT ON FUNCTION nous.atkinson(nous.mixpairs, jsonb) IS
  'Atkinson index of a stored state as a registered method; params: b (default 0.5), 0 <= b < 1.';
CREATE FUNCTION nous.mixpairs_groups(state nous.mixpairs) RETURNS float8[]
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_groups';
COMMENT ON FUNCTION nous.mixpairs_groups(nous.mixpairs) IS 'The group counts of the areas of a two-group state, in order.';
CREATE FUNCTION nous.mixpairs_totals(state nous.mixpairs) RETURNS float8[]
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_mixpairs_totals';
COMMENT ON FUNCTION nous.mixpairs_totals(nous.mixpairs) IS 'The totals of the areas of a two-group state, in order.';

INSERT INTO nous.method_catalog (family, name, function, builtin, description) VALUES
  ('segregation', 'dissimilarity', 'nous.dissimilarity(nous.mixpairs)', true, 'Duncan dissimilarity D'),
  ('segregation', 'gini', 'nous.gini_segregation(nous.mixpairs)', true, 'Gini segregation index'),
  ('segregation', 'entropy', 'nous.entropy_h(nous.mixpairs)', true, 'Theil entropy index H'),
  ('segregation', 'isolation', 'nous.isolation(nous.mixpairs)', true, 'isolation xPx'),
  ('segregation', 'interaction', 'nous.interaction(nous.mixpairs)', true, 'interaction (exposure) xPy'),
  ('segregation', 'correlation_ratio', 'nous.correlation_ratio(nous.mixpairs)', true, 'correlation ratio eta^2'),
  ('segregation', 'atkinson', 'nous.atkinson(nous.mixpairs, jsonb)', true, 'Atkinson A(b); b = 0.5 by default'),
  ('multigroup_segregation', 'mutual_information', 'nous.mutual_information(nous.mixcounts)', true, 'mutual information index M (natural log)'),
  ('multigroup_segregation', 'entropy', 'nous.entropy_index(nous.mixcounts)', true, 'Theil''s H = M / E'),
  ('multigroup_segregation', 'dissimilarity', 'nous.multigroup_dissimilarity(nous.mixcounts)', true, 'multigroup dissimilarity'),
  ('multigroup_segregation', 'relative_diversity', 'nous.relative_diversity(nous.mixcounts)', true, 'relative diversity'),
  ('multigroup_segregation', 'shannon', 'nous.shannon_diversity(nous.mixcounts)', true, 'Shannon diversity of the group totals'),
  ('multigroup_segregation', 'shannon_normalised', 'nous.shannon_normalised(nous.mixcounts)', true, 'normalised Shannon diversity E / ln K (Pielou''s evenness)'),
  ('multigroup_segregation', 'simpson_concentration', 'nous.simpson_concentration(nous.mixcounts)', true, 'Simpson concentration'),
  ('multigroup_segregation', 'simpson_interaction', 'nous.simpson_interaction(nous.mixcounts)', true, 'Simpson interaction');

CREATE FUNCTION nous.segregation(state nous.mixpairs, method text) RETURNS float8
  LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_segregation';
COMMENT ON FUNCTION nous.segregation(nous.mixpairs, text) IS
  'A registered two-group index of a state by name (see nous.methods, family segregation), e.g. ''dissimilarity'', ''atkinson(b=0.3)''.';
CREATE FUNCTION nous.segregation(state nous.mixcounts, method text) RETURNS float8
  LANGUAGE c STABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'nous_multigroup_segregation';
COMMENT ON FUNCTION nous.segregation(nous.mixcounts, text) IS
  'A registered multigroup index of a state by name (see nous.methods, family multigroup_segregation), e.g. ''mutual_information''.';

CREATE FUNCTION nous.mutual_information_by_super(state nous.mixcounts,
    OUT super text, OUT n float8, OUT share float8, OUT m float8, OUT entropy float8,
    OUT h float8, OUT m_within_part float8)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 100 AS 'MODULE_PATHNAME', 'nous_mixcounts_by_super';
COMMENT ON FUNCTION nous.mutual_information_by_super(nous.mixcounts) IS
  'One row per super-unit: its count, share p_s, M_s and E_s among its own units and groups, H_s = M_s / E_s, and p_s M_s (these add up to M_within).';

CREATE FUNCTION nous.mix_units(state nous.mixcounts,
    OUT super text, OUT unit text, OUT n float8, OUT local_segregation float8,
    OUT m_contribution float8, OUT shannon float8, OUT simpson_interaction float8)
  RETURNS SETOF record
  LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE ROWS 1000 AS 'MODULE_PATHNAME', 'nous_mixcounts_units';
COMMENT ON FUNCTION nous.mix_units(nous.mixcounts) IS
  'One row per unit (for maps): local segregation L_u = sum_g q_g ln(q_g/p_g), its contribution p_u L_u to M, Shannon diversity and Simpson interaction of the unit''s groups; NULL scores for an empty unit.';
