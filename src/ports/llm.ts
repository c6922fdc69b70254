/** One turn of a conversation sent to the model. */
export interface LlmMessage {
  role: 'user' | 'assistant';
  text: string;
}

/** A generation request: system prompt plus turns. */
export interface LlmRequest {
  system: string;
  messages: readonly LlmMessage[];
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  /** One tool the model must call (Converse tool use with a forced tool choice); its input comes back in `toolUse`. */
  tool?: LlmTool;
}

/** A tool the model can call: its input is JSON matching `inputSchema` (JSON Schema). */
export interface LlmTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** Token accounting reported by the model. */
export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

/** A complete generation. */
export interface LlmResponse {
  text: string;
  model: string;
  stopReason: string;
  usage: LlmUsage;
  /** The tool call the model made, when the request offered a tool. */
  toolUse?: { name: string; input: unknown };
}

/** Streaming events: text deltas, then exactly one `done` with the full response. */
export type LlmStreamEvent = { type: 'delta'; text: string } | { type: 'done'; response: LlmResponse };

/** A text generator: Bedrock Converse in production, the grounded composer locally. */
export interface Llm {
  readonly model: string;
  generate(request: LlmRequest): Promise<LlmResponse>;
  stream(request: LlmRequest): AsyncIterable<LlmStreamEvent>;
}

/** Error raised by LLM adapters with a classified cause. */
export class LlmError extends Error {
  constructor(
    readonly failure: 'throttled' | 'unavailable' | 'timeout' | 'invalid',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LlmError';
  }
}
