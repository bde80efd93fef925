-- What a `result` action of an item says beyond its message: the outcome of the repair, the
-- parts used (a JSON array of text lines) and whether it was done under warranty. Results
-- recorded before have no row.
CREATE TABLE repair_results (
    seq BIGINT PRIMARY KEY NOT NULL REFERENCES item_actions (seq) ON DELETE CASCADE,
    outcome TEXT NOT NULL,
    parts TEXT NOT NULL,
    warranty BOOLEAN NOT NULL
);
