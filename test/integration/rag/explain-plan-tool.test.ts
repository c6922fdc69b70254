import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConverseLlm } from '../../../src/adapters/bedrock/converse-llm.js';
import { seedDemoData } from '../../../src/domain/demo/seed.js';
import { PLAN_TOOL_NAME, planJsonSchema } from '../../../src/domain/rag/explain/plan/schema.js';
import { DEMO_DOCUMENT_DIRS, type Services } from '../../../src/services.js';
import { type FakeBedrock, startFakeBedrock } from '../../support/fake-bedrock.js';
import { buildTestApp, openTestStores, type TestStores } from '../../support/services.js';
import { clientFor, FAST_RETRY } from '../bedrock/helpers.js';

const END_DATE = '2025-06-15';

interface Scope {
  intent: string;
  sites: string[];
  assets: string[];
  products: string[];
  periods: Array<{ from: string; to: string; label: string }>;
  breakdown: string | null;
}

interface Body {
  answer: string;
  abstained: boolean;
  degraded: boolean;
  scope: Scope;
  facts: Array<{ id: string; value: number; source?: { path: string; params: Record<string, string> } }>;
  verification: { ok: boolean };
}

describe('/rag/explain plans questions through Converse tool use (real SDK, local wire-format server)', () => {
  let stores: TestStores;
  let fake: FakeBedrock;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let key: string;

  const ask = async (question: string, extra: Record<string, unknown> = {}) => {
    const response = await app.request('/rag/explain', {
      method: 'POST',
      headers: { 'X-API-Key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ question, ...extra }),
    });
    return response;
  };

  beforeAll(async () => {
    stores = await openTestStores();
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
    fake = await startFakeBedrock();
    const llm = new ConverseLlm({
      client: clientFor(fake),
      modelId: 'anthropic.claude-test',
      retry: FAST_RETRY,
    });
    ({ services, app } = await buildTestApp({ ...stores, llm }));
    key = (await services.keys.create({ name: 'ops', scopes: ['rag:explain'], rateTier: 'premium' }))
      .plaintext;
    await services.rag.ingestPaths(DEMO_DOCUMENT_DIRS, { exclude: ['README.md'] });
  });
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await services?.close();
    await fake?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  it('sends the plan schema as a forced tool and answers with the plan the model recorded', async () => {
    fake.script(
      {
        operation: 'converse',
        toolUse: {
          name: PLAN_TOOL_NAME,
          input: {
            language: 'en',
            intent: 'total',
            products: ['gas'],
            sites: ['Sierra Alta'],
            periods: [{ from: '2025-05-01', to: '2025-05-31', label: 'May' }],
          },
        },
      },
      { operation: 'converse', text: 'No figures here.' },
      { operation: 'converse', text: 'Still none.' },
    );
    const response = await ask('how much did the mountain plant make the month before this one');
    const body = (await response.json()) as Body;
    const planCall = fake.requestsFor('converse')[0]?.body as {
      toolConfig: {
        tools: Array<{ toolSpec: { name: string; inputSchema: { json: unknown } } }>;
        toolChoice: unknown;
      };
    };
    expect(planCall.toolConfig.tools[0]?.toolSpec.name).toBe(PLAN_TOOL_NAME);
    expect(planCall.toolConfig.tools[0]?.toolSpec.inputSchema.json).toEqual(planJsonSchema());
    expect(planCall.toolConfig.toolChoice).toEqual({ tool: { name: PLAN_TOOL_NAME } });
    expect(body.scope).toEqual({
      intent: 'total',
      sites: ['SITE-B'],
      assets: [],
      products: ['gas'],
      periods: [{ from: '2025-05-01', to: '2025-05-31', label: 'May' }],
      breakdown: null,
    });
    const [total] = await stores.warehouse
      .query<{ v: number }>(
        `SELECT SUM(p.actual_volume) AS v FROM analytics.production_daily p JOIN analytics.assets a USING (asset_id)
          WHERE a.site_id = 'SITE-B' AND p.product_id = 'gas' AND p.date BETWEEN DATE '2025-05-01' AND DATE '2025-05-31'`,
      )
      .then((result) => result.rows);
    expect(body.facts[0]?.value).toBeCloseTo(Number(total?.v), 2);
    expect(body.facts[0]?.source).toEqual({
      path: '/insights/daily',
      params: { from: '2025-05-01', to: '2025-05-31', site: 'SITE-B', product: 'gas' },
    });
    expect(body.degraded).toBe(true);
    expect(body.verification.ok).toBe(true);
  });

  it.each([
    ['an intent outside the enum', { language: 'en', intent: 'dance', periods: [] }],
    [
      'a period with its ends swapped',
      { language: 'en', intent: 'total', periods: [{ from: '2025-06-10', to: '2025-06-01', label: 'x' }] },
    ],
    ['no tool call at all', undefined],
  ])('falls back to the deterministic plan on %s', async (_case, input) => {
    fake.script(
      input === undefined
        ? { operation: 'converse', text: '{"intent":"total"}' }
        : { operation: 'converse', toolUse: { name: PLAN_TOOL_NAME, input } },
    );
    fake.respondWith({ text: 'Nothing grounded.' });
    const response = await ask('Which well produced the most oil at Site A last month?');
    const body = (await response.json()) as Body;
    expect(body.scope.intent).toBe('rank');
    expect(body.scope.sites).toEqual(['SITE-A']);
    expect(body.scope.periods).toEqual([{ from: '2025-05-01', to: '2025-05-31', label: 'last month' }]);
    expect(body.scope.breakdown).toBe('asset');
    expect(body.answer).toMatch(/WELL-A0\d/);
  });

  it('streams the answer after a tool-use plan and carries the scope in the final event', async () => {
    fake.script(
      {
        operation: 'converse',
        toolUse: {
          name: PLAN_TOOL_NAME,
          input: {
            language: 'es',
            intent: 'compare',
            sites: ['SITE-C'],
            products: ['oil'],
            periods: [
              { from: '2025-06-01', to: '2025-06-15', label: 'este mes' },
              { from: '2025-05-01', to: '2025-05-31', label: 'el mes pasado' },
            ],
          },
        },
      },
      {
        operation: 'converse-stream',
        text: 'Río Claro produjo [D1] este mes y [D2] el mes pasado; cambio [D3].',
      },
    );
    const response = await ask('¿Cómo va el sitio C este mes con el mes pasado?', { stream: true });
    const text = await response.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map(
      (match) => [match[1], match[2]] as const,
    );
    expect(events.filter(([name]) => name === 'delta').length).toBeGreaterThan(3);
    const final = JSON.parse(events.at(-1)?.[1] as string) as Body;
    expect(events.at(-1)?.[0]).toBe('final');
    expect(final.scope.intent).toBe('compare');
    expect(final.scope.periods.map((period) => period.label)).toEqual(['este mes', 'el mes pasado']);
    expect(final.degraded).toBe(false);
    expect(final.verification.ok).toBe(true);
    expect(fake.requestsFor('converse-stream')).toHaveLength(1);
  });
});
