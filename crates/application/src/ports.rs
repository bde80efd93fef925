//! Ports: what the use cases need from the outside world.
//!
//! Every port is synchronous and object safe; every method is one transaction owned by the
//! adapter. Write methods take a [`WriteContext`] that the adapter records in the ledger.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use eckwms_domain::{
    BoxId, BoxPatch, IdKind, Item, ItemAction, ItemId, ItemPatch, LedgerEntry, Movable, NewBox,
    NewItem, NewOrder, NewPlace, NewRack, NewWarehouse, ObjectId, Order, OrderId, OrderPatch,
    OrderStatus, Parent, Place, PlaceId, PlacePatch, Rack, RackId, RackPatch, Replay, State,
    StorageBox, Warehouse, WarehouseId, WarehousePatch, catalog::serial::SerialConflict,
    scanning::WorkingSet,
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
    /// The scan this write carries out, recorded with its ledger rows.
    pub scan: Option<i64>,
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
    /// Revokes the key (an already revoked key is returned unchanged). Refused with the
    /// conflict `last_admin_key`, changing nothing, when the key is the last admin key active
    /// at `at` (not revoked, not expired); concurrent revocations cannot both pass that check.
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
    /// The body as sent, byte for byte: a PDF sheet is not text.
    pub body: Vec<u8>,
    /// The headers the route set (ETag, Location, Content-Disposition, ...), as name/value
    /// pairs in the order sent.
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

// ---------------------------------------------------------------- scanning

/// A device's working set as stored, with the time of its last scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    /// `device:<device id>`, or the API key's actor when the scan named no device.
    pub owner: String,
    pub set: WorkingSet,
    pub updated_at: DateTime<Utc>,
}

/// How a scan ended, as the scanner is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScanAction {
    Found,
    Created,
    Moved,
    Linked,
    Attached,
    Ambiguous,
    NotFound,
    Error,
}

impl ScanAction {
    pub const ALL: [ScanAction; 8] = [
        ScanAction::Found,
        ScanAction::Created,
        ScanAction::Moved,
        ScanAction::Linked,
        ScanAction::Attached,
        ScanAction::Ambiguous,
        ScanAction::NotFound,
        ScanAction::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ScanAction::Found => "found",
            ScanAction::Created => "created",
            ScanAction::Moved => "moved",
            ScanAction::Linked => "linked",
            ScanAction::Attached => "attached",
            ScanAction::Ambiguous => "ambiguous",
            ScanAction::NotFound => "not_found",
            ScanAction::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }
}

/// One scan in the scan log, with the answer it got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub owner: String,
    /// Who sent it: `apikey:<id>`.
    pub actor: String,
    pub device_id: Option<String>,
    pub msg_id: String,
    /// The text as scanned.
    pub barcode: String,
    /// How the text was read: `label_v2`, `label_v1`, `id`, `serial`, `rma`, `barcode`,
    /// `tracking`, `gs1`, `unknown`, `bad_label`.
    pub resolution: String,
    /// The object the scan resolved to, if any.
    pub object: Option<ObjectId>,
    pub action: ScanAction,
    /// The JSON answer sent, without the working set (`session`), which the scanner gets with
    /// it (see [`ScanOutcome::body`]); a retried scan gets exactly this again.
    pub answer: String,
    /// Ledger rows the scan caused (filled when read back).
    pub ledger_seqs: Vec<i64>,
}

/// A scan's result: its record, whether it was answered before (a retry), and the device's
/// working set after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanOutcome {
    pub record: ScanRecord,
    pub replayed: bool,
    /// After the scan; for a retry, the set as it is now (later scans may have changed it).
    pub session: WorkingSet,
}

