import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  classifySnowflakeError,
  loadPrivateKey,
} from '../../../src/adapters/snowflake/snowflake-warehouse.js';
import { WarehouseError } from '../../../src/ports/warehouse.js';

/** Builds an error shaped like the driver's externalised errors. */
function driverError(fields: { code?: unknown; sqlState?: string; message: string; cause?: unknown }): Error {
  return Object.assign(new Error(fields.message), fields);
}

describe('classifySnowflakeError', () => {
  test.each([
    [
      '000604 SQL execution canceled',
      driverError({ code: '000604', sqlState: '57014', message: 'SQL execution canceled' }),
    ],
    [
      '000630 statement timeout',
      driverError({
        code: '000630',
        message: 'Statement reached its statement or warehouse timeout of 20 second(s)',
      }),
    ],
    ['sqlState 57014 alone', driverError({ sqlState: '57014', message: 'query canceled' })],
  ])('%s → timeout', (_name, error) => {
    expect(classifySnowflakeError(error)).toBe('timeout');
  });

  test.each([
    [
      '390100 incorrect username or password',
      driverError({ code: '390100', message: 'Incorrect username or password was specified.' }),
    ],
    ['390144 JWT invalid', driverError({ code: '390144', message: 'JWT token is invalid.' })],
    [
      '390112 session gone',
      driverError({ code: '390112', message: 'Your session has expired. Please login again.' }),
    ],
    [
      '401001 driver network error',
      driverError({ code: 401001, message: 'Network error. Could not reach Snowflake.' }),
    ],
    ['401002 HTTP failure', driverError({ code: 401002, message: 'Request to Snowflake failed.' })],
    [
      '407002 disconnected',
      driverError({
        code: 407002,
        message: 'Unable to perform operation because a connection was never established.',
      }),
    ],
    ['ENOTFOUND cause', driverError({ code: 401001, message: 'x', cause: { code: 'ENOTFOUND' } })],
    [
      'bare ECONNREFUSED',
      driverError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 10.0.0.1:443' }),
    ],
    ['pool factory message only', new Error('JWT token is invalid.')],
    [
      '57P03 no active warehouse',
      driverError({ code: '000606', sqlState: '57P03', message: 'No active warehouse selected' }),
    ],
  ])('%s → unavailable', (_name, error) => {
    expect(classifySnowflakeError(error)).toBe('unavailable');
  });

  test.each([
    [
      '002003 object does not exist',
      driverError({
        code: '002003',
        sqlState: '42S02',
        message: 'SQL compilation error: Object does not exist',
      }),
    ],
    [
      '001003 syntax error',
      driverError({ code: '001003', sqlState: '42000', message: 'SQL compilation error: syntax error' }),
    ],
    [
      '100038 numeric conversion',
      driverError({ code: '100038', sqlState: '22018', message: "Numeric value 'x' is not recognized" }),
    ],
    [
      'coded error whose text mentions a network word',
      driverError({
        code: '002003',
        message: "SQL compilation error: Object 'NETWORK_ERROR_LOG' does not exist",
      }),
    ],
    ['409008 invalid bind values', driverError({ code: 409008, message: 'Invalid bind values.' })],
    ['unknown error', new Error('something odd')],
  ])('%s → query', (_name, error) => {
    expect(classifySnowflakeError(error)).toBe('query');
  });
});

describe('loadPrivateKey', () => {
  const passphrase = 'pass phrase';
  const encrypted = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase },
  });
  const base = { privateKeyPath: undefined, privateKeyPassphrase: passphrase };

  test('accepts a PEM whose newlines arrive escaped as \\n (one-line environment variable)', () => {
    const oneLine = encrypted.privateKey.replaceAll('\n', '\\n');
    const pem = loadPrivateKey({ ...base, privateKey: oneLine });
    expect(pem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
  });

  test('fails as unavailable when no key is configured or the passphrase is missing', () => {
    expect(() =>
      loadPrivateKey({ privateKey: undefined, privateKeyPath: undefined, privateKeyPassphrase: undefined }),
    ).toThrow(WarehouseError);
    expect(() =>
      loadPrivateKey({ ...base, privateKey: encrypted.privateKey, privateKeyPassphrase: undefined }),
    ).toThrow(/could not be decoded/);
    expect(() =>
      loadPrivateKey({ ...base, privateKey: undefined, privateKeyPath: '/nonexistent/key.p8' }),
    ).toThrow(/cannot read the Snowflake private key file/);
  });
});
