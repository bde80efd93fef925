//! The overview's port: what the operator's dashboard reads.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{ActorIds, ActorNames, OverviewRepository, StoredCounts};
use eckwms_domain::LedgerEntry;

use crate::pool::Database;
use crate::tx::read_tx;
use eckwms_db_kit::on_conn;

impl OverviewRepository for Database {
    fn counts(&self) -> AppResult<StoredCounts> {
        read_tx!(self, overview_counts())
    }
    fn latest_ledger(&self, limit: u32) -> AppResult<Vec<LedgerEntry>> {
        on_conn!(self, latest_ledger(limit))
    }
    fn scans_per_hour(&self, start: DateTime<Utc>, hours: u32) -> AppResult<Vec<i64>> {
        read_tx!(self, scans_per_hour(start, hours))
    }
    fn actor_names(&self, ids: &ActorIds) -> AppResult<ActorNames> {
        read_tx!(self, actor_names(ids))
    }
}
