import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import type { DocumentType } from '@smithy/types';
import {
  type Llm,
  LlmError,
  type LlmRequest,
  type LlmResponse,
  type LlmStreamEvent,
  type LlmUsage,
} from '../../ports/llm.js';
import {
  AttemptDeadline,
  BedrockCallFailure,
  backoffDelayMs,
  callWithRetries,
  classifyBedrockError,
  DEFAULT_MS_PER_OUTPUT_TOKEN,
  failureAfterAttempts,
  generationDeadlineMs,
  mayRetry,
  type RetryPolicy,
  resolveRetryPolicy,
  sleep,
} from './resilience.js';

/** Options for {@link ConverseLlm}. */
export interface ConverseLlmOptions {
  client: BedrockRuntimeClient;
  /** Model id or inference profile, e.g. `anthropic.claude-3-5-haiku-20241022-v1:0`. */
  modelId: string;
  /** Deadline of one attempt; for streams, the longest silence allowed between two events. Defaults to 60 s. */
  timeoutMs?: number;
  /** Used when the request has no `maxTokens`. Defaults to 1024. */
  maxTokens?: number;
  /** Used when the request has no `temperature`; omitted from the call when both are absent. */
  temperature?: number;
  /**
   * Pace used to size `generate`'s deadline to the request's `maxTokens` (Converse answers only when the
   * generation is complete): `timeoutMs + maxTokens × msPerOutputToken`. Defaults to 40 ms.
   */
  msPerOutputToken?: number;
  /** Retry policy for throttling and transient 5xx; merged over `DEFAULT_RETRY_POLICY`. */
  retry?: Partial<RetryPolicy>;
  /** Source of jitter in [0, 1); defaults to `Math.random`. */
  random?: () => number;
}

const STREAM_EXCEPTION_MEMBERS = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const;

interface StreamProgress {
  text: string;
  stopReason: string | undefined;
  usage: LlmUsage;
}

function streamExceptionOf(event: ConverseStreamOutput): Error | undefined {
  for (const member of STREAM_EXCEPTION_MEMBERS) {
    const exception = event[member];
    if (exception) {
      const error = new Error(exception.message ?? member);
      error.name = member;
      return error;
    }
  }
  return undefined;
}

function toLlmError(error: BedrockCallFailure): LlmError {
  return new LlmError(error.failure, error.message, { cause: error.cause });
}

/**
 * `Llm` over the Bedrock Converse API (`Converse` and `ConverseStream`). Throttling and transient 5xx are
 * retried with full-jitter backoff; a stream is retried only while no delta has been delivered. A request
 * with a `tool` is sent with `toolConfig` (one tool, forced tool choice) and the model's `toolUse` block
 * comes back as `toolUse`.
 */
export class ConverseLlm implements Llm {
  readonly model: string;
  private readonly client: BedrockRuntimeClient;
  private readonly timeoutMs: number;
  private readonly maxTokens: number;
  private readonly temperature: number | undefined;
  private readonly retryPolicy: RetryPolicy;
  private readonly random: () => number;
  private readonly msPerOutputToken: number;

  constructor(options: ConverseLlmOptions) {
    this.client = options.client;
    this.model = options.modelId;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxTokens = options.maxTokens ?? 1024;
    this.temperature = options.temperature;
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.random = options.random ?? Math.random;
    this.msPerOutputToken = options.msPerOutputToken ?? DEFAULT_MS_PER_OUTPUT_TOKEN;
  }

  /** One complete generation through `Converse`. */
  async generate(request: LlmRequest): Promise<LlmResponse> {
    const input = this.buildInput(request);
    try {
      const output = await callWithRetries(
        (signal) => this.client.send(new ConverseCommand(input), { abortSignal: signal }),
        {
          policy: this.retryPolicy,
          timeoutMs: generationDeadlineMs(
            this.timeoutMs,
            input.inferenceConfig?.maxTokens ?? this.maxTokens,
            this.msPerOutputToken,
          ),
          operation: `Converse ${this.model}`,
          signal: request.signal,
          random: this.random,
        },
      );
      const content = output.output?.message?.content ?? [];
      const text = content.map((block) => block.text ?? '').join('');
      const toolUse = content.find((block) => block.toolUse)?.toolUse;
      return {
        text,
        model: this.model,
        stopReason: output.stopReason ?? 'unknown',
        usage: { inputTokens: output.usage?.inputTokens ?? 0, outputTokens: output.usage?.outputTokens ?? 0 },
        ...(toolUse?.name ? { toolUse: { name: toolUse.name, input: toolUse.input ?? null } } : {}),
      };
    } catch (error) {
      throw error instanceof BedrockCallFailure ? toLlmError(error) : error;
    }
  }

