//! Throw-away databases for tests (feature `testing`): a fresh SQLite file, or a fresh
//! PostgreSQL database when `ECKWMS_TEST_PG_URL` names a server.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::pool::{Database, DbPool, DbSettings, checkout};

/// The variable naming a PostgreSQL server (an admin URL, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`) on which tests create their databases.
pub const PG_URL_VAR: &str = "ECKWMS_TEST_PG_URL";

/// A database that exists for one test and is removed when dropped.
pub struct TestDatabase {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Pg { admin_url: String, name: String },
}

impl TestDatabase {
    /// A new SQLite file in a new temporary directory.
    pub fn sqlite() -> Self {
        let dir =
            std::env::temp_dir().join(format!("eckwms-test-{}", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}", dir.join("test.db").display());
        Self {
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A new, empty PostgreSQL database; `None` when `ECKWMS_TEST_PG_URL` is unset.
    ///
    /// # Panics
    /// When the variable is set but the server cannot be used: a configured PostgreSQL run
    /// must fail loudly, never skip.
    #[allow(clippy::expect_used)]
    pub fn postgres() -> Option<Self> {
        let admin_url = std::env::var(PG_URL_VAR).ok().filter(|v| !v.is_empty())?;
        let name = format!("eckwms_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("{PG_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("creating a test database");
        let url = replace_database(&admin_url, &name);
        Some(Self {
            url,
            cleanup: Cleanup::Pg { admin_url, name },
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn settings(&self) -> DbSettings {
        DbSettings {
            url: self.url.clone(),
            pool_size: 16,
            ..DbSettings::default()
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

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Pg { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
        }
    }
}

/// The admin URL with its database name replaced.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
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
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            super::replace_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::replace_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::replace_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
