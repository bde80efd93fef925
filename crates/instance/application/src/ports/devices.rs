//! Devices (scanners): their challenges and registrations, the admins' decisions about them,
//! and what their signed requests need.
//!
//! Every change takes the [`AuditEntry`] that records it, written in the same transaction.

use chrono::{DateTime, Utc};
use eckwms_domain::access::Permissions;
use eckwms_domain::devices::{Device, DeviceId, DeviceStatus};
use eckwms_domain::{Name, UserId};
#[cfg(feature = "mock")]
use mockall::automock;

use super::*;
use crate::error::AppResult;

/// A (re-)registration, checked and ready to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRegistration {
    /// The challenge it was signed over: spent by storing it.
    pub nonce: String,
    /// The version of the device the registration was checked against; `None` for a new
    /// device. A device registered, changed or removed since is refused with `device_changed`.
    pub expected_version: Option<i64>,
    pub device: Device,
}

/// Which devices to list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceFilter {
    pub status: Option<DeviceStatus>,
}

/// What an admin's change sets; `None` keeps the value (`role: Some(None)` takes the role away).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DevicePatch {
    pub name: Option<Name>,
    pub status: Option<DeviceStatus>,
    pub role: Option<Option<String>>,
}

/// A device as its signed requests need it: the record, what its role grants, and the
/// operator logged in on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    pub device: Device,
    /// The stored permissions of the device's role; `None` without a role (or when the role is
    /// gone).
    pub role_permissions: Option<Permissions>,
    pub operator: Option<Operator>,
}

/// The operator logged in on a device, with their role's stored permissions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub user: User,
    pub permissions: Permissions,
    pub started_at: DateTime<Utc>,
    /// The last request the device made with them (written at most once a minute).
    pub last_seen_at: DateTime<Utc>,
}

/// An operator's login on a device, ready to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOperator {
    pub device: DeviceId,
    pub user: UserId,
    /// The version of the user whose PIN the login verified: a change of the user committed
    /// since (a new PIN or password, a deactivation) refuses the login.
    pub user_version: i64,
    pub at: DateTime<Utc>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait DeviceRepository: Send + Sync {
    /// Stores a challenge (single use) until `expires_at`.
    fn create_challenge(&self, nonce: &str, expires_at: DateTime<Utc>) -> AppResult<()>;
    fn find_device(&self, id: &DeviceId) -> AppResult<Option<Device>>;
    /// Spends the nonce (refused with `challenge_invalid` when it is unknown, spent, or expired
    /// at `at`) and stores the device, with `audit`, in one transaction: of two registrations
    /// with one nonce, one is stored. Refused with `device_changed` when the device is no
    /// longer at `expected_version` (registered, changed or removed meanwhile).
    fn register_device(
        &self,
        registration: &DeviceRegistration,
        at: DateTime<Utc>,
        audit: &AuditEntry,
    ) -> AppResult<Device>;
    /// Devices by id, after the cursor.
    fn list_devices(
        &self,
        filter: &DeviceFilter,
        page: &PageQuery<DeviceId>,
    ) -> AppResult<Vec<Device>>;
    /// Not found; `If-Match` checked against `expected`; `version` counts up when something
    /// changed (and only then is `audit` written). Refused with `reference_missing` when the
    /// role does not exist.
    fn update_device(
        &self,
        id: &DeviceId,
        expected: Expected,
        patch: &DevicePatch,
        at: DateTime<Utc>,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<Device>;
    /// Removes the device (it may register anew, with any key); not found; `If-Match` checked.
    fn delete_device(
        &self,
        id: &DeviceId,
        expected: Expected,
        audit: &AuditEntry,
        idempotency: Option<IdempotencyKeyRef>,
    ) -> AppResult<()>;
    /// Deletes challenges that expired at `now` or before; how many.
    fn purge_challenges(&self, now: DateTime<Utc>) -> AppResult<u64>;

    /// The device with what its signed requests act with, in one read (every signed request
    /// makes it).
    fn find_signer(&self, id: &DeviceId) -> AppResult<Option<Signer>>;
    /// Sets `last_seen_at`.
    fn touch_device(&self, id: &DeviceId, at: DateTime<Utc>) -> AppResult<()>;
    /// Records an accepted signature (its hash) until `expires_at`, when it can no longer be
    /// accepted anyway; false, recording nothing, when it was recorded before: a replay.
    /// Concurrent copies record it once.
    fn record_signature(&self, hash: &str, expires_at: DateTime<Utc>) -> AppResult<bool>;
    /// Deletes the signatures that expired at `now` or before; how many.
    fn purge_signatures(&self, now: DateTime<Utc>) -> AppResult<u64>;

    /// Logs the operator in on the device (ending whoever was logged in there), sets the
    /// user's `last_login_at` and forgets the failed logins recorded under `forget_failures`,
    /// in one transaction with `audit`. Refused with `invalid_credentials`, changing nothing,
    /// when the user is inactive or no longer at `operator.user_version`.
    fn start_operator(
        &self,
        operator: &NewOperator,
        forget_failures: &str,
        audit: &AuditEntry,
    ) -> AppResult<()>;
    /// Logs out whoever is logged in on the device; whether somebody was. `audit` is written
    /// when somebody was.
    fn end_operator(&self, device: &DeviceId, audit: &AuditEntry) -> AppResult<bool>;
    /// Sets the operator's `last_seen_at`.
    fn touch_operator(&self, device: &DeviceId, at: DateTime<Utc>) -> AppResult<()>;
    /// Ends the operators idle since before `idle_before`; how many.
    fn purge_operators(&self, idle_before: DateTime<Utc>) -> AppResult<u64>;
}

/// This instance, as a registering device names it (the id of the pairing QR).
#[cfg_attr(feature = "mock", automock)]
pub trait ThisInstance: Send + Sync {
    /// The instance's UUID, hyphenated, lower case.
    fn instance_id(&self) -> AppResult<String>;
}
