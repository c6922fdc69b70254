/**
 * Volve rolling-origin backtest of the forecasting domain, plus fit timings.
 *
 *   npx tsx bench/forecast/volve.ts [--json] [--strict] [--no-families] [--horizons 7,30,90] [--step 7] [--series "15/9-F-12,15/9-F-14"]
 *                                   [--csv path] [--out bench/results/forecast-volve.json] [--no-timing]
 *
 * Series: producing wellbores (FLOW_KIND=production, WELL_TYPE=OP), daily oil BORE_OIL_VOL with ON_STREAM_HRS,
 * from first oil on; shut-in days stay in the series and are scored. Prints the table (or the JSON report
 * with --json), checks the acceptance targets and writes the JSON report to --out.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { openDuckDbWarehouse } from '../../src/adapters/duckdb/duckdb-warehouse.js';
import { readBacktestSeries } from '../../src/cli/commands/backtest.js';
import {
  type BacktestReport,
  forecastMany,
  forecastSeries,
  formatBacktestTable,
  parseHorizonList,
  runBacktestAsync,
  selectSeries,
} from '../../src/domain/forecast/index.js';
import { loadCsv } from '../../src/domain/importer/index.js';
import { readCatalog } from '../../src/domain/insights/catalog.js';
import { loadSemanticModel } from '../../src/domain/insights/semantic.js';
import { VOLVE_DAILY_PATH, type VolveSeries } from './volve-data.js';

/**
 * The Volve oil series of every producing well, read the way `datalive backtest` and the API read them:
 * the CSV imported with docs/examples/volve.mapping.yaml into an in-memory DuckDB, then one series per asset.
 */
async function loadVolveThroughWarehouse(csv: string): Promise<VolveSeries[]> {
  const warehouse = await openDuckDbWarehouse({ path: ':memory:', timeoutMs: 120_000 });
  try {
    await loadCsv(warehouse, {
      mapping: readFileSync('docs/examples/volve.mapping.yaml', 'utf8'),
      filePath: csv,
    });
    const model = loadSemanticModel();
    const catalog = await readCatalog(warehouse, model);
    const series = await readBacktestSeries(warehouse, model, catalog, { product: 'oil', requested: null });
    return series.map((item) => ({ id: item.id.replace(/^asset:/, ''), points: [...item.points] }));
  } finally {
    await warehouse.close();
  }
}

interface Arguments {
  json: boolean;
  /** Exit with 1 when a target is missed. */
  strict: boolean;
  timing: boolean;
  horizons: number[];
  step: number;
  series: string[];
  csv: string;
  out: string;
}

function parseArguments(argv: readonly string[]): Arguments {
  const value = (name: string): string | undefined => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  return {
    json: argv.includes('--json'),
    strict: argv.includes('--strict'),
    timing: !argv.includes('--no-timing'),
    horizons: parseHorizonList(value('horizons') ?? '7,30,90'),
    step: Number(value('step') ?? 7),
    series: (value('series') ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== ''),
    csv: value('csv') ?? VOLVE_DAILY_PATH,
    out: value('out') ?? 'bench/results/forecast-volve.json',
  };
}

interface Check {
  target: string;
  value: number;
  pass: boolean;
}

/** The targets of issue 21 on the aggregate "error at day h" (MASE@h) and the P10–P90 coverage at h. */
function acceptanceChecks(report: BacktestReport): Check[] {
  const checks: Check[] = [];
  for (const scores of report.aggregate) {
    const ratio = scores.ratioToNaive.selected;
    if (scores.horizon === 7)
      checks.push({ target: 'MASE@7 ≤ 0.90 × naive', value: ratio, pass: ratio <= 0.9 });
    if (scores.horizon === 30)
      checks.push({ target: 'MASE@30 ≤ 0.80 × naive', value: ratio, pass: ratio <= 0.8 });
    const coverage = scores.atHorizon.selected.coverage;
    checks.push({
      target: `P10–P90 coverage @h at ${scores.horizon} d within 75–85 %`,
      value: coverage,
      pass: coverage >= 0.75 && coverage <= 0.85,
    });
  }
  return checks;
}

/** Minimum scored origins for a series to count in the equal-weight sensitivity aggregate. */
const MIN_SERIES_ORIGINS = 20;

/**
 * Sensitivity of the headline to its weighting: every series (with enough origins) weighs the same,
 * ratio = mean over series of MASE(selected) / mean over series of MASE(naive).
 */
function equalWeightRatios(report: BacktestReport) {
  return report.horizons.map((horizon, index) => {
    const kept = report.series
      .map((item) => item.horizons[index]!)
      .filter((scores) => scores.atHorizon.naive.origins >= MIN_SERIES_ORIGINS);
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    return {
      horizon,
      series: kept.length,
      ratioAtHorizon:
        mean(kept.map((scores) => scores.atHorizon.selected.mase)) /
        mean(kept.map((scores) => scores.atHorizon.naive.mase)),
      ratioOverWindow:
        mean(kept.map((scores) => scores.overWindow.selected.mase)) /
        mean(kept.map((scores) => scores.overWindow.naive.mase)),
    };
  });
}

