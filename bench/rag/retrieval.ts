/**
 * Retrieval benchmark: ingests ../shared/data/runbooks and the demo documents into an in-memory PGlite,
 * then scores the question sets (recall@5, MRR) for vector-only, full-text-only and hybrid retrieval;
 * measures HNSW recall@10 against exact search and search latency on a 10k+ chunk index, and
 * ingestion throughput. Run: `npx tsx bench/rag/retrieval.ts [--json]`.
 */
import { readFileSync } from 'node:fs';
import { HashEmbedder } from '../../src/adapters/local/hash-embedder.js';
import { openEmbeddedDatabase } from '../../src/adapters/postgres/database.js';
import { migrate } from '../../src/adapters/postgres/migrate.js';
import { PgRagRepository } from '../../src/adapters/postgres/rag-repository.js';
import { documentUri, RagIndexService, type SearchMode, toUri } from '../../src/domain/rag/index-service.js';
import { type LoadedDocument, loadFile, walkSources } from '../../src/domain/rag/ingest/index.js';

interface Question {
  id: string;
  question: string;
  expected: string[];
  kind: string;
}

export interface RetrievalReport {
  questions: number;
  modes: Record<
    SearchMode,
    { recallAt5: number; mrr: number; byKind: Record<string, { recallAt5: number; mrr: number; n: number }> }
  >;
  negatives: { n: number; meanTopFused: number; meanTopFusedPositive: number };
  ingest: { documents: number; chunks: number; seconds: number; chunksPerSecond: number };
  hnsw: {
    chunks: number;
    queries: number;
    recallAt10: number;
    p50Ms: number;
    p95Ms: number;
    exactP50Ms: number;
    hybridP50Ms: number;
    hybridP95Ms: number;
  };
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Runs the whole retrieval benchmark and returns its report. */
export async function runRetrievalBench(log: (line: string) => void = () => {}): Promise<RetrievalReport> {
  const db = await openEmbeddedDatabase('memory://');
  try {
    await migrate(db.pool, { variables: { embedding_dimension: 384 } });
    const embedder = new HashEmbedder({ dimension: 384 });
    const rag = new RagIndexService(new PgRagRepository(db.pool, 'rag_dev'), embedder);
    await rag.ensureCompatible();
    const started = performance.now();
    const roots = ['../shared/data/runbooks', 'data/demo/runbooks', 'data/demo/dashboards'];
    const summary = await rag.ingestPaths(roots, {
      exclude: ['README.md'],
    });
    const uriOfFile = (file: string): string => {
      const root = roots.find((candidate) => file.startsWith(`${candidate}/`));
      return root ? documentUri(root, file) : file;
    };
    const ingestSeconds = (performance.now() - started) / 1000;
    log(`ingested ${summary.added} documents, ${summary.chunks} chunks in ${ingestSeconds.toFixed(2)} s`);

    const questions: Question[] = [
      ...(JSON.parse(readFileSync('bench/rag/questions-runbooks.json', 'utf8')) as Question[]),
      ...(JSON.parse(readFileSync('bench/rag/questions-demo.json', 'utf8')) as Question[]),
    ];
    const positives = questions.filter((question) => question.expected.length > 0);
    const negatives = questions.filter((question) => question.expected.length === 0);
    const modes = {} as RetrievalReport['modes'];
    for (const mode of ['vector', 'text', 'hybrid'] as const) {
      let hits = 0;
      let reciprocal = 0;
      const byKind: Record<string, { recallAt5: number; mrr: number; n: number }> = {};
      for (const question of positives) {
        const results = await rag.search(question.question, { allowedSites: null }, 20, mode);
        const documents = [...new Set(results.map((result) => result.uri))];
        const expected = question.expected.map(uriOfFile);
        const rank = documents.findIndex((uri) => expected.includes(uri)) + 1;
        const hit = rank > 0 && rank <= 5 ? 1 : 0;
        const rr = rank > 0 ? 1 / rank : 0;
        hits += hit;
        reciprocal += rr;
        const kind = byKind[question.kind] ?? { recallAt5: 0, mrr: 0, n: 0 };
        byKind[question.kind] = kind;
        kind.recallAt5 += hit;
        kind.mrr += rr;
        kind.n += 1;
      }
      for (const kind of Object.values(byKind)) {
        kind.recallAt5 = round(kind.recallAt5 / kind.n);
        kind.mrr = round(kind.mrr / kind.n);
      }
      modes[mode] = {
        recallAt5: round(hits / positives.length),
        mrr: round(reciprocal / positives.length),
        byKind,
      };
      log(`${mode.padEnd(7)} recall@5 ${modes[mode].recallAt5}  MRR ${modes[mode].mrr}`);
    }
    const topFused = async (list: Question[]) => {
      let total = 0;
      for (const question of list)
        total += (await rag.search(question.question, { allowedSites: null }, 1))[0]?.scores.fused ?? 0;
      return list.length > 0 ? round(total / list.length, 5) : 0;
    };

    const hnsw = await hnswBench(db.pool, embedder, log);
    return {
      questions: questions.length,
      modes,
      negatives: {
        n: negatives.length,
        meanTopFused: await topFused(negatives),
        meanTopFusedPositive: await topFused(positives),
      },
      ingest: {
        documents: summary.added,
        chunks: summary.chunks,
        seconds: round(ingestSeconds, 2),
        chunksPerSecond: Math.round(summary.chunks / ingestSeconds),
      },
      hnsw,
    };
  } finally {
    await db.close();
  }
}

/**
 * Grows a RAG index to at least `targetChunks` with variants of the runbooks (../shared/data/runbooks and
 * the demo ones): in each copy 35 % of the words of each section are replaced by random corpus words
 * (distinct documents on the same topics, not exact duplicates), so chunks
 * differ as real documents do. Returns the corpus words (for query generation). Used by the HNSW
 * measurement here and by the load bench, which searches the API's own index at 10k chunks.
 */
export async function growIndex(
  rag: RagIndexService,
  repository: PgRagRepository,
  targetChunks: number,
): Promise<{ words: string[] }> {
  const files = await walkSources(['../shared/data/runbooks', 'data/demo/runbooks'], {
    exclude: ['README.md'],
  });
  const documents: LoadedDocument[] = [];
  for (const file of files) documents.push(await loadFile(file, { uri: toUri(file) }));
  const words = documents
    .flatMap((document) => document.sections.flatMap((section) => section.text.split(/\s+/)))
    .filter((word) => /^[a-z]{4,}$/i.test(word));
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  let copies = 0;
  while ((await repository.countChunks()) < targetChunks) {
    copies += 1;
    for (const document of documents) {
      const variant: LoadedDocument = {
        ...document,
        uri: `${document.uri}#copy-${copies}`,
        sections: document.sections.map((section) => {
          const text = section.text
            .split(/(\s+)/)
            .map((token) =>
              /^[a-z]{4,}$/i.test(token) && random() < 0.35
                ? (words[Math.floor(random() * words.length)] as string)
                : token,
            )
            .join('');
          return {
            ...section,
            text,
            blocks: [
              {
                kind: 'paragraph',
                lines: text.split('\n').map((line, index) => ({ text: line, line: index + 1 })),
              },
            ],
          };
        }),
      };
      await rag.ingestDocument(variant, 'bench');
    }
  }
  return { words };
}

/**
 * Builds a 10k+ chunk index in rag_qa from copies of the corpus in which 35 % of the words of each
 * section are replaced by random corpus words (distinct documents on the same topics, not exact
 * duplicates), then compares HNSW (ef_search as configured in the repository) with exact search.
 */
async function hnswBench(pool: import('pg').Pool, embedder: HashEmbedder, log: (line: string) => void) {
  const repository = new PgRagRepository(pool, 'rag_qa');
  const rag = new RagIndexService(repository, embedder);
  await rag.ensureCompatible();
  const { words } = await growIndex(rag, repository, 10_000);
  await repository.analyze();
  const chunks = await repository.countChunks();
  log(`hnsw index: ${chunks} chunks`);
  const queries = words
    .filter((_, index) => index % Math.max(1, Math.floor(words.length / 100)) === 0)
    .slice(0, 100)
    .map((word, index) => `${word} ${words[(index * 37) % words.length]} failure`);
  let overlap = 0;
  const approximate: number[] = [];
  const exact: number[] = [];
  const hybrid: number[] = [];
  for (const query of queries) {
    const [vector] = await embedder.embed([query], 'query');
    let t = performance.now();
    const ann = await repository.vectorSearch(vector as number[], 10, { allowedSites: null });
    approximate.push(performance.now() - t);
    t = performance.now();
    const truth = await repository.vectorSearch(vector as number[], 10, { allowedSites: null }, true);
    exact.push(performance.now() - t);
    const truthIds = new Set(truth.map((hit) => hit.chunkId));
    overlap += ann.filter((hit) => truthIds.has(hit.chunkId)).length / Math.max(1, truth.length);
    t = performance.now();
    await rag.search(query, { allowedSites: null }, 8);
    hybrid.push(performance.now() - t);
  }
  return {
    chunks,
    queries: queries.length,
    recallAt10: round(overlap / queries.length),
    p50Ms: round(percentile(approximate, 50), 2),
    p95Ms: round(percentile(approximate, 95), 2),
    exactP50Ms: round(percentile(exact, 50), 2),
    hybridP50Ms: round(percentile(hybrid, 50), 2),
    hybridP95Ms: round(percentile(hybrid, 95), 2),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await runRetrievalBench((line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
