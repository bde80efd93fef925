//! The relay wing's port: the puller's lease and figures, the inbox, the errors.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{
    InboxScan, RelayError, RelayOutcome, RelayRepository, RelayState, RelayedScan,
};
use eckwms_db_kit::on_conn;

use crate::pool::Database;
use crate::tx::write_tx;

impl RelayRepository for Database {
    fn take_lease(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<bool> {
        write_tx!(self, None, take_relay_lease(holder, now, until))
    }
    fn release_lease(&self, holder: &str) -> AppResult<()> {
        write_tx!(self, None, release_relay_lease(holder))
    }
    fn inbox(&self, limit: usize) -> AppResult<Vec<InboxScan>> {
        on_conn!(self, relay_inbox(limit))
    }
    fn add_to_inbox(
        &self,
        scans: &[RelayedScan],
        at: DateTime<Utc>,
        backlog: Option<i64>,
    ) -> AppResult<usize> {
        let backlog = &backlog;
        write_tx!(self, None, add_to_relay_inbox(scans, at, backlog))
    }
    fn record_outcomes(
        &self,
        outcomes: &[(i64, RelayOutcome)],
        errors: &[RelayError],
    ) -> AppResult<()> {
        write_tx!(self, None, record_relay_outcomes(outcomes, errors))
    }
    fn confirmed(&self, ids: &[i64], at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, relay_confirmed(ids, at))
    }
    fn record_failure(&self, message: &str, at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, record_relay_failure(message, at))
    }
    fn relay_state(&self) -> AppResult<RelayState> {
        on_conn!(self, relay_state())
    }
    fn inbox_len(&self) -> AppResult<i64> {
        on_conn!(self, relay_inbox_len())
    }
    fn recent_errors(&self, limit: usize) -> AppResult<Vec<RelayError>> {
        on_conn!(self, recent_relay_errors(limit))
    }
}
