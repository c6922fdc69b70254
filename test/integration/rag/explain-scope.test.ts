import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../../src/domain/dates.js';
import { demoIncident } from '../../../src/domain/demo/incidents.js';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import { DEMO_DOCUMENT_DIRS, type Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';

const END_DATE = '2025-06-15';

interface Scope {
  intent: string;
  sites: string[];
  assets: string[];
  products: string[];
  periods: Array<{ from: string; to: string; label: string }>;
  breakdown: string | null;
}

describe('/rag/explain scope and site allow-list on questions', () => {
  let stores: TestStores;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let key: string;
  let siteAKey: string;
  const tripDay = demoIncident(END_DATE, 'INC-CMP-TRIP-B')?.start_date as string;

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    ({ services, app } = await buildTestApp(stores));
    await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
    key = (await services.keys.create({ name: 'ops', scopes: ['rag:explain'], rateTier: 'premium' }))
      .plaintext;
    siteAKey = (
      await services.keys.create({
        name: 'site-a',
        scopes: ['rag:explain'],
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

  const ask = (question: string, apiKey = key, extra: Record<string, unknown> = {}) =>
    app.request('/rag/explain', {
      method: 'POST',
      headers: { 'X-API-Key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ question, ...extra }),
    });

  it('carries the scope of a change question: its site, its day and a breakdown by cause', async () => {
    const response = await ask(`Why was Site B under plan on ${tripDay}?`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { scope: Scope; abstained: boolean };
    expect(body.abstained).toBe(false);
    expect(body.scope).toEqual({
      intent: 'explain_change',
      sites: ['SITE-B'],
      assets: [],
      products: ['oil'],
      periods: [{ from: tripDay, to: tripDay, label: tripDay }],
      breakdown: 'cause',
    });
  });

  it('marks a question about the future as a forecast, and sends the scope in the final SSE event', async () => {
    const response = await ask('What is the oil forecast for Site B next week?', key, { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    const final = text.split('\n\n').find((block) => block.startsWith('event: final'));
    const data = JSON.parse(
      final
        ?.split('\n')
        .find((line) => line.startsWith('data: '))
        ?.slice(6) ?? '{}',
    );
    const scope = data.scope as Scope;
    expect(scope.intent).toBe('forecast');
    expect(scope.sites).toEqual(['SITE-B']);
    expect(scope.products).toEqual(['oil']);
    expect(scope.periods).toHaveLength(1);
    expect(scope.periods[0]?.from > END_DATE).toBe(true);
  });

  it('falls back to the period the facts used when the question names no date', async () => {
    const body = (await (await ask('Why is Site B under plan?')).json()) as { scope: Scope };
    expect(body.scope.periods).toEqual([{ from: END_DATE, to: END_DATE, label: 'latest day with data' }]);
  });

  it.each([
    [false, `Why was Site B under plan on ${tripDay}?`, 'site SITE-B'],
    [true, `Why was Site B under plan on ${tripDay}?`, 'site SITE-B'],
    [false, `What happened to CMP-B1 on ${addDays(tripDay, -1)}?`, 'asset CMP-B1'],
  ])(
    'answers 403 when the question names what the key may not read (stream %s)',
    async (stream, question, what) => {
      const response = await ask(question, siteAKey, { stream });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as { code: string; detail: string; param: string };
      expect(problem).toMatchObject({ code: 'site_forbidden', param: 'question' });
      expect(problem.detail).toContain(what);
    },
  );

  it('answers the same key about its own site', async () => {
    const response = await ask(`Why did Site A lose oil on ${tripDay}?`, siteAKey);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { scope: Scope }).scope.sites).toEqual(['SITE-A']);
  });
});
