-- The lookup of a scanned text (GET /api/v1/lookup) finds orders by their tracking number and
-- items by their serial regardless of case: without these, each lookup read every order and
-- every item.
CREATE INDEX orders_by_tracking ON orders (tracking_number, id);
CREATE INDEX items_by_serial_lower ON items (lower(serial), id);
