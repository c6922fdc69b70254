import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { Config } from '../../config.js';
import type { EmbeddedDatabaseWorkerData, WorkerReply, WorkerRequest } from './pglite-protocol.js';

/** A `pg` pool plus how it is backed; all Postgres SQL goes through `pool`, embedded or not. */
export interface Database {
  readonly mode: 'embedded' | 'external';
  readonly pool: pg.Pool;
  /** Embedded only: how much memory PGlite holds in its worker thread. */
  memory?(): Promise<EmbeddedDatabaseMemory>;
  close(): Promise<void>;
}

/**
 * Opens the relational + vector store. Embedded: PGlite (real Postgres in WASM) with pgvector, in
 * `dataDir`, run in a worker thread and served over the Postgres wire protocol on an owner-only Unix
 * socket, reached with a one-connection `pg.Pool`. External: a `pg.Pool` to Aurora/Postgres. Callers see the same `pg` API.
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
const STOP_TIMEOUT_MS = 15_000;

/** Memory of the embedded database's worker thread, for the RSS report. */
export interface EmbeddedDatabaseMemory {
  /** PGlite's WASM linear memory (Postgres buffers, caches, work memory). */
  wasmBytes: number;
  /** The worker thread's V8 heap in use. */
  heapUsedBytes: number;
}

/** An embedded database: the `pg` pool plus the worker thread that runs PGlite. */
export interface EmbeddedDatabase extends Database {
  readonly mode: 'embedded';
  memory(): Promise<EmbeddedDatabaseMemory>;
  /** Milliseconds the worker thread's event loop has been busy since it started (PGlite's work, for benches). */
  workerBusyMs(): number;
}

/**
 * Opens PGlite with pgvector at `dataDir` (`memory://` for an in-memory database) in a worker thread
 * (ADR 0019), so its WASM never runs on the event loop that serves requests. The worker serves the
 * Postgres wire protocol on an owner-only Unix socket, reached from this thread with a one-connection
 * `pg.Pool` (PGlite is single-session); the socket server accepts a few more connections so that one
 * being torn down after an error never blocks its replacement.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const socketDir = mkdtempSync(path.join(tmpdir(), 'datalive-pg-'));
  const workerData: EmbeddedDatabaseWorkerData = {
    dataDir,
    socketPath: path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`),
    maxConnections: 4,
  };
  const worker = startWorker(workerData);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      worker.on('message', function onStartMessage(message: WorkerReply) {
        if (message.type === 'ready') resolve();
        else if (message.type === 'failed') reject(new Error(message.message));
        else return;
        worker.off('message', onStartMessage);
      });
      worker.once('error', reject);
      void exited.then(() => reject(new Error('the embedded database worker exited while starting')));
    });
  } catch (error) {
    await worker.terminate();
    rmSync(socketDir, { recursive: true, force: true });
    throw error;
  }
  worker.on('error', () => {});
  const pool = new pg.Pool({
    host: socketDir,
    port: SOCKET_PORT,
    user: 'postgres',
    database: 'postgres',
    max: 1,
    idleTimeoutMillis: 0,
  });
  pool.on('error', () => {});
  let closing: Promise<void> | undefined;
  return {
    mode: 'embedded',
    pool,
    memory: () =>
      new Promise<EmbeddedDatabaseMemory>((resolve, reject) => {
        const onMessage = (message: WorkerReply) => {
          if (message.type !== 'memory') return;
          worker.off('message', onMessage);
          resolve({ wasmBytes: message.wasmBytes, heapUsedBytes: message.heapUsedBytes });
        };
        worker.on('message', onMessage);
        void exited.then(() => reject(new Error('the embedded database worker has exited')));
        worker.postMessage({ type: 'memory' } satisfies WorkerRequest);
      }),
    workerBusyMs: () => worker.performance.eventLoopUtilization().active,
    close() {
      closing ??= (async () => {
        await pool.end();
        worker.postMessage({ type: 'stop' } satisfies WorkerRequest);
        const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
        rmSync(socketDir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/**
 * Starts the worker from the build (`pglite-worker.js`) or, when this module runs from the sources
 * (tests, `tsx`), from `pglite-worker.ts` with tsx's loader registered in the worker first.
 */
function startWorker(workerData: EmbeddedDatabaseWorkerData): Worker {
  const extension = path.extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./pglite-worker${extension}`, import.meta.url);
  if (extension !== '.ts') return new Worker(entry, { workerData });
  const loader = tsxLoaderUrl();
  const bootstrap = `import(${JSON.stringify(loader)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

function tsxLoaderUrl(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const target = manifest.exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(path.join(path.dirname(manifestPath), target)).href;
}
