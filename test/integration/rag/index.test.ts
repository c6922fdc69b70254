import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '../../../src/adapters/local/hash-embedder.js';
import { migrate } from '../../../src/adapters/postgres/migrate.js';
import {
  type ChunkFilters,
  type ChunkHit,
  PgRagRepository,
} from '../../../src/adapters/postgres/rag-repository.js';
import {
  documentUri,
  fuseLegs,
  queryTerms,
  RagIndexService,
  snippetOf,
} from '../../../src/domain/rag/index-service.js';
import type { Embedder } from '../../../src/ports/embedder.js';
import type { Services } from '../../../src/services.js';
import { buildTestApp, openTestStores, type TestStores, tempDir } from '../../support/services.js';

const RUNBOOKS = '../shared/data/runbooks';

/** An embedder that fails on demand, to interrupt an ingestion half-way. */
class FlakyEmbedder implements Embedder {
  readonly model = 'local-hash-v1-384';
  readonly dimension = 384;
  failNext = false;
  private readonly inner = new HashEmbedder({ dimension: 384 });
  async embed(texts: readonly string[], purpose: 'document' | 'query') {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('embedding service went away');
    }
    return this.inner.embed(texts, purpose);
  }
}

describe('RAG index on PGlite + pgvector', () => {
  let stores: TestStores;
  let dev: RagIndexService;
  let prod: RagIndexService;
  let embedder: FlakyEmbedder;
  const workDir = tempDir('datalive-rag-');

  beforeAll(async () => {
    stores = await openTestStores();
    await migrate(stores.db.pool, { variables: { embedding_dimension: 384 } });
    embedder = new FlakyEmbedder();
    dev = new RagIndexService(new PgRagRepository(stores.db.pool, 'rag_dev'), embedder);
    prod = new RagIndexService(new PgRagRepository(stores.db.pool, 'rag_prod'), embedder);
    await dev.ensureCompatible();
    await prod.ensureCompatible();
  });
  afterAll(async () => {
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  it('ingests the runbooks corpus, skipping nothing, then finds nothing to do on a second run', async () => {
    const first = await dev.ingestPaths([RUNBOOKS], { exclude: ['README.md'] });
    expect(first.failed).toEqual([]);
    expect(first.added).toBe(58);
    expect(first.chunks).toBeGreaterThan(300);
    const second = await dev.ingestPaths([RUNBOOKS], { exclude: ['README.md'] });
    expect(second).toMatchObject({ added: 0, updated: 0, unchanged: 58, chunks: 0 });
  });

  it('identifies documents by source name and path inside the root, wherever ingest runs from', async () => {
    const spellings = [
      path.relative(process.cwd(), RUNBOOKS),
      `${RUNBOOKS}/../runbooks/`,
      path.resolve(RUNBOOKS),
    ];
    for (const root of spellings) {
      const again = await dev.ingestPaths([root], { exclude: ['README.md'] });
      expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 58 });
    }
    const { rows } = await stores.db.pool.query<{ n: number; prefixed: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE uri LIKE 'runbooks/%')::int AS prefixed FROM rag_dev.documents",
    );
    expect(rows[0]).toEqual({ n: 58, prefixed: 58 });
    const renamed = await dev.ingestPaths([RUNBOOKS], { exclude: ['README.md'], source: 'ops-runbooks' });
    expect(renamed.added).toBe(58);
    const pruned = await dev.ingestPaths([RUNBOOKS], {
      exclude: ['README.md'],
      source: 'ops-runbooks',
      prune: true,
    });
    expect(pruned).toMatchObject({ unchanged: 58, removed: 0 });
    for (const stored of await stores.db.pool
      .query<{ id: string }>("SELECT id FROM rag_dev.documents WHERE uri LIKE 'ops-runbooks/%'")
      .then((result) => result.rows))
      await dev.deleteDocument(stored.id);
  });

  it('selects full-text candidates by the rarest terms within the budget, and still ranks by every term', async () => {
    const strict = new PgRagRepository(stores.db.pool, 'rag_dev', { candidateBudget: 100 });
    expect(await strict.selectiveTerms(['the', 'etcdnoleader'])).toEqual(['etcdnoleader']);
    expect(await strict.selectiveTerms(['the', 'and'])).toHaveLength(1);
    const selective = await strict.textSearch(['the', 'etcdnoleader'], 40, { allowedSites: null });
    expect(selective.length).toBeGreaterThan(0);
    const searchable = (hit: (typeof selective)[number]) =>
      [hit.title, ...hit.headingPath, hit.text].join(' ').toLowerCase();
    for (const hit of selective) expect(searchable(hit)).toContain('etcdnoleader');
    const everything = await new PgRagRepository(stores.db.pool, 'rag_dev', {
      candidateBudget: 1_000_000,
    }).textSearch(['the', 'etcdnoleader'], 40, { allowedSites: null });
    expect(everything).toHaveLength(40);
    expect(everything.some((hit) => !searchable(hit).includes('etcdnoleader'))).toBe(true);
    const onlyRare = await strict.textSearch(['etcdnoleader'], 40, { allowedSites: null });
    expect(selective.map((hit) => hit.chunkId).sort()).toEqual(onlyRare.map((hit) => hit.chunkId).sort());
  });

  it('ranks at most candidateLimit chunks, whatever the terms match', async () => {
    const { rows } = await stores.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM rag_dev.chunks WHERE tsv_simple @@ to_tsquery('simple', 'the')",
    );
    expect(rows[0]?.n).toBeGreaterThan(40);
    const unbounded = await new PgRagRepository(stores.db.pool, 'rag_dev').textSearch(['the'], 40, {
      allowedSites: null,
    });
    expect(unbounded).toHaveLength(40);
    const bounded = await new PgRagRepository(stores.db.pool, 'rag_dev', { candidateLimit: 7 }).textSearch(
      ['the'],
      40,
      { allowedSites: null },
    );
    expect(bounded).toHaveLength(7);
  });

  it('searches in two phases with the same hits, scores and order as fusing the full-row legs', async () => {
    const repository = new PgRagRepository(stores.db.pool, 'rag_dev');
    const filterSets: ChunkFilters[] = [
      { allowedSites: null },
      { allowedSites: ['SITE-B'], docTypes: ['runbook'] },
      { allowedSites: null, tags: ['etcd'] },
    ];
    const questions = [
      'etcd cluster has no leader',
      'How do I recover when the disk is almost full?',
      'certificate expiry TLS renew',
      'etcdNoLeader',
      'Postgres replication lag too high',
    ];
    for (const filters of filterSets) {
      for (const question of questions) {
        for (const mode of ['hybrid', 'vector', 'text'] as const) {
          for (const topK of [3, 8, 20]) {
            const depth = Math.max(topK * 4, 40);
            const [embedding] = await embedder.embed([question], 'query');
            const vectorHits =
              mode === 'text' ? [] : await repository.vectorSearch(embedding as number[], depth, filters);
            const textHits =
              mode === 'vector' ? [] : await repository.textSearch(queryTerms(question), depth, filters);
            const byId = new Map([...vectorHits, ...textHits].map((hit) => [hit.chunkId, hit]));
            const expected = fuseLegs(vectorHits, textHits)
              .slice(0, topK)
              .map((candidate) => {
                const hit = byId.get(candidate.chunkId) as ChunkHit;
                return {
                  chunkId: hit.chunkId,
                  documentId: hit.documentId,
                  title: hit.title,
                  uri: hit.uri,
                  headingPath: hit.headingPath,
                  span: hit.span,
                  snippet: snippetOf(hit.text, question),
                  text: hit.text,
                  docType: hit.docType,
                  scores: candidate.scores,
                };
              });
            expect(await dev.search(question, filters, topK, mode)).toEqual(expected);
          }
        }
      }
    }
  });

  it('ranks the legs by ids and scores alone, as the full-row legs do', async () => {
    const repository = new PgRagRepository(stores.db.pool, 'rag_dev');
    const [embedding] = await embedder.embed(['etcd member is unhealthy'], 'query');
    const filters = { allowedSites: null };
    const ids = (hits: Array<{ chunkId: string; score: number }>) =>
      hits.map((hit) => ({ chunkId: hit.chunkId, score: hit.score }));
    expect(await repository.vectorCandidates(embedding as number[], 40, filters)).toEqual(
      ids(await repository.vectorSearch(embedding as number[], 40, filters)),
    );
    const terms = queryTerms('etcd member is unhealthy');
    expect(await repository.textCandidates(terms, 40, filters)).toEqual(
      ids(await repository.textSearch(terms, 40, filters)),
    );
    expect(await repository.textCandidates([], 40, filters)).toEqual([]);
  });

  it('reads chunk details by id and leaves out ids that are no longer stored', async () => {
    const repository = new PgRagRepository(stores.db.pool, 'rag_dev');
    const [first] = await repository.textSearch(['etcdnoleader'], 1, { allowedSites: null });
    expect(first).toBeDefined();
    const details = await repository.chunkDetails([first?.chunkId as string, '999999999']);
    expect([...details.keys()]).toEqual([first?.chunkId]);
    const { score: _score, ...shown } = first as ChunkHit;
    expect(details.get(first?.chunkId as string)).toEqual(shown);
    expect(await repository.chunkDetails([])).toEqual(new Map());
  });

  it('moves the GIN pending lists into the indexes when analyzing', async () => {
    const repository = new PgRagRepository(stores.db.pool, 'rag_dev');
    await repository.analyze();
    const { rows } = await stores.db.pool.query<{ pages: string }>(
      `SELECT coalesce(sum(gin_clean_pending_list(i.indexrelid)), 0)::text AS pages
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
       WHERE i.indrelid = 'rag_dev.chunks'::regclass AND am.amname = 'gin'`,
    );
    expect(rows[0]?.pages).toBe('0');
  });

  it('never returns dev documents to a prod search on the same database', async () => {
    const inDev = await dev.search('etcd cluster has no leader', { allowedSites: null }, 5);
    expect(inDev.length).toBeGreaterThan(0);
    for (const mode of ['hybrid', 'vector', 'text'] as const) {
      expect(await prod.search('etcd cluster has no leader', { allowedSites: null }, 5, mode)).toEqual([]);
    }
  });

  it('matches exact codes through full text and paraphrases through vectors', async () => {
    const exact = await dev.search('etcdNoLeader', { allowedSites: null }, 5, 'text');
    expect(exact[0]?.uri).toContain('etcdNoLeader.md');
    const paraphrase = await dev.search(
      'One of the disks in a mirrored storage array failed and it runs without redundancy',
      { allowedSites: null },
      5,
      'hybrid',
    );
    expect(paraphrase.some((hit) => hit.uri.endsWith('NodeRAIDDegraded.md'))).toBe(true);
    const hit = exact[0];
    expect(hit?.scores.textRank).toBe(1);
    expect(hit?.headingPath).toBeInstanceOf(Array);
    expect(hit?.span).toHaveProperty('startLine');
  });

  it('replaces a changed document atomically and keeps the old version when the replacement fails', async () => {
    const folder = path.join(workDir, 'docs');
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'p101a.md');
    writeFileSync(
      file,
      '---\ntitle: Pump P-101A\nsites: [SITE-A]\n---\n# Pump P-101A\n\nRestart the transfer pump after a trip.\n',
    );
    expect((await dev.ingestPaths([folder])).added).toBe(1);

    writeFileSync(
      file,
      '---\ntitle: Pump P-101A\nsites: [SITE-A]\n---\n# Pump P-101A\n\nVersion two: check the seal first.\n',
    );
    embedder.failNext = true;
    await expect(dev.ingestPaths([folder])).rejects.toThrow(/went away/);
    const afterFailure = await dev.search('P-101A', { allowedSites: null }, 3, 'text');
    expect(afterFailure[0]?.text).toContain('Restart the transfer pump');

    expect((await dev.ingestPaths([folder])).updated).toBe(1);
    const afterUpdate = await dev.search('P-101A', { allowedSites: null }, 3, 'text');
    expect(afterUpdate[0]?.text).toContain('Version two');
    expect(afterUpdate.filter((hit) => hit.uri === documentUri(folder, file))).toHaveLength(1);
    expect(documentUri(folder, file)).toBe('docs/p101a.md');
  });

  it('reports malformed files by name, lands the rest, and prunes removed sources', async () => {
    const folder = path.join(workDir, 'batch');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'good.md'), '# Good\n\nSeparator high level SEP-HLL response.\n');
    writeFileSync(path.join(folder, 'bad.yaml'), 'report: x\npages: not-a-list\n');
    writeFileSync(path.join(folder, 'empty.txt'), '');
    const summary = await dev.ingestPaths([folder], { type: undefined });
    expect(summary.added).toBe(1);
    expect(summary.failed.map((failure) => path.basename(failure.file)).sort()).toEqual([
      'bad.yaml',
      'empty.txt',
    ]);

    const { rmSync } = await import('node:fs');
    rmSync(path.join(folder, 'good.md'));
    const pruned = await dev.ingestPaths([folder], { prune: true });
    expect(pruned.removed).toBe(1);
    expect(await dev.search('SEP-HLL', { allowedSites: null }, 3, 'text')).toEqual([]);
  });

  it('keeps site-specific documents inside the key allow-list', async () => {
    const restricted = await dev.search('P-101A pump', { allowedSites: ['SITE-B'] }, 10, 'hybrid');
    expect(restricted.some((hit) => hit.text.includes('Version two'))).toBe(false);
    const allowed = await dev.search('P-101A pump', { allowedSites: ['SITE-A'] }, 10, 'hybrid');
    expect(allowed.some((hit) => hit.text.includes('Version two'))).toBe(true);
  });

  it('refuses a different embedding dimension until reembed runs', async () => {
    const other = new RagIndexService(
      new PgRagRepository(stores.db.pool, 'rag_dev'),
      new HashEmbedder({ dimension: 256 }),
    );
    await expect(other.ensureCompatible()).rejects.toThrow(/datalive reembed/);
    const result = await other.reembed();
    expect(result.dimension).toBe(256);
    await other.ensureCompatible();
    const hits = await other.search('etcdNoLeader', { allowedSites: null }, 3, 'vector');
    expect(hits.length).toBe(3);
    await expect(dev.ensureCompatible()).rejects.toThrow(/reembed/);
  });
});

