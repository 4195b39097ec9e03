-- test/citus/cases.sql — one query per aggregate of schema nous, for the
-- Citus suite.  signature is pg_aggregate's aggfnoid::regprocedure::text;
-- tbl a table that exists in schema loc and in schema dist (see setup.sql);
-- call the aggregate call over the columns of tbl.  %W% stands for the queen
-- contiguity weights of the IRIS (a nous.weights literal).  The suite fails
-- when an aggregate of nous has no row here: add one when you add an
-- aggregate (and a row in the expected classification if its state is new).
CREATE TABLE citus_test.cases (signature text PRIMARY KEY, tbl text NOT NULL, call text NOT NULL);
INSERT INTO citus_test.cases VALUES
-- index
('nous.composite_agg(bigint,double precision[])', 'squares',
 'nous.composite_agg(square_id, ARRAY[unemployment_rate, no_diploma_rate, single_parent_rate])'),
('nous.composite_agg(bigint,double precision[],double precision[])', 'squares',
 'nous.composite_agg(square_id, ARRAY[unemployment_rate, no_diploma_rate, single_parent_rate], ''{2,1,1}'')'),
('nous.composite_agg(bigint,double precision[],double precision[],integer[])', 'squares',
 'nous.composite_agg(square_id, ARRAY[median_income_uc, no_diploma_rate, single_parent_rate], ''{2,1,1}'', ''{-1,1,1}'')'),
('nous.composite_agg(bigint,double precision[],double precision[],integer[],text)', 'squares',
 'nous.composite_agg(square_id, ARRAY[median_income_uc, no_diploma_rate, single_parent_rate], ''{2,1,1}'', ''{-1,1,1}'', ''minmax'')'),
('nous.composite_agg(bigint,double precision[],double precision[],integer[],text,text)', 'squares',
 'nous.composite_agg(square_id, ARRAY[median_income_uc, no_diploma_rate, single_parent_rate], ''{2,1,1}'', ''{-1,1,1}'', ''rank'', ''geometric'')'),
-- mix: two groups (nous.mixpairs)
('nous.mixpairs_agg(double precision,double precision)', 'squares', 'nous.mixpairs_agg(poor_households, households)'),
('nous.merge(nous.mixpairs)', 'rollup', 'nous.merge(pairs)'),
('nous.dissimilarity(double precision,double precision)', 'squares', 'nous.dissimilarity(poor_households, households)'),
('nous.gini_segregation(double precision,double precision)', 'squares', 'nous.gini_segregation(poor_households, households)'),
('nous.entropy_h(double precision,double precision)', 'squares', 'nous.entropy_h(poor_households, households)'),
('nous.isolation(double precision,double precision)', 'squares', 'nous.isolation(poor_households, households)'),
('nous.interaction(double precision,double precision)', 'squares', 'nous.interaction(poor_households, households)'),
('nous.correlation_ratio(double precision,double precision)', 'squares', 'nous.correlation_ratio(poor_households, households)'),
('nous.atkinson(double precision,double precision,double precision)', 'squares', 'nous.atkinson(poor_households, households, 0.5)'),
-- mix: several groups (nous.mixcounts)
('nous.mixcounts_agg(text,text,double precision)', 'moves', 'nous.mixcounts_agg(destination_iris, income_quartile::text, weight)'),
('nous.mixcounts_agg(text,text,text,double precision)', 'moves', 'nous.mixcounts_agg(destination_com, destination_iris, income_quartile::text, weight)'),
('nous.merge(nous.mixcounts)', 'rollup', 'nous.merge(counts)'),
('nous.mutual_information(text,text,double precision)', 'moves', 'nous.mutual_information(destination_iris, income_quartile::text, weight)'),
('nous.entropy_index(text,text,double precision)', 'moves', 'nous.entropy_index(destination_iris, income_quartile::text, weight)'),
('nous.mutual_information(text,bigint,double precision)', 'moves', 'nous.mutual_information(destination_iris, income_quartile::bigint, weight)'),
('nous.entropy_index(text,bigint,double precision)', 'moves', 'nous.entropy_index(destination_iris, income_quartile::bigint, weight)'),
('nous.mutual_information_decomposition(text,text,text,double precision)', 'moves',
 'nous.mutual_information_decomposition(destination_com, destination_iris, income_quartile::text, weight)'),
