//! Instances: enrollment, registration, heartbeats, their keys and pairing tokens, and the
//! operator's view of them.

use eckwms_problems::ProblemCode;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use eckwms_global_domain::secret::{
    SecretHash, SecretKind, instance_of_key, is_token, new_instance_key, new_token,
};
use eckwms_global_domain::{Instance, InstanceId, InstanceName, InstanceStatus, Report, Tier};
use subtle::ConstantTimeEq;

use crate::error::{AppError, AppResult};
use crate::ports::{
    Clock, Heartbeat, InstanceRepository, NewEnrollment, NewPairingToken, NewRegistration,
    SecretSource,
};
use crate::targets::TargetMemory;

/// Time limits of the instance use cases.
#[derive(Clone, Copy, Debug)]
pub struct InstanceSettings {
    /// How long an enrollment token stays usable.
    pub enrollment_ttl: Duration,
    /// An instance not seen for longer is reported offline.
    pub offline_after: Duration,
    /// Longest life of a pairing token.
    pub max_pairing_ttl: Duration,
}

impl Default for InstanceSettings {
    fn default() -> Self {
        Self {
            enrollment_ttl: Duration::hours(24),
            offline_after: Duration::minutes(5),
            max_pairing_ttl: Duration::hours(24),
        }
    }
}

/// A secret shown once, and when it stops working (if it does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    pub secret: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An instance and whether it is online now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceView {
    pub instance: Instance,
    pub online: bool,
}

#[derive(Clone)]
pub struct InstanceService {
    repo: Arc<dyn InstanceRepository>,
    clock: Arc<dyn Clock>,
    secrets: Arc<dyn SecretSource>,
    settings: InstanceSettings,
    targets: Arc<TargetMemory>,
}

/// Whether `presented` hashes to `stored`, in time independent of where they differ.
pub fn secret_matches(presented: &str, stored: &SecretHash) -> bool {
    let hash = SecretHash::of(presented);
    bool::from(hash.as_str().as_bytes().ct_eq(stored.as_str().as_bytes()))
}

fn invalid_key() -> AppError {
    AppError::refused(
        ProblemCode::InvalidInstanceKey,
        "a valid instance API key is required (Authorization: Bearer <key> or X-Internal-Api-Key)",
    )
}

impl InstanceService {
    pub fn new(
        repo: Arc<dyn InstanceRepository>,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn SecretSource>,
        settings: InstanceSettings,
    ) -> Self {
        Self {
            repo,
            clock,
            secrets,
            settings,
            targets: Arc::new(TargetMemory::new(Duration::zero())),
        }
    }

    /// The proxy's memory of instances (see [`TargetMemory`]): what this service changes is
    /// forgotten there at once.
    pub fn with_target_memory(mut self, targets: Arc<TargetMemory>) -> Self {
        self.targets = targets;
        self
    }

    pub fn settings(&self) -> InstanceSettings {
        self.settings
    }

    /// A one-time enrollment token for a new instance named `name`.
    pub fn enroll(&self, name: &str, tier: Tier) -> AppResult<Issued> {
        let name = InstanceName::parse(name).map_err(|m| AppError::invalid("name", m))?;
        let token = new_token(SecretKind::Enrollment, &self.secrets.random()?);
        let now = self.clock.now();
        let expires_at = now + self.settings.enrollment_ttl;
        self.repo.create_enrollment(&NewEnrollment {
            token_hash: SecretHash::of(&token),
            name,
            tier,
            created_at: now,
            expires_at,
        })?;
        Ok(Issued {
            secret: token,
            expires_at: Some(expires_at),
        })
    }

    /// Registers a new instance with an enrollment token; returns it and its API key (shown
    /// this once).
    pub fn register(
        &self,
        token: &str,
        report: Report,
        public_addr: Option<IpAddr>,
    ) -> AppResult<(Instance, Issued)> {
        if !is_token(SecretKind::Enrollment, token) {
            return Err(AppError::refused(
                ProblemCode::EnrollmentTokenInvalid,
                "the enrollment token is not valid",
            ));
        }
        let key = new_instance_key(&report.id(), &self.secrets.random()?);
        let instance = self.repo.register(&NewRegistration {
            token_hash: SecretHash::of(token),
            report,
            public_addr,
            key_hash: SecretHash::of(&key),
            at: self.clock.now(),
        })?;
        self.targets.forget(&instance.id);
        tracing::info!(instance_id = %instance.id, name = instance.name.as_str(), "instance registered");
        Ok((
            instance,
            Issued {
                secret: key,
                expires_at: None,
            },
        ))
    }

