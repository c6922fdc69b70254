import { statSync } from 'node:fs';
import path from 'node:path';
import type {
  ChunkFilters,
  ChunkHit,
  LegHit,
  PgRagRepository,
  StoredDocument,
} from '../../adapters/postgres/rag-repository.js';
import { type Embedder, EmbedderError } from '../../ports/embedder.js';
import { DomainError } from '../errors.js';
import { type Extracted, sharedExtractor, type WorkerExtractor } from './ingest/extractor.js';
import {
  type Chunk,
  chunkDocument,
  documentHash,
  IngestError,
  type LoadDocumentInput,
  type LoadedDocument,
  walkSources,
} from './ingest/index.js';
import { DEFAULT_EXTRACTION_LIMITS, type ExtractionLimits } from './ingest/limits.js';

/** Reciprocal-rank-fusion constant. */
export const RRF_K = 60;
/** Weight of the full-text leg in the fusion (the vector leg weighs 1): it settles exact codes, not paraphrases. */
export const TEXT_LEG_WEIGHT = 0.5;

/** What one ingestion run did. */
export interface IngestSummary {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  failed: Array<{ file: string; reason: string }>;
  chunks: number;
  seconds: number;
}

/** One fused search result. */
export interface SearchResult {
  chunkId: string;
  documentId: string;
  title: string;
  uri: string;
  headingPath: string[];
  span: ChunkHit['span'];
  snippet: string;
  text: string;
  docType: string;
  scores: {
    vector: number | null;
    text: number | null;
    vectorRank: number | null;
    textRank: number | null;
    fused: number;
  };
}

/** A chunk's place in the fused ranking, before its text is read. */
export interface FusedCandidate {
  chunkId: string;
  scores: SearchResult['scores'];
}

/**
 * Reciprocal-rank fusion of the two legs (the vector leg weighs 1, the text leg {@link TEXT_LEG_WEIGHT}):
 * every chunk either leg returned, best first by the fused score rounded to 6 digits, then by chunk id.
 */
export function fuseLegs(vectorHits: readonly LegHit[], textHits: readonly LegHit[]): FusedCandidate[] {
  const fused = new Map<string, FusedCandidate>();
  const entry = (hit: LegHit): FusedCandidate => {
    let candidate = fused.get(hit.chunkId);
    if (!candidate) {
      candidate = {
        chunkId: hit.chunkId,
        scores: { vector: null, text: null, vectorRank: null, textRank: null, fused: 0 },
      };
      fused.set(hit.chunkId, candidate);
    }
    return candidate;
  };
  vectorHits.forEach((hit, index) => {
    const candidate = entry(hit);
    candidate.scores.vector = round(hit.score);
    candidate.scores.vectorRank = index + 1;
    candidate.scores.fused += 1 / (RRF_K + index + 1);
  });
  textHits.forEach((hit, index) => {
    const candidate = entry(hit);
    candidate.scores.text = round(hit.score);
    candidate.scores.textRank = index + 1;
    candidate.scores.fused += TEXT_LEG_WEIGHT / (RRF_K + index + 1);
  });
  return [...fused.values()]
    .map((candidate) => ({
      ...candidate,
      scores: { ...candidate.scores, fused: round(candidate.scores.fused, 6) },
    }))
    .sort(
      (left, right) => right.scores.fused - left.scores.fused || left.chunkId.localeCompare(right.chunkId),
    );
}

/** Retrieval modes (hybrid by default; the single legs exist for evaluation). */
export type SearchMode = 'hybrid' | 'vector' | 'text';

const STOP_WORDS = new Set(
  'a an and are as at be by did do does for from how i in is it of on or the to was were what when where which who why with de del el en es la las los para por que se un una y o al lo como cual cuando donde qué cómo por qué'.split(
    ' ',
  ),
);

