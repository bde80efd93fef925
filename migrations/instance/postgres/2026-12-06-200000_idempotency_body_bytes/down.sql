-- Back to a TEXT body. A body that is UTF-8 text (without NUL) is kept as that text. Any other
-- body (a PDF sheet) cannot be text: its response is dropped, and the key stays completed
-- without one, which the previous release answers with 409 idempotency_response_lost (the
-- request took effect; read the current state). Repeating the request instead would repeat
-- its effect.
CREATE FUNCTION pg_temp.idempotency_body_text(body BYTEA) RETURNS TEXT LANGUAGE plpgsql AS $$
BEGIN
    RETURN convert_from(body, 'UTF8');
EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character THEN
    RETURN NULL;
END
$$;
UPDATE idempotency_keys
SET status = NULL, content_type = NULL, headers = NULL, body = NULL
WHERE body IS NOT NULL AND pg_temp.idempotency_body_text(body) IS NULL;
ALTER TABLE idempotency_keys ALTER COLUMN body TYPE TEXT USING pg_temp.idempotency_body_text(body);
DROP FUNCTION pg_temp.idempotency_body_text(BYTEA);
