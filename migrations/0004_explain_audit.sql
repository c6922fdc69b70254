-- One row per /rag/explain call, for quality review; pruned after AUDIT_RETENTION_DAYS.
CREATE TABLE explain_audit (
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  env text NOT NULL,
  key_id text,
  request_id text,
  question text NOT NULL,
  cited_ids text[] NOT NULL DEFAULT '{}',
  abstained boolean NOT NULL,
  degraded boolean NOT NULL,
  latency_ms integer NOT NULL,
  input_tokens integer NOT NULL DEFAULT 0,
  output_tokens integer NOT NULL DEFAULT 0,
  model text NOT NULL,
  prompt_version text NOT NULL
);
CREATE INDEX explain_audit_created_idx ON explain_audit (created_at);