describe('/rag routes', () => {
  let stores: TestStores;
  let services: Services;
  let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
  let writer: string;
  let reader: string;

  beforeAll(async () => {
    stores = await openTestStores();
    ({ services, app } = await buildTestApp(stores));
    writer = (
      await services.keys.create({ name: 'w', scopes: ['rag:write', 'rag:explain'], rateTier: 'premium' })
    ).plaintext;
    reader = (await services.keys.create({ name: 'r', scopes: ['rag:explain'], rateTier: 'premium' }))
      .plaintext;
  });
  afterAll(async () => {
    await services?.close();
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const call = (method: string, route: string, key: string, body?: unknown) =>
    app.request(route, {
      method,
      headers: { 'X-API-Key': key, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('uploads, lists, searches and deletes a document with the right scopes', async () => {
    const doc = {
      uri: 'runbooks/cmp-trip.md',
      content: '# CMP-TRIP\n\nWhen compressor CMP-B1 trips, check the anti-surge valve.\n',
    };
    expect((await call('POST', '/rag/documents', reader, doc)).status).toBe(403);
    const created = await call('POST', '/rag/documents', writer, doc);
    expect(created.status).toBe(201);
    const { data } = (await created.json()) as { data: { id: string; chunk_count: number } };
    expect(data.chunk_count).toBe(1);
    expect((await call('POST', '/rag/documents', writer, doc)).status).toBe(200);

    const search = await call('POST', '/rag/search', reader, { query: 'CMP-TRIP anti-surge', top_k: 3 });
    expect(search.status).toBe(200);
    const hits = (await search.json()) as {
      data: Array<{ uri: string; scores: { fused: number; text_rank: number | null } }>;
    };
    expect(hits.data[0]?.uri).toBe('runbooks/cmp-trip.md');
    expect(hits.data[0]?.scores.text_rank).toBe(1);

    const list = await call('GET', '/rag/documents', reader);
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect((await call('DELETE', `/rag/documents/${data.id}`, reader)).status).toBe(403);
    expect((await call('DELETE', `/rag/documents/${data.id}`, writer)).status).toBe(204);
    expect((await call('DELETE', `/rag/documents/${data.id}`, writer)).status).toBe(404);
  });

  it.each([
    [{ query: '' }, 'query'],
    [{ query: 'x', top_k: 500 }, 'top_k'],
    [{ query: 'x', filters: { site: ["SITE-A'; DROP TABLE x"] } }, 'filters.site.0'],
    [{ query: 'x', extra: 1 }, 'query'],
  ])('rejects a bad search body %j with 400', async (body, param) => {
    const response = await call('POST', '/rag/search', reader, body);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; param: string };
    expect(problem.code).toBe('invalid_request');
    if (param !== 'query') expect(problem.param).toBe(param);
  });

  it('rejects an unparseable document with a clear 400 and stores nothing', async () => {
    const response = await call('POST', '/rag/documents', writer, {
      uri: 'dash.yaml',
      content: 'report: [',
      type: 'dashboard',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/dash\.yaml/);
    const list = await call('GET', '/rag/documents', reader);
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(0);
  });
});
