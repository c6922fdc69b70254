import { parseArgs } from 'node:util';
import {
  type BacktestReport,
  ForecastInputError,
  formatBacktestTable,
  type NamedSeries,
  parseHorizonList,
  runBacktestAsync,
} from '../../domain/forecast/index.js';
import { type Catalog, readCatalog } from '../../domain/insights/catalog.js';
import { readScopeSeries } from '../../domain/insights/forecast.js';
import { compileProductionAggregate, type InsightFilters } from '../../domain/insights/query.js';
import { loadSemanticModel, type SemanticModel } from '../../domain/insights/semantic.js';
import type { Warehouse } from '../../ports/warehouse.js';
import { type CliIo, type Command, UsageError } from '../command.js';
import { createProgress, type Progress } from '../progress.js';
import { resourcesOf } from '../resources.js';

/** A series to backtest: one asset or the sum of one site's assets. */
export interface SeriesSpec {
  kind: 'asset' | 'site';
  id: string;
}

const SPEC_PATTERN = /^(asset|site):([A-Za-z0-9 ._/-]+)$/;

/** Parses `asset:WELL-A01,site:SITE-B`; throws `UsageError` on anything else. */
export function parseSeriesSpecs(text: string): SeriesSpec[] {
  const specs = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (specs.length === 0) throw new UsageError('--series needs at least one asset:ID or site:ID');
  return specs.map((spec) => {
    const match = SPEC_PATTERN.exec(spec);
    if (!match) {
      throw new UsageError(
        `--series: "${spec.slice(0, 80)}" is not asset:ID or site:ID (e.g. asset:WELL-A01)`,
      );
    }
    return { kind: match[1] as SeriesSpec['kind'], id: match[2]! };
  });
}

const specLabel = (spec: SeriesSpec): string => `${spec.kind}:${spec.id}`;

function parseStep(text: string): number {
  const step = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(step >= 1 && step <= 365))
    throw new UsageError(`--step must be a whole number of days in 1–365, got "${text}"`);
  return step;
}

/** Every asset with production of the product, as `asset:ID` specs. */
async function producingAssets(
  warehouse: Warehouse,
  model: SemanticModel,
  filters: InsightFilters,
): Promise<SeriesSpec[]> {
  const query = compileProductionAggregate(model, ['actual_volume'], ['asset'], filters);
  const { rows } = await warehouse.query<{ asset: string; actual_volume: number | null }>(
    query.sql,
    query.params,
  );
  return rows.filter((row) => row.actual_volume !== null).map((row) => ({ kind: 'asset', id: row.asset }));
}

function checkKnown(specs: readonly SeriesSpec[], catalog: Catalog): void {
  const unknown = specs.filter((spec) =>
    (spec.kind === 'asset' ? catalog.assets : catalog.sites).every((member) => member.id !== spec.id),
  );
  if (unknown.length === 0) return;
  const known = (kind: SeriesSpec['kind']) =>
    (kind === 'asset' ? catalog.assets : catalog.sites)
      .slice(0, 12)
      .map((member) => `${kind}:${member.id}`)
      .join(', ');
  throw new UsageError(
    `unknown series ${unknown.map(specLabel).join(', ')}; known: ${known(unknown[0]!.kind)}` +
      ((unknown[0]!.kind === 'asset' ? catalog.assets : catalog.sites).length > 12 ? ', …' : ''),
  );
}

/**
 * The series `datalive backtest` scores, read from the warehouse exactly as `GET /insights/forecast` reads
 * them ({@link readScopeSeries}): the requested assets or sites, or every asset with production of the
 * product. The bench (`bench/forecast/volve.ts`) calls this too, so both report the same figures.
 * Throws `UsageError` for an unknown product or series.
 */
