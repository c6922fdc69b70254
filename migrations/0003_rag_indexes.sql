-- One schema per environment (rag_dev, rag_qa, rag_prod): nothing indexed for one is visible to another.
-- {{embedding_dimension}} is the configured embedding dimension at first migration; `datalive reembed`
-- changes it later (see docs/adr/0004-rag-index.md).
DO $$
DECLARE
  schema_name text;
BEGIN
  FOREACH schema_name IN ARRAY ARRAY['rag_dev', 'rag_qa', 'rag_prod'] LOOP
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', schema_name);
    EXECUTE format($f$
      CREATE TABLE %I.index_meta (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        embedding_model text,
        embedding_dimension integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )$f$, schema_name);
    EXECUTE format('INSERT INTO %I.index_meta (embedding_model, embedding_dimension) VALUES (NULL, {{embedding_dimension}})', schema_name);
    EXECUTE format($f$
      CREATE TABLE %I.documents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        uri text NOT NULL UNIQUE,
        source_root text,
        title text NOT NULL,
        doc_type text NOT NULL,
        format text NOT NULL,
        language text,
        tags text[] NOT NULL DEFAULT '{}',
        sites text[] NOT NULL DEFAULT '{}',
        assets text[] NOT NULL DEFAULT '{}',
        content_hash text NOT NULL,
        chunk_count integer NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )$f$, schema_name);
    EXECUTE format($f$
      CREATE TABLE %I.chunks (
        id bigserial PRIMARY KEY,
        document_id uuid NOT NULL REFERENCES %I.documents (id) ON DELETE CASCADE,
        ordinal integer NOT NULL,
        title text NOT NULL,
        heading_path text[] NOT NULL DEFAULT '{}',
        heading text NOT NULL DEFAULT '',
        text text NOT NULL,
        span jsonb NOT NULL,
        content_hash text NOT NULL,
        doc_type text NOT NULL,
        tags text[] NOT NULL DEFAULT '{}',
        sites text[] NOT NULL DEFAULT '{}',
        assets text[] NOT NULL DEFAULT '{}',
        text_config regconfig NOT NULL DEFAULT 'english',
        token_count integer NOT NULL,
        embedding vector({{embedding_dimension}}) NOT NULL,
        tsv_simple tsvector GENERATED ALWAYS AS (
          to_tsvector('simple', title || ' ' || heading || ' ' || text)
        ) STORED,
        tsv_language tsvector GENERATED ALWAYS AS (
          to_tsvector(text_config, title || ' ' || heading || ' ' || text)
        ) STORED,
        UNIQUE (document_id, ordinal)
      )$f$, schema_name, schema_name);
    EXECUTE format('CREATE INDEX chunks_embedding_hnsw ON %I.chunks USING hnsw (embedding vector_cosine_ops)', schema_name);
    EXECUTE format('CREATE INDEX chunks_tsv_simple_gin ON %I.chunks USING gin (tsv_simple)', schema_name);
    EXECUTE format('CREATE INDEX chunks_tsv_language_gin ON %I.chunks USING gin (tsv_language)', schema_name);
    EXECUTE format('CREATE INDEX chunks_sites_gin ON %I.chunks USING gin (sites)', schema_name);
    EXECUTE format('CREATE INDEX chunks_tags_gin ON %I.chunks USING gin (tags)', schema_name);
  END LOOP;
END
$$;
