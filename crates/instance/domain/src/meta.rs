//! The version and timestamps every stored entity carries.

use chrono::{DateTime, Utc};

/// Fields shared by every stored entity: optimistic-concurrency version and timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Meta {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    pub fn touch(&mut self, at: DateTime<Utc>) {
        self.version += 1;
        self.updated_at = at;
    }
}
