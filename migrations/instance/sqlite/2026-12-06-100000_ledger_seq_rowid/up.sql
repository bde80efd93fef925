-- The ledger's seq becomes the table's own key (SQLite: INTEGER PRIMARY KEY, the rowid).
-- Mirrors ../../postgres/2026-12-06-100000_ledger_seq_rowid/up.sql, which changes nothing.
--
-- Declared BIGINT PRIMARY KEY, seq was a separate unique index beside a hidden rowid: every
-- history row was found with two B-tree searches (seq in that index, then the rowid in the
-- table), and every append maintained both. As the rowid, one search finds the row. The rows
-- are copied in seq order; the triggers and the scan index are made again on the new table.
CREATE TABLE ledger_keyed (
    seq INTEGER PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    object_id TEXT NOT NULL,
    change TEXT NOT NULL,
    from_id TEXT,
    to_id TEXT,
    actor TEXT NOT NULL,
    reason TEXT,
    request_id TEXT,
    data TEXT NOT NULL,
    scan_id BIGINT
);
INSERT INTO ledger_keyed (seq, at, object_id, change, from_id, to_id, actor, reason, request_id, data, scan_id)
SELECT seq, at, object_id, change, from_id, to_id, actor, reason, request_id, data, scan_id
FROM ledger ORDER BY seq;
DROP TABLE ledger;
ALTER TABLE ledger_keyed RENAME TO ledger;
CREATE INDEX ledger_by_scan ON ledger (scan_id) WHERE scan_id IS NOT NULL;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
