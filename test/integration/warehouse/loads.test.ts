import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores, tempDir } from '../../support/services.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const VOLVE_CSV = path.join(ROOT, '../shared/data/volve/volve_daily_production.csv');
const VOLVE_MAPPING = path.join(ROOT, 'docs/examples/volve.mapping.yaml');
const VOLVE_TEXT = readFileSync(VOLVE_CSV, 'utf8');
const SMALL = VOLVE_TEXT.split('\n').slice(0, 401).join('\n');

let stores: TestStores;
let services: Services;
let app: App;
let admin: string;
let writer: string;
let reader: string;

beforeAll(async () => {
  const mappings = tempDir('datalive-mappings-');
  copyFileSync(VOLVE_MAPPING, path.join(mappings, 'volve.yaml'));
  writeFileSync(
    path.join(mappings, 'volve-bbl.yaml'),
    readFileSync(VOLVE_MAPPING, 'utf8').replace(
      '{ product_id: oil, product_name: Oil, unit: Sm3 }',
      '{ product_id: oil, product_name: Oil, unit: bbl }',
    ),
  );
  writeFileSync(path.join(mappings, 'broken.yaml'), 'table: nowhere\n');
  stores = await openTestStores();
  ({ services, app } = await buildTestApp(stores, {
    WAREHOUSE_MAPPINGS_DIR: mappings,
    WAREHOUSE_LOAD_MAX_BYTES: String(4 * 1024 * 1024),
  }));
  const key = async (scopes: Parameters<Services['keys']['create']>[0]['scopes']) =>
    (await services.keys.create({ name: scopes.join('+'), scopes })).plaintext;
  admin = await key(['admin']);
  writer = await key(['warehouse:write']);
  reader = await key(['insights:read']);
});

afterAll(async () => {
  await services?.close();
  await stores?.db.close();
  await stores?.warehouse.close();
});

/** A body that arrives in chunks with no Content-Length, as a pipeline's streaming upload does. */
function chunked(text: string, size = 64 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

function post(
  mapping: string,
  body: string | ReadableStream<Uint8Array>,
  key = writer,
  query = '',
  type = 'text/csv',
) {
  return app.request(`/warehouse/loads/${mapping}${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': type },
    body,
    duplex: 'half',
  } as RequestInit);
}

const productionRows = async () =>
  (await stores.warehouse.query<{ n: number }>('SELECT count(*) AS n FROM analytics.production_daily'))
    .rows[0]?.n;

describe('POST /warehouse/loads/{mapping}', () => {
  it('loads the whole Volve file streamed in chunks, past the general body limit, with the CLI summary', async () => {
    const response = await post('volve', chunked(VOLVE_TEXT), writer, '?source=volve_daily_production.csv');
    expect(response.status).toBe(200);
    const summary = (await response.json()) as Record<string, unknown>;
    expect(summary).toMatchObject({
      status: 'loaded',
      table: 'production_daily',
      source: 'volve_daily_production.csv',
      rowsRead: 15634,
      rowsLoaded: 33956,
      rowsReplaced: 0,
      flaggedRows: 88,
      flags: { negative_volume: 4, hours_over_24: 46, volume_without_hours: 38 },
    });
    expect(await productionRows()).toBe(33956);
    const daily = await app.request(
      '/insights/daily?from=2010-03-15&to=2010-03-15&product=oil&asset=15/9-F-12',
      {
        headers: { authorization: `Bearer ${reader}` },
      },
    );
    const dailyBody = (await daily.json()) as { data: Array<{ actual_volume: number }> };
    expect(daily.status, JSON.stringify(dailyBody)).toBe(200);
    expect(dailyBody.data[0]?.actual_volume).toBe(3860.92);
    const spool = path.join(services.config.dataDir, 'spool');
    expect(readdirSync(spool)).toEqual([]);
    expect(statSync(spool).mode & 0o777).toBe(0o700);
  });

  it('is idempotent: the same rows again replace themselves', async () => {
    const response = await post('volve', SMALL, admin);
    expect(response.status).toBe(200);
    const summary = (await response.json()) as { rowsLoaded: number; rowsReplaced: number };
    expect(summary.rowsReplaced).toBe(summary.rowsLoaded);
    expect(await productionRows()).toBe(33956);
  });

  it('rejects a bad file with line numbers and changes nothing', async () => {
    const bad = SMALL.replace(/\n(2014-04-2\d),/, '\n2014-02-30,');
    const response = await post('volve', bad);
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as {
      code: string;
      errors: Array<{ path: string; message: string }>;
    };
    expect(problem.code).toBe('unprocessable');
    expect(problem.errors[0]?.message).toMatch(/2014-02-30/);
    expect(problem.errors[0]?.path).toMatch(/^line \d+ \[DATEPRD\]$/);
    expect(await productionRows()).toBe(33956);
  });

  it('refuses a unit change of a loaded product (409) and writes nothing', async () => {
    const response = await post('volve-bbl', SMALL);
    expect(response.status).toBe(409);
    const problem = (await response.json()) as { code: string; detail: string; clashes: unknown[] };
    expect(problem.code).toBe('conflict');
    expect(problem.clashes).toEqual([{ product_id: 'oil', warehouse_unit: 'Sm3', file_unit: 'bbl' }]);
    const units = await stores.warehouse.query<{ unit: string }>(
      "SELECT unit FROM analytics.products WHERE product_id = 'oil'",
    );
    expect(units.rows).toEqual([{ unit: 'Sm3' }]);
  });

  it('validates without writing on dry_run', async () => {
    const response = await post('volve', SMALL, writer, '?dry_run=true');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'validated', dryRun: true, rowsReplaced: 0 });
  });

  it('answers scope, name, type and size problems as problem+json', async () => {
    expect((await post('volve', SMALL, reader)).status).toBe(403);
    expect((await post('nope', SMALL)).status).toBe(404);
    expect((await post('Bad Name', SMALL)).status).toBe(400);
    expect((await post('volve', SMALL, writer, '', 'application/json')).status).toBe(415);
    const broken = await post('broken', SMALL);
    expect(broken.status).toBe(422);
    expect(((await broken.json()) as { errors: Array<{ path: string }> }).errors[0]?.path).toBe('table');
    const huge = await post('volve', chunked(VOLVE_TEXT + VOLVE_TEXT));
    expect(huge.status).toBe(413);
    expect(await productionRows()).toBe(33956);
  });

  it('lists the registered mappings', async () => {
    const response = await app.request('/warehouse/mappings', {
      headers: { authorization: `Bearer ${writer}` },
    });
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as {
      data: Array<{ name: string; table: string | null; products: string[]; error: string | null }>;
    };
    expect(data.map((entry) => entry.name)).toEqual(['broken', 'volve', 'volve-bbl']);
    expect(data[1]).toMatchObject({
      table: 'production_daily',
      products: ['oil', 'gas', 'water', 'water_injection'],
    });
    expect(data[0]?.error).toMatch(/table/);
  });
});
