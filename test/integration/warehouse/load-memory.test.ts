import { execFile } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/services.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./load-memory.child.ts', import.meta.url));
const ROWS = 200_000;
const WELLS = 100;
const MAPPING = `
table: production_daily
columns:
  date: { from: DATEPRD }
  asset_id: { from: WELL_BORE_CODE }
  product_id: { value: oil }
  actual_volume: { from: BORE_OIL_VOL }
  uptime_hours: { from: ON_STREAM_HRS }
dimensions:
  products: { product_id: { value: oil }, product_name: { value: Oil }, unit: Sm3 }
`;
const HEADER =
  'DATEPRD,WELL_BORE_CODE,NPD_WELL_BORE_NAME,NPD_FIELD_NAME,NPD_FACILITY_NAME,ON_STREAM_HRS,AVG_DOWNHOLE_PRESSURE,AVG_DOWNHOLE_TEMPERATURE,AVG_DP_TUBING,AVG_ANNULUS_PRESS,AVG_CHOKE_SIZE_P,AVG_WHP_P,AVG_WHT_P,BORE_OIL_VOL,BORE_GAS_VOL,BORE_WAT_VOL,FLOW_KIND';

interface Measured {
  mode: string;
  fileBytes: number;
  rowsLoaded: number;
  stored: number;
  growth: number;
  heapGrowth: number;
  seconds: number;
}

let csvPath: string;
let mappingsDir: string;

/** A Volve-like daily file: 100 wells × 2,000 days, one oil row per record (~120 bytes a line). */
async function writeBigCsv(file: string): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write(`${HEADER}\n`);
  const day0 = Date.UTC(2000, 0, 1);
  let lines: string[] = [];
  for (let index = 0; index < ROWS; index += 1) {
    const well = `W-${String(index % WELLS).padStart(3, '0')}`;
    const date = new Date(day0 + Math.floor(index / WELLS) * 86_400_000).toISOString().slice(0, 10);
    lines.push(
      `${date},${well},"15/9-${well}",VOLVE,"MÆRSK INSPIRER",24,${(250 + (index % 7)).toFixed(3)},105.${index % 10},180.25,12.5,41.7,35.6,80.1,${(index % 5000) / 10},${index % 90000},${index % 300},production`,
    );
    if (lines.length === 5_000) {
      await write(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  await write(`${lines.join('\n')}\n`);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** JavaScript heap cap of the child (MiB): the app and a streamed load fit, a 25 MB file held whole does not. */
const HEAP_CAP_MIB = 96;

async function measure(mode: 'http' | 'buffered'): Promise<Measured> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      `--max-old-space-size=${HEAP_CAP_MIB}`,
      '--import',
      'tsx',
      '--expose-gc',
      CHILD,
      mode,
      csvPath,
      mappingsDir,
    ],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: 'silent' } },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Measured;
}

beforeAll(async () => {
  const dir = tempDir('datalive-big-load-');
  csvPath = path.join(dir, 'big.csv');
  mappingsDir = path.join(dir, 'mappings');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(mappingsDir);
  writeFileSync(path.join(mappingsDir, 'big.yaml'), MAPPING);
  await writeBigCsv(csvPath);
}, 60_000);

describe('a large CSV loaded over HTTP', () => {
  it('loads 200k rows within a heap cap that the whole file held as one string exceeds', async () => {
    const streamed = await measure('http');
    console.info(JSON.stringify(streamed));
    expect(streamed.fileBytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(streamed.rowsLoaded).toBe(ROWS);
    expect(streamed.stored).toBe(ROWS);
    expect(streamed.growth).toBeLessThan(streamed.fileBytes * 2);
    await expect(measure('buffered')).rejects.toThrow(/heap/i);
  }, 300_000);
});
