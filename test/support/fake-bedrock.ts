import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** Bedrock Runtime operations the fake understands. */
export type FakeOperation = 'invoke' | 'converse' | 'converse-stream';

/** An AWS JSON error as Bedrock returns it: HTTP status, `x-amzn-ErrorType`, `{message}` body. */
export interface FakeError {
  status: number;
  type: string;
  message?: string;
}

/** Ready-made Bedrock errors with the status codes the real service uses. */
export const FAKE_ERRORS = {
  throttling: {
    status: 429,
    type: 'ThrottlingException',
    message: 'Too many requests, please wait before trying again.',
  },
  modelNotReady: {
    status: 429,
    type: 'ModelNotReadyException',
    message: 'Model is not ready to serve requests.',
  },
  serviceUnavailable: { status: 503, type: 'ServiceUnavailableException', message: 'Service unavailable.' },
  internal: { status: 500, type: 'InternalServerException', message: 'Internal server error.' },
  validation: { status: 400, type: 'ValidationException', message: 'Malformed input request.' },
  accessDenied: {
    status: 403,
    type: 'AccessDeniedException',
    message: 'You do not have access to the model.',
  },
  modelTimeout: { status: 408, type: 'ModelTimeoutException', message: 'Model timed out.' },
} as const satisfies Record<string, FakeError>;

/**
 * How the fake answers one request. Every field is optional; an empty step means "default answer".
 * Steps queued with `script` are consumed in order by the next request of a matching `operation`.
 */
export interface FakeStep {
  /** Only a request of this operation consumes the step (any operation when absent). */
  operation?: FakeOperation;
  /** Wait before sending the response headers (to trigger client timeouts). */
  delayMs?: number;
  /** Answer with this HTTP error instead of a success. */
  error?: FakeError;
  /** Converse / ConverseStream reply text. */
  text?: string;
  /** Converse: reply with a `toolUse` content block (after the text, if any); stop reason `tool_use`. */
  toolUse?: { name: string; input: unknown; toolUseId?: string };
  /** ConverseStream deltas; defaults to `text` split after each whitespace. */
  chunks?: readonly string[];
  /** Converse stop reason; defaults to `end_turn`. */
  stopReason?: string;
  /** Token usage to report; defaults to word counts of the prompt and the reply. */
  usage?: { inputTokens: number; outputTokens: number };
  /** InvokeModel: vector to return instead of the deterministic one (e.g. a wrong length). */
  embedding?: readonly number[];
  /** ConverseStream: wait between frames. */
  chunkDelayMs?: number;
  /** ConverseStream: after this many deltas, stop sending and keep the connection open. */
  stallAfterChunks?: number;
  /** ConverseStream: after `afterChunks` deltas, send this error as an exception event and end the stream. */
  streamError?: { afterChunks: number; error: FakeError };
}

/** Computes the step for a request when nothing is queued for it. */
export type FakeHandler = (request: RecordedRequest) => FakeStep | undefined;

/** What the fake received, for assertions on what the SDK sent. */
export interface RecordedRequest {
  method: string;
  /** Raw path as sent, e.g. `/model/amazon.titan-embed-text-v2%3A0/invoke`. */
  path: string;
  operation: FakeOperation | 'unknown';
  /** Decoded model id from the path, e.g. `amazon.titan-embed-text-v2:0`. */
  modelId: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (`undefined` if the body was not JSON). */
  body: unknown;
  rawBody: string;
}

/** A running fake Bedrock Runtime endpoint. */
export interface FakeBedrock {
  /** Base URL to pass as the client `endpoint`, e.g. `http://127.0.0.1:43123`. */
  readonly url: string;
  /** Every request received, in arrival order (including those answered with errors). */
  readonly requests: RecordedRequest[];
  /** Queues one-shot steps, consumed in order. */
  script(...steps: FakeStep[]): void;
  /** Sets the behaviour used when no queued step matches (a fixed step or a handler); `undefined` resets. */
  respondWith(behaviour: FakeStep | FakeHandler | undefined): void;
  /** Requests currently being answered (stalled streams count until the client lets go). */
  readonly inFlight: number;
  /** Highest `inFlight` seen since start or the last `reset`. */
  readonly maxInFlight: number;
  /** Requests of one operation. */
  requestsFor(operation: FakeOperation): RecordedRequest[];
  /** Clears the queue, the default behaviour and the recorded requests. */
  reset(): void;
  /** Drops open connections (stalled streams included) and stops listening. */
  close(): Promise<void>;
}

