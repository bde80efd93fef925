//! The application's ports, implemented by [`Database`]: each method is one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{
    ApiKey, ApiKeyRepository, BoxFilter, BoxRepository, Claim, ContentEntry, Expected,
    HealthRepository, IdempotencyKeyRef, IdempotencyRepository, IdentityRepository,
    InstanceIdentity, ItemFilter, ItemRepository, LabelPrint, LabelRepository, LabelSubject,
    LedgerRepository, Location, MoveRepository, NewApiKey, OrderFilter, OrderRepository, PageQuery,
    PlaceFilter, PlaceRepository, RackWithPlaces, RecordedAction, ScanFilter, ScanRecord,
    ScanRepository, StoredResponse, StoredSession, WarehouseRepository, WriteContext,
};
use eckwms_domain::{
    BoxId, BoxPatch, IdKind, Item, ItemAction, ItemId, ItemPatch, LedgerEntry, Movable, NewBox,
    NewItem, NewOrder, NewPlace, NewRack, NewWarehouse, ObjectId, Order, OrderId, OrderPatch,
    Parent, Place, PlaceId, PlacePatch, Rack, RackId, RackPatch, Replay, State, StorageBox,
    Warehouse, WarehouseId, WarehousePatch,
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

impl OrderRepository for Database {
    fn create_order(&self, new: &NewOrder, ctx: &WriteContext) -> AppResult<Order> {
        write_tx!(self, ctx.idempotency.as_ref(), create_order(new, ctx))
    }
    fn get_order(&self, id: OrderId) -> AppResult<Order> {
        on_conn!(self, get_order(id))
    }
    fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageQuery<OrderId>,
    ) -> AppResult<Vec<Order>> {
        on_conn!(self, list_orders(filter, page))
    }
    fn update_order(
        &self,
        id: OrderId,
        expected: Expected,
        patch: &OrderPatch,
        ctx: &WriteContext,
    ) -> AppResult<Order> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            update_order(id, expected, patch, ctx)
        )
    }
    fn delete_order(&self, id: OrderId, expected: Expected, ctx: &WriteContext) -> AppResult<()> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            delete_order(id, expected, ctx)
        )
    }
    fn link_box(&self, order: OrderId, box_id: BoxId, ctx: &WriteContext) -> AppResult<StorageBox> {
        write_tx!(self, ctx.idempotency.as_ref(), link_box(order, box_id, ctx))
    }
    fn unlink_box(
        &self,
        order: OrderId,
        box_id: BoxId,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox> {
        write_tx!(
            self,
            ctx.idempotency.as_ref(),
            unlink_box(order, box_id, ctx)
        )
    }
}

impl MoveRepository for Database {
    fn contents(
        &self,
        container: Parent,
        recursive: bool,
        page: &PageQuery<ObjectId>,
    ) -> AppResult<Vec<ContentEntry>> {
        on_conn!(self, contents(container, recursive, page))
    }
    fn location(&self, object: Movable) -> AppResult<Location> {
        read_tx!(self, location(object))
    }
}

impl LedgerRepository for Database {
    fn history(&self, object: ObjectId, page: &PageQuery<i64>) -> AppResult<Vec<LedgerEntry>> {
        read_tx!(self, history(object, page))
    }
    fn object_known(&self, object: ObjectId) -> AppResult<bool> {
        on_conn!(self, object_known(object))
    }
    fn snapshot_for_verify(&self, replay: &mut Replay) -> AppResult<BTreeMap<ObjectId, State>> {
        read_tx!(self, snapshot_for_verify(replay))
    }
}

impl ApiKeyRepository for Database {
    fn insert_api_key(
        &self,
        key: &NewApiKey,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey> {
        write_tx!(self, idempotency.as_ref(), insert_api_key(key))
    }
    fn insert_first_api_key(&self, key: &NewApiKey) -> AppResult<Option<ApiKey>> {
        write_tx!(self, None, insert_first_api_key(key))
    }
    fn find_api_key(&self, key_id: &str) -> AppResult<Option<(ApiKey, String)>> {
        on_conn!(self, find_api_key(key_id))
    }
    fn list_api_keys(&self) -> AppResult<Vec<ApiKey>> {
        on_conn!(self, list_api_keys())
    }
    fn revoke_api_key(
        &self,
        id: i64,
        at: DateTime<Utc>,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey> {
        write_tx!(self, idempotency.as_ref(), revoke_api_key(id, at))
    }
    fn touch_api_key(&self, id: i64, at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, touch_api_key(id, at))
    }
}

impl IdempotencyRepository for Database {
    fn claim(
        &self,
        key: &IdempotencyKeyRef,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> AppResult<Claim> {
        write_tx!(self, None, claim_idempotency_key(key, fingerprint, at))
    }
    fn take_over(
        &self,
        key: &IdempotencyKeyRef,
        claimed_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> AppResult<bool> {
        write_tx!(self, None, take_over_idempotency_key(key, claimed_at, at))
    }
    fn complete(&self, key: &IdempotencyKeyRef, response: &StoredResponse) -> AppResult<()> {
        write_tx!(self, None, complete_idempotency_key(key, response))
    }
    fn release(&self, key: &IdempotencyKeyRef) -> AppResult<()> {
        write_tx!(self, None, release_idempotency_key(key))
    }
    fn purge_before(&self, cutoff: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, None, purge_idempotency_keys(cutoff))
    }
}

impl HealthRepository for Database {
    fn ping(&self) -> AppResult<()> {
        on_conn!(self, ping())
    }
    fn pending_migrations(&self) -> AppResult<Vec<String>> {
        self.ping()?;
        self.pending().map_err(Into::into)
    }
    fn backend(&self) -> &'static str {
        self.backend_name()
    }
}

impl ScanRepository for Database {
    fn get_session(&self, owner: &str) -> AppResult<Option<StoredSession>> {
        on_conn!(self, load_session(owner))
    }
    fn delete_session(&self, owner: &str) -> AppResult<bool> {
        write_tx!(self, None, delete_session(owner))
    }
    fn list_scans(&self, filter: &ScanFilter, page: &PageQuery<i64>) -> AppResult<Vec<ScanRecord>> {
        read_tx!(self, list_scans(filter, page))
    }
    fn get_scan(&self, id: i64) -> AppResult<ScanRecord> {
        read_tx!(self, get_scan(id))
    }
    fn purge_sessions(&self, cutoff: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, None, purge_sessions(cutoff))
    }
}

impl LabelRepository for Database {
    fn allocate_and_record(
        &self,
        kind: IdKind,
        count: usize,
        format: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> AppResult<LabelPrint> {
        write_tx!(self, None, allocate_labels(kind, count, format, actor, at))
    }
    fn record_reprint(
        &self,
        kind: IdKind,
        ids: &[ObjectId],
        format: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> AppResult<LabelPrint> {
        write_tx!(self, None, record_reprint(kind, ids, format, actor, at))
    }
    fn label_subjects(&self, ids: &[ObjectId]) -> AppResult<Vec<LabelSubject>> {
        read_tx!(self, label_subjects(ids))
    }
}

impl IdentityRepository for Database {
    fn identity_or_insert(
        &self,
        candidate: &InstanceIdentity,
        at: DateTime<Utc>,
    ) -> AppResult<InstanceIdentity> {
        write_tx!(self, None, identity_or_insert(candidate, at))
    }
}
