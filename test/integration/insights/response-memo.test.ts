import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, capturingLogger, openTestStores, type TestStores } from '../../support/services.js';

const END_DATE = '2025-06-15';
type App = Awaited<ReturnType<typeof buildTestApp>>['app'];

/** What a client sees of an answer: status, the answer's own headers and the exact body bytes. */
async function seen(response: Response) {
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    etag: response.headers.get('etag'),
    cacheControl: response.headers.get('cache-control'),
    vary: response.headers.get('vary'),
    link: response.headers.get('link'),
    hasMore: response.headers.get('x-has-more'),
    disposition: response.headers.get('content-disposition'),
    body: Buffer.from(await response.arrayBuffer()).toString('base64'),
  };
}

describe('serialized insights answers (memoizeResponses)', () => {
  let stores: TestStores;
  let services: Services;
  let app: App;
  let key: string;
  let siteBKey: string;
  const logged = capturingLogger('info');
  const memoServed = () =>
    logged.lines.filter((line) => (JSON.parse(line) as { response_memo?: boolean }).response_memo === true)
      .length;

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    ({ services, app } = await buildTestApp(stores, {}, logged.logger));
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

  it('serves the third identical request from the memo with the bytes and headers of the route’s own hit', async () => {
    const path = '/insights/daily?date=2025-06-14&site=SITE-A';
    const miss = await seen(await get(path));
    const hit = await seen(await get(path));
    const before = memoServed();
    const memoized = await seen(await get(path));
    expect(memoServed()).toBe(before + 1);
    expect(JSON.parse(Buffer.from(miss.body, 'base64').toString()).meta.cache_hit).toBe(false);
    expect(JSON.parse(Buffer.from(hit.body, 'base64').toString()).meta.cache_hit).toBe(true);
    expect(memoized).toEqual(hit);
    expect(memoized.etag).toMatch(/^".+-json"$/);
  });

  it('keeps CSV paging headers and answers If-None-Match with 304 from the memo', async () => {
    const path = '/insights/daily?from=2025-06-01&to=2025-06-14&limit=5&format=csv';
    await get(path);
    const hit = await seen(await get(path));
    const memoized = await seen(await get(path));
    expect(memoized).toEqual(hit);
    expect(memoized.link).toMatch(/rel="next"/);
    expect(memoized.hasMore).toBe('true');
    expect(memoized.contentType).toMatch(/^text\/csv/);
    const before = memoServed();
    const notModified = await get(path, key, { 'If-None-Match': memoized.etag as string });
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe('');
    expect(notModified.headers.get('etag')).toBe(memoized.etag);
    expect(memoServed()).toBe(before + 1);
  });

  it('never serves one caller’s answer to a caller who sees fewer sites', async () => {
    const everySite = '/insights/daily?date=2025-06-14';
    for (let round = 0; round < 3; round++) await get(everySite);
    const restricted = await get(everySite, siteBKey);
    expect(restricted.status).toBe(200);
    const rows = ((await restricted.json()) as { data: Array<{ site_id: string }> }).data;
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => row.site_id))).toEqual(new Set(['SITE-B']));

    const siteA = '/insights/daily?date=2025-06-14&site=SITE-A';
    for (let round = 0; round < 3; round++) await get(siteA);
    const forbidden = await get(siteA, siteBKey);
    expect(forbidden.status).toBe(403);
  });

  it('does not keep answers to requests that carry the key in the query', async () => {
    const path = `/insights/variance?date=2025-06-14&api_key=${encodeURIComponent(key)}`;
    const entries = services.responseMemo.stats.entries;
    for (let round = 0; round < 3; round++) expect((await app.request(path)).status).toBe(200);
    expect(services.responseMemo.stats.entries).toBe(entries);
  });

  it('still refuses unknown parameters on a memoized path', async () => {
    const path = '/insights/variance?date=2025-06-14&by=asset';
    for (let round = 0; round < 3; round++) expect((await get(path)).status).toBe(200);
    const typo = await get(`${path}&sitee=SITE-A`);
    expect(typo.status).toBe(400);
  });

  it('stops serving an answer once the data changes', async () => {
    const path = '/insights/daily?site=SITE-C';
    for (let round = 0; round < 3; round++) await get(path);
    const before = (await (await get(path)).json()) as { meta: { as_of: string } };
    expect(before.meta.as_of).toBe(END_DATE);
    const reseeded = await seedDemoData(stores.warehouse, { endDate: '2025-06-20', replace: true });
    expect(reseeded.seeded).toBe(true);
    services.insights.invalidate();
    const after = (await (await get(path)).json()) as { meta: { as_of: string; cache_hit: boolean } };
    expect(after.meta.as_of).toBe('2025-06-20');
    expect(after.meta.cache_hit).toBe(false);
  });
});
