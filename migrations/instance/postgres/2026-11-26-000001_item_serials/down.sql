DROP INDEX items_serial_exempt;
DROP INDEX items_serial_class;
ALTER TABLE items DROP COLUMN serial_exempt;
