//! Throw-away databases for tests (feature `testing`): a fresh SQLite file, or a fresh
//! PostgreSQL database on the server `ECKWMS_TEST_PG_URL` names; removed when dropped.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::pool::{Database, DbSettings};

/// The variable naming a PostgreSQL server (an admin URL) on which tests create databases.
pub const PG_URL_VAR: &str = "ECKWMS_TEST_PG_URL";

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
        let dir = std::env::temp_dir().join(format!(
            "eckwms-global-test-{}",
            uuid::Uuid::new_v4().simple()
        ));
        Self {
            url: format!("sqlite://{}", dir.join("global.db").display()),
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A new, empty PostgreSQL database; `None` when `ECKWMS_TEST_PG_URL` is unset.
    ///
    /// # Panics
    /// When the variable is set but the server cannot be used: a configured PostgreSQL run
    /// fails loudly instead of skipping.
    #[allow(clippy::expect_used)]
    pub fn postgres() -> Option<Self> {
        let admin_url = std::env::var(PG_URL_VAR).ok().filter(|v| !v.is_empty())?;
        let name = format!("eckwms_global_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("{PG_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("creating a test database");
        Some(Self {
            url: with_database(&admin_url, &name),
            cleanup: Cleanup::Pg { admin_url, name },
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn settings(&self) -> DbSettings {
        DbSettings {
            url: self.url.clone(),
            pool_size: 8,
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

/// The server URL with `name` as its database (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = base[authority_start..]
        .find('/')
        .map_or(base, |slash| &base[..authority_start + slash]);
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

impl Database {
    /// Runs raw SQL, bypassing every rule: for tests that age or tamper with stored rows.
    pub fn execute_raw(&self, sql: &str) -> anyhow::Result<()> {
        match &self.pools {
            crate::pool::Pools::Sqlite(pool) => crate::pool::checkout(pool)?.batch_execute(sql)?,
            crate::pool::Pools::Pg(pool) => crate::pool::checkout(pool)?.batch_execute(sql)?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h", "x"),
            "postgres://u@h/x"
        );
    }
}
