import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import { authErrors, jsonContent, keySecurity, problemContent } from '../../http/openapi.js';
import { ProblemError } from '../../http/problem.js';
import { ApiKeySchema, CreateApiKeyBodySchema, CreatedApiKeySchema, toApiKeyView } from './schemas.js';

const KeyIdParams = z.object({
  id: z
    .string()
    .regex(/^key_[0-9A-Za-z]{16}$/, 'must be a key id such as key_3fA9xQ2LmZ7bKc1D')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'key_3fA9xQ2LmZ7bKc1D' }),
});

const RotateBodySchema = z
  .object({
    grace_hours: z
      .number()
      .min(0)
      .max(24 * 30)
      .default(24)
      .openapi({
        description: 'How long the old key keeps working, in hours (default 24).',
      }),
  })
  .strict()
  .openapi('RotateApiKey');

const notFound = problemContent('No key with this id in this environment.');

const createKey = createRoute({
  method: 'post',
  path: '/admin/keys',
  tags: ['admin'],
  summary: 'Create an API key',
  description: 'Issues a key for this environment. The plaintext is returned once and never stored.',
  security: keySecurity,
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeyBodySchema } } } },
  responses: {
    201: jsonContent(CreatedApiKeySchema, 'The key, with its plaintext shown once.'),
    ...authErrors,
  },
});

const listKeys = createRoute({
  method: 'get',
  path: '/admin/keys',
  tags: ['admin'],
  summary: 'List API keys of this environment',
  security: keySecurity,
  responses: {
    200: jsonContent(z.object({ data: z.array(ApiKeySchema) }).openapi('ApiKeyList'), 'Keys, newest first.'),
    ...authErrors,
  },
});

const getKey = createRoute({
  method: 'get',
  path: '/admin/keys/{id}',
  tags: ['admin'],
  summary: 'Get one API key',
  security: keySecurity,
  request: { params: KeyIdParams },
  responses: { 200: jsonContent(ApiKeySchema, 'The key.'), 404: notFound, ...authErrors },
});

const revokeKey = createRoute({
  method: 'delete',
  path: '/admin/keys/{id}',
  tags: ['admin'],
  summary: 'Revoke an API key',
  description: 'Takes effect at once in this process and within KEY_CACHE_TTL_MS (≤ 30 s) everywhere.',
  security: keySecurity,
  request: { params: KeyIdParams },
  responses: { 200: jsonContent(ApiKeySchema, 'The revoked key.'), 404: notFound, ...authErrors },
});

const rotateKey = createRoute({
  method: 'post',
  path: '/admin/keys/{id}/rotate',
  tags: ['admin'],
  summary: 'Rotate an API key',
  description: 'Issues a successor with the same scopes; the old key keeps working for `grace_hours`.',
  security: keySecurity,
  request: {
    params: KeyIdParams,
    body: { required: false, content: { 'application/json': { schema: RotateBodySchema } } },
  },
  responses: { 201: jsonContent(CreatedApiKeySchema, 'The successor key.'), 404: notFound, ...authErrors },
});

const missing = (id: string) => new ProblemError('not_found', `No API key ${id} in this environment.`);

/** `/admin/keys`: key management (admin scope; auth and rate limits are applied in `app.ts`). */
export const adminKeyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(createKey, async (c) => {
    const body = c.req.valid('json');
    const created = await c.get('services').keys.create({
      name: body.name,
      scopes: body.scopes,
      rateTier: body.rate_tier,
      siteAllowlist: body.sites,
      expiresInDays: body.expires_in_days,
    });
    c.header('Cache-Control', 'no-store');
    return c.json(
      { key: toApiKeyView(created.record, c.get('services').keys.currentTime()), api_key: created.plaintext },
      201,
    );
  })
  .openapi(listKeys, async (c) => {
    const records = await c.get('services').keys.list();
    return c.json(
      { data: records.map((record) => toApiKeyView(record, c.get('services').keys.currentTime())) },
      200,
    );
  })
  .openapi(getKey, async (c) => {
    const { id } = c.req.valid('param');
    const record = await c.get('services').keys.get(id);
    if (!record) throw missing(id);
    return c.json(toApiKeyView(record, c.get('services').keys.currentTime()), 200);
  })
  .openapi(revokeKey, async (c) => {
    const { id } = c.req.valid('param');
    const record = await c.get('services').keys.revoke(id);
    if (!record) throw missing(id);
    return c.json(toApiKeyView(record, c.get('services').keys.currentTime()), 200);
  })
  .openapi(rotateKey, async (c) => {
    const { id } = c.req.valid('param');
    const text = await c.req.text();
    const parsed = RotateBodySchema.safeParse(text.trim() === '' ? {} : JSON.parse(text));
    if (!parsed.success)
      throw new ProblemError('invalid_request', parsed.error.issues[0]?.message ?? 'invalid body');
    const created = await c.get('services').keys.rotate(id, parsed.data.grace_hours * 3_600_000);
    if (!created) throw missing(id);
    c.header('Cache-Control', 'no-store');
    return c.json(
      { key: toApiKeyView(created.record, c.get('services').keys.currentTime()), api_key: created.plaintext },
      201,
    );
  });
