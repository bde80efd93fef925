//! The catalog wing: warehouses and racks, places, boxes, items, the items' repair actions, and
//! the serial conflicts left from before the serial rule.

use std::sync::Arc;

use eckwms_domain::ActionKind;
use eckwms_domain::{
    BoxId, BoxPatch, Item, ItemAction, ItemId, ItemPatch, NewBox, NewItem, NewPlace, NewRack,
    NewWarehouse, Note, Place, PlaceId, PlacePatch, Rack, RackId, RackPatch, StorageBox, Warehouse,
    WarehouseId, WarehousePatch,
};

use eckwms_domain::access::Permission;

pub mod floor;

use crate::access::Actor;
use crate::common::{Page, RequestMeta, paginate};
use crate::error::{AppError, AppResult};
use crate::ports::{
    BoxFilter, BoxRepository, Clock, Expected, ItemFilter, ItemRepository, PageQuery, PlaceFilter,
    PlaceRepository, RackWithPlaces, RecordedAction, WarehouseRepository, WriteContext,
};

/// The repositories the catalog needs.
#[derive(Clone)]
pub struct CatalogPorts {
    pub warehouses: Arc<dyn WarehouseRepository>,
    pub places: Arc<dyn PlaceRepository>,
    pub boxes: Arc<dyn BoxRepository>,
    pub items: Arc<dyn ItemRepository>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct CatalogService {
    ports: CatalogPorts,
}

impl CatalogService {
    pub fn new(ports: CatalogPorts) -> Self {
        Self { ports }
    }

    /// The context of a write that needs `permission`. The layout (warehouses, racks, places)
    /// needs [`Permission::SettingsEdit`] to change and [`Permission::SettingsView`] to read
    /// (places: [`Permission::InventoryView`]); items and boxes need
    /// [`Permission::InventoryAdjust`] to change and [`Permission::InventoryView`] to read;
    /// repair work on items needs [`Permission::RepairWork`].
    fn ctx(
        &self,
        permission: Permission,
        meta: &RequestMeta,
        reason: Option<&Note>,
    ) -> AppResult<WriteContext> {
        meta.write_context(permission, &*self.ports.clock, reason)
    }

    // ------------------------------------------------------------ warehouses and racks

    pub fn create_warehouse(&self, new: &NewWarehouse, meta: &RequestMeta) -> AppResult<Warehouse> {
        self.ports
            .warehouses
            .create_warehouse(new, &self.ctx(Permission::SettingsEdit, meta, None)?)
    }

    pub fn get_warehouse(&self, actor: &Actor, id: WarehouseId) -> AppResult<Warehouse> {
        actor.require(Permission::SettingsView)?;
        self.ports.warehouses.get_warehouse(id)
    }

    pub fn list_warehouses(
        &self,
        actor: &Actor,
        page: &PageQuery<WarehouseId>,
    ) -> AppResult<Page<Warehouse>> {
        actor.require(Permission::SettingsView)?;
        paginate(
            page,
            |p| self.ports.warehouses.list_warehouses(p),
            |w| w.id.to_string(),
        )
    }

    pub fn update_warehouse(
        &self,
        id: WarehouseId,
        expected: Expected,
        patch: &WarehousePatch,
        meta: &RequestMeta,
    ) -> AppResult<Warehouse> {
        self.ports.warehouses.update_warehouse(
            id,
            expected,
            patch,
            &self.ctx(Permission::SettingsEdit, meta, None)?,
        )
    }

    pub fn delete_warehouse(
        &self,
        id: WarehouseId,
        expected: Expected,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        self.ports.warehouses.delete_warehouse(
            id,
            expected,
            &self.ctx(Permission::SettingsEdit, meta, None)?,
        )
    }

    pub fn create_rack(&self, new: &NewRack, meta: &RequestMeta) -> AppResult<RackWithPlaces> {
        self.ports
            .warehouses
            .create_rack(new, &self.ctx(Permission::SettingsEdit, meta, None)?)
    }

    pub fn get_rack(&self, actor: &Actor, id: RackId) -> AppResult<Rack> {
        actor.require(Permission::SettingsView)?;
        self.ports.warehouses.get_rack(id)
    }

    pub fn list_racks(
        &self,
        actor: &Actor,
        warehouse: Option<WarehouseId>,
        page: &PageQuery<RackId>,
    ) -> AppResult<Page<Rack>> {
        actor.require(Permission::SettingsView)?;
        paginate(
            page,
            |p| self.ports.warehouses.list_racks(warehouse, p),
            |r| r.id.to_string(),
        )
    }

    pub fn update_rack(
        &self,
        id: RackId,
        expected: Expected,
        patch: &RackPatch,
        meta: &RequestMeta,
    ) -> AppResult<Rack> {
        self.ports.warehouses.update_rack(
            id,
            expected,
            patch,
            &self.ctx(Permission::SettingsEdit, meta, None)?,
        )
    }

    pub fn delete_rack(&self, id: RackId, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        self.ports.warehouses.delete_rack(
            id,
            expected,
            &self.ctx(Permission::SettingsEdit, meta, None)?,
        )
    }

    // ------------------------------------------------------------ places

    pub fn create_place(&self, new: &NewPlace, meta: &RequestMeta) -> AppResult<Place> {
        self.ports
            .places
            .create_place(new, &self.ctx(Permission::SettingsEdit, meta, None)?)
    }

    pub fn get_place(&self, actor: &Actor, id: PlaceId) -> AppResult<Place> {
        actor.require(Permission::InventoryView)?;
        self.ports.places.get_place(id)
    }

