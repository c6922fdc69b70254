import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { StoredDocument } from '../../adapters/postgres/rag-repository.js';
import type { AppEnv } from '../../http/context.js';
import { decodeCursor, encodeCursor, nextLink, queryFingerprint } from '../../http/delivery.js';
import { authErrors, jsonContent, keySecurity, problemContent } from '../../http/openapi.js';
import { ProblemError } from '../../http/problem.js';
import { RagDocumentSchema } from './schemas.js';

const toView = (document: StoredDocument) => ({
  id: document.id,
  uri: document.uri,
  title: document.title,
  doc_type: document.docType,
  format: document.format,
  language: document.language,
  tags: document.tags,
  sites: document.sites,
  assets: document.assets,
  content_hash: document.contentHash,
  chunk_count: document.chunkCount,
  created_at: document.createdAt.toISOString(),
  updated_at: document.updatedAt.toISOString(),
});

const UploadSchema = z
  .object({
    uri: z
      .string()
      .min(1)
      .max(500)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._~:/@+-]*$/, 'must be a path-like identifier')
      .openapi({ example: 'runbooks/cmp-trip.md' }),
    content: z.string().max(900_000).optional().openapi({
      description:
        'Text content (Markdown, HTML, text, dashboard YAML/JSON). The whole request must fit BODY_LIMIT_BYTES (1 MiB by default); larger files: `datalive ingest`.',
    }),
    content_base64: z.string().max(1_000_000).optional().openapi({
      description:
        'Binary content, base64: a PDF, or a ZIP of a Power BI Project folder (`.pbip`, `*.Report` in PBIR format, `*.SemanticModel` in TMDL; see docs/dashboard-format.md). The request must fit BODY_LIMIT_BYTES.',
    }),
    format: z.enum(['markdown', 'html', 'text', 'pdf', 'dashboard', 'pbip']).optional(),
    type: z.enum(['runbook', 'dashboard']).optional(),
  })
  .strict()
  .refine((body) => (body.content === undefined) !== (body.content_base64 === undefined), {
    message: 'give exactly one of content or content_base64',
    path: ['content'],
  })
  .openapi('DocumentUpload');

const IdParams = z.object({
  id: z
    .string()
    .uuid()
    .openapi({ param: { name: 'id', in: 'path' } }),
});

const uploadRoute = createRoute({
  method: 'post',
  path: '/rag/documents',
  tags: ['rag'],
  summary: 'Add or replace a document (idempotent by content hash)',
  description:
    'Needs the `rag:write` scope. Unchanged content changes nothing; changed content replaces the document atomically. A site-restricted key may only write documents whose sites are all in its list (403 `site_forbidden` naming the others) and may not replace a document it cannot see (404).',
  security: keySecurity,
  request: { body: { required: true, content: { 'application/json': { schema: UploadSchema } } } },
  responses: {
    200: jsonContent(z.object({ data: RagDocumentSchema, status: z.literal('unchanged') }), 'Unchanged.'),
    201: jsonContent(
      z.object({ data: RagDocumentSchema, status: z.enum(['added', 'updated']) }).openapi('DocumentIngested'),
      'Added or updated.',
    ),
    404: problemContent('A document this key may not see already has this URI.'),
    413: problemContent('A zipped Power BI Project holds more than the extraction limits allow.'),
    ...authErrors,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/rag/documents',
  tags: ['rag'],
  summary: 'List indexed documents',
  description:
    'Same visibility as search: a site-restricted key sees documents with no site or whose sites are all in its list.',
  security: keySecurity,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().max(1000).optional(),
    }),
  },
  responses: {
    200: jsonContent(
      z
        .object({ data: z.array(RagDocumentSchema), links: z.object({ next: z.string().nullable() }) })
        .openapi('DocumentList'),
      'Documents ordered by URI.',
    ),
    ...authErrors,
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/rag/documents/{id}',
  tags: ['rag'],
  summary: 'Remove a document and its chunks',
  description:
    'Needs the `rag:write` scope. A document the key cannot see (a site outside its list) is 404, as if absent.',
  security: keySecurity,
  request: { params: IdParams },
  responses: {
    204: { description: 'Removed.' },
    404: problemContent('No such document in this environment that this key may see.'),
    ...authErrors,
  },
});

const isUri = (value: unknown): value is string => typeof value === 'string' && value.length <= 500;

/** `/rag/documents`: index management. */
export const documentRoutes = new OpenAPIHono<AppEnv>()
  .openapi(uploadRoute, async (c) => {
    const body = c.req.valid('json');
    const content = body.content ?? Buffer.from(body.content_base64 ?? '', 'base64');
    const { document, status } = await c.get('services').rag.ingestContent(
      {
        uri: body.uri,
        path: body.uri,
        content,
        ...(body.format ? { format: body.format } : {}),
        ...(body.type ? { type: body.type } : {}),
      },
      c.get('principal').siteAllowlist,
    );
    if (status === 'unchanged') return c.json({ data: toView(document), status }, 200);
    return c.json({ data: toView(document), status }, 201);
  })
  .openapi(listRoute, async (c) => {
    const query = c.req.valid('query');
    const fingerprint = queryFingerprint(c);
    const after = decodeCursor(query.cursor, fingerprint, isUri);
    const page = await c.get('services').rag.listDocuments({
      limit: query.limit,
      afterUri: after,
      allowedSites: c.get('principal').siteAllowlist,
    });
    const last = page.documents.at(-1);
    return c.json(
      {
        data: page.documents.map(toView),
        links: { next: nextLink(c, page.hasMore && last ? encodeCursor(last.uri, fingerprint) : null) },
      },
      200,
    );
  })
  .openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await c.get('services').rag.deleteDocument(id, c.get('principal').siteAllowlist))) {
      throw new ProblemError('not_found', `No document ${id} in this environment.`);
    }
    return c.body(null, 204);
  });
