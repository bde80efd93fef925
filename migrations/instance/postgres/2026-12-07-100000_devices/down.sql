DROP TABLE device_challenges;
DROP TABLE devices;
