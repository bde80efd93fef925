//! The repair wing's port: RMA requests.

use eckwms_application::AppResult;
use eckwms_application::ports::{
    RepairRepository, ServiceReportFilter, ServiceReportPage, WriteContext,
};
use eckwms_domain::repair::reconcile::FoundItem;
use eckwms_domain::{ItemId, NewOrder, Order, OrderId};

use crate::pool::Database;
use crate::tx::{read_tx, write_tx};

impl RepairRepository for Database {
    fn create_rma(&self, new: &NewOrder, now: i64, ctx: &WriteContext) -> AppResult<Order> {
        write_tx!(self, ctx.idempotency.as_ref(), create_rma(new, now, ctx))
    }

    fn found_items(&self, order: OrderId, limit: usize) -> AppResult<Vec<FoundItem>> {
        read_tx!(self, found_items(order, limit))
    }

    fn items_with_result(&self, items: &[ItemId]) -> AppResult<Vec<ItemId>> {
        read_tx!(self, items_with_result(items))
    }

    fn orders_holding(&self, item: ItemId) -> AppResult<Vec<OrderId>> {
        read_tx!(self, orders_holding(item))
    }

    fn service_report_page(
        &self,
        filter: &ServiceReportFilter,
        after: Option<OrderId>,
        max_orders: usize,
        max_rows: usize,
    ) -> AppResult<ServiceReportPage> {
        read_tx!(
            self,
            service_report_page(filter, after, max_orders, max_rows)
        )
    }
}
