import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { InsightsService } from '../../domain/insights/service.js';
import type { ExplainRequest, ExplainResult } from '../../domain/rag/explain/explain-service.js';
import { understandQuestion } from '../../domain/rag/explain/understand.js';
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

const FactSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['variance', 'cause', 'anomaly', 'forecast', 'kpi']).optional(),
    label: z.string(),
    metric: z.string(),
    dims: z.record(z.string(), z.string()),
    value: z.number(),
    unit: z.string(),
    query_id: z.string(),
    as_of: z.string().nullable(),
    related: z.record(z.string(), z.number()).optional(),
    cause: z.object({ code: z.string(), category: z.string() }).optional(),
    source: z
      .object({ path: z.string(), params: z.record(z.string(), z.string()) })
      .optional()
      .openapi({ description: 'The insights request that reproduces the fact.' }),
  })
  .openapi('Fact');

const ScopeSchema = z
  .object({
    intent: z.enum([
      'explain_change',
      'total',
      'rank',
      'compare',
      'trend',
      'forecast',
      'events',
      'procedure',
      'status',
      'out_of_scope',
    ]),
    sites: z.array(z.string()),
    assets: z.array(z.string()),
    products: z.array(z.string()),
    periods: z
      .array(z.object({ from: z.string(), to: z.string(), label: z.string() }))
      .max(2)
      .openapi({ description: 'The periods the answer covers (ISO dates, inclusive).' }),
    breakdown: z.enum(['asset', 'site', 'product', 'cause']).nullable(),
  })
  .openapi('ExplainScope', {
    description:
      'What the answer is about, so a client can fetch the series behind it from /insights (empty lists: every site, asset or product the key may read).',
  });

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
    citations: z.array(CitationSchema),
    facts: z.array(FactSchema),
    scope: ScopeSchema,
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
  summary: 'Explain a production variance in plain language, citing numbers and documents',
  description:
    'Understands the question (site, asset, product, dates, comparison; English or Spanish), gathers facts from the insights domain, retrieves runbook and dashboard passages, generates an answer (Bedrock Converse or the local grounded composer) and verifies it: every citation exists, every number matches a fact. With `stream: true` the response is Server-Sent Events: `delta` events with text, then one `final` event with the full response (the final answer replaces the streamed text if verification replaced it).',
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
  const understood = understandQuestion(question, {
    today: catalog.asOf ?? new Date().toISOString().slice(0, 10),
    members: { sites: catalog.sites, assets: catalog.assets, products: catalog.products },
  });
  const site = understood.sites.find((id) => !allowed.includes(id));
  if (site) return `site ${site}`;
  const siteOf = (id: string) => catalog.assets.find((asset) => asset.id === id)?.site_id ?? '';
  const asset = understood.assets.find((id) => !allowed.includes(siteOf(id)));
  return asset ? `asset ${asset}` : undefined;
}

type ExplainScope = z.infer<typeof ScopeSchema>;

/**
 * The scope of an answer from the pipeline's reading of the question: a forecast when it asks about
 * the future, otherwise a change explained by cause; the period is the question's, or the one the facts
 * were gathered for when the question named none.
 */
export function scopeOf(result: ExplainResult): ExplainScope {
  const { understanding, facts } = result;
  const range = understanding.range;
  const factDims = facts.find((fact) => fact.dims.from && fact.dims.to)?.dims;
  const periods = range
    ? [{ from: range.from, to: range.to, label: understanding.rangeText ?? `${range.from} – ${range.to}` }]
    : factDims?.from && factDims.to
      ? [{ from: factDims.from, to: factDims.to, label: `${factDims.from} – ${factDims.to}` }]
      : [];
  return {
    intent: understanding.wantsForecast ? 'forecast' : 'explain_change',
    sites: understanding.sites,
    assets: understanding.assets,
    products: understanding.products,
    periods,
    breakdown: facts.some((fact) => fact.kind === 'variance') ? 'cause' : null,
  };
}

const toResponse = (result: ExplainResult) => {
  const { passages: _passages, understanding: _understanding, ...response } = result;
  return { ...response, scope: scopeOf(result) };
};

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
    return c.json(toResponse(result), 200);
  }
  return streamSSE(c, async (stream) => {
    let id = 0;
    const result = await explain.explain({
      ...request,
      onDelta: (text) => {
        void stream.writeSSE({ event: 'delta', id: String(id++), data: JSON.stringify({ text }) });
      },
    });
    await stream.writeSSE({ event: 'final', id: String(id++), data: JSON.stringify(toResponse(result)) });
  }) as unknown as never;
});
