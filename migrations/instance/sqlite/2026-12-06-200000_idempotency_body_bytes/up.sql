-- A stored idempotent response keeps its body as bytes, as it was sent.
-- Mirrors ../../postgres/2026-12-06-200000_idempotency_body_bytes/up.sql.
--
-- A label sheet (PDF) is not text; as TEXT, the body went through a lossy UTF-8 conversion (a
-- replayed PDF was corrupt). SQLite changes a column's type by making the table again. Bodies
-- stored before are UTF-8 text, copied as their bytes, and replay as before.
CREATE TABLE idempotency_keys_bytes (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    headers TEXT,
    body BLOB,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (owner, key)
);
INSERT INTO idempotency_keys_bytes (owner, key, fingerprint, state, status, content_type, headers, body, created_at)
SELECT owner, key, fingerprint, state, status, content_type, headers, CAST(body AS BLOB), created_at
FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_bytes RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
