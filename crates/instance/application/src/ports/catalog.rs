//! The catalog's ports: warehouses with their racks, places, boxes and items, and the filters
//! their lists take.

use eckwms_domain::{
    BoxId, BoxPatch, Item, ItemAction, ItemId, ItemPatch, NewBox, NewItem, NewPlace, NewRack,
    NewWarehouse, OrderId, Parent, Place, PlaceId, PlacePatch, Rack, RackId, RackPatch, StorageBox,
    Warehouse, WarehouseId, WarehousePatch, catalog::serial::SerialConflict,
};
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::AppResult;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemFilter {
    pub class_code: Option<String>,
    pub parent: Option<Parent>,
    /// Case-insensitive substring of serial, name or an extra barcode.
    pub text: Option<String>,
    /// `Some(true)`: only items with open repair work (a `check` or `cause` action, no
    /// `result`); `Some(false)`: only items without.
    pub open_repair: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoxFilter {
    pub parent: Option<Parent>,
    pub order: Option<OrderId>,
    /// Only boxes linked to an order in one of these statuses (`[Received, Processed]`: the
    /// boxes received but not shipped); empty: no such condition.
    pub order_status: Vec<eckwms_domain::OrderStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlaceFilter {
    pub warehouse: Option<WarehouseId>,
    pub rack: Option<RackId>,
    /// Only places of this role.
    pub role: Option<eckwms_domain::PlaceRole>,
}

/// A rack of a floor plan with how many places it has and how many of them hold something
/// (a box, or an item directly on the place).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RackOccupancy {
    pub rack: Rack,
    pub places: i64,
    pub occupied: i64,
}

/// A place of a rack and whether it holds something (a box, or an item directly on it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaceOccupancy {
    pub place: Place,
    pub occupied: bool,
}

