//! The orders' port: orders and the boxes linked to them.

use eckwms_application::AppResult;
use eckwms_application::ports::{Expected, OrderFilter, OrderRepository, PageQuery, WriteContext};
use eckwms_domain::{BoxId, NewOrder, Order, OrderId, OrderPatch, StorageBox};

use crate::pool::Database;
use crate::tx::write_tx;
use eckwms_db_kit::on_conn;

impl OrderRepository for Database {
    fn create_order(&self, new: &NewOrder, ctx: &WriteContext) -> AppResult<Order> {
        write_tx!(self, ctx.idempotency.as_ref(), create_order(new, ctx))
    }
    fn get_order(&self, id: OrderId) -> AppResult<Order> {
        on_conn!(self, get_order(id))
    }
    fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageQuery<OrderId>,
    ) -> AppResult<Vec<Order>> {
        on_conn!(self, list_orders(filter, page))
    }
    fn update_order(
        &self,
        id: OrderId,
        expected: Expected,
        patch: &OrderPatch,
        ctx: &WriteContext,
    ) -> AppResult<Order> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            update_order(id, expected, patch, ctx)
        )
    }
    fn delete_order(&self, id: OrderId, expected: Expected, ctx: &WriteContext) -> AppResult<()> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            delete_order(id, expected, ctx)
        )
    }
    fn link_box(&self, order: OrderId, box_id: BoxId, ctx: &WriteContext) -> AppResult<StorageBox> {
        write_tx!(self, ctx.idempotency.as_ref(), link_box(order, box_id, ctx))
    }
    fn unlink_box(
        &self,
        order: OrderId,
        box_id: BoxId,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            unlink_box(order, box_id, ctx)
        )
    }
}