interface Timing {
  series: string;
  days: number;
  horizon: number;
  medianMs: number;
  maxMs: number;
  runs: number;
}

/** Wall time of `forecastSeries` on whole series (the longest wells), median of several runs. */
function fitTimings(series: readonly VolveSeries[], horizons: readonly number[]): Timing[] {
  const longest = [...series].sort((left, right) => right.points.length - left.points.length).slice(0, 2);
  const timings: Timing[] = [];
  for (const item of longest) {
    for (const horizon of horizons) {
      const samples: number[] = [];
      for (let run = 0; run < 7; run++) {
        const started = performance.now();
        forecastSeries(item.points, { horizon });
        samples.push(performance.now() - started);
      }
      samples.sort((left, right) => left - right);
      timings.push({
        series: item.id,
        days: item.points.length,
        horizon,
        medianMs: samples[3]!,
        maxMs: samples[samples.length - 1]!,
        runs: samples.length,
      });
    }
  }
  return timings;
}

/** Forecasts every well of the field as one "site" with `forecastMany` and records the event-loop delay. */
async function siteTiming(series: readonly VolveSeries[], horizon: number) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  const results = await forecastMany(series, { horizon });
  const totalMs = performance.now() - started;
  histogram.disable();
  return {
    wells: series.length,
    horizon,
    totalMs,
    maxEventLoopDelayMs: histogram.max / 1e6,
    p99EventLoopDelayMs: histogram.percentile(99) / 1e6,
    failed: results.filter((result) => result.error).map((result) => `${result.id}: ${result.error?.code}`),
  };
}

const args = parseArguments(process.argv.slice(2));
const series = selectSeries(await loadVolveThroughWarehouse(args.csv), args.series);
const progress = new cliProgress.SingleBar(
  { format: 'backtest [{bar}] {percentage}% | {value}/{total} origins | {series}', stream: process.stderr },
  cliProgress.Presets.shades_classic,
);
const started = performance.now();
progress.start(1, 0, { series: '' });
const report = await runBacktestAsync(series, {
  horizons: args.horizons,
  originStep: args.step,
  yieldEvery: 20,
  scoreEveryModel: !process.argv.includes('--no-families'),
  onProgress: (done, total) => {
    progress.setTotal(total);
    progress.update(done);
  },
});
progress.stop();
const backtestSeconds = (performance.now() - started) / 1000;
const checks = acceptanceChecks(report);
const equalWeight = equalWeightRatios(report);
const timings = args.timing ? fitTimings(series, [30, 90]) : [];
const site = args.timing ? await siteTiming(series, 30) : null;

const output = {
  generatedAt: new Date().toISOString(),
  command: `npx tsx bench/forecast/volve.ts ${process.argv.slice(2).join(' ')}`.trim(),
  data: { file: args.csv, series: series.map((item) => ({ id: item.id, days: item.points.length })) },
  definition: {
    errorAtHorizon:
      "MASE@h: |P50 − actual| on day h after the origin divided by the origin's in-sample one-step naive MAE, " +
      'averaged over all series-origins; ratio = MASE@h(method) / MASE@h(naive) on the same origins.',
    errorOverWindow: 'MASE 1..h: the same with the MAE over days 1..h of each origin.',
    scoredDays:
      'every day with a row in the file, shut-in (zero) days included; days without a row are skipped.',
  },
  backtestSeconds,
  checks,
  equalWeight,
  timings,
  site,
  report,
};
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, `${JSON.stringify(output, null, 2)}\n`);

if (args.json) {
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
} else {
  console.log(formatBacktestTable(report));
  console.log(`\nequal weight per series (series with >= ${MIN_SERIES_ORIGINS} origins), selected ÷ naive:`);
  for (const entry of equalWeight) {
    console.log(
      `  ${String(entry.horizon).padStart(3)} d: MASE@h ${entry.ratioAtHorizon.toFixed(3)}, ` +
        `MASE 1..h ${entry.ratioOverWindow.toFixed(3)} (${entry.series} series)`,
    );
  }
  console.log(`\nbacktest: ${backtestSeconds.toFixed(1)} s for ${series.length} series`);
  for (const timing of timings) {
    console.log(
      `fit ${timing.series} (${timing.days} days, horizon ${timing.horizon}): median ${timing.medianMs.toFixed(1)} ms, ` +
        `max ${timing.maxMs.toFixed(1)} ms over ${timing.runs} runs`,
    );
  }
  if (site) {
    console.log(
      `site forecast (${site.wells} wells, horizon ${site.horizon}, forecastMany): ${site.totalMs.toFixed(0)} ms total, ` +
        `max event-loop delay ${site.maxEventLoopDelayMs.toFixed(1)} ms` +
        (site.failed.length > 0 ? `; rejected: ${site.failed.join('; ')}` : ''),
    );
  }
  console.log('\nacceptance:');
  for (const check of checks)
    console.log(`  ${check.pass ? 'PASS' : 'FAIL'}  ${check.target}: ${check.value.toFixed(3)}`);
  console.log(`\nJSON written to ${args.out}`);
}
if (args.strict && checks.some((check) => !check.pass)) process.exitCode = 1;
