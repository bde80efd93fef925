-- Webhook subscriptions: where the ledger's changes are POSTed, which of them, and how far
-- delivery got. The secret signs every delivery (like global_link.instance_key it is stored
-- to be used: never logged, answered only once, at creation). The lease (lease_holder,
-- lease_until) names the one worker, of any process, delivering to the subscription; it is
-- taken and kept by conditional UPDATEs.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    -- The filter, as JSON: {"kinds": [...], "changes": [...]}; an empty list: all.
    filter TEXT NOT NULL,
    batch_size INTEGER NOT NULL CHECK (batch_size > 0),
    enabled BOOLEAN NOT NULL,
    failures INTEGER NOT NULL CHECK (failures >= 0),
    last_error TEXT,
    last_error_at TIMESTAMP,
    -- The ledger seq delivered up to.
    cursor_seq BIGINT NOT NULL CHECK (cursor_seq >= 0),
    next_attempt_at TIMESTAMP,
    lease_holder TEXT,
    lease_until TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
