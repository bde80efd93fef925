//! What moving a parcel onto a place with a role does to its order: a box linked to an order
//! (or a device taken out of such a box) put on an `intake` place means the parcel arrived, on
//! a `shipped` place that it left.

use crate::catalog::PlaceRole;
use crate::id::{ObjectId, PlaceId};
use crate::orders::OrderStatus;
use crate::text::Note;

/// Whether a move onto a place of this role may change an order's status: only these moves
/// need the orders of what moved (the others take the short way of a move).
pub fn moves_change_orders(role: PlaceRole) -> bool {
    status_of_role(role).is_some()
}

/// The status a place of this role stands for.
fn status_of_role(role: PlaceRole) -> Option<OrderStatus> {
    match role {
        PlaceRole::Intake => Some(OrderStatus::Received),
        PlaceRole::Shipped => Some(OrderStatus::Shipped),
        PlaceRole::Quarantine => None,
    }
}

/// The status an order in `current` takes when its parcel is moved onto a place of `role`;
/// `None` when it stays as it is. Arrival only moves a `created` order on (a parcel put on the
/// intake table again after processing changes nothing); leaving ships any order not shipped
/// yet. Never backwards.
pub fn status_after_move(role: PlaceRole, current: OrderStatus) -> Option<OrderStatus> {
    let next = status_of_role(role)?;
    match role {
        PlaceRole::Intake if current != OrderStatus::Created => None,
        _ if next <= current => None,
        _ => Some(next),
    }
}

/// Why the order changed, for its ledger row: which object went onto which place.
pub fn reason(object: ObjectId, role: PlaceRole, place: PlaceId) -> Option<Note> {
    Note::new(
        "reason",
        format!(
            "{object} was moved onto the {} place {place}",
            role.as_str()
        ),
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intake_receives_only_created_orders() {
        use OrderStatus::*;
        assert_eq!(
            status_after_move(PlaceRole::Intake, Created),
            Some(Received)
        );
        for current in [Received, Processed, Shipped] {
            assert_eq!(status_after_move(PlaceRole::Intake, current), None);
        }
    }

    #[test]
    fn shipping_ships_every_order_not_shipped_and_never_goes_back() {
        use OrderStatus::*;
        for current in [Created, Received, Processed] {
            assert_eq!(
                status_after_move(PlaceRole::Shipped, current),
                Some(Shipped)
            );
        }
        assert_eq!(status_after_move(PlaceRole::Shipped, Shipped), None);
    }

    #[test]
    fn quarantine_changes_no_order() {
        assert!(!moves_change_orders(PlaceRole::Quarantine));
        assert!(moves_change_orders(PlaceRole::Intake));
        assert!(moves_change_orders(PlaceRole::Shipped));
        for current in [
            OrderStatus::Created,
            OrderStatus::Received,
            OrderStatus::Processed,
        ] {
            assert_eq!(status_after_move(PlaceRole::Quarantine, current), None);
        }
    }

    #[test]
    fn the_reason_names_the_object_the_role_and_the_place() {
        let place: PlaceId = "p000000000000000030".parse().unwrap();
        let object: ObjectId = "b000000000000000007".parse().unwrap();
        let note = reason(object, PlaceRole::Intake, place).unwrap();
        assert_eq!(
            note.as_str(),
            "b000000000000000007 was moved onto the intake place p000000000000000030"
        );
    }
}
