//! Ports: what the use cases need from the outside world.
//!
//! Every port is synchronous and object safe; every method is one transaction owned by the
//! adapter. Write methods take a [`WriteContext`] that the adapter records in the ledger.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use eckwms_domain::{
    BoxId, BoxPatch, Item, ItemAction, ItemId, ItemPatch, LedgerEntry, Movable, NewBox, NewItem,
    NewOrder, NewPlace, NewRack, NewWarehouse, ObjectId, Order, OrderId, OrderPatch, OrderStatus,
    Parent, Place, PlaceId, PlacePatch, Rack, RackId, RackPatch, Replay, State, StorageBox,
    Warehouse, WarehouseId, WarehousePatch,
};
#[cfg(feature = "mock")]
use mockall::automock;

use crate::error::AppResult;

/// Who changes something, when, and under which request; recorded with every ledger row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteContext {
    /// `apikey:<id>` today; users and devices later.
    pub actor: String,
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    /// When set, the write marks this claimed idempotency key as applied in its own transaction.
    pub idempotency: Option<IdempotencyKeyRef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKeyRef {
    pub owner: String,
    pub key: String,
}

/// The version an update expects (`If-Match`), or any version (`If-Match: *`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Any,
    Version(i64),
}

impl Expected {
    pub fn check(self, current: i64) -> AppResult<()> {
        match self {
            Expected::Version(v) if v != current => {
                Err(crate::AppError::PreconditionFailed { current })
            }
            _ => Ok(()),
        }
    }
}

/// A page request: objects after `after` (exclusive) in the list's order, at most `limit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageQuery<C> {
    pub after: Option<C>,
    pub limit: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemFilter {
    pub class_code: Option<String>,
    pub parent: Option<Parent>,
    /// Case-insensitive substring of serial, name or an extra barcode.
    pub text: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BoxFilter {
    pub parent: Option<Parent>,
    pub order: Option<OrderId>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlaceFilter {
    pub warehouse: Option<WarehouseId>,
    pub rack: Option<RackId>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    /// Case-insensitive substring of the reference.
    pub text: Option<String>,
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
    fn add_item_action(
        &self,
        id: ItemId,
        action: &ItemAction,
        ctx: &WriteContext,
    ) -> AppResult<ItemAction>;
    fn list_item_actions(&self, id: ItemId) -> AppResult<Vec<ItemAction>>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait OrderRepository: Send + Sync {
    fn create_order(&self, new: &NewOrder, ctx: &WriteContext) -> AppResult<Order>;
    fn get_order(&self, id: OrderId) -> AppResult<Order>;
    fn list_orders(&self, filter: &OrderFilter, page: &PageQuery<OrderId>)
    -> AppResult<Vec<Order>>;
    fn update_order(
        &self,
        id: OrderId,
        expected: Expected,
        patch: &OrderPatch,
        ctx: &WriteContext,
    ) -> AppResult<Order>;
    /// Refused while boxes are linked to the order.
    fn delete_order(&self, id: OrderId, expected: Expected, ctx: &WriteContext) -> AppResult<()>;
    /// Links a box to the order (a box belongs to at most one order).
    fn link_box(&self, order: OrderId, box_id: BoxId, ctx: &WriteContext) -> AppResult<StorageBox>;
    fn unlink_box(
        &self,
        order: OrderId,
        box_id: BoxId,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox>;
}

/// A move request after validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveCommand {
    pub objects: Vec<Movable>,
    pub to: Parent,
    /// `Some(x)`: every object must currently be at `x` (`None` = nowhere), else a conflict.
    pub expected_from: Option<Option<Parent>>,
}

/// What happened to one object of a move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveOutcome {
    pub object: Movable,
    pub from: Option<Parent>,
    pub to: Parent,
    /// False when the object was already there (nothing recorded).
    pub moved: bool,
}

/// One object inside a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentEntry {
    pub object: Movable,
    pub name: Option<String>,
    pub parent: Parent,
}

/// One step of a location path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathStep {
    pub container: Parent,
    pub name: Option<String>,
}