/** Titan v2 limits the fake enforces (tokens approximated by whitespace-separated words). */
export const FAKE_TITAN_LIMITS = { maxChars: 50_000, maxWords: 8_192, dimensions: [256, 512, 1024] } as const;

const PATH_PATTERN = /^\/model\/([^/]+)\/(invoke|converse-stream|converse)$/;
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The vector the fake returns for `text`: feature hashing of lower-cased words (so texts sharing words are
 * close in cosine similarity), L2-normalised when `normalize` is true. Deterministic across runs.
 */
export function fakeTitanEmbedding(text: string, dimension: number, normalize = true): number[] {
  const vector = new Array<number>(dimension).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [text];
  for (const word of words) {
    const slot = fnv1a(word) % dimension;
    vector[slot]! += fnv1a(word, 0x01234567) & 1 ? 1 : -1;
  }
  if (!vector.some((value) => value !== 0)) vector[fnv1a(text) % dimension] = 1;
  if (!normalize) return vector;
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}

function isOpen(response: ServerResponse): boolean {
  return !response.destroyed && response.socket !== null && !response.socket.destroyed;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textsOf(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((block) => (isRecord(block) && typeof block.text === 'string' ? [block.text] : []));
}

interface ConversePrompt {
  system: string[];
  messages: { role: string; texts: string[] }[];
}

function readConversePrompt(body: unknown): ConversePrompt | string {
  if (!isRecord(body)) return 'Request body must be a JSON object.';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages must not be empty.';
  const messages: ConversePrompt['messages'] = [];
  for (const message of body.messages) {
    if (!isRecord(message) || (message.role !== 'user' && message.role !== 'assistant')) {
      return 'Each message needs a role of user or assistant.';
    }
    const texts = textsOf(message.content);
    if (texts.length === 0 || texts.some((text) => text.length === 0)) {
      return 'Each message needs non-empty text content blocks.';
    }
    messages.push({ role: message.role, texts });
  }
  if (messages[0]!.role !== 'user') return 'A conversation must start with a user message.';
  const toolProblem = body.toolConfig === undefined ? null : toolConfigProblem(body.toolConfig);
  if (toolProblem) return toolProblem;
  return { system: textsOf(body.system), messages };
}

/** What Bedrock would reject in a `toolConfig`: tools without a name or JSON input schema, a tool choice naming no tool. */
function toolConfigProblem(config: unknown): string | null {
  if (!isRecord(config) || !Array.isArray(config.tools) || config.tools.length === 0)
    return 'toolConfig.tools must be a non-empty list.';
  const names: string[] = [];
  for (const tool of config.tools) {
    const spec = isRecord(tool) ? tool.toolSpec : undefined;
    if (!isRecord(spec) || typeof spec.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(spec.name))
      return 'Each tool needs a toolSpec with a valid name.';
    if (
      !isRecord(spec.inputSchema) ||
      !isRecord(spec.inputSchema.json) ||
      spec.inputSchema.json.type !== 'object'
    )
      return 'toolSpec.inputSchema.json must be a JSON Schema object.';
    names.push(spec.name);
  }
  const choice = config.toolChoice;
  if (isRecord(choice) && isRecord(choice.tool) && !names.includes(String(choice.tool.name)))
    return 'toolChoice.tool.name must name one of the tools.';
  return null;
}

function defaultReplyText(prompt: ConversePrompt): string {
  const lastUser = [...prompt.messages].reverse().find((message) => message.role === 'user');
  return `Fake reply to: ${(lastUser?.texts.join(' ') ?? '').slice(0, 200)}`;
}

function splitIntoChunks(text: string): string[] {
  return text.length === 0 ? [] : text.split(/(?<=\s)/);
}

function writeJson(response: ServerResponse, status: number, payload: unknown, requestId: string): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  response.end(body);
}

function writeError(response: ServerResponse, error: FakeError, requestId: string): void {
  const body = JSON.stringify({ message: error.message ?? error.type });
  response.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    'x-amzn-requestid': requestId,
  });
  response.end(body);
}

