//! The ports, implemented for [`Database`]: every method one transaction (or one statement).
//! Each calls a query function of `src/sql/`, written once and compiled for both backends,
//! through `on_conn!` (one statement, no transaction) or `write_tx!` (one write transaction);
//! see `tx.rs`.

use chrono::{DateTime, Utc};
use eckwms_db_kit::on_conn;
use eckwms_device_protocol::{DeviceId, DeviceStatus};
use eckwms_global_application::ProblemCode;
use eckwms_global_application::ports::{CachedView, IdentityRepository, PublicViewRepository};
use eckwms_global_application::ports::{
    DeviceRegistration, DeviceRepository, HealthRepository, Heartbeat, InstanceRepository,
    NewEnrollment, NewPairingToken, NewRegistration, NewRelayScan, Published, RelayRepository,
    StoredInstance,
};
use eckwms_global_application::{AppError, AppResult};
use eckwms_global_domain::device::Device;
use eckwms_global_domain::public::GlobalIdentity;
use eckwms_global_domain::relay::{RelayedScan, RetentionCut};
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{Instance, InstanceId, InstanceStatus};

use crate::error::{device_changed, instance_exists};
use crate::pool::Database;
use crate::tx::write_tx;

impl InstanceRepository for Database {
    fn create_enrollment(&self, e: &NewEnrollment) -> AppResult<()> {
        on_conn!(self, create_enrollment(e))
    }

    fn register(&self, r: &NewRegistration) -> AppResult<Instance> {
        let outcome = write_tx!(self, register_instance(r));
        // Two first registrations of one instance id (with two tokens) on PostgreSQL: the
        // loser hits the primary key.
        match outcome {
            Err(AppError::Refused {
                code: ProblemCode::AlreadyExists,
                ..
            }) => Err(instance_exists()),
            other => other,
        }
    }

    fn find(&self, id: &InstanceId) -> AppResult<Option<StoredInstance>> {
        let id = id.to_string();
        on_conn!(self, find_instance(id.as_str()))
    }

    fn heartbeat(&self, h: &Heartbeat) -> AppResult<Instance> {
        write_tx!(self, heartbeat(h))
    }

    fn list(&self) -> AppResult<Vec<Instance>> {
        on_conn!(self, list_instances())
    }

    fn set_status(&self, id: &InstanceId, status: InstanceStatus) -> AppResult<Instance> {
        write_tx!(self, set_instance_status(id, status))
    }

    fn set_key(&self, id: &InstanceId, key_hash: &SecretHash) -> AppResult<Instance> {
        write_tx!(self, set_instance_key(id, key_hash))
    }

    fn create_pairing_token(&self, t: &NewPairingToken) -> AppResult<()> {
        on_conn!(self, create_pairing_token(t))
    }

    fn pairing_token_instance(
        &self,
        token_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> AppResult<Option<InstanceId>> {
        on_conn!(self, pairing_token_instance(token_hash, now))
    }

    fn purge_expired_tokens(&self, now: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, purge_expired_tokens(now))
    }
}

impl DeviceRepository for Database {
    fn create_challenge(
        &self,
        nonce_hash: &SecretHash,
        expires_at: DateTime<Utc>,
    ) -> AppResult<()> {
        on_conn!(self, create_challenge(nonce_hash, expires_at))
    }

    fn find_device(&self, id: &DeviceId) -> AppResult<Option<Device>> {
        on_conn!(self, find_device(id))
    }

    fn register_device(&self, r: &DeviceRegistration) -> AppResult<Device> {
        let outcome = write_tx!(self, register_device(r));
        match outcome {
            Err(AppError::Refused {
                code: ProblemCode::AlreadyExists,
                ..
            }) => Err(device_changed()),
            other => other,
        }
    }

    fn list_devices(&self, instance: Option<InstanceId>) -> AppResult<Vec<Device>> {
        on_conn!(self, list_devices(instance))
    }

    fn set_device_status(
        &self,
        id: &DeviceId,
        status: DeviceStatus,
        at: DateTime<Utc>,
    ) -> AppResult<Device> {
        write_tx!(self, set_device_status(id, status, at))
    }

    fn delete_device(&self, id: &DeviceId) -> AppResult<()> {
        on_conn!(self, delete_device(id))
    }

    fn publish_devices(
        &self,
        instance: &InstanceId,
        devices: &[Device],
        at: DateTime<Utc>,
    ) -> AppResult<Published> {
        let attempt = || write_tx!(self, publish_devices(instance, devices, at));
        // Two publications at once on PostgreSQL (several processes of one instance) creating
        // one device: the loser hits the primary key and, run again, finds the winner's row.
        match attempt() {
            Err(AppError::Refused {
                code: ProblemCode::AlreadyExists,
                ..
            }) => attempt(),
            other => other,
        }
    }

    fn purge_challenges(&self, now: DateTime<Utc>) -> AppResult<u64> {
        on_conn!(self, purge_challenges(now))
    }
}

impl RelayRepository for Database {
    fn add_scan(&self, s: &NewRelayScan) -> AppResult<(RelayedScan, bool)> {
        let attempt = || write_tx!(self, add_scan(s));
        // Two copies of one scan at once on PostgreSQL: the loser hits the unique key and, run
        // again, finds the winner's row.
        match attempt() {
            Err(AppError::Refused {
                code: ProblemCode::AlreadyExists,
                ..
            }) => attempt(),
            other => other,
        }
    }

    fn pull(
        &self,
        instance: &InstanceId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> AppResult<Vec<RelayedScan>> {
        write_tx!(self, pull_scans(instance, now, lease_until, limit))
    }

    fn end_leases(&self, instance: &InstanceId, now: DateTime<Utc>) -> AppResult<u64> {
        write_tx!(self, end_leases(instance, now))
    }

    fn open_scans(&self, instance: &InstanceId) -> AppResult<i64> {
        on_conn!(self, count_open_scans(instance))
    }

    fn confirm(
        &self,
        instance: &InstanceId,
        ids: &[i64],
        at: DateTime<Utc>,
    ) -> AppResult<Vec<i64>> {
        write_tx!(self, confirm_scans(instance, ids, at))
    }

    fn purge_free_tier(&self, cut: &RetentionCut) -> AppResult<u64> {
        on_conn!(self, purge_free_tier(cut))
    }

    fn list_scans(&self, instance: &InstanceId, limit: usize) -> AppResult<Vec<RelayedScan>> {
        on_conn!(self, list_scans(instance, limit))
    }
}

impl IdentityRepository for Database {
    fn identity_or_insert(
        &self,
        candidate: &GlobalIdentity,
        at: DateTime<Utc>,
    ) -> AppResult<GlobalIdentity> {
        write_tx!(self, identity_or_insert(candidate, at))
    }
}

impl PublicViewRepository for Database {
    fn find_view(&self, instance: &InstanceId, object_id: &str) -> AppResult<Option<CachedView>> {
        on_conn!(self, find_view(instance, object_id))
    }

    fn store_view(&self, v: &CachedView) -> AppResult<()> {
        on_conn!(self, store_view(v))
    }

    fn purge_views(&self, before: DateTime<Utc>) -> AppResult<u64> {
        on_conn!(self, purge_views(before))
    }
}

impl HealthRepository for Database {
    fn ping(&self) -> AppResult<()> {
        on_conn!(self, ping())?;
        match self.pending_migrations().map_err(AppError::from)? {
            0 => Ok(()),
            n => Err(AppError::Unavailable(anyhow::anyhow!(
                "{n} migration(s) not applied"
            ))),
        }
    }
}
