-- shared_time_qpv: the QPV 2015 -> 2024 recipe on real 200 m squares
-- (Filosofi 2021, central Nantes and Malakoff, ../shared/data). No pair of
-- 2015 and 2024 perimeters of one place is in ../shared (the 2015 perimeters
-- are of Occitanie, the 2024 list has no perimeters): the perimeters here are
-- GENERATED rectangles over the poor squares of Malakoff and Sainte-Anne, with
-- generated codes (QP0449xx, QN0449xxG); the squares and their counts are real.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
SET extra_float_digits = 0;
\set SHOW_CONTEXT never
\getenv shared NOUS_SHARED

CREATE TEMP TABLE sq (idcar text, x int, y int, tx int, ty int, imputed int, ind float8, men float8,
  men_1ind float8, men_5ind float8, men_coll float8, men_fmp float8, men_mais float8, men_pauv float8,
  men_prop float8, men_surf float8, log_av45 float8, log_45_70 float8, log_70_90 float8, log_ap90 float8,
  log_inc float8, log_soc float8, wkt text);
\set f :shared '/data/filosofi-2021-carreaux-nantes-extrait/filosofi2021_carreaux200m_nantes_centre_malakoff.csv'
COPY sq FROM :'f' WITH (FORMAT csv, HEADER);
CREATE TEMP TABLE squares AS
SELECT row_number() OVER (ORDER BY idcar)::bigint AS id, men, men_pauv, public.ST_GeomFromText(wkt, 3035) AS geom FROM sq;
-- generated perimeters (EPSG:3035, cutting through squares): the 2024 ones moved and enlarged
CREATE TEMP TABLE qp2015 (code text, geom public.geometry);
INSERT INTO qp2015 VALUES ('QP044901', public.ST_MakeEnvelope(3450600, 2745550, 3451500, 2746050, 3035)),
                          ('QP044902', public.ST_MakeEnvelope(3449000, 2745000, 3449400, 2745800, 3035));
CREATE TEMP TABLE qn2024 (code text, geom public.geometry);
INSERT INTO qn2024 VALUES ('QN04491G', public.ST_MakeEnvelope(3450900, 2745650, 3451800, 2746100, 3035)),
                          ('QN04492G', public.ST_MakeEnvelope(3449100, 2745100, 3449500, 2745900, 3035)),
                          ('QN04493G', public.ST_MakeEnvelope(3452000, 2746000, 3452400, 2746400, 3035));

-- ---- 1. the passage 2015 list -> 2024 list, by households of the squares
CREATE TEMP TABLE passage AS
SELECT * FROM nous.perimeter_passage((SELECT array_agg(code ORDER BY code) FROM qp2015), (SELECT array_agg(geom ORDER BY code) FROM qp2015),
                                     (SELECT array_agg(code ORDER BY code) FROM qn2024), (SELECT array_agg(geom ORDER BY code) FROM qn2024),
                                     (SELECT array_agg(geom ORDER BY id) FROM squares), (SELECT array_agg(men ORDER BY id) FROM squares));
SELECT code_from, code_to, round(share::numeric, 6) AS share, round(weight_from::numeric, 3) AS households_2015_list,
       round(weight_part::numeric, 3) AS households_part FROM passage;
-- the shares of each 2015 perimeter sum to 1 (the part outside every 2024 perimeter included)
SELECT code_from, abs(sum(share) - 1) < 1e-12 AS sums_to_one FROM passage GROUP BY 1 ORDER BY 1;
-- the households of each overlap equal nous.areal_interpolation (C) onto the intersection polygons
CREATE TEMP TABLE overlap AS
SELECT row_number() OVER (ORDER BY o.code, n.code)::bigint AS id, o.code AS qp, n.code AS qn, public.ST_Intersection(o.geom, n.geom) AS geom
  FROM qp2015 o JOIN qn2024 n ON public.ST_Intersects(o.geom, n.geom) AND public.ST_Area(public.ST_Intersection(o.geom, n.geom)) > 0;
