//! Boxes: containers that hold items and other boxes and move as one.

use serde::Serialize;

use crate::catalog::{Barcodes, Parent};
use crate::id::{BoxId, OrderId};
use crate::meta::Meta;
use crate::text::Name;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StorageBox {
    pub id: BoxId,
    pub name: Option<Name>,
    pub parent: Option<Parent>,
    pub order: Option<OrderId>,
    /// Left out of the state while empty, so that box states recorded before boxes had
    /// barcodes replay unchanged.
    #[serde(skip_serializing_if = "Barcodes::is_empty")]
    pub barcodes: Barcodes,
    #[serde(skip)]
    pub meta: Meta,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewBox {
    pub name: Option<Name>,
    pub parent: Option<Parent>,
    pub barcodes: Barcodes,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoxPatch {
    pub name: Option<Option<Name>>,
    pub barcodes: Option<Barcodes>,
}

impl StorageBox {
    pub fn apply(&mut self, patch: BoxPatch) {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(barcodes) = patch.barcodes {
            self.barcodes = barcodes;
        }
    }
}
