/**
 * `npm run bench`: every benchmark in one run, printed as tables on stdout (progress on stderr) and
 * written as JSON to `bench/results/<section>.json`.
 *
 * Sections, in order: `startup` (first and warm start of the embedded default), `load` (autocannon
 * against the built server, ratios to a bare node:http baseline), `rag` (retrieval quality and speed),
 * `forecast` (Volve backtest, ratios to naive). Options:
 *   --only load,startup   run only these sections
 *   --duration 8          seconds per load target (plus 1 s unmeasured warm-up)
 *   --no-build            do not run `npm run build` first (uses dist/ if present, else the sources)
 *   --redis redis://127.0.0.1:6379   Redis for the shared rate-limit store variant
 *   --keep                keep the temporary data directory and the servers' logs
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LoadReport, runLoadBench } from './load/load.js';
import { type RetrievalReport, runRetrievalBench } from './rag/retrieval.js';
import { runStartupBench, type StartupReport, WARM_RESTART_TARGET_MS } from './startup.js';

const SECTIONS = ['startup', 'load', 'rag', 'forecast'] as const;
type Section = (typeof SECTIONS)[number];

interface ForecastOutput {
  backtestSeconds: number;
  checks: Array<{ target: string; value: number; pass: boolean }>;
  report: {
    aggregate: Array<{
      horizon: number;
      ratioToNaive: { selected: number };
      windowRatioToNaive: { selected: number };
      atHorizon: { selected: { coverage: number; origins: number } };
    }>;
  };
}

const RESULTS_DIR = 'bench/results';

/** Parsed command line. */
export interface BenchArguments {
  only: Section[];
  durationSeconds: number;
  build: boolean;
  redisUrl: string;
  /** Keep the temporary data directory (server logs included). */
  keep: boolean;
}

/** Parses `--only`, `--duration`, `--no-build`, `--redis` and `--keep`. */
export function parseBenchArguments(argv: readonly string[]): BenchArguments {
  const value = (name: string) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  };
  const only = (value('only') ?? SECTIONS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const unknown = only.filter((name) => !SECTIONS.includes(name as Section));
  if (unknown.length > 0)
    throw new Error(`unknown section(s) ${unknown.join(', ')}; use ${SECTIONS.join(', ')}`);
  const durationSeconds = Number(value('duration') ?? 8);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) throw new Error('--duration must be > 0');
  return {
    only: only as Section[],
    durationSeconds,
    build: !argv.includes('--no-build'),
    redisUrl: value('redis') ?? 'redis://127.0.0.1:6379',
    keep: argv.includes('--keep'),
  };
}

/** Renders rows as a fixed-width text table. */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => String(cell)));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  return [
    line(cells[0] as string[]),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

const fixed = (value: number | undefined, digits = 1) =>
  value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);

function printStartup(report: StartupReport): void {
  console.log(`\n## startup (${report.command}, embedded default)\n`);
  console.log(
    table(
      ['start', 'ready ms', 'listening ms', 'boot_ms (logged)', 'idle RSS MiB', 'peak RSS MiB', 'exit'],
      report.runs.map((run) => [
        STARTUP_LABELS[run.kind],
        run.readyMs,
        run.listeningMs,
        run.bootMs,
        fixed(run.idleRssMiB),
        fixed(run.peakRssMiB),
        String(run.exitCode),
      ]),
    ),
  );
  const warm = report.runs.find((run) => run.kind === 'npm-warm');
  if (warm) {
    printChecks([
      {
        target: `warm restart (npm start, nothing changed${warm.compiled ? ', but it compiled' : ''}) to ready ≤ ${WARM_RESTART_TARGET_MS / 1000} s (ms)`,
        value: warm.readyMs,
        pass: warm.readyMs <= WARM_RESTART_TARGET_MS && !warm.compiled,
      },
    ]);
  }
}

const STARTUP_LABELS: Record<StartupReport['runs'][number]['kind'], string> = {
  first: 'first (empty data dir)',
  warm: 'warm (same data dir)',
  'npm-built': 'npm start after npm run build',
  'npm-warm': 'npm start again (no change)',
};

function printLoad(report: LoadReport): void {
  console.log(`\n## load (${report.command}; ${report.durationSeconds} s per target after a 1 s warm-up)\n`);
  console.log(
    table(
      [
        'target',
        'conns',
        'req/s',
        '× baseline',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'max ms',
        'non-2xx',
        'CPU µs/req',
        'peak RSS MiB',
      ],
      report.rows.map((row) =>
        row.result
          ? [
              row.id,
              row.result.connections,
              row.result.rps,
              fixed(row.ratioToBaseline, 2),
              fixed(row.result.p50Ms, 2),
              fixed(row.result.p95Ms, 2),
              fixed(row.result.p99Ms, 2),
              fixed(row.result.maxMs, 1),
              row.result.non2xx + row.result.errors,
              fixed(row.result.serverCpuUsPerRequest, 0),
              fixed(row.result.rssPeakMiB),
            ]
          : [row.id, '', 'skipped', '', '', '', '', '', '', '', ''],
      ),
    ),
  );
  console.log('\nwhat each target is:');
  for (const row of report.rows) console.log(`  ${row.id.padEnd(22)} ${row.skipped ?? row.description}`);
  console.log(
    `\nAPI server RSS: ${fixed(report.idleRssMiB)} MiB idle, ${fixed(report.peakRssMiB)} MiB peak under load`,
  );
  if (report.memory) {
    const components = [
      ...new Set([...Object.keys(report.memory.idle), ...Object.keys(report.memory.afterLoad)]),
    ];
    console.log('\nAPI server memory per component (MiB, from /metrics datalive_memory_bytes):');
    console.log(
      table(
        ['component', 'idle', 'after load'],
        components.map((name) => [
          name,
          fixed(report.memory?.idle[name]),
          fixed(report.memory?.afterLoad[name]),
        ]),
      ),
    );
  }
  printChecks(report.checks);
  for (const note of report.notes) console.log(`note: ${note}`);
}

