-- Access: roles, users, login sessions, failed logins, the audit log; API keys get roles.
-- Mirrors ../../sqlite/2026-12-07-000001_access/up.sql.

-- Named sets of permissions. No rows here: the service seeds the roles it knows at every start
-- (inserting the missing ones only).
CREATE TABLE roles (
    name TEXT PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    -- Permission names separated by single spaces, in the catalogue's order.
    permissions TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- People who log in. Ids come from the counter 'user'; only hashes of secrets are stored.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    -- The username in lower case: unique, so that 'Anna' and 'anna' are one user.
    username_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL REFERENCES roles (name),
    active BOOLEAN NOT NULL,
    password_hash TEXT NOT NULL,
    pin_hash TEXT,
    last_login_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Whether a role is in use (deleting a role), without reading every user.
CREATE INDEX users_by_role ON users (role, id);

-- Login sessions, by the SHA-256 of their token (the token itself is never stored).
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    address TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- One row per failed login and subject ('user:<username key>', 'address:<ip>'), counted over
-- a window to throttle guessing; purged once older than the window.
CREATE TABLE failed_logins (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX failed_logins_by_subject ON failed_logins (subject, at);

-- Security events, numbered by a sequence (numbers are never handed out twice).
CREATE SEQUENCE audit_seq MINVALUE 1;
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL DEFAULT nextval('audit_seq'),
    at TIMESTAMP NOT NULL,
    event TEXT NOT NULL,
    actor TEXT,
    address TEXT,
    request_id TEXT,
    subject TEXT,
    detail TEXT
);
CREATE INDEX audit_log_by_event ON audit_log (event, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);
-- Append-only, like the ledger: an entry is never changed or removed.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- A key's scope (read, write, admin) becomes its role, of the same name. No foreign key: keys
-- stored before this migration name roles the service seeds only after it.
ALTER TABLE api_keys RENAME COLUMN scope TO role;
