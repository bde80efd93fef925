DROP TABLE global_link;
