import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { grantViolations, mayManage, type TierWithin } from '../../domain/keys/bounds.js';
import type { AppEnv } from '../../http/context.js';
import { authErrors, jsonContent, keySecurity, problemContent } from '../../http/openapi.js';
import { ProblemError } from '../../http/problem.js';
import type { ApiKeyRecord } from '../../ports/key-store.js';
import { RATE_CLASSES } from '../../profiles.js';
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
  description:
    'Issues a key for this environment. The plaintext is returned once and never stored. Sites must exist in the catalogue (400 `unknown_member` naming the first unknown one). An admin key with a site list mints only keys within its own scopes, sites, rate tier and lifetime, never the `admin` scope (403 `exceeds_key_bounds` listing what is beyond).',
  security: keySecurity,
  request: { body: { required: true, content: { 'application/json': { schema: CreateApiKeyBodySchema } } } },
  responses: {
    201: jsonContent(CreatedApiKeySchema, 'The key, with its plaintext shown once.'),
    ...authErrors,
    403: problemContent('The key lacks the admin scope, or the new key would exceed its own bounds.'),
  },
});

const listKeys = createRoute({
  method: 'get',
  path: '/admin/keys',
  tags: ['admin'],
  summary: 'List API keys of this environment',
  description:
    'An unrestricted admin key (no site list) sees every key; a restricted one only the non-admin keys within its own scopes, sites and tier.',
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

const tierWithinFor = (c: Context<AppEnv>): TierWithin => {
  const limits = c.get('services').config.profile.rateLimits;
  return (tier, bound) =>
    RATE_CLASSES.every((rateClass) => limits[tier][rateClass].limit <= limits[bound][rateClass].limit);
};

/** The record with this id when the calling key may manage it; others are answered as absent. */
async function manageable(c: Context<AppEnv>, id: string): Promise<ApiKeyRecord> {
  const record = await c.get('services').keys.get(id);
  if (!record || !mayManage(c.get('principal'), record, tierWithinFor(c))) throw missing(id);
  return record;
}

async function assertKnownSites(c: Context<AppEnv>, sites: readonly string[] | null): Promise<void> {
  if (!sites) return;
  const known = new Set((await c.get('services').insights.catalog()).sites.map((site) => site.id));
  const unknown = sites.find((site) => !known.has(site));
  if (unknown !== undefined) {
    throw new ProblemError(
      'unknown_member',
      `Unknown site "${unknown.slice(0, 64)}"; sites must be ids from the catalogue (GET /insights).`,
      { param: 'sites' },
    );
  }
}

/** `/admin/keys`: key management (admin scope; auth and rate limits are applied in `app.ts`). */
export const adminKeyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(createKey, async (c) => {
    const body = c.req.valid('json');
    const now = c.get('services').keys.currentTime();
    const violations = grantViolations(
      c.get('principal'),
      {
        scopes: body.scopes,
        rateTier: body.rate_tier,
        siteAllowlist: body.sites,
        expiresAt: body.expires_in_days === null ? null : new Date(now + body.expires_in_days * 86_400_000),
      },
      tierWithinFor(c),
    );
    if (violations.length > 0) {
      throw new ProblemError(
        'exceeds_key_bounds',
        `The new key would exceed this key: ${violations.join('; ')}.`,
        {
          violations,
        },
      );
    }
    await assertKnownSites(c, body.sites);
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
    const tierWithin = tierWithinFor(c);
    const principal = c.get('principal');
    const records = (await c.get('services').keys.list()).filter((record) =>
      mayManage(principal, record, tierWithin),
    );
    return c.json(
      { data: records.map((record) => toApiKeyView(record, c.get('services').keys.currentTime())) },
      200,
    );
  })
  .openapi(getKey, async (c) => {
    const { id } = c.req.valid('param');
    const record = await manageable(c, id);
    return c.json(toApiKeyView(record, c.get('services').keys.currentTime()), 200);
  })
  .openapi(revokeKey, async (c) => {
    const { id } = c.req.valid('param');
    await manageable(c, id);
    const record = await c.get('services').keys.revoke(id);
    if (!record) throw missing(id);
    return c.json(toApiKeyView(record, c.get('services').keys.currentTime()), 200);
  })
  .openapi(rotateKey, async (c) => {
    const { id } = c.req.valid('param');
    await manageable(c, id);
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
