import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../../src/domain/dates.js';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import { DomainError } from '../../../src/domain/errors.js';
import { MODEL_NAMES } from '../../../src/domain/forecast/index.js';
import { ForecastService, type ScopeForecast } from '../../../src/domain/insights/forecast.js';
import { loadSemanticModel } from '../../../src/domain/insights/semantic.js';
import { InsightsService } from '../../../src/domain/insights/service.js';
import type { AppEnv } from '../../../src/http/context.js';
import { handleError, validationProblem } from '../../../src/http/errors.js';
import { problemResponse } from '../../../src/http/problem.js';
import type { Warehouse } from '../../../src/ports/warehouse.js';
import { forecastRoute } from '../../../src/routes/insights/forecast.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

const END_DATE = '2025-06-15';
const TINY_ASSET = 'WELL-Z01';

interface ForecastBody {
  data: Omit<ScopeForecast, 'query_ids'>;
  meta: { as_of: string; cache_hit: boolean; query_ids: string[] };
}

interface VintageRow {
  date: string;
  asset: string;
  p10: number;
  p50: number;
  p90: number;
  generated: string;
}

/** The generation day of the newest vintage. */
function lastVintage(rows: readonly VintageRow[]): string {
  return rows.reduce((latest, row) => (row.generated > latest ? row.generated : latest), '').slice(0, 10);
}

interface ProblemBody {
  status: number;
  code: string;
  detail: string;
  param?: string;
}

