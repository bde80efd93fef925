-- Back to a TEXT body, as 2026-11-24-000001_inventory made it. SQLite has no test of UTF-8:
-- a body of ASCII characters without NUL (JSON answers, as nearly all are) is kept as that
-- text; any other body (a PDF sheet, also a JSON answer holding other characters) has its
-- response dropped, and the key stays completed without one, which the previous release
-- answers with 409 idempotency_response_lost (the request took effect; read the current
-- state). Repeating the request instead would repeat its effect; and text that is not UTF-8
-- must never reach the previous release, which reads TEXT as UTF-8 without checking.
CREATE TABLE idempotency_keys_text (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    headers TEXT,
    body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (owner, key)
);
-- ASCII: no NUL byte, and no character outside U+0001..U+007F (GLOB reads a byte that is not
-- UTF-8 as a character outside that range).
INSERT INTO idempotency_keys_text (owner, key, fingerprint, state, status, content_type, headers, body, created_at)
SELECT owner, key, fingerprint, state, status, content_type, headers, CAST(body AS TEXT), created_at
FROM idempotency_keys
WHERE body IS NULL
   OR (instr(body, X'00') = 0 AND NOT CAST(body AS TEXT) GLOB ('*[^' || char(1) || '-' || char(127) || ']*'));
INSERT INTO idempotency_keys_text (owner, key, fingerprint, state, status, content_type, headers, body, created_at)
SELECT owner, key, fingerprint, state, NULL, NULL, NULL, NULL, created_at
FROM idempotency_keys
WHERE NOT (body IS NULL
   OR (instr(body, X'00') = 0 AND NOT CAST(body AS TEXT) GLOB ('*[^' || char(1) || '-' || char(127) || ']*')));
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_text RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
