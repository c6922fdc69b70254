/** What a text is embedded for; some models encode queries and documents differently. */
export type EmbeddingPurpose = 'document' | 'query';

/** Turns texts into L2-normalised vectors of a fixed dimension. */
export interface Embedder {
  /** Stable model identifier recorded with the index (e.g. `local-hash-v1`, `amazon.titan-embed-text-v2:0`). */
  readonly model: string;
  readonly dimension: number;
  embed(texts: readonly string[], purpose: EmbeddingPurpose): Promise<number[][]>;
}

/** Error raised by embedders; `throttled` and `unavailable` are retryable upstream conditions. */
export class EmbedderError extends Error {
  constructor(
    readonly failure: 'throttled' | 'unavailable' | 'timeout' | 'invalid',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EmbedderError';
  }
}
