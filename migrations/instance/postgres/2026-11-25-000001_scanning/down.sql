DROP TABLE instance_identity;
DROP TABLE label_prints;
DROP TABLE scans;
DROP TABLE scan_sessions;
DROP TABLE box_barcodes;
DROP SEQUENCE label_print_ids;
DROP SEQUENCE scan_ids;
DROP INDEX ledger_by_scan;
ALTER TABLE ledger DROP COLUMN scan_id;
