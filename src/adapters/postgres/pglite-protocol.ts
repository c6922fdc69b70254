/** What the embedded database's worker thread is started with (see `pglite-worker.ts`). */
export interface EmbeddedDatabaseWorkerData {
  /** PGlite data directory, or `memory://` for an in-memory database. */
  dataDir: string;
  /** Path of the owner-only Unix socket the wire-protocol server listens on. */
  socketPath: string;
  maxConnections: number;
}

/** Messages from the main thread to the worker. */
export type WorkerRequest = { type: 'stop' } | { type: 'memory' };

/** Messages from the worker to the main thread. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'memory'; wasmBytes: number; heapUsedBytes: number }
  | { type: 'stopped' };
