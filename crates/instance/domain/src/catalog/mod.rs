//! The catalog wing: what a site keeps and where — warehouses, racks, places, boxes and items,
//! where each box or item is ([`Parent`]), and the rule that a serial names one item.

mod item;
mod location;
mod place;
mod rack;
pub mod serial;
mod storage_box;
mod warehouse;

pub use item::{
    ActionKind, Attributes, Barcodes, Item, ItemAction, ItemPatch, MAX_ATTRIBUTES_BYTES,
    MAX_BARCODES, NewItem,
};
pub use location::Parent;
pub use place::{NewPlace, Place, PlacePatch, PlaceRole};
pub use rack::{
    MAX_RACK_CELLS, NewRack, Rack, RackCell, RackLayout, RackPatch, check_rotation, rack_place_name,
};
pub use storage_box::{BoxPatch, NewBox, StorageBox};
pub use warehouse::{NewWarehouse, Warehouse, WarehousePatch};
