import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase, openEmbeddedDatabase } from '../../src/adapters/postgres/database.js';
import { PGliteWireServer } from '../../src/adapters/postgres/pglite-wire-server.js';
import { loadConfig } from '../../src/config.js';

/** The machine's PostgreSQL 15 server (pgvector 0.8.0 installed by `scripts/pretest.d/20-pgvector.sh`). */
export const LOCAL_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Which Postgres the Postgres-touching suites run on: the embedded PGlite (vitest project `pglite`), or the
 * real PostgreSQL server through `DATABASE_URL` (project `postgres`, which sets `DATALIVE_TEST_DATABASE`).
 */
export const TEST_DATABASE: 'pglite' | 'postgres' =
  process.env.DATALIVE_TEST_DATABASE === 'postgres' ? 'postgres' : 'pglite';

/** A throwaway database on the local PostgreSQL server: its URL and a function that drops it. */
export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Prefix of every scratch database this run creates; the `postgres` project's global setup sweeps it. */
export function scratchPrefix(): string {
  const run = TEST_DATABASE === 'postgres' ? inject('postgresRun') : undefined;
  return run ? `datalive_test_${run}_` : 'datalive_test_';
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: LOCAL_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement as the superuser on the local server's `postgres` database (roles, databases). */
export async function adminQuery(sql: string): Promise<void> {
  await withAdmin((admin) => admin.query(sql));
}

/**
 * A real Postgres without pgvector: in-memory PGlite without its vector extension, served over the wire
 * protocol on a Unix socket and reached with `pg` (the machine's PostgreSQL has pgvector installed).
 */
export async function openPgliteWithoutVector(): Promise<{ pool: pg.Pool; close(): Promise<void> }> {
  const pglite = await PGlite.create('memory://');
  const socketDir = mkdtempSync(path.join(tmpdir(), 'datalive-novector-'));
  const server = new PGliteWireServer(pglite, {
    listen: path.join(socketDir, '.s.PGSQL.5432'),
    maxConnections: 4,
  });
  await server.start();
  const pool = new pg.Pool({ host: socketDir, port: 5432, user: 'postgres', database: 'postgres', max: 1 });
  return {
    pool,
    async close() {
      await pool.end();
      await server.stop();
      await pglite.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/** Creates a throwaway database on the local PostgreSQL server and returns its URL and a drop function. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `${scratchPrefix()}${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(LOCAL_POSTGRES_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Opens the database a Postgres-touching suite runs on: in-memory PGlite, or (project `postgres`) a scratch
 * database on the real server reached exactly as production does, through `DATABASE_URL` and `openDatabase`.
 * Closing it drops the scratch database.
 */
export async function openTestDatabase(): Promise<Database> {
  if (TEST_DATABASE === 'pglite') return openEmbeddedDatabase('memory://');
  const scratch = await createScratchDatabase();
  const config = loadConfig({ DATABASE_URL: scratch.url, LOG_LEVEL: 'silent' });
  const db = await openDatabase(config.database);
  let closed = false;
  return {
    mode: db.mode,
    pool: db.pool,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        await scratch.drop();
      }
    },
  };
}
