import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Warehouse } from '../../../src/ports/warehouse.js';
import { startServer } from '../../../src/server.js';
import { openTestStores, testEnv } from '../../support/services.js';

describe('graceful shutdown', () => {
  it('finishes a request that is in flight when shutdown starts, then refuses new ones', async () => {
    const stores = await openTestStores();
    let releasePing: () => void = () => {};
    const slowWarehouse: Warehouse = {
      kind: 'duckdb',
      query: stores.warehouse.query.bind(stores.warehouse),
      ping: () => new Promise<void>((resolve) => (releasePing = resolve)),
      close: () => stores.warehouse.close(),
    };
    const server = await startServer(testEnv({ PORT: '0', HOST: '127.0.0.1' }), {
      db: stores.db,
      warehouse: slowWarehouse,
    });
    try {
      const inFlight = fetch(`${server.url}/health/ready`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const stopped = server.shutdown('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(fetch(`${server.url}/health`)).rejects.toThrow();
      releasePing();
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { status: string }).status).toBe('ready');
      await stopped;
    } finally {
      releasePing();
      await stores.db.close();
    }
  });

  it('exits 0 on SIGTERM as a process', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, ...testEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60_000);
      child.stdout.on('data', () => {
        if (output.includes('datalive api listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  });

  it('stops at boot with one line naming a bad variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...process.env, ...testEnv({ PORT: 'not-a-port' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^datalive: invalid PORT: /);
  });
});
