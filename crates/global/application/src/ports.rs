//! The ports: what the use cases need from the outside. Synchronous, object safe,
//! `Send + Sync`; every repository method is one transaction owned by the adapter. With
//! `--features mock`, mockall generates `MockXxx` for each.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use eckwms_device_protocol::{DeviceId, DevicePublicKey, DeviceStatus};
use eckwms_global_domain::device::Device;
use eckwms_global_domain::public::{GlobalIdentity, PublicView};
use eckwms_global_domain::relay::{RelayedScan, RetentionCut};
use eckwms_global_domain::secret::SecretHash;
use eckwms_global_domain::{Instance, InstanceId, InstanceName, InstanceStatus, Report, Tier};

use crate::error::AppResult;

/// Now, in UTC, truncated to microseconds (what both databases keep).
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// 32 random bytes from a cryptographic source.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait SecretSource: Send + Sync {
    fn random(&self) -> AppResult<[u8; 32]>;
}

/// A one-time enrollment token, stored by its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEnrollment {
    pub token_hash: SecretHash,
    pub name: InstanceName,
    pub tier: Tier,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A registration: the token it spends, what the instance reported, and its new key's hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRegistration {
    pub token_hash: SecretHash,
    pub report: Report,
    pub public_addr: Option<IpAddr>,
    pub key_hash: SecretHash,
    pub at: DateTime<Utc>,
}

/// A heartbeat: what an instance reports and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    pub report: Report,
    pub public_addr: Option<IpAddr>,
    pub at: DateTime<Utc>,
}

/// An instance with the hash of its current API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredInstance {
    pub instance: Instance,
    pub key_hash: SecretHash,
}

/// A pairing token an instance made for its scanners, stored by its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPairingToken {
    pub token_hash: SecretHash,
    pub instance_id: InstanceId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait InstanceRepository: Send + Sync {
    fn create_enrollment(&self, enrollment: &NewEnrollment) -> AppResult<()>;

    /// Spends the token and creates the instance, in one transaction: of two registrations
    /// with one token, exactly one succeeds. Refusals: `enrollment_token_invalid` (unknown),
    /// `enrollment_token_expired` (both `Unauthenticated`), `enrollment_token_used`,
    /// `instance_exists` (both `Conflict`; the token stays unspent on `instance_exists`).
    fn register(&self, registration: &NewRegistration) -> AppResult<Instance>;

    /// One read by primary key.
    fn find(&self, id: &InstanceId) -> AppResult<Option<StoredInstance>>;

    /// Updates what the instance reported and `last_seen`, if it is still active
    /// (`Forbidden` `instance_disabled` otherwise; `NotFound` when it does not exist).
    fn heartbeat(&self, heartbeat: &Heartbeat) -> AppResult<Instance>;

    /// Every instance, by name.
    fn list(&self) -> AppResult<Vec<Instance>>;

    fn set_status(&self, id: &InstanceId, status: InstanceStatus) -> AppResult<Instance>;

    /// Replaces the key's hash: the old key stops working at once.
    fn set_key(&self, id: &InstanceId, key_hash: &SecretHash) -> AppResult<Instance>;

    fn create_pairing_token(&self, token: &NewPairingToken) -> AppResult<()>;

    /// The instance of an unexpired pairing token.
    fn pairing_token_instance(
        &self,
        token_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> AppResult<Option<InstanceId>>;

    /// Deletes enrollment and pairing tokens that expired before `now`; how many.
    fn purge_expired_tokens(&self, now: DateTime<Utc>) -> AppResult<u64>;
}

/// A device (re-)registration, ready to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRegistration {
    pub nonce_hash: SecretHash,
    /// The key the device has now: `None` for a new device (the registration fails with
    /// `device_changed` if it exists meanwhile); otherwise the key is replaced only while it
    /// is still this one.
    pub expected_key: Option<DevicePublicKey>,
    pub device: Device,
}

/// What an instance's publication of its devices changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Published {
    /// The devices the publication named.
    pub devices: usize,
    /// Of those, the records created or changed (key, name or status).
    pub changed: usize,
    /// The instance's other records, set `pending` (the instance no longer knows them).
    pub withdrawn: usize,
    /// Devices left alone because they are registered for another instance.
    pub skipped: Vec<DeviceId>,
}

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait DeviceRepository: Send + Sync {
    fn create_challenge(&self, nonce_hash: &SecretHash, expires_at: DateTime<Utc>)
    -> AppResult<()>;

    fn find_device(&self, id: &DeviceId) -> AppResult<Option<Device>>;

    /// Spends the nonce (`Conflict` `challenge_invalid` when unknown, spent or expired at
    /// `device.updated_at`) and stores the device, in one transaction.
    fn register_device(&self, registration: &DeviceRegistration) -> AppResult<Device>;

    fn list_devices(&self, instance: Option<InstanceId>) -> AppResult<Vec<Device>>;

    fn set_device_status(
        &self,
        id: &DeviceId,
        status: DeviceStatus,
        at: DateTime<Utc>,
    ) -> AppResult<Device>;

    /// Removes a device (an operator's way to let it register a new key); `NotFound` if absent.
    fn delete_device(&self, id: &DeviceId) -> AppResult<()>;

    /// Makes the records of `instance`'s devices follow its publication, in one transaction:
    /// each of `devices` (all of that instance, distinct ids) is created or takes the
    /// published key, name and status (`updated_at` = `at` when something changed), unless it
    /// is registered for another instance (then it is left alone and reported as skipped);
    /// the instance's records the publication does not name become `pending`.
    fn publish_devices(
        &self,
        instance: &InstanceId,
        devices: &[Device],
        at: DateTime<Utc>,
    ) -> AppResult<Published>;

    /// Deletes challenges that expired before `now`; how many.
    fn purge_challenges(&self, now: DateTime<Utc>) -> AppResult<u64>;
}

