//! Where a box or an item is: inside a box, or at a place.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id::{BoxId, IdError, IdKind, ObjectId, PlaceId};

/// Where an item or box is: inside a box, or at a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Parent {
    Box(BoxId),
    Place(PlaceId),
}

impl Parent {
    pub fn object_id(self) -> ObjectId {
        match self {
            Parent::Box(id) => id.object_id(),
            Parent::Place(id) => id.object_id(),
        }
    }
}

impl TryFrom<ObjectId> for Parent {
    type Error = IdError;
    fn try_from(id: ObjectId) -> Result<Self, IdError> {
        match id.kind() {
            IdKind::Box => Ok(Parent::Box(BoxId::try_from(id)?)),
            IdKind::Place => Ok(Parent::Place(PlaceId::try_from(id)?)),
            found => Err(IdError::WrongKind {
                expected: IdKind::Box,
                found,
            }),
        }
    }
}

impl fmt::Display for Parent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.object_id().fmt(f)
    }
}

impl FromStr for Parent {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Parent::try_from(ObjectId::parse(s)?)
    }
}

impl Serialize for Parent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Parent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
