import type { CallbackManagerForRetrieverRun } from '@langchain/core/callbacks/manager';
import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { DataliveClient } from './client.js';

/** Filters of `POST /rag/search` (see the `RagFilters` schema of the OpenAPI document). */
export interface DataliveSearchFilters {
  site?: string[];
  asset?: string[];
  doc_type?: Array<'runbook' | 'dashboard' | 'document'>;
  tags?: string[];
}

/** A hit of `POST /rag/search` (the `SearchHit` schema). */
export interface DataliveSearchHit {
  chunk_id: string;
  document_id: string;
  title: string;
  uri: string;
  heading_path: string[];
  span: { startLine: number; endLine: number; file?: string } | { page: number };
  snippet: string;
  text: string;
  doc_type: string;
  scores: { fused: number; vector: number | null; text: number | null };
}

/** Metadata of the documents {@link DataliveRetriever} returns: where the passage is, and its score. */
export interface DataliveDocumentMetadata {
  chunkId: string;
  documentId: string;
  title: string;
  uri: string;
  headingPath: string[];
  span: DataliveSearchHit['span'];
  docType: string;
  score: number;
}

/** Options of {@link DataliveRetriever}. */
export interface DataliveRetrieverInput extends BaseRetrieverInput {
  client: DataliveClient;
  /** Passages per query (1–50, default 6). */
  topK?: number;
  filters?: DataliveSearchFilters;
  /** Retrieval mode (default `hybrid`). */
  mode?: 'hybrid' | 'vector' | 'text';
}

/**
 * A LangChain retriever over `POST /rag/search` of one DatAlive environment: the environment's runbooks
 * and dashboards, filtered in SQL by the key's site allow-list and the given filters. Each document's
 * `pageContent` is the whole passage; its metadata says where it comes from (URI, heading path, span).
 */
export class DataliveRetriever extends BaseRetriever<DataliveDocumentMetadata> {
  static override lc_name(): string {
    return 'DataliveRetriever';
  }

  lc_namespace = ['datalive', 'retrievers'];
  private readonly client: DataliveClient;
  private readonly topK: number;
  private readonly filters: DataliveSearchFilters | undefined;
  private readonly mode: 'hybrid' | 'vector' | 'text';

  constructor(fields: DataliveRetrieverInput) {
    super(fields);
    this.client = fields.client;
    this.topK = fields.topK ?? 6;
    this.filters = fields.filters;
    this.mode = fields.mode ?? 'hybrid';
  }

  override async _getRelevantDocuments(
    query: string,
    _runManager?: CallbackManagerForRetrieverRun,
  ): Promise<Document<DataliveDocumentMetadata>[]> {
    const response = await this.client.post<{ data: DataliveSearchHit[] }>('/rag/search', {
      query,
      top_k: this.topK,
      mode: this.mode,
      ...(this.filters ? { filters: this.filters } : {}),
    });
    return response.data.map(
      (hit) =>
        new Document<DataliveDocumentMetadata>({
          id: hit.chunk_id,
          pageContent: hit.text,
          metadata: {
            chunkId: hit.chunk_id,
            documentId: hit.document_id,
            title: hit.title,
            uri: hit.uri,
            headingPath: hit.heading_path,
            span: hit.span,
            docType: hit.doc_type,
            score: hit.scores.fused,
          },
        }),
    );
  }
}
