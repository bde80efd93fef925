//! The repair wing: RMA requests (a customer announces the devices they send in for repair).
//! An RMA request is an order of the RMA range (`eckwms_domain::repair`), so the orders wing
//! reads, changes and links it like any order; this wing makes it, and prints the customer's
//! slip (`slip.rs`), reconciles what arrived with what was declared (`reconcile.rs`, with the
//! list of received orders that miss declared devices), moves orders on when their parcels reach
//! a place with a role (`arrival.rs`), checks the `processed` step (`processed.rs`) and makes the
//! service report (`report.rs`).

use std::sync::Arc;

use eckwms_codes::ids::RmaCode;
use eckwms_domain::access::Permission;
use eckwms_domain::repair::{Declared, RMA_ORDER_BASE, is_rma_order};
use eckwms_domain::{
    NewOrder, Note, Order, OrderId, OrderPatch, OrderPublicFields, OrderStatus, PublicOrderField,
};

use crate::common::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::labels::LabelService;
use crate::ports::{Clock, Expected, OrderRepository, RepairRepository};

pub mod arrival;
mod processed;
mod reconcile;
mod report;
mod slip;

pub use processed::AUTO_PROCESSED_REASON;
pub use reconcile::{EXAMINED_PER_PAGE, Reconciliation};
pub use report::{REPORT_PAGE_ORDERS, REPORT_PAGE_ROWS, ReportChunk, ReportCursor};
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

/// How often a change of declared devices reads the order again when it changed in between.
const DECLARED_ATTEMPTS: usize = 3;

/// The repositories the repair wing needs.
#[derive(Clone)]
pub struct RepairPorts {
    pub repair: Arc<dyn RepairRepository>,
    /// RMA requests are orders: read and changed as orders (and read for their slips).
    pub orders: Arc<dyn OrderRepository>,
    /// Makes the label code in the slip's QR code.
    pub labels: LabelService,
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct RepairService {
    ports: RepairPorts,
    /// Whether a result that completes an RMA request sets it `processed`
    /// ([`RepairService::after_result`]).
    auto_processed: bool,
}

impl RepairService {
    pub fn new(ports: RepairPorts) -> Self {
        Self {
            ports,
            auto_processed: false,
        }
    }

    /// Sets received RMA requests `processed` by the result that completes them (off unless
    /// the site configures `repair.auto_processed`).
    pub fn processing_automatically(mut self, on: bool) -> Self {
        self.auto_processed = on;
        self
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

    /// Replaces the devices an RMA request declares. While the order is `created` (the parcel
    /// has not arrived) the customer's list may change freely; afterwards only with a
    /// `reason`, which the ledger keeps with the change (422 on `reason` without one). An order
    /// that is no RMA request is 404, as its slip is. Needs [`Permission::OrdersManage`].
    pub fn set_declared(
        &self,
        id: OrderId,
        expected: Expected,
        declared: &Declared,
        reason: Option<&Note>,
        meta: &RequestMeta,
    ) -> AppResult<Order> {
        let ctx = meta.write_context(Permission::OrdersManage, &*self.ports.clock, reason)?;
        if !is_rma_order(id) {
            // Only orders of the RMA range declare devices; a plain order can never become one.
            return Err(AppError::not_found("RMA request", id));
        }
        let patch = OrderPatch {
            declared: Some(declared.clone()),
            ..OrderPatch::default()
        };
        // The status is checked on the version read, and the change made on that version only:
        // an order received in between is read again (and then needs the reason).
        for _ in 0..DECLARED_ATTEMPTS {
            let current = self.ports.orders.get_order(id)?;
            expected.check(current.meta.version)?;
            if current.status > OrderStatus::Created && reason.is_none() {
                return Err(AppError::invalid(
                    "reason",
                    format!(
                        "is required to change the declared devices of an order that is {}",
                        current.status.as_str()
                    ),
                ));
            }
            let read = Expected::Version(current.meta.version);
            match self.ports.orders.update_order(id, read, &patch, &ctx) {
                Err(AppError::PreconditionFailed { .. }) if expected == Expected::Any => continue,
                other => return other,
            }
        }
        Err(AppError::Unavailable(anyhow::anyhow!(
            "order {id} kept changing while its declared devices were replaced"
        )))
    }
}
