import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCsv } from '../../../src/domain/importer/index.js';
import { ForecastService } from '../../../src/domain/insights/forecast.js';
import { loadSemanticModel } from '../../../src/domain/insights/semantic.js';
import { InsightsService } from '../../../src/domain/insights/service.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

describe('the Volve import end to end', () => {
  let stores: TestStores;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let key: string;

  beforeAll(async () => {
    stores = await openTestStores();
    await loadCsv(stores.warehouse, {
      mapping: await import('node:fs').then((fs) =>
        fs.readFileSync('docs/examples/volve.mapping.yaml', 'utf8'),
      ),
      filePath: '../shared/data/volve/volve_daily_production.csv',
    });
    ({ services, app } = await buildTestApp(stores));
    key = (await services.keys.create({ name: 'volve', scopes: ['insights:read'], rateTier: 'premium' }))
      .plaintext;
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const get = (path: string) => app.request(path, { headers: { 'X-API-Key': key } });

  it('answers compare=plan with a clear problem, since Volve has no plan', async () => {
    const response = await get(
      '/insights/variance?from=2014-01-01&to=2014-12-31&site=VOLVE&by=asset&compare=plan',
    );
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'unprocessable', param: 'compare' });
  });

  it('computes a previous-period variance by well that reconciles', async () => {
    const response = await get(
      '/insights/variance?from=2014-01-01&to=2014-12-31&by=asset&compare=previous_period&product=oil',
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      data: {
        unit: string;
        total: { current: number; change: number };
        contributors: Array<{ member: string; change: number }>;
      };
    };
    expect(body.data.unit).toBe('Sm3');
    const sum = body.data.contributors.reduce(
      (total, contributor) => total + Math.round(contributor.change * 1000),
      0,
    );
    expect(sum).toBe(Math.round(body.data.total.change * 1000));
    expect(body.data.contributors.map((contributor) => contributor.member)).toContain('15/9-F-12');
  });

  it('shows data-quality flags on rows and in meta', async () => {
    const response = await get('/insights/daily?date=2012-08-13&product=water&limit=100');
    const body = (await response.json()) as {
      data: Array<{ asset_id: string; actual_volume: number; quality_flags: string }>;
      meta: { quality_flags: Record<string, number> };
    };
    const negative = body.data.filter((row) => row.quality_flags.includes('negative_volume'));
    expect(negative.map((row) => row.asset_id).sort()).toEqual(['15/9-F-12', '15/9-F-14']);
    expect(negative.every((row) => row.actual_volume < 0)).toBe(true);
    expect(body.meta.quality_flags.negative_volume).toBe(2);
    const catalog = (await (await get('/insights')).json()) as {
      data: { quality_flags: Record<string, number> };
    };
    expect(catalog.data.quality_flags).toMatchObject({ negative_volume: 4 });
  });

  it('forecasts the field and a well from their last day, 2016-09-17, naming the model choice', async () => {
    for (const scope of ['site=VOLVE', `asset=${encodeURIComponent('15/9-F-12')}`]) {
      const response = await get(`/insights/forecast?${scope}&horizon=30`);
      expect(response.status, await response.clone().text()).toBe(200);
      const body = (await response.json()) as {
        data: {
          as_of: string;
          points: Array<{ date: string; p10: number; p50: number; p90: number }>;
          selection: {
            chosen: string;
            origins: number;
            candidates: Array<{ model: string; mase: number | null }>;
          };
        };
      };
      expect(body.data.points[0]!.date > body.data.as_of).toBe(true);
      expect(body.data.points).toHaveLength(30);
      expect(body.data.selection.origins).toBeGreaterThan(100);
      expect(body.data.selection.candidates.find((c) => c.model === 'naive')?.mase).toBeGreaterThan(0);
      if (scope === 'site=VOLVE') expect(body.data.as_of).toBe('2016-09-17');
    }
  });

  it('still forecasts Volve from 2016 once newer data of another site is loaded', async () => {
    await stores.warehouse.execute("INSERT INTO analytics.sites VALUES ('SITE-NEW', 'New', 'Test', 'UTC')");
    await stores.warehouse.execute(
      "INSERT INTO analytics.assets VALUES ('NEW-1', 'New well', 'SITE-NEW', 'well', 'Sm3')",
    );
    await stores.warehouse.execute(
      "INSERT INTO analytics.production_daily VALUES (CAST('2026-11-30' AS DATE), 'NEW-1', 'oil', 10, NULL, 24, NULL)",
    );
    const fresh = new ForecastService(
      services.warehouse,
      new InsightsService(services.warehouse, loadSemanticModel(), { cacheTtlMs: 1 }),
      { cacheTtlMs: 1 },
    );
    const filters = await fresh.resolveScope({ site: ['VOLVE'] }, null);
    const forecast = (await fresh.forecast({ filters, horizon: 7, interval: 0.8 })).value;
    expect(forecast.as_of).toBe('2016-09-17');
    expect(forecast.points[0]!.date).toBe('2016-09-18');
    expect(forecast.notes.join(' ')).toMatch(
      /ends on 2016-09-17, before the warehouse's last day 2026-11-30/,
    );
  });
});
