-- API keys: only an HMAC-SHA-256 of the key is stored (pepper from configuration), never the plaintext.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  env text NOT NULL CHECK (env IN ('dev', 'qa', 'prod')),
  key_hash text NOT NULL UNIQUE,
  display_prefix text NOT NULL,
  scopes text[] NOT NULL,
  rate_tier text NOT NULL DEFAULT 'standard',
  site_allowlist text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  rotated_from text REFERENCES api_keys (id),
  created_by text
);
CREATE INDEX api_keys_env_idx ON api_keys (env, created_at DESC);
