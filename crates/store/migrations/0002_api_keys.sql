-- API keys: shown once at creation, stored as a SHA-256 hash of the secret part.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL,
    role TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
