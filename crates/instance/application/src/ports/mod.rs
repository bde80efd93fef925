//! Ports: what the use cases need from the outside world, one file per capability (a wing):
//! `catalog`, `orders`, `movement` (and the ledger), `access`, `devices`, `idempotency`,
//! `scanning`, `labels`, `overview`, `events`, `webhooks`, `system`; the types every wing shares (`WriteContext`,
//! `Expected`, `PageQuery`, `Clock`, `SecretSource`) are here.
//!
//! Every port is synchronous and object safe; every method is one transaction owned by the
//! adapter. A use case that changes several things runs them in one transaction through the
//! [`UnitOfWork`] (`unit.rs`), composing the per-wing operations of the open transaction
//! ([`Tx`]). Write methods take a [`WriteContext`] that the adapter records in the ledger.

use chrono::{DateTime, Utc};
#[cfg(feature = "mock")]
use mockall::automock;

use crate::error::AppResult;

mod access;
mod catalog;
mod devices;
mod events;
mod global;
mod idempotency;
mod labels;
mod movement;
mod orders;
mod overview;
mod relay;
mod repair;
mod scanning;
mod system;
mod unit;
mod webhooks;

// One file per capability; every port is still reached as `ports::X`.
pub use access::*;
pub use catalog::*;
pub use devices::*;
pub use events::*;
pub use global::*;
pub use idempotency::*;
pub use labels::*;
pub use movement::*;
pub use orders::*;
pub use overview::*;
pub use relay::*;
pub use repair::*;
pub use scanning::*;
pub use system::*;
pub use unit::*;
pub use webhooks::*;

/// Who changes something, when, and under which request; recorded with every ledger row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteContext {
    /// `apikey:<id>` today; users and devices later.
    pub actor: String,
    pub at: DateTime<Utc>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    /// The scan this write carries out, recorded with its ledger rows.
    pub scan: Option<i64>,
    /// When set, the write marks this claimed idempotency key as applied in its own transaction.
    pub idempotency: Option<IdempotencyKeyRef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKeyRef {
    pub owner: String,
    pub key: String,
}

/// The version an update expects (`If-Match`), or any version (`If-Match: *`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    Any,
    Version(i64),
}

impl Expected {
    pub fn check(self, current: i64) -> AppResult<()> {
        match self {
            Expected::Version(v) if v != current => {
                Err(crate::AppError::PreconditionFailed { current })
            }
            _ => Ok(()),
        }
    }
}

/// A page request: objects after `after` (exclusive) in the list's order, at most `limit`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageQuery<C> {
    pub after: Option<C>,
    pub limit: u32,
}

#[cfg_attr(feature = "mock", automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC, truncated to microseconds (what the databases store).
    fn now(&self) -> DateTime<Utc>;
}

#[cfg_attr(feature = "mock", automock)]
pub trait SecretSource: Send + Sync {
    /// Fills the buffer with cryptographically secure random bytes.
    fn fill(&self, buf: &mut [u8]) -> AppResult<()>;
}
