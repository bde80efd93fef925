-- ECKWMS global service: instances, their tokens, devices, the scan relay.
-- Times are microseconds since the Unix epoch (UTC), as BIGINT on both backends.

CREATE TABLE enrollment_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,   -- SHA-256 hex of the token; the token is never stored
    name        TEXT NOT NULL,
    tier        TEXT NOT NULL CHECK (tier IN ('free', 'paid')),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    instance_id TEXT
);

CREATE TABLE instances (
    id                TEXT PRIMARY KEY NOT NULL,  -- UUID, lowercase with dashes
    name              TEXT NOT NULL,
    tier              TEXT NOT NULL CHECK (tier IN ('free', 'paid')),
    status            TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    key_hash          TEXT NOT NULL,              -- SHA-256 hex of the instance's API key
    server_public_key TEXT NOT NULL,              -- Ed25519, uppercase hex
    local_ips         TEXT NOT NULL,              -- JSON array of addresses
    port              INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    public_addr       TEXT,
    registered_at     BIGINT NOT NULL,
    last_seen         BIGINT NOT NULL
);

CREATE TABLE pairing_tokens (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    instance_id TEXT NOT NULL REFERENCES instances (id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE device_challenges (
    nonce_hash TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE devices (
    id            TEXT PRIMARY KEY NOT NULL,
    instance_id   TEXT NOT NULL REFERENCES instances (id),
    name          TEXT NOT NULL,
    public_key    TEXT NOT NULL,                 -- Ed25519, standard base64
    status        TEXT NOT NULL CHECK (status IN ('pending', 'active', 'blocked')),
    registered_at BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX devices_by_instance ON devices (instance_id);

CREATE TABLE relay_scans (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id  TEXT NOT NULL REFERENCES instances (id),
    device_id    TEXT NOT NULL,
    msg_id       TEXT NOT NULL,
    barcode      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('buffered', 'delivered', 'confirmed')),
    received_at  BIGINT NOT NULL,
    lease_until  BIGINT,
    deliveries   INTEGER NOT NULL DEFAULT 0,
    confirmed_at BIGINT,
    UNIQUE (device_id, msg_id)
);
-- What a pull reads: the instance's unconfirmed scans in id order.
CREATE INDEX relay_scans_open ON relay_scans (instance_id, id) WHERE state <> 'confirmed';
CREATE INDEX relay_scans_by_received ON relay_scans (received_at);
