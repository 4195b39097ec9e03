-- time (new in 0.2.0): created exactly as a fresh install creates it.
\echo Use "ALTER EXTENSION nous UPDATE" to load this file. \quit
-- @include sql/84_time.sql
