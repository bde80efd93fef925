DROP TABLE device_operators;
DROP TABLE device_signatures;
DROP TABLE device_challenges;
DROP TABLE devices;
