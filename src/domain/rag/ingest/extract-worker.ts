import { parentPort } from 'node:worker_threads';
import { chunkDocument } from './chunk.js';
import { IngestError } from './errors.js';
import type { ExtractionJob, ExtractionReply } from './extractor.js';
import { loadDocument, loadFile } from './load.js';

/**
 * Worker-thread entry of the document extractor: parses and chunks one document per message under the
 * job's caps, and replies with the result or the {@link IngestError} that refused it.
 */
async function extract(job: ExtractionJob): Promise<ExtractionReply> {
  try {
    const { source, limits } = job;
    const document =
      source.kind === 'file'
        ? await loadFile(source.path, source.options, limits)
        : await loadDocument(source.input, limits);
    const chunks = chunkDocument(document, { maxChunks: limits.maxChunks });
    return { id: job.id, ok: true, document, chunks };
  } catch (error) {
    if (error instanceof IngestError) {
      return {
        id: job.id,
        ok: false,
        ingestError: { file: error.file, failure: error.failure, reason: error.reason, limit: error.limit },
      };
    }
    return { id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

parentPort?.on('message', (job: ExtractionJob) => {
  void extract(job).then((reply) => parentPort?.postMessage(reply));
});