/** Splits a query into safe full-text terms: lower-case letters, digits and code hyphens only. */
export function queryTerms(query: string): string[] {
  const terms = new Set<string>();
  for (const raw of query
    .toLowerCase()
    .normalize('NFC')
    .match(/[\p{L}\p{N}]+(?:[-./][\p{L}\p{N}]+)*/gu) ?? []) {
    const term = raw.replace(/[^\p{L}\p{N}-]/gu, '-').replace(/^-+|-+$/g, '');
    if (!term || STOP_WORDS.has(term) || term.length > 60) continue;
    const parts = term.split('-').filter(Boolean);
    for (const part of parts.length > 1 ? parts : [term]) {
      if (!STOP_WORDS.has(part) && part.length > 1) terms.add(part);
    }
    if (parts.length > 1) terms.add(parts.join('-'));
  }
  return [...terms].slice(0, 40).map((term) => (term.includes('-') ? `'${term}'` : term));
}

/**
 * The environment's RAG index: ingestion (idempotent by content hash, atomic replacement, prune) and
 * hybrid retrieval (HNSW vector top-k + full-text top-k fused with RRF, k = 60).
 */
export class RagIndexService {
  private readonly reembedPacing: Required<ReembedPacing>;
  private readonly limits: ExtractionLimits;
  private readonly extractor: WorkerExtractor;

  constructor(
    private readonly repository: PgRagRepository,
    private readonly embedder: Embedder,
    options: { reembed?: ReembedPacing; limits?: ExtractionLimits; extractor?: WorkerExtractor } = {},
  ) {
    this.reembedPacing = { ...DEFAULT_REEMBED_PACING, ...options.reembed };
    this.limits = options.limits ?? DEFAULT_EXTRACTION_LIMITS;
    this.extractor = options.extractor ?? sharedExtractor();
  }

  /**
   * Checks that the index was built with the configured embedding model and dimension; records the
   * model on a fresh index. A mismatch stops the boot with the command that fixes it.
   */
  async ensureCompatible(): Promise<void> {
    const meta = await this.repository.indexMeta();
    const chunks = await this.repository.countChunks();
    if (meta.embeddingDimension !== this.embedder.dimension && chunks > 0) {
      throw new Error(
        `the RAG index holds ${meta.embeddingDimension}-dimension vectors from ${meta.embeddingModel ?? 'an unknown model'}, but ${this.embedder.model} makes ${this.embedder.dimension}; run \`datalive reembed\` to rebuild it`,
      );
    }
    if (meta.embeddingModel && meta.embeddingModel !== this.embedder.model && chunks > 0) {
      throw new Error(
        `the RAG index was embedded with ${meta.embeddingModel}, but the configured embedder is ${this.embedder.model}; run \`datalive reembed\` to rebuild it`,
      );
    }
    if (meta.embeddingDimension !== this.embedder.dimension || meta.embeddingModel !== this.embedder.model) {
      if (meta.embeddingDimension !== this.embedder.dimension) {
        await this.repository.replaceEmbeddings(this.embedder.model, this.embedder.dimension, new Map());
      } else {
        await this.repository.recordEmbeddingModel(this.embedder.model);
      }
    }
  }

  /** Ingests files and folders; unchanged documents are skipped, malformed ones reported and skipped. */
  async ingestPaths(
    paths: readonly string[],
    options: {
      type?: 'runbook' | 'dashboard';
      prune?: boolean;
      exclude?: (string | RegExp)[];
      /** Source name of the documents (default: each root folder's name); see {@link documentUri}. */
      source?: string;
      onProgress?: (done: number, total: number, file: string) => void;
    } = {},
  ): Promise<IngestSummary> {
    const started = performance.now();
    const summary: IngestSummary = {
      added: 0,
      updated: 0,
      unchanged: 0,
      removed: 0,
      failed: [],
      chunks: 0,
      seconds: 0,
    };
    for (const root of paths) {
      const files = await walkSources([root], { exclude: options.exclude ?? [] });
      const sourceRoot = sourceNameOf(root, options.source);
      const seen = new Set<string>();
      for (const [index, file] of files.entries()) {
        const uri = documentUri(root, file, options.source);
        seen.add(uri);
        try {
          const { document, chunks } = await this.extractor.extract(
            { kind: 'file', path: file, options: { uri, ...(options.type ? { type: options.type } : {}) } },
            this.limits,
          );
          const outcome = await this.ingestDocument(document, sourceRoot, chunks);
          summary[outcome.status] += 1;
          summary.chunks += outcome.chunks;
        } catch (error) {
          if (!(error instanceof IngestError)) throw error;
          summary.failed.push({ file, reason: error.message });
        }
        options.onProgress?.(index + 1, files.length, file);
      }
      if (options.prune) {
        for (const stored of await this.repository.listUris(sourceRoot)) {
          if (!seen.has(stored.uri) && (await this.repository.deleteDocument(stored.id)))
            summary.removed += 1;
        }
      }
    }
    if (summary.added + summary.updated + summary.removed > 0) await this.repository.analyze();
    summary.seconds = Math.round((performance.now() - started) / 10) / 100;
    return summary;
  }

