import type { Environment, RateTier } from '../profiles.js';

/** Scopes a key can hold. */
export const SCOPES = ['insights:read', 'rag:explain', 'rag:write', 'warehouse:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** A stored API key (never the plaintext). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  env: Environment;
  keyHash: string;
  displayPrefix: string;
  scopes: Scope[];
  rateTier: RateTier;
  /** Sites the key may see; `null` means every site. */
  siteAllowlist: string[] | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  rotatedFrom: string | null;
}

/** Fields needed to store a new key. */
export type NewApiKey = Omit<ApiKeyRecord, 'createdAt' | 'revokedAt' | 'lastUsedAt'>;

/** Persistence of API keys. */
export interface KeyStore {
  insert(key: NewApiKey): Promise<ApiKeyRecord>;
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  findById(id: string): Promise<ApiKeyRecord | undefined>;
  list(env: Environment): Promise<ApiKeyRecord[]>;
  countActive(env: Environment): Promise<number>;
  /** Marks the key revoked now; returns the updated record, or undefined if it does not exist. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | undefined>;
  /** Shortens the key's life to `until` (rotation grace), keeping an earlier expiry. */
  expireAt(id: string, until: Date): Promise<void>;
  touchLastUsed(id: string, at: Date): Promise<void>;
}
