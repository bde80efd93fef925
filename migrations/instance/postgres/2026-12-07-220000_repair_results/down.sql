DROP TABLE repair_results;
