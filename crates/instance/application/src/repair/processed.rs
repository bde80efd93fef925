//! The `processed` step of an RMA request: it may be taken once the parcel was received and
//! every matched device has a `result`; explicitly (a status change the orders wing asks this
//! wing about, [`StatusRule`]) or, when the site configures it, by the result that completes
//! the request ([`RepairService::after_result`]).

use eckwms_domain::repair::is_rma_order;
use eckwms_domain::{ItemId, Order, OrderId, OrderPatch, OrderStatus};

use super::RepairService;
use crate::common::RequestMeta;
use crate::error::{AppError, AppResult, ProblemCode};
use crate::orders::StatusRule;
use crate::ports::Expected;

/// Most items a refusal names; the rest are counted.
const NAMED_IN_REFUSAL: usize = 10;

/// How often an automatic `processed` reads the order again when it changed in between.
const PROCESSED_ATTEMPTS: usize = 3;

/// The reason recorded with an automatic `processed`.
pub const AUTO_PROCESSED_REASON: &str = "every matched device has a result";

impl RepairService {
    /// Why the RMA request cannot be set `processed` now: it was not received yet, or matched
    /// devices have no result (named, up to ten); `None` when it can. An order already
    /// `processed` or `shipped` has nothing left to check.
    pub fn unfinished(&self, order: &Order) -> AppResult<Option<String>> {
        match order.status {
            OrderStatus::Created => {
                return Ok(Some(format!(
                    "{} has not been received: its devices cannot have been repaired",
                    order.id
                )));
            }
            OrderStatus::Processed | OrderStatus::Shipped => return Ok(None),
            OrderStatus::Received => {}
        }
        let matched: Vec<ItemId> = self
            .matching_of(order)?
            .matched
            .iter()
            .map(|m| m.item)
            .collect();
        if matched.is_empty() {
            return Ok(None);
        }
        let done = self.ports.repair.items_with_result(&matched)?;
        let open: Vec<ItemId> = matched.into_iter().filter(|i| !done.contains(i)).collect();
        if open.is_empty() {
            return Ok(None);
        }
        let mut named: Vec<String> = open
            .iter()
            .take(NAMED_IN_REFUSAL)
            .map(ToString::to_string)
            .collect();
        if open.len() > NAMED_IN_REFUSAL {
            named.push(format!("and {} more", open.len() - NAMED_IN_REFUSAL));
        }
        Ok(Some(format!(
            "{} matched device(s) of {} have no result yet: {}",
            open.len(),
            order.id,
            named.join(", ")
        )))
    }

    /// When the site processes RMA requests automatically: after a `result` was recorded on
    /// `item`, sets `processed` every received RMA request holding the item (in its linked
    /// boxes) whose matched devices all have a result now, with the recorded reason
    /// [`AUTO_PROCESSED_REASON`]; the technician is the actor. Returns the orders it set.
    ///
    /// It runs after the result's own transaction: of two results that complete an order at
    /// the same moment, each is committed before its check reads, so the later check sees
    /// both and the order is processed once (the other check finds it processed already).
    pub fn after_result(&self, item: ItemId, meta: &RequestMeta) -> AppResult<Vec<OrderId>> {
        if !self.auto_processed {
            return Ok(Vec::new());
        }
        let reason = eckwms_domain::Note::new("reason", AUTO_PROCESSED_REASON)
            .map_err(|e| AppError::internal(anyhow::anyhow!("{}", e.message)))?;
        let ctx = meta.write_context(
            eckwms_domain::access::Permission::RepairWork,
            &*self.ports.clock,
            Some(&reason),
        )?;
        let patch = OrderPatch {
            status: Some(OrderStatus::Processed),
            ..OrderPatch::default()
        };
        let mut processed = Vec::new();
        for id in self.ports.repair.orders_holding(item)? {
            if !is_rma_order(id) {
                continue;
            }
            for _ in 0..PROCESSED_ATTEMPTS {
                let order = self.ports.orders.get_order(id)?;
                if order.status != OrderStatus::Received || self.unfinished(&order)?.is_some() {
                    break;
                }
                let read = Expected::Version(order.meta.version);
                match self.ports.orders.update_order(id, read, &patch, &ctx) {
                    Ok(_) => {
                        processed.push(id);
                        break;
                    }
                    // Changed in between: read again (maybe processed by now).
                    Err(AppError::PreconditionFailed { .. }) => continue,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(processed)
    }
}

/// The repair wing's rule on status changes: an RMA request becomes `processed` only when
/// [`RepairService::unfinished`] finds nothing (409 `repair_unfinished` otherwise). Other
/// orders, and other statuses, pass.
impl StatusRule for RepairService {
    fn check(&self, id: OrderId, to: OrderStatus) -> AppResult<()> {
        if to != OrderStatus::Processed || !is_rma_order(id) {
            return Ok(());
        }
        let order = self.ports.orders.get_order(id)?;
        match self.unfinished(&order)? {
            None => Ok(()),
            Some(why) => Err(AppError::refused(ProblemCode::RepairUnfinished, why)),
        }
    }
}

#[cfg(test)]
mod tests;
