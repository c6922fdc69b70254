import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConverseLlm, type ConverseLlmOptions } from '../../../src/adapters/bedrock/converse-llm.js';
import { generationDeadlineMs } from '../../../src/adapters/bedrock/resilience.js';
import { TitanEmbedder } from '../../../src/adapters/bedrock/titan-embedder.js';
import { HashEmbedder } from '../../../src/adapters/local/hash-embedder.js';
import { migrate } from '../../../src/adapters/postgres/migrate.js';
import { PgRagRepository } from '../../../src/adapters/postgres/rag-repository.js';
import { RagIndexService } from '../../../src/domain/rag/index-service.js';
import { EmbedderError } from '../../../src/ports/embedder.js';
import { LlmError, type LlmRequest, type LlmStreamEvent } from '../../../src/ports/llm.js';
import {
  FAKE_ERRORS,
  type FakeBedrock,
  type FakeStep,
  startFakeBedrock,
} from '../../support/fake-bedrock.js';
import { openTestStores, type TestStores, tempDir } from '../../support/services.js';
import { clientFor, rejectionOf } from './helpers.js';

const MODEL_ID = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const request = (maxTokens: number): LlmRequest => ({
  system: 'Explain production variances.',
  messages: [{ role: 'user', text: 'Why was Site B under plan?' }],
  maxTokens,
});
const QUICK = { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4 };
const throttled = (count: number, operation: FakeStep['operation']): FakeStep[] =>
  Array.from({ length: count }, () => ({ operation, error: FAKE_ERRORS.throttling }));

let fake: FakeBedrock;
let client: BedrockRuntimeClient;
beforeAll(async () => {
  fake = await startFakeBedrock();
  client = clientFor(fake, 10_000);
});
beforeEach(() => fake.reset());
afterAll(async () => {
  await fake.close();
});

const llm = (overrides: Partial<ConverseLlmOptions>): ConverseLlm =>
  new ConverseLlm({ client, modelId: MODEL_ID, retry: { ...QUICK, throttleBudgetMs: 0 }, ...overrides });

