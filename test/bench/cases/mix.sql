-- Benchmark cases of the mix module, on the generator's tables:
-- nous_demo.applications (about 2.4 M at the national scale of 1,250 EPCI,
-- 80 % pending on 31 December), nous_demo.allocations (about 470 k) and
-- nous_demo.squares (2.3 M; poor households among households).
INSERT INTO nous_bench.cases (module, name, rows_sql, nous_sql, plain_sql, floor_sql, settings) VALUES
('mix', 'mix first-quartile threshold per EPCI',
 $$SELECT count(*) FROM nous_demo.applications$$,
 $$SELECT epci_code, nous.first_quartile(income_uc) FROM nous_demo.applications
    WHERE pending_at_year_start GROUP BY epci_code$$,
 $$SELECT epci_code, percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc)
     FROM nous_demo.applications WHERE pending_at_year_start GROUP BY epci_code$$,
 $$SELECT sum(income_uc) FROM nous_demo.applications$$,
 'max_parallel_workers_per_gather = 0'),
('mix', 'mix thresholds and both rules per EPCI',
 $$SELECT (SELECT count(*) FROM nous_demo.applications) + (SELECT count(*) FROM nous_demo.allocations)$$,
 $$SELECT a.epci_code, nous.allocation_mix(a.in_qpv, p.income_uc, a.renewal, t.q1)
     FROM nous_demo.allocations a
     JOIN nous_demo.applications p USING (application_id)
     JOIN (SELECT epci_code, nous.first_quartile(income_uc) q1
             FROM nous_demo.applications WHERE pending_at_year_start GROUP BY epci_code) t
       ON t.epci_code = a.epci_code
    GROUP BY a.epci_code$$,
 $$WITH t AS (SELECT epci_code, percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc) q1
                FROM nous_demo.applications WHERE pending_at_year_start GROUP BY epci_code)
   SELECT a.epci_code,
          count(*) FILTER (WHERE NOT a.in_qpv) AS outside_in_scope,
          count(*) FILTER (WHERE NOT a.in_qpv AND (p.income_uc < t.q1 OR a.renewal)) AS outside_counted,
          count(*) FILTER (WHERE a.in_qpv) AS inside_in_scope,
          count(*) FILTER (WHERE a.in_qpv AND p.income_uc >= t.q1) AS inside_counted
     FROM nous_demo.allocations a
     JOIN nous_demo.applications p USING (application_id)
     JOIN t ON t.epci_code = a.epci_code
    GROUP BY a.epci_code$$,
 $$SELECT (SELECT sum(income_uc) FROM nous_demo.applications) + (SELECT sum(allocation_id) FROM nous_demo.allocations)$$,
 'max_parallel_workers_per_gather = 0'),
('mix', 'mix thresholds and both rules per EPCI, 2 workers',
 $$SELECT (SELECT count(*) FROM nous_demo.applications) + (SELECT count(*) FROM nous_demo.allocations)$$,
 $$SELECT a.epci_code, nous.allocation_mix(a.in_qpv, p.income_uc, a.renewal, t.q1)
     FROM nous_demo.allocations a
     JOIN nous_demo.applications p USING (application_id)
     JOIN (SELECT epci_code, nous.first_quartile(income_uc) q1
             FROM nous_demo.applications WHERE pending_at_year_start GROUP BY epci_code) t
       ON t.epci_code = a.epci_code
    GROUP BY a.epci_code$$,
 $$WITH t AS (SELECT epci_code, percentile_cont(0.25) WITHIN GROUP (ORDER BY income_uc) q1
                FROM nous_demo.applications WHERE pending_at_year_start GROUP BY epci_code)
   SELECT a.epci_code,
          count(*) FILTER (WHERE NOT a.in_qpv) AS outside_in_scope,
          count(*) FILTER (WHERE NOT a.in_qpv AND (p.income_uc < t.q1 OR a.renewal)) AS outside_counted,
          count(*) FILTER (WHERE a.in_qpv) AS inside_in_scope,
          count(*) FILTER (WHERE a.in_qpv AND p.income_uc >= t.q1) AS inside_counted
     FROM nous_demo.allocations a
     JOIN nous_demo.applications p USING (application_id)
     JOIN t ON t.epci_code = a.epci_code
    GROUP BY a.epci_code$$,
 $$SELECT (SELECT sum(income_uc) FROM nous_demo.applications) + (SELECT sum(allocation_id) FROM nous_demo.allocations)$$,
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
 'max_parallel_workers_per_gather = 0'),
('mix', 'mix mutual information M of movers'' income quartiles over destination IRIS',
 $$SELECT count(*) FROM nous_demo.moves$$,
 $$SELECT nous.mutual_information(destination_iris, income_quartile, weight) FROM nous_demo.moves$$,
 $$WITH c AS (SELECT destination_iris u, income_quartile g, sum(weight) n FROM nous_demo.moves GROUP BY 1, 2),
        nu AS (SELECT u, sum(n) n FROM c GROUP BY u), ng AS (SELECT g, sum(n) n FROM c GROUP BY g),
        tot AS (SELECT sum(n) n FROM c)
   SELECT sum(c.n / tot.n * ln(c.n * tot.n / (nu.n * ng.n)))
     FROM c JOIN nu USING (u) JOIN ng USING (g), tot WHERE c.n > 0$$,
 $$SELECT sum(weight) FROM nous_demo.moves$$,
 'max_parallel_workers_per_gather = 0');
