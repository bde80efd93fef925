-- Public orders: the fields of an order its owner shows on the public label page.
-- Mirrors ../../sqlite/2026-11-25-000002_public_orders/up.sql.

-- The chosen field names (status, reference, tracking_number, received_at, processed_at,
-- shipped_at) separated by spaces, in that order; empty: nothing public.
ALTER TABLE orders ADD COLUMN public_fields TEXT NOT NULL DEFAULT '';
