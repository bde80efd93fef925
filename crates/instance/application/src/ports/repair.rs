//! The repair wing's port: RMA requests.

#[cfg(feature = "mock")]
use mockall::automock;

use eckwms_domain::{NewOrder, Order};

use super::WriteContext;
use crate::error::AppResult;

#[cfg_attr(feature = "mock", automock)]
pub trait RepairRepository: Send + Sync {
    /// Stores a new RMA request (an order with its declared devices) under the next RMA
    /// number: the larger of the last number handed out + 1 and `now` (Unix seconds), skipping
    /// numbers whose order exists (made by a scan of a printed code). Numbers never repeat,
    /// across processes too.
    fn create_rma(&self, new: &NewOrder, now: i64, ctx: &WriteContext) -> AppResult<Order>;
}