  /**
   * Ingests one document given as content (the HTTP upload path). With an `allowedSites` list, the
   * document already at the URI must be visible to it (else `not_found`, as if absent) and every site of
   * the new content must be in it (else `site_forbidden`).
   */
  async ingestContent(
    input: LoadDocumentInput & { uri: string },
    allowedSites: readonly string[] | null = null,
  ): Promise<{ document: StoredDocument; status: 'added' | 'updated' | 'unchanged' }> {
    const previous = allowedSites ? await this.repository.findByUri(input.uri) : undefined;
    if (previous && !visibleTo(previous.sites, allowedSites)) {
      throw new DomainError('not_found', `No document at ${input.uri} that this key may change.`, {
        param: 'uri',
      });
    }
    let extracted: Extracted;
    try {
      extracted = await this.extractor.extract({ kind: 'content', input }, this.limits);
    } catch (error) {
      if (error instanceof IngestError && error.failure === 'too_large' && error.limit) {
        throw new DomainError('unprocessable', `The document is too large once extracted: ${error.reason}.`, {
          param: 'content',
          limit: error.limit,
        });
      }
      if (error instanceof IngestError) {
        const code = error.failure === 'too_large' ? 'payload_too_large' : 'invalid_parameter';
        throw new DomainError(code, error.message, { param: 'content' });
      }
      throw error;
    }
    const { document, chunks } = extracted;
    const outside = allowedSites ? document.sites.filter((site) => !allowedSites.includes(site)) : [];
    if (outside.length > 0) {
      throw new DomainError(
        'site_forbidden',
        `The document names sites this key may not write: ${outside.join(', ')}.`,
        { param: 'content', sites: outside },
      );
    }
    const outcome = await this.ingestDocument(document, null, chunks);
    const stored = await this.repository.findByUri(document.uri);
    if (!stored) throw new Error('document vanished after ingestion');
    return { document: stored, status: outcome.status };
  }

  /**
   * Adds or replaces one loaded document unless its content hash is unchanged. `precomputed` are its
   * chunks when the extractor already made them; otherwise they are made here, under the chunk cap.
   */
  async ingestDocument(
    document: LoadedDocument,
    sourceRoot: string | null,
    precomputed?: Chunk[],
  ): Promise<{ status: 'added' | 'updated' | 'unchanged'; chunks: number }> {
    const contentHash = documentHash(document);
    const existing = await this.repository.findByUri(document.uri);
    if (existing && existing.contentHash === contentHash) return { status: 'unchanged', chunks: 0 };
    const chunks = precomputed ?? chunkDocument(document, { maxChunks: this.limits.maxChunks });
    if (chunks.length === 0)
      throw new IngestError(document.uri, 'empty', 'the document has no text to index');
    const embeddings = await this.embedder.embed(
      chunks.map((chunk) => chunk.embeddingText),
      'document',
    );
    const { created } = await this.repository.replaceDocument(
      document,
      { contentHash, sourceRoot },
      chunks.map((chunk, index) => ({ chunk, embedding: embeddings[index] as number[] })),
    );
    return { status: created ? 'added' : 'updated', chunks: chunks.length };
  }

