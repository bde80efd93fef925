DROP TABLE instance_identity;
DROP TABLE label_prints;
DROP TABLE scans;
DROP TABLE scan_sessions;
DROP TABLE box_barcodes;
DELETE FROM id_counters WHERE kind = 'label_print';
DROP INDEX ledger_by_scan;
ALTER TABLE ledger DROP COLUMN scan_id;