export async function readBacktestSeries(
  warehouse: Warehouse,
  model: SemanticModel,
  catalog: Catalog,
  options: { product: string; requested: readonly SeriesSpec[] | null },
): Promise<NamedSeries[]> {
  const { product, requested } = options;
  if (!catalog.asOf || !catalog.firstDate) {
    throw new Error('the warehouse has no production data; load some first (datalive seed-demo or load-csv)');
  }
  if (!catalog.products.some((member) => member.id === product)) {
    throw new UsageError(
      `unknown product "${product.slice(0, 80)}"; known: ${catalog.products.map((member) => member.id).join(', ')}`,
    );
  }
  const everything: InsightFilters = {
    from: catalog.firstDate,
    to: catalog.asOf,
    products: [product],
    allowedSites: null,
  };
  if (requested) checkKnown(requested, catalog);
  const specs = requested ?? (await producingAssets(warehouse, model, everything));
  if (specs.length === 0) throw new Error(`no asset has ${product} production to backtest`);
  const series: NamedSeries[] = [];
  for (const spec of specs) {
    const { points } = await readScopeSeries(warehouse, model, {
      ...everything,
      ...(spec.kind === 'asset' ? { assets: [spec.id] } : { sites: [spec.id] }),
    });
    if (points.length === 0) throw new Error(`series ${specLabel(spec)} has no ${product} production`);
    series.push({ id: specLabel(spec), points });
  }
  return series;
}

/** A progress bar over backtest origins, created on the first report (the total is known only then). */
function originProgress(io: CliIo): { update(done: number, total: number): void; stop(): void } {
  let progress: Progress | undefined;
  let reported = 0;
  return {
    update(done, total) {
      progress ??= createProgress(io, 'backtest', total);
      progress.tick(done - reported);
      reported = done;
    },
    stop: () => progress?.stop(),
  };
}

/**
 * `datalive backtest`: rolling-origin backtest of the built-in forecasting models on series read from the
 * configured warehouse (each asset, or a site's assets summed), per series and in aggregate: MASE, sMAPE,
 * bias and interval coverage of the selected model against naive, seasonal naive and the 7-day mean.
 */
export const backtestCommand: Command = {
  name: 'backtest',
  summary: 'Backtest the built-in forecasts on warehouse series (MASE, sMAPE, bias, coverage vs naive)',
  usage:
    'datalive backtest [--series asset:ID,site:ID,...] [--horizons 7,30,90] [--product oil] [--step 7] [--interval 0.8] [--families] [--json]',
  async run(context) {
    const { args, io, config } = context;
    const { values } = parseArgs({
      args,
      options: {
        series: { type: 'string' },
        horizons: { type: 'string', default: '7,30,90' },
        product: { type: 'string' },
        step: { type: 'string', default: '7' },
        interval: { type: 'string', default: '0.8' },
        json: { type: 'boolean', default: false },
        families: { type: 'boolean', default: false },
      },
      strict: true,
    });
    let horizons: number[];
    try {
      horizons = parseHorizonList(values.horizons);
    } catch (error) {
      if (error instanceof ForecastInputError) throw new UsageError(`--horizons: ${error.message}`);
      throw error;
    }
    const originStep = parseStep(values.step);
    const interval = Number(values.interval);
    if (!(interval >= 0.5 && interval <= 0.98)) {
      throw new UsageError(`--interval must be between 0.5 and 0.98, got "${values.interval}"`);
    }
    const requested = values.series === undefined ? null : parseSeriesSpecs(values.series);

    const settings = config();
    const lease = await resourcesOf(context).warehouse(settings);
    const warehouse = lease.value;
    try {
      const model = loadSemanticModel();
      const catalog = await readCatalog(warehouse, model);
      const product = values.product ?? model.default_product;
      const series = await readBacktestSeries(warehouse, model, catalog, { product, requested });

      const started = performance.now();
      const progress = originProgress(io);
      let report: BacktestReport;
      try {
        report = await runBacktestAsync(series, {
          horizons,
          interval,
          originStep,
          yieldEvery: 10,
          scoreEveryModel: values.families,
          onProgress: progress.update,
        });
      } finally {
        progress.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      if (values.json) {
        io.out(
          JSON.stringify(
            {
              product,
              as_of: catalog.asOf,
              warehouse: warehouse.kind,
              series: series.map((item) => ({ id: item.id, days: item.points.length })),
              report,
            },
            null,
            2,
          ),
        );
      } else {
        io.out(formatBacktestTable(report));
      }
      io.err(
        `backtest: ${series.length} series of ${product} up to ${catalog.asOf} in ${seconds.toFixed(1)} s`,
      );
      return 0;
    } finally {
      await lease.release();
    }
  },
};
