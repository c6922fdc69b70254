import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { tempDir } from '../support/services.js';

const parts = {
  DATABASE_HOST: 'aurora.cluster-x.eu-west-1.rds.amazonaws.com',
  DATABASE_NAME: 'datalive',
  DATABASE_USER: 'app',
  DATABASE_PASSWORD: 'secret',
};

function externalUrl(env: Record<string, string>): URL {
  const { database } = loadConfig(env);
  if (database.mode !== 'external') throw new Error('expected an external database');
  return new URL(database.url);
}

describe('DATABASE_SSL', () => {
  const caFile = path.join(tempDir(), 'rds-global-bundle.pem');
  writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n');

  it('verifies the server fully against the configured CA bundle', () => {
    const url = externalUrl({ ...parts, DATABASE_SSL: 'true', DATABASE_SSL_CA_FILE: caFile });
    expect(url.searchParams.get('sslmode')).toBe('verify-full');
    expect(url.searchParams.get('sslrootcert')).toBe(caFile);
  });

  it('applies to DATABASE_URL too, keeping an sslmode the URL already names', () => {
    const plain = externalUrl({ DATABASE_URL: 'postgres://app@db/datalive', DATABASE_SSL: '1' });
    expect(plain.searchParams.get('sslmode')).toBe('verify-full');
    expect(plain.searchParams.has('sslrootcert')).toBe(false);
    const explicit = externalUrl({
      DATABASE_URL: 'postgres://app@db/datalive?sslmode=no-verify',
      DATABASE_SSL: '1',
      DATABASE_SSL_CA_FILE: caFile,
    });
    expect(explicit.searchParams.get('sslmode')).toBe('no-verify');
  });

  it('leaves connections plain when off, and names a missing CA file', () => {
    expect(externalUrl({ ...parts, DATABASE_SSL_CA_FILE: caFile }).search).toBe('');
    expect(() =>
      loadConfig({ ...parts, DATABASE_SSL: 'true', DATABASE_SSL_CA_FILE: '/nonexistent/ca.pem' }),
    ).toThrow(/^invalid DATABASE_SSL_CA_FILE: no such file/);
  });
});