impl ScanOutcome {
    /// The answer for the scanner: the recorded answer with the working set as `session`.
    ///
    /// The set is not stored with every scan: it holds up to `scan::MAX_SET` ids per list,
    /// which would make each row of the scan log (and each scan's write) many kilobytes.
    pub fn body(&self) -> AppResult<String> {
        let session = serde_json::to_string(&self.session).map_err(crate::AppError::internal)?;
        let fields = self
            .record
            .answer
            .strip_suffix('}')
            .filter(|fields| fields.starts_with('{') && fields.len() > 1)
            .ok_or_else(|| {
                crate::AppError::internal(anyhow::anyhow!(
                    "scan {} has no stored answer object",
                    self.record.id
                ))
            })?;
        Ok(format!("{fields},\"session\":{session}}}"))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanFilter {
    pub device_id: Option<String>,
    pub action: Option<ScanAction>,
    pub object: Option<ObjectId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// An object a scan found or created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScannedObject {
    Item(Item),
    Box(StorageBox),
    Place(Place),
    Order(Order),
}

/// What a scan may do inside its transaction. The query behind each method is the one the
/// REST routes use, so a scan's moves, links and changes are recorded like theirs.
#[cfg_attr(feature = "mock", automock)]
pub trait ScanTx {
    fn find_scan(&mut self, owner: &str, msg_id: &str) -> AppResult<Option<ScanRecord>>;
    fn next_scan_id(&mut self) -> AppResult<i64>;
    fn load_session(&mut self, owner: &str) -> AppResult<Option<StoredSession>>;
    fn save_session(&mut self, session: &StoredSession) -> AppResult<()>;
    fn get_object(&mut self, id: ObjectId) -> AppResult<Option<ScannedObject>>;
    /// Items and boxes carrying this text as an extra barcode, and items with this serial.
    fn find_by_code(&mut self, code: &str) -> AppResult<Vec<ObjectId>>;
    /// The items that carry this serial, by id. Holds the serial's lock until the transaction
    /// ends: no other writer gives the serial to an item meanwhile.
    fn items_with_serial(&mut self, serial: &str) -> AppResult<Vec<Item>>;
    /// Whether some item has this class code.
    fn is_class_code(&mut self, code: &str) -> AppResult<bool>;
    /// Creates an item, box or order under an id read from a label.
    fn create_item(&mut self, id: ItemId, new: &NewItem, ctx: &WriteContext) -> AppResult<Item>;
    fn create_box(&mut self, id: BoxId, new: &NewBox, ctx: &WriteContext) -> AppResult<StorageBox>;
    fn create_order(&mut self, id: OrderId, new: &NewOrder, ctx: &WriteContext)
    -> AppResult<Order>;
    fn apply_moves(
        &mut self,
        command: &MoveCommand,
        ctx: &WriteContext,
    ) -> AppResult<Vec<MoveOutcome>>;
    fn link_box(
        &mut self,
        order: OrderId,
        box_id: BoxId,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox>;
    fn update_item(&mut self, id: ItemId, patch: &ItemPatch, ctx: &WriteContext)
    -> AppResult<Item>;
    fn update_box(
        &mut self,
        id: BoxId,
        patch: &BoxPatch,
        ctx: &WriteContext,
    ) -> AppResult<StorageBox>;
    fn insert_scan(&mut self, record: &ScanRecord) -> AppResult<()>;
}

/// A scan's work, run inside its transaction (and again if the transaction must be retried).
pub type ScanWork = Arc<dyn Fn(&mut dyn ScanTx) -> AppResult<ScanOutcome> + Send + Sync>;

#[cfg_attr(feature = "mock", automock)]
pub trait ScanRepository: Send + Sync {
    /// Runs `work` in one write transaction that starts after every earlier scan of the same
    /// owner has committed (scans of one device never interleave, also across processes).
    fn run_scan(&self, owner: &str, work: ScanWork) -> AppResult<ScanOutcome>;
    fn get_session(&self, owner: &str) -> AppResult<Option<StoredSession>>;
    /// True when there was a session.
    fn delete_session(&self, owner: &str) -> AppResult<bool>;
    /// Newest first: `page.after` is the id of the last scan of the previous page.
    fn list_scans(&self, filter: &ScanFilter, page: &PageQuery<i64>) -> AppResult<Vec<ScanRecord>>;
    fn get_scan(&self, id: i64) -> AppResult<ScanRecord>;
    /// Deletes sessions idle since before `cutoff`.
    fn purge_sessions(&self, cutoff: DateTime<Utc>) -> AppResult<u64>;
}

// ---------------------------------------------------------------- labels and identity

/// A label sheet printed, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelPrint {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub kind: IdKind,
    pub reprint: bool,
    pub format: String,
    pub objects: Vec<ObjectId>,
}

/// What a label shows besides its codes: the place's rack and cell, when it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSubject {
    pub id: ObjectId,
    pub caption: Option<String>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait LabelRepository: Send + Sync {
    /// Allocates `count` fresh ids of `kind` and records the print, in one transaction.
    fn allocate_and_record(
        &self,
        kind: IdKind,
        count: usize,
        format: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> AppResult<LabelPrint>;
    /// Records a reprint of existing ids.
    fn record_reprint(
        &self,
        kind: IdKind,
        ids: &[ObjectId],
        format: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> AppResult<LabelPrint>;
    /// The caption of each id: rack and cell of places; ids that do not exist are left out.
    fn label_subjects(&self, ids: &[ObjectId]) -> AppResult<Vec<LabelSubject>>;
}

/// This instance's identity: a UUID and an Ed25519 key pair.
#[derive(Clone, PartialEq, Eq)]
pub struct InstanceIdentity {
    pub instance_id: String,
    /// 32 bytes.
    pub public_key: Vec<u8>,
    /// 32 bytes; never logged, never returned.
    pub secret_key: Vec<u8>,
}

impl std::fmt::Debug for InstanceIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstanceIdentity")
            .field("instance_id", &self.instance_id)
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

#[cfg_attr(feature = "mock", automock)]
pub trait IdentityRepository: Send + Sync {
    /// Stores `candidate` unless an identity exists; returns the stored one (atomic, also
    /// across processes).
    fn identity_or_insert(
        &self,
        candidate: &InstanceIdentity,
        at: DateTime<Utc>,
    ) -> AppResult<InstanceIdentity>;
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
