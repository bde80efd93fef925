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
use crate::common::Page;
use crate::error::{AppError, AppResult, ProblemCode};
use crate::ports::{OrderFilter, PageQuery};

/// Most orders one page of the missing-devices list examines: each costs a reconciliation (a
/// read of the items in its boxes), so a page is bounded in work as in size, and comes back
/// short, with a `next_cursor`, when the budget ends first.
pub const EXAMINED_PER_PAGE: usize = 200;

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

    /// The declared devices of `order` (an RMA request) matched with the items in its linked
    /// boxes: the one reading [`RepairService::reconcile`], the list of orders with missing
    /// devices and the `processed` check make, so that all say the same. Refused (409
    /// `reconciliation_too_large`) when the boxes hold more than [`MAX_FOUND_ITEMS`] items.
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

    /// RMA requests whose parcel has arrived (`received_at` set) that miss at least one
    /// declared device (`missing`), or that miss none (`!missing`), as their reconciliation
    /// says, among the orders `filter` keeps, in id order after `page.after`.
    ///
    /// An order still `created` is never listed: until its parcel arrives every device it
    /// declares is missing by definition, and those orders are simply `status=created`.
    ///
    /// The work is bounded: one page examines (reconciles) at most [`EXAMINED_PER_PAGE`]
    /// candidates. When that budget ends before the page is full, the page comes back short,
    /// even empty, with a `next_cursor` naming the last order examined, so the next page goes
    /// on from there; `next_cursor` is `None` only when no candidate is left. A candidate whose
    /// boxes hold more than [`MAX_FOUND_ITEMS`] items is refused (409
    /// `reconciliation_too_large`, naming it), as its reconciliation is: it cannot be told.
    /// Needs [`Permission::InventoryView`].
    pub fn list_by_missing_devices(
        &self,
        actor: &Actor,
        filter: &OrderFilter,
        missing: bool,
        page: &PageQuery<OrderId>,
    ) -> AppResult<Page<Order>> {
        actor.require(Permission::InventoryView)?;
        let candidates = OrderFilter {
            arrived_rma: true,
            // An order that declares nothing misses nothing: not worth reconciling for `true`.
            declares_devices: filter.declares_devices || missing,
            ..filter.clone()
        };
        let wanted = page.limit as usize;
        let mut listed: Vec<Order> = Vec::new();
        let mut last_examined = page.after;
        let mut examined = 0;
        loop {
            let room = EXAMINED_PER_PAGE - examined;
            if room == 0 {
                // Out of budget: more candidates may follow the last one examined.
                return Ok(Page {
                    items: listed,
                    next_cursor: last_examined.map(|id| id.to_string()),
                });
            }
            // One more than the page holds, to know whether another page follows.
            let batch = (wanted + 1 - listed.len()).min(room);
            let query = PageQuery {
                after: last_examined,
                limit: u32::try_from(batch).unwrap_or(u32::MAX),
            };
            let orders = self.ports.orders.list_orders(&candidates, &query)?;
            let exhausted = orders.len() < batch;
            for order in orders {
                examined += 1;
                last_examined = Some(order.id);
                if self.matching_of(&order)?.missing.is_empty() != missing {
                    listed.push(order);
                    if listed.len() > wanted {
                        listed.truncate(wanted);
                        let next_cursor = listed.last().map(|o| o.id.to_string());
                        return Ok(Page {
                            items: listed,
                            next_cursor,
                        });
                    }
                }
            }
            if exhausted {
                return Ok(Page {
                    items: listed,
                    next_cursor: None,
                });
            }
        }
    }
}
