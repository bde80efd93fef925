//! The link to the global service: where this instance stores its enrollment, and the calls
//! it makes to the global service (registration, heartbeat, publishing its scanners).

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use eckwms_domain::devices::{DeviceId, DevicePublicKey, DeviceStatus};
use eckwms_domain::global::{GlobalUrl, InstanceKey};
#[cfg(feature = "mock")]
use mockall::automock;

use crate::error::AppResult;

/// This instance's enrollment with a global service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalLink {
    pub url: GlobalUrl,
    /// Never logged, never shown: `Debug` prints `[secret]`.
    pub key: InstanceKey,
    pub enrolled_at: DateTime<Utc>,
}

#[cfg_attr(feature = "mock", automock)]
pub trait GlobalLinkRepository: Send + Sync {
    /// The stored enrollment, if any.
    fn global_link(&self) -> AppResult<Option<GlobalLink>>;
    /// Stores the enrollment, replacing one stored before.
    fn save_global_link(&self, link: &GlobalLink) -> AppResult<()>;
}

/// What the instance reports of itself: its id, its server key and where it listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceReport {
    /// Lower-case hyphenated UUID.
    pub instance_id: String,
    /// Ed25519, 64 hex digits.
    pub server_public_key: String,
    pub local_ips: Vec<IpAddr>,
    pub port: u16,
}

/// One scanner as the instance publishes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedDevice {
    pub id: DeviceId,
    pub name: String,
    pub public_key: DevicePublicKey,
    pub status: DeviceStatus,
}

/// A problem answer of the global service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalProblem {
    pub status: u16,
    /// Its stable `code` (empty when the answer was not a problem document).
    pub code: String,
    pub detail: String,
}

impl fmt::Display for GlobalProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code.is_empty(), self.detail.is_empty()) {
            (true, _) => write!(f, "HTTP {}", self.status),
            (false, true) => write!(f, "{} {}", self.status, self.code),
            (false, false) => write!(f, "{} {}: {}", self.status, self.code, self.detail),
        }
    }
}

/// Why a call to the global service failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GlobalCallError {
    /// It answered with a problem.
    #[error("the global service refused: {0}")]
    Refused(GlobalProblem),
    /// No answer: unreachable, timed out, or an answer that is not HTTP.
    #[error("the global service could not be reached: {0}")]
    Unreachable(String),
}

/// The global service's instance routes. Each call is one HTTP exchange with a time limit.
#[cfg_attr(feature = "mock", automock)]
pub trait GlobalClient: Send + Sync {
    /// Registers the instance with an enrollment token; the key the global service issued.
    fn register(
        &self,
        url: &GlobalUrl,
        token: &str,
        report: &InstanceReport,
    ) -> Result<InstanceKey, GlobalCallError>;
    /// A heartbeat: the instance reports where it is.
    fn heartbeat(
        &self,
        url: &GlobalUrl,
        key: &InstanceKey,
        report: &InstanceReport,
    ) -> Result<(), GlobalCallError>;
    /// Publishes every scanner of the instance; the global service's records follow.
    fn publish_devices(
        &self,
        url: &GlobalUrl,
        key: &InstanceKey,
        devices: &[PublishedDevice],
    ) -> Result<(), GlobalCallError>;
}

/// The host's LAN addresses, as this instance reports them.
#[cfg_attr(feature = "mock", automock)]
pub trait LanAddresses: Send + Sync {
    fn lan_addresses(&self) -> Vec<IpAddr>;
}

/// This instance's id and server public key (the identity made on the first start).
#[cfg_attr(feature = "mock", automock)]
pub trait InstanceIdentitySource: Send + Sync {
    /// The instance id (lower-case hyphenated UUID) and its Ed25519 public key (32 bytes).
    fn id_and_key(&self) -> AppResult<(String, Vec<u8>)>;
}
