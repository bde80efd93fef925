//! The repair wing's port: RMA requests.

use eckwms_application::AppResult;
use eckwms_application::ports::{RepairRepository, WriteContext};
use eckwms_domain::{NewOrder, Order};

use crate::pool::Database;
use crate::tx::write_tx;

impl RepairRepository for Database {
    fn create_rma(&self, new: &NewOrder, now: i64, ctx: &WriteContext) -> AppResult<Order> {
        write_tx!(self, ctx.idempotency.as_ref(), create_rma(new, now, ctx))
    }
}
