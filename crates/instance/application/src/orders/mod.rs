//! The orders wing: orders, and the boxes linked to them.

use std::sync::Arc;

use eckwms_domain::{BoxId, NewOrder, Note, Order, OrderId, OrderPatch, OrderStatus, StorageBox};

use eckwms_domain::access::Permission;

use crate::access::Actor;
use crate::common::{Page, RequestMeta, paginate};
use crate::error::AppResult;
use crate::ports::{Clock, Expected, OrderFilter, OrderRepository, PageQuery, WriteContext};

/// A rule another wing sets on status changes: asked before an order is given status `to`
/// (the repair wing's: an RMA request is processed only when its repair is done).
pub trait StatusRule: Send + Sync {
    fn check(&self, order: OrderId, to: OrderStatus) -> AppResult<()>;
}

/// The repositories the orders need, and the rules other wings set on status changes.
#[derive(Clone)]
pub struct OrderPorts {
    pub orders: Arc<dyn OrderRepository>,
    pub clock: Arc<dyn Clock>,
    pub status_rules: Vec<Arc<dyn StatusRule>>,
}

#[derive(Clone)]
pub struct OrderService {
    ports: OrderPorts,
}

impl OrderService {
    pub fn new(ports: OrderPorts) -> Self {
        Self { ports }
    }

    /// The context of a write: every change here needs [`Permission::OrdersManage`] (every read here
    /// [`Permission::InventoryView`]).
    fn ctx(&self, meta: &RequestMeta, reason: Option<&Note>) -> AppResult<WriteContext> {
        meta.write_context(Permission::OrdersManage, &*self.ports.clock, reason)
    }

    pub fn create_order(&self, new: &NewOrder, meta: &RequestMeta) -> AppResult<Order> {
        self.ports.orders.create_order(new, &self.ctx(meta, None)?)
    }

    pub fn get_order(&self, actor: &Actor, id: OrderId) -> AppResult<Order> {
        actor.require(Permission::InventoryView)?;
        self.ports.orders.get_order(id)
    }

    pub fn list_orders(
        &self,
        actor: &Actor,
        filter: &OrderFilter,
        page: &PageQuery<OrderId>,
    ) -> AppResult<Page<Order>> {
        actor.require(Permission::InventoryView)?;
        paginate(
            page,
            |q| self.ports.orders.list_orders(filter, q),
            |o| o.id.to_string(),
        )
    }

    pub fn update_order(
        &self,
        id: OrderId,
        expected: Expected,
        patch: &OrderPatch,
        meta: &RequestMeta,
    ) -> AppResult<Order> {
        let ctx = self.ctx(meta, None)?;
        if let Some(to) = patch.status {
            for rule in &self.ports.status_rules {
                rule.check(id, to)?;
            }
        }
        self.ports.orders.update_order(id, expected, patch, &ctx)
    }

    pub fn delete_order(
        &self,
        id: OrderId,
        expected: Expected,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        self.ports
            .orders
            .delete_order(id, expected, &self.ctx(meta, None)?)
    }

    pub fn link_box(
        &self,
        order: OrderId,
        box_id: BoxId,
        meta: &RequestMeta,
    ) -> AppResult<StorageBox> {
        self.ports
            .orders
            .link_box(order, box_id, &self.ctx(meta, None)?)
    }

    pub fn unlink_box(
        &self,
        order: OrderId,
        box_id: BoxId,
        meta: &RequestMeta,
    ) -> AppResult<StorageBox> {
        self.ports
            .orders
            .unlink_box(order, box_id, &self.ctx(meta, None)?)
    }
}
