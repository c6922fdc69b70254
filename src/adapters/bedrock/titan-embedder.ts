import { type BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { type Embedder, EmbedderError, type EmbeddingPurpose } from '../../ports/embedder.js';
import { BedrockCallFailure, callWithRetries, type RetryPolicy, resolveRetryPolicy } from './resilience.js';

/** Model id of Amazon Titan Text Embeddings v2. */
export const TITAN_EMBED_TEXT_V2 = 'amazon.titan-embed-text-v2:0';

/** Output sizes Titan Text Embeddings v2 supports. */
export type TitanDimension = 256 | 512 | 1024;

/** Titan v2 input limits: 8,192 tokens and 50,000 characters. */
export const TITAN_MAX_INPUT_CHARS = 50_000;
/** Token budget used for truncation: a little under the 8,192-token limit because tokens are estimated. */
export const TITAN_DEFAULT_MAX_INPUT_TOKENS = 8_000;

/** Options for {@link TitanEmbedder}. */
export interface TitanEmbedderOptions {
  client: BedrockRuntimeClient;
  /** Defaults to {@link TITAN_EMBED_TEXT_V2}. */
  modelId?: string;
  /** Defaults to 1024. */
  dimension?: TitanDimension;
  /** Texts embedded concurrently (Titan v2 takes one text per call). Defaults to 4. */
  concurrency?: number;
  /** Deadline of one InvokeModel attempt. Defaults to 10 s. */
  timeoutMs?: number;
  /** Retry policy for throttling and transient 5xx; merged over `DEFAULT_RETRY_POLICY`. */
  retry?: Partial<RetryPolicy>;
  /** Texts longer than this are cut at a token boundary. Defaults to 50,000. */
  maxInputChars?: number;
  /** Texts whose estimated token count exceeds this are cut. Defaults to 8,000. */
  maxInputTokens?: number;
  /** Source of jitter in [0, 1); defaults to `Math.random`. */
  random?: () => number;
}

const SUPPORTED_DIMENSIONS: readonly number[] = [256, 512, 1024];
const TOKEN_PATTERN = /\p{L}+|\p{N}+|[^\s\p{L}\p{N}]/gu;
const NORM_TOLERANCE = 1e-3;
const LONGEST_PIECE_KEPT_WHOLE = 64;

function charsPerEstimatedToken(piece: string): number {
  if (/^\p{L}/u.test(piece)) return 4;
  if (/^\p{N}/u.test(piece)) return 3;
  return 1;
}

function estimatePieceTokens(piece: string): number {
  return Math.ceil(piece.length / charsPerEstimatedToken(piece));
}

function cutWithinPiece(text: string, pieceStart: number, allowedChars: number): string {
  let end = pieceStart + Math.max(0, allowedChars);
  const lastCode = text.charCodeAt(end - 1);
  if (lastCode >= 0xd800 && lastCode <= 0xdbff) end -= 1;
  return text.slice(0, end).trimEnd();
}

/**
 * Cuts `text` so that it has at most `maxChars` characters and at most `maxTokens` estimated tokens
 * (letter runs ~4 chars per token, digit runs ~3, every other symbol 1). Cuts fall between words, except
 * inside a first or very long (> 64 chars) run, which is cut mid-run.
 */
export function truncateForTitan(text: string, maxChars: number, maxTokens: number): string {
  let tokens = 0;
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const start = match.index;
    const piece = match[0];
    const pieceTokens = estimatePieceTokens(piece);
    const end = start + piece.length;
    if (tokens + pieceTokens <= maxTokens && end <= maxChars) {
      tokens += pieceTokens;
      continue;
    }
    if (start > 0 && piece.length <= LONGEST_PIECE_KEPT_WHOLE) return text.slice(0, start).trimEnd();
    const allowedByTokens = (maxTokens - tokens) * charsPerEstimatedToken(piece);
    const allowedByChars = maxChars - start;
    return cutWithinPiece(text, start, Math.min(allowedByTokens, allowedByChars));
  }
  return text.length <= maxChars ? text : text.slice(0, maxChars);
}

function parseTitanResponse(body: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(body));
}

function normalise(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  if (norm === 0 || Math.abs(norm - 1) <= NORM_TOLERANCE) return vector;
  return vector.map((value) => value / norm);
}

