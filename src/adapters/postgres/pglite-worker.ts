/**
 * Worker-thread entry that owns the embedded database: PGlite (Postgres in WASM) with pgvector and the
 * Postgres wire-protocol server on a Unix socket in front of it. Every query's WASM runs on this
 * thread, so the main thread's event loop keeps serving requests meanwhile. Messages: it posts
 * `ready` (or `failed`) once serving, `memory` in answer to `memory`, and `stopped` after `stop`.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { EmbeddedDatabaseWorkerData, WorkerReply, WorkerRequest } from './pglite-protocol.js';
import { PGliteWireServer } from './pglite-wire-server.js';

async function serve(port: NonNullable<typeof parentPort>, data: EmbeddedDatabaseWorkerData) {
  const pglite = await PGlite.create({ dataDir: data.dataDir, extensions: { vector } });
  const server = new PGliteWireServer(pglite, {
    listen: data.socketPath,
    maxConnections: data.maxConnections,
  });
  await server.start();
  const reply = (message: WorkerReply) => port.postMessage(message);
  port.on('message', async (message: WorkerRequest) => {
    if (message.type === 'memory') {
      reply({
        type: 'memory',
        wasmBytes: wasmHeapBytes(pglite),
        heapUsedBytes: getHeapStatistics().used_heap_size,
      });
      return;
    }
    try {
      await server.stop();
      await pglite.close();
    } finally {
      reply({ type: 'stopped' });
      port.close();
    }
  });
  reply({ type: 'ready' });
}

/** Size of PGlite's WASM linear memory (Postgres's shared buffers, caches and work memory). */
function wasmHeapBytes(pglite: PGlite): number {
  const module = (pglite as unknown as { mod?: { HEAPU8?: { length: number }; HEAP8?: { length: number } } })
    .mod;
  return module?.HEAPU8?.length ?? module?.HEAP8?.length ?? 0;
}

const port = parentPort;
if (port) {
  serve(port, workerData as EmbeddedDatabaseWorkerData).catch((error: unknown) => {
    port.postMessage({ type: 'failed', message: (error as Error).message } satisfies WorkerReply);
    port.close();
  });
}
