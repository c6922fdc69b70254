import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import type { Config } from '../../config.js';

/** A `pg` pool plus how it is backed; all Postgres SQL goes through `pool`, embedded or not. */
export interface Database {
  readonly mode: 'embedded' | 'external';
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * Opens the relational + vector store. Embedded: PGlite (real Postgres in WASM) with pgvector, in
 * `dataDir`, served over the Postgres wire protocol on an owner-only Unix socket and reached with a
 * one-connection `pg.Pool`. External: a `pg.Pool` to Aurora/Postgres. Callers see the same `pg` API.
 */
export async function openDatabase(config: Config['database']): Promise<Database> {
  if (config.mode === 'external') {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolMax,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'datalive-api',
    });
    pool.on('error', () => {});
    return { mode: 'external', pool, close: () => pool.end() };
  }
  return openEmbeddedDatabase(config.dataDir);
}

const SOCKET_PORT = 5432;

/**
 * Opens PGlite with pgvector at `dataDir` (`memory://` for an in-memory database). PGlite is
 * single-session, so the pool holds one connection; the socket server accepts a few more so that a
 * connection being torn down after an error never blocks its replacement.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir, extensions: { vector } });
  const socketDir = mkdtempSync(path.join(tmpdir(), 'datalive-pg-'));
  const server = new PGLiteSocketServer({
    db: pglite,
    path: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`),
    maxConnections: 4,
  });
  await server.start();
  const pool = new pg.Pool({
    host: socketDir,
    port: SOCKET_PORT,
    user: 'postgres',
    database: 'postgres',
    max: 1,
    idleTimeoutMillis: 0,
  });
  pool.on('error', () => {});
  let closed = false;
  return {
    mode: 'embedded',
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      await server.stop();
      await pglite.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
