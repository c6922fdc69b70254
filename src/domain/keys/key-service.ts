import { createSecretKey, type KeyObject } from 'node:crypto';
import type { ApiKeyRecord, KeyStore, Scope } from '../../ports/key-store.js';
import type { Environment, RateTier } from '../../profiles.js';
import { generateApiKey, hashApiKey, parseApiKey, randomBase62, safeEqualHex } from './token.js';

/** Who is calling: the verified key, without its secret. */
export interface Principal {
  keyId: string;
  name: string;
  env: Environment;
  scopes: readonly Scope[];
  rateTier: RateTier;
  /** Sites the key may see; `null` means every site. */
  siteAllowlist: readonly string[] | null;
  /** When the key expires; `null` or absent for never. Bounds the lifetime of keys it mints. */
  expiresAt?: Date | null;
}

/** Why a presented key was refused; each maps to a problem code. */
export type KeyRejection =
  | { code: 'malformed_api_key'; detail: string }
  | { code: 'invalid_api_key'; detail: string }
  | { code: 'expired_api_key'; detail: string }
  | { code: 'revoked_api_key'; detail: string }
  | { code: 'wrong_environment'; detail: string; keyEnvironment: Environment };

/** Outcome of {@link KeyService.verify}. */
export type Verification = { ok: true; principal: Principal } | { ok: false; rejection: KeyRejection };

/** Input of {@link KeyService.create}. */
export interface CreateKeyInput {
  name: string;
  scopes: readonly Scope[];
  rateTier?: RateTier;
  siteAllowlist?: readonly string[] | null;
  /** Lifetime in days; `null` for a key that never expires. Default 90. */
  expiresInDays?: number | null;
}

/** A created key: the record and the plaintext, which is shown once and never stored. */
export interface CreatedKey {
  record: ApiKeyRecord;
  plaintext: string;
}

/** Options for {@link KeyService}. */
export interface KeyServiceOptions {
  env: Environment;
  pepper: string;
  /** Verification cache lifetime: the documented upper bound on how long a revoked key still works. */
  cacheTtlMs: number;
  cacheSize?: number;
  /** Minimum interval between `last_used_at` writes per key. */
  touchIntervalMs?: number;
  now?: () => number;
}

const DAY_MS = 86_400_000;
export const DEFAULT_KEY_LIFETIME_DAYS = 90;
export const DEFAULT_ROTATION_GRACE_MS = DAY_MS;

/**
 * Issues, verifies, rotates and revokes API keys of one environment. Verification parses the key
 * offline (shape, checksum, environment), then looks it up by HMAC in a bounded LRU cache keyed by hash
 * (never by plaintext) before the store.
 */
export class KeyService {
  private readonly cache = new Map<string, { record: ApiKeyRecord; cachedAt: number }>();
  private readonly lastTouched = new Map<string, number>();
  private readonly now: () => number;
  private readonly pepperKey: KeyObject;

  constructor(
    private readonly store: KeyStore,
    private readonly options: KeyServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.pepperKey = createSecretKey(Buffer.from(options.pepper, 'utf8'));
  }

  /** The service's clock in epoch milliseconds (injectable for tests). */
  currentTime(): number {
    return this.now();
  }

  /** The environment this service issues and accepts keys for. */
  get env(): Environment {
    return this.options.env;
  }

  async create(input: CreateKeyInput, rotatedFrom: string | null = null): Promise<CreatedKey> {
    const generated = generateApiKey(this.options.env);
    const lifetimeDays = input.expiresInDays === undefined ? DEFAULT_KEY_LIFETIME_DAYS : input.expiresInDays;
    const record = await this.store.insert({
      id: `key_${randomBase62(16)}`,
      name: input.name,
      env: this.options.env,
      keyHash: hashApiKey(generated.plaintext, this.pepperKey),
      displayPrefix: generated.displayPrefix,
      scopes: [...new Set(input.scopes)],
      rateTier: input.rateTier ?? 'standard',
      siteAllowlist: input.siteAllowlist ? [...input.siteAllowlist] : null,
      expiresAt: lifetimeDays === null ? null : new Date(this.now() + lifetimeDays * DAY_MS),
      rotatedFrom,
    });
    return { record, plaintext: generated.plaintext };
  }

