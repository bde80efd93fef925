//! Throw-away databases for tests (feature `testing`): a fresh SQLite file, or a fresh
//! PostgreSQL database on the server `ECKWMS_TEST_PG_URL` names; removed when dropped
//! (`eckwms_db_kit::testing`). Opened with this service's settings and migrations.

use diesel::connection::SimpleConnection;
use eckwms_db_kit::pool::checkout;
use eckwms_db_kit::testing::ThrowAwayDatabase;

pub use eckwms_db_kit::testing::PG_URL_VAR;

use crate::pool::{Database, DbSettings, Pools};

/// A database that exists for one test and is removed when dropped.
pub struct TestDatabase(ThrowAwayDatabase);

impl TestDatabase {
    /// A new SQLite file in a new temporary directory.
    pub fn sqlite() -> Self {
        Self(ThrowAwayDatabase::sqlite(
            "eckwms-global-test-",
            "global.db",
        ))
    }

    /// A new, empty PostgreSQL database (`eckwms_global_test_<uuid>`); `None` when
    /// `ECKWMS_TEST_PG_URL` is unset.
    ///
    /// # Panics
    /// When the variable is set but the server cannot be used: a configured PostgreSQL run
    /// fails loudly instead of skipping.
    pub fn postgres() -> Option<Self> {
        ThrowAwayDatabase::postgres("eckwms_global_test_").map(Self)
    }

    pub fn url(&self) -> &str {
        self.0.url()
    }

    pub fn settings(&self) -> DbSettings {
        DbSettings {
            pool_size: 8,
            ..DbSettings::new(self.url())
        }
    }

    /// A pool on this database, migrated.
    #[allow(clippy::expect_used)]
    pub fn open(&self) -> Database {
        let db = Database::connect(&self.settings()).expect("connecting to the test database");
        db.run_migrations().expect("migrating the test database");
        db
    }
}

impl Database {
    /// Runs raw SQL, bypassing every rule: for tests that age or tamper with stored rows.
    pub fn execute_raw(&self, sql: &str) -> anyhow::Result<()> {
        match &self.pools {
            Pools::Sqlite(pool) => checkout(pool)?.batch_execute(sql)?,
            Pools::Pg(pool) => checkout(pool)?.batch_execute(sql)?,
        }
        Ok(())
    }
}
