-- The scans of a time range (the dashboard's scans per hour), counted from an index range
-- rather than a scan of the whole log.
CREATE INDEX scans_by_at ON scans (at);
