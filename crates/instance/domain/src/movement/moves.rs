//! The rules of moving things: what may go where.

use std::collections::HashSet;

use crate::catalog::Parent;
use crate::id::{BoxId, ObjectId};
use crate::movement::Movable;

/// What a move rule found wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("nothing to move")]
    Empty,
    #[error("{0} is listed more than once")]
    Duplicate(ObjectId),
    #[error("a box cannot go into itself ({0})")]
    IntoItself(BoxId),
    #[error("box {moving} cannot go into {target}, which is inside it")]
    IntoOwnContents { moving: BoxId, target: Parent },
    #[error("{object} is at {actual}, not at {expected} as expected")]
    StaleFrom {
        object: ObjectId,
        expected: String,
        actual: String,
    },
}

/// An object about to move, with where it is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoveSubject {
    pub object: Movable,
    pub parent: Option<Parent>,
}

/// The largest number of objects one move request may carry.
pub const MAX_MOVE_BATCH: usize = 500;

/// Checks a set of moves to `target`.
///
/// `target_chain` is the target box (when the target is a box) followed by every box it sits in,
/// innermost first: the caller reads it under the same transaction that will apply the moves.
pub fn check_moves(
    subjects: &[MoveSubject],
    target: Parent,
    target_chain: &[BoxId],
    expected_from: Option<Option<Parent>>,
) -> Result<(), MoveError> {
    check_distinct(subjects.iter().map(|s| s.object))?;
    for subject in subjects {
        if let Movable::Box(moving) = subject.object {
            if target == Parent::Box(moving) {
                return Err(MoveError::IntoItself(moving));
            }
            if target_chain.contains(&moving) {
                return Err(MoveError::IntoOwnContents { moving, target });
            }
        }
        if let Some(expected) = expected_from
            && expected != subject.parent
        {
            return Err(MoveError::StaleFrom {
                object: subject.object.object_id(),
                expected: describe(expected),
                actual: describe(subject.parent),
            });
        }
    }
    Ok(())
}

/// A move request lists each object once, and at least one.
pub fn check_distinct(objects: impl IntoIterator<Item = Movable>) -> Result<(), MoveError> {
    let mut seen = HashSet::new();
    for object in objects {
        if !seen.insert(object) {
            return Err(MoveError::Duplicate(object.object_id()));
        }
    }
    if seen.is_empty() {
        return Err(MoveError::Empty);
    }
    Ok(())
}

fn describe(parent: Option<Parent>) -> String {
    parent.map_or_else(|| "nowhere".to_owned(), |p| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{ItemId, PlaceId};

    fn b(n: u64) -> BoxId {
        BoxId::new(n).unwrap()
    }

    #[test]
    fn box_cannot_go_into_itself_or_its_contents() {
        let subject = MoveSubject {
            object: Movable::Box(b(1)),
            parent: None,
        };
        assert_eq!(
            check_moves(&[subject], Parent::Box(b(1)), &[b(1)], None),
            Err(MoveError::IntoItself(b(1)))
        );
        // b3 sits in b2 which sits in b1: b1 cannot go into b3.
        assert_eq!(
            check_moves(&[subject], Parent::Box(b(3)), &[b(3), b(2), b(1)], None),
            Err(MoveError::IntoOwnContents {
                moving: b(1),
                target: Parent::Box(b(3))
            })
        );
        assert!(check_moves(&[subject], Parent::Box(b(4)), &[b(4)], None).is_ok());
    }

    #[test]
    fn items_may_go_anywhere() {
        let subject = MoveSubject {
            object: Movable::Item(ItemId::new(1).unwrap()),
            parent: Some(Parent::Box(b(1))),
        };
        assert!(check_moves(&[subject], Parent::Box(b(1)), &[b(1)], None).is_ok());
        assert!(
            check_moves(
                &[subject],
                Parent::Place(PlaceId::new(5).unwrap()),
                &[],
                None
            )
            .is_ok()
        );
    }

    #[test]
    fn stale_expected_from_is_refused() {
        let subject = MoveSubject {
            object: Movable::Item(ItemId::new(1).unwrap()),
            parent: Some(Parent::Box(b(1))),
        };
        let target = Parent::Box(b(2));
        assert!(check_moves(&[subject], target, &[b(2)], Some(Some(Parent::Box(b(1))))).is_ok());
        assert!(matches!(
            check_moves(&[subject], target, &[b(2)], Some(None)),
            Err(MoveError::StaleFrom { .. })
        ));
    }

    #[test]
    fn duplicates_and_empty_batches_are_refused() {
        let item = Movable::Item(ItemId::new(1).unwrap());
        assert_eq!(check_distinct([]), Err(MoveError::Empty));
        assert_eq!(
            check_distinct([item, item]),
            Err(MoveError::Duplicate(item.object_id()))
        );
    }
}
