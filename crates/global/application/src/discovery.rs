//! Discovery: where a scanner can reach an instance. LAN addresses only for a caller that
//! proves it belongs to the instance.

use eckwms_problems::ProblemCode;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use eckwms_device_protocol::DeviceStatus;
use eckwms_global_domain::discovery::{Candidate, ProxyTargetError, candidates, proxy_target};
use eckwms_global_domain::secret::{SecretHash, SecretKind, instance_of_key, is_token};
use eckwms_global_domain::{Instance, InstanceId, InstanceStatus};

use crate::devices::{DeviceService, SignedRequest};
use crate::error::{AppError, AppResult};
use crate::instances::secret_matches;
use crate::ports::{Clock, InstanceRepository};
use crate::targets::TargetMemory;

/// Who asks, with the proof they offered. A proof that does not hold is refused (401), not
/// silently treated as anonymous: a misconfigured scanner should learn of it.
#[derive(Clone, Debug)]
pub enum Caller<'a> {
    Anonymous,
    InstanceKey(&'a str),
    PairingToken(&'a str),
    Device(SignedRequest<'a>),
}

/// What discovery answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceInfo {
    pub instance: Instance,
    pub online: bool,
    pub candidates: Vec<Candidate>,
    pub last_seen: DateTime<Utc>,
}

#[derive(Clone)]
pub struct DiscoveryService {
    instances: Arc<dyn InstanceRepository>,
    devices: DeviceService,
    clock: Arc<dyn Clock>,
    public_base_url: String,
    offline_after: Duration,
    targets: Arc<TargetMemory>,
}

impl DiscoveryService {
    pub fn new(
        instances: Arc<dyn InstanceRepository>,
        devices: DeviceService,
        clock: Arc<dyn Clock>,
        public_base_url: String,
        offline_after: Duration,
    ) -> Self {
        Self {
            instances,
            devices,
            clock,
            public_base_url,
            offline_after,
            targets: Arc::new(TargetMemory::new(Duration::zero())),
        }
    }

    /// Shares `targets` (see [`TargetMemory`]) for the proxy's lookups; the same memory must go
    /// to the [`InstanceService`](crate::InstanceService), which forgets what it changes.
    pub fn with_target_memory(mut self, targets: Arc<TargetMemory>) -> Self {
        self.targets = targets;
        self
    }

    /// The instance's candidates for `caller`: one read by primary key, plus one for the
    /// caller's proof when it is a pairing token or a device.
    pub fn info(&self, id: &InstanceId, caller: &Caller<'_>) -> AppResult<InstanceInfo> {
        let stored = self
            .instances
            .find(id)?
            .filter(|s| s.instance.status == InstanceStatus::Active)
            .ok_or_else(|| AppError::not_found("instance", id))?;
        let belongs = match caller {
            Caller::Anonymous => false,
            Caller::InstanceKey(key) => {
                if instance_of_key(key) == Some(*id) && secret_matches(key, &stored.key_hash) {
                    true
                } else {
                    return Err(AppError::refused(
                        ProblemCode::InvalidInstanceKey,
                        "the key is not this instance's key",
                    ));
                }
            }
            Caller::PairingToken(token) => {
                let owner = if is_token(SecretKind::Pairing, token) {
                    self.instances
                        .pairing_token_instance(&SecretHash::of(token), self.clock.now())?
                } else {
                    None
                };
                if owner != Some(*id) {
                    return Err(AppError::refused(
                        ProblemCode::InvalidPairingToken,
                        "the pairing token is unknown, expired or of another instance",
                    ));
                }
                true
            }
            Caller::Device(request) => {
                let device = self.devices.authenticate(request)?;
                device.instance_id == *id && device.status == DeviceStatus::Active
            }
        };
        let now = self.clock.now();
        let instance = stored.instance;
        Ok(InstanceInfo {
            online: instance.is_online(now, self.offline_after),
            candidates: candidates(&instance, &self.public_base_url, belongs),
            last_seen: instance.last_seen,
            instance,
        })
    }

    /// Where the proxy forwards a request for the instance (active ones only): its public
    /// address and port, or the LAN candidate the legacy target header named (`legacy`), if
    /// that is one of its registered candidates. One read by primary key.
    pub fn proxy_target(
        &self,
        id: &InstanceId,
        legacy: Option<(IpAddr, u16)>,
    ) -> AppResult<(IpAddr, u16)> {
        let stored = self
            .instances
            .find(id)?
            .filter(|s| s.instance.status == InstanceStatus::Active)
            .ok_or_else(|| AppError::not_found("instance", id))?;
        self.targets.remember(&stored.instance, self.clock.now());
        target_of(&stored.instance, legacy)
    }

    /// [`DiscoveryService::proxy_target`] from memory, without I/O (so on an async thread):
    /// `None` when the instance was not read lately and the registry must be asked.
    pub fn proxy_target_from_memory(
        &self,
        id: &InstanceId,
        legacy: Option<(IpAddr, u16)>,
    ) -> Option<AppResult<(IpAddr, u16)>> {
        let instance = self.targets.recall(id, self.clock.now())?;
        Some(target_of(&instance, legacy))
    }
}

fn target_of(instance: &Instance, legacy: Option<(IpAddr, u16)>) -> AppResult<(IpAddr, u16)> {
    proxy_target(instance, legacy).map_err(|e| match e {
        ProxyTargetError::NotRegistered => AppError::refused(
            ProblemCode::TargetNotRegistered,
            "X-eckWMS-Target-Url names no registered candidate of this instance",
        ),
        ProxyTargetError::NoAddress => AppError::refused(
            ProblemCode::InstanceUnreachable,
            "no address of this instance is known yet",
        ),
    })
}
