ALTER TABLE orders DROP COLUMN public_fields;
