//! Places: where boxes and items are kept (a shelf, a bin, a desk).

use serde::Serialize;

use crate::catalog::RackCell;
use crate::id::{PlaceId, WarehouseId};
use crate::meta::Meta;
use crate::text::Name;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    pub id: PlaceId,
    pub warehouse_id: WarehouseId,
    pub name: Name,
    pub rack: Option<RackCell>,
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
}

impl Place {
    pub fn apply(&mut self, patch: PlacePatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
    }
}
