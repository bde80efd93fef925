//! The system: whether the database answers and is migrated.

#[cfg(feature = "mock")]
use mockall::automock;

use crate::error::AppResult;

#[cfg_attr(feature = "mock", automock)]
pub trait HealthRepository: Send + Sync {
    /// A round trip to the database.
    fn ping(&self) -> AppResult<()>;
    /// Migrations embedded in the binary but not applied to the database.
    fn pending_migrations(&self) -> AppResult<Vec<String>>;
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
}
