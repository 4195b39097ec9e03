-- storage_versions: the stored types keep their format across versions.
-- Each stored or binary value of nous.flows, nous.mixpairs, nous.mixcounts
-- and nous.weights starts with a format version byte (1 since 0.1.0).
--  * values printed by nous 0.1.0 (text) and stored by it (on-disk bytes)
--    read back in this version, with the same text and the same results;
--  * a value claiming a newer format version (written by a newer nous) is
--    refused with feature_not_supported (0A000) naming both versions, an
--    unknown older one with data_exception (22000): on disk and in binary COPY.
-- The on-disk bytes are those of a little-endian machine (x86-64, arm64);
-- they are reached through a binary-coercible cast from a bytea-like type
-- with double alignment (superuser only, test scaffolding in schema sv).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS nous CASCADE;
CREATE SCHEMA sv;
CREATE TYPE sv.rawd;
CREATE FUNCTION sv.rawd_in(cstring) RETURNS sv.rawd LANGUAGE internal IMMUTABLE STRICT AS 'byteain';
CREATE FUNCTION sv.rawd_out(sv.rawd) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'byteaout';
CREATE TYPE sv.rawd (INPUT = sv.rawd_in, OUTPUT = sv.rawd_out, INTERNALLENGTH = VARIABLE,
                     ALIGNMENT = double, STORAGE = extended);
CREATE CAST (sv.rawd AS nous.flows) WITHOUT FUNCTION;
CREATE CAST (nous.flows AS sv.rawd) WITHOUT FUNCTION;
CREATE CAST (sv.rawd AS nous.mixpairs) WITHOUT FUNCTION;
CREATE CAST (nous.mixpairs AS sv.rawd) WITHOUT FUNCTION;
CREATE CAST (sv.rawd AS nous.mixcounts) WITHOUT FUNCTION;
CREATE CAST (nous.mixcounts AS sv.rawd) WITHOUT FUNCTION;
CREATE CAST (sv.rawd AS nous.weights) WITHOUT FUNCTION;
CREATE CAST (nous.weights AS sv.rawd) WITHOUT FUNCTION;

-- the values of nous 0.1.0 (tag v0.1.0): text output and on-disk bytes
CREATE TABLE sv.v010 (type text PRIMARY KEY, text_form text, disk bytea);
INSERT INTO sv.v010 VALUES
  ('nous.flows', '{A>B:2,B>B:1,B>C:0.5}',
   '\x0100000003000000020000000000000000000000000000000000f03f00000000000000000000000000000040000000000000e03f00000000010000000100000002000000010000000200000003000000414243'),
  ('nous.mixpairs', '[(1,4),(3,6)]',
   '\x01000000000000000000f87f000000000000f03f000000000000104000000000000008400000000000001840'),
  ('nous.mixcounts', '[["","u1","a",2],["","u1","b",2],["","u2","a",4]]',
   '\x01000000000000000000004000000000020000000100000075316100000000000000400000000002000000010000007531620000000000001040000000000200000001000000753261'),
  ('nous.weights', '{1:[2],2:[1,3],3:[2]}',
   '\x01000000030000000400000000000000000000000100000000000000020000000000000003000000000000000000000001000000030000000400000001000000000000000200000001000000');

-- an error as 'SQLSTATE: message: detail', or the result
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  r text;
  detail text;
BEGIN
  EXECUTE q INTO r;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ': ' || detail;
END $$;

-- a stored value from its on-disk bytes, printed as text
CREATE FUNCTION pg_temp.from_disk(typ text, disk bytea) RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.try(format('SELECT %L::sv.rawd::%s::text', disk::text, typ))
$$;

-- a value received from its binary form (COPY ... FORMAT binary), as text
CREATE FUNCTION pg_temp.recv(typ text, b bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  f text := '/tmp/nous_storage_versions_' || pg_backend_pid() || '.bin';
  lo oid;
  r text;
  detail text;
BEGIN
  lo := lo_from_bytea(0, '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea
                          || '\x0001'::bytea || int4send(length(b)) || b || '\xffff'::bytea);
  PERFORM lo_export(lo, f);
  PERFORM lo_unlink(lo);
  DROP TABLE IF EXISTS recv_t;
  EXECUTE format('CREATE TEMP TABLE recv_t (v %s)', typ);
  EXECUTE format('COPY recv_t FROM %L (FORMAT binary)', f);
  SELECT v::text INTO r FROM recv_t;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || ': ' || detail;
END $$;

-- 1. 0.1.0's text output reads back and prints the same; 0.1.0's on-disk
-- bytes read as the same value; this version writes the same bytes
SELECT type,
       pg_temp.try(format('SELECT %L::%s::text', text_form, type)) = text_form AS text_reads,
       pg_temp.from_disk(type, disk) = text_form AS disk_reads,
       pg_temp.try(format('SELECT %L::%s::sv.rawd::text', text_form, type)) = disk::text AS same_bytes
  FROM sv.v010 ORDER BY type;

-- 2. the values of 0.1.0, read from disk, compute what they computed then
-- (hand values: D = 1/2 (|1/4 - 3/6| + |3/4 - 3/6|) = 0.25; mutual information
-- of u1 = {a: 2, b: 2}, u2 = {a: 4}: H(0.75, 0.25) - 1/2 ln 2 = 0.2157615543;
-- weights: 3 areas, 4 links)
SELECT nous.dissimilarity(disk::text::sv.rawd::nous.mixpairs) AS d
  FROM sv.v010 WHERE type = 'nous.mixpairs';
SELECT round(nous.mutual_information(disk::text::sv.rawd::nous.mixcounts)::numeric, 10) AS mi,
       round((-(0.75 * ln(0.75) + 0.25 * ln(0.25)) - 0.5 * ln(2))::numeric, 10) AS by_hand
  FROM sv.v010 WHERE type = 'nous.mixcounts';
SELECT nous.area_count(w), nous.link_count(w)
  FROM (SELECT disk::text::sv.rawd::nous.weights AS w FROM sv.v010 WHERE type = 'nous.weights') x;
SELECT * FROM nous.flow_edges((SELECT disk::text::sv.rawd::nous.flows FROM sv.v010 WHERE type = 'nous.flows'));

-- 3. binary COPY: 0.1.0's binary form round-trips
SELECT type, pg_temp.recv(type, b) = text_form AS binary_reads
  FROM (SELECT type, text_form,
               (SELECT pg_temp.try(format('SELECT nous.%s_send(%L::%s)::text', substr(type, 6), text_form, type))::bytea) AS b
          FROM sv.v010) x
 ORDER BY type;

-- 4. a value from a newer nous (format version 2, 255) is refused with
-- 0A000; format version 0 (never written) is corrupt data (22000)
SELECT type, v AS version, pg_temp.from_disk(type, overlay(disk PLACING set_byte('\x00'::bytea, 0, v) FROM 1)) AS on_disk
  FROM sv.v010, (VALUES (2), (255), (0)) x(v) ORDER BY type, v;
SELECT type, v AS version,
       pg_temp.recv(type, overlay(pg_temp.try(format('SELECT nous.%s_send(%L::%s)::text', substr(type, 6), text_form, type))::bytea
                                  PLACING set_byte('\x00'::bytea, 0, v) FROM 1)) AS binary_copy
  FROM sv.v010, (VALUES (2), (0)) x(v) ORDER BY type, v;
-- the same error through a function reading a stored value
SELECT nous.dissimilarity(overlay(disk PLACING '\x02' FROM 1)::text::sv.rawd::nous.mixpairs)
  FROM sv.v010 WHERE type = 'nous.mixpairs';

DROP SCHEMA sv CASCADE;
