//! What a move can take: an item or a box.

use std::fmt;

use crate::id::{BoxId, IdError, IdKind, ItemId, ObjectId};

/// Something that can be moved: an item or a box. Places never move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Movable {
    Box(BoxId),
    Item(ItemId),
}

impl Movable {
    pub fn object_id(self) -> ObjectId {
        match self {
            Movable::Item(id) => id.object_id(),
            Movable::Box(id) => id.object_id(),
        }
    }
}

impl TryFrom<ObjectId> for Movable {
    type Error = IdError;
    fn try_from(id: ObjectId) -> Result<Self, IdError> {
        match id.kind() {
            IdKind::Item => Ok(Movable::Item(ItemId::try_from(id)?)),
            IdKind::Box => Ok(Movable::Box(BoxId::try_from(id)?)),
            found => Err(IdError::WrongKind {
                expected: IdKind::Item,
                found,
            }),
        }
    }
}

impl fmt::Display for Movable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.object_id().fmt(f)
    }
}
