import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults to the embedded dev setup', () => {
    const config = loadConfig({});
    expect(config.env).toBe('dev');
    expect(config.port).toBe(3000);
    expect(config.database.mode).toBe('embedded');
    expect(config.warehouse.kind).toBe('duckdb');
    expect(config.profile.ragSchema).toBe('rag_dev');
    expect(config.rateLimit.failMode).toEqual({ insights: 'open', rag: 'closed', admin: 'open' });
  });

  it('passes DUCKDB_THREADS to the embedded warehouse and rejects a bad value', () => {
    const config = loadConfig({ DUCKDB_THREADS: '1' });
    expect(config.warehouse).toMatchObject({ kind: 'duckdb', threads: 1 });
    expect(loadConfig({}).warehouse).toMatchObject({ kind: 'duckdb', threads: 1 });
    expect(loadConfig({ DUCKDB_THREADS: '2' }).warehouse).toMatchObject({ kind: 'duckdb', threads: 2 });
    expect(() => loadConfig({ DUCKDB_THREADS: '0' })).toThrow(/DUCKDB_THREADS/);
  });

  it('selects the profile of the environment', () => {
    const config = loadConfig({ DATALIVE_ENV: 'qa' });
    expect(config.profile.keyPrefix).toBe('da_qa_');
    expect(config.profile.warehouseDatabase).toBe('DB_QA');
  });

  it.each([
    [{ DATALIVE_ENV: 'staging' }, /^invalid DATALIVE_ENV: /],
    [{ PORT: 'eighty' }, /^invalid PORT: /],
    [{ PORT: '70000' }, /^invalid PORT: /],
    [{ WAREHOUSE: 'bigquery' }, /^invalid WAREHOUSE: /],
    [{ DATABASE_URL: 'mysql://x' }, /^invalid DATABASE_URL: /],
    [{ EMBEDDING_DIMENSION: '300' }, /^invalid EMBEDDING_DIMENSION: must be one of/],
    [{ WAREHOUSE: 'snowflake' }, /^invalid SNOWFLAKE_ACCOUNT: required when WAREHOUSE=snowflake/],
    [{ DATALIVE_ENV: 'prod' }, /^invalid API_KEY_PEPPER: required when DATALIVE_ENV=prod/],
    [{ API_KEY_PEPPER: 'short' }, /^invalid API_KEY_PEPPER: must be at least 32 characters/],
  ])('rejects %j with one line naming the variable', (env, message) => {
    let thrown: unknown;
    try {
      loadConfig(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('never echoes secret values in errors', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db' })).toThrow(/\[redacted\]/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db' })).not.toThrow(/hunter2/);
  });

  it('assembles DATABASE_URL from parts, encoding the password', () => {
    const config = loadConfig({
      DATABASE_HOST: 'db.internal',
      DATABASE_NAME: 'datalive',
      DATABASE_USER: 'app',
      DATABASE_PASSWORD: 'p@ss/word',
    });
    expect(config.database.mode).toBe('external');
    expect(config.database.mode === 'external' && config.database.url).toBe(
      'postgres://app:p%40ss%2Fword@db.internal:5432/datalive',
    );
    expect(() => loadConfig({ DATABASE_HOST: 'db.internal' })).toThrow(/^invalid DATABASE_NAME: required/);
  });

  it('takes the rate-limit profile from RATE_LIMIT_PROFILE when set', () => {
    const config = loadConfig({ DATALIVE_ENV: 'qa', RATE_LIMIT_PROFILE: 'prod' });
    expect(config.profile.ragSchema).toBe('rag_qa');
    expect(config.profile.rateLimits.standard.insights.limit).toBe(1200);
  });

  it('uses an external pool when DATABASE_URL is set', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://localhost/test', DATABASE_POOL_MAX: '7' });
    expect(config.database).toMatchObject({ mode: 'external', poolMax: 7, migrateOnStart: false });
  });
});
