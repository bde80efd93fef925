-- What a place is for in the repair workflow: intake, shipped or quarantine; a place without
-- a row here has no role. No place gets one here: an admin sets them (the first generation's
-- fixed intake and shipping places become configuration). A table of its own rather than a
-- column of places, whose rows every move reads.
CREATE TABLE place_roles (
    place_id TEXT PRIMARY KEY NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    role TEXT NOT NULL
);
CREATE INDEX place_roles_by_role ON place_roles (role, place_id);
