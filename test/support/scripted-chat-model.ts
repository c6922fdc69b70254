import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import type { AIMessage, AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';

/** One turn of a {@link ScriptedToolCallingModel}: what it answers, given the conversation so far. */
export type ScriptedTurn = (messages: readonly BaseMessage[], tools: readonly string[]) => AIMessage;

/**
 * A LangChain chat model that plays a script instead of calling an LLM: turn n answers with the n-th
 * function of the script, which sees the conversation (tool results included) and may emit tool calls.
 * `bindTools` converts every tool to the OpenAI function format as a real provider would (so a schema that
 * cannot be described fails here) and records the names the script may call.
 */
export class ScriptedToolCallingModel extends BaseChatModel {
  private turn = 0;
  boundTools: ReturnType<typeof convertToOpenAITool>[] = [];

  constructor(private readonly script: readonly ScriptedTurn[]) {
    super({});
  }

  _llmType(): string {
    return 'scripted-tool-calling';
  }

  override bindTools(
    tools: BindToolsInput[],
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions> {
    this.boundTools = tools.map((candidate) => convertToOpenAITool(candidate));
    return this as unknown as Runnable<BaseLanguageModelInput, AIMessageChunk, BaseChatModelCallOptions>;
  }

  async _generate(
    messages: BaseMessage[],
    _options: this['ParsedCallOptions'],
    _runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const play = this.script[this.turn];
    if (!play) throw new Error(`the script has no turn ${this.turn + 1}`);
    this.turn += 1;
    const message = play(
      messages,
      this.boundTools.map((candidate) => candidate.function.name),
    );
    return { generations: [{ text: typeof message.content === 'string' ? message.content : '', message }] };
  }
}
