import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashEmbedder } from '../../../src/adapters/local/hash-embedder.js';
import { migrate } from '../../../src/adapters/postgres/migrate.js';
import { PgRagRepository } from '../../../src/adapters/postgres/rag-repository.js';
import { RagIndexService } from '../../../src/domain/rag/index-service.js';
import { chunkHeader, loadDocument } from '../../../src/domain/rag/ingest/index.js';
import { createScratchDatabase } from '../../support/postgres.js';
import { openTestStores, type TestStores } from '../../support/services.js';

const RUNBOOK = `# Compressor restart\n\nAfter a CMP-TRIP at SITE-B, check the lube oil pressure before the restart.\n\n## Checks\n\nVerify the anti-surge valve strokes fully and the suction scrubber level is normal.\n`;

/** Ingests one runbook, then reads its vectors back and searches with one of them. */
async function roundTrip(pool: pg.Pool): Promise<void> {
  await migrate(pool, { variables: { embedding_dimension: 256 } });
  const embedder = new HashEmbedder({ dimension: 256 });
  const repository = new PgRagRepository(pool, 'rag_dev');
  const rag = new RagIndexService(repository, embedder);
  await rag.ensureCompatible();
  const document = await loadDocument({ path: 'runbooks/cmp-restart.md', content: RUNBOOK });
  await rag.ingestDocument(document, null);
  const hits = await repository.textSearch(['compressor', 'anti-surge'], 10, { allowedSites: null });
  expect(hits.length).toBeGreaterThanOrEqual(2);
  const stored = await repository.storedEmbeddings(hits.map((hit) => hit.chunkId));
  expect(stored.size).toBe(hits.length);
  for (const hit of hits) {
    const vector = stored.get(hit.chunkId);
    expect(Array.isArray(vector)).toBe(true);
    expect(vector).toHaveLength(256);
    const [expected] = await embedder.embed(
      [`${chunkHeader(hit.title, hit.headingPath)}\n\n${hit.text}`],
      'document',
    );
    for (const [index, value] of (vector ?? []).entries()) {
      expect(value).toBeCloseTo(expected?.[index] ?? Number.NaN, 6);
    }
    const [nearest] = await repository.vectorSearch(vector ?? [], 1, { allowedSites: null }, true);
    expect(nearest?.chunkId).toBe(hit.chunkId);
    expect(nearest?.score).toBeCloseTo(1, 5);
  }
  expect(await repository.storedEmbeddings(['999999'])).toEqual(new Map());
}

describe('vectors through the pgvector package', () => {
  let stores: TestStores;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let external: pg.Pool;

  beforeAll(async () => {
    stores = await openTestStores();
    scratch = await createScratchDatabase();
    external = new pg.Pool({ connectionString: scratch.url, max: 2 });
  });
  afterAll(async () => {
    await stores?.db.close();
    await stores?.warehouse.close();
    await external?.end();
    await scratch?.drop();
  });

  it('stores, reads back and searches vectors on PGlite', async () => {
    await roundTrip(stores.db.pool);
  });

  it('stores, reads back and searches vectors on PostgreSQL with the vector extension', async () => {
    await roundTrip(external);
  });
});
