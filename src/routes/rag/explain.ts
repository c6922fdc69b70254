import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { InsightsService } from '../../domain/insights/service.js';
import type { ExplainRequest } from '../../domain/rag/explain/explain-service.js';
import { planQuestion } from '../../domain/rag/explain/plan/deterministic.js';
import { INTENTS } from '../../domain/rag/explain/plan/schema.js';
import type { AppEnv } from '../../http/context.js';
import { authErrors, keySecurity } from '../../http/openapi.js';
import { ProblemError } from '../../http/problem.js';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');
const ids = z
  .array(
    z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9 ._:/-]+$/),
  )
  .min(1)
  .max(20);

const ExplainBodySchema = z
  .object({
    question: z
      .string()
      .trim()
      .min(3)
      .max(2000)
      .openapi({ example: 'Why was Site B 12 % under plan yesterday?' }),
    filters: z
      .object({
        site: ids.optional(),
        asset: ids.optional(),
        product: ids.optional(),
        from: isoDate.optional(),
        to: isoDate.optional(),
        compare: z.enum(['plan', 'forecast', 'previous_period']).optional(),
      })
      .strict()
      .optional()
      .openapi({ description: 'Explicit filters; they win over what the question says.' }),
    top_k: z.number().int().min(1).max(20).default(5),
    stream: z.boolean().default(false),
  })
  .strict()
  .openapi('ExplainRequest');

const FactSourceSchema = z
  .object({
    path: z.string().openapi({ example: '/insights/variance' }),
    params: z
      .record(z.string(), z.string())
      .openapi({ example: { site: 'SITE-B', date: '2026-12-03', by: 'cause' } }),
  })
  .openapi('FactSource', { description: 'The insights request that reproduces the figure.' });

const ScopeSchema = z
  .object({
    intent: z.enum(INTENTS),
    sites: z.array(z.string()),
    assets: z.array(z.string()),
    products: z.array(z.string()),
    periods: z
      .array(z.object({ from: z.string(), to: z.string(), label: z.string() }))
      .max(2)
      .openapi({ description: 'Zero, one or two periods, ISO dates inclusive.' }),
    breakdown: z.enum(['asset', 'site', 'product', 'cause']).nullable(),
  })
  .openapi('ExplainScope', { description: 'What the answer covers, as the question was understood.' });

const FactSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['variance', 'cause', 'anomaly', 'forecast', 'kpi', 'event']).optional(),
    label: z.string(),
    metric: z.string(),
    dims: z.record(z.string(), z.string()),
    value: z.number(),
    unit: z.string(),
    query_id: z.string(),
    as_of: z.string().nullable(),
    related: z.record(z.string(), z.number()).optional(),
    cause: z.object({ code: z.string(), category: z.string() }).optional(),
    source: FactSourceSchema.optional(),
  })
  .openapi('Fact');

const SpanSchema = z.union([
  z.object({ startLine: z.number(), endLine: z.number() }),
  z.object({ page: z.number() }),
]);

const CitationSchema = z
  .union([
    z.object({
      id: z.string(),
      kind: z.literal('data'),
      metric: z.string(),
      dims: z.record(z.string(), z.string()),
      value: z.number(),
      unit: z.string(),
      query_id: z.string(),
      as_of: z.string().nullable(),
      source: FactSourceSchema.optional(),
    }),
    z.object({
      id: z.string(),
      kind: z.literal('source'),
      title: z.string(),
      uri: z.string(),
      heading_path: z.array(z.string()),
      span: SpanSchema,
      snippet: z.string(),
      score: z.number(),
    }),
  ])
  .openapi('Citation');

const ExplainResponseSchema = z
  .object({
    answer: z.string().openapi({
      description: 'Plain language, in the language of the question, with inline [D#] and [S#] citations.',
    }),
    language: z.enum(['en', 'es']),
    scope: ScopeSchema,
    citations: z.array(CitationSchema),
    facts: z.array(FactSchema),
    confidence: z.number().min(0).max(1),
    abstained: z.boolean(),
    abstain_reason: z.string().nullable(),
    degraded: z.boolean().openapi({
      description:
        'True when the model was unavailable or failed verification and the grounded composer answered.',
    }),
    degraded_reason: z.string().nullable(),
    verification: z.object({
      ok: z.boolean(),
      citedIds: z.array(z.string()),
      unknownCitations: z.array(z.string()),
      unmatchedNumbers: z.array(z.string()),
      uncitedCauseSentences: z.array(z.string()),
    }),
    model: z.string(),
    prompt_version: z.string(),
    usage: z.object({ input_tokens: z.number(), output_tokens: z.number() }),
    timings: z.record(z.string(), z.number()),
  })
  .openapi('ExplainResponse');

