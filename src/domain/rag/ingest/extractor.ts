import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { IngestError, type IngestFailure } from './errors.js';
import { DEFAULT_EXTRACTION_LIMITS, type ExtractionLimits } from './limits.js';
import type { LoadDocumentInput } from './load.js';
import type { Chunk, LoadedDocument } from './types.js';

/** Where a document comes from: a file the worker reads, or content already in memory (an upload). */
export type ExtractionSource =
  | { kind: 'file'; path: string; options: Omit<LoadDocumentInput, 'path' | 'content'> }
  | { kind: 'content'; input: LoadDocumentInput };

/** A message to the extraction worker. */
export interface ExtractionJob {
  id: number;
  source: ExtractionSource;
  limits: ExtractionLimits;
}

/** The worker's answer to one job. */
export type ExtractionReply =
  | { id: number; ok: true; document: LoadedDocument; chunks: Chunk[] }
  | {
      id: number;
      ok: false;
      ingestError?: { file: string; failure: IngestFailure; reason: string; limit: string | undefined };
      message?: string;
    };

/** A parsed and chunked document. */
export interface Extracted {
  document: LoadedDocument;
  chunks: Chunk[];
}

/** Options of {@link WorkerExtractor}. */
export interface WorkerExtractorOptions {
  /** Heap ceiling of the worker: a last line behind the caps, never the thing that normally refuses. */
  maxHeapMb?: number;
  /** Wall-clock bound of one extraction; past it the worker is replaced and the document refused. */
  timeoutMs?: number;
}

interface Pending {
  job: ExtractionJob;
  resolve: (value: Extracted) => void;
  reject: (error: Error) => void;
  transfer: ArrayBuffer[];
}

/**
 * The worker's entry: the compiled `extract-worker.js` beside this module, or, when running from the
 * TypeScript sources (tests, `tsx`), a bootstrap that registers tsx in the worker and imports the `.ts`.
 */
const startWorker = (resourceLimits: { maxOldGenerationSizeMb: number }): Worker => {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./extract-worker.js', import.meta.url), { resourceLimits });
  }
  const tsxApiCjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const tsxApi = pathToFileURL(tsxApiCjs.replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./extract-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, resourceLimits });
};

/**
 * Parses and chunks documents on one worker thread, one at a time in arrival order, so PDF decoding and
 * chunking never block the event loop. The worker starts on first use, does not keep the process alive
 * while idle, and is replaced when it dies (heap ceiling) or overruns `timeoutMs`.
 */
export class WorkerExtractor {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;

  constructor(private readonly options: WorkerExtractorOptions = {}) {}

  /** Extracts one document under `limits`; rejects with {@link IngestError} when it is refused. */
  extract(
    source: ExtractionSource,
    limits: ExtractionLimits = DEFAULT_EXTRACTION_LIMITS,
  ): Promise<Extracted> {
    return new Promise<Extracted>((resolve, reject) => {
      const transfer: ArrayBuffer[] = [];
      let sent = source;
      if (source.kind === 'content' && typeof source.input.content !== 'string') {
        const copy = new Uint8Array(source.input.content);
        transfer.push(copy.buffer);
        sent = { kind: 'content', input: { ...source.input, content: copy } };
      }
      this.queue.push({ job: { id: this.nextId++, source: sent, limits }, resolve, reject, transfer });
      this.pump();
    });
  }

  /** Starts the worker ahead of the first document (optional). */
  warm(): void {
    this.ensureWorker();
  }

  /** Stops the worker; queued documents are refused. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.fail(new Error('the document extractor was closed'));
    for (const pending of this.queue.splice(0))
      pending.reject(new Error('the document extractor was closed'));
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker({ maxOldGenerationSizeMb: this.options.maxHeapMb ?? 512 });
    worker.on('message', (reply: ExtractionReply) => this.settle(reply));
    worker.on('error', (error) => this.replace(worker, error));
    worker.on('exit', (code) => this.replace(worker, new Error(`the extraction worker exited (${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private pump(): void {
    if (this.current) return;
    const next = this.queue.shift();
    if (!next) return;
    this.current = next;
    const worker = this.ensureWorker();
    worker.ref();
    this.timer = setTimeout(() => {
      void worker.terminate();
      this.replace(worker, new Error('timeout'));
    }, this.options.timeoutMs ?? 120_000);
    worker.postMessage(next.job, next.transfer);
  }

  private settle(reply: ExtractionReply): void {
    const pending = this.current;
    if (!pending || pending.job.id !== reply.id) return;
    this.finish();
    if (reply.ok) pending.resolve({ document: reply.document, chunks: reply.chunks });
    else if (reply.ingestError) {
      const { file, failure, reason, limit } = reply.ingestError;
      pending.reject(new IngestError(file, failure, reason, limit ? { limit } : undefined));
    } else pending.reject(new Error(reply.message ?? 'extraction failed'));
    this.pump();
  }

  private replace(worker: Worker, cause: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
    this.fail(cause);
    this.pump();
  }

  private fail(cause: Error): void {
    const pending = this.current;
    if (!pending) return;
    this.finish();
    const file =
      pending.job.source.kind === 'file'
        ? pending.job.source.path
        : (pending.job.source.input.uri ?? pending.job.source.input.path ?? '(upload)');
    const detail =
      cause.message === 'timeout'
        ? `extraction took longer than ${Math.round((this.options.timeoutMs ?? 120_000) / 1000)} s`
        : `extraction ran out of its memory bound (${cause.message})`;
    pending.reject(new IngestError(file, 'too_large', detail, { cause }));
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.current = undefined;
    this.worker?.unref();
  }
}

let shared: WorkerExtractor | undefined;

/** The process-wide extractor every index service uses unless given its own. */
export function sharedExtractor(): WorkerExtractor {
  shared ??= new WorkerExtractor();
  return shared;
}