/// Where an object is: the chain of containers from its parent up to the place, and the warehouse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub object: Movable,
    /// Innermost first; empty when the object is nowhere.
    pub path: Vec<PathStep>,
    pub place: Option<PlaceId>,
    pub warehouse: Option<Warehouse>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait MoveRepository: Send + Sync {
    /// Moves all objects atomically: state and ledger in one transaction.
    fn apply_moves(&self, command: &MoveCommand, ctx: &WriteContext)
    -> AppResult<Vec<MoveOutcome>>;
    fn contents(
        &self,
        container: Parent,
        recursive: bool,
        page: &PageQuery<ObjectId>,
    ) -> AppResult<Vec<ContentEntry>>;
    fn location(&self, object: Movable) -> AppResult<Location>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait LedgerRepository: Send + Sync {
    /// Ledger rows touching the object (as subject, origin or destination), by sequence.
    fn history(&self, object: ObjectId, page: &PageQuery<i64>) -> AppResult<Vec<LedgerEntry>>;
    /// Whether the object exists now, or ever existed (has ledger rows).
    fn object_known(&self, object: ObjectId) -> AppResult<bool>;
    /// In one consistent snapshot: feeds the whole ledger to `replay` and returns the stored
    /// state of every object.
    fn snapshot_for_verify(&self, replay: &mut Replay) -> AppResult<BTreeMap<ObjectId, State>>;
}

// ---------------------------------------------------------------- API keys

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }
}

/// A stored API key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    /// Public part of the key text, used to find the key.
    pub key_id: String,
    pub name: String,
    pub scope: Scope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// What is stored for a new key: the hash of its secret, never the secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    pub key_id: String,
    pub secret_hash: String,
    pub name: String,
    pub scope: Scope,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait ApiKeyRepository: Send + Sync {
    /// `idempotency`: the request's claimed key, marked applied in the same transaction.
    fn insert_api_key(
        &self,
        key: &NewApiKey,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey>;
    /// Inserts the key only when no key exists yet (atomically, also across processes).
    fn insert_first_api_key(&self, key: &NewApiKey) -> AppResult<Option<ApiKey>>;
    /// The key and the stored hash of its secret.
    fn find_api_key(&self, key_id: &str) -> AppResult<Option<(ApiKey, String)>>;
    fn list_api_keys(&self) -> AppResult<Vec<ApiKey>>;
    fn revoke_api_key(
        &self,
        id: i64,
        at: DateTime<Utc>,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<ApiKey>;
    fn touch_api_key(&self, id: i64, at: DateTime<Utc>) -> AppResult<()>;
}

// ---------------------------------------------------------------- idempotency

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdempotencyState {
    /// Claimed; the request is running.
    Pending,
    /// Its effect committed; the response is being stored.
    Applied,
    /// The response is stored.
    Completed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    /// Extra headers worth replaying (ETag, Location), as name/value pairs.
    pub headers: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    pub state: IdempotencyState,
    pub response: Option<StoredResponse>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This caller owns the key now and must run the request.
    Claimed,
    /// The key was claimed before.
    Existing(IdempotencyRecord),
}

#[cfg_attr(feature = "mock", automock)]
pub trait IdempotencyRepository: Send + Sync {
    fn claim(
        &self,
        key: &IdempotencyKeyRef,
        fingerprint: &str,
        at: DateTime<Utc>,
    ) -> AppResult<Claim>;
    /// Takes over a claim still pending since `claimed_at` (its owner died before any effect);
    /// true when this caller now owns it.
    fn take_over(
        &self,
        key: &IdempotencyKeyRef,
        claimed_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> AppResult<bool>;
    fn complete(&self, key: &IdempotencyKeyRef, response: &StoredResponse) -> AppResult<()>;
    /// Drops a claim whose request had no effect (still pending), so the key can be used again.
    fn release(&self, key: &IdempotencyKeyRef) -> AppResult<()>;
    fn purge_before(&self, cutoff: DateTime<Utc>) -> AppResult<u64>;
}

// ---------------------------------------------------------------- health, time, randomness

#[cfg_attr(feature = "mock", automock)]
pub trait HealthRepository: Send + Sync {
    /// A round trip to the database.
    fn ping(&self) -> AppResult<()>;
    /// Migrations embedded in the binary but not applied to the database.
    fn pending_migrations(&self) -> AppResult<Vec<String>>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}

#[cfg_attr(feature = "mock", automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC, truncated to microseconds (what the databases store).
    fn now(&self) -> DateTime<Utc>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait SecretSource: Send + Sync {
    /// Fills the buffer with cryptographically secure random bytes.
    fn fill(&self, buf: &mut [u8]) -> AppResult<()>;
}
