ALTER TABLE api_keys RENAME COLUMN role TO scope;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP SEQUENCE audit_seq;
DROP TABLE failed_logins;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE roles;
