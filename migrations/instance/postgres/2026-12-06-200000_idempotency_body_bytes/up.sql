-- A stored idempotent response keeps its body as bytes, as it was sent.
-- Mirrors ../../sqlite/2026-12-06-200000_idempotency_body_bytes/up.sql.
--
-- A label sheet (PDF) is not text. As TEXT, the body went through a lossy UTF-8 conversion,
-- and PostgreSQL refused the NUL bytes of a PDF: its response was never stored. Bodies stored
-- before are UTF-8 text; their bytes are that text's, and they replay as before.
ALTER TABLE idempotency_keys ALTER COLUMN body TYPE BYTEA USING convert_to(body, 'UTF8');
