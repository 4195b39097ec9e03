-- Benchmark cases of the mix module.
-- Allocation rules: 1,920 pending applications and 360 allocations per EPCI
-- of the generated territory (2.4 M and 450 k at the national scale of 1,250
-- EPCI), made here deterministically from nous_demo.epci until the generator
-- writes its own applications and allocations tables.
-- Two-group indices: poor households among households of every 200 m square.
CREATE TABLE nous_bench.mix_applications AS
SELECT e.epci_code, i AS app_id,
       -- income per UC: lognormal around 14,000 EUR
       round((14000 * exp(0.6 * sqrt(-2 * ln(1 - ((hashint8extended(e.k * 4096 + i, 1) >> 11) & 9007199254740991)::float8 / 9007199254740992.0))
                          * cos(2 * pi() * ((hashint8extended(e.k * 4096 + i, 2) >> 11) & 9007199254740991)::float8 / 9007199254740992.0)))::numeric, 0)::float8 AS income_uc
  FROM (SELECT epci_code, row_number() OVER (ORDER BY epci_code) AS k FROM nous_demo.epci) e,
       generate_series(1, 1920) i;
CREATE TABLE nous_bench.mix_allocations AS
SELECT e.epci_code, i AS alloc_id,
       hashint8extended(e.k * 4096 + i, 3) % 5 = 0 AS in_qpv,
       hashint8extended(e.k * 4096 + i, 4) % 40 = 0 AS renewal,
       'L' || abs(hashint8extended(e.k * 4096 + i, 5) % 6) AS landlord,
       round((13000 * exp(0.6 * sqrt(-2 * ln(1 - ((hashint8extended(e.k * 4096 + i, 6) >> 11) & 9007199254740991)::float8 / 9007199254740992.0))
                          * cos(2 * pi() * ((hashint8extended(e.k * 4096 + i, 7) >> 11) & 9007199254740991)::float8 / 9007199254740992.0)))::numeric, 0)::float8 AS income_uc
  FROM (SELECT epci_code, row_number() OVER (ORDER BY epci_code) AS k FROM nous_demo.epci) e,
       generate_series(1, 360) i;
VACUUM ANALYZE nous_bench.mix_applications, nous_bench.mix_allocations;

INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings) VALUES
('mix', 'mix first-quartile threshold per EPCI',
 $$SELECT count(*) FROM nous_bench.mix_applications$$,
 $$SELECT epci_code, nous.first_quartile(income_uc) FROM nous_bench.mix_applications GROUP BY epci_code$$,
 $$SELECT epci_code, percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc)
     FROM nous_bench.mix_applications GROUP BY epci_code$$,
 $$SELECT sum(income_uc) FROM nous_bench.mix_applications$$,
 'max_parallel_workers_per_gather = 0'),
('mix', 'mix thresholds and both rules per EPCI',
 $$SELECT (SELECT count(*) FROM nous_bench.mix_applications) + (SELECT count(*) FROM nous_bench.mix_allocations)$$,
 $$SELECT a.epci_code, nous.allocation_mix(a.in_qpv, a.income_uc, a.renewal, t.q1)
     FROM nous_bench.mix_allocations a
     JOIN (SELECT epci_code, nous.first_quartile(income_uc) q1
             FROM nous_bench.mix_applications GROUP BY epci_code) t USING (epci_code)
    GROUP BY a.epci_code$$,
 $$WITH t AS (SELECT epci_code, percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc) q1
                FROM nous_bench.mix_applications GROUP BY epci_code)
   SELECT a.epci_code,
          count(*) FILTER (WHERE NOT in_qpv) AS outside_in_scope,
          count(*) FILTER (WHERE NOT in_qpv AND (income_uc < t.q1 OR renewal)) AS outside_counted,
          count(*) FILTER (WHERE in_qpv) AS inside_in_scope,
          count(*) FILTER (WHERE in_qpv AND income_uc >= t.q1) AS inside_counted
     FROM nous_bench.mix_allocations a JOIN t USING (epci_code) GROUP BY a.epci_code$$,
 $$SELECT (SELECT sum(income_uc) FROM nous_bench.mix_applications) + (SELECT sum(income_uc) FROM nous_bench.mix_allocations)$$,
 'max_parallel_workers_per_gather = 0'),
