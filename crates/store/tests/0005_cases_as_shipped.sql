-- Cases opened by scanned messages, for the trust-and-safety agents' queue. A
-- projection of the order events case_opened and case_closed, written in the same
-- transaction as them; the events stay the record.
CREATE TABLE cases (
    case_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    message_seq BIGINT NOT NULL,
    seller_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    kinds TEXT NOT NULL,
    risk BIGINT NOT NULL,
    status TEXT NOT NULL,
    label TEXT,
    opened_ms BIGINT NOT NULL,
    closed_ms BIGINT,
    closed_by TEXT
);
CREATE INDEX cases_queue ON cases (status, risk, opened_ms);
CREATE INDEX cases_seller ON cases (seller_id);
