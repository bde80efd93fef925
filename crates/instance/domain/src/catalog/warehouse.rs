//! Warehouses: the top of the catalog, holding racks and places.

use crate::error::DomainError;
use crate::id::{MAX_ID_NUMBER, WarehouseId};
use crate::meta::Meta;
use crate::text::Name;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warehouse {
    pub id: WarehouseId,
    pub name: Name,
    /// Added to rack cell numbers to give the place ids of this warehouse.
    pub id_offset: u64,
    pub meta: Meta,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWarehouse {
    pub name: Name,
    pub id_offset: u64,
}

impl NewWarehouse {
    pub fn new(name: Name, id_offset: u64) -> Result<Self, DomainError> {
        if id_offset > MAX_ID_NUMBER {
            return Err(DomainError::invalid("id_offset", "must fit 18 digits"));
        }
        Ok(Self { name, id_offset })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WarehousePatch {
    pub name: Option<Name>,
}

impl Warehouse {
    pub fn apply(&mut self, patch: WarehousePatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
    }
}
