import { request } from 'node:http';
import { resolvePepper } from '../adapters/local/pepper.js';
import { openDatabase } from '../adapters/postgres/database.js';
import { PostgresKeyStore } from '../adapters/postgres/key-store.js';
import { migrate } from '../adapters/postgres/migrate.js';
import type { Config } from '../config.js';
import { findRunningServer } from '../control-plane.js';
import { KeyService } from '../domain/keys/key-service.js';
import type { Scope } from '../ports/key-store.js';
import type { RateTier } from '../profiles.js';
import { toApiKeyView } from '../routes/admin/schemas.js';

/** A key as shown by the CLI (same shape as the admin API). */
export type KeyView = ReturnType<typeof toApiKeyView>;

/** Input of a key creation from the CLI. */
export interface KeyCreation {
  name: string;
  scopes: Scope[];
  rateTier: RateTier;
  sites: string[] | null;
  expiresInDays: number | null;
}

/** Key management as the CLI needs it, directly on the database or through the running server. */
export interface KeyAdmin {
  readonly via: 'database' | 'control-socket';
  create(input: KeyCreation): Promise<{ key: KeyView; api_key: string }>;
  list(): Promise<KeyView[]>;
  revoke(id: string): Promise<KeyView | undefined>;
  rotate(id: string, graceHours: number): Promise<{ key: KeyView; api_key: string } | undefined>;
  close(): Promise<void>;
}

/**
 * Picks the backend: when an embedded server is running on the data directory (PGlite admits one
 * process), requests go through its owner-only control socket; otherwise straight to the database.
 */
export async function openKeyAdmin(config: Config): Promise<KeyAdmin> {
  if (config.database.mode === 'embedded') {
    const running = findRunningServer(config.dataDir);
    if (running) {
      if (running.env !== config.env) {
        throw new Error(
          `the embedded server running on ${config.dataDir} serves ${running.env}; stop it to manage ${config.env} keys`,
        );
      }
      return controlSocketAdmin(running.controlSocket);
    }
  }
  return databaseAdmin(config);
}

async function databaseAdmin(config: Config): Promise<KeyAdmin> {
  const db = await openDatabase(config.database);
  await migrate(db.pool, { variables: { embedding_dimension: config.embedder.dimension } });
  const keys = new KeyService(new PostgresKeyStore(db.pool), {
    env: config.env,
    pepper: resolvePepper(config.keys.pepper, config.dataDir),
    cacheTtlMs: config.keys.cacheTtlMs,
  });
  return {
    via: 'database',
    async create(input) {
      const created = await keys.create({
        name: input.name,
        scopes: input.scopes,
        rateTier: input.rateTier,
        siteAllowlist: input.sites,
        expiresInDays: input.expiresInDays,
      });
      return { key: toApiKeyView(created.record), api_key: created.plaintext };
    },
    list: async () => (await keys.list()).map((record) => toApiKeyView(record)),
    async revoke(id) {
      const record = await keys.revoke(id);
      return record ? toApiKeyView(record) : undefined;
    },
    async rotate(id, graceHours) {
      const created = await keys.rotate(id, graceHours * 3_600_000);
      return created ? { key: toApiKeyView(created.record), api_key: created.plaintext } : undefined;
    },
    close: () => db.close(),
  };
}

function controlSocketAdmin(socketPath: string): KeyAdmin {
  const call = <T>(method: string, path: string, body?: unknown) =>
    new Promise<{ status: number; body: T }>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const outgoing = request(
        {
          socketPath,
          method,
          path,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {},
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: response.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  const expect = <T>(result: { status: number; body: T }, ok: number): T => {
    if (result.status !== ok) {
      const detail = (result.body as { detail?: string } | undefined)?.detail ?? `HTTP ${result.status}`;
      throw new Error(detail);
    }
    return result.body;
  };
  return {
    via: 'control-socket',
    async create(input) {
      return expect(
        await call<{ key: KeyView; api_key: string }>('POST', '/admin/keys', {
          name: input.name,
          scopes: input.scopes,
          rate_tier: input.rateTier,
          sites: input.sites,
          expires_in_days: input.expiresInDays,
        }),
        201,
      );
    },
    list: async () => expect(await call<{ data: KeyView[] }>('GET', '/admin/keys'), 200).data,
    async revoke(id) {
      const result = await call<KeyView>('DELETE', `/admin/keys/${encodeURIComponent(id)}`);
      return result.status === 404 ? undefined : expect(result, 200);
    },
    async rotate(id, graceHours) {
      const result = await call<{ key: KeyView; api_key: string }>(
        'POST',
        `/admin/keys/${encodeURIComponent(id)}/rotate`,
        { grace_hours: graceHours },
      );
      return result.status === 404 ? undefined : expect(result, 201);
    },
    close: async () => {},
  };
}
