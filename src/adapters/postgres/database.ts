import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { vector } from '@electric-sql/pglite-pgvector';
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
 * `dataDir`, reached through node-postgres with a one-connection pool. External: a `pg.Pool` to
 * Aurora/Postgres. Either way callers see the same `pg` API.
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

/** Opens PGlite with pgvector at `dataDir` (`memory://` for an in-memory database). */
export async function openEmbeddedDatabase(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir, extensions: { vector } });
  const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
  pool.on('error', () => {});
  let closed = false;
  return {
    mode: 'embedded',
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      await pglite.close();
    },
  };
}
