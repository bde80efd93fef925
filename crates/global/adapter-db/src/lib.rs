#![doc = include_str!("../README.md")]

mod error;
mod pool;
mod repos;
mod rows;
mod schema;
#[cfg(feature = "testing")]
pub mod testing;
mod tx;

pub use pool::{Database, DbSettings, redact_url};

/// Imports shared by both compilations of the query functions.
mod prelude {
    pub(crate) use chrono::{DateTime, Utc};
    pub(crate) use diesel::prelude::*;
    pub(crate) use eckwms_device_protocol::{DeviceId, DeviceStatus};
    pub(crate) use eckwms_global_application::ports::{
        CachedView, DeviceRegistration, Heartbeat, NewEnrollment, NewPairingToken, NewRegistration,
        NewRelayScan, StoredInstance,
    };
    pub(crate) use eckwms_global_application::{AppError, ProblemCode};
    pub(crate) use eckwms_global_domain::device::Device;
    pub(crate) use eckwms_global_domain::public::{GlobalIdentity, PublicView};
    pub(crate) use eckwms_global_domain::relay::{RelayedScan, RetentionCut};
    pub(crate) use eckwms_global_domain::secret::SecretHash;
    pub(crate) use eckwms_global_domain::{Instance, InstanceId, InstanceStatus, Tier};

    pub(crate) use crate::error::{DbError, device_changed, instance_exists};
    pub(crate) use crate::rows::{DeviceRow, InstanceRow, ScanRow, ips_json, micros, time};
    pub(crate) use crate::schema::*;
    pub(crate) use crate::tx::LockPullable;
}

/// The query functions compiled for SQLite (`src/sqlite.rs`).
pub(crate) mod sqlite;

/// The query functions compiled for PostgreSQL (`src/pg.rs`).
pub(crate) mod pg;
