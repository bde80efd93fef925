//! The scanning port: scanner sessions and the record of scans.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{PageQuery, ScanFilter, ScanRecord, ScanRepository, StoredSession};

use crate::pool::Database;
use crate::tx::{read_tx, write_tx};
use eckwms_db_kit::on_conn;

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