('nous.multigroup_dissimilarity(text,text,double precision)', 'moves', 'nous.multigroup_dissimilarity(destination_iris, income_quartile::text, weight)'),
('nous.relative_diversity(text,text,double precision)', 'moves', 'nous.relative_diversity(destination_iris, income_quartile::text, weight)'),
-- allocation rules
('nous.first_quartile(double precision)', 'applications', 'nous.first_quartile(income_uc)'),
('nous.first_quartile(double precision,text)', 'applications', 'nous.first_quartile(income_uc, ''median_unbiased'')'),
('nous.mix_compliance(boolean,double precision)', 'allocations', 'nous.mix_compliance(income_uc < threshold, 0.25)'),
('nous.mix_compliance(boolean,double precision,integer,double precision)', 'allocations', 'nous.mix_compliance(income_uc < threshold, 0.25, 30, 0.9)'),
('nous.priority_share(boolean)', 'allocations', 'nous.priority_share(priority)'),
('nous.allocation_mix(boolean,double precision,boolean,double precision)', 'allocations',
 'nous.allocation_mix(in_qpv, income_uc, renewal, threshold)'),
('nous.allocation_mix(boolean,double precision,boolean,double precision,boolean,integer,double precision)', 'allocations',
 'nous.allocation_mix(in_qpv, income_uc, renewal, threshold, true, 30, 0.9)'),
-- flows
('nous.flow_matrix(text,text,double precision)', 'moves', 'nous.flow_matrix(origin_com, destination_com, weight)'),
('nous.flow_matrix(nous.flows)', 'rollup', 'nous.flow_matrix(flows)'),
-- classes
('nous.breaks(double precision,integer,text)', 'squares', 'nous.breaks(unemployment_rate, 5, ''quantile'')'),
('nous.breaks(double precision,integer)', 'iris', 'nous.breaks(value, 4)'),
('nous.gvf(double precision,double precision[])', 'squares', 'nous.gvf(unemployment_rate, ''{0.05,0.1,0.2,1}'')'),
-- spatial: weights
('nous.weights(bigint,bigint)', 'moves', 'nous.weights(origin_id, nullif(destination_id, origin_id))'),
('nous.contiguity(bigint,geometry,text)', 'iris', 'nous.contiguity(iris_id, geom, ''rook'')'),
('nous.contiguity(bigint,geometry)', 'iris', 'nous.contiguity(iris_id, geom)'),
('nous.knn(bigint,geometry,integer)', 'iris', 'nous.knn(iris_id, public.st_centroid(geom), 4)'),
('nous.distance_band(bigint,geometry,double precision)', 'iris', 'nous.distance_band(iris_id, public.st_centroid(geom), 2500)'),
-- spatial: autocorrelation over the IRIS (the 3-argument forms need every
-- area of w: grouped, both sides fail alike, which the suite compares)
('nous.moran(nous.weights,bigint,double precision)', 'iris', 'nous.moran(%W%, iris_id, value)'),
('nous.moran(nous.weights,bigint,double precision,text)', 'iris', 'nous.moran(%W%, iris_id, value, ''permutations=99, missing=drop, islands=keep'')'),
('nous.geary(nous.weights,bigint,double precision)', 'iris', 'nous.geary(%W%, iris_id, value)'),
('nous.geary(nous.weights,bigint,double precision,text)', 'iris', 'nous.geary(%W%, iris_id, value, ''permutations=99, missing=drop, islands=keep'')'),
('nous.getis_ord(nous.weights,bigint,double precision)', 'iris', 'nous.getis_ord(%W%, iris_id, value)'),
('nous.getis_ord(nous.weights,bigint,double precision,text)', 'iris', 'nous.getis_ord(%W%, iris_id, value, ''style=B, permutations=99, missing=drop, islands=keep'')'),
('nous.local_moran(nous.weights,bigint,double precision)', 'iris', 'nous.local_moran(%W%, iris_id, value)'),
('nous.local_moran(nous.weights,bigint,double precision,text)', 'iris', 'nous.local_moran(%W%, iris_id, value, ''permutations=99, missing=drop, islands=keep'')'),
('nous.local_g(nous.weights,bigint,double precision)', 'iris', 'nous.local_g(%W%, iris_id, value)'),
('nous.local_g(nous.weights,bigint,double precision,text)', 'iris', 'nous.local_g(%W%, iris_id, value, ''permutations=99, missing=drop, islands=keep'')'),
('nous.local_gstar(nous.weights,bigint,double precision)', 'iris', 'nous.local_gstar(%W%, iris_id, value)'),
('nous.local_gstar(nous.weights,bigint,double precision,text)', 'iris', 'nous.local_gstar(%W%, iris_id, value, ''permutations=99, missing=drop, islands=keep'')'),
-- spatial: statistics in two steps (a storable state, then a plain function
-- of the weights: no weights value inside the aggregate), weights by union
('nous.area_values(bigint,double precision)', 'iris', 'nous.moran(%W%, nous.area_values(iris_id, value), ''permutations=99, missing=drop, islands=keep'')'),
('nous.area_values_union(nous.area_values)', 'iris', 'nous.area_values_union((''{'' || iris_id || '':'' || value || ''}'')::nous.area_values)'),
('nous.weights_union(nous.weights)', 'iris', 'nous.weights_union((''{'' || iris_id || '':[]}'')::nous.weights)'),
-- survey and field log (storable nous.svystate / nous.kmstate)
('nous.svy_agg(double precision,double precision,text,text,double precision)', 'squares',
 'nous.svy_mean(nous.svy_agg(unemployment_rate, 1 + households, com_code, iris_code, NULL::float8), ''certainty'')'),
