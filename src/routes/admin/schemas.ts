import { z } from '@hono/zod-openapi';
import type { ApiKeyRecord } from '../../ports/key-store.js';
import { SCOPES } from '../../ports/key-store.js';
import { ENVIRONMENTS, RATE_TIERS } from '../../profiles.js';

/** A key as the API shows it: never the plaintext or the hash. */
export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_3fA9xQ2LmZ7bKc1D' }),
    name: z.string(),
    env: z.enum(ENVIRONMENTS),
    display_prefix: z.string().openapi({ example: 'da_dev_7Hq2…' }),
    scopes: z.array(z.enum(SCOPES)),
    rate_tier: z.enum(RATE_TIERS),
    sites: z.array(z.string()).nullable().openapi({ description: 'Site allow-list; null means every site.' }),
    status: z.enum(['active', 'expired', 'revoked']),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
    rotated_from: z.string().nullable(),
  })
  .openapi('ApiKey');

/** Response to create and rotate: the key and, once, its plaintext. */
export const CreatedApiKeySchema = z
  .object({
    key: ApiKeySchema,
    api_key: z
      .string()
      .openapi({ description: 'The plaintext key. Shown only in this response; store it now.' }),
  })
  .openapi('CreatedApiKey');

/** Body of `POST /admin/keys`. */
export const CreateApiKeyBodySchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      .regex(/^[^\u0000-\u001f\u007f-\u009f]+$/, 'must not contain control characters'),
    scopes: z.array(z.enum(SCOPES)).min(1),
    rate_tier: z.enum(RATE_TIERS).default('standard'),
    sites: z.array(z.string().min(1).max(64)).max(500).nullable().default(null),
    expires_in_days: z.number().int().min(1).max(3650).nullable().default(90),
  })
  .strict()
  .openapi('CreateApiKey');

/** Renders a stored key for the API. */
export function toApiKeyView(record: ApiKeyRecord, now = Date.now()): z.infer<typeof ApiKeySchema> {
  const status =
    record.revokedAt && record.revokedAt.getTime() <= now
      ? 'revoked'
      : record.expiresAt && record.expiresAt.getTime() <= now
        ? 'expired'
        : 'active';
  return {
    id: record.id,
    name: record.name,
    env: record.env,
    display_prefix: record.displayPrefix,
    scopes: [...record.scopes],
    rate_tier: record.rateTier,
    sites: record.siteAllowlist,
    status,
    created_at: record.createdAt.toISOString(),
    expires_at: record.expiresAt?.toISOString() ?? null,
    revoked_at: record.revokedAt?.toISOString() ?? null,
    last_used_at: record.lastUsedAt?.toISOString() ?? null,
    rotated_from: record.rotatedFrom,
  };
}