function eventFrame(eventType: string, payload: unknown): Uint8Array {
  const headers: MessageHeaders = {
    ':event-type': { type: 'string', value: eventType },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'event' },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify(payload)) });
}

function exceptionFrame(error: FakeError): Uint8Array {
  const memberName = error.type.charAt(0).toLowerCase() + error.type.slice(1);
  const headers: MessageHeaders = {
    ':exception-type': { type: 'string', value: memberName },
    ':content-type': { type: 'string', value: 'application/json' },
    ':message-type': { type: 'string', value: 'exception' },
  };
  return codec.encode({ headers, body: fromUtf8(JSON.stringify({ message: error.message ?? error.type })) });
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/**
 * Starts a local HTTP server on 127.0.0.1 (random port) that answers like Bedrock Runtime for
 * `InvokeModel` (Titan Text Embeddings v2), `Converse` and `ConverseStream` (binary event stream),
 * so the real `BedrockRuntimeClient` can be pointed at it with `endpoint: fake.url`.
 */
export async function startFakeBedrock(): Promise<FakeBedrock> {
  const requests: RecordedRequest[] = [];
  let queue: FakeStep[] = [];
  let behaviour: FakeStep | FakeHandler | undefined;
  const timers = new Set<NodeJS.Timeout>();
  let requestCounter = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const wait = (ms: number, response: ServerResponse): Promise<boolean> =>
    new Promise((resolve) => {
      if (ms <= 0) {
        resolve(isOpen(response));
        return;
      }
      const onClose = (): void => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        timers.delete(timer);
        response.off('close', onClose);
        resolve(isOpen(response));
      }, ms);
      timers.add(timer);
      response.once('close', onClose);
    });

  const stepFor = (recorded: RecordedRequest): FakeStep => {
    const index = queue.findIndex(
      (step) => step.operation === undefined || step.operation === recorded.operation,
    );
    if (index >= 0) return queue.splice(index, 1)[0]!;
    const fallback = typeof behaviour === 'function' ? behaviour(recorded) : behaviour;
    return fallback ?? {};
  };

  const answerInvoke = (
    recorded: RecordedRequest,
    step: FakeStep,
    response: ServerResponse,
    id: string,
  ): void => {
    const body = recorded.body;
    if (!isRecord(body) || typeof body.inputText !== 'string') {
      writeError(response, { ...FAKE_ERRORS.validation, message: 'Malformed input request: inputText' }, id);
      return;
    }
    const dimension = body.dimensions ?? 1024;
    if (
      typeof dimension !== 'number' ||
      !(FAKE_TITAN_LIMITS.dimensions as readonly number[]).includes(dimension)
    ) {
      writeError(
        response,
        { ...FAKE_ERRORS.validation, message: `Invalid dimensions: ${String(dimension)}` },
        id,
      );
      return;
    }
    const inputText = body.inputText;
    const words = countWords(inputText);
    if (inputText.trim().length === 0 || inputText.length > FAKE_TITAN_LIMITS.maxChars) {
      writeError(response, { ...FAKE_ERRORS.validation, message: 'inputText length out of range' }, id);
      return;
    }
    if (words > FAKE_TITAN_LIMITS.maxWords) {
      const message = `Too many input tokens. Max input tokens: ${FAKE_TITAN_LIMITS.maxWords}, request input token count: ${words}`;
      writeError(response, { ...FAKE_ERRORS.validation, message }, id);
      return;
    }
    const embedding = step.embedding ?? fakeTitanEmbedding(inputText, dimension, body.normalize !== false);
    writeJson(response, 200, { embedding, inputTextTokenCount: words }, id);
  };

  const answerConverse = (
    prompt: ConversePrompt,
    step: FakeStep,
    response: ServerResponse,
    id: string,
  ): void => {
    const text = step.text ?? (step.toolUse ? '' : defaultReplyText(prompt));
    const usage = usageFor(prompt, text, step);
    const content: unknown[] = text ? [{ text }] : [];
    if (step.toolUse) {
      content.push({
        toolUse: {
          toolUseId: step.toolUse.toolUseId ?? `tooluse_${Math.random().toString(36).slice(2, 12)}`,
          name: step.toolUse.name,
          input: step.toolUse.input,
        },
      });
    }
    writeJson(
      response,
      200,
      {
        output: { message: { role: 'assistant', content } },
        stopReason: step.stopReason ?? (step.toolUse ? 'tool_use' : 'end_turn'),
        usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
        metrics: { latencyMs: 1 },
      },
      id,
    );
  };

  const answerConverseStream = async (
    prompt: ConversePrompt,
    step: FakeStep,
    response: ServerResponse,
    id: string,
  ): Promise<void> => {
    const text = step.text ?? defaultReplyText(prompt);
    const chunks = step.chunks ?? splitIntoChunks(text);
    const usage = usageFor(prompt, chunks.join(''), step);
    response.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'transfer-encoding': 'chunked',
      'x-amzn-requestid': id,
    });
    const send = async (frame: Uint8Array): Promise<boolean> => {
      if (!(await wait(step.chunkDelayMs ?? 0, response))) return false;
      response.write(frame);
      return true;
    };
    if (!(await send(eventFrame('messageStart', { role: 'assistant' })))) return;
    for (let index = 0; index <= chunks.length; index++) {
      if (step.streamError && step.streamError.afterChunks === index) {
        response.end(exceptionFrame(step.streamError.error));
        return;
      }
      if (step.stallAfterChunks === index) return;
      if (index === chunks.length) break;
      const delta = { contentBlockIndex: 0, delta: { text: chunks[index] } };
      if (!(await send(eventFrame('contentBlockDelta', delta)))) return;
    }
    if (!(await send(eventFrame('contentBlockStop', { contentBlockIndex: 0 })))) return;
    if (!(await send(eventFrame('messageStop', { stopReason: step.stopReason ?? 'end_turn' })))) return;
    const metadata = {
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 1 },
    };
    if (!(await send(eventFrame('metadata', metadata)))) return;
    response.end();
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const rawBody = await readBody(request);
    const path = request.url ?? '';
    const match = PATH_PATTERN.exec(path);
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path,
      operation: match ? (match[2] as FakeOperation) : 'unknown',
      modelId: match ? decodeURIComponent(match[1]!) : '',
      headers: request.headers,
      body: parseJson(rawBody),
      rawBody,
    };
    requests.push(recorded);
    const id = `fake-${++requestCounter}`;
    if (recorded.operation === 'unknown' || request.method !== 'POST') {
      writeError(
        response,
        { status: 404, type: 'UnknownOperationException', message: `No route for ${path}` },
        id,
      );
      return;
    }
    if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      writeError(
        response,
        { status: 403, type: 'UnrecognizedClientException', message: 'Missing SigV4' },
        id,
      );
      return;
    }
    const step = stepFor(recorded);
    if (!(await wait(step.delayMs ?? 0, response))) return;
    if (step.error) {
      writeError(response, step.error, id);
      return;
    }
    if (recorded.operation === 'invoke') {
      answerInvoke(recorded, step, response, id);
      return;
    }
    const prompt = readConversePrompt(recorded.body);
    if (typeof prompt === 'string') {
      writeError(response, { ...FAKE_ERRORS.validation, message: prompt }, id);
      return;
    }
    if (recorded.operation === 'converse') answerConverse(prompt, step, response, id);
    else await answerConverseStream(prompt, step, response, id);
  };

  const server = createServer((request, response) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    response.once('close', () => {
      inFlight--;
    });
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        writeError(
          response,
          { status: 500, type: 'InternalServerException', message: String(error) },
          'fake-error',
        );
      } else {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (...steps) => {
      queue.push(...steps);
    },
    respondWith: (next) => {
      behaviour = next;
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    requestsFor: (operation) => requests.filter((recorded) => recorded.operation === operation),
    reset: () => {
      queue = [];
      behaviour = undefined;
      requests.length = 0;
      maxInFlight = inFlight;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

function usageFor(
  prompt: ConversePrompt,
  reply: string,
  step: FakeStep,
): { inputTokens: number; outputTokens: number } {
  if (step.usage) return step.usage;
  const promptText = [...prompt.system, ...prompt.messages.flatMap((message) => message.texts)].join(' ');
  return { inputTokens: countWords(promptText), outputTokens: countWords(reply) };
}
