import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCsv } from '../../../src/domain/importer/index.js';
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
});
