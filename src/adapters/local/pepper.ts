import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The HMAC pepper for API keys: from configuration (`API_KEY_PEPPER`, required in prod) or, for local
 * and test setups, a random one kept in `<dataDir>/key-pepper` with owner-only permissions.
 */
export function resolvePepper(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'key-pepper');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const pepper = randomBytes(32).toString('base64url');
  writeFileSync(file, `${pepper}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return pepper;
}
