/**
 * Child process of load-memory.test.ts: loads a generated CSV into a fresh in-memory warehouse and prints the
 * peak growth of the resident set and of the JavaScript heap plus external buffers (what the importer
 * holds; the rest of the resident growth is DuckDB's own tables) as JSON. `http` posts the file as a streamed body to POST /warehouse/loads/{mapping};
 * `buffered` reads it into one string first (`loadCsv` with `csvText`), the way loads worked before.
 * Arguments: mode, CSV path, mappings directory.
 */
import { createReadStream, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { loadCsv, readRegisteredMapping } from '../../../src/domain/importer/index.js';
import { buildTestApp, openTestStores } from '../../support/services.js';

const [mode, csvPath, mappingsDir] = process.argv.slice(2) as [string, string, string];
const stores = await openTestStores();
const { services, app } = await buildTestApp(stores, {
  WAREHOUSE_MAPPINGS_DIR: mappingsDir,
  WAREHOUSE_LOAD_MAX_BYTES: String(1024 * 1024 * 1024),
});
const key = (await services.keys.create({ name: 'loader', scopes: ['warehouse:write'] })).plaintext;

const post = (body: ReadableStream<Uint8Array> | string) =>
  app.request('/warehouse/loads/big', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
    body,
    duplex: 'half',
  } as RequestInit);

const warmUp = await post('DATEPRD,WELL_BORE_CODE,ON_STREAM_HRS,BORE_OIL_VOL\n1999-01-01,W-WARM,24,1\n');
if (warmUp.status !== 200) throw new Error(`warm-up load failed: ${await warmUp.text()}`);
globalThis.gc?.();
const javascript = (usage: NodeJS.MemoryUsage): number => usage.heapUsed + usage.external;
const before = process.memoryUsage();
const baseline = before.rss;
const heapBaseline = javascript(before);
let peak = baseline;
let heapPeak = heapBaseline;
const sample = (): void => {
  const usage = process.memoryUsage();
  peak = Math.max(peak, usage.rss);
  heapPeak = Math.max(heapPeak, javascript(usage));
};
const sampler = setInterval(sample, 10);

const started = performance.now();
let rowsLoaded: number;
if (mode === 'http') {
  const body = Readable.toWeb(createReadStream(csvPath)) as ReadableStream<Uint8Array>;
  const response = await post(body);
  const summary = (await response.json()) as { rowsLoaded: number };
  if (response.status !== 200) throw new Error(`load failed: ${JSON.stringify(summary)}`);
  rowsLoaded = summary.rowsLoaded;
} else {
  const registered = await readRegisteredMapping(mappingsDir, 'big');
  if (!registered) throw new Error('mapping "big" is not registered');
  const csvText = await readFile(csvPath, 'utf8');
  rowsLoaded = (await loadCsv(stores.warehouse, { mapping: registered.mapping, csvText })).rowsLoaded;
}
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
sample();
const { rows } = await stores.warehouse.query<{ n: number }>(
  "SELECT count(*) AS n FROM analytics.production_daily WHERE asset_id <> 'W-WARM'",
);
process.stdout.write(
  `${JSON.stringify({ mode, fileBytes: statSync(csvPath).size, rowsLoaded, stored: Number(rows[0]?.n), growth: peak - baseline, heapGrowth: heapPeak - heapBaseline, seconds })}\n`,
);
await services.close();
await stores.db.close();
await stores.warehouse.close();
