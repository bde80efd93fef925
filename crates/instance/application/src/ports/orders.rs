//! The orders' ports: customer and RMA/repair orders and the boxes linked to them.

use eckwms_domain::{BoxId, NewOrder, Order, OrderId, OrderPatch, OrderStatus, StorageBox};
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::AppResult;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Case-insensitive substring of the reference.
    pub text: Option<String>,
    /// Only orders received before this time (with `status` received: the ones waiting
    /// longest for their repair).
    pub received_before: Option<chrono::DateTime<chrono::Utc>>,
    /// Only RMA requests whose parcel has arrived (`received_at` set): the orders the repair
    /// wing reconciles for its list of received orders with missing devices.
    pub arrived_rma: bool,
    /// Only orders that declare at least one device (an order that declares none misses none).
    pub declares_devices: bool,
}

#[cfg_attr(feature = "mock", automock)]
pub trait OrderRepository: Send + Sync {
    fn create_order(&self, new: &NewOrder, ctx: &WriteContext) -> AppResult<Order>;
    fn get_order(&self, id: OrderId) -> AppResult<Order>;
    fn list_orders(&self, filter: &OrderFilter, page: &PageQuery<OrderId>)
    -> AppResult<Vec<Order>>;
    fn update_order(
        &self,
        id: OrderId,
        expected: Expected,
        patch: &OrderPatch,
        ctx: &WriteContext,
    ) -> AppResult<Order>;
    /// Refused while boxes are linked to the order.
    fn delete_order(&self, id: OrderId, expected: Expected, ctx: &WriteContext) -> AppResult<()>;
    /// Links a box to the order (a box belongs to at most one order).
    fn link_box(&self, order: OrderId, box_id: BoxId, ctx: &WriteContext) -> AppResult<StorageBox>;
    fn unlink_box(
        &self,
        order: OrderId,
        box_id: BoxId,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox>;
}

/// Orders inside a unit of work (see [`Tx`]).
#[cfg_attr(feature = "mock", automock)]
pub trait OrdersTx {
    /// Creates an order under an id read from a label (its counter never hands the id out later).
    fn create_with_id(
        &mut self,
        id: OrderId,
        new: &NewOrder,
        ctx: &WriteContext,
    ) -> AppResult<Order>;
    /// Links a box to the order (a box belongs to at most one order).
    fn link_box(
        &mut self,
        order: OrderId,
        box_id: BoxId,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox>;
    /// Changes the order as the patch says, whatever its version (the caller holds its lock:
    /// see `RepairTx::lock_orders_of_move`), with its ledger row.
    fn update_order(
        &mut self,
        id: OrderId,
        patch: &OrderPatch,
        ctx: &WriteContext,
    ) -> AppResult<Order>;
}
