//! The scanning ports: scanner sessions and the record of scans; the lookup of scanned texts.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{
    LookupRepository, PageQuery, ScanFilter, ScanRecord, ScanRepository, StoredSession,
};
use eckwms_domain::{ItemId, ObjectId, OrderId};

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

/// Reads only: one statement each outside a transaction, but the barcode lookup's three in one
/// read transaction (one snapshot). Nothing here goes through SQLite's writer.
impl LookupRepository for Database {
    fn exists(&self, id: ObjectId) -> AppResult<bool> {
        on_conn!(self, object_exists(id))
    }
    fn find_by_code(&self, code: &str) -> AppResult<Vec<ObjectId>> {
        read_tx!(self, find_by_code(code))
    }
    fn items_with_serial(&self, serial: &str) -> AppResult<Vec<ItemId>> {
        on_conn!(self, items_with_serial_any_case(serial))
    }
    fn orders_with_tracking(&self, number: &str) -> AppResult<Vec<OrderId>> {
        on_conn!(self, orders_with_tracking(number))
    }
}
