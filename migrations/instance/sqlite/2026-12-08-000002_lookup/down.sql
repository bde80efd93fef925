DROP INDEX items_by_serial_lower;
DROP INDEX orders_by_tracking;