  /**
   * Hybrid (or single-leg) search with filters applied in SQL, in two phases: each leg returns chunk ids
   * and scores only, the legs are fused with RRF, and only the fused top `topK` are read in full (text,
   * title, URI) and given a snippet. A chunk removed between the phases (its document replaced meanwhile)
   * is skipped and the next fused one takes its place.
   */
  async search(
    query: string,
    filters: ChunkFilters,
    topK: number,
    mode: SearchMode = 'hybrid',
  ): Promise<SearchResult[]> {
    const depth = Math.max(topK * 4, 40);
    const [vectorHits, textHits] = await Promise.all([
      mode === 'text'
        ? Promise.resolve([] as LegHit[])
        : this.embedder
            .embed([query], 'query')
            .then(([embedding]) => this.repository.vectorCandidates(embedding as number[], depth, filters)),
      mode === 'vector'
        ? Promise.resolve([] as LegHit[])
        : this.repository.textCandidates(queryTerms(query), depth, filters),
    ]);
    const ranked = fuseLegs(vectorHits, textHits);
    const results: SearchResult[] = [];
    for (let start = 0; start < ranked.length && results.length < topK; ) {
      const slice = ranked.slice(start, start + topK - results.length);
      start += slice.length;
      const details = await this.repository.chunkDetails(slice.map((entry) => entry.chunkId));
      for (const entry of slice) {
        const chunk = details.get(entry.chunkId);
        if (!chunk) continue;
        results.push({
          chunkId: chunk.chunkId,
          documentId: chunk.documentId,
          title: chunk.title,
          uri: chunk.uri,
          headingPath: chunk.headingPath,
          span: chunk.span,
          snippet: snippetOf(chunk.text, query),
          text: chunk.text,
          docType: chunk.docType,
          scores: entry.scores,
        });
      }
    }
    return results;
  }

  listDocuments(options: { limit: number; afterUri: string | null; allowedSites: readonly string[] | null }) {
    return this.repository.listDocuments(options);
  }

  /** The document with this id, when it exists and `allowedSites` may see it. */
  async getDocument(
    id: string,
    allowedSites: readonly string[] | null = null,
  ): Promise<StoredDocument | undefined> {
    const document = await this.repository.findById(id);
    return document && visibleTo(document.sites, allowedSites) ? document : undefined;
  }

  /** Removes a document that `allowedSites` may see; false when there is none (or it is not visible). */
  async deleteDocument(id: string, allowedSites: readonly string[] | null = null): Promise<boolean> {
    if (allowedSites && !(await this.getDocument(id, allowedSites))) return false;
    return this.repository.deleteDocument(id);
  }

  countChunks(): Promise<number> {
    return this.repository.countChunks();
  }

  /** Re-embeds every chunk with the configured embedder (model or dimension change). */
  async reembed(
    onProgress?: (done: number, total: number) => void,
    onPause?: (pause: ReembedPause) => void,
  ): Promise<{ chunks: number; model: string; dimension: number; pauses: number }> {
    const chunks = await this.repository.allChunks();
    const embeddings = new Map<string, number[]>();
    const { batchSize, cooldownMs, maxCooldownMs, stallBudgetMs } = this.reembedPacing;
    let cooldown = cooldownMs;
    let lastProgress = performance.now();
    let pauses = 0;
    for (let start = 0; start < chunks.length; ) {
      const slice = chunks.slice(start, start + batchSize);
      let vectors: number[][];
      try {
        vectors = await this.embedder.embed(
          slice.map((chunk) => chunk.embeddingText),
          'document',
        );
      } catch (error) {
        const stalledMs = performance.now() - lastProgress;
        if (!isTransient(error) || stalledMs + cooldown > stallBudgetMs) throw error;
        pauses += 1;
        onPause?.({ done: start, total: chunks.length, waitMs: cooldown, reason: (error as Error).message });
        await new Promise((resolve) => setTimeout(resolve, cooldown));
        cooldown = Math.min(cooldown * 2, maxCooldownMs);
        continue;
      }
      for (const [index, chunk] of slice.entries()) embeddings.set(chunk.id, vectors[index] as number[]);
      start += slice.length;
      cooldown = cooldownMs;
      lastProgress = performance.now();
      onProgress?.(start, chunks.length);
    }
    await this.repository.replaceEmbeddings(this.embedder.model, this.embedder.dimension, embeddings);
    return { chunks: chunks.length, model: this.embedder.model, dimension: this.embedder.dimension, pauses };
  }
}

