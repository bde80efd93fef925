//! The relay: scans that scanners posted to the global service's scan relay, pulled by this
//! instance (`RelayClient`), kept in a local inbox until they are applied and confirmed, and
//! the puller's lease and figures (`RelayRepository`).

use chrono::{DateTime, Utc};
use eckwms_domain::global::{GlobalUrl, InstanceKey};
#[cfg(feature = "mock")]
use mockall::automock;

use super::GlobalCallError;
use crate::error::AppResult;

/// One scan as the global service's relay hands it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayedScan {
    /// The global service's id of the scan: increasing in the order the relay received scans.
    pub id: i64,
    pub device_id: String,
    pub msg_id: String,
    pub barcode: String,
    pub received_at: DateTime<Utc>,
}

/// What one pull brought.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PulledBatch {
    /// Oldest first.
    pub scans: Vec<RelayedScan>,
    /// The instance's scans still open at the global service after this pull (not counting
    /// those of this answer); `None` when the global service does not say.
    pub backlog: Option<i64>,
}

/// The global service's relay routes for this instance (the instance key is the credential).
/// Each call is one HTTP exchange with a time limit.
#[cfg_attr(feature = "mock", automock)]
pub trait RelayClient: Send + Sync {
    /// Leases up to `limit` (1 to 500) waiting scans, oldest first. `reclaim`: this instance
    /// holds none of the scans it pulled before and did not confirm (it lost them), so they
    /// are handed out again now, before any later one.
    fn pull(
        &self,
        url: &GlobalUrl,
        key: &InstanceKey,
        limit: usize,
        reclaim: bool,
    ) -> Result<PulledBatch, GlobalCallError>;
    /// Confirms pulled scans: they are never handed out again. Returns the ids confirmed (now
    /// or before).
    fn confirm(
        &self,
        url: &GlobalUrl,
        key: &InstanceKey,
        ids: &[i64],
    ) -> Result<Vec<i64>, GlobalCallError>;
}

/// How a relayed scan ended here: applied by the scan flow (a replay of a scan applied before
/// included), or refused for good (recorded as an error, never tried again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelayOutcome {
    Applied,
    Refused,
}

impl RelayOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RelayOutcome::Applied => "applied",
            RelayOutcome::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "applied" => Some(RelayOutcome::Applied),
            "refused" => Some(RelayOutcome::Refused),
            _ => None,
        }
    }
}

/// A pulled scan in the inbox, with its outcome once it was applied (then it waits for the
/// global service's confirmation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxScan {
    pub scan: RelayedScan,
    pub outcome: Option<RelayOutcome>,
}

/// A relayed scan refused for good: why, for the status route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayError {
    /// The global service's id of the scan.
    pub id: i64,
    pub at: DateTime<Utc>,
    pub device_id: String,
    pub msg_id: String,
    pub barcode: String,
    /// A problem code (`device_not_active`, `forbidden`, `validation_failed`, ...).
    pub code: String,
    pub message: String,
}

/// The puller's lease and figures (one row).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelayState {
    /// The process holding the puller's lease (random per process), and until when.
    pub holder: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_pull_at: Option<DateTime<Utc>>,
    pub last_confirm_at: Option<DateTime<Utc>>,
    /// The backlog the global service reported with the last pull.
    pub backlog: Option<i64>,
    /// Relayed scans applied, and refused for good, since the table was made.
    pub applied: i64,
    pub errors: i64,
    /// The last failure of a round (the global service or the database unavailable), and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// The relay's own tables: `relay_state` (the lease and figures), `relay_inbox` (pulled scans
/// not yet confirmed), `relay_errors` (scans refused for good). Each method one transaction.
#[cfg_attr(feature = "mock", automock)]
pub trait RelayRepository: Send + Sync {
    /// Takes the puller's lease for `holder` until `until`, or renews it: true when `holder`
    /// holds it now. Another holder's lease is taken only once it ended (before `now`); of
    /// concurrent takers, exactly one gets it.
    fn take_lease(&self, holder: &str, now: DateTime<Utc>, until: DateTime<Utc>)
    -> AppResult<bool>;
    /// Gives the lease up (at shutdown) if `holder` holds it.
    fn release_lease(&self, holder: &str) -> AppResult<()>;
    /// The inbox in id order, at most `limit` scans.
    fn inbox(&self, limit: usize) -> AppResult<Vec<InboxScan>>;
    /// Adds pulled scans to the inbox (ids already there are left as they are) and records
    /// the pull's time and backlog; how many were new.
    fn add_to_inbox(
        &self,
        scans: &[RelayedScan],
        at: DateTime<Utc>,
        backlog: Option<i64>,
    ) -> AppResult<usize>;
    /// Records the outcomes of applied inbox scans (scans whose outcome is recorded already are
    /// left alone, and not counted again), the errors of those refused, and counts them.
    fn record_outcomes(
        &self,
        outcomes: &[(i64, RelayOutcome)],
        errors: &[RelayError],
    ) -> AppResult<()>;
    /// The global service confirmed these scans: they leave the inbox.
    fn confirmed(&self, ids: &[i64], at: DateTime<Utc>) -> AppResult<()>;
    /// A round failed: the message (no secret in it) and when.
    fn record_failure(&self, message: &str, at: DateTime<Utc>) -> AppResult<()>;
    fn relay_state(&self) -> AppResult<RelayState>;
    /// Scans in the inbox.
    fn inbox_len(&self) -> AppResult<i64>;
    /// The newest errors first, at most `limit`.
    fn recent_errors(&self, limit: usize) -> AppResult<Vec<RelayError>>;
}
