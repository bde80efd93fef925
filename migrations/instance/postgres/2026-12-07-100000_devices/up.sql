-- Scanners (devices) registered with this instance, the challenges of their registrations, the
-- signatures of their writes accepted lately, and the operators logged in on them.
-- Mirrors ../../sqlite/2026-12-07-100000_devices/up.sql.

-- A device's id is its own (it names itself when it registers); its key signs its requests.
CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- Ed25519, canonical standard base64, exactly as the device signed it.
    public_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'blocked')),
    -- The role its requests act with; NULL: none of its own.
    role TEXT REFERENCES roles (name),
    version BIGINT NOT NULL,
    registered_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP
);
-- The admins' list by status, and whether a role is in use (deleting a role).
CREATE INDEX devices_by_status ON devices (status, id);
CREATE INDEX devices_by_role ON devices (role);

-- Single-use nonces a registration is signed over; spent in the registration's transaction.
CREATE TABLE device_challenges (
    nonce TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX device_challenges_by_expiry ON device_challenges (expires_at);

-- The SHA-256 of each accepted signature of a scanner's write (but a scan's) while its timestamp
-- is within the window: the same signed request again is refused. Purged once expired.
CREATE TABLE device_signatures (
    hash TEXT PRIMARY KEY NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX device_signatures_by_expiry ON device_signatures (expires_at);

-- The operator logged in on a scanner (with a PIN): at most one per scanner. It ends at logout,
-- after auth.operator_idle_minutes without a request, with the scanner, and when the user is
-- made inactive or gets a new password or PIN.
CREATE TABLE device_operators (
    device_id TEXT PRIMARY KEY NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id),
    started_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
-- A user's operator sessions end with their deactivation or new secrets.
CREATE INDEX device_operators_by_user ON device_operators (user_id);