  /**
   * Verifies a presented key. A key whose HMAC is in the verification cache was found in this
   * environment's store under exactly that hash within the TTL, so it skips the offline checks; any other
   * key is parsed (shape, checksum, environment) before the store is asked.
   */
  async verify(presented: string): Promise<Verification> {
    const keyHash = hashApiKey(presented, this.pepperKey);
    const cached = this.cachedRecord(keyHash);
    if (cached && cached.env === this.options.env) return this.admit(cached);
    const parsed = parseApiKey(presented);
    if (!parsed.ok) {
      const detail =
        parsed.reason === 'bad_checksum'
          ? 'The API key checksum does not match; check for a typo.'
          : 'The API key does not have the expected format (da_<env>_…).';
      return { ok: false, rejection: { code: 'malformed_api_key', detail } };
    }
    if (parsed.env !== this.options.env) {
      return {
        ok: false,
        rejection: {
          code: 'wrong_environment',
          detail: `This key belongs to the ${parsed.env} environment; this is ${this.options.env}.`,
          keyEnvironment: parsed.env,
        },
      };
    }
    const record = await this.lookup(keyHash);
    if (!record || !safeEqualHex(record.keyHash, keyHash) || record.env !== this.options.env) {
      return { ok: false, rejection: { code: 'invalid_api_key', detail: 'The API key is not known.' } };
    }
    return this.admit(record);
  }

  /** The verdict on a known key of this environment: revoked, expired, or its principal. */
  private admit(record: ApiKeyRecord): Verification {
    const now = this.now();
    if (record.revokedAt && record.revokedAt.getTime() <= now) {
      return { ok: false, rejection: { code: 'revoked_api_key', detail: 'The API key has been revoked.' } };
    }
    if (record.expiresAt && record.expiresAt.getTime() <= now) {
      return {
        ok: false,
        rejection: {
          code: 'expired_api_key',
          detail: `The API key expired at ${record.expiresAt.toISOString()}.`,
        },
      };
    }
    this.touch(record.id, now);
    return { ok: true, principal: principalOf(record) };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.list(this.options.env);
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const record = await this.store.findById(id);
    return record?.env === this.options.env ? record : undefined;
  }

  async revoke(id: string): Promise<ApiKeyRecord | undefined> {
    if (!(await this.get(id))) return undefined;
    const record = await this.store.revoke(id, new Date(this.now()));
    if (record) this.cache.delete(record.keyHash);
    return record;
  }

  /**
   * Issues a successor with the same name, scopes, tier and sites; the old key keeps working until
   * `now + graceMs` (default 24 h), then expires.
   */
  async rotate(id: string, graceMs: number = DEFAULT_ROTATION_GRACE_MS): Promise<CreatedKey | undefined> {
    const previous = await this.get(id);
    if (!previous || previous.revokedAt) return undefined;
    const successor = await this.create(
      {
        name: previous.name,
        scopes: previous.scopes,
        rateTier: previous.rateTier,
        siteAllowlist: previous.siteAllowlist,
        expiresInDays:
          previous.expiresAt === null
            ? null
            : Math.max(1, Math.round((previous.expiresAt.getTime() - previous.createdAt.getTime()) / DAY_MS)),
      },
      previous.id,
    );
    await this.store.expireAt(previous.id, new Date(this.now() + graceMs));
    this.cache.delete(previous.keyHash);
    return successor;
  }

  countActive(): Promise<number> {
    return this.store.countActive(this.options.env);
  }

  /** The record verified within the cache bound, if any (kept most recently used). */
  private cachedRecord(keyHash: string): ApiKeyRecord | undefined {
    const cached = this.cache.get(keyHash);
    if (!cached || this.now() - cached.cachedAt >= this.options.cacheTtlMs) return undefined;
    this.cache.delete(keyHash);
    this.cache.set(keyHash, cached);
    return cached.record;
  }

  private async lookup(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const now = this.now();
    const record = await this.store.findByHash(keyHash);
    if (record) {
      this.cache.delete(keyHash);
      this.cache.set(keyHash, { record, cachedAt: now });
      const limit = this.options.cacheSize ?? 10_000;
      while (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value as string);
    } else {
      this.cache.delete(keyHash);
    }
    return record;
  }

  private touch(id: string, now: number): void {
    const interval = this.options.touchIntervalMs ?? 60_000;
    const last = this.lastTouched.get(id);
    if (last !== undefined && now - last < interval) return;
    this.lastTouched.set(id, now);
    if (this.lastTouched.size > 50_000) this.lastTouched.clear();
    this.store.touchLastUsed(id, new Date(now)).catch(() => this.lastTouched.delete(id));
  }
}

const principals = new WeakMap<ApiKeyRecord, Principal>();

/** The principal of a key record, built once per record (records are replaced, never changed). */
function principalOf(record: ApiKeyRecord): Principal {
  let principal = principals.get(record);
  if (!principal) {
    principal = {
      keyId: record.id,
      name: record.name,
      env: record.env,
      scopes: record.scopes,
      rateTier: record.rateTier,
      siteAllowlist: record.siteAllowlist,
      expiresAt: record.expiresAt,
    };
    principals.set(record, principal);
  }
  return principal;
}
