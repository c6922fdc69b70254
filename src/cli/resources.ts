import { existsSync } from 'node:fs';
import { type DuckDbWarehouse, openDuckDbWarehouse } from '../adapters/duckdb/duckdb-warehouse.js';
import { type Database, openDatabase } from '../adapters/postgres/database.js';
import { migrate } from '../adapters/postgres/migrate.js';
import { PgRagRepository } from '../adapters/postgres/rag-repository.js';
import type { Config } from '../config.js';
import { RagIndexService } from '../domain/rag/index-service.js';
import type { Embedder } from '../ports/embedder.js';
import type { Warehouse } from '../ports/warehouse.js';
import { buildModels, type Services } from '../services.js';

/** Something a command borrowed; `release` closes it when the command opened it, and is a no-op otherwise. */
export interface Lease<T> {
  value: T;
  release(): Promise<void>;
}

/** The RAG index as commands use it. */
export interface RagIndex {
  rag: RagIndexService;
  embedder: Embedder;
}

/**
 * The stores a command works on. Run from a shell with no server on the data directory, the command opens
 * them itself (`local`); run inside the embedded server (the CLI forwarded it over the control socket),
 * it borrows the server's open ones (`server`), so the single-process locks of PGlite and DuckDB never
 * get in the way.
 */
export interface CommandResources {
  readonly where: 'local' | 'server';
  /** The configured warehouse (DuckDB or Snowflake), for reads. */
  warehouse(config: Config): Promise<Lease<Warehouse>>;
  /** The embedded DuckDB warehouse, for loads; `create` allows a new file (seed-demo, load-csv). */
  embeddedWarehouse(config: Config, options: { create: boolean }): Promise<Lease<DuckDbWarehouse>>;
  /** The Postgres database, migrated. */
  database(config: Config): Promise<Lease<Database>>;
  /** The environment's RAG index; `checkCompatible` refuses an index built by another embedder. */
  ragIndex(config: Config, options: { checkCompatible: boolean }): Promise<Lease<RagIndex>>;
  /** Tells the server that data changed (caches keyed by the data version re-read it now). */
  dataChanged(): void;
}

/** A DuckDB file held by another process: the message says what to do. */
function lockedWarehouse(path: string, cause: unknown): Error {
  return new Error(
    `the warehouse ${path} is locked by another process (a DuckDB client, or a datalive server started on another data directory with this DUCKDB_PATH); stop the server first or close that process`,
    { cause },
  );
}

const isLockError = (error: unknown): boolean =>
  error instanceof Error && /could not set lock|conflicting lock|database is locked/i.test(error.message);

async function openLocalDuckDb(config: Config, create: boolean): Promise<DuckDbWarehouse> {
  const settings = config.warehouse;
  if (settings.kind !== 'duckdb')
    throw new Error('this command needs the embedded DuckDB warehouse (WAREHOUSE=duckdb)');
  if (!create && settings.path !== ':memory:' && !existsSync(settings.path)) {
    throw new Error(
      `no warehouse at ${settings.path}; load data first (datalive seed-demo or datalive load-csv) or set DUCKDB_PATH`,
    );
  }
  try {
    return await openDuckDbWarehouse({ path: settings.path, timeoutMs: settings.timeoutMs });
  } catch (error) {
    if (isLockError(error)) throw lockedWarehouse(settings.path, error);
    throw error;
  }
}

/** Resources a command opens itself and closes when done (no server runs on the data directory). */
export const localResources: CommandResources = {
  where: 'local',
  async warehouse(config) {
    if (config.warehouse.kind === 'snowflake') {
      const { SnowflakeWarehouse } = await import('../adapters/snowflake/snowflake-warehouse.js');
      const warehouse = await SnowflakeWarehouse.open(config.warehouse);
      return { value: warehouse, release: () => warehouse.close() };
    }
    const warehouse = await openLocalDuckDb(config, false);
    return { value: warehouse, release: () => warehouse.close() };
  },
  async embeddedWarehouse(config, { create }) {
    const warehouse = await openLocalDuckDb(config, create);
    return { value: warehouse, release: () => warehouse.close() };
  },
  async database(config) {
    const db = await openDatabase(config.database);
    try {
      await migrate(db.pool, { variables: { embedding_dimension: config.embedder.dimension } });
    } catch (error) {
      await db.close();
      throw error;
    }
    return { value: db, release: () => db.close() };
  },
  async ragIndex(config, { checkCompatible }) {
    const db = await localResources.database(config);
    try {
      const { embedder } = buildModels(config);
      const rag = new RagIndexService(
        new PgRagRepository(db.value.pool, config.profile.ragSchema),
        embedder,
        {
          limits: config.ingestLimits,
        },
      );
      if (checkCompatible) await rag.ensureCompatible();
      return { value: { rag, embedder }, release: () => db.release() };
    } catch (error) {
      await db.release();
      throw error;
    }
  },
  dataChanged() {},
};

const borrowed = <T>(value: T): Lease<T> => ({ value, release: async () => {} });

/** Resources of the running server, lent to a command forwarded over the control socket. */
export function serverResources(services: Services): CommandResources {
  return {
    where: 'server',
    warehouse: async () => borrowed(services.warehouse),
    async embeddedWarehouse() {
      if (!services.embeddedWarehouse)
        throw new Error('the running server does not use the embedded DuckDB warehouse (WAREHOUSE=duckdb)');
      return borrowed(services.embeddedWarehouse);
    },
    database: async () => borrowed(services.db),
    async ragIndex(_config, { checkCompatible }) {
      if (checkCompatible) await services.rag.ensureCompatible();
      return borrowed({ rag: services.rag, embedder: services.embedder });
    },
    dataChanged: () => services.insights.invalidate(),
  };
}

/** The resources of a command's context (its own, opened locally, unless the server lent them). */
export const resourcesOf = (context: { resources?: CommandResources | undefined }): CommandResources =>
  context.resources ?? localResources;