function printRag(report: RetrievalReport): void {
  console.log(`\n## rag retrieval (${report.questions} questions; in-process PGlite + pgvector)\n`);
  console.log(
    table(
      ['mode', 'recall@5', 'MRR'],
      (['vector', 'text', 'hybrid'] as const).map((mode) => [
        mode,
        fixed(report.modes[mode].recallAt5, 3),
        fixed(report.modes[mode].mrr, 3),
      ]),
    ),
  );
  const { hnsw, ingest, negatives } = report;
  console.log(
    `\nHNSW on ${hnsw.chunks} chunks, ${hnsw.queries} queries: recall@10 vs exact ${fixed(hnsw.recallAt10, 3)}; ` +
      `ANN p50 ${fixed(hnsw.p50Ms, 2)} ms, p95 ${fixed(hnsw.p95Ms, 2)} ms; exact p50 ${fixed(hnsw.exactP50Ms, 2)} ms ` +
      `(ANN ${fixed(hnsw.exactP50Ms / hnsw.p50Ms, 1)}× faster); hybrid search p50 ${fixed(hnsw.hybridP50Ms, 2)} ms, p95 ${fixed(hnsw.hybridP95Ms, 2)} ms`,
  );
  console.log(
    `ingest: ${ingest.documents} documents, ${ingest.chunks} chunks in ${ingest.seconds} s (${ingest.chunksPerSecond} chunks/s)`,
  );
  console.log(
    `negatives (${negatives.n}): mean top fused score ${negatives.meanTopFused} vs ${negatives.meanTopFusedPositive} for answerable questions`,
  );
}

function printForecast(output: ForecastOutput): void {
  console.log(`\n## forecast (Volve backtest, ${fixed(output.backtestSeconds)} s)\n`);
  console.log(
    table(
      ['horizon (days)', 'origins', 'selected ÷ naive @h', 'selected ÷ naive 1..h', 'P10–P90 coverage @h'],
      output.report.aggregate.map((row) => [
        row.horizon,
        row.atHorizon.selected.origins,
        fixed(row.ratioToNaive.selected, 3),
        fixed(row.windowRatioToNaive.selected, 3),
        fixed(row.atHorizon.selected.coverage, 3),
      ]),
    ),
  );
  printChecks(output.checks);
}

function printChecks(
  checks: ReadonlyArray<{ target: string; value: number; pass: boolean; informational?: boolean }>,
): void {
  console.log('\ntargets:');
  for (const check of checks) {
    const verdict = check.informational ? 'INFO' : check.pass ? 'PASS' : 'MISS';
    console.log(`  ${verdict}  ${check.target}: ${fixed(check.value, 3)}`);
  }
}

function writeResult(section: string, value: unknown): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${section}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), ...(value as object) }, null, 2)}\n`,
  );
  process.stderr.write(`wrote ${file}\n`);
}

async function main(): Promise<void> {
  const args = parseBenchArguments(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const started = performance.now();
  const wants = (section: Section) => args.only.includes(section);
  console.log(`# DatAlive benchmarks (${new Date().toISOString()}, node ${process.version})`);

  if (args.build && (wants('startup') || wants('load'))) {
    log('building dist/ (npm run build)…');
    const build = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed; fix it or pass --no-build');
  }

  let dataDir: string | undefined;
  if (wants('startup')) {
    log('startup: first and warm start…');
    const report = await runStartupBench(log);
    dataDir = report.dataDir;
    printStartup(report);
    writeResult('startup', report);
  }
  if (wants('load')) {
    log('load: peers setup (bench/peers/setup.sh)…');
    spawnSync('bash', ['bench/peers/setup.sh'], { stdio: ['ignore', 'ignore', 'inherit'] });
    log('load: baseline, API routes, peers, mixed load, auth overhead…');
    dataDir ??= mkdtempSync(path.join(tmpdir(), 'datalive-bench-'));
    const report = await runLoadBench({
      dataDir,
      durationSeconds: args.durationSeconds,
      warmupSeconds: 1,
      redisUrl: args.redisUrl,
      log,
    });
    printLoad(report);
    writeResult('load', report);
  }
  if (dataDir && !args.keep) rmSync(dataDir, { recursive: true, force: true });
  else if (dataDir) log(`kept the data directory and server logs: ${dataDir}`);
  if (wants('rag')) {
    log('rag: retrieval benchmark…');
    const report = await runRetrievalBench(log);
    printRag(report);
    writeResult('rag', report);
  }
  if (wants('forecast')) {
    log('forecast: npx tsx bench/forecast/volve.ts --json --no-families …');
    const child = spawnSync('npx', ['tsx', 'bench/forecast/volve.ts', '--json', '--no-families'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 600_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    if (child.status === 0) {
      printForecast(JSON.parse(child.stdout) as ForecastOutput);
      log('wrote bench/results/forecast-volve.json (by bench/forecast/volve.ts)');
    } else {
      console.log(
        `\n## forecast\n\nskipped: bench/forecast/volve.ts exited with ${child.status ?? child.signal}`,
      );
    }
  }
  console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
