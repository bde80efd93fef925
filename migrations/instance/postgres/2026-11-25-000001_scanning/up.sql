-- Scanning: scan sessions, the scan log, box barcodes, label prints, the instance identity.
-- Mirrors ../../sqlite/2026-11-25-000001_scanning/up.sql.

-- The scan that caused a ledger row, if a scan did.
ALTER TABLE ledger ADD COLUMN scan_id BIGINT;
CREATE INDEX ledger_by_scan ON ledger (scan_id) WHERE scan_id IS NOT NULL;

CREATE SEQUENCE scan_ids MINVALUE 1;
CREATE SEQUENCE label_print_ids MINVALUE 1;

CREATE TABLE box_barcodes (
    box_id TEXT NOT NULL REFERENCES boxes (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    barcode TEXT NOT NULL,
    PRIMARY KEY (box_id, position)
);
CREATE INDEX box_barcodes_by_barcode ON box_barcodes (barcode);

-- One working set per device (or per API key without a device); JSON arrays of ids.
CREATE TABLE scan_sessions (
    owner TEXT PRIMARY KEY NOT NULL,
    items TEXT NOT NULL,
    boxes TEXT NOT NULL,
    places TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Every scan and its answer; (owner, msg_id) makes a retried scan find its first answer.
CREATE TABLE scans (
    id BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    owner TEXT NOT NULL,
    actor TEXT NOT NULL,
    device_id TEXT,
    msg_id TEXT NOT NULL,
    barcode TEXT NOT NULL,
    resolution TEXT NOT NULL,
    object_id TEXT,
    action TEXT NOT NULL,
    answer TEXT NOT NULL,
    UNIQUE (owner, msg_id)
);
CREATE INDEX scans_by_device ON scans (device_id, id);
CREATE INDEX scans_by_object ON scans (object_id, id);

-- Every label sheet printed: fresh or reprinted ids.
CREATE TABLE label_prints (
    id BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    reprint BOOLEAN NOT NULL,
    format TEXT NOT NULL,
    object_ids TEXT NOT NULL
);

-- This instance's identity: its UUID and Ed25519 key pair (one row).
CREATE TABLE instance_identity (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    instance_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    secret_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
