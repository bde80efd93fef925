-- The relay puller: scans pulled from the global service's scan relay and applied here.
-- Mirrors ../../postgres/2026-12-10-000001_relay/up.sql.

-- The puller's lease (one process of the instance pulls at a time) and its figures (one row).
CREATE TABLE relay_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    holder TEXT,
    lease_until TIMESTAMP,
    last_pull_at TIMESTAMP,
    last_confirm_at TIMESTAMP,
    backlog BIGINT,
    applied BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    last_error TEXT,
    last_error_at TIMESTAMP
);
INSERT INTO relay_state (id, applied, errors) VALUES (1, 0, 0);

-- Pulled scans until the global service confirmed them; id: the global service's id of the
-- scan (its order is each device's order). outcome: NULL until applied, then 'applied' or
-- 'refused'.
CREATE TABLE relay_inbox (
    id BIGINT PRIMARY KEY NOT NULL,
    device_id TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    barcode TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    pulled_at TIMESTAMP NOT NULL,
    outcome TEXT
);

-- Relayed scans refused for good (a device not active here, ...), for the status route.
CREATE TABLE relay_errors (
    id BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    device_id TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    barcode TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX relay_errors_by_at ON relay_errors (at);
