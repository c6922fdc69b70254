/**
 * Ingestion statistics and a dense-only retrieval check for the runbooks corpus.
 *
 *   npx tsx bench/rag/ingest-stats.ts [corpus-dir] [questions.json]
 *   DIM=1024 VERBOSE=1 npx tsx bench/rag/ingest-stats.ts   # another dimension; list the misses
 *
 * Prints document and chunk counts, HashEmbedder throughput (chunks/s) and, for the evaluation questions,
 * document-level hit@1 / hit@5 / MRR by kind (ranking documents by their best chunk's cosine similarity),
 * plus the best score of the negative questions next to the positives' (useful to pick an abstention
 * threshold). The corpus README.md (a description of the data set, not a runbook) is excluded.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { HashEmbedder } from '../../src/adapters/local/hash-embedder.js';
import {
  type Chunk,
  chunkDocument,
  IngestError,
  loadFile,
  walkSources,
} from '../../src/domain/rag/ingest/index.js';

interface Question {
  id: string;
  question: string;
  expected: string[];
  kind: 'paraphrase' | 'exact_code' | 'negative' | 'spanish';
}

const corpus = process.argv[2] ?? '../shared/data/runbooks';
const questionsPath = process.argv[3] ?? 'bench/rag/questions-runbooks.json';

const sources = await walkSources([corpus], { exclude: ['README.md'] });
const chunks: Chunk[] = [];
let loadMs = 0;
let skipped = 0;
for (const file of sources) {
  const started = performance.now();
  try {
    chunks.push(...chunkDocument(await loadFile(file)));
  } catch (error) {
    if (!(error instanceof IngestError)) throw error;
    skipped++;
    console.warn(`skipped ${error.message}`);
  }
  loadMs += performance.now() - started;
}
const tokens = chunks.map((chunk) => chunk.tokenCount).sort((a, b) => a - b);
console.log(
  `documents: ${sources.length - skipped} (skipped ${skipped}), load+chunk ${loadMs.toFixed(0)} ms`,
);
console.log(
  `chunks: ${chunks.length}; tokens/chunk min ${tokens[0]} median ${tokens[tokens.length >> 1]} max ${tokens[tokens.length - 1]}`,
);

const embedder = new HashEmbedder({ dimension: Number(process.env.DIM ?? 384) });
await embedder.embed(
  chunks.map((chunk) => chunk.embeddingText),
  'document',
);
const rounds = 5;
const started = performance.now();
let vectors: number[][] = [];
for (let round = 0; round < rounds; round++) {
  vectors = await embedder.embed(
    chunks.map((chunk) => chunk.embeddingText),
    'document',
  );
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `embedding (${embedder.model}): ${((chunks.length * rounds) / seconds).toFixed(0)} chunks/s over ${chunks.length * rounds} chunks`,
);

const questions = JSON.parse(await readFile(questionsPath, 'utf8')) as Question[];
const byKind = new Map<string, { n: number; hit1: number; hit5: number; rr: number }>();
const positiveTop: number[] = [];
const negativeTop: number[] = [];
for (const question of questions) {
  const [query] = await embedder.embed([question.question], 'query');
  const bestByUri = new Map<string, number>();
  vectors.forEach((vector, index) => {
    let score = 0;
    for (let d = 0; d < vector.length; d++) score += vector[d]! * query![d]!;
    const uri = chunks[index]!.uri;
    if (score > (bestByUri.get(uri) ?? -1)) bestByUri.set(uri, score);
  });
  const ranking = [...bestByUri.entries()].sort((a, b) => b[1] - a[1]);
  const top = ranking[0]?.[1] ?? 0;
  if (question.kind === 'negative') {
    negativeTop.push(top);
    continue;
  }
  positiveTop.push(top);
  const rank = ranking.findIndex(([uri]) => question.expected.includes(uri)) + 1;
  const stats = byKind.get(question.kind) ?? { n: 0, hit1: 0, hit5: 0, rr: 0 };
  stats.n++;
  if (rank === 1) stats.hit1++;
  if (rank >= 1 && rank <= 5) stats.hit5++;
  if (rank >= 1) stats.rr += 1 / rank;
  byKind.set(question.kind, stats);
  if (rank !== 1 && process.env.VERBOSE) {
    console.log(`  ${question.id} rank ${rank || '-'}: ${question.question}`);
    console.log(`     top: ${ranking[0]?.[0]?.replace(`${corpus}/`, '')} (${top.toFixed(3)})`);
  }
}
const total = { n: 0, hit1: 0, hit5: 0, rr: 0 };
for (const [kind, stats] of byKind) {
  console.log(
    `${kind.padEnd(11)} n=${stats.n} hit@1 ${(stats.hit1 / stats.n).toFixed(2)} hit@5 ${(stats.hit5 / stats.n).toFixed(2)} MRR ${(stats.rr / stats.n).toFixed(3)}`,
  );
  total.n += stats.n;
  total.hit1 += stats.hit1;
  total.hit5 += stats.hit5;
  total.rr += stats.rr;
}
console.log(
  `${'all'.padEnd(11)} n=${total.n} hit@1 ${(total.hit1 / total.n).toFixed(2)} hit@5 ${(total.hit5 / total.n).toFixed(2)} MRR ${(total.rr / total.n).toFixed(3)}`,
);
const format = (values: number[]) =>
  values
    .sort((a, b) => a - b)
    .map((value) => value.toFixed(2))
    .join(' ');
console.log(`best score, negatives: ${format(negativeTop)}`);
console.log(`best score, positives (lowest 8): ${format(positiveTop).split(' ').slice(0, 8).join(' ')}`);
