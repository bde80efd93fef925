//! The devices port: challenges, registrations, the admins' changes.

use chrono::{DateTime, Utc};
use eckwms_application::AppResult;
use eckwms_application::ports::{
    AuditEntry, DeviceFilter, DevicePatch, DeviceRegistration, DeviceRepository, Expected,
    IdempotencyKeyRef, NewOperator, PageQuery, Signer,
};
use eckwms_db_kit::on_conn;
use eckwms_domain::devices::{Device, DeviceId};

use crate::pool::Database;
use crate::tx::write_tx;

impl DeviceRepository for Database {
    fn create_challenge(&self, nonce: &str, expires_at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, create_challenge(nonce, expires_at))
    }
    fn find_device(&self, id: &DeviceId) -> AppResult<Option<Device>> {
        on_conn!(self, find_device(id))
    }
    fn register_device(
        &self,
        registration: &DeviceRegistration,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> AppResult<Device> {
        write_tx!(self, None, register_device(registration, at, audit))
    }
    fn list_devices(
        &self,
        filter: &DeviceFilter,
        page: &PageQuery<DeviceId>,
    ) -> AppResult<Vec<Device>> {
        on_conn!(self, list_devices(filter, page))
    }
    fn update_device(
        &self,
        id: &DeviceId,
        expected: Expected,
        patch: &DevicePatch,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<Device> {
        write_tx!(
            self,
            idempotency.as_ref(),
            update_device(id, expected, patch, at, audit)
        )
    }
    fn delete_device(
        &self,
        id: &DeviceId,
        expected: Expected,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<()> {
        write_tx!(
            self,
            idempotency.as_ref(),
            delete_device(id, expected, audit)
        )
    }
    fn purge_challenges(&self, now: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, None, purge_challenges(now))
    }
    fn find_signer(&self, id: &DeviceId) -> AppResult<Option<Signer>> {
        on_conn!(self, find_signer(id))
    }
    fn touch_device(&self, id: &DeviceId, at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, touch_device(id, at))
    }
    fn record_signature(&self, hash: &str, expires_at: DateTime<Utc>) -> AppResult<bool> {
        write_tx!(self, None, record_signature(hash, expires_at))
    }
    fn purge_signatures(&self, now: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, None, purge_signatures(now))
    }
    fn start_operator(
        &self,
        operator: &NewOperator,
        forget_failures: &str,
        audit: &AuditEntry,
    ) -> AppResult<()> {
        write_tx!(self, None, start_operator(operator, forget_failures, audit))
    }
    fn end_operator(&self, device: &DeviceId, audit: &AuditEntry) -> AppResult<bool> {
        write_tx!(self, None, end_operator(device, audit))
    }
    fn touch_operator(&self, device: &DeviceId, at: DateTime<Utc>) -> AppResult<()> {
        write_tx!(self, None, touch_operator(device, at))
    }
    fn purge_operators(&self, idle_before: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, None, purge_operators(idle_before))
    }
}
