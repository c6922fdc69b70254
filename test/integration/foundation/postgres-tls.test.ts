import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/adapters/postgres/database.js';
import { loadConfig } from '../../../src/config.js';

/**
 * A throwaway PostgreSQL 15 cluster that only accepts TLS, with a server certificate for `localhost` signed
 * by a CA made here by openssl: the shape of Aurora with the RDS CA, on this machine.
 */
const PG_BIN = '/usr/lib/postgresql/15/bin';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

function makeCa(cwd: string, name: string): void {
  openssl(
    cwd,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
}

describe('TLS to PostgreSQL with verify-full (DATABASE_SSL + DATABASE_SSL_CA_FILE)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datalive-pg-tls-'));
  const dataDir = path.join(dir, 'cluster');
  const asRoot = userInfo().uid === 0;
  let port = 0;

  const run = (binary: string, args: string[]): void => {
    const command = path.join(PG_BIN, binary);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
    else execFileSync(command, args, { stdio: 'pipe' });
  };

  beforeAll(async () => {
    port = await freePort();
    makeCa(dir, 'test-ca');
    makeCa(dir, 'other-ca');
    writeFileSync(
      path.join(dir, 'server.ext'),
      'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    openssl(
      dir,
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    );
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'test-ca.pem',
      '-CAkey',
      'test-ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'server.ext',
      '-out',
      'server.pem',
    );
    chmodSync(path.join(dir, 'server.key'), 0o600);
    chmodSync(dir, 0o755);
    if (asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      for (const file of ['', 'server.key', 'server.pem']) chownSync(path.join(dir, file), uid, gid);
    }
    run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync']);
    writeFileSync(
      path.join(dataDir, 'pg_hba.conf'),
      'hostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\nhostnossl all all all reject\n',
    );
    run('pg_ctl', [
      '-D',
      dataDir,
      '-w',
      '-l',
      path.join(dir, 'server.log'),
      '-o',
      [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses='localhost'",
        '-c ssl=on',
        `-c ssl_cert_file=${path.join(dir, 'server.pem')}`,
        `-c ssl_key_file=${path.join(dir, 'server.key')}`,
        '-c fsync=off',
      ].join(' '),
      'start',
    ]);
  }, 120_000);

  afterAll(() => {
    try {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  async function connect(env: Record<string, string>): Promise<boolean> {
    const config = loadConfig({
      DATABASE_HOST: 'localhost',
      DATABASE_PORT: String(port),
      DATABASE_NAME: 'postgres',
      DATABASE_USER: 'postgres',
      DATABASE_PASSWORD: 'unused-with-trust',
      ...env,
    });
    const db = await openDatabase(config.database);
    try {
      const { rows } = await db.pool.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      return rows[0]?.ssl === true;
    } finally {
      await db.close();
    }
  }

  it('connects over verified TLS with the cluster CA', async () => {
    await expect(
      connect({ DATABASE_SSL: 'true', DATABASE_SSL_CA_FILE: path.join(dir, 'test-ca.pem') }),
    ).resolves.toBe(true);
  });

  it('refuses a server whose certificate another CA signed', async () => {
    await expect(
      connect({ DATABASE_SSL: 'true', DATABASE_SSL_CA_FILE: path.join(dir, 'other-ca.pem') }),
    ).rejects.toThrow(/self[- ]signed certificate in certificate chain|unable to verify/);
  });

  it("refuses it with Node's default trust store, which lacks the cluster's (as it lacks the RDS) CA", async () => {
    await expect(connect({ DATABASE_SSL: 'true' })).rejects.toThrow(
      /self[- ]signed certificate in certificate chain|unable to verify/,
    );
  });

  it('refuses a host name the certificate does not name (verify-full, not verify-ca)', async () => {
    await expect(
      connect({
        DATABASE_HOST: '127.0.0.1',
        DATABASE_SSL: 'true',
        DATABASE_SSL_CA_FILE: path.join(dir, 'test-ca.pem'),
      }),
    ).rejects.toThrow(/does not match certificate's altnames/);
  });

  it('is refused by a TLS-only server when DATABASE_SSL is off', async () => {
    await expect(connect({})).rejects.toThrow(/no encryption|pg_hba\.conf rejects/);
  });
});
