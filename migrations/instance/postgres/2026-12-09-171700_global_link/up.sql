-- This instance's enrollment with the global service (one row): its URL and the instance key
-- the global service issued (a secret, like instance_identity.secret_key: never logged,
-- never served).
CREATE TABLE global_link (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    url TEXT NOT NULL,
    instance_key TEXT NOT NULL,
    enrolled_at TIMESTAMP NOT NULL
);
