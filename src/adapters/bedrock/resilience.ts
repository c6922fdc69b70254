/** How a failed Bedrock call is reported by the ports (`EmbedderError` / `LlmError`). */
export type BedrockFailureKind = 'throttled' | 'unavailable' | 'timeout' | 'invalid';

/** Retry policy: exponential backoff with full jitter, `maxAttempts` counting the first call. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Throttling only: throttled calls keep being retried past `maxAttempts` while the time since the first
   * attempt, plus the next delay, stays within this budget. Bedrock quotas are per minute (requests and
   * tokens), so a wait of seconds to a minute clears them where ~1.4 s of backoff does not. 0 disables.
   */
  throttleBudgetMs: number;
}

/**
 * Default policy: 4 attempts, delays drawn from [0, 200 ms], [0, 400 ms], [0, 800 ms] (capped at 5 s);
 * throttling is retried for up to 20 s (the server's `BEDROCK_THROTTLE_BUDGET_MS` default), which fits an
 * explain request's budget.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  throttleBudgetMs: 20_000,
};

/** Default generation pace assumed when sizing a non-streaming call's deadline: 40 ms per output token. */
export const DEFAULT_MS_PER_OUTPUT_TOKEN = 40;

/**
 * Deadline for one non-streaming generation, which answers only when the last token is written: the base
 * budget (connection, queueing, first token) plus `maxTokens` at `msPerOutputToken`. 900 tokens at the
 * default pace on a 15 s base gives 51 s.
 */
export function generationDeadlineMs(baseMs: number, maxTokens: number, msPerOutputToken: number): number {
  return Math.ceil(baseMs + Math.max(0, maxTokens) * Math.max(0, msPerOutputToken));
}

/**
 * Whether a failed attempt may be retried: retryable failures up to `maxAttempts`, and throttling beyond
 * that while `elapsedMs + nextDelayMs` fits the policy's throttle budget.
 */
export function mayRetry(
  classified: ClassifiedFailure,
  attempt: number,
  policy: RetryPolicy,
  elapsedMs: number,
  nextDelayMs: number,
): boolean {
  if (!classified.retryable) return false;
  if (attempt < policy.maxAttempts) return true;
  return classified.failure === 'throttled' && elapsedMs + nextDelayMs <= policy.throttleBudgetMs;
}

/** A classified failure: the port-level kind, whether another attempt may succeed, and a readable reason. */
export interface ClassifiedFailure {
  failure: BedrockFailureKind;
  retryable: boolean;
  reason: string;
}

/** The final failure of a call after the retry policy gave up; adapters convert it to their port error. */
export class BedrockCallFailure extends Error {
  constructor(
    readonly failure: BedrockFailureKind,
    readonly attempts: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BedrockCallFailure';
  }
}

const THROTTLING_ERRORS = new Set([
  'throttlingexception',
  'modelnotreadyexception',
  'toomanyrequestsexception',
]);
const QUOTA_ERRORS = new Set(['servicequotaexceededexception']);
const RETRYABLE_UNAVAILABLE_ERRORS = new Set([
  'serviceunavailableexception',
  'internalserverexception',
  'internalfailure',
  'serviceunavailable',
]);
const TERMINAL_UNAVAILABLE_ERRORS = new Set(['modelerrorexception', 'modelstreamerrorexception']);
const TIMEOUT_ERRORS = new Set([
  'timeouterror',
  'modeltimeoutexception',
  'requesttimeout',
  'requesttimeoutexception',
]);
const INVALID_ERRORS = new Set([
  'validationexception',
  'accessdeniedexception',
  'resourcenotfoundexception',
  'conflictexception',
  'unrecognizedclientexception',
  'invalidsignatureexception',
  'expiredtokenexception',
  'credentialsprovidererror',
]);
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);
const TIMEOUT_NETWORK_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

interface ErrorFields {
  name: string;
  message: string;
  status: number | undefined;
  code: string | undefined;
}

function readErrorFields(error: unknown): ErrorFields {
  if (typeof error !== 'object' || error === null) {
    return { name: '', message: String(error), status: undefined, code: undefined };
  }
  const record = error as Record<string, unknown>;
  const metadata = record.$metadata as Record<string, unknown> | undefined;
  const status = typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
  return {
    name: typeof record.name === 'string' ? record.name : '',
    message: typeof record.message === 'string' ? record.message : '',
    status,
    code: typeof record.code === 'string' ? record.code : undefined,
  };
}

/**
 * Classifies an error thrown by the SDK (service exceptions, stream exception events, Node network errors).
 * `deadlineExceeded` is true when the adapter's own per-call timer aborted the request.
 */
