DROP INDEX scans_by_at;