('nous.svy_agg(double precision,double precision,double precision,text,text,double precision)', 'squares',
 'nous.svy_ratio(nous.svy_agg(poor_households, households, 1 + population, com_code, iris_code, NULL::float8), ''certainty'')'),
('nous.svy_agg(double precision,double precision,text,bigint,double precision)', 'squares',
 'nous.svy_mean(nous.svy_agg(unemployment_rate, 1 + households, com_code, hashtext(iris_code)::bigint, NULL::float8), ''certainty'')'),
('nous.svy_agg(double precision,double precision,double precision,text,bigint,double precision)', 'squares',
 'nous.svy_ratio(nous.svy_agg(poor_households, households, 1 + population, com_code, hashtext(iris_code)::bigint, NULL::float8), ''certainty'')'),
('nous.svy_agg(double precision,double precision,bigint,text,double precision)', 'squares',
 'nous.svy_mean(nous.svy_agg(unemployment_rate, 1 + households, hashtext(com_code)::bigint, iris_code, NULL::float8), ''certainty'')'),
('nous.svy_agg(double precision,double precision,double precision,bigint,text,double precision)', 'squares',
 'nous.svy_ratio(nous.svy_agg(poor_households, households, 1 + population, hashtext(com_code)::bigint, iris_code, NULL::float8), ''certainty'')'),
('nous.svy_agg(double precision,double precision,bigint,bigint,double precision)', 'squares',
 'nous.svy_mean(nous.svy_agg(unemployment_rate, 1 + households, hashtext(com_code)::bigint, hashtext(iris_code)::bigint, NULL::float8), ''certainty'')'),
('nous.svy_agg(double precision,double precision,double precision,bigint,bigint,double precision)', 'squares',
 'nous.svy_ratio(nous.svy_agg(poor_households, households, 1 + population, hashtext(com_code)::bigint, hashtext(iris_code)::bigint, NULL::float8), ''certainty'')'),
('nous.km_agg(double precision,boolean)', 'squares',
 'nous.km_quantile(nous.km_agg(100 * unemployment_rate, households > 5))'),
-- time: trends (float8[] states)
('nous.trend(double precision,double precision)', 'iris', 'nous.trend(iris_id::float8, value)'),
('nous.trend_state(double precision,double precision)', 'iris', 'nous.trend_final(nous.trend_state(iris_id::float8, value))'),
('nous.trend_merge(double precision[])', 'iris', 'nous.trend_merge(ARRAY[iris_id::float8, value])');