describe('non-streaming generation: deadline sized to maxTokens', () => {
  it('sizes the deadline as base + maxTokens × pace (900 tokens on 15 s: 51 s)', () => {
    expect(generationDeadlineMs(15_000, 900, 40)).toBe(51_000);
    expect(generationDeadlineMs(15_000, 0, 40)).toBe(15_000);
  });

  it('waits for a long answer that a flat deadline would cut off', async () => {
    fake.script({ operation: 'converse', delayMs: 700, text: 'Site B lost 12 % to a compressor trip.' });
    const response = await llm({ timeoutMs: 200, msPerOutputToken: 2 }).generate(request(900));
    expect(response.text).toBe('Site B lost 12 % to a compressor trip.');

    fake.script({ operation: 'converse', delayMs: 700, text: 'late' });
    const flat = await rejectionOf(() => llm({ timeoutMs: 200, msPerOutputToken: 0 }).generate(request(900)));
    expect((flat as LlmError).failure).toBe('timeout');
  });

  it('still times out a short request that gets no answer within its own, smaller deadline', async () => {
    fake.script({ operation: 'converse', delayMs: 1_500, text: 'late' });
    const started = Date.now();
    const error = await rejectionOf(() => llm({ timeoutMs: 200, msPerOutputToken: 2 }).generate(request(20)));
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('throttling retried within a time budget, past maxAttempts', () => {
  it('generate: six throttled answers, then success, within a 5 s budget', async () => {
    fake.script(...throttled(6, 'converse'), { operation: 'converse', text: 'ok' });
    const response = await llm({ retry: { ...QUICK, throttleBudgetMs: 5_000 } }).generate(request(50));
    expect(response.text).toBe('ok');
    expect(fake.requestsFor('converse')).toHaveLength(7);
  });

  it('generate: without a budget, gives up after maxAttempts', async () => {
    fake.script(...throttled(6, 'converse'), { operation: 'converse', text: 'ok' });
    const error = await rejectionOf(() => llm({}).generate(request(50)));
    expect((error as LlmError).failure).toBe('throttled');
    expect(fake.requestsFor('converse')).toHaveLength(4);
  });

  it('gives up once the budget is spent, however many attempts that took', async () => {
    fake.respondWith({ error: FAKE_ERRORS.throttling });
    const started = Date.now();
    const error = await rejectionOf(() =>
      llm({ retry: { ...QUICK, throttleBudgetMs: 400 } }).generate(request(50)),
    );
    const elapsed = Date.now() - started;
    expect((error as LlmError).failure).toBe('throttled');
    expect(fake.requestsFor('converse').length).toBeGreaterThan(4);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('stream: throttled before the first delta, then streams slowly but steadily to the end', async () => {
    fake.script(...throttled(5, 'converse-stream'), {
      operation: 'converse-stream',
      chunks: ['Site ', 'B ', 'lost ', '12 %.'],
      chunkDelayMs: 150,
    });
    const events: LlmStreamEvent[] = [];
    const streaming = llm({ timeoutMs: 400, retry: { ...QUICK, throttleBudgetMs: 5_000 } });
    for await (const event of streaming.stream(request(50))) events.push(event);
    const done = events.at(-1);
    expect(done?.type === 'done' && done.response.text).toBe('Site B lost 12 %.');
    expect(fake.requestsFor('converse-stream')).toHaveLength(6);
  });

  it('embeddings: a throttled text is retried within the budget instead of failing its batch', async () => {
    fake.script(...throttled(5, 'invoke'));
    const embedder = new TitanEmbedder({
      client,
      dimension: 256,
      concurrency: 1,
      retry: { ...QUICK, throttleBudgetMs: 5_000 },
    });
    const vectors = await embedder.embed(['compressor trip', 'gas lift'], 'document');
    expect(vectors.map((vector) => vector.length)).toEqual([256, 256]);
    expect(fake.requestsFor('invoke')).toHaveLength(7);
  });
});

describe('reembed resumes after throttling instead of aborting', () => {
  let stores: TestStores;
  let repository: PgRagRepository;
  let chunkCount = 0;

  beforeAll(async () => {
    stores = await openTestStores();
    await migrate(stores.db.pool, { variables: { embedding_dimension: 256 } });
    repository = new PgRagRepository(stores.db.pool, 'rag_qa');
    const local = new RagIndexService(repository, new HashEmbedder({ dimension: 256 }));
    await local.ensureCompatible();
    const docs = tempDir('datalive-reembed-');
    for (const name of ['compressor', 'separator', 'gas-lift']) {
      const sections = Array.from(
        { length: 4 },
        (_, index) =>
          `## ${name} step ${index + 1}\n\n${`Check the ${name} trip log and reset sequence ${index}. `.repeat(12)}\n`,
      );
      writeFileSync(path.join(docs, `${name}.md`), `# ${name} runbook\n\n${sections.join('\n')}`);
    }
    const summary = await local.ingestPaths([docs]);
    chunkCount = summary.chunks;
    expect(chunkCount).toBeGreaterThan(6);
  });

  afterAll(async () => {
    await stores?.db.close();
    await stores?.warehouse.close();
  });

  const titan = () =>
    new TitanEmbedder({
      client,
      dimension: 256,
      concurrency: 2,
      retry: { ...QUICK, maxAttempts: 2, throttleBudgetMs: 0 },
    });

  it('gives up after its stall budget, leaving the index as it was', async () => {
    let invokes = 0;
    fake.respondWith(() => (++invokes > 3 ? { error: FAKE_ERRORS.throttling } : undefined));
    const service = new RagIndexService(repository, titan(), {
      reembed: { batchSize: 3, cooldownMs: 20, maxCooldownMs: 40, stallBudgetMs: 300 },
    });
    const error = await rejectionOf(() => service.reembed());
    expect(error).toBeInstanceOf(EmbedderError);
    expect((error as EmbedderError).failure).toBe('throttled');
    expect((await repository.indexMeta()).embeddingModel).toBe('local-hash-v1-256');
  });

  it('pauses while throttled, resumes at the failed batch and finishes with every chunk re-embedded', async () => {
    let invokes = 0;
    fake.respondWith(() => {
      invokes += 1;
      return invokes > 4 && invokes <= 14 ? { error: FAKE_ERRORS.throttling } : undefined;
    });
    const service = new RagIndexService(repository, titan(), {
      reembed: { batchSize: 3, cooldownMs: 20, maxCooldownMs: 40, stallBudgetMs: 5_000 },
    });
    const pauses: number[] = [];
    const result = await service.reembed(undefined, (pause) => pauses.push(pause.done));
    expect(result).toMatchObject({
      chunks: chunkCount,
      model: 'amazon.titan-embed-text-v2:0',
      dimension: 256,
    });
    expect(result.pauses).toBeGreaterThan(0);
    expect(pauses.every((done) => done > 0 && done < chunkCount)).toBe(true);
    expect(await repository.indexMeta()).toEqual({
      embeddingModel: 'amazon.titan-embed-text-v2:0',
      embeddingDimension: 256,
    });
    const embedded = new Set(
      fake
        .requestsFor('invoke')
        .slice(14)
        .map((recorded) => (recorded.body as { inputText: string }).inputText),
    );
    expect(embedded.size).toBeLessThan(chunkCount);
  });
});
