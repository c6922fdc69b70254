/**
 * Where a `/rag/search` spends its time on the embedded default (PGlite + pgvector in a worker thread) with
 * the index grown to 10k+ chunks, as the load bench's `rag_search` row serves it: the demo documents plus
 * runbook variants ({@link growIndex}), the 22 demo questions in turn, `top_k` 8, through the real
 * {@link RagIndexService}. Reports per search the PGlite worker's busy time and the main thread's, latency
 * p50/p95 at 1 and 10 concurrent searches, and (`--statements`) each SQL statement's round trip plus
 * `EXPLAIN (ANALYZE, BUFFERS)` of the search statements. The index is built once in `--data DIR`
 * (default `/tmp/datalive-search-latency`) and reused by later runs.
 *
 * Run: `npx tsx bench/rag/search-latency.ts [--rounds 5] [--statements] [--json] [--data DIR]`.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { HashEmbedder } from '../../src/adapters/local/hash-embedder.js';
import { openEmbeddedDatabase } from '../../src/adapters/postgres/database.js';
import { migrate } from '../../src/adapters/postgres/migrate.js';
import { PgRagRepository } from '../../src/adapters/postgres/rag-repository.js';
import { RagIndexService } from '../../src/domain/rag/index-service.js';
import { growIndex } from './retrieval.js';

/** One load level's figures. */
export interface LatencyFigures {
  concurrency: number;
  searches: number;
  workerMsPerSearch: number;
  mainMsPerSearch: number;
  p50Ms: number;
  p95Ms: number;
  searchesPerSecond: number;
}

/** The report of {@link runSearchLatency}. */
export interface SearchLatencyReport {
  chunks: number;
  questions: number;
  topK: number;
  levels: LatencyFigures[];
  statements?: StatementFigure[];
}

/** One SQL statement's share of a sequential search (median round trip over the questions). */
export interface StatementFigure {
  statement: string;
  calls: number;
  medianMs: number;
  totalMs: number;
}

const TOP_K = 8;
const TARGET_CHUNKS = 10_000;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Builds (once) and measures the 10k-chunk index; see the module comment. */
export async function runSearchLatency(options: {
  dataDir: string;
  rounds: number;
  statements: boolean;
  log: (line: string) => void;
}): Promise<SearchLatencyReport> {
  const db = await openEmbeddedDatabase(options.dataDir);
  try {
    await migrate(db.pool, { variables: { embedding_dimension: 384 } });
    const repository = new PgRagRepository(db.pool, 'rag_dev');
    const rag = new RagIndexService(repository, new HashEmbedder({ dimension: 384 }));
    await rag.ensureCompatible();
    if ((await repository.countChunks()) < TARGET_CHUNKS) {
      options.log('building the index (once)…');
      await rag.ingestPaths(['data/demo/runbooks', 'data/demo/dashboards'], { exclude: ['README.md'] });
      await growIndex(rag, repository, TARGET_CHUNKS);
      await repository.analyze();
    }
    const chunks = await repository.countChunks();
    const questions = (
      JSON.parse(readFileSync('bench/rag/questions-demo.json', 'utf8')) as Array<{ question: string }>
    ).map((entry) => entry.question);
    options.log(`index: ${chunks} chunks; ${questions.length} questions, top_k ${TOP_K}`);
    const search = (question: string) => rag.search(question, { allowedSites: null }, TOP_K);
    for (const question of questions) await search(question);

    const levels: LatencyFigures[] = [];
    for (const concurrency of [1, 10]) {
      const total = questions.length * options.rounds;
      const latencies: number[] = [];
      let next = 0;
      const workerBefore = db.workerBusyMs();
      const mainBefore = performance.eventLoopUtilization();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < total) {
            const question = questions[next % questions.length] as string;
            next += 1;
            const t = performance.now();
            await search(question);
            latencies.push(performance.now() - t);
          }
        }),
      );
      const elapsed = performance.now() - started;
      const main = performance.eventLoopUtilization(mainBefore);
      const figures: LatencyFigures = {
        concurrency,
        searches: total,
        workerMsPerSearch: round((db.workerBusyMs() - workerBefore) / total),
        mainMsPerSearch: round(main.active / total),
        p50Ms: round(percentile(latencies, 50)),
        p95Ms: round(percentile(latencies, 95)),
        searchesPerSecond: round((total / elapsed) * 1000, 1),
      };
      levels.push(figures);
      options.log(
        `${concurrency} concurrent: worker ${figures.workerMsPerSearch} ms/search, main ${figures.mainMsPerSearch} ms/search, p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, ${figures.searchesPerSecond}/s`,
      );
    }
    const report: SearchLatencyReport = { chunks, questions: questions.length, topK: TOP_K, levels };
    if (options.statements)
      report.statements = await statementBreakdown(db.pool, questions, search, options.log);
    return report;
  } finally {
    await db.close();
  }
}

