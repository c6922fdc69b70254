import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbWarehouse } from '../../src/adapters/duckdb/duckdb-warehouse.js';
import { openEmbeddedDatabase } from '../../src/adapters/postgres/database.js';
import { seedDemoData } from '../../src/domain/demo/seed.js';
import type { Warehouse } from '../../src/ports/warehouse.js';
import { startServer } from '../../src/server.js';
import { type TestStores, testEnv } from '../support/services.js';
import { agentGet, eventually, freshGet, HIGH_LIMITS, issueKey, sleep } from './helpers.js';

const END_DATE = '2025-06-15';
const IN_FLIGHT = 24;
/** Of the in-flight requests, how many go through one keep-alive agent (one connection each). */
const KEEP_ALIVE = 4;
const GRACE_MS = 10_000;

/** Holds every warehouse query at the gate while it is closed, counting arrivals. */
function gatedWarehouse(inner: Warehouse) {
  let open = true;
  let release: () => void = () => {};
  let gate = Promise.resolve();
  const state = {
    arrivals: 0,
    close() {
      open = false;
      state.arrivals = 0;
      gate = new Promise<void>((resolve) => (release = resolve));
    },
    open() {
      open = true;
      release();
    },
  };
  const warehouse: Warehouse = {
    kind: inner.kind,
    async query(sql, params, options) {
      if (!open) {
        state.arrivals += 1;
        await gate;
      }
      return inner.query(sql, params, options);
    },
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return { warehouse, state };
}

describe('SIGTERM under load (in-process server)', () => {
  let stores: TestStores;

  beforeAll(async () => {
    // A generous warehouse timeout: 24 heavy requests queue for 4 connections on a shared machine, and
    // this test is about draining, not about warehouse capacity (warehouse-faults.test.ts covers that).
    const [db, warehouse] = await Promise.all([
      openEmbeddedDatabase('memory://'),
      openDuckDbWarehouse({ path: ':memory:', timeoutMs: 60_000 }),
    ]);
    stores = { db, warehouse };
    await seedDemoData(stores.warehouse, { endDate: END_DATE });
  });
  afterAll(async () => {
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  it('completes every accepted request with 200 and refuses new connections once shutdown starts', async () => {
    const { warehouse, state } = gatedWarehouse(stores.warehouse);
    const server = await startServer(
      testEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        SHUTDOWN_GRACE_MS: String(GRACE_MS),
        RATE_LIMIT_OVERRIDES: HIGH_LIMITS,
      }),
      { db: stores.db, warehouse },
    );
    let stopped: Promise<void> | undefined;
    try {
      const key = await issueKey(stores.db.pool, {
        name: 'drain',
        scopes: ['insights:read'],
        rateTier: 'premium',
      });
      const headers = { 'X-API-Key': key };
      expect((await fetch(`${server.url}/insights`, { headers })).status).toBe(200);

      state.close();
      const months = ['01', '02', '03', '04', '05', '06'];
      const agent = new Agent({ keepAlive: true, maxSockets: KEEP_ALIVE });
      const requests = Array.from({ length: IN_FLIGHT }, (_, index) => {
        const from = `2024-${months[index % 6]}-0${1 + Math.floor(index / 6)}`;
        const url = `${server.url}/insights/anomalies?from=${from}&to=${END_DATE}&product=oil`;
        if (index < KEEP_ALIVE) return agentGet(url, agent, headers);
        return fetch(url, { headers }).then(async (response) => ({
          status: response.status,
          connection: undefined,
          body: await response.text(),
        }));
      });
      await eventually(async () => (state.arrivals >= IN_FLIGHT ? true : undefined), 10_000);
      await sleep(200);

      const shutdownStarted = performance.now();
      stopped = server.shutdown('SIGTERM');
      await sleep(100);
      await expect(freshGet(`${server.url}/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      state.open();
      const answers = await Promise.all(requests);
      expect(answers.map((answer) => answer.status)).toEqual(Array(IN_FLIGHT).fill(200));
      expect(
        answers.slice(0, KEEP_ALIVE).map((answer) => answer.connection),
        'responses finished while draining tell keep-alive clients to go away',
      ).toEqual(Array(KEEP_ALIVE).fill('close'));
      agent.destroy();
      for (const answer of answers) {
        const body = JSON.parse(answer.body) as { data: unknown[]; meta: { as_of: string } };
        expect(body.meta.as_of).toBe(END_DATE);
        expect(Array.isArray(body.data)).toBe(true);
      }
      await stopped;
      expect(performance.now() - shutdownStarted).toBeLessThan(GRACE_MS);
      await expect(freshGet(`${server.url}/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      state.open();
      await (stopped ?? server.shutdown('test'));
    }
  });
});