('mix', 'mix thresholds and both rules per EPCI, 2 workers',
 $$SELECT (SELECT count(*) FROM nous_bench.mix_applications) + (SELECT count(*) FROM nous_bench.mix_allocations)$$,
 $$SELECT a.epci_code, nous.allocation_mix(a.in_qpv, a.income_uc, a.renewal, t.q1)
     FROM nous_bench.mix_allocations a
     JOIN (SELECT epci_code, nous.first_quartile(income_uc) q1
             FROM nous_bench.mix_applications GROUP BY epci_code) t USING (epci_code)
    GROUP BY a.epci_code$$,
 $$WITH t AS (SELECT epci_code, percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc) q1
                FROM nous_bench.mix_applications GROUP BY epci_code)
   SELECT a.epci_code,
          count(*) FILTER (WHERE NOT in_qpv) AS outside_in_scope,
          count(*) FILTER (WHERE NOT in_qpv AND (income_uc < t.q1 OR renewal)) AS outside_counted,
          count(*) FILTER (WHERE in_qpv) AS inside_in_scope,
          count(*) FILTER (WHERE in_qpv AND income_uc >= t.q1) AS inside_counted
     FROM nous_bench.mix_allocations a JOIN t USING (epci_code) GROUP BY a.epci_code$$,
 $$SELECT (SELECT sum(income_uc) FROM nous_bench.mix_applications) + (SELECT sum(income_uc) FROM nous_bench.mix_allocations)$$,
 'max_parallel_workers_per_gather = 2'),
('mix', 'mix dissimilarity over all squares',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT nous.dissimilarity(poor_households, households) FROM nous_demo.squares$$,
 $$WITH t AS (SELECT sum(poor_households) g, sum(households) t FROM nous_demo.squares)
   SELECT 0.5 * sum(abs(s.poor_households / t.g - (s.households - s.poor_households) / (t.t - t.g)))
     FROM nous_demo.squares s, t$$,
 $$SELECT sum(poor_households) FROM nous_demo.squares$$,
 'max_parallel_workers_per_gather = 0'),
('mix', 'mix dissimilarity over all squares, 2 workers',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT nous.dissimilarity(poor_households, households) FROM nous_demo.squares$$,
 $$WITH t AS (SELECT sum(poor_households) g, sum(households) t FROM nous_demo.squares)
   SELECT 0.5 * sum(abs(s.poor_households / t.g - (s.households - s.poor_households) / (t.t - t.g)))
     FROM nous_demo.squares s, t$$,
 $$SELECT sum(poor_households) FROM nous_demo.squares$$,
 'max_parallel_workers_per_gather = 2'),
('mix', 'mix dissimilarity per EPCI over squares',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT epci_code, nous.dissimilarity(poor_households, households) FROM nous_demo.squares GROUP BY epci_code$$,
 $$WITH t AS (SELECT epci_code, sum(poor_households) g, sum(households) t FROM nous_demo.squares GROUP BY epci_code)
   SELECT epci_code, 0.5 * sum(abs(s.poor_households / nullif(t.g, 0)
                                   - (s.households - s.poor_households) / nullif(t.t - t.g, 0)))
     FROM nous_demo.squares s JOIN t USING (epci_code) GROUP BY epci_code$$,
 $$SELECT epci_code, sum(poor_households) FROM nous_demo.squares GROUP BY epci_code$$,
 'max_parallel_workers_per_gather = 0'),
('mix', 'mix Gini segregation over all squares',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT nous.gini_segregation(poor_households, households) FROM nous_demo.squares$$,
 -- sorted by p: sum_ij t_i t_j |p_i - p_j| = 2 sum_j t_j (p_j W_j - Q_j) with running sums
 $$WITH s AS (SELECT households t, poor_households / households p FROM nous_demo.squares WHERE households > 0),
        w AS (SELECT t, p, coalesce(sum(t) OVER o, 0) wj, coalesce(sum(t * p) OVER o, 0) qj FROM s
               WINDOW o AS (ORDER BY p ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)),
        tot AS (SELECT sum(t) tt, sum(t * p) / sum(t) pp FROM s)
   SELECT 2 * sum(t * (p * wj - qj)) / (2 * max(tot.tt) ^ 2 * max(tot.pp) * (1 - max(tot.pp))) FROM w, tot$$,
 $$SELECT sum(poor_households) FROM nous_demo.squares$$,
 'max_parallel_workers_per_gather = 0'),
('mix', 'mix entropy H over all squares',
 $$SELECT count(*) FROM nous_demo.squares$$,
 $$SELECT nous.entropy_h(poor_households, households) FROM nous_demo.squares$$,
 $$WITH tot AS (SELECT sum(poor_households) / sum(households) p, sum(households) t FROM nous_demo.squares),
        e AS (SELECT -(p * ln(p) + (1 - p) * ln(1 - p)) e, t, p FROM tot)
   SELECT sum(s.households * (e.e + CASE WHEN s.poor_households > 0 THEN s.poor_households / s.households * ln(s.poor_households / s.households) ELSE 0 END
                                  + CASE WHEN s.poor_households < s.households THEN (1 - s.poor_households / s.households) * ln(1 - s.poor_households / s.households) ELSE 0 END))
          / (max(e.e) * max(e.t))
     FROM nous_demo.squares s, e WHERE s.households > 0$$,
 $$SELECT sum(poor_households) FROM nous_demo.squares$$,
 'max_parallel_workers_per_gather = 0');
