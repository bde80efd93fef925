//! The orders wing: customer and RMA/repair orders, their status steps, and what of an order
//! its owner publishes on the public label page ([`public`]).

mod order;
pub mod public;

pub use order::{Customer, NewOrder, Order, OrderPatch, OrderStatus};