  /** Streams deltas through `ConverseStream`, then one `done` event carrying the whole response and usage. */
  async *stream(request: LlmRequest): AsyncIterable<LlmStreamEvent> {
    const input = this.buildInput(request);
    const operation = `ConverseStream ${this.model}`;
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      const deadline = new AttemptDeadline(this.timeoutMs, request.signal);
      const progress: StreamProgress = {
        text: '',
        stopReason: undefined,
        usage: { inputTokens: 0, outputTokens: 0 },
      };
      let delivered = false;
      let delayMs = 0;
      try {
        const output = await this.client.send(new ConverseStreamCommand(input), {
          abortSignal: deadline.signal,
        });
        deadline.restart();
        for await (const event of output.stream ?? []) {
          const delta = this.applyEvent(event, progress);
          if (delta !== undefined) {
            deadline.pause();
            delivered = true;
            yield { type: 'delta', text: delta };
          }
          deadline.restart();
        }
        if (progress.stopReason === undefined) {
          throw Object.assign(new Error('stream ended before messageStop'), { name: 'InternalFailure' });
        }
        deadline.pause();
        yield { type: 'done', response: this.responseOf(progress) };
        return;
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        const classified = classifyBedrockError(error, deadline.timedOut);
        delayMs = backoffDelayMs(attempt, this.retryPolicy, this.random);
        if (
          delivered ||
          !mayRetry(classified, attempt, this.retryPolicy, performance.now() - started, delayMs)
        ) {
          const reason = delivered
            ? { ...classified, reason: `${classified.reason} (after partial output)` }
            : classified;
          throw toLlmError(failureAfterAttempts(operation, reason, attempt, this.timeoutMs, error));
        }
      } finally {
        deadline.dispose();
      }
      await sleep(delayMs, request.signal);
    }
  }

  private applyEvent(event: ConverseStreamOutput, progress: StreamProgress): string | undefined {
    const exception = streamExceptionOf(event);
    if (exception) throw exception;
    if (event.contentBlockDelta) {
      const text = event.contentBlockDelta.delta?.text;
      if (!text) return undefined;
      progress.text += text;
      return text;
    }
    if (event.messageStop) {
      progress.stopReason = event.messageStop.stopReason ?? 'unknown';
    } else if (event.metadata) {
      progress.usage = {
        inputTokens: event.metadata.usage?.inputTokens ?? 0,
        outputTokens: event.metadata.usage?.outputTokens ?? 0,
      };
    }
    return undefined;
  }

  private responseOf(progress: StreamProgress): LlmResponse {
    return {
      text: progress.text,
      model: this.model,
      stopReason: progress.stopReason ?? 'unknown',
      usage: progress.usage,
    };
  }

  private buildInput(request: LlmRequest): ConverseCommandInput {
    if (request.messages.length === 0) {
      throw new LlmError('invalid', 'a Converse request needs at least one message');
    }
    const temperature = request.temperature ?? this.temperature;
    return {
      modelId: this.model,
      ...(request.system.trim().length > 0 ? { system: [{ text: request.system }] } : {}),
      messages: request.messages.map((message) => ({
        role: message.role,
        content: [{ text: message.text }],
      })),
      inferenceConfig: {
        maxTokens: request.maxTokens ?? this.maxTokens,
        ...(temperature !== undefined ? { temperature } : {}),
      },
      ...(request.tool
        ? {
            toolConfig: {
              tools: [
                {
                  toolSpec: {
                    name: request.tool.name,
                    description: request.tool.description,
                    inputSchema: { json: request.tool.inputSchema as DocumentType },
                  },
                },
              ],
              toolChoice: { tool: { name: request.tool.name } },
            },
          }
        : {}),
    };
  }
}
