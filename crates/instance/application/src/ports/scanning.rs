//! Scanning: a device's session, the scan log, and what a scan reads and writes inside its
//! unit of work ([`ScansTx`], [`ObjectsTx`]).

use chrono::{DateTime, Utc};
use eckwms_domain::{
    Item, ItemId, ObjectId, Order, OrderId, Place, StorageBox, scanning::WorkingSet,
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
    /// A user's badge: the operator logs in on the scanner with it and their PIN.
    PinRequired,
    Error,
}

impl ScanAction {
    pub const ALL: [ScanAction; 9] = [
        ScanAction::Found,
        ScanAction::Created,
        ScanAction::Moved,
        ScanAction::Linked,
        ScanAction::Attached,
        ScanAction::Ambiguous,
        ScanAction::NotFound,
        ScanAction::PinRequired,
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
            ScanAction::PinRequired => "pin_required",
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
    /// Boxed: an order carries its declared devices, and is scanned far less than the rest.
    Order(Box<Order>),
}

/// The scan log and the scanners' sessions inside a unit of work (see [`Tx`]).
#[cfg_attr(feature = "mock", automock)]
pub trait ScansTx {
    /// Waits for the scans of this session owner that started before, and keeps later ones
    /// waiting until this transaction ends (also across processes).
    fn lock_owner(&mut self, owner: &str) -> AppResult<()>;
    /// The scan this owner sent under this message id, if any.
    fn find(&mut self, owner: &str, msg_id: &str) -> AppResult<Option<ScanRecord>>;
    /// A scan id never handed out before.
    fn next_id(&mut self) -> AppResult<i64>;
    fn load_session(&mut self, owner: &str) -> AppResult<Option<StoredSession>>;
    fn save_session(&mut self, session: &StoredSession) -> AppResult<()>;
    /// Adds the scan to the scan log.
    fn insert(&mut self, record: &ScanRecord) -> AppResult<()>;
}

/// Objects of every kind inside a unit of work (see [`Tx`]), as a scan finds them.
#[cfg_attr(feature = "mock", automock)]
pub trait ObjectsTx {
    /// The item, box, place or order with this id; none for other kinds.
    fn get(&mut self, id: ObjectId) -> AppResult<Option<ScannedObject>>;
    /// Items and boxes carrying this text as an extra barcode, and items with this serial.
    fn find_by_code(&mut self, code: &str) -> AppResult<Vec<ObjectId>>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait ScanRepository: Send + Sync {
    fn get_session(&self, owner: &str) -> AppResult<Option<StoredSession>>;
    /// True when there was a session.
    fn delete_session(&self, owner: &str) -> AppResult<bool>;
    /// Newest first: `page.after` is the id of the last scan of the previous page.
    fn list_scans(&self, filter: &ScanFilter, page: &PageQuery<i64>) -> AppResult<Vec<ScanRecord>>;
    fn get_scan(&self, id: i64) -> AppResult<ScanRecord>;
    /// Deletes sessions idle since before `cutoff`.
    fn purge_sessions(&self, cutoff: DateTime<Utc>) -> AppResult<u64>;
}

/// What a lookup of a scanned text reads (`crate::scanning::lookup`): each method one read,
/// outside any write transaction, taking no lock and writing nothing.
#[cfg_attr(feature = "mock", automock)]
pub trait LookupRepository: Send + Sync {
    /// Whether the item, box, place or order with this id exists; false for other kinds.
    fn exists(&self, id: ObjectId) -> AppResult<bool>;
    /// Items and boxes carrying this text as an extra barcode, and items with exactly this
    /// serial, in id order (as [`ObjectsTx::find_by_code`]; at most 20 of each).
    fn find_by_code(&self, code: &str) -> AppResult<Vec<ObjectId>>;
    /// Items whose serial is this text regardless of case, in id order; at most 20.
    fn items_with_serial(&self, serial: &str) -> AppResult<Vec<ItemId>>;
    /// Orders whose tracking number is exactly this text, in id order; at most 20.
    fn orders_with_tracking(&self, number: &str) -> AppResult<Vec<OrderId>>;
}
