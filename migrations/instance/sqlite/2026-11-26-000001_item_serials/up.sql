-- One device, one item: a serial names one item within its product class.
-- Mirrors ../../postgres/2026-11-26-000001_item_serials/up.sql.
--
-- The rule (crates/domain/src/serial.rs): among the items that exist, (serial, class_code) is
-- unique, and an item without a class code clashes with every item of its serial. The writers
-- check it under a lock on the serial (docs/DATABASE.md, "Serials"). The unique index below
-- holds the part of the rule an index can say, (serial, class or none), as a safety net for
-- writers that do not check (an older binary during a rolling upgrade).
--
-- Items that already broke the rule are marked serial_exempt and left out of the index, so this
-- migration never fails on existing data. They stay as they are until someone changes their
-- serial or class: a change is checked (it may keep an old clash, never add one), and the mark
-- stays only while the item still clashes. `eckwms verify` and the start-up log list them.
ALTER TABLE items ADD COLUMN serial_exempt BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE items SET serial_exempt = TRUE
WHERE serial IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM items AS other
    WHERE other.serial = items.serial
      AND other.id <> items.id
      AND (other.class_code IS NULL OR items.class_code IS NULL
           OR other.class_code = items.class_code)
  );

CREATE UNIQUE INDEX items_serial_class ON items (serial, COALESCE(class_code, ''))
WHERE serial IS NOT NULL AND NOT serial_exempt;

-- The items still marked: the start-up warning and `eckwms verify` read them through this index
-- (normally empty) instead of scanning every item.
CREATE INDEX items_serial_exempt ON items (serial) WHERE serial_exempt;
