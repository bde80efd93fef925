//! The repair wing: RMA requests (a customer announces the devices they send in for repair).
//! An RMA request is an order of the RMA range (`eckwms_domain::repair`), so the orders wing
//! reads, changes and links it like any order; this wing makes it, and prints the customer's
//! slip (`slip.rs`).

use std::sync::Arc;

use eckwms_codes::ids::RmaCode;
use eckwms_domain::access::Permission;
use eckwms_domain::repair::{RMA_ORDER_BASE, is_rma_order};
use eckwms_domain::{NewOrder, Order, OrderId, OrderPublicFields, PublicOrderField};

use crate::common::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::labels::LabelService;
use crate::ports::{Clock, OrderRepository, RepairRepository};

mod slip;

pub use slip::{RmaSlip, SLIP_TITLE, slip_of};

#[cfg(test)]
mod tests;

/// What an RMA request publishes unless it says otherwise: the customer follows its progress
/// through the QR code on the slip.
pub const RMA_PUBLIC_FIELDS: [PublicOrderField; 5] = [
    PublicOrderField::Status,
    PublicOrderField::Reference,
    PublicOrderField::ReceivedAt,
    PublicOrderField::ShippedAt,
    PublicOrderField::TrackingNumber,
];

/// The RMA code an order of the RMA range stands for; `None` for other orders.
pub fn rma_code(id: OrderId) -> Option<RmaCode> {
    if !is_rma_order(id) {
        return None;
    }
    RmaCode::from_unix_seconds(id.number() - RMA_ORDER_BASE).ok()
}

/// The repositories the repair wing needs.
#[derive(Clone)]
pub struct RepairPorts {
    pub repair: Arc<dyn RepairRepository>,
    /// Reads the request a slip is printed for.
    pub orders: Arc<dyn OrderRepository>,
    /// Makes the label code in the slip's QR code.
    pub labels: LabelService,
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct RepairService {
    ports: RepairPorts,
}

impl RepairService {
    pub fn new(ports: RepairPorts) -> Self {
        Self { ports }
    }

    /// Makes an RMA request: an order with the customer, the declared devices and the
    /// reference, published as [`RMA_PUBLIC_FIELDS`] when `new` names no public fields. Its
    /// code's digits are the Unix seconds of now, or the next free number when codes were made
    /// in this second already. Needs [`Permission::OrdersManage`].
    pub fn create_rma(&self, new: &NewOrder, meta: &RequestMeta) -> AppResult<Order> {
        let ctx = meta.write_context(Permission::OrdersManage, &*self.ports.clock, None)?;
        let mut new = new.clone();
        if new.public_fields.is_empty() {
            new.public_fields = RMA_PUBLIC_FIELDS.into_iter().collect::<OrderPublicFields>();
        }
        let now = ctx.at.timestamp();
        if now < 0 {
            return Err(AppError::Internal(anyhow::anyhow!(
                "the clock is before 1970: no RMA code can be made"
            )));
        }
        self.ports.repair.create_rma(&new, now, &ctx)
    }
}
