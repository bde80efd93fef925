//! ECKWMS domain: identifiers, validated values, entities, move rules and the ledger.
//!
//! Pure rules only: no I/O, no database, no HTTP, no async runtime.
//!
//! One module per capability (a wing), beside the shared kernel of ids, texts, errors and
//! [`Meta`]: [`catalog`] (warehouses, racks, places, boxes, items, serials), [`movement`] (move
//! rules, the ledger), [`orders`], [`scanning`]. The entities are re-exported here, so
//! `eckwms_domain::Item` names the same type as `eckwms_domain::catalog::Item`.

pub mod catalog;
pub mod error;
pub mod id;
pub mod meta;
pub mod movement;
pub mod orders;
pub mod scanning;
pub mod text;

pub use catalog::{
    ActionKind, Attributes, Barcodes, BoxPatch, Item, ItemAction, ItemPatch, MAX_ATTRIBUTES_BYTES,
    MAX_BARCODES, MAX_RACK_CELLS, NewBox, NewItem, NewPlace, NewRack, NewWarehouse, Parent, Place,
    PlacePatch, Rack, RackCell, RackLayout, RackPatch, StorageBox, Warehouse, WarehousePatch,
    check_rotation, rack_place_name,
};
pub use error::{DomainError, FieldError, Validation};
pub use id::{BoxId, IdError, IdKind, ItemId, ObjectId, OrderId, PlaceId, RackId, WarehouseId};
pub use meta::Meta;
pub use movement::Movable;
pub use movement::ledger::{Change, ChangeKind, LedgerEntry, Replay, State};
pub use movement::moves::{MoveError, MoveSubject};
pub use orders::public::{OrderPublicFields, PublicOrderField};
pub use orders::{Customer, NewOrder, Order, OrderPatch, OrderStatus};
pub use text::{Code, Name, Note, Text};
