-- Transactional outbox and webhook delivery. Every event gets an outbox row in the
-- transaction that records it; the delivery loop fans rows out to the endpoints and
-- delivers each at least once, keeping a log of attempts.
CREATE TABLE outbox (
    order_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    fanned_ms BIGINT,
    PRIMARY KEY (order_id, seq)
);
CREATE INDEX outbox_pending ON outbox (created_ms) WHERE fanned_ms IS NULL;

-- The secret signs deliveries (HMAC-SHA256), so it is kept, unlike API key secrets.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    disabled_ms BIGINT
);

CREATE TABLE webhook_deliveries (
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id),
    order_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL,
    delivered_ms BIGINT,
    failed_ms BIGINT,
    last_status BIGINT,
    last_error TEXT,
    PRIMARY KEY (endpoint_id, order_id, seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms)
    WHERE delivered_ms IS NULL AND failed_ms IS NULL;
