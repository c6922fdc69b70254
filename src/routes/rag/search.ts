import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { authErrors, jsonContent, keySecurity } from '../../http/openapi.js';
import { ProblemError } from '../../http/problem.js';
import { RagFiltersSchema, SearchHitSchema } from './schemas.js';

const SearchBodySchema = z
  .object({
    query: z.string().trim().min(1).max(2000),
    filters: RagFiltersSchema.optional(),
    top_k: z.number().int().min(1).max(50).default(8),
    mode: z.enum(['hybrid', 'vector', 'text']).default('hybrid'),
  })
  .strict()
  .openapi('SearchRequest');

const route = createRoute({
  method: 'post',
  path: '/rag/search',
  tags: ['rag'],
  summary: "Hybrid retrieval over the environment's runbooks and dashboards",
  description:
    "Vector top-k (HNSW, cosine) and full-text top-k (simple + language configurations) fused with reciprocal rank fusion (k = 60). Filters and the key's site allow-list apply in SQL; documents tied to no site are visible to every key.",
  security: keySecurity,
  request: { body: { required: true, content: { 'application/json': { schema: SearchBodySchema } } } },
  responses: {
    200: jsonContent(
      z
        .object({ data: z.array(SearchHitSchema), meta: z.object({ took_ms: z.number(), mode: z.string() }) })
        .openapi('SearchResponse'),
      'Chunks, best first.',
    ),
    ...authErrors,
  },
});

/** `POST /rag/search`. */
export const searchRoute = new OpenAPIHono<AppEnv>().openapi(route, async (c) => {
  const body = c.req.valid('json');
  const allowed = c.get('principal').siteAllowlist;
  const forbidden = allowed && body.filters?.site?.find((site) => !allowed.includes(site));
  if (forbidden)
    throw new ProblemError('site_forbidden', `This key may not read site ${forbidden}.`, {
      param: 'filters.site',
    });
  const started = performance.now();
  const results = await c.get('services').rag.search(
    body.query,
    {
      sites: body.filters?.site,
      assets: body.filters?.asset,
      docTypes: body.filters?.doc_type,
      tags: body.filters?.tags,
      allowedSites: allowed,
    },
    body.top_k,
    body.mode,
  );
  const tookMs = Math.round((performance.now() - started) * 100) / 100;
  c.get('event').rag_search_ms = tookMs;
  return c.json(
    {
      data: results.map((result) => ({
        chunk_id: result.chunkId,
        document_id: result.documentId,
        title: result.title,
        uri: result.uri,
        heading_path: result.headingPath,
        span: result.span,
        snippet: result.snippet,
        text: result.text,
        doc_type: result.docType,
        scores: {
          vector: result.scores.vector,
          text: result.scores.text,
          vector_rank: result.scores.vectorRank,
          text_rank: result.scores.textRank,
          fused: result.scores.fused,
        },
      })),
      meta: { took_ms: tookMs, mode: body.mode },
    },
    200,
  );
});
