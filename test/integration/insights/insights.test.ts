import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIncident } from '../../../src/domain/demo/incidents.js';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import { compareBinary } from '../../../src/domain/insights/daily.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

const END_DATE = '2025-06-15';
type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

interface Contributor {
  member: string;
  change: number;
  favourable: boolean;
}
interface VarianceBody {
  data: { total: { change: number; change_pct: number }; contributors: Contributor[]; detractors: string[] };
}

const milli = (value: number) => Math.round(value * 1000);

describe('/insights on the demo data', () => {
  let stores: TestStores;
  let services: Services;
  let app: App;
  let key: string;
  let siteBKey: string;
  const trip = demoIncident(END_DATE, 'INC-CMP-TRIP-B');
  const outage = demoIncident(END_DATE, 'INC-PWR-OUT-C');

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    ({ services, app } = await buildTestApp(stores));
    key = (await services.keys.create({ name: 'bi', scopes: ['insights:read'], rateTier: 'premium' }))
      .plaintext;
    siteBKey = (
      await services.keys.create({
        name: 'site-b',
        scopes: ['insights:read'],
        siteAllowlist: ['SITE-B'],
        rateTier: 'premium',
      })
    ).plaintext;
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const get = (path: string, apiKey = key, headers: Record<string, string> = {}) =>
    app.request(path, { headers: { 'X-API-Key': apiKey, ...headers } });
  const json = async <T>(path: string, apiKey = key): Promise<T> => {
    const response = await get(path, apiKey);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as T;
  };

  it('describes metrics, dimensions and freshness in the catalog', async () => {
    const body = await json<{
      data: { as_of: string };
      dimensions: Array<{ name: string; members?: unknown[] }>;
    }>('/insights');
    expect(body.data.as_of).toBe(END_DATE);
    expect(body.dimensions.find((dimension) => dimension.name === 'site')?.members).toHaveLength(3);
  });

  it('puts the compressor trip on its own daily rows, the same whether read in one page or many', async () => {
    interface DailyBody {
      data: Array<{
        date: string;
        asset_id: string;
        product_id: string;
        downtime_events: number;
        cause_codes: string;
        lost_volume: number;
      }>;
      links: { next: string | null };
    }
    const start = trip?.start_date as string;
    const from = new Date(Date.parse(start) - 2 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.parse(start) + 2 * 86_400_000).toISOString().slice(0, 10);
    const whole = await json<DailyBody>(`/insights/daily?from=${from}&to=${to}&site=SITE-B&limit=1000`);
    expect(whole.links.next).toBeNull();
    const tripRows = whole.data.filter((row) => row.cause_codes.split(';').includes('CMP-TRIP'));
    expect(tripRows.length).toBeGreaterThan(0);
    expect(tripRows.every((row) => row.downtime_events >= 1)).toBe(true);
    expect(tripRows.some((row) => row.lost_volume > 0)).toBe(true);
    expect(tripRows.some((row) => row.date === start)).toBe(true);
    expect(
      whole.data.filter((row) => row.date < start).some((row) => row.cause_codes.includes('CMP-TRIP')),
    ).toBe(false);

    const paged: DailyBody['data'] = [];
    let next: string | null = `/insights/daily?from=${from}&to=${to}&site=SITE-B&limit=7`;
    while (next) {
      const url = new URL(next, 'http://localhost');
      const page: DailyBody = await json<DailyBody>(`${url.pathname}${url.search}`);
      paged.push(...page.data);
      next = page.links.next;
    }
    expect(paged).toEqual(whole.data);
  });

  it('shows the compressor trip in variance by cause, and Site B about 12 % under plan that day', async () => {
    expect(trip).toBeDefined();
    const date = trip?.start_date as string;
    const body = await json<VarianceBody>(
      `/insights/variance?date=${date}&site=SITE-B&by=cause&compare=plan`,
    );
    expect(body.data.total.change_pct).toBeLessThan(-10);
    expect(body.data.total.change_pct).toBeGreaterThan(-15);
    const cmp = body.data.contributors.find((contributor) => contributor.member === 'CMP-TRIP');
    expect(cmp?.change).toBeLessThan(0);
    expect(body.data.detractors[0]).toBe('CMP-TRIP');
    expect(body.data.contributors.map((contributor) => contributor.member)).toContain('unexplained');
  });

  it.each(['site', 'asset', 'product', 'cause'] as const)(
    'reconciles contributors to the total exactly (by=%s)',
    async (by) => {
      const product = by === 'product' ? '&product=oil,water' : '';
      const body = await json<VarianceBody>(
        `/insights/variance?from=2025-05-01&to=2025-05-31&compare=previous_period&by=${by}${product}`,
      );
      const sum = body.data.contributors.reduce((total, contributor) => total + milli(contributor.change), 0);
      expect(sum).toBe(milli(body.data.total.change));
      expect(body.data.contributors.length).toBeGreaterThan(1);
    },
  );

  it('rejects by=product over products with different units', async () => {
    const response = await get('/insights/variance?date=2025-06-14&by=product');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_parameter', param: 'product' });
  });

  it('flags the power outage day at Site C as an anomaly with the PWR-OUT event', async () => {
    const date = outage?.start_date as string;
    const body = await json<{
      data: Array<{ date: string; member: string; direction: string; events: Array<{ cause_code: string }> }>;
    }>(`/insights/anomalies?from=2025-05-01&to=${END_DATE}&product=oil`);
    const hit = body.data.find((anomaly) => anomaly.date === date && anomaly.member === 'SITE-C');
    expect(hit?.direction).toBe('drop');
    expect(hit?.events.map((event) => event.cause_code)).toContain('PWR-OUT');
    expect(body.data.filter((anomaly) => anomaly.member === 'SITE-A' && anomaly.date === date)).toHaveLength(
      0,
    );
  });

  it('returns the same rows as CSV and JSON', async () => {
    const query = '/insights/daily?from=2025-06-10&to=2025-06-11&site=SITE-B&limit=10000';
    const body = await json<{ data: Array<Record<string, unknown>> }>(query);
    const csv = await (await get(`${query}&format=csv`)).text();
    const [header, ...lines] = csv.trimEnd().split('\r\n');
    const columns = (header as string).split(',');
    expect(lines).toHaveLength(body.data.length);
    lines.forEach((line, index) => {
      const row = body.data[index] as Record<string, unknown>;
      const cells = line.split(',');
      columns.forEach((column, position) => {
        const value = row[column];
        expect(cells[position]).toBe(value === null ? '' : String(value));
      });
    });
  });

  it('pages with links.next until every row has been seen exactly once', async () => {
    const all = await json<{ data: unknown[] }>('/insights/daily?from=2025-06-01&to=2025-06-03&limit=10000');
    let next: string | null = '/insights/daily?from=2025-06-01&to=2025-06-03&limit=25';
    const seen: Array<[string, string, string]> = [];
    while (next) {
      const page: {
        data: Array<{ date: string; asset_id: string; product_id: string }>;
        links: { next: string | null };
      } = await json(next);
      seen.push(
        ...page.data.map((row): [string, string, string] => [row.date, row.asset_id, row.product_id]),
      );
      next = page.links.next;
    }
    expect(seen).toHaveLength(all.data.length);
    expect(new Set(seen.map((key) => key.join('|'))).size).toBe(seen.length);
    const inKeyOrder = [...seen].sort(
      (left, right) =>
        compareBinary(left[0], right[0]) ||
        compareBinary(left[1], right[1]) ||
        compareBinary(left[2], right[2]),
    );
    expect(seen).toEqual(inKeyOrder);
  });

  it('answers 304 for a matching ETag', async () => {
    const first = await get('/insights/daily?date=2025-06-14');
    const etag = first.headers.get('etag') as string;
    expect(etag).toBeTruthy();
    const second = await get('/insights/daily?date=2025-06-14', key, { 'If-None-Match': etag });
    expect(second.status).toBe(304);
  });

  it('keeps a site-restricted key inside its sites, in SQL', async () => {
    const rows = await json<{ data: Array<{ site_id: string }> }>(
      '/insights/daily?date=2025-06-14&limit=10000',
      siteBKey,
    );
    expect(rows.data.length).toBeGreaterThan(0);
    expect(new Set(rows.data.map((row) => row.site_id))).toEqual(new Set(['SITE-B']));
    const variance = await json<VarianceBody>('/insights/variance?date=2025-06-14&by=site', siteBKey);
    expect(variance.data.contributors.map((contributor) => contributor.member)).toEqual(['SITE-B']);
    const forbidden = await get('/insights/daily?site=SITE-A', siteBKey);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'site_forbidden' });
  });

  it.each([
    ['/insights/daily?from=2025-06-15&to=2025-06-01', 'to'],
    ['/insights/daily?from=2020-01-01&to=2025-06-01', 'to'],
    ['/insights/daily?date=2025-02-30', 'date'],
    ['/insights/daily?date=yesterday', 'date'],
    ['/insights/daily?site=NOPE', 'site'],
    ["/insights/daily?site=SITE-A'%20OR%201=1--", 'site'],
    ['/insights/daily?limit=0', 'limit'],
    ['/insights/daily?cursor=garbage', 'cursor'],
    ['/insights/variance?compare=budget', 'compare'],
    ['/insights/anomalies?sensitivity=extreme', 'sensitivity'],
  ])('answers %s with 400 naming %s', async (path, param) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { param: string }).param).toBe(param);
  });

  it('ranks a digest with plain statements and numbers', async () => {
    const body = await json<{
      data: Array<{ rank: number; type: string; statement: string; numbers: object }>;
    }>(`/insights/digest?date=${trip?.start_date}`);
    expect(body.data[0]?.rank).toBe(1);
    expect(new Set(body.data.map((insight) => insight.type))).toEqual(
      expect.objectContaining({ size: expect.any(Number) }),
    );
    expect(body.data.some((insight) => insight.type === 'pace_to_plan')).toBe(true);
    expect(
      body.data.some((insight) => insight.type === 'top_detractor' && insight.statement.includes('WELL-B')),
    ).toBe(true);
  });
});

