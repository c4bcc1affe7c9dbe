-- hfendpoints 0.1.0 -> 0.2.0
\echo Use "ALTER EXTENSION hfendpoints UPDATE TO '0.2.0'" to load this file. \quit

-- (0.2.0 is in development: each change to sql/parts after 0.1.0 is
-- repeated here, and test/sql/upgrade.sql checks that an updated 0.1.0
-- matches a fresh 0.2.0 object for object.)
