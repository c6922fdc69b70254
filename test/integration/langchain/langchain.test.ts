import { AIMessage, type BaseMessage, ToolMessage } from '@langchain/core/messages';
import { FakeStreamingChatModel } from '@langchain/core/utils/testing';
import {
  createDataliveTools,
  DataliveApiError,
  DataliveClient,
  DataliveRetriever,
} from 'datalive-api/langchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWithTools } from '../../../docs/examples/langchain-agent.js';
import { startTestServer, type TestServer } from '../../support/http-server.js';
import { ScriptedToolCallingModel } from '../../support/scripted-chat-model.js';

interface Variance {
  data: { total: { change: number; change_pct: number | null }; contributors: Array<{ member: string }> };
}

const toolResult = (messages: readonly BaseMessage[], name: string): string => {
  const message = messages.find((candidate) => candidate instanceof ToolMessage && candidate.name === name);
  if (!message) throw new Error(`no result of ${name} in the conversation`);
  return String(message.content);
};

describe('datalive-api/langchain against a live server', () => {
  let server: TestServer;
  let client: DataliveClient;
  let day: string;

  beforeAll(async () => {
    server = await startTestServer({ SEED_DEMO: '1' });
    const response = await fetch(`${server.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await server.adminKey()}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'langchain-app',
        scopes: ['insights:read', 'rag:explain'],
        rate_tier: 'premium',
        sites: null,
        expires_in_days: 30,
      }),
    });
    expect(response.status).toBe(201);
    const { api_key: apiKey } = (await response.json()) as { api_key: string };
    client = DataliveClient.forEnvironment('dev', {
      DATALIVE_DEV_URL: server.url,
      DATALIVE_DEV_API_KEY: apiKey,
    });
    const daily = await client.get<{ meta: { as_of: string } }>('/insights/daily', { limit: 1 });
    day = daily.meta.as_of;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('takes the base URL and key of one environment and refuses a key of another', () => {
    expect(client.environment).toBe('dev');
    expect(() =>
      DataliveClient.forEnvironment('prod', {
        DATALIVE_PROD_URL: server.url,
        DATALIVE_PROD_API_KEY: 'da_dev_x',
      }),
    ).toThrow('DATALIVE_PROD_API_KEY is a dev key, not a prod key');
    expect(() => DataliveClient.forEnvironment('qa', {})).toThrow(
      'set DATALIVE_QA_URL and DATALIVE_QA_API_KEY',
    );
  });

  it('retrieves whole passages with where they come from', async () => {
    const documents = await new DataliveRetriever({ client, topK: 3 }).invoke(
      'compressor trip restart procedure',
    );
    expect(documents).toHaveLength(3);
    const [first] = documents;
    expect(first?.metadata.uri).toMatch(/cmp-trip/);
    expect(first?.metadata.headingPath.length).toBeGreaterThan(0);
    expect(first?.pageContent.length).toBeGreaterThan(240);
    expect(first?.id).toBe(first?.metadata.chunkId);
  });

  it('builds tools whose input schemas are the OpenAPI ones, validated before any request', async () => {
    const tools = await createDataliveTools(client);
    expect(tools.map((candidate) => candidate.name)).toEqual([
      'datalive_daily',
      'datalive_variance',
      'datalive_anomalies',
      'datalive_forecast',
      'datalive_digest',
      'datalive_explain',
    ]);
    const variance = tools[1];
    await expect(variance?.invoke({ site: 'SITE-B', by: 'colour' })).rejects.toThrow(
      /did not match expected schema/,
    );
    const unknownSite = JSON.parse(String(await variance?.invoke({ site: 'SITE-ZZ', date: day }))) as {
      error: { status: number; code: string };
    };
    expect(unknownSite.error).toMatchObject({ status: 400, code: 'unknown_member' });
    await expect(client.get('/insights/variance', { site: 'SITE-ZZ', date: day })).rejects.toBeInstanceOf(
      DataliveApiError,
    );

    const bedrockStyle = new FakeStreamingChatModel({ toolStyle: 'bedrock' }).bindTools(tools) as unknown as {
      config: {
        tools: Array<{ toolSpec: { name: string; inputSchema: { properties: Record<string, unknown> } } }>;
      };
    };
    const spec = bedrockStyle.config.tools.find(
      (entry) => entry.toolSpec.name === 'datalive_variance',
    )?.toolSpec;
    expect(spec?.inputSchema.properties.by).toMatchObject({ enum: ['site', 'asset', 'product', 'cause'] });
    expect(Object.keys(spec?.inputSchema.properties ?? {})).not.toContain('format');
  });

  it('runs the documented example: a fake chat model calls the tools and answers from their results', async () => {
    const question = 'Why was SITE-B under plan on the last day?';
    const model = new ScriptedToolCallingModel([
      (_messages, tools) => {
        expect(tools).toContain('datalive_variance');
        return new AIMessage({
          content: '',
          tool_calls: [
            {
              id: 'call-1',
              name: 'datalive_variance',
              args: { site: 'SITE-B', date: day, by: 'cause' },
              type: 'tool_call',
            },
            { id: 'call-2', name: 'datalive_explain', args: { question }, type: 'tool_call' },
          ],
        });
      },
      (messages) => {
        const variance = JSON.parse(toolResult(messages, 'datalive_variance')) as Variance;
        const explain = JSON.parse(toolResult(messages, 'datalive_explain')) as {
          answer: string;
          citations: unknown[];
        };
        expect(explain.citations.length).toBeGreaterThan(0);
        const cause = variance.data.contributors[0]?.member ?? 'none';
        return new AIMessage(
          `SITE-B changed by ${variance.data.total.change} (largest contributor ${cause}). ${explain.answer}`,
        );
      },
    ]);
    const { answer, passages, calls } = await answerWithTools({ client, model, question });

    const direct = await client.get<Variance>('/insights/variance', {
      site: 'SITE-B',
      date: day,
      by: 'cause',
    });
    expect(answer).toContain(
      `SITE-B changed by ${direct.data.total.change} (largest contributor ${direct.data.contributors[0]?.member})`,
    );
    expect(calls.map((call) => call.name)).toEqual(['datalive_variance', 'datalive_explain']);
    expect(calls[0]?.args).toEqual({ site: 'SITE-B', date: day, by: 'cause' });
    expect(passages).toHaveLength(3);
    expect(model.boundTools.map((entry) => entry.function.name)).toHaveLength(6);
  });
});