describe('/insights/forecast through the app', () => {
  it('serves the demo warehouse forecast only when asked (it cannot be scored out of sample), the built-in model otherwise', async () => {
    const stores = await openTestStores();
    try {
      await seedDemoData(stores.warehouse, { endDate: END_DATE });
      const { services, app } = await buildTestApp(stores);
      try {
        const key = (await services.keys.create({ name: 'f', scopes: ['insights:read'] })).plaintext;
        const get = (path: string) => app.request(path, { headers: { 'X-API-Key': key } });
        const auto = (await (await get('/insights/forecast?site=SITE-B&horizon=30')).json()) as {
          data: { source: string; selection: { candidates: Array<{ source: string; eligible: boolean }> } };
        };
        expect(auto.data.source).toBe('builtin');
        expect(auto.data.selection.candidates.find((c) => c.source === 'warehouse')?.eligible).toBe(false);
        const warehouse = (await (
          await get('/insights/forecast?site=SITE-B&horizon=30&source=warehouse')
        ).json()) as {
          data: { source: string; points: Array<{ date: string; p10: number; p50: number; p90: number }> };
        };
        expect(warehouse.data.source).toBe('warehouse');
        expect(warehouse.data.points[0]?.date).toBe('2025-06-16');
        const builtin = (await (await get('/insights/forecast?asset=WELL-C03&horizon=120')).json()) as {
          data: { source: string; model: string; points: Array<{ p10: number; p50: number; p90: number }> };
        };
        expect(builtin.data.source).toBe('builtin');
        expect(builtin.data.points).toHaveLength(120);
        expect(builtin.data.points.every((point) => point.p10 <= point.p50 && point.p50 <= point.p90)).toBe(
          true,
        );
        expect((await get('/insights/forecast?site=SITE-B&horizon=181')).status).toBe(400);
      } finally {
        await services.close();
      }
    } finally {
      await stores.db.close();
      await stores.warehouse.close();
    }
  });
});
