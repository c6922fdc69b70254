import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  TITAN_EMBED_TEXT_V2,
  TitanEmbedder,
  truncateForTitan,
} from '../../../src/adapters/bedrock/titan-embedder.js';
import { EmbedderError } from '../../../src/ports/embedder.js';
import {
  FAKE_ERRORS,
  type FakeBedrock,
  fakeTitanEmbedding,
  startFakeBedrock,
} from '../../support/fake-bedrock.js';
import { clientFor, FAST_RETRY, rejectionOf } from './helpers.js';

function norm(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

function cosine(left: readonly number[], right: readonly number[]): number {
  return left.reduce((sum, value, index) => sum + value * right[index]!, 0) / (norm(left) * norm(right));
}

describe('TitanEmbedder against the fake Bedrock wire protocol', () => {
  let fake: FakeBedrock;
  let client: BedrockRuntimeClient;

  beforeAll(async () => {
    fake = await startFakeBedrock();
    client = clientFor(fake);
  });

  afterAll(async () => {
    client.destroy();
    await fake.close();
  });

  beforeEach(() => fake.reset());

  const embedder = (overrides: Partial<ConstructorParameters<typeof TitanEmbedder>[0]> = {}): TitanEmbedder =>
    new TitanEmbedder({ client, dimension: 256, retry: FAST_RETRY, ...overrides });

  it('returns one normalised vector per text with the configured dimension', async () => {
    const texts = ['Site B oil output fell', 'compressor trip at plant 3'];
    const vectors = await embedder().embed(texts, 'document');

    expect(vectors).toHaveLength(2);
    for (const [index, vector] of vectors.entries()) {
      expect(vector).toHaveLength(256);
      expect(norm(vector)).toBeCloseTo(1, 6);
      expect(vector).toEqual(fakeTitanEmbedding(texts[index]!, 256));
    }
  });

  it('sends the Titan v2 body, model id and a SigV4 signature made with the given credentials', async () => {
    await new TitanEmbedder({ client, dimension: 512 }).embed(['hello wells'], 'query');

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request!.operation).toBe('invoke');
    expect(request!.modelId).toBe(TITAN_EMBED_TEXT_V2);
    expect(request!.body).toEqual({ inputText: 'hello wells', dimensions: 512, normalize: true });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDFAKEBEDROCK0000\/\d{8}\/us-east-1\/bedrock\/aws4_request/,
    );
  });

  it.each([256, 512, 1024] as const)('asks for and checks %i dimensions', async (dimension) => {
    const [vector] = await new TitanEmbedder({ client, dimension }).embed(['gas lift'], 'document');
    expect(vector).toHaveLength(dimension);
    expect(fake.requests[0]!.body).toMatchObject({ dimensions: dimension });
  });

  it('rejects unsupported dimensions at construction', () => {
    expect(() => new TitanEmbedder({ client, dimension: 300 as 256 })).toThrow(RangeError);
  });

  it('gives closer vectors to texts that share words (useful for retrieval tests)', async () => {
    const [query, related, unrelated] = await embedder().embed(
      [
        'water cut increase at Site B',
        'Site B water cut rose after the workover',
        'quarterly payroll calendar',
      ],
      'query',
    );
    expect(cosine(query!, related!)).toBeGreaterThan(cosine(query!, unrelated!));
  });

  it('preserves input order while running a bounded number of calls concurrently', async () => {
    const texts = Array.from({ length: 12 }, (_, index) => `document number ${index}`);
    fake.respondWith((request) => {
      const inputText = (request.body as { inputText: string }).inputText;
      const index = Number(inputText.split(' ').at(-1));
      return { delayMs: (texts.length - index) * 4 };
    });

    const vectors = await embedder({ concurrency: 4 }).embed(texts, 'document');

    expect(vectors).toEqual(texts.map((text) => fakeTitanEmbedding(text, 256)));
    expect(fake.maxInFlight).toBeLessThanOrEqual(4);
    expect(fake.maxInFlight).toBeGreaterThan(1);
  });

  it('retries throttling and transient 5xx, then succeeds', async () => {
    fake.script(
      { error: FAKE_ERRORS.throttling },
      { error: FAKE_ERRORS.modelNotReady },
      { error: FAKE_ERRORS.serviceUnavailable },
    );

    const [vector] = await embedder({ retry: { ...FAST_RETRY, maxAttempts: 4 } }).embed(
      ['retry me'],
      'document',
    );

    expect(vector).toEqual(fakeTitanEmbedding('retry me', 256));
    expect(fake.requests).toHaveLength(4);
  });

  it('retries a 500 InternalServerException', async () => {
    fake.script({ error: FAKE_ERRORS.internal });
    await expect(embedder().embed(['x'], 'document')).resolves.toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('reports throttled once the attempts are exhausted', async () => {
    fake.respondWith({ error: FAKE_ERRORS.throttling });

    const error = await rejectionOf(() =>
      embedder({ retry: { ...FAST_RETRY, maxAttempts: 3 } }).embed(['x'], 'query'),
    );

    expect(error).toBeInstanceOf(EmbedderError);
    expect((error as EmbedderError).failure).toBe('throttled');
    expect((error as EmbedderError).message).toMatch(/after 3 attempts.*ThrottlingException/);
    expect(fake.requests).toHaveLength(3);
  });

  it('reports unavailable when 503 persists', async () => {
    fake.respondWith({ error: FAKE_ERRORS.serviceUnavailable });
    const error = await rejectionOf(() =>
      embedder({ retry: { ...FAST_RETRY, maxAttempts: 2 } }).embed(['x'], 'query'),
    );
    expect((error as EmbedderError).failure).toBe('unavailable');
    expect(fake.requests).toHaveLength(2);
  });

  it('maps a 400 ValidationException to invalid without retrying', async () => {
    fake.script({ error: { ...FAKE_ERRORS.validation, message: 'bad input' } });

    const error = await rejectionOf(() => embedder().embed(['x'], 'document'));

    expect(error).toBeInstanceOf(EmbedderError);
    expect((error as EmbedderError).failure).toBe('invalid');
    expect((error as EmbedderError).message).toContain('bad input');
    expect(fake.requests).toHaveLength(1);
  });

  it('times out a slow call with its own per-call deadline and does not retry it', async () => {
    fake.script({ delayMs: 3_000 });
    const started = Date.now();

    const error = await rejectionOf(() => embedder({ timeoutMs: 150 }).embed(['slow'], 'document'));

    expect(error).toBeInstanceOf(EmbedderError);
    expect((error as EmbedderError).failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('times out through the HTTP handler timeout of the shared client', async () => {
    const impatientClient = clientFor(fake, 150);
    fake.script({ delayMs: 3_000 });
    try {
      const error = await rejectionOf(() =>
        new TitanEmbedder({ client: impatientClient, dimension: 256, timeoutMs: 10_000 }).embed(
          ['slow'],
          'query',
        ),
      );
      expect((error as EmbedderError).failure).toBe('timeout');
    } finally {
      impatientClient.destroy();
    }
  });

  it('rejects a vector whose length differs from the configured dimension', async () => {
    fake.respondWith({ embedding: [0.6, 0.8] });

    const error = await rejectionOf(() => embedder().embed(['x'], 'document'));

    expect((error as EmbedderError).failure).toBe('invalid');
    expect((error as EmbedderError).message).toMatch(/2 dimensions, expected 256/);
  });

  it('stops the batch at the first failing text', async () => {
    const texts = ['poison', ...Array.from({ length: 7 }, (_, index) => `fine ${index}`)];
    fake.respondWith((request) =>
      (request.body as { inputText: string }).inputText === 'poison'
        ? { error: FAKE_ERRORS.validation }
        : { delayMs: 100 },
    );

    const error = await rejectionOf(() => embedder({ concurrency: 2 }).embed(texts, 'document'));

    expect((error as EmbedderError).failure).toBe('invalid');
    expect(fake.requests.length).toBeLessThan(texts.length);
  });

  it('rejects empty texts without calling Bedrock and returns [] for no texts', async () => {
    const error = await rejectionOf(() => embedder().embed(['ok', '   '], 'document'));
    expect((error as EmbedderError).failure).toBe('invalid');
    await expect(embedder().embed([], 'document')).resolves.toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('truncates over-long inputs so Titan accepts them', async () => {
    const longText = 'production '.repeat(6_000);
    const manyWords = 'a '.repeat(20_000);

    const vectors = await embedder().embed([longText, manyWords], 'document');

    expect(vectors).toHaveLength(2);
    const sent = fake.requests.map((request) => (request.body as { inputText: string }).inputText);
    for (const inputText of sent) {
      expect(inputText.length).toBeLessThanOrEqual(50_000);
      expect(inputText.split(/\s+/).length).toBeLessThanOrEqual(8_192);
    }
    expect(sent.map((text) => text.length).sort((a, b) => a - b)[0]).toBeGreaterThan(10_000);
  });

  it('is rejected by the fake as by Titan when the token budget is not applied', async () => {
    const error = await rejectionOf(() =>
      embedder({ maxInputTokens: 1_000_000 }).embed(['a '.repeat(20_000)], 'document'),
    );
    expect((error as EmbedderError).failure).toBe('invalid');
    expect((error as EmbedderError).message).toMatch(/Too many input tokens/);
  });
});

describe('truncateForTitan', () => {
  it('keeps short texts unchanged', () => {
    expect(truncateForTitan('Site B: 12 % under plan.', 50_000, 8_000)).toBe('Site B: 12 % under plan.');
  });

  it('cuts on the character cap, including inside one huge word, without splitting surrogate pairs', () => {
    expect(truncateForTitan('x'.repeat(100), 10, 8_000)).toBe('x'.repeat(10));
    const emoji = '😀'.repeat(10);
    const cut = truncateForTitan(`ab${emoji}`, 5, 8_000);
    expect(cut).toBe('ab😀');
  });

  it('cuts on the estimated token budget', () => {
    expect(truncateForTitan('one two three four five', 1_000, 4)).toBe('one two three');
    expect(truncateForTitan('one two three four five', 1_000, 3)).toBe('one two');
  });
});
