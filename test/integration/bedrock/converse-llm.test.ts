import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConverseLlm, type ConverseLlmOptions } from '../../../src/adapters/bedrock/converse-llm.js';
import { LlmError, type LlmRequest, type LlmStreamEvent } from '../../../src/ports/llm.js';
import { FAKE_ERRORS, type FakeBedrock, startFakeBedrock } from '../../support/fake-bedrock.js';
import { clientFor, eventually, FAST_RETRY, rejectionOf } from './helpers.js';

const MODEL_ID = 'anthropic.claude-3-5-haiku-20241022-v1:0';

const request: LlmRequest = {
  system: 'You explain production variances. Cite facts by id.',
  messages: [{ role: 'user', text: 'Why was Site B under plan yesterday?' }],
  maxTokens: 256,
  temperature: 0.1,
};

async function collect(events: AsyncIterable<LlmStreamEvent>): Promise<LlmStreamEvent[]> {
  const collected: LlmStreamEvent[] = [];
  for await (const event of events) collected.push(event);
  return collected;
}

function deltasOf(events: readonly LlmStreamEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'delta' ? [event.text] : []));
}

describe('ConverseLlm against the fake Bedrock wire protocol', () => {
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

  const llm = (overrides: Partial<ConverseLlmOptions> = {}): ConverseLlm =>
    new ConverseLlm({ client, modelId: MODEL_ID, retry: FAST_RETRY, ...overrides });

  describe('generate (Converse)', () => {
    it('returns the text, stop reason and usage reported by the service', async () => {
      fake.script({
        text: 'Site B lost 12 % because of a compressor trip [F1].',
        usage: { inputTokens: 57, outputTokens: 14 },
      });

      const response = await llm().generate(request);

      expect(response).toEqual({
        text: 'Site B lost 12 % because of a compressor trip [F1].',
        model: MODEL_ID,
        stopReason: 'end_turn',
        usage: { inputTokens: 57, outputTokens: 14 },
      });
    });

    it('sends the system prompt, messages and inference config to the model path', async () => {
      await llm().generate({
        ...request,
        messages: [
          { role: 'user', text: 'first question' },
          { role: 'assistant', text: 'first answer' },
          { role: 'user', text: 'follow-up' },
        ],
      });

      expect(fake.requests).toHaveLength(1);
      const [received] = fake.requests;
      expect(received!.operation).toBe('converse');
      expect(received!.modelId).toBe(MODEL_ID);
      expect(received!.body).toEqual({
        system: [{ text: request.system }],
        messages: [
          { role: 'user', content: [{ text: 'first question' }] },
          { role: 'assistant', content: [{ text: 'first answer' }] },
          { role: 'user', content: [{ text: 'follow-up' }] },
        ],
        inferenceConfig: { maxTokens: 256, temperature: 0.1 },
      });
    });

    it('falls back to the adapter defaults and omits an empty system prompt', async () => {
      await llm({ maxTokens: 333 }).generate({ system: '  ', messages: request.messages });

      const body = fake.requests[0]!.body as Record<string, unknown>;
      expect(body.inferenceConfig).toEqual({ maxTokens: 333 });
      expect(body).not.toHaveProperty('system');
    });

    it('retries throttling with backoff and then answers', async () => {
      fake.script(
        { error: FAKE_ERRORS.throttling },
        { error: FAKE_ERRORS.serviceUnavailable },
        { text: 'ok' },
      );

      const response = await llm().generate(request);

      expect(response.text).toBe('ok');
      expect(fake.requests).toHaveLength(3);
    });

    it('reports throttled after the last attempt', async () => {
      fake.respondWith({ error: FAKE_ERRORS.throttling });

      const error = await rejectionOf(() =>
        llm({ retry: { ...FAST_RETRY, maxAttempts: 2 } }).generate(request),
      );

      expect(error).toBeInstanceOf(LlmError);
      expect((error as LlmError).failure).toBe('throttled');
      expect(fake.requests).toHaveLength(2);
    });

    it.each([
      ['invalid', FAKE_ERRORS.validation],
      ['invalid', FAKE_ERRORS.accessDenied],
      ['timeout', FAKE_ERRORS.modelTimeout],
    ] as const)('maps a non-retryable error to %s without retrying (%o)', async (failure, upstream) => {
      fake.script({ error: upstream });

      const error = await rejectionOf(() => llm().generate(request));

      expect((error as LlmError).failure).toBe(failure);
      expect(fake.requests).toHaveLength(1);
    });

    it('times out a call that gets no answer within timeoutMs', async () => {
      fake.script({ delayMs: 3_000 });
      const started = Date.now();

      const error = await rejectionOf(() => llm({ timeoutMs: 150, msPerOutputToken: 0 }).generate(request));

      expect(error).toBeInstanceOf(LlmError);
      expect((error as LlmError).failure).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('rethrows the caller abort reason instead of classifying it', async () => {
      fake.script({ delayMs: 3_000 });
      const controller = new AbortController();
      const reason = new Error('client went away');
      setTimeout(() => controller.abort(reason), 50);

      const error = await rejectionOf(() => llm().generate({ ...request, signal: controller.signal }));

      expect(error).toBe(reason);
    });

    it('rejects a request without messages before calling Bedrock', async () => {
      const error = await rejectionOf(() => llm().generate({ system: 's', messages: [] }));
      expect((error as LlmError).failure).toBe('invalid');
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('stream (ConverseStream)', () => {
    it('yields the deltas in order and one final done with the usage from the metadata event', async () => {
      fake.script({
        chunks: ['Site B ', 'was 12 % ', 'under plan ', '[F1].'],
        stopReason: 'max_tokens',
        usage: { inputTokens: 40, outputTokens: 9 },
      });

      const events = await collect(llm().stream(request));

      expect(deltasOf(events)).toEqual(['Site B ', 'was 12 % ', 'under plan ', '[F1].']);
      expect(events.at(-1)).toEqual({
        type: 'done',
        response: {
          text: 'Site B was 12 % under plan [F1].',
          model: MODEL_ID,
          stopReason: 'max_tokens',
          usage: { inputTokens: 40, outputTokens: 9 },
        },
      });
      expect(events.filter((event) => event.type === 'done')).toHaveLength(1);
      expect(fake.requestsFor('converse-stream')).toHaveLength(1);
      expect(fake.requests[0]!.body).toMatchObject({
        system: [{ text: request.system }],
        inferenceConfig: { maxTokens: 256, temperature: 0.1 },
      });
    });

    it('retries a throttled call before any delta and delivers the text once', async () => {
      fake.script({ error: FAKE_ERRORS.throttling }, { chunks: ['a ', 'b'] });

      const events = await collect(llm().stream(request));

      expect(deltasOf(events)).toEqual(['a ', 'b']);
      expect(fake.requests).toHaveLength(2);
    });

    it('retries a throttling exception event that arrives before the first delta', async () => {
      fake.script(
        { chunks: ['never'], streamError: { afterChunks: 0, error: FAKE_ERRORS.throttling } },
        { chunks: ['ok'] },
      );

      const events = await collect(llm().stream(request));

      expect(deltasOf(events)).toEqual(['ok']);
      expect(fake.requests).toHaveLength(2);
    });

    it('does not retry once a delta was delivered', async () => {
      fake.script({
        chunks: ['partial ', 'rest'],
        streamError: { afterChunks: 1, error: FAKE_ERRORS.throttling },
      });
      const seen: string[] = [];

      const error = await rejectionOf(async () => {
        for await (const event of llm().stream(request)) if (event.type === 'delta') seen.push(event.text);
      });

      expect(seen).toEqual(['partial ']);
      expect(error).toBeInstanceOf(LlmError);
      expect((error as LlmError).failure).toBe('throttled');
      expect((error as LlmError).message).toContain('after partial output');
      expect(fake.requests).toHaveLength(1);
    });

    it('maps a mid-stream model error event to unavailable', async () => {
      fake.script({
        chunks: ['x'],
        streamError: {
          afterChunks: 0,
          error: { status: 424, type: 'ModelStreamErrorException', message: 'boom' },
        },
      });

      const error = await rejectionOf(() => collect(llm().stream(request)));

      expect((error as LlmError).failure).toBe('unavailable');
      expect(fake.requests).toHaveLength(1);
    });

    it('times out when the response headers do not come', async () => {
      fake.script({ delayMs: 3_000 });

      const error = await rejectionOf(() => collect(llm({ timeoutMs: 150 }).stream(request)));

      expect((error as LlmError).failure).toBe('timeout');
      expect(fake.requests).toHaveLength(1);
    });

    it('times out when the stream goes silent mid-way, keeping what was delivered', async () => {
      fake.script({ chunks: ['first ', 'second'], stallAfterChunks: 1 });
      const seen: string[] = [];
      const started = Date.now();

      const error = await rejectionOf(async () => {
        for await (const event of llm({ timeoutMs: 200 }).stream(request))
          if (event.type === 'delta') seen.push(event.text);
      });

      expect(seen).toEqual(['first ']);
      expect((error as LlmError).failure).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(2_000);
      await eventually(() => fake.inFlight === 0);
    });

    it('does not count time spent by a slow consumer against the stream deadline', async () => {
      fake.script({ chunks: ['a ', 'b ', 'c'], chunkDelayMs: 100 });
      const seen: string[] = [];

      for await (const event of llm({ timeoutMs: 250 }).stream(request)) {
        if (event.type === 'delta') {
          seen.push(event.text);
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }

      expect(seen).toEqual(['a ', 'b ', 'c']);
    });

    it('releases the connection when the consumer stops early', async () => {
      fake.script({ chunks: ['one ', 'two'], stallAfterChunks: 1 });

      for await (const event of llm().stream(request)) {
        expect(event).toEqual({ type: 'delta', text: 'one ' });
        break;
      }

      await eventually(() => fake.inFlight === 0);
    });
  });
});
