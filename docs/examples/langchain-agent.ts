/**
 * A LangChain tool-calling loop over one DatAlive environment: retrieve passages with `DataliveRetriever`,
 * let a chat model call the `/insights/*` and `/rag/explain` tools, feed the results back, return its answer.
 *
 * Run against a live server (after `npm run build`, which builds `datalive-api/langchain`):
 *
 *   DATALIVE_DEV_URL=http://127.0.0.1:3000 DATALIVE_DEV_API_KEY="$(cat .datalive/local-admin-key)" \
 *     npx tsx docs/examples/langchain-agent.ts "Why was SITE-B under plan yesterday?"
 *
 * Run directly, it needs no model: it prints the passages the retriever finds and the answer of the
 * `datalive_explain` tool. Pass any tool-calling chat model (e.g. `ChatBedrockConverse` of `@langchain/aws`)
 * to `answerWithTools` to let the model choose the tools.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { type BaseMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { createDataliveTools, DataliveClient, DataliveRetriever } from 'datalive-api/langchain';

/** One tool call the model made and what the tool returned. */
export interface ToolCallRecord {
  name: string;
  args: Record<string, unknown>;
  result: string;
}

/** Asks `question` with the environment's passages in context and its tools bound to `model`. */
export async function answerWithTools(options: {
  client: DataliveClient;
  model: BaseChatModel;
  question: string;
  maxTurns?: number;
}): Promise<{ answer: string; passages: string[]; calls: ToolCallRecord[] }> {
  const { client, model, question } = options;
  const passages = await new DataliveRetriever({ client, topK: 3 }).invoke(question);
  const tools = await createDataliveTools(client);
  if (!model.bindTools) throw new Error('the chat model cannot call tools');
  const bound = model.bindTools(tools);
  const context = passages
    .map((passage) => `[${passage.metadata.uri} ${passage.metadata.headingPath.join(' > ')}]\n${passage.pageContent}`)
    .join('\n\n');
  const messages: BaseMessage[] = [
    new SystemMessage(
      `You answer questions about daily production. Use the tools for every number; cite passages by their URI.\n\n${context}`,
    ),
    new HumanMessage(question),
  ];
  const calls: ToolCallRecord[] = [];
  for (let turn = 0; turn < (options.maxTurns ?? 4); turn++) {
    const reply = await bound.invoke(messages);
    messages.push(reply);
    if (!reply.tool_calls?.length) {
      return { answer: reply.text, passages: passages.map((passage) => passage.metadata.uri), calls };
    }
    for (const call of reply.tool_calls) {
      const selected = tools.find((candidate) => candidate.name === call.name);
      const result = selected
        ? String(await selected.invoke(call.args))
        : JSON.stringify({ error: { code: 'unknown_tool', detail: `no tool ${call.name}` } });
      calls.push({ name: call.name, args: call.args, result });
      messages.push(new ToolMessage({ tool_call_id: call.id ?? call.name, name: call.name, content: result }));
    }
  }
  throw new Error(`no answer after ${options.maxTurns ?? 4} turns`);
}

async function main(question: string): Promise<void> {
  const client = DataliveClient.forEnvironment((process.env.DATALIVE_ENV ?? 'dev') as 'dev' | 'qa' | 'prod');
  const passages = await new DataliveRetriever({ client, topK: 3 }).invoke(question);
  for (const passage of passages) console.log(`- ${passage.metadata.uri} › ${passage.metadata.headingPath.join(' › ')}`);
  const [explain] = await createDataliveTools(client, { only: ['datalive_explain'] });
  const result = JSON.parse(String(await explain?.invoke({ question }))) as { answer?: string; error?: unknown };
  console.log(result.answer ?? JSON.stringify(result.error));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv[2] ?? 'Why was SITE-B under plan yesterday?').catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
