-- Back to seq as a BIGINT PRIMARY KEY beside the rowid, as 2026-11-24-000001_inventory made it.
CREATE TABLE ledger_unkeyed (
    seq BIGINT PRIMARY KEY NOT NULL,
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
INSERT INTO ledger_unkeyed (seq, at, object_id, change, from_id, to_id, actor, reason, request_id, data, scan_id)
SELECT seq, at, object_id, change, from_id, to_id, actor, reason, request_id, data, scan_id
FROM ledger ORDER BY seq;
DROP TABLE ledger;
ALTER TABLE ledger_unkeyed RENAME TO ledger;
CREATE INDEX ledger_by_scan ON ledger (scan_id) WHERE scan_id IS NOT NULL;
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
