//! Throw-away databases for tests (feature `testing`): a fresh SQLite file, or a fresh
//! PostgreSQL database when `ECKWMS_TEST_PG_URL` names a server (created and removed by
//! `eckwms_db_kit::testing`), opened with this service's settings and migrations.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationVersion;
use diesel_migrations::MigrationHarness;
use eckwms_db_kit::testing::ThrowAwayDatabase;

pub use eckwms_db_kit::testing::PG_URL_VAR;

use crate::pool::{Database, DbPool, DbSettings, checkout};

/// A database that exists for one test and is removed when dropped.
pub struct TestDatabase(ThrowAwayDatabase);

impl TestDatabase {
    /// A new SQLite file in a new temporary directory.
    pub fn sqlite() -> Self {
        Self(ThrowAwayDatabase::sqlite("eckwms-test-", "test.db"))
    }

    /// A new, empty PostgreSQL database (`eckwms_test_<uuid>`); `None` when
    /// `ECKWMS_TEST_PG_URL` is unset.
    ///
    /// # Panics
    /// When the variable is set but the server cannot be used: a configured PostgreSQL run
    /// must fail loudly, never skip.
    pub fn postgres() -> Option<Self> {
        ThrowAwayDatabase::postgres("eckwms_test_").map(Self)
    }

    pub fn url(&self) -> &str {
        self.0.url()
    }

    pub fn settings(&self) -> DbSettings {
        DbSettings {
            pool_size: 16,
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
    /// Runs raw SQL, bypassing every rule: for tests that tamper with stored state.
    pub fn execute_raw(&self, sql: &str) -> anyhow::Result<()> {
        match &self.pool {
            DbPool::Sqlite { pool, .. } => checkout(pool)?.batch_execute(sql)?,
            DbPool::Pg(pool) => checkout(pool)?.batch_execute(sql)?,
        }
        Ok(())
    }

    /// The `n` of a raw `SELECT count(*) AS n ...`: for tests that look at what no port reads,
    /// such as the tables a reverted migration left.
    pub fn count_raw(&self, sql: &str) -> anyhow::Result<i64> {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let query = diesel::sql_query(sql);
        let count: Count = match &self.pool {
            DbPool::Sqlite { pool, .. } => query.get_result(&mut *checkout(pool)?)?,
            DbPool::Pg(pool) => query.get_result(&mut *checkout(pool)?)?,
        };
        Ok(count.n)
    }

    /// Reverts the applied migrations newer than `version` (e.g. `"20261125000002"`), newest
    /// first; returns how many were reverted. For tests of a migration on a database with data.
    pub fn revert_migrations_after(&self, version: &str) -> anyhow::Result<usize> {
        let mut reverted = 0;
        while self
            .newest_applied_migration()?
            .is_some_and(|newest| newest.as_str() > version)
        {
            self.revert_last_migration()?;
            reverted += 1;
        }
        Ok(reverted)
    }

    /// The version of the newest applied migration, if any.
    fn newest_applied_migration(&self) -> anyhow::Result<Option<String>> {
        fn newest<C: MigrationHarness<B>, B: diesel::backend::Backend>(
            c: &mut C,
        ) -> anyhow::Result<Option<String>> {
            let applied = c
                .applied_migrations()
                .map_err(|e| anyhow::anyhow!("reading applied migrations: {e}"))?;
            Ok(applied.iter().map(MigrationVersion::to_string).max())
        }
        match &self.pool {
            DbPool::Sqlite { pool, .. } => newest(&mut *checkout(pool)?),
            DbPool::Pg(pool) => newest(&mut *checkout(pool)?),
        }
    }
}