/**
 * Embedder backed by Amazon Titan Text Embeddings v2 through Bedrock `InvokeModel`. One text per call,
 * `concurrency` calls in flight, order preserved; throttling and transient 5xx are retried with backoff.
 * Titan encodes queries and documents the same way, so `purpose` does not change the request.
 */
export class TitanEmbedder implements Embedder {
  readonly model: string;
  readonly dimension: TitanDimension;
  private readonly client: BedrockRuntimeClient;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly maxInputChars: number;
  private readonly maxInputTokens: number;
  private readonly random: () => number;

  constructor(options: TitanEmbedderOptions) {
    const dimension = options.dimension ?? 1024;
    if (!SUPPORTED_DIMENSIONS.includes(dimension)) {
      throw new RangeError(`Titan v2 dimension must be 256, 512 or 1024, got ${dimension}`);
    }
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
    }
    this.client = options.client;
    this.model = options.modelId ?? TITAN_EMBED_TEXT_V2;
    this.dimension = dimension;
    this.concurrency = concurrency;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.maxInputChars = Math.min(options.maxInputChars ?? TITAN_MAX_INPUT_CHARS, TITAN_MAX_INPUT_CHARS);
    this.maxInputTokens = options.maxInputTokens ?? TITAN_DEFAULT_MAX_INPUT_TOKENS;
    this.random = options.random ?? Math.random;
  }

  /** Embeds every text (in input order); rejects with `EmbedderError` on the first text that fails. */
  async embed(texts: readonly string[], _purpose: EmbeddingPurpose): Promise<number[][]> {
    const emptyIndex = texts.findIndex((text) => text.trim().length === 0);
    if (emptyIndex >= 0) {
      throw new EmbedderError('invalid', `text ${emptyIndex} is empty; Titan v2 rejects empty input`);
    }
    const vectors: number[][] = new Array(texts.length);
    const batch = new AbortController();
    let next = 0;
    const worker = async (): Promise<void> => {
      try {
        while (next < texts.length && !batch.signal.aborted) {
          const index = next++;
          vectors[index] = await this.embedOne(texts[index]!, batch.signal);
        }
      } catch (error) {
        if (!batch.signal.aborted) batch.abort(error);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, texts.length) }, worker));
    if (batch.signal.aborted) throw batch.signal.reason;
    return vectors;
  }

  private async embedOne(text: string, batchSignal: AbortSignal): Promise<number[]> {
    const inputText = truncateForTitan(text, this.maxInputChars, this.maxInputTokens);
    const body = JSON.stringify({ inputText, dimensions: this.dimension, normalize: true });
    let payload: unknown;
    try {
      const output = await callWithRetries(
        (signal) =>
          this.client.send(
            new InvokeModelCommand({
              modelId: this.model,
              contentType: 'application/json',
              accept: 'application/json',
              body,
            }),
            { abortSignal: signal },
          ),
        {
          policy: this.retryPolicy,
          timeoutMs: this.timeoutMs,
          operation: `InvokeModel ${this.model}`,
          signal: batchSignal,
          random: this.random,
        },
      );
      payload = parseTitanResponse(output.body);
    } catch (error) {
      if (error instanceof BedrockCallFailure) {
        throw new EmbedderError(error.failure, error.message, { cause: error.cause });
      }
      if (error instanceof SyntaxError) {
        throw new EmbedderError('unavailable', `Titan returned a body that is not JSON: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
    return this.readEmbedding(payload);
  }

  private readEmbedding(payload: unknown): number[] {
    const embedding =
      typeof payload === 'object' && payload !== null
        ? (payload as Record<string, unknown>).embedding
        : undefined;
    if (
      !Array.isArray(embedding) ||
      !embedding.every((value) => typeof value === 'number' && Number.isFinite(value))
    ) {
      throw new EmbedderError('unavailable', 'Titan response has no numeric `embedding` array');
    }
    if (embedding.length !== this.dimension) {
      throw new EmbedderError(
        'invalid',
        `Titan returned a vector of ${embedding.length} dimensions, expected ${this.dimension}`,
      );
    }
    return normalise(embedding as number[]);
  }
}
