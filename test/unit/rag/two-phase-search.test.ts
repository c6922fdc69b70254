import { describe, expect, it } from 'vitest';
import type {
  ChunkDetails,
  ChunkFilters,
  LegHit,
  PgRagRepository,
} from '../../../src/adapters/postgres/rag-repository.js';
import { fuseLegs, RagIndexService, RRF_K, TEXT_LEG_WEIGHT } from '../../../src/domain/rag/index-service.js';
import type { Embedder } from '../../../src/ports/embedder.js';

const embedder: Embedder = {
  model: 'fixed',
  dimension: 2,
  embed: async (texts) => texts.map(() => [1, 0]),
};

const details = (chunkId: string): ChunkDetails => ({
  chunkId,
  documentId: `doc-${chunkId}`,
  uri: `runbooks/${chunkId}.md`,
  title: `Chunk ${chunkId}`,
  headingPath: [],
  span: { startLine: 1, endLine: 2 },
  text: `text of ${chunkId} about pumps`,
  docType: 'runbook',
  sites: [],
});

/** A repository whose legs are fixed and whose stored chunks can be removed between the phases. */
function fakeRepository(vector: LegHit[], text: LegHit[], stored: Set<string>) {
  const detailCalls: string[][] = [];
  const repository = {
    vectorCandidates: async (_embedding: readonly number[], _limit: number, _filters: ChunkFilters) => vector,
    textCandidates: async (_terms: readonly string[], _limit: number, _filters: ChunkFilters) => text,
    chunkDetails: async (ids: readonly string[]) => {
      detailCalls.push([...ids]);
      return new Map(ids.filter((id) => stored.has(id)).map((id) => [id, details(id)]));
    },
  };
  return { repository: repository as unknown as PgRagRepository, detailCalls };
}

describe('two-phase RAG search', () => {
  it('fuses the legs by reciprocal rank, the text leg weighted, ties by chunk id', () => {
    const fused = fuseLegs(
      [
        { chunkId: '2', score: 0.9 },
        { chunkId: '1', score: 0.8 },
      ],
      [
        { chunkId: '1', score: 3 },
        { chunkId: '10', score: 2 },
      ],
    );
    expect(fused.map((candidate) => candidate.chunkId)).toEqual(['1', '2', '10']);
    expect(fused[0]?.scores).toEqual({
      vector: 0.8,
      text: 3,
      vectorRank: 2,
      textRank: 1,
      fused: Math.round((1 / (RRF_K + 2) + TEXT_LEG_WEIGHT / (RRF_K + 1)) * 1e6) / 1e6,
    });
    expect(fused[2]?.scores).toMatchObject({ vector: null, vectorRank: null, textRank: 2 });
  });

  it('reads details for the fused top k only and builds snippets from them', async () => {
    const vector = ['a', 'b', 'c', 'd', 'e'].map((chunkId, index) => ({ chunkId, score: 1 - index / 10 }));
    const { repository, detailCalls } = fakeRepository(vector, [], new Set(['a', 'b', 'c', 'd', 'e']));
    const results = await new RagIndexService(repository, embedder).search(
      'pumps',
      { allowedSites: null },
      2,
    );
    expect(detailCalls).toEqual([['a', 'b']]);
    expect(results.map((result) => result.chunkId)).toEqual(['a', 'b']);
    expect(results[0]).toMatchObject({
      uri: 'runbooks/a.md',
      text: 'text of a about pumps',
      title: 'Chunk a',
    });
    expect(results[0]?.snippet).toBe('text of a about pumps');
  });

  it('skips a chunk removed between the phases and lets the next fused one take its place', async () => {
    const vector = ['a', 'b', 'c', 'd'].map((chunkId, index) => ({ chunkId, score: 1 - index / 10 }));
    const { repository, detailCalls } = fakeRepository(vector, [], new Set(['a', 'c', 'd']));
    const results = await new RagIndexService(repository, embedder).search(
      'pumps',
      { allowedSites: null },
      3,
    );
    expect(results.map((result) => result.chunkId)).toEqual(['a', 'c', 'd']);
    expect(detailCalls).toEqual([['a', 'b', 'c'], ['d']]);
    const none = fakeRepository(vector, [], new Set());
    expect(
      await new RagIndexService(none.repository, embedder).search('pumps', { allowedSites: null }, 3),
    ).toEqual([]);
  });
});
