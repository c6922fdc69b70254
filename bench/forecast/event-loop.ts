/**
 * Event-loop delay while `ForecastService` fits the built-in models for every site of the demo data.
 *
 *   npx tsx bench/forecast/event-loop.ts [--days 1461] [--horizon 90] [--runs 5] [--json]
 *                                        [--out bench/results/forecast-event-loop.json]
 *
 * Seeds an in-memory DuckDB with the demo dataset (`--days` of history ending 2025-06-15; 1461 = the four
 * years a forecast reads at most), then for each site: the pure fit time (`forecastSeries` on the site's
 * summed series, the longest synchronous block of a request) and, with `monitorEventLoopDelay`
 * (1 ms resolution), the max and p99 event-loop delay during a whole `forecast()` call (SQL + fit).
 * Then all sites at once, as concurrent requests would. The cache is disabled (TTL 0) so every call fits.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { openDuckDbWarehouse } from '../../src/adapters/duckdb/duckdb-warehouse.js';
import { addDays } from '../../src/domain/dates.js';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import { forecastSeries } from '../../src/domain/forecast/index.js';
import { ForecastService, readScopeSeries } from '../../src/domain/insights/forecast.js';
import { loadSemanticModel } from '../../src/domain/insights/semantic.js';
import { InsightsService } from '../../src/domain/insights/service.js';

const END_DATE = '2025-06-15';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const days = Number(option('days', '1461'));
const horizon = Number(option('horizon', '90'));
const runs = Math.max(1, Number(option('runs', '5')));
const out = option('out', 'bench/results/forecast-event-loop.json');
const json = process.argv.includes('--json');

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/**
 * Runs `work` while recording the event-loop delay; returns its wall time and the delay's max and p99.
 * The monitor records a stall when its next timer fires, which comes after the continuation of `work`,
 * so it stays enabled a few milliseconds longer to catch a stall at the very end of `work`.
 */
async function withDelayMonitor(work: () => Promise<unknown>) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 5));
  histogram.disable();
  return { wallMs, maxDelayMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6 };
}

const warehouse = await openDuckDbWarehouse({ path: ':memory:', timeoutMs: 30_000 });
const seeded = await seedDemoData(warehouse, { endDate: END_DATE, days });
const model = loadSemanticModel();
const insights = new InsightsService(warehouse, model, { cacheTtlMs: 0 });
const forecasts = new ForecastService(warehouse, insights, { cacheTtlMs: 0 });
const catalog = await insights.catalog();
const sites = catalog.sites.map((site) => site.id);

const perSite = [];
for (const site of sites) {
  const filters = await forecasts.resolveScope({ site: [site] }, null);
  const { points } = await readScopeSeries(warehouse, model, {
    ...filters,
    from: addDays(END_DATE, 1 - Math.min(days, 1461)),
    to: END_DATE,
  });
  forecastSeries(points, { horizon });
  const fitMs: number[] = [];
  const requests: Awaited<ReturnType<typeof withDelayMonitor>>[] = [];
  let selectedModel = '';
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    forecastSeries(points, { horizon });
    fitMs.push(performance.now() - started);
    requests.push(
      await withDelayMonitor(async () => {
        selectedModel = (await forecasts.forecast({ filters, horizon, interval: 0.8, source: 'builtin' }))
          .value.model;
      }),
    );
  }
  perSite.push({
    site,
    historyDays: points.length,
    model: selectedModel,
    fitMinMs: Math.min(...fitMs),
    fitMedianMs: median(fitMs),
    fitMaxMs: Math.max(...fitMs),
    requestMedianMs: median(requests.map((request) => request.wallMs)),
    maxDelayMs: Math.max(...requests.map((request) => request.maxDelayMs)),
    p99DelayMs: Math.max(...requests.map((request) => request.p99DelayMs)),
  });
}

const allFilters = await Promise.all(sites.map((site) => forecasts.resolveScope({ site: [site] }, null)));
const allSites = [];
for (let run = 0; run < runs; run++) {
  allSites.push(
    await withDelayMonitor(() =>
      Promise.all(
        allFilters.map((filters) =>
          forecasts.forecast({ filters, horizon, interval: 0.8, source: 'builtin' }),
        ),
      ),
    ),
  );
}
await warehouse.close();

const output = {
  generatedAt: new Date().toISOString(),
  command: `npx tsx bench/forecast/event-loop.ts ${process.argv.slice(2).join(' ')}`.trim(),
  demo: { endDate: seeded.endDate, days, productionRows: seeded.rows.production_daily },
  horizon,
  runs,
  loadAverage: loadavg(),
  perSite,
  allSitesConcurrently: {
    sites: sites.length,
    wallMedianMs: median(allSites.map((run) => run.wallMs)),
    maxDelayMs: Math.max(...allSites.map((run) => run.maxDelayMs)),
    p99DelayMs: Math.max(...allSites.map((run) => run.p99DelayMs)),
  },
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(output, null, 2)}\n`);

if (json) {
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
} else {
  const fixed = (value: number) => value.toFixed(1).padStart(7);
  console.log(
    `Built-in site forecasts, horizon ${horizon} d, demo history ${days} d to ${END_DATE}, ${runs} runs after a warm-up ` +
      `(load average ${output.loadAverage.map((value) => value.toFixed(2)).join(' ')}).`,
  );
  console.log(
    'site     days  model            fit min  fit med  fit max  request med  loop max  loop p99   (ms)',
  );
  for (const row of perSite) {
    console.log(
      `${row.site.padEnd(7)}  ${String(row.historyDays).padStart(4)}  ${row.model.padEnd(15)} ${fixed(row.fitMinMs)}  ${fixed(row.fitMedianMs)}  ${fixed(row.fitMaxMs)}  ${fixed(row.requestMedianMs).padStart(11)}  ${fixed(row.maxDelayMs).padStart(8)}  ${fixed(row.p99DelayMs).padStart(8)}`,
    );
  }
  const all = output.allSitesConcurrently;
  console.log(
    `all ${all.sites} sites concurrently: ${all.wallMedianMs.toFixed(1)} ms median, event-loop delay max ${all.maxDelayMs.toFixed(1)} ms, p99 ${all.p99DelayMs.toFixed(1)} ms`,
  );
  console.log(`JSON written to ${out}`);
}
