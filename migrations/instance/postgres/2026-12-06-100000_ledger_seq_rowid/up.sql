-- Pairs ../../sqlite/2026-12-06-100000_ledger_seq_rowid/up.sql, which makes the SQLite ledger's
-- seq its rowid. PostgreSQL has no rowid: its ledger keeps seq as a bigint primary key, found
-- through that index as before, so its schema does not change. Both backends keep the same
-- migration versions; this one only documents the table.
COMMENT ON TABLE ledger IS 'The append-only history: one row per change, seq in commit order per object.';
