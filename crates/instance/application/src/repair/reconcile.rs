//! Reconciliation of an RMA request: the declared devices against the items found in the
//! order's boxes (`eckwms_domain::repair::reconcile` matches them).

use chrono::{DateTime, Utc};
use eckwms_codes::ids::serial_item;
use eckwms_domain::access::Permission;
use eckwms_domain::repair::is_rma_order;
use eckwms_domain::repair::reconcile::{
    DeclaredLookup, MAX_FOUND_ITEMS, Matching, age_days, reconcile,
};
use eckwms_domain::{Order, OrderId};

use super::RepairService;
use crate::access::Actor;
use crate::error::{AppError, AppResult, ProblemCode};

/// What arrived of an RMA request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reconciliation {
    pub order: OrderId,
    /// When the parcel arrived; `None` while it has not.
    pub received_at: Option<DateTime<Utc>>,
    /// Whole days since it arrived, by the service's clock; `None` while it has not.
    pub age_days: Option<i64>,
    /// Received [`OVERDUE_DAYS`](eckwms_domain::repair::reconcile::OVERDUE_DAYS) or more days
    /// ago.
    pub overdue: bool,
    pub matching: Matching,
}

impl RepairService {
    /// Reconciles the RMA request `id`: which declared devices are among the items in its
    /// linked boxes (nested boxes included), which are missing, and which items arrived
    /// undeclared. Needs [`Permission::InventoryView`]. Only RMA requests reconcile: another
    /// order, like an unknown one, is not found. Refused (409 `reconciliation_too_large`) when
    /// the boxes hold more than [`MAX_FOUND_ITEMS`] items: a partial read would call arrived
    /// devices missing.
    pub fn reconcile(&self, actor: &Actor, id: OrderId) -> AppResult<Reconciliation> {
        actor.require(Permission::InventoryView)?;
        if !is_rma_order(id) {
            // As for slips: a plain order can never become an RMA request.
            return Err(AppError::not_found("RMA request", id));
        }
        let order = self.ports.orders.get_order(id)?;
        let matching = self.matching_of(&order)?;
        let age = order
            .received_at
            .map(|at| age_days(at, self.ports.clock.now()));
        Ok(Reconciliation {
            order: id,
            received_at: order.received_at,
            age_days: age.map(|(days, _)| days),
            overdue: age.is_some_and(|(_, overdue)| overdue),
            matching,
        })
    }

    /// The declared devices of the RMA request `order` matched with the items in its linked
    /// boxes. Refused (409 `reconciliation_too_large`) when the boxes hold more than
    /// [`MAX_FOUND_ITEMS`] items.
    pub(super) fn matching_of(&self, order: &Order) -> AppResult<Matching> {
        let id = order.id;
        let found = self.ports.repair.found_items(id, MAX_FOUND_ITEMS + 1)?;
        if found.len() > MAX_FOUND_ITEMS {
            return Err(AppError::refused(
                ProblemCode::ReconciliationTooLarge,
                format!(
                    "the boxes linked to {id} hold more than {MAX_FOUND_ITEMS} items: \
                     unlink the boxes that are not the customer's parcel"
                ),
            ));
        }
        let declared: Vec<DeclaredLookup> = order
            .declared
            .devices()
            .iter()
            .map(|device| DeclaredLookup {
                named_item: serial_item(device.serial.as_str()),
                device: device.clone(),
            })
            .collect();
        Ok(reconcile(&declared, &found))
    }
}
