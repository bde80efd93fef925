//! Scanning: a device's session, the scan log, and the transaction a scan runs in ([`ScanTx`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use eckwms_domain::{
    BoxId, BoxPatch, Item, ItemId, ItemPatch, NewBox, NewItem, NewOrder, ObjectId, Order, OrderId,
    Place, StorageBox, scanning::WorkingSet,
};
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::AppResult;

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
