//! Places: where boxes and items are kept (a shelf, a bin, a desk).

use serde::Serialize;

use crate::catalog::RackCell;
use crate::id::{PlaceId, WarehouseId};
use crate::meta::Meta;
use crate::text::Name;

/// What a place is for in the repair workflow, set by an admin (the first generation's fixed
/// places p…30 and p…60 become configuration). Several places may share a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceRole {
    /// Parcels arrive here: an RMA order's box moved here makes the order `received`.
    Intake,
    /// Parcels leave from here: an order's box moved here makes the order `shipped`.
    Shipped,
    /// Devices kept apart (no status follows from it).
    Quarantine,
}

impl PlaceRole {
    pub const ALL: [PlaceRole; 3] = [PlaceRole::Intake, PlaceRole::Shipped, PlaceRole::Quarantine];

    pub fn as_str(self) -> &'static str {
        match self {
            PlaceRole::Intake => "intake",
            PlaceRole::Shipped => "shipped",
            PlaceRole::Quarantine => "quarantine",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub id: PlaceId,
    pub warehouse_id: WarehouseId,
    pub name: Name,
    pub rack: Option<RackCell>,
    /// Left out of the state while unset, so that states recorded before places had roles
    /// replay unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<PlaceRole>,
    #[serde(skip)]
    pub meta: Meta,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPlace {
    pub warehouse_id: WarehouseId,
    pub name: Name,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacePatch {
    pub name: Option<Name>,
    /// `Some(None)` takes the role away.
    pub role: Option<Option<PlaceRole>>,
}

impl Place {
    pub fn apply(&mut self, patch: PlacePatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(role) = patch.role {
            self.role = role;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_as_they_are_written() {
        for role in PlaceRole::ALL {
            assert_eq!(PlaceRole::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::json!(role.as_str())
            );
        }
        assert_eq!(PlaceRole::parse("Intake"), None);
    }
}
