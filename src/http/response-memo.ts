/** A serialized `200` answer kept by {@link ResponseMemo}: its exact body bytes and the headers it carries. */
export interface MemoizedAnswer {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
  /** The answer's other own headers (ETag, caching, paging), as the route set them. */
  headers: ReadonlyArray<readonly [name: string, value: string]>;
  etag: string | undefined;
  storedAt: number;
}

/** Options for {@link ResponseMemo}. */
export interface ResponseMemoOptions {
  /** How long an answer is served at most (the insights cache's TTL). */
  ttlMs: number;
  /** Answers kept at most; the least recently served goes first. */
  maxEntries?: number;
  /** Larger answers are never kept. */
  maxBodyBytes?: number;
  /** Total body bytes kept at most. */
  maxTotalBytes?: number;
  now?: () => number;
}

/**
 * A bounded LRU of serialized answers by request identity (result version, caller's visibility, path and
 * raw query). It keeps the final bytes of answers whose result the insights cache already held, so a
 * repeated request skips query validation, filter resolution, the result-cache key and serialization.
 * Keys are built by the `memoizeResponses` middleware; nothing here knows about HTTP routes.
 */
export class ResponseMemo {
  private readonly answers = new Map<string, MemoizedAnswer>();
  private readonly maxEntries: number;
  private readonly maxBodyBytes: number;
  private readonly maxTotalBytes: number;
  private readonly now: () => number;
  private totalBytes = 0;

  constructor(private readonly options: ResponseMemoOptions) {
    this.maxEntries = options.maxEntries ?? 1_000;
    this.maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
    this.maxTotalBytes = options.maxTotalBytes ?? 64 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /** The answer kept under `key` while it is younger than the TTL (and marks it recently served). */
  get(key: string): MemoizedAnswer | undefined {
    const answer = this.answers.get(key);
    if (!answer) return undefined;
    if (this.now() - answer.storedAt >= this.options.ttlMs) {
      this.remove(key, answer);
      return undefined;
    }
    this.answers.delete(key);
    this.answers.set(key, answer);
    return answer;
  }

  /** Keeps an answer (unless it is larger than `maxBodyBytes`), evicting the least recently served. */
  set(key: string, answer: Omit<MemoizedAnswer, 'storedAt'>): boolean {
    if (answer.body.byteLength > this.maxBodyBytes) return false;
    const previous = this.answers.get(key);
    if (previous) this.remove(key, previous);
    this.answers.set(key, { ...answer, storedAt: this.now() });
    this.totalBytes += answer.body.byteLength;
    for (const [oldestKey, oldest] of this.answers) {
      if (this.answers.size <= this.maxEntries && this.totalBytes <= this.maxTotalBytes) break;
      this.remove(oldestKey, oldest);
    }
    return true;
  }

  /** Forgets every answer. */
  clear(): void {
    this.answers.clear();
    this.totalBytes = 0;
  }

  /** Answers and body bytes kept now. */
  get stats(): { entries: number; bytes: number } {
    return { entries: this.answers.size, bytes: this.totalBytes };
  }

  private remove(key: string, answer: MemoizedAnswer): void {
    this.answers.delete(key);
    this.totalBytes -= answer.body.byteLength;
  }
}
