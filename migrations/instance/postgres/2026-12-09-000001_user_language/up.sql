-- The language a user chose (en, de, ru) for the web UI and their scanner's messages; NULL:
-- the browser's.
ALTER TABLE users ADD COLUMN language TEXT;