/**
 * Times every statement the searches send (sequentially, so a round trip is the worker's time for it plus
 * the protocol) on the pool's one connection, then prints `EXPLAIN (ANALYZE, BUFFERS)` of the first
 * question's SELECTs run with the `SET LOCAL` options that preceded them.
 */
async function statementBreakdown(
  pool: pg.Pool,
  questions: readonly string[],
  search: (question: string) => Promise<unknown>,
  log: (line: string) => void,
): Promise<StatementFigure[]> {
  const client = await pool.connect();
  type Callback = (error: Error | null, result?: pg.QueryResult) => void;
  const original = client.query.bind(client) as (
    text: string | pg.QueryConfig,
    values?: unknown[],
    callback?: Callback,
  ) => Promise<pg.QueryResult> | undefined;
  const calls: Array<{ text: string; values: unknown[] | undefined; ms: number }> = [];
  (client as unknown as { query: typeof original }).query = (text, values, callback) => {
    const t = performance.now();
    const record = () =>
      calls.push(
        typeof text === 'string'
          ? { text, values, ms: performance.now() - t }
          : { text: text.text, values: text.values, ms: performance.now() - t },
      );
    if (callback)
      return original(text, values, (error, result) => {
        record();
        callback(error, result);
      });
    return original(text, values)?.then((result) => {
      record();
      return result;
    });
  };
  client.release();
  const byStatement = new Map<string, number[]>();
  const keyOf = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 90);
  let firstQuestion: typeof calls = [];
  for (const [index, question] of questions.entries()) {
    const from = calls.length;
    await search(question);
    if (index === 0) firstQuestion = calls.slice(from);
  }
  for (const call of calls) {
    const key = keyOf(call.text);
    byStatement.set(key, [...(byStatement.get(key) ?? []), call.ms]);
  }
  const figures = [...byStatement.entries()].map(([statement, times]) => ({
    statement,
    calls: times.length,
    medianMs: round(percentile(times, 50), 3),
    totalMs: round(
      times.reduce((sum, ms) => sum + ms, 0),
      1,
    ),
  }));
  for (const figure of figures)
    log(
      `  ${String(figure.calls).padStart(3)} × ${figure.medianMs.toFixed(3).padStart(7)} ms  ${figure.statement}`,
    );
  let options = '';
  for (const call of firstQuestion) {
    if (call.text.startsWith('BEGIN')) options = call.text.replace(/^BEGIN;?/, '');
    if (!/^\s*(SELECT|WITH)/i.test(call.text) || call.text.includes('pg_stats')) continue;
    const explain = await pool.connect();
    try {
      await explain.query(`BEGIN; ${options}`);
      const plan = await explain.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN (ANALYZE, BUFFERS) ${call.text}`,
        call.values,
      );
      await explain.query('ROLLBACK');
      log(`\nEXPLAIN (ANALYZE, BUFFERS) with${options || ' no options'}:`);
      for (const row of plan.rows) log(`  ${row['QUERY PLAN']}`);
    } finally {
      explain.release();
    }
    options = '';
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const value = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const report = await runSearchLatency({
    dataDir: value('--data') ?? '/tmp/datalive-search-latency',
    rounds: Number(value('--rounds') ?? 5),
    statements: args.includes('--statements'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}
