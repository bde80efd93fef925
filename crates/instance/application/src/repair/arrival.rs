//! Intake and shipping driven by places: a move onto a place whose role stands for a status
//! (`eckwms_domain::repair::arrival`) moves on the orders of what moved, in the move's own
//! transaction. The movement wing calls [`after_move`] for every move onto such a place,
//! through move requests and scans alike.

use eckwms_domain::repair::arrival::{moves_change_orders, reason, status_after_move};
use eckwms_domain::{BoxId, ItemId, Movable, MoveSubject, OrderPatch, Parent, PlaceId, PlaceRole};

use crate::error::AppResult;
use crate::ports::{Tx, WriteContext};

/// Moves on the orders the moved objects (`moved`, as they were before the move) concern, now
/// that they were put onto `place` of `role`: each order once, under its lock, with a ledger
/// row whose reason names the object and the place. An order whose status the role does not
/// move on is left as it is.
pub fn after_move(
    tx: &mut dyn Tx,
    place: PlaceId,
    role: PlaceRole,
    moved: &[MoveSubject],
    ctx: &WriteContext,
) -> AppResult<()> {
    if !moves_change_orders(role) || moved.is_empty() {
        return Ok(());
    }
    let mut boxes: Vec<BoxId> = Vec::new();
    let mut left: Vec<(ItemId, BoxId)> = Vec::new();
    for subject in moved {
        match (subject.object, subject.parent) {
            (Movable::Box(id), _) => boxes.push(id),
            (Movable::Item(id), Some(Parent::Box(from))) => left.push((id, from)),
            // An item that was on a place or nowhere came out of no parcel.
            (Movable::Item(_), _) => {}
        }
    }
    if boxes.is_empty() && left.is_empty() {
        return Ok(());
    }
    for found in tx.repair().lock_orders_of_move(&boxes, &left)? {
        let Some(next) = status_after_move(role, found.status) else {
            continue;
        };
        let patch = OrderPatch {
            status: Some(next),
            ..OrderPatch::default()
        };
        let ctx = WriteContext {
            reason: reason(found.via.object_id(), role, place).map(|note| note.into_string()),
            ..ctx.clone()
        };
        tx.orders().update_order(found.order, &patch, &ctx)?;
    }
    Ok(())
}
