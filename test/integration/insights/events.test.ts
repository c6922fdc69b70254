import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../../src/domain/dates.js';
import { generateDemoDataset } from '../../../src/domain/demo/generate.js';
import { demoIncident } from '../../../src/domain/demo/incidents.js';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import { lostInRange } from '../../../src/domain/insights/events.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

const END_DATE = '2025-06-15';

interface EventRow {
  event_id: string;
  site_id: string;
  asset_id: string;
  asset_name: string;
  asset_type: string;
  product_id: string | null;
  unit: string | null;
  start_ts: string;
  end_ts: string;
  duration_hours: number;
  cause_code: string;
  cause_category: string;
  lost_volume: number | null;
  lost_volume_in_range: number | null;
  description: string | null;
}
interface EventsBody {
  data: EventRow[];
  meta: { count: number; query_ids: string[]; period: { from: string; to: string } };
  links: { next: string | null };
}

describe('GET /insights/events on the demo data', () => {
  let stores: TestStores;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let key: string;
  let siteAKey: string;
  const dataset = generateDemoDataset({ endDate: END_DATE });
  const assetSite = new Map(dataset.assets.map((asset) => [asset.asset_id, asset.site_id]));
  const trip = demoIncident(END_DATE, 'INC-CMP-TRIP-B');

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    ({ services, app } = await buildTestApp(stores));
    key = (await services.keys.create({ name: 'ops', scopes: ['insights:read'], rateTier: 'premium' }))
      .plaintext;
    siteAKey = (
      await services.keys.create({
        name: 'site-a',
        scopes: ['insights:read'],
        siteAllowlist: ['SITE-A'],
        rateTier: 'premium',
      })
    ).plaintext;
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const get = (path: string, apiKey = key) => app.request(path, { headers: { 'X-API-Key': apiKey } });
  const json = async (path: string, apiKey = key): Promise<EventsBody> => {
    const response = await get(path, apiKey);
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as EventsBody;
  };
  const overlapping = (from: string, to: string) =>
    dataset.downtime_events.filter(
      (event) => event.start_ts < `${to}T23:59:59.999` && event.end_ts > `${from}T00:00:00`,
    );

  it('lists every event overlapping the range with its equipment, cause and loss, oldest first', async () => {
    const from = addDays(END_DATE, -29);
    const body = await json(`/insights/events?from=${from}&to=${END_DATE}&limit=10000`);
    const expected = overlapping(from, END_DATE);
    expect(expected.length).toBeGreaterThan(3);
    expect(body.data.map((event) => event.event_id).sort()).toEqual(
      expected.map((event) => event.event_id).sort(),
    );
    expect(body.meta.period).toEqual({ from, to: END_DATE });
    expect(body.meta.count).toBe(expected.length);
    const starts = body.data.map((event) => `${event.start_ts}|${event.event_id}`);
    expect(starts).toEqual([...starts].sort());
    for (const event of body.data) {
      const source = expected.find((candidate) => candidate.event_id === event.event_id);
      expect(event.site_id).toBe(assetSite.get(event.asset_id));
      expect(event.cause_code).toBe(source?.cause_code);
      expect(event.lost_volume).toBe(source?.lost_volume);
      expect(event.asset_name.length).toBeGreaterThan(0);
      expect(event.duration_hours).toBeCloseTo(
        (Date.parse(`${event.end_ts}Z`) - Date.parse(`${event.start_ts}Z`)) / 3_600_000,
        2,
      );
      if (event.lost_volume !== null) {
        expect(event.lost_volume_in_range).toBeCloseTo(lostInRange(event, from, END_DATE), 3);
      }
    }
  });

  it('shows the compressor trip on its day with the compressor as the stopped equipment', async () => {
    const body = await json(`/insights/events?date=${trip?.start_date}&site=SITE-B`);
    const tripRows = body.data.filter((event) => event.cause_code === 'CMP-TRIP');
    expect(tripRows.length).toBeGreaterThan(1);
    expect(tripRows.every((event) => event.site_id === 'SITE-B')).toBe(true);
    expect(
      tripRows.some((event) => event.product_id === null && event.asset_id === trip?.root_asset_id),
    ).toBe(true);
    const oilOnly = await json(`/insights/events?date=${trip?.start_date}&site=SITE-B&product=oil`);
    expect(oilOnly.data.length).toBeGreaterThan(0);
    expect(oilOnly.data.length).toBeLessThan(body.data.length);
    expect(oilOnly.data.every((event) => event.product_id === null || event.product_id === 'oil')).toBe(true);
    expect(oilOnly.data.filter((event) => event.product_id === 'oil').every((e) => e.unit === 'bbl')).toBe(
      true,
    );
  });

  it('pages with links.next to the same events as one page, and filters by cause category', async () => {
    const from = addDays(END_DATE, -89);
    const whole = await json(`/insights/events?from=${from}&to=${END_DATE}&limit=10000`);
    const seen: string[] = [];
    let next: string | null = `/insights/events?from=${from}&to=${END_DATE}&limit=3`;
    let pages = 0;
    while (next) {
      const page = await json(next);
      expect(page.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.data.map((event) => event.event_id));
      next = page.links.next;
      pages += 1;
    }
    expect(pages).toBeGreaterThan(2);
    expect(seen).toEqual(whole.data.map((event) => event.event_id));

    const planned = await json(`/insights/events?from=${from}&to=${END_DATE}&cause_category=planned`);
    expect(planned.data.length).toBeGreaterThan(0);
    expect(planned.data.every((event) => event.cause_category === 'planned')).toBe(true);
    expect(planned.data.length).toBe(whole.data.filter((e) => e.cause_category === 'planned').length);
  });

  it("keeps to the key's sites: other sites are absent, and asking for one is 403", async () => {
    const from = addDays(END_DATE, -89);
    const body = await json(`/insights/events?from=${from}&to=${END_DATE}&limit=10000`, siteAKey);
    expect(body.data.length).toBeGreaterThan(0);
    expect(body.data.every((event) => event.site_id === 'SITE-A')).toBe(true);
    const forbidden = await get(`/insights/events?site=SITE-B`, siteAKey);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'site_forbidden' });
  });

  it('answers CSV with the documented columns, and 400 for a bad cursor or category', async () => {
    const csv = await get(`/insights/events?date=${trip?.start_date}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect((await csv.text()).split('\r\n')[0]).toBe(
      'event_id,site_id,asset_id,asset_name,asset_type,product_id,unit,start_ts,end_ts,duration_hours,cause_code,cause_category,lost_volume,lost_volume_in_range,description',
    );
    for (const path of ['/insights/events?cursor=bm9wZQ', '/insights/events?cause_category=maybe']) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
    }
  });

  it('is in the OpenAPI document and in the catalog of insight types', async () => {
    const catalog = (await (await get('/insights')).json()) as { insight_types: Array<{ path: string }> };
    expect(catalog.insight_types.map((type) => type.path)).toContain('/insights/events');
    const document = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string }> } }>;
    };
    const names = document.paths['/insights/events']?.get?.parameters?.map((parameter) => parameter.name);
    expect(names).toEqual(
      expect.arrayContaining(['from', 'to', 'site', 'cause_category', 'limit', 'cursor']),
    );
  });
});
