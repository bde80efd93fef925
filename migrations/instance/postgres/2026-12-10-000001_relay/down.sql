DROP INDEX relay_errors_by_at;
DROP TABLE relay_errors;
DROP TABLE relay_inbox;
DROP TABLE relay_state;
