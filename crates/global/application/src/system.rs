//! Readiness, the system clock and the system's randomness.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};

use crate::error::{AppError, AppResult};
use crate::ports::{Clock, HealthRepository, SecretSource};

#[derive(Clone)]
pub struct SystemService {
    health: Arc<dyn HealthRepository>,
}

impl SystemService {
    pub fn new(health: Arc<dyn HealthRepository>) -> Self {
        Self { health }
    }

    /// Ok when the database answers and is migrated.
    pub fn ready(&self) -> AppResult<()> {
        self.health.ping()
    }
}

/// The real clock: now, UTC, truncated to microseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// The operating system's random source.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsSecrets;

impl SecretSource for OsSecrets {
    fn random(&self) -> AppResult<[u8; 32]> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| AppError::internal(anyhow::anyhow!("no randomness: {e}")))?;
        Ok(bytes)
    }
}
