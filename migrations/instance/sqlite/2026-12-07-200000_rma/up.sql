-- RMA requests (the repair wing). Mirrors ../../postgres/2026-12-07-200000_rma/up.sql.

-- An RMA request is an order whose number is 800000000000000000 + the number of its code
-- (RMA + 10 digits + 2 check characters): the code names one order, and a scan of the code
-- finds it. No column holds the code.

-- The devices a customer declared, in their order. `serial_key` is the serial in upper case:
-- a device is declared once per request whatever the case it is typed in.
CREATE TABLE rma_declared (
    order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    serial TEXT NOT NULL,
    serial_key TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (order_id, position),
    UNIQUE (order_id, serial_key)
);

-- The last number an RMA code was made of (Unix seconds, or later when many were made in one
-- second). The next code takes max(last + 1, now) in one UPDATE of this one row, which also
-- holds it until the request commits: codes never repeat, across processes too, and never fall
-- behind the clock.
CREATE TABLE rma_numbers (
    one BOOLEAN PRIMARY KEY NOT NULL CHECK (one),
    last_value BIGINT NOT NULL
);
INSERT INTO rma_numbers (one, last_value) VALUES (TRUE, 0);