/** A warehouse that counts the statements it runs. */
function countingWarehouse(inner: Warehouse): Warehouse & { statements: number } {
  const counting = {
    kind: inner.kind,
    statements: 0,
    query: ((sql, params, options) => {
      counting.statements++;
      return inner.query(sql, params, options);
    }) as Warehouse['query'],
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return counting;
}

function expectOrderedQuantiles(forecast: Pick<ScopeForecast, 'points'>): void {
  for (const point of forecast.points) {
    expect(point.p10).toBeLessThanOrEqual(point.p50);
    expect(point.p50).toBeLessThanOrEqual(point.p90);
    expect(point.p10).toBeGreaterThanOrEqual(0);
  }
}

function expectDailyDatesAfter(forecast: Pick<ScopeForecast, 'points'>, asOf: string, horizon: number): void {
  expect(forecast.points).toHaveLength(horizon);
  forecast.points.forEach((point, index) => {
    expect(point.date).toBe(addDays(asOf, index + 1));
  });
}

describe('forecasts on the demo data', () => {
  let stores: TestStores;
  let services: Services;
  let forecasts: ForecastService;
  let app: OpenAPIHono<AppEnv>;

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    await stores.warehouse.execute(
      "INSERT INTO analytics.sites VALUES ('SITE-Z', 'Site Z — test pad', 'Test', 'UTC')",
    );
    await stores.warehouse.execute(
      `INSERT INTO analytics.assets VALUES ('${TINY_ASSET}', 'Tiny well', 'SITE-Z', 'well', 'bbl')`,
    );
    for (let offset = 4; offset >= 0; offset--) {
      await stores.warehouse.execute(
        "INSERT INTO analytics.production_daily VALUES (CAST(? AS DATE), ?, 'oil', ?, NULL, 24, NULL)",
        [addDays(END_DATE, -offset), TINY_ASSET, 100 + offset],
      );
    }
    ({ services } = await buildTestApp(stores));
    forecasts = new ForecastService(services.warehouse, services.insights, { cacheTtlMs: 60_000 });

    app = new OpenAPIHono<AppEnv>({
      defaultHook: (result, c) => {
        if (!result.success) return problemResponse(c, validationProblem(result.error, result.target));
      },
    });
    const wired = { ...services, forecasts };
    app.use(async (c, next) => {
      const sites = c.req.header('x-test-sites');
      c.set('services', wired);
      c.set('requestId', 'test');
      c.set('event', {});
      c.set('principal', {
        keyId: 'test-key',
        name: 'test',
        env: 'dev',
        scopes: ['insights:read'],
        rateTier: 'premium',
        siteAllowlist: sites ? sites.split(',') : null,
      });
      await next();
    });
    app.route('/', forecastRoute);
    app.onError(handleError);
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const siteFilters = (site: string) => forecasts.resolveScope({ site: [site] }, null);

  describe('ForecastService', () => {
    it('leaves out the demo warehouse rows, all generated after the days they forecast, and says why', async () => {
      const forecast = (
        await forecasts.forecast({ filters: await siteFilters('SITE-B'), horizon: 30, interval: 0.8 })
      ).value;
      expect(forecast.source).toBe('builtin');
      expect(forecast.as_of).toBe(END_DATE);
      expectDailyDatesAfter(forecast, END_DATE, 30);
      expectOrderedQuantiles(forecast);
      const warehouse = forecast.selection.candidates.find((candidate) => candidate.source === 'warehouse');
      expect(warehouse).toMatchObject({ model: 'warehouse', eligible: false, mase: null });
      expect(warehouse?.note).toMatch(/generated after the day they forecast/);
      const builtins = forecast.selection.candidates.filter((candidate) => candidate.source === 'builtin');
      expect(builtins.map((candidate) => candidate.model)).toEqual([...MODEL_NAMES]);
      const scored = builtins.filter((candidate) => candidate.eligible);
      expect(scored.every((candidate) => candidate.origins === forecast.selection.origins)).toBe(true);
      const best = Math.min(...scored.map((candidate) => candidate.mase ?? Number.POSITIVE_INFINITY));
      expect(scored.find((candidate) => candidate.model === forecast.model)?.mase).toBe(best);
      expect(forecast.selection).toMatchObject({
        chosen: forecast.model,
        metric: 'mase_1_to_h',
        horizon_days: 30,
      });
      expect(forecast.selection.origins).toBeGreaterThan(100);
      expect(forecast.selection.last_origin! <= END_DATE).toBe(true);
      expect(forecast.selection.reason).toMatch(/MASE/);
    });

    it('serves the demo warehouse rows when asked, with the band as issued and flagged', async () => {
      const forecast = (
        await forecasts.forecast({
          filters: await siteFilters('SITE-B'),
          horizon: 30,
          interval: 0.8,
          source: 'warehouse',
        })
      ).value;
      expect(forecast.source).toBe('warehouse');
      expect(forecast.model_version).toBe('demo-v1');
      expect(forecast.interval_calibration).toBe('as_issued');
      expect(forecast.notes.join(' ')).toMatch(/cannot be scored out of sample/);
      const { rows } = await stores.warehouse.query<{ p10: number; p50: number; p90: number }>(
        `SELECT SUM(f.p10) AS p10, SUM(f.p50) AS p50, SUM(f.p90) AS p90 FROM analytics.forecast_daily f
           JOIN analytics.assets a ON a.asset_id = f.asset_id
          WHERE a.site_id = 'SITE-B' AND f.product_id = 'oil' AND f.date = CAST(? AS DATE)`,
        [addDays(END_DATE, 1)],
      );
      expect(forecast.points[0]?.p50).toBeCloseTo(rows[0]?.p50 ?? Number.NaN, 6);
      expect(forecast.points[0]?.p10).toBeCloseTo(rows[0]?.p10 ?? Number.NaN, 6);
      expect(forecast.history_days).toBeGreaterThan(700);
    });

    it('fits the built-in models when asked, scored out of sample', async () => {
      const result = await forecasts.forecast({
        filters: await forecasts.resolveScope({ asset: ['WELL-A01'] }, null),
        horizon: 30,
        interval: 0.8,
        source: 'builtin',
      });
      const forecast = result.value;
      expect(forecast.source).toBe('builtin');
      expect(MODEL_NAMES).toContain(forecast.model);
      expect(forecast.model_version).toBeNull();
      expect(forecast.fitted_at).toBe(END_DATE);
      expect(forecast.selection.candidates.some((candidate) => candidate.source === 'warehouse')).toBe(false);
      expectDailyDatesAfter(forecast, END_DATE, 30);
      expectOrderedQuantiles(forecast);
      expect(forecast.interval_calibration).toBe('conformal');
      expect(forecast.backtest?.method).toBe('selection_out_of_sample');
      for (const metric of ['mase', 'smape', 'bias', 'coverage'] as const) {
        expect(Number.isFinite(forecast.backtest?.[metric])).toBe(true);
      }
      expect(forecast.backtest?.horizon_days).toBe(30);
      expect(forecast.backtest?.origins).toBe(forecast.selection.origins);
    });

    it('uses the built-in models beyond the 90 days the warehouse covers', async () => {
      const forecast = (
        await forecasts.forecast({ filters: await siteFilters('SITE-A'), horizon: 120, interval: 0.8 })
      ).value;
      expect(forecast.source).toBe('builtin');
      const warehouse = forecast.selection.candidates.find((candidate) => candidate.source === 'warehouse');
      expect(warehouse?.note).toMatch(/no complete rows for the days to forecast/);
      expectDailyDatesAfter(forecast, END_DATE, 120);
      expectOrderedQuantiles(forecast);
    });

    it('uses the built-in models for an interval other than 0.8, whose bounds widen with it', async () => {
      const filters = await siteFilters('SITE-C');
      const wide = (await forecasts.forecast({ filters, horizon: 14, interval: 0.95 })).value;
      const narrow = (await forecasts.forecast({ filters, horizon: 14, interval: 0.6, source: 'builtin' }))
        .value;
      expect(wide.source).toBe('builtin');
      expect(wide.interval).toBe(0.95);
      const width = (forecast: ScopeForecast) =>
        forecast.points.reduce((sum, point) => sum + point.upper - point.lower, 0);
      expect(width(wide)).toBeGreaterThan(width(narrow));
    });

    it('caches results and shares one computation between concurrent identical requests', async () => {
      const counting = countingWarehouse(services.warehouse);
      const service = new ForecastService(counting, services.insights, { cacheTtlMs: 60_000 });
      const filters = await siteFilters('SITE-B');
      const request = { filters, horizon: 45, interval: 0.8, source: 'builtin' as const };
      const [first, second] = await Promise.all([service.forecast(request), service.forecast(request)]);
      const statementsOfOne = counting.statements;
      expect(statementsOfOne).toBeGreaterThan(0);
      expect(second.value).toBe(first.value);
      expect([first.cacheHit, second.cacheHit].sort()).toEqual([false, true]);
      const third = await service.forecast(request);
      expect(third.cacheHit).toBe(true);
      expect(third.etag).toBe(first.etag);
      expect(counting.statements).toBe(statementsOfOne);
      const other = await service.forecast({ ...request, horizon: 46 });
      expect(other.cacheHit).toBe(false);
      expect(other.etag).not.toBe(first.etag);
    });

    it('rejects a series too short to fit as unprocessable and bad parameters as invalid', async () => {
      const tiny = await forecasts.resolveScope({ asset: [TINY_ASSET] }, null);
      const error = await forecasts.forecast({ filters: tiny, horizon: 7, interval: 0.8 }).catch((e) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'unprocessable', extras: { reason: 'series_too_short' } });
      expect((error as Error).message).toMatch(/asset WELL-Z01 \(oil\).*producing days/);

      const filters = await siteFilters('SITE-A');
      await expect(forecasts.forecast({ filters, horizon: 0, interval: 0.8 })).rejects.toMatchObject({
        code: 'invalid_parameter',
        extras: { param: 'horizon' },
      });
      await expect(
        forecasts.forecast({ filters, horizon: 7, interval: 0.9, source: 'warehouse' }),
      ).rejects.toMatchObject({ code: 'invalid_parameter', extras: { param: 'interval' } });
      await expect(
        forecasts.forecast({ filters, horizon: 120, interval: 0.8, source: 'warehouse' }),
      ).rejects.toMatchObject({ code: 'unprocessable', extras: { param: 'source' } });
    });
  });

  describe('GET /insights/forecast', () => {
    const get = (query: string, headers: Record<string, string> = {}) =>
      app.request(`/insights/forecast?${query}`, { headers });
    const problem = async (query: string, headers: Record<string, string> = {}) => {
      const response = await get(query, headers);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      return { status: response.status, body: (await response.json()) as ProblemBody };
    };

    it('answers a site forecast with its selection, meta, ETag and 304', async () => {
      const response = await get('site=SITE-A&horizon=7');
      expect(response.status, await response.clone().text()).toBe(200);
      const body = (await response.json()) as ForecastBody;
      expect(body.data.source).toBe('builtin');
      expect(body.data.as_of).toBe(END_DATE);
      expect(body.data.selection.chosen).toBe(body.data.model);
      expect(body.data.horizon).toBe(7);
      expectDailyDatesAfter(body.data, END_DATE, 7);
      expectOrderedQuantiles(body.data);
      expect(body.meta.as_of).toBe(END_DATE);
      expect(body.meta.query_ids.length).toBeGreaterThan(0);
      const etag = response.headers.get('etag') as string;
      expect(etag).toBeTruthy();
      const again = await get('site=SITE-A&horizon=7', { 'If-None-Match': etag });
      expect(again.status).toBe(304);
    });

    it('answers the built-in source for an asset, and the points as CSV', async () => {
      const response = await get('asset=WELL-B02&product=oil&source=builtin&horizon=10&interval=0.9');
      expect(response.status, await response.clone().text()).toBe(200);
      const body = (await response.json()) as ForecastBody;
      expect(body.data.source).toBe('builtin');
      expect(body.data.interval).toBe(0.9);
      expect(body.data.backtest?.mase).toBeGreaterThan(0);
      expectOrderedQuantiles(body.data);

      const csv = await get('asset=WELL-B02&product=oil&source=builtin&horizon=10&interval=0.9&format=csv');
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      const lines = (await csv.text()).trim().split('\r\n');
      expect(lines[0]).toBe('date,p10,p50,p90,lower,upper');
      expect(lines).toHaveLength(11);
      expect(lines[1]?.startsWith(`${addDays(END_DATE, 1)},`)).toBe(true);
    });

    it.each([
      ['site=SITE-A&horizon=0', 'horizon'],
      ['site=SITE-A&horizon=181', 'horizon'],
      ['site=SITE-A&horizon=7.5', 'horizon'],
      ['site=SITE-A&interval=1.5', 'interval'],
      ['site=SITE-A&source=magic', 'source'],
    ])('rejects %s with 400 naming %s', async (query, param) => {
      const { status, body } = await problem(query);
      expect(status).toBe(400);
      expect(body.code).toBe('invalid_parameter');
      expect(body.param).toBe(param);
    });

    it('requires exactly one site or asset with a single id', async () => {
      for (const query of [
        'site=SITE-A&asset=WELL-A01',
        'horizon=7',
        'site=SITE-A,SITE-B',
        'asset=WELL-A01&product=oil,gas',
      ]) {
        const { status, body } = await problem(query);
        expect(status, query).toBe(400);
        expect(body.code).toBe('invalid_parameter');
        expect(body.detail).toMatch(/exactly one of site or asset|single id/);
      }
    });

    it('rejects an unknown asset with 400 and a series too short with 422', async () => {
      const unknown = await problem('asset=WELL-NOPE');
      expect(unknown.status).toBe(400);
      expect(unknown.body.code).toBe('unknown_member');
      expect(unknown.body.detail).toContain('WELL-NOPE');

      const tiny = await problem(`asset=${TINY_ASSET}`);
      expect(tiny.status).toBe(422);
      expect(tiny.body.code).toBe('unprocessable');
      expect(tiny.body.detail).toMatch(/producing days/);
    });

    it('refuses a site or an asset outside the key allow-list with 403', async () => {
      const site = await problem('site=SITE-A', { 'x-test-sites': 'SITE-B' });
      expect(site.status).toBe(403);
      expect(site.body.code).toBe('site_forbidden');
      const asset = await problem('asset=WELL-A01', { 'x-test-sites': 'SITE-B' });
      expect(asset.status).toBe(403);
      const allowed = await get('site=SITE-B&horizon=3', { 'x-test-sites': 'SITE-B' });
      expect(allowed.status).toBe(200);
    });
  });

  describe('warehouse forecasts as candidates', () => {
    const serviceFor = (version: string) =>
      new ForecastService(
        services.warehouse,
        new InsightsService(services.warehouse, loadSemanticModel(), {
          cacheTtlMs: 60_000,
          forecastVersion: version,
        }),
        { cacheTtlMs: 60_000 },
      );

    it('chooses a warehouse forecast issued ahead of time when it beats the built-in models, and re-calibrates its band', async () => {
      const actuals = await siteActuals('SITE-B', addDays(END_DATE, -470));
      const rows: VintageRow[] = [];
      for (
        let generated = addDays(END_DATE, -434);
        generated <= END_DATE;
        generated = addDays(generated, 7)
      ) {
        for (let ahead = 1; ahead <= 60; ahead++) {
          const date = addDays(generated, ahead);
          for (const [asset, byDate] of actuals) {
            const truth = byDate.get(date) ?? byDate.get(END_DATE)!;
            const p50 = truth * (ahead % 2 === 0 ? 1.002 : 0.998);
            rows.push({
              date,
              asset,
              p10: 0.5 * p50,
              p50,
              p90: 1.5 * p50,
              generated: `${generated} 06:00:00`,
            });
          }
        }
      }
      await insertForecastRows('ahead-v2', rows);
      const forecast = (
        await serviceFor('ahead-v2').forecast({
          filters: await siteFilters('SITE-B'),
          horizon: 30,
          interval: 0.8,
        })
      ).value;
      expect(forecast.source).toBe('warehouse');
      expect(forecast.model).toBe('warehouse');
      expect(forecast.model_version).toBe('ahead-v2');
      expect(forecast.selection.reason).toMatch(/lowest out-of-sample MASE/);
      const warehouse = forecast.selection.candidates.find((candidate) => candidate.source === 'warehouse')!;
      const naive = forecast.selection.candidates.find((candidate) => candidate.model === 'naive')!;
      expect(warehouse.eligible).toBe(true);
      expect(warehouse.origins).toBe(naive.origins);
      expect(warehouse.mase!).toBeLessThan(naive.mase!);
      expect(warehouse.issued_coverage!).toBeGreaterThan(0.95);
      expect(forecast.interval_calibration).toBe('conformal');
      expect(forecast.notes.join(' ')).toMatch(/re-calibrated \(split-conformal\)/);
      const first = rows.filter(
        (row) => row.date === addDays(END_DATE, 1) && row.generated.startsWith(lastVintage(rows)),
      );
      const issuedWidth = first.reduce((sum, row) => sum + row.p90 - row.p10, 0);
      expect(forecast.points[0]!.upper - forecast.points[0]!.lower).toBeLessThan(issuedWidth / 2);
      const issuedP50 = first.reduce((sum, row) => sum + row.p50, 0);
      expect(Math.abs(forecast.points[0]!.p50 / issuedP50 - 1)).toBeLessThan(0.01);
    });

    it('never lets a forecast that is perfect only in sample (rows written after the days) win', async () => {
      const actuals = await siteActuals('SITE-B', addDays(END_DATE, -400));
      const rows: VintageRow[] = [];
      for (let date = addDays(END_DATE, -400); date <= addDays(END_DATE, 30); date = addDays(date, 1)) {
        for (const [asset, byDate] of actuals) {
          const value = date <= END_DATE ? (byDate.get(date) ?? 0) : 3 * byDate.get(END_DATE)!;
          rows.push({ date, asset, p10: value, p50: value, p90: value, generated: `${END_DATE} 23:00:00` });
        }
      }
      await insertForecastRows('hindcast-v3', rows);
      const forecast = (
        await serviceFor('hindcast-v3').forecast({
          filters: await siteFilters('SITE-B'),
          horizon: 30,
          interval: 0.8,
        })
      ).value;
      expect(forecast.source).toBe('builtin');
      const warehouse = forecast.selection.candidates.find((candidate) => candidate.source === 'warehouse')!;
      expect(warehouse).toMatchObject({ eligible: false, mase: null });
      expect(warehouse.note).toMatch(/generated after the day they forecast/);
      const builtin = forecast.selection.candidates.find((candidate) => candidate.model === forecast.model)!;
      expect(builtin.mase!).toBeGreaterThan(0);
    });

    /** Oil actuals per asset and date of one site from `from` on. */
    async function siteActuals(site: string, from: string): Promise<Map<string, Map<string, number>>> {
      const { rows } = await stores.warehouse.query<{
        date: string;
        asset_id: string;
        actual_volume: number;
      }>(
        `SELECT CAST(p.date AS VARCHAR) AS date, p.asset_id, p.actual_volume FROM analytics.production_daily p
           JOIN analytics.assets a ON a.asset_id = p.asset_id
          WHERE a.site_id = ? AND p.product_id = 'oil' AND p.date >= CAST(? AS DATE)`,
        [site, from],
      );
      const byAsset = new Map<string, Map<string, number>>();
      for (const row of rows) {
        const byDate = byAsset.get(row.asset_id) ?? new Map<string, number>();
        byDate.set(row.date, row.actual_volume);
        byAsset.set(row.asset_id, byDate);
      }
      return byAsset;
    }

    async function insertForecastRows(version: string, rows: readonly VintageRow[]): Promise<void> {
      for (let start = 0; start < rows.length; start += 400) {
        const chunk = rows.slice(start, start + 400);
        await stores.warehouse.execute(
          `INSERT INTO analytics.forecast_daily VALUES ${chunk
            .map(() => "(CAST(? AS DATE), ?, 'oil', ?, ?, ?, ?, CAST(? AS TIMESTAMP))")
            .join(', ')}`,
          chunk.flatMap((row) => [row.date, row.asset, version, row.p10, row.p50, row.p90, row.generated]),
        );
      }
    }
  });
});
