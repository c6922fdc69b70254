import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import type { Services } from '../../../src/services.js';
import { captureIo } from '../../support/cli.js';
import { buildTestApp, openTestStores, type TestStores, testEnv } from '../../support/services.js';

const PROJECT = 'test/fixtures/pbip/production-losses';
/** The project's document id: its folder is the ingest root, so its source name alone. */
const PROJECT_URI = 'production-losses';
const DISTRACTORS = ['data/demo', '../shared/data/runbooks'];

/** Every file under a folder, by POSIX path relative to it (hidden files included, as `git archive` would). */
function folderEntries(folder: string, relative = ''): Record<string, Uint8Array> {
  const entries: Record<string, Uint8Array> = {};
  for (const name of readdirSync(path.join(folder, relative))) {
    const child = relative ? `${relative}/${name}` : name;
    if (statSync(path.join(folder, child)).isDirectory())
      Object.assign(entries, folderEntries(folder, child));
    else entries[child] = readFileSync(path.join(folder, child));
  }
  return entries;
}

interface Hit {
  uri: string;
  heading_path: string[];
  span: { file?: string; startLine: number; endLine: number };
  snippet: string;
}

describe('Power BI Project ingestion', () => {
  let stores: TestStores;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let writer: string;

  beforeAll(async () => {
    stores = await openTestStores();
    ({ services, app } = await buildTestApp(stores));
    writer = (
      await services.keys.create({ name: 'w', scopes: ['rag:write', 'rag:explain'], rateTier: 'premium' })
    ).plaintext;
    const distractors = await services.rag.ingestPaths(DISTRACTORS, { exclude: ['README.md'] });
    expect(distractors.failed).toEqual([]);
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const call = (method: string, route: string, body?: unknown) =>
    app.request(route, {
      method,
      headers: { 'X-API-Key': writer, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const search = async (query: string): Promise<Hit[]> => {
    const response = await call('POST', '/rag/search', { query, top_k: 5 });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: Hit[] }).data;
  };

  it('ingests a project folder as one dashboard document, and re-ingesting changes nothing', async () => {
    const first = await services.rag.ingestPaths([PROJECT]);
    expect(first).toMatchObject({ added: 1, updated: 0, unchanged: 0, failed: [] });
    expect(first.chunks).toBeGreaterThanOrEqual(17);
    const list = await call('GET', '/rag/documents?limit=500');
    const stored = ((await list.json()) as { data: Array<Record<string, unknown>> }).data.find(
      (document) => document.uri === PROJECT_URI,
    );
    expect(stored).toMatchObject({ title: 'Production Losses', doc_type: 'dashboard', format: 'pbip' });
    const before = await services.rag.search(
      'Variance % DAX',
      { allowedSites: null, docTypes: ['dashboard'] },
      20,
    );

    const second = await services.rag.ingestPaths([PROJECT]);
    expect(second).toMatchObject({ added: 0, updated: 0, unchanged: 1, chunks: 0, failed: [] });
    const again = (
      (await (await call('GET', '/rag/documents?limit=500')).json()) as {
        data: Array<Record<string, unknown>>;
      }
    ).data.find((document) => document.uri === PROJECT_URI);
    expect(again).toEqual(stored);
    const after = await services.rag.search(
      'Variance % DAX',
      { allowedSites: null, docTypes: ['dashboard'] },
      20,
    );
    expect(after.map((hit) => hit.chunkId)).toEqual(before.map((hit) => hit.chunkId));
  });

  it('finds the page for "Which report shows lost volume by cause?"', async () => {
    const [top] = await search('Which report shows lost volume by cause?');
    expect(top?.uri).toBe(PROJECT_URI);
    expect(top?.heading_path).toEqual(['Production Losses', 'Page: Lost Volume by Cause']);
    expect(top?.span).toEqual({
      file: 'Production Losses.Report/definition/pages/5e2a9d7c4b1f08e3a6d2/page.json',
      startLine: 1,
      endLine: 8,
    });
  });

  it('cites the measure and its DAX for "how is Variance % computed?"', async () => {
    const [top] = await search('how is Variance % computed?');
    expect(top?.uri).toBe(PROJECT_URI);
    expect(top?.heading_path).toEqual(['Production Losses', 'Measure: Variance %']);
    expect(top?.span).toEqual({
      file: 'Production Losses.SemanticModel/definition/tables/Production.tmdl',
      startLine: 23,
      endLine: 37,
    });
    const measure = (await services.rag.search('how is Variance % computed?', { allowedSites: null }, 1))[0];
    expect(measure?.text).toContain('DIVIDE(actual - planned, planned)');
    expect(measure?.text).toContain(
      'Used on report pages: Overview (Variance to plan, kpi), Variación por sitio',
    );
  });

  it('finds the Spanish page and the Spanish-described measure for questions in Spanish', async () => {
    const [page] = await search('¿Qué página muestra la variación por sitio y activo?');
    expect(page?.heading_path).toEqual(['Production Losses', 'Page: Variación por sitio']);
    const [measure] = await search('¿Cómo se calcula el volumen planificado?');
    expect(measure?.heading_path).toEqual(['Production Losses', 'Measure: Planned Volume']);
  });

  it('accepts the same project zipped through POST /rag/documents, unchanged on a second upload', async () => {
    const zip = Buffer.from(zipSync(folderEntries(PROJECT), { level: 6 }));
    const body = { uri: 'uploads/production-losses.zip', content_base64: zip.toString('base64') };
    const created = await call('POST', '/rag/documents', body);
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as {
      data: { format: string; chunk_count: number; content_hash: string };
    };
    expect(data.format).toBe('pbip');
    const fromFolder = await services.rag.listDocuments({ limit: 500, afterUri: null, allowedSites: null });
    const folderDocument = fromFolder.documents.find((document) => document.uri === PROJECT_URI);
    expect(data.content_hash).toBe(folderDocument?.contentHash);
    expect(data.chunk_count).toBe(folderDocument?.chunkCount);
    const repeated = await call('POST', '/rag/documents', body);
    expect(repeated.status).toBe(200);
    expect(((await repeated.json()) as { status: string }).status).toBe('unchanged');
  });

  it('refuses a broken archive with 400 and a ZIP bomb with 413, as problem+json', async () => {
    const broken = await call('POST', '/rag/documents', {
      uri: 'uploads/broken.zip',
      content_base64: Buffer.from('PK\u0003\u0004 not really a zip').toString('base64'),
    });
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toContain('application/problem+json');
    expect(((await broken.json()) as { code: string; detail: string }).detail).toMatch(/not a readable ZIP/);

    const bomb = Buffer.from(
      zipSync(
        { 'Bomb.SemanticModel/definition/tables/T.tmdl': new Uint8Array(9 * 1024 * 1024) },
        { level: 9 },
      ),
    );
    expect(bomb.length).toBeLessThan(100_000);
    const refused = await call('POST', '/rag/documents', {
      uri: 'uploads/bomb.zip',
      content_base64: bomb.toString('base64'),
    });
    expect(refused.status).toBe(413);
    const problem = (await refused.json()) as { code: string; detail: string };
    expect(problem.code).toBe('payload_too_large');
    expect(problem.detail).toMatch(/over the 8388608-byte limit/);
  });
});

describe('datalive ingest with a Power BI Project', () => {
  it('indexes the folder named by its .pbip file, then finds nothing to do when given the folder itself', async () => {
    const env = testEnv();
    const first = captureIo();
    expect(await main(['ingest', `${PROJECT}/Production Losses.pbip`], first, env)).toBe(0);
    expect(first.stdout.join('\n')).toMatch(
      /1 added, 0 updated, 0 unchanged, 0 removed; \d+ chunks embedded/,
    );
    const second = captureIo();
    expect(await main(['ingest', PROJECT], second, env)).toBe(0);
    expect(second.stdout.join('\n')).toMatch(/0 added, 0 updated, 1 unchanged, 0 removed; 0 chunks/);
  });
});