const route = createRoute({
  method: 'post',
  path: '/rag/explain',
  tags: ['rag'],
  summary: 'Answer an operator question in plain language, citing numbers and documents',
  description:
    "Plans the question (intent: why, how much, which, compare, trend, forecast, events, procedure, status or out of scope; sites, assets, products, one or two calendar periods; English or Spanish; on Bedrock through tool use, validated, with the deterministic planner as fallback) and returns that reading as `scope`, gathers the intent's facts from the insights domain (each with the `source` request that reproduces it), retrieves runbook and dashboard passages, generates an answer (Bedrock Converse or the local grounded composer) and verifies it: every citation exists, every number matches a fact. With `stream: true` the response is Server-Sent Events: `delta` events with text, then one `final` event with the full response (the final answer replaces the streamed text if verification replaced it).",
  security: keySecurity,
  request: { body: { required: true, content: { 'application/json': { schema: ExplainBodySchema } } } },
  responses: {
    200: {
      description: 'The answer (JSON), or an SSE stream when `stream` is true.',
      content: {
        'application/json': { schema: ExplainResponseSchema },
        'text/event-stream': { schema: z.string().openapi({ description: 'event: delta / event: final' }) },
      },
    },
    ...authErrors,
  },
});

/**
 * The site or asset (as "site X" / "asset Y") the question names outside the key's allow-list, if any:
 * such a question is answered 403 like `filters.site`, instead of an abstention on an unknown name.
 */
async function forbiddenMention(
  question: string,
  allowed: readonly string[] | null,
  insights: InsightsService,
): Promise<string | undefined> {
  if (!allowed) return undefined;
  const catalog = await insights.catalog();
  const understood = planQuestion(question, {
    today: catalog.asOf ?? new Date().toISOString().slice(0, 10),
    members: { sites: catalog.sites, assets: catalog.assets, products: catalog.products },
  });
  const site = understood.sites.find((id) => !allowed.includes(id));
  if (site) return `site ${site}`;
  const siteOf = (id: string) => catalog.assets.find((asset) => asset.id === id)?.site_id ?? '';
  const asset = understood.assets.find((id) => !allowed.includes(siteOf(id)));
  return asset ? `asset ${asset}` : undefined;
}

/** `POST /rag/explain`. */
export const explainRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const body = c.req.valid('json');
  const principal = c.get('principal');
  const allowed = principal.siteAllowlist;
  const forbidden = allowed && body.filters?.site?.find((site) => !allowed.includes(site));
  if (forbidden)
    throw new ProblemError('site_forbidden', `This key may not read site ${forbidden}.`, {
      param: 'filters.site',
    });
  const { explain, insights } = c.get('services');
  const mentioned = await forbiddenMention(body.question, allowed, insights);
  if (mentioned)
    throw new ProblemError('site_forbidden', `This key may not read ${mentioned}.`, { param: 'question' });
  if (body.filters) {
    await insights.resolveFilters(
      {
        site: body.filters.site,
        asset: body.filters.asset,
        product: body.filters.product,
        from: body.filters.from,
        to: body.filters.to,
      },
      allowed,
      { range: 'last_day' },
    );
  }
  const request: ExplainRequest = {
    question: body.question,
    filters: body.filters,
    topK: body.top_k,
    allowedSites: allowed,
    keyId: principal.keyId,
    requestId: c.get('requestId'),
  };
  if (!body.stream) {
    const result = await explain.explain(request);
    const event = c.get('event');
    event.abstained = result.abstained;
    event.degraded = result.degraded;
    event.llm_ms = result.timings.generate_ms;
    const { passages: _passages, plan: _plan, plan_source: _planSource, ...response } = result;
    return c.json(response, 200);
  }
  return streamSSE(c, async (stream) => {
    let id = 0;
    const result = await explain.explain({
      ...request,
      onDelta: (text) => {
        void stream.writeSSE({ event: 'delta', id: String(id++), data: JSON.stringify({ text }) });
      },
    });
    const { passages: _passages, plan: _plan, plan_source: _planSource, ...response } = result;
    await stream.writeSSE({ event: 'final', id: String(id++), data: JSON.stringify(response) });
  }) as unknown as never;
});
