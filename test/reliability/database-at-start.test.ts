import { afterAll, describe, expect, it } from 'vitest';
import { testEnv } from '../support/services.js';
import { freePort } from '../support/throwaway-redis.js';
import { spawnTsx, TcpProxy } from './helpers.js';

const PASSWORD = 'hunter2-db-password';
/** The external pool's connection timeout is 5 s; booting through tsx takes a few more. */
const EXIT_BOUND_MS = 25_000;

describe('database unreachable when the server starts (process level)', () => {
  const proxies: TcpProxy[] = [];
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
  });

  it('exits 1 with one clear line, quickly, when the database refuses or never answers, never printing the password', async () => {
    const closedPort = await freePort();
    const blackhole = await TcpProxy.start({ host: '127.0.0.1', port: closedPort });
    proxies.push(blackhole);
    await blackhole.set('blackhole');
    const start = (port: number) => {
      const started = performance.now();
      const spawned = spawnTsx(
        ['src/server.ts'],
        testEnv({
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'info',
          DATABASE_URL: `postgres://svc:${PASSWORD}@127.0.0.1:${port}/datalive`,
        }),
      );
      const timer = setTimeout(() => spawned.child.kill('SIGKILL'), EXIT_BOUND_MS + 5_000);
      return spawned.exited.then((code) => {
        clearTimeout(timer);
        return { code, ms: performance.now() - started, output: spawned.output() };
      });
    };
    const [refused, hung] = await Promise.all([start(closedPort), start(blackhole.port)]);

    for (const outcome of [refused, hung]) {
      expect(outcome.code, outcome.output).toBe(1);
      expect(outcome.ms).toBeLessThan(EXIT_BOUND_MS);
      expect(outcome.output).toMatch(/^datalive: failed to start: .+$/m);
      expect(outcome.output).not.toContain(PASSWORD);
      expect(outcome.output).not.toContain('datalive api listening');
    }
    expect(refused.output).toMatch(/ECONNREFUSED/);
  });
});
