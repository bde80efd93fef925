-- ECKWMS instance schema, PostgreSQL. Mirrors ../../sqlite/2026-11-24-000001_inventory/up.sql.

-- Id sequences: one per kind. nextval never hands out a number twice, across transactions
-- and processes, and takes no lock that a concurrent writer would wait for.
CREATE SEQUENCE item_ids MINVALUE 1;
CREATE SEQUENCE box_ids MINVALUE 1;
CREATE SEQUENCE place_ids MINVALUE 1;
CREATE SEQUENCE order_ids MINVALUE 1;
CREATE SEQUENCE user_ids MINVALUE 1;
CREATE SEQUENCE label_ids MINVALUE 1;
CREATE SEQUENCE warehouse_ids START 2;
CREATE SEQUENCE rack_ids MINVALUE 1;
CREATE SEQUENCE apikey_ids MINVALUE 1;
CREATE SEQUENCE ledger_seq MINVALUE 1;

CREATE TABLE warehouses (
    id BIGINT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    id_offset BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO warehouses (id, name, id_offset, version, created_at, updated_at)
VALUES (1, 'Main warehouse', 0, 1, '2026-11-24 00:00:00', '2026-11-24 00:00:00');

CREATE TABLE racks (
    id BIGINT PRIMARY KEY NOT NULL,
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    name TEXT NOT NULL,
    prefix TEXT,
    column_count INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    start_index BIGINT NOT NULL,
    sort_order INTEGER NOT NULL,
    pos_x INTEGER NOT NULL,
    pos_y INTEGER NOT NULL,
    rotation INTEGER NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX racks_by_warehouse ON racks (warehouse_id, id);

CREATE TABLE places (
    id TEXT PRIMARY KEY NOT NULL,
    warehouse_id BIGINT NOT NULL REFERENCES warehouses (id),
    name TEXT NOT NULL,
    rack_id BIGINT REFERENCES racks (id),
    rack_index INTEGER,
    rack_column INTEGER,
    rack_row INTEGER,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX places_by_warehouse ON places (warehouse_id, id);
CREATE INDEX places_by_rack ON places (rack_id, id);

CREATE TABLE orders (
    id TEXT PRIMARY KEY NOT NULL,
    reference TEXT,
    customer TEXT NOT NULL,
    status TEXT NOT NULL,
    tracking_number TEXT,
    received_at TIMESTAMP,
    processed_at TIMESTAMP,
    shipped_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_by_status ON orders (status, id);

CREATE TABLE boxes (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT,
    parent_box TEXT REFERENCES boxes (id),
    parent_place TEXT REFERENCES places (id),
    order_id TEXT REFERENCES orders (id),
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (parent_box IS NULL OR parent_place IS NULL),
    CHECK (parent_box IS NULL OR parent_box <> id)
);
CREATE INDEX boxes_by_parent_box ON boxes (parent_box, id);
CREATE INDEX boxes_by_parent_place ON boxes (parent_place, id);
CREATE INDEX boxes_by_order ON boxes (order_id, id);

CREATE TABLE items (
    id TEXT PRIMARY KEY NOT NULL,
    serial TEXT,
    class_code TEXT,
    name TEXT,
    condition TEXT,
    attributes TEXT NOT NULL,
    parent_box TEXT REFERENCES boxes (id),
    parent_place TEXT REFERENCES places (id),
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (parent_box IS NULL OR parent_place IS NULL)
);
CREATE INDEX items_by_parent_box ON items (parent_box, id);
CREATE INDEX items_by_parent_place ON items (parent_place, id);
CREATE INDEX items_by_class ON items (class_code, id);
CREATE INDEX items_by_serial ON items (serial);

CREATE TABLE item_barcodes (
    item_id TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    barcode TEXT NOT NULL,
    PRIMARY KEY (item_id, position)
);
CREATE INDEX item_barcodes_by_barcode ON item_barcodes (barcode);

CREATE TABLE item_actions (
    seq BIGINT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL
);
CREATE INDEX item_actions_by_item ON item_actions (item_id, seq);

-- The append-only history. `seq` is global and, per object, follows commit order: a writer
-- takes its sequence numbers after it holds the locks of the objects it changes.
CREATE TABLE ledger (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    object_id TEXT NOT NULL,
    change TEXT NOT NULL,
    from_id TEXT,
    to_id TEXT,
    actor TEXT NOT NULL,
    reason TEXT,
    request_id TEXT,
    data TEXT NOT NULL
);
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only';
END;
$$;
CREATE TRIGGER ledger_no_update BEFORE UPDATE OR DELETE ON ledger
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- Which ledger rows concern which object (subject, origin, destination): one index scan per history page.
CREATE TABLE ledger_refs (
    object_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (object_id, seq)
);

CREATE TABLE api_keys (
    id BIGINT PRIMARY KEY NOT NULL,
    key_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    last_used_at TIMESTAMP
);

CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    headers TEXT,
    body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_by_created ON idempotency_keys (created_at);
