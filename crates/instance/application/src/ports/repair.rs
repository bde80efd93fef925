//! The repair wing's port: RMA requests.

#[cfg(feature = "mock")]
use mockall::automock;

use eckwms_domain::repair::reconcile::FoundItem;
use eckwms_domain::{NewOrder, Order, OrderId};

use super::WriteContext;
use crate::error::AppResult;

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
}
