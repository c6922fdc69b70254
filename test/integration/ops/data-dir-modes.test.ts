import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { looserThanOwnerOnly } from '../../../src/control-plane.js';
import { secureDataDir } from '../../../src/server.js';
import { startTestServer } from '../../support/http-server.js';
import { tempDir } from '../../support/services.js';

describe('data directory modes', () => {
  it('warns about and tightens group- or world-accessible files at boot', () => {
    const dataDir = tempDir('datalive-modes-');
    mkdirSync(path.join(dataDir, 'pg', 'base'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pg', 'base', '1'), 'x');
    writeFileSync(path.join(dataDir, 'warehouse.duckdb'), 'x');
    chmodSync(path.join(dataDir, 'pg', 'base', '1'), 0o666);
    chmodSync(path.join(dataDir, 'warehouse.duckdb'), 0o644);
    chmodSync(path.join(dataDir, 'pg'), 0o755);
    const warnings: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const count = secureDataDir(dataDir, {
      warn: ((fields: Record<string, unknown>, message: string) =>
        void warnings.push({ fields, message })) as never,
    });
    expect(count).toBeGreaterThanOrEqual(3);
    expect(warnings[0]?.message).toMatch(/owner-only/);
    expect(warnings[0]?.fields).toMatchObject({ data_dir: dataDir, loose_paths: count });
    expect(statSync(path.join(dataDir, 'pg', 'base', '1')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'warehouse.duckdb')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'pg')).mode & 0o777).toBe(0o700);
    expect(looserThanOwnerOnly(dataDir)).toEqual([]);
    expect(secureDataDir(dataDir, { warn: (() => {}) as never })).toBe(0);
  });

  it('leaves nothing readable by others after a real start with the embedded stores', async () => {
    const server = await startTestServer();
    try {
      expect(looserThanOwnerOnly(server.dataDir)).toEqual([]);
      expect(statSync(server.dataDir).mode & 0o777).toBe(0o700);
    } finally {
      await server.stop();
    }
  });
});
