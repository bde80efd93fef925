//! The catalog's ports: warehouses and racks, places, boxes, items and their actions.

use eckwms_application::AppResult;
use eckwms_application::ports::{
    BoxFilter, BoxRepository, Expected, ItemFilter, ItemRepository, PageQuery, PlaceFilter,
    PlaceOccupancy, PlaceRepository, RackOccupancy, RackWithPlaces, RecordedAction,
    WarehouseRepository, WriteContext,
};
use eckwms_domain::{
    BoxId, BoxPatch, Item, ItemAction, ItemId, ItemPatch, NewBox, NewItem, NewPlace, NewRack,
    NewWarehouse, Place, PlaceId, PlacePatch, Rack, RackId, RackPatch, StorageBox, Warehouse,
    WarehouseId, WarehousePatch,
};

use crate::pool::Database;
use crate::tx::{read_tx, write_tx};
use eckwms_db_kit::on_conn;

impl WarehouseRepository for Database {
    fn create_warehouse(&self, new: &NewWarehouse, ctx: &WriteContext) -> AppResult<Warehouse> {
        write_tx!(self, ctx.idempotency.as_ref(), create_warehouse(new, ctx))
    }
    fn get_warehouse(&self, id: WarehouseId) -> AppResult<Warehouse> {
        on_conn!(self, get_warehouse(id))
    }
    fn list_warehouses(&self, page: &PageQuery<WarehouseId>) -> AppResult<Vec<Warehouse>> {
        on_conn!(self, list_warehouses(page))
    }
    fn update_warehouse(
        &self,
        id: WarehouseId,
        expected: Expected,
        patch: &WarehousePatch,
        ctx: &WriteContext,
    ) -> AppResult<Warehouse> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            update_warehouse(id, expected, patch, ctx)
        )
    }
    fn delete_warehouse(
        &self,
        id: WarehouseId,
        expected: Expected,
        ctx: &WriteContext,
    ) -> AppResult<()> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            delete_warehouse(id, expected, ctx)
        )
    }
    fn create_rack(&self, new: &NewRack, ctx: &WriteContext) -> AppResult<RackWithPlaces> {
        write_tx!(self, ctx.idempotency.as_ref(), create_rack(new, ctx))
    }
    fn get_rack(&self, id: RackId) -> AppResult<Rack> {
        on_conn!(self, get_rack(id))
    }
    fn list_racks(
        &self,
        warehouse: Option<WarehouseId>,
        page: &PageQuery<RackId>,
    ) -> AppResult<Vec<Rack>> {
        on_conn!(self, list_racks(warehouse, page))
    }
    fn update_rack(
        &self,
        id: RackId,
        expected: Expected,
        patch: &RackPatch,
        ctx: &WriteContext,
    ) -> AppResult<Rack> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            update_rack(id, expected, patch, ctx)
        )
    }
    fn delete_rack(&self, id: RackId, expected: Expected, ctx: &WriteContext) -> AppResult<()> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            delete_rack(id, expected, ctx)
        )
    }
    fn floor_racks(&self, warehouse: WarehouseId) -> AppResult<Vec<RackOccupancy>> {
        on_conn!(self, floor_racks(warehouse))
    }
    fn rack_places(&self, rack: RackId) -> AppResult<Vec<PlaceOccupancy>> {
        on_conn!(self, rack_places(rack))
    }
}

impl PlaceRepository for Database {
    fn create_place(&self, new: &NewPlace, ctx: &WriteContext) -> AppResult<Place> {
        write_tx!(self, ctx.idempotency.as_ref(), create_place(new, ctx))
    }
    fn get_place(&self, id: PlaceId) -> AppResult<Place> {
        on_conn!(self, get_place(id))
    }
    fn list_places(
        &self,
        filter: &PlaceFilter,
        page: &PageQuery<PlaceId>,
    ) -> AppResult<Vec<Place>> {
        on_conn!(self, list_places(filter, page))
    }
    fn update_place(
        &self,
        id: PlaceId,
        expected: Expected,
        patch: &PlacePatch,
        ctx: &WriteContext,
    ) -> AppResult<Place> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            update_place(id, expected, patch, ctx)
        )
    }
    fn delete_place(&self, id: PlaceId, expected: Expected, ctx: &WriteContext) -> AppResult<()> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            delete_place(id, expected, ctx)
        )
    }
}

impl BoxRepository for Database {
    fn create_box(&self, new: &NewBox, ctx: &WriteContext) -> AppResult<StorageBox> {
        write_tx!(self, ctx.idempotency.as_ref(), create_box(new, ctx))
    }
    fn get_box(&self, id: BoxId) -> AppResult<StorageBox> {
        on_conn!(self, get_box(id))
    }
    fn list_boxes(
        &self,
        filter: &BoxFilter,
        page: &PageQuery<BoxId>,
    ) -> AppResult<Vec<StorageBox>> {
        on_conn!(self, list_boxes(filter, page))
    }
    fn update_box(
        &self,
        id: BoxId,
        expected: Expected,
        patch: &BoxPatch,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            update_box(id, expected, patch, ctx)
        )
    }
    fn delete_box(&self, id: BoxId, expected: Expected, ctx: &WriteContext) -> AppResult<()> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            delete_box(id, expected, ctx)
        )
    }
}

impl ItemRepository for Database {
    fn create_item(&self, new: &NewItem, ctx: &WriteContext) -> AppResult<Item> {
        write_tx!(self, ctx.idempotency.as_ref(), create_item(new, ctx))
    }
    fn get_item(&self, id: ItemId) -> AppResult<Item> {
        read_tx!(self, get_item(id))
    }
    fn list_items(&self, filter: &ItemFilter, page: &PageQuery<ItemId>) -> AppResult<Vec<Item>> {
        read_tx!(self, list_items(filter, page))
    }
    fn update_item(
        &self,
        id: ItemId,
        expected: Expected,
        patch: &ItemPatch,
        ctx: &WriteContext,
    ) -> AppResult<Item> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            update_item(id, expected, patch, ctx)
        )
    }
    fn serial_conflicts(&self) -> AppResult<Vec<eckwms_domain::catalog::serial::SerialConflict>> {
        read_tx!(self, serial_conflicts())
    }
    fn delete_item(&self, id: ItemId, expected: Expected, ctx: &WriteContext) -> AppResult<()> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            delete_item(id, expected, ctx)
        )
    }
    fn add_item_action(
        &self,
        id: ItemId,
        action: &ItemAction,
        ctx: &WriteContext,
    ) -> AppResult<ItemAction> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            add_item_action(id, action, ctx)
        )
    }
    fn list_item_actions(
        &self,
        id: ItemId,
        page: &PageQuery<i64>,
    ) -> AppResult<Vec<RecordedAction>> {
        read_tx!(self, list_item_actions(id, page))
    }
}
