import { BedrockRuntimeClient, type BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Static AWS credentials or a provider of them (same shape the SDK accepts). */
export type BedrockCredentials = NonNullable<BedrockRuntimeClientConfig['credentials']>;

/** Options for {@link createBedrockClient}. */
export interface BedrockClientOptions {
  /** AWS region, e.g. `us-east-1`. */
  region: string;
  /** Endpoint override (tests point it at the local fake server), e.g. `http://127.0.0.1:4010`. */
  endpoint?: string;
  /**
   * Time allowed for response headers and for any silence on the socket while reading the body. The client is
   * shared, so use the largest budget (the LLM's); adapters apply their own tighter per-call deadlines.
   */
  timeoutMs: number;
  /** Time allowed to open the TCP/TLS connection; defaults to `min(timeoutMs, 5000)`. */
  connectionTimeoutMs?: number;
  /**
   * SDK-level attempts. Defaults to 1 because the adapters own the retry policy (backoff with full jitter);
   * raising it multiplies attempts.
   */
  maxAttempts?: number;
  /**
   * Credentials; when given, SigV4 is preferred even if `AWS_BEARER_TOKEN_BEDROCK` is set. When absent, the SDK
   * default chain decides (bearer token from the environment, then environment keys, profile, IMDS...).
   */
  credentials?: BedrockCredentials;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

/**
 * Builds one Bedrock Runtime client over HTTP/1.1 (`NodeHttpHandler`) shared by the embedder and the LLM
 * adapter. Both the time to response headers and socket inactivity are bounded by `timeoutMs`.
 */
export function createBedrockClient(options: BedrockClientOptions): BedrockRuntimeClient {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number, got ${options.timeoutMs}`);
  }
  const requestHandler = new NodeHttpHandler({
    connectionTimeout:
      options.connectionTimeoutMs ?? Math.min(options.timeoutMs, DEFAULT_CONNECTION_TIMEOUT_MS),
    requestTimeout: options.timeoutMs,
    throwOnRequestTimeout: true,
    socketTimeout: options.timeoutMs,
  });
  return new BedrockRuntimeClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials, authSchemePreference: ['sigv4'] } : {}),
    maxAttempts: options.maxAttempts ?? 1,
    requestHandler,
  });
}
