import type pg from 'pg';
import pgvector from 'pgvector/pg';
import type { Chunk, LoadedDocument } from '../../domain/rag/ingest/index.js';

const SCHEMA_NAME = /^rag_(dev|qa|prod)$/;

/** A stored document (without chunks). */
export interface StoredDocument {
  id: string;
  uri: string;
  sourceRoot: string | null;
  title: string;
  docType: string;
  format: string;
  language: string | null;
  tags: string[];
  sites: string[];
  assets: string[];
  contentHash: string;
  chunkCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Filters applied in SQL to both retrieval legs. */
export interface ChunkFilters {
  sites?: readonly string[];
  assets?: readonly string[];
  docTypes?: readonly string[];
  tags?: readonly string[];
  /** The key's site allow-list: documents tied to other sites are invisible; site-less documents stay visible. */
  allowedSites: readonly string[] | null;
}

/** A chunk hit from one retrieval leg. */
export interface ChunkHit {
  chunkId: string;
  documentId: string;
  uri: string;
  title: string;
  headingPath: string[];
  span: { startLine: number; endLine: number } | { page: number };
  text: string;
  docType: string;
  sites: string[];
  score: number;
}

/** A chunk's place in one retrieval leg: its id and score only (the first phase of a search). */
export interface LegHit {
  chunkId: string;
  score: number;
}

/** What a search result shows of a chunk (the second phase of a search, for the fused top k only). */
export type ChunkDetails = Omit<ChunkHit, 'score'>;

/** Index metadata: the embedding model and dimension the vectors were made with. */
export interface IndexMeta {
  embeddingModel: string | null;
  embeddingDimension: number;
}

/** Chunk plus its embedding, ready to store. */
export interface EmbeddedChunk {
  chunk: Chunk;
  embedding: number[];
}

/** A vector as a bind parameter, in pgvector's text form (`pgvector.toSql`). */
const vectorParam = (values: readonly number[]): string => pgvector.toSql([...values]);
const TEXT_CONFIGS: Record<string, string> = { en: 'english', es: 'spanish' };
/** Per pooled connection: its number in this process and its prepared statements' names, by SQL text. */
const preparedNames = new WeakMap<pg.PoolClient, { connection: number; names: Map<string, string> }>();
let preparingConnections = 0;

/**
 * The name of `text` as a prepared statement on `client`, so that Postgres parses it once per connection
 * and, once its generic plan is no costlier than a fresh one, plans it once too. Names are unique per
 * connection of this process (`dl<pid>_<connection>_<statement>`): the embedded PGlite has one session
 * that a replaced connection's statements outlive, so a new connection never reuses an old name.
 */
function preparedName(client: pg.PoolClient, text: string): string {
  let prepared = preparedNames.get(client);
  if (!prepared) {
    preparingConnections += 1;
    prepared = { connection: preparingConnections, names: new Map() };
    preparedNames.set(client, prepared);
  }
  let name = prepared.names.get(text);
  if (!name) {
    name = `dl${process.pid}_${prepared.connection}_${prepared.names.size + 1}`;
    prepared.names.set(text, name);
  }
  return name;
}
const INSERT_BATCH = 50;
/**
 * Estimated chunks the selecting terms of a full-text search may match together: terms are taken rarest
 * first while their summed document frequencies stay within it (the rarest always selects).
 */
export const CANDIDATE_BUDGET = 200;
/** Hard cap on the chunks one full-text search ranks, whatever the estimates say. */
export const CANDIDATE_LIMIT = 400;
const TERM_STATISTICS_TTL_MS = 60_000;
/** Fewest candidates an HNSW scan explores (`hnsw.ef_search`); a deeper search raises it to 4 × its limit. */
const EF_SEARCH_FLOOR = 200;
/**
 * Session settings every vector search relies on, set once per pooled connection (a session-level `SET`
 * outside any transaction), so that a search within the floor needs no transaction of its own.
 */
const VECTOR_SESSION_SETTINGS = `SET hnsw.ef_search = ${EF_SEARCH_FLOOR}; SET hnsw.iterative_scan = relaxed_order`;
const MAX_COUNTED_TERMS = 20_000;

interface DocumentRow {
  id: string;
  uri: string;
  source_root: string | null;
  title: string;
  doc_type: string;
  format: string;
  language: string | null;
  tags: string[];
  sites: string[];
  assets: string[];
  content_hash: string;
  chunk_count: number;
  created_at: Date;
  updated_at: Date;
}

const toDocument = (row: DocumentRow): StoredDocument => ({
  id: row.id,
  uri: row.uri,
  sourceRoot: row.source_root,
  title: row.title,
  docType: row.doc_type,
  format: row.format,
  language: row.language,
  tags: row.tags,
  sites: row.sites,
  assets: row.assets,
  contentHash: row.content_hash,
  chunkCount: row.chunk_count,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

interface HitRow {
  id: string;
  document_id: string;
  uri: string;
  title: string;
  heading_path: string[];
  span: ChunkHit['span'];
  text: string;
  doc_type: string;
  sites: string[];
  score: number;
}

type DetailsRow = Omit<HitRow, 'score'>;

const toDetails = (row: DetailsRow): ChunkDetails => ({
  chunkId: String(row.id),
  documentId: row.document_id,
  uri: row.uri,
  title: row.title,
  headingPath: row.heading_path,
  span: row.span,
  text: row.text,
  docType: row.doc_type,
  sites: row.sites,
});

const toHit = (row: HitRow): ChunkHit => ({ ...toDetails(row), score: Number(row.score) });

const toLegHit = (row: { id: string; score: number }): LegHit => ({
  chunkId: String(row.id),
  score: Number(row.score),
});

interface TermRowEstimates {
  /** Estimated chunks per listed lexeme. */
  rows: ReadonlyMap<string, number>;
  /** Estimate for a lexeme the statistics do not list (the least listed share: an upper bound). */
  unlisted: number;
  /** Exact counts of unlisted terms met so far (bounded by `unlisted`). */
  counted: Map<string, number>;
}

/** Options of {@link PgRagRepository}. */
export interface PgRagRepositoryOptions {
  /** Estimated chunks the selecting terms may match together; {@link CANDIDATE_BUDGET} by default. */
  candidateBudget?: number;
  /** Most chunks one full-text search ranks; {@link CANDIDATE_LIMIT} by default. */
  candidateLimit?: number;
}

/**
 * The per-environment RAG index in Postgres + pgvector. The schema (`rag_dev`, `rag_qa`, `rag_prod`) is
 * fixed by configuration and validated here; every value from a request travels as a bind parameter.
 */
export class PgRagRepository {
  private readonly schema: string;
  private termRowCache: { loadedAt: number; estimates: TermRowEstimates } | undefined;

  private readonly candidateBudget: number;
  private readonly candidateLimit: number;
  /** Pool clients whose `vector` type parser is registered (`pgvector.registerTypes`). */
  private readonly vectorClients = new WeakSet<pg.PoolClient>();
  /** Pool clients whose session holds {@link VECTOR_SESSION_SETTINGS}. */
  private readonly searchSessions = new WeakSet<pg.PoolClient>();

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
    options: PgRagRepositoryOptions = {},
  ) {
    if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid RAG schema name ${schema}`);
    this.schema = schema;
    this.candidateBudget = options.candidateBudget ?? CANDIDATE_BUDGET;
    this.candidateLimit = options.candidateLimit ?? CANDIDATE_LIMIT;
  }

  async indexMeta(): Promise<IndexMeta> {
    const { rows } = await this.pool.query<{ embedding_model: string | null; embedding_dimension: number }>(
      `SELECT embedding_model, embedding_dimension FROM ${this.schema}.index_meta`,
    );
    const row = rows[0];
    if (!row) throw new Error(`${this.schema}.index_meta is empty; run datalive migrate`);
    return { embeddingModel: row.embedding_model, embeddingDimension: row.embedding_dimension };
  }

  async recordEmbeddingModel(model: string): Promise<void> {
    await this.pool.query(`UPDATE ${this.schema}.index_meta SET embedding_model = $1, updated_at = now()`, [
      model,
    ]);
  }

  async findByUri(uri: string): Promise<StoredDocument | undefined> {
    const { rows } = await this.pool.query<DocumentRow>(
      `SELECT * FROM ${this.schema}.documents WHERE uri = $1`,
      [uri],
    );
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async findById(id: string): Promise<StoredDocument | undefined> {
    const { rows } = await this.pool.query<DocumentRow>(
      `SELECT * FROM ${this.schema}.documents WHERE id = $1`,
      [id],
    );
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async listDocuments(options: {
    limit: number;
    afterUri: string | null;
    allowedSites: readonly string[] | null;
  }) {
    const params: unknown[] = [options.limit + 1];
    let where = 'TRUE';
    if (options.afterUri) {
      params.push(options.afterUri);
      where += ` AND uri > $${params.length}`;
    }
    if (options.allowedSites) {
      params.push(options.allowedSites);
      where += ` AND (sites = '{}' OR sites <@ $${params.length}::text[])`;
    }
    const { rows } = await this.pool.query<DocumentRow>(
      `SELECT * FROM ${this.schema}.documents WHERE ${where} ORDER BY uri LIMIT $1`,
      params,
    );
    return { documents: rows.slice(0, options.limit).map(toDocument), hasMore: rows.length > options.limit };
  }

  async listUris(sourceRoot: string): Promise<Array<{ id: string; uri: string }>> {
    const { rows } = await this.pool.query<{ id: string; uri: string }>(
      `SELECT id, uri FROM ${this.schema}.documents WHERE source_root = $1 ORDER BY uri`,
      [sourceRoot],
    );
    return rows;
  }

  /**
   * Inserts or replaces a document and all its chunks in one transaction: readers see the old version
   * or the new one, never a mix.
   */
  async replaceDocument(
    document: LoadedDocument,
    options: { contentHash: string; sourceRoot: string | null; metadata?: Record<string, unknown> },
    chunks: readonly EmbeddedChunk[],
  ): Promise<{ id: string; created: boolean }> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const existing = await client.query<{ id: string }>(
        `SELECT id FROM ${this.schema}.documents WHERE uri = $1 FOR UPDATE`,
        [document.uri],
      );
      const documentValues = [
        document.title,
        document.docType,
        document.format,
        document.language ?? null,
        document.tags,
        document.sites,
        document.assets,
        options.contentHash,
        chunks.length,
        JSON.stringify(options.metadata ?? {}),
        options.sourceRoot,
      ];
      let id: string;
      const created = existing.rows.length === 0;
      if (created) {
        const inserted = await client.query<{ id: string }>(
          `INSERT INTO ${this.schema}.documents (uri, title, doc_type, format, language, tags, sites, assets, content_hash, chunk_count, metadata, source_root)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
          [document.uri, ...documentValues],
        );
        id = inserted.rows[0]?.id as string;
      } else {
        id = existing.rows[0]?.id as string;
        await client.query(`DELETE FROM ${this.schema}.chunks WHERE document_id = $1`, [id]);
        await client.query(
          `UPDATE ${this.schema}.documents SET title = $2, doc_type = $3, format = $4, language = $5, tags = $6, sites = $7,
             assets = $8, content_hash = $9, chunk_count = $10, metadata = $11, source_root = $12, updated_at = now() WHERE id = $1`,
          [id, ...documentValues],
        );
      }
      for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
        const batch = chunks.slice(start, start + INSERT_BATCH);
        const values: unknown[] = [];
        const tuples = batch.map(({ chunk, embedding }) => {
          const base = values.length;
          values.push(
            id,
            chunk.ordinal,
            chunk.title,
            chunk.headingPath,
            chunk.headingPath.join(' '),
            chunk.text,
            JSON.stringify(chunk.span),
            chunk.contentHash,
            chunk.docType,
            chunk.tags,
            chunk.sites,
            chunk.assets,
            TEXT_CONFIGS[chunk.language ?? 'en'] ?? 'english',
            chunk.tokenCount,
            vectorParam(embedding),
          );
          const placeholders = Array.from({ length: 15 }, (_, index) => `$${base + index + 1}`);
          placeholders[12] = `${placeholders[12]}::regconfig`;
          placeholders[14] = `${placeholders[14]}::vector`;
          return `(${placeholders.join(', ')})`;
        });
        await client.query(
          `INSERT INTO ${this.schema}.chunks (document_id, ordinal, title, heading_path, heading, text, span, content_hash, doc_type, tags, sites, assets, text_config, token_count, embedding)
           VALUES ${tuples.join(', ')}`,
          values,
        );
      }
      await client.query('COMMIT');
      return { id, created };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * After bulk changes: moves the chunks' GIN pending lists into the indexes proper (autovacuum's job on
   * a server; the embedded PGlite has no autovacuum, and a full-text lookup otherwise scans up to 4 MB of
   * unsorted pending entries) and refreshes planner statistics (keeps the GIN and HNSW indexes in use).
   * A pending list that cannot be cleaned here (not the index owner, a read replica) is left to autovacuum.
   */
  async analyze(): Promise<void> {
    await this.pool
      .query(
        `SELECT gin_clean_pending_list(i.indexrelid)
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
         WHERE i.indrelid = '${this.schema}.chunks'::regclass AND am.amname = 'gin'`,
      )
      .catch(() => {});
    await this.pool.query(`ANALYZE ${this.schema}.chunks`);
    await this.pool.query(`ANALYZE ${this.schema}.documents`);
    this.termRowCache = undefined;
  }

  async deleteDocument(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`DELETE FROM ${this.schema}.documents WHERE id = $1`, [id]);
    return (rowCount ?? 0) > 0;
  }

  async countChunks(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.schema}.chunks`,
    );
    return rows[0]?.n ?? 0;
  }

  /** Nearest chunks by cosine distance through the HNSW index (iterative scan keeps filtered results full). */
  async vectorSearch(
    embedding: readonly number[],
    limit: number,
    filters: ChunkFilters,
    exact = false,
  ): Promise<ChunkHit[]> {
    const { where, params } = this.filterSql(filters, 2);
    return this.rowsWithPlannerOptions<HitRow>(
      this.vectorOptions(limit, exact),
      `SELECT c.id, c.document_id, d.uri, c.title, c.heading_path, c.span, c.text, c.doc_type, c.sites,
              1 - (c.embedding <=> $1::vector) AS score
       FROM ${this.schema}.chunks c JOIN ${this.schema}.documents d ON d.id = c.document_id
       WHERE ${where}
       ORDER BY c.embedding <=> $1::vector LIMIT $2`,
      [vectorParam(embedding), limit, ...params],
    ).then((rows) => rows.map(toHit));
  }

  /**
   * The vector leg of a search as ids and scores only: the same chunks, scores and order as
   * {@link vectorSearch}, without reading or shipping their text (see {@link chunkDetails}).
   */
  async vectorCandidates(
    embedding: readonly number[],
    limit: number,
    filters: ChunkFilters,
  ): Promise<LegHit[]> {
    const { where, params } = this.filterSql(filters, 2);
    return this.rowsWithPlannerOptions<{ id: string; score: number }>(
      this.vectorOptions(limit, false),
      `SELECT c.id, 1 - (c.embedding <=> $1::vector) AS score
       FROM ${this.schema}.chunks c
       WHERE ${where}
       ORDER BY c.embedding <=> $1::vector LIMIT $2`,
      [vectorParam(embedding), limit, ...params],
    ).then((rows) => rows.map(toLegHit));
  }

  /** Planner options of a vector search beyond {@link VECTOR_SESSION_SETTINGS}; none within the floor. */
  private vectorOptions(limit: number, exact: boolean): string {
    if (exact) return 'SET LOCAL enable_indexscan = off';
    const efSearch = Math.trunc(limit) * 4;
    return efSearch > EF_SEARCH_FLOOR ? `SET LOCAL hnsw.ef_search = ${efSearch}` : '';
  }

  /**
   * Full-text matches. The 'simple' configuration keeps codes and numbers whole (P-101A, 250.859);
   * the chunk's language configuration (stemmed) adds to the rank. All terms are OR-ed and ranked by
   * cover density, but only a bounded candidate set is ranked: rows are selected through the GIN index by
   * the rarest terms (see {@link selectiveTerms}) and at most `candidateLimit` of them are ranked. A word
   * found in a large share of the chunks would pull thousands of rows into the ranking and tells little
   * about any of them; it still adds to the rank of the candidates.
   */
  async textSearch(terms: readonly string[], limit: number, filters: ChunkFilters): Promise<ChunkHit[]> {
    if (terms.length === 0) return [];
    const ranked = await this.textRankingSql(terms, filters);
    return this.rowsWithPlannerOptions<HitRow>(
      'SET LOCAL enable_seqscan = off',
      `SELECT c.id, c.document_id, d.uri, c.title, c.heading_path, c.span, c.text, c.doc_type, c.sites, ranked.score
       FROM (${ranked.sql}) ranked
       JOIN ${this.schema}.chunks c ON c.id = ranked.id
       JOIN ${this.schema}.documents d ON d.id = c.document_id
       ORDER BY ranked.score DESC, c.id`,
      [...ranked.params.slice(0, 2), limit, ...ranked.params.slice(2)],
    ).then((rows) => rows.map(toHit));
  }

  /**
   * The full-text leg of a search as ids and scores only: the same chunks, scores and order as
   * {@link textSearch}, without reading or shipping their text (see {@link chunkDetails}).
   */
  async textCandidates(terms: readonly string[], limit: number, filters: ChunkFilters): Promise<LegHit[]> {
    if (terms.length === 0) return [];
    const ranked = await this.textRankingSql(terms, filters);
    return this.rowsWithPlannerOptions<{ id: string; score: number }>(
      'SET LOCAL enable_seqscan = off',
      ranked.sql,
      [...ranked.params.slice(0, 2), limit, ...ranked.params.slice(2)],
    ).then((rows) => rows.map(toLegHit));
  }

  /**
   * The ranked candidates of a full-text search (`$3` is the row limit, left to the caller): ids and
   * scores, best first by `score DESC, c.id`. The candidates are ranked on the `tsvector`s their index
   * scan read (no second lookup of each row).
   */
  private async textRankingSql(
    terms: readonly string[],
    filters: ChunkFilters,
  ): Promise<{ sql: string; params: unknown[] }> {
    const selecting = await this.selectiveTerms(terms);
    const { where, params } = this.filterSql(filters, 4);
    return {
      sql: `SELECT c.id,
                ts_rank_cd(c.tsv_simple, to_tsquery('simple', $1)) * 2
                + ts_rank_cd(c.tsv_language, CASE c.text_config
                    WHEN 'english'::regconfig THEN to_tsquery('english', $1)
                    WHEN 'spanish'::regconfig THEN to_tsquery('spanish', $1)
                    ELSE to_tsquery(c.text_config, $1) END) AS score
         FROM (
           SELECT c.id, c.tsv_simple, c.tsv_language, c.text_config FROM ${this.schema}.chunks c
           WHERE c.tsv_simple @@ to_tsquery('simple', $2) AND ${where}
           LIMIT $4
         ) c
         ORDER BY score DESC, c.id LIMIT $3`,
      params: [terms.join(' | '), selecting.join(' | '), this.candidateLimit, ...params],
    };
  }

  /**
   * The shown fields of the given chunks (document URI included), by chunk id; ids no longer stored (a
   * document replaced since its chunks were ranked) are absent.
   */
  async chunkDetails(chunkIds: readonly string[]): Promise<Map<string, ChunkDetails>> {
    if (chunkIds.length === 0) return new Map();
    const client = await this.pool.connect();
    try {
      const text = `SELECT c.id, c.document_id, d.uri, c.title, c.heading_path, c.span, c.text, c.doc_type, c.sites
         FROM ${this.schema}.chunks c JOIN ${this.schema}.documents d ON d.id = c.document_id
         WHERE c.id = ANY($1::bigint[])`;
      const { rows } = await client.query<DetailsRow>({
        name: preparedName(client, text),
        text,
        values: [chunkIds],
      });
      return new Map(rows.map((row) => [String(row.id), toDetails(row)]));
    } finally {
      client.release();
    }
  }

  /**
   * Runs one search query on a connection whose session holds {@link VECTOR_SESSION_SETTINGS}, in its own
   * read transaction when there are `SET LOCAL` planner options (trusted SQL built here, never from a
   * request) that must apply to it alone; the options go in one round trip with BEGIN.
   */
  private async rowsWithPlannerOptions<Row extends pg.QueryResultRow>(
    options: string,
    sql: string,
    params: unknown[],
  ): Promise<Row[]> {
    const client = await this.pool.connect();
    try {
      if (!this.searchSessions.has(client)) {
        await client.query(VECTOR_SESSION_SETTINGS);
        this.searchSessions.add(client);
      }
      if (options === '') return (await client.query<Row>(sql, params)).rows;
      await client.query(`BEGIN; ${options}`);
      const { rows } = await client.query<Row>(sql, params);
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /**
   * The terms that select full-text candidates: the rarest first, by the document frequencies the planner
   * statistics of `tsv_simple` hold (refreshed by {@link analyze}), while their summed frequencies stay
   * within `candidateBudget` chunks; the rarest term always selects. A term the statistics do not list is
   * rarer than every listed one. Returned in the query's order; all terms when the statistics cannot be read.
   */
  async selectiveTerms(terms: readonly string[]): Promise<readonly string[]> {
    const statistics = await this.termRowEstimates();
    if (statistics.rows.size === 0) return terms;
    const unlistedRows = await this.unlistedTermRows(
      terms.filter((term) => !statistics.rows.has(term.replace(/'/g, ''))),
      statistics,
    );
    const estimated = terms.map((term, order) => ({
      order,
      rows: statistics.rows.get(term.replace(/'/g, '')) ?? unlistedRows.get(term) ?? statistics.unlisted,
    }));
    const chosen = new Set<number>();
    let total = 0;
    for (const candidate of estimated.sort(
      (left, right) => left.rows - right.rows || left.order - right.order,
    )) {
      if (chosen.size > 0 && total + candidate.rows > this.candidateBudget) break;
      chosen.add(candidate.order);
      total += candidate.rows;
    }
    return terms.filter((_, order) => chosen.has(order));
  }

  /**
   * Exact chunk counts of terms rarer than every lexeme the statistics list, counted through the GIN index
   * (each count stops at the least listed frequency) and kept with the statistics they complete.
   */
  private async unlistedTermRows(
    terms: readonly string[],
    statistics: TermRowEstimates,
  ): Promise<ReadonlyMap<string, number>> {
    const missing = terms.filter((term) => !statistics.counted.has(term));
    if (missing.length > 0) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN; SET LOCAL enable_seqscan = off');
        const { rows } = await client.query<{ term: string; n: number }>(
          `SELECT t.term, (SELECT count(*)::int FROM (
                   SELECT 1 FROM ${this.schema}.chunks c WHERE c.tsv_simple @@ to_tsquery('simple', t.term) LIMIT $2
                 ) matching) AS n
           FROM unnest($1::text[]) AS t(term)`,
          [missing, Math.ceil(statistics.unlisted) + 1],
        );
        await client.query('COMMIT');
        if (statistics.counted.size > MAX_COUNTED_TERMS) statistics.counted.clear();
        for (const row of rows) statistics.counted.set(row.term, Number(row.n));
      } catch {
        await client.query('ROLLBACK').catch(() => {});
      } finally {
        client.release();
      }
    }
    return statistics.counted;
  }

  private async termRowEstimates(): Promise<TermRowEstimates> {
    const cached = this.termRowCache;
    if (cached && Date.now() - cached.loadedAt < TERM_STATISTICS_TTL_MS) return cached.estimates;
    const rows = await this.pool
      .query<{ lexemes: string[] | null; shares: number[] | null; chunks: number }>(
        `SELECT s.most_common_elems::text::text[] AS lexemes, s.most_common_elem_freqs::text::float4[] AS shares,
                c.reltuples AS chunks
         FROM pg_stats s
         JOIN pg_namespace n ON n.nspname = s.schemaname
         JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
         WHERE s.schemaname = $1 AND s.tablename = 'chunks' AND s.attname = 'tsv_simple'`,
        [this.schema],
      )
      .then((result) => result.rows)
      .catch(() => []);
    const byTerm = new Map<string, number>();
    const row = rows[0];
    const chunks = Math.max(0, Number(row?.chunks ?? 0));
    row?.lexemes?.forEach((lexeme, index) => {
      const share = row.shares?.[index];
      if (share !== undefined) byTerm.set(lexeme, share * chunks);
    });
    const leastListed = row?.shares?.[row.lexemes?.length ?? 0];
    const estimates: TermRowEstimates = {
      rows: byTerm,
      unlisted: leastListed === undefined ? 0 : leastListed * chunks,
      counted: new Map(),
    };
    this.termRowCache = { loadedAt: Date.now(), estimates };
    return estimates;
  }

  /**
   * The stored vectors of the given chunks, read back as numbers through the `vector` type parser that
   * `pgvector.registerTypes` installs on the connection (its `fromSql`). Unknown ids are left out.
   */
  async storedEmbeddings(chunkIds: readonly string[]): Promise<Map<string, number[]>> {
    const client = await this.pool.connect();
    try {
      if (!this.vectorClients.has(client)) {
        await pgvector.registerTypes(client);
        this.vectorClients.add(client);
      }
      const { rows } = await client.query<{ id: string; embedding: number[] }>(
        `SELECT id, embedding FROM ${this.schema}.chunks WHERE id = ANY($1::bigint[])`,
        [chunkIds],
      );
      return new Map(rows.map((row) => [String(row.id), row.embedding]));
    } finally {
      client.release();
    }
  }

  /** Every chunk's embedding input, for re-embedding. */
  async allChunks(): Promise<Array<{ id: string; embeddingText: string }>> {
    const { rows } = await this.pool.query<{
      id: string;
      title: string;
      heading_path: string[];
      text: string;
    }>(`SELECT id, title, heading_path, text FROM ${this.schema}.chunks ORDER BY id`);
    return rows.map((row) => ({
      id: String(row.id),
      embeddingText: `${[row.title, ...row.heading_path].join(' > ')}\n\n${row.text}`,
    }));
  }

  /**
   * Swaps every chunk's embedding to a new model/dimension in one transaction, rebuilding the HNSW index
   * (the only DDL outside migrations; see ADR 0004).
   */
  async replaceEmbeddings(
    model: string,
    dimension: number,
    embeddings: ReadonlyMap<string, number[]>,
  ): Promise<void> {
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16_000)
      throw new Error('invalid dimension');
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`DROP INDEX IF EXISTS ${this.schema}.chunks_embedding_hnsw`);
      await client.query(`ALTER TABLE ${this.schema}.chunks DROP COLUMN embedding`);
      await client.query(`ALTER TABLE ${this.schema}.chunks ADD COLUMN embedding vector(${dimension})`);
      for (const [id, embedding] of embeddings) {
        await client.query(`UPDATE ${this.schema}.chunks SET embedding = $2::vector WHERE id = $1`, [
          id,
          vectorParam(embedding),
        ]);
      }
      await client.query(`ALTER TABLE ${this.schema}.chunks ALTER COLUMN embedding SET NOT NULL`);
      await client.query(
        `CREATE INDEX chunks_embedding_hnsw ON ${this.schema}.chunks USING hnsw (embedding vector_cosine_ops)`,
      );
      await client.query(
        `UPDATE ${this.schema}.index_meta SET embedding_model = $1, embedding_dimension = $2, updated_at = now()`,
        [model, dimension],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private filterSql(filters: ChunkFilters, offset: number): { where: string; params: unknown[] } {
    const conditions: string[] = ['TRUE'];
    const params: unknown[] = [];
    const add = (sql: (placeholder: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(sql(`$${offset + params.length}`));
    };
    if (filters.sites?.length) add((p) => `(c.sites = '{}' OR c.sites && ${p}::text[])`, filters.sites);
    if (filters.assets?.length) add((p) => `c.assets && ${p}::text[]`, filters.assets);
    if (filters.docTypes?.length) add((p) => `c.doc_type = ANY(${p}::text[])`, filters.docTypes);
    if (filters.tags?.length) add((p) => `c.tags && ${p}::text[]`, filters.tags);
    if (filters.allowedSites) add((p) => `(c.sites = '{}' OR c.sites <@ ${p}::text[])`, filters.allowedSites);
    return { where: conditions.join(' AND '), params };
  }
}