/// A rack together with the places its creation made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RackWithPlaces {
    pub rack: Rack,
    pub places: Vec<PlaceId>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait WarehouseRepository: Send + Sync {
    fn create_warehouse(&self, new: &NewWarehouse, ctx: &WriteContext) -> AppResult<Warehouse>;
    fn get_warehouse(&self, id: WarehouseId) -> AppResult<Warehouse>;
    fn list_warehouses(&self, page: &PageQuery<WarehouseId>) -> AppResult<Vec<Warehouse>>;
    fn update_warehouse(
        &self,
        id: WarehouseId,
        expected: Expected,
        patch: &WarehousePatch,
        ctx: &WriteContext,
    ) -> AppResult<Warehouse>;
    /// Refused while the warehouse has places or racks.
    fn delete_warehouse(
        &self,
        id: WarehouseId,
        expected: Expected,
        ctx: &WriteContext,
    ) -> AppResult<()>;

    /// Creates the rack and one place per cell; refused when a cell's place id is taken.
    fn create_rack(&self, new: &NewRack, ctx: &WriteContext) -> AppResult<RackWithPlaces>;
    fn get_rack(&self, id: RackId) -> AppResult<Rack>;
    fn list_racks(
        &self,
        warehouse: Option<WarehouseId>,
        page: &PageQuery<RackId>,
    ) -> AppResult<Vec<Rack>>;
    fn update_rack(
        &self,
        id: RackId,
        expected: Expected,
        patch: &RackPatch,
        ctx: &WriteContext,
    ) -> AppResult<Rack>;
    /// Deletes the rack and its places; refused while any of them holds something.
    fn delete_rack(&self, id: RackId, expected: Expected, ctx: &WriteContext) -> AppResult<()>;

    /// Every rack of the warehouse (by `sort_order`, then id) with its places and how many of
    /// them hold something; no query per rack.
    fn floor_racks(&self, warehouse: WarehouseId) -> AppResult<Vec<RackOccupancy>>;
    /// The places of the rack in cell order, each with whether it holds something.
    fn rack_places(&self, rack: RackId) -> AppResult<Vec<PlaceOccupancy>>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait PlaceRepository: Send + Sync {
    fn create_place(&self, new: &NewPlace, ctx: &WriteContext) -> AppResult<Place>;
    fn get_place(&self, id: PlaceId) -> AppResult<Place>;
    fn list_places(&self, filter: &PlaceFilter, page: &PageQuery<PlaceId>)
    -> AppResult<Vec<Place>>;
    fn update_place(
        &self,
        id: PlaceId,
        expected: Expected,
        patch: &PlacePatch,
        ctx: &WriteContext,
    ) -> AppResult<Place>;
    /// Refused while the place holds something.
    fn delete_place(&self, id: PlaceId, expected: Expected, ctx: &WriteContext) -> AppResult<()>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait BoxRepository: Send + Sync {
    fn create_box(&self, new: &NewBox, ctx: &WriteContext) -> AppResult<StorageBox>;
    fn get_box(&self, id: BoxId) -> AppResult<StorageBox>;
    fn list_boxes(&self, filter: &BoxFilter, page: &PageQuery<BoxId>)
    -> AppResult<Vec<StorageBox>>;
    fn update_box(
        &self,
        id: BoxId,
        expected: Expected,
        patch: &BoxPatch,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox>;
    /// Refused while the box holds something.
    fn delete_box(&self, id: BoxId, expected: Expected, ctx: &WriteContext) -> AppResult<()>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait ItemRepository: Send + Sync {
    fn create_item(&self, new: &NewItem, ctx: &WriteContext) -> AppResult<Item>;
    fn get_item(&self, id: ItemId) -> AppResult<Item>;
    fn list_items(&self, filter: &ItemFilter, page: &PageQuery<ItemId>) -> AppResult<Vec<Item>>;
    fn update_item(
        &self,
        id: ItemId,
        expected: Expected,
        patch: &ItemPatch,
        ctx: &WriteContext,
    ) -> AppResult<Item>;
    fn delete_item(&self, id: ItemId, expected: Expected, ctx: &WriteContext) -> AppResult<()>;
    /// Items that share a serial they cannot be told apart by: written before the serial rule
    /// held (see `eckwms_domain::catalog::serial`). Empty on a database that never had such items.
    fn serial_conflicts(&self) -> AppResult<Vec<SerialConflict>>;
    fn add_item_action(
        &self,
        id: ItemId,
        action: &ItemAction,
        ctx: &WriteContext,
    ) -> AppResult<ItemAction>;
    /// The item's actions after `page.after` (a ledger sequence number), oldest first, at
    /// most `page.limit`; `NotFound` when the item does not exist.
    fn list_item_actions(
        &self,
        id: ItemId,
        page: &PageQuery<i64>,
    ) -> AppResult<Vec<RecordedAction>>;
}

/// A repair action with the sequence number of its ledger row, the key of its list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedAction {
    pub seq: i64,
    pub action: ItemAction,
}

/// Items inside a unit of work (see [`Tx`]).
#[cfg_attr(feature = "mock", automock)]
pub trait ItemsTx {
    /// The items that carry this serial, by id. Holds the serial's lock until the transaction
    /// ends: no other writer gives the serial to an item meanwhile.
    fn with_serial(&mut self, serial: &str) -> AppResult<Vec<Item>>;
    /// Whether some item has this class code.
    fn is_class_code(&mut self, code: &str) -> AppResult<bool>;
    /// Creates an item under an id read from a label (its counter never hands the id out later).
    fn create_with_id(&mut self, id: ItemId, new: &NewItem, ctx: &WriteContext) -> AppResult<Item>;
    fn update(
        &mut self,
        id: ItemId,
        expected: Expected,
        patch: &ItemPatch,
        ctx: &WriteContext,
    ) -> AppResult<Item>;
}

/// Boxes inside a unit of work (see [`Tx`]).
#[cfg_attr(feature = "mock", automock)]
pub trait BoxesTx {
    /// Creates a box under an id read from a label (its counter never hands the id out later).
    fn create_with_id(
        &mut self,
        id: BoxId,
        new: &NewBox,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox>;
    fn update(
        &mut self,
        id: BoxId,
        expected: Expected,
        patch: &BoxPatch,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox>;
}
