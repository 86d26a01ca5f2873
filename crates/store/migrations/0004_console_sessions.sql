-- Console sessions: the cookie carries a random id; the row holds its SHA-256, the
-- API key it was opened with, the CSRF token and when it ends.
CREATE TABLE console_sessions (
    id_sha256 TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES api_keys (id),
    csrf TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