CREATE TEMP TABLE overlap_counts AS
SELECT v.qp, v.qn, m.estimate AS men, p.estimate AS men_pauv
  FROM overlap v
  JOIN nous.areal_interpolation((SELECT array_agg(id ORDER BY id) FROM squares), (SELECT array_agg(geom ORDER BY id) FROM squares),
                                (SELECT array_agg(men ORDER BY id) FROM squares),
                                (SELECT array_agg(id ORDER BY id) FROM overlap), (SELECT array_agg(geom ORDER BY id) FROM overlap)) m ON m.target_id = v.id
  JOIN nous.areal_interpolation((SELECT array_agg(id ORDER BY id) FROM squares), (SELECT array_agg(geom ORDER BY id) FROM squares),
                                (SELECT array_agg(men_pauv ORDER BY id) FROM squares),
                                (SELECT array_agg(id ORDER BY id) FROM overlap), (SELECT array_agg(geom ORDER BY id) FROM overlap)) p ON p.target_id = v.id;
SELECT o.qp, o.qn, abs(o.men - p.weight_part) < 1e-9 * o.men AS same_households
  FROM overlap_counts o JOIN passage p ON p.code_from = o.qp AND p.code_to = o.qn ORDER BY 1, 2;

-- ---- 2. a 2015-list series carried to the 2024 list where the perimeters overlap
-- the 2015-list figures per QP (here from the squares, standing for the published ones)
CREATE TEMP TABLE by_qp AS
SELECT q.code, i.estimate AS men, j.estimate AS men_pauv
  FROM (SELECT row_number() OVER (ORDER BY code)::bigint AS id, code, geom FROM qp2015) q
  JOIN nous.areal_interpolation((SELECT array_agg(id ORDER BY id) FROM squares), (SELECT array_agg(geom ORDER BY id) FROM squares),
                                (SELECT array_agg(men ORDER BY id) FROM squares),
                                (SELECT array_agg(id ORDER BY code) FROM (SELECT row_number() OVER (ORDER BY code)::bigint AS id, code FROM qp2015) x),
                                (SELECT array_agg(geom ORDER BY code) FROM qp2015)) i ON i.target_id = q.id
  JOIN nous.areal_interpolation((SELECT array_agg(id ORDER BY id) FROM squares), (SELECT array_agg(geom ORDER BY id) FROM squares),
                                (SELECT array_agg(men_pauv ORDER BY id) FROM squares),
                                (SELECT array_agg(id ORDER BY code) FROM (SELECT row_number() OVER (ORDER BY code)::bigint AS id, code FROM qp2015) x),
                                (SELECT array_agg(geom ORDER BY code) FROM qp2015)) j ON j.target_id = q.id;
-- counts convert like a COG passage (sum share x count); the part outside the 2024 list is reported apart;
-- totals preserved
SELECT coalesce(p.code_to, '(outside)') AS qn, round(sum(p.share * b.men)::numeric, 3) AS men,
       round(sum(p.share * b.men_pauv)::numeric, 3) AS men_pauv_converted,
       round((sum(p.share * b.men_pauv) / sum(p.share * b.men))::numeric, 4) AS poverty_rate_converted
  FROM passage p JOIN by_qp b ON b.code = p.code_from GROUP BY p.code_to ORDER BY p.code_to NULLS LAST;
SELECT abs((SELECT sum(p.share * b.men_pauv) FROM passage p JOIN by_qp b ON b.code = p.code_from) - (SELECT sum(men_pauv) FROM by_qp)) < 1e-9
       AS total_preserved;
-- the same overlap measured from the squares: households equal, poor households differ where the
-- 2015 perimeter is not homogeneous (the conversion spreads its rate evenly over its households)
SELECT o.qn, round(sum(o.men)::numeric, 3) AS men_overlap, round(sum(o.men_pauv)::numeric, 3) AS men_pauv_overlap,
       round((sum(o.men_pauv) / sum(o.men))::numeric, 4) AS poverty_rate_overlap
  FROM overlap_counts o GROUP BY o.qn ORDER BY 1;
-- the reverse passage: how much of each 2024 perimeter the 2015 list covers (QN04493G: none of it, a new QPV)
SELECT code_from AS qn, round(coalesce(sum(share) FILTER (WHERE code_to IS NOT NULL), 0)::numeric, 4) AS covered_by_2015_list
  FROM nous.perimeter_passage((SELECT array_agg(code ORDER BY code) FROM qn2024), (SELECT array_agg(geom ORDER BY code) FROM qn2024),
                              (SELECT array_agg(code ORDER BY code) FROM qp2015), (SELECT array_agg(geom ORDER BY code) FROM qp2015),
                              (SELECT array_agg(geom ORDER BY id) FROM squares), (SELECT array_agg(men ORDER BY id) FROM squares))
 GROUP BY 1 ORDER BY 1;
