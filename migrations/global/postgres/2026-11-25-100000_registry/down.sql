DROP TABLE relay_scans;
DROP TABLE devices;
DROP TABLE device_challenges;
DROP TABLE pairing_tokens;
DROP TABLE instances;
DROP TABLE enrollment_tokens;
