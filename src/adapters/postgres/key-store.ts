import type pg from 'pg';
import type { ApiKeyRecord, KeyStore, NewApiKey, Scope } from '../../ports/key-store.js';
import type { Environment, RateTier } from '../../profiles.js';

interface KeyRow {
  id: string;
  name: string;
  env: Environment;
  key_hash: string;
  display_prefix: string;
  scopes: string[];
  rate_tier: string;
  site_allowlist: string[] | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  rotated_from: string | null;
}

const COLUMNS =
  'id, name, env, key_hash, display_prefix, scopes, rate_tier, site_allowlist, created_at, expires_at, revoked_at, last_used_at, rotated_from';

const toRecord = (row: KeyRow): ApiKeyRecord => ({
  id: row.id,
  name: row.name,
  env: row.env,
  keyHash: row.key_hash,
  displayPrefix: row.display_prefix,
  scopes: row.scopes as Scope[],
  rateTier: row.rate_tier as RateTier,
  siteAllowlist: row.site_allowlist,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  lastUsedAt: row.last_used_at,
  rotatedFrom: row.rotated_from,
});

/** {@link KeyStore} on the `api_keys` table, through `pg`. */
export class PostgresKeyStore implements KeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async insert(key: NewApiKey): Promise<ApiKeyRecord> {
    const { rows } = await this.pool.query<KeyRow>(
      `INSERT INTO api_keys (id, name, env, key_hash, display_prefix, scopes, rate_tier, site_allowlist, expires_at, rotated_from)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        key.id,
        key.name,
        key.env,
        key.keyHash,
        key.displayPrefix,
        key.scopes,
        key.rateTier,
        key.siteAllowlist,
        key.expiresAt,
        key.rotatedFrom,
      ],
    );
    return toRecord(rows[0] as KeyRow);
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [
      keyHash,
    ]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<KeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(env: Environment): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE env = $1 ORDER BY created_at DESC, id`,
      [env],
    );
    return rows.map(toRecord);
  }

  async countActive(env: Environment): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM api_keys WHERE env = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())',
      [env],
    );
    return rows[0]?.n ?? 0;
  }

  async revoke(id: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<KeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, at],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async expireAt(id: string, until: Date): Promise<void> {
    await this.pool.query(
      'UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE id = $1',
      [id, until],
    );
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.pool.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [id, at]);
  }
}