export function classifyBedrockError(error: unknown, deadlineExceeded: boolean): ClassifiedFailure {
  const { name, message, status, code } = readErrorFields(error);
  const reason = [name, message].filter((part) => part.length > 0).join(': ') || 'unknown error';
  const key = name.toLowerCase();
  if (
    deadlineExceeded ||
    TIMEOUT_ERRORS.has(key) ||
    (code !== undefined && TIMEOUT_NETWORK_CODES.has(code))
  ) {
    return { failure: 'timeout', retryable: false, reason };
  }
  if (THROTTLING_ERRORS.has(key)) return { failure: 'throttled', retryable: true, reason };
  if (QUOTA_ERRORS.has(key)) return { failure: 'throttled', retryable: false, reason };
  if (RETRYABLE_UNAVAILABLE_ERRORS.has(key)) return { failure: 'unavailable', retryable: true, reason };
  if (TERMINAL_UNAVAILABLE_ERRORS.has(key)) return { failure: 'unavailable', retryable: false, reason };
  if (INVALID_ERRORS.has(key)) return { failure: 'invalid', retryable: false, reason };
  if (code !== undefined && RETRYABLE_NETWORK_CODES.has(code)) {
    return { failure: 'unavailable', retryable: true, reason: `${reason} (${code})` };
  }
  if (status === 429) return { failure: 'throttled', retryable: true, reason };
  if (status === 408) return { failure: 'timeout', retryable: false, reason };
  if (status !== undefined && status >= 500) return { failure: 'unavailable', retryable: true, reason };
  if (status !== undefined && status >= 400) return { failure: 'invalid', retryable: false, reason };
  return { failure: 'unavailable', retryable: false, reason };
}

/** Full-jitter backoff before attempt `failedAttempt + 1`: uniform in [0, min(max, base * 2^(failedAttempt-1))]. */
export function backoffDelayMs(failedAttempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.floor(random() * ceiling);
}

/** Merges a partial policy over the defaults and validates it. */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  if (policy.baseDelayMs < 0 || policy.maxDelayMs < 0) throw new RangeError('retry delays must be >= 0');
  if (!(policy.throttleBudgetMs >= 0)) throw new RangeError('retry.throttleBudgetMs must be >= 0');
  return policy;
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Per-attempt deadline: aborts `signal` after `timeoutMs` of no progress (call `restart` on progress,
 * `pause` while the consumer holds control). Also follows an optional outer (caller) signal.
 */
export class AttemptDeadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private expired = false;

  constructor(
    private readonly timeoutMs: number,
    outer?: AbortSignal,
  ) {
    this.signal = outer ? AbortSignal.any([this.controller.signal, outer]) : this.controller.signal;
    this.restart();
  }

  /** True once the timer fired and aborted the attempt. */
  get timedOut(): boolean {
    return this.expired;
  }

  /** Starts a fresh `timeoutMs` window. */
  restart(): void {
    this.pause();
    if (this.expired || this.controller.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error(`no response within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  /** Stops the timer without aborting. */
  pause(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stops the timer and aborts the attempt so a still-open connection is released. */
  dispose(): void {
    this.pause();
    if (!this.controller.signal.aborted) this.controller.abort(new Error('attempt finished'));
  }
}

/** Options for {@link callWithRetries}. */
export interface CallWithRetriesOptions {
  policy: RetryPolicy;
  timeoutMs: number;
  /** Human-readable description used in messages, e.g. `InvokeModel amazon.titan-embed-text-v2:0`. */
  operation: string;
  signal?: AbortSignal;
  random?: () => number;
}

/**
 * Runs `call` with a per-attempt deadline, retrying retryable failures with full-jitter backoff.
 * If the outer signal aborts, its reason is rethrown unchanged; otherwise failures become
 * {@link BedrockCallFailure}.
 */
export async function callWithRetries<T>(
  call: (signal: AbortSignal) => Promise<T>,
  options: CallWithRetriesOptions,
): Promise<T> {
  const random = options.random ?? Math.random;
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    const deadline = new AttemptDeadline(options.timeoutMs, options.signal);
    let classified: ClassifiedFailure;
    let cause: unknown;
    try {
      return await call(deadline.signal);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      classified = classifyBedrockError(error, deadline.timedOut);
      cause = error;
    } finally {
      deadline.dispose();
    }
    const delayMs = backoffDelayMs(attempt, options.policy, random);
    if (!mayRetry(classified, attempt, options.policy, performance.now() - started, delayMs)) {
      throw failureAfterAttempts(options.operation, classified, attempt, options.timeoutMs, cause);
    }
    await sleep(delayMs, options.signal);
  }
}

/** Builds the final failure with a message naming the operation, the attempts and the upstream reason. */
export function failureAfterAttempts(
  operation: string,
  classified: ClassifiedFailure,
  attempts: number,
  timeoutMs: number,
  cause: unknown,
): BedrockCallFailure {
  const detail =
    classified.failure === 'timeout'
      ? `timed out after ${timeoutMs} ms (${classified.reason})`
      : classified.reason;
  const suffix = attempts > 1 ? ` after ${attempts} attempts` : '';
  return new BedrockCallFailure(
    classified.failure,
    attempts,
    `Bedrock ${operation} failed${suffix}: ${detail}`,
    { cause },
  );
}
