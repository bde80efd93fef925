DROP TABLE rma_numbers;
DROP TABLE rma_declared;
