/**
 * Warehouse tables, identical in DuckDB and Snowflake (`DB_<ENV>.ANALYTICS`).
 * Column names are lower case here; Snowflake folds unquoted identifiers, so the same SQL runs on both.
 */
export const WAREHOUSE_DDL: readonly string[] = [
  'CREATE SCHEMA IF NOT EXISTS analytics',
  `CREATE TABLE IF NOT EXISTS analytics.sites (
    site_id VARCHAR PRIMARY KEY,
    site_name VARCHAR NOT NULL,
    region VARCHAR,
    timezone VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS analytics.assets (
    asset_id VARCHAR PRIMARY KEY,
    asset_name VARCHAR NOT NULL,
    site_id VARCHAR NOT NULL,
    asset_type VARCHAR NOT NULL,
    unit VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS analytics.products (
    product_id VARCHAR PRIMARY KEY,
    product_name VARCHAR NOT NULL,
    unit VARCHAR NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS analytics.production_daily (
    date DATE NOT NULL,
    asset_id VARCHAR NOT NULL,
    product_id VARCHAR NOT NULL,
    actual_volume DOUBLE,
    planned_volume DOUBLE,
    uptime_hours DOUBLE,
    quality_flags VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS analytics.forecast_daily (
    date DATE NOT NULL,
    asset_id VARCHAR NOT NULL,
    product_id VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    p10 DOUBLE,
    p50 DOUBLE,
    p90 DOUBLE,
    generated_at TIMESTAMP NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS analytics.downtime_events (
    event_id VARCHAR PRIMARY KEY,
    asset_id VARCHAR NOT NULL,
    product_id VARCHAR,
    start_ts TIMESTAMP NOT NULL,
    end_ts TIMESTAMP NOT NULL,
    cause_code VARCHAR NOT NULL,
    cause_category VARCHAR NOT NULL,
    lost_volume DOUBLE,
    description VARCHAR
  )`,
  `CREATE TABLE IF NOT EXISTS analytics.load_metadata (
    table_name VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    row_count BIGINT NOT NULL
  )`,
];