    /// The active instance whose key `key` is (one read by primary key).
    pub fn authenticate(&self, key: &str) -> AppResult<Instance> {
        let id = instance_of_key(key).ok_or_else(invalid_key)?;
        let stored = self.repo.find(&id)?.ok_or_else(invalid_key)?;
        if !secret_matches(key, &stored.key_hash) {
            return Err(invalid_key());
        }
        if stored.instance.status == InstanceStatus::Disabled {
            return Err(AppError::refused(
                ProblemCode::InstanceDisabled,
                "this instance is disabled",
            ));
        }
        Ok(stored.instance)
    }

    /// A heartbeat: the key's instance reports its addresses again. An instance can change
    /// only its own record.
    pub fn heartbeat(
        &self,
        key: &str,
        report: Report,
        public_addr: Option<IpAddr>,
    ) -> AppResult<Instance> {
        let me = self.authenticate(key)?;
        if me.id != report.id() {
            return Err(AppError::refused(
                ProblemCode::NotYourInstance,
                "an instance can change only its own record",
            ));
        }
        let beat = self.repo.heartbeat(&Heartbeat {
            report,
            public_addr,
            at: self.clock.now(),
        });
        self.targets.forget(&me.id);
        beat
    }

    /// A pairing token of the key's instance, valid for `ttl` (at most the configured maximum).
    pub fn create_pairing_token(&self, key: &str, ttl: Duration) -> AppResult<Issued> {
        let me = self.authenticate(key)?;
        if ttl <= Duration::zero() || ttl > self.settings.max_pairing_ttl {
            return Err(AppError::invalid(
                "ttlSecs",
                format!(
                    "must be from 1 to {} seconds",
                    self.settings.max_pairing_ttl.num_seconds()
                ),
            ));
        }
        let token = new_token(SecretKind::Pairing, &self.secrets.random()?);
        let now = self.clock.now();
        let expires_at = now + ttl;
        self.repo.create_pairing_token(&NewPairingToken {
            token_hash: SecretHash::of(&token),
            instance_id: me.id,
            created_at: now,
            expires_at,
        })?;
        Ok(Issued {
            secret: token,
            expires_at: Some(expires_at),
        })
    }

    fn view(&self, instance: Instance, now: DateTime<Utc>) -> InstanceView {
        let online = instance.status == InstanceStatus::Active
            && instance.is_online(now, self.settings.offline_after);
        InstanceView { instance, online }
    }

    pub fn list(&self) -> AppResult<Vec<InstanceView>> {
        let now = self.clock.now();
        Ok(self
            .repo
            .list()?
            .into_iter()
            .map(|i| self.view(i, now))
            .collect())
    }

    /// The instances counted by state, for the metrics read at each scrape.
    pub fn counts(&self) -> AppResult<crate::metrics::InstanceCounts> {
        let now = self.clock.now();
        Ok(crate::metrics::InstanceCounts::of(&self.list()?, now))
    }

    pub fn get(&self, id: &InstanceId) -> AppResult<InstanceView> {
        let stored = self
            .repo
            .find(id)?
            .ok_or_else(|| AppError::not_found("instance", id))?;
        Ok(self.view(stored.instance, self.clock.now()))
    }

    pub fn set_status(&self, id: &InstanceId, status: InstanceStatus) -> AppResult<InstanceView> {
        let instance = self.repo.set_status(id, status);
        self.targets.forget(id);
        let instance = instance?;
        tracing::info!(instance_id = %id, status = status.as_str(), "instance status set");
        Ok(self.view(instance, self.clock.now()))
    }

    /// A new API key for the instance (shown this once); the old one stops working.
    pub fn rotate_key(&self, id: &InstanceId) -> AppResult<(InstanceView, Issued)> {
        let key = new_instance_key(id, &self.secrets.random()?);
        let instance = self.repo.set_key(id, &SecretHash::of(&key))?;
        tracing::info!(instance_id = %id, "instance key rotated");
        Ok((
            self.view(instance, self.clock.now()),
            Issued {
                secret: key,
                expires_at: None,
            },
        ))
    }

    pub fn purge_expired_tokens(&self) -> AppResult<u64> {
        self.repo.purge_expired_tokens(self.clock.now())
    }
}

/// The operator's key from the configuration; compared through SHA-256 in constant time.
#[derive(Clone)]
pub struct AdminKey(Option<SecretHash>);

impl AdminKey {
    /// `None` or an empty key: every operator request is refused.
    pub fn new(configured: Option<&str>) -> Self {
        Self(
            configured
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(SecretHash::of),
        )
    }

    pub fn check(&self, presented: Option<&str>) -> AppResult<()> {
        let refused = || {
            AppError::refused(
                ProblemCode::InvalidAdminKey,
                "the operator key is required (Authorization: Bearer <admin key>)",
            )
        };
        match (&self.0, presented) {
            (Some(stored), Some(presented)) if secret_matches(presented, stored) => Ok(()),
            _ => Err(refused()),
        }
    }
}
