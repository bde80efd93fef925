//! The repair wing's ports: RMA requests, the pages of the service report, and the orders a
//! move onto a place with a role concerns.

#[cfg(feature = "mock")]
use mockall::automock;

use chrono::{DateTime, Utc};
use eckwms_domain::repair::reconcile::FoundItem;
use eckwms_domain::repair::report::ReportedOrder;
use eckwms_domain::{BoxId, ItemId, Movable, NewOrder, Order, OrderId, OrderStatus};

use super::WriteContext;
use crate::error::AppResult;

/// Which RMA requests the service report shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceReportFilter {
    /// Only requests received at or after this time.
    pub received_from: Option<DateTime<Utc>>,
    /// Only requests received before this time.
    pub received_to: Option<DateTime<Utc>>,
    /// Only requests in this status.
    pub status: Option<OrderStatus>,
}

/// One page of the service report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceReportPage {
    /// The requests, in id order, each with its declared devices and the items in its boxes.
    pub orders: Vec<ReportedOrder>,
    /// Whether requests after the last one match the filter.
    pub more: bool,
}

#[cfg_attr(feature = "mock", automock)]
pub trait RepairRepository: Send + Sync {
    /// Stores a new RMA request (an order with its declared devices) under the next RMA
    /// number: the larger of the last number handed out + 1 and `now` (Unix seconds), skipping
    /// numbers whose order exists (made by a scan of a printed code). Numbers never repeat,
    /// across processes too.
    fn create_rma(&self, new: &NewOrder, now: i64, ctx: &WriteContext) -> AppResult<Order>;

    /// The items in the boxes linked to `order` and in the boxes nested in them at any depth,
    /// with their serials and barcodes, in id order: at most `limit` (a caller that asks for one
    /// more than it takes learns whether there are more). One snapshot, a fixed number of
    /// queries whatever the number of items.
    fn found_items(&self, order: OrderId, limit: usize) -> AppResult<Vec<FoundItem>>;

    /// Those of `items` that have a recorded `result` action.
    fn items_with_result(&self, items: &[ItemId]) -> AppResult<Vec<ItemId>>;

    /// The orders linked to the box the item is in or to any box above it, in id order (none
    /// for an item on a place or nowhere); not found for an unknown item.
    fn orders_holding(&self, item: ItemId) -> AppResult<Vec<OrderId>>;

    /// A page of the service report: the RMA requests (orders of the RMA range) after `after`
    /// that match `filter` (with neither time set, received or not; with one, only those
    /// received in `[received_from, received_to)`), in id order, each with its declared devices
    /// and the items [`found_items`](Self::found_items) reads (id order, with their name, class
    /// code, condition and repair actions in recorded order, results with their outcome). At
    /// most `max_orders`, and fewer when their rows would pass `max_rows` (counted as items
    /// plus declared devices, more than the rows can be), but always one when any follows.
    /// A request whose boxes hold more than
    /// [`MAX_FOUND_ITEMS`](eckwms_domain::repair::reconcile::MAX_FOUND_ITEMS) items is refused
    /// (409 `reconciliation_too_large`), as its reconciliation is. One read transaction, a
    /// fixed number of queries whatever the page's size.
    fn service_report_page(
        &self,
        filter: &ServiceReportFilter,
        after: Option<OrderId>,
        max_orders: usize,
        max_rows: usize,
    ) -> AppResult<ServiceReportPage>;
}

/// An order a move onto a place with a role concerns, read under its lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovedOrder {
    pub order: OrderId,
    pub status: OrderStatus,
    /// The moved object that carried the order's parcel (the first one, in the order given).
    pub via: Movable,
}

/// The repair wing inside a unit of work (see [`super::Tx`]).
#[cfg_attr(feature = "mock", automock)]
pub trait RepairTx {
    /// The orders a move concerns, each once, in id order, locked until the transaction ends
    /// and read under the lock: the orders linked to the moved `boxes` or to any box nested in
    /// them, and to the boxes the moved items `left` (each item with the box it was in) or to
    /// any box those sat in.
    fn lock_orders_of_move(
        &mut self,
        boxes: &[BoxId],
        left: &[(ItemId, BoxId)],
    ) -> AppResult<Vec<MovedOrder>>;
}