/// A scan a device posted for its instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRelayScan {
    pub instance_id: InstanceId,
    pub device_id: DeviceId,
    pub msg_id: String,
    pub barcode: String,
    pub received_at: DateTime<Utc>,
}

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait RelayRepository: Send + Sync {
    /// Stores the scan unless the device already posted this `msg_id`; returns the stored scan
    /// and whether it is new. A repeated `msg_id` with another barcode is `Conflict`
    /// `msg_id_reused`.
    fn add_scan(&self, scan: &NewRelayScan) -> AppResult<(RelayedScan, bool)>;

    /// Leases up to `limit` pullable scans of the instance (oldest first) until
    /// `lease_until`: marks them `delivered`. Two concurrent pulls never get the same scan.
    fn pull(
        &self,
        instance: &InstanceId,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> AppResult<Vec<RelayedScan>>;

    /// Confirms delivered scans of the instance; ids of other instances, unknown ids and
    /// scans never pulled are left alone. Returns the ids confirmed now or before.
    fn confirm(&self, instance: &InstanceId, ids: &[i64], at: DateTime<Utc>)
    -> AppResult<Vec<i64>>;

    /// Ends the leases of the instance's delivered, unconfirmed scans at `now`, so that its
    /// next pull hands them out again; how many.
    fn end_leases(&self, instance: &InstanceId, now: DateTime<Utc>) -> AppResult<u64>;

    /// How many of the instance's scans are not confirmed (counted on the partial index
    /// `relay_scans_open`).
    fn open_scans(&self, instance: &InstanceId) -> AppResult<i64>;

    /// Deletes what `cut` says from the relayed scans of free-tier instances; how many.
    fn purge_free_tier(&self, cut: &RetentionCut) -> AppResult<u64>;

    /// Scans of an instance in any state (oldest first, at most `limit`): for operators and
    /// tests.
    fn list_scans(&self, instance: &InstanceId, limit: usize) -> AppResult<Vec<RelayedScan>>;
}

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait HealthRepository: Send + Sync {
    /// Whether the database answers and every migration is applied.
    fn ping(&self) -> AppResult<()>;
}

/// The global service's signing identity, stored once.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait IdentityRepository: Send + Sync {
    /// Stores `candidate` unless an identity exists; returns the stored one either way (one
    /// identity, also when several processes start at once).
    fn identity_or_insert(
        &self,
        candidate: &GlobalIdentity,
        at: DateTime<Utc>,
    ) -> AppResult<GlobalIdentity>;
}

/// A cached answer of an instance about one object: its public view, or `None` when the
/// instance said it has nothing public (a negative entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedView {
    pub instance_id: InstanceId,
    /// The object's id, `i000000000000000042`.
    pub object_id: String,
    pub view: Option<PublicView>,
    pub fetched_at: DateTime<Utc>,
}

#[cfg_attr(feature = "mock", mockall::automock)]
pub trait PublicViewRepository: Send + Sync {
    fn find_view(&self, instance: &InstanceId, object_id: &str) -> AppResult<Option<CachedView>>;

    /// Inserts or replaces the entry of (instance, object).
    fn store_view(&self, view: &CachedView) -> AppResult<()>;

    /// Deletes entries fetched before `before`; how many.
    fn purge_views(&self, before: DateTime<Utc>) -> AppResult<u64>;
}

/// A signed `GET` of an instance's public view, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicFetch {
    /// The instance's registered public address and port (the proxy's upstream).
    pub ip: IpAddr,
    pub port: u16,
    /// `/ECK/API/PUBLIC/<object id>`.
    pub path: String,
    pub timestamp: i64,
    pub signature: String,
}

/// What an instance answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// 200 with this body (not yet validated).
    Body(Vec<u8>),
    /// 404: unknown object, or nothing public.
    NotFound,
}

/// Reaches an instance. Any other answer, a refused address, a timeout or a connection error
/// is `Unavailable`.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait PublicFetcher: Send + Sync {
    fn fetch(&self, request: &PublicFetch) -> AppResult<Fetched>;
}
