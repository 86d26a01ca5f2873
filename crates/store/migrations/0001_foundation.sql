-- Foundation: orders and their event log, the ledger, deadlines, idempotency.
-- One file serves SQLite and PostgreSQL: plain types, no autoincrement, no booleans.
-- Append-only: never edit an applied migration, add a new file.

CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    buyer_id TEXT NOT NULL,
    seller_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    placed_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX orders_buyer ON orders (buyer_id);
CREATE INDEX orders_seller ON orders (seller_id);
CREATE INDEX orders_status ON orders (status);

-- Append-only: every state change with who did it and when.
CREATE TABLE events (
    order_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (order_id, seq)
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    currency TEXT NOT NULL,
    debits_pending BIGINT NOT NULL DEFAULT 0,
    debits_posted BIGINT NOT NULL DEFAULT 0,
    credits_pending BIGINT NOT NULL DEFAULT 0,
    credits_posted BIGINT NOT NULL DEFAULT 0,
    CHECK (debits_pending >= 0 AND credits_pending >= 0
           AND debits_posted >= 0 AND credits_posted >= 0),
    -- The database refuses an overdraft even if the code above it were wrong.
    CHECK (kind NOT IN ('order_escrow', 'seller_payable', 'seller_available')
           OR credits_posted - debits_posted - debits_pending >= 0)
);

-- Immutable: rows are inserted, never updated or deleted.
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    op TEXT NOT NULL,
    code TEXT NOT NULL,
    debit_account TEXT NOT NULL REFERENCES accounts (id),
    credit_account TEXT NOT NULL REFERENCES accounts (id),
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    pending_id TEXT REFERENCES transfers (id),
    order_id TEXT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX transfers_order ON transfers (order_id);

-- A pending transfer resolves at most once: the primary key says so.
CREATE TABLE pending_resolutions (
    pending_id TEXT PRIMARY KEY REFERENCES transfers (id),
    resolved_by TEXT NOT NULL REFERENCES transfers (id)
);

-- Every deadline, fired exactly once: the firing and its effects share a transaction.
CREATE TABLE timers (
    order_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    due_ms BIGINT NOT NULL,
    fired_ms BIGINT,
    PRIMARY KEY (order_id, kind, due_ms)
);
CREATE INDEX timers_due ON timers (due_ms) WHERE fired_ms IS NULL;

CREATE TABLE idempotency (
    key TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    order_id TEXT NOT NULL,
    seq_from BIGINT NOT NULL,
    seq_to BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