    pub fn list_places(
        &self,
        actor: &Actor,
        filter: &PlaceFilter,
        page: &PageQuery<PlaceId>,
    ) -> AppResult<Page<Place>> {
        actor.require(Permission::InventoryView)?;
        paginate(
            page,
            |q| self.ports.places.list_places(filter, q),
            |p| p.id.to_string(),
        )
    }

    pub fn update_place(
        &self,
        id: PlaceId,
        expected: Expected,
        patch: &PlacePatch,
        meta: &RequestMeta,
    ) -> AppResult<Place> {
        self.ports.places.update_place(
            id,
            expected,
            patch,
            &self.ctx(Permission::SettingsEdit, meta, None)?,
        )
    }

    pub fn delete_place(
        &self,
        id: PlaceId,
        expected: Expected,
        meta: &RequestMeta,
    ) -> AppResult<()> {
        self.ports.places.delete_place(
            id,
            expected,
            &self.ctx(Permission::SettingsEdit, meta, None)?,
        )
    }

    // ------------------------------------------------------------ boxes

    pub fn create_box(&self, new: &NewBox, meta: &RequestMeta) -> AppResult<StorageBox> {
        self.ports
            .boxes
            .create_box(new, &self.ctx(Permission::InventoryAdjust, meta, None)?)
    }

    pub fn get_box(&self, actor: &Actor, id: BoxId) -> AppResult<StorageBox> {
        actor.require(Permission::InventoryView)?;
        self.ports.boxes.get_box(id)
    }

    pub fn list_boxes(
        &self,
        actor: &Actor,
        filter: &BoxFilter,
        page: &PageQuery<BoxId>,
    ) -> AppResult<Page<StorageBox>> {
        actor.require(Permission::InventoryView)?;
        paginate(
            page,
            |q| self.ports.boxes.list_boxes(filter, q),
            |b| b.id.to_string(),
        )
    }

    pub fn update_box(
        &self,
        id: BoxId,
        expected: Expected,
        patch: &BoxPatch,
        meta: &RequestMeta,
    ) -> AppResult<StorageBox> {
        self.ports.boxes.update_box(
            id,
            expected,
            patch,
            &self.ctx(Permission::InventoryAdjust, meta, None)?,
        )
    }

    pub fn delete_box(&self, id: BoxId, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        self.ports.boxes.delete_box(
            id,
            expected,
            &self.ctx(Permission::InventoryAdjust, meta, None)?,
        )
    }

    // ------------------------------------------------------------ items

    pub fn create_item(&self, new: &NewItem, meta: &RequestMeta) -> AppResult<Item> {
        self.ports
            .items
            .create_item(new, &self.ctx(Permission::InventoryAdjust, meta, None)?)
    }

    pub fn get_item(&self, actor: &Actor, id: ItemId) -> AppResult<Item> {
        actor.require(Permission::InventoryView)?;
        self.ports.items.get_item(id)
    }

    pub fn list_items(
        &self,
        actor: &Actor,
        filter: &ItemFilter,
        page: &PageQuery<ItemId>,
    ) -> AppResult<Page<Item>> {
        actor.require(Permission::InventoryView)?;
        paginate(
            page,
            |q| self.ports.items.list_items(filter, q),
            |i| i.id.to_string(),
        )
    }

    pub fn update_item(
        &self,
        id: ItemId,
        expected: Expected,
        patch: &ItemPatch,
        meta: &RequestMeta,
    ) -> AppResult<Item> {
        self.ports.items.update_item(
            id,
            expected,
            patch,
            &self.ctx(Permission::InventoryAdjust, meta, None)?,
        )
    }

    pub fn delete_item(&self, id: ItemId, expected: Expected, meta: &RequestMeta) -> AppResult<()> {
        self.ports.items.delete_item(
            id,
            expected,
            &self.ctx(Permission::InventoryAdjust, meta, None)?,
        )
    }

    /// Items that share a serial they cannot be told apart by (data from before the rule).
    pub fn serial_conflicts(
        &self,
    ) -> AppResult<Vec<eckwms_domain::catalog::serial::SerialConflict>> {
        self.ports.items.serial_conflicts()
    }

    /// Records a repair action (check, cause, result, note) on an item; the technician is the
    /// actor. A `result` carries its outcome, parts and warranty (`result`, required: 422 on
    /// `outcome` without); the other kinds none (422 on `outcome`).
    pub fn add_item_action(
        &self,
        id: ItemId,
        kind: ActionKind,
        message: Note,
        result: Option<eckwms_domain::repair::RepairResult>,
        meta: &RequestMeta,
    ) -> AppResult<ItemAction> {
        let ctx = self.ctx(Permission::RepairWork, meta, None)?;
        match (kind, &result) {
            (ActionKind::Result, None) => {
                return Err(AppError::invalid(
                    "outcome",
                    "is required for a result: repaired, replaced, no_fault_found, \
                     beyond_repair or returned_unrepaired",
                ));
            }
            (ActionKind::Check | ActionKind::Cause | ActionKind::Note, Some(_)) => {
                return Err(AppError::invalid(
                    "outcome",
                    "only a result has an outcome, parts and warranty",
                ));
            }
            _ => {}
        }
        let action = ItemAction {
            kind,
            message,
            at: ctx.at,
            actor: ctx.actor.clone(),
            result,
        };
        self.ports.items.add_item_action(id, &action, &ctx)
    }

    /// One page of the item's actions, oldest first; the cursor is an action's ledger `seq`.
    pub fn list_item_actions(
        &self,
        actor: &Actor,
        id: ItemId,
        page: &PageQuery<i64>,
    ) -> AppResult<Page<RecordedAction>> {
        actor.require(Permission::InventoryView)?;
        paginate(
            page,
            |q| self.ports.items.list_item_actions(id, q),
            |a| a.seq.to_string(),
        )
    }
}

#[cfg(test)]
mod tests;