/**
 * How `reembed` paces itself. A transient embedder failure (throttled past the embedder's own retry budget,
 * unavailable, timed out) pauses the run for `cooldownMs` (doubling up to `maxCooldownMs`) and resumes at the
 * failed batch, keeping every vector already computed; it gives up only after `stallBudgetMs` without a batch
 * completing.
 */
export interface ReembedPacing {
  batchSize?: number;
  cooldownMs?: number;
  maxCooldownMs?: number;
  stallBudgetMs?: number;
}

/** One pause of `reembed`, reported so the CLI can say why it waits. */
export interface ReembedPause {
  done: number;
  total: number;
  waitMs: number;
  reason: string;
}

/** Per-minute Bedrock quotas refill within a minute: pauses grow 5 s → 60 s, 10 minutes without progress ends the run. */
export const DEFAULT_REEMBED_PACING: Required<ReembedPacing> = {
  batchSize: 64,
  cooldownMs: 5_000,
  maxCooldownMs: 60_000,
  stallBudgetMs: 10 * 60_000,
};

function isTransient(error: unknown): boolean {
  return error instanceof EmbedderError && error.failure !== 'invalid';
}

/**
 * The visibility rule of search, listing, writes and deletes: a document is visible to a site allow-list
 * when it names no site or every site it names is in the list (`null` sees everything).
 */
export function visibleTo(sites: readonly string[], allowedSites: readonly string[] | null): boolean {
  return allowedSites === null || sites.every((site) => allowedSites.includes(site));
}

const round = (value: number, digits = 4): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** A file path as a URI relative to the working directory (for callers outside `ingestPaths`, e.g. benches). */
export function toUri(file: string): string {
  return cwdRelativeUri(file);
}

/** The source name of an ingest root: `source` when given, else the folder's name (a file's folder's). */
export function sourceNameOf(root: string, source?: string): string {
  if (source) return source;
  const absolute = path.resolve(root);
  const folder = statSync(absolute).isDirectory() ? absolute : path.dirname(absolute);
  return path.basename(folder) || 'root';
}

/**
 * A document's stable id: its source name, then its path relative to the root given to `ingest`, with `/`
 * separators (`runbooks/etcd/etcdNoLeader.md`). It does not depend on the folder `ingest` runs from, so
 * ingesting the same folder from anywhere finds the same documents and changes nothing. A root that is itself
 * one document (a Power BI Project folder) is named by its source name alone.
 */
export function documentUri(root: string, file: string, source?: string): string {
  const absoluteRoot = path.resolve(root);
  const base = statSync(absoluteRoot).isDirectory() ? absoluteRoot : path.dirname(absoluteRoot);
  const relative = path.relative(base, path.resolve(file)).split(path.sep).join('/');
  const name = sourceNameOf(root, source);
  return relative === '' ? name : `${name}/${relative}`;
}

function cwdRelativeUri(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file));
  return relative.split(path.sep).join('/') || '.';
}

/** A short snippet around the first query term found (or the start of the text). */
export function snippetOf(text: string, query: string, length = 240): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const lower = clean.toLowerCase();
  const term = queryTerms(query)
    .map((candidate) => candidate.replace(/'/g, ''))
    .find((candidate) => lower.includes(candidate));
  const at = term ? Math.max(0, lower.indexOf(term) - 60) : 0;
  const snippet = clean.slice(at, at + length);
  return `${at > 0 ? '…' : ''}${snippet}${at + length < clean.length ? '…' : ''}`;
}
