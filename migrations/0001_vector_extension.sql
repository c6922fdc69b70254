-- pgvector powers the per-environment RAG indexes. Aurora PostgreSQL and the embedded PGlite both ship it.
CREATE EXTENSION IF NOT EXISTS vector;
