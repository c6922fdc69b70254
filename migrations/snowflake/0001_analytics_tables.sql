-- DatAlive warehouse tables on Snowflake: the same tables and columns as the embedded DuckDB
-- (src/adapters/duckdb/schema.ts), in the database and schema the service is configured with
-- (SNOWFLAKE_DATABASE, default DB_<ENV>; SNOWFLAKE_SCHEMA, default ANALYTICS).
--
-- Apply once per environment as the schema owner, with SnowSQL variable substitution:
--   snowsql -o variable_substitution=true -D database=DB_PROD -D schema=ANALYTICS \
--     -f migrations/snowflake/0001_analytics_tables.sql
-- Every statement is idempotent (IF NOT EXISTS).
--
-- Collation (ADR 0012): the service orders facts in code-point order in JavaScript while the page boundary
-- (ORDER BY ... LIMIT and the keyset predicate) stays in SQL; they agree only under binary collation. Every
-- text column therefore states COLLATE 'utf8' (binary, Snowflake's default), which overrides any
-- DEFAULT_DDL_COLLATION set on the account, database or schema.
--
-- Loads: whatever loads these tables must, in the same transaction, insert one LOAD_METADATA row per table
-- loaded. The service re-reads its catalog (as-of date, members) only when MAX(loaded_at) or COUNT(*) of
-- LOAD_METADATA changes.

CREATE SCHEMA IF NOT EXISTS &{database}.&{schema};

CREATE TABLE IF NOT EXISTS &{database}.&{schema}.sites (
  site_id VARCHAR COLLATE 'utf8' NOT NULL PRIMARY KEY,
  site_name VARCHAR COLLATE 'utf8' NOT NULL,
  region VARCHAR COLLATE 'utf8',
  timezone VARCHAR COLLATE 'utf8'
);

CREATE TABLE IF NOT EXISTS &{database}.&{schema}.assets (
  asset_id VARCHAR COLLATE 'utf8' NOT NULL PRIMARY KEY,
  asset_name VARCHAR COLLATE 'utf8' NOT NULL,
  site_id VARCHAR COLLATE 'utf8' NOT NULL,
  asset_type VARCHAR COLLATE 'utf8' NOT NULL,
  unit VARCHAR COLLATE 'utf8'
);

CREATE TABLE IF NOT EXISTS &{database}.&{schema}.products (
  product_id VARCHAR COLLATE 'utf8' NOT NULL PRIMARY KEY,
  product_name VARCHAR COLLATE 'utf8' NOT NULL,
  unit VARCHAR COLLATE 'utf8' NOT NULL
);

CREATE TABLE IF NOT EXISTS &{database}.&{schema}.production_daily (
  date DATE NOT NULL,
  asset_id VARCHAR COLLATE 'utf8' NOT NULL,
  product_id VARCHAR COLLATE 'utf8' NOT NULL,
  actual_volume DOUBLE,
  planned_volume DOUBLE,
  uptime_hours DOUBLE,
  quality_flags VARCHAR COLLATE 'utf8'
)
CLUSTER BY (date);

CREATE TABLE IF NOT EXISTS &{database}.&{schema}.forecast_daily (
  date DATE NOT NULL,
  asset_id VARCHAR COLLATE 'utf8' NOT NULL,
  product_id VARCHAR COLLATE 'utf8' NOT NULL,
  model_version VARCHAR COLLATE 'utf8' NOT NULL,
  p10 DOUBLE,
  p50 DOUBLE,
  p90 DOUBLE,
  generated_at TIMESTAMP_NTZ NOT NULL
)
CLUSTER BY (date);

CREATE TABLE IF NOT EXISTS &{database}.&{schema}.downtime_events (
  event_id VARCHAR COLLATE 'utf8' NOT NULL PRIMARY KEY,
  asset_id VARCHAR COLLATE 'utf8' NOT NULL,
  product_id VARCHAR COLLATE 'utf8',
  start_ts TIMESTAMP_NTZ NOT NULL,
  end_ts TIMESTAMP_NTZ NOT NULL,
  cause_code VARCHAR COLLATE 'utf8' NOT NULL,
  cause_category VARCHAR COLLATE 'utf8' NOT NULL,
  lost_volume DOUBLE,
  description VARCHAR COLLATE 'utf8'
);

CREATE TABLE IF NOT EXISTS &{database}.&{schema}.load_metadata (
  table_name VARCHAR COLLATE 'utf8' NOT NULL,
  source VARCHAR COLLATE 'utf8' NOT NULL,
  loaded_at TIMESTAMP_NTZ NOT NULL,
  row_count NUMBER(38, 0) NOT NULL
);
