//! The overview's port: what the operator's dashboard reads. Every method is a read; none
//! changes anything.

use chrono::{DateTime, Utc};
use eckwms_domain::devices::DeviceId;
use eckwms_domain::{LedgerEntry, OrderStatus, UserId};
#[cfg(feature = "mock")]
use mockall::automock;

use crate::error::AppResult;

/// How many objects the store holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredCounts {
    pub items: i64,
    pub boxes: i64,
    pub places: i64,
    /// The orders per status; a status without orders may be missing.
    pub orders: Vec<(OrderStatus, i64)>,
}

/// The ids that ledger actor texts name, each at most once: the users (`user:u…`), the API
/// keys (`apikey:<id>`) and the scanners (`device:<id>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActorIds {
    pub users: Vec<UserId>,
    pub api_keys: Vec<i64>,
    pub devices: Vec<DeviceId>,
}

/// The names found for [`ActorIds`]: a user's display name, an API key's name, a scanner's
/// name. Ids not found (a user, key or scanner removed since) are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActorNames {
    pub users: Vec<(UserId, String)>,
    pub api_keys: Vec<(i64, String)>,
    pub devices: Vec<(DeviceId, String)>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait OverviewRepository: Send + Sync {
    /// The number of items, boxes and places, and of orders per status (`COUNT(*)`s).
    fn counts(&self) -> AppResult<StoredCounts>;
    /// The newest `limit` ledger rows, newest first (by sequence number).
    fn latest_ledger(&self, limit: u32) -> AppResult<Vec<LedgerEntry>>;
    /// The number of scans in each of the `hours` hours starting at `start`: the first counts
    /// the scans at `start` or later and before `start` + 1 h, and so on; `hours` numbers.
    fn scans_per_hour(&self, start: DateTime<Utc>, hours: u32) -> AppResult<Vec<i64>>;
    /// The names of the users, API keys and scanners, in batches (never one query per id).
    fn actor_names(&self, ids: &ActorIds) -> AppResult<ActorNames>;
}
