import { type StructuredToolInterface, tool } from '@langchain/core/tools';
import { DataliveApiError, type DataliveClient } from './client.js';
import { type OperationInput, operationDescription, operationInputSchema } from './openapi-schemas.js';

/** A DatAlive operation exposed as a LangChain tool. */
interface ToolOperation extends OperationInput {
  name: DataliveToolName;
  purpose: string;
}

/** Names of the tools {@link createDataliveTools} makes. */
export type DataliveToolName =
  | 'datalive_daily'
  | 'datalive_variance'
  | 'datalive_anomalies'
  | 'datalive_forecast'
  | 'datalive_digest'
  | 'datalive_explain';

const OPERATIONS: readonly ToolOperation[] = [
  {
    name: 'datalive_daily',
    method: 'get',
    path: '/insights/daily',
    omit: ['format', 'cursor'],
    purpose: 'Daily production rows (actual, plan, forecast, uptime) per site, asset and product.',
  },
  {
    name: 'datalive_variance',
    method: 'get',
    path: '/insights/variance',
    omit: ['format'],
    purpose:
      'Variance of actual volume against plan (or forecast, previous period, year ago) with contributors by site, asset, product or downtime cause that add up exactly.',
  },
  {
    name: 'datalive_anomalies',
    method: 'get',
    path: '/insights/anomalies',
    omit: ['format', 'cursor'],
    purpose: 'Days whose production is anomalous for their asset.',
  },
  {
    name: 'datalive_forecast',
    method: 'get',
    path: '/insights/forecast',
    omit: ['format', 'cursor'],
    purpose: 'Production forecast with P10/P50/P90 for a site or an asset.',
  },
  {
    name: 'datalive_digest',
    method: 'get',
    path: '/insights/digest',
    omit: ['format'],
    purpose: "Ranked digest of a day's most important production findings.",
  },
  {
    name: 'datalive_explain',
    method: 'post',
    path: '/rag/explain',
    omit: ['stream'],
    purpose:
      'Answers an operator question in English or Spanish from warehouse numbers and runbooks, every number and passage cited; says when it does not know.',
  },
];

/** Options of {@link createDataliveTools}. */
export interface DataliveToolsOptions {
  /** Which tools to make (default: all). */
  only?: readonly DataliveToolName[];
}

const MAX_DESCRIPTION = 1_000;

/**
 * LangChain tools for `/insights/*` and `/rag/explain` of one DatAlive environment. Each tool's input
 * schema is read from that environment's OpenAPI document (`GET /openapi.json`), so names, enums,
 * patterns, bounds and defaults are the server's own and move with its version. A tool returns the JSON
 * body; a 4xx problem comes back as `{"error": {status, code, detail}}` for the model to act on, while
 * network errors and 5xx are thrown.
 */
export async function createDataliveTools(
  client: DataliveClient,
  options: DataliveToolsOptions = {},
): Promise<StructuredToolInterface[]> {
  const document = await client.openApiDocument();
  const wanted = OPERATIONS.filter((operation) => !options.only || options.only.includes(operation.name));
  return wanted.map((operation) => {
    const description = `${operation.purpose} ${operationDescription(document, operation)}`.slice(
      0,
      MAX_DESCRIPTION,
    );
    return tool(
      async (input: Record<string, unknown>) => {
        try {
          const body =
            operation.method === 'get'
              ? await client.get(operation.path, input)
              : await client.post(operation.path, input);
          return JSON.stringify(body);
        } catch (error) {
          if (error instanceof DataliveApiError && error.status < 500) {
            return JSON.stringify({
              error: { status: error.status, code: error.code, detail: error.detail },
            });
          }
          throw error;
        }
      },
      { name: operation.name, description, schema: operationInputSchema(document, operation) },
    ) as StructuredToolInterface;
  });
}
