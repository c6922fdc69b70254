/**
 * LangChain integration for apps that call a DatAlive environment: `datalive-api/langchain`.
 * See docs/langchain.md.
 */
export {
  DataliveApiError,
  DataliveClient,
  type DataliveClientOptions,
  type DataliveEnvironment,
} from './client.js';
export { type OperationInput, operationInputSchema, operationJsonSchema } from './openapi-schemas.js';
export {
  type DataliveDocumentMetadata,
  DataliveRetriever,
  type DataliveRetrieverInput,
  type DataliveSearchFilters,
  type DataliveSearchHit,
} from './retriever.js';
export { createDataliveTools, type DataliveToolName, type DataliveToolsOptions } from './tools.js';
